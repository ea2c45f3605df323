//! The whole screen: tab bar, the pane, the hint bar, the status line, and overlays.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::tui::core::{Mode, Pane, State};
use crate::tui::keymap;
use crate::tui::panes;
use crate::tui::widgets::popup;
use crate::tui::widgets::text::{esc, fit, width, wrap};

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
    // The status line grows (up to 4 rows) so that a long message is shown whole.
    let status_rows = status_lines(s, area.width);
    let [tabs, body, hints, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(status_rows.len() as u16),
    ])
    .areas(area);
    tab_bar(s, tabs, buf);
    let v = s.look();
    match s.pane {
        Pane::Participants => panes::participants::render(&v, &s.participants, body, buf),
        Pane::Consent => panes::consent::render(&v, &s.consent, body, buf),
        Pane::Sessions => panes::sessions::render(&v, &s.sessions, body, buf),
        Pane::Transcripts => {
            panes::transcripts::render(&v, &s.transcripts, &s.transcripts_root, body, buf)
        }
        Pane::Themes => {
            let target = s.sessions.list.current();
            panes::themes::render(&v, &s.themes, target, body, buf)
        }
        Pane::Coverage => {
            let updating = s.stale[Pane::Coverage.index()];
            panes::coverage::render(&v, &s.coverage, updating, body, buf)
        }
        Pane::Search => panes::coding::search::render(&v, &s.coding, body, buf),
        Pane::Viewer => panes::coding::viewer::render(&v, &s.coding, body, buf),
        Pane::Matrix => panes::coding::matrix::render(&v, &s.coding, body, buf),
        Pane::Analysis => panes::coding::analysis::render(&v, &s.coding, body, buf),
        Pane::Redaction => panes::data::redaction::render(&v, &s.data, body, buf),
        Pane::Export => panes::data::export::render(&v, &s.data, body, buf),
        Pane::Agreement => panes::agreement::render(&v, &s.agreement, body, buf),
    }
    working(s, body, buf);
    hint_bar(s, hints, buf);
    Paragraph::new(status_rows).render(status, buf);
    match s.mode {
        Mode::Form => {
            if let Some((_, f)) = &s.form {
                f.render(body, buf, &s.theme, s.privacy);
            }
        }
        Mode::Confirm => {
            if let Some(q) = s.question() {
                popup::confirm(body, buf, q, &s.theme);
            }
        }
        Mode::Conflict => conflict(s, body, buf),
        Mode::Help => help(s, body, buf),
        Mode::Log => log(s, body, buf),
        _ => {}
    }
    crate::tui::panes::conflicts::render(&s.look(), s.sync_conflicts.as_ref(), body, buf);
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
                yours: crate::tui::core::edited(form, &ch.field).then(|| form.get(&ch.field)),
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
    for (p, label) in crate::tui::core::tabs_with(s.pane, area.width, s.privacy) {
        spans.push(if p == s.pane {
            Span::styled(label, s.theme.tab_active())
        } else {
            Span::styled(label, s.theme.dim())
        });
    }
    if s.privacy {
        spans.push(Span::styled(
            crate::tui::core::privacy_badge(area.width),
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
    // After adding a record: the next step first.
    if let (Some(next), Mode::Normal) = (&s.next_hint, s.mode) {
        let t = format!("{}  ", fit(next, area.width as usize));
        used += width(&t);
        spans.push(Span::styled(t, s.theme.ok()));
    }
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

/// Most rows the status line takes; a longer message ends by pointing to the log (`L`),
/// which holds it whole.
const STATUS_MAX: usize = 4;

/// The status line: study, database, phase today and the last message. A message that
/// does not fit beside them gets rows of its own below them, wrapped, never cut.
fn status_lines(s: &State, w: u16) -> Vec<Line<'static>> {
    let w = w as usize;
    let left = format!(
        " {} · {} · {} ",
        esc(&s.reference.study_name),
        esc(&s.db_path),
        s.phase_today()
    );
    let Some(m) = &s.message else {
        return vec![Line::styled(fit(&left, w), s.theme.dim())];
    };
    let style = if m.error {
        s.theme.error()
    } else {
        s.theme.ok()
    };
    // Each line of the message escaped on its own (a line break is never shown as `\n`).
    let text = m.text.lines().map(esc).collect::<Vec<_>>().join("\n");
    let left_short = fit(&left, w * 3 / 5);
    if !text.contains('\n') && width(&left_short) + width(&text) < w {
        return vec![Line::from(vec![
            Span::styled(left_short, s.theme.dim()),
            Span::styled(text, style),
        ])];
    }
    let mut rows = vec![Line::styled(fit(&left, w), s.theme.dim())];
    let wrapped = wrap(&text, w.saturating_sub(1));
    let room = STATUS_MAX - 1;
    let n = wrapped.len();
    for (i, l) in wrapped.into_iter().enumerate().take(room) {
        if i + 1 == room && n > room {
            let more = " … (L: the whole message)";
            let keep = fit(&l, w.saturating_sub(width(more) + 1));
            rows.push(Line::styled(format!(" {keep}{more}"), style));
        } else {
            rows.push(Line::styled(format!(" {l}"), style));
        }
    }
    rows
}

/// The message log (`L`): every message of this session, errors first, newest first,
/// each whole (wrapped).
fn log(s: &State, area: Rect, buf: &mut Buffer) {
    let r = popup::centred(area, 120, area.height);
    let inner = popup::frame(
        r,
        buf,
        "Messages: errors first, newest first (Esc closes, ↑/↓ scroll)",
        &s.theme,
    );
    let w = (inner.width as usize).saturating_sub(2).max(10);
    let mut lines: Vec<Line> = Vec::new();
    let msgs = s.log_lines();
    if msgs.is_empty() {
        lines.push(Line::styled("No messages yet.", s.theme.dim()));
    }
    for m in msgs.iter().skip(s.log_top) {
        let (mark, style) = if m.error {
            ("✗ ", s.theme.error())
        } else {
            ("· ", s.theme.ok())
        };
        let text = if s.privacy {
            m.text.clone()
        } else {
            esc(&m.text)
        };
        for (i, l) in wrap(&text, w).into_iter().enumerate() {
            let p = if i == 0 { mark } else { "  " };
            lines.push(Line::styled(format!("{p}{l}"), style));
        }
    }
    Paragraph::new(lines).render(inner, buf);
}

fn help(s: &State, area: Rect, buf: &mut Buffer) {
    let r = popup::centred(area, 150, area.height);
    let filter = s.help_filter.to_lowercase();
    let title = if filter.is_empty() {
        "Keys here (type to filter all keys; Esc closes; other panes: press ? there)".to_string()
    } else {
        format!(
            "Keys matching “{}▏” in every pane (Backspace, Esc clears)",
            esc(&s.help_filter)
        )
    };
    let inner = popup::frame(r, buf, &title, &s.theme);
    // This pane's keys first, then those that work everywhere; other panes are left out
    // (unless a filter is typed: then every pane's keys that match it).
    let mut ctxs: Vec<keymap::Ctx> = keymap::all_contexts()
        .into_iter()
        .filter(|c| !filter.is_empty() || !matches!(c, keymap::Ctx::Pane(p) if *p != s.pane))
        .collect();
    ctxs.sort_by_key(|c| match c {
        keymap::Ctx::Pane(p) if *p == s.pane => 0,
        keymap::Ctx::Pane(_) => 1,
        keymap::Ctx::Global | keymap::Ctx::List => 2,
        _ => 3,
    });
    let h = inner.height as usize;
    // Two columns when the lines do not fit in one (and there is room for two).
    let build = |col_w: usize| -> Vec<Line> {
        let mut lines: Vec<Line> = Vec::new();
        for ctx in &ctxs {
            let bs: Vec<&keymap::Binding> = keymap::bindings()
                .filter(|b| b.ctx == *ctx)
                .filter(|b| {
                    filter.is_empty()
                        || b.help.to_lowercase().contains(&filter)
                        || keymap::keys_label(b).to_lowercase().contains(&filter)
                })
                .collect();
            if bs.is_empty() {
                continue;
            }
            lines.push(Line::styled(ctx.title(), s.theme.header()));
            for b in bs {
                let keys = format!("  {:<16}", keymap::keys_label(b));
                let kw = width(&keys);
                let wrapped = wrap(b.help, col_w.saturating_sub(kw).max(10));
                for (i, l) in wrapped.into_iter().enumerate() {
                    lines.push(if i == 0 {
                        Line::from(vec![
                            Span::styled(keys.clone(), s.theme.key()),
                            Span::raw(l),
                        ])
                    } else {
                        Line::raw(format!("{:kw$}{l}", ""))
                    });
                }
            }
        }
        if lines.is_empty() {
            lines.push(Line::styled("No key matches.", s.theme.dim()));
        }
        lines
    };
    // Two columns when the lines do not fit in one (and there is room for two); what does
    // not fit either scrolls (↑/↓), and the last line says so.
    let one = build(inner.width as usize);
    let two = one.len() > h && inner.width >= 80;
    let cols = if two { 2 } else { 1 };
    let col_w = if two { inner.width / 2 } else { inner.width };
    let lines = if two { build(col_w as usize) } else { one };
    let room = h * cols;
    let top = s.help_top.min(lines.len().saturating_sub(room));
    let more = lines.len() > top + room;
    let mut shown: Vec<Line> = lines.into_iter().skip(top).take(room).collect();
    if more || top > 0 {
        if let Some(last) = shown.last_mut() {
            *last = Line::styled(
                if more {
                    "↓ more keys: ↑/↓ scroll, or type to filter"
                } else {
                    "↑ more keys above: ↑ scrolls back"
                },
                s.theme.warn(),
            );
        }
    }
    if two {
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(inner);
        let second = shown.split_off(h.min(shown.len()));
        Paragraph::new(shown).render(a, buf);
        Paragraph::new(second).render(b, buf);
    } else {
        Paragraph::new(shown).render(inner, buf);
    }
}
