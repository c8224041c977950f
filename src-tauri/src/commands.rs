//! The IPC commands. Each one takes a store connection from Tauri's state (a read
//! connection, or the write connection for writes), makes one `hearth::api` call off the
//! main thread (two for the review queue: detection on a reader, the queue on the writer)
//! and returns its result; errors cross IPC as
//! `hearth::api::Error { code, message }`. No SQL, no loops and no analytics here.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hearth::api::archive::{self, Anchor, ArchiveChannel, ArchiveMessage, ArchivePage, SearchResults};
use hearth::api::churn::WarningPage;
use hearth::api::moderation::{
    self, AppSettings, BacktestReport, DecisionEntry, SettingEdit, SettingsPreview, Severity, StoredText, TextErased, WarningAction,
};
use hearth::api::overview::OverviewRow;
use hearth::api::people::{self, CellMembers, HeatmapCell, MemberNote, MemberProfile, MembersTable};
use hearth::api::review::{self, Decision, FlagList, FlagView, WarningActionChange};
use hearth::api::{
    self, CancelFlag, Dashboard, DateOrder, DemoSummary, Error, ErrorCode, GroupSummary, HeatmapKind, HeatmapView, ImportOptions,
    ImportSummary, SettingsView, Trend,
};
use hearth::model::{GroupId, Progress, UnixSeconds};
use hearth::store::Store;
use tauri::{AppHandle, Emitter, Manager};

/// The event that carries `hearth::model::Progress` while the demo community is created.
pub const DEMO_PROGRESS_EVENT: &str = "demo-progress";

/// The event that carries `hearth::model::Progress` while an import runs.
pub const IMPORT_PROGRESS_EVENT: &str = "import-progress";

/// The event that carries `hearth::model::Progress` while the indexes a large import left
/// for after its commit are built in the background (the last one has done == total).
pub const INDEX_PROGRESS_EVENT: &str = "index-progress";

/// At most this many progress events per second reach the window; more only costs IPC.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(80);

/// The open store, or why it could not be opened (shown by the UI instead of a crash),
/// and the analytics computed on it, kept between commands: a screen shows what was
/// computed unless the group's rows or settings changed since (an import is absorbed on
/// the next request, or before it by the background warm-up).
///
/// Writes go through one connection behind a mutex; reads (every screen, the analytics)
/// through a pool of read connections, so a long computation never holds up a note, a
/// review decision or a saved setting (the store is in WAL mode: readers see the last
/// commit and do not block the writer).
pub struct StoreState {
    path: PathBuf,
    /// Set once, by [`open_in_background`]: the store, or why it could not be opened (shown
    /// by the UI instead of a crash). Commands that come earlier wait for it.
    stores: OnceLock<Result<Stores, Error>>,
    /// How far the migration of a store written by an older Hearth is, while one runs (a
    /// store of millions of messages takes seconds); the window shows it.
    upgrade: Mutex<Option<Progress>>,
    analyst: api::Analyst,
    warmer: Warmer,
    /// How far the background build of the indexes a large import left for after its
    /// commit is, while one runs (`None` otherwise); see [`build_indexes_in_background`].
    indexes: Mutex<Option<Progress>>,
    /// Whether a background index build runs (one at a time).
    building_indexes: AtomicBool,
}

struct Stores {
    writer: Mutex<Store>,
    /// Read connections not in use; a request takes one or opens one.
    idle: Mutex<Vec<Store>>,
}

/// A read connection, back in the pool when dropped.
struct Reader<'a> {
    store: Option<Store>,
    idle: &'a Mutex<Vec<Store>>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        self.store.as_ref().expect("a reader holds its store until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            lock_ignoring_poison(self.idle).push(store);
        }
    }
}

