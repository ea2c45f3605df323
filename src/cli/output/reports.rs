//! Rendering reports: coverage (with per-fieldworker counts) and the check.

use std::fmt::Write;

use super::text::*;
use crate::service::check::CheckReport;
use crate::service::coverage::Coverage;

/// The coverage report: phase × site matrix, categories, follow-up, observations, gaps.
/// `coverage --by fieldworker`: sessions done per fieldworker, then per phase and site.
pub fn render_by_fieldworker(b: &crate::service::coverage::ByFieldworker) -> String {
    let mut s = String::from("\nSessions done per fieldworker:\n");
    let rows: Vec<Vec<String>> = b
        .totals
        .iter()
        .map(|t| {
            vec![
                t.fieldworker.clone(),
                t.interviews.to_string(),
                t.observations.to_string(),
            ]
        })
        .collect();
    if rows.is_empty() {
        s.push_str("none yet\n");
        return s;
    }
    s.push_str(&table(
        &["FIELDWORKER", "INTERVIEWS", "OBSERVATIONS"],
        &rows,
    ));
    s.push_str("\nPer phase and site:\n");
    let rows: Vec<Vec<String>> = b
        .cells
        .iter()
        .map(|c| {
            vec![
                c.fieldworker.clone(),
                c.role.clone(),
                c.phase.to_string(),
                c.site.clone(),
                c.sessions.to_string(),
            ]
        })
        .collect();
    s.push_str(&table(
        &["FIELDWORKER", "AS", "PHASE", "SITE", "SESSIONS"],
        &rows,
    ));
    s
}

pub fn render_coverage(c: &Coverage) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", esc(&c.study));
    let _ = writeln!(
        s,
        "Interviews: {} of {} targeted\n",
        c.total_interviews, c.total_target
    );
    let sites: Vec<String> = {
        // In first-seen order; the set keeps it linear in the cells (sites × phases).
        let mut seen = std::collections::HashSet::new();
        let mut v: Vec<String> = Vec::new();
        for cell in &c.cells {
            if seen.insert(cell.site.as_str()) {
                v.push(cell.site.clone());
            }
        }
        v
    };
    let mut headers: Vec<String> = vec!["PHASE".into()];
    headers.extend(sites.iter().cloned());
    headers.push("TOTAL".into());
    // Cells by (phase, site): a lookup each, not a scan of every cell per phase and site.
    let mut by_key = std::collections::HashMap::new();
    for x in &c.cells {
        by_key.entry((x.phase, x.site.as_str())).or_insert(x);
    }
    let mut rows = Vec::new();
    for p in &c.phases {
        let mut row = vec![format!("{} {}", p.number, p.name)];
        let mut done = 0;
        let mut target = 0;
        for site in &sites {
            let cell = by_key.get(&(p.number, site.as_str()));
            let (d, t) = cell.map(|x| (x.interviews, x.target)).unwrap_or((0, 0));
            done += d;
            target += t;
            row.push(format!("{d}/{t}"));
        }
        row.push(format!("{done}/{target}"));
        rows.push(row);
    }
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    s.push_str(&table(&h, &rows));
    let _ = writeln!(s, "\nParticipants interviewed by role category:");
    let mut rows = Vec::new();
    let mut cats: Vec<(String, String)> = Vec::new();
    for x in &c.by_role_category {
        if !cats.iter().any(|(code, _)| code == &x.role_category) {
            cats.push((x.role_category.clone(), x.role_category_name.clone()));
        }
    }
    for (code, name) in &cats {
        let mut row = vec![name.clone()];
        for p in &c.phases {
            let cell = c
                .by_role_category
                .iter()
                .find(|x| &x.role_category == code && x.phase == p.number);
            row.push(match cell {
                Some(x) if x.target > 0 => format!("{}/{}", x.participants, x.target),
                Some(x) => x.participants.to_string(),
                None => "0".into(),
            });
        }
        rows.push(row);
    }
    let mut h = vec!["CATEGORY".to_string()];
    h.extend(c.phases.iter().map(|p| format!("PHASE {}", p.number)));
    let h: Vec<&str> = h.iter().map(String::as_str).collect();
    s.push_str(&table(&h, &rows));
    for f in &c.follow_up {
        let _ = writeln!(
            s,
            "\nFollow-up: {} of {} phase {} participants seen again in phase {}; {} still to see{}",
            f.seen_again,
            f.baseline_participants,
            f.baseline_phase,
            f.follow_up_phase,
            f.not_seen.len(),
            if f.withdrawn > 0 {
                format!(" ({} withdrawn, not counted)", f.withdrawn)
            } else {
                String::new()
            }
        );
        let rows: Vec<Vec<String>> = f
            .not_seen
            .iter()
            .map(|n| {
                vec![
                    n.code.clone(),
                    n.site.clone(),
                    n.role_category.clone(),
                    n.status.clone(),
                    n.follow_up_consent.clone(),
                ]
            })
            .collect();
        if !rows.is_empty() {
            s.push_str(&table(
                &["CODE", "SITE", "CATEGORY", "STATUS", "FOLLOW-UP CONSENT"],
                &rows,
            ));
        }
    }
    let _ = writeln!(s, "\nObserved meetings by type:");
    let mut rows = Vec::new();
    let mut types: Vec<(String, String)> = Vec::new();
    for x in &c.observations {
        if !types.iter().any(|(code, _)| code == &x.meeting_type) {
            types.push((x.meeting_type.clone(), x.meeting_type_name.clone()));
        }
    }
    for (code, name) in &types {
        let mut row = vec![name.clone()];
        for p in &c.phases {
            let n = c
                .observations
                .iter()
                .find(|x| &x.meeting_type == code && x.phase == p.number)
                .map(|x| x.observed)
                .unwrap_or(0);
            row.push(n.to_string());
        }
        rows.push(row);
    }
    let mut h = vec!["MEETING TYPE".to_string()];
    h.extend(c.phases.iter().map(|p| format!("PHASE {}", p.number)));
    let h: Vec<&str> = h.iter().map(String::as_str).collect();
    s.push_str(&table(&h, &rows));
    let _ = writeln!(s, "Documents reviewed: {}", c.documents);
    let _ = writeln!(s, "\nGaps: {}", c.gaps.len());
    for g in &c.gaps {
        let _ = writeln!(s, "  [{}] {}", g.kind, esc(&g.message));
    }
    s
}

pub fn render_check(r: &CheckReport) -> String {
    let mut s = String::new();
    if r.ok {
        let _ = writeln!(s, "ok: the database is consistent and nothing is missing");
        return s;
    }
    for p in &r.problems {
        let _ = writeln!(s, "[{}] {}", p.kind, esc(&p.message));
        let _ = writeln!(s, "    → {}", esc(&p.action));
    }
    let _ = writeln!(
        s,
        "\n{} problem(s): {}",
        r.problems.len(),
        r.summary
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    s
}
