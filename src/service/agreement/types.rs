//! The agreement's query, figures and report, the settle choices, and the character index
//! passages are compared on.

use std::collections::HashSet;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::agreement::{CharTable, Side};

/// What to compare.
#[derive(Debug, Clone, Default)]
pub struct AgreementQuery {
    /// The two coders (else the two coders of passage tags, if there are exactly two).
    pub coders: Option<(String, String)>,
    /// Only this theme.
    pub theme: Option<String>,
    /// Only this interview.
    pub interview: Option<String>,
}

/// The figures of one character table.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Figures {
    pub table: CharTable,
    pub percent_agreement: Option<f64>,
    pub positive_agreement: Option<f64>,
    pub kappa: Option<f64>,
    pub alpha: Option<f64>,
}

impl Figures {
    pub fn of(table: CharTable) -> Figures {
        Figures {
            percent_agreement: table.percent_agreement(),
            positive_agreement: table.positive_agreement(),
            kappa: table.kappa(),
            alpha: table.alpha(),
            table,
        }
    }
}

/// One theme's agreement.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeAgreement {
    pub theme_id: String,
    pub theme: String,
    #[serde(flatten)]
    pub figures: Figures,
    /// Passage tags of each coder on the compared transcripts.
    pub tags_a: usize,
    pub tags_b: usize,
    pub disagreements: usize,
}

/// A compared transcript.
#[derive(Debug, Clone, Serialize)]
pub struct ComparedTranscript {
    pub session_id: String,
    pub transcript_id: String,
    pub interview: String,
    pub sha256: String,
    pub chars: u64,
}

/// A transcript left out, and why.
#[derive(Debug, Clone, Serialize)]
pub struct ExcludedTranscript {
    pub session_id: String,
    pub transcript_id: String,
    pub interview: String,
    /// `only-a`, `only-b` or `different-text`.
    pub reason: String,
    pub detail: String,
}

/// A run of characters only one coder coded.
#[derive(Debug, Clone, Serialize)]
pub struct DisagreeingSpan {
    pub start: u64,
    pub end: u64,
    /// `a-only` or `b-only`.
    pub side: Side,
    /// The coder who coded it.
    pub coder: String,
    /// The transcript's text (raw: this is for the team, not an export).
    pub text: String,
}

/// A disagreement: overlapping tags of one theme on one transcript whose coding differs.
/// Settling acts on all of them at once.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    /// Stable while the tags are unchanged: settle with it.
    pub key: String,
    pub theme_id: String,
    pub theme: String,
    pub session_id: String,
    pub transcript_id: String,
    pub interview: String,
    pub start: u64,
    pub end: u64,
    pub tags_a: Vec<String>,
    pub tags_b: Vec<String>,
    pub spans: Vec<DisagreeingSpan>,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub coder_a: String,
    pub coder_b: String,
    pub transcripts: Vec<ComparedTranscript>,
    pub excluded: Vec<ExcludedTranscript>,
    pub units: u64,
    /// By theme, in codebook order.
    pub themes: Vec<ThemeAgreement>,
    pub pooled: Figures,
    pub disagreements: Vec<Disagreement>,
}

/// How to settle a disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Settle {
    /// Coder A's coding stands: B's tags there are replaced by copies of A's.
    KeepA,
    /// Coder B's coding stands.
    KeepB,
    /// Both codings stand: each coder gets copies of the other's tags there.
    KeepBoth,
    /// One passage over the whole disagreement, for each coder.
    Merge,
}

impl Settle {
    pub fn as_str(self) -> &'static str {
        match self {
            Settle::KeepA => "keep-a",
            Settle::KeepB => "keep-b",
            Settle::KeepBoth => "keep-both",
            Settle::Merge => "merge",
        }
    }
}

impl std::str::FromStr for Settle {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a" | "keep-a" => Ok(Settle::KeepA),
            "b" | "keep-b" => Ok(Settle::KeepB),
            "both" | "keep-both" => Ok(Settle::KeepBoth),
            "merge" => Ok(Settle::Merge),
            other => Err(format!(
                "`{other}` is not a way to settle; use a, b, both or merge"
            )),
        }
    }
}

/// What settling did.
#[derive(Debug, Clone, Serialize)]
pub struct SettleOutcome {
    pub key: String,
    pub settle: Settle,
    pub deleted: Vec<String>,
    pub created: Vec<String>,
}

/// A settling as [`crate::service::Fieldwork::settle_undoable`] did it: the outcome, and
/// the passage tags it deleted and made, every column as they were, for its undo.
#[derive(Debug, Clone)]
pub struct Settled {
    pub outcome: SettleOutcome,
    pub deleted: Vec<crate::store::themes::RawRow>,
    pub created: Vec<crate::store::themes::RawRow>,
}

/// The stable key of a group of tags.
pub(super) fn key_of(transcript: &str, theme: &str, ids: &mut [String]) -> String {
    ids.sort();
    let mut h = Sha256::new();
    h.update(transcript.as_bytes());
    h.update(b"\0");
    h.update(theme.as_bytes());
    for id in ids.iter() {
        h.update(b"\0");
        h.update(id.as_bytes());
    }
    let d = h.finalize();
    d.iter().take(5).map(|b| format!("{b:02x}")).collect()
}

/// Character offset → byte offset, for slicing many runs out of one text.
pub(super) struct CharIndex {
    pub(super) text: String,
    pub(super) bytes: Vec<usize>,
}

impl CharIndex {
    pub(super) fn new(text: String) -> Self {
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        CharIndex { text, bytes }
    }
    pub(super) fn slice(&self, start: u64, end: u64) -> &str {
        let n = self.bytes.len() - 1;
        let (s, e) = ((start as usize).min(n), (end as usize).min(n));
        &self.text[self.bytes[s]..self.bytes[e.max(s)]]
    }
}

/// A transcript read for [`Fieldwork::add_coded_passages`]: its text, its id, and the
/// (theme, start, end, coder) of the passages it has.
pub(super) type Loaded = (CharIndex, String, HashSet<(String, i64, i64, String)>);

/// A passage tag to add with a given coder (reading codings back from a REFI-QDA project).
#[derive(Debug, Clone)]
pub struct CodedPassage {
    pub session_id: String,
    pub theme_id: String,
    /// Character offsets in the transcript's text.
    pub start: usize,
    pub end: usize,
    pub coder: String,
}
