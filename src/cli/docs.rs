//! `completions` and `man`: shell completion scripts and man pages generated from the clap
//! definitions ([`super::args::Cli`]), so they always name every command and flag, including the
//! exports the registry adds.

use std::path::Path;

use clap::CommandFactory;

use super::args::Cli;
use super::run::common::{failure, Out};

const BIN: &str = "fieldwork";

/// Print the completion script for `shell` on stdout.
pub(super) fn completions(shell: clap_complete::Shell) -> Out {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, BIN, &mut std::io::stdout());
    Ok(0)
}

/// Print `fieldwork.1` on stdout, or write it and a page per command into `out`.
pub(super) fn man(out: Option<&Path>) -> Out {
    let cmd = Cli::command().bin_name(BIN);
    match out {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut buf)
                .map_err(|e| failure(1, format!("rendering the man page: {e}")))?;
            use std::io::Write;
            std::io::stdout()
                .write_all(&buf)
                .map_err(|e| failure(1, format!("writing the man page: {e}")))?;
        }
        Some(dir) => {
            if dir.exists() && !dir.is_dir() {
                return Err(failure(2, format!("--out {}: not a folder", dir.display())));
            }
            std::fs::create_dir_all(dir)
                .map_err(|e| failure(1, format!("creating {}: {e}", dir.display())))?;
            clap_mangen::generate_to(cmd, dir).map_err(|e| {
                failure(1, format!("writing man pages into {}: {e}", dir.display()))
            })?;
            let mut pages = 0;
            if let Ok(rd) = std::fs::read_dir(dir) {
                pages = rd
                    .flatten()
                    .filter(|e| {
                        let n = e.file_name();
                        let n = n.to_string_lossy();
                        n.starts_with(BIN) && n.ends_with(".1")
                    })
                    .count();
            }
            println!("{}", dir.join(format!("{BIN}.1")).display());
            eprintln!(
                "fieldwork: wrote {pages} man page(s) into {}; read them with `man -l {}` (or add the folder's parent to MANPATH)",
                dir.display(),
                dir.join(format!("{BIN}.1")).display()
            );
        }
    }
    Ok(0)
}
