//! Main-content extraction on the Zyte article-extraction benchmark (181 pages), scored with the
//! benchmark's own metric ([`rhetor_ingest::extraction_bench`]).
//!
//! ```text
//! cargo run --release -p rhetor-ingest --example extraction_benchmark -- [--raw] [--lost] [--via jsonl] [--dir PATH]
//! ```
//!
//! Prints precision, recall, F1 and pages per second (one thread) for
//! (a) the raw body of `html::extract`, and, unless `--raw`,
//! (b) the whole pipeline: `read_bytes(bytes, "{id}.html", &Options::default())`, then the article's
//!     `clean_text` without its title line.
//!
//! `--lost` lists, for pages where the pipeline scores lower recall than the raw body, the
//! paragraphs that cleanup marked as debris although they share text with the ground truth.
//! `--via jsonl` also sends every page as a JSONL line (`{"id", "url", "html"}`, written to a
//! temporary folder that is removed afterwards) through `read_bytes(…, "bench.jsonl", …)`, scores
//! that route the same way, and compares it page by page with the `.html` route: clean text,
//! title, author, date, outlet and language. The JSONL line carries the page's URL, the file does
//! not, as when a crawler's output is compared with saved pages.
//! `--dir` points at the benchmark (default `../shared/data/article-extraction-benchmark` next to
//! the workspace). The data is read in place and never copied.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use rhetor_doc::ParagraphKind;
use rhetor_ingest::extraction_bench::{self as bench, BenchPage, PageCounts};
use rhetor_ingest::{html, read_bytes, Options};

const USAGE: &str = "extraction_benchmark [--raw] [--lost] [--via jsonl] [--dir PATH]";

fn main() {
    let mut raw_only = false;
    let mut show_lost = false;
    let mut via_jsonl = false;
    let mut dir: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--raw" => raw_only = true,
            "--lost" => show_lost = true,
            "--dir" => dir = args.next().map(PathBuf::from),
            "--via" => match args.next().as_deref() {
                Some("jsonl") => via_jsonl = true,
                other => {
                    eprintln!("--via takes `jsonl`, not {other:?}");
                    std::process::exit(2);
                }
            },
            "-h" | "--help" => {
                println!("usage: {USAGE}");
                return;
            }
            other => {
                eprintln!("unknown argument {other:?}; usage: {USAGE}");
                std::process::exit(2);
            }
        }
    }
    let dir = dir.unwrap_or_else(bench::default_dir);
    let pages = match bench::load(&dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "benchmark not available at {} ({e}); nothing to measure",
                dir.display()
            );
            std::process::exit(1);
        }
    };
    println!("{} pages from {}", pages.len(), dir.display());

    // (a) raw html::extract
    let start = Instant::now();
    let raw_bodies: Vec<String> = pages
        .iter()
        .map(|p| {
            html::extract(&p.html, None)
                .map(|e| e.body)
                .unwrap_or_default()
        })
        .collect();
    let raw_secs = start.elapsed().as_secs_f64();
    let raw_counts = score(&pages, &raw_bodies);
    report("raw html::extract", &raw_counts, pages.len(), raw_secs);
    if raw_only {
        return;
    }

    // (b) the whole pipeline
    let opts = Options::default();
    let start = Instant::now();
    let articles: Vec<Option<rhetor_doc::Article>> = pages
        .iter()
        .map(|p| {
            read_bytes(&p.html, &format!("{}.html", p.id), &opts)
                .into_iter()
                .find_map(|item| item.ok())
        })
        .collect();
    let pipe_secs = start.elapsed().as_secs_f64();
    let pipe_bodies: Vec<String> = articles
        .iter()
        .map(|a| a.as_ref().map(body_without_title).unwrap_or_default())
        .collect();
    let pipe_counts = score(&pages, &pipe_bodies);
    report("pipeline clean_text", &pipe_counts, pages.len(), pipe_secs);

    let worse: Vec<usize> = (0..pages.len())
        .filter(|&i| {
            let (r, p) = (&raw_counts[i], &pipe_counts[i]);
            p.recall() + 1e-9 < r.recall()
        })
        .collect();
    println!(
        "pages where the pipeline lost recall against the raw body: {}",
        worse.len()
    );
    if via_jsonl {
        if let Err(e) = jsonl_route(&pages, &articles, &opts) {
            eprintln!("JSONL route: {e}");
            std::process::exit(1);
        }
    }
    if show_lost {
        for &i in &worse {
            let (page, article) = (&pages[i], &articles[i]);
            println!(
                "\n{}: recall {:.3} -> {:.3}",
                page.id,
                raw_counts[i].recall(),
                pipe_counts[i].recall()
            );
            let Some(article) = article else {
                println!("  (no article from the pipeline)");
                continue;
            };
            let truth: HashSet<String> = shingle_set(&page.truth);
            let truth_words = format!(" {} ", bench::tokenize(&page.truth).join(" "));
            for para in &article.paragraphs {
                if para.kind != ParagraphKind::Debris {
                    continue;
                }
                let text = article.slice(para.start, para.end).unwrap_or("");
                if shares_text(text, &truth, &truth_words) {
                    let short: String = text.chars().take(160).collect();
                    println!(
                        "  lost [{}] {short}",
                        para.reason.as_deref().unwrap_or("debris")
                    );
                }
            }
        }
    }
}

/// One field of an article, for comparing two routes.
type Field = fn(&rhetor_doc::Article) -> Option<String>;

