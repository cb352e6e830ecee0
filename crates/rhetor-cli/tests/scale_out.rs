//! Scale-out end to end: a `nats-server` and a PostgreSQL server of the test's own (loopback,
//! own ports and folders), `rhetor submit` of 300 articles written here plus bad inputs, three
//! poison jobs planted on the queue, three `rhetor worker` processes with the real models, one
//! of them killed with SIGKILL mid-run. Afterwards every article is stored exactly once, nothing
//! is lost, and the dead-letter stream holds exactly the poison jobs.
//!
//! Needs `nats-server` and PostgreSQL (scripts/test.sh installs both); without them the test
//! skips with a message, and with CI=true it fails.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rhetor_corpus::{Filter, Store};
use rhetor_postgres::testkit::TempPostgres;
use rhetor_postgres::PgStore;

const ARTICLES: usize = 300;
const OUTLETS: [&str; 10] = [
    "Harbour Herald",
    "Valley Times",
    "Northern Courier",
    "Daily Ledger",
    "Coastal Post",
    "Metro Wire",
    "Evening Standard-Bearer",
    "County Chronicle",
    "Plains Observer",
    "Riverside Record",
];
const TOWNS: [&str; 10] = [
    "Arden", "Belmont", "Corrin", "Dalby", "Eston", "Fenwick", "Garrow", "Hollin", "Ilford",
    "Jessop",
];
const EVENTS: [(&str, &str); 3] = [
    ("approves harbour bridge repairs", "the bridge repairs"),
    ("opens flood shelter for families", "the flood shelter"),
    ("cuts bus routes after budget vote", "the route cuts"),
];
const ANGLES: [&str; 10] = [
    "Residents welcomed the decision",
    "Critics called the move rushed",
    "Shop owners said they were worried",
    "Engineers warned of delays",
    "Parents asked for more information",
    "The opposition demanded a second vote",
    "Volunteers offered to help",
    "Unions questioned the cost",
    "Farmers said they had not been consulted",
    "Students organised a petition",
];

/// Article `i`: 30 events (3 kinds in 10 towns), each told by 10 outlets in their own words.
fn article(i: usize) -> serde_json::Value {
    let outlet = OUTLETS[i % 10];
    let event = i / 10;
    let town = TOWNS[event % 10];
    let (what, thing) = EVENTS[event / 10];
    let angle = ANGLES[(i * 7 + event) % 10];
    let n = 3 + (i * 13) % 40;
    let title = format!("{town} council {what}");
    let text = format!(
        "{town} council {what} in a vote of {n} to {m} on Tuesday, {outlet} reports.\n\n\
         {angle}, and the mayor of {town} said {thing} would be reviewed in {k} months. \
         \"We listened to everyone who wrote to us,\" said councillor Mara Quist.\n\n\
         The council will publish the full minutes of meeting {i} next week.",
        m = n / 3,
        k = 2 + i % 9,
    );
    serde_json::json!({
        "id": format!("art-{i:03}"),
        "title": title,
        "text": text,
        "url": format!("https://{}.example/news/{i}", outlet.to_lowercase().replace([' ', '-'], "")),
        "outlet": outlet,
        "published": format!("2026-03-{:02}", 1 + event % 28),
    })
}

fn rhetor(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rhetor"));
    c.args(args);
    c
}

fn spawn_worker(nats: &str, pg: &str, log: &Path) -> Child {
    let out = std::fs::File::create(log).unwrap();
    rhetor(&[
        "worker",
        "--nats",
        nats,
        "--postgres",
        pg,
        "--concurrency",
        "2",
        "--ack-wait",
        "4",
        "--max-deliver",
        "3",
        "--exit-when-idle",
        "3",
        "--stats-every",
        "5",
    ])
    .stdout(Stdio::null())
    .stderr(out)
    .spawn()
    .expect("starting rhetor worker")
}

