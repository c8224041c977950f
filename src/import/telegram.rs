//! Telegram Desktop's "Machine-readable JSON" export of one chat (`result.json`): streams its
//! messages, one at a time, into the store's import transaction as messages, replies,
//! reactions, joins and leaves. It owns only the mapping of that format; it never holds the
//! whole file in memory and never commits part of an export.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use chrono::NaiveDateTime;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::Deserialize;
use serde_json::error::Category;

use super::{ImportError, Outcome};
use crate::model::{ActivityKind, GroupId, Platform, Progress, ProgressSink, UnixSeconds};
use crate::store::{ImportTx, NewActivity, NewGroup, NewMember, Store, StoreError};

const FORMAT: &str = "telegram";

/// The file Telegram Desktop writes into the export folder.
const EXPORT_FILE_NAME: &str = "result.json";

/// How many messages are read between two progress reports: often enough for a progress bar,
/// rare enough that reporting costs nothing next to the writes.
const PROGRESS_EVERY: u64 = 1000;

const PROGRESS_STEP: &str = "Reading messages";

/// What Telegram Desktop itself shows for an author whose account is gone (the export
/// writes `null` as the name).
const DELETED_ACCOUNT: &str = "Deleted Account";

const EXPORT_HINT: &str = "in Telegram Desktop open the chat, choose \u{22ee} > Export chat history, pick the format \
                           \"Machine-readable JSON\", and import the result.json it writes";

const REEXPORT_HINT: &str = "export the chat again from Telegram Desktop (\u{22ee} > Export chat history, format \
                             \"Machine-readable JSON\") and import the new result.json";

/// For a file that parses but lacks what every Telegram Desktop export has.
fn damaged_hint() -> String {
    format!("the file looks edited by hand or damaged; {REEXPORT_HINT}")
}

/// Top-level keys of a full-account export ("Export Telegram data"), which wraps many chats
/// under `chats.list` next to the account's own data. A single-chat export has none of them.
const FULL_EXPORT_KEYS: &[&str] = &[
    "about",
    "personal_information",
    "profile_pictures",
    "stories",
    "contacts",
    "frequent_contacts",
    "chats",
    "left_chats",
    "sessions",
    "web_sessions",
    "other_data",
];

/// Top-level keys of Telegram Bot API responses (`getUpdates` and single updates), which
/// people sometimes save from a bot and mistake for an export.
const BOT_API_KEYS: &[&str] = &["ok", "result", "update_id", "message_id"];

const SKIP_UNATTRIBUTED_REACTIONS: &str = "reactions whose reactor the export does not name (Telegram lists only recent reactors)";
const SKIP_NAMELESS_MEMBER: &str = "invited or removed member without a name (deleted account)";
const SKIP_NO_AUTHOR: &str = "message without an author (no from_id)";
const SKIP_UNSUPPORTED: &str = "message Telegram Desktop could not export (type \"unsupported\")";

