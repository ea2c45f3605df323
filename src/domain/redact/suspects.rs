//! Finding suspects: capitalised words, patterns and near misses of register entries that
//! are not in the register.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::{matcher::*, normalise::*, patterns::*, words::*};

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
pub(super) struct NearVariant {
    pub(super) norm: String,
    pub(super) len: usize,
    pub(super) sorted: Vec<char>,
    pub(super) parts: Vec<(String, usize, Vec<char>)>,
}

pub(super) fn sorted_chars(s: &str) -> Vec<char> {
    let mut v: Vec<char> = s.chars().collect();
    v.sort_unstable();
    v
}

/// A lower bound of the Damerau–Levenshtein distance of two strings from their characters
/// (sorted): every edit removes at most one character the other string lacks, and adds at
/// most one it needs; a transposition changes neither.
pub(super) fn distance_lower_bound(a: &[char], b: &[char]) -> usize {
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

    pub(super) fn near_miss(&self, norm: &str) -> Option<String> {
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
pub(super) fn sentence_mark_before(mut rev: impl Iterator<Item = char>) -> bool {
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

pub(super) fn find_suspects_with(
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
pub(super) fn near_miss(norm: &str, variants: &[NearVariant]) -> Option<String> {
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
