//! Use cases of the health score with its calibration and trend, the members with their
//! stage reasons and history, the heatmaps, and the per-group settings they all read.

use std::str::FromStr;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

use super::{default_as_of, find_group, resolve_as_of, Error, ErrorCode, MemberSummary, Result};
use crate::analytics::backtest::FitKept;
use crate::analytics::conversations::ConversationBuilder;
use crate::analytics::daily::{calibrate, history_values, trend as daily_trend, DailyBasis, TrendPoint};
use crate::analytics::flags::DetectedFlag;
use crate::analytics::graph::{WindowCache, WindowGraph};
use crate::analytics::health::{health_prepared, HealthConfig, HealthReport, ThresholdSource, Thresholds};
use crate::analytics::heatmaps::{
    cohort_heatmap, first_minutes_heatmap, hour_heatmap, stage_heatmap, stage_heatmap_resumed, transitions, transitions_resumed,
    CohortHeatmap, FirstMinutesHeatmap, HourHeatmap, RowHeatmaps, StageHeatmap, Transitions,
};
use crate::analytics::risk::{risk, RiskModel};
use crate::analytics::settings::{Settings, SettingsError, SECTIONS};
use crate::analytics::signals::{with_statuses, MemberSignals, SignalsKept};
use crate::analytics::stages::{
    history_and_statuses_from, stage_history, MemberHistory, PreviousRun, StageHistory, StageInputs, StageReasons, StageRun,
};
use crate::analytics::text_scan::TextScan;
use crate::analytics::warnings::{churn_warnings, ChurnWarning};
use crate::analytics::{date_of_day, day_of, Prepared};
use crate::model::{Group, GroupData, GroupId, MemberRow, MemberState, Stage, UnixSeconds};
use crate::report::charts;
use crate::store::Store;

impl From<SettingsError> for Error {
    fn from(error: SettingsError) -> Error {
        let code = match error {
            SettingsError::Invalid(_) if error.to_string().contains("cannot be read") => ErrorCode::Store,
            _ => ErrorCode::InvalidInput,
        };
        Error::new(code, error.to_string())
    }
}

/// A group's settings as stored (defaults where nothing is stored).
pub fn load_settings(store: &Store, group: GroupId) -> Result<Settings> {
    Ok(Settings::from_sections(&store.settings_sections(group)?)?)
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct SettingEntry {
    /// `section.field[.sub]`, as `hearth settings GROUP set KEY VALUE` takes it.
    pub key: String,
    #[ts(type = "unknown")]
    pub value: serde_json::Value,
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct SettingsView {
    pub group: Group,
    pub settings: Settings,
    /// Every key with its value, and whether it is the default.
    pub entries: Vec<SettingEntry>,
}

fn settings_view(group: Group, settings: Settings) -> SettingsView {
    let defaults: std::collections::BTreeMap<String, serde_json::Value> = Settings::default().flatten().into_iter().collect();
    let entries = settings
        .flatten()
        .into_iter()
        .map(|(key, value)| SettingEntry { is_default: defaults.get(&key) == Some(&value), key, value })
        .collect();
    SettingsView { group, settings, entries }
}

pub fn settings(store: &Store, group: &str) -> Result<SettingsView> {
    let group = find_group(store, group)?;
    let settings = load_settings(store, group.id)?;
    Ok(settings_view(group, settings))
}

/// Sets one key (`health.metrics.retention7d.weight`, `heatmaps.timezone`, …) to a value
/// (JSON, or a bare word as text), validates the whole, and stores the key's section.
pub fn set_setting(store: &mut Store, group: &str, key: &str, value: &str, now: UnixSeconds) -> Result<SettingsView> {
    let group = find_group(store, group)?;
    let current = load_settings(store, group.id)?;
    let updated = current.with(key, value)?;
    let section = key.split('.').next().unwrap_or_default();
    let json = updated.section_json(section).ok_or_else(|| Error::new(ErrorCode::InvalidInput, format!("unknown section {section:?}")))?;
    store.set_settings_section(group.id, section, &json, now)?;
    Ok(settings_view(group, updated))
}

/// Back to the defaults: one section (`health`, `stages`, `heatmaps`) or all of them.
pub fn reset_settings(store: &mut Store, group: &str, section: Option<&str>) -> Result<SettingsView> {
    let group = find_group(store, group)?;
    if let Some(section) = section {
        if !SECTIONS.contains(&section) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown settings section {section:?}; use one of {}", SECTIONS.join(", ")),
            ));
        }
    }
    match section {
        Some(section) => store.reset_settings(group.id, Some(section))?,
        None => {
            for section in SECTIONS {
                store.reset_settings(group.id, Some(section))?;
            }
        }
    }
    let settings = load_settings(store, group.id)?;
    Ok(settings_view(group, settings))
}

/// The health config with thresholds from `source`: the fixed targets, or P25/P75 of the
/// daily history of this group (up to `as_of`) or of every group in the store.
fn thresholds_for(
    store: &Store,
    group: &Group,
    basis: &DailyBasis,
    config: &HealthConfig,
    source: ThresholdSource,
) -> Result<(HealthConfig, Thresholds)> {
    let own = || history_values(basis);
    let (samples, groups) = match source {
        ThresholdSource::Targets => return Ok((config.clone(), Thresholds::default())),
        ThresholdSource::CalibratedOwn => (own(), 1),
        ThresholdSource::CalibratedAll => {
            let mut samples = own();
            let mut groups = 1;
            for other in store.groups()?.into_iter().filter(|other| other.id != group.id) {
                let data = store.load_group_data(&other)?;
                let other_settings = load_settings(store, other.id)?;
                let other_config = HealthConfig { targets: config.targets.clone(), ..other_settings.health_config() };
                let prepared = Prepared::new(&data, &other_config.conversations);
                let cutoff = default_as_of(store, &other, 0)?;
                let other_basis = DailyBasis::new(&prepared.index, &prepared.conversations, cutoff, &other_config);
                samples.extend(history_values(&other_basis));
                groups += 1;
            }
            (samples, groups)
        }
    };
    let references: Vec<_> = samples.iter().collect();
    let (targets, kept_fixed) = calibrate(&config.targets, &references);
    Ok((HealthConfig { targets, ..config.clone() }, Thresholds { source, days: samples.len() as u64, groups, kept_fixed }))
}

/// The health score with thresholds from `calibrate` (default: the group's setting).
pub fn health_calibrated(
    store: &Store,
    group: &str,
    as_of: Option<NaiveDate>,
    calibrate: Option<ThresholdSource>,
    now: UnixSeconds,
) -> Result<HealthReport> {
    let group = find_group(store, group)?;
    let as_of = resolve_as_of(store, &group, as_of, now)?;
    let settings = load_settings(store, group.id)?;
    health_with_settings(store, &group, as_of, &settings, calibrate)
}

