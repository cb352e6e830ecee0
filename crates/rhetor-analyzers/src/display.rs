//! What `rhetor analyze` shows by default: the display filter over technique spans.
//!
//! The span rules of `analyzer.json` are chosen to maximise SemEval span F1, which rewards recall;
//! read by a person on real articles, most of what they produce is wrong (31 % genuine in the
//! hand-judged sample of issue 14). The filter decides, per span, whether it is shown
//! ([`TechniqueSpan::shown`]) and why not ([`TechniqueSpan::hidden`]); it never moves or drops a
//! span, so the SemEval formats and their F1 are untouched. Its settings live in `display.json`
//! next to `analyzer.json` ([`DisplayConfig`]); they were chosen on hand labels of real articles
//! (`tests/data/highlight_labels.tsv`, see the model card).
//!
//! Rules, in order:
//! 1. Never a span of only function words, punctuation or numbers (`function_words`), a bare name
//!    (`name`: every word capitalised and never written in lower case elsewhere in the article),
//!    a fragment (`fragment`: half a word, or a short phrase that begins or ends on a preposition
//!    or conjunction, "hysteria as"), or an intensifier alone (`intensifier`: "utterly").
//! 2. Only techniques whose highlights were right often enough are shown by default
//!    (`technique`). With a [`SpanClassifier`] (the shipped settings), a span is shown when the
//!    classifier's probability that a reader finds it genuine reaches its technique's threshold
//!    (`low_confidence`); the classifier reads the model's span score with features of the span
//!    itself (its words, their lexical priors, length, capitals, quotation marks, position).
//!    Without one (older settings), each technique has a score threshold, optional lexical
//!    support (`lexicon`) and a threshold for spans longer than `max_words` words (`long`).
//! 3. One span per technique and place: where shown spans overlap, the most confident one stays
//!    (`overlap`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use rhetor_doc::Article;
use serde::{Deserialize, Serialize};

use crate::techniques::SpanLexicon;
use crate::{AnalyzeError, Result};

/// File next to `analyzer.json` with the display settings.
pub const DISPLAY_FILE: &str = "display.json";
/// Version of [`DisplayConfig`]'s layout (2: optional [`SpanClassifier`]).
pub const DISPLAY_FORMAT: u32 = 2;

/// Words that carry no technique on their own.
const FUNCTION_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "either",
    "even",
    "ever",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "s",
    "said",
    "same",
    "says",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "via",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "would",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "mr",
    "mrs",
    "ms",
    "dr",
];

/// Words a phrase does not begin or end on: a span that does is a fragment ("hysteria as").
const EDGE_WORDS: &[&str] = &[
    "who", "whom", "whose", "about", "after", "against", "and", "as", "at", "because", "before",
    "but", "by", "for", "from", "if", "in", "into", "nor", "of", "on", "or", "than", "that", "to",
    "upon", "via", "when", "where", "whether", "which", "while", "with",
];

/// Articles and determiners a phrase may begin on but not end on ("the", "a").
const END_ONLY_WORDS: &[&str] = &[
    "a", "an", "the", "his", "her", "its", "their", "our", "my", "your",
];

/// How one technique is shown by default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TechniqueDisplay {
    /// The score a span needs.
    pub threshold: f32,
    /// The lexical prior (the highest of the span's words in the `prior_labels` lexicons) a span
    /// needs, unless its score reaches `without_prior`: the model alone marks many emotive but
    /// ordinary words ("enormous", "muddled"); the words annotators marked in the training
    /// articles are far more often right.
    #[serde(default)]
    pub min_prior: f32,
    /// The score that shows a span without lexical support (none: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub without_prior: Option<f32>,
}

fn is_zero(x: &f32) -> bool {
    *x == 0.0
}

fn default_pseudo_count() -> f32 {
    2.0
}

/// Display settings (`display.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisplayConfig {
    pub format: u32,
    /// Technique → how it is shown. Techniques not listed are not shown by default (their spans
    /// stay in the JSON, `hidden: "technique"`).
    pub techniques: BTreeMap<String, TechniqueDisplay>,
    /// The lexicons ([`SpanLexicon`]) whose priors count as lexical support.
    #[serde(default)]
    pub prior_labels: Vec<String>,
    /// Pseudo-count of the prior's smoothing, `(inside + k · 0.02) / (count + k)`: larger than
    /// the span rules' 2, so that a word seen twice in the training articles ("whistleblower",
    /// 2 of 2) does not count as a loaded word.
    #[serde(default = "default_pseudo_count")]
    pub prior_pseudo_count: f32,
    /// Spans of more words than this (whole sentences, paragraphs) need `long_threshold`.
    pub max_words: usize,
    /// The score a long span needs (at least its technique's threshold).
    pub long_threshold: f32,
    /// Where shown spans of different techniques overlap, show only the most confident one (the
    /// same technique is always shown once per place).
    #[serde(default)]
    pub one_per_place: bool,
    /// The span display classifier; when present, each technique's `threshold` applies to its
    /// probability instead of the model's score (`min_prior`, `without_prior`, `max_words` and
    /// `long_threshold` are not used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classifier: Option<SpanClassifier>,
    /// With a classifier: each technique's threshold rises by this times the genre head's
    /// probability that the article is a report (`article.genre`, score of `reporting`; no raise
    /// when the article has no genre). Hand-labelled highlights in articles the genre head calls
    /// reporting were right less often (0.68 against 0.77 out of fold), and straight news is what
    /// most readers analyse.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reporting_raise: f32,
    /// With a classifier: the model's span score a shown span needs as well (0: none). The
    /// classifier's word weights can lift a span the model barely marked over its threshold; on
    /// hand-labelled news those spans were mostly wrong (mostly name calling).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_score: f32,
    /// How the settings were chosen and what they measured (free form).
    #[serde(default)]
    pub provenance: serde_json::Value,
}

