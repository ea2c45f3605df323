//! CLI handlers and text output for coding: transcripts' text, search, passages, quotes,
//! the framework matrix and analysis views.

use std::collections::HashMap;
use std::fmt::Write;

use super::output::{self, esc, table};
use super::run::common::{print_json, Out};
use super::{AnalysisCmd, MatrixCmd, PassageCmd, RedactCmd};
use crate::service::coding::{DirMatch, ImportOutcome, Quote, TranscriptView};
use crate::service::Fieldwork;
use crate::store::coding::{Hit, PassageRow};

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

fn passage_rows(list: &[PassageRow]) -> String {
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

pub fn passage(fw: &mut Fieldwork, c: &PassageCmd) -> Out {
    match c {
        PassageCmd::Add {
            interview,
            themes,
            start,
            end,
            quote,
            occurrence,
            memo,
            json,
        } => {
            let (s, e) = match (start, end, quote) {
                (Some(s), Some(e), _) => (*s, *e),
                (_, _, Some(q)) => fw.find_in_transcript(interview, q, *occurrence)?,
                _ => {
                    return Err(crate::service::ServiceError::Invalid {
                        field: "passage".into(),
                        message: "give --start and --end, or --quote".into(),
                    }
                    .into())
                }
            };
            let tags = fw.tag_passage(interview, s, e, themes, memo.as_deref())?;
            if *json {
                return print_json(&tags);
            }
            for t in &tags {
                println!("{}", t.id);
            }
            eprintln!("fieldwork: tagged {s}..{e} with {} theme(s)", tags.len());
            Ok(0)
        }
        PassageCmd::List {
            interview,
            theme,
            review,
            json,
        } => {
            let mut list = if *review {
                fw.passages_to_review()?
            } else if let Some(i) = interview {
                fw.transcript_view(i)?.passages
            } else {
                fw.passages(theme.as_deref())?
            };
            if let Some(t) = theme {
                let id = fw.resolve_theme(t)?.id;
                list.retain(|p| p.theme_id == id);
            }
            if *json {
                return print_json(&list);
            }
            print!("{}", passage_rows(&list));
            Ok(0)
        }
        PassageCmd::Accept { tag } => {
            let p = fw.accept_passage(tag)?;
            eprintln!(
                "fieldwork: tag {} now quotes \"{}\"",
                &p.id[..8],
                esc(&p.quote)
            );
            Ok(0)
        }
    }
}

pub fn print_quotes(q: &[Quote], json: bool) -> Out {
    if json {
        return print_json(&q);
    }
    for x in q {
        println!(
            "{} — {}{}",
            esc(&x.attribution),
            x.passage.theme,
            if x.allowed {
                String::new()
            } else {
                format!(
                    "  [NOT FOR EXPORT: {}]",
                    x.reason.as_deref().unwrap_or("consent")
                )
            }
        );
        println!("    \"{}\"", esc(x.passage.quote.trim()));
    }
    eprintln!(
        "fieldwork: {} quote(s), {} usable in outputs",
        q.len(),
        q.iter().filter(|x| x.allowed).count()
    );
    Ok(0)
}

pub fn matrix(fw: &mut Fieldwork, c: &MatrixCmd) -> Out {
    match c {
        MatrixCmd::Show { phase, json } => {
            let m = fw.matrix(*phase)?;
            if *json {
                return print_json(&m);
            }
            let top: Vec<_> = m.themes.iter().filter(|t| t.depth == 0).collect();
            let mut headers = vec!["CASE".to_string(), "PHASE".to_string()];
            headers.extend(
                top.iter()
                    .map(|t| t.name.chars().take(14).collect::<String>()),
            );
            // Each theme's top-level ancestor (a top-level theme's cell counts its own and
            // its sub-themes' passages), and the cells by case and phase: one pass over the
            // cells instead of a scan of every cell for each case, phase and theme.
            let top_of: HashMap<&str, usize> = m
                .themes
                .iter()
                .filter_map(|x| {
                    top.iter()
                        .position(|t| {
                            x.path == t.path || x.path.starts_with(&format!("{}/", t.path))
                        })
                        .map(|i| (x.id.as_str(), i))
                })
                .collect();
            // (case, phase) -> per top theme: (passages, any summary).
            let mut sums: HashMap<(&str, u32), Vec<(i64, bool)>> = HashMap::new();
            for c in &m.cells {
                let Some(i) = top_of.get(c.theme_id.as_str()) else {
                    continue;
                };
                let v = sums
                    .entry((c.participant_id.as_str(), c.phase))
                    .or_insert_with(|| vec![(0, false); top.len()]);
                v[*i].0 += c.passages;
                v[*i].1 |= c.summary.is_some();
            }
            let mut rows = Vec::new();
            for case in &m.cases {
                for ph in &m.phases {
                    if !case.phases.contains(ph) {
                        continue;
                    }
                    let mut row = vec![format!("{} ({})", case.code, case.site), ph.to_string()];
                    let cell = sums.get(&(case.participant_id.as_str(), *ph));
                    for i in 0..top.len() {
                        let (n, summary) = cell.map(|v| v[i]).unwrap_or((0, false));
                        row.push(format!("{n}{}", if summary { "*" } else { "" }));
                    }
                    rows.push(row);
                }
            }
            let h: Vec<&str> = headers.iter().map(String::as_str).collect();
            print!("{}", table(&h, &rows));
            eprintln!(
                "fieldwork: passages per case × theme (with sub-themes); * = a summary is written"
            );
            Ok(0)
        }
        MatrixCmd::Set {
            participant,
            theme,
            phase,
            summary,
        } => {
            fw.set_matrix_summary(participant, theme, *phase, Some(summary))?;
            eprintln!("fieldwork: summary saved");
            Ok(0)
        }
        MatrixCmd::Cell {
            participant,
            theme,
            phase,
            json,
        } => {
            let list = fw.cell_passages(participant, theme, *phase)?;
            if *json {
                return print_json(&list);
            }
            print!("{}", passage_rows(&list));
            Ok(0)
        }
    }
}

pub fn analysis(fw: &Fieldwork, c: &AnalysisCmd) -> Out {
    match c {
        AnalysisCmd::Frequency { json } => {
            let rows = fw.theme_frequency()?;
            if *json {
                return print_json(&rows);
            }
            let mut keys: Vec<String> =
                rows.iter().flat_map(|r| r.counts.keys().cloned()).collect();
            keys.sort();
            keys.dedup();
            let mut headers = vec!["THEME".to_string()];
            headers.extend(keys.iter().cloned());
            headers.push("TOTAL".into());
            let table_rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let mut v = vec![r.theme.clone()];
                    v.extend(
                        keys.iter()
                            .map(|k| r.counts.get(k).copied().unwrap_or(0).to_string()),
                    );
                    v.push(r.total.to_string());
                    v
                })
                .collect();
            let h: Vec<&str> = headers.iter().map(String::as_str).collect();
            print!("{}", table(&h, &table_rows));
            Ok(0)
        }
        AnalysisCmd::Cooccurrence { json } => {
            let rows = fw.cooccurrence()?;
            if *json {
                return print_json(&rows);
            }
            let t: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.a.clone(),
                        r.b.clone(),
                        r.passages.to_string(),
                        r.sessions.to_string(),
                    ]
                })
                .collect();
            print!("{}", table(&["THEME", "WITH", "PASSAGES", "SESSIONS"], &t));
            Ok(0)
        }
        AnalysisCmd::Saturation {
            base,
            run,
            threshold,
            phase,
            json,
        } => {
            let s = fw.saturation(*base, *run, *threshold, *phase)?;
            if *json {
                return print_json(&s);
            }
            let mut out = String::new();
            let max = s.points.last().map(|p| p.cumulative).unwrap_or(0).max(1);
            for p in &s.points {
                let bar = "█".repeat(p.cumulative * 40 / max);
                let _ = writeln!(
                    out,
                    "{:>4} {} {:>3} new {:>4} total {}",
                    p.index, p.date, p.new_themes, p.cumulative, bar
                );
            }
            print!("{out}");
            println!("\n{}", s.verdict);
            Ok(0)
        }
    }
}

