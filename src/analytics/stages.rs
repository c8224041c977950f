//! Member lifecycle stages and states (analytics §2), evaluated weekly with hysteresis:
//! promotion as soon as a rule is met, demotion only after a member stayed below 90 % of
//! the rule's thresholds for a whole grace period.

use serde::Serialize;
use ts_rs::TS;

use super::conversations::ConversationConfig;
use super::graph::{GraphConfig, WindowCache};
use super::{day_of, week_start, Prepared};
use crate::model::{GroupData, MemberState, Stage, UnixSeconds, DAY, WEEK};

#[derive(Debug, Clone, PartialEq)]
pub struct StageConfig {
    pub newcomer_days: i64,
    pub participant_days: i64,
    pub contributor_window_days: i64,
    pub contributor_active_days: f64,
    pub contributor_responses: f64,
    pub core_weeks_needed: usize,
    pub core_weeks_window: usize,
    pub core_top_answerers: usize,
    /// Core also admits the top share of the trailing window's interaction graph by PageRank.
    pub core_top_pagerank_share: f64,
    pub graph: GraphConfig,
    /// Demotion waits until the member is below this share of the thresholds ...
    pub demotion_ratio: f64,
    /// ... for this long.
    pub grace_days: i64,
    pub active_days: i64,
    pub silent_min_tenure_days: i64,
    pub churned_days: i64,
    pub conversations: ConversationConfig,
}

impl Default for StageConfig {
    fn default() -> Self {
        StageConfig {
            newcomer_days: 14,
            participant_days: 90,
            contributor_window_days: 28,
            contributor_active_days: 4.0,
            contributor_responses: 3.0,
            core_weeks_needed: 8,
            core_weeks_window: 12,
            core_top_answerers: 10,
            core_top_pagerank_share: 0.05,
            graph: GraphConfig::default(),
            demotion_ratio: 0.9,
            grace_days: 14,
            active_days: 7,
            silent_min_tenure_days: 14,
            churned_days: 30,
            conversations: ConversationConfig::default(),
        }
    }
}

/// One member's stage and state at `as_of`, with the numbers behind them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MemberStatus {
    #[ts(type = "number")]
    pub member_id: i64,
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

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct StageCount {
    pub stage: Stage,
    pub state: MemberState,
    pub members: u64,
}

/// Per member, sorted event times the rules count over (the signals' timelines:
/// [`crate::analytics::signals::SignalInputs::timeline`]).
#[derive(Clone, Copy)]
pub(crate) struct Timeline<'a> {
    pub(crate) active_days: &'a [i64],
    pub(crate) active_times: &'a [UnixSeconds],
    pub(crate) posts: &'a [UnixSeconds],
    pub(crate) responses_given: &'a [UnixSeconds],
    pub(crate) responses_received: &'a [UnixSeconds],
    /// The member's first activity of any kind.
    pub(crate) first_seen: Option<UnixSeconds>,
}

impl Timeline<'_> {
    /// When the member was first seen before `as_of`: joined, or first activity.
    fn seen_since(&self, joined_at: Option<UnixSeconds>, as_of: UnixSeconds) -> Option<UnixSeconds> {
        [joined_at, self.first_seen].into_iter().flatten().filter(|&at| at < as_of).min()
    }
}

/// A window [lo, hi) over a sorted list whose bounds only move forward.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    lo: usize,
    hi: usize,
}

impl Span {
    /// How many times lie in [from, to); `from` and `to` must not decrease between calls.
    fn count(&mut self, times: &[i64], from: i64, to: i64) -> u64 {
        while self.hi < times.len() && times[self.hi] < to {
            self.hi += 1;
        }
        while self.lo < self.hi && times[self.lo] < from {
            self.lo += 1;
        }
        (self.hi - self.lo) as u64
    }
}

fn count_between(times: &[i64], from: i64, to: i64) -> u64 {
    (times.partition_point(|&time| time < to) - times.partition_point(|&time| time < from)) as u64
}

/// Evaluation instants: every Monday 00:00 UTC after the group's first activity, then `as_of`.
pub fn evaluation_instants(first_at: UnixSeconds, as_of: UnixSeconds) -> Vec<UnixSeconds> {
    let mut instant = week_start(first_at) + WEEK;
    let mut instants = Vec::new();
    while instant < as_of {
        instants.push(instant);
        instant += WEEK;
    }
    instants.push(as_of);
    instants
}

/// One comparison of a stage rule at `as_of`: the member's number against the threshold.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct RuleCheck {
    /// The rule it belongs to (the stage it leads to).
    pub stage: Stage,
    /// What is counted, for a person ("active days in the last 28 days").
    pub label: String,
    /// What is counted, as a code, for the window to say in its language with `window`.
    pub measure: RuleMeasure,
    /// The days (weeks for `contributor_weeks`) the count looks back over; for
    /// `days_since_first_message`, the Newcomer threshold in days.
    pub window: u32,
    /// `None` when there is nothing to count (never posted, never answered).
    pub value: Option<f64>,
    /// `>=`, `<` or `<=`: how the value must compare with the threshold.
    pub comparison: &'static str,
    pub threshold: f64,
    pub met: bool,
}

/// What a [`RuleCheck`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum RuleMeasure {
    DaysSinceFirstMessage,
    DaysSinceLastMessage,
    ActiveDays,
    ResponsesGiven,
    ResponsesReceived,
    ContributorWeeks,
    AnswererRank,
    PagerankRank,
}

/// Why a member is in their stage: the rule's numbers, and the grace period if it holds
/// the member above what the rules alone give.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct StageReasons {
    pub stage: Stage,
    /// What the rules alone give at `as_of`, before the grace period.
    pub rule_stage: Stage,
    /// One sentence for a person.
    pub summary: String,
    pub checks: Vec<RuleCheck>,
    /// Kept above `rule_stage` by the grace period: below 90 % of the stage's thresholds
    /// since this evaluation ...
    #[ts(type = "number | null")]
    pub below_since: Option<UnixSeconds>,
    /// ... and demoted at the first evaluation from this instant on, unless it recovers.
    #[ts(type = "number | null")]
    pub demotion_due: Option<UnixSeconds>,
}

/// A member's weekly stages, their status at `as_of` and what the reasons for the stage
/// are told from ([`StageHistory::reasons`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberHistory {
    pub status: MemberStatus,
    /// When the member was first seen (joined or first activity), if before `as_of`.
    pub seen_since: Option<UnixSeconds>,
    /// The stage after each evaluation of [`StageHistory::instants`].
    pub stages: Vec<Stage>,
    /// What the evaluation at `as_of` saw, and since when the grace period held the stage.
    seen: Observed,
    below_since: Option<UnixSeconds>,
}

