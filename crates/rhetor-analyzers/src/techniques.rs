//! Persuasion techniques: one encoder pass per paragraph feeds a paragraph head (subtask 3,
//! one sigmoid per technique over the mean of the paragraph's token states) and a token head
//! (B/I/O per technique and token) whose runs become character spans.
//!
//! Inference runs on [`FastEncoder`] (packed, no padding); the heads are two small matrices
//! applied here in plain Rust, so the same code serves `rhetor analyze` and the training
//! recipe's held-out evaluation.

use std::path::Path;

use rhetor_models::tokenize::Window;
use rhetor_models::trained::{export, HeadKind, HeadSpec, ModelConfig, TrainedModel};
use rhetor_models::{FastEncoder, Precision, TextTokenizer};
use serde::{Deserialize, Serialize};

use crate::{AnalyzeError, Result};

/// Tokens per encoder input (specials included) the model is trained and run with.
pub const MAX_LEN: usize = 128;
/// Tokens shared by consecutive windows of a long paragraph (the training recipe's windows, and
/// inference's default: see [`TechniqueModel::overlap`]).
pub const STRIDE: usize = 32;

/// Decision thresholds chosen on held-out data by the training recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// A paragraph gets a technique when its probability reaches this.
    pub paragraph: f32,
    /// Per-technique paragraph thresholds overriding `paragraph` (label → threshold).
    #[serde(default)]
    pub paragraph_per_label: Vec<(String, f32)>,
    /// A token belongs to a technique span when `1 - P(O)` reaches this.
    pub span: f32,
    /// Also give a paragraph every technique one of its spans has.
    #[serde(default)]
    pub spans_imply_paragraph: bool,
    /// How each technique's spans are made (label → rule); techniques not listed use token runs
    /// at `span`.
    #[serde(default)]
    pub span_rules: Vec<(String, SpanRule)>,
    /// Per-word span rates of the training articles (the `lex` part of token rules).
    #[serde(default)]
    pub lexicon: SpanLexicon,
}

/// How often each word lies inside a gold span of each technique in the training articles: a
/// lexical prior for the token runs. Loaded language and name calling are largely a matter of
/// word choice, and a 356-article fine-tune sees most of those words a handful of times; the
/// counts remember each one (measured on the held-out fold: see the model card).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpanLexicon {
    /// Technique label → lower-case word → `(occurrences inside a span, occurrences)`; only
    /// words seen inside a span at least once.
    pub words: std::collections::BTreeMap<String, std::collections::BTreeMap<String, (u32, u32)>>,
}

impl SpanLexicon {
    /// Pseudo-count and base rate of the smoothing: `(inside + K · BASE) / (count + K)`.
    const K: f32 = 2.0;
    const BASE: f32 = 0.02;

    /// Builds the lexicon from `(text, spans)` pairs, spans as `(label, start, end)` in code
    /// points. Words are maximal runs of letters and digits, lower-cased.
    pub fn build<'a>(
        articles: impl IntoIterator<Item = (&'a str, Vec<(String, usize, usize)>)>,
    ) -> Self {
        let mut counts: std::collections::HashMap<String, u32> = Default::default();
        let mut lex = Self::default();
        for (text, spans) in articles {
            let chars: Vec<char> = text.chars().collect();
            for (s, e) in word_bounds(&chars) {
                let w = lower(&chars[s..e]);
                let mut seen = std::collections::BTreeSet::new();
                for (label, a, b) in &spans {
                    if *a < e && *b > s && seen.insert(label) {
                        lex.words
                            .entry(label.clone())
                            .or_default()
                            .entry(w.clone())
                            .or_insert((0, 0))
                            .0 += 1;
                    }
                }
                *counts.entry(w).or_insert(0) += 1;
            }
        }
        for table in lex.words.values_mut() {
            for (w, v) in table.iter_mut() {
                v.1 = counts.get(w).copied().unwrap_or(v.0).max(v.0);
            }
        }
        lex
    }

    /// `(inside + K · BASE) / (count + K)`.
    fn smoothed((inside, count): (u32, u32)) -> f32 {
        (inside as f32 + Self::K * Self::BASE) / (count as f32 + Self::K)
    }

    /// The smoothed prior of `word` (lower case) for `label`; 0 for words never inside one.
    pub fn prior(&self, label: &str, word: &str) -> f32 {
        match self.words.get(label).and_then(|t| t.get(word)) {
            Some(&counts) => Self::smoothed(counts),
            None => 0.0,
        }
    }

    /// The prior of every token of `o` for `label`: the prior of the word the token lies in.
    fn token_priors(&self, o: &ParagraphOutput, label: &str, ctx: &SpanContext) -> Vec<f32> {
        let Some(table) = self.words.get(label) else {
            return vec![0.0; o.offsets.len()];
        };
        o.offsets
            .iter()
            .map(|&(a, _)| {
                match ctx
                    .word_at(o.start + a)
                    .and_then(|(s, e)| ctx.chars.get(s..e))
                {
                    Some(w) => table
                        .get(&lower(w))
                        .map(|&counts| Self::smoothed(counts))
                        .unwrap_or(0.0),
                    _ => 0.0,
                }
            })
            .collect()
    }
}