impl Default for DisplayConfig {
    /// Every technique at its span rule's own threshold (score ≥ 0): only the structural rules
    /// and one span per technique per place. Used when a model folder has no `display.json`.
    fn default() -> Self {
        Self {
            format: DISPLAY_FORMAT,
            techniques: rhetor_doc::taxonomy::TECHNIQUES
                .iter()
                .map(|t| {
                    (
                        t.label.to_string(),
                        TechniqueDisplay {
                            threshold: 0.0,
                            min_prior: 0.0,
                            without_prior: None,
                        },
                    )
                })
                .collect(),
            prior_labels: vec![],
            prior_pseudo_count: default_pseudo_count(),
            max_words: usize::MAX,
            long_threshold: 0.0,
            one_per_place: false,
            classifier: None,
            reporting_raise: 0.0,
            min_score: 0.0,
            provenance: serde_json::Value::Null,
        }
    }
}

impl DisplayConfig {
    /// Reads `dir/display.json`; the default settings when the file does not exist.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(DISPLAY_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => {
                return Err(AnalyzeError::Io {
                    context: format!("reading {}", path.display()),
                    source: e,
                })
            }
        };
        let cfg: Self = serde_json::from_str(&text).map_err(|e| AnalyzeError::Json {
            context: format!("parsing {}", path.display()),
            source: e,
        })?;
        let bad = |message: String| AnalyzeError::Model {
            path: path.display().to_string(),
            message,
        };
        if !(1..=DISPLAY_FORMAT).contains(&cfg.format) {
            return Err(bad(format!(
                "format {}, this build reads 1 to {DISPLAY_FORMAT}",
                cfg.format
            )));
        }
        if let Some(c) = &cfg.classifier {
            c.check().map_err(bad)?;
        }
        Ok(cfg)
    }

    /// The threshold a span of `technique` with `words` words and lexical prior `prior` needs,
    /// and why it is not shown when its score falls short; `None` when the technique is not
    /// shown by default.
    pub fn threshold(
        &self,
        technique: &str,
        words: usize,
        prior: f32,
    ) -> Option<(f32, &'static str)> {
        let d = self.techniques.get(technique)?;
        let (t, why) = if prior >= d.min_prior {
            (d.threshold, "low_confidence")
        } else {
            (
                d.without_prior.unwrap_or(f32::INFINITY).max(d.threshold),
                "lexicon",
            )
        };
        Some(if words > self.max_words && self.long_threshold > t {
            (self.long_threshold, "long")
        } else {
            (t, why)
        })
    }

    /// The highest lexical prior of `words` (lower case) in the `prior_labels` lexicons.
    fn prior(&self, lexicon: Option<&SpanLexicon>, words: &[String]) -> f32 {
        let Some(lex) = lexicon else { return 0.0 };
        let k = self.prior_pseudo_count.max(0.0);
        self.prior_labels
            .iter()
            .filter_map(|l| lex.words.get(l))
            .flat_map(|table| words.iter().filter_map(|w| table.get(w)))
            .map(|&(inside, count)| (inside as f32 + k * 0.02) / (count as f32 + k).max(1e-6))
            .fold(0.0, f32::max)
    }

    /// What a classifier threshold rises by in `article`: [`Self::reporting_raise`] times the
    /// probability of `reporting` in its genre (0 without a genre).
    pub fn raise(&self, article: &Article) -> f32 {
        // An article its outlet labels opinion (`basis`) is not a report, whatever the head says.
        let p = article
            .genre
            .as_ref()
            .filter(|g| g.basis.is_none())
            .and_then(|g| g.scores.iter().find(|s| s.label == "reporting"))
            .map_or(0.0, |s| s.score.clamp(0.0, 1.0));
        self.reporting_raise * p
    }

    /// Decides `confidence`, `shown` and `hidden` of every technique span of `article`.
    /// `lexicon`: the span lexicon of the model (lexical support). `min_confidence`: show every
    /// span whose confidence reaches it instead of the default (confidence ≥ 0.5, shown
    /// techniques only); the structural rules and one span per place hold either way. Reads
    /// `article.genre` (see [`Self::reporting_raise`]): run it after the genre head.
    pub fn apply(
        &self,
        article: &mut Article,
        lexicon: Option<&SpanLexicon>,
        min_confidence: Option<f32>,
    ) {
        let chars: Vec<char> = article.text.chars().collect();
        let lower_words = lower_case_words(&chars);
        let ctx = TextContext::new(&chars, &lower_words);
        let raise = self.raise(article);
        for t in article.techniques.iter_mut() {
            let words = words_in(&chars, t.start, t.end);
            let lw: Vec<String> = words.iter().map(|&(s, e)| lower(&chars[s..e])).collect();
            // `value`: what the threshold applies to (the classifier's probability, or the score).
            let (value, th) = if let Some(c) = &self.classifier {
                let p = c.probability(&ctx, &t.technique, t.start, &words, &lw, t.score, lexicon);
                let th = self
                    .techniques
                    .get(&t.technique)
                    .map(|d| ((d.threshold + raise).min(1.0), "low_confidence"));
                (p, th)
            } else {
                let prior = self.prior(lexicon, &lw);
                (t.score, self.threshold(&t.technique, words.len(), prior))
            };
            t.confidence = confidence(value, th.map(|x| x.0).unwrap_or(1.0));
            // Under the score floor: never at or above 0.5 (the default display line).
            let floored = self.classifier.is_some() && t.score < self.min_score;
            if floored {
                t.confidence = t.confidence.min(0.5 * t.score / self.min_score);
            }
            t.hidden = structural(&chars, t.start, t.end, &words, &lw, &lower_words)
                .or(match (min_confidence, th) {
                    (Some(m), _) if t.confidence >= m => None,
                    (Some(_), _) => Some("low_confidence"),
                    (None, None) => Some("technique"),
                    (None, Some((x, _))) if value >= x && !floored => None,
                    (None, Some((_, why))) => Some(why),
                })
                .map(str::to_string);
        }
        // One span per place: the most confident first, then whatever does not overlap it.
        let mut order: Vec<usize> = (0..article.techniques.len())
            .filter(|&i| article.techniques[i].hidden.is_none())
            .collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&article.techniques[a], &article.techniques[b]);
            y.confidence
                .total_cmp(&x.confidence)
                .then(x.start.cmp(&y.start))
        });
        let mut kept: Vec<(usize, usize, String)> = vec![];
        for i in order {
            let t = &mut article.techniques[i];
            let clash = kept.iter().any(|(s, e, l)| {
                *s < t.end && t.start < *e && (self.one_per_place || *l == t.technique)
            });
            if clash {
                t.hidden = Some("overlap".into());
            } else {
                kept.push((t.start, t.end, t.technique.clone()));
            }
        }
        for t in article.techniques.iter_mut() {
            t.shown = t.hidden.is_none();
        }
    }
}

