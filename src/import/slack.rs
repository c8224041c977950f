//! Slack workspace exports (Slack's own "Export data" and slackdump's export), as a `.zip` or
//! as the unpacked folder: streams every conversation's day files, message by message, into
//! the store's import transaction as messages, replies, reactions, joins and leaves of one
//! group (the workspace). It owns only the mapping of that format and the safety checks on
//! the zip (entries escaping the folder, zip bombs); it never extracts anything to disk,
//! never holds a whole day file in memory and never commits part of an export.
//!
//! Decisions the format leaves open:
//! - A message's time is its `ts`, never the name of its day file.
//! - `tombstone` messages (a deleted thread parent that keeps its replies) are kept as
//!   messages without text, so that the replies keep their parent; `message_deleted`
//!   notices carry no activity and are skipped with a reason.
//! - An edit notice (`message_changed`) writes the edited message with its new text: the
//!   notice that comes last in the export wins.
//! - Reactions carry no time in an export: each one is dated at the message it reacts to.
//! - An export without any conversation folder (channels and members only) imports its
//!   channels and members; a folder without `channels.json` and `users.json` is refused.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::error::Category;
use zip::ZipArchive;

use super::json_stream::{self, Meter, MeteredReader};
use super::{ImportError, ImportOptions, Outcome, Written};
use crate::model::{ActivityKind, GroupId, Platform, Progress, ProgressSink, UnixSeconds};
use crate::store::{FastMap, ImportTx, NewActivity, NewGroup, NewMember, Store, StoreError};

const FORMAT: &str = "slack";

const CHANNELS_FILE: &str = "channels.json";
const USERS_FILE: &str = "users.json";
/// Enterprise Grid exports name their member list so.
const ORG_USERS_FILE: &str = "org_users.json";
const GROUPS_FILE: &str = "groups.json";
const DMS_FILE: &str = "dms.json";
const MPIMS_FILE: &str = "mpims.json";

/// How many messages are read between two progress reports.
const PROGRESS_EVERY: u64 = 1000;
const PROGRESS_STEP: &str = "Reading messages";

/// No zip entry may expand to more than this many times its compressed size. Slack's JSON
/// compresses about tenfold; deflate cannot exceed about 1,030:1, which zip bombs use.
const MAX_EXPANSION_RATIO: u64 = 250;
/// Small entries may expand to this size whatever their ratio (a tiny `[]` file compresses
/// badly, a file of spaces very well; neither matters below this).
const RATIO_FREE_BYTES: u64 = 1 << 20;
/// The most a whole zip may expand to. Exports of several gigabytes import; this only stops
/// an archive built to fill the disk or keep the import busy for hours.
const MAX_EXPANDED_BYTES: u64 = 64 << 30;
/// Timestamps after this (2100-01-01) are not Slack's: the file is damaged.
const LATEST_TIMESTAMP: UnixSeconds = 4_102_444_800;

const EXPORT_HINT: &str = "in Slack open Settings & administration > Workspace settings > Import/Export Data > Export, \
                           download the zip and import it (or the folder it unpacks to)";

const REEXPORT_HINT: &str = "export the workspace again (Workspace settings > Import/Export Data > Export) and import the new zip";

const ZIP_ATTACK_HINT: &str = "this archive was not written by Slack and may be built to attack the computer that unpacks it; \
                               do not unpack it, and import an export downloaded from Slack itself";

const SKIP_NO_AUTHOR: &str = "message without an author (no user or bot_id)";
const SKIP_NO_TS: &str = "message without a timestamp (no ts)";
const SKIP_DELETION_NOTICE: &str = "deletion notice (message_deleted) without the deleted message";
const SKIP_EMPTY_EDIT: &str = "edit notice (message_changed) without the edited message";
const SKIP_UNNAMED_REACTORS: &str = "reactions whose reactor the export does not name (Slack lists only some reactors)";
const SKIP_OTHER_FILES: &str = "file in a conversation folder that is not a day file (YYYY-MM-DD.json)";

