//! Precision of the attributions shown by default on hand-labelled real articles (BASIL news and
//! the extraction benchmark's pages; `hand_labels.tsv` holds offsets, hashes and labels only).
//! Skipped with a message when `../shared/data` is absent, except under `CI=true`, where the data
//! must be there.

mod common;

use std::path::PathBuf;

use common::hand;
use rhetor_quotes::QuoteAnalyzer;

#[test]
fn shown_attributions_are_mostly_right() {
    let data = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !data.join("basil").is_dir() || !data.join("article-extraction-benchmark").is_dir() {
        assert!(!ci, "CI=true but the data is not at {}", data.display());
        eprintln!(
            "skipping: BASIL / extraction benchmark not found under {}",
            data.display()
        );
        return;
    }
    let labels = hand::read_labels(include_str!("hand_labels.tsv")).expect("labels parse");
    let mut articles = hand::load(&data).expect("articles load");
    let an = QuoteAnalyzer::load().expect("bundled models");
    let tallies = hand::score(&mut articles, &labels, |a| an.annotate(a)).expect("same texts");
    let mut keys: Vec<_> = tallies.keys().cloned().collect();
    keys.sort();
    for k in &keys {
        eprintln!("{:6} {:15} {}", k.0, k.1, tallies[k].line());
    }
    // The bars are checked on the fresh batches: `fresh` (labelled after the rules and the
    // threshold were chosen on `tune`; read again to fix the speaker rules, so a development
    // figure now), `fresh2` and `fresh3` (each labelled after the rules of its time were frozen,
    // then read to fix the next rules; the fitted speaker confidence, `rhetor_quotes::calibrate`,
    // learnt from them), `fresh4` (held out of that fit's final weights; in its cross-validation)
    // and `fresh5` (labelled after the fit was frozen, 2026-11-30 06:10 UTC: 96.4 % of the direct
    // quotes and 86.0 % of the indirect and mixed ones with the right speaker). Shown
    // attributions without a label (a rule change shows new ones) are reported, and at least
    // 80 % of those shown must be labelled for the figures to mean much.
    for ((batch, group), t) in &tallies {
        if !matches!(
            batch.as_str(),
            "fresh" | "fresh2" | "fresh3" | "fresh4" | "fresh5"
        ) {
            continue;
        }
        assert!(
            t.labelled * 100 >= t.shown * 80,
            "{batch} {group}: {}",
            t.line()
        );
        if *group == "direct" {
            assert!(
                t.speaker * 100 >= t.labelled * 85,
                "{batch} {group}: {}",
                t.line()
            );
        } else {
            assert!(
                t.real * 100 >= t.labelled * 85,
                "{batch} {group}: {}",
                t.line()
            );
            // Issue 15 asks for 75 %; with the fitted confidence every fresh batch is above it
            // (84.5–91.4 %).
            let bar = 75;
            assert!(
                t.speaker * 100 >= t.labelled * bar,
                "{batch} {group}: {}",
                t.line()
            );
        }
    }
}
