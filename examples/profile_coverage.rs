//! Times `coverage` on a database and each SQL statement it runs:
//! `cargo run --release --example profile_coverage -- DB`.
use std::sync::{Arc, Mutex};
use std::time::Instant;

fn main() {
    let db = std::path::PathBuf::from(std::env::args().nth(1).expect("DB path"));
    let settings = fieldwork::service::Settings {
        user: "profile".into(),
        transcripts_root: db.parent().unwrap().join("transcripts"),
        consent_policy: fieldwork::config::ConsentPolicy::Refuse,
    };
    let mut fw = fieldwork::service::Fieldwork::open(&db, settings).unwrap();
    let t = Instant::now();
    let c = fw.coverage().unwrap();
    println!(
        "coverage: {} interviews in {:?}",
        c.total_interviews,
        t.elapsed()
    );
    let sink = Arc::new(Mutex::new(Vec::new()));
    fw.store.record_sql(Some(sink.clone())).unwrap();
    fw.coverage().unwrap();
    fw.store.record_sql(None).unwrap();
    let statements = sink.lock().unwrap().clone();
    for sql in statements {
        let t = Instant::now();
        let mut stmt = fw.store.conn().prepare(&sql).unwrap();
        let mut rows = stmt.query([]).unwrap();
        let mut n = 0;
        while rows.next().unwrap().is_some() {
            n += 1;
        }
        let one_line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        println!(
            "{:>8.2} ms {:>5} rows  {}",
            t.elapsed().as_secs_f64() * 1e3,
            n,
            &one_line[..one_line.len().min(110)]
        );
    }
}
