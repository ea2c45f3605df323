//! Drawing the Agreement pane.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::state::AgreementView;
use crate::domain::agreement::Side;
use crate::service::agreement::Disagreement;
use crate::tui::core::Look;
use crate::tui::panes::data::redaction::list;
use crate::tui::widgets::text::{esc, fit, MASK};

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "n/a".into())
}

pub fn render(lk: &Look, st: &AgreementView, area: Rect, buf: &mut Buffer) {
    let th = lk.theme;
    let v = st;
    let Some(a) = &v.data else {
        let text = match (&v.problem, v.computing) {
            (Some(p), _) if v.known.len() > 2 => {
                format!("{}\n\nc: compare a pair of them", esc(p))
            }
            (Some(p), _) => esc(p),
            (None, true) => "Comparing the coders…".to_string(),
            (None, false) => "Nothing compared yet (r computes).".to_string(),
        };
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(th.border())
                    .title(" Agreement "),
            )
            .render(area, buf);
        return;
    };
    let [top, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    let head = format!(
        "A = {}  B = {}  · {} transcript(s) compared, {} left out · {} disagreement(s){}",
        esc(&a.coder_a),
        esc(&a.coder_b),
        a.transcripts.len(),
        a.excluded.len(),
        a.disagreements.len(),
        if v.computing { " · updating…" } else { "" }
    );
    Line::styled(fit(&head, top.width as usize), th.header()).render(top, buf);
    let lw = if body.width >= 110 {
        64
    } else {
        body.width / 2
    };
    let [left, right] =
        Layout::horizontal([Constraint::Length(lw), Constraint::Min(10)]).areas(body);
    match &v.drill {
        None => {
            let order = v.order();
            let rows: Vec<(String, Style)> = order
                .iter()
                .map(|&i| {
                    let t = &a.themes[i];
                    (
                        format!(
                            "α {:>6}  κ {:>6}  {:>3}  {}",
                            num(t.figures.alpha),
                            num(t.figures.kappa),
                            t.disagreements,
                            esc(&t.theme)
                        ),
                        if t.disagreements > 0 {
                            Style::default()
                        } else {
                            th.dim()
                        },
                    )
                })
                .collect();
            list(
                " Themes by alpha ".into(),
                "lowest α first · Enter: its disagreements".into(),
                rows,
                Some(v.sel),
                Line::raw("No theme coded by both coders on identical text."),
                true,
                left,
                buf,
                th,
            );
            let mut lines: Vec<Line<'static>> = Vec::new();
            if let Some(&i) = order.get(v.sel) {
                figures(
                    &mut lines,
                    &esc(&a.themes[i].theme),
                    &a.themes[i].figures,
                    th,
                );
                lines.push(Line::raw(""));
            }
            figures(&mut lines, "Pooled (all themes)", &a.pooled, th);
            if !a.excluded.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::styled("Not compared:", th.warn()));
                for e in &a.excluded {
                    lines.push(Line::raw(format!(
                        "  {} ({}): {}",
                        esc(&e.interview),
                        e.reason,
                        esc(&e.detail)
                    )));
                }
            }
            boxed(" Figures ".into(), lines, right, buf, lk);
        }
        Some(_) => {
            let list_d = v.disagreements();
            let theme = list_d.first().map(|d| d.theme.clone()).unwrap_or_default();
            let rows: Vec<(String, Style)> = list_d
                .iter()
                .map(|d| {
                    let (ca, cb) = chars(d);
                    (
                        format!(
                            "{}  {}  [{}, {})  A {ca} · B {cb}",
                            d.key,
                            esc(&d.interview),
                            d.start,
                            d.end
                        ),
                        Style::default(),
                    )
                })
                .collect();
            list(
                format!(" {} · disagreements ", esc(&theme)),
                "a keep A · b keep B · o keep both · m merge · Esc back".into(),
                rows,
                Some(v.dsel),
                Line::raw("All settled."),
                true,
                left,
                buf,
                th,
            );
            let mut lines: Vec<Line<'static>> = Vec::new();
            if let Some(d) = list_d.get(v.dsel) {
                lines.push(Line::styled(
                    format!(
                        "{} · {} · [{}, {})",
                        d.key,
                        esc(&d.interview),
                        d.start,
                        d.end
                    ),
                    th.header(),
                ));
                for sp in &d.spans {
                    let who = match sp.side {
                        Side::AOnly => format!("A only ({})", esc(&a.coder_a)),
                        Side::BOnly => format!("B only ({})", esc(&a.coder_b)),
                    };
                    lines.push(Line::raw(""));
                    lines.push(Line::styled(
                        format!("{who} [{}, {})", sp.start, sp.end),
                        th.key(),
                    ));
                    let text = if lk.privacy {
                        MASK.to_string()
                    } else {
                        esc(&sp.text)
                    };
                    lines.push(Line::raw(format!("“{text}”")));
                }
                lines.push(Line::raw(""));
                lines.push(Line::styled(
                    format!("tags: A {} · B {}", d.tags_a.len(), d.tags_b.len()),
                    th.dim(),
                ));
            }
            boxed(" Disagreeing text ".into(), lines, right, buf, lk);
        }
    }
}

/// Characters each coder alone coded in a disagreement.
fn chars(d: &Disagreement) -> (u64, u64) {
    let mut out = (0, 0);
    for sp in &d.spans {
        match sp.side {
            Side::AOnly => out.0 += sp.end - sp.start,
            Side::BOnly => out.1 += sp.end - sp.start,
        }
    }
    out
}

fn figures(
    lines: &mut Vec<Line<'static>>,
    name: &str,
    f: &crate::service::agreement::Figures,
    th: &crate::tui::theme::Theme,
) {
    let t = &f.table;
    lines.push(Line::styled(name.to_string(), th.header()));
    lines.push(Line::raw(format!(
        "  characters: both {} · A only {} · B only {} · neither {}",
        t.both, t.a_only, t.b_only, t.neither
    )));
    lines.push(Line::raw(format!(
        "  agreement {} · positive {} · Cohen's κ {} · Krippendorff's α {}",
        num(f.percent_agreement),
        num(f.positive_agreement),
        num(f.kappa),
        num(f.alpha)
    )));
}

fn boxed(title: String, lines: Vec<Line<'static>>, area: Rect, buf: &mut Buffer, lk: &Look) {
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(lk.theme.border())
                .title(title),
        )
        .render(area, buf);
}
