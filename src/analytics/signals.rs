//! Per-member signals at an instant, from data strictly before it: silence against the
//! member's own rhythm, weekly activity and its trend, centrality now and a window ago,
//! answers given, how their conversations were answered, tenure. The churn warnings (§6),
//! the risk score and the backtest all read these, so that a rule, the score and the
//! backtest can never disagree about what a member did.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::day_of;
use super::graph::GraphConfig;
use super::stages::{statuses_at, MemberStatus, StageConfig};
use crate::model::{MemberState, Stage, UnixSeconds, DAY};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export, export_to = "bindings/")]
pub struct SignalConfig {
    /// Gaps between active days that make a member's rhythm (the most recent ones).
    pub rhythm_gaps: u32,
    /// Weeks of the member's own baseline of weekly active days.
    pub baseline_weeks: u32,
    /// EWMA smoothing of weekly active days.
    pub ewma_alpha: f64,
    /// Weeks of weekly history the EWMA runs over at most.
    pub history_weeks: u32,
    /// A conversation counts as answered when its response came within this time.
    pub answer_within_seconds: i64,
    /// The trailing period over which a member's own conversations are looked at.
    pub conversations_days: u32,
}

impl Default for SignalConfig {
    fn default() -> Self {
        SignalConfig {
            rhythm_gaps: 30,
            baseline_weeks: 12,
            ewma_alpha: 0.2,
            history_weeks: 52,
            answer_within_seconds: 24 * 3600,
            conversations_days: 90,
        }
    }
}

/// What is extracted once per group and shared by every instant: the lookups, the
/// conversations and the interaction graph's windows.
pub use super::Prepared;

#[derive(Debug, Clone, PartialEq)]
pub struct MemberSignals {
    pub member_id: i64,
    /// The member's node index in the interaction graph.
    pub node: u32,
    pub stage: Stage,
    pub state: MemberState,
    /// Joined, or first seen when no join is known.
    pub seen_since: Option<UnixSeconds>,
    pub left: bool,
    pub first_post: Option<(i64, UnixSeconds)>,
    pub last_active_at: Option<UnixSeconds>,
    /// Distinct active days in the whole history before the instant.
    pub active_days_total: u32,
    pub active_days_28: u32,
    /// Activities (posts and reactions) in the last 90 days.
    pub activities_90: u32,
    pub posts_90: u32,
    pub silence_days: Option<f64>,
    /// Median gap between the member's recent active days, in days.
    pub median_gap_days: Option<f64>,
    pub tenure_days: f64,
    /// Active days per trailing week, oldest first, from the member's first week (at
    /// most `history_weeks`).
    pub weekly_active_days: Vec<u32>,
    pub ewma_weekly: Option<f64>,
    pub baseline_weekly: Option<f64>,
    /// Scaled PageRank (1 = uniform share) and weighted degree, this window and the one before.
    pub pagerank_now: f64,
    pub pagerank_before: f64,
    pub degree_now: f64,
    pub degree_before: f64,
    /// Responses given this graph window and the one before.
    pub answers_now: u32,
    pub answers_before: u32,
    /// When the member's first post started a conversation: its id and the response delay
    /// known at the instant (`None` = no response yet).
    pub first_conversation: Option<(i64, UnixSeconds, Option<i64>)>,
    /// Conversations the member started in the trailing period that are old enough to judge,
    /// and how many of them got no response in time.
    pub started_judged: u32,
    pub started_unanswered: u32,
}

/// Signals of every human member at `as_of`, in the order of `data.members`.
pub fn member_signals(
    prepared: &Prepared<'_>,
    as_of: UnixSeconds,
    config: &SignalConfig,
    stage_config: &StageConfig,
    graph_config: &GraphConfig,
) -> Vec<MemberSignals> {
    let statuses = statuses_at(prepared, &[as_of], stage_config).pop().unwrap_or_default();
    member_signals_with(prepared, as_of, config, graph_config, statuses)
}

