//! Analysis over the coded passages: quotes, the theme × case matrix and its summaries,
//! frequencies, co-occurrence, saturation, splitting a theme.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::types::*;
use crate::config::QuoteLabel;
use crate::domain::{new_log_id, now_utc, today, ConsentItem, SessionKind};
use crate::service::{clean, invalid, Fieldwork, Result, ServiceError};
/// Passages, search hits and the search filter, as the front ends see them.
pub use crate::store::coding::PassageRow;
use crate::store::coding::{self as store};
use crate::store::{audit, themes as theme_store};

impl Fieldwork {
    /// Every passage of a theme with its attribution; quotes without consent for anonymised
    /// quotes in force today are marked not allowed.
    /// Under blind coding, only this coder's passages until revealed.
    pub fn quotes(&self, theme: &str, filter: &QuoteFilter) -> Result<Vec<Quote>> {
        self.quotes_with(theme, filter, true)
    }

    /// [`Fieldwork::quotes`] of every coder, whatever blind coding says (the quotes export).
    pub fn quotes_all(&self, theme: &str, filter: &QuoteFilter) -> Result<Vec<Quote>> {
        self.quotes_with(theme, filter, false)
    }

    pub(super) fn quotes_with(
        &self,
        theme: &str,
        filter: &QuoteFilter,
        blind: bool,
    ) -> Result<Vec<Quote>> {
        let t = self.resolve_theme(theme)?;
        let c = self.store.conn();
        let mut passages = store::passages_of_theme(c, Some(&t.id))?;
        if blind {
            passages = self.blind_filter(passages, |p| &p.coder)?;
        }
        let mut sessions: HashMap<String, crate::domain::Session> = HashMap::new();
        let mut participants: HashMap<String, crate::domain::Participant> = HashMap::new();
        let mut out = Vec::new();
        for p in passages {
            if !sessions.contains_key(&p.session_id) {
                sessions.insert(p.session_id.clone(), self.session(&p.session_id)?);
            }
            let s = &sessions[&p.session_id];
            if filter
                .site
                .as_deref()
                .is_some_and(|x| !x.eq_ignore_ascii_case(&s.site))
                || filter.phase.is_some_and(|x| x != s.phase)
            {
                continue;
            }
            let mut cats = Vec::new();
            let mut allowed = true;
            let mut reasons = Vec::new();
            for sp in &s.participants {
                if !participants.contains_key(&sp.id) {
                    participants.insert(sp.id.clone(), self.participant(&sp.id)?);
                }
                let part = &participants[&sp.id];
                cats.push(part.role_category_name.clone());
                let f = self.consent_in_force(&sp.id, today())?;
                if !f.allows(ConsentItem::Quotes) {
                    allowed = false;
                    reasons.push(format!(
                        "{}: anonymised quotes {}",
                        sp.code,
                        f.item(ConsentItem::Quotes).as_str()
                    ));
                }
            }
            if let Some(rc) = &filter.role_category {
                let want = self.reference.role_category(rc)?.name.clone();
                if !cats.contains(&want) {
                    continue;
                }
            }
            let codes: Vec<String> = s.participants.iter().map(|p| p.code.clone()).collect();
            let site_name = self
                .reference
                .site(&s.site)
                .map(|x| x.name.clone())
                .unwrap_or_else(|_| s.site.clone());
            let attribution = match self.coding.quote_label {
                QuoteLabel::SiteCode => format!("{site_name} – {}", codes.join(", ")),
                QuoteLabel::Code => codes.join(", "),
                QuoteLabel::RoleCategory => {
                    let mut c = cats.clone();
                    c.dedup();
                    c.join(", ")
                }
            };
            out.push(Quote {
                participants: codes,
                site: s.site.clone(),
                phase: s.phase,
                role_categories: cats,
                attribution,
                allowed,
                reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
                passage: p,
            });
        }
        Ok(out)
    }

