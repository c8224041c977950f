//! Cancelling an import while it runs: whatever the format, the import stops at its next
//! write, returns the `cancelled` error, and the store is exactly as it was before; a flag
//! raised after the import finished changes nothing.

use std::path::{Path, PathBuf};

use hearth::api::{self, ErrorCode, GroupSummary};
use hearth::import::ImportOptions;
use hearth::model::{CancelFlag, Progress, ProgressUnit, UnixSeconds};
use hearth::store::Store;

const NOW: UnixSeconds = 1_800_000_000;
/// Enough messages for several progress reports (importers report every 1,000).
const MESSAGES: u64 = 6_000;

fn telegram_export(folder: &Path) -> PathBuf {
    crate::support::generated_telegram_export(folder, MESSAGES)
}

fn whatsapp_export(folder: &Path) -> PathBuf {
    let path = folder.join("WhatsApp Chat with Busy.txt");
    let mut text = String::new();
    for index in 0..MESSAGES {
        let (hour, minute) = ((index / 60) % 24, index % 60);
        let day = 13 + (index / 1440) % 15;
        text.push_str(&format!("[{day}/01/2021, {hour:02}:{minute:02}:00] Member {}: line {index}\n", index % 30));
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn mbox_export(folder: &Path) -> PathBuf {
    let path = folder.join("busy.mbox");
    let mut text = String::new();
    for index in 0..MESSAGES {
        let second = index % 60;
        let minute = (index / 60) % 60;
        text.push_str(&format!(
            "From member{0} at example.org  Mon Jan  4 10:{minute:02}:{second:02} 2021\nFrom: member{0} at example.org\n\
             Date: Mon, 04 Jan 2021 10:{minute:02}:{second:02} +0000\nSubject: topic {index}\nMessage-ID: <m{index}@example.org>\n\
             List-Id: Busy list <busy.example.org>\n\nbody {index}\n\n",
            index % 25
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn discord_export(folder: &Path) -> PathBuf {
    let path = folder.join("busy.json");
    let messages: Vec<String> = (1..=MESSAGES)
        .map(|id| {
            format!(
                r#"{{"id": "{}", "type": "Default", "timestamp": "2024-05-01T10:{:02}:{:02}.000+00:00", "content": "message {id}",
                    "author": {{"id": "{}", "name": "member{}", "isBot": false}}, "reactions": []}}"#,
                5_000_000 + id,
                (id / 60) % 60,
                id % 60,
                100 + id % 40,
                id % 40
            )
        })
        .collect();
    let text = format!(
        r#"{{"guild": {{"id": "900", "name": "Busy server"}}, "channel": {{"id": "901", "type": "GuildTextChat", "name": "general"}},
            "messages": [{}]}}"#,
        messages.join(",\n")
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// A store that already holds one import, so "unchanged" means more than "empty".
fn store_with_a_group(folder: &Path) -> Store {
    let mut store = Store::open(&folder.join("store.sqlite")).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/telegram/chat.json");
    api::import(&mut store, &fixture, None, NOW, &mut |_| {}).unwrap();
    store
}

fn snapshot(store: &Store) -> (Vec<GroupSummary>, u64) {
    let groups = api::groups(store).unwrap();
    let members = groups.iter().map(|summary| summary.members).sum();
    (groups, members)
}

/// Imports `path` and raises the cancel flag from the progress sink at report number
/// `cancel_at`, as the Cancel button does from another thread.
fn import_cancelling_at(store: &mut Store, path: &Path, cancel_at: usize) -> (api::Result<api::ImportSummary>, Vec<Progress>) {
    let options = ImportOptions { cancel: CancelFlag::new(), ..Default::default() };
    let mut reports = Vec::new();
    let result = api::import_with(store, path, None, &options, NOW, &mut |progress| {
        reports.push(progress.clone());
        if reports.len() == cancel_at {
            options.cancel.cancel();
        }
    });
    (result, reports)
}

#[test]
fn cancelled_imports_stop_early_and_leave_the_store_as_it_was() {
    type Generator = fn(&Path) -> PathBuf;
    let cases: [(&str, Generator); 4] =
        [("telegram", telegram_export), ("whatsapp", whatsapp_export), ("mbox", mbox_export), ("discord", discord_export)];
    for (format, generate) in cases {
        let folder = tempfile::tempdir().unwrap();
        let export = generate(folder.path());
        let mut store = store_with_a_group(folder.path());
        let before = snapshot(&store);

        let (result, reports) = import_cancelling_at(&mut store, &export, 2);
        // A write right after the cancel is committed at once, as the window's next action is.
        let group = before.0[0].group.id.0.to_string();
        api::set_setting(&mut store, &group, "health.metrics.stickiness.high", "0.4321", NOW).expect(format);
        let beside = Store::open(&folder.path().join("store.sqlite")).unwrap();
        let seen = api::settings(&beside, &group).unwrap();
        assert!(
            serde_json::to_string(&seen).unwrap().contains("0.4321"),
            "{format}: a write after the cancelled import is not visible to another connection"
        );
        drop(beside);
        let error = result.expect_err(format);
        assert_eq!(error.code, ErrorCode::Cancelled, "{format}: {error:?}");
        assert!(error.message.contains("cancelled") && error.message.contains("unchanged"), "{format}: {}", error.message);
        assert_eq!(reports.len(), 2, "{format}: the import went on after the cancel: {reports:?}");
        assert!(reports.iter().all(|report| report.unit == ProgressUnit::Bytes && report.items > 0), "{format}: {reports:?}");
        assert_eq!(snapshot(&store), before, "{format}: the cancelled import changed the store");
        assert!(store.fts_integrity_ok().unwrap(), "{format}");

        // The same file imports fully when nobody cancels, and the store is usable again:
        // what it writes is committed (another connection, as the CLI beside the window,
        // sees it), not left in a transaction the cancel forgot to end.
        let summary = api::import(&mut store, &export, None, NOW, &mut |_| {}).expect(format);
        assert!(summary.messages >= MESSAGES - 1, "{format}: {summary:?}");
        assert_eq!(api::groups(&store).unwrap().len(), before.0.len() + 1, "{format}");
        let beside = Store::open(&folder.path().join("store.sqlite")).unwrap();
        assert_eq!(api::groups(&beside).unwrap().len(), before.0.len() + 1, "{format}: another connection does not see the import");
        drop(beside);
        api::set_setting(&mut store, &group, "health.metrics.stickiness.high", "0.5432", NOW).expect(format);
        let beside = Store::open(&folder.path().join("store.sqlite")).unwrap();
        assert!(
            serde_json::to_string(&api::settings(&beside, &group).unwrap()).unwrap().contains("0.5432"),
            "{format}: a write after a finished import is not visible to another connection"
        );
    }
}

#[test]
fn a_flag_raised_before_the_start_writes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let export = telegram_export(folder.path());
    let mut store = store_with_a_group(folder.path());
    let before = snapshot(&store);
    let options = ImportOptions { cancel: CancelFlag::new(), ..Default::default() };
    options.cancel.cancel();
    let error = api::import_with(&mut store, &export, None, &options, NOW, &mut |_| {}).unwrap_err();
    assert_eq!(error.code, ErrorCode::Cancelled);
    assert_eq!(snapshot(&store), before);
}

#[test]
fn a_flag_raised_after_the_import_finished_undoes_nothing_and_does_not_stick() {
    let folder = tempfile::tempdir().unwrap();
    let export = telegram_export(folder.path());
    let mut store = store_with_a_group(folder.path());
    let options = ImportOptions { cancel: CancelFlag::new(), ..Default::default() };
    let summary = api::import_with(&mut store, &export, None, &options, NOW, &mut |_| {}).unwrap();
    options.cancel.cancel();
    assert_eq!(summary.messages, MESSAGES);
    let after = snapshot(&store);
    assert_eq!(after.0.len(), 2);
    // The store no longer watches that flag: the next import runs.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mbox/list.mbox");
    api::import(&mut store, &fixture, None, NOW, &mut |_| {}).unwrap();
}

#[test]
fn progress_of_an_export_of_many_files_counts_files_and_ends_at_its_total() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/slack/workspace");
    let mut store = Store::open_in_memory().unwrap();
    let mut reports = Vec::new();
    let summary = api::import(&mut store, &workspace, None, NOW, &mut |progress| reports.push(progress.clone())).unwrap();
    // Reading counts day files; the last step, indexing, has no length known in advance.
    let (indexing, reading) = reports.split_last().expect("progress was reported");
    assert_eq!(indexing.step, "Indexing for search");
    assert_eq!((indexing.total, indexing.unit), (None, ProgressUnit::Items));
    assert!(indexing.items >= summary.messages, "{indexing:?} {summary:?}");
    let last = reading.last().expect("reading was reported");
    assert!(reading.iter().all(|report| report.unit == ProgressUnit::Files), "{reports:?}");
    assert!(last.total.is_some_and(|total| total > 1 && last.done == total), "{last:?}");
    assert!(reading.windows(2).all(|pair| pair[0].done <= pair[1].done), "{reports:?}");
}
