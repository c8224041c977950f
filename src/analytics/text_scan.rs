//! One pass over the human posts and their texts for both message-level judgements: the
//! noise flags the health score's noise share counts (analytics §1) and the review queue's
//! flags (§5). Each text is trimmed, fingerprinted and (where it may be low) measured for
//! its entropy once, and the windows of the same text and of the last second are kept once
//! for both, each reading its own thresholds from them.
//!
//! Resumable: rows come in time order, so the state after the rows before some position,
//! given the rows after it, gives what one pass over all of them gives.

use std::collections::{BTreeMap, VecDeque};

use super::daily::RowMembers;
use super::flags::{is_structured_payload, FlagConfig};
use super::noise::{char_entropy_bits, fingerprint, may_be_below, NoiseConfig, NoiseFlag};
use super::{week_start, Index, MixMap};
use crate::model::UnixSeconds;

/// A post's (time, id), the key flagged posts are kept under.
pub(crate) type PostKey = (UnixSeconds, i64);
/// A low-information post: (id, time, entropy).
pub(crate) type LowPost = (i64, UnixSeconds, f64);

/// What the noise flags keep: the noise posts found so far, by id.
struct NoisePart {
    config: NoiseConfig,
    /// Posts before this instant are read (for floods straddling it) but not flagged.
    from: UnixSeconds,
    flagged: BTreeMap<i64, NoiseFlag>,
}

/// What the review queue's flags keep.
pub(crate) struct FlagPart {
    pub(crate) config: FlagConfig,
    /// Low-information posts per (member, week).
    pub(crate) low: BTreeMap<(i64, i64), Vec<LowPost>>,
    /// Flooding posts per member, as (time, id) with the most repeats of their text in a
    /// window and the most posts in one second they were part of.
    pub(crate) flood: BTreeMap<i64, BTreeMap<PostKey, (u32, u32)>>,
    /// Structured payloads per member, with the most in one minute they were part of.
    pub(crate) payload: BTreeMap<i64, BTreeMap<PostKey, u32>>,
}

/// A window of recent posts, oldest first.
type Window = VecDeque<PostKey>;

/// The noise flags' and the flags' pass over the posts (see the module's note).
pub struct TextScan {
    noise: Option<NoisePart>,
    pub(crate) flags: Option<FlagPart>,
    /// The next row to read.
    row: usize,
    /// Per (member, fingerprint of the normalised text): the member's posts of that text
    /// within the longer of the two flood windows.
    same_text: MixMap<(i64, u64), Window>,
    text_window: i64,
    /// Per member: the posts of the last second, each with whether it has a text (the
    /// flags count only those; the noise flags count every post).
    last_second: MixMap<i64, VecDeque<(UnixSeconds, i64, bool)>>,
    /// Per member: the structured payloads of the last minute (flags).
    last_minute: MixMap<i64, Window>,
    /// Emptied same-text windows, kept for new texts instead of allocating.
    spare: Vec<Window>,
    sweep_at: usize,
}

impl TextScan {
    /// A pass from the first row for the noise flags (with `noise`) and the review
    /// queue's flags (with `flags`), either or both.
    pub fn new(noise: Option<&NoiseConfig>, flags: Option<&FlagConfig>) -> TextScan {
        let noise = noise.map(|config| NoisePart { config: config.clone(), from: i64::MIN, flagged: BTreeMap::new() });
        let flags =
            flags.map(|config| FlagPart { config: config.clone(), low: BTreeMap::new(), flood: BTreeMap::new(), payload: BTreeMap::new() });
        let text_window = noise
            .iter()
            .map(|noise| noise.config.flood_window_seconds)
            .chain(flags.iter().map(|flags| flags.config.flood_window_seconds))
            .max()
            .unwrap_or(0);
        TextScan {
            noise,
            flags,
            row: 0,
            same_text: MixMap::default(),
            text_window,
            last_second: MixMap::default(),
            last_minute: MixMap::default(),
            spare: Vec::new(),
            sweep_at: 4096,
        }
    }

    /// A pass for the noise flags of the posts from `from` on: the posts up to one flood
    /// window before it are read too, so that a flood straddling `from` is seen.
    pub fn noise_from(index: &Index<'_>, from: UnixSeconds, config: &NoiseConfig) -> TextScan {
        let mut scan = TextScan::new(Some(config), None);
        let look_back = from.saturating_sub(config.flood_window_seconds.max(1));
        scan.row = index.data.activities.partition_point(|activity| activity.at < look_back);
        if let Some(noise) = &mut scan.noise {
            noise.from = from;
        }
        scan
    }

