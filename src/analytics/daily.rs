//! Daily aggregates of one group, computed once, and the health metrics (analytics §1)
//! read from them for any day. The single score, the daily trend over the whole history
//! and the calibration of thresholds all go through [`DailyBasis::values_at`], so the trend's
//! last point is exactly the score `hearth health` shows for that day.
//!
//! Periods are whole UTC days: the period of an `as_of` is the `period_days` days that end
//! with the day containing `as_of - 1` (for the usual midnight `as_of`, the 7 days before
//! it). Rows at or after the basis's cutoff are ignored, so nothing later than `as_of` leaks
//! into a day's numbers.

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use super::conversations::Conversation;
use super::health::{HealthConfig, MetricId, MetricTarget};
use super::noise::{noise_flag_times, NoiseFlag};
use super::{day_of, percentile_nearest_rank, Index};
use crate::model::{ActivityKind, UnixSeconds, DAY};

/// The metrics shown beside the score (§1, not weighted). `None` where there is no data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct AdditionalMetrics {
    /// Mean daily active members over the period's days.
    pub dau: f64,
    /// Distinct active members in the period.
    pub wau: u64,
    /// Distinct active members in the 30 days ending with the period.
    pub mau: u64,
    /// Members first seen (joined or first activity) in the period.
    pub new_members: u64,
    /// Members who became churned in the period: their last activity was 30 days before a
    /// day of the period (and nothing since), or they left the group in it.
    pub churned_members: u64,
    /// Median response time of the conversations started in the period (CHAOSS "time to
    /// first response"), seconds.
    pub first_response_p50: Option<f64>,
    /// Questions asked in the period that had no response by `as_of`.
    pub unanswered_questions: u64,
    /// Days of the period whose posts exceed mean + 3σ of the daily posts of the 90 days
    /// ending with the period (CHAOSS "burstiness").
    pub bursts: u64,
}

/// One day's metric values: the nine weighted ones and the additional ones.
#[derive(Debug, Clone, PartialEq)]
pub struct DayValues {
    pub metrics: BTreeMap<MetricId, Option<f64>>,
    pub additional: AdditionalMetrics,
}

/// How many days back churn is counted from, and the burst baseline (analytics §1, §2).
const CHURN_DAYS: i64 = 30;
const MAU_DAYS: i64 = 30;
const BURST_BASELINE_DAYS: i64 = 90;

/// A conversation reduced to what the metrics need.
#[derive(Debug, Clone, Copy)]
struct Started {
    at: UnixSeconds,
    response_at: Option<UnixSeconds>,
    is_question: bool,
}

/// Everything the health metrics need, aggregated per UTC day once. Resumable: rows come
/// in time order, so a basis built on some rows can be extended with rows added after them
/// and a later cutoff ([`DailyBasis::extend`]), giving what a build on all of them gives;
/// only the last day and the new days change (and the days from an older conversation's
/// new answer on).
pub struct DailyBasis {
    cutoff: UnixSeconds,
    period_days: i64,
    answer_window: i64,
    /// Day number of slot 0; slots run to `first_day + posts.len()`.
    first_day: i64,
    posts: Vec<u64>,
    /// Per day: positions (in `data.members`) of the human members active that day, ascending.
    active: Vec<Vec<u32>>,
    /// Per day: (position, posts) of the members who posted, ascending by position.
    member_posts: Vec<Vec<(u32, u32)>>,
    /// Per window length (days): per day, the distinct active members of the window's days
    /// ending with it (30 for the MAU, 7 and 14 for the retention, the period for the WAU,
    /// 30 + the period for the churned members). Exact counts, so every day's distinct
    /// counts of §1 are differences of two of them instead of a pass over 30–60 days.
    distinct: Vec<(i64, Vec<u32>)>,
    /// Per day: members first seen that day (join or first activity).
    first_seen: Vec<u32>,
    /// Members by the day of their first activity (join/leave do not count).
    newcomers_by_day: Vec<Vec<u32>>,
    /// Per member position: the first active day at least 7 days after the first one.
    week_two_day: Vec<Option<i64>>,
    /// Conversations in the order they started.
    started: Vec<Started>,
    /// Running counts over `started` (one more than it): questions before each, and those
    /// of them answered within the answer window.
    questions: Vec<(u32, u32)>,
    /// Responses (time, responder position), by time.
    responses: Vec<(UnixSeconds, u32)>,
    /// Noise posts (post time, flag time), by post time.
    noisy: Vec<(UnixSeconds, UnixSeconds)>,
    /// Leaves (time, position), by time.
    leaves: Vec<(UnixSeconds, u32)>,
    members: usize,
    /// What extending the basis needs: per member position, the first day seen (join or
    /// activity) and the first active day; how many rows and conversations were read, and
    /// whether every row of the data was before the cutoff (else rows were left unread,
    /// and a later cutoff needs a new build).
    first_seen_day: Vec<Option<i64>>,
    first_active_day: Vec<Option<i64>>,
    rows: usize,
    conversations: usize,
    complete: bool,
    /// Whether `first_day` is the day of a human activity (not the cutoff's day for lack of
    /// any): later rows cannot come before it.
    anchored: bool,
}

impl DailyBasis {
    /// Aggregates every human activity before `cutoff`. `conversations` are the group's
    /// conversations built with `config.conversations` (shared with the stages).
    pub fn new(index: &Index<'_>, conversations: &[Conversation], cutoff: UnixSeconds, config: &HealthConfig) -> DailyBasis {
        let noise = noise_flag_times(index, i64::MIN, cutoff, &config.noise);
        DailyBasis::with_noise(index, conversations, cutoff, config, &noise)
    }

