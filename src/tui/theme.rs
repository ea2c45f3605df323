//! Colours and styles in one place. With colour off (`NO_COLOR` or `ui.colour = false`)
//! every style falls back to modifiers only.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub colour: bool,
}

impl Theme {
    pub fn new(colour: bool) -> Theme {
        Theme { colour }
    }
    fn fg(&self, c: Color) -> Style {
        if self.colour {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }
    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn selected(&self) -> Style {
        if self.colour {
            Style::new()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn tab_active(&self) -> Style {
        self.fg(Color::Black)
            .bg(if self.colour {
                Color::Cyan
            } else {
                Color::Reset
            })
            .add_modifier(if self.colour {
                Modifier::BOLD
            } else {
                Modifier::REVERSED
            })
    }
    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn bad(&self) -> Style {
        self.fg(Color::Red)
    }
    pub fn border(&self) -> Style {
        self.fg(Color::Gray)
    }
    pub fn focus_border(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    /// Progress against a target: red under a third, yellow under all, green at target.
    pub fn progress(&self, done: i64, target: i64) -> Style {
        if target <= 0 {
            return self.dim();
        }
        if done >= target {
            self.ok().add_modifier(Modifier::BOLD)
        } else if done * 3 >= target {
            self.warn()
        } else {
            self.bad()
        }
    }
    /// A consent item state (yes, no, not-asked, unset, withdrawn).
    pub fn consent(&self, state: &str) -> Style {
        match state {
            "yes" => self.ok(),
            "no" | "withdrawn" => self.bad(),
            "not-asked" => self.warn(),
            _ => self.dim(),
        }
    }
}
