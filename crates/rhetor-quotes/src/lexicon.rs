//! Word lists the rules read: adverbs, auxiliaries, non-person nouns, determiners, clause
//! breaks, title cues, object breaks.

pub(crate) const ADVERBS: &[&str] = &[
    "also",
    "has",
    "have",
    "had",
    "was",
    "is",
    "were",
    "are",
    "then",
    "later",
    "previously",
    "again",
    "once",
    "repeatedly",
    "already",
    "recently",
    "reportedly",
    "would",
    "will",
    "could",
    "may",
    "might",
    "did",
    "does",
    "do",
    "publicly",
    "privately",
    "earlier",
    "simply",
    "flatly",
    "not",
    "never",
    "often",
    "frequently",
    "still",
    "quickly",
    "just",
    "even",
    "first",
    "last",
    "further",
    "openly",
    "ultimately",
    "initially",
    "subsequently",
    "has",
    "been",
    "continued",
    "to",
    "allegedly",
    "apparently",
    "since",
];

/// Auxiliaries and modals: after a mention they make it the subject of a clause.
pub(crate) const AUXILIARIES: &[&str] = &[
    "is", "are", "was", "were", "be", "been", "has", "have", "had", "will", "would", "could",
    "should", "can", "may", "might", "must", "did", "does", "do", "shall",
];

/// Heads of descriptions that are never the speaker ("said in a speech last week").
pub(crate) const NON_PERSON: &[&str] = &[
    "speech",
    "interview",
    "week",
    "day",
    "year",
    "month",
    "time",
    "deal",
    "plan",
    "move",
    "decision",
    "meeting",
    "hearing",
    "conference",
    "event",
];

/// Verbs whose object is the addressee, not the speaker ("tells The Hollywood Reporter").
pub(crate) fn tells(lower: &str) -> bool {
    matches!(
        lower,
        "told"
            | "tells"
            | "tell"
            | "telling"
            | "asked"
            | "asks"
            | "informed"
            | "assured"
            | "warned"
            | "reminded"
            | "urged"
    )
}

pub(crate) const DETERMINERS: &[&str] = &[
    "the", "a", "an", "his", "her", "their", "its", "some", "many", "several", "two", "three",
    "other", "most", "few", "one", "our", "this", "these", "those", "both", "all", "another",
    "senior", "top",
];

pub(crate) const STOPS: &[&str] = &[
    "that", "and", "but", "which", "when", "while", "as", "because", "if", "so", "where", "what",
    "than", "whether", "or", "since", "after", "before", "to", "for", "of", "in", "on", "at", "by",
    "with", "from", "about", "said", "says", "told",
];

/// Words that, after a comma, open a clause that is no longer the reported content.
pub(crate) const CLAUSE_BREAKS: &[&str] = &[
    "which",
    "who",
    "where",
    "while",
    "whereas",
    "although",
    "though",
    "as",
    "but",
    "because",
    "prompting",
    "adding",
    "saying",
    "noting",
    "according",
];

pub(crate) const TITLE_CUES: &[&str] = &[
    "series",
    "book",
    "film",
    "movie",
    "show",
    "song",
    "album",
    "documentary",
    "article",
    "column",
    "op-ed",
    "titled",
    "entitled",
    "headlined",
    "headline",
    "program",
    "programme",
    "slogan",
    "hashtag",
    "segment",
    "episode",
    "memoir",
    "report",
    "magazine",
    "newspaper",
    "podcast",
    "website",
    "blog",
    "play",
    "novel",
];

/// Words that end an object phrase: adverbials and clause openers after the object.
pub(crate) const OBJECT_BREAKS: &[&str] = &[
    "during",
    "when",
    "since",
    "because",
    "in",
    "at",
    "after",
    "before",
    "while",
    "until",
    "despite",
    "amid",
    "following",
    "on",
    "over",
    "as",
    "by",
    "with",
    "last",
    "this",
    "earlier",
    "and",
    "but",
    "which",
    "who",
    "where",
    "saying",
    "arguing",
    "adding",
    "claiming",
];
