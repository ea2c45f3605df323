//! Render snapshots of every pane (TestBackend + insta), driven through `update`.

mod support;

use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{Mode, Pane, State};
use fieldwork::tui::coding::{AnalysisView, CodingCmd as CC};
use fieldwork::tui::keymap::Cmd;
use ratatui::style::Color;
use support::tui::{cmd, draw, state, text, typed};

fn setup(privacy: bool) -> (tempfile::TempDir, Fieldwork, State) {
    setup_with(privacy, support::small)
}

fn setup_with(
    privacy: bool,
    make: fn(&std::path::Path) -> Fieldwork,
) -> (tempfile::TempDir, Fieldwork, State) {
    let dir = tempfile::tempdir().unwrap();
    let fw = make(&dir.path().join("transcripts"));
    let s = state(&fw, privacy);
    (dir, fw, s)
}

macro_rules! snap {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"\bP[0-9A-HJKMNP-TV-Z]{4}\b", "PCODE"),
            (r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
            (r"\b[0-9a-f]{8}\b", "xxxxxxxx"),
            (r"\d{2}:\d{2}:\d{2}(\.\d+)?Z?", "hh:mm:ss"),
            (r"phase \d \((Baseline|Follow-up)\)|outside the phase windows", "[phase today]"),
            (r" +\d+ ms\b", " N ms"),
            (r"(Suspects to review \(\d+\) ·) +\d+", "$1 N"),
            (r"(Suspects to review: \d+ left ·) +\d+", "$1 N"),
            (r"\(\d+ ms\) *", "(N ms)"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

fn go(fw: &mut Fieldwork, s: &mut State, p: Pane) {
    cmd(fw, s, Cmd::Go(p));
}

#[test]
fn every_pane_at_120x40_and_small() {
    let (_d, mut fw, mut s) = setup(false);
    for p in Pane::ALL {
        go(&mut fw, &mut s, *p);
        assert!(
            s.message.as_ref().is_none_or(|m| !m.error),
            "{p:?}: {:?}",
            s.message
        );
        let name = p.title().to_lowercase();
        snap!(format!("{name}_120x40"), text(&s, 120, 40));
        snap!(format!("{name}_60x16"), text(&s, 60, 16));
        snap!(format!("{name}_80x24"), text(&s, 80, 24));
        snap!(format!("{name}_160x50"), text(&s, 160, 50));
    }
}

#[test]
fn privacy_mode_masks_every_name_on_every_pane() {
    let (_d, mut fw, mut s) = setup(true);
    let names = [
        "Alice",
        "Bob",
        "李小龙",
        "Zoë",
        "Evil",
        "Frank",
        "example.org",
        "Some Trust",
        "met at",
        "int1.txt",
        "Board meeting",
    ];
    for p in Pane::ALL {
        go(&mut fw, &mut s, *p);
        let screen = text(&s, 160, 50);
        for n in names {
            assert!(
                !screen.contains(n),
                "{n} visible in {p:?} with privacy on:\n{screen}"
            );
        }
    }
    // And in an edit form.
    go(&mut fw, &mut s, Pane::Participants);
    cmd(&mut fw, &mut s, Cmd::EditParticipant);
    let screen = text(&s, 160, 50);
    assert!(!screen.contains("Alice"), "{screen}");
    // Off again: names show, control characters escaped.
    cmd(&mut fw, &mut s, Cmd::Cancel);
    cmd(&mut fw, &mut s, Cmd::TogglePrivacy);
    let screen = text(&s, 160, 50);
    assert!(screen.contains("Alice Adams"));
    assert!(
        screen.contains("met at\\u{1b}[31m conf\\nsecond"),
        "{screen}"
    );
}

#[test]
fn tiny_terminals_say_too_small_and_never_panic() {
    let (_d, mut fw, mut s) = setup(false);
    let screen = text(&s, 20, 6);
    assert!(screen.contains("too small"), "{screen}");
    for p in Pane::ALL {
        go(&mut fw, &mut s, *p);
        for (w, h) in [
            (1, 1),
            (10, 3),
            (20, 6),
            (59, 11),
            (60, 12),
            (61, 13),
            (80, 24),
            (300, 100),
        ] {
            draw(&s, w, h);
        }
    }
    cmd(&mut fw, &mut s, Cmd::Help);
    draw(&s, 60, 12);
}

#[test]
fn overlays_help_form_confirm() {
    let (_d, mut fw, mut s) = setup(false);
    go(&mut fw, &mut s, Pane::Participants);
    cmd(&mut fw, &mut s, Cmd::Help);
    assert_eq!(s.mode, Mode::Help);
    snap!("help_120x40", text(&s, 120, 40));
    cmd(&mut fw, &mut s, Cmd::Cancel);
    cmd(&mut fw, &mut s, Cmd::AddParticipant);
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    snap!("add_form_invalid_120x40", text(&s, 120, 40));
    cmd(&mut fw, &mut s, Cmd::Cancel);
    go(&mut fw, &mut s, Pane::Themes);
    cmd(&mut fw, &mut s, Cmd::RetireTheme);
    assert_eq!(s.mode, Mode::Confirm);
    snap!("retire_confirm_120x40", text(&s, 120, 40));
}

#[test]
fn no_color_draws_without_colours() {
    let (_d, mut fw, mut s) = setup(false);
    go(&mut fw, &mut s, Pane::Coverage);
    s.theme = fieldwork::tui::theme::Theme::new(false);
    let t = draw(&s, 120, 40);
    let buf = t.backend().buffer();
    for y in 0..40 {
        for x in 0..120 {
            let st = buf[(x, y)].style();
            assert!(st.fg.is_none_or(|c| c == Color::Reset), "fg at {x},{y}");
            assert!(st.bg.is_none_or(|c| c == Color::Reset), "bg at {x},{y}");
        }
    }
    s.theme = fieldwork::tui::theme::Theme::new(true);
    let t = draw(&s, 120, 40);
    let coloured = (0..40).any(|y| {
        (0..120).any(|x| {
            t.backend().buffer()[(x, y)]
                .style()
                .fg
                .is_some_and(|c| c != Color::Reset)
        })
    });
    assert!(coloured);
}

#[test]
fn wide_characters_keep_columns_aligned() {
    let (_d, mut fw, mut s) = setup(false);
    go(&mut fw, &mut s, Pane::Participants);
    let t = draw(&s, 120, 40);
    let buf = t.backend().buffer();
    // The Site column starts at the same x on every row, whatever the name's width.
    let lines: Vec<String> = (0..40)
        .map(|y| {
            (0..120)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect();
    let rows: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("Trust") || l.contains("ICS") || l.contains("›"))
        .collect();
    assert!(rows.len() >= 6);
    let col = |l: &str, needle: &str| {
        l.chars()
            .take_while(|_| true)
            .collect::<String>()
            .find(needle)
    };
    let _ = col;
    // Cells, not bytes: find the x of the status column through the buffer.
    let status_x: Vec<u16> = (0..40)
        .filter_map(|y| {
            (0..70).find(|&x| {
                ["identified", "consented", "interviewed", "scheduled"]
                    .iter()
                    .any(|w| {
                        (0..w.len() as u16).all(|i| {
                            buf[(x + i.min(119 - x), y)].symbol() == &w[i as usize..i as usize + 1]
                        })
                    })
            })
        })
        .collect();
    assert!(status_x.len() >= 6, "{status_x:?}");
    assert!(status_x.windows(2).all(|w| w[0] == w[1]), "{status_x:?}");
}

fn screen_line<'a>(screen: &'a str, needle: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(needle))
}

#[test]
fn search_finds_word_forms_and_e_toggles_exact_words() {
    let (_d, mut fw, mut s) = setup_with(false, support::small_coded);
    go(&mut fw, &mut s, Pane::Search);
    cmd(&mut fw, &mut s, Cmd::Coding(CC::Query));
    // `shares` is not in the transcripts; `sharing` is, twice.
    typed(&mut fw, &mut s, "shares");
    cmd(&mut fw, &mut s, Cmd::SearchAccept);
    assert_eq!(s.coding.search.hits.len(), 2, "{:?}", s.coding.search.hits);
    let screen = text(&s, 120, 40);
    assert!(screen.contains("2 hit(s), best first"), "{screen}");
    assert!(!screen.contains("words=exact"), "{screen}");
    cmd(&mut fw, &mut s, Cmd::Coding(CC::SearchExact));
    assert!(s.coding.search.filter.exact);
    assert!(s.coding.search.hits.is_empty());
    let screen = text(&s, 120, 40);
    assert!(screen.contains("[words=exact]"), "{screen}");
    assert!(screen.contains("No hits."), "{screen}");
    cmd(&mut fw, &mut s, Cmd::Coding(CC::SearchExact));
    assert_eq!(s.coding.search.hits.len(), 2);
    // Punctuation is text, not FTS5 syntax: no error, just no hits.
    cmd(&mut fw, &mut s, Cmd::Coding(CC::Query));
    typed(&mut fw, &mut s, " Q3: 00:00:07");
    cmd(&mut fw, &mut s, Cmd::SearchAccept);
    assert!(s.coding.search.hits.is_empty());
    let screen = text(&s, 120, 40);
    assert!(screen.contains("No hits."), "{screen}");
    assert!(!screen.contains("no such column"), "{screen}");
    assert!(
        s.message.as_ref().is_none_or(|m| !m.error),
        "{:?}",
        s.message
    );
    // A query that is not valid says why on the error line, and the pane is not left
    // waiting for hits.
    cmd(&mut fw, &mut s, Cmd::Coding(CC::Query));
    typed(&mut fw, &mut s, " (board OR");
    cmd(&mut fw, &mut s, Cmd::SearchAccept);
    let m = s.message.as_ref().expect("an error line");
    assert!(m.error, "{m:?}");
    assert!(m.text.contains("is not closed"), "{}", m.text);
    let screen = text(&s, 120, 40);
    assert!(!screen.contains("searching"), "{screen}");
    assert!(s.coding.search.hits.is_empty());
}

#[test]
fn search_opens_the_viewer_and_a_selection_is_tagged_from_the_keyboard() {
    let (_d, mut fw, mut s) = setup_with(false, support::small_coded);
    go(&mut fw, &mut s, Pane::Search);
    snap!("search_empty_120x40", text(&s, 120, 40));
    cmd(&mut fw, &mut s, Cmd::Coding(CC::Query));
    assert_eq!(s.mode, Mode::Search);
    typed(&mut fw, &mut s, "sharing");
    cmd(&mut fw, &mut s, Cmd::SearchAccept);
    let hits = &s.coding.search.hits;
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(s.coding.search.ranked);
    snap!("search_hits_120x40", text(&s, 120, 40));
    snap!("search_hits_60x16", text(&s, 60, 16));
    // The hit in Frank Ford's remark.
    let i = hits
        .iter()
        .position(|h| h.snippet.contains("same about"))
        .unwrap();
    for _ in 0..i {
        cmd(&mut fw, &mut s, Cmd::Down);
    }
    let want = s.coding.search.hits[i]
        .snippet
        .replace(['\u{E000}', '\u{E001}'], "");
    cmd(&mut fw, &mut s, Cmd::Coding(CC::OpenHit));
    assert_eq!(s.pane, Pane::Viewer);
    let v = s.coding.viewer.as_ref().unwrap();
    // The cursor is on the hit's word, in the hit's turn.
    let at = v.text_of(v.word_start(v.cursor), v.word_end(v.cursor));
    assert!(
        want.to_lowercase().contains(&at.to_lowercase()),
        "{at} / {want}"
    );
    assert_eq!(at.to_lowercase().trim_matches('.'), "sharing");
    snap!("viewer_open_120x40", text(&s, 120, 40));
    snap!("viewer_open_60x16", text(&s, 60, 16));
    // Select three words back from the cursor ("about data sharing.").
    cmd(&mut fw, &mut s, Cmd::Coding(CC::Select));
    cmd(&mut fw, &mut s, Cmd::Coding(CC::PrevWord));
    cmd(&mut fw, &mut s, Cmd::Coding(CC::PrevWord));
    let v = s.coding.viewer.as_ref().unwrap();
    let (a, b) = v.selection().unwrap();
    assert_eq!(v.text_of(a, b), "about data sharing.");
    let screen = text(&s, 120, 40);
    assert!(screen.contains("selected 3 word(s)"), "{screen}");
    cmd(&mut fw, &mut s, Cmd::Coding(CC::TagSelection));
    assert_eq!(s.mode, Mode::Form);
    snap!("viewer_tag_form_120x40", text(&s, 120, 40));
    // Choose the second theme in the list, add a memo, save.
    cmd(&mut fw, &mut s, Cmd::FormRight);
    cmd(&mut fw, &mut s, Cmd::FormNext);
    cmd(&mut fw, &mut s, Cmd::FormNext);
    cmd(&mut fw, &mut s, Cmd::FormNext);
    typed(&mut fw, &mut s, "Frank on sharing");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal, "{:?}", s.message);
    let tagged: Vec<_> = fw
        .passages(None)
        .unwrap()
        .into_iter()
        .filter(|p| p.quote == "about data sharing.")
        .collect();
    assert_eq!(tagged.len(), 1, "{tagged:?}");
    assert_eq!(tagged[0].memo.as_deref(), Some("Frank on sharing"));
    // The viewer shows it at the cursor; n and N walk the passages.
    let v = s.coding.viewer.as_ref().unwrap();
    assert_eq!(v.passages_at(v.cursor).len(), 1);
    assert!(v.anchor.is_none());
    cmd(&mut fw, &mut s, Cmd::Coding(CC::PrevPassage));
    let v = s.coding.viewer.as_ref().unwrap();
    assert_eq!(
        v.passages_at(v.cursor)
            .iter()
            .map(|p| p.quote.as_str())
            .collect::<Vec<_>>(),
        vec!["the data sharing agreement helped"; 2]
    );
    snap!("viewer_on_passage_120x40", text(&s, 120, 40));
    // Undo removes the new tag.
    cmd(&mut fw, &mut s, Cmd::Undo);
    assert!(fw
        .passages(None)
        .unwrap()
        .iter()
        .all(|p| p.quote != "about data sharing."));
    // Split: the passage's first tag moves onto a new sibling theme.
    let before = {
        let v = s.coding.viewer.as_ref().unwrap();
        v.passages_at(v.cursor)[0].clone()
    };
    cmd(&mut fw, &mut s, Cmd::Coding(CC::Split));
    assert_eq!(s.mode, Mode::Form);
    cmd(&mut fw, &mut s, Cmd::FormNext);
    typed(&mut fw, &mut s, "Data agreements");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal, "{:?}", s.message);
    let moved: Vec<_> = fw
        .passages(Some("Data agreements"))
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.quote))
        .collect();
    assert_eq!(
        moved,
        vec![(
            before.id.clone(),
            "the data sharing agreement helped".to_string()
        )]
    );
    let t = fw
        .themes(false)
        .unwrap()
        .into_iter()
        .find(|t| t.name == "Data agreements")
        .unwrap();
    let old = fw
        .themes(false)
        .unwrap()
        .into_iter()
        .find(|x| x.id == before.theme_id)
        .unwrap();
    assert_eq!(t.parent_id, old.parent_id);
}

