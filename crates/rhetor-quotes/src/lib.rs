//! Who said what: direct, indirect and mixed quotes, their cues and speakers.
//!
//! # Use
//! ```no_run
//! use rhetor_quotes::QuoteAnalyzer;
//! # fn demo(article: &mut rhetor_doc::Article) -> Result<(), rhetor_quotes::QuoteError> {
//! let analyzer = QuoteAnalyzer::load()?;        // the bundled models: load once, reuse
//! analyzer.annotate(article);                    // fills article.quotes and article.speakers
//! print!("{}", rhetor_quotes::format_who_said_what(article));
//! # Ok(()) }
//! ```
//! [`annotate`] does the same with a process-wide analyzer. `annotate` replaces `article.quotes`
//! and `article.speakers`; it reads `article.paragraphs` (debris is skipped) and
//! `article.sentences`, and computes both from `text` when they are empty. It never panics on any
//! text and is deterministic.
//!
//! # What it finds
//! - **Direct quotes** ([`QuoteKind::Direct`]): text between quotation marks (straight, curly,
//!   guillemets, `„…“`; single quotes outside double ones; quotes inside quotes stay in the outer one)
//!   attributed through a cue next to it (`“…,” he said`, `X said: “…”`). A quote split around its
//!   attribution (`“…,” he said, “…”`) gives two quotes sharing the same cue span; a quote running
//!   over several paragraphs (each opening with a mark) is one quote; an unclosed mark ends with its
//!   paragraph. A short quoted phrase in Title Case without a cue, or after "series", "book",
//!   "titled"… is a title, not speech.
//! - **Indirect and mixed speech**: a cue model ([`cue`], logistic regression trained on PolNeAR,
//!   `models/quotes/`) marks cue words ("said", "according to", "denied", "believes"…); rules take
//!   the reported clause ("X said (that) …" → what follows; "…, X said." → what precedes;
//!   "according to X, …") as the content. A second logistic regression, the attribution filter
//!   (`models/quotes/filter_model.tsv`), scores each cue with up to five content spans (the rules'
//!   choice, what follows the cue, what precedes it, and the first two cut at the first comma or
//!   adverbial) and keeps the best one over [`FILTER_THRESHOLD`]. Content holding a quoted phrase
//!   is `mixed`.
//! - **Speakers**: the mention next to the cue (subject, inverted "said X", apposition skipped);
//!   pronouns go to the latest speaker or person named before who is a person of the pronoun's
//!   gender where the article shows it (Mr/Ms, or he/she after the name), roles ("the spokesman") to the name
//!   introduced with that role, surnames and first names to the fullest name in the article.
//!   `speaker_start`/`speaker_end` point at the mention, `speaker` is the resolved fullest name.
//!
//! # Dense features
//! [`QuoteAnalyzer::annotate_with_states`] takes the final token states of the encoder pass
//! `rhetor analyze` already makes over the paragraphs (the techniques model; see [`dense`]):
//! averaged onto this crate's word tokens, they feed extra weights of a second cue model and
//! filter (`models/quotes/*_dense.tsv`), which record the SHA-256 of the encoder weights they were
//! trained against and decide only with states of that encoder. Without states (or with another
//! encoder's) the sparse models above decide, unchanged.
//!
//! Offsets are code points into `article.text` (the `rhetor_doc` contract). Training and measuring:
//! `cargo run --release -p rhetor-quotes --example train_quotes` (see `models/quotes/README.md`);
//! `cargo run --release -p rhetor-quotes --example who_said_what -- FILES` prints the text listing.

use std::sync::OnceLock;

use rhetor_doc::{Article, ParagraphKind, Quote, QuoteKind, Speaker};

pub mod confidence;
pub mod cue;
pub mod dense;
mod marks;
pub mod scraped;
pub mod speakers;
pub mod tokens;

pub use confidence::SHOW_THRESHOLD;
pub use cue::CueModel;
pub use dense::EncoderStates;
pub use marks::{find_quotes, Quoted};

use speakers::{is_role, mention_kind, MentionKind, Names};
use tokens::{is_pronoun, tokenize, Tok};

/// The bundled cue model (`models/quotes/cue_model.tsv`).
const BUNDLED_MODEL: &str = include_str!("../../../models/quotes/cue_model.tsv");
/// The bundled attribution filter (`models/quotes/filter_model.tsv`).
const BUNDLED_FILTER: &str = include_str!("../../../models/quotes/filter_model.tsv");
/// The bundled cue model with dense weights over the techniques encoder's states.
const BUNDLED_DENSE_MODEL: &str = include_str!("../../../models/quotes/cue_model_dense.tsv");
/// The bundled attribution filter with dense weights.
const BUNDLED_DENSE_FILTER: &str = include_str!("../../../models/quotes/filter_model_dense.tsv");

/// Default probability above which a token is a cue for indirect speech.
pub const DEFAULT_THRESHOLD: f32 = 0.5;
/// The cue threshold when the attribution filter decides (more candidates, the filter prunes).
pub const FILTERED_THRESHOLD: f32 = 0.3;
/// The attribution filter's probability needed to keep an indirect or mixed attribution.
pub const FILTER_THRESHOLD: f32 = 0.3;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum QuoteError {
    /// A cue model file is malformed.
    #[error("quote model: {0}")]
    Model(String),
    /// The dense quote models were trained on another encoder than the one given.
    #[error(
        "the dense quote models were trained against encoder weights {expected:.12}…, not {found:.12}…: \
         using the sparse quote models (retrain: see models/quotes/README.md)"
    )]
    EncoderMismatch { expected: String, found: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// The quote analyzer: a cue model plus the rules.
#[derive(Debug, Clone)]
pub struct QuoteAnalyzer {
    model: CueModel,
    /// Second stage: keeps or drops each indirect/mixed candidate (same logistic form, features
    /// of the cue, content and mention: [`candidate_features`]).
    filter: Option<CueModel>,
    /// Filter probability needed to keep an indirect or mixed attribution.
    pub filter_threshold: f32,
    /// Try several content spans per cue (on when a filter chooses, and for training it).
    variants: bool,
    /// Cue probability needed for indirect speech.
    pub threshold: f32,
    /// Cue probability needed next to a quotation.
    pub quote_threshold: f32,
    /// The models with dense weights, used instead of these when the caller passes states of the
    /// encoder they were trained against ([`QuoteAnalyzer::annotate_with_states`]).
    dense: Option<Box<QuoteAnalyzer>>,
}

/// A candidate attribution before the filter, for training the filter.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Content span (code points).
    pub start: usize,
    pub end: usize,
    /// The filter's sparse features.
    pub features: Vec<String>,
    /// The filter's dense vector ([`dense::FILTER_LAYOUT`]); empty without encoder states.
    pub dense: Vec<f32>,
}

/// Annotate with a process-wide analyzer built from the bundled model (see [`QuoteAnalyzer`]).
pub fn annotate(article: &mut Article) {
    static DEFAULT: OnceLock<Option<QuoteAnalyzer>> = OnceLock::new();
    if let Some(a) = DEFAULT.get_or_init(|| QuoteAnalyzer::load().ok()) {
        a.annotate(article);
    }
}

impl QuoteAnalyzer {
    /// The analyzer with the bundled cue model and attribution filter (compiled into the binary),
    /// and their dense variants (used with encoder states, see
    /// [`QuoteAnalyzer::annotate_with_states`]).
    pub fn load() -> Result<Self, QuoteError> {
        let sparse =
            Self::from_model_text(BUNDLED_MODEL)?.with_filter(CueModel::parse(BUNDLED_FILTER)?);
        let cue = CueModel::parse(BUNDLED_DENSE_MODEL)?;
        let filter = CueModel::parse(BUNDLED_DENSE_FILTER)?;
        if cue.dense().is_none() && filter.dense().is_none() {
            return Ok(sparse);
        }
        Ok(sparse.with_dense(QuoteAnalyzer::with_model(cue).with_filter(filter)))
    }

    /// Use `dense` (an analyzer whose models have dense weights) when states of its encoder are
    /// given.
    pub fn with_dense(mut self, dense: QuoteAnalyzer) -> Self {
        self.dense = Some(Box::new(dense));
        self
    }

    /// The SHA-256 of the encoder weights the dense models expect (`None`: sparse only).
    pub fn dense_encoder(&self) -> Option<&str> {
        self.dense.as_deref().unwrap_or(self).own_encoder()
    }

    /// The encoder this analyzer's own cue model or filter has dense weights for.
    fn own_encoder(&self) -> Option<&str> {
        self.model
            .dense()
            .or_else(|| self.filter.as_ref().and_then(|f| f.dense()))
            .map(|w| w.encoder_sha256.as_str())
    }

    /// Checks that the dense models were trained against the encoder weights with SHA-256
    /// `encoder_sha256`; if not, drops them (sparse only from now on) and says why. `Ok` when
    /// they match or there are none.
    pub fn check_encoder(&mut self, encoder_sha256: &str) -> Result<(), QuoteError> {
        match self.dense_encoder() {
            Some(e) if e != encoder_sha256 => {
                let err = QuoteError::EncoderMismatch {
                    expected: e.to_string(),
                    found: encoder_sha256.to_string(),
                };
                self.dense = None;
                Err(err)
            }
            _ => Ok(()),
        }
    }

    /// Sets the cue and filter thresholds of these models and of the dense ones.
    pub fn set_thresholds(&mut self, cue: Option<f32>, filter: Option<f32>) {
        if let Some(t) = cue {
            self.threshold = t;
        }
        if let Some(t) = filter {
            self.filter_threshold = t;
        }
        if let Some(d) = self.dense.as_deref_mut() {
            d.set_thresholds(cue, filter);
        }
    }

