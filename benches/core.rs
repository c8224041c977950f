//! `make bench`: times the core's heavy paths on the demo community, in one run, and
//! prints medians (and the spread) in a form that goes straight into BENCHMARKS.md.
//! Timings, not assertions: shared machines make timed tests flaky.

use std::time::{Duration, Instant};

use hearth::analytics::daily::{trend, DailyBasis};
use hearth::analytics::health::score_values;
use hearth::analytics::heatmaps::{cohort_heatmap, first_minutes_heatmap, hour_heatmap, stage_heatmap, transitions};
use hearth::analytics::settings::Settings;
use hearth::analytics::Prepared;
use hearth::api;
use hearth::model::{ActivityKind, ActivityRow, Group, GroupData, GroupId, MemberRow, Platform};
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

/// CPU time (user + system) of this process so far, every thread, from the kernel (Linux;
/// clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |at: usize| fields.get(at).and_then(|field| field.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// The one-minute load average of the machine (Linux).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|text| text.split_whitespace().next().map(str::to_string)).unwrap_or_default()
}

/// Like [`measure`], with the CPU time (all threads) and the load average at each run.
fn measure_cpu(label: &str, runs: usize, mut work: impl FnMut()) {
    let mut timed = Timed::default();
    for _ in 0..runs {
        timed.run(&mut work);
    }
    timed.print(label);
}

/// Each run's wall time, CPU time and the load average after it.
#[derive(Default)]
struct Timed {
    times: Vec<(Duration, f64)>,
    loads: Vec<String>,
}

impl Timed {
    fn run<T>(&mut self, work: impl FnOnce() -> T) -> T {
        let cpu = cpu_seconds();
        let start = Instant::now();
        let result = work();
        self.times.push((start.elapsed(), cpu_seconds() - cpu));
        self.loads.push(load_average());
        result
    }

    fn print(&mut self, label: &str) {
        print_cpu_row(label, &mut self.times, &self.loads);
    }
}

fn print_cpu_row(label: &str, times: &mut [(Duration, f64)], loads: &[String]) {
    let mut cpu: Vec<f64> = times.iter().map(|time| time.1).collect();
    cpu.sort_by(f64::total_cmp);
    times.sort_by_key(|time| time.0);
    let median = times[times.len() / 2].0;
    println!(
        "| {label} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.2} s | {} |",
        times.len(),
        median.as_secs_f64() * 1e3,
        times[0].0.as_secs_f64() * 1e3,
        times[times.len() - 1].0.as_secs_f64() * 1e3,
        cpu[cpu.len() / 2],
        loads.join(", ")
    );
}

/// A generated group of `messages` posts by `members` members over `days` days: a few
/// members write most (a squared uniform draw), 40 % of the posts reply to one of the
/// 200 posts before them, every member's join is known, texts are short and varied.
fn generated_group(members: usize, messages: usize, days: i64) -> GroupData {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let start = 1_700_000_000 - 1_700_000_000 % 86_400;
    let span = days * 86_400;
    let member_rows: Vec<MemberRow> = (0..members as i64)
        .map(|id| MemberRow {
            id: id + 1,
            platform_id: format!("U{id}"),
            display_name: format!("member {id}"),
            is_bot: id % 500 == 499,
            joined_at: None,
            left_at: None,
        })
        .collect();
    let words = ["how do I", "thanks", "see the docs for", "anyone tried", "release", "works now", "why does", "ping"];
    let mut activities = Vec::with_capacity(messages + members);
    let mut texts = hearth::model::Texts::default();
    for index in 0..messages as i64 {
        let draw = (next() % 10_000) as f64 / 10_000.0;
        let member = ((draw * draw) * members as f64) as i64 + 1;
        let at = start + index * span / messages as i64;
        let is_reply = index > 200 && next() % 10 < 4;
        let parent = is_reply.then(|| index - 1 - (next() % 200) as i64 + 1);
        let word = words[(next() % words.len() as u64) as usize];
        let question = if next() % 5 == 0 { "?" } else { "" };
        activities.push(ActivityRow {
            id: index + 1,
            member_id: member,
            channel_id: (next() % 20) as i64,
            kind: if is_reply { ActivityKind::Reply } else { ActivityKind::Message },
            at,
            parent_id: parent,
            text: Some(texts.push(&format!("{word} {}{question}", next() % 1000))),
        });
    }
    // Every member's join: just before their first post (or at the start for the silent).
    let mut first_post = vec![i64::MAX; members + 1];
    for activity in &activities {
        let slot = &mut first_post[activity.member_id as usize];
        *slot = (*slot).min(activity.at);
    }
    for member in 1..=members as i64 {
        let at = if first_post[member as usize] == i64::MAX { start } else { first_post[member as usize] - 90 };
        activities.push(ActivityRow {
            id: messages as i64 + member,
            member_id: member,
            channel_id: 0,
            kind: ActivityKind::Join,
            at,
            parent_id: None,
            text: None,
        });
    }
    activities.sort_by_key(|activity| (activity.at, activity.id));
    GroupData {
        group: Group {
            id: GroupId(1),
            platform: Platform::Slack,
            platform_id: "bench".into(),
            name: "Generated".into(),
            is_archive: true,
            is_demo: false,
            last_import_at: None,
        },
        members: member_rows,
        activities,
        texts,
    }
}

