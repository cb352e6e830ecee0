//! `rhetor bench`: throughput and memory figures, medians over repeated runs.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Subcommand;
use rayon::prelude::*;
use rhetor_ingest::read;

use crate::analyze::Grouping;

#[derive(clap::Args)]
#[command(after_long_help = "\
Examples:
  rhetor bench ingest samples/
  rhetor bench ingest ../shared/data/article-extraction-benchmark/html --threads 1,2
  rhetor bench encoder --python
  rhetor bench train --threads 1,2
  rhetor bench analyze --threads 1,2
  rhetor bench analyze ARTICLES/ --threads 2 --runs 3 --precision f32,int8,bf16,auto
  rhetor bench analyze ARTICLES/ --threads 1,2 --runs 3 --python
  rhetor bench analyze ARTICLES/ --threads 2 --precision int8 --window-overlap 0,16,32,64
  rhetor bench analyze ARTICLES/ --threads 2 --precision f32,int8 --compare-grouping

Figures are medians over --runs repetitions, measured in this process; peak memory is the
process's peak resident set (VmHWM) at the end of the run. `rhetor bench analyze --help` says how
to set up the Python references of `--python`.")]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

const PYTHON_HELP: &str = "\
With --python, the fine-tuned encoder also runs on the exact windows `analyze` feeds it in
PyTorch f32 and in ONNX Runtime (f32 and dynamic int8), alternated with ours (f32, int8) in every
repetition, after a parity check (cosine of each window's mean-pooled states with ours f32).
It needs a Python venv with pinned torch, onnxruntime, onnx, safetensors and numpy, made once
from the repository root (Python 3.10+; about 3 GB downloaded from PyPI, 5.5 GB on disk: PyPI's
torch wheel for Linux x86-64 pulls in the CUDA libraries even though the bench runs on the CPU):
  bash scripts/bench-python-venv.sh          # creates .venv (or: VENV=DIR bash ...)
  rhetor bench analyze ARTICLES/ --threads 1,2 --runs 3 --python
The bench runs .venv/bin/python at the repository root, or $RHETOR_BENCH_PYTHON; the reference
engines are scripts/bench_reference.py.";

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
    /// End-to-end analysis speed (read, segment, techniques, genre, frames, quotes), per
    /// encoder precision side by side: by default one ~800-word article built from the bundled
    /// samples; or every article under PATHs (files or folders).
    #[command(after_long_help = PYTHON_HELP)]
    Analyze {
        /// Article files or folders to analyse instead of the built-in article.
        paths: Vec<PathBuf>,
        /// Thread counts to measure, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,2")]
        threads: Vec<usize>,
        /// Timed repetitions per thread count (after one warm-up article); the median is
        /// reported. Precisions are timed alternately within each repetition.
        #[arg(long, default_value_t = 7)]
        runs: usize,
        /// Model folder (default: models/techniques of this build).
        #[arg(long, value_name = "DIR")]
        models: Option<PathBuf>,
        /// Encoder precisions to compare, comma-separated (auto, f32, int8, bf16); the first is the
        /// reference of the ratio column.
        #[arg(long, value_delimiter = ',', default_value = "f32,int8")]
        precision: Vec<rhetor_models::Precision>,
        /// Skip the peak-memory measurement (one child process per precision).
        #[arg(long)]
        no_rss: bool,
        /// Also compare the encoder, on the same windows, with PyTorch f32 and ONNX Runtime
        /// f32 / dynamic int8 (needs the venv of scripts/bench-python-venv.sh: see --help).
        #[arg(long)]
        python: bool,
        /// Also time each precision with the articles analysed one after another (as before
        /// articles were analysed concurrently), alternated with the concurrent runs.
        #[arg(long)]
        compare_serial: bool,
        /// Also time each setting with the articles analysed side by side, each with its own
        /// encoder call (as before windows were batched across articles), alternated with the
        /// batched runs, with its peak memory.
        #[arg(long)]
        compare_grouping: bool,
        /// Word pieces shared by consecutive windows of a long paragraph, comma-separated (each
        /// value is a setting of its own, timed alternately; `analyze --window-overlap`).
        #[arg(long, value_delimiter = ',', default_value = "32", value_parser = crate::analyze::parse_overlap)]
        window_overlap: Vec<usize>,
        #[arg(long, hide = true)]
        concurrent: bool,
        #[arg(long, hide = true)]
        child: bool,
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
            paths,
            threads,
            runs,
            models,
            precision,
            no_rss,
            python,
            compare_serial,
            compare_grouping,
            window_overlap,
            concurrent,
            child,
        } => {
            let opts = AnalyzeBench {
                paths,
                threads,
                runs: runs.max(1),
                models,
                precision,
                rss: !no_rss,
                python,
                compare_serial,
                compare_grouping,
                window_overlap,
                grouping: if concurrent {
                    Grouping::Concurrent
                } else {
                    Grouping::Batched
                },
            };
            if child {
                analyze_child(&opts)
            } else {
                bench_analyze(&opts)
            }
        }
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

/// Settings of `rhetor bench analyze`.
struct AnalyzeBench {
    paths: Vec<PathBuf>,
    threads: Vec<usize>,
    runs: usize,
    models: Option<PathBuf>,
    precision: Vec<rhetor_models::Precision>,
    rss: bool,
    python: bool,
    compare_serial: bool,
    compare_grouping: bool,
    window_overlap: Vec<usize>,
    /// How the child of [`child_rss`] groups articles.
    grouping: Grouping,
}

/// The benchmark's inputs as `(name, bytes)`, read once so the figures are the pipeline's.
fn bench_inputs(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>> {
    if paths.is_empty() {
        return Ok(vec![("built-in.txt".to_string(), built_in_article())]);
    }
    let files: Vec<PathBuf> = read::expand(paths)
        .into_iter()
        .filter_map(|f| f.ok())
        .collect();
    anyhow::ensure!(!files.is_empty(), "no input files under the given paths");
    files
        .iter()
        .map(|p| {
            std::fs::read(p)
                .map(|b| (p.display().to_string(), b))
                .with_context(|| format!("cannot read {}", p.display()))
        })
        .collect()
}

fn load_for_bench(
    dir: &std::path::Path,
    threads: usize,
    precision: rhetor_models::Precision,
    overlap: Option<usize>,
) -> Result<(rhetor::Pipeline, f64)> {
    let t0 = Instant::now();
    let pipeline = rhetor::Pipeline::load(&rhetor::Config {
        models: Some(dir.to_path_buf()),
        threads: threads.max(1),
        precision,
        window_overlap: overlap,
        ..rhetor::Config::default()
    })?;
    Ok((pipeline, t0.elapsed().as_secs_f64()))
}

/// The pool articles are read and analysed on: `threads` wide, as `rhetor analyze --threads`
/// makes the global one.
fn article_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .context("building the article thread pool")
}

/// Reads and analyses every input as `rhetor analyze` does (batches of its size, read
/// concurrently on `pool`, then analysed in groups as `grouping` says); returns the articles
/// analysed.
fn analyze_all(
    pipeline: &rhetor::Pipeline,
    inputs: &[(String, Vec<u8>)],
    pool: &rayon::ThreadPool,
    grouping: Grouping,
) -> Result<usize> {
    let opts = read::Options::default();
    pool.install(|| {
        let mut n = 0;
        for batch in inputs.chunks(crate::analyze::BATCH) {
            let items: Vec<read::Item> = batch
                .par_iter()
                .flat_map_iter(|(name, bytes)| read::read_bytes(bytes, name, &opts))
                .filter(|item| item.is_ok())
                .collect();
            let sizes: Vec<usize> = items.iter().map(crate::analyze::item_chars).collect();
            let in_flight = crate::analyze::IN_FLIGHT * rayon::current_num_threads().max(1);
            let mut items = items.into_iter();
            for range in crate::analyze::groups(&sizes, grouping, in_flight) {
                let chunk: Vec<read::Item> = items.by_ref().take(range.len()).collect();
                for done in crate::analyze::analyze_items(pipeline, chunk, grouping) {
                    done.map_err(|f| anyhow::anyhow!("{}: {}", f.source, f.error))?;
                    n += 1;
                }
            }
        }
        Ok(n)
    })
}

/// Word pieces the encoder reads at the pipeline's window overlap (pieces in two windows count
/// twice, `[CLS]`/`[SEP]` included), and the word pieces of the analysed paragraphs' text.
fn count_tokens(pipeline: &rhetor::Pipeline, inputs: &[(String, Vec<u8>)]) -> (usize, usize) {
    let Some(an) = pipeline.analyzer() else {
        return (0, 0);
    };
    let opts = read::Options::default();
    let (mut encoded, mut text) = (0, 0);
    for (name, bytes) in inputs {
        for a in read::read_bytes(bytes, name, &opts).into_iter().flatten() {
            let chars: Vec<char> = a.text.chars().collect();
            let pars = rhetor_analyzers::pipeline::analysed_paragraphs(&a);
            for &(_, s, e) in &pars {
                let p: String = chars.get(s..e).unwrap_or_default().iter().collect();
                text += an
                    .model
                    .tokenizer
                    .tokens(&p)
                    .map(|t| t.ids.len())
                    .unwrap_or(0);
            }
            encoded += an
                .model
                .windows(&a.text, &pars)
                .map(|w| w.iter().map(Vec::len).sum::<usize>())
                .unwrap_or(0);
        }
    }
    (encoded, text)
}

fn bench_analyze(o: &AnalyzeBench) -> Result<i32> {
    use rhetor_models::{CpuPath, Precision};
    let inputs = bench_inputs(&o.paths)?;
    let dir = o
        .models
        .clone()
        .unwrap_or_else(rhetor_analyzers::pipeline::default_model_dir);
    anyhow::ensure!(
        !o.precision.is_empty(),
        "--precision needs at least one value"
    );
    let bytes: usize = inputs.iter().map(|(_, b)| b.len()).sum();
    let words: usize = inputs
        .iter()
        .map(|(_, b)| String::from_utf8_lossy(b).split_whitespace().count())
        .sum();
    let cpu = CpuPath::detect();
    println!(
        "analysis benchmark (whole pipeline as `rhetor analyze` runs it): {} input(s), {words} words, {:.1} MB; {} timed runs after 1 warm-up article, precisions timed alternately; model {}; int8 kernel {} (best on this CPU: {}); bf16 kernel {}",
        inputs.len(),
        bytes as f64 / 1e6,
        o.runs,
        dir.display(),
        cpu.name(),
        CpuPath::best().name(),
        rhetor_models::bf16::kernel_name(cpu)
    );
    if let Ok(l) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at start: {}", l.trim());
    }
    anyhow::ensure!(
        !o.window_overlap.is_empty(),
        "--window-overlap needs at least one value"
    );
    let warm: Vec<(String, Vec<u8>)> = inputs.iter().take(1).cloned().collect();
    // Every (precision, window overlap) pair is a setting of its own; `None` when the overlap is
    // the default, so the figures name the setting `analyze` uses.
    let settings: Vec<(Precision, Option<usize>)> = o
        .precision
        .iter()
        .flat_map(|&p| {
            o.window_overlap
                .iter()
                .map(move |&w| (p, (w != rhetor_analyzers::techniques::STRIDE).then_some(w)))
        })
        .collect();
    struct Loaded {
        precision: Precision,
        overlap: Option<usize>,
        pipeline: rhetor::Pipeline,
        load: f64,
        times: Vec<f64>,
        serial: Vec<f64>,
        concurrent: Vec<f64>,
    }
    for &t in &o.threads {
        let pool = article_pool(t)?;
        // One article at a time: the encoder still splits its work over `t` threads.
        let serial_pool = article_pool(1)?;
        let mut loaded = Vec::new();
        for &(p, overlap) in &settings {
            let (pipeline, load) = load_for_bench(&dir, t, p, overlap)?;
            analyze_all(&pipeline, &warm, &pool, Grouping::Batched)?;
            loaded.push(Loaded {
                precision: p,
                overlap,
                pipeline,
                load,
                times: vec![],
                serial: vec![],
                concurrent: vec![],
            });
        }
        let mut articles = 0;
        for _ in 0..o.runs {
            for l in loaded.iter_mut() {
                let start = Instant::now();
                articles = analyze_all(&l.pipeline, &inputs, &pool, Grouping::Batched)?;
                l.times.push(start.elapsed().as_secs_f64());
                if o.compare_grouping && t > 1 {
                    let start = Instant::now();
                    analyze_all(&l.pipeline, &inputs, &pool, Grouping::Concurrent)?;
                    l.concurrent.push(start.elapsed().as_secs_f64());
                }
                if o.compare_serial && t > 1 {
                    let start = Instant::now();
                    analyze_all(&l.pipeline, &inputs, &serial_pool, Grouping::Concurrent)?;
                    l.serial.push(start.elapsed().as_secs_f64());
                }
            }
        }
        let mut reference = None;
        for l in loaded.iter_mut() {
            let p = l.precision;
            let overlap = l.overlap.unwrap_or(rhetor_analyzers::techniques::STRIDE);
            // Word pieces the encoder reads at this overlap (pieces in two windows count twice).
            let (tokens, text_tokens) = count_tokens(&l.pipeline, &inputs);
            let med = median(&mut l.times);
            let rate = articles as f64 / med;
            let base = *reference.get_or_insert(rate);
            // The precision `auto` resolved to and the kernel it runs on.
            let resolved = l
                .pipeline
                .analyzer()
                .map(|a| a.model.encoder.kernel())
                .unwrap_or_else(|| Precision::F32.to_string());
            let rss = |grouping| {
                if o.rss {
                    child_rss(&o.paths, t, p, l.overlap, grouping, &dir)
                        .map(|m| format!("{m:.0} MB"))
                        .unwrap_or_else(|e| format!("n/a ({e})"))
                } else {
                    "not measured".into()
                }
            };
            println!(
                "threads {t}: precision {p} ({resolved}), window overlap {overlap}: {:.2} articles/s, {:.0} text pieces/s ({:.0} encoded: {:.3}x the text), {:.1} ms per article, {:.2}x the first; load {:.2} s; peak RSS {}",
                rate,
                text_tokens as f64 / med,
                tokens as f64 / med,
                tokens as f64 / text_tokens.max(1) as f64,
                med * 1e3 / articles.max(1) as f64,
                rate / base,
                l.load,
                rss(Grouping::Batched)
            );
            if !l.concurrent.is_empty() {
                let conc = articles as f64 / median(&mut l.concurrent);
                println!(
                    "threads {t}: precision {p}, window overlap {overlap}, articles side by side with an encoder call each: {conc:.2} articles/s, peak RSS {}; batched windows are {:.2}x this",
                    rss(Grouping::Concurrent),
                    rate / conc
                );
            }
            if !l.serial.is_empty() {
                let serial = articles as f64 / median(&mut l.serial);
                println!(
                    "threads {t}: precision {p}, window overlap {overlap}, articles one at a time: {serial:.2} articles/s; batched windows are {:.2}x this",
                    rate / serial
                );
            }
        }
    }
    if o.python {
        crate::bench_python::compare(&dir, &inputs, &o.threads, o.runs)?;
    }
    if let Ok(l) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at end: {}", l.trim());
    }
    Ok(0)
}

