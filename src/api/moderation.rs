//! Use cases of the moderation and settings screens that the review and churn modules do
//! not already cover: the decisions log of a group's review queue and the messages behind
//! a flag; previewing a group's analytics settings before saving them (the health score
//! under edits that are not stored yet) and saving several edits at once; and the
//! app-level settings — whether imports keep message text, where the store lives — with
//! the erasure of a group's stored text.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::insights::{health_with_settings, load_settings, settings, SettingsView};
use super::{default_as_of, find_group, Error, ErrorCode, Result};
use crate::analytics::health::{HealthReport, MetricId};
use crate::analytics::settings::{Settings, SettingsError};
use crate::model::{Group, UnixSeconds};
use crate::store::{ArchiveMessage, Store};

/// Types of the churn and review use cases the desktop shell names in its commands.
pub use crate::analytics::backtest::BacktestReport;
pub use crate::analytics::warnings::Severity;
pub use crate::store::WarningAction;

/// The app setting that says whether imports keep the text of messages (default: yes).
pub const STORE_MESSAGE_TEXT: &str = "store_message_text";

/// The most decisions the log returns at once.
pub const DECISIONS_LOG_LIMIT: usize = 500;

/// One decision of a group's review queue, with the flag and member it was about.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct DecisionEntry {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub flag_id: i64,
    pub code: String,
    #[ts(type = "number | null")]
    pub member_id: Option<i64>,
    pub display_name: String,
    pub from_status: String,
    pub to_status: String,
    pub note: Option<String>,
    #[ts(type = "number")]
    pub decided_at: UnixSeconds,
    /// When the decision was undone; `null` while it stands.
    #[ts(type = "number | null")]
    pub undone_at: Option<UnixSeconds>,
}

/// The decisions about a group's flags, newest first (undone ones included, marked).
pub fn decisions_log(store: &Store, group: &str) -> Result<Vec<DecisionEntry>> {
    let group = find_group(store, group)?;
    Ok(store
        .group_flag_decisions(group.id, DECISIONS_LOG_LIMIT)?
        .into_iter()
        .map(|entry| DecisionEntry {
            id: entry.decision.id,
            flag_id: entry.decision.flag_id,
            display_name: entry.display_name.unwrap_or_default(),
            code: entry.code,
            member_id: entry.member_id,
            from_status: entry.decision.from_status,
            to_status: entry.decision.to_status,
            note: entry.decision.note,
            decided_at: entry.decision.decided_at,
            undone_at: entry.decision.undone_at,
        })
        .collect())
}

/// The messages a flag's evidence names, oldest first (their text is `null` when the
/// person chose not to keep message text).
pub fn flag_messages(store: &Store, group: &str, flag_id: i64) -> Result<Vec<ArchiveMessage>> {
    let group = find_group(store, group)?;
    let flag = store.flag(group.id, flag_id)?.ok_or_else(|| {
        Error::new(ErrorCode::NotFound, format!("group {:?} has no flag {flag_id}; `hearth flags {}` lists them", group.name, group.id.0))
    })?;
    let evidence: Value = serde_json::from_str(&flag.evidence).map_err(|error| {
        Error::new(ErrorCode::Store, format!("flag {flag_id} has unreadable evidence ({error}); run `hearth flags` again to refresh it"))
    })?;
    let ids: Vec<i64> =
        evidence.get("message_ids").and_then(Value::as_array).map(|ids| ids.iter().filter_map(Value::as_i64).collect()).unwrap_or_default();
    Ok(store.messages_by_id(group.id, &ids)?)
}

/// One edited setting as the Settings screen sends it: a key as `hearth settings set`
/// takes it and the value as typed (JSON, or a bare word taken as text).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct SettingEdit {
    pub key: String,
    pub value: String,
}

/// Why edits cannot be saved, said so that the person knows what to change; `key` names
/// the edited setting at fault when one is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct SettingProblem {
    pub key: Option<String>,
    /// What kind of problem, for the window to say in its language (`message` is the
    /// core's English detail, as the CLI prints it).
    pub code: SettingProblemCode,
    pub message: String,
}

