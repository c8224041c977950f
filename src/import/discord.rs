//! DiscordChatExporter's JSON export (one channel per file): streams each file's messages,
//! one at a time, into the store's import transaction as messages, replies, reactions,
//! joins and leaves. A file, several files or a folder of them make one import. It owns only
//! the mapping of that format; it never holds a whole file in memory and never commits part
//! of an import.
//!
//! The CSV form of DiscordChatExporter is not read yet (see `detect`'s hint).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use chrono::DateTime;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::error::Category;

use super::{ImportError, Outcome};
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
    if !file.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("json")) {
        return false;
    }
    let Ok(handle) = File::open(file) else { return false };
    let mut head = Vec::with_capacity(4096);
    if handle.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    head.trim_start().starts_with('{') && head.contains("\"guild\"") && head.contains("\"channel\"")
}

/// Imports the export at `path`: one DiscordChatExporter `.json` file, or a folder of them
/// (read in the order of their names, so that the same folder always imports the same way).
pub fn import(store: &mut Store, path: &Path, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Outcome, ImportError> {
    import_files(store, &export_files(path)?, now, progress)
}

/// Imports several export files as one import: all of them land or none does.
pub fn import_files(store: &mut Store, files: &[PathBuf], now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Outcome, ImportError> {
    let mut total = 0;
    for file in files {
        total += std::fs::metadata(file).map_err(|source| ImportError::Io { path: file.clone(), source })?.len();
    }
    // Every write below happens in this one transaction. Each `?` before `finish` drops it,
    // which rolls it back, so a bad file leaves the store exactly as it was.
    let mut tx = store.begin_import()?;
    let (groups, skipped) = {
        let mut session = Session::new(&mut tx, now, total, &mut *progress);
        for file in files {
            session.read_file(file)?;
        }
        (session.groups, session.skipped)
    };
    let counts = tx.finish()?;
    progress(&Progress { step: PROGRESS_STEP.into(), done: total, total: Some(total) });
    let mut imported = Vec::with_capacity(groups.len());
    for group in groups {
        imported.extend(store.group(group)?);
    }
    Ok(Outcome { format: FORMAT, groups: imported, counts, skipped })
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
        if file.is_file() && file.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("json")) {
            files.push(file);
        }
    }
    if files.is_empty() {
        return Err(ImportError::Unsupported {
            path: path.to_path_buf(),
            problem: "this folder holds no .json file, so no DiscordChatExporter export".into(),
            hint: format!("choose the folder DiscordChatExporter wrote into, or one of its files; {EXPORT_HINT}"),
        });
    }
    files.sort();
    Ok(files)
}

/// Counts the bytes the parser has pulled from the file, for progress reports.
struct CountingReader<R> {
    inner: R,
    bytes_read: Rc<Cell<u64>>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.bytes_read.set(self.bytes_read.get() + read as u64);
        Ok(read)
    }
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

/// Why reading stopped, when the reason is ours rather than the JSON parser's. The parser
/// carries only its own error type through the visitors, so the reason waits here and the
/// parser's error contributes the line and column.
enum Failure {
    Malformed { problem: String, hint: String },
    Store(StoreError),
}

impl Failure {
    fn malformed(problem: impl Into<String>, hint: impl Into<String>) -> Failure {
        Failure::Malformed { problem: problem.into(), hint: hint.into() }
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::Store(error)
    }
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
    now: UnixSeconds,
    total_bytes: u64,
    /// Bytes of the files read before the current one.
    bytes_before: u64,
    progress: &'a mut dyn FnMut(&Progress),
    bytes_read: Rc<Cell<u64>>,
    file_bytes: u64,
    pass: Pass,
    header: Header,
    chat: Option<Chat>,
    saw_messages: bool,
    messages_deferred: bool,
    messages_read: u64,
    messages_read_in_total: u64,
    reading_messages: bool,
    last_message_id: Option<String>,
    /// The groups written, in the order first seen.
    groups: Vec<GroupId>,
    skipped: BTreeMap<String, u64>,
    failure: Option<Failure>,
}

impl<'a, 'conn> Session<'a, 'conn> {
    fn new(tx: &'a mut ImportTx<'conn>, now: UnixSeconds, total_bytes: u64, progress: &'a mut dyn FnMut(&Progress)) -> Self {
        Session {
            tx,
            now,
            total_bytes,
            bytes_before: 0,
            progress,
            bytes_read: Rc::new(Cell::new(0)),
            file_bytes: 0,
            pass: Pass::Whole,
            header: Header::default(),
            chat: None,
            saw_messages: false,
            messages_deferred: false,
            messages_read: 0,
            messages_read_in_total: 0,
            reading_messages: false,
            last_message_id: None,
            groups: Vec::new(),
            skipped: BTreeMap::new(),
            failure: None,
        }
    }

    /// Reads one export file: once, or twice when its messages precede its header.
    fn read_file(&mut self, file: &Path) -> Result<(), ImportError> {
        self.file_bytes = std::fs::metadata(file).map_err(|source| ImportError::Io { path: file.to_path_buf(), source })?.len();
        self.header = Header::default();
        self.chat = None;
        self.saw_messages = false;
        self.messages_deferred = false;
        self.read(file, Pass::Whole)?;
        if self.messages_deferred {
            // The messages came before the guild or channel (DiscordChatExporter never writes
            // them so, but a re-saved file might). Read the file again now that the channel is
            // known, rather than holding the messages in memory.
            self.read(file, Pass::MessagesOnly)?;
        }
        self.bytes_before += self.file_bytes;
        Ok(())
    }

