//! Carries out the analysis panes' loads and effects through the service layer.

use std::sync::Arc;
use std::time::Instant;

use super::app::{Pane, Slow, State};
use super::coding::{CodingEffect, Viewer};
use super::worker::Work;
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
                s.queue(Slow::Search, true);
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
            // Every case × every theme: computed by the load worker; the last matrix stays
            // on screen meanwhile.
            s.stale[p.index()] = true;
            s.queue(Slow::Matrix, false);
        }
        Pane::Analysis => {
            // Computed by the load worker (they read every tag); the pane says so.
            s.coding.analysis.computing = true;
            s.stale[p.index()] = true;
            s.queue(Slow::Analysis, false);
        }
        _ => {}
    }
    Ok(())
}

/// The framework matrix (every case × every active theme), indexed and with its rows
/// built by the worker too, so applying it is a swap.
pub fn matrix_work(s: &State) -> Work {
    let phase = s.coding.matrix.phase;
    Box::new(move |fw| {
        let m = fw.matrix(None)?;
        let mut st = super::coding::MatrixState::default();
        st.phase = phase;
        st.set_matrix(m);
        Ok(Box::new(move |s: &mut State| {
            let old = &s.coding.matrix;
            if old.phase != st.phase {
                st.set_phase(old.phase);
            }
            let themes = st.matrix.as_ref().map_or(0, |m| m.themes.len());
            st.col = old.col.min(themes.saturating_sub(1));
            st.row = old.row.min(st.rows().len().saturating_sub(1));
            st.passages = None;
            super::worker::drop_off_thread(std::mem::replace(&mut s.coding.matrix, st));
            s.stale[Pane::Matrix.index()] = false;
        }))
    })
}

/// The Analysis pane's three views, with the stopping rule and phase chosen now.
pub fn analysis_work(s: &State) -> Work {
    let a = &s.coding.analysis;
    let (base, run, threshold, phase) = (a.base, a.run, a.threshold, a.phase);
    Box::new(move |fw| {
        let saturation = fw.saturation(base, run, threshold, phase)?;
        let frequency = fw.theme_frequency()?;
        let cooccurrence = fw.cooccurrence()?;
        Ok(Box::new(move |s: &mut State| {
            let a = &mut s.coding.analysis;
            a.computing = false;
            a.saturation = Some(saturation);
            a.frequency = frequency;
            a.cooccurrence = cooccurrence;
            s.stale[Pane::Analysis.index()] = false;
        }))
    })
}

/// The Search pane's query as typed now: a quick first answer, and the ranked one next
/// when the query matched more than a page. In privacy mode the snippets are masked with
/// the masks the state holds (built by the work the first time, then kept).
pub fn search_work(s: &State, ranked: bool) -> Work {
    let q = s.coding.search.query.trim().to_string();
    let filter = s.coding.search.filter.clone();
    let privacy = s.privacy;
    let masks = s.coding.masks.clone();
    Box::new(move |fw| {
        if q.is_empty() {
            return Ok(Box::new(|s: &mut State| {
                let st = &mut s.coding.search;
                st.hits.clear();
                st.masked.clear();
                st.shown_for.clear();
            }));
        }
        let t = Instant::now();
        let found = if ranked {
            fw.search(&q, &filter, HITS).map(|h| (h, true))
        } else {
            fw.search_quick(&q, &filter, FIRST)
        };
        // A query that is not valid (yet, while typing): the answer clears the hits (see
        // `effects::answer`) and the error line says why, with the query masked in
        // privacy mode.
        let (hits, complete) = found.map_err(|e| hide_query(e, &q, privacy))?;
        let millis = t.elapsed().as_millis();
        let (masked, built) = if privacy {
            let (m, built) = match masks {
                Some(m) => (m, false),
                None => (Arc::new(fw.privacy_masks()?), true),
            };
            let masked: Vec<String> = hits.iter().map(|h| m.mask(&h.snippet)).collect();
            (masked, built.then_some(m))
        } else {
            (Vec::new(), None)
        };
        Ok(Box::new(move |s: &mut State| {
            if let Some(m) = built {
                s.coding.masks.get_or_insert(m);
            }
            let st = &mut s.coding.search;
            st.millis = millis;
            st.ranked = complete;
            st.hits = hits;
            st.masked = masked;
            st.shown_for = q;
            st.sel = st.sel.min(st.hits.len().saturating_sub(1));
            if !complete {
                s.queue(Slow::SearchRanked, false);
            }
        }))
    })
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
fn privacy_masks(
    fw: &Fieldwork,
    cache: &mut Option<Arc<PrivacyMasks>>,
) -> Result<Arc<PrivacyMasks>> {
    if let Some(m) = cache {
        return Ok(m.clone());
    }
    let m = Arc::new(fw.privacy_masks()?);
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
