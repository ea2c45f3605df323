//! Reading REFI-QDA codebooks (`.qdc`) as the major packages write them.
//!
//! Accepted: the codebook namespace `urn:QDA-XML:codebook:1.0`, the project namespace
//! `urn:QDA-XML:project:1.0` (a `CodeBook` inside a `Project`, or a `CodeBook` root in that
//! namespace), near-misses of them (any namespace under `urn:QDA-XML:`), or no namespace; `isCodable` missing; `color` with or without `#`,
//! in either case, 3 or 6 hex digits (or 8, ARGB, whose alpha is dropped); GUIDs in braces
//! or upper case; `Description` children with text, CDATA, entities or inner markup; UTF-8
//! with or without a byte-order mark, and UTF-16 with one; code `Set`s are counted (not
//! imported), sets of documents only (MAXQDA projects) are not. Real exports from other
//! packages are in tests/fixtures/refi/real/ (see tests/refi_real.rs). Elements of other namespaces
//! inside the codebook (vendor extensions) are skipped. Broken XML is rejected with the line
//! and column of the problem.

mod decode;
mod parse;
#[cfg(test)]
mod tests;

pub use decode::*;
pub use parse::*;
