//! Every command of the command line, run on the real binary in a temporary folder.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn help_and_version_exit_0_and_bad_usage_exits_2() {
    let st = Study::empty();
    let out = st.fw_raw(&["--help"]);
    expect_code(&out, 0, &["--help"]);
    assert_has(
        &stdout(&out),
        &["participant", "consent", "coverage", "Exit status"],
    );
    let out = st.fw_raw(&["--version"]);
    expect_code(&out, 0, &["--version"]);
    assert!(stdout(&out).contains("fieldwork"));
    // Unknown subcommand and a missing required argument are usage errors.
    let out = st.fw(&["frobnicate"]);
    expect_code(&out, 2, &["frobnicate"]);
    let out = st.fw(&["participant", "show"]);
    expect_code(&out, 2, &["participant", "show"]);
    // No database was created by any of that.
    assert!(!st.db().exists());
}

#[test]
fn a_missing_database_is_refused_with_a_hint_to_init() {
    let st = Study::empty();
    let err = st.fails(2, &["participant", "list"]);
    assert_has(&err, &["no database here", "fieldwork init"]);
    assert!(!st.db().exists(), "reading must not create the database");
}

#[test]
fn init_creates_the_built_in_study() {
    let st = Study::empty();
    let out = st.fw(&["init"]);
    expect_code(&out, 0, &["init"]);
    assert!(stdout(&out).is_empty(), "messages go to stderr");
    assert_has(&stderr(&out), &["created", "transcripts root"]);
    assert!(st.db().is_file());

    let study = st.json(&["study", "--json"]);
    let sites: Vec<&str> = study["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| s(x, "code"))
        .collect();
    assert_eq!(sites, ["A", "B", "C", "D"]);
    let phases = study["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 2);
    assert_eq!(phases[0]["number"], 1);
    assert_eq!(s(&phases[0], "start"), "2021-11-01");
    assert_eq!(s(&phases[0], "end"), "2022-05-31");
    assert_eq!(phases[1]["number"], 2);
    assert_eq!(s(&phases[1], "start"), "2023-01-01");
    assert_eq!(s(&phases[1], "end"), "2023-05-31");
    let roles: Vec<&str> = study["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| s(x, "code"))
        .collect();
    for r in ["ics-ceo", "q-cqo", "la-dph", "healthwatch"] {
        assert!(roles.contains(&r), "role {r} in {roles:?}");
    }
    let types: Vec<&str> = study["meeting_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| s(x, "code"))
        .collect();
    assert_eq!(types.len(), 7);
    assert!(types.contains(&"icb"));

    // The text form names the same things.
    let text = st.ok(&["study"]);
    assert_has(&text, &["ICS A", "ics-ceo", "icb"]);

    // The QMS framework themes come with the study.
    let themes = st.json(&["theme", "list", "--json"]);
    let paths: Vec<&str> = themes
        .as_array()
        .unwrap()
        .iter()
        .map(|t| s(t, "path"))
        .collect();
    for p in [
        "QMS/Quality planning",
        "QMS/Quality control",
        "QMS/Quality assurance",
        "QMS/Quality improvement",
        "QMS/Partnerships",
        "QMS/Quality control/Measures and metrics",
    ] {
        assert!(paths.contains(&p), "{p} in {paths:?}");
    }
    // A fresh study is consistent.
    let out = st.fw(&["check"]);
    expect_code(&out, 0, &["check"]);
    let check = st.json(&["check", "--json"]);
    assert_eq!(check["ok"], true);
}

#[cfg(unix)]
#[test]
fn the_database_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let st = Study::new();
    let mode = std::fs::metadata(st.db()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "database mode {mode:o}");
    // Still 0600 after writes.
    st.add("Ann Able", "ics-ceo", "A");
    let mode = std::fs::metadata(st.db()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "database mode after a write {mode:o}");
}

#[test]
fn init_twice_refuses_without_force_and_backs_up_with_force() {
    let st = Study::new();
    let code = st.add("Ann Able", "ics-ceo", "A");
    let before = dump(&st.db());

    let err = st.fails(2, &["init"]);
    assert_has(&err, &["already exists", "--force"]);
    assert_eq!(
        dump(&st.db()),
        before,
        "a refused init changed the database"
    );

    let out = st.fw(&["init", "--force"]);
    expect_code(&out, 0, &["init", "--force"]);
    assert_has(&stderr(&out), &["backed up"]);
    // The new database is empty; the old one is kept beside it as a *.bak.
    assert!(st.participants().is_empty());
    let baks: Vec<_> = std::fs::read_dir(st.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.starts_with("study.db") && n.ends_with(".bak")
        })
        .collect();
    assert_eq!(baks.len(), 1, "one backup beside the database: {baks:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&baks[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "backup mode {mode:o}");
    }
    let old = as_array(
        serde_json::from_str(&stdout(
            &st.fw_db(&baks[0], &["participant", "list", "--json"]),
        ))
        .unwrap(),
    );
    assert_eq!(old.len(), 1);
    assert_eq!(s(&old[0], "code"), code);
}

#[test]
fn participant_add_list_show_edit() {
    let st = Study::new();
    // Data on stdout (the code), the message on stderr.
    let out = st.fw(&[
        "participant",
        "add",
        "--name",
        "Ann Able",
        "--role",
        "ics-ceo",
        "--site",
        "A",
        "--email",
        "ann@example.org",
        "--organisation",
        "ICS A",
    ]);
    expect_code(&out, 0, &["participant", "add"]);
    let code = stdout(&out).trim().to_string();
    assert!(is_export_code(&code), "{code}");
    assert!(stderr(&out).contains(&code));

    let p = st.json(&[
        "participant",
        "add",
        "--name",
        "Bob Baker",
        "--role",
        "Chief quality officer",
        "--site",
        "b",
        "--json",
    ]);
    for key in [
        "id",
        "code",
        "name",
        "site",
        "role",
        "role_category",
        "status",
    ] {
        assert!(p.get(key).is_some(), "participant JSON has `{key}`: {p}");
    }
    assert_eq!(s(&p, "name"), "Bob Baker");
    assert_eq!(s(&p, "site"), "B");
    assert_eq!(s(&p, "role"), "q-cqo");
    assert_eq!(s(&p, "role_category"), "quality");
    assert_eq!(s(&p, "status"), "identified");
    let bob = s(&p, "code").to_string();
    let bob_id = s(&p, "id").to_string();

    let list = st.participants();
    assert_eq!(list.len(), 2);
    for p in &list {
        for key in [
            "id",
            "code",
            "name",
            "site",
            "role",
            "role_category",
            "status",
        ] {
            assert!(p.get(key).is_some(), "participant JSON has `{key}`: {p}");
        }
    }
    // Filters.
    let only_b = as_array(st.json(&["participant", "list", "--site", "B", "--json"]));
    assert_eq!(only_b.len(), 1);
    assert_eq!(s(&only_b[0], "code"), bob);
    let execs = as_array(st.json(&[
        "participant",
        "list",
        "--role-category",
        "ics-exec",
        "--json",
    ]));
    assert_eq!(execs.len(), 1);
    assert_eq!(s(&execs[0], "code"), code);
    let found = as_array(st.json(&["participant", "list", "--search", "bak", "--json"]));
    assert_eq!(found.len(), 1);
    // Fuzzy: the letters in order find a name ("anbl" → Ann Able).
    let found = as_array(st.json(&["participant", "list", "--search", "anbl", "--json"]));
    assert_eq!(found.len(), 1);
    assert_eq!(s(&found[0], "name"), "Ann Able");
    let paged = as_array(st.json(&["participant", "list", "--limit", "1", "--json"]));
    assert_eq!(paged.len(), 1);
    let text = st.ok(&["participant", "list"]);
    assert_has(&text, &[&code, &bob]);

    // Show by code, by id and by id prefix.
    let d = st.show(&code);
    assert_eq!(s(&d, "name"), "Ann Able");
    assert_eq!(s(&d, "email"), "ann@example.org");
    assert!(d["history"].is_array());
    assert_eq!(s(&st.show(&bob_id), "code"), bob);
    assert_eq!(s(&st.show(&bob_id[..8]), "code"), bob);
    assert_has(
        &st.ok(&["participant", "show", &code]),
        &[&code, "Ann Able"],
    );

    // Edit: fields change, an empty value clears, the export code never changes.
    let e = st.json(&[
        "participant",
        "edit",
        &code,
        "--name",
        "Ann Able-Smith",
        "--email",
        "",
        "--site",
        "C",
        "--role",
        "la-dph",
        "--json",
    ]);
    assert_eq!(s(&e, "code"), code);
    assert_eq!(s(&e, "name"), "Ann Able-Smith");
    assert!(e["email"].is_null());
    assert_eq!(s(&e, "site"), "C");
    assert_eq!(s(&e, "role"), "la-dph");
    assert_eq!(s(&e, "role_category"), "local-authority");
    assert_eq!(s(&st.show(&code), "name"), "Ann Able-Smith");
}

#[test]
fn participant_status_moves_along_the_pipeline_with_dated_events() {
    let st = Study::new();
    let code = st.add("Ann Able", "ics-ceo", "A");
    st.ok(&[
        "participant",
        "status",
        &code,
        "invited",
        "--date",
        "2021-10-01",
    ]);
    st.ok(&[
        "participant",
        "status",
        &code,
        "reminded",
        "--date",
        "2021-10-08",
        "--note",
        "by phone",
    ]);
    let d = st.show(&code);
    assert_eq!(s(&d, "status"), "reminded");
    let h = d["history"].as_array().unwrap();
    assert_eq!(h.len(), 3);
    let event = |to: &str| {
        h.iter()
            .find(|e| e["to_status"] == to)
            .unwrap_or_else(|| panic!("no event to {to}: {h:?}"))
    };
    assert!(event("identified")["from_status"].is_null());
    assert_eq!(s(event("identified"), "note"), "added");
    assert_eq!(s(event("invited"), "date"), "2021-10-01");
    assert_eq!(s(event("reminded"), "from_status"), "invited");
    assert_eq!(s(event("reminded"), "date"), "2021-10-08");
    assert_eq!(s(event("reminded"), "note"), "by phone");
    assert_eq!(s(event("reminded"), "recorded_by"), "tester");

    // Consented needs consent in force; withdrawn needs a withdrawal record.
    let err = st.fails(2, &["participant", "status", &code, "consented"]);
    assert_has(&err, &["consent"]);
    let err = st.fails(2, &["participant", "status", &code, "withdrawn"]);
    assert_has(&err, &["consent withdraw"]);
    // The same status twice is refused.
    st.fails(2, &["participant", "status", &code, "reminded"]);
    // A status that is not one is a usage error.
    st.fails(2, &["participant", "status", &code, "asleep"]);
    assert_eq!(st.show(&code)["history"].as_array().unwrap().len(), 3);
}

#[test]
fn consent_record_and_show() {
    let st = Study::new();
    let code = st.add("Ann Able", "ics-ceo", "A");
    let form = st.write("form-v2.txt", "I agree to take part.\n");
    let r = st.json(&[
        "consent",
        "record",
        &code,
        "--date",
        "2021-11-15",
        "--take-part",
        "yes",
        "--audio",
        "no",
        "--quotes",
        "not-asked",
        "--mode",
        "e-consent",
        "--taken-by",
        "AE",
        "--form-file",
        form.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(s(&r, "date"), "2021-11-15");
    assert_eq!(s(&r, "form_version"), "2.0", "the study's current form");
    assert_eq!(s(&r, "form_hash"), sha256_hex(&form));
    assert_eq!(s(&r, "take_part"), "yes");
    assert_eq!(s(&r, "audio"), "no");
    assert!(r["archiving"].is_null(), "items not given stay unset");

    let c = st.json(&["consent", "show", &code, "--date", "2022-01-01", "--json"]);
    assert_eq!(c["in_force"]["take-part"], "yes");
    assert_eq!(c["in_force"]["audio"], "no");
    assert_eq!(c["in_force"]["quotes"], "not-asked");
    assert_eq!(c["in_force"]["archiving"], "unset");
    assert_eq!(c["records"].as_array().unwrap().len(), 1);
    // Before the record, nothing is in force.
    let c = st.json(&["consent", "show", &code, "--date", "2021-11-14", "--json"]);
    assert_eq!(c["in_force"]["take-part"], "unset");
    assert_has(&st.ok(&["consent", "show", &code]), &["yes"]);
    // Consent to take part moves the participant to consented.
    assert_eq!(s(&st.show(&code), "status"), "consented");
    // A record with no answered item is refused.
    let err = st.fails(2, &["consent", "record", &code, "--date", "2021-11-16"]);
    assert_has(&err, &["items"]);
}

#[test]
fn interview_log_list_show_and_update() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let b = st.consented("Bob Baker", "q-cqo", "B");
    let i = st.json(&[
        "interview",
        "log",
        "--participant",
        &a,
        "--date",
        "2022-01-10",
        "--mode",
        "telephone",
        "--duration",
        "55",
        "--interviewer",
        "AE",
        "--recording",
        "recorded",
        "--notes",
        "good",
        "--json",
    ]);
    assert_eq!(s(&i, "kind"), "interview");
    assert_eq!(s(&i, "status"), "done");
    assert_eq!(i["phase"], 1);
    assert_eq!(s(&i, "site"), "A");
    assert_eq!(i["duration_min"], 55);
    assert_eq!(s(&i, "mode"), "telephone");
    assert_eq!(i["consent_gap"], false);
    assert_eq!(s(&i["participants"][0], "code"), a);
    let first = s(&i, "id").to_string();
    assert_eq!(s(&st.show(&a), "status"), "interviewed");

    // Scheduled, then completed with `update`.
    let sched = st.schedule(&b, "2023-02-01");
    assert_eq!(s(&st.show(&b), "status"), "scheduled");
    st.ok(&[
        "interview",
        "update",
        &sched[..8],
        "--status",
        "done",
        "--duration",
        "40",
        "--recording",
        "recorded",
    ]);
    let shown = st.json(&["interview", "show", &sched, "--json"]);
    assert_eq!(s(&shown, "status"), "done");
    assert_eq!(shown["phase"], 2);
    assert_eq!(s(&shown, "site"), "B");
    assert_eq!(shown["duration_min"], 40);
    assert!(shown["tags"].is_array());
    assert_eq!(s(&st.show(&b), "status"), "interviewed");

    let all = st.interviews();
    assert_eq!(all.len(), 2);
    assert_eq!(s(&all[0], "id"), first, "listed by date");
    let p2 = as_array(st.json(&["interview", "list", "--phase", "2", "--json"]));
    assert_eq!(p2.len(), 1);
    assert_eq!(s(&p2[0], "id"), sched);
    let at_a = as_array(st.json(&["interview", "list", "--site", "A", "--json"]));
    assert_eq!(at_a.len(), 1);
    let of_b = as_array(st.json(&["interview", "list", "--participant", &b, "--json"]));
    assert_eq!(of_b.len(), 1);
    let done = as_array(st.json(&["interview", "list", "--status", "done", "--json"]));
    assert_eq!(done.len(), 2);
    assert_has(
        &st.ok(&["interview", "list"]),
        &["2022-01-10", "2023-02-01"],
    );
    assert_has(&st.ok(&["interview", "show", &first]), &[&a]);

    // A group interview across sites needs --site.
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--participant",
            &b,
            "--date",
            "2023-03-01",
        ],
    );
    assert_has(&err, &["different sites", "--site"]);
    let g = st.json(&[
        "interview",
        "log",
        "--participant",
        &a,
        "--participant",
        &b,
        "--date",
        "2023-03-01",
        "--site",
        "D",
        "--json",
    ]);
    assert_eq!(g["participants"].as_array().unwrap().len(), 2);
    assert_eq!(s(&g, "site"), "D");
}

#[test]
fn observation_log_and_list() {
    let st = Study::new();
    let o = st.json(&[
        "observation",
        "log",
        "--type",
        "icb",
        "--site",
        "A",
        "--date",
        "2022-02-01",
        "--title",
        "Board meeting",
        "--attendees",
        "20",
        "--duration",
        "120",
        "--json",
    ]);
    assert_eq!(s(&o, "kind"), "observation");
    assert_eq!(o["phase"], 1);
    assert_eq!(s(&o, "meeting_type"), "icb");
    assert_eq!(o["attendees"], 20);
    let id = st
        .ok(&[
            "observation",
            "log",
            "--type",
            "quality-forum",
            "--site",
            "D",
            "--date",
            "2023-04-01",
        ])
        .trim()
        .to_string();
    let all = as_array(st.json(&["observation", "list", "--json"]));
    assert_eq!(all.len(), 2);
    let p2 = as_array(st.json(&["observation", "list", "--phase", "2", "--json"]));
    assert_eq!(p2.len(), 1);
    assert_eq!(s(&p2[0], "id"), id);
    let d = as_array(st.json(&["observation", "list", "--site", "D", "--json"]));
    assert_eq!(d.len(), 1);
    assert_has(&st.ok(&["observation", "list"]), &["2022-02-01"]);
    // Observations are not interviews.
    assert!(st.interviews().is_empty());
    let err = st.fails(
        2,
        &[
            "observation",
            "log",
            "--type",
            "tea",
            "--site",
            "A",
            "--date",
            "2022-02-01",
        ],
    );
    assert_has(&err, &["tea", "icb", "icp-board"]);
}

#[test]
fn document_add_and_list() {
    let st = Study::new();
    let d = st.json(&[
        "document",
        "add",
        "--title",
        "Quality strategy",
        "--site",
        "B",
        "--date",
        "2022-03-01",
        "--type",
        "quality strategy",
        "--json",
    ]);
    assert_eq!(s(&d, "kind"), "document");
    assert_eq!(d["phase"], 1);
    assert_eq!(s(&d, "doc_type"), "quality strategy");
    st.ok(&[
        "document",
        "add",
        "--title",
        "Strategic plan",
        "--site",
        "C",
        "--date",
        "2023-01-15",
    ]);
    let all = as_array(st.json(&["document", "list", "--json"]));
    assert_eq!(all.len(), 2);
    let b = as_array(st.json(&["document", "list", "--site", "B", "--json"]));
    assert_eq!(b.len(), 1);
    assert_eq!(s(&b[0], "title"), "Quality strategy");
    assert_has(&st.ok(&["document", "list"]), &["Strategic plan"]);
    let cov = st.json(&["coverage", "--json"]);
    assert_eq!(cov["documents"], 2);
    st.fails(
        2,
        &[
            "document",
            "add",
            "--title",
            " ",
            "--site",
            "B",
            "--date",
            "2022-03-01",
        ],
    );
}

#[test]
fn transcript_link_list_and_verify() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.interview(&a, "2022-01-10");
    let file = st.write("transcripts/site-a/ann.txt", "Interviewer: hello\n");
    let out = st.fw(&["transcript", "link", &sid, file.to_str().unwrap()]);
    expect_code(&out, 0, &["transcript", "link"]);
    assert_eq!(stdout(&out).trim(), "site-a/ann.txt");

    let rows = as_array(st.json(&["transcript", "list", "--json"]));
    assert_eq!(rows.len(), 1);
    assert_eq!(s(&rows[0], "state"), "linked");
    assert_eq!(s(&rows[0]["transcript"], "path"), "site-a/ann.txt");
    assert_eq!(s(&rows[0]["transcript"], "sha256"), sha256_hex(&file));
    assert_has(&st.ok(&["transcript", "list"]), &["site-a/ann.txt"]);

    let v = as_array(st.json(&["transcript", "verify", "--json"]));
    assert_eq!(v.len(), 1);
    assert_eq!(s(&v[0], "status"), "ok");
    let out = st.fw(&["transcript", "verify"]);
    expect_code(&out, 0, &["transcript", "verify"]);
    assert_has(&stderr(&out), &["1 transcript(s) checked, 1 ok"]);
}

