//! Carries out `Effect`s through the service layer and puts the results in the state.
//! Errors become the status line's error message; nothing here panics.

use std::path::Path;

use crate::domain::{today, SessionFilter, SessionKind};
use crate::service::{Fieldwork, Result, ServiceError};
use crate::tui::core::{
    Effect, Mode, PRow, Paged, Pane, Replay, Slow, State, Step, Write, UNDO_MAX,
};
use crate::tui::worker::{Apply, Request, Work, Worker};

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

/// Load a pane: its list window, counts and detail.
pub fn load(fw: &Fieldwork, s: &mut State, p: Pane) -> Result<()> {
    s.stale[p.index()] = false;
    match p {
        // A list's window (its count, and as many rows as two pages): computed by the
        // load worker (tens of ms on a large study); rows not in yet show as `…`.
        Pane::Participants | Pane::Consent | Pane::Sessions | Pane::Transcripts => {
            s.queue(Slow::Page(p), true);
        }
        Pane::Themes => {
            s.themes = fw.themes(s.show_all_themes)?;
            s.theme_sel = s.theme_sel.min(s.themes.len().saturating_sub(1));
            detail(fw, s, p)?;
        }
        Pane::Coverage => {
            // Computed by the load worker; the pane says it is updating meanwhile.
            s.stale[p.index()] = true;
            s.queue(Slow::Coverage, false);
        }
        Pane::Search | Pane::Viewer | Pane::Matrix | Pane::Analysis => {
            crate::tui::panes::coding::io::load(fw, s, p)?
        }
        Pane::Redaction | Pane::Export => crate::tui::panes::data::io::load(fw, s, p)?,
        Pane::Agreement => crate::tui::panes::agreement::load(s),
    }
    Ok(())
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
                    s.cproblems = p;
                    s.problems_stale = false;
                }))
            })
        }
        Slow::Coverage => Box::new(|fw| {
            let c = fw.coverage()?;
            let per = fw.coverage_by_fieldworker()?;
            Ok(Box::new(move |s: &mut State| {
                s.gap_sel = s.gap_sel.min(c.gaps.len().saturating_sub(1));
                s.coverage = Some(c);
                s.coverage_fw = Some(per);
                s.stale[Pane::Coverage.index()] = false;
            }))
        }),
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

/// The detail panel of a list's selection, computed off the interface's thread.
fn detail_work(s: &State, p: Pane) -> Work {
    match p {
        Pane::Participants => {
            let id = s.participants.current().map(|r| r.p.id.clone());
            Box::new(move |fw| {
                let d = match id {
                    Some(id) => Some(fw.participant_detail(&id)?),
                    None => None,
                };
                Ok(Box::new(move |s: &mut State| s.pdetail = d))
            })
        }
        Pane::Consent => {
            let id = s.consent.current().map(|r| r.participant_id.clone());
            Box::new(move |fw| {
                let d = match id {
                    Some(id) => Some(fw.consent_records(&id)?),
                    None => None,
                };
                Ok(Box::new(move |s: &mut State| s.crecords = d))
            })
        }
        Pane::Themes => {
            let id = s.current_theme().map(|t| t.id.clone());
            let filter = s.coding.quote_filter.clone();
            Box::new(move |fw| {
                let (tags, quotes) = match id {
                    Some(id) => (fw.tags(None, Some(&id), 0, 200)?, fw.quotes(&id, &filter)?),
                    None => (Vec::new(), Vec::new()),
                };
                Ok(Box::new(move |s: &mut State| {
                    s.theme_tags = tags;
                    s.coding.quotes = quotes;
                }))
            })
        }
        _ => Box::new(|_| Ok(Box::new(|_: &mut State| {}))),
    }
}

