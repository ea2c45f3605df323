//! Matching a register of identifiers in a text and applying the replacements.

use std::collections::{HashMap, HashSet};

use super::{normalise::*, patterns::*, words::*};
use aho_corasick::{AhoCorasick, MatchKind};

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

    pub(super) fn matches_with(&self, text: &str) -> Vec<Replacement> {
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