/// Peak resident memory of this process so far, from the kernel (Linux).
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes / 1024.0)
}

/// Appends 1,000 new messages (a third of them replies) from `start` (at the earliest a
/// second after the last row), `spacing` seconds apart, from 700 members; `batch` varies
/// who writes and the texts.
fn append_batch(data: &mut GroupData, batch: i64, start: i64, spacing: i64) {
    let last_id = data.activities.iter().map(|activity| activity.id).max().unwrap_or(0);
    let start = start.max(data.activities.last().map_or(0, |activity| activity.at) + 1);
    let messages = data.activities.iter().filter(|activity| activity.kind == ActivityKind::Message).count() as i64;
    let texts = &mut data.texts;
    // Room for the batch only: the row vector doubling would count in the peak memory.
    data.activities.reserve_exact(1_000);
    texts.reserve_exact(1_000 * 32);
    data.activities.extend((0..1_000).map(|index| {
        let reply = index % 3 == 0;
        ActivityRow {
            id: last_id + 1 + index,
            member_id: (index * 7 + batch * 13) % 700 + 1,
            channel_id: index % 20,
            kind: if reply { ActivityKind::Reply } else { ActivityKind::Message },
            at: start + index * spacing,
            parent_id: reply.then_some(1 + (messages - 1 - index * 37 % 5_000).max(0)),
            text: Some(texts.push(&format!("later message {batch} {index}{}", if index % 5 == 0 { "?" } else { "" }))),
        }
    }));
}

/// `--absorb-same-day`: [`absorb_same_day_on`] on a generated group, for a profiler.
fn absorb_same_day(runs: usize) {
    let mut data = generated_group(20_000, 1_000_000, 400);
    absorb_same_day_on(&mut data, &Settings::default(), runs);
}

/// One full computation, three roll-overs to the next day with no new rows (what the
/// desktop does in the background when the day changes: a live group's `as_of` is the end
/// of today), then `runs` absorbs of 1,000 messages (1–3 s apart) that stay on that day:
/// a sync during the day. Each with its own median. The rows added are removed again.
fn absorb_same_day_on(data: &mut GroupData, settings: &Settings, runs: usize) {
    let rows = data.activities.len();
    let mut as_of = data.activities.last().map_or(0, |activity| activity.at) / 86_400 * 86_400 + 86_400;
    let mut state = api::Computed::full(data, as_of, settings).expect("computes");
    let mut roll_overs = Timed::default();
    // More for a profiler: `HEARTH_BENCH_ROLLOVERS=20`.
    let count = std::env::var("HEARTH_BENCH_ROLLOVERS").ok().and_then(|count| count.parse().ok()).unwrap_or(3);
    for _ in 0..count {
        as_of += 86_400;
        state = roll_overs.run(|| state.absorb(data, as_of, settings).expect("computes"));
    }
    roll_overs.print("the day's roll-over, no new messages: absorb with as_of a day on (api::Computed::absorb)");
    // The day's first batch starts a minute after midnight; every batch fits in the day.
    let spacing = ((86_400 - 120) / ((runs as i64 + 1) * 1_000)).clamp(1, 3);
    let mut absorbs = Timed::default();
    for batch in 0..runs as i64 {
        append_batch(data, batch, as_of - 86_400 + 60, spacing);
        state = absorbs.run(|| state.absorb(data, as_of, settings).expect("computes"));
    }
    assert!(data.activities.last().is_some_and(|row| row.at < state.as_of), "every batch stayed on the same day");
    absorbs.print("after 1,000 new messages, as_of the same day: absorb (api::Computed::absorb)");
    drop(state);
    data.activities.truncate(rows);
}

