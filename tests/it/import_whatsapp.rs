//! The WhatsApp importer on hand-written exports (Android and iOS lines, the zip, every bad
//! input the import issue names) and on the real samples in `HEARTH_DATASETS`, with exact
//! counts counted by hand from the files.

use std::path::{Path, PathBuf};

use hearth::api::{self, ErrorCode, ImportSummary, Skipped};
use hearth::import::whatsapp::{self, DateOrder};
use hearth::import::ImportError;
use hearth::model::{ActivityKind, GroupData, Platform, UnixSeconds};
use hearth::store::Store;

const NOW: UnixSeconds = 1_800_000_000;

const ENCRYPTION: &str = "end-to-end encryption notice";
const YOU: &str = "join or leave of \"you\" (the person who exported the chat, whom the export does not name)";
const SYSTEM: &str = "system line without member activity";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/whatsapp").join(name)
}

fn sample(test: &str, name: &str) -> Option<PathBuf> {
    crate::support::sample(test, &format!("chat-analytics-samples/tests/samples/whatsapp/{name}"))
}

fn import(store: &mut Store, path: &Path) -> Result<ImportSummary, api::Error> {
    api::import(store, path, None, NOW, &mut |_| {})
}

fn skipped(entries: &[(&str, u64)]) -> Vec<Skipped> {
    let mut entries: Vec<Skipped> = entries.iter().map(|(reason, count)| Skipped::new(reason.to_string(), *count)).collect();
    entries.sort_by(|left, right| left.reason.cmp(&right.reason));
    entries
}

fn only_group(store: &Store) -> GroupData {
    let groups = store.groups().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    store.load_group_data(&groups[0]).unwrap()
}

fn member<'a>(data: &'a GroupData, name: &str) -> &'a hearth::model::MemberRow {
    data.members.iter().find(|member| member.platform_id == name).unwrap_or_else(|| panic!("no member {name}"))
}

fn texts(data: &GroupData) -> Vec<Option<&str>> {
    data.activities.iter().filter(|activity| activity.kind == ActivityKind::Message).map(|activity| data.text(activity)).collect()
}

/// The import fails with a bad-archive error whose message holds every one of `expected`,
/// and the store stays empty.
fn refused(name: &str, expected: &[&str]) {
    let mut store = Store::open_in_memory().unwrap();
    let error = api::import(&mut store, &fixture(name), Some("whatsapp"), NOW, &mut |_| {}).unwrap_err();
    assert_eq!(error.code, ErrorCode::BadArchive, "{name}: {}", error.message);
    for expected in expected {
        assert!(error.message.contains(expected), "{name}: missing {expected:?} in: {}", error.message);
    }
    assert_eq!(store.groups().unwrap(), vec![], "{name} left something in the store");
}

#[test]
fn android_export_with_12_hour_times_is_imported_exactly() {
    let mut store = Store::open_in_memory().unwrap();
    let summary = import(&mut store, &fixture("android_12h.txt")).unwrap();
    assert_eq!(summary.format, "whatsapp");
    // Ann created the group and added Bob and Carol (and "you"), Dan joined by the link;
    // Carol left, Dan was removed. Five messages, two of them identical in the same minute.
    assert_eq!((summary.channels, summary.members, summary.messages, summary.reactions), (1, 4, 5, 0));
    assert_eq!((summary.joins, summary.leaves, summary.duplicates), (4, 2, 0));
    assert_eq!(summary.skipped, skipped(&[(ENCRYPTION, 1), (SYSTEM, 1), (YOU, 1)]));
    let group = &summary.groups[0];
    assert_eq!((group.platform, group.platform_id.as_str(), group.name.as_str()), (Platform::Whatsapp, "android_12h", "android_12h"));
    assert!(group.is_archive);

    let data = only_group(&store);
    assert_eq!(
        texts(&data),
        [Some("Happy new year\neveryone!\n\nsee you soon"), Some("ok"), Some("ok"), None, Some("hi: all")],
        "multi-line text, a media placeholder without text, a colon inside the text"
    );
    // 12/31/20, 9:41 PM is month first (31 says so) and read as UTC.
    assert_eq!(member(&data, "Ann").joined_at, Some(1_609_450_860));
    assert_eq!(member(&data, "Carol").left_at, Some(1_610_524_800));
    assert_eq!(member(&data, "Dan").left_at, Some(1_610_614_800));
    assert_eq!(member(&data, "Bob").left_at, None);
}

