//! The types of the export list ([`super::registry`]): an entry, its parameters and how the
//! pane offers them, the parameters given, a preview and an outcome; the common parameters.
//! Each export module builds its `ENTRY` from these; the list itself is in the registry.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::service::{Fieldwork, Result};

/// One export.
#[derive(Debug)]
pub struct Export {
    /// The CLI subcommand (`export NAME`) and the default file or folder name.
    pub name: &'static str,
    /// The Export pane's label.
    pub title: &'static str,
    /// One line of help (`fieldwork export --help`).
    pub about: &'static str,
    /// The formats offered, the default first; `folder` for a folder of files.
    pub formats: &'static [&'static str],
    /// Its parameters, in the order the CLI shows them.
    pub params: &'static [Param],
    /// It redacts with the register (refused while suspects are unreviewed, unless
    /// `allow_unreviewed`), so writing it adds to the anonymisation log.
    pub redacts: bool,
    /// What it would write: computed with the functions the write uses.
    pub preview: fn(&Fieldwork, &Params) -> Result<Preview>,
    /// Write it (`out`, `format`, `force` and the entry's parameters from `Params`).
    pub write: fn(&mut Fieldwork, &Params) -> Result<Outcome>,
}

/// A parameter of an export: a CLI flag and, where it makes sense, a choice in the pane.
#[derive(Debug)]
pub struct Param {
    /// The flag (`--NAME`, `_` written `-`) and the key in [`Params`].
    pub name: &'static str,
    pub kind: Kind,
    /// The value when not given (CLI and pane).
    pub default: Option<&'static str>,
    /// The CLI requires it.
    pub required: bool,
    pub value_name: &'static str,
    pub help: &'static str,
    /// How the Export pane offers it.
    pub pane: PaneUse,
}

/// What a parameter's value is.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A value checked by the function (the message names what is offered).
    Checked(fn(&str) -> std::result::Result<(), String>),
    /// One of these values.
    OneOf(&'static [&'static str]),
    /// A count (non-negative integer).
    Count,
    /// A phase number.
    Phase,
    /// A file or folder.
    Path,
    /// Any text (a theme or framework, by name, path or id).
    Text,
    /// A switch (`--NAME`, no value).
    Flag,
}

/// How the Export pane offers a parameter.
#[derive(Debug, Clone, Copy)]
pub enum PaneUse {
    /// Not offered: the pane uses the default (or nothing).
    Hidden,
    /// The pane's own fields (output path, format, overwrite).
    Form,
    /// `p` cycles these values; the preview follows. `shown` is the label with `{}` for
    /// the value.
    Cycle {
        values: &'static [&'static str],
        shown: &'static str,
    },
    /// `p` cycles the active themes (`shown` with `{}` for the path; `unset` when none).
    Theme {
        shown: &'static str,
        unset: &'static str,
    },
    /// `p` cycles every phase and then all phases.
    Phase {
        shown: &'static str,
        unset: &'static str,
    },
    /// A yes/no choice in the write form, `no` (refuse) first.
    Confirm {
        label: &'static str,
        yes: &'static str,
    },
}

/// The values given for an export's parameters, by name (`"true"` for a switch that is
/// on), with the label the pane shows for a value when it differs (a theme's path for its
/// id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<String, String>,
    shown: BTreeMap<String, String>,
}

impl Params {
    /// An entry's defaults.
    pub fn defaults(e: &Export) -> Params {
        let mut p = Params::default();
        for a in e.params {
            if let Some(d) = a.default {
                p.set(a.name, d);
            }
        }
        p
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_string(), value.into());
        self.shown.remove(name);
    }

    /// Set a value and the label the pane shows for it.
    pub fn set_shown(&mut self, name: &str, value: impl Into<String>, shown: impl Into<String>) {
        self.values.insert(name.to_string(), value.into());
        self.shown.insert(name.to_string(), shown.into());
    }

    pub fn unset(&mut self, name: &str) {
        self.values.remove(name);
        self.shown.remove(name);
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The label of a value (its own text unless one was set).
    pub fn shown(&self, name: &str) -> Option<&str> {
        self.shown.get(name).map(String::as_str).or(self.get(name))
    }

    /// A switch is on.
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true" | "yes"))
    }

    /// A value that must be there.
    pub fn required(&self, name: &str) -> Result<&str> {
        self.get(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| super::invalid(name, format!("{name} is required")))
    }

    /// A value parsed (`None` when not given); a bad one is an error naming the field.
    pub fn parse<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(name).filter(|v| !v.trim().is_empty()) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|e| super::invalid(name, format!("`{v}`: {e}"))),
        }
    }

    /// The output path.
    pub fn out(&self) -> Result<PathBuf> {
        self.required("out").map(PathBuf::from)
    }

    /// The chosen format, else the entry's default.
    pub fn format<'a>(&'a self, e: &'a Export) -> &'a str {
        self.get("format").unwrap_or(e.formats[0])
    }
}

