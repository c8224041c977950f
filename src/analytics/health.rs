//! The health score (analytics §1): SLO metrics over a trailing period, each normalised
//! between a low and a high threshold, weighted, with missing metrics left out and the
//! remaining weights rescaled. Every score carries its explanation and its biggest lever.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::conversations::{conversations, ConversationConfig};
use super::noise::{noisy_posts, NoiseConfig};
use super::{day_of, percentile_nearest_rank, Index};
use crate::model::{GroupData, UnixSeconds, DAY};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum MetricId {
    MessagesPerActiveMember,
    Stickiness,
    Retention7d,
    NewcomerWeek2Retention,
    ReplyLatencyP90,
    EffectiveAnswerRate,
    ParticipationEvenness,
    AnswererAbsenceFactor,
    NoiseShare,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum Dimension {
    Activity,
    Retention,
    Responsiveness,
    Collaboration,
    Quality,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum Unit {
    Ratio,
    Share,
    Seconds,
    Members,
}

impl MetricId {
    pub fn dimension(self) -> Dimension {
        match self {
            MetricId::MessagesPerActiveMember | MetricId::Stickiness => Dimension::Activity,
            MetricId::Retention7d | MetricId::NewcomerWeek2Retention => Dimension::Retention,
            MetricId::ReplyLatencyP90 | MetricId::EffectiveAnswerRate => Dimension::Responsiveness,
            MetricId::ParticipationEvenness | MetricId::AnswererAbsenceFactor => Dimension::Collaboration,
            MetricId::NoiseShare => Dimension::Quality,
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            MetricId::MessagesPerActiveMember | MetricId::Stickiness | MetricId::ParticipationEvenness => Unit::Ratio,
            MetricId::Retention7d | MetricId::NewcomerWeek2Retention | MetricId::EffectiveAnswerRate | MetricId::NoiseShare => {
                Unit::Share
            }
            MetricId::ReplyLatencyP90 => Unit::Seconds,
            MetricId::AnswererAbsenceFactor => Unit::Members,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MetricId::MessagesPerActiveMember => "Messages per active member",
            MetricId::Stickiness => "Stickiness (DAU/MAU)",
            MetricId::Retention7d => "7-day retention",
            MetricId::NewcomerWeek2Retention => "Newcomer week-2 retention",
            MetricId::ReplyLatencyP90 => "Reply latency p90",
            MetricId::EffectiveAnswerRate => "Effective answer rate",
            MetricId::ParticipationEvenness => "Participation evenness",
            MetricId::AnswererAbsenceFactor => "Answerer absence factor",
            MetricId::NoiseShare => "Noise share",
        }
    }
}

/// One metric's thresholds and weight. `low > high` means lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MetricTarget {
    pub metric: MetricId,
    pub low: f64,
    pub high: f64,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HealthConfig {
    pub period_days: i64,
    pub targets: Vec<MetricTarget>,
    /// A question counts as answered when its response came within this time.
    pub answer_window_seconds: i64,
    pub conversations: ConversationConfig,
    pub noise: NoiseConfig,
}

impl Default for HealthConfig {
    fn default() -> Self {
        use MetricId::*;
        let target = |metric, low, high, weight| MetricTarget { metric, low, high, weight };
        HealthConfig {
            period_days: 7,
            targets: vec![
                target(MessagesPerActiveMember, 1.0, 4.2, 0.18),
                target(Stickiness, 0.05, 0.20, 0.07),
                target(Retention7d, 0.30, 0.63, 0.25),
                target(NewcomerWeek2Retention, 0.15, 0.40, 0.10),
                target(ReplyLatencyP90, 1800.0, 120.0, 0.15),
                target(EffectiveAnswerRate, 0.50, 0.82, 0.10),
                target(ParticipationEvenness, 0.30, 0.70, 0.05),
                target(AnswererAbsenceFactor, 1.0, 5.0, 0.05),
                target(NoiseShare, 0.20, 0.02, 0.05),
            ],
            answer_window_seconds: DAY,
            conversations: ConversationConfig::default(),
            noise: NoiseConfig::default(),
        }
    }
}

/// The linear clamp of §1; inverted when `low > high` (lower is better).
pub fn normalise(value: f64, low: f64, high: f64) -> f64 {
    if low == high {
        return if value >= high { 1.0 } else { 0.0 };
    }
    ((value - low) / (high - low)).clamp(0.0, 1.0)
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MetricExplanation {
    pub metric: MetricId,
    pub label: String,
    pub dimension: Dimension,
    pub unit: Unit,
    /// `None` when the period has no data for this metric (e.g. no questions).
    pub value: Option<f64>,
    pub low: f64,
    pub high: f64,
    pub normalised: Option<f64>,
    /// The configured weight.
    pub weight: f64,
    /// The weight after missing metrics were left out and the rest rescaled.
    pub effective_weight: f64,
    /// Points this metric adds to the score: 100 × effective weight × normalised value.
    pub contribution: f64,
    /// Whether the value reaches the target (the high threshold).
    pub met: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Lever {
    pub metric: MetricId,
    pub label: String,
    /// Points the score would gain if this metric reached its target.
    pub gain: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct HealthReport {
    /// The period is [period_start, as_of).
    #[ts(type = "number")]
    pub as_of: UnixSeconds,
    #[ts(type = "number")]
    pub period_start: UnixSeconds,
    /// 0–100, or `None` when no metric had data.
    pub score: Option<f64>,
    pub metrics: Vec<MetricExplanation>,
    pub missing: Vec<MetricId>,
    pub biggest_lever: Option<Lever>,
}

/// The metric values for the period ending at `as_of` (exclusive); `None` = no data.
pub fn metric_values(data: &GroupData, as_of: UnixSeconds, config: &HealthConfig) -> BTreeMap<MetricId, Option<f64>> {
    let index = Index::new(data);
    let period_start = as_of - config.period_days * DAY;
    let in_period = |at: UnixSeconds| at >= period_start && at < as_of;

    // Active members per UTC day (humans, any activity but join/leave) and posts per day.
    let mut active_by_day: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let mut posts_by_day: BTreeMap<i64, u64> = BTreeMap::new();
    let mut first_active_day: BTreeMap<i64, i64> = BTreeMap::new();
    let mut posts_by_member: BTreeMap<i64, u64> = BTreeMap::new();
    for activity in &data.activities {
        if activity.at >= as_of || !index.is_human(activity.member_id) || !activity.kind.counts_as_active() {
            continue;
        }
        let day = day_of(activity.at);
        active_by_day.entry(day).or_default().insert(activity.member_id);
        first_active_day.entry(activity.member_id).or_insert(day);
        if activity.kind.is_post() {
            *posts_by_day.entry(day).or_default() += 1;
            if in_period(activity.at) {
                *posts_by_member.entry(activity.member_id).or_default() += 1;
            }
        }
    }
    let active_between = |from_day: i64, to_day: i64| -> BTreeSet<i64> {
        active_by_day.range(from_day..to_day).flat_map(|(_, members)| members.iter().copied()).collect()
    };
    let end_day = day_of(as_of);
    let start_day = end_day - config.period_days;

    let mut values = BTreeMap::new();

    // Messages per active member: per day, posts ÷ active members; mean over days with any.
    let ratios: Vec<f64> = (start_day..end_day)
        .filter_map(|day| {
            let active = active_by_day.get(&day).map_or(0, BTreeSet::len);
            (active > 0).then(|| *posts_by_day.get(&day).unwrap_or(&0) as f64 / active as f64)
        })
        .collect();
    values.insert(MetricId::MessagesPerActiveMember, mean(&ratios));

    // Stickiness: per day, DAU ÷ MAU where MAU is the 30 days ending that day.
    let stickiness: Vec<f64> = (start_day..end_day)
        .filter_map(|day| {
            let monthly = active_between(day - 29, day + 1).len();
            (monthly > 0).then(|| active_by_day.get(&day).map_or(0, BTreeSet::len) as f64 / monthly as f64)
        })
        .collect();
    values.insert(MetricId::Stickiness, mean(&stickiness));

    // 7-day retention: of members active in [-14, -7), the share also active in [-7, 0).
    let earlier = active_between(end_day - 14, end_day - 7);
    let later = active_between(end_day - 7, end_day);
    values.insert(MetricId::Retention7d, share(earlier.iter().filter(|member| later.contains(member)).count(), earlier.len()));

    // Newcomer week-2 retention: first activity 8–14 days ago; active 7–13 days after it.
    let newcomers: Vec<(i64, i64)> = first_active_day
        .iter()
        .filter(|(_, &first)| (8..=14).contains(&(end_day - first)))
        .map(|(&member, &first)| (member, first))
        .collect();
    let retained = newcomers
        .iter()
        .filter(|(member, first)| active_by_day.range(first + 7..first + 14).any(|(_, members)| members.contains(member)))
        .count();
    values.insert(MetricId::NewcomerWeek2Retention, share(retained, newcomers.len()));

    let threaded = data.group.platform.has_threads();
    let found = conversations(&index, threaded, &config.conversations);

    // Reply latency p90 over conversations started in the period that got a response.
    let mut latencies: Vec<f64> = found
        .iter()
        .filter(|conversation| in_period(conversation.started_at))
        .filter_map(|conversation| {
            let response = conversation.response.filter(|response| response.at < as_of)?;
            Some((response.at - conversation.started_at) as f64)
        })
        .collect();
    values.insert(MetricId::ReplyLatencyP90, percentile_nearest_rank(&mut latencies, 0.9));

    // Effective answer rate: questions asked in the period shifted back by the answer
    // window, so that every question counted had its whole window before `as_of`.
    let question_from = period_start - config.answer_window_seconds;
    let question_to = as_of - config.answer_window_seconds;
    let questions: Vec<_> =
        found.iter().filter(|conversation| conversation.is_question && conversation.started_at >= question_from && conversation.started_at < question_to).collect();
    let answered = questions
        .iter()
        .filter(|question| question.response.is_some_and(|response| response.at - question.started_at <= config.answer_window_seconds))
        .count();
    values.insert(MetricId::EffectiveAnswerRate, share(answered, questions.len()));

    // Participation evenness: Shannon entropy of message shares ÷ ln(members posting).
    let posters = posts_by_member.len();
    let evenness = match posters {
        0 => None,
        1 => Some(0.0),
        _ => {
            let total: u64 = posts_by_member.values().sum();
            let entropy: f64 = posts_by_member
                .values()
                .map(|&count| {
                    let p = count as f64 / total as f64;
                    -p * p.ln()
                })
                .sum();
            Some(entropy / (posters as f64).ln())
        }
    };
    values.insert(MetricId::ParticipationEvenness, evenness);

    // Answerer absence factor: fewest responders who give at least half of all responses.
    let mut responses_by_member: BTreeMap<i64, u64> = BTreeMap::new();
    for response in found.iter().filter_map(|conversation| conversation.response).filter(|response| in_period(response.at)) {
        *responses_by_member.entry(response.responder_id).or_default() += 1;
    }
    let total_responses: u64 = responses_by_member.values().sum();
    let absence = (total_responses > 0).then(|| {
        let mut counts: Vec<u64> = responses_by_member.values().copied().collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let mut covered = 0;
        let mut needed = 0;
        for count in counts {
            covered += count;
            needed += 1;
            if 2 * covered >= total_responses {
                break;
            }
        }
        needed as f64
    });
    values.insert(MetricId::AnswererAbsenceFactor, absence);

    // Noise share: flagged posts ÷ posts in the period.
    let noisy = noisy_posts(&index, &config.noise);
    let period_posts: Vec<i64> = data
        .activities
        .iter()
        .filter(|activity| activity.kind.is_post() && in_period(activity.at) && index.is_human(activity.member_id))
        .map(|activity| activity.id)
        .collect();
    let noisy_in_period = period_posts.iter().filter(|id| noisy.contains(id)).count();
    values.insert(MetricId::NoiseShare, share(noisy_in_period, period_posts.len()));

    values
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The health score and its explanation for the period ending at `as_of`.
pub fn health(data: &GroupData, as_of: UnixSeconds, config: &HealthConfig) -> HealthReport {
    score_values(&metric_values(data, as_of, config), as_of, config)
}

/// Scores already computed metric values (split out so that the weighting can be tested
/// on its own).
pub fn score_values(values: &BTreeMap<MetricId, Option<f64>>, as_of: UnixSeconds, config: &HealthConfig) -> HealthReport {
    let present_weight: f64 =
        config.targets.iter().filter(|target| values.get(&target.metric).copied().flatten().is_some()).map(|target| target.weight).sum();
    let mut metrics = Vec::new();
    let mut missing = Vec::new();
    for target in &config.targets {
        let value = values.get(&target.metric).copied().flatten();
        let normalised = value.map(|value| normalise(value, target.low, target.high));
        let effective_weight = if value.is_some() && present_weight > 0.0 { target.weight / present_weight } else { 0.0 };
        if value.is_none() {
            missing.push(target.metric);
        }
        metrics.push(MetricExplanation {
            metric: target.metric,
            label: target.metric.label().to_string(),
            dimension: target.metric.dimension(),
            unit: target.metric.unit(),
            value,
            low: target.low,
            high: target.high,
            normalised,
            weight: target.weight,
            effective_weight,
            contribution: 100.0 * effective_weight * normalised.unwrap_or(0.0),
            met: value.map(|value| if target.low > target.high { value <= target.high } else { value >= target.high }),
        });
    }
    let score = (present_weight > 0.0).then(|| metrics.iter().map(|metric| metric.contribution).sum::<f64>());
    let biggest_lever = metrics
        .iter()
        .filter_map(|metric| metric.normalised.map(|normalised| (metric, 100.0 * metric.effective_weight * (1.0 - normalised))))
        .filter(|(_, gain)| *gain > 0.0)
        .fold(None::<(&MetricExplanation, f64)>, |best, candidate| match best {
            Some(best) if best.1 >= candidate.1 => Some(best),
            _ => Some(candidate),
        })
        .map(|(metric, gain)| Lever { metric: metric.metric, label: metric.label.clone(), gain });
    HealthReport { as_of, period_start: as_of - config.period_days * DAY, score, metrics, missing, biggest_lever }
}
