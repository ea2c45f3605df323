//! Inter-coder agreement on the real binary: two coders on one laptop (`--coder`,
//! `$FIELDWORK_CODER`), the report in json/md/csv against hand-computed figures, what is
//! left out, settling disagreements with audit entries, blind coding and reveal.

mod common;

use common::{as_array, Study};
use serde_json::Value;

/// 100 characters, one paragraph, no speaker labels: offsets are easy to reason about.
const TEXT: &str = "abcd efgh abcd efgh abcd efgh abcd efgh abcd efgh abcd efgh abcd efgh abcd efgh abcd efgh abcd efgh.";

const THEME: &str = "Quality planning";

/// A study with one imported transcript; returns it and the interview id.
fn study() -> (Study, String) {
    let st = Study::new();
    let code = st.consented("Test Person", "q-cqo", "A");
    let id = st.interview(&code, "2022-01-10");
    let f = st.write("transcripts/t1.txt", TEXT);
    st.ok(&[
        "transcript",
        "import",
        f.to_str().unwrap(),
        "--interview",
        &id,
    ]);
    (st, id)
}

fn tag(st: &Study, coder: &str, id: &str, start: u32, end: u32) {
    st.ok(&[
        "--coder",
        coder,
        "passage",
        "add",
        id,
        THEME,
        "--start",
        &start.to_string(),
        "--end",
        &end.to_string(),
    ]);
}

/// The hand-computed layout of `domain::agreement`'s test: A codes [10,40) and [60,70),
/// B codes [20,50) and [65,80), over 100 characters.
fn double_coded() -> (Study, String) {
    let (st, id) = study();
    tag(&st, "Ann", &id, 10, 40);
    tag(&st, "Ann", &id, 60, 70);
    tag(&st, "Ben", &id, 20, 50);
    tag(&st, "Ben", &id, 65, 80);
    (st, id)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(v: &Value, want: f64) {
    assert!((f(v) - want).abs() < 1e-9, "{v} is not {want}");
}

#[test]
fn two_coders_on_one_laptop_give_the_hand_computed_figures() {
    let (st, id) = double_coded();
    let r = st.json(&["agreement", "--format", "json"]);
    assert_eq!(r["coder_a"], "Ann");
    assert_eq!(r["coder_b"], "Ben");
    let ts = as_array(r["transcripts"].clone());
    assert_eq!(ts.len(), 1);
    assert_eq!(ts[0]["chars"], 100, "the text is 100 characters");
    assert_eq!(ts[0]["session_id"], id.as_str());
    let themes = as_array(r["themes"].clone());
    assert_eq!(themes.len(), 1);
    let t = &themes[0];
    assert!(t["theme"].as_str().unwrap().ends_with(THEME));
    assert_eq!(t["table"]["both"], 25);
    assert_eq!(t["table"]["a_only"], 15);
    assert_eq!(t["table"]["b_only"], 20);
    assert_eq!(t["table"]["neither"], 40);
    close(&t["percent_agreement"], 0.65);
    close(&t["positive_agreement"], 50.0 / 85.0);
    close(&t["kappa"], 0.14 / 0.49);
    close(&t["alpha"], 1.0 - 199.0 * 35.0 / (115.0 * 85.0));
    assert_eq!(t["tags_a"], 2);
    assert_eq!(t["tags_b"], 2);
    // One theme: pooled is the same table.
    assert_eq!(r["pooled"]["table"], t["table"]);
    // Two disagreements (overlapping tags), each with its runs and their text.
    let ds = as_array(r["disagreements"].clone());
    assert_eq!(ds.len(), 2);
    assert_eq!(
        (ds[0]["start"].clone(), ds[0]["end"].clone()),
        (10.into(), 50.into())
    );
    let spans = as_array(ds[0]["spans"].clone());
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0]["side"], "a-only");
    assert_eq!(spans[0]["coder"], "Ann");
    assert_eq!(spans[0]["text"], &TEXT[10..20]);
    assert_eq!(spans[1]["side"], "b-only");
    assert_eq!(spans[1]["text"], &TEXT[40..50]);
    assert_eq!(
        (ds[1]["start"].clone(), ds[1]["end"].clone()),
        (60.into(), 80.into())
    );

    // Markdown for a methods section: the table row and the spans.
    let md = st.ok(&["agreement"]);
    assert!(md.contains("| Both | A only | B only | Neither |"), "{md}");
    assert!(
        md.contains("| 25 | 15 | 20 | 40 | 0.650 | 0.588 | 0.286 | 0.287 |"),
        "{md}"
    );
    assert!(md.contains(&format!("“{}”", &TEXT[10..20])), "{md}");
    // CSV: a header, the theme, the pooled row.
    let csv = st.ok(&["agreement", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("theme,coder_a,coder_b,transcripts,both,a_only"));
    assert!(
        lines[2].starts_with("Pooled,Ann,Ben,1,25,15,20,40,0.650000,"),
        "{csv}"
    );
    // Filters: the theme and the interview give the same; the coders in the other order
    // swap A and B.
    let by_theme = st.json(&["agreement", "--theme", THEME, "--format", "json"]);
    assert_eq!(by_theme["pooled"], r["pooled"]);
    let by_interview = st.json(&["agreement", "--interview", &id, "--format", "json"]);
    assert_eq!(by_interview["pooled"], r["pooled"]);
    let swapped = st.json(&["agreement", "--coders", "Ben,Ann", "--format", "json"]);
    assert_eq!(swapped["pooled"]["table"]["a_only"], 20);
    close(&swapped["pooled"]["kappa"], 0.14 / 0.49);
}