/// Imports the Slack export at `path`: a `.zip` or the folder it unpacks to.
pub fn import(store: &mut Store, path: &Path, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Outcome, ImportError> {
    super::import_paths(store, &[path.to_path_buf()], Some(FORMAT), &ImportOptions::default(), now, progress)
}

/// Writes the Slack export at `path` into the import transaction `tx`.
pub fn write(tx: &mut ImportTx<'_>, path: &Path, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Written, ImportError> {
    let mut export = Export::open(path)?;
    let users: Vec<RawUser> = match export.read_list(USERS_FILE)? {
        Some(users) => users,
        None => export.read_list(ORG_USERS_FILE)?.unwrap_or_default(),
    };
    let channels: Vec<RawChannel> = export.read_list(CHANNELS_FILE)?.unwrap_or_default();
    let private_channels: Vec<RawChannel> = export.read_list(GROUPS_FILE)?.unwrap_or_default();
    let direct_messages: Vec<RawChannel> = export.read_list(DMS_FILE)?.unwrap_or_default();
    let group_direct_messages: Vec<RawChannel> = export.read_list(MPIMS_FILE)?.unwrap_or_default();
    let (day_files, other_files) = export.day_files()?;
    let team = team_id(&users).or_else(|| export.first_message_team(&day_files));
    let platform_id = team.unwrap_or_else(|| export.name.clone());

    // Every write below happens in the caller's transaction. An error drops it, which rolls
    // it back, so a bad export leaves the store exactly as it was.
    let group = tx.upsert_group(
        &NewGroup { platform: Platform::Slack, platform_id: &platform_id, name: &export.name, is_archive: true, is_demo: false },
        now,
    )?;
    let skipped = {
        let mut session = Session::new(&mut *tx, group, &mut *progress);
        session.files_total = day_files.len() as u64;
        session.skip(SKIP_OTHER_FILES, other_files);
        session.write_users(&users)?;
        session.write_channels(&channels, ChannelKind::Named)?;
        session.write_channels(&private_channels, ChannelKind::Named)?;
        session.write_channels(&direct_messages, ChannelKind::Direct)?;
        session.write_channels(&group_direct_messages, ChannelKind::GroupDirect)?;
        for day_file in &day_files {
            let channel = session.channel_for_folder(&day_file.folder)?;
            let shown_path = export.shown_path(&day_file.entry);
            let reader = export.open_entry(&day_file.entry)?;
            session.read_day(reader, &shown_path, channel)?;
            session.files_done += 1;
            session.report_progress();
        }
        session.report_progress();
        session.skipped
    };
    Ok(Written { groups: vec![group], skipped, read_local_times: false })
}

/// Whether `path` looks like a Slack export: a folder, or a `.zip`, holding `channels.json`
/// and a member list. Never fails: anything unreadable is simply not a Slack export.
pub fn looks_like_export(path: &Path) -> bool {
    if path.is_dir() {
        return path.join(CHANNELS_FILE).is_file() && (path.join(USERS_FILE).is_file() || path.join(ORG_USERS_FILE).is_file());
    }
    if !path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("zip")) {
        return false;
    }
    let Ok(file) = File::open(path) else { return false };
    let Ok(archive) = ZipArchive::new(BufReader::new(file)) else { return false };
    let names: Vec<&str> = archive.file_names().collect();
    export_prefix(&names).is_some()
}

/// The folder inside a zip that holds the export: "" when `channels.json` is at the top
/// (as Slack writes it), "name/" when someone zipped the unpacked folder.
fn export_prefix(names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|name| name.strip_suffix(CHANNELS_FILE))
        .filter(|prefix| prefix.is_empty() || (prefix.ends_with('/') && prefix.matches('/').count() == 1))
        .min_by_key(|prefix| prefix.len())
        .map(str::to_string)
}

/// The most common `team_id` of the members: the workspace's id.
fn team_id(users: &[RawUser]) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for user in users {
        if let Some(team) = user.team_id.as_deref().filter(|team| !team.is_empty()) {
            *counts.entry(team).or_default() += 1;
        }
    }
    counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0))).map(|(team, _)| team.to_string())
}

/// Where the export's files are read from.
enum Source {
    Folder,
    Zip { archive: Box<ZipArchive<BufReader<File>>>, prefix: String, expanded: Rc<Cell<u64>> },
}

/// One conversation's day file: `entry` is its path relative to the export (with `/`).
struct DayFile {
    folder: String,
    entry: String,
}

struct Export {
    root: PathBuf,
    /// The workspace's name: the folder's or zip's name without extension.
    name: String,
    source: Source,
}