impl MemberHistory {
    /// Whether the member existed (had been seen) at an instant.
    pub fn present_at(&self, instant: UnixSeconds) -> bool {
        self.seen_since.is_some_and(|since| since < instant)
    }
}

/// Every human member's stage at every weekly evaluation (analytics §2).
#[derive(Debug, Clone, PartialEq)]
pub struct StageHistory {
    pub as_of: UnixSeconds,
    /// Every Monday 00:00 UTC after the first activity, then `as_of`.
    pub instants: Vec<UnixSeconds>,
    /// In the order of `data.members`, bots left out.
    pub members: Vec<MemberHistory>,
    /// The settings the stages were evaluated with (the reasons name their thresholds).
    config: StageConfig,
}

impl StageHistory {
    /// Why `member` (one of [`StageHistory::members`]) is in their stage at `as_of`: the
    /// rules' numbers and the grace period. Told when asked (a screen shows one member's),
    /// not for every member on every computation: 20,000 members' texts took a large
    /// group's day change a tenth of its time.
    pub fn reasons(&self, member: &MemberHistory) -> StageReasons {
        stage_reasons(member.status.stage, &member.seen, member.below_since, self.as_of, &self.config)
    }
}

/// What one evaluation saw for a member: the raw numbers the rules compare.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Observed {
    active_days: f64,
    given: f64,
    received: f64,
    contributor_weeks: usize,
    answerer_rank: Option<usize>,
    /// Rank by PageRank in the trailing interaction graph, and its node count.
    pagerank_rank: Option<(usize, usize)>,
    /// Core's "top" part held by PageRank and not by answering.
    core_by_pagerank: bool,
    first_post: Option<UnixSeconds>,
    last_post: Option<UnixSeconds>,
    /// Posts before the instant.
    posts: u64,
    rule_stage: Option<Stage>,
}

/// Stages and states of every human member at `as_of`, in the order of `data.members`.
pub fn member_statuses(data: &GroupData, as_of: UnixSeconds, config: &StageConfig) -> Vec<MemberStatus> {
    let prepared = Prepared::with_graph(data, &config.conversations, &config.graph);
    statuses_at(&prepared, &[as_of], config).pop().unwrap_or_default()
}

/// What the weekly evaluation reads: each human's sorted event times, from the signals'
/// per-member timelines (built once per group over all rows and extended with new rows:
/// [`Prepared::signal_inputs`]). Every count is bounded by the instant evaluated, so the
/// same inputs serve evaluations at any instant.
pub struct StageInputs<'a> {
    /// Positions in `data.members` of the humans; a human's slot is its index here.
    humans: Vec<usize>,
    timelines: Vec<Timeline<'a>>,
    first_at: Option<UnixSeconds>,
}

impl<'a> StageInputs<'a> {
    pub fn new(prepared: &'a Prepared<'_>) -> StageInputs<'a> {
        let data = prepared.data();
        let signals = prepared.signal_inputs();
        let humans: Vec<usize> = (0..data.members.len()).filter(|&position| !data.members[position].is_bot).collect();
        let timelines = humans.iter().map(|&position| signals.timeline(position)).collect();
        StageInputs { humans, timelines, first_at: data.activities.first().map(|activity| activity.at) }
    }
}

/// The hysteresis state of every member after some evaluations: what the next evaluation
/// starts from. Cloned to evaluate an extra instant (a backtest cut-off) without
/// disturbing the weekly sequence.
#[derive(Clone)]
struct StageState {
    current: Vec<Stage>,
    below_since: Vec<Option<UnixSeconds>>,
    /// Whether each member was Contributor or above after each of the last `recent`
    /// evaluations (all the Core rule reads): a ring of `recent` slots per member, one
    /// flat vector, so that copying a state copies no per-member vectors.
    contributor_recent: Vec<bool>,
    recent: usize,
    /// The ring slot the next evaluation writes (the oldest one).
    recent_next: usize,
    // The windows only move forward, so per member a cursor pair over each sorted list
    // counts in amortised constant time (binary searches per member and week were the
    // main cost at a million messages).
    given_spans: Vec<Span>,
    received_spans: Vec<Span>,
    day_spans: Vec<Span>,
    posts_before: Vec<Span>,
}

impl StageState {
    fn new(members: usize, config: &StageConfig) -> StageState {
        // The evaluation counts the weeks before its own among the last `core_weeks_window`.
        let recent = config.core_weeks_window.saturating_sub(1);
        StageState {
            current: vec![Stage::Observer; members],
            below_since: vec![None; members],
            contributor_recent: vec![false; members * recent],
            recent,
            recent_next: 0,
            given_spans: vec![Span::default(); members],
            received_spans: vec![Span::default(); members],
            day_spans: vec![Span::default(); members],
            posts_before: vec![Span::default(); members],
        }
    }
}

