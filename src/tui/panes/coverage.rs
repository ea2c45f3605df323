//! Coverage: the project manager's dashboard.

use std::collections::BTreeSet;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Widget};

use super::panel;
use crate::domain::parse_date;
use crate::service::coverage::Coverage;
use crate::tui::app::{page_top, State};
use crate::tui::widgets::text::esc;

pub fn render(s: &State, area: Rect, buf: &mut Buffer) {
    let th = &s.theme;
    let Some(c) = &s.coverage else {
        panel(
            "Coverage",
            vec![Line::styled("Computing coverage…", th.dim())],
            area,
            buf,
            th,
        );
        return;
    };
    let updating = s.stale[crate::tui::app::Pane::Coverage.index()];
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let [matrix, cats, obs] = Layout::vertical([
        Constraint::Percentage(45),
        Constraint::Percentage(30),
        Constraint::Percentage(25),
    ])
    .areas(left);
    let [chart, follow, gaps] = Layout::vertical([
        Constraint::Percentage(40),
        Constraint::Length(4),
        Constraint::Min(3),
    ])
    .areas(right);
    let phases: Vec<u32> = c.phases.iter().map(|p| p.number).collect();

    // Phase × site matrix.
    let mut lines = vec![Line::from(
        std::iter::once(Span::styled(format!("{:<8}", "site"), th.header()))
            .chain(
                phases
                    .iter()
                    .map(|p| Span::styled(format!("{:>12}", format!("phase {p}")), th.header())),
            )
            .collect::<Vec<_>>(),
    )];
    let sites: Vec<String> = {
        let mut seen = Vec::new();
        for cell in &c.cells {
            if !seen.contains(&cell.site) {
                seen.push(cell.site.clone());
            }
        }
        seen
    };
    for site in &sites {
        let mut spans = vec![Span::raw(format!("{:<8}", esc(site)))];
        for p in &phases {
            let cell = c.cells.iter().find(|x| x.phase == *p && x.site == *site);
            let (n, t) = cell.map(|x| (x.interviews, x.target)).unwrap_or((0, 0));
            spans.push(Span::styled(
                format!("{:>12}", format!("{n}/{t}")),
                th.progress(n, t),
            ));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::styled(
        format!(
            "total {}/{} interviews{}",
            c.total_interviews,
            c.total_target,
            if updating { " (updating…)" } else { "" }
        ),
        th.title(),
    ));
    panel(
        "Interviews against targets (phase × site)",
        lines,
        matrix,
        buf,
        th,
    );

    // By role category.
    let cat_names: Vec<String> = c
        .by_role_category
        .iter()
        .map(|x| x.role_category_name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut lines = vec![Line::from(
        std::iter::once(Span::styled(
            format!("{:<34}", "role category (participants)"),
            th.header(),
        ))
        .chain(
            phases
                .iter()
                .map(|p| Span::styled(format!("{:>8}", format!("ph {p}")), th.header())),
        )
        .collect::<Vec<_>>(),
    )];
    for name in &cat_names {
        let mut spans = vec![Span::raw(format!(
            "{:<34}",
            crate::tui::widgets::text::fit(&esc(name), 33)
        ))];
        for p in &phases {
            let n = c
                .by_role_category
                .iter()
                .find(|x| x.phase == *p && x.role_category_name == *name)
                .map(|x| x.participants)
                .unwrap_or(0);
            spans.push(Span::raw(format!("{n:>8}")));
        }
        lines.push(Line::from(spans));
    }
    panel("Coverage by role category", lines, cats, buf, th);

    // Observations by meeting type.
    let mut lines = Vec::new();
    for o in &c.observations {
        lines.push(Line::raw(format!(
            "phase {}  {:<36} {}",
            o.phase,
            crate::tui::widgets::text::fit(&esc(&o.meeting_type_name), 36),
            o.observed
        )));
    }
    if lines.is_empty() {
        lines.push(Line::styled("No meetings observed yet.", th.dim()));
    }
    lines.push(Line::styled(
        format!("documents reviewed: {}", c.documents),
        th.dim(),
    ));
    panel("Observations by meeting type", lines, obs, buf, th);

    progress_chart(s, c, chart, buf);

    // Follow-up of baseline participants.
    let mut lines = Vec::new();
    for f in &c.follow_up {
        let not_seen: Vec<String> = f.not_seen.iter().take(12).map(|n| n.code.clone()).collect();
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "phase {}→{}: {}/{} seen again; ",
                    f.baseline_phase, f.follow_up_phase, f.seen_again, f.baseline_participants
                ),
                th.progress(f.seen_again, f.baseline_participants),
            ),
            Span::raw(format!(
                "{} still to see: {}{}",
                f.not_seen.len(),
                not_seen.join(" "),
                if f.not_seen.len() > 12 { " …" } else { "" }
            )),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            "One phase only: no follow-up to track.",
            th.dim(),
        ));
    }
    panel(
        "Baseline participants still to be seen at follow-up",
        lines,
        follow,
        buf,
        th,
    );

    // Gaps, selectable.
    let h = gaps.height.saturating_sub(2) as usize;
    let top = page_top(s.gap_sel, h);
    let mut lines = Vec::new();
    for (i, g) in c.gaps.iter().enumerate().skip(top).take(h) {
        let msg = if s.privacy && g.kind.starts_with("transcript") {
            format!(
                "{} of interview {}",
                g.kind.replace('-', " "),
                g.id.chars().take(8).collect::<String>()
            )
        } else {
            esc(&g.message)
        };
        let style = if i == s.gap_sel {
            th.selected()
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<19}", g.kind), th.warn()),
            Span::styled(msg, style),
        ]));
    }
    if c.gaps.is_empty() {
        lines.push(Line::styled("No gaps: nothing needs action.", th.ok()));
    }
    panel(
        &format!("Gaps ({}) — Enter goes to the record", c.gaps.len()),
        lines,
        gaps,
        buf,
        th,
    );
}

