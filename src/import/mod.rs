//! Reading files from outside: transcripts (txt, md, docx, vtt).

pub mod transcript;
