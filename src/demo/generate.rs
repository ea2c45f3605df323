//! Generating the demo study: its options and summary, the study's plan carried out, the
//! extra sites at larger scales.

use std::collections::{HashMap, HashSet};

use super::{execute::*, options::*, plan::*, text::*};
use crate::domain::{format_date, today, ParticipantFilter, SessionFilter, Site};
use crate::service::setup::NewSite;
use crate::service::{invalid, Fieldwork, Result, ServiceError};

/// Build the demo study at `scale` with the default transcript length and seed.
pub fn generate(fw: &mut Fieldwork, scale: u32) -> Result<DemoSummary> {
    generate_with(fw, &DemoOptions::new(scale))
}

/// Build the demo study into a freshly created database.
pub fn generate_with(fw: &mut Fieldwork, opts: &DemoOptions) -> Result<DemoSummary> {
    if opts.scale == 0 || opts.scale > MAX_SCALE {
        return Err(invalid(
            "scale",
            format!("give a scale from 1 to {MAX_SCALE}"),
        ));
    }
    if opts.words_per_transcript < 50 {
        return Err(invalid("words per transcript", "give at least 50"));
    }
    if fw.participant_count(&ParticipantFilter::default())? > 0
        || fw.session_count(&SessionFilter::default())? > 0
    {
        return Err(ServiceError::Refused(
            "the database already holds participants or sessions; the demo fills a new database only"
                .into(),
        ));
    }
    if fw.reference.sites.is_empty()
        || fw.reference.phases.is_empty()
        || fw.reference.roles.is_empty()
    {
        return Err(invalid(
            "study",
            "the study definition needs at least one site, phase and role for a demo",
        ));
    }
    if let Some(p) = fw.reference.phases.iter().find(|p| p.start >= today()) {
        return Err(invalid(
            "study",
            format!(
                "phase {} starts on {}; the demo needs phases that have begun",
                p.number,
                format_date(p.start)
            ),
        ));
    }
    let names = Sections::parse(NAMES);
    let frags = Sections::parse(FRAGMENTS);
    let mut rng = Rng::new(opts.seed);
    let base_sites: Vec<Site> = fw.reference.sites.clone();
    // The whole study is one transaction: each service call's write is a savepoint of it,
    // so nothing is committed (and no page re-read) call by call, and a failure leaves
    // the database as it was.
    fw.in_one_transaction(|fw| {
        add_site_copies(fw, opts.scale)?;
        let plan = plan_study(fw, opts, &names, &mut rng, base_sites.len())?;
        execute(fw, opts, plan, &frags, &mut rng)
    })
}

// ---------------------------------------------------------------------------------------
// Extra sites for scale N.

/// Add `scale - 1` copies of every site of the study (`A2`, `B2`, …, `A3`, …) with the
/// same targets, in one transaction, and reload the reference data.
pub(super) fn add_site_copies(fw: &mut Fieldwork, scale: u32) -> Result<()> {
    if scale <= 1 {
        return Ok(());
    }
    let base = fw.reference.sites.clone();
    let targets: HashMap<(u32, String), i64> = fw
        .targets()?
        .into_iter()
        .map(|(p, s, t)| ((p, s), t))
        .collect();
    let phases: Vec<u32> = fw.reference.phases.iter().map(|p| p.number).collect();
    let existing: HashSet<String> = base.iter().map(|s| s.code.to_ascii_uppercase()).collect();
    let mut new = Vec::new();
    for k in 2..=scale {
        for s in &base {
            let code = format!("{}{k}", s.code);
            if existing.contains(&code.to_ascii_uppercase()) || !crate::config::valid_code(&code) {
                return Err(invalid(
                    "site",
                    format!("cannot add demo site `{code}`: the code is taken or too long"),
                ));
            }
            let name = match s.name.strip_suffix(s.code.as_str()) {
                Some(stem) => format!("{stem}{code}"),
                None => format!("{} {k}", s.name),
            };
            new.push(NewSite {
                site: Site {
                    id: crate::domain::new_id(),
                    code: code.clone(),
                    name,
                    region: s.region.clone(),
                    population: s.population,
                    places: s.places,
                    notes: Some(format!("Demo copy of site {} (scale {scale})", s.code)),
                },
                targets: phases
                    .iter()
                    .filter_map(|p| targets.get(&(*p, s.code.clone())).map(|t| (*p, *t)))
                    .collect(),
            });
        }
    }
    // One transaction for every copy, through the service.
    fw.add_sites(&new)
}
