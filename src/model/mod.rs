//! Plain domain types shared by every layer: ids, platforms, activity kinds, stages.
//! No I/O here and nothing that knows about SQL, JSON files or the UI.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Seconds since the Unix epoch, UTC. Every timestamp in the store and the analytics.
pub type UnixSeconds = i64;

pub const DAY: i64 = 86_400;
pub const WEEK: i64 = 7 * DAY;

/// The store's row id of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct GroupId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, export_to = "bindings/")]
pub enum Platform {
    Demo,
    Telegram,
    Slack,
    Discord,
    Whatsapp,
    Mbox,
    Git,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Demo => "demo",
            Platform::Telegram => "telegram",
            Platform::Slack => "slack",
            Platform::Discord => "discord",
            Platform::Whatsapp => "whatsapp",
            Platform::Mbox => "mbox",
            Platform::Git => "git",
        }
    }

    pub fn parse(text: &str) -> Option<Platform> {
        Some(match text {
            "demo" => Platform::Demo,
            "telegram" => Platform::Telegram,
            "slack" => Platform::Slack,
            "discord" => Platform::Discord,
            "whatsapp" => Platform::Whatsapp,
            "mbox" => Platform::Mbox,
            "git" => Platform::Git,
            _ => return None,
        })
    }

    /// Whether conversations on this platform are explicit threads. Where they are not,
    /// the analytics chain consecutive messages of a channel into conversations by gaps.
    pub fn has_threads(self) -> bool {
        matches!(self, Platform::Demo | Platform::Slack | Platform::Discord | Platform::Mbox | Platform::Git)
    }
}

/// What a member did. Reactions point at the message reacted to (`parent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, export_to = "bindings/")]
pub enum ActivityKind {
    Message,
    Reply,
    Reaction,
    Join,
    Leave,
}

impl ActivityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Message => "message",
            ActivityKind::Reply => "reply",
            ActivityKind::Reaction => "reaction",
            ActivityKind::Join => "join",
            ActivityKind::Leave => "leave",
        }
    }

    pub fn parse(text: &str) -> Option<ActivityKind> {
        Some(match text {
            "message" => ActivityKind::Message,
            "reply" => ActivityKind::Reply,
            "reaction" => ActivityKind::Reaction,
            "join" => ActivityKind::Join,
            "leave" => ActivityKind::Leave,
            _ => return None,
        })
    }

    /// Messages and replies: what "posting" means in every metric.
    pub fn is_post(self) -> bool {
        matches!(self, ActivityKind::Message | ActivityKind::Reply)
    }

    /// "Active on a day: at least one activity other than join/leave" (analytics §0).
    pub fn counts_as_active(self) -> bool {
        !matches!(self, ActivityKind::Join | ActivityKind::Leave)
    }
}

/// Lifecycle stages, ordered from the outside in (analytics §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, export_to = "bindings/")]
pub enum Stage {
    Observer,
    Newcomer,
    Participant,
    Contributor,
    Core,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Stage::Observer, Stage::Newcomer, Stage::Participant, Stage::Contributor, Stage::Core];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Observer => "observer",
            Stage::Newcomer => "newcomer",
            Stage::Participant => "participant",
            Stage::Contributor => "contributor",
            Stage::Core => "core",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, export_to = "bindings/")]
pub enum MemberState {
    Active,
    Silent,
    Churned,
}

impl MemberState {
    pub const ALL: [MemberState; 3] = [MemberState::Active, MemberState::Silent, MemberState::Churned];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberState::Active => "active",
            MemberState::Silent => "silent",
            MemberState::Churned => "churned",
        }
    }
}

/// A group as listed: what the store knows about it, without its activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Group {
    pub id: GroupId,
    pub platform: Platform,
    pub platform_id: String,
    pub name: String,
    /// Imported from an export: read-only for playbooks until linked to a live source.
    pub is_archive: bool,
    /// Generated by `hearth demo`: the UI labels it as such everywhere.
    pub is_demo: bool,
    #[ts(type = "number | null")]
    pub last_import_at: Option<UnixSeconds>,
}

/// One member as the analytics see it.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub id: i64,
    pub platform_id: String,
    pub display_name: String,
    pub is_bot: bool,
    pub joined_at: Option<UnixSeconds>,
    pub left_at: Option<UnixSeconds>,
}

/// One activity as the analytics see it. `parent_id` is the message replied or reacted to.
/// Its text is kept in the group's [`Texts`] (read it with [`GroupData::text`]): a million
/// rows are then one buffer of text instead of a million small allocations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivityRow {
    pub id: i64,
    pub member_id: i64,
    pub channel_id: i64,
    pub kind: ActivityKind,
    pub at: UnixSeconds,
    pub parent_id: Option<i64>,
    pub text: Option<TextRef>,
}

/// Where one row's text is in its group's [`Texts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRef {
    start: u32,
    len: u32,
}

/// The texts of a group's rows, one after the other in one buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    buffer: String,
}

