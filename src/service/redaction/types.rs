//! What redaction returns (seed report, suspect groups, decisions, the redacted text), the
//! redactor, and grouping suspects for review.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::domain::redact::{self, Replacement, Suspect};
use crate::service::ServiceError;
/// The register's and the anonymisation log's rows, as the front ends see them.
pub use crate::store::redaction::{IdentifierRow, LogRow};

pub const KINDS: &[&str] = &["person", "organisation", "place", "programme", "other"];

#[derive(Debug, Clone, Default, Serialize)]
pub struct SeedReport {
    pub people: usize,
    pub organisations: usize,
    pub job_titles: usize,
    pub sites: usize,
    pub variants_added: usize,
}

/// One suspect text across the corpus, with where it occurs.
#[derive(Debug, Clone, Serialize)]
pub struct SuspectGroup {
    pub text: String,
    pub norm: String,
    pub reason: String,
    pub near: Option<String>,
    pub occurrences: Vec<SuspectAt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuspectAt {
    /// The interview (empty for a field of no interview, such as a theme description).
    pub session_id: String,
    /// The transcript (empty when the suspect is in another free-text field).
    pub transcript_id: String,
    /// For a free-text field other than a transcript: which one, e.g. `memo 1a2b3c4d`,
    /// `matrix summary P7QK × Safety culture × phase 1`, `theme description 9f8e7d6c`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub start: usize,
    pub end: usize,
    /// The surrounding text (identifying: for the reviewer's eyes only).
    pub context: String,
}

/// What a reviewer decides about a suspect.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Add it as a variant of an existing identifier (id or label).
    Variant(String),
    /// Add a new identifier of this kind with this label.
    New { kind: String, label: String },
    /// It does not identify anyone: allow it everywhere.
    Allow,
}

/// Every imported transcript redacted, and the suspects still open (nothing logged yet).
#[derive(Debug, Clone)]
pub struct PreparedRedaction {
    pub open: Vec<SuspectGroup>,
    pub redacted: Vec<Redacted>,
}

/// A redacted transcript.
#[derive(Debug, Clone, Serialize)]
pub struct Redacted {
    pub session_id: String,
    pub transcript_id: String,
    pub text: String,
    pub replacements: Vec<Replacement>,
    /// Distinct suspect texts nobody reviewed in this transcript.
    pub unreviewed: usize,
}

/// The classes of suspects a reviewer can allow in one step (`redact allow --class`).
pub const ALLOW_CLASSES: &[&str] = &["common-words", "places", "dates"];

/// What allowing a class did.
#[derive(Debug, Clone, Serialize)]
pub struct ClassReport {
    pub class: String,
    /// Distinct suspect texts it closed.
    pub closed: usize,
    /// Distinct suspect texts still to review.
    pub left: usize,
}

/// The register, variants and allow-list, ready to redact any text with the same engine as
/// the transcripts (for passages, memos and matrix summaries in exports).
pub struct Redactor {
    pub(super) matcher: redact::Matcher,
    pub(super) finder: redact::SuspectFinder,
    pub(super) allow: HashSet<String>,
}

impl Redactor {
    /// The register's replacements in `text` (character offsets of `text`).
    pub fn matches(&self, text: &str) -> Vec<Replacement> {
        self.matcher.find(text)
    }

    /// `text` with the register's replacements applied.
    pub fn redact(&self, text: &str) -> String {
        redact::apply(text, &self.matches(text))
    }

    /// Suspects in `text` that neither the register nor the allow-list covers.
    pub fn suspects(&self, text: &str) -> Vec<Suspect> {
        let reps = self.matches(text);
        self.suspects_beside(text, &reps)
    }

    /// Suspects in `text` beside the register's replacements `reps` (from [`Self::matches`]
    /// on the same text), for callers that already have them.
    pub fn suspects_beside(&self, text: &str, reps: &[Replacement]) -> Vec<Suspect> {
        self.finder.find(text, reps, &self.allow)
    }
}

/// One transcript's text with the register's replacements and the suspects beside them,
/// computed once for both the review list and the redacted text of an export.
pub(super) struct Analysed {
    pub(super) transcript_id: String,
    pub(super) session_id: String,
    /// A free-text field other than a transcript (see [`SuspectAt::field`]).
    pub(super) field: Option<String>,
    pub(super) text: String,
    pub(super) replacements: Vec<Replacement>,
    pub(super) suspects: Vec<Suspect>,
}

