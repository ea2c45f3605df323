//! The interface's papercuts (issue 12): tabs, paste, questions before one-key writes,
//! forms, pickers, `/` search, the message log, new records selected, the help overlay and
//! the Coverage pane — driven through `update` on a small study, and rendered.

mod common;
mod support;

use fieldwork::domain::WithdrawalScope;
use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{self, update, Action, Effect, Mode, Pane, State};
use fieldwork::tui::effects::{finish, perform};
use fieldwork::tui::keymap::Cmd;
use support::tui::{cmd, state, text, typed};

fn setup() -> (tempfile::TempDir, Fieldwork, State) {
    let dir = tempfile::tempdir().unwrap();
    let fw = support::small(&dir.path().join("transcripts"));
    let s = state(&fw, false);
    (dir, fw, s)
}

fn go(fw: &mut Fieldwork, s: &mut State, p: Pane) {
    cmd(fw, s, Cmd::Go(p));
}

/// Paste like the loop does; returns whether the paste asked for a write.
fn paste(fw: &mut Fieldwork, s: &mut State, t: &str) -> bool {
    let e = update(s, Action::Paste(t.into()));
    let wrote = matches!(e, Some(Effect::Write(_)));
    if let Some(e) = e {
        perform(fw, s, e);
    }
    finish(fw, s);
    wrote
}

fn message(s: &State) -> (String, bool) {
    let m = s.message.as_ref().expect("a message");
    (m.text.clone(), m.error)
}

fn focus_field(s: &mut State, key: &str) {
    let (_, f) = s.form.as_mut().expect("a form");
    f.focus = f.fields.iter().position(|x| x.key == key).unwrap();
}

fn code_of(fw: &Fieldwork, name: &str) -> String {
    fw.participants(&Default::default(), 0, 100)
        .unwrap()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
        .code
}

#[test]
fn every_pane_name_is_readable_in_the_tab_bar_from_80_columns() {
    let (_d, mut fw, mut s) = setup();
    for privacy in [false, true] {
        s.privacy = privacy;
        for active in Pane::ALL {
            go(&mut fw, &mut s, *active);
            for w in [80u16, 100, 120, 160] {
                let screen = text(&s, w, 24);
                let bar = screen.lines().next().unwrap();
                for p in Pane::ALL {
                    let named = bar.contains(&format!("{} {}", p.key(), p.tiny()))
                        || bar.contains(&format!("{} {}", p.key(), p.title()))
                        || (w < 90 && bar.contains(&format!("{} {}", p.key(), p.micro())));
                    assert!(named, "{p:?} unnamed at {w} (privacy {privacy}): {bar}");
                }
                assert!(bar.contains(&format!("{} ", active.key())), "{bar}");
                if privacy {
                    assert!(bar.contains("PRIV"), "{bar}");
                }
            }
        }
    }
    // Wide enough, every title is whole.
    let screen = text(&s, 160, 50);
    let bar = screen.lines().next().unwrap();
    for p in Pane::ALL {
        assert!(bar.contains(p.title()), "{bar}");
    }
}

#[test]
fn a_paste_is_text_for_the_search_or_the_field_and_never_keys() {
    let (_d, mut fw, mut s) = setup();
    go(&mut fw, &mut s, Pane::Participants);
    let n = s.participants.list.total;
    // On a list with a search: a new search with the pasted text (line breaks as spaces).
    assert!(!paste(&mut fw, &mut s, "we agree\r"));
    assert_eq!(s.mode, Mode::Search);
    assert_eq!(s.participants.filter.search.as_deref(), Some("we agree"));
    assert!(s.form.is_none());
    assert_eq!(s.participants.list.total, 0);
    cmd(&mut fw, &mut s, Cmd::Cancel);
    assert_eq!(s.participants.list.total, n);
    // Command keys pasted are text: nothing opens, nothing quits.
    assert!(!paste(&mut fw, &mut s, "q\nd e a y"));
    assert_eq!(s.participants.filter.search.as_deref(), Some("q d e a y"));
    cmd(&mut fw, &mut s, Cmd::Cancel);
    // In a form: into the focused field only; Enter in the paste does not save.
    cmd(&mut fw, &mut s, Cmd::AddParticipant);
    assert!(!paste(&mut fw, &mut s, "Ann\r\nLee\r"));
    assert_eq!(s.mode, Mode::Form);
    assert_eq!(s.form.as_ref().unwrap().1.get("name"), "Ann Lee");
    cmd(&mut fw, &mut s, Cmd::Cancel);
    assert_eq!(s.participants.list.total, n, "nothing was added");
    // Where there is no text field (Coverage): ignored, and it says so.
    go(&mut fw, &mut s, Pane::Coverage);
    assert!(!paste(&mut fw, &mut s, "y\r"));
    assert_eq!(s.mode, Mode::Normal);
    assert!(message(&s).0.contains("paste ignored"), "{:?}", s.message);
}

