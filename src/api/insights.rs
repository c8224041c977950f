//! Use cases of the health score with its calibration and trend, the members with their
//! stage reasons and history, the heatmaps, and the per-group settings they all read.

use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

use super::{default_as_of, find_group, resolve_as_of, Error, ErrorCode, MemberSummary, Result};
use crate::analytics::daily::{calibrate, history_values, trend as daily_trend, DailyBasis, TrendPoint};
use crate::analytics::health::{health_prepared, HealthConfig, HealthReport, ThresholdSource, Thresholds};
use crate::analytics::heatmaps::{
    cohort_heatmap, first_minutes_heatmap, hour_heatmap, stage_heatmap, transitions, CohortHeatmap, FirstMinutesHeatmap, HourHeatmap,
    StageHeatmap, Transitions,
};
use crate::analytics::settings::{Settings, SettingsError, SECTIONS};
use crate::analytics::stages::{stage_history, MemberHistory, StageHistory, StageReasons};
use crate::analytics::{date_of_day, day_of, Prepared};
use crate::model::{Group, GroupData, GroupId, MemberState, Stage, UnixSeconds};
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
    group: Group,
    data: GroupData,
    as_of: UnixSeconds,
    settings: Settings,
}

fn evaluate(store: &Store, group: &str, now: UnixSeconds) -> Result<Evaluated> {
    let group = find_group(store, group)?;
    let as_of = default_as_of(store, &group, now)?;
    let settings = load_settings(store, group.id)?;
    let data = store.load_group_data(&group)?;
    Ok(Evaluated { group, data, as_of, settings })
}

fn history_of(evaluated: &Evaluated) -> StageHistory {
    let config = evaluated.settings.stage_config();
    let prepared = Prepared::new(&evaluated.data, &config.conversations);
    stage_history(&prepared, evaluated.as_of, &config)
}

fn summary(data: &GroupData, member: &MemberHistory) -> MemberSummary {
    let row = data.members.iter().find(|row| row.id == member.status.member_id).expect("histories are of the group's members");
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
    let mut members: Vec<MemberSummary> = history
        .members
        .iter()
        .filter(|member| stage.is_none_or(|stage| member.status.stage == stage))
        .filter(|member| state.is_none_or(|state| member.status.state == state))
        .map(|member| summary(&evaluated.data, member))
        .collect();
    members.sort_by(|a, b| b.stage.cmp(&a.stage).then(b.posts_total.cmp(&a.posts_total)).then(a.id.cmp(&b.id)));
    Ok(members)
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
    let reference = member.trim();
    let humans: Vec<_> = evaluated.data.members.iter().filter(|row| !row.is_bot).collect();
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
                    evaluated.group.name, evaluated.group.id.0
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
    let history = history_of(&evaluated);
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
        member: summary(&evaluated.data, found),
        reasons: found.reasons.clone(),
        history: weeks,
        changes,
        as_of_date: date_of_day(day_of(evaluated.as_of - 1)),
        group: evaluated.group,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
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
    let config = evaluated.settings.heatmap_config(timezone, computer_timezone)?;
    let name = evaluated.group.name.clone();
    let chart = |title: &str, svg: String| Chart { title: title.to_string(), svg };
    let (heatmap, charts) = match kind {
        HeatmapKind::Stages => {
            let heatmap = stage_heatmap(&history_of(&evaluated));
            let charts = vec![
                chart("members per stage", charts::stage_heatmap_svg(&heatmap, &name, false)),
                chart("share per stage", charts::stage_heatmap_svg(&heatmap, &name, true)),
            ];
            (HeatmapData::Stages(heatmap), charts)
        }
        HeatmapKind::Transitions => {
            let flows = transitions(&history_of(&evaluated), &config);
            let charts = vec![chart("stage transitions", charts::transitions_svg(&flows, &name))];
            (HeatmapData::Transitions(flows), charts)
        }
        HeatmapKind::Cohorts => {
            let index = crate::analytics::Index::new(&evaluated.data);
            let heatmap = cohort_heatmap(&index, evaluated.as_of, &config);
            let charts = vec![chart("cohort retention", charts::cohort_heatmap_svg(&heatmap, &name))];
            (HeatmapData::Cohorts(heatmap), charts)
        }
        HeatmapKind::Hours => {
            let index = crate::analytics::Index::new(&evaluated.data);
            let heatmap = hour_heatmap(&index, evaluated.as_of, &config);
            let charts = vec![chart("messages by weekday and hour", charts::hour_heatmap_svg(&heatmap, &name))];
            (HeatmapData::Hours(heatmap), charts)
        }
        HeatmapKind::FirstMinutes => {
            let index = crate::analytics::Index::new(&evaluated.data);
            let heatmap = first_minutes_heatmap(&index, evaluated.as_of, &config);
            let charts = vec![chart("newcomers' first minutes", charts::first_minutes_svg(&heatmap, &name))];
            (HeatmapData::FirstMinutes(heatmap), charts)
        }
    };
    Ok(HeatmapView { as_of_date: date_of_day(day_of(evaluated.as_of - 1)), group: evaluated.group, heatmap, charts })
}

/// Everything of this part at once on rows already loaded, as the benchmark and a full
/// refresh run it: conversations once, the daily basis once, the trend, the stage history
/// and every heatmap.
pub struct Everything {
    pub health: HealthReport,
    pub trend: Vec<TrendPoint>,
    pub history: StageHistory,
    pub stages: StageHeatmap,
    pub transitions: Transitions,
    pub cohorts: CohortHeatmap,
    pub hours: HourHeatmap,
    pub first_minutes: FirstMinutesHeatmap,
}

pub fn compute_everything(data: &GroupData, as_of: UnixSeconds, settings: &Settings) -> Result<Everything> {
    let health_config = settings.health_config();
    let stage_config = settings.stage_config();
    let heatmap_config = settings.heatmap_config(None, None)?;
    let prepared = Prepared::new(data, &health_config.conversations);
    let basis = DailyBasis::new(&prepared.index, &prepared.conversations, as_of, &health_config);
    let (first_day, last_day) = basis.day_span();
    let trend = daily_trend(&basis, first_day, last_day, &health_config);
    let health = crate::analytics::health::score_values(&basis.values_at(as_of), as_of, &health_config);
    let history = stage_history(&prepared, as_of, &stage_config);
    Ok(Everything {
        health,
        trend,
        stages: stage_heatmap(&history),
        transitions: transitions(&history, &heatmap_config),
        cohorts: cohort_heatmap(&prepared.index, as_of, &heatmap_config),
        hours: hour_heatmap(&prepared.index, as_of, &heatmap_config),
        first_minutes: first_minutes_heatmap(&prepared.index, as_of, &heatmap_config),
        history,
    })
}
