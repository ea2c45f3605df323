//! Sync bundle benchmark (issue 11): sealing and opening a bundle of 10,000 changes with
//! age recipients (`write_bundle` + `read_bundle`), against SQLite alone writing the same
//! 10,000 rows (what applying the changeset does). Target: the bundle's cost at most twice
//! SQLite's.
//!
//! The payload has the size and shape of a session-extension changeset of 10,000 passage
//! codings (the `tag` table of schema 7: UUID keys, spans, an 80-character quote, times,
//! coder and device): each change encoded as the changeset format does (operation byte,
//! then each column as a type byte and a varint length or an 8-byte integer). The baseline
//! inserts the same rows, in one `BEGIN IMMEDIATE` transaction, into a table with the same
//! columns and indexes in a WAL database on disk (synchronous = NORMAL, as fieldwork opens
//! its database). When the sync engine captures real changesets, it replaces both.
//!
//! Run with `cargo bench --bench bundle`; the table is printed and written to
//! `target/bench-data/bundle.md`. `FIELDWORK_BENCH_RUNS` sets the runs per measure (15).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fieldwork::sync::bundle::{
    generate_identity, read_bundle, write_bundle, BundleHeader, BundleKind, Seal, Unseal,
};

const CHANGES: usize = 10_000;

/// One passage coding, as its columns.
struct Row {
    id: String,
    theme: String,
    session: String,
    transcript: String,
    start: i64,
    end: i64,
    quote: String,
    created_at: String,
    coder: String,
    device: String,
}

fn uuid(rng: &mut fastrand::Rng) -> String {
    let b: Vec<u8> = (0..16).map(|_| rng.u8(..)).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex(&b[0..4]),
        hex(&b[4..6]),
        hex(&b[6..8]),
        hex(&b[8..10]),
        hex(&b[10..16])
    )
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const WORDS: &[&str] = &[
    "we",
    "track",
    "forty",
    "indicators",
    "but",
    "the",
    "quality",
    "committee",
    "only",
    "looks",
    "at",
    "three",
    "of",
    "them",
    "every",
    "quarter",
    "and",
    "nobody",
    "owns",
    "integration",
    "across",
    "places",
    "so",
    "improvement",
    "work",
    "stalls",
];

