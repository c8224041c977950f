//! A group's analytics settings: the thresholds, weights, windows and timezone a user can
//! change (every number of the analytics specification is a default here). Settings are
//! kept per section (`health`, `stages`, `heatmaps`, `graph`, `flags`, `warnings`), validated,
//! and turned into the configs the analytics take. Pure: the store keeps the JSON, the
//! api reads and writes it.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::conversations::ConversationConfig;
use super::flags::FlagConfig;
use super::graph::GraphConfig;
use super::health::{HealthConfig, MetricId, MetricTarget, ThresholdSource};
use super::heatmaps::HeatmapConfig;
use super::noise::NoiseConfig;
use super::stages::StageConfig;
use super::warnings::WarningConfig;

/// One metric's thresholds and weight; `low > high` means lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export, export_to = "bindings/")]
pub struct MetricSetting {
    pub low: f64,
    pub high: f64,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(export, export_to = "bindings/")]
pub struct HealthSettings {
    /// Length of the scored period, in days.
    pub period_days: i64,
    /// Fixed targets, or P25/P75 of the group's own history or of every group's.
    pub threshold_source: ThresholdSource,
    pub metrics: BTreeMap<MetricId, MetricSetting>,
    /// A question counts as answered when its response came within this many hours.
    pub answer_window_hours: i64,
    /// On platforms without threads, a gap this long (minutes) ends a conversation.
    pub conversation_gap_minutes: i64,
    /// Words that make a message a question when it starts with them (lowercase).
    pub question_words: Vec<String>,
    /// Messages carrying fewer bits per character than this are noise.
    pub noise_min_entropy_bits: f64,
    /// The same text this many times within `flood_window_seconds` by one member is a flood.
    pub flood_repeats: usize,
    pub flood_window_seconds: i64,
    /// More messages than this by one member within one second is a flood too.
    pub flood_max_per_second: usize,
}

