//! The fuzz targets: each feeds one input to a parser fieldwork runs on files from outside
//! and checks what a successful parse promises. A target panics only on a bug (a panic in
//! the parser, or a broken promise); an `Err` is the expected answer to bad input.
//!
//! Shared by the stable fuzzing harness (`examples/fuzz.rs`) and the corpus replay test
//! (`tests/fuzz_corpus.rs`), so what is fuzzed is exactly what `cargo test` replays.
//! See docs/fuzzing.md.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use fieldwork::config;
use fieldwork::import::{refi, transcript};
use fieldwork::service::{Fieldwork, Settings};

/// The targets, by name; each corpus lives in `fuzz/corpus/NAME/`.
pub const TARGETS: &[&str] = &["transcript", "csv", "refi", "config", "bundle"];

/// The transcript format a corpus file is parsed as: its extension (txt, md, vtt, docx).
pub fn transcript_format(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("txt")
        .to_ascii_lowercase()
}

/// What one input led to: `Ok`, or the error with numbers and quoted text blanked out (the
/// harness keeps an input that leads somewhere new).
pub type Outcome = String;

fn shape(message: &str) -> Outcome {
    // Quoted input (between the first and the last backtick) is left out.
    let skeleton = match (message.find('`'), message.rfind('`')) {
        (Some(a), Some(b)) if a < b => format!("{}``{}", &message[..a], &message[b + 1..]),
        _ => message.to_string(),
    };
    let mut out = String::new();
    for c in skeleton.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out.chars().take(90).collect()
}

/// Transcript parsers (txt, md, vtt, docx through the capped archive reader).
pub fn transcript(data: &[u8], format: &str) -> Outcome {
    match transcript::parse(data, format) {
        Err(e) => {
            let _ = e.to_string();
            format!("err {}", shape(&e.message))
        }
        Ok(p) => {
            assert!(
                !p.text.trim().is_empty(),
                "an empty transcript was accepted"
            );
            assert!(
                !p.text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t'),
                "a control character reached the stored text"
            );
            let total = p.text.chars().count();
            assert!(!p.turns.is_empty(), "text without turns");
            assert_eq!(
                p.turns[0].start, 0,
                "the first turn does not start the text"
            );
            for w in p.turns.windows(2) {
                assert_eq!(w[0].end, w[1].start, "turns do not partition the text");
            }
            for t in &p.turns {
                assert!(t.start < t.end, "an empty turn {t:?}");
                if let (Some(a), Some(b)) = (t.start_ms, t.end_ms) {
                    assert!(a <= b && a >= 0, "a turn ends before it starts: {t:?}");
                }
            }
            assert_eq!(
                p.turns.last().map(|t| t.end),
                Some(total),
                "the turns do not reach the end"
            );
            let _ = transcript::word_count(&p.text);
            format!("ok {} {}", p.format, p.encoding)
        }
    }
}

/// The REFI-QDA reader: a `.qdc` codebook, or a `.qdpx` project archive.
pub fn refi(data: &[u8]) -> Outcome {
    let text = match refi::codebook_text(data, "f.qdc") {
        Ok(t) => t,
        Err(e) => return format!("err {}", shape(&e.to_string())),
    };
    match refi::parse(&text, "f.qdc") {
        Err(e) => format!("err {}", shape(&e.to_string())),
        Ok(p) => {
            let mut seen = std::collections::HashSet::new();
            for c in &p.codes {
                assert!(!c.name.trim().is_empty(), "a code without a name");
                assert!(!c.name.contains('/'), "a `/` in a theme name");
                assert!(
                    !c.name.chars().any(char::is_control),
                    "a control character in a theme name"
                );
                assert_eq!(c.guid, c.guid.to_ascii_lowercase());
                if let Some(parent) = &c.parent {
                    assert!(seen.contains(parent), "a child before its parent");
                }
                assert!(seen.insert(c.guid.clone()), "a GUID twice");
                if let Some(col) = &c.colour {
                    assert!(config::valid_colour(col), "colour {col}");
                }
            }
            format!("ok {}", p.codes.len().min(3))
        }
    }
}

/// The age identity the bundle target seals and opens with: a key made for fuzzing only
/// (`fieldwork sync keygen`), which guards nothing.
pub fn bundle_identity() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/bundle-identity.txt")
}

