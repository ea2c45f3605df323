//! The disclosure audit of Table 1, for each phase's grid as a whole.
//!
//! **The intruder** knows the rule and sees every published entry of the grid: the cells,
//! the row totals, the column totals and the grand total. A `<T` entry is a count from 1
//! to T−1; a `*` entry is a count the rule would otherwise have shown, so it is at least T
//! (zeros are shown and 1…T−1 would be `<T`). Every row and every column of the grid,
//! totals row and totals column included, adds up: Σ cells − total = 0. The suppressed
//! entries are the unknowns of that system of linear equations, with those bounds; the
//! shown entries are constants. For each suppressed entry the intruder's best knowledge is
//! the interval [min, max] of that entry over the system: two linear programs (minimise,
//! maximise), solved with `microlp`. The phases share no published margin (the export
//! prints no total across phases), so each phase's grid is a system of its own.
//!
//! **Exact, not a relaxation.** Each entry appears in exactly two equations (its row and
//! its column) with coefficients ±1; multiplying the totals row's and the totals column's
//! equations by −1 makes the two coefficients of every entry equal, one in a row equation
//! and one in a column equation, so the matrix is totally unimodular (Heller–Tompkins).
//! With integer bounds and integer right-hand sides every vertex of the feasible set is
//! integral, so the LP's minimum and maximum are integers an integer table attains, and
//! every integer between them is attained too (fixing the entry adds a unit row, which
//! keeps the matrix totally unimodular). The LP interval is the integer interval; a unit
//! test checks it against brute-force enumeration.
//!
//! **Safe** means: every `<T` entry can still be anything from 1 to T−1, and no suppressed
//! entry is pinned to one value (Hundepool et al., *Statistical Disclosure Control*, Wiley
//! 2012, §4.3 on the audit and protection intervals; the τ-ARGUS manual, "audit").
//!
//! **Protection** ([`protect`]) audits the suppressed entries one by one; while one is not
//! safe it suppresses one more shown non-zero entry, cheapest first: entries in the
//! unsafe entry's own row or column first, then entries in a line that already holds a
//! suppressed entry, then the rest; within each group the smallest count first, cells
//! before totals, in row-major order (deterministic). Suppressing an entry only relaxes
//! the system (it may take its true value), so intervals only widen: an entry found safe
//! stays safe, and each entry is repaired once, in order. An entry that would not be safe
//! even with every non-zero entry suppressed (for example two `<5` cells whose line total
//! is `<5` as well: each is then at most 3) cannot be protected by suppression at all; it
//! is left as it is, reported, and the audit says the table is not safe.

use serde::Serialize;

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use super::table1::{Grid, Mark};

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
    /// Linear programs solved, the protection's included.
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

/// The intruder's bounds of a suppressed entry.
fn bounds(g: &Grid, t: i64, marks: &[Vec<Mark>], (i, j): (usize, usize)) -> (f64, f64) {
    match marks[i][j] {
        Mark::Primary => (1.0, (t - 1) as f64),
        // A `*` entry would have been shown: 0 and 1…T−1 are not suppressed that way.
        // (`min` keeps the true value feasible whatever happens.)
        _ => (t.min(g.values[i][j]) as f64, f64::INFINITY),
    }
}

/// min or max of entry `target` under the published grid with `marks`.
fn extreme(
    g: &Grid,
    t: i64,
    marks: &[Vec<Mark>],
    target: (usize, usize),
    dir: OptimizationDirection,
    lps: &mut usize,
) -> Result<Option<i64>, AuditError> {
    let (r, c) = (g.values.len(), g.values[0].len());
    let mut p = Problem::new(dir);
    let mut var = vec![vec![None; c]; r];
    for i in 0..r {
        for j in 0..c {
            if marks[i][j] != Mark::Shown {
                let obj = if (i, j) == target { 1.0 } else { 0.0 };
                var[i][j] = Some(p.add_var(obj, bounds(g, t, marks, (i, j))));
            }
        }
    }
    for line in g.lines() {
        let n = line.len();
        let mut terms = Vec::new();
        let mut rhs = 0.0;
        for (k, &(i, j)) in line.iter().enumerate() {
            let coef = if k + 1 == n { -1.0 } else { 1.0 };
            match var[i][j] {
                Some(v) => terms.push((v, coef)),
                None => rhs -= coef * g.values[i][j] as f64,
            }
        }
        if !terms.is_empty() {
            p.add_constraint(terms.as_slice(), ComparisonOp::Eq, rhs);
        }
    }
    *lps += 1;
    match p.solve() {
        Ok(out) => match out.into_solution() {
            Ok(s) => {
                let v = s.objective();
                // Integral at a vertex (see the module notes): round off the float noise.
                Ok(Some(match dir {
                    OptimizationDirection::Minimize => (v - 1e-6).ceil() as i64,
                    OptimizationDirection::Maximize => (v + 1e-6).floor() as i64,
                }))
            }
            Err(_) => Err(AuditError("the Table 1 audit was interrupted".into())),
        },
        Err(microlp::Error::Unbounded) if dir == OptimizationDirection::Maximize => Ok(None),
        Err(e) => Err(AuditError(format!(
            "the Table 1 audit could not solve a linear program ({e}); nothing was written"
        ))),
    }
}