#[test]
fn one_key_writes_ask_first_and_no_changes_nothing() {
    let (_d, mut fw, mut s) = setup();
    // Sessions, newest first: the scheduled interview, then a done one.
    go(&mut fw, &mut s, Pane::Sessions);
    assert_eq!(
        s.sessions.list.current().unwrap().status,
        fieldwork::domain::SessionStatus::Scheduled
    );
    // A scheduled interview: d opens the form at once (nothing is changed yet).
    cmd(&mut fw, &mut s, Cmd::CompleteInterview);
    assert_eq!(s.mode, Mode::Form);
    cmd(&mut fw, &mut s, Cmd::Cancel);
    // A done one: d asks; n changes nothing and opens nothing.
    cmd(&mut fw, &mut s, Cmd::Down);
    let done = s.sessions.list.current().unwrap().clone();
    assert_eq!(done.status, fieldwork::domain::SessionStatus::Done);
    cmd(&mut fw, &mut s, Cmd::CompleteInterview);
    assert_eq!(s.mode, Mode::Confirm);
    assert!(text(&s, 120, 40).contains("is already done"));
    cmd(&mut fw, &mut s, Cmd::No);
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.form.is_none());
    // y opens the form on its status; choosing cancelled asks again before writing.
    cmd(&mut fw, &mut s, Cmd::CompleteInterview);
    cmd(&mut fw, &mut s, Cmd::Yes);
    assert_eq!(s.mode, Mode::Form);
    assert_eq!(s.form.as_ref().unwrap().1.get("status"), "done");
    cmd(&mut fw, &mut s, Cmd::FormRight);
    assert_eq!(
        update(&mut s, Action::Cmd(Cmd::FormSubmit)).map(|_| ()),
        None
    );
    assert_eq!(s.mode, Mode::Confirm);
    cmd(&mut fw, &mut s, Cmd::No);
    assert_eq!(s.mode, Mode::Form);
    cmd(&mut fw, &mut s, Cmd::Cancel);
    let again = fw.session(&done.id).unwrap();
    assert_eq!(again.status, fieldwork::domain::SessionStatus::Done);
    // Transcripts: relink and import-all ask; n changes nothing.
    go(&mut fw, &mut s, Pane::Transcripts);
    for c in [
        Cmd::Relink,
        Cmd::Coding(fieldwork::tui::coding::CodingCmd::ImportAll),
    ] {
        assert!(
            update(&mut s, Action::Cmd(c)).is_none(),
            "{c:?} wrote at once"
        );
        assert_eq!(s.mode, Mode::Confirm, "{c:?}");
        cmd(&mut fw, &mut s, Cmd::No);
    }
}

