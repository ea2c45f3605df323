//! The audit as it was before the flow network (issue 10): every extreme a general linear
//! program over the whole grid, solved with `microlp`. Kept for tests only, as the
//! reference the flow-based audit must agree with, interval for interval and suppression
//! for suppression.

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use super::{cheapest, Audit, AuditError, Interval};
use crate::export::table1::grid::{Grid, Mark};

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