#[test]
fn matrix_cell_passages_summary_and_analysis_views() {
    let (_d, mut fw, mut s) = setup_with(false, support::small_coded);
    go(&mut fw, &mut s, Pane::Matrix);
    // Walk to the cell with the tagged passage with the keys.
    let rows = s.coding.matrix.rows();
    let m = s.coding.matrix.matrix.clone().unwrap();
    // The first theme (in codebook order) with a passage.
    let cell = m
        .cells
        .iter()
        .filter(|c| c.passages > 0)
        .min_by_key(|c| m.themes.iter().position(|t| t.id == c.theme_id))
        .unwrap()
        .clone();
    let r = rows
        .iter()
        .position(|r| {
            m.cases[r.case].participant_id == cell.participant_id && r.phase == cell.phase
        })
        .unwrap();
    let c = m.themes.iter().position(|t| t.id == cell.theme_id).unwrap();
    for _ in 0..r {
        cmd(&mut fw, &mut s, Cmd::Down);
    }
    for _ in 0..c {
        cmd(&mut fw, &mut s, Cmd::Coding(CC::Right));
    }
    cmd(&mut fw, &mut s, Cmd::Coding(CC::CellPassages));
    let ps = s.coding.matrix.passages.as_ref().unwrap();
    assert_eq!(ps.len(), 1);
    cmd(&mut fw, &mut s, Cmd::Coding(CC::EditSummary));
    typed(&mut fw, &mut s, "Sees the agreement as the turning point");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal, "{:?}", s.message);
    let m = fw.matrix(None).unwrap();
    let saved = m
        .cells
        .iter()
        .find(|x| x.participant_id == cell.participant_id && x.theme_id == cell.theme_id)
        .and_then(|x| x.summary.clone());
    assert_eq!(
        saved.as_deref(),
        Some("Sees the agreement as the turning point")
    );
    cmd(&mut fw, &mut s, Cmd::Coding(CC::CellPassages));
    let screen = text(&s, 120, 40);
    assert!(screen.contains("turning point"), "{screen}");
    assert!(
        screen.contains("“the data sharing agreement helped”"),
        "{screen}"
    );
    snap!("matrix_cell_120x40", screen);
    snap!("matrix_cell_60x16", text(&s, 60, 16));
    // o opens the passage in the Viewer.
    cmd(&mut fw, &mut s, Cmd::Coding(CC::OpenPassage));
    assert_eq!(s.pane, Pane::Viewer);
    let v = s.coding.viewer.as_ref().unwrap();
    assert_eq!(v.passages_at(v.cursor).len(), 2);

    go(&mut fw, &mut s, Pane::Analysis);
    assert_eq!(s.coding.analysis.view, AnalysisView::Saturation);
    let sat = s.coding.analysis.saturation.as_ref().unwrap();
    assert!(!sat.verdict.is_empty());
    let screen = text(&s, 120, 40);
    assert!(screen_line(&screen, "Verdict:").is_some(), "{screen}");
    snap!("saturation_120x40", screen);
    snap!("saturation_60x16", text(&s, 60, 16));
    // The stopping rule form refuses a bad threshold, then takes a good one.
    cmd(&mut fw, &mut s, Cmd::Coding(CC::Rule));
    cmd(&mut fw, &mut s, Cmd::FormNext);
    cmd(&mut fw, &mut s, Cmd::FormNext);
    cmd(&mut fw, &mut s, Cmd::FormClear);
    typed(&mut fw, &mut s, "250");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Form);
    assert!(s.message.as_ref().unwrap().error);
    cmd(&mut fw, &mut s, Cmd::FormClear);
    typed(&mut fw, &mut s, "10");
    cmd(&mut fw, &mut s, Cmd::FormSubmit);
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(
        s.coding.analysis.saturation.as_ref().unwrap().threshold,
        0.1
    );
    cmd(&mut fw, &mut s, Cmd::Coding(CC::NextView));
    assert!(!s.coding.analysis.frequency.is_empty());
    snap!("frequency_120x40", text(&s, 120, 40));
    cmd(&mut fw, &mut s, Cmd::Coding(CC::NextView));
    let screen = text(&s, 120, 40);
    // The two themes on the one passage.
    let both: Vec<_> = s
        .coding
        .analysis
        .cooccurrence
        .iter()
        .filter(|r| r.passages == 1)
        .collect();
    assert_eq!(both.len(), 1, "{:?}", s.coding.analysis.cooccurrence);
    snap!("cooccurrence_120x40", screen);
}