#[test]
fn theme_add_list_history_and_tag_add_list_remove() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.interview(&a, "2022-01-10");

    // Two frameworks: a new top-level theme needs --framework.
    let err = st.fails(2, &["theme", "add", "Workforce"]);
    assert_has(&err, &["--framework", "QMS"]);
    let id = st
        .ok(&[
            "theme",
            "add",
            "Workforce",
            "--framework",
            "QMS",
            "--description",
            "Staffing",
            "--colour",
            "#AA0000",
        ])
        .trim()
        .to_string();
    st.ok(&["theme", "add", "Retention", "--parent", "QMS/Workforce"]);
    st.fails(
        2,
        &[
            "theme",
            "add",
            "Bad",
            "--framework",
            "QMS",
            "--colour",
            "red",
        ],
    );
    st.fails(2, &["theme", "add", "Workforce", "--framework", "QMS"]);
    let themes = as_array(st.json(&["theme", "list", "--json"]));
    let w = themes.iter().find(|t| t["id"] == id.as_str()).unwrap();
    assert_eq!(s(w, "path"), "QMS/Workforce");
    assert_eq!(s(w, "colour"), "#aa0000");
    assert!(themes
        .iter()
        .any(|t| t["path"] == "QMS/Workforce/Retention"));
    assert_has(&st.ok(&["theme", "list"]), &["Workforce", "Retention"]);

    let out = st.fw(&[
        "tag",
        "add",
        &sid,
        "Workforce",
        "QMS/Quality control",
        "--memo",
        "m",
    ]);
    expect_code(&out, 0, &["tag", "add"]);
    assert_eq!(stdout(&out).lines().count(), 2, "one tag id per line");
    let tags = as_array(st.json(&["tag", "list", "--json"]));
    assert_eq!(tags.len(), 2);
    assert!(tags.iter().all(|t| t["session_id"] == sid.as_str()));
    let by_theme = as_array(st.json(&["tag", "list", "--theme", "Workforce", "--json"]));
    assert_eq!(by_theme.len(), 1);
    assert_eq!(s(&by_theme[0], "memo"), "m");
    let by_session = as_array(st.json(&["tag", "list", "--session", &sid, "--json"]));
    assert_eq!(by_session.len(), 2);
    assert_has(&st.ok(&["tag", "list"]), &["Workforce"]);
    let shown = st.json(&["interview", "show", &sid, "--json"]);
    assert_eq!(shown["tags"].as_array().unwrap().len(), 2);

    // Remove by session and theme, and by id.
    st.ok(&["tag", "remove", "--session", &sid, "--theme", "Workforce"]);
    let left = as_array(st.json(&["tag", "list", "--json"]));
    assert_eq!(left.len(), 1);
    // By the short id that the text list shows.
    let short = &s(&left[0], "id")[..8];
    assert_has(&st.ok(&["tag", "list"]), &[short]);
    st.ok(&["tag", "remove", short]);
    assert!(as_array(st.json(&["tag", "list", "--json"])).is_empty());
    // And by the full id.
    st.ok(&["tag", "add", &sid, "Workforce"]);
    let left = as_array(st.json(&["tag", "list", "--json"]));
    st.ok(&["tag", "remove", s(&left[0], "id")]);
    assert!(as_array(st.json(&["tag", "list", "--json"])).is_empty());
    st.fails(2, &["tag", "remove"]);
    st.fails(
        2,
        &["tag", "remove", "--session", &sid, "--theme", "Workforce"],
    );

    let h = as_array(st.json(&["theme", "history", "Workforce", "--json"]));
    assert_eq!(s(&h[0], "action"), "created");
    assert_has(&st.ok(&["theme", "history", "Workforce"]), &["created"]);
}

