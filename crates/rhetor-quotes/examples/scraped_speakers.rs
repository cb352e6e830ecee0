//! Speaker accuracy on real scraped news pages (the article-extraction benchmark's HTML, read by
//! `rhetor-ingest` exactly as `rhetor analyze` reads it).
//!
//! ```sh
//! # score the bundled gold (crates/rhetor-quotes/tests/scraped_speakers.tsv)
//! cargo run --release -p rhetor-quotes --example scraped_speakers
//! # list the quotation-mark spans, names and predictions of some pages (for annotating)
//! cargo run --release -p rhetor-quotes --example scraped_speakers -- --dump 0123 0456
//! ```
//! The gold file holds no text of the pages: per quote the page file, the SHA-256 of the text
//! `rhetor-ingest` extracts from it, the quote's code-point offsets and those of the mention of
//! its speaker's fullest name (`-` when the speaker is not named in the article), and the split
//! (`tune`: pages looked at while fixing speaker rules; `held`: pages not looked at after
//! annotation). Options: `--data DIR` (default `../shared/data/article-extraction-benchmark`),
//! `--gold FILE`, `--verbose` (one line per quote, offsets only), `--states FILE` (the pages'
//! encoder states cached by `cargo run --release -p rhetor-cli --example quote_states --
//! --scraped --out FILE`: the bundled dense models decide, as in `rhetor analyze`).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use rhetor_doc::Article;
use rhetor_quotes::dense::StatesCache;
use rhetor_quotes::scraped::{read_gold, score_page, sha256_hex, PageScore};
use rhetor_quotes::{find_quotes, QuoteAnalyzer};

fn read_page(data: &std::path::Path, page: &str) -> Result<Article> {
    let path = data.join("html").join(format!("{page}.html.gz"));
    let opts = rhetor_ingest::Options::default();
    let mut items = rhetor_ingest::read_path(&path, &opts);
    match items.pop() {
        Some(Ok(a)) => Ok(a),
        Some(Err(e)) => bail!("{}: {}", e.source, e.error),
        None => bail!("{}: nothing read", path.display()),
    }
}

fn main() -> Result<()> {
    let mut data = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/article-extraction-benchmark"
    ));
    let mut gold = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/scraped_speakers.tsv"
    ));
    let mut dump: Vec<String> = Vec::new();
    let mut verbose = false;
    let mut states: Option<PathBuf> = None;
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--data" => data = it.next().context("--data needs a value")?.into(),
            "--gold" => gold = it.next().context("--gold needs a value")?.into(),
            "--verbose" => verbose = true,
            "--states" => states = Some(it.next().context("--states needs a value")?.into()),
            "--dump" => dump.extend(it.by_ref()),
            _ => bail!("unknown argument {k}"),
        }
    }
    if !data.join("html").is_dir() {
        eprintln!(
            "article-extraction benchmark not found at {} (pass --data DIR); nothing to do",
            data.display()
        );
        return Ok(());
    }
    let an = QuoteAnalyzer::load()?;
    let cache = states.map(|p| StatesCache::read(&p)).transpose()?;
    if let Some(c) = &cache {
        match an.dense_encoder() {
            Some(e) if e == c.encoder_sha256 => println!("dense quote models (encoder {e:.12}…)"),
            _ => println!("the cached states do not match the bundled dense models: sparse models"),
        }
    }
    if !dump.is_empty() {
        for page in dump {
            let mut a = read_page(&data, &page)?;
            an.annotate(&mut a);
            let chars: Vec<char> = a.text.chars().collect();
            let slice = |s: usize, e: usize| -> String {
                chars[s.min(chars.len())..e.min(chars.len())]
                    .iter()
                    .collect::<String>()
                    .replace('\n', " / ")
            };
            println!(
                "=== {page} sha256 {} chars {}",
                sha256_hex(&a.text),
                chars.len()
            );
            let paras: Vec<(usize, usize)> = a
                .paragraphs
                .iter()
                .filter(|p| p.kind != rhetor_doc::ParagraphKind::Debris)
                .map(|p| (p.start, p.end))
                .collect();
            if let Ok(dir) = std::env::var("SCRAPED_TEXT_DIR") {
                std::fs::write(format!("{dir}/{page}.txt"), &a.text)?;
            }
            for q in find_quotes(&chars, &paras).into_iter().take(12) {
                let pred = a.quotes.iter().find(|p| p.start < q.end && q.start < p.end);
                let ctx_start = q.start.saturating_sub(220);
                println!(
                    "Q {}..{} | pred: {:?} [{:?}..{:?}] kind {:?}\n   CONTEXT: …{}⟦{}⟧{}…",
                    q.start,
                    q.end,
                    pred.and_then(|p| p.speaker.clone()),
                    pred.and_then(|p| p.speaker_start),
                    pred.and_then(|p| p.speaker_end),
                    pred.map(|p| p.kind),
                    slice(ctx_start, q.start),
                    slice(q.start, q.end),
                    slice(q.end, q.end + 70)
                );
            }
        }
        return Ok(());
    }
    if !gold.is_file() {
        bail!("no gold file at {}", gold.display());
    }
    let rows = read_gold(&std::fs::read_to_string(&gold)?)?;
    let mut pages: Vec<&str> = rows.iter().map(|r| r.page.as_str()).collect();
    pages.dedup();
    let mut total = [PageScore::default(), PageScore::default()];
    for page in pages {
        let mut a = read_page(&data, page)?;
        match &cache {
            Some(c) => {
                let st = c
                    .get(page, &sha256_hex(&a.text))
                    .with_context(|| format!("no cached states for page {page}"))?;
                an.annotate_with_states(&mut a, Some(st.view(&c.encoder_sha256)));
            }
            None => an.annotate(&mut a),
        }
        let mine: Vec<_> = rows.iter().filter(|r| r.page == page).cloned().collect();
        let s = score_page(&a, &mine)?;
        if verbose {
            for l in &s.lines {
                println!("{page}\t{l}");
            }
        }
        let k = usize::from(mine[0].split == "held");
        total[k].add(&s);
    }
    for (name, s) in [("tune", &total[0]), ("held", &total[1])] {
        println!("{name}: {}", s.summary());
    }
    let mut all = total[0].clone();
    all.add(&total[1]);
    println!("all: {}", all.summary());
    Ok(())
}
