//! The analytics: pure functions of (a group's rows, an `as_of` instant, a config) that
//! return plain structs. Nothing here touches the database, the clock, the file system or
//! the UI, and nothing iterates a hash map where the order could change a result, so the
//! same input gives the same output byte for byte.

pub mod activity;
pub mod backtest;
pub mod conversations;
pub mod daily;
pub mod flags;
pub mod graph;
pub mod health;
pub mod heatmaps;
pub mod noise;
pub mod risk;
pub mod settings;
pub mod signals;
pub mod stages;
pub mod text_scan;
pub mod warnings;
pub mod window_state;

use std::collections::HashMap;

use crate::model::{GroupData, UnixSeconds, DAY, WEEK};

use conversations::{Conversation, ConversationBuilder, ConversationConfig};

/// The UTC day number (days since 1970-01-01) of an instant.
pub fn day_of(at: i64) -> i64 {
    at.div_euclid(DAY)
}

/// Monday 00:00 UTC of the week containing `at` (1970-01-01 was a Thursday, so Mondays
/// are 4 days after multiples of a week).
pub fn week_start(at: UnixSeconds) -> UnixSeconds {
    (at - 4 * DAY).div_euclid(WEEK) * WEEK + 4 * DAY
}

/// Room in `items`, a large vector kept from one computation to the next on more rows, for
/// `more` items: when it must grow, room for an eighth more than it will hold. Growing by
/// just what a batch of a few hundred rows adds would copy the whole vector (tens of
/// megabytes) on every computation; doubling it would leave as much unused.
pub(crate) fn make_room<T>(items: &mut Vec<T>, more: usize) {
    if items.capacity() - items.len() < more {
        items.reserve_exact(kept_capacity(items.len() + more) - items.len());
    }
}

/// The capacity a large vector built from scratch and kept for computations on more rows
/// is left with (see [`make_room`]): an eighth more than it holds.
pub(crate) fn kept_capacity(len: usize) -> usize {
    len + len / 8
}

/// How many of the sorted `times` are before `at`, as `partition_point` gives it, searched
/// back from the end in doubling steps. The instants the analytics ask about (`as_of`,
/// the last 28 or 90 days) are at or near the end of a member's timeline, so the search
/// reads its last cache lines, where a binary search from the middle would fetch a line
/// per step: for 20,000 members' timelines, those misses were most of a day change.
pub(crate) fn count_before(times: &[i64], at: i64) -> usize {
    // `times[high]` is at or after `at` throughout.
    let Some(mut high) = times.len().checked_sub(1).filter(|&last| times[last] >= at) else { return times.len() };
    let mut step = 1;
    while step <= high {
        let low = high - step;
        if times[low] < at {
            return low + 1 + times[low + 1..high].partition_point(|&time| time < at);
        }
        high = low;
        step *= 2;
    }
    times[..high].partition_point(|&time| time < at)
}

/// A cheap, fixed hasher for integer keys (ids, fingerprints). The analytics' maps are
/// probed millions of times and never iterated where order could matter, so neither
/// SipHash's cost nor its per-process random keys are wanted.
#[derive(Default)]
pub struct MixHasher(u64);

impl std::hash::Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_i64(&mut self, value: i64) {
        self.write_u64(value as u64);
    }
    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

/// A hash map with [`MixHasher`].
pub type MixMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<MixHasher>>;

/// Activity id -> a `u32` (a position), for the ids of a group's rows. A store gives row
/// ids from one counter, so a group's ids are mostly a dense range: while they are, the
/// values sit in a flat vector indexed by `id - base` (4 bytes an id, one memory access, no
/// hashing); ids far outside the range turn it into a hash map. A million inserts into a
/// hash map were a third of the conversations' time.
#[derive(Default)]
pub struct IdMap {
    base: i64,
    /// `u32::MAX` for an id without a value.
    dense: Vec<u32>,
    /// Set once the ids are too sparse for `dense` (which is then empty).
    sparse: Option<MixMap<i64, u32>>,
    len: usize,
}

impl IdMap {
    const NONE: u32 = u32::MAX;