/// Imports the chat exported at `path`: a `result.json`, or the export folder holding one.
pub fn import(store: &mut Store, path: &Path, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Outcome, ImportError> {
    let file = export_file(path)?;
    let total = std::fs::metadata(&file).map_err(|source| ImportError::Io { path: file.clone(), source })?.len();

    // Every write below happens in this one transaction. Each `?` before `finish` drops it,
    // which rolls it back, so a bad file leaves the store exactly as it was.
    let mut tx = store.begin_import()?;
    let (group, skipped, items) = {
        let mut session = Session::new(&mut tx, now, total, &mut *progress);
        session.read(&file, Pass::Whole)?;
        if session.messages_deferred {
            // The messages came before the chat's id or name (Telegram Desktop never writes
            // them so, but a re-saved file might). Read the file again now that the chat is
            // known, rather than holding the messages in memory.
            session.read(&file, Pass::MessagesOnly)?;
        }
        let items = session.messages_read;
        let (group, skipped) = session.finish_chat(&file)?;
        (group, skipped, items)
    };
    progress(&Progress::indexing(items));
    let counts = tx.finish()?;
    progress(&Progress::bytes(PROGRESS_STEP, items, total, total));
    Ok(Outcome { format: FORMAT, groups: store.group(group)?.into_iter().collect(), counts, skipped })
}

/// The `result.json` to read: `path` itself, or the one inside the export folder `path`.
fn export_file(path: &Path) -> Result<PathBuf, ImportError> {
    let metadata = std::fs::metadata(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    Ok(if metadata.is_dir() { path.join(EXPORT_FILE_NAME) } else { path.to_path_buf() })
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
    /// Reads the chat's header and, once it is known, its messages.
    Whole,
    /// Reads only the messages, the header being known from the first pass.
    MessagesOnly,
}

/// What the top-level object says about the chat.
#[derive(Default)]
struct Header {
    /// `Some(None)` when the export wrote `"name": null` (a chat whose name is empty),
    /// `None` while no `name` has been read.
    name: Option<Option<String>>,
    kind: Option<String>,
    id: Option<i64>,
}

impl Header {
    /// Whether messages can be written: the group's key and name are known. Saved Messages
    /// and Replies exports have no `name` at all, so their type is enough.
    fn is_complete(&self) -> bool {
        self.id.is_some() && (self.name.is_some() || matches!(self.kind.as_deref(), Some("saved_messages" | "replies")))
    }

    fn display_name(&self, id: i64) -> String {
        match (self.name.clone().flatten().filter(|name| !name.is_empty()), self.kind.as_deref()) {
            (Some(name), _) => name,
            (None, Some("saved_messages")) => "Saved Messages".to_string(),
            (None, Some("replies")) => "Replies".to_string(),
            (None, _) => format!("Telegram chat {id}"),
        }
    }
}

/// Why reading stopped, when the reason is ours rather than the JSON parser's. The parser
/// only carries its own error type through the visitors, so the reason waits here and the
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

/// The rows of the chat being written.
#[derive(Clone, Copy)]
struct Chat {
    group: GroupId,
    channel: i64,
}

/// A join or leave of someone the export names only by display name, whose member is found
/// once the whole file has been read (invited people usually speak only after the invite).
struct PendingMemberEvent {
    platform_id: String,
    kind: ActivityKind,
    at: UnixSeconds,
    action: String,
    name: String,
}

/// Display names seen in this import, to find the member an invite or removal names.
#[derive(Default)]
struct Names {
    /// The member most recently seen with each display name.
    latest: HashMap<String, String>,
    /// The member first seen with each display name.
    first: HashMap<String, String>,
}

impl Names {
    fn note(&mut self, name: &str, platform_id: &str) {
        if self.latest.get(name).map(String::as_str) != Some(platform_id) {
            self.latest.insert(name.to_string(), platform_id.to_string());
        }
        if !self.first.contains_key(name) {
            self.first.insert(name.to_string(), platform_id.to_string());
        }
    }
}

/// A message's time and, when the export says, the exporting computer's UTC offset then.
#[derive(Clone, Copy)]
struct MessageTime {
    at: UnixSeconds,
    /// Seconds to subtract from a local time of this export to get UTC.
    local_offset: Option<i64>,
}

/// The state of one import while the file streams through the visitors.
struct Session<'a, 'conn> {
    tx: &'a mut ImportTx<'conn>,
    now: UnixSeconds,
    total_bytes: u64,
    progress: &'a mut dyn FnMut(&Progress),
    bytes_read: Rc<Cell<u64>>,
    pass: Pass,
    header: Header,
    chat: Option<Chat>,
    saw_messages: bool,
    messages_deferred: bool,
    /// Messages read so far in this pass; the one being read is the next.
    messages_read: u64,
    reading_messages: bool,
    last_message_id: Option<i64>,
    /// The exporting computer's UTC offset, from the latest message that gave both its local
    /// time and its Unix time. Reactions carry only a local time.
    local_offset: Option<i64>,
    names: Names,
    pending: Vec<PendingMemberEvent>,
    skipped: BTreeMap<String, u64>,
    failure: Option<Failure>,
}

impl<'a, 'conn> Session<'a, 'conn> {
    fn new(tx: &'a mut ImportTx<'conn>, now: UnixSeconds, total_bytes: u64, progress: &'a mut dyn FnMut(&Progress)) -> Self {
        Session {
            tx,
            now,
            total_bytes,
            progress,
            bytes_read: Rc::new(Cell::new(0)),
            pass: Pass::Whole,
            header: Header::default(),
            chat: None,
            saw_messages: false,
            messages_deferred: false,
            messages_read: 0,
            reading_messages: false,
            last_message_id: None,
            local_offset: None,
            names: Names::default(),
            pending: Vec::new(),
            skipped: BTreeMap::new(),
            failure: None,
        }
    }

    /// Streams `file` through the visitors once.
    fn read(&mut self, file: &Path, pass: Pass) -> Result<(), ImportError> {
        let handle = File::open(file).map_err(|source| ImportError::Io { path: file.to_path_buf(), source })?;
        self.pass = pass;
        self.bytes_read = Rc::new(Cell::new(0));
        self.messages_read = 0;
        self.last_message_id = None;
        let reader = BufReader::new(CountingReader { inner: handle, bytes_read: Rc::clone(&self.bytes_read) });
        let mut deserializer = serde_json::Deserializer::from_reader(reader);
        let result = ChatSeed { session: self }.deserialize(&mut deserializer).and_then(|()| deserializer.end());
        result.map_err(|error| self.import_error(file, error))?;
        if pass == Pass::Whole && self.messages_deferred && self.header.id.is_none() {
            return Err(ImportError::Malformed {
                path: file.to_path_buf(),
                position: "the top-level object".into(),
                problem: "the export has messages but no chat `id`".into(),
                hint: damaged_hint(),
            });
        }
        Ok(())
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
            Category::Eof if self.total_bytes == 0 => ("the file is empty".to_string(), REEXPORT_HINT.to_string()),
            Category::Eof => (
                "the file ends in the middle of the export: it is truncated (the export or a copy of it did not finish)".to_string(),
                REEXPORT_HINT.to_string(),
            ),
            Category::Syntax => {
                (format!("this is not valid JSON ({message})"), format!("{EXPORT_HINT}; the HTML export cannot be imported"))
            }
            Category::Data => (format!("this is not a Telegram Desktop chat export ({message})"), EXPORT_HINT.to_string()),
        };
        ImportError::Malformed { path, position, problem, hint }
    }

    /// "line L, column C", and which message when the parser was inside `messages`.
    fn position(&self, error: &serde_json::Error) -> String {
        let mut position = format!("line {}, column {}", error.line(), error.column());
        if self.reading_messages {
            position.push_str(&format!(", message {} of `messages`", self.messages_read + 1));
            if let Some(previous) = self.last_message_id {
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
        let done = self.bytes_read.get().min(self.total_bytes);
        (self.progress)(&Progress::bytes(PROGRESS_STEP, self.messages_read, done, self.total_bytes));
    }

    /// Writes the group and its one channel, once the header is known.
    fn start_chat(&mut self) -> Result<Chat, Failure> {
        if let Some(chat) = self.chat {
            return Ok(chat);
        }
        let id = self.header.id.ok_or_else(|| Failure::malformed("the export has messages but no chat `id`", damaged_hint()))?;
        let platform_id = id.to_string();
        let name = self.header.display_name(id);
        let group = NewGroup { platform: Platform::Telegram, platform_id: &platform_id, name: &name, is_archive: true, is_demo: false };
        let group = self.tx.upsert_group(&group, self.now)?;
        // A Telegram chat has no sub-channels (forum topics aside): the chat is the channel.
        let channel = self.tx.upsert_channel(group, &platform_id, &name)?;
        let chat = Chat { group, channel };
        self.chat = Some(chat);
        Ok(chat)
    }

    /// The member with `platform_id`, written if new; `name` is what the export shows.
    fn member(&mut self, chat: Chat, platform_id: &str, name: Option<&str>) -> Result<i64, StoreError> {
        let name = name.filter(|name| !name.is_empty());
        if let Some(name) = name {
            self.names.note(name, platform_id);
        }
        let member = NewMember { platform_id, display_name: name.unwrap_or(DELETED_ACCOUNT), is_bot: false };
        self.tx.upsert_member(chat.group, &member)
    }

    fn write_message(&mut self, chat: Chat, message: RawMessage) -> Result<(), Failure> {
        let id = message.id.ok_or_else(|| Failure::malformed("a message has no `id`", damaged_hint()))?;
        // Telegram Desktop writes only the id of a message it cannot export, not even a date.
        if message.kind.as_deref() == Some("unsupported") {
            self.skip(SKIP_UNSUPPORTED, 1);
            return Ok(());
        }
        let time = self.message_time(id, &message)?;
        match message.kind.as_deref().unwrap_or("message") {
            "message" => self.write_post(chat, id, time, message)?,
            "service" => self.write_service(chat, id, time, message)?,
            other => self.skip(format!("message of a type Hearth does not know ({other})"), 1),
        }
        Ok(())
    }

    fn message_time(&mut self, id: i64, message: &RawMessage) -> Result<MessageTime, Failure> {
        let local = match message.date.as_deref() {
            Some(date) => Some(parse_local_time(date).ok_or_else(|| {
                Failure::malformed(format!("message {id} has the date {date:?}, not a time like 2024-05-01T12:00:00"), damaged_hint())
            })?),
            None => None,
        };
        Ok(match (message.date_unixtime, local) {
            (Some(at), Some(local)) => {
                self.local_offset = Some(local - at);
                MessageTime { at, local_offset: self.local_offset }
            }
            (Some(at), None) => MessageTime { at, local_offset: self.local_offset },
            // Older exports have no `date_unixtime`; `date` is then the exporting computer's
            // local time, and the file does not say which zone that was. Read it as UTC until
            // the import lets the user name the zone (import issue #3). Reactions of such a
            // message are read the same way, so that they stay in order with it.
            (None, Some(local)) => MessageTime { at: local, local_offset: Some(0) },
            (None, None) => return Err(Failure::malformed(format!("message {id} has no `date` or `date_unixtime`"), damaged_hint())),
        })
    }

    fn write_post(&mut self, chat: Chat, id: i64, time: MessageTime, message: RawMessage) -> Result<(), StoreError> {
        let Some(author) = message.from_id.as_deref() else {
            self.skip(SKIP_NO_AUTHOR, 1);
            return Ok(());
        };
        let member_id = self.member(chat, author, message.from.as_deref())?;
        let raw_kind = message.media_kind();
        let text = message.text.as_ref().or(message.text_entities.as_ref()).map(|text| text.0.as_str()).filter(|text| !text.is_empty());
        let platform_id = id.to_string();
        let parent = message.reply_to_message_id.map(|parent| parent.to_string());
        self.tx.insert_activity(
            chat.group,
            &NewActivity {
                channel_id: chat.channel,
                member_id,
                platform_id: &platform_id,
                kind: if parent.is_some() { ActivityKind::Reply } else { ActivityKind::Message },
                at: time.at,
                parent_platform_id: parent.as_deref(),
                text,
                raw_kind,
            },
        )?;
        for reaction in message.reactions.into_iter().flatten() {
            self.write_reaction(chat, &platform_id, time, reaction)?;
        }
        Ok(())
    }

    /// One reaction activity per reactor the export names. Telegram lists only the most
    /// recent reactors of each emoji, so the rest of `count` is counted as skipped.
    fn write_reaction(&mut self, chat: Chat, message_id: &str, time: MessageTime, reaction: RawReaction) -> Result<(), StoreError> {
        let emoji = match (reaction.emoji, reaction.document_id, reaction.kind) {
            (Some(emoji), _, _) => emoji,
            (None, Some(document), _) => format!("custom_emoji:{document}"),
            (None, None, Some(kind)) => kind,
            (None, None, None) => "unknown".to_string(),
        };
        let listed = reaction.recent.len() as u64;
        let mut attributed = 0;
        for reactor in reaction.recent {
            let Some(reactor_id) = reactor.from_id.as_deref() else {
                continue;
            };
            let member_id = self.member(chat, reactor_id, reactor.from.as_deref())?;
            let platform_id = format!("{message_id}:react:{emoji}:{reactor_id}");
            self.tx.insert_activity(
                chat.group,
                &NewActivity {
                    channel_id: chat.channel,
                    member_id,
                    platform_id: &platform_id,
                    kind: ActivityKind::Reaction,
                    at: reaction_time(&reactor, time),
                    parent_platform_id: Some(message_id),
                    text: None,
                    raw_kind: Some(&emoji),
                },
            )?;
            attributed += 1;
        }
        self.skip(SKIP_UNATTRIBUTED_REACTIONS, reaction.count.max(listed) - attributed);
        Ok(())
    }

    fn write_service(&mut self, chat: Chat, id: i64, time: MessageTime, message: RawMessage) -> Result<(), StoreError> {
        let action = message.action.as_deref().unwrap_or("no action");
        match action {
            "join_group_by_link" | "join_group_by_request" => {
                let Some(actor) = message.actor_id.as_deref() else {
                    self.skip(format!("service message without an actor ({action})"), 1);
                    return Ok(());
                };
                let member_id = self.member(chat, actor, message.actor.as_deref())?;
                let platform_id = id.to_string();
                self.insert_member_event(chat, member_id, &platform_id, ActivityKind::Join, time.at, action)?;
            }
            // The members a group is created with join it then, as invited members do.
            "create_group" | "invite_members" => self.write_member_list(chat, id, time, &message, ActivityKind::Join)?,
            "remove_members" => self.write_member_list(chat, id, time, &message, ActivityKind::Leave)?,
            other => self.skip(format!("service message without member activity ({other})"), 1),
        }
        Ok(())
    }

    /// Joins or leaves of the members a service message names. The export gives only their
    /// display names: someone adding or removing themselves is the actor; anyone else is the
    /// member last seen with that name, or, if none was seen yet, is found at the end.
    fn write_member_list(
        &mut self,
        chat: Chat,
        id: i64,
        time: MessageTime,
        message: &RawMessage,
        kind: ActivityKind,
    ) -> Result<(), StoreError> {
        let action = message.action.as_deref().unwrap_or_default();
        for (index, name) in message.members.iter().flatten().enumerate() {
            let Some(name) = name.as_deref().filter(|name| !name.is_empty()) else {
                self.skip(SKIP_NAMELESS_MEMBER, 1);
                continue;
            };
            // The index keeps the id stable for the same export, whoever the name turns out to be.
            let platform_id = format!("{id}:member:{index}");
            let known = match (message.actor_id.as_deref(), message.actor.as_deref()) {
                (Some(actor_id), Some(actor)) if actor == name => Some(actor_id.to_string()),
                _ => self.names.latest.get(name).cloned(),
            };
            match known {
                Some(member) => {
                    let member_id = self.member(chat, &member, Some(name))?;
                    self.insert_member_event(chat, member_id, &platform_id, kind, time.at, action)?;
                }
                None => self.pending.push(PendingMemberEvent {
                    platform_id,
                    kind,
                    at: time.at,
                    action: action.to_string(),
                    name: name.to_string(),
                }),
            }
        }
        Ok(())
    }

    fn insert_member_event(
        &mut self,
        chat: Chat,
        member_id: i64,
        platform_id: &str,
        kind: ActivityKind,
        at: UnixSeconds,
        action: &str,
    ) -> Result<(), StoreError> {
        let activity = NewActivity {
            channel_id: chat.channel,
            member_id,
            platform_id,
            kind,
            at,
            parent_platform_id: None,
            text: None,
            raw_kind: Some(action),
        };
        self.tx.insert_activity(chat.group, &activity)?;
        Ok(())
    }

    /// Writes the joins and leaves whose member is known only now, and returns the group and
    /// what was skipped.
    fn finish_chat(mut self, file: &Path) -> Result<(GroupId, BTreeMap<String, u64>), ImportError> {
        // Reading stops with an error unless `messages` was seen and the chat written then;
        // this only guards against a future change of that rule.
        let chat = self.start_chat().map_err(|failure| match failure {
            Failure::Store(error) => ImportError::Store(error),
            Failure::Malformed { problem, hint } => {
                ImportError::Malformed { path: file.to_path_buf(), position: "the top-level object".into(), problem, hint }
            }
        })?;
        for event in std::mem::take(&mut self.pending) {
            // Only people first seen after the event are left to match here, so the first
            // one seen with the name is the nearest after it.
            let member_id = match self.names.first.get(&event.name).cloned() {
                Some(member) => self.member(chat, &member, Some(&event.name))?,
                None => {
                    let member = NewMember { platform_id: &format!("name:{}", event.name), display_name: &event.name, is_bot: false };
                    self.tx.upsert_member(chat.group, &member)?
                }
            };
            self.insert_member_event(chat, member_id, &event.platform_id, event.kind, event.at, &event.action)?;
        }
        Ok((chat.group, self.skipped))
    }
}

/// serde_json's message without its " at line L column C" tail, which the position repeats.
fn bare_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let tail = format!(" at line {} column {}", error.line(), error.column());
    message.strip_suffix(&tail).map_or(message.clone(), str::to_string)
}

/// A Telegram Desktop local time ("2024-05-01T12:00:00") read as if it were UTC.
fn parse_local_time(date: &str) -> Option<UnixSeconds> {
    NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%S").ok().map(|time| time.and_utc().timestamp())
}

/// When a reactor reacted. The export gives only the exporting computer's local time, so
/// the offset learned from the messages converts it; a reaction cannot precede its message
/// (a daylight-saving change between the two could make it seem to).
fn reaction_time(reactor: &RawReactor, message: MessageTime) -> UnixSeconds {
    if let Some(at) = reactor.date_unixtime {
        return at;
    }
    match (reactor.date.as_deref().and_then(parse_local_time), message.local_offset) {
        (Some(local), Some(offset)) => (local - offset).max(message.at),
        _ => message.at,
    }
}

/// The top-level object: the chat's header, and `messages`, streamed.
struct ChatSeed<'s, 'a, 'conn> {
    session: &'s mut Session<'a, 'conn>,
}

impl<'de> DeserializeSeed<'de> for ChatSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ChatSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a Telegram Desktop chat export (a JSON object with name, id and messages)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let session = self.session;
        while let Some(key) = map.next_key::<String>()? {
            match (session.pass, key.as_str()) {
                (Pass::Whole, "name") => session.header.name = Some(map.next_value()?),
                (Pass::Whole, "type") => session.header.kind = map.next_value()?,
                (Pass::Whole, "id") => session.header.id = Some(map.next_value()?),
                (Pass::Whole, "messages") if !session.header.is_complete() => {
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
                (Pass::Whole, key) if FULL_EXPORT_KEYS.contains(&key) => {
                    return Err(session.fail(Failure::malformed(
                        format!("this is a full Telegram account export (its top level has `{key}`), which Hearth cannot import yet"),
                        format!("export a single chat instead: {EXPORT_HINT}"),
                    )));
                }
                (Pass::Whole, key) if BOT_API_KEYS.contains(&key) => {
                    return Err(session.fail(Failure::malformed(
                        format!("this is a Telegram Bot API response (its top level has `{key}`), not a Telegram Desktop chat export"),
                        EXPORT_HINT,
                    )));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !session.saw_messages {
            return Err(
                session.fail(Failure::malformed("there is no `messages` array: this is not a Telegram Desktop chat export", EXPORT_HINT))
            );
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
        formatter.write_str("the `messages` array of a Telegram Desktop chat export")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let session = self.session;
        while let Some(message) = seq.next_element::<RawMessage>()? {
            let id = message.id;
            session.write_message(self.chat, message).map_err(|failure| session.fail::<A::Error>(failure))?;
            session.messages_read += 1;
            session.last_message_id = id;
            if session.messages_read % PROGRESS_EVERY == 0 {
                session.report_progress();
            }
        }
        Ok(())
    }
}

/// One element of `messages`, with only the fields the import uses. Everything is optional
/// here so that a missing field becomes an error that names the message.
#[derive(Deserialize)]
#[serde(expecting = "a message object")]
struct RawMessage {
    id: Option<i64>,
    #[serde(rename = "type")]
    kind: Option<String>,
    date: Option<String>,
    #[serde(default, deserialize_with = "unix_seconds")]
    date_unixtime: Option<UnixSeconds>,
    from: Option<String>,
    #[serde(default, deserialize_with = "peer_id")]
    from_id: Option<String>,
    actor: Option<String>,
    #[serde(default, deserialize_with = "peer_id")]
    actor_id: Option<String>,
    action: Option<String>,
    members: Option<Vec<Option<String>>>,
    text: Option<MessageText>,
    text_entities: Option<MessageText>,
    reply_to_message_id: Option<i64>,
    reactions: Option<Vec<RawReaction>>,
    media_type: Option<String>,
    photo: Option<IgnoredAny>,
    file: Option<IgnoredAny>,
    poll: Option<IgnoredAny>,
    location_information: Option<IgnoredAny>,
    contact_information: Option<IgnoredAny>,
}

impl RawMessage {
    /// What kind of media the message carries, kept as the activity's raw kind so that
    /// media-only messages (no text) stay recognisable.
    fn media_kind(&self) -> Option<&str> {
        if let Some(media_type) = self.media_type.as_deref() {
            return Some(media_type);
        }
        [
            (self.photo.is_some(), "photo"),
            (self.file.is_some(), "file"),
            (self.poll.is_some(), "poll"),
            (self.location_information.is_some(), "location"),
            (self.contact_information.is_some(), "contact"),
        ]
        .into_iter()
        .find_map(|(present, kind)| present.then_some(kind))
    }
}

#[derive(Deserialize)]
#[serde(expecting = "a reaction object")]
struct RawReaction {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    count: u64,
    emoji: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    document_id: Option<String>,
    #[serde(default)]
    recent: Vec<RawReactor>,
}

#[derive(Deserialize)]
#[serde(expecting = "a reactor object")]
struct RawReactor {
    from: Option<String>,
    #[serde(default, deserialize_with = "peer_id")]
    from_id: Option<String>,
    date: Option<String>,
    #[serde(default, deserialize_with = "unix_seconds")]
    date_unixtime: Option<UnixSeconds>,
}

/// A message's text: a plain string, or an array of strings and entity objects
/// (`{"type": "bold", "text": "..."}`) whose texts, concatenated, are the message.
struct MessageText(String);

impl<'de> Deserialize<'de> for MessageText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = MessageText;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a text: a string or an array of strings and text entities")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<MessageText, E> {
                Ok(MessageText(text.to_string()))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<MessageText, E> {
                Ok(MessageText(text))
            }

            fn visit_unit<E: de::Error>(self) -> Result<MessageText, E> {
                Ok(MessageText(String::new()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MessageText, A::Error> {
                let mut text = String::new();
                while let Some(TextPart(part)) = seq.next_element()? {
                    text.push_str(&part);
                }
                Ok(MessageText(text))
            }
        }

        deserializer.deserialize_any(TextVisitor)
    }
}

/// One element of a text array: a string, or an entity object whose `text` counts.
struct TextPart(String);

impl<'de> Deserialize<'de> for TextPart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PartVisitor;

        impl<'de> Visitor<'de> for PartVisitor {
            type Value = TextPart;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a string or a text entity object")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<TextPart, E> {
                Ok(TextPart(text.to_string()))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<TextPart, E> {
                Ok(TextPart(text))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TextPart, A::Error> {
                let mut text = String::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "text" {
                        text = map.next_value()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(TextPart(text))
            }
        }

        deserializer.deserialize_any(PartVisitor)
    }
}

/// `date_unixtime`: Unix seconds written as a string of digits (or, leniently, a number).
fn unix_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<UnixSeconds>, D::Error> {
    struct UnixVisitor;

    impl<'de> Visitor<'de> for UnixVisitor {
        type Value = Option<UnixSeconds>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("Unix seconds as a string of digits")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            text.trim().parse().map(Some).map_err(|_| E::invalid_value(Unexpected::Str(text), &self))
        }

        fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<Self::Value, E> {
            Ok(Some(seconds))
        }

        fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<Self::Value, E> {
            i64::try_from(seconds).map(Some).map_err(|_| E::invalid_value(Unexpected::Unsigned(seconds), &self))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    deserializer.deserialize_any(UnixVisitor)
}

/// `from_id`, `actor_id`: "user123" or "channel456". Exports before 2021 wrote a user's
/// bare number instead, which is the same member as "user<number>".
fn peer_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    flexible_id(deserializer, "user")
}

/// An id the export writes as a string, or sometimes as a number.
fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    flexible_id(deserializer, "")
}

fn flexible_id<'de, D: Deserializer<'de>>(deserializer: D, number_prefix: &'static str) -> Result<Option<String>, D::Error> {
    struct IdVisitor(&'static str);

    impl<'de> Visitor<'de> for IdVisitor {
        type Value = Option<String>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("an id (a string or a number)")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Some(text.to_string()))
        }

        fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
            Ok(Some(format!("{}{number}", self.0)))
        }

        fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
            Ok(Some(format!("{}{number}", self.0)))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    deserializer.deserialize_any(IdVisitor(number_prefix))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::{ActivityRow, GroupData, MemberRow};

    const NOW: UnixSeconds = 1_800_000_000;
    /// 2024-05-01T10:00:00Z, the first message of `chat.json` (written at UTC+2).
    const BASE: UnixSeconds = 1_714_557_600;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/telegram").join(name)
    }

    fn import_file(store: &mut Store, path: &Path) -> Result<Outcome, ImportError> {
        import(store, path, NOW, &mut |_| {})
    }

    fn only_group(store: &Store) -> GroupData {
        let groups = store.groups().unwrap();
        assert_eq!(groups.len(), 1, "{groups:?}");
        store.load_group_data(&groups[0]).unwrap()
    }

    fn member<'d>(data: &'d GroupData, platform_id: &str) -> &'d MemberRow {
        data.members.iter().find(|member| member.platform_id == platform_id).unwrap_or_else(|| panic!("no member {platform_id}"))
    }

    fn activities_at(data: &GroupData, at: UnixSeconds) -> Vec<&ActivityRow> {
        data.activities.iter().filter(|activity| activity.at == at).collect()
    }

    /// The one message or reply posted at `at`.
    fn post_at(data: &GroupData, at: UnixSeconds) -> &ActivityRow {
        let posts: Vec<_> = activities_at(data, at).into_iter().filter(|activity| activity.kind.is_post()).collect();
        assert_eq!(posts.len(), 1, "posts at {at}: {posts:?}");
        posts[0]
    }

    fn skipped(entries: &[(&str, u64)]) -> BTreeMap<String, u64> {
        entries.iter().map(|(reason, count)| (reason.to_string(), *count)).collect()
    }

    #[test]
    fn chat_fixture_imports_every_kind_of_activity() {
        let mut store = Store::open_in_memory().unwrap();
        let outcome = import_file(&mut store, &fixture("chat.json")).unwrap();
        assert_eq!(outcome.format, "telegram");
        let counts = &outcome.counts;
        assert_eq!((counts.groups, counts.channels, counts.members), (1, 1, 7));
        assert_eq!((counts.messages, counts.reactions, counts.joins, counts.leaves), (9, 3, 6, 2));
        assert_eq!((counts.duplicates, counts.updated), (0, 0));
        assert_eq!(
            outcome.skipped,
            skipped(&[
                (SKIP_UNATTRIBUTED_REACTIONS, 1),
                (SKIP_UNSUPPORTED, 1),
                ("service message without member activity (edit_group_title)", 1),
                ("service message without member activity (pin_message)", 1),
            ])
        );
        assert_eq!(outcome.groups.len(), 1);
        let group = &outcome.groups[0];
        assert_eq!(
            (group.platform, group.platform_id.as_str(), group.name.as_str()),
            (Platform::Telegram, "1234567890", "Hearth Test Group")
        );
        assert!(group.is_archive && !group.is_demo);
        assert_eq!(group.last_import_at, Some(NOW));
        assert_eq!(store.groups().unwrap(), outcome.groups);
    }

    #[test]
    fn texts_are_concatenated_and_media_only_messages_have_none() {
        let mut store = Store::open_in_memory().unwrap();
        import_file(&mut store, &fixture("chat.json")).unwrap();
        let data = only_group(&store);
        assert_eq!(post_at(&data, BASE + 60).text.as_deref(), Some("Welcome!"));
        assert_eq!(post_at(&data, BASE + 2 * 60).text.as_deref(), Some("Hi everyone!"));
        assert_eq!(post_at(&data, BASE + 22 * 60).text.as_deref(), Some("https://example.org"));
        assert_eq!(post_at(&data, BASE + 13 * 60).text.as_deref(), Some("Rules: be kind (edited)"));
        let photo = post_at(&data, BASE + 12 * 60);
        assert_eq!((photo.kind, photo.text.as_deref()), (ActivityKind::Message, None));
        assert_eq!(post_at(&data, BASE + 24 * 60).text, None);
        let deleted = post_at(&data, BASE + 18 * 60);
        assert_eq!(deleted.member_id, member(&data, "user6").id);
        assert_eq!(member(&data, "user6").display_name, DELETED_ACCOUNT);
    }

    #[test]
    fn reply_points_at_its_parent() {
        let mut store = Store::open_in_memory().unwrap();
        import_file(&mut store, &fixture("chat.json")).unwrap();
        let data = only_group(&store);
        let parent = post_at(&data, BASE + 2 * 60);
        let reply = post_at(&data, BASE + 11 * 60);
        assert_eq!(reply.kind, ActivityKind::Reply);
        assert_eq!(reply.parent_id, Some(parent.id));
        assert_eq!(data.activities.iter().filter(|activity| activity.kind == ActivityKind::Reply).count(), 1);
    }

    #[test]
    fn reactions_are_timed_from_their_local_date_and_point_at_the_message() {
        let mut store = Store::open_in_memory().unwrap();
        import_file(&mut store, &fixture("chat.json")).unwrap();
        let data = only_group(&store);
        let message = post_at(&data, BASE + 2 * 60);
        let mut reactions: Vec<(UnixSeconds, i64, Option<i64>)> = data
            .activities
            .iter()
            .filter(|activity| activity.kind == ActivityKind::Reaction)
            .map(|activity| (activity.at, activity.member_id, activity.parent_id))
            .collect();
        reactions.sort();
        let (ada, linus) = (member(&data, "user1").id, member(&data, "user3").id);
        assert_eq!(
            reactions,
            vec![(BASE + 5 * 60, ada, Some(message.id)), (BASE + 6 * 60, linus, Some(message.id)), (BASE + 7 * 60, ada, Some(message.id))]
        );
    }

    #[test]
    fn invited_and_removed_members_are_found_by_name() {
        let mut store = Store::open_in_memory().unwrap();
        import_file(&mut store, &fixture("chat.json")).unwrap();
        let data = only_group(&store);
        let ids: BTreeSet<&str> = data.members.iter().map(|member| member.platform_id.as_str()).collect();
        assert_eq!(ids, BTreeSet::from(["name:Margaret", "user1", "user2", "user3", "user4", "user5", "user6"]));
        let joined_left = |id: &str| (member(&data, id).joined_at, member(&data, id).left_at);
        // Created the group with Grace, who is named before she ever speaks.
        assert_eq!(joined_left("user1"), (Some(BASE), None));
        assert_eq!(joined_left("user2"), (Some(BASE), None));
        // Joined by link, later removed by Ada.
        assert_eq!(joined_left("user3"), (Some(BASE + 10 * 60), Some(BASE + 21 * 60)));
        // Invited before speaking, then left by himself.
        assert_eq!(joined_left("user4"), (Some(BASE + 15 * 60), Some(BASE + 20 * 60)));
        // Added herself: the actor is the member.
        assert_eq!(joined_left("user5"), (Some(BASE + 17 * 60), None));
        // Invited but never seen again: known by name only.
        assert_eq!(joined_left("name:Margaret"), (Some(BASE + 15 * 60), None));
        assert_eq!(member(&data, "name:Margaret").display_name, "Margaret");
        assert_eq!(joined_left("user6"), (None, None));
    }

    #[test]
    fn reimport_changes_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        let first = import_file(&mut store, &fixture("chat.json")).unwrap();
        let group = first.groups[0].id;
        let counts_before = store.group_counts(group).unwrap();
        let data_before = store.load_group_data(&first.groups[0]).unwrap();
        let second = import_file(&mut store, &fixture("chat.json")).unwrap();
        let counts = &second.counts;
        assert_eq!((counts.groups, counts.channels, counts.members, counts.messages), (0, 0, 0, 0));
        assert_eq!((counts.reactions, counts.joins, counts.leaves, counts.updated), (0, 0, 0, 0));
        let first_total = first.counts.messages + first.counts.reactions + first.counts.joins + first.counts.leaves;
        assert_eq!(counts.duplicates, first_total);
        assert_eq!(second.skipped, first.skipped);
        assert_eq!(store.group_counts(group).unwrap(), counts_before);
        assert_eq!(store.load_group_data(&second.groups[0]).unwrap().activities, data_before.activities);
    }

    #[test]
    fn edited_text_in_a_later_export_updates_the_message() {
        let mut store = Store::open_in_memory().unwrap();
        let first = import_file(&mut store, &fixture("chat.json")).unwrap();
        let folder = tempfile::tempdir().unwrap();
        let later = folder.path().join("result.json");
        let text = std::fs::read_to_string(fixture("chat.json")).unwrap();
        std::fs::write(&later, text.replace("Rules: be kind (edited)", "Rules: be kind, edited twice")).unwrap();
        let second = import_file(&mut store, folder.path()).unwrap();
        assert_eq!((second.counts.messages, second.counts.updated), (0, 1));
        assert_eq!(second.counts.duplicates, first.counts.messages + first.counts.reactions + first.counts.joins + first.counts.leaves);
        let data = only_group(&store);
        assert_eq!(post_at(&data, BASE + 13 * 60).text.as_deref(), Some("Rules: be kind, edited twice"));
    }

    #[test]
    fn old_export_reads_local_dates_as_utc_and_its_header_may_follow_the_messages() {
        let mut store = Store::open_in_memory().unwrap();
        let outcome = import_file(&mut store, &fixture("old_export.json")).unwrap();
        let counts = &outcome.counts;
        assert_eq!((counts.groups, counts.members, counts.messages, counts.reactions), (1, 2, 2, 1));
        assert!(outcome.skipped.is_empty(), "{:?}", outcome.skipped);
        let group = &outcome.groups[0];
        assert_eq!((group.platform_id.as_str(), group.name.as_str()), ("42", "Old Export"));
        let data = only_group(&store);
        // 2021-06-01T08:00:00 and 09:30:00 read as UTC.
        let first = post_at(&data, 1_622_534_400);
        let reply = post_at(&data, 1_622_539_800);
        assert_eq!((reply.kind, reply.parent_id), (ActivityKind::Reply, Some(first.id)));
        // A bare numeric from_id is the same member as "user<number>".
        let grace = member(&data, "user42");
        assert_eq!(grace.display_name, "Grace");
        assert_eq!(reply.member_id, grace.id);
        let reaction = data.activities.iter().find(|activity| activity.kind == ActivityKind::Reaction).unwrap();
        assert_eq!((reaction.at, reaction.member_id, reaction.parent_id), (1_622_537_100, grace.id, Some(first.id)));
    }

    #[test]
    fn failed_import_leaves_the_store_as_it_was() {
        let mut store = Store::open_in_memory().unwrap();
        let outcome = import_file(&mut store, &fixture("chat.json")).unwrap();
        let group = outcome.groups[0].id;
        let groups_before = store.groups().unwrap();
        let counts_before = store.group_counts(group).unwrap();
        let data_before = store.load_group_data(&groups_before[0]).unwrap();
        // The truncated file is a later export of the same chat: its new messages are written
        // to the transaction before the parser reaches the cut.
        let error = import_file(&mut store, &fixture("truncated.json")).unwrap_err();
        assert!(matches!(error, ImportError::Malformed { .. }), "{error:?}");
        assert_eq!(store.groups().unwrap(), groups_before);
        assert_eq!(store.group_counts(group).unwrap(), counts_before);
        assert_eq!(store.load_group_data(&groups_before[0]).unwrap(), data_before);

        let mut empty_store = Store::open_in_memory().unwrap();
        import_file(&mut empty_store, &fixture("truncated.json")).unwrap_err();
        assert_eq!(empty_store.group_count().unwrap(), 0);
    }

    #[test]
    fn bad_files_are_refused_naming_the_file_the_position_and_what_to_do() {
        let cases = [
            ("not_json.json", "not valid JSON", "Machine-readable JSON"),
            ("truncated.json", "truncated", "export the chat again"),
            ("wrong_format.json", "no `messages` array", "Machine-readable JSON"),
            ("full_account.json", "full Telegram account export", "export a single chat"),
            ("bot_api.json", "Bot API", "Machine-readable JSON"),
            ("empty.json", "the file is empty", "export the chat again"),
            ("missing_id.json", "a message has no `id`", "export the chat again"),
            ("missing_date.json", "message 1 has no `date`", "export the chat again"),
        ];
        for (name, expected_problem, expected_hint) in cases {
            let mut store = Store::open_in_memory().unwrap();
            let error = import_file(&mut store, &fixture(name)).unwrap_err();
            let ImportError::Malformed { path, position, problem, hint } = &error else {
                panic!("{name}: expected Malformed, got {error:?}");
            };
            assert_eq!(path, &fixture(name), "{name}");
            assert!(problem.contains(expected_problem), "{name}: {problem}");
            assert!(hint.contains(expected_hint), "{name}: {hint}");
            assert!(position.starts_with("line "), "{name}: {position}");
            let message = error.to_string();
            assert!(message.contains(name) && message.contains("line "), "{name}: {message}");
            assert_eq!(store.group_count().unwrap(), 0, "{name}");
        }
    }

    #[test]
    fn errors_inside_messages_name_the_message() {
        let mut store = Store::open_in_memory().unwrap();
        let error = import_file(&mut store, &fixture("missing_id.json")).unwrap_err();
        let ImportError::Malformed { position, .. } = error else { panic!("{error:?}") };
        assert!(position.contains("message 2 of `messages`, the one after id 1"), "{position}");
        let error = import_file(&mut store, &fixture("truncated.json")).unwrap_err();
        let ImportError::Malformed { position, .. } = error else { panic!("{error:?}") };
        assert!(position.contains("message 20 of `messages`, the one after id 19"), "{position}");
    }

    #[test]
    fn chat_without_id_is_refused_even_when_its_messages_come_first() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("result.json");
        let message = r#"{"id": 1, "type": "message", "date_unixtime": "1714557600", "from_id": "user1", "text": "hi"}"#;
        std::fs::write(&path, format!(r#"{{"messages": [{message}], "name": "No id"}}"#)).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let error = import_file(&mut store, &path).unwrap_err();
        let ImportError::Malformed { problem, hint, .. } = &error else { panic!("{error:?}") };
        assert!(problem.contains("no chat `id`") && hint.contains("export the chat again"), "{error}");
        assert_eq!(store.group_count().unwrap(), 0);
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let mut store = Store::open_in_memory().unwrap();
        let error = import_file(&mut store, &fixture("no_such_export.json")).unwrap_err();
        assert!(matches!(&error, ImportError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound), "{error:?}");
        let folder = tempfile::tempdir().unwrap();
        let error = import_file(&mut store, folder.path()).unwrap_err();
        assert!(matches!(&error, ImportError::Io { path, .. } if path.ends_with(EXPORT_FILE_NAME)), "{error:?}");
    }

    #[test]
    fn progress_is_reported_every_thousand_messages_and_at_the_end() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("result.json");
        let messages: Vec<String> = (1..=2500)
            .map(|id| {
                format!(
                    r#"{{"id": {id}, "type": "message", "date_unixtime": "{}", "from": "Ada", "from_id": "user1", "text": "message {id}"}}"#,
                    BASE + id
                )
            })
            .collect();
        std::fs::write(&path, format!(r#"{{"name": "Busy", "type": "private_group", "id": 5, "messages": [{}]}}"#, messages.join(",\n")))
            .unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        let mut reports = Vec::new();
        let mut store = Store::open_in_memory().unwrap();
        let outcome = import(&mut store, &path, NOW, &mut |progress| reports.push(progress.clone())).unwrap();
        assert_eq!(outcome.counts.messages, 2500);
        // Two while reading, the indexing step, and the end of the file.
        assert_eq!(reports.len(), 4, "{reports:?}");
        assert_eq!(reports[2], Progress::indexing(2500));
        let reading = [&reports[0], &reports[1], &reports[3]];
        assert!(reading.iter().all(|report| report.step == PROGRESS_STEP && report.total == Some(size) && report.done <= size));
        assert_eq!((reports[0].items, reports[1].items, reports[3].items), (1000, 2000, 2500), "{reports:?}");
        assert!(reports[0].done > 0 && reports[0].done <= reports[1].done, "{reports:?}");
        assert_eq!(reports[3].done, size);
    }
}
