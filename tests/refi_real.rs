//! `fieldwork import codebook` on REFI-QDA files really exported by other packages
//! (tests/fixtures/refi/real/, provenance in its README.md), through the real binary, each
//! into a fresh database: the codes added, their hierarchy and colours, a second import that
//! changes nothing, and our own codebook export afterwards still valid against Codebook.xsd.

mod common;
mod xsd;

use std::path::{Path, PathBuf};

use common::{stderr, stdout, Study};
use serde_json::Value;

fn real(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/refi/real")
        .join(name)
}

/// What one import printed.
struct Imported {
    /// `(guid, name)` of every `added` line, in order.
    added: Vec<(String, String)>,
    skipped: usize,
    /// Every other line of stdout.
    other: Vec<String>,
    stderr: String,
}

fn import(study: &Study, file: &Path, framework: &str) -> Imported {
    let args = [
        "import",
        "codebook",
        file.to_str().unwrap(),
        "--framework",
        framework,
    ];
    let out = study.fw(&args);
    common::expect_code(&out, 0, &args);
    let mut r = Imported {
        added: Vec::new(),
        skipped: 0,
        other: Vec::new(),
        stderr: stderr(&out),
    };
    for line in stdout(&out).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        match f.first().copied() {
            Some("added") if f.len() == 3 => r.added.push((f[1].to_string(), f[2].to_string())),
            Some("skipped") => r.skipped += 1,
            _ => r.other.push(line.to_string()),
        }
    }
    r
}

/// The active themes of a framework, from `theme list --json`.
fn themes(study: &Study, framework: &str) -> Vec<Value> {
    let v = study.json(&["theme", "list", "--json"]);
    v.as_array()
        .unwrap()
        .iter()
        .filter(|t| t["framework"] == framework)
        .cloned()
        .collect()
}

fn by_guid<'a>(themes: &'a [Value], guid: &str) -> &'a Value {
    themes
        .iter()
        .find(|t| t["id"] == guid)
        .unwrap_or_else(|| panic!("no theme {guid}"))
}

/// Import `file` into a fresh database, check the count, import it again (all skipped),
/// export the codebook and validate it; returns the study and the framework's themes.
fn round(file: &str, framework: &str, expect_added: usize) -> (Study, Vec<Value>, Imported) {
    let study = Study::new();
    let path = real(file);
    let first = import(&study, &path, framework);
    assert_eq!(
        first.added.len(),
        expect_added,
        "{file}: {:?}\n{}",
        first.added,
        first.stderr
    );
    assert!(first.other.is_empty(), "{file}: {:?}", first.other);
    assert!(
        first
            .stderr
            .contains(&format!("{expect_added} added, 0 renamed, 0 skipped")),
        "{file}: {}",
        first.stderr
    );
    let ts = themes(&study, framework);
    assert_eq!(ts.len(), expect_added, "{file}");

    // Importing the same file again changes nothing.
    let again = import(&study, &path, framework);
    assert!(again.added.is_empty(), "{file}: {:?}", again.added);
    assert!(again.other.is_empty(), "{file}: {:?}", again.other);
    assert_eq!(again.skipped, expect_added, "{file}");
    assert!(
        again
            .stderr
            .contains(&format!("0 added, 0 renamed, {expect_added} skipped")),
        "{file}: {}",
        again.stderr
    );
    assert_eq!(
        themes(&study, framework),
        ts,
        "{file}: changed by a re-import"
    );

    // Our export of what came in is valid REFI-QDA, the imported framework alone and all.
    // Theme names are free text reviewed like transcripts: real codebooks hold capitalised
    // terms and authors' names ("Jasanoff & Kim"), suspects until reviewed; this test is
    // about the format, so it exports without the review.
    let one = study.path().join("one.qdc");
    study.ok(&[
        "export",
        "codebook",
        "--format",
        "qdc",
        "--framework",
        framework,
        "--out",
        one.to_str().unwrap(),
        "--allow-unreviewed",
    ]);
    xsd::assert_valid(&one, "Codebook.xsd");
    let all = study.path().join("all.qdc");
    study.ok(&[
        "export",
        "codebook",
        "--out",
        all.to_str().unwrap(),
        "--allow-unreviewed",
    ]);
    xsd::assert_valid(&all, "Codebook.xsd");
    (study, ts, first)
}

