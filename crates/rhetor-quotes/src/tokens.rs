//! Word tokens with code-point offsets, and the small word lists the rules use.

/// A token: a word (letters, digits, inner `'`/`’`/`-`/`.`) or one punctuation character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub start: usize,
    pub end: usize,
    /// The token as written.
    pub text: String,
    /// Lower case.
    pub lower: String,
    pub is_word: bool,
}

impl Tok {
    /// Starts with an upper-case letter.
    pub fn is_cap(&self) -> bool {
        self.text.chars().next().is_some_and(|c| c.is_uppercase())
    }
}

/// Tokens of `chars[start..end]`.
pub fn tokenize(chars: &[char], start: usize, end: usize) -> Vec<Tok> {
    let end = end.min(chars.len());
    let mut out = Vec::new();
    let mut i = start.min(end);
    while i < end {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_alphanumeric() {
            let s = i;
            i += 1;
            while i < end {
                let c = chars[i];
                if c.is_alphanumeric() {
                    i += 1;
                } else if matches!(c, '\'' | '’' | '-' | '.')
                    && i + 1 < end
                    && chars[i + 1].is_alphanumeric()
                {
                    i += 2;
                } else {
                    break;
                }
            }
            // Keep the period of "Mr." / "U.S." style abbreviations.
            if i < end && chars[i] == '.' {
                let w: String = chars[s..i].iter().collect();
                // A middle initial ("Carolyn B. Maloney"): one capital letter right after a
                // capitalised word and before one, so the name is not cut at "B".
                let initial = w.chars().count() == 1
                    && w.chars().all(|c| c.is_uppercase())
                    && out.last().is_some_and(|t: &Tok| {
                        t.is_word && t.is_cap() && t.end + 1 == s && !is_title_abbrev(&t.text)
                    })
                    && chars.get(i + 1).is_some_and(|c| *c == ' ')
                    && chars.get(i + 2).is_some_and(|c| c.is_uppercase());
                if is_title_abbrev(&w) || (w.contains('.') && w.chars().count() <= 5) || initial {
                    i += 1;
                }
            }
            out.push(make(chars, s, i, true));
        } else {
            out.push(make(chars, i, i + 1, false));
            i += 1;
        }
    }
    out
}

fn make(chars: &[char], s: usize, e: usize, is_word: bool) -> Tok {
    let text: String = chars[s..e].iter().collect();
    let lower = text.to_lowercase().replace('’', "'");
    Tok {
        start: s,
        end: e,
        text,
        lower,
        is_word,
    }
}

fn is_title_abbrev(w: &str) -> bool {
    matches!(
        w,
        "Mr" | "Mrs"
            | "Ms"
            | "Dr"
            | "Sen"
            | "Rep"
            | "Gov"
            | "Gen"
            | "Lt"
            | "Col"
            | "Sgt"
            | "St"
            | "Jr"
            | "Sr"
            | "Prof"
            | "Rev"
            | "Capt"
            | "Adm"
            | "Pres"
    )
}

/// Personal pronouns that can be the source of a quote.
pub fn is_pronoun(lower: &str) -> bool {
    matches!(
        lower,
        "he" | "she" | "they" | "i" | "we" | "you" | "his" | "her" | "their" | "it" | "its" | "who"
    )
}

/// Titles and roles that may precede a name ("Sen. Ted Cruz", "President Obama").
pub fn is_title_word(lower: &str) -> bool {
    matches!(
        lower.trim_end_matches('.'),
        "mr" | "mrs"
            | "ms"
            | "dr"
            | "sen"
            | "senator"
            | "rep"
            | "representative"
            | "gov"
            | "governor"
            | "president"
            | "vice"
            | "secretary"
            | "former"
            | "gen"
            | "general"
            | "judge"
            | "justice"
            | "mayor"
            | "speaker"
            | "chairman"
            | "chairwoman"
            | "prof"
            | "professor"
            | "rev"
            | "pope"
            | "prime"
            | "minister"
            | "chancellor"
            | "king"
            | "queen"
            | "prince"
            | "sheriff"
            | "attorney"
            | "director"
            | "ambassador"
            | "lt"
            | "col"
            | "capt"
            | "sgt"
            | "adm"
            | "state"
            | "democratic"
            | "republican"
            | "gop"
            | "candidate"
            | "nominee"
            | "presidential"
            | "house"
            | "senate"
            | "majority"
            | "minority"
            | "leader"
            | "press"
            | "agent"
            | "adviser"
            | "advisor"
            | "spokesman"
            | "spokeswoman"
            | "spokesperson"
            | "u.s."
            | "us"
            | "campaign"
            | "manager"
            | "chief"
            | "of"
            | "staff"
            | "commissioner"
            | "congressman"
            | "congresswoman"
            | "councillor"
            | "councilor"
            | "councilman"
            | "councilwoman"
            | "alderman"
            | "sir"
            | "dame"
            | "lord"
            | "ceo"
            | "cfo"
            | "coo"
            | "coach"
    )
}

