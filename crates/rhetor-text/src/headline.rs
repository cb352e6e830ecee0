//! Is a first line a headline? Text files carry the title on line 1 by convention, but scraped
//! text often starts with a dateline, a byline or straight into the body.

use crate::date::parse_date_line;
use once_cell::sync::Lazy;
use regex::Regex;

static URL: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)^(?:<?https?://\S+>?|www\.\S+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|co\.uk|io|info|news|ru|de|fr|it|pl)(?:/\S*)?)$")
        .expect("static regex")
});

/// "WASHINGTON (Reuters) -", "KYIV, Ukraine (AP) —", "LONDON, March 3 (Reuters) -": place in
/// capitals, optional region/date, a news agency in brackets, a dash.
static AGENCY_DATELINE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"^\p{Lu}[\p{Lu}\p{L} .,'’-]{1,60}\(\s*[\p{L}][\p{L}\p{N} .&/-]{0,30}\)\s*[-–—:]")
        .expect("static regex")
});

/// "NEW YORK —", "PARIS, France -": one to three words in capitals (and an optional region) and a
/// dash at the start of the line.
static CITY_DATELINE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"^\p{Lu}{2,}(?:[ .'-]\p{Lu}{2,}){0,2}\.?(?:,\s*\p{Lu}[\p{L}.]*(?:\s\p{Lu}[\p{L}.]*)?)?\s*[-–—]\s")
        .expect("static regex")
});

/// "By Jane Doe", "BY JANE DOE AND JOHN ROE, Reuters", "Written by …", "Von Max Muster".
static BYLINE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)^(?:(?:written|posted|reported|story|text|words)\s+by|by|von|par|di|por|автор|author|autor)\s*:?\s+(\S.*)$",
    )
    .expect("static regex")
});

/// Whether `line` is only a URL.
pub fn is_url_line(line: &str) -> bool {
    URL.is_match(line.trim())
}

/// Whether `line` starts with a dateline ("WASHINGTON (Reuters) -") or is only a date or time.
pub fn is_dateline(line: &str) -> bool {
    let t = line.trim();
    AGENCY_DATELINE.is_match(t) || parse_date_line(t).is_some()
}

/// Whether `line` is a byline: "By" and a name (or a few names), nothing else.
pub fn is_byline(line: &str) -> bool {
    let t = line.trim();
    let Some(c) = BYLINE.captures(t) else {
        return false;
    };
    let Some(names) = c.get(1).map(|m| m.as_str()) else {
        return false;
    };
    looks_like_names(names)
}

/// "Jane Doe", "Jane Doe and John Roe, Reuters", "JANE DOE | Staff writer": a handful of words, each
/// capitalised or a name particle, no sentence-ending punctuation.
pub(crate) fn looks_like_names(s: &str) -> bool {
    let s = s.trim().trim_end_matches(['.', ',', ';']);
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '|' | '/' | '·' | '•'))
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 12 {
        return false;
    }
    if s.contains(['.', '!', '?']) && s.chars().filter(|&c| c == '.').count() > 3 {
        return false;
    }
    let particles = [
        "and",
        "&",
        "de",
        "da",
        "di",
        "del",
        "della",
        "van",
        "von",
        "der",
        "den",
        "la",
        "le",
        "du",
        "bin",
        "al",
        "el",
        "y",
        "e",
        "und",
        "et",
        "in",
        "for",
        "at",
        "staff",
        "writer",
        "reporter",
        "correspondent",
        "editor",
        "with",
        "contributor",
        "the",
        "of",
        "и",
    ];
    let is_cap = |w: &str| {
        w.chars()
            .find(|c| c.is_alphabetic())
            .is_some_and(|c| c.is_uppercase())
    };
    let capitalised = words.iter().filter(|w| is_cap(w)).count();
    let fitting = words
        .iter()
        .filter(|w| is_cap(w) || particles.contains(&w.to_lowercase().as_str()))
        .count();
    let first_cap = words.first().is_some_and(|w| is_cap(w));
    first_cap && fitting == words.len() && capitalised >= 1
}

pub(crate) fn looks_like_headline(line: &str) -> bool {
    let t = line.trim_matches(|c: char| c.is_whitespace() || crate::clean::is_zero_width(c));
    if t.is_empty() || is_url_line(t) || is_byline(t) || is_dateline(t) {
        return false;
    }
    let chars = t.chars().count();
    // Headlines in capitals ("NORD STREAM 1 ΤΕΛΟΣ! …") run long and hold several exclamations;
    // body text is never set in capitals.
    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
    let upper = t.chars().filter(|c| c.is_uppercase()).count();
    if letters >= 20 && upper * 10 >= letters * 9 && chars <= 400 {
        return true;
    }
    if chars > 300 {
        return false;
    }
    let sentence_count = crate::sentence::split(&t.chars().collect::<Vec<_>>()).len();
    let ends_with_period = t.ends_with('.') && !t.ends_with("...");
    // A lede: several sentences, or a long one closed by a full stop.
    if sentence_count >= 3 && chars > 160 {
        return false;
    }
    if ends_with_period && chars > 200 {
        return false;
    }
    // One long sentence closed by a full stop is a lede, not a headline (headlines rarely end with
    // a full stop; the SemEval titles that do are mostly short).
    if ends_with_period && t.split_whitespace().count() >= 15 {
        return false;
    }
    // "NEW YORK — The city council voted on Tuesday to …" is the first body paragraph.
    if CITY_DATELINE.is_match(t) && ends_with_period {
        return false;
    }
    true
}
