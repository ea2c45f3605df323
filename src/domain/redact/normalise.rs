//! Normalising text for matching: case, accents, punctuation, phone numbers, word tokens,
//! sentence starts.

use unicode_normalization::UnicodeNormalization;

/// Normalised text with a map back to original character offsets.
pub(super) struct Normalised {
    pub(super) chars: Vec<char>,
    /// For each normalised char, the original char index it came from, and the end of the
    /// original cluster.
    pub(super) origin: Vec<usize>,
    pub(super) origin_end: Vec<usize>,
    pub(super) text: String,
    /// Byte offset in `text` → index in `chars`.
    pub(super) byte_to_char: Vec<usize>,
}

/// NFKC, lower case, every run of white space as one space.
pub fn normalise(s: &str) -> String {
    if s.is_ascii() {
        // ASCII is its own NFKC form and has no invisible characters: only the case, the
        // backtick (an apostrophe) and runs of white space change.
        let mut out = String::with_capacity(s.len());
        let mut last_space = false;
        for c in s.chars() {
            if c.is_whitespace() {
                if !last_space {
                    out.push(' ');
                }
                last_space = true;
                continue;
            }
            last_space = false;
            out.push(if c == '`' {
                '\''
            } else {
                c.to_ascii_lowercase()
            });
        }
        return out.trim().to_string();
    }
    normalised(s).text.trim().to_string()
}

/// The words of a normalised text: its runs of letters and digits, as the matcher sees
/// word boundaries.
pub fn word_tokens(norm: &str) -> impl Iterator<Item = &str> {
    norm.split(|c: char| !is_word(c)).filter(|t| !t.is_empty())
}

/// Whether `s` holds a letter of a script written without spaces between words (where a
/// name's boundaries are not word boundaries).
pub fn has_unspaced(s: &str) -> bool {
    s.chars().any(unspaced)
}

pub(super) fn normalised(s: &str) -> Normalised {
    let mut chars = Vec::with_capacity(s.len());
    let mut origin = Vec::with_capacity(s.len());
    let mut origin_end = Vec::with_capacity(s.len());
    let mut last_space = false;
    let src: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        // Invisible characters (soft hyphen, zero-width space and joiners, word joiner,
        // byte-order mark) do not split a word: "Ta\u{ad}msin" is "Tamsin".
        if matches!(
            c,
            '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
        ) {
            i += 1;
            continue;
        }
        // Every character written for an apostrophe is one ("O‘Hara", "OʼHara", "O`Hara",
        // "O´Hara" are "o'hara"); the right quote is mapped below, after NFKC.
        if matches!(
            c,
            '\u{2018}' | '\u{2bc}' | '`' | '\u{b4}' | '\u{2032}' | '\u{ff07}'
        ) {
            chars.push('\'');
            origin.push(i);
            origin_end.push(i + 1);
            last_space = false;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            if !last_space {
                chars.push(' ');
                origin.push(i);
                origin_end.push(i + 1);
            }
            last_space = true;
            i += 1;
            continue;
        }
        last_space = false;
        // ASCII not followed by a combining mark is its own NFKC form (the common case:
        // skip the cluster's allocation).
        if c.is_ascii()
            && src.get(i + 1).is_none_or(|&n| {
                n.is_ascii() || unicode_normalization::char::canonical_combining_class(n) == 0
            })
        {
            chars.push(c.to_ascii_lowercase());
            origin.push(i);
            origin_end.push(i + 1);
            i += 1;
            continue;
        }
        // A base character with its combining marks normalises as one cluster.
        let mut j = i + 1;
        while j < src.len() && unicode_normalization::char::canonical_combining_class(src[j]) != 0 {
            j += 1;
        }
        let cluster: String = src[i..j].iter().collect();
        for n in cluster.nfkc() {
            for l in n.to_lowercase() {
                // Typographic apostrophes match straight ones.
                let l = if l == '\u{2019}' { '\'' } else { l };
                chars.push(l);
                origin.push(i);
                origin_end.push(j);
            }
        }
        i = j;
    }
    let text: String = chars.iter().collect();
    let mut byte_to_char = vec![0; text.len() + 1];
    let mut b = 0;
    for (ci, ch) in chars.iter().enumerate() {
        for k in 0..ch.len_utf8() {
            byte_to_char[b + k] = ci;
        }
        b += ch.len_utf8();
    }
    byte_to_char[text.len()] = chars.len();
    Normalised {
        chars,
        origin,
        origin_end,
        text,
        byte_to_char,
    }
}