    /// The framework matrix: participants with a completed interview × active themes.
    /// Under blind coding, the counts of this coder's passages until revealed.
    pub fn matrix(&self, phase: Option<u32>) -> Result<Matrix> {
        self.matrix_with(phase, true)
    }

    /// [`Fieldwork::matrix`] of every coder, whatever blind coding says (the matrix export).
    pub fn matrix_all(&self, phase: Option<u32>) -> Result<Matrix> {
        self.matrix_with(phase, false)
    }

    pub(super) fn matrix_with(&self, phase: Option<u32>, blind: bool) -> Result<Matrix> {
        let c = self.store.conn();
        let themes: Vec<MatrixTheme> = self
            .themes(false)?
            .into_iter()
            .map(|t| MatrixTheme {
                id: t.id,
                path: t.path,
                name: t.name,
                colour: t.colour,
                depth: t.depth,
            })
            .collect();
        let people = self.participants(&Default::default(), 0, usize::MAX >> 1)?;
        let cases: Vec<MatrixCase> = people
            .into_iter()
            .filter(|p| !p.phases_interviewed.is_empty())
            .filter(|p| phase.is_none_or(|n| p.phases_interviewed.contains(&n)))
            .map(|p| MatrixCase {
                participant_id: p.id,
                code: p.code,
                site: p.site,
                role_category: p.role_category,
                phases: p.phases_interviewed,
            })
            .collect();
        let mut cells: BTreeMap<(String, String, u32), MatrixCell> = BTreeMap::new();
        let me = (blind && self.blinded()?).then(|| self.coder());
        for (pid, tid, ph, n) in store::matrix_counts(c, me.as_deref())? {
            if phase.is_some_and(|x| x != ph) {
                continue;
            }
            cells.insert(
                (pid.clone(), tid.clone(), ph),
                MatrixCell {
                    participant_id: pid,
                    theme_id: tid,
                    phase: ph,
                    passages: n,
                    summary: None,
                },
            );
        }
        for (pid, tid, ph, summary) in store::matrix_summaries(c)? {
            if phase.is_some_and(|x| x != ph) {
                continue;
            }
            cells
                .entry((pid.clone(), tid.clone(), ph))
                .or_insert(MatrixCell {
                    participant_id: pid,
                    theme_id: tid,
                    phase: ph,
                    passages: 0,
                    summary: None,
                })
                .summary = Some(summary);
        }
        Ok(Matrix {
            themes,
            cases,
            cells: cells.into_values().collect(),
            phases: match phase {
                Some(p) => vec![p],
                None => self.reference.phases.iter().map(|p| p.number).collect(),
            },
        })
    }

    /// Write (or with `None`, clear) the analyst's summary for a case × theme × phase cell.
    pub fn set_matrix_summary(
        &mut self,
        participant: &str,
        theme: &str,
        phase: u32,
        summary: Option<&str>,
    ) -> Result<()> {
        self.set_matrix_summary_from(participant, theme, phase, summary, None)
    }

