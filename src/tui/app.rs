//! The state of the interface and `update`, which turns an action into state changes and
//! at most one effect for the loop to carry out. Pure: no IO, no terminal.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};

pub use super::core::*;
use super::keymap;
use crate::domain::{ParticipantFilter, SessionFilter, SessionKind, SessionStatus, Status};

/// Turn an action into state changes; return what the loop must do.
pub fn update(s: &mut State, action: Action) -> Option<Effect> {
    match action {
        Action::Key(ev) => {
            if ev.kind != KeyEventKind::Press {
                return None;
            }
            if let Some(effect) = super::panes::conflicts::key(s, &ev) {
                return effect;
            }
            // The next-step hint lasts until the next key.
            s.next_hint = None;
            // While the help is filtered, letters (even q) go to the filter.
            let filtering = s.mode == Mode::Help
                && !s.help_filter.is_empty()
                && matches!(ev.code, KeyCode::Char(c) if c != '?');
            if !filtering {
                if let Some(cmd) = keymap::lookup(s.mode, s.pane, &ev) {
                    return update(s, Action::Cmd(cmd));
                }
            }
            if let KeyCode::Char(c) = ev.code {
                if !ev.modifiers.contains(KeyModifiers::CONTROL)
                    && matches!(s.mode, Mode::Form | Mode::Search | Mode::Help)
                {
                    return update(s, Action::Text(c));
                }
            }
            None
        }
        Action::Paste(t) => paste(s, &t),
        Action::Text(c) => text(s, c),
        Action::Resize(w, h) => {
            s.size = (w, h);
            None
        }
        Action::Mouse(m) => mouse(s, m),
        Action::Cmd(cmd) => command(s, cmd),
    }
}

fn mouse(s: &mut State, m: MouseEvent) -> Option<Effect> {
    if !s.mouse || s.mode != Mode::Normal {
        return None;
    }
    match m.kind {
        MouseEventKind::ScrollDown => command(s, Cmd::Down),
        MouseEventKind::ScrollUp => command(s, Cmd::Up),
        MouseEventKind::Down(_) if m.row == 0 => {
            let mut x = 0u16;
            for (p, label) in tabs_with(s.pane, s.size.0, s.privacy) {
                let w = super::widgets::text::width(&label) as u16;
                if m.column >= x && m.column < x + w {
                    return go(s, p);
                }
                x += w;
            }
            None
        }
        _ => None,
    }
}

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

/// Pasted text (bracketed paste): text, never keys. Line breaks and tabs become spaces and
/// other control characters are dropped. In a form it goes into the focused field (a
/// picker filters by it); while searching, into the query; on a list with a search it
/// starts a new search with it; anywhere else it is ignored. It never saves, never
/// confirms and never quits.
pub fn paste(s: &mut State, raw: &str) -> Option<Effect> {
    let clean: String = raw
        .replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\r' | '\n' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let clean = clean.trim_end();
    if clean.is_empty() {
        return None;
    }
    match s.mode {
        Mode::Form | Mode::Search | Mode::Help => {}
        Mode::Normal if has_search(s.pane) => {
            // A new query, as the pane's `/` starts one.
            let slash = KeyEvent::new_with_kind(
                KeyCode::Char('/'),
                KeyModifiers::NONE,
                KeyEventKind::Press,
            );
            if let Some(cmd) = keymap::lookup(Mode::Normal, s.pane, &slash) {
                update(s, Action::Cmd(cmd));
            }
            if s.mode != Mode::Search {
                return None;
            }
        }
        _ => {
            s.info("paste ignored: there is no text field here");
            return None;
        }
    }
    let mut out = None;
    for c in clean.chars() {
        if let Some(e) = text(s, c) {
            out = Some(e);
        }
    }
    out
}

