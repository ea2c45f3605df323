//! Undo and redo, in the interface, of the Redaction pane's register writes (a suspect
//! accepted as a new identifier or a variant, allowed, a class allowed, an identifier or a
//! variant added by hand) and of the transcript writes (importing one transcript, importing
//! every transcript under the root, verify's relinks), driven through `update` and the
//! effects like the loop drives them, on a small study.

mod support;

use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{Mode, Pane, State};
use fieldwork::tui::coding::CodingCmd;
use fieldwork::tui::data::{DataCmd, Focus};
use fieldwork::tui::keymap::Cmd;
use support::tui::{cmd, state};

fn data(fw: &mut Fieldwork, s: &mut State, c: DataCmd) {
    cmd(fw, s, Cmd::Data(c));
}

fn go(fw: &mut Fieldwork, s: &mut State, p: Pane) {
    cmd(fw, s, Cmd::Go(p));
}

fn message(s: &State) -> (String, bool) {
    let m = s.message.as_ref().expect("a message");
    (m.text.clone(), m.error)
}

/// The small study with one interview's transcript (naming people) imported, in the
/// Redaction pane with the register seeded.
fn redaction() -> (tempfile::TempDir, Fieldwork, State) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("transcripts");
    let mut fw = support::small(&root);
    std::fs::write(
        root.join("int2.txt"),
        "Interviewer: Thanks for your time.\n\nAlice Adams: At Some Trust we work closely with Bertie Marchbanks and the Quayside Forum every Thursday.\n\nInterviewer: Thank you.\n",
    )
    .unwrap();
    let sid = support::first_transcript_session(&fw);
    fw.import_transcript(&sid, &root.join("int2.txt"), true)
        .unwrap();
    let mut s = state(&fw, false);
    go(&mut fw, &mut s, Pane::Redaction);
    data(&mut fw, &mut s, DataCmd::Seed);
    (dir, fw, s)
}

fn suspects(s: &State) -> Vec<String> {
    s.data
        .red
        .suspects
        .as_ref()
        .expect("suspects computed")
        .iter()
        .map(|g| g.text.clone())
        .collect()
}

fn select_suspect(s: &mut State, text: &str) {
    s.data.red.focus = Focus::Suspects;
    let all = suspects(s);
    let i = s
        .data
        .red
        .suspects_shown()
        .iter()
        .position(|i| all[*i] == text)
        .unwrap_or_else(|| panic!("{text} not among {all:?}"));
    s.data.red.sus_sel = i;
}

fn set_field(s: &mut State, key: &str, value: &str) {
    let (_, f) = s.form.as_mut().expect("a form is open");
    let field = f.fields.iter_mut().find(|x| x.key == key).unwrap();
    if let fieldwork::tui::widgets::form::FieldKind::Choice(opts) = &field.kind {
        field.choice = opts.iter().position(|o| o.0 == value).unwrap();
    } else {
        field.value = value.into();
    }
}

fn labels(fw: &Fieldwork) -> Vec<String> {
    fw.register()
        .unwrap()
        .into_iter()
        .map(|i| i.label)
        .collect()
}

