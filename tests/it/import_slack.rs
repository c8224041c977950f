//! The Slack importer through `hearth::api::import`: the hand-written workspace export in
//! tests/fixtures/slack (as a folder and as a zip), the real exports written by slackdump
//! (the shared datasets named by `HEARTH_DATASETS`) with exact counts counted by hand, and
//! every kind of bad input, each leaving the store as it was.

use std::fs;
use std::path::{Path, PathBuf};

use hearth::api::{self, ErrorCode, ImportSummary, Skipped};
use hearth::model::{ActivityKind, GroupData, Platform, UnixSeconds};
use hearth::store::Store;

const NOW: UnixSeconds = 1_800_000_000;

const SLACKDUMP_ASSETS: &str = "slackdump-fixtures/internal/fixtures/assets";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/slack").join(name)
}

/// A real sample inside `HEARTH_DATASETS`, or `None` after saying loudly that `test` is skipped.
fn sample(test: &str, relative: &str) -> Option<PathBuf> {
    crate::support::sample(test, &format!("{SLACKDUMP_ASSETS}/{relative}"))
}

fn import(store: &mut Store, path: &Path) -> Result<ImportSummary, api::Error> {
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

/// Sorted channel names of the store in `db`, read with SQL: the store has no query for them.
fn channel_names(db: &Path) -> Vec<String> {
    let connection = rusqlite::Connection::open(db).unwrap();
    let mut statement = connection.prepare("SELECT name FROM channels ORDER BY name").unwrap();
    statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
}

/// `raw_kind` of the stored activities, with how many have each, read with SQL.
fn raw_kinds(db: &Path) -> Vec<(Option<String>, i64)> {
    let connection = rusqlite::Connection::open(db).unwrap();
    let mut statement = connection.prepare("SELECT raw_kind, COUNT(*) FROM activities GROUP BY raw_kind ORDER BY raw_kind").unwrap();
    statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect()
}

fn count(data: &GroupData, kind: ActivityKind) -> usize {
    data.activities.iter().filter(|activity| activity.kind == kind).count()
}

fn post_with_text<'d>(data: &'d GroupData, text: &str) -> &'d hearth::model::ActivityRow {
    data.activities.iter().find(|activity| data.text(activity) == Some(text)).unwrap_or_else(|| panic!("no post {text:?}"))
}

const FIXTURE_SKIPS: &[(&str, u64)] = &[
    ("deletion notice (message_deleted) without the deleted message", 1),
    ("file in a conversation folder that is not a day file (YYYY-MM-DD.json)", 1),
    ("message without a timestamp (no ts)", 1),
    ("reactions whose reactor the export does not name (Slack lists only some reactors)", 3),
];

/// The counts of the fixture export, counted from make_fixtures.py: 5 channels (2 public, 1
/// private, 1 DM, 1 group DM); 5 listed users plus the bot B01 of a bot_message and the
/// guest U99 known only from a message; 14 posts (3 of them replies, the tombstone kept
/// without text), 3 reactions, 2 joins and 1 leave; the edit notice rewrites a message.
fn assert_fixture_summary(summary: &ImportSummary) {
    assert_eq!(summary.format, "slack");
    assert_eq!((summary.channels, summary.members, summary.messages, summary.reactions), (5, 7, 14, 3));
    assert_eq!((summary.joins, summary.leaves, summary.duplicates, summary.updated), (2, 1, 1, 1));
    assert_eq!(summary.skipped, skipped(FIXTURE_SKIPS));
    let group = &summary.groups[0];
    assert_eq!((group.platform, group.platform_id.as_str(), group.name.as_str()), (Platform::Slack, "T0TEAM", "workspace"));
    assert!(group.is_archive && !group.is_demo);
}

