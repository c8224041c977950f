//! Use cases of churn: the warnings list, members ranked by risk or centrality, one
//! member's risk with its reasons and neighbours, and the backtest.

use std::collections::HashMap;

use serde::Serialize;
use ts_rs::TS;

use super::{default_as_of, find_group, Error, ErrorCode, Result};
use std::sync::Arc;

use crate::analytics::backtest::{
    backtest as run_backtest, cutoffs_for, fitted_model, fitted_model_kept, BacktestConfig, BacktestReport, FitKept,
};
use crate::analytics::graph::{GraphConfig, WindowGraph};
use crate::analytics::risk::{explain, risk, RiskExplanation, RiskModel};
use crate::analytics::settings::Settings;
use crate::analytics::signals::{member_signals_kept, member_signals_with, MemberSignals, Prepared, SignalsKept};
use crate::analytics::stages::{statuses_at, StageConfig};
use crate::analytics::warnings::{churn_warnings, round, ChurnWarning, Severity, WarningConfig};
use crate::model::{GroupData, GroupId, MemberState, Stage, UnixSeconds};
use crate::store::{Store, WarningAction};

/// The settings the churn use cases read: the group's stored sections `stages`, `graph`
/// and `warnings` (defaults from analytics.md where nothing is stored); the risk model's
/// priors and the backtest's config are not settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChurnSettings {
    pub stages: StageConfig,
    pub graph: GraphConfig,
    pub warnings: WarningConfig,
    pub risk: RiskModel,
    pub backtest: BacktestConfig,
}

impl ChurnSettings {
    pub fn from_settings(settings: &Settings) -> ChurnSettings {
        ChurnSettings {
            stages: settings.stage_config(),
            graph: settings.graph.clone(),
            warnings: settings.warnings.clone(),
            risk: RiskModel::default(),
            backtest: BacktestConfig::default(),
        }
    }

    /// The group's stored settings.
    pub fn load(store: &Store, group: GroupId) -> Result<ChurnSettings> {
        Ok(ChurnSettings::from_settings(&super::load_settings(store, group)?))
    }

    /// The stage config with this graph config.
    pub fn stage_config(&self) -> StageConfig {
        StageConfig { graph: self.graph.clone(), ..self.stages.clone() }
    }
}

struct Computed {
    data: GroupData,
    as_of: UnixSeconds,
    signals: Vec<MemberSignals>,
    /// The priors refined on the group's recent history (cut-offs whose outcome is known).
    model: RiskModel,
    /// The trailing interaction graph at `as_of`.
    graph: Arc<WindowGraph>,
}

/// Cut-offs the current risk model is fitted on: the most recent ones, for speed.
pub const FIT_CUTOFFS: u32 = 4;

/// The signals at `as_of` and the risk model fitted once on the group's recent cut-offs,
/// from one weekly stage run and one set of graph windows (shared by the stages at every
/// instant, the signals and the fit).
pub fn signals_and_model(
    prepared: &Prepared<'_>,
    as_of: UnixSeconds,
    settings: &ChurnSettings,
) -> (Vec<MemberSignals>, RiskModel, Arc<WindowGraph>) {
    let stages = settings.stage_config();
    let mut instants = fit_cutoffs(prepared, as_of, settings);
    instants.push(as_of);
    let mut statuses = statuses_at(prepared, &instants, &stages);
    let now = statuses.pop().unwrap_or_default();
    signals_and_model_with(prepared, as_of, settings, statuses, now)
}

/// The cut-offs the current risk model is fitted on (the last [`FIT_CUTOFFS`] before
/// [`fit_end`]).
pub fn fit_cutoffs(prepared: &Prepared<'_>, as_of: UnixSeconds, settings: &ChurnSettings) -> Vec<UnixSeconds> {
    let fit_config = fit_config(settings);
    cutoffs_for(prepared, fit_end(as_of, &fit_config), &fit_config)
}