/// `[start, end)` of every maximal run of letters and digits.
fn word_bounds(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_alphanumeric() {
            let s = i;
            while i < chars.len() && chars[i].is_alphanumeric() {
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

/// How the spans of one technique are made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum SpanRule {
    /// Runs of tokens whose `1 - P(O)` reaches the threshold (short techniques: loaded language,
    /// name calling); a run survives up to `gap` tokens below it (the token head's
    /// probabilities dip inside long spans, which would cut one span into fragments).
    Tokens {
        threshold: f32,
        #[serde(default)]
        gap: usize,
        /// Weight of the word's lexical prior ([`SpanLexicon`]) mixed into each token's
        /// probability: `(1 - lex) · model + lex · prior` (0 = the model alone).
        #[serde(default)]
        lex: f32,
    },
    /// The whole paragraph when the paragraph head's probability reaches the threshold (long
    /// techniques whose spans are usually a whole sentence, which a SemEval paragraph mostly is).
    Paragraph { threshold: f32 },
    /// Each sentence whose tokens' `1 - P(O)` reaches the threshold, taken as their maximum (or
    /// their mean with `mean`): clause-length techniques (doubt, causal oversimplification)
    /// whose token probabilities are too ragged for runs and whose paragraphs are too long.
    Sentences {
        threshold: f32,
        #[serde(default)]
        mean: bool,
    },
    /// No spans.
    Off,
}

impl Thresholds {
    /// The span rule of `label`.
    pub fn span_rule(&self, label: &str) -> SpanRule {
        self.span_rules
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, r)| *r)
            .unwrap_or(SpanRule::Tokens {
                threshold: self.span,
                gap: 0,
                lex: 0.0,
            })
    }

    /// The paragraph threshold of `label`.
    pub fn threshold_for(&self, label: &str) -> f32 {
        self.paragraph_per_label
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, t)| *t)
            .unwrap_or(self.paragraph)
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            paragraph: 0.5,
            paragraph_per_label: vec![],
            span: 0.5,
            spans_imply_paragraph: false,
            span_rules: vec![],
            lexicon: SpanLexicon::default(),
        }
    }
}

/// A linear layer as plain numbers: `weight` is `[outputs, hidden]` row-major.
#[derive(Debug, Clone)]
pub struct LinearHead {
    pub labels: Vec<String>,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    pub hidden: usize,
    /// `weight` as `[hidden, outputs]`, made at the first [`apply_rows`](Self::apply_rows).
    pub weight_t: std::sync::OnceLock<Vec<f32>>,
}

impl LinearHead {
    fn from_head(h: &rhetor_models::trained::Head) -> Result<Self> {
        let hidden = h.weight.dim(1)?;
        Ok(Self {
            labels: h.spec.labels.clone(),
            weight: h.weight.flatten_all()?.to_vec1::<f32>()?,
            bias: h.bias.to_vec1::<f32>()?,
            hidden,
            weight_t: Default::default(),
        })
    }

    /// `W x + b`. The dot products run in 16 lanes (`use_m3::dot`): the token head applies this
    /// to every word piece (69 × 384 per piece), and a plain `sum()` adds one product after
    /// another (no vector registers), which made it 8 % of `rhetor analyze`'s CPU time, run
    /// serially after the encoder (issue 14's speed allowance). The sums differ from the plain
    /// order in the last bits only.
    pub fn apply(&self, x: &[f32]) -> Vec<f32> {
        self.weight
            .chunks_exact(self.hidden.max(1))
            .zip(&self.bias)
            .map(|(row, b)| rhetor_models::use_m3::dot(row, x) + b)
            .collect()
    }

    /// `W x + b` for each of the `m` rows of `xs` (`[m, hidden]` row-major) in one matrix
    /// product (`[m, outputs]` row-major): the token head reads every word piece of a window,
    /// and one product over the window's rows runs near the CPU's peak where a dot product per
    /// row and output does not.
    pub fn apply_rows(&self, xs: &[f32], m: usize) -> Vec<f32> {
        let n = self.bias.len();
        let k = self.hidden;
        let mut out = Vec::with_capacity(m * n);
        for _ in 0..m {
            out.extend_from_slice(&self.bias);
        }
        if m == 0 || k == 0 || xs.len() < m * k || self.weight.len() < n * k {
            return out;
        }
        // `matmul_acc` reads the weight as `[hidden, outputs]`.
        let wt = self.weight_t.get_or_init(|| {
            let mut wt = vec![0f32; k * n];
            for (o, row) in self.weight.chunks_exact(k).enumerate() {
                for (i, &v) in row.iter().enumerate() {
                    wt[i * n + o] = v;
                }
            }
            wt
        });
        rhetor_models::matmul_acc(&mut out, xs, wt, m, k, n, 1);
        out
    }
}