#[test]
fn a_new_identifier_and_an_allowance_are_undone_in_order_and_redone() {
    let (_d, mut fw, mut s) = redaction();
    let before = suspects(&s);
    assert!(
        before.contains(&"Bertie Marchbanks".to_string()),
        "{before:?}"
    );

    // 1: a suspect accepted as a new identifier.
    select_suspect(&mut s, "Bertie Marchbanks");
    data(&mut fw, &mut s, DataCmd::AcceptNew);
    let label = s.form.as_ref().unwrap().1.get("label");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal, "{:?}", s.message);
    assert!(labels(&fw).contains(&label));
    assert!(!suspects(&s).contains(&"Bertie Marchbanks".to_string()));

    // 2: another suspect allowed at once (X asks first, as before).
    let other = suspects(&s)[0].clone();
    select_suspect(&mut s, &other);
    data(&mut fw, &mut s, DataCmd::AllowNow);
    assert_eq!(s.mode, Mode::Confirm, "X asks");
    let (q, _) = s.confirm_cmd.clone().expect("a question");
    assert!(q.contains("u undoes it"), "{q}");
    cmd(&mut fw, &mut s, Cmd::Yes);
    assert!(!suspects(&s).contains(&other));

    // u: the allowance (the last write) is taken back; the suspect is back.
    cmd(&mut fw, &mut s, Cmd::Undo);
    let (m, error) = message(&s);
    assert!(
        !error && m.starts_with(&format!("undone: allowing “{other}”")),
        "{m}"
    );
    assert!(
        m.contains("U redoes it") && m.contains("suspect(s) to review"),
        "{m}"
    );
    assert!(suspects(&s).contains(&other), "flagged again");
    assert!(labels(&fw).contains(&label), "the first write stays");

    // u again: the new identifier goes with its variants; the suspect is back.
    cmd(&mut fw, &mut s, Cmd::Undo);
    let (m, error) = message(&s);
    assert!(
        !error
            && m.starts_with(&format!(
                "undone: accepting “Bertie Marchbanks” as the new identifier {label}"
            )),
        "{m}"
    );
    assert!(!labels(&fw).contains(&label));
    assert_eq!(suspects(&s), before, "the suspects as they were");

    // U, U: both redone, in order.
    cmd(&mut fw, &mut s, Cmd::Redo);
    let (m, error) = message(&s);
    assert!(!error && m.starts_with("redone: accepting"), "{m}");
    assert!(labels(&fw).contains(&label));
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert!(
        message(&s).0.starts_with("redone: allowing"),
        "{:?}",
        s.message
    );
    assert!(!suspects(&s).contains(&other));
    assert!(!suspects(&s).contains(&"Bertie Marchbanks".to_string()));
}

#[test]
fn an_identifier_and_a_variant_added_by_hand_and_a_class_are_undone() {
    let (_d, mut fw, mut s) = redaction();
    let n = labels(&fw).len();
    data(&mut fw, &mut s, DataCmd::AddIdentifier);
    set_field(&mut s, "kind", "organisation");
    set_field(&mut s, "label", "[Forum 1]");
    set_field(&mut s, "variant", "Quayside Forum");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal, "{:?}", s.message);
    assert_eq!(labels(&fw).len(), n + 1);

    // A variant added to it (selected in the register).
    s.data.red.focus = Focus::Register;
    let shown = s.data.red.register_shown();
    s.data.red.reg_sel = shown
        .iter()
        .position(|i| s.data.red.register[*i].label == "[Forum 1]")
        .expect("listed");
    data(&mut fw, &mut s, DataCmd::AddVariant);
    set_field(&mut s, "variant", "the Quayside");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    let variants = |fw: &Fieldwork| {
        fw.register()
            .unwrap()
            .into_iter()
            .find(|i| i.label == "[Forum 1]")
            .map(|i| i.variants)
    };
    assert_eq!(variants(&fw).unwrap().len(), 2, "{:?}", s.message);

    // A class allowed (the form asks first).
    data(&mut fw, &mut s, DataCmd::AllowClass);
    assert_eq!(s.mode, Mode::Form);
    set_field(&mut s, "class", "dates");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(fw.allowed_suspect_classes().unwrap(), vec!["dates"]);

    cmd(&mut fw, &mut s, Cmd::Undo);
    let (m, error) = message(&s);
    assert!(
        !error && m.starts_with("undone: allowing the class dates"),
        "{m}"
    );
    assert!(fw.allowed_suspect_classes().unwrap().is_empty());
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert!(
        message(&s)
            .0
            .starts_with("undone: adding the variant “the Quayside” to [Forum 1]"),
        "{:?}",
        s.message
    );
    assert_eq!(
        variants(&fw).unwrap(),
        vec!["Quayside Forum".to_string()],
        "the identifier keeps its first variant"
    );
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert!(
        message(&s).0.starts_with("undone: adding [Forum 1]"),
        "{:?}",
        s.message
    );
    assert_eq!(
        variants(&fw),
        None,
        "the identifier and its variant are gone"
    );
    assert_eq!(labels(&fw).len(), n);
}

