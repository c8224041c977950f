//! Use cases of the review queue: detect flags and list them, decide (action, dismiss,
//! escalate) with a note, undo the last decision, and act on churn warnings (snooze,
//! handled, note).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use ts_rs::TS;

use super::{default_as_of, find_group, Error, ErrorCode, Result};
use crate::analytics::flags::{detect_flags, DetectedFlag, FlagConfig, FlagEvidence};
use crate::model::{Group, GroupId, UnixSeconds};
use crate::store::{FlagDecision, FlagUpsert, NewFlag, Store, StoredFlag, WarningAction};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, export_to = "bindings/")]
pub enum FlagStatus {
    Open,
    Dismissed,
    Actioned,
    Escalated,
}

impl FlagStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagStatus::Open => "open",
            FlagStatus::Dismissed => "dismissed",
            FlagStatus::Actioned => "actioned",
            FlagStatus::Escalated => "escalated",
        }
    }

    pub fn parse(text: &str) -> Option<FlagStatus> {
        [FlagStatus::Open, FlagStatus::Dismissed, FlagStatus::Actioned, FlagStatus::Escalated]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// What a reviewer decides about a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, export_to = "bindings/")]
pub enum Decision {
    Action,
    Dismiss,
    Escalate,
}

impl Decision {
    pub fn parse(text: &str) -> Option<Decision> {
        match text {
            "action" => Some(Decision::Action),
            "dismiss" => Some(Decision::Dismiss),
            "escalate" => Some(Decision::Escalate),
            _ => None,
        }
    }

    fn status(self) -> FlagStatus {
        match self {
            Decision::Action => FlagStatus::Actioned,
            Decision::Dismiss => FlagStatus::Dismissed,
            Decision::Escalate => FlagStatus::Escalated,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct FlagView {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number | null")]
    pub member_id: Option<i64>,
    pub display_name: String,
    pub code: String,
    pub status: FlagStatus,
    pub note: Option<String>,
    pub evidence: FlagEvidence,
    #[ts(type = "number")]
    pub created_at: UnixSeconds,
    #[ts(type = "number | null")]
    pub decided_at: Option<UnixSeconds>,
    pub decisions: Vec<FlagDecision>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct FlagList {
    /// What this run of detection changed in the queue.
    pub detection: FlagUpsert,
    pub flags: Vec<FlagView>,
}

fn detect(store: &mut Store, group: &Group, now: UnixSeconds) -> Result<FlagUpsert> {
    let detected = detected(store, group, now)?;
    store_detected(store, group, &detected, now)
}

/// What flag detection finds in the group's rows now (nothing is written).
pub(super) fn detected(store: &Store, group: &Group, now: UnixSeconds) -> Result<Vec<DetectedFlag>> {
    let as_of = default_as_of(store, group, now)?;
    let data = store.load_group_data(group)?;
    let config: FlagConfig = super::load_settings(store, group.id)?.flags;
    Ok(detect_flags(&data, as_of, &config))
}

fn store_detected(store: &mut Store, group: &Group, detected: &[DetectedFlag], now: UnixSeconds) -> Result<FlagUpsert> {
    let new_flags: Vec<NewFlag> = detected
        .iter()
        .map(|flag| {
            Ok(NewFlag {
                member_id: Some(flag.member_id),
                code: flag.code.as_str().to_string(),
                fingerprint: flag.fingerprint.clone(),
                evidence: serde_json::to_string(&flag.evidence).map_err(|error| {
                    Error::new(ErrorCode::Store, format!("cannot encode the evidence of {}: {error}", flag.fingerprint))
                })?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(store.upsert_flags(group.id, &new_flags, now)?)
}

/// The flags the review queue holds open once `detected` is stored (see
/// [`Store::upsert_flags`]): the open ones stored, and the detected ones it does not hold
/// yet. A detected flag already decided stays decided; an open one is only refreshed.
/// Returns how many in all, and how many per member (flags about no member count only in
/// the total).
pub(super) fn open_flags_after_detection(store: &Store, group: GroupId, detected: &[DetectedFlag]) -> Result<OpenFlags> {
    let stored = store.flag_states(group)?;
    let known: HashSet<&str> = stored.iter().map(|flag| flag.fingerprint.as_str()).collect();
    let mut open = OpenFlags::default();
    let mut count = |member: Option<i64>| {
        open.total += 1;
        if let Some(member) = member {
            *open.per_member.entry(member).or_default() += 1;
        }
    };
    for flag in stored.iter().filter(|flag| flag.open) {
        count(flag.member_id);
    }
    let mut new: HashSet<&str> = HashSet::new();
    for flag in detected.iter().filter(|flag| !known.contains(flag.fingerprint.as_str())) {
        if new.insert(flag.fingerprint.as_str()) {
            count(Some(flag.member_id));
        }
    }
    Ok(open)
}

/// See [`open_flags_after_detection`].
#[derive(Debug, Default)]
pub(super) struct OpenFlags {
    pub total: u64,
    pub per_member: HashMap<i64, u64>,
}

fn view(store: &Store, flag: StoredFlag, names: &HashMap<i64, String>) -> Result<FlagView> {
    let evidence: FlagEvidence = parse_evidence(&flag)?;
    Ok(FlagView {
        id: flag.id,
        member_id: flag.member_id,
        display_name: flag.member_id.and_then(|id| names.get(&id).cloned()).unwrap_or_default(),
        code: flag.code,
        status: FlagStatus::parse(&flag.status).unwrap_or(FlagStatus::Open),
        note: flag.note,
        evidence,
        created_at: flag.created_at,
        decided_at: flag.decided_at,
        decisions: store.flag_decisions(flag.id)?,
    })
}

fn parse_evidence(flag: &StoredFlag) -> Result<FlagEvidence> {
    #[derive(serde::Deserialize)]
    struct Stored {
        numbers: Vec<StoredNumber>,
        message_ids: Vec<i64>,
        first_at: i64,
        last_at: i64,
    }
    #[derive(serde::Deserialize)]
    struct StoredNumber {
        name: String,
        value: f64,
    }
    let stored: Stored = serde_json::from_str(&flag.evidence).map_err(|error| {
        Error::new(ErrorCode::Store, format!("flag {} has unreadable evidence ({error}); run `hearth flags` again to refresh it", flag.id))
    })?;
    Ok(FlagEvidence {
        numbers: stored
            .numbers
            .into_iter()
            .map(|number| crate::analytics::warnings::Evidence { name: number.name, value: number.value })
            .collect(),
        message_ids: stored.message_ids,
        first_at: stored.first_at,
        last_at: stored.last_at,
    })
}

fn member_names(store: &Store, group: &Group) -> Result<HashMap<i64, String>> {
    Ok(store.member_names(group.id)?.into_iter().collect())
}

/// Runs flag detection (new flags are added, open ones refreshed, decided ones left
/// alone) and lists the group's flags, optionally only those with `status`.
pub fn flags(store: &mut Store, group: &str, status: Option<FlagStatus>, now: UnixSeconds) -> Result<FlagList> {
    let group = find_group(store, group)?;
    let detection = detect(store, &group, now)?;
    list(store, &group, detection, status)
}

/// [`flags`] with the detection already run (by a caller that keeps the analytics, such as
/// the desktop shell): only the queue's rows are written, so the write is short.
pub fn flags_detected(
    store: &mut Store,
    group: GroupId,
    detected: &[DetectedFlag],
    status: Option<FlagStatus>,
    now: UnixSeconds,
) -> Result<FlagList> {
    let group = find_group(store, &group.0.to_string())?;
    let detection = store_detected(store, &group, detected, now)?;
    list(store, &group, detection, status)
}

fn list(store: &Store, group: &Group, detection: FlagUpsert, status: Option<FlagStatus>) -> Result<FlagList> {
    let names = member_names(store, group)?;
    let flags = store
        .flags(group.id, status.map(FlagStatus::as_str))?
        .into_iter()
        .map(|flag| view(store, flag, &names))
        .collect::<Result<Vec<_>>>()?;
    Ok(FlagList { detection, flags })
}

fn stored_flag(store: &Store, group: &Group, flag_id: i64) -> Result<StoredFlag> {
    store.flag(group.id, flag_id)?.ok_or_else(|| {
        Error::new(ErrorCode::NotFound, format!("group {:?} has no flag {flag_id}; `hearth flags {}` lists them", group.name, group.id.0))
    })
}

/// Decides a flag. Open and escalated flags can be decided; dismissed and actioned ones
/// are final unless the decision is undone.
pub fn review(store: &mut Store, group: &str, flag_id: i64, decision: Decision, note: Option<&str>, now: UnixSeconds) -> Result<FlagView> {
    let group = find_group(store, group)?;
    let flag = stored_flag(store, &group, flag_id)?;
    let current = FlagStatus::parse(&flag.status).unwrap_or(FlagStatus::Open);
    let target = decision.status();
    let allowed = matches!(current, FlagStatus::Open) || (current == FlagStatus::Escalated && target != FlagStatus::Escalated);
    if !allowed {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!(
                "flag {flag_id} is already {}; undo that decision first (`hearth review {} {flag_id} undo`)",
                current.as_str(),
                group.id.0
            ),
        ));
    }
    store.decide_flag(group.id, flag_id, target.as_str(), note, now)?;
    let names = member_names(store, &group)?;
    view(store, stored_flag(store, &group, flag_id)?, &names)
}

/// Undoes the flag's last decision; an error when there is none.
pub fn undo_review(store: &mut Store, group: &str, flag_id: i64, now: UnixSeconds) -> Result<FlagView> {
    let group = find_group(store, group)?;
    stored_flag(store, &group, flag_id)?;
    if store.undo_flag_decision(group.id, flag_id, now)?.is_none() {
        return Err(Error::new(ErrorCode::InvalidInput, format!("flag {flag_id} has no decision to undo")));
    }
    let names = member_names(store, &group)?;
    view(store, stored_flag(store, &group, flag_id)?, &names)
}

/// What a reviewer does about a member's churn warning. `None` fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WarningActionChange {
    /// `Some(None)` ends a snooze.
    pub snooze_until: Option<Option<UnixSeconds>>,
    /// `Some(true)` marks handled now, `Some(false)` reopens.
    pub handled: Option<bool>,
    pub note: Option<Option<String>>,
}

pub fn act_on_warning(
    store: &mut Store,
    group: &str,
    member_id: i64,
    change: &WarningActionChange,
    now: UnixSeconds,
) -> Result<WarningAction> {
    let group = find_group(store, group)?;
    if !store.member_in_group(group.id, member_id)? {
        return Err(Error::new(ErrorCode::NotFound, format!("group {:?} has no member {member_id}", group.name)));
    }
    let handled = change.handled.map(|handled| handled.then_some(now));
    let note = change.note.as_ref().map(|note| note.as_deref());
    Ok(store.set_warning_action(group.id, member_id, change.snooze_until, handled, note, now)?)
}

impl super::Analyst {
    /// The flags detection finds at the group's default `as_of`, from the cache: what
    /// [`flags_detected`] then writes to the queue (so a reader computes, the writer only writes).
    pub fn detected_flags(&self, store: &Store, group: GroupId, now: UnixSeconds) -> Result<Vec<DetectedFlag>> {
        let (_, computed) = self.computed(store, group, now)?;
        Ok(computed.everything.flags.clone())
    }
}