/// The idle list, the upgrade's progress and the warm-up flags hold plain values a panic
/// cannot leave half-written.
fn lock_ignoring_poison<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl StoreState {
    /// The state of the store at `path`, not opened yet: [`open_in_background`] opens it
    /// once the window is up, so that a long migration shows its progress in the window.
    pub fn new(path: PathBuf) -> StoreState {
        StoreState {
            path,
            stores: OnceLock::new(),
            upgrade: Mutex::new(None),
            analyst: api::Analyst::new(),
            warmer: Warmer::default(),
            indexes: Mutex::new(None),
            building_indexes: AtomicBool::new(false),
        }
    }

    /// Opens the store (the writer), migrating it if an older Hearth wrote it, and hands it
    /// to the commands waiting for it. Indexes an import left unbuilt (the app was closed
    /// while it built them) are built afterwards, in the background, not before opening.
    fn open(&self) {
        let opened =
            api::open_store_deferring_indexes(&self.path, &mut |progress| *lock_ignoring_poison(&self.upgrade) = Some(progress.clone()));
        self.opened(opened);
    }

    fn opened(&self, store: Result<Store, Error>) {
        let stores = store.map(|writer| Stores { writer: Mutex::new(writer), idle: Mutex::new(Vec::new()) });
        // Only `open` sets it, once; a second value could only be the same store again.
        let _ = self.stores.set(stores);
        *lock_ignoring_poison(&self.upgrade) = None;
    }

    /// The store once it is open (waiting for it while it opens), or why it could not be.
    fn stores(&self) -> Result<&Stores, Error> {
        self.stores.wait().as_ref().map_err(Clone::clone)
    }

    /// The write connection: held only by writes, which are short.
    fn lock(&self) -> Result<MutexGuard<'_, Store>, Error> {
        self.stores()?
            .writer
            .lock()
            .map_err(|_| Error::new(ErrorCode::Store, "an earlier request failed while it held the store; restart Hearth"))
    }

    /// A read connection from the pool.
    fn read(&self) -> Result<Reader<'_>, Error> {
        let stores = self.stores()?;
        let idle = lock_ignoring_poison(&stores.idle).pop();
        let store = match idle {
            Some(store) => store,
            // The writer builds missing indexes in the background; a reader never does.
            None => api::open_store_deferring_indexes(&self.path, &mut |_| {})?,
        };
        Ok(Reader { store: Some(store), idle: &stores.idle })
    }
}

/// Opens the store in the background once the window is up, then computes the groups'
/// analytics ahead. Commands wait for the store meanwhile; [`store_upgrade`] tells the
/// window how far a migration is.
pub fn open_in_background(app: &AppHandle) {
    let app = app.clone();
    std::thread::spawn(move || {
        app.state::<StoreState>().open();
        warm_in_background(&app);
        build_indexes_in_background(&app);
        roll_over_daily(&app);
    });
}

/// A group that is not an archive is computed at the end of today, so its analytics move
/// when the day changes, not when rows arrive. This thread notices the change (it looks
/// once a minute, and at the change itself: a computer that slept through midnight is
/// caught up within a minute of waking) and computes the new day in the background, so
/// that neither a screen nor the rows that arrive that day wait for it.
fn roll_over_daily(app: &AppHandle) {
    let app = app.clone();
    std::thread::spawn(move || {
        let mut as_of = api::live_as_of(unix_now());
        loop {
            std::thread::sleep(until_next_look(unix_now()));
            let now_as_of = api::live_as_of(unix_now());
            if now_as_of != as_of {
                as_of = now_as_of;
                warm_in_background(&app);
            }
        }
    });
}

/// How long [`roll_over_daily`] sleeps at `now`: a minute, or until just after the day
/// ends if that is sooner.
fn until_next_look(now: UnixSeconds) -> Duration {
    let to_day_end = api::live_as_of(now) - now;
    Duration::from_secs(to_day_end.clamp(0, 59) as u64 + 1)
}

