//! A table that builds only the rows on screen from a paged window.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Row, StatefulWidget, Table, TableState};

use crate::tui::core::Paged;
use crate::tui::theme::Theme;

pub struct VTable<'a> {
    pub title: String,
    pub header: Vec<&'a str>,
    pub widths: Vec<Constraint>,
    pub focused: bool,
}

impl VTable<'_> {
    /// Draw the rows of `list` that fit, built by `row`.
    pub fn render<T>(
        &self,
        list: &Paged<T>,
        area: Rect,
        buf: &mut Buffer,
        theme: &Theme,
        row: impl Fn(&T) -> Vec<Cell<'static>>,
    ) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if self.focused {
                theme.focus_border()
            } else {
                theme.border()
            })
            .title(Line::styled(self.title.clone(), theme.title()));
        let inner = block.inner(area);
        let body = inner.height.saturating_sub(1) as usize;
        // Drop columns from the right until the rest fit: an over-full layout is solved
        // differently from run to run, and narrow terminals still get the key columns.
        let need = |ws: &[Constraint]| -> u16 {
            ws.iter()
                .map(|c| match c {
                    Constraint::Length(n) | Constraint::Min(n) => *n,
                    _ => 6,
                })
                .fold(0u16, |a, w| a.saturating_add(w).saturating_add(1))
        };
        let mut n = self.widths.len();
        while n > 1 && need(&self.widths[..n]) > inner.width {
            n -= 1;
        }
        list.page.set(body.max(1));
        let top = list.top(body);
        let end = top.saturating_add(body).min(list.total);
        let rows: Vec<Row> = (top..end)
            .map(|i| match list.get(i) {
                Some(t) => Row::new(row(t).into_iter().take(n)),
                None => Row::new(vec![Cell::from("…")]),
            })
            .collect();
        let header = Row::new(
            self.header
                .iter()
                .take(n)
                .map(|h| Cell::from(h.to_string())),
        )
        .style(theme.header());
        let table = Table::new(rows, self.widths[..n].to_vec())
            .header(header)
            .block(block)
            .column_spacing(1)
            .row_highlight_style(theme.selected());
        let mut ts = TableState::default();
        if list.total > 0 {
            ts.select(Some(list.selected.saturating_sub(top)));
        }
        StatefulWidget::render(table, area, buf, &mut ts);
    }
}

/// A cell with a style.
pub fn cell(text: impl Into<String>, style: Style) -> Cell<'static> {
    Cell::from(Line::styled(text.into(), style))
}
