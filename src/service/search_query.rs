//! The search box's language, turned into an FTS5 query. Plain text just works: every
//! word is searched as text, whatever punctuation it carries (`00:00:07`, `Q3:`,
//! `follow-up`, `don't`), instead of being read as FTS5 column or operator syntax. The
//! documented operators keep their meaning: `"a phrase"`, `prefix*`, `AND`, `OR`, `NOT`
//! (in capitals, as in FTS5) and parentheses. Words next to each other must all match.
//! A query that still makes no sense (an unclosed quote or bracket, an operator with
//! nothing on one side) is refused with what is wrong and where.

use super::{invalid, Result};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A word or phrase, already quoted for FTS5 (with `*` when it is a prefix).
    Term(String),
    And,
    Or,
    Not,
    Open,
    Close,
}

/// Quote text as one FTS5 string (a phrase of the tokens in it).
fn quoted(text: &str, prefix: bool) -> String {
    let mut s = String::with_capacity(text.len() + 3);
    s.push('"');
    s.push_str(&text.replace('"', "\"\""));
    s.push('"');
    if prefix {
        s.push('*');
    }
    s
}

/// Text the tokenizer would find a word in (letters or digits); a run of punctuation such
/// as `-` or `:` alone would be an empty phrase, which matches nothing.
fn searchable(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

fn lex(q: &str) -> Result<Vec<(Tok, usize)>> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push((Tok::Open, at));
            i += 1;
        } else if c == ')' {
            out.push((Tok::Close, at));
            i += 1;
        } else if c == '"' {
            let start = i + 1;
            let mut j = start;
            while j < chars.len() && chars[j] != '"' {
                j += 1;
            }
            if j == chars.len() {
                return Err(invalid(
                    "query",
                    format!(
                        "`{q}` is not a valid search: the quote at character {at} is not closed (a phrase goes between two \")"
                    ),
                ));
            }
            let text: String = chars[start..j].iter().collect();
            i = j + 1;
            let prefix = i < chars.len() && chars[i] == '*';
            if prefix {
                i += 1;
            }
            if searchable(&text) {
                out.push((Tok::Term(quoted(&text, prefix)), at));
            }
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | '"')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            match word.as_str() {
                "AND" => out.push((Tok::And, at)),
                "OR" => out.push((Tok::Or, at)),
                "NOT" => out.push((Tok::Not, at)),
                _ => {
                    let stem = word.trim_end_matches('*');
                    let prefix = stem.len() < word.len();
                    if searchable(stem) {
                        out.push((Tok::Term(quoted(stem, prefix)), at));
                    }
                }
            }
        }
    }
    Ok(out)
}

fn op_name(t: &Tok) -> &'static str {
    match t {
        Tok::And => "AND",
        Tok::Or => "OR",
        Tok::Not => "NOT",
        Tok::Open => "(",
        Tok::Close => ")",
        Tok::Term(_) => "a word",
    }
}

/// Does the FTS5 query (from [`to_fts`]) hold a prefix term (`"integrat"*`)? Terms are
/// always quoted and a typed word or phrase never holds a `"`, so `"*` is only ever a
/// prefix. A stemmed index keeps only the stems (`integrated` is stored as `integr`),
/// so a prefix longer than the stem (`integrat*`, `governan*`) would find nothing there:
/// such a query is run against the index of words as written.
pub fn has_prefix(fts: &str) -> bool {
    fts.contains("\"*")
}

/// Brackets nested deeper than this are refused: SQLite's FTS5 parser has a fixed stack
/// (about 32 levels of `a OR (…` overflow it), and no one searches with more.
pub const MAX_DEPTH: usize = 20;

/// More `NOT`s than this are refused: each one nests the FTS5 expression a level deeper,
/// and FTS5 refuses a tree deeper than 256.
pub const MAX_NOTS: usize = 100;