#[test]
fn forms_scroll_long_values_keep_the_focus_in_view_and_name_the_field_in_error() {
    let (_d, mut fw, mut s) = setup();
    go(&mut fw, &mut s, Pane::Participants);
    cmd(&mut fw, &mut s, Cmd::AddParticipant);
    // A name longer than its box: its end, with the cursor, is what shows.
    let long = format!("{}END", "x".repeat(150));
    typed(&mut fw, &mut s, &long);
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = text(&s, w, h);
        assert!(screen.contains("END▏"), "{screen}");
    }
    cmd(&mut fw, &mut s, Cmd::FormClear);
    typed(&mut fw, &mut s, "New Person");
    // A phone number the service refuses: the focus goes to it and the status says so.
    focus_field(&mut s, "phone");
    typed(&mut fw, &mut s, "call me");
    focus_field(&mut s, "name");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    let (m, err) = message(&s);
    assert!(err, "{m}");
    assert!(m.contains("Phone") && m.contains("cursor"), "{m}");
    let (_, f) = s.form.as_ref().unwrap();
    assert_eq!(f.fields[f.focus].key, "phone");
    assert!(f.fields[f.focus]
        .error
        .as_deref()
        .unwrap()
        .contains("not a phone number"));
    let screen = text(&s, 120, 40);
    assert!(
        screen.contains("✗ `call me` is not a phone number"),
        "{screen}"
    );
    cmd(&mut fw, &mut s, Cmd::Cancel);
    // The interview form's last field, focused in a short terminal, is on screen.
    cmd(&mut fw, &mut s, Cmd::LogInterview);
    focus_field(&mut s, "notes");
    typed(&mut fw, &mut s, "the notes field");
    let screen = text(&s, 60, 16);
    assert!(screen.contains("the notes field▏"), "{screen}");
    // Its date starts inside the current phase window.
    let date = s.form.as_ref().unwrap().1.date("date").unwrap();
    assert!(
        s.reference
            .phases
            .iter()
            .any(|p| p.start <= date && date <= p.end),
        "{date}"
    );
    // A day that does not exist says so.
    focus_field(&mut s, "date");
    cmd(&mut fw, &mut s, Cmd::FormClear);
    typed(&mut fw, &mut s, "2023-02-30");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    let (m, _) = message(&s);
    assert!(m.contains("no such day") && m.contains("28 days"), "{m}");
}

#[test]
fn new_record_dates_default_inside_the_current_phase_window() {
    let (_d, _fw, s) = setup();
    let r = &s.reference;
    let d = support::d;
    // Phases: 2021-11-01..2022-05-31 and 2023-01-01..2023-05-31.
    assert_eq!(app::default_date(r, d("2022-02-02")), d("2022-02-02"));
    assert_eq!(app::default_date(r, d("2022-08-01")), d("2022-05-31"));
    assert_eq!(app::default_date(r, d("2026-12-06")), d("2023-05-31"));
    assert_eq!(app::default_date(r, d("2021-01-01")), d("2021-11-01"));
}

#[test]
fn pickers_filter_as_you_type_and_show_full_labels() {
    let (_d, mut fw, mut s) = setup();
    go(&mut fw, &mut s, Pane::Participants);
    cmd(&mut fw, &mut s, Cmd::AddParticipant);
    focus_field(&mut s, "role");
    typed(&mut fw, &mut s, "transformation");
    let (_, f) = s.form.as_ref().unwrap();
    let role = f.fields.iter().find(|x| x.key == "role").unwrap();
    assert_eq!(role.matching().len(), 1);
    assert_eq!(f.get("role"), "ccg-director");
    // The long label is shown whole (wrapped under the field).
    let screen = text(&s, 120, 40);
    assert!(
        screen.contains("NHS providers and commissioners › CCG director (transformation,")
            && screen.contains("  performance, assurance)"),
        "{screen}"
    );
    // ←/→ move only among the matches; Backspace widens the filter again.
    cmd(&mut fw, &mut s, Cmd::FormClear);
    typed(&mut fw, &mut s, "nurs");
    let all: Vec<String> = {
        let (_, f) = s.form.as_ref().unwrap();
        let role = f.fields.iter().find(|x| x.key == "role").unwrap();
        assert!(role.matching().len() >= 2);
        role.matching().iter().map(|i| i.to_string()).collect()
    };
    for _ in 0..5 {
        cmd(&mut fw, &mut s, Cmd::FormRight);
        let (_, f) = s.form.as_ref().unwrap();
        let role = f.fields.iter().find(|x| x.key == "role").unwrap();
        assert!(all.contains(&role.choice.to_string()));
        assert!(f.get("role").contains("nurse"), "{}", f.get("role"));
    }
    // The filter shows while it is typed.
    let screen = text(&s, 120, 40);
    assert!(screen.contains("filter: nurs▏"), "{screen}");
}

