//! The specific things an article names: capitalised names (people, places, organisations),
//! numbers and calendar dates. No tagger and no gazetteer: capitalisation in running English text
//! is a strong enough cue, and the index weighs each feature by how rare it is in the collection,
//! so a common capitalised word ("President", "Trump" in 2016) ends up light on its own.
//!
//! Sentence-initial words and title-case headlines are capitalised whatever they are, so a word
//! in such a position counts only when the same word is also capitalised in the middle of a
//! sentence somewhere in the article ("Police said ..." does not make "police" a name), or when it
//! starts a multi-word capitalised run in the body ("Michael Steele said ...").

use std::collections::{BTreeMap, HashSet};

/// What kind of specific thing a feature is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeatureKind {
    /// One word of a capitalised name ("steele"): lets "Mr. Steele" meet "Michael Steele".
    Word,
    /// A whole multi-word capitalised name ("michael steele").
    Name,
    /// A number as written, normalised ("1200", "7.8", "2million").
    Number,
    /// A calendar date without the year ("mar-11").
    Date,
}

impl FeatureKind {
    fn prefix(self) -> &'static str {
        match self {
            FeatureKind::Word => "w:",
            FeatureKind::Name => "n:",
            FeatureKind::Number => "#:",
            FeatureKind::Date => "d:",
        }
    }

    /// Reads the kind back from a feature key.
    pub fn of_key(key: &str) -> Option<FeatureKind> {
        match key.get(..2)? {
            "w:" => Some(FeatureKind::Word),
            "n:" => Some(FeatureKind::Name),
            "#:" => Some(FeatureKind::Number),
            "d:" => Some(FeatureKind::Date),
            _ => None,
        }
    }
}

/// One feature: a normalised key (kind prefix + lower-case form) and how it was first written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Feature {
    /// Normalised key, unique per feature ("n:michael steele", "#:43", "d:mar-11").
    pub key: String,
    /// The text as written in the article ("Michael Steele").
    pub surface: String,
}

/// The distinct features of an article, keyed by normalised key, from the title and the first
/// `lead_chars` characters of the text (0 = the whole text).
pub fn extract(title: &str, text: &str, lead_chars: usize) -> Vec<Feature> {
    let lead: &str = if lead_chars == 0 {
        text
    } else {
        match text.char_indices().nth(lead_chars) {
            Some((i, _)) => &text[..i],
            None => text,
        }
    };
    let title_toks = tokenize(title, true);
    let body_toks = tokenize(lead, false);
    // Words capitalised in the middle of a body sentence: they vouch for the same word at the
    // start of a sentence or in a title-case headline.
    let confirmed: HashSet<String> = body_toks
        .iter()
        .filter(|t| t.capitalised && !t.uncertain)
        .map(|t| t.lower.clone())
        .collect();
    let no_body = body_toks.is_empty();
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (toks, is_title) in [(&title_toks, true), (&body_toks, false)] {
        collect_names(toks, is_title, &confirmed, no_body, &mut out);
        collect_numbers(toks, &mut out);
    }
    out.into_iter()
        .map(|(key, surface)| Feature { key, surface })
        .collect()
}

#[derive(Debug, Clone)]
struct Tok {
    /// The word without surrounding punctuation and without a possessive 's.
    text: String,
    lower: String,
    capitalised: bool,
    has_digit: bool,
    /// Sentence-initial or in a title: capitalisation says nothing.
    uncertain: bool,
    /// Punctuation after the word ends a name run (comma, quote, bracket, sentence end...).
    break_after: bool,
}

/// Abbreviations whose final full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "st", "jr", "sr", "lt", "col", "sgt",
    "capt", "prof", "inc", "corp", "co", "ltd", "no", "vs", "u.s", "u.n", "u.k", "e.u", "d.c",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "ft",
    "mt", "rev", "atty", "supt", "msgr", "pres", "vol", "est", "approx", "dept", "univ",
];