#[test]
fn import_participants_from_a_good_csv() {
    let st = Study::new();
    st.add("Already Here", "ics-ceo", "A");
    let csv = st.write(
        "people.csv",
        "Name,Role,Site,E-mail,Phone,Organisation,Job title,Notes,Status\n\
         Ann Able,ics-ceo,B,ann@example.org,0100 200300,ICS B,Chief executive,,invited\n\
         \"Baker, Bob\",Chief quality officer,c,,,,,\"said \"\"yes\"\"\",\n\
         Cat Cole,la-dph,D,,,,,,\n",
    );
    let out = st.fw(&["import", "participants", csv.to_str().unwrap()]);
    expect_code(&out, 0, &["import", "participants"]);
    let printed = stdout(&out);
    let lines: Vec<&str> = printed.lines().map(str::trim).collect();
    assert_eq!(lines.len(), 3, "one line per imported row");
    for (l, n) in lines.iter().zip([2, 3, 4]) {
        let (code, line) = l.split_once('\t').unwrap();
        assert!(is_export_code(code), "{code}");
        assert_eq!(line, format!("line {n}"));
    }
    assert_has(&stderr(&out), &["imported 3 participant(s)"]);
    let all = st.participants();
    assert_eq!(all.len(), 4);
    let bob = all.iter().find(|p| p["name"] == "Baker, Bob").unwrap();
    assert_eq!(s(bob, "site"), "C");
    assert_eq!(s(bob, "role"), "q-cqo");
    assert_eq!(s(bob, "notes"), "said \"yes\"");
    assert_eq!(s(bob, "status"), "identified");
    let ann = all.iter().find(|p| p["name"] == "Ann Able").unwrap();
    assert_eq!(s(ann, "status"), "invited");
    assert_eq!(s(ann, "email"), "ann@example.org");
    assert_eq!(s(ann, "job_title"), "Chief executive");
    let codes: std::collections::HashSet<&str> = all.iter().map(|p| s(p, "code")).collect();
    assert_eq!(codes.len(), 4, "codes are unique");
    // One audit entry for the import itself.
    assert!(st
        .audit()
        .iter()
        .any(|e| e["entity"] == "import" && e["action"] == "participants"));
}

