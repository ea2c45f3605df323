//! Importing a transcript (from the transcripts root, or copied under it from anywhere),
//! re-anchoring the passages of a re-imported one; a folder's import is in `import_dir`.

use std::path::{Path, PathBuf};

use super::import_undo::{Imported, ImportedOne};
use super::types::*;
use crate::domain::anchor::{reanchor, Anchor, Passage};
use crate::domain::transcript::{self as parser, Parsed};
use crate::domain::{new_id, now_utc, SessionKind, Transcript, TranscriptStatus};
use crate::service::consent::sha256_bytes;
use crate::service::transcript_copy::Placed;
use crate::service::transcripts::{format_of, Located};
use crate::service::{invalid, io_err, json, Fieldwork, Result, ServiceError};
use crate::store::coding::{self as store, ImportRow, TurnRow};
use crate::store::{audit, transcripts as tstore};

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
        Ok(self.import_transcript_undoable(session, file, replace)?.0)
    }

    /// [`Fieldwork::import_transcript`] that also returns what its undo
    /// ([`Fieldwork::undo_import`]) needs: the transcript's link, text, import record and
    /// passage anchors before, and what the import left.
    pub fn import_transcript_undoable(
        &mut self,
        session: &str,
        file: &Path,
        replace: bool,
    ) -> Result<(ImportOutcome, Imported)> {
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
            let before = ImportedOne::before(&tx, &s.id)?;
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
            let one = before.after(&tx, &outcome.transcript)?;
            tx.commit()?;
            Ok((outcome, one))
        })();
        match written {
            Ok((mut outcome, one)) => {
                outcome.copied_from = copied_from;
                Ok((
                    outcome,
                    Imported {
                        items: vec![one],
                        copied: placed.created.is_some(),
                    },
                ))
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
    pub(super) fn import_parsed_tx(
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
}

pub(super) fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
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
