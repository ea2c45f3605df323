//! Viewer: one interview's transcript as speaker turns, tagged passages in their themes'
//! colours, the cursor word and the selection; beside it the passages at the cursor and
//! the list of every passage.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use unicode_width::UnicodeWidthChar;

use super::state::CodingState;
use crate::domain::format_date;
use crate::tui::core::Look;
use crate::tui::panes::coding::Viewer;
use crate::tui::panes::panel;
use crate::tui::widgets::text::{esc, fit, pii};

pub fn render(lk: &Look, st: &CodingState, area: Rect, buf: &mut Buffer) {
    let th = lk.theme;
    let Some(v) = &st.viewer else {
        if st.opening.is_some() {
            panel(
                "Viewer",
                vec![Line::raw("Opening the transcript…")],
                area,
                buf,
                th,
            );
            return;
        }
        panel(
            "Viewer",
            vec![
                Line::raw("No transcript open."),
                Line::raw(""),
                Line::raw("Open one from a search hit (7, Enter), a matrix cell (9, o),"),
                Line::raw("or import a linked file in Transcripts (4: i, or I for all) and"),
                Line::raw("press Enter on a hit. Then: w/b move by word, j/k by turn, v selects,"),
                Line::raw("Enter tags the selection, n/N jump between tagged passages."),
            ],
            area,
            buf,
            th,
        );
        return;
    };
    let side_w = if area.width >= 100 { 40 } else { 28 };
    let [text_area, side] =
        Layout::horizontal([Constraint::Min(30), Constraint::Length(side_w)]).areas(area);
    let codes: Vec<String> = v
        .session
        .participants
        .iter()
        .map(|p| p.code.clone())
        .collect();
    let title = format!(
        " {} · site {} · phase {} · {} · {} words{} ",
        codes.join(", "),
        esc(&v.session.site),
        v.session.phase,
        format_date(v.session.date),
        v.view.import.words,
        match v.selection() {
            Some((a, b)) => format!(
                " · selected {} word(s)",
                v.text_of(a, b).split_whitespace().count()
            ),
            None => String::new(),
        }
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focus_border())
        .title(Line::styled(
            fit(&title, text_area.width as usize - 2),
            th.title(),
        ));
    let inner = block.inner(text_area);
    block.render(text_area, buf);
    let lines = text_lines(lk, v, inner.width as usize, inner.height as usize);
    Paragraph::new(lines).render(inner, buf);
    side_panels(lk, v, side, buf);
}

/// One wrapped line: absolute character range, or a turn header.
enum Row {
    Header(usize),
    /// Turn, and the absolute character range of the line.
    Text(usize, usize, usize),
}

/// Wrap a turn's text [s, e) to `width` columns at spaces (and at line breaks).
fn wrap(chars: &[char], s: usize, e: usize, width: usize) -> Vec<(usize, usize)> {
    let width = width.max(8);
    let mut out = Vec::new();
    let mut start = s;
    while start < e {
        // Skip a line break that ended the last line.
        let mut i = start;
        let mut w = 0;
        let mut last_space = None;
        while i < e && chars[i] != '\n' {
            let cw = chars[i].width().unwrap_or(0);
            if w + cw > width {
                break;
            }
            if chars[i] == ' ' {
                last_space = Some(i);
            }
            w += cw;
            i += 1;
        }
        let end = if i < e && chars[i] != '\n' {
            match last_space {
                Some(sp) if sp > start => sp + 1,
                _ => i.max(start + 1),
            }
        } else {
            i
        };
        out.push((start, end));
        start = if end < e && chars[end] == '\n' {
            end + 1
        } else {
            end
        };
    }
    out
}

