//! The multilingual paragraph head (issue 14): SemEval subtask-3 techniques per paragraph from
//! the Universal Sentence Encoder multilingual v3 ([`rhetor_models::use_m3`]), trained on the
//! 2023 annotation of French, German, Italian, Polish and Russian.
//!
//! Why: the English training articles are the PTC corpus re-labelled, with another mix of
//! techniques and half the labels per paragraph of the 2023 annotation, and four techniques
//! never used. The other languages were annotated the 2023 way, as the held-out English split
//! was. A frozen multilingual sentence encoder puts all six languages in one space, so a linear
//! head learns the 2023 annotation and applies it to English. Its validation is the same
//! transfer: each language held out in turn, trained on the other four, articles weighted to
//! the target genre mix (`examples/multilingual_head.rs` in `rhetor-train`).
//!
//! Input per paragraph: its USE vector and the mean of its article's paragraph vectors.

use std::path::Path;

use serde::{Deserialize, Serialize};

use rhetor_models::use_m3::DIM;

/// File name of the head inside a model folder.
pub const MULTILINGUAL_FILE: &str = "multilingual.json";
/// Format version of that file.
pub const MULTILINGUAL_FORMAT: u32 = 1;
/// Input width: paragraph vector and article mean.
pub const INPUT: usize = 2 * DIM;

/// The trained head and its validation figures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MultilingualHead {
    pub format: u32,
    /// The encoder it reads, as `project==version`.
    pub encoder: String,
    pub labels: Vec<String>,
    /// `[labels][INPUT]`.
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
    /// The threshold that maximises the genre-weighted micro-F1 of all 23 techniques over the
    /// held-out languages (the head alone; not what the pipeline uses).
    pub threshold: f32,
    /// What the pipeline takes from the head: techniques the English model cannot predict,
    /// each with its own threshold (label → threshold).
    #[serde(default)]
    pub adds: std::collections::BTreeMap<String, f32>,
    /// Whether each label it adds is also a span over its whole paragraph, in the span output
    /// (`--format semeval-spans`) and the JSON (not shown by default: the head cannot say where
    /// in the paragraph the technique is). Taken when it raises the label-shifted span estimate
    /// (`spans_shifted_*` in `scores`).
    #[serde(default)]
    pub paragraph_spans: bool,
    /// The article frame head over the article's mean USE vector, blended with the article
    /// heads' frame probabilities (`analyzer.json`); absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<UseFrameHead>,
    /// The genre of articles in other languages than English, from the same article vector
    /// (the article heads' genre model reads English only); absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<UseGenreHead>,
    /// Training data and settings, for the model card.
    pub trained_on: String,
    /// Validation figures (leave-one-language-out), by name.
    #[serde(default)]
    pub scores: std::collections::BTreeMap<String, f32>,
}

/// SemEval subtask-2 frames from the mean of an article's paragraph vectors (issue 14): a
/// one-vs-rest logistic regression trained on the English training articles and the five other
/// 2023 languages' (`examples/frame_head.rs` in `rhetor-train`). Why: the article heads' frame
/// model reads the English technique encoder's states and word counts, learnt from 433 English
/// articles; the sentence encoder's article vector says what the article is about, and the
/// other languages add 599 frame-labelled articles. The pipeline blends the two.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UseFrameHead {
    /// Frame labels, in the order of `weights`.
    pub labels: Vec<String>,
    /// `[labels][DIM]`.
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
    /// Share of these probabilities in the blend: `blend × this + (1 − blend) × article head`.
    pub blend: f32,
    /// Frames at or above it are chosen from the blend (the most likely one always).
    pub threshold: f32,
    /// Cross-validated figures of the choice, by name (see the model card).
    #[serde(default)]
    pub scores: std::collections::BTreeMap<String, f32>,
    /// The head for articles whose detected language is not English (the article heads read
    /// English only, so its `blend` is 1): trained on English and the five other 2023
    /// languages, validated by holding each language out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_languages: Option<Box<UseFrameHead>>,
}

impl UseFrameHead {
    /// The head for an article in `language` (its detected ISO 639-1 code): `other_languages`
    /// when there is one and the language is known and not English, else this one.
    pub fn for_language(&self, language: Option<&str>) -> &UseFrameHead {
        match (language, self.other_languages.as_deref()) {
            (Some(l), Some(other)) if l != "en" => other,
            _ => self,
        }
    }

