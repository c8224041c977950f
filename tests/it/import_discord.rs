//! The Discord importer (DiscordChatExporter JSON) on hand-written fixtures and on real
//! exports written by other projects (the shared datasets named by `HEARTH_DATASETS`): exact
//! counts counted by hand from the files, re-imports, edits, and every bad-input case.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hearth::api::{self, ErrorCode, Skipped};
use hearth::import::{discord, ImportError, Outcome};
use hearth::model::{ActivityKind, GroupData, MemberRow, Platform, UnixSeconds};
use hearth::store::Store;

const NOW: UnixSeconds = 1_800_000_000;
/// 2024-05-01T10:00:00Z: minute 0 of the fixtures (written at UTC+2).
const BASE: UnixSeconds = 1_714_557_600;

const SAMPLES: &str = "chat-analytics-samples/tests/samples/discord";

const UNATTRIBUTED: &str = "reactions whose reactor the export does not name (DiscordChatExporter lists reactors only when asked)";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/discord").join(name)
}

fn import(store: &mut Store, path: &Path) -> Result<Outcome, ImportError> {
    discord::import(store, path, NOW, &mut |_| {})
}

/// The sample `name` of chat-analytics, or `None` after saying loudly that `test` is skipped.
fn sample(test: &str, name: &str) -> Option<PathBuf> {
    crate::support::sample(test, &format!("{SAMPLES}/{name}"))
}

fn skipped(entries: &[(&str, u64)]) -> BTreeMap<String, u64> {
    entries.iter().map(|(reason, count)| (reason.to_string(), *count)).collect()
}

fn system(kind: &str) -> String {
    format!("system message without member activity ({kind})")
}

fn only_group(store: &Store) -> GroupData {
    let groups = store.groups().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    store.load_group_data(&groups[0]).unwrap()
}

fn member<'d>(data: &'d GroupData, platform_id: &str) -> &'d MemberRow {
    data.members.iter().find(|member| member.platform_id == platform_id).unwrap_or_else(|| panic!("no member {platform_id}"))
}

/// A store in a file, so that the tests can read what `GroupData` does not carry (platform
/// ids, raw kinds, channels) with a connection of their own.
struct Db {
    folder: tempfile::TempDir,
    store: Store,
}

impl Db {
    fn new() -> Db {
        let folder = tempfile::tempdir().unwrap();
        let store = Store::open(&folder.path().join("hearth.db")).unwrap();
        Db { folder, store }
    }

    fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.folder.path().join("hearth.db")).unwrap()
    }

    /// The activity with `platform_id`, by platform ids.
    fn activity(&self, platform_id: &str) -> Stored {
        self.sql()
            .query_row(
                "SELECT a.kind, a.at, c.platform_id, m.platform_id, p.platform_id, a.text, a.raw_kind
                 FROM activities a JOIN channels c ON c.id = a.channel_id JOIN members m ON m.id = a.member_id
                 LEFT JOIN activities p ON p.id = a.parent_id WHERE a.platform_id = ?1",
                [platform_id],
                |row| {
                    Ok(Stored {
                        kind: ActivityKind::parse(&row.get::<_, String>(0)?).unwrap(),
                        at: row.get(1)?,
                        channel: row.get(2)?,
                        member: row.get(3)?,
                        parent: row.get(4)?,
                        text: row.get(5)?,
                        raw_kind: row.get(6)?,
                    })
                },
            )
            .unwrap_or_else(|error| panic!("activity {platform_id}: {error}"))
    }

    /// Platform ids of the activities of `kind`, sorted.
    fn ids_of(&self, kind: ActivityKind) -> Vec<String> {
        let connection = self.sql();
        let mut statement = connection.prepare("SELECT platform_id FROM activities WHERE kind = ?1 ORDER BY platform_id").unwrap();
        statement.query_map([kind.as_str()], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
    }

    fn channels(&self) -> Vec<(String, String)> {
        let connection = self.sql();
        let mut statement = connection.prepare("SELECT platform_id, name FROM channels ORDER BY platform_id").unwrap();
        statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect()
    }
}

