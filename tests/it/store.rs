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

/// One activity of the bulk tests: platform id, time (unique, so rows can be found by it),
/// parent platform id, text, kind.
struct Event {
    platform_id: String,
    at: i64,
    parent: Option<String>,
    text: Option<String>,
    kind: ActivityKind,
    member: usize,
}

/// Enough messages that the import drops the activities' indexes and rebuilds them (it does
/// so past 20,000 rows into a new group), with what makes that path hard: replies whose
/// parent comes later or never, the same message twice with an edited text, joins and
/// leaves.
fn bulk_events() -> Vec<Event> {
    let mut events = Vec::new();
    for index in 0..30_000_i64 {
        let parent = match index % 10 {
            // The parent came before.
            1 | 2 => Some(format!("m{}", index - 1)),
            // The parent comes later in the export.
            3 => Some(format!("m{}", index + 5)),
            // The parent is not in the export.
            4 => Some(format!("gone{index}")),
            _ => None,
        };
        let kind = if parent.is_some() { ActivityKind::Reply } else { ActivityKind::Message };
        events.push(Event {
            platform_id: format!("m{index}"),
            at: 10_000 + index,
            parent,
            text: Some(format!("word{index} common")),
            kind,
            member: (index % 7) as usize,
        });
    }
    // The same message again, edited; and one seen twice unchanged.
    events.push(Event {
        platform_id: "m100".into(),
        at: 10_100,
        parent: None,
        text: Some("edited lighthouse".into()),
        kind: ActivityKind::Message,
        member: 2,
    });
    events.push(Event {
        platform_id: "m200".into(),
        at: 10_200,
        parent: None,
        text: Some("word200 common".into()),
        kind: ActivityKind::Message,
        member: 4,
    });
    // Member 5 joins, leaves and joins again (it stays); member 6 joins and leaves.
    for (platform_id, at, kind, member) in [
        ("j5a", 1_000, ActivityKind::Join, 5),
        ("l5", 2_000, ActivityKind::Leave, 5),
        ("j5b", 3_000, ActivityKind::Join, 5),
        ("j6", 1_500, ActivityKind::Join, 6),
        ("l6", 90_000, ActivityKind::Leave, 6),
    ] {
        events.push(Event { platform_id: platform_id.into(), at, parent: None, text: None, kind, member });
    }
    events
}

fn write_events(store: &mut Store, events: &[Event]) -> (GroupId, hearth::store::WriteCounts) {
    let mut tx = store.begin_import().unwrap();
    let group = tx
        .upsert_group(&NewGroup { platform: Platform::Discord, platform_id: "G1", name: "Bulk", is_archive: true, is_demo: false }, 0)
        .unwrap();
    let channel = tx.upsert_channel(group, "C1", "general").unwrap();
    let members: Vec<i64> = (0..7)
        .map(|index| {
            let platform_id = format!("U{index}");
            tx.upsert_member(group, &NewMember { platform_id: &platform_id, display_name: &platform_id, is_bot: false }).unwrap()
        })
        .collect();
    for event in events {
        tx.insert_activity(
            group,
            &NewActivity {
                channel_id: channel,
                member_id: members[event.member],
                platform_id: &event.platform_id,
                kind: event.kind,
                at: event.at,
                parent_platform_id: event.parent.as_deref(),
                text: event.text.as_deref(),
                raw_kind: None,
            },
        )
        .unwrap();
    }
    (group, tx.finish().unwrap())
}