#[test]
fn coverage_json_has_cells_for_every_phase_and_site() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let d = st.consented("Dee Dunn", "q-cqo", "D");
    st.interview(&a, "2021-12-01");
    st.interview(&a, "2023-02-01");
    st.interview(&d, "2023-03-01");
    // Scheduled and cancelled interviews do not count.
    let later = st.schedule(&d, "2023-04-01");
    st.schedule(&d, "2023-04-02");
    st.ok(&["interview", "update", &later, "--status", "cancelled"]);
    let cov = st.json(&["coverage", "--json"]);
    assert_eq!(cov["total_interviews"], 3);
    let cells = cov["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 8, "2 phases x 4 sites");
    for phase in [1, 2] {
        for site in ["A", "B", "C", "D"] {
            let c = cells
                .iter()
                .find(|c| c["phase"] == phase && c["site"] == site)
                .unwrap_or_else(|| panic!("cell {phase}/{site}"));
            assert_eq!(c["target"], if phase == 1 { 15 } else { 13 }, "{c}");
            let expected = match (phase, site) {
                (1, "A") | (2, "A") | (2, "D") => 1,
                _ => 0,
            };
            assert_eq!(c["interviews"], expected, "{c}");
        }
    }
    // The text report renders too.
    let text = st.ok(&["coverage"]);
    assert!(!text.trim().is_empty());
}

