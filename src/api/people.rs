//! Use cases of the members screens: the members table (stage, state, risk, centrality and
//! open flags in one row per member), who is behind a cell of the stage or cohort heatmap,
//! one member's profile (stage history, risk, neighbours, weekly posts, recent messages,
//! notes), the notes themselves, and writing an exported CSV file.
//!
//! It calls the other use cases (`members_filtered`, `churn::member_risks`, `member`,
//! `churn::member_detail`) rather than the analytics, so the rows are exactly what the CLI
//! prints; only the heatmap cells read the analytics' own structures.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::churn::{self, MemberSort};
use super::insights::{Computed, Entry, HeatmapKind, HeatmapView};
use super::{default_as_of, insights, load_settings, members_filtered, Analyst, Error, ErrorCode, MemberSummary, Result, Trend};
use crate::analytics::daily::TrendPoint;
use crate::analytics::flags::DetectedFlag;
use crate::analytics::health::{ThresholdSource, Thresholds};
use crate::analytics::settings::Settings;
use crate::analytics::stages::StageHistory;
use crate::analytics::{date_of_day, day_of, week_start, Index, Prepared};
use crate::model::{Group, GroupData, GroupId, MemberState, Stage, UnixSeconds, WEEK};
use crate::store::Store;
pub use crate::store::{MemberMessage, MemberNote};

/// Risk at or above this is shown as high.
pub const HIGH_RISK: f64 = 0.6;
/// Risk at or above this (and below [`HIGH_RISK`]) is shown as medium.
pub const MEDIUM_RISK: f64 = 0.3;

/// How many recent messages a profile shows.
const RECENT_MESSAGES: usize = 20;
/// The longest note kept, in characters.
const NOTE_MAX_CHARS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, export_to = "bindings/")]
pub enum RiskBand {
    Low,
    Medium,
    High,
}

impl RiskBand {
    pub fn of(risk: f64) -> RiskBand {
        if risk >= HIGH_RISK {
            RiskBand::High
        } else if risk >= MEDIUM_RISK {
            RiskBand::Medium
        } else {
            RiskBand::Low
        }
    }
}

/// One row of the members table.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MemberRow {
    #[ts(type = "number")]
    pub id: i64,
    pub platform_id: String,
    pub display_name: String,
    pub stage: Stage,
    pub state: MemberState,
    /// Churn risk 0–1 (`hearth members --sort risk`) and its band.
    pub risk: f64,
    pub risk_band: RiskBand,
    /// PageRank scaled so that 1 is the uniform share, trailing 30 days.
    pub pagerank: f64,
    /// Activities in the last 90 days (`hearth members --sort activity`).
    pub activity_90: u32,
    pub active_days_28: u64,
    pub posts_total: u64,
    #[ts(type = "number | null")]
    pub last_active_at: Option<UnixSeconds>,
    /// Open flags in the review queue about this member.
    pub open_flags: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MembersTable {
    pub group: Group,
    pub as_of_date: String,
    /// Every human member, most engaged first (stage, then posts), as `hearth members`.
    pub members: Vec<MemberRow>,
}

fn group_of(store: &Store, group: GroupId) -> Result<Group> {
    store
        .group(group)?
        .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("group {} is not in the store; pick another from the list", group.0)))
}

/// Every human member of the group with stage, state, risk, centrality, activity and open
/// flags, at the group's default `as_of`.
pub fn members_table(store: &Store, group: GroupId, now: UnixSeconds) -> Result<MembersTable> {
    let found = group_of(store, group)?;
    let reference = group.0.to_string();
    let as_of = default_as_of(store, &found, now)?;
    let members = members_filtered(store, &reference, None, None, now)?;
    let risks = churn::member_risks(store, &reference, None, None, MemberSort::Risk, now)?;
    let detected = super::review::detected(store, &found, now)?;
    table_of(store, found, as_of, members, risks, &detected)
}

fn table_of(
    store: &Store,
    found: Group,
    as_of: UnixSeconds,
    members: Vec<MemberSummary>,
    risks: Vec<churn::MemberRisk>,
    detected: &[DetectedFlag],
) -> Result<MembersTable> {
    let mut table = MembersTable { as_of_date: super::date_string(as_of - 1), members: rows_of(members, risks), group: found };
    with_open_flags(store, &mut table, detected)?;
    Ok(table)
}