#[test]
fn an_undo_refused_because_the_register_changed_says_why_and_stays_undoable() {
    let (_d, mut fw, mut s) = redaction();
    data(&mut fw, &mut s, DataCmd::AddIdentifier);
    set_field(&mut s, "kind", "organisation");
    set_field(&mut s, "label", "[Forum 1]");
    set_field(&mut s, "variant", "Quayside Forum");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    // Someone adds a variant to it (the command line, another window).
    fw.add_identifier_variant("[Forum 1]", "Quayside").unwrap();
    let steps = s.undo.len();
    cmd(&mut fw, &mut s, Cmd::Undo);
    let (m, error) = message(&s);
    assert!(error && m.contains("1 other variant(s) since"), "{m}");
    assert!(
        labels(&fw).contains(&"[Forum 1]".to_string()),
        "nothing removed"
    );
    assert_eq!(s.undo.len(), steps, "the step stays, to try again");
}

/// The small study (`int1.txt` linked to the first interview, not imported), in the
/// Transcripts pane with the linked interview selected.
fn transcripts() -> (tempfile::TempDir, Fieldwork, State, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small(&dir.path().join("transcripts"));
    let sid = support::first_transcript_session(&fw);
    let mut s = state(&fw, false);
    go(&mut fw, &mut s, Pane::Transcripts);
    cmd(&mut fw, &mut s, Cmd::Home);
    for _ in 0..10 {
        if s.transcripts.current().is_some_and(|r| r.session_id == sid) {
            break;
        }
        cmd(&mut fw, &mut s, Cmd::Down);
    }
    assert_eq!(s.transcripts.current().unwrap().session_id, sid);
    (dir, fw, s, sid)
}

fn words(fw: &Fieldwork, sid: &str) -> Option<i64> {
    fw.transcript_rows(0, 100)
        .unwrap()
        .into_iter()
        .find(|r| r.session_id == sid)
        .and_then(|r| r.words)
}

#[test]
fn importing_a_transcript_is_undone_and_redone_and_refused_once_coded() {
    let (_d, mut fw, mut s, sid) = transcripts();
    assert_eq!(words(&fw, &sid), None);
    cmd(&mut fw, &mut s, Cmd::Coding(CodingCmd::Import));
    assert!(words(&fw, &sid).is_some(), "{:?}", s.message);
    cmd(&mut fw, &mut s, Cmd::Undo);
    let (m, error) = message(&s);
    assert_eq!(
        (m.as_str(), error),
        (
            "undone: importing the text of int1.txt (imported text removed from 1 transcript(s); the files stay where they are); U redoes it",
            false
        )
    );
    assert_eq!(words(&fw, &sid), None);
    assert_eq!(
        fw.session(&sid).unwrap().transcript.unwrap().path,
        "int1.txt",
        "the link stays"
    );
    cmd(&mut fw, &mut s, Cmd::Redo);
    assert!(message(&s)
        .0
        .starts_with("redone: importing the text of int1.txt"));
    assert!(words(&fw, &sid).is_some());

    // Coded since: the undo is refused, says why, changes nothing.
    let (a, b) = fw
        .find_in_transcript(&sid, "the data sharing agreement helped", None)
        .unwrap();
    let theme = fw.themes(false).unwrap()[1].id.clone();
    fw.tag_passage(&sid, a, b, &[theme], None).unwrap();
    cmd(&mut fw, &mut s, Cmd::Undo);
    let (m, error) = message(&s);
    assert!(error && m.contains("passages were coded on it"), "{m}");
    assert!(words(&fw, &sid).is_some());
}

