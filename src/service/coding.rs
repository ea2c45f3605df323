//! Coding: transcript import (with passage re-anchoring), full-text search, passage tags,
//! quotes, the framework matrix, and analysis views (frequency, co-occurrence, saturation).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::consent::sha256_bytes;
use super::transcript_copy::Placed;
use super::transcripts::{format_of, Located};
use super::{clean, invalid, io_err, json, Fieldwork, Result, ServiceError};
use crate::config::QuoteLabel;
use crate::domain::anchor::{char_slice, reanchor, Anchor, ChangeSummary, Passage};
use crate::domain::transcript::{self as parser, Parsed};
use crate::domain::{
    new_id, new_log_id, now_utc, today, ConsentItem, SessionKind, Transcript, TranscriptStatus,
};
use crate::store::coding::{self as store, ImportRow, TurnRow};
/// Passages, search hits and the search filter, as the front ends see them.
pub use crate::store::coding::{Hit, PassageRow, SearchFilter};
use crate::store::{audit, themes as theme_store, transcripts as tstore};

/// Characters of context kept either side of a passage, to re-anchor it.
const CONTEXT: usize = 40;

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
fn context(text: &str, start: usize, end: usize) -> (String, String) {
    let prefix = char_slice(text, start.saturating_sub(CONTEXT), start);
    let suffix = char_slice(text, end, end + CONTEXT);
    (prefix, suffix)
}