/// The kinds of [`SettingProblem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum SettingProblemCode {
    /// No setting has this key.
    UnknownKey,
    /// The value is not one the setting can take (wrong kind, out of range).
    BadValue,
    /// The settings together break a rule (e.g. the weights do not add up to 1).
    Invalid,
}

impl SettingProblemCode {
    fn of(error: &SettingsError) -> SettingProblemCode {
        match error {
            SettingsError::UnknownKey { .. } => SettingProblemCode::UnknownKey,
            SettingsError::BadValue { .. } => SettingProblemCode::BadValue,
            SettingsError::Invalid(_) => SettingProblemCode::Invalid,
        }
    }
}

/// A metric whose part of the score the edits change.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MetricChange {
    pub metric: MetricId,
    /// Points the metric adds to the score now, and with the edits.
    pub points_before: f64,
    pub points_after: f64,
    pub met_before: Option<bool>,
    pub met_after: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct SettingsPreview {
    /// The score under the stored settings.
    pub current: HealthReport,
    /// The score under the stored settings with the edits; `null` when they have problems.
    pub preview: Option<HealthReport>,
    pub problems: Vec<SettingProblem>,
    /// The metrics whose points or verdict the edits change, in the report's order.
    pub changes: Vec<MetricChange>,
}

/// Applies edits to `current`: every edit on its own first (an unknown key or a value of
/// the wrong kind is that edit's problem), then each section's edits together, because
/// some values must agree (the weights sum to 1) and one edit alone would break that.
pub fn apply_edits(current: &Settings, edits: &[SettingEdit]) -> std::result::Result<Settings, Vec<SettingProblem>> {
    let mut problems = Vec::new();
    for edit in edits {
        match current.with(&edit.key, &edit.value) {
            Err(error @ (SettingsError::UnknownKey { .. } | SettingsError::BadValue { .. })) => problems.push(SettingProblem {
                key: Some(edit.key.clone()),
                code: SettingProblemCode::of(&error),
                message: error.to_string(),
            }),
            // Checks of the whole may pass once the other edits are in.
            Ok(_) | Err(SettingsError::Invalid(_)) => {}
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut sections: BTreeMap<&str, Value> = BTreeMap::new();
    for edit in edits {
        let mut parts = edit.key.split('.');
        let section = parts.next().unwrap_or_default();
        let path: Vec<&str> = parts.collect();
        let value: Value = serde_json::from_str(&edit.value).unwrap_or_else(|_| Value::String(edit.value.clone()));
        insert_at(sections.entry(section).or_insert_with(|| Value::Object(Default::default())), &path, value);
    }
    let mut settings = current.clone();
    for (section, changes) in sections {
        match settings.with(section, &changes.to_string()) {
            Ok(updated) => settings = updated,
            Err(error) => {
                let message = error.to_string();
                let key = edits.iter().map(|edit| &edit.key).find(|key| message.contains(key.as_str())).cloned();
                problems.push(SettingProblem { key, code: SettingProblemCode::of(&error), message });
            }
        }
    }
    if problems.is_empty() {
        Ok(settings)
    } else {
        Err(problems)
    }
}

/// Puts `value` at `path` inside `node`, making objects on the way.
fn insert_at(node: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *node = value;
        return;
    };
    if !node.is_object() {
        *node = Value::Object(Default::default());
    }
    let object = node.as_object_mut().expect("an object now");
    insert_at(object.entry(first.to_string()).or_insert(Value::Null), rest, value);
}

/// The health score of a group under its stored settings and under the stored settings
/// with `edits`, without storing anything.
pub fn preview_settings(store: &Store, group: &str, edits: &[SettingEdit], now: UnixSeconds) -> Result<SettingsPreview> {
    let group = find_group(store, group)?;
    let as_of = default_as_of(store, &group, now)?;
    let stored = load_settings(store, group.id)?;
    let current = health_with_settings(store, &group, as_of, &stored, None)?;
    let (preview, problems) = match apply_edits(&stored, edits) {
        Ok(edited) => (Some(health_with_settings(store, &group, as_of, &edited, None)?), Vec::new()),
        Err(problems) => (None, problems),
    };
    let changes = preview.as_ref().map(|preview| metric_changes(&current, preview)).unwrap_or_default();
    Ok(SettingsPreview { current, preview, problems, changes })
}

fn metric_changes(current: &HealthReport, preview: &HealthReport) -> Vec<MetricChange> {
    let before: HashMap<MetricId, (f64, Option<bool>)> =
        current.metrics.iter().map(|metric| (metric.metric, (metric.contribution, metric.met))).collect();
    preview
        .metrics
        .iter()
        .filter_map(|after| {
            let (points_before, met_before) = before.get(&after.metric).copied().unwrap_or((0.0, None));
            let changed = (points_before - after.contribution).abs() >= 0.05 || met_before != after.met;
            changed.then_some(MetricChange {
                metric: after.metric,
                points_before,
                points_after: after.contribution,
                met_before,
                met_after: after.met,
            })
        })
        .collect()
}

/// Stores the edits (each touched section as a whole) once they make sense together; an
/// `invalid_input` error lists every problem otherwise, and nothing is stored.
pub fn save_settings(store: &mut Store, group: &str, edits: &[SettingEdit], now: UnixSeconds) -> Result<SettingsView> {
    let found = find_group(store, group)?;
    let stored = load_settings(store, found.id)?;
    let edited = apply_edits(&stored, edits).map_err(|problems| {
        let messages: Vec<String> = problems.into_iter().map(|problem| problem.message).collect();
        Error::new(ErrorCode::InvalidInput, messages.join("; "))
    })?;
    let mut sections: Vec<&str> = edits.iter().map(|edit| edit.key.split('.').next().unwrap_or_default()).collect();
    sections.sort_unstable();
    sections.dedup();
    for section in sections {
        let json = edited
            .section_json(section)
            .ok_or_else(|| Error::new(ErrorCode::InvalidInput, format!("unknown settings section {section:?}")))?;
        store.set_settings_section(found.id, section, &json, now)?;
    }
    settings(store, &found.id.0.to_string())
}

/// The settings of the app as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct AppSettings {
    /// Whether imports keep the text of messages (on by default). Off: new messages are
    /// stored without text (counts, times and threads stay), and search finds nothing new.
    pub store_message_text: bool,
    /// The file of the store this window uses; `null` for a store in memory.
    pub store_path: Option<String>,
}