    /// Use `filter` as the attribution filter (with [`FILTERED_THRESHOLD`] as cue threshold and
    /// [`FILTER_THRESHOLD`] as the filter's).
    pub fn with_filter(mut self, filter: CueModel) -> Self {
        self.filter = Some(filter);
        self.threshold = FILTERED_THRESHOLD;
        self.filter_threshold = FILTER_THRESHOLD;
        self
    }

    /// The cue model and the attribution filter.
    pub fn models(&self) -> (&CueModel, Option<&CueModel>) {
        (&self.model, self.filter.as_ref())
    }

    /// Indirect and mixed candidates before the filter: content span (code points) and the
    /// filter's features. For training the filter.
    pub fn candidates(&self, article: &Article) -> Vec<(usize, usize, Vec<String>)> {
        self.candidates_with_states(article, None)
            .into_iter()
            .map(|c| (c.start, c.end, c.features))
            .collect()
    }

    /// [`QuoteAnalyzer::candidates`] with encoder states: the cue model's dense part is used (when
    /// it has one) and each candidate gets the filter's dense vector.
    pub fn candidates_with_states(
        &self,
        article: &Article,
        states: Option<EncoderStates>,
    ) -> Vec<Candidate> {
        let doc = Doc::new(article, Some(&self.model), states.as_ref());
        let mut state = State {
            dense_candidates: doc.words.is_some(),
            ..State::default()
        };
        let unfiltered = QuoteAnalyzer {
            filter: None,
            variants: true,
            dense: None,
            ..self.clone()
        };
        unfiltered.direct(&doc, &mut state);
        unfiltered.indirect(&doc, &mut state);
        state.candidates
    }

    /// An analyzer with a cue model read from a file written by [`CueModel::serialise`].
    pub fn from_file(path: &std::path::Path) -> Result<Self, QuoteError> {
        let src = std::fs::read_to_string(path).map_err(|source| QuoteError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_model_text(&src)
    }

    /// An analyzer with a cue model given as text.
    pub fn from_model_text(src: &str) -> Result<Self, QuoteError> {
        Ok(Self::with_model(CueModel::parse(src)?))
    }

    /// An analyzer with the given cue model and the default thresholds.
    pub fn with_model(model: CueModel) -> Self {
        QuoteAnalyzer {
            model,
            filter: None,
            filter_threshold: 0.5,
            variants: false,
            threshold: DEFAULT_THRESHOLD,
            quote_threshold: 0.25,
            dense: None,
        }
    }

    /// Fill `article.quotes` and `article.speakers` (replacing what was there).
    pub fn annotate(&self, article: &mut Article) {
        let (quotes, speakers) = self.analyse(article);
        article.quotes = quotes;
        article.speakers = speakers;
    }

    /// [`QuoteAnalyzer::annotate`] with the states of the encoder pass over the article's
    /// paragraphs (`rhetor analyze` passes those of the techniques model): the dense models
    /// decide when they were trained against that encoder, the sparse ones otherwise.
    pub fn annotate_with_states(&self, article: &mut Article, states: Option<EncoderStates>) {
        let (quotes, speakers) = self.analyse_with_states(article, states);
        article.quotes = quotes;
        article.speakers = speakers;
    }

    /// The quotes and speakers of an article, without changing it.
    pub fn analyse(&self, article: &Article) -> (Vec<Quote>, Vec<Speaker>) {
        self.analyse_with_states(article, None)
    }

    /// [`QuoteAnalyzer::analyse`] with encoder states (see
    /// [`QuoteAnalyzer::annotate_with_states`]).
    pub fn analyse_with_states(
        &self,
        article: &Article,
        states: Option<EncoderStates>,
    ) -> (Vec<Quote>, Vec<Speaker>) {
        let matches =
            |a: &QuoteAnalyzer, s: &EncoderStates| a.own_encoder() == Some(s.encoder_sha256);
        if let (Some(d), Some(s)) = (self.dense.as_deref(), states.as_ref()) {
            if matches(d, s) {
                return d.analyse_inner(article, Some(s));
            }
        }
        let states = states.filter(|s| matches(self, s));
        self.analyse_inner(article, states.as_ref())
    }

    fn analyse_inner(
        &self,
        article: &Article,
        states: Option<&EncoderStates>,
    ) -> (Vec<Quote>, Vec<Speaker>) {
        let doc = Doc::new(article, Some(&self.model), states);
        let mut state = State::default();
        self.direct(&doc, &mut state);
        self.indirect(&doc, &mut state);
        state.found.sort_by_key(|f| (f.start, f.end));
        finish(&doc, state.found)
    }
}

/// The article prepared for the rules: tokens of every sentence of the kept paragraphs.
struct Doc {
    chars: Vec<char>,
    toks: Vec<Tok>,
    /// Sentence index of each token.
    sent: Vec<usize>,
    /// Paragraph index of each token.
    para: Vec<usize>,
    /// Whether each token is inside quotation marks (marks included).
    inq: Vec<bool>,
    /// Cue probability of each token.
    prob: Vec<f32>,
    /// Token range of each sentence.
    sents: Vec<(usize, usize)>,
    paras: Vec<(usize, usize)>,
    /// Whether each kept paragraph is the headline (never a quote of someone else).
    title_para: Vec<bool>,
    /// Words the article writes in lower case somewhere ("the", "stop", "clearly"): capitalised
    /// at a sentence start they are no name.
    lower_words: std::collections::HashSet<String>,
    quotes: Vec<Quoted>,
    names: Names,
    /// Encoder states per token (when the caller gave them).
    words: Option<dense::WordStates>,
}

impl Doc {
    fn new(article: &Article, model: Option<&CueModel>, states: Option<&EncoderStates>) -> Self {
        let text = &article.text;
        let chars: Vec<char> = text.chars().collect();
        let computed;
        let paragraphs = if article.paragraphs.is_empty() {
            computed = rhetor_text::paragraphs(text);
            &computed
        } else {
            &article.paragraphs
        };
        let kept: Vec<rhetor_doc::Paragraph> = paragraphs
            .iter()
            .filter(|p| p.kind != ParagraphKind::Debris)
            .cloned()
            .collect();
        let paras: Vec<(usize, usize)> = kept
            .iter()
            .map(|p| (p.start.min(chars.len()), p.end.min(chars.len())))
            .collect();
        // The headline: a title paragraph, or a paragraph that is the article's title.
        let title = article
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let title_para: Vec<bool> = kept
            .iter()
            .map(|p| {
                p.kind == ParagraphKind::Title
                    || title.is_some_and(|t| {
                        let s: String = chars[p.start.min(chars.len())..p.end.min(chars.len())]
                            .iter()
                            .collect();
                        s.trim() == t
                    })
            })
            .collect();
        let sentence_spans: Vec<(usize, usize)> = if article.sentences.is_empty() {
            rhetor_text::sentences(text, &kept)
                .iter()
                .map(|s| (s.start, s.end))
                .collect()
        } else {
            article
                .sentences
                .iter()
                .filter(|s| paras.iter().any(|&(a, b)| s.start >= a && s.end <= b))
                .map(|s| (s.start, s.end))
                .collect()
        };
        let quotes = find_quotes(&chars, &paras);
        let mut d = Doc {
            chars,
            toks: Vec::new(),
            sent: Vec::new(),
            para: Vec::new(),
            inq: Vec::new(),
            prob: Vec::new(),
            sents: Vec::new(),
            paras,
            title_para,
            lower_words: Default::default(),
            quotes,
            names: Names::default(),
            words: None,
        };
        let mut qi = 0;
        for (si, &(s, e)) in sentence_spans.iter().enumerate() {
            let toks = tokenize(&d.chars, s, e);
            let first = d.toks.len();
            let pi = d
                .paras
                .iter()
                .position(|&(a, b)| s >= a && s < b)
                .unwrap_or(0);
            for t in &toks {
                while qi < d.quotes.len() && d.quotes[qi].end <= t.start {
                    qi += 1;
                }
                let inside = d.quotes[qi..]
                    .iter()
                    .take_while(|q| q.start <= t.start)
                    .any(|q| t.start >= q.start && t.end <= q.end);
                d.inq.push(inside);
                d.sent.push(si);
                d.para.push(pi);
            }
            d.toks.extend(toks);
            d.sents.push((first, d.toks.len()));
        }
        d.lower_words = d
            .toks
            .iter()
            .filter(|t| t.is_word && !t.is_cap())
            .map(|t| t.lower.clone())
            .collect();
        d.prob = vec![0.0; d.toks.len()];
        d.words = states.and_then(|s| dense::WordStates::build(&d.toks, s));
        if let Some(model) = model {
            let layout = model.dense().map(|w| w.layout.as_str());
            for &(a, b) in &d.sents {
                for i in a..b {
                    let x = match (layout, &d.words) {
                        (Some(l), Some(ws)) => ws.cue_vector(l, (a, b), i),
                        _ => None,
                    };
                    d.prob[i] = model.prob_with(&d.toks[a..b], &d.inq[a..b], i - a, x.as_deref());
                }
            }
        }
        // Names from the body only: a Title Case headline ("White House Asked Bill Clinton to
        // Urge Sestak") runs words into false names.
        let mut body_toks = d.toks.clone();
        for (t, &p) in body_toks.iter_mut().zip(&d.para) {
            if d.title_para.get(p).copied().unwrap_or(false) {
                t.is_word = false;
            }
        }
        d.names = Names::build(&body_toks);
        d
    }

