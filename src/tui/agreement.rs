//! The Agreement pane: themes listed by Krippendorff's alpha (lowest first: where the
//! coders disagree most), Enter drills down to the theme's disagreements with their text,
//! and a key settles the selected one (keep A, keep B, keep both, merge) through the
//! service after a confirmation. The comparison is computed by the load worker
//! (`Slow::Agreement`); the pane says it is computing meanwhile.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::app::{clamp_move, Effect, Slow, State, Write};
use super::panes::redaction::list;
use super::widgets::text::{esc, fit, MASK};
use super::worker::Work;
use crate::domain::agreement::Side;
use crate::service::agreement::{Agreement, AgreementQuery, Disagreement, Settle};

/// What a key asks of the Agreement pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementCmd {
    /// Drill down into the selected theme's disagreements.
    Open,
    /// Back to the themes.
    Back,
    /// Settle the selected disagreement (asks first).
    Settle(Settle),
    /// Blind coding: reveal the other coders' tags to this coder (asks first).
    Reveal,
    /// Compute again.
    Recompute,
    /// Compare the next pair of coders (with more than two).
    NextPair,
}

#[derive(Debug, Default)]
pub struct AgreementView {
    pub data: Option<Agreement>,
    /// Why there is nothing to show (fewer than two coders, blind coding, …).
    pub problem: Option<String>,
    pub computing: bool,
    /// Selected row of the themes, in the order shown (lowest alpha first).
    pub sel: usize,
    /// The theme drilled into (its id), and the selected disagreement in it.
    pub drill: Option<String>,
    pub dsel: usize,
    /// Coders of passages (most passages first), as last computed.
    pub known: Vec<String>,
    /// The pair compared (`None`: the only two there are).
    pub pair: Option<(String, String)>,
}

impl AgreementView {
    /// Indices of `data.themes`, lowest alpha first (undefined alpha last), then by name.
    pub fn order(&self) -> Vec<usize> {
        let Some(a) = &self.data else {
            return Vec::new();
        };
        let mut idx: Vec<usize> = (0..a.themes.len()).collect();
        idx.sort_by(|&i, &j| {
            let (x, y) = (&a.themes[i], &a.themes[j]);
            let key = |t: &crate::service::agreement::ThemeAgreement| {
                t.figures.alpha.unwrap_or(f64::INFINITY)
            };
            key(x)
                .total_cmp(&key(y))
                .then_with(|| x.theme.cmp(&y.theme))
        });
        idx
    }

    /// The disagreements of the theme drilled into.
    pub fn disagreements(&self) -> Vec<&Disagreement> {
        match (&self.data, &self.drill) {
            (Some(a), Some(t)) => a
                .disagreements
                .iter()
                .filter(|d| &d.theme_id == t)
                .collect(),
            _ => Vec::new(),
        }
    }

    fn selected_theme(&self) -> Option<String> {
        let a = self.data.as_ref()?;
        let i = *self.order().get(self.sel)?;
        Some(a.themes[i].theme_id.clone())
    }
}

/// Compute the comparison after the frame.
pub fn load(s: &mut State) {
    s.agreement.computing = true;
    s.queue(Slow::Agreement, false);
}

/// The worker's part: the whole comparison (about a second at most on a large study).
pub fn work(s: &State) -> Work {
    let pair = s.agreement.pair.clone();
    Box::new(move |fw| {
        let known: Vec<String> = fw.coders()?.into_iter().map(|(c, _)| c).collect();
        let r = fw.agreement(&AgreementQuery {
            coders: pair,
            ..Default::default()
        });
        Ok(Box::new(move |s: &mut State| {
            let v = &mut s.agreement;
            v.computing = false;
            v.known = known;
            match r {
                Ok(a) => {
                    v.problem = None;
                    let n = a.themes.len();
                    super::worker::drop_off_thread(v.data.replace(a));
                    v.sel = v.sel.min(n.saturating_sub(1));
                    let m = v.disagreements().len();
                    v.dsel = v.dsel.min(m.saturating_sub(1));
                }
                Err(e) => {
                    v.problem = Some(e.to_string());
                    v.data = None;
                    v.drill = None;
                }
            }
        }))
    })
}