fn rows() -> Vec<Row> {
    let mut rng = fastrand::Rng::with_seed(11);
    let themes: Vec<String> = (0..60).map(|_| uuid(&mut rng)).collect();
    let sessions: Vec<String> = (0..112).map(|_| uuid(&mut rng)).collect();
    let transcripts: Vec<String> = (0..112).map(|_| uuid(&mut rng)).collect();
    let device = uuid(&mut rng);
    (0..CHANGES)
        .map(|i| {
            let s = rng.usize(..sessions.len());
            let start = rng.i64(0..200_000);
            let mut quote = String::new();
            while quote.len() < 80 {
                quote.push_str(WORDS[rng.usize(..WORDS.len())]);
                quote.push(' ');
            }
            Row {
                id: uuid(&mut rng),
                theme: themes[rng.usize(..themes.len())].clone(),
                session: sessions[s].clone(),
                transcript: transcripts[s].clone(),
                start,
                end: start + quote.len() as i64,
                quote,
                created_at: format!(
                    "2022-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                    1 + i % 12,
                    1 + i % 28,
                    i % 24,
                    i % 60,
                    (i * 7) % 60
                ),
                coder: "AE".into(),
                device: device.clone(),
            }
        })
        .collect()
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    // SQLite's varint is big-endian base 128; the length of a value is all it encodes here.
    let mut tmp = Vec::new();
    loop {
        tmp.push((v & 0x7f) as u8);
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    for (i, b) in tmp.iter().rev().enumerate() {
        out.push(if i + 1 < tmp.len() { b | 0x80 } else { *b });
    }
}

/// The rows as a changeset of INSERTs into `tag` (the session extension's layout).
fn changeset(rows: &[Row]) -> Vec<u8> {
    let mut out = Vec::new();
    let cols = 13u8;
    out.push(b'T');
    out.push(cols);
    out.push(1); // primary key flags: id
    out.extend(std::iter::repeat_n(0, cols as usize - 1));
    out.extend_from_slice(b"tag\0");
    let text = |out: &mut Vec<u8>, s: &str| {
        out.push(3);
        varint(out, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
    };
    let int = |out: &mut Vec<u8>, v: i64| {
        out.push(1);
        out.extend_from_slice(&v.to_be_bytes());
    };
    for r in rows {
        out.push(18); // SQLITE_INSERT
        out.push(0); // not indirect
        text(&mut out, &r.id);
        text(&mut out, &r.theme);
        text(&mut out, &r.theme);
        text(&mut out, &r.session);
        text(&mut out, &r.transcript);
        int(&mut out, r.start);
        int(&mut out, r.end);
        text(&mut out, &r.quote);
        out.push(5); // memo: NULL
        text(&mut out, &r.created_at);
        text(&mut out, &r.coder);
        text(&mut out, &r.coder);
        text(&mut out, &r.device);
    }
    out
}

const TABLE: &str = "
CREATE TABLE tag (
    id TEXT PRIMARY KEY, theme_id TEXT NOT NULL, original_theme_id TEXT NOT NULL,
    session_id TEXT NOT NULL, transcript_id TEXT, span_start INTEGER, span_end INTEGER,
    quote TEXT, memo TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
    coder TEXT NOT NULL, device_id TEXT,
    CHECK ((span_start IS NULL) = (span_end IS NULL)),
    CHECK (span_start IS NULL OR span_start <= span_end)
);
CREATE INDEX tag_theme ON tag(theme_id);
CREATE INDEX tag_session ON tag(session_id);
CREATE INDEX tag_transcript ON tag(transcript_id, span_start);
CREATE INDEX tag_coder ON tag(coder, transcript_id, theme_id);
";

/// SQLite alone: the rows into a fresh on-disk database, one transaction; the time of
/// the transaction only.
fn sqlite_apply(dir: &Path, n: usize, rows: &[Row]) -> Duration {
    let path = dir.join(format!("apply-{n}.db"));
    let mut c = rusqlite::Connection::open(&path).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    c.pragma_update(None, "synchronous", "NORMAL").unwrap();
    c.execute_batch(TABLE).unwrap();
    let t = Instant::now();
    let tx = c
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    {
        let mut st = tx
            .prepare(
                "INSERT INTO tag VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, ?9, ?9, ?10)",
            )
            .unwrap();
        for r in rows {
            st.execute(rusqlite::params![
                r.id,
                r.theme,
                r.session,
                r.transcript,
                r.start,
                r.end,
                r.quote,
                r.created_at,
                r.coder,
                r.device
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
    let d = t.elapsed();
    drop(c);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    d
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        return; // `cargo test --benches` builds it; the measurement is for benchmarking.
    }
    let runs: usize = std::env::var("FIELDWORK_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15)
        .max(1);
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/bundle");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let rows = rows();
    let payload = changeset(&rows);
    // Three recipients (two site leads and the recovery key), as a study would have.
    let mut keys = Vec::new();
    let mut identity = PathBuf::new();
    for i in 0..3 {
        let p = dir.join(format!("id-{i}.txt"));
        keys.push(generate_identity(&p).unwrap());
        identity = p;
    }
    let seal = Seal::Recipients(keys);
    let unseal = Unseal::Identities(vec![identity]);
    let header = || {
        let mut h = BundleHeader::new(BundleKind::Changes, fieldwork::store::SCHEMA_VERSION);
        h.device_id = rows[0].device.clone();
        h.device_name = "bench laptop".into();
        h.first_seq = 1;
        h.last_seq = CHANGES as i64;
        h
    };

    let (mut write, mut read, mut both, mut apply) = (vec![], vec![], vec![], vec![]);
    let mut size = 0;
    for n in 0..runs {
        let file = dir.join(format!("b-{n}.fwb"));
        let t = Instant::now();
        write_bundle(&file, header(), &payload, &seal).unwrap();
        let w = t.elapsed();
        size = std::fs::metadata(&file).unwrap().len();
        let t = Instant::now();
        let (_, back) = read_bundle(&file, &unseal).unwrap();
        let r = t.elapsed();
        assert_eq!(back.len(), payload.len());
        std::fs::remove_file(&file).unwrap();
        write.push(w);
        read.push(r);
        both.push(w + r);
        apply.push(sqlite_apply(&dir, n, &rows));
    }
    // Passphrase mode, for the record: scrypt's work factor is tuned to about a second.
    let pass_runs = runs.min(3);
    let mut pass = vec![];
    let pseal = Seal::Passphrase("bench passphrase".to_string().into());
    let punseal = Unseal::Passphrase("bench passphrase".to_string().into());
    for n in 0..pass_runs {
        let file = dir.join(format!("p-{n}.fwb"));
        let t = Instant::now();
        write_bundle(&file, header(), &payload, &pseal).unwrap();
        read_bundle(&file, &punseal).unwrap();
        pass.push(t.elapsed());
        std::fs::remove_file(&file).unwrap();
    }
    let (w, r, b, a, p) = (
        median(write),
        median(read),
        median(both),
        median(apply),
        median(pass),
    );
    let ratio = b.as_secs_f64() / a.as_secs_f64();
    let table = format!(
        "| measure ({CHANGES} changes, payload {:.2} MB, bundle {:.2} MB; median of {runs}) | time |\n\
         |---|---|\n\
         | `write_bundle`, 3 recipients (hash, encrypt, fsync, rename) | {} |\n\
         | `read_bundle` (decrypt, verify length and SHA-256) | {} |\n\
         | write + read | {} |\n\
         | SQLite alone: the same rows in one transaction (WAL, on disk) | {} |\n\
         | **ratio (write + read) / SQLite** | **{ratio:.2}×** (target ≤ 2×) |\n\
         | write + read with a passphrase (scrypt; median of {pass_runs}) | {} |\n",
        payload.len() as f64 / 1e6,
        size as f64 / 1e6,
        ms(w),
        ms(r),
        ms(b),
        ms(a),
        ms(p),
    );
    println!("{table}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/bundle.md");
    std::fs::write(&out, &table).unwrap();
    eprintln!("written to {}", out.display());
}