    /// [`DailyBasis::new`] with the noise posts found already: `noise` must be what
    /// [`noise_flag_times`] gives from the first row to `cutoff` with `config.noise`.
    pub fn with_noise(
        index: &Index<'_>,
        conversations: &[Conversation],
        cutoff: UnixSeconds,
        config: &HealthConfig,
        noise: &BTreeMap<i64, NoiseFlag>,
    ) -> DailyBasis {
        let data = index.data;
        let members = data.members.len();
        let human_before_cutoff = |member_id: i64, at: UnixSeconds| at < cutoff && index.is_human(member_id);
        let first_activity_day = data
            .activities
            .iter()
            .take_while(|activity| activity.at < cutoff)
            .find(|activity| human_before_cutoff(activity.member_id, activity.at))
            .map(|activity| day_of(activity.at));
        let first_join_day = data
            .members
            .iter()
            .filter(|member| !member.is_bot)
            .filter_map(|member| member.joined_at)
            .filter(|&at| at < cutoff)
            .map(day_of)
            .min();
        let first_day = first_activity_day.into_iter().chain(first_join_day).min().unwrap_or_else(|| day_of(cutoff - 1));
        let mut basis = DailyBasis {
            cutoff: i64::MIN,
            period_days: config.period_days,
            answer_window: config.answer_window_seconds,
            first_day,
            posts: Vec::new(),
            active: Vec::new(),
            member_posts: Vec::new(),
            distinct: distinct_windows(config.period_days).into_iter().map(|window| (window, Vec::new())).collect(),
            first_seen: Vec::new(),
            newcomers_by_day: Vec::new(),
            week_two_day: vec![None; members],
            started: Vec::new(),
            questions: vec![(0, 0)],
            responses: Vec::new(),
            noisy: Vec::new(),
            leaves: Vec::new(),
            members,
            first_seen_day: vec![None; members],
            first_active_day: vec![None; members],
            rows: 0,
            conversations: 0,
            complete: true,
            anchored: first_activity_day.is_some(),
        };
        basis.add(index, conversations, &[], cutoff, noise);
        basis
    }

    /// Whether [`DailyBasis::extend`] can continue this basis on `index`'s rows: they hold
    /// the `seen` rows read (every one of them) and more after them, the same members,
    /// `conversations_seen` conversations before the new rows' ones, and `cutoff` is not
    /// earlier.
    pub fn continues(&self, index: &Index<'_>, seen: usize, conversations_seen: usize, cutoff: UnixSeconds) -> bool {
        self.complete
            && self.anchored
            && self.rows == seen
            && self.conversations == conversations_seen
            && self.members == index.data.members.len()
            && cutoff >= self.cutoff
    }

    /// Adds the rows after the ones read (and the conversations after the ones read, and
    /// the older ones those rows answered: `answered`) up to the later `cutoff`; `noise` is
    /// what [`noise_flag_times`] gives from the first row to `cutoff`. Gives what
    /// [`DailyBasis::with_noise`] gives on all rows (see [`DailyBasis::continues`]).
    pub fn extend(
        &mut self,
        index: &Index<'_>,
        conversations: &[Conversation],
        answered: &[u32],
        cutoff: UnixSeconds,
        noise: &BTreeMap<i64, NoiseFlag>,
    ) {
        debug_assert!(cutoff >= self.cutoff && self.complete);
        self.add(index, conversations, answered, cutoff, noise);
    }

