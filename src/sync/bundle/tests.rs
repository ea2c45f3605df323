//! Unit tests of the bundle file: round trips in both key modes, and every refusal with
//! its own message (wrong key, truncation at many offsets, a flipped byte, foreign files,
//! a newer format, a checksum that does not match).

use super::*;

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use sha2::{Digest, Sha256};

struct Keys {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    identity: PathBuf,
    public: String,
}

fn keys() -> Keys {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_path_buf();
    let identity = dir.join("keys/me.txt");
    let public = generate_identity(&identity).unwrap();
    Keys {
        _dir: d,
        dir,
        identity,
        public,
    }
}

impl Keys {
    fn seal(&self) -> Seal {
        Seal::Recipients(vec![self.public.clone()])
    }
    fn unseal(&self) -> Unseal {
        Unseal::Identities(vec![self.identity.clone()])
    }
}

fn header() -> BundleHeader {
    let mut h = BundleHeader::new(BundleKind::Changes, 7);
    h.device_id = "0193a1c2-7e2f-7c55-9d11-3f0e5b6a7c81".into();
    h.device_name = "Quillfeather-laptop".into();
    h.first_seq = 12;
    h.last_seq = 40;
    h.extra = serde_json::json!({"vector": {"dev-a": 40, "dev-b": 3}});
    h
}

