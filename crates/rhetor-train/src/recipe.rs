//! The training recipe behind `rhetor train`: reproduces `models/techniques/` from the SemEval-2023
//! English training data.
//!
//! 1. **Fine-tune** the encoder with two heads at once (one pass per paragraph window): a
//!    multi-label paragraph head (subtask 3) and a per-technique B/I/O token head (spans), on the
//!    articles outside the held-out fold. Resumable from checkpoints in the work folder.
//! 2. **Choose thresholds** on the held-out fold (articles the encoder never saw): the paragraph
//!    threshold that maximises subtask-3 micro-F1 and the token threshold that maximises span F1.
//! 3. **Article heads** (genre, frames): linear models over the fine-tuned encoder's paragraph
//!    states, the paragraphs' technique profile, style features and hashed words; k-fold
//!    cross-validated on all training articles (see `rhetor_analyzers::article`).
//! 4. **Export** the encoder and heads in f16 plus `analyzer.json` (thresholds, article heads,
//!    scores) to the output folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{Device, Tensor};
use rhetor_doc::taxonomy::TECHNIQUES;
use rhetor_eval::semeval::{load_language, SemevalArticle, Split};
use rhetor_eval::{score_multilabel, score_spans, GoldSpan};
use rhetor_models::encoder::Encoder;
use rhetor_models::trained::{Head, HeadKind, HeadSpec, Pooling};
use rhetor_models::weights;
use serde::{Deserialize, Serialize};

use crate::data::{assign_folds, build_items, labelled_paragraphs, Item};
use crate::export::{save_trained, ModelConfig, StoreDType, FORMAT_VERSION};
use crate::{Batch, Decay, Target, Task, TrainConfig, Trainer};
use crate::{Result, TrainError};
use rhetor_analyzers::pipeline::TechniqueScores;
use rhetor_analyzers::techniques::{
    decode_spans, spans_of, SpanContext, SpanRule, TechniqueModel, Thresholds, MAX_LEN,
};

/// Settings of `rhetor train`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainOptions {
    /// SemEval language folder (`…/semeval2023/en`).
    pub data_dir: PathBuf,
    /// Checkpoints and intermediate models.
    pub work_dir: PathBuf,
    /// Where the finished model goes (`models/techniques`).
    pub out_dir: PathBuf,
    /// Number of folds for cross-validation.
    pub folds: usize,
    /// The fold held out from fine-tuning to choose thresholds on.
    pub holdout: usize,
    /// Passes over the training paragraphs.
    pub epochs: u64,
    /// Peak learning rate.
    pub lr: f64,
    /// Paragraph windows per update.
    pub batch_size: usize,
    /// Seed of everything.
    pub seed: u64,
    /// Worker threads for inference (0 = all cores); training uses the global pool.
    pub threads: usize,
    /// Extra news reports (a folder of `.txt` articles, e.g. PolNeAR's) added to the genre
    /// training data as `reporting`, to counter the 88% opinion share of the English training set.
    pub extra_reporting: Option<PathBuf>,
    /// How many of those to use at most.
    pub extra_reporting_max: usize,
    /// Only extra files whose names start with one of these (e.g. the wire-style outlets of
    /// PolNeAR: `nyt`, `politico`, `usa-today`, `wash-post`); empty = all.
    #[serde(default)]
    pub extra_reporting_prefixes: Vec<String>,
    /// Weight of the span (B/I/O) loss next to the paragraph loss (8 for the shipped model;
    /// options saved before it existed meant 2).
    #[serde(default = "legacy_span_weight")]
    pub span_weight: f64,
    /// Use only the first this many articles (smoke tests of the recipe).
    #[serde(default)]
    pub limit: Option<usize>,
    /// BABE's sentence labels (`final_labels_SG2.csv`): trains the opinion signal of the genre
    /// head (`rhetor_analyzers::opinion`); none: no opinion features.
    #[serde(default)]
    pub babe: Option<PathBuf>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("../shared/data/semeval2023/en"),
            work_dir: PathBuf::from("target/rhetor-train"),
            out_dir: PathBuf::from("models/techniques"),
            folds: 5,
            holdout: 0,
            epochs: 3,
            lr: 1e-4,
            batch_size: 16,
            seed: 13,
            threads: 0,
            extra_reporting: None,
            extra_reporting_max: 300,
            extra_reporting_prefixes: vec![],
            limit: None,
            span_weight: 8.0,
            babe: None,
        }
    }
}

/// The span loss weight of the first recipe, whose run folders carry no `-sw` suffix.
fn legacy_span_weight() -> f64 {
    2.0
}

fn technique_labels() -> Vec<&'static str> {
    TECHNIQUES.iter().map(|t| t.label).collect()
}

