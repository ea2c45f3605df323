//! Carries out the analysis panes' loads and effects through the service layer.

use std::rc::Rc;
use std::time::Instant;

use super::app::{Pane, Slow, State};
use super::coding::{CodingEffect, Viewer};
use crate::service::tui_rows::PrivacyMasks;
use crate::service::{Fieldwork, Result, ServiceError};

/// Hits in the ranked list of a query; the CLI gives more.
pub const HITS: usize = 200;
/// Hits in the first answer to a typed query: a screenful and more. When more turns match,
/// these are the first in text order (so a common word answers within a frame) and the
/// ranked list follows after the frame.
pub const FIRST: usize = 40;

pub fn load(fw: &Fieldwork, s: &mut State, p: Pane) -> Result<()> {
    match p {
        Pane::Search => {
            // Themes for the theme filter.
            if s.themes.is_empty() {
                s.themes = fw.themes(false)?;
            }
            if !s.coding.search.query.trim().is_empty() {
                search(fw, s, false)?;
            }
        }
        Pane::Viewer => {
            if s.themes.is_empty() {
                s.themes = fw.themes(false)?;
            }
            if let Some(v) = &s.coding.viewer {
                let (sid, cursor, top) = (v.session.id.clone(), v.cursor, v.top.get());
                open(fw, s, &sid, Some(cursor), None)?;
                if let Some(v) = &mut s.coding.viewer {
                    v.top.set(top);
                }
            }
        }
        Pane::Matrix => {
            let m = fw.matrix(None)?;
            let st = &mut s.coding.matrix;
            st.col = st.col.min(m.themes.len().saturating_sub(1));
            st.set_matrix(m);
            let n = st.rows().len();
            st.row = st.row.min(n.saturating_sub(1));
            st.passages = None;
        }
        Pane::Analysis => {
            // Computed after the next frame (they read every tag); the pane says so.
            s.coding.analysis.computing = true;
            s.stale[p.index()] = true;
            s.queue(Slow::Analysis, false);
        }
        _ => {}
    }
    Ok(())
}

/// The Analysis pane's three views.
pub fn analysis(fw: &Fieldwork, s: &mut State) -> Result<()> {
    let a = &mut s.coding.analysis;
    a.computing = false;
    a.saturation = Some(fw.saturation(a.base, a.run, a.threshold, a.phase)?);
    a.frequency = fw.theme_frequency()?;
    a.cooccurrence = fw.cooccurrence()?;
    s.stale[Pane::Analysis.index()] = false;
    Ok(())
}

/// Run the Search pane's query: a quick first answer, and the ranked one after the next
/// frame when the query matched more than a page.
pub fn search(fw: &Fieldwork, s: &mut State, ranked: bool) -> Result<()> {
    let q = s.coding.search.query.trim().to_string();
    let privacy = s.privacy;
    let st = &mut s.coding.search;
    if q.is_empty() {
        st.hits.clear();
        st.masked.clear();
        st.shown_for.clear();
        return Ok(());
    }
    let t = Instant::now();
    let found = if ranked {
        fw.search(&q, &st.filter, HITS).map(|h| (h, true))
    } else {
        fw.search_quick(&q, &st.filter, FIRST)
    };
    let (hits, complete) = match found {
        Ok(x) => x,
        Err(e) => {
            // A query that is not valid (yet, while typing): no hits for it, and the
            // error line says why; the pane does not wait for an answer.
            st.hits.clear();
            st.masked.clear();
            let e = hide_query(e, &q, privacy);
            st.shown_for = q;
            return Err(e);
        }
    };
    st.millis = t.elapsed().as_millis();
    st.ranked = complete;
    st.hits = hits;
    st.shown_for = q;
    st.sel = st.sel.min(st.hits.len().saturating_sub(1));
    // Privacy mode masks identifiers in the snippets (computed only when it is on).
    st.masked = if s.privacy {
        let masks = privacy_masks(fw, &mut s.coding.masks)?;
        st.hits.iter().map(|h| masks.mask(&h.snippet)).collect()
    } else {
        Vec::new()
    };
    if !complete {
        s.queue(Slow::SearchRanked, false);
    }
    Ok(())
}

/// An error about the query, as the error line shows it: in privacy mode the query it
/// quotes (it can hold a name) is masked like the query line.
fn hide_query(e: ServiceError, q: &str, privacy: bool) -> ServiceError {
    match e {
        ServiceError::Invalid { field, message } if privacy && !q.is_empty() => {
            ServiceError::Invalid {
                field,
                message: message.replace(q, &super::widgets::text::typed(true, q)),
            }
        }
        e => e,
    }
}

/// The privacy masks, built once until the next write.
fn privacy_masks(fw: &Fieldwork, cache: &mut Option<Rc<PrivacyMasks>>) -> Result<Rc<PrivacyMasks>> {
    if let Some(m) = cache {
        return Ok(m.clone());
    }
    let m = Rc::new(fw.privacy_masks()?);
    *cache = Some(m.clone());
    Ok(m)
}

/// Open an interview's transcript in the Viewer.
pub fn open(
    fw: &Fieldwork,
    s: &mut State,
    session: &str,
    at: Option<usize>,
    word: Option<&str>,
) -> Result<()> {
    let view = fw.transcript_view(session)?;
    let sess = fw.session(session)?;
    let text = view.text();
    let masks = privacy_masks(fw, &mut s.coding.masks)?.ranges(&text);
    let mut v = Viewer::new(sess, view, masks);
    if let Some(i) = at {
        if word.is_some() {
            v.goto(i, word);
        } else {
            v.cursor = v.word_start(i.min(v.chars.len().saturating_sub(1)));
            v.top.set(v.turn_at(v.cursor).saturating_sub(1));
        }
    } else if !v.view.turns.is_empty() {
        v.cursor = v.turn_start(0);
    }
    s.coding.viewer = Some(v);
    s.stale[Pane::Viewer.index()] = false;
    Ok(())
}

pub fn perform(fw: &mut Fieldwork, s: &mut State, e: CodingEffect) -> Result<()> {
    match e {
        CodingEffect::Open { session, at, word } => {
            if s.themes.is_empty() {
                s.themes = fw.themes(false)?;
            }
            open(fw, s, &session, at, word.as_deref())?;
            s.pane = Pane::Viewer;
            let n = s
                .coding
                .viewer
                .as_ref()
                .map_or(0, |v| v.view.passages.len());
            s.info(format!(
                "transcript open: {n} tagged passage(s); v selects, n/N go to passages"
            ));
        }
        CodingEffect::CellPassages => {
            let Some((pid, tid, phase)) = s.coding.matrix.cell_key() else {
                return Ok(());
            };
            s.coding.matrix.passages = Some(fw.cell_passages(&pid, &tid, phase)?);
        }
        CodingEffect::ShowSession(id) => {
            s.pane = Pane::Sessions;
            s.sfilter = Default::default();
            super::effects::perform(
                fw,
                s,
                super::app::Effect::Locate {
                    pane: Pane::Sessions,
                    id,
                },
            );
        }
    }
    Ok(())
}

/// The quotes of the theme selected in Themes.
pub fn quotes(fw: &Fieldwork, s: &mut State) -> Result<()> {
    s.coding.quotes = match s.current_theme() {
        Some(t) => {
            let id = t.id.clone();
            fw.quotes(&id, &s.coding.quote_filter)?
        }
        None => Vec::new(),
    };
    Ok(())
}
