//! Shared by the TUI tests and the benchmark: a small study with fixed names and dates.
#![allow(dead_code)]

pub mod tui;

use std::path::Path;

use fieldwork::config::{ConsentPolicy, StudyDef};
use fieldwork::domain::{parse_date, Answer, ParticipantInput, SessionStatus};
use fieldwork::service::consent::ConsentInput;
use fieldwork::service::sessions::{InterviewInput, ObservationInput};
use fieldwork::service::{Fieldwork, Settings};

/// The embedded reference study (role codes shortened where the shipped file has codes
/// the validator refuses).
pub fn study() -> StudyDef {
    let text = include_str!("../../assets/study.toml")
        .replace("\"trust-chief-nurse\"", "\"trust-cnurse\"")
        .replace("\"trust-dir-nursing\"", "\"trust-dirnurse\"");
    fieldwork::config::parse(&text, "study.toml")
        .expect("study parses")
        .study
}

pub fn settings(root: &Path) -> Settings {
    Settings {
        user: "TST".into(),
        transcripts_root: root.to_path_buf(),
        consent_policy: ConsentPolicy::Refuse,
    }
}

pub fn d(s: &str) -> time::Date {
    parse_date(s).unwrap()
}

/// A small log: participants (with wide characters, emoji and a control character in
/// names and control characters in notes), consent, interviews, an observation, a linked transcript and a tag.
pub fn small(root: &Path) -> Fieldwork {
    std::fs::create_dir_all(root).unwrap();
    let mut fw = Fieldwork::in_memory(&study(), settings(root)).unwrap();
    let roles: Vec<String> = fw.reference.roles.iter().map(|r| r.code.clone()).collect();
    let people = [
        ("Alice Adams", "A"),
        ("Bob Brown", "B"),
        ("李小龙 Li", "C"),
        ("Zoë 😀 Émoji", "D"),
        ("Eve Evil", "A"),
        ("Frank Ford", "B"),
    ];
    let mut codes = Vec::new();
    for (i, (name, site)) in people.iter().enumerate() {
        let p = fw
            .add_participant(&ParticipantInput {
                name: Some(name.to_string()),
                email: Some(format!("p{i}@example.org")),
                organisation: Some("Some Trust".into()),
                notes: Some("met at\x1b[31m conf\nsecond line".into()),
                role: Some(roles[i % roles.len()].clone()),
                site: Some(site.to_string()),
                ..Default::default()
            })
            .unwrap();
        codes.push(p.code);
    }
    for (i, code) in codes.iter().enumerate().take(4) {
        fw.record_consent(
            code,
            &ConsentInput {
                date: Some(d("2021-11-10")),
                take_part: Some(Answer::Yes),
                audio: Some(if i == 2 { Answer::No } else { Answer::Yes }),
                quotes: Some(Answer::Yes),
                archiving: if i == 3 { None } else { Some(Answer::Yes) },
                follow_up: Some(if i == 1 { Answer::No } else { Answer::Yes }),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let mut sessions = Vec::new();
    for (i, code) in codes.iter().enumerate().take(3) {
        let l = fw
            .log_interview(&InterviewInput {
                participants: vec![code.clone()],
                date: Some(d(&format!("2021-12-0{}", i + 1))),
                duration_min: Some(50 + i as i64),
                ..Default::default()
            })
            .unwrap();
        sessions.push(l.session.id);
    }
    fw.log_interview(&InterviewInput {
        participants: vec![codes[0].clone()],
        date: Some(d("2023-02-01")),
        ..Default::default()
    })
    .unwrap();
    fw.log_interview(&InterviewInput {
        participants: vec![codes[3].clone()],
        date: Some(d("2099-01-01")),
        phase: Some(2),
        status: Some(SessionStatus::Scheduled),
        ..Default::default()
    })
    .unwrap();
    let mt = fw.reference.meeting_types[0].code.clone();
    fw.log_observation(&ObservationInput {
        meeting_type: mt,
        site: "A".into(),
        date: Some(d("2022-01-15")),
        title: Some("Board meeting".into()),
        attendees: Some(12),
        ..Default::default()
    })
    .unwrap();
    std::fs::write(root.join("int1.txt"), TRANSCRIPT).unwrap();
    fw.link_transcript(&sessions[0], &root.join("int1.txt"), false)
        .unwrap();
    let theme = fw.themes(false).unwrap()[1].id.clone();
    fw.tag_session(&sessions[0], &[theme], None).unwrap();
    fw
}

/// The text of the first interview's transcript: speaker turns that name people and an
/// organisation, as real transcripts do.
pub const TRANSCRIPT: &str = "Interviewer: How do partners work together on quality?
Alice Adams: We meet monthly with Some Trust and the council. Integration is slow, but the data sharing agreement helped a great deal.
Interviewer: What got in the way?
Alice Adams: Trust between organisations takes time. Frank Ford at the council said the same about data sharing.
Interviewer: And assurance?
Alice Adams: The quality committee reviews the dashboard every month; assurance is not improvement.
";

/// `small`, with the first interview's transcript imported and one passage tagged.
pub fn small_coded(root: &Path) -> Fieldwork {
    let mut fw = small(root);
    let sid = first_transcript_session(&fw);
    fw.import_transcript(&sid, &root.join("int1.txt"), false)
        .unwrap();
    let (a, b) = fw
        .find_in_transcript(&sid, "the data sharing agreement helped", None)
        .unwrap();
    let themes = fw.themes(false).unwrap();
    fw.tag_passage(
        &sid,
        a,
        b,
        &[themes[2].id.clone(), themes[4].id.clone()],
        Some("agreement as enabler"),
    )
    .unwrap();
    fw
}

/// The session whose transcript is `int1.txt`.
pub fn first_transcript_session(fw: &Fieldwork) -> String {
    fw.transcript_rows(0, 100)
        .unwrap()
        .into_iter()
        .find(|r| r.transcript.is_some())
        .unwrap()
        .session_id
}

/// A study like the reference one with `4 × scale` sites (targets 15 and 13 per site).
pub fn scaled_study(scale: usize) -> StudyDef {
    let base = include_str!("../../assets/study.toml")
        .replace("\"trust-chief-nurse\"", "\"trust-cnurse\"")
        .replace("\"trust-dir-nursing\"", "\"trust-dirnurse\"");
    let rest = &base[base.find("[[study.role_categories]]").unwrap()..];
    let n = 4 * scale;
    let mut t = String::from("[study]\nname = \"Scale study\"\nconsent_form_version = \"2.0\"\n\n");
    for i in 0..n {
        t.push_str(&format!(
            "[[study.sites]]\ncode = \"S{i:02}\"\nname = \"Site {i:02}\"\n\n"
        ));
    }
    let targets = |k: u32| {
        (0..n)
            .map(|i| format!("S{i:02} = {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    t.push_str(&format!(
        "[[study.phases]]\nnumber = 1\nname = \"Baseline\"\nstart = 2021-11-01\nend = 2022-05-31\ntargets = {{ {} }}\n\n",
        targets(15)
    ));
    t.push_str(&format!(
        "[[study.phases]]\nnumber = 2\nname = \"Follow-up\"\nstart = 2023-01-01\nend = 2023-05-31\ntargets = {{ {} }}\n\n",
        targets(13)
    ));
    t.push_str(rest);
    fieldwork::config::parse(&t, "scaled.toml")
        .expect("scaled study parses")
        .study
}

/// A `--scale`-like log built through the service: per site ~37 participants, 15 baseline
/// and 13 follow-up interviews (1,120 interviews and ~1,500 participants at scale 10).
pub fn scaled(scale: usize, root: &Path) -> Fieldwork {
    let mut fw = Fieldwork::in_memory(&scaled_study(scale), settings(root)).unwrap();
    let roles: Vec<String> = fw.reference.roles.iter().map(|r| r.code.clone()).collect();
    let sites: Vec<String> = fw.reference.sites.iter().map(|s| s.code.clone()).collect();
    let first = [
        "Ann", "Ben", "Chloé", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo",
    ];
    let last = [
        "Smith", "Jones", "Okafor", "Nguyen", "Kowalski", "García", "Patel", "O'Neil",
    ];
    let mut k = 0usize;
    for (si, site) in sites.iter().enumerate() {
        let mut codes = Vec::new();
        for j in 0..37 + (si % 2) {
            k += 1;
            let p = fw
                .add_participant(&ParticipantInput {
                    name: Some(format!(
                        "{} {} {k}",
                        first[k % first.len()],
                        last[k % last.len()]
                    )),
                    email: Some(format!("p{k}@example.org")),
                    role: Some(roles[(k + j) % roles.len()].clone()),
                    site: Some(site.clone()),
                    ..Default::default()
                })
                .unwrap();
            codes.push(p.code);
        }
        for (j, code) in codes.iter().enumerate().take(20) {
            fw.record_consent(
                code,
                &ConsentInput {
                    date: Some(d("2021-11-02")),
                    take_part: Some(Answer::Yes),
                    audio: Some(Answer::Yes),
                    quotes: Some(Answer::Yes),
                    archiving: Some(if j % 7 == 0 {
                        Answer::NotAsked
                    } else {
                        Answer::Yes
                    }),
                    follow_up: Some(if j % 5 == 0 { Answer::No } else { Answer::Yes }),
                    ..Default::default()
                },
            )
            .unwrap();
        }
        for (j, code) in codes.iter().enumerate().take(15) {
            fw.log_interview(&InterviewInput {
                participants: vec![code.clone()],
                date: Some(d(&format!("2022-0{}-{:02}", 1 + j % 5, 1 + (si % 28)))),
                duration_min: Some(45 + j as i64),
                ..Default::default()
            })
            .unwrap();
        }
        for (j, code) in codes.iter().enumerate().skip(2).take(13) {
            fw.log_interview(&InterviewInput {
                participants: vec![code.clone()],
                date: Some(d(&format!("2023-0{}-{:02}", 1 + j % 5, 1 + (si % 28)))),
                ..Default::default()
            })
            .unwrap();
        }
    }
    fw
}
