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
//! maximise). The phases share no published margin (the export prints no total across
//! phases), so each phase's grid is a system of its own.
//!
//! **The system is a flow network.** Take one node per row and one per column of the
//! grid (totals row and column included) and let every entry be an arc between its row
//! and its column: a cell (i, j) runs row i → column j, a row total (i, Total) runs
//! column Total → row i, a column total (Total, j) runs column j → row Total, and the
//! grand total runs row Total → column Total. Each equation of the grid is then the
//! conservation of flow at one node (what enters row i is its total, what leaves is its
//! cells; and so on), so the tables that match what is published are exactly the
//! circulations of this network in which shown entries carry their value and suppressed
//! ones stay within their bounds. The true table is one. From it, an entry e = a → b
//! can grow by δ exactly when δ more units can go round a cycle through e, that is when a
//! flow of δ goes from b back to a in the residual network of the other entries (each
//! suppressed entry x with bounds [l, u] offers u − x forward and x − l backward; shown
//! entries offer nothing), and shrink by δ when δ goes from a to b. So
//! max e = x + min(u − x, maxflow(b → a)) and min e = x − min(x − l, maxflow(a → b)),
//! both without e's own arcs; the maximum is unbounded exactly when b reaches a through
//! arcs of unbounded capacity (forward arcs of `*` entries) and e has no upper bound.
//! Those are the optima of the two linear programs (max-flow min-cut is LP duality for
//! this matrix), computed by Dinic's algorithm stopped at the bound, in time that grows
//! with the part of the network the search reaches and the few units it needs (a `<T`
//! moves at most T−2), instead of a simplex over the whole grid per entry. Flows live
//! only on suppressed entries, so independent groups of suppressed entries (components
//! of the network linked through shared rows and columns) never meet: a search from an
//! entry explores its own component and nothing else.
//!
//! **Exact, not a relaxation.** Each entry appears in exactly two equations (its row and
//! its column) with coefficients ±1: the matrix is a network matrix, totally unimodular
//! (Heller–Tompkins). With integer bounds and integer right-hand sides every vertex of the
//! feasible set is integral, so the extremes are integers an integer table attains, and
//! every integer between them is attained too (fixing the entry adds a unit row, which
//! keeps the matrix totally unimodular). Max-flow with integer capacities is integral as
//! well. Unit tests check the intervals against brute-force enumeration of integer tables
//! and against the general LP solver (`microlp`) that the audit used before, on random
//! grids and suppression patterns, with the same secondary suppressions chosen.
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

mod net;
mod protect;
pub mod result;
#[cfg(test)]
mod tests;

pub use protect::*;
pub use result::*;

#[cfg(test)]
pub(crate) mod reference;
