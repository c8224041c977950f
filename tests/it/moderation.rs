//! The moderation and settings use cases through `api`: the decisions log and a flag's
//! messages, the preview of the score under unsaved settings and saving several edits
//! at once, and the app setting that keeps message text out of the store.

use std::path::Path;

use hearth::analytics::health::MetricId;
use hearth::api;
use hearth::api::moderation::{self, SettingEdit, SettingProblemCode};
use hearth::api::review::Decision;
use hearth::model::{ActivityKind, Platform, DAY};
use hearth::store::{NewActivity, NewGroup, NewMember, Store};

const START: i64 = 1_750_032_000; // 2025-06-16, a Monday
/// "Now" for imports: after every date of the fixtures.
const NOW: i64 = 1_800_000_000;

/// Eight members over 60 days: member k posts every (k % 3 + 1) days and answers the
/// day's first post; members 5–7 stop on day 40. On day 59 member 0 floods "#general"
/// with the same text three times (one flag).
fn write_community(store: &mut Store) {
    let mut tx = store.begin_import().unwrap();
    let group = tx
        .upsert_group(&NewGroup { platform: Platform::Slack, platform_id: "T5", name: "Mods", is_archive: true, is_demo: false }, 0)
        .unwrap();
    let channel = tx.upsert_channel(group, "C1", "general").unwrap();
    let members: Vec<i64> = (0..8)
        .map(|k| {
            let platform_id = format!("U{k}");
            let name = format!("Member {k}");
            tx.upsert_member(group, &NewMember { platform_id: &platform_id, display_name: &name, is_bot: false }).unwrap()
        })
        .collect();
    let mut write = |platform_id: String, member: i64, at: i64, parent: Option<&str>, text: &str| {
        let kind = if parent.is_some() { ActivityKind::Reply } else { ActivityKind::Message };
        tx.insert_activity(
            group,
            &NewActivity {
                channel_id: channel,
                member_id: member,
                platform_id: &platform_id,
                kind,
                at,
                parent_platform_id: parent,
                text: Some(text),
                raw_kind: None,
            },
        )
        .unwrap();
    };
    for day in 0..60i64 {
        let first = format!("d{day}-0");
        for k in 0..8i64 {
            if day % (k % 3 + 1) != 0 || (k >= 5 && day >= 40) {
                continue;
            }
            let at = START + day * DAY + 3_600 * (k + 1);
            let parent = (k > 0).then_some(first.as_str());
            write(format!("d{day}-{k}"), members[k as usize], at, parent, &format!("post {k} of day {day} about the release"));
        }
    }
    for repeat in 0..3 {
        write(format!("flood-{repeat}"), members[0], START + 59 * DAY + 80_000 + repeat * 30, None, "join my channel now");
    }
    tx.finish().unwrap();
}

fn store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    write_community(&mut store);
    store
}

fn edit(key: &str, value: &str) -> SettingEdit {
    SettingEdit { key: key.to_string(), value: value.to_string() }
}

#[test]
fn the_decisions_log_lists_every_decision_newest_first_with_undone_ones_marked() {
    let mut store = store();
    let flags = api::review::flags(&mut store, "Mods", None, 100).unwrap();
    assert_eq!(flags.flags.len(), 1, "{:?}", flags.flags);
    let flag = flags.flags[0].id;
    api::review::review(&mut store, "Mods", flag, Decision::Escalate, Some("ask the owner"), 200).unwrap();
    api::review::review(&mut store, "Mods", flag, Decision::Action, None, 300).unwrap();
    api::review::undo_review(&mut store, "Mods", flag, 400).unwrap();

    let log = moderation::decisions_log(&store, "Mods").unwrap();
    let lines: Vec<_> = log
        .iter()
        .map(|entry| (entry.from_status.as_str(), entry.to_status.as_str(), entry.note.as_deref(), entry.decided_at, entry.undone_at))
        .collect();
    assert_eq!(lines, vec![("escalated", "actioned", None, 300, Some(400)), ("open", "escalated", Some("ask the owner"), 200, None)]);
    assert!(log.iter().all(|entry| entry.flag_id == flag && entry.code == "flood" && entry.display_name == "Member 0"));
}

#[test]
fn a_flags_messages_are_the_ones_its_evidence_names() {
    let mut store = store();
    let flags = api::review::flags(&mut store, "Mods", None, 100).unwrap();
    let messages = moderation::flag_messages(&store, "Mods", flags.flags[0].id).unwrap();
    assert_eq!(messages.iter().map(|message| message.id).collect::<Vec<_>>(), flags.flags[0].evidence.message_ids);
    assert!(messages.iter().all(|message| message.text.as_deref() == Some("join my channel now")));
    assert!(moderation::flag_messages(&store, "Mods", 9_999).is_err());
}

#[test]
fn the_preview_scores_unsaved_edits_and_saving_them_gives_the_same_score() {
    let mut store = store();
    let before = api::health(&store, "Mods", None, 0).unwrap();
    let edits = [edit("health.metrics.messages_per_active_member.high", "1000")];
    let preview = moderation::preview_settings(&store, "Mods", &edits, 0).unwrap();
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    assert_eq!(preview.current, before);
    let previewed = preview.preview.expect("a preview");
    assert!(previewed.score < before.score, "a far target lowers the score: {:?} vs {:?}", previewed.score, before.score);
    assert!(preview.changes.iter().any(|change| change.metric == MetricId::MessagesPerActiveMember), "{:?}", preview.changes);
    // Nothing was stored by the preview.
    assert!(api::settings(&store, "Mods").unwrap().entries.iter().all(|entry| entry.is_default));

    let saved = moderation::save_settings(&mut store, "Mods", &edits, 10).unwrap();
    assert_eq!(saved.settings.health.metrics[&MetricId::MessagesPerActiveMember].high, 1000.0);
    assert_eq!(api::health(&store, "Mods", None, 0).unwrap().score, previewed.score);
}

