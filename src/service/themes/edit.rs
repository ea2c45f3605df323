//! Adding, renaming and retiring themes.

use crate::config::valid_colour;
use crate::domain::{new_id, new_log_id, now_utc, Theme, ThemeStatus};
use crate::service::{clean, invalid, json, write_changes, Fieldwork, Result, Version};
use crate::store::{audit, themes as store, themes::ThemeRow};

/// Fields of a theme row that are not columns an edit writes.
pub(super) const THEME_SKIP: &[&str] = &["framework_id", "created_at", "tag_count"];

impl Fieldwork {
    /// Insert a theme with its `created` history event and audit entry, inside a
    /// transaction. Every way of creating a theme goes through here.
    pub(crate) fn create_theme_tx(
        tx: &rusqlite::Connection,
        row: &ThemeRow,
        detail: serde_json::Value,
        now: &str,
        user: &str,
    ) -> Result<()> {
        store::insert_theme(tx, row)?;
        store::insert_event(tx, &new_log_id(), &row.id, "created", &detail, now, user)?;
        audit::record(tx, user, "theme", &row.id, "create", None, Some(&json(row)))?;
        Ok(())
    }

    /// Add a theme to a framework (at the top level, or under a parent theme).
    pub fn add_theme(
        &mut self,
        name: &str,
        framework: Option<&str>,
        parent: Option<&str>,
        description: Option<&str>,
        colour: Option<&str>,
    ) -> Result<Theme> {
        Ok(self
            .add_theme_undoable(name, framework, parent, description, colour)?
            .theme)
    }

