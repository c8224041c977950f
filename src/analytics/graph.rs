//! The interaction graph (analytics §4): who talks to whom in a trailing window, how much,
//! how fast, and in how many shared threads; each member's PageRank and weighted degree,
//! and how they changed since the window before.
//!
//! The interactions are extracted once per group ([`Interactions::new`]); a window's graph
//! is then an aggregation over a time slice with members as integer node indices, so that
//! many windows (weekly stage evaluations, backtest cut-offs) stay cheap. PageRank comes
//! from the `graphrs` library (weighted, damping 0.85), not from code of our own.
//!
//! Edges: A→B when A replies to B (an explicit reply, or on platforms without threads the
//! next message of a conversation after B's), when A reacts to B's message, and A↔B when
//! both post in the same thread. Mentions are not kept by the store (no importer records
//! them), so they make no edges.

#[cfg(test)]
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::window_state::{can_move, WindowState};
use super::Index;
use crate::model::{ActivityKind, GroupData, UnixSeconds, DAY};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export, export_to = "bindings/")]
pub struct GraphConfig {
    /// Length of the trailing window a graph covers.
    pub window_days: u32,
    pub communication_weight: f64,
    pub responsiveness_weight: f64,
    pub coparticipation_weight: f64,
    /// Messages A→B at which communication reaches 1.
    pub communication_messages: f64,
    /// Median response time at which responsiveness falls to its floor.
    pub responsiveness_seconds: f64,
    pub responsiveness_floor: f64,
    /// Co-participation per shared thread, and its cap.
    pub thread_step: f64,
    pub thread_cap: f64,
    pub damping: f64,
    /// Threads with more participants than this make no co-participation edges: in a
    /// hundred-person thread, sharing it says little about two people (and the pairs grow
    /// with the square of the participants).
    pub max_thread_participants: u32,
    /// A gap that ends a conversation on platforms without threads.
    pub conversation_gap_seconds: i64,
}

