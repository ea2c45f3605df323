//! The loads of the list panes (Participants, Consent, Sessions, Transcripts) and the
//! detail panels (with Themes'): windows, reloads, locating and finding a record.

use crate::domain::today;
use crate::service::{Fieldwork, Result};
use crate::tui::core::{PRow, Paged, Pane, Slow, State};
use crate::tui::worker::Work;

/// The detail panel of a list's selection, computed off the interface's thread.
pub(super) fn detail_work(s: &State, p: Pane) -> Work {
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
                    Some(id) => Some(fw.consent_history(&id)?),
                    None => None,
                };
                Ok(Box::new(move |s: &mut State| s.crecords = d))
            })
        }
        Pane::Themes => crate::tui::panes::themes::detail_work(s),
        _ => Box::new(|_| Ok(Box::new(|_: &mut State| {}))),
    }
}

/// A list's window at its selection: the count and two pages of rows. When it is in, the
/// detail of the selection follows; if the selection has moved past it meanwhile, the
/// window there is asked for next.
pub(super) fn page_work(s: &State, p: Pane) -> Work {
    match p {
        Pane::Participants => {
            let filter = s.pfilter.clone();
            let l = &s.participants;
            let (start, n) = (l.window_start(), l.window_len());
            Box::new(move |fw| {
                let total = fw.participant_count(&filter)?;
                let rows = participant_rows(fw, &filter, start, n)?;
                Ok(Box::new(move |s: &mut State| {
                    s.participants.place(total, rows, start);
                    let id = s.participants.current().map(|r| r.p.id.clone());
                    if s.pdetail.as_ref().map(|d| &d.participant.id) != id.as_ref() {
                        s.pdetail = None;
                    }
                    s.queue(Slow::Detail(p), true);
                    let more = s.participants.needs_load();
                    s.after_page(p, more);
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
                    s.consent.place(total, rows, start);
                    if s.problems_stale {
                        s.request(Slow::ConsentProblems);
                    }
                    s.queue(Slow::Detail(p), true);
                    let more = s.consent.needs_load();
                    s.after_page(p, more);
                }))
            })
        }
        Pane::Sessions => crate::tui::panes::sessions::page_work(s),
        Pane::Transcripts => crate::tui::panes::transcripts::page_work(s),
        _ => Box::new(|_| Ok(Box::new(|_: &mut State| {}))),
    }
}

/// A list whose search changed, from its first row: the count and the first window.
pub(super) fn reload_work(s: &State, p: Pane) -> Work {
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
                    s.participants.fix_selection();
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
                    s.consent.fix_selection();
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

pub(super) fn participant_rows(
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

pub(super) fn detail(fw: &Fieldwork, s: &mut State, p: Pane) -> Result<()> {
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
                Some(r) => Some(fw.consent_history(&r.participant_id)?),
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
pub(super) fn locate_work(s: &State, pane: Pane) -> Work {
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
                Pane::Sessions => {
                    crate::tui::panes::sessions::ids(fw, &sfilter, newest, offset, STEP)?
                }
                Pane::Transcripts => crate::tui::panes::transcripts::ids(fw, offset, STEP)?,
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
pub(super) fn find_work(s: &State, pane: Pane) -> Work {
    let q = s.find.trim().to_lowercase();
    let (sfilter, newest) = (s.sfilter.clone(), s.newest_first);
    Box::new(move |fw| {
        const STEP: usize = 500;
        let mut offset = 0;
        let hit = |fields: &[&str]| fields.iter().any(|f| f.to_lowercase().contains(&q));
        let found = loop {
            let (n, at) = match pane {
                Pane::Sessions => crate::tui::panes::sessions::find_page(
                    fw, &sfilter, newest, offset, STEP, &hit,
                )?,
                Pane::Transcripts => {
                    crate::tui::panes::transcripts::find_page(fw, offset, STEP, &hit)?
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