    /// Add a theme inside the open transaction `tx`, which also reads the parent and the
    /// siblings it is checked against. Returns its id.
    pub(crate) fn add_theme_tx(
        &self,
        tx: &rusqlite::Connection,
        name: &str,
        framework: Option<&str>,
        parent: Option<&str>,
        description: Option<&str>,
        colour: Option<&str>,
    ) -> Result<String> {
        let name = clean(Some(name)).ok_or_else(|| invalid("name", "is required"))?;
        if name.contains('/') {
            return Err(invalid(
                "name",
                "a theme name cannot contain `/` (it separates levels)",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(invalid("name", "contains control characters"));
        }
        let colour = clean(colour);
        if let Some(c) = &colour {
            if !valid_colour(c) {
                return Err(invalid(
                    "colour",
                    format!("`{c}` is not a colour; write #RRGGBB"),
                ));
            }
        }
        let (framework_id, parent_id) = match parent {
            Some(p) => {
                let pt = self.resolve_theme(p)?;
                if pt.status != ThemeStatus::Active {
                    return Err(invalid("parent", format!("{} is {}", pt.path, pt.status)));
                }
                let row = self.theme_row(&pt.id)?;
                (row.framework_id, Some(pt.id))
            }
            None => {
                let fws = self.frameworks()?;
                let fw = match framework {
                    Some(f) => fws.iter().find(|x| x.name.eq_ignore_ascii_case(f.trim())),
                    None if fws.len() == 1 => fws.first(),
                    None => None,
                };
                match fw {
                    Some(fw) => (fw.id.clone(), None),
                    None => {
                        return Err(invalid(
                            "framework",
                            format!(
                                "say which framework with --framework (valid: {})",
                                fws.iter()
                                    .map(|f| f.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ))
                    }
                }
            }
        };
        let siblings = store::themes(self.store.conn())?;
        if siblings.iter().any(|t| {
            t.framework_id == framework_id
                && t.parent_id == parent_id
                && t.status == ThemeStatus::Active
                && t.name.eq_ignore_ascii_case(&name)
        }) {
            return Err(invalid(
                "name",
                format!("a theme named `{name}` is already there"),
            ));
        }
        let now = now_utc();
        let user = self.settings.user.clone();
        let row = ThemeRow {
            id: new_id(),
            sort: store::next_sort(tx, &framework_id, parent_id.as_deref())?,
            framework_id,
            parent_id,
            name,
            description: clean(description),
            colour: colour.map(|c| c.to_ascii_lowercase()),
            status: ThemeStatus::Active,
            merged_into: None,
            created_at: now.clone(),
            tag_count: 0,
        };
        Self::create_theme_tx(tx, &row, serde_json::json!({"name": row.name}), &now, &user)?;
        Ok(row.id)
    }

    pub fn rename_theme(&mut self, key: &str, new_name: &str) -> Result<Theme> {
        self.rename_theme_from(key, new_name, None)
    }

    /// [`Fieldwork::rename_theme`] from a form opened on `opened` (the theme's `name`):
    /// refused with [`crate::service::ServiceError::Conflict`] if the name changed since.
    pub fn rename_theme_from(
        &mut self,
        key: &str,
        new_name: &str,
        opened: Option<&Version>,
    ) -> Result<Theme> {
        let new_name = clean(Some(new_name)).ok_or_else(|| invalid("name", "is required"))?;
        if new_name.chars().any(char::is_control) {
            return Err(invalid("name", "contains control characters"));
        }
        if new_name.contains('/') {
            return Err(invalid("name", "a theme name cannot contain `/`"));
        }
        let tx = self.store.write()?;
        let t = self.resolve_theme(key)?;
        let before = self.theme_row(&t.id)?;
        if let Some(v) = opened {
            v.check("theme", &t.path, |f| match f {
                "name" => before.name.clone(),
                "status" => before.status.to_string(),
                _ => String::new(),
            })?;
        }
        if before.name == new_name {
            return Ok(t);
        }
        // As in `add_theme`: no two active themes with one name at the same level.
        if store::themes(self.store.conn())?.iter().any(|o| {
            o.id != before.id
                && o.framework_id == before.framework_id
                && o.parent_id == before.parent_id
                && o.status == ThemeStatus::Active
                && o.name.eq_ignore_ascii_case(&new_name)
        }) {
            return Err(invalid(
                "name",
                format!("a theme named `{new_name}` is already there"),
            ));
        }
        let mut row = before.clone();
        row.name = new_name;
        self.update_theme(
            &tx,
            &before,
            &row,
            "renamed",
            serde_json::json!({"from": before.name, "to": row.name}),
        )?;
        tx.commit()?;
        self.resolve_theme(&t.id)
    }

    pub fn retire_theme(&mut self, key: &str) -> Result<Theme> {
        Ok(self.retire_theme_undoable(key)?.theme)
    }

    /// [`Fieldwork::retire_theme`] that returns what its undo
    /// ([`Fieldwork::unretire_theme`]) needs: the theme as it was and the history event.
    pub fn retire_theme_undoable(&mut self, key: &str) -> Result<super::Retired> {
        let tx = self.store.write()?;
        let t = self.resolve_theme(key)?;
        if t.status != ThemeStatus::Active {
            return Err(invalid(
                "theme",
                format!("{} is already {}", t.path, t.status),
            ));
        }
        let before = self.theme_row(&t.id)?;
        let mut row = before.clone();
        row.status = ThemeStatus::Retired;
        let event = self
            .update_theme(
                &tx,
                &before,
                &row,
                "retired",
                serde_json::json!({"tags_kept": t.tag_count}),
            )?
            .unwrap_or_default();
        tx.commit()?;
        Ok(super::Retired {
            theme: self.resolve_theme(&t.id)?,
            before,
            event,
        })
    }

    /// Write the fields of a theme that changed (inside `tx`, which read `before`), with
    /// its history event and audit entry. Returns the event's id (`None`: nothing changed).
    pub(super) fn update_theme(
        &self,
        tx: &rusqlite::Connection,
        before: &ThemeRow,
        row: &ThemeRow,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<Option<String>> {
        let now = now_utc();
        let user = &self.settings.user;
        let Some((was, after)) = write_changes(tx, "theme", &row.id, before, row, THEME_SKIP)?
        else {
            return Ok(None);
        };
        let event = new_log_id();
        store::insert_event(tx, &event, &row.id, action, &detail, &now, user)?;
        audit::record(tx, user, "theme", &row.id, action, Some(&was), Some(&after))?;
        Ok(Some(event))
    }
}
