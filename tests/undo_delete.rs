//! Undoing a deletion: what a deletion removed is put back as it was (the inverse of the
//! deletion's own changeset), refused when something made since collides with it; from
//! the service and through the interface's `u` / `U`.

mod common;
mod support;

use fieldwork::service::coding::SearchFilter;
use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{Pane, State};
use fieldwork::tui::keymap::Cmd;
use support::tui::{cmd, state};

fn code_of(fw: &Fieldwork, name: &str) -> String {
    fw.participants(&Default::default(), 0, 100)
        .unwrap()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap()
        .code
}

fn hits(fw: &Fieldwork, q: &str) -> usize {
    fw.search(q, &SearchFilter::default(), 50).unwrap().len()
}

/// What a participant is, with their status history and sessions, as JSON (compared
/// before the deletion and after its undoing).
fn participant_json(fw: &Fieldwork, code: &str) -> serde_json::Value {
    let d = fw.participant_detail(code).unwrap();
    serde_json::json!({
        "participant": serde_json::to_value(&d.participant).unwrap(),
        "history": serde_json::to_value(&d.history).unwrap(),
        "sessions": d.sessions.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
    })
}

#[test]
fn a_deleted_participant_comes_back_as_they_were_with_their_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small(&dir.path().join("t"));
    let frank = code_of(&fw, "Frank Ford");
    // A history that depends on him: deleted with it.
    fw.set_status(
        &frank,
        fieldwork::domain::Status::Invited,
        None,
        Some("by phone"),
    )
    .unwrap();
    let before = participant_json(&fw, &frank);
    let d = fw
        .delete_participant_undoable(&frank, true, None)
        .expect("deleted with his history");
    assert!(d.restorable());
    assert!(fw.participant(&frank).is_err());
    let back = fw.restore_deleted(&d).unwrap();
    assert_eq!(back.label, frank);
    assert!(!back.deleted);
    assert_eq!(participant_json(&fw, &frank), before, "exactly as before");
    // The audit log keeps the deletion and its undoing.
    let id = before["participant"]["id"].as_str().unwrap();
    let log = fw.audit(Some(id), 100).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"delete"), "{actions:?}");
    assert!(actions.contains(&"restore"), "{actions:?}");
    // Put back once: a second restore collides with the record that is there now.
    let again = fw.restore_deleted(&d).unwrap_err().to_string();
    assert!(again.contains("cannot be put back"), "{again}");
    assert_eq!(participant_json(&fw, &frank), before, "nothing changed");
}

#[test]
fn a_deleted_interview_comes_back_with_its_transcript_tags_and_search_entries() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("t");
    let mut fw = support::small_coded(&root);
    let sid = support::first_transcript_session(&fw);
    let tags_before = fw.tags(Some(&sid), None, 0, 100).unwrap().len();
    assert!(tags_before > 0);
    let found = hits(&fw, "dashboard");
    assert!(found > 0);
    let view = fw.transcript_view(&sid).unwrap();
    let d = fw.delete_session_undoable(&sid, None, true).unwrap();
    assert_eq!(hits(&fw, "dashboard"), 0, "its text left the search index");
    assert!(fw.transcript_view(&sid).is_err());
    fw.restore_deleted(&d).unwrap();
    assert_eq!(
        fw.tags(Some(&sid), None, 0, 100).unwrap().len(),
        tags_before
    );
    assert_eq!(hits(&fw, "dashboard"), found, "searchable again");
    let again = fw.transcript_view(&sid).unwrap();
    assert_eq!(again.turns.len(), view.turns.len());
    assert_eq!(again.passages.len(), view.passages.len());
    // The file was never touched.
    assert!(root.join("int1.txt").exists());
}

#[test]
fn a_restore_is_refused_when_what_it_points_to_is_gone_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small(&dir.path().join("t"));
    // Eve: no consent. Log an interview with her, delete it, then delete her: the
    // interview cannot come back without her.
    let eve = code_of(&fw, "Eve Evil");
    let l = fw
        .log_interview(&fieldwork::service::sessions::InterviewInput {
            participants: vec![eve.clone()],
            date: Some(fieldwork::domain::parse_date("2021-12-20").unwrap()),
            allow_gap: true,
            ..Default::default()
        })
        .unwrap();
    let d = fw
        .delete_session_undoable(&l.session.id, None, false)
        .unwrap();
    fw.delete_participant(&eve, true).unwrap();
    let sessions = fw.session_count(&Default::default()).unwrap();
    let e = fw.restore_deleted(&d).unwrap_err().to_string();
    assert!(
        e.contains("cannot be put back") && e.contains("gone"),
        "{e}"
    );
    assert_eq!(fw.session_count(&Default::default()).unwrap(), sessions);
}

fn select(fw: &mut Fieldwork, s: &mut State, code: &str) {
    cmd(fw, s, Cmd::Go(Pane::Participants));
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
fn delete_in_the_interface_is_undone_and_redone() {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small(&dir.path().join("t"));
    let mut s = state(&fw, false);
    let eve = code_of(&fw, "Eve Evil");
    let before = participant_json(&fw, &eve);
    let n = fw.participant_count(&Default::default()).unwrap();
    select(&mut fw, &mut s, &eve);
    cmd(&mut fw, &mut s, Cmd::Delete);
    cmd(&mut fw, &mut s, Cmd::Yes);
    assert_eq!(fw.participant_count(&Default::default()).unwrap(), n - 1);
    cmd(&mut fw, &mut s, Cmd::Undo);
    let m = s.message.clone().unwrap();
    assert!(
        !m.error
            && m.text
                .starts_with(&format!("undone: deleting participant {eve}")),
        "{m:?}"
    );
    assert!(m.text.contains("is back as it was"), "{m:?}");
    assert_eq!(participant_json(&fw, &eve), before);
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert!(fw.participant(&eve).is_err(), "{:?}", s.message);
    assert!(s.message.as_ref().unwrap().text.starts_with("redone:"));
    // Redone, it can be undone again.
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(participant_json(&fw, &eve), before, "{:?}", s.message);
}
