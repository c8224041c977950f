//! The archive browser through `hearth::api::archive` and the CLI: a Telegram chat written
//! here with known lines (60 messages a minute apart, replies, reactions, Chinese text),
//! paged from every kind of anchor, threaded, and searched.

use std::path::Path;

use hearth::api::archive::{self, Anchor, ArchivePage, SearchMethod};
use hearth::api::{self, ErrorCode};
use hearth::model::{ActivityKind, GroupId, UnixSeconds};
use hearth::store::Store;
use serde_json::json;

const NOW: UnixSeconds = 1_800_000_000;
/// 2024-05-01 12:00:00 UTC: the first message; message n is n − 1 minutes later.
const START: UnixSeconds = 1_714_564_800;

/// Message n (1-based) is by Ada when n is odd, by Grace when even; its text says its
/// number. Message 10 starts a thread: 11 replies to it, 12 replies to 11, 40 replies to
/// 10. Message 10 gets two reactions. Messages 50–52 are in Chinese.
fn write_chat(dir: &Path) -> std::path::PathBuf {
    let mut messages = Vec::new();
    for n in 1..=60i64 {
        let (from, from_id) = if n % 2 == 1 { ("Ada", "user1") } else { ("Grace", "user2") };
        let text = match n {
            50 => "我们今天下午三点在会议室开会".to_string(),
            51 => "会议室在三楼".to_string(),
            52 => "好的，准时到".to_string(),
            10 => "Who can review the deploy script?".to_string(),
            _ => format!("line {n} about deploy number {n}"),
        };
        let mut message = json!({
            "id": n, "type": "message",
            "date": "2024-05-01T12:00:00", "date_unixtime": (START + (n - 1) * 60).to_string(),
            "from": from, "from_id": from_id, "text": text,
        });
        let parent = match n {
            11 | 40 => Some(10),
            12 => Some(11),
            _ => None,
        };
        if let Some(parent) = parent {
            message["reply_to_message_id"] = json!(parent);
        }
        if n == 10 {
            message["reactions"] = json!([{ "type": "emoji", "count": 2, "emoji": "👍",
                "recent": [{ "from": "Ada", "from_id": "user1", "date": "2024-05-01T12:10:00" },
                           { "from": "Grace", "from_id": "user2", "date": "2024-05-01T12:10:00" }] }]);
        }
        messages.push(message);
    }
    let chat = json!({ "name": "Archive Test", "type": "private_supergroup", "id": 777, "messages": messages });
    let path = dir.join("result.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&chat).unwrap()).unwrap();
    path
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    store: Store,
    group: GroupId,
    channel: i64,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let chat = write_chat(dir.path());
    let db = dir.path().join("store.sqlite");
    let mut store = Store::open(&db).unwrap();
    api::import(&mut store, &chat, None, NOW, &mut |_| {}).unwrap();
    let group = store.groups().unwrap()[0].id;
    let channels = archive::archive_channels(&store, group).unwrap();
    assert_eq!(channels.len(), 1);
    assert_eq!(channels[0].messages, 60);
    assert_eq!(channels[0].first_at, Some(START));
    assert_eq!(channels[0].last_at, Some(START + 59 * 60));
    let channel = channels[0].id;
    Fixture { _dir: dir, db, store, group, channel }
}

/// The message numbers of a page (each text says its number; Chinese lines are 50–52).
fn numbers(page: &ArchivePage) -> Vec<i64> {
    page.messages.iter().map(|line| (line.at - START) / 60 + 1).collect()
}

fn id_of(fixture: &Fixture, n: i64) -> i64 {
    let page = archive::archive_page(&fixture.store, fixture.group, fixture.channel, Anchor::At(START + (n - 1) * 60), 4).unwrap();
    page.focus.unwrap()
}

#[test]
fn pages_from_the_start_the_end_and_while_scrolling_cover_the_channel_once() {
    let fixture = fixture();
    let first = archive::archive_page(&fixture.store, fixture.group, fixture.channel, Anchor::Start, 25).unwrap();
    assert_eq!(numbers(&first), (1..=25).collect::<Vec<_>>());
    assert!(!first.has_earlier);
    assert!(first.has_later);

    let mut seen = numbers(&first);
    let mut page = first;
    while page.has_later {
        let last = page.messages.last().unwrap().id;
        page = archive::archive_page(&fixture.store, fixture.group, fixture.channel, Anchor::After(last), 25).unwrap();
        assert!(page.has_earlier);
        seen.extend(numbers(&page));
    }
    assert_eq!(seen, (1..=60).collect::<Vec<_>>(), "scrolling down shows every line once, in order");

    let end = archive::archive_page(&fixture.store, fixture.group, fixture.channel, Anchor::End, 25).unwrap();
    assert_eq!(numbers(&end), (36..=60).collect::<Vec<_>>());
    assert!(end.has_earlier && !end.has_later);
    let above = archive::archive_page(&fixture.store, fixture.group, fixture.channel, Anchor::Before(end.messages[0].id), 25).unwrap();
    assert_eq!(numbers(&above), (11..=35).collect::<Vec<_>>());
    assert!(above.has_earlier && above.has_later);
}

#[test]
fn a_date_opens_at_its_first_message_with_some_context_before_it() {
    let fixture = fixture();
    // 12:29:30 falls between message 30 (12:29) and 31 (12:30): the focus is 31, and a
    // quarter of the 20-line page (5 lines) comes before it.
    let page = archive::archive_page(&fixture.store, fixture.group, fixture.channel, Anchor::At(START + 29 * 60 + 30), 20).unwrap();
    assert_eq!(numbers(&page), (26..=45).collect::<Vec<_>>());
    assert_eq!(page.messages.iter().find(|line| Some(line.id) == page.focus).map(|line| (line.at - START) / 60 + 1), Some(31));
    // After the last message: nothing from there on, the last lines as context.
    let late = archive::archive_page(&fixture.store, fixture.group, fixture.channel, Anchor::At(START + 10_000 * 60), 20).unwrap();
    assert_eq!(numbers(&late), (56..=60).collect::<Vec<_>>());
    assert_eq!(late.focus, None);
    assert!(!late.has_later);
}

#[test]
fn a_message_opens_in_the_middle_of_its_page() {
    let fixture = fixture();
    let target = id_of(&fixture, 40);
    let page = archive::archive_page_at_message(&fixture.store, fixture.group, target, 10).unwrap();
    assert_eq!(numbers(&page), (35..=44).collect::<Vec<_>>());
    assert_eq!(page.focus, Some(target));
}

#[test]
fn replies_quote_their_parent_and_threads_gather_every_reply() {
    let fixture = fixture();
    let root = id_of(&fixture, 10);
    let page = archive::archive_page_at_message(&fixture.store, fixture.group, root, 6).unwrap();
    let line = |n: i64| page.messages.iter().find(|line| (line.at - START) / 60 + 1 == n).unwrap();
    assert_eq!(line(10).replies, 2, "11 and 40 answer 10 directly");
    assert_eq!(line(10).reactions, 2);
    assert_eq!(line(10).kind, ActivityKind::Message);
    let quote = line(11).parent.as_ref().unwrap();
    assert_eq!((quote.id, quote.author_name.as_str()), (root, "Grace"));
    assert_eq!(quote.excerpt.as_deref(), Some("Who can review the deploy script?"));
    assert_eq!(line(11).kind, ActivityKind::Reply);
    assert!(line(9).parent.is_none());

    let thread = archive::archive_thread(&fixture.store, fixture.group, root).unwrap();
    let thread_numbers: Vec<i64> = thread.iter().map(|line| (line.at - START) / 60 + 1).collect();
    assert_eq!(thread_numbers, vec![10, 11, 12, 40]);
}

#[test]
fn words_are_found_newest_first_with_the_matches_marked() {
    let fixture = fixture();
    let results = archive::search(&fixture.store, fixture.group, "deploy numb", 5).unwrap();
    assert_eq!(results.method, SearchMethod::Words);
    let found: Vec<i64> = results.hits.iter().map(|hit| (hit.message.at - START) / 60 + 1).collect();
    // Every "line n about deploy number n" matches, newest first; 10 has no "number".
    assert_eq!(found, vec![60, 59, 58, 57, 56]);
    assert!(results.truncated);
    let marked: Vec<&str> = results.hits[0].snippet.iter().filter(|part| part.hit).map(|part| part.text.as_str()).collect();
    assert_eq!(marked, vec!["deploy", "number"]);
    let all: String = results.hits[0].snippet.iter().map(|part| part.text.as_str()).collect();
    assert_eq!(all, "line 60 about deploy number 60");
    assert_eq!(results.hits[0].channel_name, "Archive Test");

    // FTS5 syntax typed by a person is just text, never an error.
    for query in ["AND", "\"unbalanced", "deploy*)", "NEAR(x y", "-minus"] {
        archive::search(&fixture.store, fixture.group, query, 5).unwrap_or_else(|error| panic!("{query}: {error}"));
    }
    let error = archive::search(&fixture.store, fixture.group, "  ", 5).unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidInput);
}

