//! Inter-coder agreement over double-coded transcripts, the settling of disagreements,
//! and blind coding. The statistics are in [`crate::domain::agreement`]; see
//! docs/agreement.md.
//!
//! A transcript is compared when both coders have passage tags on it, all made on the same
//! text (the same sha256) and all still anchored where they were made; the others are
//! listed as excluded with the reason. Per theme, the units are the characters of the
//! compared transcripts; a coder codes a character when any of their tags of the theme
//! covers it. Pooled figures sum the themes' tables.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{invalid, json, Fieldwork, Result, ServiceError};
use crate::domain::agreement::{self as stats, CharTable, Side};
use crate::domain::anchor::char_slice;
use crate::domain::{new_id, now_utc};
use crate::store::agreement::{self as store, CodedSpan};
use crate::store::{audit, coding as coding_store, themes as theme_store};

/// What to compare.
#[derive(Debug, Clone, Default)]
pub struct AgreementQuery {
    /// The two coders (else the two coders of passage tags, if there are exactly two).
    pub coders: Option<(String, String)>,
    /// Only this theme.
    pub theme: Option<String>,
    /// Only this interview.
    pub interview: Option<String>,
}

/// The figures of one character table.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Figures {
    pub table: CharTable,
    pub percent_agreement: Option<f64>,
    pub positive_agreement: Option<f64>,
    pub kappa: Option<f64>,
    pub alpha: Option<f64>,
}

impl Figures {
    pub fn of(table: CharTable) -> Figures {
        Figures {
            percent_agreement: table.percent_agreement(),
            positive_agreement: table.positive_agreement(),
            kappa: table.kappa(),
            alpha: table.alpha(),
            table,
        }
    }
}

/// One theme's agreement.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeAgreement {
    pub theme_id: String,
    pub theme: String,
    #[serde(flatten)]
    pub figures: Figures,
    /// Passage tags of each coder on the compared transcripts.
    pub tags_a: usize,
    pub tags_b: usize,
    pub disagreements: usize,
}

/// A compared transcript.
#[derive(Debug, Clone, Serialize)]
pub struct ComparedTranscript {
    pub session_id: String,
    pub transcript_id: String,
    pub interview: String,
    pub sha256: String,
    pub chars: u64,
}

/// A transcript left out, and why.
#[derive(Debug, Clone, Serialize)]
pub struct ExcludedTranscript {
    pub session_id: String,
    pub transcript_id: String,
    pub interview: String,
    /// `only-a`, `only-b` or `different-text`.
    pub reason: String,
    pub detail: String,
}

/// A run of characters only one coder coded.
#[derive(Debug, Clone, Serialize)]
pub struct DisagreeingSpan {
    pub start: u64,
    pub end: u64,
    /// `a-only` or `b-only`.
    pub side: Side,
    /// The coder who coded it.
    pub coder: String,
    /// The transcript's text (raw: this is for the team, not an export).
    pub text: String,
}

/// A disagreement: overlapping tags of one theme on one transcript whose coding differs.
/// Settling acts on all of them at once.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    /// Stable while the tags are unchanged: settle with it.
    pub key: String,
    pub theme_id: String,
    pub theme: String,
    pub session_id: String,
    pub transcript_id: String,
    pub interview: String,
    pub start: u64,
    pub end: u64,
    pub tags_a: Vec<String>,
    pub tags_b: Vec<String>,
    pub spans: Vec<DisagreeingSpan>,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub coder_a: String,
    pub coder_b: String,
    pub transcripts: Vec<ComparedTranscript>,
    pub excluded: Vec<ExcludedTranscript>,
    pub units: u64,
    /// By theme, in codebook order.
    pub themes: Vec<ThemeAgreement>,
    pub pooled: Figures,
    pub disagreements: Vec<Disagreement>,
}

/// How to settle a disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Settle {
    /// Coder A's coding stands: B's tags there are replaced by copies of A's.
    KeepA,
    /// Coder B's coding stands.
    KeepB,
    /// Both codings stand: each coder gets copies of the other's tags there.
    KeepBoth,
    /// One passage over the whole disagreement, for each coder.
    Merge,
}

