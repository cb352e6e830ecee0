//! How far a reader can trust an attribution: [`Quote::confidence`](rhetor_doc::Quote) and
//! whether it is shown by default.
//!
//! PolNeAR, which the cue model and the filter learn from, counts beliefs, intentions and many
//! nominal cues as attributions, and its metric rewards recall. A reader judges every line shown.
//! So the score of the models is moderated by checks a reader would make: is the cue a verb of
//! speech or belief (not "released", "filed", "attacks on", "soon")? Does the speaker name a
//! person, organisation, group or document (not "The", "no", a show title, the content)? Is it
//! the author's own first person, or the headline? The thresholds were chosen on hand-labelled
//! real articles (`tests/hand_labels.tsv`, batch `tune`) so that about 9 in 10 shown are right.
//! Since schema 1.3 this score is a gate and one feature of the fitted speaker confidence
//! ([`crate::calibrate`]), which decides what is shown.

/// The rules' score needed before the fitted confidence is asked (see [`crate::calibrate`]).
pub const SHOW_THRESHOLD: f32 = 0.75;

/// What kind of reporting a cue word is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueClass {
    /// A verb or phrase of speech or writing: "said", "told", "according to", "denied", "wrote".
    Speech,
    /// A verb of belief or judgement: "believes", "thinks", "expects", "fears".
    Belief,
    /// Intention, request or attitude: "wants", "plans", "called for", "criticized".
    Weak,
    /// Anything else the cue model marks: actions ("released", "filed"), nouns, adjectives.
    Other,
}

/// Lemmas of speech and writing verbs.
const SPEECH: &[&str] = &[
    "say",
    "tell",
    "state",
    "claim",
    "argue",
    "add",
    "note",
    "explain",
    "insist",
    "maintain",
    "assert",
    "contend",
    "suggest",
    "acknowledge",
    "admit",
    "concede",
    "deny",
    "announce",
    "report",
    "write",
    "warn",
    "ask",
    "predict",
    "promise",
    "vow",
    "pledge",
    "allege",
    "accuse",
    "complain",
    "counter",
    "respond",
    "reply",
    "answer",
    "declare",
    "confirm",
    "reveal",
    "estimate",
    "testify",
    "tweet",
    "mention",
    "recall",
    "remark",
    "observe",
    "stress",
    "emphasize",
    "emphasise",
    "comment",
    "describe",
    "boast",
    "brag",
    "joke",
    "quip",
    "recount",
    "caution",
    "advise",
    "repeat",
    "reiterate",
    "proclaim",
    "assure",
    "inform",
    "remind",
    "indicate",
    "hint",
    "disclose",
    "affirm",
    "reaffirm",
    "retort",
    "shout",
    "yell",
    "lament",
    "concur",
    "speculate",
    "wonder",
    "according",
    "told",
    "said",
    "wrote",
    "written",
    "spoke",
    "speak",
    "swore",
    "sworn",
    "put",
    "dispute",
    "question",
    "contest",
    "charge",
    "blame",
    "credit",
    "concede",
    "forecast",
    "opine",
    "posit",
    "theorize",
    "theorise",
    "acknowledged",
    "agree",
    "disagree",
    "assess",
    "explain",
    "clarify",
    "specify",
    "detail",
    "outline",
    "summarize",
    "summarise",
    "guarantee",
    "swear",
    "threaten",
    "demand",
    "insist",
    "recommend",
    "propose",
    "urge",
    "decry",
    "denounce",
    "condemn",
    "praise",
    "criticize",
    "criticise",
    "slam",
    "blast",
    "dismiss",
    "reject",
    "call",
    "label",
    "brand",
    "characterize",
    "characterise",
    "conclude",
];

/// Lemmas of belief and judgement verbs.
const BELIEF: &[&str] = &[
    "believe",
    "think",
    "feel",
    "expect",
    "hope",
    "fear",
    "worry",
    "doubt",
    "suspect",
    "find",
    "consider",
    "assume",
    "guess",
    "reckon",
    "anticipate",
    "know",
    "view",
    "regard",
    "thought",
    "felt",
    "found",
    "knew",
    "known",
    "understood",
    "understand",
    "realize",
    "realise",
    "recognize",
    "recognise",
    "convince",
    "persuade",
];

/// Lemmas of intention and attitude verbs: attributions for PolNeAR, rarely a report a reader
/// would call one.
const WEAK: &[&str] = &[
    "want", "plan", "intend", "seek", "try", "aim", "push", "hint", "vote", "support", "oppose",
    "favor", "favour", "welcome", "embrace", "signal", "appear", "seem",
];