    /// A map for about `count` ids from `lowest` to `highest`: dense when that range takes
    /// no more room than a hash map of `count` entries would.
    pub fn for_range(lowest: i64, highest: i64, count: usize) -> IdMap {
        let span = highest.saturating_sub(lowest).saturating_add(1);
        if count == 0 || lowest > highest || span > Self::dense_limit(count) as i64 {
            let mut sparse = MixMap::default();
            sparse.reserve(count);
            return IdMap { base: 0, dense: Vec::new(), sparse: Some(sparse), len: 0 };
        }
        IdMap { base: lowest, dense: vec![Self::NONE; span as usize], sparse: None, len: 0 }
    }

    /// A map sized for the posts among `activities` (their ids' range and count).
    pub fn for_posts(activities: &[crate::model::ActivityRow]) -> IdMap {
        let (lowest, highest, posts) = activities
            .iter()
            .filter(|activity| activity.kind.is_post())
            .fold((i64::MAX, i64::MIN, 0), |(lowest, highest, posts), activity| {
                (lowest.min(activity.id), highest.max(activity.id), posts + 1)
            });
        let mut map = IdMap::for_range(lowest, highest, posts);
        // Room for the ids of rows added later (they come after): a dense map that must
        // grow copies itself.
        map.dense.reserve_exact(kept_capacity(map.dense.len()) - map.dense.len());
        map
    }

    /// How long the dense vector may be for `count` entries: 4 bytes an id against at least
    /// 16 bytes an entry (with spare buckets) in a hash map.
    fn dense_limit(count: usize) -> usize {
        count.saturating_mul(4).saturating_add(4096)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, id: i64) -> Option<u32> {
        match &self.sparse {
            Some(map) => map.get(&id).copied(),
            None => {
                let slot = id.checked_sub(self.base).filter(|slot| *slot >= 0)? as usize;
                self.dense.get(slot).copied().filter(|value| *value != Self::NONE)
            }
        }
    }

    pub fn insert(&mut self, id: i64, value: u32) {
        debug_assert!(value != Self::NONE);
        if self.sparse.is_none() {
            if self.dense.is_empty() && self.len == 0 {
                self.base = id;
            }
            let slot = id.checked_sub(self.base).filter(|slot| *slot >= 0).map(|slot| slot as usize);
            match slot {
                Some(slot) if slot < self.dense.len() => {
                    if self.dense[slot] == Self::NONE {
                        self.len += 1;
                    }
                    self.dense[slot] = value;
                    return;
                }
                Some(slot) if slot < Self::dense_limit(self.len + 1) => {
                    // Ids after the range (rows added later): into the room there is, else
                    // grow by at least half.
                    let length = if slot < self.dense.capacity() {
                        self.dense.capacity()
                    } else {
                        (slot + 1).max(self.dense.len() + self.dense.len() / 2)
                    };
                    self.dense.resize(length.min(Self::dense_limit(self.len + 1)).max(slot + 1), Self::NONE);
                    self.dense[slot] = value;
                    self.len += 1;
                    return;
                }
                _ => self.make_sparse(),
            }
        }
        if self.sparse.as_mut().expect("made sparse").insert(id, value).is_none() {
            self.len += 1;
        }
    }

    fn make_sparse(&mut self) {
        let mut map = MixMap::default();
        map.reserve(self.len + 1);
        for (slot, value) in self.dense.iter().enumerate().filter(|(_, value)| **value != Self::NONE) {
            map.insert(self.base + slot as i64, *value);
        }
        self.dense = Vec::new();
        self.sparse = Some(map);
    }
}

/// Per-group lookups the analytics share: which members are bots, and each member's
/// position in `data.members`.
pub struct Index<'a> {
    pub data: &'a GroupData,
    member_position: MixMap<i64, usize>,
    is_bot: Vec<bool>,
}