impl Settle {
    pub fn as_str(self) -> &'static str {
        match self {
            Settle::KeepA => "keep-a",
            Settle::KeepB => "keep-b",
            Settle::KeepBoth => "keep-both",
            Settle::Merge => "merge",
        }
    }
}

impl std::str::FromStr for Settle {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a" | "keep-a" => Ok(Settle::KeepA),
            "b" | "keep-b" => Ok(Settle::KeepB),
            "both" | "keep-both" => Ok(Settle::KeepBoth),
            "merge" => Ok(Settle::Merge),
            other => Err(format!(
                "`{other}` is not a way to settle; use a, b, both or merge"
            )),
        }
    }
}

/// What settling did.
#[derive(Debug, Clone, Serialize)]
pub struct SettleOutcome {
    pub key: String,
    pub settle: Settle,
    pub deleted: Vec<String>,
    pub created: Vec<String>,
}

/// The stable key of a group of tags.
fn key_of(transcript: &str, theme: &str, ids: &mut [String]) -> String {
    ids.sort();
    let mut h = Sha256::new();
    h.update(transcript.as_bytes());
    h.update(b"\0");
    h.update(theme.as_bytes());
    for id in ids.iter() {
        h.update(b"\0");
        h.update(id.as_bytes());
    }
    let d = h.finalize();
    d.iter().take(5).map(|b| format!("{b:02x}")).collect()
}

/// Character offset → byte offset, for slicing many runs out of one text.
struct CharIndex {
    text: String,
    bytes: Vec<usize>,
}

impl CharIndex {
    fn new(text: String) -> Self {
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        CharIndex { text, bytes }
    }
    fn slice(&self, start: u64, end: u64) -> &str {
        let n = self.bytes.len() - 1;
        let (s, e) = ((start as usize).min(n), (end as usize).min(n));
        &self.text[self.bytes[s]..self.bytes[e.max(s)]]
    }
}

impl Fieldwork {
    /// The coders of passage tags, with how many each made.
    pub fn coders(&self) -> Result<Vec<(String, i64)>> {
        Ok(store::coders(self.store.conn())?)
    }

