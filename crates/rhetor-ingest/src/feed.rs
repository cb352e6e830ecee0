//! RSS (0.9x, 1.0, 2.0), Atom and JSON Feed files, through `feed-rs`: one [`Extracted`] per item,
//! its HTML content read by [`crate::html::read_html`], the path HTML takes from every container.

use feed_rs::model::{Entry, Feed, Text};

use crate::html::{fragment_to_text, outlet_from_url, read_html, sniff_prefix};
use crate::{Extracted, IngestError};
use rhetor_doc::Metadata;

/// Whether the bytes look like a feed: an `<rss`, `<feed` (Atom) or `<rdf:RDF` (RSS 1.0) root near
/// the start, or a JSON object naming the JSON Feed version URL.
pub fn looks_like_feed(bytes: &[u8]) -> bool {
    let head = sniff_prefix(bytes);
    let start = head.trim_start();
    if start.starts_with('{') {
        return head.contains("jsonfeed.org/version");
    }
    if !start.starts_with('<') {
        return false;
    }
    // An HTML page may mention "<rss" in a script; the root element decides.
    let root = first_element(start);
    matches!(root, Some("rss" | "feed" | "rdf:rdf" | "channel"))
}

/// Name of the first element in an XML prefix, skipping the prolog, comments, doctype and
/// processing instructions.
fn first_element(xml: &str) -> Option<&str> {
    let mut rest = xml;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>")?.1;
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->")?.1;
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = after.split_once('>')?.1;
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = after
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(after.len());
            return after.get(..end);
        } else {
            return None;
        }
    }
}

/// Parse a feed into one document per item, in feed order.
///
/// Each item gets `id` = its id (or link when the feed gives none), `source_suffix` = `#item{N}`
/// (1-based), the title, a body from the full content (else the summary), and metadata: author,
/// published date, `url` = the item's link, `outlet` = the feed's title, else the link's domain.
/// Content that is a whole page gets main-content extraction and the page's metadata, as the same
/// page saved as a file would; the item's title, author and date win over the page's, and the
/// page's canonical link and site name over the item's link and the channel's title.
/// Items with neither title nor text are skipped. Errors: [`IngestError::Feed`] when the bytes are
/// not a feed feed-rs can read.
pub fn parse(bytes: &[u8]) -> Result<Vec<Extracted>, IngestError> {
    let feed = parse_feed(bytes)?;
    let feed_title = feed.title.as_ref().map(text_of).filter(|t| !t.is_empty());
    let feed_link = feed
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .map(|l| l.href.clone());
    let feed_lang = feed.language.clone();
    let mut out = Vec::with_capacity(feed.entries.len());
    for (i, entry) in feed.entries.iter().enumerate() {
        let ex = item(
            entry,
            i + 1,
            feed_title.as_deref(),
            feed_link.as_deref(),
            feed_lang.as_deref(),
        );
        if ex.title.is_some() || !ex.body.is_empty() {
            out.push(ex);
        }
    }
    Ok(out)
}

fn parse_feed(bytes: &[u8]) -> Result<Feed, IngestError> {
    // Ids: the feed's own, else the item's link (feed-rs would otherwise invent a hash).
    let parser = feed_rs::parser::Builder::new()
        .id_generator(|links, _title, _uri| {
            links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or_else(|| links.first())
                .map(|l| l.href.clone())
                .unwrap_or_default()
        })
        .build();
    // feed-rs is a third-party parser over untrusted bytes: a panic in it must cost this file only.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(bytes)));
    match result {
        Ok(Ok(feed)) => Ok(feed),
        Ok(Err(e)) => Err(IngestError::Feed(e.to_string())),
        Err(_) => Err(IngestError::Feed(
            "the feed parser crashed on this file".into(),
        )),
    }
}

