//! Undoing a transcript import (one file, or every file of an `import_dir` batch): the
//! link, text, search entries, import record and passage anchors each transcript had
//! before come back exactly, in one transaction, or nothing is written.

use rusqlite::Connection;

use crate::domain::Transcript;
use crate::service::{json, Fieldwork, Result, ServiceError};
use crate::store::coding::{self as store, ImportRow, PassageRow, TurnRow};
use crate::store::{audit, transcripts as tstore};

/// One transcript's state before an import and what the import left (for its undo).
#[derive(Debug, Clone)]
pub struct ImportedOne {
    pub session_id: String,
    /// The link before (`None`: the import linked the file).
    pub link_before: Option<Transcript>,
    /// The import record before (`None`: a first import).
    pub import_before: Option<ImportRow>,
    /// The text before, turn by turn (empty for a first import).
    pub turns_before: Vec<TurnRow>,
    /// Each passage's anchor before (a re-import moves them).
    pub passages_before: Vec<PassageRow>,
    /// What the import left: the link, the import record, the passages' anchors, and how
    /// many redaction log entries the transcript had.
    pub link_after: Option<Transcript>,
    pub import_after: Option<ImportRow>,
    pub passages_after: Vec<PassageRow>,
    pub log_entries: i64,
}

/// What an import wrote, transcript by transcript (returned by
/// [`Fieldwork::import_transcript_undoable`] and [`Fieldwork::import_dir_undoable`],
/// taken back by [`Fieldwork::undo_import`]).
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub items: Vec<ImportedOne>,
    /// A file was copied under the transcripts root (an undo leaves the copy there).
    pub copied: bool,
}

impl Imported {
    /// How many of the transcripts were imported for the first time.
    pub fn first_imports(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.import_before.is_none())
            .count()
    }
}

/// What an undone import put back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportUndone {
    /// Transcripts whose imported text was removed (first imports).
    pub removed: usize,
    /// Transcripts whose previous text and passage anchors came back (re-imports).
    pub restored: usize,
    /// Links the import had made that were removed.
    pub unlinked: usize,
}

fn log_entries(c: &Connection, transcript_id: &str) -> Result<i64> {
    Ok(c.query_row(
        "SELECT count(*) FROM redaction_log WHERE transcript_id = ?1",
        [transcript_id],
        |r| r.get(0),
    )?)
}

fn anchors(p: &[PassageRow]) -> Vec<(&str, i64, i64, &str)> {
    p.iter()
        .map(|p| (p.id.as_str(), p.span_start, p.span_end, p.anchor.as_str()))
        .collect()
}

impl ImportedOne {
    /// Read, inside the import's transaction and before it writes, the interview's
    /// transcript as it is.
    pub(super) fn before(tx: &Connection, session_id: &str) -> Result<ImportedOne> {
        let link = tstore::for_session(tx, session_id)?;
        let (import, turns, passages) = match &link {
            Some(t) => (
                store::import_row(tx, &t.id)?,
                store::turns(tx, &t.id)?,
                store::passages(tx, &t.id)?,
            ),
            None => (None, Vec::new(), Vec::new()),
        };
        Ok(ImportedOne {
            session_id: session_id.to_string(),
            link_before: link,
            import_before: import,
            turns_before: turns,
            passages_before: passages,
            link_after: None,
            import_after: None,
            passages_after: Vec::new(),
            log_entries: 0,
        })
    }

    /// Read, in the same transaction once the import wrote, what it left.
    pub(super) fn after(mut self, tx: &Connection, t: &Transcript) -> Result<ImportedOne> {
        self.link_after = tstore::for_session(tx, &t.session_id)?;
        self.import_after = store::import_row(tx, &t.id)?;
        self.passages_after = store::passages(tx, &t.id)?;
        self.log_entries = log_entries(tx, &t.id)?;
        Ok(self)
    }
}