fn text(s: &mut State, c: char) -> Option<Effect> {
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
            super::panes::coding::search_typed(s)
        }
        Mode::Search if s.pane == Pane::Redaction => super::panes::data::text(s, c),
        Mode::Search => {
            let f = search_filter(s);
            f.search.get_or_insert_with(String::new).push(c);
            search_reload(s)
        }
        _ => None,
    }
}

fn search_filter(s: &mut State) -> &mut ParticipantFilter {
    if s.pane == Pane::Consent {
        &mut s.cfilter
    } else {
        &mut s.pfilter
    }
}

/// After a filter change: back to the top, reload.
fn reload_list(s: &mut State) -> Option<Effect> {
    match s.pane {
        Pane::Participants => s.participants = Paged::default(),
        Pane::Consent => s.consent = Paged::default(),
        Pane::Sessions => s.sessions = Paged::default(),
        _ => {}
    }
    Some(Effect::Load(s.pane))
}

/// While typing a search the frame shows the query at once; the list follows after the
/// frame, and keys typed meanwhile fold into one reload.
fn search_reload(s: &mut State) -> Option<Effect> {
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
                .iter()
                .position(|t| t.path.to_lowercase().contains(&q));
            match hit {
                Some(i) if i != s.theme_sel => {
                    s.theme_sel = i;
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

fn go(s: &mut State, p: Pane) -> Option<Effect> {
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

fn move_sel(s: &mut State, d: isize, abs: Option<usize>) -> Option<Effect> {
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
        Pane::Participants => mv(&mut s.participants, d, abs),
        Pane::Consent => mv(&mut s.consent, d, abs),
        Pane::Sessions => mv(&mut s.sessions, d, abs),
        Pane::Transcripts => mv(&mut s.transcripts, d, abs),
        Pane::Themes => {
            let before = s.theme_sel;
            let n = s.themes.len();
            s.theme_sel = clamp_move(s.theme_sel, n, d, abs);
            (false, before != s.theme_sel)
        }
        Pane::Coverage if s.cov_focus + 1 < COVERAGE_PANELS.len() => {
            // A panel that scrolls (the view keeps its last line in the panel).
            let v = &mut s.cov_scroll[s.cov_focus];
            *v = clamp_move(*v, 10_000, d, abs);
            return None;
        }
        Pane::Coverage => {
            let n = s.coverage.as_ref().map(|c| c.gaps.len()).unwrap_or(0);
            s.gap_sel = clamp_move(s.gap_sel, n, d, abs);
            return None;
        }
        Pane::Search | Pane::Viewer | Pane::Matrix | Pane::Analysis => {
            return super::panes::coding::move_sel(s, d, abs)
        }
        Pane::Redaction | Pane::Export => return super::panes::data::move_sel(s, d, abs),
        Pane::Agreement => return super::panes::agreement::move_sel(s, d, abs),
    };
    if load {
        Some(Effect::Load(pane))
    } else if changed && matches!(pane, Pane::Participants | Pane::Consent | Pane::Themes) {
        Some(Effect::Detail(pane))
    } else {
        None
    }
}

fn page(s: &State) -> isize {
    (s.size.1 as isize - 12).max(5)
}

fn command(s: &mut State, cmd: Cmd) -> Option<Effect> {
    match cmd {
        Cmd::Quit => Some(Effect::Quit),
        Cmd::Coding(c) => super::panes::coding::command(s, c),
        Cmd::Data(c) => super::panes::data::command(s, c),
        Cmd::Agreement(c) => super::panes::agreement::command(s, c),
        Cmd::Help => {
            s.help_filter.clear();
            s.help_top = 0;
            s.mode = Mode::Help;
            None
        }
        Cmd::Log => {
            s.log_top = 0;
            s.mode = Mode::Log;
            None
        }
        Cmd::NextPane => go(s, s.pane.offset(1)),
        Cmd::PrevPane => go(s, s.pane.offset(-1)),
        Cmd::Go(p) => go(s, p),
        Cmd::OpenConflicts => super::panes::conflicts::open(s),
        Cmd::TogglePrivacy => {
            s.privacy = !s.privacy;
            if s.privacy && !s.coding.search.hits.is_empty() {
                super::panes::coding::search_typed(s);
            }
            s.info(if s.privacy {
                "privacy mode on: direct identifiers are masked"
            } else {
                "privacy mode off"
            });
            None
        }
        Cmd::Undo => match s.undo.pop() {
            Some(step) => {
                s.info(format!("undoing: {}", step.what));
                let w = step.inverse.clone();
                s.replaying = Some((Replay::Undo, step));
                Some(Effect::Write(w))
            }
            None => {
                s.info("nothing to undo (consent records, withdrawals, merges, additions and imports are not undone here)");
                None
            }
        },
        Cmd::Redo => match s.redo.pop() {
            Some(step) => {
                s.info(format!("redoing: {}", step.what));
                let w = step.forward.clone();
                s.replaying = Some((Replay::Redo, step));
                Some(Effect::Write(w))
            }
            None => {
                s.info("nothing to redo");
                None
            }
        },
        Cmd::Refresh => {
            s.invalidate();
            Some(Effect::Load(s.pane))
        }
        Cmd::Up if s.mode == Mode::Help => {
            s.help_top = s.help_top.saturating_sub(page(s) as usize);
            None
        }
        Cmd::Down if s.mode == Mode::Help => {
            s.help_top = s.help_top.saturating_add(page(s) as usize).min(1000);
            None
        }
        Cmd::Up if s.mode == Mode::Log => {
            s.log_top = s.log_top.saturating_sub(1);
            None
        }
        Cmd::Down if s.mode == Mode::Log => {
            s.log_top = (s.log_top + 1).min(s.log.len().saturating_sub(1));
            None
        }
        Cmd::SearchBackspace if s.mode == Mode::Help => {
            s.help_filter.pop();
            None
        }
        Cmd::Up => move_sel(s, -1, None),
        Cmd::Down => move_sel(s, 1, None),
        Cmd::PageUp => move_sel(s, -page(s), None),
        Cmd::PageDown => move_sel(s, page(s), None),
        Cmd::Home => move_sel(s, 0, Some(0)),
        Cmd::End => move_sel(s, 0, Some(usize::MAX)),
        Cmd::Search => {
            // `/` starts a new query; the list shows everything again until it is typed.
            s.mode = Mode::Search;
            if finds_in_list(s.pane) {
                s.find.clear();
                return None;
            }
            if search_filter(s).search.take().is_some() {
                return search_reload(s);
            }
            None
        }
        Cmd::SearchAccept => {
            s.mode = Mode::Normal;
            None
        }
        Cmd::SearchBackspace if s.pane == Pane::Search => {
            s.coding.search.query.pop();
            super::panes::coding::search_typed(s)
        }
        Cmd::SearchBackspace if s.pane == Pane::Redaction => super::panes::data::backspace(s),
        Cmd::SearchBackspace if finds_in_list(s.pane) => {
            s.find.pop();
            find(s)
        }
        Cmd::SearchBackspace => {
            let f = search_filter(s);
            if let Some(q) = &mut f.search {
                q.pop();
                if q.is_empty() {
                    f.search = None;
                }
            }
            search_reload(s)
        }
        Cmd::FilterSite => {
            let sites = s.site_codes();
            match s.pane {
                Pane::Participants => s.pfilter.site = cycle(&s.pfilter.site, &sites),
                Pane::Consent => s.cfilter.site = cycle(&s.cfilter.site, &sites),
                Pane::Sessions => s.sfilter.site = cycle(&s.sfilter.site, &sites),
                _ => return None,
            }
            reload_list(s)
        }
        Cmd::FilterCategory => {
            let cats = s.category_codes();
            s.pfilter.role_category = cycle(&s.pfilter.role_category, &cats);
            reload_list(s)
        }
        Cmd::FilterStatus => {
            s.pfilter.status = cycle(&s.pfilter.status, Status::ALL);
            reload_list(s)
        }
        Cmd::FilterPhase => {
            let phases = s.phase_numbers();
            if s.pane == Pane::Sessions {
                s.sfilter.phase = cycle(&s.sfilter.phase, &phases);
            } else {
                s.pfilter.phase = cycle(&s.pfilter.phase, &phases);
            }
            reload_list(s)
        }
        Cmd::FilterKind => {
            s.sfilter.kind = cycle(&s.sfilter.kind, SessionKind::ALL);
            reload_list(s)
        }
        Cmd::FilterSessionStatus => {
            s.sfilter.status = cycle(&s.sfilter.status, SessionStatus::ALL);
            reload_list(s)
        }
        Cmd::ToggleOrder => {
            s.newest_first = !s.newest_first;
            reload_list(s)
        }
        Cmd::ClearFilters => {
            match s.pane {
                Pane::Participants => s.pfilter = ParticipantFilter::default(),
                Pane::Consent => s.cfilter = ParticipantFilter::default(),
                Pane::Sessions => s.sfilter = SessionFilter::default(),
                _ => return None,
            }
            reload_list(s)
        }
        Cmd::AddParticipant | Cmd::EditParticipant | Cmd::ChangeStatus => {
            super::panes::participants::command(s, cmd)
        }
        Cmd::RecordConsent | Cmd::Withdraw => super::panes::consent::command(s, cmd),
        Cmd::LogInterview
        | Cmd::ScheduleInterview
        | Cmd::CompleteInterview
        | Cmd::LogObservation => super::panes::sessions::command(s, cmd),
        Cmd::LinkTranscript | Cmd::Verify | Cmd::Relink => {
            super::panes::transcripts::command(s, cmd)
        }
        Cmd::MarkTheme => {
            super::panes::themes::mark(s);
            move_sel(s, 1, None)
        }
        Cmd::AddTheme
        | Cmd::RenameTheme
        | Cmd::MergeTheme
        | Cmd::RetireTheme
        | Cmd::TagSession
        | Cmd::ShowAllThemes => super::panes::themes::command(s, cmd),
        Cmd::CoverageFocus | Cmd::Jump => super::panes::coverage::command(s, cmd),
        Cmd::FormNext | Cmd::FormPrev => {
            if let Some((_, f)) = &mut s.form {
                if cmd == Cmd::FormNext {
                    f.next()
                } else {
                    f.prev()
                }
            }
            None
        }
        Cmd::FormLeft | Cmd::FormRight => {
            let Some((_, f)) = &mut s.form else {
                return None;
            };
            let is_path = f
                .fields
                .get(f.focus)
                .map(|x| x.kind == super::widgets::form::FieldKind::Path)
                .unwrap_or(false);
            if is_path && cmd == Cmd::FormRight {
                return Some(Effect::CompletePath);
            }
            if let Some(field) = f.focused() {
                field.step(if cmd == Cmd::FormLeft { -1 } else { 1 });
            }
            None
        }
        Cmd::FormBackspace | Cmd::FormClear => {
            if let Some((_, f)) = &mut s.form {
                f.completions.clear();
                if let Some(field) = f.focused() {
                    if cmd == Cmd::FormClear {
                        field.clear();
                    } else {
                        field.backspace();
                    }
                }
            }
            None
        }
        Cmd::FormSubmit => submit(s),
        Cmd::Cancel => {
            match s.mode {
                Mode::Form => {
                    s.form = None;
                    s.info("cancelled: nothing was changed");
                }
                Mode::Conflict => {
                    s.conflict = None;
                    s.form = None;
                    s.info("cancelled: nothing was changed; the record keeps their values");
                }
                Mode::Search if s.pane == Pane::Search => {
                    s.coding.search.query.clear();
                    s.mode = Mode::Normal;
                    return super::panes::coding::search_typed(s);
                }
                Mode::Search if s.pane == Pane::Redaction => {
                    s.mode = Mode::Normal;
                    return super::panes::data::cancel_text(s);
                }
                Mode::Search if finds_in_list(s.pane) => {
                    // The selection stays where the search took it.
                    s.find.clear();
                }
                Mode::Help => s.help_filter.clear(),
                Mode::Log => s.log_top = 0,
                Mode::Search => {
                    search_filter(s).search = None;
                    s.mode = Mode::Normal;
                    return reload_list(s);
                }
                _ => {}
            }
            s.mode = Mode::Normal;
            None
        }
        Cmd::Yes => {
            s.mode = Mode::Normal;
            if let Some((_, c)) = s.confirm_cmd.take() {
                s.confirmed = true;
                let e = command(s, c);
                s.confirmed = false;
                return e;
            }
            s.confirm.take().map(|(_, w)| Effect::Write(w))
        }
        Cmd::Overwrite | Cmd::Reload => {
            let c = s.conflict.take()?;
            let Some((_, form)) = s.form.as_mut() else {
                s.mode = Mode::Normal;
                return None;
            };
            let overwrite = cmd == Cmd::Overwrite;
            for ch in &c.changes {
                // Theirs wherever the user did not change the field (and everywhere on
                // reload); the form is now opened on the record as it is.
                let mine = overwrite && edited(form, &ch.field);
                form.rebase(&ch.field, &ch.current);
                if !mine {
                    form.set_value(&ch.field, &ch.current);
                }
            }
            s.mode = Mode::Form;
            if overwrite {
                return submit(s);
            }
            let fields: Vec<&str> = c.changes.iter().map(|x| x.field.as_str()).collect();
            s.info(format!(
                "reloaded {}: their values are in the form, your other edits kept; Enter saves",
                fields.join(", ")
            ));
            None
        }
        Cmd::No => {
            s.confirm = None;
            s.confirm_cmd = None;
            // Back to the form the dialog came from, if any.
            s.mode = if s.form.is_some() {
                Mode::Form
            } else {
                Mode::Normal
            };
            s.info("cancelled: nothing was changed");
            None
        }
    }
}

fn submit(s: &mut State) -> Option<Effect> {
    let (kind, form) = s.form.as_mut()?;
    form.clear_errors();
    if !form.validate() {
        // The focus is on the first field in error: say which and why.
        let n = form.fields.iter().filter(|f| f.error.is_some()).count();
        let msg = form
            .fields
            .get(form.focus)
            .map(|f| {
                format!(
                    "not saved: {} — {}{} (the cursor is on it)",
                    f.label,
                    f.error.clone().unwrap_or_default(),
                    if n > 1 {
                        format!("; {} more field(s) marked ✗", n - 1)
                    } else {
                        String::new()
                    }
                )
            })
            .unwrap_or_else(|| "check the fields marked ✗".into());
        s.error(msg);
        return None;
    }
    let f = form.clone();
    let kind = kind.clone();
    match kind {
        FormKind::AddParticipant | FormKind::EditParticipant { .. } | FormKind::Status { .. } => {
            super::panes::participants::submit(s, kind, f)
        }
        FormKind::Consent { .. } | FormKind::Withdraw { .. } => {
            super::panes::consent::submit(s, kind, f)
        }
        FormKind::Interview | FormKind::Complete { .. } | FormKind::Observation => {
            super::panes::sessions::submit(s, kind, f)
        }
        FormKind::Link { .. } => super::panes::transcripts::submit(s, kind, f),
        FormKind::AddTheme | FormKind::RenameTheme { .. } | FormKind::MergeTheme { .. } => {
            super::panes::themes::submit(s, kind, f)
        }
        FormKind::TagPassage { .. }
        | FormKind::PassageMemo { .. }
        | FormKind::Summary { .. }
        | FormKind::Rule
        | FormKind::Split => super::panes::coding::forms::submit(s, kind, f),
        FormKind::Data(d) => super::panes::data::submit(s, d, &f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Site;
    use crate::service::consent::ConsentRow;
    use crate::service::Reference;

    fn reference() -> Reference {
        Reference {
            study_name: "Test study".into(),
            sites: ["A", "B"]
                .iter()
                .map(|c| Site {
                    id: c.to_string(),
                    code: c.to_string(),
                    name: format!("Site {c}"),
                    region: None,
                    population: None,
                    places: None,
                    notes: None,
                })
                .collect(),
            ..Default::default()
        }
    }

    fn state() -> State {
        State::new(
            reference(),
            "/tmp/x.db".into(),
            "/tmp/t".into(),
            false,
            true,
            false,
        )
    }

    #[test]
    fn a_superseded_request_is_told_to_stop() {
        use std::sync::atomic::Ordering::Relaxed;
        let mut s = state();
        let job = Slow::Data(Pane::Redaction);
        s.begin(job);
        let first = s.cancel_flag(job);
        assert!(!first.load(Relaxed));
        // A newer request for the slot: the first is told to stop, the newer is not.
        let gen = s.begin(job);
        let second = s.cancel_flag(job);
        assert!(first.load(Relaxed) && !second.load(Relaxed));
        // Other slots are left alone; a write stops everything pending.
        s.begin(Slow::Coverage);
        let coverage = s.cancel_flag(Slow::Coverage);
        assert!(s.accept(job, gen) && !second.load(Relaxed));
        s.invalidate();
        assert!(coverage.load(Relaxed));
    }

    fn key(c: KeyCode) -> Action {
        Action::Key(KeyEvent::new_with_kind(
            c,
            KeyModifiers::NONE,
            KeyEventKind::Press,
        ))
    }

    #[test]
    fn key_release_is_ignored() {
        let mut s = state();
        let ev = KeyEvent::new_with_kind(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
            KeyEventKind::Release,
        );
        assert!(update(&mut s, Action::Key(ev)).is_none());
        assert!(matches!(
            update(&mut s, key(KeyCode::Char('q'))),
            Some(Effect::Quit)
        ));
    }

    #[test]
    fn number_keys_and_tab_switch_panes_and_load_stale_ones() {
        let mut s = state();
        assert!(matches!(
            update(&mut s, key(KeyCode::Char('6'))),
            Some(Effect::Load(Pane::Coverage))
        ));
        assert_eq!(s.pane, Pane::Coverage);
        update(&mut s, key(KeyCode::Tab));
        assert_eq!(s.pane, Pane::Search);
        update(&mut s, key(KeyCode::Char('E')));
        assert_eq!(s.pane, Pane::Export);
        update(&mut s, key(KeyCode::Tab));
        assert_eq!(s.pane, Pane::Agreement);
        s.stale[Pane::Participants.index()] = false;
        assert!(update(&mut s, key(KeyCode::Tab)).is_none());
        assert_eq!(s.pane, Pane::Participants);
        update(&mut s, key(KeyCode::BackTab));
        assert_eq!(s.pane, Pane::Agreement);
        update(&mut s, key(KeyCode::Char('K')));
        assert_eq!(s.pane, Pane::Agreement);
        for (k, p) in [
            ('0', Pane::Analysis),
            ('D', Pane::Redaction),
            ('9', Pane::Matrix),
        ] {
            update(&mut s, key(KeyCode::Char(k)));
            assert_eq!(s.pane, p);
        }
    }

    #[test]
    fn site_filter_cycles_through_the_reference_sites_and_back() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('s')));
        assert_eq!(s.pfilter.site.as_deref(), Some("A"));
        update(&mut s, key(KeyCode::Char('s')));
        assert_eq!(s.pfilter.site.as_deref(), Some("B"));
        update(&mut s, key(KeyCode::Char('s')));
        assert_eq!(s.pfilter.site, None);
    }

    #[test]
    fn search_is_incremental_and_esc_clears_it() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('/')));
        assert_eq!(s.mode, Mode::Search);
        // The query shows at once; the list reload waits for the frame (and folds keys).
        assert!(update(&mut s, key(KeyCode::Char('j'))).is_none());
        update(&mut s, key(KeyCode::Char('o')));
        assert_eq!(s.pfilter.search.as_deref(), Some("jo"));
        assert_eq!(s.slow, vec![Slow::Reload(Pane::Participants)]);
        // `q` is text while searching, not quit.
        assert!(update(&mut s, key(KeyCode::Char('q'))).is_none());
        assert_eq!(s.pfilter.search.as_deref(), Some("joq"));
        update(&mut s, key(KeyCode::Esc));
        assert_eq!(s.pfilter.search, None);
        assert_eq!(s.mode, Mode::Normal);
    }

    #[test]
    fn add_form_validates_before_any_write_and_esc_changes_nothing() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('a')));
        assert_eq!(s.mode, Mode::Form);
        assert!(
            update(&mut s, key(KeyCode::Enter)).is_none(),
            "empty name is refused locally"
        );
        let (_, f) = s.form.as_ref().unwrap();
        assert_eq!(f.fields[0].error.as_deref(), Some("required"));
        for c in "Ann".chars() {
            update(&mut s, key(KeyCode::Char(c)));
        }
        match update(&mut s, key(KeyCode::Enter)) {
            Some(Effect::Write(Write::AddParticipant(i))) => {
                assert_eq!(i.name.as_deref(), Some("Ann"))
            }
            other => panic!("{other:?}"),
        }
        update(&mut s, key(KeyCode::Esc));
        assert!(s.form.is_none());
        assert_eq!(s.mode, Mode::Normal);
    }

    #[test]
    fn paging_loads_two_pages_and_reloads_only_past_them() {
        let mut p: Paged<u32> = Paged {
            rows: (0..20).collect(),
            total: 1000,
            ..Default::default()
        };
        p.page.set(10);
        assert!(!p.move_by(15), "the second page is loaded");
        assert!(p.move_by(5), "the third is not");
        assert_eq!(p.window_start(), 20);
        assert_eq!(p.window_len(), 20);
        p.offset = 20;
        assert!(p.move_to(5));
        assert_eq!(p.window_start(), 0, "moving up loads the page before too");
        p.move_to(5000);
        assert_eq!(p.selected, 999);
    }

    #[test]
    fn undo_without_history_says_so() {
        let mut s = state();
        assert!(update(&mut s, key(KeyCode::Char('u'))).is_none());
        assert!(s.message.as_ref().unwrap().text.contains("nothing to undo"));
        s.undo.push(Step {
            what: "x".into(),
            inverse: Write::Untag {
                ids: vec!["t".into()],
            },
            forward: Write::Tag {
                session: "s".into(),
                themes: vec!["t".into()],
            },
        });
        assert!(matches!(
            update(&mut s, key(KeyCode::Char('u'))),
            Some(Effect::Write(Write::Untag { .. }))
        ));
    }

    #[test]
    fn withdrawal_goes_through_a_confirm_dialog() {
        let mut s = state();
        s.pane = Pane::Consent;
        s.consent.total = 1;
        s.consent.rows.push(ConsentRow {
            participant_id: "p1".into(),
            code: "PAAAA".into(),
            name: "N".into(),
            site: "A".into(),
            status: Status::Consented,
            items: vec![],
            records: 1,
            withdrawn: None,
        });
        update(&mut s, key(KeyCode::Char('w')));
        assert!(update(&mut s, key(KeyCode::Enter)).is_none());
        assert_eq!(s.mode, Mode::Confirm);
        update(&mut s, key(KeyCode::Char('n')));
        assert_eq!(s.mode, Mode::Form);
        update(&mut s, key(KeyCode::Enter));
        assert!(matches!(
            update(&mut s, key(KeyCode::Char('y'))),
            Some(Effect::Write(Write::Withdraw { .. }))
        ));
    }

    #[test]
    fn privacy_toggles() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('P')));
        assert!(s.privacy);
    }
}