#[test]
fn importing_every_transcript_and_relinking_are_undone_as_a_whole() {
    let (d, mut fw, mut s, first) = transcripts();
    let root = d.path().join("transcripts");
    // A file named by the second interview's participant: the naming pattern finds it.
    let second = fw
        .transcript_rows(0, 100)
        .unwrap()
        .into_iter()
        .find(|r| r.session_id != first && r.transcript.is_none() && r.date.starts_with("2021"))
        .unwrap();
    std::fs::write(
        root.join(format!("{}.txt", second.participants[0])),
        "Interviewer: And the rota?\nRespondent: It works.\n",
    )
    .unwrap();
    cmd(&mut fw, &mut s, Cmd::Coding(CodingCmd::ImportAll));
    assert_eq!(s.mode, Mode::Confirm, "it asks first");
    cmd(&mut fw, &mut s, Cmd::Yes);
    assert!(words(&fw, &second.session_id).is_some(), "{:?}", s.message);

    // The linked file moves: relinking follows it.
    std::fs::create_dir_all(root.join("moved")).unwrap();
    std::fs::rename(root.join("int1.txt"), root.join("moved/int1.txt")).unwrap();
    cmd(&mut fw, &mut s, Cmd::Relink);
    cmd(&mut fw, &mut s, Cmd::Yes);
    let path = |fw: &Fieldwork| fw.session(&first).unwrap().transcript.unwrap().path;
    assert_eq!(path(&fw), "moved/int1.txt", "{:?}", s.message);

    // Two undos, in order: the relink, then the import of the root.
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(
        message(&s).0,
        "undone: relinking 1 moved file(s) (1 link(s) back at their previous path); U redoes it"
    );
    assert_eq!(path(&fw), "int1.txt");
    cmd(&mut fw, &mut s, Cmd::Undo);
    let (m, error) = message(&s);
    assert!(
        !error && m.starts_with("undone: importing 1 transcript(s) from the transcripts root"),
        "{m}"
    );
    assert!(m.contains("1 link(s) removed"), "{m}");
    assert_eq!(words(&fw, &second.session_id), None);
    assert!(fw.session(&second.session_id).unwrap().transcript.is_none());

    // A plain verification adds nothing to undo: u then says there is nothing left.
    cmd(&mut fw, &mut s, Cmd::Verify);
    assert!(s.undo.is_empty());
}

#[test]
fn a_reimport_asks_first_and_its_undo_brings_the_previous_text_back() {
    let (d, mut fw, mut s, sid) = transcripts();
    cmd(&mut fw, &mut s, Cmd::Coding(CodingCmd::Import));
    let first = words(&fw, &sid).expect("imported");
    std::fs::write(
        d.path().join("transcripts/int1.txt"),
        format!(
            "{}Interviewer: One more thing?\nAlice Adams: No, that is all.\n",
            support::TRANSCRIPT
        ),
    )
    .unwrap();
    cmd(&mut fw, &mut s, Cmd::Coding(CodingCmd::Import));
    assert_eq!(s.mode, Mode::Confirm, "a re-import asks first");
    cmd(&mut fw, &mut s, Cmd::Yes);
    let second = words(&fw, &sid).unwrap();
    assert!(second > first, "{:?}", s.message);
    cmd(&mut fw, &mut s, Cmd::Undo);
    let (m, error) = message(&s);
    assert!(
        !error
            && m.starts_with(
                "undone: re-importing int1.txt (its previous text and passage places come back)"
            ),
        "{m}"
    );
    assert!(
        m.contains("the previous text and passage places are back in 1 transcript(s)"),
        "{m}"
    );
    assert_eq!(words(&fw, &sid), Some(first));
    // Two levels: the first import is undone next.
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert_eq!(words(&fw, &sid), None, "{:?}", s.message);
}
