//! Analysis: the saturation chart (new themes per interview and the cumulative count, in
//! interview order, with the stopping rule's verdict), theme frequency by site and phase,
//! and theme co-occurrence.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Chart, Dataset, GraphType, LegendPosition, Paragraph, Widget, Wrap,
};

use super::state::CodingState;
use crate::tui::core::page_top;
use crate::tui::core::Look;
use crate::tui::panes::coding::AnalysisView;
use crate::tui::panes::panel;
use crate::tui::widgets::text::{esc, fit};

pub fn render(v: &Look, st: &CodingState, area: Rect, buf: &mut Buffer) {
    match st.analysis.view {
        AnalysisView::Saturation => saturation(v, st, area, buf),
        AnalysisView::Frequency => frequency(v, st, area, buf),
        AnalysisView::Cooccurrence => cooccurrence(v, st, area, buf),
    }
}

/// At most about `room` of the `n` points: of each run of consecutive points, the highest
/// (the cumulative line is rising, so its last; the bars keep their peaks).
fn thin(points: impl Iterator<Item = (f64, f64)>, n: usize, room: usize) -> Vec<(f64, f64)> {
    let per = n.div_ceil(room.max(1)).max(1);
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(n / per + 1);
    for (i, p) in points.enumerate() {
        if i % per == 0 {
            out.push(p);
        } else if let Some(last) = out.last_mut() {
            if p.1 >= last.1 {
                *last = p;
            }
        }
    }
    out
}

fn saturation(v: &Look, st: &CodingState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let a = &st.analysis;
    let Some(sat) = &a.saturation else {
        panel(
            "Saturation",
            vec![Line::raw("Computing (reads every tag)…")],
            area,
            buf,
            th,
        );
        return;
    };
    let [chart_area, text] =
        Layout::vertical([Constraint::Min(8), Constraint::Length(7)]).areas(area);
    let n = sat.points.len();
    // No more points than the chart has dots across (Braille: two per cell): at scale 100
    // the 11,200 interviews took a frame to draw.
    let room = (chart_area.width as usize).max(1) * 2;
    let cum: Vec<(f64, f64)> = thin(
        sat.points
            .iter()
            .map(|p| (p.index as f64, p.cumulative as f64)),
        n,
        room,
    );
    let new: Vec<(f64, f64)> = thin(
        sat.points
            .iter()
            .map(|p| (p.index as f64, p.new_themes as f64)),
        n,
        room,
    );
    let total = sat.points.last().map_or(0, |p| p.cumulative);
    let ymax = (total.max(1) as f64 * 1.1).ceil();
    let xmax = n.max(1) as f64;
    let colour = |c: Color| {
        if th.colour {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    };
    let mut sets = vec![
        Dataset::default()
            .name("cumulative themes")
            .marker(symbols::Marker::Braille)
            .graph_type(GraphType::Line)
            .style(colour(Color::Cyan))
            .data(&cum),
        Dataset::default()
            .name("new themes in the interview")
            .marker(symbols::Marker::HalfBlock)
            .graph_type(GraphType::Bar)
            .style(colour(Color::Yellow))
            .data(&new),
    ];
    let reached: Vec<(f64, f64)>;
    if let Some(r) = sat.reached_at {
        reached = vec![(r as f64, 0.0), (r as f64, ymax)];
        sets.push(
            Dataset::default()
                .name(format!("saturation at interview {r}"))
                .marker(symbols::Marker::Braille)
                .graph_type(GraphType::Line)
                .style(colour(Color::Green))
                .data(&reached),
        );
    }
    let title = format!(
        " Saturation{}{} · {} interview(s), {} theme(s) · v: other views ",
        if a.computing { " (updating…)" } else { "" },
        a.phase.map(|p| format!(", phase {p}")).unwrap_or_default(),
        n,
        total
    );
    let here: Vec<(f64, f64)> = sat
        .points
        .get(a.sel)
        .map(|p| vec![(p.index as f64, p.cumulative as f64)])
        .unwrap_or_default();
    if !here.is_empty() {
        sets.push(
            Dataset::default()
                .name("selected interview (j/k)")
                .marker(symbols::Marker::Block)
                .graph_type(GraphType::Scatter)
                .style(colour(Color::Magenta))
                .data(&here),
        );
    }
    let chart = Chart::new(sets)
        .legend_position(Some(LegendPosition::Right))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(th.focus_border())
                .title(Line::styled(title, th.title())),
        )
        .x_axis(
            Axis::default()
                .title("interview (in date order)")
                .style(th.dim())
                .bounds([0.0, xmax])
                .labels(vec![
                    Span::raw("1"),
                    Span::raw(format!("{}", n.div_ceil(2).max(1))),
                    Span::raw(format!("{n}")),
                ]),
        )
        .y_axis(
            Axis::default()
                .title("themes")
                .style(th.dim())
                .bounds([0.0, ymax])
                .labels(vec![
                    Span::raw("0"),
                    Span::raw(format!("{}", total.div_ceil(2))),
                    Span::raw(format!("{total}")),
                ]),
        );
    chart.render(chart_area, buf);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Rule: ", th.header()),
            Span::raw(format!(
                "base {} interviews, run {}, new information ≤ {}% (r changes it)",
                sat.base,
                sat.run,
                (sat.threshold * 1000.0).round() / 10.0
            )),
        ]),
        Line::from(vec![
            Span::styled("Verdict: ", th.header()),
            Span::styled(
                esc(&sat.verdict),
                if sat.reached_at.is_some() {
                    th.ok()
                } else {
                    th.warn()
                },
            ),
        ]),
    ];
    if let Some(p) = sat.points.get(a.sel) {
        lines.push(Line::styled(
            format!(
                "Interview {} ({}): {} theme(s), {} new, {} so far (j/k move)",
                p.index, p.date, p.themes, p.new_themes, p.cumulative
            ),
            th.dim(),
        ));
    }
    Paragraph::new(lines)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(th.border()),
        )
        .wrap(Wrap { trim: true })
        .render(text, buf);
}

