//! The whole screen: tab bar, the pane, the hint bar, the status line, and overlays.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::app::{Mode, Pane, State};
use super::keymap;
use super::panes;
use super::widgets::popup;
use super::widgets::text::{esc, fit, width};

/// Smallest size the interface draws in; below it a message says so.
pub const MIN_W: u16 = 60;
pub const MIN_H: u16 = 12;

pub fn render(s: &State, area: Rect, buf: &mut Buffer) {
    let area = area.intersection(buf.area);
    if area.width < MIN_W || area.height < MIN_H {
        let msg = format!(
            "Terminal too small ({}×{}). Need {MIN_W}×{MIN_H}. q quits.",
            area.width, area.height
        );
        Paragraph::new(msg)
            .wrap(Wrap { trim: true })
            .render(area, buf);
        return;
    }
    let [tabs, body, hints, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    tab_bar(s, tabs, buf);
    match s.pane {
        Pane::Participants => panes::participants::render(s, body, buf),
        Pane::Consent => panes::consent::render(s, body, buf),
        Pane::Sessions => panes::sessions::render(s, body, buf),
        Pane::Transcripts => panes::transcripts::render(s, body, buf),
        Pane::Themes => panes::themes::render(s, body, buf),
        Pane::Coverage => panes::coverage::render(s, body, buf),
        Pane::Search => panes::search::render(s, body, buf),
        Pane::Viewer => panes::viewer::render(s, body, buf),
        Pane::Matrix => panes::matrix::render(s, body, buf),
        Pane::Analysis => panes::analysis::render(s, body, buf),
        Pane::Redaction => panes::redaction::render(s, body, buf),
        Pane::Export => panes::export::render(s, body, buf),
    }
    working(s, body, buf);
    hint_bar(s, hints, buf);
    status_line(s, status, buf);
    match s.mode {
        Mode::Form => {
            if let Some((_, f)) = &s.form {
                f.render(body, buf, &s.theme, s.privacy);
            }
        }
        Mode::Confirm => {
            if let Some((q, _)) = &s.confirm {
                popup::confirm(body, buf, q, &s.theme);
            }
        }
        Mode::Conflict => conflict(s, body, buf),
        Mode::Help => help(s, body, buf),
        _ => {}
    }
    super::sync_view::render(s, body, buf);
}

/// The conflict dialog over the form it came from: theirs against yours, field by field.
fn conflict(s: &State, area: Rect, buf: &mut Buffer) {
    let (Some(c), Some((_, form))) = (&s.conflict, &s.form) else {
        return;
    };
    form.render(area, buf, &s.theme, s.privacy);
    let rows: Vec<popup::ConflictRow> = c
        .changes
        .iter()
        .map(|ch| {
            let field = form.field(&ch.field);
            popup::ConflictRow {
                field: field.map_or(ch.field.clone(), |f| f.label.to_string()),
                opened: ch.opened.clone(),
                theirs: ch.current.clone(),
                yours: super::app::edited(form, &ch.field).then(|| form.get(&ch.field)),
                pii: field.is_some_and(|f| f.pii),
            }
        })
        .collect();
    popup::conflict(area, buf, &c.what, &rows, &s.theme, s.privacy);
}

/// Frames of the working indicator.
const SPINNER: [char; 4] = ['◐', '◓', '◑', '◒'];

/// While a load for the pane is being computed (by the load worker), the pane's top line
/// says so at its right end; the pane keeps showing its last data meanwhile.
fn working(s: &State, body: Rect, buf: &mut Buffer) {
    if !s.loading(s.pane) {
        return;
    }
    let label = format!(" {} loading… ", SPINNER[s.spin % SPINNER.len()]);
    let w = width(&label) as u16;
    if body.width < w + 2 {
        return;
    }
    let area = Rect {
        x: body.right() - w - 1,
        y: body.y,
        width: w,
        height: 1,
    };
    Span::styled(label, s.theme.warn()).render(area, buf);
}

fn tab_bar(s: &State, area: Rect, buf: &mut Buffer) {
    let mut spans = Vec::new();
    for (p, label) in super::app::tabs(s.pane, area.width) {
        spans.push(if p == s.pane {
            Span::styled(label, s.theme.tab_active())
        } else {
            Span::styled(label, s.theme.dim())
        });
    }
    if s.privacy {
        spans.push(Span::styled(
            " PRIVACY ",
            s.theme
                .warn()
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    Line::from(spans).render(area, buf);
}

fn hint_bar(s: &State, area: Rect, buf: &mut Buffer) {
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (k, h) in keymap::hints(s.mode, s.pane) {
        let w = width(&k) + width(h) + 3;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(k, s.theme.key()));
        spans.push(Span::raw(format!(" {h}  ")));
    }
    Line::from(spans).render(area, buf);
}

fn status_line(s: &State, area: Rect, buf: &mut Buffer) {
    let left = format!(
        " {} · {} · {} ",
        esc(&s.reference.study_name),
        esc(&s.db_path),
        s.phase_today()
    );
    let room = if s.message.is_some() {
        area.width as usize * 3 / 5
    } else {
        area.width as usize
    };
    let left = fit(&left, room);
    let mut spans = vec![Span::styled(left.clone(), s.theme.dim())];
    if let Some(m) = &s.message {
        let room = (area.width as usize).saturating_sub(width(&left) + 1);
        let style = if m.error {
            s.theme.error()
        } else {
            s.theme.ok()
        };
        // One line: the first of a multi-line message, with how many follow.
        let n = m.text.lines().count();
        let first = m.text.lines().next().unwrap_or_default();
        let first = if n > 1 {
            format!("{first} (+{} more line(s))", n - 1)
        } else {
            first.to_string()
        };
        let text = if s.privacy { first } else { esc(&first) };
        spans.push(Span::styled(fit(&esc(&text), room), style));
    }
    Line::from(spans).render(area, buf);
}

fn help(s: &State, area: Rect, buf: &mut Buffer) {
    let r = popup::centred(area, 150, area.height);
    let inner = popup::frame(
        r,
        buf,
        "Keys here (Esc closes; other panes: press ? there)",
        &s.theme,
    );
    let mut lines: Vec<Line> = Vec::new();
    // This pane's keys first, then those that work everywhere; other panes are left out.
    let mut ctxs: Vec<keymap::Ctx> = keymap::all_contexts()
        .into_iter()
        .filter(|c| !matches!(c, keymap::Ctx::Pane(p) if *p != s.pane))
        .collect();
    ctxs.sort_by_key(|c| match c {
        keymap::Ctx::Pane(_) => 0,
        keymap::Ctx::Global | keymap::Ctx::List => 1,
        _ => 2,
    });
    for ctx in ctxs {
        lines.push(Line::styled(ctx.title(), s.theme.header()));
        for b in keymap::BINDINGS.iter().filter(|b| b.ctx == ctx) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<16}", keymap::keys_label(b)), s.theme.key()),
                Span::raw(b.help),
            ]));
        }
    }
    // Two columns when the lines do not fit in one.
    let h = inner.height as usize;
    if lines.len() > h && inner.width >= 80 {
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(inner);
        let second = lines.split_off(lines.len().div_ceil(2).max(h.min(lines.len())));
        Paragraph::new(lines).render(a, buf);
        Paragraph::new(second).render(b, buf);
    } else {
        Paragraph::new(lines).render(inner, buf);
    }
}
