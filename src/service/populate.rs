//! Filling a new database with a study's reference data and theme frameworks.

use crate::config::{StudyDef, ThemeDef};
use crate::domain::{
    self, new_id, now_utc, Framework, MeetingType, Phase, Role, RoleCategory, Site, ThemeStatus,
};
use crate::store::{audit, reference, themes as theme_store, Store};

use super::error::Result;

pub(super) fn populate(store: &mut Store, s: &StudyDef, user: &str) -> Result<()> {
    let now = now_utc();
    let tx = store.write()?;
    let study = reference::StudyRow {
        id: new_id(),
        name: s.name.clone(),
        ethics_ref: s.ethics_ref.clone(),
        consent_form_version: s.consent_form_version.clone(),
        created_at: now.clone(),
    };
    reference::insert_study(&tx, &study)?;
    reference::set_meta(&tx, "created_by", user)?;
    reference::set_meta(&tx, "created_with", env!("CARGO_PKG_VERSION"))?;
    audit::record(
        &tx,
        user,
        "study",
        &study.id,
        "create",
        None,
        Some(&serde_json::to_value(&study).unwrap_or_default()),
    )?;
    let mut site_ids = std::collections::HashMap::new();
    let mut phase_ids: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (i, sd) in s.sites.iter().enumerate() {
        let site = Site {
            id: new_id(),
            code: sd.code.get_ref().clone(),
            name: sd.name.clone(),
            region: sd.region.clone(),
            population: sd.population.map(|p| p as i64),
            places: sd.places.map(i64::from),
            notes: sd.notes.clone(),
        };
        reference::insert_site(&tx, &site, i as i64)?;
        site_ids.insert(site.code.clone(), site.id.clone());
    }
    for pd in &s.phases {
        let phase = Phase {
            id: new_id(),
            number: *pd.number.get_ref(),
            name: pd.name.clone(),
            start: pd.start_date(),
            end: pd.end_date(),
        };
        reference::insert_phase(&tx, &phase)?;
        phase_ids.insert(phase.number.to_string(), phase.id.clone());
        for (site, target) in pd.targets.get_ref() {
            if let Some(site_id) = site_ids.get(site) {
                reference::set_target(&tx, &phase.id, site_id, i64::from(*target))?;
            }
        }
    }
    for (i, cd) in s.role_categories.iter().enumerate() {
        let cat = RoleCategory {
            id: new_id(),
            code: cd.code.get_ref().clone(),
            name: cd.name.clone(),
        };
        reference::insert_role_category(&tx, &cat, i as i64)?;
        for (phase, target) in cd.targets.get_ref() {
            if let Some(p) = phase_ids.get(phase.as_str()) {
                reference::set_category_target(&tx, p, &cat.id, i64::from(*target))?;
            }
        }
        for (j, rd) in cd.roles.iter().enumerate() {
            let role = Role {
                id: new_id(),
                code: rd.code.get_ref().clone(),
                name: rd.name.clone(),
                category_id: cat.id.clone(),
                category_code: cat.code.clone(),
                category_name: cat.name.clone(),
                unique_at_site: rd.unique_at_site,
            };
            reference::insert_role(&tx, &role, j as i64)?;
        }
    }
    for (i, md) in s.meeting_types.iter().enumerate() {
        reference::insert_meeting_type(
            &tx,
            &MeetingType {
                id: new_id(),
                code: md.code.get_ref().clone(),
                name: md.name.clone(),
            },
            i as i64,
        )?;
    }
    for (i, fd) in s.frameworks.iter().enumerate() {
        let fw = Framework {
            id: new_id(),
            name: fd.name.get_ref().clone(),
            description: fd.description.clone(),
        };
        theme_store::insert_framework(&tx, &fw, i as i64)?;
        insert_theme_defs(&tx, &fw.id, None, &fd.themes, &now, user)?;
    }
    tx.commit()?;
    Ok(())
}

fn insert_theme_defs(
    tx: &rusqlite::Connection,
    framework_id: &str,
    parent: Option<&str>,
    defs: &[ThemeDef],
    now: &str,
    user: &str,
) -> Result<()> {
    for (i, td) in defs.iter().enumerate() {
        let row = theme_store::ThemeRow {
            id: new_id(),
            framework_id: framework_id.to_string(),
            parent_id: parent.map(str::to_string),
            name: td.name.get_ref().trim().to_string(),
            description: td.description.clone(),
            colour: td.colour.as_ref().map(|c| c.get_ref().to_ascii_lowercase()),
            status: ThemeStatus::Active,
            merged_into: None,
            sort: i as i64,
            created_at: now.to_string(),
            tag_count: 0,
        };
        theme_store::insert_theme(tx, &row)?;
        theme_store::insert_event(
            tx,
            &domain::new_log_id(),
            &row.id,
            "created",
            &serde_json::json!({ "name": row.name, "from": "study definition" }),
            now,
            user,
        )?;
        insert_theme_defs(tx, framework_id, Some(&row.id), &td.themes, now, user)?;
    }
    Ok(())
}
