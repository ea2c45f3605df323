//! Undo and redo of the writes issue 12 named beyond edits — additions, cancellations,
//! links, merges, consent records (a correcting record) — and deleting a record created by
//! mistake with the Delete key, driven through `update` on a small study.

mod common;
mod support;

use fieldwork::domain::{Answer, SessionStatus};
use fieldwork::service::consent::ConsentInput;
use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{Effect, Mode, Pane, State, Write};
use fieldwork::tui::effects::{finish, perform};
use fieldwork::tui::keymap::Cmd;
use support::tui::{cmd, state, typed};

fn setup() -> (tempfile::TempDir, Fieldwork, State) {
    let dir = tempfile::tempdir().unwrap();
    let fw = support::small(&dir.path().join("transcripts"));
    let s = state(&fw, false);
    (dir, fw, s)
}

fn go(fw: &mut Fieldwork, s: &mut State, p: Pane) {
    cmd(fw, s, Cmd::Go(p));
}

fn write(fw: &mut Fieldwork, s: &mut State, w: Write) {
    perform(fw, s, Effect::Write(w));
    finish(fw, s);
}

fn message(s: &State) -> (String, bool) {
    let m = s.message.as_ref().expect("a message");
    (m.text.clone(), m.error)
}

fn count(fw: &Fieldwork) -> usize {
    fw.participant_count(&Default::default()).unwrap()
}

fn code_of(fw: &Fieldwork, name: &str) -> String {
    fw.participants(&Default::default(), 0, 100)
        .unwrap()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
        .code
}

fn select_participant(fw: &mut Fieldwork, s: &mut State, code: &str) {
    go(fw, s, Pane::Participants);
    cmd(fw, s, Cmd::Home);
    for _ in 0..20 {
        if s.participants.list.current().unwrap().p.code == code {
            return;
        }
        cmd(fw, s, Cmd::Down);
    }
    panic!("{code} not in the list");
}

#[test]
fn adding_a_participant_is_undone_by_deleting_them_and_redone_by_adding_again() {
    let (_d, mut fw, mut s) = setup();
    go(&mut fw, &mut s, Pane::Participants);
    let before = count(&fw);
    cmd(&mut fw, &mut s, Cmd::AddParticipant);
    typed(&mut fw, &mut s, "Gina Green");
    // Site D: its chief executive post is free.
    let (_, f) = s.form.as_mut().unwrap();
    f.focus = f.fields.iter().position(|x| x.key == "site").unwrap();
    for _ in 0..3 {
        cmd(&mut fw, &mut s, Cmd::FormRight);
    }
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(count(&fw), before + 1, "{:?}", s.message);
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(count(&fw), before, "{:?}", s.message);
    let (m, error) = message(&s);
    assert!(!error && m.starts_with("undone: adding participant"), "{m}");
    // The audit log keeps the deletion.
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert_eq!(count(&fw), before + 1, "{:?}", s.message);
    assert!(message(&s).0.starts_with("redone:"), "{:?}", s.message);
    // Redone, it can be undone again (the new record's id).
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(count(&fw), before);
}

#[test]
fn del_asks_then_deletes_and_offers_the_dependents_after_a_refusal() {
    let (_d, mut fw, mut s) = setup();
    let before = count(&fw);
    // Eve: no consent, no sessions, nothing depends on her.
    let eve = code_of(&fw, "Eve Evil");
    select_participant(&mut fw, &mut s, &eve);
    cmd(&mut fw, &mut s, Cmd::Delete);
    assert_eq!(s.mode, Mode::Confirm, "Del asks first");
    assert_eq!(count(&fw), before, "nothing is deleted before the answer");
    cmd(&mut fw, &mut s, Cmd::No);
    assert_eq!(count(&fw), before);
    cmd(&mut fw, &mut s, Cmd::Delete);
    cmd(&mut fw, &mut s, Cmd::Yes);
    assert_eq!(count(&fw), before - 1, "{:?}", s.message);
    assert!(
        message(&s).0.contains("deleted participant"),
        "{:?}",
        s.message
    );

    // Alice has consent records: never deleted.
    let alice = code_of(&fw, "Alice Adams");
    select_participant(&mut fw, &mut s, &alice);
    cmd(&mut fw, &mut s, Cmd::Delete);
    cmd(&mut fw, &mut s, Cmd::Yes);
    let (m, error) = message(&s);
    assert!(error && m.contains("immutable"), "{m}");
    assert_eq!(count(&fw), before - 1);

    // Frank, once his status changed, has a history that depends on him: refused, and
    // Delete again offers to delete it too.
    let frank = code_of(&fw, "Frank Ford");
    select_participant(&mut fw, &mut s, &frank);
    cmd(&mut fw, &mut s, Cmd::ChangeStatus);
    cmd(&mut fw, &mut s, Cmd::FormRight);
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    cmd(&mut fw, &mut s, Cmd::Delete);
    cmd(&mut fw, &mut s, Cmd::Yes);
    let (m, error) = message(&s);
    assert!(error && m.contains("Delete again"), "{m}");
    assert_eq!(count(&fw), before - 1);
    cmd(&mut fw, &mut s, Cmd::Delete);
    let (q, _) = s.confirm.clone().expect("a question");
    assert!(q.contains("AND"), "{q}");
    cmd(&mut fw, &mut s, Cmd::Yes);
    assert_eq!(count(&fw), before - 2, "{:?}", s.message);
    assert!(fw.participant(&frank).is_err());
}

