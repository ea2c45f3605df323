//! The command line's surface from issue 12, on the real binary: `consent problems`, the
//! help generated from the export registry, shell completions and the man page, and
//! transcripts imported from anywhere (copied under the transcripts root).

mod common;

use common::*;
use serde_json::Value;

fn problems(st: &Study) -> Vec<Value> {
    as_array(st.json(&["consent", "problems", "--json"]))
}

fn of_kind<'a>(v: &'a [Value], kind: &str, code: &str) -> Vec<&'a Value> {
    v.iter()
        .filter(|p| p["kind"] == kind && p["code"] == code)
        .collect()
}

#[test]
fn consent_problems_lists_each_kind_with_its_participant() {
    let st = Study::new();
    // Interviewed without any consent (logged as a gap).
    let none = st.add("Una Nocon", "ics-ceo", "A");
    let gap = st
        .ok(&[
            "interview",
            "log",
            "--participant",
            &none,
            "--date",
            "2022-01-10",
            "--allow-gap",
        ])
        .trim()
        .to_string();
    // Recorded although audio was refused; the other items never asked.
    let audio = st.add("Otto Noaudio", "ics-ceo", "B");
    st.ok(&[
        "consent",
        "record",
        &audio,
        "--date",
        "2021-12-01",
        "--take-part",
        "yes",
        "--audio",
        "no",
    ]);
    let rec = st
        .ok(&[
            "interview",
            "log",
            "--participant",
            &audio,
            "--date",
            "2022-01-11",
            "--recording",
            "recorded",
            "--allow-gap",
        ])
        .trim()
        .to_string();
    // Everything agreed, seen at baseline: no problem at all.
    let fine = st.add("Flo Fine", "ics-ceo", "C");
    let mut all_yes = vec!["consent", "record", &fine, "--date", "2021-12-01"];
    for item in [
        "--take-part",
        "--audio",
        "--quotes",
        "--archiving",
        "--follow-up",
    ] {
        all_yes.extend([item, "yes"]);
    }
    st.ok(&all_yes);
    st.interview(&fine, "2022-01-12");

    let v = problems(&st);
    let c = of_kind(&v, "consent", &none);
    assert_eq!(c.len(), 1, "{v:?}");
    assert_eq!(c[0]["session_id"], gap.as_str());
    assert_eq!(c[0]["date"], "2022-01-10");
    assert_eq!(c[0]["items"][0]["item"], "take-part");
    assert_eq!(c[0]["items"][0]["state"], "unset");
    assert!(s(c[0], "action").contains("consent record"), "{v:?}");

    let a = of_kind(&v, "audio-consent", &audio);
    assert_eq!(a.len(), 1, "{v:?}");
    assert_eq!(a[0]["session_id"], rec.as_str());
    assert_eq!(a[0]["items"][0]["state"], "no");
    assert!(of_kind(&v, "consent", &audio).is_empty(), "{v:?}");

    // Seen at phase 1, not at phase 2, and follow-up contact never agreed.
    let f = of_kind(&v, "follow-up", &audio);
    assert_eq!(f.len(), 1, "{v:?}");
    assert_eq!(f[0]["items"][0]["item"], "follow-up");
    assert_eq!(f[0]["session_id"], Value::Null);
    assert_eq!(of_kind(&v, "follow-up", &none).len(), 1, "{v:?}");

    let n = of_kind(&v, "never-asked", &audio);
    assert_eq!(n.len(), 1, "{v:?}");
    let items: Vec<&str> = n[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| s(i, "item"))
        .collect();
    assert_eq!(items, ["quotes", "archiving", "follow-up"], "{v:?}");
    // No consent record at all is the `consent` problem, not "never asked".
    assert!(of_kind(&v, "never-asked", &none).is_empty(), "{v:?}");

    assert!(v.iter().all(|p| p["code"] != fine.as_str()), "{v:?}");
    assert_eq!(v.len(), 5, "{v:?}");

    // The text table: one line per problem under a header, the count on stderr; exit 0.
    let out = st.fw(&["consent", "problems"]);
    expect_code(&out, 0, &["consent", "problems"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("KIND"), "{text}");
    assert_eq!(lines.len(), 1 + 5, "{text}");
    assert_has(&text, &["audio-consent", "never-asked", &gap[..8]]);
    assert_has(&stderr(&out), &["5 consent problem(s)"]);
}

#[test]
fn consent_problems_on_an_empty_study_is_an_empty_list() {
    let st = Study::new();
    assert!(problems(&st).is_empty());
    let out = st.fw(&["consent", "problems"]);
    expect_code(&out, 0, &["consent", "problems"]);
    assert_has(&stderr(&out), &["0 consent problem(s)"]);
}

/// Every command path under `fieldwork` (`["export", "table1"]`), without clap's `help`.
fn command_paths() -> Vec<Vec<String>> {
    use clap::CommandFactory;
    fn walk(c: &clap::Command, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        for sub in c.get_subcommands().filter(|s| s.get_name() != "help") {
            path.push(sub.get_name().to_string());
            out.push(path.clone());
            walk(sub, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(&fieldwork::cli::Cli::command(), &mut Vec::new(), &mut out);
    out
}

#[test]
fn bash_completion_names_every_command_and_every_export_flag() {
    let st = Study::empty();
    let script = st.ok(&["completions", "bash"]);
    let paths = command_paths();
    assert!(paths.len() > 60, "{}", paths.len());
    for p in &paths {
        // clap_complete's bash script has a case label `PARENT,NAME)` per command.
        let (name, parents) = p.split_last().unwrap();
        let parent = std::iter::once("fieldwork".to_string())
            .chain(parents.iter().cloned())
            .collect::<Vec<_>>()
            .join("__subcmd__");
        let label = format!("{parent},{name})");
        assert!(script.contains(&label), "no {label} in the bash script");
    }
    for e in fieldwork::export::registry::EXPORTS {
        for a in e.params {
            let flag = format!("--{}", a.name.replace('_', "-"));
            assert!(script.contains(&flag), "{}: no {flag}", e.name);
        }
    }
}

#[test]
fn every_shell_gets_a_script_naming_every_command() {
    let st = Study::empty();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = st.ok(&["completions", shell]);
        for p in command_paths() {
            let name = p.last().unwrap();
            assert!(script.contains(name.as_str()), "{shell}: no {name}");
        }
        assert!(
            script.contains("table1") && script.contains("allow-unsafe"),
            "{shell}"
        );
    }
    // An unknown shell is a usage error naming the ones offered.
    let out = st.fw_raw(&["completions", "tcsh"]);
    expect_code(&out, 2, &["completions", "tcsh"]);
    assert_has(&stderr(&out), &["tcsh", "bash", "zsh"]);
}

#[test]
fn the_man_page_renders_and_names_every_command() {
    let st = Study::empty();
    let roff = st.ok(&["man"]);
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH fieldwork"),
        "{roff}"
    );
    let top: Vec<String> = command_paths()
        .into_iter()
        .filter(|p| p.len() == 1)
        .map(|p| p[0].clone())
        .collect();
    // Rendered by man(1) when it is installed (Debian's `man-db`); the roff source otherwise.
    let page = std::process::Command::new("man")
        .args(["-l", "-"])
        .env("MANWIDTH", "100")
        .env("MAN_KEEP_FORMATTING", "0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take()?.write_all(roff.as_bytes()).ok()?;
            let out = child.wait_with_output().ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        });
    match page {
        Some(text) => {
            // man may embolden with backspaces when not told otherwise: drop them.
            let text: String = {
                let mut t = String::new();
                for c in text.chars() {
                    if c == '\u{8}' {
                        t.pop();
                    } else {
                        t.push(c);
                    }
                }
                t
            };
            assert_has(&text, &["NAME", "SYNOPSIS", "SUBCOMMANDS"]);
            for name in &top {
                assert!(
                    text.contains(&format!("fieldwork-{name}(1)")),
                    "the rendered page lacks {name}:\n{text}"
                );
            }
        }
        None => {
            for name in &top {
                let roffed = format!("fieldwork\\-{}", name.replace('-', "\\-"));
                assert!(roff.contains(&roffed), "the page lacks {name}");
            }
        }
    }

    // --out: one page per command, every export included, in a folder it creates.
    let dir = st.path().join("man/man1");
    let printed = st.ok(&["man", "--out", dir.to_str().unwrap()]);
    assert_eq!(printed.trim(), dir.join("fieldwork.1").to_str().unwrap());
    for p in command_paths() {
        let page = dir.join(format!("fieldwork-{}.1", p.join("-")));
        assert!(page.is_file(), "no {}", page.display());
    }
    let t1 = std::fs::read_to_string(dir.join("fieldwork-export-table1.1")).unwrap();
    assert_has(&t1, &["allow\\-unsafe", "threshold"]);
    // --out naming a file is bad usage.
    let file = st.write("not-a-dir", "x");
    let out = st.fw_raw(&["man", "--out", file.to_str().unwrap()]);
    expect_code(&out, 2, &["man", "--out", "FILE"]);
    assert_has(&stderr(&out), &["not a folder"]);
}

#[test]
fn help_names_every_export_in_the_registry() {
    let st = Study::empty();
    let help = st.ok(&["--help"]);
    // The `export` line and its wrapped continuation lines.
    let mut lines = help
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("export "));
    let mut entry = lines.next().expect("export in --help").to_string();
    for l in lines.take_while(|l| l.starts_with("          ")) {
        entry.push(' ');
        entry.push_str(l.trim());
    }
    let names: Vec<&str> = fieldwork::export::registry::EXPORTS
        .iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names.len(), 7);
    for n in &names {
        assert!(
            entry.contains(n),
            "`fieldwork --help` export line lacks {n}: {entry}"
        );
    }
    // `export --help` lists each as a command, and each has its own help.
    let ex = st.ok(&["export", "--help"]);
    for e in fieldwork::export::registry::EXPORTS {
        assert!(
            ex.lines()
                .any(|l| l.trim_start().starts_with(&format!("{} ", e.name))),
            "{}",
            e.name
        );
        let own = st.ok(&["export", e.name, "--help"]);
        for a in e.params {
            assert!(
                own.contains(&format!("--{}", a.name.replace('_', "-"))),
                "{}",
                e.name
            );
        }
    }
}