impl<'a> Index<'a> {
    pub fn new(data: &'a GroupData) -> Index<'a> {
        let member_position = data.members.iter().enumerate().map(|(position, member)| (member.id, position)).collect();
        let is_bot = data.members.iter().map(|member| member.is_bot).collect();
        Index { data, member_position, is_bot }
    }

    /// Position of a member id in `data.members`; activities of unknown members are ignored.
    pub fn position(&self, member_id: i64) -> Option<usize> {
        self.member_position.get(&member_id).copied()
    }

    /// Whether the member is a known human (not a bot, not unknown).
    pub fn is_human(&self, member_id: i64) -> bool {
        self.position(member_id).is_some_and(|position| !self.is_bot[position])
    }
}

/// What several analytics share, computed once per group: the lookups, the conversations
/// (health, stages, signals and warnings all count responses), and the interaction graph's
/// windows with their PageRank (stages, warnings and the backtest ask for the same trailing
/// windows), each computed once on first use.
pub struct Prepared<'a> {
    pub index: Index<'a>,
    pub conversations: Vec<Conversation>,
    pub conversation_config: ConversationConfig,
    pub graphs: graph::WindowCache,
    /// What placing later rows into the conversations needs (kept for [`Prepared::into_parts`]).
    conversation_state: ConversationBuilder,
    /// The per-member timelines the signals and the stage rules read, built on first use.
    signal_inputs: std::sync::OnceLock<signals::SignalInputs>,
    /// For a computation resumed on more rows: how many rows the state before saw, how
    /// many conversations it had, and which of those the new rows answered.
    pub resumed_from: Resumed,
}

/// Where a resumed computation's new rows start (see [`Prepared::resumed`]).
#[derive(Debug, Clone, Default)]
pub struct Resumed {
    pub rows: usize,
    pub conversations: usize,
    pub answered: Vec<u32>,
}

impl<'a> Prepared<'a> {
    pub fn new(data: &'a GroupData, config: &ConversationConfig) -> Prepared<'a> {
        Prepared::with_graph(data, config, &graph::GraphConfig::default())
    }

    pub fn with_graph(data: &'a GroupData, config: &ConversationConfig, graph_config: &graph::GraphConfig) -> Prepared<'a> {
        Prepared::with_cache(data, config, graph::WindowCache::new(graph_config))
    }

    /// With graph windows computed earlier (on the same rows, or on rows this data only
    /// adds to after every window's end: see [`graph::WindowCache::forget_after`]).
    pub fn with_cache(data: &'a GroupData, config: &ConversationConfig, graphs: graph::WindowCache) -> Prepared<'a> {
        let mut prepared = Prepared::resumed(data, config, graphs, ConversationBuilder::default(), 0, None);
        // Nobody extends these conversations: what placing later rows needs goes.
        prepared.conversation_state = ConversationBuilder::default();
        prepared
    }

    /// With graph windows and conversations computed earlier on the first `seen` rows of
    /// `data` (rows after them are only added): the conversations are extended with the
    /// rest, and signal timelines built on those rows (if any) too.
    pub fn resumed(
        data: &'a GroupData,
        config: &ConversationConfig,
        graphs: graph::WindowCache,
        mut builder: ConversationBuilder,
        seen: usize,
        signal_inputs: Option<signals::SignalInputs>,
    ) -> Prepared<'a> {
        let index = Index::new(data);
        let conversations_before = builder.found.len();
        let answered = builder.extend(&index, seen, data.group.platform.has_threads(), config);
        let found = std::mem::take(&mut builder.found);
        let prepared = Prepared {
            index,
            conversations: found,
            conversation_config: config.clone(),
            graphs,
            conversation_state: builder,
            signal_inputs: std::sync::OnceLock::new(),
            resumed_from: Resumed { rows: seen, conversations: conversations_before, answered },
        };
        if let Some(mut inputs) = signal_inputs {
            inputs.extend(&prepared);
            let _ = prepared.signal_inputs.set(inputs);
        }
        prepared
    }

    /// The graph windows, to keep for a later computation.
    pub fn into_cache(self) -> graph::WindowCache {
        self.graphs
    }

    /// The graph windows and the conversations with what extending them needs, to keep
    /// for a later computation on more rows ([`Prepared::resumed`]).
    pub fn into_parts(self) -> (graph::WindowCache, ConversationBuilder, Option<signals::SignalInputs>) {
        let mut builder = self.conversation_state;
        builder.found = self.conversations;
        (self.graphs, builder, self.signal_inputs.into_inner())
    }

    /// The graph of the window [from, to) with `config`: from the shared cache when the
    /// config is the one the cache was built with.
    pub fn window(&self, from: UnixSeconds, to: UnixSeconds, config: &graph::GraphConfig) -> std::sync::Arc<graph::WindowGraph> {
        if self.graphs.config() == config {
            self.graphs.window(self.data(), from, to)
        } else {
            std::sync::Arc::new(graph::Interactions::new(self.data(), config).window(from, to, config))
        }
    }

    /// The graph of [from, to) for its nodes' PageRank and weighted degrees only (its edges
    /// may be missing): from the shared cache, where it is kept without its edges.
    pub fn window_ranks(&self, from: UnixSeconds, to: UnixSeconds, config: &graph::GraphConfig) -> std::sync::Arc<graph::WindowGraph> {
        if self.graphs.config() == config {
            self.graphs.ranks(self.data(), from, to)
        } else {
            self.window(from, to, config)
        }
    }

    /// The interactions (directed touches and thread posts) with the cache's config.
    pub fn interactions(&self) -> &graph::Interactions {
        self.graphs.interactions(self.data())
    }

    /// What the churn signals (and the stage rules, [`stages::StageInputs`]) read at every
    /// instant, built once.
    pub fn signal_inputs(&self) -> &signals::SignalInputs {
        self.signal_inputs.get_or_init(|| signals::SignalInputs::new(self))
    }

    pub fn data(&self) -> &'a GroupData {
        self.index.data
    }
}

/// The UTC date of a day number, as YYYY-MM-DD.
pub fn date_of_day(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * DAY, 0).map_or_else(|| day.to_string(), |time| time.format("%Y-%m-%d").to_string())
}

