//! Transcript redaction: matching a register of identifiers, and finding suspects.
//!
//! Matching is Unicode-normalised (NFKC), case-insensitive, on word boundaries, longest
//! match first, and across line breaks (any run of white space in a variant matches any run
//! in the text). Offsets are characters of the original text.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use aho_corasick::{AhoCorasick, MatchKind};
use unicode_normalization::UnicodeNormalization;

/// An entity of the register with its variants and its one replacement label.
#[derive(Debug, Clone)]
pub struct Entity {
    pub id: String,
    pub label: String,
    pub variants: Vec<String>,
}

/// One replacement to make.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Replacement {
    pub start: usize,
    pub end: usize,
    pub original: String,
    pub label: String,
    pub entity_id: String,
}

/// Something that may identify a person and is not in the register.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suspect {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// `email`, `phone`, `postcode`, `date`, `capitalised` or `near-miss`.
    pub reason: String,
    /// For a near miss: the registered variant it resembles.
    pub near: Option<String>,
}

/// Normalised text with a map back to original character offsets.
struct Normalised {
    chars: Vec<char>,
    /// For each normalised char, the original char index it came from, and the end of the
    /// original cluster.
    origin: Vec<usize>,
    origin_end: Vec<usize>,
    text: String,
    /// Byte offset in `text` → index in `chars`.
    byte_to_char: Vec<usize>,
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

fn normalised(s: &str) -> Normalised {
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

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// A letter of a script written without spaces between words (Han ideographs, hiragana,
/// katakana) or whose words take attached particles (Hangul): a name in it is not
/// delimited by spaces.
fn unspaced(c: char) -> bool {
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
fn national_digits(digits: &str, plus: bool) -> Option<String> {
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

/// The register compiled once, to match many texts.
///
/// A variant that is a single common English word (a given name such as "Hope" or "Will",
/// a surname such as "Price") is replaced only where it is written with a capital inside a
/// sentence; elsewhere (at a sentence start, in lower case) it goes to review as a
/// `name-or-word` suspect (see [`SuspectFinder`]). Phone variants match by their digits
/// whatever the separators, with or without the national or international prefix.
pub struct Matcher {
    entities: Vec<Entity>,
    owner: Vec<usize>,
    ambiguous: Vec<bool>,
    ac: Option<AhoCorasick>,
    phones: HashMap<String, usize>,
    ambiguous_words: HashSet<String>,
    /// Matching an export's bytes (the last guard): a field or element start (after `>`,
    /// `,`, a tab, `|`, `;`, `=`) counts as a sentence start, as it was one in the text
    /// the field came from.
    structured: bool,
}

impl Matcher {
    /// A matcher for the last guard over an export's files (see `structured`).
    pub fn for_exports(entities: &[Entity]) -> Matcher {
        let mut m = Matcher::new(entities);
        m.structured = true;
        m
    }

    pub fn new(entities: &[Entity]) -> Matcher {
        Matcher::with_names(entities, &HashSet::new())
    }

    /// A matcher where the normalised words `names` (accepted by a reviewer as names
    /// wherever they stand) are replaced even though they are common words.
    pub fn with_names(entities: &[Entity], names: &HashSet<String>) -> Matcher {
        let mut patterns: Vec<String> = Vec::new();
        let mut owner: Vec<usize> = Vec::new();
        let mut ambiguous: Vec<bool> = Vec::new();
        let mut phones: HashMap<String, usize> = HashMap::new();
        let mut ambiguous_words = HashSet::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (ei, e) in entities.iter().enumerate() {
            for v in &e.variants {
                if let Some(k) = phone_key(v) {
                    // Another country's number (written with + or 00 but not 44) is also
                    // written the national way: without its country code (one to three
                    // digits: not known from the digits alone, so each is tried) and with a
                    // trunk 0, which the key drops anyway.
                    let t = v.trim();
                    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
                    let intl = if t.starts_with('+') {
                        Some(digits.as_str())
                    } else {
                        digits.strip_prefix("00").filter(|d| !d.starts_with('0'))
                    };
                    if let Some(d) = intl.filter(|d| !d.starts_with("44")) {
                        for cc in 1..=3 {
                            if let Some(national) = d.get(cc..) {
                                let national = national.trim_start_matches('0');
                                if national.len() >= 7 {
                                    phones.entry(national.to_string()).or_insert(ei);
                                }
                            }
                        }
                    }
                    phones.entry(k).or_insert(ei);
                    continue;
                }
                let p = normalise(v);
                if p.chars().count() < 2 || !seen.insert(p.clone()) {
                    // The first entity holding a variant keeps it (the same text cannot
                    // carry two labels).
                    continue;
                }
                let amb = is_common_word(&p) && !names.contains(&p);
                if amb {
                    ambiguous_words.insert(p.clone());
                }
                patterns.push(p);
                owner.push(ei);
                ambiguous.push(amb);
            }
        }
        let ac = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .ok()
        };
        Matcher {
            entities: entities.to_vec(),
            owner,
            ambiguous,
            ac,
            phones,
            ambiguous_words,
            structured: false,
        }
    }

    /// Every register match in `text` (see [`find_matches`]).
    pub fn find(&self, text: &str) -> Vec<Replacement> {
        if self.ac.is_none() && self.phones.is_empty() {
            return Vec::new();
        }
        self.matches_with(text)
    }

    /// Registered variants that are also common English words (normalised), reviewed
    /// where they are not replaced.
    pub fn ambiguous_words(&self) -> &HashSet<String> {
        &self.ambiguous_words
    }

    /// Whether the register holds anything to match.
    pub fn is_empty(&self) -> bool {
        self.ac.is_none() && self.phones.is_empty()
    }

    fn matches_with(&self, text: &str) -> Vec<Replacement> {
        let n = normalised(text);
        let orig: Vec<char> = text.chars().collect();
        let mut cands: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, entity) in norm chars
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(&n.text) {
                let s = n.byte_to_char[m.start()];
                let e = n.byte_to_char[m.end()];
                // Whole words; in a script written without spaces (Han, kana) or with
                // particles attached (Hangul) a name stands next to other letters.
                let before_ok = s == 0 || !is_word(n.chars[s - 1]) || unspaced(n.chars[s]);
                let after_ok =
                    e >= n.chars.len() || !is_word(n.chars[e]) || unspaced(n.chars[e - 1]);
                if !(before_ok && after_ok) {
                    continue;
                }
                let pi = m.pattern().as_usize();
                if self.ambiguous[pi] {
                    // A name that is also a word: replaced only when capitalised inside a
                    // sentence; elsewhere the suspect finder puts it to review.
                    let os = n.origin[s];
                    let cap = orig.get(os).is_some_and(|c| c.is_uppercase());
                    let field_start = self.structured
                        && orig[..os]
                            .iter()
                            .rev()
                            .find(|c| !c.is_whitespace())
                            .is_some_and(|c| matches!(c, '>' | ',' | '\t' | '|' | ';' | '='));
                    if !cap || field_start || starts_sentence(&orig, os) {
                        continue;
                    }
                }
                cands.push((s, e, self.owner[pi]));
            }
        }
        if !self.phones.is_empty() {
            for m in patterns().phone_any.find_iter(&n.text) {
                // The run may hold other numbers beside the phone ("in 2023 01632 960123
                // 2 times"): every sequence of its digit groups is tried (a run has a few
                // groups, and a phone at most 15 digits).
                let groups: Vec<(usize, usize)> = patterns()
                    .digits
                    .find_iter(m.as_str())
                    .map(|g| (m.start() + g.start(), m.start() + g.end()))
                    .collect();
                for i in 0..groups.len() {
                    let plus = n.text[..groups[i].0].ends_with('+');
                    let gs = if plus { groups[i].0 - 1 } else { groups[i].0 };
                    let s = n.byte_to_char[gs];
                    // Only a digit before or after makes it part of a longer number: a
                    // phone glued to a word ("Tel01632…", "…960123x12") is the phone.
                    if s > 0 && n.chars[s - 1].is_numeric() {
                        continue;
                    }
                    let mut acc = String::new();
                    for g in &groups[i..] {
                        acc.push_str(&n.text[g.0..g.1]);
                        if acc.len() > 17 {
                            break;
                        }
                        let e = n.byte_to_char[g.1];
                        if e < n.chars.len() && n.chars[e].is_numeric() {
                            continue;
                        }
                        if let Some(k) = national_digits(&acc, plus) {
                            if let Some(&ei) = self.phones.get(&k) {
                                cands.push((s, e, ei));
                            }
                        }
                    }
                }
            }
        }
        // Longest first, then leftmost; a position already taken is not taken again (each
        // character is marked once, so this stays linear in the text and its matches).
        cands.sort_by(|a, b| (b.1 - b.0).cmp(&(a.1 - a.0)).then(a.0.cmp(&b.0)));
        let mut used = vec![false; n.chars.len() + 1];
        let mut taken: Vec<(usize, usize, usize)> = Vec::new();
        for c in cands {
            if used[c.0..c.1].iter().any(|u| *u) {
                continue;
            }
            used[c.0..c.1].iter_mut().for_each(|u| *u = true);
            taken.push(c);
        }
        taken.sort();
        taken
            .into_iter()
            .map(|(s, e, ei)| {
                let os = n.origin[s];
                let oe = n.origin_end[e - 1];
                Replacement {
                    start: os,
                    end: oe,
                    original: orig[os..oe].iter().collect(),
                    label: self.entities[ei].label.clone(),
                    entity_id: self.entities[ei].id.clone(),
                }
            })
            .collect()
    }
}

/// Find every register match in `text`: longest first, non-overlapping, on word boundaries.
pub fn find_matches(text: &str, entities: &[Entity]) -> Vec<Replacement> {
    Matcher::new(entities).find(text)
}

/// Apply replacements (sorted, non-overlapping) to the text.
pub fn apply(text: &str, reps: &[Replacement]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for r in reps {
        if r.start < pos {
            continue;
        }
        out.extend(&chars[pos..r.start]);
        out.push_str(&r.label);
        pos = r.end;
    }
    out.extend(&chars[pos.min(chars.len())..]);
    out
}

/// Capitalised words that are not names: function words, calendar words, common roles,
/// transcript conventions and health-system acronyms (trimmed from the start of a
/// capitalised run: "And Ms Quil" → "Quil").
const COMMON: &str = "i a an the and or but if so then this that these those there here we you he she it they me us him her them my our your his its their what when where who why how which yes no not ok okay well right sure thanks thank please also just very really actually maybe perhaps because although though however yeah um uh er erm mm hmm oh ah so now then today yesterday tomorrow monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december spring summer autumn winter interviewer participant speaker respondent facilitator observer chair chief executive director board group team committee meeting forum system trust trusts council england nhs ics icb icp ccg cqc gp gps covid a&e ae uk do does did is are was were be been have has had will would can could should might must let lets let's mr mrs ms miss mx dr prof professor sir dame lord lady cllr councillor don't i'm i've i'd i'll we'll you'll they'll he's she's you're you've we'd they'd we're we've they're it's that's there's what's can't won't isn't wasn't aren't didn't doesn't";

/// Titles: the word after one is a person's name.
const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lord",
    "lady",
    "cllr",
    "councillor",
];

