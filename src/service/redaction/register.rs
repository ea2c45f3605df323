//! The register of identifiers: seeded from the study, identifiers and variants added by
//! hand, the entities a redactor matches.

use std::collections::HashSet;

use super::types::*;
use crate::domain::redact::{self, Entity};
use crate::domain::{new_id, now_utc};
use crate::service::{clean, invalid, Fieldwork, Result, ServiceError};
use crate::store::audit;
/// The register's and the anonymisation log's rows, as the front ends see them.
pub use crate::store::redaction::IdentifierRow;
use crate::store::redaction::{self as store};

use super::undo::RegisterChange;

impl Fieldwork {
    /// Seed the register from participants (names), their organisations and the sites.
    /// Idempotent: existing entries keep their labels; new variants are added.
    pub fn seed_register(&mut self) -> Result<SeedReport> {
        let sites = self.reference.sites.clone();
        let now = now_utc();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        // The participants are read under the write lock: one added by another window at
        // this moment is seeded now or by the next seed, never half.
        let people = self.participants(&Default::default(), 0, usize::MAX >> 1)?;
        let mut rep = SeedReport::default();
        let add = |tx: &rusqlite::Connection,
                   source: &str,
                   key: &str,
                   kind: &str,
                   label: String,
                   variants: Vec<String>,
                   rep: &mut SeedReport|
         -> Result<bool> {
            let (id, created) = match store::by_source(tx, source, key)? {
                Some(id) => (id, false),
                None => {
                    let id = new_id();
                    let mut label = label;
                    let mut n = 2;
                    while store::label_exists(tx, &label)? {
                        label = format!("{} {n}]", label.trim_end_matches(']'));
                        n += 1;
                    }
                    store::insert_identifier(
                        tx,
                        &IdentifierRow {
                            id: id.clone(),
                            kind: kind.into(),
                            label,
                            source: source.into(),
                            source_key: Some(key.into()),
                            created_at: now.clone(),
                            created_by: user.clone(),
                            variants: vec![],
                        },
                    )?;
                    (id, true)
                }
            };
            for v in variants {
                let norm = redact::normalise(&v);
                if norm.chars().count() >= 2
                    && store::add_variant(tx, &new_id(), &id, &v, &norm, &now, &user)?
                {
                    rep.variants_added += 1;
                }
            }
            Ok(created)
        };
        for p in &people {
            // The name in every form, and the email and phone (matched case-insensitively,
            // and by digits whatever the separators and prefix).
            let mut variants = redact::person_variants(&p.name);
            for e in p.email.iter().filter(|e| !e.trim().is_empty()) {
                variants.extend(redact::email_variants(e));
            }
            variants.extend(p.phone.iter().filter(|e| !e.trim().is_empty()).cloned());
            if add(
                &tx,
                "participant",
                &p.id,
                "person",
                format!("[Participant {}]", p.code),
                variants,
                &mut rep,
            )? {
                rep.people += 1;
            }
        }
        let mut orgs: Vec<String> = people
            .iter()
            .filter_map(|p| p.organisation.clone())
            .collect();
        orgs.sort();
        orgs.dedup();
        for o in orgs {
            let n = store::count_source(&tx, "organisation")? + 1;
            if add(
                &tx,
                "organisation",
                &o,
                "organisation",
                format!("[Organisation {n}]"),
                vec![o.clone()],
                &mut rep,
            )? {
                rep.organisations += 1;
            }
        }
        // Verbatim job titles are direct identifiers too (role + site names a person).
        let mut titles: Vec<String> = people.iter().filter_map(|p| p.job_title.clone()).collect();
        titles.sort();
        titles.dedup();
        for t in titles.into_iter().filter(|t| t.trim().chars().count() >= 4) {
            let n = store::count_source(&tx, "job-title")? + 1;
            if add(
                &tx,
                "job-title",
                &t,
                "other",
                format!("[Job title {n}]"),
                vec![t.clone()],
                &mut rep,
            )? {
                rep.job_titles += 1;
            }
        }
        for s in &sites {
            let mut variants = vec![s.name.clone()];
            if s.name != s.code && s.code.chars().count() > 2 {
                variants.push(s.code.clone());
            }
            if add(
                &tx,
                "site",
                &s.id,
                "place",
                format!("[Site {}]", s.code),
                variants,
                &mut rep,
            )? {
                rep.sites += 1;
            }
        }
        audit::record(
            &tx,
            &user,
            "register",
            "seed",
            "seed",
            None,
            Some(&serde_json::to_value(&rep).unwrap_or_default()),
        )?;
        tx.commit()?;
        Ok(rep)
    }

    /// The register, by kind, then label in natural order (`[Person 2]` before `[Person 10]`).
    pub fn register(&self) -> Result<Vec<IdentifierRow>> {
        let mut v = store::identifiers(self.store.conn())?;
        v.sort_by_cached_key(|i| (i.kind.clone(), natural_key(&i.label)));
        Ok(v)
    }

    pub(super) fn resolve_identifier(&self, key: &str) -> Result<IdentifierRow> {
        let all = self.register()?;
        let k = key.trim();
        all.into_iter()
            .find(|i| {
                i.id == k
                    || i.label.eq_ignore_ascii_case(k)
                    || (k.len() >= 6 && i.id.starts_with(k))
            })
            .ok_or(ServiceError::NotFound {
                what: "identifier",
                key: k.into(),
            })
    }

    /// Add an identifier by hand.
    pub fn add_identifier(
        &mut self,
        kind: &str,
        label: &str,
        variants: &[String],
    ) -> Result<IdentifierRow> {
        Ok(self.add_identifier_undoable(kind, label, variants)?.0)
    }