#[test]
fn a_cancelled_interview_is_scheduled_again_after_undo() {
    let (_d, mut fw, mut s) = setup();
    go(&mut fw, &mut s, Pane::Sessions);
    cmd(&mut fw, &mut s, Cmd::Home);
    while s.sessions.list.current().unwrap().status != SessionStatus::Scheduled {
        cmd(&mut fw, &mut s, Cmd::Down);
    }
    let sid = s.sessions.list.current().unwrap().id.clone();
    let history = |fw: &Fieldwork| {
        let code = fw.session(&sid).unwrap().participants[0].code.clone();
        fw.participant_detail(&code).unwrap().history.len()
    };
    let events = history(&fw);
    cmd(&mut fw, &mut s, Cmd::CompleteInterview);
    cmd(&mut fw, &mut s, Cmd::FormRight); // done → cancelled
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Confirm, "cancelling asks");
    cmd(&mut fw, &mut s, Cmd::Yes);
    assert_eq!(fw.session(&sid).unwrap().status, SessionStatus::Cancelled);
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(
        fw.session(&sid).unwrap().status,
        SessionStatus::Scheduled,
        "{:?}",
        s.message
    );
    assert!(message(&s).0.starts_with("undone:"), "{:?}", s.message);
    assert_eq!(history(&fw), events, "no wrong event left in the history");
}

#[test]
fn logging_an_interview_and_an_observation_are_undone() {
    let (_d, mut fw, mut s) = setup();
    let sessions = |fw: &Fieldwork| fw.session_count(&Default::default()).unwrap();
    let before = sessions(&fw);
    let frank = code_of(&fw, "Frank Ford");
    let status = |fw: &Fieldwork| fw.participant(&frank).unwrap().status;
    let was = status(&fw);
    go(&mut fw, &mut s, Pane::Sessions);
    cmd(&mut fw, &mut s, Cmd::LogInterview);
    typed(&mut fw, &mut s, &frank);
    // Without consent: logged as a consent gap.
    let (_, f) = s.form.as_mut().unwrap();
    f.focus = f.fields.iter().position(|x| x.key == "allow_gap").unwrap();
    cmd(&mut fw, &mut s, Cmd::FormRight);
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(sessions(&fw), before + 1, "{:?}", s.message);
    assert_ne!(status(&fw), was, "logging moved the participant on");
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(sessions(&fw), before, "{:?}", s.message);
    assert_eq!(status(&fw), was, "the status the logging set is taken back");

    cmd(&mut fw, &mut s, Cmd::LogObservation);
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(sessions(&fw), before + 1, "{:?}", s.message);
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(sessions(&fw), before, "{:?}", s.message);
}

#[test]
fn a_consent_record_is_undone_by_a_correcting_record() {
    let (_d, mut fw, mut s) = setup();
    let eve = code_of(&fw, "Eve Evil");
    let pid = fw.participant(&eve).unwrap().id;
    let in_force = |fw: &Fieldwork| {
        fw.consent_in_force(&pid, fieldwork::domain::today())
            .unwrap()
            .consent
            .is_some()
    };
    assert!(!in_force(&fw));
    write(
        &mut fw,
        &mut s,
        Write::RecordConsent {
            pid: pid.clone(),
            input: ConsentInput {
                take_part: Some(Answer::Yes),
                audio: Some(Answer::Yes),
                quotes: Some(Answer::Yes),
                archiving: Some(Answer::Yes),
                follow_up: Some(Answer::Yes),
                ..Default::default()
            },
        },
    );
    assert!(in_force(&fw), "{:?}", s.message);
    cmd(&mut fw, &mut s, Cmd::Undo);
    let (m, error) = message(&s);
    assert!(!error && m.contains("correcting record"), "{m}");
    assert!(!in_force(&fw), "the corrected record counts no more");
    let history = fw.consent_history(&eve).unwrap();
    assert_eq!(
        history.corrections.len(),
        1,
        "the history shows the correction"
    );
}

