//! Centred popups: the confirm dialog and the frame forms and help draw in.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::tui::theme::Theme;

/// A rectangle of at most `w`×`h` centred in `area` (never larger than `area`).
pub fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x.saturating_add(area.width.saturating_sub(w) / 2),
        y: area.y.saturating_add(area.height.saturating_sub(h) / 2),
        width: w,
        height: h,
    }
}

/// Clear an area and draw a titled border; returns the inside.
pub fn frame(area: Rect, buf: &mut Buffer, title: &str, theme: &Theme) -> Rect {
    Clear.render(area, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus_border())
        .title(Line::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

/// The confirm dialog: a question and the keys that answer it.
pub fn confirm(area: Rect, buf: &mut Buffer, question: &str, theme: &Theme) {
    let r = centred(area, 64, 8);
    let inner = frame(r, buf, "Confirm", theme);
    let lines = vec![
        Line::raw(question.to_string()),
        Line::raw(""),
        Line::styled("y: yes, do it    n/Esc: no, change nothing", theme.key()),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(inner, buf);
}

/// One field of the conflict dialog: its value when the form was opened, theirs now, and
/// the user's when they changed it.
pub struct ConflictRow {
    pub field: String,
    pub opened: String,
    pub theirs: String,
    pub yours: Option<String>,
    /// A direct identifier: masked in privacy mode.
    pub pii: bool,
}

/// The dialog shown when the record an open form edits changed underneath it: which
/// fields, theirs against yours, and the three answers. Nothing has been written yet.
pub fn conflict(
    area: Rect,
    buf: &mut Buffer,
    what: &str,
    rows: &[ConflictRow],
    theme: &Theme,
    privacy: bool,
) {
    use super::text::{esc, fit, MASK};
    use ratatui::text::Span;
    let h = (rows.len() as u16).saturating_add(8);
    let r = centred(area, 100, h);
    let inner = frame(r, buf, "Changed while you were editing", theme);
    let col = (inner.width as usize).saturating_sub(16) / 3;
    let shown = |v: &str, pii: bool| {
        if v.is_empty() {
            "(empty)".to_string()
        } else if pii && privacy {
            MASK.to_string()
        } else {
            esc(v)
        }
    };
    let cell = |s: String| format!("{:<w$}", fit(&s, col.saturating_sub(1)), w = col);
    let w = inner.width as usize;
    let mut lines = vec![
        Line::raw(fit(
            &format!(
                "{} was saved by someone else after you opened this form.",
                esc(what)
            ),
            w,
        )),
        Line::raw(fit(
            "Nothing of yours is saved yet: compare, then choose.",
            w,
        )),
        Line::raw(""),
        Line::styled(
            format!(
                "{:<14}  {}{}{}",
                "field",
                cell("when you opened it".into()),
                cell("theirs (now)".into()),
                cell("yours".into())
            ),
            theme.header(),
        ),
    ];
    for row in rows {
        let yours = match &row.yours {
            Some(v) => Span::styled(cell(shown(v, row.pii)), theme.key()),
            None => Span::styled(cell("not changed: keeps theirs".into()), theme.dim()),
        };
        lines.push(Line::from(vec![
            Span::raw(format!("{:<14}  ", fit(&row.field, 14))),
            Span::styled(cell(shown(&row.opened, row.pii)), theme.dim()),
            Span::styled(cell(shown(&row.theirs, row.pii)), theme.warn()),
            yours,
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "o: overwrite with mine   r: reload theirs into the form   c/Esc: cancel, change nothing",
        theme.key(),
    ));
    Paragraph::new(lines).render(inner, buf);
}
