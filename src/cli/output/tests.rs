use unicode_width::UnicodeWidthStr;

use super::text::*;

#[test]
fn control_characters_are_escaped() {
    assert_eq!(esc("a\u{1b}[31mb\nc"), "a\\u{1b}[31mb\\nc");
}

#[test]
fn tables_align_wide_characters() {
    let t = table(
        &["A", "B"],
        &[
            vec!["日本".into(), "x".into()],
            vec!["ab".into(), "y".into()],
        ],
    );
    let lines: Vec<&str> = t.lines().collect();
    let col = |l: &str| l[..l.rfind(['x', 'y', 'B']).unwrap()].width();
    assert_eq!(col(lines[1]), col(lines[2]));
    assert_eq!(col(lines[0]), col(lines[1]));
}
