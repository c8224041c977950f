//! The `hearth` command line end to end on a temporary store: import, groups, health and
//! members, with JSON that matches what `api` returns.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{datasets, hearth_bin};

fn hearth(db: &Path, args: &[&str]) -> Output {
    let output = Command::new(hearth_bin()).arg("--db").arg(db).args(args).env_remove("HEARTH_DB").output().unwrap();
    output
}

fn stdout_json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "hearth failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/telegram/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn import_then_groups_health_and_members_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    let summary = stdout_json(&hearth(&db, &["import", &fixture("chat.json"), "--json"]));
    for key in ["groups", "channels", "members", "messages", "reactions", "skipped", "duplicates"] {
        assert!(summary.get(key).is_some(), "summary lacks {key}: {summary}");
    }
    let messages = summary["messages"].as_u64().unwrap();
    assert!(messages > 0);

    let again = stdout_json(&hearth(&db, &["import", &fixture("chat.json"), "--json"]));
    assert_eq!(again["messages"], 0, "a re-import adds nothing");
    assert!(again["duplicates"].as_u64().unwrap() >= messages);

    let groups = stdout_json(&hearth(&db, &["groups", "--json"]));
    let group = &groups[0]["group"];
    let (id, name) = (group["id"].as_i64().unwrap(), group["name"].as_str().unwrap().to_string());
    assert_eq!(groups[0]["messages"].as_u64(), Some(messages));

    // By id and by name the same report; and the same as the api computes.
    let by_id = stdout_json(&hearth(&db, &["health", &id.to_string(), "--json"]));
    let by_name = stdout_json(&hearth(&db, &["health", &name.to_uppercase(), "--json"]));
    assert_eq!(by_id, by_name);
    let store = hearth::store::Store::open(&db).unwrap();
    let direct = hearth::api::health(&store, &id.to_string(), None, 0).unwrap();
    // Compared through the same JSON text: serde_json's default float parsing is not
    // always the closest double, so parse both sides the same way.
    let direct: serde_json::Value = serde_json::from_str(&serde_json::to_string(&direct).unwrap()).unwrap();
    assert_eq!(by_id, direct);
    assert_eq!(by_id["metrics"].as_array().unwrap().len(), 9);

    let members = stdout_json(&hearth(&db, &["members", &id.to_string(), "--json"]));
    assert!(!members.as_array().unwrap().is_empty());
    let observers = stdout_json(&hearth(&db, &["members", &id.to_string(), "--stage", "observer", "--json"]));
    assert!(observers.as_array().unwrap().iter().all(|member| member["stage"] == "observer"));
}

#[test]
fn as_of_moves_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    stdout_json(&hearth(&db, &["import", &fixture("chat.json"), "--json"]));
    let report = stdout_json(&hearth(&db, &["health", "1", "--as-of", "2030-01-10", "--json"]));
    // The end of 2030-01-10 UTC is 2030-01-11 00:00 = 1,894,320,000.
    assert_eq!(report["as_of"], 1_894_320_000i64);
    assert_eq!(report["period_start"], 1_894_320_000i64 - 7 * 86_400);
    assert!(report["score"].is_null(), "nothing happened in that week");
}

#[test]
fn errors_say_what_to_do_and_leave_the_store_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    let missing = hearth(&db, &["health", "nowhere"]);
    assert!(!missing.status.success());
    let message = String::from_utf8_lossy(&missing.stderr);
    assert!(message.contains("hearth demo") && message.contains("import"), "{message}");

    let truncated = hearth(&db, &["import", &fixture("truncated.json")]);
    assert!(!truncated.status.success());
    let message = String::from_utf8_lossy(&truncated.stderr);
    assert!(message.contains("truncated.json") && message.contains("line"), "{message}");
    let groups = stdout_json(&hearth(&db, &["groups", "--json"]));
    assert_eq!(groups, serde_json::json!([]), "the failed import left nothing behind");

    let bad_stage = hearth(&db, &["members", "1", "--stage", "wizard"]);
    assert!(String::from_utf8_lossy(&bad_stage.stderr).contains("observer, newcomer"));
}

