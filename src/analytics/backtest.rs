//! The backtest of the churn warnings and the risk score (analytics §6): at cut-offs T
//! every 4 weeks, everything is computed from data before T only; a member of the
//! population (active in the 28 days before T, not gone) counts as churned when inactive
//! in [T, T + horizon). Each rule, the risk score and the baselines of established tools
//! are scored on the same members: precision, recall, AUC and precision among the top
//! 10 % highest-risk.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::graph::GraphConfig;
use super::risk::{features as risk_features, fit, score, RiskFeatures, RiskModel};
use super::signals::{member_signals_with, population_signals, MemberSignals, Prepared};
use super::stages::{statuses_at, MemberStatus, StageConfig};
use super::warnings::{reasons, round, ReasonCode, WarningConfig};
use crate::model::{GroupData, UnixSeconds, DAY};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export, export_to = "bindings/")]
pub struct BacktestConfig {
    pub horizon_days: u32,
    pub every_days: u32,
    /// Fewer cut-offs than this and the report says the history is too short to trust.
    pub min_cutoffs: u32,
    /// Cut-offs need this much history before them.
    pub warmup_days: u32,
    /// Only the most recent cut-offs, when not 0 (fitting the current risk model uses a
    /// few for speed).
    pub max_cutoffs: u32,
    /// The population: members active in this many days before T.
    pub active_window_days: u32,
    /// Thresholds that turn the continuous scores into a yes/no for precision and recall.
    pub risk_threshold: f64,
    pub days_since_threshold: f64,
    pub top_share: f64,
    /// Share of the population by activity in 90 days that counts as "highly engaged"
    /// (crowd.dev) or "top by activity" (Common Room).
    pub engaged_share: f64,
    pub crowd_dev_silent_days: f64,
    pub common_room_silent_from_days: f64,
    pub common_room_silent_to_days: f64,
    pub savannah_messages_90: u32,
    pub savannah_silent_days: f64,
}

