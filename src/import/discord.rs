//! DiscordChatExporter's JSON export (one channel per file): streams each file's messages,
//! one at a time, into the store's import transaction as messages, replies, reactions,
//! joins and leaves. A file, several files or a folder of them make one import. It owns only
//! the mapping of that format; it never holds a whole file in memory and never commits part
//! of an import.
//!
//! DiscordChatExporter's CSV export is read too, in its old form (`;`-separated, dates like
//! `20-Oct-18 09:12 PM`) and its current one (`,`-separated, ISO 8601 dates). A CSV file has
//! no message ids, no guild and no channel: see `read_csv` for what stands in for them.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use chrono::{DateTime, NaiveDateTime};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::json_stream::{self, EachElement, ElementSink, Failure, Identified, JsonFile, Meter, MeteredReader, Vocabulary};
use super::{ImportError, ImportOptions, Outcome, Written};
use crate::model::{ActivityKind, GroupId, Platform, Progress, ProgressSink, UnixSeconds, DAY};
use crate::store::{ImportTx, NewActivity, NewGroup, NewMember, Store, StoreError};

const FORMAT: &str = "discord";

/// How many messages are read between two progress reports.
const PROGRESS_EVERY: u64 = 1000;

const PROGRESS_STEP: &str = "Reading messages";

/// The id DiscordChatExporter gives the pseudo guild that holds direct messages and group
/// DMs. Every DM export has it, so such a group is keyed by its channel instead.
const DIRECT_MESSAGES_GUILD: &str = "0";

/// 2015-01-01T00:00:00Z, the start of Discord's ids: no message is older.
const DISCORD_EPOCH: UnixSeconds = 1_420_070_400;

const EXPORT_HINT: &str = "export the channel with DiscordChatExporter choosing the JSON format (`--format Json`) \
                           and import the .json file it writes, or a folder of them";

const REEXPORT_HINT: &str = "export the channel again with DiscordChatExporter (format JSON) and import the new file";

fn damaged_hint() -> String {
    format!("the file looks edited by hand or damaged; {REEXPORT_HINT}")
}

/// How the shared JSON streaming words its errors for this format.
const WORDS: Vocabulary = Vocabulary {
    expected: "a DiscordChatExporter JSON export",
    export_hint: EXPORT_HINT,
    reexport_hint: REEXPORT_HINT,
    other_exports: "the HTML and TXT exports cannot be imported (a CSV export must keep its .csv name)",
    platform: "Discord",
};

const SKIP_UNATTRIBUTED_REACTIONS: &str =
    "reactions whose reactor the export does not name (DiscordChatExporter lists reactors only when asked)";
const SKIP_NO_AUTHOR: &str = "message without an author";

/// System messages that record no member's activity in the channel. Other types that Hearth
/// does not know are kept as messages with their raw type.
const SYSTEM_WITHOUT_ACTIVITY: &[&str] = &[
    "Call",
    "ChannelNameChange",
    "ChannelIconChange",
    "ChannelPinnedMessage",
    "ThreadCreated",
    "GuildBoost",
    "GuildBoostTier1",
    "GuildBoostTier2",
    "GuildBoostTier3",
    "ChannelFollowAdd",
    "GuildDiscoveryDisqualified",
    "GuildDiscoveryRequalified",
];

/// Whether `path` looks like a DiscordChatExporter JSON export: a `.json` file whose first
/// bytes name a `guild`, or a folder holding one.
pub fn looks_like_export(path: &Path) -> bool {
    if path.is_dir() {
        return export_files(path).is_ok_and(|files| files.iter().any(|file| file_looks_like_export(file)));
    }
    file_looks_like_export(path)
}

fn file_looks_like_export(file: &Path) -> bool {
    let (json, csv) = (has_extension(file, "json"), has_extension(file, "csv"));
    if !json && !csv {
        return false;
    }
    let Ok(handle) = File::open(file) else { return false };
    let mut head = Vec::with_capacity(4096);
    if handle.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    if csv {
        return csv_separator(head.lines().next().unwrap_or_default()).is_some();
    }
    head.trim_start().starts_with('{') && head.contains("\"guild\"") && head.contains("\"channel\"")
}

