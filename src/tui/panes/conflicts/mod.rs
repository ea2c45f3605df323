//! The Conflicts view (team sync, docs/sync.md): an overlay opened with `Y` from any pane,
//! listing the open conflicts; Enter shows both versions side by side, field by field;
//! `m` / `t` / `b` keep mine / theirs / both after a confirmation, through the service
//! (`Fieldwork::sync_resolve`, which writes the audit entry). The overlay's keys are
//! handled here before the pane's; it runs no SQL (the effects call the service).

pub mod state;

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::service::sync::ConflictRow;
use crate::service::sync::{short, Keep};
use crate::service::Fieldwork;
use crate::tui::core::{Effect, Look, State};
use crate::tui::widgets::popup;
use crate::tui::widgets::text::{esc, fit};
pub use state::*;

/// Open the view (the key map's `Y`, `Cmd::OpenConflicts`) and ask for its rows.
pub fn open(view: &mut Option<ConflictsView>) -> Option<Effect> {
    *view = Some(ConflictsView::default());
    Some(Effect::Sync(SyncEffect::Load))
}

/// Handle a key while the view is open; `None` when it is closed (the usual keymap
/// handles the key, `Y` included).
pub fn key(view: &mut Option<ConflictsView>, ev: &KeyEvent) -> Option<Option<Effect>> {
    let v = view.as_mut()?;
    if let Some(keep) = v.confirm {
        return Some(match ev.code {
            KeyCode::Char('y') => {
                v.confirm = None;
                v.rows.get(v.selected).map(|x| {
                    Effect::Sync(SyncEffect::Resolve {
                        id: x.id.clone(),
                        keep,
                    })
                })
            }
            _ => {
                v.confirm = None;
                None
            }
        });
    }
    let n = v.rows.len();
    match ev.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char(OPEN) => {
            if v.detail && ev.code == KeyCode::Esc {
                v.detail = false;
            } else {
                *view = None;
            }
        }
        KeyCode::Down | KeyCode::Char('j') if n > 0 => v.selected = (v.selected + 1).min(n - 1),
        KeyCode::Up | KeyCode::Char('k') => v.selected = v.selected.saturating_sub(1),
        KeyCode::Enter if n > 0 => v.detail = !v.detail,
        KeyCode::Char('m') if n > 0 => v.confirm = Some(Keep::Mine),
        KeyCode::Char('t') if n > 0 => v.confirm = Some(Keep::Theirs),
        KeyCode::Char('b') if n > 0 => v.confirm = Some(Keep::Both),
        KeyCode::Char('g') => return Some(Some(Effect::Sync(SyncEffect::Load))),
        _ => {}
    }
    Some(None)
}

/// Carry out the view's effects through the service.
pub fn perform(fw: &mut Fieldwork, s: &mut State, e: SyncEffect) -> crate::service::Result<()> {
    match e {
        SyncEffect::Load => load(fw, s),
        SyncEffect::Resolve { id, keep } => {
            let x = fw.sync_resolve(&id, keep)?;
            s.info(format!(
                "conflict {} resolved: {}",
                short(&x.id),
                x.resolution.unwrap_or_default()
            ));
            load(fw, s)?;
            // What the choice changed shows in every pane.
            s.stale = [true; crate::tui::core::PANES];
            Ok(())
        }
    }
}

fn load(fw: &Fieldwork, s: &mut State) -> crate::service::Result<()> {
    let rows = fw.sync_conflicts(false)?;
    if let Some(v) = s.sync_conflicts.as_mut() {
        v.selected = v.selected.min(rows.len().saturating_sub(1));
        if rows.is_empty() {
            v.detail = false;
        }
        v.rows = rows;
    }
    Ok(())
}

fn value(v: Option<&serde_json::Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(serde_json::Value::Null) => "(empty)".into(),
        Some(serde_json::Value::String(s)) => esc(s),
        Some(other) => esc(&other.to_string()),
    }
}

/// The fields a conflict is about (all of the incoming change's when none is named).
fn fields(x: &ConflictRow) -> Vec<String> {
    if !x.columns.is_empty() {
        return x.columns.clone();
    }
    x.incoming
        .get("new")
        .and_then(|n| n.as_object())
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// The view over the pane (nothing when it is closed).
pub fn render(lk: &Look, view: Option<&ConflictsView>, area: Rect, buf: &mut Buffer) {
    let Some(v) = view else { return };
    let r = popup::centred(
        area,
        area.width.saturating_sub(4).min(120),
        area.height.saturating_sub(2),
    );
    let title = format!("Sync conflicts ({} open)", v.rows.len());
    let inner = popup::frame(r, buf, &title, lk.theme);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if v.rows.is_empty() {
        lines.push(Line::raw(
            "No open conflicts: every change from the other laptops is applied.",
        ));
    } else if v.detail {
        let x = &v.rows[v.selected.min(v.rows.len() - 1)];
        lines.push(Line::styled(
            fit(
                &format!(
                    "{} {} on {} {} — from laptop {}",
                    x.kind,
                    x.op,
                    x.table,
                    esc(&x.pk.to_string()),
                    short(&x.source_device)
                ),
                w,
            ),
            lk.theme.title(),
        ));
        lines.push(Line::raw(""));
        let col = (w.saturating_sub(20) / 2).max(8);
        lines.push(Line::styled(
            format!(
                "{:<18}  {:<col$}  {}",
                "field", "mine (this laptop)", "theirs"
            ),
            lk.theme.header(),
        ));
        for f in fields(x) {
            let mine = x
                .local
                .as_ref()
                .map_or_else(|| "(no record here)".into(), |l| value(l.get(&f)));
            let theirs = value(x.incoming.get("new").and_then(|n| n.get(&f)));
            let pii = matches!(f.as_str(), "name" | "email" | "phone");
            let (mine, theirs) = if lk.privacy && pii {
                ("•••".to_string(), "•••".to_string())
            } else {
                (mine, theirs)
            };
            lines.push(Line::raw(format!(
                "{:<18}  {:<col$}  {}",
                fit(&f, 18),
                fit(&mine, col),
                fit(&theirs, col)
            )));
        }
    } else {
        lines.push(Line::styled(
            format!(
                "{:<10}{:<12}{:<8}{:<22}{}",
                "id", "kind", "op", "record", "fields"
            ),
            lk.theme.header(),
        ));
        for (i, x) in v.rows.iter().enumerate() {
            let text = fit(
                &format!(
                    "{:<10}{:<12}{:<8}{:<22}{}",
                    short(&x.id),
                    x.kind,
                    x.op,
                    fit(&x.table, 20),
                    fields(x).join(", ")
                ),
                w,
            );
            lines.push(if i == v.selected {
                Line::styled(text, lk.theme.selected())
            } else {
                Line::raw(text)
            });
        }
    }
    lines.push(Line::raw(""));
    let hint = match v.confirm {
        Some(k) => format!(
            "Keep {} for conflict {}? y: yes, do it   n/Esc: no, change nothing",
            k.as_str(),
            v.rows.get(v.selected).map(|x| short(&x.id)).unwrap_or("")
        ),
        None => "↑↓ select  Enter both versions  m keep mine  t keep theirs  b keep both  g reload  Esc close".into(),
    };
    lines.push(Line::from(Span::styled(hint, lk.theme.key())));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}