/// One weekly evaluation at `instant`; with `observed`, the numbers behind every member's
/// rule stage are kept (for the reasons at `as_of`).
fn evaluate(
    inputs: &StageInputs,
    state: &mut StageState,
    data: &GroupData,
    graphs: &WindowCache,
    instant: UnixSeconds,
    config: &StageConfig,
    mut observed: Option<&mut Vec<Observed>>,
) {
    let window = config.contributor_window_days * DAY;
    let from = instant - window;
    let humans = &inputs.humans;
    let given_now: Vec<u64> = inputs
        .timelines
        .iter()
        .zip(&mut state.given_spans)
        .map(|(timeline, span)| span.count(timeline.responses_given, from, instant))
        .collect();
    // The top answerers of the window, by responses given (ties: lower member id).
    let mut answerers: Vec<(u64, i64, usize)> = given_now
        .iter()
        .enumerate()
        .map(|(slot, &given)| (given, data.members[humans[slot]].id, slot))
        .filter(|(given, _, _)| *given > 0)
        .collect();
    answerers.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut rank_of: Vec<Option<usize>> = vec![None; humans.len()];
    for (rank, &(_, _, slot)) in answerers.iter().enumerate() {
        rank_of[slot] = Some(rank + 1);
    }
    // The trailing interaction graph, only when the PageRank branch of Core is on.
    let graph = (config.core_top_pagerank_share > 0.0).then(|| graphs.trailing_ranks(data, instant));
    // The members' nodes ascend with their slots: one walk over the graph's nodes.
    let mut ranks = graph.as_ref().map(|graph| graph.ascending_ranks());

    for (slot, timeline) in inputs.timelines.iter().enumerate() {
        let node = humans[slot] as u32;
        let pagerank_rank = ranks.as_mut().and_then(|rank_of_node| rank_of_node(node));
        let active_days = state.day_spans[slot].count(timeline.active_days, day_of(from), day_of(instant)) as f64;
        let given = given_now[slot] as f64;
        let received = state.received_spans[slot].count(timeline.responses_received, from, instant) as f64;
        let contributor_at = |ratio: f64| {
            active_days >= config.contributor_active_days * ratio
                && (given >= config.contributor_responses * ratio || received >= config.contributor_responses * ratio)
        };
        let recent = &mut state.contributor_recent[slot * state.recent..(slot + 1) * state.recent];
        // Slots not written yet are `false`, as weeks before the first evaluation count.
        let earlier_weeks = recent.iter().filter(|&&was| was).count();
        let recent_weeks = |extra: bool| earlier_weeks + usize::from(extra);
        let by_answers = |ratio: f64| rank_of[slot].is_some_and(|rank| (rank as f64) <= config.core_top_answerers as f64 / ratio);
        let by_pagerank =
            |ratio: f64| graph.as_ref().is_some_and(|graph| graph.rank_in_top(pagerank_rank, config.core_top_pagerank_share, ratio));
        let core_at = |ratio: f64| {
            contributor_at(ratio)
                && (by_answers(ratio) || by_pagerank(ratio))
                && recent_weeks(true) as f64 >= config.core_weeks_needed as f64 * ratio
        };
        let posted_before = state.posts_before[slot].count(timeline.posts, i64::MIN, instant) as usize;
        let first_post = timeline.posts.first().copied().filter(|&at| at < instant);
        let raw = if first_post.is_none() {
            Stage::Observer
        } else if core_at(1.0) {
            Stage::Core
        } else if contributor_at(1.0) {
            Stage::Contributor
        } else if first_post.is_some_and(|at| instant - at < config.newcomer_days * DAY) {
            Stage::Newcomer
        } else {
            // Posted within the last 90 days, or earlier: once a member has posted, the
            // floor is Participant; whether they are still around is their state.
            Stage::Participant
        };
        let stage = &mut state.current[slot];
        let below_since = &mut state.below_since[slot];
        if raw >= *stage {
            *stage = raw;
            *below_since = None;
        } else {
            let holds_relaxed = match *stage {
                Stage::Core => core_at(config.demotion_ratio),
                Stage::Contributor => contributor_at(config.demotion_ratio),
                _ => true,
            };
            if holds_relaxed {
                *below_since = None;
            } else {
                let since = *below_since.get_or_insert(instant);
                if instant - since >= config.grace_days * DAY {
                    *stage = raw;
                    *below_since = None;
                }
            }
        }
        let stage = *stage;
        if let Some(observed) = observed.as_deref_mut() {
            observed[slot] = Observed {
                active_days,
                given,
                received,
                contributor_weeks: recent_weeks(contributor_at(1.0)),
                answerer_rank: rank_of[slot],
                pagerank_rank: graph.as_ref().and_then(|graph| pagerank_rank.map(|rank| (rank, graph.node_count()))),
                core_by_pagerank: by_pagerank(1.0) && !by_answers(1.0),
                first_post,
                last_post: posted_before.checked_sub(1).map(|last| timeline.posts[last]),
                posts: posted_before as u64,
                rule_stage: Some(raw),
            };
        }
        if let Some(oldest) = recent.get_mut(state.recent_next) {
            *oldest = stage >= Stage::Contributor;
        }
    }
    if state.recent > 0 {
        state.recent_next = (state.recent_next + 1) % state.recent;
    }
}

/// A member's status at `as_of` from the stage the evaluations gave. With `seen`, what the
/// evaluation at `as_of` counted (the posts before it, the active days and responses in the
/// rules' window), one search in the member's timelines is made instead of five.
fn status_at(
    inputs: &StageInputs,
    data: &GroupData,
    slot: usize,
    stage: Stage,
    as_of: UnixSeconds,
    config: &StageConfig,
    seen: Option<&Observed>,
) -> MemberStatus {
    let member = &data.members[inputs.humans[slot]];
    let timeline = &inputs.timelines[slot];
    let from = as_of - config.contributor_window_days * DAY;
    let (posts, active_days, given, received) = match seen {
        Some(seen) => (seen.posts, seen.active_days as u64, seen.given as u64, seen.received as u64),
        None => (
            timeline.posts.partition_point(|&at| at < as_of) as u64,
            count_between(timeline.active_days, day_of(from), day_of(as_of)),
            count_between(timeline.responses_given, from, as_of),
            count_between(timeline.responses_received, from, as_of),
        ),
    };
    let active_before = super::count_before(timeline.active_times, as_of);
    let last_active_at = active_before.checked_sub(1).map(|last| timeline.active_times[last]);
    let state = member_state(last_active_at, timeline.seen_since(member.joined_at, as_of), member.left_at, as_of, config);
    let status = MemberStatus {
        member_id: member.id,
        stage,
        state,
        first_post_at: timeline.posts.first().copied().filter(|&at| at < as_of),
        last_active_at,
        posts_total: posts,
        active_days_28: active_days,
        responses_given_28: given,
        responses_received_28: received,
    };
    debug_assert!(
        seen.is_none() || status == status_at(inputs, data, slot, stage, as_of, config, None),
        "the evaluation counts what a status counts"
    );
    status
}

/// The window cache to use for `config`: the prepared one when its graph settings match.
fn with_graphs<T>(prepared: &Prepared<'_>, config: &StageConfig, run: impl FnOnce(&WindowCache) -> T) -> T {
    if prepared.graphs.config() == &config.graph {
        run(&prepared.graphs)
    } else {
        run(&WindowCache::new(&config.graph))
    }
}

/// The statuses of every human member at each of `ats` (ascending), each exactly as
/// [`stage_history`] at that instant gives them: the weekly evaluations run once, and each
/// instant is evaluated on a copy of the state after the last Monday before it.
pub fn statuses_at(prepared: &Prepared<'_>, ats: &[UnixSeconds], config: &StageConfig) -> Vec<Vec<MemberStatus>> {
    let inputs = StageInputs::new(prepared);
    with_graphs(prepared, config, |graphs| statuses_with(&inputs, prepared.data(), graphs, ats, config))
}

