//! Bad input: configuration files, CSV imports, files that are not our database, a newer
//! schema, unknown ids, bad dates; and every failed command leaves the database unchanged.

mod common;

use common::*;

// ---------------------------------------------------------------- configuration

#[test]
fn a_config_with_an_unknown_key_is_located_and_valid_keys_suggested() {
    let st = Study::empty();
    st.write("fieldwork.toml", "[user]\nname = \"Ann\"\nnmae = \"x\"\n");
    // Picked up from the current folder.
    let out = st.fw(&["init"]);
    expect_code(&out, 2, &["init"]);
    let err = stderr(&out);
    assert_has(
        &err,
        &["fieldwork.toml:3:1", "nmae", "`name`", "`initials`"],
    );
    assert!(!st.db().exists(), "nothing created");
    // And through --config and $FIELDWORK_CONFIG, from another folder.
    let cfg = st.path().join("fieldwork.toml");
    let elsewhere = st.path().join("sub");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let out = st
        .command()
        .current_dir(&elsewhere)
        .arg("--config")
        .arg(&cfg)
        .args(["study"])
        .output()
        .unwrap();
    expect_code(&out, 2, &["--config", "study"]);
    assert_has(&stderr(&out), &[":3:1", "nmae"]);
    let out = st
        .command()
        .current_dir(&elsewhere)
        .env("FIELDWORK_CONFIG", &cfg)
        .args(["study"])
        .output()
        .unwrap();
    expect_code(&out, 2, &["FIELDWORK_CONFIG", "study"]);
    assert_has(&stderr(&out), &[":3:1", "nmae"]);
}

#[test]
fn an_unknown_top_level_key_names_the_key() {
    let st = Study::empty();
    let cfg = st.write("cfg.toml", "databse = \"x.db\"\n");
    let out = st.fw(&["--config", cfg.to_str().unwrap(), "init"]);
    expect_code(&out, 2, &["init"]);
    let err = stderr(&out);
    assert_has(&err, &["cfg.toml:1:1", "databse", "database"]);
    assert!(!st.db().exists());
}

#[test]
fn a_config_with_an_unknown_target_site_lists_the_valid_sites() {
    let st = Study::empty();
    let study =
        include_str!("../assets/study.toml").replace("targets = { A = 15,", "targets = { Z = 15,");
    st.write("fieldwork.toml", &study);
    let line = study
        .lines()
        .position(|l| l.contains("Z = 15"))
        .map(|i| i + 1)
        .unwrap();
    let out = st.fw(&["init"]);
    expect_code(&out, 2, &["init"]);
    let err = stderr(&out);
    assert_has(
        &err,
        &[
            &format!("fieldwork.toml:{line}:"),
            "study.phases[0].targets.Z",
            "unknown site code `Z`",
            "A, B, C, D",
        ],
    );
    assert!(!st.db().exists());
}

#[test]
fn a_malformed_config_is_located() {
    let st = Study::empty();
    st.write("fieldwork.toml", "[user]\nname = \"Ann\"\n[rules\n");
    let out = st.fw(&["init"]);
    expect_code(&out, 2, &["init"]);
    assert_has(&stderr(&out), &["fieldwork.toml:3:", "unclosed table"]);
    st.write(
        "fieldwork.toml",
        "[user]\nname = \"Ann\ninitials = \"AE\"\n",
    );
    let out = st.fw(&["init"]);
    expect_code(&out, 2, &["init"]);
    assert_has(&stderr(&out), &["fieldwork.toml:2:", "user.name"]);
    st.write("fieldwork.toml", "[user]\nname = Ann\n");
    let out = st.fw(&["participant", "list"]);
    expect_code(&out, 2, &["participant", "list"]);
    assert_has(&stderr(&out), &["fieldwork.toml:2:8"]);
    assert!(!st.db().exists());
}

