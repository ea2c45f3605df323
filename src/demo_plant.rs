//! Identifiers planted in the demo's transcripts, in every surface form redaction must
//! catch, and recorded (which file, where, which form, which class) so that a benchmark
//! (`benches/redaction.rs`) and the tests can measure recall instead of assuming it.
//!
//! Each transcript gets one extra participant turn, inserted before its middle turn, made
//! of a few sentences chosen at random (seeded by the file's path, so the demo's own random
//! stream is untouched): the participant's own name in the register's forms (given name
//! alone at a sentence start, surname alone at a sentence start and in lower case,
//! possessive, hyphenated part, title + surname, initials, across a line break), their
//! phone written with other separators and prefixes, their email in capitals, and third
//! parties nobody registered: names combined at random from the shipped gazetteer
//! (`assets/redaction`), never a real person's full name as a target.

use std::cell::RefCell;

use serde::Serialize;

/// One planted identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plant {
    /// The transcript file, relative to the transcripts root.
    pub file: String,
    /// Character offsets in the file's text (end exclusive).
    pub start: usize,
    pub end: usize,
    /// The text as planted.
    pub text: String,
    /// The surface form, e.g. `given-sentence-start`, `phone-dots`.
    pub form: &'static str,
    /// `participant` (registered by `redact seed`) or `third-party` (nobody registered it).
    pub class: &'static str,
}

thread_local! {
    static PLANTED: RefCell<Vec<Plant>> = const { RefCell::new(Vec::new()) };
}

