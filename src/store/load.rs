//! Loading one group's rows for the analytics, and the small counts the UI lists.

use rusqlite::params;
use rusqlite::types::Type;

use super::{Result, Store, StoreError};
use crate::model::{ActivityKind, ActivityRow, Group, GroupData, GroupId, MemberRow, Texts, UnixSeconds};

/// Row counts of one group, as stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCounts {
    pub channels: u64,
    pub members: u64,
    pub messages: u64,
    pub reactions: u64,
}

/// What the demo generator recorded about one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTruth {
    pub member_id: i64,
    pub persona: String,
    pub churned_at: Option<UnixSeconds>,
}

/// See [`Store::change_marker`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeMarker {
    pub connection: u64,
    data_version: i64,
    own_changes: u64,
}

impl Store {
    pub fn load_group_data(&self, group: &Group) -> Result<GroupData> {
        let mut members_statement = self.conn.prepare_cached(
            "SELECT id, platform_id, display_name, is_bot, joined_at, left_at FROM members WHERE group_id = ?1 ORDER BY id",
        )?;
        let members = members_statement
            .query_map([group.id.0], |row| {
                Ok(MemberRow {
                    id: row.get(0)?,
                    platform_id: row.get(1)?,
                    display_name: row.get(2)?,
                    is_bot: row.get(3)?,
                    joined_at: row.get(4)?,
                    left_at: row.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut activities_statement = self.conn.prepare_cached(
            "SELECT id, member_id, channel_id, kind, at, parent_id, text FROM activities WHERE group_id = ?1 ORDER BY at, id",
        )?;
        // The texts go into one buffer as they are read, without a `String` per row.
        let mut texts = Texts::default();
        let mut activities = Vec::new();
        let mut rows = activities_statement.query([group.id.0])?;
        while let Some(row) = rows.next()? {
            let text_error = |column: usize| move |error| rusqlite::Error::FromSqlConversionFailure(column, Type::Text, Box::new(error));
            let kind = row.get_ref(3)?.as_str().map_err(text_error(3))?;
            let text = match row.get_ref(6)?.as_str_or_null().map_err(text_error(6))? {
                None => None,
                Some(text) => {
                    let too_long =
                        || rusqlite::Error::FromSqlConversionFailure(6, Type::Text, "the group's message texts pass 4 GiB".into());
                    Some(texts.try_push(text).ok_or_else(too_long)?)
                }
            };
            activities.push(ActivityRow {
                id: row.get(0)?,
                member_id: row.get(1)?,
                channel_id: row.get(2)?,
                // The schema's CHECK constraint admits only known kinds.
                kind: ActivityKind::parse(kind).unwrap_or(ActivityKind::Message),
                at: row.get(4)?,
                parent_id: row.get(5)?,
                text,
            });
        }
        texts.shrink_to_fit();
        activities.shrink_to_fit();
        Ok(GroupData { group: group.clone(), members, activities, texts })
    }

    pub fn group_counts(&self, group: GroupId) -> Result<GroupCounts> {
        let count = |sql: &str| -> Result<u64, StoreError> {
            Ok(self.conn.prepare_cached(sql)?.query_row(params![group.0], |row| row.get::<_, i64>(0))? as u64)
        };
        Ok(GroupCounts {
            channels: count("SELECT COUNT(*) FROM channels WHERE group_id = ?1")?,
            members: count("SELECT COUNT(*) FROM members WHERE group_id = ?1")?,
            messages: count("SELECT COUNT(*) FROM activities WHERE group_id = ?1 AND kind IN ('message', 'reply')")?,
            reactions: count("SELECT COUNT(*) FROM activities WHERE group_id = ?1 AND kind = 'reaction'")?,
        })
    }

    /// How many activity rows a group holds, all kinds together: one pass over the
    /// `(group_id, at)` index, cheap beside [`Store::group_counts`], whose per-kind counts
    /// read every row.
    pub fn activity_rows(&self, group: GroupId) -> Result<u64> {
        Ok(self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM activities WHERE group_id = ?1")?
            .query_row([group.0], |row| row.get::<_, i64>(0))? as u64)
    }

    /// Changes whenever the store may have changed as this connection sees it: a commit by
    /// any other connection (of this process or another) moves SQLite's `data_version`, and
    /// this connection's own changes move its change count. Equal markers (from the same
    /// connection) mean nothing was written in between, so what was read then still holds;
    /// reading one costs no pass over any table.
    pub fn change_marker(&self) -> Result<ChangeMarker> {
        let data_version: i64 = self.conn.query_row("PRAGMA data_version", [], |row| row.get(0))?;
        Ok(ChangeMarker { connection: self.connection, data_version, own_changes: self.conn.total_changes() })
    }

    /// How many members a group has.
    pub fn group_counts_members(&self, group: GroupId) -> Result<u64> {
        Ok(self.conn.prepare_cached("SELECT COUNT(*) FROM members WHERE group_id = ?1")?.query_row([group.0], |row| row.get::<_, i64>(0))?
            as u64)
    }

    /// The first and the latest activity time of a group, if it has any. Two subqueries:
    /// SQLite answers a lone `MIN` or `MAX` from the end of the `(group_id, at)` index, but
    /// `MIN(at), MAX(at)` in one query walks every row of the group.
    pub fn activity_span(&self, group: GroupId) -> Result<(Option<UnixSeconds>, Option<UnixSeconds>)> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT (SELECT MIN(at) FROM activities WHERE group_id = ?1), (SELECT MAX(at) FROM activities WHERE group_id = ?1)",
            )?
            .query_row([group.0], |row| Ok((row.get(0)?, row.get(1)?)))?)
    }

    pub fn demo_truth(&self, group: GroupId) -> Result<Vec<DemoTruth>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT t.member_id, t.persona, t.churned_at FROM demo_truth t JOIN members m ON m.id = t.member_id
             WHERE m.group_id = ?1 ORDER BY t.member_id",
        )?;
        let rows = statement
            .query_map([group.0], |row| Ok(DemoTruth { member_id: row.get(0)?, persona: row.get(1)?, churned_at: row.get(2)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