#[test]
fn a_bad_config_value_is_located() {
    let st = Study::empty();
    st.write(
        "fieldwork.toml",
        "[rules]\ninterview_without_consent = \"maybe\"\n",
    );
    let out = st.fw(&["init"]);
    expect_code(&out, 2, &["init"]);
    assert_has(
        &stderr(&out),
        &[
            "fieldwork.toml:2:",
            "interview_without_consent",
            "refuse",
            "record-gap",
        ],
    );
}

#[test]
fn a_missing_config_file_given_explicitly_is_an_error() {
    let st = Study::empty();
    let out = st.fw(&["--config", "nope.toml", "init"]);
    expect_code(&out, 2, &["--config", "nope.toml", "init"]);
    assert_has(&stderr(&out), &["nope.toml", "cannot read"]);
    assert!(!st.db().exists());
}

#[test]
fn a_settings_only_config_applies_to_the_built_in_study() {
    let st = Study::empty();
    st.write(
        "fieldwork.toml",
        "database = \"data/my.db\"\n[user]\ninitials = \"AE\"\n[rules]\ninterview_without_consent = \"record-gap\"\n",
    );
    // The database path comes from the config, relative to its folder.
    let out = st.fw_raw(&["init"]);
    expect_code(&out, 0, &["init"]);
    let db = st.path().join("data/my.db");
    assert!(db.is_file());
    let out = st.fw_raw(&[
        "participant",
        "add",
        "--name",
        "Ann Able",
        "--role",
        "ics-ceo",
        "--site",
        "A",
    ]);
    expect_code(&out, 0, &["participant", "add"]);
    let code = stdout(&out).trim().to_string();
    // record-gap: an interview without consent is logged as a gap, not refused.
    let out = st.fw_raw(&[
        "interview",
        "log",
        "--participant",
        &code,
        "--date",
        "2022-01-10",
    ]);
    expect_code(&out, 0, &["interview", "log"]);
    assert_has(&stderr(&out), &["consent gap"]);
    let out = st.fw_raw(&["audit", "--json"]);
    let entries = as_array(serde_json::from_str(&stdout(&out)).unwrap());
    assert!(
        entries.iter().all(|e| e["by"] == "AE"),
        "the configured user"
    );
}

// ---------------------------------------------------------------- CSV import

fn import_fails(st: &Study, name: &str, csv: impl AsRef<[u8]>) -> String {
    let f = st.write(name, csv);
    let before = st.snapshot();
    let err = st.fails(2, &["import", "participants", f.to_str().unwrap()]);
    assert_eq!(
        st.snapshot(),
        before,
        "a failed import changed the database"
    );
    assert_has(&err, &["nothing was imported"]);
    err
}

#[test]
fn a_csv_with_bad_rows_reports_every_one_and_imports_nothing() {
    let st = Study::new();
    st.add("Existing Person", "ics-ceo", "A");
    let csv = "name,role,site,email,status\n\
               Good One,ics-ceo,B,,\n\
               Bad Role,chief-wizard,A,,\n\
               Bad Site,q-cqo,Z,,\n\
               ,q-cqo,A,,\n\
               Bad Email,q-cqo,A,not-an-email,\n\
               Bad Status,q-cqo,A,,sleeping\n\
               Good Two,la-dph,C,,\n\
               Good Two,la-dph,C,,\n\
               Existing Person,ics-ceo,A,,\n\
               Starts Withdrawn,q-cqo,A,,withdrawn\n";
    let err = import_fails(&st, "bad.csv", csv);
    let expect = [
        (3, "role", "chief-wizard"),
        (4, "site", "`Z`"),
        (5, "name", "required"),
        (6, "email", "not-an-email"),
        (7, "status", "sleeping"),
        (9, "name", "appears twice"),
        (10, "name", "already in the database"),
        (11, "status", "withdrawn"),
    ];
    for (line, field, detail) in expect {
        let l = err
            .lines()
            .find(|l| l.contains(&format!("bad.csv:{line}:")))
            .unwrap_or_else(|| panic!("line {line} not reported:\n{err}"));
        assert_has(l, &[&format!("field `{field}`"), detail]);
    }
    assert_has(&err, &[&format!("{} problem(s)", expect.len())]);
    // The valid site codes and role codes are named.
    assert_has(&err, &["A, B, C, D", "ics-ceo"]);
    // Good rows are not reported.
    for line in [2, 8] {
        assert!(!err.contains(&format!("bad.csv:{line}:")), "{err}");
    }
    assert_eq!(st.participants().len(), 1);
}

