//! Interviews, observed meetings and reviewed documents.

mod inputs;
mod interviews;
mod observations;
mod read;
mod status;

pub use inputs::{DocumentInput, InterviewInput, Logged, ObservationInput, SessionChange};