/// Group suspects by normalised text, most frequent first (the `redact suspects` list).
pub(super) fn group_suspects<'a>(
    analysed: impl Iterator<Item = &'a Analysed>,
) -> Vec<SuspectGroup> {
    let mut groups: BTreeMap<String, SuspectGroup> = BTreeMap::new();
    for a in analysed {
        if a.suspects.is_empty() {
            continue;
        }
        let chars: Vec<char> = a.text.chars().collect();
        for s in &a.suspects {
            let norm = redact::normalise(&s.text);
            let g = groups.entry(norm.clone()).or_insert_with(|| SuspectGroup {
                text: s.text.clone(),
                norm,
                reason: s.reason.clone(),
                near: s.near.clone(),
                occurrences: vec![],
            });
            g.occurrences.push(SuspectAt {
                session_id: a.session_id.clone(),
                transcript_id: a.transcript_id.clone(),
                field: a.field.clone(),
                start: s.start,
                end: s.end,
                context: context(&chars, s.start, s.end),
            });
        }
    }
    let mut v: Vec<SuspectGroup> = groups.into_values().collect();
    v.sort_by(|a, b| {
        b.occurrences
            .len()
            .cmp(&a.occurrences.len())
            .then(a.norm.cmp(&b.norm))
    });
    v
}

/// The number of distinct suspect texts (by normalised text): the unit every count of
/// unreviewed suspects uses.
pub(super) fn distinct(suspects: &[Suspect]) -> usize {
    suspects
        .iter()
        .map(|s| redact::normalise(&s.text))
        .collect::<HashSet<_>>()
        .len()
}

pub(super) fn context(chars: &[char], s: usize, e: usize) -> String {
    let a = s.saturating_sub(30);
    let b = (e + 30).min(chars.len());
    chars[a..b]
        .iter()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The one refusal of every export that would carry suspects nobody reviewed: the count
/// is of distinct suspect texts, as `redact suspects` lists them; the place is named, never
/// the text of a free-text field.
pub fn unreviewed_refusal(open: &[SuspectGroup]) -> ServiceError {
    let first = &open[0];
    let place = first
        .occurrences
        .first()
        .map(|o| match &o.field {
            Some(f) => f.clone(),
            None => format!(
                "transcript {}",
                &o.transcript_id[..8.min(o.transcript_id.len())]
            ),
        })
        .unwrap_or_default();
    ServiceError::Refused(format!(
        "{} suspect(s) are not reviewed yet (the first in {place}, {} place(s) in all); review them (`redact suspects`, `redact accept`, `redact allow`, `redact allow --class`) or export with --allow-unreviewed",
        open.len(),
        first.occurrences.len()
    ))
}

/// Suspects in free texts an export carries, grouped like `redact suspects` (by
/// normalised text), each text with the place it comes from.
pub fn group_free_suspects(found: &[(String, String, Vec<Suspect>)]) -> Vec<SuspectGroup> {
    let analysed: Vec<Analysed> = found
        .iter()
        .map(|(field, text, suspects)| Analysed {
            transcript_id: String::new(),
            session_id: String::new(),
            field: Some(field.clone()),
            text: text.clone(),
            replacements: vec![],
            suspects: suspects.clone(),
        })
        .collect();
    group_suspects(analysed.iter())
}

/// A sort key that orders the numbers inside a text by value: runs of digits become
/// zero-padded numbers, the rest compares case-insensitively.
pub(super) fn natural_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(&format!("{:0>12}", digits));
            digits.clear();
        }
        out.extend(c.to_lowercase());
    }
    if !digits.is_empty() {
        out.push_str(&format!("{:0>12}", digits));
    }
    out
}

#[cfg(test)]
pub(super) mod natural_tests {
    #[test]
    fn numbers_inside_labels_sort_by_value() {
        let mut v = vec![
            "[Person 10]",
            "[person 2]",
            "[Person 1]",
            "[Organisation 3]",
        ];
        v.sort_by_key(|s| super::natural_key(s));
        assert_eq!(
            v,
            [
                "[Organisation 3]",
                "[Person 1]",
                "[person 2]",
                "[Person 10]"
            ]
        );
    }
}
