//! Writes of one import (or one demo generation) in one transaction: either the whole
//! archive lands or the store is exactly as it was. Rows are keyed by platform ids, so
//! writing the same archive twice changes nothing but the counts of duplicates.
//!
//! Speed: a large import into a group that holds nothing yet runs without the activities'
//! indexes. It finds duplicates and reply parents in an in-memory map of the platform ids it
//! wrote, drops three of the five indexes once it has written enough rows, and builds them
//! after its commit in one sorted pass each — much cheaper than a million random B-tree
//! inserts. The two the dashboard and search need at the commit (`READY_INDEXES`) are kept
//! up to date by the writer thread while the parser reads on. Imports
//! into groups that already hold rows use the indexes as before. Everything stays in the
//! one transaction, so an error or a crash still leaves the store as it was.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::JoinHandle;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

use super::{Result, Store, StoreError};
use crate::model::{ActivityKind, CancelFlag, GroupId, Platform, Progress, ProgressSink, UnixSeconds};

pub struct NewGroup<'a> {
    pub platform: Platform,
    pub platform_id: &'a str,
    pub name: &'a str,
    pub is_archive: bool,
    pub is_demo: bool,
}

pub struct NewMember<'a> {
    pub platform_id: &'a str,
    pub display_name: &'a str,
    pub is_bot: bool,
}

pub struct NewActivity<'a> {
    pub channel_id: i64,
    pub member_id: i64,
    pub platform_id: &'a str,
    pub kind: ActivityKind,
    pub at: UnixSeconds,
    pub parent_platform_id: Option<&'a str>,
    pub text: Option<&'a str>,
    pub raw_kind: Option<&'a str>,
}

/// What one import wrote. `duplicates` are activities that were already in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct WriteCounts {
    pub groups: u64,
    pub channels: u64,
    pub members: u64,
    pub messages: u64,
    pub reactions: u64,
    pub joins: u64,
    pub leaves: u64,
    pub duplicates: u64,
    pub updated: u64,
}

/// Process-wide SQLite settings that make an import's writes cheaper, for a program's
/// `main` to call before it opens a store:
/// - no memory statistics (`SQLITE_CONFIG_MEMSTATUS` off): SQLite otherwise takes a global
///   mutex around every allocation to count it (about 6 % of the import's writer thread:
///   each bound text is copied into an allocation), and nothing in Hearth reads the counts;
/// - a larger per-connection lookaside (`SQLITE_CONFIG_LOOKASIDE`, 256 slots of 1,200 bytes,
///   300 KB per connection; the default is 40): the texts bound to a 64-row `INSERT` (four
///   per row) then come from it instead of `malloc`.
///
/// Returns whether SQLite took them (it refuses once it has been initialised, which opening
/// a connection does; everything then works as before).
///
/// # Safety
///
/// `sqlite3_config` is not thread-safe: no other thread may use SQLite while this runs.
/// Call it first thing in `main`, before any thread starts.
pub unsafe fn configure_sqlite_for_process() -> bool {
    use rusqlite::ffi;
    use std::os::raw::c_int;
    // SAFETY: the caller guarantees that no other thread uses SQLite meanwhile; both calls
    // take plain integers, as these options expect.
    unsafe {
        let statistics = ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int);
        let lookaside = ffi::sqlite3_config(ffi::SQLITE_CONFIG_LOOKASIDE, 1200 as c_int, 256 as c_int);
        statistics == ffi::SQLITE_OK && lookaside == ffi::SQLITE_OK
    }
}

/// The activities' indexes, with the schema's own statements (migrations 0004, 0005 and
/// 0008), so that the schema reads the same after a bulk import has dropped and rebuilt
/// them.
pub(super) const ACTIVITY_INDEXES: &[(&str, &str)] = &[
    ("activities_key", "CREATE UNIQUE INDEX activities_key ON activities (group_id, platform_id)"),
    ("activities_group_at", "CREATE INDEX activities_group_at ON activities (group_id, at)"),
    ("activities_member_at", "CREATE INDEX activities_member_at ON activities (member_id, at)"),
    ("activities_parent", "CREATE INDEX activities_parent ON activities (parent_id) WHERE parent_id IS NOT NULL"),
    ("activities_channel_at", "CREATE INDEX activities_channel_at ON activities (channel_id, at, id)"),
];

/// The activity indexes the dashboard and search need at the commit: the dashboard loads a
/// group's rows in time order and counts them (`activities_group_at`), and every search hit
/// and archive line counts its replies and reactions (`activities_parent`). A bulk import
/// keeps these two up to date while it writes rows, on the writer thread, instead of
/// dropping them and sorting every row again after the last one: that sort ran on the
/// import's critical path between its last row and its commit (~0.7 s of ~1.1 s at 1.17M
/// rows), while the writer thread, which now carries the entries, waits for the parser
/// for part of the import. The other three (the unique key, which only imports use, the
/// profile's `activities_member_at` and the archive browser's `activities_channel_at`) are
/// dropped and built right after the commit, by [`Store::build_missing_indexes`]: their
/// queries stay correct meanwhile, only slower, and a store closed before they exist
/// builds them when it is opened again (or before the next import or group deletion).
const READY_INDEXES: &[&str] = &["activities_group_at", "activities_parent"];

/// The checkpoint size SQLite uses by default (pages): an import turns the automatic
/// checkpoint off until it has committed, and sets this back (see `begin_import`).
const DEFAULT_WAL_AUTOCHECKPOINT: i64 = 1000;

/// Rows written by one INSERT statement (11 parameters each, far below SQLite's limit).
const BATCH_ROWS: usize = 64;

/// Rows handed to the writer thread at a time (written in statements of `BATCH_ROWS`).
const SEND_ROWS: usize = 8 * BATCH_ROWS;

/// Batches waiting for the writer thread at most: the parser runs at most this far ahead,
/// so memory stays bounded (a batch holds `SEND_ROWS` rows with their texts, ~60 KB for
/// chat messages). Enough for the parser to go on while the writer adds a chunk of rows
/// to the search index (`SEARCH_CHUNK_ROWS`).
const QUEUED_BATCHES: usize = 128;

/// The bulk path's INSERT. `OR FAIL`, not the default `ABORT`: a failing row then does not
/// need the statement's earlier rows undone, so SQLite keeps no statement journal for a
/// multi-row statement (it copied every page the statement changed that existed before
/// it). A failed write fails the whole import, whose transaction is rolled back.
const INSERT_BULK: &str =
    "INSERT OR FAIL INTO activities (id, group_id, channel_id, member_id, platform_id, kind, at, parent_platform_id, parent_id, text, raw_kind)";

/// Rows an import writes with the indexes in place before it considers dropping them:
/// below this, random inserts into cached pages are cheap and a rebuild would not pay.
const BULK_AFTER_ROWS: u64 = 20_000;

/// The same for a store that held no activities before the import: the rebuild then sorts
/// only the import's own rows, which costs less than keeping three more indexes up to date row
/// by row (the first 20,000 rows of a large import spent ~0.15 s on their index entries).
const BULK_INTO_EMPTY_STORE_AFTER_ROWS: u64 = 2_000;

/// The indexes are dropped only when the import has written at least this share of what
/// the store held before it (1/8): rebuilding them costs a sort of every row in the store.
const BULK_SHARE_OF_STORE: i64 = 8;

