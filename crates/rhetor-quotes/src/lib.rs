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

pub mod calibrate;
pub mod confidence;
pub mod cue;
pub mod dense;
mod direct;
mod doc;
mod features;
mod indirect;
mod lexicon;
mod listing;
mod marks;
mod mentions;
mod resolve;
pub mod scraped;
pub mod speakers;
pub mod tokens;

use doc::*;
use features::*;
use lexicon::*;
use resolve::*;

pub use features::{training_rows, training_sentences};
pub use listing::format_who_said_what;

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
        let (quotes, speakers, _) = self.analyse_features(article, states);
        (quotes, speakers)
    }

    /// [`QuoteAnalyzer::analyse`] (sparse models) with each quote's speaker-confidence features,
    /// in the order of the quotes: what `examples/hand_labels.rs --features` writes to fit
    /// [`calibrate`]'s weights.
    pub fn analyse_with_features(
        &self,
        article: &Article,
    ) -> (Vec<Quote>, Vec<[f32; calibrate::N_FEATURES]>) {
        let (quotes, _, feats) = self.analyse_features(article, None);
        (quotes, feats)
    }

    fn analyse_features(
        &self,
        article: &Article,
        states: Option<&EncoderStates>,
    ) -> (Vec<Quote>, Vec<Speaker>, Vec<[f32; calibrate::N_FEATURES]>) {
        let doc = Doc::new(article, Some(&self.model), states);
        let mut state = State::default();
        self.direct(&doc, &mut state);
        self.indirect(&doc, &mut state);
        state.found.sort_by_key(|f| (f.start, f.end));
        finish_full(&doc, state.found)
    }
}

#[cfg(test)]
mod tests;