/// Speech words that only report when a clause follows, not an object ("criticized the plan"):
/// they stay attributions for the models but are judged [`CueClass::Weak`] here.
const ATTITUDE: &[&str] = &[
    "praise",
    "criticize",
    "criticise",
    "slam",
    "blast",
    "dismiss",
    "reject",
    "condemn",
    "denounce",
    "decry",
    "call",
    "label",
    "brand",
    "characterize",
    "characterise",
    "blame",
    "credit",
    "question",
    "dispute",
    "contest",
    "threaten",
    "demand",
    "recommend",
    "propose",
    "urge",
    "charge",
];

/// `word` is `lemma` or a regular inflection of it ("says", "claimed", "arguing", "denies",
/// "admitted").
fn inflects(word: &str, lemma: &str) -> bool {
    if word == lemma {
        return true;
    }
    let Some(rest) = word.strip_prefix(lemma) else {
        // "argue" → "arguing"; "deny" → "denies", "denied".
        if let Some(stem) = lemma.strip_suffix('e') {
            return word.strip_prefix(stem) == Some("ing");
        }
        if let Some(stem) = lemma.strip_suffix('y') {
            return word
                .strip_prefix(stem)
                .is_some_and(|r| matches!(r, "ies" | "ied"));
        }
        return false;
    };
    if lemma.ends_with('e') {
        return matches!(rest, "s" | "d");
    }
    if matches!(rest, "s" | "es" | "ed" | "ing") {
        return true;
    }
    // "admitted", "committing": a doubled final consonant.
    let mut r = rest.chars();
    r.next() == lemma.chars().last() && matches!(r.as_str(), "ed" | "ing")
}

fn lemma_in(word: &str, list: &[&str]) -> bool {
    list.iter().any(|l| inflects(word, l))
}

/// Class of a cue from its lower-case words (the strongest word decides).
pub fn cue_class(words: &[&str]) -> CueClass {
    let mut best = CueClass::Other;
    for w in words {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        let class = if lemma_in(w, ATTITUDE) {
            CueClass::Weak
        } else if lemma_in(w, SPEECH) {
            CueClass::Speech
        } else if lemma_in(w, BELIEF) {
            CueClass::Belief
        } else if lemma_in(w, WEAK) {
            CueClass::Weak
        } else {
            CueClass::Other
        };
        best = match (best, class) {
            (CueClass::Speech, _) | (_, CueClass::Speech) => CueClass::Speech,
            (CueClass::Belief, _) | (_, CueClass::Belief) => CueClass::Belief,
            (CueClass::Weak, _) | (_, CueClass::Weak) => CueClass::Weak,
            _ => CueClass::Other,
        };
    }
    best
}

/// Heads of descriptions that name a source: people, groups, bodies and documents.
const SOURCE_HEADS: &[&str] = &[
    "official",
    "source",
    "critic",
    "expert",
    "analyst",
    "supporter",
    "opponent",
    "democrat",
    "republican",
    "lawmaker",
    "legislator",
    "leader",
    "member",
    "resident",
    "police",
    "authority",
    "authorities",
    "investigator",
    "prosecutor",
    "researcher",
    "scientist",
    "doctor",
    "witness",
    "witnesses",
    "report",
    "study",
    "statement",
    "document",
    "memo",
    "letter",
    "poll",
    "survey",
    "campaign",
    "administration",
    "government",
    "department",
    "agency",
    "company",
    "group",
    "committee",
    "court",
    "ministry",
    "office",
    "party",
    "firm",
    "organization",
    "organisation",
    "union",
    "council",
    "board",
    "commission",
    "panel",
    "team",
    "staff",
    "people",
    "voter",
    "protester",
    "activist",
    "advocate",
    "observer",
    "economist",
    "historian",
    "teacher",
    "parent",
    "student",
    "employee",
    "worker",
    "executive",
    "aide",
    "ally",
    "allies",
    "friend",
    "family",
    "relative",
    "neighbor",
    "neighbour",
    "colleague",
    "lawyer",
    "attorney",
    "filing",
    "complaint",
    "lawsuit",
    "indictment",
    "ruling",
    "data",
    "figure",
    "record",
    "email",
    "article",
    "newspaper",
    "paper",
    "outlet",
    "network",
    "media",
    "press",
    "senator",
    "officer",
    "military",
    "army",
    "navy",
    "white",
    "house",
    "kremlin",
    "pentagon",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "representative",
    "president",
    "candidate",
    "nominee",
    "governor",
    "chairman",
    "chairwoman",
    "secretary",
    "mayor",
    "director",
    "ceo",
    "chief",
    "manager",
    "pollster",
    "host",
    "author",
    "adviser",
    "advisor",
    "strategist",
    "minister",
    "speaker",
    "judge",
    "sheriff",
    "founder",
    "professor",
    "woman",
    "man",
    "men",
    "women",
    "veteran",
    "congressman",
    "congresswoman",
    "regulator",
    "agent",
    "coach",
    "player",
    "owner",
    "buyer",
    "seller",
    "investor",
    "user",
    "customer",
    "fan",
    "viewer",
    "reader",
    "citizen",
    "man",
    "mother",
    "father",
    "wife",
    "husband",
    "son",
    "daughter",
    "brother",
    "sister",
    "victim",
    "survivor",
    "suspect",
    "defendant",
    "plaintiff",
    "jury",
    "justice",
    "clerk",
    "inspector",
    "auditor",
    "watchdog",
    "think",
    "tank",
    "institute",
    "university",
    "foundation",
    "association",
    "coalition",
    "movement",
    "organizer",
    "organiser",
    "writer",
    "journalist",
    "reporter",
    "editor",
    "columnist",
    "commentator",
    "pundit",
    "blogger",
    "scholar",
    "academic",
    "biographer",
    "diplomat",
    "envoy",
    "ambassador",
    "general",
    "commander",
    "soldier",
    "troops",
    "prime",
    "premier",
    "king",
    "queen",
    "prince",
    "pope",
    "bishop",
    "priest",
    "rabbi",
    "imam",
    "state",
    "country",
    "nation",
    "city",
    "county",
    "district",
    "school",
    "hospital",
    "bank",
    "market",
    "industry",
    "sector",
    "trader",
    "banker",
    "doctors",
    "nurse",
    "physician",
    "counsel",
    "counselor",
    "consultant",
    "insider",
    "person",
    "majority",
    "minority",
    "both",
    "others",
    "many",
    "some",
    "most",
    "few",
    "several",
    "all",
    "crowd",
    "audience",
    "community",
    "side",
    "interest",
    "lobby",
    "camp",
    "panelist",
    "participant",
    "respondent",
    "delegate",
    "representative",
];

