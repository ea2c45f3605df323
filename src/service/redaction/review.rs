//! Finding suspects (in transcripts and free texts), allowed classes, reviewing suspects.

use std::collections::HashSet;

use super::types::*;
use crate::domain::now_utc;
use crate::domain::redact::{self, Suspect};
use crate::service::{clean, invalid, Fieldwork, Result};
use crate::store::audit;
use crate::store::coding as coding_store;
use crate::store::redaction::{self as store};

use super::undo::RegisterChange;

impl Fieldwork {
    /// The redaction engine with the current register (read-only).
    pub fn redactor(&self) -> Result<Redactor> {
        let (entities, variants, allow) = self.entities()?;
        let names: HashSet<String> = store::name_words(self.store.conn())?.into_iter().collect();
        let matcher = redact::Matcher::with_names(&entities, &names);
        let finder = redact::SuspectFinder::new(&variants)
            .with_ambiguous(matcher.ambiguous_words())
            .with_classes(self.allow_classes()?);
        Ok(Redactor {
            matcher,
            finder,
            allow,
        })
    }

    /// The classes a reviewer allowed, with the study's place names for `places`.
    pub(super) fn allow_classes(&self) -> Result<redact::AllowClasses> {
        let classes = store::allowed_classes(self.store.conn())?;
        let mut out = redact::AllowClasses {
            common_words: classes.iter().any(|c| c == "common-words"),
            dates: classes.iter().any(|c| c == "dates"),
            places: HashSet::new(),
        };
        if classes.iter().any(|c| c == "places") {
            out.places = self.place_words()?;
        }
        Ok(out)
    }

    /// The study's place names as normalised words: the words of the sites' names and of
    /// the register's places and organisations that are neither common English words nor
    /// names of the gazetteer's given names ("Moorcombe" from "Moorcombe Acute Hospitals").
    pub fn place_words(&self) -> Result<HashSet<String>> {
        let mut texts: Vec<String> = self
            .reference
            .sites
            .iter()
            .map(|s| s.name.clone())
            .collect();
        for i in store::identifiers(self.store.conn())? {
            if i.kind == "place" || i.kind == "organisation" {
                texts.extend(i.variants);
            }
        }
        let mut out = HashSet::new();
        for t in texts {
            for w in redact::normalise(&t).split(|c: char| !c.is_alphanumeric() && c != '\'') {
                if w.chars().count() >= 3
                    && !redact::is_common_word(w)
                    && w.chars().all(char::is_alphabetic)
                {
                    out.insert(w.to_string());
                }
            }
        }
        Ok(out)
    }

    /// Allow a whole class of suspects (`common-words`, `places`, `dates`), corpus-wide,
    /// and count what it closed and what is left (two passes over the corpus: for the
    /// command line; the terminal interface calls [`Self::allow_class`] and recomputes
    /// the suspects after the frame).
    pub fn allow_suspect_class(&mut self, class: &str) -> Result<ClassReport> {
        Self::check_class(class)?;
        let before = self.suspects(None)?.len();
        self.allow_class(class)?;
        let left = self.suspects(None)?.len();
        Ok(ClassReport {
            class: class.into(),
            closed: before.saturating_sub(left),
            left,
        })
    }

