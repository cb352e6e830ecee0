//! `rhetor worker`: pulls jobs, analyses each with the library pipeline, stores it through a
//! [`Sink`] (one transaction per article), then acknowledges it.
//!
//! - **Pulling**: a worker asks the server for only as many jobs as it has free slots
//!   (`concurrency`), so jobs wait in the queue (where any worker can take them), never in a
//!   worker's buffer.
//! - **Long jobs**: while a job runs the worker sends progress notes every third of the ack wait,
//!   so only a worker that died (or hangs the whole process) has its jobs redelivered.
//! - **Failures**: a failed attempt is handed back (`NAK` with a growing delay); the attempt that
//!   reaches `max_deliver` sends the job to the dead-letter subject with the reason. A job that
//!   cannot be read at all (not JSON, another schema) goes there at once: no retry would help.
//!   A job delivered more than `max_deliver` times without a result (workers died on it each
//!   time) goes there too. A dead letter is published and acknowledged by the server before the
//!   job is acknowledged, so a worker dying in between leaves the job to be redelivered, and the
//!   dead letter carries a message id that makes the second copy a no-op.
//! - **Shutdown** (SIGTERM, SIGINT): stop pulling; jobs in flight get `grace` to finish, then are
//!   handed back (`NAK`) for another worker.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::{AckKind, Message};
use async_nats::HeaderMap;
use futures::StreamExt;
use rhetor_corpus::{AddOutcome, Sink};
use rhetor_doc::Article;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::metrics::Metrics;
use crate::{headers, Job, Queue, Result, DEAD_SUBJECT};

/// The analysis a worker runs on each article (the library pipeline in `rhetor worker`).
pub trait Analyze: Send + Sync + 'static {
    fn analyze(&self, article: &mut Article) -> std::result::Result<(), String>;
}

impl<F> Analyze for F
where
    F: Fn(&mut Article) -> std::result::Result<(), String> + Send + Sync + 'static,
{
    fn analyze(&self, article: &mut Article) -> std::result::Result<(), String> {
        self(article)
    }
}

/// A store shared by a worker's jobs (puts are serialised; analysis runs in parallel).
pub type SharedSink = Arc<Mutex<dyn Sink + Send>>;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs worked on at once.
    pub concurrency: usize,
    /// Attempts before a job goes to the dead-letter subject.
    pub max_deliver: u64,
    /// The consumer's ack wait (progress notes go out every third of it).
    pub ack_wait: Duration,
    /// Delay before a failed job is offered again (times the attempts so far).
    pub retry_delay: Duration,
    /// After a stop signal, how long jobs in flight may run before they are handed back.
    pub grace: Duration,
    /// How often the stats line is logged (`None`: never).
    pub stats_every: Option<Duration>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 2,
            max_deliver: 5,
            ack_wait: crate::QueueConfig::default().ack_wait,
            retry_delay: Duration::from_secs(2),
            grace: Duration::from_secs(30),
            stats_every: Some(crate::metrics::STATS_EVERY),
        }
    }
}

struct Ctx {
    queue_js: async_nats::jetstream::Context,
    cfg: WorkerConfig,
    analyzer: Arc<dyn Analyze>,
    sink: SharedSink,
    metrics: Arc<Metrics>,
    log: Arc<dyn Fn(&str) + Send + Sync>,
}

