//! Navigation in and between panes: moving the selection, going to a pane, the `/`
//! searches and finds, filters reloading a list, typed and pasted text.

use crate::domain::ParticipantFilter;
use crate::tui::core::*;

/// The panes whose `/` search jumps to the first match in the list.
pub fn finds_in_list(p: Pane) -> bool {
    matches!(
        p,
        Pane::Sessions | Pane::Transcripts | Pane::Themes | Pane::Matrix
    )
}

/// Whether a pane has a `/` search (a paste outside a form goes there).
pub fn has_search(p: Pane) -> bool {
    finds_in_list(p)
        || matches!(
            p,
            Pane::Participants | Pane::Consent | Pane::Search | Pane::Redaction
        )
}

pub(super) fn text(s: &mut State, c: char) -> Option<Effect> {
    match s.mode {
        Mode::Form => {
            if let Some((_, form)) = &mut s.form {
                if let Some(f) = form.focused() {
                    f.type_char(c);
                }
                form.completions.clear();
            }
            None
        }
        Mode::Help => {
            s.help_filter.push(c);
            s.help_top = 0;
            None
        }
        Mode::Search if finds_in_list(s.pane) => {
            s.find.push(c);
            find(s)
        }
        Mode::Search if s.pane == Pane::Search => {
            s.coding.search.query.push(c);
            in_pane!(s, coding, crate::tui::panes::coding::search_typed)
        }
        Mode::Search if s.pane == Pane::Redaction => crate::tui::panes::data::text(&mut s.data, c),
        Mode::Search => {
            let f = search_filter(s);
            f.search.get_or_insert_with(String::new).push(c);
            search_reload(s)
        }
        _ => None,
    }
}

pub(super) fn search_filter(s: &mut State) -> &mut ParticipantFilter {
    if s.pane == Pane::Consent {
        &mut s.consent.filter
    } else {
        &mut s.participants.filter
    }
}

/// After a filter change: back to the top, reload.
pub(super) fn reload_list(s: &mut State) -> Option<Effect> {
    match s.pane {
        Pane::Participants => s.participants.list = Paged::default(),
        Pane::Consent => s.consent.list = Paged::default(),
        Pane::Sessions => s.sessions.list = Paged::default(),
        _ => {}
    }
    Some(Effect::Load(s.pane))
}

/// While typing a search the frame shows the query at once; the list follows after the
/// frame, and keys typed meanwhile fold into one reload.
pub(super) fn search_reload(s: &mut State) -> Option<Effect> {
    let job = Slow::Reload(s.pane);
    s.queue(job, true);
    None
}

/// The `/` query of Sessions, Transcripts, Themes or the Matrix changed: select the first
/// row that matches it (case-insensitive, anywhere in what the row shows). The Themes
/// tree and the Matrix's cases are in memory; the Sessions and Transcripts lists are
/// searched by the load worker (`Slow::Find`), page by page.
pub fn find(s: &mut State) -> Option<Effect> {
    let q = s.find.trim().to_lowercase();
    if q.is_empty() {
        return None;
    }
    match s.pane {
        Pane::Themes => {
            let hit = s
                .themes
                .list
                .iter()
                .position(|t| t.path.to_lowercase().contains(&q));
            match hit {
                Some(i) if i != s.themes.sel => {
                    s.themes.sel = i;
                    Some(Effect::Detail(Pane::Themes))
                }
                Some(_) => None,
                None => {
                    s.error(format!("no theme matches “{}”", s.find.trim()));
                    None
                }
            }
        }
        Pane::Matrix => {
            match s.coding.matrix.find_case(&q) {
                Some(i) => {
                    s.coding.matrix.row = i;
                    s.coding.matrix.passages = None;
                }
                None => s.error(format!("no case matches “{}”", s.find.trim())),
            }
            None
        }
        Pane::Sessions | Pane::Transcripts => {
            s.queue(Slow::Find(s.pane), true);
            None
        }
        _ => None,
    }
}

pub(super) fn go(s: &mut State, p: Pane) -> Option<Effect> {
    if s.pane != p {
        // A list's `/` query belongs to the pane it was typed in.
        s.find.clear();
    }
    s.pane = p;
    // A pane whose load is still being computed is not asked for again (after a write
    // nothing is pending, so what is pending reads the latest data).
    if s.stale[p.index()] && !s.main_load_pending(p) {
        Some(Effect::Load(p))
    } else {
        None
    }
}

pub(super) fn move_sel(s: &mut State, d: isize, abs: Option<usize>) -> Option<Effect> {
    fn mv<T>(l: &mut Paged<T>, d: isize, abs: Option<usize>) -> (bool, bool) {
        let before = l.selected;
        let load = match abs {
            Some(i) => l.move_to(i),
            None => l.move_by(d),
        };
        (load, l.selected != before)
    }
    let pane = s.pane;
    let (load, changed) = match pane {
        Pane::Participants => mv(&mut s.participants.list, d, abs),
        Pane::Consent => mv(&mut s.consent.list, d, abs),
        Pane::Sessions => mv(&mut s.sessions.list, d, abs),
        Pane::Transcripts => mv(&mut s.transcripts, d, abs),
        Pane::Themes => {
            let before = s.themes.sel;
            let n = s.themes.list.len();
            s.themes.sel = clamp_move(s.themes.sel, n, d, abs);
            (false, before != s.themes.sel)
        }
        Pane::Coverage => {
            s.coverage.move_sel(d, abs);
            return None;
        }
        Pane::Search | Pane::Viewer | Pane::Matrix | Pane::Analysis => {
            return crate::tui::panes::coding::move_sel(&mut s.coding, pane, d, abs)
        }
        Pane::Redaction | Pane::Export => {
            let (mut cx, st) = pane_cx!(s, data);
            return crate::tui::panes::data::move_sel(&mut cx, st, pane, d, abs);
        }
        Pane::Agreement => return crate::tui::panes::agreement::move_sel(&mut s.agreement, d, abs),
    };
    if load {
        Some(Effect::Load(pane))
    } else if changed && matches!(pane, Pane::Participants | Pane::Consent | Pane::Themes) {
        Some(Effect::Detail(pane))
    } else {
        None
    }
}

pub(super) fn page(s: &State) -> isize {
    (s.size.1 as isize - 12).max(5)
}