/// A list's window at its selection: the count and two pages of rows. When it is in, the
/// detail of the selection follows; if the selection has moved past it meanwhile, the
/// window there is asked for next.
fn page_work(s: &State, p: Pane) -> Work {
    fn place<T>(l: &mut Paged<T>, total: usize, rows: Vec<T>, start: usize) {
        l.total = total;
        l.rows = rows;
        l.offset = start;
        fix_selection(l);
    }
    fn after(s: &mut State, p: Pane, more: bool) {
        s.stale[p.index()] = false;
        if more {
            s.queue(Slow::Page(p), true);
        }
    }
    match p {
        Pane::Participants => {
            let filter = s.pfilter.clone();
            let l = &s.participants;
            let (start, n) = (l.window_start(), l.window_len());
            Box::new(move |fw| {
                let total = fw.participant_count(&filter)?;
                let rows = participant_rows(fw, &filter, start, n)?;
                Ok(Box::new(move |s: &mut State| {
                    place(&mut s.participants, total, rows, start);
                    let id = s.participants.current().map(|r| r.p.id.clone());
                    if s.pdetail.as_ref().map(|d| &d.participant.id) != id.as_ref() {
                        s.pdetail = None;
                    }
                    s.queue(Slow::Detail(p), true);
                    after(s, p, s.participants.needs_load());
                }))
            })
        }
        Pane::Consent => {
            let filter = s.cfilter.clone();
            let l = &s.consent;
            let (start, n) = (l.window_start(), l.window_len());
            Box::new(move |fw| {
                let total = fw.participant_count(&filter)?;
                let rows = fw.consent_overview(&filter, today(), start, n)?;
                Ok(Box::new(move |s: &mut State| {
                    place(&mut s.consent, total, rows, start);
                    if s.problems_stale {
                        s.request(Slow::ConsentProblems);
                    }
                    s.queue(Slow::Detail(p), true);
                    after(s, p, s.consent.needs_load());
                }))
            })
        }
        Pane::Sessions => {
            let filter = s.sfilter.clone();
            let newest = s.newest_first;
            let l = &s.sessions;
            let (start, n) = (l.window_start(), l.window_len());
            Box::new(move |fw| {
                let total = fw.session_count(&filter)?;
                let rows = fw.sessions(&filter, newest, start, n)?;
                Ok(Box::new(move |s: &mut State| {
                    place(&mut s.sessions, total, rows, start);
                    after(s, p, s.sessions.needs_load());
                }))
            })
        }
        Pane::Transcripts => {
            let l = &s.transcripts;
            let (start, n) = (l.window_start(), l.window_len());
            Box::new(move |fw| {
                let total = fw.session_count(&SessionFilter {
                    kind: Some(SessionKind::Interview),
                    ..Default::default()
                })?;
                let rows = fw.transcript_rows(start, n)?;
                Ok(Box::new(move |s: &mut State| {
                    place(&mut s.transcripts, total, rows, start);
                    after(s, p, s.transcripts.needs_load());
                }))
            })
        }
        _ => Box::new(|_| Ok(Box::new(|_: &mut State| {}))),
    }
}

/// A list whose search changed, from its first row: the count and the first window.
fn reload_work(s: &State, p: Pane) -> Work {
    // The window a list restarted at row 0 loads (its page size is kept).
    fn first_window<T>(l: &Paged<T>) -> usize {
        let fresh: Paged<()> = Paged::at(0);
        fresh.page.set(l.page.get());
        fresh.window_len()
    }
    match p {
        Pane::Participants => {
            let filter = s.pfilter.clone();
            let n = first_window(&s.participants);
            Box::new(move |fw| {
                let total = fw.participant_count(&filter)?;
                let rows = participant_rows(fw, &filter, 0, n)?;
                Ok(Box::new(move |s: &mut State| {
                    s.participants.restart_at(0);
                    s.participants.total = total;
                    s.participants.rows = rows;
                    fix_selection(&mut s.participants);
                    s.stale[Pane::Participants.index()] = false;
                    s.pdetail = None;
                    s.queue(Slow::Detail(Pane::Participants), true);
                }))
            })
        }
        Pane::Consent => {
            let filter = s.cfilter.clone();
            let n = first_window(&s.consent);
            Box::new(move |fw| {
                let total = fw.participant_count(&filter)?;
                let rows = fw.consent_overview(&filter, today(), 0, n)?;
                Ok(Box::new(move |s: &mut State| {
                    s.consent.restart_at(0);
                    s.consent.total = total;
                    s.consent.rows = rows;
                    fix_selection(&mut s.consent);
                    s.stale[Pane::Consent.index()] = false;
                    if s.problems_stale {
                        s.queue(Slow::ConsentProblems, false);
                    }
                    s.crecords = None;
                    s.queue(Slow::Detail(Pane::Consent), true);
                }))
            })
        }
        // Only the lists with a search reload this way; another is marked old.
        other => Box::new(move |_| {
            Ok(Box::new(move |s: &mut State| {
                s.stale[other.index()] = true;
            }))
        }),
    }
}