/// [`statuses_at`] on inputs already built.
pub fn statuses_with(
    inputs: &StageInputs,
    data: &GroupData,
    graphs: &WindowCache,
    ats: &[UnixSeconds],
    config: &StageConfig,
) -> Vec<Vec<MemberStatus>> {
    debug_assert!(ats.windows(2).all(|pair| pair[0] <= pair[1]), "instants ascending");
    let mut state = StageState::new(inputs.humans.len(), config);
    let mut next_monday = inputs.first_at.map(|first| week_start(first) + WEEK);
    let mut found = Vec::with_capacity(ats.len());
    for &at in ats {
        while let Some(monday) = next_monday.filter(|&monday| monday < at) {
            evaluate(inputs, &mut state, data, graphs, monday, config, None);
            next_monday = Some(monday + WEEK);
        }
        let mut at_state = state.clone();
        evaluate(inputs, &mut at_state, data, graphs, at, config, None);
        found.push((0..inputs.humans.len()).map(|slot| status_at(inputs, data, slot, at_state.current[slot], at, config, None)).collect());
    }
    found
}

/// The weekly stage history of every human member up to `as_of`, with the status and the
/// reasons at `as_of`. Uses the prepared conversations (built with the same conversation
/// settings as `config.conversations`) and the prepared graph windows.
pub fn stage_history(prepared: &Prepared<'_>, as_of: UnixSeconds, config: &StageConfig) -> StageHistory {
    let inputs = StageInputs::new(prepared);
    with_graphs(prepared, config, |graphs| history_with(&inputs, prepared.data(), graphs, as_of, config))
}

/// [`history_and_statuses`] on prepared data: the stage history up to `as_of` and the
/// statuses at each of `ats`, from one weekly run.
pub fn history_and_statuses_at(
    prepared: &Prepared<'_>,
    as_of: UnixSeconds,
    ats: &[UnixSeconds],
    config: &StageConfig,
) -> (StageHistory, Vec<Vec<MemberStatus>>) {
    let inputs = StageInputs::new(prepared);
    with_graphs(prepared, config, |graphs| history_and_statuses(&inputs, prepared.data(), graphs, as_of, ats, config))
}

/// [`history_and_statuses_at`] with the inputs built (or extended) already, resumed from
/// a run before where it can be (see [`history_and_statuses_resumed`]).
pub fn history_and_statuses_from(
    prepared: &Prepared<'_>,
    inputs: &StageInputs,
    as_of: UnixSeconds,
    ats: &[UnixSeconds],
    config: &StageConfig,
    previous: Option<PreviousRun>,
) -> (StageHistory, Vec<Vec<MemberStatus>>, StageRun) {
    let last_row_at = prepared.data().activities.last().map_or(UnixSeconds::MIN, |row| row.at);
    with_graphs(prepared, config, |graphs| {
        history_and_statuses_resumed(inputs, prepared.data(), graphs, as_of, ats, config, previous, last_row_at)
    })
}

/// [`stage_history`] on inputs already built.
pub fn history_with(
    inputs: &StageInputs,
    data: &GroupData,
    graphs: &WindowCache,
    as_of: UnixSeconds,
    config: &StageConfig,
) -> StageHistory {
    history_and_statuses(inputs, data, graphs, as_of, &[], config).0
}

/// The stage history up to `as_of` and, from the same weekly run, the statuses at each of
/// `ats` (ascending, before `as_of`) exactly as [`statuses_at`] gives them: the history
/// and the churn cut-offs share one pass over the weeks.
pub fn history_and_statuses(
    inputs: &StageInputs,
    data: &GroupData,
    graphs: &WindowCache,
    as_of: UnixSeconds,
    ats: &[UnixSeconds],
    config: &StageConfig,
) -> (StageHistory, Vec<Vec<MemberStatus>>) {
    let (history, found, _) = history_and_statuses_resumed(inputs, data, graphs, as_of, ats, config, None, UnixSeconds::MIN);
    (history, found)
}

/// Weekly stage states kept from a run, for a later run on rows that extend its rows
/// ([`history_and_statuses_resumed`]): each is the state after the evaluations at every
/// Monday before its key (a Monday).
#[derive(Default)]
pub struct StageRun {
    snapshots: Vec<(UnixSeconds, StageState)>,
    /// What the evaluation at `as_of` saw, for a later run at the same instant.
    at_as_of: Option<AtAsOf>,
}

/// Per member (slot), what the status at `as_of` read: a later run at the same `as_of`
/// that gives a member the same stage on the same timelines gives the same status, and
/// takes it as it was.
struct AtAsOf {
    as_of: UnixSeconds,
    /// The member's timelines' total length, and whether they were seen (they only grow,
    /// so an equal size means the same timelines).
    sizes: Vec<usize>,
}

impl Timeline<'_> {
    fn size(&self) -> usize {
        self.active_days.len()
            + self.active_times.len()
            + self.posts.len()
            + self.responses_given.len()
            + self.responses_received.len()
            + usize::from(self.first_seen.is_some())
    }
}

/// A run before, for [`history_and_statuses_resumed`]: its kept states and history, and
/// the instant before which nothing changed since (the first new row, a new member's join).
pub struct PreviousRun {
    pub run: StageRun,
    pub history: StageHistory,
    pub before: UnixSeconds,
}