/// Bounds of the in-memory key map, so that memory stays flat however large the export:
/// past them the indexes are rebuilt and the rest of the import uses them.
/// (3.5 million keys fill a hash table of 2^22 slots, about 70 MB, plus their text.)
const KEY_MAP_MAX_KEYS: usize = 3_500_000;
const KEY_MAP_MAX_BYTES: usize = 64 << 20;

/// FTS5's in-memory buffer for the bulk pass of the search index (its default is 1 MiB,
/// which flushes and merges many small segments).
const FTS_BULK_HASHSIZE: i64 = 32 << 20;
const FTS_DEFAULT_HASHSIZE: i64 = 1 << 20;
const FTS_DEFAULT_AUTOMERGE: i64 = 4;

fn key_hash(key: &str) -> u64 {
    let mut hasher = FastHasher::default();
    hasher.write(key.as_bytes());
    hasher.write_usize(key.len());
    hasher.finish()
}

/// A cheap, fixed hasher for the import's maps, which are probed several times per row:
/// eight bytes per step and a final mix (murmur3's), so that both the low bits (the
/// bucket) and the high bits (the tag) of the hash depend on every byte. SipHash cost
/// as much as parsing the row. The keys are an export's own ids: a crafted export could
/// at worst slow its own import down.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

const FAST_HASH_MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(FAST_HASH_MULTIPLIER).rotate_left(29);
    }
}

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        let mut hash = self.0;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        hash ^ (hash >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(word.try_into().expect("eight bytes")));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_i64(&mut self, value: i64) {
        self.add(value as u64);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }
}

/// A hash map with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
/// A hash set with [`FastHasher`].
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

/// The hasher of maps whose keys already are hashes.
#[derive(Default)]
struct PrehashedKey(u64);

impl Hasher for PrehashedKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Row ids below this are kept in a vector indexed by id (`IdSlots`): 4 bytes per id up to
/// the largest one seen, 16 MiB at most.
const DENSE_ID_LIMIT: i64 = 1 << 22;

/// Row id -> a small number (a slot), for the members and channels every row names: an
/// index into a vector for the row ids SQLite hands out (small and dense), a map for any
/// other. Looked up several times per row, where a hash map's hashing and probing showed.
#[derive(Default)]
struct IdSlots {
    /// Slot + 1 by row id; 0: none.
    dense: Vec<u32>,
    sparse: FastMap<i64, u32>,
}

impl IdSlots {
    fn get(&self, id: i64) -> Option<u32> {
        if (0..DENSE_ID_LIMIT).contains(&id) {
            self.dense.get(id as usize).and_then(|slot| slot.checked_sub(1))
        } else {
            self.sparse.get(&id).copied()
        }
    }

    fn contains(&self, id: i64) -> bool {
        self.get(id).is_some()
    }

    fn insert(&mut self, id: i64, slot: u32) {
        if (0..DENSE_ID_LIMIT).contains(&id) {
            let index = id as usize;
            if self.dense.len() <= index {
                self.dense.resize(index + 1, 0);
            }
            self.dense[index] = slot + 1;
        } else {
            self.sparse.insert(id, slot);
        }
    }
}

/// Where one platform id is: the row id (as an offset from the import's first row) and the
/// id's place in the arena, where its length comes first. Sixteen bytes per key with the
/// hash, so that a million keys take about 35 MB.
#[derive(Clone, Copy)]
struct KeySlot {
    row: u32,
    start: u32,
}

/// Platform id -> row id of the activities this import wrote into one group. The ids live
/// in one arena and the map holds their 64-bit hashes; two ids with the same hash (which
/// is possible, if rare) are told apart by comparing the text, and the later one is kept
/// by its text in `collisions`.
#[derive(Default)]
struct KeyMap {
    slots: HashMap<u64, KeySlot, BuildHasherDefault<PrehashedKey>>,
    arena: Vec<u8>,
    collisions: HashMap<Box<str>, i64>,
}

impl KeyMap {
    fn key_at(&self, start: u32) -> &[u8] {
        let start = start as usize;
        let len = u32::from_le_bytes(self.arena[start..start + 4].try_into().expect("four bytes")) as usize;
        &self.arena[start + 4..start + 4 + len]
    }

    fn get(&self, key: &str, first_row: i64) -> Option<i64> {
        self.get_hashed(key_hash(key), key, first_row)
    }

    /// `get` with the key's hash already computed (`key_hash`).
    fn get_hashed(&self, hash: u64, key: &str, first_row: i64) -> Option<i64> {
        let slot = self.slots.get(&hash)?;
        if self.key_at(slot.start) == key.as_bytes() {
            Some(first_row + i64::from(slot.row))
        } else {
            self.collisions.get(key).copied()
        }
    }

    /// Adds `key` (whose hash is `hash`, from `key_hash`).
    fn insert(&mut self, hash: u64, key: &str, id: i64, first_row: i64) {
        match self.slots.entry(hash) {
            Entry::Vacant(entry) => {
                let start = self.arena.len() as u32;
                self.arena.extend_from_slice(&(key.len() as u32).to_le_bytes());
                self.arena.extend_from_slice(key.as_bytes());
                entry.insert(KeySlot { row: (id - first_row) as u32, start });
            }
            Entry::Occupied(_) => {
                self.collisions.insert(key.into(), id);
            }
        }
    }
}

/// New activities waiting for one multi-row INSERT; their texts live in one arena.
#[derive(Default)]
struct RowBatch {
    rows: Vec<BatchedRow>,
    arena: String,
}

struct BatchedRow {
    id: i64,
    group: i64,
    channel: i64,
    member: i64,
    kind: ActivityKind,
    at: UnixSeconds,
    parent_id: Option<i64>,
    platform_id: (u32, u32),
    parent_platform_id: Option<(u32, u32)>,
    text: Option<(u32, u32)>,
    raw_kind: Option<(u32, u32)>,
}

impl RowBatch {
    fn push(&mut self, id: i64, group: i64, activity: &NewActivity<'_>, parent_id: Option<i64>) {
        let mut keep = |text: &str| {
            let start = self.arena.len() as u32;
            self.arena.push_str(text);
            (start, self.arena.len() as u32)
        };
        let platform_id = keep(activity.platform_id);
        let parent_platform_id = activity.parent_platform_id.map(&mut keep);
        let text = activity.text.map(&mut keep);
        let raw_kind = activity.raw_kind.map(&mut keep);
        self.rows.push(BatchedRow {
            id,
            group,
            channel: activity.channel_id,
            member: activity.member_id,
            kind: activity.kind,
            at: activity.at,
            parent_id,
            platform_id,
            parent_platform_id,
            text,
            raw_kind,
        });
    }
}

impl RowBatch {
    fn clear(&mut self) {
        self.rows.clear();
        self.arena.clear();
    }

    fn text(&self, range: Option<(u32, u32)>) -> Option<&str> {
        range.map(|(start, end)| &self.arena[start as usize..end as usize])
    }