    /// Token range `[a, b)` covering the code points `start..end`.
    fn tok_range(&self, start: usize, end: usize) -> (usize, usize) {
        let a = self.toks.partition_point(|t| t.start < start);
        let b = self.toks.partition_point(|t| t.end <= end);
        (a, b.max(a))
    }

    fn is_punct(&self, i: usize, set: &[&str]) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| !t.is_word && set.contains(&t.text.as_str()))
    }

    /// A sentence-ending mark (not the period of "(D-Mo.)").
    fn sentence_end(&self, i: usize) -> bool {
        self.is_punct(i, &[".", "!", "?"]) && !self.is_punct(i + 1, &[")"])
    }
}

/// One attribution found, before speakers are resolved.
#[derive(Debug, Clone)]
struct Found {
    start: usize,
    end: usize,
    kind: QuoteKind,
    /// Cue token range.
    cue: Option<(usize, usize)>,
    /// Speaker mention token range.
    source: Option<(usize, usize)>,
    /// A speaker inherited from an earlier attribution (no mention of its own).
    inherited: Option<usize>,
    score: f32,
}

#[derive(Default)]
struct State {
    found: Vec<Found>,
    /// Indirect/mixed candidates with their filter features (for training the filter).
    candidates: Vec<Candidate>,
    /// Give the candidates their dense vectors.
    dense_candidates: bool,
    /// Cue tokens already used.
    used: Vec<(usize, usize)>,
}