    /// Reads what lies between the basis's cutoff and `cutoff`: the joins and leaves the
    /// members' rows record, the rows, the conversations and their responses.
    fn add(
        &mut self,
        index: &Index<'_>,
        conversations: &[Conversation],
        answered: &[u32],
        cutoff: UnixSeconds,
        noise: &BTreeMap<i64, NoiseFlag>,
    ) {
        let data = index.data;
        let previous_cutoff = self.cutoff;
        let old_slots = self.posts.len();
        let first_day = self.first_day;
        let last_day = day_of(cutoff - 1).max(first_day);
        let slots = (last_day - first_day + 1) as usize;
        self.cutoff = cutoff;
        self.posts.resize(slots, 0);
        self.active.resize(slots, Vec::new());
        self.member_posts.resize(slots, Vec::new());
        for (_, counts) in &mut self.distinct {
            counts.resize(slots, 0);
        }
        self.first_seen.resize(slots, 0);
        self.newcomers_by_day.resize(slots, Vec::new());
        let slot = |day: i64| (day - first_day) as usize;
        // The first slot whose members changed (its list and every MAU from it on).
        let mut touched = old_slots.min(slots);

        /// A member seen on `day`: the first-seen count moves to it when it is earlier.
        fn see(first_seen_day: &mut [Option<i64>], first_seen: &mut [u32], first_day: i64, position: usize, day: i64) {
            let seen = &mut first_seen_day[position];
            match *seen {
                Some(earlier) if earlier <= day => {}
                earlier => {
                    if let Some(earlier) = earlier {
                        first_seen[(earlier - first_day) as usize] -= 1;
                    }
                    *seen = Some(day);
                    first_seen[(day - first_day) as usize] += 1;
                }
            }
        }
        let mut leaves_added = false;
        for (position, member) in data.members.iter().enumerate() {
            if member.is_bot {
                continue;
            }
            if let Some(joined) = member.joined_at.filter(|&at| at >= previous_cutoff && at < cutoff) {
                see(&mut self.first_seen_day, &mut self.first_seen, first_day, position, day_of(joined));
            }
            if let Some(left) = member.left_at.filter(|&at| at >= previous_cutoff && at < cutoff) {
                self.leaves.push((left, position as u32));
                leaves_added = true;
            }
        }
        let lookup = RowMembers::new(index);
        let rows_from = self.rows;
        let rows_to = rows_from + data.activities[rows_from..].partition_point(|activity| activity.at < cutoff);
        for activity in &data.activities[rows_from..rows_to] {
            let Some(position) = lookup.human(activity.member_id) else { continue };
            let day = day_of(activity.at);
            see(&mut self.first_seen_day, &mut self.first_seen, first_day, position, day);
            if activity.kind == ActivityKind::Leave && data.members[position].left_at.is_none() {
                self.leaves.push((activity.at, position as u32));
                leaves_added = true;
            }
            if !activity.kind.counts_as_active() {
                continue;
            }
            let day_slot = slot(day);
            touched = touched.min(day_slot);
            let today = &mut self.active[day_slot];
            if today.last() != Some(&(position as u32)) {
                today.push(position as u32);
            }
            // Days ascend, so the first active day at least 7 days after the first is the
            // first one met.
            match self.first_active_day[position] {
                None => {
                    self.first_active_day[position] = Some(day);
                    self.newcomers_by_day[day_slot].push(position as u32);
                }
                Some(first) if day >= first + 7 && self.week_two_day[position].is_none() => {
                    self.week_two_day[position] = Some(day);
                }
                Some(_) => {}
            }
            if activity.kind.is_post() {
                self.posts[day_slot] += 1;
                self.member_posts[day_slot].push((position as u32, 1));
            }
        }
        self.complete = rows_to == data.activities.len();
        self.rows = rows_to;
        // Kept without spare room (the basis is kept between computations).
        for today in &mut self.active[touched..] {
            today.sort_unstable();
            today.dedup();
            today.shrink_to_fit();
        }
        for today in &mut self.member_posts[touched..] {
            today.sort_unstable_by_key(|&(position, _)| position);
            today.dedup_by(|later, earlier| {
                if later.0 == earlier.0 {
                    earlier.1 += later.1;
                    true
                } else {
                    false
                }
            });
            today.shrink_to_fit();
        }
        if leaves_added {
            self.leaves.sort_unstable();
        }

        // Distinct active members over each window ending with each day from the first
        // changed one on, by sliding counts (started a window before it).
        let mut in_window = vec![0u32; self.members];
        for (window, counts) in &mut self.distinct {
            in_window.fill(0);
            sliding_distinct(&self.active, &mut in_window, *window as usize, touched, counts);
        }

        // Responses given in the new rows: of older conversations they answered, and of
        // the new conversations. All come after every response read before.
        let responses_from = self.responses.len();
        let mut questions_from = self.started.len();
        let response_of = |conversation: &Conversation| conversation.response.filter(|response| response.at < cutoff);
        let new_conversations = &conversations[self.conversations.min(conversations.len())..];
        let starting = new_conversations.partition_point(|conversation| conversation.started_at < cutoff);
        super::make_room(&mut self.started, starting);
        super::make_room(&mut self.responses, answered.len() + starting);
        super::make_room(&mut self.questions, starting);
        for &at in answered {
            let conversation = &conversations[at as usize];
            if let Some(response) = response_of(conversation) {
                if let Some(started) = self.started.get_mut(at as usize) {
                    started.response_at = Some(response.at);
                    questions_from = questions_from.min(at as usize);
                }
                if let Some(position) = index.position(response.responder_id) {
                    self.responses.push((response.at, position as u32));
                }
            }
        }
        for conversation in &new_conversations[..starting] {
            let response = response_of(conversation);
            self.started.push(Started {
                at: conversation.started_at,
                response_at: response.map(|response| response.at),
                is_question: conversation.is_question,
            });
            if let Some((response, position)) = response.and_then(|response| index.position(response.responder_id).map(|p| (response, p))) {
                self.responses.push((response.at, position as u32));
            }
        }
        self.conversations += starting;
        self.questions.truncate(questions_from + 1);
        for started in &self.started[questions_from..] {
            let (asked, answered) = self.questions[self.questions.len() - 1];
            let in_time = started.is_question && started.response_at.is_some_and(|at| at - started.at <= self.answer_window);
            self.questions.push((asked + u32::from(started.is_question), answered + u32::from(in_time)));
        }
        self.complete &= starting == new_conversations.len();
        if let Some(earliest) = self.responses[responses_from..].iter().map(|&(at, _)| at).min() {
            let from = self.responses[..responses_from].partition_point(|&(at, _)| at < earliest);
            self.responses[from..].sort_unstable();
        }

        self.noisy.clear();
        self.noisy.extend(noise.values().map(|flag| (flag.at, flag.flagged_at)));
        self.noisy.sort_unstable();
    }

    /// The first and the last day with data (the last is the day of `cutoff - 1`).
    pub fn day_span(&self) -> (i64, i64) {
        (self.first_day, self.first_day + self.posts.len() as i64 - 1)
    }

    /// The first day whose period lies wholly inside the history.
    pub fn first_full_period_day(&self) -> i64 {
        self.first_day + self.period_days - 1
    }

    fn slot(&self, day: i64) -> Option<usize> {
        (day >= self.first_day && day < self.first_day + self.posts.len() as i64).then(|| (day - self.first_day) as usize)
    }

    fn active_on(&self, day: i64) -> &[u32] {
        self.slot(day).map_or(&[], |slot| self.active[slot].as_slice())
    }

    fn posts_on(&self, day: i64) -> u64 {
        self.slot(day).map_or(0, |slot| self.posts[slot])
    }

    /// Distinct members active in the `window` days ending with `day` (0 before the first).
    fn distinct_in(&self, window: i64, day: i64) -> u32 {
        let Some(slot) = self.slot(day) else { return 0 };
        let (_, counts) = self.distinct.iter().find(|(length, _)| *length == window).expect("a window the basis keeps");
        counts[slot]
    }

