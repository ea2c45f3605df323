//! Sync benchmark (issue 11): a bundle of 10,000 changes (one participant edit each, each
//! its own write and outbox entry) exported on one laptop and imported on another, against
//! applying the same raw changeset (the 10,000 combined) through SQLite alone
//! (`sqlite3changeset_apply`, no conflict handler work) on a copy of the same database.
//! Both sides are timed until their connection is closed, so each includes the WAL
//! checkpoint that puts the changes in the database file (a large commit runs it at once,
//! a small one at the close), and the thread's CPU time is reported beside the wall time.
//! Bundles are sealed to an age key (recipients mode; a passphrase costs about a second of
//! scrypt by design). Run with `cargo bench --bench sync`; the summary is printed and
//! written to `target/bench-data/sync.md`.

use std::path::Path;
use std::time::{Duration, Instant};

use fieldwork::domain::ParticipantInput;
use fieldwork::service::sync::{Seal, Unseal};
use fieldwork::service::{Fieldwork, Settings};
use fieldwork::store::session;

const CHANGES: usize = 10_000;
const RUNS: usize = 3;

fn settings(dir: &Path, user: &str) -> Settings {
    let cfg = fieldwork::config::parse(fieldwork::config::DEFAULT_STUDY, "built-in").unwrap();
    Settings {
        user: user.into(),
        transcripts_root: dir.join("transcripts"),
        consent_policy: cfg.rules.interview_without_consent,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let key = dir.join("team.key");
    let public = fieldwork::sync::bundle::generate_identity(&key).unwrap();
    let seal = Seal::Recipients(vec![public]);
    let unseal = Unseal::Identities(vec![key.clone()]);
    let cfg = fieldwork::config::parse(fieldwork::config::DEFAULT_STUDY, "built-in").unwrap();

    // Laptop A with 10,000 participants; laptop B starts from its snapshot.
    let a_db = dir.join("a.db");
    let mut a = Fieldwork::create(&a_db, &cfg.study, settings(dir, "alice")).unwrap();
    a.store.begin_batch().unwrap();
    let mut ids = Vec::with_capacity(CHANGES);
    for i in 0..CHANGES {
        let p = a
            .add_participant(&ParticipantInput {
                name: Some(format!("Synthetic Person {i}")),
                role: Some("ics-ceo".into()),
                site: Some(["A", "B", "C", "D"][i % 4].into()),
                allow_duplicate_unique_role: true,
                ..Default::default()
            })
            .unwrap();
        ids.push(p.id);
    }
    a.store.end_batch(true).unwrap();
    let snap = dir.join("start.fwsnap");
    a.sync_snapshot(&snap, &seal).unwrap();
    let base = dir.join("b-base.db");
    fieldwork::service::restore::init_from(&base, &snap, &unseal, false, settings(dir, "bob"))
        .unwrap();

    // 10,000 edits on A, one write (one outbox entry) each.
    let first = fieldwork::store::sync::last_seq(a.store.conn()).unwrap();
    for (i, id) in ids.iter().enumerate() {
        let w = a.store.write().unwrap();
        w.execute(
            "UPDATE participant SET notes = ?1, updated_at = ?2 WHERE id = ?3",
            rusqlite::params![format!("note {i}"), fieldwork::domain::now_utc(), id],
        )
        .unwrap();
        w.commit().unwrap();
    }
    let entries = fieldwork::store::sync::outbox_after(a.store.conn(), first).unwrap();
    assert_eq!(entries.len(), CHANGES);
    let parts: Vec<&[u8]> = entries.iter().map(|e| e.changeset.as_slice()).collect();
    let raw = session::combine(&parts).unwrap();
    assert_eq!(session::changes(&raw).unwrap().len(), CHANGES);

    let mut sync_times = Vec::new();
    let mut export_times = Vec::new();
    let mut import_times = Vec::new();
    let mut raw_times = Vec::new();
    // CPU time of this thread (user + system) beside the wall time: on a shared machine
    // the wall time of either side drifts with the other jobs; the CPU time much less.
    let mut sync_cpu = Vec::new();
    let mut raw_cpu = Vec::new();
    let mut bundle_len = 0;
    for run in 0..RUNS {
        // fieldwork: export on A (since the edits began) + import on a fresh copy of B.
        let b_db = dir.join(format!("b{run}.db"));
        std::fs::copy(&base, &b_db).unwrap();
        let b = Fieldwork::open(&b_db, settings(dir, "bob")).unwrap();
        let out = dir.join(format!("edits{run}.fwb"));
        let c0 = thread_cpu();
        let t0 = Instant::now();
        let r = a.sync_export(&out, Some(first), &seal).unwrap();
        let t1 = Instant::now();
        let imported = b
            .sync_import(std::slice::from_ref(&out), &mut |_| Ok(unseal.clone()))
            .unwrap();
        // Both sides are timed up to the database file itself: closing the connection
        // checkpoints the WAL (fsync) where a commit did not already do it.
        drop(b);
        let t2 = Instant::now();
        sync_cpu.push(thread_cpu() - c0);
        assert_eq!(r.changes, CHANGES);
        assert_eq!(imported[0].applied.len(), CHANGES);
        assert_eq!(imported[0].conflicts, 0);
        bundle_len = std::fs::metadata(&out).unwrap().len();
        export_times.push(t1 - t0);
        import_times.push(t2 - t1);
        sync_times.push(t2 - t0);

        // SQLite alone: the same changes as one raw changeset, applied in one transaction.
        let c_db = dir.join(format!("c{run}.db"));
        std::fs::copy(&base, &c_db).unwrap();
        let c = rusqlite::Connection::open(&c_db).unwrap();
        c.pragma_update(None, "journal_mode", "WAL").unwrap();
        c.pragma_update(None, "synchronous", "NORMAL").unwrap();
        c.pragma_update(None, "foreign_keys", true).unwrap();
        let c0 = thread_cpu();
        let t0 = Instant::now();
        c.execute_batch("BEGIN IMMEDIATE").unwrap();
        session::apply(&c, &raw, &mut |_| session::Action::Omit).unwrap();
        c.execute_batch("COMMIT").unwrap();
        drop(c);
        raw_times.push(t0.elapsed());
        raw_cpu.push(thread_cpu() - c0);
    }
    let (s, e, i, r) = (
        median(sync_times),
        median(export_times),
        median(import_times),
        median(raw_times),
    );
    let ratio = s.as_secs_f64() / r.as_secs_f64();
    let median_f = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (sc, rc) = (median_f(sync_cpu), median_f(raw_cpu));
    let cpu_ratio = sc / rc;
    let summary = format!(
        "| changes | bundle | export | import | export + import: wall (CPU) | SQLite apply alone: wall (CPU) | ratio: wall (CPU) |\n\
         |---|---|---|---|---|---|---|\n\
         | {CHANGES} | {} KiB | {:.1} ms | {:.1} ms | {:.1} ms ({:.1} ms) | {:.1} ms ({:.1} ms) | {ratio:.2}x ({cpu_ratio:.2}x) |\n",
        bundle_len / 1024,
        e.as_secs_f64() * 1e3,
        i.as_secs_f64() * 1e3,
        s.as_secs_f64() * 1e3,
        sc * 1e3,
        r.as_secs_f64() * 1e3,
        rc * 1e3,
    );
    println!("{summary}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("sync.md"), summary);
}

/// User + system CPU seconds of the calling thread (0 where not available).
fn thread_cpu() -> f64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrusage writes into the struct we hand it and reads nothing else.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) } == 0 {
            let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
            return t(u.ru_utime) + t(u.ru_stime);
        }
    }
    0.0
}