#[test]
fn slash_searches_sessions_transcripts_themes_and_the_matrix() {
    let (_d, mut fw, mut s) = setup();
    let bob = code_of(&fw, "Bob Brown");
    // Sessions: jump to the observed board meeting.
    go(&mut fw, &mut s, Pane::Sessions);
    cmd(&mut fw, &mut s, Cmd::Search);
    assert_eq!(s.mode, Mode::Search);
    typed(&mut fw, &mut s, "board");
    assert_eq!(
        s.sessions.list.current().unwrap().kind,
        fieldwork::domain::SessionKind::Observation
    );
    assert!(text(&s, 120, 40).contains("/board▏"));
    cmd(&mut fw, &mut s, Cmd::SearchAccept);
    // `k` is up in Sessions too.
    let at = s.sessions.list.selected;
    update(
        &mut s,
        Action::Key(ratatui::crossterm::event::KeyEvent::new(
            ratatui::crossterm::event::KeyCode::Char('k'),
            ratatui::crossterm::event::KeyModifiers::NONE,
        )),
    );
    assert_eq!(s.sessions.list.selected, at - 1);
    // `/` starts a new query: the old one is gone.
    cmd(&mut fw, &mut s, Cmd::Search);
    assert_eq!(s.find, "");
    typed(&mut fw, &mut s, &bob.to_lowercase());
    let cur = s.sessions.list.current().unwrap();
    assert!(cur.participants.iter().any(|p| p.code == bob));
    cmd(&mut fw, &mut s, Cmd::Cancel);
    // Transcripts: by the participant's code.
    go(&mut fw, &mut s, Pane::Transcripts);
    cmd(&mut fw, &mut s, Cmd::Search);
    typed(&mut fw, &mut s, &bob);
    assert!(s.transcripts.current().unwrap().participants.contains(&bob));
    cmd(&mut fw, &mut s, Cmd::SearchAccept);
    // Nothing matches: it says so.
    cmd(&mut fw, &mut s, Cmd::Search);
    typed(&mut fw, &mut s, "zzzz");
    assert!(message(&s).0.contains("nothing in the list matches"));
    cmd(&mut fw, &mut s, Cmd::Cancel);
    // Themes: by path.
    go(&mut fw, &mut s, Pane::Themes);
    cmd(&mut fw, &mut s, Cmd::Search);
    typed(&mut fw, &mut s, "metrics");
    assert!(s
        .current_theme()
        .unwrap()
        .path
        .contains("Measures and metrics"));
    cmd(&mut fw, &mut s, Cmd::SearchAccept);
    // Matrix: jump to a case.
    go(&mut fw, &mut s, Pane::Matrix);
    cmd(&mut fw, &mut s, Cmd::Search);
    typed(&mut fw, &mut s, &bob);
    let st = &s.coding.matrix;
    let row = st.rows()[st.row].clone();
    assert_eq!(st.matrix.as_ref().unwrap().cases[row.case].code, bob);
    // Participants: `/` drops the last query instead of extending it.
    go(&mut fw, &mut s, Pane::Participants);
    cmd(&mut fw, &mut s, Cmd::Search);
    typed(&mut fw, &mut s, "ali");
    cmd(&mut fw, &mut s, Cmd::SearchAccept);
    assert_eq!(s.participants.filter.search.as_deref(), Some("ali"));
    cmd(&mut fw, &mut s, Cmd::Search);
    assert_eq!(s.participants.filter.search, None);
    typed(&mut fw, &mut s, "bo");
    assert_eq!(s.participants.filter.search.as_deref(), Some("bo"));
}