fn fit_config(settings: &ChurnSettings) -> BacktestConfig {
    BacktestConfig { max_cutoffs: FIT_CUTOFFS, ..settings.backtest.clone() }
}

/// The end the current risk model's cut-offs are counted back from at `as_of`. They sit
/// on a fixed grid, every `every_days` from Monday 1970-01-05: the last is the latest
/// grid day whose horizon has passed by `as_of`, and the end is that horizon's. So the
/// model is fitted again when the grid moves on (every 4 weeks by default) or when the
/// rows it reads change, not every day: a member's risk does not move only because the
/// calendar did, and the day's roll-over keeps the cut-offs' examples.
pub fn fit_end(as_of: UnixSeconds, config: &BacktestConfig) -> UnixSeconds {
    let horizon = i64::from(config.horizon_days) * crate::model::DAY;
    let step = i64::from(config.every_days.max(1)) * crate::model::DAY;
    let anchor = crate::analytics::week_start(0) + crate::model::WEEK;
    let last = anchor + (as_of - horizon - anchor).div_euclid(step) * step;
    last + horizon
}

/// [`signals_and_model`] with the members' statuses already evaluated: at each of
/// [`fit_cutoffs`] (`statuses`) and at `as_of` (`now`).
pub fn signals_and_model_with(
    prepared: &Prepared<'_>,
    as_of: UnixSeconds,
    settings: &ChurnSettings,
    statuses: Vec<Vec<crate::analytics::stages::MemberStatus>>,
    now: Vec<crate::analytics::stages::MemberStatus>,
) -> (Vec<MemberSignals>, RiskModel, Arc<WindowGraph>) {
    let fit_config = fit_config(settings);
    let signals = member_signals_with(prepared, as_of, &settings.warnings.signals, &settings.graph, now);
    let fit_end = fit_end(as_of, &fit_config);
    let model = fitted_model(prepared, fit_end, statuses, &fit_config, &settings.warnings, &settings.risk, &settings.graph);
    let window = i64::from(settings.graph.window_days) * crate::model::DAY;
    let graph = prepared.window(as_of - window, as_of, &settings.graph);
    (signals, model, graph)
}

/// [`signals_and_model_with`] without the statuses at the cut-offs (the risk model's
/// features do not read them), reusing the examples `kept` from a computation on fewer
/// rows, none of which before `before` changed (see [`fitted_model_kept`]), and the
/// signals at `as_of` of the members whose rows did not change (`signals_before`, see
/// [`member_signals_kept`]). The signals come without their stage and state (the stages
/// are evaluated meanwhile; see [`crate::analytics::signals::with_statuses`]). Also
/// returns what to keep for the next computation.
pub fn signals_and_model_kept(
    prepared: &Prepared<'_>,
    as_of: UnixSeconds,
    settings: &ChurnSettings,
    kept: FitKept,
    before: UnixSeconds,
    signals_before: Option<(Vec<MemberSignals>, SignalsKept)>,
) -> (Vec<MemberSignals>, RiskModel, Arc<WindowGraph>, FitKept, SignalsKept) {
    let fit_config = fit_config(settings);
    let fit_end = fit_end(as_of, &fit_config);
    let instants = cutoffs_for(prepared, fit_end, &fit_config);
    // The signals at `as_of` and the fit (its cut-offs' features) are independent.
    let ((signals, signals_kept), (model, kept)) = std::thread::scope(|scope| {
        let signals = scope.spawn(|| member_signals_kept(prepared, as_of, &settings.warnings.signals, &settings.graph, signals_before));
        let fit =
            fitted_model_kept(prepared, fit_end, &instants, before, &fit_config, &settings.warnings, &settings.risk, &settings.graph, kept);
        (signals.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), fit)
    });
    let window = i64::from(settings.graph.window_days) * crate::model::DAY;
    let graph = prepared.window(as_of - window, as_of, &settings.graph);
    (signals, model, graph, kept, signals_kept)
}

