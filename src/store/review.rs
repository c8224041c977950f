//! The review queue: flags with their status and decisions log, and reviewers' actions on
//! churn warnings. Re-running detection upserts flags by fingerprint: a new flag is added,
//! an open one gets fresh evidence, a decided one is left exactly as the reviewer left it.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;
use ts_rs::TS;

use super::{Result, Store};
use crate::model::{GroupId, UnixSeconds};

/// A flag as detection hands it to the store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFlag {
    pub member_id: Option<i64>,
    pub code: String,
    pub fingerprint: String,
    /// JSON.
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFlag {
    pub id: i64,
    pub group_id: i64,
    pub member_id: Option<i64>,
    pub code: String,
    pub fingerprint: String,
    pub evidence: String,
    pub status: String,
    pub note: Option<String>,
    pub created_at: UnixSeconds,
    pub updated_at: UnixSeconds,
    pub decided_at: Option<UnixSeconds>,
}

/// What counting open flags needs of a stored flag: no evidence, note or times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagState {
    pub member_id: Option<i64>,
    pub fingerprint: String,
    pub open: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct FlagDecision {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub flag_id: i64,
    pub from_status: String,
    pub to_status: String,
    pub note: Option<String>,
    #[ts(type = "number")]
    pub decided_at: UnixSeconds,
    #[ts(type = "number | null")]
    pub undone_at: Option<UnixSeconds>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct FlagUpsert {
    /// Flags seen for the first time.
    pub added: u64,
    /// Open flags whose evidence grew.
    pub refreshed: u64,
    /// Flags already there (open with the same evidence, or decided and left alone).
    pub unchanged: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct WarningAction {
    #[ts(type = "number")]
    pub member_id: i64,
    #[ts(type = "number | null")]
    pub snoozed_until: Option<UnixSeconds>,
    #[ts(type = "number | null")]
    pub handled_at: Option<UnixSeconds>,
    pub note: Option<String>,
    #[ts(type = "number")]
    pub updated_at: UnixSeconds,
}

const FLAG_COLUMNS: &str = "id, group_id, member_id, code, fingerprint, evidence, status, note, created_at, updated_at, decided_at";

fn flag_from_row(row: &Row<'_>) -> rusqlite::Result<StoredFlag> {
    Ok(StoredFlag {
        id: row.get(0)?,
        group_id: row.get(1)?,
        member_id: row.get(2)?,
        code: row.get(3)?,
        fingerprint: row.get(4)?,
        evidence: row.get(5)?,
        status: row.get(6)?,
        note: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
        decided_at: row.get(10)?,
    })
}

fn decision_from_row(row: &Row<'_>) -> rusqlite::Result<FlagDecision> {
    Ok(FlagDecision {
        id: row.get(0)?,
        flag_id: row.get(1)?,
        from_status: row.get(2)?,
        to_status: row.get(3)?,
        note: row.get(4)?,
        decided_at: row.get(5)?,
        undone_at: row.get(6)?,
    })
}

impl Store {
    /// Adds new flags and refreshes the evidence of open ones, in one transaction.
    pub fn upsert_flags(&mut self, group: GroupId, flags: &[NewFlag], now: UnixSeconds) -> Result<FlagUpsert> {
        let tx = self.conn.transaction()?;
        let mut counts = FlagUpsert::default();
        {
            let mut find = tx.prepare_cached("SELECT status, evidence FROM flags WHERE group_id = ?1 AND fingerprint = ?2")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO flags (group_id, member_id, code, fingerprint, evidence, status, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?6)",
            )?;
            let mut refresh =
                tx.prepare_cached("UPDATE flags SET evidence = ?3, updated_at = ?4 WHERE group_id = ?1 AND fingerprint = ?2")?;
            for flag in flags {
                let existing: Option<(String, String)> =
                    find.query_row(params![group.0, flag.fingerprint], |row| Ok((row.get(0)?, row.get(1)?))).optional()?;
                match existing {
                    None => {
                        insert.execute(params![group.0, flag.member_id, flag.code, flag.fingerprint, flag.evidence, now])?;
                        counts.added += 1;
                    }
                    Some((status, evidence)) if status == "open" && evidence != flag.evidence => {
                        refresh.execute(params![group.0, flag.fingerprint, flag.evidence, now])?;
                        counts.refreshed += 1;
                    }
                    Some(_) => counts.unchanged += 1,
                }
            }
        }
        tx.commit()?;
        Ok(counts)
    }

    /// A group's flags, optionally only those with `status`, newest first.
    pub fn flags(&self, group: GroupId, status: Option<&str>) -> Result<Vec<StoredFlag>> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {FLAG_COLUMNS} FROM flags WHERE group_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY created_at DESC, id DESC"
        ))?;
        let rows = statement.query_map(params![group.0, status], flag_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every flag of the group with only its member, fingerprint and whether it is open:
    /// counting open flags against what detection finds reads no evidence, which grows with
    /// the flagged messages.
    pub fn flag_states(&self, group: GroupId) -> Result<Vec<FlagState>> {
        let mut statement = self.conn.prepare_cached("SELECT member_id, fingerprint, status = 'open' FROM flags WHERE group_id = ?1")?;
        let rows = statement
            .query_map(params![group.0], |row| Ok(FlagState { member_id: row.get(0)?, fingerprint: row.get(1)?, open: row.get(2)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn flag(&self, group: GroupId, id: i64) -> Result<Option<StoredFlag>> {
        let mut statement = self.conn.prepare_cached(&format!("SELECT {FLAG_COLUMNS} FROM flags WHERE group_id = ?1 AND id = ?2"))?;
        Ok(statement.query_row(params![group.0, id], flag_from_row).optional()?)
    }

    /// Records a decision: the flag takes `to_status` and the note, and the log keeps both.
    pub fn decide_flag(&mut self, group: GroupId, id: i64, to_status: &str, note: Option<&str>, at: UnixSeconds) -> Result<()> {
        let tx = self.conn.transaction()?;
        let from_status: String =
            tx.query_row("SELECT status FROM flags WHERE group_id = ?1 AND id = ?2", params![group.0, id], |row| row.get(0))?;
        tx.execute(
            "INSERT INTO flag_decisions (flag_id, from_status, to_status, note, decided_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, from_status, to_status, note, at],
        )?;
        tx.execute(
            "UPDATE flags SET status = ?2, note = ?3, decided_at = ?4, updated_at = ?4 WHERE id = ?1",
            params![id, to_status, note, at],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Undoes the flag's latest decision that is not undone yet: the flag gets back the
    /// status, note and time of the decision before it. Returns the decision undone.
    pub fn undo_flag_decision(&mut self, group: GroupId, id: i64, at: UnixSeconds) -> Result<Option<FlagDecision>> {
        let tx = self.conn.transaction()?;
        let last: Option<FlagDecision> = tx
            .query_row(
                "SELECT d.id, d.flag_id, d.from_status, d.to_status, d.note, d.decided_at, d.undone_at
                 FROM flag_decisions d JOIN flags f ON f.id = d.flag_id
                 WHERE f.group_id = ?1 AND d.flag_id = ?2 AND d.undone_at IS NULL ORDER BY d.id DESC LIMIT 1",
                params![group.0, id],
                decision_from_row,
            )
            .optional()?;
        let Some(last) = last else { return Ok(None) };
        tx.execute("UPDATE flag_decisions SET undone_at = ?2 WHERE id = ?1", params![last.id, at])?;
        let before: Option<(Option<String>, UnixSeconds)> = tx
            .query_row(
                "SELECT note, decided_at FROM flag_decisions WHERE flag_id = ?1 AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
                params![id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let (note, decided_at) = before.map_or((None, None), |(note, decided_at)| (note, Some(decided_at)));
        tx.execute(
            "UPDATE flags SET status = ?2, note = ?3, decided_at = ?4, updated_at = ?5 WHERE id = ?1",
            params![id, last.from_status, note, decided_at, at],
        )?;
        tx.commit()?;
        Ok(Some(FlagDecision { undone_at: Some(at), ..last }))
    }

    /// The decisions log of a flag, oldest first (undone ones included, marked).
    pub fn flag_decisions(&self, id: i64) -> Result<Vec<FlagDecision>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, flag_id, from_status, to_status, note, decided_at, undone_at FROM flag_decisions WHERE flag_id = ?1 ORDER BY id",
        )?;
        let rows = statement.query_map([id], decision_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sets what a reviewer did about a member's warning. `None` leaves a field as it is;
    /// `Some(None)` clears it.
    pub fn set_warning_action(
        &mut self,
        group: GroupId,
        member_id: i64,
        snoozed_until: Option<Option<UnixSeconds>>,
        handled_at: Option<Option<UnixSeconds>>,
        note: Option<Option<&str>>,
        at: UnixSeconds,
    ) -> Result<WarningAction> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO warning_actions (group_id, member_id, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (group_id, member_id) DO NOTHING",
            params![group.0, member_id, at],
        )?;
        if let Some(until) = snoozed_until {
            tx.execute(
                "UPDATE warning_actions SET snoozed_until = ?3 WHERE group_id = ?1 AND member_id = ?2",
                params![group.0, member_id, until],
            )?;
        }
        if let Some(handled) = handled_at {
            tx.execute(
                "UPDATE warning_actions SET handled_at = ?3 WHERE group_id = ?1 AND member_id = ?2",
                params![group.0, member_id, handled],
            )?;
        }
        if let Some(note) = note {
            tx.execute("UPDATE warning_actions SET note = ?3 WHERE group_id = ?1 AND member_id = ?2", params![group.0, member_id, note])?;
        }
        tx.execute("UPDATE warning_actions SET updated_at = ?3 WHERE group_id = ?1 AND member_id = ?2", params![group.0, member_id, at])?;
        tx.commit()?;
        let action =
            self.warning_actions(group)?.into_iter().find(|action| action.member_id == member_id).expect("the action was just written");
        Ok(action)
    }

    pub fn warning_actions(&self, group: GroupId) -> Result<Vec<WarningAction>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT member_id, snoozed_until, handled_at, note, updated_at FROM warning_actions WHERE group_id = ?1 ORDER BY member_id",
        )?;
        let rows = statement.query_map([group.0], |row| {
            Ok(WarningAction {
                member_id: row.get(0)?,
                snoozed_until: row.get(1)?,
                handled_at: row.get(2)?,
                note: row.get(3)?,
                updated_at: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// One line of a group's decisions log: the decision and the flag it was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionLogEntry {
    pub decision: FlagDecision,
    pub code: String,
    pub member_id: Option<i64>,
    pub display_name: Option<String>,
}

impl Store {
    /// Every decision about a group's flags, newest first (undone ones included, marked),
    /// at most `limit`.
    pub fn group_flag_decisions(&self, group: GroupId, limit: usize) -> Result<Vec<DecisionLogEntry>> {
        let mut statement = self.conn.prepare_cached(
            "SELECT d.id, d.flag_id, d.from_status, d.to_status, d.note, d.decided_at, d.undone_at, f.code, f.member_id, m.display_name
             FROM flag_decisions d JOIN flags f ON f.id = d.flag_id LEFT JOIN members m ON m.id = f.member_id
             WHERE f.group_id = ?1 ORDER BY d.decided_at DESC, d.id DESC LIMIT ?2",
        )?;
        let rows = statement.query_map(params![group.0, limit as i64], |row| {
            Ok(DecisionLogEntry { decision: decision_from_row(row)?, code: row.get(7)?, member_id: row.get(8)?, display_name: row.get(9)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
