//! Reusable pieces: text cleaning and masking, forms, the confirm dialog, popups.

pub mod form;
pub mod popup;
pub mod table;
pub mod text;