#[test]
fn check_reports_problems_with_exit_1() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    st.interview(&a, "2022-01-10");
    // A completed interview without a transcript is a problem.
    let out = st.fw(&["check"]);
    expect_code(&out, 1, &["check"]);
    let out = st.fw(&["check", "--json"]);
    expect_code(&out, 1, &["check", "--json"]);
    let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["ok"], false);
    let kinds: Vec<&str> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| s(p, "kind"))
        .collect();
    assert_eq!(kinds, ["no-transcript"]);

    // A status that contradicts the records is a problem too.
    let st = Study::new();
    let b = st.add("Bob Baker", "q-cqo", "B");
    st.ok(&["participant", "status", &b, "interviewed"]);
    let out = st.fw(&["check", "--json"]);
    expect_code(&out, 1, &["check", "--json"]);
    let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["problems"][0]["kind"], "status");
    assert_eq!(r["problems"][0]["entity"], "participant");
    assert_has(s(&r["problems"][0], "message"), &[&b]);
}

#[test]
fn the_database_is_found_from_db_then_env_then_config() {
    let st = Study::empty();
    st.write("fieldwork.toml", "database = \"from-config.db\"\n");
    let run = |env_db: Option<&str>, args: &[&str]| {
        let mut c = st.command();
        if let Some(e) = env_db {
            c.env("FIELDWORK_DB", st.path().join(e));
        }
        c.args(args).output().unwrap()
    };
    expect_code(&run(None, &["init"]), 0, &["init"]);
    assert!(st.path().join("from-config.db").is_file());
    expect_code(&run(Some("from-env.db"), &["init"]), 0, &["init"]);
    assert!(st.path().join("from-env.db").is_file());
    let db = st.path().join("from-flag.db");
    let out = run(Some("from-env.db"), &["--db", db.to_str().unwrap(), "init"]);
    expect_code(&out, 0, &["--db", "init"]);
    assert!(db.is_file());
    // Each one is used for reads and writes too.
    let out = run(
        Some("from-env.db"),
        &[
            "participant",
            "add",
            "--name",
            "Ann",
            "--role",
            "ics-ceo",
            "--site",
            "A",
        ],
    );
    expect_code(&out, 0, &["participant", "add"]);
    let count = |db: &str| {
        let out = st.fw_db(&st.path().join(db), &["participant", "list", "--json"]);
        as_array(serde_json::from_str(&stdout(&out)).unwrap()).len()
    };
    assert_eq!(count("from-env.db"), 1);
    assert_eq!(count("from-config.db"), 0);
    assert_eq!(count("from-flag.db"), 0);
}

