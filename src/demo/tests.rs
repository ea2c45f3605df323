use std::collections::{HashMap, HashSet};

use super::{generate::*, options::*, text::*};
use crate::domain::{ParticipantFilter, Status};
use crate::service::{Fieldwork, ServiceError};

use crate::config::{parse, ConsentPolicy, DEFAULT_STUDY};
use crate::service::Settings;

fn build(scale: u32, words: u32) -> (tempfile::TempDir, Fieldwork, DemoSummary) {
    let dir = tempfile::tempdir().unwrap();
    let study = parse(DEFAULT_STUDY, "builtin").unwrap().study;
    let settings = Settings {
        user: "demo".into(),
        transcripts_root: dir.path().join("transcripts"),
        consent_policy: ConsentPolicy::Refuse,
    };
    let mut fw = Fieldwork::in_memory(&study, settings).unwrap();
    let opts = DemoOptions {
        words_per_transcript: words,
        ..DemoOptions::new(scale)
    };
    let sum = generate_with(&mut fw, &opts).unwrap();
    (dir, fw, sum)
}

#[test]
fn scale_one_has_the_shape_of_the_reference_study() {
    let (_dir, fw, sum) = build(1, DEFAULT_WORDS_PER_TRANSCRIPT);
    let cov = fw.coverage().unwrap();
    assert_eq!(cov.total_interviews, 112);
    assert_eq!(sum.interviews, 112);
    let phase_total = |n: u32| -> i64 {
        cov.cells
            .iter()
            .filter(|c| c.phase == n)
            .map(|c| c.interviews)
            .sum()
    };
    assert_eq!(phase_total(1), 60);
    assert_eq!(phase_total(2), 52);
    assert_eq!(cov.cells.len(), 8, "4 sites x 2 phases");
    for c in &cov.cells {
        assert!(
            c.interviews > 0,
            "site {} phase {} has no interviews",
            c.site,
            c.phase
        );
    }
    // Most follow-up interviews are with baseline participants.
    assert!(
        sum.re_interviews > 52 / 2 && sum.re_interviews < 52,
        "{}",
        sum.re_interviews
    );
    let fu = &cov.follow_up[0];
    assert_eq!(fu.seen_again as usize, sum.re_interviews);
    // Every role category, in both phases.
    for c in &cov.by_role_category {
        assert!(
            c.participants > 0,
            "no {} in phase {}",
            c.role_category,
            c.phase
        );
    }
    // Every meeting type observed.
    let types: HashSet<&str> = cov
        .observations
        .iter()
        .filter(|o| o.observed > 0)
        .map(|o| o.meeting_type.as_str())
        .collect();
    assert_eq!(types.len(), 7);
    assert_eq!(sum.meeting_types_observed, 7);
    assert!(
        (16..=24).contains(&sum.observations),
        "{}",
        sum.observations
    );
    assert!(cov.documents >= 12);
    // Outcomes.
    let count = |s: Status| {
        fw.participant_count(&ParticipantFilter {
            status: Some(s),
            ..Default::default()
        })
        .unwrap()
    };
    assert_eq!(count(Status::Withdrawn), 1);
    assert_eq!(sum.withdrawn, 1);
    assert!(count(Status::Declined) > 0);
    assert!(count(Status::NoResponse) > 0);
    // The gaps show.
    let gaps = fw.gaps(true).unwrap();
    let kinds = |k: &str| gaps.iter().filter(|g| g.kind == k).count();
    assert_eq!(kinds("consent"), 1, "{gaps:#?}");
    assert_eq!(kinds("audio-consent"), 0, "{gaps:#?}");
    assert!((3..=5).contains(&kinds("transcript-missing")), "{gaps:#?}");
    assert!((1..=2).contains(&kinds("no-transcript")), "{gaps:#?}");
    assert_eq!(kinds("status"), 0, "{gaps:#?}");
    assert_eq!(sum.transcripts_linked, 110);
    assert_eq!(sum.transcripts_missing, 4);
    // Tags: 2 to 5 per interview, some themes common, some rare.
    assert!(sum.tags >= 2 * 112 && sum.tags <= 5 * 112, "{}", sum.tags);
    let themes = fw.themes(false).unwrap();
    let counts: Vec<i64> = themes
        .iter()
        .filter(|t| t.framework == "QMS" && t.tag_count > 0)
        .map(|t| t.tag_count)
        .collect();
    let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
    assert!(max > &(3 * min), "tag spread too even: {counts:?}");
    // Transcript lengths at the default setting.
    let per = sum.total_words / (sum.transcripts_linked - sum.transcripts_missing) as u64;
    assert!((1_300..=3_000).contains(&per), "{per} words per transcript");
    assert!(fw.store.integrity_problems().unwrap().is_empty());
}