impl Default for BacktestConfig {
    fn default() -> Self {
        BacktestConfig {
            horizon_days: 30,
            every_days: 28,
            min_cutoffs: 6,
            warmup_days: 56,
            max_cutoffs: 0,
            active_window_days: 28,
            risk_threshold: 0.5,
            days_since_threshold: 7.0,
            top_share: 0.10,
            engaged_share: 0.25,
            crowd_dev_silent_days: 30.0,
            common_room_silent_from_days: 7.0,
            common_room_silent_to_days: 28.0,
            savannah_messages_90: 50,
            savannah_silent_days: 30.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum MethodKind {
    /// One of Hearth's warning rules (yes/no).
    Rule,
    /// Hearth's risk score.
    Score,
    /// A baseline from another tool.
    Baseline,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MethodResult {
    pub method: String,
    pub kind: MethodKind,
    pub description: String,
    /// Members the method flagged (over all cut-offs), and how many of them churned.
    pub flagged: u64,
    pub true_positives: u64,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    /// Area under the ROC curve of the method's score (ties count half).
    pub auc: Option<f64>,
    /// Precision among the top 10 % by score at each cut-off (ties shared evenly).
    pub top_precision: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct CutoffSummary {
    #[ts(type = "number")]
    pub at: UnixSeconds,
    pub population: u64,
    pub churned: u64,
}

/// Where the group knows its own truth (the demo): how the behavioural churn label agrees
/// with it, and how well the risk score and the naive ranking find the true churners.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct TruthCheck {
    pub examples: u64,
    pub truly_churned: u64,
    pub label_agreement: f64,
    pub risk_auc: Option<f64>,
    pub days_since_auc: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct BacktestReport {
    pub horizon_days: u32,
    pub every_days: u32,
    pub cutoffs: Vec<CutoffSummary>,
    /// Member-at-cut-off examples, and how many of them churned.
    pub examples: u64,
    pub churned: u64,
    /// Fewer cut-offs than the configured minimum fitted in the history.
    pub too_short: bool,
    pub methods: Vec<MethodResult>,
    pub truth: Option<TruthCheck>,
    /// The risk model fitted on every cut-off of this backtest (what the group's current
    /// risk scores use), next to the priors it started from.
    pub fitted_model: RiskModel,
    pub prior_model: RiskModel,
}

/// One scored member at one cut-off.
struct Example {
    cutoff: usize,
    churned: bool,
    features: RiskFeatures,
    truly_churned: Option<bool>,
    scores: Vec<f64>,
}

struct Method {
    name: &'static str,
    kind: MethodKind,
    description: &'static str,
    /// A continuous score's yes/no threshold; rules and baselines flag at 1.
    threshold: f64,
}

fn methods(config: &BacktestConfig) -> Vec<Method> {
    let rule = |name, description| Method { name, kind: MethodKind::Rule, description, threshold: 1.0 };
    vec![
        Method {
            name: "risk_score",
            kind: MethodKind::Score,
            description: "Hearth risk score (logistic, priors refined on earlier cut-offs only)",
            threshold: config.risk_threshold,
        },
        rule("any_warning", "any of Hearth's warning rules"),
        rule("silent_short", "silent 3–7 days and > 2× own median gap"),
        rule("silent_long", "silent > 7 days, member ≥ 14 days"),
        rule("key_member_at_risk", "Contributor/Core losing PageRank and degree"),
        rule("newcomer_unanswered", "newcomer's first message unanswered in 24 h"),
        rule("newcomer_critical_window", "day 17–21 after joining, quiet since day 7"),
        rule("declining", "EWMA of weekly active days < 50 % of own baseline"),
        Method {
            name: "crowd_dev_slipping_away",
            kind: MethodKind::Baseline,
            description: "crowd.dev: highly engaged, no activity in the last month",
            threshold: 1.0,
        },
        Method {
            name: "common_room_recently_inactive",
            kind: MethodKind::Baseline,
            description: "Common Room: top 25 % by activity, silent 7–28 days",
            threshold: 1.0,
        },
        Method {
            name: "savannah_inactivity",
            kind: MethodKind::Baseline,
            description: "Savannah: ≥ 50 messages in 90 days, then 30 days silent",
            threshold: 1.0,
        },
        Method {
            name: "days_since_last_activity",
            kind: MethodKind::Baseline,
            description: "naive ranking by days since the last activity",
            threshold: config.days_since_threshold,
        },
    ]
}

/// The cut-offs: every `every_days` back from the last instant whose horizon is fully
/// observed, as long as the warm-up history fits before them; oldest first.
pub fn cutoffs(first_at: UnixSeconds, end: UnixSeconds, config: &BacktestConfig) -> Vec<UnixSeconds> {
    let last = (end - i64::from(config.horizon_days) * DAY).div_euclid(DAY) * DAY;
    let earliest = first_at + i64::from(config.warmup_days) * DAY;
    let mut found = Vec::new();
    let mut at = last;
    while at >= earliest && config.every_days > 0 {
        found.push(at);
        at -= i64::from(config.every_days) * DAY;
        if config.max_cutoffs > 0 && found.len() >= config.max_cutoffs as usize {
            break;
        }
    }
    found.reverse();
    found
}

#[allow(clippy::too_many_arguments)]
pub fn backtest(
    data: &GroupData,
    end: UnixSeconds,
    config: &BacktestConfig,
    warning_config: &WarningConfig,
    model: &RiskModel,
    stage_config: &StageConfig,
    graph_config: &GraphConfig,
    truth: Option<&HashMap<i64, Option<UnixSeconds>>>,
) -> BacktestReport {
    let prepared = Prepared::with_graph(data, &stage_config.conversations, graph_config);
    backtest_prepared(&prepared, end, config, warning_config, model, stage_config, graph_config, truth)
}

/// The labelled examples of the cut-offs: each member of each cut-off's population with
/// their features, outcome and the methods' scores (the risk score left at 0).
struct Gathered {
    instants: Vec<UnixSeconds>,
    examples: Vec<Example>,
    summaries: Vec<CutoffSummary>,
}

#[allow(clippy::too_many_arguments)]
fn gather(
    prepared: &Prepared<'_>,
    end: UnixSeconds,
    instants: Vec<UnixSeconds>,
    statuses: Vec<Vec<MemberStatus>>,
    config: &BacktestConfig,
    warning_config: &WarningConfig,
    model: &RiskModel,
    graph_config: &GraphConfig,
    truth: Option<&HashMap<i64, Option<UnixSeconds>>>,
) -> Gathered {
    // Per member, the sorted times of activities that count as active, for the labels (only
    // those before `end` count).
    let inputs = prepared.signal_inputs();
    let methods = methods(config);
    let horizon = i64::from(config.horizon_days) * DAY;
    let mut examples: Vec<Example> = Vec::new();
    let mut summaries = Vec::new();
    for (cutoff_index, (&at, statuses)) in instants.iter().zip(statuses).enumerate() {
        let signals = member_signals_with(prepared, at, &warning_config.signals, graph_config, statuses);
        let population: Vec<&MemberSignals> = signals.iter().filter(|member| in_population(member, at, config)).collect();
        let engaged_cut = engaged_threshold(&population, config.engaged_share);
        let mut churned_here = 0;
        for member in &population {
            let times = inputs.active_times(member.node as usize);
            let next = times.partition_point(|&time| time < at);
            let churned = times.get(next).is_none_or(|&time| time >= at + horizon || time >= end);
            churned_here += u64::from(churned);
            let fired: Vec<ReasonCode> = reasons(member, at, warning_config).into_iter().map(|reason| reason.code).collect();
            let silence = member.silence_days.unwrap_or(0.0);
            let engaged = member.activities_90 >= engaged_cut;
            let flag = |yes: bool| if yes { 1.0 } else { 0.0 };
            let scores = methods
                .iter()
                .map(|method| match method.name {
                    // Filled in below, by the model fitted on earlier cut-offs.
                    "risk_score" => 0.0,
                    "any_warning" => flag(!fired.is_empty()),
                    "crowd_dev_slipping_away" => flag(engaged && silence >= config.crowd_dev_silent_days),
                    "common_room_recently_inactive" => {
                        flag(engaged && silence >= config.common_room_silent_from_days && silence <= config.common_room_silent_to_days)
                    }
                    "savannah_inactivity" => flag(member.posts_90 >= config.savannah_messages_90 && silence >= config.savannah_silent_days),
                    "days_since_last_activity" => silence,
                    rule => flag(fired.iter().any(|code| code.as_str() == rule)),
                })
                .collect();
            let truly_churned =
                truth.map(|truth| truth.get(&member.member_id).copied().flatten().is_some_and(|churned_at| churned_at < at + horizon));
            examples.push(Example { cutoff: cutoff_index, churned, features: risk_features(member, model), truly_churned, scores });
        }
        summaries.push(CutoffSummary { at, population: population.len() as u64, churned: churned_here });
    }
    Gathered { instants, examples, summaries }
}

/// The cut-offs of `config` for a group whose history ends at `end`.
pub fn cutoffs_for(prepared: &Prepared<'_>, end: UnixSeconds, config: &BacktestConfig) -> Vec<UnixSeconds> {
    let first_at = prepared.data().activities.first().map_or(end, |activity| activity.at);
    cutoffs(first_at, end, config)
}

/// The risk model refined on the cut-offs of `config` (the group's own history): the
/// priors fitted once on every example, as [`BacktestReport::fitted_model`]. `statuses`
/// are the members' statuses at each cut-off of [`cutoffs_for`], in order.
#[allow(clippy::too_many_arguments)]
pub fn fitted_model(
    prepared: &Prepared<'_>,
    end: UnixSeconds,
    statuses: Vec<Vec<MemberStatus>>,
    config: &BacktestConfig,
    warning_config: &WarningConfig,
    model: &RiskModel,
    graph_config: &GraphConfig,
) -> RiskModel {
    let instants = cutoffs_for(prepared, end, config);
    let gathered = gather(prepared, end, instants, statuses, config, warning_config, model, graph_config, None);
    let all: Vec<(RiskFeatures, bool)> = gathered.examples.iter().map(|example| (example.features, example.churned)).collect();
    fit(model, &all)
}

/// The risk model's examples at one cut-off: the population's members (positions in
/// `data.members`) with their features. They read only rows before the cut-off; the
/// labels, which read the horizon after it, are found again at every fit.
struct CutoffFeatures {
    at: UnixSeconds,
    members: Vec<(u32, RiskFeatures)>,
}

/// What the current risk model was fitted on, kept for a fit on more rows: per cut-off
/// instant the features, the examples' labels in order, the end the labels were read up
/// to, and the model they gave.
#[derive(Default)]
pub struct FitKept {
    cutoffs: Vec<CutoffFeatures>,
    labels: Vec<bool>,
    end: Option<UnixSeconds>,
    model: Option<RiskModel>,
}

/// [`fitted_model`] on the cut-offs `instants`, reusing what `kept` holds: the features at
/// a cut-off that is the same instant as before and not after `before` (no row before it
/// changed) are taken as they were; a kept cut-off's labels too when they read only rows
/// before `before` up to the same end (otherwise they are found again); and when every
/// example is the same as before, so is the model. The features do not read the members'
/// stages and states, so no statuses are needed. Also returns what to keep for the next fit.
#[allow(clippy::too_many_arguments)]
pub fn fitted_model_kept(
    prepared: &Prepared<'_>,
    end: UnixSeconds,
    instants: &[UnixSeconds],
    before: UnixSeconds,
    config: &BacktestConfig,
    warning_config: &WarningConfig,
    model: &RiskModel,
    graph_config: &GraphConfig,
    kept: FitKept,
) -> (RiskModel, FitKept) {
    let inputs = prepared.signal_inputs();
    let horizon = i64::from(config.horizon_days) * DAY;
    let active_window = i64::from(config.active_window_days) * DAY;
    let FitKept { cutoffs: mut old_cutoffs, labels: old_labels, end: old_end, model: old_model } = kept;
    let mut reused_all = old_model.is_some() && old_cutoffs.len() == instants.len();
    let reusable: Vec<Option<usize>> =
        instants.iter().map(|&at| old_cutoffs.iter().position(|cutoff| cutoff.at == at).filter(|_| at <= before)).collect();
    // The cut-offs not kept, each a pass over the members, on every core (they are
    // independent; each thread takes every n-th, and they are put back in order).
    let missing: Vec<UnixSeconds> = instants.iter().zip(&reusable).filter(|(_, kept)| kept.is_none()).map(|(&at, _)| at).collect();
    let features_at = |at: UnixSeconds| {
        population_signals(prepared, at, &warning_config.signals, graph_config, active_window, |member| {
            (member.node, risk_features(member, model))
        })
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(missing.len()).max(1);
    let mut computed: Vec<Option<Vec<(u32, RiskFeatures)>>> = vec![None; missing.len()];
    std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads)
            .map(|first| {
                let (missing, features_at) = (&missing, &features_at);
                scope.spawn(move || missing.iter().skip(first).step_by(threads).map(|&at| features_at(at)).collect::<Vec<_>>())
            })
            .collect();
        for (slot, &at) in computed.iter_mut().zip(&missing).step_by(threads) {
            *slot = Some(features_at(at));
        }
        for (first, worker) in (1..threads).zip(workers) {
            let found = worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (slot, members) in computed.iter_mut().skip(first).step_by(threads).zip(found) {
                *slot = Some(members);
            }
        }
    });
    let mut computed = computed.into_iter().map(|members| members.expect("every missing cut-off computed"));
    let mut cutoffs = Vec::with_capacity(instants.len());
    for (index, (&at, kept)) in instants.iter().zip(&reusable).enumerate() {
        let features = match *kept {
            Some(position) => {
                reused_all &= position == index;
                std::mem::replace(&mut old_cutoffs[position], CutoffFeatures { at: i64::MIN, members: Vec::new() })
            }
            None => {
                reused_all = false;
                CutoffFeatures { at, members: computed.next().expect("one per missing cut-off") }
            }
        };
        cutoffs.push(features);
    }
    // A label reads the member's activity from the cut-off until the horizon or the end,
    // whichever comes first: with every cut-off where it was, the same end, and that span
    // over before `before`, it is what it was.
    // (Every cut-off kept in place means the same members in the same order as the labels.)
    let same_examples = reused_all && old_end == Some(end);
    let mut labels = Vec::with_capacity(old_labels.len());
    for cutoff in &cutoffs {
        let from = labels.len();
        if same_examples && (cutoff.at + horizon).min(end) <= before {
            labels.extend_from_slice(&old_labels[from..from + cutoff.members.len()]);
            continue;
        }
        labels.extend(cutoff.members.iter().map(|&(node, _)| {
            let times = inputs.active_times(node as usize);
            let next = times.partition_point(|&time| time < cutoff.at);
            times.get(next).is_none_or(|&time| time >= cutoff.at + horizon || time >= end)
        }));
    }
    let fitted = match old_model {
        Some(old) if reused_all && labels == old_labels => old,
        _ => {
            let features = cutoffs.iter().flat_map(|cutoff| cutoff.members.iter().map(|&(_, features)| features));
            let all: Vec<(RiskFeatures, bool)> = features.zip(labels.iter().copied()).collect();
            fit(model, &all)
        }
    };
    (fitted.clone(), FitKept { cutoffs, labels, end: Some(end), model: Some(fitted) })
}

/// Whether a member is in a cut-off's population: not gone, active in the window before it.
fn in_population(member: &MemberSignals, at: UnixSeconds, config: &BacktestConfig) -> bool {
    !member.left && member.last_active_at.is_some_and(|last| at - last <= i64::from(config.active_window_days) * DAY)
}

/// [`backtest`] on data already prepared (its graph windows are shared with the stages).
#[allow(clippy::too_many_arguments)]
pub fn backtest_prepared(
    prepared: &Prepared<'_>,
    end: UnixSeconds,
    config: &BacktestConfig,
    warning_config: &WarningConfig,
    model: &RiskModel,
    stage_config: &StageConfig,
    graph_config: &GraphConfig,
    truth: Option<&HashMap<i64, Option<UnixSeconds>>>,
) -> BacktestReport {
    let instants = cutoffs_for(prepared, end, config);
    let statuses = statuses_at(prepared, &instants, stage_config);
    let Gathered { instants, mut examples, summaries } =
        gather(prepared, end, instants, statuses, config, warning_config, model, graph_config, truth);
    let methods = methods(config);
    let horizon = i64::from(config.horizon_days) * DAY;

    // Walk forward: the risk score at cut-off k comes from a model fitted only on cut-offs
    // whose whole horizon lies before it (their outcome was known at k).
    let risk_position = methods.iter().position(|method| method.name == "risk_score").expect("the risk method exists");
    for (cutoff_index, &at) in instants.iter().enumerate() {
        let training: Vec<(RiskFeatures, bool)> = examples
            .iter()
            .filter(|example| instants[example.cutoff] + horizon <= at)
            .map(|example| (example.features, example.churned))
            .collect();
        let fitted = fit(model, &training);
        for example in examples.iter_mut().filter(|example| example.cutoff == cutoff_index) {
            example.scores[risk_position] = score(&example.features, &fitted);
        }
    }
    let all: Vec<(RiskFeatures, bool)> = examples.iter().map(|example| (example.features, example.churned)).collect();
    let fitted_model = fit(model, &all);

    let labels: Vec<bool> = examples.iter().map(|example| example.churned).collect();
    let results = methods
        .iter()
        .enumerate()
        .map(|(position, method)| {
            let scores: Vec<f64> = examples.iter().map(|example| example.scores[position]).collect();
            let flagged: Vec<bool> = scores.iter().map(|&score| score >= method.threshold).collect();
            let flagged_count = flagged.iter().filter(|&&yes| yes).count() as u64;
            let true_positives = flagged.iter().zip(&labels).filter(|(&yes, &churned)| yes && churned).count() as u64;
            let positives = labels.iter().filter(|&&churned| churned).count() as u64;
            let mut top_hits = 0.0;
            let mut top_taken = 0.0;
            for cutoff in 0..instants.len() {
                let members: Vec<(f64, bool)> = examples
                    .iter()
                    .zip(&scores)
                    .filter(|(example, _)| example.cutoff == cutoff)
                    .map(|(example, &score)| (score, example.churned))
                    .collect();
                let (hits, taken) = top_share_hits(&members, config.top_share);
                top_hits += hits;
                top_taken += taken;
            }
            MethodResult {
                method: method.name.to_string(),
                kind: method.kind,
                description: method.description.to_string(),
                flagged: flagged_count,
                true_positives,
                precision: ratio(true_positives as f64, flagged_count as f64),
                recall: ratio(true_positives as f64, positives as f64),
                auc: auc(&scores, &labels).map(round),
                top_precision: ratio(top_hits, top_taken),
            }
        })
        .collect();

    let truth_check = truth.map(|_| {
        let known: Vec<&Example> = examples.iter().filter(|example| example.truly_churned.is_some()).collect();
        let truth_labels: Vec<bool> = known.iter().map(|example| example.truly_churned == Some(true)).collect();
        let agree = known.iter().filter(|example| example.truly_churned == Some(example.churned)).count();
        let position = |name: &str| methods.iter().position(|method| method.name == name).expect("the method exists");
        let scores_of = |name: &str| known.iter().map(|example| example.scores[position(name)]).collect::<Vec<f64>>();
        TruthCheck {
            examples: known.len() as u64,
            truly_churned: truth_labels.iter().filter(|&&churned| churned).count() as u64,
            label_agreement: ratio(agree as f64, known.len() as f64).unwrap_or(0.0),
            risk_auc: auc(&scores_of("risk_score"), &truth_labels).map(round),
            days_since_auc: auc(&scores_of("days_since_last_activity"), &truth_labels).map(round),
        }
    });

    BacktestReport {
        horizon_days: config.horizon_days,
        every_days: config.every_days,
        examples: examples.len() as u64,
        churned: labels.iter().filter(|&&churned| churned).count() as u64,
        too_short: (instants.len() as u32) < config.min_cutoffs,
        cutoffs: summaries,
        methods: results,
        truth: truth_check,
        fitted_model,
        prior_model: model.clone(),
    }
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| round(numerator / denominator))
}

/// The activity count (in 90 days) at which a member is in the top `share` of the
/// population: the value at rank ceil(share × n) from the top.
fn engaged_threshold(population: &[&MemberSignals], share: f64) -> u32 {
    let mut counts: Vec<u32> = population.iter().map(|member| member.activities_90).collect();
    if counts.is_empty() {
        return u32::MAX;
    }
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let rank = ((share * counts.len() as f64).ceil() as usize).clamp(1, counts.len());
    counts[rank - 1].max(1)
}

/// Area under the ROC curve by the rank-sum (Mann–Whitney) formula, tied scores getting
/// their average rank. `None` when either class is empty.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let positives = labels.iter().filter(|&&label| label).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && scores[order[end + 1]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start + 1 ..= end + 1 share their mean.
        let mean_rank = (start + end + 2) as f64 / 2.0;
        rank_sum += mean_rank * order[start..=end].iter().filter(|&&example| labels[example]).count() as f64;
        start = end + 1;
    }
    let positives = positives as f64;
    Some((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives as f64))
}