#[test]
fn control_characters_from_a_csv_are_escaped_in_messages() {
    let st = Study::new();
    let err = import_fails(
        &st,
        "evil.csv",
        "name,role,site\nAnn,\u{1b}[2Jwizard,A\nBob,q-cqo,\u{1b}]0;x\u{7}\n",
    );
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{7}'),
        "raw control characters in: {err:?}"
    );
    assert_has(
        &err,
        &[
            "evil.csv:2: field `role`",
            "\\u{1b}[2Jwizard",
            "evil.csv:3: field `site`",
        ],
    );
}

#[test]
fn a_csv_row_with_the_wrong_number_of_fields_is_reported_by_line() {
    let st = Study::new();
    let err = import_fails(
        &st,
        "short.csv",
        "name,role,site\nAnn Able,ics-ceo,A\nBob Baker,q-cqo\nCat Cole,la-dph,D,extra\n",
    );
    assert_has(
        &err,
        &[
            "short.csv:3: the row has 2 field(s), but the header has 3",
            "short.csv:4: the row has 4 field(s), but the header has 3",
        ],
    );
    assert!(!err.contains("short.csv:2:"), "{err}");
    assert!(st.participants().is_empty());
}

#[test]
fn csv_line_numbers_count_blank_lines_quoted_newlines_and_crlf() {
    let st = Study::new();
    // A quoted field over two lines, then blank lines, with CRLF line ends and a BOM.
    let csv = "\u{feff}Name,Role,Site,Notes\r\n\
               Ann Able,ics-ceo,A,\"line one\r\nline two\"\r\n\
               Bob Baker,wizard,A,\r\n\
               \r\n\
               \r\n\
               Cat Cole,q-cqo,Z,\r\n\
               Dan Dale,la-dph\r\n";
    let err = import_fails(&st, "lines.csv", csv);
    assert_has(
        &err,
        &[
            "lines.csv:4: field `role`",
            "lines.csv:7: field `site`",
            "lines.csv:8: the row has 2 field(s)",
        ],
    );
    assert_has(&err, &["3 problem(s)"]);
    // Without the bad rows, the good ones import and are reported by their lines.
    let f = st.write(
        "good.csv",
        "\u{feff}Name,Role,Site,Notes\r\n\
         Ann Able,ics-ceo,A,\"line one\r\nline two\"\r\n\
         \r\n\
         Cat Cole,q-cqo,C,\r\n",
    );
    let out = st.ok(&["import", "participants", f.to_str().unwrap()]);
    let lines: Vec<&str> = out.lines().map(|l| l.split_once('\t').unwrap().1).collect();
    assert_eq!(lines, ["line 2", "line 5"]);
    let ann = st
        .participants()
        .into_iter()
        .find(|p| p["name"] == "Ann Able")
        .unwrap();
    assert_eq!(s(&ann, "notes"), "line one\r\nline two");
}