impl Export {
    fn open(path: &Path) -> Result<Export, ImportError> {
        let metadata = std::fs::metadata(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
        let name = if metadata.is_dir() { path.file_name() } else { path.file_stem() }
            .map(|name| name.to_string_lossy().into_owned())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "Slack workspace".to_string());
        let not_an_export = || ImportError::Unsupported {
            path: path.to_path_buf(),
            problem: format!("no Slack export here: {CHANNELS_FILE} and {USERS_FILE} (or {ORG_USERS_FILE}) are missing"),
            hint: format!("import the zip Slack sends, or the folder it unpacks to; {EXPORT_HINT}"),
        };
        if metadata.is_dir() {
            if !path.join(CHANNELS_FILE).is_file() || !(path.join(USERS_FILE).is_file() || path.join(ORG_USERS_FILE).is_file()) {
                return Err(not_an_export());
            }
            return Ok(Export { root: path.to_path_buf(), name, source: Source::Folder });
        }
        let file = File::open(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
        let mut archive = ZipArchive::new(BufReader::new(file)).map_err(|error| corrupt_zip(path, "the central directory", &error))?;
        check_entries(path, &mut archive)?;
        let names: Vec<&str> = archive.file_names().collect();
        let prefix = export_prefix(&names).ok_or_else(not_an_export)?;
        if !names.iter().any(|entry| *entry == format!("{prefix}{USERS_FILE}") || *entry == format!("{prefix}{ORG_USERS_FILE}")) {
            return Err(not_an_export());
        }
        let source = Source::Zip { archive: Box::new(archive), prefix, expanded: Rc::new(Cell::new(0)) };
        Ok(Export { root: path.to_path_buf(), name, source })
    }

    /// The path shown in errors for `entry`: inside the folder, or "export.zip/entry".
    fn shown_path(&self, entry: &str) -> PathBuf {
        match &self.source {
            Source::Folder => self.root.join(entry),
            Source::Zip { prefix, .. } => self.root.join(format!("{prefix}{entry}")),
        }
    }

    fn has(&self, entry: &str) -> bool {
        match &self.source {
            Source::Folder => self.root.join(entry).is_file(),
            Source::Zip { archive, prefix, .. } => archive.index_for_name(&format!("{prefix}{entry}")).is_some(),
        }
    }

    /// A reader of `entry`, guarded against zip bombs when it comes from a zip.
    fn open_entry(&mut self, entry: &str) -> Result<Box<dyn Read + '_>, ImportError> {
        let shown = self.shown_path(entry);
        match &mut self.source {
            Source::Folder => {
                let file = File::open(&shown).map_err(|source| ImportError::Io { path: shown.clone(), source })?;
                Ok(Box::new(BufReader::new(file)))
            }
            Source::Zip { archive, prefix, expanded } => {
                let zip_path = self.root.clone();
                let file = archive
                    .by_name(&format!("{prefix}{entry}"))
                    .map_err(|error| corrupt_zip(&zip_path, &format!("entry {entry}"), &error))?;
                let limit = file.compressed_size().saturating_mul(MAX_EXPANSION_RATIO).max(RATIO_FREE_BYTES);
                Ok(Box::new(BufReader::new(GuardedEntry { inner: file, read: 0, limit, expanded: Rc::clone(expanded) })))
            }
        }
    }

    /// Reads one of the export's lists (`users.json`, `channels.json`, ...), or `None` when
    /// the export has no such file. Lists are small next to the messages: they are read whole.
    fn read_list<T: for<'de> Deserialize<'de>>(&mut self, entry: &str) -> Result<Option<Vec<T>>, ImportError> {
        if !self.has(entry) {
            return Ok(None);
        }
        let shown = self.shown_path(entry);
        let reader = self.open_entry(entry)?;
        let mut deserializer = serde_json::Deserializer::from_reader(reader);
        let list = Vec::<T>::deserialize(&mut deserializer)
            .and_then(|list| deserializer.end().map(|()| list))
            .map_err(|error| json_error(&shown, error, None, &format!("a Slack export's {entry} (a JSON array)")))?;
        Ok(Some(list))
    }

    /// The day files of every conversation folder, sorted by folder and day so that edits
    /// come after what they edit, and how many other files the folders hold.
    fn day_files(&self) -> Result<(Vec<DayFile>, u64), ImportError> {
        let mut entries: Vec<(String, String)> = Vec::new();
        let mut others = 0;
        match &self.source {
            Source::Folder => {
                let read_dir =
                    |folder: &Path| std::fs::read_dir(folder).map_err(|source| ImportError::Io { path: folder.to_path_buf(), source });
                for folder in read_dir(&self.root)? {
                    let folder = folder.map_err(|source| ImportError::Io { path: self.root.clone(), source })?;
                    if !folder.path().is_dir() {
                        continue;
                    }
                    let folder_name = folder.file_name().to_string_lossy().into_owned();
                    for file in read_dir(&folder.path())? {
                        let file = file.map_err(|source| ImportError::Io { path: folder.path(), source })?;
                        let file_name = file.file_name().to_string_lossy().into_owned();
                        if file.path().is_file() && is_day_file_name(&file_name) {
                            entries.push((folder_name.clone(), file_name));
                        } else if file.path().is_file() {
                            others += 1;
                        }
                    }
                }
            }
            Source::Zip { archive, prefix, .. } => {
                for name in archive.file_names() {
                    let Some(relative) = name.strip_prefix(prefix.as_str()) else { continue };
                    let Some((folder, file_name)) = relative.split_once('/') else { continue };
                    if file_name.is_empty() || file_name.contains('/') {
                        continue;
                    }
                    if is_day_file_name(file_name) {
                        entries.push((folder.to_string(), file_name.to_string()));
                    } else {
                        others += 1;
                    }
                }
            }
        }
        entries.sort();
        let day_files = entries.into_iter().map(|(folder, file)| DayFile { entry: format!("{folder}/{file}"), folder }).collect();
        Ok((day_files, others))
    }

