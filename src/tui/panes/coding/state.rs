//! The analysis panes — Search, Viewer (a transcript with keyboard passage selection),
//! Matrix and Analysis — and the quotes shown in Themes: their state and `command`. Pure
//! like `app`: no IO; `coding_io` carries out what they ask through the service layer.

use std::cell::Cell;
use std::collections::HashMap;

use crate::domain::Session;
use crate::service::coding::{CooccurrenceRow, FrequencyRow, Matrix, Saturation, TranscriptView};
use crate::service::coding::{Hit, PassageRow, SearchFilter};

/// Commands of the analysis panes (bound in `keymap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodingCmd {
    /// Search: type the query.
    Query,
    /// Search: open the selected hit (transcript → Viewer, note → Sessions).
    OpenHit,
    SearchSite,
    SearchPhase,
    SearchCategory,
    SearchTheme,
    /// Search: words exactly as written, or any form of them (toggles).
    SearchExact,
    SearchClear,
    /// Viewer: cursor one word on or back.
    NextWord,
    PrevWord,
    /// Viewer: start a selection at the cursor, or drop it.
    Select,
    /// Viewer: select the whole turn under the cursor.
    SelectTurn,
    /// Viewer: drop the selection.
    Unselect,
    /// Viewer: tag the selection with themes (a form with a memo).
    TagSelection,
    NextPassage,
    PrevPassage,
    /// Viewer: write the memo of the passage under the cursor.
    Memo,
    /// Viewer: remove the passage under the cursor (asks to confirm).
    RemovePassage,
    /// Viewer: accept a passage re-anchored after a re-import.
    AcceptPassage,
    /// Viewer: split — move a tag of the passage at the cursor onto a new theme beside
    /// its theme.
    Split,
    /// Matrix: previous/next theme column.
    Left,
    Right,
    /// Matrix and Analysis: cycle the phase shown.
    Phase,
    /// Matrix: show the passages of the cell.
    CellPassages,
    /// Matrix: edit the cell's summary.
    EditSummary,
    /// Matrix: open the cell's first passage (or the shown one) in the Viewer.
    OpenPassage,
    /// Analysis: saturation, frequency, co-occurrence.
    NextView,
    /// Analysis: change the stopping rule.
    Rule,
    /// Transcripts: open the selected interview's imported text in the Viewer.
    OpenTranscript,
    /// Transcripts: import the selected interview's linked file; every linked file.
    Import,
    ImportAll,
}

/// What the analysis panes ask the loop to do (beyond loads and writes).
#[derive(Debug, Clone)]
pub enum CodingEffect {
    /// Open an interview's transcript in the Viewer with the cursor at a character (on
    /// `word` when it is in that turn).
    Open {
        session: String,
        at: Option<usize>,
        word: Option<String>,
    },
    /// Load the passages behind the selected matrix cell.
    CellPassages,
    /// Open a Sessions row (a note hit).
    ShowSession(String),
}

#[derive(Debug, Clone, Default)]
pub struct SearchState {
    pub query: String,
    pub filter: SearchFilter,
    /// The theme filter's path, for display.
    pub theme_label: Option<String>,
    pub hits: Vec<Hit>,
    /// Hits with identifiers masked (privacy mode).
    pub masked: Vec<String>,
    pub sel: usize,
    /// False while only the first hits in interview order are shown (a common term); the
    /// ranked list follows right after the frame.
    pub ranked: bool,
    /// The query the hits are for.
    pub shown_for: String,
    pub millis: u128,
}

/// No passage at this character (`Viewer::passage_of`).
pub const NO_PASSAGE: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub struct Viewer {
    pub session: Session,
    pub view: TranscriptView,
    pub chars: Vec<char>,
    /// Per character: masked in privacy mode (an identifier).
    pub masked: Vec<bool>,
    /// Per character: the passage (index into `view.passages`) whose colour it shows —
    /// the first not lost that covers it — or `NO_PASSAGE`.
    pub passage_of: Vec<u32>,
    pub cursor: usize,
    pub anchor: Option<usize>,
    /// First turn drawn, kept by the view so the cursor stays on screen.
    pub top: Cell<usize>,
}

impl Viewer {
    /// The viewer on `view`; `masks` are the character ranges privacy mode hides.
    pub fn new(session: Session, view: TranscriptView, masks: Vec<(usize, usize)>) -> Viewer {
        let chars: Vec<char> = view.turns.iter().flat_map(|t| t.text.chars()).collect();
        let n = chars.len();
        let mut masked = vec![false; n];
        for (a, b) in masks {
            if a < b {
                masked[a.min(n)..b.min(n)].fill(true);
            }
        }
        let mut passage_of = vec![NO_PASSAGE; n];
        for (k, p) in view.passages.iter().enumerate() {
            if p.anchor == "lost" {
                continue;
            }
            let (a, b) = (p.span_start.max(0) as usize, p.span_end.max(0) as usize);
            if a >= b {
                continue;
            }
            for slot in &mut passage_of[a.min(n)..b.min(n)] {
                if *slot == NO_PASSAGE {
                    *slot = k as u32;
                }
            }
        }
        Viewer {
            session,
            view,
            chars,
            masked,
            passage_of,
            cursor: 0,
            anchor: None,
            top: Cell::new(0),
        }
    }

