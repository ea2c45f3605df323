//! Redaction: the register of identifiers (left, with the selected one's variants) and
//! the suspects nobody has reviewed (right, with where they occur), or the anonymisation
//! log. Original texts, variants and contexts are identifying: masked in privacy mode.

use crate::service::redaction::SuspectGroup;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::state::DataState;
use crate::tui::core::Look;
use crate::tui::core::{page_top, Mode};
use crate::tui::panes::data::{Focus, RedactionState};
use crate::tui::panes::panel;
use crate::tui::theme::Theme;
use crate::tui::widgets::text::{esc, fit, pii, width};

/// Cells fitted to their widths and joined with a space.
pub fn columns(cells: &[(String, usize)]) -> String {
    let mut out = String::new();
    for (i, (c, w)) in cells.iter().enumerate() {
        if *w == 0 {
            continue;
        }
        let f = fit(c, *w);
        out.push_str(&f);
        if i + 1 < cells.len() {
            out.push_str(&" ".repeat(w.saturating_sub(width(&f)) + 1));
        }
    }
    out.trim_end().to_string()
}

/// A bordered list with a header row; `rows` are (text, style), `sel` is highlighted and
/// kept on screen (whole pages, like the other lists).
#[allow(clippy::too_many_arguments)]
pub fn list(
    title: String,
    header: String,
    rows: Vec<(String, Style)>,
    sel: Option<usize>,
    empty: Line<'static>,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
    th: &Theme,
) {
    let n = rows.len();
    list_with(
        title,
        header,
        n,
        &|i| rows[i].clone(),
        sel,
        empty,
        focused,
        area,
        buf,
        th,
    );
}

/// `list` for long lists: `row(i)` builds row `i` only when it is on screen (the register
/// and the suspects of a large corpus run to tens of thousands).
#[allow(clippy::too_many_arguments)]
pub fn list_with(
    title: String,
    header: String,
    n: usize,
    row: &dyn Fn(usize) -> (String, Style),
    sel: Option<usize>,
    empty: Line<'static>,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
    th: &Theme,
) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            th.focus_border()
        } else {
            th.border()
        })
        .title(Line::styled(title, th.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 {
        return;
    }
    let w = inner.width as usize;
    let mut lines = vec![Line::styled(fit(&header, w), th.header())];
    if n == 0 {
        lines.push(empty);
    } else {
        let h = (inner.height as usize).saturating_sub(1).max(1);
        let cur = sel.unwrap_or(0).min(n - 1);
        let top = page_top(cur, h);
        for i in (top..n).take(h) {
            let (t, st) = row(i);
            let style = if sel == Some(i) {
                if focused {
                    th.selected()
                } else {
                    th.selected().patch(th.dim())
                }
            } else {
                st
            };
            lines.push(Line::styled(fit(&t, w), style));
        }
    }
    Paragraph::new(lines).render(inner, buf);
}

fn filter_note(v: &Look, st: &DataState) -> String {
    let r = &st.red;
    // The filter can hold a name: masked in privacy mode.
    let f = crate::tui::widgets::text::typed(v.privacy, &r.filter);
    if v.mode == Mode::Search {
        format!(" filter: {f}▏")
    } else if !r.filter.is_empty() {
        format!(" filter: {f}")
    } else {
        String::new()
    }
}

pub fn render(v: &Look, st: &DataState, area: Rect, buf: &mut Buffer) {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(area);
    let detail_h = if area.height >= 20 { 8 } else { 4 };
    let [reg, variants] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(detail_h)]).areas(left);
    register(v, st, reg, buf);
    variants_box(v, st, variants, buf);
    if st.red.show_log {
        log(v, st, right, buf);
    } else {
        let [sus, ctx] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(detail_h)]).areas(right);
        suspects(v, st, sus, buf);
        contexts(v, st, ctx, buf);
    }
}

fn register(v: &Look, st: &DataState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let r: &RedactionState = &st.red;
    let shown = r.register_shown();
    let w = area.width.saturating_sub(2) as usize;
    // Narrow: the label and the variant count only.
    let widths = if w >= 48 {
        [w.saturating_sub(30).clamp(8, 28), 12, 4, 11]
    } else {
        [w.saturating_sub(5).max(4), 0, 4, 0]
    };
    let header = columns(&[
        ("label".into(), widths[0]),
        ("kind".into(), widths[1]),
        ("var.".into(), widths[2]),
        ("source".into(), widths[3]),
    ]);
    let row = |k: usize| {
        let x = &r.register[shown[k]];
        (
            columns(&[
                (esc(&x.label), widths[0]),
                (esc(&x.kind), widths[1]),
                (x.variants.len().to_string(), widths[2]),
                (esc(&x.source), widths[3]),
            ]),
            Style::default(),
        )
    };
    let empty = if r.register.is_empty() {
        Line::styled("Empty: S seeds it from the database, a adds one.", th.dim())
    } else {
        Line::styled("Nothing matches the filter.", th.dim())
    };
    list_with(
        format!(" Register ({}){} ", r.register.len(), filter_note(v, st)),
        header,
        shown.len(),
        &row,
        (!shown.is_empty()).then_some(r.reg_sel),
        empty,
        r.focus == Focus::Register && !r.show_log,
        area,
        buf,
        th,
    );
}

