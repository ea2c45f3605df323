//! Re-anchoring tagged passages when a transcript's text changes.
//!
//! A character diff maps old offsets to new ones. A passage whose text is untouched keeps
//! its quote (`Ok`, possibly at a new offset); one whose text was edited inside is kept on
//! the mapped span and flagged (`Changed`); one whose text was deleted entirely is `Lost` —
//! it keeps its quote and stays listed, never dropped silently.

use std::time::Duration;

use similar::{Algorithm, DiffOp, TextDiff};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Ok { start: usize, end: usize },
    Changed { start: usize, end: usize },
    Lost,
}

/// A passage as stored: character offsets and the quoted text.
#[derive(Debug, Clone)]
pub struct Passage<'a> {
    pub start: usize,
    pub end: usize,
    pub quote: &'a str,
}

/// Character counts of what a re-import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChangeSummary {
    pub inserted: usize,
    pub deleted: usize,
    pub unchanged: usize,
}

/// An old→new offset map built from a character diff.
pub struct OffsetMap {
    /// (old start, old len, new start, new len, equal?)
    ops: Vec<(usize, usize, usize, usize, bool)>,
    pub summary: ChangeSummary,
}

impl OffsetMap {
    pub fn new(old: &str, new: &str) -> OffsetMap {
        let diff = TextDiff::configure()
            .algorithm(Algorithm::Myers)
            .timeout(Duration::from_secs(3))
            .diff_chars(old, new);
        let mut ops = Vec::new();
        let mut summary = ChangeSummary::default();
        for op in diff.ops() {
            match *op {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => {
                    summary.unchanged += len;
                    ops.push((old_index, len, new_index, len, true));
                }
                DiffOp::Delete {
                    old_index,
                    old_len,
                    new_index,
                } => {
                    summary.deleted += old_len;
                    ops.push((old_index, old_len, new_index, 0, false));
                }
                DiffOp::Insert {
                    old_index,
                    new_index,
                    new_len,
                } => {
                    summary.inserted += new_len;
                    ops.push((old_index, 0, new_index, new_len, false));
                }
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    summary.deleted += old_len;
                    summary.inserted += new_len;
                    ops.push((old_index, old_len, new_index, new_len, false));
                }
            }
        }
        OffsetMap { ops, summary }
    }

    /// The new offset of an old one. A passage start inside a changed region maps to the
    /// region's new start; a passage end (exclusive) inside one maps to the region's new end.
    fn map(&self, pos: usize, is_end: bool) -> usize {
        let new_len = self
            .ops
            .last()
            .map(|&(_, _, ns, nl, _)| ns + nl)
            .unwrap_or(0);
        if is_end {
            if pos == 0 {
                return 0;
            }
            let p = pos - 1;
            for &(os, ol, ns, nl, eq) in &self.ops {
                if ol > 0 && os <= p && p < os + ol {
                    return if eq { ns + (p - os) + 1 } else { ns + nl };
                }
            }
            return new_len;
        }
        for &(os, ol, ns, _, eq) in &self.ops {
            if ol > 0 && os <= pos && pos < os + ol {
                return if eq { ns + (pos - os) } else { ns };
            }
        }
        new_len
    }

    /// Is the old range [start, end) untouched, with nothing inserted inside it?
    fn untouched(&self, start: usize, end: usize) -> bool {
        if start >= end {
            return false;
        }
        for &(os, ol, _, nl, eq) in &self.ops {
            let overlaps = os < end && start < os + ol;
            let inserts_inside = ol == 0 && nl > 0 && os > start && os < end;
            if (!eq && overlaps) || inserts_inside {
                return false;
            }
        }
        true
    }
}

/// Characters [start, end) of `s` (Unicode scalar values, as passages count them).
pub fn char_slice(s: &str, start: usize, end: usize) -> String {
    s.chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}

