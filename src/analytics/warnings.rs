//! Churn warnings (analytics §6): which members are slipping away, why (reason codes with
//! the numbers behind them), how urgent it is, and which playbook fits. Rules read the
//! member signals of [`super::signals`]; nothing here looks past the instant.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::signals::{MemberSignals, SignalConfig};
use crate::model::{MemberState, Stage, UnixSeconds, DAY};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export, export_to = "bindings/")]
pub struct WarningConfig {
    pub silent_short_min_days: f64,
    pub silent_short_max_days: f64,
    /// silent_short needs the gap to exceed this multiple of the member's median gap.
    pub silent_short_rhythm_factor: f64,
    /// Gaps a member needs before they have a rhythm to compare with.
    pub silent_short_min_gaps: u32,
    pub silent_long_days: f64,
    pub silent_long_min_tenure_days: f64,
    /// Beyond this silence a member is Churned (a state, §2), no longer a warning.
    pub silent_long_max_days: f64,
    pub key_pagerank_drop: f64,
    pub key_degree_drop: f64,
    pub newcomer_days: f64,
    pub newcomer_answer_seconds: i64,
    pub critical_window_from_day: f64,
    pub critical_window_to_day: f64,
    pub critical_quiet_since_day: f64,
    /// declining: EWMA below this share of the baseline ...
    pub declining_ratio: f64,
    /// ... for a member whose baseline is at least this many active days a week ...
    pub declining_min_baseline: f64,
    /// ... and who has this many weeks of history.
    pub declining_min_weeks: u32,
    pub signals: SignalConfig,
}

impl Default for WarningConfig {
    fn default() -> Self {
        WarningConfig {
            silent_short_min_days: 3.0,
            silent_short_max_days: 7.0,
            silent_short_rhythm_factor: 2.0,
            silent_short_min_gaps: 2,
            silent_long_days: 7.0,
            silent_long_min_tenure_days: 14.0,
            silent_long_max_days: 30.0,
            key_pagerank_drop: 0.30,
            key_degree_drop: 0.40,
            newcomer_days: 14.0,
            newcomer_answer_seconds: 24 * 3600,
            critical_window_from_day: 17.0,
            critical_window_to_day: 21.0,
            critical_quiet_since_day: 7.0,
            declining_ratio: 0.5,
            declining_min_baseline: 1.0,
            declining_min_weeks: 4,
            signals: SignalConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, export_to = "bindings/")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum ReasonCode {
    SilentShort,
    SilentLong,
    KeyMemberAtRisk,
    NewcomerUnanswered,
    NewcomerCriticalWindow,
    Declining,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 6] = [
        ReasonCode::SilentShort,
        ReasonCode::SilentLong,
        ReasonCode::KeyMemberAtRisk,
        ReasonCode::NewcomerUnanswered,
        ReasonCode::NewcomerCriticalWindow,
        ReasonCode::Declining,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::SilentShort => "silent_short",
            ReasonCode::SilentLong => "silent_long",
            ReasonCode::KeyMemberAtRisk => "key_member_at_risk",
            ReasonCode::NewcomerUnanswered => "newcomer_unanswered",
            ReasonCode::NewcomerCriticalWindow => "newcomer_critical_window",
            ReasonCode::Declining => "declining",
        }
    }

    pub fn parse(text: &str) -> Option<ReasonCode> {
        ReasonCode::ALL.into_iter().find(|code| code.as_str() == text)
    }