/// Months that are also given names. ("May" is left out: at a sentence start it is
/// mostly the verb, and a colleague called May there is a known limit; see
/// docs/exports.md.)
fn month_name(norm: &str) -> bool {
    matches!(norm, "april" | "june" | "august")
}

/// Whether the word at `ws..we` of `text` stands as a date: a number beside it ("April
/// 2022", "5 April", "April 5th") or a word that introduces a time before it ("in April",
/// "since June", "last August").
fn date_context(text: &str, ws: usize, we: usize) -> bool {
    const BEFORE: &[&str] = &[
        "in",
        "on",
        "since",
        "until",
        "till",
        "by",
        "during",
        "of",
        "last",
        "next",
        "this",
        "that",
        "early",
        "late",
        "mid",
        "end",
        "before",
        "after",
        "from",
        "to",
        "through",
        "between",
        "every",
        "each",
        "around",
        "throughout",
        "following",
        "previous",
        "and",
        "or",
    ];
    let prev = text[..ws]
        .trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == '-')
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let next = text[we..]
        .trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == '-')
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let numeric = |t: &str| t.chars().next().is_some_and(|c| c.is_ascii_digit());
    numeric(prev) || numeric(next) || BEFORE.contains(&prev.to_lowercase().as_str())
}

fn stop_words() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.split_whitespace().collect())
}

fn word_list(text: &'static str) -> HashSet<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The shipped list of common English words (`assets/redaction/common-words.txt`: the
/// most frequent words a dictionary spells in lower case), normalised.
pub fn common_words() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| word_list(include_str!("../../assets/redaction/common-words.txt")))
}

