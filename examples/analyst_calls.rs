//! Times each call the desktop's screens make on `api::Analyst`, in process, on a store
//! given on the command line (e.g. one made with `hearth demo --scale 6`): the first call
//! of each group computes it, the calls after are served from what was kept. With the
//! screens bench (`make bench-screens`, which times the same commands through the window's
//! IPC), this splits a screen's time into the core's part and the rest.
//!
//! `cargo run --example analyst_calls -- STORE [RUNS] [ONLY]` (ONLY: the calls whose name
//! contains it, e.g. to profile one call with many runs).

use std::time::Instant;

use hearth::api::{self, Analyst, HeatmapKind};
use hearth::model::GroupId;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: analyst_calls STORE [RUNS]")?;
    let runs: usize = args.next().map(|runs| runs.parse()).transpose()?.unwrap_or(5);
    let only = args.next().unwrap_or_default();
    let store = api::open_store(std::path::Path::new(&path))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
    let analyst = Analyst::new();
    let started = Instant::now();
    analyst.warm(&store, now)?;
    println!("warm (every group and its backtest): {:.0} ms", started.elapsed().as_secs_f64() * 1000.0);
    let group: GroupId = analyst.groups(&store)?.first().ok_or("the store has no group")?.group.id;
    let member = analyst.members_table(&store, group, now)?.members.first().ok_or("the group has no member")?.id;

    type Call<'a> = Box<dyn Fn() -> Result<usize, api::Error> + 'a>;
    let size = |value: &dyn erased::Size| value.size();
    let calls: Vec<(&str, Call)> = vec![
        ("groups", Box::new(|| analyst.groups(&store).map(|value| size(&value)))),
        ("overview_row", Box::new(|| analyst.overview_row(&store, group, now).map(|value| size(&value)))),
        ("dashboard", Box::new(|| analyst.dashboard(&store, group, now).map(|value| size(&value)))),
        ("trend (whole history)", Box::new(|| analyst.trend_between(&store, group, None, None, now).map(|value| size(&value)))),
        ("heatmap stages", Box::new(|| analyst.heatmap(&store, group, HeatmapKind::Stages, None, None, now).map(|value| size(&value)))),
        ("heatmap hours", Box::new(|| analyst.heatmap(&store, group, HeatmapKind::Hours, None, None, now).map(|value| size(&value)))),
        ("members_table", Box::new(|| analyst.members_table(&store, group, now).map(|value| size(&value)))),
        ("member_profile", Box::new(|| analyst.member_profile(&store, group, member, now).map(|value| size(&value)))),
        (
            "warnings",
            Box::new(|| analyst.warnings(&store, group, hearth::analytics::warnings::Severity::Low, false, now).map(|value| size(&value))),
        ),
        ("backtest", Box::new(|| analyst.backtest(&store, group, now).map(|value| size(&value)))),
        ("detected_flags", Box::new(|| analyst.detected_flags(&store, group, now).map(|value| size(&value)))),
        ("archive_channels", Box::new(|| analyst.archive_channels(&store, group).map(|value| size(&value)))),
    ];
    println!("| call | runs | median | min | max | JSON size |");
    println!("|---|---|---|---|---|---|");
    for (name, call) in calls.iter().filter(|(name, _)| name.contains(only.as_str())) {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..runs {
            let started = Instant::now();
            bytes = call()?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {runs} | {:.1} ms | {:.1} ms | {:.1} ms | {} KiB |",
            times[times.len() / 2],
            times[0],
            times[times.len() - 1],
            bytes / 1024
        );
    }
    Ok(())
}

/// The size of a value as JSON (serialising is part of what a command costs).
mod erased {
    pub trait Size {
        fn size(&self) -> usize;
    }
    impl<T: serde::Serialize> Size for T {
        fn size(&self) -> usize {
            serde_json::to_vec(self).map_or(0, |bytes| bytes.len())
        }
    }
}