#[test]
fn atlas_ti_win_23_4_0() {
    // schemaLocation names `urn:QDA-XML:codebook:0:4` while xmlns is 1.0; upper-case GUIDs;
    // a code group (Set) with a description and a MemberCode.
    let (_s, ts, first) = round("atlasti-win-23.4.0-requal.qdc", "ATLAS.ti", 1);
    assert_eq!(
        first.added,
        [(
            "1ff58b12-6f6f-4b0c-8be5-bbdc91f55294".to_string(),
            "code1".to_string()
        )]
    );
    let c = by_guid(&ts, "1ff58b12-6f6f-4b0c-8be5-bbdc91f55294");
    assert_eq!(c["path"], "ATLAS.ti/code1");
    assert_eq!(c["parent_id"], Value::Null);
    assert_eq!(c["colour"], "#46aa00");
    assert_eq!(c["description"], "description");
    assert!(
        first.stderr.contains("1 set(s) of codes were not imported"),
        "{}",
        first.stderr
    );
}

#[test]
fn qualcoder_3_8_2_with_bom_and_crlf() {
    let bytes = std::fs::read(real("qualcoder-3.8.2-mixedmeasures.qdc")).unwrap();
    assert!(
        bytes.starts_with(b"\xef\xbb\xbf"),
        "the fixture lost its BOM"
    );
    assert!(
        bytes.windows(2).any(|w| w == b"\r\n"),
        "the fixture lost its CRLF"
    );
    let (_s, ts, first) = round("qualcoder-3.8.2-mixedmeasures.qdc", "QualCoder", 38);
    // 3 top-level codes, 6 categories (isCodable="false") holding 29 codes.
    assert_eq!(
        ts.iter().filter(|t| t["parent_id"].is_null()).count(),
        3 + 6
    );
    assert_eq!(ts.iter().filter(|t| t["depth"] == 1).count(), 29);
    let fidelity = by_guid(&ts, "4d1ebd54-13f8-4da1-9a17-026e2aefc288");
    assert_eq!(
        fidelity["path"],
        "QualCoder/Implementation Quality/Curriculum fidelity"
    );
    assert_eq!(
        fidelity["parent_id"],
        "a07ea1c2-3f9d-4c62-ad0c-74f0880cf42f"
    );
    assert_eq!(fidelity["colour"], "#a3bea5");
    // The CRLF inside the description is an XML line end: read as \n.
    assert_eq!(
        fidelity["description"],
        "Teacher follows the published sequence.\nSecond line, after a hard break."
    );
    let category = by_guid(&ts, "a07ea1c2-3f9d-4c62-ad0c-74f0880cf42f");
    assert_eq!(category["colour"], Value::Null);
    let unicode = by_guid(&ts, "da298f4e-3d71-4df2-880d-4bd3ed264ee0");
    assert_eq!(unicode["name"], "Ünïcøde & <angle> \"quoted\" — 教师");
    let coaching = by_guid(&ts, "4a335fa4-f592-4be4-b138-f4c03023b58c");
    assert_eq!(
        coaching["path"],
        "QualCoder/Training & Professional Development/Ongoing coaching"
    );
    assert_eq!(coaching["colour"], "#d8866d");
    assert_eq!(
        coaching["description"],
        "Résumé of coaching; 教师反馈 included."
    );
    // `/` separates levels in fieldwork: replaced, with a warning naming the line.
    let buy_in = by_guid(&ts, "f43440a1-9f6f-4353-bf54-134725faa542");
    assert_eq!(
        buy_in["path"],
        "QualCoder/Teacher Attitudes/Enthusiasm \u{2215} buy-in"
    );
    assert!(
        first
            .stderr
            .contains("qualcoder-3.8.2-mixedmeasures.qdc:48:1: `Enthusiasm / buy-in` contains `/`"),
        "{}",
        first.stderr
    );
    assert!(
        first
            .stderr
            .contains("6 code(s) marked isCodable=\"false\""),
        "{}",
        first.stderr
    );
}

