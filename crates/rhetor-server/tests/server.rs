//! The API and the pages end to end, on a small store of articles written here (hostile titles
//! and texts among them): every route answers, errors are JSON, unknown ids 404, traversal
//! attempts get 400/404 and no file, every answer carries the CSP, nothing hostile reaches a page
//! unescaped, and the article page highlights every span at its exact characters.

use rhetor_server::testkit::{self, TestServer};
use scraper::{ElementRef, Html, Node, Selector};

struct Fixture {
    _dir: tempfile::TempDir,
    server: TestServer,
    articles: Vec<rhetor_doc::Article>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let articles = testkit::fixture();
    testkit::build_store(dir.path(), &articles).unwrap();
    let server = TestServer::start(dir.path());
    Fixture {
        _dir: dir,
        server,
        articles,
    }
}

struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(std::time::Duration::from_secs(30))
        .build()
}

fn answer(r: Result<ureq::Response, ureq::Error>) -> Got {
    let r = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = r.status();
    let headers = r
        .headers_names()
        .into_iter()
        .map(|n| {
            let v = r.header(&n).unwrap_or("").to_string();
            (n, v)
        })
        .collect();
    let body = r.into_string().unwrap_or_default();
    Got {
        status,
        headers,
        body,
    }
}

fn get(s: &TestServer, path: &str) -> Got {
    answer(agent().get(&s.url(path)).call())
}

/// A request sent as raw bytes, so no client normalises `..` or percent escapes away.
fn raw_get(s: &TestServer, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(s.addr).unwrap();
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = c.read_to_string(&mut out);
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, out)
}

fn key_of(f: &Fixture, id: &str) -> String {
    let v = get(&f.server, &format!("/api/articles/{id}")).json();
    v["store"]["key"].as_str().unwrap().to_string()
}

fn story_with_two_outlets(f: &Fixture) -> u64 {
    let v = get(&f.server, "/api/stories").json();
    v["stories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["outlets"].as_array().unwrap().len() >= 2)
        .map(|s| s["id"].as_u64().unwrap())
        .expect("the two bridge articles form one story")
}

#[test]
fn api_answers_every_route() {
    let f = fixture();
    let s = &f.server;

    let v = get(s, "/api/articles?limit=2").json();
    assert_eq!(v["total"], 4);
    assert_eq!(v["articles"].as_array().unwrap().len(), 2);
    assert_eq!(v["limit"], 2);
    let v = get(s, "/api/articles?outlet=elwin-courier.example").json();
    assert_eq!(v["total"], 2);
    let v = get(s, "/api/articles?technique=Loaded_Language").json();
    assert_eq!(v["total"], 3, "{v}");
    let v = get(s, "/api/articles?since=2025-05-07").json();
    assert_eq!(v["total"], 2, "{v}");
    let g = get(s, "/api/articles?technique=Nonsense");
    assert_eq!(g.status, 400);
    assert_eq!(g.json()["status"], 400);
    assert!(g.json()["message"].as_str().unwrap().contains("Nonsense"));
    assert_eq!(get(s, "/api/articles?since=yesterday").status, 400);

    // The whole article: text and every annotation, as in docs/schema.md.
    let v = get(s, "/api/articles/bridge-a").json();
    assert_eq!(v["id"], "bridge-a");
    assert_eq!(v["text"].as_str().unwrap(), f.articles[0].text);
    assert_eq!(v["techniques"].as_array().unwrap().len(), 3);
    assert_eq!(v["quotes"].as_array().unwrap().len(), 1);
    assert_eq!(v["schema_version"], rhetor_doc::SCHEMA_VERSION);
    let key = v["store"]["key"].as_str().unwrap().to_string();
    assert_eq!(
        get(s, &format!("/api/articles/{key}")).json()["id"],
        "bridge-a"
    );
    let g = get(s, "/api/articles/no-such-article");
    assert_eq!(g.status, 404);
    assert_eq!(g.json()["status"], 404);

    let story = story_with_two_outlets(&f);
    let v = get(s, &format!("/api/stories/{story}")).json();
    assert_eq!(v["outlets"].as_array().unwrap().len(), 2, "{v}");
    assert!(v["shared"].is_object());
    assert_eq!(get(s, "/api/stories/999999").status, 404);
    assert_eq!(get(s, "/api/stories/abc").status, 400);

    let v = get(s, "/api/outlets").json();
    assert_eq!(v["outlets"].as_array().unwrap().len(), 3);
    let v = get(s, "/api/outlets/elwin-courier.example?period=week").json();
    assert_eq!(v["name"], "elwin-courier.example");
    assert!(v["profiles"].as_array().unwrap().len() >= 2, "{v}");
    assert_eq!(v["profiles"][0]["period"], "all");
    assert_eq!(get(s, "/api/outlets/nobody.example").status, 404);
    assert_eq!(
        get(s, "/api/outlets/elwin-courier.example?period=year").status,
        400
    );

    let v = get(s, "/api/search?q=harbour+bridge").json();
    let hits = v["hits"].as_array().unwrap();
    assert!(hits.len() >= 2, "{v}");
    assert_eq!(v["mode"], "text", "no encoder in this server");
    let v = get(s, "/api/search?q=bridge&outlet=elwin-courier.example").json();
    assert!(v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["outlet"] == "elwin-courier.example"));
    assert_eq!(get(s, "/api/search?q=").status, 400);
    assert_eq!(get(s, "/api/search?q=x&mode=magic").status, 400);

    let v = get(s, "/api/techniques").json();
    assert_eq!(v["techniques"].as_array().unwrap().len(), 23);
    assert_eq!(v["categories"].as_array().unwrap().len(), 6);

    let g = get(s, "/api/nothing/here");
    assert_eq!(g.status, 404);
    assert_eq!(g.json()["status"], 404);
}