    /// Probabilities per label from an article's mean paragraph vector.
    pub fn probs(&self, mean: &[f32; DIM]) -> Vec<f32> {
        sigmoid_rows(&self.weights, &self.bias, mean)
    }

    /// The blend of [`probs`](Self::probs) with the article head's frame probabilities
    /// (`labels`, `dense`), in the article head's label order; a label this head lacks keeps
    /// the article head's probability.
    pub fn blend_with(&self, labels: &[String], dense: &[f32], mean: &[f32; DIM]) -> Vec<f32> {
        let own = self.probs(mean);
        labels
            .iter()
            .zip(dense)
            .map(|(l, d)| match self.labels.iter().position(|x| x == l) {
                Some(i) => self.blend * own[i] + (1.0 - self.blend) * d,
                None => *d,
            })
            .collect()
    }
}

/// SemEval subtask-1 genre from the mean of an article's paragraph vectors, for articles in
/// other languages than English: one logistic regression per genre, trained on English and the
/// five other 2023 languages, validated by holding each language out (`examples/frame_head.rs`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UseGenreHead {
    /// Genre labels, in the order of `weights`.
    pub labels: Vec<String>,
    /// `[labels][DIM]`.
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
    /// Satire is chosen only at this share of the probabilities or more.
    pub satire_min: f32,
    /// Held-out-language figures, by name.
    #[serde(default)]
    pub scores: std::collections::BTreeMap<String, f32>,
}

impl UseGenreHead {
    /// Probabilities per label (normalised to sum to 1) from an article's mean paragraph vector.
    pub fn probs(&self, mean: &[f32; DIM]) -> Vec<f32> {
        let p = sigmoid_rows(&self.weights, &self.bias, mean);
        let s: f32 = p.iter().sum::<f32>().max(1e-12);
        p.into_iter().map(|x| x / s).collect()
    }
}

/// Errors loading the head.
#[derive(Debug, thiserror::Error)]
pub enum HeadError {
    #[error("reading {path}: {message}")]
    Read { path: String, message: String },
}

