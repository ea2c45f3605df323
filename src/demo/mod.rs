//! The demo study: a synthetic study shaped like the reference study of the design notes,
//! written into a freshly created database through the service layer (so every rule and
//! the audit log apply), with synthetic transcript files under the transcripts root. It is
//! one transaction (`Store::begin_batch`): each service call's write is a savepoint of it.
//!
//! Everything is generated from a seeded PRNG, so the same scale and seed give the same
//! shape (participant ids and export codes are random by design). Names, organisations and
//! places come from the embedded lists in `assets/demo/` and are invented.
//!
//! At scale 1 the demo has the reference study's numbers: the study's sites, 112 completed
//! interviews (the phase targets of the study definition, unevenly spread over the sites),
//! most follow-up interviews with baseline participants, declines, non-responses, one
//! withdrawal, one interview logged with a consent gap, observed meetings of every meeting
//! type, reviewed documents, transcripts linked to most interviews (a few then deleted, a
//! few never linked) and session tags from the QMS codebook. Scale N multiplies all of it,
//! adding copies of the study's sites (`A2`, `B2`, …).

mod execute;
mod generate;
mod options;
mod people;
mod plan;
mod specials;
#[cfg(test)]
mod tests;
mod text;
mod transcript;

pub use generate::*;
pub use options::*;