#[test]
fn weights_that_must_agree_are_saved_together_and_problems_name_their_key() {
    let mut store = store();
    let settings = api::settings(&store, "Mods").unwrap().settings;
    let weight = |metric: MetricId| settings.health.metrics[&metric].weight;
    let (a, b) = (MetricId::Retention7d, MetricId::Stickiness);
    let key = |metric: MetricId| format!("health.metrics.{}.weight", serde_json::to_value(metric).unwrap().as_str().unwrap());
    // Moving 0.05 from one weight to another: either edit alone breaks the sum.
    let moved = [
        SettingEdit { key: key(a), value: format!("{}", weight(a) - 0.05) },
        SettingEdit { key: key(b), value: format!("{}", weight(b) + 0.05) },
    ];
    let error = api::set_setting(&mut store, "Mods", &moved[0].key, &moved[0].value, 5).unwrap_err();
    assert!(error.message.contains("sum to 1"), "{}", error.message);
    let saved = moderation::save_settings(&mut store, "Mods", &moved, 10).unwrap();
    assert!((saved.settings.health.metrics[&a].weight - (weight(a) - 0.05)).abs() < 1e-9);

    // One edit alone: a problem that says what to do, and nothing stored.
    let alone = [SettingEdit { key: key(a), value: format!("{}", weight(a) - 0.1) }];
    let preview = moderation::preview_settings(&store, "Mods", &alone, 0).unwrap();
    assert!(preview.preview.is_none());
    assert!(preview.problems[0].message.contains("sum to 1"), "{:?}", preview.problems);
    let wrong = [edit("health.period_days", "a week"), edit("stages.nonsense", "3")];
    let problems = moderation::preview_settings(&store, "Mods", &wrong, 0).unwrap().problems;
    let keys: Vec<Option<&str>> = problems.iter().map(|problem| problem.key.as_deref()).collect();
    assert_eq!(keys, vec![Some("health.period_days"), Some("stages.nonsense")]);
    // The window says each kind of problem in its own language, from the code.
    let codes: Vec<SettingProblemCode> = problems.iter().map(|problem| problem.code).collect();
    assert_eq!(codes, vec![SettingProblemCode::BadValue, SettingProblemCode::UnknownKey]);
    assert_eq!(preview.problems[0].code, SettingProblemCode::Invalid);
    let range = moderation::preview_settings(&store, "Mods", &[edit("health.period_days", "0")], 0).unwrap().problems;
    assert_eq!(range[0].key.as_deref(), Some("health.period_days"), "{range:?}");
    assert!(moderation::save_settings(&mut store, "Mods", &wrong, 20).is_err());
    assert_eq!(api::settings(&store, "Mods").unwrap().settings.health.period_days, 7, "a refused save stores nothing");
}

#[test]
fn imports_keep_no_text_when_the_setting_is_off_and_erasing_removes_stored_text() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/telegram/chat.json");
    let mut store = Store::open_in_memory().unwrap();
    assert!(moderation::app_settings(&store).unwrap().store_message_text, "text is kept by default");
    moderation::set_store_message_text(&mut store, false, 1).unwrap();
    assert!(!moderation::app_settings(&store).unwrap().store_message_text);
    let summary = api::import(&mut store, &fixture, None, NOW, &mut |_| {}).unwrap();
    assert!(summary.messages > 0);
    let group = summary.groups[0].id.0.to_string();
    assert_eq!(moderation::stored_text(&store, &group).unwrap().messages_with_text, 0);

    // Back on: a fresh store imports the text, and erasing removes it and its search entries.
    let mut store = Store::open_in_memory().unwrap();
    let summary = api::import(&mut store, &fixture, None, NOW, &mut |_| {}).unwrap();
    let group = summary.groups[0].id;
    let with_text = moderation::stored_text(&store, &group.0.to_string()).unwrap().messages_with_text;
    assert!(with_text > 0);
    let channel = api::archive::archive_channels(&store, group).unwrap()[0].id;
    let page = api::archive::archive_page(&store, group, channel, api::archive::Anchor::End, 50).unwrap();
    let word: String = page
        .messages
        .iter()
        .filter_map(|line| line.text.as_deref())
        .flat_map(|text| text.split(|c: char| !c.is_alphanumeric()))
        .find(|word| word.chars().count() >= 4)
        .expect("a word in the chat")
        .to_string();
    assert!(!api::archive::search(&store, group, &word, 5).unwrap().hits.is_empty(), "{word} is found before");

    let erased = moderation::erase_message_text(&mut store, &group.0.to_string()).unwrap();
    assert_eq!(erased.erased, with_text);
    assert_eq!(moderation::stored_text(&store, &group.0.to_string()).unwrap().messages_with_text, 0);
    let page = api::archive::archive_page(&store, group, channel, api::archive::Anchor::End, 50).unwrap();
    assert!(page.messages.iter().all(|line| line.text.is_none()));
    assert!(api::archive::search(&store, group, &word, 5).unwrap().hits.is_empty(), "{word} is still found");
}