    pub(crate) fn is_space(&self, i: usize) -> bool {
        self.chars.get(i).is_none_or(|c| c.is_whitespace())
    }

    /// Start of the word at or before `i`.
    pub fn word_start(&self, mut i: usize) -> usize {
        i = i.min(self.chars.len());
        while i > 0 && !self.is_space(i - 1) && !self.is_space(i) {
            i -= 1;
        }
        i
    }

    /// End (exclusive) of the word at `i`.
    pub fn word_end(&self, mut i: usize) -> usize {
        while i < self.chars.len() && !self.is_space(i) {
            i += 1;
        }
        i
    }

    pub fn next_word(&self, i: usize) -> usize {
        let mut j = self.word_end(i);
        while j < self.chars.len() && self.is_space(j) {
            j += 1;
        }
        if j >= self.chars.len() {
            self.word_start(self.chars.len().saturating_sub(1))
        } else {
            j
        }
    }

    pub fn prev_word(&self, i: usize) -> usize {
        let mut j = self.word_start(i);
        while j > 0 && self.is_space(j - 1) {
            j -= 1;
        }
        if j == 0 {
            0
        } else {
            self.word_start(j - 1)
        }
    }

    /// The turn the character is in.
    pub fn turn_at(&self, i: usize) -> usize {
        let i = i as i64;
        self.view
            .turns
            .iter()
            .position(|t| i >= t.start_char && i < t.end_char)
            .unwrap_or_else(|| self.view.turns.len().saturating_sub(1))
    }

    /// Length of the `Speaker:` label a turn's text starts with (plain-text transcripts
    /// keep it in the text), 0 when there is none.
    pub fn label_len(&self, t: usize) -> usize {
        let Some(turn) = self.view.turns.get(t) else {
            return 0;
        };
        let Some(sp) = turn.speaker.as_deref().filter(|x| !x.is_empty()) else {
            return 0;
        };
        let text = turn.text.trim_start();
        let lead = turn.text.chars().count() - text.chars().count();
        match text.strip_prefix(sp) {
            Some(rest) if rest.starts_with(':') => lead + sp.chars().count() + 1,
            _ => 0,
        }
    }

    /// The first word of a turn (after its speaker label).
    pub fn turn_start(&self, t: usize) -> usize {
        let Some(turn) = self.view.turns.get(t) else {
            return 0;
        };
        let mut i = turn.start_char as usize + self.label_len(t);
        while i < turn.end_char as usize && self.is_space(i) {
            i += 1;
        }
        i.min(self.chars.len().saturating_sub(1))
    }

    /// Put the cursor on the first occurrence of `word` in turn `t` (case-insensitive),
    /// else at the turn's first word; show the turn near the top.
    pub fn goto(&mut self, at: usize, word: Option<&str>) {
        let at = at.min(self.chars.len().saturating_sub(1));
        let t = self.turn_at(at);
        self.cursor = self.turn_start(t);
        if let (Some(w), Some(turn)) = (word, self.view.turns.get(t)) {
            let w: Vec<char> = w.to_lowercase().chars().collect();
            let lower: Vec<char> = turn.text.to_lowercase().chars().collect();
            if !w.is_empty() && lower.len() == turn.text.chars().count() {
                if let Some(i) = lower.windows(w.len()).position(|x| x == w.as_slice()) {
                    self.cursor = self.word_start(turn.start_char as usize + i);
                }
            }
        }
        self.top.set(t.saturating_sub(1));
    }

    /// The selected span [start, end): whole words from the anchor to the cursor.
    pub fn selection(&self) -> Option<(usize, usize)> {
        let a = self.anchor?;
        let (lo, hi) = if a <= self.cursor {
            (a, self.cursor)
        } else {
            (self.cursor, a)
        };
        let s = self.word_start(lo);
        let e = self.word_end(hi).max(s + 1).min(self.chars.len());
        Some((s, e))
    }

    /// Passages covering the cursor (one row per theme), innermost first, then by theme.
    pub fn passages_at(&self, i: usize) -> Vec<&PassageRow> {
        let i = i as i64;
        let mut v: Vec<&PassageRow> = self
            .view
            .passages
            .iter()
            .filter(|p| p.anchor != "lost" && p.span_start <= i && i < p.span_end)
            .collect();
        v.sort_by(|a, b| {
            (a.span_end - a.span_start, &a.theme).cmp(&(b.span_end - b.span_start, &b.theme))
        });
        v
    }