    /// The `team` of the first message that names one, for exports whose member list does
    /// not. Only the first day file that has one is read, and only up to that message; a
    /// damaged file is left for the import itself to report.
    fn first_message_team(&mut self, day_files: &[DayFile]) -> Option<String> {
        for day_file in day_files {
            let Ok(reader) = self.open_entry(&day_file.entry) else { return None };
            let mut deserializer = serde_json::Deserializer::from_reader(reader);
            let mut found = None;
            let _ = TeamSeed { found: &mut found }.deserialize(&mut deserializer);
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

/// `YYYY-MM-DD.json`.
fn is_day_file_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".json") else { return false };
    let bytes = stem.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| if index == 4 || index == 7 { *byte == b'-' } else { byte.is_ascii_digit() })
}

/// Refuses a zip whose entries would land outside the folder it unpacks to, or whose
/// declared sizes already say it is a bomb. Sizes are checked again while reading, since
/// a crafted zip may declare sizes it does not have.
fn check_entries(path: &Path, archive: &mut ZipArchive<BufReader<File>>) -> Result<(), ImportError> {
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|error| corrupt_zip(path, &format!("entry {}", index + 1), &error))?;
        let name = entry.name().to_string();
        let escapes = name.starts_with('/')
            || name.starts_with('\\')
            || name.contains(':')
            || Path::new(&name.replace('\\', "/"))
                .components()
                .any(|component| matches!(component, Component::ParentDir | Component::RootDir | Component::Prefix(_)));
        if escapes || entry.enclosed_name().is_none() {
            return Err(ImportError::Malformed {
                path: path.to_path_buf(),
                position: format!("entry {} ({name:?})", index + 1),
                problem: "the entry's path escapes the export folder (it is absolute or climbs out with ../)".into(),
                hint: ZIP_ATTACK_HINT.into(),
            });
        }
        let limit = entry.compressed_size().saturating_mul(MAX_EXPANSION_RATIO).max(RATIO_FREE_BYTES);
        if entry.size() > limit {
            return Err(zip_bomb(path, &name, &format!("it expands {} bytes to {}", entry.compressed_size(), entry.size())));
        }
        total = total.saturating_add(entry.size());
        if total > MAX_EXPANDED_BYTES {
            return Err(zip_bomb(path, &name, &format!("the archive expands to more than {} GiB", MAX_EXPANDED_BYTES >> 30)));
        }
    }
    Ok(())
}

fn zip_bomb(path: &Path, entry: &str, detail: &str) -> ImportError {
    ImportError::Malformed {
        path: path.to_path_buf(),
        position: format!("entry {entry:?}"),
        problem: format!(
            "the zip looks like a zip bomb: {detail} (Hearth reads at most {MAX_EXPANSION_RATIO} times an entry's compressed size \
             and {} GiB in all)",
            MAX_EXPANDED_BYTES >> 30
        ),
        hint: ZIP_ATTACK_HINT.into(),
    }
}

fn corrupt_zip(path: &Path, position: &str, error: &zip::result::ZipError) -> ImportError {
    ImportError::Malformed {
        path: path.to_path_buf(),
        position: position.to_string(),
        problem: format!("this is not a readable zip ({error}): it is damaged, truncated or encrypted"),
        hint: format!("download the export again; {REEXPORT_HINT}"),
    }
}

/// Why a zip entry was cut off while reading; carried through the JSON parser as an I/O error.
#[derive(Debug)]
struct ExpansionLimit {
    detail: String,
}

impl fmt::Display for ExpansionLimit {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.detail)
    }
}

impl std::error::Error for ExpansionLimit {}

/// A zip entry's reader that stops at the entry's expansion limit and at the archive's.
struct GuardedEntry<R> {
    inner: R,
    read: u64,
    limit: u64,
    expanded: Rc<Cell<u64>>,
}

impl<R: Read> Read for GuardedEntry<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)? as u64;
        self.read += read;
        self.expanded.set(self.expanded.get() + read);
        let detail = if self.read > self.limit {
            Some(format!("the entry expands to more than {} bytes, over {MAX_EXPANSION_RATIO} times its compressed size", self.limit))
        } else if self.expanded.get() > MAX_EXPANDED_BYTES {
            Some(format!("the archive expands to more than {} GiB", MAX_EXPANDED_BYTES >> 30))
        } else {
            None
        };
        match detail {
            Some(detail) => Err(std::io::Error::other(ExpansionLimit { detail })),
            None => Ok(read as usize),
        }
    }
}