/// The shipped gazetteer of given names (`assets/redaction/given-names.txt`), lower case.
pub fn given_names() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        word_list(include_str!("../../assets/redaction/given-names.txt"))
            .into_iter()
            .filter(|w| w.chars().count() >= 3)
            .collect()
    })
}

/// The shipped gazetteer of surnames (`assets/redaction/surnames.txt`), lower case.
pub fn surnames() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        word_list(include_str!("../../assets/redaction/surnames.txt"))
            .into_iter()
            .filter(|w| w.chars().count() >= 3)
            .collect()
    })
}

/// Whether a normalised text is one common English word ("hope", "will", "price").
pub fn is_common_word(norm: &str) -> bool {
    common_words().contains(norm)
}

/// Whether a normalised word is a name by the gazetteer: any given name, or a surname that
/// is not also a common English word ("smith" yes, "young" no).
pub fn is_name_word(norm: &str) -> bool {
    given_names().contains(norm) || (surnames().contains(norm) && !is_common_word(norm))
}

/// What a reviewer allowed as whole classes (`redact allow --class …`).
#[derive(Debug, Clone, Default)]
pub struct AllowClasses {
    /// Capitalised common English words that are not given names ("Partnership", "Board").
    pub common_words: bool,
    /// The study's place names, normalised words (every word of a suspect must be one).
    pub places: HashSet<String>,
    /// Dates ("3rd March 2022", "2022-01-28"): quasi-identifiers, allowed as a class only
    /// by a reviewer's choice.
    pub dates: bool,
}

impl AllowClasses {
    /// Whether a suspect of `reason` with normalised text `norm` falls in an allowed class.
    /// Titles, near misses, registered names that are words, emails, phones, postcodes and
    /// dates never do; neither does a given name of the gazetteer.
    pub fn covers(&self, reason: &str, norm: &str) -> bool {
        if reason == "date" {
            return self.dates;
        }
        if !matches!(reason, "capitalised" | "name" | "speaker") {
            return false;
        }
        let words: Vec<&str> = norm
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter(|w| !w.is_empty())
            .map(|w| w.trim_end_matches("'s"))
            .collect();
        // A given name alone is never a place; inside a longer place name it may be.
        let alone = words.len() == 1;
        !words.is_empty()
            && words.iter().all(|w| {
                let given = given_names().contains(w);
                let common =
                    self.common_words && (stop_words().contains(w) || is_common_word(w)) && !given;
                common || (self.places.contains(*w) && !(alone && given))
            })
    }
}

/// One capitalised word: a capital, then lower-case letters, apostrophes or hyphens, with
/// further capitals inside when each is followed by lower case ("McGregor", "O’Donnell").
const CAP_WORD: &str =
    r"(?:\p{Lu}[\p{Ll}'’-]*(?:\p{Lu}[\p{Ll}'’-]*\p{Ll}[\p{Ll}'’-]*)+|\p{Lu}[\p{Ll}'’-]+)";

fn re(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).expect("static pattern")
}

struct Patterns {
    email: regex::Regex,
    phone: regex::Regex,
    phone_any: regex::Regex,
    digits: regex::Regex,
    postcode: regex::Regex,
    date: regex::Regex,
    capitalised: regex::Regex,
    capitalised_word: regex::Regex,
    lower: regex::Regex,
    upper: regex::Regex,
}

fn patterns() -> &'static Patterns {
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

/// Find suspects: emails, phone numbers, postcodes, dates, capitalised words not in the
/// allow-list (outside sentence starts and speaker labels), and near misses of registered
/// variants. Text already matched by the register is skipped.
pub fn find_suspects(
    text: &str,
    matched: &[Replacement],
    allow: &HashSet<String>,
    variants: &[String],
) -> Vec<Suspect> {
    SuspectFinder::new(variants).find(text, matched, allow)
}

/// A registered variant prepared for near-miss checks: normalised, with its length in
/// characters, and its words of five characters or more (with theirs).
struct NearVariant {
    norm: String,
    len: usize,
    sorted: Vec<char>,
    parts: Vec<(String, usize, Vec<char>)>,
}

fn sorted_chars(s: &str) -> Vec<char> {
    let mut v: Vec<char> = s.chars().collect();
    v.sort_unstable();
    v
}

/// A lower bound of the Damerau–Levenshtein distance of two strings from their characters
/// (sorted): every edit removes at most one character the other string lacks, and adds at
/// most one it needs; a transposition changes neither.
fn distance_lower_bound(a: &[char], b: &[char]) -> usize {
    let (mut i, mut j, mut only_a, mut only_b) = (0, 0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => {
                only_a += 1;
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                only_b += 1;
                j += 1;
            }
        }
    }
    only_a += a.len() - i;
    only_b += b.len() - j;
    only_a.max(only_b)
}

/// The register's variants prepared once for [`find_suspects`] over many texts, with the
/// near-miss answer for each capitalised text remembered (the same names recur across a
/// corpus, and the answer depends only on the text and the variants).
pub struct SuspectFinder {
    variants: Vec<NearVariant>,
    near: Mutex<HashMap<String, Option<String>>>,
    /// Registered variants that are common words, reviewed where not replaced.
    ambiguous: HashSet<String>,
    classes: AllowClasses,
}

impl SuspectFinder {
    pub fn new(variants: &[String]) -> SuspectFinder {
        let ambiguous = variants
            .iter()
            .map(|v| normalise(v))
            .filter(|n| !n.contains(' ') && is_common_word(n))
            .collect();
        let variants = variants
            .iter()
            .map(|v| normalise(v))
            .filter_map(|norm| {
                let len = norm.chars().count();
                if len < 5 {
                    return None;
                }
                let parts = norm
                    .split(' ')
                    .map(|p| (p.to_string(), p.chars().count(), sorted_chars(p)))
                    .filter(|(_, n, _)| *n >= 5)
                    .collect();
                Some(NearVariant {
                    sorted: sorted_chars(&norm),
                    norm,
                    len,
                    parts,
                })
            })
            .collect();
        SuspectFinder {
            variants,
            near: Mutex::new(HashMap::new()),
            ambiguous,
            classes: AllowClasses::default(),
        }
    }

    /// The finder with registered variants that are common words (see
    /// [`Matcher::ambiguous_words`]) reviewed wherever the matcher leaves them.
    pub fn with_ambiguous(mut self, words: &HashSet<String>) -> SuspectFinder {
        self.ambiguous.extend(words.iter().cloned());
        self
    }