/// The health score of `group` at `as_of` under `settings`, which need not be stored
/// (the Settings screen previews edits with it before they are saved).
pub(super) fn health_with_settings(
    store: &Store,
    group: &Group,
    as_of: UnixSeconds,
    settings: &Settings,
    calibrate: Option<ThresholdSource>,
) -> Result<HealthReport> {
    let data = store.load_group_data(group)?;
    let config = settings.health_config();
    let prepared = Prepared::new(&data, &config.conversations);
    let source = calibrate.unwrap_or(settings.health.threshold_source);
    if source == ThresholdSource::Targets {
        return Ok(health_prepared(&prepared, as_of, &config));
    }
    let basis = DailyBasis::new(&prepared.index, &prepared.conversations, as_of, &config);
    let (config, thresholds) = thresholds_for(store, group, &basis, &config, source)?;
    let values = basis.values_at(as_of);
    let mut report = crate::analytics::health::score_values(&values, as_of, &config);
    report.thresholds = thresholds;
    Ok(report)
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Trend {
    pub group: Group,
    pub period_days: i64,
    pub thresholds: Thresholds,
    pub points: Vec<TrendPoint>,
    /// The score per day as an SVG line chart (plotters).
    pub chart_svg: String,
}

/// The daily health score between two dates (default: the whole history up to the
/// group's default `as_of`), every day scored as `hearth health --as-of` would.
pub fn trend(store: &Store, group: &str, from: Option<NaiveDate>, to: Option<NaiveDate>, now: UnixSeconds) -> Result<Trend> {
    let group = find_group(store, group)?;
    let settings = load_settings(store, group.id)?;
    let config = settings.health_config();
    let data = store.load_group_data(&group)?;
    let cutoff = resolve_as_of(store, &group, to, now)?;
    let prepared = Prepared::new(&data, &config.conversations);
    let basis = DailyBasis::new(&prepared.index, &prepared.conversations, cutoff, &config);
    let (first_day, last_day) = basis.day_span();
    let from_day = from.map_or(first_day, |date| day_of(super::as_of_for_date(date) - 1));
    if from_day > last_day {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("--from {} is after the last day {}; pick an earlier date", date_of_day(from_day), date_of_day(last_day)),
        ));
    }
    let (config, thresholds) = thresholds_for(store, &group, &basis, &config, settings.health.threshold_source)?;
    let points = daily_trend(&basis, from_day, last_day, &config);
    let chart_svg = charts::health_trend_svg(&points, &group.name);
    Ok(Trend { group, period_days: config.period_days, thresholds, points, chart_svg })
}

struct Evaluated {
    data: GroupData,
    as_of: UnixSeconds,
    settings: Settings,
}

fn evaluate(store: &Store, group: &str, now: UnixSeconds) -> Result<Evaluated> {
    let group = find_group(store, group)?;
    let as_of = default_as_of(store, &group, now)?;
    let settings = load_settings(store, group.id)?;
    let data = store.load_group_data(&group)?;
    Ok(Evaluated { data, as_of, settings })
}

fn history_of(evaluated: &Evaluated) -> StageHistory {
    let config = evaluated.settings.stage_config();
    let prepared = Prepared::new(&evaluated.data, &config.conversations);
    stage_history(&prepared, evaluated.as_of, &config)
}

fn summary(data: &GroupData, member: &MemberHistory) -> MemberSummary {
    let row = data.members.iter().find(|row| row.id == member.status.member_id).expect("histories are of the group's members");
    summary_of(row, member)
}

fn summary_of(row: &MemberRow, member: &MemberHistory) -> MemberSummary {
    let status = &member.status;
    MemberSummary {
        id: row.id,
        platform_id: row.platform_id.clone(),
        display_name: row.display_name.clone(),
        stage: status.stage,
        state: status.state,
        first_post_at: status.first_post_at,
        last_active_at: status.last_active_at,
        posts_total: status.posts_total,
        active_days_28: status.active_days_28,
        responses_given_28: status.responses_given_28,
        responses_received_28: status.responses_received_28,
    }
}

/// The group's human members with stage and state at the default `as_of`, optionally only
/// one stage and/or state, most engaged first (stage, then posts).
pub fn members_filtered(
    store: &Store,
    group: &str,
    stage: Option<Stage>,
    state: Option<MemberState>,
    now: UnixSeconds,
) -> Result<Vec<MemberSummary>> {
    let evaluated = evaluate(store, group, now)?;
    let history = history_of(&evaluated);
    Ok(filter_members(&evaluated.data, &history, stage, state))
}