/// The same pages as JSONL lines with `html` and `url`: scores and a page-by-page comparison with
/// the `.html` route.
fn jsonl_route(
    pages: &[BenchPage],
    file_articles: &[Option<rhetor_doc::Article>],
    opts: &Options,
) -> std::io::Result<()> {
    let tmp = tempfile::tempdir()?;
    let path = tmp.path().join("bench.jsonl");
    let mut lines = String::new();
    for p in pages {
        let line = serde_json::json!({
            "id": p.id,
            "url": p.url,
            "html": html::decode(&p.html, None),
        });
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    std::fs::write(&path, &lines)?;
    let bytes = std::fs::read(&path)?;

    let start = Instant::now();
    let raw_bodies: Vec<String> = rhetor_ingest::jsonl::parse(&String::from_utf8_lossy(&bytes))
        .into_iter()
        .map(|r| r.map(|e| e.body).unwrap_or_default())
        .collect();
    let raw_secs = start.elapsed().as_secs_f64();
    report(
        "raw jsonl::parse",
        &score(pages, &raw_bodies),
        pages.len(),
        raw_secs,
    );

    let start = Instant::now();
    let items = read_bytes(&bytes, &path.display().to_string(), opts);
    let secs = start.elapsed().as_secs_f64();
    let mut by_id: std::collections::HashMap<String, rhetor_doc::Article> = items
        .into_iter()
        .filter_map(|i| i.ok())
        .map(|a| (a.id.clone(), a))
        .collect();
    let articles: Vec<Option<rhetor_doc::Article>> =
        pages.iter().map(|p| by_id.remove(&p.id)).collect();
    let bodies: Vec<String> = articles
        .iter()
        .map(|a| a.as_ref().map(body_without_title).unwrap_or_default())
        .collect();
    report(
        "pipeline via jsonl",
        &score(pages, &bodies),
        pages.len(),
        secs,
    );

    // Page by page against the .html route.
    let fields: [(&str, Field); 6] = [
        ("clean_text", |a| Some(a.clean_text.clone())),
        ("title", |a| a.title.clone()),
        ("author", |a| a.metadata.author.clone()),
        ("published", |a| a.metadata.published.clone()),
        ("outlet", |a| a.metadata.outlet.clone()),
        ("language", |a| a.metadata.language.clone()),
    ];
    let both: Vec<(&rhetor_doc::Article, &rhetor_doc::Article)> = file_articles
        .iter()
        .zip(&articles)
        .filter_map(|(f, j)| Some((f.as_ref()?, j.as_ref()?)))
        .collect();
    println!(
        "jsonl vs .html route, {} pages read both ways ({} only as .html, {} only as jsonl):",
        both.len(),
        file_articles
            .iter()
            .zip(&articles)
            .filter(|(f, j)| f.is_some() && j.is_none())
            .count(),
        file_articles
            .iter()
            .zip(&articles)
            .filter(|(f, j)| f.is_none() && j.is_some())
            .count(),
    );
    for (name, get) in fields {
        let same = both.iter().filter(|(f, j)| get(f) == get(j)).count();
        let set_file = both
            .iter()
            .filter(|(f, _)| get(f).is_some_and(|v| !v.is_empty()))
            .count();
        let set_jsonl = both
            .iter()
            .filter(|(_, j)| get(j).is_some_and(|v| !v.is_empty()))
            .count();
        println!(
            "  {name:10} same on {same}/{}  (set: .html {}, jsonl {})",
            both.len(),
            set_file,
            set_jsonl
        );
        for (f, j) in both.iter().filter(|(f, j)| get(f) != get(j)).take(5) {
            if name == "clean_text" {
                println!("    {}: differs", f.id);
            } else {
                println!("    {}: .html {:?} / jsonl {:?}", f.id, get(f), get(j));
            }
        }
    }
    Ok(())
}

/// The clean text minus the title, which the pipeline keeps as its first line.
fn body_without_title(a: &rhetor_doc::Article) -> String {
    let text = a.clean_text.trim_start();
    match &a.title {
        Some(t) => text
            .strip_prefix(t.as_str())
            .unwrap_or(text)
            .trim()
            .to_string(),
        None => text.trim().to_string(),
    }
}

/// Whether a paragraph holds ground-truth text: a shared 4-word shingle, or for a paragraph of
/// fewer than four words, all of its words in a row somewhere in the truth.
fn shares_text(text: &str, truth: &HashSet<String>, truth_words: &str) -> bool {
    let words = bench::tokenize(text);
    if words.is_empty() {
        return false;
    }
    if words.len() < bench::SHINGLE {
        return truth_words.contains(&format!(" {} ", words.join(" ")));
    }
    shingle_set(text).iter().any(|s| truth.contains(s))
}

fn shingle_set(text: &str) -> HashSet<String> {
    bench::shingles(text, bench::SHINGLE).into_keys().collect()
}

fn score(pages: &[BenchPage], bodies: &[String]) -> Vec<PageCounts> {
    pages
        .iter()
        .zip(bodies)
        .map(|(p, b)| bench::page_counts(&p.truth, b))
        .collect()
}

fn report(name: &str, counts: &[PageCounts], n: usize, secs: f64) {
    let s = bench::scores(counts);
    let empty = counts.iter().filter(|c| c.tp + c.fp == 0.0).count();
    println!(
        "{name:22} precision {:.4}  recall {:.4}  F1 {:.4}  ({} pages, {} empty)  {:.1} pages/s single-thread",
        s.precision,
        s.recall,
        s.f1,
        s.pages,
        empty,
        n as f64 / secs.max(1e-9)
    );
}
