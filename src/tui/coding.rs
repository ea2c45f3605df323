//! The analysis panes — Search, Viewer (a transcript with keyboard passage selection),
//! Matrix and Analysis — and the quotes shown in Themes: their state and `command`. Pure
//! like `app`: no IO; `coding_io` carries out what they ask through the service layer.

use std::cell::Cell;
use std::collections::HashMap;

use super::app::{clamp_move, cycle, Effect, FormKind, Mode, Pane, State, Write};
use super::widgets::form::{Field, Form};
use crate::domain::{Session, ThemeStatus};
use crate::service::coding::{
    CooccurrenceRow, FrequencyRow, Matrix, Quote, QuoteFilter, Saturation, TranscriptView,
};
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
    /// Themes: filter the quotes by site, phase, role category.
    QuoteSite,
    QuotePhase,
    QuoteCategory,
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

    fn is_space(&self, i: usize) -> bool {
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
    fn starts(&self) -> Vec<usize> {
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
    pub quotes: Vec<Quote>,
    pub quote_filter: QuoteFilter,
}

/// Theme choices for the tag form: the active themes, by path.
fn theme_options(s: &State, none: Option<&str>) -> Vec<(String, String)> {
    let mut v = s.active_theme_options();
    if let Some(label) = none {
        v.insert(0, (String::new(), label.to_string()));
    }
    v
}

/// A typed query changed: the hits follow right after the frame (keys typed meanwhile
/// fold into one search).
pub fn search_typed(s: &mut State) -> Option<Effect> {
    s.coding.search.sel = 0;
    s.queue(super::app::Slow::Search, true);
    None
}

fn need_viewer(s: &mut State) -> Option<&mut Viewer> {
    if s.coding.viewer.is_none() {
        s.error("no transcript open: press Enter on a search hit, a passage, or i/I in Transcripts to import one");
    }
    s.coding.viewer.as_mut()
}

/// (tag id, theme) of the passages at the Viewer's cursor; an error line when none.
fn tags_at_cursor(s: &mut State) -> Option<Vec<(String, String)>> {
    let v = need_viewer(s)?;
    let here: Vec<(String, String)> = v
        .passages_at(v.cursor)
        .iter()
        .map(|p| (p.id.clone(), p.theme.clone()))
        .collect();
    if here.is_empty() {
        s.error("the cursor is not on a tagged passage (n/N go to one)");
        return None;
    }
    Some(here)
}

/// Vertical movement in the analysis panes (from the list keys).
pub fn move_sel(s: &mut State, d: isize, abs: Option<usize>) -> Option<Effect> {
    match s.pane {
        Pane::Search => {
            let n = s.coding.search.hits.len();
            s.coding.search.sel = clamp_move(s.coding.search.sel, n, d, abs);
        }
        Pane::Viewer => {
            let v = s.coding.viewer.as_mut()?;
            let n = v.view.turns.len();
            let t = clamp_move(v.turn_at(v.cursor), n, d, abs);
            v.cursor = v.turn_start(t);
        }
        Pane::Matrix => {
            let n = s.coding.matrix.rows().len();
            let before = s.coding.matrix.row;
            s.coding.matrix.row = clamp_move(before, n, d, abs);
            if before != s.coding.matrix.row {
                s.coding.matrix.passages = None;
            }
        }
        Pane::Analysis => {
            let a = &mut s.coding.analysis;
            let n = match a.view {
                AnalysisView::Saturation => a.saturation.as_ref().map_or(0, |x| x.points.len()),
                AnalysisView::Frequency => a.frequency.len(),
                AnalysisView::Cooccurrence => a.cooccurrence.len(),
            };
            a.sel = clamp_move(a.sel, n, d, abs);
        }
        _ => {}
    }
    None
}

pub fn command(s: &mut State, cmd: CodingCmd) -> Option<Effect> {
    use CodingCmd as C;
    match cmd {
        C::Query => {
            // `/` starts a new query (the last one is dropped, and its hits with it).
            s.mode = Mode::Search;
            if !s.coding.search.query.is_empty() {
                s.coding.search.query.clear();
                return search_typed(s);
            }
            None
        }
        C::OpenHit => {
            let h = s.coding.search.hits.get(s.coding.search.sel)?.clone();
            // Transcript turns, and memos on passages, open in the Viewer.
            if h.transcript_id.is_some() && h.char_start.is_some() {
                // The first highlighted word of the snippet (a memo's words are not in
                // the text: its passage's start is the place).
                let word = (h.kind == "transcript")
                    .then(|| h.snippet.split('\u{E000}').nth(1))
                    .flatten()
                    .and_then(|x| x.split('\u{E001}').next())
                    .map(str::to_string);
                Some(Effect::Coding(CodingEffect::Open {
                    session: h.session_id,
                    at: h.char_start.map(|c| c as usize),
                    word,
                }))
            } else {
                Some(Effect::Coding(CodingEffect::ShowSession(h.session_id)))
            }
        }
        C::SearchSite => {
            let all = s.site_codes();
            s.coding.search.filter.site = cycle(&s.coding.search.filter.site, &all);
            search_typed(s)
        }
        C::SearchPhase => {
            let all = s.phase_numbers();
            s.coding.search.filter.phase = cycle(&s.coding.search.filter.phase, &all);
            search_typed(s)
        }
        C::SearchCategory => {
            let all = s.category_codes();
            s.coding.search.filter.role_category =
                cycle(&s.coding.search.filter.role_category, &all);
            search_typed(s)
        }
        C::SearchTheme => {
            let ids: Vec<String> = s
                .themes
                .iter()
                .filter(|t| t.status == ThemeStatus::Active)
                .map(|t| t.id.clone())
                .collect();
            let next = cycle(&s.coding.search.filter.theme_id, &ids);
            s.coding.search.theme_label = next
                .as_ref()
                .and_then(|id| s.themes.iter().find(|t| t.id == *id))
                .map(|t| t.path.clone());
            s.coding.search.filter.theme_id = next;
            search_typed(s)
        }
        C::SearchExact => {
            s.coding.search.filter.exact = !s.coding.search.filter.exact;
            search_typed(s)
        }
        C::SearchClear => {
            s.coding.search = SearchState::default();
            None
        }
        C::NextWord | C::PrevWord => {
            let v = need_viewer(s)?;
            v.cursor = if cmd == C::NextWord {
                v.next_word(v.cursor)
            } else {
                v.prev_word(v.cursor)
            };
            None
        }
        C::Select => {
            let v = need_viewer(s)?;
            v.anchor = match v.anchor {
                Some(_) => None,
                None => Some(v.cursor),
            };
            let on = v.anchor.is_some();
            s.info(if on {
                "selecting: move with w/b/→/← or j/k, Enter tags, Esc drops"
            } else {
                "selection dropped"
            });
            None
        }
        C::SelectTurn => {
            let v = need_viewer(s)?;
            let t = v.turn_at(v.cursor);
            let turn = v.view.turns.get(t)?;
            let (a, mut e) = (v.turn_start(t), turn.end_char as usize);
            while e > a + 1 && v.is_space(e - 1) {
                e -= 1;
            }
            v.anchor = Some(a);
            v.cursor = v.word_start(e.saturating_sub(1));
            None
        }
        C::Unselect => {
            if let Some(v) = s.coding.viewer.as_mut() {
                v.anchor = None;
            }
            None
        }
        C::TagSelection => {
            let v = need_viewer(s)?;
            let Some((start, end)) = v.selection() else {
                s.error(
                    "select a passage first: v starts a selection at the cursor, V takes the turn",
                );
                return None;
            };
            let session = v.session.id.clone();
            let quote = v.text_of(start, end);
            let first = s
                .marked
                .first()
                .cloned()
                .or_else(|| s.current_theme().map(|t| t.id.clone()))
                .unwrap_or_default();
            let second = s.marked.get(1).cloned().unwrap_or_default();
            let third = s.marked.get(2).cloned().unwrap_or_default();
            let words = quote.split_whitespace().count();
            let f = Form::new(
                format!(
                    "Tag {words} word(s): “{}”",
                    super::widgets::text::fit(&quote, 60)
                ),
                vec![
                    Field::choice("theme", "Theme", theme_options(s, None)).with(first),
                    Field::choice("theme2", "Also theme", theme_options(s, Some("—"))).with(second),
                    Field::choice("theme3", "Also theme", theme_options(s, Some("—"))).with(third),
                    Field::text("memo", "Memo").pii(),
                ],
            );
            s.open_form(
                FormKind::TagPassage {
                    session,
                    start,
                    end,
                },
                f,
            );
            None
        }
        C::NextPassage | C::PrevPassage => {
            let v = need_viewer(s)?;
            let starts = v.starts();
            let cur = v.cursor;
            let to = if cmd == C::NextPassage {
                starts.iter().copied().find(|x| *x > cur)
            } else {
                starts.iter().rev().copied().find(|x| *x < cur)
            };
            match to {
                Some(i) => {
                    v.cursor = i;
                    None
                }
                None => {
                    s.info(if starts.is_empty() {
                        "no tagged passages in this transcript"
                    } else if cmd == C::NextPassage {
                        "no tagged passage after the cursor"
                    } else {
                        "no tagged passage before the cursor"
                    });
                    None
                }
            }
        }
        C::Memo => {
            let v = need_viewer(s)?;
            let here = v.passages_at(v.cursor);
            let Some(p) = here.first() else {
                s.error("the cursor is not on a tagged passage (n/N go to one)");
                return None;
            };
            let ids: Vec<String> = v
                .view
                .passages
                .iter()
                .filter(|x| x.span_start == p.span_start && x.span_end == p.span_end)
                .map(|x| x.id.clone())
                .collect();
            let memo = p.memo.clone().unwrap_or_default();
            let f = Form::new(
                "Memo on the passage (empty clears it)",
                vec![Field::text("memo", "Memo").pii().with(memo)],
            );
            s.open_form(FormKind::PassageMemo { ids }, f);
            None
        }
        C::RemovePassage => {
            let here = tags_at_cursor(s)?;
            let names: Vec<String> = here.iter().map(|x| x.1.clone()).collect();
            let q = format!(
                "Remove the tag(s) {} from this passage? The text stays; the audit log keeps a record.",
                names.join(", ")
            );
            s.ask(
                q,
                Write::Untag {
                    ids: here.into_iter().map(|x| x.0).collect(),
                },
            );
            None
        }
        C::AcceptPassage => {
            let v = need_viewer(s)?;
            let changed: Vec<String> = v
                .passages_at(v.cursor)
                .iter()
                .filter(|p| p.anchor == "changed")
                .map(|p| p.id.clone())
                .collect();
            if changed.is_empty() {
                s.error("no changed passage under the cursor (re-imports mark passages whose text was edited)");
                return None;
            }
            let q = format!(
                "Accept {} changed passage(s) at their new text? Their quotes change to what the re-imported transcript says.",
                changed.len()
            );
            s.ask(q, Write::AcceptPassages { ids: changed });
            None
        }
        C::Split => {
            let here = tags_at_cursor(s)?;
            let f = Form::new(
                "Split: move this passage's tag onto a new theme beside its theme",
                vec![
                    Field::choice("tag", "Tag", here),
                    Field::text("name", "New theme").required(),
                ],
            );
            s.open_form(FormKind::Split, f);
            None
        }
        C::Left | C::Right => {
            let n = s
                .coding
                .matrix
                .matrix
                .as_ref()
                .map_or(0, |m| m.themes.len());
            let m = &mut s.coding.matrix;
            let before = m.col;
            m.col = if cmd == C::Left {
                m.col.saturating_sub(1)
            } else {
                (m.col + 1).min(n.saturating_sub(1))
            };
            if before != m.col {
                m.passages = None;
            }
            None
        }
        C::Phase => {
            let all = s.phase_numbers();
            if s.pane == Pane::Analysis {
                s.coding.analysis.phase = cycle(&s.coding.analysis.phase, &all);
                return Some(Effect::Load(Pane::Analysis));
            }
            let m = &mut s.coding.matrix;
            m.set_phase(cycle(&m.phase, &all));
            m.row = 0;
            m.passages = None;
            None
        }
        C::CellPassages => {
            if s.coding.matrix.passages.is_some() {
                s.coding.matrix.passages = None;
                return None;
            }
            s.coding.matrix.cell_key()?;
            Some(Effect::Coding(CodingEffect::CellPassages))
        }
        C::EditSummary => {
            let (pid, tid, phase) = s.coding.matrix.cell_key()?;
            let m = s.coding.matrix.matrix.as_ref()?;
            let code = m
                .cases
                .iter()
                .find(|c| c.participant_id == pid)
                .map(|c| c.code.clone())
                .unwrap_or_default();
            let theme = m
                .themes
                .iter()
                .find(|t| t.id == tid)
                .map(|t| t.path.clone())
                .unwrap_or_default();
            let cur = s
                .coding
                .matrix
                .cell(&pid, &tid, phase)
                .and_then(|c| c.summary.clone())
                .unwrap_or_default();
            let f = Form::new(
                format!("Summary: {code} × {theme}, phase {phase} (empty clears it)"),
                vec![Field::text("summary", "Summary").with(cur)],
            );
            s.open_form(
                FormKind::Summary {
                    participant: pid,
                    theme: tid,
                    phase,
                },
                f,
            );
            None
        }
        C::OpenPassage => {
            let p = s.coding.matrix.passages.as_ref().and_then(|v| v.first());
            match p {
                Some(p) => Some(Effect::Coding(CodingEffect::Open {
                    session: p.session_id.clone(),
                    at: Some(p.span_start as usize),
                    word: None,
                })),
                None => {
                    s.coding.matrix.cell_key()?;
                    s.info("no passages in this cell");
                    None
                }
            }
        }
        C::NextView => {
            let a = &mut s.coding.analysis;
            a.view = match a.view {
                AnalysisView::Saturation => AnalysisView::Frequency,
                AnalysisView::Frequency => AnalysisView::Cooccurrence,
                AnalysisView::Cooccurrence => AnalysisView::Saturation,
            };
            a.sel = 0;
            None
        }
        C::Rule => {
            let a = &s.coding.analysis;
            let (base, run, thr) = match &a.saturation {
                Some(x) => (x.base, x.run, x.threshold),
                None => (
                    a.base.unwrap_or(6),
                    a.run.unwrap_or(3),
                    a.threshold.unwrap_or(0.05),
                ),
            };
            let f = Form::new(
                "Stopping rule (Guest, Namey and Chen 2020)",
                vec![
                    Field::number("base", "Base size (interviews)")
                        .required()
                        .with(base.to_string()),
                    Field::number("run", "Run length (interviews)")
                        .required()
                        .with(run.to_string()),
                    Field::text("threshold", "New-information threshold (%)")
                        .required()
                        .with(format!("{}", thr * 100.0)),
                ],
            );
            s.open_form(FormKind::Rule, f);
            None
        }
        C::QuoteSite => {
            let all = s.site_codes();
            s.coding.quote_filter.site = cycle(&s.coding.quote_filter.site, &all);
            Some(Effect::Detail(Pane::Themes))
        }
        C::QuotePhase => {
            let all = s.phase_numbers();
            s.coding.quote_filter.phase = cycle(&s.coding.quote_filter.phase, &all);
            Some(Effect::Detail(Pane::Themes))
        }
        C::QuoteCategory => {
            let all = s.category_codes();
            s.coding.quote_filter.role_category = cycle(&s.coding.quote_filter.role_category, &all);
            Some(Effect::Detail(Pane::Themes))
        }
        C::Import => {
            let Some(t) = s.transcripts.current() else {
                s.error("no interview selected");
                return None;
            };
            if t.transcript.is_none() {
                s.error("no file is linked to this interview: l links one");
                return None;
            }
            let w = Write::ImportTranscript {
                sid: t.session_id.clone(),
            };
            if t.words.is_some() {
                // A re-import replaces the text: tagged passages are re-anchored (some may
                // change or be lost), so it asks first.
                let q = format!(
                    "Re-import the transcript of {} ({})? Its text is replaced; {} tagged passage(s) are re-anchored and any whose text is gone are reported lost.",
                    t.date,
                    t.participants.join(", "),
                    t.passages
                );
                s.ask(q, w);
                return None;
            }
            Some(Effect::Write(w))
        }
        C::ImportAll => {
            s.ask(
                "Import every transcript file under the transcripts root that the naming pattern matches (all in one transaction)?".into(),
                Write::ImportAll,
            );
            None
        }
        C::OpenTranscript => {
            let t = s.transcripts.current()?;
            if t.words.is_none() {
                let m = if t.transcript.is_some() {
                    "its text is not imported yet: i imports it (I imports every file)"
                } else {
                    "no transcript is linked to this interview: l links one"
                };
                s.error(m);
                return None;
            }
            Some(Effect::Coding(CodingEffect::Open {
                session: t.session_id.clone(),
                at: None,
                word: None,
            }))
        }
    }
}

/// The stopping-rule form's values, or the field and message of the first bad one.
pub fn rule_values(f: &Form) -> Result<(usize, usize, f64), (&'static str, String)> {
    let base = f.number("base").filter(|n| *n >= 1);
    let run = f.number("run").filter(|n| *n >= 1);
    let thr = f
        .get("threshold")
        .trim_end_matches('%')
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|t| (0.0..=100.0).contains(t));
    match (base, run, thr) {
        (None, _, _) => Err(("base", "a whole number of interviews, at least 1".into())),
        (_, None, _) => Err(("run", "a whole number of interviews, at least 1".into())),
        (_, _, None) => Err(("threshold", "a percentage from 0 to 100".into())),
        (Some(b), Some(r), Some(t)) => Ok((b as usize, r as usize, t / 100.0)),
    }
}