/// Whether imports keep the text of messages.
pub fn stores_message_text(store: &Store) -> Result<bool> {
    match store.app_setting(STORE_MESSAGE_TEXT)? {
        None => Ok(true),
        Some(json) => serde_json::from_str::<bool>(&json).map_err(|_| {
            Error::new(
                ErrorCode::Store,
                format!("the app setting {STORE_MESSAGE_TEXT} holds {json}, not true or false; set it again in Settings"),
            )
        }),
    }
}

pub fn app_settings(store: &Store) -> Result<AppSettings> {
    Ok(AppSettings { store_message_text: stores_message_text(store)?, store_path: store.path().map(|path| path.display().to_string()) })
}

/// Turns keeping message text on or off for the imports that follow (what is stored
/// already stays; [`erase_message_text`] removes it).
pub fn set_store_message_text(store: &mut Store, keep: bool, now: UnixSeconds) -> Result<AppSettings> {
    store.set_app_setting(STORE_MESSAGE_TEXT, if keep { "true" } else { "false" }, now)?;
    app_settings(store)
}

/// How much message text a group holds.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct StoredText {
    pub group: Group,
    /// Activities of the group that hold text.
    pub messages_with_text: u64,
}

pub fn stored_text(store: &Store, group: &str) -> Result<StoredText> {
    let group = find_group(store, group)?;
    let messages_with_text = store.stored_text_count(group.id)?;
    Ok(StoredText { group, messages_with_text })
}

/// What erasing a group's message text did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct TextErased {
    pub group: Group,
    /// Activities whose text was erased.
    pub erased: u64,
}

/// Erases the text of every message of a group (and its search index entries). Counts,
/// times, authors and threads stay, so the analytics keep working; search and the
/// archive's text do not.
pub fn erase_message_text(store: &mut Store, group: &str) -> Result<TextErased> {
    let group = find_group(store, group)?;
    let erased = store.erase_group_text(group.id)?;
    Ok(TextErased { group, erased })
}
