//! Losses, written with differentiable candle ops only (no fused kernels without a backward).
//!
//! Both losses are weighted means with PyTorch's semantics, so numbers compare with the usual
//! Python recipes: cross-entropy divides by the sum of the weights of the counted items; BCE
//! divides by the number of counted elements. Masked items (padding tokens, examples without a
//! label for this task) count for nothing. When nothing is counted the loss is 0, not NaN.

use candle_core::{DType, Tensor, D};

use crate::{Result, TrainError};

/// Cross-entropy of `logits` `[n, classes]` against `targets` `[n]` (class ids, any integer
/// dtype). `class_weights` `[classes]` rescales each item by the weight of its true class
/// (counter class imbalance); `mask` `[n]` (1 = count, 0 = ignore) drops padding.
pub fn cross_entropy(
    logits: &Tensor,
    targets: &Tensor,
    class_weights: Option<&Tensor>,
    mask: Option<&Tensor>,
) -> Result<Tensor> {
    let (n, c) = logits.dims2()?;
    if targets.dims() != [n] {
        return Err(TrainError::Input(format!(
            "targets {:?} do not match logits {:?}",
            targets.dims(),
            logits.dims()
        )));
    }
    let targets = targets.to_dtype(DType::U32)?;
    if n > 0 {
        let max = targets.max(0)?.to_scalar::<u32>()? as usize;
        if max >= c {
            return Err(TrainError::Input(format!(
                "class id {max} but only {c} classes"
            )));
        }
    }
    let logp = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let picked = logp.gather(&targets.unsqueeze(1)?, 1)?.squeeze(1)?; // [n]
    let mut w = Tensor::ones(n, logits.dtype(), logits.device())?;
    if let Some(cw) = class_weights {
        if cw.dims() != [c] {
            return Err(TrainError::Input(format!(
                "class weights {:?} for {c} classes",
                cw.dims()
            )));
        }
        w = cw.to_dtype(logits.dtype())?.gather(&targets, 0)?;
    }
    if let Some(m) = mask {
        if m.dims() != [n] {
            return Err(TrainError::Input(format!(
                "mask {:?} for {n} items",
                m.dims()
            )));
        }
        w = (w * m.to_dtype(logits.dtype())?)?;
    }
    weighted_mean(&picked.neg()?, &w)
}

/// Binary cross-entropy with logits, `logits` and `targets` `[n, labels]` (targets in [0, 1]).
/// `pos_weight` `[labels]` multiplies the positive term of each label (PyTorch's `pos_weight`:
/// use negatives/positives to balance a rare label). `mask` `[n]` or `[n, labels]`.
/// Numerically stable: `(1-y)·x + (1 + (w-1)·y)·(log1p(exp(-|x|)) + max(-x, 0))`.
pub fn bce_with_logits(
    logits: &Tensor,
    targets: &Tensor,
    pos_weight: Option<&Tensor>,
    mask: Option<&Tensor>,
) -> Result<Tensor> {
    let (n, l) = logits.dims2()?;
    if targets.dims() != [n, l] {
        return Err(TrainError::Input(format!(
            "targets {:?} do not match logits {:?}",
            targets.dims(),
            logits.dims()
        )));
    }
    let dt = logits.dtype();
    let y = targets.to_dtype(dt)?;
    let x = logits;
    // log(1 + exp(-|x|)) + max(-x, 0) = softplus(-x), stable for large |x|.
    let softplus_neg = ((x.abs()?.neg()?.exp()? + 1.0)?.log()? + x.neg()?.relu()?)?;
    let log_weight = match pos_weight {
        Some(pw) => {
            if pw.dims() != [l] {
                return Err(TrainError::Input(format!(
                    "pos_weight {:?} for {l} labels",
                    pw.dims()
                )));
            }
            let pw = pw.to_dtype(dt)?;
            (y.broadcast_mul(&(pw - 1.0)?)? + 1.0)?
        }
        None => y.ones_like()?,
    };
    let loss = ((y.ones_like()? - &y)?.mul(x)? + log_weight.mul(&softplus_neg)?)?;
    let w = match mask {
        None => loss.ones_like()?,
        Some(m) if m.dims() == [n] => m.to_dtype(dt)?.unsqueeze(1)?.broadcast_as((n, l))?,
        Some(m) if m.dims() == [n, l] => m.to_dtype(dt)?,
        Some(m) => {
            return Err(TrainError::Input(format!(
                "mask {:?} for logits {:?}",
                m.dims(),
                logits.dims()
            )))
        }
    };
    weighted_mean(&loss.flatten_all()?, &w.flatten_all()?)
}

