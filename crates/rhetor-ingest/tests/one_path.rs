//! One path for HTML, whatever carries it: the same (invented) page as a `.html` file, as the
//! content of a feed item, as a WARC response record and as a JSONL line with `html` gives the same
//! title, metadata and clean text, with the page's furniture (menus, "Skip to main content",
//! related links, the imprint) kept out every time.

use rhetor_doc::{Article, ParagraphKind};
use rhetor_ingest::{read_bytes, Options};

const URL: &str = "https://www.valley-herald.example/news/2024/03/ferry-service";

/// A page in the shape of a real news site: navigation, a skip link, a byline block, a related
/// list in an aside, a footer with an imprint; metadata in OpenGraph, JSON-LD and `<html lang>`.
const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Ferry service to the islands to resume in April | The Valley Herald</title>
<meta property="og:title" content="Ferry service to the islands to resume in April">
<meta property="og:site_name" content="The Valley Herald">
<meta property="og:type" content="article">
<meta name="author" content="Priya Castellano">
<meta property="article:published_time" content="2024-03-12T07:45:00+00:00">
<link rel="canonical" href="https://www.valley-herald.example/news/2024/03/ferry-service">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
"headline":"Ferry service to the islands to resume in April",
"author":{"@type":"Person","name":"Priya Castellano"},"datePublished":"2024-03-12T07:45:00+00:00",
"publisher":{"@type":"Organization","name":"The Valley Herald"}}</script>
<style>.nav { display: flex; }</style>
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather</a></li><li><a href="/contact">Contact us</a></li></ul></nav>
</header>
<main id="main">
<article>
<h1>Ferry service to the islands to resume in April</h1>
<div class="byline">By Priya Castellano · 12 March 2024</div>
<p>The ferry between the harbour and the outer islands will run again from the first week of April,
the operator said on Tuesday, after a winter in which storms and a broken engine kept the only boat
in dock for eleven weeks.</p>
<p>Islanders have relied since December on a weekly supply flight and a fishing boat chartered by the
council, which carried food, medicine and the post but could take no cars and only a handful of
passengers on each crossing.</p>
<p>“We know how hard this winter has been, and we are sorry it took so long,” said Tomas Lindqvist,
the operator's managing director, who added that a second vessel would be leased for the summer so
that one breakdown could not cut the islands off again.</p>
<h2>A second boat for the summer</h2>
<p>The leased vessel, a smaller passenger boat from a company on the mainland, will sail twice a day
from May until the end of September and will carry bicycles but not cars, the operator said.</p>
<p>Council members welcomed the news but said they would press the government for money to replace
the ageing ferry, which entered service in 1991 and has broken down four times in three years.</p>
</article>
<aside class="related">
<h3>Related stories</h3>
<ul>
<li><a href="/news/a">Storm closes harbour road for a week</a></li>
<li><a href="/news/b">Islanders ask for a winter air link</a></li>
<li><a href="/news/c">Council approves new harbour budget</a></li>
</ul>
</aside>
</main>
<footer>
<p><a href="/impressum">Impressum</a> · <a href="/privacy">Privacy policy</a> · <a href="/terms">Terms of use</a></p>
<p>© 2024 The Valley Herald. All rights reserved.</p>
</footer>
</body>
</html>"##;

fn one(items: Vec<rhetor_ingest::read::Item>, what: &str) -> Article {
    let mut ok: Vec<Article> = items.into_iter().filter_map(Result::ok).collect();
    assert_eq!(ok.len(), 1, "{what}: expected one article");
    ok.remove(0)
}

fn as_file() -> Article {
    one(
        read_bytes(PAGE.as_bytes(), "ferry.html", &Options::default()),
        "file",
    )
}

fn as_feed_item() -> Article {
    let rss = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Valley Herald - News</title>
  <link>https://www.valley-herald.example/</link>
  <item>
    <title>Ferry service to the islands to resume in April</title>
    <link>{URL}</link>
    <guid>ferry-service</guid>
    <content:encoded><![CDATA[{PAGE}]]></content:encoded>
  </item>
</channel>
</rss>"#
    );
    one(
        read_bytes(rss.as_bytes(), "herald.rss", &Options::default()),
        "feed",
    )
}

fn as_warc_record() -> Article {
    let http = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n{PAGE}",
        PAGE.len()
    );
    let mut warc = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {URL}\r\nWARC-Date: 2024-03-12T08:00:00Z\r\n\
         WARC-Record-ID: <urn:uuid:0000-ferry>\r\nContent-Type: application/http; msgtype=response\r\n\
         Content-Length: {}\r\n\r\n",
        http.len()
    )
    .into_bytes();
    warc.extend_from_slice(http.as_bytes());
    warc.extend_from_slice(b"\r\n\r\n");
    one(read_bytes(&warc, "crawl.warc", &Options::default()), "warc")
}

fn jsonl_line(extra: &[(&str, &str)]) -> Vec<u8> {
    let mut obj = serde_json::Map::new();
    obj.insert("url".into(), URL.into());
    obj.insert("html".into(), PAGE.into());
    for (k, v) in extra {
        obj.insert((*k).into(), (*v).into());
    }
    let mut line = serde_json::Value::Object(obj).to_string();
    line.push('\n');
    line.into_bytes()
}