/// Files under a folder, relative, sorted (`.`-files included: no temporary file stays).
fn files_under(dir: &std::path::Path) -> Vec<String> {
    fn walk(base: &std::path::Path, d: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    if dir.is_dir() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

const TEXT: &str = "Interviewer: How did the quality plan start?\nAnn: With a workshop.\n";

#[test]
fn a_transcript_from_anywhere_is_copied_under_the_root_and_imported() {
    let st = Study::new();
    std::fs::create_dir_all(st.transcripts()).unwrap();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let s1 = st.interview(&a, "2022-01-10");
    let s2 = st.interview(&a, "2022-01-20");
    let outside = st.write("Downloads/interview one.txt", TEXT);

    let out = st.fw(&[
        "transcript",
        "import",
        outside.to_str().unwrap(),
        "--interview",
        &s1,
        "--json",
    ]);
    expect_code(&out, 0, &["transcript", "import", "OUTSIDE"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    // Named by the default pattern `*{code}*`: the code, then the date (the last `*`).
    let rel = format!("{a}_2022-01-10.txt");
    assert_eq!(v["transcript"]["path"], rel.as_str(), "{v}");
    assert_eq!(
        v["copied_from"],
        outside.canonicalize().unwrap().to_str().unwrap()
    );
    assert_eq!(v["turns"], 2);
    let copy = st.transcripts().join(&rel);
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), TEXT);
    // Copied, never moved.
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), TEXT);
    #[cfg(unix)]
    assert_eq!(mode(&copy), 0o600);
    assert_eq!(files_under(&st.transcripts()), std::slice::from_ref(&rel));
    let t = &st.json(&["interview", "show", &s1, "--json"])["transcript"];
    assert_eq!(s(t, "path"), rel);
    assert_eq!(s(t, "sha256"), sha256_hex(&outside));
    st.ok(&["transcript", "verify"]);
    let shown = st.json(&["transcript", "show", &s1, "--json"]);
    assert!(shown.to_string().contains("With a workshop."), "{shown}");

    // The same file again: the copy is reused (nothing new), a re-import.
    let out = st.fw(&[
        "transcript",
        "import",
        outside.to_str().unwrap(),
        "--interview",
        &s1,
    ]);
    expect_code(&out, 0, &["transcript", "import", "OUTSIDE", "again"]);
    assert_has(&stderr(&out), &["copied", &rel, "imported"]);
    assert_eq!(files_under(&st.transcripts()), std::slice::from_ref(&rel));

    // The participant's second interview gets its own name.
    let second = st.write("Downloads/two.md", "Ann: Later on.\n");
    let v = st.json(&[
        "transcript",
        "import",
        second.to_str().unwrap(),
        "--interview",
        &s2,
        "--json",
    ]);
    assert_eq!(
        v["transcript"]["path"],
        format!("{a}_2022-01-20.md").as_str()
    );
    assert_eq!(files_under(&st.transcripts()).len(), 2);

    // A file already under the root is imported where it is (nothing copied).
    let b = st.consented("Bea Bold", "ics-ceo", "B");
    let s3 = st.interview(&b, "2022-01-11");
    st.write("transcripts/bea.txt", "Bea: Inside.\n");
    let v = st.json(&[
        "transcript",
        "import",
        "bea.txt",
        "--interview",
        &s3,
        "--json",
    ]);
    assert_eq!(v["transcript"]["path"], "bea.txt");
    assert_eq!(v["copied_from"], Value::Null);
    assert_eq!(files_under(&st.transcripts()).len(), 3);
}

