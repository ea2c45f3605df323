use super::{error::*, loaded::*, schema::*};
use std::path::PathBuf;

#[test]
fn builtin_study_parses() {
    let c = parse(DEFAULT_STUDY, "builtin").unwrap();
    assert_eq!(c.study.sites.len(), 4);
    assert_eq!(c.study.phases.len(), 2);
    assert_eq!(c.study.meeting_types.len(), 7);
    assert_eq!(c.study.frameworks.len(), 2);
}

#[test]
fn example_file_matches_builtin_study() {
    let example = include_str!("../../fieldwork.example.toml");
    let a = parse(example, "example").unwrap();
    let b = parse(DEFAULT_STUDY, "builtin").unwrap();
    assert_eq!(
        format!("{:?}", strip(&a.study)),
        format!("{:?}", strip(&b.study))
    );
}

fn strip(s: &StudyDef) -> String {
    // Spans differ between files; compare the values only.
    let sites: Vec<_> = s.sites.iter().map(|x| x.code.get_ref().clone()).collect();
    let roles: Vec<_> = s
        .role_categories
        .iter()
        .flat_map(|c| {
            c.roles
                .iter()
                .map(|r| (r.code.get_ref().clone(), r.name.clone()))
        })
        .collect();
    let phases: Vec<_> = s
        .phases
        .iter()
        .map(|p| (p.start_date(), p.end_date(), p.targets.get_ref().clone()))
        .collect();
    format!("{} {sites:?} {roles:?} {phases:?}", s.name)
}

#[test]
fn unknown_key_names_line_and_suggests() {
    let text = "[user]\nnmae = \"x\"\n";
    let e = parse(text, "f.toml").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("nmae"), "{e}");
    assert!(e.message.contains("name"), "{e}");
}

#[test]
fn bad_target_site_is_located() {
    let text = DEFAULT_STUDY.replace("targets = { A = 15,", "targets = { Z = 15,");
    let e = parse(&text, "f.toml").unwrap_err();
    assert!(e.key.contains("targets.Z"), "{e}");
    assert!(
        e.hint.as_deref().unwrap_or("").contains("A, B, C, D"),
        "{e}"
    );
    assert!(e.line > 1);
}

#[test]
fn phase_end_before_start() {
    let text = DEFAULT_STUDY.replace("end = 2022-05-31", "end = 2021-05-31");
    let e = parse(&text, "f.toml").unwrap_err();
    assert!(e.key.ends_with("phases[0].end"), "{e}");
    assert!(e.message.contains("before it starts"), "{e}");
}

fn refused(text: &str) -> ConfigError {
    parse(text, "f.toml").expect_err(text)
}

#[test]
fn sync_keys_are_checked_at_load_with_their_place() {
    let key = || age::x25519::Identity::generate().to_public().to_string();
    let (a, b) = (&key(), &key());
    let ok = parse(
        &format!("[sync]\nrecipients = [\"{a}\", \"{b}\"]\nidentity = \"keys/me.txt\"\n"),
        "f.toml",
    )
    .unwrap();
    assert_eq!(ok.sync.recipients, vec![a.to_string(), b.to_string()]);
    assert_eq!(ok.sync.identity, Some(PathBuf::from("keys/me.txt")));
    let bad = &a[..a.len() - 1];
    assert_eq!(a.len(), 62);
    let e = refused(&format!("[sync]\nrecipients = [\"{a}\",\n  \"{bad}\"]\n"));
    assert_eq!((e.line, e.column), (3, 3), "{e}");
    assert_eq!(e.key, "sync.recipients[1]");
    assert!(
        e.message.contains(bad) && e.message.contains("not an age public key"),
        "{e}"
    );
    let e = refused("[sync]\nrecipients = [\"ssh-ed25519 AAAA\"]\n");
    assert!(e.message.contains("starts with `age1`"), "{e}");
    let e = refused(&format!("[sync]\nrecipients = [\"{a}\", \"{a}\"]\n"));
    assert!(
        e.message.contains("listed twice") && e.key == "sync.recipients[1]",
        "{e}"
    );
    let e = refused("[sync]\nidentity = \"\"\n");
    assert_eq!((e.line, e.key.as_str()), (2, "sync.identity"), "{e}");
    let e = refused("[sync]\nrecipient = []\n");
    assert!(e.message.contains("unknown field `recipient`"), "{e}");
}

#[test]
fn settings_are_validated_at_load_with_their_place() {
    let e = refused("[user]\nname = \"A\"\n\n[coding]\nimport_pattern = \"*{code\"\n");
    assert_eq!((e.line, e.column), (5, 18), "{e}");
    assert_eq!(e.key, "coding.import_pattern");
    assert!(e.message.contains("unclosed `{`"), "{e}");
    let e = refused("[coding]\nimport_pattern = \"{participant}\"\n");
    assert!(
        e.message.contains("unknown placeholder `{participant}`"),
        "{e}"
    );
    let e = refused("[coding]\nimport_pattern = \"transcripts/*\"\n");
    assert!(e.message.contains("at least one placeholder"), "{e}");
    for (v, what) in [
        ("nan", "NaN"),
        ("inf", "inf"),
        ("-0.5", "-0.5"),
        ("1.5", "1.5"),
    ] {
        let e = refused(&format!("[coding]\nsaturation_threshold = {v}\n"));
        assert_eq!(
            (e.line, e.column, e.key.as_str()),
            (2, 24, "coding.saturation_threshold"),
            "{e}"
        );
        assert!(
            e.message.contains(what) && e.message.contains("between 0 and 1"),
            "{e}"
        );
    }
    let e = refused("[coding]\nsaturation_base = 0\n");
    assert_eq!(
        (e.line, e.key.as_str()),
        (2, "coding.saturation_base"),
        "{e}"
    );
    let e = refused("[coding]\nsaturation_run = 100000\n");
    assert!(e.message.contains("out of range"), "{e}");
    let e = refused("[ui]\ncolour = true\ntick_ms = 0\n");
    assert_eq!(
        (e.line, e.column, e.key.as_str()),
        (3, 11, "ui.tick_ms"),
        "{e}"
    );
    let e = refused("[transcripts]\nextensions = [\"txt\", \"pdf\"]\n");
    assert_eq!((e.line, e.column), (2, 22), "{e}");
    assert_eq!(e.key, "transcripts.extensions[1]");
    let e = refused("[transcripts]\nextensions = []\n");
    assert!(e.message.contains("at least one"), "{e}");
    let e = refused("database = \"\"\n");
    assert_eq!(e.key, "database");
    let e = refused("[user]\nname = \"Ann \\u001b[31mAble\"\n");
    assert_eq!((e.line, e.key.as_str()), (2, "user.name"), "{e}");
    assert!(e.message.contains("U+001B"), "{e}");
    // The study's text too.
    let text = DEFAULT_STUDY.replacen("name = \"", "name = \"\\r", 1);
    let e = refused(&text);
    assert!(e.message.contains("U+000D") && e.line > 0, "{e}");
    // Good values still load, and the example file's values are all in range.
    parse("[ui]\ntick_ms = 10\n[coding]\nsaturation_threshold = 0\nimport_pattern = \"{site}/{phase}/*{code}*\"\n", "f.toml").unwrap();
    parse("[user]\nname = \"Ann\\tAble\"\n", "f.toml").unwrap();
}