#[test]
fn a_csv_with_an_unknown_or_missing_column_is_refused() {
    let st = Study::new();
    let err = import_fails(
        &st,
        "cols.csv",
        "name,role,site,shoe_size\nAnn Able,ics-ceo,A,9\n",
    );
    assert_has(
        &err,
        &["cols.csv:1:", "shoe_size", "valid columns", "job_title"],
    );
    let err = import_fails(&st, "nosite.csv", "name,role\nAnn Able,ics-ceo\n");
    assert_has(&err, &["nosite.csv:1:", "`site`", "missing"]);
    let err = import_fails(&st, "empty.csv", "name,role,site\n");
    assert_has(&err, &["no participant rows"]);
    let err = import_fails(
        &st,
        "latin1.csv",
        b"name,role,site\nJos\xe9,ics-ceo,A\n".as_slice(),
    );
    assert_has(&err, &["not UTF-8"]);
    assert!(st.participants().is_empty());
}

#[test]
fn a_missing_csv_or_consent_form_file_is_bad_input_and_writes_nothing() {
    let st = Study::new();
    let before = st.snapshot();
    let err = st.fails(2, &["import", "participants", "nope.csv"]);
    assert_has(&err, &["nope.csv", "no such file"]);
    assert_eq!(st.snapshot(), before);
    let a = st.add("Ann Able", "ics-ceo", "A");
    let before = st.snapshot();
    let err = st.fails(
        2,
        &[
            "consent",
            "record",
            &a,
            "--take-part",
            "yes",
            "--date",
            "2022-01-01",
            "--form-file",
            "no-form.txt",
        ],
    );
    assert_has(&err, &["no-form.txt", "no such file"]);
    assert_eq!(st.snapshot(), before);
}

// ---------------------------------------------------------------- not our database

