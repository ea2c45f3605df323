//! Sessions: interviews, observed meetings and reviewed documents.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{conv, parse_col, parse_date_col, Result};
use crate::domain::{Session, SessionFilter, SessionParticipant};

/// A session row as stored (ids, not codes).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionRow {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub date: String,
    pub phase_id: String,
    pub site_id: String,
    pub title: Option<String>,
    pub mode: Option<String>,
    pub duration_min: Option<i64>,
    pub interviewer: Option<String>,
    pub recording_status: Option<String>,
    pub transcription_status: Option<String>,
    pub meeting_type_id: Option<String>,
    pub attendees: Option<i64>,
    pub doc_type: Option<String>,
    pub consent_gap: bool,
    pub notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

pub fn insert(c: &Connection, s: &SessionRow) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO session (id, kind, status, date, phase_id, site_id, title, mode,
            duration_min, interviewer, recording_status, transcription_status,
            meeting_type_id, attendees, doc_type, consent_gap, notes, created_at, updated_at,
            device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, (SELECT device_id FROM sync_device WHERE id = 1))",
    )?
    .execute(params![
        s.id,
        s.kind,
        s.status,
        s.date,
        s.phase_id,
        s.site_id,
        s.title,
        s.mode,
        s.duration_min,
        s.interviewer,
        s.recording_status,
        s.transcription_status,
        s.meeting_type_id,
        s.attendees,
        s.doc_type,
        s.consent_gap,
        s.notes,
        s.created_at,
        s.updated_at
    ])?;
    Ok(())
}

pub fn row(c: &Connection, id: &str) -> Result<Option<SessionRow>> {
    Ok(c.query_row(
        "SELECT id, kind, status, date, phase_id, site_id, title, mode, duration_min,
            interviewer, recording_status, transcription_status, meeting_type_id, attendees,
            doc_type, consent_gap, notes, created_at, updated_at
         FROM session WHERE id = ?1",
        [id],
        |r| {
            Ok(SessionRow {
                id: r.get(0)?,
                kind: r.get(1)?,
                status: r.get(2)?,
                date: r.get(3)?,
                phase_id: r.get(4)?,
                site_id: r.get(5)?,
                title: r.get(6)?,
                mode: r.get(7)?,
                duration_min: r.get(8)?,
                interviewer: r.get(9)?,
                recording_status: r.get(10)?,
                transcription_status: r.get(11)?,
                meeting_type_id: r.get(12)?,
                attendees: r.get(13)?,
                doc_type: r.get(14)?,
                consent_gap: r.get(15)?,
                notes: r.get(16)?,
                created_at: r.get(17)?,
                updated_at: r.get(18)?,
            })
        },
    )
    .optional()?)
}

pub fn add_participant(c: &Connection, session_id: &str, participant_id: &str) -> Result<()> {
    c.prepare_cached(
        "INSERT OR IGNORE INTO session_participant (session_id, participant_id) VALUES (?1, ?2)",
    )?
    .execute(params![session_id, participant_id])?;
    Ok(())
}