/// The interval of one suppressed entry.
fn interval(
    g: &Grid,
    t: i64,
    marks: &[Vec<Mark>],
    (i, j): (usize, usize),
    lps: &mut usize,
) -> Result<Interval, AuditError> {
    let lo = extreme(g, t, marks, (i, j), OptimizationDirection::Minimize, lps)?
        .unwrap_or(g.values[i][j]);
    let hi = extreme(g, t, marks, (i, j), OptimizationDirection::Maximize, lps)?;
    Ok(Interval {
        row: i,
        col: j,
        mark: marks[i][j],
        lo,
        hi,
    })
}

fn suppressed(marks: &[Vec<Mark>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, row) in marks.iter().enumerate() {
        for (j, m) in row.iter().enumerate() {
            if *m != Mark::Shown {
                out.push((i, j));
            }
        }
    }
    out
}

/// Audit the grid as published (no change): every suppressed entry's interval.
pub fn audit(g: &Grid, t: i64) -> Result<Audit, AuditError> {
    let mut a = Audit::default();
    for e in suppressed(&g.marks) {
        let iv = interval(g, t, &g.marks, e, &mut a.lps)?;
        a.intervals.push(iv);
    }
    a.safe = a.intervals.iter().all(|iv| iv.safe(t));
    Ok(a)
}

/// Add secondary suppressions until every suppressed entry is safe (or cannot be made
/// safe), then audit the result. Returns the final audit.
pub fn protect(g: &mut Grid, t: i64) -> Result<Audit, AuditError> {
    let mut lps = 0usize;
    let mut added = 0usize;
    let mut unprotectable = Vec::new();
    let mut queue = suppressed(&g.marks);
    let mut k = 0;
    while k < queue.len() {
        let e = queue[k];
        k += 1;
        if interval(g, t, &g.marks, e, &mut lps)?.safe(t) {
            continue;
        }
        // What suppression can achieve at most: with every non-zero entry suppressed the
        // intruder knows least. If the entry is not safe even then, the rule itself
        // narrows it: aim for that widest interval and report the entry.
        let mut all = g.marks.clone();
        for (i, row) in all.iter_mut().enumerate() {
            for (j, m) in row.iter_mut().enumerate() {
                if *m == Mark::Shown && g.values[i][j] > 0 {
                    *m = Mark::Secondary;
                }
            }
        }
        let best = interval(g, t, &all, e, &mut lps)?;
        let reached = |x: &Interval| {
            if best.safe(t) {
                x.safe(t)
            } else {
                x.lo <= best.lo
                    && match (x.hi, best.hi) {
                        (None, _) => true,
                        (Some(_), None) => false,
                        (Some(a), Some(b)) => a >= b,
                    }
            }
        };
        if !best.safe(t) {
            unprotectable.push(e);
        }
        while !reached(&interval(g, t, &g.marks, e, &mut lps)?) {
            let Some(pick) = cheapest(g, e) else {
                break;
            };
            g.marks[pick.0][pick.1] = Mark::Secondary;
            added += 1;
            queue.push(pick);
        }
    }
    let mut a = audit(g, t)?;
    a.lps += lps;
    a.added = added;
    a.unprotectable = unprotectable;
    Ok(a)
}

