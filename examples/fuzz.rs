//! A stable-toolchain fuzzing harness for the parsers of outside files (docs/fuzzing.md).
//!
//! ```sh
//! nice -n 10 cargo run --release --example fuzz -- TARGET [--seconds N] [--seed S] [--save N]
//! ```
//!
//! TARGET is `transcript`, `csv`, `refi`, `config` or `bundle`. The harness starts from the
//! files of
//! `fuzz/corpus/TARGET/`, mutates them (bit flips, byte edits, insertions of the target's
//! tokens, deletions, duplications, splices of two inputs, truncation; for ZIP inputs, the
//! XML inside is mutated and the archive rebuilt), runs each input in-process and catches
//! panics. An input that panics is written to `fuzz/crashes/TARGET/`; one that takes over
//! a second is written to `fuzz/slow/TARGET/`. Without coverage instrumentation (nightly
//! only), the feedback is the outcome: an input whose result (success, or an error message
//! with its numbers and quoted text blanked) has not been seen joins the working corpus, and
//! the first `--save` of them that are small are written to `fuzz/corpus/TARGET/`.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::collections::HashSet;
use std::io::{Cursor, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Input {
    data: Vec<u8>,
    ext: String,
}

fn tokens(target: &str) -> Vec<&'static [u8]> {
    let common: &[&[u8]] = &[
        b"\0",
        b"\n",
        b"\r\n",
        b"\r",
        b"\x1b[31m",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\xfe\xff",
        b"\xc3\xa9",
        b"\xe2\x80\x99",
        b"\xf0\x9f\x98\x80",
        b"\xff",
        b" ",
        b"\t",
        b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
        b"&a;",
        b"&#27;",
        b"&#x0;",
        b"&#xD800;",
        b"&amp;",
        b"9999999999999999999999",
        b"-1",
    ];
    let own: &[&[u8]] = match target {
        "transcript" => &[
            b"WEBVTT\n\n",
            b"00:00:01.000 --> 00:00:02.000\n",
            b"99:59:59.999",
            b" --> ",
            b"<v Ada Quill>",
            b"</v>",
            b"<v.loud ",
            b"NOTE ",
            b"Interviewer: ",
            b"**P7QK:** ",
            b"\n\n",
            b"<w:p>",
            b"</w:p>",
            b"<w:r><w:t>",
            b"</w:t></w:r>",
            b"<w:tab/>",
            b"<w:br/>",
            b"<w:p/>",
            b"<![CDATA[",
            b"]]>",
        ],
        "csv" => &[
            b",",
            b"\"",
            b"\"\"",
            b"name,role,site\n",
            b"name,role,site,email,phone,organisation,job_title,notes,status\n",
            b"Ann Able,ics-ceo,A\n",
            b"ics-ceo",
            b"q-cqo",
            b"status",
            b"invited",
            b"withdrawn",
            b"@example.org",
            b"Z",
            b"\xef\xbb\xbfname",
        ],
        "refi" => &[
            b"<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\">",
            b"</CodeBook>",
            b"<Codes>",
            b"</Codes>",
            b"<Code guid=\"0b5f1f0e-8a3c-4c1e-9d2a-1234567890ab\" name=\"x\" isCodable=\"true\">",
            b"<Code guid=\"{0B5F1F0E-8A3C-4C1E-9D2A-1234567890AC}\" name=\"a/b\"/>",
            b"</Code>",
            b"<Description>",
            b"</Description>",
            b" color=\"#ABC\"",
            b" isCodable=\"false\"",
            b"<Sets><Set guid=\"0b5f1f0e-8a3c-4c1e-9d2a-1234567890ab\" name=\"s\">",
            b"<MemberCode targetGUID=\"x\"/>",
            b"</Set></Sets>",
            b"<Project xmlns=\"urn:QDA-XML:project:1.0\">",
            b"xmlns:x=\"urn:other\"",
            b"<x:Ext>",
            b"<![CDATA[",
            b"]]>",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        ],
        "config" => &[
            b"[ui]\n",
            b"[coding]\n",
            b"[user]\n",
            b"[rules]\n",
            b"[transcripts]\n",
            b"[study]\n",
            b"[[study.sites]]\n",
            b"[[study.phases]]\n",
            b"tick_ms = 0\n",
            b"saturation_threshold = nan\n",
            b"saturation_threshold = inf\n",
            b"saturation_threshold = 1e400\n",
            b"saturation_base = 0\n",
            b"import_pattern = \"{code\"\n",
            b"import_pattern = \"{site}/{phase}/{code}*\"\n",
            b"{date}",
            b"extensions = []\n",
            b"extensions = [\"pdf\"]\n",
            b" = ",
            b"\"\"",
            b"'''",
            b"2021-13-45",
            b"1979-05-27T07:32:00Z",
            b"{ A = 15 }",
        ],
        "bundle" => &[
            b"FWBUNDLE",
            b"\x01\0\0\0",
            b"\x02\0\0\0",
            b"\xff\xff\xff\xff",
            b"\0\0\0\0",
            b"{\"format\":1,",
            b"\"kind\":\"changes\",",
            b"\"kind\":\"backup\",",
            b"\"payload_len\":",
            b"\"payload_sha256\":\"",
            b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            b"\"extra\":null}",
            b"age-encryption.org/v1\n",
            b"-> X25519 ",
            b"-> scrypt ",
            b"--- ",
        ],
        _ => &[],
    };
    common.iter().chain(own).copied().collect()
}