impl Texts {
    /// Appends a text; `None` once the buffer would pass 4 GiB (a [`TextRef`] holds 32-bit
    /// positions).
    pub fn try_push(&mut self, text: &str) -> Option<TextRef> {
        let start = u32::try_from(self.buffer.len()).ok()?;
        let len = u32::try_from(text.len()).ok()?;
        start.checked_add(len)?;
        self.buffer.push_str(text);
        Some(TextRef { start, len })
    }

    /// Appends a text. Panics past 4 GiB of text (see [`Texts::try_push`]).
    pub fn push(&mut self, text: &str) -> TextRef {
        self.try_push(text).expect("a group's texts fit in 4 GiB")
    }

    /// The text at `text`, which this buffer gave.
    pub fn get(&self, text: TextRef) -> &str {
        &self.buffer[text.start as usize..(text.start + text.len) as usize]
    }

    /// Bytes of text held.
    pub fn len(&self) -> usize {
        self.buffer.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// Room for `additional` more bytes of text, and no more (rows added to a loaded group).
    pub fn reserve_exact(&mut self, additional: usize) {
        self.buffer.reserve_exact(additional);
    }

    /// Gives back what the buffer reserved beyond its texts.
    pub fn shrink_to_fit(&mut self) {
        self.buffer.shrink_to_fit();
    }
}

/// Everything the analytics need about one group, loaded by the store in one go.
/// Activities are sorted by time, then id; their texts are in `texts`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupData {
    pub group: Group,
    pub members: Vec<MemberRow>,
    pub activities: Vec<ActivityRow>,
    pub texts: Texts,
}

impl GroupData {
    /// The text of one of this group's rows.
    pub fn text(&self, activity: &ActivityRow) -> Option<&str> {
        activity.text.map(|text| self.texts.get(text))
    }
}

/// Progress of a long piece of work (an import, the demo generation), for progress bars.
/// `done` and `total` are in `unit`s: the bytes of the input where the input is files, so
/// that a rate and the time left can be estimated honestly; `items` counts what was read
/// (messages, commits) for people to see.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Progress {
    /// What is being done, for a person ("Reading messages").
    pub step: String,
    /// Items read so far: messages, lines, commits, rows (what `step` names).
    pub items: u64,
    pub done: u64,
    /// `None` when the total is not known in advance; then no time left can be estimated.
    pub total: Option<u64>,
    pub unit: ProgressUnit,
}

/// What `Progress::done` and `Progress::total` count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, export_to = "bindings/")]
pub enum ProgressUnit {
    /// Bytes of the input files.
    Bytes,
    /// Files of an export made of many small files.
    Files,
    /// The items themselves (`done == items`).
    Items,
}

impl Progress {
    /// Progress through input files: `done` of `total` bytes read, `items` found so far.
    pub fn bytes(step: impl Into<String>, items: u64, done: u64, total: u64) -> Progress {
        Progress { step: step.into(), items, done: done.min(total), total: Some(total), unit: ProgressUnit::Bytes }
    }

    /// Progress through an export of many files: `done` of `total` files read.
    pub fn files(step: impl Into<String>, items: u64, done: u64, total: u64) -> Progress {
        Progress { step: step.into(), items, done: done.min(total), total: Some(total), unit: ProgressUnit::Files }
    }

    /// Progress counted in items, with their total when it is known in advance.
    pub fn items(step: impl Into<String>, done: u64, total: Option<u64>) -> Progress {
        Progress { step: step.into(), items: done, done, total, unit: ProgressUnit::Items }
    }

    /// The last step of an import, after every item was read: the search index and the
    /// members' dates are brought up to date. How long it takes is not known in advance.
    pub fn indexing(items: u64) -> Progress {
        Progress { step: "Indexing for search".into(), items, done: items, total: None, unit: ProgressUnit::Items }
    }

    /// Whether the work has reached its known end.
    pub fn finished(&self) -> bool {
        self.total.is_some_and(|total| self.done >= total)
    }
}

/// Where long work reports its progress. Called often; implementations throttle.
pub type ProgressSink<'a> = &'a mut dyn FnMut(&Progress);

/// A request to stop long work, shared between whoever may ask (a Cancel button) and the
/// work itself. The default is a flag nobody else holds, so the work never stops early.
/// Clones share one flag; two flags are equal when they are the same flag.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl CancelFlag {
    pub fn new() -> CancelFlag {
        CancelFlag::default()
    }

    /// Asks the work to stop; it stops at its next check and undoes what it did.
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl PartialEq for CancelFlag {
    fn eq(&self, other: &CancelFlag) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for CancelFlag {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_give_back_what_was_pushed() {
        let mut texts = Texts::default();
        let first = texts.push("hello");
        let empty = texts.push("");
        let wide = texts.push("请问怎么安装?");
        assert_eq!((texts.get(first), texts.get(empty), texts.get(wide)), ("hello", "", "请问怎么安装?"));
        assert_eq!(texts.len(), "hello".len() + "请问怎么安装?".len());
    }
}
