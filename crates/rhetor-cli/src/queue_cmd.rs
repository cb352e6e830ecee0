//! `rhetor submit` and `rhetor worker`: scale-out over a NATS JetStream work queue
//! (`rhetor_queue`). Submit reads inputs exactly like `analyze`; workers analyse with the same
//! library pipeline and store through the same `Sink` as `rhetor add`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rhetor_corpus::Corpus;
use rhetor_doc::Article;
use rhetor_ingest::read;
use rhetor_queue::metrics::Metrics;
use rhetor_queue::submit::Submitter;
use rhetor_queue::worker::{self, Analyze, SharedSink, WorkerConfig};
use rhetor_queue::QueueConfig;
use serde_json::json;

use crate::corpus_cmd::{db_dir, embedder, Format, DB_HELP};

const QUEUE_NAMES: &str = "\
On the server: stream RHETOR_JOBS (subject rhetor.jobs, retention workqueue, file storage,
duplicate window 10 min keyed by the article's store key), consumer rhetor-workers (durable,
pull, explicit acks; made or updated by each worker, so the last one started sets the ack
wait), dead letters on stream RHETOR_DEAD (subject rhetor.dead, kept 30 days,
reason in the Rhetor-Reason header). Both streams are created when missing.";

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")
}

// ---------------------------------------------------------------------------------------------
// submit

#[derive(clap::Args)]
#[command(after_long_help = format!("\
Reads inputs exactly like `rhetor analyze` (files, folders, -, HTML, feeds, WARC, JSONL, .gz)
and publishes one job per article to the work queue; `rhetor worker` processes take them.
Unreadable inputs are named on stderr and skipped; the others are submitted. At most
--in-flight publishes wait for the server's acknowledgement at once (back-pressure); every one
is awaited before the summary, so 'submitted' means stored by the server. The same article
submitted twice within ten minutes is dropped by the server (counted as a duplicate).

{QUEUE_NAMES}

Examples:
  rhetor submit --nats nats://queue.internal:4222 crawl/*.warc.gz
  rhetor submit --nats nats://127.0.0.1:4222 --format json today.jsonl > submitted.json

Exit status: 0 every input submitted, 1 some inputs skipped or refused (named on stderr), 2
usage error or no connection."))]
pub struct SubmitArgs {
    /// Files, folders or - (standard input).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The NATS server (JetStream enabled).
    #[arg(long, value_name = "URL", env = "RHETOR_NATS")]
    pub nats: String,
    /// Publishes awaiting the server's acknowledgement at once.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub in_flight: usize,
    /// Refuse inputs larger than this many bytes (after decompression).
    #[arg(long, value_name = "BYTES", default_value_t = read::DEFAULT_MAX_SIZE)]
    pub max_size: u64,
    /// Summary format: text, or json.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// No progress bar and no per-input errors on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

pub fn submit(args: SubmitArgs) -> Result<i32> {
    let opts = read::Options {
        max_size: args.max_size,
    };
    let rt = runtime()?;
    let queue = match rt.block_on(rhetor_queue::connect_producer(&args.nats)) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("rhetor: error: {e}");
            return Ok(2);
        }
    };
    let mut sub = Submitter::new(&queue, args.in_flight);
    let mut files = Vec::new();
    for entry in read::expand(&args.paths) {
        match entry {
            Ok(p) => files.push(p),
            Err(f) => sub.skip(f.source, f.error.to_string()),
        }
    }
    let bar = crate::analyze::progress_bar(files.len(), args.quiet);
    for path in &files {
        for item in read::read_file(path, &opts) {
            match item {
                Ok(article) => rt.block_on(sub.push(article)),
                Err(f) => sub.skip(f.source, f.error.to_string()),
            }
        }
        bar.inc(1);
    }
    let summary = rt.block_on(sub.finish());
    bar.finish_and_clear();
    if !args.quiet {
        for e in &summary.errors {
            eprintln!("rhetor: error: {}: {}", e.source, e.error);
        }
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "schema_version": rhetor_corpus::CORPUS_SCHEMA_VERSION,
                "nats": args.nats,
                "stream": rhetor_queue::JOB_STREAM,
                "submitted": summary.submitted,
                "duplicates": summary.duplicates,
                "skipped": summary.skipped,
                "failed": summary.failed,
                "errors": summary.errors,
            }))?
        ),
        _ => println!(
            "submitted {} job(s) to {} ({} already queued, {} skipped, {} failed)",
            summary.submitted,
            rhetor_queue::JOB_STREAM,
            summary.duplicates,
            summary.skipped,
            summary.failed
        ),
    }
    Ok(if summary.skipped + summary.failed > 0 {
        1
    } else {
        0
    })
}

