//! What the members screens read besides the analytics: a member's most recent messages,
//! the open review flags per member, and the notes a community manager keeps about a
//! member (migration 0006). Notes are the only thing here that is written.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;
use ts_rs::TS;

use super::{Result, Store};
use crate::model::{ActivityKind, GroupId, UnixSeconds};

/// One of a member's messages, newest first in the profile. The text is a stranger's:
/// the UI renders it as text.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MemberMessage {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub at: UnixSeconds,
    pub channel_name: String,
    pub kind: ActivityKind,
    /// `None` when the store keeps no text for it (imported without text).
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct MemberNote {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub member_id: i64,
    pub body: String,
    #[ts(type = "number")]
    pub created_at: UnixSeconds,
    #[ts(type = "number")]
    pub updated_at: UnixSeconds,
}

fn note_from_row(row: &Row<'_>) -> rusqlite::Result<MemberNote> {
    Ok(MemberNote { id: row.get(0)?, member_id: row.get(1)?, body: row.get(2)?, created_at: row.get(3)?, updated_at: row.get(4)? })
}

impl Store {
    /// The member's latest `limit` messages and replies, newest first.
    pub fn member_messages(&self, group: GroupId, member: i64, limit: usize) -> Result<Vec<MemberMessage>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT a.id, a.at, c.name, a.kind, a.text FROM activities a JOIN channels c ON c.id = a.channel_id
             WHERE a.member_id = ?1 AND a.group_id = ?2 AND a.kind IN ('message', 'reply')
             ORDER BY a.at DESC, a.id DESC LIMIT ?3",
        )?;
        let rows = statement.query_map(params![member, group.0, limit as i64], |row| {
            let kind: String = row.get(3)?;
            Ok(MemberMessage {
                id: row.get(0)?,
                at: row.get(1)?,
                channel_name: row.get(2)?,
                kind: ActivityKind::parse(&kind).unwrap_or(ActivityKind::Message),
                text: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The notes about one member, oldest first.
    pub fn member_notes(&self, group: GroupId, member: i64) -> Result<Vec<MemberNote>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, member_id, body, created_at, updated_at FROM member_notes WHERE group_id = ?1 AND member_id = ?2 ORDER BY id",
        )?;
        let rows = statement.query_map(params![group.0, member], note_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every member's id and display name, by id: what a decision or a flag shows, without
    /// loading the group's activity.
    pub fn member_names(&self, group: GroupId) -> Result<Vec<(i64, String)>> {
        let mut statement = self.conn.prepare_cached("SELECT id, display_name FROM members WHERE group_id = ?1 ORDER BY id")?;
        let rows = statement.query_map([group.0], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether the member belongs to the group.
    pub fn member_in_group(&self, group: GroupId, member: i64) -> Result<bool> {
        let mut statement = self.conn.prepare_cached("SELECT 1 FROM members WHERE id = ?1 AND group_id = ?2")?;
        Ok(statement.query_row(params![member, group.0], |_| Ok(())).optional()?.is_some())
    }

    pub fn add_member_note(&mut self, group: GroupId, member: i64, body: &str, now: UnixSeconds) -> Result<MemberNote> {
        self.conn.execute(
            "INSERT INTO member_notes (group_id, member_id, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![group.0, member, body, now],
        )?;
        let id = self.conn.last_insert_rowid();
        Ok(MemberNote { id, member_id: member, body: body.to_string(), created_at: now, updated_at: now })
    }

    /// Replaces a note's text; `None` when the group has no such note.
    pub fn update_member_note(&mut self, group: GroupId, note: i64, body: &str, now: UnixSeconds) -> Result<Option<MemberNote>> {
        let changed = self.conn.execute(
            "UPDATE member_notes SET body = ?1, updated_at = ?2 WHERE id = ?3 AND group_id = ?4",
            params![body, now, note, group.0],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        let mut statement =
            self.conn.prepare_cached("SELECT id, member_id, body, created_at, updated_at FROM member_notes WHERE id = ?1")?;
        Ok(statement.query_row([note], note_from_row).optional()?)
    }

    /// Deletes a note; `false` when the group has no such note.
    pub fn delete_member_note(&mut self, group: GroupId, note: i64) -> Result<bool> {
        Ok(self.conn.execute("DELETE FROM member_notes WHERE id = ?1 AND group_id = ?2", params![note, group.0])? > 0)
    }
}

impl Store {
    /// When the member posted (messages and replies), oldest first.
    pub fn member_post_times(&self, group: GroupId, member: i64) -> Result<Vec<UnixSeconds>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT at FROM activities WHERE member_id = ?1 AND group_id = ?2 AND kind IN ('message', 'reply') ORDER BY at",
        )?;
        let rows = statement.query_map(params![member, group.0], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
