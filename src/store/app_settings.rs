//! App-level settings (migration 0007): one JSON value per key, shared by every group; and
//! the erasure of a group's stored message text, which the "store message text" setting
//! offers. It decides nothing about what a setting means: the api does.

use rusqlite::{params, OptionalExtension};

use super::{Result, Store};
use crate::model::{GroupId, UnixSeconds};

impl Store {
    /// The stored JSON of an app setting, or `None` when it was never set (the default).
    pub fn app_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.prepare_cached("SELECT value FROM app_settings WHERE key = ?1")?.query_row([key], |row| row.get(0)).optional()?)
    }

    pub fn set_app_setting(&mut self, key: &str, json: &str, now: UnixSeconds) -> Result<()> {
        self.conn.execute(
            "INSERT INTO app_settings (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key, json, now],
        )?;
        Ok(())
    }

    /// How many of a group's activities still hold text.
    pub fn stored_text_count(&self, group: GroupId) -> Result<u64> {
        let count: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM activities WHERE group_id = ?1 AND text IS NOT NULL")?
            .query_row([group.0], |row| row.get(0))?;
        Ok(count as u64)
    }

    /// Forgets the text of every activity of a group, in one transaction, and takes it out
    /// of the search index too (the index is external-content: its entries must be deleted
    /// with the text they were made from, then re-added empty so that it mirrors the table).
    /// Returns how many activities lost their text.
    pub fn erase_group_text(&mut self, group: GroupId) -> Result<u64> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO activity_fts (activity_fts, rowid, text)
             SELECT 'delete', id, text FROM activities WHERE group_id = ?1 AND text IS NOT NULL",
            [group.0],
        )?;
        tx.execute(
            "INSERT INTO activity_fts (rowid, text) SELECT id, NULL FROM activities WHERE group_id = ?1 AND text IS NOT NULL",
            [group.0],
        )?;
        let erased = tx.execute("UPDATE activities SET text = NULL WHERE group_id = ?1 AND text IS NOT NULL", [group.0])?;
        tx.commit()?;
        Ok(erased as u64)
    }
}
