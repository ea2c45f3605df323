//! Text from the database on its way to the screen: control characters escaped, direct
//! identifiers masked in privacy mode, widths measured in terminal cells.

use unicode_width::UnicodeWidthStr;

/// Escape control characters so data can never move the cursor or change colours.
pub fn esc(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// What privacy mode shows instead of a direct identifier.
pub const MASK: &str = "•••••";

/// A direct identifier (name, email, organisation, notes, path): masked in privacy mode,
/// escaped otherwise.
pub fn pii(privacy: bool, s: &str) -> String {
    if privacy {
        MASK.to_string()
    } else {
        esc(s)
    }
}

/// Typed text that may hold a name (a search query, a filter): in privacy mode one • per
/// character, so the typing can be followed but not read; escaped otherwise.
pub fn typed(privacy: bool, s: &str) -> String {
    if privacy {
        s.chars().map(|_| '•').collect()
    } else {
        esc(s)
    }
}

pub fn pii_opt(privacy: bool, s: Option<&str>) -> String {
    match s {
        Some(s) if !s.is_empty() => pii(privacy, s),
        _ => String::new(),
    }
}

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cut a string to at most `max` cells, marking the cut with `…`.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(esc("a\x1b[31mb\nc"), "a\\u{1b}[31mb\\nc");
        assert_eq!(esc("plain"), "plain");
    }

    #[test]
    fn privacy_masks() {
        assert_eq!(pii(true, "Jane Doe"), MASK);
        assert_eq!(pii(false, "Jane\tDoe"), "Jane\\tDoe");
        assert_eq!(pii_opt(true, None), "");
        assert_eq!(typed(true, "Ann Lee"), "•••••••");
        assert_eq!(typed(false, "Ann\tLee"), "Ann\\tLee");
    }

    #[test]
    fn fit_counts_cells_not_bytes() {
        assert_eq!(width("李小龙"), 6);
        assert_eq!(fit("李小龙龙", 5), "李小…");
        assert_eq!(fit("abc", 5), "abc");
        assert_eq!(width(&fit("😀😀😀😀", 6)), 5);
    }
}