/// Turns a JSON parser error on `path` into an import error. `message` is the number of the
/// message being read, for day files.
fn json_error(path: &Path, error: serde_json::Error, message: Option<u64>, expected: &str) -> ImportError {
    let mut position = format!("line {}, column {}", error.line(), error.column());
    if let Some(message) = message {
        position.push_str(&format!(", message {message} of the day file"));
    }
    let bare = {
        let text = error.to_string();
        match text.rfind(" at line ") {
            Some(at) => text[..at].to_string(),
            None => text,
        }
    };
    let (problem, hint) = match error.classify() {
        Category::Io => {
            let source: std::io::Error = error.into();
            if json_stream::too_long(&source).is_some() {
                let (problem, hint) = json_stream::too_long_problem("message", "Slack", REEXPORT_HINT);
                return ImportError::Malformed { path: path.to_path_buf(), position, problem, hint };
            }
            if let Some(limit) = source.get_ref().and_then(|inner| inner.downcast_ref::<ExpansionLimit>()) {
                return ImportError::Malformed {
                    path: path.to_path_buf(),
                    position,
                    problem: format!("the zip looks like a zip bomb: {limit}"),
                    hint: ZIP_ATTACK_HINT.into(),
                };
            }
            return ImportError::Io { path: path.to_path_buf(), source };
        }
        Category::Eof if error.line() <= 1 && error.column() == 0 => ("the file is empty".to_string(), REEXPORT_HINT.to_string()),
        Category::Eof => (
            "the file ends in the middle of its JSON: it is truncated (the export or its copy did not finish)".to_string(),
            REEXPORT_HINT.to_string(),
        ),
        Category::Syntax => (format!("this is not valid JSON ({bare})"), REEXPORT_HINT.to_string()),
        Category::Data => (format!("this is not {expected} ({bare})"), format!("the file looks edited or damaged; {REEXPORT_HINT}")),
    };
    ImportError::Malformed { path: path.to_path_buf(), position, problem, hint }
}

/// Why reading a day file stopped, when the reason is ours rather than the JSON parser's.
enum Failure {
    Malformed { problem: String, hint: String },
    Store(StoreError),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::Store(error)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ChannelKind {
    /// Public channels (channels.json) and private ones (groups.json): folders by name.
    Named,
    /// Direct messages (dms.json): folders by id, named after their two members.
    Direct,
    /// Group direct messages (mpims.json): folders by name, named after their members.
    GroupDirect,
}

/// The writes of one export.
struct Session<'a, 'conn> {
    tx: &'a mut ImportTx<'conn>,
    group: GroupId,
    progress: &'a mut dyn FnMut(&Progress),
    /// Member row ids by Slack user (or bot) id.
    members: FastMap<String, i64>,
    /// Display names by Slack user id, to name direct-message channels.
    names: HashMap<String, String>,
    /// Channel platform id and row id by the name of its folder in the export.
    folders: HashMap<String, (String, i64)>,
    skipped: BTreeMap<String, u64>,
    messages_read: u64,
    /// Day files read, of all day files: the export's progress (its messages are not
    /// counted in advance).
    files_done: u64,
    files_total: u64,
    failure: Option<Failure>,
    /// The day file being read, when it is read whole (see `read_day`).
    day_bytes: Vec<u8>,
}

/// Day files up to this size are read whole: no message in them can be longer than the
/// streaming reader allows one to be.
const WHOLE_DAY_FILE_BYTES: u64 = json_stream::MAX_ELEMENT_BYTES;

/// A reader that gives the error reading a file stopped with, where the bytes read before it
/// end.
struct FailingReader(Option<std::io::Error>);

impl Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        match self.0.take() {
            Some(error) => Err(error),
            None => Ok(0),
        }
    }
}

impl<'a, 'conn> Session<'a, 'conn> {
    fn new(tx: &'a mut ImportTx<'conn>, group: GroupId, progress: &'a mut dyn FnMut(&Progress)) -> Self {
        Session {
            tx,
            group,
            progress,
            members: FastMap::default(),
            names: HashMap::new(),
            folders: HashMap::new(),
            skipped: BTreeMap::new(),
            messages_read: 0,
            files_done: 0,
            files_total: 0,
            failure: None,
            day_bytes: Vec::new(),
        }
    }

    fn skip(&mut self, reason: &str, count: u64) {
        if count > 0 {
            *self.skipped.entry(reason.to_string()).or_default() += count;
        }
    }

    fn report_progress(&mut self) {
        (self.progress)(&Progress::files(PROGRESS_STEP, self.messages_read, self.files_done, self.files_total));
    }

