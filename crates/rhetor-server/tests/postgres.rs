//! `rhetor serve --postgres`: the same API answers from a PostgreSQL store as from the embedded
//! store built from the same articles, and the answer cache follows commits made by another
//! process (a worker) through the store's change counter. Skipped without PostgreSQL, failed
//! under `CI=true`.

use rhetor_corpus::Sink;
use rhetor_postgres::testkit::TempPostgres;
use rhetor_postgres::PgCorpus;
use rhetor_server::testkit::{self, Bag, TestServer};
use rhetor_server::ServerConfig;

fn get_json(server: &TestServer, path: &str) -> (serde_json::Value, Option<String>) {
    let r = ureq::get(&server.url(path))
        .call()
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let cache = r.header("x-rhetor-cache").map(str::to_string);
    (
        serde_json::from_str(&r.into_string().unwrap()).unwrap(),
        cache,
    )
}

#[test]
fn the_api_answers_the_same_on_postgres_and_follows_other_writers() {
    let Some(pg) = TempPostgres::start_or_skip(
        "the_api_answers_the_same_on_postgres_and_follows_other_writers",
    ) else {
        return;
    };
    let url = pg.fresh_database().unwrap();
    let articles = testkit::fixture();
    let dir = tempfile::tempdir().unwrap();
    testkit::build_store(dir.path(), &articles).unwrap();
    {
        let mut c = PgCorpus::connect(&url, Bag).unwrap();
        for a in &articles {
            c.put(a).unwrap();
        }
    }
    let embedded = TestServer::start(dir.path());
    let mut config = ServerConfig::new(dir.path().join("unused"));
    config.postgres = Some(url.clone());
    config.port = 0;
    config.semantic_search = false;
    let server = TestServer::with_config(config);

    let first = articles[0].id.clone();
    for path in [
        "/api/stories".to_string(),
        "/api/stories/1".to_string(),
        "/api/articles".to_string(),
        format!("/api/articles/{first}"),
        "/api/outlets".to_string(),
        "/api/search?q=bridge&mode=text".to_string(),
        "/api/search?q=harbour+crack+elwin&mode=text&limit=2".to_string(),
    ] {
        let (a, _) = get_json(&embedded, &path);
        let (b, _) = get_json(&server, &path);
        assert_eq!(a, b, "{path}");
    }
    // Text search: the same hits with the same snippets.
    let hits = |v: serde_json::Value| {
        let mut h: Vec<String> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| format!("{} {}", h["id"], h["snippet"]))
            .collect();
        h.sort();
        h
    };
    let path = "/api/search?q=bridge&mode=text";
    let (a, _) = get_json(&embedded, path);
    let (b, _) = get_json(&server, path);
    assert!(!hits(b.clone()).is_empty());
    assert_eq!(hits(a), hits(b));
    // The HTML pages render from PostgreSQL too.
    for path in ["/", "/articles", "/stories/1"] {
        let r = ureq::get(&server.url(path)).call().unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }

    // Cached until another process stores an article; then the counter moves and the next
    // answer is fresh.
    let (before, _) = get_json(&server, "/api/articles");
    let (_, hit) = get_json(&server, "/api/articles");
    assert_eq!(hit.as_deref(), Some("hit"));
    let mut worker = PgCorpus::connect(&url, Bag).unwrap();
    let extra = testkit::article(
        "late",
        "late.example",
        "2024-05-01",
        "A late article stored by a worker",
        &["Stored by another process while the server runs."],
    );
    worker.put(&extra).unwrap();
    std::thread::sleep(rhetor_server::cache::POSTGRES_POLL * 3);
    let (after, cache) = get_json(&server, "/api/articles");
    assert_eq!(cache.as_deref(), Some("miss"));
    assert_ne!(before, after);
    assert!(after
        .to_string()
        .contains("A late article stored by a worker"));
}