/// Sets each row's open flags: those the review queue holds open once `detected` is stored
/// (so that they show before anyone opened the queue).
fn with_open_flags(store: &Store, table: &mut MembersTable, detected: &[DetectedFlag]) -> Result<()> {
    let flags = super::review::open_flags_after_detection(store, table.group.id, detected)?.per_member;
    for row in &mut table.members {
        row.open_flags = flags.get(&row.id).copied().unwrap_or(0);
    }
    Ok(())
}

/// The table's rows, their open flags at 0.
fn rows_of(members: Vec<MemberSummary>, risks: Vec<churn::MemberRisk>) -> Vec<MemberRow> {
    let risks: HashMap<i64, churn::MemberRisk> = risks.into_iter().map(|risk| (risk.id, risk)).collect();
    members
        .into_iter()
        .map(|member| {
            let risk = risks.get(&member.id);
            let risk_value = risk.map_or(0.0, |risk| risk.risk);
            MemberRow {
                id: member.id,
                platform_id: member.platform_id,
                display_name: member.display_name,
                stage: member.stage,
                state: member.state,
                risk: risk_value,
                risk_band: RiskBand::of(risk_value),
                pagerank: risk.map_or(0.0, |risk| risk.pagerank),
                activity_90: risk.map_or(0, |risk| risk.activities_90),
                active_days_28: member.active_days_28,
                posts_total: member.posts_total,
                last_active_at: member.last_active_at,
                open_flags: 0,
            }
        })
        .collect()
}

/// A cell of a dashboard heatmap whose members the Members screen can list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[ts(export, export_to = "bindings/")]
pub enum HeatmapCell {
    /// Members in `stage` at the end of the stage heatmap's column `column`, whose label
    /// (the Monday of the week) is `week`.
    Stage { stage: Stage, column: u32, week: String },
    /// Members of the cohort first seen in the week of Monday `week`; with `offset`, only
    /// those active in the cohort's `offset`-th week (0 = the joining week).
    Cohort { week: String, offset: Option<u32> },
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct CellMembers {
    pub cell: HeatmapCell,
    /// The members behind the cell, by id, ascending.
    #[ts(type = "number[]")]
    pub member_ids: Vec<i64>,
}

/// The members behind one cell of the stage or cohort heatmap at the group's default
/// `as_of` (`hearth heatmap GROUP stages|cohorts` counts exactly these).
pub fn heatmap_members(store: &Store, group: GroupId, cell: &HeatmapCell, now: UnixSeconds) -> Result<CellMembers> {
    let found = group_of(store, group)?;
    let as_of = default_as_of(store, &found, now)?;
    let settings = load_settings(store, group)?;
    let data = store.load_group_data(&found)?;
    cell_members(&data, as_of, &settings, None, cell)
}

/// [`heatmap_members`] on rows already loaded, with the stage history at `as_of` when it
/// was computed already.
fn cell_members(
    data: &GroupData,
    as_of: UnixSeconds,
    settings: &Settings,
    history: Option<&StageHistory>,
    cell: &HeatmapCell,
) -> Result<CellMembers> {
    let member_ids = match cell {
        HeatmapCell::Stage { stage, column, week } => {
            let computed;
            let history = match history {
                Some(history) => history,
                None => {
                    let config = settings.stage_config();
                    let prepared = Prepared::new(data, &config.conversations);
                    computed = crate::analytics::stages::stage_history(&prepared, as_of, &config);
                    &computed
                }
            };
            let column = *column as usize;
            let Some(&instant) = history.instants.get(column) else {
                return Err(stale_cell(format!("the stage heatmap has {} weeks, not {}", history.instants.len(), column + 1)));
            };
            let label = date_of_day(day_of(week_start(instant - 1)));
            if &label != week {
                return Err(stale_cell(format!("column {} is the week of {label}, not {week}", column + 1)));
            }
            let mut ids: Vec<i64> = history
                .members
                .iter()
                .filter(|member| member.present_at(instant) && member.stages[column] == *stage)
                .map(|member| member.status.member_id)
                .collect();
            ids.sort_unstable();
            ids
        }
        HeatmapCell::Cohort { week, offset } => {
            let weeks_shown = settings.heatmap_config(None, None)?.cohort_weeks;
            if offset.is_some_and(|offset| offset as usize >= weeks_shown) {
                return Err(stale_cell(format!("the cohort heatmap shows {weeks_shown} weeks since joining")));
            }
            cohort_members(&Index::new(data), as_of, week, *offset)
        }
    };
    Ok(CellMembers { cell: cell.clone(), member_ids })
}

fn stale_cell(what: String) -> Error {
    Error::new(ErrorCode::InvalidInput, format!("no such heatmap cell: {what}; reload the dashboard and pick the cell again"))
}

/// The members the cohort heatmap counts in a cohort (and, with `offset`, as active in
/// that week since joining): first seen when they joined or first did anything, human
/// members only, activity other than joins and leaves.
fn cohort_members(index: &Index<'_>, as_of: UnixSeconds, week: &str, offset: Option<u32>) -> Vec<i64> {
    let data = index.data;
    let mut first_seen: Vec<Option<UnixSeconds>> = data.members.iter().map(|member| member.joined_at.filter(|&at| at < as_of)).collect();
    let mut active_weeks: Vec<BTreeSet<UnixSeconds>> = vec![BTreeSet::new(); data.members.len()];
    for activity in data.activities.iter().take_while(|activity| activity.at < as_of) {
        let Some(position) = index.position(activity.member_id) else { continue };
        if data.members[position].is_bot {
            continue;
        }
        let seen = &mut first_seen[position];
        *seen = Some(seen.map_or(activity.at, |seen| seen.min(activity.at)));
        if activity.kind.counts_as_active() {
            active_weeks[position].insert(week_start(activity.at));
        }
    }
    let mut ids: Vec<i64> = data
        .members
        .iter()
        .enumerate()
        .filter(|(position, member)| !member.is_bot && first_seen[*position].is_some())
        .filter_map(|(position, member)| {
            let cohort_week = week_start(first_seen[position].expect("filtered above"));
            if date_of_day(day_of(cohort_week)) != week {
                return None;
            }
            let wanted = offset.is_none_or(|offset| active_weeks[position].contains(&(cohort_week + i64::from(offset) * WEEK)));
            wanted.then_some(member.id)
        })
        .collect();
    ids.sort_unstable();
    ids
}

/// Posts (messages and replies) in one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct WeekPosts {
    /// Monday of the week (UTC), YYYY-MM-DD.
    pub week: String,
    pub posts: u64,
}

