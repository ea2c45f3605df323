//! Transcript redaction: the register of identifiers (seeded from the database, edited by
//! people), the review of suspects, and redacted text with an anonymisation log.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::{clean, invalid, Fieldwork, Result, ServiceError};
use crate::domain::redact::{self, Entity, Replacement, Suspect};
use crate::domain::{new_id, new_log_id, now_utc};
use crate::store::audit;
use crate::store::coding as coding_store;
use crate::store::redaction::{self as store};
/// The register's and the anonymisation log's rows, as the front ends see them.
pub use crate::store::redaction::{IdentifierRow, LogRow};

pub const KINDS: &[&str] = &["person", "organisation", "place", "programme", "other"];

#[derive(Debug, Clone, Default, Serialize)]
pub struct SeedReport {
    pub people: usize,
    pub organisations: usize,
    pub job_titles: usize,
    pub sites: usize,
    pub variants_added: usize,
}

/// One suspect text across the corpus, with where it occurs.
#[derive(Debug, Clone, Serialize)]
pub struct SuspectGroup {
    pub text: String,
    pub norm: String,
    pub reason: String,
    pub near: Option<String>,
    pub occurrences: Vec<SuspectAt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuspectAt {
    /// The interview (empty for a field of no interview, such as a theme description).
    pub session_id: String,
    /// The transcript (empty when the suspect is in another free-text field).
    pub transcript_id: String,
    /// For a free-text field other than a transcript: which one, e.g. `memo 1a2b3c4d`,
    /// `matrix summary P7QK × Safety culture × phase 1`, `theme description 9f8e7d6c`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub start: usize,
    pub end: usize,
    /// The surrounding text (identifying: for the reviewer's eyes only).
    pub context: String,
}

/// What a reviewer decides about a suspect.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Add it as a variant of an existing identifier (id or label).
    Variant(String),
    /// Add a new identifier of this kind with this label.
    New { kind: String, label: String },
    /// It does not identify anyone: allow it everywhere.
    Allow,
}

/// Every imported transcript redacted, and the suspects still open (nothing logged yet).
#[derive(Debug, Clone)]
pub struct PreparedRedaction {
    pub open: Vec<SuspectGroup>,
    pub redacted: Vec<Redacted>,
}

/// A redacted transcript.
#[derive(Debug, Clone, Serialize)]
pub struct Redacted {
    pub session_id: String,
    pub transcript_id: String,
    pub text: String,
    pub replacements: Vec<Replacement>,
    /// Distinct suspect texts nobody reviewed in this transcript.
    pub unreviewed: usize,
}

/// The classes of suspects a reviewer can allow in one step (`redact allow --class`).
pub const ALLOW_CLASSES: &[&str] = &["common-words", "places", "dates"];

/// What allowing a class did.
#[derive(Debug, Clone, Serialize)]
pub struct ClassReport {
    pub class: String,
    /// Distinct suspect texts it closed.
    pub closed: usize,
    /// Distinct suspect texts still to review.
    pub left: usize,
}

/// The register, variants and allow-list, ready to redact any text with the same engine as
/// the transcripts (for passages, memos and matrix summaries in exports).
pub struct Redactor {
    matcher: redact::Matcher,
    finder: redact::SuspectFinder,
    allow: HashSet<String>,
}

impl Redactor {
    /// The register's replacements in `text` (character offsets of `text`).
    pub fn matches(&self, text: &str) -> Vec<Replacement> {
        self.matcher.find(text)
    }

    /// `text` with the register's replacements applied.
    pub fn redact(&self, text: &str) -> String {
        redact::apply(text, &self.matches(text))
    }

    /// Suspects in `text` that neither the register nor the allow-list covers.
    pub fn suspects(&self, text: &str) -> Vec<Suspect> {
        let reps = self.matches(text);
        self.suspects_beside(text, &reps)
    }

    /// Suspects in `text` beside the register's replacements `reps` (from [`Self::matches`]
    /// on the same text), for callers that already have them.
    pub fn suspects_beside(&self, text: &str, reps: &[Replacement]) -> Vec<Suspect> {
        self.finder.find(text, reps, &self.allow)
    }
}

/// One transcript's text with the register's replacements and the suspects beside them,
/// computed once for both the review list and the redacted text of an export.
struct Analysed {
    transcript_id: String,
    session_id: String,
    /// A free-text field other than a transcript (see [`SuspectAt::field`]).
    field: Option<String>,
    text: String,
    replacements: Vec<Replacement>,
    suspects: Vec<Suspect>,
}