/// Find where each passage of `old` lands in `new`.
pub fn reanchor(old: &str, new: &str, passages: &[Passage<'_>]) -> (Vec<Anchor>, ChangeSummary) {
    let map = OffsetMap::new(old, new);
    let new_chars: Vec<char> = new.chars().collect();
    let out = passages
        .iter()
        .map(|p| {
            if map.untouched(p.start, p.end) {
                let s = map.map(p.start, false);
                return Anchor::Ok {
                    start: s,
                    end: s + (p.end - p.start),
                };
            }
            let s = map.map(p.start, false);
            let e = map.map(p.end, true).max(s);
            // The quote may still be there verbatim (moved by edits around it).
            if !p.quote.is_empty() {
                if let Some(found) = nearest_occurrence(&new_chars, p.quote, s) {
                    return Anchor::Ok {
                        start: found,
                        end: found + p.quote.chars().count(),
                    };
                }
            }
            if e > s && !char_slice(new, s, e).trim().is_empty() {
                Anchor::Changed { start: s, end: e }
            } else {
                Anchor::Lost
            }
        })
        .collect();
    (out, map.summary)
}

/// The occurrence of `needle` in `hay` nearest to char offset `near`.
fn nearest_occurrence(hay: &[char], needle: &str, near: usize) -> Option<usize> {
    let n: Vec<char> = needle.chars().collect();
    if n.is_empty() || n.len() > hay.len() {
        return None;
    }
    let mut best: Option<usize> = None;
    for i in 0..=hay.len() - n.len() {
        if hay[i] == n[0] && hay[i..i + n.len()] == n[..] {
            best = match best {
                Some(b) if b.abs_diff(near) <= i.abs_diff(near) => Some(b),
                _ => Some(i),
            };
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "Interviewer: How is quality planned?\n\nParticipant: We set priorities every spring with the board.\n\nInterviewer: Thanks.\n";

    fn passage(text: &str, quote: &str) -> (usize, usize) {
        let byte = text.find(quote).unwrap();
        let start = text[..byte].chars().count();
        (start, start + quote.chars().count())
    }

    fn check(new: &str, expect: &str) -> Anchor {
        let quote = "We set priorities every spring";
        let (s, e) = passage(OLD, quote);
        let (a, _) = reanchor(
            OLD,
            new,
            &[Passage {
                start: s,
                end: e,
                quote,
            }],
        );
        match a[0] {
            Anchor::Ok { start, end } | Anchor::Changed { start, end } => {
                assert_eq!(char_slice(new, start, end), expect, "{a:?}");
            }
            Anchor::Lost => assert_eq!(expect, "", "lost"),
        }
        a[0]
    }

    #[test]
    fn edit_before_the_passage_shifts_it() {
        let new = OLD.replace(
            "How is quality planned?",
            "Tell me — how is quality planned here?",
        );
        assert!(matches!(
            check(&new, "We set priorities every spring"),
            Anchor::Ok { .. }
        ));
    }

    #[test]
    fn insertion_right_before_the_passage_does_not_shift_it_onto_the_insert() {
        let new = OLD.replace("Participant: We set", "Participant: Well. We set");
        assert!(matches!(
            check(&new, "We set priorities every spring"),
            Anchor::Ok { .. }
        ));
    }

    #[test]
    fn edit_after_the_passage_keeps_it() {
        let new = OLD.replace("Thanks.", "Thank you very much, that is helpful.");
        assert!(matches!(
            check(&new, "We set priorities every spring"),
            Anchor::Ok { .. }
        ));
    }

    #[test]
    fn edit_inside_the_passage_is_kept_and_flagged() {
        let new = OLD.replace("every spring", "each autumn");
        assert!(matches!(
            check(&new, "We set priorities each autumn"),
            Anchor::Changed { .. }
        ));
    }

    #[test]
    fn deleted_passage_is_lost_not_dropped() {
        let new = OLD.replace("We set priorities every spring", "");
        assert_eq!(check(&new, ""), Anchor::Lost);
    }

    #[test]
    fn non_ascii_offsets_are_characters() {
        let old = "Café — naïve: quality matters.";
        let new = "Éclair! Café — naïve: quality matters.";
        let (s, e) = passage(old, "quality");
        let (a, sum) = reanchor(
            old,
            new,
            &[Passage {
                start: s,
                end: e,
                quote: "quality",
            }],
        );
        match a[0] {
            Anchor::Ok { start, end } => assert_eq!(char_slice(new, start, end), "quality"),
            other => panic!("{other:?}"),
        }
        assert_eq!(sum.inserted, 8);
    }
}
