//! Participants and their status events.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{conv, parse_col, parse_date_col, Result};
use crate::domain::{format_date, Participant, ParticipantFilter, Status, StatusEvent};

/// A participant row as stored (ids, not codes).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ParticipantRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub organisation: Option<String>,
    pub job_title: Option<String>,
    pub role_id: String,
    pub site_id: String,
    pub notes: Option<String>,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

pub fn insert(c: &Connection, p: &ParticipantRow) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO participant (id, code, name, email, phone, organisation, job_title,
            role_id, site_id, notes, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        p.id,
        p.code,
        p.name,
        p.email,
        p.phone,
        p.organisation,
        p.job_title,
        p.role_id,
        p.site_id,
        p.notes,
        p.status,
        p.created_at,
        p.updated_at
    ])?;
    Ok(())
}

pub fn row(c: &Connection, id: &str) -> Result<Option<ParticipantRow>> {
    Ok(c.query_row(
        "SELECT id, code, name, email, phone, organisation, job_title, role_id, site_id,
                notes, status, created_at, updated_at
         FROM participant WHERE id = ?1",
        [id],
        |r| {
            Ok(ParticipantRow {
                id: r.get(0)?,
                code: r.get(1)?,
                name: r.get(2)?,
                email: r.get(3)?,
                phone: r.get(4)?,
                organisation: r.get(5)?,
                job_title: r.get(6)?,
                role_id: r.get(7)?,
                site_id: r.get(8)?,
                notes: r.get(9)?,
                status: r.get(10)?,
                created_at: r.get(11)?,
                updated_at: r.get(12)?,
            })
        },
    )
    .optional()?)
}

/// Statuses of people who never took part (and hold no data): they do not hold a role
/// that is unique at a site.
pub const NOT_HOLDING_A_ROLE: [&str; 3] = ["declined", "ineligible", "no-response"];

/// Export codes of the participants who hold a role at a site (every status except
/// [`NOT_HOLDING_A_ROLE`]), other than `except`.
pub fn role_holders(
    c: &Connection,
    role_id: &str,
    site_id: &str,
    except: Option<&str>,
) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT code FROM participant WHERE role_id = ?1 AND site_id = ?2
           AND (?3 IS NULL OR id <> ?3) AND status NOT IN (?4, ?5, ?6)
         ORDER BY code",
    )?;
    let rows = stmt.query_map(
        params![
            role_id,
            site_id,
            except,
            NOT_HOLDING_A_ROLE[0],
            NOT_HOLDING_A_ROLE[1],
            NOT_HOLDING_A_ROLE[2]
        ],
        |r| r.get(0),
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn code_exists(c: &Connection, code: &str) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT 1 FROM participant WHERE code = ?1")?
            .query_row([code], |_| Ok(()))
            .optional()?
            .is_some(),
    )
}