#[derive(Debug, PartialEq)]
struct Stored {
    kind: ActivityKind,
    at: UnixSeconds,
    channel: String,
    member: String,
    parent: Option<String>,
    text: Option<String>,
    raw_kind: Option<String>,
}

const ADA: &str = "100000000000000001";
const GRACE: &str = "100000000000000002";
const LINUS: &str = "100000000000000003";
const BOT: &str = "100000000000000004";
const MARGARET: &str = "100000000000000005";

#[test]
fn server_folder_imports_channels_threads_replies_reactions_and_joins() {
    let mut db = Db::new();
    let outcome = import(&mut db.store, &fixture("server")).unwrap();
    assert_eq!(outcome.format, "discord");
    let counts = &outcome.counts;
    // general.json and its thread release-plans.json; notes.txt is no export and is ignored.
    assert_eq!((counts.groups, counts.channels, counts.members), (1, 2, 4));
    assert_eq!((counts.messages, counts.reactions, counts.joins, counts.leaves), (6, 3, 1, 0));
    assert_eq!((counts.duplicates, counts.updated), (0, 0));
    assert_eq!(
        outcome.skipped,
        skipped(&[
            (UNATTRIBUTED, 1),
            ("message without an author", 1),
            (&system("ChannelPinnedMessage"), 1),
            (&system("ThreadCreated"), 1),
        ])
    );
    let group = &outcome.groups[0];
    assert_eq!(
        (group.platform, group.platform_id.as_str(), group.name.as_str()),
        (Platform::Discord, "900000000000000001", "Hearth Test Server")
    );
    assert!(group.is_archive && !group.is_demo);

    let data = only_group(&db.store);
    let (general, thread) = ("900000000000000010", "900000000000000020");
    assert_eq!(db.channels(), [(general.to_string(), "general".to_string()), (thread.to_string(), "Release plans".to_string())]);
    // The nickname is the name shown; a bot is marked.
    assert_eq!(member(&data, ADA).display_name, "Ada L.");
    assert!(member(&data, BOT).is_bot && !member(&data, ADA).is_bot);
    assert_eq!(member(&data, LINUS).joined_at, Some(BASE + 60));

    let welcome = db.activity("1000");
    assert_eq!((welcome.kind, welcome.at, welcome.text.as_deref()), (ActivityKind::Message, BASE, Some("Welcome!")));
    let thanks = db.activity("1002");
    assert_eq!((thanks.kind, thanks.parent.as_deref(), thanks.member.as_str()), (ActivityKind::Reply, Some("1000"), LINUS));
    assert_eq!(db.activity("1001").kind, ActivityKind::Join);
    // A reply inside the thread, to the thread's first message, in the thread's channel.
    let answer = db.activity("2001");
    assert_eq!((answer.kind, answer.parent.as_deref(), answer.channel.as_str()), (ActivityKind::Reply, Some("2000"), thread));
    assert_eq!(db.activity("2000").channel, thread);
    assert_eq!(welcome.channel, general);
    // An attachment without text has no text; a type Hearth does not know keeps its raw type.
    let bot_post = db.activity("1004");
    assert_eq!((bot_post.text, bot_post.raw_kind), (None, None));
    let blocked = db.activity("1005");
    assert_eq!((blocked.kind, blocked.raw_kind.as_deref()), (ActivityKind::Message, Some("AutoModerationAction")));

    // One reaction per reactor listed, at the message's time, keyed by the custom emoji's id
    // or the standard emoji itself.
    let reactions = db.ids_of(ActivityKind::Reaction);
    assert_eq!(
        reactions,
        [format!("1000:react:\u{1f44d}:{GRACE}"), format!("1000:react:\u{1f44d}:{LINUS}"), format!("1004:react:777000000000000001:{ADA}"),]
    );
    let party = db.activity(&reactions[2]);
    assert_eq!(
        (party.member.as_str(), party.parent.as_deref(), party.at, party.raw_kind.as_deref()),
        (ADA, Some("1004"), BASE + 4 * 60, Some("party"))
    );
    assert_eq!(db.activity(&reactions[0]).parent.as_deref(), Some("1000"));
}