/// Group suspects by normalised text, most frequent first (the `redact suspects` list).
fn group_suspects<'a>(analysed: impl Iterator<Item = &'a Analysed>) -> Vec<SuspectGroup> {
    let mut groups: BTreeMap<String, SuspectGroup> = BTreeMap::new();
    for a in analysed {
        if a.suspects.is_empty() {
            continue;
        }
        let chars: Vec<char> = a.text.chars().collect();
        for s in &a.suspects {
            let norm = redact::normalise(&s.text);
            let g = groups.entry(norm.clone()).or_insert_with(|| SuspectGroup {
                text: s.text.clone(),
                norm,
                reason: s.reason.clone(),
                near: s.near.clone(),
                occurrences: vec![],
            });
            g.occurrences.push(SuspectAt {
                session_id: a.session_id.clone(),
                transcript_id: a.transcript_id.clone(),
                field: a.field.clone(),
                start: s.start,
                end: s.end,
                context: context(&chars, s.start, s.end),
            });
        }
    }
    let mut v: Vec<SuspectGroup> = groups.into_values().collect();
    v.sort_by(|a, b| {
        b.occurrences
            .len()
            .cmp(&a.occurrences.len())
            .then(a.norm.cmp(&b.norm))
    });
    v
}

/// The number of distinct suspect texts (by normalised text): the unit every count of
/// unreviewed suspects uses.
fn distinct(suspects: &[Suspect]) -> usize {
    suspects
        .iter()
        .map(|s| redact::normalise(&s.text))
        .collect::<HashSet<_>>()
        .len()
}

