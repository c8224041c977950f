//! Reading a group's archive as people read a chat: its channels, a channel's messages in
//! order around a point (the start, the end, a date, one message), a thread, and full-text
//! search with the matching words marked. Reactions are not lines of their own here: each
//! message carries how many it got.

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Result, Store};
use crate::model::{ActivityKind, GroupId, UnixSeconds};

/// A channel as the archive lists it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct ArchiveChannel {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// Messages and replies (reactions, joins and leaves not counted).
    pub messages: u64,
    #[ts(type = "number | null")]
    pub first_at: Option<UnixSeconds>,
    #[ts(type = "number | null")]
    pub last_at: Option<UnixSeconds>,
}

/// The message a reply answers, as much of it as a quote needs.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct ParentRef {
    #[ts(type = "number")]
    pub id: i64,
    pub author_name: String,
    /// The first 140 characters of its text, if it has text.
    pub excerpt: Option<String>,
}

/// One line of the archive: a message, a reply, or a join/leave event.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct ArchiveMessage {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub channel_id: i64,
    #[ts(type = "number")]
    pub at: UnixSeconds,
    #[ts(type = "number")]
    pub author_id: i64,
    pub author_name: String,
    pub author_is_bot: bool,
    pub kind: ActivityKind,
    /// The platform's own name for the event when it is not a plain message.
    pub raw_kind: Option<String>,
    pub text: Option<String>,
    pub parent: Option<ParentRef>,
    /// Direct replies to this message.
    pub replies: u64,
    pub reactions: u64,
}

/// Where a page of a channel is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[ts(export, export_to = "bindings/")]
pub enum Anchor {
    /// The oldest messages.
    Start,
    /// The newest messages.
    End,
    /// Around an instant: the page starts a little before it; the focus is the first
    /// message at or after it.
    At(UnixSeconds),
    /// Around one message, which is the focus.
    Message(i64),
    /// The messages strictly before this one (scrolling up).
    Before(i64),
    /// The messages strictly after this one (scrolling down).
    After(i64),
}

/// A run of consecutive lines of one channel, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct ArchivePage {
    #[ts(type = "number")]
    pub channel_id: i64,
    pub messages: Vec<ArchiveMessage>,
    /// Whether the channel has lines before the first one of this page.
    pub has_earlier: bool,
    /// Whether the channel has lines after the last one of this page.
    pub has_later: bool,
    /// The line the page was opened at (a date's first message, a search hit), if any.
    #[ts(type = "number | null")]
    pub focus: Option<i64>,
}

/// One part of a search result's context: plain text, or the words that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct SearchHit {
    pub message: ArchiveMessage,
    pub channel_name: String,
    /// The text around the match, the matching words marked.
    pub snippet: Vec<SnippetPart>,
}

/// Lines shown in the archive: everything but reactions.
const SHOWN: &str = "a.kind IN ('message', 'reply', 'join', 'leave')";

const MESSAGE_COLUMNS: &str = "a.id, a.channel_id, a.at, a.member_id, m.display_name, m.is_bot, a.kind, a.raw_kind, a.text,
     p.id, pm.display_name, substr(p.text, 1, 140),
     (SELECT COUNT(*) FROM activities c WHERE c.parent_id = a.id AND c.kind = 'reply'),
     (SELECT COUNT(*) FROM activities c WHERE c.parent_id = a.id AND c.kind = 'reaction')";

const MESSAGE_JOINS: &str = "JOIN members m ON m.id = a.member_id
     LEFT JOIN activities p ON p.id = a.parent_id AND a.kind = 'reply'
     LEFT JOIN members pm ON pm.id = p.member_id";

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<ArchiveMessage> {
    let kind: String = row.get(6)?;
    let parent_id: Option<i64> = row.get(9)?;
    Ok(ArchiveMessage {
        id: row.get(0)?,
        channel_id: row.get(1)?,
        at: row.get(2)?,
        author_id: row.get(3)?,
        author_name: row.get(4)?,
        author_is_bot: row.get(5)?,
        // The schema's CHECK constraint admits only known kinds.
        kind: ActivityKind::parse(&kind).unwrap_or(ActivityKind::Message),
        raw_kind: row.get(7)?,
        text: row.get(8)?,
        parent: match parent_id {
            Some(id) => Some(ParentRef { id, author_name: row.get(10)?, excerpt: row.get(11)? }),
            None => None,
        },
        replies: row.get::<_, i64>(12)? as u64,
        reactions: row.get::<_, i64>(13)? as u64,
    })
}

