//! Queries about groups as a whole: listing, lookup by id or name.

use rusqlite::{params, OptionalExtension, Row};

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
    pub fn delete_group(&mut self, id: GroupId) -> Result<()> {
        let tx = self.conn.transaction()?;
        // The search index is kept by the store, not by triggers: drop the group's entries.
        tx.execute(
            "INSERT INTO activity_fts (activity_fts, rowid, text)
             SELECT 'delete', id, text FROM activities WHERE group_id = ?1",
            [id.0],
        )?;
        tx.execute("DELETE FROM groups WHERE id = ?1", [id.0])?;
        tx.commit()?;
        Ok(())
    }
}
