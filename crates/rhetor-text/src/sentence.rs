//! Rule-based sentence splitting inside one paragraph.
//!
//! Why rules and not `unicode-segmentation`: UAX #29 sentence bounds split after every `Mr.` and
//! `U.S.` followed by a capital, which is most of them in news. The rules below are the usual
//! news-wire fix-ups, written out so they can be read and tested.

/// Titles that precede a name: a period after them never ends a sentence.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "messrs", "mme", "mlle", "dr", "prof", "sen", "rep", "gov", "gen", "lt",
    "col", "maj", "sgt", "capt", "cmdr", "adm", "rev", "hon", "pres", "supt", "det", "insp", "st",
    "mt", "ft", "fr", "sr", "jr", "hr", "hrn", "frau", "herr", "cf", "ca", "approx", "vs", "v",
    "z", "bzw", "vgl", "dt", "sog", "tel", "str", "ul", "pl", "al", "ok", "tzw", "np", "gł", "ж",
    "г", "гг", "ул", "им", "см", "тыс", "млн", "млрд", "руб", "sig", "sgr", "dott", "ing", "avv",
    "on", "mons",
];

/// Abbreviations that stand before a number ("No. 5", "p. 12", "Art. 3"): not a sentence end when a
/// digit follows, and an ordinary word otherwise ("She said no. The …").
const BEFORE_NUMBER: &[&str] = &[
    "no", "nos", "nr", "vol", "fig", "figs", "pp", "p", "art", "tel", "ch", "sec", "par",
];

/// Abbreviations that can also end a sentence (`… Apple Inc. The company …`): they end one only
/// when a usual sentence opener follows.
const ABBREVIATIONS: &[&str] = &[
    "inc", "ltd", "co", "corp", "plc", "llc", "bros", "etc", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thurs",
    "fri", "sat", "sun", "est", "edt", "pst", "dept", "univ", "assn", "ave", "blvd", "rd", "mass",
    "calif", "fla", "ill", "wash", "tex", "pa", "va", "ga", "mich", "conn", "ariz", "colo", "ky",
    "md", "minn", "mo", "nev", "okla", "ore", "tenn", "wis", "usw", "bzw", "ggf", "evtl", "ecc",
    "ecc", "tj", "itd", "itp", "т",
];

/// Capitalised words that usually open a sentence. After an ambiguous abbreviation (`U.S.`,
/// `Inc.`, an initial) one of these means the sentence did end there.
const OPENERS: &[&str] = &[
    "the",
    "a",
    "an",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "you",
    "this",
    "that",
    "these",
    "those",
    "there",
    "but",
    "and",
    "or",
    "so",
    "yet",
    "in",
    "on",
    "at",
    "as",
    "if",
    "when",
    "while",
    "after",
    "before",
    "since",
    "however",
    "meanwhile",
    "still",
    "also",
    "then",
    "now",
    "its",
    "his",
    "her",
    "their",
    "our",
    "my",
    "your",
    "what",
    "who",
    "why",
    "how",
    "where",
    "some",
    "many",
    "most",
    "one",
    "for",
    "with",
    "according",
    "his",
    "both",
    "such",
    "other",
    "another",
    "each",
    "every",
    "all",
    "no",
    "not",
    "yes",
    "last",
    "earlier",
    "later",
    "today",
    "yesterday",
    "despite",
    "although",
    "though",
    "because",
    "during",
    "officials",
    "critics",
    "if",
];

fn is_terminator(c: char) -> bool {
    matches!(
        c,
        '.' | '!' | '?' | '…' | '。' | '！' | '？' | '‼' | '⁇' | '⁈' | '⁉' | '؟' | '।'
    )
}

fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | '»' | '«' | '›' | ')' | ']' | '}' | '」' | '』' | '）'
    )
}

/// Sentence spans (start, end) relative to `chars`, trimmed of white space, in order.
pub(crate) fn split(chars: &[char]) -> Vec<(usize, usize)> {
    let n = chars.len();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < n {
        let c = chars.get(i).copied().unwrap_or(' ');
        if !is_terminator(c) {
            i += 1;
            continue;
        }
        // The run of terminators and closing quotes/brackets.
        let term_start = i;
        let mut j = i;
        while j < n && chars.get(j).is_some_and(|&c| is_terminator(c)) {
            j += 1;
        }
        while j < n && chars.get(j).is_some_and(|&c| is_closer(c)) {
            j += 1;
        }
        let end = j;
        // Must be followed by white space (or the paragraph end).
        let mut k = j;
        while k < n && chars.get(k).is_some_and(|c| c.is_whitespace()) {
            k += 1;
        }
        if k == n {
            break;
        }
        if k == j || !ends_sentence(chars, term_start, end, k) {
            i = end.max(i + 1);
            continue;
        }
        push_trimmed(chars, start, end, &mut out);
        start = k;
        i = k;
    }
    push_trimmed(chars, start, n, &mut out);
    out
}