/// Capitalised words that are not names: function words that start sentences, honorifics and
/// titles (they precede names but are not specific), weekdays (relative to the publication date),
/// months (used for dates instead) and newsroom furniture.
const STOP: &[&str] = &[
    "a",
    "an",
    "the",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "he",
    "she",
    "they",
    "we",
    "i",
    "you",
    "his",
    "her",
    "their",
    "our",
    "my",
    "your",
    "in",
    "on",
    "at",
    "for",
    "but",
    "and",
    "or",
    "if",
    "when",
    "while",
    "after",
    "before",
    "as",
    "so",
    "yet",
    "now",
    "then",
    "there",
    "here",
    "what",
    "who",
    "why",
    "how",
    "where",
    "which",
    "with",
    "without",
    "from",
    "to",
    "by",
    "of",
    "into",
    "about",
    "over",
    "under",
    "during",
    "since",
    "until",
    "though",
    "although",
    "because",
    "also",
    "however",
    "still",
    "meanwhile",
    "instead",
    "indeed",
    "even",
    "just",
    "not",
    "no",
    "yes",
    "all",
    "some",
    "many",
    "most",
    "more",
    "much",
    "few",
    "one",
    "two",
    "three",
    "each",
    "every",
    "both",
    "other",
    "another",
    "such",
    "any",
    "only",
    "last",
    "next",
    "first",
    "new",
    "according",
    "said",
    "says",
    "say",
    "asked",
    "told",
    "like",
    "do",
    "does",
    "did",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "has",
    "have",
    "had",
    "will",
    "would",
    "can",
    "could",
    "should",
    "may",
    "might",
    "must",
    "let",
    "read",
    "see",
    "watch",
    "click",
    "advertisement",
    "photo",
    "image",
    "video",
    "getty",
    "images",
    "update",
    "updated",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sen",
    "rep",
    "gov",
    "gen",
    "lt",
    "col",
    "sgt",
    "capt",
    "prof",
    "rev",
    "president",
    "senator",
    "sens",
    "reps",
    "governor",
    "secretary",
    "minister",
    "prime",
    "chairman",
    "chief",
    "judge",
    "justice",
    "representative",
    "speaker",
    "leader",
    "mayor",
    "vice",
    "former",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "tonight",
    "yesterday",
    "tomorrow",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "am",
    "pm",
    "a.m",
    "p.m",
    "et",
    "est",
    "edt",
    "pst",
    "gmt",
    "utc",
    "ap",
    "afp",
    "reuters",
    "cnn",
    "share",
    "comments",
    "comment",
    "copyright",
    "related",
    "story",
    "stories",
    "here's",
    "that's",
    "it's",
    "there's",
    "what's",
    "don't",
    "we're",
    "i'm",
    "he's",
    "she's",
    "they're",
    "news",
    "breaking",
    "exclusive",
    "opinion",
    "analysis",
    "editorial",
    "live",
];

/// Lower-case words allowed inside a name run when a capitalised word follows ("Bank of
/// America", "Osama bin Laden").
const CONNECTORS: &[&str] = &[
    "of", "de", "du", "da", "del", "della", "la", "le", "van", "von", "der", "den", "al", "el",
    "bin", "ibn", "y", "and", "&",
];

const MONTHS: &[(&str, &str)] = &[
    ("january", "jan"),
    ("jan", "jan"),
    ("february", "feb"),
    ("feb", "feb"),
    ("march", "mar"),
    ("mar", "mar"),
    ("april", "apr"),
    ("apr", "apr"),
    ("may", "may"),
    ("june", "jun"),
    ("jun", "jun"),
    ("july", "jul"),
    ("jul", "jul"),
    ("august", "aug"),
    ("aug", "aug"),
    ("september", "sep"),
    ("sept", "sep"),
    ("sep", "sep"),
    ("october", "oct"),
    ("oct", "oct"),
    ("november", "nov"),
    ("nov", "nov"),
    ("december", "dec"),
    ("dec", "dec"),
];