/// `score` mapped so that `threshold` becomes 0.5 (piecewise linear, 0 and 1 fixed).
pub fn confidence(score: f32, threshold: f32) -> f32 {
    let t = threshold.clamp(1e-6, 1.0);
    let s = score.clamp(0.0, 1.0);
    if s >= t {
        if t >= 1.0 {
            0.5
        } else {
            0.5 + 0.5 * (s - t) / (1.0 - t)
        }
    } else {
        0.5 * s / t
    }
}

/// `[start, end)` of the words (runs of letters and digits) inside `[start, end)`.
fn words_in(chars: &[char], start: usize, end: usize) -> Vec<(usize, usize)> {
    let end = end.min(chars.len());
    let mut out = vec![];
    let mut i = start;
    while i < end {
        if chars[i].is_alphanumeric() {
            let s = i;
            while i < end && chars[i].is_alphanumeric() {
                i += 1;
            }
            out.push((s, i));
        } else {
            i += 1;
        }
    }
    out
}

fn lower(chars: &[char]) -> String {
    chars.iter().flat_map(|c| c.to_lowercase()).collect()
}

/// Every word the article writes in lower case at least once.
fn lower_case_words(chars: &[char]) -> HashSet<String> {
    words_in(chars, 0, chars.len())
        .into_iter()
        .filter(|&(s, _)| chars[s].is_lowercase())
        .map(|(s, e)| lower(&chars[s..e]))
        .collect()
}

/// Spans up to this many words are checked for fragments (longer ones are sentences, which may
/// well open on "That" or "But").
const FRAGMENT_MAX_WORDS: usize = 6;

/// The structural reason a span is never shown, if any.
fn structural(
    chars: &[char],
    start: usize,
    end: usize,
    words: &[(usize, usize)],
    lw: &[String],
    lower_words: &HashSet<String>,
) -> Option<&'static str> {
    let content = |w: &String| {
        !FUNCTION_WORDS.contains(&w.as_str()) && !w.chars().all(|c| c.is_ascii_digit())
    };
    if !lw.iter().any(content) {
        return Some("function_words");
    }
    // A capitalised word is a name when the article never writes it in lower case (a common
    // word opening a sentence, "Class", is usually written in lower case somewhere else).
    let name = words
        .iter()
        .zip(lw)
        .all(|(&(s, _), w)| chars[s].is_uppercase() && !lower_words.contains(w));
    if name {
        return Some("name");
    }
    let is_word = |i: usize| chars.get(i).is_some_and(|c| c.is_alphanumeric());
    // Half a word ("-advised" of "ill-advised") or a phrase cut after "as" or "of the".
    let cut = (start > 0 && is_word(start - 1) && is_word(start))
        || (start > 0
            && !is_word(start)
            && is_word(start - 1)
            && words.first().is_some_and(|w| w.0 == start + 1))
        || (is_word(end) && end > 0 && is_word(end - 1));
    let (first, last) = (lw.first(), lw.last());
    let edge = lw.len() > 1
        && lw.len() <= FRAGMENT_MAX_WORDS
        && (first.is_some_and(|w| EDGE_WORDS.contains(&w.as_str()))
            || last.is_some_and(|w| {
                EDGE_WORDS.contains(&w.as_str()) || END_ONLY_WORDS.contains(&w.as_str())
            }));
    // Half a word at an apostrophe ("s favorite" of "Trump’s favorite") or a hyphen ("self-" of
    // "self-interest").
    let apostrophe =
        start > 1 && matches!(chars.get(start - 1), Some('\'' | '’')) && is_word(start - 2);
    let hyphen = end > 0 && chars.get(end - 1) == Some(&'-') && is_word(end);
    if cut || edge || apostrophe || hyphen {
        return Some("fragment");
    }
    // An intensifier alone ("utterly", "deeply"): the loaded phrase is around it.
    if lw.len() == 1 && lw[0].len() > 4 && lw[0].ends_with("ly") {
        return Some("intensifier");
    }
    None
}

