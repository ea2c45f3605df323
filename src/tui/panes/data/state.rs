//! The Redaction and Export panes: their state and `command`. Pure like `app`: no IO;
//! `data_io` carries out what they ask through the service and export layers.
//!
//! Redaction: the register of identifiers (left) and the suspects nobody has reviewed yet
//! (right); a suspect is accepted as a variant of an identifier, as a new identifier, or
//! allowed (it identifies no one). The anonymisation log replaces the suspects on `l`.
//!
//! Export: the list of exports, a preview of the selected one (rows, suppressed cells,
//! warnings, refusals), a form that writes it with the function the CLI uses, and the
//! manifest read back from beside the written file.

use crate::export::registry::{Export, Params, EXPORTS};
use crate::service::redaction::SuspectGroup;
use crate::service::redaction::{IdentifierRow, LogRow};

/// Commands of the Redaction and Export panes (bound in `keymap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataCmd {
    /// Redaction: move the focus between the register and the suspects.
    Focus,
    /// Redaction: seed the register from participants, organisations, job titles, sites.
    Seed,
    /// Redaction: add an identifier by hand (a form).
    AddIdentifier,
    /// Redaction: add a variant to the selected identifier (a form).
    AddVariant,
    /// Redaction: accept the selected suspect as a variant of an identifier (a form with
    /// the near match or the selected identifier chosen).
    AcceptVariant,
    /// Redaction: accept the selected suspect as a new identifier (kind + label form).
    AcceptNew,
    /// Redaction: the suspect identifies no one: allow it everywhere (confirmed in a form).
    Allow,
    /// Redaction: allow the selected suspect at once (one key) and move on to the next.
    AllowNow,
    /// Redaction: allow a whole class of suspects (common words, the study's place names).
    AllowClass,
    /// Redaction: show the anonymisation log instead of the suspects, or back.
    Log,
    /// Redaction: recompute the suspects.
    Recompute,
    /// Redaction: type a filter for both lists.
    Filter,
    /// Export: cycle the selected export's parameter (k, threshold, theme, phase).
    Param,
    /// Export: write the selected export (a form for the path and format).
    Write,
}

/// What the Redaction and Export panes ask the loop to do.
#[derive(Debug, Clone)]
pub enum DataEffect {
    /// Seed the register (idempotent, not undoable). The register's other writes are
    /// `Write`s (`Write::AddIdentifier`, `AddVariant`, `Review`, `AllowClass`): on the one
    /// undo stack.
    Seed,
    /// Write an export.
    Export(ExportJob),
}

/// One export to write: the registry entry's name and every parameter (the pane's, and
/// the form's `out`, `format`, `force` and confirmations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportJob {
    pub export: &'static str,
    pub params: Params,
}

/// Forms of the Redaction and Export panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataForm {
    AddIdentifier,
    AddVariant {
        identifier: String,
    },
    AcceptVariant {
        text: String,
    },
    AcceptNew {
        text: String,
    },
    Allow {
        text: String,
    },
    AllowClass,
    Export {
        export: &'static str,
        params: Params,
    },
}

/// Which list of the Redaction pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Register,
    Suspects,
}

#[derive(Debug, Clone, Default)]
pub struct RedactionState {
    pub register: Vec<IdentifierRow>,
    pub reg_sel: usize,
    /// None until computed (the first time the pane is shown).
    pub suspects: Option<Vec<SuspectGroup>>,
    pub sus_sel: usize,
    /// The suspects are being recomputed (after the next frame).
    pub computing: bool,
    pub millis: u128,
    pub focus: Focus,
    pub show_log: bool,
    pub log: Vec<LogRow>,
    /// Typed filter (both lists, case-insensitive substring).
    pub filter: String,
}

/// Rows of the anonymisation log shown.
pub const LOG_ROWS: usize = 200;

impl RedactionState {
    fn matches(&self, text: &str) -> bool {
        let f = self.filter.trim().to_lowercase();
        f.is_empty() || text.to_lowercase().contains(&f)
    }

    /// Indices of the register entries shown (the filter applies).
    pub fn register_shown(&self) -> Vec<usize> {
        // Without a filter, every entry (a large register is drawn several times a frame).
        if self.filter.trim().is_empty() {
            return (0..self.register.len()).collect();
        }
        (0..self.register.len())
            .filter(|i| {
                let r = &self.register[*i];
                self.matches(&r.label)
                    || self.matches(&r.kind)
                    || r.variants.iter().any(|v| self.matches(v))
            })
            .collect()
    }

    pub fn suspects_shown(&self) -> Vec<usize> {
        let Some(v) = &self.suspects else {
            return Vec::new();
        };
        if self.filter.trim().is_empty() {
            return (0..v.len()).collect();
        }
        (0..v.len())
            .filter(|i| self.matches(&v[*i].text) || self.matches(&v[*i].reason))
            .collect()
    }

    pub fn current_identifier(&self) -> Option<&IdentifierRow> {
        let i = *self.register_shown().get(self.reg_sel)?;
        self.register.get(i)
    }

    pub fn current_suspect(&self) -> Option<&SuspectGroup> {
        let i = *self.suspects_shown().get(self.sus_sel)?;
        self.suspects.as_ref()?.get(i)
    }

    /// The identifier a near-miss resembles (by one of its variants), if any.
    pub fn near_identifier(&self, near: &str) -> Option<&IdentifierRow> {
        let n = near.to_lowercase();
        self.register.iter().find(|r| {
            r.variants.iter().any(|v| v.to_lowercase() == n) || r.label.to_lowercase() == n
        })
    }
}

/// The pane's preview is the registry's.
pub use crate::export::registry::Preview;

/// What the last write from the pane produced.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// The export written (its registry name).
    pub kind: Option<&'static str>,
    pub files: Vec<String>,
    /// The manifest, read back from disk, one line per JSON line.
    pub manifest: Vec<String>,
    pub manifest_file: Option<String>,
    /// First line shown (PgUp/PgDn scroll a long manifest).
    pub scroll: usize,
}

/// The Export pane: the registry's exports, each with the parameters the pane has for it.
#[derive(Debug, Clone)]
pub struct ExportState {
    pub sel: usize,
    /// Each export's parameters (by its place in the registry), from its defaults.
    pub params: Vec<Params>,
    /// The preview of an export (by name), for these parameters.
    pub preview: Option<(&'static str, Params, Preview)>,
    pub computing: bool,
    pub written: Option<Written>,
}

impl Default for ExportState {
    fn default() -> Self {
        ExportState {
            sel: 0,
            params: EXPORTS.iter().map(Params::defaults).collect(),
            preview: None,
            computing: false,
            written: None,
        }
    }
}

impl ExportState {
    /// The selected export.
    pub fn export(&self) -> &'static Export {
        &EXPORTS[self.sel.min(EXPORTS.len() - 1)]
    }

    /// The selected export's parameters.
    pub fn params(&self) -> &Params {
        &self.params[self.sel.min(EXPORTS.len() - 1)]
    }

    pub fn params_mut(&mut self) -> &mut Params {
        &mut self.params[self.sel.min(EXPORTS.len() - 1)]
    }

    /// The preview shown is for the selected export and parameters.
    pub fn current_preview(&self) -> Option<&Preview> {
        match &self.preview {
            Some((k, p, v)) if *k == self.export().name && p == self.params() => Some(v),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DataState {
    pub red: RedactionState,
    pub export: ExportState,
}
