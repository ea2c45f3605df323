//! Carries out `Effect`s through the service layer and puts the results in the state.
//! Errors become the status line's error message; nothing here panics.

use std::path::Path;

use crate::service::{Fieldwork, Result};
use crate::tui::core::{Effect, Pane, Slow, State};
use crate::tui::worker::{Apply, Request, Work, Worker};

mod apply;
mod apply_coding;
mod inverse;
mod lists;
mod load;
mod outcome;
mod undo;

pub use load::load;

use lists::{detail, detail_work, find_work, locate_work, page_work, reload_work};
use undo::write;

/// Do what `update` asked. Returns true to quit.
pub fn perform(fw: &mut Fieldwork, s: &mut State, e: Effect) -> bool {
    let r = match e {
        Effect::Quit => return true,
        Effect::Load(p) => load(fw, s, p),
        Effect::Detail(p) => detail(fw, s, p),
        Effect::Write(w) => {
            write(fw, s, w);
            Ok(())
        }
        Effect::CompletePath => {
            complete_path(fw.transcripts_root(), s);
            Ok(())
        }
        Effect::Locate { pane, id } => {
            s.locate(pane, id);
            Ok(())
        }
        Effect::Coding(e) => crate::tui::panes::coding::io::perform(fw, s, e),
        Effect::Data(e) => crate::tui::panes::data::io::perform(fw, s, e),
        Effect::Sync(e) => crate::tui::panes::conflicts::perform(fw, s, e),
    };
    if let Err(e) = r {
        s.error(e.to_string());
    }
    false
}

/// Do one pending slow load here, on this thread and connection. Returns false when there
/// was none. (The interface hands them to the load worker instead: `dispatch`.)
pub fn slow(fw: &Fieldwork, s: &mut State) -> bool {
    if s.slow.is_empty() {
        return false;
    }
    let job = s.slow.remove(0);
    let gen = s.begin(job);
    let work = request(s, job);
    let r = work(fw);
    answer(s, job, gen, r);
    true
}

/// Do every pending slow load inline (tests, benchmarks): deterministic, in queue order,
/// including the loads that answers queue in turn.
pub fn finish(fw: &Fieldwork, s: &mut State) {
    while slow(fw, s) {}
}

/// Hand every queued slow load to the worker, each with a new generation (superseding any
/// request still pending for its slot). Without a worker, or if it is gone, they run here.
pub fn dispatch(fw: &Fieldwork, s: &mut State, worker: Option<&Worker>) {
    while !s.slow.is_empty() {
        let job = s.slow.remove(0);
        let gen = s.begin(job);
        let work = request(s, job);
        let req = Request { job, gen, work };
        let req = match worker {
            Some(w) => match w.send(req) {
                Ok(()) => continue,
                Err(r) => r,
            },
            None => req,
        };
        let r = (req.work)(fw);
        answer(s, job, gen, r);
    }
}

/// Apply a computed load if it is still wanted (its generation is the newest for its
/// slot); a stale answer is dropped. Returns whether it was applied.
pub fn answer(s: &mut State, job: Slow, gen: u64, result: Result<Apply>) -> bool {
    if !s.accept(job, gen) {
        return false;
    }
    match result {
        Ok(apply) => apply(s),
        Err(e) => {
            // The pane stops saying it is computing; the error says why.
            match job {
                Slow::Search | Slow::SearchRanked => {
                    // The newest answer is for the query as typed now: no hits for it,
                    // and the pane is not left waiting.
                    let st = &mut s.coding.search;
                    st.hits.clear();
                    st.masked.clear();
                    st.shown_for = st.query.trim().to_string();
                }
                Slow::Analysis => s.coding.analysis.computing = false,
                Slow::Data(Pane::Redaction) => s.data.red.computing = false,
                Slow::Data(Pane::Export) => s.data.export.computing = false,
                Slow::Agreement => s.agreement.computing = false,
                Slow::Viewer => s.coding.opening = None,
                _ => {}
            }
            s.error(e.to_string());
        }
    }
    true
}

/// The work of a slow load, with its parameters taken from the state as it is now; what
/// it computes is put in the state by the `Apply` it returns.
pub fn request(s: &State, job: Slow) -> Work {
    match job {
        Slow::ConsentProblems => {
            // The rule and its set-based reads are the service's (`consent problems`).
            Box::new(move |fw| {
                let p = fw.consent_problems()?;
                Ok(Box::new(move |s: &mut State| {
                    s.consent.problems = p;
                    s.consent.problems_stale = false;
                }))
            })
        }
        Slow::Coverage => crate::tui::panes::coverage::work(),
        Slow::Detail(p) => detail_work(s, p),
        Slow::Reload(p) => reload_work(s, p),
        Slow::Page(p) => page_work(s, p),
        Slow::Locate(p) => locate_work(s, p),
        Slow::Find(p) => find_work(s, p),
        Slow::Search => crate::tui::panes::coding::io::search_work(s, false),
        Slow::SearchRanked => crate::tui::panes::coding::io::search_work(s, true),
        Slow::Analysis => crate::tui::panes::coding::io::analysis_work(s),
        Slow::Matrix => crate::tui::panes::coding::io::matrix_work(s),
        Slow::Data(p) => crate::tui::panes::data::io::slow_work(s, p),
        Slow::Register => crate::tui::panes::data::io::register_work(),
        Slow::Agreement => crate::tui::panes::agreement::work(s),
        Slow::Viewer => crate::tui::panes::coding::io::viewer_work(s),
    }
}

/// Complete the focused path field from the files under the transcripts root.
pub fn complete_path(root: &Path, s: &mut State) {
    let Some((_, form)) = &mut s.form else { return };
    let Some(field) = form.fields.get_mut(form.focus) else {
        return;
    };
    let typed = field.value.clone();
    let (dir_part, prefix) = match typed.rfind('/') {
        Some(i) => (typed[..=i].to_string(), typed[i + 1..].to_string()),
        None => (String::new(), typed.clone()),
    };
    let dir = if Path::new(&dir_part).is_absolute() {
        Path::new(&dir_part).to_path_buf()
    } else {
        root.join(&dir_part)
    };
    let mut names: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                if !n.starts_with(&prefix) || n.starts_with('.') {
                    return None;
                }
                let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
                Some(if is_dir { format!("{n}/") } else { n })
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    match names.len() {
        0 => {
            field.error = Some(format!("nothing under {} starts with that", dir.display()));
            form.completions.clear();
        }
        1 => {
            field.value = format!("{dir_part}{}", names[0]);
            field.error = None;
            form.completions.clear();
        }
        _ => {
            let common = names.iter().skip(1).fold(names[0].clone(), |acc, n| {
                acc.chars()
                    .zip(n.chars())
                    .take_while(|(a, b)| a == b)
                    .map(|(a, _)| a)
                    .collect()
            });
            field.value = format!("{dir_part}{common}");
            form.completions = names;
        }
    }
}