/// Builds the indexes a large import left for after its commit (or that a closed app left
/// unbuilt), one at a time on the write connection, each in its own short transaction: the
/// screens read meanwhile (read connections, the store is in WAL mode), and a write waits
/// at most for the index being built. The window hears [`INDEX_PROGRESS_EVENT`]s and can
/// ask [`index_build`]; a process that ends meanwhile loses only the index in progress, and
/// the next start builds what is missing. Runs on the calling thread; `false` when it failed.
fn build_indexes(app: &AppHandle) -> bool {
    let state = app.state::<StoreState>();
    let built = (|| -> Result<(), Error> {
        let total = api::missing_indexes(&*state.lock()?)?;
        if total == 0 {
            return Ok(());
        }
        let mut done = 0;
        let started = Progress::items(hearth::store::BUILDING_INDEXES, 0, Some(total));
        *lock_ignoring_poison(&state.indexes) = Some(started.clone());
        let _ = app.emit(INDEX_PROGRESS_EVENT, &started);
        // The writer's lock is taken for one index at a time.
        while let Some(progress) = api::build_next_missing_index(&mut *state.lock()?, done, total)? {
            done += 1;
            if !progress.finished() {
                *lock_ignoring_poison(&state.indexes) = Some(progress.clone());
                let _ = app.emit(INDEX_PROGRESS_EVENT, &progress);
            }
        }
        Ok(())
    })();
    // Finished (or failed: the next import or start builds what is still missing).
    let finished = lock_ignoring_poison(&state.indexes).take();
    if let Some(last) = finished {
        let total = last.total.unwrap_or(last.done);
        let _ = app.emit(INDEX_PROGRESS_EVENT, &Progress::items(hearth::store::BUILDING_INDEXES, total, Some(total)));
    }
    if let Err(error) = &built {
        eprintln!("hearth: building the archive and profile indexes failed: {}", error.message);
    }
    built.is_ok()
}

/// [`build_indexes`] on a thread of its own, unless one runs already (it goes on until
/// nothing is missing, so it also builds what a later import left).
fn build_indexes_in_background(app: &AppHandle) {
    if app.state::<StoreState>().building_indexes.swap(true, Ordering::SeqCst) {
        return;
    }
    let app = app.clone();
    std::thread::spawn(move || {
        let state = app.state::<StoreState>();
        loop {
            let built = build_indexes(&app);
            state.building_indexes.store(false, Ordering::SeqCst);
            if !built {
                break;
            }
            // An import that committed just as the build ended found it still running.
            let more = state.lock().and_then(|store| api::missing_indexes(&store)).is_ok_and(|missing| missing > 0);
            if !more || state.building_indexes.swap(true, Ordering::SeqCst) {
                break;
            }
        }
    });
}

/// How far the background build of the indexes a large import left is, while one runs
/// (`None` otherwise): the window asks when it starts, then follows the events.
#[tauri::command]
pub fn index_build(app: AppHandle) -> Option<Progress> {
    lock_ignoring_poison(&app.state::<StoreState>().indexes).clone()
}

/// The progress of the store's migration while one runs (`None` otherwise): the window
/// asks for it while it waits for the store.
#[tauri::command]
pub fn store_upgrade(app: AppHandle) -> Option<Progress> {
    lock_ignoring_poison(&app.state::<StoreState>().upgrade).clone()
}

/// Computes every group's analytics in the background after start, imports and settings
/// changes, so that a screen opened next finds them ready. One warm-up runs at a time; a
/// request during one makes it run once more when it ends.
#[derive(Default)]
struct Warmer {
    running: AtomicBool,
    again: AtomicBool,
}

/// Starts the background warm-up (see [`Warmer`]).
pub fn warm_in_background(app: &AppHandle) {
    let state = app.state::<StoreState>();
    state.warmer.again.store(true, Ordering::SeqCst);
    if state.warmer.running.swap(true, Ordering::SeqCst) {
        return;
    }
    let app = app.clone();
    std::thread::spawn(move || {
        let state = app.state::<StoreState>();
        let warmer = &state.warmer;
        loop {
            while warmer.again.swap(false, Ordering::SeqCst) {
                // A failure here is not the person's: the screen that needs the group
                // computes it again and shows the error with what to do.
                if let Err(error) = state.read().and_then(|store| state.analyst.warm(&store, unix_now())) {
                    eprintln!("hearth: computing the analytics ahead failed: {}", error.message);
                }
            }
            warmer.running.store(false, Ordering::SeqCst);
            if !warmer.again.load(Ordering::SeqCst) || warmer.running.swap(true, Ordering::SeqCst) {
                break;
            }
        }
    });
}

/// The cancel flag of the import that is running, if one is.
#[derive(Default)]
pub struct ImportState(Mutex<Option<CancelFlag>>);

