//! The Agreement pane's commands and state.

use crate::service::agreement::{Agreement, Disagreement, Settle};

/// What a key asks of the Agreement pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementCmd {
    /// Drill down into the selected theme's disagreements.
    Open,
    /// Back to the themes.
    Back,
    /// Settle the selected disagreement (asks first).
    Settle(Settle),
    /// Blind coding: reveal the other coders' tags to this coder (asks first).
    Reveal,
    /// Compute again.
    Recompute,
    /// Compare the next pair of coders (with more than two).
    NextPair,
}

#[derive(Debug, Default)]
pub struct AgreementView {
    pub data: Option<Agreement>,
    /// Why there is nothing to show (fewer than two coders, blind coding, …).
    pub problem: Option<String>,
    pub computing: bool,
    /// Selected row of the themes, in the order shown (lowest alpha first).
    pub sel: usize,
    /// The theme drilled into (its id), and the selected disagreement in it.
    pub drill: Option<String>,
    pub dsel: usize,
    /// Coders of passages (most passages first), as last computed.
    pub known: Vec<String>,
    /// The pair compared (`None`: the only two there are).
    pub pair: Option<(String, String)>,
}

impl AgreementView {
    /// Indices of `data.themes`, lowest alpha first (undefined alpha last), then by name.
    pub fn order(&self) -> Vec<usize> {
        let Some(a) = &self.data else {
            return Vec::new();
        };
        let mut idx: Vec<usize> = (0..a.themes.len()).collect();
        idx.sort_by(|&i, &j| {
            let (x, y) = (&a.themes[i], &a.themes[j]);
            let key = |t: &crate::service::agreement::ThemeAgreement| {
                t.figures.alpha.unwrap_or(f64::INFINITY)
            };
            key(x)
                .total_cmp(&key(y))
                .then_with(|| x.theme.cmp(&y.theme))
        });
        idx
    }

    /// The disagreements of the theme drilled into.
    pub fn disagreements(&self) -> Vec<&Disagreement> {
        match (&self.data, &self.drill) {
            (Some(a), Some(t)) => a
                .disagreements
                .iter()
                .filter(|d| &d.theme_id == t)
                .collect(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn selected_theme(&self) -> Option<String> {
        let a = self.data.as_ref()?;
        let i = *self.order().get(self.sel)?;
        Some(a.themes[i].theme_id.clone())
    }
}