/// The FTS5 query for what was typed. Errors are `Invalid` on the field `query`.
pub fn to_fts(query: &str) -> Result<String> {
    let q = query.trim();
    let toks = lex(q)?;
    let bad = |msg: String| invalid("query", format!("`{q}` is not a valid search: {msg}"));
    // `AND NOT` (as people write it) is FTS5's binary `NOT`.
    let mut norm: Vec<(Tok, usize)> = Vec::with_capacity(toks.len());
    for (t, at) in toks {
        if t == Tok::Not && matches!(norm.last(), Some((Tok::And, _))) {
            norm.pop();
        }
        norm.push((t, at));
    }
    if !norm.iter().any(|(t, _)| matches!(t, Tok::Term(_))) {
        return Err(bad(
            "nothing to search for (type a word with letters or digits)".into(),
        ));
    }
    // Check the shape and write it out, with an explicit AND between neighbours (FTS5
    // does not accept an implicit one next to brackets).
    let mut out = String::new();
    let mut depth: Vec<usize> = Vec::new();
    // After an operand (a term or a closed bracket)?
    let mut after_operand = false;
    let mut last: Option<(Tok, usize)> = None;
    let mut nots = 0usize;
    for (t, at) in norm {
        match &t {
            Tok::Term(s) => {
                if after_operand {
                    out.push_str(" AND ");
                } else if !out.is_empty() && !out.ends_with('(') {
                    out.push(' ');
                }
                out.push_str(s);
                after_operand = true;
            }
            Tok::Open => {
                if after_operand {
                    out.push_str(" AND ");
                } else if !out.is_empty() && !out.ends_with('(') {
                    out.push(' ');
                }
                out.push('(');
                depth.push(at);
                if depth.len() > MAX_DEPTH {
                    return Err(bad(format!(
                        "the `(` at character {at} nests brackets more than {MAX_DEPTH} deep; simplify the search"
                    )));
                }
                after_operand = false;
            }
            Tok::Close => {
                if depth.pop().is_none() {
                    return Err(bad(format!("the `)` at character {at} closes no `(`")));
                }
                if !after_operand {
                    return Err(bad(match &last {
                        Some((Tok::Open, _)) => format!("empty brackets at character {at}"),
                        Some((op, _)) => format!(
                            "{} before the `)` at character {at} has nothing after it",
                            op_name(op)
                        ),
                        None => format!("nothing before the `)` at character {at}"),
                    }));
                }
                out.push(')');
                after_operand = true;
            }
            Tok::And | Tok::Or | Tok::Not => {
                if !after_operand {
                    let what = op_name(&t);
                    return Err(bad(match &last {
                        None | Some((Tok::Open, _)) if t == Tok::Not => format!(
                            "NOT at character {at} needs a word before it: `trust NOT board` finds trust without board"
                        ),
                        None | Some((Tok::Open, _)) => {
                            format!("{what} at character {at} needs a word before it")
                        }
                        Some((op, _)) => format!(
                            "{what} at character {at} follows {} (two operators in a row)",
                            op_name(op)
                        ),
                    }));
                }
                if t == Tok::Not {
                    nots += 1;
                    if nots > MAX_NOTS {
                        return Err(bad(format!(
                            "the NOT at character {at} is one more than the {MAX_NOTS} a search may hold; simplify the search"
                        )));
                    }
                }
                out.push(' ');
                out.push_str(op_name(&t));
                after_operand = false;
            }
        }
        last = Some((t, at));
    }
    if let Some(at) = depth.last() {
        return Err(bad(format!("the `(` at character {at} is not closed")));
    }
    if !after_operand {
        if let Some((op, at)) = &last {
            return Err(bad(format!(
                "{} at character {at} needs a word after it",
                op_name(op)
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::to_fts;

    fn ok(q: &str) -> String {
        to_fts(q).unwrap_or_else(|e| panic!("{q}: {e}"))
    }

    fn err(q: &str) -> String {
        to_fts(q).expect_err(q).to_string()
    }

    #[test]
    fn plain_text_is_quoted() {
        assert_eq!(ok("integrate"), r#""integrate""#);
        assert_eq!(ok("00:00:07"), r#""00:00:07""#);
        assert_eq!(ok("Q3: finance"), r#""Q3:" AND "finance""#);
        assert_eq!(ok("follow-up don't"), r#""follow-up" AND "don't""#);
        assert_eq!(ok("text:quality"), r#""text:quality""#);
        // Punctuation alone is no word.
        assert_eq!(ok("Q3 - finance"), r#""Q3" AND "finance""#);
        // Lower-case operators are words, as in FTS5.
        assert_eq!(ok("trust and board"), r#""trust" AND "and" AND "board""#);
    }

    #[test]
    fn operators_keep_working() {
        assert_eq!(
            ok(r#""quality improvement" NOT training"#),
            r#""quality improvement" NOT "training""#
        );
        assert_eq!(ok("dashboard*"), r#""dashboard"*"#);
        assert_eq!(ok(r#""primary car"*"#), r#""primary car"*"#);
        assert_eq!(ok("a OR b"), r#""a" OR "b""#);
        assert_eq!(ok("trust AND NOT board"), r#""trust" NOT "board""#);
        assert_eq!(
            ok("trust (board OR training)"),
            r#""trust" AND ("board" OR "training")"#
        );
        assert_eq!(ok("(a OR b) c"), r#"("a" OR "b") AND "c""#);
    }

    #[test]
    fn malformed_queries_say_what_and_where() {
        assert!(err(r#"say "quality"#).contains("quote at character 5 is not closed"));
        assert!(err("(a OR b").contains("`(` at character 1 is not closed"));
        assert!(err("a)").contains("`)` at character 2 closes no `(`"));
        assert!(err("a ()").contains("empty brackets"));
        assert!(err("NOT board").contains("NOT at character 1 needs a word before it"));
        assert!(err("a OR").contains("OR at character 3 needs a word after it"));
        assert!(err("a AND OR b").contains("OR at character 7 follows AND"));
        assert!(err("::").contains("nothing to search for"));
        assert!(err("").contains("nothing to search for"));
    }

    #[test]
    fn prefixes_are_recognised() {
        use super::has_prefix;
        assert!(has_prefix(&ok("integrat*")));
        assert!(has_prefix(&ok(r#"trust "quality improv"*"#)));
        assert!(!has_prefix(&ok("integrate 2*3")));
        assert!(!has_prefix(&ok(r#""a*b" c"#)));
        assert!(!has_prefix(&ok("integrate")));
    }

    #[test]
    fn searches_too_deep_for_fts5_are_refused_with_the_place() {
        let deep = |n: usize| format!("{}money{}", "money OR (".repeat(n), ")".repeat(n));
        assert!(to_fts(&deep(super::MAX_DEPTH)).is_ok());
        let e = err(&deep(super::MAX_DEPTH + 1));
        assert!(e.contains("nests brackets more than 20 deep"), "{e}");
        assert!(e.contains(&format!("character {}", 10 * 21)), "{e}");
        let nots = |n: usize| vec!["money"; n + 1].join(" NOT ");
        assert!(to_fts(&nots(super::MAX_NOTS)).is_ok());
        let e = err(&nots(super::MAX_NOTS + 1));
        assert!(e.contains("one more than the 100"), "{e}");
        // Many words and ORs are fine (FTS5 flattens them).
        assert!(to_fts(&vec!["money"; 3000].join(" OR ")).is_ok());
    }
}