#[test]
fn direct_messages_are_keyed_by_their_channel() {
    let mut store = Store::open_in_memory().unwrap();
    let outcome = import(&mut store, &fixture("group_dm.json")).unwrap();
    let counts = &outcome.counts;
    assert_eq!((counts.groups, counts.channels, counts.members), (1, 1, 2));
    assert_eq!((counts.messages, counts.reactions, counts.joins, counts.leaves), (1, 0, 1, 1));
    assert_eq!(outcome.skipped, skipped(&[(&system("Call"), 1)]));
    let group = &outcome.groups[0];
    assert_eq!((group.platform_id.as_str(), group.name.as_str()), ("900000000000000030", "Friends"));
    // Ada added Margaret, who later left by herself.
    let data = only_group(&store);
    let margaret = member(&data, MARGARET);
    assert_eq!((margaret.joined_at, margaret.left_at), (Some(BASE + 11 * 60), Some(BASE + 12 * 60)));
    assert_eq!(member(&data, ADA).joined_at, None);

    // A server and a DM imported together stay two groups.
    let both = import(&mut store, &fixture("server")).unwrap();
    assert_eq!(both.counts.groups, 1);
    assert_eq!(store.groups().unwrap().len(), 2);
}

#[test]
fn reimport_changes_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let first = import(&mut store, &fixture("server")).unwrap();
    let before = store.load_group_data(&first.groups[0]).unwrap();
    let second = import(&mut store, &fixture("server")).unwrap();
    let counts = &second.counts;
    assert_eq!((counts.groups, counts.channels, counts.members, counts.messages), (0, 0, 0, 0));
    assert_eq!((counts.reactions, counts.joins, counts.leaves, counts.updated), (0, 0, 0, 0));
    assert_eq!(counts.duplicates, first.counts.messages + first.counts.reactions + first.counts.joins + first.counts.leaves);
    assert_eq!(second.skipped, first.skipped);
    assert_eq!(store.load_group_data(&second.groups[0]).unwrap(), before);
}

#[test]
fn edited_content_in_a_later_export_updates_the_message() {
    let mut db = Db::new();
    import(&mut db.store, &fixture("server")).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let later = folder.path().join("release-plans.json");
    let text = std::fs::read_to_string(fixture("server/release-plans.json")).unwrap();
    std::fs::write(&later, text.replace("Yes, on Friday", "Yes, on Monday")).unwrap();
    let outcome = import(&mut db.store, &later).unwrap();
    assert_eq!((outcome.counts.messages, outcome.counts.updated, outcome.counts.duplicates), (0, 1, 2));
    assert_eq!(db.activity("2001").text.as_deref(), Some("Yes, on Monday"));
}

#[test]
fn messages_before_the_header_are_read_once_the_header_is_known() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("reordered.json");
    let message = r#"{"id": "1", "type": "Default", "timestamp": "2024-05-01T10:00:00+00:00", "content": "hi",
                      "author": {"id": "7", "name": "ada", "isBot": false}}"#;
    let export =
        format!(r#"{{"messages": [{message}], "channel": {{"id": "5", "name": "general"}}, "guild": {{"id": "3", "name": "S"}}}}"#);
    std::fs::write(&path, export).unwrap();
    let mut db = Db::new();
    let outcome = import(&mut db.store, &path).unwrap();
    assert_eq!((outcome.counts.groups, outcome.counts.messages), (1, 1));
    let message = db.activity("1");
    assert_eq!((message.at, message.channel.as_str(), message.member.as_str()), (BASE, "5", "7"));
}

