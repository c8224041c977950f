//! The use cases: the only module the CLI and the desktop shell call. Each function takes
//! the store and what the caller knows (paths, the current time), calls the store, the
//! importers and the analytics, and returns plain serialisable structs or an [`Error`]
//! whose code tells the caller what kind of failure it is.

pub mod churn;
mod error;
pub mod review;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

pub use error::{Error, ErrorCode};

use crate::analytics::activity::{weekly_active, WeekActive};
use crate::analytics::health::{health as compute_health, HealthConfig, HealthReport};
use crate::analytics::stages::{member_statuses, stage_counts, StageConfig, StageCount};
use crate::model::{Group, GroupId, MemberState, ProgressSink, Stage, UnixSeconds, DAY};
use crate::store::Store;

pub type Result<T> = std::result::Result<T, Error>;

/// The seed of the demo community the app creates on first start.
pub const DEFAULT_DEMO_SEED: u64 = 7;

/// The store's file name inside the platform's data directory.
pub const STORE_FILE_NAME: &str = "hearth.sqlite";

/// Where the store lives when neither `--db` nor `HEARTH_DB` says: the platform's data
/// directory (XDG on Linux: `$XDG_DATA_HOME/hearth`, else `~/.local/share/hearth`).
/// The caller passes the directory it found, so the core never reads the environment.
pub fn default_store_path(data_dir: &Path) -> PathBuf {
    data_dir.join(STORE_FILE_NAME)
}

/// The platform's data directory for Hearth, as `directories` finds it.
pub fn platform_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "hearth").map(|dirs| dirs.data_dir().to_path_buf())
}

