//! The interface shows stored control characters and ANSI escapes escaped on every pane:
//! text written to the database by anything (an older version, another tool, a synced
//! copy) is rendered through `widgets::text::esc`, never handed to the terminal raw.
//! (ratatui drops raw control characters from a cell, so a raw path would show the
//! escape's tail, `[31mRed`, without its `\u{1b}`: that is what this test looks for.)

mod support;

use fieldwork::tui::app::Pane;
use fieldwork::tui::keymap::Cmd;
use support::tui::{cmd, state, text};

const HOSTILE: &str = "Ann \u{1b}[31mRed\u{1b}[0m\r\u{7}";

#[test]
fn stored_escapes_are_shown_escaped_on_every_pane() {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small_coded(&dir.path().join("transcripts"));
    let c = fw.store.conn();
    for sql in [
        "UPDATE participant SET name = ?1 || name, organisation = ?1, job_title = ?1",
        "UPDATE site SET name = ?1 || name",
        "UPDATE theme SET name = name || ?1",
        "UPDATE framework SET name = name || ?1",
        "UPDATE turn SET text = ?1 || text, speaker = ?1",
        "UPDATE session SET notes = ?1, title = ?1, interviewer = ?1",
        "UPDATE tag SET memo = ?1, quote = ?1 || quote",
        "UPDATE study SET name = ?1",
    ] {
        c.execute(sql, [HOSTILE])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    fw.refresh_reference().unwrap();
    let mut s = state(&fw, false);
    cmd(&mut fw, &mut s, Cmd::Refresh);
    let mut shown = Vec::new();
    for p in Pane::ALL {
        cmd(&mut fw, &mut s, Cmd::Go(*p));
        let screen = text(&s, 200, 60);
        let escaped = screen.matches("\\u{1b}[31mRed").count();
        let tails = screen.matches("[31mRed").count();
        assert_eq!(
            tails, escaped,
            "{p:?} shows stored text unescaped (the escape's tail without `\\u{{1b}}`):\n{screen}"
        );
        assert!(
            !screen.chars().any(|ch| ch.is_control() && ch != '\n'),
            "{p:?}: a raw control character on screen"
        );
        if escaped > 0 {
            shown.push(*p);
        }
    }
    // The names are shown (escaped), not dropped, on the panes that list people and themes.
    for p in [Pane::Participants, Pane::Themes] {
        assert!(
            shown.contains(&p),
            "{p:?} does not show the escaped name; shown on {shown:?}"
        );
    }
}
