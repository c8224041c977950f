//! Member lifecycle stages and states (analytics §2), evaluated weekly with hysteresis:
//! promotion as soon as a rule is met, demotion only after a member stayed below 90 % of
//! the rule's thresholds for a whole grace period.

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use super::conversations::{conversations, ConversationConfig};
use super::graph::{GraphConfig, PagerankRanks};
use super::{day_of, Index};
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

/// Per member, sorted event times the rules count over.
#[derive(Default)]
struct Timeline {
    active_days: Vec<i64>,
    active_times: Vec<UnixSeconds>,
    posts: Vec<UnixSeconds>,
    responses_given: Vec<UnixSeconds>,
    responses_received: Vec<UnixSeconds>,
    seen_since: Option<UnixSeconds>,
}

fn count_between(times: &[i64], from: i64, to: i64) -> u64 {
    (times.partition_point(|&time| time < to) - times.partition_point(|&time| time < from)) as u64
}

/// Evaluation instants: every Monday 00:00 UTC after the group's first activity, then `as_of`.
pub fn evaluation_instants(first_at: UnixSeconds, as_of: UnixSeconds) -> Vec<UnixSeconds> {
    // 1970-01-01 was a Thursday, so Mondays are 4 days after multiples of a week.
    let monday_offset = 4 * DAY;
    let mut instant = (first_at - monday_offset).div_euclid(WEEK) * WEEK + monday_offset + WEEK;
    let mut instants = Vec::new();
    while instant < as_of {
        instants.push(instant);
        instant += WEEK;
    }
    instants.push(as_of);
    instants
}

