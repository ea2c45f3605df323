//! What the coding calls return (import outcomes, transcript views, quotes, the matrix,
//! saturation, frequencies) and the small helpers they share.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::anchor::{char_slice, ChangeSummary};
use crate::domain::Transcript;
use crate::service::{invalid, ServiceError};
/// Passages, search hits and the search filter, as the front ends see them.
pub use crate::store::coding::{Hit, PassageRow, SearchFilter};
use crate::store::coding::{ImportRow, TurnRow};

/// Characters of context kept either side of a passage, to re-anchor it.
pub(super) const CONTEXT: usize = 40;

/// What a transcript import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub session_id: String,
    pub transcript: Transcript,
    pub turns: usize,
    pub words: usize,
    pub encoding: String,
    pub warnings: Vec<String>,
    /// Present when the transcript had been imported before.
    pub reimport: Option<Reimport>,
    /// The file given, when it was outside the transcripts root and was copied under it
    /// (to `transcript.path`); null when the file was already under the root.
    pub copied_from: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reimport {
    pub changes: ChangeSummary,
    /// A unified diff of the text (at most 200 lines).
    pub diff: String,
    pub passages: usize,
    pub kept: usize,
    /// Passages whose text was edited: kept on the mapped span, flagged for review.
    pub changed: Vec<PassageRow>,
    /// Passages whose text was deleted: kept with their quote, listed for review.
    pub lost: Vec<PassageRow>,
}

/// A transcript as the viewer shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TranscriptView {
    pub session_id: String,
    pub transcript: Transcript,
    pub import: ImportRow,
    pub turns: Vec<TurnRow>,
    pub passages: Vec<PassageRow>,
}

impl TranscriptView {
    /// The full canonical text.
    pub fn text(&self) -> String {
        self.turns.iter().map(|t| t.text.as_str()).collect()
    }
}

/// One quote for a theme, with its attribution and whether it may leave the database.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    pub passage: PassageRow,
    pub participants: Vec<String>,
    pub site: String,
    pub phase: u32,
    pub role_categories: Vec<String>,
    pub attribution: String,
    /// Consent in force today allows anonymised quotes for every participant.
    pub allowed: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct QuoteFilter {
    pub site: Option<String>,
    pub phase: Option<u32>,
    pub role_category: Option<String>,
}

/// The Framework Method's chart: cases × themes, per phase.
#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub themes: Vec<MatrixTheme>,
    pub cases: Vec<MatrixCase>,
    pub cells: Vec<MatrixCell>,
    pub phases: Vec<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixTheme {
    pub id: String,
    pub path: String,
    pub name: String,
    pub colour: Option<String>,
    pub depth: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixCase {
    pub participant_id: String,
    pub code: String,
    pub site: String,
    pub role_category: String,
    pub phases: Vec<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixCell {
    pub participant_id: String,
    pub theme_id: String,
    pub phase: u32,
    pub passages: i64,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SaturationPoint {
    pub index: usize,
    pub session_id: String,
    pub date: String,
    pub themes: usize,
    pub new_themes: usize,
    pub cumulative: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Saturation {
    pub base: usize,
    pub run: usize,
    pub threshold: f64,
    pub points: Vec<SaturationPoint>,
    pub base_themes: usize,
    /// 1-based index of the interview at which the stopping rule was first met.
    pub reached_at: Option<usize>,
    pub verdict: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FrequencyRow {
    pub theme_id: String,
    pub theme: String,
    /// (site, phase) → tags.
    pub counts: BTreeMap<String, i64>,
    pub total: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CooccurrenceRow {
    pub a: String,
    pub b: String,
    pub passages: i64,
    pub sessions: i64,
}

/// A file found by `import-dir`, matched or not.
#[derive(Debug, Clone, Serialize)]
pub struct DirMatch {
    pub path: String,
    pub session_id: Option<String>,
    /// `imported`, `unmatched`, `ambiguous`, `failed` or `dry-run`.
    pub outcome: String,
    pub detail: Option<String>,
}

/// Character-offset slicing.
pub(super) fn context(text: &str, start: usize, end: usize) -> (String, String) {
    let prefix = char_slice(text, start.saturating_sub(CONTEXT), start);
    let suffix = char_slice(text, end, end + CONTEXT);
    (prefix, suffix)
}

pub(super) fn unified_diff(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(1)
        .header("before", "after")
        .to_string();
    let mut lines: Vec<&str> = text.lines().take(200).collect();
    if text.lines().count() > 200 {
        lines.push("… (diff cut at 200 lines)");
    }
    lines.join("\n")
}

/// The filter a query runs with: a query with a prefix term searches the words as written
/// (see [`crate::service::search_query::has_prefix`]), else as asked.
pub(super) fn prefix_filter(fts: &str, filter: &SearchFilter) -> SearchFilter {
    let mut f = filter.clone();
    f.exact |= crate::service::search_query::has_prefix(fts);
    f
}

pub(super) fn map_fts_error(e: ServiceError, query: &str) -> ServiceError {
    let msg = e.to_string();
    // Limits of SQLite's FTS5 (what `search_query` does not catch first): said in words.
    if msg.contains("parser stack overflow") || msg.contains("expression tree is too large") {
        return invalid(
            "query",
            format!(
                "`{query}` is not a valid search: it is nested too deeply (fewer brackets or NOTs)"
            ),
        );
    }
    if msg.contains("fts5")
        || msg.contains("syntax error")
        || msg.contains("no such column")
        || msg.contains("unterminated string")
    {
        return invalid(
            "query",
            format!(
                "`{query}` is not a valid search: {msg} (use words, \"a phrase\", prefix*, AND, OR, NOT, parentheses)"
            ),
        );
    }
    e
}
