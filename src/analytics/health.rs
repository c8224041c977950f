//! The health score (analytics §1): SLO metrics over a trailing period, each normalised
//! between a low and a high threshold, weighted, with missing metrics left out and the
//! remaining weights rescaled. Every score carries its explanation and its biggest lever.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::conversations::ConversationConfig;
use super::daily::{AdditionalMetrics, DailyBasis, DayValues};
use super::noise::NoiseConfig;
use super::Prepared;
use crate::model::{GroupData, UnixSeconds, DAY};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum MetricId {
    MessagesPerActiveMember,
    Stickiness,
    Retention7d,
    NewcomerWeek2Retention,
    ReplyLatencyP90,
    EffectiveAnswerRate,
    ParticipationEvenness,
    AnswererAbsenceFactor,
    NoiseShare,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum Dimension {
    Activity,
    Retention,
    Responsiveness,
    Collaboration,
    Quality,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum Unit {
    Ratio,
    Share,
    Seconds,
    Members,
}

impl MetricId {
    pub fn dimension(self) -> Dimension {
        match self {
            MetricId::MessagesPerActiveMember | MetricId::Stickiness => Dimension::Activity,
            MetricId::Retention7d | MetricId::NewcomerWeek2Retention => Dimension::Retention,
            MetricId::ReplyLatencyP90 | MetricId::EffectiveAnswerRate => Dimension::Responsiveness,
            MetricId::ParticipationEvenness | MetricId::AnswererAbsenceFactor => Dimension::Collaboration,
            MetricId::NoiseShare => Dimension::Quality,
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            MetricId::MessagesPerActiveMember | MetricId::Stickiness | MetricId::ParticipationEvenness => Unit::Ratio,
            MetricId::Retention7d | MetricId::NewcomerWeek2Retention | MetricId::EffectiveAnswerRate | MetricId::NoiseShare => Unit::Share,
            MetricId::ReplyLatencyP90 => Unit::Seconds,
            MetricId::AnswererAbsenceFactor => Unit::Members,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MetricId::MessagesPerActiveMember => "Messages per active member",
            MetricId::Stickiness => "Stickiness (DAU/MAU)",
            MetricId::Retention7d => "7-day retention",
            MetricId::NewcomerWeek2Retention => "Newcomer week-2 retention",
            MetricId::ReplyLatencyP90 => "Reply latency p90",
            MetricId::EffectiveAnswerRate => "Effective answer rate",
            MetricId::ParticipationEvenness => "Participation evenness",
            MetricId::AnswererAbsenceFactor => "Answerer absence factor",
            MetricId::NoiseShare => "Noise share",
        }
    }
}

/// One metric's thresholds and weight. `low > high` means lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MetricTarget {
    pub metric: MetricId,
    pub low: f64,
    pub high: f64,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HealthConfig {
    pub period_days: i64,
    pub targets: Vec<MetricTarget>,
    /// A question counts as answered when its response came within this time.
    pub answer_window_seconds: i64,
    pub conversations: ConversationConfig,
    pub noise: NoiseConfig,
}

impl Default for HealthConfig {
    fn default() -> Self {
        use MetricId::*;
        let target = |metric, low, high, weight| MetricTarget { metric, low, high, weight };
        HealthConfig {
            period_days: 7,
            targets: vec![
                target(MessagesPerActiveMember, 1.0, 4.2, 0.18),
                target(Stickiness, 0.05, 0.20, 0.07),
                target(Retention7d, 0.30, 0.63, 0.25),
                target(NewcomerWeek2Retention, 0.15, 0.40, 0.10),
                target(ReplyLatencyP90, 1800.0, 120.0, 0.15),
                target(EffectiveAnswerRate, 0.50, 0.82, 0.10),
                target(ParticipationEvenness, 0.30, 0.70, 0.05),
                target(AnswererAbsenceFactor, 1.0, 5.0, 0.05),
                target(NoiseShare, 0.20, 0.02, 0.05),
            ],
            answer_window_seconds: DAY,
            conversations: ConversationConfig::default(),
            noise: NoiseConfig::default(),
        }
    }
}

/// The linear clamp of §1; inverted when `low > high` (lower is better).
pub fn normalise(value: f64, low: f64, high: f64) -> f64 {
    if low == high {
        return if value >= high { 1.0 } else { 0.0 };
    }
    ((value - low) / (high - low)).clamp(0.0, 1.0)
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MetricExplanation {
    pub metric: MetricId,
    pub label: String,
    pub dimension: Dimension,
    pub unit: Unit,
    /// `None` when the period has no data for this metric (e.g. no questions).
    pub value: Option<f64>,
    pub low: f64,
    pub high: f64,
    pub normalised: Option<f64>,
    /// The configured weight.
    pub weight: f64,
    /// The weight after missing metrics were left out and the rest rescaled.
    pub effective_weight: f64,
    /// Points this metric adds to the score: 100 × effective weight × normalised value.
    pub contribution: f64,
    /// Whether the value reaches the target (the high threshold).
    pub met: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Lever {
    pub metric: MetricId,
    pub label: String,
    /// Points the score would gain if this metric reached its target.
    pub gain: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct HealthReport {
    /// The period is [period_start, as_of).
    #[ts(type = "number")]
    pub as_of: UnixSeconds,
    #[ts(type = "number")]
    pub period_start: UnixSeconds,
    /// 0–100, or `None` when no metric had data.
    pub score: Option<f64>,
    pub metrics: Vec<MetricExplanation>,
    /// Metrics without data in the period: left out, the other weights rescaled.
    pub missing: Vec<MetricId>,
    pub biggest_lever: Option<Lever>,
    pub thresholds: Thresholds,
    /// The unweighted metrics shown beside the score.
    pub additional: AdditionalMetrics,
}

/// Where a report's thresholds came from (analytics §1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum ThresholdSource {
    /// The fixed targets of the settings.
    #[default]
    Targets,
    /// P25/P75 of the group's own daily history.
    CalibratedOwn,
    /// P25/P75 of the daily history of every group in the store.
    CalibratedAll,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Thresholds {
    pub source: ThresholdSource,
    /// Calibrated: how many daily values (per metric at most) and groups the percentiles
    /// came from.
    pub days: u64,
    pub groups: u64,
    /// Calibrated: metrics without any history, which kept their fixed targets.
    pub kept_fixed: Vec<MetricId>,
}

/// The metric values for the period ending at `as_of` (exclusive); `None` = no data.
pub fn metric_values(data: &GroupData, as_of: UnixSeconds, config: &HealthConfig) -> BTreeMap<MetricId, Option<f64>> {
    day_values(&Prepared::new(data, &config.conversations), as_of, config).metrics
}

/// The weighted and the additional metric values at `as_of`, from shared conversations.
pub fn day_values(prepared: &Prepared<'_>, as_of: UnixSeconds, config: &HealthConfig) -> DayValues {
    DailyBasis::new(&prepared.index, &prepared.conversations, as_of, config).values_at(as_of)
}

/// The health score and its explanation for the period ending at `as_of`.
pub fn health(data: &GroupData, as_of: UnixSeconds, config: &HealthConfig) -> HealthReport {
    health_prepared(&Prepared::new(data, &config.conversations), as_of, config)
}

/// [`health`] on conversations already built (with `config.conversations`).
pub fn health_prepared(prepared: &Prepared<'_>, as_of: UnixSeconds, config: &HealthConfig) -> HealthReport {
    score_values(&day_values(prepared, as_of, config), as_of, config)
}

/// Scores already computed metric values (split out so that the weighting can be tested
/// on its own, and so that the trend scores every day the same way).
pub fn score_values(values: &DayValues, as_of: UnixSeconds, config: &HealthConfig) -> HealthReport {
    let present_weight: f64 = config
        .targets
        .iter()
        .filter(|target| values.metrics.get(&target.metric).copied().flatten().is_some())
        .map(|target| target.weight)
        .sum();
    let mut metrics = Vec::new();
    let mut missing = Vec::new();
    for target in &config.targets {
        let value = values.metrics.get(&target.metric).copied().flatten();
        let normalised = value.map(|value| normalise(value, target.low, target.high));
        let effective_weight = if value.is_some() && present_weight > 0.0 { target.weight / present_weight } else { 0.0 };
        if value.is_none() {
            missing.push(target.metric);
        }
        metrics.push(MetricExplanation {
            metric: target.metric,
            label: target.metric.label().to_string(),
            dimension: target.metric.dimension(),
            unit: target.metric.unit(),
            value,
            low: target.low,
            high: target.high,
            normalised,
            weight: target.weight,
            effective_weight,
            contribution: 100.0 * effective_weight * normalised.unwrap_or(0.0),
            met: value.map(|value| if target.low > target.high { value <= target.high } else { value >= target.high }),
        });
    }
    let score = (present_weight > 0.0).then(|| metrics.iter().map(|metric| metric.contribution).sum::<f64>());
    let biggest_lever = metrics
        .iter()
        .filter_map(|metric| metric.normalised.map(|normalised| (metric, 100.0 * metric.effective_weight * (1.0 - normalised))))
        .filter(|(_, gain)| *gain > 0.0)
        .fold(None::<(&MetricExplanation, f64)>, |best, candidate| match best {
            Some(best) if best.1 >= candidate.1 => Some(best),
            _ => Some(candidate),
        })
        .map(|(metric, gain)| Lever { metric: metric.metric, label: metric.label.clone(), gain });
    HealthReport {
        as_of,
        period_start: as_of - config.period_days * DAY,
        score,
        metrics,
        missing,
        biggest_lever,
        thresholds: Thresholds::default(),
        additional: values.additional.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::tests_support::{activity, group, member, post, reply};
    use crate::model::ActivityKind;

    const H: i64 = 3600;

    fn at(day: i64, hour: i64, minute: i64) -> i64 {
        day * DAY + hour * H + minute * 60
    }

    /// Five members; the period is days 14–20 (as_of = start of day 21). The expected
    /// numbers below are worked out by hand from these rows.
    fn fixture() -> GroupData {
        group(
            true,
            (1..=5).map(member).collect(),
            vec![
                // Days 0–12: history before the period. m4 first appears on day 10 and m5 on
                // day 12; m1–m3 have been around since day 0.
                post(1, 1, at(0, 9, 0), "hello"),
                post(2, 2, at(0, 9, 5), "hi there"),
                post(3, 3, at(0, 9, 9), "good morning"),
                post(4, 1, at(8, 9, 0), "release is out"),
                post(5, 2, at(9, 9, 0), "nice work"),
                post(6, 3, at(10, 9, 0), "see you all"),
                post(7, 4, at(10, 12, 0), "glad to be here"),
                post(8, 5, at(12, 12, 0), "just looking around"),
                // Day 15: m1 asks, m2 answers after 300 s, m1 follows up in the thread.
                post(10, 1, at(15, 10, 0), "How do I deploy?"),
                reply(11, 2, at(15, 10, 5), 10),
                reply(12, 1, at(15, 10, 10), 10),
                // Day 16: m1 asks (ends with ?), m4 answers after 7,200 s.
                post(13, 1, at(16, 9, 0), "Any idea why CI fails?"),
                reply(14, 4, at(16, 11, 0), 13),
                // Day 17: m2 posts notes (not a question), m1 answers after 1,200 s, m4 reacts.
                post(15, 2, at(17, 12, 0), "Weekly notes"),
                activity(16, 4, at(17, 12, 30), ActivityKind::Reaction, Some(15), None),
                reply(17, 1, at(17, 12, 20), 15),
                // Day 18: a question nobody answers.
                post(18, 2, at(18, 8, 0), "What is the release date?"),
                // Day 19: a low-information message (entropy 0).
                post(19, 1, at(19, 10, 0), "aaaaaa"),
                // Day 20: a question answered after 1,800 s; too late for the answer rate.
                post(20, 1, at(20, 20, 0), "Where are the docs?"),
                reply(21, 2, at(20, 20, 30), 20),
            ],
        )
    }

    fn value(values: &BTreeMap<MetricId, Option<f64>>, metric: MetricId) -> f64 {
        values[&metric].unwrap_or_else(|| panic!("{metric:?} has no value"))
    }

    fn close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-9, "expected {expected}, got {actual}");
    }

    #[test]
    fn every_metric_by_hand() {
        let values = metric_values(&fixture(), 21 * DAY, &HealthConfig::default());
        // Posts ÷ active members per day: d15 3/2, d16 2/2, d17 2/3 (m4 only reacted),
        // d18 1/1, d19 1/1, d20 2/2; d14 has nobody. Mean of six days = 6.1667 / 6.
        close(value(&values, MetricId::MessagesPerActiveMember), (1.5 + 1.0 + 2.0 / 3.0 + 1.0 + 1.0 + 1.0) / 6.0);
        // DAU ÷ MAU with MAU = 5 every day: (0 + 2 + 2 + 3 + 1 + 1 + 2) / 5 / 7 = 2.2 / 7.
        close(value(&values, MetricId::Stickiness), 2.2 / 7.0);
        // Active in days 7–13: m1..m5; also in days 14–20: m1, m2, m4 -> 3/5.
        close(value(&values, MetricId::Retention7d), 0.6);
        // First activity 8–14 days before day 21: m4 (day 10), m5 (day 12). m4 is active on
        // day 17 (within days 17–23); m5 not within 19–25 -> 1/2.
        close(value(&values, MetricId::NewcomerWeek2Retention), 0.5);
        // Responded conversations started in the period: 300, 7200, 1200, 1800 s.
        // Nearest rank ceil(0.9 × 4) = 4 -> 7,200 s.
        close(value(&values, MetricId::ReplyLatencyP90), 7200.0);
        // Questions asked on days 13–19: #10 (answered in 300 s), #13 (7,200 s), #18 (never)
        // -> 2/3. #20 falls on day 20, whose 24 h window is not over at as_of.
        close(value(&values, MetricId::EffectiveAnswerRate), 2.0 / 3.0);
        // Posts in the period: m1 6, m2 4, m4 1 (total 11). H = -Σ p ln p = 0.916465;
        // ÷ ln 3 = 0.834202.
        let shares = [6.0 / 11.0, 4.0 / 11.0, 1.0 / 11.0];
        let entropy: f64 = shares.iter().map(|p: &f64| -p * p.ln()).sum();
        close(value(&values, MetricId::ParticipationEvenness), entropy / 3f64.ln());
        assert!((value(&values, MetricId::ParticipationEvenness) - 0.834202).abs() < 1e-6);
        // Responses in the period: m2 twice (#11, #21), m4 once, m1 once: m2 alone gives half.
        close(value(&values, MetricId::AnswererAbsenceFactor), 1.0);
        // One of the 11 posts ("aaaaaa") is noise.
        close(value(&values, MetricId::NoiseShare), 1.0 / 11.0);
    }

    #[test]
    fn score_and_explanation_by_hand() {
        let report = health(&fixture(), 21 * DAY, &HealthConfig::default());
        // Normalised × weight, summed (see every_metric_by_hand for the values):
        // 0.0086806×0.18 + 1×0.07 + 0.909091×0.25 + 1×0.10 + 0×0.15 + 0.520833×0.10
        // + 1×0.05 + 0×0.05 + 0.606061×0.05 = 0.5312216 -> 53.12216.
        close(report.score.unwrap(), 53.122_159_090_909_09);
        assert!(report.missing.is_empty());
        let latency = report.metrics.iter().find(|metric| metric.metric == MetricId::ReplyLatencyP90).unwrap();
        assert_eq!((latency.normalised, latency.contribution, latency.met), (Some(0.0), 0.0, Some(false)));
        // Gains if each metric reached its target: messages per active member 17.84 beats
        // reply latency 15.0 and the answerer absence factor 5.0.
        let lever = report.biggest_lever.unwrap();
        assert_eq!(lever.metric, MetricId::MessagesPerActiveMember);
        close(lever.gain, 17.843_75);
        assert_eq!((report.period_start, report.as_of), (14 * DAY, 21 * DAY));
    }

    #[test]
    fn missing_metrics_are_left_out_and_weights_rescaled() {
        // Only two metrics have data: retention at its target (norm 1) and reply latency at
        // its low threshold (norm 0). Weights 0.25 and 0.15 rescale to 0.625 and 0.375.
        let mut values: BTreeMap<MetricId, Option<f64>> =
            HealthConfig::default().targets.iter().map(|target| (target.metric, None)).collect();
        values.insert(MetricId::Retention7d, Some(0.63));
        values.insert(MetricId::ReplyLatencyP90, Some(1800.0));
        let report = score_values(&DayValues { metrics: values, additional: AdditionalMetrics::default() }, 0, &HealthConfig::default());
        close(report.score.unwrap(), 62.5);
        assert_eq!(report.missing.len(), 7);
        let retention = report.metrics.iter().find(|metric| metric.metric == MetricId::Retention7d).unwrap();
        close(retention.effective_weight, 0.625);
        assert_eq!(report.biggest_lever.unwrap().metric, MetricId::ReplyLatencyP90);
    }

    #[test]
    fn no_data_at_all_gives_no_score() {
        let data = group(true, vec![member(1)], vec![]);
        let report = health(&data, 30 * DAY, &HealthConfig::default());
        assert_eq!(report.score, None);
        assert_eq!(report.missing.len(), 9);
        assert_eq!(report.biggest_lever, None);
    }

    #[test]
    fn normalisation_clamps_and_inverts() {
        assert_eq!(normalise(0.5, 1.0, 4.2), 0.0);
        assert_eq!(normalise(5.0, 1.0, 4.2), 1.0);
        close(normalise(2.6, 1.0, 4.2), 0.5);
        // Lower is better: 960 s lies halfway between 1,800 and 120.
        close(normalise(960.0, 1800.0, 120.0), 0.5);
        assert_eq!(normalise(60.0, 1800.0, 120.0), 1.0);
    }

    #[test]
    fn score_stays_in_range_and_is_order_independent() {
        // Property: for many generated groups the score is within [0, 100], and shuffling
        // the input rows (re-sorted as the store would) changes nothing.
        let mut seed = 12_345u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..40 {
            let members: Vec<_> = (1..=8).map(member).collect();
            let mut rows = Vec::new();
            for id in 1..=120 {
                let author = (next() % 8 + 1) as i64;
                let at = (next() % (30 * DAY as u64)) as i64;
                let row = if id > 1 && next() % 3 == 0 {
                    reply(id, author, at, (next() % (id as u64 - 1) + 1) as i64)
                } else {
                    post(id, author, at, "what now?")
                };
                rows.push(row);
            }
            let data = group(next() % 2 == 0, members.clone(), rows.clone());
            let report = health(&data, 30 * DAY, &HealthConfig::default());
            if let Some(score) = report.score {
                assert!((0.0..=100.0).contains(&score), "{score}");
            }
            rows.reverse();
            let shuffled = group(data.group.platform.has_threads(), members, rows);
            assert_eq!(health(&shuffled, 30 * DAY, &HealthConfig::default()), report);
        }
    }
}
