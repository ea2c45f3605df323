//! Planning the demo study: who is recruited where, consents, interviews and events.

use std::collections::{HashMap, HashSet};

use time::{Date, Duration};

use super::{options::*, people::*, specials::*, text::*};
use crate::domain::{today, Answer, Role, Status, ThemeStatus};
use crate::service::sessions::{DocumentInput, ObservationInput};
use crate::service::{Fieldwork, Result};

pub(super) fn plan_study(
    fw: &Fieldwork,
    opts: &DemoOptions,
    names: &Sections,
    rng: &mut Rng,
    n_base: usize,
) -> Result<StudyPlan> {
    let r = &fw.reference;
    let today = today();
    let phases: Vec<_> = r.phases.clone();
    let roles: Vec<Role> = r.roles.clone();
    let targets: HashMap<(u32, String), i64> = fw
        .targets()?
        .into_iter()
        .map(|(p, s, t)| ((p, s), t))
        .collect();

    // The codebook: the QMS framework if the study has it, else the first one.
    let frameworks = fw.frameworks()?;
    let codebook = frameworks
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case("QMS"))
        .or_else(|| frameworks.first())
        .map(|f| f.name.clone());
    let all_themes = fw.themes(false)?;
    let mut themes = Vec::new();
    if let Some(cb) = &codebook {
        let live: Vec<_> = all_themes
            .iter()
            .filter(|t| &t.framework == cb && t.status == ThemeStatus::Active)
            .collect();
        for t in &live {
            let has_children = live
                .iter()
                .any(|c| c.parent_id.as_deref() == Some(t.id.as_str()));
            if !has_children {
                let parent = t
                    .parent_id
                    .as_deref()
                    .and_then(|p| live.iter().find(|x| x.id == p))
                    .map(|p| p.name.clone());
                themes.push((t.id.clone(), t.name.clone(), parent));
            }
        }
    }
    // Some themes common, some rare: Zipf-like weights over a shuffled order.
    let mut order: Vec<usize> = (0..themes.len()).collect();
    rng.shuffle(&mut order);
    let mut theme_weights = vec![0.0; themes.len()];
    for (rank, i) in order.iter().enumerate() {
        theme_weights[*i] = 1.0 / ((rank + 1) as f64).powf(1.1);
    }

    // Sites, their invented places and their fieldworkers.
    let mut place_pool: Vec<String> = names.get("place").to_vec();
    if place_pool.is_empty() {
        place_pool.push("Eastvale".into());
    }
    rng.shuffle(&mut place_pool);
    let fieldworkers: Vec<String> = if names.get("fieldworker").is_empty() {
        vec![fw.user().to_string()]
    } else {
        names.get("fieldworker").to_vec()
    };
    let mut next_place = 0;
    let mut sites = Vec::new();
    for (i, s) in r.sites.iter().enumerate() {
        let n_places = s.places.unwrap_or(4).clamp(2, 8) as usize;
        let places = (0..n_places)
            .map(|j| place_pool[(next_place + j) % place_pool.len()].clone())
            .collect();
        next_place += n_places;
        let a = fieldworkers[i % fieldworkers.len()].clone();
        let b = fieldworkers[(i + 1 + i / fieldworkers.len()) % fieldworkers.len()].clone();
        sites.push(SitePlan {
            code: s.code.clone(),
            name: s.name.clone(),
            places,
            interviewers: if a == b { vec![a] } else { vec![a, b] },
        });
    }

    // Interviews per site and phase: the target, shifted by ±1 within each group of the
    // study's sites so that every phase total is exactly the sum of the targets.
    let default_target = |idx: usize| if idx == 0 { 15 } else { 13 };
    let n_sites = sites.len();
    let mut counts: Vec<Vec<i64>> = vec![vec![0; phases.len()]; n_sites];
    for (pi, p) in phases.iter().enumerate() {
        for (si, s) in r.sites.iter().enumerate() {
            counts[si][pi] = targets
                .get(&(p.number, s.code.clone()))
                .copied()
                .unwrap_or(default_target(pi))
                .max(0);
        }
        for g in 0..opts.scale as usize {
            let lo = g * n_base;
            let hi = (lo + n_base).min(n_sites);
            if hi - lo >= 2 {
                let a = lo + rng.below(hi - lo);
                let mut b = lo + rng.below(hi - lo - 1);
                if b >= a {
                    b += 1;
                }
                if counts[a][pi] > 3 {
                    counts[a][pi] -= 1;
                    counts[b][pi] += 1;
                }
            }
        }
    }

    let decline_reasons: Vec<String> = names.get("decline").to_vec();
    let given_names = names.get("given");
    let family_names = names.get("family");
    let mut used_names: HashSet<String> = HashSet::new();
    let mut people: Vec<Person> = Vec::new();
    let mut observations = Vec::new();
    let mut documents = Vec::new();
    let doc_templates: Vec<(String, String, String)> = names
        .get("document")
        .iter()
        .filter_map(|l| {
            let mut it = l.splitn(3, '|').map(str::trim);
            Some((
                it.next()?.to_string(),
                it.next()?.to_string(),
                it.next()?.to_string(),
            ))
        })
        .collect();
    let mut mt_order: Vec<usize> = (0..r.meeting_types.len()).collect();
    let mut mt_next = 0usize;

    for (si, site) in sites.iter().enumerate() {
        let group_start = si % n_base == 0;
        if group_start {
            rng.shuffle(&mut mt_order);
        }
        let phase_end = |pi: usize| phases[pi].end.min(today);
        // People interviewed at this site, by index into `people`.
        let mut site_people: Vec<usize> = Vec::new();
        let mut used_unique: HashSet<usize> = HashSet::new();
        // Roles for `n` people: one from every category first, then any role, with the
        // roles that are unique at a site used once.
        let mut pick_roles = |rng: &mut Rng, n: usize, cover: bool| -> Vec<usize> {
            let mut out = Vec::new();
            if cover {
                for cat in &r.role_categories {
                    let options: Vec<usize> = (0..roles.len())
                        .filter(|i| roles[*i].category_id == cat.id)
                        .filter(|i| !roles[*i].unique_at_site || !used_unique.contains(i))
                        .collect();
                    if !options.is_empty() && out.len() < n {
                        let i = *rng.pick(&options);
                        if roles[i].unique_at_site {
                            used_unique.insert(i);
                        }
                        out.push(i);
                    }
                }
            }
            while out.len() < n {
                let options: Vec<usize> = (0..roles.len())
                    .filter(|i| !roles[*i].unique_at_site || !used_unique.contains(i))
                    .collect();
                let i = if options.is_empty() {
                    rng.below(roles.len())
                } else {
                    *rng.pick(&options)
                };
                if roles[i].unique_at_site {
                    used_unique.insert(i);
                }
                out.push(i);
            }
            rng.shuffle(&mut out);
            out
        };
        let mut make_person =
            |rng: &mut Rng, role: usize, identified: Date, outcome: Outcome| -> Person {
                let mut given = rng.pick(given_names).clone();
                let mut family = rng.pick(family_names).clone();
                for _ in 0..50 {
                    if !used_names.contains(&format!("{given} {family}")) {
                        break;
                    }
                    given = rng.pick(given_names).clone();
                    family = rng.pick(family_names).clone();
                }
                let mut name = format!("{given} {family}");
                if used_names.contains(&name) {
                    let initial = (b'A' + rng.below(26) as u8) as char;
                    name = format!("{given} {initial}. {family}");
                }
                used_names.insert(name.clone());
                let role_def = &roles[role];
                let place = rng.pick(&site.places).clone();
                let templates = names.first(&[&format!("org:{}", role_def.category_code), "org"]);
                let org = if templates.is_empty() {
                    site.name.clone()
                } else {
                    fill(
                        rng.pick(templates).as_str(),
                        &[("place", &place), ("site", &site.name)],
                    )
                };
                let titles = names.get(&format!("title:{}", role_def.code));
                let title = if titles.is_empty() {
                    let n = role_def.name.as_str();
                    upper_first(n.strip_prefix("Other ").unwrap_or(n))
                } else {
                    rng.pick(titles).clone()
                };
                let job_title = if rng.chance(0.08) && !role_def.unique_at_site {
                    format!("Interim {title}")
                } else {
                    title
                };
                let email = format!("{}.{}@{}.example", slug(&given), slug(&family), slug(&org));
                let phone = rng
                    .chance(0.5)
                    .then(|| format!("01632 960{:03}", rng.below(1000)));
                Person {
                    site: si,
                    role,
                    given,
                    name,
                    org,
                    place,
                    job_title,
                    email,
                    phone,
                    outcome,
                    identified,
                    events: Vec::new(),
                    interviews: Vec::new(),
                }
            };

        for (pi, phase) in phases.iter().enumerate() {
            let lo = phase.start + Duration::days(7).min(phase.end - phase.start);
            let hi = phase_end(pi);
            let n = counts[si][pi].max(0) as usize;
            // Later phases: most interviews are with people seen before.
            let (n_new, reinterview): (usize, Vec<usize>) = if pi == 0 {
                (n, Vec::new())
            } else {
                let eligible: Vec<usize> = site_people.clone();
                let mut pool = eligible;
                rng.shuffle(&mut pool);
                let wanted_new = (rng.range(1, 3) as usize).min(n);
                let re = (n - wanted_new).min(pool.len());
                pool.truncate(re);
                (n - re, pool)
            };
            let roles_new = pick_roles(rng, n_new, pi == 0);
            for role in roles_new {
                let date = weekday_between(rng, lo, hi);
                let invite = date - Duration::days(rng.range(12, 35));
                let identified = invite - Duration::days(rng.range(0, 14));
                let mut p = make_person(rng, role, identified, Outcome::Interviewed);
                p.events.push((invite, Event::Invite));
                let consent = date - Duration::days(rng.range(1, 7));
                if rng.chance(0.3) && invite + Duration::days(9) < consent {
                    p.events
                        .push((invite + Duration::days(rng.range(7, 9)), Event::Remind));
                }
                p.events.push((
                    consent,
                    Event::Consent(
                        all_yes(),
                        consent_mode(rng),
                        rng.pick(&site.interviewers).clone(),
                    ),
                ));
                let iv = interview(rng, phase.number, date, site, &theme_weights, false);
                p.events.push((date, Event::Interview(0)));
                p.interviews.push(iv);
                people.push(p);
                site_people.push(people.len() - 1);
            }
            for idx in reinterview {
                let date = weekday_between(rng, lo, hi);
                let iv = interview(rng, phase.number, date, site, &theme_weights, true);
                let p = &mut people[idx];
                if rng.chance(0.75) {
                    let mut answers = all_yes();
                    answers.follow_up = Some(Answer::NotAsked);
                    p.events.push((
                        date - Duration::days(rng.range(1, 7)),
                        Event::Consent(answers, consent_mode(rng), iv.interviewer.clone()),
                    ));
                }
                p.events.push((date, Event::Interview(p.interviews.len())));
                p.interviews.push(iv);
            }
            // Invitations declined, and a few never answered.
            let declined =
                rng.range(if pi == 0 { 2 } else { 0 }, if pi == 0 { 3 } else { 1 }) as usize;
            let silent = rng.range(0, if pi == 0 { 2 } else { 1 }) as usize;
            let roles_out = pick_roles(rng, declined + silent, false);
            for (k, role) in roles_out.into_iter().enumerate() {
                let invite = weekday_between(
                    rng,
                    phase.start - Duration::days(20),
                    hi - Duration::days(30).min(hi - phase.start),
                );
                let identified = invite - Duration::days(rng.range(0, 14));
                let outcome = if k < declined {
                    Outcome::Declined
                } else {
                    Outcome::NoResponse
                };
                let mut p = make_person(rng, role, identified, outcome);
                p.events.push((invite, Event::Invite));
                if outcome == Outcome::Declined {
                    let reason = if decline_reasons.is_empty() {
                        "Declined".to_string()
                    } else {
                        rng.pick(&decline_reasons).clone()
                    };
                    p.events.push((
                        (invite + Duration::days(rng.range(3, 21))).min(today),
                        Event::Close(Status::Declined, reason),
                    ));
                } else {
                    let remind = invite + Duration::days(rng.range(7, 12));
                    p.events.push((remind.min(today), Event::Remind));
                    p.events.push((
                        (remind + Duration::days(rng.range(14, 28))).min(today),
                        Event::Close(Status::NoResponse, "No reply after a reminder".into()),
                    ));
                }
                people.push(p);
            }
            // Observed meetings, cycling over the meeting types so that a group of sites
            // sees every type.
            if !r.meeting_types.is_empty() {
                let n_obs = rng.range(2, 3) as usize;
                for _ in 0..n_obs {
                    let mt = &r.meeting_types[mt_order[mt_next % mt_order.len()]];
                    mt_next += 1;
                    let date = weekday_between(rng, phase.start, hi);
                    observations.push(ObservationInput {
                        meeting_type: mt.code.clone(),
                        site: site.code.clone(),
                        date: Some(date),
                        phase: Some(phase.number),
                        title: Some(format!("{} {}, {}", site.name, mt.name, month_year(date))),
                        observer: Some(rng.pick(&site.interviewers).clone()),
                        attendees: Some(rng.range(8, 28)),
                        duration_min: Some(rng.range(6, 12) * 15),
                        notes: None,
                        status: None,
                    });
                }
            }
        }
        // Reviewed documents: three or four per site.
        if !doc_templates.is_empty() {
            let n_docs = (rng.range(3, 4) as usize).min(doc_templates.len());
            let mut idx: Vec<usize> = (0..doc_templates.len()).collect();
            rng.shuffle(&mut idx);
            for &d in idx.iter().take(n_docs) {
                let (ph, kind, title) = &doc_templates[d];
                let pi = match ph.parse::<usize>() {
                    Ok(n) if n >= 1 && n <= phases.len() => n - 1,
                    _ => rng.below(phases.len()),
                };
                let phase = &phases[pi];
                let place = rng.pick(&site.places).clone();
                documents.push(DocumentInput {
                    title: fill(title, &[("site", &site.name), ("place", &place)]),
                    site: site.code.clone(),
                    date: Some(weekday_between(rng, phase.start, phase_end(pi))),
                    phase: Some(phase.number),
                    doc_type: Some(kind.clone()),
                    notes: None,
                });
            }
        }
    }

    assign_specials(&mut people, rng, n_sites, n_base, &phases, today);
    Ok(StudyPlan {
        sites,
        people,
        observations,
        documents,
        themes,
        codebook,
    })
}
