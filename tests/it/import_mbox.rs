//! The mbox importer on a hand-written list archive (threads, obfuscated addresses, encoded
//! words, multipart and quoted-printable bodies, skipped messages), on bad input, and on the
//! real archives in `HEARTH_DATASETS`, with exact counts counted by hand from the files.

use std::path::{Path, PathBuf};

use hearth::api::{self, ErrorCode, ImportSummary, Skipped};
use hearth::model::{ActivityKind, GroupData, Platform, UnixSeconds};
use hearth::store::Store;

const NOW: UnixSeconds = 1_800_000_000;

const NO_ID: &str = "message without a Message-ID";
const NO_DATE: &str = "message without a readable Date";
const DATE_RANGE: &str = "message dated before 1970 or after 2100";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mbox").join(name)
}

fn sample(test: &str, name: &str) -> Option<PathBuf> {
    crate::support::sample(test, &format!("perceval-test-data/tests/data/{name}"))
}

fn import(store: &mut Store, path: &Path) -> Result<ImportSummary, api::Error> {
    api::import(store, path, Some("mbox"), NOW, &mut |_| {})
}

fn skipped(entries: &[(&str, u64)]) -> Vec<Skipped> {
    entries.iter().map(|(reason, count)| Skipped::new(reason.to_string(), *count)).collect()
}

fn only_group(store: &Store) -> GroupData {
    let groups = store.groups().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    store.load_group_data(&groups[0]).unwrap()
}

/// (kind, parent's index among the activities, text) of every activity, in time order.
fn thread(data: &GroupData) -> Vec<(ActivityKind, Option<usize>, Option<&str>)> {
    let index = |id: i64| data.activities.iter().position(|activity| activity.id == id);
    data.activities.iter().map(|activity| (activity.kind, activity.parent_id.and_then(index), data.text(activity))).collect()
}

fn display_name<'a>(data: &'a GroupData, address: &str) -> &'a str {
    &data.members.iter().find(|member| member.platform_id == address).unwrap_or_else(|| panic!("no member {address}")).display_name
}

#[test]
fn list_archive_is_imported_with_its_threads() {
    let mut store = Store::open_in_memory().unwrap();
    let summary = api::import(&mut store, &fixture("list.mbox"), None, NOW, &mut |_| {}).unwrap();
    assert_eq!(summary.format, "mbox");
    assert_eq!((summary.channels, summary.members, summary.messages, summary.duplicates), (1, 4, 4, 0));
    assert_eq!(summary.skipped, skipped(&[(DATE_RANGE, 1), (NO_ID, 1)]));
    let group = &summary.groups[0];
    assert_eq!((group.platform, group.platform_id.as_str(), group.name.as_str()), (Platform::Mbox, "team.example.org", "The Team List"));

    let data = only_group(&store);
    assert_eq!(
        thread(&data),
        [
            (ActivityKind::Message, None, Some("What shall we do\nthis year?\n\n>From the archive: nothing.")),
            // In-Reply-To names the parent; its comment is ignored; quoted-printable decoded.
            (ActivityKind::Reply, Some(0), Some("Let's write a café app.")),
            // Only References: its last id is the parent; the text/plain part, in Latin-1.
            (ActivityKind::Reply, Some(1), Some("Yes, grüße!")),
            // No plain text: the subject stands for it.
            (ActivityKind::Message, None, Some("Only HTML")),
        ]
    );
    assert_eq!(display_name(&data, "ann@example.org"), "Ann Müller");
    assert_eq!(display_name(&data, "bob@example.org"), "Bob Example");
    assert_eq!(display_name(&data, "dan@example.org"), "dan@example.org");
    // "Mon, 4 Jan 2021 12:00:00 +0000 (UTC)", the comment allowed.
    assert_eq!(data.activities[1].at, 1_609_761_600);
}

#[test]
fn reimporting_changes_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    import(&mut store, &fixture("list.mbox")).unwrap();
    let before = only_group(&store);
    let again = import(&mut store, &fixture("list.mbox")).unwrap();
    assert_eq!((again.channels, again.members, again.messages, again.duplicates), (0, 0, 0, 4));
    assert_eq!(only_group(&store).activities, before.activities);
}

#[test]
fn bad_inputs_are_refused_with_the_file_and_the_position() {
    for (name, expected) in
        [("empty.mbox", ["empty.mbox", "line 1", "no message"]), ("not_mbox.mbox", ["not_mbox.mbox", "line 1", "not an mbox"])]
    {
        let mut store = Store::open_in_memory().unwrap();
        let error = import(&mut store, &fixture(name)).unwrap_err();
        assert_eq!(error.code, ErrorCode::BadArchive, "{name}: {}", error.message);
        for expected in expected {
            assert!(error.message.contains(expected), "{name}: missing {expected:?} in: {}", error.message);
        }
        assert_eq!(store.groups().unwrap(), vec![]);
    }
    let mut store = Store::open_in_memory().unwrap();
    let folder = tempfile::tempdir().unwrap();
    assert!(import(&mut store, folder.path()).unwrap_err().message.contains("folder"));
}

