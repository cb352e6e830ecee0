//! Task heads on top of the encoder's per-token states `[batch, seq, hidden]`.
//!
//! Sequence heads pool the states (mean over the attention mask, or the `[CLS]` state) and apply
//! one linear layer: softmax over classes ([`HeadKind::SingleLabel`]) or one sigmoid per label
//! ([`HeadKind::MultiLabel`]).
//!
//! The token head ([`HeadKind::TokenBio`]) tags every token with B/I/O **for each label
//! separately** (logits `[batch, seq, labels, 3]`). Why BIO per label rather than start/end per
//! label: persuasion-technique spans are long (often a whole clause or sentence) and different
//! techniques overlap freely. Per-label BIO keeps labels independent (overlaps of different
//! labels are free), gives every token inside a span a training signal instead of only two
//! boundary tokens, keeps two adjacent spans of one label apart (the second starts with B), and
//! decodes without pairing starts with ends. Start/end is better for short nested entities; it
//! needs a pairing heuristic and sees ~2 positive tokens per span, which is too sparse here.

use candle_core::{DType, Tensor, D};
use candle_nn::{VarBuilder, VarMap};
use rand::rngs::StdRng;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{ModelError, Result};

/// Tag id for "outside" in [`HeadKind::TokenBio`] targets.
pub const TAG_O: u32 = 0;
/// Tag id for "first token of a span".
pub const TAG_B: u32 = 1;
/// Tag id for "inside a span, not first".
pub const TAG_I: u32 = 2;

/// How a sequence head summarises the token states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// Mean over the tokens where the attention mask is 1 (what all-MiniLM-L6-v2 was trained
    /// with, so the best starting point for this encoder).
    Mean,
    /// The state of the first token (`[CLS]`).
    Cls,
}

/// What a head predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HeadKind {
    /// Exactly one of the labels per sequence (softmax, cross-entropy).
    SingleLabel {
        /// Pooling of the token states.
        pooling: Pooling,
    },
    /// Any subset of the labels per sequence (one sigmoid per label, BCE).
    MultiLabel {
        /// Pooling of the token states.
        pooling: Pooling,
    },
    /// B/I/O per token and per label (softmax over 3 tags for each label).
    TokenBio,
}

/// Everything needed to rebuild a head: saved in the trained model's JSON config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadSpec {
    /// Unique name; the weights are `heads.{name}.weight` / `heads.{name}.bias`.
    pub name: String,
    /// Kind of prediction.
    #[serde(flatten)]
    pub kind: HeadKind,
    /// Label names, in output order.
    pub labels: Vec<String>,
    /// Dropout on the head's input during training (0 disables it).
    #[serde(default)]
    pub dropout: f32,
}

impl HeadSpec {
    /// Number of logits per sequence (sequence heads) or per token (token head).
    pub fn n_outputs(&self) -> usize {
        match self.kind {
            HeadKind::TokenBio => self.labels.len() * 3,
            _ => self.labels.len(),
        }
    }

    fn validate(&self) -> Result<()> {
        if self.name.is_empty() || self.name.contains('.') {
            return Err(ModelError::Input(format!(
                "head name {:?} must be non-empty and contain no '.'",
                self.name
            )));
        }
        let min = match self.kind {
            HeadKind::SingleLabel { .. } => 2,
            _ => 1,
        };
        if self.labels.len() < min {
            return Err(ModelError::Input(format!(
                "head {:?} needs at least {min} labels",
                self.name
            )));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(ModelError::Input(format!(
                "head {:?}: dropout {} outside [0, 1)",
                self.name, self.dropout
            )));
        }
        Ok(())
    }
}

/// A linear head. Plain struct: the weights are ordinary tensors from a [`VarBuilder`].
#[derive(Debug, Clone)]
pub struct Head {
    /// What it predicts.
    pub spec: HeadSpec,
    /// `[outputs, hidden]`.
    pub weight: Tensor,
    /// `[outputs]`.
    pub bias: Tensor,
}

impl Head {
    /// Builds the head from `vb` (the root builder: the head adds `heads.{name}` itself, so the
    /// same names are used when training and when loading a saved model). With a builder over a
    /// `VarMap` missing weights are created with candle's default initialisation; prefer
    /// [`Head::init_seeded`] for reproducible runs.
    pub fn new(vb: VarBuilder, spec: HeadSpec, hidden: usize) -> Result<Self> {
        spec.validate()?;
        let vb = vb.pp("heads").pp(&spec.name);
        let n = spec.n_outputs();
        let weight = vb.get_with_hints(
            (n, hidden),
            "weight",
            candle_nn::init::DEFAULT_KAIMING_NORMAL,
        )?;
        let bias = vb.get_with_hints(n, "bias", candle_nn::init::ZERO)?;
        Ok(Self { spec, weight, bias })
    }

