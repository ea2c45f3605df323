//! The grid of counts and its marks: small counts suppressed, then complementary cells until
//! no suppressed count can be recovered from the margins.

pub use super::mark::Mark;
use crate::export::audit::result::Audit;

/// A grid of counts with totals: `values[r][c]` for r < rows, c < cols; the last column
/// holds row totals and the last row column totals (the corner is the grand total).
#[derive(Debug, Clone)]
pub struct Grid {
    pub values: Vec<Vec<i64>>,
    pub marks: Vec<Vec<Mark>>,
    /// Lines in which a suppressed entry could still be pinned (should stay empty).
    pub unresolved: usize,
    /// The audit of the grid as a whole (after [`Grid::suppress`]).
    pub audit: Audit,
}

pub(super) const INF: i64 = 1 << 40;

impl Grid {
    /// A grid from the inner counts; totals are computed.
    pub fn new(inner: &[Vec<i64>]) -> Grid {
        let r = inner.len();
        let c = inner.first().map_or(0, Vec::len);
        let mut values = vec![vec![0i64; c + 1]; r + 1];
        for i in 0..r {
            for j in 0..c {
                let v = inner[i][j];
                values[i][j] = v;
                values[i][c] += v;
                values[r][j] += v;
                values[r][c] += v;
            }
        }
        Grid {
            marks: vec![vec![Mark::Shown; c + 1]; r + 1],
            values,
            unresolved: 0,
            audit: Audit::default(),
        }
    }

    pub(super) fn rows(&self) -> usize {
        self.values.len()
    }

    pub(super) fn cols(&self) -> usize {
        self.values[0].len()
    }

    /// The lines: each is a list of (row, col) entries, the last one being the total.
    pub(crate) fn lines(&self) -> Vec<Vec<(usize, usize)>> {
        let (r, c) = (self.rows(), self.cols());
        let mut out = Vec::new();
        for i in 0..r {
            out.push((0..c).map(|j| (i, j)).collect());
        }
        for j in 0..c {
            out.push((0..r).map(|i| (i, j)).collect());
        }
        out
    }

    pub(super) fn bounds(&self, threshold: i64, (i, j): (usize, usize)) -> (i64, i64) {
        match self.marks[i][j] {
            Mark::Shown => (self.values[i][j], self.values[i][j]),
            Mark::Primary => (1, threshold - 1),
            // A `*` would have been shown: it is at least T (see `audit`).
            Mark::Secondary => (threshold.min(self.values[i][j]), INF),
        }
    }

    /// Does this line pin some suppressed entry to a single value?
    pub(crate) fn pins(&self, threshold: i64, line: &[(usize, usize)]) -> bool {
        // Σ cells − total = 0, with coefficient +1 for cells and −1 for the total.
        let n = line.len();
        let coef = |k: usize| if k + 1 == n { -1 } else { 1 };
        let mut constant = 0i64;
        let mut vars = Vec::new();
        for (k, e) in line.iter().enumerate() {
            if self.marks[e.0][e.1] == Mark::Shown {
                constant -= coef(k) * self.values[e.0][e.1];
            } else {
                let (lo, hi) = self.bounds(threshold, *e);
                vars.push((coef(k), lo, hi));
            }
        }
        if vars.is_empty() {
            return false;
        }
        // The sums over all unknowns once, then each unknown's own share taken out: linear
        // in the line's length (a row of a 400-site grid holds hundreds of unknowns).
        let share = |&(b, l, h): &(i64, i64, i64)| ((b * l).min(b * h), (b * l).max(b * h));
        let (all_min, all_max) = vars
            .iter()
            .map(share)
            .fold((0, 0), |(p, q), (m, x)| (p + m, q + x));
        for &(a, lo, hi) in &vars {
            let (own_min, own_max) = share(&(a, lo, hi));
            let (smin, smax) = (all_min - own_min, all_max - own_max);
            // a·v = constant − Σothers
            let (p, q) = (constant - smax, constant - smin);
            let (vlo, vhi) = if a > 0 { (p, q) } else { (-q, -p) };
            let (lo2, hi2) = (lo.max(vlo), hi.min(vhi));
            if lo2 >= hi2 {
                return true;
            }
        }
        false
    }

    pub fn shown(&self, i: usize, j: usize, threshold: i64) -> String {
        match self.marks[i][j] {
            Mark::Shown => self.values[i][j].to_string(),
            Mark::Primary => format!("<{threshold}"),
            Mark::Secondary => "*".to_string(),
        }
    }

    pub fn count(&self, m: Mark) -> usize {
        self.marks.iter().flatten().filter(|x| **x == m).count()
    }
}

/// One count shown with the threshold rule (for the decline and withdrawal totals).
pub fn small_count(v: i64, threshold: i64) -> String {
    if v > 0 && v < threshold {
        format!("<{threshold}")
    } else {
        v.to_string()
    }
}