fn participant_rows(
    fw: &Fieldwork,
    filter: &crate::domain::ParticipantFilter,
    start: usize,
    n: usize,
) -> Result<Vec<PRow>> {
    Ok(fw
        .participants_with_consent(filter, today(), start, n)?
        .into_iter()
        .map(|(p, c)| PRow {
            p,
            consent: Some(c),
        })
        .collect())
}

fn fix_selection<T>(l: &mut Paged<T>) {
    if l.selected >= l.total {
        l.selected = l.total.saturating_sub(1);
    }
}

fn detail(fw: &Fieldwork, s: &mut State, p: Pane) -> Result<()> {
    // Loaded here for the current selection: one still being computed is older.
    s.supersede(Slow::Detail(p));
    match p {
        Pane::Participants => {
            // The participant's history, consent and sessions (~12 ms at scale 100):
            // computed by the load worker; the panel is empty until it is in rather than
            // show another participant.
            let id = s.participants.current().map(|r| &r.p.id);
            if s.pdetail.as_ref().map(|d| &d.participant.id) != id {
                s.pdetail = None;
            }
            s.queue(Slow::Detail(p), true);
        }
        Pane::Consent => {
            s.crecords = match s.consent.current() {
                Some(r) => Some(fw.consent_records(&r.participant_id)?),
                None => None,
            };
        }
        Pane::Themes => {
            // A theme's tags and quotes (with each quote's consent) grow with the corpus:
            // computed by the load worker; the last theme's stay on screen meanwhile.
            s.queue(Slow::Detail(p), true);
        }
        _ => {}
    }
    Ok(())
}

/// Find a record's row in a pane's list and select it: the search runs on the load worker
/// (on a large study it reads the whole list), then the window there loads.
fn locate_work(s: &State, pane: Pane) -> Work {
    let id = s.locating.clone().unwrap_or_default();
    let (pfilter, sfilter, newest) = (s.pfilter.clone(), s.sfilter.clone(), s.newest_first);
    Box::new(move |fw| {
        const STEP: usize = 500;
        let mut offset = 0;
        let found = loop {
            let ids: Vec<String> = match pane {
                Pane::Participants => fw
                    .participants(&pfilter, offset, STEP)?
                    .into_iter()
                    .map(|p| p.id)
                    .collect(),
                Pane::Sessions => fw
                    .sessions(&sfilter, newest, offset, STEP)?
                    .into_iter()
                    .map(|x| x.id)
                    .collect(),
                Pane::Transcripts => fw
                    .transcript_rows(offset, STEP)?
                    .into_iter()
                    .map(|x| x.session_id)
                    .collect(),
                _ => Vec::new(),
            };
            if let Some(i) = ids.iter().position(|x| *x == id) {
                break Some(offset + i);
            }
            if ids.len() < STEP {
                break None;
            }
            offset += STEP;
        };
        Ok(Box::new(move |s: &mut State| {
            s.locating = None;
            let at = found.unwrap_or(0);
            match pane {
                Pane::Participants => s.participants.restart_at(at),
                Pane::Sessions => s.sessions.restart_at(at),
                Pane::Transcripts => s.transcripts.restart_at(at),
                _ => {}
            }
            s.queue(Slow::Page(pane), true);
            if found.is_none() {
                s.error("that record is no longer in the list");
            }
        }))
    })
}