/// Everything the member profile shows.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MemberProfile {
    /// Stage, state, the stage's reasons and the weekly stage history (`hearth member`).
    pub stages: insights::MemberDetail,
    /// Risk with its reasons, the warning if any, and the interaction neighbours.
    pub risk: churn::MemberDetail,
    pub risk_band: RiskBand,
    /// Posts per week from the member's first post to `as_of`, empty weeks included.
    pub weekly_posts: Vec<WeekPosts>,
    /// The latest messages, newest first.
    pub recent_messages: Vec<MemberMessage>,
    pub notes: Vec<MemberNote>,
    pub open_flags: u64,
}

/// One member's profile, by member id.
pub fn member_profile(store: &Store, group: GroupId, member: i64, now: UnixSeconds) -> Result<MemberProfile> {
    let found = check_member(store, group, member)?;
    let reference = group.0.to_string();
    let as_of = default_as_of(store, &found, now)?;
    let stages = insights::member(store, &reference, &member.to_string(), now)?;
    let risk = churn::member_detail(store, &reference, &member.to_string(), now)?;
    let detected = super::review::detected(store, &found, now)?;
    profile_of(store, group, member, as_of, stages, risk, &detected)
}

fn check_member(store: &Store, group: GroupId, member: i64) -> Result<Group> {
    let found = group_of(store, group)?;
    if !store.member_in_group(group, member)? {
        return Err(Error::new(
            ErrorCode::NotFound,
            format!("member {member} is not in group {:?}; pick a member from the Members list", found.name),
        ));
    }
    Ok(found)
}

fn profile_of(
    store: &Store,
    group: GroupId,
    member: i64,
    as_of: UnixSeconds,
    stages: insights::MemberDetail,
    risk: churn::MemberDetail,
    detected: &[DetectedFlag],
) -> Result<MemberProfile> {
    let posts: Vec<UnixSeconds> = store.member_post_times(group, member)?.into_iter().filter(|&at| at < as_of).collect();
    let open_flags = super::review::open_flags_after_detection(store, group, detected)?.per_member.get(&member).copied().unwrap_or(0);
    Ok(MemberProfile {
        risk_band: RiskBand::of(risk.member.risk),
        stages,
        risk,
        weekly_posts: weekly_posts(&posts, as_of),
        recent_messages: store.member_messages(group, member, RECENT_MESSAGES)?,
        notes: store.member_notes(group, member)?,
        open_flags,
    })
}

