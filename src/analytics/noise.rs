//! Message-level noise flags (analytics §5): low-information messages and floods. The
//! health score's noise share counts the messages these flag.

use std::collections::{BTreeMap, BTreeSet};

use super::text_scan::TextScan;
use super::Index;

#[derive(Debug, Clone, PartialEq)]
pub struct NoiseConfig {
    /// Messages whose characters carry less information than this (bits) are noise.
    pub min_entropy_bits: f64,
    /// The same normalised text this many times ...
    pub flood_repeats: usize,
    /// ... within this many seconds, by one member, is a flood.
    pub flood_window_seconds: i64,
    /// More than this many messages by one member within one second is a flood too.
    pub max_messages_per_second: usize,
}

impl Default for NoiseConfig {
    fn default() -> Self {
        NoiseConfig { min_entropy_bits: 0.1, flood_repeats: 3, flood_window_seconds: 600, max_messages_per_second: 5 }
    }
}

/// Shannon entropy of a text's characters, in bits.
pub fn char_entropy_bits(text: &str) -> f64 {
    let mut counts: Vec<(char, u32)> = Vec::new();
    let mut total = 0u32;
    for c in text.chars() {
        total += 1;
        match counts.iter_mut().find(|(seen, _)| *seen == c) {
            Some((_, count)) => *count += 1,
            None => counts.push((c, 1)),
        }
    }
    counts.sort_unstable();
    counts
        .iter()
        .map(|&(_, count)| {
            let p = f64::from(count) / f64::from(total);
            -p * p.log2()
        })
        .sum()
}

/// A quick test that rules most texts out before their entropy is computed: a text whose
/// most common character makes up at most 98 % of it carries at least the binary entropy
/// of 0.02, 0.1414 bits, so below that threshold its entropy need not be computed. The
/// most common character, if above half, is found by a majority vote in one pass.
pub(crate) fn may_be_below(text: &str, threshold_bits: f64) -> bool {
    const BINARY_ENTROPY_OF_2_PERCENT: f64 = 0.141_4;
    if threshold_bits > BINARY_ENTROPY_OF_2_PERCENT {
        return true;
    }
    // Most messages are short: within 100 bytes (so at most 100 characters) a character
    // above 98 % leaves at most one other (50 × others < characters), so it is the first
    // or the second character, and counting the others stops at the first that makes
    // 50 × others reach the byte length.
    let bytes = text.len();
    if bytes <= 100 {
        let mut leading = text.chars();
        let candidates = [leading.next(), leading.next()];
        return candidates.into_iter().flatten().any(|candidate| {
            let (mut others, mut total) = (0usize, 0usize);
            for c in text.chars() {
                total += 1;
                if c != candidate {
                    others += 1;
                    if 50 * others >= bytes {
                        return false;
                    }
                }
            }
            (total - others) * 100 > total * 98
        });
    }
    let mut candidate = '\0';
    let mut votes = 0usize;
    let mut total = 0usize;
    for c in text.chars() {
        total += 1;
        if votes == 0 {
            candidate = c;
            votes = 1;
        } else if c == candidate {
            votes += 1;
        } else {
            votes -= 1;
        }
    }
    let count = text.chars().filter(|&c| c == candidate).count();
    count * 100 > total * 98
}

/// Whether a message text is low-information: blank after trimming, or below the entropy
/// threshold. Messages without any text (a photo, a file) are not judged.
pub fn is_low_information(text: Option<&str>, config: &NoiseConfig) -> bool {
    match text {
        None => false,
        Some("") => false,
        Some(text) => {
            let trimmed = text.trim();
            trimmed.is_empty() || (may_be_below(trimmed, config.min_entropy_bits) && char_entropy_bits(trimmed) < config.min_entropy_bits)
        }
    }
}

/// A 64-bit fingerprint (FNV-1a) of a text with whitespace runs collapsed, ends trimmed
/// and letters lowercased: texts that differ only in spacing or case match. Computed
/// without allocating, because flood detection looks at every post.
pub(crate) fn fingerprint(text: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash = OFFSET;
    let mut feed = |c: char| {
        let mut buffer = [0u8; 4];
        for byte in c.encode_utf8(&mut buffer).bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
        }
    };
    let mut pending_space = false;
    let mut started = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = started;
            continue;
        }
        if pending_space {
            feed(' ');
            pending_space = false;
        }
        started = true;
        if c.is_ascii() {
            // The common case: one byte, lowercased as `to_lowercase` would.
            feed(c.to_ascii_lowercase());
        } else {
            c.to_lowercase().for_each(&mut feed);
        }
    }
    hash
}

/// Ids of the human posts that are noise, in ascending order.
pub fn noisy_posts(index: &Index<'_>, config: &NoiseConfig) -> BTreeSet<i64> {
    noisy_posts_between(index, i64::MIN, i64::MAX, config)
}

/// Ids of the human posts in [from, to) that are noise. Posts up to one flood window
/// before `from` are looked at too, so that a flood straddling `from` is still seen.
pub fn noisy_posts_between(index: &Index<'_>, from: i64, to: i64, config: &NoiseConfig) -> BTreeSet<i64> {
    noise_flag_times(index, from, to, config).into_keys().collect()
}

/// When a noise post was written and when it became known to be noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoiseFlag {
    pub at: i64,
    pub flagged_at: i64,
}

