//! Coverage: the project manager's dashboard.

pub mod state;

use crate::tui::worker::Work;
use state::{CoverageState, PANELS};
use std::collections::BTreeSet;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Widget};

use super::panel;
use crate::domain::parse_date;
use crate::service::coverage::Coverage;
use crate::tui::core::keys::Cmd;
use crate::tui::core::*;
use crate::tui::core::{page_top, Cx, Look, State};
use crate::tui::widgets::text::{esc, fit, pii};

/// A Coverage panel that scrolls: its border is highlighted when `f` has given it the
/// arrows, and its title says when there is more than it shows.
fn scrolled(
    v: &Look,
    (scroll, focused): (usize, bool),
    title: &str,
    lines: Vec<Line<'static>>,
    area: Rect,
    buf: &mut Buffer,
    wrap: bool,
) {
    let th = v.theme;
    let h = area.height.saturating_sub(2) as usize;
    let n = lines.len();
    let top = scroll.min(n.saturating_sub(h.max(1)));
    // Where the view is, first: the title may be cut in a narrow panel.
    let more = if n > h {
        format!("[{}–{}/{}] ", top + 1, (top + h).min(n), n)
    } else {
        String::new()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            th.focus_border()
        } else {
            th.border()
        })
        .title(Line::styled(format!(" {more}{title} "), th.title()));
    let p = Paragraph::new(lines).block(block);
    let p = if wrap {
        p.wrap(ratatui::widgets::Wrap { trim: false })
    } else {
        p
    };
    p.scroll((top.min(u16::MAX as usize) as u16, 0))
        .render(area, buf);
}

