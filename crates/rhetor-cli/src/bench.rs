//! `rhetor bench`: throughput and memory figures, medians over repeated runs.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Subcommand;
use rayon::prelude::*;
use rhetor_ingest::read;

#[derive(clap::Args)]
#[command(after_long_help = "\
Examples:
  rhetor bench ingest samples/
  rhetor bench ingest ../shared/data/article-extraction-benchmark/html --threads 1,2
  rhetor bench encoder --python
  rhetor bench train --threads 1,2
  rhetor bench analyze --threads 1,2

Figures are medians over --runs repetitions, measured in this process; peak memory is the
process's peak resident set (VmHWM) at the end of the run.")]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Subcommand)]
pub enum BenchWhat {
    /// Articles per second for the ingest pipeline (read, extract, clean, segment) on PATHs.
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Thread counts to measure, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2")]
        threads: Vec<usize>,
        /// Repetitions per thread count (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Encoder throughput (ms per batch, tokens/s), compared with sentence-transformers if present.
    Encoder {
        /// Thread counts to measure, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2")]
        threads: Vec<usize>,
        /// Also time PyTorch + sentence-transformers from .venv/bin/python on the same texts.
        #[arg(long)]
        python: bool,
    },
    /// End-to-end analysis speed (read, segment, techniques, genre, frames) of one article:
    /// by default an ~800-word article built from the bundled samples.
    Analyze {
        /// Article file to analyse instead of the built-in one.
        path: Option<PathBuf>,
        /// Thread counts to measure, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2")]
        threads: Vec<usize>,
        /// Timed repetitions per thread count (after one warm-up); the median is reported.
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// Model folder (default: models/techniques of this build).
        #[arg(long, value_name = "DIR")]
        models: Option<PathBuf>,
    },
    /// Seconds per training step (encoder + multi-label head, AdamW), per thread count.
    Train {
        /// Thread counts to measure, comma-separated (one child process each).
        #[arg(long, value_delimiter = ',', default_value = "1,2")]
        threads: Vec<usize>,
        /// Timed steps (after 2 warm-up steps); the median is reported.
        #[arg(long, default_value_t = 5)]
        steps: usize,
        /// Sequences per batch.
        #[arg(long, default_value_t = 16)]
        batch: usize,
        /// Tokens per sequence.
        #[arg(long, default_value_t = 32)]
        seq: usize,
        /// Also train the word-embedding matrix (frozen by default, as in our recipes).
        #[arg(long)]
        train_embeddings: bool,
        #[arg(long, hide = true)]
        child: bool,
    },
}

pub fn run(args: BenchArgs) -> Result<i32> {
    match args.what {
        BenchWhat::Ingest {
            paths,
            threads,
            runs,
        } => bench_ingest(&paths, &threads, runs.max(1)),
        BenchWhat::Encoder { threads, python } => {
            crate::bench_encoder::run_encoder_bench(&threads, python)?;
            Ok(0)
        }
        BenchWhat::Analyze {
            path,
            threads,
            runs,
            models,
        } => bench_analyze(path, &threads, runs.max(1), models),
        BenchWhat::Train {
            threads,
            steps,
            batch,
            seq,
            train_embeddings,
            child,
        } => {
            let (steps, batch, seq) = (steps.max(1), batch.max(1), seq.max(2));
            if child {
                crate::bench_train::child(steps, batch, seq, !train_embeddings)?;
            } else {
                crate::bench_train::run(&threads, steps, batch, seq, !train_embeddings)?;
            }
            Ok(0)
        }
    }
}