/// The human posts in [from, to) that are noise, each with the time it became known to be
/// noise: its own time for a low-information text, the time of the post that completed the
/// flood otherwise. A post is noise "as of" an instant when its flag time is before it, so
/// a daily series can use one pass over the whole history and still see at each day only
/// what was known then.
pub fn noise_flag_times(index: &Index<'_>, from: i64, to: i64, config: &NoiseConfig) -> BTreeMap<i64, NoiseFlag> {
    let mut scan = TextScan::noise_from(index, from, config);
    scan.scan(index, to);
    scan.into_noise_flagged()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::tests_support::{group, member, post};

    #[test]
    fn entropy_by_hand() {
        // "aaaa": one symbol, 0 bits. "ab": two equally likely symbols, 1 bit.
        // "aab": p = 2/3, 1/3 -> 0.918 bits.
        assert_eq!(char_entropy_bits("aaaa"), 0.0);
        assert!((char_entropy_bits("ab") - 1.0).abs() < 1e-12);
        assert!((char_entropy_bits("aab") - 0.918_295_834).abs() < 1e-6);
    }

    #[test]
    fn low_information_texts() {
        let config = NoiseConfig::default();
        assert!(is_low_information(Some("   "), &config));
        assert!(is_low_information(Some("!!!!!!"), &config));
        assert!(!is_low_information(Some("ok"), &config));
        assert!(!is_low_information(None, &config));
        assert!(!is_low_information(Some(""), &config), "an empty caption of a photo is not noise");
    }

    #[test]
    fn repeated_text_within_ten_minutes_is_a_flood() {
        // Member 1 says "Buy now" at 0, 100, 590 s: three within 600 s -> all three flagged.
        // Member 2 says "hello" at 0, 400, 1000: never three within 600 s -> not flagged.
        let data = group(
            true,
            vec![member(1), member(2)],
            vec![
                post(1, 1, 0, "Buy now"),
                post(2, 1, 100, "buy  NOW"),
                post(3, 1, 590, "Buy now"),
                post(4, 2, 0, "hello"),
                post(5, 2, 400, "hello"),
                post(6, 2, 1000, "hello"),
            ],
        );
        let noisy = noisy_posts(&Index::new(&data), &NoiseConfig::default());
        assert_eq!(noisy.into_iter().collect::<Vec<_>>(), vec![1, 2, 3]);
    }

    #[test]
    fn more_than_five_posts_in_one_second_is_a_flood() {
        let posts = (1..=6).map(|id| post(id, 1, 50, &format!("part {id}"))).collect();
        let data = group(true, vec![member(1)], posts);
        assert_eq!(noisy_posts(&Index::new(&data), &NoiseConfig::default()).len(), 6);
        let five = (1..=5).map(|id| post(id, 1, 50, &format!("part {id}"))).collect();
        let data = group(true, vec![member(1)], five);
        assert!(noisy_posts(&Index::new(&data), &NoiseConfig::default()).is_empty());
    }

    #[test]
    fn a_flood_straddling_the_range_start_is_seen_but_only_posts_inside_count() {
        // "spam" at 100, 200, 300 s: a flood. From 250 s on, only #3 is inside the range,
        // but it is flagged because the two before it are looked at too.
        let data = group(true, vec![member(1)], vec![post(1, 1, 100, "spam"), post(2, 1, 200, "spam"), post(3, 1, 300, "spam")]);
        let noisy = noisy_posts_between(&Index::new(&data), 250, 1_000, &NoiseConfig::default());
        assert_eq!(noisy.into_iter().collect::<Vec<_>>(), vec![3]);
    }

    #[test]
    fn fingerprints_ignore_spacing_and_case_only() {
        assert_eq!(fingerprint("Buy  NOW"), fingerprint("buy now"));
        assert_eq!(fingerprint("  buy now "), fingerprint("buy now"));
        assert_ne!(fingerprint("buy now"), fingerprint("buynow"));
        assert_ne!(fingerprint("buy now"), fingerprint("buy now!"));
    }

    proptest::proptest! {
        /// The quick test says "may be below" exactly for the texts one character of which
        /// makes up more than 98 % (counted directly), short (the early exit) or long.
        #[test]
        fn the_quick_test_is_the_share_of_the_most_common_character(
            base in proptest::sample::select(vec!['a', 'é', ' ', '!']),
            others in proptest::collection::vec((0usize..260, proptest::sample::select(vec!['b', 'ß', 'a'])), 0..4),
            length in 1usize..260,
        ) {
            let mut text: Vec<char> = vec![base; length];
            for (at, c) in others {
                if let Some(slot) = text.get_mut(at) {
                    *slot = c;
                }
            }
            let text: String = text.into_iter().collect();
            let total = text.chars().count();
            let most = text.chars().map(|c| text.chars().filter(|&d| d == c).count()).max().unwrap_or(0);
            proptest::prop_assert_eq!(may_be_below(&text, 0.1), most * 100 > total * 98, "{:?}", text);
        }
    }

    #[test]
    fn the_quick_test_never_rules_out_a_low_information_text() {
        // Entropy below 0.1 bits needs one character above 98 %: 99 × "a" + "b" is 0.0808
        // bits (kept for the full computation), 49 × "a" + "b" is 0.1414 bits (ruled out).
        let ninety_nine = format!("{}b", "a".repeat(99));
        assert!(may_be_below(&ninety_nine, 0.1) && char_entropy_bits(&ninety_nine) < 0.1);
        let forty_nine = format!("{}b", "a".repeat(49));
        assert!(!may_be_below(&forty_nine, 0.1) && char_entropy_bits(&forty_nine) >= 0.1);
        assert!(is_low_information(Some(&ninety_nine), &NoiseConfig::default()));
        assert!(!is_low_information(Some("hello world"), &NoiseConfig::default()));
        // A higher threshold than the quick test covers always computes the entropy.
        assert!(may_be_below("abc", 0.5));
    }
}