fn refused_untouched(st: &Study, file: &std::path::Path, needles: &[&str]) {
    let bytes = std::fs::read(file).unwrap();
    for args in [
        &["participant", "list", "--json"][..],
        &[
            "participant",
            "add",
            "--name",
            "Ann",
            "--role",
            "ics-ceo",
            "--site",
            "A",
        ][..],
        &["check"][..],
        &["init", "--force"][..],
    ] {
        let out = st.fw_db(file, args);
        expect_code(&out, 2, args);
        let err = stderr(&out);
        assert_has(&err, needles);
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
        assert_eq!(
            std::fs::read(file).unwrap(),
            bytes,
            "{args:?} changed the file"
        );
    }
    // No companion files and no backup were written beside it.
    let names: Vec<String> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".bak") || n.ends_with("-wal") || n.ends_with("-shm"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn a_text_file_is_not_a_database_and_is_left_alone() {
    let st = Study::empty();
    let f = st.write(
        "notes.db",
        "These are my field notes, not a database.\n".repeat(10),
    );
    refused_untouched(
        &st,
        &f,
        &[
            "not a fieldwork database",
            "not an SQLite database",
            "not modified",
        ],
    );
}

#[test]
fn an_empty_file_is_not_a_database_and_is_left_alone() {
    let st = Study::empty();
    let f = st.write("empty.db", "");
    refused_untouched(&st, &f, &["not a fieldwork database", "empty"]);
}

#[test]
fn another_programs_sqlite_database_is_refused_and_left_alone() {
    let st = Study::empty();
    let f = st.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&f).unwrap();
        c.execute_batch("create table t(x); insert into t values (1), (2);")
            .unwrap();
    }
    refused_untouched(&st, &f, &["not a fieldwork database", "another program"]);
    let c = rusqlite::Connection::open(&f).unwrap();
    let n: i64 = c
        .query_row("select count(*) from t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn a_database_from_a_newer_fieldwork_is_refused() {
    let st = Study::new();
    st.add("Ann Able", "ics-ceo", "A");
    {
        let c = rusqlite::Connection::open(st.db()).unwrap();
        c.pragma_update(None, "user_version", 999).unwrap();
        // Leave a single file behind (no WAL) so the bytes can be compared.
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    let db = st.db();
    let bytes = std::fs::read(&db).unwrap();
    for args in [
        &["participant", "list"][..],
        &[
            "interview",
            "log",
            "--participant",
            "x",
            "--date",
            "2022-01-01",
        ][..],
        &["init", "--force"][..],
    ] {
        let err = st.fails(2, args);
        assert_has(&err, &["schema version 999", "newer", "upgrade fieldwork"]);
        assert_eq!(
            std::fs::read(&db).unwrap(),
            bytes,
            "{args:?} changed the file"
        );
    }
}

#[test]
fn a_directory_given_as_the_database_is_an_error() {
    let st = Study::empty();
    let d = st.path().join("adir");
    std::fs::create_dir_all(&d).unwrap();
    let out = st.fw_db(&d, &["participant", "list"]);
    expect_code(&out, 2, &["participant", "list"]);
    assert_has(&stderr(&out), &["not a fieldwork database", "folder"]);
    for args in [&["init"][..], &["init", "--force"][..]] {
        let out = st.fw_db(&d, args);
        expect_code(&out, 2, args);
        assert_has(&stderr(&out), &["is a folder"]);
    }
    assert!(d.is_dir());
    assert_eq!(
        std::fs::read_dir(&d).unwrap().count(),
        0,
        "nothing written in it"
    );
}

// ---------------------------------------------------------------- unknown ids, bad values

#[test]
fn unknown_participant_and_session_ids_are_named() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    st.interview(&a, "2022-01-10");
    let before = st.snapshot();
    for args in [
        &["participant", "show", "PZZZZ"][..],
        &["participant", "edit", "PZZZZ", "--name", "x"][..],
        &["participant", "status", "PZZZZ", "invited"][..],
        &[
            "consent",
            "record",
            "PZZZZ",
            "--take-part",
            "yes",
            "--date",
            "2022-01-01",
        ][..],
        &[
            "consent",
            "withdraw",
            "PZZZZ",
            "--scope",
            "no-further-contact",
        ][..],
        &["consent", "show", "PZZZZ"][..],
        &[
            "interview",
            "log",
            "--participant",
            "PZZZZ",
            "--date",
            "2022-01-10",
        ][..],
        &["interview", "list", "--participant", "PZZZZ"][..],
    ] {
        let err = st.fails(2, args);
        assert_has(&err, &["no participant matches `PZZZZ`"]);
    }
    for args in [
        &["interview", "show", "deadbeef"][..],
        &["interview", "update", "deadbeef", "--status", "done"][..],
        &["transcript", "link", "deadbeef", "x.txt"][..],
        &["tag", "add", "deadbeef", "Partnerships"][..],
        &["tag", "list", "--session", "deadbeef"][..],
    ] {
        let err = st.fails(2, args);
        assert_has(&err, &["no session matches `deadbeef`"]);
    }
    let err = st.fails(2, &["theme", "history", "Nonexistent theme"]);
    assert_has(&err, &["no theme matches `Nonexistent theme`"]);
    let err = st.fails(2, &["tag", "remove", "no-such-tag"]);
    assert_has(&err, &["no tag matches `no-such-tag`"]);
    assert_eq!(st.snapshot(), before);
}

#[test]
fn unknown_sites_roles_and_categories_list_the_valid_ones() {
    let st = Study::new();
    let before = st.snapshot();
    let err = st.fails(
        2,
        &[
            "participant",
            "add",
            "--name",
            "Ann",
            "--role",
            "ics-ceo",
            "--site",
            "Z",
        ],
    );
    assert_has(&err, &["site", "`Z`", "A, B, C, D"]);
    let err = st.fails(
        2,
        &[
            "participant",
            "add",
            "--name",
            "Ann",
            "--role",
            "wizard",
            "--site",
            "A",
        ],
    );
    assert_has(&err, &["role", "`wizard`", "ics-ceo", "q-cqo"]);
    let err = st.fails(
        2,
        &["participant", "add", "--role", "ics-ceo", "--site", "A"],
    );
    assert_has(&err, &["name", "required"]);
    let err = st.fails(
        2,
        &[
            "participant",
            "add",
            "--name",
            "Ann",
            "--role",
            "ics-ceo",
            "--site",
            "A",
            "--email",
            "ann at example",
        ],
    );
    assert_has(&err, &["email", "ann at example"]);
    let err = st.fails(2, &["participant", "list", "--site", "Z"]);
    assert_has(&err, &["A, B, C, D"]);
    let err = st.fails(2, &["participant", "list", "--role-category", "wizards"]);
    assert_has(&err, &["wizards", "ics-exec"]);
    let err = st.fails(2, &["interview", "list", "--site", "Q"]);
    assert_has(&err, &["A, B, C, D"]);
    assert_eq!(st.snapshot(), before);
}