pub fn redact(fw: &mut Fieldwork, c: &RedactCmd) -> Out {
    use crate::service::redaction::Decision;
    match c {
        RedactCmd::Seed => {
            let r = fw.seed_register()?;
            eprintln!(
                "fieldwork: register seeded: {} people, {} organisations, {} job titles, {} sites new; {} variant(s) added",
                r.people, r.organisations, r.job_titles, r.sites, r.variants_added
            );
            Ok(0)
        }
        RedactCmd::Register { json } => {
            let reg = fw.register()?;
            if *json {
                return print_json(&reg);
            }
            let rows: Vec<Vec<String>> = reg
                .iter()
                .map(|i| {
                    vec![
                        i.label.clone(),
                        i.kind.clone(),
                        i.source.clone(),
                        i.variants.join(" | "),
                    ]
                })
                .collect();
            print!("{}", table(&["LABEL", "KIND", "SOURCE", "VARIANTS"], &rows));
            Ok(0)
        }
        RedactCmd::Add {
            kind,
            label,
            variants,
        } => {
            let i = fw.add_identifier(kind, label, variants)?;
            println!("{}", i.id);
            eprintln!(
                "fieldwork: added {} ({} variant(s))",
                i.label,
                i.variants.len()
            );
            Ok(0)
        }
        RedactCmd::Variant {
            identifier,
            variant,
        } => {
            let i = fw.add_identifier_variant(identifier, variant)?;
            eprintln!(
                "fieldwork: {} now has {} variant(s)",
                i.label,
                i.variants.len()
            );
            Ok(0)
        }
        RedactCmd::Suspects { interview, json } => {
            let s = fw.suspects(interview.as_deref())?;
            if *json {
                return print_json(&s);
            }
            for g in &s {
                println!(
                    "{} [{}{}] ×{}",
                    esc(&g.text),
                    g.reason,
                    g.near
                        .as_deref()
                        .map(|n| format!(", like \"{}\"", esc(n)))
                        .unwrap_or_default(),
                    g.occurrences.len()
                );
                for o in g.occurrences.iter().take(3) {
                    let place = match &o.field {
                        Some(f) => esc(f),
                        None => o.session_id.chars().take(8).collect(),
                    };
                    println!("    {place} …{}…", esc(&o.context));
                }
            }
            eprintln!("fieldwork: {} suspect(s) to review", s.len());
            Ok(0)
        }
        RedactCmd::Accept {
            text,
            identifier,
            kind,
            label,
        } => {
            let d = match (identifier, kind, label) {
                (Some(i), _, _) => Decision::Variant(i.clone()),
                (None, Some(k), Some(l)) => Decision::New {
                    kind: k.clone(),
                    label: l.clone(),
                },
                _ => {
                    return Err(crate::service::ServiceError::Invalid {
                        field: "accept".into(),
                        message: "give --identifier, or --kind and --label for a new one".into(),
                    }
                    .into())
                }
            };
            fw.review_suspect(text, d)?;
            eprintln!("fieldwork: `{}` will be replaced everywhere", esc(text));
            Ok(0)
        }
        RedactCmd::Allow { text, class, json } => {
            if let Some(class) = class {
                let r = fw.allow_suspect_class(class)?;
                if *json {
                    return print_json(&r);
                }
                eprintln!(
                    "fieldwork: class `{}` allowed: {} suspect(s) closed, {} left",
                    r.class, r.closed, r.left
                );
                return Ok(0);
            }
            let text = text.as_deref().unwrap_or_default();
            fw.review_suspect(text, Decision::Allow)?;
            if *json {
                return print_json(&serde_json::json!({"allowed": text}));
            }
            eprintln!("fieldwork: `{}` is allowed everywhere", esc(text));
            Ok(0)
        }
        RedactCmd::Preview { interview, json } => {
            let r = fw.redacted(interview)?;
            if *json {
                return print_json(&r);
            }
            print!("{}", output::esc_block(&r.text));
            eprintln!(
                "fieldwork: {} replacement(s); {} unreviewed suspect(s) in this transcript",
                r.replacements.len(),
                r.unreviewed
            );
            Ok(0)
        }
        RedactCmd::Log { limit, json } => {
            let l = fw.redaction_log(*limit)?;
            if *json {
                return print_json(&l);
            }
            let rows: Vec<Vec<String>> = l
                .iter()
                .map(|x| {
                    vec![
                        x.at.clone(),
                        x.transcript_id[..8].to_string(),
                        format!("{}..{}", x.start_char, x.end_char),
                        x.original.clone(),
                        x.replacement.clone(),
                        x.method.clone(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "AT",
                        "TRANSCRIPT",
                        "SPAN",
                        "ORIGINAL",
                        "REPLACEMENT",
                        "METHOD"
                    ],
                    &rows
                )
            );
            Ok(0)
        }
    }
}