#[test]
fn openapi_lists_every_route() {
    let f = fixture();
    let v = get(&f.server, "/api/openapi.json").json();
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    let paths = v["paths"].as_object().unwrap();
    for p in [
        "/api/articles",
        "/api/articles/{id}",
        "/api/stories",
        "/api/stories/{id}",
        "/api/outlets",
        "/api/outlets/{name}",
        "/api/search",
        "/api/techniques",
        "/api/analyze",
    ] {
        let item = paths.get(p).unwrap_or_else(|| panic!("{p} missing"));
        let op = item.get("get").or_else(|| item.get("post")).unwrap();
        assert!(op["responses"]["200"].is_object(), "{p}: {op}");
    }
    // Every $ref points at a schema that is there.
    let text = v.to_string();
    for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = r.split('"').next().unwrap();
        assert!(v["components"]["schemas"][name].is_object(), "{name}");
    }
}

const PAGES: &[&str] = &[
    "/",
    "/articles",
    "/articles?technique=Loaded_Language",
    "/stories",
    "/search",
    "/search?q=bridge",
    "/search?q=alert",
    "/techniques",
    "/outlets/elwin-courier.example",
    "/outlets/elwin-courier.example?period=day",
];

#[test]
fn pages_answer_with_csp_and_nothing_unescaped() {
    let f = fixture();
    let s = &f.server;
    let story = story_with_two_outlets(&f);
    let mut paths: Vec<String> = PAGES.iter().map(|p| p.to_string()).collect();
    for a in &f.articles {
        paths.push(format!("/articles/{}", key_of(&f, &a.id)));
    }
    paths.push(format!("/stories/{story}"));
    let hostile_story = get(s, "/api/articles/hostile").json()["store"]["story"]
        .as_u64()
        .unwrap();
    paths.push(format!("/stories/{hostile_story}"));
    paths.push(format!(
        "/outlets/{}",
        rhetor_server::views::encode_segment(testkit::HOSTILE_OUTLET)
    ));
    for p in &paths {
        let g = get(s, p);
        assert_eq!(g.status, 200, "{p}: {}", g.body);
        assert_csp(&g, p);
        assert!(g.header("content-type").unwrap().starts_with("text/html"));
        assert_safe(&g.body, p);
    }
    // The hostile article's page shows its title as text.
    let g = get(s, &format!("/articles/{}", key_of(&f, "hostile")));
    let doc = Html::parse_document(&g.body);
    let h1 = doc
        .select(&sel("h1"))
        .next()
        .unwrap()
        .text()
        .collect::<String>();
    assert_eq!(h1, testkit::HOSTILE_TITLE);
    // API answers and errors carry the headers too.
    for p in ["/api/articles", "/api/nope", "/static/app.css", "/nowhere"] {
        assert_csp(&get(s, p), p);
    }
}