#[test]
fn coder_comes_from_the_flag_the_environment_then_the_config() {
    let (st, id) = study();
    // The environment.
    let mut c = st.command();
    c.env("FIELDWORK_CODER", "Cora").args([
        "--db",
        st.db().to_str().unwrap(),
        "passage",
        "add",
        &id,
        THEME,
        "--start",
        "0",
        "--end",
        "4",
    ]);
    assert!(c.output().unwrap().status.success());
    // The config's user.name.
    st.write(
        "fieldwork.toml",
        "[user]\nname = \"Dee\"\ninitials = \"DX\"\n",
    );
    tag_plain(&st, &id, 5, 9);
    // The flag beats both.
    tag(&st, "Eve", &id, 10, 14);
    let coders = st.json(&["agreement", "coders", "--json"]);
    let mut names: Vec<String> = as_array(coders["coders"].clone())
        .iter()
        .map(|c| c["coder"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["Cora", "Dee", "Eve"]);
    assert_eq!(coders["current"], "Dee");
    // The passages list carries the coder.
    let list = st.json(&["passage", "list", "--interview", &id, "--json"]);
    let by: Vec<&str> = as_array_ref(&list)
        .iter()
        .map(|p| p["coder"].as_str().unwrap())
        .collect();
    assert_eq!(by, ["Cora", "Dee", "Eve"]);
    // A bad coder's name is refused, naming where it came from.
    let err = st.fails(
        2,
        &[
            "--coder", " ", "passage", "add", &id, THEME, "--start", "20", "--end", "24",
        ],
    );
    assert!(err.contains("--coder: the coder's name is empty"), "{err}");
    let err = st.fails(2, &["--coder", "a\u{1b}[31m", "agreement", "coders"]);
    assert!(
        err.contains("--coder:") && err.contains("control character"),
        "{err}"
    );
    // Three coders: say which two.
    let err = st.fails(2, &["agreement"]);
    assert!(err.contains("--coders A,B"), "{err}");
}

fn tag_plain(st: &Study, id: &str, start: u32, end: u32) {
    st.ok(&[
        "passage",
        "add",
        id,
        THEME,
        "--start",
        &start.to_string(),
        "--end",
        &end.to_string(),
    ]);
}

fn as_array_ref(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

#[test]
fn bad_input_is_refused_with_exit_2() {
    let (st, id) = study();
    let err = st.fails(2, &["agreement"]);
    assert!(err.contains("agreement needs two coders"), "{err}");
    tag(&st, "Ann", &id, 10, 40);
    tag(&st, "Ben", &id, 20, 50);
    let err = st.fails(2, &["agreement", "--coders", "Ann"]);
    assert!(err.contains("--coders: `Ann` is not two coders"), "{err}");
    let err = st.fails(2, &["agreement", "--coders", "Ann,Zed"]);
    assert!(err.contains("`Zed` has coded no passage"), "{err}");
    let err = st.fails(2, &["agreement", "--coders", "Ann,Ann"]);
    assert!(err.contains("two different coders"), "{err}");
    st.fails(2, &["agreement", "--format", "xml"]);
    let err = st.fails(2, &["agreement", "--theme", "No such theme"]);
    assert!(err.contains("No such theme"), "{err}");
    let err = st.fails(2, &["agreement", "settle", "ffffffffff", "--keep", "a"]);
    assert!(err.contains("no disagreement matches"), "{err}");
    st.fails(2, &["agreement", "settle", "ffffffffff"]);
    st.fails(2, &["agreement", "settle", "ffffffffff", "--keep", "c"]);
}

#[test]
fn transcripts_one_coder_has_not_coded_or_coded_on_other_text_are_left_out() {
    let (st, id) = double_coded();
    // A second interview coded by Ann only.
    let code = st.consented("Other Person", "q-cqo", "B");
    let id2 = st.interview(&code, "2022-01-11");
    let f2 = st.write("transcripts/t2.txt", TEXT);
    st.ok(&[
        "transcript",
        "import",
        f2.to_str().unwrap(),
        "--interview",
        &id2,
    ]);
    tag(&st, "Ann", &id2, 0, 9);
    let r = st.json(&["agreement", "--format", "json"]);
    assert_eq!(as_array(r["transcripts"].clone()).len(), 1);
    let ex = as_array(r["excluded"].clone());
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0]["session_id"], id2.as_str());
    assert_eq!(ex[0]["reason"], "only-a");
    // Ben codes it after the text was changed and re-imported: Ann's tag was made on
    // the old text.
    let changed = format!("zz{TEXT}");
    std::fs::write(&f2, changed).unwrap();
    st.ok(&[
        "transcript",
        "import",
        f2.to_str().unwrap(),
        "--interview",
        &id2,
    ]);
    tag(&st, "Ben", &id2, 2, 11);
    let r = st.json(&["agreement", "--format", "json"]);
    let ex = as_array(r["excluded"].clone());
    assert_eq!(ex.len(), 1, "{r}");
    assert_eq!(ex[0]["reason"], "different-text");
    // The first transcript is still compared, with the same figures.
    assert_eq!(r["pooled"]["table"]["both"], 25);
    let md = st.ok(&["agreement"]);
    assert!(
        md.contains("## Not compared") && md.contains("different-text"),
        "{md}"
    );
    let _ = id;
}