fn turn_rows(v: &Viewer, t: usize, width: usize) -> Vec<Row> {
    let turn = &v.view.turns[t];
    let (mut a, mut b) = (turn.start_char as usize, turn.end_char as usize);
    b = b.min(v.chars.len());
    while a < b && v.chars[a].is_whitespace() {
        a += 1;
    }
    while b > a && v.chars[b - 1].is_whitespace() {
        b -= 1;
    }
    // A `Speaker:` label in the text is the header; else a header row names the speaker.
    let mut rows = if v.label_len(t) > 0 || turn.speaker.is_none() {
        vec![]
    } else {
        vec![Row::Header(t)]
    };
    rows.extend(
        wrap(&v.chars, a, b, width)
            .into_iter()
            .map(|(x, y)| Row::Text(t, x, y)),
    );
    rows
}

fn text_lines(lk: &Look, v: &Viewer, width: usize, height: usize) -> Vec<Line<'static>> {
    if v.view.turns.is_empty() || height == 0 {
        return vec![Line::raw("This transcript has no text.")];
    }
    let ct = v.turn_at(v.cursor);
    let mut top = v.top.get().min(ct);
    // Rows from `top` on until the screen is full past the cursor.
    let build = |top: usize| -> (Vec<Row>, usize) {
        let mut rows = Vec::new();
        let mut cursor_row = 0;
        for t in top..v.view.turns.len() {
            let r = turn_rows(v, t, width);
            for row in r {
                if let Row::Text(_, a, b) = row {
                    if v.cursor >= a && (v.cursor < b || (b == a && v.cursor == a)) {
                        cursor_row = rows.len();
                    }
                }
                rows.push(row);
            }
            if t >= ct && rows.len() > cursor_row + height {
                break;
            }
        }
        (rows, cursor_row)
    };
    let (mut rows, mut cursor_row) = build(top);
    // Keep two rows of context under the cursor: drop whole turns from the top.
    while cursor_row + 3 > height && top < ct {
        top += 1;
        (rows, cursor_row) = build(top);
    }
    // Room left at the bottom (the transcript ends): show earlier turns instead.
    while top > 0 {
        let (r, c) = build(top - 1);
        if r.len() <= height && c + 3 <= height {
            top -= 1;
            (rows, cursor_row) = (r, c);
        } else {
            break;
        }
    }
    v.top.set(top);
    let skip = (cursor_row + 3).saturating_sub(height);
    let sel = v.selection();
    let (cw_a, cw_b) = (v.word_start(v.cursor), v.word_end(v.cursor));
    rows.iter()
        .skip(skip)
        .take(height)
        .map(|row| match row {
            Row::Header(t) => {
                let turn = &v.view.turns[*t];
                let who = turn.speaker.clone().unwrap_or_else(|| "—".into());
                // Speakers are named as in the file: a name is a direct identifier.
                let who = if lk.privacy && !who.eq_ignore_ascii_case("interviewer") {
                    pii(true, &who)
                } else {
                    esc(&who)
                };
                let time = turn
                    .start_ms
                    .map(|ms| {
                        let sec = ms / 1000;
                        format!("  [{:02}:{:02}:{:02}]", sec / 3600, sec / 60 % 60, sec % 60)
                    })
                    .unwrap_or_default();
                Line::from(vec![
                    Span::styled(who, lk.theme.header()),
                    Span::styled(time, lk.theme.dim()),
                ])
            }
            Row::Text(t, a, b) => {
                let ls = v.view.turns[*t].start_char as usize;
                styled(lk, v, *a, *b, sel, (cw_a, cw_b), (ls, ls + v.label_len(*t)))
            }
        })
        .collect()
}