/// Capitalised words that open sentences or name things but are never part of a person's name.
pub fn is_not_name(lower: &str) -> bool {
    matches!(
        lower,
        "the"
            | "a"
            | "an"
            | "but"
            | "and"
            | "or"
            | "in"
            | "on"
            | "at"
            | "for"
            | "if"
            | "when"
            | "while"
            | "after"
            | "before"
            | "as"
            | "this"
            | "that"
            | "these"
            | "those"
            | "it"
            | "there"
            | "here"
            | "what"
            | "why"
            | "how"
            | "so"
            | "yet"
            | "still"
            | "meanwhile"
            | "however"
            | "which"
            | "whatever"
            | "whoever"
            | "whichever"
            | "also"
            | "then"
            | "now"
            | "like"
            | "later"
            | "earlier"
            | "unlike"
            | "despite"
            | "although"
            | "though"
            | "because"
            | "since"
            | "until"
            | "unless"
            | "whether"
            | "during"
            | "among"
            | "asked"
            | "according"
            | "attacking"
            | "ever"
            | "no"
            | "yes"
            | "even"
            | "only"
            | "perhaps"
            | "maybe"
            | "indeed"
            | "instead"
            | "clearly"
            | "monday"
            | "tuesday"
            | "wednesday"
            | "thursday"
            | "friday"
            | "saturday"
            | "sunday"
            | "january"
            | "february"
            | "march"
            | "april"
            | "may"
            | "june"
            | "july"
            | "august"
            | "september"
            | "october"
            | "november"
            | "december"
            | "he"
            | "she"
            | "they"
            | "we"
            | "i"
            | "you"
            | "his"
            | "her"
            | "their"
            | "our"
            | "my"
            | "your"
            | "its"
            | "said"
            | "says"
            | "with"
            | "from"
            | "by"
            | "to"
            | "of"
            | "not"
            | "one"
            | "all"
            | "some"
            | "many"
            | "most"
            | "every"
            | "each"
            | "last"
            | "next"
            | "just"
            | "well"
            | "oh"
            | "today"
            | "tonight"
            | "yesterday"
            | "tomorrow"
            | "jan"
            | "feb"
            | "aug"
            | "sept"
            | "sep"
            | "oct"
            | "nov"
            | "dec"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_middle_initial_keeps_its_period() {
        let s = "said Representative Carolyn B. Maloney of New York. Plan B failed.";
        let chars: Vec<char> = s.chars().collect();
        let t = tokenize(&chars, 0, chars.len());
        let words: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert!(words.contains(&"B."), "{words:?}");
        // A sentence that ends on a capital letter keeps its full stop.
        let s = "They chose plan B. Then it failed.";
        let chars: Vec<char> = s.chars().collect();
        let t = tokenize(&chars, 0, chars.len());
        assert!(t.iter().any(|t| t.text == "."), "{t:?}");
    }

    #[test]
    fn tokens_keep_offsets_and_abbreviations() {
        let s = "Mr. Smith’s U.S. plan, “ok”.";
        let chars: Vec<char> = s.chars().collect();
        let t = tokenize(&chars, 0, chars.len());
        let words: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            words,
            ["Mr.", "Smith’s", "U.S.", "plan", ",", "“", "ok", "”", "."]
        );
        for tok in &t {
            let back: String = chars[tok.start..tok.end].iter().collect();
            assert_eq!(back, tok.text);
        }
        assert_eq!(t[1].lower, "smith's");
    }
}