    /// The two coders to compare: as given, or the only two there are.
    fn pick_coders(&self, given: Option<&(String, String)>) -> Result<(String, String)> {
        let known = self.coders()?;
        let names = || {
            known
                .iter()
                .map(|(c, n)| format!("{c} ({n})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match given {
            Some((a, b)) => {
                if a == b {
                    return Err(invalid("coders", "name two different coders"));
                }
                for c in [a, b] {
                    if !known.iter().any(|(k, _)| k == c) {
                        return Err(invalid(
                            "coders",
                            format!(
                                "`{c}` has coded no passage; coders: {}",
                                if known.is_empty() { "none".into() } else { names() }
                            ),
                        ));
                    }
                }
                Ok((a.clone(), b.clone()))
            }
            None if known.len() == 2 => Ok((known[0].0.clone(), known[1].0.clone())),
            None if known.is_empty() => Err(invalid(
                "coders",
                "agreement needs two coders of passages; nobody has coded a passage yet",
            )),
            None if known.len() == 1 => Err(invalid(
                "coders",
                format!(
                    "agreement needs two coders of passages; the only one is {} (a second codes with --coder NAME or $FIELDWORK_CODER)",
                    names()
                ),
            )),
            None => Err(invalid(
                "coders",
                format!("say which two with --coders A,B; coders: {}", names()),
            )),
        }
    }

    /// Interview labels ("CODE 2022-01-10"), by session id.
    fn interview_labels(&self, ids: &HashSet<&str>) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        for id in ids {
            let s = self.session(id)?;
            let codes: Vec<&str> = s.participants.iter().map(|p| p.code.as_str()).collect();
            let label = if codes.is_empty() {
                format!("{} {}", &s.id[..8.min(s.id.len())], s.date)
            } else {
                format!("{} {}", codes.join("+"), s.date)
            };
            out.insert(id.to_string(), label);
        }
        Ok(out)
    }

    /// Compare two coders' passage coding: per theme and pooled figures, and the
    /// disagreements with their text.
    pub fn agreement(&self, q: &AgreementQuery) -> Result<Agreement> {
        if self.blinded()? {
            return Err(ServiceError::Refused(format!(
                "blind coding is on and {} has not revealed the other coders' tags; \
                 agreement shows them: run `fieldwork agreement reveal` first",
                self.coder()
            )));
        }
        let (a, b) = self.pick_coders(q.coders.as_ref())?;
        let c = self.store.conn();
        let theme_filter = q
            .theme
            .as_deref()
            .map(|t| self.resolve_theme(t))
            .transpose()?;
        let session_filter = q
            .interview
            .as_deref()
            .map(|s| self.resolve_session(s))
            .transpose()?;
        // The codebook without tag counts (counting reads every tag).
        let codebook = self.codebook(true, false)?;
        let theme_order: HashMap<&str, (usize, &str)> = codebook
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), (i, t.path.as_str())))
            .collect();
        let imported: HashMap<String, store::ImportedText> = store::imported(c)?
            .into_iter()
            .map(|t| (t.transcript_id.clone(), t))
            .collect();

        let mut spans = store::coded_spans(c, &[&a, &b])?;
        if let Some(s) = &session_filter {
            spans.retain(|t| &t.session_id == s);
        }
        if let Some(s) = &session_filter {
            if !spans.iter().any(|t| &t.session_id == s) {
                return Err(invalid(
                    "interview",
                    format!("neither {a} nor {b} has coded a passage of this interview"),
                ));
            }
        }
        // Group by transcript.
        let mut by_transcript: BTreeMap<&str, Vec<&CodedSpan>> = BTreeMap::new();
        for s in &spans {
            by_transcript.entry(&s.transcript_id).or_default().push(s);
        }
        let history = if by_transcript.is_empty() {
            Vec::new()
        } else {
            store::import_history(c)?
        };
        let mut hist: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
        for (t, at, sha) in &history {
            hist.entry(t.as_str()).or_default().push((at, sha));
        }

        let mut compared: Vec<(&str, &store::ImportedText)> = Vec::new();
        let mut excluded_raw: Vec<(&str, &str, &'static str, String)> = Vec::new();
        for (tid, tags) in &by_transcript {
            let Some(imp) = imported.get(*tid) else {
                continue;
            };
            let has_a = tags.iter().any(|t| t.coder == a);
            let has_b = tags.iter().any(|t| t.coder == b);
            if !has_a || !has_b {
                let (reason, who) = if has_a {
                    ("only-a", &a)
                } else {
                    ("only-b", &b)
                };
                excluded_raw.push((
                    tid,
                    &imp.session_id,
                    reason,
                    format!("only {who} has coded it"),
                ));
                continue;
            }
            // The text each tag was made on: the last import before it.
            let versions = hist.get(*tid);
            let version_of = |t: &CodedSpan| -> String {
                versions
                    .and_then(|v| {
                        let i = v.partition_point(|(at, _)| *at <= t.created_at.as_str());
                        (i > 0).then(|| v[i - 1].1.to_string())
                    })
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| imp.sha256.clone())
            };
            let moved = tags.iter().filter(|t| t.anchor != "ok").count();
            let shas: HashSet<String> = tags.iter().map(|t| version_of(t)).collect();
            if moved > 0 || shas.len() > 1 {
                let detail = if moved > 0 {
                    format!("{moved} passage(s) were moved by a re-import of the text (`passage review`)")
                } else {
                    "the coders coded different versions of the text (it was re-imported in between)".to_string()
                };
                excluded_raw.push((tid, &imp.session_id, "different-text", detail));
                continue;
            }
            compared.push((tid, imp));
        }
        let mut session_ids: HashSet<&str> = compared
            .iter()
            .map(|(_, i)| i.session_id.as_str())
            .collect();
        session_ids.extend(excluded_raw.iter().map(|e| e.1));
        let labels = self.interview_labels(&session_ids)?;
        let label = |s: &str| labels.get(s).cloned().unwrap_or_default();

        // Per theme, per compared transcript: the sweep.
        let themes_used: Vec<&str> = {
            let mut set: HashSet<&str> = HashSet::new();
            for (tid, _) in &compared {
                for t in &by_transcript[tid] {
                    set.insert(&t.theme_id);
                }
            }
            if let Some(t) = &theme_filter {
                set.retain(|x| *x == t.id);
                set.insert(&t.id);
            }
            let mut v: Vec<&str> = set.into_iter().collect();
            v.sort_by_key(|id| theme_order.get(id).map(|x| x.0).unwrap_or(usize::MAX));
            v
        };
        let units: u64 = compared.iter().map(|(_, i)| i.chars).sum();
        let mut tables: HashMap<&str, (CharTable, usize, usize, usize)> = themes_used
            .iter()
            .map(|t| (*t, (CharTable::default(), 0, 0, 0)))
            .collect();
        let mut disagreements = Vec::new();
        for (tid, imp) in &compared {
            let tags = &by_transcript[tid];
            // The text, read once per transcript and only if a theme disagrees on it.
            let mut index: Option<CharIndex> = None;
            // Tags are sorted by theme: walk each theme's group.
            let mut by_theme: HashMap<&str, Vec<&CodedSpan>> = HashMap::new();
            for t in tags.iter() {
                if tables.contains_key(t.theme_id.as_str()) {
                    by_theme.entry(&t.theme_id).or_default().push(t);
                }
            }
            for theme in &themes_used {
                let group = by_theme.get(theme).map(Vec::as_slice).unwrap_or(&[]);
                let mut sa: Vec<(u64, u64)> = Vec::new();
                let mut sb: Vec<(u64, u64)> = Vec::new();
                for t in group {
                    let span = (t.start.min(imp.chars), t.end.min(imp.chars));
                    if t.coder == a {
                        sa.push(span);
                    } else {
                        sb.push(span);
                    }
                }
                let entry = tables.get_mut(theme).expect("theme listed");
                entry.1 += sa.len();
                entry.2 += sb.len();
                let (t, runs) =
                    stats::table(&stats::union(&mut sa), &stats::union(&mut sb), imp.chars);
                entry.0.add(&t);
                if runs.is_empty() {
                    continue;
                }
                // Clusters: tags joined by overlap or touch, in start order.
                let mut clusters: Vec<(u64, u64, Vec<&CodedSpan>)> = Vec::new();
                for t in group {
                    match clusters.last_mut() {
                        Some(cl) if t.start <= cl.1 => {
                            cl.1 = cl.1.max(t.end);
                            cl.2.push(t);
                        }
                        _ => clusters.push((t.start, t.end, vec![t])),
                    }
                }
                if index.is_none() {
                    let text: String = coding_store::turns(c, tid)?
                        .iter()
                        .map(|t| t.text.as_str())
                        .collect();
                    index = Some(CharIndex::new(text));
                }
                let index = index.as_ref().expect("read above");
                let mut r = 0;
                for (cs, ce, members) in clusters {
                    let mut mine = Vec::new();
                    while r < runs.len() && runs[r].0 < ce {
                        if runs[r].1 > cs {
                            mine.push(runs[r]);
                        }
                        r += 1;
                    }
                    if mine.is_empty() {
                        continue;
                    }
                    entry.3 += 1;
                    let tags_a: Vec<String> = members
                        .iter()
                        .filter(|t| t.coder == a)
                        .map(|t| t.id.clone())
                        .collect();
                    let tags_b: Vec<String> = members
                        .iter()
                        .filter(|t| t.coder == b)
                        .map(|t| t.id.clone())
                        .collect();
                    let mut ids: Vec<String> = tags_a.iter().chain(&tags_b).cloned().collect();
                    disagreements.push(Disagreement {
                        key: key_of(tid, theme, &mut ids),
                        theme_id: theme.to_string(),
                        theme: theme_order
                            .get(theme)
                            .map(|x| x.1)
                            .unwrap_or("")
                            .to_string(),
                        session_id: imp.session_id.clone(),
                        transcript_id: tid.to_string(),
                        interview: label(&imp.session_id),
                        start: cs,
                        end: ce,
                        tags_a,
                        tags_b,
                        spans: mine
                            .into_iter()
                            .map(|(s, e, side)| DisagreeingSpan {
                                start: s,
                                end: e,
                                side,
                                coder: if side == Side::AOnly {
                                    a.clone()
                                } else {
                                    b.clone()
                                },
                                text: index.slice(s, e).to_string(),
                            })
                            .collect(),
                    });
                }
            }
        }
        let mut pooled = CharTable::default();
        let themes: Vec<ThemeAgreement> = themes_used
            .iter()
            .map(|t| {
                let (table, na, nb, nd) = tables[t];
                pooled.add(&table);
                ThemeAgreement {
                    theme_id: t.to_string(),
                    theme: theme_order.get(t).map(|x| x.1).unwrap_or("").to_string(),
                    figures: Figures::of(table),
                    tags_a: na,
                    tags_b: nb,
                    disagreements: nd,
                }
            })
            .collect();
        Ok(Agreement {
            transcripts: compared
                .iter()
                .map(|(tid, imp)| ComparedTranscript {
                    session_id: imp.session_id.clone(),
                    transcript_id: tid.to_string(),
                    interview: label(&imp.session_id),
                    sha256: imp.sha256.clone(),
                    chars: imp.chars,
                })
                .collect(),
            excluded: excluded_raw
                .into_iter()
                .map(|(tid, sid, reason, detail)| ExcludedTranscript {
                    session_id: sid.to_string(),
                    transcript_id: tid.to_string(),
                    interview: label(sid),
                    reason: reason.to_string(),
                    detail,
                })
                .collect(),
            units,
            themes,
            pooled: Figures::of(pooled),
            disagreements,
            coder_a: a,
            coder_b: b,
        })
    }

    /// Settle a disagreement (by its key, or a unique prefix of it) between the two
    /// coders: the tags change as `how` says, in one transaction, with an audit entry for
    /// each tag and one for the settling (what the tags were, what was chosen).
    pub fn settle(
        &mut self,
        coders: Option<(String, String)>,
        key: &str,
        how: Settle,
    ) -> Result<SettleOutcome> {
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() {
            return Err(invalid("disagreement", "give the key `agreement` lists"));
        }
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        // Read what it changes inside the transaction.
        let ag = self.agreement(&AgreementQuery {
            coders,
            ..Default::default()
        })?;
        let found: Vec<&Disagreement> = ag
            .disagreements
            .iter()
            .filter(|d| d.key.starts_with(&key))
            .collect();
        let d = match found.as_slice() {
            [one] => *one,
            [] => {
                return Err(ServiceError::NotFound {
                    what: "disagreement",
                    key,
                })
            }
            many => {
                return Err(ServiceError::Ambiguous {
                    what: "disagreement",
                    key,
                    candidates: many
                        .iter()
                        .map(|d| d.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        let rows = |ids: &[String]| -> Result<Vec<theme_store::TagRow>> {
            ids.iter()
                .map(|id| {
                    theme_store::tag_row(&tx, id)?.ok_or(ServiceError::NotFound {
                        what: "tag",
                        key: id.clone(),
                    })
                })
                .collect()
        };
        let ra = rows(&d.tags_a)?;
        let rb = rows(&d.tags_b)?;
        let text: String = coding_store::turns(&tx, &d.transcript_id)?
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        let now = now_utc();
        let mut deleted = Vec::new();
        let mut created = Vec::new();
        let delete = |row: &theme_store::TagRow, deleted: &mut Vec<String>| -> Result<()> {
            theme_store::delete_tag(&tx, &row.id)?;
            audit::record(&tx, &user, "tag", &row.id, "delete", Some(&json(row)), None)?;
            deleted.push(row.id.clone());
            Ok(())
        };
        let copy = |from: &theme_store::TagRow,
                    coder: &str,
                    span: (u64, u64),
                    created: &mut Vec<String>|
         -> Result<()> {
            let (s, e) = (span.0 as usize, span.1 as usize);
            let row = theme_store::TagRow {
                id: new_id(),
                theme_id: from.theme_id.clone(),
                original_theme_id: from.original_theme_id.clone(),
                session_id: from.session_id.clone(),
                transcript_id: from.transcript_id.clone(),
                span_start: Some(s as i64),
                span_end: Some(e as i64),
                quote: Some(char_slice(&text, s, e)),
                memo: from.memo.clone(),
                created_at: now.clone(),
                created_by: user.clone(),
                coder: coder.to_string(),
            };
            Self::create_tag_tx(&tx, &row, &user)?;
            let prefix = char_slice(&text, s.saturating_sub(40), s);
            let suffix = char_slice(&text, e, e + 40);
            coding_store::set_context(&tx, &row.id, &prefix, &suffix)?;
            created.push(row.id);
            Ok(())
        };
        let span_of = |r: &theme_store::TagRow| {
            (
                r.span_start.unwrap_or(0).max(0) as u64,
                r.span_end.unwrap_or(0).max(0) as u64,
            )
        };
        match how {
            Settle::KeepA | Settle::KeepB => {
                let (keep, drop, to) = if how == Settle::KeepA {
                    (&ra, &rb, &ag.coder_b)
                } else {
                    (&rb, &ra, &ag.coder_a)
                };
                for r in drop {
                    delete(r, &mut deleted)?;
                }
                for r in keep {
                    copy(r, to, span_of(r), &mut created)?;
                }
            }
            Settle::KeepBoth => {
                for r in &ra {
                    copy(r, &ag.coder_b, span_of(r), &mut created)?;
                }
                for r in &rb {
                    copy(r, &ag.coder_a, span_of(r), &mut created)?;
                }
            }
            Settle::Merge => {
                let first = ra
                    .first()
                    .or(rb.first())
                    .cloned()
                    .ok_or_else(|| invalid("disagreement", "it has no tags left to merge"))?;
                for r in ra.iter().chain(&rb) {
                    delete(r, &mut deleted)?;
                }
                let span = (d.start, d.end);
                copy(&first, &ag.coder_a, span, &mut created)?;
                copy(&first, &ag.coder_b, span, &mut created)?;
            }
        }
        audit::record(
            &tx,
            &user,
            "agreement",
            &d.key,
            "settle",
            Some(&serde_json::json!({
                "coder_a": ag.coder_a, "coder_b": ag.coder_b, "theme": d.theme,
                "transcript_id": d.transcript_id, "tags_a": ra, "tags_b": rb,
            })),
            Some(&serde_json::json!({
                "settle": how.as_str(), "deleted": deleted, "created": created,
            })),
        )?;
        tx.commit()?;
        Ok(SettleOutcome {
            key: d.key.clone(),
            settle: how,
            deleted,
            created,
        })
    }

    /// Whether this connection's coder sees only their own passage tags (blind coding on,
    /// not yet revealed).
    pub fn blinded(&self) -> Result<bool> {
        if !self.coding.blind {
            return Ok(false);
        }
        Ok(!store::revealed(self.store.conn(), &self.coder())?)
    }

    /// Reveal the other coders' tags to this coder (blind coding), with an audit entry.
    /// Returns false when they were already revealed.
    pub fn reveal(&mut self) -> Result<bool> {
        let coder = self.coder();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        if store::revealed(&tx, &coder)? {
            return Ok(false);
        }
        audit::record(
            &tx,
            &user,
            "coder",
            &coder,
            "reveal",
            None,
            Some(&serde_json::json!({"coder": coder, "blind": self.coding.blind})),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Keep only what the current coder may see under blind coding.
    pub(crate) fn blind_filter<T>(
        &self,
        rows: Vec<T>,
        coder_of: impl Fn(&T) -> &str,
    ) -> Result<Vec<T>> {
        if !self.blinded()? {
            return Ok(rows);
        }
        let me = self.coder();
        Ok(rows.into_iter().filter(|r| coder_of(r) == me).collect())
    }
}

/// A transcript read for [`Fieldwork::add_coded_passages`]: its text, its id, and the
/// (theme, start, end, coder) of the passages it has.
type Loaded = (CharIndex, String, HashSet<(String, i64, i64, String)>);

/// A passage tag to add with a given coder (reading codings back from a REFI-QDA project).
#[derive(Debug, Clone)]
pub struct CodedPassage {
    pub session_id: String,
    pub theme_id: String,
    /// Character offsets in the transcript's text.
    pub start: usize,
    pub end: usize,
    pub coder: String,
}

impl Fieldwork {
    /// Add passage tags with their coders, in one transaction that reads the transcripts
    /// and the tags already there inside itself; a tag with the same theme, span and coder
    /// is skipped. Every passage is checked before anything is written (the span inside
    /// the text, the theme active). Returns (added, skipped); `dry_run` writes nothing.
    pub fn add_coded_passages(
        &mut self,
        list: &[CodedPassage],
        dry_run: bool,
    ) -> Result<(usize, usize)> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let active: HashSet<String> = self
            .codebook(false, false)?
            .into_iter()
            .map(|t| t.id)
            .collect();
        let mut views: HashMap<&str, Loaded> = HashMap::new();
        let mut problems = Vec::new();
        let mut todo = Vec::new();
        let mut skipped = 0;
        for (i, p) in list.iter().enumerate() {
            if !views.contains_key(p.session_id.as_str()) {
                let v = self.transcript_view_all(&p.session_id)?;
                let have = v
                    .passages
                    .iter()
                    .map(|x| {
                        (
                            x.theme_id.clone(),
                            x.span_start,
                            x.span_end,
                            x.coder.clone(),
                        )
                    })
                    .collect();
                let text = v.text();
                views.insert(&p.session_id, (CharIndex::new(text), v.transcript.id, have));
            }
            let (index, transcript, have) = views.get_mut(p.session_id.as_str()).expect("read");
            let len = index.bytes.len() - 1;
            if p.start >= p.end || p.end > len {
                problems.push(format!(
                    "coding {}: {}..{} is not a passage of the transcript (0..{len})",
                    i + 1,
                    p.start,
                    p.end
                ));
                continue;
            }
            if !active.contains(&p.theme_id) {
                problems.push(format!(
                    "coding {}: its code is a retired or merged theme; tag with an active theme",
                    i + 1
                ));
                continue;
            }
            let k = (
                p.theme_id.clone(),
                p.start as i64,
                p.end as i64,
                p.coder.clone(),
            );
            if !have.insert(k) {
                skipped += 1;
                continue;
            }
            todo.push((p, transcript.clone()));
        }
        if !problems.is_empty() {
            return Err(ServiceError::Import {
                file: "codings".into(),
                problems,
            });
        }
        if dry_run {
            return Ok((todo.len(), skipped));
        }
        let now = now_utc();
        for (p, transcript) in &todo {
            let (index, _, _) = &views[p.session_id.as_str()];
            let quote = index.slice(p.start as u64, p.end as u64).to_string();
            let prefix = index
                .slice(p.start.saturating_sub(40) as u64, p.start as u64)
                .to_string();
            let suffix = index.slice(p.end as u64, (p.end + 40) as u64).to_string();
            let row = theme_store::TagRow {
                id: new_id(),
                theme_id: p.theme_id.clone(),
                original_theme_id: p.theme_id.clone(),
                session_id: p.session_id.clone(),
                transcript_id: Some(transcript.clone()),
                span_start: Some(p.start as i64),
                span_end: Some(p.end as i64),
                quote: Some(quote),
                memo: None,
                created_at: now.clone(),
                created_by: user.clone(),
                coder: p.coder.clone(),
            };
            Self::create_tag_tx(&tx, &row, &user)?;
            coding_store::set_context(&tx, &row.id, &prefix, &suffix)?;
        }
        tx.commit()?;
        Ok((todo.len(), skipped))
    }
}