pub(super) fn filter_members(
    data: &GroupData,
    history: &StageHistory,
    stage: Option<Stage>,
    state: Option<MemberState>,
) -> Vec<MemberSummary> {
    let rows: std::collections::HashMap<i64, &MemberRow> = data.members.iter().map(|row| (row.id, row)).collect();
    let mut members: Vec<MemberSummary> = history
        .members
        .iter()
        .filter(|member| stage.is_none_or(|stage| member.status.stage == stage))
        .filter(|member| state.is_none_or(|state| member.status.state == state))
        .map(|member| summary_of(rows[&member.status.member_id], member))
        .collect();
    members.sort_by(|a, b| b.stage.cmp(&a.stage).then(b.posts_total.cmp(&a.posts_total)).then(a.id.cmp(&b.id)));
    members
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct StageWeek {
    /// Monday of the week the evaluation closes (UTC).
    pub week: String,
    pub stage: Stage,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MemberDetail {
    pub group: Group,
    pub as_of_date: String,
    pub member: MemberSummary,
    pub reasons: StageReasons,
    /// The stage after every weekly evaluation since the member was first seen.
    pub history: Vec<StageWeek>,
    /// The weeks where the stage changed, oldest first.
    pub changes: Vec<StageWeek>,
}

/// One member: stage, state, why, and the weekly stage history. `member` is the member's
/// id, platform id or display name (case-insensitive).
pub fn member(store: &Store, group: &str, member: &str, now: UnixSeconds) -> Result<MemberDetail> {
    let evaluated = evaluate(store, group, now)?;
    let history = history_of(&evaluated);
    member_in(&evaluated.data, evaluated.as_of, &history, member)
}

/// [`member`] on a stage history already computed at `as_of` from `data`.
pub(super) fn member_in(data: &GroupData, as_of: UnixSeconds, history: &StageHistory, member: &str) -> Result<MemberDetail> {
    let reference = member.trim();
    let humans: Vec<_> = data.members.iter().filter(|row| !row.is_bot).collect();
    let by_id: Vec<_> = humans.iter().filter(|row| reference.parse::<i64>().ok() == Some(row.id)).collect();
    let by_platform: Vec<_> = humans.iter().filter(|row| row.platform_id == reference).collect();
    let by_name: Vec<_> = humans.iter().filter(|row| row.display_name.to_lowercase() == reference.to_lowercase()).collect();
    let found = [by_id, by_platform, by_name].into_iter().find(|found| !found.is_empty()).unwrap_or_default();
    let row = match found.as_slice() {
        [one] => **one,
        [] => {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!(
                    "no member {reference:?} in group {:?}; use a member id, platform id or display name from `hearth members {}`",
                    data.group.name, data.group.id.0
                ),
            ))
        }
        several => {
            let ids: Vec<String> = several.iter().map(|row| row.id.to_string()).collect();
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("several members match {reference:?} (ids {}); use the id", ids.join(", ")),
            ));
        }
    };
    let found = history.members.iter().find(|member| member.status.member_id == row.id).expect("every human has a history");
    let weeks: Vec<StageWeek> = history
        .instants
        .iter()
        .zip(&found.stages)
        .filter(|(&instant, _)| found.present_at(instant))
        .map(|(&instant, &stage)| StageWeek { week: date_of_day(day_of(crate::analytics::heatmaps::week_start(instant - 1))), stage })
        .collect();
    let changes = weeks
        .iter()
        .enumerate()
        .filter(|(index, week)| *index == 0 || weeks[index - 1].stage != week.stage)
        .map(|(_, week)| week.clone())
        .collect();
    Ok(MemberDetail {
        member: summary(data, found),
        reasons: history.reasons(found),
        history: weeks,
        changes,
        as_of_date: date_of_day(day_of(as_of - 1)),
        group: data.group.clone(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "bindings/")]
pub enum HeatmapKind {
    Stages,
    Cohorts,
    Hours,
    FirstMinutes,
    Transitions,
}

impl FromStr for HeatmapKind {
    type Err = Error;
    fn from_str(text: &str) -> Result<HeatmapKind> {
        Ok(match text {
            "stages" => HeatmapKind::Stages,
            "cohorts" => HeatmapKind::Cohorts,
            "hours" => HeatmapKind::Hours,
            "first-minutes" => HeatmapKind::FirstMinutes,
            "transitions" => HeatmapKind::Transitions,
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    format!("unknown heatmap {text:?}; use one of stages, cohorts, hours, first-minutes, transitions"),
                ))
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", content = "data", rename_all = "kebab-case")]
#[ts(export, export_to = "bindings/")]
pub enum HeatmapData {
    Stages(StageHeatmap),
    Cohorts(CohortHeatmap),
    Hours(HourHeatmap),
    FirstMinutes(FirstMinutesHeatmap),
    Transitions(Transitions),
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Chart {
    pub title: String,
    pub svg: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct HeatmapView {
    pub group: Group,
    pub as_of_date: String,
    pub heatmap: HeatmapData,
    /// The heatmap drawn by plotters (the stage heatmap twice: counts and shares).
    pub charts: Vec<Chart>,
}

/// One heatmap of §3 at the group's default `as_of`. `timezone` (IANA name) overrides the
/// group's setting for the hours heatmap; `computer_timezone` is the caller's own zone,
/// used when neither says.
pub fn heatmap(
    store: &Store,
    group: &str,
    kind: HeatmapKind,
    timezone: Option<&str>,
    computer_timezone: Option<&str>,
    now: UnixSeconds,
) -> Result<HeatmapView> {
    let evaluated = evaluate(store, group, now)?;
    heatmap_in(&evaluated.data, evaluated.as_of, &evaluated.settings, None, kind, timezone, computer_timezone)
}

/// [`heatmap`] on rows already loaded, with the stage history at `as_of` when it was
/// computed already (else the stage heatmaps compute it).
pub(super) fn heatmap_in(
    data: &GroupData,
    as_of: UnixSeconds,
    settings: &Settings,
    history: Option<&StageHistory>,
    kind: HeatmapKind,
    timezone: Option<&str>,
    computer_timezone: Option<&str>,
) -> Result<HeatmapView> {
    let config = settings.heatmap_config(timezone, computer_timezone)?;
    let name = data.group.name.clone();
    let chart = |title: &str, svg: String| Chart { title: title.to_string(), svg };
    let needs_history = matches!(kind, HeatmapKind::Stages | HeatmapKind::Transitions);
    let computed_history = (history.is_none() && needs_history).then(|| {
        let stage_config = settings.stage_config();
        stage_history(&Prepared::new(data, &stage_config.conversations), as_of, &stage_config)
    });
    let history = history.or(computed_history.as_ref());
    let (heatmap, charts) = match kind {
        HeatmapKind::Stages => {
            let heatmap = stage_heatmap(history.expect("computed above for the stage heatmaps"));
            let charts = vec![
                chart("members per stage", charts::stage_heatmap_svg(&heatmap, &name, false)),
                chart("share per stage", charts::stage_heatmap_svg(&heatmap, &name, true)),
            ];
            (HeatmapData::Stages(heatmap), charts)
        }
        HeatmapKind::Transitions => {
            let flows = transitions(history.expect("computed above for the transitions"), &config);
            let charts = vec![chart("stage transitions", charts::transitions_svg(&flows, &name))];
            (HeatmapData::Transitions(flows), charts)
        }
        HeatmapKind::Cohorts => {
            let index = crate::analytics::Index::new(data);
            let heatmap = cohort_heatmap(&index, as_of, &config);
            let charts = vec![chart("cohort retention", charts::cohort_heatmap_svg(&heatmap, &name))];
            (HeatmapData::Cohorts(heatmap), charts)
        }
        HeatmapKind::Hours => {
            let index = crate::analytics::Index::new(data);
            let heatmap = hour_heatmap(&index, as_of, &config);
            let charts = vec![chart("messages by weekday and hour", charts::hour_heatmap_svg(&heatmap, &name))];
            (HeatmapData::Hours(heatmap), charts)
        }
        HeatmapKind::FirstMinutes => {
            let index = crate::analytics::Index::new(data);
            let heatmap = first_minutes_heatmap(&index, as_of, &config);
            let charts = vec![chart("newcomers' first minutes", charts::first_minutes_svg(&heatmap, &name))];
            (HeatmapData::FirstMinutes(heatmap), charts)
        }
    };
    Ok(HeatmapView { as_of_date: date_of_day(day_of(as_of - 1)), group: data.group.clone(), heatmap, charts })
}

/// Everything at once on rows already loaded, as the benchmark, the report and a full
/// refresh run it: conversations once, the daily basis once, the trend, the stage history
/// and every heatmap, the interaction graph with PageRank, the churn signals, warnings and
/// risk (model fitted once), and the flags.
pub struct Everything {
    pub health: HealthReport,
    pub trend: Vec<TrendPoint>,
    pub history: StageHistory,
    pub stages: StageHeatmap,
    pub transitions: Transitions,
    pub cohorts: CohortHeatmap,
    pub hours: HourHeatmap,
    pub first_minutes: FirstMinutesHeatmap,
    /// The trailing interaction graph at `as_of` (PageRank, weighted degree, edges).
    pub graph: Arc<WindowGraph>,
    pub signals: Vec<MemberSignals>,
    /// The risk model refined on the group's recent cut-offs.
    pub model: RiskModel,
    pub warnings: Vec<ChurnWarning>,
    /// Per member (in the order of `signals`), the risk score.
    pub risks: Vec<f64>,
    pub flags: Vec<DetectedFlag>,
}

pub fn compute_everything(data: &GroupData, as_of: UnixSeconds, settings: &Settings) -> Result<Everything> {
    Ok(Computed::full(data, as_of, settings)?.everything)
}

/// What a computation on more rows can take from the one before: the trend's points up to
/// `before` (each reads only rows before its own `as_of`).
#[derive(Default)]
struct Reuse {
    trend: Vec<TrendPoint>,
    /// The noise and flag detection's pass over the rows seen (continued with the new ones).
    texts: Option<TextScan>,
    /// The cohort, hour and first-minutes heatmaps' pass over the rows seen.
    row_heatmaps: Option<RowHeatmaps>,
    /// The weekly stage run's kept states and the stage history before.
    stage_run: Option<(StageRun, StageHistory)>,
    /// The daily aggregates of the rows seen (extended with the new ones and days).
    basis: Option<DailyBasis>,
    /// The risk model's examples per cut-off and the model they gave.
    fit: FitKept,
    /// The stage heatmap and the transitions before (their weeks before `before` are kept).
    stages: Option<(StageHeatmap, Transitions)>,
    /// The signals at `as_of` before, with what tells which members' rows grew since.
    signals: Option<(Vec<MemberSignals>, SignalsKept)>,
    /// Nothing before this instant changed (the first new row, a new member's join).
    before: UnixSeconds,
    /// What the computation before held and this one does not take: freed on the side
    /// thread once its work is done, off the way of the result (a large group's warnings
    /// and flags are tens of thousands of small allocations).
    spent: Option<Spent>,
}

/// The parts of an [`Everything`] a later computation does not reuse (see [`Reuse::spent`]).
type Spent = (
    HealthReport,
    CohortHeatmap,
    HourHeatmap,
    FirstMinutesHeatmap,
    Arc<WindowGraph>,
    RiskModel,
    Vec<ChurnWarning>,
    Vec<f64>,
    Vec<DetectedFlag>,
);

/// What a computation keeps for the next one (see [`Reuse`]).
struct Kept {
    texts: TextScan,
    row_heatmaps: RowHeatmaps,
    stage_run: StageRun,
    signal_inputs: Option<crate::analytics::signals::SignalInputs>,
    basis: DailyBasis,
    fit: FitKept,
    signals: SignalsKept,
}

/// What the passes over the rows that read no conversations give: the noise and flag
/// detection's pass over the texts, and the cohort, hour and first-minutes heatmaps (with
/// what continuing them needs).
struct RowScans {
    texts: TextScan,
    row_heatmaps: RowHeatmaps,
    cohorts: CohortHeatmap,
    hours: HourHeatmap,
    first_minutes: FirstMinutesHeatmap,
}

/// The text and row heatmap passes over `index`'s rows, continued from the state before
/// when it read the first `seen` of them (they need no conversations, so they run while
/// the conversations are built).
fn scan_rows(
    index: &crate::analytics::Index<'_>,
    as_of: UnixSeconds,
    settings: &Settings,
    seen: usize,
    texts: Option<TextScan>,
    row_heatmaps: Option<RowHeatmaps>,
) -> Result<RowScans> {
    let health_config = settings.health_config();
    let heatmap_config = settings.heatmap_config(None, None)?;
    // One pass over the posts' texts for the noise share and the flags.
    let (noise_config, flag_config) = (Some(&health_config.noise), Some(&settings.flags));
    let mut texts = texts
        .filter(|texts| texts.continues(seen, index, as_of, noise_config, flag_config))
        .unwrap_or_else(|| TextScan::new(noise_config, flag_config));
    texts.scan(index, as_of);
    let mut row_heatmaps = row_heatmaps.filter(|rows| rows.continues(seen, index, as_of)).unwrap_or_default();
    row_heatmaps.scan(index, as_of, &heatmap_config);
    let cohorts = row_heatmaps.cohorts(index, as_of, &heatmap_config);
    let hours = row_heatmaps.hours(&heatmap_config);
    let first_minutes = row_heatmaps.first_minutes(index, &heatmap_config);
    Ok(RowScans { texts, row_heatmaps, cohorts, hours, first_minutes })
}

/// Everything on `prepared`, with the row passes `scans` gives (run alongside, see
/// [`Computed::resumed`]).
fn everything_prepared(
    prepared: &Prepared<'_>,
    as_of: UnixSeconds,
    settings: &Settings,
    reuse: Reuse,
    scans: impl FnOnce() -> Result<RowScans> + Send,
) -> Result<(Everything, Kept)> {
    let Reuse {
        trend: kept_trend,
        texts: _,
        row_heatmaps: _,
        stage_run,
        basis,
        fit,
        stages: previous_stages,
        signals: signals_before,
        before,
        spent,
    } = reuse;
    let health_config = settings.health_config();
    let stage_config = settings.stage_config();
    let heatmap_config = settings.heatmap_config(None, None)?;
    // Two independent halves, one per core: the daily aggregates with the score and its
    // trend (after the text pass, which gives the noise flags and the flags) on one thread;
    // the graph windows, the stages and the churn signals and model on the other.
    let side = || -> Result<_> {
        let RowScans { texts, row_heatmaps, cohorts, hours, first_minutes } = scans()?;
        let flags = texts.flags();
        let resumed = &prepared.resumed_from;
        let basis = match basis {
            Some(mut basis) if basis.continues(&prepared.index, resumed.rows, resumed.conversations, as_of) => {
                basis.extend(&prepared.index, &prepared.conversations, &resumed.answered, as_of, texts.noise_flagged());
                basis
            }
            _ => DailyBasis::with_noise(&prepared.index, &prepared.conversations, as_of, &health_config, texts.noise_flagged()),
        };
        let (first_day, last_day) = basis.day_span();
        // The days whose period ended before anything changed are what they were.
        let mut trend: Vec<TrendPoint> = match kept_trend.first() {
            Some(first) if first.as_of == (first_day + 1) * crate::model::DAY => {
                kept_trend.into_iter().take_while(|point| point.as_of <= before && point.as_of <= as_of).collect()
            }
            _ => Vec::new(),
        };
        let from_day = trend.last().map_or(first_day, |point| day_of(point.as_of - 1) + 1);
        trend.extend(daily_trend(&basis, from_day, last_day, &health_config));
        let health = crate::analytics::health::score_values(&basis.values_at(as_of), as_of, &health_config);
        drop(spent);
        Ok((health, trend, cohorts, hours, first_minutes, flags, texts, row_heatmaps, basis))
    };
    let main = || {
        let churn = super::churn::ChurnSettings::from_settings(settings);
        // One weekly stage run gives the history and the statuses at the risk model's cut-offs.
        let cutoffs = super::churn::fit_cutoffs(prepared, as_of, &churn);
        prefetch_windows(prepared, as_of, &cutoffs, settings);
        // The stage rules read the signals' per-member timelines (kept and extended).
        let stage_inputs = StageInputs::new(prepared);
        let (run, previous_history) = match stage_run {
            Some((run, history)) => (Some(run), Some(history)),
            None => (None, None),
        };
        let previous_instants = previous_history.as_ref().map(|history| history.instants.clone()).unwrap_or_default();
        let previous = run.zip(previous_history).map(|(run, history)| PreviousRun { run, history, before });
        std::thread::scope(|scope| {
            // The signals at `as_of` and the risk model (its features at a cut-off that did
            // not move and that the new rows come after are what they were) do not read the
            // stages: they are found on the other core while the stages are evaluated, and
            // the members' stages and states are set in them after.
            let churned = scope.spawn(|| super::churn::signals_and_model_kept(prepared, as_of, &churn, fit, before, signals_before));
            // The risk model's features at the cut-offs do not read the stages: the run has
            // no extra instants to evaluate.
            let (history, _, stage_run) = history_and_statuses_from(prepared, &stage_inputs, as_of, &[], &stage_config, previous);
            // The weeks whose evaluations the new rows cannot change: the same instants as
            // before, none after the first new row.
            let kept_weeks = previous_instants
                .iter()
                .zip(&history.instants)
                .take_while(|(previous, instant)| previous == instant && **instant <= before)
                .count();
            let stages = stage_heatmap_resumed(&history, previous_stages.as_ref().map(|(stages, _)| (stages, kept_weeks)));
            let transitions =
                transitions_resumed(&history, &heatmap_config, previous_stages.as_ref().map(|(_, flows)| (flows, kept_weeks)));
            let (mut signals, model, graph, fit, signals_kept) = churned.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            with_statuses(&mut signals, history.members.iter().map(|member| &member.status));
            // The risks on the other core while the warnings are found (both only read).
            let (warnings, risks) = std::thread::scope(|scope| {
                let risks = scope.spawn(|| signals.iter().map(|member| risk(member, &model)).collect::<Vec<f64>>());
                let warnings = churn_warnings(&signals, as_of, &churn.warnings);
                (warnings, risks.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            });
            (history, stages, transitions, signals, model, graph, warnings, risks, stage_run, fit, signals_kept)
        })
    };
    let (side, (history, stages, transitions, signals, model, graph, warnings, risks, stage_run, fit, signals_kept)) =
        std::thread::scope(|scope| {
            let side = scope.spawn(side);
            let main = main();
            (side.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), main)
        });
    let (health, trend, cohorts, hours, first_minutes, flags, texts, row_heatmaps, basis) = side?;
    let everything = Everything {
        health,
        trend,
        stages,
        transitions,
        cohorts,
        hours,
        first_minutes,
        history,
        graph,
        signals,
        model,
        warnings,
        risks,
        flags,
    };
    Ok((everything, Kept { texts, row_heatmaps, stage_run, signal_inputs: None, basis, fit, signals: signals_kept }))
}

/// Computes, in parallel, every graph window the stages and the churn signals will ask
/// for: the trailing window of each weekly evaluation (ranks only) and, at each cut-off and
/// at `as_of`, the trailing window and the one before it (the one ending at `as_of` with
/// its edges).
fn prefetch_windows(prepared: &Prepared<'_>, as_of: UnixSeconds, cutoffs: &[UnixSeconds], settings: &Settings) {
    if prepared.graphs.config() != &settings.graph {
        return;
    }
    prepared.graphs.prefetch(prepared.data(), &windows_read(prepared.data(), as_of, cutoffs, settings));
}

/// The graph windows a computation at `as_of` reads (see [`prefetch_windows`]).
fn windows_read(
    data: &GroupData,
    as_of: UnixSeconds,
    cutoffs: &[UnixSeconds],
    settings: &Settings,
) -> Vec<(UnixSeconds, UnixSeconds, bool)> {
    let window = i64::from(settings.graph.window_days) * crate::model::DAY;
    let mut windows = Vec::new();
    if settings.stage_config().core_top_pagerank_share > 0.0 {
        let first_at = data.activities.first().map_or(as_of, |row| row.at);
        let instants = crate::analytics::stages::evaluation_instants(first_at, as_of);
        windows.extend(instants.iter().map(|&at| (at - window, at, false)));
    }
    // Only the graph at `as_of` is kept with its edges (neighbours); the signals read the
    // others' PageRank and degrees.
    for &at in cutoffs.iter().chain([&as_of]) {
        windows.push((at - window, at, at == as_of));
        windows.push((at - 2 * window, at - window, false));
    }
    windows
}

/// A group's computed state: everything at `as_of`, and what can be reused when rows are
/// added after the last one seen: the interaction graph's windows that end before the
/// first new row (a window reads only rows before its end, and every earlier analytics
/// instant only rows before it, so those cannot change), the trend's days before it, and
/// what only grows with rows (the conversations, the interactions), extended with the
/// new rows.
pub struct Computed {
    pub everything: Everything,
    pub as_of: UnixSeconds,
    pub settings: Settings,
    graphs: WindowCache,
    conversations: ConversationBuilder,
    kept: Kept,
    /// What the analytics read of the members (see [`MemberKey`]) and the (time, id) of
    /// the last row the state has seen, and how many.
    members: Vec<MemberKey>,
    last_row: Option<(UnixSeconds, i64)>,
    rows: usize,
}

impl Computed {
    /// Everything from scratch.
    pub fn full(data: &GroupData, as_of: UnixSeconds, settings: &Settings) -> Result<Computed> {
        let graphs = WindowCache::new(&settings.graph);
        Computed::resumed(data, as_of, settings, graphs, ConversationBuilder::default(), 0, None, Reuse::default())
    }

    /// Everything on `data`, whose first `seen` rows the graph windows, interactions,
    /// conversations, signal timelines and `reuse` given have read already.
    #[allow(clippy::too_many_arguments)]
    fn resumed(
        data: &GroupData,
        as_of: UnixSeconds,
        settings: &Settings,
        graphs: WindowCache,
        conversations: ConversationBuilder,
        seen: usize,
        signal_inputs: Option<crate::analytics::signals::SignalInputs>,
        mut reuse: Reuse,
    ) -> Result<Computed> {
        // The passes over the rows that read no conversations run on the other core while
        // the conversations are built (on their own lookups: an index is a small map).
        let scan_index = crate::analytics::Index::new(data);
        let (texts, row_heatmaps) = (reuse.texts.take(), reuse.row_heatmaps.take());
        let (prepared, computed) = std::thread::scope(|scope| {
            let scans = scope.spawn(|| scan_rows(&scan_index, as_of, settings, seen, texts, row_heatmaps));
            let prepared = Prepared::resumed(data, &settings.conversation_config(), graphs, conversations, seen, signal_inputs);
            let scans = move || scans.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let computed = everything_prepared(&prepared, as_of, settings, reuse, scans);
            (prepared, computed)
        });
        let (everything, mut kept) = computed?;
        let cutoffs = super::churn::fit_cutoffs(&prepared, as_of, &super::churn::ChurnSettings::from_settings(settings));
        let (mut graphs, conversations, signal_inputs) = prepared.into_parts();
        kept.signal_inputs = signal_inputs;
        graphs.retain(&windows_read(data, as_of, &cutoffs, settings));
        Ok(Computed {
            everything,
            as_of,
            settings: settings.clone(),
            graphs,
            conversations,
            kept,
            members: data.members.iter().map(MemberKey::of).collect(),
            last_row: data.activities.last().map(|row| (row.at, row.id)),
            rows: data.activities.len(),
        })
    }

    /// Everything for `data`, which holds the rows this state saw plus rows after them,
    /// at `as_of`: equal to [`Computed::full`] on `data`, reusing what the new rows cannot
    /// change. When `data` is not an extension of what was seen (rows edited or removed,
    /// members changed, other settings), everything is computed again.
    pub fn absorb(self, data: &GroupData, as_of: UnixSeconds, settings: &Settings) -> Result<Computed> {
        let seen = data.activities.partition_point(|row| self.last_row.is_some_and(|last| (row.at, row.id) <= last));
        let known = self.members.len();
        let extends = seen == self.rows
            && settings == &self.settings
            && data.members.len() >= known
            && data.members[..known].iter().map(MemberKey::of).eq(self.members.iter().copied());
        // A member added now whose rows were read before (as an unknown member's, so
        // ignored) changes what those rows gave.
        let added: std::collections::HashSet<i64> = data.members[known.min(data.members.len())..].iter().map(|member| member.id).collect();
        let extends = extends && (added.is_empty() || !data.activities[..seen].iter().any(|row| added.contains(&row.member_id)));
        if !extends {
            return Computed::full(data, as_of, settings);
        }
        // Nothing before the first new row, or a new member's join or leave, changed.
        let before = data.activities[seen..]
            .first()
            .map(|row| row.at)
            .into_iter()
            .chain(data.members[known..].iter().flat_map(|member| [member.joined_at, member.left_at]).flatten())
            .min()
            .unwrap_or(UnixSeconds::MAX);
        let mut graphs = self.graphs;
        graphs.forget_after(before, data);
        let Kept { texts, row_heatmaps, stage_run, signal_inputs, basis, fit, signals } = self.kept;
        let Everything {
            health,
            trend,
            history,
            stages,
            transitions,
            cohorts,
            hours,
            first_minutes,
            graph,
            signals: signals_before,
            model,
            warnings,
            risks,
            flags,
        } = self.everything;
        let reuse = Reuse {
            trend,
            texts: Some(texts),
            row_heatmaps: Some(row_heatmaps),
            stage_run: Some((stage_run, history)),
            basis: Some(basis),
            fit,
            stages: Some((stages, transitions)),
            signals: Some((signals_before, signals)),
            before,
            spent: Some((health, cohorts, hours, first_minutes, graph, model, warnings, risks, flags)),
        };
        Computed::resumed(data, as_of, settings, graphs, self.conversations, seen, signal_inputs, reuse)
    }

    /// How many interaction-graph windows the state keeps.
    pub fn cached_windows(&self) -> usize {
        self.graphs.len()
    }
}

/// What the analytics read of a member: their id, whether they are a bot, and when they
/// joined and left (names are read only by the screens, from the rows).
#[derive(Debug, Clone, Copy, PartialEq)]
struct MemberKey {
    id: i64,
    is_bot: bool,
    joined_at: Option<UnixSeconds>,
    left_at: Option<UnixSeconds>,
}

impl MemberKey {
    fn of(member: &MemberRow) -> MemberKey {
        MemberKey { id: member.id, is_bot: member.is_bot, joined_at: member.joined_at, left_at: member.left_at }
    }
}

/// What identifies the rows a computation saw: the group's row (every import into it sets
/// `last_import_at`), how many activity rows and members it has, and its activity span.
/// Any import that adds, edits or removes rows changes it; reading it costs one pass over
/// an index of integers (a text-only change, such as erasing message text, is announced
/// with [`Analyst::invalidate`]).
#[derive(Debug, Clone, PartialEq)]
struct DataVersion {
    group: Group,
    rows: u64,
    members: u64,
    span: (Option<UnixSeconds>, Option<UnixSeconds>),
}

impl DataVersion {
    fn read(store: &Store, group: &Group) -> Result<DataVersion> {
        Ok(DataVersion {
            group: group.clone(),
            rows: store.activity_rows(group.id)?,
            members: store.group_counts_members(group.id)?,
            span: store.activity_span(group.id)?,
        })
    }
}

/// A group's cached computation.
struct Cached {
    version: DataVersion,
    data: Arc<GroupData>,
    computed: Arc<Computed>,
    memo: Arc<Memo>,
}

/// What the screens build from a computation and keep with it until the group changes.
#[derive(Default)]
pub(super) struct Memo {
    /// The group's counts (per kind: a pass over every row) for the rows computed on.
    pub summary: std::sync::OnceLock<super::GroupSummary>,
    pub dashboard: std::sync::OnceLock<super::Dashboard>,
    pub backtest: std::sync::OnceLock<crate::analytics::backtest::BacktestReport>,
    /// The members table's rows, their open flags left at 0 (read fresh on every call).
    pub members: std::sync::OnceLock<Vec<super::people::MemberRow>>,
    /// Heatmaps drawn, by kind and the time zones asked for (the hours heatmap's depends on them).
    pub heatmaps: std::sync::Mutex<std::collections::HashMap<HeatmapKey, HeatmapView>>,
}

/// A heatmap as asked for: its kind, the zone named in the call and the computer's zone.
pub(super) type HeatmapKey = (HeatmapKind, Option<String>, Option<String>);

/// One group's rows, what was computed on them, and what screens built from that.
pub(super) struct Entry {
    pub data: Arc<GroupData>,
    pub computed: Arc<Computed>,
    pub memo: Arc<Memo>,
}

/// The analytics kept between calls, per group, for a caller that lives long (the desktop
/// shell holds one per store): each group's rows and everything computed on them, keyed by
/// the group's data version and settings. A call whose group changed since (an import, a
/// settings change) computes again, reusing what the new rows cannot change
/// ([`Computed::absorb`]); other calls return what was computed.
#[derive(Default)]
pub struct Analyst {
    /// One slot per group, locked while the group is computed: a request for another group
    /// does not wait, and two requests for the same group compute it once.
    groups: std::sync::Mutex<std::collections::HashMap<GroupId, Arc<std::sync::Mutex<Option<Cached>>>>>,
    /// Per group, what the group list and the archive show that reads every row (counts
    /// per kind, per channel), kept for the data version it was read at. Independent of
    /// the computation, so the sidebar and the archive do not wait for the analytics.
    counts: std::sync::Mutex<std::collections::HashMap<GroupId, Counted>>,
    /// Per connection and group, the data version last read there with the connection's
    /// change marker at that moment: while the marker stays the same nothing was written,
    /// and the version is not read again (reading it counts an index of every row).
    versions: std::sync::Mutex<std::collections::HashMap<(u64, GroupId), (crate::store::ChangeMarker, DataVersion)>>,
}

/// A group's counts, for the data version they were read at.
struct Counted {
    version: DataVersion,
    summary: Option<super::GroupSummary>,
    channels: Option<Vec<crate::store::ArchiveChannel>>,
}

impl Analyst {
    pub fn new() -> Analyst {
        Analyst::default()
    }

    /// Forgets a group (or every group): the next call computes from scratch.
    pub fn invalidate(&self, group: Option<GroupId>) {
        /// Drops `group`'s entry of a per-group map, or every entry.
        fn forget<V>(map: &std::sync::Mutex<std::collections::HashMap<GroupId, V>>, group: Option<GroupId>) {
            let mut map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            match group {
                Some(group) => drop(map.remove(&group)),
                None => map.clear(),
            }
        }
        forget(&self.groups, group);
        forget(&self.counts, group);
        let mut versions = self.versions.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        versions.retain(|(_, id), _| group.is_some_and(|group| group != *id));
    }

    /// The group's data version, read again only when something was written since this
    /// connection last read it.
    fn version(&self, store: &Store, group: &Group) -> Result<DataVersion> {
        // The marker is taken before the version is read: a write in between leaves a
        // marker that differs next time, so the version is read again then.
        let marker = store.change_marker()?;
        let key = (marker.connection, group.id);
        {
            let versions = self.versions.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some((seen, version)) = versions.get(&key) {
                if *seen == marker && version.group == *group {
                    return Ok(version.clone());
                }
            }
        }
        let version = DataVersion::read(store, group)?;
        self.versions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(key, (marker, version.clone()));
        Ok(version)
    }

    /// One of a group's counts (`field`), read with `read` unless it was read at the
    /// group's current data version.
    fn counted<T: Clone>(
        &self,
        store: &Store,
        group: &Group,
        field: fn(&mut Counted) -> &mut Option<T>,
        read: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let version = self.version(store, group)?;
        {
            let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(counted) = counts.get_mut(&group.id).filter(|counted| counted.version == version) {
                if let Some(value) = field(counted) {
                    return Ok(value.clone());
                }
            }
        }
        let value = read()?;
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let counted = counts.entry(group.id).or_insert_with(|| Counted { version: version.clone(), summary: None, channels: None });
        if counted.version != version {
            *counted = Counted { version, summary: None, channels: None };
        }
        *field(counted) = Some(value.clone());
        Ok(value)
    }

    /// [`super::groups`], each group's counts read once per data version.
    pub fn groups(&self, store: &Store) -> Result<Vec<super::GroupSummary>> {
        store.groups()?.into_iter().map(|group| self.group_summary(store, &group)).collect()
    }

    fn group_summary(&self, store: &Store, group: &Group) -> Result<super::GroupSummary> {
        self.counted(store, group, |counted| &mut counted.summary, || super::summarise(store, group.clone()))
    }

    /// [`super::archive::archive_channels`], the per-channel counts read once per data version.
    pub fn archive_channels(&self, store: &Store, group: GroupId) -> Result<Vec<crate::store::ArchiveChannel>> {
        let found = store
            .group(group)?
            .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("group {} is not in the store; pick another from the list", group.0)))?;
        self.counted(store, &found, |counted| &mut counted.channels, || super::archive::archive_channels(store, group))
    }

    fn slot(&self, group: GroupId) -> Arc<std::sync::Mutex<Option<Cached>>> {
        let mut groups = self.groups.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        groups.entry(group).or_default().clone()
    }

    /// The group's rows and everything computed on them at its default `as_of`, up to date
    /// with the store.
    pub fn computed(&self, store: &Store, group: GroupId, now: UnixSeconds) -> Result<(Arc<GroupData>, Arc<Computed>)> {
        let entry = self.entry(store, group, now)?;
        Ok((entry.data, entry.computed))
    }

    /// [`Analyst::computed`] with what the screens built from it.
    pub(super) fn entry(&self, store: &Store, group: GroupId, now: UnixSeconds) -> Result<Entry> {
        let group = store
            .group(group)?
            .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("group {} is not in the store; pick another from the list", group.0)))?;
        let version = self.version(store, &group)?;
        let as_of = super::as_of_after(&group, version.span.1, now);
        let settings = load_settings(store, group.id)?;
        let slot = self.slot(group.id);
        let mut cached = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cached) = cached.as_ref() {
            if cached.version == version && cached.computed.as_of == as_of && cached.computed.settings == settings {
                return Ok(Entry { data: cached.data.clone(), computed: cached.computed.clone(), memo: cached.memo.clone() });
            }
        }
        // The rows are read again only when they changed: the day's roll-over and a
        // settings change compute on the rows already read.
        let data = match cached.as_ref() {
            Some(cached) if cached.version == version => cached.data.clone(),
            _ => Arc::new(store.load_group_data(&group)?),
        };
        let computed = match cached.take().map(|cached| Arc::try_unwrap(cached.computed)) {
            Some(Ok(previous)) => previous.absorb(&data, as_of, &settings)?,
            _ => Computed::full(&data, as_of, &settings)?,
        };
        let computed = Arc::new(computed);
        let memo = Arc::new(Memo::default());
        *cached = Some(Cached { version, data: data.clone(), computed: computed.clone(), memo: memo.clone() });
        Ok(Entry { data, computed, memo })
    }

    /// Computes every group of the store that changed since it was last computed, with its
    /// dashboard, then every group's backtest and archive channel counts, so that the
    /// screens opened next find them ready (the desktop shell runs this in the background
    /// at start and after imports). Stops at the first group that fails and reports it.
    pub fn warm(&self, store: &Store, now: UnixSeconds) -> Result<usize> {
        let groups = store.groups()?;
        for group in &groups {
            self.entry(store, group.id, now)?;
            self.dashboard(store, group.id, now)?;
        }
        // The backtest beside the warnings is the slowest screen's part: second, so that
        // every group's main screens are ready first.
        for group in &groups {
            self.backtest(store, group.id, now)?;
            self.archive_channels(store, group.id)?;
        }
        Ok(groups.len())
    }

    /// The group's summary (counts and span) for the rows in `data`, kept in `memo`.
    pub(super) fn summary(&self, store: &Store, data: &GroupData, memo: &Memo) -> Result<super::GroupSummary> {
        if let Some(summary) = memo.summary.get() {
            return Ok(summary.clone());
        }
        let summary = self.group_summary(store, &data.group)?;
        Ok(memo.summary.get_or_init(|| summary).clone())
    }

    /// [`super::dashboard`] from the cache.
    pub fn dashboard(&self, store: &Store, group: GroupId, now: UnixSeconds) -> Result<super::Dashboard> {
        let Entry { data, computed, memo } = self.entry(store, group, now)?;
        if let Some(dashboard) = memo.dashboard.get() {
            return Ok(dashboard.clone());
        }
        let summary = self.summary(store, &data, &memo)?;
        let statuses: Vec<_> = computed.everything.history.members.iter().map(|member| member.status.clone()).collect();
        let dashboard = super::dashboard_of(summary, &data, computed.as_of, computed.everything.health.clone(), &statuses);
        Ok(memo.dashboard.get_or_init(|| dashboard).clone())
    }

    /// [`members_filtered`] from the cache.
    pub fn members_filtered(
        &self,
        store: &Store,
        group: GroupId,
        stage: Option<Stage>,
        state: Option<MemberState>,
        now: UnixSeconds,
    ) -> Result<Vec<MemberSummary>> {
        let (data, computed) = self.computed(store, group, now)?;
        Ok(filter_members(&data, &computed.everything.history, stage, state))
    }

    /// [`super::churn::warnings`] from the cache (the reviewers' actions are read fresh).
    pub fn warnings(
        &self,
        store: &Store,
        group: GroupId,
        min_severity: crate::analytics::warnings::Severity,
        include_hidden: bool,
        now: UnixSeconds,
    ) -> Result<super::churn::WarningList> {
        let (data, computed) = self.computed(store, group, now)?;
        let everything = &computed.everything;
        let risks: Vec<(i64, f64)> =
            everything.signals.iter().zip(&everything.risks).map(|(member, &risk)| (member.member_id, risk)).collect();
        super::churn::warning_list(store, &data, computed.as_of, &everything.warnings, &risks, min_severity, include_hidden, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActivityKind, ActivityRow, GroupId, Platform, Texts, DAY};

    /// A generated group: 60 members over 160 days, skewed authorship, a third of the
    /// posts replies to a recent post, some reactions, joins known, a few members leave.
    fn generated(rows: usize) -> GroupData {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let start = 20_000 * DAY;
        let members: Vec<MemberRow> = (1..=60)
            .map(|id| MemberRow {
                id,
                platform_id: format!("u{id}"),
                display_name: format!("Member {id}"),
                is_bot: id == 60,
                joined_at: Some(start + (id - 1) * DAY),
                left_at: (id % 17 == 0).then_some(start + 120 * DAY),
            })
            .collect();
        let words = ["how do I build it?", "thanks!", "see the docs", "anyone tried this?", "works now", "ok"];
        let mut activities = Vec::new();
        let mut texts = Texts::default();
        for index in 0..rows as i64 {
            let draw = (next() % 1000) as f64 / 1000.0;
            let member = ((draw * draw) * 60.0) as i64 + 1;
            let at = start + index * 160 * DAY / rows as i64 + (next() % 600) as i64;
            let roll = next() % 10;
            let parent = (index > 10 && roll < 5).then(|| index - (next() % 10) as i64);
            let kind = match (roll, parent) {
                (0..=1, Some(_)) => ActivityKind::Reaction,
                (_, Some(_)) => ActivityKind::Reply,
                _ => ActivityKind::Message,
            };
            let text = words[(next() % words.len() as u64) as usize];
            activities.push(ActivityRow {
                id: index + 1,
                member_id: member,
                channel_id: 1,
                kind,
                at,
                parent_id: parent,
                text: Some(texts.push(text)),
            });
        }
        activities.sort_by_key(|row| (row.at, row.id));
        GroupData {
            group: Group {
                id: GroupId(1),
                platform: Platform::Slack,
                platform_id: "g".into(),
                name: "Generated".into(),
                is_archive: true,
                is_demo: false,
                last_import_at: None,
            },
            members,
            activities,
            texts,
        }
    }

    fn assert_same(a: &Everything, b: &Everything) {
        assert_eq!(a.health, b.health);
        assert_eq!(a.trend, b.trend);
        assert_eq!(a.history, b.history);
        assert_eq!(a.stages, b.stages);
        assert_eq!(a.transitions, b.transitions);
        assert_eq!(a.cohorts, b.cohorts);
        assert_eq!(a.hours, b.hours);
        assert_eq!(a.first_minutes, b.first_minutes);
        assert_eq!(a.graph, b.graph);
        assert_eq!(a.signals, b.signals);
        assert_eq!(a.model, b.model);
        assert_eq!(a.warnings, b.warnings);
        assert_eq!(a.risks, b.risks);
        assert_eq!(a.flags, b.flags);
    }

    #[test]
    fn absorbing_new_rows_gives_what_a_full_computation_gives() {
        // full(rows + new) == absorb(full(rows), rows + new), for several splits, with the
        // windows before the first new row reused (and `as_of` moving with the data).
        let all = generated(6_000);
        let settings = Settings::default();
        let as_of_of = |data: &GroupData| data.activities.last().map_or(0, |row| (row.at.div_euclid(DAY) + 1) * DAY);
        let full = Computed::full(&all, as_of_of(&all), &settings).expect("computes");
        assert!(!full.everything.history.members.is_empty() && full.everything.graph.node_count() > 0);
        for kept in [5_000, 5_900, 5_999] {
            let mut earlier = all.clone();
            earlier.activities.truncate(kept);
            let before = Computed::full(&earlier, as_of_of(&earlier), &settings).expect("computes");
            let windows = before.cached_windows();
            let absorbed = before.absorb(&all, as_of_of(&all), &settings).expect("computes");
            assert_same(&absorbed.everything, &full.everything);
            // Most weekly windows end before the new rows and were kept, not recomputed.
            assert!(windows > 10 && absorbed.cached_windows() >= windows, "{windows} -> {}", absorbed.cached_windows());
        }
        // Absorbing again and again carries what was kept along: each state equals a full
        // computation on its rows (a reply to an old post among the new rows answers an
        // old conversation: the generator replies to the ten posts before).
        let mut state = {
            let mut earlier = all.clone();
            earlier.activities.truncate(3_000);
            Computed::full(&earlier, as_of_of(&earlier), &settings).expect("computes")
        };
        for kept in [3_500, 4_000, 4_001, 5_500, 6_000] {
            let mut grown = all.clone();
            grown.activities.truncate(kept);
            state = state.absorb(&grown, as_of_of(&grown), &settings).expect("computes");
            let full = Computed::full(&grown, as_of_of(&grown), &settings).expect("computes");
            assert_same(&state.everything, &full.everything);
        }
        // A member added with the new rows (joined just before their first post).
        let mut joined = all.clone();
        joined.members.push(MemberRow {
            id: 61,
            platform_id: "u61".into(),
            display_name: "Member 61".into(),
            is_bot: false,
            joined_at: Some(joined.activities[5_500].at),
            left_at: None,
        });
        for row in joined.activities.iter_mut().skip(5_600).step_by(7) {
            row.member_id = 61;
        }
        let mut before_join = joined.clone();
        before_join.members.pop();
        before_join.activities.truncate(5_400);
        let absorbed = Computed::full(&before_join, as_of_of(&before_join), &settings)
            .expect("computes")
            .absorb(&joined, as_of_of(&joined), &settings)
            .expect("computes");
        let full_joined = Computed::full(&joined, as_of_of(&joined), &settings).expect("computes");
        assert_same(&absorbed.everything, &full_joined.everything);
        // New rows on the same day (`as_of` and the risk model's cut-offs stay: their
        // features are kept) by the group's rarest posters, whose churn labels at the last
        // cut-off they turn (the model is fitted again), and by everyone else.
        for posters in [40..60, 1..60] {
            let mut grown = all.clone();
            let day = grown.activities[5_980].at.div_euclid(DAY);
            let last = grown.activities.iter().rposition(|row| row.at.div_euclid(DAY) == day).expect("a row that day");
            grown.activities.truncate(last + 1);
            // Every row of that day but its first is new (about 37 rows a day).
            let count = grown.activities.iter().rev().take_while(|row| row.at.div_euclid(DAY) == day).count() - 1;
            assert!(count > 10, "{count}");
            for (row, member) in grown.activities.iter_mut().rev().take(count).zip(posters.cycle()) {
                row.member_id = member;
            }
            let mut earlier = grown.clone();
            earlier.activities.truncate(grown.activities.len() - count);
            assert_eq!(as_of_of(&earlier), as_of_of(&grown), "the same day");
            let absorbed = Computed::full(&earlier, as_of_of(&earlier), &settings)
                .expect("computes")
                .absorb(&grown, as_of_of(&grown), &settings)
                .expect("computes");
            let full = Computed::full(&grown, as_of_of(&grown), &settings).expect("computes");
            assert_same(&absorbed.everything, &full.everything);
        }
        // On the same day, a known member never seen before whose first row is a join
        // (not activity: their timelines stay empty, but they are first seen now), and a
        // reply answering an old conversation (its author's signals change, not their rows).
        let mut quiet = all.clone();
        quiet.members.push(MemberRow {
            id: 61,
            platform_id: "u61".into(),
            display_name: "Member 61".into(),
            is_bot: false,
            joined_at: None,
            left_at: None,
        });
        let day = quiet.activities[5_980].at.div_euclid(DAY);
        let last = quiet.activities.iter().rposition(|row| row.at.div_euclid(DAY) == day).expect("a row that day");
        quiet.activities.truncate(last + 1);
        let old_post = quiet.activities[..last - 40].iter().rev().find(|row| row.kind == ActivityKind::Message).expect("a post").id;
        let answer = quiet.activities.len() - 2;
        quiet.activities[answer] = ActivityRow { kind: ActivityKind::Reply, parent_id: Some(old_post), ..quiet.activities[answer] };
        quiet.activities[last] = ActivityRow { member_id: 61, kind: ActivityKind::Join, parent_id: None, ..quiet.activities[last] };
        let mut earlier = quiet.clone();
        earlier.activities.truncate(answer);
        assert_eq!(as_of_of(&earlier), as_of_of(&quiet), "the same day");
        let absorbed = Computed::full(&earlier, as_of_of(&earlier), &settings)
            .expect("computes")
            .absorb(&quiet, as_of_of(&quiet), &settings)
            .expect("computes");
        let full_quiet = Computed::full(&quiet, as_of_of(&quiet), &settings).expect("computes");
        assert!(full_quiet.everything.signals.iter().any(|member| member.member_id == 61 && member.seen_since.is_some()));
        assert_same(&absorbed.everything, &full_quiet.everything);
        // Rows that are not an extension (one removed in the middle) mean a full computation.
        let mut edited = all.clone();
        edited.activities.remove(100);
        let from_edited = Computed::full(&edited, as_of_of(&edited), &settings).expect("computes");
        let absorbed = from_edited.absorb(&all, as_of_of(&all), &settings).expect("computes");
        assert_same(&absorbed.everything, &full.everything);
    }

    #[test]
    fn rolling_over_to_a_later_day_without_new_rows_gives_what_a_full_computation_gives() {
        // A live group's `as_of` is the end of today: at midnight it moves with no new row
        // (the desktop rolls the state over then), and the day's rows come after. Each
        // state equals a full computation at its `as_of`: a day on, a week on (a weekly
        // stage instant added), five weeks on (the risk model's 4-week grid of cut-offs
        // moved too), then rows over the days in between, the last on the day rolled to.
        let all = generated(6_000);
        let settings = Settings::default();
        let mut earlier = all.clone();
        earlier.activities.truncate(5_800);
        let last_day = earlier.activities.last().map_or(0, |row| row.at.div_euclid(DAY));
        let mut state = Computed::full(&earlier, (last_day + 1) * DAY, &settings).expect("computes");
        let churn = crate::api::churn::ChurnSettings::from_settings(&settings);
        let fit_end = |as_of| crate::api::churn::fit_end(as_of, &churn.backtest);
        for days_on in [2, 9, 36] {
            let as_of = (last_day + days_on) * DAY;
            let model = state.everything.model.clone();
            let same_grid = fit_end(state.as_of) == fit_end(as_of);
            state = state.absorb(&earlier, as_of, &settings).expect("computes");
            let full = Computed::full(&earlier, as_of, &settings).expect("computes");
            assert_same(&state.everything, &full.everything);
            // The model moves with its grid of cut-offs, not with the day.
            assert!(!same_grid || state.everything.model == model, "{days_on} days on");
        }
        assert_ne!(fit_end((last_day + 1) * DAY), fit_end((last_day + 36) * DAY));
        let as_of = (last_day + 36) * DAY;
        let mut grown = all.clone();
        let spread = grown.activities[5_800..].len() as i64;
        for (offset, row) in grown.activities[5_800..].iter_mut().enumerate() {
            row.at = (last_day + 1) * DAY + offset as i64 * (35 * DAY - 60) / spread;
        }
        assert!(grown.activities.last().is_some_and(|row| row.at.div_euclid(DAY) == last_day + 35));
        let absorbed = state.absorb(&grown, as_of, &settings).expect("computes");
        let full = Computed::full(&grown, as_of, &settings).expect("computes");
        assert_same(&absorbed.everything, &full.everything);
        assert!(full.everything.signals.iter().any(|member| member.member_id < 60), "members with signals");
    }
}
