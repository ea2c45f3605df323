//! Undo and redo of the codebook and coding writes in the interface (issue 12): adding,
//! retiring and splitting a theme, accepting changed passages, settling a disagreement —
//! driven through `update` and the effects on a small study, with the status line
//! checked after each `u` and `U`.

mod support;

use fieldwork::domain::ThemeStatus;
use fieldwork::service::agreement::Settle;
use fieldwork::service::Fieldwork;
use fieldwork::tui::agreement::AgreementCmd;
use fieldwork::tui::app::{Mode, Pane, State};
use fieldwork::tui::coding::CodingCmd as CC;
use fieldwork::tui::keymap::Cmd;
use support::tui::{cmd, state, typed};

fn message(s: &State) -> (String, bool) {
    let m = s.message.as_ref().expect("a message");
    (m.text.clone(), m.error)
}

/// The status line is not an error and starts with `start`.
fn says(s: &State, start: &str) -> String {
    let (m, error) = message(s);
    assert!(!error && m.starts_with(start), "wanted `{start}…`, got {m}");
    m
}

fn theme_named(fw: &Fieldwork, name: &str) -> Option<fieldwork::domain::Theme> {
    fw.themes(true)
        .unwrap()
        .into_iter()
        .find(|t| t.name == name)
}

fn history(fw: &Fieldwork, id: &str) -> Vec<String> {
    fw.theme_history(id)
        .unwrap()
        .into_iter()
        .map(|e| e.0)
        .collect()
}

/// Add a theme through the Themes pane's form.
fn add_theme(fw: &mut Fieldwork, s: &mut State, name: &str) {
    cmd(fw, s, Cmd::Go(Pane::Themes));
    cmd(fw, s, Cmd::AddTheme);
    assert_eq!(s.mode, Mode::Form);
    typed(fw, s, name);
    cmd(fw, s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal, "{:?}", s.message);
}

#[test]
fn adding_a_theme_is_undone_and_redone_and_two_levels_undo_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small(&dir.path().join("transcripts"));
    let mut s = state(&fw, false);
    let n = fw.themes(true).unwrap().len();
    add_theme(&mut fw, &mut s, "Rota gaps");
    says(&s, "theme ");
    let first = theme_named(&fw, "Rota gaps").expect("added");
    add_theme(&mut fw, &mut s, "Handover");
    assert!(theme_named(&fw, "Handover").is_some());
    assert_eq!(fw.themes(true).unwrap().len(), n + 2);

    // Two undos, the last write first.
    cmd(&mut fw, &mut s, Cmd::Undo);
    let m = says(&s, "undone: adding theme ");
    assert!(m.contains("Handover") && m.contains("U redoes it"), "{m}");
    assert!(theme_named(&fw, "Handover").is_none());
    assert!(theme_named(&fw, "Rota gaps").is_some());
    cmd(&mut fw, &mut s, Cmd::Undo);
    let m = says(&s, "undone: adding theme ");
    assert!(m.contains("Rota gaps"), "{m}");
    assert_eq!(fw.themes(true).unwrap().len(), n);
    assert!(fw.resolve_theme(&first.id).is_err());

    // Redo adds it again (a new theme, with its own history).
    cmd(&mut fw, &mut s, Cmd::Redo);
    says(&s, "redone: adding theme ");
    let again = theme_named(&fw, "Rota gaps").expect("redone");
    assert_eq!(history(&fw, &again.id), ["created"]);
    // Undoable again after the redo.
    cmd(&mut fw, &mut s, Cmd::Undo);
    says(&s, "undone: adding theme ");
    assert!(theme_named(&fw, "Rota gaps").is_none());
}

#[test]
fn undoing_an_added_theme_is_refused_once_it_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small(&dir.path().join("transcripts"));
    let mut s = state(&fw, false);
    add_theme(&mut fw, &mut s, "Rota gaps");
    let t = theme_named(&fw, "Rota gaps").unwrap();
    let sid = fw.sessions(&Default::default(), false, 0, 1).unwrap()[0]
        .id
        .clone();
    fw.tag_session(&sid, std::slice::from_ref(&t.id), None)
        .unwrap();
    cmd(&mut fw, &mut s, Cmd::Undo);
    let (m, error) = message(&s);
    assert!(
        error && m.contains("1 tag(s)") && m.contains("not undone"),
        "{m}"
    );
    assert!(theme_named(&fw, "Rota gaps").is_some());
    // The step stays, to try again once the tag is gone.
    assert_eq!(s.undo.len(), 1);
}

