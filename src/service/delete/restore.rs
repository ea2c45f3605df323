//! The undo of a deletion: what it removed put back as it was, from the deletion's own
//! changeset (SQLite's session extension).

use super::Deletion;
use crate::service::{Fieldwork, Result, ServiceError};
use crate::store::audit;
use crate::store::session::{self, Action, ConflictKind};

impl Fieldwork {
    /// Put back what a deletion removed (the undo of a deletion): every row it deleted,
    /// as it was, in one transaction — the inverse of the deletion's own changeset (SQLite's
    /// session extension), its audit entries kept. Refused, with nothing written, when
    /// anything it would put back collides with what is there now: a record with the same
    /// key or export code was made since, or a record it points to is gone. The search
    /// index of restored transcript turns is rebuilt. Audited (`restore`).
    pub fn restore_deleted(&mut self, d: &Deleted) -> Result<Deletion> {
        let what = format!("{} {}", d.deletion.kind, d.deletion.label);
        if d.changes.is_empty() {
            return Err(ServiceError::Refused(format!(
                "{what} cannot be put back: the deletion's changes were not recorded (it ran inside a batch); nothing was changed"
            )));
        }
        let user = self.settings.user.clone();
        let w = self.store.write()?;
        let inverse = session::invert(&d.changes)?;
        let changes = session::changes(&inverse)?;
        let turns = crate::service::sync::turns_of(&changes);
        let mut blocked: Vec<String> = Vec::new();
        // The audit entries of the deletion stay: the log keeps the delete and its undoing.
        let r = session::apply_tables(&w, &inverse, &|t| t != "audit", &mut |x| {
            blocked.push(match x.kind {
                ConflictKind::ForeignKey => {
                    format!("{} record(s) it points to are gone", x.fk_count)
                }
                ConflictKind::Conflict => format!("its {} is there already", noun(&x.change.table)),
                ConflictKind::Constraint => format!(
                    "its {} would clash with one made since (same code or name)",
                    noun(&x.change.table)
                ),
                _ => format!("its {} changed since", noun(&x.change.table)),
            });
            Action::Omit
        });
        if r.is_err() || !blocked.is_empty() {
            let mut seen = std::collections::BTreeSet::new();
            blocked.retain(|b| seen.insert(b.clone()));
            return Err(ServiceError::Refused(format!(
                "{what} cannot be put back: {}; nothing was changed",
                if blocked.is_empty() {
                    r.err().map(|e| e.to_string()).unwrap_or_default()
                } else {
                    blocked.join(", ")
                }
            )));
        }
        crate::service::sync::fts_turns(&w, &turns, "insert")?;
        let table = if d.deletion.kind == "participant" {
            "participant"
        } else {
            "session"
        };
        audit::record(
            &w,
            &user,
            table,
            &d.deletion.id,
            "restore",
            None,
            Some(
                &serde_json::json!({ "undoes": "delete", "with_dependents": d.deletion.with_dependents }),
            ),
        )?;
        w.commit()?;
        Ok(Deletion {
            deleted: false,
            ..d.deletion.clone()
        })
    }
}

/// A table's rows in words (a restore's refusal).
fn noun(table: &str) -> &str {
    match table {
        "status_event" => "status change",
        "session_participant" => "place in a session",
        "turn" => "transcript text",
        "transcript_import" => "import record",
        "tag" => "tag or passage",
        "matrix_summary" => "matrix summary",
        "identifier" => "register entry",
        "identifier_variant" => "register variant",
        "redaction_log" => "redaction log entry",
        other => other,
    }
}

/// A deletion done, with the changeset of its transaction (every row it removed, as it
/// was), so that [`Fieldwork::restore_deleted`] can put them back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub deletion: Deletion,
    pub(super) changes: Vec<u8>,
}

impl Deleted {
    /// Whether what was removed was recorded, so that it can be put back.
    pub fn restorable(&self) -> bool {
        !self.changes.is_empty()
    }
}