fn compute(store: &Store, group: &str, now: UnixSeconds) -> Result<(Computed, ChurnSettings)> {
    let group = find_group(store, group)?;
    let settings = &ChurnSettings::load(store, group.id)?;
    let as_of = default_as_of(store, &group, now)?;
    let data = store.load_group_data(&group)?;
    let stages = settings.stage_config();
    let prepared = Prepared::with_graph(&data, &stages.conversations, &settings.graph);
    let (signals, model, graph) = signals_and_model(&prepared, as_of, settings);
    drop(prepared);
    Ok((Computed { data, as_of, signals, model, graph }, settings.clone()))
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct WarningItem {
    pub display_name: String,
    pub risk: f64,
    pub warning: ChurnWarning,
    /// What a reviewer did about this member's warning (snoozed, handled, a note).
    pub action: Option<WarningAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct WarningList {
    pub as_of_date: String,
    pub warnings: Vec<WarningItem>,
    /// Warnings left out because a reviewer snoozed them until after now, or handled them.
    pub hidden: u64,
}

/// A screen's part of a warning list: the first warnings of each severity (highest risk
/// first, then member id, as the screen orders them), and how many each severity has. A
/// large group has thousands of warnings, and a screen draws a few dozen at a time.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct WarningPage {
    pub list: WarningList,
    pub totals: SeverityTotals,
}

/// Warnings per severity (the snoozed and handled ones counted only when they are listed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct SeverityTotals {
    #[ts(type = "number")]
    pub high: u64,
    #[ts(type = "number")]
    pub medium: u64,
    #[ts(type = "number")]
    pub low: u64,
}

impl WarningList {
    /// The first `per_severity` warnings of each severity, with the totals.
    pub fn first_per_severity(self, per_severity: usize) -> WarningPage {
        let mut totals = SeverityTotals::default();
        let mut by_severity: [Vec<WarningItem>; 3] = Default::default();
        for item in self.warnings {
            let (total, index) = match item.warning.severity {
                Severity::High => (&mut totals.high, 0),
                Severity::Medium => (&mut totals.medium, 1),
                Severity::Low => (&mut totals.low, 2),
            };
            *total += 1;
            by_severity[index].push(item);
        }
        let mut warnings = Vec::new();
        for mut items in by_severity {
            items.sort_by(|a, b| b.risk.total_cmp(&a.risk).then(a.warning.member_id.cmp(&b.warning.member_id)));
            items.truncate(per_severity);
            warnings.extend(items);
        }
        WarningPage { list: WarningList { warnings, ..self }, totals }
    }
}

/// The churn warnings of a group at its default `as_of`, at least `min_severity`. Warnings
/// a reviewer snoozed (until after `now`) or marked handled are counted in `hidden`
/// unless `include_hidden`.
pub fn warnings(store: &Store, group: &str, min_severity: Severity, include_hidden: bool, now: UnixSeconds) -> Result<WarningList> {
    let (computed, settings) = compute(store, group, now)?;
    let warnings = churn_warnings(&computed.signals, computed.as_of, &settings.warnings);
    let risks: Vec<(i64, f64)> = computed.signals.iter().map(|member| (member.member_id, risk(member, &computed.model))).collect();
    warning_list(store, &computed.data, computed.as_of, &warnings, &risks, min_severity, include_hidden, now)
}