/// Stages and states of every human member at `as_of`, in the order of `data.members`.
pub fn member_statuses(data: &GroupData, as_of: UnixSeconds, config: &StageConfig) -> Vec<MemberStatus> {
    let index = Index::new(data);
    let mut timelines: BTreeMap<i64, Timeline> = BTreeMap::new();
    for member in data.members.iter().filter(|member| !member.is_bot) {
        timelines.insert(member.id, Timeline { seen_since: member.joined_at, ..Timeline::default() });
    }
    for activity in data.activities.iter().filter(|activity| activity.at < as_of) {
        let Some(timeline) = timelines.get_mut(&activity.member_id) else { continue };
        timeline.seen_since = Some(timeline.seen_since.map_or(activity.at, |seen| seen.min(activity.at)));
        if activity.kind.counts_as_active() {
            let day = day_of(activity.at);
            if timeline.active_days.last() != Some(&day) {
                timeline.active_days.push(day);
            }
            timeline.active_times.push(activity.at);
        }
        if activity.kind.is_post() {
            timeline.posts.push(activity.at);
        }
    }
    for conversation in conversations(&index, data.group.platform.has_threads(), &config.conversations) {
        let Some(response) = conversation.response.filter(|response| response.at < as_of) else { continue };
        if let Some(timeline) = timelines.get_mut(&response.responder_id) {
            timeline.responses_given.push(response.at);
        }
        if let Some(timeline) = timelines.get_mut(&conversation.author_id) {
            timeline.responses_received.push(response.at);
        }
    }
    for timeline in timelines.values_mut() {
        timeline.responses_given.sort_unstable();
        timeline.responses_received.sort_unstable();
    }

    let first_at = data.activities.first().map_or(as_of, |activity| activity.at);
    let instants = evaluation_instants(first_at, as_of);
    let pagerank_ranks = PagerankRanks::new(data, &instants, &config.graph);
    let window = config.contributor_window_days * DAY;

    // Hysteresis state per member: current stage, since when below, weekly history.
    let mut current: BTreeMap<i64, Stage> = timelines.keys().map(|&id| (id, Stage::Observer)).collect();
    let mut below_since: BTreeMap<i64, UnixSeconds> = BTreeMap::new();
    let mut contributor_history: BTreeMap<i64, Vec<bool>> = BTreeMap::new();

    for (instant_index, &instant) in instants.iter().enumerate() {
        let from = instant - window;
        // The top answerers of the window, by responses given (ties: lower member id).
        let mut answerers: Vec<(u64, i64)> = timelines
            .iter()
            .map(|(&id, timeline)| (count_between(&timeline.responses_given, from, instant), id))
            .filter(|(given, _)| *given > 0)
            .collect();
        answerers.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let rank_of: BTreeMap<i64, usize> = answerers.iter().enumerate().map(|(rank, &(_, id))| (id, rank + 1)).collect();

        for (&id, timeline) in &timelines {
            let active_days = count_between(&timeline.active_days, day_of(from), day_of(instant)) as f64;
            let given = count_between(&timeline.responses_given, from, instant) as f64;
            let received = count_between(&timeline.responses_received, from, instant) as f64;
            let contributor_at = |ratio: f64| {
                active_days >= config.contributor_active_days * ratio
                    && (given >= config.contributor_responses * ratio || received >= config.contributor_responses * ratio)
            };
            let history = contributor_history.entry(id).or_default();
            let recent_weeks = |extra: bool| {
                let earlier = history.iter().rev().take(config.core_weeks_window - 1).filter(|&&was| was).count();
                earlier + usize::from(extra)
            };
            let core_at = |ratio: f64| {
                let top = rank_of.get(&id).is_some_and(|&rank| (rank as f64) <= config.core_top_answerers as f64 / ratio)
                    || pagerank_ranks.in_top(instant_index, id, config.core_top_pagerank_share, ratio);
                contributor_at(ratio) && top && recent_weeks(true) as f64 >= config.core_weeks_needed as f64 * ratio
            };
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
            let stage = current.get_mut(&id).expect("every timeline has a stage");
            if raw >= *stage {
                *stage = raw;
                below_since.remove(&id);
            } else {
                let holds_relaxed = match *stage {
                    Stage::Core => core_at(config.demotion_ratio),
                    Stage::Contributor => contributor_at(config.demotion_ratio),
                    _ => true,
                };
                if holds_relaxed {
                    below_since.remove(&id);
                } else {
                    let since = *below_since.entry(id).or_insert(instant);
                    if instant - since >= config.grace_days * DAY {
                        *stage = raw;
                        below_since.remove(&id);
                    }
                }
            }
            history.push(*stage >= Stage::Contributor);
        }
    }

    data.members
        .iter()
        .filter(|member| !member.is_bot)
        .map(|member| {
            let timeline = &timelines[&member.id];
            let last_active_at = timeline.active_times.iter().copied().max();
            let state = member_state(last_active_at, timeline.seen_since, member.left_at, as_of, config);
            let from = as_of - window;
            MemberStatus {
                member_id: member.id,
                stage: current[&member.id],
                state,
                first_post_at: timeline.posts.first().copied(),
                last_active_at,
                posts_total: timeline.posts.len() as u64,
                active_days_28: count_between(&timeline.active_days, day_of(from), day_of(as_of)),
                responses_given_28: count_between(&timeline.responses_given, from, as_of),
                responses_received_28: count_between(&timeline.responses_received, from, as_of),
            }
        })
        .collect()
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
    use crate::analytics::tests_support::{activity, group, member, post, reply};
    use crate::model::ActivityKind;

    fn at(day: i64) -> i64 {
        day * DAY + 10 * 3600
    }

    /// m1 asks on days 30–33 and m2 answers each within five minutes: both have 4 active
    /// days and 4 responses (received / given). m3 first posts on day 35; m4 posted only on
    /// day 0; m5 joined on day 38 and never posted.
    fn fixture() -> GroupData {
        let mut rows = vec![post(1, 4, at(0), "first!")];
        for (offset, day) in (30..=33).enumerate() {
            let question = 10 + 2 * offset as i64;
            rows.push(post(question, 1, at(day), "How does this work?"));
            rows.push(reply(question + 1, 2, at(day) + 300, question));
        }
        rows.push(post(40, 3, at(35), "hi, new here"));
        rows.push(activity(41, 5, at(38), ActivityKind::Join, None, None));
        let mut members: Vec<_> = (1..=5).map(member).collect();
        members[4].joined_at = Some(at(38));
        group(true, members, rows)
    }

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
    }
}