fn assert_csp(g: &Got, p: &str) {
    let csp = g
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{p}: no CSP"));
    assert!(csp.contains("default-src 'self'"), "{p}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{p}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{p}: {csp}");
    assert_eq!(g.header("x-content-type-options"), Some("nosniff"), "{p}");
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

/// No script but our own file, no event handler attribute, no `javascript:` URL, no inline
/// style element, on a parsed page.
fn assert_safe(body: &str, p: &str) {
    let doc = Html::parse_document(body);
    for el in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        let name = el.value().name();
        if name == "script" {
            assert_eq!(
                el.value().attr("src"),
                Some("/static/app.js"),
                "{p}: a script element"
            );
            assert_eq!(el.text().collect::<String>(), "", "{p}: inline script");
        }
        assert!(
            !matches!(
                name,
                "style" | "iframe" | "object" | "embed" | "img" | "base"
            ),
            "{p}: <{name}>"
        );
        if name == "form" {
            assert!(
                el.value()
                    .attr("action")
                    .is_some_and(|a| a.starts_with('/')),
                "{p}: form"
            );
        }
        for (k, v) in el.value().attrs() {
            assert!(
                !k.to_ascii_lowercase().starts_with("on"),
                "{p}: attribute {k}={v}"
            );
            if matches!(k, "href" | "src" | "action" | "formaction" | "xlink:href") {
                let v = v.trim().to_ascii_lowercase();
                assert!(
                    !v.starts_with("javascript:") && !v.starts_with("data:text/html"),
                    "{p}: {k}={v}"
                );
            }
            assert!(k != "style", "{p}: inline style attribute");
        }
    }
    // Hostile strings only ever appear escaped.
    for raw in [
        "<script>alert",
        "<img src=x",
        "<svg onload",
        "<b onmouseover",
        "<a href=\"javascript",
    ] {
        assert!(!body.contains(raw), "{p}: {raw} unescaped");
    }
}

/// The text of `.text`, with the char range each highlight covers.
/// (start, end, technique indices, element)
type Mark = (usize, usize, Vec<usize>, ElementInfo);

fn highlights(body: &str) -> (String, Vec<Mark>) {
    let doc = Html::parse_document(body);
    let text_el = doc
        .select(&sel("div.text"))
        .next()
        .expect("a .text element");
    let mut text = String::new();
    let mut marks = Vec::new();
    for child in text_el.children() {
        match child.value() {
            Node::Text(t) => text.push_str(t),
            Node::Element(_) => {
                let el = ElementRef::wrap(child).unwrap();
                let t: String = el.text().collect();
                let start = text.chars().count();
                text.push_str(&t);
                let end = text.chars().count();
                let ids: Vec<usize> = el
                    .value()
                    .attr("data-t")
                    .map(|d| d.split(' ').filter_map(|x| x.parse().ok()).collect())
                    .unwrap_or_default();
                marks.push((
                    start,
                    end,
                    ids,
                    ElementInfo {
                        tag: el.value().name().to_string(),
                        tip: el.value().attr("data-tip").unwrap_or("").to_string(),
                        title: el.value().attr("title").unwrap_or("").to_string(),
                        tabindex: el.value().attr("tabindex").map(str::to_string),
                        class: el.value().attr("class").unwrap_or("").to_string(),
                    },
                ));
            }
            _ => {}
        }
    }
    (text, marks)
}

#[derive(Debug)]
struct ElementInfo {
    tag: String,
    tip: String,
    title: String,
    tabindex: Option<String>,
    class: String,
}

#[test]
fn article_page_highlights_every_span_at_its_characters() {
    let f = fixture();
    for a in &f.articles {
        let g = get(&f.server, &format!("/articles/{}", key_of(&f, &a.id)));
        let (text, marks) = highlights(&g.body);
        assert_eq!(text, a.text, "{}: the text as published", a.id);
        for (i, t) in a.techniques.iter().enumerate() {
            let covering: Vec<&Mark> = marks.iter().filter(|m| m.2.contains(&i)).collect();
            assert!(!covering.is_empty(), "{}: span {i} not highlighted", a.id);
            // Contiguous, and exactly the span's characters.
            for w in covering.windows(2) {
                assert_eq!(w[0].1, w[1].0, "{}: span {i} has a gap", a.id);
            }
            assert_eq!(covering[0].0, t.start, "{}: span {i} start", a.id);
            assert_eq!(covering.last().unwrap().1, t.end, "{}: span {i} end", a.id);
            let name = rhetor_doc::taxonomy::technique(&t.technique).unwrap().name;
            for m in &covering {
                assert_eq!(m.3.tag, "mark");
                assert!(m.3.tip.contains(name), "{}: tip {:?}", a.id, m.3.tip);
                assert!(m.3.tip.contains(&format!("{:.2}", t.score)));
                assert_eq!(m.3.tip, m.3.title);
                assert!(
                    m.3.class
                        .contains(rhetor_server::views::category_class(&t.category))
                        || m.2.len() > 1
                );
            }
            // Reachable by keyboard where it starts.
            assert_eq!(
                covering[0].3.tabindex.as_deref(),
                Some("0"),
                "{}: span {i}",
                a.id
            );
            // Hidden-by-default spans are marked as such when nothing shown covers them.
            if !t.shown {
                assert!(covering
                    .iter()
                    .any(|m| m.3.tip.contains("not shown by default")));
            }
        }
        // Overlaps are visible as such.
        if a.id == "bridge-a" {
            assert!(marks
                .iter()
                .any(|m| m.2.len() >= 2 && m.3.class.contains("ov")));
        }
        // Quotes are marked in the text and listed with their speaker.
        for (qi, q) in a.quotes.iter().enumerate() {
            let covering: Vec<_> = marks
                .iter()
                .filter(|m| m.0 >= q.start && m.1 <= q.end && m.3.class.contains("qt"))
                .collect();
            assert_eq!(
                covering.first().map(|m| m.0),
                Some(q.start),
                "{}: quote {qi}",
                a.id
            );
            assert_eq!(covering.last().map(|m| m.1), Some(q.end));
            let doc = Html::parse_document(&g.body);
            let list: String = doc
                .select(&sel("ol.quotes"))
                .flat_map(|e| e.text())
                .collect();
            assert!(
                list.contains(q.speaker.as_deref().unwrap()),
                "{}: {list}",
                a.id
            );
        }
    }
}