fn load(dir: &Path) -> Vec<Input> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter(|p| p.is_file())
        .filter_map(|p| {
            Some(Input {
                data: std::fs::read(&p).ok()?,
                ext: targets::transcript_format(&p),
            })
        })
        .collect()
}

/// The members of a small ZIP archive, if it is one (seeds only: they are our own files).
fn unzip(data: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    let mut z = zip::ZipArchive::new(Cursor::new(data)).ok()?;
    let mut out = Vec::new();
    for i in 0..z.len().min(32) {
        let mut f = z.by_index(i).ok()?;
        if f.size() > 1 << 20 {
            return None;
        }
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).ok()?;
        out.push((f.name().to_string(), buf));
    }
    Some(out)
}

fn rezip(members: &[(String, Vec<u8>)], rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in members {
        let method = if rng.bool() {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        if z.start_file(name.as_str(), opts).is_err() || z.write_all(data).is_err() {
            return Vec::new();
        }
    }
    z.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fn mutate_bytes(
    data: &mut Vec<u8>,
    pool: &[Input],
    toks: &[&[u8]],
    rng: &mut fastrand::Rng,
    max: usize,
) {
    for _ in 0..rng.usize(1..=4) {
        let len = data.len();
        match rng.u8(0..9) {
            0 if len > 0 => {
                let i = rng.usize(..len);
                data[i] ^= 1 << rng.u8(0..8);
            }
            1 if len > 0 => {
                let i = rng.usize(..len);
                data[i] = rng.u8(..);
            }
            2 | 3 => {
                let t = toks[rng.usize(..toks.len())];
                let i = rng.usize(..=len);
                data.splice(i..i, t.iter().copied());
            }
            4 if len > 0 => {
                let a = rng.usize(..len);
                let b = (a + rng.usize(1..=64)).min(len);
                data.drain(a..b);
            }
            5 if len > 0 => {
                let a = rng.usize(..len);
                let b = (a + rng.usize(1..=256)).min(len);
                let chunk: Vec<u8> = data[a..b].to_vec();
                let at = rng.usize(..=len);
                for _ in 0..rng.usize(1..=8) {
                    data.splice(at..at, chunk.iter().copied());
                }
            }
            6 if !pool.is_empty() => {
                let other = &pool[rng.usize(..pool.len())].data;
                if !other.is_empty() {
                    let a = rng.usize(..other.len());
                    let b = (a + rng.usize(1..=512)).min(other.len());
                    let at = rng.usize(..=len);
                    data.splice(at..at, other[a..b].iter().copied());
                }
            }
            7 if len > 0 => data.truncate(rng.usize(..len)),
            8 => {
                let i = rng.usize(..=len);
                let n = rng.usize(1..=8);
                data.splice(i..i, (0..n).map(|_| rng.u8(..)));
            }
            _ => {}
        }
    }
    data.truncate(max);
}

fn mutate(input: &Input, pool: &[Input], toks: &[&[u8]], rng: &mut fastrand::Rng) -> Input {
    const MAX: usize = 64 * 1024;
    let mut data = input.data.clone();
    // A ZIP input: most of the time mutate the XML inside and rebuild the archive, so the
    // mutations reach the XML parser behind the archive reader.
    if data.starts_with(b"PK") && rng.u8(0..4) != 0 {
        if let Some(mut members) = unzip(&data) {
            if !members.is_empty() {
                let i = members
                    .iter()
                    .position(|(n, _)| n == "word/document.xml" || n == "project.qde")
                    .filter(|_| rng.u8(0..4) != 0)
                    .unwrap_or_else(|| rng.usize(..members.len()));
                mutate_bytes(&mut members[i].1, pool, toks, rng, MAX);
                if rng.u8(0..16) == 0 {
                    members[i].0 = format!("x{}", members[i].0);
                }
                return Input {
                    data: rezip(&members, rng),
                    ext: input.ext.clone(),
                };
            }
        }
    }
    mutate_bytes(&mut data, pool, toks, rng, MAX);
    Input {
        data,
        ext: input.ext.clone(),
    }
}

fn hash(data: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    format!("{:016x}", h.finish())
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let target = args.first().cloned().unwrap_or_default();
    if !targets::TARGETS.contains(&target.as_str()) {
        eprintln!(
            "usage: fuzz TARGET [--seconds N] [--seed S] [--save N]; targets: {}",
            targets::TARGETS.join(", ")
        );
        std::process::exit(2);
    }
    let opt = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| {
                v.parse().unwrap_or_else(|_| {
                    eprintln!("{name}: `{v}` is not a whole number");
                    std::process::exit(2)
                })
            })
            .unwrap_or(default)
    };
    let seconds = opt("--seconds", 60);
    let seed = opt("--seed", 1);
    let save = opt("--save", 30) as usize;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let corpus_dir = root.join("corpus").join(&target);
    let mut pool = load(&corpus_dir);
    if pool.is_empty() {
        eprintln!("{}: no seed inputs", corpus_dir.display());
        std::process::exit(2);
    }
    if target == "bundle" {
        // The seeds are the content inside the encryption; sealed copies of them start the
        // mutations of whole files (age's header, stanzas, chunks) too.
        let sealed: Vec<Input> = pool
            .iter()
            .map(|i| Input {
                data: targets::seal_for_fuzzing(&i.data),
                ext: i.ext.clone(),
            })
            .collect();
        pool.extend(sealed);
    }
    let toks = tokens(&target);
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        LAST_PANIC.with(|p| *p.borrow_mut() = msg);
    }));
    let mut csv = (target == "csv").then(targets::CsvTarget::new);
    let mut run = |i: &Input| -> targets::Outcome {
        match target.as_str() {
            "transcript" => targets::transcript(&i.data, &i.ext),
            "refi" => targets::refi(&i.data),
            "config" => targets::config(&i.data),
            "bundle" => targets::bundle(&i.data),
            _ => csv.as_mut().expect("csv target").run(&i.data),
        }
    };
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut seen: HashSet<String> = HashSet::new();
    for i in &pool {
        if let Ok(o) = catch_unwind(AssertUnwindSafe(|| run(i))) {
            seen.insert(o);
        }
    }
    let start = Instant::now();
    let deadline = Duration::from_secs(seconds);
    let (mut execs, mut crashes, mut slow, mut saved) = (0u64, 0usize, 0usize, 0usize);
    let mut next_report = Duration::from_secs(30);
    while start.elapsed() < deadline {
        let parent = &pool[rng.usize(..pool.len())];
        let input = mutate(parent, &pool, &toks, &mut rng);
        let t0 = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| run(&input)));
        let took = t0.elapsed();
        execs += 1;
        let name = format!("{}.{}", hash(&input.data), input.ext);
        match result {
            Err(_) => {
                crashes += 1;
                let msg = LAST_PANIC.with(|p| p.borrow().clone());
                let dir = root.join("crashes").join(&target);
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(dir.join(format!("crash-{name}")), &input.data);
                eprintln!("CRASH {target} crash-{name}: {msg}");
            }
            Ok(outcome) => {
                if took > Duration::from_secs(1) {
                    slow += 1;
                    let dir = root.join("slow").join(&target);
                    let _ = std::fs::create_dir_all(&dir);
                    let _ = std::fs::write(dir.join(format!("slow-{name}")), &input.data);
                    eprintln!(
                        "SLOW {target} slow-{name}: {took:?} for {} bytes",
                        input.data.len()
                    );
                }
                if seen.insert(outcome.clone()) {
                    if std::env::var_os("FUZZ_SHOW_OUTCOMES").is_some() {
                        eprintln!("new outcome: {outcome}");
                    }
                    if saved < save && input.data.len() <= 4096 {
                        let _ = std::fs::write(corpus_dir.join(format!("new-{name}")), &input.data);
                        saved += 1;
                    }
                    pool.push(input);
                }
            }
        }
        if start.elapsed() >= next_report {
            eprintln!(
                "{target}: {:>4}s {execs} inputs ({:.0}/s), {} outcomes, {} in the pool, {crashes} crashes, {slow} slow",
                start.elapsed().as_secs(),
                execs as f64 / start.elapsed().as_secs_f64(),
                seen.len(),
                pool.len()
            );
            next_report += Duration::from_secs(60);
        }
    }
    println!(
        "{target}: {} s, {execs} inputs, {} outcomes, {crashes} crashes, {slow} slow, {saved} inputs added to {}",
        start.elapsed().as_secs(),
        seen.len(),
        corpus_dir.display()
    );
    if crashes > 0 {
        std::process::exit(1);
    }
}
