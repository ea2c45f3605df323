//! The variants of a person's name and of an email address that a register entry covers.

use super::{normalise::*, words::*};

/// Surname particles: "van der Berg", "de la Cruz", "O'" is part of its word.
pub(crate) const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "la", "le", "du", "da", "di", "del", "della", "dos", "das",
    "bin", "ibn", "al", "st", "st.", "mac", "ter", "ten",
];

/// The pieces every form of a person's name is made of (see [`person_variants`]): each
/// variant is one of these alone, or one of them with titles, initials and separators
/// around it, or the initials alone ([`PersonBlocks::dotted`]). The export's last guard
/// indexes a person by these pieces' words instead of building every variant.
#[derive(Debug, Clone, Default)]
pub struct PersonBlocks {
    /// The name's words joined by single spaces; alone, and after a title.
    pub full: String,
    /// Each given name and each hyphenated piece of one; alone, and the first before each
    /// surname form.
    pub given: Vec<String>,
    /// Every form of the surname; alone, after a title, after initials.
    pub surnames: Vec<String>,
    /// All initials with full stops ("A.Q."), alone.
    pub dotted: Option<String>,
    first: String,
    initials: String,
}

/// The pieces of `name`'s forms; `None` for a name without words.
pub fn person_blocks(name: &str) -> Option<PersonBlocks> {
    let parts: Vec<&str> = name.split_whitespace().collect();
    if parts.is_empty() {
        return None;
    }
    let mut b = PersonBlocks {
        full: parts.join(" "),
        ..Default::default()
    };
    // The surname starts at the last word, or earlier at a particle ("de la Cruz").
    let mut s = parts.len() - 1;
    while s > 1 && PARTICLES.contains(&parts[s - 1].to_lowercase().as_str()) {
        s -= 1;
    }
    if parts.len() < 2 {
        return Some(b);
    }
    let given = &parts[..s];
    let surname = parts[s..].join(" ");
    let mut surnames = vec![surname.clone()];
    if surname.contains('-') {
        surnames.push(surname.replace('-', " "));
    }
    // The surname's parts alone: hyphenated, double-barrelled, without particles.
    for part in parts[s..].iter().flat_map(|p| p.split('-')) {
        if !PARTICLES.contains(&part.to_lowercase().as_str()) {
            surnames.push(part.to_string());
        }
    }
    // A double-barrelled surname without a hyphen: the last two words together.
    if s == parts.len() - 1 && given.len() >= 2 {
        surnames.push(format!("{} {}", parts[s - 1], parts[s]));
        surnames.push(format!("{}-{}", parts[s - 1], parts[s]));
    }
    // Other spellings of a surname part: an apostrophe left out or written as a space
    // ("D'Arcy" as "DArcy", "D Arcy"), and a Mc/Mac prefix written apart or the other
    // way ("McTavish" as "Mc Tavish", "MacTavish", "Mac Tavish").
    let mut other = Vec::new();
    let words: Vec<String> = surnames
        .iter()
        .flat_map(|x| x.split([' ', '-']))
        .map(str::to_string)
        .collect();
    for part in &words {
        if part.contains(['\'', '\u{2019}']) {
            other.push(part.replace(['\'', '\u{2019}'], ""));
            other.push(part.replace(['\'', '\u{2019}'], " "));
        }
        for (prefix, swap) in [("Mac", "Mc"), ("Mc", "Mac")] {
            if let Some(rest) = part.strip_prefix(prefix) {
                if rest.chars().next().is_some_and(char::is_uppercase) && rest.chars().count() >= 3
                {
                    other.push(format!("{prefix} {rest}"));
                    other.push(format!("{swap}{rest}"));
                    other.push(format!("{swap} {rest}"));
                }
            }
        }
    }
    surnames.extend(other);
    b.surnames = surnames;
    for g in given {
        b.given.push(g.to_string());
        for piece in g.split('-') {
            b.given.push(piece.to_string());
        }
    }
    b.first = given[0].to_string();
    b.initials = given
        .iter()
        .filter_map(|g| g.chars().find(|c| c.is_alphabetic()))
        .flat_map(char::to_uppercase)
        .collect();
    if let Some(si) = parts[s].chars().find(|c| c.is_alphabetic()) {
        let all: String = b.initials.chars().chain(si.to_uppercase()).collect();
        b.dotted = Some(all.chars().map(|c| format!("{c}.")).collect());
    }
    Some(b)
}

