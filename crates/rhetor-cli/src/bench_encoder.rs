//! `rhetor bench encoder`: encoder speed and memory, optionally against sentence-transformers.
//!
//! Two kinds of figures:
//! - in-process: model load time, ms per batch of 32 texts (~30 tokens each), tokens/s, for each
//!   thread count;
//! - whole processes: `rhetor embed` and (with `--python`) a sentence-transformers script each
//!   embed the same 4,096 paragraphs from a file, timed from spawn to exit, with their own peak
//!   RSS; the ratio python/rhetor is printed (> 1 means rhetor is faster).
//!
//! Texts: non-empty lines of the SemEval-2023 English articles in `../shared/data` when present
//! (read at run time, never stored), otherwise sentences composed from a small built-in list.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rhetor_models::{weights, Embedder, FastEncoder};

const N_TEXTS: usize = 4096;
const BATCH: usize = 32;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/semeval2023/en/train-articles-subtask-3")
}

/// News paragraphs for the whole-process run, and the source they came from.
fn paragraphs() -> (Vec<String>, &'static str) {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(data_dir()) {
        let mut paths: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if let Ok(t) = std::fs::read_to_string(&p) {
                out.extend(
                    t.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(String::from),
                );
            }
            if out.len() >= N_TEXTS {
                break;
            }
        }
    }
    if out.len() >= N_TEXTS {
        out.truncate(N_TEXTS);
        return (out, "SemEval-2023 en paragraphs (../shared/data)");
    }
    (
        synthetic(N_TEXTS),
        "synthetic sentences (shared data absent)",
    )
}

/// Deterministic news-like sentences of varying length.
fn synthetic(n: usize) -> Vec<String> {
    let subjects = [
        "The minister",
        "A spokesperson for the opposition",
        "Local officials",
        "The central bank",
        "Protesters outside parliament",
        "The company's chief executive",
        "Health authorities",
        "Critics of the plan",
    ];
    let verbs = [
        "said on Tuesday that",
        "warned that",
        "denied claims that",
        "insisted that",
        "told reporters that",
    ];
    let clauses = [
        "the new budget would protect every family in the country",
        "prices had risen faster than wages for a third year",
        "the talks collapsed after only two hours",
        "nobody could have predicted the scale of the flooding",
        "the election results would be challenged in court",
        "thousands of jobs were at risk unless the factory stayed open",
        "the report had been leaked to discredit the investigation",
    ];
    (0..n)
        .map(|i| {
            let mut s = format!(
                "{} {} {}",
                subjects[i % subjects.len()],
                verbs[(i / 3) % verbs.len()],
                clauses[(i / 7) % clauses.len()]
            );
            if i % 2 == 0 {
                s.push_str(&format!(
                    ", and {} {}",
                    verbs[(i / 5) % verbs.len()],
                    clauses[(i / 11 + 1) % clauses.len()]
                ));
            }
            s.push('.');
            s
        })
        .collect()
}

use crate::bench::{median, peak_rss_mb};

const PY_SCRIPT: &str = r#"
import sys, time, resource, json
t0 = time.time()
import torch
torch.set_num_threads(int(sys.argv[2]))
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(sys.argv[1], device="cpu")
texts = [l.rstrip("\n") for l in open(sys.argv[3], encoding="utf-8")]
t1 = time.time()
e = m.encode(texts, batch_size=32, normalize_embeddings=True)
t2 = time.time()
with open(sys.argv[4], "w") as f:
    for row in e:
        f.write(json.dumps({"embedding": [float(x) for x in row]}) + "\n")
# The same 32-text batch as rhetor's micro-benchmark (the texts nearest 30 tokens).
batch = [l.rstrip("\n") for l in open(sys.argv[5], encoding="utf-8")]
ms = []
with torch.inference_mode():
    for _ in range(7):
        s = time.time(); m.encode(batch, batch_size=32); ms.append((time.time() - s) * 1000)
ms.sort()
print(json.dumps({"load_s": t1 - t0, "encode_s": t2 - t1, "batch_ms": ms[3],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)
"#;

struct ProcRun {
    wall_s: f64,
    stats: String,
}

fn time_process(mut cmd: Command) -> Result<ProcRun> {
    let t = Instant::now();
    let out = cmd.output().context("spawning benchmark process")?;
    let wall_s = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "benchmark process failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stats = String::from_utf8_lossy(&out.stderr)
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or("")
        .to_string();
    Ok(ProcRun { wall_s, stats })
}

fn cosine_min(a: &Path, b: &Path) -> Option<f64> {
    let read = |p: &Path| -> Option<Vec<Vec<f64>>> {
        std::fs::read_to_string(p)
            .ok()?
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                v.get("embedding")?
                    .as_array()?
                    .iter()
                    .map(|x| x.as_f64())
                    .collect()
            })
            .collect()
    };
    let (a, b) = (read(a)?, read(b)?);
    if a.len() != b.len() {
        return None;
    }
    a.iter()
        .zip(&b)
        .map(|(x, y)| {
            let d: f64 = x.iter().zip(y).map(|(p, q)| p * q).sum();
            let nx: f64 = x.iter().map(|p| p * p).sum::<f64>().sqrt();
            let ny: f64 = y.iter().map(|p| p * p).sum::<f64>().sqrt();
            d / (nx * ny)
        })
        .reduce(f64::min)
}

