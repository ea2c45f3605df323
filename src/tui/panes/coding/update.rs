//! The analysis panes' `command`: keys to state changes and effects.

use super::state::*;
use crate::domain::ThemeStatus;
use crate::service::transcripts::TranscriptRow;
use crate::tui::core::{clamp_move, cycle, Cx, Effect, FormKind, Mode, Pane, Write};
use crate::tui::panes::themes::state::ThemesState;
use crate::tui::widgets::form::{Field, Form};

/// Theme choices for the tag form: the active themes, by path.
fn theme_options(themes: &ThemesState, none: Option<&str>) -> Vec<(String, String)> {
    let mut v = themes.active_options();
    if let Some(label) = none {
        v.insert(0, (String::new(), label.to_string()));
    }
    v
}

/// A typed query changed: the hits follow right after the frame (keys typed meanwhile
/// fold into one search).
pub fn search_typed(cx: &mut Cx, st: &mut CodingState) -> Option<Effect> {
    st.search.sel = 0;
    cx.queue(crate::tui::core::Slow::Search, true);
    None
}

fn need_viewer<'a>(cx: &mut Cx, st: &'a mut CodingState) -> Option<&'a mut Viewer> {
    if st.viewer.is_none() {
        cx.error("no transcript open: press Enter on a search hit, a passage, or i/I in Transcripts to import one");
    }
    st.viewer.as_mut()
}

/// (tag id, theme) of the passages at the Viewer's cursor; an error line when none.
fn tags_at_cursor(cx: &mut Cx, st: &mut CodingState) -> Option<Vec<(String, String)>> {
    let v = need_viewer(cx, st)?;
    let here: Vec<(String, String)> = v
        .passages_at(v.cursor)
        .iter()
        .map(|p| (p.id.clone(), p.theme.clone()))
        .collect();
    if here.is_empty() {
        cx.error("the cursor is not on a tagged passage (n/N go to one)");
        return None;
    }
    Some(here)
}

