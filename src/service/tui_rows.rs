//! Lists shaped for the terminal interface (no UI here): a page of participants with their
//! consent in force, in one list query plus two indexed lookups per row.

use time::Date;

use super::consent::ConsentRow;
use super::{Fieldwork, Result};
use crate::domain::redact;
use crate::domain::{consent_in_force, ConsentItem, Participant, ParticipantFilter};
use crate::store::consent as cstore;

impl Fieldwork {
    /// Participants (as `participants`) each with their consent at a glance on `date`.
    pub fn participants_with_consent(
        &self,
        filter: &ParticipantFilter,
        date: Date,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<(Participant, ConsentRow)>> {
        let people = self.participants(filter, offset, limit)?;
        let c = self.store.conn();
        let mut out = Vec::with_capacity(people.len());
        for p in people {
            let records = cstore::records(c, &p.id)?;
            let withdrawals = cstore::withdrawals(c, &p.id)?;
            let f = consent_in_force(&records, &withdrawals, date);
            let row = ConsentRow {
                participant_id: p.id.clone(),
                code: p.code.clone(),
                name: p.name.clone(),
                site: p.site.clone(),
                status: p.status,
                items: ConsentItem::ALL.iter().map(|i| (*i, f.item(*i))).collect(),
                records: records.len(),
                withdrawn: withdrawals.last().map(|w| w.scope),
            };
            out.push((p, row));
        }
        Ok(out)
    }
}

/// What privacy mode hides in transcript text and search snippets: the redaction
/// register's entries, every direct identifier held in the database (names and each
/// given name and surname alone, emails, phones, organisations, job titles), and the
/// suspects the redaction's suspect finder reports (third parties' names, emails, phone
/// numbers… that are not in the register). Register entries and identifiers match as
/// whole words and phrases only (Unicode-normalised, case-insensitive, with the
/// register's own matcher): a job title "Quality Dashboard Lead" masks that phrase, not
/// every "quality" in the text.
pub struct PrivacyMasks {
    redactor: Option<super::redaction::Redactor>,
    direct: Option<redact::Matcher>,
}

impl std::fmt::Debug for PrivacyMasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivacyMasks").finish_non_exhaustive()
    }
}

/// The highlight markers search snippets carry around matched words (not text).
const MARKERS: [char; 2] = ['\u{E000}', '\u{E001}'];

impl PrivacyMasks {
    /// Character ranges of `text` to mask, sorted, possibly overlapping.
    pub fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        if let Some(r) = &self.redactor {
            let reps = r.matches(text);
            out.extend(reps.iter().map(|m| (m.start, m.end)));
            // Third parties: what the suspect finder would put on the review list.
            out.extend(
                r.suspects_beside(text, &reps)
                    .iter()
                    .map(|s| (s.start, s.end)),
            );
        }
        if let Some(m) = &self.direct {
            out.extend(m.find(text).iter().map(|m| (m.start, m.end)));
        }
        out.sort_unstable();
        out
    }

    /// `text` with every masked character (but spaces) shown as •. Search highlight
    /// markers are kept and do not break a phrase.
    pub fn mask(&self, text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        // The text without markers, and where each of its characters came from.
        let (clean, from): (String, Vec<usize>) = chars
            .iter()
            .enumerate()
            .filter(|(_, c)| !MARKERS.contains(c))
            .map(|(i, c)| (*c, i))
            .unzip();
        let r = self.ranges(&clean);
        if r.is_empty() {
            return text.to_string();
        }
        let mut hide = vec![false; chars.len()];
        for (a, b) in r {
            for k in a..b.min(from.len()) {
                hide[from[k]] = true;
            }
        }
        chars
            .iter()
            .zip(hide)
            .map(|(c, h)| if h && !c.is_whitespace() { '•' } else { *c })
            .collect()
    }
}

