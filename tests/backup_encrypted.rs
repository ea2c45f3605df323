//! `fieldwork backup --encrypt`, `restore` of what it wrote, and `sync keygen`, with the
//! real binary on temporary databases: both key modes round trip; the file is owner-only
//! and holds none of the participants' names, emails or export codes as bytes; a wrong
//! passphrase, a wrong identity, a missing key, a damaged file or a sync bundle are refused
//! with exit 2 and nothing changes.

mod common;
#[cfg(unix)]
mod pty;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{assert_has, expect_code, stderr, stdout, Study};

const PASS: &str = "a long test passphrase, not a real one";

/// The participants: (name, email).
const PEOPLE: &[(&str, &str)] = &[
    ("Ada Quillfeather", "ada.quillfeather@example.org"),
    ("Bram Oakhollow", "bram.oakhollow@example.net"),
    ("Cleo Marrowby", "cleo.marrowby@example.com"),
];

/// The binary with the study's clean environment, no passphrase unless given, and no
/// terminal on standard input (so nothing can be asked).
fn cmd(s: &Study, pass: Option<&str>, config: Option<&Path>, args: &[&str]) -> Output {
    let mut c: Command = s.command();
    c.env_remove("FIELDWORK_SYNC_PASSPHRASE")
        .stdin(Stdio::null());
    if let Some(p) = pass {
        c.env("FIELDWORK_SYNC_PASSPHRASE", p);
    }
    if let Some(f) = config {
        c.arg("--config").arg(f);
    }
    c.arg("--db").arg(s.db()).args(args);
    c.output().expect("run fieldwork")
}

