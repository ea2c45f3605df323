//! Carries out the analysis panes' loads and effects through the service layer.

use std::sync::Arc;
use std::time::Instant;

use crate::service::{Fieldwork, Result, ServiceError};
use crate::tui::core::{Pane, Slow, State};
use crate::tui::panes::coding::{CodingEffect, Viewer};
use crate::tui::worker::Work;

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
            if s.themes.list.is_empty() {
                s.themes.list = fw.themes(false)?;
            }
            if !s.coding.search.query.trim().is_empty() {
                s.queue(Slow::Search, true);
            }
        }
        Pane::Viewer => {
            if s.themes.list.is_empty() {
                s.themes.list = fw.themes(false)?;
            }
            // The open transcript read again (after a write), by the load worker; the
            // viewer keeps showing it meanwhile, its cursor where it is.
            // A transcript still opening when a write dropped its answer is asked again.
            if let Some(o) = s.coding.opening.clone().filter(|o| !o.reload) {
                request_open(s, o.session, o.at, o.word, false);
            } else if let Some(sid) = s.coding.viewer.as_ref().map(|v| v.session.id.clone()) {
                request_open(s, sid, None, None, true);
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
        let mut st = crate::tui::panes::coding::MatrixState::default();
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
            crate::tui::worker::drop_off_thread(std::mem::replace(&mut s.coding.matrix, st));
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
                message: message.replace(q, &crate::tui::widgets::text::typed(true, q)),
            }
        }
        e => e,
    }
}

/// Ask the load worker to open an interview's transcript in the Viewer (`viewer_work`):
/// reading it, its passages and, in the first open after a write, the privacy masks
/// (every participant and the register) take longer than a frame on a large study.
pub fn request_open(
    s: &mut State,
    session: String,
    at: Option<usize>,
    word: Option<String>,
    reload: bool,
) {
    s.coding.opening = Some(crate::tui::panes::coding::Opening {
        session,
        at,
        word,
        reload,
    });
    s.queue(Slow::Viewer, true);
}

/// Open the transcript `State::coding.opening` names: the view, the session, the masks
/// (built here the first time after a write, then kept) and the viewer's per-character
/// tables, all on the worker; applying it is a swap.
pub fn viewer_work(s: &State) -> Work {
    let Some(o) = s.coding.opening.clone() else {
        return Box::new(|_| Ok(Box::new(|_: &mut State| {})));
    };
    let cached = s.coding.masks.clone();
    Box::new(move |fw| {
        let view = fw.transcript_view(&o.session)?;
        let sess = fw.session(&o.session)?;
        let text = view.text();
        let (masks, built) = match cached {
            Some(m) => (m, false),
            None => (Arc::new(fw.privacy_masks()?), true),
        };
        let mut v = Viewer::new(sess, view, masks.ranges(&text));
        if let Some(i) = o.at {
            if o.word.is_some() {
                v.goto(i, o.word.as_deref());
            } else {
                v.cursor = v.word_start(i.min(v.chars.len().saturating_sub(1)));
                v.top.set(v.turn_at(v.cursor).saturating_sub(1));
            }
        } else if !v.view.turns.is_empty() {
            v.cursor = v.turn_start(0);
        }
        Ok(Box::new(move |s: &mut State| {
            if built {
                s.coding.masks.get_or_insert(masks);
            }
            if o.reload {
                // Re-read after a write: the cursor and scroll as they are now.
                if let Some(old) = s
                    .coding
                    .viewer
                    .as_ref()
                    .filter(|old| old.session.id == o.session)
                {
                    v.cursor = old.cursor.min(v.chars.len().saturating_sub(1));
                    v.top.set(old.top.get());
                }
            } else {
                let n = v.view.passages.len();
                s.info(format!(
                    "transcript open: {n} tagged passage(s); v selects, n/N go to passages"
                ));
            }
            if let Some(old) = s.coding.viewer.replace(v) {
                crate::tui::worker::drop_off_thread(old);
            }
            s.coding.opening = None;
            s.stale[Pane::Viewer.index()] = false;
        }))
    })
}

pub fn perform(fw: &mut Fieldwork, s: &mut State, e: CodingEffect) -> Result<()> {
    match e {
        CodingEffect::Open { session, at, word } => {
            if s.themes.list.is_empty() {
                s.themes.list = fw.themes(false)?;
            }
            // The pane shows at once (the last transcript, or none, with the loading
            // mark); the transcript follows from the load worker.
            s.pane = Pane::Viewer;
            request_open(s, session, at, word, false);
        }
        CodingEffect::CellPassages => {
            let Some((pid, tid, phase)) = s.coding.matrix.cell_key() else {
                return Ok(());
            };
            s.coding.matrix.passages = Some(fw.cell_passages(&pid, &tid, phase)?);
        }
        CodingEffect::ShowSession(id) => {
            s.pane = Pane::Sessions;
            s.sessions.filter = Default::default();
            s.locate(Pane::Sessions, id);
        }
    }
    Ok(())
}