/// `updating`: the data shown is older than the last write (a newer load is coming).
pub fn render(v: &Look, st: &CoverageState, updating: bool, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let Some(c) = &st.data else {
        panel(
            "Coverage",
            vec![Line::styled("Computing coverage…", th.dim())],
            area,
            buf,
            th,
        );
        return;
    };
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let [matrix, cats, obs, people] = Layout::vertical([
        Constraint::Percentage(35),
        Constraint::Percentage(25),
        Constraint::Percentage(20),
        Constraint::Percentage(20),
    ])
    .areas(left);
    let [chart, follow, gaps] = Layout::vertical([
        Constraint::Percentage(35),
        Constraint::Percentage(25),
        Constraint::Min(3),
    ])
    .areas(right);
    let phases: Vec<u32> = c.phases.iter().map(|p| p.number).collect();

    // Phase × site matrix, with the total of each phase under it.
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
    let mut spans = vec![Span::styled(format!("{:<8}", "phase"), th.title())];
    for p in &c.phases {
        spans.push(Span::styled(
            format!("{:>12}", format!("{}/{}", p.interviews, p.target)),
            th.progress(p.interviews, p.target),
        ));
    }
    lines.push(Line::from(spans));
    lines.push(Line::styled(
        format!(
            "total {}/{} interviews{}",
            c.total_interviews,
            c.total_target,
            if updating { " (updating…)" } else { "" }
        ),
        th.title(),
    ));
    scrolled(
        v,
        st.panel(0),
        "Interviews against targets (phase × site)",
        lines,
        matrix,
        buf,
        false,
    );

    // By role category, against the study definition's targets where it sets them.
    let cat_names: Vec<String> = c
        .by_role_category
        .iter()
        .map(|x| x.role_category_name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // The name column takes what the phase columns leave.
    let name_w = (cats.width as usize)
        .saturating_sub(2 + 8 * phases.len())
        .clamp(12, 34);
    let mut lines = vec![Line::from(
        std::iter::once(Span::styled(
            format!(
                "{:<name_w$}",
                fit("role category (participants)", name_w - 1)
            ),
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
            "{:<name_w$}",
            crate::tui::widgets::text::fit(&esc(name), name_w - 1)
        ))];
        for p in &phases {
            let cell = c
                .by_role_category
                .iter()
                .find(|x| x.phase == *p && x.role_category_name == *name);
            match cell {
                Some(x) if x.target > 0 => {
                    let style = if x.participants >= x.target {
                        th.ok()
                    } else {
                        Default::default()
                    };
                    spans.push(Span::styled(
                        format!("{:>8}", format!("{}/{}", x.participants, x.target)),
                        style,
                    ));
                }
                Some(x) => spans.push(Span::raw(format!("{:>8}", x.participants))),
                None => spans.push(Span::raw(format!("{:>8}", 0))),
            }
        }
        lines.push(Line::from(spans));
    }
    scrolled(
        v,
        st.panel(1),
        "Coverage by role category",
        lines,
        cats,
        buf,
        false,
    );

    // Observations by meeting type.
    let mut lines = Vec::new();
    let type_w = (obs.width as usize).saturating_sub(2 + 9 + 5).clamp(10, 36);
    for o in &c.observations {
        lines.push(Line::raw(format!(
            "phase {}  {:<type_w$} {}",
            o.phase,
            crate::tui::widgets::text::fit(&esc(&o.meeting_type_name), type_w),
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
    scrolled(
        v,
        st.panel(2),
        "Observations by meeting type",
        lines,
        obs,
        buf,
        false,
    );

    // Sessions per fieldworker (interviewer, observer), per phase and site.
    let mut lines = Vec::new();
    match &st.by_fieldworker {
        None => lines.push(Line::styled("Computing…", th.dim())),
        Some(per) if per.totals.is_empty() => {
            lines.push(Line::styled("No sessions done yet.", th.dim()))
        }
        Some(per) => {
            for t in &per.totals {
                let who = pii(v.privacy, &t.fieldworker);
                let who_w = (people.width as usize / 3).clamp(8, 24);
                lines.push(Line::from(vec![
                    Span::styled(format!("{:<who_w$}", fit(&who, who_w - 1)), th.key()),
                    Span::raw(format!(
                        "{} interview(s), {} observation(s)",
                        t.interviews, t.observations
                    )),
                ]));
                let mut parts: Vec<String> = Vec::new();
                for x in per.cells.iter().filter(|x| x.fieldworker == t.fieldworker) {
                    let r = if x.role == "observer" { "obs" } else { "int" };
                    parts.push(format!(
                        "ph {} {} {r} {}",
                        x.phase,
                        esc(&x.site),
                        x.sessions
                    ));
                }
                lines.push(Line::styled(format!("  {}", parts.join(" · ")), th.dim()));
            }
        }
    }
    scrolled(
        v,
        st.panel(3),
        "Sessions done per fieldworker",
        lines,
        people,
        buf,
        true,
    );

    progress_chart(v, c, chart, buf);

    // Follow-up of baseline participants: every one still to see, in full.
    let mut lines = Vec::new();
    for f in &c.follow_up {
        lines.push(Line::from(vec![Span::styled(
            format!(
                "phase {}→{}: {}/{} seen again; {} still to see{}",
                f.baseline_phase,
                f.follow_up_phase,
                f.seen_again,
                f.baseline_participants,
                f.not_seen.len(),
                if f.withdrawn > 0 {
                    format!(" ({} withdrawn, not counted)", f.withdrawn)
                } else {
                    String::new()
                }
            ),
            th.progress(f.seen_again, f.baseline_participants),
        )]));
        for n in &f.not_seen {
            lines.push(Line::raw(format!(
                "  {}  {}  {}  {}  contact: {}",
                n.code,
                esc(&n.site),
                esc(&n.role_category),
                esc(&n.status),
                esc(&n.follow_up_consent)
            )));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            "One phase only: no follow-up to track.",
            th.dim(),
        ));
    }
    scrolled(
        v,
        st.panel(4),
        "Baseline participants still to be seen at follow-up",
        lines,
        follow,
        buf,
        true,
    );

    // Gaps, selectable.
    let h = gaps.height.saturating_sub(2) as usize;
    let top = page_top(st.gap_sel, h);
    let mut lines = Vec::new();
    for (i, g) in c.gaps.iter().enumerate().skip(top).take(h) {
        let msg = if v.privacy && g.kind.starts_with("transcript") {
            format!(
                "{} of interview {}{}",
                g.kind.replace('-', " "),
                g.id.chars().take(8).collect::<String>(),
                if g.participants.is_empty() {
                    String::new()
                } else {
                    format!(" of {}", g.participants.join(", "))
                }
            )
        } else {
            esc(&g.message)
        };
        let style = if i == st.gap_sel {
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
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if st.focus + 1 == PANELS.len() {
            th.focus_border()
        } else {
            th.border()
        })
        .title(Line::styled(
            format!(" Gaps ({}) — Enter goes to the record ", c.gaps.len()),
            th.title(),
        ));
    Paragraph::new(lines)
        .block(block)
        .wrap(ratatui::widgets::Wrap { trim: false })
        .render(gaps, buf);
}

fn day(d: &str) -> Option<f64> {
    parse_date(d).ok().map(|d| d.to_julian_day() as f64)
}

fn progress_chart(v: &Look, c: &Coverage, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
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

/// The pane's load (`Slow::Coverage`): computed by the load worker.
pub fn work() -> Work {
    Box::new(|fw| {
        let c = fw.coverage()?;
        let per = fw.coverage_by_fieldworker()?;
        Ok(Box::new(move |s: &mut State| {
            let st = &mut s.coverage;
            st.gap_sel = st.gap_sel.min(c.gaps.len().saturating_sub(1));
            st.data = Some(c);
            st.by_fieldworker = Some(per);
            s.stale[Pane::Coverage.index()] = false;
        }))
    })
}

/// The Coverage pane's commands (bound in `keys`): state changes and at most one effect.
pub fn command(cx: &mut Cx, st: &mut CoverageState, cmd: Cmd) -> Option<Effect> {
    match cmd {
        Cmd::CoverageFocus => {
            st.focus = (st.focus + 1) % PANELS.len();
            cx.info(format!(
                "Coverage: ↑/↓ now move the {} panel",
                PANELS[st.focus]
            ));
            None
        }
        Cmd::Jump => {
            let g = st.data.as_ref()?.gaps.get(st.gap_sel)?.clone();
            let pane = match (g.entity.as_str(), g.kind.as_str()) {
                ("participant", _) => Pane::Participants,
                ("session", k) if k.contains("transcript") => Pane::Transcripts,
                ("session", _) => Pane::Sessions,
                _ => {
                    cx.info(g.action.clone());
                    return None;
                }
            };
            cx.info(format!("to do: {}", g.action));
            // The loop goes to the pane, shows its whole list and selects the record.
            Some(Effect::Locate { pane, id: g.id })
        }
        _ => None,
    }
}

/// The Coverage pane's keys (assembled by `keymap`, in the order the help shows them).
pub mod keys {
    #![allow(unused_imports)]
    use ratatui::crossterm::event::KeyCode as K;

    use crate::tui::core::keys::{b, ch, code, ctrl, Binding, Cmd as C, Ctx};
    use crate::tui::core::pane::Pane;
    use crate::tui::panes::coding::state::CodingCmd;

    pub static KEYS: &[Binding] = &[
        // Coverage
        b!(
            Ctx::Pane(Pane::Coverage),
            [code(K::Enter)],
            C::Jump,
            "go to the record the selected gap is about",
            true
        ),
        b!(
            Ctx::Pane(Pane::Coverage),
            [ch('f')],
            C::CoverageFocus,
            "focus the next panel: ↑/↓, PgUp/PgDn scroll it (the gaps: move the selection)",
            true
        ),
    ];
}