fn batch_from(items: &[&Item], n_labels: usize, pad: u32) -> candle_core::Result<Batch> {
    let dev = Device::Cpu;
    let b = items.len();
    let s = items.iter().map(|i| i.ids.len()).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(b * s);
    let mut mask = Vec::with_capacity(b * s);
    let mut tags = Vec::with_capacity(b * s * n_labels);
    let mut tmask = Vec::with_capacity(b * s);
    let mut labels = Vec::with_capacity(b * n_labels);
    for it in items {
        let len = it.ids.len();
        ids.extend_from_slice(&it.ids);
        ids.extend(std::iter::repeat_n(pad, s - len));
        mask.extend(std::iter::repeat_n(1u32, len));
        mask.extend(std::iter::repeat_n(0u32, s - len));
        tags.extend_from_slice(&it.tags);
        tags.extend(std::iter::repeat_n(0u32, (s - len) * n_labels));
        for t in 0..s {
            tmask.push(if t > 0 && t + 1 < len { 1f32 } else { 0f32 });
        }
        labels.extend_from_slice(&it.labels);
    }
    Ok(Batch {
        input_ids: Tensor::from_vec(ids, (b, s), &dev)?,
        attention_mask: Tensor::from_vec(mask, (b, s), &dev)?,
        targets: vec![
            Some(Target::MultiLabel {
                labels: Tensor::from_vec(labels, (b, n_labels), &dev)?,
                mask: None,
            }),
            Some(Target::TokenBio {
                tags: Tensor::from_vec(tags, (b, s, n_labels), &dev)?,
                mask: Tensor::from_vec(tmask, (b, s), &dev)?,
            }),
        ],
    })
}

/// Stage 1: fine-tunes on every fold but `holdout` and saves the model to
/// `work_dir/finetune-h{holdout}/model` (skipped when that exists). Returns the folder.
pub fn finetune(opts: &TrainOptions, articles: &[SemevalArticle]) -> Result<PathBuf> {
    let mut name = format!("finetune-h{}-k{}-s{}", opts.holdout, opts.folds, opts.seed);
    if opts.span_weight != legacy_span_weight() {
        name.push_str(&format!("-sw{}", opts.span_weight));
    }
    let run_dir = opts.work_dir.join(name);
    let model_dir = run_dir.join("model");
    if model_dir.join("model.safetensors").exists() {
        eprintln!("fine-tuned model found in {}", model_dir.display());
        return Ok(model_dir);
    }
    let root = weights::cache_root()?;
    let files = weights::ensure_model(&root)?;
    let tok = rhetor_models::TextTokenizer::from_file(&files.tokenizer())?;
    let labels = technique_labels();
    let n = labels.len();
    let ids: Vec<String> = articles.iter().map(|a| a.id.clone()).collect();
    let folds = assign_folds(&ids, opts.folds, opts.seed);
    let train: Vec<&SemevalArticle> = articles
        .iter()
        .filter(|a| a.paragraph_labels.is_some() && folds.get(&a.id) != Some(&opts.holdout))
        .collect();
    let items = build_items(&train, &tok, &labels)?;
    let n_tokens: usize = items.iter().map(|i| i.ids.len()).sum();
    eprintln!(
        "fine-tuning on {} articles, {} paragraph windows, {} tokens per epoch",
        train.len(),
        items.len(),
        n_tokens
    );
    // Positive weight per technique: sqrt(negatives / positives), within [1, 10].
    let mut pos = vec![0f32; n];
    for it in &items {
        for (p, l) in pos.iter_mut().zip(&it.labels) {
            *p += l;
        }
    }
    let total = items.len() as f32;
    let pw: Vec<f32> = pos
        .iter()
        .map(|&p| ((total - p) / p.max(1.0)).sqrt().clamp(1.0, 10.0))
        .collect();

    let (encoder, varmap) = Encoder::load_trainable(&files)?;
    let hidden = encoder.config.hidden_size;
    let par_spec = HeadSpec {
        name: "techniques".into(),
        kind: HeadKind::MultiLabel {
            pooling: Pooling::Mean,
        },
        labels: labels.iter().map(|s| s.to_string()).collect(),
        dropout: 0.1,
    };
    let span_spec = HeadSpec {
        name: "spans".into(),
        kind: HeadKind::TokenBio,
        labels: labels.iter().map(|s| s.to_string()).collect(),
        dropout: 0.1,
    };
    let dev = Device::Cpu;
    let tasks = vec![
        Task {
            head: Head::init_seeded(&varmap, par_spec.clone(), hidden, opts.seed)?,
            weight: 1.0,
            class_weights: Some(Tensor::from_vec(pw, n, &dev)?),
        },
        Task {
            head: Head::init_seeded(&varmap, span_spec.clone(), hidden, opts.seed + 1)?,
            weight: opts.span_weight,
            class_weights: Some(Tensor::new(&[1f32, 3.0, 3.0], &dev)?),
        },
    ];
    let cfg = TrainConfig {
        seed: opts.seed,
        epochs: opts.epochs,
        batch_size: opts.batch_size,
        lr: opts.lr,
        warmup_ratio: 0.06,
        decay: Decay::Linear,
        freeze_word_embeddings: true,
        encoder_dropout: false,
        checkpoint_dir: Some(run_dir.join("checkpoints")),
        checkpoint_every: 100,
        keep_checkpoints: 1,
        log_every: 25,
        progress: true,
        ..Default::default()
    };
    let steps_per_epoch = items.len().div_ceil(opts.batch_size.max(1)) as u64;
    let mut trainer = Trainer::new(encoder, varmap, tasks, cfg, steps_per_epoch)?;
    let lengths: Vec<usize> = items.iter().map(|i| i.ids.len()).collect();
    let pad = tok.pad_id();
    let t0 = Instant::now();
    let report = trainer.fit(
        items.len(),
        Some(&lengths),
        |idx| {
            let batch: Vec<&Item> = idx.iter().filter_map(|&i| items.get(i)).collect();
            Ok(batch_from(&batch, n, pad)?)
        },
        |s| {
            if s.step % 25 == 0 {
                let tl: Vec<String> = s
                    .task_losses
                    .iter()
                    .map(|l| l.map(|v| format!("{v:.4}")).unwrap_or_default())
                    .collect();
                eprintln!(
                    "step {} loss {:.4} [{}] lr {:.2e} {:.2}s/step elapsed {:.0}s",
                    s.step,
                    s.loss,
                    tl.join(" "),
                    s.lr,
                    s.seconds,
                    t0.elapsed().as_secs_f64()
                );
            }
        },
    )?;
    eprintln!(
        "fine-tuning done: {} steps in this call, {:.0} s; loss history {:?}",
        report.steps_run, report.seconds, report.loss_history
    );
    let (encoder, varmap, tasks) = trainer.into_parts();
    let config = ModelConfig {
        format: FORMAT_VERSION,
        encoder: encoder.config.clone(),
        max_len: MAX_LEN,
        heads: tasks.iter().map(|t| t.head.spec.clone()).collect(),
        dtype: StoreDType::F16,
        notes: serde_json::json!({
            "data": "SemEval-2023 Task 3 English training articles (subtask 3 labels and spans)",
            "holdout_fold": opts.holdout,
            "folds": opts.folds,
            "seed": opts.seed,
            "epochs": opts.epochs,
            "lr": opts.lr,
            "batch_size": opts.batch_size,
            "train_articles": train.len(),
            "train_windows": items.len(),
            "train_seconds": report.seconds,
        }),
    };
    save_trained(&model_dir, &varmap, &config, &files.tokenizer())?;
    Ok(model_dir)
}

