//! A REFI-QDA project (`.qdpx`): a zip holding `project.qde` (namespace
//! `urn:QDA-XML:project:1.0`) and the transcripts as plain-text sources under `sources/`,
//! each named by its GUID and referred to with the `internal://` scheme.
//!
//! What it holds: one user (a GUID and the configured user's initials, never a full name),
//! the codebook (written by the codebook writer), the transcripts of interviews whose every
//! participant may be in shared data (redacted by default; the originals only when asked),
//! every passage as a `PlainTextSelection` coded with its theme, at character positions of
//! the source written (mapped through the redactions), tag memos as notes (redacted), and
//! participants as cases with the participant table's anonymised variables. GUIDs are
//! derived from the internal ids (or are the theme ids, as in the codebook), so they are
//! stable from one export to the next; internal ids themselves are never written.

mod build;
mod write;

pub use build::*;
pub use write::*;