/// The list of warnings with names, risks and the reviewers' actions.
/// How many of `warnings` [`warning_list`] shows (every severity, the snoozed and handled
/// ones left out), without building the list.
pub(super) fn open_warning_count(store: &Store, group: GroupId, warnings: &[ChurnWarning], now: UnixSeconds) -> Result<u64> {
    let suppressed: std::collections::HashSet<i64> = store
        .warning_actions(group)?
        .into_iter()
        .filter(|action| action.handled_at.is_some() || action.snoozed_until.is_some_and(|until| until > now))
        .map(|action| action.member_id)
        .collect();
    Ok(warnings.iter().filter(|warning| !suppressed.contains(&warning.member_id)).count() as u64)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn warning_list(
    store: &Store,
    data: &GroupData,
    as_of: UnixSeconds,
    warnings: &[ChurnWarning],
    risks: &[(i64, f64)],
    min_severity: Severity,
    include_hidden: bool,
    now: UnixSeconds,
) -> Result<WarningList> {
    let actions: HashMap<i64, WarningAction> =
        store.warning_actions(data.group.id)?.into_iter().map(|action| (action.member_id, action)).collect();
    let names: HashMap<i64, &str> = data.members.iter().map(|member| (member.id, member.display_name.as_str())).collect();
    let risks: HashMap<i64, f64> = risks.iter().copied().collect();
    let mut hidden = 0;
    let mut items = Vec::new();
    for warning in warnings {
        if warning.severity < min_severity {
            continue;
        }
        let action = actions.get(&warning.member_id).cloned();
        let suppressed =
            action.as_ref().is_some_and(|action| action.handled_at.is_some() || action.snoozed_until.is_some_and(|until| until > now));
        if suppressed && !include_hidden {
            hidden += 1;
            continue;
        }
        items.push(WarningItem {
            display_name: names.get(&warning.member_id).copied().unwrap_or_default().to_string(),
            risk: round(risks.get(&warning.member_id).copied().unwrap_or(0.0)),
            warning: warning.clone(),
            action,
        });
    }
    Ok(WarningList { as_of_date: super::date_string(as_of - 1), warnings: items, hidden })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, export_to = "bindings/")]
pub enum MemberSort {
    Risk,
    Activity,
    Pagerank,
}

