//! Consent records and withdrawals.

use std::path::Path;

use sha2::{Digest, Sha256};
use time::Date;

use super::{clean, invalid, io_err, json, Fieldwork, Result, ServiceError};
use crate::domain::{
    consent_in_force, format_date, new_id, now_utc, today, Answer, ConsentInForce, ConsentItem,
    ConsentMode, ConsentRecord, ItemState, Status, Withdrawal, WithdrawalScope,
};
pub use crate::store::consent::Correction;
use crate::store::{audit, consent as store};

/// What a user enters for a new consent record. Items left `None` stay unset.
#[derive(Debug, Clone, Default)]
pub struct ConsentInput {
    pub date: Option<Date>,
    pub form_version: Option<String>,
    /// A copy of the form's text, hashed so the record names exactly what was signed.
    pub form_file: Option<std::path::PathBuf>,
    pub mode: Option<ConsentMode>,
    pub taken_by: Option<String>,
    pub take_part: Option<Answer>,
    pub audio: Option<Answer>,
    pub quotes: Option<Answer>,
    pub archiving: Option<Answer>,
    pub follow_up: Option<Answer>,
    /// Reference to the signed form (a file name or archive box): identifying.
    pub file_ref: Option<String>,
}

/// One participant's consent at a glance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsentRow {
    pub participant_id: String,
    pub code: String,
    pub name: String,
    pub site: String,
    pub status: Status,
    /// The state of each item today, in `ConsentItem::ALL` order.
    pub items: Vec<(ConsentItem, crate::domain::ItemState)>,
    pub records: usize,
    pub withdrawn: Option<WithdrawalScope>,
}

/// One consent problem (`consent problems --json`, the Consent pane's Problems list).
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct ConsentProblem {
    /// `consent` (interviewed without consent to take part), `audio-consent` (recorded
    /// without consent to audio recording), `follow-up` (not seen again and contact not
    /// agreed) or `never-asked` (consent items never asked).
    pub kind: &'static str,
    pub participant_id: String,
    pub code: String,
    /// The interview concerned (`consent`, `audio-consent`), else null.
    pub session_id: Option<String>,
    /// The date consent was judged on: the interview's, or today.
    pub date: String,
    /// The consent items concerned and their state on that date.
    pub items: Vec<ItemProblem>,
    pub message: String,
    /// What to do about it.
    pub action: String,
}

impl ConsentProblem {
    /// The short label the interface shows before the message.
    pub fn label(&self) -> &'static str {
        match self.kind {
            "consent" | "audio-consent" => "no consent",
            "never-asked" => "never asked",
            k => k,
        }
    }
}

/// A consent item and its state, as a problem names them.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct ItemProblem {
    /// `take-part`, `audio`, `quotes`, `archiving` or `follow-up` (as `consent show`).
    pub item: &'static str,
    /// `yes`, `no`, `not-asked`, `unset` or `withdrawn`.
    pub state: &'static str,
}

impl ItemProblem {
    fn new(item: ConsentItem, state: ItemState) -> ItemProblem {
        ItemProblem {
            item: item.as_str(),
            state: state.as_str(),
        }
    }
}

/// A hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex(&h.finalize()), size))
}

