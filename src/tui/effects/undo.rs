//! The one undo/redo mechanism: a write carried out (`apply`), then the global undo and
//! redo stacks kept (`Step`: what, inverse, forward), the form closed or its error shown,
//! the pane reloaded and a created record selected.

use super::apply::apply;
use super::load::load;
use super::outcome::Created;
use crate::service::{Fieldwork, ServiceError};
use crate::tui::core::{Mode, Pane, Replay, Slow, State, Step, Write, UNDO_MAX};

/// Carry out one write; on success close the form, keep an undo, reload.
pub(super) fn write(fw: &mut Fieldwork, s: &mut State, w: Write) {
    let replaying = s.replaying.take();
    let mut created: Option<Created> = None;
    let forward = w.clone();
    match apply(fw, s, w, &mut created) {
        Ok((msg, undo)) => {
            s.delete_again = None;
            s.form = None;
            if s.mode == Mode::Form {
                s.mode = Mode::Normal;
            }
            if let Some(v) = &mut s.coding.viewer {
                v.anchor = None;
            }
            match replaying {
                // Undone: it can be redone; the status line says what was undone.
                Some((Replay::Undo, step)) => {
                    s.info(format!("undone: {} ({msg}); U redoes it", step.what));
                    s.redo.push(step);
                }
                // Redone: undoable again, with the inverse of this new write (new ids).
                Some((Replay::Redo, step)) => {
                    s.info(format!("redone: {} ({msg})", step.what));
                    if let Some((what, inverse)) = undo {
                        s.undo.push(Step {
                            what,
                            inverse,
                            forward: step.forward,
                        });
                    }
                }
                None => {
                    s.info(msg);
                    s.redo.clear();
                    if let Some((what, inverse)) = undo {
                        if s.undo.len() >= UNDO_MAX {
                            s.undo.remove(0);
                        }
                        s.undo.push(Step {
                            what,
                            inverse,
                            forward,
                        });
                    }
                }
            }
            s.invalidate();
            // The Redaction pane recomputes its suspects after any write: the status line
            // says so (and then how many are left) after what the write did.
            if s.pane == Pane::Redaction {
                crate::tui::panes::data::io::recomputing_after(s);
            }
            if let Err(e) = load(fw, s, s.pane) {
                s.error(e.to_string());
            }
            // A new record is selected where it is listed, and the hint bar says what
            // usually comes next.
            if let Some(c) = created {
                s.next_hint = Some(c.next);
                match c.select {
                    // The Themes tree is in memory (just reloaded).
                    Some((Pane::Themes, id)) if s.pane == Pane::Themes => {
                        if let Some(i) = s.themes.list.iter().position(|t| t.id == id) {
                            s.themes.sel = i;
                            s.queue(Slow::Detail(Pane::Themes), true);
                        }
                    }
                    // A list: cleared of filters that could hide it, then found.
                    Some((pane, id)) if pane == s.pane => {
                        match pane {
                            Pane::Participants => s.participants.filter = Default::default(),
                            Pane::Sessions => s.sessions.filter = Default::default(),
                            _ => {}
                        }
                        s.locate(pane, id);
                    }
                    _ => {}
                }
            }
        }
        Err(ServiceError::Conflict { what, key, changes }) if s.form.is_some() => {
            s.show_conflict(format!("{what} {key}"), changes);
        }
        Err(e) => {
            // A deletion refused for the records that depend on it: Delete again on the
            // same record offers to delete them too.
            let dependents = matches!(&e, ServiceError::Dependents { .. });
            let again = match &forward {
                Write::DeleteParticipant {
                    id,
                    with_dependents: false,
                }
                | Write::DeleteSession {
                    id,
                    with_dependents: false,
                    ..
                } if dependents && replaying.is_none() => Some(id.clone()),
                _ => None,
            };
            // An undo or redo that failed stays where it was, to try again.
            match replaying {
                Some((Replay::Undo, step)) => s.undo.push(step),
                Some((Replay::Redo, step)) => s.redo.push(step),
                None => {}
            }
            let mut text = match &e {
                // The interface's way to delete them too, not the command line's flag.
                ServiceError::Dependents {
                    record,
                    dependents,
                    pronoun,
                    keep,
                } if again.is_some() => format!(
                    "refused: {record} has {dependents} that depend on {pronoun}; Delete again offers to delete those too, or keep {keep}; nothing was deleted"
                ),
                _ => e.to_string(),
            };
            if let Some((_, form)) = &mut s.form {
                match &e {
                    ServiceError::Invalid { field, message } if form.set_error(field, message) => {
                        // The focus moved to the field in error: say so.
                        let label = form.fields.get(form.focus).map_or("", |f| f.label);
                        text = format!("not saved: {label} — {message} (the cursor is on it)");
                    }
                    _ => form.error = Some(text.clone()),
                }
                s.mode = Mode::Form;
            }
            s.delete_again = again;
            s.error(text);
        }
    }
}
