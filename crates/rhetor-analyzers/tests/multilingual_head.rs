//! The shipped multilingual paragraph head (`models/techniques/multilingual.json`, made by
//! `rhetor-train`'s `examples/multilingual_head.rs`): it is consistent with the taxonomy, it only
//! adds techniques that the English training data never uses (the English model cannot predict
//! them), and its recorded validation says it raises the label-shifted subtask-3 estimate. The
//! English check needs `../shared/data` (skipped with a message without it; a failure under
//! `CI=true`).

use std::collections::BTreeSet;

use rhetor_analyzers::multilingual::{MultilingualHead, INPUT};
use rhetor_analyzers::pipeline::default_model_dir;
use rhetor_doc::taxonomy::TECHNIQUES;
use rhetor_eval::semeval::{load_language, shared_language_dir, Split};

fn head() -> MultilingualHead {
    MultilingualHead::load(&default_model_dir())
        .expect("multilingual.json reads")
        .expect("models/techniques ships multilingual.json")
}

#[test]
fn the_head_is_consistent_and_validated() {
    let h = head();
    let labels: Vec<&str> = TECHNIQUES.iter().map(|t| t.label).collect();
    assert_eq!(h.labels, labels);
    assert!(h.weights.iter().all(|w| w.len() == INPUT));
    assert!(!h.adds.is_empty());
    for (label, th) in &h.adds {
        assert!(labels.contains(&label.as_str()), "{label}");
        assert!((0.05..0.95).contains(th), "{label}: {th}");
    }
    let score = |k: &str| *h.scores.get(k).unwrap_or_else(|| panic!("score {k}"));
    // Held-out languages, genre-weighted: well above a constant guess, below the in-language
    // figures; the estimate with the head above the English model's alone.
    assert!((0.3..0.5).contains(&score("lolo_weighted_f1")));
    assert!(score("st3_shifted_f1_with_head") > score("st3_shifted_f1_english_model"));
    assert!(score("st3_shifted_f1_with_head_nested") > score("st3_shifted_f1_english_model"));
    // Its labels as paragraph-long spans: taken only when they raise the span estimate, even
    // at 0.6 times the precision measured on the held-out languages.
    if h.paragraph_spans {
        assert!(
            score("spans_shifted_f1_with_head_precision_0_6")
                > score("spans_shifted_f1_english_model")
        );
    }
}

#[test]
fn the_head_only_adds_techniques_english_training_never_uses() {
    let Some(dir) = shared_language_dir("en") else {
        let msg = "multilingual head: ../shared/data/semeval2023/en not found, not checked";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        eprintln!("skipping: {msg}");
        return;
    };
    let used: BTreeSet<String> = load_language(&dir, Split::Train)
        .expect("English training reads")
        .iter()
        .flat_map(|a| a.paragraph_labels.iter().flat_map(|m| m.values().flatten()))
        .cloned()
        .collect();
    for label in head().adds.keys() {
        assert!(!used.contains(label), "{label} is in English training");
    }
}

#[test]
fn the_frame_head_is_consistent_and_beats_the_article_head_under_nested_validation() {
    let h = head();
    let f = h
        .frames
        .as_ref()
        .expect("multilingual.json ships a frame head");
    let (_, frames) = rhetor_analyzers::pipeline::official_labels();
    assert_eq!(f.labels, frames);
    assert!(f
        .weights
        .iter()
        .all(|w| w.len() == rhetor_models::use_m3::DIM));
    assert!((0.0..=1.0).contains(&f.blend));
    assert!((0.2..0.7).contains(&f.threshold), "{}", f.threshold);
    let score = |k: &str| *f.scores.get(k).unwrap_or_else(|| panic!("score {k}"));
    // Chosen on the genre-weighted figure; the nested figure (each fold's setting chosen on
    // the other folds) is what predicts, and it must beat the article head it replaces or
    // joins, weighted and plain.
    assert!(score("nested_weighted_micro_f1") > score("article_head_weighted_micro_f1"));
    assert!(score("nested_plain_micro_f1") > score("article_head_plain_micro_f1"));
    assert!(score("cv_weighted_micro_f1") >= score("nested_weighted_micro_f1"));
    // The head for other languages: shipped only when, each language held out, it beats the
    // English-only head on that language's articles.
    if let Some(o) = &f.other_languages {
        assert_eq!(o.labels, frames);
        assert_eq!(o.blend, 1.0, "the article heads read English only");
        assert!(o.other_languages.is_none());
        let s = |k: &str| *o.scores.get(k).unwrap_or_else(|| panic!("score {k}"));
        assert!(s("lolo_nested_micro_f1") > s("english_only_pooled_micro_f1"));
    }
    // The genre head for other languages: each language held out, above predicting opinion for
    // every article (mean macro-F1 0.27 over the five; the English genre head there: 0.18).
    if let Some(g) = &h.genre {
        let (genres, _) = rhetor_analyzers::pipeline::official_labels();
        assert_eq!(g.labels, genres);
        assert!(g
            .weights
            .iter()
            .all(|w| w.len() == rhetor_models::use_m3::DIM));
        assert!((0.0..=1.0).contains(&g.satire_min));
        let s = *g
            .scores
            .get("lolo_mean_macro_f1")
            .expect("lolo_mean_macro_f1");
        assert!(s > 0.30, "{s}");
    }
}
