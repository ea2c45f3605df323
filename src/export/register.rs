//! The register of identifiers an anonymised export must not carry, built from the
//! study, and the guard every anonymised text goes through.

use super::workbook::*;
use crate::service::{Result, ServiceError};

/// The last guard's register: every participant's direct identifiers in every form the
/// redaction register knows (the name and each part of it, titles, initials; the email; the
/// phone by its digits) and every identifier of the redaction register, matched
/// (Aho-Corasick over the normalised variants, plus digit matching for phones) in one
/// linear pass over each text.
///
/// Building that matcher for every form of every participant costs far more than a small
/// export (about 30 forms a person), so it is built only for the identifiers a text could
/// hold: each identifier is indexed by a word every one of its forms contains (a name by
/// the words of its pieces, see [`crate::domain::redact::person_blocks`]; initials by the
/// letters together), a text is split into its words, and the matcher is built for the
/// identifiers whose words it has. A form found in a text has all its words in the text
/// (matches are on word boundaries), so the matcher finds exactly what the whole register's
/// would. Identifiers that cannot be indexed so (a phone, a name in a script written
/// without spaces, a name with digits) are always in. The matcher grows as texts need
/// more (at least doubling each time, so building stays linear), up to the whole register.
pub struct Register {
    pub(super) sources: Vec<Source>,
    /// A word (normalised) → the sources having a form that holds it.
    pub(super) by_word: std::collections::HashMap<String, Vec<u32>>,
    /// Initials written together ("aq" for "A.Q.") → the sources having a form made only of
    /// single letters.
    pub(super) by_initials: std::collections::HashMap<String, Vec<u32>>,
    /// The most single letters in a row any form has.
    pub(super) longest_initials: usize,
    /// Sources in every matcher.
    pub(super) always: Vec<u32>,
    pub(super) built: std::sync::Mutex<Built>,
}

