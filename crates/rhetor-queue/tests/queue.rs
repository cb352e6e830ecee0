//! The queue on a real `nats-server` (started by the test on its own port): submit, work,
//! dead letters, retries, shutdown. Articles are written here; the store is the embedded one
//! with a model-free embedder. (The end-to-end test with worker processes, PostgreSQL and a
//! SIGKILL is in rhetor-cli's tests.)

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhetor_corpus::testkit::Bag;
use rhetor_corpus::{Corpus, Store};
use rhetor_doc::Article;
use rhetor_queue::metrics::Metrics;
use rhetor_queue::submit::Submitter;
use rhetor_queue::testkit::start_or_skip;
use rhetor_queue::worker::{self, Analyze, SharedSink, WorkerConfig};
use rhetor_queue::{connect, dead_letters, depth, QueueConfig, JOB_SUBJECT};
use tokio::sync::watch;

const TOWNS: [&str; 6] = ["Arden", "Belmont", "Corrin", "Dalby", "Eston", "Fenwick"];
const EVENTS: [&str; 5] = [
    "opened a new library branch",
    "approved the harbour budget",
    "closed a road for repairs",
    "hired twelve teachers",
    "held a flood drill",
];

fn article(i: usize) -> Article {
    let town = TOWNS[i % TOWNS.len()];
    let event = EVENTS[(i / TOWNS.len()) % EVENTS.len()];
    let title = format!("{town} council {event} (report {i})");
    let body = format!(
        "The council of {town} {event} on Monday, item {i} of the week. \
         The mayor said the decision followed a public meeting."
    );
    let mut a = Article::new(
        format!("a{i}"),
        format!("a{i}.txt"),
        format!("{title}\n\n{body}"),
    );
    a.title = Some(title);
    a.metadata.outlet = Some(format!("outlet{}", i % 3));
    a.metadata.published = Some(format!("2026-03-{:02}", 1 + i % 28));
    a
}

fn sink(dir: &std::path::Path) -> SharedSink {
    Arc::new(Mutex::new(Corpus::open(dir, Bag).unwrap()))
}

fn quick(concurrency: usize) -> WorkerConfig {
    WorkerConfig {
        concurrency,
        max_deliver: 3,
        ack_wait: Duration::from_secs(5),
        retry_delay: Duration::from_millis(20),
        grace: Duration::from_secs(5),
        stats_every: None,
    }
}

fn logger() -> Arc<dyn Fn(&str) + Send + Sync> {
    Arc::new(|l: &str| eprintln!("worker: {l}"))
}

async fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_flow_through_a_worker_into_the_store_and_poison_goes_to_dead_letters() {
    let Some(nats) = start_or_skip("queue flow") else {
        return;
    };
    let queue = connect(&nats.url(), &QueueConfig::default()).await.unwrap();
    let mut sub = Submitter::new(&queue, 4);
    for i in 0..20 {
        sub.push(article(i)).await;
    }
    // The same article again: the server drops it (same Nats-Msg-Id within the window).
    sub.push(article(3)).await;
    sub.skip("broken.html", "not UTF-8");
    let summary = sub.finish().await;
    assert_eq!(
        (
            summary.submitted,
            summary.duplicates,
            summary.skipped,
            summary.failed
        ),
        (20, 1, 1, 0),
        "{summary:?}"
    );
    // Poison from a foreign or buggy producer.
    for bad in [
        &b"\xff\xfe not json"[..],
        br#"{"schema":"rhetor.job/99","article":{}}"#,
    ] {
        queue
            .js
            .publish(JOB_SUBJECT, bad.to_vec().into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    assert_eq!(depth(&queue).await.unwrap().0, 22);

    let dir = tempfile::tempdir().unwrap();
    let analyzer: Arc<dyn Analyze> = Arc::new(|a: &mut Article| {
        a.warnings.push("seen by the test analyzer".into());
        Ok(())
    });
    let metrics = Arc::new(Metrics::new().unwrap());
    let (stop_tx, stop) = watch::channel(false);
    let q2 = connect(&nats.url(), &QueueConfig::default()).await.unwrap();
    let m2 = metrics.clone();
    let sink = sink(dir.path());
    let w = tokio::spawn(async move {
        worker::run(&q2, quick(3), analyzer, sink, m2, stop, logger()).await
    });
    wait_for("20 stored and 2 dead letters", 60, || {
        metrics.added.get() == 20 && metrics.dead.get() == 2
    })
    .await;
    stop_tx.send(true).unwrap();
    w.await.unwrap().unwrap();

    let store = rhetor_corpus::SqliteStore::open_read(dir.path()).unwrap();
    assert_eq!(store.count(&Default::default()).unwrap(), 20);
    let (row, stored) = store.article("a7").unwrap().expect("a7 stored");
    assert_eq!(row.outlet.as_deref(), Some("outlet1"));
    assert_eq!(
        stored.warnings,
        vec!["seen by the test analyzer".to_string()]
    );
    let dead = dead_letters(&queue).await.unwrap();
    assert_eq!(dead.len(), 2, "{dead:?}");
    // Three jobs run at once, so the two poison jobs may be dead-lettered in either order.
    assert!(
        dead.iter().any(|d| d.reason.contains("not a JSON job")),
        "{dead:?}"
    );
    assert!(
        dead.iter().any(|d| d.reason.contains("rhetor.job/99")),
        "{dead:?}"
    );
    assert_eq!(depth(&queue).await.unwrap(), (0, 0));
    assert!(metrics
        .render()
        .contains("rhetor_worker_articles_added_total 20"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_keeps_failing_is_dead_lettered_after_max_deliver_with_its_reason() {
    let Some(nats) = start_or_skip("queue retries") else {
        return;
    };
    let queue = connect(&nats.url(), &QueueConfig::default()).await.unwrap();
    let mut sub = Submitter::new(&queue, 8);
    let mut poison = article(99);
    poison.text.push_str("\n\nPOISON");
    sub.push(poison).await;
    for i in 0..5 {
        sub.push(article(i)).await;
    }
    assert_eq!(sub.finish().await.submitted, 6);

    let dir = tempfile::tempdir().unwrap();
    let analyzer: Arc<dyn Analyze> = Arc::new(|a: &mut Article| {
        if a.text.contains("POISON") {
            Err("the test analyzer refuses this article".to_string())
        } else {
            Ok(())
        }
    });
    let metrics = Arc::new(Metrics::new().unwrap());
    let (stop_tx, stop) = watch::channel(false);
    let q2 = connect(&nats.url(), &QueueConfig::default()).await.unwrap();
    let (m2, sink) = (metrics.clone(), sink(dir.path()));
    let w = tokio::spawn(async move {
        worker::run(&q2, quick(2), analyzer, sink, m2, stop, logger()).await
    });
    wait_for("5 stored and the poison dead-lettered", 60, || {
        metrics.added.get() == 5 && metrics.dead.get() == 1
    })
    .await;
    stop_tx.send(true).unwrap();
    w.await.unwrap().unwrap();
    assert_eq!(metrics.failures.get(), 3);
    assert_eq!(metrics.redeliveries.get(), 2);
    let dead = dead_letters(&queue).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].deliveries, 3);
    assert_eq!(dead[0].source.as_deref(), Some("a99.txt"));
    assert!(
        dead[0]
            .reason
            .starts_with("failed 3 times; last: analysis: the test analyzer refuses"),
        "{}",
        dead[0].reason
    );
    // The payload is the job as submitted, ready to be resubmitted once fixed.
    let job = rhetor_queue::Job::parse(&dead[0].payload).unwrap();
    assert_eq!(job.article.id, "a99");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_worker_hands_its_jobs_back_and_another_finishes_them() {
    let Some(nats) = start_or_skip("queue shutdown") else {
        return;
    };
    let slow_redelivery = QueueConfig {
        ack_wait: Duration::from_secs(30),
    };
    let queue = connect(&nats.url(), &slow_redelivery).await.unwrap();
    let mut sub = Submitter::new(&queue, 8);
    for i in 0..6 {
        sub.push(article(i)).await;
    }
    assert_eq!(sub.finish().await.submitted, 6);

    let dir = tempfile::tempdir().unwrap();
    let store = sink(dir.path());
    let slow: Arc<dyn Analyze> = Arc::new(|_: &mut Article| {
        std::thread::sleep(Duration::from_secs(3));
        Ok(())
    });
    let metrics = Arc::new(Metrics::new().unwrap());
    let (stop_tx, stop) = watch::channel(false);
    let q2 = connect(&nats.url(), &QueueConfig::default()).await.unwrap();
    let (m2, s2) = (metrics.clone(), store.clone());
    let mut cfg = quick(2);
    cfg.grace = Duration::from_millis(200);
    let w = tokio::spawn(async move { worker::run(&q2, cfg, slow, s2, m2, stop, logger()).await });
    wait_for("two jobs in flight", 20, || metrics.in_flight.get() == 2).await;
    stop_tx.send(true).unwrap();
    w.await.unwrap().unwrap();
    assert_eq!(
        metrics.added.get(),
        0,
        "nothing finished within the grace period"
    );
    // Nothing is lost: all six are still in the queue, two of them handed back (a NAK keeps a
    // job counted as unacknowledged until it is delivered again).
    assert_eq!(depth(&queue).await.unwrap(), (4, 2));

    let fast: Arc<dyn Analyze> = Arc::new(|_: &mut Article| Ok(()));
    let metrics = Arc::new(Metrics::new().unwrap());
    let (stop_tx, stop) = watch::channel(false);
    let q3 = connect(&nats.url(), &QueueConfig::default()).await.unwrap();
    let m3 = metrics.clone();
    let w =
        tokio::spawn(
            async move { worker::run(&q3, quick(2), fast, store, m3, stop, logger()).await },
        );
    // The slow jobs' blocking work may still be storing: a redelivered job then finds its
    // article stored (a duplicate), never a second copy.
    // Within the ack wait (30 s, below): the two were handed back, not left to time out.
    wait_for("all six done", 20, || metrics.done() == 6).await;
    stop_tx.send(true).unwrap();
    w.await.unwrap().unwrap();
    let store = rhetor_corpus::SqliteStore::open_read(dir.path()).unwrap();
    assert_eq!(store.count(&Default::default()).unwrap(), 6);
}