    pub(super) fn check_class(class: &str) -> Result<()> {
        if !ALLOW_CLASSES.contains(&class) {
            return Err(invalid(
                "class",
                format!(
                    "`{class}` is not a class (valid: {})",
                    ALLOW_CLASSES.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// Allow a whole class of suspects (one transaction, nothing recomputed).
    pub fn allow_class(&mut self, class: &str) -> Result<()> {
        self.allow_class_undoable(class)?;
        Ok(())
    }

    /// [`Fieldwork::allow_class`] that returns what its undo ([`Fieldwork::undo_register`])
    /// takes back (nothing when the class was allowed already).
    pub fn allow_class_undoable(&mut self, class: &str) -> Result<RegisterChange> {
        Self::check_class(class)?;
        let now = now_utc();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let new = store::allow_class(&tx, class, &now, &user)?;
        audit::record(
            &tx,
            &user,
            "allow-class",
            class,
            "allow",
            None,
            Some(&serde_json::json!({"class": class})),
        )?;
        tx.commit()?;
        Ok(if new {
            RegisterChange::Class {
                class: class.to_string(),
            }
        } else {
            RegisterChange::Nothing
        })
    }

    /// The classes allowed so far.
    pub fn allowed_suspect_classes(&self) -> Result<Vec<String>> {
        Ok(store::allowed_classes(self.store.conn())?)
    }

    /// Every free-text field an export can carry besides transcripts (memos, matrix
    /// summaries, theme and framework names and descriptions), matched and searched for
    /// suspects with `redactor`.
    pub(super) fn analyse_free_texts(&self, redactor: &Redactor) -> Result<Vec<Analysed>> {
        let mut out = Vec::new();
        for f in store::free_texts(self.store.conn())? {
            let replacements = redactor.matches(&f.text);
            let suspects = redactor.suspects_beside(&f.text, &replacements);
            let key: String = if f.field == "matrix summary" {
                f.key.clone()
            } else {
                f.key.chars().take(8).collect()
            };
            out.push(Analysed {
                transcript_id: String::new(),
                session_id: f.session_id.unwrap_or_default(),
                field: Some(format!("{} {key}", f.field)),
                text: f.text,
                replacements,
                suspects,
            });
        }
        Ok(out)
    }

    /// Open suspects (distinct texts, as `redact suspects` lists them) in one free text
    /// an export is about to carry: for the exports' refusals.
    pub fn open_in_text(&self, redactor: &Redactor, text: &str) -> Vec<Suspect> {
        redactor.suspects(text)
    }

    /// Every imported transcript (or one interview's), matched and searched for suspects
    /// with one engine, in the order of `imported_transcripts`.
    pub(super) fn analyse_transcripts(
        &self,
        redactor: &Redactor,
        only: Option<&str>,
    ) -> Result<Vec<Analysed>> {
        Ok(self
            .analyse_transcripts_until(redactor, only, &|| false)?
            .unwrap_or_default())
    }

    /// [`Fieldwork::analyse_transcripts`], asking `stop` before each transcript; `None`
    /// when it said stop.
    pub(super) fn analyse_transcripts_until(
        &self,
        redactor: &Redactor,
        only: Option<&str>,
        stop: &dyn Fn() -> bool,
    ) -> Result<Option<Vec<Analysed>>> {
        let mut out = Vec::new();
        for (tid, sid) in store::imported_transcripts(self.store.conn())? {
            if stop() {
                return Ok(None);
            }
            if only.is_some_and(|o| o != sid) {
                continue;
            }
            let text = self.transcript_text(&tid)?;
            let replacements = redactor.matches(&text);
            let suspects = redactor.suspects_beside(&text, &replacements);
            out.push(Analysed {
                transcript_id: tid,
                session_id: sid,
                field: None,
                text,
                replacements,
                suspects,
            });
        }
        Ok(Some(out))
    }

    pub(super) fn transcript_text(&self, transcript_id: &str) -> Result<String> {
        Ok(coding_store::turns(self.store.conn(), transcript_id)?
            .iter()
            .map(|t| t.text.as_str())
            .collect())
    }

    /// Suspects not in the register and not allowed, over all imported transcripts (or
    /// one interview's), grouped by their normalised text.
    pub fn suspects(&self, session: Option<&str>) -> Result<Vec<SuspectGroup>> {
        Ok(self.suspects_until(session, &|| false)?.unwrap_or_default())
    }

    /// [`Fieldwork::suspects`], asking `stop` before each transcript (the interface's
    /// load worker: a superseded request stops early); `None` when it said stop.
    pub fn suspects_until(
        &self,
        session: Option<&str>,
        stop: &dyn Fn() -> bool,
    ) -> Result<Option<Vec<SuspectGroup>>> {
        let only = session.map(|s| self.resolve_session(s)).transpose()?;
        let redactor = self.redactor()?;
        let Some(mut analysed) =
            self.analyse_transcripts_until(&redactor, only.as_deref(), stop)?
        else {
            return Ok(None);
        };
        let free = self.analyse_free_texts(&redactor)?;
        analysed.extend(
            free.into_iter()
                .filter(|a| only.as_deref().is_none_or(|o| a.session_id == o)),
        );
        Ok(Some(group_suspects(analysed.iter())))
    }

    /// Decide about a suspect text, corpus-wide.
    pub fn review_suspect(&mut self, text: &str, decision: Decision) -> Result<()> {
        self.review_suspect_undoable(text, decision)?;
        Ok(())
    }

    /// [`Fieldwork::review_suspect`] that returns what its undo
    /// ([`Fieldwork::undo_register`]) takes back: the allowance, the variant or the new
    /// identifier the decision made.
    pub fn review_suspect_undoable(
        &mut self,
        text: &str,
        decision: Decision,
    ) -> Result<RegisterChange> {
        let t = clean(Some(text)).ok_or_else(|| invalid("text", "is empty"))?;
        let norm = redact::normalise(&t);
        // A name that is also a word, accepted as a name: replaced wherever it stands
        // (recorded in the same transaction as the decision).
        let name_word = redact::is_common_word(&norm);
        match decision {
            Decision::Allow => {
                let now = now_utc();
                let user = self.settings.user.clone();
                let tx = self.store.write()?;
                let new = store::allow(&tx, &norm, &t, &now, &user)?;
                audit::record(
                    &tx,
                    &user,
                    "allow-word",
                    &norm,
                    "allow",
                    None,
                    Some(&serde_json::json!({"text": t})),
                )?;
                tx.commit()?;
                Ok(if new {
                    RegisterChange::Allowed { norm, text: t }
                } else {
                    RegisterChange::Nothing
                })
            }
            Decision::Variant(key) => Ok(self.add_variant_with(&key, &t, name_word)?.1),
            Decision::New { kind, label } => {
                // A person accepted by their name is known in every form a participant's
                // name is (each part alone, titles, initials): "Trevithick agreed." after
                // "Morwenna Trevithick" was accepted is the same person.
                let variants = if kind == "person" {
                    redact::accepted_person_variants(&t)
                } else {
                    vec![t.clone()]
                };
                // The reviewer's, for the log's method.
                Ok(self
                    .add_identifier_from(&kind, &label, &variants, "reviewer", name_word)?
                    .1)
            }
        }
    }
}
