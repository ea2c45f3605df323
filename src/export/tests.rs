use super::Register;

const NAMES: &[&str] = &[
    "Ada Quill",
    "Alaric A. Cindermoor",
    "Alaric B. Bellweather",
    "Zoë Ní Bhriain",
    "Seán O'Connor",
    "Dáire D’Arcy McTavish",
    "Mary-Jane van der Berg",
    "Rosa de la Cruz",
    "Ann B Quill",
    "A.-B. Quill",
    "Q",
    "Ann Q",
    "Bo",
    "李明",
    "José María Núñez",
    "Łukasz Żółć",
    "Ægir Þórsson",
    "Ciarán MacLeod",
    "Tamsin Ta\u{ad}vy",
    "Ǆemal Ǆaferović",
    "ﬁona ﬂynn",
    "Jean-Luc Picard-Smith",
    "Hope Price",
    "Will Rose Brown",
    "Ann Lee 2nd",
    "Zoe\u{308} Penhallow",
    "Ólafur SS. Jónsson",
    "Wren Ap-Rhys",
    "Ffion Mc A.B",
    "Oluwaseun Adébáyọ̀",
];

/// The register as it was built before it was keyed: every form of every source in one
/// matcher.
fn whole(reg: &Register) -> crate::domain::redact::Matcher {
    reg.build(&vec![true; reg.sources.len()])
}

fn values(names: &[&str]) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> =
        names.iter().map(|n| ("name", n.to_string())).collect();
    v.extend([
        ("email", "ann.quill+study@trust.example".to_string()),
        ("phone", "+44 1632 960123".to_string()),
        ("organisation", "ICS C".to_string()),
        ("organisation", "Northvale Trust".to_string()),
        ("job title", "Chief Nurse".to_string()),
        ("place name", "Porthwenna".to_string()),
        ("registered name", "Dr Quill".to_string()),
        ("registered name", "A.Q.".to_string()),
        ("identifier", "X.".to_string()),
    ]);
    v
}

/// Texts that carry `form` in the ways an export could: in a sentence, across a line
/// break, in other case, without accents, in a CSV cell, as XML, with punctuation.
fn carriers(form: &str) -> Vec<String> {
    let folded = crate::domain::redact::fold_accents(form);
    vec![
        form.to_string(),
        format!("As {form} said, yes."),
        format!("code,site\r\nP7QK,\"{form}, north\"\r\n"),
        format!("<t>{}</t>", form.replace('\'', "&apos;")),
        format!("line one\n{}\nline two", form.replace(' ', "\n")),
        format!("({})", form.to_uppercase()),
        format!("{}'s view", form.to_lowercase()),
        format!("- {folded}."),
        format!("x{form}x"),
        format!("{form}2"),
    ]
}

#[test]
fn keyed_register_finds_what_the_whole_register_finds() {
    let vals = values(NAMES);
    let mut texts: Vec<String> = vec![
        "nothing here".into(),
        "Call 01632 960123 today".into(),
        "mail Ann.Quill@trust.example".into(),
        "a q and a. q. or A.Q.".into(),
        "I met 李明 yesterday".into(),
        "at ICS C, as ever".into(),
        "x. y. z.".into(),
    ];
    for n in NAMES {
        for form in crate::domain::redact::person_variants(n) {
            texts.extend(carriers(&form));
        }
    }
    for (_, v) in &vals {
        texts.extend(carriers(v));
    }
    let reference = whole(&Register::from_values(&vals));
    let mut found = 0;
    // A fresh register for a text (its matcher built for that text alone; every
    // seventh text, to keep the test quick), and every text through one register, its
    // matcher growing.
    for t in texts.iter().step_by(11) {
        let fresh = Register::from_values(&vals);
        let expect = reference
            .find(t)
            .first()
            .map(|r| (r.entity_id.clone(), r.start));
        let got = fresh.find(t).map(|(k, at)| (k.to_string(), at));
        assert_eq!(got, expect, "text {t:?}");
    }
    let shared = Register::from_values(&vals);
    for t in &texts {
        let expect = reference
            .find(t)
            .first()
            .map(|r| (r.entity_id.clone(), r.start));
        let got = shared.find(t).map(|(k, at)| (k.to_string(), at));
        assert_eq!(got, expect, "{t:?}");
        found += usize::from(got.is_some());
    }
    // The test is not vacuous: most carriers carry an identifier.
    assert!(found * 2 > texts.len(), "{found} of {}", texts.len());
}