#[test]
fn bad_dates_are_refused_with_exit_2() {
    let st = Study::new();
    let a = st.add("Ann Able", "ics-ceo", "A");
    let before = st.snapshot();
    for date in ["2022-02-30", "28/02/2022", "2022-13-01", "yesterday", ""] {
        for args in [
            &["interview", "log", "--participant", &a, "--date", date][..],
            &[
                "consent",
                "record",
                &a,
                "--take-part",
                "yes",
                "--date",
                date,
            ][..],
            &[
                "consent",
                "withdraw",
                &a,
                "--scope",
                "no-further-contact",
                "--date",
                date,
            ][..],
            &["consent", "show", &a, "--date", date][..],
            &["participant", "status", &a, "invited", "--date", date][..],
            &[
                "observation",
                "log",
                "--type",
                "icb",
                "--site",
                "A",
                "--date",
                date,
            ][..],
            &[
                "document", "add", "--title", "T", "--site", "A", "--date", date,
            ][..],
        ] {
            let err = st.fails(2, args);
            assert_has(&err, &["--date", "is not a date", "YYYY-MM-DD"]);
            if !date.is_empty() {
                assert_has(&err, &[date]);
            }
        }
    }
    assert_eq!(st.snapshot(), before);
}

#[test]
fn implausible_numbers_and_enum_values_are_refused() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let before = st.snapshot();
    let base = [
        "interview",
        "log",
        "--participant",
        a.as_str(),
        "--date",
        "2022-01-10",
    ];
    for extra in [
        &["--duration=-5"][..],
        &["--duration", "601"][..],
        &["--duration", "an hour"][..],
        &["--mode", "carrier-pigeon"][..],
        &["--recording", "maybe"][..],
        &["--status", "perhaps"][..],
        &["--participant", a.as_str()][..],
    ] {
        let args: Vec<&str> = base.iter().copied().chain(extra.iter().copied()).collect();
        st.fails(2, &args);
    }
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-01-10",
            "--duration=-5",
        ],
    );
    assert_has(&err, &["duration", "-5"]);
    // Observations too: a bad duration is bad input naming the field, not a database error.
    let err = st.fails(
        2,
        &[
            "observation",
            "log",
            "--type",
            "icb",
            "--site",
            "A",
            "--date",
            "2022-01-10",
            "--duration=-5",
        ],
    );
    assert_has(&err, &["duration", "-5"]);
    assert!(!err.contains("CHECK constraint"), "{err}");
    st.fails(
        2,
        &[
            "observation",
            "log",
            "--type",
            "icb",
            "--site",
            "A",
            "--date",
            "2022-01-10",
            "--attendees",
            "-1",
        ],
    );
    st.fails(2, &["consent", "record", &a, "--take-part", "perhaps"]);
    st.fails(
        2,
        &[
            "consent",
            "record",
            &a,
            "--take-part",
            "yes",
            "--date",
            "2999-01-01",
        ],
    );
    assert_eq!(st.snapshot(), before);
}

// ---------------------------------------------------------------- failed writes change nothing