#[test]
fn the_store_path_comes_from_hearth_db_when_no_flag_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("from-env.sqlite");
    let output = Command::new(hearth_bin()).args(["groups", "--json"]).env("HEARTH_DB", &db).output().unwrap();
    assert!(output.status.success());
    assert!(db.exists(), "the store was created where HEARTH_DB points");
}

#[test]
fn a_store_from_a_newer_hearth_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    drop(hearth::store::Store::open(&db).unwrap());
    hearth::store::Store::set_user_version_for_tests(&db, hearth::store::SCHEMA_VERSION + 5);
    let output = hearth(&db, &["groups"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("newer Hearth"));
}

#[test]
fn whatsapp_date_order_is_asked_for_and_taken_from_the_command_line() {
    let Some(folder) = datasets("whatsapp_date_order_is_asked_for_and_taken_from_the_command_line") else { return };
    let chat = folder.join("chat-analytics-samples/tests/samples/whatsapp/4A_11M.txt");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    // Every date in this chat is 12/9/20: the order cannot be told from the data.
    let asked = hearth(&db, &["import", chat.to_str().unwrap()]);
    assert!(!asked.status.success());
    assert!(String::from_utf8_lossy(&asked.stderr).contains("--date-order"), "{}", String::from_utf8_lossy(&asked.stderr));
    let summary = stdout_json(&hearth(&db, &["import", chat.to_str().unwrap(), "--date-order", "month-first", "--json"]));
    assert_eq!(summary["messages"], 11);
}

/// `hearth` with the computer's time zone set by `TZ`.
fn hearth_in_zone(db: &Path, zone: &str, args: &[&str]) -> Output {
    Command::new(hearth_bin()).arg("--db").arg(db).args(args).env_remove("HEARTH_DB").env("TZ", zone).output().unwrap()
}

#[test]
fn several_paths_make_one_import_with_one_summary() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    let summary = stdout_json(&hearth(&db, &["import", &fixture("full_account.json"), &fixture("chat.json"), "--json"]));
    assert_eq!(summary["format"], "telegram");
    assert_eq!(summary["groups"].as_array().unwrap().len(), 5);
    // 9 messages in the account export's chats, 9 in the chat export.
    assert_eq!(summary["messages"], 18);
    let groups = stdout_json(&hearth(&db, &["groups", "--json"]));
    assert_eq!(groups.as_array().unwrap().len(), 5);

    let failed = hearth(&db, &["import", &fixture("chat.json"), &fixture("truncated.json")]);
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("truncated.json"));
}

#[test]
fn local_times_are_read_in_the_computers_zone_or_the_one_given_and_the_summary_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    let summary = stdout_json(&hearth_in_zone(&db, "Europe/Berlin", &["import", &fixture("old_export.json"), "--json"]));
    assert_eq!(summary["timezone_assumed"], "Europe/Berlin");
    let groups = stdout_json(&hearth(&db, &["groups", "--json"]));
    // 2021-06-01T08:00:00 in Berlin (UTC+2).
    assert_eq!(groups[0]["first_activity_at"], 1_622_527_200);

    let other = dir.path().join("other.sqlite");
    let given = hearth_in_zone(&other, "Europe/Berlin", &["import", &fixture("old_export.json"), "--timezone", "America/New_York"]);
    assert!(given.status.success(), "{}", String::from_utf8_lossy(&given.stderr));
    let text = String::from_utf8_lossy(&given.stdout);
    assert!(text.contains("read as America/New_York time") && text.contains("--timezone"), "{text}");
    let groups = stdout_json(&hearth(&other, &["groups", "--json"]));
    // 08:00 in New York (UTC-4 in summer).
    assert_eq!(groups[0]["first_activity_at"], 1_622_548_800);

    let exact = stdout_json(&hearth_in_zone(&other, "Europe/Berlin", &["import", &fixture("chat.json"), "--json"]));
    assert!(exact["timezone_assumed"].is_null(), "an export with Unix times assumes no zone: {exact}");

    let unknown = hearth(&db, &["import", &fixture("old_export.json"), "--timezone", "Mars/Olympus"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("IANA name like Europe/Berlin"));
}
