//! The state of the interface and `update`, which turns an action into state changes and
//! at most one effect for the loop to carry out. Pure: no IO, no terminal.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};

pub use crate::tui::core::*;
use crate::tui::keymap;
use crate::tui::panes::{consent, participants, sessions};

mod nav;
#[cfg(test)]
mod tests;

pub use nav::{find, finds_in_list, has_search};
use nav::{go, move_sel, page, reload_list, search_filter, search_reload, text};

/// Turn an action into state changes; return what the loop must do.
pub fn update(s: &mut State, action: Action) -> Option<Effect> {
    match action {
        Action::Key(ev) => {
            if ev.kind != KeyEventKind::Press {
                return None;
            }
            if let Some(effect) = crate::tui::panes::conflicts::key(&mut s.sync_conflicts, &ev) {
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

fn command(s: &mut State, cmd: Cmd) -> Option<Effect> {
    match cmd {
        Cmd::Quit => Some(Effect::Quit),
        Cmd::Coding(c) => {
            let pane = s.pane;
            let (mut cx, st, (themes, transcripts)) = pane_cx!(s, coding; themes, transcripts);
            let transcript = transcripts.current();
            crate::tui::panes::coding::command(&mut cx, st, pane, themes, transcript, c)
        }
        Cmd::Data(c) => {
            let pane = s.pane;
            let (mut cx, st, (themes,)) = pane_cx!(s, data; themes);
            crate::tui::panes::data::command(&mut cx, st, pane, themes, c)
        }
        Cmd::Agreement(c) => {
            let (mut cx, st) = pane_cx!(s, agreement);
            crate::tui::panes::agreement::command(&mut cx, st, c)
        }
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
        Cmd::OpenConflicts => crate::tui::panes::conflicts::open(&mut s.sync_conflicts),
        Cmd::TogglePrivacy => {
            s.privacy = !s.privacy;
            if s.privacy && !s.coding.search.hits.is_empty() {
                in_pane!(s, coding, crate::tui::panes::coding::search_typed);
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
                s.info("nothing to undo: the undo list is empty");
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
            in_pane!(s, coding, crate::tui::panes::coding::search_typed)
        }
        Cmd::SearchBackspace if s.pane == Pane::Redaction => {
            crate::tui::panes::data::backspace(&mut s.data)
        }
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
        Cmd::FilterSite
        | Cmd::FilterCategory
        | Cmd::FilterStatus
        | Cmd::FilterPhase
        | Cmd::FilterKind
        | Cmd::FilterSessionStatus
        | Cmd::ToggleOrder
        | Cmd::ClearFilters
        | Cmd::Delete
        | Cmd::AddParticipant
        | Cmd::EditParticipant
        | Cmd::ChangeStatus
        | Cmd::RecordConsent
        | Cmd::Withdraw
        | Cmd::LogInterview
        | Cmd::ScheduleInterview
        | Cmd::CompleteInterview
        | Cmd::LogObservation => people_command(s, cmd),
        Cmd::LinkTranscript | Cmd::Verify | Cmd::Relink => {
            let (mut cx, st) = pane_cx!(s, transcripts);
            crate::tui::panes::transcripts::command(&mut cx, st, cmd)
        }
        Cmd::MarkTheme => {
            s.themes.mark();
            move_sel(s, 1, None)
        }
        Cmd::AddTheme
        | Cmd::RenameTheme
        | Cmd::MergeTheme
        | Cmd::RetireTheme
        | Cmd::TagSession
        | Cmd::QuoteSite
        | Cmd::QuotePhase
        | Cmd::QuoteCategory
        | Cmd::ShowAllThemes => {
            let session = s.sessions.list.current().map(|x| x.id.clone());
            let (mut cx, st) = pane_cx!(s, themes);
            crate::tui::panes::themes::command(&mut cx, st, session, cmd)
        }
        Cmd::CoverageFocus | Cmd::Jump => {
            let (mut cx, st) = pane_cx!(s, coverage);
            crate::tui::panes::coverage::command(&mut cx, st, cmd)
        }
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
                    return in_pane!(s, coding, crate::tui::panes::coding::search_typed);
                }
                Mode::Search if s.pane == Pane::Redaction => {
                    s.mode = Mode::Normal;
                    return crate::tui::panes::data::cancel_text(&mut s.data);
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

/// The commands of Participants, Consent and Sessions, each given its pane's own state
/// and the small context (`Cx`). Recording consent and logging an interview are offered
/// from other panes too: they get the participant selected there.
fn people_command(s: &mut State, cmd: Cmd) -> Option<Effect> {
    let pane = s.pane;
    let who = match pane {
        Pane::Participants | Pane::Consent => s.selected_participant(),
        _ => None,
    };
    match cmd {
        Cmd::RecordConsent | Cmd::Withdraw => {
            let (mut cx, st) = pane_cx!(s, consent);
            consent::command(&mut cx, st, who, cmd)
        }
        Cmd::LogInterview
        | Cmd::ScheduleInterview
        | Cmd::CompleteInterview
        | Cmd::LogObservation => {
            let (mut cx, st) = pane_cx!(s, sessions);
            sessions::command(&mut cx, st, who.map(|w| w.1), cmd)
        }
        _ => match pane {
            Pane::Participants => {
                let (mut cx, st) = pane_cx!(s, participants);
                participants::command(&mut cx, st, cmd)
            }
            Pane::Consent => {
                let (mut cx, st) = pane_cx!(s, consent);
                consent::command(&mut cx, st, who, cmd)
            }
            Pane::Sessions => {
                let (mut cx, st) = pane_cx!(s, sessions);
                sessions::command(&mut cx, st, None, cmd)
            }
            _ => None,
        },
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
            participants::submit(kind, f)
        }
        FormKind::Consent { .. } | FormKind::Withdraw { .. } => {
            let who = s.selected_participant();
            consent::submit(&mut s.cx(), who, kind, f)
        }
        FormKind::Interview | FormKind::Complete { .. } | FormKind::Observation => {
            sessions::submit(&mut s.cx(), kind, f)
        }
        FormKind::Link { .. } => crate::tui::panes::transcripts::submit(kind, f),
        FormKind::AddTheme | FormKind::RenameTheme { .. } | FormKind::MergeTheme { .. } => {
            let (mut cx, st) = pane_cx!(s, themes);
            crate::tui::panes::themes::submit(&mut cx, st, kind, f)
        }
        FormKind::TagPassage { .. }
        | FormKind::PassageMemo { .. }
        | FormKind::Summary { .. }
        | FormKind::Rule
        | FormKind::Split => {
            let (mut cx, st) = pane_cx!(s, coding);
            crate::tui::panes::coding::forms::submit(&mut cx, st, kind, f)
        }
        FormKind::Data(d) => crate::tui::panes::data::submit(&mut s.cx(), d, &f),
    }
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