fn bench_ingest(paths: &[PathBuf], threads: &[usize], runs: usize) -> Result<i32> {
    let files: Vec<PathBuf> = read::expand(paths)
        .into_iter()
        .filter_map(|f| f.ok())
        .collect();
    anyhow::ensure!(!files.is_empty(), "no input files under the given paths");
    // Load the bytes once so the figure is the pipeline's, not the disk's.
    let inputs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| {
            std::fs::read(p)
                .map(|b| (p.display().to_string(), b))
                .with_context(|| format!("cannot read {}", p.display()))
        })
        .collect::<Result<_>>()?;
    let bytes: usize = inputs.iter().map(|(_, b)| b.len()).sum();
    let opts = read::Options::default();
    println!(
        "ingest benchmark: {} files, {:.1} MB, {runs} runs per setting",
        inputs.len(),
        bytes as f64 / 1e6
    );
    for &t in threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build()?;
        let mut times = Vec::new();
        let mut articles = 0usize;
        let mut failed = 0usize;
        for _ in 0..runs {
            let start = Instant::now();
            let (ok, bad) = pool.install(|| {
                inputs
                    .par_iter()
                    .map(|(name, b)| {
                        let items = read::read_bytes(b, name, &opts);
                        let ok = items.iter().filter(|i| i.is_ok()).count();
                        (ok, items.len() - ok)
                    })
                    .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
            });
            times.push(start.elapsed().as_secs_f64());
            articles = ok;
            failed = bad;
        }
        let med = median(&mut times);
        println!(
            "threads {t}: {articles} articles ({failed} failed) in {:.3} s median → {:.1} articles/s, {:.2} MB/s",
            med,
            articles as f64 / med,
            bytes as f64 / 1e6 / med
        );
    }
    println!("peak RSS: {:.1} MB", peak_rss_mb().unwrap_or(f64::NAN));
    Ok(0)
}

/// An invented article of about 800 words: the bundled sample texts, repeated.
fn built_in_article() -> Vec<u8> {
    let parts = [
        include_str!("../../../samples/text/article900000001.txt"),
        include_str!("../../../samples/text/opinion-wind-farms.txt"),
    ];
    let mut text = String::from("Benchmark article built from the bundled samples\n\n");
    let mut i = 0;
    while text.split_whitespace().count() < 800 {
        for line in parts[i % parts.len()].lines().skip(1) {
            if !line.trim().is_empty() {
                text.push_str(line.trim());
                text.push_str("\n\n");
            }
        }
        i += 1;
    }
    text.into_bytes()
}

fn bench_analyze(
    path: Option<PathBuf>,
    threads: &[usize],
    runs: usize,
    models: Option<PathBuf>,
) -> Result<i32> {
    let (name, bytes) = match &path {
        Some(p) => (
            p.display().to_string(),
            std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
        ),
        None => ("built-in.txt".to_string(), built_in_article()),
    };
    let dir = models.unwrap_or_else(rhetor_analyzers::pipeline::default_model_dir);
    let opts = read::Options::default();
    let words = String::from_utf8_lossy(&bytes).split_whitespace().count();
    println!("analysis benchmark: one article ({name}, {words} words), {runs} timed runs after 1 warm-up, model {}", dir.display());
    for &t in threads {
        let t0 = Instant::now();
        let pipeline = rhetor::Pipeline::load(&rhetor::Config {
            models: Some(dir.clone()),
            threads: t.max(1),
            ..rhetor::Config::default()
        })?;
        let load = t0.elapsed().as_secs_f64();
        let Some(analyzer) = pipeline.analyzer() else {
            anyhow::bail!("no model loaded from {}", dir.display());
        };
        // Techniques, genre and frames alone (as measured before quotes existed); then the whole
        // pipeline as `rhetor analyze` runs it (quotes on the same encoder pass when they can).
        for full in [false, true] {
            let what = if full {
                "whole pipeline (+ quotes)"
            } else {
                "techniques, genre, frames"
            };
            let mut times = Vec::new();
            let (mut spans, mut nq) = (0, 0);
            for r in 0..=runs {
                let start = Instant::now();
                for item in read::read_bytes(&bytes, &name, &opts) {
                    let mut a = item.map_err(|f| anyhow::anyhow!("{}: {}", f.source, f.error))?;
                    if full {
                        pipeline.annotate(&mut a)?;
                    } else {
                        analyzer.annotate(&mut a)?;
                    }
                    spans = a.techniques.len();
                    nq = a.quotes.len();
                }
                if r > 0 {
                    times.push(start.elapsed().as_secs_f64());
                }
            }
            let med = median(&mut times);
            println!(
                "threads {t}: {what}: {:.1} ms per article median → {:.2} articles/s ({spans} spans, {nq} quotes); pipeline load {:.2} s",
                med * 1e3,
                1.0 / med,
                load
            );
        }
        for n in pipeline.notices() {
            println!("note: {n}");
        }
    }
    println!("peak RSS: {:.1} MB", peak_rss_mb().unwrap_or(f64::NAN));
    Ok(0)
}

pub use rhetor_eval::measure::{median, peak_rss_mb};