#[test]
fn chinese_is_found_inside_words() {
    let fixture = fixture();
    let results = archive::search(&fixture.store, fixture.group, "会议室", 10).unwrap();
    assert_eq!(results.method, SearchMethod::Substring);
    let found: Vec<i64> = results.hits.iter().map(|hit| (hit.message.at - START) / 60 + 1).collect();
    assert_eq!(found, vec![51, 50]);
    let parts: Vec<(&str, bool)> = results.hits[1].snippet.iter().map(|part| (part.text.as_str(), part.hit)).collect();
    assert_eq!(parts, vec![("我们今天下午三点在", false), ("会议室", true), ("开会", false)]);
    assert!(!results.truncated);
}

#[test]
fn other_groups_channels_and_messages_are_refused() {
    let fixture = fixture();
    let missing = GroupId(fixture.group.0 + 100);
    assert_eq!(archive::archive_channels(&fixture.store, missing).unwrap_err().code, ErrorCode::NotFound);
    let error = archive::archive_page(&fixture.store, fixture.group, fixture.channel + 100, Anchor::Start, 10).unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
    let error = archive::archive_thread(&fixture.store, fixture.group, 1_000_000).unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
}

#[test]
fn the_cli_lists_channels_pages_and_searches() {
    let fixture = fixture();
    let run = |args: &[&str]| {
        let output = std::process::Command::new(crate::support::hearth_bin()).arg("--db").arg(&fixture.db).args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let channels: serde_json::Value = serde_json::from_str(&run(&["messages", "Archive Test", "--json"])).unwrap();
    assert_eq!(channels[0]["messages"], 60);
    let page: serde_json::Value = serde_json::from_str(&run(&[
        "messages",
        "Archive Test",
        "--channel",
        "Archive Test",
        "--at",
        "2024-05-01",
        "--limit",
        "3",
        "--json",
    ]))
    .unwrap();
    assert_eq!(page["messages"].as_array().unwrap().len(), 3);
    assert_eq!(page["focus"], page["messages"][0]["id"]);
    let text = run(&["messages", "Archive Test", "--channel", "Archive Test", "--limit", "2"]);
    assert_eq!(
        text,
        "  2024-05-01 12:58  Ada: line 59 about deploy number 59\n  2024-05-01 12:59  Grace: line 60 about deploy number 60\n"
    );
    let found = run(&["search", "Archive Test", "会议", "--limit", "1"]);
    assert_eq!(found, "2024-05-01 12:50  #Archive Test  Ada: [会议]室在三楼\n1 messages (more matched; raise --limit)\n");
}