/// A study with three participants (name and email) and an interview; their export codes.
fn study() -> (Study, Vec<String>) {
    let s = Study::new();
    let mut codes = Vec::new();
    for (name, email) in PEOPLE {
        let code = s
            .ok(&[
                "participant",
                "add",
                "--name",
                name,
                "--email",
                email,
                "--role",
                "q-manager",
                "--site",
                "A",
            ])
            .trim()
            .to_string();
        codes.push(code);
    }
    s.consent(&codes[0], "2021-10-01");
    s.interview(&codes[0], "2022-01-10");
    (s, codes)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn names(s: &Study) -> Vec<String> {
    let mut v: Vec<String> = s
        .participants()
        .iter()
        .map(|p| common::s(p, "name").to_string())
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The refusal contract of `restore`: exit 2, the reason and the file named, the database
/// and the folder exactly as they were.
#[track_caller]
fn refused(s: &Study, out: Output, before: &(String, Vec<String>), needles: &[&str]) {
    expect_code(&out, 2, &["restore"]);
    let err = stderr(&out);
    assert_has(&err, needles);
    assert_has(&err, &["nothing was changed"]);
    assert_eq!(common::dump(&s.db()), before.0, "the database changed");
    assert_eq!(files_in(s.path()), before.1, "files were added or removed");
}

fn state(s: &Study) -> (String, Vec<String>) {
    (common::dump(&s.db()), files_in(s.path()))
}

#[test]
fn an_encrypted_backup_holds_no_identifier_and_restores_with_its_passphrase() {
    let (s, codes) = study();
    let file = s.path().join("out/backup.fwb");
    let before_files = files_in(s.path());
    let out = cmd(
        &s,
        Some(PASS),
        None,
        &["backup", "--encrypt", file.to_str().unwrap()],
    );
    expect_code(&out, 0, &["backup", "--encrypt"]);
    assert_has(
        &stderr(&out),
        &["backed up", "backup.fwb", "encrypted with a passphrase"],
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&s.path().join("out")), 0o700);
    }
    // Only the new folder appeared: the plaintext copy beside the database is gone.
    let mut want = before_files.clone();
    want.push("out".into());
    want.sort();
    assert_eq!(files_in(s.path()), want);
    assert_eq!(files_in(&s.path().join("out")), vec!["backup.fwb"]);
    // None of the identifiers as bytes, nor the SQLite header. Exact bytes, at least 5 of
    // them: a shorter or case-folded needle turns up by chance in half a megabyte of
    // ciphertext (a 3-letter given name, case-insensitively, about one time in four).
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.len() > 4096, "a whole database is in it");
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    let mut needles: Vec<String> = Vec::new();
    for (name, email) in PEOPLE {
        needles.push(name.to_string());
        needles.extend(name.split(' ').filter(|p| p.len() >= 5).map(str::to_string));
        needles.push(email.to_string());
    }
    needles.extend(codes.iter().cloned());
    needles.push("SQLite format 3".into());
    assert!(needles.iter().all(|n| n.len() >= 5), "{needles:?}");
    // The scan finds them where they are: in a plain backup, every one is there.
    let plain = s.path().join("plain.db");
    s.ok(&["backup", plain.to_str().unwrap()]);
    let plain_bytes = std::fs::read(&plain).unwrap();
    std::fs::remove_file(&plain).unwrap();
    let found = |hay: &[u8], n: &str| hay.windows(n.len()).any(|w| w == n.as_bytes());
    for n in &needles {
        assert!(
            found(&plain_bytes, n),
            "`{n}` is not in the plain backup: the scan would prove nothing"
        );
    }
    for n in &needles {
        assert!(
            !found(&bytes, n),
            "`{n}` is readable in the encrypted backup"
        );
    }
    // The database moves on; the restore brings back what was backed up.
    let before = names(&s);
    s.ok(&[
        "participant",
        "add",
        "--name",
        "Dov Later",
        "--role",
        "q-manager",
        "--site",
        "B",
    ]);
    assert_eq!(names(&s).len(), 4);
    let out = cmd(&s, Some(PASS), None, &["restore", file.to_str().unwrap()]);
    expect_code(&out, 0, &["restore"]);
    assert_has(
        &stderr(&out),
        &["kept the current database as", "restored", "backup.fwb"],
    );
    assert_eq!(names(&s), before);
    let emails: Vec<String> = s
        .participants()
        .iter()
        .map(|p| {
            s.show(common::s(p, "code"))["email"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    for (_, email) in PEOPLE {
        assert!(
            emails.iter().any(|e| e == email),
            "{email} not restored: {emails:?}"
        );
    }
    assert_eq!(s.interviews().len(), 1);
    assert_eq!(s.audit()[0]["action"], "restore");
    // No decrypted copy left behind, and the kept database beside it as with any restore.
    let left: Vec<String> = files_in(s.path())
        .into_iter()
        .filter(|f| f.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        files_in(s.path())
            .iter()
            .filter(|f| f.starts_with("study.db.before-restore-"))
            .count(),
        1
    );
    // The encrypted file itself is unchanged by the restore.
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
}

#[test]
fn a_wrong_passphrase_or_none_changes_nothing() {
    let (s, _) = study();
    let file = s.path().join("backup.fwb");
    let out = cmd(
        &s,
        Some(PASS),
        None,
        &["backup", "--encrypt", file.to_str().unwrap()],
    );
    expect_code(&out, 0, &["backup", "--encrypt"]);
    s.ok(&[
        "participant",
        "add",
        "--name",
        "Dov Later",
        "--role",
        "q-manager",
        "--site",
        "B",
    ]);
    let before = state(&s);
    let out = cmd(
        &s,
        Some("not the passphrase"),
        None,
        &["restore", file.to_str().unwrap()],
    );
    refused(&s, out, &before, &["backup.fwb", "wrong passphrase"]);
    // No variable and no terminal: refused before anything, saying how to give one.
    let out = cmd(&s, None, None, &["restore", file.to_str().unwrap()]);
    refused(
        &s,
        out,
        &before,
        &["FIELDWORK_SYNC_PASSPHRASE", "no terminal"],
    );
    // Same for sealing: no file is made.
    let other = s.path().join("other.fwb");
    let out = cmd(
        &s,
        None,
        None,
        &["backup", "--encrypt", other.to_str().unwrap()],
    );
    expect_code(&out, 2, &["backup", "--encrypt"]);
    assert_has(&stderr(&out), &["FIELDWORK_SYNC_PASSPHRASE", "no terminal"]);
    assert!(!other.exists());
    assert_eq!(state(&s), before);
}

#[test]
fn a_damaged_encrypted_backup_or_a_sync_bundle_is_refused() {
    let (s, _) = study();
    let file = s.path().join("backup.fwb");
    let out = cmd(
        &s,
        Some(PASS),
        None,
        &["backup", "--encrypt", file.to_str().unwrap()],
    );
    expect_code(&out, 0, &["backup", "--encrypt"]);
    let bytes = std::fs::read(&file).unwrap();
    let cut = s.write("cut.fwb", &bytes[..bytes.len() * 2 / 3]);
    let mut flipped = bytes.clone();
    let i = bytes.len() / 2;
    flipped[i] ^= 1;
    let flip = s.write("flip.fwb", &flipped);
    let before = state(&s);
    for (f, name) in [(&cut, "cut.fwb"), (&flip, "flip.fwb")] {
        let out = cmd(&s, Some(PASS), None, &["restore", f.to_str().unwrap()]);
        refused(&s, out, &before, &[name, "truncated or corrupted"]);
    }
    // A changes bundle (what `sync export` writes), however good, is not a backup.
    let changes = s.path().join("changes.fwb");
    let mut h = fieldwork::sync::bundle::BundleHeader::new(
        fieldwork::sync::bundle::BundleKind::Changes,
        fieldwork::store::SCHEMA_VERSION,
    );
    h.device_id = "device-1".into();
    fieldwork::sync::bundle::write_bundle(
        &changes,
        h,
        b"changesets",
        &fieldwork::sync::bundle::Seal::Passphrase(PASS.to_string().into()),
    )
    .unwrap();
    let before = state(&s);
    let out = cmd(
        &s,
        Some(PASS),
        None,
        &["restore", changes.to_str().unwrap()],
    );
    refused(
        &s,
        out,
        &before,
        &["changes.fwb", "not an encrypted backup"],
    );
    // An encrypted backup over an existing file: refused, the file untouched.
    let out = cmd(
        &s,
        Some(PASS),
        None,
        &["backup", "--encrypt", cut.to_str().unwrap()],
    );
    expect_code(&out, 2, &["backup", "--encrypt"]);
    assert_has(&stderr(&out), &["cut.fwb", "already exists"]);
    assert_eq!(std::fs::read(&cut).unwrap(), &bytes[..bytes.len() * 2 / 3]);
}

/// `sync keygen` through the binary: (identity file, public key).
fn keygen(s: &Study, rel: &str) -> (PathBuf, String) {
    let id = s.path().join(rel);
    let out = cmd(
        s,
        None,
        None,
        &["sync", "keygen", "--out", id.to_str().unwrap()],
    );
    expect_code(&out, 0, &["sync", "keygen"]);
    let public = stdout(&out).trim().to_string();
    assert!(public.starts_with("age1") && public.len() == 62, "{public}");
    (id, public)
}

#[test]
fn keys_from_the_configuration_seal_and_open_without_a_passphrase() {
    let (s, _) = study();
    let (lead, lead_pub) = keygen(&s, "keys/lead.txt");
    let (_recovery, recovery_pub) = keygen(&s, "keys/recovery.txt");
    let (stranger, _) = keygen(&s, "keys/stranger.txt");
    #[cfg(unix)]
    {
        assert_eq!(mode(&lead), 0o600);
        assert_eq!(mode(&s.path().join("keys")), 0o700);
    }
    let text = std::fs::read_to_string(&lead).unwrap();
    assert!(
        text.contains("AGE-SECRET-KEY-1") && text.contains(&lead_pub),
        "{text}"
    );
    // A second keygen to the same file is refused and leaves the key as it was.
    let out = cmd(
        &s,
        None,
        None,
        &["sync", "keygen", "--out", lead.to_str().unwrap()],
    );
    expect_code(&out, 2, &["sync", "keygen"]);
    assert_has(&stderr(&out), &["lead.txt", "already exists"]);
    assert_eq!(std::fs::read_to_string(&lead).unwrap(), text);

    let config = |name: &str, identity: &str| {
        s.write(
            name,
            format!(
                "[sync]\nrecipients = [\"{lead_pub}\", \"{recovery_pub}\"]\nidentity = \"{identity}\"\n"
            ),
        )
    };
    let lead_cfg = config("lead.toml", "keys/lead.txt");
    let recovery_cfg = config("recovery.toml", "keys/recovery.txt");
    let stranger_cfg = config("stranger.toml", "keys/stranger.txt");
    let file = s.path().join("backup.fwb");
    // No passphrase anywhere: the recipients are used.
    let out = cmd(
        &s,
        None,
        Some(&lead_cfg),
        &["backup", "--encrypt", file.to_str().unwrap()],
    );
    expect_code(&out, 0, &["backup", "--encrypt"]);
    assert_has(&stderr(&out), &["encrypted to 2 age recipient(s)"]);
    let before_names = names(&s);
    s.ok(&[
        "participant",
        "add",
        "--name",
        "Dov Later",
        "--role",
        "q-manager",
        "--site",
        "B",
    ]);

    let before = state(&s);
    let out = cmd(
        &s,
        None,
        Some(&stranger_cfg),
        &["restore", file.to_str().unwrap()],
    );
    refused(
        &s,
        out,
        &before,
        &[
            "backup.fwb",
            "no matching identity",
            &stranger.display().to_string(),
        ],
    );
    // No identity configured: says which setting opens it.
    let out = cmd(&s, Some(PASS), None, &["restore", file.to_str().unwrap()]);
    refused(&s, out, &before, &["backup.fwb", "[sync] identity"]);
    // The recovery key opens it as well as the lead's.
    let out = cmd(
        &s,
        None,
        Some(&recovery_cfg),
        &["restore", file.to_str().unwrap()],
    );
    expect_code(&out, 0, &["restore"]);
    assert_eq!(names(&s), before_names);

    // A recipient that is not a key is refused at load, with its place.
    let bad = s.write("bad.toml", "[sync]\nrecipients = [\"age1nope\"]\n");
    let out = cmd(&s, None, Some(&bad), &["backup", "--encrypt", "x.fwb"]);
    expect_code(&out, 2, &["backup"]);
    assert_has(
        &stderr(&out),
        &[
            "bad.toml:2:15",
            "sync.recipients[0]",
            "age1nope",
            "not an age public key",
        ],
    );
}

/// The real binary in a pseudo-terminal, for the passphrase prompt, in `dir` with no
/// configuration file and no passphrase in the environment.
#[cfg(unix)]
fn term(dir: &Path, args: &[&str]) -> pty::Tui {
    pty::Builder::new()
        .args(args)
        .home(dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .env("FIELDWORK_CONFIG", "")
        .env_remove("FIELDWORK_SYNC_PASSPHRASE")
        .env_remove("FIELDWORK_DB")
        .size(24, 200)
        .spawn()
}

#[cfg(unix)]
#[test]
fn the_passphrase_is_asked_twice_without_echo_and_then_once_to_restore() {
    let (s, _) = study();
    let db = s.db();
    let db = db.to_str().unwrap();
    let file = s.path().join("typed.fwb");
    let secret = "purple kettle 42 under";
    // Two different answers: refused, no file.
    let mut t = term(s.path(), &["--db", db, "backup", "--encrypt", "typed.fwb"]);
    t.wait("passphrase to encrypt with:");
    t.type_hidden(&format!("{secret}\r"));
    t.wait("the same passphrase again:");
    t.type_hidden("something else\r");
    assert_eq!(t.wait_exit().exit_code(), 2, "{}", t.screen());
    t.wait("the two passphrases differ");
    assert!(!file.exists());
    // The same twice: sealed, and neither answer was echoed.
    let mut t = term(s.path(), &["--db", db, "backup", "--encrypt", "typed.fwb"]);
    t.wait("passphrase to encrypt with:");
    t.type_hidden(&format!("{secret}\r"));
    t.wait("the same passphrase again:");
    t.type_hidden(&format!("{secret}\r"));
    assert_eq!(t.wait_exit().exit_code(), 0, "{}", t.screen());
    t.wait("encrypted with a passphrase");
    assert!(
        !t.raw().contains("purple"),
        "the passphrase was echoed:\n{}",
        t.raw()
    );
    // Opening asks once, and the same passphrase opens it.
    let before = names(&s);
    s.ok(&[
        "participant",
        "add",
        "--name",
        "Dov Later",
        "--role",
        "q-manager",
        "--site",
        "B",
    ]);
    let mut t = term(s.path(), &["--db", db, "restore", "typed.fwb"]);
    t.wait("passphrase to decrypt typed.fwb:");
    t.type_hidden(&format!("{secret}\r"));
    assert_eq!(t.wait_exit().exit_code(), 0, "{}", t.screen());
    assert!(
        !t.raw().contains("purple"),
        "the passphrase was echoed:\n{}",
        t.raw()
    );
    assert_eq!(names(&s), before);
    // And the variable opens it too: the prompt and the variable are one passphrase.
    let out = cmd(&s, Some(secret), None, &["restore", file.to_str().unwrap()]);
    expect_code(&out, 0, &["restore"]);
}

#[test]
fn a_new_laptop_starts_from_a_snapshot_or_an_encrypted_backup() {
    let (lead, _) = study();
    let laptop = Study::empty();
    // The new fieldworker makes a key; the lead seals to it (and the recovery key).
    let (_, fieldworker_pub) = keygen(&laptop, "keys/me.txt");
    let (_, recovery_pub) = keygen(&lead, "keys/recovery.txt");
    let lead_cfg = lead.write(
        "lead.toml",
        format!("[sync]\nrecipients = [\"{fieldworker_pub}\", \"{recovery_pub}\"]\n"),
    );
    let laptop_cfg = laptop.write("fieldwork.toml", "[sync]\nidentity = \"keys/me.txt\"\n");
    let backup = lead.path().join("for-new-laptop.fwb");
    let out = cmd(
        &lead,
        None,
        Some(&lead_cfg),
        &["backup", "--encrypt", backup.to_str().unwrap()],
    );
    expect_code(&out, 0, &["backup", "--encrypt"]);

    // A snapshot bundle written through the service, as the sync engine will.
    let snapshot = lead.path().join("snapshot.fwb");
    {
        let fw = fieldwork::service::Fieldwork::open(
            &lead.db(),
            fieldwork::service::Settings {
                user: "lead".into(),
                transcripts_root: lead.transcripts(),
                consent_policy: Default::default(),
            },
        )
        .unwrap();
        let mut h = fieldwork::sync::bundle::BundleHeader::new(
            fieldwork::sync::bundle::BundleKind::Snapshot,
            0,
        );
        h.device_id = "device-of-the-lead".into();
        h.device_name = "Lead laptop".into();
        h.extra = serde_json::json!({"vector": {"device-of-the-lead": 17}});
        let written = fw
            .seal_database(
                &snapshot,
                h,
                &fieldwork::sync::bundle::Seal::Recipients(vec![fieldworker_pub.clone()]),
            )
            .unwrap();
        assert_eq!(written.schema_version, fieldwork::store::SCHEMA_VERSION);
    }
    // A changes bundle is refused, and leaves no database (nor its folder) behind.
    let changes = lead.path().join("changes.fwb");
    fieldwork::sync::bundle::write_bundle(
        &changes,
        fieldwork::sync::bundle::BundleHeader::new(
            fieldwork::sync::bundle::BundleKind::Changes,
            fieldwork::store::SCHEMA_VERSION,
        ),
        b"changesets",
        &fieldwork::sync::bundle::Seal::Recipients(vec![fieldworker_pub.clone()]),
    )
    .unwrap();
    let nested = laptop.path().join("study/fieldwork.db");
    let before = files_in(laptop.path());
    let mut c = laptop.command();
    c.env_remove("FIELDWORK_SYNC_PASSPHRASE")
        .stdin(Stdio::null());
    let out = c
        .arg("--db")
        .arg(&nested)
        .args(["init", "--from", changes.to_str().unwrap()])
        .output()
        .unwrap();
    expect_code(&out, 2, &["init", "--from"]);
    assert_has(
        &stderr(&out),
        &[
            "changes.fwb",
            "changes bundle, not a snapshot or backup bundle",
            "nothing was changed",
        ],
    );
    assert_eq!(files_in(laptop.path()), before);

    // From the encrypted backup (the configuration is found in the working folder).
    let out = laptop
        .command()
        .env_remove("FIELDWORK_SYNC_PASSPHRASE")
        .stdin(Stdio::null())
        .arg("--db")
        .arg(laptop.db())
        .args(["init", "--from", backup.to_str().unwrap()])
        .output()
        .unwrap();
    expect_code(&out, 0, &["init", "--from"]);
    assert_has(
        &stderr(&out),
        &["created", "from the backup", "for-new-laptop.fwb"],
    );
    assert_eq!(names(&laptop), names(&lead));
    assert_eq!(laptop.interviews().len(), 1);
    assert_eq!(laptop.audit()[0]["action"], "init-from");
    #[cfg(unix)]
    assert_eq!(mode(&laptop.db()), 0o600);
    // Not over a database, unless --force; then the old one is kept.
    let out = cmd(
        &laptop,
        None,
        Some(&laptop_cfg),
        &["init", "--from", snapshot.to_str().unwrap()],
    );
    expect_code(&out, 2, &["init", "--from"]);
    assert_has(&stderr(&out), &["a database already exists", "--force"]);
    laptop.ok(&[
        "participant",
        "add",
        "--name",
        "Only Here",
        "--role",
        "q-manager",
        "--site",
        "C",
    ]);
    let out = cmd(
        &laptop,
        None,
        Some(&laptop_cfg),
        &["init", "--from", snapshot.to_str().unwrap(), "--force"],
    );
    expect_code(&out, 0, &["init", "--from", "--force"]);
    assert_has(
        &stderr(&out),
        &[
            "kept the database that was there as",
            "from the snapshot",
            "made on Lead laptop",
        ],
    );
    assert_eq!(names(&laptop), names(&lead));
    let kept: Vec<String> = files_in(laptop.path())
        .into_iter()
        .filter(|f| f.starts_with("study.db.before-restore-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(common::dump(&laptop.path().join(&kept[0])).contains("Only Here"));
    // The recovery key's holder cannot open the snapshot sealed to the fieldworker only.
    let rec_cfg = lead.write("rec.toml", "[sync]\nidentity = \"keys/recovery.txt\"\n");
    let other = Study::empty();
    let mut c = other.command();
    let out = c
        .env_remove("FIELDWORK_SYNC_PASSPHRASE")
        .stdin(Stdio::null())
        .arg("--config")
        .arg(&rec_cfg)
        .arg("--db")
        .arg(other.db())
        .args(["init", "--from", snapshot.to_str().unwrap()])
        .output()
        .unwrap();
    expect_code(&out, 2, &["init", "--from"]);
    assert_has(&stderr(&out), &["snapshot.fwb", "no matching identity"]);
    assert!(!other.db().exists());
}
