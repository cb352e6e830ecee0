//! Full-text search of `PgStore` at scale: N synthetic articles (about 300 words each, drawn
//! from a Zipf-like vocabulary of 20,000 words, so a few words are in most articles and most
//! are rare), then the time of text searches for rare, common and several-word queries.
//!
//! `cargo run --release -p rhetor-postgres --features testkit --example text_bench -- 100000`

use std::io::Write;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rhetor_corpus::store::{Filter, Store};
use rhetor_postgres::testkit::TempPostgres;
use rhetor_postgres::PgStore;

const VOCAB: usize = 20_000;

fn word(rng: &mut impl Rng) -> String {
    // Zipf-like: rank ~ exp(uniform * ln VOCAB).
    let r = ((rng.gen::<f64>() * (VOCAB as f64).ln()).exp() as usize).min(VOCAB);
    format!("w{r}")
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let pg = TempPostgres::start()?;
    let url = pg.fresh_database()?;
    let store = PgStore::connect(&url)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let t = Instant::now();
    let mut c = postgres::Client::connect(&url, postgres::NoTls)?;
    {
        let mut w = c.copy_in(
            "COPY articles(key, id, source, title, outlet, content_hash, time, added_at, words, vector, body, tsv, doc, tokens) FROM STDIN",
        )?;
        let zero = "00".repeat(384);
        for i in 0..n {
            let title: Vec<String> = (0..8).map(|_| word(&mut rng)).collect();
            let body: Vec<String> = (0..300).map(|_| word(&mut rng)).collect();
            writeln!(
                w,
                "k{i}\ta{i}\tbench\t{}\toutlet{}.com\th{i}\t2024-02-01T00:00:00Z\t2024-02-01T00:00:00Z\t300\t\\\\x{zero}\t{}\t\t{{}}\t308",
                title.join(" "),
                i % 100,
                body.join(" ")
            )?;
        }
        w.finish()?;
    }
    c.batch_execute(
        "UPDATE articles SET tsv = setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B');
         UPDATE generation SET articles = (SELECT COUNT(*) FROM articles), tokens = (SELECT SUM(tokens) FROM articles);",
    )?;
    // Alone: VACUUM cannot run inside the transaction a multi-statement batch is.
    c.batch_execute("VACUUM ANALYZE articles")?;
    println!(
        "{n} articles loaded and indexed in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    for q in [
        "w15000",
        "w3000",
        "w300",
        "w30",
        "w3",
        "w30 w300",
        "w3 w30 w300 w3000",
        "w2 w3",
    ] {
        let df: i64 = c
            .query_one(
                "SELECT COUNT(*) FROM articles WHERE tsv @@ plainto_tsquery('simple', $1)",
                &[&q.split(' ').next().unwrap_or("")],
            )?
            .get(0);
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..5 {
            let t = Instant::now();
            hits = store.text_search(q, &Filter::default(), 10)?.len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{q:<22} (first word in {df} articles): median {:.0} ms, max {:.0} ms, {hits} hits",
            times[2], times[4]
        );
    }
    Ok(())
}
