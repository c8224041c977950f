//! The store: the only module that uses rusqlite. It owns the schema and its migrations,
//! the writes of importers and of the demo generator, and the queries that load a group's
//! rows for the analytics. It computes no metrics.

mod app_settings;
mod archive;
mod groups;
mod load;
mod people;
mod review;
mod settings;
mod writer;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};

use crate::model::{CancelFlag, Progress, ProgressSink};

pub use archive::{Anchor, ArchiveChannel, ArchiveMessage, ArchivePage, ParentRef, SearchHit, SnippetPart};
pub use load::{ChangeMarker, DemoTruth, GroupCounts};
pub use people::{MemberMessage, MemberNote};
pub use review::{DecisionLogEntry, FlagDecision, FlagUpsert, NewFlag, StoredFlag, WarningAction};
pub use writer::{
    configure_sqlite_for_process, FastHasher, FastMap, FastSet, ImportTx, NewActivity, NewGroup, NewMember, WriteCounts, BUILDING_INDEXES,
};

/// One step of the schema: its SQL and, for a migration that rewrites every message, the
/// rewriting itself in Rust, done in chunks that report their progress (a store of millions
/// of messages takes seconds, and the window shows how far it is).
struct Migration {
    name: &'static str,
    sql: &'static str,
    rows: Option<fn(&Connection, ProgressSink) -> rusqlite::Result<()>>,
}

/// Embedded migrations, in order. A released migration is never edited: add a new file.
/// Keep the list in number order: the schema version is the list's length.
const MIGRATIONS: &[Migration] = &[
    Migration { name: "0001_initial", sql: include_str!("migrations/0001_initial.sql"), rows: None },
    Migration { name: "0002_group_settings", sql: include_str!("migrations/0002_group_settings.sql"), rows: None },
    Migration { name: "0003_review_queue", sql: include_str!("migrations/0003_review_queue.sql"), rows: None },
    Migration { name: "0004_activity_key_index", sql: include_str!("migrations/0004_activity_key_index.sql"), rows: None },
    Migration { name: "0005_archive_index", sql: include_str!("migrations/0005_archive_index.sql"), rows: None },
    Migration { name: "0006_member_notes", sql: include_str!("migrations/0006_member_notes.sql"), rows: None },
    Migration { name: "0007_app_settings", sql: include_str!("migrations/0007_app_settings.sql"), rows: None },
    Migration { name: "0008_partial_parent_index", sql: include_str!("migrations/0008_partial_parent_index.sql"), rows: None },
    Migration {
        name: "0009_search_index_without_sizes",
        sql: include_str!("migrations/0009_search_index_without_sizes.sql"),
        rows: Some(fill_search_index),
    },
];

/// Activities indexed per statement when the search index is filled again: about 20 ms of
/// work each, so progress moves smoothly and no statement holds the connection for long.
const FILL_CHUNK: i64 = 20_000;

/// Fills the (new, empty) search index from every activity's text, in chunks of rowids,
/// reporting the activities done of all. The same rows as FTS5's `'rebuild'`, which is one
/// statement whose progress cannot be seen.
fn fill_search_index(conn: &Connection, progress: ProgressSink) -> rusqlite::Result<()> {
    let total: i64 = conn.query_row("SELECT COUNT(*) FROM activities", [], |row| row.get(0))?;
    let step = "Upgrading the store: rebuilding the search index";
    progress(&Progress::items(step, 0, Some(total as u64)));
    let mut chunk_end = conn.prepare(&format!("SELECT id FROM activities WHERE id > ?1 ORDER BY id LIMIT 1 OFFSET {}", FILL_CHUNK - 1))?;
    let mut fill = conn.prepare(
        "INSERT INTO activity_fts (rowid, text) SELECT id, text FROM activities WHERE id > ?1 AND id <= ?2 AND text IS NOT NULL",
    )?;
    let mut after = i64::MIN;
    let mut done: i64 = 0;
    loop {
        let end: Option<i64> = chunk_end.query_row([after], |row| row.get(0)).optional()?;
        fill.execute([after, end.unwrap_or(i64::MAX)])?;
        match end {
            Some(end) => {
                done = (done + FILL_CHUNK).min(total);
                after = end;
                progress(&Progress::items(step, done as u64, Some(total as u64)));
            }
            None => break,
        }
    }
    progress(&Progress::items(step, total as u64, Some(total as u64)));
    Ok(())
}

