//! The Telegram importer through `hearth::api::import` on real exports written by other
//! projects (the shared datasets named by `HEARTH_DATASETS`): exact counts counted by hand
//! from the files, and the refusal of a file of another Telegram format. The datasets hold
//! no full-account export ("Export Telegram data"); that form is tested on the hand-written
//! `tests/fixtures/telegram/full_account.json`, here and in the importer's unit tests. Also:
//! a 100 MB message, and several exports as one import.

use std::path::PathBuf;

use hearth::api::{self, ErrorCode, ImportSummary, Skipped};
use hearth::model::{ActivityKind, GroupData, Platform, UnixSeconds};
use hearth::store::Store;

const NOW: UnixSeconds = 1_800_000_000;

const TEST_2022: &str = "telegram-json-ui/frontend/sveltekit/static/example/telegram-test-json/result.json";
const DM_2A_7M: &str = "chat-analytics-samples/tests/samples/telegram/DM_2A_7M.json";
const BOT_API_UPDATES: &str = "perceval-test-data/tests/data/telegram/telegram_messages.json";

/// The sample at `relative` inside `HEARTH_DATASETS`, or `None` after saying loudly that
/// `test` is skipped. A folder that is named but lacks the sample fails the test: the
/// samples are the point of these tests.
fn sample(test: &str, relative: &str) -> Option<PathBuf> {
    crate::support::sample(test, relative)
}

fn import(store: &mut Store, path: &std::path::Path) -> Result<ImportSummary, api::Error> {
    api::import(store, path, None, NOW, &mut |_| {})
}

fn skipped(entries: &[(&str, u64)]) -> Vec<Skipped> {
    entries.iter().map(|(reason, count)| Skipped::new(reason.to_string(), *count)).collect()
}

fn only_group(store: &Store) -> GroupData {
    let groups = store.groups().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    store.load_group_data(&groups[0]).unwrap()
}

/// Joined and left times of the member with `platform_id`.
fn membership(data: &GroupData, platform_id: &str) -> (Option<UnixSeconds>, Option<UnixSeconds>) {
    let member = data.members.iter().find(|member| member.platform_id == platform_id).unwrap_or_else(|| panic!("no member {platform_id}"));
    (member.joined_at, member.left_at)
}

#[test]
fn telegram_desktop_test_group_2022_is_imported_exactly() {
    let Some(path) = sample("telegram_desktop_test_group_2022_is_imported_exactly", TEST_2022) else {
        return;
    };
    let mut store = Store::open_in_memory().unwrap();
    let summary = import(&mut store, &path).unwrap();
    assert_eq!(summary.format, "telegram");
    // 12 entries: 8 messages (3 of them media without text) and 4 service messages:
    // create_group (the creator and "User 2"), two invite_members, one remove_members.
    assert_eq!((summary.channels, summary.members, summary.messages, summary.reactions), (1, 4, 8, 0));
    assert_eq!((summary.joins, summary.leaves, summary.duplicates, summary.updated), (4, 1, 0, 0));
    assert_eq!(summary.skipped, vec![]);
    // Its dates are local times (no date_unixtime), read in the zone given: none, so UTC.
    assert_eq!(summary.timezone_assumed.as_deref(), Some("UTC"));
    let group = &summary.groups[0];
    assert_eq!((group.platform, group.platform_id.as_str(), group.name.as_str()), (Platform::Telegram, "123456789", "Test 2022"));
    assert!(group.is_archive && !group.is_demo);

    let data = only_group(&store);
    let mut ids: Vec<&str> = data.members.iter().map(|member| member.platform_id.as_str()).collect();
    ids.sort();
    // "User 2" and "RoboTeam Digital" are only ever named in member lists.
    assert_eq!(ids, ["name:RoboTeam Digital", "name:User 2", "user123456789", "user460693903"]);
    // The export has no date_unixtime: its local times are read as UTC.
    // The bot "Get My ID" is invited at 2022-03-16T19:24:39, speaks, and is removed at
    // 2022-03-23T02:12:27; its invite names it before its first message.
    assert_eq!(membership(&data, "user460693903"), (Some(1_647_458_679), Some(1_648_001_547)));
    assert_eq!(membership(&data, "user123456789"), (Some(1_647_458_627), None));
    let texts = data.activities.iter().filter(|activity| activity.kind == ActivityKind::Message);
    assert_eq!(texts.filter(|activity| activity.text.is_none()).count(), 3);

    let listed = api::groups(&store).unwrap();
    assert_eq!((listed[0].first_activity_at, listed[0].last_activity_at), (Some(1_647_458_627), Some(1_648_001_737)));
}

#[test]
fn chat_analytics_dm_sample_is_imported_exactly() {
    let Some(path) = sample("chat_analytics_dm_sample_is_imported_exactly", DM_2A_7M) else {
        return;
    };
    let mut store = Store::open_in_memory().unwrap();
    let summary = import(&mut store, &path).unwrap();
    // 8 entries: 6 messages by Bob and Alice (2 of them photos without text) and 2 service
    // messages that are no member activity.
    assert_eq!((summary.channels, summary.members, summary.messages, summary.reactions), (1, 2, 6, 0));
    assert_eq!((summary.joins, summary.leaves, summary.duplicates), (0, 0, 0));
    assert_eq!(
        summary.skipped,
        skipped(&[
            ("service message without member activity (joined_telegram)", 1),
            ("service message without member activity (phone_call)", 1),
        ])
    );
    assert_eq!((summary.groups[0].platform_id.as_str(), summary.groups[0].name.as_str()), ("700000000", "Bob"));
    assert_eq!(summary.timezone_assumed.as_deref(), Some("UTC"), "its first post has only a local date");
    let listed = api::groups(&store).unwrap();
    // The first post has only `date` (2019-07-12T16:55:32, read as UTC); the last only
    // `date_unixtime`.
    assert_eq!((listed[0].first_activity_at, listed[0].last_activity_at), (Some(1_562_950_532), Some(1_654_898_799)));
}

