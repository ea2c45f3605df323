//! Codebook imports: create a framework, and apply a planned merge (new themes with given
//! ids, renames) in one transaction, with history and audit entries.

use std::collections::HashMap;

use super::{invalid, json, Fieldwork, Result};
use crate::domain::{new_id, new_log_id, now_utc, Framework, ThemeStatus};
use crate::store::{audit, themes as store, themes::ThemeRow};

/// A theme to add with a given id (a REFI-QDA GUID).
#[derive(Debug, Clone)]
pub struct NewTheme {
    pub id: String,
    /// An existing theme, or one added earlier in the same list; `None`: top level of the
    /// target framework.
    pub parent_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub colour: Option<String>,
}

impl Fieldwork {
    /// Create a framework (an empty codebook); refused if the name is taken.
    pub fn create_framework(&mut self, name: &str, description: Option<&str>) -> Result<Framework> {
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("framework", "a framework needs a name"));
        }
        if name.chars().any(char::is_control) {
            return Err(invalid("framework", "the name contains control characters"));
        }
        let fw = Framework {
            id: new_id(),
            name: name.to_string(),
            description: description
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_string),
        };
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        // The names in use are read under the write lock: two windows creating `QMS 2` and
        // `qms 2` at once cannot both pass the check (the column's UNIQUE is case-sensitive).
        let existing = store::frameworks(&tx)?;
        if existing.iter().any(|f| f.name.eq_ignore_ascii_case(name)) {
            return Err(invalid(
                "framework",
                format!("a framework named `{name}` already exists"),
            ));
        }
        store::insert_framework(&tx, &fw, existing.len() as i64)?;
        audit::record(
            &tx,
            &user,
            "framework",
            &fw.id,
            "create",
            None,
            Some(&json(&fw)),
        )?;
        tx.commit()?;
        Ok(fw)
    }

    /// Apply a codebook merge: create the target framework if needed, add `adds` (parents
    /// before children) and rename `renames` (theme id, new name), all or nothing.
    pub fn apply_codebook(
        &mut self,
        framework: &str,
        adds: &[NewTheme],
        renames: &[(String, String)],
        source: &str,
    ) -> Result<Framework> {
        let now = now_utc();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        // Read inside the transaction what it changes: the frameworks (the target may be
        // created) and the themes (added to, renamed).
        let fws = store::frameworks(&tx)?;
        let target = fws
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(framework.trim()))
            .cloned();
        let mut rows: HashMap<String, ThemeRow> = store::themes(&tx)?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        let target = match target {
            Some(f) => f,
            None => {
                let f = Framework {
                    id: new_id(),
                    name: framework.trim().to_string(),
                    description: None,
                };
                if f.name.is_empty() {
                    return Err(invalid("framework", "a framework needs a name"));
                }
                store::insert_framework(&tx, &f, fws.len() as i64)?;
                audit::record(
                    &tx,
                    &user,
                    "framework",
                    &f.id,
                    "create",
                    None,
                    Some(&json(&f)),
                )?;
                f
            }
        };
        for a in adds {
            if rows.contains_key(&a.id) {
                return Err(invalid(
                    "guid",
                    format!("a theme with id {} already exists", a.id),
                ));
            }
            let framework_id = match &a.parent_id {
                Some(p) => rows
                    .get(p)
                    .map(|r| r.framework_id.clone())
                    .ok_or_else(|| invalid("parent", format!("no theme with id {p}")))?,
                None => target.id.clone(),
            };
            let row = ThemeRow {
                id: a.id.clone(),
                sort: store::next_sort(&tx, &framework_id, a.parent_id.as_deref())?,
                framework_id,
                parent_id: a.parent_id.clone(),
                name: a.name.clone(),
                description: a.description.clone(),
                colour: a.colour.clone(),
                status: ThemeStatus::Active,
                merged_into: None,
                created_at: now.clone(),
                tag_count: 0,
            };
            Self::create_theme_tx(
                &tx,
                &row,
                serde_json::json!({"name": row.name, "from": source}),
                &now,
                &user,
            )?;
            rows.insert(row.id.clone(), row);
        }
        for (id, name) in renames {
            let before = rows
                .get(id)
                .cloned()
                .ok_or_else(|| invalid("guid", format!("no theme with id {id}")))?;
            let mut row = before.clone();
            row.name = name.clone();
            let Some((was, now_is)) = super::write_changes(
                &tx,
                "theme",
                id,
                &before,
                &row,
                &["framework_id", "created_at", "tag_count"],
            )?
            else {
                continue;
            };
            store::insert_event(
                &tx,
                &new_log_id(),
                id,
                "renamed",
                &serde_json::json!({"from": before.name, "to": row.name, "by": source}),
                &now,
                &user,
            )?;
            audit::record(
                &tx,
                &user,
                "theme",
                id,
                "renamed",
                Some(&was),
                Some(&now_is),
            )?;
        }
        tx.commit()?;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self, ConsentPolicy};
    use crate::service::Settings;

    fn fw() -> Fieldwork {
        let study = config::parse(config::DEFAULT_STUDY, "x").unwrap().study;
        Fieldwork::in_memory(
            &study,
            Settings {
                user: "t".into(),
                transcripts_root: ".".into(),
                consent_policy: ConsentPolicy::Refuse,
            },
        )
        .unwrap()
    }

    fn new(id: &str, parent: Option<&str>, name: &str) -> NewTheme {
        NewTheme {
            id: id.into(),
            parent_id: parent.map(str::to_string),
            name: name.into(),
            description: Some("d".into()),
            colour: Some("#112233".into()),
        }
    }

    #[test]
    fn frameworks_are_created_once() {
        let mut f = fw();
        let n = f.frameworks().unwrap().len();
        f.create_framework("Imported", Some("from elsewhere"))
            .unwrap();
        assert_eq!(f.frameworks().unwrap().len(), n + 1);
        assert!(f.create_framework("imported", None).is_err());
        assert!(f.create_framework("  ", None).is_err());
    }

    #[test]
    fn apply_adds_nested_themes_with_given_ids_and_renames() {
        let mut f = fw();
        let a = "aaaaaaaa-0000-4000-8000-000000000001";
        let b = "aaaaaaaa-0000-4000-8000-000000000002";
        let planning = f.resolve_theme("QMS/Quality planning").unwrap();
        f.apply_codebook(
            "New",
            &[new(a, None, "Top"), new(b, Some(a), "Child")],
            &[(planning.id.clone(), "Planning for quality".into())],
            "test",
        )
        .unwrap();
        let child = f.resolve_theme(b).unwrap();
        assert_eq!(child.path, "New/Top/Child");
        assert_eq!(child.colour.as_deref(), Some("#112233"));
        assert_eq!(
            f.resolve_theme(&planning.id).unwrap().name,
            "Planning for quality"
        );
        assert!(f
            .theme_history(b)
            .unwrap()
            .iter()
            .any(|(action, ..)| action == "created"));
    }

    #[test]
    fn apply_is_all_or_nothing() {
        let mut f = fw();
        let before = f.themes(true).unwrap().len();
        let fws = f.frameworks().unwrap().len();
        let a = "aaaaaaaa-0000-4000-8000-000000000003";
        // The second theme's parent does not exist: nothing at all is written.
        let r = f.apply_codebook(
            "Another",
            &[new(a, None, "Fine"), new("x", Some("missing"), "Orphan")],
            &[],
            "test",
        );
        assert!(r.is_err());
        assert_eq!(f.themes(true).unwrap().len(), before);
        assert_eq!(f.frameworks().unwrap().len(), fws);
    }
}
