//! The study's reference data (sites, roles, phases, meeting types), loaded once per open.

use crate::domain::{self, MeetingType, Phase, Role, RoleCategory, Site};
use crate::store::{reference, StoreError};

use super::error::{invalid, Result, ServiceError};

/// The study's reference data, loaded once per open and refreshed after changes.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub study_name: String,
    pub ethics_ref: Option<String>,
    pub consent_form_version: String,
    pub sites: Vec<Site>,
    pub phases: Vec<Phase>,
    pub role_categories: Vec<RoleCategory>,
    pub roles: Vec<Role>,
    pub meeting_types: Vec<MeetingType>,
}

/// "unknown site `Z` (valid: A, B, C, D)": an input error that lists the valid codes.
fn unknown<'a>(what: &str, key: &str, valid: impl Iterator<Item = &'a str>) -> ServiceError {
    invalid(
        what,
        format!(
            "unknown {what} `{key}` (valid: {})",
            valid.collect::<Vec<_>>().join(", ")
        ),
    )
}

impl Reference {
    pub fn site(&self, code: &str) -> Result<&Site> {
        self.sites
            .iter()
            .find(|s| s.code.eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| unknown("site", code, self.sites.iter().map(|s| s.code.as_str())))
    }

    pub fn site_by_id(&self, id: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    pub fn role_by_id(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// A role by code, or by name when the name is unique.
    pub fn role(&self, key: &str) -> Result<&Role> {
        let k = key.trim();
        if let Some(r) = self.roles.iter().find(|r| r.code.eq_ignore_ascii_case(k)) {
            return Ok(r);
        }
        let by_name: Vec<&Role> = self
            .roles
            .iter()
            .filter(|r| r.name.eq_ignore_ascii_case(k))
            .collect();
        if by_name.len() == 1 {
            return Ok(by_name[0]);
        }
        Err(unknown(
            "role",
            key,
            self.roles.iter().map(|r| r.code.as_str()),
        ))
    }

    pub fn role_category(&self, code: &str) -> Result<&RoleCategory> {
        self.role_categories
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| {
                unknown(
                    "role category",
                    code,
                    self.role_categories.iter().map(|c| c.code.as_str()),
                )
            })
    }

    pub fn phase(&self, number: u32) -> Result<&Phase> {
        self.phases
            .iter()
            .find(|p| p.number == number)
            .ok_or_else(|| {
                invalid(
                    "phase",
                    format!(
                        "unknown phase {number} (valid: {})",
                        self.phases
                            .iter()
                            .map(|p| p.number.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    }

    pub fn phase_by_id(&self, id: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.id == id)
    }

    /// The phase of a session: the explicit one if given, else the one whose window
    /// contains the date; an out-of-window date without an explicit phase is refused.
    pub fn phase_for(&self, date: time::Date, explicit: Option<u32>) -> Result<&Phase> {
        if let Some(n) = explicit {
            return self.phase(n);
        }
        domain::phase_for_date(&self.phases, date).ok_or_else(|| {
            invalid(
                "date",
                format!(
                    "{} is outside every phase window ({}); give the phase explicitly with --phase",
                    domain::format_date(date),
                    self.phases
                        .iter()
                        .map(|p| format!(
                            "phase {}: {} to {}",
                            p.number,
                            domain::format_date(p.start),
                            domain::format_date(p.end)
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
        })
    }

    pub fn meeting_type(&self, code: &str) -> Result<&MeetingType> {
        self.meeting_types
            .iter()
            .find(|m| m.code.eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| {
                unknown(
                    "meeting type",
                    code,
                    self.meeting_types.iter().map(|m| m.code.as_str()),
                )
            })
    }

    /// The phase whose window contains today, if any.
    pub fn phase_today(&self) -> Option<&Phase> {
        domain::phase_for_date(&self.phases, domain::today())
    }
}

pub(super) fn load_reference(c: &rusqlite::Connection) -> Result<Reference> {
    let study = reference::study(c)?.ok_or_else(|| {
        ServiceError::Store(StoreError::Corrupt {
            column: "study".into(),
            value: "no study row".into(),
        })
    })?;
    Ok(Reference {
        study_name: study.name,
        ethics_ref: study.ethics_ref,
        consent_form_version: study.consent_form_version,
        sites: reference::sites(c)?,
        phases: reference::phases(c)?,
        role_categories: reference::role_categories(c)?,
        roles: reference::roles(c)?,
        meeting_types: reference::meeting_types(c)?,
    })
}