/// Model outputs for the held-out articles, kept for threshold search.
pub struct HeldOut {
    /// Per article: paragraph outputs (with token probabilities).
    pub outputs: Vec<(String, Vec<rhetor_analyzers::techniques::ParagraphOutput>)>,
    /// Gold subtask-3 labels `(id, paragraph) → techniques`.
    pub gold_paragraphs: BTreeMap<(String, usize), Vec<String>>,
    /// Gold spans.
    pub gold_spans: Vec<GoldSpan>,
    /// Article texts by id (the span rules read words and sentences).
    pub texts: BTreeMap<String, String>,
    /// Span rates per word from the articles outside the held-out fold.
    pub lexicon: rhetor_analyzers::techniques::SpanLexicon,
}

/// The candidate span rules tried for each technique.
pub fn candidate_rules() -> Vec<SpanRule> {
    let mut v: Vec<SpanRule> = [0, 3]
        .into_iter()
        .flat_map(|gap| {
            (2..13).map(move |k| SpanRule::Tokens {
                threshold: k as f32 * 0.05,
                gap,
                lex: 0.0,
            })
        })
        .collect();
    for lex in [0.35f32, 0.5] {
        v.extend((3..11).map(|k| SpanRule::Tokens {
            threshold: k as f32 * 0.05,
            gap: 0,
            lex,
        }));
    }
    v.extend((2..9).map(|k| SpanRule::Paragraph {
        threshold: k as f32 * 0.1,
    }));
    for mean in [false, true] {
        v.extend((1..8).map(|k| SpanRule::Sentences {
            threshold: k as f32 * if mean { 0.05 } else { 0.1 },
            mean,
        }));
    }
    v.push(SpanRule::Off);
    v
}

/// `cands[label][rule]`: the held-out spans of that technique under that rule.
pub fn rule_candidates(
    held: &HeldOut,
    labels: &[String],
    rules: &[SpanRule],
) -> Vec<Vec<Vec<GoldSpan>>> {
    let contexts: BTreeMap<&String, SpanContext> = held
        .texts
        .iter()
        .map(|(id, text)| {
            (
                id,
                SpanContext::new(text).with_lexicon(&held.lexicon, labels),
            )
        })
        .collect();
    let none = SpanContext::default();
    (0..labels.len())
        .map(|li| {
            rules
                .iter()
                .map(|&r| {
                    let mut out = vec![];
                    for (id, outs) in &held.outputs {
                        let ctx = contexts.get(id).unwrap_or(&none);
                        for o in outs {
                            for (_, s, e, _) in spans_of(o, li, r, ctx) {
                                out.push(GoldSpan {
                                    id: id.clone(),
                                    technique: labels[li].clone(),
                                    start: s,
                                    end: e,
                                });
                            }
                        }
                    }
                    out
                })
                .collect()
        })
        .collect()
}

/// A span objective: `(gold, predicted)` of the same articles → the figure to maximise.
pub type SpanObjective<'a> = &'a dyn Fn(&[GoldSpan], &[GoldSpan]) -> f64;

/// The plain span F1 (the official scorer's), the objective of `rhetor train`.
pub fn span_f1(gold: &[GoldSpan], pred: &[GoldSpan]) -> f64 {
    score_spans(gold, pred).f1
}

