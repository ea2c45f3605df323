//! The intruder's bounds of a suppressed cell, found on a flow network over the grid.

use super::result::*;
use crate::export::table1::grid::{Grid, Mark};

/// The intruder's bounds of a suppressed entry; `None` above: unbounded.
pub(super) fn bounds(g: &Grid, t: i64, mark: Mark, (i, j): (usize, usize)) -> (i64, Option<i64>) {
    match mark {
        Mark::Primary => (1, Some(t - 1)),
        // A `*` entry would have been shown: 0 and 1…T−1 are not suppressed that way.
        // (`min` keeps the true value feasible whatever happens.)
        _ => (t.min(g.values[i][j]), None),
    }
}

/// Capacity standing for "unbounded": larger than any finite cut of a grid of counts.
pub(super) const BIG: i64 = 1 << 50;

/// The residual network of a grid's suppressed entries around the true table (see the
/// module notes). Arc `2k` is entry k's forward arc, `2k + 1` its backward arc.
pub(super) struct Net {
    rows: usize,
    cols: usize,
    /// Node an arc leads to.
    to: Vec<usize>,
    /// Residual capacity (restored after each search).
    cap: Vec<i64>,
    /// Arc ids leaving each node.
    adj: Vec<Vec<usize>>,
    /// Entry → its forward arc.
    arc: Vec<Vec<Option<usize>>>,
    /// Arcs changed by the current search, with their capacity before it.
    touched: Vec<(usize, i64)>,
    level: Vec<u32>,
    next: Vec<usize>,
}

impl Net {
    pub(super) fn new(g: &Grid, t: i64, marks: &[Vec<Mark>]) -> Net {
        let (rows, cols) = (g.values.len(), g.values[0].len());
        let mut net = Net {
            rows,
            cols,
            to: Vec::new(),
            cap: Vec::new(),
            adj: vec![Vec::new(); rows + cols],
            arc: vec![vec![None; cols]; rows],
            touched: Vec::new(),
            level: vec![0; rows + cols],
            next: vec![0; rows + cols],
        };
        for (i, row) in marks.iter().enumerate() {
            for (j, m) in row.iter().enumerate() {
                if *m != Mark::Shown {
                    net.add(g, t, *m, (i, j));
                }
            }
        }
        net
    }

    /// Tail and head of an entry's arc.
    pub(super) fn ends(&self, (i, j): (usize, usize)) -> (usize, usize) {
        let (lr, lc) = (self.rows - 1, self.cols - 1);
        let (row, col) = (i, self.rows + j);
        match (i == lr, j == lc) {
            (false, false) => (row, col),
            (false, true) => (col, row),
            (true, false) => (col, row),
            (true, true) => (row, col),
        }
    }

    /// Suppress one more entry (it becomes an unknown).
    pub(super) fn add(&mut self, g: &Grid, t: i64, mark: Mark, e: (usize, usize)) {
        let x = g.values[e.0][e.1];
        let (lo, hi) = bounds(g, t, mark, e);
        let (a, b) = self.ends(e);
        let k = self.to.len();
        self.to.push(b);
        self.cap.push(hi.map_or(BIG, |h| h - x));
        self.to.push(a);
        self.cap.push(x - lo);
        self.adj[a].push(k);
        self.adj[b].push(k + 1);
        self.arc[e.0][e.1] = Some(k);
    }

    pub(super) fn set(&mut self, arc: usize, cap: i64) {
        self.touched.push((arc, self.cap[arc]));
        self.cap[arc] = cap;
    }

    pub(super) fn restore(&mut self) {
        while let Some((arc, cap)) = self.touched.pop() {
            self.cap[arc] = cap;
        }
    }

    /// Does `s` reach `t` through arcs of unbounded capacity?
    pub(super) fn unbounded_path(&self, s: usize, t: usize) -> bool {
        let mut seen = vec![false; self.adj.len()];
        let mut stack = vec![s];
        seen[s] = true;
        while let Some(u) = stack.pop() {
            if u == t {
                return true;
            }
            for &a in &self.adj[u] {
                let v = self.to[a];
                if self.cap[a] >= BIG / 2 && !seen[v] {
                    seen[v] = true;
                    stack.push(v);
                }
            }
        }
        false
    }

    /// Breadth-first levels from `s`, stopping at the level of `t`; does `t` get one?
    pub(super) fn levels(&mut self, s: usize, t: usize) -> bool {
        self.level.iter_mut().for_each(|l| *l = u32::MAX);
        self.level[s] = 0;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(u) = queue.pop_front() {
            if self.level[t] != u32::MAX && self.level[u] >= self.level[t] {
                break;
            }
            for &a in &self.adj[u] {
                let v = self.to[a];
                if self.cap[a] > 0 && self.level[v] == u32::MAX {
                    self.level[v] = self.level[u] + 1;
                    queue.push_back(v);
                }
            }
        }
        self.level[t] != u32::MAX
    }

    /// Push up to `limit` along level-increasing arcs from `u` to `t`.
    pub(super) fn push(&mut self, u: usize, t: usize, limit: i64) -> i64 {
        if u == t {
            return limit;
        }
        while self.next[u] < self.adj[u].len() {
            let a = self.adj[u][self.next[u]];
            let v = self.to[a];
            if self.cap[a] > 0 && self.level[v] == self.level[u] + 1 {
                let d = self.push(v, t, limit.min(self.cap[a]));
                if d > 0 {
                    let (c, r) = (self.cap[a], self.cap[a ^ 1]);
                    self.set(a, c - d);
                    self.set(a ^ 1, r + d);
                    return d;
                }
            }
            self.next[u] += 1;
        }
        0
    }

    /// The largest flow from `s` to `t`, at most `limit` (Dinic), residual capacities left
    /// as they were afterwards.
    pub(super) fn max_flow(&mut self, s: usize, t: usize, limit: i64) -> i64 {
        let mut total = 0;
        while total < limit && self.levels(s, t) {
            self.next.iter_mut().for_each(|n| *n = 0);
            loop {
                let d = self.push(s, t, limit - total);
                if d == 0 {
                    break;
                }
                total += d;
                if total >= limit {
                    break;
                }
            }
        }
        total
    }

    /// The interval of suppressed entry `e` (two extremes: two linear programs).
    pub(super) fn interval(&mut self, g: &Grid, t: i64, mark: Mark, e: (usize, usize)) -> Interval {
        let k = self.arc[e.0][e.1].expect("a suppressed entry has an arc");
        let x = g.values[e.0][e.1];
        let (lo, hi) = bounds(g, t, mark, e);
        let (a, b) = self.ends(e);
        // The entry's own arcs are not part of the cycle that moves it.
        // Each search starts from the true table (the residual network as built).
        let (fwd, back) = (self.cap[k], self.cap[k + 1]);
        self.set(k, 0);
        self.set(k + 1, 0);
        let down = self.max_flow(a, b, x - lo);
        self.restore();
        self.set(k, 0);
        self.set(k + 1, 0);
        let up = match hi {
            Some(h) => Some(self.max_flow(b, a, h - x)),
            None if self.unbounded_path(b, a) => None,
            None => Some(self.max_flow(b, a, BIG)),
        };
        self.restore();
        debug_assert_eq!((self.cap[k], self.cap[k + 1]), (fwd, back));
        Interval {
            row: e.0,
            col: e.1,
            mark,
            lo: x - down,
            hi: up.map(|u| x + u),
        }
    }
}

pub(super) fn suppressed(marks: &[Vec<Mark>]) -> Vec<(usize, usize)> {
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