fn has_extension(file: &Path, wanted: &str) -> bool {
    file.extension().is_some_and(|extension| extension.eq_ignore_ascii_case(wanted))
}

/// Imports the export at `path`: one DiscordChatExporter `.json` file, or a folder of them
/// (read in the order of their names, so that the same folder always imports the same way).
pub fn import(store: &mut Store, path: &Path, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Outcome, ImportError> {
    let options = ImportOptions::default();
    super::import_paths(store, &[path.to_path_buf()], Some(FORMAT), &options, now, progress)
}

/// Writes the export at `path` (a file or a folder of them) into the import transaction `tx`.
pub fn write(
    tx: &mut ImportTx<'_>,
    path: &Path,
    options: &ImportOptions,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<Written, ImportError> {
    let files = export_files(path)?;
    let mut total = 0;
    for file in &files {
        total += std::fs::metadata(file).map_err(|source| ImportError::Io { path: file.clone(), source })?.len();
    }
    // Every write below happens in the caller's transaction. An error drops it, which rolls
    // it back, so a bad file leaves the store exactly as it was.
    let written = {
        let mut session = Session::new(tx, options, now, total, &mut *progress);
        for file in &files {
            session.read_file(file)?;
        }
        let items = session.messages_read_in_total;
        (Written { groups: session.groups, skipped: session.skipped, read_local_times: session.read_local_times }, items)
    };
    let (written, items) = written;
    progress(&Progress::bytes(PROGRESS_STEP, items, total, total));
    Ok(written)
}

/// The files to read: `path` itself, or the `.json` files of the folder `path`, by name.
fn export_files(path: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let io_error = |source| ImportError::Io { path: path.to_path_buf(), source };
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io_error)? {
        let file = entry.map_err(io_error)?.path();
        if file.is_file() && (has_extension(&file, "json") || has_extension(&file, "csv")) {
            files.push(file);
        }
    }
    if files.is_empty() {
        return Err(ImportError::Unsupported {
            path: path.to_path_buf(),
            problem: "this folder holds no .json or .csv file, so no DiscordChatExporter export".into(),
            hint: format!("choose the folder DiscordChatExporter wrote into, or one of its files; {EXPORT_HINT}"),
        });
    }
    files.sort();
    Ok(files)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Reads the header and, once it is known, the messages.
    Whole,
    /// Reads only the messages, the header being known from the first pass.
    MessagesOnly,
}

#[derive(Deserialize)]
#[serde(expecting = "the `guild` object of a DiscordChatExporter export")]
struct RawGuild {
    #[serde(default, deserialize_with = "flexible_id")]
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "the `channel` object of a DiscordChatExporter export")]
struct RawChannel {
    #[serde(default, deserialize_with = "flexible_id")]
    id: Option<String>,
    name: Option<String>,
}

/// What the top-level object says about the channel.
#[derive(Default)]
struct Header {
    guild: Option<RawGuild>,
    channel: Option<RawChannel>,
}

/// The rows of the channel being written.
#[derive(Clone, Copy)]
struct Chat {
    group: GroupId,
    channel: i64,
}

/// The state of one import while its files stream through the visitors.
struct Session<'a, 'conn> {
    tx: &'a mut ImportTx<'conn>,
    options: &'a ImportOptions,
    now: UnixSeconds,
    total_bytes: u64,
    /// Bytes of the files read before the current one.
    bytes_before: u64,
    progress: &'a mut dyn FnMut(&Progress),
    /// The file being read.
    json: JsonFile,
    pass: Pass,
    header: Header,
    chat: Option<Chat>,
    saw_messages: bool,
    messages_deferred: bool,
    messages_read_in_total: u64,
    /// The groups written, in the order first seen.
    groups: Vec<GroupId>,
    skipped: BTreeMap<String, u64>,
    /// Whether a CSV date without an offset was read in the options' time zone.
    read_local_times: bool,
}

impl<'a, 'conn> Session<'a, 'conn> {
    fn new(
        tx: &'a mut ImportTx<'conn>,
        options: &'a ImportOptions,
        now: UnixSeconds,
        total_bytes: u64,
        progress: &'a mut dyn FnMut(&Progress),
    ) -> Self {
        Session {
            tx,
            options,
            now,
            total_bytes,
            bytes_before: 0,
            progress,
            json: JsonFile::new(Path::new(""), 0, Rc::new(Meter::default())),
            pass: Pass::Whole,
            header: Header::default(),
            chat: None,
            saw_messages: false,
            messages_deferred: false,
            messages_read_in_total: 0,
            groups: Vec::new(),
            skipped: BTreeMap::new(),
            read_local_times: false,
        }
    }