/// Greedy coordinate ascent over per-technique rules, maximising `objective` on the articles
/// in `ids`. Starts from `start` (rule index per label); returns rule indices and the figure.
pub fn select_rules(
    cands: &[Vec<Vec<GoldSpan>>],
    gold: &[GoldSpan],
    ids: &std::collections::BTreeSet<String>,
    start: usize,
    objective: SpanObjective,
) -> (Vec<usize>, f64) {
    let gold: Vec<GoldSpan> = gold
        .iter()
        .filter(|g| ids.contains(&g.id))
        .cloned()
        .collect();
    let pick = |choice: &[usize]| -> Vec<GoldSpan> {
        choice
            .iter()
            .enumerate()
            .flat_map(|(li, &r)| cands[li][r].iter().filter(|s| ids.contains(&s.id)).cloned())
            .collect()
    };
    let mut choice = vec![start; cands.len()];
    let mut best = objective(&gold, &pick(&choice));
    for _pass in 0..2 {
        for li in 0..cands.len() {
            for r in 0..cands[li].len() {
                let mut c = choice.clone();
                c[li] = r;
                let f = objective(&gold, &pick(&c));
                if f > best + 1e-9 {
                    best = f;
                    choice = c;
                }
            }
        }
    }
    (choice, best)
}

/// Runs the model over the held-out fold. With `cache`, the model's outputs are read from that
/// file when it exists and written to it otherwise. Without a model, the outputs must come from
/// the cache (decoding experiments, `examples/span_rules.rs`).
pub fn predict_holdout(
    model: Option<&TechniqueModel>,
    opts: &TrainOptions,
    articles: &[SemevalArticle],
    cache: Option<&Path>,
) -> Result<HeldOut> {
    let cached: Option<Vec<(String, Vec<rhetor_analyzers::techniques::ParagraphOutput>)>> =
        cache.and_then(read_cache);
    let ids: Vec<String> = articles.iter().map(|a| a.id.clone()).collect();
    let folds = assign_folds(&ids, opts.folds, opts.seed);
    let mut outputs = vec![];
    let mut gold_paragraphs = BTreeMap::new();
    let mut gold_spans = vec![];
    let mut texts = BTreeMap::new();
    let held: Vec<&SemevalArticle> = articles
        .iter()
        .filter(|a| a.paragraph_labels.is_some() && folds.get(&a.id) == Some(&opts.holdout))
        .collect();
    let pb = indicatif::ProgressBar::new(held.len() as u64);
    let n_cached = cached.as_ref().map_or(0, |c| c.len());
    let reuse = n_cached == held.len();
    let mut cached = cached.filter(|_| reuse).map(|c| c.into_iter());
    for a in held {
        let out = match cached.as_mut().and_then(|c| c.next()) {
            Some((id, out)) if id == a.id => out,
            _ => match model {
                Some(model) => model.run(&a.text, &labelled_paragraphs(a))?,
                None => {
                    return Err(TrainError::Data(format!(
                        "no model and no usable held-out cache for article {}",
                        a.id
                    )))
                }
            },
        };
        for (idx, labs) in a.paragraph_labels.iter().flatten() {
            let labs = labs
                .iter()
                .map(|l| {
                    rhetor_doc::taxonomy::technique(l)
                        .map(|t| t.label.to_string())
                        .unwrap_or_else(|| l.clone())
                })
                .collect();
            gold_paragraphs.insert((a.id.clone(), *idx), labs);
        }
        for s in a.spans.iter().flatten() {
            let mut s = s.clone();
            if let Some(t) = rhetor_doc::taxonomy::technique(&s.technique) {
                s.technique = t.label.to_string();
            }
            gold_spans.push(s);
        }
        outputs.push((a.id.clone(), out));
        texts.insert(a.id.clone(), a.text.clone());
        pb.inc(1);
    }
    pb.finish_and_clear();
    if let Some(path) = cache.filter(|_| !reuse) {
        write_cache(path, &outputs);
    }
    // The lexical prior counts the articles the encoder was fine-tuned on, never the fold.
    let lexicon = rhetor_analyzers::techniques::SpanLexicon::build(
        articles
            .iter()
            .filter(|a| folds.get(&a.id) != Some(&opts.holdout))
            .map(|a| {
                let spans = a
                    .spans
                    .iter()
                    .flatten()
                    .map(|s| {
                        let label = rhetor_doc::taxonomy::technique(&s.technique)
                            .map(|t| t.label.to_string())
                            .unwrap_or_else(|| s.technique.clone());
                        (label, s.start, s.end)
                    })
                    .collect();
                (a.text.as_str(), spans)
            }),
    );
    Ok(HeldOut {
        outputs,
        gold_paragraphs,
        gold_spans,
        texts,
        lexicon,
    })
}

pub fn paragraph_predictions(
    held: &HeldOut,
    labels: &[String],
    th: &Thresholds,
    spans: Option<&[GoldSpan]>,
) -> BTreeMap<(String, usize), Vec<String>> {
    let mut pred = BTreeMap::new();
    for (id, outs) in &held.outputs {
        for o in outs {
            let mut ls: Vec<String> = o
                .probs
                .iter()
                .zip(labels)
                .filter(|(p, l)| **p >= th.threshold_for(l))
                .map(|(_, l)| l.clone())
                .collect();
            if let Some(sp) = spans {
                for s in sp.iter().filter(|s| &s.id == id) {
                    if s.start < o.end && s.end > o.start && !ls.contains(&s.technique) {
                        ls.push(s.technique.clone());
                    }
                }
            }
            pred.insert((id.clone(), o.index), ls);
        }
    }
    pred
}