/// Peak RSS of a child process that loads one precision and analyses the inputs once.
fn child_rss(
    paths: &[PathBuf],
    threads: usize,
    precision: rhetor_models::Precision,
    overlap: Option<usize>,
    grouping: Grouping,
    dir: &std::path::Path,
) -> Result<f64> {
    let exe = std::env::current_exe().context("cannot find the rhetor binary")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["bench", "analyze", "--child", "--runs", "1"])
        .args(["--threads", &threads.to_string()])
        .args(["--precision", precision.name()]);
    if let Some(w) = overlap {
        cmd.args(["--window-overlap", &w.to_string()]);
    }
    if grouping == Grouping::Concurrent {
        cmd.arg("--concurrent");
    }
    let out = cmd
        .arg("--models")
        .arg(dir)
        .args(paths)
        .output()
        .context("cannot run the benchmark child")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("peak_rss_mb "))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("child said: {}", String::from_utf8_lossy(&out.stderr)))
}

/// Child of [`child_rss`]: load, analyse once, print the peak resident set.
fn analyze_child(o: &AnalyzeBench) -> Result<i32> {
    let inputs = bench_inputs(&o.paths)?;
    let dir = o
        .models
        .clone()
        .unwrap_or_else(rhetor_analyzers::pipeline::default_model_dir);
    let p = o.precision.first().copied().unwrap_or_default();
    let t = o.threads.first().copied().unwrap_or(1);
    let overlap = o
        .window_overlap
        .first()
        .copied()
        .filter(|&w| w != rhetor_analyzers::techniques::STRIDE);
    let (pipeline, _) = load_for_bench(&dir, t, p, overlap)?;
    analyze_all(&pipeline, &inputs, &article_pool(t)?, o.grouping)?;
    println!("peak_rss_mb {:.1}", peak_rss_mb().unwrap_or(f64::NAN));
    Ok(0)
}

pub use rhetor_eval::measure::{median, peak_rss_mb};
