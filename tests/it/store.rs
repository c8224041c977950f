//! The store's search index and schema, through imports of small fixtures.

use hearth::model::{ActivityKind, GroupId, Platform};
use hearth::store::{NewActivity, NewGroup, NewMember, Store};

fn write(store: &mut Store, messages: &[(&str, &str)]) -> GroupId {
    let mut tx = store.begin_import().unwrap();
    let group = tx
        .upsert_group(&NewGroup { platform: Platform::Slack, platform_id: "T1", name: "Search", is_archive: true, is_demo: false }, 0)
        .unwrap();
    let channel = tx.upsert_channel(group, "C1", "general").unwrap();
    let member = tx.upsert_member(group, &NewMember { platform_id: "U1", display_name: "Ada", is_bot: false }).unwrap();
    for (index, (platform_id, text)) in messages.iter().enumerate() {
        tx.insert_activity(
            group,
            &NewActivity {
                channel_id: channel,
                member_id: member,
                platform_id,
                kind: ActivityKind::Message,
                at: 1_000 + index as i64,
                parent_platform_id: None,
                text: Some(text),
                raw_kind: None,
            },
        )
        .unwrap();
    }
    tx.finish().unwrap();
    group
}

#[test]
fn search_follows_imports_edits_and_deletes() {
    let mut store = Store::open_in_memory().unwrap();
    let group = write(&mut store, &[("1", "the deploy failed again"), ("2", "部署失败 了"), ("3", "lunch?")]);
    assert_eq!(store.search_text(group, "deploy", 10).unwrap().len(), 1);
    // A later export carries an edited text: the index forgets the old words.
    write(&mut store, &[("1", "the release went fine")]);
    assert!(store.search_text(group, "deploy", 10).unwrap().is_empty());
    assert_eq!(store.search_text(group, "release", 10).unwrap().len(), 1);
    assert!(store.fts_integrity_ok().unwrap());
    store.delete_group(group).unwrap();
    assert!(store.search_text(group, "release", 10).unwrap().is_empty());
    assert!(store.fts_integrity_ok().unwrap());
}

#[test]
fn schema_matches_its_snapshot() {
    // A released migration is never edited; this catches accidental changes. After an
    // intended change (a new migration), regenerate with UPDATE_SNAPSHOTS=1.
    let store = Store::open_in_memory().unwrap();
    let schema = store.schema_sql().unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema.sql");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &schema).unwrap();
    }
    let expected = std::fs::read_to_string(&path).expect("tests/fixtures/schema.sql exists (UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(schema, expected, "the schema changed; add a migration instead of editing a released one");
}