/// What the model says about one paragraph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParagraphOutput {
    /// SemEval paragraph number (line number).
    pub index: usize,
    /// Code points of the paragraph in the article text.
    pub start: usize,
    pub end: usize,
    /// Token offsets relative to `start`.
    pub offsets: Vec<(usize, usize)>,
    /// Per token, `[label][O, B, I]` probabilities.
    pub token_probs: Vec<Vec<[f32; 3]>>,
    /// Probability per technique (model label order).
    pub probs: Vec<f32>,
    /// Mean of the paragraph's token states (window means averaged): the article heads' input.
    pub pooled: Vec<f32>,
    /// Tokens in the paragraph.
    pub n_tokens: usize,
}

/// The paragraph (multi-label) and span (token B/I/O) heads among `heads`, which must share
/// their labels.
fn pick_heads(heads: &[HeadSpec]) -> Result<(&HeadSpec, &HeadSpec)> {
    let find = |kind: fn(&HeadKind) -> bool, what: &str| {
        heads
            .iter()
            .find(|h| kind(&h.kind))
            .ok_or_else(|| AnalyzeError::Model {
                path: "trained model".into(),
                message: format!("no {what} head"),
            })
    };
    let ph = find(|k| matches!(k, HeadKind::MultiLabel { .. }), "multi-label")?;
    let sh = find(|k| matches!(k, HeadKind::TokenBio), "token")?;
    if ph.labels != sh.labels {
        return Err(AnalyzeError::Model {
            path: "trained model".into(),
            message: "paragraph and span heads have different labels".into(),
        });
    }
    Ok((ph, sh))
}

/// The fine-tuned encoder and its two technique heads.
pub struct TechniqueModel {
    pub encoder: FastEncoder,
    pub tokenizer: TextTokenizer,
    pub paragraph_head: LinearHead,
    pub span_head: LinearHead,
    pub labels: Vec<String>,
    /// Tokens shared by consecutive windows of a paragraph longer than one window
    /// ([`STRIDE`] by default, as in training). Each token's state comes from the window where
    /// it sits nearer the middle; a paragraph's probabilities are the maximum over its windows.
    /// Fewer shared tokens encode fewer tokens twice, at the cost of less context at the
    /// seams: `scripts/window-overlap-eval.sh` measures both (docs/benchmarks.md).
    pub overlap: usize,
}

/// One article's input to [`TechniqueModel::run_many`]: its text and the paragraphs to read
/// (`(index, start, end)` in code points).
pub type ArticleInput<'a> = (&'a str, &'a [(usize, usize, usize)]);

/// What [`TechniqueModel::run_many`] gives back per article: the paragraphs' outputs and, when
/// asked for, every word piece's final state.
pub type ArticleOutput = (Vec<ParagraphOutput>, Option<TokenStates>);