/// Posts per week (Monday to Sunday, UTC) from the week of the first post to the week of
/// `as_of - 1`; `posts` ascending and before `as_of`.
fn weekly_posts(posts: &[UnixSeconds], as_of: UnixSeconds) -> Vec<WeekPosts> {
    let Some(&first) = posts.first() else { return Vec::new() };
    let first_week = week_start(first);
    let last_week = week_start(as_of - 1).max(first_week);
    let mut counts = vec![0u64; ((last_week - first_week) / WEEK + 1) as usize];
    for &at in posts {
        counts[((week_start(at) - first_week) / WEEK) as usize] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(offset, posts)| WeekPosts { week: date_of_day(day_of(first_week + offset as i64 * WEEK)), posts })
        .collect()
}

fn note_body(body: &str) -> Result<&str> {
    let body = body.trim();
    if body.is_empty() {
        return Err(Error::new(ErrorCode::InvalidInput, "the note is empty; write something or cancel"));
    }
    if body.chars().count() > NOTE_MAX_CHARS {
        return Err(Error::new(ErrorCode::InvalidInput, format!("the note is longer than {NOTE_MAX_CHARS} characters; shorten it")));
    }
    Ok(body)
}

/// Adds a note about a member.
pub fn add_member_note(store: &mut Store, group: GroupId, member: i64, body: &str, now: UnixSeconds) -> Result<MemberNote> {
    let body = note_body(body)?;
    if !store.member_in_group(group, member)? {
        return Err(Error::new(ErrorCode::NotFound, format!("member {member} is not in group {}; reload the member list", group.0)));
    }
    Ok(store.add_member_note(group, member, body, now)?)
}

/// Replaces a note's text.
pub fn update_member_note(store: &mut Store, group: GroupId, note: i64, body: &str, now: UnixSeconds) -> Result<MemberNote> {
    let body = note_body(body)?;
    store
        .update_member_note(group, note, body, now)?
        .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("note {note} is not in group {}; reload the profile", group.0)))
}

pub fn delete_member_note(store: &mut Store, group: GroupId, note: i64) -> Result<()> {
    if store.delete_member_note(group, note)? {
        Ok(())
    } else {
        Err(Error::new(ErrorCode::NotFound, format!("note {note} is not in group {}; reload the profile", group.0)))
    }
}

/// Writes an export the window built (the members table as CSV) to the file the person
/// chose in the save dialog. Only `.csv` files: the window cannot write anything else.
/// Returns the bytes written.
pub fn write_csv_file(path: &Path, contents: &str) -> Result<u64> {
    let is_csv = path.extension().and_then(|extension| extension.to_str()).is_some_and(|extension| extension.eq_ignore_ascii_case("csv"));
    if !is_csv {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("{} is not a .csv file; choose a file name ending in .csv", path.display()),
        ));
    }
    std::fs::write(path, contents).map_err(|error| {
        Error::new(ErrorCode::InvalidInput, format!("could not write {}: {error}; choose a folder you can write to", path.display()))
    })?;
    Ok(contents.len() as u64)
}

/// The daily score of a group between two dates given as `YYYY-MM-DD` (the dashboard's
/// date range; `None`: from the first day, to the default `as_of`).
pub fn trend_between(store: &Store, group: GroupId, from: Option<&str>, to: Option<&str>, now: UnixSeconds) -> Result<Trend> {
    let (from, to) = parse_range(from, to)?;
    super::trend(store, &group.0.to_string(), from, to, now)
}

fn parse_range(from: Option<&str>, to: Option<&str>) -> Result<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)> {
    let parse = |text: Option<&str>, which: &str| -> Result<Option<chrono::NaiveDate>> {
        text.map(|text| {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| Error::new(ErrorCode::InvalidInput, format!("the {which} date {text:?} is not a date; use YYYY-MM-DD")))
        })
        .transpose()
    };
    let (from, to) = (parse(from, "start")?, parse(to, "end")?);
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(Error::new(ErrorCode::InvalidInput, format!("the range starts ({from}) after it ends ({to}); swap the dates")));
        }
    }
    Ok((from, to))
}