/// Vertical movement in the analysis panes (from the list keys).
/// `pane`: the analysis pane shown.
pub fn move_sel(st: &mut CodingState, pane: Pane, d: isize, abs: Option<usize>) -> Option<Effect> {
    match pane {
        Pane::Search => {
            let n = st.search.hits.len();
            st.search.sel = clamp_move(st.search.sel, n, d, abs);
        }
        Pane::Viewer => {
            let v = st.viewer.as_mut()?;
            let n = v.view.turns.len();
            let t = clamp_move(v.turn_at(v.cursor), n, d, abs);
            v.cursor = v.turn_start(t);
        }
        Pane::Matrix => {
            let n = st.matrix.rows().len();
            let before = st.matrix.row;
            st.matrix.row = clamp_move(before, n, d, abs);
            if before != st.matrix.row {
                st.matrix.passages = None;
            }
        }
        Pane::Analysis => {
            let a = &mut st.analysis;
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

/// The analysis panes' commands, in `pane`: `themes` gives the tag form its choices (the
/// marked themes first), `transcript` is the interview selected in Transcripts (its
/// import and opening are bound there).
pub fn command(
    cx: &mut Cx,
    st: &mut CodingState,
    pane: Pane,
    themes: &ThemesState,
    transcript: Option<&TranscriptRow>,
    cmd: CodingCmd,
) -> Option<Effect> {
    use CodingCmd as C;
    match cmd {
        C::Query => {
            // `/` starts a new query (the last one is dropped, and its hits with it).
            *cx.mode = Mode::Search;
            if !st.search.query.is_empty() {
                st.search.query.clear();
                return search_typed(cx, st);
            }
            None
        }
        C::OpenHit => {
            let h = st.search.hits.get(st.search.sel)?.clone();
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
            let all = cx.site_codes();
            st.search.filter.site = cycle(&st.search.filter.site, &all);
            search_typed(cx, st)
        }
        C::SearchPhase => {
            let all = cx.phase_numbers();
            st.search.filter.phase = cycle(&st.search.filter.phase, &all);
            search_typed(cx, st)
        }
        C::SearchCategory => {
            let all = cx.category_codes();
            st.search.filter.role_category = cycle(&st.search.filter.role_category, &all);
            search_typed(cx, st)
        }
        C::SearchTheme => {
            let ids: Vec<String> = themes
                .list
                .iter()
                .filter(|t| t.status == ThemeStatus::Active)
                .map(|t| t.id.clone())
                .collect();
            let next = cycle(&st.search.filter.theme_id, &ids);
            st.search.theme_label = next
                .as_ref()
                .and_then(|id| themes.list.iter().find(|t| t.id == *id))
                .map(|t| t.path.clone());
            st.search.filter.theme_id = next;
            search_typed(cx, st)
        }
        C::SearchExact => {
            st.search.filter.exact = !st.search.filter.exact;
            search_typed(cx, st)
        }
        C::SearchClear => {
            st.search = SearchState::default();
            None
        }
        C::NextWord | C::PrevWord => {
            let v = need_viewer(cx, st)?;
            v.cursor = if cmd == C::NextWord {
                v.next_word(v.cursor)
            } else {
                v.prev_word(v.cursor)
            };
            None
        }
        C::Select => {
            let v = need_viewer(cx, st)?;
            v.anchor = match v.anchor {
                Some(_) => None,
                None => Some(v.cursor),
            };
            let on = v.anchor.is_some();
            cx.info(if on {
                "selecting: move with w/b/→/← or j/k, Enter tags, Esc drops"
            } else {
                "selection dropped"
            });
            None
        }
        C::SelectTurn => {
            let v = need_viewer(cx, st)?;
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
            if let Some(v) = st.viewer.as_mut() {
                v.anchor = None;
            }
            None
        }
        C::TagSelection => {
            let v = need_viewer(cx, st)?;
            let Some((start, end)) = v.selection() else {
                cx.error(
                    "select a passage first: v starts a selection at the cursor, V takes the turn",
                );
                return None;
            };
            let session = v.session.id.clone();
            let quote = v.text_of(start, end);
            let first = themes
                .marked
                .first()
                .cloned()
                .or_else(|| themes.current().map(|t| t.id.clone()))
                .unwrap_or_default();
            let second = themes.marked.get(1).cloned().unwrap_or_default();
            let third = themes.marked.get(2).cloned().unwrap_or_default();
            let words = quote.split_whitespace().count();
            let f = Form::new(
                format!(
                    "Tag {words} word(s): “{}”",
                    crate::tui::widgets::text::fit(&quote, 60)
                ),
                vec![
                    Field::choice("theme", "Theme", theme_options(themes, None)).with(first),
                    Field::choice("theme2", "Also theme", theme_options(themes, Some("—")))
                        .with(second),
                    Field::choice("theme3", "Also theme", theme_options(themes, Some("—")))
                        .with(third),
                    Field::text("memo", "Memo").pii(),
                ],
            );
            cx.open_form(
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
            let v = need_viewer(cx, st)?;
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
                    cx.info(if starts.is_empty() {
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
            let v = need_viewer(cx, st)?;
            let here = v.passages_at(v.cursor);
            let Some(p) = here.first() else {
                cx.error("the cursor is not on a tagged passage (n/N go to one)");
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
            cx.open_form(FormKind::PassageMemo { ids }, f);
            None
        }
        C::RemovePassage => {
            let here = tags_at_cursor(cx, st)?;
            let names: Vec<String> = here.iter().map(|x| x.1.clone()).collect();
            let q = format!(
                "Remove the tag(s) {} from this passage? The text stays; the audit log keeps a record.",
                names.join(", ")
            );
            cx.ask(
                q,
                Write::Untag {
                    ids: here.into_iter().map(|x| x.0).collect(),
                },
            );
            None
        }
        C::AcceptPassage => {
            let v = need_viewer(cx, st)?;
            let changed: Vec<String> = v
                .passages_at(v.cursor)
                .iter()
                .filter(|p| p.anchor == "changed")
                .map(|p| p.id.clone())
                .collect();
            if changed.is_empty() {
                cx.error("no changed passage under the cursor (re-imports mark passages whose text was edited)");
                return None;
            }
            let q = format!(
                "Accept {} changed passage(s) at their new text? Their quotes change to what the re-imported transcript says.",
                changed.len()
            );
            cx.ask(q, Write::AcceptPassages { ids: changed });
            None
        }
        C::Split => {
            let here = tags_at_cursor(cx, st)?;
            let f = Form::new(
                "Split: move this passage's tag onto a new theme beside its theme",
                vec![
                    Field::choice("tag", "Tag", here),
                    Field::text("name", "New theme").required(),
                ],
            );
            cx.open_form(FormKind::Split, f);
            None
        }
        C::Left | C::Right => {
            let n = st.matrix.matrix.as_ref().map_or(0, |m| m.themes.len());
            let m = &mut st.matrix;
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
            let all = cx.phase_numbers();
            if pane == Pane::Analysis {
                st.analysis.phase = cycle(&st.analysis.phase, &all);
                return Some(Effect::Load(Pane::Analysis));
            }
            let m = &mut st.matrix;
            m.set_phase(cycle(&m.phase, &all));
            m.row = 0;
            m.passages = None;
            None
        }
        C::CellPassages => {
            if st.matrix.passages.is_some() {
                st.matrix.passages = None;
                return None;
            }
            st.matrix.cell_key()?;
            Some(Effect::Coding(CodingEffect::CellPassages))
        }
        C::EditSummary => {
            let (pid, tid, phase) = st.matrix.cell_key()?;
            let m = st.matrix.matrix.as_ref()?;
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
            let cur = st
                .matrix
                .cell(&pid, &tid, phase)
                .and_then(|c| c.summary.clone())
                .unwrap_or_default();
            let f = Form::new(
                format!("Summary: {code} × {theme}, phase {phase} (empty clears it)"),
                vec![Field::text("summary", "Summary").with(cur)],
            );
            cx.open_form(
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
            let p = st.matrix.passages.as_ref().and_then(|v| v.first());
            match p {
                Some(p) => Some(Effect::Coding(CodingEffect::Open {
                    session: p.session_id.clone(),
                    at: Some(p.span_start as usize),
                    word: None,
                })),
                None => {
                    st.matrix.cell_key()?;
                    cx.info("no passages in this cell");
                    None
                }
            }
        }
        C::NextView => {
            let a = &mut st.analysis;
            a.view = match a.view {
                AnalysisView::Saturation => AnalysisView::Frequency,
                AnalysisView::Frequency => AnalysisView::Cooccurrence,
                AnalysisView::Cooccurrence => AnalysisView::Saturation,
            };
            a.sel = 0;
            None
        }
        C::Rule => {
            let a = &st.analysis;
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
            cx.open_form(FormKind::Rule, f);
            None
        }
        C::Import => {
            let Some(t) = transcript else {
                cx.error("no interview selected");
                return None;
            };
            if t.transcript.is_none() {
                cx.error("no file is linked to this interview: l links one");
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
                cx.ask(q, w);
                return None;
            }
            Some(Effect::Write(w))
        }
        C::ImportAll => {
            cx.ask(
                "Import every transcript file under the transcripts root that the naming pattern matches (all in one transaction)?".into(),
                Write::ImportAll,
            );
            None
        }
        C::OpenTranscript => {
            let t = transcript?;
            if t.words.is_none() {
                let m = if t.transcript.is_some() {
                    "its text is not imported yet: i imports it (I imports every file)"
                } else {
                    "no transcript is linked to this interview: l links one"
                };
                cx.error(m);
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