fn context(chars: &[char], s: usize, e: usize) -> String {
    let a = s.saturating_sub(30);
    let b = (e + 30).min(chars.len());
    chars[a..b]
        .iter()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

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

    fn resolve_identifier(&self, key: &str) -> Result<IdentifierRow> {
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
        self.add_identifier_from(kind, label, variants, "manual", false)
    }

    /// `add_identifier`, recording where the identifier came from (`manual`, or `reviewer`
    /// for a suspect accepted as new), in the same transaction.
    fn add_identifier_from(
        &mut self,
        kind: &str,
        label: &str,
        variants: &[String],
        source: &str,
        name_word: bool,
    ) -> Result<IdentifierRow> {
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
        if name_word {
            for v in variants {
                store::add_name_word(&tx, &redact::normalise(v), &now, &user)?;
            }
        }
        for v in variants.iter().filter(|v| !v.trim().is_empty()) {
            store::add_variant(
                &tx,
                &new_id(),
                &id,
                v.trim(),
                &redact::normalise(v),
                &now,
                &user,
            )?;
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
        self.resolve_identifier(&id)
    }

    /// Add a variant (a spelling, a nickname, a misspelling) to an identifier.
    pub fn add_identifier_variant(
        &mut self,
        identifier: &str,
        variant: &str,
    ) -> Result<IdentifierRow> {
        self.add_variant_with(identifier, variant, false)
    }

    /// `add_identifier_variant`; with `name_word`, the variant (a common word) is also
    /// recorded as a name wherever it stands, in the same transaction.
    fn add_variant_with(
        &mut self,
        identifier: &str,
        variant: &str,
        name_word: bool,
    ) -> Result<IdentifierRow> {
        let i = self.resolve_identifier(identifier)?;
        let v = clean(Some(variant)).ok_or_else(|| invalid("variant", "is empty"))?;
        let now = now_utc();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        if name_word {
            store::add_name_word(&tx, &redact::normalise(&v), &now, &user)?;
        }
        store::add_variant(
            &tx,
            &new_id(),
            &i.id,
            &v,
            &redact::normalise(&v),
            &now,
            &user,
        )?;
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
        self.resolve_identifier(&i.id)
    }

    fn entities(&self) -> Result<(Vec<Entity>, Vec<String>, HashSet<String>)> {
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
    fn allow_classes(&self) -> Result<redact::AllowClasses> {
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

    fn check_class(class: &str) -> Result<()> {
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
        Self::check_class(class)?;
        let now = now_utc();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        store::allow_class(&tx, class, &now, &user)?;
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
        Ok(())
    }

    /// The classes allowed so far.
    pub fn allowed_suspect_classes(&self) -> Result<Vec<String>> {
        Ok(store::allowed_classes(self.store.conn())?)
    }

    /// Every free-text field an export can carry besides transcripts (memos, matrix
    /// summaries, theme and framework names and descriptions), matched and searched for
    /// suspects with `redactor`.
    fn analyse_free_texts(&self, redactor: &Redactor) -> Result<Vec<Analysed>> {
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
    fn analyse_transcripts(
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
    fn analyse_transcripts_until(
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

    fn transcript_text(&self, transcript_id: &str) -> Result<String> {
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
                store::allow(&tx, &norm, &t, &now, &user)?;
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
                Ok(())
            }
            Decision::Variant(key) => {
                self.add_variant_with(&key, &t, name_word)?;
                Ok(())
            }
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
                self.add_identifier_from(&kind, &label, &variants, "reviewer", name_word)?;
                Ok(())
            }
        }
    }

    /// An interview's transcript, redacted with the register.
    pub fn redacted(&self, session: &str) -> Result<Redacted> {
        self.redacted_with(&self.redactor()?, session, &HashMap::new())
    }

    /// An interview's transcript redacted with an engine built once for many (see
    /// [`Self::redactor`]).
    pub fn redacted_by(&self, redactor: &Redactor, session: &str) -> Result<Redacted> {
        self.redacted_with(redactor, session, &HashMap::new())
    }

    /// An interview's transcript redacted with `redactor`; `analysed` (by transcript id)
    /// saves matching again a text that was already analysed with the same engine.
    fn redacted_with(
        &self,
        redactor: &Redactor,
        session: &str,
        analysed: &HashMap<&str, &Analysed>,
    ) -> Result<Redacted> {
        let view = self.transcript_view(session)?;
        let text = view.text();
        let (reps, unreviewed) = match analysed.get(view.transcript.id.as_str()) {
            Some(a) if a.text == text => (a.replacements.clone(), distinct(&a.suspects)),
            _ => {
                let reps = redactor.matches(&text);
                let n = distinct(&redactor.suspects_beside(&text, &reps));
                (reps, n)
            }
        };
        Ok(Redacted {
            session_id: view.session_id,
            transcript_id: view.transcript.id,
            text: redact::apply(&text, &reps),
            replacements: reps,
            unreviewed,
        })
    }

    /// Every imported transcript redacted for an export, and the suspects still open, with
    /// nothing written: what [`Self::redact_all_for_export`] logs.
    pub fn prepare_redaction(&self) -> Result<PreparedRedaction> {
        let redactor = self.redactor()?;
        let analysed = self.analyse_transcripts(&redactor, None)?;
        // The one count: every free text an export can carry is reviewed like transcripts,
        // and `open` is the list `redact suspects` prints.
        let free = self.analyse_free_texts(&redactor)?;
        let open = group_suspects(analysed.iter().chain(free.iter()));
        let by_id: HashMap<&str, &Analysed> = analysed
            .iter()
            .map(|a| (a.transcript_id.as_str(), a))
            .collect();
        let mut redacted = Vec::new();
        for a in &analysed {
            redacted.push(self.redacted_with(&redactor, &a.session_id, &by_id)?);
        }
        Ok(PreparedRedaction { open, redacted })
    }

    /// Redact every imported transcript for an export, writing each replacement to the
    /// anonymisation log under one run id (one transaction). Refuses while suspects are
    /// unreviewed unless `allow_unreviewed`.
    pub fn redact_all_for_export(
        &mut self,
        allow_unreviewed: bool,
    ) -> Result<(String, Vec<Redacted>)> {
        let prepared = self.prepare_redaction()?;
        self.log_redaction(prepared, allow_unreviewed)
    }

    /// Log a prepared redaction (see [`Self::redact_all_for_export`]).
    pub fn log_redaction(
        &mut self,
        prepared: PreparedRedaction,
        allow_unreviewed: bool,
    ) -> Result<(String, Vec<Redacted>)> {
        let PreparedRedaction { open, redacted } = prepared;
        if !open.is_empty() && !allow_unreviewed {
            return Err(unreviewed_refusal(&open));
        }
        let reg = self.register()?;
        let method_of: BTreeMap<String, (String, String)> = reg
            .iter()
            .map(|i| {
                (
                    i.id.clone(),
                    (
                        if i.source == "reviewer" || i.source == "manual" {
                            "reviewer".to_string()
                        } else {
                            "register".to_string()
                        },
                        i.created_by.clone(),
                    ),
                )
            })
            .collect();
        let out = redacted;
        let run = new_log_id();
        let now = now_utc();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        for r in &out {
            for rep in &r.replacements {
                let (method, by) = method_of
                    .get(&rep.entity_id)
                    .cloned()
                    .unwrap_or_else(|| ("register".into(), user.clone()));
                store::insert_log(
                    &tx,
                    &LogRow {
                        id: new_log_id(),
                        run_id: run.clone(),
                        transcript_id: r.transcript_id.clone(),
                        start_char: rep.start as i64,
                        end_char: rep.end as i64,
                        original: rep.original.clone(),
                        replacement: rep.label.clone(),
                        identifier_id: Some(rep.entity_id.clone()),
                        reviewer: (method == "reviewer").then_some(by),
                        method,
                        at: now.clone(),
                    },
                )?;
            }
        }
        audit::record(
            &tx,
            &user,
            "redaction",
            &run,
            "run",
            None,
            Some(
                &serde_json::json!({"transcripts": out.len(), "replacements": out.iter().map(|r| r.replacements.len()).sum::<usize>()}),
            ),
        )?;
        tx.commit()?;
        Ok((run, out))
    }

    pub fn redaction_log(&self, limit: usize) -> Result<Vec<LogRow>> {
        Ok(store::log(self.store.conn(), limit)?)
    }

    /// Direct identifiers held in the database (for disclosure scans of outputs).
    pub fn direct_identifiers(&self) -> Result<Vec<String>> {
        let mut out: Vec<String> = self
            .identifiers_by_kind()?
            .into_iter()
            .map(|(_, v)| v)
            .filter(|s| s.trim().chars().count() >= 4)
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Every participant's direct identifiers as (kind, value): name, email, phone,
    /// organisation, job title, as stored.
    pub fn identifiers_by_kind(&self) -> Result<Vec<(&'static str, String)>> {
        let mut out = Vec::new();
        for (name, email, phone, organisation, job_title) in
            store::participant_identifiers(self.store.conn())?
        {
            for (kind, v) in [
                ("name", Some(name)),
                ("email", email),
                ("phone", phone),
                ("organisation", organisation),
                ("job title", job_title),
            ] {
                out.extend(v.map(|v| (kind, v)));
            }
        }
        Ok(out)
    }
}

/// The one refusal of every export that would carry suspects nobody reviewed: the count
/// is of distinct suspect texts, as `redact suspects` lists them; the place is named, never
/// the text of a free-text field.
pub fn unreviewed_refusal(open: &[SuspectGroup]) -> ServiceError {
    let first = &open[0];
    let place = first
        .occurrences
        .first()
        .map(|o| match &o.field {
            Some(f) => f.clone(),
            None => format!(
                "transcript {}",
                &o.transcript_id[..8.min(o.transcript_id.len())]
            ),
        })
        .unwrap_or_default();
    ServiceError::Refused(format!(
        "{} suspect(s) are not reviewed yet (the first in {place}, {} place(s) in all); review them (`redact suspects`, `redact accept`, `redact allow`, `redact allow --class`) or export with --allow-unreviewed",
        open.len(),
        first.occurrences.len()
    ))
}

/// Suspects in free texts an export carries, grouped like `redact suspects` (by
/// normalised text), each text with the place it comes from.
pub fn group_free_suspects(found: &[(String, String, Vec<Suspect>)]) -> Vec<SuspectGroup> {
    let analysed: Vec<Analysed> = found
        .iter()
        .map(|(field, text, suspects)| Analysed {
            transcript_id: String::new(),
            session_id: String::new(),
            field: Some(field.clone()),
            text: text.clone(),
            replacements: vec![],
            suspects: suspects.clone(),
        })
        .collect();
    group_suspects(analysed.iter())
}

/// A sort key that orders the numbers inside a text by value: runs of digits become
/// zero-padded numbers, the rest compares case-insensitively.
fn natural_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            out.push_str(&format!("{:0>12}", digits));
            digits.clear();
        }
        out.extend(c.to_lowercase());
    }
    if !digits.is_empty() {
        out.push_str(&format!("{:0>12}", digits));
    }
    out
}

#[cfg(test)]
mod natural_tests {
    #[test]
    fn numbers_inside_labels_sort_by_value() {
        let mut v = vec![
            "[Person 10]",
            "[person 2]",
            "[Person 1]",
            "[Organisation 3]",
        ];
        v.sort_by_key(|s| super::natural_key(s));
        assert_eq!(
            v,
            [
                "[Organisation 3]",
                "[Person 1]",
                "[person 2]",
                "[Person 10]"
            ]
        );
    }
}
