//! The codebook (frameworks, nested themes, their history) and tags.

use rusqlite::{params, Connection, OptionalExtension};

use super::{conv, parse_col, Result};
use crate::domain::{Framework, Tag, ThemeStatus};

#[derive(Debug, Clone, serde::Serialize)]
pub struct ThemeRow {
    pub id: String,
    pub framework_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub colour: Option<String>,
    pub status: ThemeStatus,
    pub merged_into: Option<String>,
    pub sort: i64,
    pub created_at: String,
    /// Tags currently on this theme.
    pub tag_count: i64,
}

pub fn insert_framework(c: &Connection, f: &Framework, sort: i64) -> Result<()> {
    c.execute(
        "INSERT INTO framework (id, name, description, sort) VALUES (?1, ?2, ?3, ?4)",
        params![f.id, f.name, f.description, sort],
    )?;
    Ok(())
}

pub fn frameworks(c: &Connection) -> Result<Vec<Framework>> {
    let mut stmt =
        c.prepare_cached("SELECT id, name, description FROM framework ORDER BY sort, name")?;
    let rows = stmt.query_map([], |r| {
        Ok(Framework {
            id: r.get(0)?,
            name: r.get(1)?,
            description: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn insert_theme(c: &Connection, t: &ThemeRow) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO theme (id, framework_id, parent_id, name, description, colour, status,
            merged_into, sort, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        t.id,
        t.framework_id,
        t.parent_id,
        t.name,
        t.description,
        t.colour,
        t.status.as_str(),
        t.merged_into,
        t.sort,
        t.created_at
    ])?;
    Ok(())
}

/// Every theme of every framework, with its current tag count.
pub fn themes(c: &Connection) -> Result<Vec<ThemeRow>> {
    themes_with(c, true)
}

/// The codebook without tag counts (`tag_count` 0): counting reads every tag, so whatever
/// only resolves theme names (tagging, for each session or passage) reads this instead.
pub fn themes_uncounted(c: &Connection) -> Result<Vec<ThemeRow>> {
    themes_with(c, false)
}

fn themes_with(c: &Connection, counts: bool) -> Result<Vec<ThemeRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT t.id, t.framework_id, t.parent_id, t.name, t.description, t.colour, t.status,
            t.merged_into, t.sort, t.created_at,
            {}
         FROM theme t JOIN framework f ON f.id = t.framework_id
         ORDER BY f.sort, t.sort, t.name",
        if counts {
            "(SELECT count(*) FROM tag g WHERE g.theme_id = t.id)"
        } else {
            "0"
        }
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok(ThemeRow {
            id: r.get(0)?,
            framework_id: r.get(1)?,
            parent_id: r.get(2)?,
            name: r.get(3)?,
            description: r.get(4)?,
            colour: r.get(5)?,
            status: conv(parse_col("theme.status", r.get(6)?))?,
            merged_into: r.get(7)?,
            sort: r.get(8)?,
            created_at: r.get(9)?,
            tag_count: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn next_sort(c: &Connection, framework_id: &str, parent_id: Option<&str>) -> Result<i64> {
    Ok(c.query_row(
        "SELECT coalesce(max(sort), -1) + 1 FROM theme
         WHERE framework_id = ?1 AND parent_id IS ?2",
        params![framework_id, parent_id],
        |r| r.get(0),
    )?)
}

pub fn insert_event(
    c: &Connection,
    id: &str,
    theme_id: &str,
    action: &str,
    detail: &serde_json::Value,
    at: &str,
    by: &str,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO theme_event (id, theme_id, action, detail, at, by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![id, theme_id, action, detail.to_string(), at, by])?;
    Ok(())
}

/// A theme's history: (action, detail JSON, at, by), oldest first.
pub fn events(c: &Connection, theme_id: &str) -> Result<Vec<(String, String, String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT action, coalesce(detail, ''), at, by FROM theme_event WHERE theme_id = ?1
         ORDER BY id",
    )?;
    let rows = stmt.query_map([theme_id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A stored tag, by ids.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TagRow {
    pub id: String,
    pub theme_id: String,
    pub original_theme_id: String,
    pub session_id: String,
    pub transcript_id: Option<String>,
    pub span_start: Option<i64>,
    pub span_end: Option<i64>,
    pub quote: Option<String>,
    pub memo: Option<String>,
    pub created_at: String,
    pub created_by: String,
    /// Whose coding this is (inter-coder agreement): the coder resolved when it was made.
    pub coder: String,
}

pub fn insert_tag(c: &Connection, t: &TagRow) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO tag (id, theme_id, original_theme_id, session_id, transcript_id,
            span_start, span_end, quote, memo, created_at, created_by, coder, device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, (SELECT device_id FROM sync_device WHERE id = 1))",
    )?
    .execute(params![
        t.id,
        t.theme_id,
        t.original_theme_id,
        t.session_id,
        t.transcript_id,
        t.span_start,
        t.span_end,
        t.quote,
        t.memo,
        t.created_at,
        t.created_by,
        t.coder
    ])?;
    Ok(())
}

/// Tag ids matching a full id or an id prefix of at least 6 characters.
pub fn resolve_tag(c: &Connection, key: &str) -> Result<Vec<String>> {
    let (lo, hi) = super::id_prefix_bounds(key);
    let mut stmt = c.prepare_cached(
        "SELECT id FROM tag WHERE id = ?1
         UNION SELECT id FROM tag WHERE id >= ?2 AND id < ?3 LIMIT 10",
    )?;
    let rows = stmt.query_map(params![key.trim().to_ascii_lowercase(), lo, hi], |r| {
        r.get(0)
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn tag_row(c: &Connection, id: &str) -> Result<Option<TagRow>> {
    Ok(c.query_row(
        "SELECT id, theme_id, original_theme_id, session_id, transcript_id, span_start,
            span_end, quote, memo, created_at, created_by, coder FROM tag WHERE id = ?1",
        [id],
        |r| {
            Ok(TagRow {
                id: r.get(0)?,
                theme_id: r.get(1)?,
                original_theme_id: r.get(2)?,
                session_id: r.get(3)?,
                transcript_id: r.get(4)?,
                span_start: r.get(5)?,
                span_end: r.get(6)?,
                quote: r.get(7)?,
                memo: r.get(8)?,
                created_at: r.get(9)?,
                created_by: r.get(10)?,
                coder: r.get(11)?,
            })
        },
    )
    .optional()?)
}

/// The session-level tag of a theme on a session, if present.
pub fn find_session_tag(
    c: &Connection,
    theme_id: &str,
    session_id: &str,
) -> Result<Option<String>> {
    Ok(c.query_row(
        "SELECT id FROM tag WHERE theme_id = ?1 AND session_id = ?2 AND span_start IS NULL",
        params![theme_id, session_id],
        |r| r.get(0),
    )
    .optional()?)
}

pub fn delete_tag(c: &Connection, id: &str) -> Result<()> {
    c.execute("DELETE FROM tag WHERE id = ?1", [id])?;
    Ok(())
}

/// Move every tag of `from` onto `to`. Session-level tags that `to` already has are kept
/// on `from`'s history through `original_theme_id` and folded: the duplicate is deleted.
/// Returns (moved, folded).
pub fn move_tags(c: &Connection, from: &str, to: &str) -> Result<(usize, usize)> {
    let folded = c.execute(
        "DELETE FROM tag WHERE theme_id = ?1 AND span_start IS NULL AND EXISTS (
            SELECT 1 FROM tag t2 WHERE t2.theme_id = ?2 AND t2.session_id = tag.session_id
              AND t2.span_start IS NULL)",
        params![from, to],
    )?;
    let moved = c.execute(
        "UPDATE tag SET theme_id = ?2 WHERE theme_id = ?1",
        params![from, to],
    )?;
    Ok((moved, folded))
}

pub fn reparent_children(c: &Connection, from: &str, to: &str) -> Result<usize> {
    Ok(c.execute(
        "UPDATE theme SET parent_id = ?2 WHERE parent_id = ?1",
        params![from, to],
    )?)
}

/// Tags, newest first, optionally for one session and/or one theme.
pub fn tags(
    c: &Connection,
    session_id: Option<&str>,
    theme_id: Option<&str>,
    offset: usize,
    limit: usize,
) -> Result<Vec<Tag>> {
    // Only the filters given are in the statement: with `?1 IS NULL OR g.session_id = ?1`
    // the planner cannot use the index and reads every tag (a session's tags, asked after
    // each tagging, made tagging every session quadratic).
    let mut filter = vec!["1"];
    if session_id.is_some() {
        filter.push("g.session_id = ?1");
    }
    if theme_id.is_some() {
        filter.push("g.theme_id = ?2");
    }
    let mut stmt = c.prepare_cached(&format!(
        "SELECT g.id, g.theme_id, t.name, g.session_id, se.date, g.transcript_id, g.span_start,
            g.span_end, g.quote, g.memo, g.created_at, g.created_by, g.coder
         FROM tag g JOIN theme t ON t.id = g.theme_id JOIN session se ON se.id = g.session_id
         WHERE {}
         ORDER BY se.date, g.session_id, t.sort, g.id LIMIT ?3 OFFSET ?4",
        filter.join(" AND ")
    ))?;
    let rows = stmt.query_map(
        params![session_id, theme_id, limit as i64, offset as i64],
        |r| {
            Ok(Tag {
                id: r.get(0)?,
                theme_id: r.get(1)?,
                theme: r.get(2)?,
                session_id: r.get(3)?,
                session_date: r.get(4)?,
                transcript_id: r.get(5)?,
                span_start: r.get(6)?,
                span_end: r.get(7)?,
                quote: r.get(8)?,
                memo: r.get(9)?,
                created_at: r.get(10)?,
                created_by: r.get(11)?,
                coder: r.get(12)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn tag_total(c: &Connection) -> Result<i64> {
    Ok(c.query_row("SELECT count(*) FROM tag", [], |r| r.get(0))?)
}

/// The session-level tags of `from` that [`move_tags`] onto `to` would fold (delete as
/// duplicates), and the tags it would move: (folded ids, moved ids).
pub fn tags_to_move(c: &Connection, from: &str, to: &str) -> Result<(Vec<String>, Vec<String>)> {
    let mut stmt = c.prepare_cached(
        "SELECT id, span_start IS NULL AND EXISTS (
            SELECT 1 FROM tag t2 WHERE t2.theme_id = ?2 AND t2.session_id = tag.session_id
              AND t2.span_start IS NULL)
         FROM tag WHERE theme_id = ?1",
    )?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
    })?;
    let (mut folded, mut moved) = (Vec::new(), Vec::new());
    for row in rows {
        let (id, fold) = row?;
        if fold {
            folded.push(id);
        } else {
            moved.push(id);
        }
    }
    Ok((folded, moved))
}

/// The ids of a theme's child themes.
pub fn child_ids(c: &Connection, parent: &str) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached("SELECT id FROM theme WHERE parent_id = ?1")?;
    let rows = stmt.query_map([parent], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Put one tag on a theme.
pub fn set_tag_theme(c: &Connection, tag_id: &str, theme_id: &str) -> Result<()> {
    c.prepare_cached("UPDATE tag SET theme_id = ?2 WHERE id = ?1")?
        .execute(params![tag_id, theme_id])?;
    Ok(())
}

/// Put one theme under a parent.
pub fn set_parent(c: &Connection, theme_id: &str, parent_id: &str) -> Result<()> {
    c.prepare_cached("UPDATE theme SET parent_id = ?2 WHERE id = ?1")?
        .execute(params![theme_id, parent_id])?;
    Ok(())
}

/// The parent of a theme (`None`: no such theme; `Some(None)`: top level).
pub fn parent_of(c: &Connection, theme_id: &str) -> Result<Option<Option<String>>> {
    Ok(
        c.prepare_cached("SELECT parent_id FROM theme WHERE id = ?1")?
            .query_row([theme_id], |r| r.get(0))
            .optional()?,
    )
}

/// Remove a theme history event (the undo of the change it recorded).
pub fn delete_event(c: &Connection, id: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM theme_event WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// A row exactly as stored, every column (the undo of a write that changed or deleted it
/// puts this back, and checks against it that nothing changed since).
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub columns: Vec<String>,
    pub values: Vec<rusqlite::types::Value>,
}

impl RawRow {
    /// The value of one column (`Null` when there is no such column).
    pub fn get(&self, column: &str) -> rusqlite::types::Value {
        self.columns
            .iter()
            .position(|c| c == column)
            .map_or(rusqlite::types::Value::Null, |i| self.values[i].clone())
    }

    /// The value of a text column.
    pub fn text(&self, column: &str) -> Option<String> {
        match self.get(column) {
            rusqlite::types::Value::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// The tables whose rows an undo reads and puts back whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawTable {
    Tag,
    Theme,
}

impl RawTable {
    fn name(self) -> &'static str {
        match self {
            RawTable::Tag => "tag",
            RawTable::Theme => "theme",
        }
    }
}

/// One row of `table` by id, every column, as stored.
pub fn raw_row(c: &Connection, table: RawTable, id: &str) -> Result<Option<RawRow>> {
    let mut stmt = c.prepare_cached(&format!("SELECT * FROM {} WHERE id = ?1", table.name()))?;
    let columns: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    let n = columns.len();
    Ok(stmt
        .query_row([id], |r| {
            let values = (0..n)
                .map(|i| r.get::<_, rusqlite::types::Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(RawRow {
                columns: columns.clone(),
                values,
            })
        })
        .optional()?)
}

/// Insert a row read by [`raw_row`] back, exactly as it was (same id, every column).
pub fn insert_raw(c: &Connection, table: RawTable, row: &RawRow) -> Result<()> {
    let cols = row
        .columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let marks = (1..=row.values.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    c.prepare_cached(&format!(
        "INSERT INTO {} ({cols}) VALUES ({marks})",
        table.name()
    ))?
    .execute(rusqlite::params_from_iter(row.values.iter()))?;
    Ok(())
}

/// Put the columns of a row that differ from `to` back to `to`'s values (`from`: the row
/// as it is now, read in the same transaction). Returns how many columns changed.
pub fn restore_raw(c: &Connection, table: RawTable, from: &RawRow, to: &RawRow) -> Result<usize> {
    let id = to.get("id");
    let mut sets = Vec::new();
    let mut values = Vec::new();
    for (i, col) in to.columns.iter().enumerate() {
        if col == "id" || from.get(col) == to.values[i] {
            continue;
        }
        values.push(to.values[i].clone());
        sets.push(format!("\"{col}\" = ?{}", values.len()));
    }
    if sets.is_empty() {
        return Ok(0);
    }
    values.push(id);
    c.execute(
        &format!(
            "UPDATE {} SET {} WHERE id = ?{}",
            table.name(),
            sets.join(", "),
            values.len()
        ),
        rusqlite::params_from_iter(values.iter()),
    )?;
    Ok(sets.len())
}

/// What still points at a theme: (tags on it or first made on it, child themes, matrix
/// summaries, themes merged into it).
pub fn theme_dependents(c: &Connection, theme_id: &str) -> Result<(i64, i64, i64, i64)> {
    Ok(c.query_row(
        "SELECT
            (SELECT count(*) FROM tag WHERE theme_id = ?1)
              + (SELECT count(*) FROM tag WHERE original_theme_id = ?1 AND theme_id <> ?1),
            (SELECT count(*) FROM theme WHERE parent_id = ?1),
            (SELECT count(*) FROM matrix_summary WHERE theme_id = ?1),
            (SELECT count(*) FROM theme WHERE merged_into = ?1)",
        [theme_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?)
}

/// The ids of a theme's history events, oldest first.
pub fn event_ids(c: &Connection, theme_id: &str) -> Result<Vec<String>> {
    let mut stmt =
        c.prepare_cached("SELECT id FROM theme_event WHERE theme_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([theme_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Delete a theme row (the undo of adding it; its events are deleted first).
pub fn delete_theme(c: &Connection, id: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM theme WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}