    /// Creates the head's variables in `varmap` from a seeded RNG (weights ~ N(0, 0.02²), the
    /// BERT initialisation; bias 0), replacing any existing ones, then builds the head.
    pub fn init_seeded(varmap: &VarMap, spec: HeadSpec, hidden: usize, seed: u64) -> Result<Self> {
        spec.validate()?;
        let n = spec.n_outputs();
        let dev = candle_core::Device::Cpu;
        let mut rng = <StdRng as rand::SeedableRng>::seed_from_u64(seed);
        let w: Vec<f32> = (0..n * hidden).map(|_| 0.02 * normal(&mut rng)).collect();
        let weight = Tensor::from_vec(w, (n, hidden), &dev)?;
        let bias = Tensor::zeros(n, DType::F32, &dev)?;
        {
            let mut data = varmap.data().lock().map_err(|_| ModelError::Poisoned)?;
            let prefix = format!("heads.{}", spec.name);
            data.insert(
                format!("{prefix}.weight"),
                candle_core::Var::from_tensor(&weight)?,
            );
            data.insert(
                format!("{prefix}.bias"),
                candle_core::Var::from_tensor(&bias)?,
            );
        }
        Self::new(
            VarBuilder::from_varmap(varmap, DType::F32, &dev),
            spec,
            hidden,
        )
    }

    /// Logits. `states`: `[b, s, h]`; `mask`: `[b, s]` (1 = token). Sequence heads return
    /// `[b, labels]`; the token head `[b, s, labels, 3]`. `dropout`: an RNG to draw the dropout
    /// mask from (training), or `None` (inference).
    pub fn forward(
        &self,
        states: &Tensor,
        mask: &Tensor,
        dropout: Option<&mut StdRng>,
    ) -> Result<Tensor> {
        let (b, s, _h) = states.dims3()?;
        let x = match self.spec.kind {
            HeadKind::SingleLabel { pooling } | HeadKind::MultiLabel { pooling } => {
                pool(states, mask, pooling)?
            }
            HeadKind::TokenBio => states.clone(),
        };
        let x = match dropout {
            Some(rng) if self.spec.dropout > 0.0 => seeded_dropout(&x, self.spec.dropout, rng)?,
            _ => x,
        };
        let dims = x.dims().to_vec();
        let lead: usize = dims.iter().rev().skip(1).product();
        let d_in = dims.last().copied().unwrap_or(0);
        let y = x
            .reshape((lead, d_in))?
            .matmul(&self.weight.t()?)?
            .broadcast_add(&self.bias)?;
        Ok(match self.spec.kind {
            HeadKind::TokenBio => y.reshape((b, s, self.spec.labels.len(), 3))?,
            _ => y,
        })
    }

    /// Probabilities from logits: softmax over classes (single-label), sigmoid per label
    /// (multi-label), softmax over B/I/O (token head).
    pub fn probabilities(&self, logits: &Tensor) -> Result<Tensor> {
        Ok(match self.spec.kind {
            HeadKind::MultiLabel { .. } => candle_nn::ops::sigmoid(logits)?,
            _ => candle_nn::ops::softmax_last_dim(&logits.contiguous()?)?,
        })
    }
}

/// Pools `[b, s, h]` states into `[b, h]`. Mean pooling divides by the number of tokens (at
/// least 1e-9, so an all-padding row yields zeros instead of NaN). Differentiable.
pub fn pool(states: &Tensor, mask: &Tensor, pooling: Pooling) -> Result<Tensor> {
    Ok(match pooling {
        Pooling::Cls => states.narrow(1, 0, 1)?.squeeze(1)?,
        Pooling::Mean => {
            let m = mask.to_dtype(states.dtype())?.unsqueeze(2)?;
            let sum = states.broadcast_mul(&m)?.sum(1)?;
            let count = m.sum(1)?.clamp(1e-9, f64::MAX)?;
            sum.broadcast_div(&count)?
        }
    })
}

/// Inverted dropout with a mask drawn from `rng`, so training is reproducible from the seed
/// (candle's own dropout draws from an unseedable thread RNG on the CPU).
fn seeded_dropout(x: &Tensor, p: f32, rng: &mut StdRng) -> Result<Tensor> {
    let scale = 1.0 / (1.0 - p);
    let m: Vec<f32> = (0..x.elem_count())
        .map(|_| if rng.gen::<f32>() >= p { scale } else { 0.0 })
        .collect();
    let mask = Tensor::from_vec(m, x.shape(), x.device())?.to_dtype(x.dtype())?;
    Ok(x.mul(&mask)?)
}