#[test]
fn settling_changes_the_tags_in_one_step_and_is_audited() {
    let (st, _id) = double_coded();
    let r = st.json(&["agreement", "--format", "json"]);
    let ds = as_array(r["disagreements"].clone());
    let first = ds[0]["key"].as_str().unwrap().to_string();
    let second = ds[1]["key"].as_str().unwrap().to_string();
    // Keep Ann's coding of [10,50): Ben's [20,50) goes, Ben gets a copy of Ann's [10,40).
    let out = st.json(&["agreement", "settle", &first[..6], "--keep", "a", "--json"]);
    assert_eq!(out["settle"], "keep-a");
    assert_eq!(as_array(out["deleted"].clone()).len(), 1);
    assert_eq!(as_array(out["created"].clone()).len(), 1);
    let r = st.json(&["agreement", "--format", "json"]);
    let ds = as_array(r["disagreements"].clone());
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0]["key"], second.as_str());
    assert_eq!(r["pooled"]["table"]["both"], 30 + 5);
    // Merge [60,80): one passage over it for each coder; then they agree everywhere.
    st.ok(&["agreement", "settle", &second, "--merge"]);
    let r = st.json(&["agreement", "--format", "json"]);
    assert_eq!(as_array(r["disagreements"].clone()).len(), 0);
    close(&r["pooled"]["kappa"], 1.0);
    close(&r["pooled"]["alpha"], 1.0);
    assert_eq!(r["pooled"]["table"]["both"], 50);
    // A settled key is gone.
    let err = st.fails(2, &["agreement", "settle", &first, "--keep", "b"]);
    assert!(err.contains("no disagreement matches"), "{err}");
    // The audit log keeps both settlings with what the tags were.
    let audit = st.audit();
    let settles: Vec<&Value> = audit
        .iter()
        .filter(|e| e["entity"] == "agreement" && e["action"] == "settle")
        .collect();
    assert_eq!(settles.len(), 2, "{audit:?}");
    let before = serde_json::to_string(&settles).unwrap();
    assert!(before.contains("tags_b") && before.contains("keep-a") && before.contains("merge"));
    assert!(audit
        .iter()
        .any(|e| e["entity"] == "tag" && e["action"] == "delete"));
}

#[test]
fn keep_both_gives_each_coder_the_others_passages() {
    let (st, _id) = double_coded();
    let r = st.json(&["agreement", "--format", "json"]);
    let key = r["disagreements"][0]["key"].as_str().unwrap().to_string();
    st.ok(&["agreement", "settle", &key, "--keep", "both"]);
    let r = st.json(&["agreement", "--format", "json"]);
    assert_eq!(as_array(r["disagreements"].clone()).len(), 1);
    // [10,50) now coded by both.
    assert_eq!(r["pooled"]["table"]["both"], 40 + 5);
}

