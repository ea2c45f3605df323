//! The command line: clap definitions ([`args`], re-exported here), dispatch ([`run`])
//! and text output.

mod agreement;
mod args;
mod coding;
mod delete;
mod docs;
mod output;
mod progress;
mod run;
mod sync;

pub use args::*;
pub use output::render_coverage;
pub use run::main;