#[test]
fn the_quotes_of_a_theme_show_in_themes_with_their_attribution() {
    let (_d, mut fw, mut s) = setup_with(false, support::small_coded);
    go(&mut fw, &mut s, Pane::Themes);
    let themes = fw.themes(false).unwrap();
    for _ in 0..2 {
        cmd(&mut fw, &mut s, Cmd::Down);
    }
    assert_eq!(s.current_theme().unwrap().id, themes[2].id);
    assert_eq!(s.themes.quotes.len(), 1);
    let screen = text(&s, 160, 50);
    assert!(
        screen.contains("the data sharing agreement helped"),
        "{screen}"
    );
    assert!(screen.contains("(1 of 1 exportable)"), "{screen}");
    // A site filter that excludes the quote.
    cmd(&mut fw, &mut s, Cmd::QuoteSite);
    cmd(&mut fw, &mut s, Cmd::QuoteSite);
    assert_eq!(s.themes.quote_filter.site.as_deref(), Some("B"));
    assert!(s.themes.quotes.is_empty());
}

#[test]
fn a_memo_hit_opens_its_passage_in_the_viewer() {
    let (_d, mut fw, mut s) = setup_with(false, support::small_coded);
    go(&mut fw, &mut s, Pane::Search);
    cmd(&mut fw, &mut s, Cmd::Coding(CC::Query));
    typed(&mut fw, &mut s, "enabler");
    cmd(&mut fw, &mut s, Cmd::SearchAccept);
    let kinds: Vec<&str> = s
        .coding
        .search
        .hits
        .iter()
        .map(|h| h.kind.as_str())
        .collect();
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| *k == "memo"),
        "{kinds:?}"
    );
    cmd(&mut fw, &mut s, Cmd::Coding(CC::OpenHit));
    assert_eq!(s.pane, Pane::Viewer);
    let v = s.coding.viewer.as_ref().unwrap();
    let here: Vec<&str> = v
        .passages_at(v.cursor)
        .iter()
        .map(|p| p.memo.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(here, vec!["agreement as enabler"; 2]);
}