/// Expected churners among the top `share` (at least one member) by score, and how many
/// were taken. Members tied at the boundary share the remaining places evenly, so the
/// answer never depends on an arbitrary order.
pub fn top_share_hits(members: &[(f64, bool)], share: f64) -> (f64, f64) {
    if members.is_empty() {
        return (0.0, 0.0);
    }
    let take = ((share * members.len() as f64).ceil() as usize).clamp(1, members.len());
    let mut by_score: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
    for &(score, churned) in members {
        // Order-preserving key for non-negative and negative floats alike, highest first.
        let key = u64::MAX - ordered_bits(score);
        let entry = by_score.entry(key).or_default();
        entry.0 += 1;
        entry.1 += usize::from(churned);
    }
    let mut hits = 0.0;
    let mut left = take;
    for (count, churned) in by_score.into_values() {
        if left == 0 {
            break;
        }
        let used = left.min(count);
        hits += churned as f64 * used as f64 / count as f64;
        left -= used;
    }
    (hits, take as f64)
}

fn ordered_bits(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        // Scores 0.9 (+), 0.8 (−), 0.7 (+), 0.1 (−). Pairs (pos, neg): (0.9, 0.8) ✓,
        // (0.9, 0.1) ✓, (0.7, 0.8) ✗, (0.7, 0.1) ✓ -> 3 of 4 = 0.75.
        let auc_value = auc(&[0.9, 0.8, 0.7, 0.1], &[true, false, true, false]).unwrap();
        assert!((auc_value - 0.75).abs() < 1e-12);
        // A yes/no rule that flags one positive and one negative out of 2 + 2: pairs with
        // equal scores count half: (1,1) ½, (1,0) 1, (0,1) 0, (0,0) ½ -> 2/4 = 0.5.
        assert_eq!(auc(&[1.0, 1.0, 0.0, 0.0], &[true, false, true, false]), Some(0.5));
        // Perfect and reversed rankings.
        assert_eq!(auc(&[3.0, 2.0, 1.0], &[true, true, false]), Some(1.0));
        assert_eq!(auc(&[1.0, 2.0, 3.0], &[true, true, false]), Some(0.0));
        assert_eq!(auc(&[1.0, 2.0], &[true, true]), None);
    }

    #[test]
    fn top_share_by_hand() {
        // 20 members, top 10 % = 2. Scores 5 (churned), 4 (not), rest 0: 1 hit of 2.
        let mut members = vec![(5.0, true), (4.0, false)];
        members.extend((0..18).map(|n| (0.0, n % 2 == 0)));
        assert_eq!(top_share_hits(&members, 0.1), (1.0, 2.0));
        // Ties at the boundary: 10 members, take 1, three tied at the top of whom one
        // churned: expected hits 1/3.
        let tied: Vec<(f64, bool)> = vec![(1.0, true), (1.0, false), (1.0, false)].into_iter().chain((0..7).map(|_| (0.0, true))).collect();
        let (hits, taken) = top_share_hits(&tied, 0.1);
        assert!((hits - 1.0 / 3.0).abs() < 1e-12 && taken == 1.0);
        // Negative scores order correctly.
        assert_eq!(top_share_hits(&[(-1.0, false), (-0.5, true)], 0.1), (1.0, 1.0));
    }

    #[test]
    fn cutoffs_every_four_weeks_after_warm_up() {
        // History days 0..200, horizon 30: last cut-off day 170, then 142, 114, 86, 58;
        // 30 would leave less than the 56-day warm-up.
        let days: Vec<i64> = cutoffs(0, 200 * DAY, &BacktestConfig::default()).into_iter().map(|at| at / DAY).collect();
        assert_eq!(days, vec![58, 86, 114, 142, 170]);
    }
}
