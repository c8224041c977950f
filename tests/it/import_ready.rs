//! The desktop app's import path: `api::import_paths` returns at the commit, ready for the
//! dashboard and for search, and the indexes a large import leaves for after it are built
//! one at a time (`api::build_next_missing_index`), in the background; a store reopened
//! before they were built opens without waiting for them and gets them the same way.

use hearth::api::{self, archive};
use hearth::import::ImportOptions;
use hearth::model::UnixSeconds;
use hearth::store::Store;

const NOW: UnixSeconds = 1_800_000_000;
/// Past the 2,000 rows after which an import into a new group drops its indexes.
const MESSAGES: u64 = 6_000;

#[test]
fn the_desktop_import_is_ready_at_the_commit_and_the_rest_is_built_one_index_at_a_time() {
    let folder = tempfile::tempdir().unwrap();
    let export = crate::support::generated_telegram_export(folder.path(), MESSAGES);
    let path = folder.path().join("store.sqlite");
    let fresh_schema = Store::open(&folder.path().join("fresh.sqlite")).unwrap().schema_sql().unwrap();

    let mut store = api::open_store_deferring_indexes(&path, &mut |_| {}).unwrap();
    let summary = api::import_paths(&mut store, std::slice::from_ref(&export), None, &ImportOptions::default(), NOW, &mut |_| {}).unwrap();
    assert_eq!(summary.messages, MESSAGES);
    // Returned at the commit: three indexes are still to be built, and the summary says so.
    assert_eq!(summary.indexes_to_build, 3);
    assert_eq!(api::missing_indexes(&store).unwrap(), 3);
    let group = summary.groups[0].id;
    // Ready for the dashboard and for search meanwhile, from another connection too.
    let reader = api::open_store_deferring_indexes(&path, &mut |_| {}).unwrap();
    assert_eq!(api::groups(&reader).unwrap()[0].messages, MESSAGES);
    api::dashboard(&reader, group, NOW).unwrap();
    let hits = archive::search(&reader, group, "word4242", 10).unwrap();
    assert_eq!(hits.hits.len(), 1);
    assert_eq!(api::missing_indexes(&reader).unwrap(), 3, "a reading connection does not build them");
    drop(reader);

    // The app closed before building them: the next open does not wait for them...
    drop(store);
    let mut store = api::open_store_deferring_indexes(&path, &mut |_| {}).unwrap();
    assert_eq!(api::missing_indexes(&store).unwrap(), 3);
    // ...and builds them one at a time, each its own transaction; other writes go in between.
    let total = api::missing_indexes(&store).unwrap();
    let mut steps = Vec::new();
    while let Some(progress) = api::build_next_missing_index(&mut store, steps.len() as u64, total).unwrap() {
        steps.push((progress.done, progress.total));
        assert_eq!(api::missing_indexes(&store).unwrap(), 3 - steps.len() as u64);
        api::set_setting(&mut store, &group.0.to_string(), "health.metrics.stickiness.high", "0.5432", NOW).unwrap();
    }
    assert_eq!(steps, [(1, Some(3)), (2, Some(3)), (3, Some(3))]);
    assert_eq!(store.schema_sql().unwrap(), fresh_schema);
    assert!(store.fts_integrity_ok().unwrap());
    assert!(api::build_next_missing_index(&mut store, 3, 3).unwrap().is_none());

    // Nothing was lost: the same export again is all duplicates, and a small import leaves
    // nothing to build.
    let again = api::import_paths(&mut store, &[export], None, &ImportOptions::default(), NOW, &mut |_| {}).unwrap();
    assert_eq!((again.messages, again.duplicates, again.indexes_to_build), (0, MESSAGES, 0));
}

#[test]
fn the_cli_path_still_returns_with_every_index_built() {
    let folder = tempfile::tempdir().unwrap();
    let export = crate::support::generated_telegram_export(folder.path(), MESSAGES);
    let mut store = Store::open(&folder.path().join("store.sqlite")).unwrap();
    let summary = api::import(&mut store, &export, None, NOW, &mut |_| {}).unwrap();
    assert_eq!((summary.messages, summary.indexes_to_build), (MESSAGES, 0));
    assert_eq!(api::missing_indexes(&store).unwrap(), 0);
}
