//! The use cases: the only module the CLI and the desktop shell call. Each function takes
//! the store and what the caller knows (paths, the current time), calls the store, the
//! importers and the analytics, and returns plain serialisable structs or an [`Error`]
//! whose code tells the caller what kind of failure it is.

pub mod archive;
pub mod churn;
mod error;
mod insights;
pub mod moderation;
pub mod overview;
pub mod people;
pub mod report;
pub mod review;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

/// What callers pass to [`import_with`]; the shell reaches them through `api` only.
pub use crate::import::{whatsapp::DateOrder, ImportOptions};
pub use crate::model::CancelFlag;
pub use error::{Error, ErrorCode};
pub use insights::{
    compute_everything, health_calibrated, heatmap, load_settings, member, members_filtered, reset_settings, set_setting, settings, trend,
    Analyst, Chart, Computed, Everything, HeatmapData, HeatmapKind, HeatmapView, MemberDetail, SettingEntry, SettingsView, StageWeek,
    Trend,
};

use crate::analytics::activity::{weekly_active, WeekActive};
use crate::analytics::health::HealthReport;
use crate::analytics::stages::{stage_counts, StageCount};
use crate::model::{Group, GroupId, MemberState, Progress, ProgressSink, Stage, UnixSeconds, DAY};
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

/// [`open_store`], reporting the progress of a migration that rewrites every message (a
/// store of millions of messages written by an older Hearth takes seconds to upgrade).
pub fn open_store_reporting(path: &Path, progress: ProgressSink) -> Result<Store> {
    Ok(Store::open_reporting(path, progress)?)
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
    if !group.is_archive {
        return Ok(as_of_after(group, None, now));
    }
    Ok(as_of_after(group, store.activity_span(group.id)?.1, now))
}

/// [`default_as_of`] for a group whose latest activity is `last`.
fn as_of_after(group: &Group, last: Option<UnixSeconds>, now: UnixSeconds) -> UnixSeconds {
    let end_of_today = live_as_of(now);
    match last {
        Some(last) if group.is_archive => (last.div_euclid(DAY) + 1) * DAY,
        _ => end_of_today,
    }
}

/// The default `as_of` of a group that is not an archive at `now`: the end of the UTC day
/// (so today is included). It moves only when the day changes, not when rows arrive: a
/// caller that keeps a state rolls it over then ([`Analyst::warm`]), and the
/// rows that arrive during the day are absorbed on that day.
pub fn live_as_of(now: UnixSeconds) -> UnixSeconds {
    (now.div_euclid(DAY) + 1) * DAY
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
    health_calibrated(store, group, as_of, None, now)
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
    members_filtered(store, group, stage, None, now)
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
    let settings = load_settings(store, group.id)?;
    // The conversations and the graph windows are built once for the score and the stages.
    let health_config = settings.health_config();
    let stage_config = settings.stage_config();
    let prepared = crate::analytics::Prepared::with_graph(&data, &health_config.conversations, &stage_config.graph);
    let health = crate::analytics::health::health_prepared(&prepared, as_of, &health_config);
    let statuses = crate::analytics::stages::statuses_at(&prepared, &[as_of], &stage_config).pop().unwrap_or_default();
    let summary = summarise(store, group)?;
    Ok(dashboard_of(summary, &data, as_of, health, &statuses))
}

