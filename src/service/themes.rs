//! The codebook and tags. Rename, merge and retire keep history and never lose a tag.

use super::{clean, invalid, json, write_changes, Fieldwork, Result, ServiceError, Version};
use crate::config::valid_colour;
use crate::domain::{new_id, new_log_id, now_utc, Framework, Tag, Theme, ThemeStatus};
use crate::store::{audit, themes as store, themes::ThemeRow};

/// Fields of a theme row that are not columns an edit writes.
const THEME_SKIP: &[&str] = &["framework_id", "created_at", "tag_count"];

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

    /// Insert a tag with its audit entry, inside a transaction.
    pub(crate) fn create_tag_tx(
        tx: &rusqlite::Connection,
        row: &store::TagRow,
        user: &str,
    ) -> Result<()> {
        store::insert_tag(tx, row)?;
        audit::record(tx, user, "tag", &row.id, "create", None, Some(&json(row)))?;
        Ok(())
    }

    pub fn frameworks(&self) -> Result<Vec<Framework>> {
        Ok(store::frameworks(self.store.conn())?)
    }

    /// The codebook as a depth-first tree (parents before children), with tag counts.
    /// Retired and merged themes are included only with `all`.
    pub fn themes(&self, all: bool) -> Result<Vec<Theme>> {
        self.codebook(all, true)
    }

    /// [`Fieldwork::themes`], with or without the tag counts (which read every tag).
    pub(crate) fn codebook(&self, all: bool, counts: bool) -> Result<Vec<Theme>> {
        let rows = if counts {
            store::themes(self.store.conn())?
        } else {
            store::themes_uncounted(self.store.conn())?
        };
        let fws = self.frameworks()?;
        let mut out = Vec::new();
        for fw in &fws {
            walk(&rows, &fw.id, &fw.name, None, &fw.name, 0, all, &mut out);
        }
        Ok(out)
    }

    /// Resolve a theme: id, unique id prefix, `Framework/Parent/Name` path, or a name that is
    /// unique among live themes (case-insensitive).
    pub fn resolve_theme(&self, key: &str) -> Result<Theme> {
        resolve_in(&self.themes(true)?, key)
    }

    /// Resolve theme keys against one read of the codebook; each must be an active theme.
    /// A theme named twice is returned once.
    /// (Without tag counts: tagging asks this for every session or passage tagged.)
    pub(crate) fn active_themes(&self, keys: &[String]) -> Result<Vec<Theme>> {
        let all = self.codebook(true, false)?;
        let mut out: Vec<Theme> = Vec::new();
        for k in keys {
            let t = resolve_in(&all, k)?;
            if t.status != ThemeStatus::Active {
                return Err(invalid(
                    "theme",
                    format!("{} is {}; tag with an active theme", t.path, t.status),
                ));
            }
            if !out.iter().any(|x| x.id == t.id) {
                out.push(t);
            }
        }
        Ok(out)
    }

    fn theme_row(&self, id: &str) -> Result<ThemeRow> {
        store::themes(self.store.conn())?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(ServiceError::NotFound {
                what: "theme",
                key: id.to_string(),
            })
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
        let tx = self.store.write()?;
        let id = self.add_theme_tx(&tx, name, framework, parent, description, colour)?;
        tx.commit()?;
        self.resolve_theme(&id)
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
    /// refused with [`super::ServiceError::Conflict`] if the name changed since.
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
        self.update_theme(
            &tx,
            &before,
            &row,
            "retired",
            serde_json::json!({"tags_kept": t.tag_count}),
        )?;
        tx.commit()?;
        self.resolve_theme(&t.id)
    }

    /// Merge `from` into `into`: its tags and child themes move to `into`; `from` stays in
    /// the codebook as merged, with its history. Returns (theme, tags moved).
    pub fn merge_theme(&mut self, from: &str, into: &str) -> Result<(Theme, usize)> {
        let m = self.merge_theme_undoable(from, into)?;
        let n = m.moved_tags.len() + m.folded_tags.len();
        Ok((m.theme, n))
    }

    /// [`Fieldwork::merge_theme`] that returns what it moved, for its undo
    /// ([`Fieldwork::unmerge_theme`]).
    pub fn merge_theme_undoable(&mut self, from: &str, into: &str) -> Result<Merged> {
        // Both themes, their children and their tags are read inside the transaction.
        let tx = self.store.write()?;
        let a = self.resolve_theme(from)?;
        let b = self.resolve_theme(into)?;
        if a.id == b.id {
            return Err(invalid("into", "a theme cannot be merged into itself"));
        }
        if a.status != ThemeStatus::Active || b.status != ThemeStatus::Active {
            return Err(invalid("theme", "both themes must be active to merge"));
        }
        if b.path.starts_with(&format!("{}/", a.path)) {
            return Err(invalid("into", format!("{} is inside {}", b.path, a.path)));
        }
        // The children move to `into`: refuse if that would put two active themes with
        // one name at the same level (their paths would become ambiguous).
        let rows = store::themes(self.store.conn())?;
        let live_children = |parent: &str| {
            rows.iter()
                .filter(|r| r.parent_id.as_deref() == Some(parent))
                .filter(|r| r.status == ThemeStatus::Active)
                .map(|r| r.name.to_lowercase())
                .collect::<std::collections::HashSet<_>>()
        };
        let target_children = live_children(&b.id);
        let mut clashes: Vec<String> = live_children(&a.id)
            .into_iter()
            .filter(|n| target_children.contains(n))
            .collect();
        if !clashes.is_empty() {
            clashes.sort();
            return Err(invalid(
                "into",
                format!(
                    "{} and {} both have a theme named {}; merge or rename it first",
                    a.path,
                    b.path,
                    clashes
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let before = self.theme_row(&a.id)?;
        let mut row = before.clone();
        row.status = ThemeStatus::Merged;
        row.merged_into = Some(b.id.clone());
        let now = now_utc();
        let user = self.settings.user.clone();
        let (folded_ids, moved_ids) = store::tags_to_move(&tx, &a.id, &b.id)?;
        let mut folded_tags = Vec::with_capacity(folded_ids.len());
        for id in &folded_ids {
            folded_tags.extend(store::tag_row(&tx, id)?);
        }
        let child_ids = store::child_ids(&tx, &a.id)?;
        let (moved, folded) = store::move_tags(&tx, &a.id, &b.id)?;
        let children = store::reparent_children(&tx, &a.id, &b.id)?;
        let changed = write_changes(&tx, "theme", &a.id, &before, &row, THEME_SKIP)?;
        let detail = serde_json::json!({"into": b.path, "tags_moved": moved, "duplicates_folded": folded, "children_moved": children});
        let events = [new_log_id(), new_log_id()];
        store::insert_event(&tx, &events[0], &a.id, "merged-into", &detail, &now, &user)?;
        store::insert_event(
            &tx,
            &events[1],
            &b.id,
            "merged-from",
            &serde_json::json!({"from": a.path, "tags_moved": moved}),
            &now,
            &user,
        )?;
        if let Some((was, now)) = changed {
            audit::record(&tx, &user, "theme", &a.id, "merge", Some(&was), Some(&now))?;
        }
        tx.commit()?;
        Ok(Merged {
            theme: self.resolve_theme(&b.id)?,
            before,
            into_id: b.id.clone(),
            moved_tags: moved_ids,
            folded_tags,
            children: child_ids,
            events,
        })
    }

    /// Undo a merge: the tags it moved go back to the source theme, the duplicates it
    /// folded come back, the child themes return under it, the source theme is active
    /// again as it was, and the merge's two history events are removed (the audit log
    /// keeps the merge and its undoing). Refused, with nothing written, when the source
    /// theme, one of the moved tags or children changed since.
    pub fn unmerge_theme(&mut self, merged: &Merged) -> Result<Theme> {
        let from = merged.before.id.clone();
        let into = merged.into_id.clone();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let now = store::themes(&tx)?
            .into_iter()
            .find(|t| t.id == from)
            .ok_or(ServiceError::NotFound {
                what: "theme",
                key: from.clone(),
            })?;
        let changed = |what: String| {
            ServiceError::Refused(format!(
                "{what} changed since the merge of {}: the merge is not undone",
                merged.before.name
            ))
        };
        if now.status != ThemeStatus::Merged || now.merged_into.as_deref() != Some(into.as_str()) {
            return Err(changed(format!("theme {}", now.name)));
        }
        for id in &merged.moved_tags {
            match store::tag_row(&tx, id)? {
                Some(t) if t.theme_id == into => {}
                _ => return Err(changed(format!("tag {}", &id[..id.len().min(8)]))),
            }
        }
        for id in &merged.children {
            if store::parent_of(&tx, id)? != Some(Some(into.clone())) {
                return Err(changed(format!("child theme {}", &id[..id.len().min(8)])));
            }
        }
        for id in &merged.moved_tags {
            store::set_tag_theme(&tx, id, &from)?;
        }
        for t in &merged.folded_tags {
            store::insert_tag(&tx, t)?;
        }
        for id in &merged.children {
            store::set_parent(&tx, id, &from)?;
        }
        let mut back = merged.before.clone();
        back.tag_count = now.tag_count;
        let restored = write_changes(&tx, "theme", &from, &now, &back, THEME_SKIP)?;
        for e in &merged.events {
            store::delete_event(&tx, e)?;
        }
        audit::record(
            &tx,
            &user,
            "theme",
            &from,
            "merge undone",
            Some(&serde_json::json!({ "status": now.status.as_str(), "merged_into": into })),
            Some(&serde_json::json!({
                "status": merged.before.status.as_str(),
                "tags_back": merged.moved_tags.len(),
                "duplicates_back": merged.folded_tags.len(),
                "children_back": merged.children.len(),
                "fields": restored.map(|(_, after)| after),
            })),
        )?;
        tx.commit()?;
        self.resolve_theme(&from)
    }

    /// Write the fields of a theme that changed (inside `tx`, which read `before`), with
    /// its history event and audit entry.
    fn update_theme(
        &self,
        tx: &rusqlite::Connection,
        before: &ThemeRow,
        row: &ThemeRow,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        let now = now_utc();
        let user = &self.settings.user;
        let Some((was, after)) = write_changes(tx, "theme", &row.id, before, row, THEME_SKIP)?
        else {
            return Ok(());
        };
        store::insert_event(tx, &new_log_id(), &row.id, action, &detail, &now, user)?;
        audit::record(tx, user, "theme", &row.id, action, Some(&was), Some(&after))?;
        Ok(())
    }

    /// A theme's history: (action, detail, at, by).
    pub fn theme_history(&self, key: &str) -> Result<Vec<(String, String, String, String)>> {
        let t = self.resolve_theme(key)?;
        Ok(store::events(self.store.conn(), &t.id)?)
    }

    /// Tag a session with one or more themes (all in one transaction). Themes the session
    /// already carries are skipped. Returns the new tags.
    pub fn tag_session(
        &mut self,
        session: &str,
        themes: &[String],
        memo: Option<&str>,
    ) -> Result<Vec<Tag>> {
        if themes.is_empty() {
            return Err(invalid("theme", "name at least one theme"));
        }
        let tx = self.store.write()?;
        let s = self.session(session)?;
        let resolved = self.active_themes(themes)?;
        let now = now_utc();
        let user = self.settings.user.clone();
        let coder = self.coder();
        let mut ids = Vec::new();
        for t in &resolved {
            if store::find_session_tag(&tx, &t.id, &s.id)?.is_some() {
                continue;
            }
            let row = store::TagRow {
                id: new_id(),
                theme_id: t.id.clone(),
                original_theme_id: t.id.clone(),
                session_id: s.id.clone(),
                transcript_id: None,
                span_start: None,
                span_end: None,
                quote: None,
                memo: clean(memo),
                created_at: now.clone(),
                created_by: user.clone(),
                coder: coder.clone(),
            };
            Self::create_tag_tx(&tx, &row, &user)?;
            ids.push(row.id);
        }
        tx.commit()?;
        let all = self.tags(Some(&s.id), None, 0, 10_000)?;
        Ok(all.into_iter().filter(|t| ids.contains(&t.id)).collect())
    }

    /// Remove a tag, by its id, or by session and theme. Returns how many were removed.
    pub fn untag(
        &mut self,
        tag_id: Option<&str>,
        session: Option<&str>,
        theme: Option<&str>,
    ) -> Result<usize> {
        let id = match (tag_id, session, theme) {
            // A full id or the id prefix that `tag list` shows.
            (Some(id), _, _) => super::one("tag", id, store::resolve_tag(self.store.conn(), id)?)?,
            (None, Some(s), Some(t)) => {
                let s = self.session(s)?;
                let t = self.resolve_theme(t)?;
                store::find_session_tag(self.store.conn(), &t.id, &s.id)?.ok_or_else(|| {
                    invalid(
                        "tag",
                        format!("session {} is not tagged with {}", &s.id[..8], t.path),
                    )
                })?
            }
            _ => return Err(invalid("tag", "give a tag id, or --session and --theme")),
        };
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        // Read again under the lock: removed by someone else since it was looked up, it is
        // not removed twice (no second audit entry, no "1 removed" for nothing).
        let before = store::tag_row(&tx, &id)?.ok_or_else(|| ServiceError::NotFound {
            what: "tag",
            key: id.clone(),
        })?;
        store::delete_tag(&tx, &id)?;
        audit::record(&tx, &user, "tag", &id, "delete", Some(&json(&before)), None)?;
        tx.commit()?;
        Ok(1)
    }

    pub fn tags(
        &self,
        session: Option<&str>,
        theme: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Tag>> {
        let sid = match session {
            Some(s) => Some(self.resolve_session(s)?),
            None => None,
        };
        let tid = match theme {
            Some(t) => Some(self.resolve_theme(t)?.id),
            None => None,
        };
        Ok(store::tags(
            self.store.conn(),
            sid.as_deref(),
            tid.as_deref(),
            offset,
            limit,
        )?)
    }
}

#[allow(clippy::too_many_arguments)]
fn walk(
    rows: &[ThemeRow],
    framework_id: &str,
    framework: &str,
    parent: Option<&str>,
    prefix: &str,
    depth: usize,
    all: bool,
    out: &mut Vec<Theme>,
) {
    for r in rows
        .iter()
        .filter(|r| r.framework_id == framework_id && r.parent_id.as_deref() == parent)
    {
        if !all && r.status != ThemeStatus::Active {
            continue;
        }
        let path = format!("{prefix}/{}", r.name);
        out.push(Theme {
            id: r.id.clone(),
            framework: framework.to_string(),
            parent_id: r.parent_id.clone(),
            name: r.name.clone(),
            path: path.clone(),
            depth,
            description: r.description.clone(),
            colour: r.colour.clone(),
            status: r.status,
            merged_into: r.merged_into.clone(),
            tag_count: r.tag_count,
        });
        walk(
            rows,
            framework_id,
            framework,
            Some(&r.id),
            &path,
            depth + 1,
            all,
            out,
        );
    }
}

/// Resolve a theme key (see [`Fieldwork::resolve_theme`]) against one read of the codebook.
fn resolve_in(all: &[Theme], key: &str) -> Result<Theme> {
    let k = key.trim();
    if let Some(t) = all.iter().find(|t| t.id == k) {
        return Ok(t.clone());
    }
    let lower = k.to_lowercase();
    let by_path: Vec<&Theme> = all
        .iter()
        .filter(|t| {
            t.path.to_lowercase() == lower || t.path.to_lowercase().ends_with(&format!("/{lower}"))
        })
        .collect();
    let live: Vec<&Theme> = by_path
        .iter()
        .copied()
        .filter(|t| t.status == ThemeStatus::Active)
        .collect();
    let pick = if live.len() == 1 {
        live
    } else if live.is_empty() && by_path.len() == 1 {
        by_path
    } else {
        live
    };
    if pick.len() == 1 {
        return Ok(pick[0].clone());
    }
    if pick.len() > 1 {
        return Err(ServiceError::Ambiguous {
            what: "theme",
            key: k.to_string(),
            candidates: pick
                .iter()
                .map(|t| t.path.clone())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if k.len() >= 6 {
        let pre: Vec<&Theme> = all.iter().filter(|t| t.id.starts_with(k)).collect();
        if pre.len() == 1 {
            return Ok(pre[0].clone());
        }
    }
    Err(ServiceError::NotFound {
        what: "theme",
        key: k.to_string(),
    })
}

/// What a merge moved (returned by [`Fieldwork::merge_theme_undoable`]): enough for
/// [`Fieldwork::unmerge_theme`] to move exactly that back.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The theme merged into, after the merge.
    pub theme: Theme,
    /// The merged theme as it was before.
    pub before: ThemeRow,
    pub into_id: String,
    /// Tags moved onto `into`.
    pub moved_tags: Vec<String>,
    /// Session-level tags deleted as duplicates of one `into` already had.
    pub folded_tags: Vec<crate::store::themes::TagRow>,
    /// Child themes moved under `into`.
    pub children: Vec<String>,
    /// The `merged-into` and `merged-from` history events.
    pub events: [String; 2],
}