fn frequency(v: &Look, st: &CodingState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let a = &st.analysis;
    let mut keys: Vec<String> = a
        .frequency
        .iter()
        .flat_map(|r| r.counts.keys().cloned())
        .collect();
    keys.sort_by(|x, y| {
        let p = |k: &str| k.rsplit('/').next().unwrap_or("").to_string();
        p(x).cmp(&p(y)).then(x.cmp(y))
    });
    keys.dedup();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focus_border())
        .title(Line::styled(
            " Theme frequency: tags per site/phase (sessions and passages) · v: other views ",
            th.title(),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let name_w = 30usize.min(inner.width as usize / 3);
    let col = 6usize;
    let ncols = ((inner.width as usize).saturating_sub(name_w + 7) / col).max(1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut head = format!("{:<name_w$}{:>6} ", "theme", "total");
    for k in keys.iter().take(ncols) {
        head.push_str(&format!("{:>w$}", fit(k, col - 1), w = col));
    }
    lines.push(Line::styled(head, th.header()));
    let h = (inner.height as usize).saturating_sub(1).max(1);
    let top = page_top(a.sel, h);
    for (i, r) in a.frequency.iter().enumerate().skip(top).take(h) {
        let mut l = format!(
            "{:<name_w$}{:>6} ",
            fit(&esc(&r.theme), name_w - 1),
            r.total
        );
        for k in keys.iter().take(ncols) {
            let n = r.counts.get(k).copied().unwrap_or(0);
            l.push_str(&format!(
                "{:>w$}",
                if n == 0 {
                    "·".to_string()
                } else {
                    n.to_string()
                },
                w = col
            ));
        }
        lines.push(Line::styled(
            l,
            if i == a.sel {
                th.selected()
            } else {
                Style::new()
            },
        ));
    }
    if a.frequency.is_empty() {
        lines.push(Line::styled("No tags yet.", th.dim()));
    }
    Paragraph::new(lines).render(inner, buf);
}

fn cooccurrence(v: &Look, st: &CodingState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let a = &st.analysis;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focus_border())
        .title(Line::styled(
            " Co-occurrence: theme pairs on overlapping passages and on the same sessions · v: other views ",
            th.title(),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let w = (inner.width as usize).saturating_sub(22) / 2;
    let mut lines: Vec<Line<'static>> = vec![Line::styled(
        format!(
            "{:<w$} {:<w$} {:>9} {:>9}",
            "theme", "with theme", "passages", "sessions"
        ),
        th.header(),
    )];
    let h = (inner.height as usize).saturating_sub(1).max(1);
    let top = page_top(a.sel, h);
    for (i, r) in a.cooccurrence.iter().enumerate().skip(top).take(h) {
        lines.push(Line::styled(
            format!(
                "{:<w$} {:<w$} {:>9} {:>9}",
                fit(&esc(&r.a), w),
                fit(&esc(&r.b), w),
                r.passages,
                r.sessions
            ),
            if i == a.sel {
                th.selected()
            } else {
                Style::new()
            },
        ));
    }
    if a.cooccurrence.is_empty() {
        lines.push(Line::styled("No two themes seen together yet.", th.dim()));
    }
    Paragraph::new(lines).render(inner, buf);
}
