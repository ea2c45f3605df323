//! Transcript files → canonical text and speaker turns.
//!
//! Formats: plain text and Markdown (speaker labels `Name:` or `**Name:**` at line start),
//! Word `.docx` (paragraphs, tabs, line breaks; tracked deletions left out), and WebVTT
//! `.vtt` as written by Teams (`<v Name>…</v>`) and Zoom (`Name: …`), merged into speaker
//! turns. Offsets are in characters (Unicode scalar values), as REFI-QDA counts them.
//!
//! The turns partition the canonical text: turn *i* covers `[start, end)` and the next turn
//! starts at `end`, so the text is exactly the turns' texts in order.

mod decode;
mod docx;
mod segment;
#[cfg(test)]
mod tests;
mod types;
mod vtt;

pub use decode::*;
pub use docx::*;
pub use segment::*;
pub use types::*;
pub use vtt::*;