    /// The finder with classes of suspects allowed as a whole.
    pub fn with_classes(mut self, classes: AllowClasses) -> SuspectFinder {
        self.classes = classes;
        self
    }

    fn near_miss(&self, norm: &str) -> Option<String> {
        if let Ok(memo) = self.near.lock() {
            if let Some(hit) = memo.get(norm) {
                return hit.clone();
            }
        }
        let found = near_miss(norm, &self.variants);
        if let Ok(mut memo) = self.near.lock() {
            memo.insert(norm.to_string(), found.clone());
        }
        found
    }

    /// See [`find_suspects`].
    pub fn find(
        &self,
        text: &str,
        matched: &[Replacement],
        allow: &HashSet<String>,
    ) -> Vec<Suspect> {
        find_suspects_with(text, matched, allow, self)
    }
}

/// Whether a sentence mark (or nothing) stands before the white space that ends
/// `before` (given reversed): see [`starts_sentence`].
fn sentence_mark_before(mut rev: impl Iterator<Item = char>) -> bool {
    let mut prev: Option<char> = None;
    for c in rev.by_ref() {
        if c.is_whitespace() {
            continue;
        }
        prev = Some(c);
        break;
    }
    match prev {
        None => true,
        Some('.' | '!' | '?' | ':' | '"' | '“' | '—' | '…' | '(' | '[') => true,
        Some('-') => rev.next().is_none_or(char::is_whitespace),
        Some(_) => false,
    }
}

fn find_suspects_with(
    text: &str,
    matched: &[Replacement],
    allow: &HashSet<String>,
    finder: &SuspectFinder,
) -> Vec<Suspect> {
    let p = patterns();
    let byte_to_char = {
        let mut v = vec![0usize; text.len() + 1];
        let mut ci = 0;
        for (b, ch) in text.char_indices() {
            for k in 0..ch.len_utf8() {
                v[b + k] = ci;
            }
            ci += 1;
        }
        v[text.len()] = ci;
        v
    };
    // The register's matches are sorted and do not overlap (as `Matcher::find` gives them):
    // the first one ending after `s` is the only candidate. Otherwise look at them all.
    let sorted = matched
        .windows(2)
        .all(|w| w[0].start <= w[0].end && w[0].end <= w[1].start);
    let covered = |s: usize, e: usize| {
        if sorted {
            let i = matched.partition_point(|m| m.end <= s);
            matched.get(i).is_some_and(|m| s < m.end && m.start < e)
        } else {
            matched.iter().any(|m| s < m.end && m.start < e)
        }
    };
    let mut out: Vec<Suspect> = Vec::new();
    // Characters already in a suspect (each marked once: linear in the text).
    let mut taken = vec![false; byte_to_char[text.len()] + 1];
    let mut push =
        |out: &mut Vec<Suspect>, bs: usize, be: usize, reason: &str, near: Option<String>| {
            let s = byte_to_char[bs];
            let e = byte_to_char[be];
            if s >= e || covered(s, e) || taken[s..e].iter().any(|t| *t) {
                return;
            }
            let t = text[bs..be].to_string();
            let norm = normalise(&t);
            if allow.contains(&norm) || finder.classes.covers(reason, &norm) {
                return;
            }
            taken[s..e].iter_mut().for_each(|t| *t = true);
            out.push(Suspect {
                start: s,
                end: e,
                text: t,
                reason: reason.into(),
                near,
            });
        };
    for m in p.email.find_iter(text) {
        push(&mut out, m.start(), m.end(), "email", None);
    }
    for m in p.postcode.find_iter(text) {
        push(&mut out, m.start(), m.end(), "postcode", None);
    }
    for m in p.date.find_iter(text) {
        push(&mut out, m.start(), m.end(), "date", None);
    }
    for m in p.phone.find_iter(text) {
        if m.as_str().chars().filter(char::is_ascii_digit).count() >= 9 {
            push(&mut out, m.start(), m.end(), "phone", None);
        }
    }
    let is_title = |w: &str| {
        let n = normalise(w);
        TITLES.contains(&n.trim_end_matches('.'))
    };
    // Capitalised runs; a run partly replaced by the register ("Anne [Participant]" for
    // "Anne Lowe" when "Lowe" is registered) is looked at word by word.
    let word_re = &p.capitalised_word;
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for m in p.capitalised.find_iter(text) {
        if covered(byte_to_char[m.start()], byte_to_char[m.end()]) {
            for w in word_re.find_iter(m.as_str()) {
                let (ws, we) = (m.start() + w.start(), m.start() + w.end());
                if !covered(byte_to_char[ws], byte_to_char[we]) {
                    runs.push((ws, we));
                }
            }
        } else {
            // A title inside a run starts a new one ("Jennifer Kowalski and Dr Nguyen" is
            // two people; the second is after a title).
            let mut seg: Option<(usize, usize)> = None;
            for (k, w) in word_re.find_iter(m.as_str()).enumerate() {
                let (ws, we) = (m.start() + w.start(), m.start() + w.end());
                if k > 0 && is_title(&text[ws..we]) {
                    runs.extend(seg.take());
                }
                seg = Some(match seg {
                    Some((s0, _)) => (s0, we),
                    None => (ws, we),
                });
            }
            runs.extend(seg);
        }
    }
    for (ms, me) in runs {
        // Skip leading common words and titles ("And Ms Quil" → "Quil"), remembering a
        // title: the word after it is a person's name, whatever it is.
        let mut start = ms;
        let mut titled = text[..ms]
            .trim_end()
            .trim_end_matches('.')
            .rsplit(|c: char| !c.is_alphabetic())
            .next()
            .is_some_and(is_title);
        for w in text[ms..me].split_whitespace() {
            let norm = normalise(w);
            if stop_words().contains(norm.as_str())
                || stop_words().contains(norm.trim_end_matches('.'))
            {
                // A month that is also a given name ("April from the practice came
                // along") is a person unless it stands as a date ("in April", "April
                // 2022", "5 April"): then it goes to review as a name that is a word.
                let ws = start + text[start..].find(w).unwrap_or(0);
                let we = ws + w.len();
                if month_name(norm.trim_end_matches(|c: char| !c.is_alphabetic()))
                    && !date_context(text, ws, we)
                {
                    push(&mut out, ws, we, "name-or-word", None);
                }
                titled = is_title(w);
                let rel = text[start..].find(w).unwrap_or(0) + w.len();
                start += rel;
                start += text[start..].len() - text[start..].trim_start().len();
            } else {
                break;
            }
        }
        if start >= me {
            continue;
        }
        let span = &text[start..me];
        let norm = normalise(span);
        let words: Vec<&str> = norm.split(' ').collect();
        let before = text[..ms].trim_end_matches([' ', '\t']);
        let line_start = before.is_empty() || before.ends_with('\n');
        let after = &text[me..];
        let is_label = line_start && start == ms && after.starts_with(':');
        let sentence_start = start == ms && sentence_mark_before(text[..ms].chars().rev());
        let name_word = |w: &str| {
            let w = w.trim_end_matches("'s").trim_end_matches("’s");
            is_name_word(w) || w.split('-').filter(|x| !x.is_empty()).any(is_name_word)
        };
        if is_label {
            push(&mut out, start, me, "speaker", None);
            continue;
        }
        if titled {
            match finder.near_miss(&norm) {
                Some(v) => push(&mut out, start, me, "near-miss", Some(v)),
                None => push(&mut out, start, me, "title", None),
            }
            continue;
        }
        // A possessive is the word it is made of ("Pike’s" normalises to "pike's").
        if words.len() == 1
            && (finder.ambiguous.contains(&norm)
                || norm
                    .strip_suffix("'s")
                    .is_some_and(|w| finder.ambiguous.contains(w)))
        {
            push(&mut out, start, me, "name-or-word", None);
            continue;
        }
        // A title-cased phrase opening a sentence, made only of common words that are not
        // given names ("Quality Management System framework, …"), is grammar too.
        let plain = |w: &&str| {
            (stop_words().contains(*w) || is_common_word(w)) && !given_names().contains(*w)
        };
        if sentence_start
            && words.len() > 1
            && words.iter().all(plain)
            && finder.near_miss(&norm).is_none()
        {
            continue;
        }
        if sentence_start && words.len() == 1 {
            // A single capitalised word at a sentence start is usually grammar: it is a
            // suspect when it nearly matches the register or is a name of the gazetteer.
            if let Some(v) = finder.near_miss(&norm) {
                push(&mut out, start, me, "near-miss", Some(v));
            } else if name_word(&norm) {
                push(&mut out, start, me, "name", None);
            }
            continue;
        }
        match finder.near_miss(&norm) {
            Some(v) => push(&mut out, start, me, "near-miss", Some(v)),
            None if words.iter().any(|w| name_word(w)) => push(&mut out, start, me, "name", None),
            None => push(&mut out, start, me, "capitalised", None),
        }
    }
    // Words in lower case: a registered name that is also a word ("hope"), or a name of
    // the gazetteer that is not a common word ("kowalski").
    for m in p.lower.find_iter(text) {
        let o = m
            .as_str()
            .trim_end_matches("'s")
            .trim_end_matches("’s")
            .trim_end_matches(['\'', '’', '-']);
        // Lower-case ASCII is its own normal form (the common case: no allocation).
        let w: std::borrow::Cow<str> = if o.is_ascii() {
            std::borrow::Cow::Borrowed(o)
        } else {
            std::borrow::Cow::Owned(normalise(o))
        };
        let w = w.as_ref();
        let end = m.start() + o.len();
        if finder.ambiguous.contains(w) {
            push(&mut out, m.start(), end, "name-or-word", None);
        } else if !stop_words().contains(w) && is_name_word(w) && !is_common_word(w) {
            push(&mut out, m.start(), end, "name", None);
        }
    }
    // Words in capitals ("JENNIFER KOWALSKI"): a name of the gazetteer that is not a common
    // word, or a registered name that is a word.
    for m in p.upper.find_iter(text) {
        let w = normalise(m.as_str());
        if finder.ambiguous.contains(&w) {
            push(&mut out, m.start(), m.end(), "name-or-word", None);
        } else if !stop_words().contains(w.as_str()) && is_name_word(&w) && !is_common_word(&w) {
            push(&mut out, m.start(), m.end(), "name", None);
        }
    }
    out.sort_by_key(|s| s.start);
    out
}

