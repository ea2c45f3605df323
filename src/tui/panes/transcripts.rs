//! Transcripts: the linkage of every interview.

use crate::domain::{SessionFilter, SessionKind};
use crate::service::{Fieldwork, Result};
use crate::tui::worker::Work;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};

use crate::service::transcripts::TranscriptRow;
use crate::tui::core::keys::Cmd;
use crate::tui::core::*;
use crate::tui::core::{Cx, Look, State};
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{cell, VTable};
use crate::tui::widgets::text::{esc, pii};

/// `root`: the transcripts root, shown in the title.
pub fn render(v: &Look, st: &Paged<TranscriptRow>, root: &str, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let title = format!(
        " Transcripts {}/{} (root: {}){} ",
        if st.total == 0 { 0 } else { st.selected + 1 },
        st.total,
        if v.privacy {
            crate::tui::widgets::text::MASK.to_string()
        } else {
            esc(root)
        },
        v.find_label()
    );
    let t = VTable {
        title,
        header: vec![
            "Date",
            "Ph",
            "Site",
            "Participants",
            "State",
            "Text",
            "File",
            "Format",
            "Verified",
        ],
        widths: vec![
            Constraint::Length(10),
            Constraint::Length(2),
            Constraint::Length(4),
            Constraint::Length(16),
            Constraint::Length(8),
            Constraint::Length(16),
            Constraint::Fill(3),
            Constraint::Length(6),
            Constraint::Length(20),
        ],
        focused: true,
    };
    t.render(st, area, buf, th, |r| {
        let style = match r.state.as_str() {
            "linked" => th.ok(),
            "none" => th.dim(),
            "moved" => th.warn(),
            _ => th.bad(),
        };
        let (file, format, verified) = match &r.transcript {
            Some(t) => (
                pii(v.privacy, &t.path),
                t.format.clone(),
                t.verified_at.clone().unwrap_or_default(),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        vec![
            cell(r.date.clone(), Default::default()),
            cell(r.phase.to_string(), Default::default()),
            cell(esc(&r.site), Default::default()),
            cell(r.participants.join(", "), Default::default()),
            cell(r.state.clone(), style),
            cell(
                match r.words {
                    Some(w) => format!("{w} w, {} tags", r.passages),
                    None if r.transcript.is_some() => "not imported".into(),
                    None => String::new(),
                },
                if r.words.is_some() {
                    Default::default()
                } else {
                    th.dim()
                },
            ),
            cell(file, Default::default()),
            cell(esc(&format), Default::default()),
            cell(esc(&verified), th.dim()),
        ]
    });
}

/// The pane's window at its selection (`Slow::Page(Pane::Transcripts)`): the count of
/// interviews and two pages of rows; the window there follows if the selection moved on.
pub fn page_work(s: &State) -> Work {
    let l = &s.transcripts;
    let (start, n) = (l.window_start(), l.window_len());
    Box::new(move |fw| {
        let total = fw.session_count(&SessionFilter {
            kind: Some(SessionKind::Interview),
            ..Default::default()
        })?;
        let rows = fw.transcript_rows(start, n)?;
        Ok(Box::new(move |s: &mut State| {
            s.transcripts.place(total, rows, start);
            let more = s.transcripts.needs_load();
            s.after_page(Pane::Transcripts, more);
        }))
    })
}

/// The session ids of `n` rows from `offset` (locating a record in the list).
pub fn ids(fw: &Fieldwork, offset: usize, n: usize) -> Result<Vec<String>> {
    Ok(fw
        .transcript_rows(offset, n)?
        .into_iter()
        .map(|x| x.session_id)
        .collect())
}

/// `n` rows from `offset` searched for the `/` query (`hit` on what a row shows: date,
/// participants, site, state, the transcript's path): (rows read, the first match).
pub fn find_page(
    fw: &Fieldwork,
    offset: usize,
    n: usize,
    hit: &dyn Fn(&[&str]) -> bool,
) -> Result<(usize, Option<usize>)> {
    let rows = fw.transcript_rows(offset, n)?;
    let at = rows.iter().position(|x| {
        hit(&[
            &x.date,
            &x.participants.join(" "),
            &x.site,
            &x.state,
            x.transcript.as_ref().map_or("", |t| t.path.as_str()),
        ])
    });
    Ok((rows.len(), at))
}

/// The Transcripts pane's commands (bound in `keys`): state changes and at most one effect.
pub fn command(cx: &mut Cx, st: &mut Paged<TranscriptRow>, cmd: Cmd) -> Option<Effect> {
    match cmd {
        Cmd::LinkTranscript => {
            let Some(t) = st.current() else {
                cx.error("no interview selected");
                return None;
            };
            let sid = t.session_id.clone();
            let f = Form::new(
                format!(
                    "Link a transcript to the interview of {} ({})",
                    t.date,
                    t.participants.join(", ")
                ),
                vec![
                    Field::path("path", "File").required(),
                    Field::choice(
                        "replace",
                        "Existing link",
                        vec![
                            ("no".into(), "keep (refuse)".into()),
                            ("yes".into(), "replace".into()),
                        ],
                    )
                    .with(if t.transcript.is_some() { "yes" } else { "no" }),
                ],
            );
            cx.open_form(FormKind::Link { sid }, f);
            None
        }
        Cmd::Verify => Some(Effect::Write(Write::Verify { relink: false })),
        Cmd::Relink => {
            cx.ask(
                "Relink every moved transcript file to where its hash is found under the transcripts root?".into(),
                Write::Verify { relink: true },
            );
            None
        }
        _ => None,
    }
}

/// Its forms, submitted: the write they ask for.
pub fn submit(kind: FormKind, f: Form) -> Option<Effect> {
    let w = match kind {
        FormKind::Link { sid } => Write::LinkTranscript {
            sid,
            path: f.get("path"),
            replace: f.get("replace") == "yes",
        },
        _ => return None,
    };
    Some(Effect::Write(w))
}

/// The Transcripts pane's keys (assembled by `keymap`, in the order the help shows them).
pub mod keys {
    #![allow(unused_imports)]
    use ratatui::crossterm::event::KeyCode as K;

    use crate::tui::core::keys::{b, ch, code, ctrl, Binding, Cmd as C, Ctx};
    use crate::tui::core::pane::Pane;
    use crate::tui::panes::coding::state::CodingCmd;

    pub static KEYS: &[Binding] = &[
        // Transcripts
        b!(
            Ctx::Pane(Pane::Transcripts),
            [ch('/')],
            C::Search,
            "search: jump to the first interview matching (date, code, site, state, path)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Transcripts),
            [ch('l')],
            C::LinkTranscript,
            "link a transcript file to the interview",
            true
        ),
        b!(
            Ctx::Pane(Pane::Transcripts),
            [ch('v')],
            C::Verify,
            "re-verify every linked file (hashes them)",
            true
        ),
        b!(
            Ctx::Pane(Pane::Transcripts),
            [ch('R')],
            C::Relink,
            "relink moved files found by their hash (asks to confirm)",
            true
        ),
        b!(
            Ctx::Pane(Pane::Transcripts),
            [code(K::Enter)],
            C::Coding(CodingCmd::OpenTranscript),
            "read and tag the imported text in the Viewer",
            true
        ),
        b!(
            Ctx::Pane(Pane::Transcripts),
            [ch('i')],
            C::Coding(CodingCmd::Import),
            "import the linked file's text (re-import keeps tagged passages anchored; a re-import asks to confirm)",
            true
        ),
        b!(
            Ctx::Pane(Pane::Transcripts),
            [ch('I')],
            C::Coding(CodingCmd::ImportAll),
            "import every transcript file under the transcripts root (naming pattern; asks to confirm)",
            false
        ),
    ];
}