// ---------------------------------------------------------------------------------------------
// worker

#[derive(clap::Args)]
#[command(after_long_help = format!("\
Takes jobs from the work queue, analyses each article with the library pipeline (techniques,
genre, frames, quotes), stores it with every annotation and its story in one transaction, then
acknowledges the job. Run as many workers as you like, on any machines, against one
PostgreSQL store (--postgres); the embedded store (--db) takes one writer at a time, so one
worker.

Delivery: a job whose worker dies is delivered again after --ack-wait; storing is idempotent
(keyed by the article's store key), so an article is stored once however often its job runs.
A failed job is retried; after --max-deliver attempts it goes to the dead-letter subject with
the reason. SIGTERM or Ctrl-C: stop taking jobs, let those in flight finish for --grace, hand
the rest back.

Stories: every article's story is assigned under one PostgreSQL advisory lock, after the
worker has caught up with the articles other workers stored, so concurrent workers give the
stories one worker would.

{QUEUE_NAMES}

Status: a stats line on stderr every --stats-every seconds (jobs/s, done, failures,
redeliveries, queue depth), and Prometheus metrics at http://ADDR/metrics with --metrics ADDR.

Examples:
  rhetor worker --nats nats://queue.internal:4222 --postgres postgresql://rhetor@db/rhetor
  rhetor worker --nats nats://127.0.0.1:4222 --db newsroom/ --metrics 127.0.0.1:9464

Exit status: 0 stopped by a signal (or --exit-when-idle), 2 usage error, no connection or no
store."))]
pub struct WorkerArgs {
    /// The NATS server (JetStream enabled).
    #[arg(long, value_name = "URL", env = "RHETOR_NATS")]
    pub nats: String,
    /// The PostgreSQL store, shared by every worker.
    #[arg(
        long,
        value_name = "URL",
        env = "RHETOR_POSTGRES",
        conflicts_with = "db"
    )]
    pub postgres: Option<String>,
    #[arg(long, value_name = "DIR", help = DB_HELP)]
    pub db: Option<PathBuf>,
    /// Jobs worked on at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Encoder threads per job.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub threads: usize,
    /// Attempts before a job goes to the dead-letter subject.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_deliver: u64,
    /// Seconds without an acknowledgement before a job is delivered again (a worker that died);
    /// each worker sets it on the shared consumer, so the last one started wins.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub ack_wait: u64,
    /// Seconds jobs in flight may run after SIGTERM before they are handed back.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub grace: u64,
    /// Seconds between stats lines (0: none).
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub stats_every: u64,
    /// Serve Prometheus metrics at http://ADDR/metrics.
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<SocketAddr>,
    /// Stop once the queue has had nothing waiting or unacknowledged for this many seconds
    /// (batch runs and benchmarks).
    #[arg(long, value_name = "SECS")]
    pub exit_when_idle: Option<u64>,
    /// Model folder for techniques, genre and frames (default: found at run time).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Numeric precision of the techniques encoder (as for `analyze`).
    #[arg(long, value_name = "PRECISION", default_value = "auto")]
    pub precision: rhetor_models::Precision,
    /// No stats lines and no per-job messages.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

struct PipelineAnalyze(rhetor::Pipeline);

impl Analyze for PipelineAnalyze {
    fn analyze(&self, article: &mut Article) -> std::result::Result<(), String> {
        self.0.annotate(article).map_err(|e| e.to_string())
    }
}

