//! Write throughput of `PgCorpus::put` (one transaction per article, story assignment under the
//! advisory lock) with W writer threads, each with its own connection and story index, storing
//! distinct articles: what the store costs a `rhetor worker` beside the analysis (a bag-of-words
//! embedder stands in for the encoder, so this measures PostgreSQL and story assignment only).
//!
//! `cargo run --release -p rhetor-postgres --features testkit --example put_bench -- 2000 1 2 4`

use std::time::Instant;

use rhetor_corpus::testsuite::{article, Bag};
use rhetor_corpus::Sink;
use rhetor_postgres::testkit::TempPostgres;
use rhetor_postgres::PgCorpus;

fn articles(n: usize, tag: &str) -> Vec<rhetor_doc::Article> {
    let topics = [
        "earthquake Nepal Pokhara",
        "election Brazil Brasilia",
        "flood Germany Cologne",
        "strike France Marseille",
        "wildfire Canada Kelowna",
        "budget Japan Tokyo",
        "summit Kenya Nairobi",
    ];
    (0..n)
        .map(|i| {
            let t = topics[i % topics.len()];
            let body = format!(
                "Report {tag}-{i} on the {t}: officials said on the day that crews worked through the night, \
                 {} people were affected and more news would follow in {} hours. {}",
                i * 7 % 1000,
                i % 24,
                "Residents described the scene to reporters as aid arrived from nearby towns. ".repeat(8)
            );
            article(&format!("{tag}{i}"), &format!("outlet{}.com", i % 20),
                &format!("2024-03-{:02}", 1 + (i / 50) % 28), &format!("{t} report {tag}-{i}"), &body)
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let writers: Vec<usize> = args.map(|s| s.parse()).collect::<Result<_, _>>()?;
    let writers = if writers.is_empty() {
        vec![1, 2, 4]
    } else {
        writers
    };
    let pg = TempPostgres::start()?;
    for w in writers {
        let url = pg.fresh_database()?;
        let all = articles(n, &format!("w{w}-"));
        let t = Instant::now();
        std::thread::scope(|s| -> anyhow::Result<()> {
            let hs: Vec<_> = (0..w)
                .map(|k| {
                    let url = url.clone();
                    let mine: Vec<_> = all.iter().skip(k).step_by(w).collect();
                    s.spawn(move || -> anyhow::Result<()> {
                        let mut c = PgCorpus::connect(&url, Bag)?;
                        for a in mine {
                            c.put(a)?;
                        }
                        Ok(())
                    })
                })
                .collect();
            for h in hs {
                h.join().map_err(|_| anyhow::anyhow!("writer panicked"))??;
            }
            Ok(())
        })?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{w} writer(s): {n} articles in {secs:.1} s = {:.0} articles/s ({:.2} ms each)",
            n as f64 / secs,
            secs * 1000.0 / n as f64
        );
    }
    Ok(())
}