#[test]
fn an_import_from_anywhere_never_replaces_a_file_and_leaves_nothing_when_refused() {
    let st = Study::new();
    std::fs::create_dir_all(st.transcripts()).unwrap();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.interview(&a, "2022-01-10");
    let rel = format!("{a}_2022-01-10.txt");
    // A different file under that name already: refused, both untouched, nothing written.
    let theirs = st.write(&format!("transcripts/{rel}"), "Someone: else.\n");
    let outside = st.write("elsewhere/ann.txt", TEXT);
    let before = st.snapshot();
    let err = st.fails(
        2,
        &[
            "transcript",
            "import",
            outside.to_str().unwrap(),
            "--interview",
            &sid,
        ],
    );
    assert_has(&err, &[&rel, "other content", "ann.txt"]);
    assert_eq!(
        std::fs::read_to_string(&theirs).unwrap(),
        "Someone: else.\n"
    );
    assert_eq!(st.snapshot(), before);
    assert_eq!(files_under(&st.transcripts()), std::slice::from_ref(&rel));
    std::fs::remove_file(&theirs).unwrap();

    // A file that cannot be imported is not copied.
    let empty = st.write("elsewhere/empty.txt", "");
    let err = st.fails(
        2,
        &[
            "transcript",
            "import",
            empty.to_str().unwrap(),
            "--interview",
            &sid,
        ],
    );
    assert_has(&err, &["empty.txt", "empty"]);
    assert!(files_under(&st.transcripts()).is_empty());

    // The database refuses after the copy was made (the interview already has another
    // transcript): the copy is taken back.
    st.write("transcripts/linked.txt", "Ann: First file.\n");
    st.ok(&["transcript", "link", &sid, "linked.txt"]);
    let before = st.snapshot();
    let err = st.fails(
        2,
        &[
            "transcript",
            "import",
            outside.to_str().unwrap(),
            "--interview",
            &sid,
        ],
    );
    assert_has(&err, &["already has a transcript", "--replace"]);
    assert_eq!(st.snapshot(), before);
    assert_eq!(files_under(&st.transcripts()), ["linked.txt"]);
    // With --replace it goes through.
    let v = st.json(&[
        "transcript",
        "import",
        outside.to_str().unwrap(),
        "--interview",
        &sid,
        "--replace",
        "--json",
    ]);
    assert_eq!(v["transcript"]["path"], rel.as_str());
}

