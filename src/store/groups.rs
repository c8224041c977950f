//! Queries about groups as a whole: listing, lookup by id or name.

use rusqlite::{params, OptionalExtension, Row};

use super::writer::ACTIVITY_INDEXES;
use super::{Result, Store};
use crate::model::{Group, GroupId, Platform};

fn group_from_row(row: &Row<'_>) -> rusqlite::Result<Group> {
    let platform: String = row.get(1)?;
    Ok(Group {
        id: GroupId(row.get(0)?),
        platform: Platform::parse(&platform).unwrap_or(Platform::Demo),
        platform_id: row.get(2)?,
        name: row.get(3)?,
        is_archive: row.get(4)?,
        is_demo: row.get(5)?,
        last_import_at: row.get(6)?,
    })
}

const GROUP_COLUMNS: &str = "id, platform, platform_id, name, is_archive, is_demo, last_import_at";

impl Store {
    pub fn groups(&self) -> Result<Vec<Group>> {
        let mut statement =
            self.conn.prepare_cached(&format!("SELECT {GROUP_COLUMNS} FROM groups ORDER BY is_demo, name COLLATE NOCASE, id"))?;
        let rows = statement.query_map([], group_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn group(&self, id: GroupId) -> Result<Option<Group>> {
        let mut statement = self.conn.prepare_cached(&format!("SELECT {GROUP_COLUMNS} FROM groups WHERE id = ?1"))?;
        Ok(statement.query_row([id.0], group_from_row).optional()?)
    }

    /// Groups whose name equals `name`, ignoring case.
    pub fn groups_named(&self, name: &str) -> Result<Vec<Group>> {
        let mut statement =
            self.conn.prepare_cached(&format!("SELECT {GROUP_COLUMNS} FROM groups WHERE name = ?1 COLLATE NOCASE ORDER BY id"))?;
        let rows = statement.query_map(params![name], group_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn group_count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM groups", [], |row| row.get(0))?)
    }

    /// Deletes a group and everything in it (used to regenerate the demo).
    ///
    /// A group that holds a large share of the store (the demo usually holds all of it)
    /// is deleted in bulk: the search index is emptied and refilled with the other rows,
    /// and the activities are deleted with only the index their foreign keys need, the
    /// others being built again afterwards. Both cost time in proportion to the rows that
    /// stay, instead of a tokenised delete and four index deletes per deleted row.
    pub fn delete_group(&mut self, id: GroupId) -> Result<()> {
        // The bulk path below drops and rebuilds the indexes by name: all must exist.
        self.build_missing_indexes(&mut |_| {})?;
        let tx = self.conn.transaction()?;
        let (group_rows, total_rows): (i64, i64) = tx.query_row(
            "SELECT (SELECT COUNT(*) FROM activities WHERE group_id = ?1), (SELECT COUNT(*) FROM activities)",
            [id.0],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let other_rows = total_rows - group_rows;
        if group_rows >= BULK_DELETE_MIN_ROWS && group_rows >= other_rows {
            tx.execute("INSERT INTO activity_fts (activity_fts) VALUES ('delete-all')", [])?;
            // `activities_parent` stays: deleting a row looks up the replies that refer to it.
            let rebuilt = || ACTIVITY_INDEXES.iter().filter(|(name, _)| *name != "activities_parent");
            for (name, _) in rebuilt() {
                tx.execute_batch(&format!("DROP INDEX {name}"))?;
            }
            tx.execute("DELETE FROM activities WHERE group_id = ?1", [id.0])?;
            for (_, create) in rebuilt() {
                tx.execute_batch(create)?;
            }
            tx.execute("INSERT INTO activity_fts (rowid, text) SELECT id, text FROM activities", [])?;
        } else {
            // The search index is kept by the store, not by triggers: drop the group's entries.
            tx.execute(
                "INSERT INTO activity_fts (activity_fts, rowid, text)
                 SELECT 'delete', id, text FROM activities WHERE group_id = ?1",
                [id.0],
            )?;
        }
        tx.execute("DELETE FROM groups WHERE id = ?1", [id.0])?;
        tx.commit()?;
        Ok(())
    }
}

/// Below this, a group's rows are deleted one index entry at a time.
const BULK_DELETE_MIN_ROWS: i64 = 20_000;