const MAGNITUDES: &[(&str, &str)] = &[
    ("thousand", "thousand"),
    ("million", "million"),
    ("millions", "million"),
    ("billion", "billion"),
    ("billions", "billion"),
    ("trillion", "trillion"),
    ("percent", "%"),
    ("per", ""),
];

fn is_stop(lower: &str) -> bool {
    STOP.contains(&lower)
}

fn is_open_punct(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '“' | '‘' | '(' | '[' | '{' | '«' | '‹' | '—' | '–' | '-' | '*' | '_' | '…'
    )
}

fn is_close_punct(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '”'
            | '’'
            | ')'
            | ']'
            | '}'
            | '»'
            | '›'
            | ','
            | ';'
            | ':'
            | '.'
            | '!'
            | '?'
            | '—'
            | '–'
            | '-'
            | '*'
            | '_'
            | '…'
    )
}

/// Splits text into words, marking sentence-initial words (and every title word) as uncertain and
/// noting where punctuation breaks a name run. Line breaks end sentences (headlines, captions and
/// paragraphs carry no full stop).
fn tokenize(text: &str, is_title: bool) -> Vec<Tok> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut sentence_start = true;
        for chunk in line.split_whitespace() {
            let trimmed_start = chunk.trim_start_matches(is_open_punct);
            let opened = trimmed_start.len() != chunk.len();
            let core = trimmed_start.trim_end_matches(is_close_punct);
            let tail = &trimmed_start[core.len()..];
            if opened {
                // An opening quote or bracket: a new run (and often a new sentence in a quote).
                if let Some(prev) = out.last_mut() {
                    let prev: &mut Tok = prev;
                    prev.break_after = true;
                }
            }
            if core.is_empty() {
                if let Some(prev) = out.last_mut() {
                    let prev: &mut Tok = prev;
                    prev.break_after = true;
                }
                if tail.contains(['.', '!', '?']) {
                    sentence_start = true;
                }
                continue;
            }
            // "Obama's" -> "Obama"; keep "U.S." as "U.S" (abbreviation check below).
            let word = core
                .strip_suffix("'s")
                .or_else(|| core.strip_suffix("’s"))
                .unwrap_or(core);
            let lower = word.to_lowercase();
            let first = word.chars().next().unwrap_or(' ');
            let capitalised = first.is_uppercase();
            let has_digit = word.chars().any(|c| c.is_ascii_digit());
            let uncertain = is_title || sentence_start;
            // A full stop after an abbreviation or an initial ("J.") does not end the sentence.
            let abbrev = ABBREVIATIONS.contains(&lower.trim_end_matches('.'))
                || (word.chars().count() == 1 && capitalised)
                || (word.contains('.') && !has_digit && word.len() <= 5);
            let ends_sentence = (tail.contains(['!', '?']) || tail.contains('.')) && !abbrev;
            let breaks = !(tail.is_empty() || (tail == "." && abbrev));
            out.push(Tok {
                text: word.trim_end_matches('.').to_string(),
                lower: lower.trim_end_matches('.').to_string(),
                capitalised,
                has_digit,
                uncertain,
                break_after: breaks || ends_sentence,
            });
            sentence_start = ends_sentence;
        }
        if let Some(prev) = out.last_mut() {
            let prev: &mut Tok = prev;
            prev.break_after = true;
        }
    }
    out
}

