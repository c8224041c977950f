//! Message-level flags for the review queue (analytics §5), grouped per member:
//! low-information messages (per member and week), floods (repeated text or bursts, per
//! episode) and bot-like structured payloads from members who are not bots (per episode).
//! Each flag carries a stable fingerprint, so that detection can run again and again and
//! the store recognises the flags it already has.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::text_scan::{FlagPart, TextScan};
use super::warnings::{round, Evidence};
use super::Index;
use crate::model::{GroupData, UnixSeconds, DAY};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export, export_to = "bindings/")]
pub struct FlagConfig {
    pub min_entropy_bits: f64,
    pub flood_repeats: u32,
    pub flood_window_seconds: i64,
    /// More than this many messages by one member in one second is a flood.
    pub max_messages_per_second: u32,
    /// More than this many structured payloads by one member within a minute is bot-like.
    pub max_payloads_per_minute: u32,
    /// Flagged messages further apart than this belong to separate episodes.
    pub episode_gap_seconds: i64,
    /// At most this many message ids are kept as evidence of one flag (the count is exact).
    pub max_evidence_ids: u32,
}

impl Default for FlagConfig {
    fn default() -> Self {
        FlagConfig {
            min_entropy_bits: 0.1,
            flood_repeats: 3,
            flood_window_seconds: 600,
            max_messages_per_second: 5,
            max_payloads_per_minute: 5,
            episode_gap_seconds: 600,
            max_evidence_ids: 100,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum FlagCode {
    LowInformation,
    Flood,
    BotLike,
}

impl FlagCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagCode::LowInformation => "low_information",
            FlagCode::Flood => "flood",
            FlagCode::BotLike => "bot_like",
        }
    }

