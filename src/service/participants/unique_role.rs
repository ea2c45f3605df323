//! The unique-role rule: a role held by one active participant per site at a time.

use crate::service::{invalid, Reference, Result};
use crate::store::{audit, participants as store};

/// Who else holds a role unique at a site: what a refusal names, and, when an explicit
/// override allows a second holder, what the audit log records beside the change.
#[derive(Debug)]
pub(crate) struct UniqueRoleClash {
    pub role: String,
    pub role_name: String,
    pub site: String,
    pub also_held_by: Vec<String>,
}

impl UniqueRoleClash {
    /// Record the override in the audit log.
    pub(crate) fn record(&self, tx: &rusqlite::Connection, user: &str, id: &str) -> Result<()> {
        audit::record(
            tx,
            user,
            "participant",
            id,
            "unique-role-override",
            None,
            Some(&serde_json::json!({
                "role": self.role,
                "site": self.site,
                "also_held_by": self.also_held_by,
            })),
        )?;
        Ok(())
    }
}

/// The rule for roles flagged `unique_at_site`: one holder per site. Holders are the
/// participants of every status except declined, ineligible and no-response (people who
/// never took part and hold no data); a withdrawn participant still counts, as their data
/// may stay in the study. A participant with one of those statuses is not checked either.
/// `None` when the role may be held here; runs inside the write transaction.
pub(crate) fn unique_role_clash(
    tx: &rusqlite::Connection,
    reference: &Reference,
    role_id: &str,
    site_id: &str,
    except: Option<&str>,
    status: &str,
) -> Result<Option<UniqueRoleClash>> {
    let Some(role) = reference.role_by_id(role_id) else {
        return Ok(None);
    };
    if !role.unique_at_site || store::NOT_HOLDING_A_ROLE.contains(&status) {
        return Ok(None);
    }
    let holders = store::role_holders(tx, role_id, site_id, except)?;
    if holders.is_empty() {
        return Ok(None);
    }
    Ok(Some(UniqueRoleClash {
        role: role.code.clone(),
        role_name: role.name.clone(),
        site: reference
            .site_by_id(site_id)
            .map(|s| s.code.clone())
            .unwrap_or_default(),
        also_held_by: holders,
    }))
}

/// [`unique_role_clash`] as a refusal unless `allow`; allowed, what to audit.
pub(super) fn check_unique_role(
    tx: &rusqlite::Connection,
    reference: &Reference,
    role_id: &str,
    site_id: &str,
    except: Option<&str>,
    status: &str,
    allow: bool,
) -> Result<Option<UniqueRoleClash>> {
    match unique_role_clash(tx, reference, role_id, site_id, except, status)? {
        Some(c) if !allow => Err(invalid(
            "role",
            format!(
                "{} ({}) is held by one person per site, and site {} already has {}; if both \
                 really hold it, allow a second holder (--allow-duplicate-unique-role on the \
                 command line, Unique post in the interface's form; exports then treat both \
                 as unique)",
                c.role_name,
                c.role,
                c.site,
                c.also_held_by
                    .iter()
                    .map(|code| format!("participant {code}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
        other => Ok(other),
    }
}
