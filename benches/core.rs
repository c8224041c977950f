//! `make bench`: times the core's heavy paths on the demo community, in one run, and
//! prints medians (and the spread) in a form that goes straight into BENCHMARKS.md.
//! Timings, not assertions: shared machines make timed tests flaky.

use std::time::{Duration, Instant};

use hearth::api;
use hearth::store::Store;

const NOW: i64 = 1_800_000_000;

fn measure(label: &str, runs: usize, mut work: impl FnMut()) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "| {label} | {runs} | {:.1} ms | {:.1} ms | {:.1} ms |",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("bench.sqlite");
    println!("| what | runs | median | min | max |");
    println!("|---|---|---|---|---|");
    let mut summary = None;
    let mut run = 0;
    measure("create the demo community in a new store (first start)", 3, || {
        run += 1;
        let mut store = Store::open(&dir.path().join(format!("fresh-{run}.sqlite"))).expect("store opens");
        summary = Some(api::create_demo(&mut store, api::DEFAULT_DEMO_SEED, NOW, &mut |_| {}).expect("demo"));
    });
    std::fs::copy(dir.path().join("fresh-1.sqlite"), &path).expect("the first store copies");
    measure("replace the demo in a store that has it (hearth demo)", 3, || {
        let mut store = Store::open(&path).expect("store opens");
        api::create_demo(&mut store, api::DEFAULT_DEMO_SEED, NOW, &mut |_| {}).expect("demo");
    });
    let store = Store::open(&path).expect("store opens");
    let group = summary.expect("the demo was created").group;
    measure("load the group's rows", 10, || {
        store.load_group_data(&group).expect("rows load");
    });
    measure("health score (api::health)", 10, || {
        api::health(&store, "1", None, NOW).expect("health");
    });
    measure("members with stages (api::members)", 5, || {
        api::members(&store, "1", None, NOW).expect("members");
    });
    measure("whole dashboard (api::dashboard)", 10, || {
        api::dashboard(&store, group.id, NOW).expect("dashboard");
    });
    let data = store.load_group_data(&group).expect("rows load");
    let graph_config = hearth::analytics::graph::GraphConfig::default();
    let as_of = api::default_as_of(&store, &group, NOW).expect("as_of");
    let mut interactions = None;
    measure("interaction graph: extract interactions once", 10, || {
        interactions = Some(hearth::analytics::graph::Interactions::new(&data, &graph_config));
    });
    let interactions = interactions.expect("measured at least once");
    measure("interaction graph: one 30-day window with PageRank", 10, || {
        interactions.window(as_of - 30 * 86_400, as_of, &graph_config);
    });
    measure("flag detection (analytics::flags)", 10, || {
        hearth::analytics::flags::detect_flags(&data, as_of, &hearth::analytics::flags::FlagConfig::default());
    });
    measure("churn warnings with the fitted risk model (api::churn::warnings)", 3, || {
        api::churn::warnings(&store, "1", hearth::analytics::warnings::Severity::Low, false, NOW).expect("warnings");
    });
    measure("backtest, 13 cut-offs (api::churn::backtest)", 3, || {
        api::churn::backtest(&store, "1", None, None, NOW).expect("backtest");
    });
    let counts = store.group_counts(group.id).expect("counts");
    println!();
    println!(
        "demo: {} members, {} messages, {} reactions, {} channels",
        counts.members, counts.messages, counts.reactions, counts.channels
    );
}