/// The incremental path: batches of 1,000 new messages after the last row, each absorbed
/// by the state of the computation before it. One copy of the rows: the new ones are
/// appended to `data` (the caller removes them again).
fn absorb_batches(data: &mut GroupData, as_of: i64, settings: &Settings, runs: usize) {
    let mut state = None;
    measure_cpu("full computation into a state to absorb into (api::Computed::full)", 1, || {
        state = Some(api::Computed::full(data, as_of, settings).expect("computes"));
    });
    let mut state = state.expect("computed");
    if let Some(peak) = peak_memory_mb() {
        println!("Peak resident memory after the full computation into a state (VmHWM): {peak:.0} MB.");
        println!();
    }
    let mut absorbs = Timed::default();
    let mut batches = Vec::new();
    for batch in 0..runs as i64 {
        append_batch(data, batch, 0, 30);
        let grown_as_of = data.activities.last().map_or(0, |activity| activity.at) / 86_400 * 86_400 + 86_400;
        let moved = grown_as_of != state.as_of;
        state = absorbs.run(|| state.absorb(data, grown_as_of, settings).expect("computes"));
        let (wall, cpu) = absorbs.times[absorbs.times.len() - 1];
        batches.push(format!(
            "batch {}: {} ({:.1} ms, CPU {:.2} s, load {})",
            batch + 1,
            if moved { "as_of moved a day" } else { "as_of the same day" },
            wall.as_secs_f64() * 1e3,
            cpu,
            absorbs.loads[absorbs.loads.len() - 1]
        ));
    }
    absorbs.print("after 1,000 new messages: absorb into the computed state (api::Computed::absorb)");
    println!();
    println!("Each absorb: {}.", batches.join("; "));
    drop(state);
    if let Some(peak) = peak_memory_mb() {
        println!();
        println!("Peak resident memory of the benchmark process so far (VmHWM): {peak:.0} MB (one copy of the group's rows held).");
    }
}