/// What the signals read, built once per group over all rows and shared by every instant
/// (each instant only looks at the part before it): per member (a position in
/// `data.members`), the sorted times of activities that count as active, of posts, and the
/// active days; and per conversation, the positions of its author and responder.
pub struct SignalInputs {
    active_times: Vec<Vec<UnixSeconds>>,
    post_times: Vec<Vec<UnixSeconds>>,
    active_days: Vec<Vec<i64>>,
    first_seen: Vec<Option<UnixSeconds>>,
    first_post: Vec<Option<(i64, UnixSeconds)>>,
    /// Per conversation (in the order of `prepared.conversations`): (author, responder).
    conversation_members: Vec<(Option<u32>, Option<u32>)>,
    /// Per member, the conversation its first post started, if it started one.
    first_conversation: Vec<Option<usize>>,
    /// Every response by a known member: (time, responder position), by time.
    responses: Vec<(UnixSeconds, u32)>,
    /// Per member, the sorted times of the responses they gave and of those their
    /// conversations received (the stage rules count them).
    responses_given: Vec<Vec<UnixSeconds>>,
    responses_received: Vec<Vec<UnixSeconds>>,
}

impl SignalInputs {
    pub fn new(prepared: &Prepared<'_>) -> SignalInputs {
        let mut inputs = SignalInputs {
            active_times: Vec::new(),
            post_times: Vec::new(),
            active_days: Vec::new(),
            first_seen: Vec::new(),
            first_post: Vec::new(),
            conversation_members: Vec::with_capacity(super::kept_capacity(prepared.conversations.len())),
            first_conversation: Vec::new(),
            responses: Vec::new(),
            responses_given: Vec::new(),
            responses_received: Vec::new(),
        };
        inputs.add(prepared, 0, 0, &[]);
        inputs
    }

    /// Adds what `prepared`'s rows after the ones these inputs were built on add: the
    /// rows after `prepared.resumed_from.rows`, the conversations they started and the
    /// older ones they answered (`prepared` extends the rows and conversations these
    /// inputs read).
    pub fn extend(&mut self, prepared: &Prepared<'_>) {
        let resumed = &prepared.resumed_from;
        self.add(prepared, resumed.rows, resumed.conversations, &resumed.answered);
    }

    fn add(&mut self, prepared: &Prepared<'_>, rows_from: usize, conversations_from: usize, answered: &[u32]) {
        let data = prepared.data();
        let index = &prepared.index;
        let members = data.members.len();
        self.active_times.resize(members, Vec::new());
        self.post_times.resize(members, Vec::new());
        self.active_days.resize(members, Vec::new());
        self.first_seen.resize(members, None);
        self.first_post.resize(members, None);
        self.first_conversation.resize(members, None);
        self.responses_given.resize(members, Vec::new());
        self.responses_received.resize(members, Vec::new());
        for activity in &data.activities[rows_from..] {
            let Some(position) = index.position(activity.member_id) else { continue };
            self.first_seen[position].get_or_insert(activity.at);
            if !activity.kind.counts_as_active() {
                continue;
            }
            let day = day_of(activity.at);
            if self.active_days[position].last() != Some(&day) {
                self.active_days[position].push(day);
            }
            self.active_times[position].push(activity.at);
            if activity.kind.is_post() {
                self.first_post[position].get_or_insert((activity.id, activity.at));
                self.post_times[position].push(activity.at);
            }
        }
        // Older conversations the new rows answered: their responder is new. Their
        // responses, and the new conversations', come after every response added before.
        let responses_from = self.responses.len();
        // Per member, the responses given and received (time, position): pushed as they
        // come on a first build (each member's list sorted after), else sorted as a batch
        // (they all come after what the lists hold).
        let mut given: Vec<(UnixSeconds, u32)> = Vec::new();
        let mut received: Vec<(UnixSeconds, u32)> = Vec::new();
        super::make_room(&mut self.responses, answered.len() + prepared.conversations.len().saturating_sub(conversations_from));
        for &at in answered {
            let conversation = &prepared.conversations[at as usize];
            let responder = conversation.response.and_then(|response| index.position(response.responder_id));
            self.conversation_members[at as usize].1 = responder.map(|position| position as u32);
            if let (Some(response), Some(position)) = (conversation.response, responder) {
                self.responses.push((response.at, position as u32));
                given.push((response.at, position as u32));
                if let Some(author) = self.conversation_members[at as usize].0 {
                    received.push((response.at, author));
                }
            }
        }
        super::make_room(&mut self.conversation_members, prepared.conversations.len().saturating_sub(conversations_from));
        for (at, conversation) in prepared.conversations.iter().enumerate().skip(conversations_from) {
            let author = index.position(conversation.author_id);
            let responder = conversation.response.and_then(|response| index.position(response.responder_id));
            if let (Some(response), Some(position)) = (conversation.response, responder) {
                self.responses.push((response.at, position as u32));
                given.push((response.at, position as u32));
            }
            if let (Some(response), Some(position)) = (conversation.response, author) {
                received.push((response.at, position as u32));
            }
            self.conversation_members.push((author.map(|position| position as u32), responder.map(|position| position as u32)));
            if let Some(position) = author {
                if self.first_post[position].is_some_and(|(id, _)| id == conversation.root_id) {
                    self.first_conversation[position] = Some(at);
                }
            }
        }
        self.responses[responses_from..].sort_unstable_by_key(|&(at, _)| at);
        let first_build = rows_from == 0;
        if !first_build {
            given.sort_unstable();
            received.sort_unstable();
        }
        for (lists, batch) in [(&mut self.responses_given, given), (&mut self.responses_received, received)] {
            for (at, position) in batch {
                lists[position as usize].push(at);
            }
            if first_build {
                lists.iter_mut().for_each(|times| times.sort_unstable());
            }
        }
    }

