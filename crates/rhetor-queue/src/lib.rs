//! Scale-out: analysis jobs on a NATS JetStream work queue, taken by any number of stateless
//! workers on any machines, each writing through the same [`rhetor_corpus::Sink`] the embedded
//! store uses (PostgreSQL when several workers share one store).
//!
//! Layout:
//! - this file: the names on the server (streams, subjects, consumer), the job format, and
//!   [`connect`], which creates the streams and the consumer when they are missing;
//! - [`submit`]: publishing one job per article with bounded in-flight publishes;
//! - [`worker`]: pulling jobs, analysing, storing, acknowledging; retries, the dead-letter
//!   subject, graceful shutdown, the stats line and Prometheus metrics;
//! - [`testkit`]: a throwaway `nats-server` for tests.
//!
//! Delivery is at least once (JetStream redelivers a job whose acknowledgement did not arrive
//! within the ack wait: a worker that died, or one that hangs), and exactly once in effect,
//! because [`rhetor_corpus::Sink::put`] is idempotent by the article's store key: a job done
//! twice stores its article once. Submissions carry the same key as `Nats-Msg-Id`, so the
//! server itself drops a job submitted twice within its duplicate window.

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use rhetor_doc::Article;
use serde::{Deserialize, Serialize};

pub mod metrics;
pub mod submit;
pub mod testkit;
pub mod worker;

/// The work-queue stream: a job is kept until one worker acknowledges it (retention
/// `workqueue`), on disk (storage `file`).
pub const JOB_STREAM: &str = "RHETOR_JOBS";
/// Subject jobs are published on.
pub const JOB_SUBJECT: &str = "rhetor.jobs";
/// The dead-letter stream (retention `limits`: kept for [`DEAD_MAX_AGE`] for people to read).
pub const DEAD_STREAM: &str = "RHETOR_DEAD";
/// Subject a job goes to when it cannot be done, with the reason in the `Rhetor-Reason` header.
pub const DEAD_SUBJECT: &str = "rhetor.dead";
/// The durable pull consumer every worker shares.
pub const CONSUMER: &str = "rhetor-workers";
/// How long dead letters are kept.
pub const DEAD_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);
/// Window in which the server drops a second job with the same `Nats-Msg-Id` (the article key).
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(10 * 60);
/// Version of the job payload.
pub const JOB_SCHEMA: &str = "rhetor.job/1";
/// Largest job payload: the server's default `max_payload` (1 MiB).
pub const MAX_JOB_BYTES: usize = 1024 * 1024;

/// Header names on dead letters.
pub mod headers {
    /// Why the job was given up.
    pub const REASON: &str = "Rhetor-Reason";
    /// How often it was delivered.
    pub const DELIVERIES: &str = "Rhetor-Deliveries";
    /// Its sequence in the job stream.
    pub const JOB_SEQUENCE: &str = "Rhetor-Job-Sequence";
    /// The article's source (file name), when the job could be read.
    pub const SOURCE: &str = "Rhetor-Source";
}

/// Errors of the queue.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("cannot connect to NATS at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("JetStream: {0}")]
    JetStream(String),
    #[error("malformed job: {0}")]
    Job(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("metrics: {0}")]
    Metrics(String),
}

pub type Result<T, E = QueueError> = std::result::Result<T, E>;

pub(crate) fn js_err(e: impl std::fmt::Display) -> QueueError {
    QueueError::JetStream(e.to_string())
}

/// One job: an article as read (not yet analysed).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// [`JOB_SCHEMA`].
    pub schema: String,
    pub article: Article,
}

impl Job {
    pub fn new(article: Article) -> Self {
        Job {
            schema: JOB_SCHEMA.to_string(),
            article,
        }
    }

    /// Reads a job payload; anything but a [`JOB_SCHEMA`] job is an error that no retry fixes.
    pub fn parse(payload: &[u8]) -> Result<Job> {
        #[derive(Deserialize)]
        struct Head {
            schema: Option<String>,
        }
        let head: Head = serde_json::from_slice(payload)
            .map_err(|e| QueueError::Job(format!("not a JSON job ({e})")))?;
        match head.schema.as_deref() {
            Some(JOB_SCHEMA) => {}
            Some(other) => {
                return Err(QueueError::Job(format!(
                    "job schema {other:?} is not {JOB_SCHEMA:?} (submitted by another version of rhetor?)"
                )))
            }
            None => return Err(QueueError::Job("no \"schema\" field".into())),
        }
        let job: Job = serde_json::from_slice(payload)
            .map_err(|e| QueueError::Job(format!("the article does not parse ({e})")))?;
        if job.article.text.is_empty() {
            return Err(QueueError::Job("the article has no text".into()));
        }
        Ok(job)
    }
}

/// How jobs are redelivered.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// A job not acknowledged within this long is delivered again (a worker that died). Workers
    /// send progress notes while they work, so a long job is not redelivered while it runs.
    pub ack_wait: Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            ack_wait: Duration::from_secs(60),
        }
    }
}

