//! Inter-coder agreement: the statistics, with no SQL and no text.
//!
//! Two coders code the characters of a transcript with a theme or not; each character is a
//! unit with one binary value per coder. The 2×2 character table (both / A only / B only /
//! neither) gives percent agreement, specific (positive) agreement, Cohen's kappa and
//! Krippendorff's alpha (nominal). The table is built from interval sweeps over the coders'
//! span boundaries ([`table`]), never character by character.
//!
//! Krippendorff's alpha is computed from a coincidence matrix ([`Coincidences`]) built from
//! any reliability data (any number of coders and values, missing values allowed), so it can
//! be checked against Krippendorff's published worked examples; the binary two-coder table
//! is one case of it ([`CharTable::alpha`]). Formulas and references: docs/agreement.md.

use serde::Serialize;

/// The 2×2 table of two coders' binary coding of the same units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CharTable {
    /// Units both coders coded.
    pub both: u64,
    /// Units only coder A coded.
    pub a_only: u64,
    /// Units only coder B coded.
    pub b_only: u64,
    /// Units neither coder coded.
    pub neither: u64,
}

impl CharTable {
    pub fn total(&self) -> u64 {
        self.both + self.a_only + self.b_only + self.neither
    }

    pub fn add(&mut self, o: &CharTable) {
        self.both += o.both;
        self.a_only += o.a_only;
        self.b_only += o.b_only;
        self.neither += o.neither;
    }

    /// Share of units on which the coders agree: (both + neither) / N.
    pub fn percent_agreement(&self) -> Option<f64> {
        let n = self.total();
        (n > 0).then(|| (self.both + self.neither) as f64 / n as f64)
    }

    /// Specific (positive) agreement: 2·both / (2·both + A only + B only) — agreement on
    /// the coded units only, blind to the uncoded text (Fleiss 1975; Cicchetti & Feinstein
    /// 1990). Undefined when neither coder coded anything.
    pub fn positive_agreement(&self) -> Option<f64> {
        let d = 2 * self.both + self.a_only + self.b_only;
        (d > 0).then(|| 2.0 * self.both as f64 / d as f64)
    }

    /// Cohen's kappa (1960): (p_o − p_e) / (1 − p_e), p_e from each coder's own marginals.
    /// Undefined when p_e = 1 (both coders gave every unit the same value).
    pub fn kappa(&self) -> Option<f64> {
        kappa(&[[self.both, self.a_only], [self.b_only, self.neither]])
    }

    /// Krippendorff's alpha, nominal, characters as units, from the coincidence matrix.
    pub fn alpha(&self) -> Option<f64> {
        Coincidences::from_table(self).alpha_nominal()
    }
}

/// Cohen's kappa of a square contingency table `m[a][b]` (coder A's value a, coder B's b).
pub fn kappa<const K: usize>(m: &[[u64; K]; K]) -> Option<f64> {
    let n: u64 = m.iter().flatten().sum();
    if n == 0 {
        return None;
    }
    let n = n as f64;
    let po = (0..K).map(|i| m[i][i]).sum::<u64>() as f64 / n;
    let pe = (0..K)
        .map(|i| {
            let row: u64 = m[i].iter().sum();
            let col: u64 = (0..K).map(|r| m[r][i]).sum();
            (row as f64 / n) * (col as f64 / n)
        })
        .sum::<f64>();
    if (1.0 - pe).abs() < 1e-12 {
        return None;
    }
    Some((po - pe) / (1.0 - pe))
}

/// A coincidence matrix (Krippendorff 2011, §C): `o[c][k]` counts the pairable values
/// (c, k) within units, each pair in a unit of m_u values weighted 1/(m_u − 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Coincidences {
    pub o: Vec<Vec<f64>>,
}