#[test]
fn a_bulk_import_keeps_every_semantic_of_row_by_row_writes() {
    let mut store = Store::open_in_memory().unwrap();
    let fresh_schema = store.schema_sql().unwrap();
    let events = bulk_events();
    let (group, counts) = write_events(&mut store, &events);
    assert_eq!((counts.messages, counts.joins, counts.leaves), (30_000, 3, 2));
    assert_eq!((counts.duplicates, counts.updated), (2, 1));
    // Committed with the indexes the dashboard and search need; the other three come next.
    assert_eq!(store.missing_indexes().unwrap(), ["activities_key", "activities_member_at", "activities_channel_at"]);
    let mut steps = Vec::new();
    assert_eq!(store.build_missing_indexes(&mut |progress| steps.push((progress.done, progress.total))).unwrap(), 3);
    assert_eq!(steps, [(0, Some(3)), (1, Some(3)), (2, Some(3)), (3, Some(3))]);
    assert!(store.missing_indexes().unwrap().is_empty());
    assert_eq!(store.build_missing_indexes(&mut |_| panic!("nothing to build")).unwrap(), 0);
    // The indexes are back, exactly as the schema declares them.
    assert_eq!(store.schema_sql().unwrap(), fresh_schema);
    assert!(store.fts_integrity_ok().unwrap());

    let data = store.load_group_data(&store.group(group).unwrap().unwrap()).unwrap();
    assert_eq!(data.activities.len(), 30_005);
    let by_at: std::collections::HashMap<i64, &hearth::model::ActivityRow> =
        data.activities.iter().map(|activity| (activity.at, activity)).collect();
    let at_of: std::collections::HashMap<i64, i64> = data.activities.iter().map(|activity| (activity.id, activity.at)).collect();
    for index in 0..30_000_i64 {
        let row = by_at[&(10_000 + index)];
        let expected_parent_at = match index % 10 {
            1 | 2 => Some(10_000 + index - 1),
            3 if index + 5 < 30_000 => Some(10_000 + index + 5),
            _ => None,
        };
        assert_eq!(row.parent_id.map(|parent| at_of[&parent]), expected_parent_at, "parent of m{index}");
    }
    assert_eq!(by_at[&10_100].text.as_deref(), Some("edited lighthouse"));
    assert_eq!(store.search_text(group, "lighthouse", 10).unwrap(), vec![by_at[&10_100].id]);
    assert!(store.search_text(group, "word100", 10).unwrap().is_empty());
    let member = |platform_id: &str| data.members.iter().find(|member| member.platform_id == platform_id).unwrap();
    assert_eq!((member("U5").joined_at, member("U5").left_at), (Some(1_000), None));
    assert_eq!((member("U6").joined_at, member("U6").left_at), (Some(1_500), Some(90_000)));

    // The same export again: the group now holds rows, so this goes through the indexes.
    // (m100 is in it twice: changed back to its first text, then edited again.)
    let (_, again) = write_events(&mut store, &events);
    assert_eq!((again.messages, again.joins, again.duplicates, again.updated), (0, 0, 30_007, 2));
    assert_eq!(store.search_text(group, "lighthouse", 10).unwrap(), vec![by_at[&10_100].id]);
    assert_eq!(store.group_counts(group).unwrap().messages, 30_000);
    assert!(store.fts_integrity_ok().unwrap());

    // A later export of the same group: a reply to a message of the first import, and a
    // leave after member 5's last join.
    let later = vec![
        Event {
            platform_id: "late".into(),
            at: 100_000,
            parent: Some("m7".into()),
            text: Some("late reply".into()),
            kind: ActivityKind::Reply,
            member: 1,
        },
        Event { platform_id: "l5b".into(), at: 100_001, parent: None, text: None, kind: ActivityKind::Leave, member: 5 },
    ];
    write_events(&mut store, &later);
    let data = store.load_group_data(&store.group(group).unwrap().unwrap()).unwrap();
    let late = data.activities.iter().find(|activity| activity.at == 100_000).unwrap();
    assert_eq!(data.activities.iter().find(|activity| Some(activity.id) == late.parent_id).map(|parent| parent.at), Some(10_007));
    let member5 = data.members.iter().find(|member| member.platform_id == "U5").unwrap();
    assert_eq!((member5.joined_at, member5.left_at), (Some(1_000), Some(100_001)));
}

#[test]
fn a_bulk_import_that_fails_leaves_the_store_and_its_indexes_as_they_were() {
    let mut store = Store::open_in_memory().unwrap();
    let first = write(&mut store, &[("1", "kept")]);
    let schema = store.schema_sql().unwrap();
    {
        let mut tx = store.begin_import().unwrap();
        let group = tx
            .upsert_group(&NewGroup { platform: Platform::Discord, platform_id: "G2", name: "Lost", is_archive: true, is_demo: false }, 0)
            .unwrap();
        let channel = tx.upsert_channel(group, "C", "c").unwrap();
        let member = tx.upsert_member(group, &NewMember { platform_id: "U", display_name: "U", is_bot: false }).unwrap();
        for index in 0..25_000 {
            let platform_id = index.to_string();
            let activity = NewActivity {
                channel_id: channel,
                member_id: member,
                platform_id: &platform_id,
                kind: ActivityKind::Message,
                at: index,
                parent_platform_id: None,
                text: Some("lost"),
                raw_kind: None,
            };
            tx.insert_activity(group, &activity).unwrap();
        }
        // A member id the store does not have: refused, and the import is dropped unfinished.
        let bad = NewActivity {
            channel_id: channel,
            member_id: member + 1_000,
            platform_id: "bad",
            kind: ActivityKind::Message,
            at: 0,
            parent_platform_id: None,
            text: None,
            raw_kind: None,
        };
        let error = tx.insert_activity(group, &bad).unwrap_err();
        assert!(error.to_string().contains("member that is not in the store"), "{error}");
    }
    assert_eq!(store.schema_sql().unwrap(), schema);
    assert_eq!(store.group_count().unwrap(), 1);
    assert!(store.search_text(first, "lost", 10).unwrap().is_empty());
    assert!(store.fts_integrity_ok().unwrap());
    // Foreign keys are on again: deleting the group removes its rows.
    store.delete_group(first).unwrap();
    assert_eq!(store.group_counts(first).unwrap().messages, 0);
}

