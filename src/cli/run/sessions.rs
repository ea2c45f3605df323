//! `interview`, `observation`, `document`, `transcript`: the sessions and their files.

use super::common::{date_arg, open, print_json, Out};
use crate::cli::args::*;
use crate::cli::output::{self, esc, table};
use crate::config::LoadedConfig;
use crate::domain::{format_date, SessionFilter, SessionKind};
use crate::service::sessions::{DocumentInput, InterviewInput, ObservationInput};
use crate::service::Fieldwork;

pub(super) fn interview(cli: &Cli, cfg: &LoadedConfig, c: &InterviewCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        InterviewCmd::Log {
            participants,
            date,
            phase,
            site,
            status,
            mode,
            duration,
            interviewer,
            recording,
            transcription,
            notes,
            allow_gap,
            json,
        } => {
            let input = InterviewInput {
                participants: participants.clone(),
                date: date_arg("date", date)?,
                phase: *phase,
                site: site.clone(),
                status: *status,
                mode: *mode,
                duration_min: *duration,
                interviewer: interviewer.clone(),
                recording: *recording,
                transcription: *transcription,
                notes: notes.clone(),
                allow_gap: *allow_gap,
            };
            let logged = fw.log_interview(&input)?;
            for w in &logged.warnings {
                eprintln!("fieldwork: warning: {}", esc(w));
            }
            if *json {
                return print_json(&logged.session);
            }
            println!("{}", logged.session.id);
            eprintln!(
                "fieldwork: interview {} {} on {} (phase {}, site {})",
                &logged.session.id[..8],
                logged.session.status,
                format_date(logged.session.date),
                logged.session.phase,
                logged.session.site
            );
            Ok(0)
        }
        InterviewCmd::Update {
            session,
            status,
            date,
            duration,
            recording,
            allow_gap,
        } => {
            let logged = fw.complete_interview(
                session,
                *status,
                date_arg("date", date)?,
                *duration,
                *recording,
                *allow_gap,
            )?;
            for w in &logged.warnings {
                eprintln!("fieldwork: warning: {}", esc(w));
            }
            eprintln!(
                "fieldwork: interview {} is {}",
                &logged.session.id[..8],
                logged.session.status
            );
            Ok(0)
        }
        InterviewCmd::List {
            phase,
            site,
            status,
            participant,
            page,
            json,
        } => {
            let filter = SessionFilter {
                kind: Some(SessionKind::Interview),
                phase: *phase,
                site: site
                    .as_ref()
                    .map(|s| fw.reference.site(s).map(|x| x.code.clone()))
                    .transpose()?,
                status: *status,
                participant: participant
                    .as_ref()
                    .map(|p| fw.resolve_participant(p))
                    .transpose()?,
            };
            let list = fw.sessions(&filter, false, page.offset, page.limit)?;
            if *json {
                return print_json(&list);
            }
            print!("{}", output::render_sessions(&list));
            Ok(0)
        }
        InterviewCmd::Show { session, json } => {
            let s = fw.session(session)?;
            let tags = fw.tags(Some(&s.id), None, 0, 10_000)?;
            if *json {
                let mut v = serde_json::to_value(&s).unwrap_or_default();
                v["tags"] = serde_json::to_value(&tags).unwrap_or_default();
                return print_json(&v);
            }
            print!("{}", output::render_session(&s, &tags));
            Ok(0)
        }
        InterviewCmd::Delete(args) => {
            crate::cli::delete::session(&mut fw, crate::domain::SessionKind::Interview, args)
        }
    }
}

pub(super) fn observation(cli: &Cli, cfg: &LoadedConfig, c: &ObservationCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        ObservationCmd::Log {
            meeting_type,
            site,
            date,
            phase,
            title,
            observer,
            attendees,
            duration,
            notes,
            json,
        } => {
            let s = fw.log_observation(&ObservationInput {
                meeting_type: meeting_type.clone(),
                site: site.clone(),
                date: date_arg("date", date)?,
                phase: *phase,
                title: title.clone(),
                observer: observer.clone(),
                attendees: *attendees,
                duration_min: *duration,
                notes: notes.clone(),
                status: None,
            })?;
            if *json {
                return print_json(&s);
            }
            println!("{}", s.id);
            eprintln!(
                "fieldwork: observation {} logged (phase {}, site {})",
                &s.id[..8],
                s.phase,
                s.site
            );
            Ok(0)
        }
        ObservationCmd::List {
            phase,
            site,
            page,
            json,
        } => list_sessions(
            &fw,
            SessionKind::Observation,
            *phase,
            site.as_deref(),
            page,
            *json,
        ),
        ObservationCmd::Delete(args) => {
            crate::cli::delete::session(&mut fw, SessionKind::Observation, args)
        }
    }
}