impl Default for HealthSettings {
    fn default() -> Self {
        let config = HealthConfig::default();
        HealthSettings {
            period_days: config.period_days,
            threshold_source: ThresholdSource::Targets,
            metrics: config
                .targets
                .iter()
                .map(|target| (target.metric, MetricSetting { low: target.low, high: target.high, weight: target.weight }))
                .collect(),
            answer_window_hours: config.answer_window_seconds / 3600,
            conversation_gap_minutes: config.conversations.gap_seconds / 60,
            question_words: config.conversations.question_words,
            noise_min_entropy_bits: config.noise.min_entropy_bits,
            flood_repeats: config.noise.flood_repeats,
            flood_window_seconds: config.noise.flood_window_seconds,
            flood_max_per_second: config.noise.max_messages_per_second,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(export, export_to = "bindings/")]
pub struct StageSettings {
    pub newcomer_days: i64,
    pub participant_days: i64,
    pub contributor_window_days: i64,
    pub contributor_active_days: f64,
    pub contributor_responses: f64,
    pub core_weeks_needed: usize,
    pub core_weeks_window: usize,
    pub core_top_answerers: usize,
    /// Core also admits the top share of the trailing interaction graph by PageRank
    /// (0 turns that branch off).
    pub core_top_pagerank_share: f64,
    pub demotion_ratio: f64,
    pub grace_days: i64,
    pub active_days: i64,
    pub silent_min_tenure_days: i64,
    pub churned_days: i64,
}

impl Default for StageSettings {
    fn default() -> Self {
        let config = StageConfig::default();
        StageSettings {
            newcomer_days: config.newcomer_days,
            participant_days: config.participant_days,
            contributor_window_days: config.contributor_window_days,
            contributor_active_days: config.contributor_active_days,
            contributor_responses: config.contributor_responses,
            core_weeks_needed: config.core_weeks_needed,
            core_weeks_window: config.core_weeks_window,
            core_top_answerers: config.core_top_answerers,
            core_top_pagerank_share: config.core_top_pagerank_share,
            demotion_ratio: config.demotion_ratio,
            grace_days: config.grace_days,
            active_days: config.active_days,
            silent_min_tenure_days: config.silent_min_tenure_days,
            churned_days: config.churned_days,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(export, export_to = "bindings/")]
pub struct HeatmapSettings {
    /// IANA timezone of the weekday × hour heatmap; `null` = the computer's.
    pub timezone: Option<String>,
    pub cohort_weeks: usize,
    pub verdict_weeks: usize,
    pub verdict_margin: f64,
    pub first_minutes_seconds: i64,
    pub first_minutes_bin_seconds: i64,
}

impl Default for HeatmapSettings {
    fn default() -> Self {
        let config = HeatmapConfig::default();
        HeatmapSettings {
            timezone: None,
            cohort_weeks: config.cohort_weeks,
            verdict_weeks: config.verdict_weeks,
            verdict_margin: config.verdict_margin,
            first_minutes_seconds: config.first_minutes_seconds,
            first_minutes_bin_seconds: config.first_minutes_bin_seconds,
        }
    }
}

/// All of a group's analytics settings (the sections this part of Hearth owns).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(export, export_to = "bindings/")]
pub struct Settings {
    pub health: HealthSettings,
    pub stages: StageSettings,
    pub heatmaps: HeatmapSettings,
    /// The interaction graph (§4): window, edge weights, PageRank damping.
    pub graph: GraphConfig,
    /// The flags of the review queue (§5).
    pub flags: FlagConfig,
    /// The churn warnings (§6) and the member signals they read.
    pub warnings: WarningConfig,
}

/// The section names, in the order they are shown and stored.
pub const SECTIONS: [&str; 6] = ["health", "stages", "heatmaps", "graph", "flags", "warnings"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown setting {key:?}; known keys here: {known}")]
    UnknownKey { key: String, known: String },
    #[error("setting {key:?} cannot take {value}: {problem}")]
    BadValue { key: String, value: String, problem: String },
    #[error("invalid settings: {0}")]
    Invalid(String),
}

impl Settings {
    /// Builds settings from stored sections (section name → JSON). Sections not stored
    /// keep their defaults, and so do fields a stored section lacks (written by an older
    /// Hearth); sections this code does not know are other parts' and are skipped.
    pub fn from_sections(stored: &BTreeMap<String, String>) -> Result<Settings, SettingsError> {
        let mut settings = Settings::default();
        for (section, json) in stored {
            let bad = |error: serde_json::Error| {
                SettingsError::Invalid(format!("the stored section {section:?} cannot be read ({error}); reset it"))
            };
            match section.as_str() {
                "health" => settings.health = serde_json::from_str(json).map_err(bad)?,
                "stages" => settings.stages = serde_json::from_str(json).map_err(bad)?,
                "heatmaps" => settings.heatmaps = serde_json::from_str(json).map_err(bad)?,
                "graph" => settings.graph = serde_json::from_str(json).map_err(bad)?,
                "flags" => settings.flags = serde_json::from_str(json).map_err(bad)?,
                "warnings" => settings.warnings = serde_json::from_str(json).map_err(bad)?,
                _ => {}
            }
        }
        // Metrics added after a section was stored keep their defaults.
        for (metric, default) in HealthSettings::default().metrics {
            settings.health.metrics.entry(metric).or_insert(default);
        }
        Ok(settings)
    }

    /// One section as stored JSON.
    pub fn section_json(&self, section: &str) -> Option<String> {
        let value = match section {
            "health" => serde_json::to_string(&self.health),
            "stages" => serde_json::to_string(&self.stages),
            "heatmaps" => serde_json::to_string(&self.heatmaps),
            "graph" => serde_json::to_string(&self.graph),
            "flags" => serde_json::to_string(&self.flags),
            "warnings" => serde_json::to_string(&self.warnings),
            _ => return None,
        };
        value.ok()
    }

    /// Every key as `section.field[.sub…]` with its value, in a stable order.
    pub fn flatten(&self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        let value = serde_json::to_value(self).expect("settings serialise");
        flatten_into("", &value, &mut out);
        out
    }

    /// The value of one key (a section, or a field at any depth).
    pub fn get(&self, key: &str) -> Result<Value, SettingsError> {
        let value = serde_json::to_value(self).expect("settings serialise");
        let mut node = &value;
        for part in key.split('.') {
            node = node.get(part).ok_or_else(|| self.unknown(key))?;
        }
        Ok(node.clone())
    }

    /// Settings with `key` set to `text` (JSON, or a bare word taken as a string), checked.
    pub fn with(&self, key: &str, text: &str) -> Result<Settings, SettingsError> {
        let new_value: Value = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()));
        let mut value = serde_json::to_value(self).expect("settings serialise");
        let mut node = &mut value;
        for part in key.split('.') {
            node = node.get_mut(part).ok_or_else(|| self.unknown(key))?;
        }
        match (node.as_object_mut(), new_value) {
            // A group of keys takes an object of some of its keys, so that values that must
            // agree (weights summing to 1) can change together.
            (Some(group), Value::Object(changes)) => {
                for (part, change) in changes {
                    let slot = group.get_mut(&part).ok_or_else(|| self.unknown(&format!("{key}.{part}")))?;
                    merge(slot, change);
                }
            }
            (Some(_), _) => {
                return Err(SettingsError::BadValue {
                    key: key.to_string(),
                    value: text.to_string(),
                    problem: "it is a group of settings; set one of its keys, or give a JSON object of some of them".to_string(),
                })
            }
            (None, new_value) => *node = new_value,
        }
        let settings: Settings = serde_json::from_value(value).map_err(|error| SettingsError::BadValue {
            key: key.to_string(),
            value: text.to_string(),
            problem: format!("{error}"),
        })?;
        settings.validate()?;
        Ok(settings)
    }

    fn unknown(&self, key: &str) -> SettingsError {
        // Suggest the keys under the longest prefix that exists.
        let keys: Vec<String> = self.flatten().into_iter().map(|(key, _)| key).collect();
        let mut prefix = key.to_string();
        let matching = loop {
            let found: Vec<&String> = keys.iter().filter(|known| known.starts_with(&prefix)).collect();
            if !found.is_empty() || prefix.is_empty() {
                break found;
            }
            prefix = prefix.rsplit_once('.').map_or_else(String::new, |(head, _)| head.to_string());
        };
        let mut known: Vec<&str> = matching.iter().map(|key| key.as_str()).collect();
        if known.len() > 40 {
            known = SECTIONS.to_vec();
        }
        SettingsError::UnknownKey { key: key.to_string(), known: known.join(", ") }
    }

    /// Checks that the settings make sense together; the message names the key.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let fail = |message: String| Err(SettingsError::Invalid(message));
        let health = &self.health;
        if !(1..=90).contains(&health.period_days) {
            return fail(format!("health.period_days must be 1–90, not {}", health.period_days));
        }
        let total: f64 = health.metrics.values().map(|metric| metric.weight).sum();
        for (metric, setting) in &health.metrics {
            let key = serde_json::to_value(metric).ok().and_then(|value| value.as_str().map(str::to_string)).unwrap_or_default();
            if !(setting.weight >= 0.0 && setting.weight <= 1.0) {
                return fail(format!("health.metrics.{key}.weight must be between 0 and 1, not {}", setting.weight));
            }
            if !setting.low.is_finite() || !setting.high.is_finite() || setting.low == setting.high {
                return fail(format!(
                    "health.metrics.{key}: low ({}) and high ({}) must be different numbers (low > high means lower is better)",
                    setting.low, setting.high
                ));
            }
        }
        if (total - 1.0).abs() > 1e-6 {
            return fail(format!("the health metric weights must sum to 1, they sum to {total:.4}; lower another weight first"));
        }
        if health.answer_window_hours < 1 || health.conversation_gap_minutes < 1 {
            return fail("health.answer_window_hours and health.conversation_gap_minutes must be at least 1".to_string());
        }
        if health.flood_repeats < 2 || health.flood_window_seconds < 1 || health.flood_max_per_second < 1 {
            return fail("health.flood_repeats must be at least 2, flood_window_seconds and flood_max_per_second at least 1".to_string());
        }
        if !(0.0..=8.0).contains(&health.noise_min_entropy_bits) {
            return fail(format!("health.noise_min_entropy_bits must be 0–8, not {}", health.noise_min_entropy_bits));
        }
        let stages = &self.stages;
        for (key, days) in [
            ("newcomer_days", stages.newcomer_days),
            ("participant_days", stages.participant_days),
            ("contributor_window_days", stages.contributor_window_days),
            ("grace_days", stages.grace_days),
            ("active_days", stages.active_days),
            ("silent_min_tenure_days", stages.silent_min_tenure_days),
            ("churned_days", stages.churned_days),
        ] {
            if !(0..=3650).contains(&days) {
                return fail(format!("stages.{key} must be 0–3650 days, not {days}"));
            }
        }
        if stages.contributor_window_days < 1 {
            return fail("stages.contributor_window_days must be at least 1".to_string());
        }
        if stages.churned_days < stages.active_days {
            return fail(format!(
                "stages.churned_days ({}) must not be shorter than stages.active_days ({})",
                stages.churned_days, stages.active_days
            ));
        }
        if !(stages.demotion_ratio > 0.0 && stages.demotion_ratio <= 1.0) {
            return fail(format!("stages.demotion_ratio must be in (0, 1], not {}", stages.demotion_ratio));
        }
        if stages.core_weeks_window < 1 || stages.core_weeks_needed > stages.core_weeks_window {
            return fail(format!(
                "stages.core_weeks_needed ({}) must be at most stages.core_weeks_window ({}), which must be at least 1",
                stages.core_weeks_needed, stages.core_weeks_window
            ));
        }
        if stages.contributor_active_days < 0.0 || stages.contributor_responses < 0.0 {
            return fail("stages.contributor_active_days and stages.contributor_responses must not be negative".to_string());
        }
        let heatmaps = &self.heatmaps;
        if let Some(name) = &heatmaps.timezone {
            parse_timezone(name)?;
        }
        if !(1..=104).contains(&heatmaps.cohort_weeks) || !(1..=52).contains(&heatmaps.verdict_weeks) {
            return fail("heatmaps.cohort_weeks must be 1–104 and heatmaps.verdict_weeks 1–52".to_string());
        }
        if !(0.0..=10.0).contains(&heatmaps.verdict_margin) {
            return fail(format!("heatmaps.verdict_margin must be 0–10 (a share), not {}", heatmaps.verdict_margin));
        }
        let bin = heatmaps.first_minutes_bin_seconds;
        if bin < 1 || heatmaps.first_minutes_seconds < bin || heatmaps.first_minutes_seconds > 16 * bin {
            return fail(format!(
                "heatmaps.first_minutes_seconds ({}) must cover 1–16 bins of heatmaps.first_minutes_bin_seconds ({bin})",
                heatmaps.first_minutes_seconds
            ));
        }
        if !(0.0..=1.0).contains(&stages.core_top_pagerank_share) {
            return fail(format!("stages.core_top_pagerank_share must be 0–1 (a share), not {}", stages.core_top_pagerank_share));
        }
        self.validate_churn()
    }

    /// The graph, flags and warnings sections.
    fn validate_churn(&self) -> Result<(), SettingsError> {
        let fail = |message: String| Err(SettingsError::Invalid(message));
        let graph = &self.graph;
        if !(1..=365).contains(&graph.window_days) {
            return fail(format!("graph.window_days must be 1–365, not {}", graph.window_days));
        }
        if !(graph.damping > 0.0 && graph.damping < 1.0) {
            return fail(format!("graph.damping must be between 0 and 1 (exclusive), not {}", graph.damping));
        }
        let weights = [graph.communication_weight, graph.responsiveness_weight, graph.coparticipation_weight];
        if weights.iter().any(|weight| !(0.0..=1.0).contains(weight)) || (weights.iter().sum::<f64>() - 1.0).abs() > 1e-6 {
            return fail(format!(
                "graph.communication_weight, responsiveness_weight and coparticipation_weight must be 0–1 and sum to 1, they are {weights:?}"
            ));
        }
        if graph.communication_messages <= 0.0 || graph.responsiveness_seconds <= 0.0 || graph.thread_step < 0.0 {
            return fail(
                "graph.communication_messages and graph.responsiveness_seconds must be positive, graph.thread_step not negative"
                    .to_string(),
            );
        }
        if !(0.0..=1.0).contains(&graph.responsiveness_floor) || !(0.0..=1.0).contains(&graph.thread_cap) {
            return fail("graph.responsiveness_floor and graph.thread_cap must be 0–1".to_string());
        }
        if graph.max_thread_participants < 2 || graph.conversation_gap_seconds < 1 {
            return fail("graph.max_thread_participants must be at least 2 and graph.conversation_gap_seconds at least 1".to_string());
        }
        let flags = &self.flags;
        if !(0.0..=8.0).contains(&flags.min_entropy_bits) {
            return fail(format!("flags.min_entropy_bits must be 0–8, not {}", flags.min_entropy_bits));
        }
        if flags.flood_repeats < 2 || flags.flood_window_seconds < 1 || flags.max_messages_per_second < 1 {
            return fail("flags.flood_repeats must be at least 2, flood_window_seconds and max_messages_per_second at least 1".to_string());
        }
        if flags.max_payloads_per_minute < 1 || flags.episode_gap_seconds < 1 || flags.max_evidence_ids < 1 {
            return fail("flags.max_payloads_per_minute, episode_gap_seconds and max_evidence_ids must be at least 1".to_string());
        }
        let warnings = &self.warnings;
        if warnings.silent_short_min_days > warnings.silent_short_max_days {
            return fail(format!(
                "warnings.silent_short_min_days ({}) must not exceed warnings.silent_short_max_days ({})",
                warnings.silent_short_min_days, warnings.silent_short_max_days
            ));
        }
        if warnings.silent_long_days >= warnings.silent_long_max_days {
            return fail(format!(
                "warnings.silent_long_days ({}) must be below warnings.silent_long_max_days ({})",
                warnings.silent_long_days, warnings.silent_long_max_days
            ));
        }
        if warnings.critical_window_from_day > warnings.critical_window_to_day {
            return fail("warnings.critical_window_from_day must not exceed warnings.critical_window_to_day".to_string());
        }
        for (key, share) in [
            ("key_pagerank_drop", warnings.key_pagerank_drop),
            ("key_degree_drop", warnings.key_degree_drop),
            ("declining_ratio", warnings.declining_ratio),
            ("signals.ewma_alpha", warnings.signals.ewma_alpha),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return fail(format!("warnings.{key} must be 0–1 (a share), not {share}"));
            }
        }
        if warnings.signals.baseline_weeks < 1 || warnings.signals.history_weeks < 1 || warnings.signals.answer_within_seconds < 1 {
            return fail("warnings.signals.baseline_weeks, history_weeks and answer_within_seconds must be at least 1".to_string());
        }
        Ok(())
    }