#[test]
fn ios_export_with_direction_marks_is_imported_exactly() {
    let mut store = Store::open_in_memory().unwrap();
    let summary = import(&mut store, &fixture("ios.txt")).unwrap();
    // The encryption notice and "Ann added Bob" are iOS system lines written as the group's
    // own messages; an image and an attachment are media without text.
    assert_eq!((summary.members, summary.messages, summary.joins, summary.leaves), (2, 4, 1, 0));
    assert_eq!(summary.skipped, skipped(&[(ENCRYPTION, 1)]));
    let data = only_group(&store);
    assert_eq!(texts(&data), [Some("Hello\nsecond line"), None, None, Some("Happy new year")]);
    let listed = api::groups(&store).unwrap();
    // 31/12/2020, 21:41:06 (day first: 31 says so) to 01/01/2021, 00:01:00.
    assert_eq!((listed[0].first_activity_at, listed[0].last_activity_at), (Some(1_609_450_866), Some(1_609_459_260)));
}

#[test]
fn zip_export_gives_the_same_as_its_text_and_takes_the_chat_name() {
    let mut from_zip = Store::open_in_memory().unwrap();
    let zipped = import(&mut from_zip, &fixture("WhatsApp Chat with Family.zip")).unwrap();
    assert_eq!((zipped.groups[0].platform_id.as_str(), zipped.groups[0].name.as_str()), ("Family", "Family"));
    let mut from_text = Store::open_in_memory().unwrap();
    let text = import(&mut from_text, &fixture("android_12h.txt")).unwrap();
    assert_eq!(
        (zipped.members, zipped.messages, zipped.joins, zipped.leaves, &zipped.skipped),
        (text.members, text.messages, text.joins, text.leaves, &text.skipped)
    );
    assert_eq!(texts(&only_group(&from_zip)), texts(&only_group(&from_text)));
}

#[test]
fn reimporting_changes_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let first = import(&mut store, &fixture("android_12h.txt")).unwrap();
    let before = only_group(&store);
    let again = import(&mut store, &fixture("android_12h.txt")).unwrap();
    assert_eq!((again.groups.len(), again.channels, again.members, again.messages, again.joins, again.leaves), (1, 0, 0, 0, 0, 0));
    assert_eq!(again.duplicates, first.messages + first.joins + first.leaves);
    assert_eq!(only_group(&store).activities, before.activities);
}

#[test]
fn undecidable_dates_ask_for_the_order_and_take_it() {
    let mut store = Store::open_in_memory().unwrap();
    let error = import(&mut store, &fixture("ambiguous.txt")).unwrap_err();
    assert_eq!(error.code, ErrorCode::NeedsDateOrder);
    for expected in ["ambiguous.txt", "line 1", "3/4", "--date-order day-first` (31/12)", "--date-order month-first` (12/31)"] {
        assert!(error.message.contains(expected), "missing {expected:?} in: {}", error.message);
    }
    assert_eq!(store.groups().unwrap(), vec![]);

    let path = fixture("ambiguous.txt");
    whatsapp::import_with(&mut store, &path, Some(DateOrder::DayFirst), NOW, &mut |_| {}).unwrap();
    let day_first: Vec<UnixSeconds> = only_group(&store).activities.iter().map(|activity| activity.at).collect();
    assert_eq!(day_first, [1_617_444_000, 1_617_444_060, 1_622_883_600]);
    let mut store = Store::open_in_memory().unwrap();
    whatsapp::import_with(&mut store, &path, Some(DateOrder::MonthFirst), NOW, &mut |_| {}).unwrap();
    assert_eq!(only_group(&store).activities[0].at, 1_614_852_000);
}

#[test]
fn bad_inputs_are_refused_with_the_file_and_the_position() {
    refused("empty.txt", &["empty.txt", "line 1", "no WhatsApp message"]);
    refused("not_whatsapp.txt", &["not_whatsapp.txt", "line 1", "does not start with a date", "Export chat"]);
    refused("invalid_utf8.txt", &["invalid_utf8.txt", "line 2", "not valid UTF-8"]);
    refused("out_of_range.txt", &["out_of_range.txt", "line 2", "30/2/2021 is not a date"]);
    refused("year_out_of_range.txt", &["line 1", "year of 31/12/1999 is out of range"]);
    refused("escaping.zip", &["escaping.zip", "../../evil.sh", "outside"]);
    refused("bomb.zip", &["bomb.zip", "_chat.txt", "zip bomb"]);
    refused("corrupt.zip", &["corrupt.zip", "damaged"]);
    refused("no_chat.zip", &["no_chat.zip", "no chat text"]);
}

#[test]
fn a_folder_is_refused() {
    let mut store = Store::open_in_memory().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let error = api::import(&mut store, folder.path(), Some("whatsapp"), NOW, &mut |_| {}).unwrap_err();
    assert!(error.message.contains("folder"), "{}", error.message);
}

#[test]
fn a_message_too_long_for_whatsapp_is_refused_without_reading_it_whole() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("long.txt");
    let mut text = String::from("31/12/2020, 21:41 - Ann: hi\n31/12/2020, 21:42 - Ann: ");
    text.push_str(&"x".repeat(5 * 1024 * 1024));
    std::fs::write(&path, text).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let error = whatsapp::import(&mut store, &path, NOW, &mut |_| {}).unwrap_err();
    assert!(matches!(&error, ImportError::Malformed { position, .. } if position == "line 2"), "{error}");
    assert!(error.to_string().contains("longer than 4 MiB"), "{error}");
}