pub(super) struct Source {
    /// Index into [`GUARD_KINDS`].
    pub(super) kind: usize,
    /// Expanded to a person's forms (`name`), an email's (`email`), or taken as it is.
    pub(super) expand: Expand,
    pub(super) value: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Expand {
    Person,
    Email,
    AsIs,
}

#[derive(Default)]
pub(super) struct Built {
    /// Which sources the matcher holds.
    pub(super) holds: Vec<bool>,
    pub(super) count: usize,
    pub(super) matcher: Option<std::sync::Arc<crate::domain::redact::Matcher>>,
}

pub(super) const GUARD_KINDS: &[&str] = &[
    "name",
    "email",
    "phone",
    "organisation",
    "job title",
    "place name",
    "identifier",
];

/// How a text of forms is found in a text: by one of its words (the longest), by its
/// single letters written together, or not by words at all.
pub(super) enum Key {
    Word(String),
    Initials(String),
    None,
}

pub(super) fn key_of(norm: &str) -> Key {
    let toks: Vec<&str> = crate::domain::redact::word_tokens(norm).collect();
    if let Some(t) = toks
        .iter()
        .filter(|t| t.chars().nth(1).is_some())
        .max_by_key(|t| t.len())
    {
        return Key::Word(t.to_string());
    }
    match toks.len() {
        0 => Key::None,
        1 => Key::Word(toks[0].to_string()),
        _ => Key::Initials(toks.concat()),
    }
}

impl Register {
    /// A register from (kind, value) pairs; `kind` is one of the guard's kinds. Names are
    /// expanded to every variant; `registered name` values (variants already) are not.
    pub fn from_values(values: &[(&'static str, String)]) -> Register {
        use crate::domain::redact::{fold_accents, has_unspaced, normalise, phone_key};
        let idx = |k: &str| GUARD_KINDS.iter().position(|x| *x == k).unwrap_or(6);
        let mut reg = Register {
            sources: Vec::new(),
            by_word: Default::default(),
            by_initials: Default::default(),
            longest_initials: 0,
            always: Vec::new(),
            built: Default::default(),
        };
        let mut seen: std::collections::HashSet<(usize, Expand, &str)> = Default::default();
        for (kind, v) in values {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let (kind, expand) = match *kind {
                "name" => (0, Expand::Person),
                "email" => (1, Expand::Email),
                "registered name" => (0, Expand::AsIs),
                k => (idx(k), Expand::AsIs),
            };
            if !seen.insert((kind, expand, v)) {
                continue;
            }
            let id = reg.sources.len() as u32;
            reg.sources.push(Source {
                kind,
                expand,
                value: v.to_string(),
            });
            // The texts whose keys find this source: for a person, the pieces of the name
            // (each form is a piece with titles, initials and separators around it) and
            // the initials; for anything else its forms.
            let keyed: Option<Vec<Key>> = match expand {
                Expand::Person => person_keys(v),
                Expand::Email => crate::domain::redact::email_variants(v)
                    .iter()
                    .map(|f| plain_key(f))
                    .collect(),
                Expand::AsIs => plain_key(v).map(|k| vec![k]),
            };
            match keyed {
                None => reg.always.push(id),
                Some(keys) => {
                    for k in keys {
                        match k {
                            Key::Word(w) => reg.by_word.entry(w).or_default().push(id),
                            Key::Initials(i) => {
                                reg.longest_initials = reg.longest_initials.max(i.chars().count());
                                reg.by_initials.entry(i).or_default().push(id)
                            }
                            Key::None => {}
                        }
                    }
                }
            }
        }
        for list in reg.by_word.values_mut().chain(reg.by_initials.values_mut()) {
            list.dedup();
        }
        return reg;

        /// The key of a form taken as it is; `None` when it must always be matched (a
        /// phone, matched by its digits; a text in a script without spaces; punctuation).
        fn plain_key(v: &str) -> Option<Key> {
            if phone_key(v).is_some() || has_unspaced(v) {
                return None;
            }
            match key_of(&normalise(v)) {
                Key::None => None,
                k => Some(k),
            }
        }

        /// The keys of a plain name (two or more words of two or more ASCII letters, no
        /// particle, no Mc/Mac prefix), without building its pieces: every form of it is
        /// one of its words with others, titles and initials around it, or its initials
        /// alone; so each word and the initials together are keys (more keys than the
        /// pieces' own, never fewer). `None` for any other name.
        fn plain_name_keys(name: &str) -> Option<Vec<Key>> {
            let words: Vec<&str> = name.split_whitespace().collect();
            let plain = words.len() >= 2
                && words.iter().all(|w| {
                    w.len() >= 2
                        && w.bytes().all(|b| b.is_ascii_alphabetic())
                        && !w.starts_with("Mc")
                        && !w.starts_with("Mac")
                        && !crate::domain::redact::PARTICLES
                            .contains(&w.to_ascii_lowercase().as_str())
                });
            if !plain {
                return None;
            }
            let mut keys: Vec<Key> = words
                .iter()
                .map(|w| Key::Word(w.to_ascii_lowercase()))
                .collect();
            keys.push(Key::Initials(
                words
                    .iter()
                    .map(|w| w.as_bytes()[0].to_ascii_lowercase() as char)
                    .collect(),
            ));
            Some(keys)
        }

        /// The keys of a person's name, one for every piece of its forms, with and without
        /// accents; `None` when the name must always be matched (a digit, which a phone form
        /// could read; a script without spaces; a surname or full name whose words are all
        /// single letters, which after a title make a form without a word of two).
        fn person_keys(name: &str) -> Option<Vec<Key>> {
            if name.chars().any(|c| c.is_numeric()) || has_unspaced(name) {
                return None;
            }
            if let Some(keys) = plain_name_keys(name) {
                return Some(keys);
            }
            let b = crate::domain::redact::person_blocks(name)?;
            let mut keys = Vec::new();
            for fold in [false, true] {
                let f = |s: &str| {
                    if fold {
                        normalise(&fold_accents(s))
                    } else {
                        normalise(s)
                    }
                };
                if fold && name.is_ascii() {
                    break;
                }
                // Alone and after a title or initials: must hold a word of two letters.
                for piece in b.surnames.iter().chain([&b.full]) {
                    match key_of(&f(piece)) {
                        Key::Word(w) if w.chars().nth(1).is_some() => keys.push(Key::Word(w)),
                        _ => return None,
                    }
                }
                // Alone, or before a surname form (which has its key).
                for piece in b.given.iter().chain(b.dotted.iter()) {
                    match key_of(&f(piece)) {
                        Key::Word(w) if w.chars().nth(1).is_none() => {
                            // One single letter: a form of it alone has fewer than two
                            // letters and is never matched; with a surname, the surname's
                            // key finds it.
                            if piece.chars().filter(|c| c.is_alphanumeric()).count() >= 2 {
                                return None;
                            }
                        }
                        Key::None => {}
                        k => keys.push(k),
                    }
                }
            }
            Some(keys)
        }
    }

    /// The sources whose forms `text` could hold (by its words), as marks.
    pub(super) fn candidates(&self, text: &str) -> Vec<bool> {
        use crate::domain::redact::{normalise, word_tokens};
        let mut marks = vec![false; self.sources.len()];
        for &i in &self.always {
            marks[i as usize] = true;
        }
        let norm = normalise(text);
        let mut seen: std::collections::HashSet<&str> = Default::default();
        // Single letters in a row: "a q" of "A. Q.", tried together as initials.
        let mut run: Vec<&str> = Vec::new();
        let try_run = |run: &[&str], marks: &mut Vec<bool>| {
            for s in 0..run.len() {
                let mut key = String::new();
                for (n, t) in run[s..].iter().enumerate().take(self.longest_initials) {
                    key.push_str(t);
                    if n >= 1 {
                        if let Some(ids) = self.by_initials.get(&key) {
                            ids.iter().for_each(|&i| marks[i as usize] = true);
                        }
                    }
                }
            }
        };
        for t in word_tokens(&norm) {
            if t.chars().nth(1).is_none() {
                run.push(t);
            } else if !run.is_empty() {
                try_run(&run, &mut marks);
                run.clear();
            }
            if seen.insert(t) {
                if let Some(ids) = self.by_word.get(t) {
                    ids.iter().for_each(|&i| marks[i as usize] = true);
                }
            }
        }
        try_run(&run, &mut marks);
        marks
    }

    /// A matcher holding at least the sources `text` could hold.
    pub(super) fn matcher_for(
        &self,
        text: &str,
    ) -> Option<std::sync::Arc<crate::domain::redact::Matcher>> {
        let n = self.sources.len();
        if n == 0 {
            return None;
        }
        {
            let built = self.built.lock().unwrap_or_else(|e| e.into_inner());
            if built.count == n {
                return built.matcher.clone();
            }
        }
        let want = self.candidates(text);
        let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if built.holds.len() != n {
            built.holds = vec![false; n];
        }
        let missing = want
            .iter()
            .zip(&built.holds)
            .filter(|(w, h)| **w && !**h)
            .count();
        if missing == 0 && built.matcher.is_some() {
            return built.matcher.clone();
        }
        // At least double what was built (so that all the building stays linear in the
        // register), and everything once that is half of it.
        let mut count = built.count + missing;
        let target = count.max(2 * built.count);
        let mut holds: Vec<bool> = built
            .holds
            .iter()
            .zip(&want)
            .map(|(h, w)| *h || *w)
            .collect();
        if target * 2 >= n {
            holds.iter_mut().for_each(|h| *h = true);
            count = n;
        } else {
            for h in holds.iter_mut() {
                if count >= target {
                    break;
                }
                if !*h {
                    *h = true;
                    count += 1;
                }
            }
        }
        let matcher = std::sync::Arc::new(self.build(&holds));
        built.holds = holds;
        built.count = count;
        built.matcher = Some(matcher.clone());
        Some(matcher)
    }

    /// The matcher of the sources marked in `holds`, in the register's order.
    pub(super) fn build(&self, holds: &[bool]) -> crate::domain::redact::Matcher {
        use crate::domain::redact::{email_variants, person_variants, Entity};
        let mut by_kind: Vec<Vec<String>> = vec![Vec::new(); GUARD_KINDS.len()];
        for (s, _) in self.sources.iter().zip(holds).filter(|(_, h)| **h) {
            match s.expand {
                Expand::Person => by_kind[s.kind].extend(person_variants(&s.value)),
                Expand::Email => by_kind[s.kind].extend(email_variants(&s.value)),
                Expand::AsIs => by_kind[s.kind].push(s.value.clone()),
            }
        }
        let entities: Vec<Entity> = GUARD_KINDS
            .iter()
            .zip(by_kind)
            .map(|(k, variants)| Entity {
                id: k.to_string(),
                label: k.to_string(),
                variants,
            })
            .collect();
        crate::domain::redact::Matcher::for_exports(&entities)
    }

    /// The kind of the first identifier found in `text`, and the character offset.
    pub fn find(&self, text: &str) -> Option<(&'static str, usize)> {
        let matcher = self.matcher_for(text)?;
        if matcher.is_empty() {
            return None;
        }
        matcher.find(text).first().map(|r| {
            let k = GUARD_KINDS
                .iter()
                .find(|k| **k == r.entity_id)
                .copied()
                .unwrap_or("identifier");
            (k, r.start)
        })
    }

    /// Check a file an export is about to write: its name, and its content (every member
    /// and member name of a zip archive: XLSX parts, REFI-QDA members). A hit refuses,
    /// naming the file (and member), the line and the kind of identifier, never the value.
    pub fn check_file(&self, what: &str, name: &str, bytes: &[u8]) -> Result<()> {
        self.check_text(what, &format!("the file name {name}"), name)?;
        if bytes.starts_with(b"PK\x03\x04") {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
                ServiceError::Io {
                    context: format!("reading back {name}"),
                    source: std::io::Error::other(e),
                }
            })?;
            for i in 0..zip.len() {
                use std::io::Read;
                let mut f = zip.by_index(i).map_err(|e| ServiceError::Io {
                    context: format!("reading back {name}"),
                    source: std::io::Error::other(e),
                })?;
                let member = f.name().to_string();
                self.check_text(what, &format!("{name}, member name {member}"), &member)?;
                let mut content = Vec::new();
                f.read_to_end(&mut content).map_err(|e| ServiceError::Io {
                    context: format!("reading back {name}"),
                    source: e,
                })?;
                // A part the XLSX library writes the same into every workbook, byte for
                // byte (the theme, which names fonts such as "Latha" or "Shruti"), holds
                // nothing of ours: an empty workbook has it too.
                if blank_workbook_part(&member) == Some(content.as_slice()) {
                    continue;
                }
                self.check_text(
                    what,
                    &format!("{name}, member {member}"),
                    &String::from_utf8_lossy(&content),
                )?;
            }
            return Ok(());
        }
        self.check_text(what, name, &String::from_utf8_lossy(bytes))
    }

