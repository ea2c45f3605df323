//! `import participants` of a generated file through the real binary: every row imported
//! and reported by its line, nothing but the result on a pipe, a progress bar on a
//! terminal; problems found against the database come in line order with the others. And
//! id prefixes: matched literally (no wildcards), case-insensitively.

mod common;
mod pty;

use common::*;

/// A file of `n` synthetic participants over the four sites and three roles.
fn generated_csv(n: usize) -> String {
    let sites = ["A", "B", "C", "D"];
    // Roles that are not unique at a site (a second chief executive would be refused).
    let roles = ["ics-exec-other", "q-manager", "la-dph"];
    let mut s = String::from("name,role,site,email,organisation,status\n");
    for i in 0..n {
        s.push_str(&format!(
            "Synthetic Person {i:05},{},{},p{i}@test.example,Org {},invited\n",
            roles[i % 3],
            sites[i % 4],
            i % 7
        ));
    }
    s
}

#[test]
fn a_generated_csv_imports_every_row_and_prints_no_progress_on_a_pipe() {
    let st = Study::new();
    let n = 3_000;
    let csv = st.write("generated.csv", generated_csv(n));
    let out = st.fw(&["import", "participants", csv.to_str().unwrap()]);
    expect_code(&out, 0, &["import", "participants"]);
    let printed = stdout(&out);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), n, "one line per imported row");
    let mut codes = std::collections::HashSet::new();
    for (i, l) in lines.iter().enumerate() {
        let (code, line) = l.split_once('\t').unwrap();
        assert!(is_export_code(code), "{code}");
        assert!(codes.insert(code.to_string()), "code {code} given twice");
        assert_eq!(line, format!("line {}", i + 2));
    }
    // stderr is a pipe here: the result line and nothing else (no bar, no escapes).
    let err = stderr(&out);
    assert_eq!(
        err.trim_end(),
        format!(
            "fieldwork: imported {n} participant(s) from {}",
            csv.display()
        ),
        "stderr:\n{err:?}"
    );
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{err:?}");
    let all = st.participants();
    assert_eq!(all.len(), n);
    assert!(all.iter().all(|p| s(p, "status") == "invited"));
    let p = all
        .iter()
        .find(|p| p["name"] == "Synthetic Person 01234")
        .unwrap();
    assert_eq!(s(p, "site"), "C");
    assert_eq!(s(p, "role"), "q-manager");
    assert_eq!(s(p, "email"), "p1234@test.example");
}

#[test]
fn problems_found_against_the_database_come_in_line_order_and_nothing_is_written() {
    let st = Study::new();
    st.add("Already Here", "ics-ceo", "A");
    let csv = st.write(
        "mixed.csv",
        "name,role,site\n\
         Already Here,ics-ceo,a\n\
         Bad Role,chief-wizard,B\n\
         Twice Named,q-cqo,B\n\
         \n\
         Twice Named,q-cqo,b\n\
         Fine Person,la-dph,D\n",
    );
    let before = st.snapshot();
    let err = st.fails(2, &["import", "participants", csv.to_str().unwrap()]);
    assert_eq!(
        st.snapshot(),
        before,
        "a failed import changed the database"
    );
    assert_has(&err, &["3 problem(s)", "nothing was imported"]);
    let at = |needle: &str| {
        err.find(needle)
            .unwrap_or_else(|| panic!("expected `{needle}` in:\n{err}"))
    };
    let existing =
        at("mixed.csv:2: field `name`: `Already Here` at site A is already in the database");
    let role = at("mixed.csv:3: field `role`");
    let twice = at("mixed.csv:6: field `name`: `Twice Named` at site B appears twice in the file");
    assert!(existing < role && role < twice, "not in line order:\n{err}");
}

#[test]
fn id_prefixes_match_literally_and_ignore_case() {
    let st = Study::new();
    let code = st.add("Prefix Person", "ics-ceo", "A");
    st.add("Other Person", "q-cqo", "B");
    let id = s(&st.show(&code), "id").to_string();
    // Eight characters of the id, in either case, name the participant.
    assert_eq!(s(&st.show(&id[..8]), "code"), code);
    assert_eq!(s(&st.show(&id[..8].to_uppercase()), "code"), code);
    // `_` and `%` are not wildcards: five characters and `_` match nothing.
    let err = st.fails(2, &["participant", "show", &format!("{}_", &id[..5])]);
    assert_has(&err, &["no participant matches"]);
    let err = st.fails(2, &["participant", "show", "%%%%%%"]);
    assert_has(&err, &["no participant matches"]);
    // Sessions too.
    let a = st.consented("Session Person", "la-dph", "C");
    let sid = st.interview(&a, "2021-12-01");
    let shown = st.json(&["interview", "show", &sid[..8].to_uppercase(), "--json"]);
    assert_eq!(s(&shown, "id"), sid);
    st.fails(2, &["interview", "show", &format!("{}%", &sid[..5])]);
}

#[test]
fn a_terminal_sees_a_progress_bar_that_is_cleared_at_the_end() {
    let st = Study::new();
    let n = 6_000;
    let csv = st.write("generated.csv", generated_csv(n));
    let mut t = pty::Builder::new()
        .db(&st.db())
        .args(&["import", "participants"])
        .args(&[&csv])
        .home(st.path())
        .env("XDG_CONFIG_HOME", st.path().join(".config"))
        .env("FIELDWORK_CONFIG", "")
        .size(24, 160)
        .spawn();
    // Everything the terminal received, and the screen it shows, once the import is over.
    let status = t.wait_exit();
    assert!(status.success(), "{status:?}");
    let raw = t.raw();
    assert!(
        raw.contains("fieldwork: validating") || raw.contains("fieldwork: writing"),
        "no progress bar was drawn on the terminal:\n{raw:?}"
    );
    // The bar is gone at the end: the screen holds the result lines, not the bar.
    let shown = t.screen();
    assert!(
        shown.contains(&format!("imported {n} participant(s)")),
        "{shown}"
    );
    assert!(
        !shown.contains("fieldwork: writing") && !shown.contains("fieldwork: validating"),
        "{shown}"
    );
    assert_eq!(st.participants().len(), n);
}
