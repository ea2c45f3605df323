//! Consent and withdrawal records (append-only; triggers refuse updates and deletes).

use rusqlite::{params, Connection};

use super::{conv, parse_col, parse_date_col, Result};
use crate::domain::{format_date, Answer, ConsentRecord, Withdrawal};

fn answer(col: &str, v: Option<String>) -> Result<Option<Answer>> {
    match v {
        Some(s) => Ok(Some(parse_col(col, s)?)),
        None => Ok(None),
    }
}

pub fn insert(c: &Connection, r: &ConsentRecord) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO consent (id, participant_id, form_version, form_hash, date, mode, taken_by,
            take_part, audio, quotes, archiving, follow_up, file_ref, recorded_at, recorded_by,
            device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
            (SELECT device_id FROM sync_device WHERE id = 1))",
    )?
    .execute(params![
        r.id,
        r.participant_id,
        r.form_version,
        r.form_hash,
        format_date(r.date),
        r.mode.as_str(),
        r.taken_by,
        r.take_part.map(|a| a.as_str()),
        r.audio.map(|a| a.as_str()),
        r.quotes.map(|a| a.as_str()),
        r.archiving.map(|a| a.as_str()),
        r.follow_up.map(|a| a.as_str()),
        r.file_ref,
        r.recorded_at,
        r.recorded_by
    ])?;
    Ok(())
}

/// Every consent record of a participant, oldest first.
/// (Records marked as entered in error by a `consent_correction` are left out, here and in
/// every reader below: nothing that decides consent sees them. [`records_with_corrected`]
/// is the participant's full history.)
pub fn records(c: &Connection, participant_id: &str) -> Result<Vec<ConsentRecord>> {
    records_where(c, Some(participant_id), false)
}

/// Every consent record of a participant, corrected ones included (the history).
pub fn records_with_corrected(c: &Connection, participant_id: &str) -> Result<Vec<ConsentRecord>> {
    records_where(c, Some(participant_id), true)
}

/// Every consent record of every participant, by participant, oldest first.
pub fn all_records(c: &Connection) -> Result<Vec<ConsentRecord>> {
    records_where(c, None, false)
}

/// `WHERE participant_id = ?1` for one participant (an index search), nothing for all:
/// `?1 IS NULL OR participant_id = ?1` would scan the whole table for each participant.
fn participant_clause(participant_id: Option<&str>) -> &'static str {
    if participant_id.is_some() {
        "WHERE participant_id = ?1"
    } else {
        "WHERE ?1 IS NULL"
    }
}

/// ` AND id NOT IN (corrected records)` unless the corrected ones are wanted too.
fn corrected_clause(with_corrected: bool) -> &'static str {
    if with_corrected {
        ""
    } else {
        " AND id NOT IN (SELECT record_id FROM consent_correction)"
    }
}