    /// A member's activity timelines, as the stage rules read them.
    pub(crate) fn timeline(&self, position: usize) -> super::stages::Timeline<'_> {
        super::stages::Timeline {
            active_days: &self.active_days[position],
            active_times: &self.active_times[position],
            posts: &self.post_times[position],
            responses_given: &self.responses_given[position],
            responses_received: &self.responses_received[position],
            first_seen: self.first_seen[position],
        }
    }

    /// The sorted times of a member's activities that count as active (every row).
    pub fn active_times(&self, position: usize) -> &[UnixSeconds] {
        &self.active_times[position]
    }
}

/// [`member_signals`] with the members' statuses at `as_of` already evaluated (one weekly
/// stage run serves many instants: see [`statuses_at`]).
pub fn member_signals_with(
    prepared: &Prepared<'_>,
    as_of: UnixSeconds,
    config: &SignalConfig,
    graph_config: &GraphConfig,
    statuses: Vec<MemberStatus>,
) -> Vec<MemberSignals> {
    let mut signals = signals_where(prepared, as_of, config, graph_config, |_| true, |_, _, _| true, |member| member, true);
    with_statuses(&mut signals, statuses.iter());
    signals
}

/// What signals at an instant keep for a later computation at the same instant on rows
/// that extend the rows they read: per member (a position in `data.members`), how long
/// their timelines were and when they were first seen.
#[derive(Default)]
pub struct SignalsKept {
    as_of: UnixSeconds,
    sizes: Vec<usize>,
    first_seen: Vec<Option<UnixSeconds>>,
}

impl SignalInputs {
    /// The total length of a member's timelines (they only grow: an equal length means the
    /// same timelines).
    fn size(&self, position: usize) -> usize {
        self.active_times[position].len()
            + self.post_times[position].len()
            + self.active_days[position].len()
            + self.responses_given[position].len()
            + self.responses_received[position].len()
    }
}

