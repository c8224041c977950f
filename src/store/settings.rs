//! Per-group analytics settings: one JSON document per section, as the api validated it.

use std::collections::BTreeMap;

use rusqlite::params;

use super::{Result, Store};
use crate::model::{GroupId, UnixSeconds};

impl Store {
    /// The stored sections of a group's settings (section → JSON); absent = defaults.
    pub fn settings_sections(&self, group: GroupId) -> Result<BTreeMap<String, String>> {
        let mut statement = self.conn.prepare_cached("SELECT section, value FROM group_settings WHERE group_id = ?1 ORDER BY section")?;
        let rows = statement.query_map([group.0], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores one section (replacing what was there).
    pub fn set_settings_section(&mut self, group: GroupId, section: &str, json: &str, now: UnixSeconds) -> Result<()> {
        self.conn.execute(
            "INSERT INTO group_settings (group_id, section, value, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (group_id, section) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![group.0, section, json, now],
        )?;
        Ok(())
    }

    /// Forgets one section (`Some`) or every section (`None`): back to the defaults.
    pub fn reset_settings(&mut self, group: GroupId, section: Option<&str>) -> Result<()> {
        match section {
            Some(section) => {
                self.conn.execute("DELETE FROM group_settings WHERE group_id = ?1 AND section = ?2", params![group.0, section])?
            }
            None => self.conn.execute("DELETE FROM group_settings WHERE group_id = ?1", params![group.0])?,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Platform;
    use crate::store::NewGroup;

    #[test]
    fn sections_are_stored_replaced_and_reset_per_group() {
        let mut store = Store::open_in_memory().unwrap();
        let mut tx = store.begin_import().unwrap();
        let new_group = |id| NewGroup { platform: Platform::Slack, platform_id: id, name: id, is_archive: true, is_demo: false };
        let first = tx.upsert_group(&new_group("a"), 0).unwrap();
        let second = tx.upsert_group(&new_group("b"), 0).unwrap();
        tx.finish().unwrap();
        store.set_settings_section(first, "health", r#"{"period_days":14}"#, 10).unwrap();
        store.set_settings_section(first, "health", r#"{"period_days":28}"#, 20).unwrap();
        store.set_settings_section(first, "stages", r#"{}"#, 20).unwrap();
        store.set_settings_section(second, "health", r#"{"period_days":3}"#, 20).unwrap();
        let stored = store.settings_sections(first).unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!(stored["health"], r#"{"period_days":28}"#);
        store.reset_settings(first, Some("health")).unwrap();
        assert_eq!(store.settings_sections(first).unwrap().keys().collect::<Vec<_>>(), vec!["stages"]);
        store.reset_settings(first, None).unwrap();
        assert!(store.settings_sections(first).unwrap().is_empty());
        assert_eq!(store.settings_sections(second).unwrap().len(), 1, "another group's settings are untouched");
        assert!(store.set_settings_section(second, "health", "not json", 30).is_err(), "the store only keeps JSON");
    }
}
