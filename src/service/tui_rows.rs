//! Lists shaped for the terminal interface (no UI here): a page of participants with their
//! consent in force, in one list query plus two indexed lookups per row.

use time::Date;

use super::consent::ConsentRow;
use super::{Fieldwork, Result};
use crate::domain::{consent_in_force, ConsentItem, Participant, ParticipantFilter};
use crate::store::consent as cstore;

impl Fieldwork {
    /// Participants (as `participants`) each with their consent at a glance on `date`.
    pub fn participants_with_consent(
        &self,
        filter: &ParticipantFilter,
        date: Date,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<(Participant, ConsentRow)>> {
        let people = self.participants(filter, offset, limit)?;
        let c = self.store.conn();
        let mut out = Vec::with_capacity(people.len());
        for p in people {
            let records = cstore::records(c, &p.id)?;
            let withdrawals = cstore::withdrawals(c, &p.id)?;
            let f = consent_in_force(&records, &withdrawals, date);
            let row = ConsentRow {
                participant_id: p.id.clone(),
                code: p.code.clone(),
                name: p.name.clone(),
                site: p.site.clone(),
                status: p.status,
                items: ConsentItem::ALL.iter().map(|i| (*i, f.item(*i))).collect(),
                records: records.len(),
                withdrawn: withdrawals.last().map(|w| w.scope),
            };
            out.push((p, row));
        }
        Ok(out)
    }
}

/// What privacy mode hides in transcript text: the redaction register's entries and
/// every direct identifier held in the database (names, and each capitalised part of a
/// name, emails, phones, organisations, job titles), found case-insensitively.
pub struct PrivacyMasks {
    redactor: Option<super::redaction::Redactor>,
    direct: Option<aho_corasick::AhoCorasick>,
}

impl std::fmt::Debug for PrivacyMasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivacyMasks").finish_non_exhaustive()
    }
}

impl PrivacyMasks {
    /// Character ranges of `text` to mask, sorted, possibly overlapping.
    pub fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = match &self.redactor {
            Some(r) => r.matches(text).iter().map(|m| (m.start, m.end)).collect(),
            None => Vec::new(),
        };
        if let Some(ac) = &self.direct {
            // Byte offsets to character offsets in one pass.
            let mut byte_to_char = vec![0usize; text.len() + 1];
            let mut n = 0;
            for (b, c) in text.char_indices() {
                for k in 0..c.len_utf8() {
                    byte_to_char[b + k] = n;
                }
                n += 1;
            }
            byte_to_char[text.len()] = n;
            for m in ac.find_iter(text) {
                out.push((byte_to_char[m.start()], byte_to_char[m.end()]));
            }
        }
        out.sort_unstable();
        out
    }

    /// `text` with every masked character (but spaces) shown as •.
    pub fn mask(&self, text: &str) -> String {
        let r = self.ranges(text);
        if r.is_empty() {
            return text.to_string();
        }
        text.chars()
            .enumerate()
            .map(|(i, c)| {
                if !c.is_whitespace() && r.iter().any(|(a, b)| i >= *a && i < *b) {
                    '•'
                } else {
                    c
                }
            })
            .collect()
    }
}

impl Fieldwork {
    /// The masks privacy mode applies to transcript text and search snippets.
    pub fn privacy_masks(&self) -> Result<PrivacyMasks> {
        let mut pats: Vec<String> = Vec::new();
        for s in self.direct_identifiers()? {
            for part in s.split_whitespace() {
                let letters = part.trim_matches(|c: char| !c.is_alphanumeric());
                if letters.chars().count() >= 3
                    && letters.chars().next().is_some_and(char::is_uppercase)
                {
                    pats.push(letters.to_string());
                }
            }
            pats.push(s);
        }
        pats.sort();
        pats.dedup();
        let direct = if pats.is_empty() {
            None
        } else {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(&pats)
                .ok()
        };
        Ok(PrivacyMasks {
            redactor: self.redactor().ok(),
            direct,
        })
    }
}