    /// The config of the health score (with the fixed targets; calibration replaces them).
    pub fn health_config(&self) -> HealthConfig {
        let health = &self.health;
        let defaults = HealthConfig::default();
        HealthConfig {
            period_days: health.period_days,
            targets: defaults
                .targets
                .iter()
                .map(|target| {
                    let setting = health.metrics.get(&target.metric).copied();
                    setting.map_or(*target, |setting| MetricTarget {
                        metric: target.metric,
                        low: setting.low,
                        high: setting.high,
                        weight: setting.weight,
                    })
                })
                .collect(),
            answer_window_seconds: health.answer_window_hours * 3600,
            conversations: self.conversation_config(),
            noise: NoiseConfig {
                min_entropy_bits: health.noise_min_entropy_bits,
                flood_repeats: health.flood_repeats,
                flood_window_seconds: health.flood_window_seconds,
                max_messages_per_second: health.flood_max_per_second,
            },
        }
    }

    /// Conversations are one notion shared by the score and the stages.
    pub fn conversation_config(&self) -> ConversationConfig {
        ConversationConfig { gap_seconds: self.health.conversation_gap_minutes * 60, question_words: self.health.question_words.clone() }
    }

    pub fn stage_config(&self) -> StageConfig {
        let stages = &self.stages;
        StageConfig {
            newcomer_days: stages.newcomer_days,
            participant_days: stages.participant_days,
            contributor_window_days: stages.contributor_window_days,
            contributor_active_days: stages.contributor_active_days,
            contributor_responses: stages.contributor_responses,
            core_weeks_needed: stages.core_weeks_needed,
            core_weeks_window: stages.core_weeks_window,
            core_top_answerers: stages.core_top_answerers,
            demotion_ratio: stages.demotion_ratio,
            grace_days: stages.grace_days,
            active_days: stages.active_days,
            silent_min_tenure_days: stages.silent_min_tenure_days,
            churned_days: stages.churned_days,
            conversations: self.conversation_config(),
            core_top_pagerank_share: stages.core_top_pagerank_share,
            graph: self.graph.clone(),
        }
    }

