//! The Redaction and Export panes: their state and `command`. Pure like `app`: no IO;
//! `data_io` carries out what they ask through the service and export layers.

use super::app::{Effect, State};
use super::widgets::form::Form;

/// Commands of the Redaction and Export panes (bound in `keymap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataCmd {
    /// Placeholder until the panes are built.
    Nothing,
}

/// What the Redaction and Export panes ask the loop to do.
#[derive(Debug, Clone)]
pub enum DataEffect {}

/// Forms of the Redaction and Export panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataForm {}

#[derive(Debug, Clone, Default)]
pub struct DataState {}

/// A character typed while the pane takes text (`Mode::Search` in Redaction).
pub fn text(_s: &mut State, _c: char) -> Option<Effect> {
    None
}

pub fn backspace(_s: &mut State) -> Option<Effect> {
    None
}

pub fn cancel_text(_s: &mut State) -> Option<Effect> {
    None
}

pub fn move_sel(_s: &mut State, _d: isize, _abs: Option<usize>) -> Option<Effect> {
    None
}

pub fn command(_s: &mut State, _c: DataCmd) -> Option<Effect> {
    None
}

pub fn submit(_s: &mut State, d: DataForm, _f: &Form) -> Option<Effect> {
    match d {}
}
