//! Progress bars for long CLI commands: drawn on stderr when stderr is a terminal, nothing
//! at all when it is piped or redirected (so scripts and logs see only the result lines).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::service::import::ImportProgress;

/// The bar of `import participants`: bytes while the rows are validated, then rows while
/// they are written.
pub struct ImportBar {
    bar: ProgressBar,
    writing: bool,
}

impl ImportBar {
    /// A bar on stderr if it is a terminal, else one that draws nothing.
    pub fn new() -> ImportBar {
        Self::with_target(if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        })
    }

    fn with_target(target: ProgressDrawTarget) -> ImportBar {
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(style("validating", "{bytes}/{total_bytes}"));
        bar.enable_steady_tick(Duration::from_millis(200));
        ImportBar {
            bar,
            writing: false,
        }
    }

    pub fn update(&mut self, p: ImportProgress) {
        match p {
            ImportProgress::Validating { done, total } => {
                self.bar.set_length(total);
                self.bar.set_position(done);
            }
            ImportProgress::Writing { done, total } => {
                if !self.writing {
                    self.writing = true;
                    self.bar.set_style(style("writing", "{pos}/{len} rows"));
                    self.bar.reset();
                }
                self.bar.set_length(total);
                self.bar.set_position(done);
            }
        }
    }

    /// Remove the bar from the terminal (before the result lines are printed).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn style(stage: &str, counts: &str) -> ProgressStyle {
    ProgressStyle::with_template(&format!(
        "fieldwork: {stage} [{{bar:30}}] {counts} {{percent}}% (eta {{eta}})"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}