impl ImportState {
    fn running(&self) -> MutexGuard<'_, Option<CancelFlag>> {
        // The guarded value is a plain flag: a panic elsewhere cannot leave it half-written.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a new import, or refuses when one is already running (the store takes
    /// one import at a time, and a second would only wait behind the first).
    fn start(&self) -> Result<CancelFlag, Error> {
        let mut running = self.running();
        if running.is_some() {
            return Err(Error::new(ErrorCode::InvalidInput, "an import is already running; wait for it to finish or cancel it first"));
        }
        let flag = CancelFlag::new();
        *running = Some(flag.clone());
        Ok(flag)
    }

    fn finish(&self) {
        *self.running() = None;
    }

    /// Raises the running import's flag; `false` when no import was running.
    fn cancel(&self) -> bool {
        self.running().as_ref().map(CancelFlag::cancel).is_some()
    }
}

#[tauri::command]
pub async fn list_groups(app: AppHandle) -> Result<Vec<GroupSummary>, Error> {
    off_main_thread(app, |state| state.analyst.groups(&*state.read()?)).await
}

#[tauri::command]
pub async fn dashboard(app: AppHandle, group_id: GroupId) -> Result<Dashboard, Error> {
    off_main_thread(app, move |state| state.analyst.dashboard(&*state.read()?, group_id, unix_now())).await
}

#[tauri::command]
pub async fn archive_channels(app: AppHandle, group_id: GroupId) -> Result<Vec<ArchiveChannel>, Error> {
    off_main_thread(app, move |state| state.analyst.archive_channels(&*state.read()?, group_id)).await
}

#[tauri::command]
pub async fn archive_page(app: AppHandle, group_id: GroupId, channel_id: i64, anchor: Anchor, limit: usize) -> Result<ArchivePage, Error> {
    off_main_thread(app, move |state| archive::archive_page(&*state.read()?, group_id, channel_id, anchor, limit)).await
}

#[tauri::command]
pub async fn archive_page_at_message(app: AppHandle, group_id: GroupId, message_id: i64, limit: usize) -> Result<ArchivePage, Error> {
    off_main_thread(app, move |state| archive::archive_page_at_message(&*state.read()?, group_id, message_id, limit)).await
}

#[tauri::command]
pub async fn archive_thread(app: AppHandle, group_id: GroupId, message_id: i64) -> Result<Vec<ArchiveMessage>, Error> {
    off_main_thread(app, move |state| archive::archive_thread(&*state.read()?, group_id, message_id)).await
}

#[tauri::command]
pub async fn search_messages(app: AppHandle, group_id: GroupId, query: String, limit: usize) -> Result<SearchResults, Error> {
    off_main_thread(app, move |state| archive::search(&*state.read()?, group_id, &query, limit)).await
}

// people: the groups overview, the dashboard's trend and heatmaps, the members table, the
// member profile with its notes, and the CSV export of the members table.

#[tauri::command]
pub async fn overview_row(app: AppHandle, group_id: GroupId) -> Result<OverviewRow, Error> {
    off_main_thread(app, move |state| state.analyst.overview_row(&*state.read()?, group_id, unix_now())).await
}

/// The daily score between two dates (`YYYY-MM-DD`, default: the whole history).
#[tauri::command]
pub async fn health_trend(app: AppHandle, group_id: GroupId, from: Option<String>, to: Option<String>) -> Result<Trend, Error> {
    off_main_thread(app, move |state| state.analyst.trend_between(&*state.read()?, group_id, from.as_deref(), to.as_deref(), unix_now()))
        .await
}

/// One heatmap; `timezone` (IANA) for the hours heatmap, else the group's setting, else
/// this computer's zone.
#[tauri::command]
pub async fn heatmap(app: AppHandle, group_id: GroupId, kind: String, timezone: Option<String>) -> Result<HeatmapView, Error> {
    off_main_thread(app, move |state| {
        let kind: HeatmapKind = kind.parse()?;
        let computer = iana_time_zone::get_timezone().ok();
        state.analyst.heatmap(&*state.read()?, group_id, kind, timezone.as_deref(), computer.as_deref(), unix_now())
    })
    .await
}