#[test]
fn a_message_of_40_mb_is_refused_and_the_store_is_unchanged() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("huge.mbox");
    let mut text =
        String::from("From a@b  Mon Jan  4 10:00:00 2021\nFrom: a@b\nDate: Mon, 4 Jan 2021 10:00:00 +0000\nMessage-ID: <1@b>\n\nhi\n\n");
    text.push_str("From a@b  Mon Jan  4 10:00:00 2021\nFrom: a@b\nDate: Mon, 4 Jan 2021 10:00:00 +0000\nMessage-ID: <2@b>\n\n");
    let line = format!("{}\n", "x".repeat(1000));
    for _ in 0..40_000 {
        text.push_str(&line);
    }
    std::fs::write(&path, text).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let error = import(&mut store, &path).unwrap_err();
    assert!(error.message.contains("line 8") && error.message.contains("longer than 32 MiB"), "{}", error.message);
    assert_eq!(store.groups().unwrap(), vec![]);
}

/// File, group id, members, messages, replies among them, skipped per reason.
type SampleCase = (&'static str, &'static str, u64, u64, u64, &'static [(&'static str, u64)]);

#[test]
fn perceval_mbox_samples_are_imported_exactly() {
    let test = "perceval_mbox_samples_are_imported_exactly";
    let cases: [SampleCase; 7] = [
        ("mbox/mbox_complex.mbox", "desktop-devel-list.gnome.org", 2, 2, 1, &[]),
        ("mbox/mbox_iso8859_encoding.mbox", "mbox_iso8859_encoding", 1, 1, 0, &[]),
        // Two lists' posts in one file: the first one's List-Id names the group.
        ("mbox/mbox_multipart.mbox", "esl-dev.eclipse.org", 2, 2, 0, &[]),
        // Six copies of one post: one is imported, one repeats its Message-ID (a duplicate),
        // one has no Message-ID, three have no Date, an empty one or "RANDOM_Wed, …".
        ("mbox/mbox_no_fields.mbox", "mbox_no_fields", 1, 1, 0, &[(NO_ID, 1), (NO_DATE, 3)]),
        ("mbox/mbox_single.mbox", "mbox_single", 1, 1, 0, &[]),
        ("mbox/mbox_unixfrom_encoding.mbox", "mbox_unixfrom_encoding", 1, 1, 1, &[]),
        ("mbox/mbox_unknown_encoding.mbox", "platform-swt-dev.eclipse.org", 1, 1, 0, &[]),
    ];
    for (file, group_id, members, messages, replies, skips) in cases {
        let Some(path) = sample(test, file) else { return };
        let mut store = Store::open_in_memory().unwrap();
        let summary = import(&mut store, &path).unwrap();
        assert_eq!((summary.channels, summary.members, summary.messages), (1, members, messages), "{file}");
        assert_eq!(summary.skipped, skipped(skips), "{file}");
        assert_eq!(summary.groups[0].platform_id, group_id, "{file}");
        let data = only_group(&store);
        assert_eq!(data.activities.iter().filter(|activity| activity.kind == ActivityKind::Reply).count() as u64, replies, "{file}");
        if file.ends_with("no_fields.mbox") {
            assert_eq!(summary.duplicates, 1);
            assert_eq!(display_name(&data, "goran@domain.com"), "Göran Lastname");
        }
        if file.ends_with("complex.mbox") {
            assert_eq!(display_name(&data, "danilo@gnome.org"), "Danilo Šegan");
            assert_eq!(summary.groups[0].name, "GNOME Desktop Development List");
        }
        if file.ends_with("iso8859_encoding.mbox") {
            // "=?UTF-8?Q?Luc=eda_Charlie?=" is not UTF-8; read as Latin-1.
            assert_eq!(display_name(&data, "luc\u{ed}acharlie@wellsfargo.com"), "Luc\u{ed}a Charlie");
        }
    }
}

#[test]
fn pipermail_archives_are_imported_with_their_threads() {
    let test = "pipermail_archives_are_imported_with_their_threads";
    // (file, members, messages, parents among the activities)
    let cases: [(&str, u64, u64, &[Option<usize>]); 3] = [
        // The first reply answers an id the archive does not hold (mail.gmail.com rewritten).
        ("pipermail/pipermail_2015_november.mbox", 2, 4, &[None, None, Some(1), Some(2)]),
        ("pipermail/pipermail_2016_april.mbox", 2, 3, &[None, Some(0), Some(1)]),
        ("pipermail/pipermail_2016_march.mbox", 1, 1, &[None]),
    ];
    for (file, members, messages, parents) in cases {
        let Some(path) = sample(test, file) else { return };
        let mut store = Store::open_in_memory().unwrap();
        let summary = import(&mut store, &path).unwrap();
        assert_eq!((summary.channels, summary.members, summary.messages, summary.duplicates), (1, members, messages, 0), "{file}");
        assert_eq!(summary.skipped, vec![], "{file}");
        let data = only_group(&store);
        let found: Vec<Option<usize>> = thread(&data).into_iter().map(|(_, parent, _)| parent).collect();
        assert_eq!(found, parents, "{file}");
        assert!(data.members.iter().all(|member| member.platform_id.contains('@') && !member.platform_id.contains(" at ")), "{file}");
    }
}
