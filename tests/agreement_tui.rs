//! The Agreement pane through `update` and the effects, rendered into a `TestBackend`
//! (insta snapshots): themes by alpha, the drill-down to a disagreement's text, settling
//! it after a confirmation, and blind coding's refusal until revealed.

mod support;

use fieldwork::service::agreement::Settle;
use fieldwork::service::Fieldwork;
use fieldwork::tui::agreement::AgreementCmd;
use fieldwork::tui::app::{Mode, Pane, State};
use fieldwork::tui::keymap::Cmd;
use support::tui::{cmd, state, text};

macro_rules! snap {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"\bP[0-9A-HJKMNP-TV-Z]{4}\b", "PCODE"),
            (r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
            (r"\b[0-9a-f]{10}\b", "keykeykeyk"),
            (r"\b[0-9a-f]{8}\b", "xxxxxxxx"),
            (r"phase \d \((Baseline|Follow-up)\)|outside the phase windows", "[phase today]"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

/// `small_coded` (coder TST tagged one passage with two themes), plus coder Ben's
/// passages: one theme on a longer span, the other theme on the same span as TST.
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
fn themes_by_alpha_drill_down_and_settle() {
    let (_d, mut fw, mut s) = two_coders();
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Agreement));
    let a = s.agreement.data.as_ref().expect("computed");
    assert_eq!((a.coder_a.as_str(), a.coder_b.as_str()), ("Ben", "TST"));
    assert_eq!(a.themes.len(), 2);
    assert_eq!(a.disagreements.len(), 1);
    // Lowest alpha first: the theme they disagree on.
    let first = s.agreement.order()[0];
    assert_eq!(a.themes[first].disagreements, 1);
    assert_eq!(a.themes[s.agreement.order()[1]].figures.alpha, Some(1.0));
    snap!("agreement_themes_120x40", text(&s, 120, 40));
    snap!("agreement_themes_60x16", text(&s, 60, 16));

    cmd(&mut fw, &mut s, Cmd::Agreement(AgreementCmd::Open));
    assert_eq!(s.agreement.disagreements().len(), 1);
    let screen = text(&s, 120, 40);
    assert!(
        screen.contains("“but ”"),
        "the 4 characters only Ben coded:\n{screen}"
    );
    snap!("agreement_disagreement_120x40", screen);

    // Keep TST's coding (B): asks first; `n` leaves everything as it was.
    cmd(
        &mut fw,
        &mut s,
        Cmd::Agreement(AgreementCmd::Settle(Settle::KeepB)),
    );
    assert_eq!(s.mode, Mode::Confirm);
    snap!("agreement_confirm_120x40", text(&s, 120, 40));
    cmd(&mut fw, &mut s, Cmd::No);
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(
        fw.agreement(&Default::default())
            .unwrap()
            .disagreements
            .len(),
        1
    );
    cmd(
        &mut fw,
        &mut s,
        Cmd::Agreement(AgreementCmd::Settle(Settle::KeepB)),
    );
    cmd(&mut fw, &mut s, Cmd::Yes);
    let m = s.message.as_ref().unwrap();
    assert!(!m.error && m.text.starts_with("settled"), "{}", m.text);
    // Reloaded: no disagreement left; the drill-down says so.
    assert_eq!(s.agreement.data.as_ref().unwrap().disagreements.len(), 0);
    assert!(s.agreement.data.as_ref().unwrap().pooled.alpha == Some(1.0));
    assert!(text(&s, 120, 40).contains("All settled."));
    assert!(fw
        .audit(None, 50)
        .unwrap()
        .iter()
        .any(|e| e.entity == "agreement" && e.action == "settle"));
    cmd(&mut fw, &mut s, Cmd::Agreement(AgreementCmd::Back));
    assert!(s.agreement.drill.is_none());
}

#[test]
fn blind_coding_says_why_until_revealed() {
    let (_d, mut fw, mut s) = two_coders();
    fw.coding.blind = true;
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Agreement));
    assert!(s.agreement.data.is_none());
    let screen = text(&s, 120, 40);
    assert!(screen.contains("blind coding is on"), "{screen}");
    // The views show TST only their own passages; the exports' readings carry everyone's.
    let total = |m: &fieldwork::service::coding::Matrix| -> i64 {
        m.cells.iter().map(|c| c.passages).sum()
    };
    assert_eq!(total(&fw.matrix(None).unwrap()), 2);
    assert_eq!(total(&fw.matrix_all(None).unwrap()), 4);
    let theme = fw.themes(false).unwrap()[2].id.clone();
    let filter = Default::default();
    assert_eq!(fw.quotes(&theme, &filter).unwrap().len(), 1);
    assert_eq!(fw.quotes_all(&theme, &filter).unwrap().len(), 2);
    cmd(&mut fw, &mut s, Cmd::Agreement(AgreementCmd::Reveal));
    assert_eq!(s.mode, Mode::Confirm);
    cmd(&mut fw, &mut s, Cmd::Yes);
    assert!(s.agreement.data.is_some(), "{:?}", s.agreement.problem);
}

#[test]
fn privacy_mode_masks_the_disagreeing_text() {
    let (_d, mut fw, _) = two_coders();
    let mut s = state(&fw, true);
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Agreement));
    cmd(&mut fw, &mut s, Cmd::Agreement(AgreementCmd::Open));
    let screen = text(&s, 120, 40);
    assert!(
        !screen.contains("“but ”") && screen.contains("•••••"),
        "{screen}"
    );
}

#[test]
fn with_three_coders_c_cycles_through_the_pairs() {
    let (_d, mut fw, mut s) = two_coders();
    let sid = support::first_transcript_session(&fw);
    let theme = fw.themes(false).unwrap()[2].id.clone();
    fw.coding.coder = Some("Cora".into());
    fw.tag_passage(&sid, 0, 11, &[theme], None).unwrap();
    fw.coding.coder = None;
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Agreement));
    assert!(s.agreement.data.is_none());
    let screen = text(&s, 120, 40);
    assert!(
        screen.contains("--coders A,B") && screen.contains("c: compare a pair"),
        "{screen}"
    );
    let mut seen = Vec::new();
    for _ in 0..4 {
        cmd(&mut fw, &mut s, Cmd::Agreement(AgreementCmd::NextPair));
        let a = s.agreement.data.as_ref().expect("a pair compared");
        seen.push(format!("{}+{}", a.coder_a, a.coder_b));
    }
    // Most passages first (Ben 2, TST 2, Cora 1), then round again.
    assert_eq!(seen, ["Ben+TST", "Ben+Cora", "TST+Cora", "Ben+TST"]);
}