fn span_predictions(held: &HeldOut, labels: &[String], threshold: f32) -> Vec<GoldSpan> {
    let mut out = vec![];
    for (id, outs) in &held.outputs {
        for o in outs {
            for (l, s, e, _) in
                decode_spans(&o.token_probs, &o.offsets, o.start, labels.len(), threshold)
            {
                if let Some(t) = labels.get(l) {
                    out.push(GoldSpan {
                        id: id.clone(),
                        technique: t.clone(),
                        start: s,
                        end: e,
                    });
                }
            }
        }
    }
    out
}

/// Stage 2: thresholds that maximise the held-out scores, and the scores at them.
pub fn choose_thresholds(held: &HeldOut, labels: &[String]) -> (Thresholds, TechniqueScores) {
    let refs: Vec<&str> = labels.iter().map(|s| s.as_str()).collect();
    // Spans first (the paragraph rule may use them).
    let mut best_span = (0.5f32, -1.0f64);
    for k in 2..19 {
        let t = k as f32 * 0.05;
        let sc = score_spans(&held.gold_spans, &span_predictions(held, labels, t));
        eprintln!(
            "  span threshold {t:.2}: F1 {:.4} P {:.4} R {:.4}",
            sc.f1, sc.precision, sc.recall
        );
        if sc.f1 > best_span.1 {
            best_span = (t, sc.f1);
        }
    }
    // Per-technique rules (token runs at their own threshold, whole paragraphs, or nothing),
    // chosen greedily; their honest score comes from choosing on one half and scoring the other.
    let rules = candidate_rules();
    let cands = rule_candidates(held, labels, &rules);
    let start = rules
        .iter()
        .position(|r| matches!(r, SpanRule::Tokens { threshold, gap: 0, lex } if *lex == 0.0 && (*threshold - best_span.0).abs() < 1e-6))
        .unwrap_or(0);
    let all_ids: std::collections::BTreeSet<String> =
        held.outputs.iter().map(|(id, _)| id.clone()).collect();
    // Two halves of the fold: alternate articles in id order.
    let half = |parity: usize| -> std::collections::BTreeSet<String> {
        all_ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == parity)
            .map(|(_, s)| s.clone())
            .collect()
    };
    let (half_a, half_b) = (half(0), half(1));
    let (ca, _) = select_rules(&cands, &held.gold_spans, &half_a, start, &span_f1);
    let (cb, _) = select_rules(&cands, &held.gold_spans, &half_b, start, &span_f1);
    let mut crossfit_pred = vec![];
    for (choice, ids) in [(&ca, &half_b), (&cb, &half_a)] {
        for (li, &r) in choice.iter().enumerate() {
            crossfit_pred.extend(cands[li][r].iter().filter(|s| ids.contains(&s.id)).cloned());
        }
    }
    let crossfit = score_spans(&held.gold_spans, &crossfit_pred);
    let (choice, f_all) = select_rules(&cands, &held.gold_spans, &all_ids, start, &span_f1);
    eprintln!(
        "  per-technique span rules: F1 {:.4} chosen and scored on the whole fold, {:.4} cross-fitted (global threshold: {:.4})",
        f_all, crossfit.f1, best_span.1
    );
    let span_rules: Vec<(String, SpanRule)> = choice
        .iter()
        .enumerate()
        .map(|(li, &r)| (labels[li].clone(), rules[r]))
        .collect();
    let spans: Vec<GoldSpan> = choice
        .iter()
        .enumerate()
        .flat_map(|(li, &r)| cands[li][r].iter().cloned())
        .collect();
    let mut best = (Thresholds::default(), -1.0f64);
    for imply in [false, true] {
        for k in 2..37 {
            let t = k as f32 * 0.025;
            let th = Thresholds {
                paragraph: t,
                paragraph_per_label: vec![],
                span: best_span.0,
                spans_imply_paragraph: imply,
                span_rules: span_rules.clone(),
                lexicon: Default::default(),
            };
            let pred = paragraph_predictions(held, labels, &th, imply.then_some(&spans[..]));
            let sc = score_multilabel(&held.gold_paragraphs, &pred, &refs);
            if k % 4 == 0 {
                eprintln!(
                    "  paragraph threshold {t:.3} (spans imply: {imply}): micro-F1 {:.4}",
                    sc.micro_f1
                );
            }
            if sc.micro_f1 > best.1 {
                best = (th, sc.micro_f1);
            }
        }
    }
    let mut th = best.0;
    // Ship the lexical prior of the techniques whose chosen rule uses it.
    th.lexicon.words = held
        .lexicon
        .words
        .iter()
        .filter(|(l, _)| matches!(th.span_rule(l), SpanRule::Tokens { lex, .. } if lex > 0.0))
        .map(|(l, t)| (l.clone(), t.clone()))
        .collect();
    let pred = paragraph_predictions(
        held,
        labels,
        &th,
        th.spans_imply_paragraph.then_some(&spans[..]),
    );
    let st3 = score_multilabel(&held.gold_paragraphs, &pred, &refs);
    let sp = score_spans(&held.gold_spans, &spans);
    let per_technique = st3
        .per_label
        .iter()
        .map(|l| {
            let s = sp.per_technique.iter().find(|x| x.label == l.label);
            (
                l.label.clone(),
                l.f1,
                l.support,
                s.map(|x| x.f1).unwrap_or(0.0),
                s.map(|x| x.support).unwrap_or(0),
            )
        })
        .collect();
    let scores = TechniqueScores {
        articles: held.outputs.len(),
        st3_micro_f1: st3.micro_f1,
        st3_micro_precision: st3.micro_precision,
        st3_micro_recall: st3.micro_recall,
        st3_macro_f1: st3.macro_f1,
        spans_f1: sp.f1,
        spans_precision: sp.precision,
        spans_recall: sp.recall,
        per_technique,
        spans_f1_crossfit: crossfit.f1,
        spans_f1_global: best_span.1,
        ..Default::default()
    };
    (th, scores)
}