fn styled(
    lk: &Look,
    v: &Viewer,
    a: usize,
    b: usize,
    sel: Option<(usize, usize)>,
    cursor: (usize, usize),
    label: (usize, usize),
) -> Line<'static> {
    let named = label.1 > label.0
        && !v
            .text_of(label.0, label.1)
            .trim()
            .to_lowercase()
            .starts_with("interviewer");
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut cur = String::new();
    let mut cur_style = Style::new();
    for i in a..b {
        let in_label = i >= label.0 && i < label.1;
        let st = if in_label {
            lk.theme.header()
        } else if i >= cursor.0 && i < cursor.1 {
            lk.theme.cursor()
        } else if sel.is_some_and(|(x, y)| i >= x && i < y) {
            lk.theme.selection()
        } else if let Some(p) = v.view.passages.get(v.passage_of[i] as usize) {
            let st = lk.theme.passage(p.colour.as_deref(), &p.theme_id);
            if p.anchor == "changed" {
                st.add_modifier(Modifier::ITALIC)
            } else {
                st
            }
        } else {
            Style::new()
        };
        let mut c = v.chars[i];
        if c.is_control() {
            c = ' ';
        }
        if lk.privacy && !c.is_whitespace() && ((in_label && named && c != ':') || v.masked[i]) {
            c = '•';
        }
        if st != cur_style && !cur.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut cur), cur_style));
        }
        cur_style = st;
        cur.push(c);
    }
    if !cur.is_empty() {
        spans.push(Span::styled(cur, cur_style));
    }
    Line::from(spans)
}

fn side_panels(lk: &Look, v: &Viewer, area: Rect, buf: &mut Buffer) {
    let th = lk.theme;
    let [here, all] = Layout::vertical([Constraint::Length(9), Constraint::Min(3)]).areas(area);
    let w = area.width.saturating_sub(4) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let at = v.passages_at(v.cursor);
    if at.is_empty() {
        lines.push(Line::styled("No tagged passage here.", th.dim()));
        if v.anchor.is_some() {
            lines.push(Line::raw("Enter tags the selection."));
        } else {
            lines.push(Line::raw("v starts a selection."));
        }
    }
    for p in &at {
        lines.push(Line::from(vec![
            Span::styled("■ ", th.swatch(p.colour.as_deref(), &p.theme_id)),
            Span::raw(fit(&esc(&p.theme), w.saturating_sub(2))),
        ]));
        if p.anchor != "ok" {
            lines.push(Line::styled(
                format!("  {} after re-import: a accepts", p.anchor),
                th.warn(),
            ));
        }
        if let Some(m) = &p.memo {
            lines.push(Line::styled(
                fit(&format!("  memo: {}", pii(lk.privacy, m)), w),
                th.dim(),
            ));
        }
    }
    panel("At the cursor", lines, here, buf, th);
    // Every passage in text order; the one at the cursor marked.
    let mut ps: Vec<&crate::service::coding::PassageRow> = v.view.passages.iter().collect();
    ps.sort_by(|a, b| (a.span_start, &a.theme).cmp(&(b.span_start, &b.theme)));
    let h = all.height.saturating_sub(2) as usize;
    let cur_i = ps
        .iter()
        .position(|p| (p.span_start as usize) <= v.cursor && v.cursor < p.span_end as usize)
        .unwrap_or(0);
    let top = cur_i.saturating_sub(h.saturating_sub(1));
    let mut lines: Vec<Line<'static>> = Vec::new();
    for p in ps.iter().skip(top).take(h) {
        let here = (p.span_start as usize) <= v.cursor && v.cursor < p.span_end as usize;
        let quote = if lk.privacy {
            String::new()
        } else {
            esc(&p.quote.split_whitespace().collect::<Vec<_>>().join(" "))
        };
        let text = fit(&format!("{} {}", esc(&p.theme), quote), w.saturating_sub(2));
        lines.push(Line::from(vec![
            Span::styled("■ ", th.swatch(p.colour.as_deref(), &p.theme_id)),
            Span::styled(
                text,
                if here {
                    th.selected()
                } else if p.anchor == "lost" {
                    th.bad()
                } else {
                    Style::new()
                },
            ),
        ]));
    }
    if ps.is_empty() {
        lines.push(Line::styled("None yet.", th.dim()));
    }
    panel(&format!("Passages ({})", ps.len()), lines, all, buf, th);
}
