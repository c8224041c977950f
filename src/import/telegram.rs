//! Telegram Desktop's "Machine-readable JSON" exports: the export of one chat
//! (`result.json` with the chat's `name`, `id` and `messages`) and the full-account export
//! ("Export Telegram data": a `result.json` whose `chats.list` and `left_chats.list` hold
//! many chats next to the account's own data). Streams the messages, one at a time, into the
//! store's import transaction as messages, replies, reactions, joins and leaves; each chat
//! is a group keyed by its id. It owns only the mapping of that format; it never holds the
//! whole file in memory and never commits part of an export.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::Deserialize;

use super::json_stream::{EachElement, ElementSink, Failure, Identified, JsonFile, Vocabulary};
use super::{ImportError, ImportOptions, Outcome, Written};
use crate::model::{ActivityKind, GroupId, Platform, Progress, ProgressSink, UnixSeconds, DAY};
use crate::store::{FastMap, ImportTx, NewActivity, NewGroup, NewMember, Store, StoreError};

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

/// 2013-08-01T00:00:00Z, before Telegram's launch: no message is older.
const TELEGRAM_EPOCH: UnixSeconds = 1_375_315_200;

const EXPORT_HINT: &str = "in Telegram Desktop open the chat, choose \u{22ee} > Export chat history, pick the format \
                           \"Machine-readable JSON\", and import the result.json it writes (or, for every chat, \
                           Settings > Advanced > Export Telegram data in the same format)";

const REEXPORT_HINT: &str = "export the chat again from Telegram Desktop (\u{22ee} > Export chat history, format \
                             \"Machine-readable JSON\") and import the new result.json";

/// For a file that parses but lacks what every Telegram Desktop export has.
fn damaged_hint() -> String {
    format!("the file looks edited by hand or damaged; {REEXPORT_HINT}")
}

/// How the shared JSON streaming words its errors for this format.
const WORDS: Vocabulary = Vocabulary {
    expected: "a Telegram Desktop chat export",
    export_hint: EXPORT_HINT,
    reexport_hint: REEXPORT_HINT,
    other_exports: "the HTML export cannot be imported",
    platform: "Telegram",
};