/// The analytics of health, trend, stages and heatmaps on 1,000,000 generated messages.
fn analytics_at_scale() {
    let generated = std::time::Instant::now();
    let data = generated_group(20_000, 1_000_000, 400);
    println!();
    println!(
        "Generated group: {} members, {} activities over 400 days (generation {:.1} s, not timed below).",
        data.members.len(),
        data.activities.len(),
        generated.elapsed().as_secs_f64()
    );
    println!();
    let settings = Settings::default();
    let as_of = data.activities.last().map_or(0, |activity| activity.at) / 86_400 * 86_400 + 86_400;
    let runs = 3;
    println!(
        "| what (1,000,000 messages, 20,000 members) | runs | median | min | max | CPU (user + sys), median | load average at each run |"
    );
    println!("|---|---|---|---|---|---|---|");
    measure_cpu("everything, full (api::compute_everything: health, trend, stages, heatmaps, graph, flags, warnings + risk)", runs, || {
        api::compute_everything(&data, as_of, &settings).expect("computes");
    });
    let mut data = data;
    absorb_batches(&mut data, as_of, &settings, runs);
    data.activities.truncate(data.activities.len() - 3_000);
    println!();
    println!(
        "| what (1,000,000 messages, 20,000 members) | runs | median | min | max | CPU (user + sys), median | load average at each run |"
    );
    println!("|---|---|---|---|---|---|---|");
    absorb_same_day_on(&mut data, &settings, 9);
    if let Some(peak) = peak_memory_mb() {
        println!();
        println!("Peak resident memory of the benchmark process after the same-day absorbs (VmHWM): {peak:.0} MB.");
    }

    // Where the time goes: the parts, one at a time (each on one thread).
    println!();
    println!("| part (1,000,000 messages, 20,000 members) | runs | median | min | max |");
    println!("|---|---|---|---|---|");
    let health_config = settings.health_config();
    let stage_config = settings.stage_config();
    let heatmap_config = settings.heatmap_config(Some("Europe/Berlin"), None).expect("a known zone");
    measure("conversations (shared by health and stages)", runs, || {
        Prepared::new(&data, &health_config.conversations);
    });
    let prepared = Prepared::new(&data, &health_config.conversations);
    measure("daily aggregates (DailyBasis, noise flags included)", runs, || {
        DailyBasis::new(&prepared.index, &prepared.conversations, as_of, &health_config);
    });
    let basis = DailyBasis::new(&prepared.index, &prepared.conversations, as_of, &health_config);
    measure("health score at as_of, from the aggregates", runs, || {
        score_values(&basis.values_at(as_of), as_of, &health_config);
    });
    let (first_day, last_day) = basis.day_span();
    measure("daily trend, 400 days, from the aggregates", runs, || {
        trend(&basis, first_day, last_day, &health_config);
    });
    drop(basis);
    measure("cohort, hour (Europe/Berlin) and first-minutes heatmaps", runs, || {
        cohort_heatmap(&prepared.index, as_of, &heatmap_config);
        hour_heatmap(&prepared.index, as_of, &heatmap_config);
        first_minutes_heatmap(&prepared.index, as_of, &heatmap_config);
    });
    measure("flags (low-information, flood, bot-like)", runs, || {
        hearth::analytics::flags::detect_flags(&data, as_of, &settings.flags);
    });
    measure(
        "as everything does it: noise + flags in one text pass, the aggregates from its noise, trend, the 3 row heatmaps in one pass",
        runs,
        || {
            side_of_everything(&prepared, as_of, &settings);
        },
    );
    measure("interaction graph: extract the interactions", runs, || {
        hearth::analytics::graph::Interactions::new(&data, &settings.graph);
    });
    let interactions = hearth::analytics::graph::Interactions::new(&data, &settings.graph);
    measure("interaction graph: one 30-day window with PageRank", runs, || {
        interactions.window(as_of - 30 * 86_400, as_of, &settings.graph);
    });
    {
        use hearth::analytics::window_state::WindowState;
        let (window, config) = (30 * 86_400, &settings.graph);
        let state = WindowState::new(&interactions, as_of - window - 7 * 86_400, as_of - 7 * 86_400, config);
        println!("| (one 30-day window's aggregation state: {:.1} MB) | | | | |", state.bytes() as f64 / 1e6);
        measure("interaction graph: one 30-day window's aggregation from scratch (WindowState::new, no PageRank)", runs, || {
            WindowState::new(&interactions, as_of - window, as_of, config);
        });
        for (days, what) in [(1, "a day"), (7, "a week")] {
            let start = as_of - window - days * 86_400;
            let mut moves: Vec<Duration> = (0..runs)
                .map(|_| {
                    let mut state = WindowState::new(&interactions, start, start + window, config);
                    let made = Instant::now();
                    state.move_to(&interactions, as_of - window, as_of, config);
                    made.elapsed()
                })
                .collect();
            moves.sort();
            let ms = |at: usize| moves[at].as_secs_f64() * 1e3;
            println!(
                "| interaction graph: the aggregation moved on by {what} (WindowState::move_to, no PageRank) | {runs} | {:.1} ms | {:.1} ms | {:.1} ms |",
                ms(runs / 2),
                ms(0),
                ms(runs - 1)
            );
        }
        let state = WindowState::new(&interactions, as_of - window, as_of, config);
        measure("interaction graph: one window's edges from its state (WindowState::edges)", runs, || {
            state.edges(config);
        });
    }
    drop(interactions);
    measure("interaction graph: every weekly 30-day window with PageRank (58), on one thread", 1, || {
        let graphs = hearth::analytics::graph::WindowCache::new(&settings.graph);
        let mut monday = hearth::analytics::week_start(data.activities[0].at) + 7 * 86_400;
        while monday < as_of {
            graphs.trailing_ranks(&data, monday);
            monday += 7 * 86_400;
        }
    });
    // The stages with the graph windows computed already (as in `everything`, where they
    // are computed first, on both cores).
    let churn = api::churn::ChurnSettings::from_settings(&settings);
    let cutoffs = api::churn::fit_cutoffs(&prepared, as_of, &churn);
    let mut windows = Vec::new();
    for at in hearth::analytics::stages::evaluation_instants(data.activities[0].at, as_of).into_iter().chain(cutoffs.iter().copied()) {
        windows.push((at - 30 * 86_400, at, false));
    }
    for &at in cutoffs.iter().chain([&as_of]) {
        windows.push((at - 30 * 86_400, at, at == as_of));
        windows.push((at - 60 * 86_400, at - 30 * 86_400, false));
    }
    measure("interaction graph: every window everything reads, on every core (WindowCache::prefetch)", 1, || {
        prepared.graphs.prefetch(&data, &windows);
    });
    measure("weekly stage history with reasons + statuses at the 4 cut-offs (windows computed)", runs, || {
        hearth::analytics::stages::history_and_statuses_at(&prepared, as_of, &cutoffs, &stage_config);
    });
    let (history, statuses) = hearth::analytics::stages::history_and_statuses_at(&prepared, as_of, &cutoffs, &stage_config);
    measure("stage heatmap + transitions", runs, || {
        stage_heatmap(&history);
        transitions(&history, &heatmap_config);
    });
    let now: Vec<_> = history.members.iter().map(|member| member.status.clone()).collect();
    measure("signals at as_of and 4 cut-offs, model fit, warnings, risk (windows computed)", runs, || {
        let (signals, model, _) = api::churn::signals_and_model_with(&prepared, as_of, &churn, statuses.clone(), now.clone());
        hearth::analytics::warnings::churn_warnings(&signals, as_of, &churn.warnings);
        signals.iter().map(|member| hearth::analytics::risk::risk(member, &model)).sum::<f64>();
    });
}