/// The technique labels of a trained model in its token head's order: what its held-out
/// outputs (`holdout-outputs-*.json`) index. `config`: the model's `rhetor-model.json`.
pub fn token_head_labels(config: &Path) -> Result<Vec<String>> {
    let err = |why: String| TrainError::Data(format!("{}: {why}", config.display()));
    let bytes = std::fs::read(config).map_err(|e| err(e.to_string()))?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| err(e.to_string()))?;
    v["heads"]
        .as_array()
        .and_then(|h| h.iter().find(|h| h["kind"] == "token_bio"))
        .and_then(|h| h["labels"].as_array())
        .map(|l| {
            l.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .ok_or_else(|| err("no token_bio head in the model config".into()))
}

/// Each article's weight so that the genres of `ids` come in the target mix
/// (`GENRE_TARGET_PRIOR`: the held-out split is mostly reporting, the training folds mostly
/// opinion): the target share of its genre over that genre's share among `ids`. Articles
/// without a genre count as opinion, the folds' majority. In the order of `ids`.
pub fn genre_target_weights(articles: &[SemevalArticle], ids: &[String]) -> Vec<f64> {
    let (genres, _) = rhetor_analyzers::pipeline::official_labels();
    let target = rhetor_analyzers::article::genre_target_prior(&genres);
    let genre_of: BTreeMap<&str, &str> = articles
        .iter()
        .filter_map(|a| Some((a.id.as_str(), a.genre.as_deref()?)))
        .collect();
    let g_idx: Vec<usize> = ids
        .iter()
        .map(|id| {
            let g = genre_of.get(id.as_str()).copied().unwrap_or("opinion");
            genres.iter().position(|x| x == g).unwrap_or(0)
        })
        .collect();
    let mut count = vec![0f64; genres.len()];
    for &g in &g_idx {
        count[g] += 1.0;
    }
    let total = ids.len() as f64;
    g_idx
        .iter()
        .map(|&g| target[g] as f64 / (count[g] / total))
        .collect()
}

/// Shuffles `v` in place from `seed`, reproducibly and without extra crates (xorshift): the
/// random halves of the held-out fold that the examples choose on and score on.
pub fn seeded_shuffle(v: &mut [usize], seed: u64) {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

/// The default options with the SemEval English folder from `SEMEVAL_EN` when it is set (the
/// convention of this crate's examples).
pub fn options_from_env() -> TrainOptions {
    TrainOptions {
        data_dir: std::env::var("SEMEVAL_EN")
            .map(Into::into)
            .unwrap_or_else(|_| TrainOptions::default().data_dir),
        ..TrainOptions::default()
    }
}

/// Loads the training articles of `opts.data_dir`.
pub fn load_articles(opts: &TrainOptions) -> Result<Vec<SemevalArticle>> {
    if !opts.data_dir.is_dir() {
        return Err(TrainError::Data(format!(
            "{} is not a folder: point --data at a SemEval-2023 language folder (e.g. ../shared/data/semeval2023/en)",
            opts.data_dir.display()
        )));
    }
    let mut articles = load_language(&opts.data_dir, Split::Train)?;
    if let Some(n) = opts.limit {
        articles.truncate(n);
    }
    Ok(articles)
}

/// `(id, text, genre, frames, fold, weight)` of one article for the article heads.
type ArticleInput = (
    String,
    String,
    Option<usize>,
    Option<Vec<f32>>,
    Option<usize>,
    f32,
);

/// Article-level samples: every SemEval article with genre or frames, plus extra reports.
fn article_samples(
    model: &TechniqueModel,
    opinion: Option<&rhetor_analyzers::opinion::OpinionHead>,
    opts: &TrainOptions,
    articles: &[SemevalArticle],
    genres: &[String],
    frames: &[String],
) -> Result<Vec<rhetor_analyzers::article::Sample>> {
    let ids: Vec<String> = articles.iter().map(|a| a.id.clone()).collect();
    let folds = assign_folds(&ids, opts.folds, opts.seed);
    let mut inputs: Vec<ArticleInput> = vec![];
    for a in articles {
        if a.genre.is_none() && a.frames.is_none() {
            continue;
        }
        let genre = a
            .genre
            .as_ref()
            .and_then(|g| genres.iter().position(|x| x == g));
        let fr = a.frames.as_ref().map(|fs| {
            frames
                .iter()
                .map(|f| fs.iter().any(|x| x == f) as u8 as f32)
                .collect()
        });
        inputs.push((
            a.id.clone(),
            a.text.clone(),
            genre,
            fr,
            folds.get(&a.id).copied(),
            1.0,
        ));
    }
    if let Some(dir) = &opts.extra_reporting {
        let reporting = genres.iter().position(|g| g == "reporting");
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| TrainError::Io {
                context: format!("reading {}", dir.display()),
                source: e,
            })?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                opts.extra_reporting_prefixes.is_empty()
                    || opts
                        .extra_reporting_prefixes
                        .iter()
                        .any(|x| name.starts_with(x.as_str()))
            })
            .collect();
        files.sort();
        // Spread the picks over the folder (its order is by outlet and date).
        let step = (files.len() / opts.extra_reporting_max.max(1)).max(1);
        for p in files.iter().step_by(step).take(opts.extra_reporting_max) {
            let text = std::fs::read_to_string(p).map_err(|e| TrainError::Io {
                context: format!("reading {}", p.display()),
                source: e,
            })?;
            let id = format!("extra:{}", p.display());
            inputs.push((id, text, reporting, None, None, 0.5));
        }
    }
    let pb = indicatif::ProgressBar::new(inputs.len() as u64);
    let hidden = model.encoder.config().hidden_size;
    let mut out = vec![];
    for (id, text, genre, fr, fold, weight) in inputs {
        let pars: Vec<(usize, usize, usize)> = rhetor_text::paragraphs(&text)
            .into_iter()
            .map(|p| (p.index, p.start, p.end))
            .collect();
        let outputs = model.run(&text, &pars)?;
        let ranges: Vec<(usize, usize)> = pars.iter().map(|&(_, s, e)| (s, e)).collect();
        // SemEval files and the extra reports both start with the title line.
        let dense = rhetor_analyzers::article::dense_features(
            &text,
            &ranges,
            true,
            &outputs,
            model.labels.len(),
            hidden,
            opinion,
        );
        out.push(rhetor_analyzers::article::Sample {
            id,
            dense,
            words: rhetor_analyzers::article::paragraph_word_counts(&text, &ranges),
            genre,
            frames: fr,
            fold,
            weight,
        });
        pb.inc(1);
    }
    pb.finish_and_clear();
    Ok(out)
}