/// The hex SHA-256 and size of bytes already in memory (a file just read).
pub fn sha256_bytes(bytes: &[u8]) -> (String, u64) {
    (hex(&Sha256::digest(bytes)), bytes.len() as u64)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every participant's consent and withdrawal records, read once, for reports that ask
/// "consent in force" for many participants (coverage, gaps, exports).
#[derive(Debug, Default)]
pub struct ConsentBook {
    records: std::collections::HashMap<String, Vec<ConsentRecord>>,
    withdrawals: std::collections::HashMap<String, Vec<Withdrawal>>,
}

impl ConsentBook {
    /// A participant's withdrawals (by id), oldest first.
    pub fn withdrawals(&self, participant_id: &str) -> &[Withdrawal] {
        self.withdrawals
            .get(participant_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Consent in force for a participant (by id) on a date, by the same rule as
    /// [`Fieldwork::consent_in_force`].
    pub fn in_force(&self, participant_id: &str, date: Date) -> ConsentInForce {
        consent_in_force(
            self.records
                .get(participant_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            self.withdrawals
                .get(participant_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            date,
        )
    }
}

impl Fieldwork {
    /// Participants with a consent record whose consent in force on `date` leaves items
    /// never asked (`not-asked` or unset): each one's export code and those items, in the
    /// participant list's order. Set-based: the participants, the records and the
    /// withdrawals are each read once (it was one page of participants after another with
    /// two queries per participant).
    pub fn consent_never_asked(&self, date: Date) -> Result<Vec<(String, Vec<ConsentItem>)>> {
        Ok(self
            .never_asked_in(&self.consent_book()?, date)?
            .into_iter()
            .map(|(_, code, items)| (code, items))
            .collect())
    }

    /// [`Fieldwork::consent_never_asked`] on a consent book already read: (id, code, items).
    fn never_asked_in(
        &self,
        book: &ConsentBook,
        date: Date,
    ) -> Result<Vec<(String, String, Vec<ConsentItem>)>> {
        let people = crate::store::participants::list(
            self.store.conn(),
            &Default::default(),
            0,
            i64::MAX as usize,
        )?;
        let mut out = Vec::new();
        for p in people {
            if !book.records.contains_key(&p.id) {
                continue;
            }
            let f = book.in_force(&p.id, date);
            let never: Vec<ConsentItem> = ConsentItem::ALL
                .iter()
                .copied()
                .filter(|i| {
                    matches!(
                        f.item(*i),
                        crate::domain::ItemState::NotAsked | crate::domain::ItemState::Unset
                    )
                })
                .collect();
            if !never.is_empty() {
                out.push((p.id, p.code, never));
            }
        }
        Ok(out)
    }

    /// The consent problems list (the Consent pane's and `consent problems`): completed
    /// interviews without consent to take part (or recorded without consent to audio) in
    /// force on their date; baseline participants not seen at a later phase whose consent
    /// to follow-up contact is not `yes` today; participants with consent records that
    /// leave items never asked today. In that order: interviews by date, then follow-up by
    /// site and code, then never asked by export code.
    ///
    /// Set-based: the consent records, the withdrawals, the completed interviews'
    /// participants, the participants not seen again (one query per later phase) and the
    /// participant list are each read once, and the domain's consent-in-force rule runs
    /// over them in memory; no query per participant, nothing about transcripts or targets
    /// (it no longer computes the whole coverage report).
    pub fn consent_problems(&self) -> Result<Vec<ConsentProblem>> {
        let book = self.consent_book()?;
        let now = today();
        let mut out = self.interview_consent_problems(&book)?;
        let c = self.store.conn();
        if let Some(base) = self.reference.phases.first() {
            for later in self.reference.phases.iter().skip(1) {
                for row in crate::store::sessions::not_seen_at(c, base.number, later.number)? {
                    let state = book.in_force(&row.id, now).item(ConsentItem::FollowUp);
                    if state == ItemState::Yes {
                        continue;
                    }
                    out.push(ConsentProblem {
                        kind: "follow-up",
                        message: format!(
                            "{} (site {}) was seen at phase {} but follow-up contact is {}",
                            row.code,
                            row.site,
                            base.number,
                            state.as_str()
                        ),
                        action: format!(
                            "ask {} about contact for phase {} and record it with `consent record`",
                            row.code, later.number
                        ),
                        participant_id: row.id,
                        code: row.code,
                        session_id: None,
                        date: format_date(now),
                        items: vec![ItemProblem::new(ConsentItem::FollowUp, state)],
                    });
                }
            }
        }
        // Never asked: only participants with a consent record, by export code (the id and
        // code of every participant in one plain read, not the participant list's query).
        let mut with_records: Vec<(String, String)> =
            crate::store::participants::codes(self.store.conn())?
                .into_iter()
                .filter(|(id, _)| book.records.contains_key(id))
                .collect();
        with_records.sort_by(|a, b| a.1.cmp(&b.1));
        for (id, code) in with_records {
            let f = book.in_force(&id, now);
            let never: Vec<(ConsentItem, ItemState)> = ConsentItem::ALL
                .iter()
                .map(|i| (*i, f.item(*i)))
                .filter(|(_, st)| matches!(st, ItemState::NotAsked | ItemState::Unset))
                .collect();
            if never.is_empty() {
                continue;
            }
            let labels: Vec<&str> = never.iter().map(|(i, _)| i.label()).collect();
            out.push(ConsentProblem {
                kind: "never-asked",
                message: format!("{code}: never asked about {}", labels.join(", ")),
                action: format!("ask {code} and record the answers with `consent record {code} …`"),
                items: never
                    .iter()
                    .map(|(i, st)| ItemProblem::new(*i, *st))
                    .collect(),
                participant_id: id,
                code,
                session_id: None,
                date: format_date(now),
            });
        }
        Ok(out)
    }

    /// Completed interviews without consent to take part in force on their date, and
    /// recorded ones without consent to audio recording: the rule behind the `consent` and
    /// `audio-consent` gaps as well as the first part of [`Fieldwork::consent_problems`].
    pub(crate) fn interview_consent_problems(
        &self,
        book: &ConsentBook,
    ) -> Result<Vec<ConsentProblem>> {
        let mut out = Vec::new();
        for ip in crate::store::sessions::done_interview_participants(self.store.conn())? {
            let sid = &ip.session_id;
            let date = &ip.date;
            let code = &ip.code;
            let d = crate::domain::parse_date(date).map_err(|e| invalid("session.date", e))?;
            let f = book.in_force(&ip.participant_id, d);
            let short = sid.get(..8).unwrap_or(sid);
            let problem = |kind, item, message, action| ConsentProblem {
                kind,
                participant_id: ip.participant_id.clone(),
                code: code.clone(),
                session_id: Some(sid.clone()),
                date: date.clone(),
                items: vec![ItemProblem::new(item, f.item(item))],
                message,
                action,
            };
            if !f.allows(ConsentItem::TakePart) {
                out.push(problem(
                    "consent",
                    ConsentItem::TakePart,
                    format!(
                        "interview {short} on {date}: participant {code} had no consent to take part in force ({})",
                        f.item(ConsentItem::TakePart).as_str()
                    ),
                    format!(
                        "find the signed form and record it with `consent record {code} --date …`, or withdraw the data"
                    ),
                ));
            }
            if ip.recording_status.as_deref() == Some("recorded") && !f.allows(ConsentItem::Audio) {
                out.push(problem(
                    "audio-consent",
                    ConsentItem::Audio,
                    format!(
                        "interview {short} on {date} was recorded but {code} had not agreed to audio recording ({})",
                        f.item(ConsentItem::Audio).as_str()
                    ),
                    "check the consent form; delete the recording if consent was not given".into(),
                ));
            }
        }
        Ok(out)
    }

    /// All consent records and withdrawals, grouped by participant.
    pub fn consent_book(&self) -> Result<ConsentBook> {
        let c = self.store.conn();
        let mut book = ConsentBook::default();
        for r in store::all_records(c)? {
            book.records
                .entry(r.participant_id.clone())
                .or_default()
                .push(r);
        }
        for w in store::all_withdrawals(c)? {
            book.withdrawals
                .entry(w.participant_id.clone())
                .or_default()
                .push(w);
        }
        Ok(book)
    }

    /// Consent in force for a participant (by id) on a date: the one function everybody uses.
    pub fn consent_in_force(&self, participant_id: &str, date: Date) -> Result<ConsentInForce> {
        let c = self.store.conn();
        let records = store::records(c, participant_id)?;
        let withdrawals = store::withdrawals(c, participant_id)?;
        Ok(consent_in_force(&records, &withdrawals, date))
    }

    pub fn consent_records(&self, key: &str) -> Result<(Vec<ConsentRecord>, Vec<Withdrawal>)> {
        let id = self.resolve_participant(key)?;
        let c = self.store.conn();
        Ok((store::records(c, &id)?, store::withdrawals(c, &id)?))
    }

    /// Record a consent event (immutable). Consent to take part moves the participant to
    /// `consented` if they were earlier in the pipeline.
    pub fn record_consent(&mut self, key: &str, input: &ConsentInput) -> Result<ConsentRecord> {
        let pid = self.resolve_participant(key)?;
        let date = input.date.unwrap_or_else(today);
        if date > today() {
            return Err(invalid("date", "consent cannot be dated in the future"));
        }
        let form_hash = match &input.form_file {
            Some(p) => Some(
                sha256_file(p)
                    .map_err(|e| match e.kind() {
                        // A form file that is not there is bad input, not a runtime error.
                        std::io::ErrorKind::NotFound => {
                            invalid("form file", format!("{}: no such file", p.display()))
                        }
                        _ => io_err(format!("reading the consent form {}", p.display()))(e),
                    })?
                    .0,
            ),
            None => None,
        };
        let answers = [
            input.take_part,
            input.audio,
            input.quotes,
            input.archiving,
            input.follow_up,
        ];
        if answers.iter().all(Option::is_none) {
            return Err(invalid(
                "items",
                "a consent record needs at least one answered item (take part, audio, quotes, archiving, follow-up)",
            ));
        }
        let record = ConsentRecord {
            id: new_id(),
            participant_id: pid.clone(),
            form_version: clean(input.form_version.as_deref())
                .unwrap_or_else(|| self.reference.consent_form_version.clone()),
            form_hash,
            date,
            mode: input.mode.unwrap_or(ConsentMode::Written),
            taken_by: clean(input.taken_by.as_deref())
                .unwrap_or_else(|| self.settings.user.clone()),
            take_part: input.take_part,
            audio: input.audio,
            quotes: input.quotes,
            archiving: input.archiving,
            follow_up: input.follow_up,
            file_ref: clean(input.file_ref.as_deref()),
            recorded_at: now_utc(),
            recorded_by: self.settings.user.clone(),
        };
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        store::insert(&tx, &record)?;
        audit::record(
            &tx,
            &user,
            "consent",
            &record.id,
            "create",
            None,
            Some(&json(&record)),
        )?;
        if record.take_part == Some(Answer::Yes) {
            Self::change_status_tx(
                &tx,
                &pid,
                Status::Consented,
                date,
                Some("consent recorded".into()),
                &user,
                false,
            )?;
        }
        tx.commit()?;
        Ok(record)
    }

    /// Record a withdrawal (immutable) and set the participant's status to `withdrawn`.
    pub fn withdraw(
        &mut self,
        key: &str,
        scope: WithdrawalScope,
        date: Option<Date>,
        reason: Option<&str>,
    ) -> Result<Withdrawal> {
        let pid = self.resolve_participant(key)?;
        let date = date.unwrap_or_else(today);
        if date > today() {
            return Err(invalid(
                "date",
                "a withdrawal cannot be dated in the future",
            ));
        }
        let w = Withdrawal {
            id: new_id(),
            participant_id: pid.clone(),
            date,
            scope,
            reason: clean(reason),
            recorded_at: now_utc(),
            recorded_by: self.settings.user.clone(),
        };
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        store::insert_withdrawal(&tx, &w)?;
        audit::record(
            &tx,
            &user,
            "withdrawal",
            &w.id,
            "create",
            None,
            Some(&json(&w)),
        )?;
        Self::change_status_tx(
            &tx,
            &pid,
            Status::Withdrawn,
            date,
            Some(format!("withdrawal: {scope}")),
            &user,
            false,
        )?;
        tx.commit()?;
        Ok(w)
    }

    /// A participant's whole consent history: every consent record and withdrawal,
    /// corrected ones included, and the corrections (which record, why, by whom). Readers
    /// that decide consent use [`Fieldwork::consent_records`], which leaves corrected
    /// records out.
    pub fn consent_history(&self, key: &str) -> Result<ConsentHistory> {
        let id = self.resolve_participant(key)?;
        let c = self.store.conn();
        Ok(ConsentHistory {
            records: store::records_with_corrected(c, &id)?,
            withdrawals: store::withdrawals_with_corrected(c, &id)?,
            corrections: store::corrections(c, &id)?,
        })
    }

    /// The consent record or withdrawal `key` (its id or a unique prefix of 6+ characters):
    /// (`consent` or `withdrawal`, id, participant id).
    pub fn resolve_consent_record(&self, key: &str) -> Result<(&'static str, String, String)> {
        resolve_record(self.store.conn(), key)
    }

    /// Mark a consent record or a withdrawal (`record`: its id or a unique prefix) as
    /// entered in error. Both are immutable, so this adds a correcting record instead of
    /// changing them; from then on nothing that decides consent (consent in force, the
    /// consent book, consent problems, export eligibility, quotes, coverage) counts the
    /// corrected record, and the history lists it as corrected. Correcting a withdrawal
    /// also puts the participant's status back to what it was before the withdrawal (a new
    /// status event that names the correction) unless another withdrawal stands. Refused
    /// without a reason and for a record already corrected. This is also the undo of a
    /// consent record or a withdrawal.
    pub fn correct_consent(&mut self, record: &str, reason: &str) -> Result<Correction> {
        let Some(reason) = clean(Some(reason)) else {
            return Err(invalid(
                "reason",
                "a correction needs a reason (why the record was entered in error)",
            ));
        };
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        // The record and whether it is corrected already are read inside the write.
        let (kind, id, pid) = resolve_record(&tx, record)?;
        if let Some(done) = store::correction_of(&tx, &id)? {
            return Err(ServiceError::Refused(format!(
                "{kind} record {} was already corrected on {} by {} ({}); nothing was written",
                short(&id),
                done.corrected_at,
                done.corrected_by,
                done.reason
            )));
        }
        let correction = Correction {
            id: new_id(),
            record_kind: kind.to_string(),
            record_id: id.clone(),
            participant_id: pid.clone(),
            reason: reason.clone(),
            corrected_at: now_utc(),
            corrected_by: user.clone(),
        };
        store::insert_correction(&tx, &correction)?;
        let before = if kind == "consent" {
            store::records_with_corrected(&tx, &pid)?
                .into_iter()
                .find(|r| r.id == id)
                .map(|r| json(&r))
        } else {
            store::withdrawals_with_corrected(&tx, &pid)?
                .into_iter()
                .find(|w| w.id == id)
                .map(|w| json(&w))
        };
        audit::record(
            &tx,
            &user,
            kind,
            &id,
            "corrected",
            before.as_ref(),
            Some(&json(&correction)),
        )?;
        if kind == "withdrawal" && store::withdrawals(&tx, &pid)?.is_empty() {
            let row = crate::store::participants::row(&tx, &pid)?;
            if row.as_ref().map(|r| r.status.as_str()) == Some(Status::Withdrawn.as_str()) {
                // The status the participant had before they were withdrawn.
                let back = crate::store::participants::events(&tx, &pid)?
                    .into_iter()
                    .rev()
                    .find(|e| e.to_status == Status::Withdrawn)
                    .and_then(|e| e.from_status)
                    .unwrap_or(Status::Identified);
                Self::change_status_tx(
                    &tx,
                    &pid,
                    back,
                    crate::domain::today(),
                    Some(format!("withdrawal corrected: entered in error — {reason}")),
                    &user,
                    true,
                )?;
            }
        }
        tx.commit()?;
        Ok(correction)
    }

    /// Consent in force on `date` for a page of participants (the consent pane).
    pub fn consent_overview(
        &self,
        filter: &crate::domain::ParticipantFilter,
        date: Date,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<ConsentRow>> {
        Ok(self
            .participants_with_consent(filter, date, offset, limit)?
            .into_iter()
            .map(|(_, row)| row)
            .collect())
    }
}

/// A participant's consent history, corrected records included (see
/// [`Fieldwork::consent_history`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsentHistory {
    pub records: Vec<ConsentRecord>,
    pub withdrawals: Vec<Withdrawal>,
    pub corrections: Vec<Correction>,
}

impl ConsentHistory {
    /// The correction of a record, if it was corrected.
    pub fn correction(&self, record_id: &str) -> Option<&Correction> {
        self.corrections.iter().find(|c| c.record_id == record_id)
    }
}

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

fn resolve_record(c: &rusqlite::Connection, key: &str) -> Result<(&'static str, String, String)> {
    let mut hits = store::resolve_record(c, key)?;
    match hits.len() {
        0 => Err(ServiceError::NotFound {
            what: "consent or withdrawal record",
            key: key.trim().to_string(),
        }),
        1 => Ok(hits.remove(0)),
        _ => Err(ServiceError::Ambiguous {
            what: "consent or withdrawal record",
            key: key.trim().to_string(),
            candidates: hits
                .iter()
                .map(|(_, id, _)| short(id))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