#[test]
fn reimporting_a_real_export_changes_nothing() {
    let Some(path) = sample("reimporting_a_real_export_changes_nothing", TEST_2022) else {
        return;
    };
    let mut store = Store::open_in_memory().unwrap();
    let first = import(&mut store, &path).unwrap();
    let before = api::groups(&store).unwrap();
    let second = import(&mut store, &path).unwrap();
    assert_eq!((second.channels, second.members, second.messages, second.joins, second.leaves), (0, 0, 0, 0, 0));
    assert_eq!(second.duplicates, first.messages + first.reactions + first.joins + first.leaves);
    let after = api::groups(&store).unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!((after[0].members, after[0].messages), (before[0].members, before[0].messages));
}

#[test]
fn bot_api_updates_are_refused_with_a_clear_error() {
    let Some(path) = sample("bot_api_updates_are_refused_with_a_clear_error", BOT_API_UPDATES) else {
        return;
    };
    let mut store = Store::open_in_memory().unwrap();
    let error = import(&mut store, &path).unwrap_err();
    assert_eq!(error.code, ErrorCode::BadArchive);
    for expected in ["telegram_messages.json", "Bot API", "line 2", "Export chat history"] {
        assert!(error.message.contains(expected), "missing {expected:?} in: {}", error.message);
    }
    assert!(store.groups().unwrap().is_empty());
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[test]
fn a_message_of_100_mb_is_refused_naming_it_and_the_store_is_unchanged() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, &fixture("telegram/chat.json")).unwrap();
    let before = api::groups(&store).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("result.json");
    // A later export of the same chat, whose third message is 100 MB long.
    let message = |id: u64| {
        format!(
            r#"{{"id": {id}, "type": "message", "date_unixtime": "{}", "from": "Ada", "from_id": "user1", "text": "m{id}"}}"#,
            1_714_557_600 + id
        )
    };
    let before_text = format!(
        r#"{{"name": "Hearth Test Group", "type": "private_supergroup", "id": 1234567890, "messages": [{}, {}, {{"id": 3, "type": "message", "date_unixtime": "1714557603", "from_id": "user1", "text": ""#,
        message(1001),
        message(1002)
    );
    crate::support::write_with_long_text(&path, &before_text, crate::support::HUNDRED_MB, r#""}]}"#);
    let error = import(&mut store, &path).unwrap_err();
    assert_eq!(error.code, ErrorCode::BadArchive);
    for expected in
        ["result.json", "line 1", "message 3 of `messages`, the one after id 1002", "longer than 16 MiB", "export the chat again"]
    {
        assert!(error.message.contains(expected), "missing {expected:?} in: {}", error.message);
    }
    assert_eq!(api::groups(&store).unwrap(), before);
}

#[test]
fn several_exports_of_several_formats_are_one_import() {
    let mut store = Store::open_in_memory().unwrap();
    let paths = [
        fixture("telegram/full_account.json"),
        fixture("telegram/chat.json"),
        fixture("discord/group_dm.json"),
        fixture("whatsapp/ios.txt"),
    ];
    let options = hearth::import::ImportOptions { timezone: Some(chrono_tz::Europe::Berlin), ..Default::default() };
    let summary = api::import_paths(&mut store, &paths, None, &options, NOW, &mut |_| {}).unwrap();
    assert_eq!(summary.format, "mixed");
    // Four chats of the account export, the chat export, the group DM, the WhatsApp chat.
    assert_eq!(summary.groups.len(), 7);
    let one_by_one: u64 = paths
        .iter()
        .map(|path| {
            let mut alone = Store::open_in_memory().unwrap();
            api::import_paths(&mut alone, std::slice::from_ref(path), None, &options, NOW, &mut |_| {}).unwrap().messages
        })
        .sum();
    assert_eq!(summary.messages, one_by_one);
    // WhatsApp's times are local: the summary names the zone they were read in.
    assert_eq!(summary.timezone_assumed.as_deref(), Some("Europe/Berlin"));

    let again = api::import_paths(&mut store, &paths, None, &options, NOW, &mut |_| {}).unwrap();
    assert_eq!((again.messages, again.members, again.channels), (0, 0, 0));
}

#[test]
fn several_exports_land_together_or_not_at_all() {
    let mut store = Store::open_in_memory().unwrap();
    let paths = [fixture("telegram/full_account.json"), fixture("telegram/truncated.json")];
    let error = api::import_paths(&mut store, &paths, None, &Default::default(), NOW, &mut |_| {}).unwrap_err();
    assert!(error.message.contains("truncated.json") && error.message.contains("truncated"), "{}", error.message);
    assert!(store.groups().unwrap().is_empty());
    // A path that is no export at all stops the import before anything is read.
    let empty = tempfile::tempdir().unwrap();
    let paths = [fixture("telegram/chat.json"), empty.path().to_path_buf()];
    let error = api::import_paths(&mut store, &paths, None, &Default::default(), NOW, &mut |_| {}).unwrap_err();
    assert!(error.message.contains("no export"), "{}", error.message);
    assert!(store.groups().unwrap().is_empty());
}