#[test]
fn taguette_1_4_1_with_empty_sets() {
    // One line, no final newline, upper-case version-5 GUIDs, no colours, and an empty
    // `<Sets/>` (which Codebook.xsd does not allow).
    for (file, codes) in [
        (
            "taguette-1.4.1-uto_tag.qdc",
            [
                ("098ac082-a9c7-50f4-9728-48730081a95e", "xsd:element name"),
                ("a2209cff-8e89-5b0a-a7b0-cddc4be92936", "CodeBook"),
                ("dd1b8ad4-9b6e-5be2-bd0b-fde7deafdda4", "Variables"),
            ],
        ),
        (
            "taguette-1.4.1-mixedmeasures.qdc",
            [
                ("0d62985d-b147-5d01-a9b5-cae5dcd98342", "interesting"),
                ("6b108ee0-2dc3-5b43-9061-1330f75a6b9b", "Scarcity"),
                ("b061a8c8-4fe7-5a79-9e1c-e50874232da7", "public opinion"),
            ],
        ),
    ] {
        let (_s, ts, first) = round(file, "Taguette", 3);
        let added: Vec<(&str, &str)> = first
            .added
            .iter()
            .map(|(g, n)| (g.as_str(), n.as_str()))
            .collect();
        assert_eq!(added, codes, "{file}");
        for (g, n) in codes {
            let t = by_guid(&ts, g);
            assert_eq!(t["path"], format!("Taguette/{n}"), "{file}");
            assert_eq!(t["colour"], Value::Null, "{file}");
            assert_eq!(t["description"], Value::Null, "{file}");
        }
        assert!(!first.stderr.contains("set(s)"), "{file}: {}", first.stderr);
    }
}

#[test]
fn maxqda_24_7_0_project() {
    // A project (.qde) rather than a codebook: the codebook inside it, parents that are
    // themselves codable, lower-case colours first among the attributes, and document sets
    // (MemberSource), which are not code sets and draw no warning.
    let (_s, ts, first) = round("maxqda-24.7.0-paper_themes-trimmed.qde", "MAXQDA", 13);
    assert_eq!(first.added[0].1, "Additional Themes and Ideas");
    let parent = by_guid(&ts, "c9e3d7e0-4dbf-46e2-96ef-14574ecd3b90");
    assert_eq!(parent["path"], "MAXQDA/Additional Themes and Ideas");
    assert_eq!(parent["colour"], "#ef8256");
    assert!(parent["description"]
        .as_str()
        .unwrap()
        .starts_with("This category encompasses"));
    assert_eq!(
        ts.iter()
            .filter(|t| t["parent_id"] == "c9e3d7e0-4dbf-46e2-96ef-14574ecd3b90")
            .count(),
        12
    );
    let orchestration = by_guid(&ts, "a84528d0-44f4-41d5-a1a5-7df539a4a6a1");
    assert_eq!(
        orchestration["path"],
        "MAXQDA/Additional Themes and Ideas/THEME - Orchestration (Dillenbourg)"
    );
    assert_eq!(orchestration["colour"], "#ef8256");
    let d = orchestration["description"].as_str().unwrap();
    assert!(
        d.contains("middle\u{2011}ground") && d.contains("\"delivery\""),
        "{d}"
    );
    let futures = by_guid(&ts, "b7f1199e-9855-4ac0-88ea-cad01dd104bb");
    assert!(futures["description"]
        .as_str()
        .unwrap()
        .contains("(Jasanoff & Kim)"));
    assert!(!first.stderr.contains("set(s)"), "{}", first.stderr);
    assert!(!first.stderr.contains("warning"), "{}", first.stderr);
}