#[test]
fn workspace_folder_imports_every_kind_of_activity() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("hearth.db");
    let mut store = Store::open(&db).unwrap();
    let summary = import(&mut store, &fixture("workspace")).unwrap();
    assert_fixture_summary(&summary);
    let data = only_group(&store);
    assert_eq!((count(&data, ActivityKind::Message), count(&data, ActivityKind::Reply)), (11, 3));
    assert_eq!((count(&data, ActivityKind::Reaction), count(&data, ActivityKind::Join), count(&data, ActivityKind::Leave)), (3, 2, 1));

    let member = |platform_id: &str| data.members.iter().find(|member| member.platform_id == platform_id).unwrap();
    assert_eq!(member("U01").display_name, "Alice Archer");
    assert_eq!(member("U02").display_name, "bob");
    assert!(member("U03").is_bot && member("B01").is_bot && member("USLACKBOT").is_bot);
    assert_eq!((member("B01").display_name.as_str(), member("U99").display_name.as_str()), ("CI", "Guest Gwen"));
    assert!(!member("U99").is_bot && !member("U04").is_bot);
    // Alice joined, then left #general.
    assert_eq!((member("U01").joined_at, member("U01").left_at), (Some(1_704_067_200), Some(1_704_168_000)));

    // Replies point at their thread's parent, also when the parent is a tombstone.
    let parent = post_with_text(&data, "Hello everyone");
    assert_eq!(post_with_text(&data, "Hi Alice").parent_id, Some(parent.id));
    // Its time is its ts (2024-01-01T23:59:59Z), not the day its file is named after.
    let late = post_with_text(&data, "Late reply");
    assert_eq!((late.parent_id, late.at), (Some(parent.id), 1_704_153_599));
    let tombstone = data.activities.iter().find(|activity| activity.at == 1_704_157_200).unwrap();
    assert_eq!((tombstone.kind, data.text(tombstone)), (ActivityKind::Message, None));
    assert_eq!(post_with_text(&data, "Reply to a deleted parent").parent_id, Some(tombstone.id));
    // Reactions are the reactors' activities, pointing at the message, dated at it.
    let reactions: Vec<_> = data.activities.iter().filter(|activity| activity.kind == ActivityKind::Reaction).collect();
    assert!(reactions.iter().filter(|reaction| reaction.parent_id == Some(parent.id)).all(|reaction| reaction.at == parent.at));
    assert_eq!(reactions.iter().filter(|reaction| reaction.parent_id == Some(parent.id)).count(), 2);
    // The edit notice's text wins; the file share has no text; the unknown subtype is kept.
    assert!(data.activities.iter().any(|activity| data.text(activity) == Some("Typo message, fixed")));
    assert!(!data.activities.iter().any(|activity| data.text(activity) == Some("Typo mesage")));
    let file_share = data.activities.iter().find(|activity| activity.at == 1_704_160_800).unwrap();
    assert_eq!((file_share.kind, data.text(file_share)), (ActivityKind::Message, None));
    assert_eq!(post_with_text(&data, "Huddle").kind, ActivityKind::Message);
    // The same ts in two channels is two messages.
    assert_eq!(data.activities.iter().filter(|activity| activity.at == 1_704_243_600).count(), 2);

    assert_eq!(channel_names(&db), ["Alice Archer, bob", "Alice Archer, bob, Deploy Bot", "general", "random", "secret"]);
    let kind = |kind: &str, count: i64| (Some(kind.to_string()), count);
    assert_eq!(raw_kinds(&db), [(None, 17), kind("bot_message", 1), kind("huddle_thread", 1), kind("tombstone", 1)]);
}

#[test]
fn workspace_zip_imports_like_the_folder_and_into_the_same_group() {
    let mut store = Store::open_in_memory().unwrap();
    let summary = import(&mut store, &fixture("workspace.zip")).unwrap();
    assert_fixture_summary(&summary);
    let from_zip = only_group(&store);
    // The folder of the same workspace (same team id) adds nothing.
    let again = import(&mut store, &fixture("workspace")).unwrap();
    assert_eq!((again.channels, again.members, again.messages, again.reactions, again.joins, again.leaves), (0, 0, 0, 0, 0, 0));
    assert_eq!(only_group(&store).activities, from_zip.activities);
}

#[test]
fn reimporting_the_same_export_changes_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let first = import(&mut store, &fixture("workspace")).unwrap();
    let before = only_group(&store);
    let second = import(&mut store, &fixture("workspace")).unwrap();
    assert_eq!((second.groups.len(), second.channels, second.members, second.messages, second.reactions), (1, 0, 0, 0, 0));
    assert_eq!((second.joins, second.leaves), (0, 0));
    // Every activity is seen again, the edited message twice (as written, then as edited).
    assert_eq!(second.duplicates, first.messages + first.reactions + first.joins + first.leaves + 1);
    let after = only_group(&store);
    assert_eq!((after.members, after.activities), (before.members, before.activities));
}