#[test]
fn chat_analytics_two_author_sample_is_imported_exactly() {
    let Some(path) = sample("chat_analytics_two_author_sample_is_imported_exactly", "2A_5M.txt") else {
        return;
    };
    let mut store = Store::open_in_memory().unwrap();
    let summary = import(&mut store, &path).unwrap();
    // Five messages by A and B, one "<media omitted>"; every date is 1/1/21, which reads
    // the same in either order.
    assert_eq!((summary.channels, summary.members, summary.messages, summary.joins, summary.leaves), (1, 2, 5, 0, 0));
    assert_eq!(summary.skipped, vec![]);
    assert_eq!((summary.groups[0].platform_id.as_str(), summary.groups[0].name.as_str()), ("2A_5M", "2A_5M"));
    let data = only_group(&store);
    assert_eq!(texts(&data).iter().filter(|text| text.is_none()).count(), 1);
    let listed = api::groups(&store).unwrap();
    assert_eq!((listed[0].first_activity_at, listed[0].last_activity_at), (Some(1_609_502_400), Some(1_609_502_580)));
}

#[test]
fn chat_analytics_group_sample_needs_the_date_order_and_matches_its_zip() {
    let test = "chat_analytics_group_sample_needs_the_date_order_and_matches_its_zip";
    let (Some(text), Some(zipped)) = (sample(test, "4A_11M.txt"), sample(test, "4A_11M.zip")) else {
        return;
    };
    // Every date is 12/9/20: December 9th or September 12th, the file cannot tell.
    let mut store = Store::open_in_memory().unwrap();
    let error = import(&mut store, &text).unwrap_err();
    assert!(error.message.contains("12/9"), "{}", error.message);

    let mut results = Vec::new();
    for path in [&text, &zipped] {
        let mut store = Store::open_in_memory().unwrap();
        let outcome = whatsapp::import_with(&mut store, path, Some(DateOrder::MonthFirst), NOW, &mut |_| {}).unwrap();
        let counts = &outcome.counts;
        // Eleven messages by Alice, Bob, Eve, Mallory and Trent; "Alice created group" is
        // her join; the encryption notice and "Alice added you" carry no member's activity.
        assert_eq!((counts.channels, counts.members, counts.messages, counts.joins, counts.leaves), (1, 5, 11, 1, 0));
        let skipped: Vec<(&str, u64)> = outcome.skipped.iter().map(|(reason, count)| (reason.as_str(), *count)).collect();
        assert_eq!(skipped, [(ENCRYPTION, 1), (YOU, 1)]);
        assert_eq!((outcome.groups[0].platform_id.as_str(), outcome.groups[0].name.as_str()), ("4A_11M", "4A_11M"));
        let data = only_group(&store);
        let listed = api::groups(&store).unwrap();
        assert_eq!((listed[0].first_activity_at, listed[0].last_activity_at), (Some(1_607_555_760), Some(1_607_558_160)));
        results.push(
            data.activities
                .iter()
                .map(|activity| (activity.kind, activity.at, data.text(activity).map(str::to_string)))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(results[0], results[1], "the .txt and the .zip differ");
    assert_eq!(results[0].iter().filter(|(_, _, text)| text.as_deref() == Some("\u{1f469}\u{1f3fb}\u{200d}\u{2696}\u{fe0f}")).count(), 1);
}

#[test]
fn times_are_read_in_the_given_zone_the_summary_says_so_and_ids_survive_another_zone() {
    let mut store = Store::open_in_memory().unwrap();
    let in_zone = |zone| hearth::import::ImportOptions { timezone: Some(zone), ..Default::default() };
    let path = fixture("android_12h.txt");
    let summary = api::import_with(&mut store, &path, None, &in_zone(chrono_tz::America::New_York), NOW, &mut |_| {}).unwrap();
    assert_eq!(summary.timezone_assumed.as_deref(), Some("America/New_York"));
    // 12/31/20, 9:41 PM in New York (UTC-5) is 02:41 UTC the next day.
    assert_eq!(member(&only_group(&store), "Ann").joined_at, Some(1_609_450_860 + 5 * 3600));
    let again = api::import_with(&mut store, &path, None, &in_zone(chrono_tz::Asia::Kolkata), NOW, &mut |_| {}).unwrap();
    assert_eq!((again.messages, again.joins, again.leaves), (0, 0, 0));
    assert_eq!(again.duplicates, summary.messages + summary.joins + summary.leaves);
}

#[test]
fn without_a_zone_the_summary_says_utc() {
    let mut store = Store::open_in_memory().unwrap();
    let summary = import(&mut store, &fixture("android_12h.txt")).unwrap();
    assert_eq!(summary.timezone_assumed.as_deref(), Some("UTC"));
}