#[test]
fn traversal_and_junk_ids_get_no_file() {
    let f = fixture();
    let s = &f.server;
    assert_eq!(get(s, "/static/app.css").status, 200);
    for p in [
        "/static/../Cargo.toml",
        "/static/..%2F..%2FCargo.toml",
        "/static/%2e%2e/%2e%2e/Cargo.toml",
        "/static/..%5c..%5cCargo.toml",
        "/static/%2Fetc%2Fpasswd",
        "/static/app.css%00.js",
        "/articles/..%2F..%2F..%2Fetc%2Fpasswd",
        "/articles/%2e%2e",
        "/api/articles/..%2F..%2Fcorpus.sqlite",
        "/api/articles/%00",
        "/stories/..%2F1",
        "/api/stories/-1",
        "/outlets/..%2F..%2Fetc%2Fpasswd",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
    ] {
        let (status, body) = raw_get(s, p);
        assert!(status == 400 || status == 404, "{p}: {status}");
        assert!(
            !body.contains("root:x:0")
                && !body.contains("[package]")
                && !body.contains("SQLite format"),
            "{p}"
        );
    }
}

#[test]
fn limits_and_methods() {
    let f = fixture();
    let s = &f.server;
    // Larger than the analyze limit: refused before any analysis. The server answers 413 as soon
    // as the limit is passed and closes the connection, so a client still writing the rest of the
    // body may see a broken pipe or a reset instead of the answer: both mean refused.
    let big = vec![b'a'; 3 * 1024 * 1024];
    match agent().post(&s.url("/api/analyze")).send_bytes(&big) {
        Err(ureq::Error::Status(code, _)) => assert_eq!(code, 413),
        Err(ureq::Error::Transport(t)) => {
            let msg = t.to_string();
            assert!(
                msg.contains("Broken pipe") || msg.contains("reset"),
                "unexpected transport error: {msg}"
            );
        }
        Ok(r) => panic!("an oversized body was accepted: {}", r.status()),
    }
    let g = answer(agent().post(&s.url("/api/analyze")).send_bytes(b""));
    assert_eq!(g.status, 400);
    assert_eq!(g.json()["status"], 400);
    let g = answer(agent().post(&s.url("/api/articles")).send_string("x"));
    assert_eq!(g.status, 405);
    let g = answer(
        agent()
            .get(&s.url("/api/search"))
            .query("q", &"word ".repeat(400))
            .call(),
    );
    assert_eq!(g.status, 400);
}

#[test]
fn outlet_csv_downloads() {
    let f = fixture();
    let s = &f.server;
    for chart in ["over_time", "categories", "frames", "techniques"] {
        let g = get(
            s,
            &format!("/outlets/elwin-courier.example/data.csv?chart={chart}&period=week"),
        );
        assert_eq!(g.status, 200, "{chart}");
        assert!(g.header("content-type").unwrap().starts_with("text/csv"));
        assert!(g
            .header("content-disposition")
            .unwrap()
            .contains("attachment"));
        assert!(g.body.lines().count() >= 2, "{chart}: {}", g.body);
    }
    assert_eq!(
        get(s, "/outlets/elwin-courier.example/data.csv?chart=x").status,
        400
    );
    // An outlet name that looks like a formula is defused in the CSV.
    let g = get(
        s,
        &format!(
            "/outlets/{}/data.csv?chart=frames",
            rhetor_server::views::encode_segment(testkit::HOSTILE_OUTLET)
        ),
    );
    assert_eq!(g.status, 200);
}

