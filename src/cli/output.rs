//! Plain-text rendering for the CLI: aligned tables (by display width) and reports.

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

use crate::domain::{
    format_date, ConsentInForce, ConsentItem, ConsentRecord, Participant, Session, Tag, Theme,
    ThemeStatus, Withdrawal,
};
use crate::service::check::CheckReport;
use crate::service::coverage::Coverage;
use crate::service::participants::ParticipantDetail;
use crate::service::Reference;

/// Escape control characters so data cannot move the cursor or change colours.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Escape control characters in a block of text (a transcript's turn, a diff) but keep
/// its line breaks and tabs.
pub fn esc_block(s: &str) -> String {
    s.split('\n')
        .map(|line| line.split('\t').map(esc).collect::<Vec<_>>().join("\t"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// JSON text with every control character a terminal could act on escaped: serde escapes
/// C0 controls itself, but leaves DEL and the C1 controls (U+0080 to U+009F, such as the
/// one-character CSI U+009B) raw; those only occur inside strings, where `\u00XX` is valid.
pub fn json_for_terminal(json: String) -> String {
    if !json
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c.is_control() && !matches!(c, '\n' | '\t' | '\r') {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// An aligned table; cells are escaped, widths measured in terminal columns.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| esc(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(c.width());
            }
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        let n = cells.len();
        for (i, c) in cells.iter().enumerate() {
            out.push_str(c);
            if i + 1 < n {
                let pad = widths[i].saturating_sub(c.width()) + 2;
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
    };
    line(
        &mut out,
        &headers.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
    );
    for r in &rows {
        line(&mut out, r);
    }
    out
}

pub fn render_participants(list: &[Participant]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|p| {
            vec![
                p.code.clone(),
                p.name.clone(),
                p.site.clone(),
                p.role_category.clone(),
                p.role.clone(),
                p.status.to_string(),
                p.phases_interviewed
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ]
        })
        .collect();
    let mut s = table(
        &[
            "CODE", "NAME", "SITE", "CATEGORY", "ROLE", "STATUS", "PHASES",
        ],
        &rows,
    );
    let _ = writeln!(s, "{} participant(s)", list.len());
    s
}

fn consent_line(f: &ConsentInForce) -> String {
    ConsentItem::ALL
        .iter()
        .map(|i| format!("{}: {}", i.label(), f.item(*i).as_str()))
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn render_participant(d: &ParticipantDetail) -> String {
    let p = &d.participant;
    let mut s = String::new();
    let opt = |o: &Option<String>| o.as_deref().map(esc).unwrap_or_else(|| "—".into());
    let _ = writeln!(s, "{}  {}", p.code, esc(&p.name));
    let _ = writeln!(s, "  id            {}", p.id);
    let _ = writeln!(s, "  site          {} ({})", p.site, esc(&p.site_name));
    let _ = writeln!(
        s,
        "  role          {} / {}",
        esc(&p.role_category_name),
        esc(&p.role_name)
    );
    let _ = writeln!(s, "  job title     {}", opt(&p.job_title));
    let _ = writeln!(s, "  organisation  {}", opt(&p.organisation));
    let _ = writeln!(s, "  email         {}", opt(&p.email));
    let _ = writeln!(s, "  phone         {}", opt(&p.phone));
    let _ = writeln!(s, "  status        {}", p.status);
    let _ = writeln!(s, "  notes         {}", opt(&p.notes));
    let _ = writeln!(s, "  consent today {}", consent_line(&d.consent));
    let _ = writeln!(s, "\nStatus history:");
    for e in &d.history {
        let _ = writeln!(
            s,
            "  {}  {} → {}  {} ({})",
            format_date(e.date),
            e.from_status.map(|x| x.as_str()).unwrap_or("—"),
            e.to_status,
            e.note.as_deref().map(esc).unwrap_or_default(),
            e.recorded_by
        );
    }
    let _ = writeln!(s, "\nSessions:");
    for x in &d.sessions {
        let _ = writeln!(
            s,
            "  {}  {}  {}  phase {}  {}",
            format_date(x.date),
            x.kind,
            x.status,
            x.phase,
            &x.id[..8]
        );
    }
    s
}

pub fn render_consent(
    f: &ConsentInForce,
    records: &[ConsentRecord],
    withdrawals: &[Withdrawal],
    on: time::Date,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "In force on {}:", format_date(on));
    for i in ConsentItem::ALL {
        let _ = writeln!(s, "  {:<22} {}", i.label(), f.item(*i).as_str());
    }
    let _ = writeln!(s, "\nConsent records:");
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let a = |x: Option<crate::domain::Answer>| {
                x.map(|a| a.as_str().to_string())
                    .unwrap_or_else(|| "unset".into())
            };
            vec![
                format_date(r.date),
                r.form_version.clone(),
                r.mode.to_string(),
                r.taken_by.clone(),
                a(r.take_part),
                a(r.audio),
                a(r.quotes),
                a(r.archiving),
                a(r.follow_up),
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "DATE",
            "FORM",
            "MODE",
            "TAKEN BY",
            "TAKE PART",
            "AUDIO",
            "QUOTES",
            "ARCHIVING",
            "FOLLOW-UP",
        ],
        &rows,
    ));
    if !withdrawals.is_empty() {
        let _ = writeln!(s, "\nWithdrawals:");
        for w in withdrawals {
            let _ = writeln!(
                s,
                "  {}  {}  {}",
                format_date(w.date),
                w.scope,
                w.reason.as_deref().map(esc).unwrap_or_default()
            );
        }
    }
    s
}

pub fn render_sessions(list: &[Session]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|x| {
            let who = match x.kind {
                crate::domain::SessionKind::Interview => x
                    .participants
                    .iter()
                    .map(|p| p.code.clone())
                    .collect::<Vec<_>>()
                    .join(","),
                crate::domain::SessionKind::Observation => {
                    x.meeting_type_name.clone().unwrap_or_default()
                }
                crate::domain::SessionKind::Document => x.title.clone().unwrap_or_default(),
            };
            let transcript = match (&x.transcript, x.kind) {
                (Some(t), _) => t.status.to_string(),
                (None, crate::domain::SessionKind::Interview) => "none".into(),
                _ => String::new(),
            };
            vec![
                x.id.chars().take(8).collect(),
                format_date(x.date),
                x.kind.to_string(),
                x.status.to_string(),
                x.phase.to_string(),
                x.site.clone(),
                who,
                transcript,
                if x.consent_gap {
                    "CONSENT GAP".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let mut s = table(
        &[
            "ID",
            "DATE",
            "KIND",
            "STATUS",
            "PHASE",
            "SITE",
            "WHO/WHAT",
            "TRANSCRIPT",
            "",
        ],
        &rows,
    );
    let _ = writeln!(s, "{} session(s)", list.len());
    s
}

pub fn render_session(x: &Session, tags: &[Tag]) -> String {
    let mut s = String::new();
    let opt = |o: &Option<String>| o.as_deref().map(esc).unwrap_or_else(|| "—".into());
    let _ = writeln!(s, "{} {} ({})", x.kind, &x.id, x.status);
    let _ = writeln!(
        s,
        "  date          {}  (phase {}, site {})",
        format_date(x.date),
        x.phase,
        x.site
    );
    let _ = writeln!(
        s,
        "  participants  {}",
        x.participants
            .iter()
            .map(|p| format!("{} {}", p.code, esc(&p.name)))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let _ = writeln!(s, "  mode          {}", opt(&x.mode));
    let _ = writeln!(
        s,
        "  duration      {}",
        x.duration_min
            .map(|d| format!("{d} min"))
            .unwrap_or_else(|| "—".into())
    );
    let _ = writeln!(s, "  interviewer   {}", opt(&x.interviewer));
    let _ = writeln!(s, "  recording     {}", opt(&x.recording_status));
    let _ = writeln!(s, "  transcription {}", opt(&x.transcription_status));
    if x.consent_gap {
        let _ = writeln!(
            s,
            "  CONSENT GAP   logged without consent in force; see `fieldwork check`"
        );
    }
    match &x.transcript {
        Some(t) => {
            let _ = writeln!(
                s,
                "  transcript    {} ({}, {} bytes)",
                esc(&t.path),
                t.status,
                t.size
            );
        }
        None => {
            let _ = writeln!(s, "  transcript    none");
        }
    }
    let _ = writeln!(s, "  notes         {}", opt(&x.notes));
    let _ = writeln!(
        s,
        "  themes        {}",
        tags.iter()
            .map(|t| esc(&t.theme))
            .collect::<Vec<_>>()
            .join("; ")
    );
    s
}

pub fn render_themes(themes: &[Theme]) -> String {
    let mut s = String::new();
    let mut fw = "";
    for t in themes {
        if t.framework != fw {
            fw = &t.framework;
            let _ = writeln!(s, "{}", esc(fw));
        }
        let status = match t.status {
            ThemeStatus::Active => String::new(),
            other => format!(" [{other}]"),
        };
        let _ = writeln!(
            s,
            "{}{} ({}){}  {}",
            "  ".repeat(t.depth + 1),
            esc(&t.name),
            t.tag_count,
            status,
            &t.id[..8]
        );
    }
    s
}

pub fn render_study(r: &Reference) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", esc(&r.study_name));
    if let Some(e) = &r.ethics_ref {
        let _ = writeln!(s, "ethics reference: {}", esc(e));
    }
    let _ = writeln!(
        s,
        "consent form version: {}\n",
        esc(&r.consent_form_version)
    );
    let _ = writeln!(s, "Sites:");
    for x in &r.sites {
        let _ = writeln!(s, "  {:<6} {}", x.code, esc(&x.name));
    }
    let _ = writeln!(s, "Phases:");
    for p in &r.phases {
        let _ = writeln!(
            s,
            "  {}  {}  {} to {}",
            p.number,
            esc(&p.name),
            format_date(p.start),
            format_date(p.end)
        );
    }
    let _ = writeln!(s, "Roles (category / code: name):");
    for x in &r.roles {
        let _ = writeln!(
            s,
            "  {} / {}: {}{}",
            x.category_code,
            x.code,
            esc(&x.name),
            if x.unique_at_site {
                " (unique at a site)"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(s, "Meeting types:");
    for m in &r.meeting_types {
        let _ = writeln!(s, "  {:<14} {}", m.code, esc(&m.name));
    }
    s
}

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
            let n = c
                .by_role_category
                .iter()
                .find(|x| &x.role_category == code && x.phase == p.number)
                .map(|x| x.participants)
                .unwrap_or(0);
            row.push(n.to_string());
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

/// The corrections in a participant's consent history: each corrected record, marked
/// "corrected: entered in error — reason" (empty when there are none).
pub fn render_corrections(h: &crate::service::consent::ConsentHistory) -> String {
    let mut s = String::new();
    if h.corrections.is_empty() {
        return s;
    }
    let _ = writeln!(s, "\nCorrected records (ignored):");
    for c in &h.corrections {
        let what = if c.record_kind == "consent" {
            h.records
                .iter()
                .find(|r| r.id == c.record_id)
                .map(|r| format!("consent {}", format_date(r.date)))
        } else {
            h.withdrawals
                .iter()
                .find(|w| w.id == c.record_id)
                .map(|w| format!("withdrawal {} {}", format_date(w.date), w.scope))
        }
        .unwrap_or_else(|| c.record_kind.clone());
        let _ = writeln!(
            s,
            "  {}  {}  corrected: entered in error — {}  ({}, {})",
            what,
            c.record_id.chars().take(8).collect::<String>(),
            esc(&c.reason),
            esc(&c.corrected_by),
            c.corrected_at
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(esc("a\u{1b}[31mb\nc"), "a\\u{1b}[31mb\\nc");
    }

    #[test]
    fn tables_align_wide_characters() {
        let t = table(
            &["A", "B"],
            &[
                vec!["日本".into(), "x".into()],
                vec!["ab".into(), "y".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        let col = |l: &str| l[..l.rfind(['x', 'y', 'B']).unwrap()].width();
        assert_eq!(col(lines[1]), col(lines[2]));
        assert_eq!(col(lines[0]), col(lines[1]));
    }
}
