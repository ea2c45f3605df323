//! The terminal interface (placeholder until the TUI lands): prints the coverage report.

use crate::config::LoadedConfig;
use crate::service::{Fieldwork, Result};

/// Open the interface on an open fieldwork log.
pub fn run(fw: Fieldwork, _config: &LoadedConfig) -> Result<()> {
    let cov = fw.coverage()?;
    print!("{}", crate::cli::render_coverage(&cov));
    Ok(())
}