/// This computer's time zone (IANA name), which the hours heatmap uses by default.
#[tauri::command]
pub fn computer_timezone() -> Option<String> {
    api::computer_timezone(std::env::var("TZ").ok().as_deref(), iana_time_zone::get_timezone().ok().as_deref())
        .map(|zone| zone.name().to_string())
}

#[tauri::command]
pub async fn heatmap_members(app: AppHandle, group_id: GroupId, cell: HeatmapCell) -> Result<CellMembers, Error> {
    off_main_thread(app, move |state| state.analyst.heatmap_members(&*state.read()?, group_id, &cell, unix_now())).await
}

#[tauri::command]
pub async fn members_table(app: AppHandle, group_id: GroupId) -> Result<MembersTable, Error> {
    off_main_thread(app, move |state| state.analyst.members_table(&*state.read()?, group_id, unix_now())).await
}

#[tauri::command]
pub async fn member_profile(app: AppHandle, group_id: GroupId, member_id: i64) -> Result<MemberProfile, Error> {
    off_main_thread(app, move |state| state.analyst.member_profile(&*state.read()?, group_id, member_id, unix_now())).await
}

#[tauri::command]
pub async fn add_member_note(app: AppHandle, group_id: GroupId, member_id: i64, body: String) -> Result<MemberNote, Error> {
    off_main_thread(app, move |state| people::add_member_note(&mut *state.lock()?, group_id, member_id, &body, unix_now())).await
}

#[tauri::command]
pub async fn update_member_note(app: AppHandle, group_id: GroupId, note_id: i64, body: String) -> Result<MemberNote, Error> {
    off_main_thread(app, move |state| people::update_member_note(&mut *state.lock()?, group_id, note_id, &body, unix_now())).await
}

#[tauri::command]
pub async fn delete_member_note(app: AppHandle, group_id: GroupId, note_id: i64) -> Result<(), Error> {
    off_main_thread(app, move |state| people::delete_member_note(&mut *state.lock()?, group_id, note_id)).await
}

/// Writes the CSV the window built to the `.csv` file chosen in the save dialog.
#[tauri::command]
pub async fn write_csv_file(path: PathBuf, contents: String) -> Result<u64, Error> {
    tauri::async_runtime::spawn_blocking(move || people::write_csv_file(&path, &contents))
        .await
        .map_err(|error| Error::new(ErrorCode::Store, format!("writing the file stopped unexpectedly ({error}); try again")))?
}

/// Where the save dialog first offers to put a file named `name`: the person's Documents
/// folder (else their home folder), never the folder the app was started from. The dialog
/// reads the files of the folder it shows, and in the store's folder that would drop this
/// process's SQLite locks on the store (POSIX locks belong to the process, and closing any
/// descriptor of a file releases them), so another program using the store at that moment
/// could take the window's writes for its own and reset the write-ahead log under it.
#[tauri::command]
pub fn default_save_path(app: AppHandle, name: String) -> Option<PathBuf> {
    let folder = app.path().document_dir().or_else(|_| app.path().home_dir()).ok()?;
    Some(folder.join(name))
}

/// Creates the demo community when the store has none (first start), reporting progress
/// to the window as [`DEMO_PROGRESS_EVENT`] events.
#[tauri::command]
pub async fn ensure_demo(app: AppHandle) -> Result<Option<DemoSummary>, Error> {
    let events = app.clone();
    let created = off_main_thread(app.clone(), move |state| {
        let mut throttle = Throttle::new(PROGRESS_INTERVAL);
        let mut forward = |progress: &Progress| {
            if throttle.admits(progress, Instant::now()) {
                // A window that is gone cannot show progress; the work goes on regardless.
                let _ = events.emit(DEMO_PROGRESS_EVENT, progress);
            }
        };
        let created = api::ensure_demo(&mut *state.lock()?, unix_now(), &mut forward);
        // A new demo replaces the group's rows: nothing computed before is kept.
        state.analyst.invalidate(None);
        created
    })
    .await;
    warm_after(&app, created)
}

