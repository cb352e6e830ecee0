//! What a worker counts: the stats line it logs and the Prometheus metrics it serves on
//! `--metrics ADDR` (`GET /metrics`, text exposition format).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use prometheus::{Encoder, Histogram, HistogramOpts, IntCounter, IntGauge, Registry, TextEncoder};

use crate::{QueueError, Result};

/// Counters of one worker process.
pub struct Metrics {
    pub registry: Registry,
    /// Articles stored by this worker.
    pub added: IntCounter,
    /// Jobs whose article was already stored (a redelivery, or the same article twice).
    pub duplicates: IntCounter,
    /// Attempts that failed and were handed back for a retry.
    pub failures: IntCounter,
    /// Jobs received that had been delivered before (to this or another worker).
    pub redeliveries: IntCounter,
    /// Jobs sent to the dead-letter subject.
    pub dead: IntCounter,
    /// Jobs being worked on now.
    pub in_flight: IntGauge,
    /// Jobs waiting in the queue (read from the server every stats interval).
    pub queue_pending: IntGauge,
    /// Jobs delivered to some worker and not yet acknowledged.
    pub queue_ack_pending: IntGauge,
    /// Seconds from receiving a job to acknowledging it.
    pub job_seconds: Histogram,
    /// Seconds of analysis per job (the encoder and heads).
    pub analysis_seconds: Histogram,
    /// Seconds of storing per job (waiting for the story lock included).
    pub store_seconds: Histogram,
}

fn histogram(r: &Registry, name: &str, help: &str) -> Result<Histogram> {
    let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(vec![
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    ]))
    .map_err(|e| QueueError::Metrics(e.to_string()))?;
    r.register(Box::new(h.clone()))
        .map_err(|e| QueueError::Metrics(e.to_string()))?;
    Ok(h)
}

fn counter(r: &Registry, name: &str, help: &str) -> Result<IntCounter> {
    let c = IntCounter::new(name, help).map_err(|e| QueueError::Metrics(e.to_string()))?;
    r.register(Box::new(c.clone()))
        .map_err(|e| QueueError::Metrics(e.to_string()))?;
    Ok(c)
}

fn gauge(r: &Registry, name: &str, help: &str) -> Result<IntGauge> {
    let g = IntGauge::new(name, help).map_err(|e| QueueError::Metrics(e.to_string()))?;
    r.register(Box::new(g.clone()))
        .map_err(|e| QueueError::Metrics(e.to_string()))?;
    Ok(g)
}

impl Metrics {
    pub fn new() -> Result<Self> {
        let r = Registry::new();
        let job_seconds = histogram(
            &r,
            "rhetor_worker_job_seconds",
            "Seconds from receiving a job to acknowledging it",
        )?;
        let analysis_seconds = histogram(
            &r,
            "rhetor_worker_analysis_seconds",
            "Seconds of analysis per job",
        )?;
        let store_seconds = histogram(
            &r,
            "rhetor_worker_store_seconds",
            "Seconds of storing per job, waiting for the story lock included",
        )?;
        Ok(Metrics {
            added: counter(&r, "rhetor_worker_articles_added_total", "Articles stored")?,
            duplicates: counter(
                &r,
                "rhetor_worker_duplicates_total",
                "Jobs whose article was already stored",
            )?,
            failures: counter(
                &r,
                "rhetor_worker_failures_total",
                "Attempts that failed and were handed back for a retry",
            )?,
            redeliveries: counter(
                &r,
                "rhetor_worker_redeliveries_total",
                "Jobs received that had been delivered before",
            )?,
            dead: counter(
                &r,
                "rhetor_worker_dead_letters_total",
                "Jobs sent to the dead-letter subject",
            )?,
            in_flight: gauge(&r, "rhetor_worker_in_flight", "Jobs being worked on now")?,
            queue_pending: gauge(&r, "rhetor_queue_pending", "Jobs waiting in the queue")?,
            queue_ack_pending: gauge(
                &r,
                "rhetor_queue_ack_pending",
                "Jobs delivered to a worker and not yet acknowledged",
            )?,
            job_seconds,
            analysis_seconds,
            store_seconds,
            registry: r,
        })
    }

    /// Jobs finished (stored, duplicate or dead-lettered).
    pub fn done(&self) -> u64 {
        self.added.get() + self.duplicates.get() + self.dead.get()
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        // Encoding into a Vec cannot fail for these metric types.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// One stats line: rates since the previous line.
    pub fn line(&self, since: &mut (Instant, u64)) -> String {
        let now = Instant::now();
        let done = self.done();
        let secs = now.duration_since(since.0).as_secs_f64().max(1e-9);
        let rate = (done - since.1.min(done)) as f64 / secs;
        *since = (now, done);
        let per_job = |h: &Histogram| {
            let n = h.get_sample_count();
            if n == 0 {
                0.0
            } else {
                1000.0 * h.get_sample_sum() / n as f64
            }
        };
        format!(
            "{rate:.2} jobs/s; {done} done ({} added, {} duplicates, {} dead-lettered); {} failed attempts; {} redeliveries; {} in flight; queue: {} waiting, {} unacknowledged; per job: analysis {:.0} ms, store {:.0} ms, total {:.0} ms",
            self.added.get(),
            self.duplicates.get(),
            self.dead.get(),
            self.failures.get(),
            self.redeliveries.get(),
            self.in_flight.get(),
            self.queue_pending.get(),
            self.queue_ack_pending.get(),
            per_job(&self.analysis_seconds),
            per_job(&self.store_seconds),
            per_job(&self.job_seconds),
        )
    }
}

/// Serves `GET /metrics` on `addr` until the process ends. Returns the bound address (port 0
/// picks a free one).
pub async fn serve(metrics: Arc<Metrics>, addr: SocketAddr) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let m = metrics.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    m.render(),
                )
            }
        }),
    );
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!("metrics server stopped: {e}");
        }
    });
    Ok(bound)
}

/// How often the stats line is written by default.
pub const STATS_EVERY: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_metric_and_the_line_reads() {
        let m = Metrics::new().unwrap();
        m.added.inc_by(3);
        m.dead.inc();
        m.queue_pending.set(7);
        let text = m.render();
        for name in [
            "rhetor_worker_articles_added_total 3",
            "rhetor_worker_dead_letters_total 1",
            "rhetor_queue_pending 7",
            "rhetor_worker_job_seconds_bucket",
        ] {
            assert!(text.contains(name), "{name} missing in\n{text}");
        }
        let mut since = (Instant::now() - Duration::from_secs(2), 0);
        let line = m.line(&mut since);
        assert!(
            line.contains("4 done (3 added, 0 duplicates, 1 dead-lettered)"),
            "{line}"
        );
        assert!(line.contains("queue: 7 waiting"), "{line}");
    }
}
