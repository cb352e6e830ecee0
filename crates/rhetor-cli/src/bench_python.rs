//! `rhetor bench analyze --python`: the fine-tuned encoder on the exact windows `analyze` feeds
//! it, ours (f32 and int8) against PyTorch f32 and ONNX Runtime (f32 and dynamic int8) from
//! `scripts/bench_reference.py`, timed alternately in one command.
//!
//! The windows are written to a file and read by the Python process, which stays alive as a
//! server on its standard input (one `run ENGINE THREADS` per timed pass) so each repetition
//! times every engine back to back: on a shared machine the load moves by the minute, and
//! alternating keeps the ratios honest. Only the encoder is compared (the heads, reading and
//! quotes are ours alone); each article's windows are one call, as `analyze` makes them.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rhetor_analyzers::techniques::TechniqueModel;
use rhetor_ingest::read;
use rhetor_models::Precision;

use crate::bench::median;

/// The interpreter of the bench venv: `$RHETOR_BENCH_PYTHON`, else `.venv/bin/python` at the
/// repository root (where `scripts/bench-python-venv.sh` puts it).
fn venv_python() -> PathBuf {
    std::env::var_os("RHETOR_BENCH_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"))
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench_reference.py")
}

/// The Python reference engines, loaded and waiting for commands.
struct Reference {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Reference {
    fn start(model: &Path, windows: &Path, threads: &[usize], work: &Path) -> Result<Self> {
        let py = venv_python();
        if !py.is_file() {
            bail!(
                "{} not found: create the venv with `bash scripts/bench-python-venv.sh` (or set RHETOR_BENCH_PYTHON)",
                py.display()
            );
        }
        let list = threads
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut child = Command::new(&py)
            .arg(script())
            .arg(model)
            .arg(windows)
            .arg(list)
            .arg(work)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", py.display()))?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("no stdout")?);
        let mut r = Self {
            child,
            stdin,
            stdout,
        };
        let ready = r.answer()?;
        println!(
            "python reference ready in {:.1} s: torch {}, onnxruntime {}, torch CPU capability {}",
            ready["load_s"].as_f64().unwrap_or(f64::NAN),
            ready["torch"].as_str().unwrap_or("?"),
            ready["onnxruntime"].as_str().unwrap_or("?"),
            ready["torch_cpu"].as_str().unwrap_or("?"),
        );
        Ok(r)
    }

    fn answer(&mut self) -> Result<serde_json::Value> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            bail!("the python reference exited (its messages are above)");
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).with_context(|| format!("python said: {line}"))?;
        if let Some(e) = v.get("error") {
            bail!("python reference: {e}");
        }
        Ok(v)
    }

    fn ask(&mut self, cmd: &str) -> Result<serde_json::Value> {
        writeln!(self.stdin, "{cmd}")?;
        self.stdin.flush()?;
        self.answer()
    }

    /// Seconds for one pass of `engine` over every article's windows.
    fn time(&mut self, engine: &str, threads: usize) -> Result<f64> {
        let v = self.ask(&format!("run {engine} {threads}"))?;
        v["secs"].as_f64().context("no secs in the answer")
    }

    /// Mean-pooled window states of `engine`, `[windows, hidden]`.
    fn pooled(&mut self, engine: &str, work: &Path, hidden: usize) -> Result<Vec<Vec<f32>>> {
        let out = work.join(format!("pooled-{engine}.f32"));
        self.ask(&format!("pooled {engine} {}", out.display()))?;
        let bytes = std::fs::read(&out)?;
        let v: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok(v.chunks_exact(hidden).map(<[f32]>::to_vec).collect())
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}

/// Every article's encoder windows, as `analyze` builds them (non-debris paragraphs).
fn article_windows(
    model: &TechniqueModel,
    inputs: &[(String, Vec<u8>)],
) -> Result<Vec<Vec<Vec<u32>>>> {
    let opts = read::Options::default();
    let mut out = vec![];
    for (name, bytes) in inputs {
        for a in read::read_bytes(bytes, name, &opts).into_iter().flatten() {
            let pars = rhetor_analyzers::pipeline::analysed_paragraphs(&a);
            out.push(model.windows(&a.text, &pars)?);
        }
    }
    Ok(out)
}

/// Our encoder over every article (one call per article); pooled states when asked.
fn ours(model: &TechniqueModel, articles: &[Vec<Vec<u32>>], pool: bool) -> Result<Vec<Vec<f32>>> {
    let mut rows = vec![];
    for wins in articles {
        if wins.is_empty() {
            continue;
        }
        let states = model.encoder.forward(wins)?;
        if pool {
            let h = states.hidden.max(1);
            for i in 0..states.len() {
                let seq = states.sequence(i).unwrap_or_default();
                let n = (seq.len() / h).max(1) as f32;
                let mut v = vec![0f32; h];
                for row in seq.chunks_exact(h) {
                    v.iter_mut().zip(row).for_each(|(a, b)| *a += *b);
                }
                v.iter_mut().for_each(|a| *a /= n);
                rows.push(v);
            }
        }
    }
    Ok(rows)
}

