//! The clap definitions of the command line, one part per command group; [`Cli`] is the
//! parser. The run files take their types from here, never from `cli/mod.rs`.

mod coding;
mod data;
mod people;
mod sessions;
mod shared;
mod top;

#[cfg(test)]
mod tests;

pub use coding::*;
pub use data::*;
pub use people::*;
pub use sessions::*;
pub use shared::*;
pub use top::*;
