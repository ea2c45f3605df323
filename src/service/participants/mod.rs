//! Participants: add, edit, status changes, listing.

mod checks;
mod read;
mod status;
mod unique_role;
mod versions;
mod write;

pub use checks::check_phone;
pub use read::ParticipantDetail;
pub use status::StatusMove;
pub(crate) use unique_role::UniqueRoleClash;
pub use versions::{participant_version, participant_version_of};
