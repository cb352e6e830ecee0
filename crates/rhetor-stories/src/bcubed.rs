//! B-cubed precision, recall and F1 (Bagga and Baldwin 1998; Amigó et al. 2009): for each item,
//! precision is the share of its predicted cluster that shares its gold cluster, recall the share
//! of its gold cluster that shares its predicted cluster; both averaged over items. Unlike pair
//! counting, it does not let the largest clusters dominate.

use std::collections::HashMap;
use std::hash::Hash;

/// B-cubed scores, each in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BCubed {
    /// Mean per-item precision.
    pub precision: f64,
    /// Mean per-item recall.
    pub recall: f64,
    /// Harmonic mean of the two means.
    pub f1: f64,
}

/// Scores predicted cluster labels against gold labels, item `i` being `pred[i]` / `gold[i]`.
/// Items beyond the shorter slice are ignored; no items scores 1 (nothing to get wrong).
pub fn bcubed<P: Eq + Hash, G: Eq + Hash>(pred: &[P], gold: &[G]) -> BCubed {
    let n = pred.len().min(gold.len());
    if n == 0 {
        return BCubed {
            precision: 1.0,
            recall: 1.0,
            f1: 1.0,
        };
    }
    let mut pred_size: HashMap<&P, usize> = HashMap::new();
    let mut gold_size: HashMap<&G, usize> = HashMap::new();
    let mut both: HashMap<(&P, &G), usize> = HashMap::new();
    for (p, g) in pred.iter().zip(gold).take(n) {
        *pred_size.entry(p).or_default() += 1;
        *gold_size.entry(g).or_default() += 1;
        *both.entry((p, g)).or_default() += 1;
    }
    let (mut ps, mut rs) = (0.0, 0.0);
    for (p, g) in pred.iter().zip(gold).take(n) {
        let shared = both[&(p, g)] as f64;
        ps += shared / pred_size[&p] as f64;
        rs += shared / gold_size[&g] as f64;
    }
    let precision = ps / n as f64;
    let recall = rs / n as f64;
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    BCubed {
        precision,
        recall,
        f1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_degenerate() {
        let g = [1, 1, 2, 2, 3];
        assert_eq!(bcubed(&g, &g).f1, 1.0);
        // Everything in one cluster: recall 1, precision (2*2/5 + 2*2/5 + 1*1/5)/5.
        let one = [0; 5];
        let s = bcubed(&one, &g);
        assert!((s.recall - 1.0).abs() < 1e-12);
        assert!((s.precision - (0.4 + 0.4 + 0.4 + 0.4 + 0.2) / 5.0).abs() < 1e-12);
        // Singletons: precision 1.
        let single = [0, 1, 2, 3, 4];
        let s = bcubed(&single, &g);
        assert!((s.precision - 1.0).abs() < 1e-12);
        assert!((s.recall - (0.5 + 0.5 + 0.5 + 0.5 + 1.0) / 5.0).abs() < 1e-12);
        let empty: [u8; 0] = [];
        assert_eq!(bcubed(&empty, &empty).f1, 1.0);
    }

    #[test]
    fn labels_are_just_names() {
        let g = ["a", "a", "b"];
        let p = [7, 7, 9];
        assert_eq!(bcubed(&p, &g).f1, 1.0);
    }
}