#[test]
fn backup_makes_a_copy_that_opens_and_never_overwrites() {
    let st = Study::new();
    let code = st.add("Ann Able", "ics-ceo", "A");
    let dest = st.path().join("backups/copy.db");
    let out = st.fw(&["backup", dest.to_str().unwrap()]);
    expect_code(&out, 0, &["backup"]);
    assert_has(&stderr(&out), &["backed up"]);
    let copy = as_array(
        serde_json::from_str(&stdout(
            &st.fw_db(&dest, &["participant", "list", "--json"]),
        ))
        .unwrap(),
    );
    assert_eq!(copy.len(), 1);
    assert_eq!(s(&copy[0], "code"), code);
    assert_eq!(dump(&dest), dump(&st.db()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "backup mode {mode:o}");
        // The folder the backup made for itself is owner-only too.
        let dir = std::fs::metadata(st.path().join("backups")).unwrap();
        assert_eq!(dir.permissions().mode() & 0o777, 0o700);
    }

    // An existing file is never overwritten.
    let other = st.write("precious.txt", "keep me");
    let err = st.fails(2, &["backup", other.to_str().unwrap()]);
    assert_has(&err, &["already exists"]);
    assert_eq!(std::fs::read(&other).unwrap(), b"keep me");
    let before = dump(&dest);
    st.add("Bob Baker", "q-cqo", "B");
    st.fails(2, &["backup", dest.to_str().unwrap()]);
    assert_eq!(dump(&dest), before);
}