/// List observations or documents, by date.
fn list_sessions(
    fw: &Fieldwork,
    kind: SessionKind,
    phase: Option<u32>,
    site: Option<&str>,
    page: &Page,
    json: bool,
) -> Out {
    let filter = SessionFilter {
        kind: Some(kind),
        phase,
        site: site
            .map(|s| fw.reference.site(s).map(|x| x.code.clone()))
            .transpose()?,
        ..Default::default()
    };
    let list = fw.sessions(&filter, false, page.offset, page.limit)?;
    if json {
        return print_json(&list);
    }
    print!("{}", output::render_sessions(&list));
    Ok(0)
}

pub(super) fn document(cli: &Cli, cfg: &LoadedConfig, c: &DocumentCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        DocumentCmd::Add {
            title,
            site,
            date,
            phase,
            doc_type,
            notes,
            json,
        } => {
            let s = fw.add_document(&DocumentInput {
                title: title.clone(),
                site: site.clone(),
                date: date_arg("date", date)?,
                phase: *phase,
                doc_type: doc_type.clone(),
                notes: notes.clone(),
            })?;
            if *json {
                return print_json(&s);
            }
            println!("{}", s.id);
            eprintln!("fieldwork: document {} added", &s.id[..8]);
            Ok(0)
        }
        DocumentCmd::List { site, page, json } => list_sessions(
            &fw,
            SessionKind::Document,
            None,
            site.as_deref(),
            page,
            *json,
        ),
        DocumentCmd::Delete(args) => {
            crate::cli::delete::session(&mut fw, SessionKind::Document, args)
        }
    }
}

pub(super) fn transcript(cli: &Cli, cfg: &LoadedConfig, c: &TranscriptCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        TranscriptCmd::Link {
            session,
            file,
            replace,
        } => {
            let t = fw.link_transcript(session, file, *replace)?;
            println!("{}", esc(&t.path));
            eprintln!(
                "fieldwork: linked {} ({} bytes, sha256 {}…) to interview {}",
                esc(&t.path),
                t.size,
                &t.sha256[..12],
                &t.session_id[..8]
            );
            Ok(0)
        }
        TranscriptCmd::Verify { relink, json } => {
            let results = fw.verify_transcripts(*relink)?;
            let bad = results
                .iter()
                .filter(|v| v.status != crate::domain::TranscriptStatus::Ok && !v.relinked)
                .count();
            if *json {
                print_json(&results)?;
            } else {
                for v in results
                    .iter()
                    .filter(|v| v.status != crate::domain::TranscriptStatus::Ok)
                {
                    let extra = match (&v.found_at, v.relinked) {
                        (Some(p), true) => format!(" → relinked to {}", esc(p)),
                        (Some(p), false) => format!(" → found at {} (use --relink)", esc(p)),
                        _ => String::new(),
                    };
                    println!(
                        "{}\t{}\t{}{}",
                        v.status,
                        &v.session_id[..8],
                        esc(&v.path),
                        extra
                    );
                }
                eprintln!(
                    "fieldwork: {} transcript(s) checked, {} ok, {} need attention",
                    results.len(),
                    results.len() - bad,
                    bad
                );
            }
            Ok(if bad == 0 { 0 } else { 1 })
        }
        TranscriptCmd::Import {
            file,
            interview,
            replace,
            json,
        } => {
            let out = fw.import_transcript(interview, file, *replace)?;
            crate::cli::coding::print_import(&out, *json)
        }
        TranscriptCmd::ImportDir {
            dir,
            pattern,
            dry_run,
            skip_bad,
            json,
        } => {
            let results = fw.import_dir(dir, pattern.as_deref(), *dry_run, *skip_bad)?;
            crate::cli::coding::print_dir(&results, *json)
        }
        TranscriptCmd::Show { interview, json } => {
            let v = fw.transcript_view(interview)?;
            crate::cli::coding::print_view(&v, *json)
        }
        TranscriptCmd::List { page, json } => {
            let rows = fw.transcript_rows(page.offset, page.limit)?;
            if *json {
                return print_json(&rows);
            }
            let table_rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.session_id.chars().take(8).collect(),
                        r.date.clone(),
                        r.phase.to_string(),
                        r.site.clone(),
                        r.participants.join(","),
                        r.state.clone(),
                        r.transcript
                            .as_ref()
                            .map(|t| esc(&t.path))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "INTERVIEW",
                        "DATE",
                        "PHASE",
                        "SITE",
                        "PARTICIPANTS",
                        "STATE",
                        "PATH"
                    ],
                    &table_rows
                )
            );
            Ok(0)
        }
    }
}
