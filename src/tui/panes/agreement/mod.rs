//! The Agreement pane: themes listed by Krippendorff's alpha (lowest first: where the
//! coders disagree most), Enter drills down to the theme's disagreements with their text,
//! and a key settles the selected one (keep A, keep B, keep both, merge) through the
//! service after a confirmation. The comparison is computed by the load worker
//! (`Slow::Agreement`); the pane says it is computing meanwhile.

pub mod keys;
pub mod render;
pub mod state;

use crate::service::agreement::{AgreementQuery, Settle};
use crate::tui::core::{clamp_move, Cx, Effect, Slow, State, Write};
use crate::tui::widgets::text::esc;
use crate::tui::worker::Work;
pub use render::render;
pub use state::*;

/// Compute the comparison after the frame.
pub fn load(cx: &mut Cx, st: &mut AgreementView) {
    st.computing = true;
    cx.queue(Slow::Agreement, false);
}

/// The worker's part: the whole comparison (about a second at most on a large study).
pub fn work(s: &State) -> Work {
    let pair = s.agreement.pair.clone();
    Box::new(move |fw| {
        let known: Vec<String> = fw.coders()?.into_iter().map(|(c, _)| c).collect();
        let r = fw.agreement(&AgreementQuery {
            coders: pair,
            ..Default::default()
        });
        Ok(Box::new(move |s: &mut State| {
            let v = &mut s.agreement;
            v.computing = false;
            v.known = known;
            match r {
                Ok(a) => {
                    v.problem = None;
                    let n = a.themes.len();
                    crate::tui::worker::drop_off_thread(v.data.replace(a));
                    v.sel = v.sel.min(n.saturating_sub(1));
                    let m = v.disagreements().len();
                    v.dsel = v.dsel.min(m.saturating_sub(1));
                }
                Err(e) => {
                    v.problem = Some(e.to_string());
                    v.data = None;
                    v.drill = None;
                }
            }
        }))
    })
}

pub fn move_sel(v: &mut AgreementView, d: isize, abs: Option<usize>) -> Option<Effect> {
    if v.drill.is_some() {
        let n = v.disagreements().len();
        v.dsel = clamp_move(v.dsel, n, d, abs);
    } else {
        let n = v.data.as_ref().map(|a| a.themes.len()).unwrap_or(0);
        v.sel = clamp_move(v.sel, n, d, abs);
    }
    None
}

pub fn command(cx: &mut Cx, v: &mut AgreementView, c: AgreementCmd) -> Option<Effect> {
    match c {
        AgreementCmd::Open => {
            if v.drill.is_none() {
                if let Some(t) = v.selected_theme() {
                    v.drill = Some(t);
                    v.dsel = 0;
                    if v.disagreements().is_empty() {
                        v.drill = None;
                        cx.info("the coders agree on every character of this theme");
                    }
                }
            }
            None
        }
        AgreementCmd::Back => {
            v.drill = None;
            None
        }
        AgreementCmd::Recompute => {
            load(cx, v);
            None
        }
        AgreementCmd::NextPair => {
            let k = &v.known;
            let pairs: Vec<(String, String)> = (0..k.len())
                .flat_map(|i| (i + 1..k.len()).map(move |j| (k[i].clone(), k[j].clone())))
                .collect();
            if pairs.len() < 2 {
                cx.info("there is only one pair of coders to compare");
                return None;
            }
            let now = v.pair.clone().or_else(|| {
                v.data
                    .as_ref()
                    .map(|a| (a.coder_a.clone(), a.coder_b.clone()))
            });
            let i = now
                .and_then(|p| pairs.iter().position(|x| *x == p))
                .map(|i| (i + 1) % pairs.len())
                .unwrap_or(0);
            v.pair = Some(pairs[i].clone());
            v.drill = None;
            v.sel = 0;
            load(cx, v);
            None
        }
        AgreementCmd::Reveal => {
            cx.ask(
                "Show the other coders' passages to you from now on (blind coding ends for you, recorded in the audit log; u cannot take it back: what you have seen stays seen)?".into(),
                Write::Reveal,
            );
            None
        }
        AgreementCmd::Settle(how) => {
            let Some(a) = &v.data else { return None };
            let list = v.disagreements();
            let Some(d) = list.get(v.dsel) else {
                cx.info("Enter a theme, then select a disagreement to settle");
                return None;
            };
            let what = match how {
                Settle::KeepA => format!("keep {}'s coding (A)", esc(&a.coder_a)),
                Settle::KeepB => format!("keep {}'s coding (B)", esc(&a.coder_b)),
                Settle::KeepBoth => "keep both codings".to_string(),
                Settle::Merge => "merge into one passage for each coder".to_string(),
            };
            let question = format!(
                "Settle {} in {} [{}, {}): {what}?",
                d.key,
                esc(&d.interview),
                d.start,
                d.end
            );
            let w = Write::Settle {
                key: d.key.clone(),
                coders: (a.coder_a.clone(), a.coder_b.clone()),
                how,
            };
            cx.ask(question, w);
            None
        }
    }
}