fn as_jsonl_line() -> Article {
    one(
        read_bytes(&jsonl_line(&[]), "pages.jsonl", &Options::default()),
        "jsonl",
    )
}

fn body(a: &Article) -> Vec<String> {
    a.paragraphs
        .iter()
        .filter(|p| p.kind == ParagraphKind::Body)
        .map(|p| a.slice(p.start, p.end).unwrap_or("").to_string())
        .collect()
}

/// What every container must agree on, and what the page says.
fn check_page(a: &Article, what: &str) {
    assert_eq!(
        a.title.as_deref(),
        Some("Ferry service to the islands to resume in April"),
        "{what}: title"
    );
    let m = &a.metadata;
    assert_eq!(
        m.author.as_deref(),
        Some("Priya Castellano"),
        "{what}: author"
    );
    assert_eq!(
        m.published.as_deref(),
        Some("2024-03-12T07:45:00+00:00"),
        "{what}: published"
    );
    assert_eq!(
        m.outlet.as_deref(),
        Some("The Valley Herald"),
        "{what}: outlet"
    );
    assert_eq!(m.language.as_deref(), Some("en"), "{what}: language");
    assert_eq!(m.url.as_deref(), Some(URL), "{what}: url");
    let b = body(a);
    assert!(
        b.first()
            .is_some_and(|p| p.starts_with("The ferry between the harbour")),
        "{what}: body starts {b:#?}"
    );
    assert!(
        b.last()
            .is_some_and(|p| p.starts_with("Council members welcomed")),
        "{what}: body ends {b:#?}"
    );
    for furniture in [
        "Skip to main content",
        "Home",
        "Weather",
        "Related stories",
        "Storm closes harbour road",
        "Impressum",
        "All rights reserved",
        "display: flex",
    ] {
        assert!(
            !a.clean_text.contains(furniture),
            "{what}: {furniture:?} kept in\n{}",
            a.clean_text
        );
    }
}

#[test]
fn a_file_reads_the_page() {
    check_page(&as_file(), "file");
}

#[test]
fn a_feed_item_with_the_page_reads_it_as_the_file_does() {
    let (file, item) = (as_file(), as_feed_item());
    check_page(&item, "feed item");
    assert_eq!(item.clean_text, file.clean_text);
    assert_eq!(body(&item), body(&file));
    assert_eq!(item.id, "ferry-service");
}

#[test]
fn a_warc_record_reads_the_page_as_the_file_does() {
    let (file, record) = (as_file(), as_warc_record());
    check_page(&record, "warc record");
    assert_eq!(record.clean_text, file.clean_text);
    assert_eq!(body(&record), body(&file));
    assert_eq!(record.metadata, file.metadata);
}

#[test]
fn a_jsonl_line_with_html_reads_the_page_as_the_file_does() {
    let (file, line) = (as_file(), as_jsonl_line());
    check_page(&line, "jsonl line");
    assert_eq!(line.clean_text, file.clean_text);
    assert_eq!(body(&line), body(&file));
    assert_eq!(line.metadata, file.metadata);
    assert_eq!(line.source, "pages.jsonl:1");
}

#[test]
fn a_jsonl_lines_own_fields_win_over_the_page() {
    let bytes = jsonl_line(&[
        ("title", "Islands ferry back in April"),
        ("outlet", "Herald Wire"),
        ("published", "2024-03-13"),
        ("author", "Desk Staff"),
    ]);
    let a = one(
        read_bytes(&bytes, "pages.jsonl", &Options::default()),
        "jsonl",
    );
    assert_eq!(a.title.as_deref(), Some("Islands ferry back in April"));
    assert_eq!(a.metadata.outlet.as_deref(), Some("Herald Wire"));
    assert_eq!(a.metadata.published.as_deref(), Some("2024-03-13"));
    assert_eq!(a.metadata.author.as_deref(), Some("Desk Staff"));
    // What the line does not give still comes from the page.
    assert_eq!(a.metadata.language.as_deref(), Some("en"));
    assert_eq!(a.metadata.url.as_deref(), Some(URL));
    assert_eq!(body(&a), body(&as_file()));
}

#[test]
fn an_html_fragment_is_read_as_it_is_in_every_container() {
    // The article's own markup, as feeds carry it: no page to extract from, nothing dropped.
    let fragment =
        "<p>Short notice: the library opens late on Friday.</p><ul><li>Doors at ten.</li></ul>";
    let line = format!(
        "{}\n",
        serde_json::json!({"title": "Library notice", "html": fragment, "url": "https://lib.example/n"})
    );
    let a = one(
        read_bytes(line.as_bytes(), "n.jsonl", &Options::default()),
        "jsonl",
    );
    assert_eq!(
        body(&a),
        vec![
            "Short notice: the library opens late on Friday.",
            "Doors at ten."
        ]
    );
    assert_eq!(a.metadata.outlet.as_deref(), Some("lib.example"));
    let rss = format!(
        "<rss version=\"2.0\"><channel><title>Lib</title><item><title>Library notice</title>\
         <link>https://lib.example/n</link><description><![CDATA[{fragment}]]></description></item></channel></rss>"
    );
    let f = one(
        read_bytes(rss.as_bytes(), "lib.rss", &Options::default()),
        "feed",
    );
    assert_eq!(body(&f), body(&a));
    assert_eq!(f.clean_text, a.clean_text);
}
