//! The writes that only undo others, and deletions of records created by mistake: each
//! one service call. The undoing writes have no inverse of their own (redo replays the
//! write they undid); a deletion's inverse puts back what it removed (`Write::Restore`).

use crate::service::{Fieldwork, Result};
use crate::tui::core::Write;

/// The status line after a deletion.
fn deleted(d: &crate::service::delete::Deletion) -> String {
    let also = if d.dependents.is_empty() {
        String::new()
    } else {
        format!(", with {}", crate::service::delete::describe(&d.dependents))
    };
    format!(
        "deleted {} {}{also}; the audit log keeps it",
        d.kind, d.label
    )
}

/// The undo of a deletion: put back what it removed (when it was recorded).
fn restore(d: crate::service::delete::Deleted) -> Option<(String, Write)> {
    d.restorable().then(|| {
        (
            format!("deleting {} {}", d.deletion.kind, d.deletion.label),
            Write::Restore(Box::new(d)),
        )
    })
}

/// Carry out one of the undoing writes: (status line, no undo).
pub(super) fn apply(fw: &mut Fieldwork, w: Write) -> Result<(String, Option<(String, Write)>)> {
    Ok(match w {
        Write::DeleteParticipant {
            id,
            with_dependents,
        } => {
            let d = fw.delete_participant_undoable(&id, with_dependents, None)?;
            (deleted(&d.deletion), restore(d))
        }
        Write::DeleteSession {
            id,
            kind,
            with_dependents,
        } => {
            let d = fw.delete_session_undoable(&id, kind, with_dependents)?;
            (deleted(&d.deletion), restore(d))
        }
        Write::Restore(d) => {
            let x = fw.restore_deleted(&d)?;
            (
                format!(
                    "{} {} is back as it was{}",
                    x.kind,
                    x.label,
                    if x.with_dependents && !x.dependents.is_empty() {
                        format!(", with {}", crate::service::delete::describe(&x.dependents))
                    } else {
                        String::new()
                    }
                ),
                None,
            )
        }
        Write::UndoLog(l) => {
            let d = fw.undo_log_session(&l)?;
            (deleted(&d), None)
        }
        Write::RevertSession(c) => {
            let x = fw.revert_session_status(&c)?;
            (
                format!(
                    "the interview of {} is {} again; the change is out of the history",
                    crate::domain::format_date(x.date),
                    x.status
                ),
                None,
            )
        }
        Write::Unlink(l) => {
            let back = fw.unlink_transcript(&l)?;
            (
                match back {
                    Some(t) => format!(
                        "link removed; {} is linked again",
                        crate::tui::widgets::text::esc(&t.path)
                    ),
                    None => "link removed (the file stays where it is)".to_string(),
                },
                None,
            )
        }
        Write::Unmerge(m) => {
            let t = fw.unmerge_theme(&m)?;
            (format!("{} is a theme of its own again", t.path), None)
        }
        Write::CorrectConsent { id, reason } => {
            let c = fw.correct_consent(&id, &reason)?;
            (
                format!(
                    "correcting record added: the {} record counts no more (the history shows both)",
                    c.record_kind
                ),
                None,
            )
        }
        Write::DeleteAddedTheme(a) => {
            let path = fw.delete_added_theme(&a)?;
            (
                format!(
                    "theme {} deleted; the audit log keeps it",
                    crate::tui::widgets::text::esc(&path)
                ),
                None,
            )
        }
        Write::Unretire(r) => {
            let t = fw.unretire_theme(&r)?;
            (
                format!(
                    "{} is {} again; the retirement is out of its history",
                    crate::tui::widgets::text::esc(&t.path),
                    t.status
                ),
                None,
            )
        }
        Write::Unsplit(x) => {
            let t = fw.unsplit_theme(&x)?;
            (
                format!(
                    "{} tag(s) back on {}; theme {} deleted",
                    x.moved.len(),
                    crate::tui::widgets::text::esc(&t.path),
                    crate::tui::widgets::text::esc(&x.theme.path)
                ),
                None,
            )
        }
        Write::Unaccept(a) => {
            let n = fw.unaccept_passages(&a)?;
            (
                format!("{n} passage(s) back to their old quote, marked changed for review"),
                None,
            )
        }
        Write::Unsettle(x) => {
            let o = fw.unsettle(&x)?;
            (
                format!(
                    "{} passage tag(s) made by the settling removed, {} put back as they were",
                    o.created.len(),
                    o.deleted.len()
                ),
                None,
            )
        }
        Write::UndoRegister(c) => {
            use crate::service::redaction::RegisterChange as R;
            fw.undo_register(&c)?;
            (
                match &*c {
                    R::Identifier { label, .. } => {
                        format!("{label} and its variants are out of the register")
                    }
                    R::Variant { label, .. } => {
                        format!("the variant is out of {label}; it is flagged again")
                    }
                    R::Allowed { .. } => {
                        "the allowance is taken back: the text is flagged again".to_string()
                    }
                    R::Class { class } => {
                        format!(
                            "class {class} is no longer allowed: its suspects are flagged again"
                        )
                    }
                    R::Nothing => "nothing to take back".to_string(),
                },
                None,
            )
        }
        Write::UndoImport(i) => {
            let d = fw.undo_import(&i)?;
            let mut parts = Vec::new();
            if d.removed > 0 {
                parts.push(format!(
                    "imported text removed from {} transcript(s)",
                    d.removed
                ));
            }
            if d.restored > 0 {
                parts.push(format!(
                    "the previous text and passage places are back in {} transcript(s)",
                    d.restored
                ));
            }
            if d.unlinked > 0 {
                parts.push(format!("{} link(s) removed", d.unlinked));
            }
            parts.push("the files stay where they are".into());
            (parts.join("; "), None)
        }
        Write::UndoRelink(r) => {
            let n = fw.undo_relink(&r)?;
            (format!("{n} link(s) back at their previous path"), None)
        }
        other => {
            return Err(crate::service::ServiceError::Refused(format!(
                "not a write that undoes another: {other:?}"
            )))
        }
    })
}
