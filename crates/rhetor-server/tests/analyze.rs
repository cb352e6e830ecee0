//! `POST /api/analyze` with the real models: an article sent as text, HTML or JSON is analysed
//! and returned, and stored only with `?store=true`. Needs the techniques model (in the
//! repository) and the sentence encoder (fetched on first use, as the CLI tests do); without
//! them the test skips, except under `CI=true`, where that is a failure.

use rhetor_server::testkit::{self, TestServer};
use rhetor_server::ServerConfig;

fn models_or_skip() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if rhetor::find_model_dir().is_none() {
        assert!(!ci, "CI=true but the techniques model is missing");
        eprintln!("skipping: no techniques model found");
        return false;
    }
    let fetched = rhetor_models::weights::cache_root()
        .map_err(|e| e.to_string())
        .and_then(|root| rhetor_models::weights::ensure_model(&root).map_err(|e| e.to_string()));
    if let Err(e) = fetched {
        assert!(!ci, "CI=true but the sentence encoder is missing: {e}");
        eprintln!("skipping: no sentence encoder ({e})");
        return false;
    }
    true
}

fn post(s: &TestServer, path: &str, ct: &str, body: &str) -> (u16, serde_json::Value) {
    let r = match ureq::post(&s.url(path))
        .set("content-type", ct)
        .send_string(body)
    {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = r.status();
    let text = r.into_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

fn get(s: &TestServer, path: &str) -> (u16, serde_json::Value) {
    let r = match ureq::get(&s.url(path)).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = r.status();
    (
        status,
        serde_json::from_str(&r.into_string().unwrap()).unwrap(),
    )
}

#[test]
fn analyze_returns_and_stores_only_when_asked() {
    if !models_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    testkit::build_store(dir.path(), &testkit::fixture()).unwrap();
    let mut config = ServerConfig::new(dir.path().to_path_buf());
    config.port = 0;
    let s = TestServer::with_config(config);

    let text = "Mayor calls the new tax a shameful betrayal of every family\n\n\
        The mayor of Port Elwin said on Monday that the council's new property tax was a shameful betrayal \
        of every hard-working family in the city.\n\n\
        \"We will fight this disgraceful plan with everything we have,\" she told reporters outside the town hall.\n";
    let (status, v) = post(&s, "/api/analyze", "text/plain", text);
    assert_eq!(status, 200, "{v}");
    let a = &v["articles"][0];
    assert_eq!(a["text"].as_str().unwrap(), text);
    assert!(a["genre"]["label"].is_string(), "{a}");
    assert!(!a["frames"].as_array().unwrap().is_empty());
    assert!(a["techniques"].is_array() && a["quotes"].is_array());
    assert!(v["stored"].as_array().unwrap().is_empty());
    assert_eq!(
        get(&s, "/api/articles").1["total"],
        4,
        "not stored without store=true"
    );

    // HTML, stored.
    let html = "<html><head><title>Ferry fares cut</title><meta property=\"og:site_name\" content=\"Elwin Courier\"></head>\
        <body><article><h1>Ferry fares cut as bridge stays shut</h1><p>The city cut ferry fares by half on Wednesday while the Harbour \
        bridge stays closed, the transport office said.</p><p>\"Nobody should pay more because a bridge cracked,\" said \
        transport chief Omar Said.</p></article></body></html>";
    let (status, v) = post(&s, "/api/analyze?store=true", "text/html", html);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["stored"][0]["status"], "added", "{v}");
    let key = v["stored"][0]["key"].as_str().unwrap().to_string();
    let (status, got) = get(&s, &format!("/api/articles/{key}"));
    assert_eq!(status, 200);
    assert_eq!(got["title"], v["articles"][0]["title"]);
    assert_eq!(get(&s, "/api/articles").1["total"], 5);
    // The same again is a duplicate.
    let (_, v) = post(&s, "/api/analyze?store=true", "text/html", html);
    assert_eq!(v["stored"][0]["status"], "duplicate");

    // A JSON object over several lines is one article.
    let json = "{\n  \"title\": \"Council delays the vote\",\n  \"outlet\": \"northern-post.example\",\n  \"text\": \"The council delayed its vote on the tax until March, a spokesman said.\"\n}";
    let (status, v) = post(&s, "/api/analyze", "application/json", json);
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["articles"][0]["metadata"]["outlet"],
        "northern-post.example"
    );

    // Hybrid search runs now that the encoder is there.
    let (_, v) = get(&s, "/api/search?q=ferry+fares");
    assert_eq!(v["mode"], "hybrid");
    assert!(!v["hits"].as_array().unwrap().is_empty());
}