#[test]
fn deleting_a_group_that_holds_most_of_the_store_keeps_the_others_searchable() {
    let mut store = Store::open_in_memory().unwrap();
    let small = write(&mut store, &[("1", "the deploy failed again"), ("2", "lunch?")]);
    let schema = store.schema_sql().unwrap();
    // Deleted before the indexes left for after the import's commit were built: the
    // deletion builds them first.
    let (big, _) = write_events(&mut store, &bulk_events());
    assert_eq!(store.missing_indexes().unwrap().len(), 3);
    store.delete_group(big).unwrap();
    assert_eq!(store.schema_sql().unwrap(), schema);
    assert!(store.fts_integrity_ok().unwrap());
    assert_eq!(store.group_counts(big).unwrap(), Default::default());
    assert!(store.search_text(big, "common", 10).unwrap().is_empty());
    assert_eq!(store.search_text(small, "deploy", 10).unwrap().len(), 1);
    assert_eq!(store.group_counts(small).unwrap().messages, 2);
}

/// The process may end between a large import's commit and the indexes it leaves for after
/// it (the CLI builds them after printing its summary). What a killed process leaves on disk
/// is the database file and its WAL as they are: copied here while the store is still open,
/// before those indexes exist, and opened as the next start would open them.
#[test]
fn a_store_left_between_an_import_and_its_last_indexes_loses_nothing_and_builds_them_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let fresh_schema = Store::open_in_memory().unwrap().schema_sql().unwrap();
    let mut store = Store::open(&path).unwrap();
    let events = bulk_events();
    let (group, counts) = write_events(&mut store, &events);
    assert_eq!(store.missing_indexes().unwrap().len(), 3);
    // Ready for the dashboard and for search before they exist.
    assert_eq!(store.group_counts(group).unwrap().messages, 30_000);
    assert_eq!(store.search_text(group, "lighthouse", 10).unwrap().len(), 1);

    let crashed = dir.path().join("crashed");
    std::fs::create_dir(&crashed).unwrap();
    let mut copied = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        // The shared-memory index is rebuilt from the WAL by whoever opens the store next.
        if name.starts_with("store.sqlite") && !name.ends_with("-shm") {
            std::fs::copy(entry.path(), crashed.join(&name)).unwrap();
            copied += 1;
        }
    }
    assert_eq!(copied, 2, "the database file and its WAL (the commit is still in the WAL)");
    drop(store);

    let mut reopened = Store::open(&crashed.join("store.sqlite")).unwrap();
    assert!(reopened.missing_indexes().unwrap().is_empty());
    assert_eq!(reopened.schema_sql().unwrap(), fresh_schema);
    assert!(reopened.fts_integrity_ok().unwrap());
    let stored = reopened.group_counts(group).unwrap();
    assert_eq!((stored.messages, stored.members), (counts.messages, 7));
    assert_eq!(reopened.search_text(group, "lighthouse", 10).unwrap().len(), 1);
    // The unique key is back: the same export again is all duplicates.
    let (_, again) = write_events(&mut reopened, &events);
    assert_eq!((again.messages, again.duplicates), (0, 30_007));
}

/// An import into a store whose last import's indexes were never built builds them first:
/// it finds the stored rows through the unique key.
#[test]
fn an_import_builds_the_indexes_an_earlier_import_left_before_it_starts() {
    let mut store = Store::open_in_memory().unwrap();
    let events = bulk_events();
    write_events(&mut store, &events);
    assert_eq!(store.missing_indexes().unwrap().len(), 3);
    let (group, again) = write_events(&mut store, &events);
    assert_eq!((again.messages, again.duplicates), (0, 30_007));
    assert!(store.missing_indexes().unwrap().is_empty());
    assert_eq!(store.group_counts(group).unwrap().messages, 30_000);
}
