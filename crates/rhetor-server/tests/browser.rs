//! The pages in a real browser: Debian's `chromium` driven through `chromedriver` (WebDriver over
//! HTTP, spoken here with ureq). Opens an article page and checks its highlights and their hover
//! and focus text, a story page with two outlets, runs a search from the form, opens an outlet
//! page and the self-contained report, at desktop and phone width; takes screenshots (into
//! `$RHETOR_SCREENSHOTS`, default `target/browser-screenshots`), and fails on any console error
//! or any request to an address other than the loopback server.
//!
//! Skips with a message when chromium or chromedriver is missing, except under `CI=true`,
//! where that is a failure (`.ci/run` installs them).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use rhetor_server::testkit::{self, TestServer};
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(&format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json_of(r: ureq::Response) -> Value {
    serde_json::from_str(&r.into_string().unwrap()).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    fn start() -> Option<Driver> {
        if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)");
            }
            eprintln!("skipping the browser test: {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)");
            return None;
        }
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .build();
        let t0 = Instant::now();
        loop {
            if agent.get(&format!("{base}/status")).call().is_ok() {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1000", "--disable-background-networking", "--no-first-run",
                         "--disable-component-update", "--disable-sync", "--disable-default-apps",
                         "--disable-extensions", "--allow-file-access-from-files"],
            },
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"},
        }}});
        let mut d = Driver {
            child,
            base,
            session: String::new(),
            agent,
        };
        let v = d.post_at(&format!("{}/session", d.base), caps);
        d.session = v["sessionId"].as_str().expect("a session").to_string();
        Some(d)
    }

    fn post_at(&self, url: &str, body: Value) -> Value {
        match self
            .agent
            .post(url)
            .set("content-type", "application/json")
            .send_string(&body.to_string())
        {
            Ok(r) => json_of(r)["value"].clone(),
            Err(ureq::Error::Status(s, r)) => {
                panic!(
                    "webdriver {url}: {s} {}",
                    r.into_string().unwrap_or_default()
                )
            }
            Err(e) => panic!("webdriver {url}: {e}"),
        }
    }

    fn cmd(&self, path: &str, body: Value) -> Value {
        self.post_at(
            &format!("{}/session/{}{path}", self.base, self.session),
            body,
        )
    }

    fn get(&self, path: &str) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        match self.agent.get(&url).call() {
            Ok(r) => json_of(r)["value"].clone(),
            Err(e) => panic!("webdriver {url}: {e}"),
        }
    }

    fn open(&self, url: &str) {
        self.cmd("/url", json!({"url": url}));
    }

    fn js(&self, script: &str, args: Value) -> Value {
        self.cmd("/execute/sync", json!({"script": script, "args": args}))
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        self.cmd("/elements", json!({"using": "css selector", "value": css}))
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e.as_object()
                    .and_then(|o| o.values().next())
                    .and_then(Value::as_str)
                    .expect("an element reference")
                    .to_string()
            })
            .collect()
    }

    fn attr(&self, el: &str, name: &str) -> Option<String> {
        self.get(&format!("/element/{el}/attribute/{name}"))
            .as_str()
            .map(str::to_string)
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.get("/screenshot");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        let dir = std::env::var_os("RHETOR_SCREENSHOTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots")
            });
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(format!("{name}.png"));
        std::fs::write(&p, bytes).unwrap();
        eprintln!("screenshot: {}", p.display());
        p
    }

    fn set_size(&self, w: u32, h: u32) {
        self.cmd("/window/rect", json!({"width": w, "height": h}));
    }

    fn log(&self, kind: &str) -> Vec<Value> {
        self.cmd("/se/log", json!({"type": kind}))
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Fails on console errors and on requests to anything but `allowed` (a URL prefix),
    /// `data:` or `about:`; returns the URLs requested.
    fn check_logs(&self, allowed: &str) -> Vec<String> {
        let errors: Vec<Value> = self
            .log("browser")
            .into_iter()
            .filter(|e| e["level"] == "SEVERE" || e["level"] == "WARNING")
            .collect();
        assert!(errors.is_empty(), "console errors: {errors:#?}");
        let mut urls = Vec::new();
        for e in self.log("performance") {
            let Ok(m) = serde_json::from_str::<Value>(e["message"].as_str().unwrap_or("")) else {
                continue;
            };
            let m = &m["message"];
            if m["method"] == "Network.requestWillBeSent" {
                let url = m["params"]["request"]["url"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                assert!(
                    url.starts_with(allowed)
                        || url.starts_with("data:")
                        || url.starts_with("about:"),
                    "a request to an outside address: {url}"
                );
                urls.push(url);
            }
        }
        urls
    }
}

#[test]
fn pages_work_in_a_real_browser() {
    let Some(d) = Driver::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let articles = testkit::fixture();
    testkit::build_store(dir.path(), &articles).unwrap();
    let server = TestServer::start(dir.path());
    let origin = server.url("");
    let key = |id: &str| -> String {
        let v = json_of(
            ureq::get(&server.url(&format!("/api/articles/{id}")))
                .call()
                .unwrap(),
        );
        v["store"]["key"].as_str().unwrap().to_string()
    };

    // The article page: every span is highlighted; hover and focus show technique, definition, score.
    let a = &articles[0];
    d.open(&server.url(&format!("/articles/{}", key("bridge-a"))));
    let marks = d.find_all("div.text mark.hl");
    assert!(marks.len() >= a.techniques.len(), "{} marks", marks.len());
    for (i, t) in a.techniques.iter().enumerate() {
        // The browser's own text of the marks of span i is the span's text.
        let got = d.js(
            "return Array.from(document.querySelectorAll('div.text mark.hl')).filter(m => m.dataset.t.split(' ').includes(arguments[0])).map(m => m.textContent).join('')",
            json!([i.to_string()]),
        );
        assert_eq!(
            got.as_str().unwrap(),
            a.slice(t.start, t.end).unwrap(),
            "span {i}"
        );
    }
    let first = &marks[0];
    let title = d.attr(first, "title").unwrap();
    assert!(title.contains("score"), "{title}");
    // Hover: the detail panel (our script, allowed by the CSP) shows the technique.
    d.cmd("/actions", json!({"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
        "actions": [{"type": "pointerMove", "duration": 0, "origin": {ELEMENT: first}, "x": 0, "y": 0}]}]}));
    let panel = d.js(
        "return document.querySelector('.detail').textContent",
        json!([]),
    );
    assert!(
        panel.as_str().unwrap().contains("score"),
        "detail panel: {panel}"
    );
    // … with a link to the technique in the taxonomy, which has that entry.
    let link = d.js(
        "const a = document.querySelector('.detail a'); return a ? a.getAttribute('href') : ''",
        json!([]),
    );
    let link = link.as_str().unwrap().to_string();
    assert!(link.starts_with("/techniques#"), "{link}");
    d.open(&server.url(&link));
    let anchor = link.trim_start_matches("/techniques#").to_string();
    let found = d.js(
        "return document.getElementById(arguments[0]) !== null",
        json!([anchor]),
    );
    assert_eq!(found, json!(true), "{link}");
    d.check_logs(&origin);
    d.open(&server.url(&format!("/articles/{}", key("bridge-a"))));
    // Keyboard: Tab reaches a highlight, whose tooltip (CSS ::after) shows the same text.
    d.js(
        "document.activeElement && document.activeElement.blur(); window.scrollTo(0,0)",
        json!([]),
    );
    let mut tip = String::new();
    for _ in 0..40 {
        d.cmd(
            "/actions",
            json!({"actions": [{"type": "key", "id": "kb", "actions": [
            {"type": "keyDown", "value": "\u{E004}"}, {"type": "keyUp", "value": "\u{E004}"}]}]}),
        );
        let v = d.js("const e = document.activeElement; return e && e.matches('mark.hl') ? getComputedStyle(e, '::after').content : ''", json!([]));
        tip = v.as_str().unwrap_or("").to_string();
        if !tip.is_empty() && tip != "none" {
            break;
        }
    }
    assert!(tip.contains("score"), "focus tooltip: {tip:?}");
    d.screenshot("article");
    d.check_logs(&origin);

    // Hidden-by-default spans are drawn differently until the toggle is on (the choir article
    // has a span not shown by default that only partly overlaps a shown one).
    d.open(&server.url(&format!("/articles/{}", key("choir"))));
    let before = d.js("const m = document.querySelector('div.text mark.hid'); return m ? getComputedStyle(m).backgroundColor : 'none'", json!([]));
    d.js("document.querySelector('input.toggle').click()", json!([]));
    let after = d.js("const m = document.querySelector('div.text mark.hid'); return m ? getComputedStyle(m).backgroundColor : 'none'", json!([]));
    assert_ne!(before, after, "the toggle shows the hidden spans");
    d.screenshot("article-all-spans");
    d.check_logs(&origin);

    // The hostile article: its title is text, no script of it ran.
    d.open(&server.url(&format!("/articles/{}", key("hostile"))));
    let h1 = d.js("return document.querySelector('h1').textContent", json!([]));
    assert_eq!(h1.as_str().unwrap(), testkit::HOSTILE_TITLE);
    let injected = d.js("return document.querySelectorAll('main script, main img, main svg[onload], [onerror], [onmouseover]').length", json!([]));
    assert_eq!(injected, json!(0));
    d.screenshot("article-hostile");
    d.check_logs(&origin);

    // A story with two outlets side by side.
    let stories = json_of(ureq::get(&server.url("/api/stories")).call().unwrap());
    let story = stories["stories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["outlets"].as_array().unwrap().len() >= 2)
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    d.open(&server.url(&format!("/stories/{story}")));
    assert!(d.find_all(".side-col").len() >= 2);
    assert!(!d.find_all("figure.timeline circle").is_empty());
    d.screenshot("story");
    d.check_logs(&origin);

    // Search from the form.
    d.open(&server.url("/search"));
    let q = d.find_all("input[name=q]").remove(0);
    d.cmd(
        &format!("/element/{q}/value"),
        json!({"text": "harbour bridge"}),
    );
    let button = d.find_all("form.search button").remove(0);
    d.cmd(&format!("/element/{button}/click"), json!({}));
    let t0 = Instant::now();
    while d.find_all("ol.results li").is_empty() && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(d.find_all("ol.results li").len() >= 2, "search results");
    d.screenshot("search");
    d.check_logs(&origin);

    // An outlet against the corpus.
    d.open(&server.url("/outlets/elwin-courier.example?period=day"));
    assert!(d.find_all("figure.chart svg").len() >= 3);
    assert!(!d.find_all("figure.chart a[download]").is_empty());
    d.screenshot("outlet");
    d.check_logs(&origin);

    // Phone width: nothing wider than the screen.
    d.set_size(390, 844);
    for path in [
        format!("/articles/{}", key("bridge-a")),
        format!("/stories/{story}"),
        "/search?q=bridge".to_string(),
    ] {
        d.open(&server.url(&path));
        let over = d.js(
            "return document.documentElement.scrollWidth - window.innerWidth",
            json!([]),
        );
        assert!(
            over.as_i64().unwrap() <= 0,
            "{path}: {over} px too wide at phone width"
        );
    }
    d.open(&server.url(&format!("/articles/{}", key("bridge-a"))));
    d.screenshot("article-phone");
    d.check_logs(&origin);
    d.set_size(1280, 1000);

    // The report from disk: no request but the file itself.
    let mut store = rhetor_corpus::SqliteStore::open(dir.path()).unwrap();
    let html = rhetor_server::report::from_store(&mut store, &Default::default()).unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, html).unwrap();
    let file_url = format!("file://{}", file.display());
    d.open(&format!("{file_url}#a-{}", key("bridge-a")));
    assert!(
        d.js(
            "return document.querySelectorAll('section.view:target mark.hl').length",
            json!([])
        )
        .as_u64()
        .unwrap()
            >= 3
    );
    d.screenshot("report-article");
    d.open(&format!("{file_url}#s-{story}"));
    assert!(
        d.js(
            "return document.querySelectorAll('section.view:target .side-col').length",
            json!([])
        )
        .as_u64()
        .unwrap()
            >= 2
    );
    d.screenshot("report-story");
    let urls = d.check_logs(&file_url);
    assert!(urls.iter().all(|u| u.starts_with("file://")), "{urls:?}");
}