#[test]
fn failed_writes_leave_the_database_unchanged() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let b = st.add("Bob Baker", "q-cqo", "B");
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
    let csv = st.write(
        "mixed.csv",
        "name,role,site\nCat Cole,la-dph,C\nDan Dale,bad-role,D\n",
    );
    let form = st.path().join("no-such-form.txt");

    let before = st.snapshot();
    let failing: Vec<Vec<&str>> = vec![
        // Refused interview: no consent; out of window; future.
        vec![
            "interview",
            "log",
            "--participant",
            &b,
            "--date",
            "2022-01-10",
        ],
        vec![
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-07-01",
        ],
        vec![
            "interview",
            "log",
            "--participant",
            &a,
            "--participant",
            &b,
            "--date",
            "2022-01-10",
            "--site",
            "A",
        ],
        // Bad CSV (one good row, one bad): nothing imported.
        vec!["import", "participants", csv.to_str().unwrap()],
        // Invalid edits.
        vec!["participant", "edit", &a, "--name", ""],
        vec!["participant", "edit", &a, "--email", "nope"],
        vec!["participant", "edit", &a, "--site", "Z"],
        vec!["participant", "edit", &a, "--role", "wizard"],
        vec!["participant", "edit", &a, "--name", "Ann\u{7}Bell"],
        // Bad consent.
        vec!["consent", "record", &b, "--date", "2022-01-01"],
        vec![
            "consent",
            "record",
            &b,
            "--take-part",
            "yes",
            "--date",
            "2999-01-01",
        ],
        vec![
            "consent",
            "record",
            &b,
            "--take-part",
            "yes",
            "--date",
            "2022-01-01",
            "--form-file",
            form.to_str().unwrap(),
        ],
        vec!["participant", "status", &b, "consented"],
        vec![
            "participant",
            "status",
            &b,
            "invited",
            "--date",
            "2999-01-01",
        ],
        // Bad sessions, transcripts, themes and tags.
        vec![
            "interview",
            "update",
            &sid,
            "--status",
            "done",
            "--date",
            "2999-01-01",
        ],
        vec![
            "observation",
            "log",
            "--type",
            "nope",
            "--site",
            "A",
            "--date",
            "2022-01-11",
        ],
        vec![
            "document",
            "add",
            "--title",
            "Plan",
            "--site",
            "Z",
            "--date",
            "2022-01-12",
        ],
        vec!["transcript", "link", &sid, "missing.txt"],
        vec!["theme", "add", "A/B", "--framework", "QMS"],
        vec!["theme", "add", "X", "--framework", "No such framework"],
        vec!["tag", "add", &sid, "Partnerships", "No such theme"],
        vec![
            "observation",
            "log",
            "--type",
            "icb",
            "--site",
            "A",
            "--date",
            "2022-01-11",
            "--duration=-5",
        ],
        vec![
            "tag",
            "remove",
            "--session",
            &sid,
            "--theme",
            "QMS/Quality control",
        ],
        vec!["theme", "merge", "Partnerships", "Partnerships"],
        vec![
            "consent",
            "withdraw",
            &a,
            "--scope",
            "no-further-data",
            "--date",
            "2999-01-01",
        ],
        // Backup onto an existing file.
        vec!["backup", csv.to_str().unwrap()],
        // Re-init without --force.
        vec!["init"],
    ];
    for args in &failing {
        let out = st.fw(args);
        // Every one of these is bad input: exit 2, with a message on stderr.
        assert_eq!(out.status.code(), Some(2), "{args:?}\n{}", stderr(&out));
        assert!(!stderr(&out).trim().is_empty(), "{args:?}: no message");
        let after = st.snapshot();
        assert_eq!(after, before, "{args:?} changed the database");
    }
}

// ---------------------------------------------------------------- damaged databases