/// `[labels][3]` softmax of one token's `[labels × 3]` logits.
fn bio_softmax(logits: &[f32]) -> Vec<[f32; 3]> {
    logits
        .chunks_exact(3)
        .map(|c| {
            let m = c[0].max(c[1]).max(c[2]);
            let e = [(c[0] - m).exp(), (c[1] - m).exp(), (c[2] - m).exp()];
            let s = e[0] + e[1] + e[2];
            [e[0] / s, e[1] / s, e[2] / s]
        })
        .collect()
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl TechniqueModel {
    /// Loads a model folder written by the training recipe (`rhetor-model.json`,
    /// `model.safetensors`, `tokenizer.json`), using `threads` worker threads (0 = all cores).
    pub fn load(dir: &Path, threads: usize) -> Result<Self> {
        Self::load_with(dir, threads, Precision::F32)
    }

    /// [`load`](Self::load) with the encoder's dense layers at `precision` (`Auto`: int8 where
    /// the CPU has VNNI, f32 otherwise; see `rhetor_models::quant`).
    ///
    /// Reads the weights straight into the inference encoder (f16 widened exactly, layer by
    /// layer, the word table left in the file mapping) rather than through a candle
    /// [`TrainedModel`]: the same numbers as [`from_trained_with`](Self::from_trained_with)
    /// without a second, f32 copy of the whole model at load time (peak memory).
    pub fn load_with(dir: &Path, threads: usize, precision: Precision) -> Result<Self> {
        let merr = |e: rhetor_models::trained::ModelError| AnalyzeError::Model {
            path: dir.display().to_string(),
            message: e.to_string(),
        };
        let config = ModelConfig::load(dir).map_err(merr)?;
        let (ph, sh) = pick_heads(&config.heads)?;
        let hidden = config.encoder.hidden_size;
        let head = |spec: &HeadSpec| -> Result<LinearHead> {
            let (weight, bias) = export::head_weights(dir, &spec.name, hidden).map_err(merr)?;
            Ok(LinearHead {
                labels: spec.labels.clone(),
                weight,
                bias,
                hidden,
                weight_t: Default::default(),
            })
        };
        let (paragraph_head, span_head) = (head(ph)?, head(sh)?);
        let labels = ph.labels.clone();
        let tokenizer = TextTokenizer::from_file(&dir.join(export::TOKENIZER_FILE))?;
        let encoder = FastEncoder::load_weights_with(
            &dir.join(export::WEIGHTS_FILE),
            config.encoder,
            threads,
            precision,
        )?;
        Ok(Self {
            encoder,
            tokenizer,
            paragraph_head,
            span_head,
            labels,
            overlap: STRIDE,
        })
    }

    /// Builds from a loaded (or just trained) model, f32.
    pub fn from_trained(m: &TrainedModel, threads: usize) -> Result<Self> {
        Self::from_trained_with(m, threads, Precision::F32)
    }

    /// [`from_trained`](Self::from_trained) at `precision`.
    pub fn from_trained_with(
        m: &TrainedModel,
        threads: usize,
        precision: Precision,
    ) -> Result<Self> {
        let encoder = FastEncoder::from_encoder_with(&m.encoder, threads, precision)?;
        let specs: Vec<HeadSpec> = m.heads.iter().map(|h| h.spec.clone()).collect();
        let (ps, ss) = pick_heads(&specs)?;
        let find = |name: &str| {
            m.heads
                .iter()
                .find(|h| h.spec.name == name)
                .ok_or_else(|| AnalyzeError::Model {
                    path: "trained model".into(),
                    message: format!("no head {name}"),
                })
        };
        let (ph, sh) = (find(&ps.name)?, find(&ss.name)?);
        Ok(Self {
            encoder,
            tokenizer: m.tokenizer.clone(),
            paragraph_head: LinearHead::from_head(ph)?,
            span_head: LinearHead::from_head(sh)?,
            labels: ph.spec.labels.clone(),
            overlap: STRIDE,
        })
    }

    /// Runs the model over the paragraphs `(index, start, end)` (code points into `text`).
    pub fn run(
        &self,
        text: &str,
        paragraphs: &[(usize, usize, usize)],
    ) -> Result<Vec<ParagraphOutput>> {
        Ok(self.run_inner(text, paragraphs, false)?.0)
    }

    /// [`run`](Self::run), also returning the final hidden state of every word piece (the same
    /// encoder pass; for the quote analyzer's dense features).
    pub fn run_with_states(
        &self,
        text: &str,
        paragraphs: &[(usize, usize, usize)],
    ) -> Result<(Vec<ParagraphOutput>, TokenStates)> {
        let (out, states) = self.run_inner(text, paragraphs, true)?;
        Ok((out, states.unwrap_or_default()))
    }

    /// The encoder's input for these paragraphs, exactly as [`run`](Self::run) builds it: each
    /// paragraph's windows (`[CLS] … [SEP]`, at most [`MAX_LEN`] pieces, [`overlap`](Self::overlap) shared), in
    /// paragraph order. For benchmarks that feed the same windows to other engines.
    pub fn windows(
        &self,
        text: &str,
        paragraphs: &[(usize, usize, usize)],
    ) -> Result<Vec<Vec<u32>>> {
        let chars: Vec<char> = text.chars().collect();
        let mut seqs = vec![];
        for &(_, start, end) in paragraphs {
            let slice: String = chars.get(start..end).unwrap_or_default().iter().collect();
            let tokens = self.tokenizer.tokens(&slice)?;
            for w in self.tokenizer.windows(&tokens, MAX_LEN, self.overlap)? {
                seqs.push(w.ids);
            }
        }
        Ok(seqs)
    }

    fn run_inner(
        &self,
        text: &str,
        paragraphs: &[(usize, usize, usize)],
        keep_states: bool,
    ) -> Result<ArticleOutput> {
        let mut out = self.run_many(&[(text, paragraphs)], keep_states)?;
        Ok(out.pop().unwrap_or_default())
    }

    /// [`run`](Self::run) (or [`run_with_states`](Self::run_with_states) when `keep_states`)
    /// for several articles at once: the windows of every paragraph of every article go to the
    /// encoder in ONE call, which spreads them over its threads by token count. Short articles
    /// (fewer windows than threads, or one long window beside short ones) no longer leave a
    /// core idle, and the matrix products see more rows. The outputs are those of one
    /// [`run`](Self::run) per article (each window is encoded on its own either way).
    pub fn run_many(
        &self,
        articles: &[ArticleInput<'_>],
        keep_states: bool,
    ) -> Result<Vec<ArticleOutput>> {
        struct Prep {
            index: usize,
            start: usize,
            end: usize,
            offsets: Vec<(usize, usize)>,
            windows: Vec<Window>,
        }
        let mut preps: Vec<Vec<Prep>> = Vec::with_capacity(articles.len());
        let mut seqs: Vec<Vec<u32>> = vec![];
        for &(text, paragraphs) in articles {
            let chars: Vec<char> = text.chars().collect();
            let mut article = Vec::with_capacity(paragraphs.len());
            for &(index, start, end) in paragraphs {
                let slice: String = chars.get(start..end).unwrap_or_default().iter().collect();
                let tokens = self.tokenizer.tokens(&slice)?;
                let windows = self.tokenizer.windows(&tokens, MAX_LEN, self.overlap)?;
                for w in &windows {
                    seqs.push(w.ids.clone());
                }
                article.push(Prep {
                    index,
                    start,
                    end,
                    offsets: tokens.offsets,
                    windows,
                });
            }
            preps.push(article);
        }
        let states = self.encoder.forward(&seqs)?;
        drop(seqs);
        let hidden = self.encoder.config().hidden_size;
        let n_labels = self.labels.len();
        // Each article's first sequence, so that articles are read side by side on the rayon
        // pool (this loop ran serially after the encoder, one core idle).
        let mut firsts = Vec::with_capacity(preps.len());
        let mut seq_i = 0usize;
        for article in &preps {
            firsts.push(seq_i);
            seq_i += article.iter().map(|p| p.windows.len()).sum::<usize>();
        }
        use rayon::prelude::*;
        let all = preps
            .into_par_iter()
            .zip(firsts)
            .map(|(article, mut seq_i)| {
                let mut out = Vec::with_capacity(article.len());
                let mut kept = keep_states.then(|| TokenStates {
                    hidden,
                    ..TokenStates::default()
                });
                for p in article {
                    let mut probs = vec![0f32; n_labels];
                    let mut pooled = vec![0f32; hidden];
                    // Per token: [labels][3] probabilities.
                    let mut tok: Vec<Vec<[f32; 3]>> = vec![vec![]; p.offsets.len()];
                    let n_windows = p.windows.len().max(1);
                    for w in &p.windows {
                        let st = states.sequence(seq_i).unwrap_or_default();
                        seq_i += 1;
                        let n_rows = st.len() / hidden.max(1);
                        let mut mean = vec![0f32; hidden];
                        for r in st.chunks_exact(hidden.max(1)) {
                            for (a, b) in mean.iter_mut().zip(r.iter()) {
                                *a += *b;
                            }
                        }
                        let inv = 1.0 / n_rows.max(1) as f32;
                        mean.iter_mut().for_each(|a| *a *= inv);
                        for (a, b) in pooled.iter_mut().zip(&mean) {
                            *a += b / n_windows as f32;
                        }
                        let logits = self.paragraph_head.apply(&mean);
                        for (p_, l) in probs.iter_mut().zip(logits) {
                            *p_ = p_.max(sigmoid(l));
                        }
                        // The owned tokens' rows (+1: [CLS]), through the token head at once.
                        let first = w.own_start.saturating_sub(w.start) + 1;
                        let last = (w.own_end.saturating_sub(w.start) + 1).min(n_rows);
                        if first >= last {
                            continue;
                        }
                        let rows = &st[first * hidden..last * hidden];
                        let logits = self.span_head.apply_rows(rows, last - first);
                        let width = self.span_head.bias.len().max(1);
                        for (k, lg) in logits.chunks_exact(width).enumerate() {
                            let t = w.own_start + k;
                            if let Some(slot) = tok.get_mut(t) {
                                *slot = bio_softmax(lg);
                                if let (Some(kp), Some(&(a, b))) = (kept.as_mut(), p.offsets.get(t))
                                {
                                    kp.offsets.push((p.start + a, p.start + b));
                                    kp.states
                                        .extend_from_slice(&rows[k * hidden..(k + 1) * hidden]);
                                }
                            }
                        }
                    }
                    out.push(ParagraphOutput {
                        index: p.index,
                        start: p.start,
                        end: p.end,
                        n_tokens: p.offsets.len(),
                        offsets: p.offsets,
                        token_probs: tok,
                        probs,
                        pooled,
                    });
                }
                (out, kept)
            })
            .collect();
        Ok(all)
    }
}

/// Final hidden states of the word pieces of the paragraphs one [`TechniqueModel`] pass read: the
/// piece `k` spans code points `offsets[k]` of the article text and has the state
/// `states[k * hidden..(k + 1) * hidden]` (from the window that owns it).
#[derive(Debug, Clone, Default)]
pub struct TokenStates {
    pub hidden: usize,
    pub offsets: Vec<(usize, usize)>,
    pub states: Vec<f32>,
}

/// The article text as the span rules see it: its code points (token runs are widened to whole
/// words) and its sentences (the [`SpanRule::Sentences`] rule).
#[derive(Debug, Clone, Default)]
pub struct SpanContext<'a> {
    chars: Vec<char>,
    /// Sentence spans in text order (code points).
    sentences: Vec<(usize, usize)>,
    /// The lexical prior of token rules with `lex > 0`, and the model's labels (by index).
    lexicon: Option<&'a SpanLexicon>,
    labels: &'a [String],
}

impl<'a> SpanContext<'a> {
    /// Segments `text` (paragraphs are its non-blank lines, as everywhere in rhetor).
    pub fn new(text: &str) -> Self {
        let sentences = rhetor_text::sentences(text, &rhetor_text::paragraphs(text))
            .into_iter()
            .map(|s| (s.start, s.end))
            .collect();
        Self {
            chars: text.chars().collect(),
            sentences,
            lexicon: None,
            labels: &[],
        }
    }

    /// Gives token rules with `lex > 0` their lexical prior (`labels`: the model's, in order).
    pub fn with_lexicon(mut self, lexicon: &'a SpanLexicon, labels: &'a [String]) -> Self {
        self.lexicon = Some(lexicon);
        self.labels = labels;
        self
    }

    /// The run of letters and digits around code point `i`, if `i` is in one.
    fn word_at(&self, i: usize) -> Option<(usize, usize)> {
        if !self.is_word(i) {
            return None;
        }
        let (mut s, mut e) = (i, i + 1);
        while s > 0 && self.is_word(s - 1) {
            s -= 1;
        }
        while self.is_word(e) {
            e += 1;
        }
        Some((s, e))
    }

    fn is_word(&self, i: usize) -> bool {
        self.chars.get(i).is_some_and(|c| c.is_alphanumeric())
    }

    fn is_hyphen(&self, i: usize) -> bool {
        self.chars
            .get(i)
            .is_some_and(|&c| c == '-' || c == '\u{2010}')
    }

    /// `[start, end)` widened to whole words: a token run that starts or ends inside a word
    /// ("##ing", half of "far-left") takes the whole word, as the gold spans and readers do.
    pub fn snap(&self, mut start: usize, mut end: usize) -> (usize, usize) {
        if self.is_word(start) {
            loop {
                if start > 0 && self.is_word(start - 1) {
                    start -= 1;
                } else if start > 1 && self.is_hyphen(start - 1) && self.is_word(start - 2) {
                    start -= 2;
                } else {
                    break;
                }
            }
        }
        if end > 0 && self.is_word(end - 1) {
            loop {
                if self.is_word(end) {
                    end += 1;
                } else if self.is_hyphen(end) && self.is_word(end + 1) {
                    end += 2;
                } else {
                    break;
                }
            }
        }
        (start, end)
    }
}

/// The spans of one technique in one analysed paragraph under `rule`:
/// `(label, start, end, score)`, code points into the article text that `ctx` was made from.
pub fn spans_of(
    o: &ParagraphOutput,
    label: usize,
    rule: SpanRule,
    ctx: &SpanContext,
) -> Vec<(usize, usize, usize, f32)> {
    match rule {
        SpanRule::Off => vec![],
        SpanRule::Tokens {
            threshold,
            gap,
            lex,
        } => {
            let priors = match (ctx.lexicon, ctx.labels.get(label)) {
                (Some(lexicon), Some(name)) if lex > 0.0 => {
                    Some(lexicon.token_priors(o, name, ctx))
                }
                _ => None,
            };
            let prior = priors.as_deref().map(|p| (p, lex));
            let mut v = decode_label(
                &o.token_probs,
                &o.offsets,
                o.start,
                label,
                threshold,
                gap,
                prior,
            );
            for x in &mut v {
                (x.1, x.2) = ctx.snap(x.1, x.2);
            }
            v
        }
        SpanRule::Paragraph { threshold } => {
            let p = o.probs.get(label).copied().unwrap_or(0.0);
            match (o.offsets.first(), o.offsets.last()) {
                (Some(a), Some(b)) if p >= threshold && b.1 > a.0 => {
                    vec![(label, o.start + a.0, o.start + b.1, p)]
                }
                _ => vec![],
            }
        }
        SpanRule::Sentences { threshold, mean } => {
            let first = ctx.sentences.partition_point(|s| s.1 <= o.start);
            let mut out = vec![];
            for &(s, e) in ctx.sentences[first..].iter().take_while(|s| s.0 < o.end) {
                let inside: Vec<f32> = o
                    .offsets
                    .iter()
                    .zip(&o.token_probs)
                    .filter(|((a, b), _)| o.start + a >= s && o.start + b <= e)
                    .filter_map(|(_, p)| p.get(label).map(|p| 1.0 - p[0]))
                    .collect();
                if inside.is_empty() {
                    continue;
                }
                let score = if mean {
                    inside.iter().sum::<f32>() / inside.len() as f32
                } else {
                    inside.iter().fold(0.0f32, |m, &x| m.max(x))
                };
                if score >= threshold {
                    out.push((label, s, e, score));
                }
            }
            out
        }
    }
}

/// All spans of one analysed paragraph under the thresholds' rules.
pub fn paragraph_spans(
    o: &ParagraphOutput,
    labels: &[String],
    th: &Thresholds,
    ctx: &SpanContext,
) -> Vec<(usize, usize, usize, f32)> {
    let mut out: Vec<_> = labels
        .iter()
        .enumerate()
        .flat_map(|(i, l)| spans_of(o, i, th.span_rule(l), ctx))
        .collect();
    out.sort_by_key(|a| (a.1, a.2, a.0));
    out
}

/// Spans from per-token B/I/O probabilities: a token is inside a span of a label when
/// `1 - P(O) >= threshold`; a run of such tokens is one span, cut where a token is more likely
/// a beginning than an inside. Offsets: `[first token start, last token end)` shifted by `base`.
pub fn decode_spans(
    tok: &[Vec<[f32; 3]>],
    offsets: &[(usize, usize)],
    base: usize,
    n_labels: usize,
    threshold: f32,
) -> Vec<(usize, usize, usize, f32)> {
    let mut out: Vec<_> = (0..n_labels)
        .flat_map(|label| decode_label(tok, offsets, base, label, threshold, 0, None))
        .collect();
    out.sort_by_key(|a| (a.1, a.2, a.0));
    out
}

/// The spans of one label (see [`decode_spans`]), in text order.
fn decode_label(
    tok: &[Vec<[f32; 3]>],
    offsets: &[(usize, usize)],
    base: usize,
    label: usize,
    threshold: f32,
    gap: usize,
    prior: Option<(&[f32], f32)>,
) -> Vec<(usize, usize, usize, f32)> {
    let mut out = vec![];
    // first token, last token inside, sum of inside probabilities, inside tokens
    let mut run: Option<(usize, usize, f32, usize)> = None;
    let flush = |run: &mut Option<(usize, usize, f32, usize)>, out: &mut Vec<_>| {
        if let Some((f, l, sum, n)) = run.take() {
            if let (Some(a), Some(b)) = (offsets.get(f), offsets.get(l)) {
                if b.1 > a.0 {
                    out.push((label, base + a.0, base + b.1, sum / n.max(1) as f32));
                }
            }
        }
    };
    for (t, probs) in tok.iter().enumerate() {
        let Some(p) = probs.get(label) else {
            flush(&mut run, &mut out);
            continue;
        };
        let inside = match prior {
            Some((priors, lex)) => {
                (1.0 - lex) * (1.0 - p[0]) + lex * priors.get(t).copied().unwrap_or(0.0)
            }
            None => 1.0 - p[0],
        };
        if inside >= threshold {
            let begins = p[1] > p[2];
            match run.as_mut() {
                Some(r) if !begins => {
                    r.1 = t;
                    r.2 += inside;
                    r.3 += 1;
                }
                _ => {
                    flush(&mut run, &mut out);
                    run = Some((t, t, inside, 1));
                }
            }
        } else if run.as_ref().is_some_and(|r| t > r.1 + gap) {
            flush(&mut run, &mut out);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_decode_from_token_probabilities() {
        // Tokens "aa bb cc dd" (char offsets); label 0 inside for bb..cc, label 1 on dd, and a
        // second label-0 span beginning at dd (B more likely than I).
        let offsets = [(0, 2), (3, 5), (6, 8), (9, 11)];
        let o = [0.9, 0.05, 0.05];
        let b = [0.1, 0.8, 0.1];
        let i = [0.1, 0.1, 0.8];
        let tok = vec![vec![o, o], vec![b, o], vec![i, o], vec![b, b]];
        let spans = decode_spans(&tok, &offsets, 100, 2, 0.5);
        assert_eq!(spans.len(), 3);
        assert_eq!((spans[0].0, spans[0].1, spans[0].2), (0, 103, 108));
        assert!((spans[0].3 - 0.9).abs() < 1e-6);
        assert_eq!((spans[1].0, spans[1].1, spans[1].2), (0, 109, 111));
        assert_eq!((spans[2].0, spans[2].1, spans[2].2), (1, 109, 111));
        // A high threshold keeps nothing.
        assert!(decode_spans(&tok, &offsets, 0, 2, 0.95).is_empty());
        // Ragged input (fewer label rows than labels) does not panic.
        assert!(decode_spans(&[vec![]], &[(0, 1)], 0, 2, 0.1).is_empty());
    }

    #[test]
    fn token_runs_bridge_short_gaps() {
        // "aa bb cc dd ee": label 0 inside on aa, bb, dd, ee; cc dips below the threshold.
        let offsets = [(0, 2), (3, 5), (6, 8), (9, 11), (12, 14)];
        let o = [0.9, 0.05, 0.05];
        let b = [0.1, 0.8, 0.1];
        let i = [0.1, 0.1, 0.8];
        let tok = vec![vec![b], vec![i], vec![o], vec![i], vec![i]];
        let rule = |gap| SpanRule::Tokens {
            threshold: 0.5,
            gap,
            lex: 0.0,
        };
        let out = ParagraphOutput {
            index: 1,
            start: 10,
            end: 24,
            offsets: offsets.to_vec(),
            token_probs: tok,
            probs: vec![0.0],
            pooled: vec![],
            n_tokens: 5,
        };
        let none = SpanContext::default();
        let ends = |v: Vec<(usize, usize, usize, f32)>| -> Vec<(usize, usize)> {
            v.into_iter().map(|(_, s, e, _)| (s, e)).collect()
        };
        assert_eq!(
            ends(spans_of(&out, 0, rule(0), &none)),
            vec![(10, 15), (19, 24)]
        );
        // One dip bridged: one span; its score averages the inside tokens only.
        let one = spans_of(&out, 0, rule(1), &none);
        assert_eq!(ends(one.clone()), vec![(10, 24)]);
        assert!((one[0].3 - 0.9).abs() < 1e-6);
        // A B token after the gap starts a new span even when bridging.
        let mut split = out.clone();
        split.token_probs[3] = vec![b];
        assert_eq!(
            ends(spans_of(&split, 0, rule(3), &none)),
            vec![(10, 15), (19, 24)]
        );
        // A trailing dip is not part of the span.
        let mut tail = out.clone();
        tail.token_probs[4] = vec![o];
        assert_eq!(ends(spans_of(&tail, 0, rule(2), &none)), vec![(10, 21)]);
    }

    #[test]
    fn token_runs_snap_to_whole_words() {
        let ctx = SpanContext::new("The far-left radicals' plan.");
        // "left ra" (half of "far-left", the start of "radicals") widens to "far-left radicals".
        assert_eq!(ctx.snap(8, 15), (4, 21));
        // Whole words stay; the apostrophe is not taken.
        assert_eq!(ctx.snap(13, 21), (13, 21));
        assert_eq!(ctx.snap(0, 3), (0, 3));
        // Spans on punctuation or past the end do not move or panic.
        assert_eq!(ctx.snap(27, 28), (27, 28));
        assert_eq!(ctx.snap(40, 45), (40, 45));
        assert_eq!(SpanContext::default().snap(2, 5), (2, 5));
    }

    #[test]
    fn sentence_rule_takes_whole_sentences() {
        // Two sentences; label 0 is high on one token of the second only.
        let text = "We win. They lie to you.";
        let ctx = SpanContext::new(text);
        let o = [0.9, 0.05, 0.05];
        let i = [0.3, 0.1, 0.6];
        let out = ParagraphOutput {
            index: 1,
            start: 0,
            end: 24,
            offsets: vec![
                (0, 2),
                (3, 6),
                (6, 7),
                (8, 12),
                (13, 16),
                (17, 19),
                (20, 23),
                (23, 24),
            ],
            token_probs: vec![
                vec![o],
                vec![o],
                vec![o],
                vec![o],
                vec![i],
                vec![o],
                vec![o],
                vec![o],
            ],
            probs: vec![0.5],
            pooled: vec![],
            n_tokens: 8,
        };
        let rule = |threshold, mean| SpanRule::Sentences { threshold, mean };
        let got = spans_of(&out, 0, rule(0.5, false), &ctx);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].1, got[0].2), (8, 24));
        assert_eq!(&text[got[0].1..got[0].2], "They lie to you.");
        // The mean of the second sentence is (0.7 + 4 * 0.1) / 5 = 0.22.
        assert_eq!(spans_of(&out, 0, rule(0.2, true), &ctx).len(), 1);
        assert!(spans_of(&out, 0, rule(0.3, true), &ctx).is_empty());
        // An unknown label gives nothing.
        assert!(spans_of(&out, 3, rule(0.0, false), &ctx).is_empty());
    }

    #[test]
    fn lexical_prior_counts_words_inside_spans() {
        let ll = "Loaded_Language".to_string();
        let text = "A disastrous plan. Another plan, not disastrous. Disastrous!";
        // "disastrous" inside a span twice of three times; "plan" once of twice.
        let lex = SpanLexicon::build([(text, vec![(ll.clone(), 2, 17), (ll.clone(), 49, 59)])]);
        assert_eq!(lex.words[&ll]["disastrous"], (2, 3));
        assert_eq!(lex.words[&ll]["plan"], (1, 2));
        assert!(!lex.words[&ll].contains_key("another"));
        let p = lex.prior(&ll, "disastrous");
        assert!((p - (2.0 + 0.04) / 5.0).abs() < 1e-6);
        assert_eq!(lex.prior(&ll, "another"), 0.0);
        assert_eq!(lex.prior("Doubt", "plan"), 0.0);

        // Token rule with the prior: "disastrous" passes on the prior alone.
        let labels = vec![ll.clone()];
        let doc = "Such a disastrous idea.";
        let ctx = SpanContext::new(doc).with_lexicon(&lex, &labels);
        let o = [0.9, 0.05, 0.05];
        let out = ParagraphOutput {
            index: 1,
            start: 0,
            end: 23,
            offsets: vec![(0, 4), (5, 6), (7, 14), (14, 17), (18, 22), (22, 23)],
            token_probs: vec![vec![o]; 6],
            probs: vec![0.1],
            pooled: vec![],
            n_tokens: 6,
        };
        let rule = |lex| SpanRule::Tokens {
            threshold: 0.25,
            gap: 0,
            lex,
        };
        assert!(spans_of(&out, 0, rule(0.0), &ctx).is_empty());
        // 0.5 * 0.1 + 0.5 * 0.408 = 0.254 on both pieces of "disastrous".
        let got = spans_of(&out, 0, rule(0.5), &ctx);
        assert_eq!(got.len(), 1);
        assert_eq!(&doc[got[0].1..got[0].2], "disastrous");
        // Without a lexicon the rule is the model alone.
        assert!(spans_of(&out, 0, rule(0.5), &SpanContext::new(doc)).is_empty());
    }

    #[test]
    fn linear_head_applies_rows() {
        let h = LinearHead {
            labels: vec!["a".into(), "b".into()],
            weight: vec![1.0, 0.0, 0.5, 2.0],
            bias: vec![0.0, 1.0],
            hidden: 2,
            weight_t: Default::default(),
        };
        assert_eq!(h.apply(&[2.0, 3.0]), vec![2.0, 8.0]);
        // Rows at once: the same as one at a time.
        let xs = [2.0, 3.0, -1.0, 4.0, 0.0, 0.5];
        let rows = h.apply_rows(&xs, 3);
        let one: Vec<f32> = xs.chunks_exact(2).flat_map(|x| h.apply(x)).collect();
        assert_eq!(rows, one);
        assert!(h.apply_rows(&[], 0).is_empty());
    }
}
