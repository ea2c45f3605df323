//! docs/tui.md carries the key tables generated from the keymap; this test fails when they
//! drift. Regenerate with `UPDATE_DOCS=1 cargo test --test tui_docs`.

const START: &str = "<!-- keys:start (generated from src/tui/keymap.rs) -->\n";
const END: &str = "<!-- keys:end -->";

#[test]
fn docs_keys_match_the_keymap() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/tui.md");
    let text = std::fs::read_to_string(path).unwrap();
    let a = text.find(START).expect("start marker") + START.len();
    let b = text.find(END).expect("end marker");
    let generated = format!("\n{}", fieldwork::tui::keymap::markdown());
    if text[a..b] != generated {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            let new = format!("{}{}{}", &text[..a], generated, &text[b..]);
            std::fs::write(path, new).unwrap();
        } else {
            panic!("docs/tui.md keys differ from the keymap; run UPDATE_DOCS=1 cargo test --test tui_docs");
        }
    }
}