#[test]
fn check_reports_a_broken_foreign_key_as_an_integrity_problem() {
    let st = Study::new();
    let a = st.add("Ann Able", "ics-ceo", "A");
    let pid = s(&st.show(&a), "id").to_string();
    {
        let c = rusqlite::Connection::open(st.db()).unwrap();
        c.pragma_update(None, "foreign_keys", false).unwrap();
        c.execute(
            "INSERT INTO session_participant (session_id, participant_id) VALUES ('no-such-session', ?1)",
            [&pid],
        )
        .unwrap();
    }
    let out = st.fw(&["check", "--json"]);
    expect_code(&out, 1, &["check", "--json"]);
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let p = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "integrity")
        .unwrap_or_else(|| panic!("no integrity problem in {r}"));
    assert_has(s(p, "message"), &["foreign key", "session_participant"]);
    let out = st.fw(&["check"]);
    expect_code(&out, 1, &["check"]);
}

#[test]
fn a_corrupt_value_is_a_runtime_error_with_exit_1() {
    let st = Study::new();
    st.add("Ann Able", "ics-ceo", "A");
    {
        let c = rusqlite::Connection::open(st.db()).unwrap();
        c.execute("UPDATE participant SET status = 'zombie'", [])
            .unwrap();
    }
    let err = st.fails(1, &["participant", "list", "--json"]);
    assert_has(&err, &["zombie"]);
}

// ---------------------------------------------------------------- a study of one's own

const OWN_STUDY: &str = r#"
[user]
initials = "RS"

[study]
name = "Schools study"
consent_form_version = "1.1"

[[study.sites]]
code = "N1"
name = "North school"

[[study.sites]]
code = "S1"
name = "South school"

[[study.phases]]
number = 1
name = "Only"
start = 2020-01-01
end = 2020-12-31
targets = { N1 = 4, S1 = 6 }

[[study.role_categories]]
code = "staff"
name = "Staff"
roles = [{ code = "head", name = "Head teacher", unique_at_site = true }]

[[study.meeting_types]]
code = "governors"
name = "Governors"
"#;

#[test]
fn a_study_defined_in_the_config_replaces_the_built_in_one() {
    let st = Study::empty();
    st.write("fieldwork.toml", OWN_STUDY);
    st.ok(&["init"]);
    let study = st.json(&["study", "--json"]);
    assert_eq!(study["name"], "Schools study");
    assert_eq!(study["consent_form_version"], "1.1");
    assert_eq!(study["sites"].as_array().unwrap().len(), 2);
    let cov = st.json(&["coverage", "--json"]);
    let cells = cov["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2);
    assert_eq!(cells[0]["site"], "N1");
    assert_eq!(cells[0]["target"], 4);
    assert_eq!(cells[1]["site"], "S1");
    assert_eq!(cells[1]["target"], 6);
    // The built-in study's codes are unknown here, and the messages list this study's.
    let err = st.fails(
        2,
        &[
            "participant",
            "add",
            "--name",
            "Ann",
            "--role",
            "ics-ceo",
            "--site",
            "N1",
        ],
    );
    assert_has(&err, &["ics-ceo", "head"]);
    let err = st.fails(
        2,
        &[
            "participant",
            "add",
            "--name",
            "Ann",
            "--role",
            "head",
            "--site",
            "A",
        ],
    );
    assert_has(&err, &["N1, S1"]);
    let a = st.add("Ann Able", "head", "s1");
    st.consent(&a, "2020-01-02");
    let i = st.json(&[
        "interview",
        "log",
        "--participant",
        &a,
        "--date",
        "2020-06-01",
        "--json",
    ]);
    assert_eq!(i["phase"], 1);
    assert_eq!(s(&i, "site"), "S1");
    assert_eq!(s(&i, "interviewer"), "RS", "the configured user");
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-01-10",
        ],
    );
    assert_has(&err, &["phase 1: 2020-01-01 to 2020-12-31"]);
    // No framework defined: a theme needs somewhere to go, and says so.
    let err = st.fails(2, &["theme", "add", "Workload"]);
    assert_has(&err, &["framework"]);
}