/// The features [`SpanClassifier`] computes, in order (`g*`: technique group one-hot, group 0
/// being the reference; `score_g*`: the span score in that group; `*_NC`, `*_LL`: the feature
/// for name calling or loaded language only). A stored classifier must list exactly these.
const CLASSIFIER_FEATURES: &[&str] = &[
    "g1",
    "g2",
    "g3",
    "g4",
    "g5",
    "score_g0",
    "score_g1",
    "score_g2",
    "score_g3",
    "score_g4",
    "score_g5",
    "pLL",
    "pNC",
    "pown",
    "bias_w",
    "pLL_NC",
    "pNC_NC",
    "bias_NC",
    "ln_words",
    "ln_words_LL",
    "fw_share",
    "cap_share",
    "name_share",
    "quote",
    "quote_NC",
    "pos",
    "title",
];

/// Logistic regression over features of a span that `analyze` has at hand, trained on hand
/// labels of real articles (`tests/data/highlight_labels.tsv`): the probability that a reader
/// finds the span a genuine instance of its technique. Features (in `CLASSIFIER_FEATURES`
/// order): the technique group (one-hot) and the model's span score per group; the span's
/// highest lexical prior of loaded language, of name calling and of its own technique (the
/// span lexicon of `analyzer.json`) and of the media-bias word table (`bias_words`, from BABE's
/// biased words and BASIL's lexical-bias spans), some of them again for name calling alone;
/// ln(1 + words), also for loaded language alone; the share of function words, capitalised
/// words and names; whether it stands inside quotation marks (also for name calling alone);
/// its position in the article (0–1) and whether it is in the title; plus a weight per
/// content word (`words`, a small bag of words learned from the labels).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanClassifier {
    /// Feature names, in the order of `weights` (checked against this build's features).
    pub features: Vec<String>,
    pub intercept: f64,
    pub weights: Vec<f64>,
    /// Techniques with their own group, in order (group 0 first); others share the last.
    pub groups: Vec<String>,
    /// Lower-case content word → weight.
    pub words: HashMap<String, f64>,
    /// Lower-case word → `(times marked biased, occurrences)` in the media-bias corpora.
    pub bias_words: HashMap<String, (u32, u32)>,
    /// Smoothing of the bias rate: `(biased + k · 0.02) / (occurrences + k)`.
    pub bias_pseudo_count: f64,
    /// Smoothing of the span lexicon's prior: `(inside + k · 0.02) / (count + k)`.
    pub prior_pseudo_count: f64,
}

/// What the classifier reads from the whole article, computed once per article.
struct TextContext<'a> {
    chars: &'a [char],
    lower_words: &'a HashSet<String>,
    /// Code point where the first line ends (the title), or the length.
    title_end: usize,
}

impl<'a> TextContext<'a> {
    fn new(chars: &'a [char], lower_words: &'a HashSet<String>) -> Self {
        let title_end = chars.iter().position(|&c| c == '\n').unwrap_or(chars.len());
        Self {
            chars,
            lower_words,
            title_end,
        }
    }

    /// Whether `start` lies inside quotation marks within its line: more “ than ” before it,
    /// or an odd number of straight double quotes.
    fn in_quote(&self, start: usize) -> bool {
        let start = start.min(self.chars.len());
        let line = self.chars[..start]
            .iter()
            .rposition(|&c| c == '\n')
            .map_or(0, |i| i + 1);
        let pre = &self.chars[line..start];
        let count = |q: char| pre.iter().filter(|&&c| c == q).count();
        count('“') > count('”') || count('"') % 2 == 1
    }
}

impl SpanClassifier {
    /// An error message when the stored model does not fit this build.
    fn check(&self) -> std::result::Result<(), String> {
        let names: Vec<&str> = self.features.iter().map(String::as_str).collect();
        if names != CLASSIFIER_FEATURES {
            return Err(format!(
                "classifier features {names:?}, this build computes {CLASSIFIER_FEATURES:?}"
            ));
        }
        if self.weights.len() != names.len() {
            return Err(format!(
                "{} classifier weights for {} features",
                self.weights.len(),
                names.len()
            ));
        }
        if self.groups.len() + 1 != 6 {
            return Err(format!(
                "{} technique groups, expected 5",
                self.groups.len()
            ));
        }
        Ok(())
    }

