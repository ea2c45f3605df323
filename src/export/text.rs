//! Shared pieces of the text exports (quotes, matrix, transcripts, REFI-QDA project):
//! mapping character offsets of a transcript through its redactions, stable GUIDs derived
//! from internal ids, and the eligibility rules reused from the participant table.

use std::collections::{HashMap, HashSet};

use crate::domain::redact::Replacement;
use crate::service::{Fieldwork, Result};

pub use crate::domain::anchor::char_slice;

/// Maps character offsets of an original text to the text with `reps` applied (sorted,
/// non-overlapping, as the redaction engine returns them).
#[derive(Debug, Clone)]
pub struct OffsetMap {
    /// (original start, original end, redacted start, redacted end)
    spans: Vec<(usize, usize, usize, usize)>,
}

impl OffsetMap {
    pub fn new(reps: &[Replacement]) -> OffsetMap {
        let mut spans = Vec::with_capacity(reps.len());
        let mut delta: i64 = 0;
        let mut last_end = 0;
        for r in reps {
            if r.start < last_end {
                continue; // `apply` skips overlapping replacements too
            }
            let rs = (r.start as i64 + delta) as usize;
            let len = r.label.chars().count();
            spans.push((r.start, r.end, rs, rs + len));
            delta += len as i64 - (r.end - r.start) as i64;
            last_end = r.end;
        }
        OffsetMap { spans }
    }

    fn shift_before(&self, pos: usize) -> i64 {
        self.spans
            .iter()
            .take_while(|s| s.1 <= pos)
            .map(|s| (s.3 - s.2) as i64 - (s.1 - s.0) as i64)
            .sum()
    }

    fn inside(&self, pos: usize) -> Option<&(usize, usize, usize, usize)> {
        self.spans.iter().find(|s| s.0 < pos && pos < s.1)
    }

    /// Where a selection starting at `pos` starts in the redacted text: a start inside a
    /// replaced name moves to the start of its label.
    pub fn start(&self, pos: usize) -> usize {
        match self.inside(pos) {
            Some(s) => s.2,
            None => (pos as i64 + self.shift_before(pos)) as usize,
        }
    }

    /// Where a selection ending at `pos` ends in the redacted text: an end inside a replaced
    /// name moves to the end of its label.
    pub fn end(&self, pos: usize) -> usize {
        match self.inside(pos) {
            Some(s) => s.3,
            None => (pos as i64 + self.shift_before(pos)) as usize,
        }
    }
}

/// A GUID derived from an internal id and a purpose: the same on every export (so other
/// packages can merge), but not the internal id itself (internal ids are never exported).
pub fn derived_guid(purpose: &str, id: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("fieldwork-refi-qda\u{0}{purpose}\u{0}{id}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    // Shaped as an RFC 9562 version 8 (custom) UUID.
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(b).to_string()
}

/// Export codes of participants who may appear in shared data: the participant-table rule
/// (completed interview, archiving/sharing `yes` in force today, never withdrawn with a
/// removal scope).
pub fn archivable_codes(fw: &Fieldwork) -> Result<HashSet<String>> {
    Ok(super::participants::eligible_records(fw)?
        .into_iter()
        .map(|r| r.code)
        .collect())
}

/// Export code → whether the participant ever withdrew with a removal scope (a later
/// re-consent does not bring the data back: the protective reading, as for the table).
pub fn removal_withdrawn(fw: &Fieldwork) -> Result<HashMap<String, bool>> {
    // Every participant in one query and every withdrawal in one read (was a page query
    // and a consent query, with an id-prefix lookup, per participant).
    let book = fw.consent_book()?;
    Ok(crate::store::participants::codes(fw.store.conn())?
        .into_iter()
        .map(|(id, code)| {
            let removed = book.withdrawals(&id).iter().any(|w| w.scope.removes_data());
            (code, removed)
        })
        .collect())
}

/// A neutral name for the configured user: their initials (a name of several words gives
/// the first letter of each; a single word of up to four characters is kept as it is,
/// as configured initials are; anything else becomes `User`).
pub fn user_initials(user: &str) -> String {
    let words: Vec<&str> = user.split_whitespace().collect();
    match words.as_slice() {
        [] => "User".into(),
        [one] if one.chars().count() <= 4 && one.chars().all(char::is_alphanumeric) => {
            one.to_uppercase()
        }
        [_] => "User".into(),
        many => many
            .iter()
            .filter_map(|w| w.chars().find(|c| c.is_alphabetic()))
            .flat_map(char::to_uppercase)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(start: usize, end: usize, label: &str) -> Replacement {
        Replacement {
            start,
            end,
            original: String::new(),
            label: label.into(),
            entity_id: "e".into(),
        }
    }

    #[test]
    fn offsets_follow_replacements() {
        let text = "Hello Ada Quill, we met at Northvale today.";
        let reps = vec![rep(6, 15, "[Participant P1]"), rep(27, 36, "[Site B]")];
        let red = crate::domain::redact::apply(text, &reps);
        let m = OffsetMap::new(&reps);
        // "we met" after the first name.
        let (s, e) = (17, 23);
        assert_eq!(char_slice(text, s, e), "we met");
        assert_eq!(char_slice(&red, m.start(s), m.end(e)), "we met");
        // A passage containing a name selects the label.
        assert_eq!(
            char_slice(&red, m.start(6), m.end(23)),
            "[Participant P1], we met"
        );
        // A passage starting or ending inside a name covers the whole label.
        assert_eq!(
            char_slice(&red, m.start(10), m.end(31)),
            "[Participant P1], we met at [Site B]"
        );
        // After everything.
        assert_eq!(char_slice(&red, m.start(37), m.end(42)), "today");
    }

    #[test]
    fn guids_are_stable_and_valid() {
        let a = derived_guid("case", "x");
        assert_eq!(a, derived_guid("case", "x"));
        assert_ne!(a, derived_guid("source", "x"));
        assert!(super::super::codebook::is_guid(&a));
    }

    #[test]
    fn initials() {
        assert_eq!(user_initials("Ottoline Investigator"), "OI");
        assert_eq!(user_initials("ae"), "AE");
        assert_eq!(user_initials("ottoline"), "User");
        assert_eq!(user_initials(""), "User");
    }
}