impl Default for GraphConfig {
    fn default() -> Self {
        GraphConfig {
            window_days: 30,
            communication_weight: 0.40,
            responsiveness_weight: 0.35,
            coparticipation_weight: 0.25,
            communication_messages: 50.0,
            responsiveness_seconds: 3600.0,
            responsiveness_floor: 0.1,
            thread_step: 0.2,
            thread_cap: 0.8,
            damping: 0.85,
            max_thread_participants: 50,
            conversation_gap_seconds: 30 * 60,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Touch {
    /// A replied to B, `seconds` after B's message.
    Reply { seconds: i64 },
    /// A reacted to B's message, `seconds` after it.
    Reaction { seconds: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Directed {
    pub(super) at: UnixSeconds,
    pub(super) from: u32,
    pub(super) to: u32,
    pub(super) touch: Touch,
}

/// A human post and the thread (conversation) it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ThreadPost {
    pub(super) at: UnixSeconds,
    pub(super) member: u32,
    pub(super) thread: u32,
}

/// A group's interactions, extracted once: directed replies and reactions between human
/// members, and every human post with its thread. Members are positions in `data.members`.
/// Rows come in time order, so rows added after the last one seen extend them
/// ([`Interactions::extend`]) to what one pass over all rows gives.
pub struct Interactions {
    member_ids: Vec<i64>,
    directed: Vec<Directed>,
    posts: Vec<ThreadPost>,
    /// Post id -> its position in `posts` (author, time and thread), for replies and
    /// reactions to come: 4 bytes an id while the ids are dense (see [`super::IdMap`]).
    post_info: super::IdMap,
    /// Channel -> (thread, author, time) of its latest post, for gap chaining.
    latest_in_channel: super::MixMap<i64, (u32, u32, UnixSeconds)>,
    thread_count: u32,
    /// How many rows were read.
    rows: usize,
}

impl Interactions {
    pub fn new(data: &GroupData, config: &GraphConfig) -> Interactions {
        let mut interactions = Interactions {
            member_ids: Vec::new(),
            directed: Vec::new(),
            posts: Vec::new(),
            post_info: super::IdMap::default(),
            latest_in_channel: super::MixMap::default(),
            thread_count: 0,
            rows: 0,
        };
        interactions.post_info = super::IdMap::for_posts(&data.activities);
        interactions.extend(data, config);
        interactions
    }

    /// Reads the rows of `data` after the ones read already (`data` holds those first, and
    /// the same members, perhaps more after them).
    pub fn extend(&mut self, data: &GroupData, config: &GraphConfig) {
        let index = Index::new(data);
        let threaded = data.group.platform.has_threads();
        let rows = &data.activities[self.rows.min(data.activities.len())..];
        let first_build = self.rows == 0;
        if !first_build {
            // Each row adds at most one of each.
            super::make_room(&mut self.directed, rows.len());
            super::make_room(&mut self.posts, rows.len());
        }
        for activity in rows {
            let Some(position) = index.position(activity.member_id).filter(|_| index.is_human(activity.member_id)) else { continue };
            let member = position as u32;
            let parent = activity
                .parent_id
                .and_then(|parent| self.post_info.get(parent))
                .map(|post| self.posts[post as usize])
                .map(|post| (post.member, post.at, post.thread));
            match activity.kind {
                ActivityKind::Reaction => {
                    if let Some((author, posted_at, _)) = parent.filter(|(author, _, _)| *author != member) {
                        self.directed.push(Directed {
                            at: activity.at,
                            from: member,
                            to: author,
                            touch: Touch::Reaction { seconds: activity.at - posted_at },
                        });
                    }
                }
                ActivityKind::Message | ActivityKind::Reply => {
                    let chained = if threaded || parent.is_some() {
                        None
                    } else {
                        self.latest_in_channel
                            .get(&activity.channel_id)
                            .copied()
                            .filter(|(_, _, latest)| activity.at - latest < config.conversation_gap_seconds)
                    };
                    let thread = match (parent, chained) {
                        (Some((_, _, thread)), _) => thread,
                        (None, Some((thread, _, _))) => thread,
                        (None, None) => {
                            self.thread_count += 1;
                            self.thread_count - 1
                        }
                    };
                    let replied_to = parent.map(|(author, at, _)| (author, at)).or(chained.map(|(_, author, at)| (author, at)));
                    if let Some((author, at)) = replied_to.filter(|(author, _)| *author != member) {
                        self.directed.push(Directed {
                            at: activity.at,
                            from: member,
                            to: author,
                            touch: Touch::Reply { seconds: activity.at - at },
                        });
                    }
                    self.post_info.insert(activity.id, self.posts.len() as u32);
                    self.latest_in_channel.insert(activity.channel_id, (thread, member, activity.at));
                    self.posts.push(ThreadPost { at: activity.at, member, thread });
                }
                ActivityKind::Join | ActivityKind::Leave => {}
            }
        }
        if first_build {
            // Room for the rows added later (see `make_room`).
            let (directed, posts) = (self.directed.len(), self.posts.len());
            super::make_room(&mut self.directed, directed / 8);
            super::make_room(&mut self.posts, posts / 8);
        }
        self.rows = data.activities.len();
        self.member_ids = data.members.iter().map(|member| member.id).collect();
    }

    /// The member id of a node index.
    pub fn member_id(&self, node: u32) -> i64 {
        self.member_ids[node as usize]
    }

    /// The graph of the window [from, to).
    pub fn window(&self, from: UnixSeconds, to: UnixSeconds, config: &GraphConfig) -> WindowGraph {
        let edges = WindowState::new(self, from, to, config).edges(config);
        WindowGraph::new(from, to, edges, config)
    }

    /// How many members (node indices) there are.
    pub(super) fn member_count(&self) -> usize {
        self.member_ids.len()
    }

    /// The positions of the directed records at [from, to).
    pub(super) fn directed_between(&self, from: UnixSeconds, to: UnixSeconds) -> (usize, usize) {
        (self.directed.partition_point(|touch| touch.at < from), self.directed.partition_point(|touch| touch.at < to))
    }

    pub(super) fn directed(&self, positions: std::ops::Range<usize>) -> &[Directed] {
        &self.directed[positions]
    }

    /// The positions of the posts at [from, to).
    pub(super) fn posts_between(&self, from: UnixSeconds, to: UnixSeconds) -> (usize, usize) {
        (self.posts.partition_point(|post| post.at < from), self.posts.partition_point(|post| post.at < to))
    }

    pub(super) fn posts(&self, positions: std::ops::Range<usize>) -> &[ThreadPost] {
        &self.posts[positions]
    }

    /// The graphs of the trailing window ending at `as_of` and of the window before it.
    pub fn current_and_previous(&self, as_of: UnixSeconds, config: &GraphConfig) -> (WindowGraph, WindowGraph) {
        let window = i64::from(config.window_days) * DAY;
        (self.window(as_of - window, as_of, config), self.window(as_of - 2 * window, as_of - window, config))
    }
}

/// The weight of an edge: 0.40 × communication + 0.35 × responsiveness + 0.25 ×
/// co-participation (defaults). Responsiveness needs a response (reply or reaction) A→B;
/// an edge made only of shared threads has none, so that part is 0 there.
pub fn edge_weight(messages: u32, median_response_seconds: Option<f64>, shared_threads: u32, config: &GraphConfig) -> f64 {
    let communication = (f64::from(messages) / config.communication_messages).min(1.0);
    let responsiveness =
        median_response_seconds.map_or(0.0, |median| (1.0 - median / config.responsiveness_seconds).max(config.responsiveness_floor));
    let coparticipation = (f64::from(shared_threads) * config.thread_step).min(config.thread_cap);
    config.communication_weight * communication
        + config.responsiveness_weight * responsiveness
        + config.coparticipation_weight * coparticipation
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: u32,
    pub to: u32,
    pub messages: u32,
    pub reactions: u32,
    pub median_response_seconds: Option<f64>,
    pub shared_threads: u32,
    pub weight: f64,
}

/// One window's graph with each node's PageRank and weighted degree. Members without any
/// edge in the window are not nodes: their PageRank and degree are 0.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowGraph {
    pub from: UnixSeconds,
    pub to: UnixSeconds,
    /// Sorted by (from, to).
    pub edges: Vec<Edge>,
    /// The nodes, ascending, and per node (same order) its PageRank and weighted degree, and
    /// its rank by PageRank (1 = highest; ties: lower node index first). Arrays rather than
    /// maps: a window kept for its ranks holds a few bytes per node.
    nodes: Vec<u32>,
    centrality: Vec<(f64, f64)>,
    rank: Vec<u32>,
}

impl WindowGraph {
    fn new(from: UnixSeconds, to: UnixSeconds, edges: Vec<Edge>, config: &GraphConfig) -> WindowGraph {
        // The nodes come ascending, each with its PageRank and weighted degree.
        let Centrality { nodes, ranks, degrees } = centrality(&edges, config.damping);
        let centrality: Vec<(f64, f64)> = ranks.into_iter().zip(degrees).collect();
        // Slots by PageRank, highest first; ties by slot, which is node order.
        let mut order: Vec<(f64, u32)> = centrality.iter().enumerate().map(|(slot, &(pagerank, _))| (pagerank, slot as u32)).collect();
        order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut rank = vec![0u32; nodes.len()];
        for (position, &(_, slot)) in order.iter().enumerate() {
            rank[slot as usize] = position as u32 + 1;
        }
        WindowGraph { from, to, edges, nodes, centrality, rank }
    }

    fn slot(&self, node: u32) -> Option<usize> {
        self.nodes.binary_search(&node).ok()
    }

    /// A node's rank by PageRank (1 = highest), if it is a node.
    pub fn rank(&self, node: u32) -> Option<usize> {
        self.slot(node).map(|slot| self.rank[slot] as usize)
    }

    /// How many of the top nodes the top `share` is (at least one), widened by `relax` (≤ 1)
    /// for the demotion hysteresis.
    pub fn top_count(&self, share: f64, relax: f64) -> f64 {
        (share * self.node_count() as f64).ceil().max(1.0) / relax
    }

    /// Whether a node is in the top `share` of the nodes by PageRank (the Core stage rule,
    /// "top 5 % by interaction PageRank"); `relax` (≤ 1) widens the top.
    pub fn in_top(&self, node: u32, share: f64, relax: f64) -> bool {
        self.rank_in_top(self.rank(node), share, relax)
    }

    /// [`WindowGraph::in_top`] for a node of rank `rank` (`None`: not a node).
    pub fn rank_in_top(&self, rank: Option<usize>, share: f64, relax: f64) -> bool {
        share > 0.0 && rank.is_some_and(|rank| rank as f64 <= self.top_count(share, relax))
    }

    /// For nodes asked for in ascending order: each one's [`WindowGraph::rank`], found by
    /// walking the nodes once instead of a search per node.
    pub fn ascending_ranks(&self) -> impl FnMut(u32) -> Option<usize> + '_ {
        let mut slot_of = self.ascending_slots();
        move |node| slot_of(node).map(|slot| self.rank[slot] as usize)
    }

    /// For nodes asked for in ascending order: each one's slot, if it is a node.
    fn ascending_slots(&self) -> impl FnMut(u32) -> Option<usize> + '_ {
        let mut slot = 0;
        move |node| {
            debug_assert!(slot == 0 || self.nodes[slot - 1] < node, "nodes asked for ascending");
            while self.nodes.get(slot).is_some_and(|&other| other < node) {
                slot += 1;
            }
            (self.nodes.get(slot) == Some(&node)).then_some(slot)
        }
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn pagerank(&self, node: u32) -> f64 {
        self.slot(node).map_or(0.0, |slot| self.centrality[slot].0)
    }

    /// PageRank times the number of nodes: 1 is the uniform share. Comparable between
    /// windows of different sizes, where raw PageRank shrinks as the graph grows.
    pub fn pagerank_scaled(&self, node: u32) -> f64 {
        self.pagerank(node) * self.node_count() as f64
    }

    pub fn weighted_degree(&self, node: u32) -> f64 {
        self.slot(node).map_or(0.0, |slot| self.centrality[slot].1)
    }

    /// For nodes asked for in ascending order: each one's [`WindowGraph::pagerank_scaled`]
    /// and [`WindowGraph::weighted_degree`], found by walking the nodes once instead of a
    /// search per node.
    pub fn ascending_lookup(&self) -> impl FnMut(u32) -> (f64, f64) + '_ {
        let mut slot_of = self.ascending_slots();
        let scale = self.node_count() as f64;
        move |node| slot_of(node).map_or((0.0, 0.0), |slot| (self.centrality[slot].0 * scale, self.centrality[slot].1))
    }

    /// Nodes by PageRank, highest first (ties: lower node index first): the order of
    /// [`WindowGraph::rank`], placed without sorting again.
    pub fn ranked(&self) -> Vec<(u32, f64)> {
        let mut ranked = vec![(0, 0.0); self.nodes.len()];
        for ((&node, &(pagerank, _)), &rank) in self.nodes.iter().zip(&self.centrality).zip(&self.rank) {
            ranked[rank as usize - 1] = (node, pagerank);
        }
        ranked
    }

    /// The neighbours of a node: everyone it has an edge with in either direction, with
    /// both edges' weights, strongest first.
    pub fn neighbours(&self, node: u32) -> Vec<(u32, Option<&Edge>, Option<&Edge>)> {
        let mut by_other: std::collections::BTreeMap<u32, (Option<&Edge>, Option<&Edge>)> = std::collections::BTreeMap::new();
        for edge in &self.edges {
            if edge.from == node {
                by_other.entry(edge.to).or_default().0 = Some(edge);
            } else if edge.to == node {
                by_other.entry(edge.from).or_default().1 = Some(edge);
            }
        }
        let mut neighbours: Vec<(u32, Option<&Edge>, Option<&Edge>)> =
            by_other.into_iter().map(|(other, (out, inbound))| (other, out, inbound)).collect();
        let total =
            |entry: &(u32, Option<&Edge>, Option<&Edge>)| entry.1.map_or(0.0, |edge| edge.weight) + entry.2.map_or(0.0, |edge| edge.weight);
        neighbours.sort_by(|a, b| total(b).total_cmp(&total(a)).then(a.0.cmp(&b.0)));
        neighbours
    }
}

/// Weighted PageRank of the nodes that have edges: power iteration with damping
/// `damping`, dangling nodes spread uniformly, stopping when the L1 change falls below
/// 1e-8 per node (NetworkX's formulation; NetworkX stops at 1e-6, but then rankings would
/// depend on when the iteration stopped).
///
/// The same iteration as `graphrs`'s `pagerank`, in the same order of additions (a test
/// checks that both give the same ranks, within 1e-12; each source's rank is divided by
/// its out-weight once per iteration rather than per edge, which rounds differently in the
/// last bits): building a `graphrs` graph took ~70 ms per
/// window of ~14,000 edges (an `Arc` and several hash-map entries per edge, and an error
/// message formatted for every new edge), 80 % of the warnings' time on the demo, while
/// the iteration itself over these arrays takes about a millisecond.
#[cfg(test)]
fn page_rank(edges: &[Edge], damping: f64) -> HashMap<u32, f64> {
    let Centrality { nodes, ranks, .. } = centrality(edges, damping);
    nodes.into_iter().zip(ranks).collect()
}

/// The PageRank of `page_rank` (above) and the weighted degrees, as arrays (see [`centrality`]).
struct Centrality {
    /// The nodes, ascending.
    nodes: Vec<u32>,
    /// In the order of `nodes`: PageRank, and the weighted degree (each node's edges added
    /// in the order of the edges).
    ranks: Vec<f64>,
    degrees: Vec<f64>,
}

/// The nodes of `edges` (sorted by (from, to)), ascending, and a table from a node to its
/// position among them (`u32::MAX` for a number that is not a node).
fn node_positions(edges: &[Edge]) -> (Vec<u32>, Vec<u32>) {
    // The edges are sorted by source, so the last has the largest source.
    let mut dense = vec![u32::MAX; edges.last().map_or(0, |edge| edge.from as usize + 1)];
    for edge in edges {
        if edge.to as usize >= dense.len() {
            dense.resize(edge.to as usize + 1, u32::MAX);
        }
        dense[edge.from as usize] = 0;
        dense[edge.to as usize] = 0;
    }
    let mut nodes = Vec::new();
    for (node, slot) in dense.iter_mut().enumerate() {
        if *slot == 0 {
            *slot = nodes.len() as u32;
            nodes.push(node as u32);
        }
    }
    (dense, nodes)
}

/// PageRank and weighted degrees of the nodes of `edges` (sorted by (from, to)). Positions
/// come from a lookup table. Each iteration walks the links in the edges' order and adds
/// each source's share to its destination: for a destination, its sources come ascending,
/// the order a sum over its incoming edges would take, without grouping a window's
/// hundred thousand edges by destination first.
fn centrality(edges: &[Edge], damping: f64) -> Centrality {
    debug_assert!(edges.windows(2).all(|pair| (pair[0].from, pair[0].to) < (pair[1].from, pair[1].to)), "edges sorted by (from, to)");
    if edges.is_empty() {
        return Centrality { nodes: Vec::new(), ranks: Vec::new(), degrees: Vec::new() };
    }
    let (dense, nodes) = node_positions(edges);
    let count = nodes.len();
    // The links that carry rank (positive weight) as positions, in the edges' order;
    // out-weights added per source in the order of its destinations; and in the same
    // pass the weighted degrees.
    let mut outgoing = vec![0.0; count];
    let mut degrees = vec![0.0; count];
    let mut links: Vec<(u32, u32, f64)> = Vec::with_capacity(edges.len());
    for edge in edges {
        let (from, to) = (dense[edge.from as usize], dense[edge.to as usize]);
        degrees[from as usize] += edge.weight;
        degrees[to as usize] += edge.weight;
        if edge.weight > 0.0 {
            outgoing[from as usize] += edge.weight;
            links.push((from, to, edge.weight));
        }
    }
    drop(dense);
    let dangling_nodes: Vec<usize> = (0..count).filter(|&node| outgoing[node] == 0.0).collect();
    let teleport = (1.0 - damping) / count as f64;
    let mut ranks = vec![1.0 / count as f64; count];
    let mut inflow = vec![0.0; count];
    // Per source, its rank over its out-weight: one division per node and iteration
    // instead of one per edge (the division was most of an iteration's time).
    let mut per_weight = vec![0.0; count];
    for _ in 0..1000 {
        let dangling: f64 = dangling_nodes.iter().map(|&node| ranks[node]).sum();
        let dangling_share = damping * dangling / count as f64;
        for ((share, rank), out) in per_weight.iter_mut().zip(&ranks).zip(&outgoing) {
            *share = rank / out;
        }
        inflow.fill(0.0);
        for &(from, to, weight) in &links {
            inflow[to as usize] += per_weight[from as usize] * weight;
        }
        let mut change = 0.0;
        for (rank, &inflow) in ranks.iter_mut().zip(&inflow) {
            let score = teleport + dangling_share + damping * inflow;
            change += (score - *rank).abs();
            *rank = score;
        }
        if change < count as f64 * 1e-8 {
            break;
        }
    }
    Centrality { nodes, ranks, degrees }
}

/// Each window's graph computed once: the weekly stage evaluations, the warnings and every
/// backtest cut-off ask for trailing windows that mostly coincide, and a window's PageRank
/// is the most expensive thing the analytics compute. Keyed by (from, to); the interactions
/// are extracted on first use.
pub struct WindowCache {
    config: GraphConfig,
    interactions: std::sync::OnceLock<Interactions>,
    windows: std::sync::Mutex<super::MixMap<(UnixSeconds, UnixSeconds), std::sync::Arc<WindowGraph>>>,
    /// The aggregation of the latest window computed, which the windows of a later
    /// computation on more rows start from when they overlap it.
    states: std::sync::Mutex<Vec<WindowState>>,
}

impl WindowCache {
    pub fn new(config: &GraphConfig) -> WindowCache {
        WindowCache {
            config: config.clone(),
            interactions: std::sync::OnceLock::new(),
            windows: Default::default(),
            states: Default::default(),
        }
    }