/// Nearest-rank percentile (`q` in (0, 1]) of unsorted values: the smallest value with at
/// least `q` of the values at or below it. Chosen over interpolation so that known answers
/// can be worked out by hand.
pub fn percentile_nearest_rank(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_map_answers_as_a_hash_map_would_dense_grown_or_sparse() {
        // Ids 100..200 dense, then later ids after them (grows), then ids far away and
        // before the base (turns into a hash map): every answer as a HashMap gives it.
        let mut map = IdMap::for_range(100, 199, 100);
        let mut expected: HashMap<i64, u32> = HashMap::new();
        let mut put = |map: &mut IdMap, id: i64, value: u32| {
            map.insert(id, value);
            expected.insert(id, value);
            assert_eq!(map.len(), expected.len());
            for probe in [id, id - 1, id + 1, 99, 100, 150, 200, 1_000, 5_000_000, -7] {
                assert_eq!(map.get(probe), expected.get(&probe).copied(), "{probe} after {id}");
            }
        };
        for id in (100..200).step_by(3) {
            put(&mut map, id, id as u32 * 2);
        }
        put(&mut map, 150, 7);
        assert!(map.sparse.is_none(), "still dense");
        for id in 200..1_000 {
            put(&mut map, id, id as u32);
        }
        assert!(map.sparse.is_none(), "grown, still dense");
        put(&mut map, 5_000_000, 1);
        assert!(map.sparse.is_some(), "a far id makes it sparse");
        put(&mut map, -7, 3);
        put(&mut map, 150, 8);
        // Built empty: the first id is the base; an id before it makes it sparse.
        let mut empty = IdMap::default();
        assert_eq!(empty.get(0), None);
        empty.insert(10, 1);
        empty.insert(11, 2);
        empty.insert(9, 3);
        assert_eq!((empty.get(9), empty.get(10), empty.get(11), empty.get(12), empty.len()), (Some(3), Some(1), Some(2), None, 3));
    }

    #[test]
    fn nearest_rank_percentile_by_hand() {
        // Ten values 1..=10: rank = ceil(0.9 * 10) = 9, so p90 = 9.
        let mut values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile_nearest_rank(&mut values, 0.9), Some(9.0));
        // Three values: rank = ceil(2.7) = 3, the largest.
        assert_eq!(percentile_nearest_rank(&mut [30.0, 10.0, 20.0], 0.9), Some(30.0));
        assert_eq!(percentile_nearest_rank(&mut [], 0.9), None);
    }

    proptest::proptest! {
        #[test]
        fn counting_back_from_the_end_gives_what_a_binary_search_gives(
            mut times in proptest::collection::vec(-50i64..50, 0..80),
            at in -60i64..60,
        ) {
            times.sort_unstable();
            proptest::prop_assert_eq!(count_before(&times, at), times.partition_point(|&time| time < at));
        }
    }

    #[test]
    fn day_numbers_are_utc_and_floor_negative_times() {
        assert_eq!(day_of(0), 0);
        assert_eq!(day_of(86_399), 0);
        assert_eq!(day_of(86_400), 1);
        assert_eq!(day_of(-1), -1);
    }
}

