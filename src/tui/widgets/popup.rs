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