#[test]
fn the_message_log_shows_every_message_whole_errors_first() {
    let (_d, mut fw, mut s) = setup();
    s.info("first info");
    s.error(format!("an error {} END-OF-ERROR", "long ".repeat(60)));
    s.info("second info");
    // The status line shows a long message whole (wrapped) or points to the log.
    let screen = text(&s, 120, 40);
    assert!(screen.contains("second info"));
    s.error(format!("another error {} TAIL", "word ".repeat(30)));
    let screen = text(&s, 120, 40);
    assert!(screen.contains("TAIL"), "{screen}");
    cmd(&mut fw, &mut s, Cmd::Log);
    assert_eq!(s.mode, Mode::Log);
    let screen = text(&s, 120, 40);
    let pos = |t: &str| screen.find(t).unwrap_or_else(|| panic!("{t}:\n{screen}"));
    assert!(pos("another error") < pos("an error"));
    assert!(pos("an error") < pos("second info"));
    assert!(pos("second info") < pos("first info"));
    assert!(screen.contains("END-OF-ERROR"), "cut:\n{screen}");
    cmd(&mut fw, &mut s, Cmd::Cancel);
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn an_added_record_is_selected_and_the_next_step_suggested() {
    let (_d, mut fw, mut s) = setup();
    go(&mut fw, &mut s, Pane::Participants);
    // Filtered to one site: the new participant (another site) is still found.
    cmd(&mut fw, &mut s, Cmd::FilterSite);
    cmd(&mut fw, &mut s, Cmd::AddParticipant);
    typed(&mut fw, &mut s, "Nina New");
    focus_field(&mut s, "site");
    cmd(&mut fw, &mut s, Cmd::FormLeft); // the last site
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal, "{:?}", s.message);
    assert_eq!(s.participants.list.current().unwrap().p.name, "Nina New");
    let hint = s.next_hint.clone().unwrap();
    assert!(hint.contains("consent"), "{hint}");
    let screen = text(&s, 120, 40);
    assert!(screen.contains("next: r records"), "{screen}");
    // Log an interview with her from Sessions: it is selected there.
    go(&mut fw, &mut s, Pane::Sessions);
    cmd(&mut fw, &mut s, Cmd::LogInterview);
    let code = code_of(&fw, "Nina New");
    typed(&mut fw, &mut s, &code);
    focus_field(&mut s, "date");
    cmd(&mut fw, &mut s, Cmd::FormClear);
    typed(&mut fw, &mut s, "2099-02-02");
    focus_field(&mut s, "status");
    cmd(&mut fw, &mut s, Cmd::FormRight); // scheduled
    focus_field(&mut s, "phase");
    cmd(&mut fw, &mut s, Cmd::FormLeft); // phase 2
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal, "{:?}", s.message);
    let cur = s.sessions.list.current().unwrap();
    assert!(cur.participants.iter().any(|p| p.code == code));
    assert!(s.next_hint.as_deref().unwrap().contains("done"));
}

