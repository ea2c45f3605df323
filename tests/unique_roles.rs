//! Roles unique at a site (`unique_at_site` in the taxonomy: `ics-ceo` in the built-in
//! study): a second holder at one site is refused on add, edit and import, unless the
//! explicit override is given, which the audit log records.

mod common;

use common::*;
use serde_json::Value;

fn count(st: &Study) -> usize {
    st.json(&["participant", "list", "--json"])
        .as_array()
        .unwrap()
        .len()
}

/// The audit entries of one participant with this action.
fn audit_actions(st: &Study, code: &str, action: &str) -> Vec<Value> {
    let id = st.show(code)["id"].as_str().unwrap().to_string();
    st.json(&["audit", "--entity", &id, "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

#[test]
fn a_second_holder_of_a_unique_role_at_a_site_is_refused_on_add() {
    let st = Study::new();
    let first = st.add("Ada Quillfeather", "ics-ceo", "A");
    let err = st.fails(
        2,
        &[
            "participant",
            "add",
            "--name",
            "Bram Oakhurst",
            "--role",
            "ics-ceo",
            "--site",
            "A",
        ],
    );
    assert_has(
        &err,
        &[
            "role",
            "Chief executive (ics-ceo)",
            "site A",
            &format!("participant {first}"),
            "--allow-duplicate-unique-role",
        ],
    );
    assert_eq!(count(&st), 1, "the refused participant was added");
    // The same role at another site, and another role at the same site, are fine.
    st.add("Bram Oakhurst", "ics-ceo", "B");
    st.add("Cleo Marchbank", "ics-exec-other", "A");
    st.add("Dov Ellery", "ics-exec-other", "A");
    assert_eq!(count(&st), 4);
}

#[test]
fn the_override_adds_a_second_holder_and_the_audit_log_records_it() {
    let st = Study::new();
    let first = st.add("Ada Quillfeather", "ics-ceo", "A");
    let second = st
        .ok(&[
            "participant",
            "add",
            "--name",
            "Bram Oakhurst",
            "--role",
            "ics-ceo",
            "--site",
            "A",
            "--allow-duplicate-unique-role",
        ])
        .trim()
        .to_string();
    let entries = audit_actions(&st, &second, "unique-role-override");
    assert_eq!(entries.len(), 1, "{entries:?}");
    let after = &entries[0]["after"];
    assert_eq!(after["role"], "ics-ceo");
    assert_eq!(after["site"], "A");
    assert_eq!(after["also_held_by"], serde_json::json!([first]));
    assert!(audit_actions(&st, &first, "unique-role-override").is_empty());
}

#[test]
fn people_who_never_took_part_do_not_hold_the_role_but_withdrawn_people_do() {
    let st = Study::new();
    let declined = st.add("Ada Quillfeather", "ics-ceo", "A");
    st.ok(&["participant", "status", &declined, "declined"]);
    // A declined chief executive leaves the role free…
    let second = st.add("Bram Oakhurst", "ics-ceo", "A");
    // …a withdrawn one does not (their data may stay in the study).
    st.consent(&second, "2021-10-01");
    st.ok(&[
        "consent",
        "withdraw",
        &second,
        "--scope",
        "no-further-contact",
    ]);
    assert_eq!(st.show(&second)["status"], "withdrawn");
    let err = st.fails(
        2,
        &[
            "participant",
            "add",
            "--name",
            "Cleo Marchbank",
            "--role",
            "ics-ceo",
            "--site",
            "A",
        ],
    );
    assert_has(&err, &[&format!("participant {second}")]);
    assert!(!err.contains(&declined), "{err}");
}

#[test]
fn an_edit_into_a_held_unique_role_is_refused_unless_overridden() {
    let st = Study::new();
    let ceo = st.add("Ada Quillfeather", "ics-ceo", "A");
    let other = st.add("Bram Oakhurst", "ics-exec-other", "A");
    let elsewhere = st.add("Cleo Marchbank", "ics-ceo", "B");
    let before = st.show(&other);
    let err = st.fails(2, &["participant", "edit", &other, "--role", "ics-ceo"]);
    assert_has(&err, &["role", "site A", &format!("participant {ceo}")]);
    // Moving a chief executive to a site that has one is refused too.
    let err = st.fails(2, &["participant", "edit", &elsewhere, "--site", "A"]);
    assert_has(&err, &["site A", &format!("participant {ceo}")]);
    assert_eq!(
        st.show(&other),
        before,
        "a refused edit changed the participant"
    );
    assert_eq!(st.show(&elsewhere)["site"], "B");
    // Editing another field of a holder is not a second holder.
    st.ok(&[
        "participant",
        "edit",
        &ceo,
        "--organisation",
        "Northvale ICB",
    ]);
    st.ok(&[
        "participant",
        "edit",
        &other,
        "--role",
        "ics-ceo",
        "--allow-duplicate-unique-role",
    ]);
    assert_eq!(st.show(&other)["role"], "ics-ceo");
    let entries = audit_actions(&st, &other, "unique-role-override");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0]["after"]["also_held_by"],
        serde_json::json!([ceo])
    );
}

#[test]
fn an_import_with_a_second_holder_names_the_row_and_imports_nothing() {
    let st = Study::new();
    let ceo = st.add("Ada Quillfeather", "ics-ceo", "A");
    let csv = "name,role,site\n\
               Bram Oakhurst,ics-exec-other,A\n\
               Cleo Marchbank,ics-ceo,A\n\
               Dov Ellery,ics-ceo,C\n\
               Esme Thorne,ics-ceo,C\n";
    let f = st.write("recruits.csv", csv);
    let err = st.fails(2, &["import", "participants", f.to_str().unwrap()]);
    let file = f.display().to_string();
    assert_has(
        &err,
        &[
            "nothing was imported",
            &format!("{file}:3: field `role`"),
            &format!("participant {ceo}"),
            &format!("{file}:5: field `role`"),
            "line 4 of the file",
            "allow_duplicate_unique_role",
        ],
    );
    assert!(!err.contains(":2:") && !err.contains(":4:"), "{err}");
    assert_eq!(count(&st), 1, "a refused import added participants");

    // With the column, both second holders come in, each override audited.
    let csv = "name,role,site,allow_duplicate_unique_role\n\
               Bram Oakhurst,ics-exec-other,A,\n\
               Cleo Marchbank,ics-ceo,A,yes\n\
               Dov Ellery,ics-ceo,C,no\n\
               Esme Thorne,ics-ceo,C,yes\n";
    let f = st.write("recruits2.csv", csv);
    st.ok(&["import", "participants", f.to_str().unwrap()]);
    assert_eq!(count(&st), 5);
    let list = st.json(&["participant", "list", "--json"]);
    let code_of = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["code"].as_str().unwrap().to_string())
            .unwrap()
    };
    let cleo = audit_actions(&st, &code_of("Cleo Marchbank"), "unique-role-override");
    assert_eq!(cleo[0]["after"]["also_held_by"], serde_json::json!([ceo]));
    let esme = audit_actions(&st, &code_of("Esme Thorne"), "unique-role-override");
    assert_eq!(
        esme[0]["after"]["also_held_by"],
        serde_json::json!([code_of("Dov Ellery")])
    );
    assert!(audit_actions(&st, &code_of("Dov Ellery"), "unique-role-override").is_empty());

    // A value that is neither yes nor no is named with its line.
    let f = st.write(
        "bad.csv",
        "name,role,site,allow_duplicate_unique_role\nFen Arden,ics-ceo,D,perhaps\n",
    );
    let err = st.fails(2, &["import", "participants", f.to_str().unwrap()]);
    assert_has(
        &err,
        &[
            &format!("{}:2: field `allow_duplicate_unique_role`", f.display()),
            "perhaps",
        ],
    );
}
