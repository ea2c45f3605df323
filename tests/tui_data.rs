//! The Redaction and Export panes, driven through `update` like the loop drives them:
//! render snapshots, a suspect reviewed in the pane, exports written from the pane with
//! their manifests, refusals as error messages, and privacy mode.

mod support;

use fieldwork::export::registry::EXPORTS;
use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{update, Action, Mode, Pane, State};
use fieldwork::tui::data::{DataCmd, Focus};
use fieldwork::tui::keymap::Cmd;
use support::tui::{cmd, state, text};

fn data(fw: &mut Fieldwork, s: &mut State, c: DataCmd) {
    cmd(fw, s, Cmd::Data(c));
}

/// The small study, with one interview's transcript naming people (for suspects).
fn setup(privacy: bool) -> (tempfile::TempDir, Fieldwork, State) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("transcripts");
    let mut fw = support::small(&root);
    std::fs::write(
        root.join("int2.txt"),
        "Interviewer: Thanks for your time, Ms Adams.\n\nAlice Adams: At Some Trust we work closely with Bertie Marchbanks. Alice Adamz said so too.\n\nInterviewer: Thank you.\n",
    )
    .unwrap();
    let rows = fw.transcript_rows(0, 20).unwrap();
    let sid = rows
        .iter()
        .find(|r| r.transcript.is_some())
        .expect("a linked interview")
        .session_id
        .clone();
    fw.import_transcript(&sid, &root.join("int2.txt"), true)
        .unwrap();
    let s = state(&fw, privacy);
    (dir, fw, s)
}