/// A registered variant this text nearly matches (a misspelling), if any. Similarity of at
/// least 0.8 (normalised Damerau–Levenshtein) needs lengths within a fifth of each other, so
/// other lengths are skipped before the distance is computed.
fn near_miss(norm: &str, variants: &[NearVariant]) -> Option<String> {
    let n = norm.chars().count();
    if n < 4 || is_common_word(norm) || stop_words().contains(norm) {
        return None;
    }
    let mine = sorted_chars(norm);
    // Similarity 1 - d / longest >= 0.8 needs d * 5 <= longest: when even a lower bound of
    // d is above that, the exact (and costly) distance cannot reach it.
    let close = |other: &str, m: usize, theirs: &[char]| {
        let longest = n.max(m);
        n.abs_diff(m) * 5 <= longest
            && other != norm
            && distance_lower_bound(&mine, theirs) * 5 <= longest
            && strsim::normalized_damerau_levenshtein(norm, other) >= 0.8
    };
    for v in variants {
        if close(&v.norm, v.len, &v.sorted) {
            return Some(v.norm.clone());
        }
        // A misspelt surname inside a longer variant ("Quil" for "ada quill").
        if v.parts
            .iter()
            .any(|(part, m, theirs)| close(part, *m, theirs))
        {
            return Some(v.norm.clone());
        }
    }
    None
}

/// Surname particles: "van der Berg", "de la Cruz", "O'" is part of its word.
pub(crate) const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "la", "le", "du", "da", "di", "del", "della", "dos", "das",
    "bin", "ibn", "al", "st", "st.", "mac", "ter", "ten",
];

/// The pieces every form of a person's name is made of (see [`person_variants`]): each
/// variant is one of these alone, or one of them with titles, initials and separators
/// around it, or the initials alone ([`PersonBlocks::dotted`]). The export's last guard
/// indexes a person by these pieces' words instead of building every variant.
#[derive(Debug, Clone, Default)]
pub struct PersonBlocks {
    /// The name's words joined by single spaces; alone, and after a title.
    pub full: String,
    /// Each given name and each hyphenated piece of one; alone, and the first before each
    /// surname form.
    pub given: Vec<String>,
    /// Every form of the surname; alone, after a title, after initials.
    pub surnames: Vec<String>,
    /// All initials with full stops ("A.Q."), alone.
    pub dotted: Option<String>,
    first: String,
    initials: String,
}