impl Coincidences {
    /// From reliability data: `units[u]` holds the values the coders gave unit u (`None`
    /// for a missing value), values in `0..values`. Units with fewer than two values are
    /// not pairable and are left out.
    pub fn from_units(units: &[Vec<Option<usize>>], values: usize) -> Coincidences {
        let mut o = vec![vec![0.0; values]; values];
        let mut counts = vec![0u64; values];
        for unit in units {
            counts.iter_mut().for_each(|c| *c = 0);
            let mut m = 0u64;
            for v in unit.iter().flatten() {
                counts[*v] += 1;
                m += 1;
            }
            if m < 2 {
                continue;
            }
            let w = 1.0 / (m - 1) as f64;
            for c in 0..values {
                for k in 0..values {
                    let pairs = if c == k {
                        counts[c] * counts[c].saturating_sub(1)
                    } else {
                        counts[c] * counts[k]
                    };
                    o[c][k] += pairs as f64 * w;
                }
            }
        }
        Coincidences { o }
    }

    /// The binary two-coder case (value 1 = coded), without listing the units: each unit
    /// has m = 2, so o_11 = 2·both, o_00 = 2·neither, o_01 = o_10 = A only + B only.
    pub fn from_table(t: &CharTable) -> Coincidences {
        let off = (t.a_only + t.b_only) as f64;
        Coincidences {
            o: vec![
                vec![2.0 * t.neither as f64, off],
                vec![off, 2.0 * t.both as f64],
            ],
        }
    }

    /// Krippendorff's alpha for nominal data: 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k.
    /// Undefined when there are fewer than two pairable values or only one value is used.
    pub fn alpha_nominal(&self) -> Option<f64> {
        let v = self.o.len();
        let nc: Vec<f64> = self.o.iter().map(|row| row.iter().sum()).collect();
        let n: f64 = nc.iter().sum();
        if n < 2.0 {
            return None;
        }
        let mut observed = 0.0;
        let mut expected = 0.0;
        for c in 0..v {
            for k in 0..v {
                if c != k {
                    observed += self.o[c][k];
                    expected += nc[c] * nc[k];
                }
            }
        }
        if expected <= 0.0 {
            return None;
        }
        Some(1.0 - (n - 1.0) * observed / expected)
    }
}

