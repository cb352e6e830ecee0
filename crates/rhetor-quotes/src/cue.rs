//! The cue model: logistic regression over sparse word features that says, for every token of a
//! sentence, whether it is part of an attribution cue ("said", "according to", "told", "denied",
//! "believes"…). Trained on PolNeAR (`examples/train_quotes.rs`), stored as a plain-text table of
//! feature weights (`models/quotes/cue_model.tsv`).

use std::collections::HashMap;

use crate::dense::DenseWeights;
use crate::tokens::Tok;
use crate::QuoteError;

/// First line of a model file.
const HEADER: &str = "# rhetor-quotes cue model v1";

/// Feature weights of the logistic regression, and optionally weights over a dense vector (the
/// encoder's states, [`crate::dense`]).
#[derive(Debug, Clone, Default)]
pub struct CueModel {
    weights: HashMap<String, f32>,
    bias: f32,
    dense: Option<DenseWeights>,
}

/// How [`CueModel::fit_dense`] treats the dense vectors.
#[derive(Debug, Clone)]
pub struct DenseFit {
    /// SHA-256 of the encoder weights the vectors came from (recorded in the model).
    pub encoder_sha256: String,
    /// How the vectors are made (recorded in the model).
    pub layout: String,
    /// Norm of a standardised vector in training (its weight's learning rate relative to the
    /// sparse features'): the vector is standardised per dimension, then scaled by
    /// `scale / sqrt(dim)`.
    pub scale: f32,
}

fn floats(v: &str) -> Option<Vec<f32>> {
    v.split(' ').map(|x| x.parse().ok()).collect()
}

fn stem(w: &str) -> &str {
    for suf in ["ing", "ed", "es", "s"] {
        if let Some(s) = w.strip_suffix(suf) {
            if s.chars().count() >= 3 {
                return s;
            }
        }
    }
    w
}

