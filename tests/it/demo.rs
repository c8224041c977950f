//! The demo community: the size the app promises, determinism, and its ground truth.

use std::sync::OnceLock;

use hearth::analytics::noise::{noisy_posts, NoiseConfig};
use hearth::analytics::Index;
use hearth::api;
use hearth::model::{ActivityKind, GroupData, Platform, DAY};
use hearth::store::Store;

const NOW: i64 = 1_800_000_000;

struct Demo {
    summary: api::DemoSummary,
    data: GroupData,
    truth: Vec<hearth::store::DemoTruth>,
    health_json: String,
}

/// The demo takes seconds to generate: build it once for all tests here.
fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let mut store = Store::open_in_memory().unwrap();
        let summary = api::create_demo(&mut store, api::DEFAULT_DEMO_SEED, NOW, &mut |_| {}).unwrap();
        let data = store.load_group_data(&summary.group).unwrap();
        let truth = store.demo_truth(summary.group.id).unwrap();
        let health_json = serde_json::to_string(&api::health(&store, "1", None, NOW).unwrap()).unwrap();
        Demo { summary, data, truth, health_json }
    })
}

#[test]
fn demo_has_the_promised_size() {
    let demo = demo();
    let summary = &demo.summary;
    assert!(summary.group.is_demo && summary.group.platform == Platform::Demo);
    assert!(summary.members >= 1_500, "{} members", summary.members);
    assert!(summary.messages >= 150_000, "{} messages", summary.messages);
    assert!(summary.months >= 12);
    assert!(summary.channels >= 5);
    let first = demo.data.activities.first().unwrap().at;
    let last = demo.data.activities.last().unwrap().at;
    assert!((last - first) / DAY >= 365, "spans {} days", (last - first) / DAY);
    let count = |kind: ActivityKind| demo.data.activities.iter().filter(|activity| activity.kind == kind).count();
    assert!(count(ActivityKind::Reply) > 50_000, "threads and replies");
    assert!(count(ActivityKind::Reaction) > 50_000, "reactions");
    assert!(count(ActivityKind::Join) as u64 >= summary.members - 2, "every human joins");
    assert!(count(ActivityKind::Leave) > 50, "some members leave");
}

#[test]
fn demo_contains_its_stories() {
    let demo = demo();
    let persona_count = |persona: &str| demo.truth.iter().filter(|truth| truth.persona == persona).count();
    assert_eq!(persona_count("core_drifting"), 4, "several core members drift away");
    assert!(demo.truth.iter().filter(|truth| truth.persona == "core_drifting").all(|truth| truth.churned_at.is_some()));
    assert!(persona_count("lurker") > 500);
    assert!(persona_count("fading_newcomer") > 100);
    assert_eq!(persona_count("spammer"), 6);
    assert_eq!(demo.truth.len() as u64, demo.summary.members, "ground truth for every member");
    assert!(demo.summary.churned_members > 300);

    // The spam flood is flagged as noise.
    let index = Index::new(&demo.data);
    let noisy = noisy_posts(&index, &NoiseConfig::default());
    assert!(noisy.len() >= 6 * 22, "{} noisy posts", noisy.len());

    // Some newcomers' introductions were never answered; most were.
    let intros: Vec<_> = demo
        .data
        .activities
        .iter()
        .filter(|activity| activity.kind == ActivityKind::Message && activity.channel_id == demo.data.activities[0].channel_id + 2)
        .collect();
    let answered = intros
        .iter()
        .filter(|intro| {
            demo.data.activities.iter().any(|activity| activity.kind == ActivityKind::Reply && activity.parent_id == Some(intro.id))
        })
        .count();
    assert!(intros.len() > 300, "{} introductions", intros.len());
    assert!(answered * 10 > intros.len() * 5 && answered < intros.len() * 95 / 100, "{answered} of {} answered", intros.len());

    // A silent stretch: ten days of almost nothing in late June 2026.
    let outage_start = hearth::demo::START + 296 * DAY;
    let posts_in = |from: i64, days: i64| {
        demo.data
            .activities
            .iter()
            .filter(|activity| activity.kind.is_post() && activity.at >= from && activity.at < from + days * DAY)
            .count()
    };
    assert!(posts_in(outage_start, 10) * 8 < posts_in(outage_start - 20 * DAY, 10), "the silent stretch is quiet");
}

#[test]
fn same_seed_gives_the_same_community_and_another_seed_another() {
    let demo = demo();
    let mut again = Store::open_in_memory().unwrap();
    let summary = api::create_demo(&mut again, api::DEFAULT_DEMO_SEED, NOW, &mut |_| {}).unwrap();
    assert_eq!(summary, demo.summary);
    assert_eq!(serde_json::to_string(&api::health(&again, "1", None, NOW).unwrap()).unwrap(), demo.health_json);
    let mut other = Store::open_in_memory().unwrap();
    let different = api::create_demo(&mut other, 8, NOW, &mut |_| {}).unwrap();
    assert_ne!(different.messages, summary.messages);
}

#[test]
fn ensure_demo_only_fills_an_empty_store_and_regenerating_replaces_it() {
    let mut store = Store::open_in_memory().unwrap();
    let mut steps = 0;
    let created = api::ensure_demo(&mut store, NOW, &mut |_| steps += 1).unwrap();
    assert!(created.is_some());
    assert!(steps > 10, "progress is reported while the demo is built");
    assert_eq!(api::ensure_demo(&mut store, NOW, &mut |_| {}).unwrap(), None);
    let again = api::create_demo(&mut store, api::DEFAULT_DEMO_SEED, NOW, &mut |_| {}).unwrap();
    let groups = api::groups(&store).unwrap();
    assert_eq!(groups.len(), 1, "the demo is replaced, not added twice");
    assert_eq!(groups[0].messages, again.messages);
    assert!(store.search_text(again.group.id, "monorepo", 5).unwrap().len() == 5, "search works on the new demo");
    assert!(store.fts_integrity_ok().unwrap());
}