#[test]
fn blind_coding_hides_the_other_coders_passages_until_revealed() {
    let (st, id) = double_coded();
    st.write(
        "fieldwork.toml",
        "[user]\nname = \"Ann\"\n[coding]\nblind = true\n",
    );
    let view = st.json(&["transcript", "show", &id, "--json"]);
    let coders: Vec<&str> = as_array_ref(&view["passages"])
        .iter()
        .map(|p| p["coder"].as_str().unwrap())
        .collect();
    assert_eq!(coders, ["Ann", "Ann"], "only Ann's passages while blind");
    let quotes = st.json(&["quotes", "--theme", THEME, "--json"]);
    assert_eq!(as_array_ref(&quotes).len(), 2);
    let listed = st.json(&["passage", "list", "--theme", THEME, "--json"]);
    assert_eq!(as_array_ref(&listed).len(), 2);
    let matrix = st.json(&["matrix", "show", "--json"]);
    let total: i64 = as_array_ref(&matrix["cells"])
        .iter()
        .map(|c| c["passages"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 2);
    // Agreement would show Ben's coding: refused until revealed.
    let err = st.fails(2, &["agreement"]);
    assert!(err.contains("agreement reveal"), "{err}");
    // Ben, on the same laptop, sees only his own.
    let ben = st.json(&["--coder", "Ben", "transcript", "show", &id, "--json"]);
    assert!(as_array_ref(&ben["passages"])
        .iter()
        .all(|p| p["coder"] == "Ben"));
    st.ok(&["agreement", "reveal"]);
    let view = st.json(&["transcript", "show", &id, "--json"]);
    assert_eq!(as_array_ref(&view["passages"]).len(), 4);
    let quotes = st.json(&["quotes", "--theme", THEME, "--json"]);
    assert_eq!(as_array_ref(&quotes).len(), 4);
    st.json(&["agreement", "--format", "json"]);
    // Ben is still blind; the reveal is in the audit log.
    let ben = st.json(&["--coder", "Ben", "transcript", "show", &id, "--json"]);
    assert_eq!(as_array_ref(&ben["passages"]).len(), 2);
    assert!(st
        .audit()
        .iter()
        .any(|e| e["entity"] == "coder" && e["entity_id"] == "Ann" && e["action"] == "reveal"));
}

#[path = "xsd/mod.rs"]
mod xsd;

/// The attribute `name` of each element starting with `tag` in `xml`.
fn attrs(xml: &str, tag: &str, name: &str) -> Vec<String> {
    xml.match_indices(tag)
        .map(|(i, _)| {
            let rest = &xml[i..];
            let end = rest.find('>').unwrap();
            let el = &rest[..end];
            let key = format!(" {name}=\"");
            let a = el
                .find(&key)
                .unwrap_or_else(|| panic!("{el} has no {name}"))
                + key.len();
            el[a..a + el[a..].find('"').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn the_refi_qda_project_carries_each_codings_coder() {
    let (st, id) = double_coded();
    // Archiving consent, so the interview is in the project.
    let code = st.json(&["interview", "show", &id, "--json"])["participants"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    st.ok(&[
        "consent",
        "record",
        &code,
        "--date",
        "2021-10-02",
        "--take-part",
        "yes",
        "--audio",
        "yes",
        "--quotes",
        "yes",
        "--archiving",
        "yes",
    ]);
    // A third coder whose initials (ANN) are what Ann is written as (a short single word
    // is kept, upper-cased) is told apart from her: ANN2.
    tag(&st, "Ann Nora Newton", &id, 90, 95);
    let out = st.path().join("study.qdpx");
    st.ok(&["export", "project", "--out", out.to_str().unwrap()]);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut qde = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("project.qde").unwrap(), &mut qde).unwrap();
    let qde_file = st.path().join("project.qde");
    std::fs::write(&qde_file, &qde).unwrap();
    xsd::assert_valid(&qde_file, "Project.xsd");
    let names = attrs(&qde, "<User ", "name");
    let guids = attrs(&qde, "<User ", "guid");
    // The exporter ("tester" → "User"), then Ann, Ben and the third coder, by initials.
    assert_eq!(names, ["User", "ANN", "BEN", "ANN2"], "{qde}");
    let by_name: std::collections::HashMap<&str, &str> = names
        .iter()
        .map(String::as_str)
        .zip(guids.iter().map(String::as_str))
        .collect();
    let sel = attrs(&qde, "<PlainTextSelection ", "creatingUser");
    let cod = attrs(&qde, "<Coding ", "creatingUser");
    assert_eq!(sel, cod, "selection and coding name the same user");
    let count = |n: &str| sel.iter().filter(|g| *g == by_name[n]).count();
    assert_eq!(
        (count("ANN"), count("BEN"), count("ANN2")),
        (2, 2, 1),
        "{qde}"
    );
    assert_eq!(count("User"), 0);
    // Stable: a second export gives the same user GUIDs.
    let out2 = st.path().join("again.qdpx");
    st.ok(&["export", "project", "--out", out2.to_str().unwrap()]);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out2).unwrap()).unwrap();
    let mut qde2 = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("project.qde").unwrap(), &mut qde2).unwrap();
    assert_eq!(attrs(&qde2, "<User ", "guid"), guids);
}

#[test]
fn codings_come_back_from_a_project_with_their_coders() {
    let (st, id) = study();
    let code = st.json(&["interview", "show", &id, "--json"])["participants"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    st.ok(&[
        "consent",
        "record",
        &code,
        "--date",
        "2021-10-02",
        "--take-part",
        "yes",
        "--audio",
        "yes",
        "--quotes",
        "yes",
        "--archiving",
        "yes",
    ]);
    // A copy of the study before anyone coded: the same interviews, no passages.
    let copy = st.path().join("copy.db");
    st.ok(&["backup", copy.to_str().unwrap()]);
    tag(&st, "Ann", &id, 10, 40);
    tag(&st, "Ann", &id, 60, 70);
    tag(&st, "Ben", &id, 20, 50);
    tag(&st, "Ben", &id, 65, 80);
    let want = st.json(&["agreement", "--format", "json"]);
    // The originals (a redacted text's positions are not the transcript's).
    let out = st.path().join("originals.qdpx");
    st.ok(&[
        "export",
        "project",
        "--originals",
        "--out",
        out.to_str().unwrap(),
    ]);

    let on_copy = |args: &[&str]| {
        let o = st.fw_db(&copy, args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let r: Value = serde_json::from_str(&on_copy(&[
        "import",
        "codings",
        out.to_str().unwrap(),
        "--dry-run",
        "--json",
    ]))
    .unwrap();
    assert_eq!(r["imported"], 4);
    assert_eq!(r["sources"], 1);
    let none: Value = serde_json::from_str(&on_copy(&["agreement", "coders", "--json"])).unwrap();
    assert_eq!(
        as_array(none["coders"].clone()).len(),
        0,
        "a dry run writes nothing"
    );
    let r: Value = serde_json::from_str(&on_copy(&[
        "import",
        "codings",
        out.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    assert_eq!(r["imported"], 4);
    assert_eq!(r["coders"], serde_json::json!([["ANN", 2], ["BEN", 2]]));
    // The coders come back by the names the project gives them; the figures are the same.
    let got: Value = serde_json::from_str(&on_copy(&["agreement", "--format", "json"])).unwrap();
    assert_eq!(
        (got["coder_a"].as_str(), got["coder_b"].as_str()),
        (Some("ANN"), Some("BEN"))
    );
    assert_eq!(got["pooled"], want["pooled"]);
    // Again: everything is already there.
    let r: Value = serde_json::from_str(&on_copy(&[
        "import",
        "codings",
        out.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    assert_eq!(
        (r["imported"].clone(), r["skipped"].clone()),
        (0.into(), 4.into())
    );
    // When the text here is no longer the project's (re-imported, or a redacted export),
    // the source's codings are skipped, with the reason.
    let f = st.path().join("transcripts/t1.txt");
    std::fs::write(&f, format!("Changed. {TEXT}")).unwrap();
    on_copy(&[
        "transcript",
        "import",
        f.to_str().unwrap(),
        "--interview",
        &id,
    ]);
    let r: Value = serde_json::from_str(&on_copy(&[
        "import",
        "codings",
        out.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    assert_eq!(
        (r["sources"].clone(), r["imported"].clone()),
        (0.into(), 0.into())
    );
    assert!(
        r["warnings"][0]
            .as_str()
            .unwrap()
            .contains("not this interview's transcript"),
        "{r}"
    );
    // Not a project.
    let err = st.fails(2, &["import", "codings", st.db().to_str().unwrap()]);
    assert!(err.contains("not a REFI-QDA project"), "{err}");
}