#[test]
fn consent_precedes_every_interview_but_the_gap() {
    let (_dir, fw, _) = build(1, 200);
    let people = fw
        .participants(&ParticipantFilter::default(), 0, 1000)
        .unwrap();
    let mut answers = HashMap::new();
    for p in people.iter().filter(|p| !p.phases_interviewed.is_empty()) {
        let d = fw.participant_detail(&p.id).unwrap();
        assert!(
            !d.consent_records.is_empty(),
            "{} has no consent record",
            p.code
        );
        let first = d.sessions.iter().map(|s| s.date).min().unwrap();
        let consent = d.consent_records.iter().map(|c| c.date).min().unwrap();
        let gap = d.sessions.iter().any(|s| s.consent_gap);
        assert_eq!(consent <= first, !gap, "{}", p.code);
        for s in &d.sessions {
            if s.recording_status.as_deref() == Some("recorded") {
                let f = fw.consent_in_force(&p.id, s.date).unwrap();
                assert!(f.allows(crate::domain::ConsentItem::Audio));
            }
        }
        for c in &d.consent_records {
            *answers
                .entry(("quotes", c.quotes.map(|a| a.as_str())))
                .or_insert(0) += 1;
            *answers
                .entry(("archiving", c.archiving.map(|a| a.as_str())))
                .or_insert(0) += 1;
            *answers
                .entry(("follow-up", c.follow_up.map(|a| a.as_str())))
                .or_insert(0) += 1;
        }
    }
    for key in [
        ("quotes", Some("no")),
        ("archiving", None),
        ("archiving", Some("no")),
        ("follow-up", Some("no")),
        ("follow-up", Some("not-asked")),
    ] {
        assert!(
            answers.get(&key).copied().unwrap_or(0) > 0,
            "no consent record with {key:?}"
        );
    }
}

#[test]
fn names_are_synthetic_and_the_shape_is_deterministic() {
    let (_d1, fw1, s1) = build(1, 100);
    let (_d2, fw2, s2) = build(1, 100);
    assert_eq!(
        serde_json::to_value(&s1).unwrap()["interviews_by_phase"],
        serde_json::to_value(&s2).unwrap()["interviews_by_phase"]
    );
    assert_eq!(s1.tags, s2.tags);
    assert_eq!(s1.participants, s2.participants);
    let names = |fw: &Fieldwork| -> Vec<String> {
        fw.participants(&ParticipantFilter::default(), 0, 1000)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect()
    };
    assert_eq!(names(&fw1), names(&fw2));
    let lists = Sections::parse(NAMES);
    for n in names(&fw1) {
        let family = n.rsplit(' ').next().unwrap();
        assert!(lists.get("family").iter().any(|f| f == family), "{n}");
    }
    let p = &fw1
        .participants(&ParticipantFilter::default(), 0, 1)
        .unwrap()[0];
    assert!(p.email.as_deref().unwrap().ends_with(".example"));
}

#[test]
fn scale_two_doubles_the_study() {
    let (_dir, fw, sum) = build(2, 60);
    assert_eq!(fw.reference.sites.len(), 8);
    assert!(fw.reference.site("A2").unwrap().name == "ICS A2");
    let cov = fw.coverage().unwrap();
    assert_eq!(cov.total_interviews, 224);
    assert_eq!(cov.total_target, 224);
    assert_eq!(sum.withdrawn, 2);
    assert_eq!(sum.consent_gaps, 2);
    assert!(cov.cells.iter().all(|c| c.interviews > 0));
    // The role categories' targets (all sites together) double with the sites.
    let target = |code: &str, phase: u32| {
        cov.by_role_category
            .iter()
            .find(|c| c.role_category == code && c.phase == phase)
            .map(|c| c.target)
    };
    assert_eq!(target("ics-exec", 1), Some(32));
    assert_eq!(target("public", 2), Some(14));
}

/// The scale benchmark's database: `cargo test --release --lib demo -- --ignored`.
#[test]
#[ignore = "slow in debug; run in release"]
fn scale_ten_builds_in_well_under_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let study = parse(DEFAULT_STUDY, "builtin").unwrap().study;
    let db = dir.path().join("fieldwork.db");
    let settings = Settings {
        user: "demo".into(),
        transcripts_root: dir.path().join("transcripts"),
        consent_policy: ConsentPolicy::Refuse,
    };
    let start = std::time::Instant::now();
    let mut fw = Fieldwork::create(&db, &study, settings).unwrap();
    let sum = generate(&mut fw, 10).unwrap();
    let took = start.elapsed();
    eprintln!("scale 10 built in {:.2} s: {sum:?}", took.as_secs_f64());
    assert_eq!(fw.reference.sites.len(), 40);
    assert_eq!(fw.coverage().unwrap().total_interviews, 1120);
    assert_eq!(sum.withdrawn, 10);
    assert!(took.as_secs() < 60, "{took:?}");
}

#[test]
fn refuses_a_database_with_data() {
    let (_dir, mut fw, _) = build(1, 60);
    assert!(matches!(
        generate(&mut fw, 1),
        Err(ServiceError::Refused(_))
    ));
}
