//! The one list of exports, read by both front ends: the CLI builds its `export …`
//! subcommands (flags, defaults, help) from it, `fieldwork --help` names every entry, and
//! the Export pane lists it, offers each entry's parameters and writes through it.
//!
//! An entry is its name, a title for the pane, its formats, its parameters (name, kind,
//! default, help, how the pane offers it), whether it redacts (and so refuses while
//! suspects are unreviewed), a preview and a write. Adding an export is one entry in
//! [`EXPORTS`] plus its own module (which holds the entry's `preview` and `write`).

pub use super::kinds::*;

/// Every export, in the pane's order.
pub static EXPORTS: &[Export] = &[
    super::participants::ENTRY,
    super::table1::ENTRY,
    super::quotes::ENTRY,
    super::matrix::ENTRY,
    super::codebook::ENTRY,
    super::transcripts::ENTRY,
    super::project::ENTRY,
];

/// The export of that name.
pub fn find(name: &str) -> Option<&'static Export> {
    EXPORTS.iter().find(|e| e.name == name)
}

/// `fieldwork export`'s one line of help, naming every export.
pub fn summary() -> String {
    let names: Vec<&str> = EXPORTS.iter().map(|e| e.name).collect();
    format!(
        "Anonymised exports and REFI-QDA files: {} (a manifest beside each data export).",
        names.join(", ")
    )
}

/// The CLI: `export`'s subcommands, built from [`EXPORTS`].
pub mod cli {
    use super::{Export, Kind, Params, EXPORTS};
    use clap::{Arg, ArgAction, ArgMatches, Command};

    /// One export's subcommand.
    pub fn command(e: &'static Export) -> Command {
        // As clap's derive does with doc comments: no full stop at the end of a help line.
        let mut c = Command::new(e.name).about(e.about.trim_end_matches('.'));
        for a in e.params {
            let mut arg = Arg::new(a.name)
                .long(a.name.replace('_', "-"))
                .help(a.help.trim_end_matches('.'));
            arg = match a.kind {
                Kind::Flag => arg.action(ArgAction::SetTrue),
                k => {
                    let arg = arg.action(ArgAction::Set).value_name(a.value_name);
                    let arg = match a.default {
                        Some(d) => arg.default_value(d),
                        None => arg,
                    };
                    match k {
                        Kind::Checked(f) => {
                            arg.value_parser(move |s: &str| f(s).map(|_| s.to_string()))
                        }
                        Kind::OneOf(vals) => arg.value_parser(vals.to_vec()),
                        Kind::Count => arg.value_parser(clap::value_parser!(usize)),
                        Kind::Phase => arg.value_parser(clap::value_parser!(u32)),
                        Kind::Path => arg.value_parser(clap::value_parser!(std::path::PathBuf)),
                        _ => arg,
                    }
                }
            };
            if a.required {
                arg = arg.required(true);
            }
            c = c.arg(arg);
        }
        c
    }

    /// `export NAME` with its parameters, as given on the command line.
    #[derive(Debug, Clone)]
    pub struct ExportCmd {
        pub export: &'static Export,
        pub params: Params,
    }

    fn params(e: &Export, m: &ArgMatches) -> Params {
        let mut p = Params::default();
        for a in e.params {
            match a.kind {
                Kind::Flag => {
                    if m.get_flag(a.name) {
                        p.set(a.name, "true");
                    }
                }
                _ => {
                    if let Some(v) = m.get_raw(a.name).and_then(|mut v| v.next()) {
                        p.set(a.name, v.to_string_lossy());
                    }
                }
            }
        }
        p
    }

    impl clap::FromArgMatches for ExportCmd {
        fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
            let Some((name, sub)) = m.subcommand() else {
                return Err(clap::Error::new(clap::error::ErrorKind::MissingSubcommand));
            };
            let Some(e) = EXPORTS.iter().find(|e| e.name == name) else {
                return Err(clap::Error::new(clap::error::ErrorKind::InvalidSubcommand));
            };
            Ok(ExportCmd {
                export: e,
                params: params(e, sub),
            })
        }

        fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
            *self = Self::from_arg_matches(m)?;
            Ok(())
        }
    }

    impl clap::Subcommand for ExportCmd {
        fn augment_subcommands(c: Command) -> Command {
            EXPORTS.iter().fold(
                c.about(super::summary().trim_end_matches('.').to_string()),
                |c, e| c.subcommand(command(e)),
            )
        }

        fn augment_subcommands_for_update(c: Command) -> Command {
            Self::augment_subcommands(c)
        }

        fn has_subcommand(name: &str) -> bool {
            EXPORTS.iter().any(|e| e.name == name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_entry_is_complete() {
        let mut names: Vec<&str> = EXPORTS.iter().map(|e| e.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), EXPORTS.len());
        for e in EXPORTS {
            assert!(!e.formats.is_empty(), "{}", e.name);
            assert!(e.params.iter().any(|p| p.name == "out"), "{}", e.name);
            assert!(e.params.iter().any(|p| p.name == "force"), "{}", e.name);
            assert_eq!(
                e.redacts,
                e.params.iter().any(|p| p.name == common::ALLOW_UNREVIEWED),
                "{}: a redacting export offers --allow-unreviewed",
                e.name
            );
            for a in e.params {
                if let PaneUse::Cycle { values, .. } = a.pane {
                    assert!(!values.is_empty(), "{}: {} cycles nothing", e.name, a.name);
                    if let Some(d) = a.default {
                        assert!(
                            values.contains(&d),
                            "{}: {} default not offered",
                            e.name,
                            a.name
                        );
                    }
                }
            }
            assert!(find(e.name).is_some());
            assert!(summary().contains(e.name));
        }
    }

    #[test]
    fn check_names_the_bad_field() {
        let e = find("table1").unwrap();
        let mut p = Params::defaults(e);
        p.set("out", "t.md");
        assert!(e.check(&p).is_ok());
        p.set("threshold", "7");
        let err = e.check(&p).unwrap_err().to_string();
        assert!(err.contains("threshold") && err.contains("5, 10"), "{err}");
        p.set("threshold", "5");
        p.unset("out");
        assert!(e.check(&p).unwrap_err().to_string().contains("out"));
    }

    #[test]
    fn describe_follows_the_cycled_parameter() {
        let e = find("participants").unwrap();
        assert_eq!(e.describe(&Params::defaults(e)), "k = 5");
        let q = find("quotes").unwrap();
        assert_eq!(q.describe(&Params::defaults(q)), "no theme chosen");
        let mut p = Params::defaults(q);
        p.set_shown("theme", "id1", "Frame/Theme");
        assert_eq!(q.describe(&p), "theme Frame/Theme");
        let m = find("matrix").unwrap();
        assert_eq!(m.describe(&Params::defaults(m)), "every phase");
        assert_eq!(find("project").unwrap().describe(&Params::default()), "");
    }
}