    /// The metric values of the period ending at `as_of` (at most the basis's cutoff).
    pub fn values_at(&self, as_of: UnixSeconds) -> DayValues {
        assert!(as_of <= self.cutoff, "a day's values cannot use rows after the basis's cutoff");
        let end_day = day_of(as_of - 1) + 1;
        let start_day = end_day - self.period_days;
        let period_start = start_day * DAY;
        let mut metrics = BTreeMap::new();

        // Messages per active member: per day, posts ÷ active members; mean over days with any.
        let ratios: Vec<f64> = (start_day..end_day)
            .filter(|&day| !self.active_on(day).is_empty())
            .map(|day| self.posts_on(day) as f64 / self.active_on(day).len() as f64)
            .collect();
        metrics.insert(MetricId::MessagesPerActiveMember, mean(&ratios));

        // Stickiness: per day, DAU ÷ MAU (the 30 days ending that day); mean over days with a MAU.
        let stickiness: Vec<f64> = (start_day..end_day)
            .filter_map(|day| {
                let monthly = self.distinct_in(MAU_DAYS, day);
                (monthly > 0).then(|| self.active_on(day).len() as f64 / f64::from(monthly))
            })
            .collect();
        metrics.insert(MetricId::Stickiness, mean(&stickiness));

        // 7-day retention: of members active in days [-14, -7), the share also active in
        // [-7, 0): |A ∩ B| = |A| + |B| − |A ∪ B|, each a distinct count kept per day.
        let earlier = u64::from(self.distinct_in(7, end_day - 8));
        let kept = earlier + u64::from(self.distinct_in(7, end_day - 1)) - u64::from(self.distinct_in(14, end_day - 1));
        metrics.insert(MetricId::Retention7d, share(kept, earlier));

        // Newcomer week-2 retention: first activity 8–14 days ago; active 7–13 days after it
        // (and before as_of).
        let mut newcomers = 0;
        let mut retained = 0;
        for first in end_day - 14..=end_day - 8 {
            let Some(slot) = self.slot(first) else { continue };
            for &position in &self.newcomers_by_day[slot] {
                newcomers += 1;
                let week_two = self.week_two_day[position as usize];
                if week_two.is_some_and(|day| day < (first + 14).min(end_day)) {
                    retained += 1;
                }
            }
        }
        metrics.insert(MetricId::NewcomerWeek2Retention, share(retained, newcomers));

        // Reply latency p90 and first response p50 over conversations started in the period
        // that got a response before as_of.
        let from = self.started.partition_point(|started| started.at < period_start);
        let to = self.started.partition_point(|started| started.at < as_of);
        // Questions without a response before as_of are the unanswered ones.
        let mut latencies: Vec<f64> = Vec::with_capacity(to - from);
        let mut unanswered_questions = 0u64;
        for started in &self.started[from..to] {
            match started.response_at.filter(|&at| at < as_of) {
                Some(at) => latencies.push((at - started.at) as f64),
                None => unanswered_questions += u64::from(started.is_question),
            }
        }
        metrics.insert(MetricId::ReplyLatencyP90, nearest_rank_selected(&mut latencies, 0.9));
        let first_response_p50 = nearest_rank_selected(&mut latencies, 0.5);

        // Effective answer rate: questions asked in the period shifted back by the answer
        // window, so that every question counted had its whole window before `as_of`.
        let question_from = period_start - self.answer_window;
        let question_to = as_of - self.answer_window;
        // A question's "in time" does not depend on as_of (its window ends before it): the
        // counts are differences of the running counts kept in the conversations' order.
        let from = self.started.partition_point(|started| started.at < question_from);
        let to = self.started.partition_point(|started| started.at < question_to).max(from);
        let asked = u64::from(self.questions[to].0 - self.questions[from].0);
        let answered = u64::from(self.questions[to].1 - self.questions[from].1);
        metrics.insert(MetricId::EffectiveAnswerRate, share(answered, asked));

        // Participation evenness: Shannon entropy of the members' shares of the period's
        // posts ÷ ln(members who posted). Summed in member order for reproducible rounding.
        // The posters are a bitmap read in ascending order (no sort).
        let mut counts = vec![0u64; self.members];
        let mut posters = vec![0u64; self.members.div_ceil(64)];
        let mut total = 0u64;
        for day in start_day..end_day {
            let Some(slot) = self.slot(day) else { continue };
            for &(position, posted) in &self.member_posts[slot] {
                counts[position as usize] += u64::from(posted);
                posters[position as usize / 64] |= 1 << (position % 64);
                total += u64::from(posted);
            }
        }
        let in_order = posters.iter().enumerate().flat_map(|(word, &bits)| {
            std::iter::successors((bits != 0).then_some(bits), |&rest| Some(rest & (rest - 1)).filter(|&rest| rest != 0))
                .map(move |rest| word * 64 + rest.trailing_zeros() as usize)
        });
        let evenness = match posters.iter().map(|bits| bits.count_ones() as usize).sum::<usize>() {
            0 => None,
            1 => Some(0.0),
            many => {
                let entropy: f64 = in_order
                    .map(|position| {
                        let p = counts[position] as f64 / total as f64;
                        -p * p.ln()
                    })
                    .sum();
                Some(entropy / (many as f64).ln())
            }
        };
        metrics.insert(MetricId::ParticipationEvenness, evenness);

        // Answerer absence factor: fewest responders who give at least half of the responses.
        let from = self.responses.partition_point(|&(at, _)| at < period_start);
        let to = self.responses.partition_point(|&(at, _)| at < as_of);
        let mut given = vec![0u64; self.members];
        let mut responders: Vec<u32> = Vec::new();
        for &(_, position) in &self.responses[from..to] {
            if given[position as usize] == 0 {
                responders.push(position);
            }
            given[position as usize] += 1;
        }
        let total_responses = (to - from) as u64;
        let absence = (total_responses > 0).then(|| {
            // The responders by count, most first, as a histogram of the counts.
            let most = responders.iter().map(|&position| given[position as usize]).max().unwrap_or(0) as usize;
            let mut with_count = vec![0u64; most + 1];
            for &position in &responders {
                with_count[given[position as usize] as usize] += 1;
            }
            let mut covered = 0;
            let mut needed = 0u64;
            for (count, &responders) in with_count.iter().enumerate().rev().filter(|&(_, &responders)| responders > 0) {
                // Take as many of the responders with this count as reach half, or all.
                let count = count as u64;
                let missing = total_responses.div_ceil(2).saturating_sub(covered);
                let taken = missing.div_ceil(count).min(responders);
                covered += taken * count;
                needed += taken;
                if 2 * covered >= total_responses {
                    break;
                }
            }
            needed as f64
        });
        metrics.insert(MetricId::AnswererAbsenceFactor, absence);

        // Noise share: posts of the period flagged as noise by as_of ÷ posts of the period.
        let period_posts: u64 = (start_day..end_day).map(|day| self.posts_on(day)).sum();
        let from = self.noisy.partition_point(|&(at, _)| at < period_start);
        let to = self.noisy.partition_point(|&(at, _)| at < as_of);
        let noisy = self.noisy[from..to].iter().filter(|&&(_, flagged_at)| flagged_at < as_of).count() as u64;
        metrics.insert(MetricId::NoiseShare, share(noisy, period_posts));

        // Additional metrics.
        let dau = (start_day..end_day).map(|day| self.active_on(day).len() as f64).sum::<f64>() / self.period_days.max(1) as f64;
        let (wau, churned_members) = if self.period_days >= 1 {
            let wau = u64::from(self.distinct_in(self.period_days, end_day - 1));
            // Became churned: active in A = [start − 30, end − 30) and not in B = [end − 30,
            // end) (their last active day is 30 days before a day of the period): |A ∪ B| −
            // |B|; or left the group in the period (counted once, and not twice when
            // churned already).
            let monthly = u64::from(self.distinct_in(MAU_DAYS, end_day - 1));
            let inactive = u64::from(self.distinct_in(CHURN_DAYS + self.period_days, end_day - 1)) - monthly;
            let from = self.leaves.partition_point(|&(at, _)| at < period_start);
            let to = self.leaves.partition_point(|&(at, _)| at < as_of);
            let mut left: Vec<u32> = self.leaves[from..to].iter().map(|&(_, position)| position).collect();
            left.sort_unstable();
            left.dedup();
            let active_in = |position: u32, from: i64, to: i64| (from..to).any(|day| self.active_on(day).binary_search(&position).is_ok());
            let churned_already = |position: u32| {
                active_in(position, start_day - CHURN_DAYS, end_day - CHURN_DAYS) && !active_in(position, end_day - CHURN_DAYS, end_day)
            };
            (wau, inactive + left.into_iter().filter(|&position| !churned_already(position)).count() as u64)
        } else {
            (0, 0)
        };
        let mau = u64::from(self.distinct_in(MAU_DAYS, end_day - 1));
        let new_members: u64 = (start_day..end_day).filter_map(|day| self.slot(day)).map(|slot| u64::from(self.first_seen[slot])).sum();
        let baseline: Vec<f64> =
            (end_day - BURST_BASELINE_DAYS..end_day).filter(|&day| day >= self.first_day).map(|day| self.posts_on(day) as f64).collect();
        let bursts = match (mean(&baseline), baseline.len()) {
            (Some(average), days) if days > 1 => {
                let deviation = (baseline.iter().map(|posts| (posts - average).powi(2)).sum::<f64>() / days as f64).sqrt();
                (start_day..end_day).filter(|&day| self.posts_on(day) as f64 > average + 3.0 * deviation).count() as u64
            }
            _ => 0,
        };
        DayValues {
            metrics,
            additional: AdditionalMetrics { dau, wau, mau, new_members, churned_members, first_response_p50, unanswered_questions, bursts },
        }
    }
}