#[test]
fn format_is_detected_for_the_folder_and_the_zip_and_can_be_named() {
    for path in [fixture("workspace"), fixture("workspace.zip")] {
        assert_eq!(hearth::import::detect(&path).unwrap(), "slack", "{}", path.display());
        let mut store = Store::open_in_memory().unwrap();
        let summary = api::import(&mut store, &path, Some("slack"), NOW, &mut |_| {}).unwrap();
        assert_eq!(summary.messages, 14);
    }
}

#[test]
fn workspace_id_comes_from_the_messages_then_from_the_folder_name() {
    // Without team_id in users.json, the first message that names its team gives the id.
    let folder = broken_workspace(|root| {
        let users = fs::read_to_string(root.join("users.json")).unwrap();
        fs::write(root.join("users.json"), users.replace("\"team_id\": \"T0TEAM\"", "\"team_id\": null")).unwrap();
    });
    let mut store = Store::open_in_memory().unwrap();
    let summary = import(&mut store, &folder.path().join("workspace")).unwrap();
    assert_eq!(summary.groups[0].platform_id, "T0TEAM");
    // Without any team at all, the export's name is the id.
    let day = folder.path().join("workspace/general/2024-01-01.json");
    fs::write(&day, fs::read_to_string(&day).unwrap().replace("\"team\": \"T0TEAM\"", "\"team\": null")).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let summary = import(&mut store, &folder.path().join("workspace")).unwrap();
    assert_eq!((summary.groups[0].platform_id.as_str(), summary.messages), ("workspace", 14));
}

// ---- Bad input: a clear error naming the file and the position, and an unchanged store.

/// The workspace fixture copied into a temporary folder, with `change` applied to it.
fn broken_workspace(change: impl FnOnce(&Path)) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("workspace");
    copy_folder(&fixture("workspace"), &root);
    change(&root);
    folder
}

fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &to.join(entry.file_name()));
        } else {
            fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Imports the good fixture, then `path`, which must fail with `code` and a message holding
/// every one of `expected`; the store must be as the good import left it.
fn assert_refused(path: &Path, code: ErrorCode, expected: &[&str]) {
    assert_refused_as(path, None, code, expected);
}

/// `assert_refused`, with the format named as `--format` does.
fn assert_refused_as(path: &Path, format: Option<&str>, code: ErrorCode, expected: &[&str]) {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, &fixture("workspace")).unwrap();
    let groups_before = api::groups(&store).unwrap();
    let data_before = only_group(&store);
    let error = api::import(&mut store, path, format, NOW, &mut |_| {}).unwrap_err();
    assert_eq!(error.code, code, "{}", error.message);
    for text in expected {
        assert!(error.message.contains(text), "missing {text:?} in: {}", error.message);
    }
    assert_eq!(api::groups(&store).unwrap(), groups_before);
    let data_after = only_group(&store);
    assert_eq!((data_after.members, data_after.activities), (data_before.members, data_before.activities));
}

#[test]
fn corrupt_zip_is_refused() {
    // Nothing can be detected in a zip without its central directory: the format is named.
    assert_refused_as(
        &fixture("corrupt.zip"),
        Some("slack"),
        ErrorCode::BadArchive,
        &["corrupt.zip", "not a readable zip", "download the export again"],
    );
}

#[test]
fn zip_entries_escaping_the_folder_are_refused() {
    assert_refused(&fixture("escaping.zip"), ErrorCode::BadArchive, &["escaping.zip", "../", "entry 6", "do not unpack it"]);
}

#[test]
fn zip_bomb_is_refused() {
    assert_refused(&fixture("bomb.zip"), ErrorCode::BadArchive, &["bomb.zip", "zip bomb", "general/2024-01-01.json", "250 times"]);
}

#[test]
fn zip_bomb_that_lies_about_its_size_is_stopped_while_reading() {
    // Its headers say the entry expands to 1,000 bytes: only counting the bytes read finds out.
    assert_refused(
        &fixture("bomb-lying.zip"),
        ErrorCode::BadArchive,
        &["bomb-lying.zip", "general/2024-01-01.json", "zip bomb", "250 times"],
    );
}