#[test]
fn retiring_a_theme_is_undone_without_its_event_and_redone() {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small(&dir.path().join("transcripts"));
    let mut s = state(&fw, false);
    add_theme(&mut fw, &mut s, "Rota gaps");
    let t = theme_named(&fw, "Rota gaps").unwrap();
    // The new theme is selected; r asks, y retires.
    assert_eq!(s.themes.list[s.themes.sel].id, t.id);
    cmd(&mut fw, &mut s, Cmd::RetireTheme);
    assert_eq!(s.mode, Mode::Confirm);
    cmd(&mut fw, &mut s, Cmd::Yes);
    says(&s, "");
    assert_eq!(
        fw.resolve_theme(&t.id).unwrap().status,
        ThemeStatus::Retired
    );
    cmd(&mut fw, &mut s, Cmd::Undo);
    let m = says(&s, "undone: retiring ");
    assert!(m.contains("active again"), "{m}");
    assert_eq!(fw.resolve_theme(&t.id).unwrap().status, ThemeStatus::Active);
    assert_eq!(history(&fw, &t.id), ["created"]);
    cmd(&mut fw, &mut s, Cmd::Redo);
    says(&s, "redone: retiring ");
    assert_eq!(
        fw.resolve_theme(&t.id).unwrap().status,
        ThemeStatus::Retired
    );
    assert_eq!(history(&fw, &t.id), ["created", "retired"]);
    // Two levels: the retirement, then the addition.
    cmd(&mut fw, &mut s, Cmd::Undo);
    says(&s, "undone: retiring ");
    cmd(&mut fw, &mut s, Cmd::Undo);
    says(&s, "undone: adding theme ");
    assert!(theme_named(&fw, "Rota gaps").is_none());
}

/// Open the viewer on the first interview's transcript at the hit of `word` in the
/// sentence containing `near`.
fn open_at(fw: &mut Fieldwork, s: &mut State, word: &str, near: &str) {
    cmd(fw, s, Cmd::Go(Pane::Search));
    cmd(fw, s, Cmd::Coding(CC::Query));
    typed(fw, s, word);
    cmd(fw, s, Cmd::SearchAccept);
    let i = s
        .coding
        .search
        .hits
        .iter()
        .position(|h| {
            h.snippet
                .replace(['\u{E000}', '\u{E001}'], "")
                .contains(near)
        })
        .unwrap_or_else(|| panic!("no hit near {near}: {:?}", s.coding.search.hits));
    for _ in 0..i {
        cmd(fw, s, Cmd::Down);
    }
    cmd(fw, s, Cmd::Coding(CC::OpenHit));
    assert_eq!(s.pane, Pane::Viewer);
}

#[test]
fn splitting_a_theme_is_undone_with_the_tag_back_and_redone() {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small_coded(&dir.path().join("transcripts"));
    let mut s = state(&fw, false);
    let on = |fw: &Fieldwork, id: &str| fw.tags(None, Some(id), 0, 100).unwrap().len();
    open_at(&mut fw, &mut s, "sharing", "agreement helped");
    cmd(&mut fw, &mut s, Cmd::Coding(CC::Split));
    assert_eq!(s.mode, Mode::Form);
    // The tag the form offers first, and the theme it is on.
    let tag = s.form.as_ref().unwrap().1.get("tag");
    let from = fw
        .tags(None, None, 0, 100)
        .unwrap()
        .into_iter()
        .find(|t| t.id == tag)
        .map(|t| fw.resolve_theme(&t.theme_id).unwrap())
        .unwrap();
    let before = on(&fw, &from.id);
    cmd(&mut fw, &mut s, Cmd::FormNext);
    typed(&mut fw, &mut s, "Data agreements");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    says(&s, "new theme ");
    let new = theme_named(&fw, "Data agreements").expect("split off");
    assert_eq!(on(&fw, &new.id), 1);
    let moved_from = fw.resolve_theme(&new.id).unwrap().parent_id;
    assert_eq!(
        moved_from, from.parent_id,
        "beside the theme it was split from"
    );
    assert_eq!(on(&fw, &from.id), before - 1);

    cmd(&mut fw, &mut s, Cmd::Undo);
    let m = says(&s, "undone: splitting Data agreements off ");
    assert!(m.contains(&from.path), "{m}");
    assert!(
        m.contains("1 tag(s) back on") && m.contains("deleted"),
        "{m}"
    );
    assert!(theme_named(&fw, "Data agreements").is_none());
    assert_eq!(on(&fw, &from.id), before);
    assert!(!history(&fw, &from.id).contains(&"split".to_string()));

    cmd(&mut fw, &mut s, Cmd::Redo);
    says(&s, "redone: splitting ");
    let new = theme_named(&fw, "Data agreements").expect("split again");
    assert_eq!(on(&fw, &new.id), 1);
    assert_eq!(on(&fw, &from.id), before - 1);
}