    /// Check one text; `place` names where it goes. XML character references are read
    /// too (`O&apos;Hara`, `&#74;ane` are names).
    pub fn check_text(&self, what: &str, place: &str, text: &str) -> Result<()> {
        let unescaped = xml_unescape(text);
        let text = unescaped.as_deref().unwrap_or(text);
        match self.find(text) {
            None => Ok(()),
            Some((kind, at)) => {
                let line = 1 + text.chars().take(at).filter(|c| *c == '\n').count();
                Err(ServiceError::Refused(format!(
                    "the {what} would carry a participant's {kind} in {place} (line {line}); nothing was written. Add it to the register (`redact seed`, `redact accept`) or correct the text"
                )))
            }
        }
    }
}

/// The last guard's register for `fw`: participants' direct identifiers (name in every
/// form, email, phone, organisation, job title) and every variant of the redaction
/// register, by kind.
pub fn identifier_register(fw: &crate::service::Fieldwork) -> Result<Register> {
    let mut values: Vec<(&'static str, String)> = fw.identifiers_by_kind()?;
    for i in fw.register()? {
        for v in i.variants {
            let kind = if crate::domain::redact::phone_key(&v).is_some() {
                "phone"
            } else if v.contains('@') {
                "email"
            } else {
                match i.kind.as_str() {
                    "person" => "identifier",
                    "organisation" => "organisation",
                    "place" => "place name",
                    _ if i.source == "job-title" => "job title",
                    _ => "identifier",
                }
            };
            // Register variants are already expanded: taken as they are ("Dr Quill" must
            // not become a name "Dr").
            let kind = if i.kind == "person" && kind == "identifier" {
                "registered name"
            } else {
                kind
            };
            values.push((kind, v));
        }
    }
    Ok(Register::from_values(&values))
}

/// The kind of the first identifier of the register found in `text` (case-insensitive, as
/// a whole word or phrase: "ICS C" is not found inside "analytics capacity").
pub fn find_identifier(text: &str, register: &Register) -> Option<&'static str> {
    register.find(text).map(|(k, _)| k)
}

/// A last check on what an export is about to write: built from allow-lists, it should
/// never hold a participant's identifier, but a study's own labels (a role category or phase
/// named after a person or organisation) could still carry one. Refuse if so.
pub(crate) fn guard(what: &str, text: &str, register: &Register) -> Result<()> {
    match find_identifier(text, register) {
        None => Ok(()),
        Some(kind) => Err(ServiceError::Refused(format!(
            "the {what} would contain a participant's {kind} (through a label of the study definition, such as a site, phase or role category name, or a free-text field); nothing was written"
        ))),
    }
}

#[cfg(test)]
pub(super) mod identifier_tests {
    use super::find_identifier;

