//! Scorers that match the official SemEval-2023 Task 3 ones, and span scoring with the SemEval-2020
//! Task 11 partial-overlap credit.
//!
//! - Subtask 1 (genre): macro-F1 over the labels present in gold or prediction (sklearn
//!   `f1_score(average="macro", zero_division=1)`), micro-F1 reported too.
//! - Subtask 2 (frames) and 3 (paragraph techniques): the label sets are binarised over the official
//!   label list and scored with micro-F1 (sklearn `average="micro"`): for subtask 3 that is F1 over
//!   (article, paragraph, technique) triples; paragraphs with no technique count as rows with no
//!   positives. Macro-F1 is reported too.
//! - Spans: for every predicted span `s` and gold span `t` of the same article and technique,
//!   `C(s, t, h) = |s ∩ t| / h`; precision = Σ_s Σ_t C(s, t, |s|) / |S|, recall =
//!   Σ_t Σ_s C(s, t, |t|) / |T|. Overlapping spans of the same technique in one article are merged
//!   first (as the 2020 scorer merged spans), so one stretch of text is never credited twice.

pub mod basil;
mod files;
pub mod measure;
mod metrics;
pub mod quotes;
pub mod semeval;
pub mod shift;

pub use files::{
    read_multilabel, read_paragraph_labels, read_single_label, read_spans, EvalError, GoldSpan,
};
pub use metrics::{
    score_multilabel, score_single_label, score_spans, LabelScore, MultiLabelScores,
    SingleLabelScores, SpanScores,
};