pub fn worker(args: WorkerArgs) -> Result<i32> {
    let pipeline = rhetor::Pipeline::load(&rhetor::Config {
        models: args.models.clone(),
        threads: args.threads,
        analyze: true,
        max_size: read::DEFAULT_MAX_SIZE,
        min_score: None,
        precision: args.precision,
        window_overlap: None,
    })?;
    if !args.quiet {
        for n in pipeline.notices() {
            eprintln!("rhetor: warning: {n}");
        }
    }
    let embedder = embedder(args.threads, args.precision)?;
    let sink: SharedSink = match &args.postgres {
        Some(url) => open_postgres(url, embedder)?,
        None => {
            let dir = db_dir(&args.db);
            let corpus = Corpus::open(&dir, embedder)
                .with_context(|| format!("cannot open the corpus at {}", dir.display()))?;
            Arc::new(Mutex::new(corpus))
        }
    };
    let cfg = WorkerConfig {
        concurrency: args.concurrency.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        }),
        max_deliver: args.max_deliver.max(1),
        ack_wait: Duration::from_secs(args.ack_wait.max(1)),
        retry_delay: Duration::from_secs(2),
        grace: Duration::from_secs(args.grace),
        stats_every: (args.stats_every > 0 && !args.quiet)
            .then(|| Duration::from_secs(args.stats_every)),
    };
    let quiet = args.quiet;
    let log: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(move |line: &str| {
        if !quiet {
            eprintln!("rhetor worker: {line}");
        }
    });
    let rt = runtime()?;
    // The PostgreSQL client blocks on a runtime of its own: it must be dropped outside ours,
    // after the jobs (which hold clones) are done.
    let sink_for_jobs = sink.clone();
    let code = rt.block_on(async move {
        let sink = sink_for_jobs;
        let queue = match rhetor_queue::connect(
            &args.nats,
            &QueueConfig {
                ack_wait: cfg.ack_wait,
            },
        )
        .await
        {
            Ok(q) => q,
            Err(e) => {
                eprintln!("rhetor: error: {e}");
                return Ok(2);
            }
        };
        let metrics = Arc::new(Metrics::new()?);
        if let Some(addr) = args.metrics {
            let bound = rhetor_queue::metrics::serve(metrics.clone(), addr)
                .await
                .with_context(|| format!("serving metrics on {addr}"))?;
            log(&format!("metrics at http://{bound}/metrics"));
        }
        let stop = worker::stop_on_signals().context("installing the signal handlers")?;
        let stop = match args.exit_when_idle {
            None => stop,
            Some(secs) => stop_when_idle(&queue, stop, Duration::from_secs(secs)),
        };
        log(&format!(
            "taking jobs from {} on {} ({} at once)",
            rhetor_queue::JOB_STREAM,
            args.nats,
            cfg.concurrency
        ));
        worker::run(
            &queue,
            cfg,
            Arc::new(PipelineAnalyze(pipeline)),
            sink,
            metrics,
            stop,
            log,
        )
        .await?;
        Ok::<i32, anyhow::Error>(0)
    });
    drop(rt);
    drop(sink);
    code
}

/// A stop signal that also fires once the queue has been empty (nothing waiting or
/// unacknowledged) for `idle`.
fn stop_when_idle(
    queue: &rhetor_queue::Queue,
    mut signals: tokio::sync::watch::Receiver<bool>,
    idle: Duration,
) -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let consumer = queue.consumer.clone();
    tokio::spawn(async move {
        let Some(consumer) = consumer else { return };
        let mut empty_since: Option<Instant> = None;
        loop {
            tokio::select! {
                _ = signals.changed() => break,
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            }
            let empty = matches!(consumer.get_info().await,
                Ok(i) if i.num_pending == 0 && i.num_ack_pending == 0);
            match (empty, empty_since) {
                (true, None) => empty_since = Some(Instant::now()),
                (true, Some(t)) if t.elapsed() >= idle => break,
                (false, _) => empty_since = None,
                _ => {}
            }
        }
        let _ = tx.send(true);
    });
    rx
}

fn open_postgres(url: &str, embedder: rhetor_models::Embedder) -> Result<SharedSink> {
    let corpus = rhetor_postgres::PgCorpus::connect(url, embedder)
        .with_context(|| format!("cannot open the PostgreSQL store at {}", redact(url)))?;
    Ok(Arc::new(Mutex::new(corpus)))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &cred[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            super::redact("postgresql://rhetor:s3cret@db:5432/news"),
            "postgresql://rhetor:***@db:5432/news"
        );
        assert_eq!(
            super::redact("postgresql://db/news"),
            "postgresql://db/news"
        );
    }
}
