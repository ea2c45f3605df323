//! Redacted texts for export, and the log of what was redacted.

use std::collections::{BTreeMap, HashMap};

use super::types::*;
use crate::domain::redact;
use crate::domain::{new_log_id, now_utc};
use crate::service::{Fieldwork, Result};
use crate::store::audit;
/// The register's and the anonymisation log's rows, as the front ends see them.
pub use crate::store::redaction::LogRow;
use crate::store::redaction::{self as store};

impl Fieldwork {
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
    pub(super) fn redacted_with(
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
