//! What the queue and the store cost without the analysis: the components of docs/scaling.md.
//!
//! ```sh
//! cargo run --release -p rhetor-queue --example queue_bench -- [JOBS] [POSTGRES_URL]
//! ```
//!
//! Starts its own `nats-server` (and PostgreSQL, unless POSTGRES_URL names an empty database)
//! and measures, on JOBS generated ~600-word articles (default 2000):
//! 1. `submit`: publishing with acknowledgements (jobs/s);
//! 2. the queue alone: one worker, a no-op analysis and a store that keeps nothing (jobs/s);
//! 3. the same with `PgCorpus` as the store and the
//!    model-free test embedder, with 1, 2 and 4 writers (one connection each): the ceiling the story lock and the
//!    PostgreSQL writes put on any number of workers (articles/s, store ms per article).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhetor_corpus::testkit::Bag;
use rhetor_corpus::{AddOutcome, ArticleKey, Sink};
use rhetor_doc::{Article, Paragraph, ParagraphKind};
use rhetor_queue::metrics::Metrics;
use rhetor_queue::submit::Submitter;
use rhetor_queue::worker::{self, Analyze, SharedSink, WorkerConfig};
use tokio::sync::watch;

const WORDS: [&str; 24] = [
    "council", "harbour", "budget", "minister", "vote", "river", "school", "police", "court",
    "election", "strike", "hospital", "bridge", "tax", "farmers", "energy", "border", "union",
    "museum", "flood", "road", "market", "festival", "report",
];

fn article(i: usize) -> Article {
    let mut text = format!("Report {i} on the {} question\n\n", WORDS[i % 24]);
    let title_len = text.chars().count() - 2;
    let mut paragraphs = vec![Paragraph {
        index: 1,
        start: 0,
        end: title_len,
        kind: ParagraphKind::Title,
        reason: None,
    }];
    let mut seed = i as u64 * 2654435761 + 1;
    for p in 0..6 {
        let start = text.chars().count();
        for w in 0..100 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.push_str(WORDS[(seed >> 33) as usize % 24]);
            text.push(if w % 12 == 11 { '.' } else { ' ' });
        }
        let end = text.chars().count();
        paragraphs.push(Paragraph {
            index: p + 3,
            start,
            end,
            kind: ParagraphKind::Body,
            reason: None,
        });
        text.push_str("\n\n");
    }
    let mut a = Article::new(format!("b{i}"), format!("b{i}.txt"), text);
    a.title = Some(format!("Report {i} on the {} question", WORDS[i % 24]));
    a.paragraphs = paragraphs;
    a.metadata.outlet = Some(format!("outlet{}", i % 7));
    a.metadata.published = Some(format!("2026-0{}-{:02}", 1 + i % 9, 1 + i % 28));
    a
}

/// Keeps nothing: the queue's own cost.
struct Discard;

impl Sink for Discard {
    fn put(&mut self, a: &Article) -> rhetor_corpus::Result<AddOutcome> {
        Ok(AddOutcome::Added {
            key: ArticleKey::of(a).key,
            story: 0,
            new_story: false,
        })
    }
}

/// Runs one worker per sink (each taking `concurrency` jobs at once) until `jobs` are done;
/// returns jobs/s and the mean store time per job.
async fn drain(url: &str, jobs: usize, sinks: Vec<SharedSink>, concurrency: usize) -> (f64, f64) {
    let mut workers = Vec::new();
    let mut all = Vec::new();
    let started = Instant::now();
    for sink in sinks {
        let queue = rhetor_queue::connect(url, &Default::default())
            .await
            .expect("connect");
        let metrics = Arc::new(Metrics::new().expect("metrics"));
        let (stop_tx, stop) = watch::channel(false);
        let noop: Arc<dyn Analyze> = Arc::new(|_: &mut Article| Ok(()));
        let cfg = WorkerConfig {
            concurrency,
            stats_every: None,
            ..Default::default()
        };
        let m = metrics.clone();
        workers.push((
            stop_tx,
            tokio::spawn(async move {
                worker::run(&queue, cfg, noop, sink, m, stop, Arc::new(|_: &str| {})).await
            }),
        ));
        all.push(metrics);
    }
    while all.iter().map(|m| m.done() as usize).sum::<usize>() < jobs {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    for (stop, w) in workers {
        stop.send(true).ok();
        w.await.expect("join").expect("worker");
    }
    let sum: f64 = all.iter().map(|m| m.store_seconds.get_sample_sum()).sum();
    let n: u64 = all.iter().map(|m| m.store_seconds.get_sample_count()).sum();
    (jobs as f64 / secs, 1000.0 * sum / n.max(1) as f64)
}

async fn submit(url: &str, from: usize, jobs: usize) -> f64 {
    let queue = rhetor_queue::connect_producer(url).await.expect("connect");
    let t = Instant::now();
    let mut sub = Submitter::new(&queue, 256);
    for i in from..from + jobs {
        sub.push(article(i)).await;
    }
    let s = sub.finish().await;
    assert_eq!(s.submitted, jobs, "{s:?}");
    jobs as f64 / t.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let jobs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    // A PostgreSQL of our own unless one is given (its client blocks: off the async threads).
    let (own_pg, pg) = match args.next() {
        Some(url) => (None, url),
        None => tokio::task::spawn_blocking(|| {
            let pg = rhetor_postgres::testkit::TempPostgres::start().expect("starting PostgreSQL");
            let url = pg.fresh_database().expect("a database");
            (Some(pg), url)
        })
        .await
        .expect("join"),
    };
    let nats = rhetor_queue::testkit::TempNats::start()
        .expect("starting nats-server")
        .expect("nats-server is not installed");
    let url = nats.url();
    let rate = submit(&url, 0, jobs).await;
    println!("submit: {jobs} jobs, {rate:.0} jobs/s (acknowledged by the server)");
    let (rate, _) = drain(&url, jobs, vec![Arc::new(Mutex::new(Discard))], 4).await;
    println!("queue alone (no-op analysis, nothing stored, 4 at once): {rate:.0} jobs/s");
    {
        let mut from = jobs;
        for c in [1, 2, 4] {
            let n = jobs.min(1000);
            submit(&url, from, n).await;
            let mut sinks: Vec<SharedSink> = Vec::new();
            for _ in 0..c {
                let pg2 = pg.clone();
                let corpus = tokio::task::spawn_blocking(move || {
                    rhetor_postgres::PgCorpus::connect(&pg2, Bag).expect("PostgreSQL")
                })
                .await
                .expect("join");
                sinks.push(Arc::new(Mutex::new(corpus)));
            }
            let keep = sinks.clone();
            let (rate, store_ms) = drain(&url, n, sinks, 1).await;
            // The PostgreSQL client blocks on a runtime of its own: drop it off ours.
            tokio::task::spawn_blocking(move || drop(keep))
                .await
                .expect("join");
            println!(
                "PostgreSQL store, {c} writer(s) ({n} articles after {from} stored, no analysis): {rate:.1} articles/s, store {store_ms:.1} ms per article (story lock wait included)"
            );
            from += n;
        }
    }
    if let Some(p) = own_pg {
        tokio::task::spawn_blocking(move || drop(p)).await.ok();
    }
}
