//! Search: full-text search over transcripts, session notes and memos as you type, with
//! the hit highlighted in each snippet; Enter opens the transcript at the hit.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::state::CodingState;
use crate::tui::core::Look;
use crate::tui::core::{page_top, Mode};
use crate::tui::panes::{filters, panel};
use crate::tui::widgets::text::{esc, fit, pii, typed};

pub fn render(v: &Look, st: &CodingState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let st = &st.search;
    let [top, list] = Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
    let typing = v.mode == Mode::Search;
    let f = &st.filter;
    let filt = filters(&[
        ("site", f.site.clone()),
        ("phase", f.phase.map(|p| p.to_string())),
        ("role", f.role_category.clone()),
        ("theme", st.theme_label.clone()),
        ("words", f.exact.then(|| "exact".to_string())),
    ]);
    let query = Line::from(vec![
        Span::styled(" Query: ", th.header()),
        // The query can hold a name: masked in privacy mode.
        Span::raw(typed(v.privacy, &st.query)),
        Span::styled(if typing { "▏" } else { "" }, th.key()),
        Span::styled(filt, th.warn()),
    ]);
    panel(
        if typing {
            "Search (typing: Enter keeps, Esc clears)"
        } else {
            "Search (/ to type)"
        },
        vec![query],
        top,
        buf,
        th,
    );
    let pending = st.query.trim() != st.shown_for;
    let title = if st.query.trim().is_empty() {
        " Hits ".to_string()
    } else if pending {
        " Hits (searching…) ".to_string()
    } else if st.ranked {
        format!(
            " {} hit(s), best first · {:>4} ms ",
            st.hits.len(),
            st.millis
        )
    } else {
        format!(
            " first {} hits found, in text order (ranking follows) · {:>4} ms ",
            st.hits.len(),
            st.millis
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focus_border())
        .title(Line::styled(title, th.title()));
    let inner = block.inner(list);
    block.render(list, buf);
    if st.query.trim().is_empty() {
        Paragraph::new(vec![
            Line::raw("Type / and a query; hits follow as you type."),
            Line::raw(""),
            Line::raw("  integration          a word (any form: integrate, integrated)"),
            Line::raw("  \"primary care\"       a phrase"),
            Line::raw("  collab*              a prefix"),
            Line::raw("  trust AND NOT board  boolean: AND, OR, NOT, (brackets)"),
            Line::raw("  Q3: finance          punctuation is plain text"),
            Line::raw(""),
            Line::raw("s, p, c, t filter by site, phase, role category, theme;"),
            Line::raw("e: exact words only (not other forms)."),
            Line::raw("Enter opens the transcript at the hit, ready to tag."),
        ])
        .render(inner, buf);
        return;
    }
    if st.hits.is_empty() && !pending {
        Paragraph::new(Line::styled("No hits.", th.dim())).render(inner, buf);
        return;
    }
    // Two rows per hit: where, then the snippet.
    let per = 2usize;
    let h = (inner.height as usize / per).max(1);
    let top = page_top(st.sel, h);
    let w = inner.width as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (i, hit) in st.hits.iter().enumerate().skip(top).take(h) {
        let selected = i == st.sel;
        let who = hit
            .speaker
            .as_deref()
            .map(|sp| {
                if sp.eq_ignore_ascii_case("interviewer") {
                    esc(sp)
                } else {
                    pii(v.privacy, sp)
                }
            })
            .unwrap_or_default();
        let head = format!(
            "{} {:<10} site {:<4} phase {} {} {}",
            if selected { "▶" } else { " " },
            hit.kind,
            esc(&hit.site),
            hit.phase,
            esc(&hit.date),
            who
        );
        lines.push(Line::styled(
            fit(&head, w),
            if selected { th.selected() } else { th.dim() },
        ));
        let snip = if v.privacy {
            st.masked
                .get(i)
                .cloned()
                .unwrap_or_else(|| crate::tui::widgets::text::MASK.to_string())
        } else {
            hit.snippet.clone()
        };
        lines.push(snippet(&snip, w, th));
    }
    Paragraph::new(lines).render(inner, buf);
}

/// A snippet with the matched words (between U+E000 and U+E001) highlighted.
fn snippet(text: &str, width: usize, th: &crate::tui::theme::Theme) -> Line<'static> {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = fit(&flat, width.saturating_sub(3));
    let mut spans = vec![Span::raw("   ")];
    let mut cur = String::new();
    let mut on = false;
    for c in flat.chars() {
        match c {
            '\u{E000}' | '\u{E001}' => {
                if !cur.is_empty() {
                    let t = std::mem::take(&mut cur);
                    spans.push(if on {
                        Span::styled(t, th.cursor().add_modifier(Modifier::BOLD))
                    } else {
                        Span::raw(t)
                    });
                }
                on = c == '\u{E000}';
            }
            c if c.is_control() => cur.push(' '),
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        spans.push(if on {
            Span::styled(cur, th.cursor())
        } else {
            Span::raw(cur)
        });
    }
    Line::from(spans)
}