    fn read(&mut self, file: &Path, pass: Pass) -> Result<(), ImportError> {
        let handle = File::open(file).map_err(|source| ImportError::Io { path: file.to_path_buf(), source })?;
        self.pass = pass;
        self.bytes_read = Rc::new(Cell::new(0));
        self.messages_read = 0;
        self.last_message_id = None;
        self.reading_messages = false;
        let reader = BufReader::new(CountingReader { inner: handle, bytes_read: Rc::clone(&self.bytes_read) });
        let mut deserializer = serde_json::Deserializer::from_reader(reader);
        let result = ExportSeed { session: self }.deserialize(&mut deserializer).and_then(|()| deserializer.end());
        result.map_err(|error| self.import_error(file, error))
    }

    /// Keeps `failure` for `import_error` and hands the parser an error to unwind with.
    fn fail<E: de::Error>(&mut self, failure: Failure) -> E {
        let summary = match &failure {
            Failure::Malformed { problem, .. } => problem.clone(),
            Failure::Store(error) => error.to_string(),
        };
        self.failure = Some(failure);
        E::custom(summary)
    }

    fn import_error(&mut self, file: &Path, error: serde_json::Error) -> ImportError {
        let path = file.to_path_buf();
        let position = self.position(&error);
        match self.failure.take() {
            Some(Failure::Store(error)) => return ImportError::Store(error),
            Some(Failure::Malformed { problem, hint }) => return ImportError::Malformed { path, position, problem, hint },
            None => {}
        }
        let message = bare_message(&error);
        let (problem, hint) = match error.classify() {
            Category::Io => return ImportError::Io { path, source: error.into() },
            Category::Eof if self.file_bytes == 0 => ("the file is empty".to_string(), REEXPORT_HINT.to_string()),
            Category::Eof => (
                "the file ends in the middle of the export: it is truncated (the export or a copy of it did not finish)".to_string(),
                REEXPORT_HINT.to_string(),
            ),
            // serde_json reports bytes that are not UTF-8 inside a string this way.
            Category::Syntax if message.contains("invalid unicode code point") => (
                format!("this is not valid JSON: a text holds bytes that are not UTF-8 ({message})"),
                format!("the file was changed by a program that does not write UTF-8; {REEXPORT_HINT}"),
            ),
            Category::Syntax => (
                format!("this is not valid JSON ({message})"),
                format!("{EXPORT_HINT}; the HTML, TXT and CSV exports cannot be imported yet"),
            ),
            Category::Data => (format!("this is not a DiscordChatExporter JSON export ({message})"), EXPORT_HINT.to_string()),
        };
        ImportError::Malformed { path, position, problem, hint }
    }

    /// "line L, column C", and which message when the parser was inside `messages`.
    fn position(&self, error: &serde_json::Error) -> String {
        let mut position = format!("line {}, column {}", error.line(), error.column());
        if self.reading_messages {
            position.push_str(&format!(", message {} of `messages`", self.messages_read + 1));
            if let Some(previous) = &self.last_message_id {
                position.push_str(&format!(", the one after id {previous}"));
            }
        }
        position
    }

    fn skip(&mut self, reason: impl Into<String>, count: u64) {
        if count > 0 {
            *self.skipped.entry(reason.into()).or_default() += count;
        }
    }

    fn report_progress(&mut self) {
        let done = (self.bytes_before + self.bytes_read.get().min(self.file_bytes)).min(self.total_bytes);
        (self.progress)(&Progress { step: PROGRESS_STEP.into(), done, total: Some(self.total_bytes) });
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

    fn write_message(&mut self, chat: Chat, message: RawMessage) -> Result<(), Failure> {
        let id = message.id.clone().ok_or_else(|| Failure::malformed("a message has no `id`", damaged_hint()))?;
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
                let parent = message.reference.as_ref().and_then(|reference| reference.message_id.clone());
                let activity = if parent.is_some() { ActivityKind::Reply } else { ActivityKind::Message };
                // Types Hearth does not know are kept as messages with their raw type.
                let raw_kind = (!matches!(kind, "Default" | "Reply")).then_some(kind);
                let text = message.content.as_deref().filter(|text| !text.is_empty());
                self.insert(chat, member_id, &id, activity, at, parent.as_deref(), text, raw_kind)?;
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

/// serde_json's message without its " at line L column C" tail, which the position repeats.
fn bare_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let tail = format!(" at line {} column {}", error.line(), error.column());
    message.strip_suffix(&tail).map_or(message.clone(), str::to_string)
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
                    let chat = session.start_chat().map_err(|failure| session.fail::<A::Error>(failure))?;
                    session.reading_messages = true;
                    map.next_value_seed(MessagesSeed { session: &mut *session, chat })?;
                    session.reading_messages = false;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !session.saw_messages {
            return Err(session
                .fail(Failure::malformed("there is no `messages` array: this is not a DiscordChatExporter JSON export", EXPORT_HINT)));
        }
        if session.pass == Pass::Whole && session.messages_deferred {
            // Refuses a file without guild or channel now, before a second pass.
            session.start_chat().map_err(|failure| session.fail::<A::Error>(failure))?;
        }
        Ok(())
    }
}

/// The `messages` array, written to the store element by element.
struct MessagesSeed<'s, 'a, 'conn> {
    session: &'s mut Session<'a, 'conn>,
    chat: Chat,
}

impl<'de> DeserializeSeed<'de> for MessagesSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for MessagesSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("the `messages` array of a DiscordChatExporter export")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let session = self.session;
        while let Some(message) = seq.next_element::<RawMessage>()? {
            let id = message.id.clone();
            session.write_message(self.chat, message).map_err(|failure| session.fail::<A::Error>(failure))?;
            session.messages_read += 1;
            session.messages_read_in_total += 1;
            session.last_message_id = id;
            if session.messages_read_in_total % PROGRESS_EVERY == 0 {
                session.report_progress();
            }
        }
        Ok(())
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