/// A file name in the work folder for results that depend on the fine-tuned weights in
/// `model_dir`, the data options and `extra`: `{stem}-{hash}.json`.
fn cache_path(opts: &TrainOptions, model_dir: &Path, stem: &str, extra: &str) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let weights = model_dir.join("model.safetensors");
    weights.hash(&mut h);
    std::fs::metadata(&weights)
        .and_then(|m| m.modified())
        .ok()
        .hash(&mut h);
    (
        &opts.data_dir,
        &opts.extra_reporting,
        &opts.extra_reporting_prefixes,
        opts.extra_reporting_max,
        opts.folds,
        opts.holdout,
        opts.seed,
        opts.limit,
        extra,
    )
        .hash(&mut h);
    opts.work_dir
        .join(format!("{stem}-{:016x}.json", h.finish()))
}

fn read_cache<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let v = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    eprintln!("reusing {}", path.display());
    Some(v)
}

/// Writes a cache file; failing only costs the next run time, so errors are ignored.
fn write_cache<T: Serialize>(path: &Path, value: &T) {
    if let Ok(json) = serde_json::to_vec(value) {
        let tmp = path.with_extension("tmp");
        if std::fs::write(&tmp, json).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
    }
}

/// [`article_samples`], kept in the work folder: the encoder pass over every article is the slow
/// part of fitting the article heads, and it depends only on the fine-tuned model and the data
/// options, so reruns (and `examples/article_heads.rs`) reuse it.
fn cached_article_samples(
    model: &TechniqueModel,
    opinion: Option<&rhetor_analyzers::opinion::OpinionHead>,
    model_dir: &Path,
    opts: &TrainOptions,
    articles: &[SemevalArticle],
    genres: &[String],
    frames: &[String],
) -> Result<Vec<rhetor_analyzers::article::Sample>> {
    let with_opinion = format!("opinion: {:?}", opts.babe);
    let path = cache_path(opts, model_dir, "article-samples", &with_opinion);
    if let Some(samples) = read_cache(&path) {
        return Ok(samples);
    }
    let samples = article_samples(model, opinion, opts, articles, genres, frames)?;
    write_cache(&path, &samples);
    Ok(samples)
}

