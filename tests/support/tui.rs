//! Driving the interface in tests without a terminal: render into a `TestBackend`, and
//! carry out commands and typed text the way the event loop does.

use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{update, Action, State};
use fieldwork::tui::effects::{finish, perform};
use fieldwork::tui::keymap::Cmd;
use fieldwork::tui::{initial_state, view};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

pub fn draw(s: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::render(s, f.area(), f.buffer_mut()))
        .unwrap();
    t
}

pub fn text(s: &State, w: u16, h: u16) -> String {
    draw(s, w, h).backend().to_string()
}

/// Carry out a command like the loop does, then every deferred load.
pub fn cmd(fw: &mut Fieldwork, s: &mut State, c: Cmd) {
    if let Some(e) = update(s, Action::Cmd(c)) {
        perform(fw, s, e);
    }
    finish(fw, s);
}

/// Type text into the open form field or search.
pub fn typed(fw: &mut Fieldwork, s: &mut State, text: &str) {
    for c in text.chars() {
        if let Some(e) = update(s, Action::Text(c)) {
            perform(fw, s, e);
        }
    }
    finish(fw, s);
}

/// The interface's state on `fw` at 120×40, with fixed paths for snapshots.
pub fn state(fw: &Fieldwork, privacy: bool) -> State {
    let mut s = initial_state(fw, privacy, true, false);
    s.db_path = "test.db".into();
    s.transcripts_root = "transcripts".into();
    update(&mut s, Action::Resize(120, 40));
    s
}