    /// Distinct passage starts, in text order.
    pub(crate) fn starts(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .view
            .passages
            .iter()
            .filter(|p| p.anchor != "lost")
            .map(|p| p.span_start as usize)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    pub fn text_of(&self, s: usize, e: usize) -> String {
        self.chars[s.min(self.chars.len())..e.min(self.chars.len())]
            .iter()
            .collect()
    }
}

#[derive(Debug, Clone, Default)]
pub struct MatrixState {
    /// Set with `set_matrix`, which also builds the rows shown and the cell index.
    pub matrix: Option<Matrix>,
    /// None: every phase, one row per case and phase. Set with `set_phase`.
    pub phase: Option<u32>,
    pub row: usize,
    pub col: usize,
    /// Passages behind the selected cell, when asked for.
    pub passages: Option<Vec<PassageRow>>,
    /// The rows shown (cases by site and code, each in its phases), built once per load.
    shown: Vec<MatrixRow>,
    /// (participant id, theme id, phase) → index into `matrix.cells`.
    cells_at: HashMap<(String, String, u32), usize>,
}

/// One row of the matrix as shown: a case in a phase.
#[derive(Debug, Clone)]
pub struct MatrixRow {
    pub case: usize,
    pub phase: u32,
}

impl MatrixState {
    /// A freshly loaded matrix: index its cells and build the rows shown.
    pub fn set_matrix(&mut self, m: Matrix) {
        self.cells_at = m
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| ((c.participant_id.clone(), c.theme_id.clone(), c.phase), i))
            .collect();
        self.matrix = Some(m);
        self.shown = self.build_rows();
    }

    /// Show one phase (or all): the rows shown follow.
    pub fn set_phase(&mut self, phase: Option<u32>) {
        self.phase = phase;
        self.shown = self.build_rows();
    }

    /// The rows shown.
    pub fn rows(&self) -> &[MatrixRow] {
        &self.shown
    }

    fn build_rows(&self) -> Vec<MatrixRow> {
        let Some(m) = &self.matrix else {
            return Vec::new();
        };
        let mut order: Vec<usize> = (0..m.cases.len()).collect();
        order.sort_by(|a, b| {
            let (x, y) = (&m.cases[*a], &m.cases[*b]);
            (&x.site, &x.code).cmp(&(&y.site, &y.code))
        });
        let mut out = Vec::new();
        for i in order {
            let c = &m.cases[i];
            for ph in &c.phases {
                if self.phase.is_none_or(|p| p == *ph) {
                    out.push(MatrixRow {
                        case: i,
                        phase: *ph,
                    });
                }
            }
        }
        out
    }

    /// The first row shown whose case's export code or site contains `q` (lower case).
    pub fn find_case(&self, q: &str) -> Option<usize> {
        let m = self.matrix.as_ref()?;
        self.shown.iter().position(|r| {
            let c = &m.cases[r.case];
            c.code.to_lowercase().contains(q) || c.site.to_lowercase().contains(q)
        })
    }

    /// (participant id, theme id, phase) of the selected cell.
    pub fn cell_key(&self) -> Option<(String, String, u32)> {
        let m = self.matrix.as_ref()?;
        let r = self.rows().get(self.row).cloned()?;
        let t = m.themes.get(self.col)?;
        Some((
            m.cases[r.case].participant_id.clone(),
            t.id.clone(),
            r.phase,
        ))
    }

    pub fn cell(
        &self,
        pid: &str,
        tid: &str,
        phase: u32,
    ) -> Option<&crate::service::coding::MatrixCell> {
        let i = self
            .cells_at
            .get(&(pid.to_string(), tid.to_string(), phase))?;
        self.matrix.as_ref()?.cells.get(*i)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnalysisView {
    #[default]
    Saturation,
    Frequency,
    Cooccurrence,
}

#[derive(Debug, Clone, Default)]
pub struct AnalysisState {
    pub view: AnalysisView,
    pub base: Option<usize>,
    pub run: Option<usize>,
    pub threshold: Option<f64>,
    pub phase: Option<u32>,
    pub saturation: Option<Saturation>,
    pub frequency: Vec<FrequencyRow>,
    pub cooccurrence: Vec<CooccurrenceRow>,
    pub sel: usize,
    /// The views are being computed (after the frame).
    pub computing: bool,
}

/// A transcript to open in the Viewer: the session, where to put the cursor (a character,
/// and the word expected there), and whether this re-reads the open transcript (after a
/// write: the cursor and scroll stay where they are).
#[derive(Debug, Clone, Default)]
pub struct Opening {
    pub session: String,
    pub at: Option<usize>,
    pub word: Option<String>,
    pub reload: bool,
}

#[derive(Debug, Clone, Default)]
pub struct CodingState {
    /// What privacy mode masks in text, built on first use and dropped after any write
    /// (it reads every participant and the register).
    pub masks: Option<std::sync::Arc<crate::service::tui_rows::PrivacyMasks>>,
    pub search: SearchState,
    pub viewer: Option<Viewer>,
    /// The transcript the Viewer is opening (read, and masked, by the load worker); the
    /// pane says it is loading meanwhile.
    pub opening: Option<Opening>,
    pub matrix: MatrixState,
    pub analysis: AnalysisState,
}
