//! Placeholder: being built.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::tui::app::State;

pub fn render(s: &State, area: Rect, buf: &mut Buffer) {
    super::panel(s.pane.title(), vec![Line::raw("")], area, buf, &s.theme);
}