#[test]
fn privacy_mode_masks_names_in_transcripts_and_snippets() {
    let (_d, mut fw, mut s) = setup_with(true, support::small_coded);
    go(&mut fw, &mut s, Pane::Search);
    cmd(&mut fw, &mut s, Cmd::Coding(CC::Query));
    typed(&mut fw, &mut s, "council");
    cmd(&mut fw, &mut s, Cmd::SearchAccept);
    assert_eq!(s.coding.search.hits.len(), 2);
    let screen = text(&s, 160, 50);
    for n in ["Alice", "Adams", "Frank", "Ford", "Some Trust"] {
        assert!(!screen.contains(n), "{n} in search:\n{screen}");
    }
    assert!(screen.contains("council"), "{screen}");
    cmd(&mut fw, &mut s, Cmd::Coding(CC::OpenHit));
    let screen = text(&s, 160, 50);
    for n in ["Alice", "Adams", "Frank", "Ford", "Some Trust"] {
        assert!(!screen.contains(n), "{n} in viewer:\n{screen}");
    }
    assert!(screen.contains("council"), "{screen}");
    cmd(&mut fw, &mut s, Cmd::TogglePrivacy);
    let screen = text(&s, 160, 50);
    assert!(screen.contains("Frank Ford"), "{screen}");
}

