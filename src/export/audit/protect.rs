//! Auditing a grid, and protecting it: secondary suppressions until every suppressed cell
//! is safe.

use super::{net::*, result::*};
use crate::export::table1::grid::{Grid, Mark};

/// Audit the grid as published (no change): every suppressed entry's interval.
pub fn audit(g: &Grid, t: i64) -> Result<Audit, AuditError> {
    let mut a = Audit::default();
    let mut net = Net::new(g, t, &g.marks);
    for e in suppressed(&g.marks) {
        a.intervals.push(net.interval(g, t, g.marks[e.0][e.1], e));
        a.lps += 2;
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
    let mut net = Net::new(g, t, &g.marks);
    let mut k = 0;
    while k < queue.len() {
        let e = queue[k];
        k += 1;
        lps += 2;
        if net.interval(g, t, g.marks[e.0][e.1], e).safe(t) {
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
        lps += 2;
        let best = Net::new(g, t, &all).interval(g, t, all[e.0][e.1], e);
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
        loop {
            lps += 2;
            if reached(&net.interval(g, t, g.marks[e.0][e.1], e)) {
                break;
            }
            let Some(pick) = cheapest(g, e) else {
                break;
            };
            g.marks[pick.0][pick.1] = Mark::Secondary;
            net.add(g, t, Mark::Secondary, pick);
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
pub(super) fn cheapest(g: &Grid, e: (usize, usize)) -> Option<(usize, usize)> {
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