#[test]
fn failed_import_leaves_the_store_as_it_was() {
    let mut store = Store::open_in_memory().unwrap();
    let outcome = import(&mut store, &fixture("server")).unwrap();
    let groups_before = store.groups().unwrap();
    let counts_before = store.group_counts(outcome.groups[0].id).unwrap();
    let data_before = store.load_group_data(&groups_before[0]).unwrap();
    // The truncated file is a later export of general: its two new messages are written to
    // the transaction before the parser reaches the cut.
    let error = import(&mut store, &fixture("truncated.json")).unwrap_err();
    assert!(matches!(error, ImportError::Malformed { .. }), "{error:?}");
    assert_eq!(store.groups().unwrap(), groups_before);
    assert_eq!(store.group_counts(outcome.groups[0].id).unwrap(), counts_before);
    assert_eq!(store.load_group_data(&groups_before[0]).unwrap(), data_before);

    // A folder whose second file is bad imports nothing, not even the good first file.
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("group_dm.json"), folder.path().join("a.json")).unwrap();
    std::fs::copy(fixture("out_of_range.json"), folder.path().join("b.json")).unwrap();
    let error = import(&mut store, folder.path()).unwrap_err();
    assert!(matches!(&error, ImportError::Malformed { path, .. } if path.ends_with("b.json")), "{error:?}");
    assert_eq!(store.groups().unwrap(), groups_before);
}

#[test]
fn bad_files_are_refused_naming_the_file_the_position_and_what_to_do() {
    let cases = [
        ("not_json.json", "not valid JSON", "DiscordChatExporter", "line 1"),
        ("truncated.json", "truncated", "export the channel again", "message 11 of `messages`, the one after id 1009"),
        ("wrong_format.json", "no `guild` or no `channel`", "--format Json", "line "),
        ("no_messages.json", "no `messages` array", "--format Json", "line "),
        ("empty.json", "the file is empty", "export the channel again", "line 1"),
        ("missing_id.json", "a message has no `id`", "export the channel again", "message 2 of `messages`, the one after id 1000"),
        ("bad_timestamp.json", "\"yesterday at noon\", not a time", "export the channel again", "message 1 of `messages`"),
        ("out_of_range.json", "out of range", "clock", "message 2 of `messages`, the one after id 1000"),
        ("invalid_utf8.json", "bytes that are not UTF-8", "export the channel again", "line 28, column 29, message 1 of `messages`"),
    ];
    for (name, expected_problem, expected_hint, expected_position) in cases {
        let mut store = Store::open_in_memory().unwrap();
        let error = import(&mut store, &fixture(name)).unwrap_err();
        let ImportError::Malformed { path, position, problem, hint } = &error else {
            panic!("{name}: expected Malformed, got {error:?}");
        };
        assert_eq!(path, &fixture(name), "{name}");
        assert!(problem.contains(expected_problem), "{name}: {problem}");
        assert!(hint.contains(expected_hint), "{name}: {hint}");
        assert!(position.starts_with("line ") && position.contains(expected_position), "{name}: {position}");
        let message = error.to_string();
        assert!(message.contains(name) && message.contains("line "), "{name}: {message}");
        assert_eq!(store.group_count().unwrap(), 0, "{name}");
    }
}

#[test]
fn folder_without_an_export_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("notes.txt"), "nothing here").unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let error = import(&mut store, folder.path()).unwrap_err();
    let ImportError::Unsupported { problem, hint, .. } = &error else { panic!("{error:?}") };
    assert!(problem.contains("no .json or .csv file") && hint.contains("DiscordChatExporter"), "{error}");
    let error = api::import(&mut store, folder.path(), Some("discord"), NOW, &mut |_| {}).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
    assert_eq!(store.group_count().unwrap(), 0);
}

#[test]
fn discord_exports_are_detected() {
    assert_eq!(hearth::import::detect(&fixture("group_dm.json")).unwrap(), "discord");
    assert_eq!(hearth::import::detect(&fixture("server")).unwrap(), "discord");
    assert_ne!(hearth::import::detect(&fixture("wrong_format.json")).unwrap(), "discord");
}

