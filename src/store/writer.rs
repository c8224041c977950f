//! Writes of one import (or one demo generation) in one transaction: either the whole
//! archive lands or the store is exactly as it was. Rows are keyed by platform ids, so
//! writing the same archive twice changes nothing but the counts of duplicates.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use ts_rs::TS;

use super::{Result, Store, StoreError};
use crate::model::{ActivityKind, CancelFlag, GroupId, Platform, UnixSeconds};

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

pub struct ImportTx<'conn> {
    tx: Transaction<'conn>,
    // Caches of platform id -> row id, per group, so that a message costs no lookup of
    // its author or channel.
    channels: HashMap<i64, HashMap<String, i64>>,
    members: HashMap<i64, HashMap<String, i64>>,
    touched_groups: Vec<GroupId>,
    /// Row ids from this one on were written by this import (ids only grow within it).
    first_new_activity: i64,
    counts: WriteCounts,
    cancel: CancelFlag,
}

impl Store {
    /// Starts a write of one archive. Nothing is visible to readers until `finish`.
    pub fn begin_import(&mut self) -> Result<ImportTx<'_>> {
        let tx = self.conn.transaction()?;
        let first_new_activity = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM activities", [], |row| row.get(0))?;
        Ok(ImportTx {
            tx,
            first_new_activity,
            channels: HashMap::new(),
            members: HashMap::new(),
            touched_groups: Vec::new(),
            counts: WriteCounts::default(),
            cancel: self.cancel.clone(),
        })
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
        let existing: Option<i64> = self
            .tx
            .query_row(
                "SELECT id FROM groups WHERE platform = ?1 AND platform_id = ?2",
                params![group.platform.as_str(), group.platform_id],
                |row| row.get(0),
            )
            .optional()?;
        let id = match existing {
            Some(id) => {
                self.tx.execute("UPDATE groups SET name = ?2, last_import_at = ?3 WHERE id = ?1", params![id, group.name, now])?;
                id
            }
            None => {
                self.tx.execute(
                    "INSERT INTO groups (platform, platform_id, name, is_archive, is_demo, created_at, last_import_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                    params![group.platform.as_str(), group.platform_id, group.name, group.is_archive, group.is_demo, now],
                )?;
                self.counts.groups += 1;
                self.tx.last_insert_rowid()
            }
        };
        let id = GroupId(id);
        if !self.touched_groups.contains(&id) {
            self.touched_groups.push(id);
        }
        Ok(id)
    }

    pub fn upsert_channel(&mut self, group: GroupId, platform_id: &str, name: &str) -> Result<i64> {
        self.check_cancel()?;
        if let Some(&id) = self.channels.get(&group.0).and_then(|cache| cache.get(platform_id)) {
            return Ok(id);
        }
        let inserted = self
            .tx
            .prepare_cached("INSERT OR IGNORE INTO channels (group_id, platform_id, name) VALUES (?1, ?2, ?3)")?
            .execute(params![group.0, platform_id, name])?;
        self.counts.channels += inserted as u64;
        let id: i64 = self
            .tx
            .prepare_cached("SELECT id FROM channels WHERE group_id = ?1 AND platform_id = ?2")?
            .query_row(params![group.0, platform_id], |row| row.get(0))?;
        if inserted == 0 {
            self.tx.prepare_cached("UPDATE channels SET name = ?2 WHERE id = ?1 AND name <> ?2")?.execute(params![id, name])?;
        }
        self.channels.entry(group.0).or_default().insert(platform_id.to_string(), id);
        Ok(id)
    }

    pub fn upsert_member(&mut self, group: GroupId, member: &NewMember<'_>) -> Result<i64> {
        self.check_cancel()?;
        if let Some(&id) = self.members.get(&group.0).and_then(|cache| cache.get(member.platform_id)) {
            return Ok(id);
        }
        let inserted = self
            .tx
            .prepare_cached("INSERT OR IGNORE INTO members (group_id, platform_id, display_name, is_bot) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![group.0, member.platform_id, member.display_name, member.is_bot])?;
        self.counts.members += inserted as u64;
        let id: i64 = self
            .tx
            .prepare_cached("SELECT id FROM members WHERE group_id = ?1 AND platform_id = ?2")?
            .query_row(params![group.0, member.platform_id], |row| row.get(0))?;
        if inserted == 0 && !member.display_name.is_empty() {
            // A later export may carry a newer display name.
            self.tx
                .prepare_cached("UPDATE members SET display_name = ?2 WHERE id = ?1 AND display_name <> ?2")?
                .execute(params![id, member.display_name])?;
        }
        self.members.entry(group.0).or_default().insert(member.platform_id.to_string(), id);
        Ok(id)
    }

    /// Inserts one activity. Returns its row id, or `None` when the store already had it
    /// (in which case an edited text is updated and counted as `updated`).
    pub fn insert_activity(&mut self, group: GroupId, activity: &NewActivity<'_>) -> Result<Option<i64>> {
        self.check_cancel()?;
        // Parents usually come before their replies: resolve them now with one index
        // lookup, and leave the rest to `finish`.
        let parent_id: Option<i64> = match activity.parent_platform_id {
            Some(parent) => self
                .tx
                .prepare_cached("SELECT id FROM activities WHERE group_id = ?1 AND platform_id = ?2")?
                .query_row(params![group.0, parent], |row| row.get(0))
                .optional()?,
            None => None,
        };
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO activities
                 (group_id, channel_id, member_id, platform_id, kind, at, parent_platform_id, parent_id, text, raw_kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
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
            self.counts.duplicates += 1;
            self.update_text(group, activity)?;
            return Ok(None);
        }
        match activity.kind {
            ActivityKind::Message | ActivityKind::Reply => self.counts.messages += 1,
            ActivityKind::Reaction => self.counts.reactions += 1,
            ActivityKind::Join => self.counts.joins += 1,
            ActivityKind::Leave => self.counts.leaves += 1,
        }
        Ok(Some(self.tx.last_insert_rowid()))
    }

    /// A stored activity seen again: a later export may carry an edited text. Rows that
    /// are already in the search index get their entry replaced; rows of this import are
    /// indexed with their final text by `finish`.
    fn update_text(&mut self, group: GroupId, activity: &NewActivity<'_>) -> Result<()> {
        let stored: Option<(i64, Option<String>)> = self
            .tx
            .prepare_cached("SELECT id, text FROM activities WHERE group_id = ?1 AND platform_id = ?2")?
            .query_row(params![group.0, activity.platform_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let Some((id, old_text)) = stored else { return Ok(()) };
        if old_text.as_deref() == activity.text {
            return Ok(());
        }
        if id < self.first_new_activity {
            self.tx
                .prepare_cached("INSERT INTO activity_fts (activity_fts, rowid, text) VALUES ('delete', ?1, ?2)")?
                .execute(params![id, old_text])?;
            self.tx.prepare_cached("INSERT INTO activity_fts (rowid, text) VALUES (?1, ?2)")?.execute(params![id, activity.text])?;
        }
        self.tx.prepare_cached("UPDATE activities SET text = ?2 WHERE id = ?1")?.execute(params![id, activity.text])?;
        self.counts.updated += 1;
        Ok(())
    }

    /// Records what the demo generator knows about a member (persona, when it churned).
    pub fn record_demo_truth(&mut self, member_id: i64, persona: &str, churned_at: Option<UnixSeconds>) -> Result<()> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO demo_truth (member_id, persona, churned_at) VALUES (?1, ?2, ?3)")?
            .execute(params![member_id, persona, churned_at])?;
        Ok(())
    }

    /// Resolves reply and reaction parents, refreshes each member's first/last seen,
    /// join and leave times from the activities, and commits.
    pub fn finish(self) -> Result<WriteCounts> {
        self.check_cancel()?;
        // Parents that came after their replies in the export.
        self.tx.execute(
            "UPDATE activities SET parent_id =
                (SELECT p.id FROM activities p WHERE p.group_id = activities.group_id AND p.platform_id = activities.parent_platform_id)
             WHERE id >= ?1 AND parent_platform_id IS NOT NULL AND parent_id IS NULL",
            [self.first_new_activity],
        )?;
        // The search index, in one pass over this import's rows. Rows without text are
        // indexed too (as empty documents) so that the index mirrors its content table
        // exactly, which FTS5's integrity check expects.
        self.tx
            .execute("INSERT INTO activity_fts (rowid, text) SELECT id, text FROM activities WHERE id >= ?1", [self.first_new_activity])?;
        for group in &self.touched_groups {
            self.tx.execute(
                "UPDATE members SET
                    first_seen_at = (SELECT MIN(at) FROM activities a WHERE a.member_id = members.id),
                    last_seen_at = (SELECT MAX(at) FROM activities a WHERE a.member_id = members.id),
                    joined_at = (SELECT MIN(at) FROM activities a WHERE a.member_id = members.id AND a.kind = 'join'),
                    left_at = (SELECT MAX(l.at) FROM activities l WHERE l.member_id = members.id AND l.kind = 'leave'
                               AND l.at >= COALESCE((SELECT MAX(j.at) FROM activities j
                                                     WHERE j.member_id = members.id AND j.kind = 'join'), l.at))
                 WHERE group_id = ?1",
                [group.0],
            )?;
        }
        // The last moment a cancel can still undo everything.
        self.check_cancel()?;
        self.tx.commit()?;
        Ok(self.counts)
    }
}