/// A standard normal draw (Box–Muller), so initialisation does not need `rand_distr`.
fn normal(rng: &mut StdRng) -> f32 {
    let u1: f64 = rng.gen::<f64>().max(1e-300);
    let u2: f64 = rng.gen();
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

/// BIO targets for one text: `offsets[t]` is token `t`'s `[start, end)` (any unit, as long as the
/// spans use the same), `spans` are `(label, start, end)`. Returns `n_tokens * n_labels` tags,
/// token-major (`tags[t * n_labels + label]`). A token belongs to a span when they overlap; a
/// token of zero width never does. Overlapping spans of one label merge (BIO cannot express them);
/// adjacent ones stay apart. Spans with a label `>= n_labels` are an error.
pub fn spans_to_bio(
    offsets: &[(usize, usize)],
    spans: &[(usize, usize, usize)],
    n_labels: usize,
) -> Result<Vec<u32>> {
    let mut tags = vec![TAG_O; offsets.len() * n_labels];
    let mut sorted: Vec<&(usize, usize, usize)> = spans.iter().collect();
    sorted.sort_by_key(|s| (s.1, s.2));
    for &&(label, start, end) in &sorted {
        if label >= n_labels {
            return Err(ModelError::Input(format!(
                "span label {label} but only {n_labels} labels"
            )));
        }
        let mut first = true;
        for (t, &(ts, te)) in offsets.iter().enumerate() {
            if ts < end && te > start && ts < te {
                if let Some(tag) = tags.get_mut(t * n_labels + label) {
                    if *tag == TAG_O {
                        *tag = if first { TAG_B } else { TAG_I };
                    }
                }
                first = false;
            }
        }
    }
    Ok(tags)
}

/// Spans `(label, first_token, end_token_exclusive)` from BIO tags laid out as in
/// [`spans_to_bio`]. Lenient like seqeval: an I without a preceding B/I opens a span.
pub fn decode_bio(tags: &[u32], n_labels: usize) -> Vec<(usize, usize, usize)> {
    let n_tokens = tags.len().checked_div(n_labels).unwrap_or(0);
    let mut out = vec![];
    for label in 0..n_labels {
        let mut open: Option<usize> = None;
        for t in 0..n_tokens {
            let tag = tags.get(t * n_labels + label).copied().unwrap_or(TAG_O);
            match tag {
                TAG_B => {
                    if let Some(s) = open.take() {
                        out.push((label, s, t));
                    }
                    open = Some(t);
                }
                TAG_I => {
                    if open.is_none() {
                        open = Some(t);
                    }
                }
                _ => {
                    if let Some(s) = open.take() {
                        out.push((label, s, t));
                    }
                }
            }
        }
        if let Some(s) = open {
            out.push((label, s, n_tokens));
        }
    }
    out.sort();
    out
}

/// Most likely tag per token and label from token-head logits `[b, s, labels, 3]`: `[b, s, labels]` u32.
pub fn bio_argmax(logits: &Tensor) -> Result<Tensor> {
    Ok(logits.argmax(D::Minus1)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn spec(name: &str, kind: HeadKind, n: usize) -> HeadSpec {
        HeadSpec {
            name: name.into(),
            kind,
            labels: (0..n).map(|i| format!("l{i}")).collect(),
            dropout: 0.1,
        }
    }

    #[test]
    fn shapes_and_pooling() {
        let vm = VarMap::new();
        let dev = Device::Cpu;
        let states = Tensor::arange(0f32, 2. * 3. * 4., &dev)
            .unwrap()
            .reshape((2, 3, 4))
            .unwrap();
        let mask = Tensor::new(&[[1f32, 1., 0.], [1., 0., 0.]], &dev).unwrap();
        let mean = pool(&states, &mask, Pooling::Mean).unwrap();
        let v = mean.to_vec2::<f32>().unwrap();
        // Row 0: mean of tokens 0 and 1; row 1: token 0 only.
        assert_eq!(v[0], vec![2., 3., 4., 5.]);
        assert_eq!(v[1], vec![12., 13., 14., 15.]);
        let cls = pool(&states, &mask, Pooling::Cls).unwrap();
        assert_eq!(cls.to_vec2::<f32>().unwrap()[1], vec![12., 13., 14., 15.]);

        let s = Head::init_seeded(
            &vm,
            spec(
                "s",
                HeadKind::SingleLabel {
                    pooling: Pooling::Mean,
                },
                3,
            ),
            4,
            1,
        )
        .unwrap();
        assert_eq!(s.forward(&states, &mask, None).unwrap().dims(), &[2, 3]);
        let m = Head::init_seeded(
            &vm,
            spec(
                "m",
                HeadKind::MultiLabel {
                    pooling: Pooling::Cls,
                },
                5,
            ),
            4,
            1,
        )
        .unwrap();
        assert_eq!(m.forward(&states, &mask, None).unwrap().dims(), &[2, 5]);
        let t = Head::init_seeded(&vm, spec("t", HeadKind::TokenBio, 2), 4, 1).unwrap();
        let logits = t.forward(&states, &mask, None).unwrap();
        assert_eq!(logits.dims(), &[2, 3, 2, 3]);
        let p = t.probabilities(&logits).unwrap().sum(D::Minus1).unwrap();
        for x in p.flatten_all().unwrap().to_vec1::<f32>().unwrap() {
            assert!((x - 1.0).abs() < 1e-5);
        }
        assert_eq!(vm.all_vars().len(), 6);
    }

    #[test]
    fn seeded_init_is_reproducible_and_dropout_seeded() {
        let a = VarMap::new();
        let b = VarMap::new();
        let sp = spec(
            "x",
            HeadKind::MultiLabel {
                pooling: Pooling::Mean,
            },
            3,
        );
        let ha = Head::init_seeded(&a, sp.clone(), 8, 42).unwrap();
        let hb = Head::init_seeded(&b, sp, 8, 42).unwrap();
        assert_eq!(
            ha.weight.to_vec2::<f32>().unwrap(),
            hb.weight.to_vec2::<f32>().unwrap()
        );
        let std = ha
            .weight
            .sqr()
            .unwrap()
            .mean_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
            .sqrt();
        assert!((0.01..0.03).contains(&std), "std {std}");
        let x = Tensor::ones((4, 8), DType::F32, &Device::Cpu).unwrap();
        let mut r1 = <StdRng as rand::SeedableRng>::seed_from_u64(3);
        let mut r2 = <StdRng as rand::SeedableRng>::seed_from_u64(3);
        let d1 = seeded_dropout(&x, 0.5, &mut r1)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        let d2 = seeded_dropout(&x, 0.5, &mut r2)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        assert_eq!(d1, d2);
        let flat: Vec<f32> = d1.into_iter().flatten().collect();
        assert!(flat.iter().all(|&v| v == 0.0 || v == 2.0));
        assert!(flat.contains(&0.0) && flat.contains(&2.0));
    }

    #[test]
    fn bad_specs_are_errors() {
        let vm = VarMap::new();
        let mut sp = spec("a.b", HeadKind::TokenBio, 1);
        assert!(Head::init_seeded(&vm, sp.clone(), 4, 0).is_err());
        sp.name = "ok".into();
        sp.dropout = 1.0;
        assert!(Head::init_seeded(&vm, sp, 4, 0).is_err());
        let one = spec(
            "one",
            HeadKind::SingleLabel {
                pooling: Pooling::Cls,
            },
            1,
        );
        assert!(Head::init_seeded(&vm, one, 4, 0).is_err());
    }

    #[test]
    fn bio_round_trip() {
        // Tokens: "aa bb cc dd ee" → offsets in chars.
        let offsets = [(0, 2), (3, 5), (6, 8), (9, 11), (12, 14)];
        // Label 0 covers bb..cc, label 1 covers aa and (adjacent) bb..dd, label 0 again ee.
        let spans = [(0, 3, 8), (1, 0, 2), (1, 3, 11), (0, 12, 14)];
        let tags = spans_to_bio(&offsets, &spans, 2).unwrap();
        let l0: Vec<u32> = (0..5).map(|t| tags[t * 2]).collect();
        let l1: Vec<u32> = (0..5).map(|t| tags[t * 2 + 1]).collect();
        assert_eq!(l0, vec![TAG_O, TAG_B, TAG_I, TAG_O, TAG_B]);
        assert_eq!(l1, vec![TAG_B, TAG_B, TAG_I, TAG_I, TAG_O]);
        let dec = decode_bio(&tags, 2);
        assert_eq!(dec, vec![(0, 1, 3), (0, 4, 5), (1, 0, 1), (1, 1, 4)]);
        // Overlapping spans of one label merge; out-of-range labels are errors.
        let merged = spans_to_bio(&offsets, &[(0, 0, 5), (0, 3, 8)], 1).unwrap();
        assert_eq!(decode_bio(&merged, 1), vec![(0, 0, 3)]);
        assert!(spans_to_bio(&offsets, &[(2, 0, 1)], 2).is_err());
        // Lenient decoding: I without B opens a span; empty input yields nothing.
        assert_eq!(decode_bio(&[TAG_I, TAG_I, TAG_O], 1), vec![(0, 0, 2)]);
        assert!(decode_bio(&[], 3).is_empty());
        assert!(decode_bio(&[TAG_B], 0).is_empty());
    }
}