    /// Reads one export file: once, or twice when its messages precede its header.
    fn read_file(&mut self, file: &Path) -> Result<(), ImportError> {
        let file_bytes = std::fs::metadata(file).map_err(|source| ImportError::Io { path: file.to_path_buf(), source })?.len();
        self.json = JsonFile::new(file, file_bytes, Rc::new(Meter::default()));
        self.header = Header::default();
        self.chat = None;
        self.saw_messages = false;
        self.messages_deferred = false;
        if has_extension(file, "csv") {
            self.read_csv(file)?;
            self.bytes_before += file_bytes;
            return Ok(());
        }
        self.read(file, Pass::Whole)?;
        if self.messages_deferred {
            // The messages came before the guild or channel (DiscordChatExporter never writes
            // them so, but a re-saved file might). Read the file again now that the channel is
            // known, rather than holding the messages in memory.
            self.read(file, Pass::MessagesOnly)?;
        }
        self.bytes_before += file_bytes;
        Ok(())
    }

    fn read(&mut self, file: &Path, pass: Pass) -> Result<(), ImportError> {
        let (json, reader) = JsonFile::open(file)?;
        self.json = json;
        self.pass = pass;
        let mut deserializer = serde_json::Deserializer::from_reader(reader);
        let result = ExportSeed { session: self }.deserialize(&mut deserializer).and_then(|()| deserializer.end());
        result.map_err(|error| self.json.import_error(error, &WORDS))
    }

    fn skip(&mut self, reason: impl Into<String>, count: u64) {
        if count > 0 {
            *self.skipped.entry(reason.into()).or_default() += count;
        }
    }

    fn report_progress(&mut self) {
        let done = (self.bytes_before + self.json.meter.bytes_read().min(self.json.size)).min(self.total_bytes);
        (self.progress)(&Progress::bytes(PROGRESS_STEP, self.messages_read_in_total, done, self.total_bytes));
    }

    /// Writes the group and the channel, once the header is known.
    fn start_chat(&mut self) -> Result<Chat, Failure> {
        if let Some(chat) = self.chat {
            return Ok(chat);
        }
        let (Some(guild), Some(channel)) = (&self.header.guild, &self.header.channel) else {
            return Err(Failure::malformed(
                "there is no `guild` or no `channel`: this is not a DiscordChatExporter JSON export",
                EXPORT_HINT,
            ));
        };
        let guild_id = guild.id.clone().ok_or_else(|| Failure::malformed("the `guild` has no `id`", damaged_hint()))?;
        let channel_id = channel.id.clone().ok_or_else(|| Failure::malformed("the `channel` has no `id`", damaged_hint()))?;
        let channel_name = channel.name.clone().filter(|name| !name.is_empty()).unwrap_or_else(|| format!("channel {channel_id}"));
        // Every direct message and group DM sits in the same pseudo guild; keyed by it, all
        // of someone's DMs would merge into one group. A DM's channel is its group.
        let (group_id, group_name) = if guild_id == DIRECT_MESSAGES_GUILD {
            (channel_id.clone(), channel_name.clone())
        } else {
            let name = guild.name.clone().filter(|name| !name.is_empty()).unwrap_or_else(|| format!("Discord server {guild_id}"));
            (guild_id, name)
        };
        let group = NewGroup { platform: Platform::Discord, platform_id: &group_id, name: &group_name, is_archive: true, is_demo: false };
        let group = self.tx.upsert_group(&group, self.now)?;
        if !self.groups.contains(&group) {
            self.groups.push(group);
        }
        // Threads and forum posts are exported like channels; they stay channels of their guild.
        let channel = self.tx.upsert_channel(group, &channel_id, &channel_name)?;
        let chat = Chat { group, channel };
        self.chat = Some(chat);
        Ok(chat)
    }