    /// [`Fieldwork::set_matrix_summary`] from a form opened on `opened` (the `summary` it
    /// showed): refused with [`ServiceError::Conflict`] if the summary changed since.
    pub fn set_matrix_summary_from(
        &mut self,
        participant: &str,
        theme: &str,
        phase: u32,
        summary: Option<&str>,
        opened: Option<&crate::service::Version>,
    ) -> Result<()> {
        let pid = self.resolve_participant(participant)?;
        let t = self.resolve_theme(theme)?;
        let ph = self.reference.phase(phase)?.clone();
        let summary = clean(summary);
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let before = store::matrix_summary(&tx, &pid, &t.id, &ph.id)?;
        if let Some(v) = opened {
            v.check("matrix summary", &t.path, |f| match f {
                "summary" => before.clone().unwrap_or_default(),
                _ => String::new(),
            })?;
        }
        if before == summary {
            return Ok(());
        }
        store::set_matrix_summary(
            &tx,
            &pid,
            &t.id,
            &ph.id,
            summary.as_deref(),
            &now_utc(),
            &user,
        )?;
        audit::record(
            &tx,
            &user,
            "matrix",
            &format!("{pid}/{}/{}", t.id, ph.number),
            "summary",
            before.map(|b| serde_json::json!({ "summary": b })).as_ref(),
            summary
                .as_ref()
                .map(|s| serde_json::json!({ "summary": s }))
                .as_ref(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Passages behind a matrix cell.
    pub fn cell_passages(
        &self,
        participant: &str,
        theme: &str,
        phase: u32,
    ) -> Result<Vec<PassageRow>> {
        let pid = self.resolve_participant(participant)?;
        let t = self.resolve_theme(theme)?;
        let sessions: BTreeSet<String> = self
            .sessions(
                &crate::domain::SessionFilter {
                    participant: Some(pid),
                    phase: Some(phase),
                    kind: Some(SessionKind::Interview),
                    ..Default::default()
                },
                false,
                0,
                10_000,
            )?
            .into_iter()
            .map(|s| s.id)
            .collect();
        let rows = store::passages_of_theme(self.store.conn(), Some(&t.id))?
            .into_iter()
            .filter(|p| sessions.contains(&p.session_id))
            .collect();
        self.blind_filter(rows, |p| &p.coder)
    }

    /// Tags (sessions and passages) per theme × site × phase.
    pub fn theme_frequency(&self) -> Result<Vec<FrequencyRow>> {
        let names: HashMap<String, String> = self
            .themes(true)?
            .into_iter()
            .map(|t| (t.id, t.path))
            .collect();
        let mut rows: BTreeMap<String, FrequencyRow> = BTreeMap::new();
        for (tid, site, phase, n) in store::frequency(self.store.conn())? {
            let r = rows.entry(tid.clone()).or_insert_with(|| FrequencyRow {
                theme: names.get(&tid).cloned().unwrap_or_default(),
                theme_id: tid,
                counts: BTreeMap::new(),
                total: 0,
            });
            r.counts.insert(format!("{site}/{phase}"), n);
            r.total += n;
        }
        let mut v: Vec<FrequencyRow> = rows.into_values().collect();
        v.sort_by(|a, b| b.total.cmp(&a.total).then(a.theme.cmp(&b.theme)));
        Ok(v)
    }

    /// Pairs of themes seen together: on overlapping passages and on the same sessions.
    pub fn cooccurrence(&self) -> Result<Vec<CooccurrenceRow>> {
        let names: HashMap<String, String> = self
            .themes(true)?
            .into_iter()
            .map(|t| (t.id, t.path))
            .collect();
        let mut m: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        let c = self.store.conn();
        for (a, b, n) in store::passage_cooccurrence(c)? {
            m.entry((a, b)).or_default().0 = n;
        }
        for (a, b, n) in store::session_cooccurrence(c)? {
            m.entry((a, b)).or_default().1 = n;
        }
        let mut v: Vec<CooccurrenceRow> = m
            .into_iter()
            .map(|((a, b), (p, s))| {
                let a = names.get(&a).cloned().unwrap_or(a);
                let b = names.get(&b).cloned().unwrap_or(b);
                // Each pair in codebook-path order, so the output is the same every run.
                let (a, b) = if a <= b { (a, b) } else { (b, a) };
                CooccurrenceRow {
                    a,
                    b,
                    passages: p,
                    sessions: s,
                }
            })
            .collect();
        v.sort_by(|x, y| {
            (y.passages, y.sessions)
                .cmp(&(x.passages, x.sessions))
                .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        Ok(v)
    }

    /// Saturation: in interview order, the themes first seen in each interview and the
    /// cumulative count, with the stopping rule of Guest, Namey and Chen (2020).
    pub fn saturation(
        &self,
        base: Option<usize>,
        run: Option<usize>,
        threshold: Option<f64>,
        phase: Option<u32>,
    ) -> Result<Saturation> {
        let base = base.unwrap_or(self.coding.saturation_base);
        let run = run.unwrap_or(self.coding.saturation_run);
        let threshold = threshold.unwrap_or(self.coding.saturation_threshold);
        if base == 0 || run == 0 {
            return Err(invalid(
                "saturation",
                "base size and run length must be at least 1",
            ));
        }
        if !(0.0..=1.0).contains(&threshold) {
            return Err(invalid(
                "threshold",
                "give the new-information threshold as a fraction between 0 and 1 (e.g. 0.05)",
            ));
        }
        let c = self.store.conn();
        let phase_of: HashMap<String, u32> = match phase {
            Some(_) => self
                .sessions(
                    &crate::domain::SessionFilter {
                        kind: Some(SessionKind::Interview),
                        ..Default::default()
                    },
                    false,
                    0,
                    usize::MAX >> 1,
                )?
                .into_iter()
                .map(|s| (s.id, s.phase))
                .collect(),
            None => HashMap::new(),
        };
        let mut themes_of: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (sid, _, tid) in store::themes_by_interview(c)? {
            themes_of.entry(sid).or_default().insert(tid);
        }
        let order: Vec<(String, String)> = store::interviews_in_order(c)?
            .into_iter()
            .filter(|(sid, _)| phase.is_none() || phase_of.get(sid) == phase.as_ref())
            .collect();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut points = Vec::new();
        for (i, (sid, date)) in order.iter().enumerate() {
            let t = themes_of.get(sid).cloned().unwrap_or_default();
            let new = t.iter().filter(|x| !seen.contains(*x)).count();
            seen.extend(t.iter().cloned());
            points.push(SaturationPoint {
                index: i + 1,
                session_id: sid.clone(),
                date: date.clone(),
                themes: t.len(),
                new_themes: new,
                cumulative: seen.len(),
            });
        }
        let base_themes = points
            .get(base.saturating_sub(1))
            .map(|p| p.cumulative)
            .unwrap_or(0);
        let mut reached_at = None;
        if base_themes > 0 {
            let mut i = base;
            while i + run <= points.len() {
                let new: usize = points[i..i + run].iter().map(|p| p.new_themes).sum();
                if (new as f64) / (base_themes as f64) <= threshold {
                    reached_at = Some(i + run);
                    break;
                }
                i += 1;
            }
        }
        let pct = |x: f64| format!("{:.0}%", x * 100.0);
        let verdict = if points.len() < base + run {
            format!(
                "Too early to say: {} coded interview(s); the rule needs a base of {base} and a run of {run}.",
                points.iter().filter(|p| p.themes > 0).count()
            )
        } else if base_themes == 0 {
            "No themes are coded in the base interviews yet.".to_string()
        } else if let Some(at) = reached_at {
            let new: usize = points[at - run..at].iter().map(|p| p.new_themes).sum();
            format!(
                "Saturation reached at interview {at}: the run of {run} interviews ending there added {new} new theme(s), {} of the {base_themes} themes seen in the first {base} (threshold {}). {} themes seen in all.",
                pct(new as f64 / base_themes as f64),
                pct(threshold),
                seen.len()
            )
        } else {
            let last: usize = points[points.len() - run..]
                .iter()
                .map(|p| p.new_themes)
                .sum();
            format!(
                "Not reached: the last {run} interviews added {last} new theme(s), {} of the {base_themes} base themes (threshold {}). New themes are still appearing; keep sampling or review the codebook.",
                pct(last as f64 / base_themes as f64),
                pct(threshold)
            )
        };
        Ok(Saturation {
            base,
            run,
            threshold,
            points,
            base_themes,
            reached_at,
            verdict,
        })
    }

    /// Split a theme: create `new_name` beside it and move the given tags onto it; both
    /// keep the history.
    pub fn split_theme(
        &mut self,
        theme: &str,
        new_name: &str,
        tag_ids: &[String],
    ) -> Result<(crate::domain::Theme, usize)> {
        let s = self.split_theme_undoable(theme, new_name, tag_ids)?;
        let n = s.moved.len();
        Ok((s.theme, n))
    }

    /// [`Fieldwork::split_theme`] that returns what its undo
    /// ([`Fieldwork::unsplit_theme`]) needs: the new theme's row and events, the old
    /// theme's row and `split` event, the moved tags as they are after the move.
    pub fn split_theme_undoable(
        &mut self,
        theme: &str,
        new_name: &str,
        tag_ids: &[String],
    ) -> Result<crate::service::themes::Split> {
        if tag_ids.is_empty() {
            return Err(invalid(
                "tags",
                "name the tags (passages) that move to the new theme",
            ));
        }
        // One transaction: the tags are checked, the theme added and the tags moved in it.
        let tx = self.store.write()?;
        let t = self.resolve_theme(theme)?;
        for id in tag_ids {
            let row = theme_store::tag_row(&tx, id)?.ok_or(ServiceError::NotFound {
                what: "tag",
                key: id.clone(),
            })?;
            if row.theme_id != t.id {
                return Err(invalid(
                    "tags",
                    format!("tag {} is not on {}", &id[..8.min(id.len())], t.path),
                ));
            }
        }
        let parent = t.parent_id.clone();
        let framework = t.framework.clone();
        let new_id = self.add_theme_tx(
            &tx,
            new_name,
            Some(&framework),
            parent.as_deref(),
            Some(&format!("split from {}", t.name)),
            t.colour.as_deref(),
        )?;
        let new_theme = self.resolve_theme(&new_id)?;
        let now = now_utc();
        let user = self.settings.user.clone();
        let moved = store::retheme_tags(&tx, tag_ids, &new_theme.id)?;
        let from_event = new_log_id();
        theme_store::insert_event(
            &tx,
            &from_event,
            &t.id,
            "split",
            &serde_json::json!({"into": new_theme.path, "tags_moved": moved}),
            &now,
            &user,
        )?;
        theme_store::insert_event(
            &tx,
            &new_log_id(),
            &new_theme.id,
            "split-from",
            &serde_json::json!({"from": t.path, "tags_moved": moved}),
            &now,
            &user,
        )?;
        audit::record(
            &tx,
            &user,
            "theme",
            &t.id,
            "split",
            None,
            Some(&serde_json::json!({"into": new_theme.id, "tags": tag_ids})),
        )?;
        // What the undo checks against: both themes and the moved tags as they are now.
        let raw = |table, id: &str| {
            theme_store::raw_row(&tx, table, id)?.ok_or(ServiceError::NotFound {
                what: "theme",
                key: id.to_string(),
            })
        };
        let row = raw(theme_store::RawTable::Theme, &new_theme.id)?;
        let from_row = raw(theme_store::RawTable::Theme, &t.id)?;
        let mut moved_rows = Vec::with_capacity(moved);
        let mut seen = std::collections::HashSet::new();
        for id in tag_ids {
            if seen.insert(id.as_str()) {
                moved_rows.push(raw(theme_store::RawTable::Tag, id)?);
            }
        }
        let events = theme_store::event_ids(&tx, &new_theme.id)?;
        tx.commit()?;
        Ok(crate::service::themes::Split {
            theme: self.resolve_theme(&new_theme.id)?,
            row,
            events,
            from_id: t.id.clone(),
            from_row,
            from_event,
            moved: moved_rows,
        })
    }

    /// How many transcripts are imported and their words.
    pub fn imported_totals(&self) -> Result<(i64, i64)> {
        Ok(store::total_words(self.store.conn())?)
    }
}
