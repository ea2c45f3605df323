//! The codebook and tags. Rename, merge and retire keep history and never lose a tag.

mod edit;
mod merge;
mod read;
mod tags;
mod undo;

pub use merge::Merged;
pub(crate) use undo::tag_as_left;
pub use undo::{AddedTheme, Retired, Split};
