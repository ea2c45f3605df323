//! The [`Version`] of a participant a form was opened on.

use crate::domain::{Participant, ParticipantInput};
use crate::service::{Reference, Version};
use crate::store::participants::ParticipantRow;

/// The fields of a participant as the edit form shows them: the version a form is opened
/// on (`name`, `site`, `role` by code, `email`, `phone`, `organisation`, `job title`,
/// `notes`; unset is empty).
pub fn participant_version(p: &Participant) -> Version {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    Version::new([
        ("name", p.name.clone()),
        ("site", p.site.clone()),
        ("role", p.role.clone()),
        ("email", v(&p.email)),
        ("phone", v(&p.phone)),
        ("organisation", v(&p.organisation)),
        ("job title", v(&p.job_title)),
        ("notes", v(&p.notes)),
    ])
}

/// [`participant_version`] limited to the fields `input` sets: the version an edit of
/// just those fields (an undo) is checked against.
pub fn participant_version_of(p: &Participant, input: &ParticipantInput) -> Version {
    let sets = |field: &str| match field {
        "name" => input.name.is_some(),
        "site" => input.site.is_some(),
        "role" => input.role.is_some(),
        "email" => input.email.is_some(),
        "phone" => input.phone.is_some(),
        "organisation" => input.organisation.is_some(),
        "job title" => input.job_title.is_some(),
        "notes" => input.notes.is_some(),
        _ => false,
    };
    Version(
        participant_version(p)
            .0
            .into_iter()
            .filter(|(k, _)| sets(k))
            .collect(),
    )
}

/// A stored row's value of a form field, as [`participant_version`] names and shows it.
pub(super) fn form_value(reference: &Reference, row: &ParticipantRow, field: &str) -> String {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    match field {
        "name" => row.name.clone(),
        "site" => reference
            .site_by_id(&row.site_id)
            .map(|s| s.code.clone())
            .unwrap_or_else(|| row.site_id.clone()),
        "role" => reference
            .role_by_id(&row.role_id)
            .map(|r| r.code.clone())
            .unwrap_or_else(|| row.role_id.clone()),
        "email" => v(&row.email),
        "phone" => v(&row.phone),
        "organisation" => v(&row.organisation),
        "job title" => v(&row.job_title),
        "notes" => v(&row.notes),
        "status" => row.status.clone(),
        _ => String::new(),
    }
}
