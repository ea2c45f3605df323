//! Search hits, transcript imports (one or a folder) and transcript views.

use crate::cli::output::{self, esc, table};
use crate::cli::run::common::{print_json, Out};
use crate::service::coding::{DirMatch, ImportOutcome, TranscriptView};
use crate::service::coding::{Hit, PassageRow};

/// Snippet markers (U+E000 … U+E001) as `[…]` for plain output, or ANSI bold on a terminal.
pub fn show_snippet(s: &str, ansi: bool) -> String {
    let (a, b) = if ansi {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    esc(&flat).replace('\u{e000}', a).replace('\u{e001}', b)
}

pub fn print_hits(hits: &[Hit], json: bool) -> Out {
    if json {
        let v: Vec<serde_json::Value> = hits
            .iter()
            .map(|h| {
                let mut v = serde_json::to_value(h).unwrap_or_default();
                v["snippet"] = serde_json::json!(show_snippet(&h.snippet, false));
                v
            })
            .collect();
        return print_json(&v);
    }
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none();
    for h in hits {
        println!(
            "{} {} phase {} site {} {}{}",
            h.date,
            &h.session_id[..8],
            h.phase,
            h.site,
            h.kind,
            h.speaker
                .as_deref()
                .map(|s| format!(" — {}", esc(s)))
                .unwrap_or_default()
        );
        println!("    {}", show_snippet(&h.snippet, ansi));
    }
    eprintln!("fieldwork: {} hit(s)", hits.len());
    Ok(0)
}

pub fn print_import(out: &ImportOutcome, json: bool) -> Out {
    for w in &out.warnings {
        eprintln!("fieldwork: warning: {}", esc(w));
    }
    if json {
        return print_json(out);
    }
    if let Some(from) = &out.copied_from {
        eprintln!(
            "fieldwork: copied {} under the transcripts root as {}",
            esc(from),
            esc(&out.transcript.path)
        );
    }
    eprintln!(
        "fieldwork: imported {} ({}, {} turns, {} words) for interview {}",
        esc(&out.transcript.path),
        out.encoding,
        out.turns,
        out.words,
        &out.session_id[..8]
    );
    if let Some(r) = &out.reimport {
        if !r.diff.is_empty() {
            println!("{}", output::esc_block(&r.diff));
        }
        eprintln!(
            "fieldwork: re-import: {} character(s) inserted, {} deleted; {} of {} passage(s) kept on identical text",
            r.changes.inserted, r.changes.deleted, r.kept, r.passages
        );
        for p in &r.changed {
            eprintln!(
                "fieldwork: changed: tag {} ({}) — its text was edited; review with `passage accept {}`",
                &p.id[..8],
                esc(&p.theme),
                &p.id[..8]
            );
        }
        for p in &r.lost {
            eprintln!(
                "fieldwork: lost: tag {} ({}) — its text is gone; quote kept: \"{}\"",
                &p.id[..8],
                esc(&p.theme),
                esc(&p.quote)
            );
        }
    }
    Ok(0)
}

pub fn print_dir(results: &[DirMatch], json: bool) -> Out {
    if json {
        print_json(&results)?;
    } else {
        let rows: Vec<Vec<String>> = results
            .iter()
            .map(|r| {
                vec![
                    r.outcome.clone(),
                    r.path.clone(),
                    r.session_id
                        .as_deref()
                        .map(|s| s[..8].to_string())
                        .unwrap_or_default(),
                    r.detail.clone().unwrap_or_default(),
                ]
            })
            .collect();
        print!(
            "{}",
            table(&["OUTCOME", "FILE", "INTERVIEW", "DETAIL"], &rows)
        );
    }
    let count = |k: &str| results.iter().filter(|r| r.outcome == k).count();
    eprintln!(
        "fieldwork: {} imported, {} unmatched, {} ambiguous, {} failed{}",
        count("imported"),
        count("unmatched"),
        count("ambiguous"),
        count("failed"),
        if count("dry-run") > 0 {
            format!(", {} would be imported", count("dry-run"))
        } else {
            String::new()
        }
    );
    Ok(0)
}

pub fn print_view(v: &TranscriptView, json: bool) -> Out {
    if json {
        let mut value = serde_json::to_value(v).unwrap_or_default();
        value["text"] = serde_json::json!(v.text());
        return print_json(&value);
    }
    println!(
        "{}  ({}, {} words, imported {})",
        esc(&v.transcript.path),
        v.import.encoding,
        v.import.words,
        v.import.imported_at
    );
    for t in &v.turns {
        let tags: Vec<String> = v
            .passages
            .iter()
            .filter(|p| p.span_start < t.end_char && p.span_end > t.start_char)
            .map(|p| {
                format!(
                    "{}{}",
                    p.theme,
                    if p.anchor == "ok" { "" } else { " (review)" }
                )
            })
            .collect();
        println!(
            "\n[{} @{}]{}",
            t.seq,
            t.start_char,
            if tags.is_empty() {
                String::new()
            } else {
                format!("  themes: {}", esc(&tags.join("; ")))
            }
        );
        println!("{}", output::esc_block(t.text.trim_end()));
    }
    Ok(0)
}

pub(super) fn passage_rows(list: &[PassageRow]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|p| {
            let q: String = p.quote.chars().take(60).collect();
            vec![
                p.id[..8].to_string(),
                p.session_id[..8].to_string(),
                format!("{}..{}", p.span_start, p.span_end),
                p.theme.clone(),
                p.anchor.clone(),
                q,
            ]
        })
        .collect();
    table(
        &["TAG", "INTERVIEW", "SPAN", "THEME", "ANCHOR", "QUOTE"],
        &rows,
    )
}