/// The dashboard from what was computed.
fn dashboard_of(
    summary: GroupSummary,
    data: &crate::model::GroupData,
    as_of: UnixSeconds,
    health: HealthReport,
    statuses: &[crate::analytics::stages::MemberStatus],
) -> Dashboard {
    let stage_states = stage_counts(statuses);
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
    let weekly = weekly_active(data, as_of);
    let weekly_active_svg = crate::report::charts::weekly_active_svg(&weekly, &summary.group.name);
    Dashboard { summary, as_of_date: date_string(as_of - 1), health, stage_totals, stage_states, weekly_active: weekly, weekly_active_svg }
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

/// The demo community with `scale` times its population (about `scale` × 164k messages),
/// for measuring screens and analytics on a large group.
pub fn create_scaled_demo(store: &mut Store, seed: u64, scale: u32, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<DemoSummary> {
    Ok(crate::demo::generate_scaled(store, seed, scale, now, progress)?)
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
    /// The IANA time zone (e.g. "Europe/Berlin") the export's local times without an offset
    /// were read in; `null` when it had none.
    pub timezone_assumed: Option<String>,
    /// Indexes a large import left to build after its commit (the archive browser's, the
    /// profile's, the rows' unique key): the store is ready for the dashboard and for
    /// search without them; they are built next ([`build_missing_indexes`]). 0 when none.
    pub indexes_to_build: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Skipped {
    /// The importer's reason in English, as the CLI prints it.
    pub reason: String,
    pub count: u64,
    /// The reason as a code, for the window to say in its language; `other` for a reason
    /// this list does not know yet (the window then shows `reason`).
    pub code: SkipCode,
    /// The platform's own word in the reason, if any ("pinned_message" in "service
    /// message without member activity (pinned_message)"): a technical name, not prose.
    pub detail: Option<String>,
}

/// Why items of an export were skipped, by kind (see [`Skipped`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum SkipCode {
    NoAuthor,
    NoTimestamp,
    NoMessageId,
    NoDate,
    NoSender,
    DateOutOfRange,
    DeletionNotice,
    EmptyEdit,
    UnattributedReactions,
    OtherFile,
    EncryptionNotice,
    ExporterJoinOrLeave,
    SystemLine,
    NamelessMember,
    Unsupported,
    UnknownType,
    ServiceWithoutActor,
    ServiceWithoutActivity,
    SystemWithoutActivity,
    Other,
}

impl Skipped {
    /// Classifies an importer's reason by its words (the importers word their reasons for
    /// the CLI; the first words say the kind, a parenthesis may name the platform's term).
    pub fn new(reason: String, count: u64) -> Skipped {
        let detail = |prefix: &str| reason.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(')')).map(str::to_string);
        let (code, detail) = if reason.starts_with("message without an author") {
            (SkipCode::NoAuthor, None)
        } else if reason.starts_with("message without a timestamp") {
            (SkipCode::NoTimestamp, None)
        } else if reason == "message without a Message-ID" {
            (SkipCode::NoMessageId, None)
        } else if reason == "message without a readable Date" {
            (SkipCode::NoDate, None)
        } else if reason == "message without a From address" {
            (SkipCode::NoSender, None)
        } else if reason.starts_with("message dated before") {
            (SkipCode::DateOutOfRange, None)
        } else if reason.starts_with("deletion notice") {
            (SkipCode::DeletionNotice, None)
        } else if reason.starts_with("edit notice") {
            (SkipCode::EmptyEdit, None)
        } else if reason.starts_with("reactions whose reactor the export does not name") {
            (SkipCode::UnattributedReactions, None)
        } else if reason.starts_with("file in a conversation folder") {
            (SkipCode::OtherFile, None)
        } else if reason == "end-to-end encryption notice" {
            (SkipCode::EncryptionNotice, None)
        } else if reason.starts_with("join or leave of \"you\"") {
            (SkipCode::ExporterJoinOrLeave, None)
        } else if reason == "system line without member activity" {
            (SkipCode::SystemLine, None)
        } else if reason.starts_with("invited or removed member without a name") {
            (SkipCode::NamelessMember, None)
        } else if reason.starts_with("message Telegram Desktop could not export") {
            (SkipCode::Unsupported, None)
        } else if let Some(kind) = detail("message of a type Hearth does not know (") {
            (SkipCode::UnknownType, Some(kind))
        } else if let Some(action) = detail("service message without an actor (") {
            (SkipCode::ServiceWithoutActor, Some(action))
        } else if let Some(action) = detail("service message without member activity (") {
            (SkipCode::ServiceWithoutActivity, Some(action))
        } else if let Some(kind) = detail("system message without member activity (") {
            (SkipCode::SystemWithoutActivity, Some(kind))
        } else {
            (SkipCode::Other, None)
        };
        Skipped { reason, count, code, detail }
    }
}

/// The import formats, by the name `hearth import --format` takes (and the UI offers).
pub fn import_formats() -> Vec<String> {
    crate::import::FORMATS.iter().map(|format| format.to_string()).collect()
}

/// The format the import of `path` would read it as, or why none fits.
pub fn detect_format(path: &Path) -> Result<String> {
    Ok(crate::import::detect(path)?.to_string())
}

/// Imports an export archive. `format` overrides detection ("telegram").
pub fn import(store: &mut Store, path: &Path, format: Option<&str>, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<ImportSummary> {
    import_with(store, path, format, &crate::import::ImportOptions::default(), now, progress)
}

/// [`import`] with the user's answers to what an export does not say (e.g. WhatsApp's
/// date order). Returns once every index is built (see [`import_paths`], which returns
/// earlier).
pub fn import_with(
    store: &mut Store,
    path: &Path,
    format: Option<&str>,
    options: &crate::import::ImportOptions,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<ImportSummary> {
    let mut summary = import_paths(store, &[path.to_path_buf()], format, options, now, progress)?;
    build_missing_indexes(store, progress)?;
    summary.indexes_to_build = 0;
    Ok(summary)
}

/// Builds the indexes a large import left for after its commit (the archive browser's, the
/// profile's and the key re-imports look rows up by); returns how many. The store answers
/// every query meanwhile, some more slowly; one closed before this builds them when opened.
pub fn build_missing_indexes(store: &mut Store, progress: ProgressSink<'_>) -> Result<usize> {
    Ok(store.build_missing_indexes(progress)?)
}

/// Builds the next index a large import left for after its commit (see
/// [`build_missing_indexes`]) in its own short write transaction, and returns the progress
/// after it (done of the `total` the caller counted with [`missing_indexes`]); `None` when
/// none is missing. The desktop app calls it in the background, one index at a time, so
/// that other writes wait at most one index build.
pub fn build_next_missing_index(store: &mut Store, done: u64, total: u64) -> Result<Option<Progress>> {
    Ok(store.build_next_missing_index()?.map(|_| Progress::items(crate::store::BUILDING_INDEXES, done + 1, Some(total.max(done + 1)))))
}

/// How many indexes a large import left for after its commit (0 when none).
pub fn missing_indexes(store: &Store) -> Result<u64> {
    Ok(store.missing_indexes()?.len() as u64)
}

/// [`open_store_reporting`] that leaves the indexes an import left for after its commit
/// unbuilt (a process that ended between the two steps): the caller builds them in the
/// background ([`build_next_missing_index`]) instead of making the opening wait for them.
pub fn open_store_deferring_indexes(path: &Path, progress: ProgressSink) -> Result<Store> {
    Ok(Store::open_deferring_indexes(path, progress)?)
}

/// Process-wide SQLite settings that make imports cheaper (see
/// [`crate::store::configure_sqlite_for_process`]); returns whether SQLite took them.
///
/// # Safety
///
/// No other thread may use SQLite while this runs: call it first thing in `main`.
pub unsafe fn configure_sqlite_for_process() -> bool {
    // SAFETY: passed on to the caller (above).
    unsafe { crate::store::configure_sqlite_for_process() }
}

/// Caps the C allocator (glibc) at two memory arenas, one per core of the machines Hearth
/// is measured on; returns whether the allocator took the setting (not on other C
/// libraries or systems, where nothing changes). glibc gives each thread that allocates
/// concurrently an arena of its own, up to eight per core, and memory freed in one arena
/// is not reused by the others: the analytics' threads, each building and dropping
/// tens of megabytes, made the peak vary from one run to the next by ~40 MB over what two
/// arenas give (measured: BENCHMARKS.md, analytics after the sixth rounds). Call it first
/// thing in `main`, before threads allocate.
pub fn configure_allocator_for_process() -> bool {
    allocator::limit_arenas(2)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod allocator {
    use std::ffi::c_int;

    extern "C" {
        /// glibc's `mallopt(3)`.
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }

    /// `M_ARENA_MAX` in glibc's `malloc.h`.
    const M_ARENA_MAX: c_int = -8;

    pub fn limit_arenas(arenas: c_int) -> bool {
        // SAFETY: `mallopt` takes two integers and only sets a parameter of the allocator,
        // under the allocator's own lock; any thread may call it at any time.
        unsafe { mallopt(M_ARENA_MAX, arenas) == 1 }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod allocator {
    pub fn limit_arenas(_arenas: i32) -> bool {
        false
    }
}

/// Imports several exports (files or folders, of one format or several) as one import: all
/// of them land or none does, and one summary describes them. Returns when the import has
/// committed and the store is ready for the dashboard and for search: after a large import
/// into a new group, the archive browser's and the profile's indexes (and the unique key of
/// the rows) are still to be built by [`build_missing_indexes`].
pub fn import_paths(
    store: &mut Store,
    paths: &[PathBuf],
    format: Option<&str>,
    options: &crate::import::ImportOptions,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<ImportSummary> {
    // The person may have chosen not to keep message text (Settings); every import honours it.
    let options =
        crate::import::ImportOptions { discard_text: options.discard_text || !moderation::stores_message_text(store)?, ..options.clone() };
    let outcome = crate::import::import_paths(store, paths, format, &options, now, progress)?;
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
        skipped: outcome.skipped.into_iter().map(|(reason, count)| Skipped::new(reason, count)).collect(),
        timezone_assumed: outcome.timezone_assumed,
        indexes_to_build: store.missing_indexes()?.len() as u32,
    })
}

/// The IANA time zone named `name` ("Europe/Berlin", "UTC"), for local times an export
/// writes without an offset.
pub fn parse_timezone(name: &str) -> Result<chrono_tz::Tz> {
    name.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        Error::new(
            ErrorCode::InvalidInput,
            format!("{name:?} is not a time zone Hearth knows; give an IANA name like Europe/Berlin, America/New_York or UTC"),
        )
    })
}

/// The computer's time zone from what the caller read: the `TZ` variable if set (a name,
/// with or without a leading ':'), else the system's zone name (`/etc/localtime` on Linux).
/// `None` when neither names a known zone. Called by the CLI and the shell, which read the
/// environment; the core never does.
pub fn computer_timezone(tz_variable: Option<&str>, system_zone: Option<&str>) -> Option<chrono_tz::Tz> {
    let from_variable = tz_variable.map(|value| value.trim_start_matches(':')).filter(|value| !value.is_empty());
    match from_variable {
        Some(name) => parse_timezone(name).ok(),
        None => system_zone.and_then(|name| parse_timezone(name).ok()),
    }
}

#[cfg(test)]
mod skip_code_tests {
    use super::{SkipCode, Skipped};

    #[test]
    fn importers_reasons_become_codes_with_the_platforms_term_as_detail() {
        let cases = [
            ("message without an author (no from_id)", SkipCode::NoAuthor, None),
            ("message without an author", SkipCode::NoAuthor, None),
            ("message without a timestamp (no ts)", SkipCode::NoTimestamp, None),
            ("message without a Message-ID", SkipCode::NoMessageId, None),
            ("message without a readable Date", SkipCode::NoDate, None),
            ("message without a From address", SkipCode::NoSender, None),
            ("message dated before 1970 or after 2100", SkipCode::DateOutOfRange, None),
            ("deletion notice (message_deleted) without the deleted message", SkipCode::DeletionNotice, None),
            ("edit notice (message_changed) without the edited message", SkipCode::EmptyEdit, None),
            (
                "reactions whose reactor the export does not name (Telegram lists only recent reactors)",
                SkipCode::UnattributedReactions,
                None,
            ),
            ("file in a conversation folder that is not a day file (YYYY-MM-DD.json)", SkipCode::OtherFile, None),
            ("end-to-end encryption notice", SkipCode::EncryptionNotice, None),
            (
                "join or leave of \"you\" (the person who exported the chat, whom the export does not name)",
                SkipCode::ExporterJoinOrLeave,
                None,
            ),
            ("system line without member activity", SkipCode::SystemLine, None),
            ("invited or removed member without a name (deleted account)", SkipCode::NamelessMember, None),
            ("message Telegram Desktop could not export (type \"unsupported\")", SkipCode::Unsupported, None),
            ("message of a type Hearth does not know (poll_v9)", SkipCode::UnknownType, Some("poll_v9")),
            ("service message without an actor (invite_members)", SkipCode::ServiceWithoutActor, Some("invite_members")),
            ("service message without member activity (pin_message)", SkipCode::ServiceWithoutActivity, Some("pin_message")),
            ("system message without member activity (Call)", SkipCode::SystemWithoutActivity, Some("Call")),
            ("something new", SkipCode::Other, None),
        ];
        for (reason, code, detail) in cases {
            let skipped = Skipped::new(reason.to_string(), 3);
            assert_eq!((skipped.code, skipped.detail.as_deref()), (code, detail), "{reason}");
            assert_eq!((skipped.reason.as_str(), skipped.count), (reason, 3));
        }
    }
}