/// The features of token `i` of `toks`; `in_quote[i]` says whether it lies inside quotation marks.
pub fn features(toks: &[Tok], in_quote: &[bool], i: usize) -> Vec<String> {
    let w = |j: isize| -> &str {
        if j < 0 {
            "<s>"
        } else {
            toks.get(j as usize).map_or("</s>", |t| t.lower.as_str())
        }
    };
    let i_ = i as isize;
    let t = &toks[i];
    let mut f = vec![
        format!("w={}", t.lower),
        format!("s={}", stem(&t.lower)),
        format!("p={}", w(i_ - 1)),
        format!("n={}", w(i_ + 1)),
        format!("p2={}", w(i_ - 2)),
        format!("n2={}", w(i_ + 2)),
        format!("pw={}|{}", w(i_ - 1), t.lower),
        format!("wn={}|{}", t.lower, w(i_ + 1)),
        format!("sn={}|{}", stem(&t.lower), w(i_ + 1)),
    ];
    if in_quote.get(i).copied().unwrap_or(false) {
        f.push("inq".into());
        f.push(format!("inq|s={}", stem(&t.lower)));
    }
    if i > 0 && t.is_cap() {
        f.push("cap".into());
    }
    if i == 0 {
        f.push("first".into());
    }
    if i > 0 && toks[i - 1].is_cap() {
        f.push("pcap".into());
    }
    if in_quote.iter().any(|&q| q) {
        f.push("sq".into());
    }
    let near_quote = (i.saturating_sub(3)..(i + 4).min(toks.len()))
        .any(|j| j != i && in_quote.get(j).copied().unwrap_or(false));
    if near_quote {
        f.push(format!("nq|s={}", stem(&t.lower)));
    }
    f
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl CueModel {
    /// Parse a model file (`HEADER`, a `bias` line, then `feature<TAB>weight` lines).
    pub fn parse(src: &str) -> Result<Self, QuoteError> {
        let mut lines = src.lines();
        if lines.next().map(str::trim) != Some(HEADER) {
            return Err(QuoteError::Model("missing cue model header".into()));
        }
        let mut m = CueModel::default();
        for (n, line) in lines.enumerate() {
            if line.is_empty() {
                continue;
            }
            let bad = || QuoteError::Model(format!("cue model line {}: {:.80?}", n + 2, line));
            if let Some(rest) = line.strip_prefix('@') {
                let (k, v) = rest.split_once('\t').ok_or_else(bad)?;
                let d = m.dense.get_or_insert_with(DenseWeights::default);
                match k {
                    "encoder" => d.encoder_sha256 = v.to_string(),
                    "layout" => d.layout = v.to_string(),
                    "mean" => d.mean = floats(v).ok_or_else(bad)?,
                    "weight" => d.weight = floats(v).ok_or_else(bad)?,
                    _ => return Err(bad()),
                }
                continue;
            }
            let (k, v) = line.rsplit_once('\t').ok_or_else(bad)?;
            let v: f32 = v.parse().map_err(|_| bad())?;
            if k == "bias" {
                m.bias = v;
            } else {
                m.weights.insert(k.to_string(), v);
            }
        }
        if m.weights.is_empty() {
            return Err(QuoteError::Model("cue model has no weights".into()));
        }
        if let Some(d) = &m.dense {
            if d.mean.len() != d.weight.len() || d.weight.is_empty() || d.encoder_sha256.is_empty()
            {
                return Err(QuoteError::Model(
                    "cue model: dense part without encoder, or mean and weights of different lengths"
                        .into(),
                ));
            }
        }
        Ok(m)
    }

    /// Drop the weights smaller than `min_abs` in magnitude (a smaller file; the scores barely move).
    pub fn prune(&mut self, min_abs: f32) {
        self.weights.retain(|_, w| w.abs() >= min_abs);
    }

    /// Number of feature weights.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether the model has no feature weights.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The model file text (features sorted, weights with 4 decimals).
    pub fn serialise(&self) -> String {
        let mut keys: Vec<&String> = self.weights.keys().collect();
        keys.sort();
        let mut s = format!("{HEADER}\nbias\t{:.4}\n", self.bias);
        for k in keys {
            s.push_str(&format!("{k}\t{:.3}\n", self.weights[k]));
        }
        if let Some(d) = &self.dense {
            let join = |v: &[f32]| {
                v.iter()
                    .map(|x| format!("{x:.5e}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            s.push_str(&format!("@encoder\t{}\n", d.encoder_sha256));
            s.push_str(&format!("@layout\t{}\n", d.layout));
            s.push_str(&format!("@mean\t{}\n", join(&d.mean)));
            s.push_str(&format!("@weight\t{}\n", join(&d.weight)));
        }
        s
    }

    /// The dense part, if the model has one.
    pub fn dense(&self) -> Option<&DenseWeights> {
        self.dense.as_ref()
    }

    /// Probability that token `i` is (part of) a cue, with the token's dense vector `x` when the
    /// model has a dense part (`None`: the dense part adds nothing).
    pub fn prob_with(&self, toks: &[Tok], in_quote: &[bool], i: usize, x: Option<&[f32]>) -> f32 {
        self.prob_of_with(&features(toks, in_quote, i), x)
    }

    /// [`CueModel::prob_of`] with a dense vector (see [`CueModel::prob_with`]).
    pub fn prob_of_with(&self, features: &[String], x: Option<&[f32]>) -> f32 {
        let dense = match (&self.dense, x) {
            (Some(d), Some(x)) => d.logit(x),
            _ => 0.0,
        };
        let z: f32 = self.bias
            + dense
            + features
                .iter()
                .filter_map(|f| self.weights.get(f))
                .sum::<f32>();
        sigmoid(z)
    }

    /// Probability that token `i` is (part of) a cue.
    pub fn prob(&self, toks: &[Tok], in_quote: &[bool], i: usize) -> f32 {
        let z: f32 = self.bias
            + features(toks, in_quote, i)
                .iter()
                .filter_map(|f| self.weights.get(f))
                .sum::<f32>();
        sigmoid(z)
    }

    /// Probability for an arbitrary feature list (the attribution filter uses this).
    pub fn prob_of(&self, features: &[String]) -> f32 {
        let z: f32 = self.bias
            + features
                .iter()
                .filter_map(|f| self.weights.get(f))
                .sum::<f32>();
        sigmoid(z)
    }

    /// Train on sentences `(tokens, in_quote, is_cue)` with SGD on the log loss, L2 regularised;
    /// features seen fewer than `min_count` times are dropped. Deterministic (fixed order).
    pub fn train(
        sentences: &[(Vec<Tok>, Vec<bool>, Vec<bool>)],
        epochs: usize,
        min_count: usize,
    ) -> Self {
        let rows = sentences.iter().flat_map(|(toks, inq, gold)| {
            (0..toks.len()).map(move |i| {
                (
                    features(toks, inq, i),
                    gold.get(i).copied().unwrap_or(false),
                )
            })
        });
        Self::fit(rows, epochs, min_count)
    }

    /// Logistic regression on rows of `(features, label)` (see [`CueModel::train`]).
    pub fn fit(
        rows: impl IntoIterator<Item = (Vec<String>, bool)>,
        epochs: usize,
        min_count: usize,
    ) -> Self {
        Self::fit_inner(
            rows.into_iter().map(|(f, y)| (f, Vec::new(), y)),
            epochs,
            min_count,
            None,
        )
    }

    /// Logistic regression on rows of `(sparse features, dense vector, label)`: the sparse
    /// weights as in [`CueModel::fit`] plus weights over the dense vectors (standardised; an
    /// empty vector is a row without one: it adds nothing). All non-empty vectors must have the
    /// same length.
    pub fn fit_dense(
        rows: impl IntoIterator<Item = (Vec<String>, Vec<f32>, bool)>,
        epochs: usize,
        min_count: usize,
        dense: &DenseFit,
    ) -> Self {
        Self::fit_inner(rows, epochs, min_count, Some(dense))
    }

    fn fit_inner(
        rows: impl IntoIterator<Item = (Vec<String>, Vec<f32>, bool)>,
        epochs: usize,
        min_count: usize,
        dense: Option<&DenseFit>,
    ) -> Self {
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut counts: Vec<usize> = Vec::new();
        let mut data: Vec<(Vec<usize>, bool)> = Vec::new();
        let mut vecs: Vec<Vec<f32>> = Vec::new();
        for (feats, x, y) in rows {
            if dense.is_some() {
                vecs.push(x);
            }
            let mut fi = Vec::with_capacity(feats.len());
            for f in feats {
                let next = ids.len();
                let id = *ids.entry(f).or_insert(next);
                if id == counts.len() {
                    counts.push(0);
                }
                counts[id] += 1;
                fi.push(id);
            }
            data.push((fi, y));
        }
        let keep: Vec<bool> = counts.iter().map(|&c| c >= min_count).collect();
        for (fi, _) in &mut data {
            fi.retain(|&id| keep[id]);
        }
        let rows = data;
        // Dense vectors: standardised per dimension, scaled to norm about `scale`.
        let dim = vecs.iter().map(Vec::len).max().unwrap_or(0);
        vecs.iter_mut()
            .filter(|v| v.len() != dim)
            .for_each(|v| v.clear());
        let (mut mean, mut sd) = (vec![0f64; dim], vec![0f64; dim]);
        let present = vecs.iter().filter(|v| !v.is_empty()).count().max(1) as f64;
        for v in vecs.iter().filter(|v| !v.is_empty()) {
            for (m, x) in mean.iter_mut().zip(v) {
                *m += *x as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= present);
        for v in vecs.iter().filter(|v| !v.is_empty()) {
            for ((s, m), x) in sd.iter_mut().zip(&mean).zip(v) {
                *s += (*x as f64 - m).powi(2);
            }
        }
        let c = dense.map_or(1.0, |d| d.scale) / (dim.max(1) as f32).sqrt();
        let factor: Vec<f32> = sd
            .iter()
            .map(|s| c / ((s / present).sqrt() as f32).max(1e-3))
            .collect();
        let mean: Vec<f32> = mean.iter().map(|&m| m as f32).collect();
        for v in vecs.iter_mut().filter(|v| !v.is_empty()) {
            for ((x, m), f) in v.iter_mut().zip(&mean).zip(&factor) {
                *x = (*x - m) * f;
            }
        }
        let mut u = vec![0f32; dim];
        let mut w = vec![0f32; ids.len()];
        let mut bias = 0f32;
        let l2 = 1e-6f32;
        // A fixed permutation (multiplicative stride) instead of a random shuffle.
        let n = rows.len();
        let stride = (0..)
            .map(|k| 7919 + 2 * k)
            .find(|s| gcd(*s, n.max(1)) == 1)
            .unwrap_or(1);
        for epoch in 0..epochs {
            let lr = 0.2 / (1.0 + epoch as f32);
            for k in 0..n {
                let r = (k * stride + epoch) % n;
                let (fi, y) = &rows[r];
                let x = vecs.get(r).map_or(&[][..], |v| v.as_slice());
                let mut z: f32 = bias + fi.iter().map(|&j| w[j]).sum::<f32>();
                if !x.is_empty() {
                    z += u.iter().zip(x).map(|(a, b)| a * b).sum::<f32>();
                }
                let g = sigmoid(z) - if *y { 1.0 } else { 0.0 };
                bias -= lr * g;
                for &j in fi {
                    w[j] -= lr * (g + l2 * w[j]);
                }
                if !x.is_empty() {
                    for (a, b) in u.iter_mut().zip(x) {
                        *a -= lr * (g * b + l2 * *a);
                    }
                }
            }
        }
        let weights = ids
            .into_iter()
            .filter(|(_, id)| keep[*id] && w[*id].abs() >= 1e-3)
            .map(|(f, id)| (f, w[id]))
            .collect();
        let dense = dense.filter(|_| dim > 0).map(|d| DenseWeights {
            encoder_sha256: d.encoder_sha256.clone(),
            layout: d.layout.clone(),
            mean,
            weight: u.iter().zip(&factor).map(|(a, f)| a * f).collect(),
        });
        CueModel {
            weights,
            bias,
            dense,
        }
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::tokenize;

    fn sent(s: &str, cues: &[&str]) -> (Vec<Tok>, Vec<bool>, Vec<bool>) {
        let chars: Vec<char> = s.chars().collect();
        let toks = tokenize(&chars, 0, chars.len());
        let inq = vec![false; toks.len()];
        let gold = toks
            .iter()
            .map(|t| cues.contains(&t.lower.as_str()))
            .collect();
        (toks, inq, gold)
    }

    #[test]
    fn learns_a_cue_and_round_trips() {
        let data = vec![
            sent("The mayor said the roads were closed .", &["said"]),
            sent("Critics said taxes went up .", &["said"]),
            sent("The roads were closed on Monday .", &[]),
            sent("Taxes went up and the mayor left .", &[]),
        ];
        let m = CueModel::train(&data, 20, 1);
        let (t, q, _) = sent("Officials said prices fell .", &[]);
        assert!(m.prob(&t, &q, 1) > 2.0 * m.prob(&t, &q, 2));
        assert!(m.prob(&t, &q, 2) < 0.5);
        let back = CueModel::parse(&m.serialise()).unwrap();
        assert!((back.prob(&t, &q, 1) - m.prob(&t, &q, 1)).abs() < 1e-2);
        assert!(m.dense().is_none());
        assert!(CueModel::parse("nonsense").is_err());
        assert!(CueModel::parse(&format!("{HEADER}\nw=x\tnot-a-number\n")).is_err());
    }

    #[test]
    fn dense_weights_learn_and_round_trip() {
        // The sparse feature says nothing; the second dense dimension decides.
        let rows: Vec<(Vec<String>, Vec<f32>, bool)> = (0..400)
            .map(|k| {
                let y = k % 3 == 0;
                let x = vec![
                    (k % 7) as f32,
                    if y { 2.0 } else { -1.0 } + 0.1 * (k % 5) as f32,
                ];
                (vec!["w=same".to_string()], x, y)
            })
            .chain((0..20).map(|_| (vec!["w=same".to_string()], Vec::new(), false)))
            .collect();
        let fit = DenseFit {
            encoder_sha256: "abc".into(),
            layout: "token".into(),
            scale: 1.0,
        };
        let m = CueModel::fit_dense(rows, 10, 1, &fit);
        let f = vec!["w=same".to_string()];
        let yes = m.prob_of_with(&f, Some(&[3.0, 2.2]));
        let no = m.prob_of_with(&f, Some(&[3.0, -0.9]));
        assert!(yes > 0.8 && no < 0.2, "{yes} {no}");
        let d = m.dense().unwrap();
        assert_eq!(
            (d.encoder_sha256.as_str(), d.layout.as_str()),
            ("abc", "token")
        );
        let back = CueModel::parse(&m.serialise()).unwrap();
        let again = back.prob_of_with(&f, Some(&[3.0, 2.2]));
        assert!((again - yes).abs() < 1e-2);
        // A vector of the wrong length adds nothing.
        assert_eq!(
            back.prob_of_with(&f, Some(&[1.0])),
            back.prob_of_with(&f, None)
        );
        let text = format!("{HEADER}\nw=x\t0.5\n@mean\t1 2\n@weight\t1\n@encoder\tabc\n");
        assert!(CueModel::parse(&text).is_err());
    }
}