impl Fieldwork {
    /// Undo an import (one transcript or a whole batch), in one transaction: a first
    /// import's text, search entries and import record are removed; a re-import's previous
    /// text, import record and passage anchors come back exactly; a link the import made
    /// is removed, a link it changed is put back. Refused, with nothing written, when any
    /// transcript of it changed since: re-imported or relinked, a passage coded on it (or
    /// a passage's anchor changed), a redaction run used it.
    pub fn undo_import(&mut self, imported: &Imported) -> Result<ImportUndone> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let mut done = ImportUndone::default();
        // Every check first: a batch is taken back whole or not at all.
        for one in &imported.items {
            let (Some(after), Some(import)) = (&one.link_after, &one.import_after) else {
                return Err(ServiceError::Refused(
                    "the import left no transcript to take back".into(),
                ));
            };
            let refuse = |why: String| {
                Err(ServiceError::Refused(format!(
                    "{}: {why} since it was imported; the import is not undone (nothing was changed)",
                    after.path
                )))
            };
            let same_import = store::import_row(&tx, &after.id)?
                .is_some_and(|i| i.sha256 == import.sha256 && i.imported_at == import.imported_at);
            if !same_import {
                return refuse("it was imported again".into());
            }
            let now = tstore::for_session(&tx, &one.session_id)?;
            if !now.as_ref().is_some_and(|n| {
                n.id == after.id && n.path == after.path && n.sha256 == after.sha256
            }) {
                return refuse("its link changed".into());
            }
            let coded = store::passage_count(&tx, &after.id)?;
            if coded as usize != one.passages_after.len()
                || anchors(&store::passages(&tx, &after.id)?) != anchors(&one.passages_after)
            {
                return refuse(format!(
                    "passages were coded on it or moved ({coded} now, {} then)",
                    one.passages_after.len()
                ));
            }
            let logged = log_entries(&tx, &after.id)?;
            if logged != one.log_entries {
                return refuse(format!(
                    "a redaction run used it ({} log entries)",
                    logged - one.log_entries
                ));
            }
        }
        for one in &imported.items {
            let (Some(after), Some(import)) = (&one.link_after, &one.import_after) else {
                continue;
            };
            store::delete_turns(&tx, &after.id)?;
            match &one.import_before {
                None => {
                    tx.execute(
                        "DELETE FROM transcript_import WHERE transcript_id = ?1",
                        [&after.id],
                    )?;
                    done.removed += 1;
                }
                Some(before) => {
                    let first = store::next_turn_n(&tx)?;
                    for (n, t) in (first..).zip(&one.turns_before) {
                        store::insert_turn(&tx, n, t)?;
                    }
                    store::upsert_import(&tx, before)?;
                    for p in &one.passages_before {
                        store::set_anchor(
                            &tx,
                            &p.id,
                            p.span_start,
                            p.span_end,
                            &p.anchor,
                            p.prefix.as_deref(),
                            p.suffix.as_deref(),
                        )?;
                    }
                    done.restored += 1;
                }
            }
            match &one.link_before {
                Some(link) => tstore::relink(&tx, link)?,
                None => {
                    tx.execute("DELETE FROM transcript WHERE id = ?1", [&after.id])?;
                    done.unlinked += 1;
                }
            }
            audit::record(
                &tx,
                &user,
                "transcript",
                &after.id,
                "import undone",
                Some(&serde_json::json!({
                    "path": after.path,
                    "sha256": import.sha256,
                    "imported_at": import.imported_at,
                })),
                Some(&match &one.import_before {
                    Some(b) => serde_json::json!({
                        "sha256": b.sha256,
                        "imported_at": b.imported_at,
                        "turns": one.turns_before.len(),
                        "link": one.link_before.as_ref().map(json),
                    }),
                    None => serde_json::json!({
                        "imported": false,
                        "link": one.link_before.as_ref().map(json),
                    }),
                }),
            )?;
        }
        tx.commit()?;
        Ok(done)
    }
}