fn singular(w: &str) -> &str {
    w.strip_suffix("ies")
        .map(|_| w)
        .or_else(|| w.strip_suffix('s'))
        .unwrap_or(w)
}

/// Whether a description's head word (lower case) can be a source: a person, group, body or
/// document ("officials", "the campaign", "a report", "critics"), by the list or an agent suffix.
pub fn source_head(head: &str) -> bool {
    let h = head
        .trim_end_matches("'s")
        .trim_end_matches("’s")
        .trim_end_matches('\'');
    // "However, the group said": a function word is nobody, whatever its ending.
    if crate::tokens::is_not_name(h) {
        return false;
    }
    let s = singular(h);
    SOURCE_HEADS.contains(&h)
        || SOURCE_HEADS.contains(&s)
        || [
            "ist", "ian", "man", "men", "woman", "women", "er", "or", "ant", "ent",
        ]
        .iter()
        .any(|suf| s.len() > suf.len() + 3 && s.ends_with(suf))
            && !matches!(
                s,
                "number"
                    | "order"
                    | "matter"
                    | "letter"
                    | "paper"
                    | "power"
                    | "water"
                    | "center"
                    | "error"
                    | "factor"
                    | "sector"
                    | "border"
                    | "content"
                    | "event"
                    | "statement"
                    | "moment"
                    | "government"
                    | "comment"
                    | "percent"
                    | "amount"
                    | "argument"
                    | "agreement"
                    | "element"
                    | "treatment"
                    | "payment"
                    | "movement"
                    | "environment"
                    | "development"
                    | "investment"
                    | "department"
                    | "management"
            )
}

/// Words that end a show or publication title: "Night With Megyn Kelly Show" is not a speaker.
pub fn show_word(lower: &str) -> bool {
    matches!(
        lower,
        "show"
            | "tonight"
            | "live"
            | "hour"
            | "podcast"
            | "radio"
            | "tv"
            | "program"
            | "programme"
            | "hannity"
            | "edition"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cue_classes() {
        assert_eq!(cue_class(&["said"]), CueClass::Speech);
        assert_eq!(cue_class(&["has", "said"]), CueClass::Speech);
        assert_eq!(cue_class(&["denied"]), CueClass::Speech);
        assert_eq!(cue_class(&["denies"]), CueClass::Speech);
        assert_eq!(cue_class(&["according", "to"]), CueClass::Speech);
        assert_eq!(cue_class(&["admitted"]), CueClass::Speech);
        assert_eq!(cue_class(&["argues"]), CueClass::Speech);
        assert_eq!(cue_class(&["believes"]), CueClass::Belief);
        assert_eq!(cue_class(&["wants"]), CueClass::Weak);
        assert_eq!(cue_class(&["criticized"]), CueClass::Weak);
        for action in [
            "released", "filed", "posted", "ordered", "attacks", "factual", "passion", "soon",
        ] {
            assert_eq!(cue_class(&[action]), CueClass::Other, "{action}");
        }
    }

    #[test]
    fn source_heads() {
        for h in [
            "officials",
            "campaign",
            "critics",
            "report",
            "lawmakers",
            "spokeswoman",
        ] {
            assert!(source_head(h), "{h}");
        }
        for h in ["increase", "number", "needed", "plan", "stop", "week"] {
            assert!(!source_head(h), "{h}");
        }
    }
}
