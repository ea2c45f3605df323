//! Rendering the study's records: participants, consent, sessions, themes, the study.

use std::fmt::Write;

use super::text::*;
use crate::domain::{
    format_date, ConsentInForce, ConsentItem, ConsentRecord, Participant, Session, Tag, Theme,
    ThemeStatus, Withdrawal,
};
use crate::service::participants::ParticipantDetail;
use crate::service::Reference;

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

pub(super) fn consent_line(f: &ConsentInForce) -> String {
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