/// The signals at `as_of` of every human member (in the order of `data.members`) without
/// their stage and state (Observer and Active whatever they were: [`with_statuses`] sets
/// them), so that they can be found while the stages are evaluated. Taken from `previous`
/// (the signals at the same `as_of` on fewer rows, with what they kept) for every member
/// whose timelines did not grow and who was not seen for the first time: what such a
/// member's signals read of the rows is the same, and only the graph windows' ranks are
/// read again. A response to a member's old conversation grows their timelines (responses
/// received), as a response given does the responder's. Also returns what to keep for
/// the next time.
pub fn member_signals_kept(
    prepared: &Prepared<'_>,
    as_of: UnixSeconds,
    config: &SignalConfig,
    graph_config: &GraphConfig,
    previous: Option<(Vec<MemberSignals>, SignalsKept)>,
) -> (Vec<MemberSignals>, SignalsKept) {
    let data = prepared.data();
    let inputs = prepared.signal_inputs();
    let members = data.members.len();
    let kept =
        SignalsKept { as_of, sizes: (0..members).map(|position| inputs.size(position)).collect(), first_seen: inputs.first_seen.clone() };
    let humans = data.members.iter().filter(|member| !member.is_bot).count();
    let previous = previous.filter(|(signals, before)| before.as_of == as_of && before.sizes.len() == members && signals.len() == humans);
    let Some((mut signals, before)) = previous else {
        return (signals_where(prepared, as_of, config, graph_config, |_| true, |_, _, _| true, |member| member, true), kept);
    };
    let changed: Vec<bool> = (0..members)
        .map(|position| before.sizes[position] != kept.sizes[position] || before.first_seen[position] != kept.first_seen[position])
        .collect();
    let fresh = signals_where(prepared, as_of, config, graph_config, |position| changed[position], |_, _, _| true, |member| member, false);
    let window = i64::from(graph_config.window_days) * DAY;
    let now_graph = prepared.window_ranks(as_of - window, as_of, graph_config);
    let before_graph = prepared.window_ranks(as_of - 2 * window, as_of - window, graph_config);
    let mut fresh = fresh.into_iter().peekable();
    // The signals are in the order of the members, so their nodes ascend.
    let (mut now_lookup, mut before_lookup) = (now_graph.ascending_lookup(), before_graph.ascending_lookup());
    for member in &mut signals {
        if let Some(new) = fresh.next_if(|new| new.node == member.node) {
            *member = new;
            continue;
        }
        (member.pagerank_now, member.degree_now) = now_lookup(member.node);
        (member.pagerank_before, member.degree_before) = before_lookup(member.node);
    }
    (signals, kept)
}

/// Sets the stage and state of `signals` (every human member's, see
/// [`member_signals_kept`]) from `statuses` (theirs, in the same order).
pub fn with_statuses<'a>(signals: &mut [MemberSignals], statuses: impl ExactSizeIterator<Item = &'a MemberStatus>) {
    debug_assert_eq!(signals.len(), statuses.len(), "one status per member");
    for (member, status) in signals.iter_mut().zip(statuses) {
        debug_assert_eq!(member.member_id, status.member_id);
        member.stage = status.stage;
        member.state = status.state;
    }
}

/// What `each` makes of the signals at `as_of` of the human members who were active within
/// `active_window` seconds before it and had not left (a backtest cut-off's population, in
/// the order of `data.members`), without their stage and state: [`MemberSignals::stage`]
/// and [`MemberSignals::state`] are Observer and Active whatever they were, so `each` must
/// not read them (the risk features do not).
pub fn population_signals<T: Send>(
    prepared: &Prepared<'_>,
    as_of: UnixSeconds,
    config: &SignalConfig,
    graph_config: &GraphConfig,
    active_window: i64,
    each: impl Fn(&MemberSignals) -> T + Sync,
) -> Vec<T> {
    let in_population =
        |_, last_active: Option<UnixSeconds>, left: bool| !left && last_active.is_some_and(|last| as_of - last <= active_window);
    signals_where(prepared, as_of, config, graph_config, |_| true, in_population, |member| each(&member), false)
}

