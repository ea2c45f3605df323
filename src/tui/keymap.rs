//! The one list of keys: it handles key presses, and builds the help overlay, the hint bar
//! and `docs/tui.md`, so none of them can drift from what the keys do. The global keys are
//! here; each pane declares its own table in its module, and `TABLES` assembles them in
//! the order the help shows them.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

pub use super::core::keys::*;
use super::core::Mode;
use super::core::Pane;
use super::panes;

use Cmd as C;
use KeyCode as K;

/// Every key table, in the order the help shows them: a new pane adds its line here.
pub static TABLES: &[&[Binding]] = &[
    GLOBAL,
    LIST,
    panes::participants::keys::KEYS,
    panes::consent::keys::KEYS,
    panes::sessions::keys::KEYS,
    panes::transcripts::keys::KEYS,
    panes::themes::keys::KEYS,
    panes::coverage::keys::KEYS,
    panes::coding::keys::SEARCH,
    panes::coding::keys::VIEWER,
    panes::coding::keys::MATRIX,
    panes::coding::keys::ANALYSIS,
    panes::data::keys::REDACTION,
    panes::data::keys::EXPORT,
    panes::agreement::keys::KEYS,
    FORM,
    CONFIRM,
    CONFLICT,
    SEARCH,
    HELP,
    LOG,
];

/// Every key the interface knows, in the order the help shows them.
pub fn bindings() -> impl Iterator<Item = &'static Binding> {
    TABLES.iter().flat_map(|t| t.iter())
}

/// Everywhere outside forms, dialogs and search.
pub static GLOBAL: &[Binding] = &[
    b!(Ctx::Global, [ch('q'), ctrl('c')], C::Quit, "quit", true),
    b!(
        Ctx::Global,
        [ch('?')],
        C::Help,
        "help: the keys that work here",
        true
    ),
    b!(
        Ctx::Global,
        [ch('L')],
        C::Log,
        "message log: the recent messages, errors first, each in full",
        true
    ),
    b!(Ctx::Global, [code(K::Tab)], C::NextPane, "next pane", false),
    b!(
        Ctx::Global,
        [code(K::BackTab)],
        C::PrevPane,
        "previous pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('1')],
        C::Go(Pane::Participants),
        "Participants pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('2')],
        C::Go(Pane::Consent),
        "Consent pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('3')],
        C::Go(Pane::Sessions),
        "Sessions pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('4')],
        C::Go(Pane::Transcripts),
        "Transcripts pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('5')],
        C::Go(Pane::Themes),
        "Themes pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('6')],
        C::Go(Pane::Coverage),
        "Coverage pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('7')],
        C::Go(Pane::Search),
        "Search pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('8')],
        C::Go(Pane::Viewer),
        "Viewer pane: the open transcript",
        false
    ),
    b!(
        Ctx::Global,
        [ch('9')],
        C::Go(Pane::Matrix),
        "Matrix pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('0')],
        C::Go(Pane::Analysis),
        "Analysis pane: saturation, frequency, co-occurrence",
        false
    ),
    b!(
        Ctx::Global,
        [ch('D')],
        C::Go(Pane::Redaction),
        "Redaction pane: identifier register and suspects",
        false
    ),
    b!(
        Ctx::Global,
        [ch('E')],
        C::Go(Pane::Export),
        "Export pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('K')],
        C::Go(Pane::Agreement),
        "Agreement pane: inter-coder agreement by theme, disagreements, settling",
        false
    ),
    b!(
        Ctx::Global,
        [ch('Y')],
        C::OpenConflicts,
        "Sync conflicts: changes from other laptops that clash, both versions side by side",
        false
    ),
    b!(
        Ctx::Global,
        [ch('P')],
        C::TogglePrivacy,
        "privacy mode: mask names, emails, organisations, notes, paths",
        true
    ),
    b!(
        Ctx::Global,
        [ch('u'), ctrl('z')],
        C::Undo,
        "undo the last edit (again: the one before, many levels)",
        true
    ),
    b!(
        Ctx::Global,
        [ch('U'), ctrl('y')],
        C::Redo,
        "redo the last edit undone",
        false
    ),
    b!(
        Ctx::Global,
        [code(K::F(5)), ctrl('r')],
        C::Refresh,
        "reload from the database",
        false
    ),
];

/// Every pane with a list.
pub static LIST: &[Binding] = &[
    b!(Ctx::List, [code(K::Up), ch('k')], C::Up, "move up", false),
    b!(
        Ctx::List,
        [code(K::Down), ch('j')],
        C::Down,
        "move down",
        false
    ),
    b!(Ctx::List, [code(K::PageUp)], C::PageUp, "page up", false),
    b!(
        Ctx::List,
        [code(K::PageDown)],
        C::PageDown,
        "page down",
        false
    ),
    b!(
        Ctx::List,
        [code(K::Home), ch('g')],
        C::Home,
        "first row",
        false
    ),
    b!(
        Ctx::List,
        [code(K::End), ch('G')],
        C::End,
        "last row",
        false
    ),
];

