//! `fieldwork agreement`: the report (md, csv, json), settle, reveal, coders.

use std::fmt::Write;

use super::args::{AgreementArgs, AgreementCmd};
use super::output::esc;
use super::run::common::{print_json, Failure, Out};
use crate::service::agreement::{Agreement, AgreementQuery, Figures, Settle};
use crate::service::Fieldwork;

fn bad(message: String) -> Failure {
    Failure::usage(message)
}

/// `A,B` → (A, B).
fn coders_arg(s: &Option<String>) -> Result<Option<(String, String)>, Failure> {
    let Some(s) = s else { return Ok(None) };
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [a, b] if !a.is_empty() && !b.is_empty() => Ok(Some((a.to_string(), b.to_string()))),
        _ => Err(bad(format!(
            "--coders: `{}` is not two coders; write --coders A,B",
            esc(s)
        ))),
    }
}

pub fn run(fw: &mut Fieldwork, a: &AgreementArgs) -> Out {
    match &a.command {
        None => {
            let q = AgreementQuery {
                coders: coders_arg(&a.coders)?,
                theme: a.theme.clone(),
                interview: a.interview.clone(),
            };
            let r = fw.agreement(&q)?;
            match a.format.as_str() {
                "json" => print_json(&r),
                "csv" => {
                    print!("{}", render_csv(&r)?);
                    Ok(0)
                }
                _ => {
                    print!("{}", render_md(&r));
                    Ok(0)
                }
            }
        }
        Some(AgreementCmd::Settle {
            key,
            keep,
            merge,
            coders,
            json,
        }) => {
            let how = if *merge {
                Settle::Merge
            } else {
                keep.as_deref()
                    .unwrap_or("")
                    .parse::<Settle>()
                    .map_err(|e| bad(format!("--keep: {e}")))?
            };
            let out = fw.settle(coders_arg(coders)?, key, how)?;
            if *json {
                return print_json(&out);
            }
            println!(
                "{}\t{}\tdeleted {}\tcreated {}",
                out.key,
                out.settle.as_str(),
                out.deleted.len(),
                out.created.len()
            );
            eprintln!(
                "fieldwork: settled disagreement {} ({})",
                out.key,
                out.settle.as_str()
            );
            Ok(0)
        }
        Some(AgreementCmd::Reveal) => {
            let coder = fw.coder();
            if fw.reveal()? {
                eprintln!(
                    "fieldwork: the other coders' tags are now shown to {} (recorded in the audit log)",
                    esc(&coder)
                );
            } else {
                eprintln!(
                    "fieldwork: the other coders' tags were already shown to {}",
                    esc(&coder)
                );
            }
            Ok(0)
        }
        Some(AgreementCmd::Coders { json }) => {
            let list = fw.coders()?;
            let me = fw.coder();
            if *json {
                #[derive(serde::Serialize)]
                struct C<'a> {
                    coder: &'a str,
                    passages: i64,
                }
                #[derive(serde::Serialize)]
                struct Out<'a> {
                    current: &'a str,
                    blind: bool,
                    coders: Vec<C<'a>>,
                }
                return print_json(&Out {
                    current: &me,
                    blind: fw.blinded()?,
                    coders: list
                        .iter()
                        .map(|(c, n)| C {
                            coder: c,
                            passages: *n,
                        })
                        .collect(),
                });
            }
            for (c, n) in &list {
                println!("{}\t{n}{}", esc(c), if *c == me { "\t(you)" } else { "" });
            }
            Ok(0)
        }
    }
}

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "n/a".into())
}

/// A Markdown table cell: control characters escaped, pipes escaped.
fn cell(s: &str) -> String {
    esc(s).replace('|', "\\|")
}

fn md_row(out: &mut String, name: &str, f: &Figures) {
    let t = &f.table;
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        cell(name),
        t.both,
        t.a_only,
        t.b_only,
        t.neither,
        num(f.percent_agreement),
        num(f.positive_agreement),
        num(f.kappa),
        num(f.alpha)
    );
}

/// Markdown for a methods section: what was compared, the figures per theme and pooled,
/// what was left out, then the disagreeing spans with their text.
pub fn render_md(r: &Agreement) -> String {
    let mut out = String::new();
    let (a, b) = (cell(&r.coder_a), cell(&r.coder_b));
    let _ = writeln!(out, "# Inter-coder agreement: {a} (A) and {b} (B)\n");
    let _ = writeln!(
        out,
        "{} transcript(s) double-coded on identical text; units: {} characters per theme. \
         Figures: percent agreement, positive (specific) agreement, Cohen's kappa and \
         Krippendorff's alpha (nominal), characters as units.\n",
        r.transcripts.len(),
        r.units
    );
    let _ = writeln!(
        out,
        "| Theme | Both | A only | B only | Neither | Agreement | Positive agreement | Cohen's κ | Krippendorff's α |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for t in &r.themes {
        md_row(&mut out, &t.theme, &t.figures);
    }
    md_row(&mut out, "Pooled", &r.pooled);
    if !r.excluded.is_empty() {
        let _ = writeln!(out, "\n## Not compared\n");
        for e in &r.excluded {
            let _ = writeln!(
                out,
                "- {} ({}): {}",
                cell(&e.interview),
                e.reason,
                cell(&e.detail)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n## Disagreements ({})\n\nThe spans quote the transcripts as they are: for the team, not for export.\n",
        r.disagreements.len()
    );
    for d in &r.disagreements {
        let _ = writeln!(
            out,
            "### {} — {} [{}, {}) `{}`\n",
            cell(&d.theme),
            cell(&d.interview),
            d.start,
            d.end,
            d.key
        );
        for s in &d.spans {
            let who = if s.coder == r.coder_a { "A" } else { "B" };
            let _ = writeln!(
                out,
                "- {who} only ({}) [{}, {}): “{}”",
                cell(&s.coder),
                s.start,
                s.end,
                cell(&s.text)
            );
        }
        out.push('\n');
    }
    out
}

/// CSV: one row per theme and a pooled row (undefined figures are empty cells).
pub fn render_csv(r: &Agreement) -> Result<String, Failure> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Failure::runtime(e.to_string());
    w.write_record([
        "theme",
        "coder_a",
        "coder_b",
        "transcripts",
        "both",
        "a_only",
        "b_only",
        "neither",
        "percent_agreement",
        "positive_agreement",
        "kappa",
        "alpha",
        "disagreements",
    ])
    .map_err(io)?;
    let f = |x: Option<f64>| x.map(|v| format!("{v:.6}")).unwrap_or_default();
    let n = r.transcripts.len().to_string();
    let mut row = |name: &str, g: &Figures, dis: usize| {
        let t = &g.table;
        w.write_record([
            esc(name),
            esc(&r.coder_a),
            esc(&r.coder_b),
            n.clone(),
            t.both.to_string(),
            t.a_only.to_string(),
            t.b_only.to_string(),
            t.neither.to_string(),
            f(g.percent_agreement),
            f(g.positive_agreement),
            f(g.kappa),
            f(g.alpha),
            dis.to_string(),
        ])
    };
    for t in &r.themes {
        row(&t.theme, &t.figures, t.disagreements).map_err(io)?;
    }
    row("Pooled", &r.pooled, r.disagreements.len()).map_err(io)?;
    let bytes = w
        .into_inner()
        .map_err(|e| Failure::runtime(e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
