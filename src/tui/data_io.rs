//! Carries out the Redaction and Export panes' effects and loads.

use super::app::{Pane, State};
use super::data::DataEffect;
use crate::service::{Fieldwork, Result};

pub fn load(_fw: &Fieldwork, _s: &mut State, _p: Pane) -> Result<()> {
    Ok(())
}

pub fn perform(_fw: &mut Fieldwork, _s: &mut State, e: DataEffect) -> Result<()> {
    match e {}
}
