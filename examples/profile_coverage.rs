//! Times the parts of `coverage` on a database: `cargo run --release --example
//! profile_coverage -- DB`.
use std::time::Instant;

fn main() {
    let db = std::path::PathBuf::from(std::env::args().nth(1).expect("DB path"));
    let settings = fieldwork::service::Settings {
        user: "profile".into(),
        transcripts_root: db.parent().unwrap().join("transcripts"),
        consent_policy: fieldwork::config::ConsentPolicy::Refuse,
    };
    let fw = fieldwork::service::Fieldwork::open(&db, settings).unwrap();
    for _ in 0..2 {
        let t = Instant::now();
        let g = fw.gaps(false).unwrap();
        println!("gaps: {} in {:?}", g.len(), t.elapsed());
        let t = Instant::now();
        let c = fw.coverage().unwrap();
        println!("coverage: {} in {:?}", c.total_interviews, t.elapsed());
    }
}