fn push_trimmed(chars: &[char], start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let mut s = start;
    let mut e = end.min(chars.len());
    while s < e && chars.get(s).is_some_and(|c| is_space(*c)) {
        s += 1;
    }
    while e > s && chars.get(e - 1).is_some_and(|c| is_space(*c)) {
        e -= 1;
    }
    if s < e {
        out.push((s, e));
    }
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || crate::clean::is_zero_width(c)
}

/// Decide whether the terminator run `chars[term_start..end]`, followed by white space and the
/// character at `next`, ends a sentence.
fn ends_sentence(chars: &[char], term_start: usize, end: usize, next: usize) -> bool {
    let Some(&nc) = chars.get(next) else {
        return true;
    };
    // "said he was … fine." / "(see p. 4)" — a lower-case continuation never starts a sentence.
    if nc.is_lowercase() {
        return false;
    }
    let next_word = word_at(chars, next);
    let only_period = chars
        .get(term_start..end)
        .is_some_and(|run| run.iter().filter(|c| is_terminator(**c)).all(|&c| c == '.'))
        && chars.get(term_start + 1).is_none_or(|&c| c != '.');
    if !only_period {
        return true;
    }
    // The token before the period, back to white space or an opening bracket/quote.
    let mut b = term_start;
    while b > 0
        && chars.get(b - 1).is_some_and(|&c| {
            !c.is_whitespace() && !matches!(c, '(' | '[' | '"' | '“' | '«' | '\'')
        })
    {
        b -= 1;
    }
    let token: String = chars.get(b..term_start).unwrap_or(&[]).iter().collect();
    if token.is_empty() {
        return true;
    }
    let lower = token.to_lowercase();
    // "1. Cut taxes", "b. Raise rents", "IV. The war": a list marker opening the paragraph.
    let at_start = chars
        .get(..b)
        .is_some_and(|pre| pre.iter().all(|c| c.is_whitespace()));
    let marker = (token.len() <= 3 && token.chars().all(|c| c.is_ascii_digit()))
        || token.chars().count() == 1
        || (token.len() <= 4 && token.chars().all(|c| matches!(c, 'I' | 'V' | 'X')));
    if at_start && marker {
        return false;
    }
    let initial = token.chars().count() == 1 && token.chars().all(char::is_uppercase);
    if BEFORE_NUMBER.contains(&lower.as_str()) && !initial {
        return !next_word.starts_with(|c: char| c.is_ascii_digit());
    }
    if TITLES.contains(&lower.as_str()) {
        // "No. 5" is a title-like abbreviation; "… said no. The …" is rare enough to accept.
        return false;
    }
    let opener = OPENERS.contains(&next_word.to_lowercase().as_str());
    let is_initialism = {
        // "U.S", "a.m", "J", "e.g": letters separated by periods, each group one or two letters.
        let groups: Vec<&str> = token.split('.').collect();
        !groups.is_empty()
            && groups.iter().all(|g| {
                let n = g.chars().count();
                (1..=2).contains(&n) && g.chars().all(|c| c.is_alphabetic())
            })
            && (groups.len() > 1
                || token.chars().all(|c| c.is_uppercase()) && token.chars().count() == 1)
    };
    if is_initialism || ABBREVIATIONS.contains(&lower.as_str()) {
        return opener;
    }
    // German ordinals before a month: "am 3. Oktober".
    if token.chars().all(|c| c.is_ascii_digit()) && token.len() <= 2 && is_month_word(&next_word) {
        return false;
    }
    true
}

fn word_at(chars: &[char], at: usize) -> String {
    let mut i = at;
    // Skip opening quotes/brackets.
    while chars
        .get(i)
        .is_some_and(|&c| matches!(c, '"' | '“' | '‘' | '\'' | '«' | '(' | '['))
    {
        i += 1;
    }
    chars
        .get(i..)
        .unwrap_or(&[])
        .iter()
        .take_while(|c| c.is_alphanumeric())
        .collect()
}

fn is_month_word(w: &str) -> bool {
    matches!(
        w,
        "Januar"
            | "Jänner"
            | "Februar"
            | "März"
            | "April"
            | "Mai"
            | "Juni"
            | "Juli"
            | "August"
            | "September"
            | "Oktober"
            | "November"
            | "Dezember"
    )
}
