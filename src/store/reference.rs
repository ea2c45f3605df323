//! The study's reference data: study, sites, phases, targets, roles, meeting types, meta.

use rusqlite::{params, Connection, OptionalExtension};

use super::{conv, parse_date_col, Result};
use crate::domain::{format_date, MeetingType, Phase, Role, RoleCategory, Site};

#[derive(Debug, Clone, serde::Serialize)]
pub struct StudyRow {
    pub id: String,
    pub name: String,
    pub ethics_ref: Option<String>,
    pub consent_form_version: String,
    pub created_at: String,
}

pub fn insert_study(c: &Connection, s: &StudyRow) -> Result<()> {
    c.execute(
        "INSERT INTO study (id, name, ethics_ref, consent_form_version, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            s.id,
            s.name,
            s.ethics_ref,
            s.consent_form_version,
            s.created_at
        ],
    )?;
    Ok(())
}

pub fn study(c: &Connection) -> Result<Option<StudyRow>> {
    Ok(c.query_row(
        "SELECT id, name, ethics_ref, consent_form_version, created_at FROM study LIMIT 1",
        [],
        |r| {
            Ok(StudyRow {
                id: r.get(0)?,
                name: r.get(1)?,
                ethics_ref: r.get(2)?,
                consent_form_version: r.get(3)?,
                created_at: r.get(4)?,
            })
        },
    )
    .optional()?)
}

pub fn set_meta(c: &Connection, key: &str, value: &str) -> Result<()> {
    c.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

pub fn meta(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(
        c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?,
    )
}

pub fn insert_site(c: &Connection, s: &Site, sort: i64) -> Result<()> {
    c.execute(
        "INSERT INTO site (id, code, name, region, population, places, notes, sort)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            s.id,
            s.code,
            s.name,
            s.region,
            s.population,
            s.places,
            s.notes,
            sort
        ],
    )?;
    Ok(())
}

pub fn sites(c: &Connection) -> Result<Vec<Site>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, code, name, region, population, places, notes FROM site ORDER BY sort, code",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Site {
            id: r.get(0)?,
            code: r.get(1)?,
            name: r.get(2)?,
            region: r.get(3)?,
            population: r.get(4)?,
            places: r.get(5)?,
            notes: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn insert_phase(c: &Connection, p: &Phase) -> Result<()> {
    c.execute(
        "INSERT INTO phase (id, number, name, start_date, end_date) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            p.id,
            p.number,
            p.name,
            format_date(p.start),
            format_date(p.end)
        ],
    )?;
    Ok(())
}

pub fn phases(c: &Connection) -> Result<Vec<Phase>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, number, name, start_date, end_date FROM phase ORDER BY number",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Phase {
            id: r.get(0)?,
            number: r.get(1)?,
            name: r.get(2)?,
            start: conv(parse_date_col("phase.start_date", r.get(3)?))?,
            end: conv(parse_date_col("phase.end_date", r.get(4)?))?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_target(c: &Connection, phase_id: &str, site_id: &str, target: i64) -> Result<()> {
    c.execute(
        "INSERT INTO phase_target (phase_id, site_id, target) VALUES (?1, ?2, ?3)
         ON CONFLICT(phase_id, site_id) DO UPDATE SET target = excluded.target",
        params![phase_id, site_id, target],
    )?;
    Ok(())
}

/// Targets as (phase number, site code, target).
pub fn targets(c: &Connection) -> Result<Vec<(u32, String, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT ph.number, s.code, t.target FROM phase_target t
         JOIN phase ph ON ph.id = t.phase_id JOIN site s ON s.id = t.site_id
         ORDER BY ph.number, s.sort",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Set the target of a role category in a phase (participants to interview, all sites).
pub fn set_category_target(
    c: &Connection,
    phase_id: &str,
    category_id: &str,
    target: i64,
) -> Result<()> {
    c.execute(
        "INSERT INTO category_target (phase_id, role_category_id, target) VALUES (?1, ?2, ?3)
         ON CONFLICT(phase_id, role_category_id) DO UPDATE SET target = excluded.target",
        params![phase_id, category_id, target],
    )?;
    Ok(())
}

/// Role-category targets as (phase number, category code, target).
pub fn category_targets(c: &Connection) -> Result<Vec<(u32, String, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT ph.number, rc.code, t.target FROM category_target t
         JOIN phase ph ON ph.id = t.phase_id JOIN role_category rc ON rc.id = t.role_category_id
         ORDER BY ph.number, rc.sort",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn insert_role_category(c: &Connection, rc: &RoleCategory, sort: i64) -> Result<()> {
    c.execute(
        "INSERT INTO role_category (id, code, name, sort) VALUES (?1, ?2, ?3, ?4)",
        params![rc.id, rc.code, rc.name, sort],
    )?;
    Ok(())
}

pub fn role_categories(c: &Connection) -> Result<Vec<RoleCategory>> {
    let mut stmt =
        c.prepare_cached("SELECT id, code, name FROM role_category ORDER BY sort, code")?;
    let rows = stmt.query_map([], |r| {
        Ok(RoleCategory {
            id: r.get(0)?,
            code: r.get(1)?,
            name: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn insert_role(c: &Connection, r: &Role, sort: i64) -> Result<()> {
    c.execute(
        "INSERT INTO role (id, category_id, code, name, unique_at_site, sort)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![r.id, r.category_id, r.code, r.name, r.unique_at_site, sort],
    )?;
    Ok(())
}

pub fn roles(c: &Connection) -> Result<Vec<Role>> {
    let mut stmt = c.prepare_cached(
        "SELECT r.id, r.code, r.name, rc.id, rc.code, rc.name, r.unique_at_site
         FROM role r JOIN role_category rc ON rc.id = r.category_id
         ORDER BY rc.sort, r.sort",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Role {
            id: r.get(0)?,
            code: r.get(1)?,
            name: r.get(2)?,
            category_id: r.get(3)?,
            category_code: r.get(4)?,
            category_name: r.get(5)?,
            unique_at_site: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn insert_meeting_type(c: &Connection, m: &MeetingType, sort: i64) -> Result<()> {
    c.execute(
        "INSERT INTO meeting_type (id, code, name, sort) VALUES (?1, ?2, ?3, ?4)",
        params![m.id, m.code, m.name, sort],
    )?;
    Ok(())
}

pub fn meeting_types(c: &Connection) -> Result<Vec<MeetingType>> {
    let mut stmt =
        c.prepare_cached("SELECT id, code, name FROM meeting_type ORDER BY sort, code")?;
    let rows = stmt.query_map([], |r| {
        Ok(MeetingType {
            id: r.get(0)?,
            code: r.get(1)?,
            name: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
