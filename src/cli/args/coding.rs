//! `theme …`, `tag …`, `passage …`, `matrix …`, `analysis …` and `redact …`.

use clap::Subcommand;

use super::shared::*;

#[derive(Debug, Subcommand)]
pub enum ThemeCmd {
    /// Add a theme (at a framework's top level, or under --parent).
    Add {
        name: String,
        #[arg(long)]
        framework: Option<String>,
        /// Parent theme (name, path or id).
        #[arg(long)]
        parent: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// #RRGGBB
        #[arg(long)]
        colour: Option<String>,
    },
    /// Rename a theme (history kept).
    Rename { theme: String, new_name: String },
    /// Merge a theme into another: its tags and children move; history kept.
    Merge { theme: String, into: String },
    /// Retire a theme: it keeps its tags but takes no new ones.
    Retire { theme: String },
    /// The codebook as a tree with tag counts.
    List {
        /// Include retired and merged themes.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Add a framework (a top-level group of themes) to the codebook.
    Framework {
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// Split a theme: create NEW beside it and move the given passage tags onto it.
    Split {
        theme: String,
        #[arg(long)]
        into: String,
        /// Tag ids to move (repeat).
        #[arg(long = "tag", required = true)]
        tags: Vec<String>,
    },
    /// A theme's history.
    History {
        theme: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TagCmd {
    /// Tag a session with one or more themes.
    Add {
        session: String,
        #[arg(required = true)]
        themes: Vec<String>,
        #[arg(long)]
        memo: Option<String>,
    },
    /// Remove a tag, by id or by --session and --theme.
    Remove {
        tag: Option<String>,
        #[arg(long)]
        session: Option<String>,
        #[arg(long)]
        theme: Option<String>,
    },
    /// List tags.
    List {
        #[arg(long)]
        session: Option<String>,
        #[arg(long)]
        theme: Option<String>,
        #[command(flatten)]
        page: Page,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PassageCmd {
    /// Tag a passage of an interview's transcript: by character offsets, or by its text.
    Add {
        interview: String,
        #[arg(required = true)]
        themes: Vec<String>,
        /// Start offset (characters).
        #[arg(long, requires = "end", conflicts_with = "quote")]
        start: Option<usize>,
        /// End offset (characters, exclusive).
        #[arg(long, requires = "start")]
        end: Option<usize>,
        /// The passage's exact text.
        #[arg(long)]
        quote: Option<String>,
        /// Which occurrence of --quote (1-based) when it appears more than once.
        #[arg(long)]
        occurrence: Option<usize>,
        #[arg(long)]
        memo: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List passages: of an interview, of a theme, or those needing review after re-import.
    List {
        #[arg(long)]
        interview: Option<String>,
        #[arg(long)]
        theme: Option<String>,
        /// Only passages a re-import could not keep on identical text.
        #[arg(long)]
        review: bool,
        #[arg(long)]
        json: bool,
    },
    /// Accept a changed passage's current text as its quote.
    Accept { tag: String },
}

#[derive(Debug, Subcommand)]
pub enum MatrixCmd {
    /// Print the matrix (cases by export code × themes).
    Show {
        #[arg(long)]
        phase: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Write a cell's summary (an empty summary clears it).
    Set {
        participant: String,
        theme: String,
        #[arg(long)]
        phase: u32,
        #[arg(long)]
        summary: String,
    },
    /// The passages behind a cell.
    Cell {
        participant: String,
        theme: String,
        #[arg(long)]
        phase: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AnalysisCmd {
    /// Tags per theme by site and phase.
    Frequency {
        #[arg(long)]
        json: bool,
    },
    /// Themes seen together on passages and on sessions.
    Cooccurrence {
        #[arg(long)]
        json: bool,
    },
    /// New themes per interview, cumulative count, and the stopping-rule verdict.
    Saturation {
        #[arg(long)]
        base: Option<usize>,
        #[arg(long)]
        run: Option<usize>,
        /// New-information threshold as a fraction (0.05 = 5%).
        #[arg(long)]
        threshold: Option<f64>,
        #[arg(long)]
        phase: Option<u32>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RedactCmd {
    /// Seed the register from participants' names, their organisations and the sites.
    Seed,
    /// The register: identifiers, labels and variants.
    Register {
        #[arg(long)]
        json: bool,
    },
    /// Add an identifier: a kind, its one replacement label, and the texts it replaces.
    Add {
        /// person, organisation, place, programme or other.
        #[arg(long)]
        kind: String,
        /// e.g. "[Acute trust 1]".
        #[arg(long)]
        label: String,
        #[arg(required = true)]
        variants: Vec<String>,
    },
    /// Add a variant (spelling, nickname, misspelling) to an identifier (id or label).
    Variant { identifier: String, variant: String },
    /// Suspects not in the register, grouped by text, with where they occur.
    Suspects {
        #[arg(long)]
        interview: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Accept a suspect: replace it everywhere, as a variant of an identifier or as a new one.
    Accept {
        text: String,
        /// An existing identifier (id or label).
        #[arg(long, conflicts_with_all = ["kind", "label"])]
        identifier: Option<String>,
        #[arg(long, requires = "label")]
        kind: Option<String>,
        #[arg(long, requires = "kind")]
        label: Option<String>,
    },
    /// Reject a suspect: it does not identify anyone; allow it everywhere. With --class,
    /// allow a whole class in one step: `common-words` (capitalised common English words
    /// that are not given names) or `places` (the study's place names).
    Allow {
        #[arg(required_unless_present = "class", conflicts_with = "class")]
        text: Option<String>,
        /// common-words, places or dates.
        #[arg(long, value_name = "CLASS")]
        class: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print an interview's transcript redacted with the register.
    Preview {
        interview: String,
        #[arg(long)]
        json: bool,
    },
    /// The anonymisation log (identifying: it never leaves the database).
    Log {
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}
