//! The Consent pane's loads: its list's window, a reload from the first row after the
//! search or a filter changed, and the selected participant's history.

use crate::domain::today;
use crate::service::{Fieldwork, Result};
use crate::tui::core::{first_window, Pane, Slow, State};
use crate::tui::worker::Work;

/// The selected participant's consent history (`Slow::Detail`).
pub fn detail_work(s: &State) -> Work {
    let id = s.consent.list.current().map(|r| r.participant_id.clone());
    Box::new(move |fw| {
        let d = match id {
            Some(id) => Some(fw.consent_history(&id)?),
            None => None,
        };
        Ok(Box::new(move |s: &mut State| s.consent.records = d))
    })
}

/// The selected participant's consent history, read now (a move in the list).
pub fn detail(fw: &Fieldwork, s: &mut State) -> Result<()> {
    s.consent.records = match s.consent.list.current() {
        Some(r) => Some(fw.consent_history(&r.participant_id)?),
        None => None,
    };
    Ok(())
}

/// The list's window at its selection; the problems list follows when it is old.
pub fn page_work(s: &State) -> Work {
    let p = Pane::Consent;
    let filter = s.consent.filter.clone();
    let l = &s.consent.list;
    let (start, n) = (l.window_start(), l.window_len());
    Box::new(move |fw| {
        let total = fw.participant_count(&filter)?;
        let rows = fw.consent_overview(&filter, today(), start, n)?;
        Ok(Box::new(move |s: &mut State| {
            s.consent.list.place(total, rows, start);
            if s.consent.problems_stale {
                s.request(Slow::ConsentProblems);
            }
            s.queue(Slow::Detail(p), true);
            let more = s.consent.list.needs_load();
            s.after_page(p, more);
        }))
    })
}

/// The list from its first row (its search or a filter changed).
pub fn reload_work(s: &State) -> Work {
    let p = Pane::Consent;
    let filter = s.consent.filter.clone();
    let n = first_window(&s.consent.list);
    Box::new(move |fw| {
        let total = fw.participant_count(&filter)?;
        let rows = fw.consent_overview(&filter, today(), 0, n)?;
        Ok(Box::new(move |s: &mut State| {
            let st = &mut s.consent;
            st.list.restart_at(0);
            st.list.total = total;
            st.list.rows = rows;
            st.list.fix_selection();
            st.records = None;
            s.stale[p.index()] = false;
            if s.consent.problems_stale {
                s.queue(Slow::ConsentProblems, false);
            }
            s.queue(Slow::Detail(p), true);
        }))
    })
}
