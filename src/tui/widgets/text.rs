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

/// Word-wrap `s` into lines of at most `max` cells; a word longer than a line is broken.
/// Nothing is dropped: every character of `s` (but the spaces at the breaks) is in the
/// lines.
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        let mut w = 0;
        for word in para.split(' ') {
            let ww = width(word);
            let sep = usize::from(!line.is_empty());
            if w + sep + ww <= max {
                if sep == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                w += sep + ww;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
                w = 0;
            }
            // The word alone, broken where it is longer than a line.
            for c in word.chars() {
                let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if w + cw > max && !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                    w = 0;
                }
                line.push(c);
                w += cw;
            }
        }
        out.push(line);
    }
    out
}

/// The last cells of `s` that fit in `max` (with `…` in front when cut): a field longer
/// than its box shows its end, where the cursor is.
pub fn tail(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out: Vec<char> = Vec::new();
    let mut w = 0;
    for c in s.chars().rev() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > max {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.reverse();
    let mut r = String::from(if max > 0 { "…" } else { "" });
    r.extend(out);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_every_word_and_tail_keeps_the_end() {
        let text = "the quick brown fox jumps over the lazy dog again and again";
        let lines = wrap(text, 12);
        assert!(lines.iter().all(|l| width(l) <= 12), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(tail("0123456789", 5), "…6789");
        assert_eq!(tail("abc", 5), "abc");
    }

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
