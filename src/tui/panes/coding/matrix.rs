//! Matrix: the Framework Method's chart — cases (one row per case and phase, so baseline
//! and follow-up sit side by side) × themes, each cell the number of tagged passages and
//! whether the analyst has written a summary; below it the selected cell.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::state::CodingState;
use crate::tui::core::page_top;
use crate::tui::core::Look;
use crate::tui::panes::panel;
use crate::tui::widgets::text::{esc, fit, pii};

const CASE_W: usize = 20;
const COL_W: usize = 9;

pub fn render(v: &Look, st: &CodingState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let st = &st.matrix;
    let Some(m) = &st.matrix else {
        panel("Matrix", vec![Line::raw("Loading…")], area, buf, th);
        return;
    };
    let detail_h = if area.height >= 24 { 10 } else { 6 };
    let [grid, detail] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(detail_h)]).areas(area);
    let rows = st.rows();
    let title = format!(
        " Framework matrix · {} case(s), {} row(s) × {} theme(s) · phase {}{} ",
        m.cases.len(),
        rows.len(),
        m.themes.len(),
        st.phase
            .map(|p| p.to_string())
            .unwrap_or_else(|| "all".into()),
        v.find_label()
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focus_border())
        .title(Line::styled(title, th.title()));
    let inner = block.inner(grid);
    block.render(grid, buf);
    if m.themes.is_empty() || rows.is_empty() {
        Paragraph::new(Line::styled(
            "No cases or no themes yet: cases are participants with a completed interview.",
            th.dim(),
        ))
        .render(inner, buf);
    } else {
        // Columns that fit, scrolled so the selected theme shows.
        let ncols = ((inner.width as usize).saturating_sub(CASE_W) / COL_W).max(1);
        let first_col = st.col.saturating_sub(ncols - 1);
        let h = (inner.height as usize).saturating_sub(1).max(1);
        let top = page_top(st.row, h);
        let mut lines: Vec<Line<'static>> = Vec::new();
        let mut head = vec![Span::styled(
            format!("{:<CASE_W$}", "case · phase"),
            th.header(),
        )];
        for (j, t) in m.themes.iter().enumerate().skip(first_col).take(ncols) {
            let label = fit(&esc(&t.name), COL_W - 1);
            let style = if j == st.col {
                th.selected()
            } else {
                th.swatch(t.colour.as_deref(), &t.id)
            };
            head.push(Span::styled(format!("{label:<w$} ", w = COL_W - 1), style));
        }
        lines.push(Line::from(head));
        for (i, r) in rows.iter().enumerate().skip(top).take(h) {
            let c = &m.cases[r.case];
            let case = fit(
                &format!(
                    "{} P{} {} {}",
                    c.code,
                    r.phase,
                    esc(&c.site),
                    esc(&c.role_category)
                ),
                CASE_W - 1,
            );
            let mut spans = vec![Span::styled(
                format!("{case:<CASE_W$}"),
                if i == st.row { th.header() } else { th.dim() },
            )];
            for (j, t) in m.themes.iter().enumerate().skip(first_col).take(ncols) {
                let cell = st.cell(&c.participant_id, &t.id, r.phase);
                let n = cell.map_or(0, |x| x.passages);
                let sum = cell.is_some_and(|x| x.summary.is_some());
                let text = match (n, sum) {
                    (0, false) => "·".to_string(),
                    (0, true) => "✎".to_string(),
                    (n, false) => n.to_string(),
                    (n, true) => format!("{n}✎"),
                };
                let style = if i == st.row && j == st.col {
                    th.cursor()
                } else if n > 0 {
                    th.passage(t.colour.as_deref(), &t.id)
                } else {
                    Style::new()
                };
                spans.push(Span::styled(format!("{:^w$}", text, w = COL_W - 1), style));
                spans.push(Span::raw(" "));
            }
            lines.push(Line::from(spans));
        }
        Paragraph::new(lines).render(inner, buf);
    }
    // The selected cell.
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut title = "Cell".to_string();
    if let Some((pid, tid, phase)) = st.cell_key() {
        let case = m.cases.iter().find(|c| c.participant_id == pid);
        let theme = m.themes.iter().find(|t| t.id == tid);
        let cell = st.cell(&pid, &tid, phase);
        title = format!(
            "{} × {} · phase {} · {} passage(s)",
            case.map(|c| c.code.clone()).unwrap_or_default(),
            theme.map(|t| esc(&t.path)).unwrap_or_default(),
            phase,
            cell.map_or(0, |c| c.passages)
        );
        match cell.and_then(|c| c.summary.as_deref()) {
            Some(sm) => lines.push(Line::from(vec![
                Span::styled("Summary: ", th.header()),
                Span::raw(pii(v.privacy, sm)),
            ])),
            None => lines.push(Line::styled("No summary yet: e writes one.", th.dim())),
        }
        match &st.passages {
            Some(ps) if ps.is_empty() => {
                lines.push(Line::styled("No passages in this cell.", th.dim()))
            }
            Some(ps) => {
                for p in ps {
                    let q = p.quote.split_whitespace().collect::<Vec<_>>().join(" ");
                    lines.push(Line::raw(format!(
                        "“{}”{}",
                        if v.privacy {
                            "•••".into()
                        } else {
                            esc(&q)
                        },
                        if p.anchor == "ok" {
                            String::new()
                        } else {
                            format!(" ({})", p.anchor)
                        }
                    )));
                }
            }
            None => lines.push(Line::styled(
                "Enter shows the passages; o opens the first in the Viewer.",
                th.dim(),
            )),
        }
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border())
        .title(Line::styled(
            format!(" {} ", fit(&title, detail.width as usize - 4)),
            th.title(),
        ));
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: true })
        .render(detail, buf);
}