/// The pieces of `name`'s forms; `None` for a name without words.
pub fn person_blocks(name: &str) -> Option<PersonBlocks> {
    let parts: Vec<&str> = name.split_whitespace().collect();
    if parts.is_empty() {
        return None;
    }
    let mut b = PersonBlocks {
        full: parts.join(" "),
        ..Default::default()
    };
    // The surname starts at the last word, or earlier at a particle ("de la Cruz").
    let mut s = parts.len() - 1;
    while s > 1 && PARTICLES.contains(&parts[s - 1].to_lowercase().as_str()) {
        s -= 1;
    }
    if parts.len() < 2 {
        return Some(b);
    }
    let given = &parts[..s];
    let surname = parts[s..].join(" ");
    let mut surnames = vec![surname.clone()];
    if surname.contains('-') {
        surnames.push(surname.replace('-', " "));
    }
    // The surname's parts alone: hyphenated, double-barrelled, without particles.
    for part in parts[s..].iter().flat_map(|p| p.split('-')) {
        if !PARTICLES.contains(&part.to_lowercase().as_str()) {
            surnames.push(part.to_string());
        }
    }
    // A double-barrelled surname without a hyphen: the last two words together.
    if s == parts.len() - 1 && given.len() >= 2 {
        surnames.push(format!("{} {}", parts[s - 1], parts[s]));
        surnames.push(format!("{}-{}", parts[s - 1], parts[s]));
    }
    // Other spellings of a surname part: an apostrophe left out or written as a space
    // ("D'Arcy" as "DArcy", "D Arcy"), and a Mc/Mac prefix written apart or the other
    // way ("McTavish" as "Mc Tavish", "MacTavish", "Mac Tavish").
    let mut other = Vec::new();
    let words: Vec<String> = surnames
        .iter()
        .flat_map(|x| x.split([' ', '-']))
        .map(str::to_string)
        .collect();
    for part in &words {
        if part.contains(['\'', '\u{2019}']) {
            other.push(part.replace(['\'', '\u{2019}'], ""));
            other.push(part.replace(['\'', '\u{2019}'], " "));
        }
        for (prefix, swap) in [("Mac", "Mc"), ("Mc", "Mac")] {
            if let Some(rest) = part.strip_prefix(prefix) {
                if rest.chars().next().is_some_and(char::is_uppercase) && rest.chars().count() >= 3
                {
                    other.push(format!("{prefix} {rest}"));
                    other.push(format!("{swap}{rest}"));
                    other.push(format!("{swap} {rest}"));
                }
            }
        }
    }
    surnames.extend(other);
    b.surnames = surnames;
    for g in given {
        b.given.push(g.to_string());
        for piece in g.split('-') {
            b.given.push(piece.to_string());
        }
    }
    b.first = given[0].to_string();
    b.initials = given
        .iter()
        .filter_map(|g| g.chars().find(|c| c.is_alphabetic()))
        .flat_map(char::to_uppercase)
        .collect();
    if let Some(si) = parts[s].chars().find(|c| c.is_alphabetic()) {
        let all: String = b.initials.chars().chain(si.to_uppercase()).collect();
        b.dotted = Some(all.chars().map(|c| format!("{c}.")).collect());
    }
    Some(b)
}

/// Variants to seed for a person's name: the full name; given + surname; each given name
/// alone; the surname and each of its parts alone (hyphenated or double-barrelled, with
/// the hyphen or a space); title + surname and title + full name; initials + surname
/// ("A. Quill", "A Quill", "A.B. Quill") and the initials alone with full stops ("A.Q.").
/// Possessives ("Quill's") and any case, spacing or line break are matched by the matcher
/// itself, on word boundaries.
pub fn person_variants(name: &str) -> Vec<String> {
    let Some(b) = person_blocks(name) else {
        return vec![];
    };
    let mut v = vec![b.full.clone()];
    if !b.surnames.is_empty() {
        let first = b.first.as_str();
        let initials = b.initials.as_str();
        v.extend(b.given.iter().cloned());
        v.push(format!("{first} {}", b.surnames[0]));
        for last in &b.surnames {
            v.push(last.clone());
            for title in TITLES {
                let mut t: Vec<char> = title.chars().collect();
                t[0] = t[0].to_ascii_uppercase();
                let t: String = t.into_iter().collect();
                v.push(format!("{t} {last}"));
                v.push(format!("{t}. {last}"));
            }
            if let Some(i) = first.chars().next() {
                v.push(format!("{i}. {last}"));
                v.push(format!("{i} {last}"));
            }
            if initials.chars().count() >= 2 {
                let dotted: String = initials.chars().map(|c| format!("{c}.")).collect();
                v.push(format!("{dotted} {last}"));
                v.push(format!("{initials} {last}"));
            }
        }
        for title in ["Dr", "Mr", "Mrs", "Ms", "Miss", "Prof", "Professor"] {
            v.push(format!("{title} {}", b.full));
        }
        if let Some(d) = &b.dotted {
            v.push(d.clone());
        }
    }
    // Written without accents too ("Zoë" as "Zoe", "José" as "Jose").
    let folded: Vec<String> = v
        .iter()
        .map(|x| fold_accents(x))
        .filter(|f| !v.contains(f))
        .collect();
    v.extend(folded);
    v.retain(|x| x.trim().chars().filter(|c| c.is_alphanumeric()).count() >= 2);
    v.sort();
    v.dedup();
    v
}

/// Variants for a person a reviewer accepted by the text of a suspect: every form of
/// [`person_variants`] when the text looks like one person's name (two to four words, none
/// of them a common word: "Morwenna Trevithick"), else the text alone (a run such as "Ann
/// Lowe and Bob Price" must not make "and" a name).
pub fn accepted_person_variants(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let name_like = (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            let n = normalise(w);
            let n = n.trim_end_matches("'s").trim_end_matches('.');
            !stop_words().contains(n) && !is_common_word(n)
        });
    if !name_like {
        return vec![text.trim().to_string()];
    }
    let mut v = person_variants(text);
    if !v.iter().any(|x| x == text.trim()) {
        v.push(text.trim().to_string());
    }
    v
}

