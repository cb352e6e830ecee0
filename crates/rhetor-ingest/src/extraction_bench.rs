//! The metric of the Zyte (Scrapinghub) article-extraction benchmark, so that our main-content
//! extraction is scored exactly as the published figures are, plus a loader for the benchmark's files.
//!
//! The metric, as in the benchmark's `evaluate.py`:
//! - words are runs of Python `\w` characters (Unicode letters, numbers and `_`), case kept;
//! - a text's shingles are its runs of 4 consecutive words (a text of 1–3 words is one shingle of all
//!   of them; a text without words has none), counted with multiplicity;
//! - per page, TP = Σ min(true, pred), FP = Σ max(0, pred − true), FN = Σ max(0, true − pred) over all
//!   shingles, then normalised so that TP + FP + FN = 1 (long pages weigh no more than short ones);
//! - precision is the mean over pages with TP + FP > 0 (a page where nothing was extracted does not
//!   count toward precision, only toward recall), recall the mean over pages with TP + FN > 0; a page
//!   with FP = FN = 0 scores 1, one with TP = 0 scores 0;
//! - F1 = 2PR / (P + R) of those two means.
//!
//! Used by `examples/extraction_benchmark.rs` and by the test that scores the real benchmark when
//! `../shared/data` is present.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use once_cell::sync::Lazy;
use regex::Regex;

/// Python's `\w` on `str`: letters (L*), numbers (N*) and the underscore. The regex crate's own `\w`
/// also takes combining marks, which would join words that Python splits (e.g. in Devanagari).
static WORD: Lazy<Option<Regex>> = Lazy::new(|| Regex::new(r"[\p{L}\p{N}_]+").ok());

/// Shingle length used by the benchmark.
pub const SHINGLE: usize = 4;

/// The words of a text, as the benchmark tokenises it.
pub fn tokenize(text: &str) -> Vec<&str> {
    match WORD.as_ref() {
        Some(re) => re.find_iter(text).map(|m| m.as_str()).collect(),
        // The pattern is a constant and compiles; this branch only keeps the function total.
        None => Vec::new(),
    }
}

/// Shingles (runs of `n` words joined by a space, which no word contains) with their counts.
pub fn shingles(text: &str, n: usize) -> HashMap<String, usize> {
    let tokens = tokenize(text);
    let n = n.max(1);
    let mut out: HashMap<String, usize> = HashMap::new();
    if tokens.is_empty() {
        return out;
    }
    if tokens.len() < n {
        *out.entry(tokens.join(" ")).or_insert(0) += 1;
        return out;
    }
    for window in tokens.windows(n) {
        *out.entry(window.join(" ")).or_insert(0) += 1;
    }
    out
}

/// Normalised true positives, false positives and false negatives of one page (sum 1, or all 0
/// when both texts are without words).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PageCounts {
    pub tp: f64,
    pub fp: f64,
    pub fn_: f64,
}

impl PageCounts {
    /// Precision of this page, as the benchmark defines it for pages that count (TP + FP > 0).
    pub fn precision(&self) -> f64 {
        if self.fp == 0.0 && self.fn_ == 0.0 {
            1.0
        } else if self.tp == 0.0 && self.fp == 0.0 {
            0.0
        } else {
            self.tp / (self.tp + self.fp)
        }
    }

    /// Recall of this page, as the benchmark defines it for pages that count (TP + FN > 0).
    pub fn recall(&self) -> f64 {
        if self.fp == 0.0 && self.fn_ == 0.0 {
            1.0
        } else if self.tp == 0.0 && self.fn_ == 0.0 {
            0.0
        } else {
            self.tp / (self.tp + self.fn_)
        }
    }
}

/// Compare an extracted body with the ground truth over 4-word shingles.
pub fn page_counts(truth: &str, pred: &str) -> PageCounts {
    let t = shingles(truth, SHINGLE);
    let p = shingles(pred, SHINGLE);
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for (key, &tc) in &t {
        let pc = p.get(key).copied().unwrap_or(0);
        tp += tc.min(pc);
        fn_ += tc.saturating_sub(pc);
        fp += pc.saturating_sub(tc);
    }
    for (key, &pc) in &p {
        if !t.contains_key(key) {
            fp += pc;
        }
    }
    let sum = (tp + fp + fn_) as f64;
    if sum > 0.0 {
        PageCounts {
            tp: tp as f64 / sum,
            fp: fp as f64 / sum,
            fn_: fn_ as f64 / sum,
        }
    } else {
        PageCounts::default()
    }
}

/// Benchmark scores over a set of pages.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Pages scored.
    pub pages: usize,
}

/// Precision and recall as means over the pages that count for each, F1 from the two means.
pub fn scores(pages: &[PageCounts]) -> Scores {
    let mean = |xs: Vec<f64>| {
        if xs.is_empty() {
            0.0
        } else {
            xs.iter().sum::<f64>() / xs.len() as f64
        }
    };
    let precision = mean(
        pages
            .iter()
            .filter(|c| c.tp + c.fp > 0.0)
            .map(PageCounts::precision)
            .collect(),
    );
    let recall = mean(
        pages
            .iter()
            .filter(|c| c.tp + c.fn_ > 0.0)
            .map(PageCounts::recall)
            .collect(),
    );
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Scores {
        precision,
        recall,
        f1,
        pages: pages.len(),
    }
}

/// One page of the benchmark.
#[derive(Debug, Clone)]
pub struct BenchPage {
    pub id: String,
    pub url: Option<String>,
    /// The page's HTML bytes, un-gzipped.
    pub html: Vec<u8>,
    /// The ground-truth `articleBody`.
    pub truth: String,
}