/// The import formats, by the name the core knows them.
#[tauri::command]
pub fn import_formats() -> Vec<String> {
    api::import_formats()
}

/// The format an import of `path` would read, or why none fits (shown before importing).
#[tauri::command]
pub async fn detect_format(path: PathBuf) -> Result<String, Error> {
    tauri::async_runtime::spawn_blocking(move || api::detect_format(&path))
        .await
        .map_err(|error| Error::new(ErrorCode::Store, format!("format detection stopped unexpectedly ({error}); try again")))?
}

/// Imports the export at `path` (format detected unless given), reporting progress to the
/// window as [`IMPORT_PROGRESS_EVENT`] events. [`cancel_import`] stops it; the store is then
/// exactly as before and the error's code is `cancelled`.
#[tauri::command]
pub async fn import_archive(
    app: AppHandle,
    path: PathBuf,
    format: Option<String>,
    date_order: Option<DateOrder>,
) -> Result<ImportSummary, Error> {
    let cancel = app.state::<ImportState>().start()?;
    let events = app.clone();
    let result = off_main_thread(app.clone(), move |state| {
        // Local times without an offset (old Telegram exports, WhatsApp, old Discord CSV)
        // are read in this computer's zone, as the CLI does; the summary names it.
        let timezone = api::computer_timezone(std::env::var("TZ").ok().as_deref(), iana_time_zone::get_timezone().ok().as_deref());
        let options = ImportOptions { date_order, cancel, timezone, ..ImportOptions::default() };
        let mut throttle = Throttle::new(PROGRESS_INTERVAL);
        let mut forward = |progress: &Progress| {
            if throttle.admits(progress, Instant::now()) {
                let _ = events.emit(IMPORT_PROGRESS_EVENT, progress);
            }
        };
        // Returns at the commit, ready for the dashboard and for search; the indexes it left
        // for after it are built in the background below.
        api::import_paths(&mut *state.lock()?, &[path], format.as_deref(), &options, unix_now(), &mut forward)
    })
    .await;
    app.state::<ImportState>().finish();
    if matches!(&result, Ok(summary) if summary.indexes_to_build > 0) {
        build_indexes_in_background(&app);
    }
    warm_after(&app, result)
}

/// Asks the running import to stop. Returns whether one was running.
#[tauri::command]
pub fn cancel_import(app: AppHandle) -> bool {
    app.state::<ImportState>().cancel()
}

// Moderation: churn warnings and the backtest, the review queue and its decisions log,
// the analytics settings with their preview, and the app-level settings.

/// The group's churn warnings (all severities), the first `per_severity` of each with how
/// many there are; snoozed and handled ones too with `include_hidden`.
#[tauri::command]
pub async fn churn_warnings(app: AppHandle, group_id: GroupId, include_hidden: bool, per_severity: usize) -> Result<WarningPage, Error> {
    off_main_thread(app, move |state| {
        let list = state.analyst.warnings(&*state.read()?, group_id, Severity::Low, include_hidden, unix_now())?;
        Ok(list.first_per_severity(per_severity))
    })
    .await
}

#[tauri::command]
pub async fn churn_backtest(app: AppHandle, group_id: GroupId) -> Result<BacktestReport, Error> {
    off_main_thread(app, move |state| state.analyst.backtest(&*state.read()?, group_id, unix_now())).await
}

/// Snoozes a warning for `snooze_days` (0 ends a snooze), marks it handled or reopens it,
/// and/or sets its note (an empty note clears it).
#[tauri::command]
pub async fn act_on_warning(
    app: AppHandle,
    group_id: GroupId,
    member_id: i64,
    snooze_days: Option<u32>,
    handled: Option<bool>,
    note: Option<String>,
) -> Result<WarningAction, Error> {
    off_main_thread(app, move |state| {
        let now = unix_now();
        let change = WarningActionChange {
            snooze_until: snooze_days.map(|days| (days > 0).then_some(now + i64::from(days) * 86_400)),
            handled,
            note: note.map(|note| Some(note.trim().to_string()).filter(|note| !note.is_empty())),
        };
        review::act_on_warning(&mut *state.lock()?, &group_id.0.to_string(), member_id, &change, now)
    })
    .await
}

