//! The state machine with a real (in-memory) log: forms, errors beside fields, undo,
//! confirm dialogs and jumps, driven through `update` and the effects runner.

mod support;

use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{update, Action, Mode, Pane, State};
use fieldwork::tui::effects::perform;
use fieldwork::tui::keymap::Cmd;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use support::tui::{cmd, state};

/// Type through the key map, as key presses (not `Action::Text`).
fn typed(fw: &mut Fieldwork, s: &mut State, text: &str) {
    for ch in text.chars() {
        let ev =
            KeyEvent::new_with_kind(KeyCode::Char(ch), KeyModifiers::NONE, KeyEventKind::Press);
        if let Some(e) = update(s, Action::Key(ev)) {
            perform(fw, s, e);
        }
    }
}

fn setup() -> (tempfile::TempDir, Fieldwork, State) {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small(&dir.path().join("transcripts"));
    let mut s = state(&fw, false);
    perform(
        &mut fw,
        &mut s,
        fieldwork::tui::app::Effect::Load(Pane::Participants),
    );
    // The list's window is a deferred load (the worker's, in the interface).
    fieldwork::tui::effects::finish(&fw, &mut s);
    (dir, fw, s)
}

fn msg(s: &State) -> String {
    s.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn edit_then_undo_restores_the_participant() {
    let (_d, mut fw, mut s) = setup();
    let id = s.participants.list.current().unwrap().p.id.clone();
    cmd(&mut fw, &mut s, Cmd::EditParticipant);
    cmd(&mut fw, &mut s, Cmd::FormClear);
    typed(&mut fw, &mut s, "Alice Changed");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal, "{}", msg(&s));
    assert_eq!(fw.participant(&id).unwrap().name, "Alice Changed");
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(
        fw.participant(&id).unwrap().name,
        "Alice Adams",
        "{}",
        msg(&s)
    );
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert!(msg(&s).contains("nothing to undo"));
}

#[test]
fn a_service_error_lands_beside_its_field_and_keeps_the_form() {
    let (_d, mut fw, mut s) = setup();
    let before = fw.participant_count(&Default::default()).unwrap();
    cmd(&mut fw, &mut s, Cmd::AddParticipant);
    typed(&mut fw, &mut s, "New Person");
    for _ in 0..3 {
        cmd(&mut fw, &mut s, Cmd::FormNext);
    }
    typed(&mut fw, &mut s, "not-an-email");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Form);
    let (_, form) = s.form.as_ref().unwrap();
    let email = form.fields.iter().find(|f| f.key == "email").unwrap();
    assert!(
        email
            .error
            .as_deref()
            .unwrap_or("")
            .contains("not an email"),
        "{email:?}"
    );
    assert!(s.message.as_ref().unwrap().error);
    // Esc: nothing written.
    cmd(&mut fw, &mut s, Cmd::Cancel);
    assert_eq!(fw.participant_count(&Default::default()).unwrap(), before);
    assert!(s.form.is_none());
}

#[test]
fn status_change_and_tagging_can_be_undone() {
    let (_d, mut fw, mut s) = setup();
    // Frank Ford: identified.
    cmd(&mut fw, &mut s, Cmd::Down);
    cmd(&mut fw, &mut s, Cmd::Down);
    cmd(&mut fw, &mut s, Cmd::Down);
    let p = s.participants.list.current().unwrap().p.clone();
    assert_eq!(p.name, "Frank Ford");
    cmd(&mut fw, &mut s, Cmd::ChangeStatus);
    cmd(&mut fw, &mut s, Cmd::FormRight); // identified → invited
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(
        fw.participant(&p.id).unwrap().status.as_str(),
        "invited",
        "{}",
        msg(&s)
    );
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(
        fw.participant(&p.id).unwrap().status.as_str(),
        "identified",
        "{}",
        msg(&s)
    );

    cmd(&mut fw, &mut s, Cmd::Go(Pane::Sessions));
    let session = s.sessions.list.current().unwrap().id.clone();
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Themes));
    cmd(&mut fw, &mut s, Cmd::Down);
    cmd(&mut fw, &mut s, Cmd::MarkTheme);
    cmd(&mut fw, &mut s, Cmd::MarkTheme);
    cmd(&mut fw, &mut s, Cmd::TagSession);
    assert_eq!(
        fw.tags(Some(&session), None, 0, 100).unwrap().len(),
        2,
        "{}",
        msg(&s)
    );
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(
        fw.tags(Some(&session), None, 0, 100).unwrap().len(),
        0,
        "{}",
        msg(&s)
    );
}