/// `sum(v * w) / sum(w)`, or 0 when `sum(w)` is 0.
fn weighted_mean(v: &Tensor, w: &Tensor) -> Result<Tensor> {
    let num = v.mul(w)?.sum_all()?;
    let den = w.sum_all()?;
    let den_v = den.to_dtype(DType::F32)?.to_scalar::<f32>()?;
    if den_v <= 0.0 {
        return Ok((num * 0.0)?);
    }
    Ok(num.broadcast_div(&den)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn s(t: &Tensor) -> f32 {
        t.to_scalar::<f32>().unwrap()
    }

    #[test]
    fn cross_entropy_matches_hand_computation() {
        let dev = Device::Cpu;
        let logits = Tensor::new(&[[2f32, 0.0], [0.0, 1.0], [1.0, 1.0]], &dev).unwrap();
        let y = Tensor::new(&[0u32, 1, 0], &dev).unwrap();
        let nll = |a: f32, b: f32, k: usize| {
            let z = (a.exp() + b.exp()).ln();
            z - if k == 0 { a } else { b }
        };
        let l = [nll(2., 0., 0), nll(0., 1., 1), nll(1., 1., 0)];
        let plain = cross_entropy(&logits, &y, None, None).unwrap();
        assert!((s(&plain) - (l[0] + l[1] + l[2]) / 3.0).abs() < 1e-5);
        // Class weights [1, 3]: PyTorch's weighted mean divides by the weights' sum.
        let cw = Tensor::new(&[1f32, 3.0], &dev).unwrap();
        let wl = cross_entropy(&logits, &y, Some(&cw), None).unwrap();
        assert!((s(&wl) - (l[0] + 3.0 * l[1] + l[2]) / 5.0).abs() < 1e-5);
        // Mask drops the last item.
        let m = Tensor::new(&[1f32, 1.0, 0.0], &dev).unwrap();
        let ml = cross_entropy(&logits, &y, None, Some(&m)).unwrap();
        assert!((s(&ml) - (l[0] + l[1]) / 2.0).abs() < 1e-5);
        // Everything masked: 0, not NaN.
        let z = Tensor::zeros(3, DType::F32, &dev).unwrap();
        assert_eq!(s(&cross_entropy(&logits, &y, None, Some(&z)).unwrap()), 0.0);
        // Bad inputs are errors.
        let bad = Tensor::new(&[0u32, 2, 0], &dev).unwrap();
        assert!(cross_entropy(&logits, &bad, None, None).is_err());
        assert!(cross_entropy(&logits, &y, Some(&m), None).is_err());
    }

    #[test]
    fn bce_matches_hand_computation_and_is_stable() {
        let dev = Device::Cpu;
        let x = Tensor::new(&[[0.5f32, -1.0], [100.0, -100.0]], &dev).unwrap();
        let y = Tensor::new(&[[1f32, 0.0], [0.0, 1.0]], &dev).unwrap();
        let sp = |v: f32| (1.0 + v.exp()).ln();
        let e = [sp(-0.5), sp(-1.0), 100.0, 100.0];
        let l = bce_with_logits(&x, &y, None, None).unwrap();
        assert!(
            (s(&l) - e.iter().sum::<f32>() / 4.0).abs() < 1e-3,
            "{}",
            s(&l)
        );
        // pos_weight multiplies only positive targets' terms.
        let pw = Tensor::new(&[2f32, 3.0], &dev).unwrap();
        let lw = bce_with_logits(&x, &y, Some(&pw), None).unwrap();
        let ew = (2.0 * e[0] + e[1] + e[2] + 3.0 * e[3]) / 4.0;
        assert!((s(&lw) - ew).abs() < 1e-3);
        // Row mask.
        let m = Tensor::new(&[1f32, 0.0], &dev).unwrap();
        let lm = bce_with_logits(&x, &y, None, Some(&m)).unwrap();
        assert!((s(&lm) - (e[0] + e[1]) / 2.0).abs() < 1e-5);
        assert!(bce_with_logits(&x, &m, None, None).is_err());
    }

    #[test]
    fn losses_have_gradients() {
        let dev = Device::Cpu;
        let v = candle_core::Var::new(&[[0.3f32, -0.2], [0.1, 0.4]], &dev).unwrap();
        let y = Tensor::new(&[1u32, 0], &dev).unwrap();
        let yb = Tensor::new(&[[1f32, 0.0], [0.0, 1.0]], &dev).unwrap();
        let total = (cross_entropy(v.as_tensor(), &y, None, None).unwrap()
            + bce_with_logits(v.as_tensor(), &yb, None, None).unwrap())
        .unwrap();
        let g = total.backward().unwrap();
        let gv = g.get(v.as_tensor()).unwrap().to_vec2::<f32>().unwrap();
        // d CE / d logit of the true class is p - 1 < 0; BCE: sigmoid(x) - y.
        assert!(gv[0][1] < 0.0 && gv[1][0] < 0.0);
        assert!(gv.iter().flatten().all(|g| g.is_finite() && *g != 0.0));
    }
}
