//! Transcript text (speaker turns), full-text search, passages and matrix summaries.

use rusqlite::{params, Connection, OptionalExtension};

use super::Result;

#[derive(Debug, Clone, serde::Serialize)]
pub struct TurnRow {
    pub id: String,
    pub transcript_id: String,
    pub seq: i64,
    pub speaker: Option<String>,
    pub start_char: i64,
    pub end_char: i64,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub text: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportRow {
    pub transcript_id: String,
    pub sha256: String,
    pub encoding: String,
    pub format: String,
    pub chars: i64,
    pub words: i64,
    pub warnings: Option<String>,
    pub imported_at: String,
    pub imported_by: String,
}

/// Delete a transcript's turns and their entries in the search indexes (exact and
/// stemmed).
pub fn delete_turns(c: &Connection, transcript_id: &str) -> Result<usize> {
    c.prepare_cached(
        "INSERT INTO turn_fts (turn_fts, rowid, text)
         SELECT 'delete', n, text FROM turn WHERE transcript_id = ?1",
    )?
    .execute([transcript_id])?;
    c.prepare_cached(
        "INSERT INTO turn_stem (turn_stem, rowid, text)
         SELECT 'delete', n, text FROM turn WHERE transcript_id = ?1",
    )?
    .execute([transcript_id])?;
    Ok(c.execute("DELETE FROM turn WHERE transcript_id = ?1", [transcript_id])?)
}

pub fn next_turn_n(c: &Connection) -> Result<i64> {
    Ok(c.query_row("SELECT coalesce(max(n), 0) + 1 FROM turn", [], |r| r.get(0))?)
}

/// Insert a turn and index it for search (exact and stemmed).
pub fn insert_turn(c: &Connection, n: i64, t: &TurnRow) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO turn (id, n, transcript_id, seq, speaker, start_char, end_char, start_ms,
            end_ms, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        t.id,
        n,
        t.transcript_id,
        t.seq,
        t.speaker,
        t.start_char,
        t.end_char,
        t.start_ms,
        t.end_ms,
        t.text
    ])?;
    c.prepare_cached("INSERT INTO turn_fts (rowid, text) VALUES (?1, ?2)")?
        .execute(params![n, t.text])?;
    c.prepare_cached("INSERT INTO turn_stem (rowid, text) VALUES (?1, ?2)")?
        .execute(params![n, t.text])?;
    Ok(())
}