/// [`history_and_statuses`], starting from the states `previous` kept where they are still
/// valid (every Monday they evaluated is at or before `previous.before`, so they read only
/// rows that did not change), with the same result as a run from the first Monday. Keeps
/// for a later run the states at each of `ats` and after the last Monday at or before
/// `last_row_at` (the last row's time: a later run's new rows come after it).
#[allow(clippy::too_many_arguments)]
pub fn history_and_statuses_resumed(
    inputs: &StageInputs,
    data: &GroupData,
    graphs: &WindowCache,
    as_of: UnixSeconds,
    ats: &[UnixSeconds],
    config: &StageConfig,
    previous: Option<PreviousRun>,
    last_row_at: UnixSeconds,
) -> (StageHistory, Vec<Vec<MemberStatus>>, StageRun) {
    debug_assert!(ats.windows(2).all(|pair| pair[0] <= pair[1]), "instants ascending");
    let instants = evaluation_instants(inputs.first_at.unwrap_or(as_of), as_of);
    let mondays = instants.len() - 1;
    let first_monday = instants[0];
    // The number of Mondays a snapshot keyed `key` has evaluated.
    let evaluated = |key: UnixSeconds| ((key - first_monday) / WEEK) as usize;
    let key_of = |count: usize| first_monday + count as i64 * WEEK;
    let members = inputs.humans.len();
    let (pool, previous_history, previous_at): (Vec<(UnixSeconds, StageState)>, Option<StageHistory>, Option<AtAsOf>) = match previous {
        Some(previous)
            if inputs.first_at.is_some()
                && previous.history.members.len() == members
                && previous.history.instants.len() > 1
                && previous.history.instants[0] == first_monday =>
        {
            let valid = previous
                .run
                .snapshots
                .into_iter()
                .filter(|(key, _)| *key >= first_monday && evaluated(*key) <= mondays && key - WEEK <= previous.before)
                .filter(|(key, _)| evaluated(*key) < previous.history.instants.len())
                .collect();
            let at = previous.run.at_as_of.filter(|at| at.as_of == as_of && at.sizes.len() == members);
            (valid, Some(previous.history), at)
        }
        _ => (Vec::new(), None, None),
    };
    // The state after the first `count` Mondays, from the latest snapshot at or before it.
    let state_after = |count: usize| -> StageState {
        let best = pool.iter().filter(|(key, _)| evaluated(*key) <= count).max_by_key(|(key, _)| *key);
        let (from, mut state) = best.map_or_else(|| (0, StageState::new(members, config)), |(key, state)| (evaluated(*key), state.clone()));
        for &monday in &instants[from..count] {
            evaluate(inputs, &mut state, data, graphs, monday, config, None);
        }
        state
    };
    let mut keep: Vec<(UnixSeconds, StageState)> = Vec::new();
    // The weekly run starts after the latest snapshot.
    let start = pool.iter().map(|(key, _)| evaluated(*key)).max().unwrap_or(0);
    let mut state = if start > 0 { state_after(start) } else { StageState::new(members, config) };
    // The members before, whose weekly stages up to the start (and, where nothing they
    // read changed, reasons and status at the same `as_of`) are taken over.
    // They are updated in place: 20,000 members' histories are megabytes to move.
    let mut previous_members: Vec<MemberHistory> = previous_history.map(|history| history.members).unwrap_or_default();
    let mut stages: Vec<Vec<Stage>> = if start > 0 && previous_members.len() == members {
        previous_members
            .iter_mut()
            .map(|member| {
                let mut stages = std::mem::take(&mut member.stages);
                stages.truncate(start);
                // Not exactly the weeks added: that would move every member's list on
                // every computation.
                super::make_room(&mut stages, instants.len() - start);
                stages
            })
            .collect()
    } else {
        vec![Vec::with_capacity(instants.len()); members]
    };
    let mut observed: Vec<Observed> = vec![Observed::default(); members];
    let mut pending = ats.iter().copied().peekable();
    let mut found = Vec::with_capacity(ats.len());
    let status_of = |at_state: &StageState, at: UnixSeconds| -> Vec<MemberStatus> {
        (0..members).map(|slot| status_at(inputs, data, slot, at_state.current[slot], at, config, None)).collect()
    };
    // Instants before the run's start: each from its own snapshot.
    while let Some(at) = pending.next_if(|&at| at <= as_of && instants[..mondays].partition_point(|&monday| monday < at) < start) {
        let count = instants[..mondays].partition_point(|&monday| monday < at);
        let before_at = state_after(count);
        let mut at_state = before_at.clone();
        keep.push((key_of(count), before_at));
        evaluate(inputs, &mut at_state, data, graphs, at, config, None);
        found.push(status_of(&at_state, at));
    }
    let keep_main = instants[..mondays].partition_point(|&monday| monday <= last_row_at);
    for (position, &instant) in instants.iter().enumerate().skip(start) {
        if position == keep_main.max(start) {
            keep.push((key_of(position), state.clone()));
        }
        // An extra instant sees every evaluation before it (the Mondays before it), as in
        // `statuses_with`, and is evaluated on a copy of that state.
        while let Some(at) = pending.next_if(|&at| at <= instant) {
            let mut at_state = state.clone();
            keep.push((key_of(position), state.clone()));
            evaluate(inputs, &mut at_state, data, graphs, at, config, None);
            found.push(status_of(&at_state, at));
        }
        let observe = (instant == as_of).then_some(&mut observed);
        evaluate(inputs, &mut state, data, graphs, instant, config, observe);
        for (history, &stage) in stages.iter_mut().zip(&state.current) {
            history.push(stage);
        }
    }
    keep.sort_by_key(|(key, _)| *key);
    keep.dedup_by_key(|(key, _)| *key);
    let sizes: Vec<usize> = inputs.timelines.iter().map(Timeline::size).collect();
    let seen_since = |slot: usize| inputs.timelines[slot].seen_since(data.members[inputs.humans[slot]].joined_at, as_of);
    let status = |slot: usize| status_at(inputs, data, slot, state.current[slot], as_of, config, Some(&observed[slot]));
    let members: Vec<MemberHistory> = if previous_members.len() == members {
        for (slot, member) in previous_members.iter_mut().enumerate() {
            // The same stage on the same timelines at the same `as_of` is the same status.
            let same = previous_at.as_ref().is_some_and(|at| at.sizes[slot] == sizes[slot]) && member.status.stage == state.current[slot];
            if !same {
                member.status = status(slot);
            }
            member.seen_since = seen_since(slot);
            member.stages = std::mem::take(&mut stages[slot]);
            member.seen = observed[slot];
            member.below_since = state.below_since[slot];
        }
        previous_members
    } else {
        (0..members)
            .map(|slot| MemberHistory {
                status: status(slot),
                seen_since: seen_since(slot),
                stages: std::mem::take(&mut stages[slot]),
                seen: observed[slot],
                below_since: state.below_since[slot],
            })
            .collect()
    };
    // Instants after `as_of` (none in practice) on copies of the final state's predecessor
    // would need the weeks after it: evaluate them as `statuses_with` does.
    if pending.peek().is_some() {
        let rest: Vec<UnixSeconds> = pending.collect();
        found.extend(statuses_with(inputs, data, graphs, &rest, config));
    }
    let at_as_of = AtAsOf { as_of, sizes };
    (StageHistory { as_of, instants, members, config: config.clone() }, found, StageRun { snapshots: keep, at_as_of: Some(at_as_of) })
}

/// One check of a rule: `value` compared with `threshold` (`>=`, `<` or `<=`).
fn rule_check(
    stage: Stage,
    (measure, window, label): (RuleMeasure, u32, String),
    value: Option<f64>,
    comparison: &'static str,
    threshold: f64,
) -> RuleCheck {
    let met = value.is_some_and(|value| match comparison {
        ">=" => value >= threshold,
        "<" => value < threshold,
        _ => value <= threshold,
    });
    RuleCheck { stage, label, measure, window, value, comparison, threshold, met }
}