    /// Whether a scan with these configs, on rows that extend the ones read (the first
    /// `seen` rows are the same), can continue this one up to `to`.
    pub fn continues(
        &self,
        seen: usize,
        index: &Index<'_>,
        to: UnixSeconds,
        noise: Option<&NoiseConfig>,
        flags: Option<&FlagConfig>,
    ) -> bool {
        self.row <= seen
            && index.data.activities.partition_point(|activity| activity.at < to) >= self.row
            && self.noise.as_ref().map(|part| (&part.config, part.from)) == noise.map(|config| (config, i64::MIN))
            && self.flags.as_ref().map(|part| &part.config) == flags
    }

    /// The noise posts found (empty without the noise part): post id → when it was written
    /// and when it became known to be noise.
    pub fn noise_flagged(&self) -> &BTreeMap<i64, NoiseFlag> {
        static NONE: BTreeMap<i64, NoiseFlag> = BTreeMap::new();
        self.noise.as_ref().map_or(&NONE, |noise| &noise.flagged)
    }

    /// [`TextScan::noise_flagged`], taken.
    pub fn into_noise_flagged(self) -> BTreeMap<i64, NoiseFlag> {
        self.noise.map(|noise| noise.flagged).unwrap_or_default()
    }

    /// Forgets windows whose posts are all too old to count again (the next post of the
    /// same text or member would empty them first), so that the maps hold only the recent
    /// past however long the history.
    fn sweep(&mut self, now: UnixSeconds) {
        let (text_window, spare) = (self.text_window, &mut self.spare);
        self.same_text.retain(|_, window| {
            let keep = window.back().is_some_and(|&(at, _)| now - at < text_window);
            if !keep && spare.len() < 4096 {
                let mut emptied = std::mem::take(window);
                emptied.clear();
                spare.push(emptied);
            }
            keep
        });
        self.last_second.retain(|_, burst| burst.back().is_some_and(|&(at, _, _)| now - at < 1));
        self.last_minute.retain(|_, minute| minute.back().is_some_and(|&(at, _)| now - at < 60));
        self.sweep_at = 2 * (self.same_text.len() + self.last_second.len() + self.last_minute.len()) + 4096;
    }