/// (min, mean) cosine of matching rows.
fn cosines(a: &[Vec<f32>], b: &[Vec<f32>]) -> Option<(f64, f64)> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let cs: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| {
            let d: f64 = x
                .iter()
                .zip(y)
                .map(|(p, q)| f64::from(*p) * f64::from(*q))
                .sum();
            let nx: f64 = x.iter().map(|p| f64::from(*p).powi(2)).sum::<f64>().sqrt();
            let ny: f64 = y.iter().map(|p| f64::from(*p).powi(2)).sum::<f64>().sqrt();
            d / (nx * ny).max(1e-30)
        })
        .collect();
    let min = cs.iter().copied().fold(f64::INFINITY, f64::min);
    Some((min, cs.iter().sum::<f64>() / cs.len() as f64))
}

const ENGINES: [&str; 3] = ["torch", "ort-f32", "ort-int8"];

/// The comparison: parity first (pooled-state cosines against our f32), then `runs` alternated
/// timed passes per thread count.
pub fn compare(
    dir: &Path,
    inputs: &[(String, Vec<u8>)],
    threads: &[usize],
    runs: usize,
) -> Result<()> {
    let first = threads.first().copied().unwrap_or(1);
    let f32m = TechniqueModel::load_with(dir, first, Precision::F32)?;
    let articles = article_windows(&f32m, inputs)?;
    let n_windows: usize = articles.iter().map(Vec::len).sum();
    let n_tokens: usize = articles.iter().flatten().map(Vec::len).sum();
    let padded: usize = articles
        .iter()
        .map(|w| w.len() * w.iter().map(Vec::len).max().unwrap_or(0))
        .sum();
    println!(
        "\nencoder on the same windows (--python): {} articles, {n_windows} windows, {n_tokens} pieces ({padded} with the reference's per-article padding); {runs} timed runs per thread count, engines alternated",
        articles.len()
    );
    let work = std::env::temp_dir().join(format!("rhetor-bench-py-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let windows = work.join("windows.json");
    std::fs::write(
        &windows,
        serde_json::to_vec(&serde_json::json!({ "articles": articles }))?,
    )?;
    let result = compare_in(
        dir, &work, &windows, &articles, threads, runs, f32m, n_tokens,
    );
    let _ = std::fs::remove_dir_all(&work);
    result
}

#[allow(clippy::too_many_arguments)]
fn compare_in(
    dir: &Path,
    work: &Path,
    windows: &Path,
    articles: &[Vec<Vec<u32>>],
    threads: &[usize],
    runs: usize,
    f32m: TechniqueModel,
    n_tokens: usize,
) -> Result<()> {
    let mut py = Reference::start(dir, windows, threads, work)?;
    let hidden = f32m.encoder.config().hidden_size;
    let first = threads.first().copied().unwrap_or(1);
    let int8m = TechniqueModel::load_with(dir, first, Precision::Int8)?;
    let ours_f32 = ours(&f32m, articles, true)?;
    let ours_int8 = ours(&int8m, articles, true)?;
    println!("parity, cosine of each window's mean-pooled last states with ours f32 (min / mean):");
    let show = |name: &str, c: Option<(f64, f64)>| match c {
        Some((min, mean)) => println!("  {name:<10} {min:.6} / {mean:.6}"),
        None => println!("  {name:<10} n/a (row counts differ)"),
    };
    show("ours int8", cosines(&ours_int8, &ours_f32));
    for e in ENGINES {
        let p = py.pooled(e, work, hidden)?;
        show(e, cosines(&p, &ours_f32));
    }
    drop((f32m, int8m));
    let n_articles = articles.len().max(1) as f64;
    let n_windows = articles.iter().map(Vec::len).sum::<usize>() as f64;
    for &t in threads {
        let f32m = TechniqueModel::load_with(dir, t, Precision::F32)?;
        let int8m = TechniqueModel::load_with(dir, t, Precision::Int8)?;
        ours(&f32m, articles.get(..1).unwrap_or_default(), false)?; // warm-up
        ours(&int8m, articles.get(..1).unwrap_or_default(), false)?;
        let names = [
            "ours f32",
            "ours int8",
            "pytorch f32",
            "ort f32",
            "ort int8",
        ];
        let mut times: Vec<Vec<f64>> = vec![vec![]; names.len()];
        for _ in 0..runs {
            for (i, m) in [&f32m, &int8m].into_iter().enumerate() {
                let s = Instant::now();
                ours(m, articles, false)?;
                times[i].push(s.elapsed().as_secs_f64());
            }
            for (i, e) in ENGINES.iter().enumerate() {
                times[2 + i].push(py.time(e, t)?);
            }
        }
        let med: Vec<f64> = times.iter_mut().map(|v| median(v)).collect();
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!(
            "threads {t} (medians of {runs}; load average now {}):",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
        println!(
            "  {:<12} {:>10} {:>10} {:>11} {:>13} {:>13}",
            "engine", "articles/s", "windows/s", "pieces/s", "ours int8 is", "ours f32 is"
        );
        for (name, m) in names.iter().zip(&med) {
            println!(
                "  {name:<12} {:>10.2} {:>10.1} {:>11.0} {:>12.2}x {:>12.2}x",
                n_articles / m,
                n_windows / m,
                n_tokens as f64 / m,
                m / med[1],
                m / med[0],
            );
        }
    }
    Ok(())
}
