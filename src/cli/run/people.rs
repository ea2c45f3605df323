//! `participant` and `consent`: the people of the study and their consent records.

use super::common::{date_arg, open, print_json, Out};
use crate::cli::args::*;
use crate::cli::output::{self, esc, table};
use crate::config::LoadedConfig;
use crate::domain::{format_date, today, ParticipantFilter, ParticipantInput};
use crate::service::consent::ConsentInput;

fn input_from(f: &ParticipantFields) -> ParticipantInput {
    ParticipantInput {
        name: f.name.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        organisation: f.organisation.clone(),
        job_title: f.job_title.clone(),
        role: f.role.clone(),
        site: f.site.clone(),
        notes: f.notes.clone(),
        status: None,
        allow_duplicate_unique_role: f.allow_duplicate_unique_role,
    }
}

pub(super) fn participant(cli: &Cli, cfg: &LoadedConfig, c: &ParticipantCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        ParticipantCmd::Add {
            fields,
            status,
            json,
        } => {
            let mut input = input_from(fields);
            input.status = *status;
            let p = fw.add_participant(&input)?;
            if *json {
                return print_json(&p);
            }
            println!("{}", p.code);
            eprintln!("fieldwork: added participant {} ({})", p.code, p.id);
            Ok(0)
        }
        ParticipantCmd::List {
            site,
            role_category,
            status,
            phase,
            search,
            page,
            json,
        } => {
            if let Some(s) = site {
                fw.reference.site(s)?;
            }
            if let Some(rc) = role_category {
                fw.reference.role_category(rc)?;
            }
            if let Some(p) = phase {
                fw.reference.phase(*p)?;
            }
            let filter = ParticipantFilter {
                site: site
                    .as_ref()
                    .map(|s| fw.reference.site(s).map(|x| x.code.clone()))
                    .transpose()?,
                role_category: role_category
                    .as_ref()
                    .map(|s| fw.reference.role_category(s).map(|x| x.code.clone()))
                    .transpose()?,
                status: *status,
                phase: *phase,
                search: search.clone(),
            };
            let list = fw.participants(&filter, page.offset, page.limit)?;
            if *json {
                return print_json(&list);
            }
            print!("{}", output::render_participants(&list));
            Ok(0)
        }
        ParticipantCmd::Show { participant, json } => {
            let d = fw.participant_detail(participant)?;
            if *json {
                return print_json(&d);
            }
            print!("{}", output::render_participant(&d));
            Ok(0)
        }
        ParticipantCmd::Edit {
            participant,
            fields,
            json,
        } => {
            let p = fw.edit_participant(participant, &input_from(fields))?;
            if *json {
                return print_json(&p);
            }
            eprintln!("fieldwork: updated participant {}", p.code);
            Ok(0)
        }
        ParticipantCmd::Status {
            participant,
            status,
            date,
            note,
        } => {
            let p = fw.set_status(
                participant,
                *status,
                date_arg("date", date)?,
                note.as_deref(),
            )?;
            eprintln!("fieldwork: participant {} is now {}", p.code, p.status);
            Ok(0)
        }
        ParticipantCmd::Delete(args) => crate::cli::delete::participant(&mut fw, args),
    }
}

pub(super) fn consent(cli: &Cli, cfg: &LoadedConfig, c: &ConsentCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        ConsentCmd::Record {
            participant,
            date,
            form_version,
            form_file,
            mode,
            taken_by,
            take_part,
            audio,
            quotes,
            archiving,
            follow_up,
            file_ref,
            json,
        } => {
            let input = ConsentInput {
                date: date_arg("date", date)?,
                form_version: form_version.clone(),
                form_file: form_file.clone(),
                mode: *mode,
                taken_by: taken_by.clone(),
                take_part: *take_part,
                audio: *audio,
                quotes: *quotes,
                archiving: *archiving,
                follow_up: *follow_up,
                file_ref: file_ref.clone(),
            };
            let r = fw.record_consent(participant, &input)?;
            if *json {
                return print_json(&r);
            }
            eprintln!(
                "fieldwork: consent recorded ({}) dated {}",
                &r.id[..8],
                format_date(r.date)
            );
            Ok(0)
        }
        ConsentCmd::Withdraw {
            participant,
            scope,
            date,
            reason,
        } => {
            let w = fw.withdraw(
                participant,
                *scope,
                date_arg("date", date)?,
                reason.as_deref(),
            )?;
            eprintln!(
                "fieldwork: withdrawal recorded ({}), scope {}, dated {}",
                &w.id[..8],
                w.scope,
                format_date(w.date)
            );
            Ok(0)
        }
        ConsentCmd::Show {
            participant,
            date,
            json,
        } => {
            let pid = fw.resolve_participant(participant)?;
            let on = date_arg("date", date)?.unwrap_or_else(today);
            let f = fw.consent_in_force(&pid, on)?;
            let (records, withdrawals) = fw.consent_records(&pid)?;
            if *json {
                let items: serde_json::Map<String, serde_json::Value> =
                    crate::domain::ConsentItem::ALL
                        .iter()
                        .map(|i| {
                            (
                                i.as_str().to_string(),
                                serde_json::json!(f.item(*i).as_str()),
                            )
                        })
                        .collect();
                let history = fw.consent_history(&pid)?;
                return print_json(&serde_json::json!({
                    "participant_id": pid,
                    "date": format_date(on),
                    "in_force": items,
                    "records": records,
                    "withdrawals": withdrawals,
                    "corrected_records": history
                        .records
                        .iter()
                        .filter(|r| history.correction(&r.id).is_some())
                        .collect::<Vec<_>>(),
                    "corrected_withdrawals": history
                        .withdrawals
                        .iter()
                        .filter(|w| history.correction(&w.id).is_some())
                        .collect::<Vec<_>>(),
                    "corrections": history.corrections,
                }));
            }
            print!("{}", output::render_consent(&f, &records, &withdrawals, on));
            print!("{}", output::render_corrections(&fw.consent_history(&pid)?));
            Ok(0)
        }
        ConsentCmd::Correct {
            record,
            reason,
            yes,
            json,
        } => crate::cli::delete::correct(&mut fw, record, reason, *yes, *json),
        ConsentCmd::Problems { json } => {
            let problems = fw.consent_problems()?;
            if *json {
                return print_json(&problems);
            }
            let rows: Vec<Vec<String>> = problems
                .iter()
                .map(|p| {
                    vec![
                        p.kind.to_string(),
                        p.code.clone(),
                        p.session_id
                            .as_deref()
                            .map(|s| s.chars().take(8).collect())
                            .unwrap_or_default(),
                        p.date.clone(),
                        esc(&p.message),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(&["KIND", "CODE", "INTERVIEW", "DATE", "PROBLEM"], &rows)
            );
            eprintln!("fieldwork: {} consent problem(s)", problems.len());
            Ok(0)
        }
    }
}
