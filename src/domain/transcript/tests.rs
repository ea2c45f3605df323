use super::{decode::*, segment::*, types::*};

fn texts(p: &Parsed) -> Vec<String> {
    p.turns
        .iter()
        .map(|t| p.text.chars().skip(t.start).take(t.end - t.start).collect())
        .collect()
}

#[test]
fn turns_partition_the_text() {
    let t = "Title line\n\nInterviewer: Hello.\nMore of it.\n\nParticipant 3: Hi.\n";
    let p = segment(t);
    assert_eq!(texts(&p).concat(), t);
    let speakers: Vec<_> = p.turns.iter().map(|t| t.speaker.clone()).collect();
    assert_eq!(
        speakers,
        vec![
            None,
            Some("Interviewer".into()),
            Some("Participant 3".into())
        ]
    );
}

#[test]
fn labels_are_recognised_conservatively() {
    assert_eq!(speaker_label("Interviewer: hi"), Some("Interviewer".into()));
    assert_eq!(
        speaker_label("**Dr Ada Quill:** hi"),
        Some("Dr Ada Quill".into())
    );
    assert_eq!(speaker_label("**P7QK**: hi"), Some("P7QK".into()));
    assert_eq!(speaker_label("10:30 we met"), None);
    assert_eq!(speaker_label("http://example.org"), None);
    assert_eq!(
        speaker_label("This is a long sentence that happens to have: a colon"),
        None
    );
}

#[test]
fn unlabelled_text_splits_on_paragraphs() {
    let p = segment("One para.\nstill one.\n\nTwo.\n");
    assert_eq!(p.turns.len(), 2);
    assert!(p.turns.iter().all(|t| t.speaker.is_none()));
}

#[test]
fn windows_1252_and_crlf_are_decoded_with_a_warning() {
    let bytes = b"Interviewer: caf\xe9 \x93quoted\x94\r\nParticipant: ok\r\n";
    let p = parse(bytes, "txt").unwrap();
    assert_eq!(p.encoding, "windows-1252");
    assert!(p.text.contains("café “quoted”"));
    assert!(!p.text.contains('\r'));
    assert!(p.warnings[0].contains("Windows-1252"), "{:?}", p.warnings);
}

#[test]
fn bom_is_stripped() {
    let p = parse(b"\xEF\xBB\xBFInterviewer: hi\n", "txt").unwrap();
    assert_eq!(p.encoding, "utf-8-bom");
    assert!(p.text.starts_with("Interviewer"));
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("A: b\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let p = parse(&utf16, "txt").unwrap();
    assert_eq!(p.encoding, "utf-16le");
    assert_eq!(p.text, "A: b\n");
}

#[test]
fn vtt_cues_merge_into_turns() {
    let vtt = "WEBVTT\n\nabc/1-0\n00:00:01.000 --> 00:00:03.500\n<v Ada Quill>Hello &amp; welcome.</v>\n\nabc/2-0\n00:00:03.600 --> 00:00:05.000\n<v Ada Quill>Second part.</v>\n\n00:00:05.100 --> 00:00:07.000\n<v Interviewer>Thanks.</v>\n";
    let p = parse(vtt.as_bytes(), "vtt").unwrap();
    assert_eq!(p.turns.len(), 2);
    assert_eq!(p.turns[0].speaker.as_deref(), Some("Ada Quill"));
    assert_eq!(p.turns[0].start_ms, Some(1000));
    assert_eq!(p.turns[0].end_ms, Some(5000));
    assert!(p
        .text
        .starts_with("Ada Quill: Hello & welcome. Second part.\n\n"));
    let zoom = "WEBVTT\n\n1\n00:01.000 --> 00:02.000\nJo Bloggs: hi there\n";
    let p = parse(zoom.as_bytes(), "vtt").unwrap();
    assert_eq!(p.turns[0].speaker.as_deref(), Some("Jo Bloggs"));
}

#[test]
fn broken_vtt_is_located() {
    let e = parse(b"not vtt", "vtt").unwrap_err();
    assert_eq!(e.line, Some(1));
    let e = parse(b"WEBVTT\n\n00:00:xx.000 --> 00:00:02.000\nhi\n", "vtt").unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("timing"));
}