const ADVERBS: &[&str] = &[
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
const AUXILIARIES: &[&str] = &[
    "is", "are", "was", "were", "be", "been", "has", "have", "had", "will", "would", "could",
    "should", "can", "may", "might", "must", "did", "does", "do", "shall",
];

/// Heads of descriptions that are never the speaker ("said in a speech last week").
const NON_PERSON: &[&str] = &[
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
fn tells(lower: &str) -> bool {
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

const DETERMINERS: &[&str] = &[
    "the", "a", "an", "his", "her", "their", "its", "some", "many", "several", "two", "three",
    "other", "most", "few", "one", "our", "this", "these", "those", "both", "all", "another",
    "senior", "top",
];

const STOPS: &[&str] = &[
    "that", "and", "but", "which", "when", "while", "as", "because", "if", "so", "where", "what",
    "than", "whether", "or", "since", "after", "before", "to", "for", "of", "in", "on", "at", "by",
    "with", "from", "about", "said", "says", "told",
];

/// Words that, after a comma, open a clause that is no longer the reported content.
const CLAUSE_BREAKS: &[&str] = &[
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

const TITLE_CUES: &[&str] = &[
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

impl QuoteAnalyzer {
    /// Cue runs (maximal runs of tokens over `min`) in token range `a..b`, outside quotes.
    fn cue_runs(&self, d: &Doc, a: usize, b: usize, min: f32) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = a;
        while i < b {
            if d.prob[i] >= min && !d.inq[i] {
                let s = i;
                while i < b && d.prob[i] >= min && !d.inq[i] && d.sent[i] == d.sent[s] {
                    i += 1;
                }
                // Runs start and end on words (":" alone is a cue).
                let (mut rs, mut re) = (s, i);
                while rs < re && !d.toks[rs].is_word {
                    rs += 1;
                }
                while re > rs && !d.toks[re - 1].is_word {
                    re -= 1;
                }
                // "the Ridgeback project call it": a run holding a verb of speech or belief starts
                // there, not on the noun before it (which is the speaker's).
                let class = |k: usize| confidence::cue_class(&[d.toks[k].lower.as_str()]);
                if (rs..re).any(|k| class(k) != confidence::CueClass::Other) {
                    while rs + 1 < re
                        && class(rs) == confidence::CueClass::Other
                        && d.toks[rs].is_word
                        && !ADVERBS.contains(&d.toks[rs].lower.as_str())
                        && !AUXILIARIES.contains(&d.toks[rs].lower.as_str())
                        && d.toks[rs].lower != "according"
                    {
                        rs += 1;
                    }
                }
                if rs < re {
                    out.push((rs, re));
                } else if d.toks[s].text == ":" {
                    out.push((s, s + 1));
                }
            } else {
                i += 1;
            }
        }
        out
    }

    fn best_run(&self, d: &Doc, runs: &[(usize, usize)]) -> Option<(usize, usize)> {
        runs.iter().copied().max_by(|x, y| {
            let px = d.prob[x.0..x.1].iter().cloned().fold(0.0f32, f32::max);
            let py = d.prob[y.0..y.1].iter().cloned().fold(0.0f32, f32::max);
            px.total_cmp(&py)
        })
    }

    /// Direct quotes and the cues and mentions next to them.
    fn direct(&self, d: &Doc, st: &mut State) {
        let mut pending: Vec<usize> = Vec::new();
        for (k, q) in d.quotes.iter().enumerate() {
            let (qa, qb) = d.tok_range(q.start, q.end);
            if qa >= qb {
                continue;
            }
            let words = d.toks[qa..qb].iter().filter(|t| t.is_word).count();
            let pq = d.para[qa];
            let pq_end = d.para[qb - 1];
            // Tail: after the closing mark, to the sentence end or the next quote.
            let mut tail_end = qb;
            while tail_end < d.toks.len()
                && tail_end < qb + 25
                && d.para[tail_end] == pq_end
                && !d.inq[tail_end]
                && !d.sentence_end(tail_end)
            {
                tail_end += 1;
            }
            // Head: from the sentence start (or the previous quote) to the opening mark.
            let mut head_start = qa;
            while head_start > 0
                && head_start + 14 > qa
                && d.para[head_start - 1] == pq
                && !d.inq[head_start - 1]
                && !d.sentence_end(head_start - 1)
            {
                head_start -= 1;
            }
            let inner_comma = d.toks[qb - 1].text == ","
                || d.toks
                    .get(qb.wrapping_sub(2))
                    .is_some_and(|t| t.text == ",");
            let adjacent_tail = d.is_punct(qb, &[","]) || inner_comma;
            // "“…” ― Jane Doe": a dash then the name.
            if d.is_punct(qb, &["―", "—"]) && d.toks.get(qb + 1).is_some_and(|t| t.is_cap()) {
                if let Some(np) = self.np_after(d, qb + 1, tail_end.max(qb + 2)) {
                    if words >= 3 {
                        st.used.push((qb, qb + 1));
                        st.found.push(Found {
                            start: q.start,
                            end: q.end,
                            kind: QuoteKind::Direct,
                            cue: Some((qb, qb + 1)),
                            source: Some(np),
                            inherited: None,
                            score: 0.8,
                        });
                        continue;
                    }
                }
            }
            let tail_runs = self.cue_runs(d, qb, tail_end, self.quote_threshold);
            let reach = if adjacent_tail || d.toks[qb - 2.min(qb)].text == "." {
                20
            } else {
                6
            };
            let tail_cue = tail_runs.first().copied().filter(|r| r.0 <= qb + reach);
            let head_runs = self.cue_runs(d, head_start, qa, self.quote_threshold);
            let head_cue = self.best_run(d, &head_runs);
            let title_like = self.title_like(d, qa, qb, head_start);
            let (cue, head_side) = match (tail_cue, head_cue) {
                (Some(t), _) if adjacent_tail || head_cue.is_none() => (Some(t), false),
                (_, Some(h)) => (Some(h), true),
                (Some(t), None) => (Some(t), false),
                (None, None) => (None, false),
            };
            if let Some(c) = cue {
                if title_like && words < 8 {
                    continue;
                }
                // The cue of the first half of a split quote ("“…,” he said, pointing, “…”").
                if head_side {
                    if let Some(f) = st
                        .found
                        .iter()
                        .rev()
                        .find(|f| f.cue == Some(c) && f.kind == QuoteKind::Direct)
                        .cloned()
                    {
                        st.found.push(Found {
                            start: q.start,
                            end: q.end,
                            ..f
                        });
                        continue;
                    }
                }
                let lead_punct = qa > 0 && d.is_punct(qa - 1, &[",", ":"]);
                if head_side && !lead_punct {
                    // Words between the cue and the opening mark ("X said the plan was “…”")
                    // make it mixed speech, unless they are the addressee of "told".
                    let between: Vec<&Tok> = d.toks[c.1..qa].iter().filter(|t| t.is_word).collect();
                    let only_that = between.iter().all(|t| t.lower == "that");
                    if !only_that && between.len() >= 2 && !self.addressee(d, c, qa) {
                        continue; // left to the indirect pass, which makes it mixed
                    }
                }
                // Short quoted phrases are speech only as "“…,” she said" or "X said: “…”".
                let speech_like = if head_side { lead_punct } else { inner_comma };
                if words < 4 && !speech_like {
                    continue;
                }
                let source = self.source_for(d, c);
                let p = d.prob[c.0..c.1].iter().cloned().fold(0.0f32, f32::max);
                st.used.push(c);
                st.found.push(Found {
                    start: q.start,
                    end: q.end,
                    kind: QuoteKind::Direct,
                    cue: Some(c),
                    source,
                    inherited: None,
                    score: 0.5 + 0.5 * p,
                });
                continue;
            }
            if title_like || words < 4 {
                continue;
            }
            // A quote opening a paragraph after "X continued:" or "X said:".
            let para_start = d.paras.get(pq).map_or(0, |p| p.0);
            let opens_para = d
                .chars
                .get(para_start..q.start)
                .is_some_and(|s| s.iter().all(|c| c.is_whitespace()));
            if opens_para && qa > 0 && d.toks[qa - 1].text == ":" && d.para[qa - 1] + 1 == pq {
                let s = d.sent[qa - 1];
                let (sa, _) = d.sents[s];
                let runs = self.cue_runs(d, sa, qa, 0.1);
                let c = runs.last().copied().unwrap_or((qa - 1, qa));
                let source = self.source_for(d, c);
                st.used.push(c);
                st.found.push(Found {
                    start: q.start,
                    end: q.end,
                    kind: QuoteKind::Direct,
                    cue: Some(c),
                    source,
                    inherited: None,
                    score: 0.7,
                });
                continue;
            }
            // Otherwise: share the attribution of a neighbouring quote of the same paragraph.
            pending.push(k);
        }
        for k in pending {
            let q = d.quotes[k];
            let (qa, _) = d.tok_range(q.start, q.end);
            let pq = d.para[qa];
            let same_para = |f: &Found| {
                let (fa, _) = d.tok_range(f.start, f.end);
                fa < d.toks.len() && d.para[fa] == pq
            };
            let prev = st
                .found
                .iter()
                .enumerate()
                .filter(|(_, f)| f.kind == QuoteKind::Direct && f.end <= q.start)
                .filter(|(_, f)| same_para(f) && q.start - f.end <= 120)
                .max_by_key(|(_, f)| f.end)
                .map(|(i, _)| i);
            let next = st
                .found
                .iter()
                .enumerate()
                .filter(|(_, f)| f.kind == QuoteKind::Direct && f.start >= q.end)
                .filter(|(_, f)| same_para(f) && f.start - q.end <= 40)
                .min_by_key(|(_, f)| f.start)
                .map(|(i, _)| i);
            if let Some(i) = prev.or(next) {
                let f = st.found[i].clone();
                st.found.push(Found {
                    start: q.start,
                    end: q.end,
                    score: f.score * 0.9,
                    ..f
                });
                continue;
            }
            // A quote standing alone: the latest direct speaker, within two paragraphs.
            let earlier = st
                .found
                .iter()
                .enumerate()
                .filter(|(_, f)| f.end <= q.start)
                .filter(|(_, f)| {
                    let (fa, _) = d.tok_range(f.start, f.end);
                    fa < d.toks.len() && pq.saturating_sub(d.para[fa]) <= 2
                })
                .max_by_key(|(_, f)| f.end)
                .map(|(i, _)| i);
            st.found.push(Found {
                start: q.start,
                end: q.end,
                kind: QuoteKind::Direct,
                cue: None,
                source: None,
                inherited: earlier,
                score: 0.4,
            });
        }
    }

    /// Whether the words between a cue and `until` are the addressee of "told"/"asked" etc.
    fn addressee(&self, d: &Doc, c: (usize, usize), until: usize) -> bool {
        let tells = tells(d.toks[c.1 - 1].lower.as_str());
        let n = d.toks[c.1..until.max(c.1)]
            .iter()
            .filter(|t| t.is_word)
            .count();
        tells && n <= 6
    }

    /// A short Title Case phrase in quotes, or one after "series", "book", "titled"…
    fn title_like(&self, d: &Doc, qa: usize, qb: usize, head_start: usize) -> bool {
        let words: Vec<&Tok> = d.toks[qa..qb].iter().filter(|t| t.is_word).collect();
        let small = |w: &str| {
            matches!(
                w,
                "of" | "the"
                    | "a"
                    | "an"
                    | "and"
                    | "in"
                    | "on"
                    | "for"
                    | "to"
                    | "with"
                    | "at"
                    | "by"
                    | "or"
            )
        };
        let title_case = words.len() >= 2
            && words.len() <= 8
            && words.iter().all(|t| t.is_cap() || small(&t.lower));
        let named = d.toks[head_start.max(qa.saturating_sub(3))..qa]
            .iter()
            .any(|t| TITLE_CUES.contains(&t.lower.as_str()));
        title_case || named
    }

    /// The speaker mention of a cue: "X said", "said X", "X, a …, said", "according to X".
    fn source_for(&self, d: &Doc, c: (usize, usize)) -> Option<(usize, usize)> {
        let s = d.sent[c.0];
        let (sa, sb) = d.sents[s];
        let first = d.toks[c.0].lower.as_str();
        if first == "according" {
            let mut a = c.1;
            if d.toks.get(a).is_some_and(|t| t.lower == "to") {
                a += 1;
            }
            let np = self.np_after(d, a, sb).or_else(|| self.np_loose(d, a, sb));
            if let Some(np) = np {
                let described = mention_kind(&d.toks[np.0..np.1]).0 == MentionKind::Description;
                if described {
                    if let Some(name) = self.apposition_name(d, np.1, sb) {
                        return Some(name);
                    }
                }
            }
            return np;
        }
        let inverted = c.0 == sa
            || d.inq[c.0 - 1]
            || d.is_punct(c.0 - 1, &[",", "—", "–", "-", "("])
            || d.toks[c.0 - 1].lower == "as";
        // "said Jane Doe." / "said the spokesman, adding…": a mention after the cue is the
        // speaker only when the clause ends there (not "said the increase was needed", "said
        // Tyvak would…"), never after "told" (the addressee) or a preposition ("said in a speech"),
        // and never a possessive or a thing ("the president’s", "a speech last week").
        let last_cue = d.toks[c.1 - 1].lower.as_str();
        let after_ok =
            !tells(last_cue) && (!STOPS.contains(&last_cue) || matches!(last_cue, "said" | "says"));
        let after = self.np_after(d, c.1, sb).filter(|np| {
            // "said the women's argument points in…": a description after the cue speaks only
            // when it names a source ("said the spokesman").
            let (kind, words) = mention_kind(&d.toks[np.0..np.1]);
            let thing = kind == MentionKind::Description
                && !words.last().is_some_and(|w| confidence::source_head(w));
            after_ok
                && !thing
                && !d.toks[np.1 - 1].lower.ends_with("'s")
                && !self.non_person(d, *np)
                && (d.toks.get(np.1).is_none_or(|t| {
                    !t.is_word
                        || matches!(
                            t.lower.as_str(),
                            "who"
                                | "on"
                                | "in"
                                | "at"
                                | "during"
                                | "after"
                                | "before"
                                | "from"
                                | "told"
                                | "of"
                                | "about"
                                | "to"
                                | "for"
                                | "with"
                                | "as"
                                | "while"
                                | "when"
                                | "and"
                        )
                }) || np.1 >= sb)
        });
        if inverted {
            if let Some(np) = after {
                return Some(np);
            }
        }
        let before = self
            .np_before(d, c.0, sa)
            .filter(|np| !self.non_person(d, *np));
        if before.is_none() && c.0 > sa && matches!(d.toks[c.0 - 1].lower.as_str(), "and" | "but") {
            // "She didn't give a date, but said …": the subject of the first clause.
            if let Some(np) = self.np_after(d, sa, c.0) {
                if !self.non_person(d, np) {
                    return Some(np);
                }
            }
        }
        if before.is_none() && after.is_none() && c.0 > sa && d.is_punct(c.0 - 1, &[","]) {
            // "…, saying …", "…, adding that …": the subject of the sentence speaks.
            let participle = d.toks[c.0].lower.ends_with("ing");
            if participle {
                if let Some(i) = (sa..c.0).find(|&i| d.toks[i].is_word && !d.inq[i]) {
                    if let Some(np) = self.np_after(d, i, c.0) {
                        if !self.non_person(d, np) {
                            return Some(np);
                        }
                    }
                }
            }
        }
        before.or(after)
    }

    /// A description whose head is a thing ("a speech last week"), a number, or a lone
    /// lower-case word that is no mention at all.
    fn non_person(&self, d: &Doc, np: (usize, usize)) -> bool {
        let words: Vec<&Tok> = d.toks[np.0..np.1].iter().filter(|t| t.is_word).collect();
        if words
            .iter()
            .all(|t| t.text.chars().all(|c| c.is_ascii_digit()))
        {
            return true;
        }
        let kind = mention_kind(&d.toks[np.0..np.1]).0;
        kind == MentionKind::Description
            && words.iter().any(|t| NON_PERSON.contains(&t.lower.as_str()))
    }

    fn np_after(&self, d: &Doc, from: usize, limit: usize) -> Option<(usize, usize)> {
        let t = d.toks.get(from)?;
        if from >= limit || !t.is_word || d.inq[from] {
            return None;
        }
        if is_pronoun(&t.lower) {
            let subject = matches!(t.lower.as_str(), "he" | "she" | "they" | "i" | "we");
            return subject.then_some((from, from + 1));
        }
        // A name, a description opening with a determiner ("the spokesman"), or a lower-case
        // role before a name ("councillor Maria Okafor").
        let role_name = (speakers::is_role(&t.lower) || tokens::is_title_word(&t.lower))
            && d.toks
                .get(from + 1)
                .is_some_and(|n| n.is_word && n.is_cap());
        if !(t.is_cap() || DETERMINERS.contains(&t.lower.as_str()) || role_name)
            || STOPS.contains(&t.lower.as_str())
        {
            return None;
        }
        let mut j = from;
        let mut seen_cap = false;
        while j < limit && j < from + 7 && d.toks[j].is_word && !d.inq[j] {
            let w = &d.toks[j];
            if j > from && STOPS.contains(&w.lower.as_str()) && !(seen_cap && w.lower == "of") {
                break;
            }
            // "said the increase was needed": a verb ends the mention (and makes it a clause).
            if j > from && AUXILIARIES.contains(&w.lower.as_str()) {
                break;
            }
            // "MSNBC host Chris Matthews": a role between capitalised words continues the mention.
            let role = speakers::is_role(&w.lower) || tokens::is_title_word(&w.lower);
            if seen_cap && !w.is_cap() && !role {
                break;
            }
            seen_cap |= w.is_cap();
            j += 1;
        }
        (j > from).then_some((from, j))
    }

    /// "the city engineer, Helen Brandt, …": the name in commas right after a description that
    /// ends at `np_end`.
    fn apposition_name(&self, d: &Doc, np_end: usize, limit: usize) -> Option<(usize, usize)> {
        if !d.is_punct(np_end, &[","]) {
            return None;
        }
        let a = np_end + 1;
        let mut m = a;
        while m < limit && m < a + 5 && d.toks[m].is_word && d.toks[m].is_cap() && !d.inq[m] {
            m += 1;
        }
        (m > a && d.is_punct(m, &[","])).then_some((a, m))
    }

    /// Words up to the next comma or stop word ("according to local officials, …").
    fn np_loose(&self, d: &Doc, from: usize, limit: usize) -> Option<(usize, usize)> {
        let mut j = from;
        while j < limit && j < from + 6 && d.toks[j].is_word && !d.inq[j] {
            if j > from && STOPS.contains(&d.toks[j].lower.as_str()) {
                break;
            }
            j += 1;
        }
        (j > from).then_some((from, j))
    }

    /// [`QuoteAnalyzer::np_before`] without an analyzer (it reads no model).
    fn np_before_static(d: &Doc, before: usize, floor: usize) -> Option<(usize, usize)> {
        let floor = floor.max(d.sents[d.sent[before.min(d.toks.len() - 1)]].0);
        QuoteAnalyzer::with_model(CueModel::default()).np_before(d, before, floor)
    }

    fn np_before(&self, d: &Doc, before: usize, floor: usize) -> Option<(usize, usize)> {
        let mut j = before;
        // Adverbs, auxiliaries, "on Tuesday".
        loop {
            if j > floor && ADVERBS.contains(&d.toks[j - 1].lower.as_str()) {
                j -= 1;
            } else if j >= floor + 2
                && d.toks[j - 2].lower == "on"
                && d.toks[j - 1].is_cap()
                && d.toks[j - 1].lower.ends_with("day")
            {
                j -= 2;
            } else {
                break;
            }
        }
        if j <= floor || d.inq[j - 1] {
            return None;
        }
        // Apposition: "X, a longtime pollster, said".
        if d.toks[j - 1].text == "," {
            let mut k = j - 1;
            while k > floor && k + 25 > j && d.toks[k - 1].text != "," && !d.inq[k - 1] {
                k -= 1;
            }
            if k > floor && d.toks[k - 1].text == "," {
                let outer = self.np_before(d, k - 1, floor);
                // "Alabama's state auditor, Jim Ziegler, told": the name in the apposition.
                let inner = &d.toks[k..j - 1];
                let name = !inner.is_empty()
                    && inner.len() <= 5
                    && inner.iter().all(|t| t.is_word && t.is_cap());
                let described = outer.is_some_and(|(x, y)| {
                    mention_kind(&d.toks[x..y]).0 == MentionKind::Description
                });
                if name && described {
                    return Some((k, j - 1));
                }
                return outer;
            }
            return None;
        }
        let t = &d.toks[j - 1];
        if !t.is_word {
            return None;
        }
        if is_pronoun(&t.lower) {
            return Some((j - 1, j));
        }
        let mut a = j - 1;
        if t.is_cap() {
            while a > floor {
                let p = &d.toks[a - 1];
                let joins = p.is_word && (p.is_cap() || tokens::is_title_word(&p.lower));
                if !joins || d.inq[a - 1] {
                    break;
                }
                a -= 1;
            }
            while a < j - 1 && tokens::is_not_name(&d.toks[a].lower) {
                a += 1;
            }
            // "Sen. Kamala Harris of California said": the person, not the place.
            if a >= floor + 2 && d.toks[a - 1].lower == "of" && d.toks[a - 2].is_cap() {
                if let Some(np) = self.np_before(d, a - 1, floor) {
                    if mention_kind(&d.toks[np.0..np.1]).0 == MentionKind::Name {
                        return Some(np);
                    }
                }
            }
            return Some((a, j));
        }
        if STOPS.contains(&t.lower.as_str()) {
            return None;
        }
        // A description: back to its determiner, at most 5 words.
        let mut k = j - 1;
        while k > floor && k + 5 > j {
            let p = &d.toks[k - 1];
            if !p.is_word || d.inq[k - 1] || STOPS.contains(&p.lower.as_str()) {
                break;
            }
            k -= 1;
            if DETERMINERS.contains(&p.lower.as_str()) || p.lower.ends_with("'s") {
                a = k;
                // Possessor: "Clinton's campaign", "the Trump campaign".
                break;
            }
        }
        if a == j - 1 && k < j - 1 {
            // No determiner: a bare plural ("officials", "Republican leaders").
            let mut b = j - 1;
            while b > k && d.toks[b - 1].is_cap() {
                b -= 1;
            }
            a = b;
        }
        Some((a, j))
    }

    /// Indirect and mixed speech from the cue model.
    fn indirect(&self, d: &Doc, st: &mut State) {
        for &(sa, sb) in &d.sents {
            for c in self.cue_runs(d, sa, sb, self.threshold) {
                if st.used.iter().any(|u| u.0 < c.1 && c.0 < u.1) {
                    continue;
                }
                let cs = d.toks[c.0].start;
                if st.found.iter().any(|f| cs >= f.start && cs < f.end) {
                    continue;
                }
                let mut variants: Vec<((usize, usize), &str)> = Vec::new();
                if let Some(r) = self.content_for(d, c, sa, sb) {
                    variants.push((r, "primary"));
                }
                if self.filter.is_some() || self.variants {
                    let mut a = c.1;
                    while a < sb && matches!(d.toks[a].lower.as_str(), "that" | ":" | ",") {
                        a += 1;
                    }
                    if let Some(r) = trim_span(d, a, sb) {
                        variants.push((r, "after"));
                    }
                    let k = (sa..c.0)
                        .rev()
                        .take(8)
                        .find(|&i| d.toks[i].text == ",")
                        .unwrap_or(c.0);
                    if let Some(r) = trim_span(d, sa, k) {
                        variants.push((r, "before"));
                    }
                    // Shorter objects: what follows up to the first comma or adverbial
                    // ("criticized the plan during a stop", "mocked Romney for …, claiming").
                    if let Some(k) = cut_point(d, a, sb) {
                        if let Some(r) = trim_span(d, a, k) {
                            variants.push((r, "after_cut"));
                        }
                    }
                    if let Some(&((pa, pb), _)) = variants.first() {
                        if pa >= c.1 {
                            if let Some(r) = cut_point(d, pa, pb).and_then(|k| trim_span(d, pa, k))
                            {
                                variants.push((r, "primary_cut"));
                            }
                        }
                    }
                }
                let source = self.source_for(d, c);
                let p0 = d.prob[c.0..c.1].iter().cloned().fold(0.0f32, f32::max);
                let mut best: Option<((usize, usize), f32)> = None;
                let mut seen: Vec<(usize, usize)> = Vec::new();
                for ((a, b), name) in variants {
                    if seen.contains(&(a, b)) {
                        continue;
                    }
                    seen.push((a, b));
                    let (start, end) = (d.toks[a].start, d.toks[b - 1].end);
                    // Mostly a direct quote already found: not a new attribution.
                    let covered: usize = st
                        .found
                        .iter()
                        .filter(|f| f.kind == QuoteKind::Direct && f.start < end && start < f.end)
                        .map(|f| f.end.min(end) - f.start.max(start))
                        .sum();
                    if covered * 2 >= end - start {
                        continue;
                    }
                    let mut feats = candidate_features(d, c, (a, b), source, (sa, sb), p0);
                    feats.push(format!("var={name}"));
                    feats.push(format!("var|cl={name}|{}", d.toks[c.1 - 1].lower));
                    let stop = if b < sb {
                        d.toks[b].lower.as_str()
                    } else {
                        "</s>"
                    };
                    feats.push(format!("var|stop={name}|{stop}"));
                    let layout = match &self.filter {
                        Some(f) => f.dense().map(|w| w.layout.as_str()),
                        None if st.dense_candidates => Some(dense::FILTER_LAYOUT),
                        None => None,
                    };
                    let x = match (layout, &d.words) {
                        (Some(l), Some(ws)) => ws.filter_vector(l, (a, b), c),
                        _ => None,
                    };
                    let p = match &self.filter {
                        Some(filter) => filter.prob_of_with(&feats, x.as_deref()),
                        None if name == "primary" => p0,
                        None => -1.0,
                    };
                    if st.dense_candidates || self.filter.is_none() {
                        st.candidates.push(Candidate {
                            start,
                            end,
                            features: feats,
                            dense: x.unwrap_or_default(),
                        });
                    }
                    if best.is_none_or(|(_, bp)| p > bp) {
                        best = Some(((a, b), p));
                    }
                }
                let Some(((a, b), p)) = best else {
                    continue;
                };
                let threshold = if self.filter.is_some() {
                    self.filter_threshold
                } else {
                    0.0
                };
                if p < threshold {
                    continue;
                }
                let (a, b) = tighten(d, c, a, b);
                let (start, end) = (d.toks[a].start, d.toks[b - 1].end);
                st.found
                    .retain(|f| !(f.start >= start && f.end <= end && f.cue.is_none()));
                let mixed = d.inq[a..b].iter().any(|&q| q);
                st.used.push(c);
                st.found.push(Found {
                    start,
                    end,
                    kind: if mixed {
                        QuoteKind::Mixed
                    } else {
                        QuoteKind::Indirect
                    },
                    cue: Some(c),
                    source,
                    inherited: None,
                    score: p,
                });
            }
        }
    }

    /// The reported clause of cue `c` in sentence tokens `sa..sb`, as a token range.
    fn content_for(
        &self,
        d: &Doc,
        c: (usize, usize),
        sa: usize,
        sb: usize,
    ) -> Option<(usize, usize)> {
        let mut end = sb;
        while end > sa && !d.toks[end - 1].is_word && !d.inq[end - 1] {
            end -= 1;
        }
        let trim = |a: usize, b: usize| trim_span(d, a, b);
        let first = d.toks[c.0].lower.as_str();
        if first == "according" {
            let from = c.1 + usize::from(d.toks.get(c.1).is_some_and(|t| t.lower == "to"));
            let np = self
                .np_after(d, from, sb)
                .or_else(|| self.np_loose(d, from, sb));
            let mut np_end = np.map_or(c.1, |n| n.1);
            if let Some(name) = self.apposition_name(d, np_end, sb) {
                np_end = name.1;
            }
            if c.0 <= sa + 1 {
                let mut k = np_end;
                while k < end && d.toks[k].text != "," {
                    k += 1;
                }
                return trim(k + 1, end);
            }
            return trim(sa, c.0);
        }
        // "…, X said." / "…, said X.": the content precedes.
        let tail_words = d.toks[c.1..end.max(c.1)]
            .iter()
            .filter(|t| t.is_word)
            .count();
        let comma_before = (sa..c.0).rev().take(7).find(|&i| d.toks[i].text == ",");
        if let Some(k) = comma_before {
            let inverted = k + 1 == c.0 && self.np_after(d, c.1, end).is_some();
            if (tail_words <= 6 || inverted) && k > sa {
                let after_cue = trim(c.1, end);
                if inverted || after_cue.is_none_or(|(a, b)| b - a <= 6) {
                    return trim(sa, k);
                }
            }
        }
        // "X said (that) …": what follows, past the addressee of "told".
        let mut a = c.1;
        if self.addressee(d, c, end)
            || matches!(
                d.toks[c.1 - 1].lower.as_str(),
                "told"
                    | "tells"
                    | "telling"
                    | "asked"
                    | "warned"
                    | "urged"
                    | "reminded"
                    | "assured"
            )
        {
            let mut k = a;
            while k < end
                && k < a + 6
                && d.toks[k].is_word
                && d.toks[k].lower != "that"
                && !d.inq[k]
            {
                k += 1;
            }
            if k < end
                && (d.toks[k].lower == "that"
                    || d.toks[k].text == ":"
                    || d.toks[k].text == ","
                    || d.inq[k])
            {
                a = k;
            }
        }
        while a < end
            && (d.toks[a].lower == "that" || d.toks[a].text == ":" || d.toks[a].text == ",")
        {
            a += 1;
        }
        // The clause ends before ", saying …", ", which …", ", where …".
        let mut stop = end;
        for k in a + 2..end {
            if d.toks[k].text == "," && !d.inq[k] {
                if let Some(n) = d.toks.get(k + 1) {
                    if n.lower.ends_with("ing") && n.lower.len() > 5
                        || CLAUSE_BREAKS.contains(&n.lower.as_str())
                    {
                        stop = k;
                        break;
                    }
                }
            }
        }
        // …and before the next attribution in the sentence ("X denied A and said B"), unless
        // that leaves too little (a nested report: "X said Y wants Z").
        if let Some(n) = self
            .cue_runs(d, a + 1, stop, self.threshold)
            .first()
            .map(|r| r.0)
        {
            let mut k = self.np_before(d, n, a).map_or(n, |np| np.0);
            while k > a
                && (d.is_punct(k - 1, &[",", ";"])
                    || matches!(d.toks[k - 1].lower.as_str(), "and" | "but"))
            {
                k -= 1;
            }
            let words = d.toks[a..k].iter().filter(|t| t.is_word).count();
            if words >= 3 {
                stop = k;
            }
        }
        let end = stop;
        if let Some(r) = trim(a, end) {
            return Some(r);
        }
        trim(sa, c.0)
    }
}

/// The reported clause inside the span `a..b` chosen for cue `c`: it starts after a "that" a few
/// words after the cue ("told Mr. Dale that […]", "said at the news conference that […]") and
/// stops before ", noting …", ", adding …" or "and echoed …" (a second report or action).
fn tighten(d: &Doc, c: (usize, usize), a: usize, b: usize) -> (usize, usize) {
    let (mut a, mut b) = (a, b);
    if a >= c.1 && a < b {
        if let Some(k) = (a..b.min(a + 11)).find(|&k| d.toks[k].lower == "that" && !d.inq[k]) {
            let words_before = (a..k).filter(|&i| d.toks[i].is_word).count();
            let clause_before = (a..k).any(|i| AUXILIARIES.contains(&d.toks[i].lower.as_str()));
            // Only an addressee or an adverbial comes first ("told X that", "said at/on … that",
            // "said Tuesday that"), not the subject of the reported clause ("said that he favors
            // partnerships that …").
            let first = d.toks[a].lower.as_str();
            let lead = tells(d.toks[c.1 - 1].lower.as_str())
                || matches!(
                    first,
                    "at" | "on"
                        | "in"
                        | "during"
                        | "after"
                        | "before"
                        | "to"
                        | "from"
                        | "via"
                        | "through"
                        | "last"
                        | "this"
                        | "earlier"
                        | "later"
                        | "today"
                        | "yesterday"
                        | "monday"
                        | "tuesday"
                        | "wednesday"
                        | "thursday"
                        | "friday"
                        | "saturday"
                        | "sunday"
                );
            if lead
                && k > a
                && !clause_before
                && words_before <= 8
                && trim_span(d, k + 1, b).is_some()
            {
                a = k + 1;
            }
        }
    }
    for k in a + 2..b {
        if d.inq[k] {
            continue;
        }
        let next = d.toks.get(k + 1).map_or("", |t| t.lower.as_str());
        let comma_break = d.toks[k].text == ","
            && (matches!(
                next,
                "noting" | "adding" | "saying" | "according" | "arguing"
            ) || CLAUSE_BREAKS.contains(&next));
        let and_report = d.toks[k].lower == "and"
            && !next.is_empty()
            && confidence::cue_class(&[next]) != confidence::CueClass::Other
            && (next.ends_with("ed") || matches!(next, "said" | "told" | "wrote" | "thought"));
        if (comma_break || and_report) && trim_span(d, a, k).is_some() {
            b = k;
            break;
        }
    }
    trim_span(d, a, b).unwrap_or((a, b))
}

/// Words that end an object phrase: adverbials and clause openers after the object.
const OBJECT_BREAKS: &[&str] = &[
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

/// The first place after `a` (at least one word in) where an object phrase ends: an unquoted comma,
/// semicolon or dash, or one of [`OBJECT_BREAKS`]; `None` when that is the end `b` anyway.
fn cut_point(d: &Doc, a: usize, b: usize) -> Option<usize> {
    let b = b.min(d.toks.len());
    (a + 1..b).find(|&k| {
        let t = &d.toks[k];
        !d.inq[k]
            && if t.is_word {
                OBJECT_BREAKS.contains(&t.lower.as_str())
            } else {
                matches!(t.text.as_str(), "," | ";" | "—" | "–" | "(")
            }
    })
}

/// `a..b` without punctuation at either end (quotation marks kept); `None` under 2 words.
fn trim_span(d: &Doc, mut a: usize, mut b: usize) -> Option<(usize, usize)> {
    b = b.min(d.toks.len());
    if a >= b {
        return None;
    }
    while a < b && !d.toks[a].is_word && !d.inq[a] {
        a += 1;
    }
    while b > a && !d.toks[b - 1].is_word && !d.inq[b - 1] {
        b -= 1;
    }
    let words = d.toks[a..b].iter().filter(|t| t.is_word).count();
    (words >= 2).then_some((a, b))
}

fn bucket(n: usize) -> &'static str {
    match n {
        0..=2 => "2",
        3..=4 => "4",
        5..=8 => "8",
        9..=16 => "16",
        17..=32 => "32",
        _ => "more",
    }
}

/// Features of an indirect/mixed candidate for the attribution filter: the cue (words, model
/// probability), the content (length, first and last words, side of the cue, quoted or not), the
/// speaker mention (kind) and the sentence.
fn candidate_features(
    d: &Doc,
    c: (usize, usize),
    content: (usize, usize),
    source: Option<(usize, usize)>,
    sentence: (usize, usize),
    p: f32,
) -> Vec<String> {
    let (a, b) = content;
    let cue: Vec<&str> = d.toks[c.0..c.1].iter().map(|t| t.lower.as_str()).collect();
    let cue = cue.join(" ");
    let last = d.toks[c.1 - 1].lower.as_str();
    let words = d.toks[a..b].iter().filter(|t| t.is_word).count();
    let side = if a >= c.1 { "after" } else { "before" };
    let src = match source {
        None => "none",
        Some((x, y)) => match mention_kind(&d.toks[x..y]).0 {
            MentionKind::Name => "name",
            MentionKind::Pronoun => "pronoun",
            MentionKind::Description => "desc",
        },
    };
    let at = |i: usize| d.toks.get(i).map_or("</s>", |t| t.lower.as_str());
    let before = if c.0 > sentence.0 { at(c.0 - 1) } else { "<s>" };
    let mut f = vec![
        format!("cue={cue}"),
        format!("cl={last}"),
        format!("p={}", (p * 10.0) as u32),
        format!("side={side}"),
        format!("len={}", bucket(words)),
        format!("src={src}"),
        format!("f={}", at(a)),
        format!("l={}", at(b - 1)),
        format!("prev={before}"),
        format!("next={}", at(c.1)),
        format!("cl|side={last}|{side}"),
        format!("cl|src={last}|{src}"),
        format!("cl|len={last}|{}", bucket(words)),
        format!("side|src={side}|{src}"),
        format!("slen={}", bucket(sentence.1 - sentence.0)),
    ];
    if d.inq[a..b].iter().any(|&q| q) {
        f.push("quoted".into());
    }
    if a > sentence.0 && at(a - 1) == "that" {
        f.push("that".into());
    }
    if a == sentence.0 {
        f.push("from_start".into());
    }
    if b + 1 >= sentence.1 {
        f.push("to_end".into());
    }
    let stop = if b < sentence.1 { at(b) } else { "</s>" };
    f.push(format!("stop={stop}"));
    f.push(format!("cl|stop={last}|{stop}"));
    f
}

/// Training rows for the cue model from one article: per sentence its tokens, whether each lies
/// inside quotation marks, and whether each overlaps one of `cue_spans` (code points), tokenised
/// exactly as [`QuoteAnalyzer::annotate`] sees them.
pub fn training_sentences(
    article: &Article,
    cue_spans: &[(usize, usize)],
) -> Vec<(Vec<Tok>, Vec<bool>, Vec<bool>)> {
    let d = Doc::new(article, None, None);
    d.sents
        .iter()
        .map(|&(a, b)| {
            let toks = d.toks[a..b].to_vec();
            let gold = toks
                .iter()
                .map(|t| cue_spans.iter().any(|&(s, e)| t.start < e && s < t.end))
                .collect();
            (toks, d.inq[a..b].to_vec(), gold)
        })
        .collect()
}

/// Training rows for a cue model with dense weights: per token its sparse features
/// ([`cue::features`]), its dense vector under `layout` ([`dense::CUE_LAYOUT`]…; empty where the
/// token has no state), and whether it overlaps one of `cue_spans`, tokenised exactly as
/// [`QuoteAnalyzer::annotate_with_states`] sees them.
pub fn training_rows(
    article: &Article,
    cue_spans: &[(usize, usize)],
    states: EncoderStates,
    layout: &str,
) -> Vec<(Vec<String>, Vec<f32>, bool)> {
    let d = Doc::new(article, None, Some(&states));
    let mut rows = Vec::with_capacity(d.toks.len());
    for &(a, b) in &d.sents {
        for i in a..b {
            let t = &d.toks[i];
            let x = d
                .words
                .as_ref()
                .and_then(|ws| ws.cue_vector(layout, (a, b), i))
                .unwrap_or_default();
            let gold = cue_spans.iter().any(|&(s, e)| t.start < e && s < t.end);
            rows.push((cue::features(&d.toks[a..b], &d.inq[a..b], i - a), x, gold));
        }
    }
    rows
}

/// How a quote's speaker was found, for its confidence.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SpeakerHow {
    /// A name in the article.
    Name,
    /// A description naming a person, group, body or document ("officials", "the report").
    Source,
    /// He/she resolved to a person; `true` when another person of that gender was named in the
    /// same paragraph before it (the pronoun may be theirs).
    Pronoun(bool),
    /// From context: the latest speaker (a quotation with no cue of its own).
    Context,
    /// The author's own first person ("I think", "we know") outside quotation marks.
    FirstPerson,
    /// A mention that names nobody: "they", "it", a stray capitalised word, a show title, a
    /// description of a thing ("the increase"), the content itself.
    Junk,
    /// No speaker at all.
    None,
}

/// The name words of a mention without what is no part of a name: a capitalised common word at a
/// sentence start ("Ever Putin", "Stop"), a show title before its host ("Night With Megyn
/// Kelly").
fn clean_name(d: &Doc, a: usize, b: usize, words: &[String]) -> Vec<String> {
    let mut words = words.to_vec();
    if let Some(k) = words.iter().rposition(|w| w == "With" || w == "with") {
        words.drain(..=k);
    }
    // The mention's first word opens its sentence and the article writes it in lower case
    // elsewhere: a common word, unless the same words also appear as a name mid-sentence.
    let first_tok = (a..b).find(|&i| {
        d.toks[i].is_word && d.toks[i].text == *words.first().map_or("", |w| w.as_str())
    });
    if let Some(i) = first_tok {
        let sentence_start = d.sents[d.sent[i]].0;
        let opens = (sentence_start..i).all(|k| !d.toks[k].is_word);
        let common = d.lower_words.contains(&d.toks[i].lower)
            || tokens::is_not_name(&d.toks[i].lower)
            || STRAY.contains(&d.toks[i].lower.as_str());
        let mid_sentence_name = d.names.mentions.iter().any(|m| {
            m.words == words
                && (d.sents[d.sent[m.tok_start]].0..m.tok_start).any(|k| d.toks[k].is_word)
        });
        if opens && common && !mid_sentence_name {
            words.remove(0);
        }
    }
    words
}

/// Whether a capitalised word is also a name elsewhere (in a longer name: "Critics" is no one,
/// "Baker" in "James Baker" is).
fn lone_name_elsewhere(d: &Doc, word: &str) -> bool {
    d.names.fullest(&[word.to_string()]).contains(' ')
}

/// Capitalised words that are never a name on their own (adverbs, quantifiers, answers).
const STRAY: &[&str] = &[
    "no",
    "yes",
    "ever",
    "clearly",
    "even",
    "only",
    "just",
    "perhaps",
    "maybe",
    "indeed",
    "instead",
    "today",
    "tonight",
    "yesterday",
    "last",
    "next",
    "every",
    "each",
    "such",
    "stop",
    "please",
    "obviously",
    "surely",
    "certainly",
    "of",
    "to",
    "with",
    "from",
    "by",
    "about",
];

/// Turn what was found into quotes with resolved speakers and confidences, and the speaker list
/// (of the quotes shown).
fn finish(d: &Doc, found: Vec<Found>) -> (Vec<Quote>, Vec<Speaker>) {
    let mut names: Vec<Option<String>> = Vec::with_capacity(found.len());
    let mut quotes = Vec::with_capacity(found.len());
    // Latest resolved speaker (name, position) for pronouns and roles.
    let mut latest: Vec<(usize, String)> = Vec::new();
    // `found` is sorted by start; inherited indices point into the pre-sort order, so resolve
    // them by position: the latest speaker before the quote.
    for f in &found {
        let (mut speaker, mut span) = (None, None);
        let mut how = SpeakerHow::None;
        if let Some((a, b)) = f.source {
            let toks = &d.toks[a..b];
            span = Some((d.toks[a].start, d.toks[b - 1].end));
            let pos = d.toks[a].start;
            let (kind, words) = mention_kind(toks);
            let recent = latest
                .iter()
                .rev()
                .find(|(p, _)| *p <= pos && pos - p <= 1500)
                .map(|(_, n)| n.clone());
            let inside_quote = d.inq[a];
            speaker = match kind {
                MentionKind::Name => {
                    let words = clean_name(d, a, b, &words);
                    let show = words
                        .last()
                        .is_some_and(|w| confidence::show_word(&w.to_lowercase()));
                    // A lone capitalised word opening its sentence that the article names nowhere
                    // else ("Work is expected to…"): a common noun, not a name.
                    let lone = words.len() == 1
                        && (d.sents[d.sent[a]].0..a).all(|k| !d.toks[k].is_word)
                        && d.names.count_last(&words[0]) <= 1
                        && d.names.fullest(&words).split(' ').count() == 1;
                    let group = words.len() == 1
                        && confidence::source_head(&words[0].to_lowercase())
                        && !lone_name_elsewhere(d, &words[0]);
                    if group {
                        // "Critics said", "Officials say": a group, not a name.
                        how = SpeakerHow::Source;
                        Some(words[0].clone())
                    } else if words.is_empty() || show || lone {
                        how = SpeakerHow::Junk;
                        None
                    } else {
                        how = SpeakerHow::Name;
                        Some(d.names.fullest_at(&words, pos))
                    }
                }
                MentionKind::Pronoun => match words[0].as_str() {
                    "i" | "we" if !inside_quote => {
                        how = SpeakerHow::FirstPerson;
                        None
                    }
                    "he" | "she" | "his" | "her" | "i" => {
                        // The latest speaker, else the latest person named, that the pronoun can
                        // refer to (a person, of the pronoun's gender where the article shows it).
                        let g = speakers::pronoun_gender(&words[0]);
                        // (Tried: the person named since the latest speaker in the same
                        // paragraph. On real articles that is often an addressee or a name
                        // inside the quote, "told Mr. Dale", "vote for Doug", so no.)
                        let found = latest
                            .iter()
                            .rev()
                            .filter(|(p, _)| *p <= pos && pos - p <= 1500)
                            .map(|(_, n)| n)
                            .find(|n| d.names.fits(n, g))
                            .cloned()
                            .or_else(|| d.names.last_person_before(pos, 3000, g))
                            .or(recent);
                        let para_start = d.paras.get(d.para[a]).map_or(0, |p| p.0);
                        // Another person of that gender named in the paragraph before the pronoun.
                        let mut others: Vec<String> = d
                            .names
                            .mentions
                            .iter()
                            .filter(|m| m.start >= para_start && m.end <= pos)
                            .filter(|m| !d.inq[m.tok_start])
                            .map(|m| d.names.fullest(&m.words))
                            .filter(|n| d.names.fits(n, g))
                            .collect();
                        others.sort();
                        others.dedup();
                        let ambiguous = others.iter().any(|n| Some(n) != found.as_ref());
                        how = if found.is_some() {
                            SpeakerHow::Pronoun(ambiguous)
                        } else {
                            SpeakerHow::Junk
                        };
                        found
                    }
                    "who" if a > 0 && d.toks[a - 1].is_word && !d.toks[a - 1].is_cap() => {
                        // "three other women who said": the description before "who".
                        let described = QuoteAnalyzer::np_before_static(d, a, 0);
                        match described {
                            Some((x, y)) => {
                                let head = d.toks[y - 1].lower.clone();
                                how = if confidence::source_head(&head) {
                                    SpeakerHow::Source
                                } else {
                                    SpeakerHow::Junk
                                };
                                Some(d.chars[d.toks[x].start..d.toks[y - 1].end].iter().collect())
                            }
                            None => {
                                how = SpeakerHow::Junk;
                                None
                            }
                        }
                    }
                    "who" => {
                        how = SpeakerHow::Pronoun(false);
                        d.names.last_before(pos, 200).or(recent)
                    }
                    _ => {
                        // "they", "it", "you": names nobody.
                        how = SpeakerHow::Junk;
                        Some(
                            d.chars[span.map_or(0, |s| s.0)..span.map_or(0, |s| s.1)]
                                .iter()
                                .collect(),
                        )
                    }
                },
                MentionKind::Description => {
                    let head = words.last().cloned().unwrap_or_default();
                    let text: String = d.chars[d.toks[a].start..d.toks[b - 1].end].iter().collect();
                    let generic = (a.saturating_sub(3).max(d.sents[d.sent[a]].0)..b).any(|k| {
                        matches!(
                            d.toks[k].lower.as_str(),
                            "every" | "any" | "no" | "each" | "anyone" | "everyone" | "nobody"
                        )
                    });
                    how = if confidence::source_head(&head) && !generic {
                        SpeakerHow::Source
                    } else {
                        SpeakerHow::Junk
                    };
                    if words.len() >= 2 && is_role(&head) {
                        d.names.with_role(&head, pos).or(Some(text))
                    } else {
                        Some(text)
                    }
                }
            };
            // The speaker inside the content it is said to say is the content, not its source.
            if span.is_some_and(|(s, e)| s < f.end && f.start < e) {
                how = SpeakerHow::Junk;
            }
        } else if f.inherited.is_some() || f.cue.is_none() {
            speaker = latest
                .iter()
                .rev()
                .find(|(p, _)| *p <= f.start && f.start - p <= 2500)
                .map(|(_, n)| n.clone());
            if speaker.is_some() {
                how = SpeakerHow::Context;
            }
        }
        if let Some(s) = &speaker {
            let pos = span.map_or(f.start, |s| s.0);
            let is_person = matches!(
                how,
                SpeakerHow::Name | SpeakerHow::Pronoun(_) | SpeakerHow::Context
            );
            if is_person {
                latest.push((pos, s.clone()));
                latest.sort_by_key(|(p, _)| *p);
            }
        }
        let confidence = judge(d, f, how);
        let (cue, cue_start, cue_end) = match f.cue {
            Some((a, b)) => {
                let (s, e) = (d.toks[a].start, d.toks[b - 1].end);
                (
                    Some(d.chars[s..e].iter().collect::<String>()),
                    Some(s),
                    Some(e),
                )
            }
            None => (None, None, None),
        };
        names.push(speaker.clone());
        quotes.push(Quote {
            start: f.start,
            end: f.end,
            kind: f.kind,
            cue,
            cue_start,
            cue_end,
            speaker,
            speaker_start: span.map(|s| s.0),
            speaker_end: span.map(|s| s.1),
            score: f.score.clamp(0.0, 1.0),
            confidence,
            shown: confidence >= confidence::SHOW_THRESHOLD,
        });
    }
    let mut speakers: Vec<Speaker> = Vec::new();
    let shown_names = names
        .into_iter()
        .zip(&quotes)
        .filter(|(_, q)| q.shown)
        .filter_map(|(n, _)| n);
    for n in shown_names {
        match speakers.iter_mut().find(|s| s.name == n) {
            Some(s) => s.quotes += 1,
            None => speakers.push(Speaker {
                mentions: count_mentions(d, &n),
                name: n,
                quotes: 1,
            }),
        }
    }
    speakers.sort_by(|a, b| b.quotes.cmp(&a.quotes).then(b.mentions.cmp(&a.mentions)));
    (quotes, speakers)
}

/// How far a reader can trust an attribution (0–1), from the models' score, the kind of cue,
/// how the speaker was found, and where the quote stands (see [`confidence`]).
fn judge(d: &Doc, f: &Found, how: SpeakerHow) -> f32 {
    let (qa, qb) = d.tok_range(f.start, f.end);
    if qa < d.toks.len() && d.title_para.get(d.para[qa]).copied().unwrap_or(false) {
        return 0.0; // the headline is the article's own
    }
    let cue_words: Vec<&str> = f.cue.map_or(Vec::new(), |(a, b)| {
        d.toks[a..b].iter().map(|t| t.lower.as_str()).collect()
    });
    let mut class = confidence::cue_class(&cue_words);
    // "is expected to", "was reported": a passive cue names no one who says it.
    let passive = cue_words
        .iter()
        .any(|w| matches!(*w, "is" | "are" | "was" | "were" | "be" | "been" | "being"))
        && cue_words
            .iter()
            .skip(1)
            .any(|w| w.ends_with("ed") || w.ends_with("en"));
    if passive && class != confidence::CueClass::Other {
        class = confidence::CueClass::Weak;
    }
    let speaker = match how {
        SpeakerHow::Name => 1.0,
        SpeakerHow::Source => 0.95,
        SpeakerHow::Pronoun(false) => 0.9,
        SpeakerHow::Pronoun(true) => 0.75,
        SpeakerHow::Context => 0.85,
        SpeakerHow::FirstPerson => 0.1,
        SpeakerHow::Junk => 0.2,
        SpeakerHow::None => 0.0,
    };
    use confidence::CueClass;
    match f.kind {
        QuoteKind::Direct => {
            let cue = match (f.cue, class) {
                (None, _) => 0.85,
                (Some(_), CueClass::Speech | CueClass::Belief) => 1.0,
                (Some((a, b)), _) if b == a + 1 && !d.toks[a].is_word => 0.95,
                (Some(_), CueClass::Weak) => 0.9,
                (Some(_), CueClass::Other) => 0.8,
            };
            0.95 * cue * speaker
        }
        QuoteKind::Indirect | QuoteKind::Mixed => {
            let cue = match class {
                CueClass::Speech => 1.0,
                CueClass::Belief => 0.9,
                CueClass::Weak => 0.6,
                CueClass::Other => 0.3,
            };
            let words = d.toks[qa..qb.max(qa)].iter().filter(|t| t.is_word).count();
            let content = if words < 3 { 0.7 } else { 1.0 };
            (0.4 + 0.6 * f.score) * cue * speaker * content
        }
    }
}

/// How often the article names a speaker: mentions of the full name or its last word.
fn count_mentions(d: &Doc, name: &str) -> usize {
    let last = name.split(' ').next_back().unwrap_or(name).to_lowercase();
    let n = d
        .names
        .mentions
        .iter()
        .filter(|m| m.words.last().is_some_and(|w| w.to_lowercase() == last))
        .count();
    n.max(1)
}

/// "Who said what" as text, one line per speaker then their quotes (for `--format text`).
pub fn format_who_said_what(article: &Article) -> String {
    let idx = rhetor_doc::CharIndex::new(&article.text);
    let mut out = String::new();
    for s in &article.speakers {
        out.push_str(&format!(
            "{} ({} quote{}, {} mention{})\n",
            s.name,
            s.quotes,
            if s.quotes == 1 { "" } else { "s" },
            s.mentions,
            if s.mentions == 1 { "" } else { "s" }
        ));
        for q in article
            .quotes
            .iter()
            .filter(|q| q.shown && q.speaker.as_deref() == Some(&s.name))
        {
            let text = idx.slice(&article.text, q.start, q.end).unwrap_or("");
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let short: String = if text.chars().count() > 160 {
                format!("{}…", text.chars().take(159).collect::<String>())
            } else {
                text
            };
            let kind = match q.kind {
                QuoteKind::Direct => "direct",
                QuoteKind::Indirect => "indirect",
                QuoteKind::Mixed => "mixed",
            };
            out.push_str(&format!(
                "  [{kind}{}] {short}\n",
                q.cue
                    .as_deref()
                    .map(|c| format!(", {c}"))
                    .unwrap_or_default()
            ));
        }
    }
    let unattributed = article
        .quotes
        .iter()
        .filter(|q| q.shown && q.speaker.is_none())
        .count();
    if unattributed > 0 {
        out.push_str(&format!("(no speaker: {unattributed} quote(s))\n"));
    }
    let hidden = article.quotes.iter().filter(|q| !q.shown).count();
    if hidden > 0 {
        out.push_str(&format!(
            "({hidden} low-confidence attribution(s) not shown; in the JSON output with \"shown\": false)\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests;