fn unified_diff(old: &str, new: &str) -> String {
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
/// (see [`super::search_query::has_prefix`]), else as asked.
fn prefix_filter(fts: &str, filter: &SearchFilter) -> SearchFilter {
    let mut f = filter.clone();
    f.exact |= super::search_query::has_prefix(fts);
    f
}

fn map_fts_error(e: ServiceError, query: &str) -> ServiceError {
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

impl Fieldwork {
    /// Import (or re-import) a transcript file into the database: link it to the interview
    /// if it is not linked (or `replace` another link), parse it into speaker turns, index
    /// it for search, and re-anchor any tagged passages — all in one transaction.
    pub fn import_transcript(
        &mut self,
        session: &str,
        file: &Path,
        replace: bool,
    ) -> Result<ImportOutcome> {
        let s = self.session(session)?;
        if s.kind != SessionKind::Interview {
            return Err(invalid("interview", "transcripts belong to interviews"));
        }
        let located = self.locate_transcript(file)?;
        let src = match &located {
            Located::Inside { abs, .. } | Located::Outside { abs, .. } => abs.clone(),
        };
        let bytes = std::fs::read(&src).map_err(io_err(format!("reading {}", src.display())))?;
        // Parsed before anything is copied: a file that cannot be imported leaves nothing.
        let parsed = parser::parse(&bytes, &format_of(&src))
            .map_err(|e| invalid("file", format!("{}: {e}", src.display())))?;
        // The hash of the very bytes parsed (the file is not read twice).
        let (sha, size) = sha256_bytes(&bytes);
        // From outside the root: copied under it first (named by the import pattern),
        // then the database written; the copy is removed if that write fails.
        let (placed, copied_from) = match located {
            Located::Inside { abs, rel } => (
                Placed {
                    abs,
                    rel,
                    created: None,
                },
                None,
            ),
            Located::Outside { abs, .. } => (
                self.copy_under_root(&s, &abs, &bytes)?,
                Some(abs.display().to_string()),
            ),
        };
        let user = self.settings.user.clone();
        let written = (|| {
            let tx = self.store.write()?;
            let outcome = Self::import_parsed_tx(
                &tx,
                &s.id,
                &placed.rel,
                &placed.abs,
                &sha,
                size,
                parsed,
                replace,
                &user,
            )?;
            tx.commit()?;
            Ok(outcome)
        })();
        match written {
            Ok(mut outcome) => {
                outcome.copied_from = copied_from;
                Ok(outcome)
            }
            Err(e) => {
                if let Some(copy) = &placed.created {
                    let _ = std::fs::remove_file(copy);
                }
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn import_parsed_tx(
        tx: &rusqlite::Connection,
        session_id: &str,
        rel: &str,
        abs: &Path,
        sha: &str,
        size: u64,
        parsed: Parsed,
        replace: bool,
        user: &str,
    ) -> Result<ImportOutcome> {
        let now = now_utc();
        if let Some(other) = tstore::by_path(tx, rel)? {
            if other.session_id != session_id {
                return Err(ServiceError::Refused(format!(
                    "{rel} is already the transcript of interview {}",
                    &other.session_id[..8]
                )));
            }
        }
        let existing = tstore::for_session(tx, session_id)?;
        let transcript = match existing {
            Some(old) if old.path != rel && !replace => {
                return Err(ServiceError::Refused(format!(
                    "interview {} already has a transcript ({}); use --replace to import another file",
                    &session_id[..8],
                    old.path
                )))
            }
            Some(old) => {
                let t = Transcript {
                    id: old.id.clone(),
                    session_id: session_id.to_string(),
                    path: rel.to_string(),
                    sha256: sha.to_string(),
                    size: size as i64,
                    format: format_of(abs),
                    status: TranscriptStatus::Ok,
                    linked_at: if old.sha256 == sha { old.linked_at.clone() } else { now.clone() },
                    verified_at: Some(now.clone()),
                };
                tstore::relink(tx, &t)?;
                if old.sha256 != sha || old.path != rel {
                    audit::record(tx, user, "transcript", &t.id, "relink", Some(&json(&old)), Some(&json(&t)))?;
                }
                t
            }
            None => {
                let t = Transcript {
                    id: new_id(),
                    session_id: session_id.to_string(),
                    path: rel.to_string(),
                    sha256: sha.to_string(),
                    size: size as i64,
                    format: format_of(abs),
                    status: TranscriptStatus::Ok,
                    linked_at: now.clone(),
                    verified_at: Some(now.clone()),
                };
                tstore::insert(tx, &t, user)?;
                audit::record(tx, user, "transcript", &t.id, "link", None, Some(&json(&t)))?;
                t
            }
        };
        // Re-import: keep the old text to re-anchor passages.
        let old_turns = store::turns(tx, &transcript.id)?;
        let old_text: String = old_turns.iter().map(|t| t.text.as_str()).collect();
        let had_import = store::import_row(tx, &transcript.id)?.is_some();
        store::delete_turns(tx, &transcript.id)?;
        let first_n = store::next_turn_n(tx)?;
        let chars: Vec<char> = parsed.text.chars().collect();
        for (n, (i, t)) in (first_n..).zip(parsed.turns.iter().enumerate()) {
            let text: String = chars[t.start..t.end].iter().collect();
            store::insert_turn(
                tx,
                n,
                &TurnRow {
                    id: new_id(),
                    transcript_id: transcript.id.clone(),
                    seq: i as i64,
                    speaker: t.speaker.clone(),
                    start_char: t.start as i64,
                    end_char: t.end as i64,
                    start_ms: t.start_ms,
                    end_ms: t.end_ms,
                    text,
                },
            )?;
        }
        let words = parser::word_count(&parsed.text);
        let row = ImportRow {
            transcript_id: transcript.id.clone(),
            sha256: sha.to_string(),
            encoding: parsed.encoding.clone(),
            format: parsed.format.clone(),
            chars: chars.len() as i64,
            words: words as i64,
            warnings: (!parsed.warnings.is_empty()).then(|| parsed.warnings.join("; ")),
            imported_at: now.clone(),
            imported_by: user.to_string(),
        };
        store::upsert_import(tx, &row)?;
        let mut reimport = None;
        if had_import {
            let passages = store::passages(tx, &transcript.id)?;
            let specs: Vec<Passage<'_>> = passages
                .iter()
                .map(|p| Passage {
                    start: p.span_start as usize,
                    end: p.span_end as usize,
                    quote: &p.quote,
                })
                .collect();
            let (anchors, changes) = reanchor(&old_text, &parsed.text, &specs);
            let mut kept = 0;
            let mut changed = Vec::new();
            let mut lost = Vec::new();
            for (p, a) in passages.iter().zip(anchors) {
                match a {
                    Anchor::Ok { start, end } => {
                        let (pre, suf) = context(&parsed.text, start, end);
                        store::set_anchor(
                            tx,
                            &p.id,
                            start as i64,
                            end as i64,
                            "ok",
                            Some(&pre),
                            Some(&suf),
                        )?;
                        kept += 1;
                    }
                    Anchor::Changed { start, end } => {
                        let (pre, suf) = context(&parsed.text, start, end);
                        store::set_anchor(
                            tx,
                            &p.id,
                            start as i64,
                            end as i64,
                            "changed",
                            Some(&pre),
                            Some(&suf),
                        )?;
                        let mut p = p.clone();
                        p.span_start = start as i64;
                        p.span_end = end as i64;
                        p.anchor = "changed".into();
                        changed.push(p);
                    }
                    Anchor::Lost => {
                        let end = (p.span_end as usize).min(chars.len()) as i64;
                        let start = (p.span_start).min(end);
                        store::set_anchor(
                            tx,
                            &p.id,
                            start,
                            end,
                            "lost",
                            p.prefix.as_deref(),
                            p.suffix.as_deref(),
                        )?;
                        let mut p = p.clone();
                        p.anchor = "lost".into();
                        lost.push(p);
                    }
                }
            }
            reimport = Some(Reimport {
                changes,
                diff: if old_text == parsed.text {
                    String::new()
                } else {
                    unified_diff(&old_text, &parsed.text)
                },
                passages: passages.len(),
                kept,
                changed,
                lost,
            });
        }
        audit::record(
            tx,
            user,
            "transcript",
            &transcript.id,
            if had_import { "reimport" } else { "import" },
            None,
            Some(
                &serde_json::json!({"path": rel, "sha256": sha, "turns": parsed.turns.len(), "words": words, "encoding": parsed.encoding}),
            ),
        )?;
        Ok(ImportOutcome {
            session_id: session_id.to_string(),
            transcript,
            turns: parsed.turns.len(),
            words,
            encoding: parsed.encoding,
            warnings: parsed.warnings,
            reimport,
            copied_from: None,
        })
    }

    /// Import every transcript file under `dir` whose path matches the naming pattern
    /// (`coding.import_pattern` unless given). Every matched file is parsed first; if any
    /// fails, nothing is imported (unless `skip_bad`). All imports are one transaction.
    pub fn import_dir(
        &mut self,
        dir: &Path,
        pattern: Option<&str>,
        dry_run: bool,
        skip_bad: bool,
    ) -> Result<Vec<DirMatch>> {
        let pattern = pattern
            .map(str::to_string)
            .unwrap_or_else(|| self.coding.import_pattern.clone());
        let re = pattern_regex(&pattern)?;
        if !dir.is_dir() {
            return Err(invalid("dir", format!("{}: not a folder", dir.display())));
        }
        let mut files = Vec::new();
        collect_files(dir, &mut files);
        files.sort();
        let interviews = self.sessions(
            &crate::domain::SessionFilter {
                kind: Some(SessionKind::Interview),
                status: Some(crate::domain::SessionStatus::Done),
                ..Default::default()
            },
            false,
            0,
            usize::MAX >> 1,
        )?;
        // Interviews by participant export code (upper case), in the listing's order.
        let mut by_code: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in interviews.iter().enumerate() {
            for p in &s.participants {
                let v = by_code.entry(p.code.to_ascii_uppercase()).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        let exts = ["txt", "md", "docx", "vtt"];
        let mut results = Vec::new();
        let mut plan: Vec<(String, PathBuf)> = Vec::new();
        for f in files {
            let ext = format_of(&f);
            if !exts.contains(&ext.as_str()) {
                continue;
            }
            let rel = f
                .strip_prefix(dir)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace('\\', "/");
            let Some(caps) = re.captures(&rel) else {
                results.push(DirMatch {
                    path: rel,
                    session_id: None,
                    outcome: "unmatched".into(),
                    detail: Some(format!("does not fit the pattern `{pattern}`")),
                });
                continue;
            };
            let get = |k: &str| caps.name(k).map(|m| m.as_str().to_string());
            let (code, phase, site, date) = (get("code"), get("phase"), get("site"), get("date"));
            // A file that names a participant is matched against that participant's
            // interviews only (a scan of every interview for every file was quadratic).
            let pool: Vec<&crate::domain::Session> = match &code {
                Some(c) => by_code
                    .get(&c.to_ascii_uppercase())
                    .map(|v| v.iter().map(|i| &interviews[*i]).collect())
                    .unwrap_or_default(),
                None => interviews.iter().collect(),
            };
            let candidates: Vec<&crate::domain::Session> = pool
                .into_iter()
                .filter(|s| {
                    phase.as_ref().is_none_or(|p| *p == s.phase.to_string())
                        && site
                            .as_ref()
                            .is_none_or(|x| x.eq_ignore_ascii_case(&s.site))
                        && date
                            .as_ref()
                            .is_none_or(|d| *d == crate::domain::format_date(s.date))
                })
                .collect();
            // Several interviews of one person: a date in the file name settles it.
            let candidates = if candidates.len() > 1 {
                let dated: Vec<&crate::domain::Session> = candidates
                    .iter()
                    .copied()
                    .filter(|s| rel.contains(&crate::domain::format_date(s.date)))
                    .collect();
                if dated.len() == 1 {
                    dated
                } else {
                    candidates
                }
            } else {
                candidates
            };
            match candidates.len() {
                0 => results.push(DirMatch {
                    path: rel,
                    session_id: None,
                    outcome: "unmatched".into(),
                    detail: Some("no completed interview fits".into()),
                }),
                1 => plan.push((candidates[0].id.clone(), f.clone())),
                n => results.push(DirMatch {
                    path: rel,
                    session_id: None,
                    outcome: "ambiguous".into(),
                    detail: Some(format!(
                        "{n} interviews fit; add {{phase}} or {{date}} to the pattern"
                    )),
                }),
            }
        }
        // Parse everything first.
        let mut parsed = Vec::new();
        let mut failures = Vec::new();
        for (sid, f) in &plan {
            let (abs, rel) = self.under_root(f)?;
            let bytes =
                std::fs::read(&abs).map_err(io_err(format!("reading {}", abs.display())))?;
            match parser::parse(&bytes, &format_of(&abs)) {
                Ok(p) => {
                    let (sha, size) = sha256_bytes(&bytes);
                    parsed.push((sid.clone(), abs, rel, sha, size, p));
                }
                Err(e) => failures.push(DirMatch {
                    path: rel,
                    session_id: Some(sid.clone()),
                    outcome: "failed".into(),
                    detail: Some(e.to_string()),
                }),
            }
        }
        if !failures.is_empty() && !skip_bad {
            return Err(ServiceError::Import {
                file: dir.display().to_string(),
                problems: failures
                    .iter()
                    .map(|f| format!("{}: {}", f.path, f.detail.clone().unwrap_or_default()))
                    .collect(),
            });
        }
        results.extend(failures);
        if dry_run {
            for (sid, _, rel, _, _, _) in parsed {
                results.push(DirMatch {
                    path: rel,
                    session_id: Some(sid),
                    outcome: "dry-run".into(),
                    detail: None,
                });
            }
            return Ok(results);
        }
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        for (sid, abs, rel, sha, size, p) in parsed {
            let out = Self::import_parsed_tx(&tx, &sid, &rel, &abs, &sha, size, p, true, &user)?;
            let lost = out
                .reimport
                .as_ref()
                .map(|r| r.lost.len() + r.changed.len())
                .unwrap_or(0);
            results.push(DirMatch {
                path: rel,
                session_id: Some(sid),
                outcome: "imported".into(),
                detail: Some(format!(
                    "{} turns, {} words{}",
                    out.turns,
                    out.words,
                    if lost > 0 {
                        format!(", {lost} passage(s) to review")
                    } else {
                        String::new()
                    }
                )),
            });
        }
        tx.commit()?;
        Ok(results)
    }

    /// The imported text of an interview's transcript, with turns and passages (under
    /// blind coding, only this coder's passages until revealed).
    pub fn transcript_view(&self, session: &str) -> Result<TranscriptView> {
        let mut v = self.transcript_view_all(session)?;
        v.passages = self.blind_filter(v.passages, |p| &p.coder)?;
        Ok(v)
    }

    /// [`Fieldwork::transcript_view`] with every coder's passages, whatever blind coding
    /// says (exports of the whole project).
    pub fn transcript_view_all(&self, session: &str) -> Result<TranscriptView> {
        let s = self.session(session)?;
        let t = s.transcript.ok_or_else(|| {
            invalid(
                "interview",
                format!("interview {} has no transcript", &s.id[..8]),
            )
        })?;
        let c = self.store.conn();
        let import = store::import_row(c, &t.id)?.ok_or_else(|| {
            invalid("interview", format!("the transcript of interview {} is linked but not imported; run `transcript import`", &s.id[..8]))
        })?;
        Ok(TranscriptView {
            session_id: s.id,
            turns: store::turns(c, &t.id)?,
            passages: store::passages(c, &t.id)?,
            transcript: t,
            import,
        })
    }

    /// Tag a passage [start, end) (character offsets) of an interview's transcript with one
    /// or more themes; the quoted text and its context are stored with each tag.
    pub fn tag_passage(
        &mut self,
        session: &str,
        start: usize,
        end: usize,
        themes: &[String],
        memo: Option<&str>,
    ) -> Result<Vec<PassageRow>> {
        if themes.is_empty() {
            return Err(invalid("theme", "name at least one theme"));
        }
        let tx = self.store.write()?;
        let view = self.transcript_view(session)?;
        let text = view.text();
        let len = text.chars().count();
        if start >= end || end > len {
            return Err(invalid(
                "span",
                format!("{start}..{end} is not a passage of this transcript (0..{len})"),
            ));
        }
        let quote = char_slice(&text, start, end);
        if quote.trim().is_empty() {
            return Err(invalid("span", "the passage is only white space"));
        }
        let resolved = self.active_themes(themes)?;
        let (prefix, suffix) = context(&text, start, end);
        let now = now_utc();
        let user = self.settings.user.clone();
        let coder = self.coder();
        let mut ids = Vec::new();
        for t in &resolved {
            let row = theme_store::TagRow {
                id: new_id(),
                theme_id: t.id.clone(),
                original_theme_id: t.id.clone(),
                session_id: view.session_id.clone(),
                transcript_id: Some(view.transcript.id.clone()),
                span_start: Some(start as i64),
                span_end: Some(end as i64),
                quote: Some(quote.clone()),
                memo: clean(memo),
                created_at: now.clone(),
                created_by: user.clone(),
                coder: coder.clone(),
            };
            Self::create_tag_tx(&tx, &row, &user)?;
            store::set_context(&tx, &row.id, &prefix, &suffix)?;
            ids.push(row.id);
        }
        tx.commit()?;
        Ok(store::passages(self.store.conn(), &view.transcript.id)?
            .into_iter()
            .filter(|p| ids.contains(&p.id))
            .collect())
    }

    /// Find `quote` in an interview's transcript: (start, end) of its `occurrence`-th
    /// appearance (1-based), or an error naming how many there are.
    pub fn find_in_transcript(
        &self,
        session: &str,
        quote: &str,
        occurrence: Option<usize>,
    ) -> Result<(usize, usize)> {
        let view = self.transcript_view(session)?;
        let text = view.text();
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(i) = text[from..].find(quote) {
            let b = from + i;
            found.push(text[..b].chars().count());
            from = b + quote.len().max(1);
        }
        let n = quote.chars().count();
        match (found.len(), occurrence) {
            (0, _) => Err(invalid("quote", "the text is not in this transcript")),
            (1, None) => Ok((found[0], found[0] + n)),
            (k, None) => Err(invalid(
                "quote",
                format!("the text appears {k} times; say which with --occurrence"),
            )),
            (k, Some(o)) if o == 0 || o > k => {
                Err(invalid("occurrence", format!("there are {k} occurrences")))
            }
            (_, Some(o)) => Ok((found[o - 1], found[o - 1] + n)),
        }
    }

    /// Every passage, or those of one theme, in interview order (under blind coding, only
    /// this coder's until revealed).
    pub fn passages(&self, theme: Option<&str>) -> Result<Vec<PassageRow>> {
        let id = theme
            .map(|t| self.resolve_theme(t).map(|x| x.id))
            .transpose()?;
        let rows = store::passages_of_theme(self.store.conn(), id.as_deref())?;
        self.blind_filter(rows, |p| &p.coder)
    }

    /// Passages needing review after a re-import (`changed` or `lost`).
    pub fn passages_to_review(&self) -> Result<Vec<PassageRow>> {
        Ok(store::passages_of_theme(self.store.conn(), None)?
            .into_iter()
            .filter(|p| p.anchor != "ok")
            .collect())
    }

    /// Mark a changed passage as reviewed: its quote becomes the current text of its span.
    pub fn accept_passage(&mut self, tag_id: &str) -> Result<PassageRow> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let row = theme_store::tag_row(&tx, tag_id)?.ok_or(ServiceError::NotFound {
            what: "tag",
            key: tag_id.into(),
        })?;
        let (Some(tid), Some(s), Some(e)) =
            (row.transcript_id.clone(), row.span_start, row.span_end)
        else {
            return Err(invalid("tag", "not a passage tag"));
        };
        let text: String = store::turns(&tx, &tid)?
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        let quote = char_slice(&text, s as usize, e as usize);
        if quote.trim().is_empty() {
            return Err(invalid(
                "tag",
                "the passage's span is empty in the current text; re-tag the passage instead",
            ));
        }
        let (pre, suf) = context(&text, s as usize, e as usize);
        tx.execute(
            "UPDATE tag SET quote = ?2, anchor = 'ok', prefix = ?3, suffix = ?4 WHERE id = ?1",
            rusqlite::params![row.id, quote, pre, suf],
        )?;
        audit::record(
            &tx,
            &user,
            "tag",
            &row.id,
            "accept-anchor",
            Some(&serde_json::json!({"quote": row.quote})),
            Some(&serde_json::json!({"quote": quote})),
        )?;
        tx.commit()?;
        store::passages(self.store.conn(), &tid)?
            .into_iter()
            .find(|p| p.id == row.id)
            .ok_or(ServiceError::NotFound {
                what: "tag",
                key: tag_id.into(),
            })
    }

    /// Full-text search over transcripts, session notes and memos, best first.
    pub fn search(
        &self,
        query: &str,
        filter: &SearchFilter,
        limit: usize,
    ) -> Result<Vec<store::Hit>> {
        let q = query.trim();
        if q.is_empty() {
            return Err(invalid("query", "empty search"));
        }
        let fts = super::search_query::to_fts(q)?;
        let filter = &prefix_filter(&fts, filter);
        let c = self.store.conn();
        let mut hits = store::search_turns(c, &fts, filter, limit, true)
            .map_err(|e| map_fts_error(e.into(), q))?;
        hits.extend(
            store::search_notes(c, &fts, filter, limit).map_err(|e| map_fts_error(e.into(), q))?,
        );
        hits.sort_by(|a, b| {
            a.rank
                .partial_cmp(&b.rank)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        hits.truncate(limit);
        Ok(hits)
    }

    /// A first answer for a query typed in the interface: when fewer than `limit` turns
    /// match, every hit, ranked (true); otherwise the first `limit` in text order (false),
    /// which for a common term is much quicker than ranking every match — `search` then
    /// gives the ranked list.
    pub fn search_quick(
        &self,
        query: &str,
        filter: &SearchFilter,
        limit: usize,
    ) -> Result<(Vec<store::Hit>, bool)> {
        let q = query.trim();
        if q.is_empty() {
            return Err(invalid("query", "empty search"));
        }
        let fts = super::search_query::to_fts(q)?;
        let filter = &prefix_filter(&fts, filter);
        let c = self.store.conn();
        let mut hits = store::search_turns(c, &fts, filter, limit, false)
            .map_err(|e| map_fts_error(e.into(), q))?;
        let complete = hits.len() < limit;
        hits.extend(
            store::search_notes(c, &fts, filter, limit).map_err(|e| map_fts_error(e.into(), q))?,
        );
        if complete {
            hits.sort_by(|a, b| {
                a.rank
                    .partial_cmp(&b.rank)
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            hits.truncate(limit);
        }
        Ok((hits, complete))
    }

    /// Write (or with `None`, clear) the memo of tags (a passage carries one tag per
    /// theme; the interface writes the same memo on each). One transaction, audited.
    pub fn set_tag_memo(&mut self, ids: &[String], memo: Option<&str>) -> Result<usize> {
        self.set_tag_memo_from(ids, memo, None)
    }

    /// [`Fieldwork::set_tag_memo`] from a form opened on `opened` (the `memo` it showed):
    /// refused with [`ServiceError::Conflict`] if any of the tags' memos changed since.
    pub fn set_tag_memo_from(
        &mut self,
        ids: &[String],
        memo: Option<&str>,
        opened: Option<&super::Version>,
    ) -> Result<usize> {
        let memo = clean(memo);
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        for id in ids {
            let row = theme_store::tag_row(&tx, id)?.ok_or(ServiceError::NotFound {
                what: "tag",
                key: id.clone(),
            })?;
            if let Some(v) = opened {
                v.check(
                    "passage memo",
                    &id.chars().take(8).collect::<String>(),
                    |f| match f {
                        "memo" => row.memo.clone().unwrap_or_default(),
                        _ => String::new(),
                    },
                )?;
            }
            if row.memo == memo {
                continue;
            }
            tx.execute(
                "UPDATE tag SET memo = ?2 WHERE id = ?1",
                rusqlite::params![id, memo],
            )?;
            audit::record(
                &tx,
                &user,
                "tag",
                id,
                "memo",
                Some(&serde_json::json!({"memo": row.memo})),
                Some(&serde_json::json!({"memo": memo})),
            )?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// A search filter from user-facing keys (site code, phase, role category, theme).
    pub fn search_filter(
        &self,
        site: Option<&str>,
        phase: Option<u32>,
        role_category: Option<&str>,
        theme: Option<&str>,
    ) -> Result<SearchFilter> {
        Ok(SearchFilter {
            exact: false,
            site: site
                .map(|s| self.reference.site(s).map(|x| x.code.clone()))
                .transpose()?,
            phase: phase
                .map(|p| self.reference.phase(p).map(|x| x.number))
                .transpose()?,
            role_category: role_category
                .map(|r| self.reference.role_category(r).map(|x| x.code.clone()))
                .transpose()?,
            theme_id: theme
                .map(|t| self.resolve_theme(t).map(|x| x.id))
                .transpose()?,
        })
    }

    /// Every passage of a theme with its attribution; quotes without consent for anonymised
    /// quotes in force today are marked not allowed.
    /// Under blind coding, only this coder's passages until revealed.
    pub fn quotes(&self, theme: &str, filter: &QuoteFilter) -> Result<Vec<Quote>> {
        self.quotes_with(theme, filter, true)
    }

    /// [`Fieldwork::quotes`] of every coder, whatever blind coding says (the quotes export).
    pub fn quotes_all(&self, theme: &str, filter: &QuoteFilter) -> Result<Vec<Quote>> {
        self.quotes_with(theme, filter, false)
    }

    fn quotes_with(&self, theme: &str, filter: &QuoteFilter, blind: bool) -> Result<Vec<Quote>> {
        let t = self.resolve_theme(theme)?;
        let c = self.store.conn();
        let mut passages = store::passages_of_theme(c, Some(&t.id))?;
        if blind {
            passages = self.blind_filter(passages, |p| &p.coder)?;
        }
        let mut sessions: HashMap<String, crate::domain::Session> = HashMap::new();
        let mut participants: HashMap<String, crate::domain::Participant> = HashMap::new();
        let mut out = Vec::new();
        for p in passages {
            if !sessions.contains_key(&p.session_id) {
                sessions.insert(p.session_id.clone(), self.session(&p.session_id)?);
            }
            let s = &sessions[&p.session_id];
            if filter
                .site
                .as_deref()
                .is_some_and(|x| !x.eq_ignore_ascii_case(&s.site))
                || filter.phase.is_some_and(|x| x != s.phase)
            {
                continue;
            }
            let mut cats = Vec::new();
            let mut allowed = true;
            let mut reasons = Vec::new();
            for sp in &s.participants {
                if !participants.contains_key(&sp.id) {
                    participants.insert(sp.id.clone(), self.participant(&sp.id)?);
                }
                let part = &participants[&sp.id];
                cats.push(part.role_category_name.clone());
                let f = self.consent_in_force(&sp.id, today())?;
                if !f.allows(ConsentItem::Quotes) {
                    allowed = false;
                    reasons.push(format!(
                        "{}: anonymised quotes {}",
                        sp.code,
                        f.item(ConsentItem::Quotes).as_str()
                    ));
                }
            }
            if let Some(rc) = &filter.role_category {
                let want = self.reference.role_category(rc)?.name.clone();
                if !cats.contains(&want) {
                    continue;
                }
            }
            let codes: Vec<String> = s.participants.iter().map(|p| p.code.clone()).collect();
            let site_name = self
                .reference
                .site(&s.site)
                .map(|x| x.name.clone())
                .unwrap_or_else(|_| s.site.clone());
            let attribution = match self.coding.quote_label {
                QuoteLabel::SiteCode => format!("{site_name} – {}", codes.join(", ")),
                QuoteLabel::Code => codes.join(", "),
                QuoteLabel::RoleCategory => {
                    let mut c = cats.clone();
                    c.dedup();
                    c.join(", ")
                }
            };
            out.push(Quote {
                participants: codes,
                site: s.site.clone(),
                phase: s.phase,
                role_categories: cats,
                attribution,
                allowed,
                reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
                passage: p,
            });
        }
        Ok(out)
    }

    /// The framework matrix: participants with a completed interview × active themes.
    /// Under blind coding, the counts of this coder's passages until revealed.
    pub fn matrix(&self, phase: Option<u32>) -> Result<Matrix> {
        self.matrix_with(phase, true)
    }

    /// [`Fieldwork::matrix`] of every coder, whatever blind coding says (the matrix export).
    pub fn matrix_all(&self, phase: Option<u32>) -> Result<Matrix> {
        self.matrix_with(phase, false)
    }

    fn matrix_with(&self, phase: Option<u32>, blind: bool) -> Result<Matrix> {
        let c = self.store.conn();
        let themes: Vec<MatrixTheme> = self
            .themes(false)?
            .into_iter()
            .map(|t| MatrixTheme {
                id: t.id,
                path: t.path,
                name: t.name,
                colour: t.colour,
                depth: t.depth,
            })
            .collect();
        let people = self.participants(&Default::default(), 0, usize::MAX >> 1)?;
        let cases: Vec<MatrixCase> = people
            .into_iter()
            .filter(|p| !p.phases_interviewed.is_empty())
            .filter(|p| phase.is_none_or(|n| p.phases_interviewed.contains(&n)))
            .map(|p| MatrixCase {
                participant_id: p.id,
                code: p.code,
                site: p.site,
                role_category: p.role_category,
                phases: p.phases_interviewed,
            })
            .collect();
        let mut cells: BTreeMap<(String, String, u32), MatrixCell> = BTreeMap::new();
        let me = (blind && self.blinded()?).then(|| self.coder());
        for (pid, tid, ph, n) in store::matrix_counts(c, me.as_deref())? {
            if phase.is_some_and(|x| x != ph) {
                continue;
            }
            cells.insert(
                (pid.clone(), tid.clone(), ph),
                MatrixCell {
                    participant_id: pid,
                    theme_id: tid,
                    phase: ph,
                    passages: n,
                    summary: None,
                },
            );
        }
        for (pid, tid, ph, summary) in store::matrix_summaries(c)? {
            if phase.is_some_and(|x| x != ph) {
                continue;
            }
            cells
                .entry((pid.clone(), tid.clone(), ph))
                .or_insert(MatrixCell {
                    participant_id: pid,
                    theme_id: tid,
                    phase: ph,
                    passages: 0,
                    summary: None,
                })
                .summary = Some(summary);
        }
        Ok(Matrix {
            themes,
            cases,
            cells: cells.into_values().collect(),
            phases: match phase {
                Some(p) => vec![p],
                None => self.reference.phases.iter().map(|p| p.number).collect(),
            },
        })
    }

    /// Write (or with `None`, clear) the analyst's summary for a case × theme × phase cell.
    pub fn set_matrix_summary(
        &mut self,
        participant: &str,
        theme: &str,
        phase: u32,
        summary: Option<&str>,
    ) -> Result<()> {
        self.set_matrix_summary_from(participant, theme, phase, summary, None)
    }

    /// [`Fieldwork::set_matrix_summary`] from a form opened on `opened` (the `summary` it
    /// showed): refused with [`ServiceError::Conflict`] if the summary changed since.
    pub fn set_matrix_summary_from(
        &mut self,
        participant: &str,
        theme: &str,
        phase: u32,
        summary: Option<&str>,
        opened: Option<&super::Version>,
    ) -> Result<()> {
        let pid = self.resolve_participant(participant)?;
        let t = self.resolve_theme(theme)?;
        let ph = self.reference.phase(phase)?.clone();
        let summary = clean(summary);
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let before = store::matrix_summary(&tx, &pid, &t.id, &ph.id)?;
        if let Some(v) = opened {
            v.check("matrix summary", &t.path, |f| match f {
                "summary" => before.clone().unwrap_or_default(),
                _ => String::new(),
            })?;
        }
        if before == summary {
            return Ok(());
        }
        store::set_matrix_summary(
            &tx,
            &pid,
            &t.id,
            &ph.id,
            summary.as_deref(),
            &now_utc(),
            &user,
        )?;
        audit::record(
            &tx,
            &user,
            "matrix",
            &format!("{pid}/{}/{}", t.id, ph.number),
            "summary",
            before.map(|b| serde_json::json!({ "summary": b })).as_ref(),
            summary
                .as_ref()
                .map(|s| serde_json::json!({ "summary": s }))
                .as_ref(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Passages behind a matrix cell.
    pub fn cell_passages(
        &self,
        participant: &str,
        theme: &str,
        phase: u32,
    ) -> Result<Vec<PassageRow>> {
        let pid = self.resolve_participant(participant)?;
        let t = self.resolve_theme(theme)?;
        let sessions: BTreeSet<String> = self
            .sessions(
                &crate::domain::SessionFilter {
                    participant: Some(pid),
                    phase: Some(phase),
                    kind: Some(SessionKind::Interview),
                    ..Default::default()
                },
                false,
                0,
                10_000,
            )?
            .into_iter()
            .map(|s| s.id)
            .collect();
        let rows = store::passages_of_theme(self.store.conn(), Some(&t.id))?
            .into_iter()
            .filter(|p| sessions.contains(&p.session_id))
            .collect();
        self.blind_filter(rows, |p| &p.coder)
    }

    /// Tags (sessions and passages) per theme × site × phase.
    pub fn theme_frequency(&self) -> Result<Vec<FrequencyRow>> {
        let names: HashMap<String, String> = self
            .themes(true)?
            .into_iter()
            .map(|t| (t.id, t.path))
            .collect();
        let mut rows: BTreeMap<String, FrequencyRow> = BTreeMap::new();
        for (tid, site, phase, n) in store::frequency(self.store.conn())? {
            let r = rows.entry(tid.clone()).or_insert_with(|| FrequencyRow {
                theme: names.get(&tid).cloned().unwrap_or_default(),
                theme_id: tid,
                counts: BTreeMap::new(),
                total: 0,
            });
            r.counts.insert(format!("{site}/{phase}"), n);
            r.total += n;
        }
        let mut v: Vec<FrequencyRow> = rows.into_values().collect();
        v.sort_by(|a, b| b.total.cmp(&a.total).then(a.theme.cmp(&b.theme)));
        Ok(v)
    }

    /// Pairs of themes seen together: on overlapping passages and on the same sessions.
    pub fn cooccurrence(&self) -> Result<Vec<CooccurrenceRow>> {
        let names: HashMap<String, String> = self
            .themes(true)?
            .into_iter()
            .map(|t| (t.id, t.path))
            .collect();
        let mut m: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        let c = self.store.conn();
        for (a, b, n) in store::passage_cooccurrence(c)? {
            m.entry((a, b)).or_default().0 = n;
        }
        for (a, b, n) in store::session_cooccurrence(c)? {
            m.entry((a, b)).or_default().1 = n;
        }
        let mut v: Vec<CooccurrenceRow> = m
            .into_iter()
            .map(|((a, b), (p, s))| {
                let a = names.get(&a).cloned().unwrap_or(a);
                let b = names.get(&b).cloned().unwrap_or(b);
                // Each pair in codebook-path order, so the output is the same every run.
                let (a, b) = if a <= b { (a, b) } else { (b, a) };
                CooccurrenceRow {
                    a,
                    b,
                    passages: p,
                    sessions: s,
                }
            })
            .collect();
        v.sort_by(|x, y| {
            (y.passages, y.sessions)
                .cmp(&(x.passages, x.sessions))
                .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        Ok(v)
    }

    /// Saturation: in interview order, the themes first seen in each interview and the
    /// cumulative count, with the stopping rule of Guest, Namey and Chen (2020).
    pub fn saturation(
        &self,
        base: Option<usize>,
        run: Option<usize>,
        threshold: Option<f64>,
        phase: Option<u32>,
    ) -> Result<Saturation> {
        let base = base.unwrap_or(self.coding.saturation_base);
        let run = run.unwrap_or(self.coding.saturation_run);
        let threshold = threshold.unwrap_or(self.coding.saturation_threshold);
        if base == 0 || run == 0 {
            return Err(invalid(
                "saturation",
                "base size and run length must be at least 1",
            ));
        }
        if !(0.0..=1.0).contains(&threshold) {
            return Err(invalid(
                "threshold",
                "give the new-information threshold as a fraction between 0 and 1 (e.g. 0.05)",
            ));
        }
        let c = self.store.conn();
        let phase_of: HashMap<String, u32> = match phase {
            Some(_) => self
                .sessions(
                    &crate::domain::SessionFilter {
                        kind: Some(SessionKind::Interview),
                        ..Default::default()
                    },
                    false,
                    0,
                    usize::MAX >> 1,
                )?
                .into_iter()
                .map(|s| (s.id, s.phase))
                .collect(),
            None => HashMap::new(),
        };
        let mut themes_of: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (sid, _, tid) in store::themes_by_interview(c)? {
            themes_of.entry(sid).or_default().insert(tid);
        }
        let order: Vec<(String, String)> = store::interviews_in_order(c)?
            .into_iter()
            .filter(|(sid, _)| phase.is_none() || phase_of.get(sid) == phase.as_ref())
            .collect();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut points = Vec::new();
        for (i, (sid, date)) in order.iter().enumerate() {
            let t = themes_of.get(sid).cloned().unwrap_or_default();
            let new = t.iter().filter(|x| !seen.contains(*x)).count();
            seen.extend(t.iter().cloned());
            points.push(SaturationPoint {
                index: i + 1,
                session_id: sid.clone(),
                date: date.clone(),
                themes: t.len(),
                new_themes: new,
                cumulative: seen.len(),
            });
        }
        let base_themes = points
            .get(base.saturating_sub(1))
            .map(|p| p.cumulative)
            .unwrap_or(0);
        let mut reached_at = None;
        if base_themes > 0 {
            let mut i = base;
            while i + run <= points.len() {
                let new: usize = points[i..i + run].iter().map(|p| p.new_themes).sum();
                if (new as f64) / (base_themes as f64) <= threshold {
                    reached_at = Some(i + run);
                    break;
                }
                i += 1;
            }
        }
        let pct = |x: f64| format!("{:.0}%", x * 100.0);
        let verdict = if points.len() < base + run {
            format!(
                "Too early to say: {} coded interview(s); the rule needs a base of {base} and a run of {run}.",
                points.iter().filter(|p| p.themes > 0).count()
            )
        } else if base_themes == 0 {
            "No themes are coded in the base interviews yet.".to_string()
        } else if let Some(at) = reached_at {
            let new: usize = points[at - run..at].iter().map(|p| p.new_themes).sum();
            format!(
                "Saturation reached at interview {at}: the run of {run} interviews ending there added {new} new theme(s), {} of the {base_themes} themes seen in the first {base} (threshold {}). {} themes seen in all.",
                pct(new as f64 / base_themes as f64),
                pct(threshold),
                seen.len()
            )
        } else {
            let last: usize = points[points.len() - run..]
                .iter()
                .map(|p| p.new_themes)
                .sum();
            format!(
                "Not reached: the last {run} interviews added {last} new theme(s), {} of the {base_themes} base themes (threshold {}). New themes are still appearing; keep sampling or review the codebook.",
                pct(last as f64 / base_themes as f64),
                pct(threshold)
            )
        };
        Ok(Saturation {
            base,
            run,
            threshold,
            points,
            base_themes,
            reached_at,
            verdict,
        })
    }

    /// Split a theme: create `new_name` beside it and move the given tags onto it; both
    /// keep the history.
    pub fn split_theme(
        &mut self,
        theme: &str,
        new_name: &str,
        tag_ids: &[String],
    ) -> Result<(crate::domain::Theme, usize)> {
        if tag_ids.is_empty() {
            return Err(invalid(
                "tags",
                "name the tags (passages) that move to the new theme",
            ));
        }
        // One transaction: the tags are checked, the theme added and the tags moved in it.
        let tx = self.store.write()?;
        let t = self.resolve_theme(theme)?;
        for id in tag_ids {
            let row = theme_store::tag_row(&tx, id)?.ok_or(ServiceError::NotFound {
                what: "tag",
                key: id.clone(),
            })?;
            if row.theme_id != t.id {
                return Err(invalid(
                    "tags",
                    format!("tag {} is not on {}", &id[..8.min(id.len())], t.path),
                ));
            }
        }
        let parent = t.parent_id.clone();
        let framework = t.framework.clone();
        let new_id = self.add_theme_tx(
            &tx,
            new_name,
            Some(&framework),
            parent.as_deref(),
            Some(&format!("split from {}", t.name)),
            t.colour.as_deref(),
        )?;
        let new_theme = self.resolve_theme(&new_id)?;
        let now = now_utc();
        let user = self.settings.user.clone();
        let moved = store::retheme_tags(&tx, tag_ids, &new_theme.id)?;
        theme_store::insert_event(
            &tx,
            &new_log_id(),
            &t.id,
            "split",
            &serde_json::json!({"into": new_theme.path, "tags_moved": moved}),
            &now,
            &user,
        )?;
        theme_store::insert_event(
            &tx,
            &new_log_id(),
            &new_theme.id,
            "split-from",
            &serde_json::json!({"from": t.path, "tags_moved": moved}),
            &now,
            &user,
        )?;
        audit::record(
            &tx,
            &user,
            "theme",
            &t.id,
            "split",
            None,
            Some(&serde_json::json!({"into": new_theme.id, "tags": tag_ids})),
        )?;
        tx.commit()?;
        Ok((self.resolve_theme(&new_theme.id)?, moved))
    }

    /// How many transcripts are imported and their words.
    pub fn imported_totals(&self) -> Result<(i64, i64)> {
        Ok(store::total_words(self.store.conn())?)
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Turn a naming pattern into a regular expression over the file's relative path.
/// The pattern's problem is an invalid `pattern` field (see [`crate::domain::pattern`]).
pub fn pattern_regex(pattern: &str) -> Result<regex::Regex> {
    crate::domain::pattern::pattern_regex(pattern).map_err(|m| invalid("pattern", m))
}
