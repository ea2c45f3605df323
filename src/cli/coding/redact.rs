//! `redact`: the register, suspects, review and redacted texts.

use crate::cli::args::RedactCmd;
use crate::cli::output::{self, esc, table};
use crate::cli::run::common::{print_json, Out};
use crate::service::Fieldwork;

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
