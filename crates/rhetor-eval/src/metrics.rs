//! The metrics themselves, over in-memory labels.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::GoldSpan;

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelScore {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Gold occurrences.
    pub support: usize,
    /// Predicted occurrences.
    pub predicted: usize,
}

/// Counts → P/R/F1 with sklearn's `zero_division=1` convention for empty denominators.
fn prf(tp: f64, fp: f64, fn_: f64) -> (f64, f64, f64) {
    let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 };
    let r = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 1.0 };
    let f = if 2.0 * tp + fp + fn_ > 0.0 {
        2.0 * tp / (2.0 * tp + fp + fn_)
    } else {
        1.0
    };
    (p, r, f)
}

/// Confusion counts of one label over (is gold, is predicted) decisions: the label's scores and
/// its (tp, fp, fn) for micro-averaging.
fn label_score(
    label: &str,
    decisions: impl Iterator<Item = (bool, bool)>,
) -> (LabelScore, [f64; 3]) {
    let mut c = [0.0f64; 3];
    let (mut support, mut predicted) = (0, 0);
    for (is_g, is_p) in decisions {
        support += is_g as usize;
        predicted += is_p as usize;
        match (is_g, is_p) {
            (true, true) => c[0] += 1.0,
            (false, true) => c[1] += 1.0,
            (true, false) => c[2] += 1.0,
            _ => {}
        }
    }
    let (precision, recall, f1) = prf(c[0], c[1], c[2]);
    let score = LabelScore {
        label: label.to_string(),
        precision,
        recall,
        f1,
        support,
        predicted,
    };
    (score, c)
}

/// Scores of a single-label task (subtask 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SingleLabelScores {
    /// The official metric of subtask 1.
    pub macro_f1: f64,
    pub micro_f1: f64,
    pub accuracy: f64,
    /// Gold items without a prediction (counted as wrong).
    pub missing: usize,
    pub per_label: Vec<LabelScore>,
}

/// Subtask 1: macro-F1 over the labels that occur in gold or prediction.
pub fn score_single_label(
    gold: &BTreeMap<String, String>,
    pred: &BTreeMap<String, String>,
) -> SingleLabelScores {
    let mut labels: BTreeSet<&str> = gold.values().map(String::as_str).collect();
    labels.extend(
        pred.iter()
            .filter(|(id, _)| gold.contains_key(*id))
            .map(|(_, l)| l.as_str()),
    );
    let mut per_label = Vec::new();
    let (mut correct, mut missing) = (0usize, 0usize);
    for (id, g) in gold {
        match pred.get(id) {
            Some(p) if p == g => correct += 1,
            Some(_) => {}
            None => missing += 1,
        }
    }
    for label in &labels {
        let decisions = gold.iter().map(|(id, g)| {
            let p = pred.get(id).map(String::as_str);
            (g == label, p == Some(*label))
        });
        per_label.push(label_score(label, decisions).0);
    }
    let macro_f1 = mean(per_label.iter().map(|s| s.f1));
    let accuracy = if gold.is_empty() {
        0.0
    } else {
        correct as f64 / gold.len() as f64
    };
    SingleLabelScores {
        macro_f1,
        // With exactly one label per item, micro-F1 equals accuracy over the gold items.
        micro_f1: accuracy,
        accuracy,
        missing,
        per_label,
    }
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        0.0
    } else {
        s / n as f64
    }
}

/// Scores of a multi-label task (subtasks 2 and 3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiLabelScores {
    /// The official metric of subtasks 2 and 3.
    pub micro_f1: f64,
    pub micro_precision: f64,
    pub micro_recall: f64,
    /// Mean F1 over all `labels` (sklearn convention: a label absent from gold and prediction
    /// scores 1).
    pub macro_f1: f64,
    /// Gold rows without a prediction line (scored as empty predictions).
    pub missing: usize,
    /// Prediction rows with no gold row (ignored).
    pub extra: usize,
    pub per_label: Vec<LabelScore>,
}