    /// Highest smoothed prior of `words` in `table`.
    fn max_rate<'w>(
        table: impl Fn(&str) -> Option<(u32, u32)>,
        words: impl Iterator<Item = &'w String>,
        k: f64,
    ) -> f64 {
        words
            .filter_map(|w| table(w))
            .map(|(inside, count)| (inside as f64 + k * 0.02) / (count as f64 + k))
            .fold(0.0, f64::max)
    }

    /// The features of one span, in `CLASSIFIER_FEATURES` order.
    #[allow(clippy::too_many_arguments)]
    fn features(
        &self,
        ctx: &TextContext,
        technique: &str,
        start: usize,
        words: &[(usize, usize)],
        lw: &[String],
        score: f32,
        lexicon: Option<&SpanLexicon>,
    ) -> Vec<f64> {
        let groups = self.groups.len();
        let g = self
            .groups
            .iter()
            .position(|x| x == technique)
            .unwrap_or(groups);
        let score = score as f64;
        let k = self.prior_pseudo_count;
        let prior = |label: &str| {
            let table = lexicon.and_then(|l| l.words.get(label));
            Self::max_rate(|w| table.and_then(|t| t.get(w).copied()), lw.iter(), k)
        };
        let (p_ll, p_nc, p_own) = (
            prior("Loaded_Language"),
            prior("Name_Calling-Labeling"),
            prior(technique),
        );
        let bias = Self::max_rate(
            |w| self.bias_words.get(w).copied(),
            lw.iter().filter(|w| !FUNCTION_WORDS.contains(&w.as_str())),
            self.bias_pseudo_count,
        );
        let is = |i: usize| if g == i { 1.0 } else { 0.0 };
        let (ll, nc) = (is(0), is(1));
        let n = lw.len().max(1) as f64;
        let ln_words = (1.0 + lw.len() as f64).ln();
        let function = lw
            .iter()
            .filter(|w| FUNCTION_WORDS.contains(&w.as_str()))
            .count() as f64;
        let capital = |&(s, _): &(usize, usize)| ctx.chars[s].is_uppercase();
        let caps = words.iter().filter(|w| capital(w)).count() as f64;
        let names = words
            .iter()
            .zip(lw)
            .filter(|(w, l)| capital(w) && !ctx.lower_words.contains(*l))
            .count() as f64;
        let quote = if ctx.in_quote(start) { 1.0 } else { 0.0 };
        let pos = start as f64 / ctx.chars.len().max(1) as f64;
        let title = if start < ctx.title_end { 1.0 } else { 0.0 };
        let mut x: Vec<f64> = (1..=groups).map(is).collect();
        x.extend((0..=groups).map(|i| is(i) * score));
        x.extend([
            p_ll,
            p_nc,
            p_own,
            bias,
            p_ll * nc,
            p_nc * nc,
            bias * nc,
            ln_words,
            ln_words * ll,
            function / n,
            caps / n,
            names / n,
            quote,
            quote * nc,
            pos,
            title,
        ]);
        x
    }

    /// Probability that a reader finds the span genuine.
    #[allow(clippy::too_many_arguments)]
    fn probability(
        &self,
        ctx: &TextContext,
        technique: &str,
        start: usize,
        words: &[(usize, usize)],
        lw: &[String],
        score: f32,
        lexicon: Option<&SpanLexicon>,
    ) -> f32 {
        let x = self.features(ctx, technique, start, words, lw, score, lexicon);
        let content: HashSet<&String> = lw
            .iter()
            .filter(|w| {
                !FUNCTION_WORDS.contains(&w.as_str()) && !w.chars().all(|c| c.is_ascii_digit())
            })
            .collect();
        let z = self.intercept
            + x.iter().zip(&self.weights).map(|(a, b)| a * b).sum::<f64>()
            + content
                .iter()
                .filter_map(|w| self.words.get(*w))
                .sum::<f64>();
        (1.0 / (1.0 + (-z).exp())) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhetor_doc::{LabelScore, TechniqueSpan};

    fn span(text: &str, technique: &str, needle: &str, score: f32) -> TechniqueSpan {
        let b = text.find(needle).expect("needle in text");
        let start = text[..b].chars().count();
        TechniqueSpan {
            technique: technique.into(),
            category: String::new(),
            start,
            end: start + needle.chars().count(),
            score,
            confidence: 0.0,
            shown: true,
            hidden: None,
        }
    }

    fn show(threshold: f32) -> TechniqueDisplay {
        TechniqueDisplay {
            threshold,
            min_prior: 0.0,
            without_prior: None,
        }
    }

    fn config() -> DisplayConfig {
        DisplayConfig {
            format: DISPLAY_FORMAT,
            techniques: [
                ("Loaded_Language".to_string(), show(0.5)),
                ("Doubt".into(), show(0.4)),
            ]
            .into_iter()
            .collect(),
            prior_labels: vec![],
            prior_pseudo_count: 2.0,
            max_words: 6,
            long_threshold: 0.8,
            one_per_place: false,
            classifier: None,
            reporting_raise: 0.0,
            min_score: 0.0,
            provenance: serde_json::Value::Null,
        }
    }

    fn hidden(a: &Article) -> Vec<Option<&str>> {
        a.techniques.iter().map(|t| t.hidden.as_deref()).collect()
    }

    #[test]
    fn structural_rules_hide_words_names_and_fragments() {
        let text = "Blow wrote of the hysteria as a disastrous, ill-advised plan. Of course, Blow \
                    is utterly right.";
        let mut a = Article::new("1", "-", text);
        a.techniques = vec![
            span(text, "Loaded_Language", "of the", 0.9),
            span(text, "Loaded_Language", "Blow", 0.9),
            span(text, "Loaded_Language", "hysteria as", 0.9),
            span(text, "Loaded_Language", "disastrous", 0.9),
            span(text, "Loaded_Language", ".", 0.9),
            span(text, "Loaded_Language", "-advised", 0.9),
            span(text, "Loaded_Language", "utterly", 0.9),
        ];
        config().apply(&mut a, None, None);
        assert_eq!(
            hidden(&a),
            vec![
                Some("function_words"),
                Some("name"),
                Some("fragment"),
                None,
                Some("function_words"),
                Some("fragment"),
                Some("intensifier"),
            ]
        );
        assert!(a.techniques[3].shown && !a.techniques[0].shown);
        // A capitalised common word written in lower case elsewhere is not a name.
        let text = "Class war. The class of 2020.";
        let mut a = Article::new("1", "-", text);
        a.techniques = vec![span(text, "Loaded_Language", "Class war", 0.9)];
        config().apply(&mut a, None, None);
        assert_eq!(hidden(&a), vec![None]);
    }

    #[test]
    fn thresholds_long_spans_and_unlisted_techniques() {
        let text = "They lie. Some doubt it was ever true, because nobody has ever seen the proof.";
        let mut a = Article::new("1", "-", text);
        let long = "Some doubt it was ever true, because nobody has ever seen the proof.";
        a.techniques = vec![
            span(text, "Loaded_Language", "lie", 0.45),
            span(text, "Doubt", long, 0.6),
            span(text, "Doubt", long, 0.9),
            span(text, "Flag_Waving", "lie", 0.99),
        ];
        config().apply(&mut a, None, None);
        assert_eq!(
            hidden(&a),
            vec![
                Some("low_confidence"),
                Some("long"),
                None,
                Some("technique")
            ]
        );
        // Confidence: 0.5 at the threshold, linear on either side.
        assert!((a.techniques[0].confidence - 0.45).abs() < 1e-6);
        assert!((a.techniques[2].confidence - 0.75).abs() < 1e-6);
        // A user threshold on confidence shows more, techniques not shown by default included
        // (their confidence is score / 2); the long span's confidence is 0.6 / 0.8 / 2.
        config().apply(&mut a, None, Some(0.4));
        assert_eq!(hidden(&a), vec![None, Some("low_confidence"), None, None]);
        assert!((a.techniques[1].confidence - 0.375).abs() < 1e-6);
    }

    #[test]
    fn lexical_support_is_required_where_asked() {
        let ll = "Loaded_Language".to_string();
        let train = "A disastrous plan. A disastrous idea. An enormous plan.";
        let lex = SpanLexicon::build([(train, vec![(ll.clone(), 2, 12), (ll.clone(), 21, 31)])]);
        let mut c = config();
        c.prior_labels = vec![ll.clone()];
        c.techniques.insert(
            ll.clone(),
            TechniqueDisplay {
                threshold: 0.5,
                min_prior: 0.3,
                without_prior: Some(0.8),
            },
        );
        let text = "A disastrous and enormous plan, truly enormous.";
        let mut a = Article::new("1", "-", text);
        a.techniques = vec![
            span(text, &ll, "disastrous", 0.6),
            span(text, &ll, "enormous plan", 0.6),
            span(text, &ll, "truly enormous", 0.85),
        ];
        c.apply(&mut a, Some(&lex), None);
        assert_eq!(hidden(&a), vec![None, Some("lexicon"), None]);
        // Without a lexicon nothing has support.
        c.apply(&mut a, None, None);
        assert_eq!(hidden(&a), vec![Some("lexicon"), Some("lexicon"), None]);
    }

    #[test]
    fn one_span_per_technique_and_place() {
        let text = "A truly disastrous, shameful plan.";
        let mut a = Article::new("1", "-", text);
        a.techniques = vec![
            span(text, "Loaded_Language", "truly disastrous", 0.6),
            span(text, "Loaded_Language", "disastrous, shameful", 0.7),
            span(text, "Doubt", "disastrous", 0.5),
        ];
        config().apply(&mut a, None, None);
        assert_eq!(hidden(&a), vec![Some("overlap"), None, None]);
        let mut c = config();
        c.one_per_place = true;
        c.apply(&mut a, None, None);
        assert_eq!(hidden(&a), vec![Some("overlap"), None, Some("overlap")]);
    }

    #[test]
    fn confidence_maps_threshold_to_half() {
        assert_eq!(confidence(0.0, 0.4), 0.0);
        assert!((confidence(0.4, 0.4) - 0.5).abs() < 1e-6);
        assert!((confidence(1.0, 0.4) - 1.0).abs() < 1e-6);
        assert!((confidence(0.2, 0.4) - 0.25).abs() < 1e-6);
        assert!(confidence(0.99, 1.0) < 0.5);
        assert!(confidence(2.0, 0.0).is_finite());
    }

    #[test]
    fn missing_file_gives_the_default() {
        let dir = tempfile::tempdir().expect("temp dir");
        let c = DisplayConfig::load(dir.path()).expect("default");
        assert_eq!(c, DisplayConfig::default());
        std::fs::write(dir.path().join(DISPLAY_FILE), "{").expect("write");
        assert!(DisplayConfig::load(dir.path()).is_err());
    }

    #[test]
    fn shipped_settings_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/techniques");
        let c = DisplayConfig::load(&dir).expect("models/techniques/display.json parses");
        assert!(c.techniques.contains_key("Loaded_Language"));
        assert!(
            c.classifier.is_some(),
            "the shipped settings use the classifier"
        );
    }

    #[test]
    fn fragments_at_apostrophes_and_hyphens() {
        let text = "Trump’s favorite tactic is a matter of self-interest.";
        let mut a = Article::new("1", "-", text);
        a.techniques = vec![
            span(text, "Loaded_Language", "s favorite tactic", 0.9),
            span(text, "Loaded_Language", "matter of self-", 0.9),
            span(text, "Loaded_Language", "favorite tactic", 0.9),
        ];
        config().apply(&mut a, None, None);
        assert_eq!(hidden(&a), vec![Some("fragment"), Some("fragment"), None]);
    }

    /// A classifier with every weight zero but the ones a test sets.
    fn classifier() -> SpanClassifier {
        SpanClassifier {
            features: CLASSIFIER_FEATURES.iter().map(|s| s.to_string()).collect(),
            intercept: 0.0,
            weights: vec![0.0; CLASSIFIER_FEATURES.len()],
            groups: [
                "Loaded_Language",
                "Name_Calling-Labeling",
                "Doubt",
                "Flag_Waving",
                "Exaggeration-Minimisation",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            words: HashMap::new(),
            bias_words: HashMap::new(),
            bias_pseudo_count: 4.0,
            prior_pseudo_count: 8.0,
        }
    }

    fn feature(name: &str) -> usize {
        CLASSIFIER_FEATURES
            .iter()
            .position(|f| *f == name)
            .expect("feature")
    }

    #[test]
    fn classifier_features_match_their_definitions() {
        let text = "A Title\nHe said “the corrupt Smith regime” was a disgrace.";
        let chars: Vec<char> = text.chars().collect();
        let lower_words = lower_case_words(&chars);
        let ctx = TextContext::new(&chars, &lower_words);
        let mut c = classifier();
        c.bias_words.insert("corrupt".into(), (6, 10));
        c.bias_words.insert("the".into(), (100, 100));
        let sp = span(
            text,
            "Name_Calling-Labeling",
            "the corrupt Smith regime",
            0.7,
        );
        let words = words_in(&chars, sp.start, sp.end);
        let lw: Vec<String> = words.iter().map(|&(s, e)| lower(&chars[s..e])).collect();
        let x = c.features(&ctx, &sp.technique, sp.start, &words, &lw, sp.score, None);
        let f = |n: &str| x[feature(n)];
        assert_eq!((f("g1"), f("g2"), f("score_g0")), (1.0, 0.0, 0.0));
        assert!((f("score_g1") - 0.7).abs() < 1e-6);
        // Function words never count for the bias rate: (6 + 4·0.02) / (10 + 4).
        assert!((f("bias_w") - 6.08 / 14.0).abs() < 1e-9);
        assert_eq!(f("bias_NC"), f("bias_w"));
        assert!((f("ln_words") - 5f64.ln()).abs() < 1e-9);
        assert_eq!(f("ln_words_LL"), 0.0);
        assert_eq!(
            (f("fw_share"), f("cap_share"), f("name_share")),
            (0.25, 0.25, 0.25)
        );
        assert_eq!((f("quote"), f("quote_NC"), f("title")), (1.0, 1.0, 0.0));
        assert!((f("pos") - sp.start as f64 / chars.len() as f64).abs() < 1e-9);
        let title = span(text, "Loaded_Language", "Title", 0.7);
        let tw = words_in(&chars, title.start, title.end);
        let x = c.features(
            &ctx,
            "Loaded_Language",
            title.start,
            &tw,
            &["title".into()],
            0.7,
            None,
        );
        assert_eq!((x[feature("title")], x[feature("quote")]), (1.0, 0.0));
        // Another technique falls into the last group.
        let x = c.features(&ctx, "Slogans", sp.start, &words, &lw, 0.7, None);
        assert_eq!(x[feature("score_g5")], 0.7_f32 as f64);
    }

    /// A classifier whose probability is sigmoid(4 · score − 2) for loaded language and name
    /// calling (plus any word weight added).
    fn score_classifier() -> SpanClassifier {
        let mut k = classifier();
        k.intercept = -2.0;
        for g in ["score_g0", "score_g1"] {
            k.weights[feature(g)] = 4.0;
        }
        k
    }

    #[test]
    fn classifier_decides_per_technique_threshold() {
        let mut c = config();
        // Probability = sigmoid(4 · score − 2 + word weight).
        let mut k = score_classifier();
        k.words.insert("disgrace".into(), 3.0);
        c.classifier = Some(k);
        c.techniques.insert("Loaded_Language".into(), show(0.6));
        let text = "It was a disgrace, an odd plan, a bad plan.";
        let mut a = Article::new("1", "-", text);
        a.techniques = vec![
            span(text, "Loaded_Language", "disgrace", 0.3),
            span(text, "Loaded_Language", "odd plan", 0.6),
            span(text, "Loaded_Language", "bad plan", 0.55),
            span(text, "Flag_Waving", "odd plan", 0.99),
        ];
        c.apply(&mut a, None, None);
        // sigmoid(2.2) = 0.90, sigmoid(0.4) = 0.599, sigmoid(0.2) = 0.55.
        assert_eq!(
            hidden(&a),
            vec![
                None,
                Some("low_confidence"),
                Some("low_confidence"),
                Some("technique")
            ]
        );
        let p = 1.0 / (1.0 + (-2.2f64).exp());
        assert!((a.techniques[0].confidence as f64 - (0.5 + 0.5 * (p - 0.6) / 0.4)).abs() < 1e-5);
        // A user threshold shows more by confidence; the technique without a threshold has
        // confidence p / 2 (sigmoid(−2) / 2 = 0.06).
        c.apply(&mut a, None, Some(0.45));
        assert_eq!(hidden(&a), vec![None, None, None, Some("low_confidence")]);
    }

    #[test]
    fn a_report_needs_more_confidence_in_proportion_to_its_genre_probability() {
        let mut c = config();
        // Probability = sigmoid(4 · score − 2): 0.75 at score 0.775.
        c.classifier = Some(score_classifier());
        c.techniques.insert("Loaded_Language".into(), show(0.7));
        c.reporting_raise = 0.1;
        let text = "It was a disgraceful plan.";
        let with_genre = |reporting: f32| {
            let mut a = Article::new("1", "-", text);
            a.techniques = vec![span(text, "Loaded_Language", "disgraceful", 0.775)];
            a.genre = Some(rhetor_doc::GenrePrediction {
                label: "reporting".into(),
                basis: None,
                scores: vec![
                    LabelScore {
                        label: "opinion".into(),
                        score: 1.0 - reporting,
                    },
                    LabelScore {
                        label: "reporting".into(),
                        score: reporting,
                    },
                ],
            });
            a
        };
        // Threshold 0.7 + 0.1 · P(reporting): 0.79 for a sure report, 0.74 at even odds.
        let mut sure = with_genre(0.9);
        c.apply(&mut sure, None, None);
        assert_eq!(hidden(&sure), vec![Some("low_confidence")]);
        assert!(sure.techniques[0].confidence < 0.5);
        let mut even = with_genre(0.4);
        c.apply(&mut even, None, None);
        assert_eq!(hidden(&even), vec![None]);
        assert!(even.techniques[0].confidence > 0.5);
        // No genre (or no raise): the technique's own threshold.
        let mut none = with_genre(0.9);
        none.genre = None;
        c.apply(&mut none, None, None);
        assert_eq!(hidden(&none), vec![None]);
        c.reporting_raise = 0.0;
        let mut sure = with_genre(0.9);
        c.apply(&mut sure, None, None);
        assert_eq!(hidden(&sure), vec![None]);
    }

    #[test]
    fn a_span_the_model_barely_marked_is_not_shown_whatever_its_words() {
        let mut c = config();
        // Probability = sigmoid(4 · score − 2 + 3) for "disgrace": 0.88 at score 0.3.
        let mut k = score_classifier();
        k.words.insert("disgrace".into(), 3.0);
        c.classifier = Some(k);
        c.techniques.insert("Loaded_Language".into(), show(0.6));
        c.min_score = 0.35;
        let text = "It was a disgrace, a disgrace.";
        let mut a = Article::new("1", "-", text);
        let mut low = span(text, "Loaded_Language", "disgrace", 0.3);
        let mut high = low.clone();
        high.start += 12;
        high.end += 12;
        high.score = 0.4;
        low.score = 0.3;
        a.techniques = vec![low, high];
        c.apply(&mut a, None, None);
        assert_eq!(hidden(&a), vec![Some("low_confidence"), None]);
        assert!((a.techniques[0].confidence - 0.5 * 0.3 / 0.35).abs() < 1e-6);
        assert!(a.techniques[1].confidence > 0.5);
        // A user threshold on confidence still reaches it.
        c.apply(&mut a, None, Some(0.4));
        assert_eq!(hidden(&a), vec![None, None]);
        // Without the floor its words show it.
        c.min_score = 0.0;
        c.apply(&mut a, None, None);
        assert_eq!(hidden(&a), vec![None, None]);
    }

    #[test]
    fn a_classifier_for_other_features_is_refused() {
        let mut k = classifier();
        k.features.pop();
        assert!(k.check().is_err());
        let mut k = classifier();
        k.weights.push(0.0);
        assert!(k.check().is_err());
    }
}
