//! The codebook's and the coding's writes carried out (themes, tags and passages, memos,
//! matrix summaries, accepting changed passages, splitting, settling, revealing), each with
//! the inverse write that undoes it when there is one (see `apply`).

use super::outcome::{Created, Undo};
use crate::service::{Fieldwork, Result, ServiceError};
use crate::tui::core::{Pane, State, Write};

pub(super) fn apply(
    fw: &mut Fieldwork,
    s: &State,
    w: Write,
    created: &mut Option<Created>,
) -> Result<(String, Undo)> {
    Ok(match w {
        Write::AddTheme {
            name,
            framework,
            parent,
        } => {
            let a =
                fw.add_theme_undoable(&name, framework.as_deref(), parent.as_deref(), None, None)?;
            let t = &a.theme;
            *created = Some(Created {
                select: Some((Pane::Themes, t.id.clone())),
                next: "next: Space marks it, t tags the session selected in Sessions".into(),
            });
            let path = crate::tui::widgets::text::esc(&t.path);
            (
                format!("theme {path} added"),
                Some((
                    format!("adding theme {path}"),
                    Write::DeleteAddedTheme(Box::new(a)),
                )),
            )
        }
        Write::RenameTheme {
            id,
            name,
            before,
            opened,
        } => {
            let t = fw.rename_theme_from(&id, &name, opened.as_ref())?;
            let undo = before.map(|b| {
                (
                    format!("rename of {}", t.path),
                    Write::RenameTheme {
                        id: id.clone(),
                        name: b,
                        before: None,
                        opened: Some(crate::service::Version::new([("name", t.name.clone())])),
                    },
                )
            });
            (format!("renamed to {}", t.path), undo)
        }
        Write::MergeTheme { from, into } => {
            let m = fw.merge_theme_undoable(&from, &into)?;
            let (path, moved) = (
                m.theme.path.clone(),
                m.moved_tags.len() + m.folded_tags.len(),
            );
            (
                format!("merged into {path} ({moved} tag(s) moved)"),
                Some((
                    format!("merge of {} into {path}", m.before.name),
                    Write::Unmerge(Box::new(m)),
                )),
            )
        }
        Write::RetireTheme { id } => {
            let r = fw.retire_theme_undoable(&id)?;
            let path = crate::tui::widgets::text::esc(&r.theme.path);
            (
                format!("{path} retired"),
                Some((format!("retiring {path}"), Write::Unretire(Box::new(r)))),
            )
        }
        Write::Tag { session, themes } => {
            let tags = fw.tag_session(&session, &themes, None)?;
            let names: Vec<String> = tags.iter().map(|t| t.theme.clone()).collect();
            let undo = (!tags.is_empty()).then(|| {
                (
                    format!("tagging with {}", names.join(", ")),
                    Write::Untag {
                        ids: tags.iter().map(|t| t.id.clone()).collect(),
                    },
                )
            });
            let date = s
                .sessions
                .list
                .current()
                .map(|x| crate::domain::format_date(x.date))
                .unwrap_or_default();
            if tags.is_empty() {
                ("the session already carries those themes".to_string(), None)
            } else {
                (
                    format!("session {date} tagged with {}", names.join(", ")),
                    undo,
                )
            }
        }
        Write::Untag { ids } => {
            let mut n = 0;
            for id in &ids {
                n += fw.untag(Some(id), None, None)?;
            }
            (format!("{n} tag(s) removed"), None)
        }
        Write::TagPassage {
            session,
            start,
            end,
            themes,
            memo,
        } => {
            let rows = fw.tag_passage(&session, start, end, &themes, memo.as_deref())?;
            let names: Vec<String> = rows.iter().map(|r| r.theme.clone()).collect();
            let undo = (!rows.is_empty()).then(|| {
                (
                    format!("passage tag {}", names.join(", ")),
                    Write::Untag {
                        ids: rows.iter().map(|r| r.id.clone()).collect(),
                    },
                )
            });
            (
                format!(
                    "passage of {} word(s) tagged with {}",
                    rows.first()
                        .map_or(0, |r| r.quote.split_whitespace().count()),
                    names.join(", ")
                ),
                undo,
            )
        }
        Write::PassageMemo {
            ids,
            memo,
            opened,
            before,
        } => {
            fw.set_tag_memo_from(&ids, memo.as_deref(), opened.as_ref())?;
            let undo = before.map(|b| {
                (
                    "memo".to_string(),
                    Write::PassageMemo {
                        ids: ids.clone(),
                        memo: b,
                        opened: Some(crate::service::Version::new([(
                            "memo",
                            memo.clone().unwrap_or_default(),
                        )])),
                        before: None,
                    },
                )
            });
            (
                if memo.is_some() {
                    "memo saved".to_string()
                } else {
                    "memo cleared".to_string()
                },
                undo,
            )
        }
        Write::AcceptPassages { ids } => {
            let a = fw.accept_passages_undoable(&ids)?;
            let n = a.passages.len();
            (
                format!("{n} passage(s) accepted at their new text"),
                Some((
                    format!("accepting {n} changed passage(s)"),
                    Write::Unaccept(Box::new(a)),
                )),
            )
        }
        Write::SetSummary {
            participant,
            theme,
            phase,
            summary,
            opened,
            before,
        } => {
            fw.set_matrix_summary_from(
                &participant,
                &theme,
                phase,
                summary.as_deref(),
                opened.as_ref(),
            )?;
            let undo = before.map(|b| {
                (
                    "matrix summary".to_string(),
                    Write::SetSummary {
                        participant: participant.clone(),
                        theme: theme.clone(),
                        phase,
                        summary: b,
                        opened: Some(crate::service::Version::new([(
                            "summary",
                            summary.clone().unwrap_or_default(),
                        )])),
                        before: None,
                    },
                )
            });
            (
                if summary.is_some() {
                    "summary saved".to_string()
                } else {
                    "summary cleared".to_string()
                },
                undo,
            )
        }
        Write::SplitTheme { tag, name } => {
            let theme = s
                .coding
                .viewer
                .as_ref()
                .and_then(|v| v.view.passages.iter().find(|p| p.id == tag))
                .map(|p| p.theme_id.clone())
                .ok_or_else(|| ServiceError::Invalid {
                    field: "tag".into(),
                    message: "that passage is no longer in the open transcript".into(),
                })?;
            let x = fw.split_theme_undoable(&theme, &name, &[tag])?;
            let (path, n) = (crate::tui::widgets::text::esc(&x.theme.path), x.moved.len());
            (
                format!("new theme {path}: {n} tag(s) moved onto it"),
                Some((
                    format!(
                        "splitting {} off {}",
                        crate::tui::widgets::text::esc(&x.theme.name),
                        crate::tui::widgets::text::esc(
                            &x.from_row.text("name").unwrap_or_default()
                        )
                    ),
                    Write::Unsplit(Box::new(x)),
                )),
            )
        }
        Write::Settle { key, coders, how } => {
            let x = fw.settle_undoable(Some(coders), &key, how)?;
            let o = &x.outcome;
            let msg = format!(
                "settled {} ({}): {} passage tag(s) removed, {} made; the audit log keeps them",
                o.key,
                o.settle.as_str(),
                o.deleted.len(),
                o.created.len()
            );
            let what = format!(
                "settling the disagreement {} ({})",
                o.key,
                o.settle.as_str()
            );
            (msg, Some((what, Write::Unsettle(Box::new(x)))))
        }
        Write::Reveal => {
            let coder = fw.coder();
            let msg = if fw.reveal()? {
                format!(
                    "the other coders' passages are now shown to {}",
                    crate::tui::widgets::text::esc(&coder)
                )
            } else {
                format!(
                    "the other coders' passages were already shown to {}",
                    crate::tui::widgets::text::esc(&coder)
                )
            };
            (msg, None)
        }
        other => {
            return Err(ServiceError::Refused(format!(
                "not a codebook or coding write: {other:?}"
            )))
        }
    })
}