/// The reasons for a stage from the numbers of the evaluation at `as_of`.
fn stage_reasons(
    stage: Stage,
    seen: &Observed,
    below_since: Option<UnixSeconds>,
    as_of: UnixSeconds,
    config: &StageConfig,
) -> StageReasons {
    let days = |at: UnixSeconds| ((as_of - at) as f64 / DAY as f64).floor();
    let check = rule_check;
    let window = config.contributor_window_days;
    let checks = vec![
        check(
            Stage::Newcomer,
            (
                RuleMeasure::DaysSinceFirstMessage,
                config.newcomer_days as u32,
                format!("days since the first message (Newcomer under {})", config.newcomer_days),
            ),
            seen.first_post.map(days),
            "<",
            config.newcomer_days as f64,
        ),
        check(
            Stage::Participant,
            (RuleMeasure::DaysSinceLastMessage, config.participant_days as u32, "days since the last message".to_string()),
            seen.last_post.map(days),
            "<=",
            config.participant_days as f64,
        ),
        check(
            Stage::Contributor,
            (RuleMeasure::ActiveDays, window as u32, format!("active days in the last {window} days")),
            Some(seen.active_days),
            ">=",
            config.contributor_active_days,
        ),
        check(
            Stage::Contributor,
            (RuleMeasure::ResponsesGiven, window as u32, format!("responses given in the last {window} days")),
            Some(seen.given),
            ">=",
            config.contributor_responses,
        ),
        check(
            Stage::Contributor,
            (RuleMeasure::ResponsesReceived, window as u32, format!("responses received in the last {window} days")),
            Some(seen.received),
            ">=",
            config.contributor_responses,
        ),
        check(
            Stage::Core,
            (
                RuleMeasure::ContributorWeeks,
                config.core_weeks_window as u32,
                format!("weeks as Contributor or Core of the last {}", config.core_weeks_window),
            ),
            Some(seen.contributor_weeks as f64),
            ">=",
            config.core_weeks_needed as f64,
        ),
        check(
            Stage::Core,
            (RuleMeasure::AnswererRank, window as u32, format!("rank among the answerers of the last {window} days")),
            seen.answerer_rank.map(|rank| rank as f64),
            "<=",
            config.core_top_answerers as f64,
        ),
    ];
    let mut checks = checks;
    if config.core_top_pagerank_share > 0.0 {
        // The other way into Core's top: the top share by PageRank of the trailing graph
        // (the threshold is that share of the graph's nodes, at least one).
        let nodes = seen.pagerank_rank.map_or(0, |(_, nodes)| nodes);
        let label = format!(
            "rank by PageRank in the last {} days' interaction graph (top {:.0} % of {nodes} members)",
            config.graph.window_days,
            config.core_top_pagerank_share * 100.0
        );
        checks.push(check(
            Stage::Core,
            (RuleMeasure::PagerankRank, config.graph.window_days, label),
            seen.pagerank_rank.map(|(rank, _)| rank as f64),
            "<=",
            (config.core_top_pagerank_share * nodes as f64).ceil().max(1.0),
        ));
    }
    let rule_stage = seen.rule_stage.unwrap_or(Stage::Observer);
    let mut summary = match stage {
        Stage::Observer => "Observer: seen in the group, never posted.".to_string(),
        Stage::Newcomer => format!(
            "Newcomer: first message {} days ago (Newcomer for {} days).",
            seen.first_post.map_or(0.0, days),
            config.newcomer_days
        ),
        Stage::Participant => match seen.last_post {
            Some(last) if days(last) <= config.participant_days as f64 => format!(
                "Participant: last message {} days ago; not active enough for Contributor ({} of {} active days, {} given / {} received responses of {}).",
                days(last),
                seen.active_days,
                config.contributor_active_days,
                seen.given,
                seen.received,
                config.contributor_responses
            ),
            Some(last) => format!(
                "Participant: has posted, last {} days ago (more than {}); once a member has posted they stay at least Participant, their state tells whether they are still around.",
                days(last),
                config.participant_days
            ),
            None => "Participant: has posted.".to_string(),
        },
        Stage::Contributor => format!(
            "Contributor: active on {} of the last {window} days (at least {}) and gave {} / received {} responses (at least {} either way).",
            seen.active_days, config.contributor_active_days, seen.given, seen.received, config.contributor_responses
        ),
        Stage::Core if seen.core_by_pagerank => format!(
            "Core: Contributor or Core in {} of the last {} weeks (at least {}) and #{} of {} members by PageRank in the last {} days' interaction graph (top {:.0} %); not among the top {} answerers ({}).",
            seen.contributor_weeks,
            config.core_weeks_window,
            config.core_weeks_needed,
            seen.pagerank_rank.map_or(0, |(rank, _)| rank),
            seen.pagerank_rank.map_or(0, |(_, nodes)| nodes),
            config.graph.window_days,
            config.core_top_pagerank_share * 100.0,
            config.core_top_answerers,
            seen.answerer_rank.map_or_else(|| "gave no responses".to_string(), |rank| format!("answerer #{rank}"))
        ),
        Stage::Core => format!(
            "Core: Contributor or Core in {} of the last {} weeks (at least {}) and answerer #{} of the last {window} days (top {}).",
            seen.contributor_weeks,
            config.core_weeks_window,
            config.core_weeks_needed,
            seen.answerer_rank.map_or_else(|| "–".to_string(), |rank| rank.to_string()),
            config.core_top_answerers
        ),
    };
    let demotion_due = below_since.filter(|_| rule_stage < stage).map(|since| since + config.grace_days * DAY);
    if let (Some(since), Some(due)) = (below_since, demotion_due) {
        summary.push_str(&format!(
            " The rules alone give {} now: below {:.0} % of the {} thresholds since {}, so the grace period keeps the stage until {} unless activity recovers.",
            rule_stage.as_str(),
            config.demotion_ratio * 100.0,
            stage.as_str(),
            super::date_of_day(day_of(since)),
            super::date_of_day(day_of(due))
        ));
    } else if rule_stage < stage {
        summary.push_str(&format!(
            " The rules alone give {} now, but the member is still above {:.0} % of the {} thresholds, so the stage holds.",
            rule_stage.as_str(),
            config.demotion_ratio * 100.0,
            stage.as_str()
        ));
    }
    StageReasons { stage, rule_stage, summary, checks, below_since: below_since.filter(|_| demotion_due.is_some()), demotion_due }
}