    /// Writes the rows: full statements of `BATCH_ROWS` rows, then the rest one by one.
    fn write(&self, conn: &Connection) -> rusqlite::Result<()> {
        // The statements' text is made once: it is the statement cache's key, looked up
        // for every statement.
        static STATEMENTS: OnceLock<(String, String)> = OnceLock::new();
        let (many, single) = STATEMENTS.get_or_init(|| {
            let one = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
            (format!("{INSERT_BULK} VALUES {}", [one; BATCH_ROWS].join(", ")), format!("{INSERT_BULK} VALUES {one}"))
        });
        for chunk in self.rows.chunks(BATCH_ROWS) {
            let full = chunk.len() == BATCH_ROWS;
            let mut rows = conn.prepare_cached(if full { many } else { single })?;
            let mut parameter = 1;
            for row in chunk {
                rows.raw_bind_parameter(parameter, row.id)?;
                rows.raw_bind_parameter(parameter + 1, row.group)?;
                rows.raw_bind_parameter(parameter + 2, row.channel)?;
                rows.raw_bind_parameter(parameter + 3, row.member)?;
                rows.raw_bind_parameter(parameter + 4, self.text(Some(row.platform_id)))?;
                rows.raw_bind_parameter(parameter + 5, row.kind.as_str())?;
                rows.raw_bind_parameter(parameter + 6, row.at)?;
                rows.raw_bind_parameter(parameter + 7, self.text(row.parent_platform_id))?;
                rows.raw_bind_parameter(parameter + 8, row.parent_id)?;
                rows.raw_bind_parameter(parameter + 9, self.text(row.text))?;
                rows.raw_bind_parameter(parameter + 10, self.text(row.raw_kind))?;
                if full {
                    parameter += 11;
                } else {
                    rows.raw_execute()?;
                }
            }
            if full {
                rows.raw_execute()?;
            }
        }
        Ok(())
    }
}

/// Rows the search index takes in one statement. FTS5 writes what it holds in memory to
/// disk at every statement that inserts into it, as a new segment: a statement per batch
/// of rows made merging those segments the largest cost of an import.
const SEARCH_CHUNK_ROWS: i64 = 1 << 17;

/// Adds the activities with ids in `from..to` to the search index (all of them exist: ids
/// are handed out in order, and rows are written before later ones are). Rows without text
/// are indexed too (as empty documents), so that the index mirrors its content table
/// exactly, which FTS5's integrity check expects.
fn index_for_search(conn: &Connection, indexed_to: &AtomicI64, to: i64) -> rusqlite::Result<()> {
    let from = indexed_to.load(Ordering::Relaxed);
    if to > from {
        conn.prepare_cached("INSERT INTO activity_fts (rowid, text) SELECT id, text FROM activities WHERE id >= ?1 AND id < ?2")?
            .execute([from, to])?;
        indexed_to.store(to, Ordering::Relaxed);
    }
    Ok(())
}

/// What the importing thread sends the writer thread.
enum ToWriter {
    Rows(RowBatch),
    /// Answered once everything sent before is written: with the first error of the
    /// writes, if one failed (and then nothing after it was written).
    Drain(SyncSender<rusqlite::Result<()>>),
}

/// The thread that writes the rows and their search-index entries while the importer reads
/// the next ones: parsing and SQLite's work overlap on two cores. Both threads use the one
/// connection (and so the one transaction) under a mutex; the importing thread drains the
/// writer before anything that reads activities.
struct RowWriter {
    inbox: Option<SyncSender<ToWriter>>,
    /// Written batches coming back, emptied, for reuse.
    spare: Receiver<RowBatch>,
    failed: Arc<AtomicBool>,
    /// Activities with lower ids are in the search index; changed only under the
    /// connection's lock.
    indexed_to: Arc<AtomicI64>,
    thread: Option<JoinHandle<()>>,
    /// Batches were sent since the last drain.
    in_flight: bool,
}

impl RowWriter {
    fn start(db: &Arc<Mutex<Connection>>) -> std::io::Result<RowWriter> {
        let (inbox, queue) = sync_channel::<ToWriter>(QUEUED_BATCHES);
        let (give_back, spare) = sync_channel::<RowBatch>(QUEUED_BATCHES + 2);
        let failed = Arc::new(AtomicBool::new(false));
        let indexed_to = Arc::new(AtomicI64::new(0));
        let thread = {
            let db = Arc::clone(db);
            let failed = Arc::clone(&failed);
            let indexed_to = Arc::clone(&indexed_to);
            std::thread::Builder::new()
                .name("hearth-import-writer".into())
                .spawn(move || write_rows(&db, &queue, &give_back, &failed, &indexed_to))?
        };
        Ok(RowWriter { inbox: Some(inbox), spare, failed, indexed_to, thread: Some(thread), in_flight: false })
    }

    fn send(&mut self, batch: RowBatch) -> Result<()> {
        self.in_flight = true;
        let sent = self.inbox.as_ref().is_some_and(|inbox| inbox.send(ToWriter::Rows(batch)).is_ok());
        if !sent || self.failed.load(Ordering::Relaxed) {
            // The writer stopped or failed: its error comes with the drain.
            return self.drain();
        }
        Ok(())
    }

    /// Waits until every batch sent is written; the first error of the writes, if any.
    fn drain(&mut self) -> Result<()> {
        if !self.in_flight {
            return Ok(());
        }
        let (reply, answer) = sync_channel(1);
        let asked = self.inbox.as_ref().is_some_and(|inbox| inbox.send(ToWriter::Drain(reply)).is_ok());
        let answer = if asked { answer.recv().ok() } else { None };
        match answer {
            Some(result) => {
                self.in_flight = false;
                Ok(result?)
            }
            None => Err(StoreError::Sql(writer_gone())),
        }
    }

    /// Ends the thread (after it wrote or dropped what it was sent).
    fn stop(&mut self) {
        self.inbox = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn writer_gone() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
        Some("the import's writer stopped after an earlier error".into()),
    )
}

/// The writer thread: writes batches in order until the importing thread hangs up, and adds
/// them to the search index in large chunks. After a failed write it writes nothing more
/// and reports the error at the next drain.
fn write_rows(
    db: &Mutex<Connection>,
    queue: &Receiver<ToWriter>,
    give_back: &SyncSender<RowBatch>,
    failed: &AtomicBool,
    indexed_to: &AtomicI64,
) {
    let mut error: Option<rusqlite::Error> = None;
    let write = |batch: &RowBatch| -> rusqlite::Result<()> {
        let conn = lock(db);
        batch.write(&conn)?;
        let written_to = batch.rows.last().map_or(0, |row| row.id + 1);
        if written_to - indexed_to.load(Ordering::Relaxed) >= SEARCH_CHUNK_ROWS {
            index_for_search(&conn, indexed_to, written_to)?;
        }
        Ok(())
    };
    for message in queue {
        match message {
            ToWriter::Rows(mut batch) => {
                if !failed.load(Ordering::Relaxed) {
                    if let Err(failure) = write(&batch) {
                        error = Some(failure);
                        failed.store(true, Ordering::Relaxed);
                    }
                }
                batch.clear();
                let _ = give_back.try_send(batch);
            }
            ToWriter::Drain(reply) => {
                let result = match error.take() {
                    Some(failure) => Err(failure),
                    None if failed.load(Ordering::Relaxed) => Err(writer_gone()),
                    None => Ok(()),
                };
                let _ = reply.send(result);
            }
        }
    }
}

/// The connection, for one thread at a time. A panic of the other thread while it held the
/// lock cannot leave SQLite half-way through a statement, so the poison is ignored.
fn lock(db: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    db.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Clone, Copy)]
enum Reference {
    Channel,
    Member,
}

