//! Transcript redaction: matching a register of identifiers, and finding suspects.
//!
//! Matching is Unicode-normalised (NFKC), case-insensitive, on word boundaries, longest
//! match first, and across line breaks (any run of white space in a variant matches any run
//! in the text). Offsets are characters of the original text.

mod matcher;
mod normalise;
mod patterns;
mod suspects;
#[cfg(test)]
mod tests;
mod variants;
mod words;

pub use matcher::*;
pub use normalise::*;
pub use suspects::*;
pub use variants::*;
pub use words::*;
