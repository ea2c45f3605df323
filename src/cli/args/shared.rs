//! Arguments several commands share: deleting a record made by mistake, paging, `--keep`.

use clap::Args;

/// How to delete a record created by mistake (`participant delete`, `interview delete`, …).
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Id, export code (participants) or id prefix of the record created by mistake.
    pub key: String,
    /// Also delete what depends on it (refused without this while anything does).
    #[arg(long)]
    pub with_dependents: bool,
    /// Really delete: without it, only print what would be deleted and exit 2.
    #[arg(long)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
}

/// `--keep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeepArg {
    Mine,
    Theirs,
    Both,
}

/// Paging for lists.
#[derive(Debug, Args, Clone)]
pub struct Page {
    /// At most this many rows.
    #[arg(long, default_value_t = 10_000)]
    pub limit: usize,
    /// Skip this many rows.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
}