#[test]
fn the_configured_pattern_names_the_copy_and_its_folders_are_owner_only() {
    let st = Study::empty();
    st.write(
        "fieldwork.toml",
        "[coding]\nimport_pattern = \"{site}/phase-{phase}/{code}*\"\n",
    );
    st.ok(&["init"]);
    std::fs::create_dir_all(st.transcripts()).unwrap();
    let a = st.consented("Ann Able", "ics-ceo", "B");
    let sid = st.interview(&a, "2022-01-10");
    let outside = st.write(
        "in/ann.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ann>Hello there.</v>\n",
    );
    let v = st.json(&[
        "transcript",
        "import",
        outside.to_str().unwrap(),
        "--interview",
        &sid,
        "--json",
    ]);
    let rel = format!("B/phase-1/{a}_2022-01-10.vtt");
    assert_eq!(v["transcript"]["path"], rel.as_str(), "{v}");
    #[cfg(unix)]
    {
        assert_eq!(mode(&st.transcripts().join("B")), 0o700);
        assert_eq!(mode(&st.transcripts().join("B/phase-1")), 0o700);
        assert_eq!(mode(&st.transcripts().join(&rel)), 0o600);
    }
    // import-dir finds it again under the same pattern, as this interview's file.
    let again = st.json(&[
        "transcript",
        "import-dir",
        st.transcripts().to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    assert!(again.to_string().contains(&sid), "{again}");
}