#[test]
fn progress_is_reported_every_thousand_messages_and_at_the_end() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("busy.json");
    let messages: Vec<String> = (1..=2500)
        .map(|id| {
            format!(
                r#"{{"id": "{id}", "type": "Default", "timestamp": "2024-05-01T10:{:02}:{:02}+00:00", "content": "message {id}", "author": {{"id": "7", "name": "ada"}}}}"#,
                id / 60 % 60,
                id % 60
            )
        })
        .collect();
    let export = format!(
        r#"{{"guild": {{"id": "3", "name": "S"}}, "channel": {{"id": "5", "name": "busy"}}, "messages": [{}]}}"#,
        messages.join(",\n")
    );
    std::fs::write(&path, export).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let mut reports = Vec::new();
    let mut store = Store::open_in_memory().unwrap();
    let outcome = discord::import(&mut store, &path, NOW, &mut |progress| reports.push(progress.clone())).unwrap();
    assert_eq!(outcome.counts.messages, 2500);
    // Two while reading, the end of the files, then the indexing step.
    assert_eq!(reports.len(), 4, "{reports:?}");
    assert_eq!(reports[3], hearth::model::Progress::indexing(2500));
    let reading = [&reports[0], &reports[1], &reports[2]];
    assert!(reading.iter().all(|report| report.total == Some(size) && report.done <= size), "{reports:?}");
    assert!(reports[0].done > 0 && reports[0].done <= reports[1].done, "{reports:?}");
    assert_eq!(reports[2].done, size);
}

#[test]
fn chat_analytics_server_sample_is_imported_exactly() {
    let Some(path) = sample("chat_analytics_server_sample_is_imported_exactly", "SV_5A_5M.json") else {
        return;
    };
    let mut db = Db::new();
    let store = &mut db.store;
    let summary = api::import(store, &path, None, NOW, &mut |_| {}).unwrap();
    assert_eq!(summary.format, "discord");
    // 5 entries, all "Default": the first is written twice with the same id (a duplicate),
    // by "Deleted User" and three by mlomb. The last has 3 + 2 reactions, reactors unnamed.
    assert_eq!((summary.channels, summary.members, summary.messages, summary.reactions), (1, 2, 4, 0));
    assert_eq!((summary.joins, summary.leaves, summary.duplicates, summary.updated), (0, 0, 1, 0));
    assert_eq!(summary.skipped, vec![Skipped::new(UNATTRIBUTED.into(), 5)]);
    let group = &summary.groups[0];
    assert_eq!((group.platform, group.platform_id.as_str(), group.name.as_str()), (Platform::Discord, "253601524398293010", "DefleMask"));
    let data = only_group(store);
    // Without a nickname the account name is shown.
    assert_eq!(member(&data, "111111111111111111").display_name, "mlomb");
    let listed = api::groups(store).unwrap();
    assert_eq!(db.channels(), [("253601524398293010".to_string(), "general-chiptune".to_string())]);
    // 2018-05-20T16:09:44.209 and 16:09:51.118 UTC.
    assert_eq!((listed[0].first_activity_at, listed[0].last_activity_at), (Some(1_526_832_584), Some(1_526_832_591)));
}

#[test]
fn chat_analytics_dm_sample_is_imported_exactly() {
    let Some(path) = sample("chat_analytics_dm_sample_is_imported_exactly", "DM_2A_2M.json") else {
        return;
    };
    let mut store = Store::open_in_memory().unwrap();
    let summary = api::import(&mut store, &path, None, NOW, &mut |_| {}).unwrap();
    // 3 entries: 2 "Default" messages (mlomb's with 42 unnamed 👆 reactions) and a "Call".
    assert_eq!((summary.channels, summary.members, summary.messages, summary.reactions), (1, 2, 2, 0));
    assert_eq!((summary.joins, summary.leaves, summary.duplicates), (0, 0, 0));
    assert_eq!(summary.skipped, vec![Skipped::new(UNATTRIBUTED.into(), 42), Skipped::new(system("Call"), 1)]);
    // The pseudo guild "Direct Messages" (id 0) is not the group: the DM channel is.
    let group = &summary.groups[0];
    assert_eq!((group.platform_id.as_str(), group.name.as_str()), ("530805775262679064", "Someones name"));
    let data = only_group(&store);
    let bot = member(&data, "444444444444444444");
    assert!(bot.is_bot);
    assert_eq!(bot.display_name, "Someones nickname");
}