    fn member(&mut self, chat: Chat, user: &RawUser) -> Result<i64, StoreError> {
        let id = user.id.as_deref().unwrap_or_default();
        // The nickname is the name the server shows; the account name is the fallback.
        let name = user.nickname.as_deref().filter(|name| !name.is_empty()).or(user.name.as_deref()).unwrap_or(id);
        self.tx.upsert_member(chat.group, &NewMember { platform_id: id, display_name: name, is_bot: user.is_bot.unwrap_or(false) })
    }

    fn write_message(&mut self, chat: Chat, mut message: RawMessage) -> Result<(), Failure> {
        let id = message.id.take().ok_or_else(|| Failure::malformed("a message has no `id`", damaged_hint()))?;
        let at = self.message_time(&id, message.timestamp.as_deref())?;
        let kind = message.kind.as_deref().unwrap_or("Default");
        if SYSTEM_WITHOUT_ACTIVITY.contains(&kind) {
            self.skip(format!("system message without member activity ({kind})"), 1);
            return Ok(());
        }
        let Some(author) = message.author.as_ref().filter(|author| author.id.as_deref().is_some_and(|id| !id.is_empty())) else {
            self.skip(SKIP_NO_AUTHOR, 1);
            return Ok(());
        };
        match kind {
            "GuildMemberJoin" => {
                let member_id = self.member(chat, author)?;
                self.insert(chat, member_id, &id, ActivityKind::Join, at, None, None, Some(kind))?;
            }
            // A group DM's member added or removed someone, whom the message mentions.
            "RecipientAdd" | "RecipientRemove" => {
                let activity = if kind == "RecipientAdd" { ActivityKind::Join } else { ActivityKind::Leave };
                let targets: Vec<&RawUser> = message.mentions.iter().flatten().filter(|user| user.id.is_some()).collect();
                // Someone who left by themselves is the author, with nobody mentioned.
                let targets = if targets.is_empty() { vec![author] } else { targets };
                for target in targets {
                    let member_id = self.member(chat, target)?;
                    let platform_id = format!("{id}:{}", target.id.as_deref().unwrap_or_default());
                    self.insert(chat, member_id, &platform_id, activity, at, None, None, Some(kind))?;
                }
            }
            _ => {
                let member_id = self.member(chat, author)?;
                let parent = message.reference.as_ref().and_then(|reference| reference.message_id.as_deref());
                let activity = if parent.is_some() { ActivityKind::Reply } else { ActivityKind::Message };
                // Types Hearth does not know are kept as messages with their raw type.
                let raw_kind = (!matches!(kind, "Default" | "Reply")).then_some(kind);
                let text = message.content.as_deref().filter(|text| !text.is_empty());
                self.insert(chat, member_id, &id, activity, at, parent, text, raw_kind)?;
                for reaction in message.reactions.into_iter().flatten() {
                    self.write_reaction(chat, &id, at, reaction)?;
                }
            }
        }
        Ok(())
    }

    /// An ISO 8601 time with its offset, as DiscordChatExporter writes it.
    fn message_time(&self, id: &str, timestamp: Option<&str>) -> Result<UnixSeconds, Failure> {
        let timestamp = timestamp.ok_or_else(|| Failure::malformed(format!("message {id} has no `timestamp`"), damaged_hint()))?;
        let at = DateTime::parse_from_rfc3339(timestamp).map_err(|_| {
            Failure::malformed(
                format!("message {id} has the timestamp {timestamp:?}, not a time like 2024-05-01T12:00:00.000+00:00"),
                damaged_hint(),
            )
        })?;
        let at = at.timestamp();
        if !(DISCORD_EPOCH..=self.now + DAY).contains(&at) {
            return Err(Failure::malformed(
                format!("message {id} has the timestamp {timestamp:?}, out of range (before Discord existed or in the future)"),
                format!("check the computer's clock; otherwise {}", damaged_hint()),
            ));
        }
        Ok(at)
    }