#[test]
fn the_audit_log_grows_with_every_write() {
    let st = Study::new();
    let mut n = st.audit().len();
    assert!(n >= 1, "init writes the study creation");
    let mut grew = |what: &str, st: &Study| {
        let m = st.audit().len();
        assert!(m > n, "{what} did not add to the audit log ({n} -> {m})");
        n = m;
    };
    let a = st.add("Ann Able", "ics-ceo", "A");
    grew("participant add", &st);
    st.ok(&["participant", "edit", &a, "--phone", "0100 200300"]);
    grew("participant edit", &st);
    st.ok(&[
        "participant",
        "status",
        &a,
        "invited",
        "--date",
        "2021-10-01",
    ]);
    grew("participant status", &st);
    st.consent(&a, "2021-10-02");
    grew("consent record", &st);
    let sid = st.interview(&a, "2022-01-10");
    grew("interview log", &st);
    let sched = st.schedule(&a, "2022-02-10");
    grew("interview schedule", &st);
    st.ok(&["interview", "update", &sched, "--status", "cancelled"]);
    grew("interview update", &st);
    st.ok(&[
        "observation",
        "log",
        "--type",
        "icb",
        "--site",
        "A",
        "--date",
        "2022-01-11",
    ]);
    grew("observation log", &st);
    st.ok(&[
        "document",
        "add",
        "--title",
        "Plan",
        "--site",
        "A",
        "--date",
        "2022-01-12",
    ]);
    grew("document add", &st);
    let f = st.write("transcripts/a.txt", "text");
    st.ok(&["transcript", "link", &sid, f.to_str().unwrap()]);
    grew("transcript link", &st);
    st.ok(&["theme", "add", "Workforce", "--framework", "QMS"]);
    grew("theme add", &st);
    st.ok(&["theme", "rename", "Workforce", "Staffing"]);
    grew("theme rename", &st);
    st.ok(&["tag", "add", &sid, "Staffing"]);
    grew("tag add", &st);
    st.ok(&["tag", "remove", "--session", &sid, "--theme", "Staffing"]);
    grew("tag remove", &st);
    st.ok(&["theme", "merge", "Staffing", "QMS/Quality planning"]);
    grew("theme merge", &st);
    st.ok(&["theme", "retire", "QMS/Partnerships"]);
    grew("theme retire", &st);
    let csv = st.write("p.csv", "name,role,site\nBob Baker,q-cqo,B\n");
    st.ok(&["import", "participants", csv.to_str().unwrap()]);
    grew("import", &st);
    st.ok(&[
        "consent",
        "withdraw",
        &a,
        "--scope",
        "no-further-contact",
        "--date",
        "2022-03-01",
    ]);
    grew("consent withdraw", &st);

    // Newest first; filtered by entity; text form.
    let entries = st.audit();
    assert_eq!(s(&entries[0], "entity"), "participant");
    assert_eq!(s(&entries[0], "action"), "status");
    let pid = s(&st.show(&a), "id").to_string();
    let mine = as_array(st.json(&["audit", "--entity", &pid, "--json", "--limit", "1000"]));
    assert!(mine.len() >= 4);
    assert!(mine.iter().all(|e| e["entity_id"] == pid.as_str()));
    assert_eq!(
        as_array(st.json(&["audit", "--limit", "2", "--json"])).len(),
        2
    );
    assert_has(&st.ok(&["audit"]), &["participant", "tester"]);
    // Reads do not write.
    st.ok(&["participant", "list"]);
    st.ok(&["coverage"]);
    assert_eq!(st.audit().len(), n);
}