impl MultilingualHead {
    /// Reads `multilingual.json` from a model folder; `Ok(None)` when the folder has none.
    pub fn load(dir: &Path) -> Result<Option<Self>, HeadError> {
        let path = dir.join(MULTILINGUAL_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let err = |message: String| HeadError::Read {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| err(e.to_string()))?;
        let head: Self = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        if head.format != MULTILINGUAL_FORMAT {
            return Err(err(format!(
                "format {}, this build reads {MULTILINGUAL_FORMAT}",
                head.format
            )));
        }
        if head.weights.len() != head.labels.len()
            || head.bias.len() != head.labels.len()
            || head.weights.iter().any(|w| w.len() != INPUT)
        {
            return Err(err("weights do not match the labels and input width".into()));
        }
        if let Some(g) = &head.genre {
            if g.weights.len() != g.labels.len()
                || g.bias.len() != g.labels.len()
                || g.weights.iter().any(|w| w.len() != DIM)
            {
                return Err(err(
                    "genre head: weights do not match its labels and input width".into(),
                ));
            }
        }
        let heads = head
            .frames
            .iter()
            .flat_map(|f| std::iter::once(f).chain(f.other_languages.as_deref()));
        for f in heads {
            if f.weights.len() != f.labels.len()
                || f.bias.len() != f.labels.len()
                || f.weights.iter().any(|w| w.len() != DIM)
                || !(0.0..=1.0).contains(&f.blend)
            {
                return Err(err(
                    "frame head: weights do not match its labels and input width, or blend outside 0–1"
                        .into(),
                ));
            }
        }
        Ok(Some(head))
    }

    /// Probabilities per label for each paragraph of one article, from the paragraphs' vectors.
    pub fn article_probs(&self, paragraphs: &[[f32; DIM]]) -> Vec<Vec<f32>> {
        let mean = article_mean(paragraphs);
        paragraphs
            .iter()
            .map(|p| {
                self.weights
                    .iter()
                    .zip(&self.bias)
                    .map(|(w, b)| {
                        let z = b + dot(&w[..DIM], p) + dot(&w[DIM..], &mean);
                        1.0 / (1.0 + (-z).exp())
                    })
                    .collect()
            })
            .collect()
    }
}

use rhetor_models::use_m3::dot;

/// One logistic regression per row of `weights`: `σ(bias + w · x)`, the heads over article
/// vectors ([`UseFrameHead`], [`UseGenreHead`]) and their training examples.
pub fn sigmoid_rows(weights: &[Vec<f32>], bias: &[f32], x: &[f32]) -> Vec<f32> {
    weights
        .iter()
        .zip(bias)
        .map(|(w, b)| 1.0 / (1.0 + (-(b + dot(w, x))).exp()))
        .collect()
}

/// The mean of an article's paragraph vectors (zeros for no paragraphs).
pub fn article_mean(paragraphs: &[[f32; DIM]]) -> [f32; DIM] {
    let mut mean = [0f32; DIM];
    let n = paragraphs.len().max(1) as f32;
    for p in paragraphs {
        for (m, v) in mean.iter_mut().zip(p) {
            *m += v / n;
        }
    }
    mean
}

/// Settings of [`fit`].
#[derive(Debug, Clone)]
pub struct DenseFit {
    pub l2: f32,
    pub iterations: usize,
    pub lr: f32,
}

impl Default for DenseFit {
    fn default() -> Self {
        Self {
            l2: 1e-3,
            iterations: 300,
            lr: 0.05,
        }
    }
}

/// Multi-label logistic regression on dense rows (`x`: `n × dim`, row-major; `y`: `n × k`),
/// full batch with Adam and L2; each label's positives weigh `sqrt(neg / pos)` clipped to 1–10,
/// and `sample_weights` scale each row. Returns `([k][dim], [k])`. Matrix products go through
/// `rhetor_models::matmul_acc` (the problems are 10⁴ rows × 10³ inputs × 23 labels, too slow
/// for [`crate::linear::fit`]'s sparse loops).
pub fn fit(
    x: &[f32],
    y: &[bool],
    dim: usize,
    k: usize,
    sample_weights: Option<&[f32]>,
    opts: &DenseFit,
) -> (Vec<Vec<f32>>, Vec<f32>) {
    let n = x.len().checked_div(dim).unwrap_or(0);
    let mut w = vec![0f32; dim * k]; // [dim, k]
    let mut b = vec![0f32; k];
    if n == 0 || k == 0 {
        return (vec![vec![0.0; dim]; k], b);
    }
    let pos: Vec<f32> = (0..k)
        .map(|c| (0..n).filter(|&i| y[i * k + c]).count() as f32)
        .collect();
    let pos_w: Vec<f32> = pos
        .iter()
        .map(|&p| (((n as f32 - p) / p.max(1.0)).sqrt()).clamp(1.0, 10.0))
        .collect();
    // Per-cell loss weights, normalised to mean 1.
    let mut cell = vec![0f32; n * k];
    for i in 0..n {
        let sw = sample_weights
            .and_then(|s| s.get(i))
            .copied()
            .unwrap_or(1.0);
        for c in 0..k {
            cell[i * k + c] = sw * if y[i * k + c] { pos_w[c] } else { 1.0 };
        }
    }
    let mean_cell = cell.iter().sum::<f32>() / cell.len() as f32;
    cell.iter_mut().for_each(|v| *v /= mean_cell.max(1e-12));
    // xᵀ, for the gradient product.
    let mut xt = vec![0f32; dim * n];
    for i in 0..n {
        for j in 0..dim {
            xt[j * n + i] = x[i * dim + j];
        }
    }
    let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
    let (mut mw, mut vw) = (vec![0f32; dim * k], vec![0f32; dim * k]);
    let (mut mb, mut vb) = (vec![0f32; k], vec![0f32; k]);
    let threads = rayon::current_num_threads();
    for it in 1..=opts.iterations {
        let mut z = vec![0f32; n * k];
        for i in 0..n {
            z[i * k..(i + 1) * k].copy_from_slice(&b);
        }
        rhetor_models::matmul_acc(&mut z, x, &w, n, dim, k, threads);
        // z becomes the weighted residual (p - y) * cell / n.
        for (idx, v) in z.iter_mut().enumerate() {
            let p = 1.0 / (1.0 + (-*v).exp());
            let t = if y[idx] { 1.0 } else { 0.0 };
            *v = (p - t) * cell[idx] / n as f32;
        }
        let mut gw = vec![0f32; dim * k];
        rhetor_models::matmul_acc(&mut gw, &xt, &z, dim, n, k, threads);
        let mut gb = vec![0f32; k];
        for i in 0..n {
            for c in 0..k {
                gb[c] += z[i * k + c];
            }
        }
        let c1 = 1.0 - b1.powi(it as i32);
        let c2 = 1.0 - b2.powi(it as i32);
        for j in 0..dim * k {
            let g = gw[j] + opts.l2 * w[j];
            mw[j] = b1 * mw[j] + (1.0 - b1) * g;
            vw[j] = b2 * vw[j] + (1.0 - b2) * g * g;
            w[j] -= opts.lr * (mw[j] / c1) / ((vw[j] / c2).sqrt() + eps);
        }
        for c in 0..k {
            let g = gb[c];
            mb[c] = b1 * mb[c] + (1.0 - b1) * g;
            vb[c] = b2 * vb[c] + (1.0 - b2) * g * g;
            b[c] -= opts.lr * (mb[c] / c1) / ((vb[c] / c2).sqrt() + eps);
        }
    }
    let weights = (0..k)
        .map(|c| (0..dim).map(|j| w[j * k + c]).collect())
        .collect();
    (weights, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_fit_learns_separable_labels() {
        // Label 0 = feature 0 positive; label 1 = feature 1 positive; feature 2 is noise.
        let (dim, k) = (3, 2);
        let mut x = vec![];
        let mut y = vec![];
        for i in 0..200 {
            let a = if i % 2 == 0 { 1.0 } else { -1.0 };
            let c = if i % 3 == 0 { 1.0 } else { -1.0 };
            x.extend([a, c, ((i * 7) % 5) as f32 * 0.1]);
            y.extend([a > 0.0, c > 0.0]);
        }
        let (w, b) = fit(&x, &y, dim, k, None, &DenseFit::default());
        let mut right = 0;
        for i in 0..200 {
            for c in 0..k {
                let z = b[c] + (0..dim).map(|j| w[c][j] * x[i * dim + j]).sum::<f32>();
                right += usize::from((z > 0.0) == y[i * k + c]);
            }
        }
        assert_eq!(right, 400, "every label of every row");
        assert!(w[0][0] > 1.0 && w[1][1] > 1.0, "{w:?}");
    }

    #[test]
    fn article_mean_and_probs_have_the_right_shape() {
        let head = MultilingualHead {
            format: MULTILINGUAL_FORMAT,
            encoder: "test".into(),
            labels: vec!["A".into(), "B".into()],
            weights: vec![vec![0.0; INPUT], vec![0.0; INPUT]],
            bias: vec![0.0, 2.0],
            threshold: 0.5,
            adds: Default::default(),
            paragraph_spans: false,
            frames: None,
            genre: None,
            trained_on: String::new(),
            scores: Default::default(),
        };
        let p = head.article_probs(&[[0.1; DIM], [0.3; DIM]]);
        assert_eq!(p.len(), 2);
        assert!((p[0][0] - 0.5).abs() < 1e-6 && p[1][1] > 0.88);
        assert!((article_mean(&[[0.1; DIM], [0.3; DIM]])[7] - 0.2).abs() < 1e-6);
        assert_eq!(article_mean(&[])[0], 0.0);
    }

    #[test]
    fn frame_blend_mixes_by_label_and_keeps_unknown_labels() {
        let mut w = vec![0.0; DIM];
        w[0] = 1.0;
        let f = UseFrameHead {
            labels: vec!["B".into(), "A".into()],
            weights: vec![w, vec![0.0; DIM]],
            bias: vec![0.0, 0.0],
            blend: 0.25,
            threshold: 0.3,
            scores: Default::default(),
            other_languages: None,
        };
        let mut mean = [0f32; DIM];
        mean[0] = 100.0; // B's own probability is 1, A's 0.5
        let labels: Vec<String> = vec!["A".into(), "B".into(), "C".into()];
        let p = f.blend_with(&labels, &[0.1, 0.2, 0.7], &mean);
        assert!((p[0] - (0.25 * 0.5 + 0.75 * 0.1)).abs() < 1e-6, "{p:?}");
        assert!((p[1] - (0.25 * 1.0 + 0.75 * 0.2)).abs() < 1e-6, "{p:?}");
        assert_eq!(
            p[2], 0.7,
            "a label the head lacks keeps the article head's probability"
        );

        let mut other = f.clone();
        other.threshold = 0.4;
        let with_other = UseFrameHead {
            other_languages: Some(Box::new(other)),
            ..f.clone()
        };
        assert_eq!(with_other.for_language(Some("fr")).threshold, 0.4);
        assert_eq!(with_other.for_language(Some("en")).threshold, 0.3);
        assert_eq!(
            with_other.for_language(None).threshold,
            0.3,
            "unknown: English"
        );
        assert_eq!(
            f.for_language(Some("fr")).threshold,
            0.3,
            "no other head: this one"
        );
    }
}
