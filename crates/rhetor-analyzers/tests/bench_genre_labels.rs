//! The hand-labelled genre of the extraction benchmark's pages (`data/bench_genre.tsv`, see
//! `data/bench_genre.README.md`): the file is well formed and, when `../shared/data` is present,
//! names pages that exist (skipped with a message otherwise; a failure under `CI=true`).

use std::collections::BTreeMap;
use std::path::PathBuf;

const LABELS: &str = include_str!("data/bench_genre.tsv");

fn labels() -> BTreeMap<&'static str, &'static str> {
    let mut out = BTreeMap::new();
    for (n, line) in LABELS.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (id, label) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("line {}: expected id<TAB>label", n + 1));
        assert!(
            ["opinion", "reporting", "other", "unclear"].contains(&label),
            "line {}: unknown label {label:?}",
            n + 1
        );
        assert!(
            id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "line {}: {id:?} is not a benchmark page id",
            n + 1
        );
        assert!(out.insert(id, label).is_none(), "line {}: duplicate", n + 1);
    }
    out
}

#[test]
fn every_page_has_one_label_and_opinion_and_reporting_are_there() {
    let l = labels();
    assert_eq!(l.len(), 181);
    let count = |g: &str| l.values().filter(|x| **x == g).count();
    assert_eq!(count("opinion"), 11);
    assert_eq!(count("reporting"), 108);
}

#[test]
fn the_labelled_pages_exist_in_the_benchmark() {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/article-extraction-benchmark/html"
    ));
    if !dir.is_dir() {
        let msg = format!(
            "bench genre labels: {} not found, not checked",
            dir.display()
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        eprintln!("skipping: {msg}");
        return;
    }
    for id in labels().keys() {
        let page = dir.join(format!("{id}.html.gz"));
        assert!(page.is_file(), "{} is missing", page.display());
    }
}
