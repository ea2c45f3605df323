use super::top::Cli;
use clap::CommandFactory;

#[test]
fn clap_definition_is_consistent() {
    Cli::command().debug_assert();
}

/// docs/cli.md documents every command and subcommand the parser knows.
#[test]
fn reference_lists_every_command() {
    let doc = include_str!("../../../docs/cli.md");
    let cmd = Cli::command();
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        if name == "help" {
            continue;
        }
        let nested: Vec<_> = sub
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if nested.is_empty() {
            assert!(
                doc.contains(&format!("`{name}")),
                "docs/cli.md lacks `{name}`"
            );
        }
        for n in nested {
            let full = format!("`{name} {}", n.get_name());
            assert!(doc.contains(&full), "docs/cli.md lacks {full}`");
        }
    }
}
