//! Encode articles once with the techniques model (the encoder `rhetor analyze` runs) and cache
//! the final state of every word piece, for training and measuring the quote models' dense
//! features (`rhetor-quotes/examples/train_quotes.rs --states`, `scraped_speakers --states`).
//!
//! ```sh
//! # PolNeAR train + dev (924 articles), read as train_quotes reads them
//! cargo run --release -p rhetor-cli --example quote_states -- --out /work/quote-work/polnear.states
//! # the scraped pages of the speaker gold (crates/rhetor-quotes/tests/scraped_speakers.tsv)
//! cargo run --release -p rhetor-cli --example quote_states -- --scraped --out /work/quote-work/scraped.states
//! ```
//! Options: `--data DIR` (PolNeAR, default `../shared/data/polnear/data`; with `--scraped` the
//! article-extraction benchmark, default `../shared/data/article-extraction-benchmark`),
//! `--models DIR` (default: models/techniques of this build), `--threads N` (0 = all cores).
//! The cache records the SHA-256 of the model's `model.safetensors` and of every article text;
//! it holds no text. An existing cache of the same encoder is reused unless `--force`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rhetor_doc::Article;
use rhetor_ingest::pipeline::{finish, TitleRule};
use rhetor_models::weights::sha256_file;
use rhetor_quotes::dense::{ArticleStates, StatesCache};
use rhetor_quotes::scraped::{read_gold, sha256_hex};

fn main() -> Result<()> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut data: Option<PathBuf> = None;
    let mut models = rhetor_analyzers::pipeline::default_model_dir();
    let mut out: Option<PathBuf> = None;
    let mut threads = 0usize;
    let mut scraped = false;
    let mut force = false;
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().with_context(|| format!("{k} needs a value"));
        match k.as_str() {
            "--data" => data = Some(v()?.into()),
            "--models" => models = v()?.into(),
            "--out" => out = Some(v()?.into()),
            "--threads" => threads = v()?.parse()?,
            "--scraped" => scraped = true,
            "--force" => force = true,
            _ => bail!("unknown argument {k}"),
        }
    }
    let out = out.context("--out FILE is required")?;
    let sha = sha256_file(&models.join("model.safetensors"))?;
    if !force && out.is_file() {
        if let Ok(c) = StatesCache::read(&out) {
            if c.encoder_sha256 == sha {
                eprintln!(
                    "{} already holds {} articles encoded with {sha:.12}…: nothing to do (--force re-encodes)",
                    out.display(),
                    c.articles.len()
                );
                return Ok(());
            }
        }
    }
    let articles: Vec<Article> = if scraped {
        let data = data.unwrap_or_else(|| root.join("../shared/data/article-extraction-benchmark"));
        let gold = root.join("crates/rhetor-quotes/tests/scraped_speakers.tsv");
        let rows = read_gold(&std::fs::read_to_string(&gold)?)?;
        let mut pages: Vec<String> = rows.iter().map(|r| r.page.clone()).collect();
        pages.dedup();
        let opts = rhetor_ingest::Options::default();
        let mut arts = Vec::new();
        for page in pages {
            let path = data.join("html").join(format!("{page}.html.gz"));
            match rhetor_ingest::read_path(&path, &opts).pop() {
                Some(Ok(mut a)) => {
                    // The scraped_speakers example keys pages by their file stem.
                    a.id = page;
                    arts.push(a)
                }
                Some(Err(e)) => bail!("{}: {}", e.source, e.error),
                None => bail!("{}: nothing read", path.display()),
            }
        }
        arts
    } else {
        let data = data.unwrap_or_else(|| root.join("../shared/data/polnear/data"));
        let mut arts = Vec::new();
        for split in ["train", "dev"] {
            for g in rhetor_eval::quotes::read_polnear(&data.join(split))? {
                // Exactly as train_quotes reads them.
                let mut a = Article::new(g.id.clone(), format!("{}.txt", g.id), g.text.clone());
                finish(&mut a, TitleRule::FirstLineIfHeadline);
                arts.push(a);
            }
        }
        arts
    };
    let t = Instant::now();
    let analyzer = rhetor_analyzers::Analyzer::load(&models, threads)
        .with_context(|| format!("cannot load the model from {}", models.display()))?;
    let mut cache = StatesCache {
        encoder_sha256: sha.clone(),
        articles: Vec::with_capacity(articles.len()),
    };
    let n = articles.len();
    let mut pieces = 0usize;
    for (k, mut a) in articles.into_iter().enumerate() {
        let text_sha256 = sha256_hex(&a.text);
        let st = analyzer
            .annotate_with_states(&mut a)
            .with_context(|| format!("encoding {}", a.id))?;
        pieces += st.offsets.len();
        cache.articles.push(ArticleStates {
            id: a.id.clone(),
            text_sha256,
            hidden: st.hidden,
            offsets: st.offsets,
            states: st.states,
        });
        if (k + 1) % 100 == 0 || k + 1 == n {
            eprintln!(
                "{}/{n} articles, {pieces} pieces, {:.0} s",
                k + 1,
                t.elapsed().as_secs_f64()
            );
        }
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    cache.write(&out)?;
    eprintln!(
        "wrote {} ({n} articles, {pieces} pieces, encoder {sha}) in {:.0} s",
        out.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