    #[test]
    fn identifiers_match_whole_words_only() {
        let reg = super::Register::from_values(&[
            ("organisation", "ics c".to_string()),
            ("name", "ada quill".to_string()),
        ]);
        assert_eq!(find_identifier("Analytics capacity", &reg), None);
        assert_eq!(
            find_identifier("Quality at ICS C, as ever", &reg),
            Some("organisation")
        );
        assert_eq!(find_identifier("Ada Quill's view", &reg), Some("name"));
        assert_eq!(find_identifier("Adamant quillfeathers", &reg), None);
        // Every variant: the given name alone, the surname at a sentence start or in
        // lower case, a title.
        assert_eq!(find_identifier("Ada Quillfeather", &reg), Some("name"));
        assert_eq!(find_identifier("Quill agreed.", &reg), Some("name"));
        assert_eq!(find_identifier("as quill said", &reg), Some("name"));
        assert_eq!(find_identifier("Dr. Quill", &reg), Some("name"));
        // Through XML character references, in an export's file.
        assert!(reg
            .check_text("x", "f.xml", "<t>&#65;da &amp; Co</t>")
            .is_err());
        assert!(reg
            .check_text("x", "f.xml", "<t>Adamant &amp; Co</t>")
            .is_ok());
        // Not a reference, next to characters of several bytes: read as it is.
        assert!(reg
            .check_text("x", "f.xml", "&lt;x&gt; — café & ——— é")
            .is_ok());
        assert!(reg.check_text("x", "f.xml", "— & Ada").is_err());
    }
}