/// Merge `[start, end)` spans into disjoint sorted intervals (a coder's coverage).
pub fn union(spans: &mut [(u64, u64)]) -> Vec<(u64, u64)> {
    spans.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(spans.len());
    for &(s, e) in spans.iter() {
        if s >= e {
            continue;
        }
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Who coded a disagreeing run of characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    AOnly,
    BOnly,
}

/// The character table of two coverages (disjoint sorted intervals, as [`union`] returns)
/// over a text of `len` characters, and the maximal runs where only one coder coded —
/// by one sweep over the boundaries: O(|a| + |b|).
pub fn table(a: &[(u64, u64)], b: &[(u64, u64)], len: u64) -> (CharTable, Vec<(u64, u64, Side)>) {
    let mut t = CharTable::default();
    let mut runs: Vec<(u64, u64, Side)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut pos = 0u64;
    let mut emit = |from: u64, to: u64, in_a: bool, in_b: bool, t: &mut CharTable| {
        if to <= from {
            return;
        }
        let n = to - from;
        let side = match (in_a, in_b) {
            (true, true) => {
                t.both += n;
                None
            }
            (true, false) => {
                t.a_only += n;
                Some(Side::AOnly)
            }
            (false, true) => {
                t.b_only += n;
                Some(Side::BOnly)
            }
            (false, false) => {
                t.neither += n;
                None
            }
        };
        if let Some(side) = side {
            match runs.last_mut() {
                Some(r) if r.1 == from && r.2 == side => r.1 = to,
                _ => runs.push((from, to, side)),
            }
        }
    };
    while pos < len {
        // Skip intervals that end at or before pos.
        while i < a.len() && a[i].1 <= pos {
            i += 1;
        }
        while j < b.len() && b[j].1 <= pos {
            j += 1;
        }
        let in_a = i < a.len() && a[i].0 <= pos;
        let in_b = j < b.len() && b[j].0 <= pos;
        let next_a = if i < a.len() {
            if in_a {
                a[i].1
            } else {
                a[i].0
            }
        } else {
            len
        };
        let next_b = if j < b.len() {
            if in_b {
                b[j].1
            } else {
                b[j].0
            }
        } else {
            len
        };
        let next = next_a.min(next_b).min(len);
        emit(pos, next, in_a, in_b, &mut t);
        pos = next;
    }
    (t, runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: Option<f64>, want: f64, places: i32) {
        let x = x.expect("defined");
        let unit = 10f64.powi(-places);
        assert!(
            (x - want).abs() <= unit / 2.0,
            "{x} is not {want} to {places} places"
        );
    }

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", §C: nominal
    /// data, 4 observers, 12 units, missing values; published α = 0.743.
    #[test]
    fn krippendorff_2011_nominal_four_coders_missing_data() {
        let n = None;
        let v = |x: usize| Some(x - 1);
        // Rows are observers A–D, columns units 1–12 (values 1–5; "." missing).
        let data = [
            [
                v(1),
                v(2),
                v(3),
                v(3),
                v(2),
                v(1),
                v(4),
                v(1),
                v(2),
                n,
                n,
                n,
            ],
            [
                v(1),
                v(2),
                v(3),
                v(3),
                v(2),
                v(2),
                v(4),
                v(1),
                v(2),
                v(5),
                n,
                v(3),
            ],
            [
                n,
                v(3),
                v(3),
                v(3),
                v(2),
                v(3),
                v(4),
                v(2),
                v(2),
                v(5),
                v(1),
                n,
            ],
            [
                v(1),
                v(2),
                v(3),
                v(3),
                v(2),
                v(4),
                v(4),
                v(1),
                v(2),
                v(5),
                v(1),
                n,
            ],
        ];
        let units: Vec<Vec<Option<usize>>> = (0..12)
            .map(|u| data.iter().map(|row| row[u]).collect())
            .collect();
        let c = Coincidences::from_units(&units, 5);
        // The published coincidence matrix's marginals: n_c = 9, 13, 10, 5, 3; n = 40
        // (unit 12 has one value and is not pairable).
        let nc: Vec<f64> = c.o.iter().map(|r| r.iter().sum()).collect();
        for (got, want) in nc.iter().zip([9.0, 13.0, 10.0, 5.0, 3.0]) {
            assert!((got - want).abs() < 1e-9, "{nc:?}");
        }
        // o_11 = 7 and o_12 = 4/3, as printed.
        assert!((c.o[0][0] - 7.0).abs() < 1e-9);
        assert!((c.o[0][1] - 4.0 / 3.0).abs() < 1e-9);
        close(c.alpha_nominal(), 0.743, 3);
    }

    /// Krippendorff (2011), §A: binary data, two observers, ten units, no missing values;
    /// published α = 0.095.
    #[test]
    fn krippendorff_2011_binary_two_coders() {
        let a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
        let b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
        let units: Vec<Vec<Option<usize>>> =
            (0..10).map(|u| vec![Some(a[u]), Some(b[u])]).collect();
        let c = Coincidences::from_units(&units, 2);
        assert_eq!(c.o, vec![vec![10.0, 4.0], vec![4.0, 2.0]]);
        close(c.alpha_nominal(), 0.095, 3);
        // The same data as a character table gives the same matrix and alpha.
        let t = CharTable {
            both: 1,
            a_only: 1,
            b_only: 3,
            neither: 5,
        };
        assert_eq!(Coincidences::from_table(&t), c);
        close(t.alpha(), 0.095, 3);
    }

    /// Cohen (1960), Table 1: 200 cases, three categories, proportions
    /// (.44 .07 .09 / .05 .20 .05 / .01 .03 .06); p_o = .70, p_c = .41, κ = .492.
    #[test]
    fn cohen_1960_table_1() {
        let m = [[88, 14, 18], [10, 40, 10], [2, 6, 12]];
        close(kappa(&m), 0.492, 3);
    }

    /// The two-rater yes/no example used to teach kappa (50 proposals: 20 both yes, 5 A
    /// yes only, 10 B yes only, 15 both no): p_o = .70, p_e = .50, κ = 0.40.
    #[test]
    fn kappa_two_by_two_textbook() {
        let t = CharTable {
            both: 20,
            a_only: 5,
            b_only: 10,
            neither: 15,
        };
        close(t.percent_agreement(), 0.70, 2);
        close(t.kappa(), 0.40, 2);
    }

    /// A hand-computed character table. Text of 100 characters; A codes [10, 40) and
    /// [60, 70); B codes [20, 50) and [65, 80).
    /// both = [20,40) + [65,70) = 25; A only = [10,20) + [60,65) = 15;
    /// B only = [40,50) + [70,80) = 20; neither = 100 − 60 = 40.
    /// p_o = 65/100 = 0.65; positive agreement = 50/85 = 0.588235…;
    /// p_e = 0.40·0.45 + 0.60·0.55 = 0.51, κ = 0.14/0.49 = 0.285714…;
    /// coincidences o_11 = 50, o_00 = 80, o_01 = 35, n_1 = 85, n_0 = 115, n = 200:
    /// α = 1 − 199·35/(115·85) = 1 − 6965/9775 = 0.287468….
    #[test]
    fn hand_computed_character_table() {
        let mut a = vec![(60, 70), (10, 40)];
        let mut b = vec![(20, 50), (65, 80)];
        let (t, runs) = table(&union(&mut a), &union(&mut b), 100);
        assert_eq!(
            t,
            CharTable {
                both: 25,
                a_only: 15,
                b_only: 20,
                neither: 40
            }
        );
        assert_eq!(
            runs,
            vec![
                (10, 20, Side::AOnly),
                (40, 50, Side::BOnly),
                (60, 65, Side::AOnly),
                (70, 80, Side::BOnly)
            ]
        );
        close(t.percent_agreement(), 0.65, 6);
        close(t.positive_agreement(), 50.0 / 85.0, 9);
        close(t.kappa(), 0.14 / 0.49, 9);
        close(t.alpha(), 1.0 - 6965.0 / 9775.0, 9);
    }

    /// The sweep gives what a character-by-character count gives, on many random layouts.
    #[test]
    fn sweep_matches_per_character_count() {
        let mut rng = fastrand::Rng::with_seed(13);
        for _ in 0..500 {
            let len = rng.u64(1..200);
            let spans = |rng: &mut fastrand::Rng| -> Vec<(u64, u64)> {
                let n = rng.usize(0..6);
                (0..n)
                    .map(|_| {
                        let s = rng.u64(0..len);
                        (s, rng.u64(s..=len))
                    })
                    .collect()
            };
            let (a, b) = (spans(&mut rng), spans(&mut rng));
            let (ua, ub) = (union(&mut a.clone()), union(&mut b.clone()));
            let (t, runs) = table(&ua, &ub, len);
            let mut want = CharTable::default();
            let mut off = 0;
            for ch in 0..len {
                let ia = a.iter().any(|&(s, e)| s <= ch && ch < e);
                let ib = b.iter().any(|&(s, e)| s <= ch && ch < e);
                match (ia, ib) {
                    (true, true) => want.both += 1,
                    (true, false) => want.a_only += 1,
                    (false, true) => want.b_only += 1,
                    (false, false) => want.neither += 1,
                }
                off += (ia != ib) as u64;
            }
            assert_eq!(t, want);
            assert_eq!(runs.iter().map(|r| r.1 - r.0).sum::<u64>(), off);
        }
    }

    #[test]
    fn undefined_figures_are_none() {
        let nothing = CharTable {
            neither: 50,
            ..Default::default()
        };
        assert_eq!(nothing.kappa(), None);
        assert_eq!(nothing.alpha(), None);
        assert_eq!(nothing.positive_agreement(), None);
        assert_eq!(nothing.percent_agreement(), Some(1.0));
        assert_eq!(CharTable::default().percent_agreement(), None);
    }
}
