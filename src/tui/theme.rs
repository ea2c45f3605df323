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
    /// A tagged passage in its theme's colour (`#rrggbb`; a palette colour when the theme
    /// has none). Without colour: underlined.
    pub fn passage(&self, colour: Option<&str>, key: &str) -> Style {
        if !self.colour {
            return Style::new().add_modifier(Modifier::UNDERLINED);
        }
        Style::new().bg(theme_colour(colour, key)).fg(Color::Black)
    }
    /// A swatch of a theme's colour (for legends).
    pub fn swatch(&self, colour: Option<&str>, key: &str) -> Style {
        if !self.colour {
            return Style::new().add_modifier(Modifier::BOLD);
        }
        Style::new().fg(theme_colour(colour, key))
    }
    /// The text being selected.
    pub fn selection(&self) -> Style {
        if self.colour {
            Style::new().bg(Color::Blue).fg(Color::White)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    /// The word under the cursor.
    pub fn cursor(&self) -> Style {
        if self.colour {
            Style::new()
                .bg(Color::Yellow)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
}

/// `#rrggbb` (or `rrggbb`) as a colour; otherwise a soft palette colour picked by `key`.
pub fn theme_colour(colour: Option<&str>, key: &str) -> Color {
    if let Some(c) = colour {
        let h = c.trim_start_matches('#');
        if h.len() == 6 {
            if let Ok(v) = u32::from_str_radix(h, 16) {
                return Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8);
            }
        }
    }
    const PALETTE: [Color; 8] = [
        Color::Rgb(0xa0, 0xcb, 0xe8),
        Color::Rgb(0xff, 0xbe, 0x7d),
        Color::Rgb(0x8c, 0xd1, 0x7d),
        Color::Rgb(0xf1, 0xce, 0x63),
        Color::Rgb(0xff, 0x9d, 0x9a),
        Color::Rgb(0xd4, 0xa6, 0xc8),
        Color::Rgb(0x86, 0xbc, 0xb6),
        Color::Rgb(0xd7, 0xb5, 0xa6),
    ];
    let h = key
        .bytes()
        .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(b as u32));
    PALETTE[h as usize % PALETTE.len()]
}
