//! `participant delete`, `interview delete`, `observation delete`, `document delete` and
//! `consent correct`: a record created or entered by mistake. Without `--yes` each only
//! prints what it would do and exits 2, so a one-key deletion in a script is explicit.

use super::args::DeleteArgs;
use super::run::common::{print_json, usage, Out};
use crate::domain::{format_date, SessionKind};
use crate::service::delete::{describe, Deletion, IMMUTABLE};
use crate::service::Fieldwork;

fn report(d: &Deletion, json: bool) -> Out {
    if json {
        return print_json(d);
    }
    if d.dependents.is_empty() {
        eprintln!("fieldwork: deleted {} {}", d.kind, d.label);
    } else {
        eprintln!(
            "fieldwork: deleted {} {} with {}",
            d.kind,
            d.label,
            describe(&d.dependents)
        );
    }
    Ok(0)
}

/// Without `--yes`: what would be deleted, then exit 2 telling to add `--yes`.
fn preview(d: &Deletion, args: &DeleteArgs) -> Out {
    if args.json {
        print_json(d)?;
    } else {
        println!("would delete {} {} ({})", d.kind, d.label, d.id);
        if d.dependents
            .iter()
            .any(|c| IMMUTABLE.contains(&c.kind.as_str()))
        {
            println!(
                "depends on it: {}; consent and withdrawal records are immutable, so it cannot be deleted (correct a record entered in error with `consent correct`)",
                describe(&d.dependents)
            );
        } else if d.dependents.is_empty() {
            println!("nothing depends on it");
        } else if args.with_dependents {
            println!("with what depends on it: {}", describe(&d.dependents));
        } else {
            println!(
                "depends on it: {} (add --with-dependents to delete those too)",
                describe(&d.dependents)
            );
        }
    }
    Err(usage(format!(
        "nothing was deleted; add --yes to delete {} {}",
        d.kind, d.label
    )))
}

pub(super) fn participant(fw: &mut Fieldwork, args: &DeleteArgs) -> Out {
    if !args.yes {
        let d = fw.participant_deletion(&args.key)?;
        return preview(&d, args);
    }
    let d = fw.delete_participant(&args.key, args.with_dependents)?;
    report(&d, args.json)
}

pub(super) fn session(fw: &mut Fieldwork, kind: SessionKind, args: &DeleteArgs) -> Out {
    if !args.yes {
        let d = fw.session_deletion(&args.key, Some(kind))?;
        return preview(&d, args);
    }
    let d = fw.delete_session(&args.key, Some(kind), args.with_dependents)?;
    report(&d, args.json)
}

pub(super) fn correct(
    fw: &mut Fieldwork,
    record: &str,
    reason: &str,
    yes: bool,
    json: bool,
) -> Out {
    if reason.trim().is_empty() {
        return Err(usage(
            "--reason: a correction needs a reason (why the record was entered in error)",
        ));
    }
    let (kind, id, pid) = fw.resolve_consent_record(record)?;
    let code = fw.participant(&pid)?.code;
    if !yes {
        if json {
            print_json(&serde_json::json!({
                "record_kind": kind,
                "record_id": id,
                "participant": code,
                "reason": reason.trim(),
                "corrected": false,
            }))?;
        } else {
            println!(
                "would mark {kind} record {} of participant {code} as entered in error: {}",
                &id[..id.len().min(8)],
                reason.trim()
            );
        }
        return Err(usage(format!(
            "nothing was corrected; add --yes to correct {kind} record {}",
            &id[..id.len().min(8)]
        )));
    }
    let c = fw.correct_consent(&id, reason)?;
    if json {
        let mut v = serde_json::to_value(&c).unwrap_or_default();
        v["participant"] = code.into();
        v["corrected"] = true.into();
        return print_json(&v);
    }
    eprintln!(
        "fieldwork: {kind} record {} of participant {code} corrected: entered in error — {} (today {})",
        &id[..id.len().min(8)],
        c.reason,
        format_date(crate::domain::today())
    );
    Ok(0)
}
