//! Computing agreement between two coders over the transcripts both coded.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::types::*;
use crate::domain::agreement::{self as stats, CharTable, Side};
use crate::service::{invalid, Fieldwork, Result, ServiceError};
use crate::store::agreement::{self as store, CodedSpan};
use crate::store::coding as coding_store;

impl Fieldwork {
    /// The coders of passage tags, with how many each made.
    pub fn coders(&self) -> Result<Vec<(String, i64)>> {
        Ok(store::coders(self.store.conn())?)
    }

    /// The two coders to compare: as given, or the only two there are.
    pub(super) fn pick_coders(&self, given: Option<&(String, String)>) -> Result<(String, String)> {
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
    pub(super) fn interview_labels(&self, ids: &HashSet<&str>) -> Result<HashMap<String, String>> {
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
}
