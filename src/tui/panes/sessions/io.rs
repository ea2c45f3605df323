//! The Sessions pane's loads: its list's window, and reading the list page by page to
//! locate a record or find the `/` query.

use crate::domain::SessionFilter;
use crate::service::{Fieldwork, Result};
use crate::tui::core::{Pane, State};
use crate::tui::worker::Work;

/// The pane's window at its selection (`Slow::Page(Pane::Sessions)`): the count and two
/// pages of rows as filtered and ordered now; the window there follows if the selection
/// moved on.
pub fn page_work(s: &State) -> Work {
    let filter = s.sessions.filter.clone();
    let newest = s.sessions.newest_first;
    let l = &s.sessions.list;
    let (start, n) = (l.window_start(), l.window_len());
    Box::new(move |fw| {
        let total = fw.session_count(&filter)?;
        let rows = fw.sessions(&filter, newest, start, n)?;
        Ok(Box::new(move |s: &mut State| {
            s.sessions.list.place(total, rows, start);
            let more = s.sessions.list.needs_load();
            s.after_page(Pane::Sessions, more);
        }))
    })
}

/// The ids of `n` rows from `offset` as filtered and ordered now (locating a record).
pub fn ids(
    fw: &Fieldwork,
    filter: &SessionFilter,
    newest: bool,
    offset: usize,
    n: usize,
) -> Result<Vec<String>> {
    Ok(fw
        .sessions(filter, newest, offset, n)?
        .into_iter()
        .map(|x| x.id)
        .collect())
}

/// `n` rows from `offset` searched for the `/` query (`hit` on what a row shows: date,
/// participants' codes, site, kind, status, title): (rows read, the first match).
pub fn find_page(
    fw: &Fieldwork,
    filter: &SessionFilter,
    newest: bool,
    offset: usize,
    n: usize,
    hit: &dyn Fn(&[&str]) -> bool,
) -> Result<(usize, Option<usize>)> {
    let rows = fw.sessions(filter, newest, offset, n)?;
    let at = rows.iter().position(|x| {
        let codes: Vec<&str> = x.participants.iter().map(|p| p.code.as_str()).collect();
        hit(&[
            &crate::domain::format_date(x.date),
            &codes.join(" "),
            &x.site,
            x.kind.as_str(),
            x.status.as_str(),
            x.title.as_deref().unwrap_or(""),
        ])
    });
    Ok((rows.len(), at))
}
