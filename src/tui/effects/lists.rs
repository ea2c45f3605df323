//! The loads of the list panes (Participants, Consent, Sessions, Transcripts) and the
//! detail panels (with Themes'), dispatched to the panes' own loads; locating and finding
//! a record in a list.

use crate::service::{Fieldwork, Result};
use crate::tui::core::{Pane, Slow, State};
use crate::tui::panes::{consent, participants, sessions, themes, transcripts};
use crate::tui::worker::Work;

/// Nothing to load.
fn nothing() -> Work {
    Box::new(|_| Ok(Box::new(|_: &mut State| {})))
}

/// The detail panel of a list's selection, computed off the interface's thread.
pub(super) fn detail_work(s: &State, p: Pane) -> Work {
    match p {
        Pane::Participants => participants::io::detail_work(s),
        Pane::Consent => consent::io::detail_work(s),
        Pane::Themes => themes::detail_work(s),
        _ => nothing(),
    }
}

/// A list's window at its selection: the count and two pages of rows. When it is in, the
/// detail of the selection follows; if the selection has moved past it meanwhile, the
/// window there is asked for next.
pub(super) fn page_work(s: &State, p: Pane) -> Work {
    match p {
        Pane::Participants => participants::io::page_work(s),
        Pane::Consent => consent::io::page_work(s),
        Pane::Sessions => sessions::page_work(s),
        Pane::Transcripts => transcripts::page_work(s),
        _ => nothing(),
    }
}

/// A list whose search changed, from its first row: the count and the first window.
pub(super) fn reload_work(s: &State, p: Pane) -> Work {
    match p {
        Pane::Participants => participants::io::reload_work(s),
        Pane::Consent => consent::io::reload_work(s),
        // Only the lists with a search reload this way; another is marked old.
        other => Box::new(move |_| {
            Ok(Box::new(move |s: &mut State| {
                s.stale[other.index()] = true;
            }))
        }),
    }
}

pub(super) fn detail(fw: &Fieldwork, s: &mut State, p: Pane) -> Result<()> {
    // Loaded here for the current selection: one still being computed is older.
    s.supersede(Slow::Detail(p));
    match p {
        Pane::Participants => {
            // The participant's history, consent and sessions (~12 ms at scale 100):
            // computed by the load worker; the panel is empty until it is in rather than
            // show another participant.
            s.participants.forget_other_detail();
            s.queue(Slow::Detail(p), true);
        }
        Pane::Consent => consent::io::detail(fw, s)?,
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
    let (pfilter, sfilter, newest) = (
        s.participants.filter.clone(),
        s.sessions.filter.clone(),
        s.sessions.newest_first,
    );
    Box::new(move |fw| {
        const STEP: usize = 500;
        let mut offset = 0;
        let found = loop {
            let ids: Vec<String> = match pane {
                Pane::Participants => participants::io::ids(fw, &pfilter, offset, STEP)?,
                Pane::Sessions => sessions::ids(fw, &sfilter, newest, offset, STEP)?,
                Pane::Transcripts => transcripts::ids(fw, offset, STEP)?,
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
                Pane::Participants => s.participants.list.restart_at(at),
                Pane::Sessions => s.sessions.list.restart_at(at),
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
    let (sfilter, newest) = (s.sessions.filter.clone(), s.sessions.newest_first);
    Box::new(move |fw| {
        const STEP: usize = 500;
        let mut offset = 0;
        let hit = |fields: &[&str]| fields.iter().any(|f| f.to_lowercase().contains(&q));
        let found = loop {
            let (n, at) = match pane {
                Pane::Sessions => sessions::find_page(fw, &sfilter, newest, offset, STEP, &hit)?,
                Pane::Transcripts => transcripts::find_page(fw, offset, STEP, &hit)?,
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
                (Pane::Sessions, Some(at)) => s.sessions.list.restart_at(at),
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