/// Variants to seed for an email address: the address, and without its plus tag
/// (`ann.quill+study@trust.example` is also written `ann.quill@trust.example`: the same
/// mailbox). Case is ignored by the matcher.
pub fn email_variants(email: &str) -> Vec<String> {
    let email = email.trim();
    let mut v = vec![email.to_string()];
    if let Some((local, domain)) = email.split_once('@') {
        if let Some((base, _tag)) = local.split_once('+') {
            if !base.is_empty() {
                v.push(format!("{base}@{domain}"));
            }
        }
    }
    v
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(id: &str, label: &str, v: &[&str]) -> Entity {
        Entity {
            id: id.into(),
            label: label.into(),
            variants: v.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn longest_match_first_case_insensitive_across_lines() {
        let e = vec![
            ent("p", "[Participant P7QK]", &["Ada Quill", "Dr Quill"]),
            ent("o", "[Organisation 1]", &["Northvale Trust", "Northvale"]),
        ];
        let text = "I spoke to DR QUILL at Northvale\nTrust; ada   quill's view was clear. Northvales is not it.";
        let reps = find_matches(text, &e);
        let labels: Vec<&str> = reps.iter().map(|r| r.original.as_str()).collect();
        assert_eq!(labels, ["DR QUILL", "Northvale\nTrust", "ada   quill"]);
        let red = apply(text, &reps);
        assert_eq!(
            red,
            "I spoke to [Participant P7QK] at [Organisation 1]; [Participant P7QK]'s view was clear. Northvales is not it."
        );
    }

    #[test]
    fn unicode_normalised() {
        let e = vec![ent("p", "[P]", &["Zoë O’Hara"])];
        // Decomposed ë (e + U+0308) and a straight apostrophe.
        let text = "Then Zoe\u{0308} O'Hara said";
        let reps = find_matches(text, &e);
        assert_eq!(reps.len(), 1, "{reps:?}");
        assert_eq!(reps[0].original, "Zoe\u{0308} O'Hara");
        assert_eq!(apply(text, &reps), "Then [P] said");
    }

    #[test]
    fn suspects_cover_emails_phones_postcodes_dates_names_and_near_misses() {
        let e = vec![ent("p", "[P]", &["Ada Quill"])];
        let text = "Interviewer: Hello.\nParticipant: Write to a.q@example.org or call 01632 960 123. We met Bertie Marchbanks at CB2 1TN on 3rd March 2022. Ada Quil agreed. The board met. And Ms Quil?";
        let reps = find_matches(text, &e);
        let s = find_suspects(text, &reps, &HashSet::new(), &["Ada Quill".into()]);
        let kinds: Vec<(&str, &str)> = s
            .iter()
            .map(|x| (x.reason.as_str(), x.text.as_str()))
            .collect();
        assert!(kinds.contains(&("email", "a.q@example.org")), "{kinds:?}");
        assert!(kinds.contains(&("phone", "01632 960 123")), "{kinds:?}");
        assert!(kinds.contains(&("postcode", "CB2 1TN")), "{kinds:?}");
        assert!(kinds.contains(&("date", "3rd March 2022")), "{kinds:?}");
        assert!(kinds.contains(&("name", "Bertie Marchbanks")), "{kinds:?}");
        assert!(
            kinds
                .iter()
                .any(|(r, t)| *r == "near-miss" && t.contains("Quil")),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&("near-miss", "Quil")),
            "titles and function words are trimmed: {kinds:?}"
        );
        assert!(
            !kinds
                .iter()
                .any(|(_, t)| *t == "Interviewer" || *t == "The"),
            "{kinds:?}"
        );
        let allow: HashSet<String> = [normalise("Bertie Marchbanks")].into_iter().collect();
        let s = find_suspects(text, &reps, &allow, &[]);
        assert!(!s.iter().any(|x| x.text == "Bertie Marchbanks"));
    }

    #[test]
    fn one_finder_over_many_texts_finds_what_fresh_ones_do() {
        let variants: Vec<String> = vec!["Ada Quill".into(), "Northvale Trust".into()];
        let e = vec![
            ent("p", "[P]", &["Ada Quill"]),
            ent("o", "[O]", &["Northvale Trust"]),
        ];
        let texts = [
            "Participant: Ada Quil met Bertie Marchbanks at Northvail Trust.",
            "Interviewer: And Ms Quil? Ada Quill said Zoe\u{0308} Marchbanks would come.",
            "Participant: Bertie Marchbanks again, and Quil, and NORTHVALE trust.",
        ];
        let finder = SuspectFinder::new(&variants);
        let allow = HashSet::new();
        for t in texts {
            let reps = find_matches(t, &e);
            assert_eq!(
                finder.find(t, &reps, &allow),
                find_suspects(t, &reps, &allow, &variants),
                "{t}"
            );
        }
        // Replacements out of order: still honoured.
        let t = texts[0];
        let mut reps = find_matches(t, &e);
        reps.reverse();
        reps.push(Replacement {
            start: 0,
            end: t.len(),
            original: String::new(),
            label: "[X]".into(),
            entity_id: "x".into(),
        });
        assert!(finder.find(t, &reps, &allow).is_empty());
    }

    #[test]
    fn the_distance_bound_never_exceeds_the_distance() {
        let words = [
            "quill",
            "quil",
            "qiull",
            "ada quill",
            "northvale",
            "northvail",
            "marchbanks",
            "marchbank",
            "zoë",
            "zoe",
            "o'hara",
            "ohara",
            "abcde",
            "edcba",
            "aabbc",
            "",
            "x",
            "partnership",
            "partnerships",
            "trust",
            "rtust",
        ];
        for a in words {
            for b in words {
                let lb = distance_lower_bound(&sorted_chars(a), &sorted_chars(b));
                assert!(lb <= strsim::damerau_levenshtein(a, b), "{a} / {b}");
            }
        }
        // Pseudo-random strings over a small alphabet (many repeats and transpositions).
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |k: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % k
        };
        for _ in 0..3000 {
            let (la, lb_) = (next(9), next(9));
            let mut word = |n: u64| -> String {
                (0..n)
                    .map(|_| ['a', 'b', 'c', 'é', ' '][next(5) as usize])
                    .collect()
            };
            let a = word(la);
            let b = word(lb_);
            let lb = distance_lower_bound(&sorted_chars(&a), &sorted_chars(&b));
            assert!(lb <= strsim::damerau_levenshtein(&a, &b), "{a:?} / {b:?}");
        }
    }

    #[test]
    fn normalise_ascii_and_clusters() {
        assert_eq!(normalise("  Ada\n\tQUILL  "), "ada quill");
        assert_eq!(normalise("Zoe\u{0308} O\u{2019}Hara"), "zoë o'hara");
        assert_eq!(normalise("ﬁne Ⅳ"), "fine iv");
    }

    #[test]
    fn names_match_without_their_accents() {
        let e = vec![Entity {
            id: "p".into(),
            label: "[P]".into(),
            variants: person_variants("Zoë Ní Bhriain"),
        }];
        let m = Matcher::new(&e);
        for t in ["Zoe said", "ni bhriain said", "Bhriain said", "ZOË agreed"] {
            let red = apply(t, &m.find(t)).to_lowercase();
            assert!(
                !red.contains("zo") && !red.contains("bhriain"),
                "{t} → {red}"
            );
        }
    }

    #[test]
    fn person_variants_include_titles_and_initials() {
        let v = person_variants("Ada Quill");
        for want in ["Ada Quill", "Dr Quill", "A. Quill", "Professor Quill"] {
            assert!(v.contains(&want.to_string()), "{v:?}");
        }
    }

    #[test]
    fn every_form_of_a_registered_name_is_matched() {
        let mut variants = person_variants("Tamsin Hartwell-Quenby");
        variants.push("tamsin.hp@example.org".into());
        variants.push("01632 960 481".into());
        let e = vec![Entity {
            id: "p".into(),
            label: "[P]".into(),
            variants,
        }];
        let m = Matcher::new(&e);
        for text in [
            "Tamsin said so.",
            "We asked. Tamsin agreed.",
            "Hartwell-Quenby agreed.",
            "Quenby agreed.",
            "I met hartwell yesterday",
            "quenby's office",
            "Tamsin's view",
            "Dr Hartwell-Quenby",
            "Ms. Quenby",
            "T. Hartwell-Quenby",
            "T.H. came",
            "Tamsin\nHartwell-Quenby",
            "TAMSIN.HP@EXAMPLE.ORG",
            "ring 01632.960.481 now",
            "ring +44 1632 960481 now",
            "ring +44 (0)1632-960-481 now",
            "ring 0044 1632 960 481",
            "in 2023 01632 960 481 2 times",
            "(01632) 960481",
            "ﾀ Ｔａｍｓｉｎ",
            "Ta\u{ad}msin called",
            "Tam\u{200b}sin called",
        ] {
            let reps = m.find(text);
            assert!(!reps.is_empty(), "{text}");
            let red = apply(text, &reps).to_lowercase();
            for w in ["tamsin", "hartwell", "quenby", "960"] {
                assert!(!red.contains(w), "{text} → {red}");
            }
        }
        // Not inside other words, not other numbers.
        assert!(m.find("Quenbyish and tamsinite").is_empty());
        assert!(m.find("call 01632 960 482").is_empty());
    }

    #[test]
    fn a_month_that_is_a_given_name_is_reviewed_unless_it_stands_as_a_date() {
        let finder = SuspectFinder::new(&[]);
        let text = "April from the practice came along. In April we met again. \
                    June 2022 was busy. On 5 June the board sat. Since August it has \
                    been quiet. August said no.";
        let got: Vec<(String, String)> = finder
            .find(text, &[], &HashSet::new())
            .into_iter()
            .filter(|x| x.reason == "name-or-word")
            .map(|x| (x.reason, x.text))
            .collect();
        assert_eq!(
            got,
            [
                ("name-or-word".to_string(), "April".to_string()),
                ("name-or-word".to_string(), "August".to_string())
            ],
            "{text}"
        );
    }

    #[test]
    fn a_name_that_is_a_word_is_replaced_in_a_sentence_and_reviewed_elsewhere() {
        let e = vec![Entity {
            id: "p".into(),
            label: "[P]".into(),
            variants: person_variants("Hope Quarrington"),
        }];
        let m = Matcher::new(&e);
        assert!(m.ambiguous_words().contains("hope"));
        let text = "I spoke to Hope about it. Hope was there. We hope so.";
        let reps = m.find(text);
        assert_eq!(reps.len(), 1, "{reps:?}");
        assert_eq!(reps[0].original, "Hope");
        assert_eq!(reps[0].start, 11);
        let variants: Vec<String> = e[0].variants.clone();
        let finder = SuspectFinder::new(&variants).with_ambiguous(m.ambiguous_words());
        let s = finder.find(text, &reps, &HashSet::new());
        let got: Vec<(&str, &str)> = s
            .iter()
            .map(|x| (x.reason.as_str(), x.text.as_str()))
            .collect();
        assert_eq!(got, [("name-or-word", "Hope"), ("name-or-word", "hope")]);
        // Allowing the class of common words does not allow a registered name.
        let finder = finder.with_classes(AllowClasses {
            common_words: true,
            places: HashSet::new(),
            dates: false,
        });
        assert_eq!(finder.find(text, &reps, &HashSet::new()).len(), 2);
    }

    #[test]
    fn unregistered_names_are_suspects_at_sentence_starts_and_in_lower_case() {
        let finder = SuspectFinder::new(&[]);
        let allow = HashSet::new();
        let found = |t: &str| -> Vec<String> {
            finder
                .find(t, &[], &allow)
                .into_iter()
                .map(|s| format!("{}:{}", s.reason, s.text))
                .collect()
        };
        assert_eq!(found("Jennifer called."), ["name:Jennifer"]);
        assert_eq!(found("We met. Kowalski was late."), ["name:Kowalski"]);
        assert_eq!(found("then kowalski said"), ["name:kowalski"]);
        assert_eq!(found("I asked Mr Brown."), ["title:Brown"]);
        assert_eq!(found("SIGNED: KOWALSKI"), ["name:KOWALSKI"]);
        assert_eq!(
            found("we met Jennifer Kowalski and Dr Nguyen there"),
            ["name:Jennifer Kowalski", "title:Nguyen"]
        );
        assert_eq!(found("Interviewer: The board met."), Vec::<String>::new());
        // A capitalised common word is a suspect until its class is allowed.
        assert_eq!(
            found("the Partnership Board met"),
            ["capitalised:Partnership Board"]
        );
        let classes = SuspectFinder::new(&[]).with_classes(AllowClasses {
            common_words: true,
            places: ["moorcombe".to_string()].into_iter().collect(),
            dates: false,
        });
        assert!(classes
            .find("the Partnership Board met at Moorcombe", &[], &allow)
            .is_empty());
        // A given name is never in the class of common words.
        assert_eq!(classes.find("the Grace Board", &[], &allow).len(), 1);
    }
}