/// The next entry to suppress for the unsafe entry `e` (see the module notes).
fn cheapest(g: &Grid, e: (usize, usize)) -> Option<(usize, usize)> {
    let (r, c) = (g.values.len(), g.values[0].len());
    let row_has: Vec<bool> = g
        .marks
        .iter()
        .map(|row| row.iter().any(|m| *m != Mark::Shown))
        .collect();
    let col_has: Vec<bool> = (0..c)
        .map(|j| (0..r).any(|i| g.marks[i][j] != Mark::Shown))
        .collect();
    (0..r)
        .flat_map(|i| (0..c).map(move |j| (i, j)))
        .filter(|&(i, j)| g.marks[i][j] == Mark::Shown && g.values[i][j] > 0)
        .min_by_key(|&(i, j)| {
            let group = if i == e.0 || j == e.1 {
                0u8
            } else if row_has[i] || col_has[j] {
                1
            } else {
                2
            };
            let total = i + 1 == r || j + 1 == c;
            (group, g.values[i][j], total, i, j)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(values: &[Vec<i64>], marks: &[&str]) -> Grid {
        // `values` holds the whole grid, totals included; `marks` one string per row:
        // `.` shown, `p` primary, `s` secondary.
        let mut inner: Vec<Vec<i64>> = values[..values.len() - 1]
            .iter()
            .map(|r| r[..r.len() - 1].to_vec())
            .collect();
        if inner.is_empty() {
            inner.push(vec![]);
        }
        let mut g = Grid::new(&inner);
        assert_eq!(g.values, values, "the totals given must add up");
        for (i, row) in marks.iter().enumerate() {
            for (j, ch) in row.chars().enumerate() {
                g.marks[i][j] = match ch {
                    'p' => Mark::Primary,
                    's' => Mark::Secondary,
                    _ => Mark::Shown,
                };
            }
        }
        g
    }

    fn iv(a: &Audit, row: usize, col: usize) -> (i64, Option<i64>) {
        let x = a
            .intervals
            .iter()
            .find(|x| x.row == row && x.col == col)
            .expect("a suppressed entry");
        (x.lo, x.hi)
    }

    /// Hundepool et al. (2012), §4.3 (the audit): a table with suppressed cells whose
    /// feasibility intervals follow from the margins by linear programming. The classic
    /// illustration is a 2×2 block of suppressed cells in a table with shown margins: the
    /// four hidden cells move together along one cycle (+d, −d, −d, +d), so each cell's
    /// interval is its value ± the slack of the smallest opposite cell. Hand check:
    /// cells 3 (primary) at (0,0), partners 20 at (0,1), 15 at (1,0), 30 at (1,1);
    /// margins shown. x00 = 3 + d with −2 ≤ d ≤ 1 from x00 ∈ [1, 4], and the
    /// secondaries (≥ 5) allow −15 + 5 ≤ … so d ∈ [−2, 1]: x00 ∈ [1, 4], x01 ∈ [19, 22],
    /// x10 ∈ [14, 17], x11 ∈ [28, 31].
    #[test]
    fn a_suppressed_rectangle_has_the_cycle_intervals() {
        let g = marked(
            &[
                vec![3, 20, 7, 30],
                vec![15, 30, 9, 54],
                vec![18, 50, 16, 84],
            ],
            &["ps..", "ss..", "...."],
        );
        let a = audit(&g, 5).unwrap();
        assert_eq!(iv(&a, 0, 0), (1, Some(4)));
        assert_eq!(iv(&a, 0, 1), (19, Some(22)));
        assert_eq!(iv(&a, 1, 0), (14, Some(17)));
        assert_eq!(iv(&a, 1, 1), (28, Some(31)));
        assert!(a.safe);
        assert_eq!(a.lps, 8);
    }

    /// The attack of issue 9: every row and every column holds none or at least two
    /// suppressed entries, so no single line reveals anything, yet combining lines does.
    /// The suppressed entries form two rectangles joined by one cell, (1,2): seen as a
    /// graph of rows and columns, that cell is a bridge, and a bridge lies on no cycle, so
    /// no change of the hidden values that keeps every total can move it (Hundepool et al.
    /// 2012, ch. 4: only cycles of suppressed cells give protection). Hand check with the
    /// published totals: rows 2 and 3 give x22 + x23 = 17 and x32 + x33 = 29, column 3
    /// gives x23 + x33 = 28, so x22 + x32 = 17 + 29 − 28 = 18; column 2 (total 40) then
    /// gives x12 = 40 − 20 − 18 = 2, exactly.
    #[test]
    fn a_cell_recoverable_only_by_combining_lines_is_found_and_protected() {
        let inner = vec![
            vec![3, 10, 20, 20],
            vec![11, 12, 2, 20],
            vec![20, 20, 4, 13],
            vec![20, 20, 14, 15],
        ];
        let mut g = Grid::new(&inner);
        for (i, j, m) in [
            (0, 0, Mark::Primary),
            (0, 1, Mark::Secondary),
            (1, 0, Mark::Secondary),
            (1, 1, Mark::Secondary),
            (1, 2, Mark::Primary),
            (2, 2, Mark::Primary),
            (2, 3, Mark::Secondary),
            (3, 2, Mark::Secondary),
            (3, 3, Mark::Secondary),
        ] {
            g.marks[i][j] = m;
        }
        // Line by line nothing is pinned: every line has two or three unknowns.
        assert!(g.lines().iter().all(|l| !g.pins(5, l)));
        let before = audit(&g, 5).unwrap();
        assert_eq!(iv(&before, 1, 2), (2, Some(2)), "the bridge is recovered");
        assert!(!before.safe);
        let after = protect(&mut g, 5).unwrap();
        assert!(after.safe, "{after:?}");
        assert_eq!(iv(&after, 1, 2), (1, Some(4)));
        assert!(after.added >= 1);
        assert!(after.intervals.iter().all(|x| x.safe(5)));
    }

    /// The intruder knows a `*` entry is at least T (it would have been shown
    /// otherwise). Row: `<5`, `*`, total 8: the `*` is 5 or more, so the `<5` is at most
    /// 3 — narrowed, though no line pins it under the weaker reading "`*` is any count".
    #[test]
    fn a_star_is_known_to_be_at_least_t() {
        let g = marked(
            &[vec![2, 6, 8], vec![9, 9, 18], vec![11, 15, 26]],
            &["ps.", "ss.", "..."],
        );
        let a = audit(&g, 5).unwrap();
        assert_eq!(iv(&a, 0, 0), (1, Some(3)));
        assert!(!a.safe);
    }

    /// Two small cells whose line total is small too: x + y = R with all three in 1…4
    /// bounds each cell to 1…3 whatever else is suppressed (the rule itself tells it).
    #[test]
    fn an_inherent_narrowing_is_reported_not_hidden() {
        let mut g = marked(
            &[vec![1, 1, 2], vec![6, 7, 13], vec![7, 8, 15]],
            &["ppp", "...", "..."],
        );
        let a = protect(&mut g, 5).unwrap();
        assert!(!a.safe);
        assert!(a.unprotectable.contains(&(0, 0)));
        assert_eq!(iv(&a, 0, 0), (1, Some(3)));
        assert_eq!(iv(&a, 0, 1), (1, Some(3)));
    }

    /// The LP interval is the integer interval (total unimodularity): on small random
    /// grids with random suppression patterns, compare with brute-force enumeration of
    /// every integer table that matches what is published.
    #[test]
    fn lp_intervals_equal_brute_force_integer_intervals() {
        let mut x: u64 = 0x9E3779B97F4A7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let t = 5;
        let mut compared = 0;
        for _ in 0..200 {
            let inner: Vec<Vec<i64>> = (0..2)
                .map(|_| (0..3).map(|_| (next() % 9) as i64).collect())
                .collect();
            let mut g = Grid::new(&inner);
            for i in 0..3 {
                for j in 0..4 {
                    let v = g.values[i][j];
                    if v > 0 && v < t {
                        g.marks[i][j] = Mark::Primary;
                    } else if v >= t && next() % 3 == 0 {
                        g.marks[i][j] = Mark::Secondary;
                    }
                }
            }
            let a = audit(&g, t).unwrap();
            // Brute force over the six inner cells (0..=20 each where suppressed): the
            // totals follow; keep tables that match every shown entry and every bound.
            let hidden: Vec<(usize, usize)> = (0..2)
                .flat_map(|i| (0..3).map(move |j| (i, j)))
                .filter(|&(i, j)| g.marks[i][j] != Mark::Shown)
                .collect();
            let mut lo = vec![vec![i64::MAX; 4]; 3];
            let mut hi = vec![vec![i64::MIN; 4]; 3];
            if hidden.len() > 3 {
                continue;
            }
            compared += 1;
            let n = hidden.len() as u32;
            for code in 0..21u64.pow(n) {
                let mut cand = inner.clone();
                let mut c = code;
                for &(i, j) in &hidden {
                    cand[i][j] = (c % 21) as i64;
                    c /= 21;
                }
                let h = Grid::new(&cand);
                let ok = (0..3).all(|i| {
                    (0..4).all(|j| {
                        let v = h.values[i][j];
                        match g.marks[i][j] {
                            Mark::Shown => v == g.values[i][j],
                            Mark::Primary => (1..t).contains(&v),
                            Mark::Secondary => v >= t,
                        }
                    })
                });
                if ok {
                    for i in 0..3 {
                        for j in 0..4 {
                            lo[i][j] = lo[i][j].min(h.values[i][j]);
                            hi[i][j] = hi[i][j].max(h.values[i][j]);
                        }
                    }
                }
            }
            for x in &a.intervals {
                assert_eq!(x.lo, lo[x.row][x.col], "{inner:?} {:?}", g.marks);
                // Unbounded or beyond the enumeration's reach (20 per cell) is skipped.
                if let Some(h) = x.hi.filter(|h| *h < 20) {
                    assert_eq!(h, hi[x.row][x.col], "{inner:?} {:?}", g.marks);
                }
            }
        }
        assert!(compared >= 30, "only {compared} grids compared");
    }
}