fn day(d: &str) -> Option<f64> {
    parse_date(d).ok().map(|d| d.to_julian_day() as f64)
}

fn progress_chart(s: &State, c: &Coverage, area: Rect, buf: &mut Buffer) {
    let th = &s.theme;
    let points: Vec<(f64, f64)> = c
        .progress
        .iter()
        .filter_map(|(d, n)| day(d).map(|x| (x, *n as f64)))
        .collect();
    let mut xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    for p in &c.phases {
        xs.extend(day(&p.start));
        xs.extend(day(&p.end));
    }
    let (x0, x1) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
    if xs.is_empty() || x1 <= x0 {
        panel(
            "Cumulative interviews",
            vec![Line::styled("No data yet.", th.dim())],
            area,
            buf,
            th,
        );
        return;
    }
    let target = c.total_target.max(c.total_interviews).max(1) as f64;
    // Phase windows as vertical bars at their start and end; cumulative targets as steps.
    let mut windows: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut targets: Vec<(f64, f64)> = Vec::new();
    let mut cum = 0.0;
    for p in &c.phases {
        if let (Some(a), Some(b)) = (day(&p.start), day(&p.end)) {
            windows.push(vec![(a, 0.0), (a, target)]);
            windows.push(vec![(b, 0.0), (b, target)]);
            targets.push((a, cum));
            cum += p.target as f64;
            targets.push((b, cum));
        }
    }
    let mut datasets: Vec<Dataset> = windows
        .iter()
        .map(|w| {
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(th.dim())
                .data(w)
        })
        .collect();
    datasets.push(
        Dataset::default()
            .name("target")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(th.warn())
            .data(&targets),
    );
    datasets.push(
        Dataset::default()
            .name("interviews")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(th.ok())
            .data(&points),
    );
    let label = |jd: f64| {
        time::Date::from_julian_day(jd as i32)
            .map(crate::domain::format_date)
            .unwrap_or_default()
    };
    let chart = Chart::new(datasets)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(th.border())
                .title(Line::styled(
                    " Cumulative interviews vs phase windows ",
                    th.title(),
                )),
        )
        .x_axis(
            Axis::default()
                .bounds([x0, x1])
                .labels(vec![Line::raw(label(x0)), Line::raw(label(x1))])
                .style(th.dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, target])
                .labels(vec![
                    Line::raw("0"),
                    Line::raw(format!("{}", target as i64)),
                ])
                .style(th.dim()),
        );
    chart.render(area, buf);
}
