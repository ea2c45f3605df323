use super::*;
use super::{protect::*, result::*};
use crate::export::table1::grid::{Grid, Mark};

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
/// The flow-based audit against the general LP it replaced (`reference`, the code as
/// it was): on many random small grids — random counts, random suppression patterns
/// (totals included), thresholds 5 and 10 — the same interval for every suppressed
/// entry, the same verdict, the same number of programs, and after protection the same
/// secondary suppressions, in the same places.
#[test]
fn the_flow_audit_agrees_with_the_lp_audit_on_random_grids() {
    let mut x: u64 = 0x853C49E6748FEA9B;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let (mut grids, mut unsafe_before, mut added, mut unbounded, mut unprotectable) =
        (0, 0, 0, 0, 0);
    for round in 0..600 {
        let t = if round % 2 == 0 { 5 } else { 10 };
        let r = 1 + (next() % 4) as usize;
        let c = 1 + (next() % 5) as usize;
        let inner: Vec<Vec<i64>> = (0..r)
            .map(|_| {
                (0..c)
                    .map(|_| match next() % 4 {
                        0 => 0,
                        1 => 1 + (next() % (t as u64 - 1)) as i64,
                        _ => (next() % 30) as i64,
                    })
                    .collect()
            })
            .collect();
        let mut g = Grid::new(&inner);
        let density = 1 + next() % 4;
        for i in 0..=r {
            for j in 0..=c {
                let v = g.values[i][j];
                if v > 0 && v < t {
                    g.marks[i][j] = Mark::Primary;
                } else if v > 0 && next() % 6 < density {
                    g.marks[i][j] = Mark::Secondary;
                }
            }
        }
        let what = format!("t={t} {inner:?} {:?}", g.marks);
        let new = audit(&g, t).unwrap();
        let old = reference::audit(&g, t).unwrap();
        assert_eq!(new.intervals, old.intervals, "audit: {what}");
        assert_eq!((new.safe, new.lps), (old.safe, old.lps), "audit: {what}");
        unsafe_before += usize::from(!new.safe);
        unbounded += new.intervals.iter().filter(|i| i.hi.is_none()).count();

        let (mut a, mut b) = (g.clone(), g.clone());
        let new = protect(&mut a, t).unwrap();
        let old = reference::protect(&mut b, t).unwrap();
        assert_eq!(a.marks, b.marks, "protect chose other cells: {what}");
        assert_eq!(new.intervals, old.intervals, "protect: {what}");
        assert_eq!(
            (new.safe, new.lps, new.added, &new.unprotectable),
            (old.safe, old.lps, old.added, &old.unprotectable),
            "protect: {what}"
        );
        added += new.added;
        unprotectable += new.unprotectable.len();
        grids += 1;
    }
    // The comparison covered the interesting cases, not only easy ones.
    assert_eq!(grids, 600);
    assert!(unsafe_before > 100, "{unsafe_before} unsafe grids");
    assert!(added > 100, "{added} secondaries added");
    assert!(unbounded > 100, "{unbounded} unbounded entries");
    assert!(unprotectable > 10, "{unprotectable} unprotectable entries");
}