/// Subtasks 2 and 3: binarise label sets over `labels` and count over every gold row.
pub fn score_multilabel<K: Ord>(
    gold: &BTreeMap<K, Vec<String>>,
    pred: &BTreeMap<K, Vec<String>>,
    labels: &[&str],
) -> MultiLabelScores {
    let empty = Vec::new();
    let missing = gold.keys().filter(|k| !pred.contains_key(*k)).count();
    let extra = pred.keys().filter(|k| !gold.contains_key(*k)).count();
    let mut total = [0.0f64; 3];
    let mut per_label = Vec::new();
    for label in labels {
        let decisions = gold.iter().map(|(k, g)| {
            let p = pred.get(k).unwrap_or(&empty);
            (g.iter().any(|x| x == label), p.iter().any(|x| x == label))
        });
        let (score, c) = label_score(label, decisions);
        for i in 0..3 {
            total[i] += c[i];
        }
        per_label.push(score);
    }
    let (micro_precision, micro_recall, micro_f1) = prf(total[0], total[1], total[2]);
    MultiLabelScores {
        micro_f1,
        micro_precision,
        micro_recall,
        macro_f1: mean(per_label.iter().map(|s| s.f1)),
        missing,
        extra,
        per_label,
    }
}

/// Span scores with partial-overlap credit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpanScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub gold_spans: usize,
    pub predicted_spans: usize,
    pub per_technique: Vec<LabelScore>,
}

/// Merge overlapping or touching spans of the same (article, technique).
pub(crate) fn merged(spans: &[GoldSpan]) -> Merged {
    let mut groups: BTreeMap<(String, String), Vec<(usize, usize)>> = BTreeMap::new();
    for s in spans.iter().filter(|s| s.end > s.start) {
        groups
            .entry((s.id.clone(), s.technique.clone()))
            .or_default()
            .push((s.start, s.end));
    }
    for v in groups.values_mut() {
        v.sort_unstable();
        let mut out: Vec<(usize, usize)> = Vec::with_capacity(v.len());
        for &(s, e) in v.iter() {
            match out.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
        *v = out;
    }
    groups
}

fn overlap(a: (usize, usize), b: (usize, usize)) -> usize {
    a.1.min(b.1).saturating_sub(a.0.max(b.0))
}

/// Sum over `xs` of the fraction of each span covered by `ys`, and the number of spans in `xs`.
pub(crate) fn credit(xs: &[(usize, usize)], ys: &[(usize, usize)]) -> f64 {
    xs.iter()
        .map(|&x| {
            let covered: usize = ys.iter().map(|&y| overlap(x, y)).sum();
            covered as f64 / (x.1 - x.0) as f64
        })
        .sum()
}

/// Spans merged per (article, technique): see [`merged`].
pub(crate) type Merged = BTreeMap<(String, String), Vec<(usize, usize)>>;

/// Per technique: precision credit, predicted spans, recall credit and gold spans, each span
/// counted `weight(article id)` times (SemEval-2020 partial-overlap credit).
pub(crate) fn span_credits<'a>(
    g: &'a Merged,
    p: &'a Merged,
    weight: &dyn Fn(&str) -> f64,
) -> BTreeMap<&'a str, [f64; 4]> {
    let none = Vec::new();
    let mut per: BTreeMap<&str, [f64; 4]> = BTreeMap::new();
    for ((id, t), ps) in p {
        let w = weight(id);
        let gs = g.get(&(id.clone(), t.clone())).unwrap_or(&none);
        let e = per.entry(t.as_str()).or_default();
        e[0] += w * credit(ps, gs);
        e[1] += w * ps.len() as f64;
    }
    for ((id, t), gs) in g {
        let w = weight(id);
        let ps = p.get(&(id.clone(), t.clone())).unwrap_or(&none);
        let e = per.entry(t.as_str()).or_default();
        e[2] += w * credit(gs, ps);
        e[3] += w * gs.len() as f64;
    }
    per
}

