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
