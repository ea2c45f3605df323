//! Consent records and withdrawals.

mod correct;
mod hashing;
mod problems;
mod read;
mod record;

pub use crate::store::consent::Correction;
pub use hashing::{sha256_bytes, sha256_file};
pub use problems::{ConsentProblem, ItemProblem};
pub use read::{ConsentBook, ConsentHistory, ConsentRow};
pub use record::ConsentInput;