#[test]
fn help_wraps_and_filters() {
    let (_d, mut fw, mut s) = setup();
    go(&mut fw, &mut s, Pane::Search);
    cmd(&mut fw, &mut s, Cmd::Help);
    // The longest description is whole (wrapped), not cut.
    let screen = text(&s, 120, 40);
    assert!(screen.contains("its session)"), "{screen}");
    // Typing filters every pane's keys; q is text then, not close.
    typed(&mut fw, &mut s, "undo");
    let screen = text(&s, 120, 40);
    assert!(screen.contains("undo the last edit"), "{screen}");
    assert!(!screen.contains("next pane"), "{screen}");
    update(
        &mut s,
        Action::Key(ratatui::crossterm::event::KeyEvent::new(
            ratatui::crossterm::event::KeyCode::Char('q'),
            ratatui::crossterm::event::KeyModifiers::NONE,
        )),
    );
    assert_eq!(s.mode, Mode::Help);
    assert_eq!(s.help_filter, "undoq");
    cmd(&mut fw, &mut s, Cmd::Cancel);
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn coverage_leaves_withdrawn_out_names_codes_totals_phases_and_counts_fieldworkers() {
    let (_d, mut fw, mut s) = setup();
    let bob = code_of(&fw, "Bob Brown");
    let before = fw.coverage().unwrap();
    let fu = &before.follow_up[0];
    assert!(fu.not_seen.iter().any(|n| n.code == bob));
    fw.withdraw(&bob, WithdrawalScope::NoFurtherContact, None, None)
        .unwrap();
    let c = fw.coverage().unwrap();
    let fu = &c.follow_up[0];
    assert!(!fu.not_seen.iter().any(|n| n.code == bob), "{fu:?}");
    assert_eq!(fu.withdrawn, 1);
    assert_eq!(fu.seen_again, before.follow_up[0].seen_again);
    // Gaps name the interviewees' export codes.
    let g = c
        .gaps
        .iter()
        .find(|g| g.kind == "no-transcript" && g.participants == vec![bob.clone()])
        .expect("Bob's interview has no transcript");
    assert!(g.message.contains(&bob), "{}", g.message);
    // Totals per phase.
    assert_eq!(c.phases[0].interviews, 3);
    assert_eq!(c.phases[1].interviews, 1);
    // Per fieldworker.
    let per = fw.coverage_by_fieldworker().unwrap();
    assert_eq!(per.totals.len(), 1);
    assert_eq!(per.totals[0].fieldworker, "TST");
    assert_eq!(
        (per.totals[0].interviews, per.totals[0].observations),
        (4, 1)
    );
    assert_eq!(per.cells.iter().map(|x| x.sessions).sum::<i64>(), 5);
    // The pane: the per-fieldworker panel, the phase totals, and every panel scrolls.
    go(&mut fw, &mut s, Pane::Coverage);
    let screen = text(&s, 160, 50);
    assert!(screen.contains("Sessions done per fieldworker"), "{screen}");
    assert!(
        screen.contains("4 interview(s), 1 observation(s)"),
        "{screen}"
    );
    assert!(screen.contains("1 withdrawn, not counted"), "{screen}");
    let small = text(&s, 80, 24);
    assert!(small.contains("[1–"), "no scroll marker:\n{small}");
    cmd(&mut fw, &mut s, Cmd::CoverageFocus); // the targets panel
    assert_eq!(s.coverage.focus, 0);
    cmd(&mut fw, &mut s, Cmd::Down);
    assert_eq!(s.coverage.scroll[0], 1);
    assert!(text(&s, 80, 24).contains("[2–"));
}

#[test]
fn cli_coverage_by_fieldworker_and_the_phone_rule() {
    let st = common::Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    st.ok(&[
        "interview",
        "log",
        "--participant",
        &a,
        "--date",
        "2022-01-10",
        "--interviewer",
        "Field Worker",
    ]);
    let plain = st.json(&["coverage", "--json"]);
    let by = st.json(&["coverage", "--by", "fieldworker", "--json"]);
    // Every key of the report is kept; one is added.
    for k in plain.as_object().unwrap().keys() {
        assert_eq!(plain[k], by[k], "{k}");
    }
    assert_eq!(
        by["by_fieldworker"]["totals"][0]["fieldworker"],
        "Field Worker"
    );
    assert_eq!(by["by_fieldworker"]["totals"][0]["interviews"], 1);
    assert_eq!(by["by_fieldworker"]["cells"][0]["site"], "A");
    assert!(plain.get("by_fieldworker").is_none());
    let text = st.ok(&["coverage", "--by", "fieldworker"]);
    assert!(text.contains("Sessions done per fieldworker"), "{text}");
    assert!(text.contains("Field Worker"), "{text}");
    let err = st.fails(2, &["coverage", "--by", "site"]);
    assert!(err.contains("fieldworker"), "{err}");
    // The phone rule, on the command line too.
    st.ok(&["participant", "edit", &a, "--phone", "+44 (0)1632 960-123"]);
    let err = st.fails(2, &["participant", "edit", &a, "--phone", "123"]);
    assert!(err.contains("phone") && err.contains("7 to 20"), "{err}");
    let err = st.fails(2, &["participant", "edit", &a, "--phone", "call me"]);
    assert!(err.contains("`c` is not allowed"), "{err}");
    // No such day.
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2023-02-30",
        ],
    );
    assert!(err.contains("no such day"), "{err}");
}