    pub fn playbook(self) -> Playbook {
        match self {
            ReasonCode::NewcomerUnanswered | ReasonCode::NewcomerCriticalWindow => Playbook::WelcomeNewcomers,
            ReasonCode::KeyMemberAtRisk => Playbook::RetainKeyMembers,
            ReasonCode::SilentShort | ReasonCode::SilentLong | ReasonCode::Declining => Playbook::WakeSilentMembers,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum Playbook {
    WelcomeNewcomers,
    WakeSilentMembers,
    RetainKeyMembers,
}

/// A named number behind a reason ("silence_days": 9.5).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Evidence {
    pub name: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Reason {
    pub code: ReasonCode,
    pub severity: Severity,
    /// key_member_at_risk only: 1, 2 (also silent > 7 days) or 3 (also no answers any more).
    pub level: Option<u8>,
    pub evidence: Vec<Evidence>,
    /// The messages behind the reason (a newcomer's unanswered first message).
    #[ts(type = "number[]")]
    pub message_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct ChurnWarning {
    #[ts(type = "number")]
    pub member_id: i64,
    pub stage: Stage,
    pub state: MemberState,
    /// The highest severity of the reasons.
    pub severity: Severity,
    pub level: Option<u8>,
    pub reasons: Vec<Reason>,
    /// The playbook of the most severe reason.
    pub playbook: Playbook,
}

fn evidence(pairs: &[(&str, f64)]) -> Vec<Evidence> {
    pairs.iter().map(|&(name, value)| Evidence { name: name.to_string(), value: round(value) }).collect()
}

/// Rounded to 4 decimals so that JSON output is stable and readable.
pub fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// Which rules fire for one member, with their evidence.
pub fn reasons(signals: &MemberSignals, as_of: UnixSeconds, config: &WarningConfig) -> Vec<Reason> {
    let mut found = Vec::new();
    if signals.left {
        return found;
    }
    let reason = |code: ReasonCode, severity: Severity, level: Option<u8>, evidence: Vec<Evidence>, message_ids: Vec<i64>| Reason {
        code,
        severity,
        level,
        evidence,
        message_ids,
    };
    let silence = signals.silence_days;
    if let (Some(silence), Some(gap)) = (silence, signals.median_gap_days) {
        let enough_gaps = signals.active_days_total > config.silent_short_min_gaps;
        if enough_gaps
            && silence >= config.silent_short_min_days
            && silence <= config.silent_short_max_days
            && silence > config.silent_short_rhythm_factor * gap
        {
            found.push(reason(
                ReasonCode::SilentShort,
                Severity::Low,
                None,
                evidence(&[("silence_days", silence), ("median_gap_days", gap)]),
                Vec::new(),
            ));
        }
    }
    let silent_long = silence.is_some_and(|silence| silence > config.silent_long_days && silence < config.silent_long_max_days)
        && signals.tenure_days >= config.silent_long_min_tenure_days;
    if silent_long {
        found.push(reason(
            ReasonCode::SilentLong,
            Severity::Medium,
            None,
            evidence(&[("silence_days", silence.unwrap_or(0.0)), ("tenure_days", signals.tenure_days)]),
            Vec::new(),
        ));
    }
    if signals.stage >= Stage::Contributor && signals.pagerank_before > 0.0 && signals.degree_before > 0.0 {
        let pagerank_drop = 1.0 - signals.pagerank_now / signals.pagerank_before;
        let degree_drop = 1.0 - signals.degree_now / signals.degree_before;
        if pagerank_drop > config.key_pagerank_drop && degree_drop >= config.key_degree_drop {
            let long_silent = silence.is_some_and(|silence| silence > config.silent_long_days);
            let answers_stopped = signals.answers_before > 0 && signals.answers_now == 0;
            let level = match (long_silent, answers_stopped) {
                (true, true) => 3,
                (true, false) => 2,
                _ => 1,
            };
            found.push(reason(
                ReasonCode::KeyMemberAtRisk,
                Severity::High,
                Some(level),
                evidence(&[
                    ("pagerank_drop", pagerank_drop),
                    ("weighted_degree_drop", degree_drop),
                    ("pagerank_scaled_now", signals.pagerank_now),
                    ("pagerank_scaled_before", signals.pagerank_before),
                    ("weighted_degree_now", signals.degree_now),
                    ("weighted_degree_before", signals.degree_before),
                    ("answers_now", f64::from(signals.answers_now)),
                    ("answers_before", f64::from(signals.answers_before)),
                    ("silence_days", silence.unwrap_or(0.0)),
                ]),
                Vec::new(),
            ));
        }
    }
    if let Some((message_id, posted_at, delay)) = signals.first_conversation {
        let age = as_of - posted_at;
        let newcomer = (age as f64) < config.newcomer_days * DAY as f64;
        let unanswered = age >= config.newcomer_answer_seconds && delay.is_none_or(|delay| delay > config.newcomer_answer_seconds);
        if newcomer && unanswered {
            let mut numbers = vec![("hours_since_first_message", age as f64 / 3600.0)];
            if let Some(delay) = delay {
                numbers.push(("response_hours", delay as f64 / 3600.0));
            }
            found.push(reason(ReasonCode::NewcomerUnanswered, Severity::Medium, None, evidence(&numbers), vec![message_id]));
        }
    }
    if let Some(since) = signals.seen_since {
        let day = (as_of - since) as f64 / DAY as f64;
        let quiet_since = since + (config.critical_quiet_since_day * DAY as f64) as i64;
        let quiet = signals.last_active_at.is_none_or(|last| last < quiet_since);
        if day >= config.critical_window_from_day && day < config.critical_window_to_day + 1.0 && quiet {
            let last_day = signals.last_active_at.map_or(-1.0, |last| (last - since) as f64 / DAY as f64);
            found.push(reason(
                ReasonCode::NewcomerCriticalWindow,
                Severity::Medium,
                None,
                evidence(&[("days_since_joining", day), ("last_active_day_after_joining", last_day)]),
                Vec::new(),
            ));
        }
    }
    if let (Some(ewma), Some(baseline)) = (signals.ewma_weekly, signals.baseline_weekly) {
        let enough = signals.weekly_active_days.len() >= config.declining_min_weeks as usize && baseline >= config.declining_min_baseline;
        if enough && ewma < config.declining_ratio * baseline {
            found.push(reason(
                ReasonCode::Declining,
                Severity::Low,
                None,
                evidence(&[("ewma_weekly_active_days", ewma), ("baseline_weekly_active_days", baseline)]),
                Vec::new(),
            ));
        }
    }
    found
}

/// The warnings of every member at `as_of`: most severe first, then by member id.
pub fn churn_warnings(signals: &[MemberSignals], as_of: UnixSeconds, config: &WarningConfig) -> Vec<ChurnWarning> {
    let mut warnings: Vec<ChurnWarning> = signals
        .iter()
        .filter_map(|member| {
            let reasons = reasons(member, as_of, config);
            let top = reasons.iter().max_by(|a, b| a.severity.cmp(&b.severity).then(a.level.cmp(&b.level)).then(b.code.cmp(&a.code)))?;
            let (severity, level, playbook) = (top.severity, top.level, top.code.playbook());
            Some(ChurnWarning { member_id: member.member_id, stage: member.stage, state: member.state, severity, level, playbook, reasons })
        })
        .collect();
    warnings.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.level.cmp(&a.level)).then(a.member_id.cmp(&b.member_id)));
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    const AS_OF: i64 = 100 * DAY;

    /// A settled, steady member: active every other day until yesterday, in the group for
    /// 100 days, no graph or newcomer signals.
    fn steady() -> MemberSignals {
        MemberSignals {
            member_id: 1,
            node: 0,
            stage: Stage::Participant,
            state: MemberState::Active,
            seen_since: Some(0),
            left: false,
            first_post: Some((1, 0)),
            last_active_at: Some(AS_OF - DAY),
            active_days_total: 50,
            active_days_28: 14,
            activities_90: 45,
            posts_90: 45,
            silence_days: Some(1.0),
            median_gap_days: Some(2.0),
            tenure_days: 100.0,
            weekly_active_days: vec![3; 15],
            ewma_weekly: Some(3.0),
            baseline_weekly: Some(3.0),
            pagerank_now: 1.0,
            pagerank_before: 1.0,
            degree_now: 2.0,
            degree_before: 2.0,
            answers_now: 2,
            answers_before: 2,
            first_conversation: None,
            started_judged: 0,
            started_unanswered: 0,
        }
    }

    fn codes(signals: &MemberSignals) -> Vec<(ReasonCode, Option<u8>)> {
        reasons(signals, AS_OF, &WarningConfig::default()).into_iter().map(|reason| (reason.code, reason.level)).collect()
    }

    #[test]
    fn a_steady_member_has_no_warning() {
        assert!(codes(&steady()).is_empty());
    }

    #[test]
    fn silent_short_needs_a_gap_beyond_twice_the_own_rhythm() {
        // Silent 5 days, median gap 2: 5 > 2 × 2 -> fires. Median gap 3: 5 < 6 -> quiet.
        let member = MemberSignals { silence_days: Some(5.0), last_active_at: Some(AS_OF - 5 * DAY), ..steady() };
        assert_eq!(codes(&member), vec![(ReasonCode::SilentShort, None)]);
        assert!(codes(&MemberSignals { median_gap_days: Some(3.0), ..member.clone() }).is_empty());
        // 2.5 days is below the 3-day floor; 7.5 days is above the 7-day ceiling (and is
        // silent_long instead).
        assert!(codes(&MemberSignals { silence_days: Some(2.5), median_gap_days: Some(1.0), ..member.clone() }).is_empty());
        assert_eq!(codes(&MemberSignals { silence_days: Some(7.5), ..member }), vec![(ReasonCode::SilentLong, None)]);
    }

    #[test]
    fn silent_long_needs_fourteen_days_of_membership_and_stops_at_churned() {
        let member = MemberSignals { silence_days: Some(10.0), median_gap_days: Some(6.0), ..steady() };
        assert_eq!(codes(&member), vec![(ReasonCode::SilentLong, None)]);
        assert!(codes(&MemberSignals { tenure_days: 13.0, ..member.clone() }).is_empty());
        assert!(codes(&MemberSignals { silence_days: Some(45.0), ..member }).is_empty(), "45 days silent is Churned");
    }

    #[test]
    fn key_member_levels() {
        // Contributor; PageRank 2.0 -> 1.0 (-50 % > 30 %), degree 5 -> 3 (-40 % ≥ 40 %): L1.
        let key = MemberSignals {
            stage: Stage::Contributor,
            pagerank_before: 2.0,
            pagerank_now: 1.0,
            degree_before: 5.0,
            degree_now: 3.0,
            ..steady()
        };
        assert_eq!(codes(&key), vec![(ReasonCode::KeyMemberAtRisk, Some(1))]);
        // Degree 5 -> 3.5 is only -30 %: no warning.
        assert!(codes(&MemberSignals { degree_now: 3.5, ..key.clone() }).is_empty());
        // A Participant with the same drop is not a key member.
        assert!(codes(&MemberSignals { stage: Stage::Participant, ..key.clone() }).is_empty());
        // Also silent 10 days (gap 6, so no silent_short): L2, plus silent_long.
        let silent = MemberSignals { silence_days: Some(10.0), median_gap_days: Some(6.0), ..key.clone() };
        assert_eq!(codes(&silent), vec![(ReasonCode::SilentLong, None), (ReasonCode::KeyMemberAtRisk, Some(2))]);
        // And answers 2 -> 0: L3. The warning's severity is high and its playbook retains.
        let gone = MemberSignals { answers_now: 0, ..silent };
        assert_eq!(codes(&gone)[1], (ReasonCode::KeyMemberAtRisk, Some(3)));
        let warnings = churn_warnings(&[gone], AS_OF, &WarningConfig::default());
        assert_eq!((warnings[0].severity, warnings[0].level, warnings[0].playbook), (Severity::High, Some(3), Playbook::RetainKeyMembers));
    }

    #[test]
    fn newcomer_unanswered_after_a_day_without_response() {
        // First message 3 days ago started a conversation nobody answered.
        let newcomer = MemberSignals {
            seen_since: Some(AS_OF - 3 * DAY),
            tenure_days: 3.0,
            first_post: Some((77, AS_OF - 3 * DAY)),
            first_conversation: Some((77, AS_OF - 3 * DAY, None)),
            weekly_active_days: vec![1],
            ewma_weekly: Some(1.0),
            baseline_weekly: Some(1.0),
            ..steady()
        };
        let found = reasons(&newcomer, AS_OF, &WarningConfig::default());
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].code, found[0].message_ids.clone()), (ReasonCode::NewcomerUnanswered, vec![77]));
        assert_eq!(found[0].evidence[0].value, 72.0);
        // Answered after 30 h: still unanswered within 24 h. After 2 h: fine.
        assert_eq!(codes(&MemberSignals { first_conversation: Some((77, AS_OF - 3 * DAY, Some(30 * 3600))), ..newcomer.clone() }).len(), 1);
        assert!(codes(&MemberSignals { first_conversation: Some((77, AS_OF - 3 * DAY, Some(7200))), ..newcomer.clone() }).is_empty());
        // Posted 20 h ago: too early to say. 15 days ago: no longer a newcomer.
        assert!(codes(&MemberSignals { first_conversation: Some((77, AS_OF - 20 * 3600, None)), ..newcomer.clone() }).is_empty());
        assert!(codes(&MemberSignals { first_conversation: Some((77, AS_OF - 15 * DAY, None)), ..newcomer }).is_empty());
    }

    #[test]
    fn newcomer_critical_window_days_17_to_21_quiet_since_day_7() {
        // Joined 18 days ago, last active on day 5 after joining: fires.
        let member = MemberSignals {
            seen_since: Some(AS_OF - 18 * DAY),
            tenure_days: 18.0,
            last_active_at: Some(AS_OF - 13 * DAY),
            silence_days: Some(13.0),
            median_gap_days: None,
            weekly_active_days: vec![2, 0, 0],
            ewma_weekly: Some(1.28),
            baseline_weekly: Some(2.0 / 3.0),
            ..steady()
        };
        let found = codes(&member);
        assert!(found.contains(&(ReasonCode::NewcomerCriticalWindow, None)), "{found:?}");
        // Active on day 8 after joining: not quiet since day 7.
        let active_later = MemberSignals { last_active_at: Some(AS_OF - 10 * DAY), silence_days: Some(10.0), ..member.clone() };
        assert!(!codes(&active_later).iter().any(|(code, _)| *code == ReasonCode::NewcomerCriticalWindow));
        // Day 16 and day 22 are outside the window.
        for days in [16, 22] {
            let outside = MemberSignals { seen_since: Some(AS_OF - days * DAY), ..member.clone() };
            assert!(!codes(&outside).iter().any(|(code, _)| *code == ReasonCode::NewcomerCriticalWindow), "day {days}");
        }
    }

    #[test]
    fn declining_when_the_ewma_falls_below_half_the_baseline() {
        // EWMA 1.4 < 0.5 × 3.0: fires. 1.6 does not. A baseline under 1 day a week is too
        // thin to call a decline.
        let member = MemberSignals { ewma_weekly: Some(1.4), baseline_weekly: Some(3.0), ..steady() };
        assert_eq!(codes(&member), vec![(ReasonCode::Declining, None)]);
        assert!(codes(&MemberSignals { ewma_weekly: Some(1.6), ..member.clone() }).is_empty());
        assert!(codes(&MemberSignals { ewma_weekly: Some(0.1), baseline_weekly: Some(0.8), ..member }).is_empty());
    }

    #[test]
    fn members_who_left_get_no_warning() {
        assert!(codes(&MemberSignals { left: true, silence_days: Some(10.0), ..steady() }).is_empty());
    }
}
