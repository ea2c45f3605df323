//! Carrying out the plan through the service: participants, consent, sessions, files.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use time::Date;

use super::{options::*, people::*, text::*, transcript::*};
use crate::domain::{
    format_date, Answer, ParticipantInput, RecordingStatus, SessionFilter, SessionKind, Status,
    TranscriptionStatus,
};
use crate::service::consent::ConsentInput;
use crate::service::sessions::InterviewInput;
use crate::service::{io_err, Fieldwork, Result};

// ---------------------------------------------------------------------------------------
// Execution through the service.

/// Add a participant identified on `date`, through the service.
pub(super) fn add_participant_on(
    fw: &mut Fieldwork,
    input: &ParticipantInput,
    date: Date,
) -> Result<(String, String)> {
    fw.add_participant_identified_on(input, date)
}

pub(super) fn execute(
    fw: &mut Fieldwork,
    opts: &DemoOptions,
    plan: StudyPlan,
    frags: &Sections,
    rng: &mut Rng,
) -> Result<DemoSummary> {
    let root = fw.transcripts_root().to_path_buf();
    crate::export::files::create_dir_all(&root, crate::export::files::Modes::OWNER_ONLY)
        .map_err(io_err(format!("creating {}", root.display())))?;
    let mut sum = DemoSummary {
        scale: opts.scale,
        seed: opts.seed,
        sites: plan.sites.len(),
        words_per_transcript: opts.words_per_transcript,
        codebook: plan.codebook.clone(),
        transcripts_root: root.display().to_string(),
        ..Default::default()
    };
    let study = fw.reference.study_name.clone();
    let phase_names: HashMap<u32, String> = fw
        .reference
        .phases
        .iter()
        .map(|p| (p.number, p.name.clone()))
        .collect();
    let roles = fw.reference.roles.clone();
    // Colleagues mentioned in transcripts: other people at the same site.
    let mut by_site: HashMap<usize, Vec<String>> = HashMap::new();
    for p in &plan.people {
        by_site.entry(p.site).or_default().push(p.name.clone());
    }
    let mut themes_used: HashSet<usize> = HashSet::new();
    let mut text = String::new();
    for mut person in plan.people {
        let site = &plan.sites[person.site];
        let input = ParticipantInput {
            name: Some(person.name.clone()),
            email: Some(person.email.clone()),
            phone: person.phone.clone(),
            organisation: Some(person.org.clone()),
            job_title: Some(person.job_title.clone()),
            role: Some(roles[person.role].code.clone()),
            site: Some(site.code.clone()),
            notes: None,
            status: None,
            allow_duplicate_unique_role: false,
        };
        let (id, code) = add_participant_on(fw, &input, person.identified)?;
        sum.participants += 1;
        match person.outcome {
            Outcome::Interviewed => sum.interviewed += 1,
            Outcome::Declined => sum.declined += 1,
            Outcome::NoResponse => sum.no_response += 1,
        }
        person.events.sort_by_key(|(d, e)| (*d, e.rank()));
        let mut audio_yes = false;
        for (date, event) in &person.events {
            match event {
                Event::Invite => {
                    fw.set_status(&id, Status::Invited, Some(*date), Some("invitation sent"))?;
                }
                Event::Remind => {
                    fw.set_status(&id, Status::Reminded, Some(*date), Some("reminder sent"))?;
                }
                Event::Close(status, note) => {
                    fw.set_status(&id, *status, Some(*date), Some(note))?;
                }
                Event::Withdraw(scope, reason) => {
                    fw.withdraw(&id, *scope, Some(*date), Some(reason))?;
                    sum.withdrawn += 1;
                }
                Event::Consent(a, mode, taken_by) => {
                    fw.record_consent(
                        &id,
                        &ConsentInput {
                            date: Some(*date),
                            mode: Some(*mode),
                            taken_by: Some(taken_by.clone()),
                            take_part: Some(Answer::Yes),
                            audio: a.audio,
                            quotes: a.quotes,
                            archiving: a.archiving,
                            follow_up: a.follow_up,
                            file_ref: Some(format!("consent/{code}_{}.pdf", format_date(*date))),
                            ..Default::default()
                        },
                    )?;
                    audio_yes = a.audio == Some(Answer::Yes);
                    sum.consent_records += 1;
                }
                Event::Interview(k) => {
                    let iv = &person.interviews[*k];
                    let recorded = audio_yes && !iv.gap;
                    let transcription = match (recorded, iv.transcript) {
                        (_, TranscriptPlan::None) => TranscriptionStatus::InProgress,
                        (true, _) => TranscriptionStatus::Done,
                        (false, _) => TranscriptionStatus::NotNeeded,
                    };
                    let logged = fw.log_interview(&InterviewInput {
                        participants: vec![id.clone()],
                        date: Some(iv.date),
                        phase: Some(iv.phase),
                        site: None,
                        status: None,
                        mode: Some(iv.mode),
                        duration_min: Some(iv.duration),
                        interviewer: Some(iv.interviewer.clone()),
                        recording: Some(if recorded {
                            RecordingStatus::Recorded
                        } else {
                            RecordingStatus::NotRecorded
                        }),
                        transcription: Some(transcription),
                        notes: (!recorded).then(|| {
                            "Not audio-recorded; notes typed up after the interview".to_string()
                        }),
                        allow_gap: iv.gap,
                    })?;
                    let sid = logged.session.id.clone();
                    sum.interviews += 1;
                    *sum.interviews_by_phase.entry(iv.phase).or_default() += 1;
                    if iv.re_interview {
                        sum.re_interviews += 1;
                    }
                    if iv.gap {
                        sum.consent_gaps += 1;
                    }
                    if !plan.themes.is_empty() && !iv.themes.is_empty() {
                        let ids: Vec<String> = iv
                            .themes
                            .iter()
                            .map(|t| plan.themes[*t].0.clone())
                            .collect();
                        sum.tags += fw.tag_session(&sid, &ids, None)?.len();
                        themes_used.extend(iv.themes.iter().copied());
                    }
                    if iv.transcript == TranscriptPlan::None {
                        sum.transcripts_unlinked += 1;
                        continue;
                    }
                    let colleagues: &[String] =
                        by_site.get(&person.site).map(Vec::as_slice).unwrap_or(&[]);
                    let ctx = TranscriptCtx {
                        study: &study,
                        site_name: &site.name,
                        site_code: &site.code,
                        phase: iv.phase,
                        phase_name: phase_names.get(&iv.phase).map(String::as_str).unwrap_or(""),
                        person: &person,
                        colleagues,
                        interview: iv,
                        recorded,
                        themes: &plan.themes,
                    };
                    let factor = 0.70 + 0.60 * rng.unit();
                    let mut target = (opts.words_per_transcript as f64 * factor) as usize;
                    if !recorded {
                        target = (target * 2 / 5).max(50);
                    }
                    text.clear();
                    let words = write_transcript(&mut text, &ctx, frags, rng, target);
                    let rel = format!(
                        "phase-{}/{}/{}_{}.txt",
                        iv.phase,
                        site.code,
                        code,
                        format_date(iv.date)
                    );
                    // Identifiers in every surface form, recorded to measure redaction.
                    crate::demo_plant::plant(
                        &mut text,
                        &rel,
                        &person.name,
                        &person.given,
                        &person.email,
                        person.phone.as_deref(),
                    );
                    let abs = root.join(&rel);
                    write_new(&abs, text.as_bytes())?;
                    sum.transcripts_written += 1;
                    fw.link_transcript(&sid, &abs, false)?;
                    sum.transcripts_linked += 1;
                    if iv.transcript == TranscriptPlan::Missing {
                        std::fs::remove_file(&abs)
                            .map_err(io_err(format!("removing {}", abs.display())))?;
                        sum.transcripts_missing += 1;
                    } else {
                        sum.total_words += words as u64;
                    }
                }
            }
        }
    }
    let obs_notes = frags.get("observation");
    for mut o in plan.observations {
        if !obs_notes.is_empty() {
            let a = rng.pick(obs_notes).clone();
            let b = rng.pick(obs_notes).clone();
            o.notes = Some(if a == b { a } else { format!("{a} {b}") });
        }
        fw.log_observation(&o)?;
        sum.observations += 1;
    }
    for d in &plan.documents {
        fw.add_document(d)?;
        sum.documents += 1;
    }
    sum.themes_used = themes_used.len();
    let observed: HashSet<String> = fw
        .sessions(
            &SessionFilter {
                kind: Some(SessionKind::Observation),
                ..Default::default()
            },
            false,
            0,
            usize::MAX >> 1,
        )?
        .into_iter()
        .filter_map(|s| s.meeting_type)
        .collect();
    sum.meeting_types_observed = observed.len();
    Ok(sum)
}

/// A new transcript file, owner-only (0600, in 0700 folders): transcripts identify people.
pub(super) fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use crate::export::files::{self, Modes};
    if let Some(dir) = path.parent() {
        files::create_dir_all(dir, Modes::OWNER_ONLY)
            .map_err(io_err(format!("creating {}", dir.display())))?;
    }
    let mut f = files::create_new(path, Modes::OWNER_ONLY)
        .map_err(io_err(format!("creating {}", path.display())))?;
    f.write_all(bytes)
        .map_err(io_err(format!("writing {}", path.display())))?;
    Ok(())
}