/// Issue 9, item 11: privacy mode masks a job title as a phrase but not its words in
/// ordinary text, masks the typed query, and masks a third party's name that only the
/// suspect finder knows.
#[test]
fn privacy_mode_masks_phrases_whole_the_query_and_third_parties() {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = support::small_coded(&dir.path().join("transcripts"));
    // A role that is not unique at a site (the fixture already has chief executives).
    let role = fw
        .reference
        .roles
        .iter()
        .find(|r| !r.unique_at_site)
        .expect("a role that is not unique at a site")
        .code
        .clone();
    let p = fw
        .add_participant(&fieldwork::domain::ParticipantInput {
            name: Some("Gwendolyn Harrowgate".into()),
            job_title: Some("Quality Committee".into()),
            role: Some(role),
            site: Some("A".into()),
            ..Default::default()
        })
        .unwrap();
    fw.log_interview(&fieldwork::service::sessions::InterviewInput {
        participants: vec![p.code],
        date: Some(time::macros::date!(2021 - 12 - 20)),
        notes: Some("Thaddeus Pemberworth joined to talk about quality.".into()),
        allow_gap: true,
        ..Default::default()
    })
    .unwrap();
    let mut s = state(&fw, true);
    go(&mut fw, &mut s, Pane::Search);
    cmd(&mut fw, &mut s, Cmd::Coding(CC::Query));
    typed(&mut fw, &mut s, "quality");
    // While typing, and after: the query line shows bullets only.
    for accept in [false, true] {
        if accept {
            cmd(&mut fw, &mut s, Cmd::SearchAccept);
        }
        let screen = text(&s, 160, 50);
        let query = screen.lines().find(|l| l.contains("Query:")).unwrap();
        assert!(!query.contains("quality"), "{query}");
        assert!(query.contains("Query: •••••••"), "{query}");
    }
    assert!(
        s.coding.search.hits.len() >= 3,
        "{:?}",
        s.coding.search.hits
    );
    let screen = text(&s, 160, 50);
    // "quality" alone is an ordinary word: shown.
    assert!(screen.contains("together on quality?"), "{screen}");
    // The job title as a phrase is masked ("The quality committee reviews…").
    assert!(
        !screen.to_lowercase().contains("quality committee"),
        "{screen}"
    );
    assert!(screen.contains("The ••••••• ••••••••• reviews"), "{screen}");
    // The third party in the session note.
    assert!(
        !screen.contains("Thaddeus") && !screen.contains("Pemberworth"),
        "{screen}"
    );
    assert!(screen.contains("joined to talk about quality"), "{screen}");
    snap!("search_privacy_phrases_120x40", text(&s, 120, 40));
    // Privacy off: everything readable again, the query too.
    cmd(&mut fw, &mut s, Cmd::TogglePrivacy);
    let screen = text(&s, 160, 50);
    assert!(screen.contains("Query: quality"), "{screen}");
    assert!(screen.contains("Thaddeus Pemberworth"), "{screen}");
}

/// A query the search cannot parse is quoted in the error line: masked in privacy mode.
#[test]
fn privacy_mode_masks_the_query_quoted_in_a_search_error() {
    for privacy in [true, false] {
        let (_d, mut fw, mut s) = setup_with(privacy, support::small_coded);
        go(&mut fw, &mut s, Pane::Search);
        cmd(&mut fw, &mut s, Cmd::Coding(CC::Query));
        typed(&mut fw, &mut s, "Thaddeus AND (");
        let m = s.message.clone().expect("an error line");
        assert!(m.error, "{m:?}");
        assert!(m.text.contains("not a valid search"), "{m:?}");
        assert_eq!(m.text.contains("Thaddeus"), !privacy, "{m:?}");
        let screen = text(&s, 160, 50);
        assert_eq!(screen.contains("Thaddeus"), !privacy, "{screen}");
    }
}
