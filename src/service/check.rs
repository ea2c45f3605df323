//! `check`: database integrity plus every consistency problem the gaps list knows.

use serde::Serialize;

use super::coverage::Gap;
use super::{Fieldwork, Result};

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub problems: Vec<Gap>,
    /// Counts by kind, for a summary line.
    pub summary: Vec<(String, usize)>,
}

impl Fieldwork {
    /// Integrity (`PRAGMA integrity_check`, foreign keys) and every gap, with transcript
    /// files hashed.
    pub fn check(&self) -> Result<CheckReport> {
        let mut problems: Vec<Gap> = self
            .store
            .integrity_problems()?
            .into_iter()
            .map(|m| Gap {
                kind: "integrity".into(),
                entity: "database".into(),
                id: self.store.path().display().to_string(),
                message: m,
                action:
                    "restore from a backup (`fieldwork backup` makes one) and report the problem"
                        .into(),
                participants: Vec::new(),
            })
            .collect();
        problems.extend(self.gaps(true)?);
        let mut summary: Vec<(String, usize)> = Vec::new();
        for p in &problems {
            match summary.iter_mut().find(|(k, _)| *k == p.kind) {
                Some((_, n)) => *n += 1,
                None => summary.push((p.kind.clone(), 1)),
            }
        }
        Ok(CheckReport {
            ok: problems.is_empty(),
            problems,
            summary,
        })
    }
}