pub(super) fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// A letter of a script written without spaces between words (Han ideographs, hiragana,
/// katakana) or whose words take attached particles (Hangul): a name in it is not
/// delimited by spaces.
pub(super) fn unspaced(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The national significant number of a phone: its digits without the international
/// prefix (`+44`, `0044`) or the trunk `0` (`(0)` after the country code too), when `s`
/// looks like a phone number (digits and separators only, at least seven digits).
pub fn phone_key(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty()
        || !t.chars().all(|c| {
            c.is_ascii_digit()
                || " +-.()/\u{a0}\u{2212}".contains(c)
                || ('\u{2010}'..='\u{2015}').contains(&c)
                || c.is_whitespace()
        })
    {
        return None;
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    national_digits(&digits, t.starts_with('+'))
}

/// `digits` without an international prefix (+44 or 0044) and without the trunk 0; `None`
/// when fewer than seven digits remain.
pub(super) fn national_digits(digits: &str, plus: bool) -> Option<String> {
    let mut d = digits;
    if plus && d.starts_with("44") {
        d = &d[2..];
    } else if let Some(rest) = d.strip_prefix("0044") {
        d = rest;
    }
    let d = d.trim_start_matches('0');
    (d.len() >= 7).then(|| d.to_string())
}

/// Whether the word at character `at` of `chars` starts a sentence (or a line of a speaker
/// turn): only white space before it, or a sentence mark (`.`, `!`, `?`, `:`, an opening
/// quote, a dash) before that white space.
pub fn starts_sentence(chars: &[char], at: usize) -> bool {
    let mut i = at;
    while i > 0 && chars[i - 1].is_whitespace() {
        i -= 1;
    }
    if i == 0 {
        return true;
    }
    let c = chars[i - 1];
    if matches!(c, '.' | '!' | '?' | ':' | '"' | '“' | '—' | '…' | '(' | '[') {
        return true;
    }
    c == '-' && (i < 2 || chars[i - 2].is_whitespace())
}

/// `s` without combining accents (canonical decomposition, marks dropped, recomposed), and
/// with the letters that do not decompose (ł, ø, ı, đ, ß, æ, œ, þ, ħ) in ASCII.
pub fn fold_accents(s: &str) -> String {
    s.nfd()
        .filter(|c| unicode_normalization::char::canonical_combining_class(*c) == 0)
        .nfc()
        .flat_map(|c| {
            // Letters that do not decompose, written with their ASCII look-alikes.
            let ascii: Option<&str> = match c {
                'ł' => Some("l"),
                'Ł' => Some("L"),
                'ø' => Some("o"),
                'Ø' => Some("O"),
                'ı' => Some("i"),
                'đ' => Some("d"),
                'Đ' => Some("D"),
                'ð' => Some("d"),
                'Ð' => Some("D"),
                'ß' => Some("ss"),
                'æ' => Some("ae"),
                'Æ' => Some("AE"),
                'œ' => Some("oe"),
                'Œ' => Some("OE"),
                'þ' => Some("th"),
                'Þ' => Some("Th"),
                'ħ' => Some("h"),
                'Ħ' => Some("H"),
                _ => None,
            };
            match ascii {
                Some(a) => a.chars().collect::<Vec<_>>(),
                None => vec![c],
            }
        })
        .collect()
}
