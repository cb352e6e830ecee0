//! The outlet's own opinion label (`rhetor_analyzers::outlet`) against articles labelled by
//! hand from their text: the hyperpartisan articles' URLs (`data/hyperpartisan_genre.tsv` and
//! `data/hyperpartisan_genre_fresh.tsv`) and BASIL's 300 news reports. No report may be
//! labelled opinion; some opinion pieces must be.
//! Needs `../shared/data` (skipped with a message without it; a failure under `CI=true`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use rhetor_analyzers::outlet::opinion_label;

fn data() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if dir.join("hyperpartisan").is_dir() && dir.join("basil").is_dir() {
        return Some(dir);
    }
    let msg = format!("outlet labels: {} not found, not checked", dir.display());
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("skipping: {msg}");
    None
}

/// `id → url` from the hyperpartisan ground-truth file (one `<article .../>` element a line).
fn hyperpartisan_urls(xml: &str) -> BTreeMap<String, String> {
    let attr = |el: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let start = el.find(&key)? + key.len();
        let len = el[start..].find('"')?;
        Some(el[start..start + len].to_string())
    };
    xml.split("<article ")
        .skip(1)
        .filter_map(|el| Some((attr(el, "id")?, attr(el, "url")?)))
        .collect()
}

#[test]
fn outlet_labels_mark_opinion_and_never_a_report() {
    let Some(data) = data() else { return };
    let xml = std::fs::read_to_string(
        data.join("hyperpartisan/ground-truth-training-byarticle-20181122.xml"),
    )
    .expect("hyperpartisan ground truth");
    let urls = hyperpartisan_urls(&xml);
    assert_eq!(urls.len(), 645);
    let mut marked: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for line in include_str!("data/hyperpartisan_genre.tsv")
        .lines()
        .chain(include_str!("data/hyperpartisan_genre_fresh.tsv").lines())
    {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        let (Some(id), Some(genre)) = (cols.next(), cols.next()) else {
            panic!("bad label line {line:?}");
        };
        let url = urls.get(id).map(String::as_str);
        let e = marked.entry(genre).or_default();
        e.1 += 1;
        if opinion_label(url, None).is_some() {
            e.0 += 1;
        }
    }
    eprintln!("hyperpartisan articles marked opinion by their outlet, by hand label: {marked:?}");
    assert_eq!(marked["reporting"].0, 0, "a report marked opinion");
    assert_eq!(marked["other"].0, 0, "a non-article marked opinion");
    assert!(marked["opinion"].0 >= 10, "{:?}", marked["opinion"]);

    let basil = rhetor_eval::basil::read_articles(&data.join("basil/articles")).expect("basil");
    assert_eq!(basil.len(), 300);
    let wrong: Vec<String> = basil
        .iter()
        .filter(|a| opinion_label(a.url.as_deref(), a.title.as_deref()).is_some())
        .map(|a| a.url.clone().unwrap_or_default())
        .collect();
    assert!(wrong.is_empty(), "BASIL reports marked opinion: {wrong:?}");
}

/// The section a page declares (`article:section`, JSON-LD `articleSection`), read from the
/// extraction benchmark's pages against their hand labels (`data/bench_genre.tsv`): no report or
/// other page declares an opinion section; most opinion pages that declare one do.
#[test]
fn declared_sections_mark_opinion_pages_and_no_report() {
    let Some(data) = data() else { return };
    let bench = data.join("article-extraction-benchmark/html");
    if !bench.is_dir() {
        let msg = format!("{} not found, not checked", bench.display());
        assert!(std::env::var("CI").map_or(true, |v| v != "true"), "{msg}");
        eprintln!("skipping: {msg}");
        return;
    }
    let mut marked: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for line in include_str!("data/bench_genre.tsv").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        let (Some(id), Some(genre)) = (cols.next(), cols.next()) else {
            panic!("bad label line {line:?}");
        };
        let path = bench.join(format!("{id}.html.gz"));
        let items = rhetor_ingest::read::read_file(&path, &Default::default());
        let section = items
            .first()
            .and_then(|i| i.as_ref().ok())
            .and_then(|a| a.metadata.section.clone());
        let e = marked.entry(genre.trim().to_string()).or_default();
        e.1 += 1;
        if rhetor_analyzers::outlet::opinion_section(section.as_deref()).is_some() {
            e.0 += 1;
        }
    }
    eprintln!("benchmark pages whose declared section is opinion, by hand label: {marked:?}");
    assert_eq!(
        marked["reporting"],
        (0, 108),
        "a report declares an opinion section"
    );
    assert_eq!(
        marked["other"].0, 0,
        "a non-article declares an opinion section"
    );
    assert!(marked["opinion"].0 >= 4, "{:?}", marked["opinion"]);
}
