use super::{decode::*, parse::*};

const G1: &str = "0b5f1f0e-8a3c-4c1e-9d2a-1234567890ab";

fn ok(xml: &str) -> ParsedCodebook {
    parse(xml, "t.qdc").unwrap_or_else(|e| panic!("{e}"))
}

fn err(xml: &str) -> String {
    parse(xml, "t.qdc").unwrap_err().to_string()
}

#[test]
fn line_and_column_of_offsets() {
    let t = "ab\ncdé\nf";
    assert_eq!(line_col(t, 0), (1, 1));
    assert_eq!(line_col(t, 3), (2, 1));
    assert_eq!(line_col(t, 7), (2, 4));
    assert_eq!(line_col(t, 8), (3, 1));
}

#[test]
fn namespaces() {
    assert!(is_refi_namespace(b"urn:QDA-XML:codebook:1.0"));
    assert!(is_refi_namespace(b"urn:QDA-XML:project:1.0"));
    assert!(is_refi_namespace(b"urn:qda-xml:codebook:1:0"));
    assert!(!is_refi_namespace(b"http://www.w3.org/1999/xhtml"));
    let e = err("<CodeBook xmlns=\"http://example.org/other\"><Codes/></CodeBook>");
    assert!(
        e.contains("not a REFI-QDA codebook") && e.contains("example.org"),
        "{e}"
    );
}

#[test]
fn projects_in_zip_files_are_named() {
    let e = decode(b"PK\x03\x04rest", "p.qdpx").unwrap_err().to_string();
    assert!(e.contains("ZIP archive"), "{e}");
}

#[test]
fn colours_in_the_wild() {
    assert_eq!(normalise_colour("#FF00aa").as_deref(), Some("#ff00aa"));
    assert_eq!(normalise_colour("ff00AA").as_deref(), Some("#ff00aa"));
    assert_eq!(normalise_colour("#f0a").as_deref(), Some("#ff00aa"));
    assert_eq!(normalise_colour("#80FF00AA").as_deref(), Some("#ff00aa"));
    assert_eq!(normalise_colour("red"), None);
}

#[test]
fn no_namespace_missing_is_codable_and_braced_guid() {
    let p = ok(&format!(
            "<CodeBook><Codes><Code guid=\"{{{}}}\" name=\"A &amp; B\" color=\"ABCDEF\"/></Codes></CodeBook>",
            G1.to_uppercase()
        ));
    assert_eq!(p.codes.len(), 1);
    assert_eq!(p.codes[0].guid, G1);
    assert_eq!(p.codes[0].name, "A & B");
    assert_eq!(p.codes[0].colour.as_deref(), Some("#abcdef"));
}

#[test]
fn descriptions_with_cdata_entities_and_markup() {
    let p = ok(&format!(
            "<?xml version=\"1.0\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>\
             <Code guid=\"{G1}\" name=\"x\" isCodable=\"true\"><Description>a &lt;b&gt; <![CDATA[c & d]]> <p>e</p> &#233;</Description></Code>\
             </Codes></CodeBook>"
        ));
    assert_eq!(p.codes[0].description.as_deref(), Some("a <b> c & d e é"));
}

#[test]
fn sets_of_codes_are_counted_and_sets_of_documents_are_not() {
    // ATLAS.ti: a code group in a codebook; MAXQDA: document sets in a project.
    let p = ok(&format!(
            "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"{G1}\" name=\"a\" isCodable=\"true\"/></Codes>\
             <Sets><Set guid=\"{G1}\" name=\"g\"><Description>d</Description><MemberCode guid=\"{G1}\"/></Set>\
             <Set guid=\"{G1}\" name=\"empty\"/></Sets></CodeBook>"
        ));
    assert_eq!(p.sets_ignored, 2);
    let p = ok(&format!(
            "<Project xmlns=\"urn:QDA-XML:project:1.0\"><CodeBook><Codes><Code guid=\"{G1}\" name=\"a\" isCodable=\"false\"/></Codes></CodeBook>\
             <Sets><Set guid=\"{G1}\" name=\"docs\"><MemberSource targetGUID=\"{G1}\"/></Set>\
             <Set guid=\"{G1}\" name=\"mixed\"><MemberSource targetGUID=\"{G1}\"/><MemberCode targetGUID=\"{G1}\"/></Set></Sets></Project>"
        ));
    assert_eq!(p.sets_ignored, 1);
    assert_eq!(p.not_codable, 1);
}

#[test]
fn broken_xml_is_located() {
    let e = err(&format!(
        "<CodeBook>\n<Codes>\n  <Code guid=\"{G1}\" name=\"x\">\n</Codes>\n</CodeBook>"
    ));
    assert!(e.contains("t.qdc:4:"), "{e}");
    let e = err("<CodeBook>\n<Codes>\n<Code guid=\"x\" name=\"y\"/></Codes></CodeBook>");
    assert!(e.contains("t.qdc:3:1:") && e.contains("not a GUID"), "{e}");
    let e = err(&format!(
        "<CodeBook>\n<Codes>\n<Code guid=\"{G1}\" name=\"y\">"
    ));
    assert!(e.contains("ends before"), "{e}");
    let e = err("<html><body/></html>");
    assert!(e.contains("not a REFI-QDA codebook"), "{e}");
    let e = err("<CodeBook><Codes>\n<Code guid=\"x\" name=unquoted/></Codes></CodeBook>");
    assert!(
        e.contains("t.qdc:2:21:") && e.contains("without quotes"),
        "{e}"
    );
    let e = err(&format!(
            "<CodeBook><Codes><Code guid=\"{G1}\" name=\"a\"/>\n<Code guid=\"{G1}\" name=\"b\"/></Codes></CodeBook>"
        ));
    assert!(e.contains("used twice") && e.contains("t.qdc:2:1"), "{e}");
}

#[test]
fn a_doctype_is_refused_and_located() {
    let e = err("<?xml version=\"1.0\"?>\n<!DOCTYPE CodeBook [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>\n<CodeBook><Codes/></CodeBook>");
    assert!(e.contains("t.qdc:2:1:") && e.contains("DOCTYPE"), "{e}");
}

#[test]
fn the_codebook_of_a_qdpx_project_is_read_through_the_capped_reader() {
    use std::io::Write;
    let xml = format!(
            "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"p\"><CodeBook><Codes><Code guid=\"{G1}\" name=\"a\" isCodable=\"true\"/></Codes></CodeBook></Project>"
        );
    let zip = |name: &str| {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        z.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(xml.as_bytes()).unwrap();
        z.finish().unwrap().into_inner()
    };
    let text = codebook_text(&zip("project.qde"), "p.qdpx").unwrap();
    let p = parse(&text, "p.qdpx:project.qde").unwrap();
    assert_eq!(p.codes.len(), 1);
    let e = codebook_text(&zip("other.xml"), "p.qdpx")
        .unwrap_err()
        .to_string();
    assert!(e.contains("p.qdpx") && e.contains("project.qde"), "{e}");
    let full = zip("project.qde");
    let e = codebook_text(&full[..full.len() - 30], "p.qdpx")
        .unwrap_err()
        .to_string();
    assert!(e.contains("p.qdpx") && e.contains("truncated"), "{e}");
}
