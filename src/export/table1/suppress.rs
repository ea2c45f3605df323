//! Suppressing a grid: primary suppression, secondary suppression line by line, then the
//! audit of the grid as a whole ([`crate::export::audit::protect`]).

use super::grid::{Grid, Mark};
use crate::export::audit::{self, AuditError};

impl Grid {
    /// Primary suppression, secondary suppression line by line (cheap, catches most),
    /// then the audit of the grid as a whole, which adds secondaries until it is safe.
    pub fn suppress(&mut self, threshold: i64) -> std::result::Result<(), AuditError> {
        for i in 0..self.rows() {
            for j in 0..self.cols() {
                let v = self.values[i][j];
                if v > 0 && v < threshold {
                    self.marks[i][j] = Mark::Primary;
                }
            }
        }
        loop {
            let mut changed = false;
            let mut stuck = 0;
            for line in self.lines() {
                if !self.pins(threshold, &line) {
                    continue;
                }
                // The smallest non-zero shown cell, else the total.
                let n = line.len();
                let pick = line[..n - 1]
                    .iter()
                    .filter(|e| self.marks[e.0][e.1] == Mark::Shown && self.values[e.0][e.1] > 0)
                    .min_by_key(|e| self.values[e.0][e.1])
                    .copied()
                    .or_else(|| {
                        let t = line[n - 1];
                        (self.marks[t.0][t.1] == Mark::Shown && self.values[t.0][t.1] > 0)
                            .then_some(t)
                    });
                match pick {
                    Some((i, j)) => {
                        self.marks[i][j] = Mark::Secondary;
                        changed = true;
                    }
                    None => stuck += 1,
                }
            }
            if !changed {
                self.unresolved = stuck;
                break;
            }
        }
        self.audit = audit::protect(self, threshold)?;
        let lines = self.lines();
        self.unresolved = lines.iter().filter(|l| self.pins(threshold, l)).count();
        Ok(())
    }
}