/// Seal `plaintext` to the fuzzing identity's public key, as a bundle's content.
pub fn seal_for_fuzzing(plaintext: &[u8]) -> Vec<u8> {
    use std::io::Write;
    static RECIPIENT: std::sync::OnceLock<age::x25519::Recipient> = std::sync::OnceLock::new();
    let r = RECIPIENT.get_or_init(|| {
        let text = std::fs::read_to_string(bundle_identity()).expect("fuzz/bundle-identity.txt");
        let line = text
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
            .expect("an identity line");
        line.parse::<age::x25519::Identity>()
            .expect("the fuzzing identity parses")
            .to_public()
    });
    let enc = age::Encryptor::with_recipients(std::iter::once(r as &dyn age::Recipient))
        .expect("one recipient");
    let mut out = Vec::with_capacity(plaintext.len() + 256);
    let mut w = enc.wrap_output(&mut out).expect("to memory");
    w.write_all(plaintext).expect("to memory");
    w.finish().expect("to memory");
    out
}

/// Sync bundle reader (`sync::bundle::read_bundle_bytes`). An input that starts like an age
/// file is read as a bundle file; any other input is taken as the content inside the
/// encryption and sealed to the fuzzing key first, so mutations reach the bundle's own
/// magic, format, header and payload checks, not only age's authentication.
pub fn bundle(data: &[u8]) -> Outcome {
    use fieldwork::sync::bundle::{read_bundle_bytes, Unseal, FORMAT};
    use sha2::Digest;
    let sealed;
    let bytes = if data.starts_with(b"age-encryption.org/") {
        data
    } else {
        sealed = seal_for_fuzzing(data);
        &sealed
    };
    let unseal = Unseal::Identities(vec![bundle_identity()]);
    match read_bundle_bytes("f.fwb", bytes, &unseal) {
        Err(e) => {
            let m = e.to_string();
            assert!(
                m.starts_with("f.fwb: "),
                "a message that does not name the file: {m}"
            );
            format!("err {}", shape(&m))
        }
        Ok((h, payload)) => {
            assert_eq!(payload.len() as u64, h.payload_len, "payload length");
            let sum: String = sha2::Sha256::digest(&payload)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert!(sum.eq_ignore_ascii_case(&h.payload_sha256), "checksum");
            assert!((1..=FORMAT).contains(&h.format), "format {}", h.format);
            format!("ok {:?}", h.kind)
        }
    }
}

/// The configuration loader.
pub fn config(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return "not utf-8".into();
    };
    match config::parse(text, "f.toml") {
        Err(e) => {
            let lines = text.lines().count() + 1;
            assert!(
                e.line <= lines,
                "error line {} past the end ({lines})",
                e.line
            );
            format!("err {}", shape(&e.message))
        }
        Ok(c) => {
            let t = c.coding.saturation_threshold;
            assert!(t.is_finite() && (0.0..=1.0).contains(&t), "threshold {t}");
            assert!(c.coding.saturation_base > 0 && c.coding.saturation_run > 0);
            assert!(c.ui.tick_ms > 0, "tick 0");
            fieldwork::service::coding::pattern_regex(&c.coding.import_pattern)
                .expect("an accepted pattern compiles");
            "ok".into()
        }
    }
}

/// CSV participant import, on an in-memory database of the built-in study.
pub struct CsvTarget {
    fw: Fieldwork,
    file: PathBuf,
    _dir: tempfile::TempDir,
    imports: usize,
}

impl CsvTarget {
    pub fn new() -> CsvTarget {
        let dir = tempfile::tempdir().expect("temp dir");
        CsvTarget {
            fw: fresh(),
            file: dir.path().join("input.csv"),
            _dir: dir,
            imports: 0,
        }
    }

    pub fn run(&mut self, data: &[u8]) -> Outcome {
        std::fs::write(&self.file, data).expect("write the input");
        let before = self
            .fw
            .participants(&Default::default(), 0, usize::MAX >> 1);
        let before = before.expect("list").len();
        match self.fw.import_participants(&self.file) {
            Err(e) => {
                let after = self
                    .fw
                    .participants(&Default::default(), 0, usize::MAX >> 1)
                    .expect("list")
                    .len();
                assert_eq!(before, after, "a failed import changed the database");
                // The first problem, without the file's name.
                // The problems, without the summary line and the file's name (a quoted
                // header may span lines, so the whole text is shaped at once).
                let text = e.to_string();
                let problems = text.split_once('\n').map_or(text.as_str(), |(_, p)| p);
                format!("err {}", shape(&problems.replace("input.csv", "")))
            }
            Ok(r) => {
                assert!(r.imported > 0);
                self.imports += 1;
                // Keep the database small so every input costs the same.
                if self.imports % 16 == 0 {
                    self.fw = fresh();
                }
                "ok".into()
            }
        }
    }
}

fn fresh() -> Fieldwork {
    let study = config::parse(config::DEFAULT_STUDY, "built-in")
        .expect("the built-in study")
        .study;
    Fieldwork::in_memory(
        &study,
        Settings {
            user: "fuzz".into(),
            transcripts_root: PathBuf::from("transcripts"),
            consent_policy: Default::default(),
        },
    )
    .expect("an in-memory database")
}
