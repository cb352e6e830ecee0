//! AdamW with decoupled weight decay, a warmup + decay learning-rate schedule, and gradient
//! clipping by global norm.
//!
//! Our own AdamW rather than `candle_nn::AdamW` because checkpoints must hold the optimizer's
//! moments and step count (candle's keeps them private), because biases and layer-norm weights
//! should not be decayed (the BERT recipe), and because clipping needs to scale the gradients
//! on their way into the update.

use std::collections::HashMap;

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use serde::{Deserialize, Serialize};

use crate::{Result, TrainError};

/// AdamW hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdamWConfig {
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Denominator epsilon.
    pub eps: f64,
    /// Decoupled weight decay (not applied to biases and layer-norm parameters).
    pub weight_decay: f64,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        Self {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
        }
    }
}

struct Param {
    name: String,
    var: Var,
    decay: bool,
    m: Tensor,
    v: Tensor,
}

/// AdamW over a named set of variables.
pub struct AdamW {
    params: Vec<Param>,
    step: u64,
    cfg: AdamWConfig,
}

/// Whether a parameter gets weight decay: not biases, not layer-norm scales/shifts.
fn decays(name: &str) -> bool {
    !(name.ends_with("bias") || name.contains("LayerNorm") || name.contains("norm."))
}

impl AdamW {
    /// Optimises `vars` (name, variable). Names key the saved state, so keep them stable
    /// (the `VarMap` names).
    pub fn new(mut vars: Vec<(String, Var)>, cfg: AdamWConfig) -> Result<Self> {
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let params = vars
            .into_iter()
            .map(|(name, var)| {
                let m = var.as_tensor().zeros_like()?;
                let v = var.as_tensor().zeros_like()?;
                Ok(Param {
                    decay: decays(&name),
                    name,
                    var,
                    m,
                    v,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            params,
            step: 0,
            cfg,
        })
    }

    /// Number of updates done so far.
    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// The optimised variables.
    pub fn vars(&self) -> impl Iterator<Item = (&str, &Var)> {
        self.params.iter().map(|p| (p.name.as_str(), &p.var))
    }

    /// Number of optimised scalars.
    pub fn n_parameters(&self) -> usize {
        self.params.iter().map(|p| p.var.elem_count()).sum()
    }

    /// One update with learning rate `lr`; every gradient is multiplied by `grad_scale` first
    /// (clipping). Variables without a gradient (not in this step's graph) are left untouched,
    /// moments included, as in PyTorch.
    pub fn step(&mut self, grads: &GradStore, lr: f64, grad_scale: f64) -> Result<()> {
        self.step += 1;
        let t = self.step as i32;
        let c = self.cfg;
        let bc1 = 1.0 - c.beta1.powi(t);
        let bc2 = 1.0 - c.beta2.powi(t);
        for p in &mut self.params {
            let Some(g) = grads.get(p.var.as_tensor()) else {
                continue;
            };
            // Detached so the moments never keep an autograd graph alive across steps.
            let g = g.detach();
            let g = if grad_scale == 1.0 {
                g
            } else {
                (g * grad_scale)?
            };
            let m = ((&p.m * c.beta1)? + (&g * (1.0 - c.beta1))?)?;
            let v = ((&p.v * c.beta2)? + (g.sqr()? * (1.0 - c.beta2))?)?;
            let denom = ((&v / bc2)?.sqrt()? + c.eps)?;
            let update = ((&m / bc1)? / denom)?;
            let theta = p.var.as_tensor().detach();
            let decayed = if p.decay && c.weight_decay > 0.0 {
                (theta * (1.0 - lr * c.weight_decay))?
            } else {
                theta
            };
            let next = (decayed - (update * lr)?)?;
            p.var.set(&next)?;
            p.m = m;
            p.v = v;
        }
        Ok(())
    }

    /// The moments as named tensors (`m.{name}`, `v.{name}`), for checkpoints.
    pub fn state_tensors(&self) -> HashMap<String, Tensor> {
        let mut out = HashMap::with_capacity(self.params.len() * 2);
        for p in &self.params {
            out.insert(format!("m.{}", p.name), p.m.clone());
            out.insert(format!("v.{}", p.name), p.v.clone());
        }
        out
    }

    /// Restores moments saved by [`AdamW::state_tensors`] and the step count. Every optimised
    /// variable must have both moments with its shape.
    pub fn load_state(&mut self, state: &HashMap<String, Tensor>, step: u64) -> Result<()> {
        for p in &mut self.params {
            let get = |k: String| {
                state
                    .get(&k)
                    .cloned()
                    .ok_or_else(|| TrainError::Input(format!("optimizer state lacks {k}")))
            };
            let m = get(format!("m.{}", p.name))?;
            let v = get(format!("v.{}", p.name))?;
            if m.dims() != p.var.dims() || v.dims() != p.var.dims() {
                return Err(TrainError::Input(format!(
                    "optimizer state for {} has shape {:?}, variable {:?}",
                    p.name,
                    m.dims(),
                    p.var.dims()
                )));
            }
            p.m = m.to_dtype(p.var.dtype())?;
            p.v = v.to_dtype(p.var.dtype())?;
        }
        self.step = step;
        Ok(())
    }
}

/// Global L2 norm of the gradients of `vars` (those with one), computed from the
/// [`GradStore`] as in `torch.nn.utils.clip_grad_norm_`.
pub fn global_grad_norm<'a>(
    grads: &GradStore,
    vars: impl IntoIterator<Item = &'a Var>,
) -> Result<f64> {
    let mut sq = 0f64;
    for v in vars {
        if let Some(g) = grads.get(v.as_tensor()) {
            sq += g
                .sqr()?
                .sum_all()?
                .to_dtype(candle_core::DType::F64)?
                .to_scalar::<f64>()?;
        }
    }
    Ok(sq.sqrt())
}

/// The factor that brings a gradient of norm `norm` down to `max_norm` (1 when already below;
/// `max_norm <= 0` disables clipping).
pub fn clip_scale(norm: f64, max_norm: f64) -> f64 {
    if max_norm > 0.0 && norm.is_finite() && norm > max_norm {
        max_norm / (norm + 1e-6)
    } else {
        1.0
    }
}

/// Shape of the decay after warmup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decay {
    /// Straight line to 0 at the last step (BERT's recipe).
    Linear,
    /// Half a cosine to 0 at the last step.
    Cosine,
    /// Stay at the peak.
    Constant,
}

