//! Plain-text rendering for the CLI: aligned tables (by display width) and reports.

mod records;
mod reports;
#[cfg(test)]
mod tests;
mod text;

pub use records::*;
pub use reports::*;
pub use text::*;
