//! The state of the interface and `update`, which turns an action into state changes and
//! at most one effect for the loop to carry out. Pure: no IO, no terminal.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};

pub use super::core::*;
use super::keymap;
use super::widgets::form::{Field, Form};
use crate::domain::{
    format_date, Answer, ConsentMode, InterviewMode, Participant, ParticipantFilter,
    ParticipantInput, RecordingStatus, SessionFilter, SessionKind, SessionStatus, Status,
    ThemeStatus, TranscriptionStatus, WithdrawalScope,
};
use crate::service::consent::ConsentInput;
use crate::service::sessions::{InterviewInput, ObservationInput};
use crate::service::{Reference, Version};

fn opts<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<(String, String)> {
    all.iter().map(|v| (v.to_string(), v.to_string())).collect()
}

fn with_unset(mut v: Vec<(String, String)>, label: &str) -> Vec<(String, String)> {
    v.insert(0, (String::new(), label.to_string()));
    v
}

/// Turn an action into state changes; return what the loop must do.
pub fn update(s: &mut State, action: Action) -> Option<Effect> {
    match action {
        Action::Key(ev) => {
            if ev.kind != KeyEventKind::Press {
                return None;
            }
            if let Some(effect) = super::sync_view::key(s, &ev) {
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
            super::coding::search_typed(s)
        }
        Mode::Search if s.pane == Pane::Redaction => super::data::text(s, c),
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
            return super::coding::move_sel(s, d, abs)
        }
        Pane::Redaction | Pane::Export => return super::data::move_sel(s, d, abs),
        Pane::Agreement => return super::agreement::move_sel(s, d, abs),
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
        Cmd::Coding(c) => super::coding::command(s, c),
        Cmd::Data(c) => super::data::command(s, c),
        Cmd::Agreement(c) => super::agreement::command(s, c),
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
        Cmd::OpenConflicts => super::sync_view::open(s),
        Cmd::TogglePrivacy => {
            s.privacy = !s.privacy;
            if s.privacy && !s.coding.search.hits.is_empty() {
                super::coding::search_typed(s);
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
            super::coding::search_typed(s)
        }
        Cmd::SearchBackspace if s.pane == Pane::Redaction => super::data::backspace(s),
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
        Cmd::AddParticipant => {
            let f = participant_form(&s.reference, None, "Add a participant");
            s.open_form(FormKind::AddParticipant, f);
            None
        }
        Cmd::EditParticipant => {
            let Some(r) = s.participants.current() else {
                s.error("no participant selected");
                return None;
            };
            let id = r.p.id.clone();
            let f = participant_form(
                &s.reference,
                Some(&r.p),
                &format!("Edit participant {}", r.p.code),
            );
            s.open_form(FormKind::EditParticipant { id }, f);
            None
        }
        Cmd::ChangeStatus => {
            let Some(r) = s.participants.current() else {
                s.error("no participant selected");
                return None;
            };
            let statuses: Vec<Status> = Status::ALL
                .iter()
                .copied()
                .filter(|x| *x != Status::Withdrawn)
                .collect();
            let f = Form::new(
                format!("Status of {} (now {})", r.p.code, r.p.status),
                vec![
                    Field::choice("status", "New status", opts(&statuses))
                        .with(r.p.status.as_str()),
                    Field::date("date", "Date", Some(crate::domain::today())).required(),
                    Field::text("note", "Note").pii(),
                ],
            );
            let id = r.p.id.clone();
            // Opened on the status the list shows (even one the choices leave out).
            let mut f = f;
            f.rebase("status", r.p.status.as_str());
            s.open_form(FormKind::Status { id }, f);
            None
        }
        Cmd::RecordConsent => {
            let Some((pid, code)) = s.selected_participant() else {
                s.error("no participant selected");
                return None;
            };
            let answers = with_unset(opts(Answer::ALL), "unset (not on the form)");
            let mut fields = vec![
                Field::date("date", "Date signed", Some(s.default_date())).required(),
                Field::choice("mode", "Mode", opts(ConsentMode::ALL)),
                Field::text("form_version", "Form version")
                    .with(s.reference.consent_form_version.clone()),
            ];
            for (key, label) in [
                ("take_part", "Take part"),
                ("audio", "Audio recording"),
                ("quotes", "Anonymised quotes"),
                ("archiving", "Archiving/sharing"),
                ("follow_up", "Follow-up contact"),
            ] {
                fields.push(Field::choice(key, label, answers.clone()));
            }
            fields.push(Field::text("file_ref", "Signed form ref").pii());
            s.open_form(
                FormKind::Consent { pid },
                Form::new(format!("Record consent for {code}"), fields),
            );
            None
        }
        Cmd::Withdraw => {
            let Some((pid, code)) = s.selected_participant() else {
                s.error("no participant selected");
                return None;
            };
            let f = Form::new(
                format!("Withdrawal of {code}"),
                vec![
                    Field::choice("scope", "Scope", opts(WithdrawalScope::ALL)),
                    Field::date("date", "Date", Some(crate::domain::today())).required(),
                    Field::text("reason", "Reason").pii(),
                ],
            );
            s.open_form(FormKind::Withdraw { pid }, f);
            None
        }
        Cmd::LogInterview | Cmd::ScheduleInterview => {
            let code = match s.pane {
                Pane::Participants | Pane::Consent => s.selected_participant().map(|p| p.1),
                _ => None,
            };
            let scheduled = cmd == Cmd::ScheduleInterview;
            let mut statuses = vec![SessionStatus::Done, SessionStatus::Scheduled];
            if scheduled {
                statuses.reverse();
            }
            let phases = with_unset(
                s.reference
                    .phases
                    .iter()
                    .map(|p| (p.number.to_string(), format!("{} {}", p.number, p.name)))
                    .collect(),
                "from the date",
            );
            let f = Form::new(
                if scheduled {
                    "Schedule an interview"
                } else {
                    "Log an interview"
                },
                vec![
                    Field::text("participant", "Participant code")
                        .required()
                        .with(code.unwrap_or_default()),
                    Field::date("date", "Date", Some(s.default_date())).required(),
                    Field::choice("status", "Status", opts(&statuses)),
                    Field::choice("phase", "Phase", phases),
                    Field::choice("mode", "Mode", opts(InterviewMode::ALL)),
                    Field::number("duration", "Minutes"),
                    Field::choice(
                        "recording",
                        "Recording",
                        with_unset(opts(RecordingStatus::ALL), "not yet known"),
                    ),
                    Field::choice(
                        "transcription",
                        "Transcription",
                        opts(TranscriptionStatus::ALL),
                    ),
                    Field::choice(
                        "allow_gap",
                        "Without consent",
                        vec![
                            ("no".into(), "refuse".into()),
                            ("yes".into(), "log as a consent gap".into()),
                        ],
                    ),
                    Field::text("notes", "Notes").pii(),
                ],
            );
            s.open_form(FormKind::Interview, f);
            None
        }
        Cmd::CompleteInterview => {
            let Some(x) = s.sessions.current() else {
                s.error("no session selected");
                return None;
            };
            if x.kind != SessionKind::Interview {
                s.error("only interviews are completed here");
                return None;
            }
            if x.status != SessionStatus::Scheduled && !s.confirmed {
                let who: Vec<&str> = x.participants.iter().map(|p| p.code.as_str()).collect();
                let q = format!(
                    "The interview of {} ({}) is already {}. Change its status?",
                    format_date(x.date),
                    who.join(", "),
                    x.status
                );
                s.ask_cmd(q, Cmd::CompleteInterview);
                return None;
            }
            let sid = x.id.clone();
            let f = Form::new(
                format!("Complete the interview of {}", format_date(x.date)),
                vec![
                    Field::choice(
                        "status",
                        "Status",
                        opts(&[SessionStatus::Done, SessionStatus::Cancelled]),
                    )
                    .with(x.status.as_str()),
                    Field::date("date", "Date", Some(x.date)).required(),
                    Field::number("duration", "Minutes"),
                    Field::choice(
                        "recording",
                        "Recording",
                        with_unset(opts(RecordingStatus::ALL), "not yet known"),
                    ),
                    Field::choice(
                        "allow_gap",
                        "Without consent",
                        vec![
                            ("no".into(), "refuse".into()),
                            ("yes".into(), "log as a consent gap".into()),
                        ],
                    ),
                ],
            );
            // Opened on the interview's status and date as the list shows them.
            let mut f = f;
            f.rebase("status", x.status.as_str());
            s.open_form(FormKind::Complete { sid }, f);
            None
        }
        Cmd::LogObservation => {
            let mts = s
                .reference
                .meeting_types
                .iter()
                .map(|m| (m.code.clone(), format!("{} – {}", m.code, m.name)))
                .collect();
            let sites = s
                .reference
                .sites
                .iter()
                .map(|m| (m.code.clone(), format!("{} – {}", m.code, m.name)))
                .collect();
            let f = Form::new(
                "Log an observed meeting",
                vec![
                    Field::choice("meeting_type", "Meeting type", mts),
                    Field::choice("site", "Site", sites),
                    Field::date("date", "Date", Some(s.default_date())).required(),
                    Field::choice(
                        "status",
                        "Status",
                        opts(&[SessionStatus::Done, SessionStatus::Scheduled]),
                    ),
                    Field::text("title", "Title").pii(),
                    Field::number("attendees", "Attendees"),
                    Field::number("duration", "Minutes"),
                    Field::text("notes", "Notes").pii(),
                ],
            );
            s.open_form(FormKind::Observation, f);
            None
        }
        Cmd::LinkTranscript => {
            let Some(t) = s.transcripts.current() else {
                s.error("no interview selected");
                return None;
            };
            let sid = t.session_id.clone();
            let f = Form::new(
                format!(
                    "Link a transcript to the interview of {} ({})",
                    t.date,
                    t.participants.join(", ")
                ),
                vec![
                    Field::path("path", "File").required(),
                    Field::choice(
                        "replace",
                        "Existing link",
                        vec![
                            ("no".into(), "keep (refuse)".into()),
                            ("yes".into(), "replace".into()),
                        ],
                    )
                    .with(if t.transcript.is_some() { "yes" } else { "no" }),
                ],
            );
            s.open_form(FormKind::Link { sid }, f);
            None
        }
        Cmd::Verify => Some(Effect::Write(Write::Verify { relink: false })),
        Cmd::Relink => {
            s.ask(
                "Relink every moved transcript file to where its hash is found under the transcripts root?".into(),
                Write::Verify { relink: true },
            );
            None
        }
        Cmd::AddTheme => {
            let fws = s.themes.iter().map(|t| t.framework.clone()).fold(
                Vec::<String>::new(),
                |mut v, f| {
                    if !v.contains(&f) {
                        v.push(f);
                    }
                    v
                },
            );
            let parents = with_unset(s.active_theme_options(), "top level");
            let cur_fw = s
                .current_theme()
                .map(|t| t.framework.clone())
                .unwrap_or_default();
            let f = Form::new(
                "Add a theme",
                vec![
                    Field::text("name", "Name").required(),
                    Field::choice(
                        "framework",
                        "Framework",
                        fws.into_iter().map(|f| (f.clone(), f)).collect(),
                    )
                    .with(cur_fw),
                    Field::choice("parent", "Under", parents),
                ],
            );
            s.open_form(FormKind::AddTheme, f);
            None
        }
        Cmd::RenameTheme => {
            let t = s.current_theme()?;
            let (id, name, path) = (t.id.clone(), t.name.clone(), t.path.clone());
            let f = Form::new(
                format!("Rename {path}"),
                vec![Field::text("name", "New name").required().with(name)],
            );
            s.open_form(FormKind::RenameTheme { id }, f);
            None
        }
        Cmd::MergeTheme => {
            let t = s.current_theme()?;
            let id = t.id.clone();
            let path = t.path.clone();
            let targets: Vec<(String, String)> = s
                .themes
                .iter()
                .filter(|x| {
                    x.status == ThemeStatus::Active
                        && x.id != id
                        && !x.path.starts_with(&format!("{path}/"))
                })
                .map(|x| (x.id.clone(), x.path.clone()))
                .collect();
            let f = Form::new(
                format!("Merge {path} into…"),
                vec![Field::choice("into", "Into", targets)],
            );
            s.open_form(FormKind::MergeTheme { id }, f);
            None
        }
        Cmd::RetireTheme => {
            let t = s.current_theme()?;
            let q = format!("Retire the theme {}? Its {} tag(s) are kept; it can no longer be used for tagging.", t.path, t.tag_count);
            s.ask(q, Write::RetireTheme { id: t.id.clone() });
            None
        }
        Cmd::MarkTheme => {
            if let Some(t) = s.current_theme() {
                let id = t.id.clone();
                if let Some(i) = s.marked.iter().position(|m| *m == id) {
                    s.marked.remove(i);
                } else {
                    s.marked.push(id);
                }
            }
            move_sel(s, 1, None)
        }
        Cmd::TagSession => {
            let Some(sess) = s.sessions.current() else {
                s.error("select a session in the Sessions pane (3) first");
                return None;
            };
            let themes = if s.marked.is_empty() {
                s.current_theme()
                    .map(|t| vec![t.id.clone()])
                    .unwrap_or_default()
            } else {
                s.marked.clone()
            };
            if themes.is_empty() {
                s.error("no theme selected");
                return None;
            }
            s.marked.clear();
            Some(Effect::Write(Write::Tag {
                session: sess.id.clone(),
                themes,
            }))
        }
        Cmd::ShowAllThemes => {
            s.show_all_themes = !s.show_all_themes;
            s.theme_sel = 0;
            Some(Effect::Load(Pane::Themes))
        }
        Cmd::CoverageFocus => {
            s.cov_focus = (s.cov_focus + 1) % COVERAGE_PANELS.len();
            s.info(format!(
                "Coverage: ↑/↓ now move the {} panel",
                COVERAGE_PANELS[s.cov_focus]
            ));
            None
        }
        Cmd::Jump => {
            let gap = s
                .coverage
                .as_ref()
                .and_then(|c| c.gaps.get(s.gap_sel))
                .cloned();
            let g = gap?;
            let pane = match (g.entity.as_str(), g.kind.as_str()) {
                ("participant", _) => Pane::Participants,
                ("session", k) if k.contains("transcript") => Pane::Transcripts,
                ("session", _) => Pane::Sessions,
                _ => {
                    s.info(g.action.clone());
                    return None;
                }
            };
            s.pane = pane;
            match pane {
                Pane::Participants => s.pfilter = ParticipantFilter::default(),
                Pane::Sessions => s.sfilter = SessionFilter::default(),
                _ => {}
            }
            s.info(format!("to do: {}", g.action));
            Some(Effect::Locate { pane, id: g.id })
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
                    return super::coding::search_typed(s);
                }
                Mode::Search if s.pane == Pane::Redaction => {
                    s.mode = Mode::Normal;
                    return super::data::cancel_text(s);
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

fn participant_form(r: &Reference, p: Option<&Participant>, title: &str) -> Form {
    let sites = r
        .sites
        .iter()
        .map(|x| (x.code.clone(), format!("{} – {}", x.code, x.name)))
        .collect();
    let roles = r
        .roles
        .iter()
        .map(|x| (x.code.clone(), format!("{} › {}", x.category_name, x.name)))
        .collect();
    let v = |o: Option<&String>| o.cloned().unwrap_or_default();
    let mut f = vec![
        Field::text("name", "Name").required().pii(),
        Field::choice("site", "Site", sites),
        Field::choice("role", "Role", roles),
        Field::text("email", "Email").pii(),
        Field::text("phone", "Phone").pii(),
        Field::text("organisation", "Organisation").pii(),
        Field::text("job title", "Job title").pii(),
        Field::text("notes", "Notes").pii(),
    ];
    if let Some(p) = p {
        f[0].value = p.name.clone();
        f[1] = f[1].clone().with(p.site.clone());
        f[2] = f[2].clone().with(p.role.clone());
        f[3].value = v(p.email.as_ref());
        f[4].value = v(p.phone.as_ref());
        f[5].value = v(p.organisation.as_ref());
        f[6].value = v(p.job_title.as_ref());
        f[7].value = v(p.notes.as_ref());
    }
    Form::new(title, f)
}

fn answer(f: &Form, key: &str) -> Option<Answer> {
    f.get(key).parse().ok()
}

fn participant_input(f: &Form) -> ParticipantInput {
    ParticipantInput {
        name: Some(f.get("name")),
        email: Some(f.get("email")),
        phone: Some(f.get("phone")),
        organisation: Some(f.get("organisation")),
        job_title: Some(f.get("job title")),
        role: Some(f.get("role")),
        site: Some(f.get("site")),
        notes: Some(f.get("notes")),
        status: None,
        allow_duplicate_unique_role: false,
    }
}

/// The participant's current values, as an edit that restores them.
pub fn input_of(p: &Participant) -> ParticipantInput {
    let v = |o: &Option<String>| Some(o.clone().unwrap_or_default());
    ParticipantInput {
        name: Some(p.name.clone()),
        email: v(&p.email),
        phone: v(&p.phone),
        organisation: v(&p.organisation),
        job_title: v(&p.job_title),
        role: Some(p.role.clone()),
        site: Some(p.site.clone()),
        notes: v(&p.notes),
        status: None,
        allow_duplicate_unique_role: false,
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
    let w = match kind.clone() {
        FormKind::AddParticipant => Write::AddParticipant(ParticipantInput {
            status: None,
            ..participant_input(&f)
        }),
        FormKind::EditParticipant { id } => {
            // Only the fields the user changed; the values the form opened with undo them.
            let changed = |key: &str| edited(&f, key).then(|| f.get(key));
            let was = |key: &str| {
                edited(&f, key).then(|| f.opened_value(key).unwrap_or_default().to_string())
            };
            let pick = |g: &dyn Fn(&str) -> Option<String>| ParticipantInput {
                name: g("name"),
                email: g("email"),
                phone: g("phone"),
                organisation: g("organisation"),
                job_title: g("job title"),
                role: g("role"),
                site: g("site"),
                notes: g("notes"),
                status: None,
                allow_duplicate_unique_role: false,
            };
            Write::EditParticipant {
                id,
                input: pick(&changed),
                before: Some(pick(&was)),
                opened: Some(version_of(&f)),
            }
        }
        FormKind::Status { id } => {
            // The status the form was opened on: the version, and what undo goes back to.
            let before = f.opened_value("status").and_then(|v| v.parse().ok());
            Write::SetStatus {
                id,
                status: f.get("status").parse().unwrap_or(Status::Identified),
                date: f.date("date"),
                note: f.opt("note"),
                before,
            }
        }
        FormKind::Consent { pid } => Write::RecordConsent {
            pid,
            input: ConsentInput {
                date: f.date("date"),
                form_version: f.opt("form_version"),
                form_file: None,
                mode: f.get("mode").parse().ok(),
                taken_by: None,
                take_part: answer(&f, "take_part"),
                audio: answer(&f, "audio"),
                quotes: answer(&f, "quotes"),
                archiving: answer(&f, "archiving"),
                follow_up: answer(&f, "follow_up"),
                file_ref: f.opt("file_ref"),
            },
        },
        FormKind::Withdraw { pid } => {
            let scope: WithdrawalScope = f
                .get("scope")
                .parse()
                .unwrap_or(WithdrawalScope::NoFurtherContact);
            let code = s.selected_participant().map(|p| p.1).unwrap_or_default();
            let q = format!(
                "Record the withdrawal of {code} ({scope})? A withdrawal is permanent: it cannot be edited or undone."
            );
            s.ask(
                q,
                Write::Withdraw {
                    pid,
                    scope,
                    date: f.date("date"),
                    reason: f.opt("reason"),
                },
            );
            return None;
        }
        FormKind::Interview => Write::LogInterview(InterviewInput {
            participants: f
                .get("participant")
                .split([',', ' '])
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect(),
            date: f.date("date"),
            phase: f.get("phase").parse().ok(),
            site: None,
            status: f.get("status").parse().ok(),
            mode: f.get("mode").parse().ok(),
            duration_min: f.number("duration"),
            interviewer: None,
            recording: f.get("recording").parse().ok(),
            transcription: f.get("transcription").parse().ok(),
            notes: f.opt("notes"),
            allow_gap: f.get("allow_gap") == "yes",
        }),
        FormKind::Complete { sid } if f.get("status") == "cancelled" => {
            let q = format!(
                "Cancel the interview of {}? A cancelled interview no longer counts toward coverage.",
                f.get("date")
            );
            s.ask(
                q,
                Write::CompleteInterview {
                    sid,
                    status: SessionStatus::Cancelled,
                    date: f.date("date"),
                    duration: f.number("duration"),
                    recording: f.get("recording").parse().ok(),
                    allow_gap: f.get("allow_gap") == "yes",
                    opened: Some(Version::new(
                        f.opened
                            .iter()
                            .filter(|(k, _)| matches!(*k, "status" | "date"))
                            .map(|(k, v)| (*k, v.clone())),
                    )),
                },
            );
            return None;
        }
        FormKind::Complete { sid } => Write::CompleteInterview {
            sid,
            status: f.get("status").parse().unwrap_or(SessionStatus::Done),
            date: f.date("date"),
            duration: f.number("duration"),
            recording: f.get("recording").parse().ok(),
            allow_gap: f.get("allow_gap") == "yes",
            opened: Some(Version::new(
                f.opened
                    .iter()
                    .filter(|(k, _)| matches!(*k, "status" | "date"))
                    .map(|(k, v)| (*k, v.clone())),
            )),
        },
        FormKind::Observation => Write::LogObservation(ObservationInput {
            meeting_type: f.get("meeting_type"),
            site: f.get("site"),
            date: f.date("date"),
            phase: None,
            title: f.opt("title"),
            observer: None,
            attendees: f.number("attendees"),
            duration_min: f.number("duration"),
            notes: f.opt("notes"),
            status: f.get("status").parse().ok(),
        }),
        FormKind::Link { sid } => Write::LinkTranscript {
            sid,
            path: f.get("path"),
            replace: f.get("replace") == "yes",
        },
        FormKind::AddTheme => Write::AddTheme {
            name: f.get("name"),
            framework: f.opt("framework"),
            parent: f.opt("parent"),
        },
        FormKind::RenameTheme { id } => Write::RenameTheme {
            id,
            name: f.get("name"),
            before: f.opened_value("name").map(str::to_string),
            opened: Some(version_of(&f)),
        },
        FormKind::MergeTheme { id } => {
            let into = f.get("into");
            let name = |x: &str| {
                s.themes
                    .iter()
                    .find(|t| t.id == x)
                    .map(|t| t.path.clone())
                    .unwrap_or_default()
            };
            let q = format!(
                "Merge {} into {}? Its tags and sub-themes move; a merge cannot be undone.",
                name(&id),
                name(&into)
            );
            s.ask(q, Write::MergeTheme { from: id, into });
            return None;
        }
        FormKind::TagPassage {
            session,
            start,
            end,
        } => {
            let mut themes = Vec::new();
            for k in ["theme", "theme2", "theme3"] {
                let v = f.get(k);
                if !v.is_empty() && !themes.contains(&v) {
                    themes.push(v);
                }
            }
            Write::TagPassage {
                session,
                start,
                end,
                themes,
                memo: f.opt("memo"),
            }
        }
        FormKind::PassageMemo { ids } => Write::PassageMemo {
            ids,
            memo: f.opt("memo"),
            opened: Some(version_of(&f)),
        },
        FormKind::Summary {
            participant,
            theme,
            phase,
        } => Write::SetSummary {
            participant,
            theme,
            phase,
            summary: f.opt("summary"),
            opened: Some(version_of(&f)),
        },
        FormKind::Rule => match super::coding::rule_values(&f) {
            Ok((base, run, thr)) => {
                let a = &mut s.coding.analysis;
                a.base = Some(base);
                a.run = Some(run);
                a.threshold = Some(thr);
                s.info(format!(
                    "stopping rule: base {base}, run {run}, threshold {}%",
                    thr * 100.0
                ));
                s.form = None;
                s.mode = Mode::Normal;
                return Some(Effect::Load(Pane::Analysis));
            }
            Err((field, msg)) => {
                if let Some((_, form)) = &mut s.form {
                    form.set_error(field, &msg);
                }
                s.error(msg);
                return None;
            }
        },
        FormKind::Split => Write::SplitTheme {
            tag: f.get("tag"),
            name: f.get("name"),
        },
        FormKind::Data(d) => return super::data::submit(s, d, &f),
    };
    Some(Effect::Write(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Site;
    use crate::service::consent::ConsentRow;

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