#[test]
fn report_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let articles = testkit::fixture();
    testkit::build_store(dir.path(), &articles).unwrap();
    let mut store = rhetor_corpus::SqliteStore::open(dir.path()).unwrap();
    let html = rhetor_server::report::from_store(&mut store, &Default::default()).unwrap();
    let doc = Html::parse_document(&html);
    // No script, no external resource, no link out of the file.
    assert_eq!(doc.select(&sel("script")).count(), 0);
    for l in doc.select(&sel("link")) {
        assert_eq!(
            l.value().attr("href"),
            Some("data:,"),
            "only the empty icon"
        );
    }
    for el in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        for (k, v) in el.value().attrs() {
            assert!(!k.starts_with("on"), "attribute {k}");
            if matches!(k, "href" | "src" | "action" | "xlink:href") {
                assert!(
                    v.starts_with('#') || v.starts_with("data:text/csv") || v == "data:,",
                    "{k}={v}"
                );
            }
        }
    }
    for raw in [
        "<script>alert",
        "<img src=x",
        "<svg onload",
        "<b onmouseover",
        "http://",
        "https://",
    ] {
        assert!(!html.contains(raw), "{raw} in the report");
    }
    // The CSP meta allows the inline stylesheet by its hash and nothing else.
    let csp = doc
        .select(&sel("meta[http-equiv=Content-Security-Policy]"))
        .next()
        .unwrap()
        .value()
        .attr("content")
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'none'") && csp.contains("style-src 'sha256-"));
    assert_eq!(csp, rhetor_server::report::report_csp());
    // Every article, story and outlet has its view.
    for a in &articles {
        let key = store_key(&mut store, &a.id);
        assert!(
            doc.select(&sel(&format!("section.view[id=\"a-{key}\"]")))
                .next()
                .is_some(),
            "{}",
            a.id
        );
    }
    assert!(doc.select(&sel("section.view[id^=\"s-\"]")).count() >= 3);
    assert_eq!(doc.select(&sel("section.view[id^=\"o-\"]")).count(), 3);
}

fn store_key(store: &mut rhetor_corpus::SqliteStore, id: &str) -> String {
    use rhetor_corpus::Store;
    store.article(id).unwrap().unwrap().0.key
}

/// The JSON API's answers come from the cache until the store changes: a second identical
/// request is a hit with the same bytes, an article committed by another writer (as `rhetor add`
/// beside the server would) is seen at once, by listing and search alike, and errors are never
/// kept.
#[test]
fn cached_answers_follow_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let articles = testkit::fixture();
    testkit::build_store(dir.path(), &articles).unwrap();
    let server = TestServer::start(dir.path());

    let first = get(&server, "/api/articles?limit=50");
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-rhetor-cache"), Some("miss"));
    let second = get(&server, "/api/articles?limit=50");
    assert_eq!(second.header("x-rhetor-cache"), Some("hit"));
    assert_eq!(first.body, second.body);
    let total = first.json()["total"].as_u64().unwrap();
    let search = get(&server, "/api/search?q=lighthouse");
    assert_eq!(search.status, 200);
    assert_eq!(search.json()["hits"].as_array().unwrap().len(), 0);

    // Errors are recomputed, never kept.
    for _ in 0..2 {
        let bad = get(&server, "/api/articles?technique=Not_A_Technique");
        assert_eq!(bad.status, 400);
        assert_eq!(bad.header("x-rhetor-cache"), None);
    }

    // Another writer commits an article while the server runs.
    let extra = testkit::article(
        "extra-1",
        "harbour-news.example",
        "2026-03-04",
        "The old lighthouse reopens to visitors",
        &["The lighthouse on the north pier reopened on Saturday after two years of repairs."],
    );
    testkit::build_store(dir.path(), std::slice::from_ref(&extra)).unwrap();

    let after = get(&server, "/api/articles?limit=50");
    assert_eq!(after.header("x-rhetor-cache"), Some("miss"));
    assert_eq!(after.json()["total"].as_u64().unwrap(), total + 1);
    let search = get(&server, "/api/search?q=lighthouse");
    assert_eq!(search.header("x-rhetor-cache"), Some("miss"));
    assert_eq!(search.json()["hits"].as_array().unwrap().len(), 1);
}