    pub fn config(&self) -> &GraphConfig {
        &self.config
    }

    pub fn interactions(&self, data: &GroupData) -> &Interactions {
        self.interactions.get_or_init(|| Interactions::new(data, &self.config))
    }

    /// The graph of [from, to), computed on first request.
    pub fn window(&self, data: &GroupData, from: UnixSeconds, to: UnixSeconds) -> std::sync::Arc<WindowGraph> {
        if let Some(found) = self.windows.lock().expect("the window cache is never poisoned").get(&(from, to)) {
            // A window kept for its ranks only has no edges; one with nodes needs them back.
            if found.node_count() == 0 || !found.edges.is_empty() {
                return found.clone();
            }
        }
        let mut graph = self.interactions(data).window(from, to, &self.config);
        // Kept with its edges: no spare capacity (tens of thousands of edges).
        graph.edges.shrink_to_fit();
        let graph = std::sync::Arc::new(graph);
        self.windows.lock().expect("the window cache is never poisoned").insert((from, to), graph.clone());
        graph
    }

    /// The trailing window ending at `to`.
    pub fn trailing(&self, data: &GroupData, to: UnixSeconds) -> std::sync::Arc<WindowGraph> {
        self.window(data, to - i64::from(self.config.window_days) * DAY, to)
    }

