//! What inter-coder agreement reads: passage tags with their coder, the imported
//! transcripts' hashes and import history, and the coders' reveal records.

use rusqlite::{params, Connection};

use super::Result;

/// A passage tag as agreement needs it.
#[derive(Debug, Clone)]
pub struct CodedSpan {
    pub id: String,
    pub transcript_id: String,
    pub session_id: String,
    pub theme_id: String,
    pub coder: String,
    pub start: u64,
    pub end: u64,
    /// `ok`, `changed` or `lost` (after a re-import).
    pub anchor: String,
    pub created_at: String,
}

/// Passage tags of the given coders, by transcript then theme (one read, on the
/// `tag_coder` index).
pub fn coded_spans(c: &Connection, coders: &[&str]) -> Result<Vec<CodedSpan>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, transcript_id, session_id, theme_id, coder, span_start, span_end, anchor,
            created_at
         FROM tag WHERE coder = ?1 AND span_start IS NOT NULL AND transcript_id IS NOT NULL",
    )?;
    let mut out = Vec::new();
    for coder in coders {
        let rows = stmt.query_map([coder], |r| {
            Ok(CodedSpan {
                id: r.get(0)?,
                transcript_id: r.get(1)?,
                session_id: r.get(2)?,
                theme_id: r.get(3)?,
                coder: r.get(4)?,
                start: r.get::<_, i64>(5)?.max(0) as u64,
                end: r.get::<_, i64>(6)?.max(0) as u64,
                anchor: r.get(7)?,
                created_at: r.get(8)?,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    out.sort_by(|a, b| {
        (&a.transcript_id, &a.theme_id, a.start, a.end, &a.id).cmp(&(
            &b.transcript_id,
            &b.theme_id,
            b.start,
            b.end,
            &b.id,
        ))
    });
    Ok(out)
}

/// Coders of passage tags and how many each made, most first.
pub fn coders(c: &Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT coder, count(*) FROM tag WHERE span_start IS NOT NULL
         GROUP BY coder ORDER BY count(*) DESC, coder",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An imported transcript: (session id, current sha256, characters).
#[derive(Debug, Clone)]
pub struct ImportedText {
    pub transcript_id: String,
    pub session_id: String,
    pub sha256: String,
    pub chars: u64,
}

pub fn imported(c: &Connection) -> Result<Vec<ImportedText>> {
    let mut stmt = c.prepare_cached(
        "SELECT i.transcript_id, t.session_id, i.sha256, i.chars
         FROM transcript_import i JOIN transcript t ON t.id = i.transcript_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ImportedText {
            transcript_id: r.get(0)?,
            session_id: r.get(1)?,
            sha256: r.get(2)?,
            chars: r.get::<_, i64>(3)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every import of every transcript from the audit log: (transcript id, at, sha256),
/// by transcript then time. The text a tag was made on is the last import before it.
pub fn import_history(c: &Connection) -> Result<Vec<(String, String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT entity_id, at, coalesce(json_extract(after, '$.sha256'), '') FROM audit
         WHERE entity = 'transcript' AND action IN ('import', 'reimport')
         ORDER BY entity_id, at",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether `coder` has revealed the other coders' tags (blind coding).
pub fn revealed(c: &Connection, coder: &str) -> Result<bool> {
    Ok(c.query_row(
        "SELECT EXISTS (SELECT 1 FROM audit WHERE entity = 'coder' AND entity_id = ?1
            AND action = 'reveal')",
        params![coder],
        |r| r.get(0),
    )?)
}