    pub fn parse(text: &str) -> Option<FlagCode> {
        [FlagCode::LowInformation, FlagCode::Flood, FlagCode::BotLike].into_iter().find(|code| code.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct FlagEvidence {
    pub numbers: Vec<Evidence>,
    #[ts(type = "number[]")]
    pub message_ids: Vec<i64>,
    #[ts(type = "number")]
    pub first_at: UnixSeconds,
    #[ts(type = "number")]
    pub last_at: UnixSeconds,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct DetectedFlag {
    pub code: FlagCode,
    #[ts(type = "number")]
    pub member_id: i64,
    /// Rule, member and the first message (or week): the same flag on every run.
    pub fingerprint: String,
    pub evidence: FlagEvidence,
}

/// Whether a text is a structured payload rather than words: a JSON object or array, an
/// XML element, or a line of three or more key=value pairs.
pub fn is_structured_payload(text: &str) -> bool {
    let trimmed = text.trim();
    let json_shaped = (trimmed.starts_with('{') && trimmed.ends_with('}')) || (trimmed.starts_with('[') && trimmed.ends_with(']'));
    if json_shaped && serde_json::from_str::<serde_json::Value>(trimmed).is_ok() {
        return true;
    }
    if trimmed.starts_with('<') && trimmed.ends_with('>') && trimmed.contains("</") {
        return true;
    }
    let pairs: Vec<&str> = trimmed.split_whitespace().collect();
    pairs.len() >= 3 && pairs.iter().all(|pair| pair.split_once('=').is_some_and(|(key, _)| !key.is_empty()))
}

/// All flags of a group from its posts before `as_of`, ordered by time, then member.
pub fn detect_flags(data: &GroupData, as_of: UnixSeconds, config: &FlagConfig) -> Vec<DetectedFlag> {
    let mut scan = TextScan::new(None, Some(config));
    scan.scan(&Index::new(data), as_of);
    scan.flags()
}

impl TextScan {
    /// The flags of the posts scanned (none without the flags' part).
    pub fn flags(&self) -> Vec<DetectedFlag> {
        let Some(FlagPart { config, low, flood, payload }) = &self.flags else { return Vec::new() };
        let mut flags = Vec::new();
        let ids = |posts: &[(UnixSeconds, i64)]| posts.iter().take(config.max_evidence_ids as usize).map(|&(_, id)| id).collect::<Vec<_>>();
        for (&(member, week), posts) in low {
            let lowest = posts.iter().map(|&(_, _, entropy)| entropy).fold(f64::INFINITY, f64::min);
            let timed: Vec<(UnixSeconds, i64)> = posts.iter().map(|&(id, at, _)| (at, id)).collect();
            flags.push(DetectedFlag {
                code: FlagCode::LowInformation,
                member_id: member,
                fingerprint: format!("low_information:{member}:{}", week / DAY),
                evidence: FlagEvidence {
                    numbers: vec![
                        Evidence { name: "messages".into(), value: posts.len() as f64 },
                        Evidence { name: "lowest_entropy_bits".into(), value: round(lowest) },
                    ],
                    message_ids: ids(&timed),
                    first_at: timed[0].0,
                    last_at: timed[timed.len() - 1].0,
                },
            });
        }
        for (&member, posts) in flood {
            for episode in episodes(posts.iter().map(|(&key, &value)| (key, value)).collect(), config.episode_gap_seconds) {
                let timed: Vec<(UnixSeconds, i64)> = episode.iter().map(|&(key, _)| key).collect();
                let repeats = episode.iter().map(|&(_, (repeats, _))| repeats).max().unwrap_or(0);
                let per_second = episode.iter().map(|&(_, (_, per_second))| per_second).max().unwrap_or(0);
                flags.push(DetectedFlag {
                    code: FlagCode::Flood,
                    member_id: member,
                    fingerprint: format!("flood:{member}:{}", timed[0].1),
                    evidence: FlagEvidence {
                        numbers: vec![
                            Evidence { name: "messages".into(), value: timed.len() as f64 },
                            Evidence { name: "most_repeats_in_window".into(), value: f64::from(repeats) },
                            Evidence { name: "most_in_one_second".into(), value: f64::from(per_second) },
                            Evidence { name: "span_seconds".into(), value: (timed[timed.len() - 1].0 - timed[0].0) as f64 },
                        ],
                        message_ids: ids(&timed),
                        first_at: timed[0].0,
                        last_at: timed[timed.len() - 1].0,
                    },
                });
            }
        }
        for (&member, posts) in payload {
            for episode in episodes(posts.iter().map(|(&key, &value)| (key, value)).collect(), config.episode_gap_seconds) {
                let timed: Vec<(UnixSeconds, i64)> = episode.iter().map(|&(key, _)| key).collect();
                let most = episode.iter().map(|&(_, count)| count).max().unwrap_or(0);
                flags.push(DetectedFlag {
                    code: FlagCode::BotLike,
                    member_id: member,
                    fingerprint: format!("bot_like:{member}:{}", timed[0].1),
                    evidence: FlagEvidence {
                        numbers: vec![
                            Evidence { name: "payloads".into(), value: timed.len() as f64 },
                            Evidence { name: "most_in_one_minute".into(), value: f64::from(most) },
                        ],
                        message_ids: ids(&timed),
                        first_at: timed[0].0,
                        last_at: timed[timed.len() - 1].0,
                    },
                });
            }
        }
        flags.sort_by(|a, b| a.evidence.first_at.cmp(&b.evidence.first_at).then(a.member_id.cmp(&b.member_id)).then(a.code.cmp(&b.code)));
        flags
    }
}

/// Splits time-ordered items into runs whose neighbours are at most `gap` seconds apart.
fn episodes<T: Copy>(items: Vec<((UnixSeconds, i64), T)>, gap: i64) -> Vec<Vec<((UnixSeconds, i64), T)>> {
    let mut runs: Vec<Vec<((UnixSeconds, i64), T)>> = Vec::new();
    for item in items {
        match runs.last_mut() {
            Some(run) if item.0 .0 - run[run.len() - 1].0 .0 <= gap => run.push(item),
            _ => runs.push(vec![item]),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::tests_support::{group, member, post, rows_of};

    fn codes(flags: &[DetectedFlag]) -> Vec<(FlagCode, i64, Vec<i64>)> {
        flags.iter().map(|flag| (flag.code, flag.member_id, flag.evidence.message_ids.clone())).collect()
    }

    #[test]
    fn low_information_per_member_and_week() {
        // Day 4 (1970-01-05) is a Monday. m1: "!!!!" (0 bits) on day 4 and "   " on day 6,
        // one flag for that week; "????" on day 12 falls in the next week: a second flag.
        // "ok" has 1 bit: fine. m2's photo caption "" is not judged.
        let data = group(
            true,
            vec![member(1), member(2)],
            vec![
                post(1, 1, 4 * DAY, "!!!!"),
                post(2, 1, 6 * DAY, "   "),
                post(3, 1, 6 * DAY + 10, "ok"),
                post(4, 1, 12 * DAY, "????"),
                post(5, 2, 5 * DAY, ""),
            ],
        );
        let flags = detect_flags(&data, 30 * DAY, &FlagConfig::default());
        assert_eq!(codes(&flags), vec![(FlagCode::LowInformation, 1, vec![1, 2]), (FlagCode::LowInformation, 1, vec![4])]);
        assert_eq!(flags[0].fingerprint, "low_information:1:4");
        assert_eq!(flags[0].evidence.numbers[0].value, 2.0);
        assert_eq!(flags[0].evidence.numbers[1].value, 0.0);
    }

    #[test]
    fn floods_by_repeats_and_by_burst_are_episodes() {
        // m1: "Buy now" at 0, 100, 590 s (3 within 600 s) -> one episode of 3.
        // m1 again at 5000, 5001, 5002 with six posts in the second 5000: a burst (> 5 per
        // second) -> a second episode (more than 600 s later).
        // m2: "hello" at 0, 400, 1000 -> never 3 within 600 s: nothing.
        let mut rows = vec![
            post(1, 1, 0, "Buy now"),
            post(2, 1, 100, "buy  NOW"),
            post(3, 1, 590, "Buy now"),
            post(4, 2, 0, "hello"),
            post(5, 2, 400, "hello"),
            post(6, 2, 1000, "hello"),
        ];
        rows.extend((0..6).map(|n| post(10 + n, 1, 5000, &format!("part {n}"))));
        let data = group(true, vec![member(1), member(2)], rows);
        let flags = detect_flags(&data, 10_000, &FlagConfig::default());
        assert_eq!(codes(&flags), vec![(FlagCode::Flood, 1, vec![1, 2, 3]), (FlagCode::Flood, 1, vec![10, 11, 12, 13, 14, 15])]);
        let numbers = |flag: &DetectedFlag| flag.evidence.numbers.iter().map(|number| number.value).collect::<Vec<_>>();
        // messages, most repeats, most in one second, span.
        assert_eq!(numbers(&flags[0]), vec![3.0, 3.0, 0.0, 590.0]);
        assert_eq!(numbers(&flags[1]), vec![6.0, 0.0, 6.0, 0.0]);
        assert_eq!(flags[0].fingerprint, "flood:1:1");
    }

    #[test]
    fn structured_payloads_more_than_five_a_minute_are_bot_like() {
        assert!(is_structured_payload(r#"{"status":"ok","ts":1}"#));
        assert!(is_structured_payload("[1, 2, 3]"));
        assert!(is_structured_payload("<ping><ts>1</ts></ping>"));
        assert!(is_structured_payload("cpu=3 mem=40 host=a"));
        assert!(!is_structured_payload("{not json}"));
        assert!(!is_structured_payload("a = b is how you assign"));
        // Six heartbeats 10 s apart (all within 60 s) -> flagged; five would not be.
        let rows: Vec<_> = (0..6).map(|n| post(n + 1, 1, n * 10, &format!(r#"{{"beat":{n}}}"#))).collect();
        let data = group(true, vec![member(1)], rows.clone());
        let flags = detect_flags(&data, 1_000, &FlagConfig::default());
        assert_eq!(codes(&flags), vec![(FlagCode::BotLike, 1, vec![1, 2, 3, 4, 5, 6])]);
        let five = group(true, vec![member(1)], rows[..5].to_vec());
        assert!(detect_flags(&five, 1_000, &FlagConfig::default()).is_empty());
        // A member marked as a bot is not flagged for being a bot.
        let mut bot = member(1);
        bot.is_bot = true;
        assert!(detect_flags(&group(true, vec![bot], rows), 1_000, &FlagConfig::default()).is_empty());
    }

    #[test]
    fn detection_ignores_input_order_and_the_future() {
        let rows: Vec<_> = (0..6).map(|n| post(n + 1, 1, n * 10, "same")).collect();
        let data = group(true, vec![member(1)], rows);
        // `group` sorts the rows, as the store does: shuffled input gives the same flags.
        let mut reversed = rows_of(&data);
        reversed.reverse();
        let again = group(true, vec![member(1)], reversed);
        assert_eq!(detect_flags(&data, 1_000, &FlagConfig::default()), detect_flags(&again, 1_000, &FlagConfig::default()));
        // Before the third post there is no flood yet.
        assert!(detect_flags(&data, 20, &FlagConfig::default()).is_empty());
    }
}