fn item(
    entry: &Entry,
    n: usize,
    feed_title: Option<&str>,
    feed_link: Option<&str>,
    feed_lang: Option<&str>,
) -> Extracted {
    let link = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| entry.links.first())
        .map(|l| l.href.trim().to_string())
        .filter(|l| !l.is_empty());
    let id = Some(entry.id.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| link.clone());
    let title = entry
        .title
        .as_ref()
        .map(|t| collapse(&text_of(t)))
        .filter(|t| !t.is_empty());

    // HTML content takes the one path HTML takes from every container: a whole page in an item
    // gets main-content extraction and the page's metadata, an article's own markup is read as it
    // is (see `html::read_html`).
    let content_doc = entry.content.as_ref().and_then(|c| {
        let body = c.body.as_deref()?;
        let ty = c.content_type.to_string().to_ascii_lowercase();
        if ty.contains("html") || ty.contains("xml") || looks_like_markup(body) {
            read_html(body.to_string(), link.as_deref()).ok()
        } else {
            Some(Extracted {
                body: plain_paragraphs(body),
                ..Extracted::default()
            })
        }
    });
    let doc = content_doc
        .filter(|d| !d.body.is_empty())
        .unwrap_or_else(|| Extracted {
            body: entry.summary.as_ref().map(text_of).unwrap_or_default(),
            ..Extracted::default()
        });

    let author = {
        let names: Vec<String> = entry
            .authors
            .iter()
            .filter_map(|p| {
                let name = p.name.as_deref().map(collapse).unwrap_or_default();
                if !name.is_empty() {
                    Some(name)
                } else {
                    p.email.as_deref().map(collapse).filter(|e| !e.is_empty())
                }
            })
            .collect();
        (!names.is_empty()).then(|| names.join(", "))
    };
    let published = entry.published.or(entry.updated).map(|d| d.to_rfc3339());
    let item_language = entry.language.as_deref().and_then(primary_language);
    // The item's own fields win over the page's; its link names the article when the page has no
    // canonical link of its own.
    let mut doc = doc.overlay(
        title.clone(),
        Metadata {
            author,
            published,
            language: item_language,
            ..Metadata::default()
        },
    );
    doc.body = drop_repeated_title(std::mem::take(&mut doc.body), title.as_deref());
    let m = &mut doc.metadata;
    if m.url.is_none() {
        m.url = link.clone();
    }
    // The channel's fields only fill gaps: the channel's title names the outlet unless the page
    // names itself (a bare domain is no name of its own), the channel's language is the default.
    let link_domain = link.as_deref().and_then(outlet_from_url);
    if m.outlet.is_none() || m.outlet == link_domain {
        m.outlet = feed_title
            .map(str::to_string)
            .or(link_domain)
            .or_else(|| feed_link.and_then(outlet_from_url));
    }
    if m.language.is_none() {
        m.language = feed_lang.and_then(primary_language);
    }
    doc.id = id;
    doc.source_suffix = Some(format!("#item{n}"));
    doc
}

/// `en`, `en-US` → `en`; anything that is not a two-letter code → `None`.
fn primary_language(l: &str) -> Option<String> {
    let primary = l.trim().split(['-', '_']).next()?;
    (primary.len() == 2 && primary.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| primary.to_ascii_lowercase())
}

/// Text of a feed text construct: HTML ones through [`fragment_to_text`], plain ones re-flowed.
fn text_of(t: &Text) -> String {
    let ty = t.content_type.to_string().to_ascii_lowercase();
    if ty.contains("html") || looks_like_markup(&t.content) {
        fragment_to_text(&t.content)
    } else {
        plain_paragraphs(&t.content)
    }
}

/// RSS descriptions are often HTML without saying so.
fn looks_like_markup(s: &str) -> bool {
    ["<p", "<br", "<div", "</", "&lt;p", "&amp;", "&#"]
        .iter()
        .any(|m| s.contains(m))
}