pub fn open_store(path: &Path) -> Result<Store> {
    Ok(Store::open(path)?)
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct GroupSummary {
    pub group: Group,
    pub channels: u64,
    pub members: u64,
    pub messages: u64,
    pub reactions: u64,
    #[ts(type = "number | null")]
    pub first_activity_at: Option<UnixSeconds>,
    #[ts(type = "number | null")]
    pub last_activity_at: Option<UnixSeconds>,
}

pub fn groups(store: &Store) -> Result<Vec<GroupSummary>> {
    store.groups()?.into_iter().map(|group| summarise(store, group)).collect()
}

fn summarise(store: &Store, group: Group) -> Result<GroupSummary> {
    let counts = store.group_counts(group.id)?;
    let (first_activity_at, last_activity_at) = store.activity_span(group.id)?;
    Ok(GroupSummary {
        group,
        channels: counts.channels,
        members: counts.members,
        messages: counts.messages,
        reactions: counts.reactions,
        first_activity_at,
        last_activity_at,
    })
}

/// Finds a group by its id or by its name (case-insensitive).
pub fn find_group(store: &Store, reference: &str) -> Result<Group> {
    let reference = reference.trim();
    if let Ok(id) = reference.parse::<i64>() {
        if let Some(group) = store.group(GroupId(id))? {
            return Ok(group);
        }
    }
    let mut named = store.groups_named(reference)?;
    match named.len() {
        1 => Ok(named.remove(0)),
        0 => {
            let known: Vec<String> = store.groups()?.into_iter().map(|group| format!("{} ({})", group.name, group.id.0)).collect();
            let hint = if known.is_empty() {
                "the store has no groups yet; run `hearth demo` or `hearth import PATH`".to_string()
            } else {
                format!("known groups: {}", known.join(", "))
            };
            Err(Error::new(ErrorCode::NotFound, format!("no group with id or name {reference:?}; {hint}")))
        }
        _ => {
            let ids: Vec<String> = named.iter().map(|group| group.id.0.to_string()).collect();
            Err(Error::new(ErrorCode::InvalidInput, format!("several groups are named {reference:?} (ids {}); use the id", ids.join(", "))))
        }
    }
}

/// The instant a group's analytics are computed at by default: the end of the day of its
/// latest activity for an archive (its history stops there), the end of today otherwise.
pub fn default_as_of(store: &Store, group: &Group, now: UnixSeconds) -> Result<UnixSeconds> {
    let end_of_today = (now.div_euclid(DAY) + 1) * DAY;
    if !group.is_archive {
        return Ok(end_of_today);
    }
    Ok(store.activity_span(group.id)?.1.map_or(end_of_today, |last| (last.div_euclid(DAY) + 1) * DAY))
}

/// The instant for `--as-of DATE`: the end of that UTC day, so the date is included.
pub fn as_of_for_date(date: NaiveDate) -> UnixSeconds {
    date.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc().timestamp() + DAY
}

fn resolve_as_of(store: &Store, group: &Group, as_of: Option<NaiveDate>, now: UnixSeconds) -> Result<UnixSeconds> {
    match as_of {
        Some(date) => Ok(as_of_for_date(date)),
        None => default_as_of(store, group, now),
    }
}

/// The health score of a group for the 7 days ending with `as_of` (default: see
/// [`default_as_of`]).
pub fn health(store: &Store, group: &str, as_of: Option<NaiveDate>, now: UnixSeconds) -> Result<HealthReport> {
    let group = find_group(store, group)?;
    let as_of = resolve_as_of(store, &group, as_of, now)?;
    let data = store.load_group_data(&group)?;
    Ok(compute_health(&data, as_of, &HealthConfig::default()))
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MemberSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub platform_id: String,
    pub display_name: String,
    pub stage: Stage,
    pub state: MemberState,
    #[ts(type = "number | null")]
    pub first_post_at: Option<UnixSeconds>,
    #[ts(type = "number | null")]
    pub last_active_at: Option<UnixSeconds>,
    pub posts_total: u64,
    pub active_days_28: u64,
    pub responses_given_28: u64,
    pub responses_received_28: u64,
}

/// The group's human members with their stage and state at the default `as_of`, most
/// engaged first (stage, then posts).
pub fn members(store: &Store, group: &str, stage: Option<Stage>, now: UnixSeconds) -> Result<Vec<MemberSummary>> {
    let group = find_group(store, group)?;
    let as_of = default_as_of(store, &group, now)?;
    let data = store.load_group_data(&group)?;
    let statuses = member_statuses(&data, as_of, &StageConfig::default());
    let mut members: Vec<MemberSummary> = data
        .members
        .iter()
        .filter(|member| !member.is_bot)
        .zip(statuses)
        .filter(|(_, status)| stage.is_none_or(|stage| status.stage == stage))
        .map(|(member, status)| MemberSummary {
            id: member.id,
            platform_id: member.platform_id.clone(),
            display_name: member.display_name.clone(),
            stage: status.stage,
            state: status.state,
            first_post_at: status.first_post_at,
            last_active_at: status.last_active_at,
            posts_total: status.posts_total,
            active_days_28: status.active_days_28,
            responses_given_28: status.responses_given_28,
            responses_received_28: status.responses_received_28,
        })
        .collect();
    members.sort_by(|a, b| b.stage.cmp(&a.stage).then(b.posts_total.cmp(&a.posts_total)).then(a.id.cmp(&b.id)));
    Ok(members)
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct StageTotal {
    pub stage: Stage,
    pub members: u64,
    pub active: u64,
}

/// Everything the group dashboard shows, computed at the group's default `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Dashboard {
    pub summary: GroupSummary,
    /// The last day of the period the dashboard shows (YYYY-MM-DD, UTC).
    pub as_of_date: String,
    pub health: HealthReport,
    pub stage_totals: Vec<StageTotal>,
    pub stage_states: Vec<StageCount>,
    pub weekly_active: Vec<WeekActive>,
    /// The weekly active members chart, an SVG document drawn by plotters.
    pub weekly_active_svg: String,
}

pub fn dashboard(store: &Store, group: GroupId, now: UnixSeconds) -> Result<Dashboard> {
    let group = store
        .group(group)?
        .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("group {} is not in the store; pick another from the list", group.0)))?;
    let as_of = default_as_of(store, &group, now)?;
    let data = store.load_group_data(&group)?;
    let health = compute_health(&data, as_of, &HealthConfig::default());
    let statuses = member_statuses(&data, as_of, &StageConfig::default());
    let stage_states = stage_counts(&statuses);
    let stage_totals = Stage::ALL
        .into_iter()
        .map(|stage| StageTotal {
            stage,
            members: stage_states.iter().filter(|count| count.stage == stage).map(|count| count.members).sum(),
            active: stage_states
                .iter()
                .filter(|count| count.stage == stage && count.state == MemberState::Active)
                .map(|count| count.members)
                .sum(),
        })
        .collect();
    let weekly = weekly_active(&data, as_of);
    let weekly_active_svg = crate::report::charts::weekly_active_svg(&weekly, &group.name);
    let summary = summarise(store, group)?;
    Ok(Dashboard {
        summary,
        as_of_date: date_string(as_of - 1),
        health,
        stage_totals,
        stage_states,
        weekly_active: weekly,
        weekly_active_svg,
    })
}