/// Why the benchmark could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("bad ground-truth.json: {0}")]
    Json(String),
}

/// Where the benchmark lives relative to the workspace root: `../shared/data/article-extraction-benchmark`.
pub fn default_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/article-extraction-benchmark")
}

/// Load every page listed in `dir/ground-truth.json` (sorted by id) with its gunzipped HTML.
pub fn load(dir: &Path) -> Result<Vec<BenchPage>, BenchError> {
    let gt_path = dir.join("ground-truth.json");
    let raw = std::fs::read(&gt_path).map_err(|source| BenchError::Io {
        path: gt_path.display().to_string(),
        source,
    })?;
    let gt: HashMap<String, serde_json::Value> =
        serde_json::from_slice(&raw).map_err(|e| BenchError::Json(e.to_string()))?;
    let mut ids: Vec<&String> = gt.keys().collect();
    ids.sort();
    let mut pages = Vec::with_capacity(ids.len());
    for id in ids {
        let entry = &gt[id];
        let truth = entry
            .get("articleBody")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        let url = entry
            .get("url")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let path = dir.join("html").join(format!("{id}.html.gz"));
        let io_err = |source| BenchError::Io {
            path: path.display().to_string(),
            source,
        };
        let gz = std::fs::read(&path).map_err(io_err)?;
        let mut html = Vec::new();
        flate2::read::MultiGzDecoder::new(&gz[..])
            .read_to_end(&mut html)
            .map_err(|source| BenchError::Io {
                path: path.display().to_string(),
                source,
            })?;
        pages.push(BenchPage {
            id: id.clone(),
            url,
            html,
            truth,
        });
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn tokenize_takes_unicode_words_and_drops_punctuation() {
        assert_eq!(
            tokenize("Ça va, l'été_2 — 42%!"),
            vec!["Ça", "va", "l", "été_2", "42"]
        );
        assert!(tokenize(" ,.;— ").is_empty());
    }

    #[test]
    fn short_texts_are_one_shingle_and_empty_has_none() {
        let s = shingles("one two", 4);
        assert_eq!(s.len(), 1);
        assert_eq!(s.get("one two"), Some(&1));
        assert!(shingles("...", 4).is_empty());
        let s = shingles("a b c d e", 4);
        assert_eq!(s.len(), 2);
        assert!(s.contains_key("a b c d") && s.contains_key("b c d e"));
    }

    #[test]
    fn shingles_count_repeats() {
        let s = shingles("a b c d a b c d", 4);
        assert_eq!(s.get("a b c d"), Some(&2));
        assert_eq!(s.values().sum::<usize>(), 5);
    }

    #[test]
    fn identical_texts_are_perfect() {
        let c = page_counts("the cat sat on the mat", "The cat sat on the mat");
        // Case matters: "The cat sat on" differs from "the cat sat on".
        assert!(c.fp > 0.0 && c.fn_ > 0.0);
        let c = page_counts("the cat sat on the mat", "the cat, sat on the mat!");
        assert_eq!(
            c,
            PageCounts {
                tp: 1.0,
                fp: 0.0,
                fn_: 0.0
            }
        );
        assert!(close(c.precision(), 1.0) && close(c.recall(), 1.0));
    }

    #[test]
    fn extra_and_missing_words_are_normalised() {
        // truth: 3 shingles (a b c d, b c d e, c d e f); pred adds "g": 4 shingles, 3 shared.
        let c = page_counts("a b c d e f", "a b c d e f g");
        assert!(close(c.tp, 3.0 / 4.0) && close(c.fp, 1.0 / 4.0) && close(c.fn_, 0.0));
        assert!(close(c.precision(), 0.75) && close(c.recall(), 1.0));
        // pred misses the last word: 2 of 3 shingles found, none extra.
        let c = page_counts("a b c d e f", "a b c d e");
        assert!(close(c.tp, 2.0 / 3.0) && close(c.fn_, 1.0 / 3.0) && close(c.fp, 0.0));
        assert!(close(c.precision(), 1.0) && close(c.recall(), 2.0 / 3.0));
    }

    #[test]
    fn empty_prediction_counts_for_recall_only() {
        let empty = page_counts("a b c d e", "");
        assert!(close(empty.fn_, 1.0));
        let perfect = page_counts("a b c d e", "a b c d e");
        let s = scores(&[empty, perfect]);
        // Precision: only the perfect page counts. Recall: (0 + 1) / 2.
        assert!(close(s.precision, 1.0));
        assert!(close(s.recall, 0.5));
        assert!(close(s.f1, 2.0 * 0.5 / 1.5));
        assert_eq!(s.pages, 2);
    }

    #[test]
    fn f1_comes_from_the_means_not_from_page_f1s() {
        // Page 1: P = 1, R = 0.5. Page 2: P = 0.5, R = 1. Means 0.75 and 0.75: F1 0.75.
        let p1 = page_counts("a b c d e f g h i", "a b c d e f");
        let p2 = page_counts("a b c d e f", "a b c d e f g h i");
        assert!(close(p1.recall(), 0.5) && close(p1.precision(), 1.0));
        assert!(close(p2.precision(), 0.5) && close(p2.recall(), 1.0));
        let s = scores(&[p1, p2]);
        assert!(close(s.f1, 0.75));
    }

    #[test]
    fn no_pages_score_zero() {
        let s = scores(&[]);
        assert_eq!(s.pages, 0);
        assert!(close(s.f1, 0.0));
    }
}