/// Runs until `stop` turns true (or its sender is dropped), then drains as described in the
/// module docs. `log` receives the stats lines and warnings.
pub async fn run(
    queue: &Queue,
    cfg: WorkerConfig,
    analyzer: Arc<dyn Analyze>,
    sink: SharedSink,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
    log: Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<()> {
    let Some(consumer) = queue.consumer.clone() else {
        return Err(crate::QueueError::JetStream(
            "no consumer: connect with rhetor_queue::connect to run a worker".into(),
        ));
    };
    let concurrency = cfg.concurrency.max(1);
    let ctx = Arc::new(Ctx {
        queue_js: queue.js.clone(),
        cfg: cfg.clone(),
        analyzer,
        sink,
        metrics: metrics.clone(),
        log: log.clone(),
    });
    let stats = cfg.stats_every.map(|every| {
        let consumer = consumer.clone();
        let (m, log) = (metrics.clone(), log.clone());
        tokio::spawn(async move {
            let mut since = (Instant::now(), m.done());
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Ok(info) = consumer.get_info().await {
                    m.queue_pending.set(info.num_pending as i64);
                    m.queue_ack_pending.set(info.num_ack_pending as i64);
                }
                log(&m.line(&mut since));
            }
        })
    });
    let (abort_tx, abort_rx) = watch::channel(false);
    let slots = Arc::new(Semaphore::new(concurrency));
    let mut tasks = JoinSet::new();
    let stopped = |stop: &watch::Receiver<bool>| *stop.borrow();
    'pull: while !stopped(&stop) {
        while tasks.try_join_next().is_some() {}
        let first = tokio::select! {
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            r = stop.changed() => { if r.is_err() { break } continue }
        };
        let mut permits: Vec<OwnedSemaphorePermit> = vec![first];
        while let Ok(p) = slots.clone().try_acquire_owned() {
            permits.push(p);
        }
        let batch = consumer
            .fetch()
            .max_messages(permits.len())
            .expires(Duration::from_secs(1))
            .messages()
            .await;
        let mut batch = match batch {
            Ok(b) => b,
            Err(e) => {
                log(&format!("cannot pull jobs: {e}; retrying in 1 s"));
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            let next = tokio::select! {
                n = batch.next() => n,
                _ = stop.changed() => break 'pull,
            };
            match next {
                None => break,
                Some(Err(e)) => {
                    log(&format!("pulling: {e}"));
                    break;
                }
                Some(Ok(msg)) => {
                    let Some(permit) = permits.pop() else {
                        // More than asked for: hand it back at once.
                        let _ = msg.ack_with(AckKind::Nak(None)).await;
                        continue;
                    };
                    let (ctx, abort) = (ctx.clone(), abort_rx.clone());
                    tasks.spawn(async move {
                        handle(msg, &ctx, abort).await;
                        drop(permit);
                    });
                }
            }
        }
    }
    // Draining: no more pulls; the jobs in flight get the grace period, then are handed back.
    let drained = tokio::time::timeout(cfg.grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        log(&format!(
            "{} job(s) still running after the {:?} grace period: handing them back",
            tasks.len(),
            cfg.grace
        ));
        let _ = abort_tx.send(true);
        while tasks.join_next().await.is_some() {}
    }
    if let Some(s) = stats {
        s.abort();
    }
    // Acknowledgements are buffered by the client: send them before the connection goes.
    let _ = queue.client.flush().await;
    let mut since = (Instant::now(), metrics.done());
    log(&format!("stopped; totals: {}", metrics.line(&mut since)));
    Ok(())
}