/// What `each` makes of the signals at `as_of` of the human members (in the order of
/// `data.members`) for which `candidate(position)` and then `wanted(position, last active
/// time, left)` hold, found without their stage and state (Observer and Active whatever
/// they were: [`with_statuses`] sets them). `candidate` is asked first: finding the last
/// active time is a search in the member's timeline, which costs more for 20,000 members
/// than the pass over the few whose rows changed. With `split`, a large group's members are
/// taken in two halves on two cores (for a caller that does not run on every core already).
#[allow(clippy::too_many_arguments)]
fn signals_where<T: Send>(
    prepared: &Prepared<'_>,
    as_of: UnixSeconds,
    config: &SignalConfig,
    graph_config: &GraphConfig,
    candidate: impl Fn(usize) -> bool + Sync,
    wanted: impl Fn(usize, Option<UnixSeconds>, bool) -> bool + Sync,
    each: impl Fn(MemberSignals) -> T + Sync,
    split: bool,
) -> Vec<T> {
    let data = prepared.data();
    let inputs = prepared.signal_inputs();
    let member_count = data.members.len();
    let before = super::count_before;
    // Per member, what happened before `as_of` (read only for the members wanted).
    let last_active = |position: usize| {
        let times = &inputs.active_times[position];
        before(times, as_of).checked_sub(1).map(|last| times[last])
    };
    let first_post = |position: usize| inputs.first_post[position].filter(|&(_, at)| at < as_of);
    let first_seen = |position: usize| inputs.first_seen[position].filter(|&at| at < as_of);
    let active_days = |position: usize, last: Option<UnixSeconds>| {
        let days = &inputs.active_days[position];
        last.map_or(&days[..0], |last| &days[..before(days, day_of(last) + 1)])
    };

    let window = i64::from(graph_config.window_days) * DAY;
    // Only the nodes' PageRank and degrees are read: the windows' edges need not be kept.
    let now_graph = prepared.window_ranks(as_of - window, as_of, graph_config);
    let before_graph = prepared.window_ranks(as_of - 2 * window, as_of - window, graph_config);
    let mut answers_now = vec![0u32; member_count];
    let mut answers_before = vec![0u32; member_count];
    let mut started_judged = vec![0u32; member_count];
    let mut started_unanswered = vec![0u32; member_count];
    let conversations_from = as_of - i64::from(config.conversations_days) * DAY;
    let delay_of = |conversation: &super::conversations::Conversation| {
        conversation.response.filter(|response| response.at < as_of).map(|response| response.at - conversation.started_at)
    };
    // Responses given in this window and the one before (every response in them, by time).
    let responses = &inputs.responses;
    let from = responses.partition_point(|&(at, _)| at < as_of - 2 * window);
    let to = responses.partition_point(|&(at, _)| at < as_of);
    for &(at, position) in &responses[from..to] {
        if at >= as_of - window {
            answers_now[position as usize] += 1;
        } else {
            answers_before[position as usize] += 1;
        }
    }
    // Conversations started in the trailing period, old enough to judge (they started in
    // order, so they are one run of them).
    let judged_to = as_of.saturating_sub(config.answer_within_seconds).min(as_of - 1);
    let first = prepared.conversations.partition_point(|conversation| conversation.started_at < conversations_from);
    let last = prepared.conversations.partition_point(|conversation| conversation.started_at <= judged_to).max(first);
    for (conversation, &(author, _)) in prepared.conversations[first..last].iter().zip(&inputs.conversation_members[first..last]) {
        if let Some(position) = author {
            started_judged[position as usize] += 1;
            if delay_of(conversation).is_none_or(|delay| delay > config.answer_within_seconds) {
                started_unanswered[position as usize] += 1;
            }
        }
    }
    let first_conversation = |position: usize| {
        let (id, at) = first_post(position)?;
        let conversation = &prepared.conversations[inputs.first_conversation[position]?];
        Some((id, at, delay_of(conversation)))
    };
    let count_90 = |times: &[i64]| (before(times, as_of) - before(times, as_of - 90 * DAY)) as u32;

    let last_day = day_of(as_of - 1);
    // `gaps` is room for the member's gaps between active days, reused from one member to
    // the next.
    let signal_of = |position: usize, gaps: &mut Vec<i64>| -> Option<MemberSignals> {
        if !candidate(position) {
            return None;
        }
        let member = &data.members[position];
        let left = member.left_at.is_some_and(|left| left < as_of);
        let last_active_at = last_active(position);
        if !wanted(position, last_active_at, left) {
            return None;
        }
        let days = active_days(position, last_active_at);
        let seen_since = match (member.joined_at.filter(|&joined| joined < as_of), first_seen(position)) {
            (Some(joined), Some(seen)) => Some(joined.min(seen)),
            (joined, seen) => joined.or(seen),
        };
        gaps.clear();
        gaps.extend(days.windows(2).rev().take(config.rhythm_gaps as usize).map(|pair| pair[1] - pair[0]));
        let median_gap_days = median(gaps);
        let weekly = weekly_active_days(days, last_day, config.history_weeks);
        let (ewma_weekly, baseline_weekly) = ewma_and_baseline(&weekly, config);
        let node = position as u32;
        Some(MemberSignals {
            member_id: member.id,
            node,
            stage: Stage::Observer,
            state: MemberState::Active,
            seen_since,
            left,
            first_post: first_post(position),
            last_active_at,
            active_days_total: days.len() as u32,
            active_days_28: days.iter().rev().take_while(|&&day| day > last_day - 28).count() as u32,
            activities_90: count_90(&inputs.active_times[position]),
            posts_90: count_90(&inputs.post_times[position]),
            silence_days: last_active_at.map(|at| (as_of - at) as f64 / DAY as f64),
            median_gap_days,
            tenure_days: seen_since.map_or(0.0, |since| (as_of - since) as f64 / DAY as f64),
            weekly_active_days: weekly,
            ewma_weekly,
            baseline_weekly,
            pagerank_now: now_graph.pagerank_scaled(node),
            pagerank_before: before_graph.pagerank_scaled(node),
            degree_now: now_graph.weighted_degree(node),
            degree_before: before_graph.weighted_degree(node),
            answers_now: answers_now[position],
            answers_before: answers_before[position],
            first_conversation: first_conversation(position),
            started_judged: started_judged[position],
            started_unanswered: started_unanswered[position],
        })
    };
    let humans: Vec<usize> = (0..member_count).filter(|&position| !data.members[position].is_bot).collect();
    // Many members each read their own timelines: halves on two cores, put back in order.
    if split && humans.len() >= SPLIT_FROM && std::thread::available_parallelism().map_or(1, usize::from) > 1 {
        let (first, second) = humans.split_at(humans.len() / 2);
        let half = |part: &[usize]| -> Vec<T> {
            let mut gaps = Vec::new();
            let mut found = Vec::with_capacity(part.len());
            found.extend(part.iter().filter_map(|&position| signal_of(position, &mut gaps)).map(&each));
            found
        };
        let (mut first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| half(second));
            (half(first), second.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        });
        // The first half grows in place to take the second (no third copy of them all).
        first.extend(second);
        first
    } else {
        let mut gaps = Vec::new();
        humans.iter().filter_map(|&position| signal_of(position, &mut gaps)).map(each).collect()
    }
}