impl MemberSort {
    pub fn parse(text: &str) -> Option<MemberSort> {
        match text {
            "risk" => Some(MemberSort::Risk),
            "activity" => Some(MemberSort::Activity),
            "pagerank" => Some(MemberSort::Pagerank),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MemberRisk {
    #[ts(type = "number")]
    pub id: i64,
    pub display_name: String,
    pub stage: Stage,
    pub state: MemberState,
    pub risk: f64,
    /// PageRank scaled so that 1 is the uniform share, in the trailing 30-day window.
    pub pagerank: f64,
    pub weighted_degree: f64,
    pub active_days_28: u32,
    pub activities_90: u32,
    pub silence_days: Option<f64>,
}

fn member_risk(data: &GroupData, member: &MemberSignals, model: &RiskModel) -> MemberRisk {
    let display_name = data.members.iter().find(|row| row.id == member.member_id).map_or_else(String::new, |row| row.display_name.clone());
    MemberRisk {
        id: member.member_id,
        display_name,
        stage: member.stage,
        state: member.state,
        risk: round(risk(member, model)),
        pagerank: round(member.pagerank_now),
        weighted_degree: round(member.degree_now),
        active_days_28: member.active_days_28,
        activities_90: member.activities_90,
        silence_days: member.silence_days.map(round),
    }
}

/// The group's human members with risk and centrality, filtered by stage and state and
/// sorted (highest first; ties by member id). Members who already churned are left out of
/// the risk ranking's top by their state, not by a filter: pass `state` to narrow.
pub fn member_risks(
    store: &Store,
    group: &str,
    stage: Option<Stage>,
    state: Option<MemberState>,
    sort: MemberSort,
    now: UnixSeconds,
) -> Result<Vec<MemberRisk>> {
    let (computed, _) = compute(store, group, now)?;
    Ok(member_risks_in(&computed.view(), stage, state, sort))
}

/// What the churn use cases read about a group, computed once: by [`compute`] here, or
/// kept between calls by [`super::Analyst`] (its `everything`'s signals, model and graph).
pub(super) struct ChurnView<'a> {
    pub data: &'a GroupData,
    pub as_of: UnixSeconds,
    pub signals: &'a [MemberSignals],
    pub model: &'a RiskModel,
    pub graph: &'a WindowGraph,
}

impl Computed {
    fn view(&self) -> ChurnView<'_> {
        ChurnView { data: &self.data, as_of: self.as_of, signals: &self.signals, model: &self.model, graph: &self.graph }
    }
}

/// [`member_risks`] on what was computed.
pub(super) fn member_risks_in(view: &ChurnView<'_>, stage: Option<Stage>, state: Option<MemberState>, sort: MemberSort) -> Vec<MemberRisk> {
    let mut members: Vec<MemberRisk> = view
        .signals
        .iter()
        .filter(|member| stage.is_none_or(|stage| member.stage == stage) && state.is_none_or(|state| member.state == state))
        .map(|member| member_risk(view.data, member, view.model))
        .collect();
    let key = |member: &MemberRisk| match sort {
        MemberSort::Risk => member.risk,
        MemberSort::Activity => f64::from(member.activities_90),
        MemberSort::Pagerank => member.pagerank,
    };
    members.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.id.cmp(&b.id)));
    members
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Neighbour {
    #[ts(type = "number")]
    pub member_id: i64,
    pub display_name: String,
    /// Weight of the edge from the member to this neighbour, and back (0 when absent).
    pub weight_out: f64,
    pub weight_in: f64,
    pub messages_out: u32,
    pub messages_in: u32,
    pub shared_threads: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/", rename = "MemberRiskDetail")]
pub struct MemberDetail {
    pub member: MemberRisk,
    pub platform_id: String,
    pub explanation: RiskExplanation,
    pub warning: Option<ChurnWarning>,
    /// Scaled PageRank and weighted degree of the window before, for the change.
    pub pagerank_before: f64,
    pub weighted_degree_before: f64,
    pub neighbours: Vec<Neighbour>,
}

/// One member (by id, platform id or display name): risk with its reasons, warning, and
/// neighbours in the trailing interaction graph.
pub fn member_detail(store: &Store, group: &str, member: &str, now: UnixSeconds) -> Result<MemberDetail> {
    let (computed, settings) = compute(store, group, now)?;
    member_detail_in(&computed.view(), &settings.warnings, member)
}

/// [`member_detail`] on what was computed, with the group's warning settings.
pub(super) fn member_detail_in(view: &ChurnView<'_>, warning_config: &WarningConfig, member: &str) -> Result<MemberDetail> {
    let data = view.data;
    let reference = member.trim();
    let matches: Vec<&crate::model::MemberRow> = data
        .members
        .iter()
        .filter(|row| !row.is_bot)
        .filter(|row| row.id.to_string() == reference || row.platform_id == reference || row.display_name.eq_ignore_ascii_case(reference))
        .collect();
    let row = match matches.as_slice() {
        [one] => *one,
        [] => {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("no member {reference:?} in group {:?}; use an id from `hearth members`", data.group.name),
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
    let signals = view.signals.iter().find(|member| member.member_id == row.id).expect("every human member has signals");
    let names: HashMap<i64, &str> = data.members.iter().map(|member| (member.id, member.display_name.as_str())).collect();
    let neighbours = view
        .graph
        .neighbours(signals.node)
        .into_iter()
        .map(|(other, out, inbound)| {
            let member_id = data.members[other as usize].id;
            Neighbour {
                member_id,
                display_name: names.get(&member_id).copied().unwrap_or_default().to_string(),
                weight_out: round(out.map_or(0.0, |edge| edge.weight)),
                weight_in: round(inbound.map_or(0.0, |edge| edge.weight)),
                messages_out: out.map_or(0, |edge| edge.messages),
                messages_in: inbound.map_or(0, |edge| edge.messages),
                shared_threads: out.or(inbound).map_or(0, |edge| edge.shared_threads),
            }
        })
        .collect();
    let warning = churn_warnings(std::slice::from_ref(signals), view.as_of, warning_config).into_iter().next();
    Ok(MemberDetail {
        member: member_risk(data, signals, view.model),
        platform_id: row.platform_id.clone(),
        explanation: explain(signals, view.model),
        warning,
        pagerank_before: round(signals.pagerank_before),
        weighted_degree_before: round(signals.degree_before),
        neighbours,
    })
}

/// The backtest of the warnings and the risk score on a group's history. For the demo
/// community its ground truth is checked too.
pub fn backtest(
    store: &Store,
    group: &str,
    horizon_days: Option<u32>,
    every_days: Option<u32>,
    now: UnixSeconds,
) -> Result<BacktestReport> {
    let group = find_group(store, group)?;
    let settings = ChurnSettings::load(store, group.id)?;
    let end = default_as_of(store, &group, now)?;
    let data = store.load_group_data(&group)?;
    let mut config = settings.backtest.clone();
    if let Some(horizon) = horizon_days {
        config.horizon_days = horizon;
    }
    if let Some(every) = every_days {
        if every == 0 {
            return Err(Error::new(ErrorCode::InvalidInput, "--every must be at least one day"));
        }
        config.every_days = every;
    }
    backtest_on(store, &data, end, &settings, &config)
}

/// The backtest on rows already loaded (`data` of a group in `store`, whose demo truth is
/// read when it is the demo), ending at `end`.
pub(super) fn backtest_on(
    store: &Store,
    data: &GroupData,
    end: UnixSeconds,
    settings: &ChurnSettings,
    config: &BacktestConfig,
) -> Result<BacktestReport> {
    let group = &data.group;
    let truth: Option<HashMap<i64, Option<UnixSeconds>>> = if group.is_demo {
        Some(store.demo_truth(group.id)?.into_iter().map(|truth| (truth.member_id, truth.churned_at)).collect())
    } else {
        None
    };
    let stages = settings.stage_config();
    Ok(run_backtest(data, end, config, &settings.warnings, &settings.risk, &stages, &settings.graph, truth.as_ref()))
}

/// The churn screens served from what the analyst computed (the desktop shell's path).
impl super::Analyst {
    /// [`backtest`] with the default horizon and spacing, computed once per computation.
    pub fn backtest(&self, store: &Store, group: GroupId, now: UnixSeconds) -> Result<BacktestReport> {
        let super::insights::Entry { data, computed, memo } = self.entry(store, group, now)?;
        if let Some(report) = memo.backtest.get() {
            return Ok(report.clone());
        }
        let settings = ChurnSettings::from_settings(&computed.settings);
        let report = backtest_on(store, &data, computed.as_of, &settings, &settings.backtest)?;
        Ok(memo.backtest.get_or_init(|| report).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DAY;

    #[test]
    fn the_risk_models_cut_offs_sit_on_a_four_week_grid_that_moves_every_four_weeks() {
        let config = fit_config(&ChurnSettings::default());
        let horizon = 30 * DAY;
        // Day 20,780 (2026-11-23) is a Monday 2,968 weeks = 742 grid steps of 4 weeks after
        // Monday 1970-01-05 (day 4): a grid day. Day 20,800 (a Sunday) is 20 days after it.
        assert_eq!(fit_end(20_800 * DAY + horizon, &config), 20_780 * DAY + horizon);
        // The same end for the 28 days from that grid day's horizon on, the next after.
        for day in 0..28 {
            assert_eq!(fit_end((20_780 + day) * DAY + horizon, &config), 20_780 * DAY + horizon, "day {day}");
        }
        assert_eq!(fit_end(20_808 * DAY + horizon, &config), 20_808 * DAY + horizon);
        assert_eq!(fit_end(20_808 * DAY + horizon - 1, &config), 20_780 * DAY + horizon);
        // The last cut-off's horizon has passed by as_of, and it is the latest such grid day.
        for as_of in (19_000..19_100).map(|day| day * DAY + 3_600) {
            let last = fit_end(as_of, &config) - horizon;
            assert!(last + horizon <= as_of && last + horizon + 28 * DAY > as_of);
            assert_eq!((last / DAY - 4).rem_euclid(28), 0);
        }
    }
}