fn variants_box(v: &Look, st: &DataState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let Some(i) = st.red.current_identifier() else {
        panel("Variants", vec![], area, buf, th);
        return;
    };
    let privacy = v.privacy;
    let vs: Vec<String> = i.variants.iter().map(|x| pii(privacy, x)).collect();
    let lines = vec![
        Line::from(vec![
            Span::styled(esc(&i.label), th.header()),
            Span::styled(
                format!(
                    " {} · {} · by {}",
                    esc(&i.kind),
                    esc(&i.source),
                    esc(&i.created_by)
                ),
                th.dim(),
            ),
        ]),
        Line::raw(if vs.is_empty() {
            "(no variants)".to_string()
        } else {
            vs.join(" · ")
        }),
    ];
    panel(
        &format!("Variants ({}) · v adds one", i.variants.len()),
        lines,
        area,
        buf,
        th,
    );
}

fn suspects(v: &Look, st: &DataState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let r = &st.red;
    let w = area.width.saturating_sub(2) as usize;
    let tw = 18.min(w / 3);
    let nw = tw.min(14);
    let widths = if w >= 50 {
        [tw, 11, nw, 4, w.saturating_sub(tw + nw + 19).max(4)]
    } else {
        [w.saturating_sub(17).max(4), 11, 0, 4, 0]
    };
    let header = columns(&[
        ("suspect".into(), widths[0]),
        ("reason".into(), widths[1]),
        ("near".into(), widths[2]),
        ("n".into(), widths[3]),
        ("first context".into(), widths[4]),
    ]);
    let shown = r.suspects_shown();
    let all: &[SuspectGroup] = r.suspects.as_deref().unwrap_or(&[]);
    let row = |k: usize| {
        let g = &all[shown[k]];
        let ctx = g
            .occurrences
            .first()
            .map(|o| pii(v.privacy, &o.context))
            .unwrap_or_default();
        (
            columns(&[
                (pii(v.privacy, &g.text), widths[0]),
                (esc(&g.reason), widths[1]),
                (
                    g.near
                        .as_deref()
                        .map(|n| pii(v.privacy, n))
                        .unwrap_or_default(),
                    widths[2],
                ),
                (g.occurrences.len().to_string(), widths[3]),
                (ctx, widths[4]),
            ]),
            if g.reason == "near-miss" {
                th.warn()
            } else {
                Style::default()
            },
        )
    };
    let title = match (&r.suspects, r.computing) {
        (_, true) => " Suspects (computing…) ".to_string(),
        (None, false) => " Suspects ".to_string(),
        (Some(v), false) => format!(
            " Suspects to review: {} left · {:>4} ms ",
            v.len(),
            r.millis
        ),
    };
    let empty = match &r.suspects {
        None => Line::styled(
            "Computing the suspects over every imported transcript…",
            th.dim(),
        ),
        Some(v) if v.is_empty() => Line::styled(
            "None: every capitalised word, number and near miss is in the register or allowed.",
            th.ok(),
        ),
        Some(_) => Line::styled("Nothing matches the filter.", th.dim()),
    };
    list_with(
        title,
        header,
        shown.len(),
        &row,
        (!shown.is_empty()).then_some(r.sus_sel),
        empty,
        r.focus == Focus::Suspects,
        area,
        buf,
        th,
    );
}

fn contexts(v: &Look, st: &DataState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let Some(g) = st.red.current_suspect() else {
        panel(
            "Where",
            vec![Line::styled(
                "Enter: variant of an identifier · n: new identifier · x: allow",
                th.dim(),
            )],
            area,
            buf,
            th,
        );
        return;
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(pii(v.privacy, &g.text), th.header()),
        Span::styled(
            format!(
                " · {} · {} place(s){}",
                esc(&g.reason),
                g.occurrences.len(),
                g.near
                    .as_deref()
                    .map(|n| format!(" · near {}", pii(v.privacy, n)))
                    .unwrap_or_default()
            ),
            th.dim(),
        ),
    ])];
    // As many as can show (a common word occurs tens of thousands of times in a large
    // corpus; each line is at least one row).
    for o in g.occurrences.iter().take(area.height as usize) {
        let place = o
            .field
            .as_deref()
            .map(|f| format!("[{}] ", esc(f)))
            .unwrap_or_default();
        lines.push(Line::raw(format!(
            "{place}… {} …",
            pii(v.privacy, &o.context)
        )));
    }
    panel(
        "Where · Enter variant · n new · x allow · X at once · C class",
        lines,
        area,
        buf,
        th,
    );
}

fn log(v: &Look, st: &DataState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let r = &st.red;
    let w = area.width.saturating_sub(2) as usize;
    let widths = [19, 16, 14, 9, w.saturating_sub(62).max(6)];
    let header = columns(&[
        ("time".into(), widths[0]),
        ("replacement".into(), widths[1]),
        ("original".into(), widths[2]),
        ("method".into(), widths[3]),
        ("reviewer".into(), widths[4]),
    ]);
    let rows = r
        .log
        .iter()
        .map(|l| {
            (
                columns(&[
                    (esc(&l.at), widths[0]),
                    (esc(&l.replacement), widths[1]),
                    (pii(v.privacy, &l.original), widths[2]),
                    (esc(&l.method), widths[3]),
                    (
                        l.reviewer.as_deref().map(esc).unwrap_or_default(),
                        widths[4],
                    ),
                ]),
                Style::default(),
            )
        })
        .collect();
    list(
        format!(
            " Anonymisation log (last {}) · l shows the suspects ",
            r.log.len()
        ),
        header,
        rows,
        None,
        Line::styled(
            "Empty: the log fills when transcripts are exported redacted.",
            th.dim(),
        ),
        false,
        area,
        buf,
        th,
    );
}