/// Capitalised runs -> names. A run is trimmed of stop words at both ends; every remaining word is
/// a `Word` feature and the whole run, when longer than one word, a `Name` feature.
fn collect_names(
    toks: &[Tok],
    is_title: bool,
    confirmed: &HashSet<String>,
    no_body: bool,
    out: &mut BTreeMap<String, String>,
) {
    let keep_word = |t: &Tok| -> bool {
        if !t.capitalised || t.has_digit || is_stop(&t.lower) {
            return false;
        }
        if t.lower.chars().count() < 2 {
            return false;
        }
        // In a title every word is uncertain: keep it only if the body vouches for it.
        if is_title {
            return no_body || confirmed.contains(&t.lower);
        }
        true
    };
    let mut i = 0;
    while i < toks.len() {
        if !keep_word(&toks[i]) {
            i += 1;
            continue;
        }
        // Grow the run: capitalised words, connectors followed by a kept word.
        let mut j = i;
        let mut run: Vec<usize> = vec![i];
        while !toks[j].break_after && j + 1 < toks.len() {
            let next = &toks[j + 1];
            if keep_word(next) {
                j += 1;
                run.push(j);
            } else if CONNECTORS.contains(&next.lower.as_str())
                && !next.break_after
                && j + 2 < toks.len()
                && keep_word(&toks[j + 2])
            {
                j += 2;
                run.push(j - 1);
                run.push(j);
            } else {
                break;
            }
        }
        let name_words: Vec<&Tok> = run.iter().map(|&k| &toks[k]).collect();
        let content: Vec<&&Tok> = name_words
            .iter()
            .filter(|t| !CONNECTORS.contains(&t.lower.as_str()))
            .collect();
        // A single sentence-initial word is only a name if it is capitalised mid-sentence too.
        let single_uncertain =
            content.len() == 1 && content[0].uncertain && !confirmed.contains(&content[0].lower);
        if !single_uncertain || (is_title && no_body) {
            for t in &content {
                out.entry(format!("{}{}", FeatureKind::Word.prefix(), t.lower))
                    .or_insert_with(|| t.text.clone());
            }
            if content.len() > 1 {
                let surface: Vec<&str> = name_words.iter().map(|t| t.text.as_str()).collect();
                let key: Vec<&str> = name_words.iter().map(|t| t.lower.as_str()).collect();
                out.entry(format!("{}{}", FeatureKind::Name.prefix(), key.join(" ")))
                    .or_insert_with(|| surface.join(" "));
            }
        }
        i = j + 1;
    }
}

fn month_of(lower: &str) -> Option<&'static str> {
    MONTHS.iter().find(|(m, _)| *m == lower).map(|(_, s)| *s)
}

/// Numbers (with their magnitude word) and month-day dates.
fn collect_numbers(toks: &[Tok], out: &mut BTreeMap<String, String>) {
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        // "March 11" / "Mar. 11": a date, not a number.
        if let Some(m) = month_of(&t.lower) {
            if t.capitalised {
                if let Some(next) = toks.get(i + 1) {
                    let day: String = next
                        .text
                        .chars()
                        .take_while(|c| c.is_ascii_digit())
                        .collect();
                    if let Ok(d) = day.parse::<u32>() {
                        let rest = &next.text[day.len()..];
                        let ordinal = matches!(rest, "" | "st" | "nd" | "rd" | "th");
                        if (1..=31).contains(&d) && ordinal {
                            out.entry(format!("{}{m}-{d}", FeatureKind::Date.prefix()))
                                .or_insert_with(|| format!("{} {}", t.text, next.text));
                            i += 2;
                            continue;
                        }
                    }
                }
            }
        }
        if t.has_digit {
            if let Some(norm) = normalise_number(&t.text) {
                let mut key = norm;
                let mut surface = t.text.clone();
                if !t.break_after {
                    if let Some(next) = toks.get(i + 1) {
                        if let Some((_, mag)) = MAGNITUDES.iter().find(|(w, _)| *w == next.lower) {
                            key.push_str(mag);
                            surface.push(' ');
                            surface.push_str(&next.text);
                        }
                    }
                }
                out.entry(format!("{}{key}", FeatureKind::Number.prefix()))
                    .or_insert(surface);
            }
        }
        i += 1;
    }
}

