//! CSV and XLSX bytes of a table, with cells that a spreadsheet would run as formulas
//! defused.

use super::staging::*;
use crate::service::{Result, ServiceError};

/// A cell a spreadsheet would read as a formula (or, after a tab or carriage return, a
/// cell it would start afresh): its first character is `=`, `+`, `-`, `@`, a tab or a
/// carriage return (OWASP's list); or that is so after leading white space (spaces,
/// no-break spaces, line breaks), since some spreadsheets trim a cell before reading it
/// (Google Sheets; LibreOffice and Excel with "trim spaces" on import); or it starts with
/// the full-width forms `＝`, `＋`, `－`, `＠`, which East Asian input methods type and
/// some spreadsheets read as the ASCII ones.
pub(super) fn formula_like(s: &str) -> bool {
    const TRIGGERS: [char; 8] = [
        '=', '+', '-', '@', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
    ];
    s.starts_with(['\t', '\r']) || s.trim_start().starts_with(TRIGGERS)
}

/// One CSV field, as every CSV the tool writes has it: free text (quotes, summaries) that
/// a spreadsheet would run as a formula gets a leading `'` (so `=HYPERLINK(…)` is shown as
/// text, never run), then the field is quoted when needed (RFC 4180). No export writes a
/// negative number, so no number is changed.
pub(crate) fn csv_field(s: &str) -> String {
    let cell = if formula_like(s) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.into_owned()
    }
}

/// Rows of cells as CSV text (CRLF line ends, as RFC 4180 says).
pub(crate) fn csv_text(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for line in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let cells: Vec<String> = line.iter().map(|c| csv_field(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A workbook of one sheet, with neutral document properties (no user or machine name).
/// Cells in columns from `numeric_from` on that hold whole numbers are written as numbers;
/// every other cell as a string (`write_string`: never a formula, whatever it starts with).
pub(crate) fn xlsx_bytes(
    sheet: &str,
    title: &str,
    header: &[String],
    rows: &[Vec<String>],
    numeric_from: usize,
) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{DocProperties, Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| ServiceError::Io {
        context: "building the XLSX workbook".into(),
        source: std::io::Error::other(e.to_string()),
    };
    let mut wb = Workbook::new();
    let props = DocProperties::new()
        .set_title(title)
        .set_author("")
        .set_manager("")
        .set_company("")
        .set_comment(TOOL)
        .set_keywords("");
    wb.set_properties(&props);
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)
            .map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if let (true, Ok(n)) = (c >= numeric_from, v.parse::<u32>()) {
                ws.write_number((r + 1) as u32, c as u16, f64::from(n))
                    .map_err(fail)?;
            } else {
                ws.write_string((r + 1) as u32, c as u16, v).map_err(fail)?;
            }
        }
    }
    wb.save_to_buffer().map_err(fail)
}

#[cfg(test)]
pub(super) mod csv_tests {
    use super::{csv_field, csv_text};

    #[test]
    fn formula_like_cells_are_neutralised() {
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(csv_field("+1 more"), "'+1 more");
        assert_eq!(csv_field("-2"), "'-2");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\tcmd"), "'\tcmd");
        assert_eq!(csv_field("\r=1"), "\"'\r=1\"");
        // After leading white space, which some spreadsheets trim before reading a cell.
        assert_eq!(csv_field("  =1+1"), "'  =1+1");
        assert_eq!(csv_field("\u{a0}@SUM(A1)"), "'\u{a0}@SUM(A1)");
        assert_eq!(csv_field("\n-2"), "\"'\n-2\"");
        // Full-width forms.
        assert_eq!(csv_field("\u{ff1d}1+1"), "'\u{ff1d}1+1");
        assert_eq!(csv_field("\u{ff0b}1"), "'\u{ff0b}1");
        // White space alone, or before ordinary text, is left as it was.
        assert_eq!(csv_field("   "), "   ");
        assert_eq!(csv_field("  well, yes"), "\"  well, yes\"");
        // Anything else is as it was.
        assert_eq!(csv_field("a=b"), "a=b");
        assert_eq!(csv_field("12"), "12");
        assert_eq!(csv_field("2022-01-10"), "2022-01-10");
        assert_eq!(csv_field("<5"), "<5");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field(""), "");
        assert_eq!(
            csv_text(&["q".into()], &[vec!["=1+1".into()]]),
            "q\r\n'=1+1\r\n"
        );
    }
}
