//! The Participants pane's loads: its list's window, a reload from the first row after
//! the search or a filter changed, and the selection's detail (all off the interface's
//! thread).

use crate::domain::{today, ParticipantFilter};
use crate::service::{Fieldwork, Result};
use crate::tui::core::{first_window, PRow, Pane, Slow, State};
use crate::tui::worker::Work;

/// The selected participant's history, consent and sessions (`Slow::Detail`).
pub fn detail_work(s: &State) -> Work {
    let id = s.participants.list.current().map(|r| r.p.id.clone());
    Box::new(move |fw| {
        let d = match id {
            Some(id) => Some(fw.participant_detail(&id)?),
            None => None,
        };
        Ok(Box::new(move |s: &mut State| s.participants.detail = d))
    })
}

/// The list's window at its selection: the count and two pages of rows; the detail of
/// the selection follows.
pub fn page_work(s: &State) -> Work {
    let p = Pane::Participants;
    let filter = s.participants.filter.clone();
    let l = &s.participants.list;
    let (start, n) = (l.window_start(), l.window_len());
    Box::new(move |fw| {
        let total = fw.participant_count(&filter)?;
        let rows = rows(fw, &filter, start, n)?;
        Ok(Box::new(move |s: &mut State| {
            let st = &mut s.participants;
            st.list.place(total, rows, start);
            st.forget_other_detail();
            s.queue(Slow::Detail(p), true);
            let more = s.participants.list.needs_load();
            s.after_page(p, more);
        }))
    })
}

/// The list from its first row (its search or a filter changed).
pub fn reload_work(s: &State) -> Work {
    let p = Pane::Participants;
    let filter = s.participants.filter.clone();
    let n = first_window(&s.participants.list);
    Box::new(move |fw| {
        let total = fw.participant_count(&filter)?;
        let rows = rows(fw, &filter, 0, n)?;
        Ok(Box::new(move |s: &mut State| {
            let st = &mut s.participants;
            st.list.restart_at(0);
            st.list.total = total;
            st.list.rows = rows;
            st.list.fix_selection();
            st.detail = None;
            s.stale[p.index()] = false;
            s.queue(Slow::Detail(p), true);
        }))
    })
}

/// The ids of `n` rows from `offset` as filtered now (locating a record).
pub fn ids(
    fw: &Fieldwork,
    filter: &ParticipantFilter,
    offset: usize,
    n: usize,
) -> Result<Vec<String>> {
    Ok(fw
        .participants(filter, offset, n)?
        .into_iter()
        .map(|p| p.id)
        .collect())
}

/// `n` rows from `start`, each with the consent in force today.
pub fn rows(
    fw: &Fieldwork,
    filter: &ParticipantFilter,
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