#[test]
fn accepting_changed_passages_is_undone_to_their_old_quote_and_redone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("transcripts");
    let mut fw = support::small_coded(&root);
    let sid = support::first_transcript_session(&fw);
    std::fs::write(
        root.join("int1.txt"),
        support::TRANSCRIPT.replace("agreement helped", "agreement has helped"),
    )
    .unwrap();
    fw.import_transcript(&sid, &root.join("int1.txt"), false)
        .unwrap();
    let changed = |fw: &Fieldwork| {
        fw.passages_to_review()
            .unwrap()
            .into_iter()
            .filter(|p| p.anchor == "changed")
            .map(|p| p.quote)
            .collect::<Vec<_>>()
    };
    let old = changed(&fw);
    assert_eq!(old.len(), 2, "both tags of the passage: {old:?}");
    let mut s = state(&fw, false);
    open_at(&mut fw, &mut s, "sharing", "agreement has helped");
    cmd(&mut fw, &mut s, Cmd::Coding(CC::AcceptPassage));
    assert_eq!(s.mode, Mode::Confirm, "{:?}", s.message);
    cmd(&mut fw, &mut s, Cmd::Yes);
    says(&s, "2 passage(s) accepted");
    assert!(changed(&fw).is_empty());

    cmd(&mut fw, &mut s, Cmd::Undo);
    let m = says(&s, "undone: accepting 2 changed passage(s)");
    assert!(m.contains("old quote"), "{m}");
    assert_eq!(changed(&fw), old, "the old quotes, marked changed again");

    cmd(&mut fw, &mut s, Cmd::Redo);
    says(&s, "redone: accepting 2 changed passage(s)");
    assert!(changed(&fw).is_empty());
    let quotes: Vec<String> = fw
        .passages(None)
        .unwrap()
        .into_iter()
        .map(|p| p.quote)
        .collect();
    assert!(
        quotes.iter().any(|q| q.contains("agreement has helped")),
        "{quotes:?}"
    );
}

/// `small_coded` (coder TST tagged one passage with two themes), plus coder Ben's
/// passages: one theme on a longer span, the other on the same span as TST: one
/// disagreement.
fn two_coders() -> (tempfile::TempDir, Fieldwork, State) {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small_coded(&dir.path().join("transcripts"));
    let sid = support::first_transcript_session(&fw);
    let (a, b) = fw
        .find_in_transcript(&sid, "the data sharing agreement helped", None)
        .unwrap();
    let themes = fw.themes(false).unwrap();
    fw.coding.coder = Some("Ben".into());
    fw.tag_passage(&sid, a - 4, b, &[themes[2].id.clone()], None)
        .unwrap();
    fw.tag_passage(&sid, a, b, &[themes[4].id.clone()], None)
        .unwrap();
    fw.coding.coder = None;
    let s = state(&fw, false);
    (dir, fw, s)
}

#[test]
fn settling_a_disagreement_is_undone_and_redone() {
    let (_d, mut fw, mut s) = two_coders();
    let ids = |fw: &Fieldwork| {
        let mut v: Vec<(String, String, i64, i64)> = fw
            .passages(None)
            .unwrap()
            .into_iter()
            .map(|p| (p.id, p.coder, p.span_start, p.span_end))
            .collect();
        v.sort();
        v
    };
    let before = ids(&fw);
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Agreement));
    cmd(&mut fw, &mut s, Cmd::Agreement(AgreementCmd::Open));
    assert_eq!(s.agreement.disagreements().len(), 1);
    cmd(
        &mut fw,
        &mut s,
        Cmd::Agreement(AgreementCmd::Settle(Settle::KeepB)),
    );
    assert_eq!(s.mode, Mode::Confirm);
    cmd(&mut fw, &mut s, Cmd::Yes);
    says(&s, "settled ");
    assert_eq!(s.agreement.data.as_ref().unwrap().disagreements.len(), 0);
    assert_ne!(ids(&fw), before);

    cmd(&mut fw, &mut s, Cmd::Undo);
    let m = says(&s, "undone: settling the disagreement ");
    assert!(m.contains("put back as they were"), "{m}");
    // The same tags as before, under the same ids; the disagreement is back.
    assert_eq!(ids(&fw), before);
    assert_eq!(s.agreement.data.as_ref().unwrap().disagreements.len(), 1);

    cmd(&mut fw, &mut s, Cmd::Redo);
    says(&s, "redone: settling the disagreement ");
    assert_eq!(s.agreement.data.as_ref().unwrap().disagreements.len(), 0);
    // And undone again (the redo's own inverse).
    cmd(&mut fw, &mut s, Cmd::Undo);
    says(&s, "undone: settling the disagreement ");
    assert_eq!(ids(&fw), before);
}
