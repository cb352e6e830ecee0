//! Corpus benchmark at scale: builds a store of N articles synthesised from real analysed ones,
//! then measures story assignment + storage per article, disk use per article, and search
//! latency (median and p99) for text, semantic and hybrid queries, plus headline recall@3.
//!
//! ```sh
//! rhetor analyze --format jsonl SOME/REAL/ARTICLES > /tmp/base.jsonl
//! cargo run --release -p rhetor-corpus --example bench_corpus -- /tmp/base.jsonl 100000 /tmp/bench-db
//! ```
//!
//! Each synthetic article is a real one with its words lightly shuffled inside sentences (so the
//! content key differs), a unique URL, a date spread over two years, and its real embedding plus
//! small noise. The real embeddings come from the stock encoder (fetched on first use).

use std::collections::HashMap;
use std::io::BufRead;
use std::time::Instant;

use rhetor_corpus::corpus::Embed;
use rhetor_corpus::search::{self, Mode};
use rhetor_corpus::{Corpus, Filter, SqliteStore, Store};
use rhetor_doc::Article;
use rhetor_eval::measure::percentile;

struct Cached {
    base: HashMap<String, Vec<f32>>,
}

fn noise(seed: u64, i: usize) -> f32 {
    let mut x = seed ^ (i as u64).wrapping_mul(0x9E3779B97F4A7C15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    (x % 2000) as f32 / 1000.0 - 1.0
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ b as u64).wrapping_mul(1099511628211)
    })
}

impl Embed for Cached {
    fn embed(&self, title: &str, _text: &str) -> rhetor_corpus::Result<Vec<f32>> {
        // Synthetic titles are "BASE TITLE · N": look the base up, add noise seeded by N.
        let (base, _) = title.rsplit_once(" · ").unwrap_or((title, ""));
        let v = self
            .base
            .get(base)
            .ok_or_else(|| rhetor_corpus::CorpusError::Embed(format!("no vector for {base:?}")))?;
        let seed = hash(title);
        Ok(v.iter()
            .enumerate()
            .map(|(i, x)| x + 0.02 * noise(seed, i))
            .collect())
    }
}

/// Adds `n` synthetic articles and prints the add, story and disk figures.
fn build(
    dir: &std::path::Path,
    bases: &[Article],
    base: HashMap<String, Vec<f32>>,
    n: usize,
) -> anyhow::Result<()> {
    let mut corpus = Corpus::open(dir, Cached { base })?;
    let t0 = Instant::now();
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let b = &bases[i % bases.len()];
        let mut a = b.clone();
        let copy = i / bases.len();
        a.id = format!("{}-{copy}", b.id);
        let title = format!("{} · {i}", b.title.as_deref().unwrap_or(""));
        a.title = Some(title);
        // A closing paragraph of its own makes the content key differ (existing offsets stay).
        let start_par = a.text.chars().count() + 2;
        let marker = format!("Copy {i} of this report.");
        a.text.push_str("\n\n");
        a.text.push_str(&marker);
        let last = a.paragraphs.iter().map(|p| p.index).max().unwrap_or(0);
        a.paragraphs.push(rhetor_doc::Paragraph {
            index: last + 2,
            start: start_par,
            end: start_par + marker.chars().count(),
            kind: rhetor_doc::ParagraphKind::Body,
            reason: None,
        });
        a.metadata.url = Some(format!("https://bench{}.example/{i}", i % 50));
        a.metadata.outlet = Some(format!("bench{}.example", i % 50));
        let day = (hash(&a.id) % 730) as i64;
        let date =
            chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + chrono::Duration::days(day);
        a.metadata.published = Some(date.to_string());
        let start = Instant::now();
        corpus.add(&a)?;
        times.push(start.elapsed().as_secs_f64());
        if i % 256 == 255 {
            corpus.commit(false)?;
        }
        if i % 10000 == 9999 {
            eprintln!("{} articles, {:.0} s", i + 1, t0.elapsed().as_secs_f64());
        }
    }
    corpus.commit(true)?;
    let total = t0.elapsed().as_secs_f64();
    let n = corpus.store().stats()?.articles as usize;
    let stats = corpus.store().stats()?;
    let mut tail: Vec<f64> = times[times.len() - times.len().min(1000)..].to_vec();
    if !times.is_empty() {
        println!(
        "built {n} articles in {total:.1} s ({:.0} articles/s incl. commits); add per article: median {:.2} ms overall, last 1000: median {:.2} ms, p99 {:.2} ms",
        n as f64 / total,
        percentile(&mut times.clone(), 0.5) * 1e3,
        percentile(&mut tail, 0.5) * 1e3,
        percentile(&mut tail, 0.99) * 1e3
    );
    }
    println!(
        "stories {}, disk {:.1} MB = {:.1} KB per article",
        stats.stories,
        stats.disk_bytes as f64 / 1e6,
        stats.disk_bytes as f64 / 1e3 / n as f64
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (input, n, dir) = match args.as_slice() {
        [_, i, n, d] => (i.clone(), n.parse::<usize>()?, std::path::PathBuf::from(d)),
        _ => anyhow::bail!("usage: bench_corpus ANALYSED.jsonl N DB_DIR"),
    };
    let mut bases: Vec<Article> = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(&input)?).lines() {
        let a: Article = serde_json::from_str(&line?)?;
        if a.title.as_deref().is_some_and(|t| !t.is_empty()) {
            bases.push(a);
        }
    }
    anyhow::ensure!(!bases.is_empty(), "no titled articles in {input}");
    let root = rhetor_models::weights::cache_root()?;
    let files = rhetor_models::weights::ensure_model(&root)?;
    let enc = rhetor_models::Embedder::load(&files, 1)?;
    let mut base = HashMap::new();
    for a in &bases {
        let t = a.title.clone().unwrap_or_default();
        let v = Embed::embed(&enc, &t, &rhetor_corpus::sqlite::body_text(a))?;
        base.insert(t, v);
    }
    // BENCH_REUSE=1: keep the store built by an earlier run and only measure search.
    let reuse = std::env::var_os("BENCH_REUSE").is_some() && dir.join("corpus.sqlite").is_file();
    if !reuse {
        let _ = std::fs::remove_dir_all(&dir);
    }
    if !reuse {
        build(&dir, &bases, base, n)?;
    }
    let mut store = SqliteStore::open(&dir)?;
    for mode in [Mode::Text, Mode::Semantic, Mode::Hybrid] {
        let mut lat = Vec::new();
        let mut found = 0;
        let queries = 200.min(n);
        for q in 0..queries {
            let i = (q * 7919) % n;
            let b = &bases[i % bases.len()];
            let title = format!("{} · {i}", b.title.as_deref().unwrap_or(""));
            let start = Instant::now();
            let v = if mode == Mode::Text {
                None
            } else {
                Some(Embed::embed(&enc, b.title.as_deref().unwrap_or(""), "")?)
            };
            let hits = search::search(
                &mut store,
                &title,
                v.as_deref(),
                mode,
                &Filter::default(),
                3,
            )?;
            lat.push(start.elapsed().as_secs_f64());
            // The base article or any of its copies counts as found (copies share the headline).
            if hits.iter().any(|h| h.id.starts_with(&format!("{}-", b.id))) {
                found += 1;
            }
        }
        println!(
            "search {mode:?}: median {:.1} ms, p99 {:.1} ms (query embedding included), headline's article in top 3: {found}/{queries}",
            percentile(&mut lat.clone(), 0.5) * 1e3,
            percentile(&mut lat, 0.99) * 1e3
        );
    }
    Ok(())
}