    /// One reaction activity per reactor the export names. DiscordChatExporter lists the
    /// reactors only when asked to, so the rest of `count` is counted as skipped. Discord
    /// does not say when someone reacted: the message's time stands in.
    fn write_reaction(&mut self, chat: Chat, message_id: &str, at: UnixSeconds, reaction: RawReaction) -> Result<(), StoreError> {
        let emoji = reaction.emoji.unwrap_or_default();
        let name = emoji.name.filter(|name| !name.is_empty());
        // A custom emoji's id stays when it is renamed; a standard one has only its name.
        let key = emoji.id.filter(|id| !id.is_empty()).or_else(|| name.clone()).unwrap_or_else(|| "unknown".to_string());
        let raw_kind = name.unwrap_or_else(|| key.clone());
        let mut attributed = 0;
        for user in reaction.users.iter().flatten() {
            let Some(user_id) = user.id.as_deref().filter(|id| !id.is_empty()) else { continue };
            let member_id = self.member(chat, user)?;
            let platform_id = format!("{message_id}:react:{key}:{user_id}");
            self.insert(chat, member_id, &platform_id, ActivityKind::Reaction, at, Some(message_id), None, Some(&raw_kind))?;
            attributed += 1;
        }
        self.skip(SKIP_UNATTRIBUTED_REACTIONS, reaction.count.max(attributed) - attributed);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn insert(
        &mut self,
        chat: Chat,
        member_id: i64,
        platform_id: &str,
        kind: ActivityKind,
        at: UnixSeconds,
        parent_platform_id: Option<&str>,
        text: Option<&str>,
        raw_kind: Option<&str>,
    ) -> Result<(), StoreError> {
        let activity = NewActivity { channel_id: chat.channel, member_id, platform_id, kind, at, parent_platform_id, text, raw_kind };
        self.tx.insert_activity(chat.group, &activity)?;
        Ok(())
    }
}

/// The column separator of a DiscordChatExporter CSV file, from its header line: `;` in the
/// old form, `,` in the current one; `None` when the line is no such header.
fn csv_separator(header: &str) -> Option<char> {
    let header = header.trim_start_matches('\u{feff}').trim();
    [',', ';'].into_iter().find(|&separator| {
        let columns: Vec<&str> = header.split(separator).map(|column| column.trim_matches('"')).collect();
        columns.starts_with(&["AuthorID", "Author", "Date", "Content"])
    })
}

/// Reads the records of a CSV file one at a time: fields may be quoted, with `""` for a
/// quote, and a quoted field may span lines.
struct CsvRecords<R> {
    input: R,
    separator: char,
    /// The physical line read last.
    line: u64,
}

enum CsvProblem {
    Io(std::io::Error),
    NotUtf8,
    UnclosedQuote,
}

impl<R: std::io::BufRead> CsvRecords<R> {
    /// The next record and the line it starts on, or `None` at the end.
    fn next_record(&mut self) -> Result<Option<(u64, Vec<String>)>, CsvProblem> {
        let mut text = String::new();
        loop {
            text.clear();
            if !self.read_line(&mut text)? {
                return Ok(None);
            }
            if !text.trim().is_empty() {
                break;
            }
        }
        let start = self.line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        loop {
            let mut characters = text.chars().peekable();
            while let Some(character) = characters.next() {
                match character {
                    '"' if quoted && characters.peek() == Some(&'"') => {
                        characters.next();
                        field.push('"');
                    }
                    '"' => quoted = !quoted,
                    '\r' | '\n' if !quoted => {}
                    separator if separator == self.separator && !quoted => fields.push(std::mem::take(&mut field)),
                    other => field.push(other),
                }
            }
            if !quoted {
                break;
            }
            // A quoted field goes on in the next line.
            text.clear();
            if !self.read_line(&mut text)? {
                return Err(CsvProblem::UnclosedQuote);
            }
        }
        fields.push(field);
        Ok(Some((start, fields)))
    }