/// Resolve a user's reference to a session: full id or a unique prefix (6+ characters).
pub fn resolve(c: &Connection, key: &str) -> Result<Vec<String>> {
    let (lo, hi) = super::id_prefix_bounds(key);
    let mut stmt = c.prepare_cached(
        "SELECT id FROM session WHERE id = ?1
         UNION SELECT id FROM session WHERE id >= ?2 AND id < ?3 LIMIT 10",
    )?;
    let rows = stmt.query_map(params![key.trim().to_ascii_lowercase(), lo, hi], |r| {
        r.get(0)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const SELECT: &str = "SELECT se.id, se.kind, se.status, se.date, ph.number, si.code, se.title,
        se.mode, se.duration_min, se.interviewer, se.recording_status,
        se.transcription_status, mt.code, mt.name, se.attendees, se.doc_type, se.consent_gap,
        se.notes, se.created_at,
        (SELECT group_concat(p.id || char(31) || p.code || char(31) || p.name, char(30))
           FROM session_participant sp JOIN participant p ON p.id = sp.participant_id
          WHERE sp.session_id = se.id)
     FROM session se
     JOIN phase ph ON ph.id = se.phase_id
     JOIN site si ON si.id = se.site_id
     LEFT JOIN meeting_type mt ON mt.id = se.meeting_type_id";

const FILTER: &str = " WHERE (?1 IS NULL OR se.kind = ?1)
       AND (?2 IS NULL OR ph.number = ?2)
       AND (?3 IS NULL OR si.code = ?3)
       AND (?4 IS NULL OR se.status = ?4)
       AND (?5 IS NULL OR EXISTS (SELECT 1 FROM session_participant sp
             WHERE sp.session_id = se.id AND sp.participant_id = ?5))";

fn map(r: &Row<'_>) -> rusqlite::Result<Session> {
    let people: Option<String> = r.get(19)?;
    let mut participants: Vec<SessionParticipant> = people
        .unwrap_or_default()
        .split('\u{1e}')
        .filter(|s| !s.is_empty())
        .filter_map(|s| {
            let mut it = s.split('\u{1f}');
            Some(SessionParticipant {
                id: it.next()?.to_string(),
                code: it.next()?.to_string(),
                name: it.next()?.to_string(),
            })
        })
        .collect();
    participants.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(Session {
        id: r.get(0)?,
        kind: conv(parse_col("session.kind", r.get(1)?))?,
        status: conv(parse_col("session.status", r.get(2)?))?,
        date: conv(parse_date_col("session.date", r.get(3)?))?,
        phase: r.get(4)?,
        site: r.get(5)?,
        title: r.get(6)?,
        mode: r.get(7)?,
        duration_min: r.get(8)?,
        interviewer: r.get(9)?,
        recording_status: r.get(10)?,
        transcription_status: r.get(11)?,
        meeting_type: r.get(12)?,
        meeting_type_name: r.get(13)?,
        attendees: r.get(14)?,
        doc_type: r.get(15)?,
        consent_gap: r.get(16)?,
        notes: r.get(17)?,
        created_at: r.get(18)?,
        participants,
        transcript: None,
    })
}

fn filter_params(f: &SessionFilter) -> [Option<String>; 5] {
    [
        f.kind.map(|k| k.as_str().to_string()),
        f.phase.map(|p| p.to_string()),
        f.site.clone(),
        f.status.map(|s| s.as_str().to_string()),
        f.participant.clone(),
    ]
}

/// A page of sessions in date order (oldest first), or newest first with `newest_first`.
pub fn list(
    c: &Connection,
    f: &SessionFilter,
    newest_first: bool,
    offset: usize,
    limit: usize,
) -> Result<Vec<Session>> {
    let order = if newest_first { "DESC" } else { "ASC" };
    let sql =
        format!("{SELECT}{FILTER} ORDER BY se.date {order}, se.id {order} LIMIT ?6 OFFSET ?7");
    let [a, b, cc, d, e] = filter_params(f);
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![a, b, cc, d, e, limit as i64, offset as i64], map)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn count(c: &Connection, f: &SessionFilter) -> Result<usize> {
    let sql = format!(
        "SELECT count(*) FROM session se JOIN phase ph ON ph.id = se.phase_id
         JOIN site si ON si.id = se.site_id{FILTER}"
    );
    let [a, b, cc, d, e] = filter_params(f);
    let n: i64 = c
        .prepare_cached(&sql)?
        .query_row(params![a, b, cc, d, e], |r| r.get(0))?;
    Ok(n as usize)
}

pub fn get(c: &Connection, id: &str) -> Result<Option<Session>> {
    let sql = format!("{SELECT} WHERE se.id = ?1");
    Ok(c.prepare_cached(&sql)?.query_row([id], map).optional()?)
}

/// Completed interviews as (phase number, site code, count).
pub fn interview_counts(c: &Connection) -> Result<Vec<(u32, String, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT ph.number, si.code, count(*) FROM session se
         JOIN phase ph ON ph.id = se.phase_id JOIN site si ON si.id = se.site_id
         WHERE se.kind = 'interview' AND se.status = 'done'
         GROUP BY ph.number, si.code",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Participants interviewed (completed) as (phase number, role category code, count of
/// distinct participants).
pub fn interviewed_by_category(c: &Connection) -> Result<Vec<(u32, String, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT ph.number, rc.code, count(DISTINCT p.id) FROM session se
         JOIN phase ph ON ph.id = se.phase_id
         JOIN session_participant sp ON sp.session_id = se.id
         JOIN participant p ON p.id = sp.participant_id
         JOIN role r ON r.id = p.role_id JOIN role_category rc ON rc.id = r.category_id
         WHERE se.kind = 'interview' AND se.status = 'done'
         GROUP BY ph.number, rc.code",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Observed meetings as (phase number, meeting type code, count).
pub fn observation_counts(c: &Connection) -> Result<Vec<(u32, String, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT ph.number, mt.code, count(*) FROM session se
         JOIN phase ph ON ph.id = se.phase_id JOIN meeting_type mt ON mt.id = se.meeting_type_id
         WHERE se.kind = 'observation' AND se.status = 'done'
         GROUP BY ph.number, mt.code",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Completed interviews in date order as (date, phase number), for progress over time.
pub fn interview_dates(c: &Connection) -> Result<Vec<(String, u32)>> {
    let mut stmt = c.prepare_cached(
        "SELECT se.date, ph.number FROM session se JOIN phase ph ON ph.id = se.phase_id
         WHERE se.kind = 'interview' AND se.status = 'done' ORDER BY se.date",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A participant seen in one phase and not (yet) in a later one.
#[derive(Debug, Clone)]
pub struct NotSeenRow {
    pub id: String,
    pub code: String,
    pub site: String,
    pub role_category: String,
    pub status: String,
}

/// Participants with a completed interview in phase `base` and none in `later`.
pub fn not_seen_at(c: &Connection, base: u32, later: u32) -> Result<Vec<NotSeenRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT p.id, p.code, s.code, rc.code, p.status FROM participant p
         JOIN site s ON s.id = p.site_id JOIN role r ON r.id = p.role_id
         JOIN role_category rc ON rc.id = r.category_id
         WHERE EXISTS (SELECT 1 FROM session_participant sp CROSS JOIN session se ON se.id = sp.session_id
                 JOIN phase ph ON ph.id = se.phase_id
                WHERE sp.participant_id = p.id AND se.kind = 'interview' AND se.status = 'done'
                  AND ph.number = ?1)
           AND NOT EXISTS (SELECT 1 FROM session_participant sp CROSS JOIN session se ON se.id = sp.session_id
                 JOIN phase ph ON ph.id = se.phase_id
                WHERE sp.participant_id = p.id AND se.kind = 'interview' AND se.status = 'done'
                  AND ph.number = ?2)
         ORDER BY s.sort, p.code",
    )?;
    let rows = stmt.query_map(params![base, later], |r| {
        Ok(NotSeenRow {
            id: r.get(0)?,
            code: r.get(1)?,
            site: r.get(2)?,
            role_category: r.get(3)?,
            status: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A participant of a completed interview.
#[derive(Debug, Clone)]
pub struct InterviewParticipant {
    pub session_id: String,
    pub date: String,
    pub recording_status: Option<String>,
    pub participant_id: String,
    pub code: String,
}

/// Every completed interview with each of its participants, in date order.
pub fn done_interview_participants(c: &Connection) -> Result<Vec<InterviewParticipant>> {
    let mut stmt = c.prepare_cached(
        "SELECT se.id, se.date, se.recording_status, p.id, p.code FROM session se
         JOIN session_participant sp ON sp.session_id = se.id
         JOIN participant p ON p.id = sp.participant_id
         WHERE se.kind = 'interview' AND se.status = 'done' ORDER BY se.date, se.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(InterviewParticipant {
            session_id: r.get(0)?,
            date: r.get(1)?,
            recording_status: r.get(2)?,
            participant_id: r.get(3)?,
            code: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Completed interviews with no transcript linked: (id, date, site code).
pub fn done_interviews_without_transcript(c: &Connection) -> Result<Vec<(String, String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT se.id, se.date, si.code FROM session se JOIN site si ON si.id = se.site_id
         WHERE se.kind = 'interview' AND se.status = 'done'
           AND coalesce(se.transcription_status, '') <> 'not-needed'
           AND NOT EXISTS (SELECT 1 FROM transcript t WHERE t.session_id = se.id)
         ORDER BY se.date, se.id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