/// The UTC date of an instant, as YYYY-MM-DD.
pub fn date_string(at: UnixSeconds) -> String {
    chrono::DateTime::from_timestamp(at, 0).map_or_else(|| at.to_string(), |time| time.format("%Y-%m-%d").to_string())
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct DemoSummary {
    pub group: Group,
    pub members: u64,
    pub messages: u64,
    pub reactions: u64,
    pub channels: u64,
    pub months: u64,
    pub churned_members: u64,
}

/// Creates the demo community (replacing an earlier demo in the store).
pub fn create_demo(store: &mut Store, seed: u64, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<DemoSummary> {
    Ok(crate::demo::generate(store, seed, now, progress)?)
}

/// Creates the demo community when the store has no group at all (first start).
/// Returns `None` when the store already had groups.
pub fn ensure_demo(store: &mut Store, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Option<DemoSummary>> {
    if store.group_count()? > 0 {
        return Ok(None);
    }
    create_demo(store, DEFAULT_DEMO_SEED, now, progress).map(Some)
}

/// What one import did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct ImportSummary {
    pub format: String,
    pub groups: Vec<Group>,
    pub channels: u64,
    pub members: u64,
    pub messages: u64,
    pub reactions: u64,
    pub joins: u64,
    pub leaves: u64,
    /// Items that were already in the store (re-imports are no-ops).
    pub duplicates: u64,
    /// Items already stored whose text changed (an edit in a later export).
    pub updated: u64,
    /// Items not imported, with the reason, counted per reason.
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Skipped {
    pub reason: String,
    pub count: u64,
}

/// Imports an export archive. `format` overrides detection ("telegram").
pub fn import(store: &mut Store, path: &Path, format: Option<&str>, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<ImportSummary> {
    import_with(store, path, format, &crate::import::ImportOptions::default(), now, progress)
}

/// [`import`] with the user's answers to what an export does not say (e.g. WhatsApp's
/// date order).
pub fn import_with(
    store: &mut Store,
    path: &Path,
    format: Option<&str>,
    options: &crate::import::ImportOptions,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<ImportSummary> {
    let outcome = crate::import::import_path_with(store, path, format, options, now, progress)?;
    let counts = outcome.counts;
    Ok(ImportSummary {
        format: outcome.format.to_string(),
        groups: outcome.groups,
        channels: counts.channels,
        members: counts.members,
        messages: counts.messages,
        reactions: counts.reactions,
        joins: counts.joins,
        leaves: counts.leaves,
        duplicates: counts.duplicates,
        updated: counts.updated,
        skipped: outcome.skipped.into_iter().map(|(reason, count)| Skipped { reason, count }).collect(),
    })
}
