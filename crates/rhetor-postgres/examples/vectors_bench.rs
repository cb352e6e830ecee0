//! Nearest-vector search of `PgStore` at scale: fills a throwaway PostgreSQL server with N random
//! int8 unit vectors (articles with empty text), then times the first search (which loads every
//! vector into memory), later searches (exact scan), a search after new rows (incremental
//! refresh) and a filtered search.
//!
//! `cargo run --release -p rhetor-postgres --features testkit --example vectors_bench -- 1000000`
//! (or `-- N URL` to use an existing, empty database).

use std::io::Write;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rhetor_corpus::store::{Filter, Store};
use rhetor_postgres::testkit::TempPostgres;
use rhetor_postgres::PgStore;

fn random_unit(rng: &mut impl Rng, dim: usize) -> Vec<f32> {
    let v: Vec<f32> = (0..dim).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

fn fill(url: &str, from: usize, n: usize, rng: &mut impl Rng) -> anyhow::Result<()> {
    let mut c = postgres::Client::connect(url, postgres::NoTls)?;
    let mut w = c.copy_in(
        "COPY articles(key, id, source, outlet, content_hash, time, added_at, words, vector, body, tsv, doc, tokens) FROM STDIN",
    )?;
    let mut line = String::new();
    for i in from..from + n {
        line.clear();
        let v = rhetor_corpus::vectors::quantize(&random_unit(rng, rhetor_postgres::store::DIM));
        let hex: String = v.iter().map(|b| format!("{:02x}", *b as u8)).collect();
        let day = 1 + i % 28;
        line.push_str(&format!(
            "k{i}\ta{i}\tbench\toutlet{}.com\th{i}\t2024-02-{day:02}T00:00:00Z\t2024-02-{day:02}T00:00:00Z\t0\t\\\\x{hex}\t\t\t{{}}\t0\n",
            i % 100
        ));
        w.write_all(line.as_bytes())?;
    }
    w.finish()?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let pg;
    let url = match std::env::args().nth(2) {
        Some(u) => u,
        None => {
            pg = TempPostgres::start()?;
            pg.fresh_database()?
        }
    };
    let mut store = PgStore::connect(&url)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let t = Instant::now();
    fill(&url, 0, n, &mut rng)?;
    println!("filled {n} rows in {:.1} s", t.elapsed().as_secs_f64());
    // Settle the table first, so autovacuum does not run during the timings.
    postgres::Client::connect(&url, postgres::NoTls)?.batch_execute("VACUUM ANALYZE articles")?;
    let q = random_unit(&mut rng, rhetor_postgres::store::DIM);
    let f = Filter::default();
    let t = Instant::now();
    let hits = store.nearest(&q, &f, 10)?;
    println!(
        "first search (loads {n} vectors into memory): {:.0} ms, top score {:.3}",
        t.elapsed().as_secs_f64() * 1000.0,
        hits[0].1
    );
    let mut times = Vec::new();
    for _ in 0..30 {
        let q = random_unit(&mut rng, rhetor_postgres::store::DIM);
        let t = Instant::now();
        store.nearest(&q, &f, 10)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "warm search, 30 queries: median {:.1} ms, max {:.1} ms (threads: {})",
        times[times.len() / 2],
        times[times.len() - 1],
        rayon::current_num_threads()
    );
    fill(&url, n, 1000, &mut rng)?;
    let t = Instant::now();
    store.nearest(&q, &f, 10)?;
    println!(
        "search after 1,000 new rows (incremental refresh): {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let f = Filter {
        outlet: Some("outlet7.com".into()),
        ..Filter::default()
    };
    let t = Instant::now();
    let hits = store.nearest(&q, &f, 10)?;
    println!(
        "search filtered to one outlet of 100: {:.1} ms ({} hits)",
        t.elapsed().as_secs_f64() * 1000.0,
        hits.len()
    );
    let rss = std::fs::read_to_string("/proc/self/status")?
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map(|l| l.to_string())
        .unwrap_or_default();
    println!("peak RSS of this process: {rss}");
    Ok(())
}