fn wait_exit(child: &mut Child, limit: Duration, log: &Path) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(
                status.success(),
                "worker exited with {status}:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
            return;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!(
                "worker still running after {limit:?}:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn three_workers_one_killed_store_every_article_once_and_dead_letter_only_the_poison() {
    let Some(nats) = rhetor_queue::testkit::start_or_skip("scale-out end to end") else {
        return;
    };
    let Some(pg) = TempPostgres::start_or_skip("scale-out end to end") else {
        return;
    };
    let pg_url = pg.fresh_database().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    std::fs::create_dir(&inputs).unwrap();
    let mut jsonl = String::new();
    for i in 0..ARTICLES {
        jsonl.push_str(&article(i).to_string());
        jsonl.push('\n');
    }
    std::fs::write(inputs.join("articles.jsonl"), jsonl).unwrap();
    // Bad inputs: submit names and skips them, and submits the rest.
    std::fs::write(inputs.join("empty.txt"), "").unwrap();
    std::fs::write(inputs.join("binary.txt"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();

    let out = rhetor(&["submit", "--nats", &nats.url(), "--format", "json"])
        .arg(&inputs)
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "submit printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(out.status.code(), Some(1), "bad inputs make exit status 1");
    assert_eq!(summary["submitted"], ARTICLES, "{summary}");
    assert_eq!(summary["skipped"], 2, "{summary}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("empty.txt") && stderr.contains("binary.txt"),
        "{stderr}"
    );

    // Poison: jobs no retry can fix, as a foreign or buggy producer could publish them.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let poison: [&[u8]; 3] = [
        b"\x00\x01 not json at all",
        br#"{"schema":"rhetor.job/99","article":{"id":"x"}}"#,
        br#"{"schema":"rhetor.job/1","article":{"id":"no-text","source":"s","text":""}}"#,
    ];
    rt.block_on(async {
        let q = rhetor_queue::connect_producer(&nats.url()).await.unwrap();
        for p in poison {
            q.js.publish(rhetor_queue::JOB_SUBJECT, p.to_vec().into())
                .await
                .unwrap()
                .await
                .unwrap();
        }
    });

    let logs: Vec<_> = (0..3)
        .map(|w| dir.path().join(format!("worker{w}.log")))
        .collect();
    let mut workers: Vec<Child> = logs
        .iter()
        .map(|l| spawn_worker(&nats.url(), &pg_url, l))
        .collect();

    // Kill one worker with SIGKILL once a fifth of the articles are stored.
    let store = PgStore::connect(&pg_url).unwrap();
    let start = Instant::now();
    loop {
        let n = store.count(&Filter::default()).unwrap_or(0);
        if n >= (ARTICLES / 5) as u64 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "only {n} stored after 10 min:\n{}",
            std::fs::read_to_string(&logs[0]).unwrap_or_default()
        );
        assert!(
            workers[0].try_wait().unwrap().is_none(),
            "worker 0 ended early:\n{}",
            std::fs::read_to_string(&logs[0]).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    workers[0].kill().unwrap(); // SIGKILL: no drain, no goodbye.
    workers[0].wait().unwrap();
    for (w, log) in workers.iter_mut().zip(&logs).skip(1) {
        wait_exit(w, Duration::from_secs(900), log);
    }

    // Every article stored exactly once, nothing lost.
    let rows = store.list(&Filter::default(), 10 * ARTICLES, 0).unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), ARTICLES, "stored rows");
    assert_eq!(unique.len(), ARTICLES, "distinct articles");
    let expected: BTreeSet<String> = (0..ARTICLES).map(|i| format!("art-{i:03}")).collect();
    assert!(
        unique.iter().all(|id| expected.contains(*id)),
        "unexpected ids"
    );
    // Every article analysed and in a story.
    assert!(rows.iter().all(|r| r.story.is_some() && r.genre.is_some()));
    // Stories stayed consistent while three workers added to them at once: every story's size
    // is its member count, and the members are exactly the articles that name the story.
    let stories = store.stories(10 * ARTICLES).unwrap();
    let mut members = 0;
    for st in &stories {
        let m = store.story_members(st.id).unwrap();
        assert_eq!(m.len() as u64, st.size, "story {} size", st.id);
        assert!(m.iter().all(|r| r.story == Some(st.id)));
        members += m.len();
    }
    assert_eq!(
        members, ARTICLES,
        "every article in exactly one stored story"
    );
    assert!(
        stories.len() < ARTICLES / 2,
        "articles about one event were grouped: {} stories for {ARTICLES} articles",
        stories.len()
    );
    let (_, a) = store.article("art-007").unwrap().unwrap();
    assert!(!a.quotes.is_empty(), "the quote of art-007 was found");

    // The killed worker's jobs came back: the survivors saw redeliveries.
    let survivors: String = logs[1..]
        .iter()
        .map(|l| std::fs::read_to_string(l).unwrap_or_default())
        .collect();
    let redelivered: u64 = survivors
        .lines()
        .filter(|l| l.contains("stopped; totals:"))
        .filter_map(|l| {
            l.split("; ")
                .find(|p| p.ends_with("redeliveries"))
                .and_then(|p| p.split_whitespace().next())
                .and_then(|n| n.parse::<u64>().ok())
        })
        .sum();
    assert!(
        redelivered >= 1,
        "no job of the killed worker was redelivered:\n{survivors}"
    );

    // Exactly the poison is in the dead-letter stream.
    let dead = rt.block_on(async {
        let q = rhetor_queue::connect_producer(&nats.url()).await.unwrap();
        rhetor_queue::dead_letters(&q).await.unwrap()
    });
    let mut got: Vec<Vec<u8>> = dead.iter().map(|d| d.payload.clone()).collect();
    got.sort();
    let mut want: Vec<Vec<u8>> = poison.iter().map(|p| p.to_vec()).collect();
    want.sort();
    assert_eq!(got, want, "dead letters: {dead:?}");
    assert!(dead.iter().all(|d| !d.reason.is_empty()));
}

#[test]
fn sigterm_stops_a_worker_cleanly_and_leaves_the_rest_of_the_queue() {
    let Some(nats) = rhetor_queue::testkit::start_or_skip("worker SIGTERM") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("a.jsonl");
    let lines: Vec<String> = (0..40).map(|i| article(i).to_string()).collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    let out = rhetor(&["submit", "--nats", &nats.url(), "-q"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let db = dir.path().join("db");
    let log = dir.path().join("worker.log");
    let mut w = rhetor(&[
        "worker",
        "--nats",
        &nats.url(),
        "--concurrency",
        "1",
        "--db",
    ])
    .arg(&db)
    .stderr(std::fs::File::create(&log).unwrap())
    .spawn()
    .unwrap();
    // Once it has stored something, ask it to stop.
    let start = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("taking jobs")
        || !db.join("corpus.sqlite").exists()
    {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "worker never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-TERM", &w.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_exit(&mut w, Duration::from_secs(60), &log);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("stopped; totals:"), "{text}");

    // What it stored plus what is still queued is everything: nothing lost, nothing twice.
    let stored = rhetor_corpus::SqliteStore::open_read(&db)
        .unwrap()
        .count(&Filter::default())
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (waiting, unacked) = rt.block_on(async {
        let q = rhetor_queue::connect(&nats.url(), &Default::default())
            .await
            .unwrap();
        rhetor_queue::depth(&q).await.unwrap()
    });
    assert!(stored < 40, "it stopped before the end ({stored} stored)");
    assert_eq!(
        stored + waiting + unacked,
        40,
        "{stored} + {waiting} + {unacked}"
    );
}