/// The first row of Sessions or Transcripts (as filtered and ordered now) that matches
/// the `/` query: in what the row shows (date, participants' codes, site, kind, status,
/// title; the transcript's path and state). Read page by page; the window there loads.
fn find_work(s: &State, pane: Pane) -> Work {
    let q = s.find.trim().to_lowercase();
    let (sfilter, newest) = (s.sfilter.clone(), s.newest_first);
    Box::new(move |fw| {
        const STEP: usize = 500;
        let mut offset = 0;
        let hit = |fields: &[&str]| fields.iter().any(|f| f.to_lowercase().contains(&q));
        let found = loop {
            let (n, at) = match pane {
                Pane::Sessions => {
                    let rows = fw.sessions(&sfilter, newest, offset, STEP)?;
                    let at = rows.iter().position(|x| {
                        let codes: Vec<&str> =
                            x.participants.iter().map(|p| p.code.as_str()).collect();
                        hit(&[
                            &crate::domain::format_date(x.date),
                            &codes.join(" "),
                            &x.site,
                            x.kind.as_str(),
                            x.status.as_str(),
                            x.title.as_deref().unwrap_or(""),
                        ])
                    });
                    (rows.len(), at)
                }
                Pane::Transcripts => {
                    let rows = fw.transcript_rows(offset, STEP)?;
                    let at = rows.iter().position(|x| {
                        hit(&[
                            &x.date,
                            &x.participants.join(" "),
                            &x.site,
                            &x.state,
                            x.transcript.as_ref().map_or("", |t| t.path.as_str()),
                        ])
                    });
                    (rows.len(), at)
                }
                _ => (0, None),
            };
            if let Some(i) = at {
                break Some(offset + i);
            }
            if n < STEP {
                break None;
            }
            offset += STEP;
        };
        Ok(Box::new(move |s: &mut State| {
            match (pane, found) {
                (Pane::Sessions, Some(at)) => s.sessions.restart_at(at),
                (Pane::Transcripts, Some(at)) => s.transcripts.restart_at(at),
                _ => {}
            }
            if found.is_none() {
                s.error(format!("nothing in the list matches “{}”", s.find.trim()));
            }
            s.queue(Slow::Page(pane), true);
        }))
    })
}

/// Carry out one write; on success close the form, keep an undo, reload.
fn write(fw: &mut Fieldwork, s: &mut State, w: Write) {
    let replaying = s.replaying.take();
    let mut created: Option<Created> = None;
    let forward = w.clone();
    match apply(fw, s, w, &mut created) {
        Ok((msg, undo)) => {
            s.form = None;
            if s.mode == Mode::Form {
                s.mode = Mode::Normal;
            }
            if let Some(v) = &mut s.coding.viewer {
                v.anchor = None;
            }
            match replaying {
                // Undone: it can be redone; the status line says what was undone.
                Some((Replay::Undo, step)) => {
                    s.info(format!("undone: {} ({msg}); U redoes it", step.what));
                    s.redo.push(step);
                }
                // Redone: undoable again, with the inverse of this new write (new ids).
                Some((Replay::Redo, step)) => {
                    s.info(format!("redone: {} ({msg})", step.what));
                    if let Some((what, inverse)) = undo {
                        s.undo.push(Step {
                            what,
                            inverse,
                            forward: step.forward,
                        });
                    }
                }
                None => {
                    s.info(msg);
                    s.redo.clear();
                    if let Some((what, inverse)) = undo {
                        if s.undo.len() >= UNDO_MAX {
                            s.undo.remove(0);
                        }
                        s.undo.push(Step {
                            what,
                            inverse,
                            forward,
                        });
                    }
                }
            }
            s.invalidate();
            if let Err(e) = load(fw, s, s.pane) {
                s.error(e.to_string());
            }
            // A new record is selected where it is listed, and the hint bar says what
            // usually comes next.
            if let Some(c) = created {
                s.next_hint = Some(c.next);
                match c.select {
                    // The Themes tree is in memory (just reloaded).
                    Some((Pane::Themes, id)) if s.pane == Pane::Themes => {
                        if let Some(i) = s.themes.iter().position(|t| t.id == id) {
                            s.theme_sel = i;
                            s.queue(Slow::Detail(Pane::Themes), true);
                        }
                    }
                    // A list: cleared of filters that could hide it, then found.
                    Some((pane, id)) if pane == s.pane => {
                        match pane {
                            Pane::Participants => s.pfilter = Default::default(),
                            Pane::Sessions => s.sfilter = Default::default(),
                            _ => {}
                        }
                        s.locate(pane, id);
                    }
                    _ => {}
                }
            }
        }
        Err(ServiceError::Conflict { what, key, changes }) if s.form.is_some() => {
            s.show_conflict(format!("{what} {key}"), changes);
        }
        Err(e) => {
            // An undo or redo that failed stays where it was, to try again.
            match replaying {
                Some((Replay::Undo, step)) => s.undo.push(step),
                Some((Replay::Redo, step)) => s.redo.push(step),
                None => {}
            }
            let text = e.to_string();
            let mut text = text;
            if let Some((_, form)) = &mut s.form {
                match &e {
                    ServiceError::Invalid { field, message } if form.set_error(field, message) => {
                        // The focus moved to the field in error: say so.
                        let label = form.fields.get(form.focus).map_or("", |f| f.label);
                        text = format!("not saved: {label} — {message} (the cursor is on it)");
                    }
                    _ => form.error = Some(text.clone()),
                }
                s.mode = Mode::Form;
            }
            s.error(text);
        }
    }
}