/// Everything planted on this thread since the last call (the demo generator plants as it
/// writes transcripts; a benchmark takes the record after `demo::generate_with`).
pub fn take_planted() -> Vec<Plant> {
    PLANTED.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

/// Every surface form planted, for reports.
pub const FORMS: &[&str] = &[
    "given-sentence-start",
    "surname-sentence-start",
    "surname-lower",
    "possessive",
    "hyphen-part",
    "title-surname",
    "initials",
    "line-break",
    "full-lower",
    "phone-dots",
    "phone-dashes",
    "phone-international",
    "email-upper",
    "third-party-full",
    "third-party-title",
    "third-party-given-start",
];

/// A small deterministic generator (xorshift), seeded from the file's path.
struct Rng(u64);

impl Rng {
    fn new(seed: &str) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        Rng(h | 1)
    }
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Gazetteer names for third parties: neither common English words nor too short, from
/// the first ranks of each list (common names, combined at random).
fn third_party_names() -> (Vec<&'static str>, Vec<&'static str>) {
    use crate::domain::redact::is_common_word;
    let pick = |text: &'static str, n: usize| -> Vec<&'static str> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter(|w| w.len() >= 4 && !is_common_word(w))
            .take(n)
            .collect()
    };
    (
        pick(include_str!("../assets/redaction/given-names.txt"), 400),
        pick(include_str!("../assets/redaction/surnames.txt"), 400),
    )
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The phone's national digits (without a trunk 0), if it has enough.
fn national(phone: &str) -> Option<String> {
    let d: String = phone.chars().filter(char::is_ascii_digit).collect();
    let d = d.trim_start_matches('0').to_string();
    (d.len() >= 9).then_some(d)
}

/// Plant identifiers into one transcript `text` (the demo's file content) for the
/// participant `name` (given name `given`), and record them under `file`.
pub fn plant(
    text: &mut String,
    file: &str,
    name: &str,
    given: &str,
    email: &str,
    phone: Option<&str>,
) {
    let mut rng = Rng::new(file);
    let surname = name.rsplit(' ').next().unwrap_or(name).to_string();
    let part = surname.rsplit('-').next().unwrap_or(&surname).to_string();
    let (tp_given, tp_sur) = third_party_names();
    let tp = |rng: &mut Rng| {
        (
            cap(tp_given[rng.below(tp_given.len())]),
            cap(tp_sur[rng.below(tp_sur.len())]),
        )
    };
    // (form, class, sentence with the identifier between « and »)
    let mut options: Vec<(&'static str, &'static str, String)> = vec![
        (
            "given-sentence-start",
            "participant",
            format!("«{given}» had argued for that early on."),
        ),
        (
            "surname-sentence-start",
            "participant",
            format!("«{surname}» was clear about it at the time."),
        ),
        (
            "surname-lower",
            "participant",
            format!(
                "as «{}» put it, the data always came late.",
                surname.to_lowercase()
            ),
        ),
        (
            "possessive",
            "participant",
            format!("It was «{given}»'s idea in the first place."),
        ),
        (
            "title-surname",
            "participant",
            format!("People still ask for «Dr {surname}» by name."),
        ),
        (
            "initials",
            "participant",
            format!("The paper went out signed «{}. {surname}».", &given[..1]),
        ),
        (
            "line-break",
            "participant",
            format!("I remember «{given}\n{surname}» saying exactly that."),
        ),
        (
            "full-lower",
            "participant",
            format!(
                "the note just said «{} {}» and nothing more.",
                given.to_lowercase(),
                surname.to_lowercase()
            ),
        ),
        (
            "email-upper",
            "participant",
            format!(
                "Write to «{}» if you need the papers.",
                email.to_uppercase()
            ),
        ),
    ];
    if part != surname {
        options.push((
            "hyphen-part",
            "participant",
            format!("«{part}» was the one who pushed for it."),
        ));
    }
    if let Some(n) = phone.and_then(national) {
        let (a, b) = n.split_at(4.min(n.len()));
        let (b, c) = b.split_at(3.min(b.len()));
        options.push((
            "phone-dots",
            "participant",
            format!("My direct line is «0{a}.{b}.{c}» by the way."),
        ));
        options.push((
            "phone-dashes",
            "participant",
            format!("You can ring «0{a}-{b}-{c}» most days."),
        ));
        options.push((
            "phone-international",
            "participant",
            format!("From abroad it is «+44 {a} {b}{c}» instead."),
        ));
    }
    let (g1, s1) = tp(&mut rng);
    let (_, s2) = tp(&mut rng);
    let (g3, _) = tp(&mut rng);
    options.push((
        "third-party-full",
        "third-party",
        format!("We brought in «{g1} {s1}» from the council to help."),
    ));
    options.push((
        "third-party-title",
        "third-party",
        format!("The consultant, Dr «{s2}», disagreed with all of it."),
    ));
    options.push((
        "third-party-given-start",
        "third-party",
        format!("«{g3}» from the practice came along too."),
    ));
    // Four to six sentences, always with one third party.
    let n = 4 + rng.below(3);
    let mut chosen: Vec<usize> = Vec::new();
    let third = options.len() - 1 - rng.below(3);
    chosen.push(third);
    while chosen.len() < n.min(options.len()) {
        let i = rng.below(options.len());
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    // Insert as a participant turn before the middle turn.
    let turns: Vec<usize> = text
        .match_indices("\n\nInterviewer: ")
        .map(|(i, _)| i + 2)
        .collect();
    let at = turns.get(turns.len() / 2).copied().unwrap_or(text.len());
    let mut turn = String::from("Participant: ");
    let mut spans: Vec<(usize, usize, String, &'static str, &'static str)> = Vec::new();
    let base = text[..at].chars().count();
    for (k, i) in chosen.into_iter().enumerate() {
        let (form, class, s) = &options[i];
        if k > 0 {
            turn.push(' ');
        }
        let s = if k == 0 { cap_sentence(s) } else { s.clone() };
        let (pre, rest) = s.split_once('«').unwrap_or(("", &s));
        let (id, post) = rest.split_once('»').unwrap_or((rest, ""));
        turn.push_str(pre);
        let start = base + turn.chars().count();
        turn.push_str(id);
        let end = base + turn.chars().count();
        turn.push_str(post);
        spans.push((start, end, id.to_string(), form, class));
    }
    turn.push_str("\n\n");
    text.insert_str(at, &turn);
    PLANTED.with(|p| {
        let mut p = p.borrow_mut();
        for (start, end, id, form, class) in spans {
            p.push(Plant {
                file: file.to_string(),
                start,
                end,
                text: id,
                form,
                class,
            });
        }
    });
}

/// A sentence that opens a turn starts with a capital (a lower-case form keeps its
/// identifier in lower case: "As quill put it").
fn cap_sentence(s: &str) -> String {
    match s.strip_prefix('«') {
        Some(_) => s.to_string(),
        None => cap(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plants_are_recorded_where_they_are() {
        let _ = take_planted();
        let mut text = String::from(
            "Header\n\nInterviewer: One?\n\nParticipant: Yes.\n\nInterviewer: Two?\n\nParticipant: No.\n\n",
        );
        plant(
            &mut text,
            "phase-1/A/PX_2022.txt",
            "Tamsin Hartwell-Quenby",
            "Tamsin",
            "tamsin@example.org",
            Some("01632 960 481"),
        );
        let planted = take_planted();
        assert!((4..=6).contains(&planted.len()), "{planted:?}");
        assert!(planted.iter().any(|p| p.class == "third-party"));
        let chars: Vec<char> = text.chars().collect();
        for p in &planted {
            let at: String = chars[p.start..p.end].iter().collect();
            assert_eq!(at, p.text, "{p:?}");
            assert!(FORMS.contains(&p.form));
        }
        assert!(take_planted().is_empty());
    }
}