    /// Reads the posts before `to` not read yet.
    pub fn scan(&mut self, index: &Index<'_>, to: UnixSeconds) {
        let data = index.data;
        let activities = &data.activities;
        let end = activities.partition_point(|activity| activity.at < to).max(self.row);
        // The entropy is computed where the cheap bound says it may be below either
        // threshold (most texts are ruled out; a higher threshold only computes it more).
        let threshold = self
            .noise
            .iter()
            .map(|noise| noise.config.min_entropy_bits)
            .chain(self.flags.iter().map(|flags| flags.config.min_entropy_bits))
            .fold(f64::NEG_INFINITY, f64::max);
        let members = RowMembers::new(index);
        for activity in &activities[self.row..end] {
            if !activity.kind.is_post() || members.human(activity.member_id).is_none() {
                continue;
            }
            if self.same_text.len() + self.last_second.len() + self.last_minute.len() > self.sweep_at {
                self.sweep(activity.at);
            }
            let member = activity.member_id;
            let now = activity.at;
            let key = (now, activity.id);
            // Posts without a text (a photo, a file; an empty caption) are not judged.
            let text = data.text(activity).filter(|text| !text.is_empty());
            let trimmed = text.map(str::trim);
            let blank = trimmed.is_some_and(str::is_empty);
            let entropy = trimmed.filter(|trimmed| !trimmed.is_empty() && may_be_below(trimmed, threshold)).map(char_entropy_bits);
            if let Some(noise) = &mut self.noise {
                if now >= noise.from && (blank || entropy.is_some_and(|bits| bits < noise.config.min_entropy_bits)) {
                    noise.flagged.entry(activity.id).or_insert(NoiseFlag { at: now, flagged_at: now });
                }
            }
            if let Some(flags) = &mut self.flags {
                let low = if blank { Some(0.0) } else { entropy.filter(|&bits| bits < flags.config.min_entropy_bits) };
                if let Some(bits) = low {
                    flags.low.entry((member, week_start(now))).or_default().push((activity.id, now, bits));
                }
            }
            if let Some(trimmed) = trimmed.filter(|trimmed| !trimmed.is_empty()) {
                let spare = &mut self.spare;
                let window = self.same_text.entry((member, fingerprint(trimmed))).or_insert_with(|| spare.pop().unwrap_or_default());
                window.push_back(key);
                while window.front().is_some_and(|&(at, _)| now - at >= self.text_window) {
                    window.pop_front();
                }
                if let Some(noise) = &mut self.noise {
                    let start = window.partition_point(|&(at, _)| now - at >= noise.config.flood_window_seconds);
                    if window.len() - start >= noise.config.flood_repeats {
                        for &(at, id) in window.range(start..).filter(|&&(at, _)| at >= noise.from) {
                            noise.flagged.entry(id).or_insert(NoiseFlag { at, flagged_at: now });
                        }
                    }
                }
                if let Some(flags) = &mut self.flags {
                    let start = window.partition_point(|&(at, _)| now - at >= flags.config.flood_window_seconds);
                    let repeats = window.len() - start;
                    if repeats >= flags.config.flood_repeats as usize {
                        let posts = flags.flood.entry(member).or_default();
                        for &post in window.range(start..) {
                            let entry = posts.entry(post).or_default();
                            entry.0 = entry.0.max(repeats as u32);
                        }
                    }
                }
            }
            let has_text = text.is_some();
            if self.noise.is_none() && !has_text {
                continue;
            }
            let burst = self.last_second.entry(member).or_default();
            burst.push_back((now, activity.id, has_text));
            while burst.front().is_some_and(|&(at, _, _)| now - at >= 1) {
                burst.pop_front();
            }
            if let Some(noise) = &mut self.noise {
                if burst.len() > noise.config.max_messages_per_second {
                    for &(at, id, _) in burst.iter().filter(|&&(at, _, _)| at >= noise.from) {
                        noise.flagged.entry(id).or_insert(NoiseFlag { at, flagged_at: now });
                    }
                }
            }
            let (Some(flags), Some(trimmed)) = (&mut self.flags, trimmed) else { continue };
            let count = burst.iter().filter(|&&(_, _, has_text)| has_text).count();
            if count > flags.config.max_messages_per_second as usize {
                let posts = flags.flood.entry(member).or_default();
                for &(at, id, _) in burst.iter().filter(|&&(_, _, has_text)| has_text) {
                    let entry = posts.entry((at, id)).or_default();
                    entry.1 = entry.1.max(count as u32);
                }
            }
            if (trimmed.starts_with(['{', '[', '<']) || trimmed.contains('=')) && is_structured_payload(trimmed) {
                let minute = self.last_minute.entry(member).or_default();
                minute.push_back(key);
                while minute.front().is_some_and(|&(at, _)| now - at >= 60) {
                    minute.pop_front();
                }
                if minute.len() > flags.config.max_payloads_per_minute as usize {
                    let count = minute.len() as u32;
                    let posts = flags.payload.entry(member).or_default();
                    for &post in minute.iter() {
                        let entry = posts.entry(post).or_default();
                        *entry = (*entry).max(count);
                    }
                }
            }
        }
        self.row = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::flags::FlagCode;
    use crate::analytics::tests_support::{activity, group, member, post};
    use crate::model::{ActivityKind, GroupData};
    use proptest::prelude::*;

    /// Texts that exercise every judgement: repeats (in other case and spacing), blanks,
    /// low entropy, payloads, plain words, an empty caption and no text at all.
    const TEXTS: [Option<&str>; 9] = [
        Some("buy now"),
        Some("Buy  NOW "),
        Some("   "),
        Some("!!!!!!!!"),
        Some(r#"{"beat": 1}"#),
        Some("a=1 b=2 c=3"),
        Some("hello there"),
        Some(""),
        None,
    ];

    fn generated(rows: &[(u8, u16, u8)]) -> GroupData {
        let mut bot = member(4);
        bot.is_bot = true;
        let mut at = 0i64;
        let rows = rows
            .iter()
            .enumerate()
            .map(|(index, &(author, gap, text))| {
                // Gaps from 0 s (bursts) to ~18 min, so windows fill and empty.
                at += i64::from(gap % 1100) * i64::from(gap % 3 == 0);
                let kind = if text % 11 == 10 { ActivityKind::Reaction } else { ActivityKind::Message };
                activity(index as i64 + 1, i64::from(author % 4) + 1, at, kind, None, TEXTS[text as usize % TEXTS.len()])
            })
            .collect();
        group(true, vec![member(1), member(2), member(3), bot], rows)
    }

    fn noise_config(window: i64, repeats: usize, per_second: usize, bits: f64) -> NoiseConfig {
        NoiseConfig { min_entropy_bits: bits, flood_repeats: repeats, flood_window_seconds: window, max_messages_per_second: per_second }
    }

    fn flag_config(window: i64, repeats: u32, per_second: u32, bits: f64) -> FlagConfig {
        FlagConfig {
            min_entropy_bits: bits,
            flood_repeats: repeats,
            flood_window_seconds: window,
            max_messages_per_second: per_second,
            max_payloads_per_minute: 2,
            ..FlagConfig::default()
        }
    }

    #[test]
    fn one_pass_serves_both_by_hand() {
        // m1 posts "buy now" three times in 600 s (a flood for both with the defaults), a
        // blank and a payload; the shared pass gives each side what its own pass gives.
        let data = group(
            true,
            vec![member(1)],
            vec![
                post(1, 1, 0, "buy now"),
                post(2, 1, 100, "BUY now"),
                post(3, 1, 200, "buy now "),
                post(4, 1, 300, "  "),
                post(5, 1, 400, "{}"),
            ],
        );
        let index = Index::new(&data);
        let mut both = TextScan::new(Some(&NoiseConfig::default()), Some(&FlagConfig::default()));
        both.scan(&index, 1_000);
        let noisy: Vec<(i64, i64)> = both.noise_flagged().iter().map(|(&id, flag)| (id, flag.flagged_at)).collect();
        // #1–#3 are known to be a flood at #3 (200 s); #4 is blank, noise at once.
        assert_eq!(noisy, vec![(1, 200), (2, 200), (3, 200), (4, 300)]);
        let codes: Vec<(FlagCode, Vec<i64>)> = both.flags().iter().map(|flag| (flag.code, flag.evidence.message_ids.clone())).collect();
        assert_eq!(codes, vec![(FlagCode::Flood, vec![1, 2, 3]), (FlagCode::LowInformation, vec![4])]);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// The shared pass, whatever the two configs, gives what a pass for each alone gives;
        /// and continued after any split, what one pass gives.
        #[test]
        fn the_shared_pass_gives_what_separate_passes_give(
            rows in proptest::collection::vec((any::<u8>(), any::<u16>(), any::<u8>()), 1..160),
            noise_window in 1i64..900,
            flag_window in 1i64..900,
            repeats in (2usize..4, 2u32..4),
            per_second in (1usize..4, 1u32..4),
            bits in (0.0..0.3f64, 0.0..0.3f64),
            split in 0.0..1.0f64,
        ) {
            let data = generated(&rows);
            let index = Index::new(&data);
            let noise = noise_config(noise_window, repeats.0, per_second.0, bits.0);
            let flags = flag_config(flag_window, repeats.1, per_second.1, bits.1);
            let to = data.activities.last().map_or(0, |row| row.at) + 1;
            let mut both = TextScan::new(Some(&noise), Some(&flags));
            both.scan(&index, to);
            let mut noise_alone = TextScan::new(Some(&noise), None);
            noise_alone.scan(&index, to);
            let mut flags_alone = TextScan::new(None, Some(&flags));
            flags_alone.scan(&index, to);
            prop_assert_eq!(both.noise_flagged(), noise_alone.noise_flagged());
            prop_assert_eq!(both.flags(), flags_alone.flags());
            // Split: the rows before an instant first, then the rest.
            let middle = (to as f64 * split) as i64;
            let mut resumed = TextScan::new(Some(&noise), Some(&flags));
            resumed.scan(&index, middle);
            let seen = data.activities.partition_point(|row| row.at < middle);
            prop_assert!(resumed.continues(seen, &index, to, Some(&noise), Some(&flags)));
            resumed.scan(&index, to);
            prop_assert_eq!(resumed.noise_flagged(), both.noise_flagged());
            prop_assert_eq!(resumed.flags(), both.flags());
        }
    }
}