    fn read_line(&mut self, text: &mut String) -> Result<bool, CsvProblem> {
        match self.input.read_line(text) {
            Ok(0) => Ok(false),
            Ok(_) => {
                self.line += 1;
                Ok(true)
            }
            // The meter's refusal of an overlong record is InvalidData too, but no UTF-8 problem.
            Err(error) if error.kind() == std::io::ErrorKind::InvalidData && json_stream::too_long(&error).is_none() => {
                self.line += 1;
                Err(CsvProblem::NotUtf8)
            }
            Err(error) => Err(CsvProblem::Io(error)),
        }
    }
}

/// What a CSV file's name says. DiscordChatExporter names files
/// "Guild - Category - Channel [channel id].csv"; a renamed file keeps only its name.
struct CsvNames {
    guild: String,
    channel: String,
    channel_id: String,
}

fn csv_names(file: &Path) -> CsvNames {
    let stem = file.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
    let (title, channel_id) = match stem.strip_suffix(']').and_then(|rest| rest.rsplit_once(" [")) {
        Some((title, id)) if !id.is_empty() && id.bytes().all(|byte| byte.is_ascii_digit()) => (title.to_string(), id.to_string()),
        _ => (stem.clone(), format!("name:{stem}")),
    };
    let parts: Vec<&str> = title.split(" - ").collect();
    let guild = parts.first().copied().unwrap_or_default().to_string();
    let channel = parts.last().copied().unwrap_or_default().to_string();
    CsvNames { guild, channel, channel_id }
}

/// A CSV date read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CsvDate {
    at: UnixSeconds,
    /// The time as written, counted as if it were UTC: the key of the message's id, so that
    /// importing the file again in another time zone finds the same ids.
    wall: UnixSeconds,
    /// Whether the date had no offset and was read in the options' time zone.
    local: bool,
}