/// SemEval-2020 Task 11 style span scoring, techniques must match.
pub fn score_spans(gold: &[GoldSpan], pred: &[GoldSpan]) -> SpanScores {
    let g = merged(gold);
    let p = merged(pred);
    let per = span_credits(&g, &p, &|_| 1.0);
    let techs: BTreeSet<&str> = per.keys().copied().collect();
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let f = |p: f64, r: f64| {
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    };
    let mut tot = [0.0f64; 4];
    let mut per_technique = Vec::new();
    for t in techs {
        let c = per.get(t).copied().unwrap_or_default();
        for i in 0..4 {
            tot[i] += c[i];
        }
        let (precision, recall) = (ratio(c[0], c[1]), ratio(c[2], c[3]));
        per_technique.push(LabelScore {
            label: t.to_string(),
            precision,
            recall,
            f1: f(precision, recall),
            support: c[3] as usize,
            predicted: c[1] as usize,
        });
    }
    let (precision, recall) = (ratio(tot[0], tot[1]), ratio(tot[2], tot[3]));
    SpanScores {
        precision,
        recall,
        f1: f(precision, recall),
        gold_spans: tot[3] as usize,
        predicted_spans: tot[1] as usize,
        per_technique,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: &str, t: &str, s: usize, e: usize) -> GoldSpan {
        GoldSpan {
            id: id.into(),
            technique: t.into(),
            start: s,
            end: e,
        }
    }

    #[test]
    fn genre_macro_f1_by_hand() {
        let g: BTreeMap<_, _> = [("1", "opinion"), ("2", "reporting"), ("3", "reporting")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let p: BTreeMap<_, _> = [("1", "opinion"), ("2", "opinion"), ("3", "reporting")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let s = score_single_label(&g, &p);
        // opinion: tp1 fp1 fn0 → F1 2/3; reporting: tp1 fp0 fn1 → F1 2/3.
        assert!((s.macro_f1 - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.accuracy - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn micro_f1_counts_pairs_and_missing_rows() {
        let labels = ["A", "B", "C"];
        let mut g = BTreeMap::new();
        g.insert(
            ("1".to_string(), 1usize),
            vec!["A".to_string(), "B".to_string()],
        );
        g.insert(("1".to_string(), 3usize), vec![]);
        g.insert(("2".to_string(), 1usize), vec!["C".to_string()]);
        let mut p = BTreeMap::new();
        p.insert(("1".to_string(), 1usize), vec!["A".to_string()]);
        p.insert(("1".to_string(), 3usize), vec!["C".to_string()]);
        let s = score_multilabel(&g, &p, &labels);
        // tp=1 (A), fp=1 (C at 1/3), fn=2 (B, C at 2/1) → micro F1 = 2/(2+1+2) = 0.4
        assert!((s.micro_f1 - 0.4).abs() < 1e-12);
        assert_eq!(s.missing, 1);
    }

    #[test]
    fn span_partial_credit() {
        let gold = vec![span("1", "Doubt", 0, 10)];
        let pred = vec![
            span("1", "Doubt", 5, 15),
            span("1", "Loaded_Language", 0, 10),
        ];
        let s = score_spans(&gold, &pred);
        // precision: (5/10 + 0) / 2 = 0.25; recall: 5/10 = 0.5
        assert!((s.precision - 0.25).abs() < 1e-12);
        assert!((s.recall - 0.5).abs() < 1e-12);
        let perfect = score_spans(&gold, &gold);
        assert!((perfect.f1 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn overlapping_predictions_are_not_credited_twice() {
        let gold = vec![span("1", "Doubt", 0, 10)];
        let pred = vec![span("1", "Doubt", 0, 10), span("1", "Doubt", 0, 10)];
        let s = score_spans(&gold, &pred);
        assert!((s.precision - 1.0).abs() < 1e-12);
        assert!((s.recall - 1.0).abs() < 1e-12);
    }

    proptest::proptest! {
        #[test]
        fn span_scores_are_bounded(spans in proptest::collection::vec((0usize..50, 1usize..20, 0usize..2), 0..12),
                                   preds in proptest::collection::vec((0usize..50, 1usize..20, 0usize..2), 0..12)) {
            let to = |v: &Vec<(usize, usize, usize)>| v.iter().map(|&(s, l, t)| span("a", ["Doubt", "Slogans"][t], s, s + l)).collect::<Vec<_>>();
            let s = score_spans(&to(&spans), &to(&preds));
            proptest::prop_assert!((0.0..=1.0 + 1e-9).contains(&s.precision));
            proptest::prop_assert!((0.0..=1.0 + 1e-9).contains(&s.recall));
        }
    }
}