fn records_where(
    c: &Connection,
    participant_id: Option<&str>,
    with_corrected: bool,
) -> Result<Vec<ConsentRecord>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT id, participant_id, form_version, form_hash, date, mode, taken_by, take_part,
                audio, quotes, archiving, follow_up, file_ref, recorded_at, recorded_by
         FROM consent {}{}
         ORDER BY participant_id, date, recorded_at",
        participant_clause(participant_id),
        corrected_clause(with_corrected)
    ))?;
    let rows = stmt.query_map([participant_id], |r| {
        Ok(ConsentRecord {
            id: r.get(0)?,
            participant_id: r.get(1)?,
            form_version: r.get(2)?,
            form_hash: r.get(3)?,
            date: conv(parse_date_col("consent.date", r.get(4)?))?,
            mode: conv(parse_col("consent.mode", r.get(5)?))?,
            taken_by: r.get(6)?,
            take_part: conv(answer("consent.take_part", r.get(7)?))?,
            audio: conv(answer("consent.audio", r.get(8)?))?,
            quotes: conv(answer("consent.quotes", r.get(9)?))?,
            archiving: conv(answer("consent.archiving", r.get(10)?))?,
            follow_up: conv(answer("consent.follow_up", r.get(11)?))?,
            file_ref: r.get(12)?,
            recorded_at: r.get(13)?,
            recorded_by: r.get(14)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn insert_withdrawal(c: &Connection, w: &Withdrawal) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO withdrawal (id, participant_id, date, scope, reason, recorded_at, recorded_by,
            device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT device_id FROM sync_device WHERE id = 1))",
    )?
    .execute(params![
        w.id,
        w.participant_id,
        format_date(w.date),
        w.scope.as_str(),
        w.reason,
        w.recorded_at,
        w.recorded_by
    ])?;
    Ok(())
}

pub fn withdrawals(c: &Connection, participant_id: &str) -> Result<Vec<Withdrawal>> {
    withdrawals_where(c, Some(participant_id), false)
}

/// Every withdrawal of a participant, corrected ones included (the history).
pub fn withdrawals_with_corrected(c: &Connection, participant_id: &str) -> Result<Vec<Withdrawal>> {
    withdrawals_where(c, Some(participant_id), true)
}

/// Every withdrawal, by participant, oldest first.
pub fn all_withdrawals(c: &Connection) -> Result<Vec<Withdrawal>> {
    withdrawals_where(c, None, false)
}

fn withdrawals_where(
    c: &Connection,
    participant_id: Option<&str>,
    with_corrected: bool,
) -> Result<Vec<Withdrawal>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT id, participant_id, date, scope, reason, recorded_at, recorded_by
         FROM withdrawal {}{}
         ORDER BY participant_id, date, recorded_at",
        participant_clause(participant_id),
        corrected_clause(with_corrected)
    ))?;
    let rows = stmt.query_map([participant_id], |r| {
        Ok(Withdrawal {
            id: r.get(0)?,
            participant_id: r.get(1)?,
            date: conv(parse_date_col("withdrawal.date", r.get(2)?))?,
            scope: conv(parse_col("withdrawal.scope", r.get(3)?))?,
            reason: r.get(4)?,
            recorded_at: r.get(5)?,
            recorded_by: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A correcting record: the consent or withdrawal record `record_id` was entered in error.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Correction {
    pub id: String,
    /// `consent` or `withdrawal`.
    pub record_kind: String,
    pub record_id: String,
    pub participant_id: String,
    pub reason: String,
    pub corrected_at: String,
    pub corrected_by: String,
}

pub fn insert_correction(c: &Connection, k: &Correction) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO consent_correction (id, record_kind, record_id, participant_id, reason,
            corrected_at, corrected_by, device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT device_id FROM sync_device WHERE id = 1))",
    )?
    .execute(params![
        k.id,
        k.record_kind,
        k.record_id,
        k.participant_id,
        k.reason,
        k.corrected_at,
        k.corrected_by
    ])?;
    Ok(())
}

/// The correction of a record, if it has one.
pub fn correction_of(c: &Connection, record_id: &str) -> Result<Option<Correction>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, record_kind, record_id, participant_id, reason, corrected_at, corrected_by
         FROM consent_correction WHERE record_id = ?1",
    )?;
    let mut rows = stmt.query_map([record_id], correction_row)?;
    Ok(rows.next().transpose()?)
}

/// A participant's corrections, oldest first.
pub fn corrections(c: &Connection, participant_id: &str) -> Result<Vec<Correction>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, record_kind, record_id, participant_id, reason, corrected_at, corrected_by
         FROM consent_correction WHERE participant_id = ?1 ORDER BY corrected_at, id",
    )?;
    let rows = stmt.query_map([participant_id], correction_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn correction_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Correction> {
    Ok(Correction {
        id: r.get(0)?,
        record_kind: r.get(1)?,
        record_id: r.get(2)?,
        participant_id: r.get(3)?,
        reason: r.get(4)?,
        corrected_at: r.get(5)?,
        corrected_by: r.get(6)?,
    })
}

/// The consent records (`consent`) and withdrawals (`withdrawal`) whose id is `key` or
/// starts with it (6+ characters), corrected or not: (kind, id, participant id), at most 10.
pub fn resolve_record(c: &Connection, key: &str) -> Result<Vec<(&'static str, String, String)>> {
    let (lo, hi) = super::id_prefix_bounds(key);
    let exact = key.trim().to_ascii_lowercase();
    let mut out = Vec::new();
    for kind in ["consent", "withdrawal"] {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT id, participant_id FROM {kind} WHERE id = ?1
             UNION SELECT id, participant_id FROM {kind} WHERE id >= ?2 AND id < ?3 LIMIT 10"
        ))?;
        let rows = stmt.query_map(params![exact, lo, hi], |r| {
            Ok((kind, r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    // An exact id wins over longer ids it is a prefix of.
    if let Some(hit) = out.iter().find(|(_, id, _)| *id == exact).cloned() {
        return Ok(vec![hit]);
    }
    Ok(out)
}