impl Fieldwork {
    /// The masks privacy mode applies to transcript text and search snippets.
    pub fn privacy_masks(&self) -> Result<PrivacyMasks> {
        let mut entities = Vec::new();
        for (kind, value) in self.identifiers_by_kind()? {
            let value = value.trim().to_string();
            if value.chars().count() < 3 {
                continue;
            }
            let mut variants = vec![value.clone()];
            if kind == "name" {
                // A person is named by parts too: each given name and surname alone
                // (hyphenated parts as well), title + surname, initial + surname.
                variants.extend(redact::person_variants(&value));
                for part in value.split(|c: char| c.is_whitespace() || c == '-') {
                    let letters = part.trim_matches(|c: char| !c.is_alphanumeric());
                    if letters.chars().count() >= 3
                        && letters.chars().next().is_some_and(char::is_uppercase)
                    {
                        variants.push(letters.to_string());
                    }
                }
            }
            entities.push(redact::Entity {
                id: String::new(),
                label: String::new(),
                variants,
            });
        }
        let direct = (!entities.is_empty()).then(|| redact::Matcher::new(&entities));
        Ok(PrivacyMasks {
            redactor: self.redactor().ok(),
            direct,
        })
    }
}

#[cfg(test)]
mod privacy_tests {
    use super::*;
    use crate::config::{self, ConsentPolicy};
    use crate::domain::ParticipantInput;
    use crate::service::Settings;

    fn fw() -> Fieldwork {
        let study = config::parse(config::DEFAULT_STUDY, "x").unwrap().study;
        let mut fw = Fieldwork::in_memory(
            &study,
            Settings {
                user: "t".into(),
                transcripts_root: ".".into(),
                consent_policy: ConsentPolicy::Refuse,
            },
        )
        .unwrap();
        let role = fw.reference.roles[0].code.clone();
        fw.add_participant(&ParticipantInput {
            name: Some("Wilhelmina Fairbrook-Osei".into()),
            email: Some("wfo@example.org".into()),
            organisation: Some("Eastmere Partnership Trust".into()),
            job_title: Some("Quality Dashboard Lead".into()),
            role: Some(role),
            site: Some("A".into()),
            ..Default::default()
        })
        .unwrap();
        fw
    }

    /// The masked characters of `text`, as the words they cover.
    fn masked(m: &PrivacyMasks, text: &str) -> String {
        m.mask(text)
    }

    #[test]
    fn job_title_words_inside_ordinary_text_are_not_masked_the_phrase_is() {
        let m = fw().privacy_masks().unwrap();
        let t = "the quality of the dashboard improved";
        assert_eq!(masked(&m, t), t, "ordinary words stay readable");
        assert_eq!(
            masked(&m, "our quality  dashboard\nlead said so"),
            "our •••••••  •••••••••\n•••• said so",
            "the job title as a phrase, in any case and spacing"
        );
        // Inside a longer word nothing is masked: whole words only.
        assert_eq!(masked(&m, "Qualityish dashboards"), "Qualityish dashboards");
    }

    #[test]
    fn names_and_their_parts_are_masked_as_whole_words() {
        let m = fw().privacy_masks().unwrap();
        // (The possessive may go too: the suspect finder sees the capitalised word.)
        let out = masked(&m, "Wilhelmina said Fairbrook-Osei's view; Osei agreed.");
        assert!(
            out.starts_with("•••••••••• said ••••••••••••••")
                && out.ends_with(" view; •••• agreed."),
            "{out}"
        );
        // "Osei" inside another word is not a name.
        assert_eq!(masked(&m, "Oseibridge"), "Oseibridge");
        assert_eq!(
            masked(
                &m,
                "the dr fairbrook-osei, of eastmere partnership trust: wfo@example.org"
            ),
            "the •• ••••••••••••••, of •••••••• ••••••••••• •••••: •••••••••••••••"
        );
    }

    #[test]
    fn third_party_suspects_are_masked() {
        let m = fw().privacy_masks().unwrap();
        // Not in the database, not in the register: the suspect finder's to catch.
        let t = "we asked Thaddeus Pemberworth, who rang from 07700 900123.";
        let out = masked(&m, t);
        assert!(!out.contains("Thaddeus"), "{out}");
        assert!(!out.contains("Pemberworth"), "{out}");
        assert!(!out.contains("900123"), "{out}");
        assert!(out.starts_with("we asked "), "{out}");
    }

    #[test]
    fn search_highlight_markers_do_not_break_a_phrase() {
        let m = fw().privacy_masks().unwrap();
        assert_eq!(
            masked(&m, "our \u{E000}Quality\u{E001} Dashboard Lead and quality"),
            "our \u{E000}•••••••\u{E001} ••••••••• •••• and quality"
        );
    }
}
