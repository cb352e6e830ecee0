//! `rhetor submit`: one job per article on the work queue, with back-pressure: at most
//! `max_in_flight` publishes wait for the server's acknowledgement at once, and every one is
//! awaited before the summary, so "submitted" means stored by JetStream.

use std::future::Future;
use std::pin::Pin;

use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::message::PublishMessage;
use futures::stream::{FuturesUnordered, StreamExt};
use rhetor_corpus::ArticleKey;
use rhetor_doc::Article;
use serde::Serialize;

use crate::{Job, Queue, JOB_SUBJECT, MAX_JOB_BYTES};

/// What a submission did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SubmitSummary {
    /// Jobs the server stored.
    pub submitted: usize,
    /// Jobs the server dropped as already queued (same article key within its duplicate window).
    pub duplicates: usize,
    /// Inputs not submitted: unreadable, or an article too large for one message.
    pub skipped: usize,
    /// Publishes the server refused or did not acknowledge.
    pub failed: usize,
    /// Every skipped or failed input, with the reason.
    pub errors: Vec<SubmitError>,
}

/// One input that was not submitted.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SubmitError {
    pub source: String,
    pub error: String,
}

type Pending = Pin<Box<dyn Future<Output = (String, Result<bool, String>)> + Send>>;

/// Publishes jobs with a bounded number of acknowledgements outstanding.
pub struct Submitter<'q> {
    queue: &'q Queue,
    max_in_flight: usize,
    pending: FuturesUnordered<Pending>,
    pub summary: SubmitSummary,
}

impl<'q> Submitter<'q> {
    pub fn new(queue: &'q Queue, max_in_flight: usize) -> Self {
        Submitter {
            queue,
            max_in_flight: max_in_flight.max(1),
            pending: FuturesUnordered::new(),
            summary: SubmitSummary::default(),
        }
    }

    /// Records an input that could not be read.
    pub fn skip(&mut self, source: impl Into<String>, error: impl Into<String>) {
        self.summary.skipped += 1;
        self.summary.errors.push(SubmitError {
            source: source.into(),
            error: error.into(),
        });
    }

    /// Queues one article; waits first while `max_in_flight` publishes are unacknowledged.
    pub async fn push(&mut self, article: Article) {
        while self.pending.len() >= self.max_in_flight {
            self.settle_one().await;
        }
        let source = article.source.clone();
        let key = ArticleKey::of(&article).key;
        let payload = match serde_json::to_vec(&Job::new(article)) {
            Ok(p) => p,
            Err(e) => return self.skip(source, format!("cannot encode the job: {e}")),
        };
        if payload.len() > MAX_JOB_BYTES {
            return self.skip(
                source,
                format!(
                    "the article is {} KiB as a job, over the {} KiB a NATS message carries by default",
                    payload.len() / 1024,
                    MAX_JOB_BYTES / 1024
                ),
            );
        }
        let publish = PublishMessage::build()
            .payload(payload.into())
            .message_id(key);
        match self.queue.js.send_publish(JOB_SUBJECT, publish).await {
            Ok(ack) => self.pending.push(Box::pin(wait(source, ack))),
            Err(e) => self.fail(source, e.to_string()),
        }
    }

    fn fail(&mut self, source: String, error: String) {
        self.summary.failed += 1;
        self.summary.errors.push(SubmitError { source, error });
    }

    async fn settle_one(&mut self) {
        if let Some((source, r)) = self.pending.next().await {
            match r {
                Ok(true) => self.summary.duplicates += 1,
                Ok(false) => self.summary.submitted += 1,
                Err(e) => self.fail(source, e),
            }
        }
    }

    /// Waits for every acknowledgement and returns the summary.
    pub async fn finish(mut self) -> SubmitSummary {
        while !self.pending.is_empty() {
            self.settle_one().await;
        }
        self.summary
    }
}

async fn wait(source: String, ack: PublishAckFuture) -> (String, Result<bool, String>) {
    let r = ack.await.map(|a| a.duplicate).map_err(|e| e.to_string());
    (source, r)
}