/// Runs flag detection and lists the group's review queue.
#[tauri::command]
pub async fn review_flags(app: AppHandle, group_id: GroupId) -> Result<FlagList, Error> {
    off_main_thread(app, move |state| {
        // Detection reads every row: it runs on a read connection (from the analytics kept),
        // and only the queue's rows are written.
        let now = unix_now();
        let detected = state.analyst.detected_flags(&*state.read()?, group_id, now)?;
        review::flags_detected(&mut *state.lock()?, group_id, &detected, None, now)
    })
    .await
}

#[tauri::command]
pub async fn review_flag(
    app: AppHandle,
    group_id: GroupId,
    flag_id: i64,
    decision: Decision,
    note: Option<String>,
) -> Result<FlagView, Error> {
    off_main_thread(app, move |state| {
        review::review(&mut *state.lock()?, &group_id.0.to_string(), flag_id, decision, note.as_deref(), unix_now())
    })
    .await
}

#[tauri::command]
pub async fn undo_review(app: AppHandle, group_id: GroupId, flag_id: i64) -> Result<FlagView, Error> {
    off_main_thread(app, move |state| review::undo_review(&mut *state.lock()?, &group_id.0.to_string(), flag_id, unix_now())).await
}

#[tauri::command]
pub async fn flag_messages(app: AppHandle, group_id: GroupId, flag_id: i64) -> Result<Vec<ArchiveMessage>, Error> {
    off_main_thread(app, move |state| moderation::flag_messages(&*state.read()?, &group_id.0.to_string(), flag_id)).await
}

#[tauri::command]
pub async fn decisions_log(app: AppHandle, group_id: GroupId) -> Result<Vec<DecisionEntry>, Error> {
    off_main_thread(app, move |state| moderation::decisions_log(&*state.read()?, &group_id.0.to_string())).await
}

#[tauri::command]
pub async fn group_settings(app: AppHandle, group_id: GroupId) -> Result<SettingsView, Error> {
    off_main_thread(app, move |state| api::settings(&*state.read()?, &group_id.0.to_string())).await
}

#[tauri::command]
pub async fn preview_settings(app: AppHandle, group_id: GroupId, edits: Vec<SettingEdit>) -> Result<SettingsPreview, Error> {
    off_main_thread(app, move |state| moderation::preview_settings(&*state.read()?, &group_id.0.to_string(), &edits, unix_now())).await
}

#[tauri::command]
pub async fn save_settings(app: AppHandle, group_id: GroupId, edits: Vec<SettingEdit>) -> Result<SettingsView, Error> {
    let saved = off_main_thread(app.clone(), move |state| {
        moderation::save_settings(&mut *state.lock()?, &group_id.0.to_string(), &edits, unix_now())
    })
    .await;
    warm_after(&app, saved)
}

/// Back to the defaults: one section, or every section with `None`.
#[tauri::command]
pub async fn reset_settings(app: AppHandle, group_id: GroupId, section: Option<String>) -> Result<SettingsView, Error> {
    let reset =
        off_main_thread(app.clone(), move |state| api::reset_settings(&mut *state.lock()?, &group_id.0.to_string(), section.as_deref()))
            .await;
    warm_after(&app, reset)
}

#[tauri::command]
pub async fn app_settings(app: AppHandle) -> Result<AppSettings, Error> {
    off_main_thread(app, |state| moderation::app_settings(&*state.read()?)).await
}

#[tauri::command]
pub async fn set_store_message_text(app: AppHandle, keep: bool) -> Result<AppSettings, Error> {
    off_main_thread(app, move |state| moderation::set_store_message_text(&mut *state.lock()?, keep, unix_now())).await
}

#[tauri::command]
pub async fn stored_text(app: AppHandle, group_id: GroupId) -> Result<StoredText, Error> {
    off_main_thread(app, move |state| moderation::stored_text(&*state.read()?, &group_id.0.to_string())).await
}