    fn write_users(&mut self, users: &[RawUser]) -> Result<(), StoreError> {
        for user in users {
            let name = user.display_name();
            // Slackbot is listed as a person, but is Slack's own bot.
            let is_bot = user.is_bot.unwrap_or(false) || user.id == "USLACKBOT";
            let id = self.tx.upsert_member(self.group, &NewMember { platform_id: &user.id, display_name: &name, is_bot })?;
            self.members.insert(user.id.clone(), id);
            self.names.insert(user.id.clone(), name);
        }
        Ok(())
    }

    fn write_channels(&mut self, channels: &[RawChannel], kind: ChannelKind) -> Result<(), StoreError> {
        for channel in channels {
            let listed_name = channel.name.clone().filter(|name| !name.is_empty());
            let name = match kind {
                ChannelKind::Named => listed_name.clone().unwrap_or_else(|| channel.id.clone()),
                ChannelKind::Direct | ChannelKind::GroupDirect => {
                    let members: Vec<&str> = channel
                        .members
                        .iter()
                        .flatten()
                        .map(|member| self.names.get(member).map_or(member.as_str(), String::as_str))
                        .collect();
                    if members.is_empty() {
                        listed_name.clone().unwrap_or_else(|| channel.id.clone())
                    } else {
                        members.join(", ")
                    }
                }
            };
            let row = self.tx.upsert_channel(self.group, &channel.id, &name)?;
            // Slack names folders of channels by name and of direct messages by id.
            self.folders.insert(channel.id.clone(), (channel.id.clone(), row));
            if let Some(folder) = listed_name {
                self.folders.insert(folder, (channel.id.clone(), row));
            }
        }
        Ok(())
    }

    /// The channel of a conversation folder; a folder no list names becomes a channel
    /// keyed and named by the folder.
    fn channel_for_folder(&mut self, folder: &str) -> Result<(String, i64), StoreError> {
        if let Some(channel) = self.folders.get(folder) {
            return Ok(channel.clone());
        }
        let row = self.tx.upsert_channel(self.group, folder, folder)?;
        self.folders.insert(folder.to_string(), (folder.to_string(), row));
        Ok((folder.to_string(), row))
    }

