//! Small linear models over sparse features for the article heads: one-vs-rest logistic
//! regression (frames) and softmax regression (genre), trained full-batch with Adam and L2.
//!
//! Written here rather than taken from a crate: the problems are tiny (hundreds of articles, a
//! few thousand features), we need per-class and per-sample weights and a JSON-serialisable
//! result, and the available crates (linfa, smartcore) pull in BLAS/ndarray stacks for what is
//! fifty lines of arithmetic.

use serde::{Deserialize, Serialize};

/// A sparse feature vector: `(index, value)` pairs, indices below the model's `dim`.
pub type Sparse = Vec<(u32, f32)>;

/// How outputs become probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// Independent sigmoid per label (multi-label).
    Sigmoid,
    /// Softmax over labels (exactly one).
    Softmax,
}

/// A trained linear model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    pub link: Link,
    pub labels: Vec<String>,
    pub dim: usize,
    /// `[labels][dim]`.
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// L2 penalty on the weights (not the bias), per sample.
    pub l2: f32,
    pub iterations: usize,
    pub lr: f32,
    /// Sigmoid: weight of a positive example per label. Softmax: weight of each class.
    pub class_weights: Vec<f32>,
}

impl LinearModel {
    /// Raw scores `W x + b`.
    pub fn logits(&self, x: &Sparse) -> Vec<f32> {
        self.weights
            .iter()
            .zip(&self.bias)
            .map(|(w, b)| {
                b + x
                    .iter()
                    .map(|&(i, v)| w.get(i as usize).copied().unwrap_or(0.0) * v)
                    .sum::<f32>()
            })
            .collect()
    }

    /// Probabilities per label.
    pub fn probs(&self, x: &Sparse) -> Vec<f32> {
        let z = self.logits(x);
        match self.link {
            Link::Sigmoid => z.iter().map(|&v| 1.0 / (1.0 + (-v).exp())).collect(),
            Link::Softmax => softmax(&z),
        }
    }
}

fn softmax(z: &[f32]) -> Vec<f32> {
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = z.iter().map(|&v| (v - m).exp()).collect();
    let s: f32 = e.iter().sum::<f32>().max(1e-30);
    e.iter().map(|v| v / s).collect()
}

/// Per-column mean and standard deviation (at least 1e-3) of dense rows: the statistics the
/// heads standardise their dense inputs with.
pub fn mean_std(rows: &[&Vec<f32>]) -> (Vec<f32>, Vec<f32>) {
    let d = rows.first().map(|v| v.len()).unwrap_or(0);
    let n = rows.len().max(1) as f32;
    let mut mean = vec![0f32; d];
    for v in rows {
        for (m, x) in mean.iter_mut().zip(v.iter()) {
            *m += x / n;
        }
    }
    let mut var = vec![0f32; d];
    for v in rows {
        for ((s, x), m) in var.iter_mut().zip(v.iter()).zip(&mean) {
            *s += (x - m) * (x - m) / n;
        }
    }
    let std = var.iter().map(|v| v.sqrt().max(1e-3)).collect();
    (mean, std)
}