/// `--daily-only`: only the daily aggregates, the trend, the row heatmaps and the flags at
/// 1M (the side thread's parts of the full path), for a profiler and quick before/after runs.
fn daily_only() {
    let data = generated_group(20_000, 1_000_000, 400);
    let as_of = data.activities.last().map_or(0, |activity| activity.at) / 86_400 * 86_400 + 86_400;
    let settings = Settings::default();
    let health_config = settings.health_config();
    let heatmap_config = settings.heatmap_config(Some("Europe/Berlin"), None).expect("a known zone");
    let prepared = Prepared::new(&data, &health_config.conversations);
    let runs = 5;
    println!(
        "| part (1,000,000 messages, 20,000 members) | runs | median | min | max | CPU (user + sys), median | load average at each run |"
    );
    println!("|---|---|---|---|---|---|---|");
    measure_cpu("daily aggregates (DailyBasis, noise flags included)", runs, || {
        DailyBasis::new(&prepared.index, &prepared.conversations, as_of, &health_config);
    });
    let basis = DailyBasis::new(&prepared.index, &prepared.conversations, as_of, &health_config);
    let (first_day, last_day) = basis.day_span();
    measure_cpu("daily trend, 400 days, from the aggregates", runs, || {
        trend(&basis, first_day, last_day, &health_config);
    });
    drop(basis);
    measure_cpu("cohort, hour (Europe/Berlin) and first-minutes heatmaps", runs, || {
        cohort_heatmap(&prepared.index, as_of, &heatmap_config);
        hour_heatmap(&prepared.index, as_of, &heatmap_config);
        first_minutes_heatmap(&prepared.index, as_of, &heatmap_config);
    });
    measure_cpu("flags (low-information, flood, bot-like)", runs, || {
        hearth::analytics::flags::detect_flags(&data, as_of, &settings.flags);
    });
    measure_cpu(
        "as everything does it: noise + flags in one text pass, the aggregates from its noise, trend, the 3 row heatmaps in one pass",
        runs,
        || {
            side_of_everything(&prepared, as_of, &settings);
        },
    );
}

