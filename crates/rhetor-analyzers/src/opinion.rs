//! Sentence-level opinion, learnt from BABE (Spinde et al. 2021: 3,674 news sentences labelled
//! "entirely factual", "somewhat factual but also opinionated" or "expresses writer's opinion"),
//! applied to every paragraph of an article. Its mean, maximum and share of opinionated
//! paragraphs feed the genre head: a signal for reporting against opinion learnt from thousands
//! of labelled sentences of many outlets, where the SemEval English training set has only 41
//! reports.
//!
//! The head is a logistic regression over the same pooled paragraph state the other article
//! features use, so it costs one dot product per paragraph at analysis time.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::linear::{fit, mean_std, FitOptions, LinearModel, Link, Sparse};
use crate::techniques::{ParagraphOutput, TechniqueModel};
use crate::{AnalyzeError, Result};

/// Values [`opinion_features`] adds to an article's dense features.
pub const N_OPINION: usize = 3;

/// The trained opinion head: standardisation of the pooled state, then a logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpinionHead {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    pub model: LinearModel,
    /// Cross-validated quality on BABE (for the model card).
    #[serde(default)]
    pub cv: OpinionScores,
}

/// Cross-validated scores of the opinion head on BABE, counting only the two clear classes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpinionScores {
    pub folds: usize,
    pub sentences: usize,
    /// Accuracy on "entirely factual" against "expresses writer's opinion" at 0.5.
    pub accuracy: f64,
    /// Area under the ROC curve on the same two classes.
    pub auc: f64,
}

impl OpinionHead {
    fn x(&self, pooled: &[f32]) -> Sparse {
        standardise(pooled, &self.mean, &self.std)
    }

    /// Probability that a paragraph with this pooled state expresses an opinion.
    pub fn prob(&self, pooled: &[f32]) -> f32 {
        self.model
            .probs(&self.x(pooled))
            .first()
            .copied()
            .unwrap_or(0.5)
    }
}

fn standardise(v: &[f32], mean: &[f32], std: &[f32]) -> Sparse {
    v.iter()
        .zip(mean.iter().zip(std))
        .enumerate()
        .map(|(i, (x, (m, s)))| (i as u32, ((x - m) / s).clamp(-5.0, 5.0)))
        .collect()
}

/// Mean and maximum opinion probability over the paragraphs, and the share at 0.5 or more
/// (zeros without paragraphs).
pub fn opinion_features(head: &OpinionHead, outputs: &[ParagraphOutput]) -> [f32; N_OPINION] {
    if outputs.is_empty() {
        return [0.0; N_OPINION];
    }
    let p: Vec<f32> = outputs.iter().map(|o| head.prob(&o.pooled)).collect();
    let n = p.len() as f32;
    [
        p.iter().sum::<f32>() / n,
        p.iter().copied().fold(0.0, f32::max),
        p.iter().filter(|&&v| v >= 0.5).count() as f32 / n,
    ]
}

/// BABE's sentences with an opinion target: 0 (entirely factual), 0.5 (somewhat factual but
/// also opinionated) or 1 (expresses the writer's opinion); "no agreement" is left out.
pub fn load_babe(path: &Path) -> Result<Vec<(String, f32)>> {
    let bytes = std::fs::read(path).map_err(|e| AnalyzeError::Io {
        context: format!("reading {}", path.display()),
        source: e,
    })?;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(bytes);
    let bad = |message: String| AnalyzeError::Data(format!("{}: {message}", path.display()));
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(format!("no `{name}` column")))
    };
    let (text_col, label_col) = (col("text")?, col("label_opinion")?);
    let mut out = vec![];
    for (line, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| bad(format!("record {}: {e}", line + 1)))?;
        let (Some(text), Some(label)) = (rec.get(text_col), rec.get(label_col)) else {
            continue;
        };
        let target = match label {
            "Entirely factual" => 0.0,
            l if l.starts_with("Somewhat factual") => 0.5,
            l if l.starts_with("Expresses writer") => 1.0,
            _ => continue,
        };
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() {
            out.push((text, target));
        }
    }
    if out.is_empty() {
        return Err(bad("no labelled sentences".into()));
    }
    Ok(out)
}

/// Pooled states of `sentences`, each run as one paragraph.
fn pooled_states(model: &TechniqueModel, sentences: &[(String, f32)]) -> Result<Vec<Vec<f32>>> {
    let mut out = Vec::with_capacity(sentences.len());
    let pb = indicatif::ProgressBar::new(sentences.len() as u64);
    for chunk in sentences.chunks(256) {
        // One text, one sentence per line, so the model batches the chunk.
        let mut text = String::new();
        let mut pars = vec![];
        let mut at = 0usize;
        for (i, (s, _)) in chunk.iter().enumerate() {
            let n = s.chars().count();
            pars.push((i + 1, at, at + n));
            text.push_str(s);
            text.push('\n');
            at += n + 1;
        }
        for o in model.run(&text, &pars)? {
            out.push(o.pooled);
        }
        pb.inc(chunk.len() as u64);
    }
    pb.finish_and_clear();
    Ok(out)
}