#[test]
fn chat_analytics_group_dm_sample_is_imported_exactly() {
    let Some(path) = sample("chat_analytics_group_dm_sample_is_imported_exactly", "GC_3A_5M.json") else {
        return;
    };
    let mut db = Db::new();
    let summary = api::import(&mut db.store, &path, None, NOW, &mut |_| {}).unwrap();
    // 6 entries (the file's messageCount says 5): 3 "Default" by three people, one of them a
    // reply, and a channel name change, an icon change and a call.
    assert_eq!((summary.channels, summary.members, summary.messages, summary.reactions), (1, 3, 3, 0));
    assert_eq!((summary.joins, summary.leaves, summary.duplicates), (0, 0, 0));
    assert_eq!(
        summary.skipped,
        vec![Skipped::new(system("Call"), 1), Skipped::new(system("ChannelIconChange"), 1), Skipped::new(system("ChannelNameChange"), 1),]
    );
    assert_eq!((summary.groups[0].platform_id.as_str(), summary.groups[0].name.as_str()), ("1064990764406419508", "a group chat"));
    let data = only_group(&db.store);
    let reply = db.activity("530805779645595660");
    assert_eq!((reply.kind, reply.parent.as_deref()), (ActivityKind::Reply, Some("1064990824305274930")));
    assert_eq!(member(&data, "333333333333333333").display_name, "theplant");
}

#[test]
fn the_three_samples_as_one_folder_make_three_groups_and_reimport_changes_nothing() {
    let Some(path) = sample("the_three_samples_as_one_folder_make_three_groups_and_reimport_changes_nothing", "SV_5A_5M.json") else {
        return;
    };
    let folder = path.parent().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let first = api::import(&mut store, folder, None, NOW, &mut |_| {}).unwrap();
    assert_eq!(first.format, "discord");
    assert_eq!(first.groups.len(), 3);
    assert_eq!((first.channels, first.members, first.messages, first.duplicates), (3, 7, 9, 1));
    let before = api::groups(&store).unwrap();
    let second = api::import(&mut store, folder, None, NOW, &mut |_| {}).unwrap();
    assert_eq!((second.channels, second.members, second.messages, second.reactions), (0, 0, 0, 0));
    assert_eq!(second.duplicates, 10);
    let after = api::groups(&store).unwrap();
    assert_eq!(
        after.iter().map(|group| (group.members, group.messages)).collect::<Vec<_>>(),
        before.iter().map(|group| (group.members, group.messages)).collect::<Vec<_>>()
    );
}

const OLD_CSV: &str = "csv/Hearth Test Server - Text Channels - general [900000000000000010].csv";
const CURRENT_CSV: &str = "csv/Direct Messages - Private - Friends [900000000000000030].csv";
/// 2018-10-20T21:12:00, the old CSV's first date, read as UTC.
const OLD_CSV_BASE: UnixSeconds = 1_540_069_920;

#[test]
fn old_semicolon_csv_is_imported_with_its_names_from_the_file_name() {
    let mut db = Db::new();
    let outcome = import(&mut db.store, &fixture(OLD_CSV)).unwrap();
    let counts = &outcome.counts;
    assert_eq!((counts.groups, counts.channels, counts.members, counts.messages, counts.reactions), (1, 1, 2, 4, 0));
    assert_eq!(outcome.skipped, skipped(&[(UNATTRIBUTED, 2)]));
    // The CSV has no guild id: the group is keyed by the guild's name.
    let group = &outcome.groups[0];
    assert_eq!(
        (group.platform, group.platform_id.as_str(), group.name.as_str()),
        (Platform::Discord, "name:Hearth Test Server", "Hearth Test Server")
    );
    assert_eq!(db.channels(), [("900000000000000010".to_string(), "general".to_string())]);
    let data = only_group(&db.store);
    assert_eq!(member(&data, ADA).display_name, "ada");
    let quoted = db.activity(&format!("csv:900000000000000010:{GRACE}:{}:1", OLD_CSV_BASE + 60));
    assert_eq!(quoted.text.as_deref(), Some("A; semicolon and \"quotes\""));
    // Two messages of Ada in the same minute are told apart by their rank.
    assert_eq!(db.activity(&format!("csv:900000000000000010:{ADA}:{}:1", OLD_CSV_BASE + 60)).text.as_deref(), Some("two\nlines"));
    assert_eq!(db.activity(&format!("csv:900000000000000010:{ADA}:{}:2", OLD_CSV_BASE + 60)).text.as_deref(), Some("same minute again"));

    let again = import(&mut db.store, &fixture(OLD_CSV)).unwrap();
    assert_eq!((again.counts.messages, again.counts.members, again.counts.duplicates), (0, 0, 4));
}

