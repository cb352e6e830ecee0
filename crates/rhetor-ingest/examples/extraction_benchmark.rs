//! Main-content extraction on the Zyte article-extraction benchmark (181 pages), scored with the
//! benchmark's own metric ([`rhetor_ingest::extraction_bench`]).
//!
//! ```text
//! cargo run --release -p rhetor-ingest --example extraction_benchmark -- [--raw] [--lost] [--dir PATH]
//! ```
//!
//! Prints precision, recall, F1 and pages per second (one thread) for
//! (a) the raw body of `html::extract`, and, unless `--raw`,
//! (b) the whole pipeline: `read_bytes(bytes, "{id}.html", &Options::default())`, then the article's
//!     `clean_text` without its title line.
//!
//! `--lost` lists, for pages where the pipeline scores lower recall than the raw body, the
//! paragraphs that cleanup marked as debris although they share text with the ground truth.
//! `--dir` points at the benchmark (default `../shared/data/article-extraction-benchmark` next to
//! the workspace). The data is read in place and never copied.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use rhetor_doc::ParagraphKind;
use rhetor_ingest::extraction_bench::{self as bench, BenchPage, PageCounts};
use rhetor_ingest::{html, read_bytes, Options};

fn main() {
    let mut raw_only = false;
    let mut show_lost = false;
    let mut dir: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--raw" => raw_only = true,
            "--lost" => show_lost = true,
            "--dir" => dir = args.next().map(PathBuf::from),
            "-h" | "--help" => {
                println!("usage: extraction_benchmark [--raw] [--lost] [--dir PATH]");
                return;
            }
            other => {
                eprintln!("unknown argument {other:?}; usage: extraction_benchmark [--raw] [--lost] [--dir PATH]");
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
