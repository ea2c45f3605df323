//! Consent problems: participants never asked for an item, interviews without consent.

use time::Date;

use crate::domain::{format_date, today, ConsentItem, ItemState};
use crate::service::{invalid, Fieldwork, Result};

use super::read::ConsentBook;

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
}