/// The members screens served from what the analyst computed (the desktop shell's path):
/// the same rows as the functions above, which compute from scratch for the CLI.
impl Analyst {
    /// [`members_table`] from the cache.
    pub fn members_table(&self, store: &Store, group: GroupId, now: UnixSeconds) -> Result<MembersTable> {
        let Entry { data, computed, memo } = self.entry(store, group, now)?;
        let members = memo
            .members
            .get_or_init(|| {
                let members = insights::filter_members(&data, &computed.everything.history, None, None);
                rows_of(members, churn::member_risks_in(&churn_view(&data, &computed), None, None, MemberSort::Risk))
            })
            .clone();
        let mut table = MembersTable { as_of_date: super::date_string(computed.as_of - 1), group: data.group.clone(), members };
        with_open_flags(store, &mut table, &computed.everything.flags)?;
        Ok(table)
    }

    /// [`member_profile`] from the cache.
    pub fn member_profile(&self, store: &Store, group: GroupId, member: i64, now: UnixSeconds) -> Result<MemberProfile> {
        check_member(store, group, member)?;
        let Entry { data, computed, .. } = self.entry(store, group, now)?;
        let reference = member.to_string();
        let stages = insights::member_in(&data, computed.as_of, &computed.everything.history, &reference)?;
        let risk = churn::member_detail_in(&churn_view(&data, &computed), &computed.settings.warnings, &reference)?;
        profile_of(store, group, member, computed.as_of, stages, risk, &computed.everything.flags)
    }

    /// [`heatmap_members`] from the cache.
    pub fn heatmap_members(&self, store: &Store, group: GroupId, cell: &HeatmapCell, now: UnixSeconds) -> Result<CellMembers> {
        let Entry { data, computed, .. } = self.entry(store, group, now)?;
        cell_members(&data, computed.as_of, &computed.settings, Some(&computed.everything.history), cell)
    }

    /// [`super::heatmap`] from the cache: the stage heatmaps from the stage history kept,
    /// the others in one pass over the rows kept (their time zone can differ per call).
    pub fn heatmap(
        &self,
        store: &Store,
        group: GroupId,
        kind: HeatmapKind,
        timezone: Option<&str>,
        computer_timezone: Option<&str>,
        now: UnixSeconds,
    ) -> Result<HeatmapView> {
        let Entry { data, computed, memo } = self.entry(store, group, now)?;
        let key = (kind, timezone.map(str::to_string), computer_timezone.map(str::to_string));
        if let Some(view) = memo.heatmaps.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&key) {
            return Ok(view.clone());
        }
        let view = insights::heatmap_in(
            &data,
            computed.as_of,
            &computed.settings,
            Some(&computed.everything.history),
            kind,
            timezone,
            computer_timezone,
        )?;
        memo.heatmaps.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(key, view.clone());
        Ok(view)
    }

    /// [`trend_between`] from the cache: the daily score kept, cut to the range. A group
    /// whose thresholds are calibrated, or a range past the group's last day, is computed
    /// as the CLI computes it.
    pub fn trend_between(&self, store: &Store, group: GroupId, from: Option<&str>, to: Option<&str>, now: UnixSeconds) -> Result<Trend> {
        let (from, to) = parse_range(from, to)?;
        let Entry { data, computed, .. } = self.entry(store, group, now)?;
        let last_day = day_of(computed.as_of - 1);
        let past_the_end = to.is_some_and(|to| day_of(super::as_of_for_date(to) - 1) > last_day);
        if computed.settings.health.threshold_source != ThresholdSource::Targets || past_the_end {
            return super::trend(store, &group.0.to_string(), from, to, now);
        }
        let points = &computed.everything.trend;
        let first_day = points.first().map_or(last_day, |point| day_of(point.as_of - 1));
        let from_day = from.map_or(first_day, |date| day_of(super::as_of_for_date(date) - 1));
        let to_day = to.map_or(last_day, |date| day_of(super::as_of_for_date(date) - 1));
        if from_day > to_day {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("--from {} is after the last day {}; pick an earlier date", date_of_day(from_day), date_of_day(to_day)),
            ));
        }
        let points: Vec<TrendPoint> =
            points.iter().filter(|point| (from_day..=to_day).contains(&day_of(point.as_of - 1))).cloned().collect();
        let config = computed.settings.health_config();
        let chart_svg = crate::report::charts::health_trend_svg(&points, &data.group.name);
        Ok(Trend { group: data.group.clone(), period_days: config.period_days, thresholds: Thresholds::default(), points, chart_svg })
    }
}

fn churn_view<'a>(data: &'a GroupData, computed: &'a Computed) -> churn::ChurnView<'a> {
    let everything = &computed.everything;
    churn::ChurnView { data, as_of: computed.as_of, signals: &everything.signals, model: &everything.model, graph: &everything.graph }
}