#[test]
fn every_list_and_show_prints_json_with_json() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.interview(&a, "2022-01-10");
    st.ok(&["tag", "add", &sid, "Partnerships"]);
    st.ok(&[
        "observation",
        "log",
        "--type",
        "icb",
        "--site",
        "A",
        "--date",
        "2022-01-11",
    ]);
    st.ok(&[
        "document",
        "add",
        "--title",
        "Plan",
        "--site",
        "A",
        "--date",
        "2022-01-12",
    ]);
    let lists: &[&[&str]] = &[
        &["participant", "list", "--json"],
        &["interview", "list", "--json"],
        &["observation", "list", "--json"],
        &["document", "list", "--json"],
        &["transcript", "list", "--json"],
        &["theme", "list", "--json"],
        &["tag", "list", "--json"],
        &["theme", "history", "Partnerships", "--json"],
        &["audit", "--json"],
    ];
    for args in lists {
        let v = st.json(args);
        let a = v
            .as_array()
            .unwrap_or_else(|| panic!("{args:?}: not an array"));
        assert!(!a.is_empty(), "{args:?}: empty");
        assert!(a.iter().all(Value::is_object), "{args:?}");
    }
    let shows: &[&[&str]] = &[
        &["participant", "show", &a, "--json"],
        &["interview", "show", &sid, "--json"],
        &["consent", "show", &a, "--json"],
        &["study", "--json"],
        &["coverage", "--json"],
    ];
    for args in shows {
        assert!(st.json(args).is_object(), "{args:?}: not an object");
    }
    let out = st.fw(&["check", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("check --json");
    assert!(v["problems"].is_array());
    let out = st.fw(&["transcript", "verify", "--json"]);
    expect_code(&out, 0, &["transcript", "verify", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).expect("transcript verify --json");
    assert!(v.as_array().unwrap().is_empty());
    // Nothing but JSON on stdout: messages stay on stderr.
    let out = st.fw(&[
        "participant",
        "add",
        "--name",
        "Bob",
        "--role",
        "q-cqo",
        "--site",
        "B",
        "--json",
    ]);
    expect_code(&out, 0, &["participant", "add", "--json"]);
    serde_json::from_str::<Value>(&stdout(&out)).expect("only JSON on stdout");
}

#[test]
fn the_audit_log_keeps_before_and_after_of_an_edit() {
    let st = Study::new();
    let a = st.add("Ann Able", "ics-ceo", "A");
    st.ok(&["participant", "edit", &a, "--name", "Ann Bell"]);
    let n = st.audit().len();
    // An edit that changes nothing writes nothing.
    st.ok(&["participant", "edit", &a, "--name", "Ann Bell"]);
    assert_eq!(st.audit().len(), n);
    let e = &st.audit()[0];
    assert_eq!(s(e, "entity"), "participant");
    assert_eq!(s(e, "action"), "edit");
    assert_eq!(s(e, "by"), "tester");
    assert_eq!(e["before"]["name"], "Ann Able");
    assert_eq!(e["after"]["name"], "Ann Bell");
    assert_eq!(e["before"]["code"], e["after"]["code"]);
}

#[test]
fn concurrent_writers_all_succeed() {
    let st = Study::new();
    let children: Vec<_> = (0..6)
        .map(|i| {
            let name = format!("Person {i}");
            st.command()
                .arg("--db")
                .arg(st.db())
                .args([
                    "participant",
                    "add",
                    "--name",
                    &name,
                    "--role",
                    "q-manager",
                    "--site",
                ])
                .arg(["A", "B", "C", "D"][i % 4])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        expect_code(&out, 0, &["participant", "add"]);
    }
    let all = st.participants();
    assert_eq!(all.len(), 6);
    let codes: std::collections::HashSet<&str> = all.iter().map(|p| s(p, "code")).collect();
    assert_eq!(codes.len(), 6);
    let out = st.fw(&["check"]);
    expect_code(&out, 0, &["check"]);
}

#[test]
fn text_output_never_prints_terminal_control_characters_from_data() {
    let st = Study::new();
    let evil = "x\u{1b}[2J\u{1b}]0;owned\u{7}y";
    let a = st.add("Ann Able", "ics-ceo", "A");
    st.ok(&["participant", "edit", &a, "--notes", evil]);
    st.ok(&[
        "consent",
        "record",
        &a,
        "--date",
        "2021-10-01",
        "--take-part",
        "yes",
        "--file-ref",
        evil,
        "--taken-by",
        evil,
    ]);
    let sid = st
        .ok(&[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-01-10",
            "--notes",
            evil,
            "--interviewer",
            evil,
        ])
        .trim()
        .to_string();
    st.ok(&[
        "observation",
        "log",
        "--type",
        "icb",
        "--site",
        "A",
        "--date",
        "2022-01-11",
        "--title",
        evil,
        "--notes",
        evil,
        "--observer",
        evil,
    ]);
    st.ok(&[
        "document",
        "add",
        "--title",
        evil,
        "--site",
        "A",
        "--date",
        "2022-01-12",
        "--notes",
        evil,
        "--type",
        evil,
    ]);
    st.ok(&[
        "theme",
        "add",
        "Esc",
        "--framework",
        "QMS",
        "--description",
        evil,
    ]);
    st.ok(&["tag", "add", &sid, "Esc", "--memo", evil]);
    let b = st.add("Bob Baker", "q-cqo", "B");
    st.ok(&[
        "consent",
        "withdraw",
        &b,
        "--scope",
        "no-further-contact",
        "--reason",
        evil,
    ]);
    for args in [
        &["participant", "list"][..],
        &["participant", "show", &a],
        &["participant", "show", &b],
        &["consent", "show", &a],
        &["consent", "show", &b],
        &["interview", "list"],
        &["interview", "show", &sid],
        &["observation", "list"],
        &["document", "list"],
        &["transcript", "list"],
        &["theme", "list"],
        &["theme", "history", "Esc"],
        &["tag", "list"],
        &["coverage"],
        &["check"],
        &["audit"],
    ] {
        let out = st.fw(args);
        let text = stdout(&out);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{args:?} printed a control character:\n{text:?}"
        );
        assert!(!stderr(&out).contains('\u{1b}'), "{args:?}: stderr");
    }
}