/// Variants to seed for a person's name: the full name; given + surname; each given name
/// alone; the surname and each of its parts alone (hyphenated or double-barrelled, with
/// the hyphen or a space); title + surname and title + full name; initials + surname
/// ("A. Quill", "A Quill", "A.B. Quill") and the initials alone with full stops ("A.Q.").
/// Possessives ("Quill's") and any case, spacing or line break are matched by the matcher
/// itself, on word boundaries.
pub fn person_variants(name: &str) -> Vec<String> {
    let Some(b) = person_blocks(name) else {
        return vec![];
    };
    let mut v = vec![b.full.clone()];
    if !b.surnames.is_empty() {
        let first = b.first.as_str();
        let initials = b.initials.as_str();
        v.extend(b.given.iter().cloned());
        v.push(format!("{first} {}", b.surnames[0]));
        for last in &b.surnames {
            v.push(last.clone());
            for title in TITLES {
                let mut t: Vec<char> = title.chars().collect();
                t[0] = t[0].to_ascii_uppercase();
                let t: String = t.into_iter().collect();
                v.push(format!("{t} {last}"));
                v.push(format!("{t}. {last}"));
            }
            if let Some(i) = first.chars().next() {
                v.push(format!("{i}. {last}"));
                v.push(format!("{i} {last}"));
            }
            if initials.chars().count() >= 2 {
                let dotted: String = initials.chars().map(|c| format!("{c}.")).collect();
                v.push(format!("{dotted} {last}"));
                v.push(format!("{initials} {last}"));
            }
        }
        for title in ["Dr", "Mr", "Mrs", "Ms", "Miss", "Prof", "Professor"] {
            v.push(format!("{title} {}", b.full));
        }
        if let Some(d) = &b.dotted {
            v.push(d.clone());
        }
    }
    // Written without accents too ("Zoë" as "Zoe", "José" as "Jose").
    let folded: Vec<String> = v
        .iter()
        .map(|x| fold_accents(x))
        .filter(|f| !v.contains(f))
        .collect();
    v.extend(folded);
    v.retain(|x| x.trim().chars().filter(|c| c.is_alphanumeric()).count() >= 2);
    v.sort();
    v.dedup();
    v
}

/// Variants for a person a reviewer accepted by the text of a suspect: every form of
/// [`person_variants`] when the text looks like one person's name (two to four words, none
/// of them a common word: "Morwenna Trevithick"), else the text alone (a run such as "Ann
/// Lowe and Bob Price" must not make "and" a name).
pub fn accepted_person_variants(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let name_like = (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            let n = normalise(w);
            let n = n.trim_end_matches("'s").trim_end_matches('.');
            !stop_words().contains(n) && !is_common_word(n)
        });
    if !name_like {
        return vec![text.trim().to_string()];
    }
    let mut v = person_variants(text);
    if !v.iter().any(|x| x == text.trim()) {
        v.push(text.trim().to_string());
    }
    v
}

/// Variants to seed for an email address: the address, and without its plus tag
/// (`ann.quill+study@trust.example` is also written `ann.quill@trust.example`: the same
/// mailbox). Case is ignored by the matcher.
pub fn email_variants(email: &str) -> Vec<String> {
    let email = email.trim();
    let mut v = vec![email.to_string()];
    if let Some((local, domain)) = email.split_once('@') {
        if let Some((base, _tag)) = local.split_once('+') {
            if !base.is_empty() {
                v.push(format!("{base}@{domain}"));
            }
        }
    }
    v
}