    /// [`Fieldwork::add_identifier`] that also returns what its undo
    /// ([`Fieldwork::undo_register`]) takes back.
    pub fn add_identifier_undoable(
        &mut self,
        kind: &str,
        label: &str,
        variants: &[String],
    ) -> Result<(IdentifierRow, RegisterChange)> {
        self.add_identifier_from(kind, label, variants, "manual", false)
    }

    /// `add_identifier`, recording where the identifier came from (`manual`, or `reviewer`
    /// for a suspect accepted as new), in the same transaction.
    pub(super) fn add_identifier_from(
        &mut self,
        kind: &str,
        label: &str,
        variants: &[String],
        source: &str,
        name_word: bool,
    ) -> Result<(IdentifierRow, RegisterChange)> {
        if !KINDS.contains(&kind) {
            return Err(invalid(
                "kind",
                format!("`{kind}` is not a kind (valid: {})", KINDS.join(", ")),
            ));
        }
        let label = clean(Some(label)).ok_or_else(|| invalid("label", "is required"))?;
        if !(label.starts_with('[') && label.ends_with(']')) {
            return Err(invalid(
                "label",
                "write labels in brackets, e.g. [Acute trust 1], so readers see what was replaced",
            ));
        }
        if variants.iter().all(|v| v.trim().is_empty()) {
            return Err(invalid(
                "variant",
                "give at least one variant (the text to replace)",
            ));
        }
        let now = now_utc();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        if store::label_exists(&tx, &label)? {
            return Err(invalid(
                "label",
                format!("{label} is already used; add a variant to it instead"),
            ));
        }
        let id = new_id();
        store::insert_identifier(
            &tx,
            &IdentifierRow {
                id: id.clone(),
                kind: kind.into(),
                label: label.clone(),
                source: source.into(),
                source_key: Some(id.clone()),
                created_at: now.clone(),
                created_by: user.clone(),
                variants: vec![],
            },
        )?;
        let mut name_words = Vec::new();
        if name_word {
            for v in variants {
                let norm = redact::normalise(v);
                if store::add_name_word(&tx, &norm, &now, &user)? {
                    name_words.push(norm);
                }
            }
        }
        let mut variant_ids = Vec::new();
        for v in variants.iter().filter(|v| !v.trim().is_empty()) {
            let vid = new_id();
            if store::add_variant(&tx, &vid, &id, v.trim(), &redact::normalise(v), &now, &user)? {
                variant_ids.push(vid);
            }
        }
        audit::record(
            &tx,
            &user,
            "identifier",
            &id,
            "create",
            None,
            Some(&serde_json::json!({"kind": kind, "label": label})),
        )?;
        tx.commit()?;
        let row = self.resolve_identifier(&id)?;
        let change = RegisterChange::Identifier {
            id,
            kind: kind.to_string(),
            label,
            variant_ids,
            name_words,
        };
        Ok((row, change))
    }

    /// Add a variant (a spelling, a nickname, a misspelling) to an identifier.
    pub fn add_identifier_variant(
        &mut self,
        identifier: &str,
        variant: &str,
    ) -> Result<IdentifierRow> {
        Ok(self.add_identifier_variant_undoable(identifier, variant)?.0)
    }

    /// [`Fieldwork::add_identifier_variant`] that also returns what its undo
    /// ([`Fieldwork::undo_register`]) takes back.
    pub fn add_identifier_variant_undoable(
        &mut self,
        identifier: &str,
        variant: &str,
    ) -> Result<(IdentifierRow, RegisterChange)> {
        self.add_variant_with(identifier, variant, false)
    }

    /// `add_identifier_variant`; with `name_word`, the variant (a common word) is also
    /// recorded as a name wherever it stands, in the same transaction.
    pub(super) fn add_variant_with(
        &mut self,
        identifier: &str,
        variant: &str,
        name_word: bool,
    ) -> Result<(IdentifierRow, RegisterChange)> {
        let i = self.resolve_identifier(identifier)?;
        let v = clean(Some(variant)).ok_or_else(|| invalid("variant", "is empty"))?;
        let now = now_utc();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let norm = redact::normalise(&v);
        let name_word = name_word && store::add_name_word(&tx, &norm, &now, &user)?;
        let vid = new_id();
        let added = store::add_variant(&tx, &vid, &i.id, &v, &norm, &now, &user)?;
        audit::record(
            &tx,
            &user,
            "identifier",
            &i.id,
            "variant",
            None,
            Some(&serde_json::json!({"variant": v})),
        )?;
        tx.commit()?;
        let change = if added || name_word {
            RegisterChange::Variant {
                identifier: i.id.clone(),
                label: i.label.clone(),
                variant_id: added.then_some(vid),
                text: v,
                norm: norm.clone(),
                name_word: name_word.then_some(norm),
            }
        } else {
            RegisterChange::Nothing
        };
        Ok((self.resolve_identifier(&i.id)?, change))
    }

    pub(super) fn entities(&self) -> Result<(Vec<Entity>, Vec<String>, HashSet<String>)> {
        let reg = self.register()?;
        let variants: Vec<String> = reg.iter().flat_map(|i| i.variants.clone()).collect();
        let entities = reg
            .into_iter()
            .map(|i| Entity {
                id: i.id,
                label: i.label,
                variants: i.variants,
            })
            .collect();
        let allow: HashSet<String> = store::allowed(self.store.conn())?.into_iter().collect();
        Ok((entities, variants, allow))
    }
}
