//! `theme` and `tag`: the codebook's themes and the tags on records.

use super::common::{open, print_json, Out};
use crate::cli::args::*;
use crate::cli::output::{self, esc, table};
use crate::config::LoadedConfig;

pub(super) fn theme(cli: &Cli, cfg: &LoadedConfig, c: &ThemeCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        ThemeCmd::Add {
            name,
            framework,
            parent,
            description,
            colour,
        } => {
            let t = fw.add_theme(
                name,
                framework.as_deref(),
                parent.as_deref(),
                description.as_deref(),
                colour.as_deref(),
            )?;
            println!("{}", t.id);
            eprintln!("fieldwork: added theme {}", esc(&t.path));
            Ok(0)
        }
        ThemeCmd::Rename { theme, new_name } => {
            let t = fw.rename_theme(theme, new_name)?;
            eprintln!("fieldwork: renamed to {}", esc(&t.path));
            Ok(0)
        }
        ThemeCmd::Merge { theme, into } => {
            let (t, moved) = fw.merge_theme(theme, into)?;
            eprintln!(
                "fieldwork: merged into {} ({moved} tag(s) moved)",
                esc(&t.path)
            );
            Ok(0)
        }
        ThemeCmd::Retire { theme } => {
            let t = fw.retire_theme(theme)?;
            eprintln!(
                "fieldwork: retired {} ({} tag(s) kept)",
                esc(&t.path),
                t.tag_count
            );
            Ok(0)
        }
        ThemeCmd::List { all, json } => {
            let themes = fw.themes(*all)?;
            if *json {
                return print_json(&themes);
            }
            print!("{}", output::render_themes(&themes));
            Ok(0)
        }
        ThemeCmd::Framework { name, description } => {
            let f = fw.create_framework(name, description.as_deref())?;
            println!("{}", f.id);
            eprintln!("fieldwork: added framework {}", esc(&f.name));
            Ok(0)
        }
        ThemeCmd::Split { theme, into, tags } => {
            let (t, moved) = fw.split_theme(theme, into, tags)?;
            eprintln!(
                "fieldwork: created {} and moved {moved} tag(s) onto it",
                esc(&t.path)
            );
            Ok(0)
        }
        ThemeCmd::History { theme, json } => {
            let h = fw.theme_history(theme)?;
            if *json {
                let v: Vec<_> = h
                    .iter()
                    .map(|(a, d, at, by)| {
                        serde_json::json!({"action": a, "detail": serde_json::from_str::<serde_json::Value>(d).unwrap_or_default(), "at": at, "by": by})
                    })
                    .collect();
                return print_json(&v);
            }
            let rows: Vec<Vec<String>> = h
                .into_iter()
                .map(|(a, d, at, by)| vec![at, by, a, esc(&d)])
                .collect();
            print!("{}", table(&["AT", "BY", "ACTION", "DETAIL"], &rows));
            Ok(0)
        }
    }
}

pub(super) fn tag(cli: &Cli, cfg: &LoadedConfig, c: &TagCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        TagCmd::Add {
            session,
            themes,
            memo,
        } => {
            let tags = fw.tag_session(session, themes, memo.as_deref())?;
            for t in &tags {
                println!("{}", t.id);
            }
            eprintln!(
                "fieldwork: {} new tag(s){}",
                tags.len(),
                if tags.len() < themes.len() {
                    " (the session already had the others)"
                } else {
                    ""
                }
            );
            Ok(0)
        }
        TagCmd::Remove {
            tag,
            session,
            theme,
        } => {
            fw.untag(tag.as_deref(), session.as_deref(), theme.as_deref())?;
            eprintln!("fieldwork: tag removed");
            Ok(0)
        }
        TagCmd::List {
            session,
            theme,
            page,
            json,
        } => {
            let tags = fw.tags(
                session.as_deref(),
                theme.as_deref(),
                page.offset,
                page.limit,
            )?;
            if *json {
                return print_json(&tags);
            }
            let rows: Vec<Vec<String>> = tags
                .iter()
                .map(|t| {
                    vec![
                        t.id.chars().take(8).collect(),
                        t.session_id.chars().take(8).collect(),
                        t.session_date.clone(),
                        esc(&t.theme),
                        t.memo.as_deref().map(esc).unwrap_or_default(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(&["TAG", "SESSION", "DATE", "THEME", "MEMO"], &rows)
            );
            Ok(0)
        }
    }
}
