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
    normalised(s).text.trim().to_string()
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

/// The register compiled once, to match many texts.
pub struct Matcher {
    entities: Vec<Entity>,
    owner: Vec<usize>,
    ac: Option<AhoCorasick>,
}

impl Matcher {
    pub fn new(entities: &[Entity]) -> Matcher {
        let mut patterns: Vec<String> = Vec::new();
        let mut owner: Vec<usize> = Vec::new();
        for (ei, e) in entities.iter().enumerate() {
            for v in &e.variants {
                let p = normalise(v);
                if p.chars().count() >= 2 {
                    patterns.push(p);
                    owner.push(ei);
                }
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
            ac,
        }
    }

    /// Every register match in `text` (see [`find_matches`]).
    pub fn find(&self, text: &str) -> Vec<Replacement> {
        match &self.ac {
            Some(ac) => matches_with(text, ac, &self.owner, &self.entities),
            None => Vec::new(),
        }
    }
}

/// Find every register match in `text`: longest first, non-overlapping, on word boundaries.
pub fn find_matches(text: &str, entities: &[Entity]) -> Vec<Replacement> {
    Matcher::new(entities).find(text)
}

fn matches_with(
    text: &str,
    ac: &AhoCorasick,
    owner: &[usize],
    entities: &[Entity],
) -> Vec<Replacement> {
    let n = normalised(text);
    let orig: Vec<char> = text.chars().collect();
    let mut cands: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, entity) in norm chars
    for m in ac.find_overlapping_iter(&n.text) {
        let s = n.byte_to_char[m.start()];
        let e = n.byte_to_char[m.end()];
        let before_ok = s == 0 || !is_word(n.chars[s - 1]);
        let after_ok = e >= n.chars.len() || !is_word(n.chars[e]);
        if before_ok && after_ok {
            cands.push((s, e, owner[m.pattern().as_usize()]));
        }
    }
    cands.sort_by(|a, b| (b.1 - b.0).cmp(&(a.1 - a.0)).then(a.0.cmp(&b.0)));
    let mut taken: Vec<(usize, usize, usize)> = Vec::new();
    for c in cands {
        if taken.iter().all(|t| c.1 <= t.0 || t.1 <= c.0) {
            taken.push(c);
        }
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
                label: entities[ei].label.clone(),
                entity_id: entities[ei].id.clone(),
            }
        })
        .collect()
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
/// transcript conventions and health-system acronyms.
const COMMON: &str = "i a an the and or but if so then this that these those there here we you he she it they me us him her them my our your his its their what when where who why how which yes no not ok okay well right sure thanks thank please also just very really actually maybe perhaps because although though however yeah um uh er erm mm hmm oh ah so now then today yesterday tomorrow monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december spring summer autumn winter interviewer participant speaker respondent facilitator observer chair chief executive director board group team committee meeting forum system trust trusts council england nhs ics icb icp ccg cqc gp gps covid a&e ae uk do does did is are was were be been have has had will would can could should might must let lets let's mr mrs ms miss dr prof professor sir dame don't i'm i've i'd we're we've they're it's that's there's what's can't won't isn't wasn't aren't didn't doesn't";

fn common_words() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.split_whitespace().collect())
}

fn re(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).expect("static pattern")
}

struct Patterns {
    email: regex::Regex,
    phone: regex::Regex,
    postcode: regex::Regex,
    date: regex::Regex,
    capitalised: regex::Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        email: re(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
        phone: re(r"(\+\d{1,3}[\s-]?)?\(?\d{2,5}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}\b"),
        postcode: re(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"),
        date: re(r"(?i)\b(\d{1,2}(st|nd|rd|th)?\s+(of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*(\s+\d{4})?|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})\b"),
        capitalised: re(r"\b\p{Lu}[\p{Ll}'’-]+(?:\s+(?:of\s+|the\s+|and\s+)?\p{Lu}[\p{Ll}'’-]+)*"),
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
}

impl SuspectFinder {
    pub fn new(variants: &[String]) -> SuspectFinder {
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
        }
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
    let push =
        |out: &mut Vec<Suspect>, bs: usize, be: usize, reason: &str, near: Option<String>| {
            let s = byte_to_char[bs];
            let e = byte_to_char[be];
            let t = text[bs..be].to_string();
            if covered(s, e) || allow.contains(&normalise(&t)) {
                return;
            }
            if out.iter().any(|x| s < x.end && x.start < e) {
                return;
            }
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
    for m in p.capitalised.find_iter(text) {
        // Skip leading common words and titles ("And Ms Quil" → "Quil").
        let mut start = m.start();
        for w in m.as_str().split_whitespace() {
            let norm = normalise(w);
            if common_words().contains(norm.as_str())
                || common_words().contains(norm.trim_end_matches('.'))
            {
                let rel = text[start..].find(w).unwrap_or(0) + w.len();
                start += rel;
                start += text[start..].len() - text[start..].trim_start().len();
            } else {
                break;
            }
        }
        if start >= m.end() {
            continue;
        }
        let span = &text[start..m.end()];
        let words: Vec<&str> = span.split_whitespace().collect();
        let before = text[..m.start()].trim_end_matches([' ', '\t']);
        let line_start = before.is_empty() || before.ends_with('\n');
        let after = &text[m.end()..];
        let is_label = line_start && start == m.start() && after.starts_with(':');
        let sentence_start = start == m.start()
            && (line_start
                || before.ends_with(['.', '!', '?', ':', '"', '“', '—'])
                || before.ends_with(" -"));
        let norm = normalise(span);
        if sentence_start && words.len() == 1 && !is_label {
            // A single capitalised word at a sentence start is usually just grammar; still
            // check it for near misses.
            if let Some(v) = finder.near_miss(&norm) {
                push(&mut out, start, m.end(), "near-miss", Some(v));
            }
            continue;
        }
        match finder.near_miss(&norm) {
            Some(v) => push(&mut out, start, m.end(), "near-miss", Some(v)),
            None => push(&mut out, start, m.end(), "capitalised", None),
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
    if n < 4 {
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

/// Variants to seed for a person's name: the name, title + surname, initial + surname.
pub fn person_variants(name: &str) -> Vec<String> {
    let parts: Vec<&str> = name.split_whitespace().collect();
    let mut v = vec![name.trim().to_string()];
    if parts.len() >= 2 {
        let first = parts[0];
        let last = parts[parts.len() - 1];
        for title in [
            "Dr",
            "Dr.",
            "Mr",
            "Mr.",
            "Mrs",
            "Mrs.",
            "Ms",
            "Ms.",
            "Miss",
            "Prof",
            "Prof.",
            "Professor",
        ] {
            v.push(format!("{title} {last}"));
        }
        if let Some(i) = first.chars().next() {
            v.push(format!("{i}. {last}"));
            v.push(format!("{i} {last}"));
        }
        v.push(format!("{first} {}", last));
    }
    v.sort();
    v.dedup();
    v
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
        assert!(
            kinds.contains(&("capitalised", "Bertie Marchbanks")),
            "{kinds:?}"
        );
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
    fn person_variants_include_titles_and_initials() {
        let v = person_variants("Ada Quill");
        for want in ["Ada Quill", "Dr Quill", "A. Quill", "Professor Quill"] {
            assert!(v.contains(&want.to_string()), "{v:?}");
        }
    }
}
