//! `passage`, `quotes`, `matrix` and `analysis`: passages and what is built on them.

use std::collections::HashMap;
use std::fmt::Write;

use super::transcripts::*;
use crate::cli::args::{AnalysisCmd, MatrixCmd, PassageCmd};
use crate::cli::output::{esc, table};
use crate::cli::run::common::{print_json, Out};
use crate::service::coding::Quote;
use crate::service::Fieldwork;

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