/// A CSV date: ISO 8601 with an offset (current form), or without one, or the old form's
/// "20-Oct-18 09:12 PM"; the last two are the exporting computer's local time, which the
/// file does not name, read in the options' time zone.
fn parse_csv_date(date: &str, options: &ImportOptions) -> Option<CsvDate> {
    let date = date.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(date) {
        return Some(CsvDate { at: at.timestamp(), wall: at.timestamp(), local: false });
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%d-%b-%y %I:%M %p", "%d-%b-%y %H:%M"]
        .into_iter()
        .find_map(|format| NaiveDateTime::parse_from_str(date, format).ok())
        .map(|time| CsvDate { at: options.local_to_unix(time), wall: time.and_utc().timestamp(), local: true })
}

/// The number of reactions in a CSV `Reactions` cell like "👍 (3),party (1)".
fn csv_reaction_count(cell: &str) -> u64 {
    cell.split(',')
        .filter_map(|reaction| reaction.trim().strip_suffix(')').and_then(|rest| rest.rsplit_once('(')))
        .filter_map(|(_, count)| count.trim().parse::<u64>().ok())
        .sum()
}

/// "name#1234" without its discriminator (Discord dropped them; "#0" marks a new name).
fn csv_author_name(author: &str) -> &str {
    match author.rsplit_once('#') {
        Some((name, tag)) if !name.is_empty() && (1..=4).contains(&tag.len()) && tag.bytes().all(|byte| byte.is_ascii_digit()) => name,
        _ => author,
    }
}

impl Session<'_, '_> {
    /// Reads one CSV export. It has no message ids, so a message's key is its channel, its
    /// author, its time and its rank among that author's messages of the same time: stable
    /// for the same file, so that re-importing changes nothing, but unlike the JSON keys, so
    /// a CSV and a JSON export of the same channel do not recognise each other's messages.
    /// It has no guild id either: the group is keyed by the guild's name from the file name
    /// ("name:<guild>"), a DM by its channel id.
    fn read_csv(&mut self, file: &Path) -> Result<(), ImportError> {
        let path = file.to_path_buf();
        let malformed = |line: u64, problem: String, hint: String| ImportError::Malformed {
            path: path.clone(),
            position: format!("line {line}"),
            problem,
            hint,
        };
        let handle = File::open(file).map_err(|source| ImportError::Io { path: file.to_path_buf(), source })?;
        let reader = BufReader::new(MeteredReader::new(handle, Rc::clone(&self.json.meter)));
        let mut records = CsvRecords { input: reader, separator: ',', line: 0 };
        let csv_error = |problem: CsvProblem, line: u64| match problem {
            CsvProblem::Io(source) => match json_stream::too_long(&source) {
                Some(_) => {
                    let (problem, hint) = json_stream::too_long_problem("record", WORDS.platform, REEXPORT_HINT);
                    malformed(line, problem, hint)
                }
                None => ImportError::Io { path: file.to_path_buf(), source },
            },
            CsvProblem::NotUtf8 => malformed(line, "this line is not UTF-8 text".into(), REEXPORT_HINT.into()),
            CsvProblem::UnclosedQuote => malformed(
                line,
                "the file ends inside a quoted field: it is truncated (the export or a copy of it did not finish)".into(),
                REEXPORT_HINT.into(),
            ),
        };
        let mut header_line = String::new();
        match records.read_line(&mut header_line) {
            Ok(true) => {}
            Ok(false) => return Err(malformed(1, "the file is empty".into(), REEXPORT_HINT.into())),
            Err(problem) => return Err(csv_error(problem, 1)),
        }
        let Some(separator) = csv_separator(&header_line) else {
            return Err(malformed(
                1,
                "the first line is not DiscordChatExporter's CSV header (AuthorID, Author, Date, Content, Attachments, Reactions)".into(),
                EXPORT_HINT.into(),
            ));
        };
        records.separator = separator;
        let columns: Vec<String> =
            header_line.trim_start_matches('\u{feff}').trim().split(separator).map(|column| column.trim_matches('"').to_string()).collect();
        let column = |name: &str| columns.iter().position(|column| column == name);
        let (author_id_at, author_at, date_at, content_at) = (0, 1, 2, 3);
        let reactions_at = column("Reactions");

        let names = csv_names(file);
        let (group_id, group_name) = if names.guild == "Direct Messages" {
            (names.channel_id.clone(), names.channel.clone())
        } else {
            (format!("name:{}", names.guild), names.guild.clone())
        };
        let group = NewGroup { platform: Platform::Discord, platform_id: &group_id, name: &group_name, is_archive: true, is_demo: false };
        let group = self.tx.upsert_group(&group, self.now)?;
        if !self.groups.contains(&group) {
            self.groups.push(group);
        }
        let channel = self.tx.upsert_channel(group, &names.channel_id, &names.channel)?;
        let chat = Chat { group, channel };

        // Ranks of the messages seen at the current time, per author; times only grow in an
        // export, so only the current one is kept.
        let mut ranks: BTreeMap<String, u32> = BTreeMap::new();
        let mut current_at = None;
        loop {
            let line = records.line + 1;
            // A record longer than any message is refused before it is in memory.
            self.json.meter.begin_element();
            let record = records.next_record();
            self.json.meter.end_element();
            let Some((line, fields)) = record.map_err(|problem| csv_error(problem, line))? else { break };
            if fields.len() < 4 {
                return Err(malformed(
                    line,
                    format!("this record has {} fields, fewer than the header's AuthorID, Author, Date, Content", fields.len()),
                    damaged_hint(),
                ));
            }
            let date = &fields[date_at];
            let CsvDate { at, wall, local } = parse_csv_date(date, self.options).ok_or_else(|| {
                malformed(
                    line,
                    format!("the date {date:?} is not a time like 2024-05-01T12:00:00+00:00 or 20-Oct-18 09:12 PM"),
                    damaged_hint(),
                )
            })?;
            if !(DISCORD_EPOCH..=self.now + DAY).contains(&at) {
                return Err(malformed(
                    line,
                    format!("the date {date:?} is out of range (before Discord existed or in the future)"),
                    format!("check the computer's clock; otherwise {}", damaged_hint()),
                ));
            }
            let author_id = fields[author_id_at].trim();
            if author_id.is_empty() {
                self.skip(SKIP_NO_AUTHOR, 1);
                continue;
            }
            self.read_local_times |= local;
            if current_at != Some(wall) {
                ranks.clear();
                current_at = Some(wall);
            }
            let rank = ranks.entry(author_id.to_string()).or_default();
            *rank += 1;
            let platform_id = format!("csv:{}:{author_id}:{wall}:{rank}", names.channel_id);
            let author = csv_author_name(fields[author_at].trim());
            let member = NewMember { platform_id: author_id, display_name: author, is_bot: false };
            let member_id = self.tx.upsert_member(chat.group, &member)?;
            let text = Some(fields[content_at].as_str()).filter(|text| !text.is_empty());
            self.insert(chat, member_id, &platform_id, ActivityKind::Message, at, None, text, None)?;
            let reactions = reactions_at.and_then(|at| fields.get(at)).map_or(0, |cell| csv_reaction_count(cell));
            self.skip(SKIP_UNATTRIBUTED_REACTIONS, reactions);
            self.messages_read_in_total += 1;
            if self.messages_read_in_total % PROGRESS_EVERY == 0 {
                self.report_progress();
            }
        }
        Ok(())
    }
}

/// The top-level object: `guild`, `channel`, and `messages`, streamed.
struct ExportSeed<'s, 'a, 'conn> {
    session: &'s mut Session<'a, 'conn>,
}