pub fn turns(c: &Connection, transcript_id: &str) -> Result<Vec<TurnRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, transcript_id, seq, speaker, start_char, end_char, start_ms, end_ms, text
         FROM turn WHERE transcript_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([transcript_id], |r| {
        Ok(TurnRow {
            id: r.get(0)?,
            transcript_id: r.get(1)?,
            seq: r.get(2)?,
            speaker: r.get(3)?,
            start_char: r.get(4)?,
            end_char: r.get(5)?,
            start_ms: r.get(6)?,
            end_ms: r.get(7)?,
            text: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn upsert_import(c: &Connection, i: &ImportRow) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO transcript_import (transcript_id, sha256, encoding, format, chars, words,
            warnings, imported_at, imported_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(transcript_id) DO UPDATE SET sha256 = excluded.sha256,
            encoding = excluded.encoding, format = excluded.format, chars = excluded.chars,
            words = excluded.words, warnings = excluded.warnings,
            imported_at = excluded.imported_at, imported_by = excluded.imported_by",
    )?
    .execute(params![
        i.transcript_id,
        i.sha256,
        i.encoding,
        i.format,
        i.chars,
        i.words,
        i.warnings,
        i.imported_at,
        i.imported_by
    ])?;
    Ok(())
}

/// Passage tags on a transcript.
pub fn passage_count(c: &Connection, transcript_id: &str) -> Result<i64> {
    Ok(
        c.prepare_cached("SELECT count(*) FROM tag WHERE transcript_id = ?1")?
            .query_row([transcript_id], |r| r.get(0))?,
    )
}

pub fn import_row(c: &Connection, transcript_id: &str) -> Result<Option<ImportRow>> {
    Ok(c.query_row(
        "SELECT transcript_id, sha256, encoding, format, chars, words, warnings, imported_at,
            imported_by FROM transcript_import WHERE transcript_id = ?1",
        [transcript_id],
        |r| {
            Ok(ImportRow {
                transcript_id: r.get(0)?,
                sha256: r.get(1)?,
                encoding: r.get(2)?,
                format: r.get(3)?,
                chars: r.get(4)?,
                words: r.get(5)?,
                warnings: r.get(6)?,
                imported_at: r.get(7)?,
                imported_by: r.get(8)?,
            })
        },
    )
    .optional()?)
}

pub fn total_words(c: &Connection) -> Result<(i64, i64)> {
    Ok(c.query_row(
        "SELECT count(*), coalesce(sum(words), 0) FROM transcript_import",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// A passage tag with its anchor.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PassageRow {
    pub id: String,
    pub theme_id: String,
    pub theme: String,
    pub colour: Option<String>,
    pub session_id: String,
    pub transcript_id: String,
    pub span_start: i64,
    pub span_end: i64,
    pub quote: String,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    pub anchor: String,
    pub memo: Option<String>,
    pub created_at: String,
    pub created_by: String,
    /// Whose coding this is.
    pub coder: String,
}

const PASSAGE_SELECT: &str = "SELECT g.id, g.theme_id, t.name, t.colour, g.session_id,
    g.transcript_id, g.span_start, g.span_end, coalesce(g.quote, ''), g.prefix, g.suffix,
    g.anchor, g.memo, g.created_at, g.created_by, g.coder
    FROM tag g JOIN theme t ON t.id = g.theme_id";

fn map_passage(r: &rusqlite::Row<'_>) -> rusqlite::Result<PassageRow> {
    Ok(PassageRow {
        id: r.get(0)?,
        theme_id: r.get(1)?,
        theme: r.get(2)?,
        colour: r.get(3)?,
        session_id: r.get(4)?,
        transcript_id: r.get(5)?,
        span_start: r.get(6)?,
        span_end: r.get(7)?,
        quote: r.get(8)?,
        prefix: r.get(9)?,
        suffix: r.get(10)?,
        anchor: r.get(11)?,
        memo: r.get(12)?,
        created_at: r.get(13)?,
        created_by: r.get(14)?,
        coder: r.get(15)?,
    })
}

/// Passages of a transcript in text order.
pub fn passages(c: &Connection, transcript_id: &str) -> Result<Vec<PassageRow>> {
    let sql = format!(
        "{PASSAGE_SELECT} WHERE g.transcript_id = ?1 AND g.span_start IS NOT NULL
         ORDER BY g.span_start, g.span_end, g.id"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([transcript_id], map_passage)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every passage of a theme (or all themes), in interview date order.
pub fn passages_of_theme(c: &Connection, theme_id: Option<&str>) -> Result<Vec<PassageRow>> {
    let sql = format!(
        "{PASSAGE_SELECT} JOIN session se ON se.id = g.session_id
         WHERE g.span_start IS NOT NULL AND (?1 IS NULL OR g.theme_id = ?1)
         ORDER BY se.date, g.session_id, g.span_start, g.id"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([theme_id], map_passage)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_anchor(
    c: &Connection,
    id: &str,
    start: i64,
    end: i64,
    anchor: &str,
    prefix: Option<&str>,
    suffix: Option<&str>,
) -> Result<()> {
    c.prepare_cached(
        "UPDATE tag SET span_start = ?2, span_end = ?3, anchor = ?4, prefix = ?5, suffix = ?6
         WHERE id = ?1",
    )?
    .execute(params![id, start, end, anchor, prefix, suffix])?;
    Ok(())
}

pub fn set_context(c: &Connection, id: &str, prefix: &str, suffix: &str) -> Result<()> {
    c.prepare_cached("UPDATE tag SET prefix = ?2, suffix = ?3 WHERE id = ?1")?
        .execute(params![id, prefix, suffix])?;
    Ok(())
}

/// Move some tags to another theme (splitting a theme).
pub fn retheme_tags(c: &Connection, ids: &[String], theme_id: &str) -> Result<usize> {
    let mut n = 0;
    let mut stmt = c.prepare_cached("UPDATE tag SET theme_id = ?2 WHERE id = ?1")?;
    for id in ids {
        n += stmt.execute(params![id, theme_id])?;
    }
    Ok(n)
}

/// A search hit in a transcript turn or a note/memo.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// `transcript`, `note` or `memo`.
    pub kind: String,
    pub session_id: String,
    pub session_kind: String,
    pub transcript_id: Option<String>,
    pub turn_seq: Option<i64>,
    pub speaker: Option<String>,
    /// Character offset of the turn in the transcript (for a memo on a passage: of the
    /// passage).
    pub char_start: Option<i64>,
    /// The matching text with hits between U+E000 and U+E001.
    pub snippet: String,
    pub rank: f64,
    pub site: String,
    pub phase: u32,
    pub date: String,
}

#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub site: Option<String>,
    pub phase: Option<u32>,
    pub role_category: Option<String>,
    pub theme_id: Option<String>,
    /// Match words exactly as written (the unstemmed indexes); by default any form of a
    /// word matches (`integrate` finds `integrated`).
    pub exact: bool,
}

impl SearchFilter {
    /// The turn and note indexes this filter searches: (turns, notes).
    fn indexes(&self) -> (&'static str, &'static str) {
        if self.exact {
            ("turn_fts", "note_fts")
        } else {
            ("turn_stem", "note_stem")
        }
    }
}

const SESSION_FILTER: &str = "(?2 IS NULL OR si.code = ?2) AND (?3 IS NULL OR ph.number = ?3)
    AND (?4 IS NULL OR EXISTS (SELECT 1 FROM session_participant sp
        JOIN participant p ON p.id = sp.participant_id JOIN role r ON r.id = p.role_id
        JOIN role_category rc ON rc.id = r.category_id
        WHERE sp.session_id = se.id AND rc.code = ?4))";

/// Turns matching `query`, best first; with `ranked` false, the first `limit` matches in
/// text order (their rank still computed): for a common term this stops after `limit`
/// rows instead of ranking every match.
pub fn search_turns(
    c: &Connection,
    query: &str,
    f: &SearchFilter,
    limit: usize,
    ranked: bool,
) -> Result<Vec<Hit>> {
    let (fts, _) = f.indexes();
    let order = if ranked {
        format!("ORDER BY {fts}.rank")
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT tr.session_id, se.kind, t.transcript_id, t.seq, t.speaker, t.start_char,
            snippet({fts}, 0, char(57344), char(57345), '…', 16), {fts}.rank, si.code,
            ph.number, se.date
         FROM {fts} JOIN turn t ON t.n = {fts}.rowid
         JOIN transcript tr ON tr.id = t.transcript_id
         JOIN session se ON se.id = tr.session_id
         JOIN site si ON si.id = se.site_id JOIN phase ph ON ph.id = se.phase_id
         WHERE {fts} MATCH ?1 AND {SESSION_FILTER}
           AND (?5 IS NULL OR EXISTS (SELECT 1 FROM tag g WHERE g.theme_id = ?5
                AND g.session_id = se.id AND (g.span_start IS NULL
                    OR (g.transcript_id = t.transcript_id AND g.span_start < t.end_char
                        AND g.span_end > t.start_char))))
         {order} LIMIT ?6"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            query,
            f.site,
            f.phase,
            f.role_category,
            f.theme_id,
            limit as i64
        ],
        |r| {
            Ok(Hit {
                kind: "transcript".into(),
                session_id: r.get(0)?,
                session_kind: r.get(1)?,
                transcript_id: r.get(2)?,
                turn_seq: r.get(3)?,
                speaker: r.get(4)?,
                char_start: r.get(5)?,
                snippet: r.get(6)?,
                rank: r.get(7)?,
                site: r.get(8)?,
                phase: r.get(9)?,
                date: r.get(10)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn search_notes(
    c: &Connection,
    query: &str,
    f: &SearchFilter,
    limit: usize,
) -> Result<Vec<Hit>> {
    let (_, fts) = f.indexes();
    let sql = format!(
        "SELECT {fts}.session_id, se.kind, {fts}.kind,
            snippet({fts}, 0, char(57344), char(57345), '…', 16), {fts}.rank, si.code,
            ph.number, se.date, mg.transcript_id, mg.span_start
         FROM {fts} JOIN session se ON se.id = {fts}.session_id
         JOIN site si ON si.id = se.site_id JOIN phase ph ON ph.id = se.phase_id
         LEFT JOIN tag mg ON {fts}.kind = 'memo' AND mg.id = {fts}.ref_id
         WHERE {fts} MATCH ?1 AND {SESSION_FILTER}
           AND (?5 IS NULL OR EXISTS (SELECT 1 FROM tag g WHERE g.theme_id = ?5
                AND g.session_id = se.id))
         ORDER BY {fts}.rank LIMIT ?6"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            query,
            f.site,
            f.phase,
            f.role_category,
            f.theme_id,
            limit as i64
        ],
        |r| {
            Ok(Hit {
                session_id: r.get(0)?,
                session_kind: r.get(1)?,
                kind: r.get(2)?,
                // A memo on a passage: where the passage starts.
                transcript_id: r.get(8)?,
                turn_seq: None,
                speaker: None,
                char_start: r.get(9)?,
                snippet: r.get(3)?,
                rank: r.get(4)?,
                site: r.get(5)?,
                phase: r.get(6)?,
                date: r.get(7)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Passage counts per participant × theme × phase (for the framework matrix), of every
/// coder or of one (blind coding).
pub fn matrix_counts(
    c: &Connection,
    coder: Option<&str>,
) -> Result<Vec<(String, String, u32, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT sp.participant_id, g.theme_id, ph.number, count(*) FROM tag g
         JOIN session se ON se.id = g.session_id JOIN phase ph ON ph.id = se.phase_id
         JOIN session_participant sp ON sp.session_id = se.id
         WHERE g.span_start IS NOT NULL AND (?1 IS NULL OR g.coder = ?1)
         GROUP BY sp.participant_id, g.theme_id, ph.number",
    )?;
    let rows = stmt.query_map([coder], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Summaries: (participant id, theme id, phase number, summary, updated_at, updated_by).
pub fn matrix_summaries(c: &Connection) -> Result<Vec<(String, String, u32, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT m.participant_id, m.theme_id, ph.number, m.summary FROM matrix_summary m
         JOIN phase ph ON ph.id = m.phase_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn matrix_summary(
    c: &Connection,
    participant_id: &str,
    theme_id: &str,
    phase_id: &str,
) -> Result<Option<String>> {
    Ok(c.query_row(
        "SELECT summary FROM matrix_summary WHERE participant_id = ?1 AND theme_id = ?2
         AND phase_id = ?3",
        params![participant_id, theme_id, phase_id],
        |r| r.get(0),
    )
    .optional()?)
}

pub fn set_matrix_summary(
    c: &Connection,
    participant_id: &str,
    theme_id: &str,
    phase_id: &str,
    summary: Option<&str>,
    at: &str,
    by: &str,
) -> Result<()> {
    match summary {
        Some(s) => c.execute(
            "INSERT INTO matrix_summary (participant_id, theme_id, phase_id, summary, updated_at,
                updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(participant_id, theme_id, phase_id) DO UPDATE SET
                summary = excluded.summary, updated_at = excluded.updated_at,
                updated_by = excluded.updated_by",
            params![participant_id, theme_id, phase_id, s, at, by],
        )?,
        None => c.execute(
            "DELETE FROM matrix_summary WHERE participant_id = ?1 AND theme_id = ?2
             AND phase_id = ?3",
            params![participant_id, theme_id, phase_id],
        )?,
    };
    Ok(())
}

/// Themes carried by each completed interview (passages or session tags), in interview
/// order: (session id, date, theme id).
pub fn themes_by_interview(c: &Connection) -> Result<Vec<(String, String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT se.id, se.date, g.theme_id FROM session se JOIN tag g ON g.session_id = se.id
         WHERE se.kind = 'interview' AND se.status = 'done'
         GROUP BY se.id, g.theme_id ORDER BY se.date, se.created_at, se.id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Completed interviews in order: (session id, date).
pub fn interviews_in_order(c: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, date FROM session WHERE kind = 'interview' AND status = 'done'
         ORDER BY date, created_at, id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Passage tags per theme × site × phase: (theme id, site code, phase number, count).
pub fn frequency(c: &Connection) -> Result<Vec<(String, String, u32, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT g.theme_id, si.code, ph.number, count(*) FROM tag g
         JOIN session se ON se.id = g.session_id JOIN site si ON si.id = se.site_id
         JOIN phase ph ON ph.id = se.phase_id
         GROUP BY g.theme_id, si.code, ph.number",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Pairs of themes on overlapping passages: (theme a, theme b, count), a < b.
pub fn passage_cooccurrence(c: &Connection) -> Result<Vec<(String, String, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT a.theme_id, b.theme_id, count(*) FROM tag a JOIN tag b
           ON a.transcript_id = b.transcript_id AND a.theme_id < b.theme_id
          AND a.span_start < b.span_end AND b.span_start < a.span_end
         WHERE a.span_start IS NOT NULL AND b.span_start IS NOT NULL
         GROUP BY a.theme_id, b.theme_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Pairs of themes on the same session: (theme a, theme b, sessions), a < b.
pub fn session_cooccurrence(c: &Connection) -> Result<Vec<(String, String, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT a.theme_id, b.theme_id, count(DISTINCT a.session_id) FROM tag a JOIN tag b
           ON a.session_id = b.session_id AND a.theme_id < b.theme_id
         GROUP BY a.theme_id, b.theme_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