/// Resolve a reference typed by a user: full id, export code, or a unique id prefix
/// (at least 6 characters). Returns every candidate id.
pub fn resolve(c: &Connection, key: &str) -> Result<Vec<String>> {
    let key = key.trim();
    let (lo, hi) = super::id_prefix_bounds(key);
    let mut stmt = c.prepare_cached(
        "SELECT id FROM participant WHERE id = ?1 OR code = upper(?1)
         UNION SELECT id FROM participant WHERE id >= ?2 AND id < ?3
         LIMIT 10",
    )?;
    let rows = stmt.query_map(params![key, lo, hi], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const SELECT: &str = "SELECT p.id, p.code, p.name, p.email, p.phone, p.organisation,
        p.job_title, s.code, s.name, r.code, r.name, rc.code, rc.name, p.status, p.notes,
        p.created_at, p.updated_at,
        (SELECT group_concat(DISTINCT ph.number) FROM session_participant sp
           CROSS JOIN session se ON se.id = sp.session_id JOIN phase ph ON ph.id = se.phase_id
          WHERE sp.participant_id = p.id AND se.kind = 'interview' AND se.status = 'done')
     FROM participant p
     JOIN site s ON s.id = p.site_id
     JOIN role r ON r.id = p.role_id
     JOIN role_category rc ON rc.id = r.category_id";

const FILTER: &str = " WHERE (?1 IS NULL OR s.code = ?1)
       AND (?2 IS NULL OR rc.code = ?2)
       AND (?3 IS NULL OR p.status = ?3)
       AND (?4 IS NULL OR EXISTS (SELECT 1 FROM session_participant sp
             CROSS JOIN session se ON se.id = sp.session_id JOIN phase ph ON ph.id = se.phase_id
             WHERE sp.participant_id = p.id AND se.kind = 'interview'
               AND se.status = 'done' AND ph.number = ?4))
       AND (?5 IS NULL OR p.name LIKE ?5 ESCAPE '\\' OR p.code LIKE ?5 ESCAPE '\\'
            OR p.organisation LIKE ?8 ESCAPE '\\' OR p.job_title LIKE ?8 ESCAPE '\\')";

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The search as a substring pattern (`%ada q%`), for ranking exact matches first.
fn like_pattern(s: &str) -> String {
    format!("%{}%", escape_like(s))
}

/// The search as a fuzzy pattern for names and codes: its letters in order with anything
/// between (`adq` → `%a%d%q%`), so "adq" finds "Ada Quill". Organisations and job titles
/// are matched as substrings only (long texts would match almost any letters in order).
fn fuzzy_pattern(s: &str) -> String {
    let mut p = String::from("%");
    for c in s.chars().filter(|c| !c.is_whitespace()) {
        p.push_str(&escape_like(&c.to_string()));
        p.push('%');
    }
    p
}

fn map(r: &Row<'_>) -> rusqlite::Result<Participant> {
    let phases: Option<String> = r.get(17)?;
    let mut phases_interviewed: Vec<u32> = phases
        .unwrap_or_default()
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    phases_interviewed.sort_unstable();
    Ok(Participant {
        id: r.get(0)?,
        code: r.get(1)?,
        name: r.get(2)?,
        email: r.get(3)?,
        phone: r.get(4)?,
        organisation: r.get(5)?,
        job_title: r.get(6)?,
        site: r.get(7)?,
        site_name: r.get(8)?,
        role: r.get(9)?,
        role_name: r.get(10)?,
        role_category: r.get(11)?,
        role_category_name: r.get(12)?,
        status: conv(parse_col::<Status>("participant.status", r.get(13)?))?,
        notes: r.get(14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
        phases_interviewed,
    })
}

/// One page of participants matching the filter, ordered by name then id.
pub fn list(
    c: &Connection,
    f: &ParticipantFilter,
    offset: usize,
    limit: usize,
) -> Result<Vec<Participant>> {
    // Exact (substring) matches of a search come before fuzzy ones.
    const ORDER: &str = "(?8 IS NOT NULL AND NOT (p.name LIKE ?8 ESCAPE '\\'
            OR p.code LIKE ?8 ESCAPE '\\' OR coalesce(p.organisation, '') LIKE ?8 ESCAPE '\\'
            OR coalesce(p.job_title, '') LIKE ?8 ESCAPE '\\')),
         p.name COLLATE NOCASE, p.id";
    // The page's ids first (sorting only what the filter and the order need), then its
    // rows with the phases interviewed: that subquery runs for the page's rows only, not
    // for every participant before sorting.
    let sql = format!(
        "{SELECT} WHERE p.id IN (SELECT p.id FROM participant p JOIN site s ON s.id = p.site_id
             JOIN role r ON r.id = p.role_id JOIN role_category rc ON rc.id = r.category_id
             {FILTER} ORDER BY {ORDER} LIMIT ?6 OFFSET ?7)
         ORDER BY {ORDER}"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            f.site,
            f.role_category,
            f.status.map(|s| s.as_str()),
            f.phase,
            f.search
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(fuzzy_pattern),
            limit as i64,
            offset as i64,
            f.search
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(like_pattern)
        ],
        map,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn count(c: &Connection, f: &ParticipantFilter) -> Result<usize> {
    let sql = format!(
        "SELECT count(*) FROM participant p JOIN site s ON s.id = p.site_id
         JOIN role r ON r.id = p.role_id JOIN role_category rc ON rc.id = r.category_id{FILTER}"
    );
    let n: i64 = c.prepare_cached(&sql)?.query_row(
        params![
            f.site,
            f.role_category,
            f.status.map(|s| s.as_str()),
            f.phase,
            f.search
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(fuzzy_pattern),
            0i64,
            0i64,
            f.search
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(like_pattern),
        ],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}

/// A participant with at least one completed interview, reduced to what the anonymised
/// table may use (the id only to look up consent).
#[derive(Debug, Clone)]
pub struct InterviewedRow {
    pub id: String,
    pub code: String,
    pub site: String,
    pub role_id: String,
    /// Phase numbers with a completed interview, ascending, without repeats.
    pub phases: Vec<u32>,
}

/// Every participant with a completed interview, in one pass over the completed
/// interviews (not one query per participant).
pub fn interviewed(c: &Connection) -> Result<Vec<InterviewedRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT p.id, p.code, s.code, p.role_id, group_concat(DISTINCT ph.number)
           FROM session se
           JOIN session_participant sp ON sp.session_id = se.id
           JOIN participant p ON p.id = sp.participant_id
           JOIN site s ON s.id = p.site_id
           JOIN phase ph ON ph.id = se.phase_id
          WHERE se.kind = 'interview' AND se.status = 'done'
          GROUP BY p.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let phases: String = r.get(4)?;
        let mut phases: Vec<u32> = phases
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        phases.sort_unstable();
        phases.dedup();
        Ok(InterviewedRow {
            id: r.get(0)?,
            code: r.get(1)?,
            site: r.get(2)?,
            role_id: r.get(3)?,
            phases,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every participant's name and site id (the import's duplicate check), in one read.
pub fn names_by_site(c: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached("SELECT name, site_id FROM participant")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every participant's id and export code, in one read.
pub fn codes(c: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached("SELECT id, code FROM participant")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(c: &Connection, id: &str) -> Result<Option<Participant>> {
    let sql = format!("{SELECT} WHERE p.id = ?1");
    Ok(c.prepare_cached(&sql)?.query_row([id], map).optional()?)
}

pub fn insert_event(c: &Connection, participant_id: &str, e: &StatusEvent) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO status_event (id, participant_id, from_status, to_status, date, note,
            recorded_at, recorded_by, device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT device_id FROM sync_device WHERE id = 1))",
    )?
    .execute(params![
        e.id,
        participant_id,
        e.from_status.map(|s| s.as_str()),
        e.to_status.as_str(),
        format_date(e.date),
        e.note,
        e.recorded_at,
        e.recorded_by
    ])?;
    Ok(())
}

/// Remove one status event (an undone status change: `Fieldwork::revert_status`).
pub fn delete_event(c: &Connection, id: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM status_event WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn events(c: &Connection, participant_id: &str) -> Result<Vec<StatusEvent>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, from_status, to_status, date, note, recorded_at, recorded_by
         FROM status_event WHERE participant_id = ?1 ORDER BY recorded_at, id",
    )?;
    let rows = stmt.query_map([participant_id], |r| {
        let from: Option<String> = r.get(1)?;
        Ok(StatusEvent {
            id: r.get(0)?,
            from_status: match from {
                Some(s) => Some(conv(parse_col("status_event.from_status", s))?),
                None => None,
            },
            to_status: conv(parse_col("status_event.to_status", r.get(2)?))?,
            date: conv(parse_date_col("status_event.date", r.get(3)?))?,
            note: r.get(4)?,
            recorded_at: r.get(5)?,
            recorded_by: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Counts by status, for the dashboard.
pub fn status_counts(c: &Connection) -> Result<Vec<(Status, i64)>> {
    let mut stmt = c.prepare_cached("SELECT status, count(*) FROM participant GROUP BY status")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            conv(parse_col::<Status>("participant.status", r.get(0)?))?,
            r.get(1)?,
        ))
    })?;
    let mut out: Vec<(Status, i64)> = rows.collect::<rusqlite::Result<_>>()?;
    out.sort();
    Ok(out)
}

/// Participants marked interviewed with no completed interview: (id, export code).
pub fn interviewed_without_interview(c: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT p.id, p.code FROM participant p WHERE p.status = 'interviewed'
           AND NOT EXISTS (SELECT 1 FROM session_participant sp
                 CROSS JOIN session se ON se.id = sp.session_id
                WHERE sp.participant_id = p.id AND se.kind = 'interview' AND se.status = 'done')
         ORDER BY p.code",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