/// Learning rate as a function of the step: linear warmup from 0 to `peak` over `warmup`
/// steps, then `decay` down to 0 at `total` steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Peak learning rate.
    pub peak: f64,
    /// Warmup steps.
    pub warmup: u64,
    /// Total steps.
    pub total: u64,
    /// Decay shape.
    pub decay: Decay,
}

impl Schedule {
    /// Learning rate for the update numbered `step` (0-based).
    pub fn lr(&self, step: u64) -> f64 {
        // Step s uses (s+1)/warmup during warmup so the first update is not wasted at lr 0.
        if step < self.warmup {
            return self.peak * (step + 1) as f64 / self.warmup as f64;
        }
        let span = self.total.saturating_sub(self.warmup).max(1) as f64;
        let progress = ((step - self.warmup) as f64 / span).clamp(0.0, 1.0);
        match self.decay {
            Decay::Constant => self.peak,
            Decay::Linear => self.peak * (1.0 - progress),
            Decay::Cosine => self.peak * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn schedule_shapes() {
        let s = Schedule {
            peak: 1.0,
            warmup: 4,
            total: 14,
            decay: Decay::Linear,
        };
        assert_eq!(s.lr(0), 0.25);
        assert_eq!(s.lr(3), 1.0);
        assert_eq!(s.lr(4), 1.0);
        assert!((s.lr(9) - 0.5).abs() < 1e-12);
        assert_eq!(s.lr(14), 0.0);
        assert_eq!(s.lr(100), 0.0);
        let c = Schedule {
            decay: Decay::Cosine,
            ..s
        };
        assert!((c.lr(9) - 0.5).abs() < 1e-12);
        assert!(c.lr(5) > s.lr(5));
        let k = Schedule {
            decay: Decay::Constant,
            ..s
        };
        assert_eq!(k.lr(13), 1.0);
        let nowarm = Schedule {
            warmup: 0,
            total: 0,
            ..s
        };
        assert_eq!(nowarm.lr(0), 1.0);
    }

    #[test]
    fn adamw_matches_reference_and_clipping() {
        let dev = Device::Cpu;
        let w = Var::new(&[1.0f32, -2.0], &dev).unwrap();
        let b = Var::new(&[0.5f32], &dev).unwrap();
        let cfg = AdamWConfig {
            weight_decay: 0.1,
            ..Default::default()
        };
        let mut opt = AdamW::new(
            vec![("l.weight".into(), w.clone()), ("l.bias".into(), b.clone())],
            cfg,
        )
        .unwrap();
        // loss = sum(w * [3, 4]) + 0 * b → grad w = [3, 4], b not in graph.
        let loss = w
            .as_tensor()
            .mul(&Tensor::new(&[3f32, 4.0], &dev).unwrap())
            .unwrap()
            .sum_all()
            .unwrap();
        let grads = loss.backward().unwrap();
        let norm = global_grad_norm(&grads, opt.vars().map(|(_, v)| v)).unwrap();
        assert!((norm - 5.0).abs() < 1e-6);
        let scale = clip_scale(norm, 1.0);
        assert!((scale - 0.2).abs() < 1e-6);
        assert_eq!(clip_scale(norm, 0.0), 1.0);
        opt.step(&grads, 0.1, scale).unwrap();
        // First Adam step moves each coordinate by lr * sign(g) (bias-corrected m/sqrt(v) = ±1),
        // after decoupled decay theta * (1 - lr * wd).
        let got = w.as_tensor().to_vec1::<f32>().unwrap();
        let want = [1.0 * (1.0 - 0.01) - 0.1, -2.0 * (1.0 - 0.01) - 0.1];
        for (g, e) in got.iter().zip(want) {
            assert!((g - e).abs() < 1e-5, "{got:?} vs {want:?}");
        }
        // No gradient → untouched.
        assert_eq!(b.as_tensor().to_vec1::<f32>().unwrap(), vec![0.5]);
        // State round trip.
        let st = opt.state_tensors();
        assert_eq!(st.len(), 4);
        let mut opt2 = AdamW::new(
            vec![("l.weight".into(), w.clone()), ("l.bias".into(), b.clone())],
            cfg,
        )
        .unwrap();
        opt2.load_state(&st, opt.step_count()).unwrap();
        assert_eq!(opt2.step_count(), 1);
        let mut partial = st.clone();
        partial.remove("v.l.bias");
        assert!(opt2.load_state(&partial, 1).is_err());
        assert!(decays("encoder.layer.0.intermediate.dense.weight"));
        assert!(!decays("encoder.layer.0.output.LayerNorm.weight"));
        assert!(!decays("heads.x.bias"));
    }
}