/// An open form.
pub static FORM: &[Binding] = &[
    // Forms
    b!(
        Ctx::Form,
        [code(K::Tab), code(K::Down)],
        C::FormNext,
        "next field",
        true
    ),
    b!(
        Ctx::Form,
        [code(K::BackTab), code(K::Up)],
        C::FormPrev,
        "previous field",
        false
    ),
    b!(
        Ctx::Form,
        [code(K::Left)],
        C::FormLeft,
        "previous choice; date one day earlier",
        true
    ),
    b!(
        Ctx::Form,
        [code(K::Right)],
        C::FormRight,
        "next choice; date one day later (empty: today); complete a path",
        true
    ),
    b!(
        Ctx::Form,
        [code(K::Backspace)],
        C::FormBackspace,
        "delete a character",
        false
    ),
    b!(
        Ctx::Form,
        [ctrl('u')],
        C::FormClear,
        "clear the field",
        false
    ),
    b!(Ctx::Form, [code(K::Enter)], C::FormSubmit, "save", true),
    b!(
        Ctx::Form,
        [code(K::Esc)],
        C::Cancel,
        "cancel: nothing is changed",
        true
    ),
];

/// A confirm dialog.
pub static CONFIRM: &[Binding] = &[
    // Confirm
    b!(Ctx::Confirm, [ch('y')], C::Yes, "yes, do it", true),
    b!(
        Ctx::Confirm,
        [ch('n'), code(K::Esc)],
        C::No,
        "no, change nothing",
        true
    ),
];

/// The record changed underneath an open form.
pub static CONFLICT: &[Binding] = &[
    // Changed underneath a form
    b!(
        Ctx::Conflict,
        [ch('o')],
        C::Overwrite,
        "overwrite with mine",
        true
    ),
    b!(
        Ctx::Conflict,
        [ch('r')],
        C::Reload,
        "reload theirs into the form",
        true
    ),
    b!(
        Ctx::Conflict,
        [ch('c'), code(K::Esc)],
        C::Cancel,
        "cancel: change nothing",
        true
    ),
];

/// Typing a search.
pub static SEARCH: &[Binding] = &[
    // Search
    b!(
        Ctx::Search,
        [code(K::Enter)],
        C::SearchAccept,
        "keep the search and go back to the list",
        true
    ),
    b!(
        Ctx::Search,
        [code(K::Esc)],
        C::Cancel,
        "clear the search",
        true
    ),
    b!(
        Ctx::Search,
        [code(K::Backspace)],
        C::SearchBackspace,
        "delete a character",
        false
    ),
];

/// The help overlay.
pub static HELP: &[Binding] = &[
    // Help
    b!(
        Ctx::Help,
        [code(K::Esc), ch('?'), ch('q')],
        C::Cancel,
        "close help (q only while no filter is typed)",
        true
    ),
    b!(
        Ctx::Help,
        [code(K::Down), code(K::PageDown)],
        C::Down,
        "scroll down (when the keys do not fit)",
        false
    ),
    b!(
        Ctx::Help,
        [code(K::Up), code(K::PageUp)],
        C::Up,
        "scroll up",
        false
    ),
    b!(
        Ctx::Help,
        [code(K::Backspace)],
        C::SearchBackspace,
        "delete a character of the filter (type to filter the keys)",
        true
    ),
];

/// The message log overlay.
pub static LOG: &[Binding] = &[
    // Message log
    b!(
        Ctx::Log,
        [code(K::Esc), ch('L'), ch('q')],
        C::Cancel,
        "close the message log",
        true
    ),
    b!(Ctx::Log, [code(K::Up), ch('k')], C::Up, "scroll up", true),
    b!(
        Ctx::Log,
        [code(K::Down), ch('j')],
        C::Down,
        "scroll down",
        true
    ),
];

/// The contexts a key is looked up in, most specific first.
pub fn contexts(mode: Mode, pane: Pane) -> Vec<Ctx> {
    match mode {
        Mode::Help => vec![Ctx::Help],
        Mode::Log => vec![Ctx::Log],
        Mode::Confirm => vec![Ctx::Confirm],
        Mode::Conflict => vec![Ctx::Conflict],
        Mode::Form => vec![Ctx::Form],
        Mode::Search => vec![Ctx::Search],
        Mode::Normal => vec![Ctx::Pane(pane), Ctx::List, Ctx::Global],
    }
}