async fn handle(msg: Message, ctx: &Ctx, mut abort: watch::Receiver<bool>) {
    let m = &ctx.metrics;
    let started = Instant::now();
    let (delivered, seq) = match msg.info() {
        Ok(i) => (i.delivered.max(1) as u64, i.stream_sequence),
        Err(_) => (1, 0),
    };
    if delivered > 1 {
        m.redeliveries.inc();
    }
    let job = match Job::parse(&msg.payload) {
        Ok(j) => j,
        Err(e) => return dead_letter(ctx, &msg, &e.to_string(), delivered, seq, None).await,
    };
    let source = job.article.source.clone();
    if delivered > ctx.cfg.max_deliver {
        let reason = format!(
            "delivered {delivered} times without a result: the workers that took it died or timed out"
        );
        return dead_letter(ctx, &msg, &reason, delivered, seq, Some(&source)).await;
    }
    m.in_flight.inc();
    let (analyzer, sink) = (ctx.analyzer.clone(), ctx.sink.clone());
    let timing = ctx.metrics.clone();
    let mut work =
        tokio::task::spawn_blocking(move || -> std::result::Result<AddOutcome, String> {
            let mut article = job.article;
            let t = Instant::now();
            analyzer
                .analyze(&mut article)
                .map_err(|e| format!("analysis: {e}"))?;
            timing.analysis_seconds.observe(t.elapsed().as_secs_f64());
            let t = Instant::now();
            // A panic in another job's put poisons the lock; the store's own transaction was
            // rolled back with it, so the sink is still usable.
            let mut sink = sink.lock().unwrap_or_else(|p| p.into_inner());
            let outcome = sink.put(&article).map_err(|e| format!("storing: {e}"));
            timing.store_seconds.observe(t.elapsed().as_secs_f64());
            outcome
        });
    let mut beat = tokio::time::interval((ctx.cfg.ack_wait / 3).max(Duration::from_millis(100)));
    beat.tick().await;
    let result = loop {
        tokio::select! {
            r = &mut work => break Some(r),
            _ = beat.tick() => { let _ = msg.ack_with(AckKind::Progress).await; }
            _ = abort.changed() => if *abort.borrow() { break None },
        }
    };
    m.in_flight.dec();
    let outcome = match result {
        None => {
            // Confirmed by the server, so the job is back in the queue before the process exits.
            let _ = msg.double_ack_with(AckKind::Nak(None)).await;
            return;
        }
        Some(Ok(r)) => r,
        Some(Err(e)) => Err(if e.is_panic() {
            "the analysis panicked".to_string()
        } else {
            format!("the job was cancelled: {e}")
        }),
    };
    match outcome {
        Ok(o) => {
            // Acknowledged and confirmed by the server; if the confirmation is lost the job is
            // redelivered and comes back as a duplicate, which stores nothing.
            if let Err(e) = msg.double_ack().await {
                (ctx.log)(&format!("{source}: stored, but the acknowledgement failed ({e}): it will be redelivered and found stored"));
                return;
            }
            match o {
                AddOutcome::Added { .. } => m.added.inc(),
                AddOutcome::Duplicate { .. } => m.duplicates.inc(),
            }
            m.job_seconds.observe(started.elapsed().as_secs_f64());
        }
        Err(reason) => {
            m.failures.inc();
            if delivered >= ctx.cfg.max_deliver {
                let reason = format!("failed {delivered} times; last: {reason}");
                dead_letter(ctx, &msg, &reason, delivered, seq, Some(&source)).await;
            } else {
                (ctx.log)(&format!(
                    "{source}: attempt {delivered} of {} failed ({reason}): handed back",
                    ctx.cfg.max_deliver
                ));
                let delay = ctx.cfg.retry_delay * delivered as u32;
                let _ = msg.ack_with(AckKind::Nak(Some(delay))).await;
            }
        }
    }
}

/// Publishes the job's payload to the dead-letter subject with the reason, then acknowledges
/// the job. If the dead letter cannot be published the job is handed back instead.
async fn dead_letter(
    ctx: &Ctx,
    msg: &Message,
    reason: &str,
    delivered: u64,
    seq: u64,
    source: Option<&str>,
) {
    let mut h = HeaderMap::new();
    // Header values cannot hold line breaks.
    let one_line: String = reason.replace(['\r', '\n'], " ");
    h.insert(headers::REASON, one_line.as_str());
    h.insert(headers::DELIVERIES, delivered.to_string().as_str());
    h.insert(headers::JOB_SEQUENCE, seq.to_string().as_str());
    if let Some(s) = source {
        h.insert(headers::SOURCE, s.replace(['\r', '\n'], " ").as_str());
    }
    let publish = PublishMessage::build()
        .payload(msg.payload.clone())
        .headers(h)
        .message_id(format!("dead-{seq}"));
    let sent = match ctx.queue_js.send_publish(DEAD_SUBJECT, publish).await {
        Ok(ack) => ack.await.map(|_| ()).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let what = source.unwrap_or("a job");
    match sent {
        Ok(()) => {
            ctx.metrics.dead.inc();
            (ctx.log)(&format!("{what}: dead-lettered ({reason})"));
            let _ = msg.double_ack().await;
        }
        Err(e) => {
            (ctx.log)(&format!(
                "{what}: cannot publish the dead letter ({e}); handing the job back"
            ));
            let _ = msg.ack_with(AckKind::Nak(Some(ctx.cfg.retry_delay))).await;
        }
    }
}

/// A stop signal for [`run`]: turns true on SIGTERM or SIGINT (Ctrl-C).
pub fn stop_on_signals() -> std::io::Result<watch::Receiver<bool>> {
    let (tx, rx) = watch::channel(false);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            let _ = tx.send(true);
        });
    }
    #[cfg(not(unix))]
    {
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            let _ = tx.send(true);
        });
    }
    Ok(rx)
}