struct GroupState {
    /// The group held no activities when this import first touched it: no stored row can
    /// match a platform id, so the key map alone finds duplicates and parents.
    fresh: bool,
    keys: KeyMap,
}

/// What this import's rows say about one member, for its first/last seen, join and leave.
#[derive(Clone, Copy)]
struct Span {
    fresh_group: bool,
    first: UnixSeconds,
    last: UnixSeconds,
    first_join: Option<UnixSeconds>,
    last_join: Option<UnixSeconds>,
    last_leave: Option<UnixSeconds>,
}

impl Span {
    fn new(fresh_group: bool, at: UnixSeconds) -> Span {
        Span { fresh_group, first: at, last: at, first_join: None, last_join: None, last_leave: None }
    }

    fn add(&mut self, kind: ActivityKind, at: UnixSeconds) {
        self.first = self.first.min(at);
        self.last = self.last.max(at);
        match kind {
            ActivityKind::Join => {
                self.first_join = Some(self.first_join.map_or(at, |first| first.min(at)));
                self.last_join = Some(self.last_join.map_or(at, |last| last.max(at)));
            }
            ActivityKind::Leave => self.last_leave = Some(self.last_leave.map_or(at, |last| last.max(at))),
            _ => {}
        }
    }

    /// A member has left when its latest leave is not followed by a later join.
    fn left_at(&self) -> Option<UnixSeconds> {
        self.last_leave.filter(|leave| self.last_join.is_none_or(|join| *leave >= join))
    }
}

pub struct ImportTx<'conn> {
    /// The store's connection, moved here for the import (shared with the writer thread),
    /// inside a transaction this import began and ends (commit in `finish`, rollback on
    /// drop), with foreign keys off: SQLite would otherwise look up a group, a channel, a
    /// member and a parent for every row. The import checks those references itself
    /// (`known_*`), and the ids it writes come from this transaction.
    db: Arc<Mutex<Connection>>,
    /// Where the connection goes back when the import ends; a placeholder meanwhile.
    home: &'conn mut Connection,
    writer: RowWriter,
    committed: bool,
    known_channels: IdSlots,
    known_members: IdSlots,
    // Caches of platform id -> row id, per group, so that a message costs no lookup of
    // its author or channel.
    channels: FastMap<i64, FastMap<String, i64>>,
    members: FastMap<i64, FastMap<String, i64>>,
    groups: FastMap<i64, GroupState>,
    /// Row ids from this one on were written by this import (ids only grow within it).
    first_new_activity: i64,
    written: u64,
    /// The activities' indexes other than `READY_INDEXES` are dropped until after the
    /// commit (or until a lookup needs them).
    indexes_dropped: bool,
    /// Every row this import wrote is in its group's key map (false once the map is full).
    keys_complete: bool,
    key_count: usize,
    key_bytes: usize,
    /// The row id the next new activity gets (ids are given here, so that a batched row
    /// has its id before it is written).
    next_activity: i64,
    batch: RowBatch,
    /// Rows whose parent was not known when they were written.
    pending_parents: Vec<i64>,
    /// What this import's rows say about each member: `span_slots` holds each member's
    /// place in `spans`.
    span_slots: IdSlots,
    spans: Vec<(i64, Span)>,
    counts: WriteCounts,
    /// The person chose not to keep message text: activities are written without it.
    discard_text: bool,
    cancel: CancelFlag,
}

impl Store {
    /// Starts a write of one archive. Nothing is visible to readers until `finish`.
    pub fn begin_import(&mut self) -> Result<ImportTx<'_>> {
        // An earlier bulk import may have committed without its last indexes (the process
        // ended before `build_missing_indexes`): this one looks rows up through them.
        self.build_missing_indexes(&mut |_| {})?;
        // No automatic checkpoint when the import commits: copying its pages from the WAL
        // into the database file is left to the next commit (the indexes built after the
        // import) or to closing the store. The commit is as durable as before: the WAL is
        // synced as `synchronous` says. Set back in `ImportTx::drop`.
        self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // SQLite ignores this pragma inside a transaction: it is set before, and set back
        // after the commit or the rollback (`ImportTx::drop`).
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        // Immediate: the row ids this import computes from MAX(id) stay valid until it ends.
        if let Err(error) = self.conn.execute_batch("BEGIN IMMEDIATE") {
            self.conn.pragma_update(None, "foreign_keys", "ON")?;
            return Err(error.into());
        }
        // The connection moves to the import (and its writer thread) until it ends; the
        // store holds a private in-memory placeholder meanwhile.
        let placeholder = match Connection::open_in_memory() {
            Ok(placeholder) => placeholder,
            Err(error) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                self.conn.pragma_update(None, "foreign_keys", "ON")?;
                return Err(error.into());
            }
        };
        let cancel = self.cancel.clone();
        let db = Arc::new(Mutex::new(std::mem::replace(&mut self.conn, placeholder)));
        let writer = match RowWriter::start(&db) {
            Ok(writer) => writer,
            Err(error) => {
                let mut conn = Arc::into_inner(db)
                    .expect("no writer thread holds the connection")
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner);
                std::mem::swap(&mut self.conn, &mut conn);
                let _ = self.conn.execute_batch("ROLLBACK");
                self.conn.pragma_update(None, "foreign_keys", "ON")?;
                return Err(StoreError::Sql(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(format!("cannot start the import's writer thread: {error}")),
                )));
            }
        };
        let mut import = ImportTx {
            db,
            home: &mut self.conn,
            writer,
            committed: false,
            known_channels: IdSlots::default(),
            known_members: IdSlots::default(),
            first_new_activity: 0,
            channels: FastMap::default(),
            members: FastMap::default(),
            groups: FastMap::default(),
            written: 0,
            indexes_dropped: false,
            keys_complete: true,
            key_count: 0,
            key_bytes: 0,
            next_activity: 0,
            batch: RowBatch::default(),
            pending_parents: Vec::new(),
            discard_text: false,
            span_slots: IdSlots::default(),
            spans: Vec::new(),
            counts: WriteCounts::default(),
            cancel,
        };
        // On error, dropping `import` rolls back and turns foreign keys on again.
        {
            let conn = lock(&import.db);
            import.first_new_activity = conn.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM activities", [], |row| row.get(0))?;
            // A larger in-memory buffer for the search index while the import fills it:
            // fewer, larger segments and less merging (set back in `finish`; a rollback
            // undoes it too).
            conn.execute("INSERT INTO activity_fts (activity_fts, rank) VALUES ('hashsize', ?1)", [FTS_BULK_HASHSIZE])?;
            // No merging of the search index's segments while the import adds a few large
            // ones (FTS5 merges on every write otherwise, rewriting the same entries several
            // times); later writes merge them as usual.
            conn.execute("INSERT INTO activity_fts (activity_fts, rank) VALUES ('automerge', 0)", [])?;
            // The schema's CHECK constraints cannot fail on what an import writes: every value
            // they guard comes from a Rust type (`ActivityKind::as_str` for `kind`, `bool` for
            // the flags; see the test `every_activity_kind_passes_the_schemas_check`). SQLite
            // evaluated `kind IN (...)` with string compares for every row, on the writer
            // thread. Set back in `ImportTx::drop` (the pragma recompiles the statements).
            conn.pragma_update(None, "ignore_check_constraints", true)?;
        }
        import.next_activity = import.first_new_activity;
        import.writer.indexed_to.store(import.first_new_activity, Ordering::Relaxed);
        Ok(import)
    }
}