/// Stages 2–4: thresholds on the held-out fold, article heads, export. Returns a printable report.
pub fn finish(
    opts: &TrainOptions,
    articles: &[SemevalArticle],
    model_dir: &Path,
) -> Result<String> {
    let model = TechniqueModel::load(model_dir, opts.threads)?;
    let labels = model.labels.clone();
    eprintln!("predicting the held-out fold {}", opts.holdout);
    let cache = cache_path(opts, model_dir, "holdout-outputs", "");
    let held = predict_holdout(Some(&model), opts, articles, Some(&cache))?;
    let (th, scores) = choose_thresholds(&held, &labels);
    let mut report = format!(
        "held-out fold {} ({} articles): subtask 3 micro-F1 {:.4} (P {:.4} R {:.4}, macro {:.4}) at paragraph threshold {:.3}{}; spans F1 {:.4} (P {:.4} R {:.4}) at token threshold {:.2}\n",
        opts.holdout,
        scores.articles,
        scores.st3_micro_f1,
        scores.st3_micro_precision,
        scores.st3_micro_recall,
        scores.st3_macro_f1,
        th.paragraph,
        if th.spans_imply_paragraph { " + span labels" } else { "" },
        scores.spans_f1,
        scores.spans_precision,
        scores.spans_recall,
        th.span
    );
    report.push_str(&format!(
        "  spans with one global token threshold: F1 {:.4}; per-technique rules cross-fitted on the two halves of the fold: F1 {:.4}\n",
        scores.spans_f1_global, scores.spans_f1_crossfit
    ));
    for (l, f, n, sf, sn) in &scores.per_technique {
        report.push_str(&format!(
            "  {l:<40} st3 F1 {f:.3} ({n:>3})  spans F1 {sf:.3} ({sn:>3})\n"
        ));
    }
    let (genres, frames) = rhetor_analyzers::pipeline::official_labels();
    let opinion = match &opts.babe {
        Some(babe) => {
            eprintln!("training the opinion signal on {}", babe.display());
            let head = rhetor_analyzers::opinion::train_opinion_head(&model, babe, opts.folds)?;
            report.push_str(&format!(
                "opinion signal (BABE, {} sentences, {}-fold CV): factual vs opinion accuracy {:.4}, AUC {:.4}\n",
                head.cv.sentences, head.cv.folds, head.cv.accuracy, head.cv.auc
            ));
            Some(head)
        }
        None => None,
    };
    eprintln!("computing article features");
    let samples = cached_article_samples(
        &model,
        opinion.as_ref(),
        model_dir,
        opts,
        articles,
        &genres,
        &frames,
    )?;
    let n_opinion = if opinion.is_some() {
        rhetor_analyzers::opinion::N_OPINION
    } else {
        0
    };
    let (mut heads, ascores) = rhetor_analyzers::article::train_heads(
        &samples,
        opts.folds,
        opts.holdout,
        &genres,
        &frames,
        n_opinion,
    );
    heads.opinion = opinion;
    report.push_str(&format!(
        "article heads, {}-fold cross-validation: genre macro-F1 {:.4} (accuracy {:.4}), frames micro-F1 {:.4} (macro {:.4}) at threshold {:.2}; on the held-out fold only: genre {:.4}, frames {:.4}\n",
        ascores.folds,
        ascores.genre_macro_f1,
        ascores.genre_accuracy,
        ascores.frames_micro_f1,
        ascores.frames_macro_f1,
        ascores.frame_threshold,
        ascores.holdout_genre_macro_f1,
        ascores.holdout_frames_micro_f1
    ));
    report.push_str(&format!(
        "  genre with the test articles weighted to the target mix {:?} (prior strength {}): macro-F1 {:.4} (5-fold), {:.4} (held-out fold); per genre {}\n",
        rhetor_analyzers::article::GENRE_TARGET_PRIOR,
        ascores.genre_prior_alpha,
        ascores.genre_shifted_macro_f1,
        ascores.holdout_genre_shifted_macro_f1,
        ascores
            .genre_shifted_per_label
            .iter()
            .map(|(l, f)| format!("{l} {f:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for (l, f, n) in ascores
        .genre_per_label
        .iter()
        .chain(&ascores.frames_per_label)
    {
        report.push_str(&format!("  {l:<40} F1 {f:.3} ({n:>3})\n"));
    }
    let config = rhetor_analyzers::pipeline::AnalyzerConfig {
        format: rhetor_analyzers::pipeline::ANALYZER_FORMAT,
        thresholds: th,
        article_heads: heads,
        technique_scores: scores,
        article_scores: ascores,
        provenance: serde_json::to_value(opts).unwrap_or_default(),
    };
    // Export: the fine-tuned weights as trained, plus analyzer.json.
    std::fs::create_dir_all(&opts.out_dir).map_err(|e| TrainError::Io {
        context: format!("creating {}", opts.out_dir.display()),
        source: e,
    })?;
    for f in ["model.safetensors", "rhetor-model.json", "tokenizer.json"] {
        std::fs::copy(model_dir.join(f), opts.out_dir.join(f)).map_err(|e| TrainError::Io {
            context: format!("copying {f} to {}", opts.out_dir.display()),
            source: e,
        })?;
    }
    let json = serde_json::to_string(&config).map_err(|e| TrainError::Json {
        context: "encoding analyzer.json".into(),
        source: e,
    })?;
    std::fs::write(
        opts.out_dir.join(rhetor_analyzers::pipeline::ANALYZER_FILE),
        json,
    )
    .map_err(|e| TrainError::Io {
        context: format!("writing {}", opts.out_dir.display()),
        source: e,
    })?;
    report.push_str(&format!("model written to {}\n", opts.out_dir.display()));
    Ok(report)
}