impl<'de> DeserializeSeed<'de> for ExportSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ExportSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a DiscordChatExporter export (a JSON object with guild, channel and messages)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let session = self.session;
        while let Some(key) = map.next_key::<String>()? {
            match (session.pass, key.as_str()) {
                (Pass::Whole, "guild") => session.header.guild = Some(map.next_value()?),
                (Pass::Whole, "channel") => session.header.channel = Some(map.next_value()?),
                (Pass::Whole, "messages") if session.header.guild.is_none() || session.header.channel.is_none() => {
                    map.next_value::<IgnoredAny>()?;
                    session.saw_messages = true;
                    session.messages_deferred = true;
                }
                (_, "messages") => {
                    session.saw_messages = true;
                    let chat = session.start_chat().map_err(|failure| session.json.fail::<A::Error>(failure))?;
                    map.next_value_seed(EachElement::new(&mut ChannelMessages { session: &mut *session, chat }, "message", "messages"))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !session.saw_messages {
            return Err(session
                .json
                .fail(Failure::malformed("there is no `messages` array: this is not a DiscordChatExporter JSON export", EXPORT_HINT)));
        }
        if session.pass == Pass::Whole && session.messages_deferred {
            // Refuses a file without guild or channel now, before a second pass.
            session.start_chat().map_err(|failure| session.json.fail::<A::Error>(failure))?;
        }
        Ok(())
    }
}

/// Where the `messages` of one channel go, element by element.
struct ChannelMessages<'s, 'a, 'conn> {
    session: &'s mut Session<'a, 'conn>,
    chat: Chat,
}

impl ElementSink<RawMessage> for ChannelMessages<'_, '_, '_> {
    fn json_file(&mut self) -> &mut JsonFile {
        &mut self.session.json
    }

    fn element(&mut self, message: RawMessage) -> Result<(), Failure> {
        self.session.write_message(self.chat, message)?;
        self.session.messages_read_in_total += 1;
        if self.session.messages_read_in_total % PROGRESS_EVERY == 0 {
            self.session.report_progress();
        }
        Ok(())
    }
}

impl Identified for RawMessage {
    fn write_id(&self, out: &mut String) -> bool {
        self.id.as_deref().map(|id| out.push_str(id)).is_some()
    }
}

/// One element of `messages`, with only the fields the import uses. Everything is optional
/// here so that a missing field is reported with the message it is missing from.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a message object")]
struct RawMessage {
    #[serde(default, deserialize_with = "flexible_id")]
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    timestamp: Option<String>,
    content: Option<String>,
    author: Option<RawUser>,
    reactions: Option<Vec<RawReaction>>,
    mentions: Option<Vec<RawUser>>,
    reference: Option<RawReference>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a user object")]
struct RawUser {
    #[serde(default, deserialize_with = "flexible_id")]
    id: Option<String>,
    name: Option<String>,
    nickname: Option<String>,
    is_bot: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a reaction object")]
struct RawReaction {
    emoji: Option<RawEmoji>,
    #[serde(default)]
    count: u64,
    users: Option<Vec<RawUser>>,
}

#[derive(Deserialize, Default)]
#[serde(expecting = "an emoji object")]
struct RawEmoji {
    #[serde(default, deserialize_with = "flexible_id")]
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a message reference")]
struct RawReference {
    #[serde(default, deserialize_with = "flexible_id")]
    message_id: Option<String>,
}

/// A Discord id: DiscordChatExporter writes a string of digits; a number is read leniently.
fn flexible_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    struct IdVisitor;

    impl<'de> Visitor<'de> for IdVisitor {
        type Value = Option<String>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("an id (a string or a number)")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Some(text.to_string()))
        }

        fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
            Ok(Some(number.to_string()))
        }

        fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
            Ok(Some(number.to_string()))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    deserializer.deserialize_any(IdVisitor)
}