macro_rules! snap {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"\bP[0-9A-HJKMNP-TV-Z]{4}\b", "PCODE"),
            // Register rows sort by the random codes: their variant counts move around.
            (r"(\[Participant PCODE\]\s+(?:person\s+)?)\d+ +", "${1}NN "),
            (r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
            (r"\b[0-9a-f]{64}\b", "SHA256"),
            (r"\b[0-9a-f]{8}\b", "xxxxxxxx"),
            (r"\d{2}:\d{2}:\d{2}(\.\d+)?Z?", "hh:mm:ss"),
            (r" +\d+ ms\b", " N ms"),
            // The suspects' timing, also where a narrow title cuts off its unit.
            (r"(Suspects to review \(\d+\) ·) +\d+", "$1 N"),
            (r"(Suspects to review: \d+ left ·) +\d+", "$1 N"),
            (r"\(\d+ ms\) *", "(N ms)"),
            (r"/tmp/\.tmp[A-Za-z0-9]+", "TMP"),
            (r#""tool_version": "[^"]*""#, r#""tool_version": "V""#),
            // Filtered values (times, paths) vary in length: so does the padding after them.
            (r#"(?m) +│"$"#, r#" │""#),
            (r"phase \d \((Baseline|Follow-up)\)|outside the phase windows", "[phase today]"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

fn go(fw: &mut Fieldwork, s: &mut State, p: Pane) {
    cmd(fw, s, Cmd::Go(p));
}

/// Select the suspect with this text in the suspects list.
fn select_suspect(s: &mut State, text: &str) {
    s.data.red.focus = Focus::Suspects;
    let all = s.data.red.suspects.clone().unwrap();
    let i = s
        .data
        .red
        .suspects_shown()
        .iter()
        .position(|i| all[*i].text == text)
        .unwrap_or_else(|| {
            panic!(
                "{text} not among {:?}",
                all.iter().map(|g| &g.text).collect::<Vec<_>>()
            )
        });
    s.data.red.sus_sel = i;
}

fn suspect_texts(s: &State) -> Vec<String> {
    s.data
        .red
        .suspects
        .as_ref()
        .unwrap()
        .iter()
        .map(|g| g.text.clone())
        .collect()
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

fn message(s: &State) -> (String, bool) {
    let m = s.message.as_ref().expect("a message");
    (m.text.clone(), m.error)
}

#[test]
fn redaction_pane_seeds_reviews_and_snapshots() {
    let (_d, mut fw, mut s) = setup(false);
    go(&mut fw, &mut s, Pane::Redaction);
    assert!(s.data.red.register.is_empty());
    data(&mut fw, &mut s, DataCmd::Seed);
    let (m, err) = message(&s);
    assert!(!err && m.contains("register seeded"), "{m}");
    assert!(!s.data.red.register.is_empty());
    let texts = suspect_texts(&s);
    assert!(texts.iter().any(|t| t == "Bertie Marchbanks"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t == "Adamz" || t == "Alice Adamz"),
        "{texts:?}"
    );
    snap!("redaction_120x40", text(&s, 120, 40));
    snap!("redaction_60x16", text(&s, 60, 16));

    // A near miss accepted as a variant: the near identifier is preselected.
    let near = texts.iter().find(|t| t.contains("Adamz")).unwrap().clone();
    select_suspect(&mut s, &near);
    data(&mut fw, &mut s, DataCmd::AcceptVariant);
    assert_eq!(s.mode, Mode::Form);
    let chosen = s.form.as_ref().unwrap().1.get("identifier");
    let alice = fw
        .register()
        .unwrap()
        .into_iter()
        .find(|i| i.variants.iter().any(|v| v == "Alice Adams"))
        .unwrap();
    assert_eq!(chosen, alice.id, "the near match is preselected");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal);
    let (m, err) = message(&s);
    assert!(!err && m.contains("is now a variant of"), "{m}");
    assert!(!suspect_texts(&s).contains(&near), "left the suspects");
    let reg = fw.register().unwrap();
    let alice = reg.iter().find(|i| i.id == alice.id).unwrap();
    assert!(alice.variants.contains(&near), "{:?}", alice.variants);
    assert!(fw.suspects(None).unwrap().iter().all(|g| g.text != near));

    // A new identifier, with kind and label filled in.
    select_suspect(&mut s, "Bertie Marchbanks");
    data(&mut fw, &mut s, DataCmd::AcceptNew);
    let label = s.form.as_ref().unwrap().1.get("label");
    assert!(label.starts_with("[Person "), "{label}");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert!(fw
        .register()
        .unwrap()
        .iter()
        .any(|i| i.label == label && i.variants.contains(&"Bertie Marchbanks".to_string())));
    assert!(!suspect_texts(&s).contains(&"Bertie Marchbanks".to_string()));

    // Allowed: it identifies no one.
    if let Some(t) = suspect_texts(&s).first().cloned() {
        select_suspect(&mut s, &t);
        data(&mut fw, &mut s, DataCmd::Allow);
        assert_eq!(s.mode, Mode::Form, "confirmed first");
        cmd(&mut fw, &mut s, Cmd::FormSubmit);
        assert!(!suspect_texts(&s).contains(&t));
    }

    // A bad label is refused on its field; the form stays open.
    data(&mut fw, &mut s, DataCmd::AddIdentifier);
    set_field(&mut s, "label", "no brackets");
    set_field(&mut s, "variant", "Northvale");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Form);
    let (m, err) = message(&s);
    assert!(err && m.contains("brackets"), "{m}");
    cmd(&mut fw, &mut s, Cmd::Cancel);

    // `/` filters both lists as you type; Esc clears the filter.
    data(&mut fw, &mut s, DataCmd::Filter);
    assert_eq!(s.mode, Mode::Search);
    for c in "[site".chars() {
        update(&mut s, Action::Text(c));
    }
    assert_eq!(s.data.red.register_shown().len(), 4, "the four sites");
    cmd(&mut fw, &mut s, Cmd::Cancel);
    assert!(s.data.red.filter.is_empty());
    assert_eq!(s.mode, Mode::Normal);

    // The log toggles in place of the suspects.
    data(&mut fw, &mut s, DataCmd::Log);
    assert!(text(&s, 120, 40).contains("Anonymisation log"));
}

#[test]
fn export_pane_previews_writes_with_manifest_and_refuses() {
    let (d, mut fw, mut s) = setup(false);
    go(&mut fw, &mut s, Pane::Export);
    assert_eq!(s.data.export.export().name, "participants");
    let p = s.data.export.current_preview().expect("preview computed");
    // Too few participants for k = 5: refused, with the reason, never a panic.
    assert!(
        p.refusal.as_deref().is_some_and(|r| r.contains("refused")),
        "{:?}",
        p.refusal
    );
    snap!("export_120x40", text(&s, 120, 40));
    snap!("export_60x16", text(&s, 60, 16));

    // Writing it anyway shows the refusal as an error and writes nothing.
    let out = d.path().join("p.csv");
    data(&mut fw, &mut s, DataCmd::Write);
    set_field(&mut s, "out", out.to_str().unwrap());
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    let (m, err) = message(&s);
    assert!(err && m.contains("refused"), "{m}");
    assert!(!out.exists());
    cmd(&mut fw, &mut s, Cmd::Cancel);

    // Table 1: this small study's table cannot be protected (two small cells and a small
    // total in one line), so the preview refuses it and writing refuses too...
    cmd(&mut fw, &mut s, Cmd::Down);
    assert_eq!(s.data.export.export().name, "table1");
    let p = s.data.export.current_preview().unwrap();
    assert!(
        p.refusal.as_deref().is_some_and(|r| r.contains("narrows")),
        "{:?}",
        p.refusal
    );
    snap!("export_table1_120x40", text(&s, 120, 40));
    let out = d.path().join("t1");
    data(&mut fw, &mut s, DataCmd::Write);
    set_field(&mut s, "out", out.to_str().unwrap());
    set_field(&mut s, "format", "csv");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    let (m, err) = message(&s);
    assert!(err && m.contains("NOT safe"), "{m}");
    assert!(!d.path().join("t1.csv").exists());
    cmd(&mut fw, &mut s, Cmd::Cancel);
    // ...unless the person writing chooses to write it anyway: written, with its manifest
    // (which records the failed audit) read back into the pane.
    data(&mut fw, &mut s, DataCmd::Write);
    set_field(&mut s, "out", out.to_str().unwrap());
    set_field(&mut s, "format", "csv");
    set_field(&mut s, "allow_unsafe", "yes");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    let (m, err) = message(&s);
    assert!(!err, "{m}");
    let file = d.path().join("t1.csv");
    let manifest = d.path().join("t1.csv.manifest.json");
    assert!(file.exists() && manifest.exists());
    let w = s.data.export.written.as_ref().unwrap();
    assert!(w.manifest.iter().any(|l| l.contains("\"export\"")));
    let screen = text(&s, 120, 40);
    assert!(
        screen.contains("Manifest") && screen.contains("\"audit\""),
        "{screen}"
    );
    snap!("export_written_120x40", screen);
    cmd(&mut fw, &mut s, Cmd::PageDown);
    assert!(s.data.export.written.as_ref().unwrap().scroll > 0);
    assert_eq!(
        s.data.export.export().name,
        "table1",
        "PgDn scrolls the manifest"
    );

    // Again: the existing file is refused unless overwrite is chosen.
    data(&mut fw, &mut s, DataCmd::Write);
    set_field(&mut s, "out", file.to_str().unwrap());
    set_field(&mut s, "format", "csv");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    let (m, err) = message(&s);
    assert!(err && m.contains("already exists"), "{m}");
    assert_eq!(s.mode, Mode::Form);
    set_field(&mut s, "force", "yes");
    set_field(&mut s, "allow_unsafe", "yes");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    let (m, err) = message(&s);
    assert!(!err, "{m}");
    assert_eq!(s.mode, Mode::Normal);

    // Quotes start on a theme; `p` moves to the next and the preview follows.
    cmd(&mut fw, &mut s, Cmd::Down);
    assert_eq!(s.data.export.export().name, "quotes");
    let theme = |s: &State| s.data.export.params().get("theme").map(str::to_string);
    let first = theme(&s).expect("a theme chosen");
    assert!(s.data.export.current_preview().unwrap().refusal.is_none());
    data(&mut fw, &mut s, DataCmd::Param);
    assert_ne!(theme(&s), Some(first));
    assert!(s.data.export.current_preview().is_some());

    // Redacted transcripts: refused while suspects are unreviewed.
    cmd(&mut fw, &mut s, Cmd::End);
    cmd(&mut fw, &mut s, Cmd::Up);
    assert_eq!(s.data.export.export().name, "transcripts");
    let p = s.data.export.current_preview().unwrap();
    assert!(p
        .refusal
        .as_deref()
        .is_some_and(|r| r.contains("not reviewed")));
    let out = d.path().join("tx");
    data(&mut fw, &mut s, DataCmd::Write);
    set_field(&mut s, "out", out.to_str().unwrap());
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    let (m, err) = message(&s);
    assert!(err && m.contains("refused"), "{m}");
    assert!(!out.join("manifest.json").exists());
    cmd(&mut fw, &mut s, Cmd::Cancel);

    // A refusal listing several problems shows one a line, never an escaped line break;
    // the status line shows its lines below the study line (never cut: what does not fit
    // is in the message log, `L`).
    cmd(&mut fw, &mut s, Cmd::End);
    assert_eq!(s.data.export.export().name, "project");
    let r = s.data.export.current_preview().unwrap().refusal.clone();
    let r = r.expect("the project is refused while suspects are unreviewed");
    let screen = text(&s, 120, 40);
    assert!(!screen.contains("\\n"), "{screen}");
    let first = r.lines().next().unwrap();
    assert!(
        screen.contains(&first[..first.len().min(40)]),
        "{first}\n{screen}"
    );
    s.error("short refusal\nsecond line");
    let screen = text(&s, 200, 40);
    assert!(
        screen.contains(" short refusal") && screen.contains(" second line"),
        "{screen}"
    );
    assert!(!screen.contains("\\n"), "{screen}");
}

#[test]
fn privacy_mode_shows_no_name_on_either_pane() {
    let (_d, mut fw, mut s) = setup(true);
    go(&mut fw, &mut s, Pane::Redaction);
    data(&mut fw, &mut s, DataCmd::Seed);
    let names = [
        "Alice",
        "Adams",
        "Adamz",
        "Bob",
        "Brown",
        "李小龙",
        "Zoë",
        "Evil",
        "Frank",
        "Some Trust",
        "Bertie",
        "Marchbanks",
    ];
    let mut screens = vec![text(&s, 160, 50)];
    // Every suspect and every identifier selected, and the log.
    let n = s.data.red.suspects.as_ref().unwrap().len();
    s.data.red.focus = Focus::Suspects;
    for i in 0..n {
        s.data.red.sus_sel = i;
        screens.push(text(&s, 160, 50));
    }
    s.data.red.focus = Focus::Register;
    for i in 0..s.data.red.register.len() {
        s.data.red.reg_sel = i;
        screens.push(text(&s, 160, 50));
    }
    data(&mut fw, &mut s, DataCmd::AcceptNew);
    screens.push(text(&s, 160, 50));
    cmd(&mut fw, &mut s, Cmd::Cancel);
    go(&mut fw, &mut s, Pane::Export);
    for _ in EXPORTS {
        screens.push(text(&s, 160, 50));
        cmd(&mut fw, &mut s, Cmd::Down);
    }
    for screen in screens {
        for n in names {
            assert!(
                !screen.contains(n),
                "{n} visible with privacy on:\n{screen}"
            );
        }
    }
}

#[test]
fn redaction_pane_allows_a_class_and_one_suspect_per_key() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("transcripts");
    let mut fw = support::small(&root);
    std::fs::write(
        root.join("int3.txt"),
        "Interviewer: Thanks, Ms Adams.\n\nAlice Adams: We met the Partnership Board with Jennifer Kowalski and Dr Nguyen.\n\nInterviewer: Thank you.\n",
    )
    .unwrap();
    let sid = fw
        .transcript_rows(0, 20)
        .unwrap()
        .iter()
        .find(|r| r.transcript.is_some())
        .expect("a linked interview")
        .session_id
        .clone();
    fw.import_transcript(&sid, &root.join("int3.txt"), true)
        .unwrap();
    let mut s = state(&fw, false);
    go(&mut fw, &mut s, Pane::Redaction);
    data(&mut fw, &mut s, DataCmd::Seed);
    let before = suspect_texts(&s);
    for want in ["Partnership Board", "Jennifer Kowalski", "Nguyen"] {
        assert!(before.iter().any(|t| t == want), "{want}: {before:?}");
    }

    // C: a class in one step (a one-field form; the first choice is common words).
    data(&mut fw, &mut s, DataCmd::AllowClass);
    assert_eq!(s.mode, Mode::Form);
    set_field(&mut s, "class", "common-words");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal);
    let (m, err) = message(&s);
    assert!(!err && m.contains("class common-words allowed"), "{m}");
    let after = suspect_texts(&s);
    assert!(
        !after.contains(&"Partnership Board".to_string()),
        "{after:?}"
    );
    assert!(
        after.contains(&"Jennifer Kowalski".to_string()),
        "names stay: {after:?}"
    );
    assert_eq!(fw.suspects(None).unwrap().len(), after.len(), "one count");
    assert!(text(&s, 120, 40).contains(&format!("Suspects to review: {} left", after.len())));

    // X: no form, but one question (an allowance has no undo): n changes nothing, y
    // allows, and the selection is on the next suspect.
    select_suspect(&mut s, &after[0]);
    let sel = s.data.red.sus_sel;
    let next = after.get(1).cloned();
    data(&mut fw, &mut s, DataCmd::AllowNow);
    assert_eq!(s.mode, Mode::Confirm, "X asks");
    cmd(&mut fw, &mut s, Cmd::No);
    assert_eq!(suspect_texts(&s), after, "n changes nothing");
    data(&mut fw, &mut s, DataCmd::AllowNow);
    cmd(&mut fw, &mut s, Cmd::Yes);
    assert_eq!(s.mode, Mode::Normal, "no form");
    let left = suspect_texts(&s);
    assert_eq!(left.len(), after.len() - 1, "{left:?}");
    assert!(!left.contains(&after[0]));
    assert_eq!(s.data.red.sus_sel, sel);
    assert_eq!(s.data.red.current_suspect().map(|g| g.text.clone()), next);
}
