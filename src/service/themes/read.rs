//! Reading the codebook: frameworks, themes, resolving a theme, its history.

use crate::domain::{Framework, Theme, ThemeStatus};
use crate::service::{invalid, Fieldwork, Result, ServiceError};
use crate::store::{themes as store, themes::ThemeRow};

impl Fieldwork {
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

    pub(super) fn theme_row(&self, id: &str) -> Result<ThemeRow> {
        store::themes(self.store.conn())?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(ServiceError::NotFound {
                what: "theme",
                key: id.to_string(),
            })
    }

    /// A theme's history: (action, detail, at, by).
    pub fn theme_history(&self, key: &str) -> Result<Vec<(String, String, String, String)>> {
        let t = self.resolve_theme(key)?;
        Ok(store::events(self.store.conn(), &t.id)?)
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
