//! Word lists (common words, given names, surnames, titles) and date context.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Capitalised words that are not names: function words, calendar words, common roles,
/// transcript conventions and health-system acronyms (trimmed from the start of a
/// capitalised run: "And Ms Quil" → "Quil").
pub(super) const COMMON: &str = "i a an the and or but if so then this that these those there here we you he she it they me us him her them my our your his its their what when where who why how which yes no not ok okay well right sure thanks thank please also just very really actually maybe perhaps because although though however yeah um uh er erm mm hmm oh ah so now then today yesterday tomorrow monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december spring summer autumn winter interviewer participant speaker respondent facilitator observer chair chief executive director board group team committee meeting forum system trust trusts council england nhs ics icb icp ccg cqc gp gps covid a&e ae uk do does did is are was were be been have has had will would can could should might must let lets let's mr mrs ms miss mx dr prof professor sir dame lord lady cllr councillor don't i'm i've i'd i'll we'll you'll they'll he's she's you're you've we'd they'd we're we've they're it's that's there's what's can't won't isn't wasn't aren't didn't doesn't";

/// Titles: the word after one is a person's name.
pub(super) const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lord",
    "lady",
    "cllr",
    "councillor",
];

/// Months that are also given names. ("May" is left out: at a sentence start it is
/// mostly the verb, and a colleague called May there is a known limit; see
/// docs/exports.md.)
pub(super) fn month_name(norm: &str) -> bool {
    matches!(norm, "april" | "june" | "august")
}

/// Whether the word at `ws..we` of `text` stands as a date: a number beside it ("April
/// 2022", "5 April", "April 5th") or a word that introduces a time before it ("in April",
/// "since June", "last August").
pub(super) fn date_context(text: &str, ws: usize, we: usize) -> bool {
    const BEFORE: &[&str] = &[
        "in",
        "on",
        "since",
        "until",
        "till",
        "by",
        "during",
        "of",
        "last",
        "next",
        "this",
        "that",
        "early",
        "late",
        "mid",
        "end",
        "before",
        "after",
        "from",
        "to",
        "through",
        "between",
        "every",
        "each",
        "around",
        "throughout",
        "following",
        "previous",
        "and",
        "or",
    ];
    let prev = text[..ws]
        .trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == '-')
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let next = text[we..]
        .trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == '-')
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let numeric = |t: &str| t.chars().next().is_some_and(|c| c.is_ascii_digit());
    numeric(prev) || numeric(next) || BEFORE.contains(&prev.to_lowercase().as_str())
}

pub(super) fn stop_words() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.split_whitespace().collect())
}

pub(super) fn word_list(text: &'static str) -> HashSet<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The shipped list of common English words (`assets/redaction/common-words.txt`: the
/// most frequent words a dictionary spells in lower case), normalised.
pub fn common_words() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| word_list(include_str!("../../../assets/redaction/common-words.txt")))
}

/// The shipped gazetteer of given names (`assets/redaction/given-names.txt`), lower case.
pub fn given_names() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        word_list(include_str!("../../../assets/redaction/given-names.txt"))
            .into_iter()
            .filter(|w| w.chars().count() >= 3)
            .collect()
    })
}

/// The shipped gazetteer of surnames (`assets/redaction/surnames.txt`), lower case.
pub fn surnames() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        word_list(include_str!("../../../assets/redaction/surnames.txt"))
            .into_iter()
            .filter(|w| w.chars().count() >= 3)
            .collect()
    })
}

/// Whether a normalised text is one common English word ("hope", "will", "price").
pub fn is_common_word(norm: &str) -> bool {
    common_words().contains(norm)
}

/// Whether a normalised word is a name by the gazetteer: any given name, or a surname that
/// is not also a common English word ("smith" yes, "young" no).
pub fn is_name_word(norm: &str) -> bool {
    given_names().contains(norm) || (surnames().contains(norm) && !is_common_word(norm))
}