/// Members' positions by id for the passes over every row, without hashing: a table by
/// `id − smallest id` when the ids are dense enough (at most four slots per member), else
/// the index's map. Each slot holds the position and whether the member is a bot, so a
/// row's member is one look-up in a table that stays in the cache.
pub(crate) struct RowMembers<'a> {
    index: &'a Index<'a>,
    first_id: i64,
    /// `position << 1 | is_bot`, or `u32::MAX` for an id that is not a member's.
    table: Vec<u32>,
}

impl<'a> RowMembers<'a> {
    const NONE: u32 = u32::MAX;

    pub(crate) fn new(index: &'a Index<'a>) -> RowMembers<'a> {
        let members = &index.data.members;
        let first_id = members.iter().map(|member| member.id).min().unwrap_or(0);
        let last_id = members.iter().map(|member| member.id).max().unwrap_or(-1);
        let span = (last_id as i128 - first_id as i128 + 1).max(0);
        let mut table = Vec::new();
        if span <= 4 * members.len() as i128 + 64 && members.len() < (u32::MAX >> 2) as usize {
            table = vec![Self::NONE; span as usize];
            for (position, member) in members.iter().enumerate() {
                // The position the index's map holds for the id (one per id).
                let slot = &mut table[(member.id - first_id) as usize];
                if *slot == Self::NONE && index.position(member.id) == Some(position) {
                    *slot = (position as u32) << 1 | u32::from(member.is_bot);
                }
            }
        }
        RowMembers { index, first_id, table }
    }

    /// The position of a member id, and whether the member is a bot.
    #[inline]
    pub(crate) fn get(&self, member_id: i64) -> Option<(usize, bool)> {
        if self.table.is_empty() {
            return self.index.position(member_id).map(|position| (position, self.index.data.members[position].is_bot));
        }
        let slot = member_id.wrapping_sub(self.first_id);
        match self.table.get(usize::try_from(slot).ok()?) {
            Some(&value) if value != Self::NONE => Some(((value >> 1) as usize, value & 1 == 1)),
            _ => None,
        }
    }

    /// The position of a member who is a human (a known member, not a bot).
    #[inline]
    pub(crate) fn human(&self, member_id: i64) -> Option<usize> {
        self.get(member_id).filter(|&(_, bot)| !bot).map(|(position, _)| position)
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The window lengths (days) whose distinct active members the basis keeps per day.
fn distinct_windows(period_days: i64) -> Vec<i64> {
    let mut windows = vec![MAU_DAYS, 7, 14];
    if period_days >= 1 {
        windows.extend([period_days, CHURN_DAYS + period_days]);
    }
    windows.sort_unstable();
    windows.dedup();
    windows
}

/// `counts[day]` = distinct members in `active[day + 1 - window ..= day]`, for every day
/// from `from` on; `in_window` is all zeros, one slot per member.
fn sliding_distinct(active: &[Vec<u32>], in_window: &mut [u32], window: usize, from: usize, counts: &mut [u32]) {
    let start = from.saturating_sub(window - 1);
    let mut distinct = 0u32;
    for day_slot in start..active.len() {
        for &position in &active[day_slot] {
            if in_window[position as usize] == 0 {
                distinct += 1;
            }
            in_window[position as usize] += 1;
        }
        if day_slot >= window && day_slot - window >= start {
            for &position in &active[day_slot - window] {
                in_window[position as usize] -= 1;
                if in_window[position as usize] == 0 {
                    distinct -= 1;
                }
            }
        }
        if day_slot >= from {
            counts[day_slot] = distinct;
        }
    }
}

/// The nearest-rank percentile of [`percentile_nearest_rank`] by selection instead of a
/// sort: the value at a rank of a total order is the same whichever way it is found.
fn nearest_rank_selected(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(*values.select_nth_unstable_by(rank - 1, f64::total_cmp).1)
}

/// Calibrated thresholds (§1): per metric, low = P25 and high = P75 of its daily values
/// (swapped for lower-is-better metrics, whose "low" is the worse, higher value). Metrics
/// without any value in `history` keep their fixed targets and are listed in the second
/// return value. Weights are kept.
pub fn calibrate(targets: &[MetricTarget], history: &[&BTreeMap<MetricId, Option<f64>>]) -> (Vec<MetricTarget>, Vec<MetricId>) {
    let mut calibrated = Vec::with_capacity(targets.len());
    let mut kept_fixed = Vec::new();
    for target in targets {
        let mut values: Vec<f64> = history.iter().filter_map(|values| values.get(&target.metric).copied().flatten()).collect();
        let (Some(p25), Some(p75)) = (percentile_nearest_rank(&mut values, 0.25), percentile_nearest_rank(&mut values, 0.75)) else {
            kept_fixed.push(target.metric);
            calibrated.push(*target);
            continue;
        };
        let lower_is_better = target.low > target.high;
        let (low, high) = if lower_is_better { (p75, p25) } else { (p25, p75) };
        calibrated.push(MetricTarget { metric: target.metric, low, high, weight: target.weight });
    }
    (calibrated, kept_fixed)
}

/// One day of the health trend: the score of the period ending with `date`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct TrendPoint {
    /// The period's last day, YYYY-MM-DD (UTC).
    pub date: String,
    /// The period is [as_of − period, as_of).
    #[ts(type = "number")]
    pub as_of: UnixSeconds,
    pub score: Option<f64>,
    pub values: BTreeMap<MetricId, Option<f64>>,
    pub additional: AdditionalMetrics,
}