#[test]
fn withdrawal_needs_confirmation_and_no_changes_nothing() {
    let (_d, mut fw, mut s) = setup();
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Consent));
    let pid = s.consent.list.current().unwrap().participant_id.clone();
    cmd(&mut fw, &mut s, Cmd::Withdraw);
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Confirm);
    cmd(&mut fw, &mut s, Cmd::No);
    cmd(&mut fw, &mut s, Cmd::Cancel);
    assert!(fw.consent_records(&pid).unwrap().1.is_empty());
    cmd(&mut fw, &mut s, Cmd::Withdraw);
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    cmd(&mut fw, &mut s, Cmd::Yes);
    assert_eq!(fw.consent_records(&pid).unwrap().1.len(), 1, "{}", msg(&s));
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn consent_problems_list_the_three_kinds() {
    let (_d, mut fw, mut s) = setup();
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Consent));
    let kinds: Vec<&str> = s.consent.problems.iter().map(|p| p.kind).collect();
    assert!(kinds.contains(&"never-asked"), "{kinds:?}");
    assert!(kinds.contains(&"follow-up"), "{kinds:?}");
}

#[test]
fn a_gap_jumps_to_its_record() {
    let (_d, mut fw, mut s) = setup();
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Coverage));
    let gaps = s.coverage.data.as_ref().unwrap().gaps.clone();
    let i = gaps.iter().position(|g| g.kind == "no-transcript").unwrap();
    for _ in 0..i {
        cmd(&mut fw, &mut s, Cmd::Down);
    }
    cmd(&mut fw, &mut s, Cmd::Jump);
    assert_eq!(s.pane, Pane::Transcripts);
    assert_eq!(s.transcripts.current().unwrap().session_id, gaps[i].id);
}

#[test]
fn link_form_completes_paths_under_the_root() {
    let (d, mut fw, mut s) = setup();
    std::fs::write(d.path().join("transcripts/second-interview.txt"), "x").unwrap();
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Transcripts));
    let row = (0..s.transcripts.total)
        .find(|i| s.transcripts.get(*i).unwrap().transcript.is_none())
        .unwrap();
    s.transcripts.selected = row;
    cmd(&mut fw, &mut s, Cmd::LinkTranscript);
    typed(&mut fw, &mut s, "sec");
    cmd(&mut fw, &mut s, Cmd::FormRight);
    assert_eq!(
        s.form.as_ref().unwrap().1.get("path"),
        "second-interview.txt"
    );
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert!(msg(&s).contains("transcript linked"), "{}", msg(&s));
}

/// A path outside the transcripts root in the link form: the file is copied under the root
/// (by the naming pattern) and imported, through the service call `transcript import` uses.
#[test]
fn link_form_imports_a_file_from_outside_the_root() {
    let (d, mut fw, mut s) = setup();
    let outside = d.path().join("downloads/from-the-recorder.txt");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    std::fs::write(&outside, "Interviewer: Hello.\nParticipant: Hello again.\n").unwrap();
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Transcripts));
    let row = (0..s.transcripts.total)
        .find(|i| s.transcripts.get(*i).unwrap().transcript.is_none())
        .unwrap();
    s.transcripts.selected = row;
    let sid = s.transcripts.current().unwrap().session_id.clone();
    cmd(&mut fw, &mut s, Cmd::LinkTranscript);
    typed(&mut fw, &mut s, outside.to_str().unwrap());
    assert_eq!(
        s.form.as_ref().unwrap().1.get("path"),
        outside.to_str().unwrap()
    );
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert!(
        msg(&s).contains("copied under the transcripts root"),
        "{}",
        msg(&s)
    );
    let shown = fw.session(&sid).unwrap();
    let t = shown.transcript.expect("linked");
    let copy = d.path().join("transcripts").join(&t.path);
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(&outside).unwrap()
    );
    assert!(outside.exists(), "copied, not moved");
    assert_eq!(fw.transcript_view(&sid).unwrap().turns.len(), 2);
    // Undone: no link, no text; the copy stays under the root (never removed from there).
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert!(msg(&s).starts_with("undone: importing"), "{}", msg(&s));
    assert!(
        fw.session(&sid).unwrap().transcript.is_none(),
        "{}",
        msg(&s)
    );
    assert!(fw.transcript_view(&sid).is_err());
    assert!(copy.exists());
    // Redone: the same file (the copy is found where it is) linked and imported again.
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert!(msg(&s).starts_with("redone:"), "{}", msg(&s));
    assert_eq!(fw.transcript_view(&sid).unwrap().turns.len(), 2);
}