impl Store {
    /// The activity indexes the store lacks: those a bulk import left for after its commit
    /// (see `READY_INDEXES`), until [`Store::build_missing_indexes`] builds them.
    pub fn missing_indexes(&self) -> Result<Vec<&'static str>> {
        let mut statement = self.conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1)")?;
        let mut missing = Vec::new();
        for (name, _) in ACTIVITY_INDEXES {
            if !statement.query_row([name], |row| row.get::<_, bool>(0))? {
                missing.push(*name);
            }
        }
        Ok(missing)
    }

    /// Builds the activity indexes the store lacks, each in its own transaction (one sorted
    /// pass over the rows), and copies what the import left in the WAL into the database
    /// file. `progress` hears before each index and once at the end ("Building indexes",
    /// done of total). Returns how many were built. Queries are correct without them, only
    /// slower; an import or a group deletion builds them first. A store another connection
    /// is writing to may answer "busy" (after the store's busy timeout).
    pub fn build_missing_indexes(&mut self, progress: ProgressSink<'_>) -> Result<usize> {
        let total = self.missing_indexes()?.len() as u64;
        if total == 0 {
            return Ok(0);
        }
        let mut done = 0;
        loop {
            progress(&Progress::items(BUILDING_INDEXES, done, Some(total)));
            if self.build_next_missing_index()?.is_none() {
                break;
            }
            done += 1;
            if done == total {
                break;
            }
        }
        // The commits above checkpointed as far as readers allowed; the rest follows later.
        progress(&Progress::items(BUILDING_INDEXES, total, Some(total)));
        Ok(done as usize)
    }

    /// Builds one of the activity indexes the store lacks, in its own write transaction,
    /// and names it; `None` when none is missing. A caller that shares this connection
    /// (the desktop app's writer) can let other writes in between two of these.
    pub fn build_next_missing_index(&mut self) -> Result<Option<&'static str>> {
        let Some(name) = self.missing_indexes()?.into_iter().next() else {
            return Ok(None);
        };
        let create = ACTIVITY_INDEXES.iter().find(|(known, _)| *known == name).map(|(_, create)| *create).expect("a known index");
        // Another connection may have built it meanwhile: `IF NOT EXISTS` inside the write
        // transaction makes that a no-op.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(&create.replacen("INDEX ", "INDEX IF NOT EXISTS ", 1))?;
        tx.commit()?;
        Ok(Some(name))
    }
}

impl Store {
    /// On open: a bulk import whose process ended between its commit and
    /// [`Store::build_missing_indexes`] left indexes out; they are built now. When another
    /// connection holds the store's write lock (it is importing, or building them itself),
    /// the store opens at once without them, instead of waiting out the busy timeout (the
    /// desktop app opens read connections while its writer builds them): queries are
    /// correct, only slower, and the next import or open builds what is still missing.
    pub(super) fn build_indexes_left_by_an_import(&mut self) -> Result<()> {
        if self.missing_indexes()?.is_empty() {
            return Ok(());
        }
        self.conn.busy_timeout(std::time::Duration::ZERO)?;
        let built = self.build_missing_indexes(&mut |_| {});
        self.conn.busy_timeout(super::BUSY_TIMEOUT)?;
        match built {
            Err(StoreError::Sql(error)) if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

/// The step name of [`Store::build_missing_indexes`]'s progress.
pub const BUILDING_INDEXES: &str = "Building the archive and profile indexes";

impl Drop for ImportTx<'_> {
    fn drop(&mut self) {
        // The writer thread first: whatever it still had is written or dropped before the
        // transaction ends, and it lets go of the connection.
        self.writer.stop();
        let mut conn = lock(&self.db);
        if !self.committed {
            // Nothing of this import stays; errors here can only mean there is no
            // transaction left to roll back.
            let _ = conn.execute_batch("ROLLBACK");
        }
        let _ = conn.pragma_update(None, "foreign_keys", "ON");
        let _ = conn.pragma_update(None, "ignore_check_constraints", false);
        let _ = conn.pragma_update(None, "wal_autocheckpoint", DEFAULT_WAL_AUTOCHECKPOINT);
        // The store gets its connection back (and the placeholder goes with the import).
        std::mem::swap(&mut *conn, self.home);
    }
}

impl ImportTx<'_> {
    /// Every write starts here: a cancelled import stops at once, and the caller's `?`
    /// drops the transaction. One relaxed atomic load, cheap beside an SQLite statement.
    fn check_cancel(&self) -> Result<()> {
        if self.cancel.is_cancelled() {
            return Err(StoreError::Cancelled);
        }
        Ok(())
    }

    pub fn upsert_group(&mut self, group: &NewGroup<'_>, now: UnixSeconds) -> Result<GroupId> {
        self.check_cancel()?;
        let existing: Option<i64> = lock(&self.db)
            .query_row(
                "SELECT id FROM groups WHERE platform = ?1 AND platform_id = ?2",
                params![group.platform.as_str(), group.platform_id],
                |row| row.get(0),
            )
            .optional()?;
        let id = match existing {
            Some(id) => {
                lock(&self.db).execute("UPDATE groups SET name = ?2, last_import_at = ?3 WHERE id = ?1", params![id, group.name, now])?;
                id
            }
            None => {
                // One lock for both: the writer thread's inserts change the last row id.
                let conn = lock(&self.db);
                conn.execute(
                    "INSERT INTO groups (platform, platform_id, name, is_archive, is_demo, created_at, last_import_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                    params![group.platform.as_str(), group.platform_id, group.name, group.is_archive, group.is_demo, now],
                )?;
                self.counts.groups += 1;
                conn.last_insert_rowid()
            }
        };
        if !self.groups.contains_key(&id) {
            let fresh = existing.is_none() || !self.group_has_activities(id)?;
            self.groups.insert(id, GroupState { fresh, keys: KeyMap::default() });
        }
        Ok(GroupId(id))
    }

    /// Whether a group this import found in the store holds activities (its rows are then
    /// looked up through the indexes, which must exist for that).
    fn group_has_activities(&mut self, group: i64) -> Result<bool> {
        self.settle()?;
        self.restore_indexes()?;
        Ok(lock(&self.db)
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM activities WHERE group_id = ?1)")?
            .query_row([group], |row| row.get(0))?)
    }
    pub fn upsert_channel(&mut self, group: GroupId, platform_id: &str, name: &str) -> Result<i64> {
        self.check_cancel()?;
        if let Some(&id) = self.channels.get(&group.0).and_then(|cache| cache.get(platform_id)) {
            return Ok(id);
        }
        self.check_group(group)?;
        let inserted = lock(&self.db)
            .prepare_cached("INSERT OR IGNORE INTO channels (group_id, platform_id, name) VALUES (?1, ?2, ?3)")?
            .execute(params![group.0, platform_id, name])?;
        self.counts.channels += inserted as u64;
        let id: i64 = lock(&self.db)
            .prepare_cached("SELECT id FROM channels WHERE group_id = ?1 AND platform_id = ?2")?
            .query_row(params![group.0, platform_id], |row| row.get(0))?;
        if inserted == 0 {
            lock(&self.db).prepare_cached("UPDATE channels SET name = ?2 WHERE id = ?1 AND name <> ?2")?.execute(params![id, name])?;
        }
        self.channels.entry(group.0).or_default().insert(platform_id.to_string(), id);
        self.known_channels.insert(id, 0);
        Ok(id)
    }