/// A connection with the streams in place, and the shared consumer for workers.
pub struct Queue {
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    pub jobs: stream::Stream,
    /// The workers' consumer: set by [`connect`], not by [`connect_producer`].
    pub consumer: Option<consumer::PullConsumer>,
}

async fn open(url: &str) -> Result<Queue> {
    let client = async_nats::ConnectOptions::new()
        .name("rhetor")
        .connect(url)
        .await
        .map_err(|e| QueueError::Connect {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
    let js = jetstream::new(client.clone());
    let jobs = js
        .get_or_create_stream(stream::Config {
            name: JOB_STREAM.to_string(),
            subjects: vec![JOB_SUBJECT.to_string()],
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            duplicate_window: DUPLICATE_WINDOW,
            description: Some("rhetor analysis jobs: one article each".into()),
            ..Default::default()
        })
        .await
        .map_err(js_err)?;
    js.get_or_create_stream(stream::Config {
        name: DEAD_STREAM.to_string(),
        subjects: vec![DEAD_SUBJECT.to_string()],
        retention: stream::RetentionPolicy::Limits,
        storage: stream::StorageType::File,
        max_age: DEAD_MAX_AGE,
        duplicate_window: DUPLICATE_WINDOW,
        description: Some("rhetor jobs given up, with the reason in Rhetor-Reason".into()),
        ..Default::default()
    })
    .await
    .map_err(js_err)?;
    Ok(Queue {
        client,
        js,
        jobs,
        consumer: None,
    })
}

/// Connects to `url` to publish jobs, creating the job and dead-letter streams when they are
/// missing. The consumer is left alone, so a worker's `--ack-wait` stands.
pub async fn connect_producer(url: &str) -> Result<Queue> {
    open(url).await
}

/// Connects to `url` as a worker: the streams as [`connect_producer`] makes them, and the
/// shared consumer created, or updated to `config` (the worker started last sets the ack wait).
pub async fn connect(url: &str, config: &QueueConfig) -> Result<Queue> {
    let mut queue = open(url).await?;
    let consumer = queue
        .jobs
        .create_consumer(consumer::pull::Config {
            durable_name: Some(CONSUMER.to_string()),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: config.ack_wait,
            // The workers count deliveries themselves and dead-letter a job past their
            // limit, so a job is never dropped by the server unseen.
            max_deliver: -1,
            max_ack_pending: 100_000,
            description: Some("rhetor workers".into()),
            ..Default::default()
        })
        .await
        .map_err(js_err)?;
    queue.consumer = Some(consumer);
    Ok(queue)
}

/// Jobs waiting and jobs delivered but not yet acknowledged (before any worker connected:
/// every job in the stream is waiting).
pub async fn depth(queue: &Queue) -> Result<(u64, u64)> {
    match &queue.consumer {
        Some(c) => {
            let info = c.get_info().await.map_err(js_err)?;
            Ok((info.num_pending, info.num_ack_pending as u64))
        }
        None => {
            let mut jobs = queue.jobs.clone();
            let info = jobs.info().await.map_err(js_err)?;
            Ok((info.state.messages, 0))
        }
    }
}

/// A dead letter as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub reason: String,
    pub deliveries: u64,
    pub source: Option<String>,
    pub payload: Vec<u8>,
}

/// Every dead letter in the dead-letter stream, oldest first.
pub async fn dead_letters(queue: &Queue) -> Result<Vec<DeadLetter>> {
    let mut dead = queue.js.get_stream(DEAD_STREAM).await.map_err(js_err)?;
    let info = dead.info().await.map_err(js_err)?;
    let (first, last) = (info.state.first_sequence, info.state.last_sequence);
    let mut out = Vec::new();
    if info.state.messages == 0 {
        return Ok(out);
    }
    for seq in first..=last {
        let Ok(m) = dead.get_raw_message(seq).await else {
            continue;
        };
        let h = |name: &str| {
            m.headers
                .get(name)
                .map(|v| v.as_str().to_string())
                .filter(|s| !s.is_empty())
        };
        out.push(DeadLetter {
            reason: h(headers::REASON).unwrap_or_default(),
            deliveries: h(headers::DELIVERIES)
                .and_then(|d| d.parse().ok())
                .unwrap_or(0),
            source: h(headers::SOURCE),
            payload: m.payload.to_vec(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_and_bad_payloads_name_the_reason() {
        let mut a = Article::new("a1", "a1.txt", "Some words here.");
        a.title = Some("A title".into());
        let bytes = serde_json::to_vec(&Job::new(a.clone())).unwrap();
        let job = Job::parse(&bytes).unwrap();
        assert_eq!(job.article, a);
        let e = Job::parse(b"\x00\x01garbage").unwrap_err().to_string();
        assert!(e.contains("not a JSON job"), "{e}");
        let e = Job::parse(br#"{"schema":"rhetor.job/99","article":{}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("rhetor.job/99"), "{e}");
        let e = Job::parse(br#"{"article":{}}"#).unwrap_err().to_string();
        assert!(e.contains("schema"), "{e}");
        let e = Job::parse(br#"{"schema":"rhetor.job/1","article":{"id":3}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not parse"), "{e}");
    }
}