/// The parts above as `api::compute_everything` runs them (on its second thread): one pass
/// over the texts for the noise share and the flags, the daily aggregates from its noise
/// flags, the score and the trend, the three row heatmaps in one pass, the flags.
fn side_of_everything(prepared: &Prepared<'_>, as_of: i64, settings: &Settings) {
    let health_config = settings.health_config();
    let heatmap_config = settings.heatmap_config(None, None).expect("the default zone");
    let mut texts = hearth::analytics::text_scan::TextScan::new(Some(&health_config.noise), Some(&settings.flags));
    texts.scan(&prepared.index, as_of);
    let basis = DailyBasis::with_noise(&prepared.index, &prepared.conversations, as_of, &health_config, texts.noise_flagged());
    let (first_day, last_day) = basis.day_span();
    trend(&basis, first_day, last_day, &health_config);
    score_values(&basis.values_at(as_of), as_of, &health_config);
    let mut rows = hearth::analytics::heatmaps::RowHeatmaps::default();
    rows.scan(&prepared.index, as_of, &heatmap_config);
    rows.cohorts(&prepared.index, as_of, &heatmap_config);
    rows.hours(&heatmap_config);
    rows.first_minutes(&prepared.index, &heatmap_config);
    texts.flags();
}

/// `--profile-everything`: only the full computation at 1M, for a profiler.
fn profile_everything() {
    let data = generated_group(20_000, 1_000_000, 400);
    let as_of = data.activities.last().map_or(0, |activity| activity.at) / 86_400 * 86_400 + 86_400;
    measure_cpu("everything, full", 2, || {
        api::compute_everything(&data, as_of, &Settings::default()).expect("computes");
    });
}

/// `--conversations-only`: the conversations (with the lookups they need) at 1M, for a
/// profiler.
fn conversations_only() {
    let data = generated_group(20_000, 1_000_000, 400);
    let config = Settings::default().health_config().conversations;
    measure("conversations (shared by health and stages)", 9, || {
        Prepared::new(&data, &config);
    });
}

fn main() {
    // As the app and the CLI run (first thing in their `main`).
    hearth::api::configure_allocator_for_process();
    if std::env::args().any(|argument| argument == "--conversations-only") {
        conversations_only();
        return;
    }
    if std::env::args().any(|argument| argument == "--profile-everything") {
        profile_everything();
        return;
    }
    if std::env::args().any(|argument| argument == "--absorb-only") {
        // The incremental path alone (for profiling): one full computation, then the absorbs.
        let mut data = generated_group(20_000, 1_000_000, 400);
        let as_of = data.activities.last().map_or(0, |activity| activity.at) / 86_400 * 86_400 + 86_400;
        // More batches for a profiler: `HEARTH_BENCH_BATCHES=30`.
        let batches = std::env::var("HEARTH_BENCH_BATCHES").ok().and_then(|batches| batches.parse().ok()).unwrap_or(3);
        absorb_batches(&mut data, as_of, &Settings::default(), batches);
        return;
    }
    if std::env::args().any(|argument| argument == "--absorb-same-day") {
        // More absorbs for a profiler: `HEARTH_BENCH_ABSORBS=40`.
        let runs = std::env::var("HEARTH_BENCH_ABSORBS").ok().and_then(|runs| runs.parse().ok()).unwrap_or(9);
        absorb_same_day(runs);
        return;
    }
    if std::env::args().any(|argument| argument == "--daily-only") {
        daily_only();
        return;
    }
    if std::env::args().any(|argument| argument == "--analytics-only") {
        analytics_at_scale();
        return;
    }
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
    let data = store.load_group_data(&group).expect("rows load");
    let as_of = api::default_as_of(&store, &group, NOW).expect("as_of");
    println!();
    println!("| what (demo) | runs | median | min | max |");
    println!("|---|---|---|---|---|");
    measure("everything (api::compute_everything: health, trend, stages, heatmaps, graph, flags, warnings + risk)", 5, || {
        api::compute_everything(&data, as_of, &Settings::default()).expect("computes");
    });
    let analyst = api::Analyst::new();
    measure("dashboard through the cache, first call (api::Analyst::dashboard)", 1, || {
        analyst.dashboard(&store, group.id, NOW).expect("dashboard");
    });
    measure("dashboard through the cache, computed already", 10, || {
        analyst.dashboard(&store, group.id, NOW).expect("dashboard");
    });
    measure("warnings through the cache, computed already", 10, || {
        analyst.warnings(&store, group.id, hearth::analytics::warnings::Severity::Low, false, NOW).expect("warnings");
    });
    analytics_at_scale();
}