/// Top-level keys of a full-account export ("Export Telegram data"), which wraps many chats
/// under `chats.list` and `left_chats.list` next to the account's own data. A single-chat
/// export has none of them.
const FULL_EXPORT_KEYS: &[&str] = &[
    "about",
    "personal_information",
    "profile_pictures",
    "stories",
    "contacts",
    "frequent_contacts",
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

/// The lists of a full-account export that hold chats: those the account is in, and those
/// it left (their history up to the leaving).
const CHAT_LISTS: &[&str] = &["chats", "left_chats"];

/// Imports the export at `path`: a `result.json` (one chat or a full account), or the export
/// folder holding one.
pub fn import(store: &mut Store, path: &Path, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Outcome, ImportError> {
    let options = ImportOptions::default();
    super::import_paths(store, &[path.to_path_buf()], Some(FORMAT), &options, now, progress)
}

/// Writes the export at `path` into the import transaction `tx`, each chat as a group.
pub fn write(
    tx: &mut ImportTx<'_>,
    path: &Path,
    options: &ImportOptions,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<Written, ImportError> {
    let file = export_file(path)?;
    // Every write below happens in the caller's transaction. An error drops it, which rolls
    // it back, so a bad file leaves the store exactly as it was.
    let mut session = Session::new(tx, options, now, &mut *progress);
    session.read(&file, Pass::Whole)?;
    if !session.deferred.is_empty() {
        // Some chat's messages came before its id or name (Telegram Desktop never writes
        // them so, but a re-saved file might). Read the file again for those chats now that
        // they are known, rather than holding their messages in memory.
        session.read(&file, Pass::Deferred)?;
    }
    let total = session.json.size;
    let items = session.messages_read;
    let written = Written { groups: session.groups, skipped: session.skipped, read_local_times: session.read_local_times };
    progress(&Progress::bytes(PROGRESS_STEP, items, total, total));
    Ok(written)
}

/// The `result.json` to read: `path` itself, or the one inside the export folder `path`.
fn export_file(path: &Path) -> Result<PathBuf, ImportError> {
    let metadata = std::fs::metadata(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    if !metadata.is_dir() {
        return Ok(path.to_path_buf());
    }
    let file = path.join(EXPORT_FILE_NAME);
    if !file.is_file() {
        return Err(ImportError::Unsupported {
            path: path.to_path_buf(),
            problem: format!("this folder holds no {EXPORT_FILE_NAME}, so no Telegram Desktop export"),
            hint: format!(
                "choose the folder Telegram Desktop exported into (it holds {EXPORT_FILE_NAME}), or the file itself; {EXPORT_HINT}"
            ),
        });
    }
    Ok(file)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Reads every chat's header and, once it is known, its messages.
    Whole,
    /// Reads only the messages of the chats whose header came after them in the first pass.
    Deferred,
}

/// Where a chat is in the file: the whole file, or an element of a full-account list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChatSlot {
    Single,
    Listed { list: &'static str, index: u64 },
}

/// What a chat object says about the chat.
#[derive(Default, Clone)]
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

/// The rows of the chat being written.
#[derive(Clone, Copy)]
struct Chat {
    group: GroupId,
    channel: i64,
}

/// A join or leave of someone the export names only by display name, whose member is found
/// once the whole chat has been read (invited people usually speak only after the invite).
struct PendingMemberEvent {
    platform_id: String,
    kind: ActivityKind,
    at: UnixSeconds,
    action: String,
    name: String,
}

/// Display names seen in a chat, to find the member an invite or removal names. Noted for
/// every message and reaction: [`Authors`] remembers which name each author noted last, so
/// that an author seen again under the same name, who was also the last to use it, costs
/// no lookup of the name at all.
#[derive(Default)]
struct Names {
    slots: FastMap<String, u32>,
    seen: Vec<NameSeen>,
}

struct NameSeen {
    name: String,
    /// The member first seen with the display name.
    first: String,
    /// The member most recently seen with it.
    latest: String,
}

impl Names {
    /// Notes that `platform_id` was seen as `name`; returns the name's slot.
    fn note(&mut self, name: &str, platform_id: &str) -> u32 {
        match self.slots.get(name) {
            Some(&slot) => {
                let seen = &mut self.seen[slot as usize];
                if seen.latest != platform_id {
                    platform_id.clone_into(&mut seen.latest);
                }
                slot
            }
            None => {
                let slot = self.seen.len() as u32;
                self.slots.insert(name.to_string(), slot);
                self.seen.push(NameSeen { name: name.to_string(), first: platform_id.to_string(), latest: platform_id.to_string() });
                slot
            }
        }
    }

    /// Whether noting `name` for `platform_id` would change nothing, given the slot of the
    /// name this member noted last.
    fn is_latest(&self, slot: u32, name: &str, platform_id: &str) -> bool {
        let seen = &self.seen[slot as usize];
        seen.name == name && seen.latest == platform_id
    }

    fn latest(&self, name: &str) -> Option<&str> {
        self.slots.get(name).map(|&slot| self.seen[slot as usize].latest.as_str())
    }

    fn first(&self, name: &str) -> Option<&str> {
        self.slots.get(name).map(|&slot| self.seen[slot as usize].first.as_str())
    }
}

/// The members of the chat being read, by platform id: their row id and the slot of the
/// display name each noted last. One lookup per message instead of one in the store's
/// member cache and one in [`Names`].
#[derive(Default)]
struct Authors(FastMap<String, Author>);

struct Author {
    member: i64,
    name: Option<u32>,
}

/// A message's time and, when the export says, the exporting computer's UTC offset then.
#[derive(Clone, Copy)]
struct MessageTime {
    at: UnixSeconds,
    /// Seconds to subtract from a local time of this export to get UTC.
    local_offset: Option<i64>,
}

/// What is known of the chat being read.
struct ChatState {
    slot: ChatSlot,
    header: Header,
    chat: Option<Chat>,
    saw_messages: bool,
    messages_deferred: bool,
    /// The exporting computer's UTC offset, from the latest message that gave both its local
    /// time and its Unix time. Reactions carry only a local time.
    local_offset: Option<i64>,
    names: Names,
    authors: Authors,
    pending: Vec<PendingMemberEvent>,
}

impl ChatState {
    fn new(slot: ChatSlot, header: Header) -> ChatState {
        ChatState {
            slot,
            header,
            chat: None,
            saw_messages: false,
            messages_deferred: false,
            local_offset: None,
            names: Names::default(),
            authors: Authors::default(),
            pending: Vec::new(),
        }
    }
}

/// The state of one import while the file streams through the visitors.
struct Session<'a, 'conn> {
    tx: &'a mut ImportTx<'conn>,
    options: &'a ImportOptions,
    now: UnixSeconds,
    progress: &'a mut dyn FnMut(&Progress),
    json: JsonFile,
    pass: Pass,
    state: ChatState,
    /// Chats whose messages came before their header, with the header, for the second pass.
    deferred: Vec<(ChatSlot, Header)>,
    /// Whether the top level had keys only a full-account export has, and chat lists.
    full_export_key: Option<String>,
    saw_chat_list: bool,
    messages_read: u64,
    /// The groups written, in the order first seen.
    groups: Vec<GroupId>,
    skipped: BTreeMap<String, u64>,
    read_local_times: bool,
}

impl<'a, 'conn> Session<'a, 'conn> {
    fn new(tx: &'a mut ImportTx<'conn>, options: &'a ImportOptions, now: UnixSeconds, progress: &'a mut dyn FnMut(&Progress)) -> Self {
        Session {
            tx,
            options,
            now,
            progress,
            json: JsonFile::new(Path::new(""), 0, Default::default()),
            pass: Pass::Whole,
            state: ChatState::new(ChatSlot::Single, Header::default()),
            deferred: Vec::new(),
            full_export_key: None,
            saw_chat_list: false,
            messages_read: 0,
            groups: Vec::new(),
            skipped: BTreeMap::new(),
            read_local_times: false,
        }
    }

    /// Streams `file` through the visitors once.
    fn read(&mut self, file: &Path, pass: Pass) -> Result<(), ImportError> {
        let (json, reader) = JsonFile::open(file)?;
        self.json = json;
        self.pass = pass;
        self.state = ChatState::new(ChatSlot::Single, self.deferred_header(ChatSlot::Single).unwrap_or_default());
        let mut deserializer = serde_json::Deserializer::from_reader(reader);
        let result = TopSeed { session: self }.deserialize(&mut deserializer).and_then(|()| deserializer.end());
        result.map_err(|error| self.json.import_error(error, &WORDS))
    }

    /// The header read in the first pass of a chat whose messages came first.
    fn deferred_header(&self, slot: ChatSlot) -> Option<Header> {
        self.deferred.iter().find(|(deferred, _)| *deferred == slot).map(|(_, header)| header.clone())
    }

    fn skip(&mut self, reason: impl Into<String>, count: u64) {
        if count > 0 {
            *self.skipped.entry(reason.into()).or_default() += count;
        }
    }

    fn report_progress(&mut self) {
        let done = self.json.meter.bytes_read().min(self.json.size);
        (self.progress)(&Progress::bytes(PROGRESS_STEP, self.messages_read, done, self.json.size));
    }

    /// Reads a chat's `messages`: streamed into the store when the chat is known, skipped
    /// for the second pass when its header has not been read yet.
    fn read_messages<'de, A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<(), A::Error> {
        self.state.saw_messages = true;
        if self.pass == Pass::Whole && !self.state.header.is_complete() {
            self.state.messages_deferred = true;
            return map.next_value::<IgnoredAny>().map(|_| ());
        }
        let chat = self.start_chat().map_err(|failure| self.json.fail::<A::Error>(failure))?;
        map.next_value_seed(EachElement::new(&mut ChatMessages { session: self, chat }, "message", "messages"))
    }

    /// Ends the chat just read: defers it to the second pass, or writes what waited for the
    /// whole chat to be read.
    fn end_chat<E: de::Error>(&mut self) -> Result<(), E> {
        if self.state.messages_deferred {
            if self.state.header.id.is_none() {
                return Err(self.json.fail(Failure::malformed("the export has messages but no chat `id`", damaged_hint())));
            }
            let header = std::mem::take(&mut self.state.header);
            self.deferred.push((self.state.slot, header));
            return Ok(());
        }
        self.finish_chat().map_err(|failure| self.json.fail(failure))
    }

    /// Writes the group and its one channel, once the header is known.
    fn start_chat(&mut self) -> Result<Chat, Failure> {
        if let Some(chat) = self.state.chat {
            return Ok(chat);
        }
        let header = &self.state.header;
        let id = header.id.ok_or_else(|| Failure::malformed("the export has messages but no chat `id`", damaged_hint()))?;
        let platform_id = id.to_string();
        let name = header.display_name(id);
        let group = NewGroup { platform: Platform::Telegram, platform_id: &platform_id, name: &name, is_archive: true, is_demo: false };
        let group = self.tx.upsert_group(&group, self.now)?;
        if !self.groups.contains(&group) {
            self.groups.push(group);
        }
        // A Telegram chat has no sub-channels (forum topics aside): the chat is the channel.
        let channel = self.tx.upsert_channel(group, &platform_id, &name)?;
        let chat = Chat { group, channel };
        self.state.chat = Some(chat);
        Ok(chat)
    }

    /// The member with `platform_id`, written if new; `name` is what the export shows.
    fn member(&mut self, chat: Chat, platform_id: &str, name: Option<&str>) -> Result<i64, StoreError> {
        let name = name.filter(|name| !name.is_empty());
        let state = &mut self.state;
        if let Some(author) = state.authors.0.get_mut(platform_id) {
            if let Some(name) = name {
                if !author.name.is_some_and(|slot| state.names.is_latest(slot, name, platform_id)) {
                    author.name = Some(state.names.note(name, platform_id));
                }
            }
            return Ok(author.member);
        }
        let slot = name.map(|name| state.names.note(name, platform_id));
        let member = NewMember { platform_id, display_name: name.unwrap_or(DELETED_ACCOUNT), is_bot: false };
        let member = self.tx.upsert_member(chat.group, &member)?;
        self.state.authors.0.insert(platform_id.to_string(), Author { member, name: slot });
        Ok(member)
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
        let time = match (message.date_unixtime, local) {
            (Some(at), Some(local)) => {
                self.state.local_offset = Some(local.and_utc().timestamp() - at);
                MessageTime { at, local_offset: self.state.local_offset }
            }
            (Some(at), None) => MessageTime { at, local_offset: self.state.local_offset },
            // Older exports have no `date_unixtime`; `date` is then the exporting computer's
            // local time, and the file does not say which zone that was: it is read in the
            // zone the user gave (the computer's by default), and the summary says so.
            // Reactions of such a message are read with the same offset, so that they stay in
            // order with it.
            (None, Some(local)) => {
                self.read_local_times = true;
                let at = self.options.local_to_unix(local);
                MessageTime { at, local_offset: Some(local.and_utc().timestamp() - at) }
            }
            (None, None) => return Err(Failure::malformed(format!("message {id} has no `date` or `date_unixtime`"), damaged_hint())),
        };
        if !(TELEGRAM_EPOCH..=self.now + DAY).contains(&time.at) {
            let written = message.date.clone().unwrap_or_else(|| format!("Unix time {}", time.at));
            return Err(Failure::malformed(
                format!("message {id} is dated {written}, out of range (before Telegram existed or in the future)"),
                format!("check the computer's clock; otherwise {}", damaged_hint()),
            ));
        }
        Ok(time)
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
                _ => self.state.names.latest(name).map(str::to_string),
            };
            match known {
                Some(member) => {
                    let member_id = self.member(chat, &member, Some(name))?;
                    self.insert_member_event(chat, member_id, &platform_id, kind, time.at, action)?;
                }
                None => self.state.pending.push(PendingMemberEvent {
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

    /// Writes the joins and leaves of the chat whose member is known only now.
    fn finish_chat(&mut self) -> Result<(), Failure> {
        let chat = self.start_chat()?;
        for event in std::mem::take(&mut self.state.pending) {
            // Only people first seen after the event are left to match here, so the first
            // one seen with the name is the nearest after it.
            let member_id = match self.state.names.first(&event.name).map(str::to_string) {
                Some(member) => self.member(chat, &member, Some(&event.name))?,
                None => {
                    let member = NewMember { platform_id: &format!("name:{}", event.name), display_name: &event.name, is_bot: false };
                    self.tx.upsert_member(chat.group, &member)?
                }
            };
            self.insert_member_event(chat, member_id, &event.platform_id, event.kind, event.at, &event.action)?;
        }
        Ok(())
    }
}

/// A Telegram Desktop local time ("2024-05-01T12:00:00"). The fixed layout is read
/// directly (chrono's format parser cost as much as a tenth of an import); anything else
/// goes through chrono, which gives the same answer for what it accepts.
fn parse_local_time(date: &str) -> Option<NaiveDateTime> {
    fixed_local_time(date.as_bytes()).or_else(|| NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%S").ok())
}

fn fixed_local_time(date: &[u8]) -> Option<NaiveDateTime> {
    if date.len() != 19 || date[4] != b'-' || date[7] != b'-' || date[10] != b'T' || date[13] != b':' || date[16] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        date[range].iter().try_fold(0u32, |value, &digit| digit.is_ascii_digit().then(|| value * 10 + u32::from(digit - b'0')))
    };
    let day = chrono::NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)?;
    day.and_hms_opt(number(11..13)?, number(14..16)?, number(17..19)?)
}

/// When a reactor reacted. The export gives only the exporting computer's local time, so
/// the offset learned from the messages converts it; a reaction cannot precede its message
/// (a daylight-saving change between the two could make it seem to).
fn reaction_time(reactor: &RawReactor, message: MessageTime) -> UnixSeconds {
    if let Some(at) = reactor.date_unixtime {
        return at;
    }
    match (reactor.date.as_deref().and_then(parse_local_time).map(|local| local.and_utc().timestamp()), message.local_offset) {
        (Some(local), Some(offset)) => (local - offset).max(message.at),
        _ => message.at,
    }
}

/// The top level: one chat's header and `messages`, or a full account's chat lists.
struct TopSeed<'s, 'a, 'conn> {
    session: &'s mut Session<'a, 'conn>,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a Telegram Desktop export (a JSON object with name, id and messages, or with chats)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let session = self.session;
        let single_deferred = session.deferred_header(ChatSlot::Single).is_some();
        while let Some(key) = map.next_key::<String>()? {
            match (session.pass, key.as_str()) {
                (Pass::Whole, "name" | "type" | "id") => read_header_field(&mut session.state.header, &key, &mut map)?,
                (Pass::Whole, "messages") => session.read_messages(&mut map)?,
                (Pass::Deferred, "messages") if single_deferred => session.read_messages(&mut map)?,
                (_, list) if CHAT_LISTS.contains(&list) => {
                    session.saw_chat_list = true;
                    let list = CHAT_LISTS.iter().copied().find(|known| *known == list).unwrap_or_default();
                    map.next_value_seed(ChatListSeed { session: &mut *session, list })?;
                }
                (Pass::Whole, key) if FULL_EXPORT_KEYS.contains(&key) => {
                    session.full_export_key.get_or_insert_with(|| key.to_string());
                    map.next_value::<IgnoredAny>()?;
                }
                (Pass::Whole, key @ ("guild" | "channel")) => {
                    return Err(session.json.fail(Failure::malformed(
                        format!("this is a DiscordChatExporter export (its top level has `{key}`), not a Telegram Desktop export"),
                        "import it as a Discord export: leave out --format, or give --format discord",
                    )));
                }
                (Pass::Whole, key) if BOT_API_KEYS.contains(&key) => {
                    return Err(session.json.fail(Failure::malformed(
                        format!("this is a Telegram Bot API response (its top level has `{key}`), not a Telegram Desktop chat export"),
                        EXPORT_HINT,
                    )));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let single_chat = session.state.saw_messages;
        match session.pass {
            Pass::Whole if single_chat => session.end_chat(),
            Pass::Whole if session.saw_chat_list => Ok(()),
            Pass::Whole => Err(session.json.fail(match &session.full_export_key {
                Some(key) => Failure::malformed(
                    format!(
                        "this full Telegram account export (its top level has `{key}`) holds no chats: it has no `chats` or `left_chats`"
                    ),
                    "export again with Settings > Advanced > Export Telegram data, tick the chats to include (personal chats, \
                     private groups, ...) and the format \"Machine-readable JSON\"",
                ),
                None => Failure::malformed("there is no `messages` array: this is not a Telegram Desktop chat export", EXPORT_HINT),
            })),
            Pass::Deferred if single_chat && single_deferred => session.finish_chat().map_err(|failure| session.json.fail(failure)),
            Pass::Deferred => Ok(()),
        }
    }
}

/// Reads `name`, `type` or `id` of a chat into its header.
fn read_header_field<'de, A: MapAccess<'de>>(header: &mut Header, key: &str, map: &mut A) -> Result<(), A::Error> {
    match key {
        "name" => header.name = Some(map.next_value()?),
        "type" => header.kind = map.next_value()?,
        _ => header.id = Some(map.next_value()?),
    }
    Ok(())
}

/// `chats` or `left_chats` of a full-account export: an object whose `list` holds the chats
/// (or, leniently, the list itself).
struct ChatListSeed<'s, 'a, 'conn> {
    session: &'s mut Session<'a, 'conn>,
    list: &'static str,
}

impl<'de> DeserializeSeed<'de> for ChatListSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ChatListSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "the `{}` of a full Telegram account export (an object with a `list` of chats)", self.list)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "list" {
                map.next_value_seed(ChatListSeed { session: &mut *self.session, list: self.list })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let session = self.session;
        // The top level's own chat state, if any, is kept aside while the list's chats are read.
        let outer = std::mem::replace(&mut session.state, ChatState::new(ChatSlot::Single, Header::default()));
        session.json.enter_array("chat", format!("{}.list", self.list));
        let mut index = 0;
        loop {
            let slot = ChatSlot::Listed { list: self.list, index };
            let next = match session.pass {
                Pass::Whole => {
                    session.state = ChatState::new(slot, Header::default());
                    seq.next_element_seed(ChatSeed { session: &mut *session })?
                }
                Pass::Deferred => match session.deferred_header(slot) {
                    Some(header) => {
                        session.state = ChatState::new(slot, header);
                        seq.next_element_seed(ChatSeed { session: &mut *session })?
                    }
                    None => seq.next_element::<IgnoredAny>()?.map(|_| ()),
                },
            };
            if next.is_none() {
                break;
            }
            let id = session.state.header.id.map(|id| id.to_string());
            session.json.element_done(id);
            index += 1;
        }
        session.json.leave_array();
        session.state = outer;
        Ok(())
    }
}

/// One chat of a full-account export: its header and `messages`.
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
        formatter.write_str("a chat (a JSON object with name, type, id and messages)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let session = self.session;
        while let Some(key) = map.next_key::<String>()? {
            match (session.pass, key.as_str()) {
                (Pass::Whole, "name" | "type" | "id") => read_header_field(&mut session.state.header, &key, &mut map)?,
                (_, "messages") => session.read_messages(&mut map)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !session.state.saw_messages {
            return Err(session.json.fail(Failure::malformed("this chat has no `messages` array", damaged_hint())));
        }
        match session.pass {
            Pass::Whole => session.end_chat(),
            Pass::Deferred => session.finish_chat().map_err(|failure| session.json.fail(failure)),
        }
    }
}

/// Where the `messages` of one chat go, element by element.
struct ChatMessages<'s, 'a, 'conn> {
    session: &'s mut Session<'a, 'conn>,
    chat: Chat,
}

impl ElementSink<RawMessage> for ChatMessages<'_, '_, '_> {
    fn json_file(&mut self) -> &mut JsonFile {
        &mut self.session.json
    }

    fn element(&mut self, message: RawMessage) -> Result<(), Failure> {
        self.session.write_message(self.chat, message)?;
        self.session.messages_read += 1;
        if self.session.messages_read % PROGRESS_EVERY == 0 {
            self.session.report_progress();
        }
        Ok(())
    }
}

impl Identified for RawMessage {
    fn id(&self) -> Option<String> {
        self.id.map(|id| id.to_string())
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

    #[test]
    fn local_times_read_directly_agree_with_chrono() {
        for date in ["2024-05-01T12:00:00", "2020-02-29T23:59:59", "1999-12-31T00:00:01", "2024-12-01T09:05:07"] {
            assert_eq!(fixed_local_time(date.as_bytes()), NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%S").ok(), "{date}");
        }
        // Dates that do not exist, and other layouts, are not read directly.
        for date in ["2023-02-29T12:00:00", "2024-13-01T12:00:00", "2024-05-01T24:00:00", "2024-05-01 12:00:00", "2024-5-01T12:00:00"] {
            assert_eq!(fixed_local_time(date.as_bytes()), None, "{date}");
        }
        assert_eq!(parse_local_time("2023-02-29T12:00:00"), None);
        assert!(parse_local_time("2024-05-01T12:00:00").is_some());
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
        assert_eq!(data.text(post_at(&data, BASE + 60)), Some("Welcome!"));
        assert_eq!(data.text(post_at(&data, BASE + 2 * 60)), Some("Hi everyone!"));
        assert_eq!(data.text(post_at(&data, BASE + 22 * 60)), Some("https://example.org"));
        assert_eq!(data.text(post_at(&data, BASE + 13 * 60)), Some("Rules: be kind (edited)"));
        let photo = post_at(&data, BASE + 12 * 60);
        assert_eq!((photo.kind, data.text(photo)), (ActivityKind::Message, None));
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
        assert_eq!(data.text(post_at(&data, BASE + 13 * 60)), Some("Rules: be kind, edited twice"));
    }

    #[test]
    fn old_export_reads_local_dates_as_utc_and_its_header_may_follow_the_messages() {
        let mut store = Store::open_in_memory().unwrap();
        let outcome = import_file(&mut store, &fixture("old_export.json")).unwrap();
        // Without a zone from the caller, local times are read as UTC, and the outcome says so.
        assert_eq!(outcome.timezone_assumed.as_deref(), Some("UTC"));
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
            ("invalid_utf8.json", "not UTF-8", "export the chat again"),
            ("../discord/group_dm.json", "DiscordChatExporter export", "--format discord"),
            ("out_of_range.json", "message 2 is dated 1970-01-12T14:46:40, out of range", "check the computer's clock"),
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
    }

    #[test]
    fn folder_without_an_export_is_refused_naming_the_folder_and_what_to_do() {
        let mut store = Store::open_in_memory().unwrap();
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("messages.html"), "<html></html>").unwrap();
        let error = import_file(&mut store, folder.path()).unwrap_err();
        let ImportError::Unsupported { path, problem, hint } = &error else { panic!("{error:?}") };
        assert_eq!(path, folder.path());
        assert!(problem.contains("holds no result.json"), "{problem}");
        assert!(hint.contains("Machine-readable JSON"), "{hint}");
        assert_eq!(store.group_count().unwrap(), 0);
    }

    #[test]
    fn full_account_export_makes_one_group_per_chat_including_left_chats() {
        let mut store = Store::open_in_memory().unwrap();
        let outcome = import_file(&mut store, &fixture("full_account.json")).unwrap();
        let counts = &outcome.counts;
        // Grace (personal chat), Hearth Makers, Saved Messages, and the left Old Book Club.
        assert_eq!((counts.groups, counts.channels, counts.members), (4, 4, 9));
        assert_eq!((counts.messages, counts.reactions, counts.joins, counts.leaves), (9, 1, 5, 2));
        assert_eq!((counts.duplicates, counts.updated), (0, 0));
        assert_eq!(
            outcome.skipped,
            skipped(&[
                ("service message without member activity (phone_call)", 1),
                ("service message without member activity (pin_message)", 1),
            ])
        );
        let keys: Vec<(&str, &str)> = outcome.groups.iter().map(|group| (group.platform_id.as_str(), group.name.as_str())).collect();
        assert_eq!(
            keys,
            [
                ("5000000002", "Grace Hopper"),
                ("1700000001", "Hearth Makers"),
                ("5000000001", "Saved Messages"),
                ("1600000001", "Old Book Club")
            ]
        );
        assert_eq!(outcome.timezone_assumed, None);

        let makers = store.load_group_data(&outcome.groups[1]).unwrap();
        let joined_left = |id: &str| (member(&makers, id).joined_at, member(&makers, id).left_at);
        const MAKERS: UnixSeconds = 1_709_283_600 + 30 * 60;
        // Created the group with Grace, who speaks only after being named.
        assert_eq!(joined_left("user5000000001"), (Some(MAKERS), None));
        assert_eq!(joined_left("user5000000002"), (Some(MAKERS), None));
        // Joined by link, removed by Ada.
        assert_eq!(joined_left("user5000000003"), (Some(MAKERS + 2 * 60), Some(MAKERS + 7 * 60)));
        // Invited, never seen again.
        assert_eq!(joined_left("name:Margaret"), (Some(MAKERS + 4 * 60), None));
        assert_eq!(makers.text(post_at(&makers, MAKERS + 60)), Some("Welcome to the makers"));
        // Members are per group: Ada of the book club is another row than Ada of the makers.
        let book_club = store.load_group_data(&outcome.groups[3]).unwrap();
        let ada = member(&book_club, "user5000000001");
        assert_eq!((ada.joined_at, ada.left_at), (Some(1_709_283_600 + 50 * 60), Some(1_709_283_600 + 53 * 60)));
        assert_ne!(ada.id, member(&makers, "user5000000001").id);

        let again = import_file(&mut store, &fixture("full_account.json")).unwrap();
        assert_eq!((again.counts.groups, again.counts.members, again.counts.messages), (0, 0, 0));
        assert_eq!(again.counts.duplicates, 9 + 1 + 5 + 2);
    }

    #[test]
    fn full_account_chat_whose_messages_precede_its_header_is_read_in_a_second_pass() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("result.json");
        let message = |id: u64| {
            format!(
                r#"{{"id": {id}, "type": "message", "date_unixtime": "{}", "from": "Ada", "from_id": "user1", "text": "m{id}"}}"#,
                BASE + id as i64
            )
        };
        let chats = format!(
            r#"[{{"name": "First", "type": "private_group", "id": 1, "messages": [{}]}},
                {{"messages": [{}, {}], "name": "Second", "type": "private_group", "id": 2}}]"#,
            message(1),
            message(2),
            message(3)
        );
        std::fs::write(&path, format!(r#"{{"about": "export", "chats": {{"about": "chats", "list": {chats}}}}}"#)).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let outcome = import_file(&mut store, &path).unwrap();
        assert_eq!((outcome.counts.groups, outcome.counts.messages, outcome.counts.duplicates), (2, 3, 0));
        let names: Vec<&str> = outcome.groups.iter().map(|group| group.name.as_str()).collect();
        assert_eq!(names, ["First", "Second"]);
        assert_eq!(store.load_group_data(&outcome.groups[1]).unwrap().activities.len(), 2);
    }

    #[test]
    fn full_account_export_without_chats_says_to_tick_them() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("result.json");
        std::fs::write(&path, r#"{"about": "export", "personal_information": {"user_id": 1}, "contacts": {"list": []}}"#).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let error = import_file(&mut store, &path).unwrap_err();
        let ImportError::Malformed { problem, hint, .. } = &error else { panic!("{error:?}") };
        assert!(problem.contains("holds no chats") && hint.contains("Export Telegram data"), "{error}");
    }

    #[test]
    fn errors_in_a_full_account_export_name_the_chat_and_the_message() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("result.json");
        let good = r#"{"id": 1, "type": "message", "date_unixtime": "1714557600", "from_id": "user1", "text": "ok"}"#;
        let bad = r#"{"type": "message", "date_unixtime": "1714557660", "from_id": "user1", "text": "no id"}"#;
        let chats = format!(
            r#"[{{"name": "A", "type": "private_group", "id": 11, "messages": [{good}]}}, {{"name": "B", "type": "private_group", "id": 12, "messages": [{good}, {bad}]}}]"#
        );
        std::fs::write(&path, format!(r#"{{"chats": {{"list": {chats}}}}}"#)).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let error = import_file(&mut store, &path).unwrap_err();
        let ImportError::Malformed { position, problem, .. } = &error else { panic!("{error:?}") };
        assert!(
            position.contains("chat 2 of `chats.list`, the one after id 11, message 2 of `messages`, the one after id 1"),
            "{position}"
        );
        assert!(problem.contains("a message has no `id`"), "{problem}");
        assert_eq!(store.group_count().unwrap(), 0);
    }

    #[test]
    fn local_dates_are_read_in_the_given_time_zone_and_the_outcome_says_so() {
        let mut store = Store::open_in_memory().unwrap();
        let options = ImportOptions { timezone: Some(chrono_tz::Europe::Berlin), ..ImportOptions::default() };
        let outcome =
            super::super::run(&mut store, FORMAT, &options, |tx| write(tx, &fixture("old_export.json"), &options, NOW, &mut |_| {}))
                .unwrap();
        assert_eq!(outcome.timezone_assumed.as_deref(), Some("Europe/Berlin"));
        let data = only_group(&store);
        // 2021-06-01T08:00:00 and 09:30:00 in Berlin (UTC+2 in summer).
        let first = post_at(&data, 1_622_527_200);
        let reply = post_at(&data, 1_622_532_600);
        assert_eq!(reply.parent_id, Some(first.id));
        // The reaction's local 08:45 is read with the same offset.
        let reaction = data.activities.iter().find(|activity| activity.kind == ActivityKind::Reaction).unwrap();
        assert_eq!(reaction.at, 1_622_529_900);
    }

    #[test]
    fn exports_with_unix_times_assume_no_time_zone() {
        let mut store = Store::open_in_memory().unwrap();
        let options = ImportOptions { timezone: Some(chrono_tz::Europe::Berlin), ..ImportOptions::default() };
        let outcome =
            super::super::run(&mut store, FORMAT, &options, |tx| write(tx, &fixture("chat.json"), &options, NOW, &mut |_| {})).unwrap();
        assert_eq!(outcome.timezone_assumed, None);
        let data = only_group(&store);
        assert_eq!(data.text(post_at(&data, BASE + 60)), Some("Welcome!"));
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
        // Two while reading, the end of the file, then the indexing step.
        assert_eq!(reports.len(), 4, "{reports:?}");
        assert_eq!(reports[3], Progress::indexing(2500));
        let reading = [&reports[0], &reports[1], &reports[2]];
        assert!(reading.iter().all(|report| report.step == PROGRESS_STEP && report.total == Some(size) && report.done <= size));
        assert_eq!((reports[0].items, reports[1].items, reports[2].items), (1000, 2000, 2500), "{reports:?}");
        assert!(reports[0].done > 0 && reports[0].done <= reports[1].done, "{reports:?}");
        assert_eq!(reports[2].done, size);
    }
}
