//! The regular expressions of suspects and of phone numbers, compiled once.

use std::sync::OnceLock;

/// One capitalised word: a capital, then lower-case letters, apostrophes or hyphens, with
/// further capitals inside when each is followed by lower case ("McGregor", "O’Donnell").
pub(super) const CAP_WORD: &str =
    r"(?:\p{Lu}[\p{Ll}'’-]*(?:\p{Lu}[\p{Ll}'’-]*\p{Ll}[\p{Ll}'’-]*)+|\p{Lu}[\p{Ll}'’-]+)";

pub(super) fn re(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).expect("static pattern")
}

pub(super) struct Patterns {
    pub(super) email: regex::Regex,
    pub(super) phone: regex::Regex,
    pub(super) phone_any: regex::Regex,
    pub(super) digits: regex::Regex,
    pub(super) postcode: regex::Regex,
    pub(super) date: regex::Regex,
    pub(super) capitalised: regex::Regex,
    pub(super) capitalised_word: regex::Regex,
    pub(super) lower: regex::Regex,
    pub(super) upper: regex::Regex,
}

pub(super) fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        email: re(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
        phone: re(
            r"(\+\d{1,3}[\s.\-\x{2010}-\x{2015}\x{2212}]?)?(\(0\)\s?)?\(?\d{2,5}\)?\s?[\s.\-\x{2010}-\x{2015}\x{2212}]?\s?\d{3,4}\s?[\s.\-\x{2010}-\x{2015}\x{2212}]?\s?\d{3,4}\b",
        ),
        // Separators: space, dot, brackets, slash, hyphen, and the typographic dashes and
        // minus sign (U+2010–U+2015, U+2212).
        phone_any: re(r"\+?\(?\d[\d .()/\-\x{2010}-\x{2015}\x{2212}]{5,}\d"),
        digits: re(r"\d+"),
        postcode: re(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"),
        date: re(r"(?i)\b(\d{1,2}(st|nd|rd|th)?\s+(of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*(\s+\d{4})?|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})\b"),
        // A capitalised word may carry capitals inside ("McGregor", "DiAngelo",
        // "O’Donnell", "ODonnell", "LeBlanc"): the whole word is one suspect, never a
        // fragment a reviewer would accept while the rest of the name stays.
        capitalised: re(&format!(
            r"\b{CAP_WORD}(?:\s+(?:of\s+|the\s+|and\s+)?{CAP_WORD})*"
        )),
        capitalised_word: re(CAP_WORD),
        lower: re(r"\b\p{Ll}[\p{Ll}'’-]{2,}"),
        upper: re(r"\b\p{Lu}{3,}\b"),
    })
}