#[test]
fn not_a_docx() {
    let e = parse(b"plain", "docx").unwrap_err();
    assert!(e.message.contains("not a Word .docx"));
}

#[test]
fn empty_blank_and_binary_files_are_refused() {
    let e = parse(b"", "txt").unwrap_err();
    assert!(e.message.contains("empty"), "{e}");
    let e = parse(b"  \n\t\r\n \n", "md").unwrap_err();
    assert!(e.message.contains("blank"), "{e}");
    let e = parse(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n", "vtt").unwrap_err();
    assert!(e.message.contains("no cue holds any text"), "{e}");
    let e = parse(b"Interviewer: hi\n\0\x01\x02binary\0", "txt").unwrap_err();
    assert!(e.message.contains("binary") && e.line == Some(2), "{e}");
    let e = parse(b"%PDF-1.7\n...", "txt").unwrap_err();
    assert!(e.message.contains("PDF"), "{e}");
    let noisy: Vec<u8> = (0..400u32).map(|i| (i * 37 % 32) as u8 | 1).collect();
    let e = parse(&noisy, "txt").unwrap_err();
    assert!(e.message.contains("binary"), "{e}");
    // UTF-16 without a byte-order mark is still recognised as such.
    let u16: Vec<u8> = "Interviewer: hello there\n"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let e = parse(&u16, "txt").unwrap_err();
    assert!(e.message.contains("UTF-16"), "{e}");
    // A stray control character in real text is removed with a warning, not refused.
    let p = parse(
        b"Interviewer: hi\x07 there, a long enough line of text\n",
        "txt",
    )
    .unwrap();
    assert_eq!(p.warnings, vec!["1 control character(s) removed"]);
}

fn docx_with(xml: &str) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("word/document.xml", opts).unwrap();
    z.write_all(xml.as_bytes()).unwrap();
    z.finish().unwrap().into_inner()
}

#[test]
fn docx_without_text_with_a_doctype_or_with_escapes() {
    let e = parse(
        &docx_with("<w:document><w:body><w:p/></w:body></w:document>"),
        "docx",
    )
    .unwrap_err();
    assert!(e.message.contains("holds no text"), "{e}");
    let e = parse(
            &docx_with("<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY a \"aaaa\">]>\n<w:document><w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>"),
            "docx",
        )
        .unwrap_err();
    assert!(e.message.contains("DOCTYPE") && e.line == Some(2), "{e}");
    let p = parse(
            &docx_with("<w:document><w:body><w:p><w:r><w:t>A: &#27;[31mred&#13;</w:t></w:r></w:p></w:body></w:document>"),
            "docx",
        )
        .unwrap();
    assert_eq!(p.text, "A: [31mred\n");
}

#[test]
fn a_docx_bomb_is_refused_naming_the_member() {
    // 100 MiB of one repeated paragraph compresses to about 100 KiB.
    let para = "<w:p><w:r><w:t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</w:t></w:r></w:p>";
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    z.start_file("word/document.xml", opts).unwrap();
    use std::io::Write;
    let chunk = para.repeat(16 * 1024);
    for _ in 0..(100 << 20) / chunk.len() + 1 {
        z.write_all(chunk.as_bytes()).unwrap();
    }
    let bytes = z.finish().unwrap().into_inner();
    assert!(bytes.len() < 2 << 20, "{}", bytes.len());
    let e = parse(&bytes, "docx").unwrap_err();
    assert!(
        e.message.contains("word/document.xml")
            && e.message.contains("unpacks to more than 64 MiB"),
        "{e}"
    );
}

#[test]
fn a_docx_error_inside_a_multibyte_character_is_located() {
    // Found by fuzzing: the error position fell inside the byte-order mark and the
    // line count sliced the text there (a panic).
    let e = parse(&docx_with("\u{feff}xm<?xm"), "docx").unwrap_err();
    assert!(e.message.contains("not well-formed"), "{e}");
    assert_eq!(e.line, Some(1));
}