/// A payload over several 64 KiB age chunks, not a multiple of the chunk size.
fn payload() -> Vec<u8> {
    (0..200_003u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn message<T: std::fmt::Debug>(r: Result<T>) -> (BundleError, String) {
    let e = r.expect_err("should have been refused");
    let m = e.to_string();
    (e, m)
}

#[test]
fn a_bundle_round_trips_to_recipients_with_its_header_inside_the_encryption() {
    let k = keys();
    let out = k.dir.join("out/b1.fwb");
    let p = payload();
    let written = write_bundle(&out, header(), &p, &k.seal()).unwrap();
    assert_eq!(written.payload_len, p.len() as u64);
    assert_eq!(written.payload_sha256, hex(&Sha256::digest(&p)));
    assert_eq!(written.format, FORMAT);
    let (h, back) = read_bundle(&out, &k.unseal()).unwrap();
    assert_eq!(h, written);
    assert_eq!(back, p);
    assert_eq!(read_bundle_header(&out, &k.unseal()).unwrap(), written);
    let mut streamed = Vec::new();
    read_bundle_into(&out, &k.unseal(), &mut streamed).unwrap();
    assert_eq!(streamed, p);
    // Nothing readable on disk: not the device name, id, the extra, nor the magic.
    let disk = std::fs::read(&out).unwrap();
    assert!(disk.starts_with(b"age-encryption.org/v1\n"));
    for needle in [
        &b"Quillfeather"[..],
        b"0193a1c2",
        b"FWBUNDLE",
        b"vector",
        b"payload_sha256",
        &p[1000..1016],
    ] {
        assert!(
            !disk.windows(needle.len()).any(|w| w == needle),
            "{:?} readable on disk",
            String::from_utf8_lossy(needle)
        );
    }
    // Only the bundle is left in its folder (the temporary file was renamed or removed).
    let names: Vec<String> = std::fs::read_dir(k.dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["b1.fwb".to_string()]);
}

#[cfg(unix)]
#[test]
fn bundles_identities_and_their_new_folders_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let k = keys();
    assert_eq!(mode(&k.identity), 0o600);
    assert_eq!(mode(&k.dir.join("keys")), 0o700);
    let out = k.dir.join("new/deeper/b.fwb");
    write_bundle(&out, header(), b"x", &k.seal()).unwrap();
    assert_eq!(mode(&out), 0o600);
    assert_eq!(mode(&k.dir.join("new")), 0o700);
    assert_eq!(mode(&k.dir.join("new/deeper")), 0o700);
}

#[test]
fn an_empty_payload_and_several_recipients_work() {
    let a = keys();
    let b = keys();
    let out = a.dir.join("b.fwb");
    let seal = Seal::Recipients(vec![a.public.clone(), b.public.clone()]);
    write_bundle(&out, header(), b"", &seal).unwrap();
    for k in [&a, &b] {
        let (h, p) = read_bundle(&out, &k.unseal()).unwrap();
        assert_eq!((h.payload_len, p.len()), (0, 0));
    }
}

#[test]
fn a_bundle_never_replaces_a_file() {
    let k = keys();
    let out = k.dir.join("b.fwb");
    std::fs::write(&out, b"precious").unwrap();
    let (e, m) = message(write_bundle(&out, header(), b"x", &k.seal()));
    assert!(matches!(e, BundleError::Exists { .. }), "{m}");
    assert!(m.contains("b.fwb") && m.contains("already exists"), "{m}");
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    assert_eq!(
        std::fs::read_dir(&k.dir).unwrap().count(),
        2,
        "keys/ and b.fwb only"
    );
}

#[test]
fn a_bad_recipient_is_refused_before_any_file_is_made() {
    let k = keys();
    let out = k.dir.join("b.fwb");
    let bad = Seal::Recipients(vec![k.public.clone(), "age1notakey".into()]);
    let (e, m) = message(write_bundle(&out, header(), b"x", &bad));
    assert!(matches!(e, BundleError::Recipient { .. }), "{m}");
    assert!(m.contains("age1notakey"), "{m}");
    assert!(!out.exists());
    let (_, m) = message(write_bundle(
        &out,
        header(),
        b"x",
        &Seal::Recipients(vec![]),
    ));
    assert!(m.contains("no recipients"), "{m}");
    assert_eq!(std::fs::read_dir(&k.dir).unwrap().count(), 1, "only keys/");
}

#[test]
fn the_wrong_identity_is_told_apart_from_a_damaged_file() {
    let k = keys();
    let other = keys();
    let out = k.dir.join("b.fwb");
    write_bundle(&out, header(), &payload(), &k.seal()).unwrap();
    let (e, m) = message(read_bundle(&out, &other.unseal()));
    assert!(matches!(e, BundleError::NoMatchingIdentity { .. }), "{m}");
    assert!(
        m.contains("b.fwb") && m.contains(&other.identity.display().to_string()),
        "{m}"
    );
    // An identity file that is not one names the file and the line, not its content.
    let junk = k.dir.join("junk.txt");
    std::fs::write(&junk, "AGE-SECRET-KEY-1NOTREALLY\n").unwrap();
    let (e, m) = message(read_bundle(&out, &Unseal::Identities(vec![junk])));
    assert!(matches!(e, BundleError::Identity { .. }), "{m}");
    assert!(
        m.contains("junk.txt") && m.contains("line 1") && !m.contains("NOTREALLY"),
        "{m}"
    );
    // A passphrase on a bundle sealed to keys says which key is needed.
    let (e, m) = message(read_bundle(
        &out,
        &Unseal::Passphrase(SecretString::from("whatever".to_string())),
    ));
    assert!(matches!(e, BundleError::NeedsIdentity { .. }), "{m}");
    assert!(m.contains("[sync] identity"), "{m}");
}

#[test]
fn a_passphrase_bundle_round_trips_and_a_wrong_passphrase_is_named() {
    let k = keys();
    let out = k.dir.join("p.fwb");
    let pass = |s: &str| SecretString::from(s.to_string());
    let p = payload();
    write_bundle(
        &out,
        header(),
        &p,
        &Seal::Passphrase(pass("correct horse battery")),
    )
    .unwrap();
    let (h, back) = read_bundle(&out, &Unseal::Passphrase(pass("correct horse battery"))).unwrap();
    assert_eq!(back, p);
    assert_eq!(h.device_name, "Quillfeather-laptop");
    let (e, m) = message(read_bundle(
        &out,
        &Unseal::Passphrase(pass("correct horse")),
    ));
    assert!(matches!(e, BundleError::WrongPassphrase { .. }), "{m}");
    assert!(m.contains("p.fwb") && m.contains("wrong passphrase"), "{m}");
    // Identities on a passphrase bundle: told to give the passphrase.
    let (e, m) = message(read_bundle(&out, &k.unseal()));
    assert!(matches!(e, BundleError::NeedsPassphrase { .. }), "{m}");
    assert!(m.contains(PASSPHRASE_VAR), "{m}");
    // An empty passphrase is refused before anything is written.
    let (_, m) = message(write_bundle(
        &k.dir.join("e.fwb"),
        header(),
        b"x",
        &Seal::Passphrase(pass("")),
    ));
    assert!(m.contains("empty"), "{m}");
    assert!(!k.dir.join("e.fwb").exists());
}

#[test]
fn truncation_anywhere_is_refused_as_truncated_or_corrupted() {
    let k = keys();
    let out = k.dir.join("b.fwb");
    write_bundle(&out, header(), &payload(), &k.seal()).unwrap();
    let full = std::fs::read(&out).unwrap();
    let age_header_end = full.windows(4).position(|w| w == b"\n---").unwrap();
    let cuts = [
        5,                                                               // inside "age-encryption.org"
        40,                      // inside the recipient stanza
        age_header_end + 2,      // inside the header MAC line
        age_header_end + 70,     // inside the nonce or the first chunk
        age_header_end + 300,    // inside the first chunk (our header)
        65_536,                  // inside the payload
        2 * (65_536 + 16) + 150, // at no chunk boundary
        full.len() - (full.len() - age_header_end - 80) % (65_536 + 16), // on one
        full.len() - 1,
        full.len() - 17,
    ];
    for cut in cuts {
        let t = k.dir.join(format!("cut-{cut}.fwb"));
        std::fs::write(&t, &full[..cut]).unwrap();
        let (e, m) = message(read_bundle(&t, &k.unseal()));
        assert!(
            matches!(e, BundleError::Corrupted { .. }),
            "cut at {cut} of {}: {m}",
            full.len()
        );
        assert!(
            m.contains("truncated or corrupted") && m.contains(&format!("cut-{cut}.fwb")),
            "{m}"
        );
    }
    // Bytes appended after the end are refused as well.
    let t = k.dir.join("longer.fwb");
    let mut longer = full.clone();
    longer.extend_from_slice(&full[full.len() - 40..]);
    std::fs::write(&t, &longer).unwrap();
    let (e, m) = message(read_bundle(&t, &k.unseal()));
    assert!(matches!(e, BundleError::Corrupted { .. }), "{m}");
}

#[test]
fn a_flipped_byte_in_the_encrypted_data_is_refused() {
    let k = keys();
    let out = k.dir.join("b.fwb");
    write_bundle(&out, header(), &payload(), &k.seal()).unwrap();
    let full = std::fs::read(&out).unwrap();
    let body = full.windows(4).position(|w| w == b"\n---").unwrap() + 60;
    for at in [body + 20, body + 70_000, full.len() - 5] {
        let mut bad = full.clone();
        bad[at] ^= 0x20;
        let t = k.dir.join(format!("flip-{at}.fwb"));
        std::fs::write(&t, &bad).unwrap();
        let (e, m) = message(read_bundle(&t, &k.unseal()));
        assert!(
            matches!(e, BundleError::Corrupted { .. }),
            "flip at {at}: {m}"
        );
        assert!(m.contains("truncated or corrupted"), "{m}");
    }
    // A flip in the header's MAC line is caught by age's header authentication.
    let mac = full.windows(4).position(|w| w == b"\n---").unwrap() + 8;
    let mut bad = full.clone();
    bad[mac] = if bad[mac] == b'A' { b'B' } else { b'A' };
    let t = k.dir.join("mac.fwb");
    std::fs::write(&t, &bad).unwrap();
    let (e, m) = message(read_bundle(&t, &k.unseal()));
    assert!(matches!(e, BundleError::Corrupted { .. }), "{m}");
}

#[test]
fn files_that_are_not_bundles_are_named_as_such() {
    let k = keys();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.fwb", vec![], "empty"),
        (
            "notes.txt",
            b"Participant list: nothing to see\n".to_vec(),
            "not an age-encrypted file",
        ),
        (
            "random.bin",
            (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect(),
            "not an age-encrypted file",
        ),
        (
            "study.db",
            b"SQLite format 3\0rest of a database".to_vec(),
            "unencrypted SQLite database",
        ),
        (
            "armored.age",
            b"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n".to_vec(),
            "ASCII-armored",
        ),
    ];
    for (name, bytes, why) in cases {
        let p = k.dir.join(name);
        std::fs::write(&p, &bytes).unwrap();
        let (e, m) = message(read_bundle(&p, &k.unseal()));
        assert!(matches!(e, BundleError::NotABundle { .. }), "{name}: {m}");
        assert!(
            m.contains(name) && m.contains("not a fieldwork bundle") && m.contains(why),
            "{m}"
        );
        assert_eq!(e.exit_code(), 2);
    }
    // An age file to the right key that holds something else.
    let recipient = parse_recipient(&k.public).unwrap();
    let other = age::encrypt(&recipient, b"just some secret text, not a bundle").unwrap();
    let p = k.dir.join("other.age");
    std::fs::write(&p, other).unwrap();
    let (e, m) = message(read_bundle(&p, &k.unseal()));
    assert!(matches!(e, BundleError::NotABundle { .. }), "{m}");
    assert!(m.contains("what it holds is not a fieldwork bundle"), "{m}");
    // A folder, and a file that is not there.
    let (e, _) = message(read_bundle(&k.dir, &k.unseal()));
    assert!(matches!(e, BundleError::NotABundle { .. }));
    let (e, m) = message(read_bundle(&k.dir.join("nope.fwb"), &k.unseal()));
    assert!(
        matches!(e, BundleError::Unreadable { .. }) && m.contains("no such file"),
        "{m}"
    );
}

#[test]
fn a_newer_format_is_refused_with_both_numbers() {
    let k = keys();
    let out = k.dir.join("new.fwb");
    let mut h = complete(header(), 1, hex(&Sha256::digest(b"x")));
    h.format = FORMAT + 1;
    write_raw(&out, FORMAT + 1, &h, &k.seal(), |w| w.write_all(b"x")).unwrap();
    let (e, m) = message(read_bundle(&out, &k.unseal()));
    assert!(
        matches!(e, BundleError::NewerFormat { found, .. } if found == FORMAT + 1),
        "{m}"
    );
    assert!(
        m.contains(&format!("format {}", FORMAT + 1)) && m.contains("upgrade fieldwork"),
        "{m}"
    );
}

#[test]
fn a_payload_that_does_not_match_its_checksum_is_refused() {
    let k = keys();
    let out = k.dir.join("sum.fwb");
    let h = complete(header(), 5, hex(&Sha256::digest(b"hello")));
    write_raw(&out, FORMAT, &h, &k.seal(), |w| w.write_all(b"jello")).unwrap();
    let (e, m) = message(read_bundle(&out, &k.unseal()));
    assert!(matches!(e, BundleError::Checksum { .. }), "{m}");
    assert!(
        m.contains("checksum mismatch") && m.contains("sum.fwb"),
        "{m}"
    );
    // A payload shorter than its header says.
    let out = k.dir.join("short.fwb");
    let h = complete(header(), 10, hex(&Sha256::digest(b"hello")));
    write_raw(&out, FORMAT, &h, &k.seal(), |w| w.write_all(b"hello")).unwrap();
    let (e, m) = message(read_bundle(&out, &k.unseal()));
    assert!(matches!(e, BundleError::Corrupted { .. }), "{m}");
    assert!(m.contains("5 of 10 bytes"), "{m}");
}

#[test]
fn a_payload_from_a_file_is_hashed_and_streamed() {
    let k = keys();
    let src = k.dir.join("db.bin");
    let p = payload();
    std::fs::write(&src, &p).unwrap();
    let out = k.dir.join("f.fwb");
    let h = write_bundle_from_file(
        &out,
        BundleHeader::new(BundleKind::Backup, 7),
        &src,
        &k.seal(),
    )
    .unwrap();
    assert_eq!(h.payload_sha256, hex(&Sha256::digest(&p)));
    assert_eq!(h.kind, BundleKind::Backup);
    let (back_h, back) = read_bundle(&out, &k.unseal()).unwrap();
    assert_eq!((back_h, back), (h, p));
    assert!(is_encrypted(&out).unwrap());
    assert!(!is_encrypted(&src).unwrap());
}

#[test]
fn the_reader_survives_arbitrary_bytes() {
    let k = keys();
    let out = k.dir.join("b.fwb");
    write_bundle(&out, header(), b"tiny payload", &k.seal()).unwrap();
    let full = std::fs::read(&out).unwrap();
    let mut rng = fastrand::Rng::with_seed(11);
    for _ in 0..300 {
        let mut b = full.clone();
        for _ in 0..rng.usize(1..4) {
            let i = rng.usize(..b.len());
            match rng.u8(0..3) {
                0 => b[i] = rng.u8(..),
                1 => b.truncate(i),
                _ => b.insert(i, rng.u8(..)),
            }
            if b.is_empty() {
                break;
            }
        }
        match read_bundle_bytes("fuzzed.fwb", &b, &k.unseal()) {
            Ok((_, p)) => assert_eq!(p, b"tiny payload"),
            Err(e) => assert!(e.to_string().contains("fuzzed.fwb"), "{e}"),
        }
    }
}
