//! The register of identifiers, the allow-list and the anonymisation log.

use rusqlite::{params, Connection, OptionalExtension};

use super::Result;

#[derive(Debug, Clone, serde::Serialize)]
pub struct IdentifierRow {
    pub id: String,
    pub kind: String,
    pub label: String,
    pub source: String,
    pub source_key: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub variants: Vec<String>,
}

pub fn insert_identifier(c: &Connection, r: &IdentifierRow) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO identifier (id, kind, label, source, source_key, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        r.id,
        r.kind,
        r.label,
        r.source,
        r.source_key,
        r.created_at,
        r.created_by
    ])?;
    Ok(())
}

/// Add a variant unless the identifier has it already (by normalised text). Returns
/// whether it was added.
pub fn add_variant(
    c: &Connection,
    id: &str,
    identifier_id: &str,
    text: &str,
    norm: &str,
    at: &str,
    by: &str,
) -> Result<bool> {
    Ok(c.prepare_cached(
        "INSERT OR IGNORE INTO identifier_variant (id, identifier_id, text, norm, added_at, added_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![id, identifier_id, text, norm, at, by])?
        > 0)
}

pub fn by_source(c: &Connection, source: &str, key: &str) -> Result<Option<String>> {
    Ok(c.query_row(
        "SELECT id FROM identifier WHERE source = ?1 AND source_key = ?2",
        params![source, key],
        |r| r.get(0),
    )
    .optional()?)
}

pub fn label_exists(c: &Connection, label: &str) -> Result<bool> {
    Ok(
        c.query_row("SELECT 1 FROM identifier WHERE label = ?1", [label], |_| {
            Ok(())
        })
        .optional()?
        .is_some(),
    )
}

pub fn count_source(c: &Connection, source: &str) -> Result<i64> {
    Ok(c.query_row(
        "SELECT count(*) FROM identifier WHERE source = ?1",
        [source],
        |r| r.get(0),
    )?)
}

/// The whole register with variants, by label.
pub fn identifiers(c: &Connection) -> Result<Vec<IdentifierRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT i.id, i.kind, i.label, i.source, i.source_key, i.created_at, i.created_by,
            (SELECT group_concat(v.text, char(30)) FROM identifier_variant v
              WHERE v.identifier_id = i.id)
         FROM identifier i ORDER BY i.kind, i.label",
    )?;
    let rows = stmt.query_map([], |r| {
        let vs: Option<String> = r.get(7)?;
        let mut variants: Vec<String> = vs
            .unwrap_or_default()
            .split('\u{1e}')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        variants.sort();
        Ok(IdentifierRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            label: r.get(2)?,
            source: r.get(3)?,
            source_key: r.get(4)?,
            created_at: r.get(5)?,
            created_by: r.get(6)?,
            variants,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Allow a text everywhere. Returns whether it is new.
pub fn allow(c: &Connection, norm: &str, text: &str, at: &str, by: &str) -> Result<bool> {
    Ok(c.execute(
        "INSERT OR IGNORE INTO allow_word (norm, text, added_at, added_by) VALUES (?1, ?2, ?3, ?4)",
        params![norm, text, at, by],
    )? > 0)
}

pub fn allowed(c: &Connection) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached("SELECT norm FROM allow_word")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Allow a whole class of suspects (`common-words`, `places`). Returns whether it is new.
pub fn allow_class(c: &Connection, class: &str, at: &str, by: &str) -> Result<bool> {
    Ok(c.execute(
        "INSERT OR IGNORE INTO allow_class (class, added_at, added_by) VALUES (?1, ?2, ?3)",
        params![class, at, by],
    )? > 0)
}

/// A name part that is also a word, accepted by a reviewer as a name wherever it stands.
/// Returns whether it is new.
pub fn add_name_word(c: &Connection, norm: &str, at: &str, by: &str) -> Result<bool> {
    Ok(c.execute(
        "INSERT OR IGNORE INTO name_word (norm, added_at, added_by) VALUES (?1, ?2, ?3)",
        params![norm, at, by],
    )? > 0)
}

/// One identifier: (kind, label), if it is in the register.
pub fn identifier(c: &Connection, id: &str) -> Result<Option<(String, String)>> {
    Ok(c.query_row(
        "SELECT kind, label FROM identifier WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

/// An identifier's variants: (id, norm), by id.
pub fn variant_rows(c: &Connection, identifier_id: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, norm FROM identifier_variant WHERE identifier_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([identifier_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The texts a redaction run replaced with an identifier (its log entries' originals).
pub fn logged_originals(c: &Connection, identifier_id: &str) -> Result<Vec<String>> {
    let mut stmt =
        c.prepare_cached("SELECT original FROM redaction_log WHERE identifier_id = ?1")?;
    let rows = stmt.query_map([identifier_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether a variant of another identifier than `except` has this normalised text.
pub fn variant_norm_elsewhere(c: &Connection, norm: &str, except: &str) -> Result<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM identifier_variant WHERE norm = ?1 AND identifier_id <> ?2 LIMIT 1",
        [norm, except],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

pub fn delete_variant(c: &Connection, id: &str) -> Result<usize> {
    Ok(c.execute("DELETE FROM identifier_variant WHERE id = ?1", [id])?)
}

pub fn delete_identifier(c: &Connection, id: &str) -> Result<usize> {
    Ok(c.execute("DELETE FROM identifier WHERE id = ?1", [id])?)
}

pub fn delete_name_word(c: &Connection, norm: &str) -> Result<usize> {
    Ok(c.execute("DELETE FROM name_word WHERE norm = ?1", [norm])?)
}

/// The allowed text of a normalised word, if it is allowed.
pub fn allowed_text(c: &Connection, norm: &str) -> Result<Option<String>> {
    Ok(
        c.query_row("SELECT text FROM allow_word WHERE norm = ?1", [norm], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

pub fn delete_allowed(c: &Connection, norm: &str) -> Result<usize> {
    Ok(c.execute("DELETE FROM allow_word WHERE norm = ?1", [norm])?)
}

pub fn delete_class(c: &Connection, class: &str) -> Result<usize> {
    Ok(c.execute("DELETE FROM allow_class WHERE class = ?1", [class])?)
}

/// Every participant's direct identifiers (name, email, phone, organisation, job title),
/// for the exports' last guard: one plain read of the table, in no particular order.
#[allow(clippy::type_complexity)] // the five columns as they are
pub fn participant_identifiers(
    c: &Connection,
) -> Result<
    Vec<(
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    )>,
> {
    let mut stmt =
        c.prepare_cached("SELECT name, email, phone, organisation, job_title FROM participant")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn name_words(c: &Connection) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached("SELECT norm FROM name_word")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn allowed_classes(c: &Connection) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached("SELECT class FROM allow_class ORDER BY class")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A free-text field that an export can carry, with where it is.
#[derive(Debug, Clone)]
pub struct FreeText {
    /// `memo`, `matrix summary`, `theme name`, `theme description`, `framework description`.
    pub field: &'static str,
    /// A stable key of the record (tag id, theme id, participant/theme/phase).
    pub key: String,
    /// The interview it belongs to, if any.
    pub session_id: Option<String>,
    pub text: String,
}

/// Every free-text field an export writes besides transcripts: passage memos (REFI-QDA
/// notes), framework-matrix summaries, theme names and descriptions, framework
/// descriptions (codebook and project).
pub fn free_texts(c: &Connection) -> Result<Vec<FreeText>> {
    let mut out = Vec::new();
    let mut stmt = c.prepare_cached(
        "SELECT id, session_id, memo FROM tag WHERE memo IS NOT NULL AND trim(memo) <> ''
         ORDER BY created_at, id",
    )?;
    for r in stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })? {
        let (id, sid, memo) = r?;
        out.push(FreeText {
            field: "memo",
            key: id,
            session_id: Some(sid),
            text: memo,
        });
    }
    let mut stmt = c.prepare_cached(
        "SELECT p.code, t.name, ph.number, m.summary FROM matrix_summary m
           JOIN participant p ON p.id = m.participant_id
           JOIN theme t ON t.id = m.theme_id
           JOIN phase ph ON ph.id = m.phase_id
         WHERE trim(m.summary) <> '' ORDER BY p.code, t.name, ph.number",
    )?;
    for r in stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
        ))
    })? {
        let (code, theme, phase, text) = r?;
        out.push(FreeText {
            field: "matrix summary",
            key: format!("{code} × {theme} × phase {phase}"),
            session_id: None,
            text,
        });
    }
    let mut stmt = c.prepare_cached(
        "SELECT id, name, coalesce(description, '') FROM theme WHERE status = 'active'
         ORDER BY sort, id",
    )?;
    for r in stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })? {
        let (id, name, desc) = r?;
        out.push(FreeText {
            field: "theme name",
            key: id.clone(),
            session_id: None,
            text: name,
        });
        if !desc.trim().is_empty() {
            out.push(FreeText {
                field: "theme description",
                key: id,
                session_id: None,
                text: desc,
            });
        }
    }
    let mut stmt = c.prepare_cached(
        "SELECT id, name, coalesce(description, '') FROM framework ORDER BY sort, id",
    )?;
    for r in stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })? {
        let (id, name, desc) = r?;
        out.push(FreeText {
            field: "framework name",
            key: id.clone(),
            session_id: None,
            text: name,
        });
        if !desc.trim().is_empty() {
            out.push(FreeText {
                field: "framework description",
                key: id,
                session_id: None,
                text: desc,
            });
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LogRow {
    pub id: String,
    pub run_id: String,
    pub transcript_id: String,
    pub start_char: i64,
    pub end_char: i64,
    pub original: String,
    pub replacement: String,
    pub identifier_id: Option<String>,
    pub method: String,
    pub reviewer: Option<String>,
    pub at: String,
}

pub fn insert_log(c: &Connection, l: &LogRow) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO redaction_log (id, run_id, transcript_id, start_char, end_char, original,
            replacement, identifier_id, method, reviewer, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        l.id,
        l.run_id,
        l.transcript_id,
        l.start_char,
        l.end_char,
        l.original,
        l.replacement,
        l.identifier_id,
        l.method,
        l.reviewer,
        l.at
    ])?;
    Ok(())
}

pub fn log(c: &Connection, limit: usize) -> Result<Vec<LogRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, run_id, transcript_id, start_char, end_char, original, replacement,
            identifier_id, method, reviewer, at FROM redaction_log ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok(LogRow {
            id: r.get(0)?,
            run_id: r.get(1)?,
            transcript_id: r.get(2)?,
            start_char: r.get(3)?,
            end_char: r.get(4)?,
            original: r.get(5)?,
            replacement: r.get(6)?,
            identifier_id: r.get(7)?,
            method: r.get(8)?,
            reviewer: r.get(9)?,
            at: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Ids of transcripts with imported text: (transcript id, session id).
pub fn imported_transcripts(c: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT t.id, t.session_id FROM transcript t JOIN transcript_import i
           ON i.transcript_id = t.id JOIN session se ON se.id = t.session_id
         ORDER BY se.date, t.id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