pub fn move_sel(s: &mut State, d: isize, abs: Option<usize>) -> Option<Effect> {
    let v = &mut s.agreement;
    if v.drill.is_some() {
        let n = v.disagreements().len();
        v.dsel = clamp_move(v.dsel, n, d, abs);
    } else {
        let n = v.data.as_ref().map(|a| a.themes.len()).unwrap_or(0);
        v.sel = clamp_move(v.sel, n, d, abs);
    }
    None
}

pub fn command(s: &mut State, c: AgreementCmd) -> Option<Effect> {
    match c {
        AgreementCmd::Open => {
            let v = &mut s.agreement;
            if v.drill.is_none() {
                if let Some(t) = v.selected_theme() {
                    v.drill = Some(t);
                    v.dsel = 0;
                    if v.disagreements().is_empty() {
                        v.drill = None;
                        s.info("the coders agree on every character of this theme");
                    }
                }
            }
            None
        }
        AgreementCmd::Back => {
            s.agreement.drill = None;
            None
        }
        AgreementCmd::Recompute => {
            load(s);
            None
        }
        AgreementCmd::NextPair => {
            let v = &mut s.agreement;
            let k = &v.known;
            let pairs: Vec<(String, String)> = (0..k.len())
                .flat_map(|i| (i + 1..k.len()).map(move |j| (k[i].clone(), k[j].clone())))
                .collect();
            if pairs.len() < 2 {
                s.info("there is only one pair of coders to compare");
                return None;
            }
            let now = v.pair.clone().or_else(|| {
                v.data
                    .as_ref()
                    .map(|a| (a.coder_a.clone(), a.coder_b.clone()))
            });
            let i = now
                .and_then(|p| pairs.iter().position(|x| *x == p))
                .map(|i| (i + 1) % pairs.len())
                .unwrap_or(0);
            v.pair = Some(pairs[i].clone());
            v.drill = None;
            v.sel = 0;
            load(s);
            None
        }
        AgreementCmd::Reveal => {
            s.ask(
                "Show the other coders' passages to you from now on (blind coding ends for you; recorded in the audit log)?".into(),
                Write::Reveal,
            );
            None
        }
        AgreementCmd::Settle(how) => {
            let v = &s.agreement;
            let Some(a) = &v.data else { return None };
            let list = v.disagreements();
            let Some(d) = list.get(v.dsel) else {
                s.info("Enter a theme, then select a disagreement to settle");
                return None;
            };
            let what = match how {
                Settle::KeepA => format!("keep {}'s coding (A)", esc(&a.coder_a)),
                Settle::KeepB => format!("keep {}'s coding (B)", esc(&a.coder_b)),
                Settle::KeepBoth => "keep both codings".to_string(),
                Settle::Merge => "merge into one passage for each coder".to_string(),
            };
            let question = format!(
                "Settle {} in {} [{}, {}): {what}?",
                d.key,
                esc(&d.interview),
                d.start,
                d.end
            );
            let w = Write::Settle {
                key: d.key.clone(),
                coders: (a.coder_a.clone(), a.coder_b.clone()),
                how,
            };
            s.ask(question, w);
            None
        }
    }
}

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "n/a".into())
}

pub fn render(s: &State, area: Rect, buf: &mut Buffer) {
    let th = &s.theme;
    let v = &s.agreement;
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
            boxed(" Figures ".into(), lines, right, buf, s);
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
                    let text = if s.privacy {
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
            boxed(" Disagreeing text ".into(), lines, right, buf, s);
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

fn boxed(title: String, lines: Vec<Line<'static>>, area: Rect, buf: &mut Buffer, s: &State) {
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(s.theme.border())
                .title(title),
        )
        .render(area, buf);
}