/// Random names from awkward pieces (apostrophes, Mc/Mac, hyphens, particles, single
/// letters, accents, ligatures): every form of each is found by the keyed register.
#[test]
fn every_form_of_generated_names_is_found() {
    const PIECES: &[&str] = &[
        "Ann",
        "O'Hara",
        "D’Arcy",
        "McTavish",
        "MacLeod",
        "van",
        "der",
        "de",
        "la",
        "B.",
        "Q",
        "Zoë",
        "Ní",
        "Jean-Luc",
        "Smith-Jones",
        "ﬂynn",
        "Øyvind",
        "St.",
        "Ap-Rhys",
        "Ta\u{ad}vy",
        "A.-B.",
        "Mc",
        "Ǆemal",
        "Ólafur",
        "ß",
        "Bo",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut checked = 0;
    for _ in 0..300 {
        let words = 1 + next(4);
        let name: Vec<&str> = (0..words).map(|_| PIECES[next(PIECES.len())]).collect();
        let name = name.join(" ");
        let reg = Register::from_values(&[("name", name.clone())]);
        let reference = whole(&reg);
        for form in crate::domain::redact::person_variants(&name) {
            for t in carriers(&form) {
                // Whatever the whole register finds, the name is among the candidates
                // (so the keyed matcher holds it and finds the same).
                if !reference.find(&t).is_empty() {
                    assert!(reg.candidates(&t)[0], "name {name:?}, text {t:?}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn a_small_text_builds_a_small_matcher() {
    // Names without digits (a name with one is always matched: a phone form).
    let letters = |i: usize| -> String {
        [i / 676, i / 26 % 26, i % 26]
            .iter()
            .map(|d| (b'a' + *d as u8) as char)
            .collect()
    };
    let names: Vec<String> = (0..400)
        .map(|i| format!("Person{} Surname{}", letters(i), letters(i)))
        .collect();
    let vals: Vec<(&'static str, String)> = names.iter().map(|n| ("name", n.clone())).collect();
    let reg = Register::from_values(&vals);
    assert_eq!(reg.find("P7QK,North,phase 1"), None);
    assert!(reg.built.lock().unwrap().count < 10);
    assert_eq!(reg.find("said surnameaet once").map(|x| x.0), Some("name"));
    assert!(reg.built.lock().unwrap().count < 20);
}

fn zip_of(members: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in members {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// The whole check of a file, through the keyed register built from a study-sized
/// register: a form in the file name, in a zip member's name or content, in a CSV
/// cell, across a line break, in other case and without accents, is refused with the
/// place; the same files without it pass.
#[test]
fn files_carrying_a_form_are_refused_wherever_it_is() {
    let mut vals: Vec<(&'static str, String)> = (0..300)
        .map(|i| ("name", format!("Given{} Family{}", i % 17, i)))
        .collect();
    vals.push(("name", "Zoë Ní Bhriain".into()));
    vals.push(("name", "Dáire O'Connor-Whyte".into()));
    let reg = Register::from_values(&vals);
    let csv_ok = "code,site\r\nP7QK,North\r\n";
    assert!(reg
        .check_file("export", "participants.csv", csv_ok.as_bytes())
        .is_ok());
    for (name, bytes, place) in [
        ("zoe-notes.csv", csv_ok.as_bytes().to_vec(), "file name"),
        (
            "participants.csv",
            "code,site\r\nP7QK,\"North, with Ní\nBhriain\"\r\n"
                .as_bytes()
                .to_vec(),
            "participants.csv (line 2)",
        ),
        (
            "participants.csv",
            "code,note\r\nP7QK,ZOE said\r\n".as_bytes().to_vec(),
            "participants.csv (line 2)",
        ),
        (
            "project.qdpx",
            zip_of(&[
                ("project.qde", "<a>ok</a>"),
                ("sources/o'connor whyte.txt", "x"),
            ]),
            "member name",
        ),
        (
            "project.qdpx",
            zip_of(&[("project.qde", "<a>ok</a>\n<b>Mr O&apos;Connor-Whyte</b>")]),
            "member project.qde (line 2)",
        ),
    ] {
        let e = reg
            .check_file("export", name, &bytes)
            .expect_err(name)
            .to_string();
        assert!(e.contains(place) && e.contains("name"), "{e}");
    }
    let z = zip_of(&[
        ("project.qde", "<a>Connors</a>"),
        ("sources/a.txt", "Whyteleafe"),
    ]);
    assert!(reg.check_file("export", "project.qdpx", &z).is_ok());
}

#[test]
fn ascii_normalisation_is_the_general_one() {
    for s in [
        "  Ada\n\tQUILL  ",
        "O`Hara\u{b}x",
        "a\r\n\x0c b",
        "",
        "   ",
        "Dr. A.Q. O'Hara",
    ] {
        let slow = {
            // Through the general path: a non-ASCII character that normalises to nothing.
            let t = format!("{s}\u{200b}");
            crate::domain::redact::normalise(&t)
        };
        assert_eq!(crate::domain::redact::normalise(s), slow, "{s:?}");
    }
}