#[test]
fn folder_without_an_export_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    fs::write(folder.path().join("notes.txt"), "hello").unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let error = api::import(&mut store, folder.path(), Some("slack"), NOW, &mut |_| {}).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert!(error.message.contains("no Slack export here") && error.message.contains("channels.json"), "{}", error.message);
    assert!(store.groups().unwrap().is_empty());
}

#[test]
fn day_file_that_is_not_json_is_refused() {
    let folder = broken_workspace(|root| fs::write(root.join("random/2024-01-03.json"), "<html>export</html>").unwrap());
    assert_refused(
        &folder.path().join("workspace"),
        ErrorCode::BadArchive,
        &["random/2024-01-03.json", "not valid JSON", "line 1, column 1", "export the workspace again"],
    );
}

#[test]
fn truncated_day_file_is_refused_naming_the_message() {
    let folder = broken_workspace(|root| {
        let path = root.join("general/2024-01-02.json");
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, &text[..text.len() / 2]).unwrap();
    });
    assert_refused(&folder.path().join("workspace"), ErrorCode::BadArchive, &["general/2024-01-02.json", "truncated", "message 4 of"]);
}

#[test]
fn empty_day_file_is_refused() {
    let folder = broken_workspace(|root| fs::write(root.join("D01/2024-01-03.json"), "").unwrap());
    assert_refused(&folder.path().join("workspace"), ErrorCode::BadArchive, &["D01/2024-01-03.json", "the file is empty"]);
}