/// Fits a model. `targets[i][label]` is 1/0 (sigmoid) or one-hot (softmax); `sample_weights`
/// scale each example's loss.
pub fn fit(
    link: Link,
    labels: &[String],
    dim: usize,
    xs: &[Sparse],
    targets: &[Vec<f32>],
    sample_weights: &[f32],
    opts: &FitOptions,
) -> LinearModel {
    let k = labels.len();
    let mut model = LinearModel {
        link,
        labels: labels.to_vec(),
        dim,
        weights: vec![vec![0.0; dim]; k],
        bias: vec![0.0; k],
    };
    let n: f32 = sample_weights.iter().sum::<f32>().max(1e-6);
    let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
    let mut m_w = vec![vec![0f32; dim]; k];
    let mut v_w = vec![vec![0f32; dim]; k];
    let mut m_b = vec![0f32; k];
    let mut v_b = vec![0f32; k];
    for it in 1..=opts.iterations {
        let mut g_w = vec![vec![0f32; dim]; k];
        let mut g_b = vec![0f32; k];
        for ((x, y), sw) in xs.iter().zip(targets).zip(sample_weights) {
            let p = model.probs(x);
            for c in 0..k {
                let yc = y.get(c).copied().unwrap_or(0.0);
                let pc = p.get(c).copied().unwrap_or(0.0);
                let cw = opts.class_weights.get(c).copied().unwrap_or(1.0);
                let g = match link {
                    // Weighted BCE: positives weigh `cw`.
                    Link::Sigmoid => sw * (pc * (1.0 - yc + cw * yc) - cw * yc),
                    // Weighted CE: the example weighs its true class's weight.
                    Link::Softmax => {
                        let wt: f32 = y
                            .iter()
                            .zip(&opts.class_weights)
                            .map(|(a, b)| a * b)
                            .sum::<f32>()
                            .max(if opts.class_weights.is_empty() {
                                1.0
                            } else {
                                0.0
                            });
                        sw * wt * (pc - yc)
                    }
                };
                if g == 0.0 {
                    continue;
                }
                g_b[c] += g;
                let gw = &mut g_w[c];
                for &(i, v) in x {
                    if let Some(slot) = gw.get_mut(i as usize) {
                        *slot += g * v;
                    }
                }
            }
        }
        let lr_t = opts.lr * (1.0 - b2.powi(it as i32)).sqrt() / (1.0 - b1.powi(it as i32));
        for c in 0..k {
            for j in 0..dim {
                let g = g_w[c][j] / n + opts.l2 * model.weights[c][j];
                m_w[c][j] = b1 * m_w[c][j] + (1.0 - b1) * g;
                v_w[c][j] = b2 * v_w[c][j] + (1.0 - b2) * g * g;
                model.weights[c][j] -= lr_t * m_w[c][j] / (v_w[c][j].sqrt() + eps);
            }
            let g = g_b[c] / n;
            m_b[c] = b1 * m_b[c] + (1.0 - b1) * g;
            v_b[c] = b2 * v_b[c] + (1.0 - b2) * g * g;
            model.bias[c] -= lr_t * m_b[c] / (v_b[c].sqrt() + eps);
        }
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> (Vec<Sparse>, Vec<usize>) {
        // Class = which of features 0/1/2 is on; feature 3 is noise.
        let mut xs = vec![];
        let mut ys = vec![];
        for i in 0..60 {
            let c = i % 3;
            xs.push(vec![(c as u32, 1.0), (3, (i % 5) as f32 * 0.1)]);
            ys.push(c);
        }
        (xs, ys)
    }

    #[test]
    fn softmax_and_sigmoid_learn_separable_data() {
        let (xs, ys) = data();
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let onehot: Vec<Vec<f32>> = ys
            .iter()
            .map(|&c| (0..3).map(|j| (j == c) as u8 as f32).collect())
            .collect();
        let w = vec![1.0; xs.len()];
        let opts = FitOptions {
            l2: 1e-4,
            iterations: 200,
            lr: 0.1,
            class_weights: vec![1.0; 3],
        };
        for link in [Link::Softmax, Link::Sigmoid] {
            let m = fit(link, &labels, 4, &xs, &onehot, &w, &opts);
            for (x, &c) in xs.iter().zip(&ys) {
                let p = m.probs(x);
                let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
                assert_eq!(best, c, "{link:?} {p:?}");
            }
            // Out-of-range indices are ignored rather than panicking.
            assert_eq!(m.probs(&vec![(99, 1.0)]).len(), 3);
        }
    }

    #[test]
    fn class_weight_moves_the_decision() {
        // One feature, mostly negatives: a heavy positive weight raises the positive probability.
        let xs: Vec<Sparse> = (0..40).map(|_| vec![(0, 1.0)]).collect();
        let ys: Vec<Vec<f32>> = (0..40).map(|i| vec![(i < 4) as u8 as f32]).collect();
        let w = vec![1.0; 40];
        let labels = vec!["x".to_string()];
        let mk = |cw: f32| FitOptions {
            l2: 0.0,
            iterations: 300,
            lr: 0.1,
            class_weights: vec![cw],
        };
        let plain = fit(Link::Sigmoid, &labels, 1, &xs, &ys, &w, &mk(1.0));
        let heavy = fit(Link::Sigmoid, &labels, 1, &xs, &ys, &w, &mk(9.0));
        let p0 = plain.probs(&xs[0])[0];
        let p1 = heavy.probs(&xs[0])[0];
        assert!((p0 - 0.1).abs() < 0.03, "{p0}");
        assert!((p1 - 0.5).abs() < 0.05, "{p1}");
    }
}