#[test]
fn current_comma_csv_with_iso_dates_is_a_dm_keyed_by_its_channel() {
    let mut db = Db::new();
    let outcome = import(&mut db.store, &fixture(CURRENT_CSV)).unwrap();
    let counts = &outcome.counts;
    assert_eq!((counts.groups, counts.channels, counts.members, counts.messages), (1, 1, 2, 3));
    assert_eq!(outcome.skipped, skipped(&[(UNATTRIBUTED, 3)]));
    assert_eq!((outcome.groups[0].platform_id.as_str(), outcome.groups[0].name.as_str()), ("900000000000000030", "Friends"));
    let first = db.activity(&format!("csv:900000000000000030:{ADA}:{BASE}:1"));
    assert_eq!((first.kind, first.text.as_deref()), (ActivityKind::Message, Some("hi, Ada here")));
    let attachment = db.activity(&format!("csv:900000000000000030:{LINUS}:{}:1", BASE + 60));
    assert_eq!(attachment.text, None);
    assert_eq!(member(&only_group(&db.store), LINUS).display_name, "linus");
    assert_eq!(hearth::import::detect(&fixture(CURRENT_CSV)).unwrap(), "discord");
}

#[test]
fn a_folder_mixing_json_and_csv_is_one_import() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("group_dm.json"), folder.path().join("group_dm.json")).unwrap();
    std::fs::copy(fixture(OLD_CSV), folder.path().join("general.csv")).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let outcome = import(&mut store, folder.path()).unwrap();
    assert_eq!((outcome.counts.groups, outcome.counts.messages), (2, 5));
    // A bad CSV in the folder refuses the whole import.
    std::fs::copy(fixture("csv/truncated.csv"), folder.path().join("z.csv")).unwrap();
    let mut empty = Store::open_in_memory().unwrap();
    import(&mut empty, folder.path()).unwrap_err();
    assert_eq!(empty.group_count().unwrap(), 0);
}

#[test]
fn bad_csv_files_are_refused_naming_the_file_the_line_and_what_to_do() {
    let cases = [
        ("csv/truncated.csv", "ends inside a quoted field", "export the channel again", "line 3"),
        ("csv/bad_date.csv", "\"yesterday\" is not a time", "export the channel again", "line 3"),
        ("csv/wrong_header.csv", "not DiscordChatExporter's CSV header", "--format Json", "line 1"),
        ("csv/invalid_utf8.csv", "not UTF-8", "export the channel again", "line 2"),
        ("csv/empty.csv", "the file is empty", "export the channel again", "line 1"),
    ];
    for (name, expected_problem, expected_hint, expected_position) in cases {
        let mut store = Store::open_in_memory().unwrap();
        let error = import(&mut store, &fixture(name)).unwrap_err();
        let ImportError::Malformed { path, position, problem, hint } = &error else {
            panic!("{name}: expected Malformed, got {error:?}");
        };
        assert_eq!(path, &fixture(name), "{name}");
        assert!(problem.contains(expected_problem), "{name}: {problem}");
        assert!(hint.contains(expected_hint), "{name}: {hint}");
        assert_eq!(position, expected_position, "{name}");
        assert_eq!(store.group_count().unwrap(), 0, "{name}");
    }
}

