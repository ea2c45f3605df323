//! What the audit finds: each suppressed cell's interval, the audit as a whole, its error.

use serde::Serialize;

use crate::export::table1::mark::Mark;

/// The intruder's interval for one suppressed entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interval {
    pub row: usize,
    pub col: usize,
    pub mark: Mark,
    pub lo: i64,
    /// `None`: no upper limit can be derived.
    pub hi: Option<i64>,
}

impl Interval {
    /// Is this entry protected: a `<T` entry keeps 1…T−1, a `*` entry is not pinned.
    pub fn safe(&self, threshold: i64) -> bool {
        match self.mark {
            Mark::Primary => self.lo <= 1 && self.hi.is_none_or(|h| h >= threshold - 1),
            _ => self.hi.is_none_or(|h| h > self.lo),
        }
    }
}

/// The audit of one grid.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Audit {
    /// Every suppressed entry with its interval, in row-major order.
    pub intervals: Vec<Interval>,
    /// Linear programs solved (each entry's minimum and maximum: two per interval, each
    /// solved as a maximum flow), the protection's included.
    pub lps: usize,
    /// Secondary suppressions the audit added beyond the line-by-line pass.
    pub added: usize,
    /// Entries no suppression can protect (row, col).
    pub unprotectable: Vec<(usize, usize)>,
    pub safe: bool,
}

/// Why an audit could not finish (the solver failed: nothing is known about safety).
#[derive(Debug, Clone)]
pub struct AuditError(pub String);

impl std::fmt::Display for AuditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