#[test]
fn a_theme_merge_and_a_transcript_link_are_undone() {
    let (dir, mut fw, mut s) = setup();
    let themes = fw.themes(false).unwrap();
    let (from, into) = (themes[1].id.clone(), themes[2].id.clone());
    let active = |fw: &Fieldwork| fw.themes(false).unwrap().len();
    let n = active(&fw);
    write(
        &mut fw,
        &mut s,
        Write::MergeTheme {
            from: from.clone(),
            into,
        },
    );
    assert_eq!(active(&fw), n - 1, "{:?}", s.message);
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(active(&fw), n, "{:?}", s.message);
    assert_eq!(fw.tags(None, Some(&from), 0, 100).unwrap().len(), 1);

    // A link to a file under the root, undone: the interview has no transcript again.
    let root = dir.path().join("transcripts");
    std::fs::write(root.join("int2.txt"), support::TRANSCRIPT).unwrap();
    let sid = fw
        .sessions(&Default::default(), false, 0, 100)
        .unwrap()
        .into_iter()
        .find(|x| x.transcript.is_none() && x.status == SessionStatus::Done)
        .unwrap()
        .id;
    write(
        &mut fw,
        &mut s,
        Write::LinkTranscript {
            sid: sid.clone(),
            path: root.join("int2.txt").display().to_string(),
            replace: false,
        },
    );
    assert!(
        fw.session(&sid).unwrap().transcript.is_some(),
        "{:?}",
        s.message
    );
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert!(
        fw.session(&sid).unwrap().transcript.is_none(),
        "{:?}",
        s.message
    );
}

/// The add form's "Unique post" choice: a second holder of a post unique at a site is
/// refused until the user says both really hold it.
#[test]
fn a_second_holder_of_a_unique_post_is_added_when_the_form_says_so() {
    let (_d, mut fw, mut s) = setup();
    go(&mut fw, &mut s, Pane::Participants);
    let before = count(&fw);
    // Site A, role: the first (chief executive), which Alice Adams holds at A.
    cmd(&mut fw, &mut s, Cmd::AddParticipant);
    typed(&mut fw, &mut s, "Hana Hill");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    let (m, error) = message(&s);
    assert!(error && m.contains("held by one person per site"), "{m}");
    assert_eq!(count(&fw), before);
    let (_, f) = s.form.as_mut().expect("the form stays open");
    f.focus = f
        .fields
        .iter()
        .position(|x| x.key == "allow_duplicate")
        .unwrap();
    cmd(&mut fw, &mut s, Cmd::FormRight);
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(count(&fw), before + 1, "{:?}", s.message);
}

/// A matrix summary and a passage memo, edited in their forms, are undone to the text they
/// had (and redone).
#[test]
fn a_summary_and_a_memo_are_undone_to_their_text_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small_coded(&dir.path().join("transcripts"));
    let mut s = state(&fw, false);
    let m = fw.matrix(None).unwrap();
    let cell = m.cells.iter().find(|c| c.passages > 0).unwrap().clone();
    let summary = |fw: &Fieldwork| {
        fw.matrix(None)
            .unwrap()
            .cells
            .into_iter()
            .find(|c| {
                c.participant_id == cell.participant_id
                    && c.theme_id == cell.theme_id
                    && c.phase == cell.phase
            })
            .and_then(|c| c.summary)
    };
    let set = |text: &str, before: Option<&str>| Write::SetSummary {
        participant: cell.participant_id.clone(),
        theme: cell.theme_id.clone(),
        phase: cell.phase,
        summary: Some(text.into()),
        opened: None,
        before: Some(before.map(str::to_string)),
    };
    write(&mut fw, &mut s, set("first reading", None));
    write(
        &mut fw,
        &mut s,
        set("second reading", Some("first reading")),
    );
    assert_eq!(summary(&fw).as_deref(), Some("second reading"));
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(
        summary(&fw).as_deref(),
        Some("first reading"),
        "{:?}",
        s.message
    );
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(summary(&fw), None, "{:?}", s.message);
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert_eq!(summary(&fw).as_deref(), Some("first reading"));

    let sid = support::first_transcript_session(&fw);
    let tags = fw.tags(Some(&sid), None, 0, 100).unwrap();
    let ids: Vec<String> = tags
        .iter()
        .filter(|t| t.memo.is_some())
        .map(|t| t.id.clone())
        .collect();
    assert!(!ids.is_empty());
    let memo = |fw: &Fieldwork| {
        fw.tags(Some(&sid), None, 0, 100)
            .unwrap()
            .into_iter()
            .find(|t| t.id == ids[0])
            .and_then(|t| t.memo)
    };
    write(
        &mut fw,
        &mut s,
        Write::PassageMemo {
            ids: ids.clone(),
            memo: Some("agreement, reread".into()),
            opened: None,
            before: Some(Some("agreement as enabler".into())),
        },
    );
    assert_eq!(memo(&fw).as_deref(), Some("agreement, reread"));
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(
        memo(&fw).as_deref(),
        Some("agreement as enabler"),
        "{:?}",
        s.message
    );
}
