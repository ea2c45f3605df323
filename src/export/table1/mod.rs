//! The publication "Table 1": counts of participants (not interviews) by role category ×
//! site, one table per phase, with row, column and grand totals.
//!
//! - A participant counts once in a phase's table if they had a completed interview in that
//!   phase. Participants who withdrew with a removal scope are left out of the cells (their
//!   data are not in the analysed set).
//! - Primary suppression: counts from 1 to T−1 are shown as `<T` (zeros are shown).
//! - Secondary suppression: no suppressed entry may be worked out from its row or column
//!   (the cells and the total of a line add up): while some line pins a suppressed entry to
//!   one value, the smallest non-zero entry of that line is suppressed too (a cell before the
//!   total), shown as `*`. Then the grid is audited as a whole ([`super::audit`]): rows,
//!   columns and totals combined (linear programs solved as maximum flows), more `*` until
//!   it is safe.
//! - Declines and withdrawals appear only as two totals, with the same threshold.

mod entry;
pub mod grid;
pub mod mark;
mod suppress;
mod table;
#[cfg(test)]
mod tests;

pub use entry::*;
pub use grid::*;
pub use table::*;