/// "1,200" -> "1200", "$4.5" -> "4.5", "7.8-magnitude" -> "7.8", "43%" -> "43%". Ordinals and
/// mixed tokens ("9/11", "COVID-19") are kept as written, lower-cased. Single digits are dropped:
/// they are everywhere and say nothing about the event.
fn normalise_number(text: &str) -> Option<String> {
    let s = text.trim_start_matches(['$', '£', '€', '#', '~', '+']);
    let digits_part: String = s
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .filter(|c| *c != ',')
        .collect();
    let rest = &s[s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == ',' || *c == '.'))
        .map(|(i, _)| i)
        .unwrap_or(s.len())..];
    let digits_part = digits_part.trim_end_matches('.').to_string();
    if digits_part.is_empty() {
        // Starts with letters ("COVID-19", "F-35"): a name-like token.
        return Some(s.to_lowercase());
    }
    let rest_l = rest.to_lowercase();
    let suffix = match rest_l.as_str() {
        "" => "",
        "%" => "%",
        "st" | "nd" | "rd" | "th" | "s" => "",
        r if r.starts_with('-') => "",
        _ => return Some(s.to_lowercase()),
    };
    if suffix.is_empty() && digits_part.len() == 1 {
        return None;
    }
    Some(format!("{digits_part}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(title: &str, text: &str) -> Vec<String> {
        extract(title, text, 0).into_iter().map(|f| f.key).collect()
    }

    #[test]
    fn names_numbers_and_dates() {
        let k = keys(
            "Michael Steele Criticized for Afghanistan Comments",
            "WASHINGTON — Michael Steele, chairman of the Republican National Committee, drew \
             criticism on Friday after a speech in Connecticut. Mr. Steele said on July 2 that \
             1,200 troops and $4.5 billion were at stake. The Afghanistan war goes on.",
        );
        for want in [
            "n:michael steele",
            "w:steele",
            "w:michael",
            "n:republican national committee",
            "w:connecticut",
            "w:afghanistan",
            "#:1200",
            "#:4.5billion",
            "d:jul-2",
        ] {
            assert!(k.contains(&want.to_string()), "missing {want} in {k:?}");
        }
        // Title-case words the body does not capitalise are not names; nor are stop words.
        for no in [
            "w:criticized",
            "w:comments",
            "w:the",
            "w:friday",
            "w:mr",
            "w:july",
        ] {
            assert!(!k.contains(&no.to_string()), "unexpected {no} in {k:?}");
        }
    }

    #[test]
    fn sentence_initial_common_words_are_not_names() {
        let k = keys("", "Police said the fire spread. Officials in Ohio fled.");
        assert!(!k.contains(&"w:police".to_string()), "{k:?}");
        assert!(!k.contains(&"w:officials".to_string()), "{k:?}");
        // "Officials in Ohio": Ohio is mid-sentence.
        assert!(k.contains(&"w:ohio".to_string()), "{k:?}");
    }

    #[test]
    fn connectors_inside_names() {
        let k = keys("", "He works at the Bank of America in Charlotte.");
        assert!(k.contains(&"n:bank of america".to_string()), "{k:?}");
    }

    #[test]
    fn lead_chars_limits_the_text() {
        let k = extract("", "He met Angela Merkel. Later he met Boris Johnson.", 20);
        assert!(k.iter().all(|f| !f.key.contains("johnson")), "{k:?}");
    }

    #[test]
    fn numbers_normalise() {
        assert_eq!(normalise_number("1,200").as_deref(), Some("1200"));
        assert_eq!(normalise_number("7.8-magnitude").as_deref(), Some("7.8"));
        assert_eq!(normalise_number("43%").as_deref(), Some("43%"));
        assert_eq!(normalise_number("3"), None);
        assert_eq!(normalise_number("COVID-19").as_deref(), Some("covid-19"));
    }

    #[test]
    fn odd_input_never_panics() {
        for t in [
            "",
            " ",
            "—",
            "’s",
            "'s.",
            "A",
            "$",
            "Jan",
            "Jan 99",
            "... ,,, ..",
            "é É ß",
        ] {
            let _ = extract(t, t, 3);
        }
    }
}