/// The command bound to a key in a mode, if any.
pub fn lookup(mode: Mode, pane: Pane, ev: &KeyEvent) -> Option<Cmd> {
    for ctx in contexts(mode, pane) {
        for b in bindings().filter(|b| b.ctx == ctx) {
            if b.keys.iter().any(|k| k.matches(ev)) {
                return Some(b.cmd);
            }
        }
    }
    None
}

pub fn keys_label(b: &Binding) -> String {
    b.keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
}

/// (keys, help) for the hint bar of a mode.
pub fn hints(mode: Mode, pane: Pane) -> Vec<(String, &'static str)> {
    contexts(mode, pane)
        .into_iter()
        .flat_map(|ctx| bindings().filter(move |b| b.ctx == ctx && b.hint))
        .map(|b| (keys_label(b), short(b.help)))
        .collect()
}

/// The first words of a help text, for the hint bar.
fn short(help: &'static str) -> &'static str {
    let end = help.find([':', '(', ';']).unwrap_or(help.len());
    help[..end].trim_end()
}

/// Every context in help order.
pub fn all_contexts() -> Vec<Ctx> {
    let mut out: Vec<Ctx> = Vec::new();
    for b in bindings() {
        if !out.contains(&b.ctx) {
            out.push(b.ctx);
        }
    }
    out
}

/// The keys section of `docs/tui.md`.
pub fn markdown() -> String {
    let mut s = String::new();
    for ctx in all_contexts() {
        s.push_str(&format!(
            "### {}\n\n| keys | does |\n|---|---|\n",
            ctx.title()
        ));
        for b in bindings().filter(|b| b.ctx == ctx) {
            let keys = keys_label(b).replace('|', "\\|");
            s.push_str(&format!("| `{}` | {} |\n", keys, b.help));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::core::Mode;
    use ratatui::crossterm::event::KeyEventKind;
    use ratatui::crossterm::event::KeyModifiers;

    fn key(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new_with_kind(c, m, KeyEventKind::Press)
    }

    #[test]
    fn no_key_is_bound_twice_in_the_same_lookup() {
        for pane in Pane::ALL {
            for mode in [
                Mode::Normal,
                Mode::Form,
                Mode::Confirm,
                Mode::Conflict,
                Mode::Search,
                Mode::Help,
            ] {
                let ctxs = contexts(mode, *pane);
                let mut seen: Vec<(Key, Ctx)> = Vec::new();
                for ctx in &ctxs {
                    for b in bindings().filter(|b| b.ctx == *ctx) {
                        for k in b.keys {
                            if let Some((_, c)) = seen.iter().find(|(s, _)| s == k) {
                                // A pane may shadow a list/global key only if it's in a
                                // different context: same context twice is a bug.
                                assert_ne!(c, ctx, "{} bound twice in {:?}", k.label(), ctx);
                            }
                            seen.push((*k, *ctx));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn shift_letters_and_ctrl_are_distinct() {
        let p = lookup(
            Mode::Normal,
            Pane::Transcripts,
            &key(KeyCode::Char('R'), KeyModifiers::SHIFT),
        );
        assert_eq!(p, Some(Cmd::Relink));
        let q = lookup(
            Mode::Normal,
            Pane::Coverage,
            &key(KeyCode::Char('c'), KeyModifiers::CONTROL),
        );
        assert_eq!(q, Some(Cmd::Quit));
        let r = lookup(
            Mode::Normal,
            Pane::Coverage,
            &key(KeyCode::Char('r'), KeyModifiers::NONE),
        );
        assert_eq!(r, None);
    }

    #[test]
    fn k_means_up_in_every_list_and_kind_moved_to_shift_k() {
        // `k` is "up" in every list, Sessions included; its kind filter is `K`.
        for pane in [Pane::Sessions, Pane::Participants, Pane::Transcripts] {
            let k = lookup(
                Mode::Normal,
                pane,
                &key(KeyCode::Char('k'), KeyModifiers::NONE),
            );
            assert_eq!(k, Some(Cmd::Up), "{pane:?}");
        }
        let k = lookup(
            Mode::Normal,
            Pane::Sessions,
            &key(KeyCode::Char('f'), KeyModifiers::NONE),
        );
        assert_eq!(k, Some(Cmd::FilterKind));
        let k = lookup(
            Mode::Normal,
            Pane::Participants,
            &key(KeyCode::Char('k'), KeyModifiers::NONE),
        );
        assert_eq!(k, Some(Cmd::Up));
    }

    #[test]
    fn hints_come_from_bindings() {
        let h = hints(Mode::Form, Pane::Participants);
        assert!(h.iter().any(|(k, t)| k == "Enter" && *t == "save"));
    }
}
