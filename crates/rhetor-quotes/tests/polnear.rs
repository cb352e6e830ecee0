//! On real PolNeAR dev articles (skipped when ../shared/data/polnear is absent): offsets stay in
//! bounds on every article and on truncated copies, and the scores stay near the measured ones.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rhetor_doc::Article;
use rhetor_eval::quotes::{read_polnear, score_quotes, PredQuote};
use rhetor_quotes::QuoteAnalyzer;

fn dev_dir() -> Option<PathBuf> {
    let d = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/polnear/data/dev"
    ));
    if d.join("text").is_dir() {
        Some(d)
    } else {
        // In CI a missing dataset is a failure, never a skip.
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but {} is missing",
            d.display()
        );
        eprintln!("skipping: PolNeAR not found at {}", d.display());
        None
    }
}

#[test]
fn dev_articles_score_and_offsets_hold() {
    let Some(dir) = dev_dir() else { return };
    let gold = read_polnear(&dir).expect("PolNeAR dev reads");
    let an = QuoteAnalyzer::load().expect("bundled model");
    let mut pred: BTreeMap<String, Vec<PredQuote>> = BTreeMap::new();
    for g in &gold {
        let mut a = Article::new(g.id.clone(), "-", g.text.clone());
        an.annotate(&mut a);
        let n = a.text.chars().count();
        for q in &a.quotes {
            assert!(q.start < q.end && q.end <= n, "{}: {q:?}", g.id);
            if let (Some(s), Some(e)) = (q.speaker_start, q.speaker_end) {
                assert!(s < e && e <= n);
            }
        }
        let v = serde_json::to_value(&a.quotes).unwrap();
        pred.insert(g.id.clone(), serde_json::from_value(v).unwrap());
    }
    let s = score_quotes(&gold, &pred);
    // The figures, for before/after comparisons (`cargo test --release -p rhetor-quotes --test
    // polnear -- --nocapture`).
    eprintln!(
        "PolNeAR dev: direct F1 {:.3}, speaker accuracy {:.3}, all attributions F1 {:.3}",
        s.direct.f1, s.speaker_accuracy, s.all.f1
    );
    assert!(s.direct.f1 > 0.85, "{s:?}");
    assert!(s.speaker_accuracy > 0.8, "{s:?}");
    assert!(s.all.f1 > 0.6, "{s:?}");
}

#[test]
fn truncated_articles_never_panic() {
    let Some(dir) = dev_dir() else { return };
    let gold = read_polnear(&dir).expect("PolNeAR dev reads");
    let an = QuoteAnalyzer::load().expect("bundled model");
    for g in gold.iter().take(2) {
        let chars: Vec<char> = g.text.chars().collect();
        for k in 1..20 {
            let cut = chars.len() * k / 20;
            let mut a = Article::new("t", "-", chars[..cut].iter().collect::<String>());
            an.annotate(&mut a);
            assert!(a.quotes.iter().all(|q| q.end <= cut));
        }
    }
}