/// Control characters that mark the matched words in FTS5 snippets; stripped from text.
const HIT_START: char = '\u{2}';
const HIT_END: char = '\u{3}';

impl Store {
    pub fn archive_channels(&self, group: GroupId) -> Result<Vec<ArchiveChannel>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT c.id, c.name, COUNT(a.id), MIN(a.at), MAX(a.at)
             FROM channels c LEFT JOIN activities a ON a.channel_id = c.id AND a.kind IN ('message', 'reply')
             WHERE c.group_id = ?1 GROUP BY c.id ORDER BY c.name COLLATE NOCASE, c.id",
        )?;
        let rows = statement.query_map([group.0], |row| {
            Ok(ArchiveChannel {
                id: row.get(0)?,
                name: row.get(1)?,
                messages: row.get::<_, i64>(2)? as u64,
                first_at: row.get(3)?,
                last_at: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The channel a group's channel id names, or `None` when it is not that group's.
    pub fn channel_of_group(&self, group: GroupId, channel: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT name FROM channels WHERE id = ?1 AND group_id = ?2")?
            .query_row(params![channel, group.0], |row| row.get(0))
            .optional()?)
    }

    /// The channel and position of one of a group's lines, or `None` when it has no such line.
    pub fn message_position(&self, group: GroupId, message: i64) -> Result<Option<(i64, UnixSeconds)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT channel_id, at FROM activities WHERE id = ?1 AND group_id = ?2")?
            .query_row(params![message, group.0], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
    }

    /// Up to `limit` lines of a channel around `anchor`, oldest first.
    pub fn archive_page(&self, channel: i64, anchor: Anchor, limit: usize) -> Result<ArchivePage> {
        let limit = limit.max(1);
        let (earlier, later, focus) = match anchor {
            Anchor::Start => (Vec::new(), self.lines_after(channel, (i64::MIN, i64::MIN), true, limit + 1)?, None),
            Anchor::End => (self.lines_before(channel, (i64::MAX, i64::MAX), limit + 1)?, Vec::new(), None),
            Anchor::Before(id) => match self.position(id)? {
                Some(key) => (self.lines_before(channel, key, limit + 1)?, Vec::new(), None),
                None => (Vec::new(), Vec::new(), None),
            },
            Anchor::After(id) => match self.position(id)? {
                Some(key) => (Vec::new(), self.lines_after(channel, key, false, limit + 1)?, None),
                None => (Vec::new(), Vec::new(), None),
            },
            Anchor::At(at) => {
                // A quarter of the page before the instant, for context; the rest from it on.
                let before = self.lines_before(channel, (at, i64::MIN), limit / 4 + 1)?;
                let after = self.lines_after(channel, (at, i64::MIN), true, limit - limit / 4 + 1)?;
                let focus = after.first().map(|line| line.id);
                (before, after, focus)
            }
            Anchor::Message(id) => match self.position(id)? {
                Some(key) => {
                    let before = self.lines_before(channel, key, limit / 2 + 1)?;
                    let after = self.lines_after(channel, key, true, limit - limit / 2 + 1)?;
                    (before, after, Some(id))
                }
                None => (Vec::new(), Vec::new(), None),
            },
        };
        Ok(assemble(channel, earlier, later, focus, anchor, limit))
    }

    /// A thread: the message and every reply below it, in time order.
    pub fn archive_thread(&self, root: i64) -> Result<Vec<ArchiveMessage>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "WITH RECURSIVE thread(id) AS (
                 SELECT ?1
                 UNION SELECT c.id FROM activities c JOIN thread t ON c.parent_id = t.id WHERE c.kind = 'reply'
             )
             SELECT {MESSAGE_COLUMNS} FROM thread t JOIN activities a ON a.id = t.id {MESSAGE_JOINS}
             ORDER BY a.at, a.id"
        ))?;
        let rows = statement.query_map([root], message_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Messages of a group matching an FTS5 query, newest first, with their context.
    pub fn search_messages(&self, group: GroupId, fts_query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS}, ch.name,
                    snippet(activity_fts, 0, char(2), char(3), '…', 24)
             FROM activity_fts f JOIN activities a ON a.id = f.rowid {MESSAGE_JOINS}
             JOIN channels ch ON ch.id = a.channel_id
             WHERE activity_fts MATCH ?1 AND a.group_id = ?2 AND a.kind IN ('message', 'reply')
             ORDER BY a.at DESC, a.id DESC LIMIT ?3"
        ))?;
        let rows = statement.query_map(params![fts_query, group.0, limit as i64], |row| {
            let snippet: String = row.get(15)?;
            Ok(SearchHit { message: message_from_row(row)?, channel_name: row.get(14)?, snippet: snippet_parts(&snippet) })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Messages of a group whose text contains `needle` as written: the search for scripts
    /// without spaces between words (Chinese, Japanese), which FTS5's word tokens miss.
    pub fn search_messages_containing(&self, group: GroupId, needle: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS}, ch.name
             FROM activities a {MESSAGE_JOINS}
             JOIN channels ch ON ch.id = a.channel_id
             WHERE a.group_id = ?1 AND a.kind IN ('message', 'reply') AND instr(a.text, ?2) > 0
             ORDER BY a.at DESC, a.id DESC LIMIT ?3"
        ))?;
        let rows = statement.query_map(params![group.0, needle, limit as i64], |row| {
            let message = message_from_row(row)?;
            let snippet = substring_snippet(message.text.as_deref().unwrap_or(""), needle, 60);
            Ok(SearchHit { message, channel_name: row.get(14)?, snippet })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn position(&self, id: i64) -> Result<Option<(UnixSeconds, i64)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT at, id FROM activities WHERE id = ?1")?
            .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
    }

    /// Lines strictly before `key` (time, id), newest first.
    fn lines_before(&self, channel: i64, key: (UnixSeconds, i64), limit: usize) -> Result<Vec<ArchiveMessage>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM activities a {MESSAGE_JOINS}
             WHERE a.channel_id = ?1 AND {SHOWN} AND (a.at < ?2 OR (a.at = ?2 AND a.id < ?3))
             ORDER BY a.at DESC, a.id DESC LIMIT ?4"
        ))?;
        let rows = statement.query_map(params![channel, key.0, key.1, limit as i64], message_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Lines after `key` (time, id), `key` itself included when `inclusive`, oldest first.
    fn lines_after(&self, channel: i64, key: (UnixSeconds, i64), inclusive: bool, limit: usize) -> Result<Vec<ArchiveMessage>> {
        let comparison = if inclusive { ">=" } else { ">" };
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM activities a {MESSAGE_JOINS}
             WHERE a.channel_id = ?1 AND {SHOWN} AND (a.at > ?2 OR (a.at = ?2 AND a.id {comparison} ?3))
             ORDER BY a.at, a.id LIMIT ?4"
        ))?;
        let rows = statement.query_map(params![channel, key.0, key.1, limit as i64], message_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Joins the lines before (newest first, one extra to tell whether more exist) and after
/// (oldest first, likewise) into one page of at most `limit` lines.
fn assemble(
    channel: i64,
    mut earlier: Vec<ArchiveMessage>,
    mut later: Vec<ArchiveMessage>,
    focus: Option<i64>,
    anchor: Anchor,
    limit: usize,
) -> ArchivePage {
    let (want_earlier, want_later) = match anchor {
        Anchor::Start | Anchor::After(_) => (0, limit),
        Anchor::End | Anchor::Before(_) => (limit, 0),
        Anchor::At(_) => (limit / 4, limit - limit / 4),
        Anchor::Message(_) => (limit / 2, limit - limit / 2),
    };
    let has_earlier = earlier.len() > want_earlier;
    earlier.truncate(want_earlier);
    earlier.reverse();
    let has_later = later.len() > want_later;
    later.truncate(want_later);
    // Scrolling from a line: that line itself was shown already, but the channel has it, so
    // there are lines on its side.
    let has_earlier = has_earlier || matches!(anchor, Anchor::After(_));
    let has_later = has_later || matches!(anchor, Anchor::Before(_));
    earlier.extend(later);
    ArchivePage { channel_id: channel, messages: earlier, has_earlier, has_later, focus }
}

/// Splits an FTS5 snippet with HIT_START/HIT_END marks into parts.
fn snippet_parts(snippet: &str) -> Vec<SnippetPart> {
    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut hit = false;
    let mut text = String::new();
    for character in snippet.chars() {
        match character {
            HIT_START | HIT_END => {
                if !text.is_empty() {
                    parts.push(SnippetPart { text: std::mem::take(&mut text), hit });
                }
                hit = character == HIT_START;
            }
            other => text.push(other),
        }
    }
    if !text.is_empty() {
        parts.push(SnippetPart { text, hit });
    }
    parts
}

/// The text around the first occurrence of `needle`, `context` characters on each side.
fn substring_snippet(text: &str, needle: &str, context: usize) -> Vec<SnippetPart> {
    let Some(start) = text.find(needle) else {
        return vec![SnippetPart { text: text.chars().take(2 * context).collect(), hit: false }];
    };
    let end = start + needle.len();
    let before: String = {
        let chars: Vec<char> = text[..start].chars().collect();
        let from = chars.len().saturating_sub(context);
        let prefix = if from > 0 { "…" } else { "" };
        format!("{prefix}{}", chars[from..].iter().collect::<String>())
    };
    let after: String = {
        let mut chars = text[end..].chars();
        let taken: String = chars.by_ref().take(context).collect();
        if chars.next().is_some() {
            format!("{taken}…")
        } else {
            taken
        }
    };
    let mut parts = Vec::new();
    if !before.is_empty() {
        parts.push(SnippetPart { text: before, hit: false });
    }
    parts.push(SnippetPart { text: needle.to_string(), hit: true });
    if !after.is_empty() {
        parts.push(SnippetPart { text: after, hit: false });
    }
    parts
}

impl Store {
    /// The messages of a group with these ids (the evidence of a flag), oldest first; ids
    /// of other groups or of rows that are gone are left out.
    pub fn messages_by_id(&self, group: GroupId, ids: &[i64]) -> Result<Vec<ArchiveMessage>> {
        let mut statement = self
            .conn
            .prepare_cached(&format!("SELECT {MESSAGE_COLUMNS} FROM activities a {MESSAGE_JOINS} WHERE a.id = ?1 AND a.group_id = ?2"))?;
        let mut messages = Vec::with_capacity(ids.len());
        for &id in ids {
            if let Some(message) = statement.query_row(params![id, group.0], message_from_row).optional()? {
                messages.push(message);
            }
        }
        messages.sort_by_key(|message| (message.at, message.id));
        Ok(messages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_marks_become_parts() {
        let parts = snippet_parts("…we \u{2}deploy\u{3} on \u{2}Fridays\u{3}");
        let shown: Vec<(&str, bool)> = parts.iter().map(|part| (part.text.as_str(), part.hit)).collect();
        assert_eq!(shown, vec![("…we ", false), ("deploy", true), (" on ", false), ("Fridays", true)]);
    }

    #[test]
    fn substring_snippet_keeps_context_on_character_boundaries() {
        let parts = substring_snippet("我们今天下午三点在会议室开会，请准时参加", "会议室", 4);
        let shown: Vec<(&str, bool)> = parts.iter().map(|part| (part.text.as_str(), part.hit)).collect();
        assert_eq!(shown, vec![("…午三点在", false), ("会议室", true), ("开会，请…", false)]);
    }
}