/// From this many members on, [`signals_where`] finds every member's signals on two cores.
const SPLIT_FROM: usize = 2_000;

/// The median of whole numbers of days (the mean of the middle two for an even count),
/// found by selection rather than by sorting them.
fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let (middle, odd) = (values.len() / 2, values.len() % 2 == 1);
    let (lower, &mut upper, _) = values.select_nth_unstable(middle);
    Some(if odd {
        upper as f64
    } else {
        let below = lower.iter().copied().max().expect("an even count has a lower half");
        (below as f64 + upper as f64) / 2.0
    })
}

/// Active days per trailing 7-day bucket ending with `last_day`, oldest first, from the
/// bucket of the member's first active day, at most `max_weeks` buckets.
pub fn weekly_active_days(days: &[i64], last_day: i64, max_weeks: u32) -> Vec<u32> {
    let Some(&first) = days.first() else { return Vec::new() };
    let weeks = (((last_day - first).div_euclid(7)) + 1).clamp(1, i64::from(max_weeks)) as usize;
    let mut buckets = vec![0u32; weeks];
    // Only the days of the last `weeks` buckets count: the days are sorted, so the ones
    // before are skipped with a search back from the end (a long-standing member has
    // hundreds).
    let oldest = last_day - 7 * weeks as i64 + 1;
    let from = super::count_before(days, oldest);
    for &day in &days[from..] {
        let back = (last_day - day).div_euclid(7);
        if (0..weeks as i64).contains(&back) {
            buckets[weeks - 1 - back as usize] += 1;
        }
    }
    buckets
}