/// The daily score for every day in [from_day, to_day] (UTC day numbers), each computed
/// as `health` would for that day, from the aggregates built once.
pub fn trend(basis: &DailyBasis, from_day: i64, to_day: i64, config: &HealthConfig) -> Vec<TrendPoint> {
    (from_day..=to_day)
        .filter(|&day| (day + 1) * DAY <= basis.cutoff)
        .map(|day| {
            let as_of = (day + 1) * DAY;
            let values = basis.values_at(as_of);
            let score = super::health::score_values(&values, as_of, config).score;
            TrendPoint { date: super::date_of_day(day), as_of, score, values: values.metrics, additional: values.additional }
        })
        .collect()
}

/// The metric values of every day whose period lies wholly in the history before the
/// basis's cutoff: the sample that calibration takes its percentiles from.
pub fn history_values(basis: &DailyBasis) -> Vec<BTreeMap<MetricId, Option<f64>>> {
    let (_, last_day) = basis.day_span();
    (basis.first_full_period_day()..=last_day)
        .filter(|&day| (day + 1) * DAY <= basis.cutoff)
        .map(|day| basis.values_at((day + 1) * DAY).metrics)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::health::health;
    use crate::analytics::tests_support::{activity, group, member, post, reply, rows_of};
    use crate::analytics::Prepared;
    use crate::model::GroupData;
    use proptest::prelude::*;

    fn at(day: i64, hour: i64, minute: i64) -> i64 {
        day * DAY + hour * 3600 + minute * 60
    }

    /// The period is days 54–60 (as_of = start of day 61).
    fn fixture() -> GroupData {
        let mut bot = member(5);
        bot.is_bot = true;
        let mut joiner = member(4);
        joiner.joined_at = Some(at(56, 8, 0));
        group(
            true,
            vec![member(1), member(2), member(3), joiner, bot],
            vec![
                post(1, 1, at(20, 9, 0), "hello"),
                post(2, 2, at(20, 9, 5), "hi"),
                post(3, 3, at(25, 9, 0), "anyone around"),
                post(4, 1, at(55, 10, 0), "How do I deploy?"),
                reply(5, 2, at(55, 10, 5), 4),
                post(6, 5, at(55, 11, 0), "digest"),
                activity(7, 4, at(56, 8, 0), ActivityKind::Join, None, None),
                post(8, 4, at(56, 9, 0), "Where is the FAQ?"),
                post(9, 2, at(57, 9, 0), "What about docs?"),
                reply(10, 1, at(57, 10, 0), 9),
            ],
        )
    }

    fn values(data: &GroupData, as_of: i64) -> DayValues {
        let config = HealthConfig::default();
        let prepared = Prepared::new(data, &config.conversations);
        DailyBasis::new(&prepared.index, &prepared.conversations, as_of, &config).values_at(as_of)
    }

    #[test]
    fn additional_metrics_by_hand() {
        let additional = values(&fixture(), 61 * DAY).additional;
        // Active per day in 54–60: d55 {m1, m2}, d56 {m4}, d57 {m1, m2}; the bot does not
        // count. DAU = (2 + 1 + 2) / 7.
        assert!((additional.dau - 5.0 / 7.0).abs() < 1e-12);
        // WAU: m1, m2, m4. MAU (days 31–60): the same three; m3 was last active on day 25.
        assert_eq!((additional.wau, additional.mau), (3, 3));
        // First seen in the period: m4 (joined day 56).
        assert_eq!(additional.new_members, 1);
        // Became churned: active in days 24–30 (m3, day 25) and not since.
        assert_eq!(additional.churned_members, 1);
        // Responded conversations started in the period: 300 s and 3,600 s; nearest rank
        // ceil(0.5 × 2) = 1 -> 300 s. m4's question has no response.
        assert_eq!(additional.first_response_p50, Some(300.0));
        assert_eq!(additional.unanswered_questions, 1);
        // Daily posts over days 20–60 (41 days, the baseline starts at the first day):
        // 2 (d20), 1 (d25), 2 (d55), 1 (d56), 2 (d57). Mean 8/41 = 0.1951, σ = sqrt(14/41 −
        // 0.1951²) = 0.5508, mean + 3σ = 1.848: days 55 and 57 (2 posts) are bursts.
        assert_eq!(additional.bursts, 2);
    }

    #[test]
    fn a_left_member_counts_as_churned_in_the_period_they_left() {
        let mut data = fixture();
        data.members[1].left_at = Some(at(58, 0, 0));
        assert_eq!(values(&data, 61 * DAY).additional.churned_members, 2);
        assert_eq!(values(&data, 58 * DAY).additional.churned_members, 1, "not yet left at day 58");
    }

    #[test]
    fn the_trend_scores_every_day_exactly_as_health_does() {
        let data = fixture();
        let config = HealthConfig::default();
        let prepared = Prepared::new(&data, &config.conversations);
        let basis = DailyBasis::new(&prepared.index, &prepared.conversations, 61 * DAY, &config);
        let points = trend(&basis, 18, 60, &config);
        assert_eq!(points.len(), 43);
        for point in &points {
            let single = health(&data, point.as_of, &config);
            assert_eq!(point.score, single.score, "{}", point.date);
            assert_eq!(point.values, single.metrics.iter().map(|metric| (metric.metric, metric.value)).collect());
        }
        assert_eq!(points.last().unwrap().date, "1970-03-02");
    }

    #[test]
    fn calibration_takes_p25_and_p75_and_swaps_them_for_lower_is_better() {
        let targets = HealthConfig::default().targets;
        let history: Vec<BTreeMap<MetricId, Option<f64>>> = [1.0, 2.0, 3.0, 4.0]
            .iter()
            .map(|&value| {
                [
                    (MetricId::Retention7d, Some(value / 10.0)),
                    (MetricId::ReplyLatencyP90, Some(value * 100.0)),
                    (MetricId::Stickiness, None),
                ]
                .into_iter()
                .collect()
            })
            .collect();
        let references: Vec<_> = history.iter().collect();
        let (calibrated, kept) = calibrate(&targets, &references);
        let find = |metric| *calibrated.iter().find(|target| target.metric == metric).unwrap();
        // Four values: P25 = rank ceil(1) = 1st, P75 = rank ceil(3) = 3rd.
        let retention = find(MetricId::Retention7d);
        assert_eq!((retention.low, retention.high, retention.weight), (0.1, 0.3, 0.25));
        // Latency: lower is better, so low (worse) = P75 = 300 s and high = P25 = 100 s.
        let latency = find(MetricId::ReplyLatencyP90);
        assert_eq!((latency.low, latency.high), (300.0, 100.0));
        assert!(kept.contains(&MetricId::Stickiness) && !kept.contains(&MetricId::Retention7d));
        assert_eq!(find(MetricId::Stickiness), targets[1]);
    }

    fn generated(seed_rows: &[(u8, u32, u8)], threaded: bool) -> GroupData {
        let members: Vec<_> = (1..=6).map(member).collect();
        let rows = seed_rows
            .iter()
            .enumerate()
            .map(|(index, &(author, at, kind))| {
                let id = index as i64 + 1;
                let author = i64::from(author % 6) + 1;
                let at = i64::from(at % (40 * DAY as u32));
                match kind % 4 {
                    0 if id > 1 => reply(id, author, at, (id - 1) / 2 + 1),
                    1 if id > 1 => activity(id, author, at, ActivityKind::Reaction, Some(id - 1), None),
                    2 => post(id, author, at, "why is this?"),
                    _ => post(id, author, at, "status update"),
                }
            })
            .collect();
        group(threaded, members, rows)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn score_is_within_0_and_100_and_the_same_whatever_the_input_order(
            rows in proptest::collection::vec((any::<u8>(), any::<u32>(), any::<u8>()), 1..120),
            threaded in any::<bool>(),
            day in 1i64..45,
        ) {
            let data = generated(&rows, threaded);
            let config = HealthConfig::default();
            let report = health(&data, day * DAY, &config);
            if let Some(score) = report.score {
                prop_assert!((0.0..=100.0).contains(&score), "{}", score);
            }
            prop_assert_eq!(&health(&data, day * DAY, &config), &report, "re-running gives the same report");
            // The store hands rows sorted by (time, id); any input order sorted that way is
            // the same input, so shuffling (here: reversing before the sort) changes nothing.
            let mut reversed = rows_of(&data);
            reversed.reverse();
            let shuffled = group(threaded, data.members.clone(), reversed);
            prop_assert_eq!(&health(&shuffled, day * DAY, &config), &report);
        }

        #[test]
        fn the_kept_distinct_counts_give_what_counting_the_days_gives(
            rows in proptest::collection::vec((any::<u8>(), any::<u32>(), any::<u8>()), 1..120),
            threaded in any::<bool>(),
            period_days in 1i64..10,
        ) {
            // WAU, MAU, 7-day retention and churned members from the kept distinct counts,
            // against the members of the days counted directly (with leaves in between).
            let mut data = generated(&rows, threaded);
            data.members[3].left_at = Some(30 * DAY + 7);
            data.members[4].left_at = Some(12 * DAY);
            let config = HealthConfig { period_days, ..HealthConfig::default() };
            let prepared = Prepared::new(&data, &config.conversations);
            let cutoff = 45 * DAY;
            let basis = DailyBasis::new(&prepared.index, &prepared.conversations, cutoff, &config);
            let (first_day, last_day) = basis.day_span();
            let members_in = |from: i64, to: i64| -> std::collections::BTreeSet<u32> {
                (from..to).flat_map(|day| basis.active_on(day).iter().copied()).collect()
            };
            for end_day in first_day + 1..=last_day + 1 {
                let as_of = end_day * DAY;
                let start_day = end_day - period_days;
                let additional = basis.values_at(as_of);
                let earlier = members_in(end_day - 14, end_day - 7);
                let later = members_in(end_day - 7, end_day);
                let retention = share(earlier.intersection(&later).count() as u64, earlier.len() as u64);
                prop_assert_eq!(additional.metrics[&MetricId::Retention7d], retention, "day {}", end_day);
                prop_assert_eq!(additional.additional.wau, members_in(start_day, end_day).len() as u64);
                prop_assert_eq!(additional.additional.mau, members_in(end_day - MAU_DAYS, end_day).len() as u64);
                let since = members_in(end_day - CHURN_DAYS, end_day);
                let mut churned: std::collections::BTreeSet<u32> =
                    members_in(start_day - CHURN_DAYS, end_day - CHURN_DAYS).difference(&since).copied().collect();
                churned.extend(basis.leaves.iter().filter(|&&(at, _)| at >= start_day * DAY && at < as_of).map(|&(_, position)| position));
                prop_assert_eq!(additional.additional.churned_members, churned.len() as u64, "day {}", end_day);
            }
        }

        #[test]
        fn an_extended_basis_gives_what_a_new_one_gives(
            rows in proptest::collection::vec((any::<u8>(), any::<u32>(), any::<u8>()), 2..120),
            threaded in any::<bool>(),
            split in 0.0..1.0f64,
            later_days in 0i64..3,
        ) {
            // The rows before a split, with the cutoff at the end of the last one's day,
            // extended by the rest (some on that same day) and a cutoff up to 2 days later;
            // a join and a leave recorded on the members fall in between.
            let mut data = generated(&rows, threaded);
            data.members[2].joined_at = Some(20 * DAY + 5);
            data.members[3].left_at = Some(30 * DAY + 7);
            let config = HealthConfig::default();
            let kept = ((data.activities.len() as f64 * split) as usize).clamp(1, data.activities.len() - 1);
            let mut earlier = data.clone();
            earlier.activities.truncate(kept);
            let cutoff_of = |data: &GroupData| (day_of(data.activities.last().map_or(0, |row| row.at)) + 1) * DAY;
            let (first_cutoff, cutoff) = (cutoff_of(&earlier), cutoff_of(&data) + later_days * DAY);
            let earlier_index = Index::new(&earlier);
            let mut builder = crate::analytics::conversations::ConversationBuilder::default();
            builder.extend(&earlier_index, 0, threaded, &config.conversations);
            let seen_conversations = builder.found.len();
            let first_noise = noise_flag_times(&earlier_index, i64::MIN, first_cutoff, &config.noise);
            let mut basis = DailyBasis::with_noise(&earlier_index, &builder.found, first_cutoff, &config, &first_noise);
            let index = Index::new(&data);
            let answered = builder.extend(&index, kept, threaded, &config.conversations);
            prop_assume!(basis.continues(&index, kept, seen_conversations, cutoff));
            basis.extend(&index, &builder.found, &answered, cutoff, &noise_flag_times(&index, i64::MIN, cutoff, &config.noise));
            let prepared = Prepared::new(&data, &config.conversations);
            let fresh = DailyBasis::new(&prepared.index, &prepared.conversations, cutoff, &config);
            prop_assert_eq!(basis.day_span(), fresh.day_span());
            let (first_day, last_day) = fresh.day_span();
            for day in first_day..=last_day {
                prop_assert_eq!(basis.values_at((day + 1) * DAY), fresh.values_at((day + 1) * DAY), "day {}", day);
            }
        }
    }
}
