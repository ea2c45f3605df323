//! Export: the exports (left) and a preview of the selected one (right): what it would
//! write, cells suppressed, warnings and refusals with their reasons; after a write, the
//! files and the manifest read back from beside them.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::redaction::{columns, list};
use super::state::DataState;
use crate::export::registry::EXPORTS;
use crate::tui::core::Look;
use crate::tui::panes::data::Preview;
use crate::tui::widgets::text::{esc, fit, width, MASK};

pub fn render(v: &Look, st: &DataState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let e = &st.export;
    let lw = if area.width >= 100 { 36 } else { 22 };
    let [left, right] =
        Layout::horizontal([Constraint::Length(lw), Constraint::Min(10)]).areas(area);
    let rows: Vec<(String, Style)> = EXPORTS
        .iter()
        .map(|k| (k.title.to_string(), Style::default()))
        .collect();
    list(
        " Exports ".into(),
        "j/k select · w writes".into(),
        rows,
        Some(e.sel),
        Line::raw(""),
        true,
        left,
        buf,
        th,
    );
    let kind = e.export();
    let param = kind.describe(e.params());
    if let Some(w) = e.written.as_ref().filter(|w| w.kind == Some(kind.name)) {
        let mut lines: Vec<Line<'static>> = vec![Line::styled("Written:", th.ok())];
        for f in &w.files {
            lines.push(Line::raw(format!("  {}", path(v.privacy, f))));
        }
        lines.push(Line::raw(""));
        match &w.manifest_file {
            Some(m) => {
                lines.push(Line::styled(
                    format!("Manifest {}:", path(v.privacy, m)),
                    th.header(),
                ));
                for l in &w.manifest {
                    lines.push(Line::raw(esc(l)));
                }
            }
            None => lines.push(Line::styled(
                "No manifest: this export holds no participant data.",
                th.dim(),
            )),
        }
        let lines: Vec<Line<'static>> = lines.into_iter().skip(w.scroll).collect();
        boxed(
            format!(" {} · written · PgUp/PgDn scroll ", kind.title),
            lines,
            true,
            right,
            buf,
            v,
        );
        return;
    }
    let title = if param.is_empty() {
        format!(" Preview: {} ", kind.title)
    } else {
        format!(" Preview: {} · {param} · p changes it ", kind.title)
    };
    // While it is recomputed (after a change elsewhere) the last preview of this export and
    // parameter stays on screen; the pane's top line says it is loading.
    match e.current_preview() {
        Some(p) => preview(v, title, p, right, buf),
        _ => boxed(
            title,
            vec![Line::styled(
                "Computing the preview (nothing is written)…",
                th.dim(),
            )],
            true,
            right,
            buf,
            v,
        ),
    }
}

/// A path as shown: in privacy mode only its file name (folder names can carry a name).
fn path(privacy: bool, p: &str) -> String {
    if privacy {
        let name = std::path::Path::new(p)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{MASK}/{}", esc(&name))
    } else {
        esc(p)
    }
}

fn boxed(
    title: String,
    lines: Vec<Line<'static>>,
    wrap: bool,
    area: Rect,
    buf: &mut Buffer,
    v: &Look,
) {
    let th = v.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border())
        .title(Line::styled(title, th.title()));
    let mut p = Paragraph::new(lines).block(block);
    if wrap {
        p = p.wrap(Wrap { trim: false });
    }
    p.render(area, buf);
}

fn preview(v: &Look, title: String, p: &Preview, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border())
        .title(Line::styled(title, th.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    let mut head: Vec<Line<'static>> = Vec::new();
    if let Some(r) = &p.refusal {
        // A refusal can list one problem a line.
        for (i, l) in r.lines().enumerate() {
            let mark = if i == 0 { "✗ " } else { "  " };
            head.push(Line::styled(format!("{mark}{}", esc(l)), th.error()));
        }
        if r.contains("register") || r.contains("suspect") {
            head.push(Line::styled(
                "→ Redaction pane (D): S seeds the register from the database; review the suspects there.",
                th.key(),
            ));
        }
    }
    for l in &p.summary {
        head.push(Line::raw(esc(l)));
    }
    for w in &p.warnings {
        head.push(Line::styled(format!("! {}", esc(w)), th.warn()));
    }
    // The head wraps; measure how many rows it takes.
    let w = inner.width.max(1) as usize;
    let head_h: usize = head
        .iter()
        .map(|l| l.width().max(1).div_ceil(w))
        .sum::<usize>()
        .min(inner.height as usize);
    let [top, rest] =
        Layout::vertical([Constraint::Length(head_h as u16), Constraint::Min(0)]).areas(inner);
    Paragraph::new(head)
        .wrap(Wrap { trim: false })
        .render(top, buf);
    if p.header.is_empty() || rest.height < 2 {
        return;
    }
    // Column widths from the content, the last column takes what is left.
    let n = p.header.len();
    let shown = |i: usize, c: &str| -> String {
        if v.privacy && p.text_cols.contains(&i) && !c.is_empty() {
            MASK.to_string()
        } else {
            esc(c)
        }
    };
    let mut widths: Vec<usize> = (0..n)
        .map(|i| {
            let body = p
                .rows
                .iter()
                .take(rest.height as usize)
                .map(|r| r.get(i).map_or(0, |c| width(&shown(i, c))))
                .max()
                .unwrap_or(0);
            body.max(width(&p.header[i])).clamp(3, 30)
        })
        .collect();
    let used: usize = widths.iter().take(n - 1).map(|x| x + 1).sum();
    if let Some(last) = widths.last_mut() {
        *last = w.saturating_sub(used).max(3);
    }
    let cells = |r: &[String]| -> String {
        columns(
            &(0..n)
                .map(|i| (r.get(i).map(|c| shown(i, c)).unwrap_or_default(), widths[i]))
                .collect::<Vec<_>>(),
        )
    };
    let mut lines = vec![Line::styled(
        fit(
            &columns(
                &p.header
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (esc(h), widths[i]))
                    .collect::<Vec<_>>(),
            ),
            w,
        ),
        th.header(),
    )];
    let room = (rest.height as usize).saturating_sub(1);
    let more = p.rows.len().saturating_sub(room);
    let take = if more > 0 {
        room.saturating_sub(1)
    } else {
        room
    };
    for r in p.rows.iter().take(take) {
        lines.push(Line::raw(fit(&cells(r), w)));
    }
    if p.rows.is_empty() {
        lines.push(Line::styled("(no rows would be written)", th.dim()));
    } else if more > 0 {
        lines.push(Line::styled(
            format!("… {} more row(s)", p.rows.len() - take),
            th.dim(),
        ));
    }
    Paragraph::new(lines).render(rest, buf);
}