pub fn run_encoder_bench(threads: &[usize], python: bool) -> Result<()> {
    let root = weights::cache_root()?;
    let files = weights::ensure_model(&root)?;
    let (texts, source) = paragraphs();
    println!("texts: {} {}", texts.len(), source);

    // In-process figures.
    let t = Instant::now();
    let emb = Embedder::load(&files, 1)?;
    let load_s = t.elapsed().as_secs_f64();
    println!("model load (tokenizer + mmap weights): {:.3} s", load_s);
    let ids: Vec<Vec<u32>> = texts
        .iter()
        .map(|t| emb.input_ids(t))
        .collect::<Result<_, _>>()?;
    // Batches of 32 texts of ~30 tokens: the texts whose length is nearest 30.
    let mut near30: Vec<&Vec<u32>> = ids.iter().collect();
    near30.sort_by_key(|s| s.len().abs_diff(30));
    let batch: Vec<&[u32]> = near30.iter().take(BATCH).map(|s| s.as_slice()).collect();
    let batch_tokens: usize = batch.iter().map(|s| s.len()).sum();
    let batch_texts: Vec<&str> = {
        let mut idx: Vec<usize> = (0..ids.len()).collect();
        idx.sort_by_key(|&i| ids.get(i).map_or(usize::MAX, |s| s.len().abs_diff(30)));
        idx.iter()
            .take(BATCH)
            .filter_map(|&i| texts.get(i).map(String::as_str))
            .collect()
    };
    let all_tokens: usize = ids.iter().map(Vec::len).sum();
    drop(emb);
    for &n in threads {
        let enc = FastEncoder::load(&files, n)?;
        enc.forward(&batch)?; // warm-up
        let mut ms = vec![];
        for _ in 0..9 {
            let t = Instant::now();
            enc.forward(&batch)?;
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let m = median(&mut ms);
        println!(
            "rhetor  threads={n}: {m:.1} ms per batch of {BATCH} x {:.1} tokens, {:.0} tokens/s",
            batch_tokens as f64 / BATCH as f64,
            batch_tokens as f64 / (m / 1e3)
        );
    }
    println!(
        "in-process peak RSS so far: {:.0} MB",
        peak_rss_mb().unwrap_or(f64::NAN)
    );

    // Whole processes on the same file.
    let dir = std::env::temp_dir().join(format!("rhetor-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("texts.txt");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&input)?);
        for t in &texts {
            writeln!(f, "{}", t.replace(['\n', '\r'], " "))?;
        }
    }
    let batch_file = dir.join("batch.txt");
    std::fs::write(&batch_file, batch_texts.join("\n") + "\n")?;
    let exe = std::env::current_exe()?;
    let venv_py = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    let have_py = python && venv_py.is_file();
    if python && !have_py {
        println!(
            "python: {} not found, skipping sentence-transformers",
            venv_py.display()
        );
    }
    println!(
        "whole processes, {} texts, {} tokens:",
        texts.len(),
        all_tokens
    );
    for &n in threads {
        let out_r = dir.join(format!("rhetor-{n}.jsonl"));
        let mut cmd = Command::new(&exe);
        cmd.arg("embed")
            .arg(&input)
            .arg("--threads")
            .arg(n.to_string())
            .arg("--stats")
            .stdout(std::fs::File::create(&out_r)?);
        let r = time_process(cmd)?;
        println!(
            "  rhetor  threads={n}: {:.2} s wall, {:.0} tokens/s; {}",
            r.wall_s,
            all_tokens as f64 / r.wall_s,
            r.stats
        );
        if have_py {
            let out_p = dir.join(format!("python-{n}.jsonl"));
            let mut cmd = Command::new(&venv_py);
            cmd.arg("-c")
                .arg(PY_SCRIPT)
                .arg(&files.dir)
                .arg(n.to_string())
                .arg(&input)
                .arg(&out_p)
                .arg(&batch_file)
                .env("OMP_NUM_THREADS", n.to_string())
                .env("MKL_NUM_THREADS", n.to_string())
                .env("TOKENIZERS_PARALLELISM", "false");
            match time_process(cmd) {
                Ok(p) => {
                    println!("  python  threads={n}: {:.2} s wall; {}", p.wall_s, p.stats);
                    println!(
                        "  ratio python/rhetor wall, threads={n}: {:.2}x; min cosine rhetor vs sentence-transformers: {}",
                        p.wall_s / r.wall_s,
                        cosine_min(&out_r, &out_p)
                            .map(|c| format!("{c:.7}"))
                            .unwrap_or_else(|| "n/a".into())
                    );
                }
                Err(e) => println!("  python  threads={n}: failed: {e:#}"),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
