//! Each `Write` carried out through the service (one transaction each), with the inverse
//! write that undoes it when there is one. A new undoable write adds a `Write` variant
//! (`core::write`) and its arm here, returning `Some((what, inverse))`.

use std::path::Path;

use super::outcome::{Created, Undo};
use crate::service::{Fieldwork, Result, ServiceError};
use crate::tui::core::{Pane, State, Write};

/// The reason a correcting record made by an undo gives.
const UNDONE: &str = "entered in error: undone in the interface";

pub(super) fn apply(
    fw: &mut Fieldwork,
    s: &State,
    w: Write,
    created: &mut Option<Created>,
) -> Result<(String, Undo)> {
    Ok(match w {
        Write::AddParticipant(input) => {
            let p = fw.add_participant(&input)?;
            *created = Some(Created {
                select: Some((Pane::Participants, p.id.clone())),
                next: format!(
                    "next: r records {}'s consent, t changes the status, i logs an interview",
                    p.code
                ),
            });
            (
                format!("added participant {}", p.code),
                Some((
                    format!("adding participant {}", p.code),
                    Write::DeleteParticipant {
                        id: p.id.clone(),
                        with_dependents: false,
                    },
                )),
            )
        }
        Write::EditParticipant {
            id,
            input,
            before,
            opened,
        } => {
            let p = fw.edit_participant_from(&id, &input, opened.as_ref())?;
            // The undo puts back the fields this edit changed, and is refused if someone
            // changed any of them since.
            let undo = before.map(|b| {
                let opened = crate::service::participants::participant_version_of(&p, &b);
                (
                    format!("edit of {}", p.code),
                    Write::EditParticipant {
                        id: id.clone(),
                        input: b,
                        before: None,
                        opened: Some(opened),
                    },
                )
            });
            (format!("saved {}", p.code), undo)
        }
        Write::SetStatus {
            id,
            status,
            date,
            note,
            before,
        } => {
            // The status the form was opened on: refused if it changed since.
            let opened = before.map(|b| crate::service::Version::new([("status", b.as_str())]));
            let p = fw.set_status_from(&id, status, date, note.as_deref(), opened.as_ref())?;
            // The undo takes the change back out of the history (no second event).
            let undo = before
                .filter(|b| *b != crate::domain::Status::Withdrawn)
                .map(|_| {
                    (
                        format!("status change of {}", p.code),
                        Write::RevertStatus {
                            id: id.clone(),
                            status: p.status,
                        },
                    )
                });
            (format!("{} is now {}", p.code, p.status), undo)
        }
        Write::RevertStatus { id, status } => {
            let p = fw.revert_status(&id, status)?;
            (
                format!(
                    "{} is {} again; the change to {status} is out of its history",
                    p.code, p.status
                ),
                None,
            )
        }
        Write::RecordConsent { pid, input } => {
            let r = fw.record_consent(&pid, &input)?;
            let when = crate::domain::format_date(r.date);
            (
                format!("consent recorded ({}, {when})", r.form_version),
                Some((
                    format!("consent record of {when} (a correcting record is added: records are never changed)"),
                    Write::CorrectConsent {
                        id: r.id.clone(),
                        reason: UNDONE.into(),
                    },
                )),
            )
        }
        Write::Withdraw {
            pid,
            scope,
            date,
            reason,
        } => {
            let w = fw.withdraw(&pid, scope, date, reason.as_deref())?;
            (
                format!("withdrawal recorded ({})", w.scope),
                Some((
                    format!(
                        "withdrawal ({}) (a correcting record is added: records are never changed)",
                        w.scope
                    ),
                    Write::CorrectConsent {
                        id: w.id.clone(),
                        reason: UNDONE.into(),
                    },
                )),
            )
        }
        Write::LogInterview(input) => {
            let l = fw.log_interview(&input)?;
            let mut m = format!(
                "interview {} logged for {} ({})",
                crate::domain::format_date(l.session.date),
                l.session
                    .participants
                    .iter()
                    .map(|p| p.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                l.session.status
            );
            for w in &l.warnings {
                m.push_str("; ");
                m.push_str(w);
            }
            *created = Some(Created {
                select: Some((Pane::Sessions, l.session.id.clone())),
                next: if l.session.status == crate::domain::SessionStatus::Done {
                    "next: 4 then l links the interview's transcript (its file under the transcripts root)".into()
                } else {
                    "next: d in Sessions marks it done once it has taken place".into()
                },
            });
            let what = format!(
                "logging the interview of {}",
                crate::domain::format_date(l.session.date)
            );
            (m, Some((what, Write::UndoLog(Box::new(l)))))
        }
        Write::CompleteInterview {
            sid,
            status,
            date,
            duration,
            recording,
            allow_gap,
            opened,
        } => {
            let l = fw.complete_interview_from(
                &sid,
                status,
                date,
                duration,
                recording,
                allow_gap,
                opened.as_ref(),
            )?;
            let undo = l.change.clone().map(|c| {
                (
                    format!(
                        "{} → {} of the interview of {}",
                        c.before.status,
                        l.session.status,
                        crate::domain::format_date(l.session.date)
                    ),
                    Write::RevertSession(Box::new(c)),
                )
            });
            (format!("interview is now {}", l.session.status), undo)
        }
        Write::LogObservation(input) => {
            let x = fw.log_observation(&input)?;
            *created = Some(Created {
                select: Some((Pane::Sessions, x.id.clone())),
                next: "next: 5 then t tags the observation with themes".into(),
            });
            let name = x.meeting_type_name.clone().unwrap_or_default();
            (
                format!("observation logged ({name})"),
                Some((
                    format!("logging the observation ({name})"),
                    Write::DeleteSession {
                        id: x.id.clone(),
                        kind: Some(crate::domain::SessionKind::Observation),
                        with_dependents: false,
                    },
                )),
            )
        }
        Write::LinkTranscript { sid, path, replace } => {
            let file = Path::new(&path);
            if fw.is_outside_transcripts_root(file)? {
                // From anywhere: the import the CLI's `transcript import` does (copied under
                // the root by the naming pattern, linked and its text imported).
                let (out, imported) = fw.import_transcript_undoable(&sid, file, replace)?;
                let shown = if s.privacy {
                    crate::export::file_name(file)
                } else {
                    path.clone()
                };
                let copy = crate::tui::widgets::text::esc(&out.transcript.path);
                (
                    format!(
                        "{shown} copied under the transcripts root as {copy} and imported ({} turns, {} words)",
                        out.turns, out.words
                    ),
                    // The undo takes the link and the text back; the copy stays (a file
                    // under the root is never removed by the interface).
                    Some((
                        format!("importing {copy} (the copy stays under the transcripts root)"),
                        Write::UndoImport(Box::new(imported)),
                    )),
                )
            } else {
                let l = fw.link_transcript_undoable(&sid, file, replace)?;
                let t = &l.transcript;
                (
                    format!("transcript linked ({} bytes, {})", t.size, t.format),
                    Some((
                        format!("linking {}", crate::tui::widgets::text::esc(&t.path)),
                        Write::Unlink(Box::new(l)),
                    )),
                )
            }
        }
        Write::Verify { relink } => {
            let (v, relinked) = fw.verify_transcripts_undoable(relink)?;
            let bad = v
                .iter()
                .filter(|x| x.status != crate::domain::TranscriptStatus::Ok)
                .count();
            let moved = v.iter().filter(|x| x.relinked).count();
            (
                format!(
                    "verified {} file(s): {bad} need attention, {moved} relinked",
                    v.len()
                ),
                // A plain check records what the files are now: nothing to undo. The
                // relinks are.
                (!relinked.links.is_empty()).then(|| {
                    (
                        format!("relinking {} moved file(s)", relinked.links.len()),
                        Write::UndoRelink(Box::new(relinked)),
                    )
                }),
            )
        }
        w @ (Write::AddTheme { .. }
        | Write::RenameTheme { .. }
        | Write::MergeTheme { .. }
        | Write::RetireTheme { .. }
        | Write::Tag { .. }
        | Write::Untag { .. }
        | Write::TagPassage { .. }
        | Write::PassageMemo { .. }
        | Write::AcceptPassages { .. }
        | Write::SetSummary { .. }
        | Write::SplitTheme { .. }
        | Write::Settle { .. }
        | Write::Reveal) => super::apply_coding::apply(fw, s, w, created)?,
        Write::ImportTranscript { sid } => {
            let row = s
                .transcripts
                .rows
                .iter()
                .find(|r| r.session_id == sid)
                .and_then(|r| r.transcript.clone());
            let Some(t) = row else {
                return Err(ServiceError::Invalid {
                    field: "transcript".into(),
                    message: "no file is linked to this interview".into(),
                });
            };
            let file = fw.transcripts_root().join(&t.path);
            let (out, imported) = fw.import_transcript_undoable(&sid, &file, false)?;
            let mut m = format!(
                "imported {} turns, {} words ({})",
                out.turns, out.words, out.encoding
            );
            if let Some(r) = &out.reimport {
                m.push_str(&format!(
                    "; re-import: {} of {} passage(s) kept, {} changed, {} lost",
                    r.kept,
                    r.passages,
                    r.changed.len(),
                    r.lost.len()
                ));
            }
            for w in &out.warnings {
                m.push_str("; ");
                m.push_str(w);
            }
            let path = crate::tui::widgets::text::esc(&out.transcript.path);
            let what = if out.reimport.is_some() {
                format!("re-importing {path} (its previous text and passage places come back)")
            } else {
                format!("importing the text of {path}")
            };
            (m, Some((what, Write::UndoImport(Box::new(imported)))))
        }
        w @ (Write::DeleteParticipant { .. }
        | Write::DeleteSession { .. }
        | Write::UndoLog(_)
        | Write::RevertSession(_)
        | Write::Unlink(_)
        | Write::Unmerge(_)
        | Write::CorrectConsent { .. }
        | Write::Restore(_)
        | Write::DeleteAddedTheme(_)
        | Write::Unretire(_)
        | Write::Unsplit(_)
        | Write::Unaccept(_)
        | Write::Unsettle(_)) => super::inverse::apply(fw, w)?,
        Write::ImportAll => {
            let root = fw.transcripts_root().to_path_buf();
            let (r, imported) = fw.import_dir_undoable(&root, None, false, true)?;
            let done = r.iter().filter(|x| x.outcome == "imported").count();
            let other = r.len() - done;
            let undo = (!imported.items.is_empty()).then(|| {
                (
                    format!(
                        "importing {} transcript(s) from the transcripts root",
                        imported.items.len()
                    ),
                    Write::UndoImport(Box::new(imported)),
                )
            });
            (
                format!(
                    "imported {done} transcript(s) from {}; {other} file(s) not imported (see `transcript import-dir --dry-run`)",
                    root.display()
                ),
                undo,
            )
        }
        w @ (Write::AddIdentifier { .. }
        | Write::AddVariant { .. }
        | Write::Review { .. }
        | Write::AllowClass { .. }) => register(fw, s, w)?,
        w @ (Write::UndoRegister(_) | Write::UndoImport(_) | Write::UndoRelink(_)) => {
            super::inverse::apply(fw, w)?
        }
    })
}

/// The Redaction pane's register writes, each with its undo (`None` when it found
/// everything already there).
fn register(fw: &mut Fieldwork, s: &State, w: Write) -> Result<(String, Undo)> {
    use crate::service::redaction::{Decision, RegisterChange};
    use crate::tui::widgets::text::pii;
    let (msg, what, change) = match w {
        Write::AddIdentifier {
            kind,
            label,
            variant,
        } => {
            let (i, c) = fw.add_identifier_undoable(&kind, &label, &[variant])?;
            (
                format!("added {} ({})", i.label, i.kind),
                format!("adding {}", i.label),
                c,
            )
        }
        Write::AddVariant {
            identifier,
            variant,
        } => {
            let (i, c) = fw.add_identifier_variant_undoable(&identifier, &variant)?;
            let shown = pii(s.privacy, &variant);
            (
                format!("{shown} is now a variant of {}", i.label),
                format!("adding the variant “{shown}” to {}", i.label),
                c,
            )
        }
        Write::Review { text, decision } => {
            let shown = pii(s.privacy, &text);
            let (msg, what) = match &decision {
                Decision::Variant(id) => {
                    let label = s
                        .data
                        .red
                        .register
                        .iter()
                        .find(|r| r.id == *id)
                        .map_or_else(|| id.clone(), |r| r.label.clone());
                    (
                        format!("“{shown}” is now a variant of {label}"),
                        format!("accepting “{shown}” as a variant of {label}"),
                    )
                }
                Decision::New { label, .. } => (
                    format!("“{shown}” is now {label}"),
                    format!("accepting “{shown}” as the new identifier {label}"),
                ),
                Decision::Allow => (
                    format!("“{shown}” allowed: it identifies no one and is not flagged again"),
                    format!("allowing “{shown}”"),
                ),
            };
            (msg, what, fw.review_suspect_undoable(&text, decision)?)
        }
        Write::AllowClass { class } => {
            let c = fw.allow_class_undoable(&class)?;
            (
                format!("class {class} allowed"),
                format!("allowing the class {class}"),
                c,
            )
        }
        other => {
            return Err(ServiceError::Refused(format!(
                "not a register write: {other:?}"
            )))
        }
    };
    let undo =
        (change != RegisterChange::Nothing).then(|| (what, Write::UndoRegister(Box::new(change))));
    Ok((msg, undo))
}
