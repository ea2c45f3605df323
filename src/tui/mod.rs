//! The terminal interface. `run` owns the terminal (through a guard that restores it on
//! quit, error and panic) and the event loop; it is the only place doing IO, carrying out
//! the effects `app::update` returns through the service layer (`effects`).

pub mod app;
pub mod core;
pub mod effects;
pub mod keymap;
pub mod panes;
pub mod theme;
pub mod view;
pub mod widgets;
pub mod worker;

// The pane groups' former paths, kept for callers outside the interface (tests, benches).
pub use panes::agreement;
pub use panes::coding;
pub use panes::coding::io as coding_io;
pub use panes::conflicts as sync_view;
pub use panes::data;
pub use panes::data::io as data_io;

use std::io::{self, Stdout};
use std::time::Duration;

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;

use crate::config::LoadedConfig;
use crate::service::{Fieldwork, Result, ServiceError};
use app::{Action, Effect, Pane, State};

/// Options beyond the configuration.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Start in privacy mode whatever the configuration says.
    pub privacy: bool,
}

/// Open the interface on an open fieldwork log.
pub fn run(fw: Fieldwork, config: &LoadedConfig) -> Result<()> {
    run_with(fw, config, Options::default())
}

/// Whether colour is allowed: the setting, and `NO_COLOR` (any non-empty value) wins.
pub fn colour_allowed(setting: bool) -> bool {
    setting && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The initial state for a log (also used by tests and benchmarks).
pub fn initial_state(fw: &Fieldwork, privacy: bool, colour: bool, mouse: bool) -> State {
    State::new(
        fw.reference.clone(),
        fw.store.path().display().to_string(),
        fw.transcripts_root().display().to_string(),
        privacy,
        colour,
        mouse,
    )
}

pub fn run_with(mut fw: Fieldwork, config: &LoadedConfig, opts: Options) -> Result<()> {
    let ui = &config.config.ui;
    let mut state = initial_state(
        &fw,
        ui.privacy_mode || opts.privacy,
        colour_allowed(ui.colour),
        ui.mouse,
    );
    effects::perform(&mut fw, &mut state, Effect::Load(Pane::Participants));
    let io_err = |e: io::Error| ServiceError::Io {
        context: "the terminal".into(),
        source: e,
    };
    let guard = TerminalGuard::enter(ui.mouse).map_err(io_err)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout())).map_err(io_err)?;
    // The load worker reads the same file on its own connection. Without it (the file
    // cannot be opened a second time) the slow loads run on this thread, as before.
    let worker = match worker::Worker::open(fw.store.path(), fw.settings.clone(), fw.coding.clone())
    {
        Ok(w) => Some(w),
        Err(e) => {
            state.error(format!(
                "slow loads run in the interface (no second connection: {e})"
            ));
            None
        }
    };
    let result = event_loop(
        &mut terminal,
        &mut fw,
        &mut state,
        worker.as_ref(),
        ui.tick_ms.max(10),
    );
    drop(terminal);
    drop(guard);
    result.map_err(io_err)
}

/// How often the screen is redrawn while a load is being computed (the working indicator
/// turns, and an answer is shown within this long).
const WORKING_TICK: Duration = Duration::from_millis(15);

fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    fw: &mut Fieldwork,
    state: &mut State,
    worker: Option<&worker::Worker>,
    tick_ms: u64,
) -> io::Result<()> {
    let size = terminal.size()?;
    app::update(state, Action::Resize(size.width, size.height));
    loop {
        // Answers that arrived: each is applied only if it is still the newest request
        // of its slot. Then every load the last keys asked for goes to the worker.
        if let Some(w) = worker {
            while let Some(a) = w.try_recv() {
                effects::answer(state, a.job, a.gen, a.result);
            }
        }
        effects::dispatch(fw, state, worker);
        terminal.draw(|f| view::render(state, f.area(), f.buffer_mut()))?;
        let wait = if state.pending.is_empty() {
            Duration::from_millis(tick_ms)
        } else {
            WORKING_TICK
        };
        if !event::poll(wait)? {
            if !state.pending.is_empty() {
                state.spin = state.spin.wrapping_add(1);
            }
            continue;
        }
        // Handle every event already waiting before drawing again.
        loop {
            let action = match event::read()? {
                Event::Key(k) => Some(Action::Key(k)),
                Event::Resize(w, h) => Some(Action::Resize(w, h)),
                Event::Mouse(m) => Some(Action::Mouse(m)),
                // Bracketed paste: the text arrives whole, never as keys.
                Event::Paste(t) => Some(Action::Paste(t)),
                _ => None,
            };
            if let Some(a) = action {
                if let Some(effect) = app::update(state, a) {
                    if effects::perform(fw, state, effect) {
                        return Ok(());
                    }
                }
            }
            if !event::poll(Duration::ZERO)? {
                break;
            }
        }
    }
}

/// Puts the terminal in raw mode on the alternate screen with bracketed paste (a paste
/// arrives as text, never as keys) and mouse capture if asked, and undoes all of it when
/// dropped — including on an error and during a panic.
pub struct TerminalGuard {
    mouse: bool,
}

impl TerminalGuard {
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        install_panic_hook(mouse);
        enable_raw_mode()?;
        let guard = TerminalGuard { mouse };
        execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
        if mouse {
            execute!(io::stdout(), EnableMouseCapture)?;
        }
        Ok(guard)
    }
}

fn restore(mouse: bool) {
    if mouse {
        let _ = execute!(io::stdout(), DisableMouseCapture);
    }
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore(self.mouse);
    }
}

fn install_panic_hook(mouse: bool) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore(mouse);
        previous(info);
    }));
}