fn fit_head(xs: &[&Vec<f32>], ys: &[f32], l2: f32) -> OpinionHead {
    let d = xs.first().map(|v| v.len()).unwrap_or(0);
    let (mean, std) = mean_std(xs);
    let x: Vec<Sparse> = xs.iter().map(|v| standardise(v, &mean, &std)).collect();
    let y: Vec<Vec<f32>> = ys.iter().map(|&t| vec![t]).collect();
    let w = vec![1.0f32; xs.len()];
    let model = fit(
        Link::Sigmoid,
        &["opinion".to_string()],
        d,
        &x,
        &y,
        &w,
        &FitOptions {
            l2,
            iterations: 200,
            lr: 0.05,
            class_weights: vec![1.0],
        },
    );
    OpinionHead {
        mean,
        std,
        model,
        cv: OpinionScores::default(),
    }
}

/// Area under the ROC curve of scores for positives against negatives (ties count half).
fn auc(pos: &[f32], neg: &[f32]) -> f64 {
    if pos.is_empty() || neg.is_empty() {
        return f64::NAN;
    }
    let mut wins = 0f64;
    for p in pos {
        for n in neg {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (pos.len() * neg.len()) as f64
}

/// Trains the opinion head on BABE with the technique model's pooled states; its score comes
/// from `folds`-fold cross-validation (sentences assigned to folds in file order, round robin).
pub fn train_opinion_head(
    model: &TechniqueModel,
    babe: &Path,
    folds: usize,
) -> Result<OpinionHead> {
    let sentences = load_babe(babe)?;
    let states = pooled_states(model, &sentences)?;
    let ys: Vec<f32> = sentences.iter().map(|(_, y)| *y).collect();
    let l2 = 1e-3;
    let folds = folds.max(2);
    let (mut pos, mut neg, mut right, mut counted) = (vec![], vec![], 0usize, 0usize);
    for f in 0..folds {
        let train: Vec<usize> = (0..states.len()).filter(|i| i % folds != f).collect();
        let xs: Vec<&Vec<f32>> = train.iter().map(|&i| &states[i]).collect();
        let y: Vec<f32> = train.iter().map(|&i| ys[i]).collect();
        let head = fit_head(&xs, &y, l2);
        for i in (0..states.len()).filter(|i| i % folds == f) {
            let p = head.prob(&states[i]);
            if ys[i] == 1.0 {
                pos.push(p);
            } else if ys[i] == 0.0 {
                neg.push(p);
            } else {
                continue;
            }
            counted += 1;
            right += ((p >= 0.5) == (ys[i] == 1.0)) as usize;
        }
    }
    let xs: Vec<&Vec<f32>> = states.iter().collect();
    let mut head = fit_head(&xs, &ys, l2);
    head.cv = OpinionScores {
        folds,
        sentences: sentences.len(),
        accuracy: right as f64 / counted.max(1) as f64,
        auc: auc(&pos, &neg),
    };
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn babe_rows_become_targets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("babe.csv");
        std::fs::write(
            &path,
            "\u{feff}text;news_link;outlet;topic;type;label_bias;label_opinion;biased_words\n\
             \"The \"\"law\"\" passed; 52 votes.\";u;o;t;right;Non-biased;Entirely factual;[]\n\
             A disgraceful law.;u;o;t;left;Biased;Expresses writer\u{2019}s opinion;['disgraceful']\n\
             Mixed feelings.;u;o;t;left;Biased;Somewhat factual but also opinionated;[]\n\
             Unclear.;u;o;t;left;Biased;No agreement;[]\n",
        )
        .unwrap();
        let rows = load_babe(&path).unwrap();
        assert_eq!(
            rows,
            vec![
                ("The \"law\" passed; 52 votes.".to_string(), 0.0),
                ("A disgraceful law.".to_string(), 1.0),
                ("Mixed feelings.".to_string(), 0.5),
            ]
        );
        std::fs::write(&path, "text;other\nx;y\n").unwrap();
        let err = load_babe(&path).unwrap_err().to_string();
        assert!(err.contains("label_opinion"), "{err}");
    }

    #[test]
    fn auc_counts_ordered_pairs() {
        assert_eq!(auc(&[0.9, 0.8], &[0.1, 0.2]), 1.0);
        assert_eq!(auc(&[0.5], &[0.5]), 0.5);
        assert!(auc(&[], &[0.1]).is_nan());
    }
}