/// How long a write waits for another connection's write to end before it fails as busy.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store {path} was written by a newer Hearth (schema version {found}, this build knows up to {supported}); \
         update Hearth, or open another store with --db"
    )]
    NewerSchema { path: String, found: i64, supported: i64 },
    #[error("cannot open the store {path}: {source}; check that the folder exists and is writable, or pick another with --db")]
    Open { path: String, source: rusqlite::Error },
    #[error("cannot create the folder {path} for the store: {source}")]
    CreateDir { path: String, source: std::io::Error },
    #[error("migration {name} failed: {source}")]
    Migration { name: &'static str, source: rusqlite::Error },
    #[error(
        "migration {name} would leave rows of the table {table} referring to missing rows; the store was left as it was; \
         keep using the older Hearth with this store and report the problem"
    )]
    MigrationForeignKeys { name: &'static str, table: String },
    #[error("an import referred to a {what} that is not in the store (row id {id}); nothing was written; this is a bug in Hearth, please report it")]
    MissingReference { what: &'static str, id: i64 },
    #[error("store query failed: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The import was asked to stop; its transaction was dropped, so nothing was written.
    #[error("the import was cancelled before it finished; the store is unchanged")]
    Cancelled,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    /// Checked by every write of an import: once raised, the import stops at its next
    /// write and its transaction is dropped. See [`Store::set_import_cancel`].
    cancel: CancelFlag,
    /// Unique among the connections this process opened (see [`Store::change_marker`]).
    connection: u64,
}

/// The next [`Store::connection`] number.
static CONNECTIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_connection() -> u64 {
    CONNECTIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_reporting(path, &mut |_| {})
    }

    /// [`Store::open`], reporting the progress of a migration that rewrites every message
    /// (nothing is reported when the schema is up to date).
    pub fn open_reporting(path: &Path, progress: ProgressSink) -> Result<Store> {
        let mut store = Store::open_deferring_indexes(path, progress)?;
        store.build_indexes_left_by_an_import()?;
        Ok(store)
    }

    /// [`Store::open_reporting`] without building the indexes a bulk import left for after
    /// its commit (see [`Store::missing_indexes`]): for a caller that builds them in the
    /// background, one at a time ([`Store::build_next_missing_index`]), while it answers
    /// queries (correct without them, only slower).
    pub fn open_deferring_indexes(path: &Path, progress: ProgressSink) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir { path: parent.display().to_string(), source })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open { path: path.display().to_string(), source })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let mut store = Store { conn, path: Some(path.to_path_buf()), cancel: CancelFlag::default(), connection: next_connection() };
        store.configure()?;
        store.migrate(progress)?;
        Ok(store)
    }

    /// A private store in memory, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open { path: ":memory:".into(), source })?;
        let mut store = Store { conn, path: None, cancel: CancelFlag::default(), connection: next_connection() };
        store.configure()?;
        store.migrate(&mut |_| {})?;
        Ok(store)
    }

    /// The flag the next imports watch: raising it stops the running import at its next
    /// write, before anything is committed. Reset it with `CancelFlag::default()`.
    pub fn set_import_cancel(&mut self, cancel: CancelFlag) {
        self.cancel = cancel;
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn display_path(&self) -> String {
        self.path.as_ref().map_or_else(|| ":memory:".to_string(), |path| path.display().to_string())
    }

    fn configure(&mut self) -> Result<()> {
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 64 MiB of page cache: imports touch several indexes per row.
        self.conn.pragma_update(None, "cache_size", -65_536)?;
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(())
    }

    fn migrate(&mut self, progress: ProgressSink) -> Result<()> {
        let found: i64 = self.conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema { path: self.display_path(), found, supported: SCHEMA_VERSION });
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        // Migrations that rebuild a table drop the old one while rows of other tables still
        // refer to it: foreign keys are off while they run (SQLite ignores the pragma inside
        // a transaction) and checked as a whole before the commit.
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        let migrated = self.apply_migrations(found, progress);
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        migrated
    }

    fn apply_migrations(&mut self, found: i64, progress: ProgressSink) -> Result<()> {
        // All pending migrations and the version bump commit together or not at all.
        let tx = self.conn.transaction()?;
        for Migration { name, sql, rows } in &MIGRATIONS[found as usize..] {
            tx.execute_batch(sql).map_err(|source| StoreError::Migration { name, source })?;
            if let Some(rows) = rows {
                rows(&tx, &mut *progress).map_err(|source| StoreError::Migration { name, source })?;
            }
            let dangling: Option<String> =
                tx.query_row("SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1", [], |row| row.get(0)).optional()?;
            if let Some(table) = dangling {
                return Err(StoreError::MigrationForeignKeys { name, table });
            }
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(())
    }

    /// The schema as SQLite reports it, for the snapshot test that catches accidental edits.
    pub fn schema_sql(&self) -> Result<String> {
        let mut statement = self
            .conn
            .prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'activity_fts_%' ORDER BY type, name")?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
        let mut out = String::new();
        for sql in rows {
            out.push_str(&sql?);
            out.push_str(";\n");
        }
        Ok(out)
    }

    /// Whether the bundled SQLite was built with FTS5 (search depends on it).
    pub fn fts5_enabled(&self) -> Result<bool> {
        Ok(self.conn.query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |row| row.get::<_, i64>(0))? == 1)
    }

    /// Whether the search index agrees with the activities it indexes (FTS5's own check).
    pub fn fts_integrity_ok(&self) -> Result<bool> {
        match self.conn.execute("INSERT INTO activity_fts (activity_fts, rank) VALUES ('integrity-check', 1)", []) {
            Ok(_) => Ok(true),
            Err(rusqlite::Error::SqliteFailure(error, _)) if error.code == rusqlite::ErrorCode::DatabaseCorrupt => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Sets the schema version of a closed store file, so tests can fake a newer Hearth.
    #[doc(hidden)]
    pub fn set_user_version_for_tests(path: &Path, version: i64) {
        let conn = Connection::open(path).expect("the store file opens");
        conn.pragma_update(None, "user_version", version).expect("user_version is writable");
    }

    /// Activity ids whose text matches an FTS5 query, in a group, newest first.
    pub fn search_text(&self, group: crate::model::GroupId, query: &str, limit: usize) -> Result<Vec<i64>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT a.id FROM activity_fts f JOIN activities a ON a.id = f.rowid
             WHERE activity_fts MATCH ?1 AND a.group_id = ?2 ORDER BY a.at DESC LIMIT ?3",
        )?;
        let rows = statement.query_map(rusqlite::params![query, group.0, limit as i64], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_store_is_at_current_version_with_fts5() {
        let store = Store::open_in_memory().unwrap();
        let version: i64 = store.conn.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        assert!(store.fts5_enabled().unwrap());
    }

    #[test]
    fn store_from_a_newer_hearth_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        {
            let store = Store::open(&path).unwrap();
            store.conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        }
        let error = Store::open(&path).err().expect("a newer schema must be refused");
        assert!(matches!(error, StoreError::NewerSchema { found, .. } if found == SCHEMA_VERSION + 1));
        assert!(error.to_string().contains("newer Hearth"), "{error}");
    }

    #[test]
    fn a_version_1_store_keeps_its_rows_and_search_through_migration_0004() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0].sql).unwrap();
            conn.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO groups (id, platform, platform_id, name, created_at) VALUES (1, 'slack', 'T1', 'Old', 0);
                 INSERT INTO channels (id, group_id, platform_id, name) VALUES (1, 1, 'C1', 'general');
                 INSERT INTO members (id, group_id, platform_id, display_name) VALUES (1, 1, 'U1', 'Ada');
                 INSERT INTO activities (id, group_id, channel_id, member_id, platform_id, kind, at, text)
                     VALUES (5, 1, 1, 1, 'p1', 'message', 100, 'harbour lights');
                 INSERT INTO activities (id, group_id, channel_id, member_id, platform_id, kind, at, parent_platform_id, parent_id, text)
                     VALUES (9, 1, 1, 1, 'p2', 'reply', 200, 'p1', 5, 'seen them');
                 INSERT INTO activity_fts (rowid, text) SELECT id, text FROM activities;",
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let rows: Vec<(i64, String, Option<i64>)> = store
            .conn
            .prepare("SELECT id, platform_id, parent_id FROM activities ORDER BY id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, vec![(5, "p1".to_string(), None), (9, "p2".to_string(), Some(5))]);
        assert!(store.fts_integrity_ok().unwrap());
        assert_eq!(store.search_text(crate::model::GroupId(1), "harbour", 10).unwrap(), vec![5]);
        let foreign_keys: bool = store.conn.pragma_query_value(None, "foreign_keys", |row| row.get(0)).unwrap();
        assert!(foreign_keys);
        // The key is still unique, now through the named index.
        let duplicate = store.conn.execute(
            "INSERT INTO activities (group_id, channel_id, member_id, platform_id, kind, at) VALUES (1, 1, 1, 'p1', 'message', 1)",
            [],
        );
        assert!(duplicate.is_err());
        store.delete_group(crate::model::GroupId(1)).unwrap();
        let left: i64 = store.conn.query_row("SELECT COUNT(*) FROM activities", [], |row| row.get(0)).unwrap();
        assert_eq!(left, 0);
    }

    /// The plan SQLite picks for `sql`, one line per step.
    fn plan(conn: &Connection, sql: &str) -> String {
        let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = statement.query_map([], |row| row.get::<_, String>(3)).unwrap();
        rows.collect::<Result<Vec<_>, _>>().unwrap().join("\n")
    }

    /// A store at schema `version` (its first migrations only) with one Slack group, channel
    /// and member (ids 1), then `activities` (SQL) and their search index rows.
    fn store_at_version(path: &Path, version: usize, activities: &str) -> Connection {
        let conn = Connection::open(path).unwrap();
        for migration in &MIGRATIONS[..version] {
            conn.execute_batch(migration.sql).unwrap();
            if let Some(rows) = migration.rows {
                rows(&conn, &mut |_| {}).unwrap();
            }
        }
        conn.execute_batch(&format!(
            "PRAGMA user_version = {version};
             INSERT INTO groups (id, platform, platform_id, name, created_at) VALUES (1, 'slack', 'T1', 'Old', 0);
             INSERT INTO channels (id, group_id, platform_id, name) VALUES (1, 1, 'C1', 'general');
             INSERT INTO members (id, group_id, platform_id, display_name) VALUES (1, 1, 'U1', 'Ada');
             {activities}
             INSERT INTO activity_fts (rowid, text) SELECT id, text FROM activities;"
        ))
        .unwrap();
        conn
    }

    #[test]
    fn a_version_7_store_gets_the_partial_parent_index_and_every_parent_lookup_uses_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        {
            let conn = store_at_version(
                &path,
                7,
                "INSERT INTO activities (id, group_id, channel_id, member_id, platform_id, kind, at, text)
                     VALUES (5, 1, 1, 1, 'p1', 'message', 100, 'harbour lights');
                 INSERT INTO activities (id, group_id, channel_id, member_id, platform_id, kind, at, parent_platform_id, parent_id, text)
                     VALUES (9, 1, 1, 1, 'p2', 'reply', 200, 'p1', 5, 'seen them');",
            );
            let old: String =
                conn.query_row("SELECT sql FROM sqlite_schema WHERE name = 'activities_parent'", [], |row| row.get(0)).unwrap();
            assert!(!old.contains("WHERE"), "{old}");
        }
        let store = Store::open(&path).unwrap();
        let conn = &store.conn;
        let (sql, entries): (String, i64) = conn
            .query_row(
                "SELECT sql, (SELECT COUNT(*) FROM activities INDEXED BY activities_parent WHERE parent_id IS NOT NULL)
                 FROM sqlite_schema WHERE name = 'activities_parent'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(sql, writer::ACTIVITY_INDEXES.iter().find(|(name, _)| *name == "activities_parent").unwrap().1);
        assert_eq!(entries, 1);
        // The shapes of the store's queries on parents (store/archive.rs: the replies and
        // reactions counted under a message, a thread's rows): each is an equality on
        // parent_id, which implies `parent_id IS NOT NULL`, so the partial index serves it.
        let counts = "SELECT a.id, (SELECT COUNT(*) FROM activities c WHERE c.parent_id = a.id AND c.kind = 'reply'),
                             (SELECT COUNT(*) FROM activities c WHERE c.parent_id = a.id AND c.kind = 'reaction')
                      FROM activities a WHERE a.id = 5";
        let thread = "WITH RECURSIVE thread(id) AS (
                          SELECT 5 UNION SELECT c.id FROM activities c JOIN thread t ON c.parent_id = t.id WHERE c.kind = 'reply'
                      ) SELECT id FROM thread";
        for query in [counts, thread] {
            let plan = plan(conn, query);
            assert!(plan.contains("USING INDEX activities_parent (parent_id=?)"), "{query}\n{plan}");
            assert!(!plan.contains("SCAN c"), "{query}\n{plan}");
        }
        // The foreign key's ON DELETE SET NULL finds the replies to a deleted row through it
        // too: deleting the parent steps through no table scan.
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        let mut delete = conn.prepare("DELETE FROM activities WHERE id = 5").unwrap();
        assert_eq!(delete.execute([]).unwrap(), 1);
        assert_eq!(delete.get_status(rusqlite::StatementStatus::FullscanStep), 0);
        drop(delete);
        let orphan: Option<i64> = conn.query_row("SELECT parent_id FROM activities WHERE id = 9", [], |row| row.get(0)).unwrap();
        assert_eq!(orphan, None);
        // Without the index the same delete scans the table: the counter above can tell.
        conn.execute_batch(
            "DROP INDEX activities_parent;
             INSERT INTO activities (id, group_id, channel_id, member_id, platform_id, kind, at, parent_platform_id, parent_id)
                 VALUES (12, 1, 1, 1, 'p3', 'reply', 300, 'p2', 9);",
        )
        .unwrap();
        let mut delete = conn.prepare("DELETE FROM activities WHERE id = 9").unwrap();
        assert_eq!(delete.execute([]).unwrap(), 1);
        assert!(delete.get_status(rusqlite::StatementStatus::FullscanStep) > 0);
    }

    #[test]
    fn a_version_8_store_gets_a_search_index_without_sizes_that_finds_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        {
            let conn = store_at_version(
                &path,
                8,
                "INSERT INTO activities (id, group_id, channel_id, member_id, platform_id, kind, at, text)
                     VALUES (5, 1, 1, 1, 'p1', 'message', 100, 'Harbour lights at the café');
                 INSERT INTO activities (id, group_id, channel_id, member_id, platform_id, kind, at, parent_platform_id, parent_id, text)
                     VALUES (9, 1, 1, 1, 'p2', 'reply', 200, 'p1', 5, 'seen the harbour lights');
                 INSERT INTO activities (id, group_id, channel_id, member_id, platform_id, kind, at, parent_platform_id, parent_id)
                     VALUES (12, 1, 1, 1, 'p3', 'reaction', 300, 'p1', 5);",
            );
            let docsizes: i64 = conn.query_row("SELECT COUNT(*) FROM activity_fts_docsize", [], |row| row.get(0)).unwrap();
            assert_eq!(docsizes, 3);
        }
        let store = Store::open(&path).unwrap();
        let sizes_kept: bool = store
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'activity_fts_docsize')", [], |row| row.get(0))
            .unwrap();
        assert!(!sizes_kept);
        assert!(store.fts_integrity_ok().unwrap());
        let group = crate::model::GroupId(1);
        assert_eq!(store.search_text(group, "harbour", 10).unwrap(), vec![9, 5]);
        assert_eq!(store.search_text(group, "\"harbour lights\"", 10).unwrap(), vec![9, 5]);
        assert_eq!(store.search_text(group, "\"lights at\"", 10).unwrap(), vec![5]);
        assert_eq!(store.search_text(group, "cafe", 10).unwrap(), vec![5]);
        assert_eq!(store.search_text(group, "\"se\"*", 10).unwrap(), vec![9]);
        // Snippets count the tokens of the rows they show themselves.
        let hits = store.search_messages(group, "\"lights\"", 10).unwrap();
        let marked: Vec<String> = hits
            .iter()
            .map(|hit| hit.snippet.iter().filter(|part| part.hit).map(|part| part.text.clone()).collect::<Vec<_>>().join(","))
            .collect();
        assert_eq!(marked, vec!["lights".to_string(), "lights".to_string()]);
    }

    #[test]
    fn migrating_many_activities_reports_the_search_index_filling_chunk_by_chunk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        // Two and a quarter chunks of rows, ids with gaps, every tenth without text.
        drop(store_at_version(
            &path,
            8,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 45001)
             INSERT INTO activities (id, group_id, channel_id, member_id, platform_id, kind, at, text)
                 SELECT i * 3, 1, 1, 1, 'p' || i, 'message', i, CASE WHEN i % 10 = 0 THEN NULL ELSE 'row' || i END FROM n;",
        ));
        let mut reports = Vec::new();
        let store = Store::open_reporting(&path, &mut |progress| reports.push(progress.clone())).unwrap();
        assert!(reports.len() >= 4, "a start, three chunks and the end: {reports:?}");
        assert!(reports.iter().all(|report| report.total == Some(45_001)));
        assert!(reports.windows(2).all(|pair| pair[0].done <= pair[1].done));
        assert_eq!(reports.first().unwrap().done, 0);
        assert!(reports.last().unwrap().finished());
        assert!(store.fts_integrity_ok().unwrap());
        let group = crate::model::GroupId(1);
        assert_eq!(store.search_text(group, "row1", 10).unwrap(), vec![3]);
        assert_eq!(store.search_text(group, "row45001", 10).unwrap(), vec![135_003]);
        assert_eq!(store.search_text(group, "row40000", 10).unwrap(), Vec::<i64>::new());
        let indexed: i64 =
            store.conn.query_row("SELECT COUNT(*) FROM activity_fts WHERE activity_fts MATCH 'row*'", [], |row| row.get(0)).unwrap();
        assert_eq!(indexed, 45_001 - 4_500);
        // Opening an up-to-date store reports nothing.
        drop(store);
        let mut again = 0;
        drop(Store::open_reporting(&path, &mut |_| again += 1).unwrap());
        assert_eq!(again, 0);
    }

    #[test]
    fn a_store_missing_an_import_index_opens_without_waiting_while_another_connection_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        drop(Store::open(&path).unwrap());
        let writer = Connection::open(&path).unwrap();
        writer.execute_batch("DROP INDEX activities_channel_at; BEGIN IMMEDIATE;").unwrap();
        // The writer holds the lock: the new connection opens at once (not after the
        // 10 s busy timeout) and leaves the index for later.
        let started = std::time::Instant::now();
        let store = Store::open(&path).unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "waited {:?}", started.elapsed());
        assert_eq!(store.missing_indexes().unwrap(), vec!["activities_channel_at"]);
        drop(store);
        writer.execute_batch("COMMIT").unwrap();
        // With the lock free, opening builds it.
        let store = Store::open(&path).unwrap();
        assert!(store.missing_indexes().unwrap().is_empty());
    }

    #[test]
    fn reopening_does_not_migrate_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/store.sqlite");
        drop(Store::open(&path).unwrap());
        let store = Store::open(&path).unwrap();
        let mode: String = store.conn.pragma_query_value(None, "journal_mode", |row| row.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }
}