    fn read_day(&mut self, mut reader: Box<dyn Read + '_>, path: &Path, channel: (String, i64)) -> Result<(), ImportError> {
        // The meter refuses a message longer than any Slack writes before it is in memory.
        let meter = Rc::new(Meter::default());
        let mut index = 0;
        // A day file holds one channel's day, a few hundred kilobytes: one no longer than
        // the longest message may be is read whole into a buffer kept for the next file and
        // parsed from there (serde_json reads a slice many bytes at a step, an `io::Read` a
        // byte at a time). A longer one streams, its first bytes from the buffer, the rest
        // from the file, as does one whose reading failed: the parser meets the error where
        // it happened.
        let mut whole = std::mem::take(&mut self.day_bytes);
        whole.clear();
        let read = (&mut reader).take(WHOLE_DAY_FILE_BYTES + 1).read_to_end(&mut whole);
        let result = match read {
            Ok(length) if length as u64 <= WHOLE_DAY_FILE_BYTES => {
                let seed = DaySeed { session: self, channel: &channel, index: &mut index, meter: &meter };
                // Valid UTF-8 (checked once for the whole file) is parsed as text, so that
                // serde_json does not check each string again; the byte parser reports a bad
                // byte where it is.
                let result = match std::str::from_utf8(&whole) {
                    Ok(text) => parse_whole(seed, serde_json::Deserializer::from_str(text)),
                    Err(_) => parse_whole(seed, serde_json::Deserializer::from_slice(&whole)),
                };
                self.day_bytes = whole;
                result
            }
            read => {
                let rest: Box<dyn Read + '_> = match read {
                    Ok(_) => reader,
                    Err(error) => Box::new(FailingReader(Some(error))),
                };
                let streamed = std::io::Cursor::new(whole).chain(rest);
                let mut deserializer =
                    serde_json::Deserializer::from_reader(BufReader::new(MeteredReader::new(streamed, Rc::clone(&meter))));
                DaySeed { session: self, channel: &channel, index: &mut index, meter: &meter }
                    .deserialize(&mut deserializer)
                    .and_then(|()| deserializer.end())
            }
        };
        result.map_err(|error| {
            let message = Some(index + 1);
            match self.failure.take() {
                Some(Failure::Store(error)) => ImportError::Store(error),
                Some(Failure::Malformed { problem, hint }) => ImportError::Malformed {
                    path: path.to_path_buf(),
                    position: format!(
                        "message {} of the day file, which ends before line {}, column {}",
                        index + 1,
                        error.line(),
                        error.column()
                    ),
                    problem,
                    hint,
                },
                None => json_error(path, error, message, "a Slack day file (a JSON array of messages)"),
            }
        })
    }

    /// The member of `user`, created from what the message says when users.json lacks it.
    fn author(&mut self, user: &str, message: &RawMessage, is_bot: bool) -> Result<i64, StoreError> {
        if let Some(&id) = self.members.get(user) {
            return Ok(id);
        }
        let name = message
            .user_profile
            .as_ref()
            .and_then(RawProfile::display_name)
            .or_else(|| message.username.clone().filter(|name| !name.is_empty()))
            .or_else(|| message.bot_profile.as_ref().and_then(|bot| bot.name.clone()).filter(|name| !name.is_empty()))
            .unwrap_or_else(|| user.to_string());
        let id = self.tx.upsert_member(self.group, &NewMember { platform_id: user, display_name: &name, is_bot })?;
        self.members.insert(user.to_string(), id);
        Ok(id)
    }

    fn write_message(&mut self, channel: &(String, i64), message: RawMessage) -> Result<(), Failure> {
        let subtype = message.subtype.clone();
        let message = match subtype.as_deref() {
            Some("message_deleted") => {
                self.skip(SKIP_DELETION_NOTICE, 1);
                return Ok(());
            }
            Some("message_changed") => match message.message {
                // The edited message, with its own ts and author; its latest text wins.
                Some(edited) => *edited,
                None => {
                    self.skip(SKIP_EMPTY_EDIT, 1);
                    return Ok(());
                }
            },
            _ => message,
        };
        let subtype = message.subtype.clone().or(subtype.filter(|subtype| subtype != "message_changed"));
        let Some(ts) = message.ts.clone() else {
            self.skip(SKIP_NO_TS, 1);
            return Ok(());
        };
        let at = parse_ts(&ts).ok_or_else(|| Failure::Malformed {
            problem: format!("the message's ts {ts:?} is not a Slack timestamp between 1970 and 2100"),
            hint: format!("the file looks edited or damaged; {REEXPORT_HINT}"),
        })?;
        let is_bot_message = subtype.as_deref() == Some("bot_message");
        let (author, is_bot) = match (&message.user, &message.bot_id) {
            (Some(user), _) if !user.is_empty() => (user.clone(), is_bot_message),
            (_, Some(bot)) if !bot.is_empty() => (bot.clone(), true),
            _ => {
                self.skip(SKIP_NO_AUTHOR, 1);
                return Ok(());
            }
        };
        let member = self.author(&author, &message, is_bot)?;
        let platform_id = format!("{}:{ts}", channel.0);
        let (kind, parent) = match subtype.as_deref() {
            Some("channel_join" | "group_join") => (ActivityKind::Join, None),
            Some("channel_leave" | "group_leave") => (ActivityKind::Leave, None),
            _ => match message.thread_ts.as_deref() {
                Some(thread) if thread != ts && !thread.is_empty() => (ActivityKind::Reply, Some(format!("{}:{thread}", channel.0))),
                _ => (ActivityKind::Message, None),
            },
        };
        // A tombstone stands for a deleted thread parent: its text is Slack's placeholder.
        let text = match subtype.as_deref() {
            Some("tombstone") => None,
            _ => message.text.as_deref().filter(|text| !text.is_empty()),
        };
        let raw_kind = subtype.as_deref().filter(|subtype| !matches!(*subtype, "channel_join" | "channel_leave"));
        self.tx.insert_activity(
            self.group,
            &NewActivity {
                channel_id: channel.1,
                member_id: member,
                platform_id: &platform_id,
                kind,
                at,
                parent_platform_id: parent.as_deref(),
                text,
                raw_kind,
            },
        )?;
        for reaction in message.reactions.iter().flatten() {
            let users = reaction.users.as_deref().unwrap_or_default();
            for user in users {
                let reactor = match self.members.get(user) {
                    Some(&id) => id,
                    None => {
                        let id = self.tx.upsert_member(self.group, &NewMember { platform_id: user, display_name: user, is_bot: false })?;
                        self.members.insert(user.clone(), id);
                        id
                    }
                };
                let reaction_id = format!("{platform_id}:{}:{user}", reaction.name);
                self.tx.insert_activity(
                    self.group,
                    &NewActivity {
                        channel_id: channel.1,
                        member_id: reactor,
                        platform_id: &reaction_id,
                        kind: ActivityKind::Reaction,
                        at,
                        parent_platform_id: Some(&platform_id),
                        text: Some(&reaction.name),
                        raw_kind: None,
                    },
                )?;
            }
            let unnamed = reaction.count.unwrap_or(0).saturating_sub(users.len() as u64);
            self.skip(SKIP_UNNAMED_REACTORS, unnamed);
        }
        Ok(())
    }
}