/// Plain text: blank-line-separated paragraphs kept (single newlines become spaces).
fn plain_paragraphs(s: &str) -> String {
    let normalised = s.replace("\r\n", "\n");
    normalised
        .split("\n\n")
        .map(collapse)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn drop_repeated_title(body: String, title: Option<&str>) -> String {
    match (title, body.split_once("\n\n")) {
        (Some(t), Some((first, rest))) if first == t => rest.to_string(),
        (Some(t), None) if body == t => String::new(),
        _ => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>City Desk</title>
  <link>https://www.citydesk.example/</link>
  <language>en-us</language>
  <item>
    <title>Tram line opens after delays</title>
    <link>https://www.citydesk.example/tram</link>
    <guid>tram-2024</guid>
    <dc:creator>Lena Ortiz</dc:creator>
    <pubDate>Tue, 05 Mar 2024 08:00:00 +0000</pubDate>
    <description>Short teaser.</description>
    <content:encoded><![CDATA[<p>The new tram line opened on Monday,
    two years late.</p><p>Riders praised the <b>quiet</b> carriages.</p>]]></content:encoded>
  </item>
  <item>
    <title>Library hours extended</title>
    <link>https://www.citydesk.example/library</link>
    <description>&lt;p&gt;The central library will stay open until nine.&lt;/p&gt;</description>
  </item>
</channel>
</rss>"#;

    const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Opinion Corner</title>
  <link href="https://opinion.example/"/>
  <id>urn:uuid:feed</id>
  <updated>2024-01-02T10:00:00Z</updated>
  <entry>
    <title>Why the bypass is a mistake</title>
    <link href="https://opinion.example/bypass"/>
    <id>urn:uuid:entry-1</id>
    <published>2024-01-02T09:00:00Z</published>
    <updated>2024-01-02T10:00:00Z</updated>
    <author><name>Sam Reid</name></author>
    <content type="html">&lt;p&gt;First point.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;Second point.&lt;/li&gt;&lt;/ul&gt;</content>
  </entry>
</feed>"#;

    const JSON_FEED: &str = r#"{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Harbour Notes",
  "home_page_url": "https://harbour.example/",
  "items": [
    {"id": "42", "url": "https://harbour.example/ferries", "title": "Ferries resume",
     "content_html": "<p>Ferries resumed on Friday.</p><p>Queues were short.</p>",
     "date_published": "2024-02-10T07:00:00+01:00",
     "authors": [{"name": "Ida Berg"}]},
    {"id": "43", "title": "Plain item", "content_text": "Line one\nstill one.\n\nLine two."}
  ]
}"#;

    #[test]
    fn sniffs_feeds() {
        assert!(looks_like_feed(RSS.as_bytes()));
        assert!(looks_like_feed(ATOM.as_bytes()));
        assert!(looks_like_feed(JSON_FEED.as_bytes()));
        assert!(looks_like_feed(
            b"<!-- generator --><rss version=\"0.91\"><channel/></rss>"
        ));
        assert!(!looks_like_feed(
            b"<html><script>var s = '<rss';</script></html>"
        ));
        assert!(!looks_like_feed(b"{\"title\": \"a JSONL line\"}"));
        assert!(!looks_like_feed(b"Plain text"));
        assert!(!looks_like_feed(b""));
    }

    #[test]
    fn rss_items_with_content_and_metadata() {
        let items = match parse(RSS.as_bytes()) {
            Ok(items) => items,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(items.len(), 2);
        let a = &items[0];
        assert_eq!(a.id.as_deref(), Some("tram-2024"));
        assert_eq!(a.source_suffix.as_deref(), Some("#item1"));
        assert_eq!(a.title.as_deref(), Some("Tram line opens after delays"));
        assert_eq!(
            a.body,
            "The new tram line opened on Monday, two years late.\n\nRiders praised the quiet carriages."
        );
        assert_eq!(a.metadata.author.as_deref(), Some("Lena Ortiz"));
        assert_eq!(
            a.metadata.published.as_deref(),
            Some("2024-03-05T08:00:00+00:00")
        );
        assert_eq!(
            a.metadata.url.as_deref(),
            Some("https://www.citydesk.example/tram")
        );
        assert_eq!(a.metadata.outlet.as_deref(), Some("City Desk"));
        assert_eq!(a.metadata.language.as_deref(), Some("en"));
        let b = &items[1];
        assert_eq!(b.source_suffix.as_deref(), Some("#item2"));
        assert_eq!(b.body, "The central library will stay open until nine.");
        // No guid: the link is the id.
        assert_eq!(
            b.id.as_deref(),
            Some("https://www.citydesk.example/library")
        );
    }

    #[test]
    fn atom_entries() {
        let items = match parse(ATOM.as_bytes()) {
            Ok(items) => items,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(items.len(), 1);
        let a = &items[0];
        assert_eq!(a.id.as_deref(), Some("urn:uuid:entry-1"));
        assert_eq!(a.body, "First point.\n\nSecond point.");
        assert_eq!(a.metadata.author.as_deref(), Some("Sam Reid"));
        assert_eq!(
            a.metadata.published.as_deref(),
            Some("2024-01-02T09:00:00+00:00")
        );
        assert_eq!(a.metadata.outlet.as_deref(), Some("Opinion Corner"));
    }

    #[test]
    fn json_feed_items() {
        let items = match parse(JSON_FEED.as_bytes()) {
            Ok(items) => items,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].id.as_deref(), Some("42"));
        assert_eq!(
            items[0].body,
            "Ferries resumed on Friday.\n\nQueues were short."
        );
        assert_eq!(
            items[0].metadata.published.as_deref(),
            Some("2024-02-10T06:00:00+00:00")
        );
        assert_eq!(items[0].metadata.author.as_deref(), Some("Ida Berg"));
        assert_eq!(items[1].body, "Line one still one.\n\nLine two.");
        assert_eq!(items[1].source_suffix.as_deref(), Some("#item2"));
    }

    #[test]
    fn malformed_feeds_are_errors() {
        let truncated = &RSS.as_bytes()[..RSS.len() / 2];
        for bad in [
            &b""[..],
            b"not a feed at all",
            b"<rss><channel><item><title>x",
            b"{\"version\": \"https://jsonfeed.org/version/1\", \"items\": [",
            b"\x00\x01\x02\xff\xfe",
            truncated,
        ] {
            // Either an error or (for lenient partial parses) some items; never a panic.
            if let Ok(items) = parse(bad) {
                for it in items {
                    assert!(it.source_suffix.is_some());
                }
            }
        }
        assert!(parse(b"not a feed at all").is_err());
        assert!(parse(b"").is_err());
    }
}
