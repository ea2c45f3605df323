//! A study on disk driven through the real binary, shared by the export and redaction
//! suites: run a command on a database, and add a participant with consent and one
//! interview.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use fieldwork::domain::{Answer, Participant, ParticipantInput};
use fieldwork::service::consent::ConsentInput;
use fieldwork::service::sessions::InterviewInput;
use fieldwork::service::Fieldwork;

/// Run `fieldwork --db DB ARGS…` with the environment, the configuration and the working
/// folder isolated in the database's folder: (exit code, stdout, stderr).
pub fn run(db: &Path, args: &[&str]) -> (i32, String, String) {
    let dir = db.parent().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("FIELDWORK_DB")
        .env_remove("FIELDWORK_CONFIG")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A participant at site A in a role not unique at a site (`q-manager`), consenting to
/// everything on 2021-10-01 and interviewed on 2022-01-10: the participant and the
/// interview's session id.
pub fn interviewee(
    fw: &mut Fieldwork,
    name: &str,
    email: Option<&str>,
    phone: Option<&str>,
    duration_min: i64,
) -> (Participant, String) {
    let p = fw
        .add_participant(&ParticipantInput {
            name: Some(name.to_string()),
            email: email.map(str::to_string),
            phone: phone.map(str::to_string),
            role: Some("q-manager".into()),
            site: Some("A".into()),
            ..Default::default()
        })
        .unwrap();
    fw.record_consent(
        &p.code,
        &ConsentInput {
            date: Some(time::macros::date!(2021 - 10 - 01)),
            take_part: Some(Answer::Yes),
            audio: Some(Answer::Yes),
            quotes: Some(Answer::Yes),
            archiving: Some(Answer::Yes),
            ..Default::default()
        },
    )
    .unwrap();
    let session = fw
        .log_interview(&InterviewInput {
            participants: vec![p.code.clone()],
            date: Some(time::macros::date!(2022 - 01 - 10)),
            duration_min: Some(duration_min),
            ..Default::default()
        })
        .unwrap()
        .session
        .id;
    (p, session)
}