#[test]
fn undo_and_redo_go_back_and_forth_many_levels() {
    let (_d, mut fw, mut s) = setup();
    go(&mut fw, &mut s, Pane::Participants);
    let id = s.participants.list.current().unwrap().p.id.clone();
    let name = |fw: &Fieldwork| fw.participant(&id).unwrap().name;
    for n in ["Alice Two", "Alice Three"] {
        cmd(&mut fw, &mut s, Cmd::EditParticipant);
        cmd(&mut fw, &mut s, Cmd::FormClear);
        typed(&mut fw, &mut s, n);
        cmd(&mut fw, &mut s, Cmd::FormSubmit);
        assert_eq!(name(&fw), n, "{:?}", s.message);
    }
    // Tag the selected session too: three edits to undo.
    go(&mut fw, &mut s, Pane::Sessions);
    let session = s.sessions.list.current().unwrap().id.clone();
    let tags = |fw: &Fieldwork| fw.tags(Some(&session), None, 0, 100).unwrap().len();
    let before = tags(&fw);
    go(&mut fw, &mut s, Pane::Themes);
    cmd(&mut fw, &mut s, Cmd::Down);
    cmd(&mut fw, &mut s, Cmd::TagSession);
    assert_eq!(tags(&fw), before + 1);
    assert_eq!(s.undo.len(), 3);

    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(tags(&fw), before);
    let (m, _) = message(&s);
    assert!(m.starts_with("undone: tagging with"), "{m}");
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(name(&fw), "Alice Two");
    assert!(
        message(&s).0.starts_with("undone: edit of"),
        "{:?}",
        s.message
    );
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(name(&fw), "Alice Adams");
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert!(message(&s).0.contains("nothing to undo"));

    // Redo, in order.
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert_eq!(name(&fw), "Alice Two");
    assert!(
        message(&s).0.starts_with("redone: edit of"),
        "{:?}",
        s.message
    );
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert_eq!(name(&fw), "Alice Three");
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert_eq!(tags(&fw), before + 1);
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert!(message(&s).0.contains("nothing to redo"));
    // A redone tag is undone again (by its new id).
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(tags(&fw), before);
    // A new edit clears what could be redone.
    go(&mut fw, &mut s, Pane::Participants);
    cmd(&mut fw, &mut s, Cmd::EditParticipant);
    cmd(&mut fw, &mut s, Cmd::FormClear);
    typed(&mut fw, &mut s, "Alice Four");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert!(s.redo.is_empty());
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert!(message(&s).0.contains("nothing to redo"));
}

#[test]
fn help_scrolls_when_its_keys_do_not_fit() {
    let (_d, mut fw, mut s) = setup();
    cmd(&mut fw, &mut s, Cmd::Help);
    let screen = text(&s, 120, 30);
    assert!(screen.contains("↓ more keys"), "{screen}");
    assert!(!screen.contains("close the message log"), "{screen}");
    for _ in 0..10 {
        cmd(&mut fw, &mut s, Cmd::Down);
    }
    let screen = text(&s, 120, 30);
    assert!(screen.contains("close the message log"), "{screen}");
}

#[test]
fn an_undone_status_change_leaves_no_event_in_the_history() {
    let (_d, mut fw, mut s) = setup();
    go(&mut fw, &mut s, Pane::Participants);
    // Frank Ford: identified.
    let frank = code_of(&fw, "Frank Ford");
    while s.participants.list.current().unwrap().p.code != frank {
        cmd(&mut fw, &mut s, Cmd::Down);
    }
    let history = |fw: &Fieldwork| fw.participant_detail(&frank).unwrap().history.len();
    let before = history(&fw);
    cmd(&mut fw, &mut s, Cmd::ChangeStatus);
    cmd(&mut fw, &mut s, Cmd::FormRight); // identified → invited
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(fw.participant(&frank).unwrap().status.as_str(), "invited");
    assert_eq!(history(&fw), before + 1);
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(
        fw.participant(&frank).unwrap().status.as_str(),
        "identified"
    );
    assert_eq!(
        history(&fw),
        before,
        "the undone change is still in the history"
    );
    assert!(message(&s).0.starts_with("undone: status change of"));
    // The audit log keeps both.
    let audit = fw
        .audit(Some(&fw.participant(&frank).unwrap().id), 10)
        .unwrap();
    assert!(
        audit.iter().any(|a| a.action == "status undone"),
        "{audit:?}"
    );
    // Redo sets it again, and it can be undone again.
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert_eq!(fw.participant(&frank).unwrap().status.as_str(), "invited");
    assert_eq!(history(&fw), before + 1);
    // Changed by someone else since: the undo is refused and stays on the list.
    fw.set_status_from(
        &frank,
        fieldwork::domain::Status::Reminded,
        None,
        None,
        None,
    )
    .unwrap();
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert!(message(&s).1, "{:?}", s.message);
    assert_eq!(fw.participant(&frank).unwrap().status.as_str(), "reminded");
    assert_eq!(s.undo.len(), 1);
}