/// Seconds of a Slack `ts` ("1736478514.897649"), when it is one and falls in 1970..2100.
fn parse_ts(ts: &str) -> Option<UnixSeconds> {
    let (seconds, fraction) = ts.split_once('.').unwrap_or((ts, ""));
    if seconds.is_empty() || !seconds.bytes().all(|byte| byte.is_ascii_digit()) || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let seconds: UnixSeconds = seconds.parse().ok()?;
    (seconds <= LATEST_TIMESTAMP).then_some(seconds)
}

/// Reads a day file's array one message at a time.
/// Reads one whole day file with `seed`, and checks that nothing follows its array.
fn parse_whole<'de, R: serde_json::de::Read<'de>>(
    seed: DaySeed<'_, '_, '_>,
    mut deserializer: serde_json::Deserializer<R>,
) -> serde_json::Result<()> {
    seed.deserialize(&mut deserializer).and_then(|()| deserializer.end())
}

struct DaySeed<'s, 'a, 'conn> {
    session: &'s mut Session<'a, 'conn>,
    channel: &'s (String, i64),
    index: &'s mut u64,
    meter: &'s Meter,
}

impl<'de> DeserializeSeed<'de> for DaySeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for DaySeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON array of Slack messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let session = self.session;
        loop {
            self.meter.begin_element();
            let next = seq.next_element::<RawMessage>();
            self.meter.end_element();
            let Some(message) = next? else { break };
            if let Err(failure) = session.write_message(self.channel, message) {
                let summary = match &failure {
                    Failure::Malformed { problem, .. } => problem.clone(),
                    Failure::Store(error) => error.to_string(),
                };
                session.failure = Some(failure);
                return Err(de::Error::custom(summary));
            }
            *self.index += 1;
            session.messages_read += 1;
            if session.messages_read % PROGRESS_EVERY == 0 {
                session.report_progress();
            }
        }
        Ok(())
    }
}

/// Reads a day file's messages until one names its `team`.
struct TeamSeed<'f> {
    found: &'f mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for TeamSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TeamSeed<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON array of Slack messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        #[derive(Deserialize)]
        struct Team {
            team: Option<String>,
        }
        while let Some(message) = seq.next_element::<Team>()? {
            if let Some(team) = message.team.filter(|team| !team.is_empty()) {
                *self.found = Some(team);
                // Stop here: the rest of the file is read by the import.
                return Err(de::Error::custom("found"));
            }
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct RawUser {
    id: String,
    team_id: Option<String>,
    name: Option<String>,
    real_name: Option<String>,
    is_bot: Option<bool>,
    profile: Option<RawProfile>,
}

impl RawUser {
    /// `real_name`, else the profile's names, else the account name, else the id.
    fn display_name(&self) -> String {
        self.real_name
            .clone()
            .filter(|name| !name.trim().is_empty())
            .or_else(|| self.profile.as_ref().and_then(RawProfile::display_name))
            .or_else(|| self.name.clone().filter(|name| !name.trim().is_empty()))
            .unwrap_or_else(|| self.id.clone())
    }
}

#[derive(Deserialize)]
struct RawProfile {
    real_name: Option<String>,
    display_name: Option<String>,
    name: Option<String>,
}

impl RawProfile {
    fn display_name(&self) -> Option<String> {
        [&self.real_name, &self.display_name, &self.name].into_iter().flatten().find(|name| !name.trim().is_empty()).cloned()
    }
}

#[derive(Deserialize)]
struct RawBotProfile {
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawChannel {
    id: String,
    name: Option<String>,
    members: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawReaction {
    name: String,
    users: Option<Vec<String>>,
    count: Option<u64>,
}

/// One message of a day file, with only the fields the import uses.
#[derive(Deserialize)]
#[serde(expecting = "a Slack message object")]
struct RawMessage {
    subtype: Option<String>,
    #[serde(default, deserialize_with = "timestamp")]
    ts: Option<String>,
    #[serde(default, deserialize_with = "timestamp")]
    thread_ts: Option<String>,
    user: Option<String>,
    bot_id: Option<String>,
    username: Option<String>,
    text: Option<String>,
    user_profile: Option<RawProfile>,
    bot_profile: Option<RawBotProfile>,
    reactions: Option<Vec<RawReaction>>,
    /// The edited message, in a `message_changed` notice.
    message: Option<Box<RawMessage>>,
}

/// A `ts` as Slack writes it (a string), or as a number when a tool re-saved it.
fn timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    struct TimestampVisitor;
    impl<'de> Visitor<'de> for TimestampVisitor {
        type Value = Option<String>;
        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a Slack timestamp such as \"1736478514.897649\"")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Some(text.to_string()))
        }
        fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
            Ok(Some(number.to_string()))
        }
        fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
            Ok(Some(number.to_string()))
        }
        fn visit_f64<E: de::Error>(self, number: f64) -> Result<Self::Value, E> {
            Ok(Some(format!("{number:.6}")))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    deserializer.deserialize_any(TimestampVisitor)
}
