use std::collections::HashSet;

use super::{matcher::*, normalise::*, suspects::*, variants::*};

fn ent(id: &str, label: &str, v: &[&str]) -> Entity {
    Entity {
        id: id.into(),
        label: label.into(),
        variants: v.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn longest_match_first_case_insensitive_across_lines() {
    let e = vec![
        ent("p", "[Participant P7QK]", &["Ada Quill", "Dr Quill"]),
        ent("o", "[Organisation 1]", &["Northvale Trust", "Northvale"]),
    ];
    let text = "I spoke to DR QUILL at Northvale\nTrust; ada   quill's view was clear. Northvales is not it.";
    let reps = find_matches(text, &e);
    let labels: Vec<&str> = reps.iter().map(|r| r.original.as_str()).collect();
    assert_eq!(labels, ["DR QUILL", "Northvale\nTrust", "ada   quill"]);
    let red = apply(text, &reps);
    assert_eq!(
            red,
            "I spoke to [Participant P7QK] at [Organisation 1]; [Participant P7QK]'s view was clear. Northvales is not it."
        );
}

#[test]
fn unicode_normalised() {
    let e = vec![ent("p", "[P]", &["Zoë O’Hara"])];
    // Decomposed ë (e + U+0308) and a straight apostrophe.
    let text = "Then Zoe\u{0308} O'Hara said";
    let reps = find_matches(text, &e);
    assert_eq!(reps.len(), 1, "{reps:?}");
    assert_eq!(reps[0].original, "Zoe\u{0308} O'Hara");
    assert_eq!(apply(text, &reps), "Then [P] said");
}

#[test]
fn suspects_cover_emails_phones_postcodes_dates_names_and_near_misses() {
    let e = vec![ent("p", "[P]", &["Ada Quill"])];
    let text = "Interviewer: Hello.\nParticipant: Write to a.q@example.org or call 01632 960 123. We met Bertie Marchbanks at CB2 1TN on 3rd March 2022. Ada Quil agreed. The board met. And Ms Quil?";
    let reps = find_matches(text, &e);
    let s = find_suspects(text, &reps, &HashSet::new(), &["Ada Quill".into()]);
    let kinds: Vec<(&str, &str)> = s
        .iter()
        .map(|x| (x.reason.as_str(), x.text.as_str()))
        .collect();
    assert!(kinds.contains(&("email", "a.q@example.org")), "{kinds:?}");
    assert!(kinds.contains(&("phone", "01632 960 123")), "{kinds:?}");
    assert!(kinds.contains(&("postcode", "CB2 1TN")), "{kinds:?}");
    assert!(kinds.contains(&("date", "3rd March 2022")), "{kinds:?}");
    assert!(kinds.contains(&("name", "Bertie Marchbanks")), "{kinds:?}");
    assert!(
        kinds
            .iter()
            .any(|(r, t)| *r == "near-miss" && t.contains("Quil")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("near-miss", "Quil")),
        "titles and function words are trimmed: {kinds:?}"
    );
    assert!(
        !kinds
            .iter()
            .any(|(_, t)| *t == "Interviewer" || *t == "The"),
        "{kinds:?}"
    );
    let allow: HashSet<String> = [normalise("Bertie Marchbanks")].into_iter().collect();
    let s = find_suspects(text, &reps, &allow, &[]);
    assert!(!s.iter().any(|x| x.text == "Bertie Marchbanks"));
}

#[test]
fn one_finder_over_many_texts_finds_what_fresh_ones_do() {
    let variants: Vec<String> = vec!["Ada Quill".into(), "Northvale Trust".into()];
    let e = vec![
        ent("p", "[P]", &["Ada Quill"]),
        ent("o", "[O]", &["Northvale Trust"]),
    ];
    let texts = [
        "Participant: Ada Quil met Bertie Marchbanks at Northvail Trust.",
        "Interviewer: And Ms Quil? Ada Quill said Zoe\u{0308} Marchbanks would come.",
        "Participant: Bertie Marchbanks again, and Quil, and NORTHVALE trust.",
    ];
    let finder = SuspectFinder::new(&variants);
    let allow = HashSet::new();
    for t in texts {
        let reps = find_matches(t, &e);
        assert_eq!(
            finder.find(t, &reps, &allow),
            find_suspects(t, &reps, &allow, &variants),
            "{t}"
        );
    }
    // Replacements out of order: still honoured.
    let t = texts[0];
    let mut reps = find_matches(t, &e);
    reps.reverse();
    reps.push(Replacement {
        start: 0,
        end: t.len(),
        original: String::new(),
        label: "[X]".into(),
        entity_id: "x".into(),
    });
    assert!(finder.find(t, &reps, &allow).is_empty());
}

#[test]
fn the_distance_bound_never_exceeds_the_distance() {
    let words = [
        "quill",
        "quil",
        "qiull",
        "ada quill",
        "northvale",
        "northvail",
        "marchbanks",
        "marchbank",
        "zoë",
        "zoe",
        "o'hara",
        "ohara",
        "abcde",
        "edcba",
        "aabbc",
        "",
        "x",
        "partnership",
        "partnerships",
        "trust",
        "rtust",
    ];
    for a in words {
        for b in words {
            let lb = distance_lower_bound(&sorted_chars(a), &sorted_chars(b));
            assert!(lb <= strsim::damerau_levenshtein(a, b), "{a} / {b}");
        }
    }
    // Pseudo-random strings over a small alphabet (many repeats and transpositions).
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |k: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % k
    };
    for _ in 0..3000 {
        let (la, lb_) = (next(9), next(9));
        let mut word = |n: u64| -> String {
            (0..n)
                .map(|_| ['a', 'b', 'c', 'é', ' '][next(5) as usize])
                .collect()
        };
        let a = word(la);
        let b = word(lb_);
        let lb = distance_lower_bound(&sorted_chars(&a), &sorted_chars(&b));
        assert!(lb <= strsim::damerau_levenshtein(&a, &b), "{a:?} / {b:?}");
    }
}

#[test]
fn normalise_ascii_and_clusters() {
    assert_eq!(normalise("  Ada\n\tQUILL  "), "ada quill");
    assert_eq!(normalise("Zoe\u{0308} O\u{2019}Hara"), "zoë o'hara");
    assert_eq!(normalise("ﬁne Ⅳ"), "fine iv");
}

#[test]
fn names_match_without_their_accents() {
    let e = vec![Entity {
        id: "p".into(),
        label: "[P]".into(),
        variants: person_variants("Zoë Ní Bhriain"),
    }];
    let m = Matcher::new(&e);
    for t in ["Zoe said", "ni bhriain said", "Bhriain said", "ZOË agreed"] {
        let red = apply(t, &m.find(t)).to_lowercase();
        assert!(
            !red.contains("zo") && !red.contains("bhriain"),
            "{t} → {red}"
        );
    }
}

#[test]
fn person_variants_include_titles_and_initials() {
    let v = person_variants("Ada Quill");
    for want in ["Ada Quill", "Dr Quill", "A. Quill", "Professor Quill"] {
        assert!(v.contains(&want.to_string()), "{v:?}");
    }
}

#[test]
fn every_form_of_a_registered_name_is_matched() {
    let mut variants = person_variants("Tamsin Hartwell-Quenby");
    variants.push("tamsin.hp@example.org".into());
    variants.push("01632 960 481".into());
    let e = vec![Entity {
        id: "p".into(),
        label: "[P]".into(),
        variants,
    }];
    let m = Matcher::new(&e);
    for text in [
        "Tamsin said so.",
        "We asked. Tamsin agreed.",
        "Hartwell-Quenby agreed.",
        "Quenby agreed.",
        "I met hartwell yesterday",
        "quenby's office",
        "Tamsin's view",
        "Dr Hartwell-Quenby",
        "Ms. Quenby",
        "T. Hartwell-Quenby",
        "T.H. came",
        "Tamsin\nHartwell-Quenby",
        "TAMSIN.HP@EXAMPLE.ORG",
        "ring 01632.960.481 now",
        "ring +44 1632 960481 now",
        "ring +44 (0)1632-960-481 now",
        "ring 0044 1632 960 481",
        "in 2023 01632 960 481 2 times",
        "(01632) 960481",
        "ﾀ Ｔａｍｓｉｎ",
        "Ta\u{ad}msin called",
        "Tam\u{200b}sin called",
    ] {
        let reps = m.find(text);
        assert!(!reps.is_empty(), "{text}");
        let red = apply(text, &reps).to_lowercase();
        for w in ["tamsin", "hartwell", "quenby", "960"] {
            assert!(!red.contains(w), "{text} → {red}");
        }
    }
    // Not inside other words, not other numbers.
    assert!(m.find("Quenbyish and tamsinite").is_empty());
    assert!(m.find("call 01632 960 482").is_empty());
}

#[test]
fn a_month_that_is_a_given_name_is_reviewed_unless_it_stands_as_a_date() {
    let finder = SuspectFinder::new(&[]);
    let text = "April from the practice came along. In April we met again. \
                    June 2022 was busy. On 5 June the board sat. Since August it has \
                    been quiet. August said no.";
    let got: Vec<(String, String)> = finder
        .find(text, &[], &HashSet::new())
        .into_iter()
        .filter(|x| x.reason == "name-or-word")
        .map(|x| (x.reason, x.text))
        .collect();
    assert_eq!(
        got,
        [
            ("name-or-word".to_string(), "April".to_string()),
            ("name-or-word".to_string(), "August".to_string())
        ],
        "{text}"
    );
}

#[test]
fn a_name_that_is_a_word_is_replaced_in_a_sentence_and_reviewed_elsewhere() {
    let e = vec![Entity {
        id: "p".into(),
        label: "[P]".into(),
        variants: person_variants("Hope Quarrington"),
    }];
    let m = Matcher::new(&e);
    assert!(m.ambiguous_words().contains("hope"));
    let text = "I spoke to Hope about it. Hope was there. We hope so.";
    let reps = m.find(text);
    assert_eq!(reps.len(), 1, "{reps:?}");
    assert_eq!(reps[0].original, "Hope");
    assert_eq!(reps[0].start, 11);
    let variants: Vec<String> = e[0].variants.clone();
    let finder = SuspectFinder::new(&variants).with_ambiguous(m.ambiguous_words());
    let s = finder.find(text, &reps, &HashSet::new());
    let got: Vec<(&str, &str)> = s
        .iter()
        .map(|x| (x.reason.as_str(), x.text.as_str()))
        .collect();
    assert_eq!(got, [("name-or-word", "Hope"), ("name-or-word", "hope")]);
    // Allowing the class of common words does not allow a registered name.
    let finder = finder.with_classes(AllowClasses {
        common_words: true,
        places: HashSet::new(),
        dates: false,
    });
    assert_eq!(finder.find(text, &reps, &HashSet::new()).len(), 2);
}

#[test]
fn unregistered_names_are_suspects_at_sentence_starts_and_in_lower_case() {
    let finder = SuspectFinder::new(&[]);
    let allow = HashSet::new();
    let found = |t: &str| -> Vec<String> {
        finder
            .find(t, &[], &allow)
            .into_iter()
            .map(|s| format!("{}:{}", s.reason, s.text))
            .collect()
    };
    assert_eq!(found("Jennifer called."), ["name:Jennifer"]);
    assert_eq!(found("We met. Kowalski was late."), ["name:Kowalski"]);
    assert_eq!(found("then kowalski said"), ["name:kowalski"]);
    assert_eq!(found("I asked Mr Brown."), ["title:Brown"]);
    assert_eq!(found("SIGNED: KOWALSKI"), ["name:KOWALSKI"]);
    assert_eq!(
        found("we met Jennifer Kowalski and Dr Nguyen there"),
        ["name:Jennifer Kowalski", "title:Nguyen"]
    );
    assert_eq!(found("Interviewer: The board met."), Vec::<String>::new());
    // A capitalised common word is a suspect until its class is allowed.
    assert_eq!(
        found("the Partnership Board met"),
        ["capitalised:Partnership Board"]
    );
    let classes = SuspectFinder::new(&[]).with_classes(AllowClasses {
        common_words: true,
        places: ["moorcombe".to_string()].into_iter().collect(),
        dates: false,
    });
    assert!(classes
        .find("the Partnership Board met at Moorcombe", &[], &allow)
        .is_empty());
    // A given name is never in the class of common words.
    assert_eq!(classes.find("the Grace Board", &[], &allow).len(), 1);
}