    /// The heatmaps' config; `timezone` (a flag) wins over the setting, which wins over
    /// `computer_timezone` (passed in: the core never reads the environment).
    pub fn heatmap_config(&self, timezone: Option<&str>, computer_timezone: Option<&str>) -> Result<HeatmapConfig, SettingsError> {
        let heatmaps = &self.heatmaps;
        let name = timezone.or(heatmaps.timezone.as_deref());
        let timezone = match (name, computer_timezone) {
            (Some(name), _) => parse_timezone(name)?,
            // The computer's zone may be something chrono-tz does not know: fall back to UTC.
            (None, Some(name)) => parse_timezone(name).unwrap_or(Tz::UTC),
            (None, None) => Tz::UTC,
        };
        Ok(HeatmapConfig {
            timezone,
            cohort_weeks: heatmaps.cohort_weeks,
            verdict_weeks: heatmaps.verdict_weeks,
            verdict_margin: heatmaps.verdict_margin,
            first_minutes_seconds: heatmaps.first_minutes_seconds,
            first_minutes_bin_seconds: heatmaps.first_minutes_bin_seconds,
        })
    }
}

/// An IANA timezone name ("Europe/Berlin", "UTC").
pub fn parse_timezone(name: &str) -> Result<Tz, SettingsError> {
    name.parse::<Tz>().map_err(|_| SettingsError::BadValue {
        key: "timezone".to_string(),
        value: name.to_string(),
        problem: "not an IANA timezone name; use a name like Europe/Berlin, America/New_York or UTC".to_string(),
    })
}