#[test]
fn day_file_of_another_shape_is_refused() {
    let folder = broken_workspace(|root| fs::write(root.join("D01/2024-01-03.json"), r#"{"messages": []}"#).unwrap());
    assert_refused(&folder.path().join("workspace"), ErrorCode::BadArchive, &["D01/2024-01-03.json", "not a Slack day file", "line 1"]);
}

#[test]
fn invalid_utf8_is_refused() {
    let folder = broken_workspace(|root| {
        fs::write(
            root.join("D01/2024-01-03.json"),
            b"[{\"type\": \"message\", \"user\": \"U01\", \"ts\": \"1.0\", \"text\": \"\xff\xfe\"}]",
        )
        .unwrap()
    });
    assert_refused(&folder.path().join("workspace"), ErrorCode::BadArchive, &["D01/2024-01-03.json", "not valid JSON", "line 1"]);
}

#[test]
fn timestamps_out_of_range_are_refused() {
    let folder = broken_workspace(|root| {
        fs::write(
            root.join("D01/2024-01-03.json"),
            "[\n{\"type\": \"message\", \"user\": \"U01\", \"ts\": \"1704243600.001600\", \"text\": \"ok\"},\n\
             {\"type\": \"message\", \"user\": \"U01\", \"ts\": \"99999999999.000100\", \"text\": \"far future\"}\n]",
        )
        .unwrap()
    });
    assert_refused(
        &folder.path().join("workspace"),
        ErrorCode::BadArchive,
        &["D01/2024-01-03.json", "99999999999.000100", "between 1970 and 2100", "message 2 of the day file", "line 4"],
    );
}

#[test]
fn users_file_that_is_not_a_list_is_refused() {
    let folder = broken_workspace(|root| fs::write(root.join("users.json"), r#"{"ok": true}"#).unwrap());
    assert_refused(&folder.path().join("workspace"), ErrorCode::BadArchive, &["users.json", "not a Slack export's users.json"]);
}

// ---- Real exports written by slackdump.

#[test]
fn slackdump_export_folder_is_imported_exactly() {
    let Some(path) = sample("slackdump_export_folder_is_imported_exactly", "source_export_dir") else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("hearth.db");
    let mut store = Store::open(&db).unwrap();
    let summary = import(&mut store, &path).unwrap();
    assert_slackdump_export(&store, &summary, "source_export_dir");
    // The folder is named after the channel, whose id is CO69735E8A.
    assert_eq!(channel_names(&db), ["B75B4C7"]);
    assert_eq!(raw_kinds(&db), [(None, 15), (Some("tombstone".to_string()), 1)]);
}

#[test]
fn slackdump_export_zip_is_imported_exactly_and_overlaps_the_folder() {
    let Some(zip) = sample("slackdump_export_zip_is_imported_exactly_and_overlaps_the_folder", "source_export.zip") else {
        return;
    };
    let mut store = Store::open_in_memory().unwrap();
    let summary = import(&mut store, &zip).unwrap();
    assert_slackdump_export(&store, &summary, "source_export");
    // The unpacked folder of the same export: everything is already there.
    let folder = zip.with_file_name("source_export_dir");
    let again = import(&mut store, &folder).unwrap();
    assert_eq!((again.channels, again.members, again.messages, again.joins, again.duplicates), (0, 0, 0, 0, 16));
    assert_eq!(store.groups().unwrap().len(), 1);
}

/// One channel folder of 4 day files holding 16 entries: 1 channel_join and 15 posts, of
/// which 4 are replies in 3 threads (one under a tombstone, kept without text) and 2 are
/// file shares (one without text). users.json lists all 10 authors and members (6 bots, 1
/// deleted); no reactions. The users' team_id is TOAC06ADF3.
fn assert_slackdump_export(store: &Store, summary: &ImportSummary, name: &str) {
    assert_eq!((summary.channels, summary.members, summary.messages, summary.reactions), (1, 10, 15, 0));
    assert_eq!((summary.joins, summary.leaves, summary.duplicates, summary.updated), (1, 0, 0, 0));
    assert_eq!(summary.skipped, vec![]);
    let group = &summary.groups[0];
    assert_eq!((group.platform, group.platform_id.as_str(), group.name.as_str()), (Platform::Slack, "TOAC06ADF3", name));
    let data = only_group(store);
    assert_eq!((count(&data, ActivityKind::Message), count(&data, ActivityKind::Reply)), (11, 4));
    assert_eq!(data.members.iter().filter(|member| member.is_bot).count(), 6);
    // Three threads: the replies point at 3 distinct parents.
    let mut parents: Vec<i64> = data.activities.iter().filter_map(|activity| activity.parent_id).collect();
    parents.sort();
    parents.dedup();
    assert_eq!(parents.len(), 3);
    assert_eq!(data.activities.iter().filter(|activity| activity.kind.is_post() && activity.text.is_none()).count(), 2);
    let listed = api::groups(store).unwrap();
    assert_eq!((listed[0].first_activity_at, listed[0].last_activity_at), (Some(1_736_478_514), Some(1_737_716_342)));
}

/// slackdump's `export` folder holds the lists of a workspace (2 channels, 8 DMs, 2 group
/// DMs, 8 users) but no conversation folder: a workspace with no messages in its export's
/// range. It imports its channels and members and nothing else.
#[test]
fn slackdump_export_without_conversations_imports_channels_and_members() {
    let Some(path) = sample("slackdump_export_without_conversations_imports_channels_and_members", "export") else {
        return;
    };
    let mut store = Store::open_in_memory().unwrap();
    let summary = import(&mut store, &path).unwrap();
    assert_eq!((summary.channels, summary.members, summary.messages, summary.reactions, summary.joins), (12, 8, 0, 0, 0));
    assert_eq!(summary.skipped, vec![]);
    assert_eq!((summary.groups[0].platform_id.as_str(), summary.groups[0].name.as_str()), ("TFCSDNRL5", "export"));
    let data = only_group(&store);
    // One bot, and Slackbot, which users.json lists as a person.
    assert_eq!(data.members.iter().filter(|member| member.is_bot).count(), 2);
}

#[test]
fn a_message_of_100_mb_is_refused_naming_it_and_the_store_is_unchanged() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, &fixture("workspace")).unwrap();
    let before = api::groups(&store).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let workspace = folder.path().join("workspace");
    copy_folder(&fixture("workspace"), &workspace);
    let day = workspace.join("general/2024-01-09.json");
    let before_text = r#"[{"type": "message", "user": "U01", "text": "fine", "ts": "1704790800.000100"},
{"type": "message", "user": "U01", "ts": "1704790860.000100", "text": ""#;
    crate::support::write_with_long_text(&day, before_text, crate::support::HUNDRED_MB, r#""}]"#);
    let error = import(&mut store, &workspace).unwrap_err();
    assert_eq!(error.code, ErrorCode::BadArchive);
    for expected in ["2024-01-09.json", "line 2", "message 2 of the day file", "longer than 16 MiB", "export the workspace again"] {
        assert!(error.message.contains(expected), "missing {expected:?} in: {}", error.message);
    }
    assert_eq!(api::groups(&store).unwrap(), before);
}