/// Active: activity in the last 7 days. Churned: left, or nothing for 30 days (counted from
/// the last activity, or from when the member was first seen). Silent: nothing for 7 days
/// and a member for at least 14. Members younger than 14 days who have been quiet for a
/// week are not called Silent yet; they count as Active while they settle in.
pub fn member_state(
    last_active_at: Option<UnixSeconds>,
    seen_since: Option<UnixSeconds>,
    left_at: Option<UnixSeconds>,
    as_of: UnixSeconds,
    config: &StageConfig,
) -> MemberState {
    if left_at.is_some_and(|left| left < as_of) {
        return MemberState::Churned;
    }
    let quiet_since = last_active_at.or(seen_since).unwrap_or(as_of);
    let quiet = as_of - quiet_since;
    if last_active_at.is_some_and(|at| quiet < config.active_days * DAY && at < as_of) {
        return MemberState::Active;
    }
    if quiet >= config.churned_days * DAY {
        return MemberState::Churned;
    }
    let tenure = seen_since.map_or(0, |since| as_of - since);
    if tenure >= config.silent_min_tenure_days * DAY {
        MemberState::Silent
    } else {
        MemberState::Active
    }
}

/// Members per (stage, state), every combination listed, in stage then state order.
pub fn stage_counts(statuses: &[MemberStatus]) -> Vec<StageCount> {
    let mut counts = Vec::new();
    for stage in Stage::ALL {
        for state in MemberState::ALL {
            let members = statuses.iter().filter(|status| status.stage == stage && status.state == state).count() as u64;
            counts.push(StageCount { stage, state, members });
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::tests_support::{activity, day_at as at, group, member, post, reply, stage_fixture as fixture};
    use crate::model::ActivityKind;

    fn status(statuses: &[MemberStatus], member_id: i64) -> &MemberStatus {
        statuses.iter().find(|status| status.member_id == member_id).unwrap()
    }

    #[test]
    fn stage_rules_by_hand() {
        let statuses = member_statuses(&fixture(), 40 * DAY, &StageConfig::default());
        let stages: Vec<(i64, Stage, MemberState)> = statuses.iter().map(|status| (status.member_id, status.stage, status.state)).collect();
        assert_eq!(
            stages,
            vec![
                // 4 active days in the 28-day window and 4 responses received.
                (1, Stage::Contributor, MemberState::Active),
                // 4 active days and 4 responses given.
                (2, Stage::Contributor, MemberState::Active),
                // First post 5 days before as_of (< 14).
                (3, Stage::Newcomer, MemberState::Active),
                // Posted, but not in the last 90 days: Participant floor, and 40 days quiet
                // makes the state Churned.
                (4, Stage::Participant, MemberState::Churned),
                // Joined 2 days ago, never posted: Observer; too young to be Silent.
                (5, Stage::Observer, MemberState::Active),
            ]
        );
        let m2 = status(&statuses, 2);
        assert_eq!((m2.active_days_28, m2.responses_given_28, m2.responses_received_28, m2.posts_total), (4, 4, 0, 4));
    }

    #[test]
    fn demotion_waits_for_the_grace_period() {
        // Evaluations are on Mondays (days 4 + 7k: …, 53, 60, 67, 74) and at as_of. The
        // window [t − 28, t) keeps days 30–33 until day 58; at day 60 only days 32–33
        // remain, so m2 falls below the Contributor rule (2 < 0.9 × 4) from day 60.
        // Demotion needs 14 days below: at day 73 it has been 13 days, at day 74 it is 14.
        let data = fixture();
        let at_73 = member_statuses(&data, 73 * DAY, &StageConfig::default());
        assert_eq!(status(&at_73, 2).stage, Stage::Contributor);
        assert_eq!(status(&at_73, 2).active_days_28, 0, "the raw rule no longer holds");
        let at_74 = member_statuses(&data, 74 * DAY, &StageConfig::default());
        assert_eq!(status(&at_74, 2).stage, Stage::Participant);
        // A shorter grace period demotes earlier.
        let short = StageConfig { grace_days: 7, ..StageConfig::default() };
        assert_eq!(status(&member_statuses(&data, 67 * DAY, &short), 2).stage, Stage::Participant);
    }

    #[test]
    fn states_by_hand() {
        let config = StageConfig::default();
        let day = |n: i64| n * DAY;
        // Active within 7 days.
        assert_eq!(member_state(Some(day(95)), Some(day(0)), None, day(100), &config), MemberState::Active);
        // Quiet 10 days, member for 100: Silent.
        assert_eq!(member_state(Some(day(90)), Some(day(0)), None, day(100), &config), MemberState::Silent);
        // Quiet 30 days: Churned.
        assert_eq!(member_state(Some(day(70)), Some(day(0)), None, day(100), &config), MemberState::Churned);
        // Left the group: Churned even if active yesterday.
        assert_eq!(member_state(Some(day(99)), Some(day(0)), Some(day(99) + 60), day(100), &config), MemberState::Churned);
        // Quiet 8 days but a member for only 10: not Silent yet.
        assert_eq!(member_state(Some(day(92)), Some(day(90)), None, day(100), &config), MemberState::Active);
    }

    #[test]
    fn core_needs_eight_contributor_weeks_and_top_answerer() {
        // m2 answers m1's question every day for 12 weeks: Contributor from its first
        // Monday with 4 active days, Core once 8 of the last 12 weekly evaluations
        // (including the current one) were Contributor. m1 is Contributor (responses
        // received) but never answers, so never Core.
        let mut rows = Vec::new();
        for day in 4..88 {
            rows.push(post(day * 2, 1, at(day), "What about this?"));
            rows.push(reply(day * 2 + 1, 2, at(day) + 120, day * 2));
        }
        let data = group(true, vec![member(1), member(2)], rows);
        // The PageRank branch is off here (see the next test): in a two-member graph
        // either member is "the top 5 %".
        let answerers_only = StageConfig { core_top_pagerank_share: 0.0, ..StageConfig::default() };
        // First activity day 4, so evaluations are on days 11, 18, 25, … and at as_of. m2 is
        // Contributor at every one of them (7 active days and 7 answers by day 11). With
        // as_of = day 53 the evaluations are 11, 18, 25, 32, 39, 46 and 53: seven, one short.
        // With as_of = day 54 they are 11 … 53 and 54: eight, so m2 becomes Core (the
        // partial week at as_of counts as the current week).
        let before = member_statuses(&data, 53 * DAY, &answerers_only);
        assert_eq!(status(&before, 2).stage, Stage::Contributor);
        let after = member_statuses(&data, 54 * DAY, &answerers_only);
        assert_eq!(status(&after, 2).stage, Stage::Core);
        assert_eq!(status(&after, 1).stage, Stage::Contributor);
        assert_eq!(stage_counts(&after).iter().map(|count| count.members).sum::<u64>(), 2);
    }

    #[test]
    fn reasons_give_the_rule_and_its_numbers() {
        let data = fixture();
        let config = StageConfig::default();
        let history = stage_history(&Prepared::new(&data, &config.conversations), 40 * DAY, &config);
        let m2 = history.members.iter().find(|member| member.status.member_id == 2).unwrap();
        let reasons = &history.reasons(m2);
        assert_eq!((reasons.stage, reasons.rule_stage), (Stage::Contributor, Stage::Contributor));
        assert!(reasons.summary.starts_with("Contributor: active on 4 of the last 28 days"), "{}", reasons.summary);
        let values: Vec<(Stage, Option<f64>, bool)> = reasons.checks.iter().map(|check| (check.stage, check.value, check.met)).collect();
        assert_eq!(
            values,
            vec![
                // First message day 30 10:05, as_of day 40: 9 whole days ago, < 14.
                (Stage::Newcomer, Some(9.0), true),
                // Last message day 33: 6 days ago.
                (Stage::Participant, Some(6.0), true),
                (Stage::Contributor, Some(4.0), true),
                (Stage::Contributor, Some(4.0), true),
                (Stage::Contributor, Some(0.0), false),
                // Contributor at the evaluations of day 39 and at as_of: 2 of 12 weeks.
                (Stage::Core, Some(2.0), false),
                // The only answerer: rank 1.
                (Stage::Core, Some(1.0), true),
                // The graph of days 10–40 has two nodes, m1 and m2, each sending all its
                // weight to the other: PageRank 0.5 each, the tie goes to the lower node
                // (m1), so m2 is #2, outside the top ceil(5 % × 2) = 1.
                (Stage::Core, Some(2.0), false),
            ]
        );
        assert_eq!(reasons.checks[7].threshold, 1.0);
        // The window says each check in its language from the measure and its window.
        let measures: Vec<(RuleMeasure, u32)> = reasons.checks.iter().map(|check| (check.measure, check.window)).collect();
        assert_eq!(
            measures,
            vec![
                (RuleMeasure::DaysSinceFirstMessage, 14),
                (RuleMeasure::DaysSinceLastMessage, 90),
                (RuleMeasure::ActiveDays, 28),
                (RuleMeasure::ResponsesGiven, 28),
                (RuleMeasure::ResponsesReceived, 28),
                (RuleMeasure::ContributorWeeks, 12),
                (RuleMeasure::AnswererRank, 28),
                (RuleMeasure::PagerankRank, 30),
            ]
        );
        assert!(reasons.checks[7].label.contains("top 5 % of 2 members"), "{}", reasons.checks[7].label);
        assert_eq!((reasons.below_since, reasons.demotion_due), (None, None));
        // The weekly history: absent before day 30, Newcomer at day 32, Contributor after.
        let present: Vec<Stage> =
            history.instants.iter().zip(&m2.stages).filter(|(&instant, _)| m2.present_at(instant)).map(|(_, &stage)| stage).collect();
        assert_eq!(present, vec![Stage::Newcomer, Stage::Contributor, Stage::Contributor]);
    }

    #[test]
    fn reasons_say_when_the_grace_period_holds_a_stage() {
        // As in demotion_waits_for_the_grace_period: below 90 % of the Contributor rule
        // from the evaluation of day 60, so at day 73 the stage is held until day 74.
        let data = fixture();
        let config = StageConfig::default();
        let history = stage_history(&Prepared::new(&data, &config.conversations), 73 * DAY, &config);
        let reasons = &history.reasons(history.members.iter().find(|member| member.status.member_id == 2).unwrap());
        assert_eq!((reasons.stage, reasons.rule_stage), (Stage::Contributor, Stage::Participant));
        assert_eq!((reasons.below_since, reasons.demotion_due), (Some(60 * DAY), Some(74 * DAY)));
        assert!(reasons.summary.contains("grace period keeps the stage until 1970-03-16"), "{}", reasons.summary);
    }

    #[test]
    fn core_by_pagerank_without_answering() {
        // As above, and m3 reacts to each of m1's questions. Edges: m2 → m1 (replies and
        // the shared thread), m1 → m2 (shared thread), m3 → m1 (reactions). m3 gets only
        // the teleport share, m2 gets m1's whole rank, m1 gets m2's and m3's: m1 ranks
        // first, and with 3 nodes the top 5 % is ceil(0.15) = 1 node. With the answerer
        // branch off, m1 (Contributor by responses received) becomes Core by PageRank,
        // m2 stays Contributor, and m3 (no responses) is a Participant.
        let mut rows = Vec::new();
        for day in 4..88 {
            rows.push(post(day * 3, 1, at(day), "What about this?"));
            rows.push(reply(day * 3 + 1, 2, at(day) + 120, day * 3));
            rows.push(activity(day * 3 + 2, 3, at(day) + 200, ActivityKind::Reaction, Some(day * 3), Some("👍")));
        }
        rows.push(post(1, 3, at(4), "hello"));
        let data = group(true, vec![member(1), member(2), member(3)], rows);
        let pagerank_only = StageConfig { core_top_answerers: 0, ..StageConfig::default() };
        let statuses = member_statuses(&data, 54 * DAY, &pagerank_only);
        assert_eq!(status(&statuses, 1).stage, Stage::Core);
        assert_eq!(status(&statuses, 2).stage, Stage::Contributor);
        assert_eq!(status(&statuses, 3).stage, Stage::Participant);
        // The reasons name the branch that made m1 Core: PageRank #1 of the 3 members of
        // the graph (top ceil(5 % × 3) = 1); m1 gave no responses at all.
        let history = stage_history(&Prepared::new(&data, &pagerank_only.conversations), 54 * DAY, &pagerank_only);
        let m1 = &history.reasons(history.members.iter().find(|member| member.status.member_id == 1).unwrap());
        assert!(m1.summary.contains("#1 of 3 members by PageRank in the last 30 days' interaction graph (top 5 %)"), "{}", m1.summary);
        assert!(m1.summary.contains("gave no responses"), "{}", m1.summary);
        let pagerank_check = m1.checks.last().unwrap();
        assert_eq!((pagerank_check.value, pagerank_check.threshold, pagerank_check.met), (Some(1.0), 1.0, true));
    }
}