/// Overwrites `slot` with `change`, key by key where both are objects.
fn merge(slot: &mut Value, change: Value) {
    match (slot.as_object_mut(), change) {
        (Some(fields), Value::Object(changes)) => {
            for (key, inner) in changes {
                match fields.get_mut(&key) {
                    Some(existing) => merge(existing, inner),
                    None => {
                        // Unknown keys are kept so that deserialising names them.
                        fields.insert(key, inner);
                    }
                }
            }
        }
        (_, change) => *slot = change,
    }
}

fn flatten_into(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten_into(&path, inner, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_specification_and_valid() {
        let settings = Settings::default();
        settings.validate().unwrap();
        assert_eq!(settings.health_config(), HealthConfig::default());
        assert_eq!(settings.stage_config(), StageConfig::default());
        assert_eq!(settings.heatmap_config(None, None).unwrap(), HeatmapConfig::default());
        assert_eq!(settings.get("health.metrics.retention7d.weight").unwrap(), serde_json::json!(0.25));
    }

    #[test]
    fn one_weight_alone_breaks_the_sum_but_several_together_pass() {
        let settings = Settings::default();
        let error = settings.with("health.metrics.retention7d.weight", "0.3").unwrap_err();
        assert!(error.to_string().contains("sum to 1"), "{error}");
        // 0.25 -> 0.30 and 0.18 -> 0.13 keeps the sum at 1.
        let changed =
            settings.with("health.metrics", r#"{"retention7d": {"weight": 0.3}, "messages_per_active_member": {"weight": 0.13}}"#).unwrap();
        let config = changed.health_config();
        let weight = |metric| config.targets.iter().find(|target| target.metric == metric).unwrap().weight;
        assert_eq!((weight(MetricId::Retention7d), weight(MetricId::MessagesPerActiveMember)), (0.3, 0.13));
        assert_eq!(weight(MetricId::Stickiness), 0.07, "keys not named keep their values");
    }

    #[test]
    fn bad_values_and_unknown_keys_are_refused_with_the_key_named() {
        let settings = Settings::default();
        let low_is_high = settings.with("health.metrics.stickiness.low", "0.2").unwrap_err();
        assert!(low_is_high.to_string().contains("health.metrics.stickiness"), "{low_is_high}");
        let unknown = settings.with("stages.grace_dayz", "3").unwrap_err();
        assert!(matches!(&unknown, SettingsError::UnknownKey { known, .. } if known.contains("stages.grace_days")), "{unknown}");
        let zone = settings.with("heatmaps.timezone", "Mars/Olympus").unwrap_err();
        assert!(zone.to_string().contains("IANA"), "{zone}");
        let wrong_type = settings.with("stages.grace_days", "soon").unwrap_err();
        assert!(matches!(wrong_type, SettingsError::BadValue { .. }));
        let core = settings.with("stages.core_weeks_needed", "13").unwrap_err();
        assert!(core.to_string().contains("core_weeks_window"), "{core}");
        assert_eq!(settings.with("heatmaps.timezone", "Europe/Berlin").unwrap().heatmaps.timezone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(settings.with("heatmaps.timezone", "null").unwrap().heatmaps.timezone, None);
    }

    #[test]
    fn stored_sections_fill_in_defaults_and_skip_other_parts() {
        let stored: BTreeMap<String, String> =
            [("stages".to_string(), r#"{"grace_days": 21}"#.to_string()), ("graph".to_string(), r#"{"damping": 0.9}"#.to_string())]
                .into_iter()
                .collect();
        let settings = Settings::from_sections(&stored).unwrap();
        assert_eq!(settings.stages.grace_days, 21);
        assert_eq!(settings.stages.newcomer_days, 14);
        assert_eq!(settings.health, HealthSettings::default());
        let broken: BTreeMap<String, String> = [("health".to_string(), r#"{"period_days": "x"}"#.to_string())].into_iter().collect();
        assert!(Settings::from_sections(&broken).unwrap_err().to_string().contains("reset"));
    }

    #[test]
    fn the_timezone_flag_wins_over_the_setting_which_wins_over_the_computer() {
        let settings = Settings::default().with("heatmaps.timezone", "Asia/Tokyo").unwrap();
        assert_eq!(settings.heatmap_config(Some("UTC"), Some("Europe/Paris")).unwrap().timezone, Tz::UTC);
        assert_eq!(settings.heatmap_config(None, Some("Europe/Paris")).unwrap().timezone, Tz::Asia__Tokyo);
        assert_eq!(Settings::default().heatmap_config(None, Some("Europe/Paris")).unwrap().timezone, Tz::Europe__Paris);
        assert_eq!(Settings::default().heatmap_config(None, Some("Not/AZone")).unwrap().timezone, Tz::UTC);
        assert!(Settings::default().heatmap_config(Some("Not/AZone"), None).is_err());
    }
}