/// EWMA of the weekly series (started at its first value, oldest to newest) and the mean of
/// its last `baseline_weeks` values.
pub fn ewma_and_baseline(weekly: &[u32], config: &SignalConfig) -> (Option<f64>, Option<f64>) {
    let Some((&first, rest)) = weekly.split_first() else { return (None, None) };
    let ewma = rest.iter().fold(f64::from(first), |ewma, &value| config.ewma_alpha * f64::from(value) + (1.0 - config.ewma_alpha) * ewma);
    let recent = &weekly[weekly.len().saturating_sub(config.baseline_weeks as usize)..];
    let baseline = recent.iter().map(|&value| f64::from(value)).sum::<f64>() / recent.len() as f64;
    (Some(ewma), Some(baseline))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::tests_support::{group, member, random_conversation_rows};
    use crate::model::MemberRow;

    #[test]
    fn a_large_groups_signals_found_on_two_cores_are_the_ones_found_on_one() {
        // 3,000 members (above SPLIT_FROM), every tenth a bot, over 120 days: some post
        // daily, some once, a third of the posts reply to the row before.
        let rows: Vec<(i64, i64, i64, Option<usize>, bool)> = (0..30_000usize)
            .map(|index| {
                let member = (index * index % 2_999 + 1) as i64;
                (
                    member,
                    (index / 250) as i64,
                    (index % 250) as i64 * 300,
                    (index % 3 == 0).then(|| index.saturating_sub(1)),
                    index % 7 == 0,
                )
            })
            .collect();
        let mut members: Vec<MemberRow> = (1..=3_000).map(member).collect();
        for (index, member) in members.iter_mut().enumerate() {
            member.is_bot = index % 10 == 9;
            member.left_at = (index % 13 == 0).then_some(100 * DAY);
        }
        let data = group(true, members, random_conversation_rows(&rows));
        let prepared = Prepared::new(&data, &crate::analytics::conversations::ConversationConfig::default());
        let humans = data.members.iter().filter(|member| !member.is_bot).count();
        assert!(humans >= SPLIT_FROM);
        let (config, graph_config) = (SignalConfig::default(), GraphConfig::default());
        for as_of in [60 * DAY, 121 * DAY] {
            let mut one_core = signals_where(&prepared, as_of, &config, &graph_config, |_| true, |_, _, _| true, |member| member, false);
            let statuses: Vec<MemberStatus> = data
                .members
                .iter()
                .filter(|member| !member.is_bot)
                .enumerate()
                .map(|(index, member)| MemberStatus {
                    member_id: member.id,
                    stage: Stage::ALL[index % Stage::ALL.len()],
                    state: MemberState::ALL[index % MemberState::ALL.len()],
                    first_post_at: None,
                    last_active_at: None,
                    posts_total: 0,
                    active_days_28: 0,
                    responses_given_28: 0,
                    responses_received_28: 0,
                })
                .collect();
            with_statuses(&mut one_core, statuses.iter());
            let two_cores = member_signals_with(&prepared, as_of, &config, &graph_config, statuses);
            assert_eq!(two_cores.len(), humans);
            assert!(two_cores.iter().any(|member| member.last_active_at.is_some() && member.pagerank_now > 0.0));
            assert_eq!(two_cores, one_core, "as of day {}", as_of / DAY);
        }
    }

    #[test]
    fn median_gap_by_hand() {
        // Odd: the middle one of 1, 2, 3. Even: between 2 and 3 of 1, 2, 3, 7. Ties count.
        assert_eq!(median(&mut [3, 1, 2]), Some(2.0));
        assert_eq!(median(&mut [7, 1, 3, 2]), Some(2.5));
        assert_eq!(median(&mut [4, 4, 1, 9]), Some(4.0));
        assert_eq!(median(&mut [5]), Some(5.0));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn weekly_buckets_and_ewma_by_hand() {
        // Last day 20. Buckets back from it: [14, 20], [7, 13], [0, 6]. Active days 0, 1, 2
        // (3 in the oldest week), 8 (1), none in the last: [3, 1, 0].
        let weekly = weekly_active_days(&[0, 1, 2, 8], 20, 52);
        assert_eq!(weekly, vec![3, 1, 0]);
        // EWMA: 3 -> 0.2 × 1 + 0.8 × 3 = 2.6 -> 0.8 × 2.6 = 2.08. Baseline: 4 / 3.
        let (ewma, baseline) = ewma_and_baseline(&weekly, &SignalConfig::default());
        assert!((ewma.unwrap() - 2.08).abs() < 1e-12);
        assert!((baseline.unwrap() - 4.0 / 3.0).abs() < 1e-12);
        // The baseline covers only the last 12 weeks; the series at most max_weeks.
        assert_eq!(weekly_active_days(&[0], 200, 10).len(), 10);
        assert!(weekly_active_days(&[], 20, 52).is_empty());
    }
}