fn import_in_zone(store: &mut Store, path: &Path, zone: chrono_tz::Tz) -> api::ImportSummary {
    let options = hearth::import::ImportOptions { timezone: Some(zone), ..Default::default() };
    api::import_with(store, path, None, &options, NOW, &mut |_| {}).unwrap()
}

#[test]
fn old_csv_local_dates_are_read_in_the_given_zone_and_keep_their_ids_across_zones() {
    let mut db = Db::new();
    let summary = import_in_zone(&mut db.store, &fixture(OLD_CSV), chrono_tz::Asia::Tokyo);
    assert_eq!(summary.timezone_assumed.as_deref(), Some("Asia/Tokyo"));
    // "20-Oct-18 09:13 PM" in Tokyo (UTC+9, no daylight saving) is 12:13 UTC.
    let quoted = db.activity(&format!("csv:900000000000000010:{GRACE}:{}:1", OLD_CSV_BASE + 60));
    assert_eq!(quoted.at, OLD_CSV_BASE + 60 - 9 * 3600);
    // The ids come from the time as written, so the same file read in another zone is
    // recognised rather than imported twice.
    let again = import_in_zone(&mut db.store, &fixture(OLD_CSV), chrono_tz::Europe::Berlin);
    assert_eq!((again.messages, again.duplicates), (0, 4));
}

#[test]
fn current_csv_dates_carry_their_offset_and_assume_no_zone() {
    let mut db = Db::new();
    let summary = import_in_zone(&mut db.store, &fixture(CURRENT_CSV), chrono_tz::Asia::Tokyo);
    assert_eq!(summary.timezone_assumed, None);
    assert_eq!(db.activity(&format!("csv:900000000000000030:{ADA}:{BASE}:1")).at, BASE);
}

#[test]
fn a_message_of_100_mb_is_refused_naming_it_and_the_store_is_unchanged() {
    let mut db = Db::new();
    import(&mut db.store, &fixture("group_dm.json")).unwrap();
    let before = api::groups(&db.store).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("huge.json");
    let before_text = r#"{"guild": {"id": "0", "name": "Direct Messages"}, "channel": {"id": "900000000000000099", "name": "huge"},
"messages": [{"id": "900000000000000100", "type": "Default", "timestamp": "2024-05-01T10:00:00+00:00", "author": {"id": "1", "name": "ada"}, "content": "ok"},
{"id": "900000000000000101", "type": "Default", "timestamp": "2024-05-01T10:01:00+00:00", "author": {"id": "1", "name": "ada"}, "content": ""#;
    crate::support::write_with_long_text(&path, before_text, crate::support::HUNDRED_MB, r#""}]}"#);
    let error = import(&mut db.store, &path).unwrap_err();
    let ImportError::Malformed { path: named, position, problem, hint } = &error else { panic!("{error:?}") };
    assert_eq!(named, &path);
    assert!(
        position.starts_with("line 3") && position.contains("message 2 of `messages`, the one after id 900000000000000100"),
        "{position}"
    );
    assert!(problem.contains("longer than 16 MiB"), "{problem}");
    assert!(hint.contains("export the channel again"), "{hint}");
    assert_eq!(api::groups(&db.store).unwrap(), before);
}

#[test]
fn a_csv_record_of_100_mb_is_refused_naming_its_line() {
    let mut db = Db::new();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("Hearth Test Server - Text Channels - huge [900000000000000011].csv");
    let before_text = "AuthorID;Author;Date;Content;Attachments;Reactions;\n100000000000000001;ada#1234;20-Oct-18 09:12 PM;\"hi\";;;\n100000000000000001;ada#1234;20-Oct-18 09:13 PM;\"";
    crate::support::write_with_long_text(&path, before_text, crate::support::HUNDRED_MB, "\";;;\n");
    let error = import(&mut db.store, &path).unwrap_err();
    let ImportError::Malformed { position, problem, .. } = &error else { panic!("{error:?}") };
    assert_eq!(position, "line 3");
    assert!(problem.contains("record is longer than 16 MiB"), "{problem}");
    assert_eq!(db.store.group_count().unwrap(), 0);
}