    pub fn upsert_member(&mut self, group: GroupId, member: &NewMember<'_>) -> Result<i64> {
        self.check_cancel()?;
        if let Some(&id) = self.members.get(&group.0).and_then(|cache| cache.get(member.platform_id)) {
            return Ok(id);
        }
        self.check_group(group)?;
        let inserted = lock(&self.db)
            .prepare_cached("INSERT OR IGNORE INTO members (group_id, platform_id, display_name, is_bot) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![group.0, member.platform_id, member.display_name, member.is_bot])?;
        self.counts.members += inserted as u64;
        let id: i64 = lock(&self.db)
            .prepare_cached("SELECT id FROM members WHERE group_id = ?1 AND platform_id = ?2")?
            .query_row(params![group.0, member.platform_id], |row| row.get(0))?;
        if inserted == 0 && !member.display_name.is_empty() {
            // A later export may carry a newer display name.
            lock(&self.db)
                .prepare_cached("UPDATE members SET display_name = ?2 WHERE id = ?1 AND display_name <> ?2")?
                .execute(params![id, member.display_name])?;
        }
        self.members.entry(group.0).or_default().insert(member.platform_id.to_string(), id);
        self.known_members.insert(id, 0);
        Ok(id)
    }

    /// Inserts one activity. Returns its row id, or `None` when the store already had it
    /// (in which case an edited text is updated and counted as `updated`).
    pub fn insert_activity(&mut self, group: GroupId, activity: &NewActivity<'_>) -> Result<Option<i64>> {
        self.check_cancel()?;
        let without_text;
        let activity = if self.discard_text {
            without_text = NewActivity { text: None, ..*activity };
            &without_text
        } else {
            activity
        };
        self.check_group(group)?;
        self.check_reference(Reference::Channel, activity.channel_id)?;
        self.check_reference(Reference::Member, activity.member_id)?;
        let state = &self.groups[&group.0];
        let fresh = state.fresh;
        // Whether a platform id missing from the key map may still be in the store.
        let look_in_store = !fresh || !self.keys_complete;
        let platform_id_hash = key_hash(activity.platform_id);
        if let Some(id) = state.keys.get_hashed(platform_id_hash, activity.platform_id, self.first_new_activity) {
            self.counts.duplicates += 1;
            self.update_text(id, activity.text)?;
            return Ok(None);
        }
        // Parents usually come before their replies: resolve them now, and leave the rest
        // to `finish`.
        let mut parent_id = activity.parent_platform_id.and_then(|parent| state.keys.get(parent, self.first_new_activity));
        if look_in_store {
            // Rows still on their way to the store must be there before it is asked.
            self.settle()?;
        }
        if let (Some(parent), None, true) = (activity.parent_platform_id, parent_id, look_in_store) {
            parent_id = lock(&self.db)
                .prepare_cached("SELECT id FROM activities WHERE group_id = ?1 AND platform_id = ?2")?
                .query_row(params![group.0, parent], |row| row.get(0))
                .optional()?;
        }
        let id = self.next_activity;
        if look_in_store {
            // Only the unique index can tell whether the store has the row.
            let conn = lock(&self.db);
            let inserted = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO activities
                     (id, group_id, channel_id, member_id, platform_id, kind, at, parent_platform_id, parent_id, text, raw_kind)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?
                .execute(params![
                    id,
                    group.0,
                    activity.channel_id,
                    activity.member_id,
                    activity.platform_id,
                    activity.kind.as_str(),
                    activity.at,
                    activity.parent_platform_id,
                    parent_id,
                    activity.text,
                    activity.raw_kind,
                ])?;
            if inserted == 0 {
                let id: i64 = conn
                    .prepare_cached("SELECT id FROM activities WHERE group_id = ?1 AND platform_id = ?2")?
                    .query_row(params![group.0, activity.platform_id], |row| row.get(0))?;
                drop(conn);
                self.counts.duplicates += 1;
                self.update_text(id, activity.text)?;
                return Ok(None);
            }
        } else {
            // The key map says the row is new: it waits in the batch.
            self.batch.push(id, group.0, activity, parent_id);
            if self.batch.rows.len() == SEND_ROWS {
                self.flush()?;
            }
        }
        self.next_activity += 1;
        match activity.kind {
            ActivityKind::Message | ActivityKind::Reply => self.counts.messages += 1,
            ActivityKind::Reaction => self.counts.reactions += 1,
            ActivityKind::Join => self.counts.joins += 1,
            ActivityKind::Leave => self.counts.leaves += 1,
        }
        if activity.parent_platform_id.is_some() && parent_id.is_none() {
            self.pending_parents.push(id);
        }
        match self.span_slots.get(activity.member_id) {
            Some(slot) => self.spans[slot as usize].1.add(activity.kind, activity.at),
            None => {
                self.span_slots.insert(activity.member_id, self.spans.len() as u32);
                let mut span = Span::new(fresh, activity.at);
                span.add(activity.kind, activity.at);
                self.spans.push((activity.member_id, span));
            }
        }
        self.written += 1;
        self.remember_key(group.0, platform_id_hash, activity.platform_id, id)?;
        Ok(Some(id))
    }

    /// Hands the batched rows to the writer thread, which writes them while this one reads on.
    fn flush(&mut self) -> Result<()> {
        if self.batch.rows.is_empty() {
            return Ok(());
        }
        let spare = self.writer.spare.try_recv().unwrap_or_default();
        let batch = std::mem::replace(&mut self.batch, spare);
        self.writer.send(batch)
    }

    /// Makes every row this import wrote so far visible to its own queries: sends the
    /// batch and waits until the writer thread has written all it was sent.
    fn settle(&mut self) -> Result<()> {
        self.flush()?;
        self.writer.drain()
    }

    /// Foreign keys are off during the import: a group id that did not come from
    /// `upsert_group` is checked in the store once (and then treated as a group that holds
    /// rows, looked up through the indexes).
    fn check_group(&mut self, group: GroupId) -> Result<()> {
        if self.groups.contains_key(&group.0) {
            return Ok(());
        }
        let exists: bool =
            lock(&self.db).prepare_cached("SELECT EXISTS (SELECT 1 FROM groups WHERE id = ?1)")?.query_row([group.0], |row| row.get(0))?;
        if !exists {
            return Err(StoreError::MissingReference { what: "group", id: group.0 });
        }
        self.restore_indexes()?;
        self.groups.insert(group.0, GroupState { fresh: false, keys: KeyMap::default() });
        Ok(())
    }

    /// Checks a channel or member id that did not come from this import's upserts.
    #[inline]
    fn check_reference(&mut self, reference: Reference, id: i64) -> Result<()> {
        let known = match reference {
            Reference::Channel => &self.known_channels,
            Reference::Member => &self.known_members,
        };
        if known.contains(id) {
            return Ok(());
        }
        self.check_reference_in_store(reference, id)
    }

    fn check_reference_in_store(&mut self, reference: Reference, id: i64) -> Result<()> {
        let sql = match reference {
            Reference::Channel => "SELECT EXISTS (SELECT 1 FROM channels WHERE id = ?1)",
            Reference::Member => "SELECT EXISTS (SELECT 1 FROM members WHERE id = ?1)",
        };
        if !lock(&self.db).prepare_cached(sql)?.query_row([id], |row| row.get::<_, bool>(0))? {
            let what = match reference {
                Reference::Channel => "channel",
                Reference::Member => "member",
            };
            return Err(StoreError::MissingReference { what, id });
        }
        match reference {
            Reference::Channel => self.known_channels.insert(id, 0),
            Reference::Member => self.known_members.insert(id, 0),
        }
        Ok(())
    }

    /// Adds a written row to its group's key map while the map has room, and drops the
    /// indexes once the import is large enough for a rebuild at the end to pay.
    fn remember_key(&mut self, group: i64, hash: u64, platform_id: &str, id: i64) -> Result<()> {
        if !self.keys_complete {
            return Ok(());
        }
        if self.key_count >= KEY_MAP_MAX_KEYS || self.key_bytes + platform_id.len() > KEY_MAP_MAX_BYTES {
            self.keys_complete = false;
            self.groups.values_mut().for_each(|state| state.keys = KeyMap::default());
            return self.restore_indexes();
        }
        self.key_count += 1;
        self.key_bytes += platform_id.len() + 4;
        if let Some(state) = self.groups.get_mut(&group) {
            state.keys.insert(hash, platform_id, id, self.first_new_activity);
        }
        let store_rows = self.first_new_activity - 1;
        if !self.indexes_dropped
            && self.written >= if store_rows == 0 { BULK_INTO_EMPTY_STORE_AFTER_ROWS } else { BULK_AFTER_ROWS }
            && self.written as i64 * BULK_SHARE_OF_STORE >= store_rows
            && self.groups.values().all(|state| state.fresh)
        {
            for (name, _) in ACTIVITY_INDEXES {
                if !READY_INDEXES.contains(name) {
                    lock(&self.db).execute_batch(&format!("DROP INDEX {name}"))?;
                }
            }
            self.indexes_dropped = true;
        }
        Ok(())
    }

    /// Builds the dropped indexes again, each in one sorted pass: the rest of the import
    /// looks rows up in the store (its key map is full, or it met a group that holds rows).
    fn restore_indexes(&mut self) -> Result<()> {
        self.settle()?;
        if self.indexes_dropped {
            for (name, create) in ACTIVITY_INDEXES {
                if !READY_INDEXES.contains(name) {
                    lock(&self.db).execute_batch(create)?;
                }
            }
            self.indexes_dropped = false;
        }
        Ok(())
    }

    /// A stored activity seen again: a later export may carry an edited text. Rows that
    /// are already in the search index get their entry replaced; the others are indexed
    /// with their final text later (in chunks, or by `finish`).
    fn update_text(&mut self, id: i64, text: Option<&str>) -> Result<()> {
        if self.discard_text {
            // Text is not kept: a stored row keeps what it has (erasing is a separate act).
            return Ok(());
        }
        self.settle()?;
        let conn = lock(&self.db);
        let old_text: Option<String> =
            conn.prepare_cached("SELECT text FROM activities WHERE id = ?1")?.query_row([id], |row| row.get(0))?;
        if old_text.as_deref() == text {
            return Ok(());
        }
        if id < self.writer.indexed_to.load(Ordering::Relaxed) {
            conn.prepare_cached("INSERT INTO activity_fts (activity_fts, rowid, text) VALUES ('delete', ?1, ?2)")?
                .execute(params![id, old_text])?;
            conn.prepare_cached("INSERT INTO activity_fts (rowid, text) VALUES (?1, ?2)")?.execute(params![id, text])?;
        }
        conn.prepare_cached("UPDATE activities SET text = ?2 WHERE id = ?1")?.execute(params![id, text])?;
        drop(conn);
        self.counts.updated += 1;
        Ok(())
    }

    /// Writes the activities that follow without their text (the app setting "store
    /// message text" is off). Rows already stored keep theirs.
    pub fn discard_text(&mut self, discard: bool) {
        self.discard_text = discard;
    }

    /// Records what the demo generator knows about a member (persona, when it churned).
    pub fn record_demo_truth(&mut self, member_id: i64, persona: &str, churned_at: Option<UnixSeconds>) -> Result<()> {
        self.check_reference(Reference::Member, member_id)?;
        lock(&self.db)
            .prepare_cached("INSERT OR REPLACE INTO demo_truth (member_id, persona, churned_at) VALUES (?1, ?2, ?3)")?
            .execute(params![member_id, persona, churned_at])?;
        Ok(())
    }

    /// Resolves reply and reaction parents, completes the search index, refreshes each
    /// member's first/last seen, join and leave times, and commits: the store is then ready
    /// for the dashboard and for search (a bulk import kept `READY_INDEXES` up to date). A
    /// bulk import leaves the indexes it dropped to [`Store::build_missing_indexes`].
    pub fn finish(mut self) -> Result<WriteCounts> {
        self.check_cancel()?;
        self.settle()?;
        self.resolve_pending_parents()?;
        // The key maps are done with: free them before the passes that need memory.
        self.groups.values_mut().for_each(|state| state.keys = KeyMap::default());
        {
            let conn = lock(&self.db);
            index_for_search(&conn, &self.writer.indexed_to, self.next_activity)?;
            conn.execute("INSERT INTO activity_fts (activity_fts, rank) VALUES ('hashsize', ?1)", [FTS_DEFAULT_HASHSIZE])?;
            conn.execute("INSERT INTO activity_fts (activity_fts, rank) VALUES ('automerge', ?1)", [FTS_DEFAULT_AUTOMERGE])?;
        }
        // The indexes the dashboard and search need were kept up to date; the dropped ones
        // are left to `Store::build_missing_indexes`, after the commit.
        self.indexes_dropped = false;
        self.update_member_spans()?;
        // The last moment a cancel can still undo everything.
        self.check_cancel()?;
        lock(&self.db).execute_batch("COMMIT")?;
        self.committed = true;
        Ok(std::mem::take(&mut self.counts))
    }

    /// Parents that came after their replies in the export (or that are not in it).
    fn resolve_pending_parents(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending_parents);
        for id in pending {
            let (group, parent): (i64, String) = lock(&self.db)
                .prepare_cached("SELECT group_id, parent_platform_id FROM activities WHERE id = ?1")?
                .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))?;
            let state = &self.groups[&group];
            let parent_id = match state.keys.get(&parent, self.first_new_activity) {
                Some(parent_id) => Some(parent_id),
                None if !state.fresh || !self.keys_complete => lock(&self.db)
                    .prepare_cached("SELECT id FROM activities WHERE group_id = ?1 AND platform_id = ?2")?
                    .query_row(params![group, parent], |row| row.get(0))
                    .optional()?,
                None => None,
            };
            if let Some(parent_id) = parent_id {
                lock(&self.db).prepare_cached("UPDATE activities SET parent_id = ?2 WHERE id = ?1")?.execute([id, parent_id])?;
            }
        }
        Ok(())
    }

    /// Folds what this import's rows say about each member into its stored times. A member
    /// of a group that held rows before, whose joins or leaves changed, gets its leave time
    /// recomputed from all its rows (a later join cancels an earlier leave).
    fn update_member_spans(&mut self) -> Result<()> {
        let mut spans = std::mem::take(&mut self.spans);
        self.span_slots = IdSlots::default();
        spans.sort_unstable_by_key(|(member, _)| *member);
        for (member, span) in &spans {
            lock(&self.db)
                .prepare_cached(
                    "UPDATE members SET
                        first_seen_at = MIN(COALESCE(first_seen_at, ?2), ?2),
                        last_seen_at = MAX(COALESCE(last_seen_at, ?3), ?3),
                        joined_at = CASE WHEN ?4 IS NULL THEN joined_at ELSE MIN(COALESCE(joined_at, ?4), ?4) END,
                        left_at = CASE WHEN first_seen_at IS NULL THEN ?5 ELSE left_at END
                     WHERE id = ?1",
                )?
                .execute(params![member, span.first, span.last, span.first_join, span.left_at()])?;
            if !span.fresh_group && (span.last_join.is_some() || span.last_leave.is_some()) {
                lock(&self.db)
                    .prepare_cached(
                        "UPDATE members SET left_at =
                            (SELECT MAX(l.at) FROM activities l WHERE l.member_id = members.id AND l.kind = 'leave'
                             AND l.at >= COALESCE((SELECT MAX(j.at) FROM activities j
                                                   WHERE j.member_id = members.id AND j.kind = 'join'), l.at))
                         WHERE id = ?1",
                    )?
                    .execute([member])?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Slack group with one channel and one member (a bot or not), in the import `tx`.
    fn slack_group(tx: &mut ImportTx<'_>, is_bot: bool) -> (GroupId, i64, i64) {
        let group = tx
            .upsert_group(&NewGroup { platform: Platform::Slack, platform_id: "T", name: "T", is_archive: true, is_demo: false }, 0)
            .unwrap();
        let channel = tx.upsert_channel(group, "C", "c").unwrap();
        let member = tx.upsert_member(group, &NewMember { platform_id: "U", display_name: "U", is_bot }).unwrap();
        (group, channel, member)
    }

    fn message<'a>(channel: i64, member: i64, platform_id: &'a str, text: &'a str) -> NewActivity<'a> {
        NewActivity {
            channel_id: channel,
            member_id: member,
            platform_id,
            kind: ActivityKind::Message,
            at: 1_000,
            parent_platform_id: None,
            text: Some(text),
            raw_kind: None,
        }
    }

    /// An export that repeats a message with a new text after the writer thread has put the
    /// first one in the search index: the index must follow the edit.
    #[test]
    fn an_edit_of_a_row_already_indexed_during_the_import_replaces_its_search_entry() {
        let mut store = Store::open_in_memory().unwrap();
        let rows = SEARCH_CHUNK_ROWS + 1_000;
        let mut tx = store.begin_import().unwrap();
        let (group, channel, member) = slack_group(&mut tx, false);
        tx.insert_activity(group, &message(channel, member, "first", "original harbour")).unwrap();
        for index in 1..rows {
            tx.insert_activity(group, &message(channel, member, &index.to_string(), "filler")).unwrap();
        }
        // Let the writer catch up, so that "first" is in the index before its edit.
        tx.settle().unwrap();
        assert!(tx.writer.indexed_to.load(Ordering::Relaxed) > tx.first_new_activity);
        assert_eq!(tx.insert_activity(group, &message(channel, member, "first", "edited lighthouse")).unwrap(), None);
        let counts = tx.finish().unwrap();
        assert_eq!((counts.messages, counts.duplicates, counts.updated), (rows as u64, 1, 1));
        assert_eq!(store.search_text(group, "lighthouse", 10).unwrap().len(), 1);
        assert!(store.search_text(group, "harbour", 10).unwrap().is_empty());
        assert_eq!(store.search_text(group, "filler", 1_000_000).unwrap().len(), rows as usize - 1);
        assert!(store.fts_integrity_ok().unwrap());
    }

    /// The import turns the schema's CHECK constraints off (`begin_import`): what it writes
    /// into the columns they guard must pass them anyway, and they are on again after it.
    #[test]
    fn every_activity_kind_passes_the_schemas_check() {
        let mut store = Store::open_in_memory().unwrap();
        let kinds = [ActivityKind::Message, ActivityKind::Reply, ActivityKind::Reaction, ActivityKind::Join, ActivityKind::Leave];
        let mut tx = store.begin_import().unwrap();
        let (group, channel, member) = slack_group(&mut tx, true);
        for (index, kind) in kinds.into_iter().enumerate() {
            tx.insert_activity(group, &NewActivity { kind, ..message(channel, member, &index.to_string(), "text") }).unwrap();
        }
        tx.finish().unwrap();
        let checks: bool = store.conn.pragma_query_value(None, "ignore_check_constraints", |row| row.get(0)).unwrap();
        assert!(!checks, "the CHECK constraints are on again after the import");
        // With them on, every stored row passes: writing it again through the CHECK works,
        // and a kind outside the list does not.
        let stored: Vec<String> = store
            .conn
            .prepare("SELECT kind FROM activities ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(stored, kinds.map(|kind| kind.as_str().to_string()));
        store.conn.execute("UPDATE activities SET kind = kind || ''", []).unwrap();
        store.conn.execute("UPDATE groups SET is_archive = is_archive, is_demo = is_demo", []).unwrap();
        store.conn.execute("UPDATE members SET is_bot = is_bot + 0", []).unwrap();
        assert!(store.conn.execute("UPDATE activities SET kind = 'other' WHERE id = (SELECT MIN(id) FROM activities)", []).is_err());
    }

    #[test]
    fn id_slots_keep_small_ids_in_the_vector_and_any_other_in_the_map() {
        let mut slots = IdSlots::default();
        for (id, slot) in [(7, 0), (3, 1), (DENSE_ID_LIMIT - 1, 2), (DENSE_ID_LIMIT, 3), (-5, 4), (i64::MAX, 5)] {
            assert_eq!(slots.get(id), None, "{id}");
            slots.insert(id, slot);
            assert_eq!(slots.get(id), Some(slot), "{id}");
        }
        // Slot 0 is a value like any other, and ids between those given are absent.
        assert!(slots.contains(7));
        assert!(!slots.contains(4) && !slots.contains(0) && !slots.contains(DENSE_ID_LIMIT + 1) && !slots.contains(-4));
        assert_eq!(slots.sparse.len(), 3);
        assert_eq!(slots.dense.len(), DENSE_ID_LIMIT as usize);
        slots.insert(3, 9);
        assert_eq!(slots.get(3), Some(9));
    }

    #[test]
    fn the_fast_hasher_spreads_similar_keys() {
        let hashes: FastSet<u64> = (0..100_000).map(|index| key_hash(&index.to_string())).collect();
        assert_eq!(hashes.len(), 100_000);
        // Keys that differ only in length (a trailing zero byte) hash differently.
        assert_ne!(key_hash("a"), key_hash("a\0"));
        // The low bits (a table's bucket) take every value for consecutive ids.
        let buckets: FastSet<u64> = (0..4096).map(|index| key_hash(&index.to_string()) & 1023).collect();
        assert!(buckets.len() > 1000, "{}", buckets.len());
    }
}