/// Builders for the hand-made fixtures of the analytics' known-answer tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use crate::model::*;

    pub fn member(id: i64) -> MemberRow {
        MemberRow { id, platform_id: format!("m{id}"), display_name: format!("Member {id}"), is_bot: false, joined_at: None, left_at: None }
    }

    /// A fixture's row with its text, before the group's texts are gathered by [`group`].
    #[derive(Debug, Clone)]
    pub struct Row {
        pub row: ActivityRow,
        pub text: Option<String>,
    }

    pub fn activity(id: i64, member_id: i64, at: i64, kind: ActivityKind, parent_id: Option<i64>, text: Option<&str>) -> Row {
        Row { row: ActivityRow { id, member_id, channel_id: 1, kind, at, parent_id, text: None }, text: text.map(str::to_string) }
    }

    /// Rows from random (member, day, second, reply to an earlier row by index or not,
    /// react instead of post) tuples, as the graph's property tests draw them: ids 1, 2, …
    /// in the tuples' order; a reply to a row not before it is a post.
    pub fn random_conversation_rows(rows: &[(i64, i64, i64, Option<usize>, bool)]) -> Vec<Row> {
        let mut activities = Vec::new();
        for (index, &(member_id, day, second, parent, react)) in rows.iter().enumerate() {
            let id = index as i64 + 1;
            let parent = parent.filter(|&parent| parent < index).map(|parent| parent as i64 + 1);
            let kind = match (react, parent) {
                (true, Some(_)) => ActivityKind::Reaction,
                (_, Some(_)) => ActivityKind::Reply,
                _ => ActivityKind::Message,
            };
            activities.push(activity(id, member_id, day * DAY + second, kind, parent, Some("some words here")));
        }
        activities
    }

    pub fn post(id: i64, member_id: i64, at: i64, text: &str) -> Row {
        activity(id, member_id, at, ActivityKind::Message, None, Some(text))
    }

    pub fn reply(id: i64, member_id: i64, at: i64, parent: i64) -> Row {
        activity(id, member_id, at, ActivityKind::Reply, Some(parent), Some("sure, here it is"))
    }

    /// A group's rows with their texts, as fixture rows (to build the group again).
    pub fn rows_of(data: &GroupData) -> Vec<Row> {
        data.activities.iter().map(|row| Row { row: *row, text: data.text(row).map(str::to_string) }).collect()
    }

    pub fn group(threaded: bool, members: Vec<MemberRow>, rows: Vec<Row>) -> GroupData {
        let mut texts = Texts::default();
        let mut activities: Vec<ActivityRow> =
            rows.into_iter().map(|Row { row, text }| ActivityRow { text: text.map(|text| texts.push(&text)), ..row }).collect();
        activities.sort_by_key(|activity| (activity.at, activity.id));
        GroupData {
            group: Group {
                id: GroupId(1),
                platform: if threaded { Platform::Slack } else { Platform::Telegram },
                platform_id: "g".into(),
                name: "Fixture".into(),
                is_archive: true,
                is_demo: false,
                last_import_at: None,
            },
            members,
            activities,
            texts,
        }
    }

    /// 10:00 UTC on `day` (day 0 is 1970-01-01, a Thursday).
    pub fn day_at(day: i64) -> i64 {
        day * DAY + 10 * 3600
    }

    /// The stage fixture: m1 asks on days 30–33 and m2 answers each within five minutes
    /// (both have 4 active days and 4 responses, received / given); m3 first posts on day
    /// 35; m4 posted only on day 0; m5 joined on day 38 and never posted. The evaluations
    /// are on the Mondays, days 4, 11, 18, 25, 32, 39.
    pub fn stage_fixture() -> GroupData {
        let mut rows = vec![post(1, 4, day_at(0), "first!")];
        for (offset, day) in (30..=33).enumerate() {
            let question = 10 + 2 * offset as i64;
            rows.push(post(question, 1, day_at(day), "How does this work?"));
            rows.push(reply(question + 1, 2, day_at(day) + 300, question));
        }
        rows.push(post(40, 3, day_at(35), "hi, new here"));
        rows.push(activity(41, 5, day_at(38), ActivityKind::Join, None, None));
        let mut members: Vec<_> = (1..=5).map(member).collect();
        members[4].joined_at = Some(day_at(38));
        group(true, members, rows)
    }
}