/// What an export would write, as the pane shows it.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    /// Counts and parameters ("rows: 4", "cells suppressed: 0").
    pub summary: Vec<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns holding free text (masked in privacy mode).
    pub text_cols: Vec<usize>,
    pub warnings: Vec<String>,
    /// Why the export would be refused (k-anonymity, unreviewed suspects, …).
    pub refusal: Option<String>,
}

/// Rows of an export kept for a preview (the pane shows what fits).
pub const PREVIEW_ROWS: usize = 500;

/// The first [`PREVIEW_ROWS`] rows.
pub fn preview_rows(rows: impl IntoIterator<Item = Vec<String>>) -> Vec<Vec<String>> {
    rows.into_iter().take(PREVIEW_ROWS).collect()
}

/// The refusal for unreviewed suspects: the distinct texts (as `redact suspects` and the
/// Redaction pane list them), when known, and the places they occur.
pub fn unreviewed(texts: Option<usize>, places: usize) -> String {
    let what = match texts {
        Some(n) => format!("{n} suspect(s), in {places} place(s),"),
        None => format!("suspects in {places} place(s)"),
    };
    format!(
        "refused as it stands: {what} are not reviewed; review them in the Redaction pane (D), or choose “export anyway” in the form"
    )
}

/// What a write produced.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Every file and folder written (the pane lists them and reads the manifest back).
    pub files: Vec<PathBuf>,
    /// What the CLI prints on stdout, one path a line.
    pub printed: Vec<PathBuf>,
    /// Warnings (the CLI prints them escaped on stderr, before the notes).
    pub warnings: Vec<String>,
    /// What was done ("exported 12 participant(s) …"), for stderr.
    pub notes: Vec<String>,
}

impl Export {
    /// Check the parameters as the CLI would (required ones there, values valid), then
    /// preview.
    pub fn check(&self, p: &Params) -> Result<()> {
        for a in self.params {
            let Some(v) = p.get(a.name) else {
                if a.required && !matches!(a.kind, Kind::Flag) {
                    return Err(super::invalid(a.name, format!("{} is required", a.name)));
                }
                continue;
            };
            let bad = |m: String| super::invalid(a.name, m);
            match a.kind {
                Kind::Checked(f) => f(v).map_err(bad)?,
                Kind::OneOf(vals) if !vals.contains(&v) => {
                    return Err(bad(format!(
                        "`{v}` is not offered (valid: {})",
                        vals.join(", ")
                    )))
                }
                Kind::Count => {
                    v.parse::<usize>().map_err(|e| bad(format!("`{v}`: {e}")))?;
                }
                Kind::Phase => {
                    v.parse::<u32>().map_err(|e| bad(format!("`{v}`: {e}")))?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The pane's label of the parameter `p` cycles, with its value (`k = 5`, `theme X`,
    /// `every phase`); empty when the export has none.
    pub fn describe(&self, p: &Params) -> String {
        for a in self.params {
            let v = p.shown(a.name);
            match (a.pane, v) {
                (PaneUse::Cycle { shown, .. }, Some(v)) => return shown.replace("{}", v),
                (PaneUse::Theme { shown, .. } | PaneUse::Phase { shown, .. }, Some(v)) => {
                    return shown.replace("{}", v)
                }
                (PaneUse::Theme { unset, .. } | PaneUse::Phase { unset, .. }, None) => {
                    return unset.to_string()
                }
                _ => {}
            }
        }
        String::new()
    }

    /// The parameter `p` cycles in the pane, if any.
    pub fn cycled(&self) -> Option<&'static Param> {
        self.params.iter().find(|a| {
            matches!(
                a.pane,
                PaneUse::Cycle { .. } | PaneUse::Theme { .. } | PaneUse::Phase { .. }
            )
        })
    }

    /// The formats as the CLI accepts them (a folder export has none to choose).
    pub fn file_formats(&self) -> Vec<&'static str> {
        self.formats
            .iter()
            .copied()
            .filter(|f| *f != "folder")
            .collect()
    }
}

/// Common parameters, spelled the same for every export.
pub mod common {
    use super::{Kind, PaneUse, Param};

    pub const fn out(value_name: &'static str, help: &'static str) -> Param {
        Param {
            name: "out",
            kind: Kind::Path,
            default: None,
            required: true,
            value_name,
            help,
            pane: PaneUse::Form,
        }
    }

    pub const fn force(help: &'static str) -> Param {
        Param {
            name: "force",
            kind: Kind::Flag,
            default: None,
            required: false,
            value_name: "",
            help,
            pane: PaneUse::Form,
        }
    }

    pub const fn format(
        kind: Kind,
        default: Option<&'static str>,
        required: bool,
        help: &'static str,
    ) -> Param {
        Param {
            name: "format",
            kind,
            default,
            required,
            value_name: "FORMAT",
            help,
            pane: PaneUse::Form,
        }
    }

    pub const ALLOW_UNREVIEWED: &str = "allow_unreviewed";

    pub const fn allow_unreviewed(help: &'static str) -> Param {
        Param {
            name: ALLOW_UNREVIEWED,
            kind: Kind::Flag,
            default: None,
            required: false,
            value_name: "",
            help,
            pane: PaneUse::Confirm {
                label: "Unreviewed suspects",
                yes: "export anyway",
            },
        }
    }
}