type Undo = Option<(String, Write)>;

/// A record a write created: where to select it, and the next step to suggest.
struct Created {
    select: Option<(Pane, String)>,
    next: String,
}

fn apply(
    fw: &mut Fieldwork,
    s: &State,
    w: Write,
    created: &mut Option<Created>,
) -> Result<(String, Undo)> {
    Ok(match w {
        Write::AddParticipant(input) => {
            let p = fw.add_participant(&input)?;
            *created = Some(Created {
                select: Some((Pane::Participants, p.id.clone())),
                next: format!(
                    "next: r records {}'s consent, t changes the status, i logs an interview",
                    p.code
                ),
            });
            (format!("added participant {}", p.code), None)
        }
        Write::EditParticipant {
            id,
            input,
            before,
            opened,
        } => {
            let p = fw.edit_participant_from(&id, &input, opened.as_ref())?;
            // The undo puts back the fields this edit changed, and is refused if someone
            // changed any of them since.
            let undo = before.map(|b| {
                let opened = crate::service::participants::participant_version_of(&p, &b);
                (
                    format!("edit of {}", p.code),
                    Write::EditParticipant {
                        id: id.clone(),
                        input: b,
                        before: None,
                        opened: Some(opened),
                    },
                )
            });
            (format!("saved {}", p.code), undo)
        }
        Write::SetStatus {
            id,
            status,
            date,
            note,
            before,
        } => {
            // The status the form was opened on: refused if it changed since.
            let opened = before.map(|b| crate::service::Version::new([("status", b.as_str())]));
            let p = fw.set_status_from(&id, status, date, note.as_deref(), opened.as_ref())?;
            // The undo takes the change back out of the history (no second event).
            let undo = before
                .filter(|b| *b != crate::domain::Status::Withdrawn)
                .map(|_| {
                    (
                        format!("status change of {}", p.code),
                        Write::RevertStatus {
                            id: id.clone(),
                            status: p.status,
                        },
                    )
                });
            (format!("{} is now {}", p.code, p.status), undo)
        }
        Write::RevertStatus { id, status } => {
            let p = fw.revert_status(&id, status)?;
            (
                format!(
                    "{} is {} again; the change to {status} is out of its history",
                    p.code, p.status
                ),
                None,
            )
        }
        Write::RecordConsent { pid, input } => {
            let r = fw.record_consent(&pid, &input)?;
            (
                format!(
                    "consent recorded ({}, {})",
                    r.form_version,
                    crate::domain::format_date(r.date)
                ),
                None,
            )
        }
        Write::Withdraw {
            pid,
            scope,
            date,
            reason,
        } => {
            let w = fw.withdraw(&pid, scope, date, reason.as_deref())?;
            (format!("withdrawal recorded ({})", w.scope), None)
        }
        Write::LogInterview(input) => {
            let l = fw.log_interview(&input)?;
            let mut m = format!(
                "interview {} logged for {} ({})",
                crate::domain::format_date(l.session.date),
                l.session
                    .participants
                    .iter()
                    .map(|p| p.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                l.session.status
            );
            for w in &l.warnings {
                m.push_str("; ");
                m.push_str(w);
            }
            *created = Some(Created {
                select: Some((Pane::Sessions, l.session.id.clone())),
                next: if l.session.status == crate::domain::SessionStatus::Done {
                    "next: 4 then l links the interview's transcript (its file under the transcripts root)".into()
                } else {
                    "next: d in Sessions marks it done once it has taken place".into()
                },
            });
            (m, None)
        }
        Write::CompleteInterview {
            sid,
            status,
            date,
            duration,
            recording,
            allow_gap,
            opened,
        } => {
            let l = fw.complete_interview_from(
                &sid,
                status,
                date,
                duration,
                recording,
                allow_gap,
                opened.as_ref(),
            )?;
            (format!("interview is now {}", l.session.status), None)
        }
        Write::LogObservation(input) => {
            let x = fw.log_observation(&input)?;
            *created = Some(Created {
                select: Some((Pane::Sessions, x.id.clone())),
                next: "next: 5 then t tags the observation with themes".into(),
            });
            (
                format!(
                    "observation logged ({})",
                    x.meeting_type_name.unwrap_or_default()
                ),
                None,
            )
        }
        Write::LinkTranscript { sid, path, replace } => {
            let file = Path::new(&path);
            if fw.is_outside_transcripts_root(file)? {
                // From anywhere: the import the CLI's `transcript import` does (copied under
                // the root by the naming pattern, linked and its text imported).
                let out = fw.import_transcript(&sid, file, replace)?;
                let shown = if s.privacy {
                    crate::export::file_name(file)
                } else {
                    path.clone()
                };
                (
                    format!(
                        "{shown} copied under the transcripts root as {} and imported ({} turns, {} words)",
                        out.transcript.path, out.turns, out.words
                    ),
                    None,
                )
            } else {
                let t = fw.link_transcript(&sid, file, replace)?;
                (
                    format!("transcript linked ({} bytes, {})", t.size, t.format),
                    None,
                )
            }
        }
        Write::Verify { relink } => {
            let v = fw.verify_transcripts(relink)?;
            let bad = v
                .iter()
                .filter(|x| x.status != crate::domain::TranscriptStatus::Ok)
                .count();
            let moved = v.iter().filter(|x| x.relinked).count();
            (
                format!(
                    "verified {} file(s): {bad} need attention, {moved} relinked",
                    v.len()
                ),
                None,
            )
        }
        Write::AddTheme {
            name,
            framework,
            parent,
        } => {
            let t = fw.add_theme(&name, framework.as_deref(), parent.as_deref(), None, None)?;
            *created = Some(Created {
                select: Some((Pane::Themes, t.id.clone())),
                next: "next: Space marks it, t tags the session selected in Sessions".into(),
            });
            (format!("theme {} added", t.path), None)
        }
        Write::RenameTheme {
            id,
            name,
            before,
            opened,
        } => {
            let t = fw.rename_theme_from(&id, &name, opened.as_ref())?;
            let undo = before.map(|b| {
                (
                    format!("rename of {}", t.path),
                    Write::RenameTheme {
                        id: id.clone(),
                        name: b,
                        before: None,
                        opened: Some(crate::service::Version::new([("name", t.name.clone())])),
                    },
                )
            });
            (format!("renamed to {}", t.path), undo)
        }
        Write::MergeTheme { from, into } => {
            let (t, moved) = fw.merge_theme(&from, &into)?;
            (
                format!("merged into {} ({moved} tag(s) moved)", t.path),
                None,
            )
        }
        Write::RetireTheme { id } => {
            let t = fw.retire_theme(&id)?;
            (format!("{} retired", t.path), None)
        }
        Write::Tag { session, themes } => {
            let tags = fw.tag_session(&session, &themes, None)?;
            let names: Vec<String> = tags.iter().map(|t| t.theme.clone()).collect();
            let undo = (!tags.is_empty()).then(|| {
                (
                    format!("tagging with {}", names.join(", ")),
                    Write::Untag {
                        ids: tags.iter().map(|t| t.id.clone()).collect(),
                    },
                )
            });
            let date = s
                .sessions
                .current()
                .map(|x| crate::domain::format_date(x.date))
                .unwrap_or_default();
            if tags.is_empty() {
                ("the session already carries those themes".to_string(), None)
            } else {
                (
                    format!("session {date} tagged with {}", names.join(", ")),
                    undo,
                )
            }
        }
        Write::Untag { ids } => {
            let mut n = 0;
            for id in &ids {
                n += fw.untag(Some(id), None, None)?;
            }
            (format!("{n} tag(s) removed"), None)
        }
        Write::TagPassage {
            session,
            start,
            end,
            themes,
            memo,
        } => {
            let rows = fw.tag_passage(&session, start, end, &themes, memo.as_deref())?;
            let names: Vec<String> = rows.iter().map(|r| r.theme.clone()).collect();
            let undo = (!rows.is_empty()).then(|| {
                (
                    format!("passage tag {}", names.join(", ")),
                    Write::Untag {
                        ids: rows.iter().map(|r| r.id.clone()).collect(),
                    },
                )
            });
            (
                format!(
                    "passage of {} word(s) tagged with {}",
                    rows.first()
                        .map_or(0, |r| r.quote.split_whitespace().count()),
                    names.join(", ")
                ),
                undo,
            )
        }
        Write::PassageMemo { ids, memo, opened } => {
            fw.set_tag_memo_from(&ids, memo.as_deref(), opened.as_ref())?;
            (
                if memo.is_some() {
                    "memo saved".to_string()
                } else {
                    "memo cleared".to_string()
                },
                None,
            )
        }
        Write::AcceptPassages { ids } => {
            for id in &ids {
                fw.accept_passage(id)?;
            }
            (
                format!("{} passage(s) accepted at their new text", ids.len()),
                None,
            )
        }
        Write::SetSummary {
            participant,
            theme,
            phase,
            summary,
            opened,
        } => {
            fw.set_matrix_summary_from(
                &participant,
                &theme,
                phase,
                summary.as_deref(),
                opened.as_ref(),
            )?;
            (
                if summary.is_some() {
                    "summary saved".to_string()
                } else {
                    "summary cleared".to_string()
                },
                None,
            )
        }
        Write::ImportTranscript { sid } => {
            let row = s
                .transcripts
                .rows
                .iter()
                .find(|r| r.session_id == sid)
                .and_then(|r| r.transcript.clone());
            let Some(t) = row else {
                return Err(ServiceError::Invalid {
                    field: "transcript".into(),
                    message: "no file is linked to this interview".into(),
                });
            };
            let file = fw.transcripts_root().join(&t.path);
            let out = fw.import_transcript(&sid, &file, false)?;
            let mut m = format!(
                "imported {} turns, {} words ({})",
                out.turns, out.words, out.encoding
            );
            if let Some(r) = &out.reimport {
                m.push_str(&format!(
                    "; re-import: {} of {} passage(s) kept, {} changed, {} lost",
                    r.kept,
                    r.passages,
                    r.changed.len(),
                    r.lost.len()
                ));
            }
            for w in &out.warnings {
                m.push_str("; ");
                m.push_str(w);
            }
            (m, None)
        }
        Write::SplitTheme { tag, name } => {
            let theme = s
                .coding
                .viewer
                .as_ref()
                .and_then(|v| v.view.passages.iter().find(|p| p.id == tag))
                .map(|p| p.theme_id.clone())
                .ok_or_else(|| ServiceError::Invalid {
                    field: "tag".into(),
                    message: "that passage is no longer in the open transcript".into(),
                })?;
            let (t, n) = fw.split_theme(&theme, &name, &[tag])?;
            (
                format!("new theme {}: {n} tag(s) moved onto it", t.path),
                None,
            )
        }
        Write::Settle { key, coders, how } => {
            let o = fw.settle(Some(coders), &key, how)?;
            (
                format!(
                    "settled {} ({}): {} passage tag(s) removed, {} made; the audit log keeps them",
                    o.key,
                    o.settle.as_str(),
                    o.deleted.len(),
                    o.created.len()
                ),
                None,
            )
        }
        Write::Reveal => {
            let coder = fw.coder();
            let msg = if fw.reveal()? {
                format!(
                    "the other coders' passages are now shown to {}",
                    crate::tui::widgets::text::esc(&coder)
                )
            } else {
                format!(
                    "the other coders' passages were already shown to {}",
                    crate::tui::widgets::text::esc(&coder)
                )
            };
            (msg, None)
        }
        Write::ImportAll => {
            let root = fw.transcripts_root().to_path_buf();
            let r = fw.import_dir(&root, None, false, true)?;
            let done = r.iter().filter(|x| x.outcome == "imported").count();
            let other = r.len() - done;
            (
                format!(
                    "imported {done} transcript(s) from {}; {other} file(s) not imported (see `transcript import-dir --dry-run`)",
                    root.display()
                ),
                None,
            )
        }
    })
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