#[tauri::command]
pub async fn erase_message_text(app: AppHandle, group_id: GroupId) -> Result<TextErased, Error> {
    let erased = off_main_thread(app.clone(), move |state| {
        let erased = moderation::erase_message_text(&mut *state.lock()?, &group_id.0.to_string());
        // Erasing text keeps the rows and their counts, which is what the cache is keyed
        // by; the flags read text, so the group is computed again.
        state.analyst.invalidate(Some(group_id));
        erased
    })
    .await;
    warm_after(&app, erased)
}

/// Starts the background warm-up after a write that changed what the analytics read.
fn warm_after<T>(app: &AppHandle, result: Result<T, Error>) -> Result<T, Error> {
    if result.is_ok() {
        warm_in_background(app);
    }
    result
}

/// Runs store work on a blocking thread so the window keeps painting meanwhile.
async fn off_main_thread<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&StoreState) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tauri::async_runtime::spawn_blocking(move || work(&app.state::<StoreState>()))
        .await
        .map_err(|error| Error::new(ErrorCode::Store, format!("the request stopped unexpectedly ({error}); restart Hearth")))?
}

/// The shell reads the clock; the core is always handed the time.
fn unix_now() -> UnixSeconds {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as UnixSeconds)
}

/// Lets through the first report, the last one (done == total) and at most one per interval.
struct Throttle {
    interval: Duration,
    last: Option<Instant>,
}

impl Throttle {
    fn new(interval: Duration) -> Throttle {
        Throttle { interval, last: None }
    }

    fn admits(&mut self, progress: &Progress, now: Instant) -> bool {
        let finished = progress.finished();
        let due = self.last.is_none_or(|last| now.duration_since(last) >= self.interval);
        if finished || due {
            self.last = Some(now);
        }
        finished || due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(done: u64, total: Option<u64>) -> Progress {
        Progress::items("Writing messages", done, total)
    }

    #[test]
    fn throttle_passes_first_and_finished_reports_and_drops_bursts() {
        let mut throttle = Throttle::new(Duration::from_millis(100));
        let start = Instant::now();
        assert!(throttle.admits(&progress(1, Some(10)), start));
        assert!(!throttle.admits(&progress(2, Some(10)), start + Duration::from_millis(10)));
        assert!(throttle.admits(&progress(3, Some(10)), start + Duration::from_millis(120)));
        assert!(!throttle.admits(&progress(4, None), start + Duration::from_millis(130)));
        assert!(throttle.admits(&progress(10, Some(10)), start + Duration::from_millis(140)));
    }

    #[test]
    fn the_day_roll_over_looks_once_a_minute_and_just_after_midnight() {
        let day = 20_000 * 86_400;
        // Mid-day: a minute; 10 s before midnight: 1 s after it; at midnight exactly (the
        // new day has begun): a minute.
        assert_eq!(until_next_look(day + 3_600), Duration::from_secs(60));
        assert_eq!(until_next_look(day + 86_390), Duration::from_secs(11));
        assert_eq!(api::live_as_of(day + 86_390 + 11), api::live_as_of(day) + 86_400, "it wakes on the new day");
        assert_eq!(until_next_look(day + 86_399), Duration::from_secs(2));
        assert_eq!(until_next_look(day), Duration::from_secs(60));
    }

    #[test]
    fn one_import_runs_at_a_time_and_cancel_reaches_its_flag() {
        let state = ImportState::default();
        assert!(!state.cancel(), "nothing to cancel yet");
        let flag = state.start().unwrap();
        let refused = state.start().expect_err("a second import is refused");
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        assert!(state.cancel());
        assert!(flag.is_cancelled());
        state.finish();
        assert!(!state.cancel());
        assert!(!state.start().unwrap().is_cancelled(), "a new import gets a fresh flag");
    }

    #[test]
    fn commands_report_a_store_that_failed_to_open_with_its_own_error() {
        let state = StoreState::new(PathBuf::from("hearth.sqlite"));
        state.opened(Err(Error::new(ErrorCode::StoreTooNew, "update Hearth")));
        let error = state.lock().err().expect("no store");
        assert_eq!(error.code, ErrorCode::StoreTooNew);
        let error = state.read().err().expect("no store to read either");
        assert_eq!(error.code, ErrorCode::StoreTooNew);
    }
}
