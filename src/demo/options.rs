//! The demo's options (scale, words per transcript) and the summary of what it wrote.

use std::collections::BTreeMap;

use serde::Serialize;

/// Invented names, places, organisations, documents and fieldworkers.
pub const NAMES: &str = include_str!("../../assets/demo/names.txt");
/// Invented interview material, by theme.
pub const FRAGMENTS: &str = include_str!("../../assets/demo/fragments.txt");

/// Mean words per transcript at the default setting (each file varies from 70% to 130%).
pub const DEFAULT_WORDS_PER_TRANSCRIPT: u32 = 2_200;
/// The default seed: the same seed and scale give the same study shape.
pub const DEFAULT_SEED: u64 = 0x00F1_E1D0_0D5E_ED01;
/// The largest scale accepted.
pub const MAX_SCALE: u32 = 100;

/// How big a demo study to build.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Multiplies the study: sites, participants, sessions, transcripts.
    pub scale: u32,
    /// Mean words per transcript file (files vary from 70% to 130% of it).
    pub words_per_transcript: u32,
    pub seed: u64,
}

impl DemoOptions {
    pub fn new(scale: u32) -> DemoOptions {
        DemoOptions {
            scale,
            words_per_transcript: DEFAULT_WORDS_PER_TRANSCRIPT,
            seed: DEFAULT_SEED,
        }
    }
}

/// What the demo wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoSummary {
    pub scale: u32,
    pub seed: u64,
    pub sites: usize,
    /// Every participant added, whatever their outcome.
    pub participants: usize,
    /// Participants with at least one completed interview.
    pub interviewed: usize,
    pub declined: usize,
    pub no_response: usize,
    pub withdrawn: usize,
    pub consent_records: usize,
    /// Completed interviews.
    pub interviews: usize,
    /// Completed interviews by phase number.
    pub interviews_by_phase: BTreeMap<u32, usize>,
    /// Interviews in a later phase with somebody interviewed in an earlier one.
    pub re_interviews: usize,
    /// Interviews logged without consent in force (`allow_gap`).
    pub consent_gaps: usize,
    pub observations: usize,
    pub meeting_types_observed: usize,
    pub documents: usize,
    /// Transcript files written (including those deleted afterwards).
    pub transcripts_written: usize,
    /// Files linked to interviews.
    pub transcripts_linked: usize,
    /// Linked files deleted afterwards, so that `check` reports them missing.
    pub transcripts_missing: usize,
    /// Completed interviews left with no transcript linked.
    pub transcripts_unlinked: usize,
    /// The mean asked for.
    pub words_per_transcript: u32,
    /// Words in the transcript files left on disk.
    pub total_words: u64,
    pub tags: usize,
    pub themes_used: usize,
    pub codebook: Option<String>,
    pub transcripts_root: String,
}