    /// The trailing window ending at `to` for its PageRank ranks only (the weekly stage
    /// evaluations): kept without its edges, which at a million messages would hold
    /// hundreds of megabytes over all weeks.
    pub fn trailing_ranks(&self, data: &GroupData, to: UnixSeconds) -> std::sync::Arc<WindowGraph> {
        self.ranks(data, to - i64::from(self.config.window_days) * DAY, to)
    }

    /// The graph of [from, to) for its nodes' PageRank, ranks and weighted degrees only: a
    /// window kept with or without its edges, or one computed and kept without them.
    pub fn ranks(&self, data: &GroupData, from: UnixSeconds, to: UnixSeconds) -> std::sync::Arc<WindowGraph> {
        if let Some(found) = self.windows.lock().expect("the window cache is never poisoned").get(&(from, to)) {
            return found.clone();
        }
        let mut graph = self.interactions(data).window(from, to, &self.config);
        graph.edges = Vec::new();
        let graph = std::sync::Arc::new(graph);
        self.windows.lock().expect("the window cache is never poisoned").insert((from, to), graph.clone());
        graph
    }

    /// Computes the windows [from, to) not kept yet, on every core the machine offers
    /// (windows are independent of each other), so that later requests find them: with
    /// `edges` false a window is kept for its ranks only, as [`WindowCache::trailing_ranks`]
    /// keeps it.
    pub fn prefetch(&self, data: &GroupData, windows: &[(UnixSeconds, UnixSeconds, bool)]) {
        let missing: Vec<(UnixSeconds, UnixSeconds, bool)> = {
            let kept = self.windows.lock().expect("the window cache is never poisoned");
            let mut missing: Vec<_> = windows
                .iter()
                .copied()
                .filter(|&(from, to, edges)| {
                    kept.get(&(from, to)).is_none_or(|found| edges && found.node_count() > 0 && found.edges.is_empty())
                })
                .collect();
            // A window asked for with and without edges is computed once, with them.
            missing.sort_unstable_by_key(|&(from, to, edges)| (from, to, !edges));
            missing.dedup_by_key(|&mut (from, to, _)| (from, to));
            missing
        };
        if missing.is_empty() {
            return;
        }
        let interactions = self.interactions(data);
        let threads = std::thread::available_parallelism().map_or(1, |count| count.get()).min(missing.len());
        // The windows in order, in runs of windows each of which is the one before moved
        // a little (see `window_state::can_move`; a cut-off's windows near a weekly one);
        // the first of a run is aggregated from scratch, or moved from a state kept by the
        // computation before (the window at `as_of` before rows were added). The runs are
        // taken by the threads as they come free.
        let mut runs: Vec<&[(UnixSeconds, UnixSeconds, bool)]> = Vec::new();
        let mut start = 0;
        for at in 1..=missing.len() {
            if at == missing.len() || !can_move(missing[at - 1].0, missing[at - 1].1, missing[at].0, missing[at].1) {
                runs.push(&missing[start..at]);
                start = at;
            }
        }
        let threads = threads.min(runs.len());
        let next = std::sync::atomic::AtomicUsize::new(0);
        // Kept for the next computation on more rows, whose `as_of` may have moved on a day:
        // the states of the latest window asked for (the one at `as_of`) and of the window
        // before it (the signals read both), so that both move instead of one being
        // aggregated again.
        let latest = windows.iter().map(|&(from, to, _)| (from, to)).max_by_key(|&(from, to)| (to, from));
        let keep: Vec<(UnixSeconds, UnixSeconds)> =
            latest.map(|(from, to)| vec![(from, to), (from - (to - from), from)]).unwrap_or_default();
        let ends = std::sync::Mutex::new(Vec::new());
        let work = |run: &[(UnixSeconds, UnixSeconds, bool)]| {
            let mut state: Option<WindowState> = None;
            for (index, &(from, to, edges)) in run.iter().enumerate() {
                match state.as_mut() {
                    Some(state) if state.can_move_to(from, to) => state.move_to(interactions, from, to, &self.config),
                    _ => {
                        let kept = {
                            let mut kept = self.states.lock().expect("the window cache is never poisoned");
                            let found = kept.iter().position(|state| state.can_move_to(from, to));
                            found.map(|at| kept.swap_remove(at))
                        };
                        state = Some(match kept {
                            Some(mut kept) => {
                                kept.move_to(interactions, from, to, &self.config);
                                kept
                            }
                            None => WindowState::new(interactions, from, to, &self.config),
                        });
                    }
                }
                let window = state.as_ref().expect("made above");
                let mut graph = WindowGraph::new(from, to, window.edges(&self.config), &self.config);
                if edges {
                    graph.edges.shrink_to_fit();
                } else {
                    graph.edges = Vec::new();
                }
                self.windows.lock().expect("the window cache is never poisoned").insert((from, to), std::sync::Arc::new(graph));
                // A window to keep in the middle of a run is copied (the run moves on).
                if keep.contains(&(from, to)) && index + 1 < run.len() {
                    ends.lock().expect("the window cache is never poisoned").push(window.clone());
                }
            }
            state.filter(|state| keep.contains(&(state.from(), state.to())))
        };
        let worker = || loop {
            let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&run) = runs.get(at) else { break };
            if let Some(end) = work(run) {
                ends.lock().expect("the window cache is never poisoned").push(end);
            }
        };
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(worker);
            }
            worker();
        });
        let ends = ends.into_inner().expect("the window cache is never poisoned");
        let mut kept = self.states.lock().expect("the window cache is never poisoned");
        kept.clear();
        kept.extend(ends);
    }

    /// Keeps only the windows [from, to) of `windows` (what the last computation read), so
    /// that a state absorbing new rows again and again does not pile up windows of
    /// cut-offs that have moved on.
    pub fn retain(&mut self, windows: &[(UnixSeconds, UnixSeconds, bool)]) {
        let keep: std::collections::HashSet<(UnixSeconds, UnixSeconds)> = windows.iter().map(|&(from, to, _)| (from, to)).collect();
        self.windows.get_mut().expect("the window cache is never poisoned").retain(|key, _| keep.contains(key));
    }

    /// How many windows are kept.
    pub fn len(&self) -> usize {
        self.windows.lock().expect("the window cache is never poisoned").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets the windows that end after `at` (their rows may change), keeping the rest,
    /// and reads the rows of `data` after those the interactions read (`data` extends the
    /// rows they were extracted from; the first new row is at `at` or later).
    pub fn forget_after(&mut self, at: UnixSeconds, data: &GroupData) {
        if let Some(interactions) = self.interactions.get_mut() {
            interactions.extend(data, &self.config);
        }
        self.windows.get_mut().expect("the window cache is never poisoned").retain(|&(_, to), _| to <= at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::tests_support::{activity, group, member, post, random_conversation_rows, reply};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn edge_weight_by_hand() {
        let config = GraphConfig::default();
        // 10 messages: communication 0.2; median 900 s: responsiveness 0.75; 2 threads:
        // co-participation 0.4. 0.4 × 0.2 + 0.35 × 0.75 + 0.25 × 0.4 = 0.08 + 0.2625 + 0.1.
        assert!(close(edge_weight(10, Some(900.0), 2, &config), 0.4425));
        // Saturation: 80 messages -> 1; median 2 h -> floor 0.1; 9 threads -> cap 0.8.
        // 0.4 + 0.035 + 0.2 = 0.635.
        assert!(close(edge_weight(80, Some(7200.0), 9, &config), 0.635));
        // Shared threads only: 0.25 × 0.2 = 0.05.
        assert!(close(edge_weight(0, None, 1, &config), 0.05));
    }

    /// m1 posts; m2 replies after 600 s; m3 replies to m2 after 1200 s (so m3 also
    /// shares the thread with m1); m1 reacts to m3's reply after 60 s.
    fn tiny() -> GroupData {
        group(
            true,
            vec![member(1), member(2), member(3)],
            vec![
                post(10, 1, 1_000, "How do I build it?"),
                reply(11, 2, 1_600, 10),
                reply(12, 3, 2_800, 11),
                activity(13, 1, 2_860, ActivityKind::Reaction, Some(12), Some("👍")),
            ],
        )
    }

    #[test]
    fn tiny_graph_edges_by_hand() {
        let config = GraphConfig::default();
        let interactions = Interactions::new(&tiny(), &config);
        let graph = interactions.window(0, 10_000, &config);
        let summary: Vec<(u32, u32, u32, u32, Option<f64>, u32)> = graph
            .edges
            .iter()
            .map(|edge| (edge.from, edge.to, edge.messages, edge.reactions, edge.median_response_seconds, edge.shared_threads))
            .collect();
        // Node indices are positions: m1 = 0, m2 = 1, m3 = 2. All three share one thread,
        // so every ordered pair has shared_threads = 1.
        assert_eq!(
            summary,
            vec![
                (0, 1, 0, 0, None, 1),
                (0, 2, 0, 1, Some(60.0), 1),
                (1, 0, 1, 0, Some(600.0), 1),
                (1, 2, 0, 0, None, 1),
                (2, 0, 0, 0, None, 1),
                (2, 1, 1, 0, Some(1200.0), 1),
            ]
        );
        // m2→m1: 0.4 × 1/50 + 0.35 × (1 − 600/3600) + 0.25 × 0.2 = 0.008 + 0.291667 + 0.05.
        assert!(close(graph.edges[2].weight, 0.349_666_667));
        // Weighted degree of m1: out 0.05 + (0.35 × (1 − 60/3600) + 0.05) + in 0.349667 + 0.05.
        let m1_out = 0.05 + 0.35 * (1.0 - 60.0 / 3600.0) + 0.05;
        assert!(close(graph.weighted_degree(0), m1_out + 0.349_666_667 + 0.05));
        // Outside the window nothing is left.
        assert_eq!(interactions.window(3_000, 10_000, &config).node_count(), 0);
    }

    #[test]
    fn pagerank_of_a_two_cycle_and_a_star_by_hand() {
        let config = GraphConfig::default();
        let edge =
            |from, to, weight| Edge { from, to, messages: 0, reactions: 0, median_response_seconds: None, shared_threads: 0, weight };
        // A two-node cycle is symmetric: 0.5 each.
        let ranks = page_rank(&[edge(0, 1, 0.3), edge(1, 0, 0.9)], 0.85);
        assert!(close(ranks[&0], 0.5) && close(ranks[&1], 0.5));
        // Star: 1 → 0 and 2 → 0; node 0 is dangling. With d = 0.85 and n = 3, by symmetry
        // r1 = r2 = x, r0 = y, 2x + y = 1. Each of 1, 2 receives only teleport and the
        // dangling share: x = 0.15/3 + 0.85 y/3. Solving: x = (0.05 + 0.85/3)/(1 + 1.7/3)
        // = 0.333333/1.566667 = 0.212766, y = 0.574468.
        let ranks = page_rank(&[edge(1, 0, 1.0), edge(2, 0, 1.0)], config.damping);
        assert!(close(ranks[&1], 0.212_766) && close(ranks[&2], 0.212_766), "{ranks:?}");
        assert!(close(ranks[&0], 0.574_468), "{ranks:?}");
        // Weights matter: 0 → 1 (weight 3) and 0 → 2 (weight 1), both back to 0 (weight 1).
        // r1 = 0.05 + 0.85 × 0.75 r0, r2 = 0.05 + 0.85 × 0.25 r0, r0 = 0.05 + 0.85 (r1 + r2).
        // r0 = 0.05 + 0.85 (0.1 + 0.85 r0) -> r0 = 0.135/0.2775 = 0.486486,
        // r1 = 0.05 + 0.6375 × 0.486486 = 0.360135, r2 = 0.05 + 0.2125 × 0.486486 = 0.153378.
        let ranks = page_rank(&[edge(0, 1, 3.0), edge(0, 2, 1.0), edge(1, 0, 1.0), edge(2, 0, 1.0)], config.damping);
        assert!(close(ranks[&0], 0.486_486) && close(ranks[&1], 0.360_135) && close(ranks[&2], 0.153_378), "{ranks:?}");
    }

    #[test]
    fn unthreaded_platforms_chain_by_gap() {
        // Telegram-like: m2's message 100 s after m1's answers m1; m1's 2 h later starts anew.
        let data =
            group(false, vec![member(1), member(2)], vec![post(1, 1, 0, "hi"), post(2, 2, 100, "hello"), post(3, 1, 7_300, "later")]);
        let config = GraphConfig::default();
        let graph = Interactions::new(&data, &config).window(0, 10_000, &config);
        let edge = graph.edges.iter().find(|edge| edge.from == 1 && edge.to == 0).expect("m2 → m1");
        assert_eq!((edge.messages, edge.median_response_seconds, edge.shared_threads), (1, Some(100.0), 1));
        assert!(!graph.edges.iter().any(|edge| edge.from == 0 && edge.messages > 0), "m1's later post answers nobody");
    }

    #[test]
    fn top_share_and_relaxation() {
        let data = tiny();
        let config = GraphConfig::default();
        let cache = WindowCache::new(&config);
        let graph = cache.window(&data, 10_000 - 30 * DAY, 10_000);
        // 3 nodes: top 5 % is ceil(0.15) = 1 node; relaxed by 0.5 it is 2.
        assert_eq!((0..3).filter(|&node| graph.in_top(node, 0.05, 1.0)).count(), 1);
        assert_eq!((0..3).filter(|&node| graph.in_top(node, 0.05, 0.5)).count(), 2);
        assert_eq!((0..3).filter(|&node| graph.in_top(node, 0.0, 1.0)).count(), 0);
        // The ranks follow PageRank, and the window is computed once.
        let ranked = graph.ranked();
        assert_eq!(ranked.len(), graph.node_count());
        assert!(ranked.windows(2).all(|pair| pair[0].1 > pair[1].1 || (pair[0].1 == pair[1].1 && pair[0].0 < pair[1].0)));
        for (position, &(node, pagerank)) in ranked.iter().enumerate() {
            assert_eq!((graph.rank(node), graph.pagerank(node)), (Some(position + 1), pagerank));
        }
        assert!(std::sync::Arc::ptr_eq(&graph, &cache.window(&data, 10_000 - 30 * DAY, 10_000)));
        assert_eq!(cache.len(), 1);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Random conversations among five members over ten days: (member, day, second,
        /// reply to an earlier post by index or not, react instead of post).
        fn community() -> impl Strategy<Value = Vec<(i64, i64, i64, Option<usize>, bool)>> {
            proptest::collection::vec((1..=5i64, 0..10i64, 0..86_400i64, proptest::option::of(0..40usize), proptest::bool::ANY), 1..40)
        }

        fn build(rows: &[(i64, i64, i64, Option<usize>, bool)], reversed_members: bool) -> GroupData {
            let activities = random_conversation_rows(rows);
            let mut members: Vec<_> = (1..=5).map(member).collect();
            if reversed_members {
                members.reverse();
            }
            group(true, members, activities)
        }

        fn centrality_by_member(data: &GroupData) -> Vec<(i64, f64, f64)> {
            let config = GraphConfig::default();
            let interactions = Interactions::new(data, &config);
            let graph = interactions.window(0, 10 * DAY, &config);
            let mut by_member: Vec<(i64, f64, f64)> =
                (0..5u32).map(|node| (interactions.member_id(node), graph.pagerank(node), graph.weighted_degree(node))).collect();
            by_member.sort_by_key(|entry| entry.0);
            by_member
        }

        /// The iteration as it was written before: each destination sums its incoming edges,
        /// grouped by destination with a counting pass. The scatter over the edges must give
        /// the very same numbers.
        fn gathered_centrality(edges: &[Edge], damping: f64) -> Centrality {
            // Given the edges of the property below: sorted, and at least one.
            let (dense, nodes) = node_positions(edges);
            let count = nodes.len();
            // Incoming edges per destination, sources ascending; out-weights added per source in
            // the order of its destinations; and in the same pass the weighted degrees.
            let mut outgoing = vec![0.0; count];
            let mut degrees = vec![0.0; count];
            let mut starts = vec![0usize; count + 1];
            for edge in edges {
                let (from, to) = (dense[edge.from as usize] as usize, dense[edge.to as usize] as usize);
                degrees[from] += edge.weight;
                degrees[to] += edge.weight;
                if edge.weight > 0.0 {
                    outgoing[from] += edge.weight;
                    starts[to + 1] += 1;
                }
            }
            for node in 0..count {
                starts[node + 1] += starts[node];
            }
            let mut incoming: Vec<(u32, f64)> = vec![(0, 0.0); starts[count]];
            let mut cursor = starts.clone();
            for edge in edges.iter().filter(|edge| edge.weight > 0.0) {
                let to = dense[edge.to as usize] as usize;
                incoming[cursor[to]] = (dense[edge.from as usize], edge.weight);
                cursor[to] += 1;
            }
            drop(cursor);
            let teleport = (1.0 - damping) / count as f64;
            let mut ranks = vec![1.0 / count as f64; count];
            let mut next = vec![0.0; count];
            // Per source, its rank over its out-weight: one division per node and iteration
            // instead of one per edge (the division was most of an iteration's time).
            let mut per_weight = vec![0.0; count];
            for _ in 0..1000 {
                let dangling: f64 = ranks.iter().zip(&outgoing).filter(|(_, &out)| out == 0.0).map(|(rank, _)| rank).sum();
                let dangling_share = damping * dangling / count as f64;
                for ((share, rank), out) in per_weight.iter_mut().zip(&ranks).zip(&outgoing) {
                    *share = rank / out;
                }
                for (node, score) in next.iter_mut().enumerate() {
                    let inflow: f64 =
                        incoming[starts[node]..starts[node + 1]].iter().map(|&(from, weight)| per_weight[from as usize] * weight).sum();
                    *score = teleport + dangling_share + damping * inflow;
                }
                let change: f64 = next.iter().zip(&ranks).map(|(new, old)| (new - old).abs()).sum();
                std::mem::swap(&mut ranks, &mut next);
                if change < count as f64 * 1e-8 {
                    break;
                }
            }
            Centrality { nodes, ranks, degrees }
        }

        /// PageRank by the `graphrs` library, the reference the own iteration is checked against.
        fn graphrs_page_rank(edges: &[Edge], damping: f64) -> HashMap<u32, f64> {
            let graph_edges = edges
                .iter()
                .filter(|edge| edge.weight > 0.0)
                .map(|edge| graphrs::Edge::with_weight(edge.from, edge.to, edge.weight))
                .collect();
            let mut nodes: Vec<u32> = edges.iter().flat_map(|edge| [edge.from, edge.to]).collect();
            nodes.sort_unstable();
            nodes.dedup();
            let graph_nodes = nodes.iter().map(|&node| graphrs::Node::from_name(node)).collect();
            let graph = graphrs::Graph::<u32, ()>::new_from_nodes_and_edges(
                graph_nodes,
                graph_edges,
                graphrs::GraphSpecs::directed_create_missing(),
            )
            .expect("unique pairs without self-loops");
            graphrs::algorithms::centrality::pagerank::pagerank(&graph, true, Some(damping), Some(1000), Some(1e-8)).expect("converges")
        }

        proptest! {
            #[test]
            fn scattering_over_the_edges_gives_what_summing_each_nodes_incoming_edges_gives(
                pairs in proptest::collection::btree_map((0..40u32, 0..40u32), prop_oneof![Just(0.0), 0.0..3.0f64], 1..200),
            ) {
                let edges: Vec<Edge> = pairs
                    .into_iter()
                    .filter(|((from, to), _)| from != to)
                    .map(|((from, to), weight)| Edge { from, to, messages: 0, reactions: 0, median_response_seconds: None, shared_threads: 0, weight })
                    .collect();
                prop_assume!(!edges.is_empty());
                let (scattered, gathered) = (centrality(&edges, 0.85), gathered_centrality(&edges, 0.85));
                prop_assert_eq!(scattered.nodes, gathered.nodes);
                prop_assert_eq!(scattered.ranks, gathered.ranks);
                prop_assert_eq!(scattered.degrees, gathered.degrees);
            }

            #[test]
            fn page_rank_agrees_with_graphrs(pairs in proptest::collection::btree_map((0..30u32, 0..30u32), 0.0..1.0f64, 1..120)) {
                let edges: Vec<Edge> = pairs
                    .into_iter()
                    .filter(|((from, to), _)| from != to)
                    .map(|((from, to), weight)| Edge { from, to, messages: 0, reactions: 0, median_response_seconds: None, shared_threads: 0, weight })
                    .collect();
                let ours = page_rank(&edges, 0.85);
                let reference = if edges.is_empty() { HashMap::new() } else { graphrs_page_rank(&edges, 0.85) };
                prop_assert_eq!(ours.len(), reference.len());
                for (node, rank) in &reference {
                    prop_assert!((ours[node] - rank).abs() < 1e-12, "node {}: {} vs {}", node, ours[node], rank);
                }
            }

            #[test]
            fn member_order_does_not_change_centrality(rows in community()) {
                let forward = centrality_by_member(&build(&rows, false));
                let backward = centrality_by_member(&build(&rows, true));
                for (a, b) in forward.iter().zip(&backward) {
                    prop_assert_eq!(a.0, b.0);
                    prop_assert!((a.1 - b.1).abs() < 1e-6, "PageRank {} vs {}", a.1, b.1);
                    prop_assert!((a.2 - b.2).abs() < 1e-9, "degree {} vs {}", a.2, b.2);
                }
                // PageRank is a distribution over the nodes: it sums to 1 when there are any.
                let total: f64 = forward.iter().map(|entry| entry.1).sum();
                prop_assert!(total == 0.0 || (total - 1.0).abs() < 1e-6);
                // And the same input gives the same output, exactly.
                prop_assert_eq!(centrality_by_member(&build(&rows, false)), forward);
            }
        }
    }
}
