//! One file per pane: `render(&State, Rect, &mut Buffer)`; they read state only.

pub mod agreement;
pub mod coding;
pub mod conflicts;
pub mod consent;
pub mod coverage;
pub mod data;
pub mod participants;
pub mod sessions;
pub mod themes;
pub mod transcripts;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::tui::theme::Theme;

/// A bordered box of lines (detail panels).
pub fn panel(title: &str, lines: Vec<Line<'static>>, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Line::styled(format!(" {title} "), theme.title()));
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// A short description of the active filters.
pub fn filters(parts: &[(&str, Option<String>)]) -> String {
    let on: Vec<String> = parts
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
        .collect();
    if on.is_empty() {
        String::new()
    } else {
        format!(" [{}]", on.join(" "))
    }
}
