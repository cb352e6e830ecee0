//! HTML pages: sniffing, decoding, main-content extraction and metadata.
//!
//! The main content comes from `rs-trafilatura` (a Rust port of trafilatura; the best of the three
//! Rust extractors we measured on the Zyte benchmark, see `examples/extraction_benchmark.rs`). We
//! take its cleaned content *HTML* and turn it into text ourselves ([`fragment_to_text`]) so that
//! every input follows one paragraph convention: one paragraph per line, paragraphs separated by
//! one blank line, headings and list items as their own paragraphs.
//!
//! Metadata (outlet, author, date, URL, language) is read from the page's own markup: OpenGraph and
//! `article:` meta tags, JSON-LD, `<time>`, `<link rel=canonical>`, `<html lang>`.
//!
//! Third-party extractors run on a worker thread with a large stack: pages nested tens of
//! thousands of elements deep would otherwise overflow the stack in their recursive walks (an
//! abort, not a catchable panic), and a panic inside them becomes an [`IngestError::Html`] instead of
//! taking the whole run down.

use once_cell::sync::Lazy;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};
use serde_json::Value;

use crate::{Extracted, IngestError};
use rhetor_doc::Metadata;

/// Stack for the extraction worker thread. Reserved, not committed: only pages that nest deeply
/// touch more than a few hundred kilobytes of it.
const WORKER_STACK: usize = 256 << 20;

/// Bytes examined by the sniffers.
const SNIFF_LEN: usize = 4096;

/// Whether the bytes look like an HTML page (a doctype, `<html`, `<head`, `<body` or a few common
/// tags near the start), as opposed to plain text, a feed or a WARC file.
pub fn looks_like_html(bytes: &[u8]) -> bool {
    let head = sniff_prefix(bytes);
    let start = head.trim_start();
    if start.starts_with("<?xml") {
        // XHTML declares itself as XML; feeds do too. Only an <html element makes it a page.
        return head.contains("<html");
    }
    if start.starts_with("<!doctype html") || start.starts_with("<html") {
        return true;
    }
    ["<html", "<head>", "<head ", "<body", "<meta ", "<title>"]
        .iter()
        .any(|tag| head.contains(tag))
        && !head.contains("<rss")
        && !head.contains("<feed")
}

/// Lower-cased prefix of the input with a leading BOM removed, for sniffing.
pub(crate) fn sniff_prefix(bytes: &[u8]) -> String {
    let end = bytes.len().min(SNIFF_LEN);
    let prefix = bytes.get(..end).unwrap_or(bytes);
    let prefix = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(prefix);
    String::from_utf8_lossy(prefix).to_lowercase()
}

/// Decode an HTML page: BOM, then the charset in a `<meta>` of the first kilobytes, then the
/// `hint` (e.g. an HTTP `Content-Type` charset), then UTF-8 when valid, else windows-1252 (what
/// browsers assume). Never fails: undecodable bytes become U+FFFD.
pub fn decode(bytes: &[u8], hint: Option<&str>) -> String {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let rest = bytes.get(bom_len..).unwrap_or_default();
        return enc.decode_without_bom_handling(rest).0.into_owned();
    }
    let declared = meta_charset(bytes)
        .or_else(|| hint.map(str::to_string))
        .and_then(|label| encoding_rs::Encoding::for_label(label.trim().as_bytes()));
    if let Some(enc) = declared {
        // A page that declares a legacy charset but is valid UTF-8 was almost always re-encoded
        // by whoever saved it; trust the bytes.
        if enc != encoding_rs::UTF_8 {
            if let Ok(s) = std::str::from_utf8(bytes) {
                if s.bytes().any(|b| b >= 0x80) {
                    return s.to_string();
                }
            }
        }
        // UTF-16 labels in a meta tag are always wrong (the meta tag itself was ASCII).
        let enc = if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
            encoding_rs::UTF_8
        } else {
            enc
        };
        return enc.decode_without_bom_handling(bytes).0.into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

static TAG: Lazy<Option<Regex>> = Lazy::new(|| Regex::new(r"<[^>]*>").ok());

static META_CHARSET: Lazy<Option<Regex>> =
    Lazy::new(|| Regex::new(r#"(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#).ok());

/// The charset declared in a `<meta charset>` or `<meta http-equiv=content-type>` near the start.
fn meta_charset(bytes: &[u8]) -> Option<String> {
    let end = bytes.len().min(8192);
    let head = String::from_utf8_lossy(bytes.get(..end).unwrap_or(bytes));
    META_CHARSET
        .as_ref()?
        .captures(&head)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
}

/// Extract the main content and metadata of an HTML page. `url` is where the page came from, if
/// known (used for the outlet and for resolving a relative canonical link).
///
/// Errors: [`IngestError::NoContent`] when neither the extractor nor the page's paragraphs yield any
/// text; [`IngestError::Html`] when the extractor itself failed.
pub fn extract(bytes: &[u8], url: Option<&str>) -> Result<Extracted, IngestError> {
    let html = decode(bytes, None);
    extract_str(html, url)
}

/// HTML to a document, whatever carried it: a `.html` file, a feed item's content, a WARC
/// record's payload, a JSONL line's `html`. This is the one path HTML takes, so the same page gives
/// the same title, metadata and text through every container.
///
/// A page (a doctype, `<html>`, `<head>`, `<body>`, `<title>` or `<meta>`, or a page's furniture:
/// `<nav>`, `<header>`, `<footer>`, `<aside>`, `<menu>`, `<main>`) goes through main-content
/// extraction and the page's metadata ([`extract_str`]). Anything else is the article's own markup,
/// as feeds carry it (`<p>…</p><ul>…</ul>`): there is no boilerplate to find, and the extractors
/// would drop short articles, so its text is read as it is ([`fragment_to_text`]) and its only
/// metadata is `url`.
///
/// The container's own fields (a JSONL line's `title`, a feed item's author…) are laid over the
/// result by the caller with [`Extracted::overlay`].
///
/// Errors: as [`extract_str`]; [`IngestError::NoContent`] for a fragment without text.
pub fn read_html(html: String, url: Option<&str>) -> Result<Extracted, IngestError> {
    if is_page(&html) {
        return extract_str(html, url);
    }
    let body = fragment_to_text(&html);
    if body.is_empty() {
        return Err(IngestError::NoContent);
    }
    Ok(Extracted {
        body,
        metadata: Metadata {
            url: url
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            ..Metadata::default()
        },
        ..Extracted::default()
    })
}

/// Whether HTML is (most of) a web page rather than an article's own markup: see [`read_html`].
/// Looks at the whole text, not a prefix: a scraped `<body>` can open with kilobytes of scripts.
fn is_page(html: &str) -> bool {
    if looks_like_html(html.as_bytes()) {
        return true;
    }
    static FURNITURE: Lazy<Option<Regex>> = Lazy::new(|| {
        Regex::new(r"(?i)<(?:!doctype\s+html|html|head|body|title|meta|nav|header|footer|aside|menu|main)[\s>/]").ok()
    });
    FURNITURE.as_ref().is_some_and(|re| re.is_match(html))
}

/// Container nesting beyond which we do not hand a page to the HTML parser at all: html5ever's
/// scope checks make parsing quadratic in the depth (50,000 nested `<div>`s take half a minute),
/// and no real page comes near this.
const MAX_PARSE_DEPTH: usize = 10_000;

/// A cheap upper estimate of how deeply container elements nest, from the tags alone (no parse):
/// start tags of elements that never close themselves count up, their end tags down.
fn nesting_estimate(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(off) = bytes
        .get(i..)
        .and_then(|b| b.iter().position(|&c| c == b'<'))
    {
        let at = i + off + 1;
        let closing = bytes.get(at) == Some(&b'/');
        let name_start = if closing { at + 1 } else { at };
        let name: String = bytes
            .get(name_start..)
            .unwrap_or_default()
            .iter()
            .take(12)
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase() as char)
            .collect();
        if !closing && (name == "script" || name == "style") {
            // Skip to the end tag: `i<a.length` in a script is no tag.
            let end = if name == "script" {
                "</script"
            } else {
                "</style"
            };
            let rest = bytes.get(at..).unwrap_or_default();
            match rest
                .windows(end.len())
                .position(|w| w.eq_ignore_ascii_case(end.as_bytes()))
            {
                Some(p) => {
                    i = at + p + 1;
                    continue;
                }
                None => break,
            }
        }
        if matches!(
            name.as_str(),
            "div"
                | "span"
                | "section"
                | "article"
                | "blockquote"
                | "ul"
                | "ol"
                | "table"
                | "main"
                | "aside"
                | "nav"
                | "header"
                | "footer"
                | "figure"
                | "form"
                | "center"
                | "font"
                | "b"
                | "i"
                | "em"
                | "strong"
                | "a"
                | "small"
                | "big"
                | "u"
                | "s"
                | "sub"
                | "sup"
        ) {
            if closing {
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
                max = max.max(depth);
            }
        }
        i = at;
    }
    max
}

/// [`extract`] for an already decoded page.
pub fn extract_str(html: String, url: Option<&str>) -> Result<Extracted, IngestError> {
    if nesting_estimate(&html) > MAX_PARSE_DEPTH {
        return Err(IngestError::Html(format!(
            "elements nested more than {MAX_PARSE_DEPTH} deep; not a page we can read"
        )));
    }
    let url = url.map(str::to_string);
    on_worker(move || extract_decoded(&html, url.as_deref(), Engine::Both))?
}

/// Run `f` on a thread with a large stack; a panic in it becomes an error.
fn on_worker<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, IngestError> {
    let handle = std::thread::Builder::new()
        .name("rhetor-html".into())
        .stack_size(WORKER_STACK)
        .spawn(f)
        .map_err(|e| IngestError::Html(format!("cannot start the extraction thread: {e}")))?;
    handle
        .join()
        .map_err(|_| IngestError::Html("the content extractor crashed on this page".into()))
}

/// Which extractor finds the main content. [`Engine::Both`] is what [`extract`] uses; the others
/// exist so the benchmark example can show what each contributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// `rs-trafilatura` alone.
    Trafilatura,
    /// `dom_smoothie` (a port of Mozilla's Readability) alone.
    Readability,
    /// Both, keeping trafilatura's paragraphs that Readability's text confirms (see
    /// [`agreement`]).
    Both,
}

/// Pages nested deeper than this skip the third-party extractors, whose time grows with the square
/// of the nesting depth (20,000 nested `<div>`s take 15 s in rs-trafilatura); real articles stay
/// far below a few hundred levels. Such pages get the plain paragraph fallback.
const MAX_DEPTH: usize = 1000;

/// [`extract`] with a chosen engine.
pub fn extract_with(
    bytes: &[u8],
    url: Option<&str>,
    engine: Engine,
) -> Result<Extracted, IngestError> {
    let html = decode(bytes, None);
    if nesting_estimate(&html) > MAX_PARSE_DEPTH {
        return Err(IngestError::Html(format!(
            "elements nested more than {MAX_PARSE_DEPTH} deep; not a page we can read"
        )));
    }
    let url = url.map(str::to_string);
    on_worker(move || extract_decoded(&html, url.as_deref(), engine))?
}

fn extract_decoded(
    html: &str,
    url: Option<&str>,
    engine: Engine,
) -> Result<Extracted, IngestError> {
    let doc = Html::parse_document(html);
    let meta = page_metadata(&doc, url);
    let deep = max_depth(&doc) > MAX_DEPTH;

    let mut traf_meta: Option<rs_trafilatura::Metadata> = None;
    let body = if deep {
        fallback_paragraphs(&doc)
    } else {
        let mut traf = || -> String {
            match rs_trafilatura::extract(html) {
                Ok(result) => {
                    let body = match result.content_html.as_deref() {
                        Some(h) if !h.trim().is_empty() => fragment_to_text(h),
                        _ => normalise_paragraphs(&result.content_text),
                    };
                    traf_meta = Some(result.metadata);
                    body
                }
                Err(_) => String::new(),
            }
        };
        match engine {
            Engine::Trafilatura => traf(),
            Engine::Readability => readability(html, url),
            Engine::Both => {
                let a = traf();
                let b = readability(html, url);
                agreement(&a, &b)
            }
        }
    };
    let body = drop_leading_title(&body, &meta.title_candidates);
    let body = if body.is_empty() && !deep {
        drop_leading_title(&fallback_paragraphs(&doc), &meta.title_candidates)
    } else {
        body
    };

    let title = meta
        .title
        .clone()
        .or_else(|| {
            traf_meta
                .as_ref()
                .and_then(|m| m.title.as_deref())
                .map(collapse_ws)
        })
        .filter(|t| !t.is_empty());
    if body.is_empty() {
        return Err(IngestError::NoContent);
    }

    let mut metadata = meta.metadata;
    if let Some(tm) = &traf_meta {
        if metadata.author.is_none() {
            metadata.author = tm
                .author
                .as_deref()
                .map(collapse_ws)
                .filter(|a| !a.is_empty());
        }
        if metadata.published.is_none() {
            metadata.published = tm.date.map(|d| d.format("%Y-%m-%d").to_string());
        }
    }
    Ok(Extracted {
        id: None,
        source_suffix: None,
        title,
        body,
        metadata,
    })
}

/// Readability's article (dom_smoothie) as paragraphs, empty when it finds none.
fn readability(html: &str, url: Option<&str>) -> String {
    let url = url.filter(|u| url::Url::parse(u).is_ok());
    let Ok(mut r) = dom_smoothie::Readability::new(html, url, None) else {
        return String::new();
    };
    match r.parse() {
        Ok(article) => fragment_to_text(&article.content),
        Err(_) => String::new(),
    }
}

/// Combine two extractions of the same page: keep the paragraphs of `primary` (trafilatura) whose
/// word trigrams appear, at least half of them, in `confirm` (Readability). The two extractors
/// make different mistakes (trafilatura keeps related-article lists and teasers near the article,
/// Readability keeps other blocks), so text both agree on is article text far more often than
/// either alone: on the Zyte benchmark precision rises from 0.92 to 0.95 while recall stays at
/// 0.99. When one side is empty the other is used; when they disagree on almost everything
/// (Readability confirms under a fifth of trafilatura's words) they picked different parts of the
/// page and Readability's choice is kept, which measured better than trafilatura's.
pub fn agreement(primary: &str, confirm: &str) -> String {
    if confirm.trim().is_empty() {
        return primary.to_string();
    }
    if primary.trim().is_empty() {
        return confirm.to_string();
    }
    let lower = |s: &str| -> Vec<String> {
        crate::extraction_bench::tokenize(s)
            .into_iter()
            .map(str::to_lowercase)
            .collect()
    };
    let cw = lower(confirm);
    let words: std::collections::HashSet<&str> = cw.iter().map(String::as_str).collect();
    let trigrams: std::collections::HashSet<(&str, &str, &str)> = cw
        .windows(3)
        .filter_map(|w| match w {
            [a, b, c] => Some((a.as_str(), b.as_str(), c.as_str())),
            _ => None,
        })
        .collect();
    let mut kept = Vec::new();
    let (mut total, mut dropped) = (0usize, 0usize);
    for para in primary.split("\n\n") {
        let w = lower(para);
        total += w.len();
        let keep = if w.len() < 3 {
            w.iter().all(|x| words.contains(x.as_str()))
        } else {
            let n = w.len() - 2;
            let hits = w
                .windows(3)
                .filter(|t| match t {
                    [a, b, c] => trigrams.contains(&(a.as_str(), b.as_str(), c.as_str())),
                    _ => false,
                })
                .count();
            hits * 2 >= n
        };
        if keep {
            kept.push(para);
        } else {
            dropped += w.len();
        }
    }
    if dropped * 5 > total * 4 {
        return confirm.to_string();
    }
    kept.join("\n\n")
}

/// Deepest element nesting of the parsed page (iterative).
fn max_depth(doc: &Html) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for edge in doc.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(_) => {
                depth += 1;
                max = max.max(depth);
            }
            ego_tree::iter::Edge::Close(_) => depth = depth.saturating_sub(1),
        }
    }
    max
}

static SEL_FALLBACK: Lazy<Option<Selector>> =
    Lazy::new(|| Selector::parse("p, h2, h3, h4, li, blockquote, pre").ok());

/// Last resort when the extractors find nothing (or are skipped): the page's paragraphs, headings
/// and list items outside navigation, headers, footers and asides, without repeats.
fn fallback_paragraphs(doc: &Html) -> String {
    let Some(sel) = SEL_FALLBACK.as_ref() else {
        return String::new();
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for el in doc.select(sel) {
        let boilerplate = el.ancestors().any(|a| {
            a.value().as_element().is_some_and(|e| {
                matches!(
                    e.name(),
                    "nav" | "header" | "footer" | "aside" | "form" | "li" | "p"
                )
            })
        });
        if boilerplate {
            continue;
        }
        let text = collapse_ws(&el.text().collect::<String>());
        if !text.is_empty() && seen.insert(text.clone()) {
            out.push(text);
        }
    }
    out.join("\n\n")
}

/// Drop leading paragraphs that repeat the title (the pipeline puts the title on line 1). Any of
/// the page's title candidates counts (headline, `og:title`, `<h1>`, `<title>`), and a paragraph
/// that is the `<title>` without the site's name too. Only the first two paragraphs are checked:
/// a heading further down is part of the article.
pub(crate) fn drop_leading_title(body: &str, candidates: &[String]) -> String {
    let key = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let keys: Vec<String> = candidates
        .iter()
        .map(|c| key(c))
        .filter(|k| k.chars().count() >= 8)
        .collect();
    if keys.is_empty() {
        return body.to_string();
    }
    let mut paras: Vec<&str> = body.split("\n\n").collect();
    let mut i = 0;
    while i < paras.len().min(2) {
        let k = key(paras.get(i).copied().unwrap_or(""));
        let is_title = !k.is_empty()
            && keys
                .iter()
                .any(|t| *t == k || (k.chars().count() >= 20 && t.contains(&k)));
        if is_title {
            paras.remove(i);
        } else {
            i += 1;
        }
    }
    paras.join("\n\n")
}

/// Metadata read from the page markup, plus the title it names.
struct PageMeta {
    title: Option<String>,
    /// Every form of the title the page carries, to recognise it at the top of the body.
    title_candidates: Vec<String>,
    metadata: Metadata,
}

static SEL_META: Lazy<Option<Selector>> = Lazy::new(|| Selector::parse("meta").ok());
static SEL_JSONLD: Lazy<Option<Selector>> =
    Lazy::new(|| Selector::parse(r#"script[type="application/ld+json"]"#).ok());
static SEL_TIME: Lazy<Option<Selector>> = Lazy::new(|| Selector::parse("time[datetime]").ok());
static SEL_CANONICAL: Lazy<Option<Selector>> =
    Lazy::new(|| Selector::parse(r#"link[rel="canonical"]"#).ok());
static SEL_TITLE: Lazy<Option<Selector>> = Lazy::new(|| Selector::parse("title").ok());
static SEL_H1: Lazy<Option<Selector>> = Lazy::new(|| Selector::parse("h1").ok());
static SEL_BYLINE: Lazy<Option<Selector>> = Lazy::new(|| {
    Selector::parse(r#"[rel="author"], [itemprop="author"], .byline, .author-name, .author"#).ok()
});

fn select<'a>(doc: &'a Html, sel: &'a Lazy<Option<Selector>>) -> Vec<ElementRef<'a>> {
    match sel.as_ref() {
        Some(s) => doc.select(s).collect(),
        None => Vec::new(),
    }
}

fn page_metadata(doc: &Html, url: Option<&str>) -> PageMeta {
    // meta tags: name/property → content (first occurrence wins)
    let mut metas: Vec<(String, String)> = Vec::new();
    for el in select(doc, &SEL_META) {
        let v = el.value();
        let key = v
            .attr("property")
            .or_else(|| v.attr("name"))
            .or_else(|| v.attr("itemprop"));
        if let (Some(k), Some(c)) = (key, v.attr("content")) {
            let c = collapse_ws(c);
            if !c.is_empty() {
                metas.push((k.trim().to_ascii_lowercase(), c));
            }
        }
    }
    let meta = |keys: &[&str]| -> Option<String> {
        keys.iter()
            .find_map(|k| metas.iter().find(|(mk, _)| mk == k).map(|(_, v)| v.clone()))
    };

    let ld = json_ld(doc);

    // title: og:title or JSON-LD headline, else <title> without a " | Site" tail, else the h1.
    let doc_title = select(doc, &SEL_TITLE)
        .first()
        .map(|t| collapse_ws(&t.text().collect::<String>()));
    let h1 = select(doc, &SEL_H1)
        .first()
        .map(|t| collapse_ws(&t.text().collect::<String>()))
        .filter(|t| !t.is_empty());
    let og_title = meta(&["og:title", "twitter:title"]);
    let title = ld
        .headline
        .clone()
        .or_else(|| og_title.clone())
        .or_else(|| h1.clone())
        .or_else(|| doc_title.as_deref().map(strip_site_suffix))
        .map(|t| collapse_ws(&t))
        .filter(|t| !t.is_empty());
    let title_candidates: Vec<String> = [
        ld.headline.clone(),
        og_title,
        h1.clone(),
        doc_title.clone(),
        doc_title.as_deref().map(strip_site_suffix),
    ]
    .into_iter()
    .flatten()
    .collect();

    // URL: canonical, og:url, else the given one; relative links resolved against the given URL.
    let base = url.and_then(|u| url::Url::parse(u).ok());
    let resolve = |href: &str| -> Option<String> {
        let href = href.trim();
        match url::Url::parse(href) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Some(u.to_string()),
            Ok(_) => None,
            Err(_) => base.as_ref()?.join(href).ok().map(|u| u.to_string()),
        }
    };
    let canonical = select(doc, &SEL_CANONICAL)
        .first()
        .and_then(|l| l.value().attr("href"))
        .and_then(resolve);
    let page_url = canonical
        .or_else(|| meta(&["og:url"]).as_deref().and_then(resolve))
        .or_else(|| url.map(str::to_string));

    let outlet = meta(&["og:site_name", "application-name"])
        .or_else(|| ld.publisher.clone())
        .or_else(|| url.and_then(outlet_from_url))
        .or_else(|| page_url.as_deref().and_then(outlet_from_url));

    let author = meta(&[
        "author",
        "article:author",
        "dc.creator",
        "byl",
        "sailthru.author",
        "parsely-author",
    ])
    .filter(|a| !looks_like_url(a))
    .or_else(|| ld.author.clone())
    .or_else(|| {
        select(doc, &SEL_BYLINE).into_iter().find_map(|el| {
            let t = collapse_ws(&el.text().collect::<String>());
            let t = t
                .strip_prefix("By ")
                .or_else(|| t.strip_prefix("by "))
                .unwrap_or(&t)
                .to_string();
            (!t.is_empty() && t.chars().count() <= 80).then_some(t)
        })
    })
    .map(|a| strip_by(&a));

    let published = meta(&["article:published_time", "og:article:published_time"])
        .and_then(|d| iso_date(&d))
        .or_else(|| ld.date_published.as_deref().and_then(iso_date))
        .or_else(|| {
            select(doc, &SEL_TIME)
                .first()
                .and_then(|t| t.value().attr("datetime"))
                .and_then(iso_date)
        })
        .or_else(|| {
            meta(&[
                "date",
                "pubdate",
                "publishdate",
                "publish-date",
                "dc.date",
                "dc.date.issued",
                "dcterms.created",
                "sailthru.date",
                "parsely-pub-date",
                "datepublished",
                "article.published",
            ])
            .and_then(|d| iso_date(&d))
        });

    // The outlet's section: its meta tag, else JSON-LD's `articleSection`, else "Opinion" for an
    // `OpinionNewsArticle` (read by `rhetor_analyzers::outlet`).
    let section = meta(&["article:section", "og:article:section"])
        .or_else(|| ld.section.clone())
        .or_else(|| ld.opinion_type.then(|| "Opinion".to_string()))
        .map(|s| collapse_ws(&s))
        .filter(|s| !s.is_empty() && s.chars().count() <= 80);

    let language = doc
        .root_element()
        .value()
        .attr("lang")
        .or_else(|| doc.root_element().value().attr("xml:lang"))
        .and_then(iso639_1);

    PageMeta {
        title,
        title_candidates,
        metadata: Metadata {
            outlet,
            author,
            published,
            language,
            url: page_url,
            section,
        },
    }
}

fn strip_by(author: &str) -> String {
    let a = author.trim();
    let lower = a.to_lowercase();
    if lower.starts_with("by ") {
        a.get(3..).unwrap_or(a).trim().to_string()
    } else {
        a.to_string()
    }
}

fn looks_like_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("www.")
}

/// `"Headline | Site"` or `"Headline - Site"` → `"Headline"` (the longest part).
fn strip_site_suffix(title: &str) -> String {
    for sep in [" | ", " – ", " — ", " - ", " :: "] {
        if title.contains(sep) {
            if let Some(best) = title.split(sep).max_by_key(|p| p.chars().count()) {
                return best.trim().to_string();
            }
        }
    }
    title.trim().to_string()
}

/// The outlet named by a URL: its host, lower-cased, without a leading `www.`.
pub fn outlet_from_url(url: &str) -> Option<String> {
    let u = url::Url::parse(url.trim()).ok()?;
    let host = u.host_str()?;
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// `en`, `en-US`, `EN_gb` → `en`; anything else → `None`.
fn iso639_1(lang: &str) -> Option<String> {
    let primary = lang.trim().split(['-', '_']).next()?;
    (primary.len() == 2 && primary.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| primary.to_ascii_lowercase())
}

/// An ISO 8601 date or datetime from the forms pages use, or `None` when it is not a date.
/// Datetimes keep their offset; a date stays a date.
pub fn iso_date(s: &str) -> Option<String> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.to_rfc3339());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.to_rfc3339());
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.to_rfc3339());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(d.format("%Y-%m-%dT%H:%M:%S").to_string());
        }
    }
    // A date at the start ("2024-03-01", "2024-03-01T…" in a form not matched above).
    let head = s.get(..10).unwrap_or(s);
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(head, f) {
            return Some(d.format("%Y-%m-%d").to_string());
        }
    }
    None
}

/// What JSON-LD blocks say about the article.
#[derive(Default)]
struct JsonLd {
    headline: Option<String>,
    author: Option<String>,
    publisher: Option<String>,
    date_published: Option<String>,
    /// `articleSection` (the first, when a list).
    section: Option<String>,
    /// Whether an article node is typed `OpinionNewsArticle`.
    opinion_type: bool,
}

fn json_ld(doc: &Html) -> JsonLd {
    let mut out = JsonLd::default();
    for script in select(doc, &SEL_JSONLD) {
        let raw: String = script.text().collect();
        let Ok(v) = serde_json::from_str::<Value>(raw.trim()) else {
            continue;
        };
        let mut stack = vec![&v];
        let mut seen = 0usize;
        while let Some(node) = stack.pop() {
            seen += 1;
            if seen > 10_000 {
                break;
            }
            match node {
                Value::Array(items) => stack.extend(items.iter()),
                Value::Object(map) => {
                    if let Some(g) = map.get("@graph") {
                        stack.push(g);
                    }
                    let ty = type_names(map.get("@type"));
                    let is_article = ty.iter().any(|t| {
                        t.ends_with("Article")
                            || t == "BlogPosting"
                            || t == "Report"
                            || t == "LiveBlogPosting"
                            || t == "WebPage"
                    });
                    if !is_article {
                        continue;
                    }
                    let is_page = ty.iter().all(|t| t == "WebPage");
                    out.opinion_type |= ty.iter().any(|t| t == "OpinionNewsArticle");
                    let fill = |slot: &mut Option<String>, val: Option<String>| {
                        if slot.is_none() {
                            *slot = val.filter(|s| !s.is_empty());
                        }
                    };
                    if !is_page {
                        fill(
                            &mut out.headline,
                            map.get("headline")
                                .and_then(|h| h.as_str())
                                .map(collapse_ws),
                        );
                        fill(&mut out.author, map.get("author").and_then(names));
                    }
                    fill(&mut out.publisher, map.get("publisher").and_then(names));
                    if !is_page {
                        let section = match map.get("articleSection") {
                            Some(Value::String(s)) => Some(s.clone()),
                            Some(Value::Array(a)) => {
                                a.iter().find_map(|x| x.as_str().map(str::to_string))
                            }
                            _ => None,
                        };
                        fill(&mut out.section, section);
                    }
                    fill(
                        &mut out.date_published,
                        map.get("datePublished")
                            .and_then(|d| d.as_str())
                            .map(str::to_string),
                    );
                }
                _ => {}
            }
        }
    }
    out
}

fn type_names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// A person or organisation given as a string, `{name}`, or a list of those.
fn names(v: &Value) -> Option<String> {
    let one = |x: &Value| -> Option<String> {
        match x {
            Value::String(s) => Some(collapse_ws(s)),
            Value::Object(m) => m.get("name").and_then(|n| n.as_str()).map(collapse_ws),
            _ => None,
        }
    };
    match v {
        Value::Array(items) => {
            let all: Vec<String> = items
                .iter()
                .filter_map(one)
                .filter(|s| !s.is_empty() && !looks_like_url(s))
                .collect();
            (!all.is_empty()).then(|| all.join(", "))
        }
        other => one(other).filter(|s| !looks_like_url(s)),
    }
}

/// Collapse all whitespace runs (including newlines, NBSP kept as is) to one space and trim.
fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Re-flow text whose paragraphs are separated by newlines into our convention.
fn normalise_paragraphs(text: &str) -> String {
    text.lines()
        .map(collapse_ws)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Elements whose content is never text of the article.
fn is_skipped(tag: &str) -> bool {
    matches!(
        tag,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "embed"
            | "head"
            | "button"
            | "select"
            | "textarea"
            | "input"
            | "canvas"
            | "video"
            | "audio"
    )
}

/// Elements that start and end a paragraph.
fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "blockquote"
            | "pre"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "caption"
            | "section"
            | "article"
            | "aside"
            | "header"
            | "footer"
            | "main"
            | "nav"
            | "figure"
            | "figcaption"
            | "form"
            | "fieldset"
            | "address"
            | "details"
            | "summary"
            | "hr"
            | "center"
            | "body"
            | "html"
            | "doc"
            | "graphic"
            | "list"
            | "item"
            | "head_"
            | "quote"
    )
}

/// Text of an HTML fragment (feed item content, extracted article HTML) in the paragraph
/// convention of [`Extracted::body`]: block elements (paragraphs, headings, list items, table
/// rows…) become paragraphs separated by one blank line; whitespace inside a paragraph is
/// collapsed to single spaces; a single `<br>` is a space, two in a row end the paragraph.
/// Scripts, styles and form controls are dropped. Iterative, so any nesting depth is safe.
pub fn fragment_to_text(html: &str) -> String {
    if nesting_estimate(html) > MAX_PARSE_DEPTH {
        // Too deep to parse in reasonable time: strip the tags and keep the words as one paragraph.
        return match TAG.as_ref() {
            Some(re) => collapse_ws(&re.replace_all(html, " ")),
            None => String::new(),
        };
    }
    let frag = Html::parse_fragment(html);
    let mut paras: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut skip_depth = 0usize;
    let mut pending_br = 0usize;
    let flush = |cur: &mut String, paras: &mut Vec<String>| {
        let p = collapse_ws(cur);
        if !p.is_empty() {
            paras.push(p);
        }
        cur.clear();
    };
    for edge in frag.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => match node.value() {
                Node::Element(el) => {
                    let tag = el.name();
                    if skip_depth > 0 || is_skipped(tag) {
                        skip_depth += 1;
                        continue;
                    }
                    if tag == "br" {
                        pending_br += 1;
                        if pending_br >= 2 {
                            flush(&mut cur, &mut paras);
                        } else {
                            cur.push(' ');
                        }
                        continue;
                    }
                    if is_block(tag) {
                        pending_br = 0;
                        flush(&mut cur, &mut paras);
                    } else if matches!(tag, "td" | "th") {
                        cur.push(' ');
                    } else if tag == "img" {
                        // images have no text of their own; alt text is not article text
                    }
                }
                Node::Text(t) if skip_depth == 0 => {
                    if !t.trim().is_empty() {
                        pending_br = 0;
                    }
                    cur.push_str(t);
                }
                _ => {}
            },
            ego_tree::iter::Edge::Close(node) => {
                if let Node::Element(el) = node.value() {
                    let tag = el.name();
                    if skip_depth > 0 {
                        skip_depth -= 1;
                        continue;
                    }
                    if is_block(tag) {
                        flush(&mut cur, &mut paras);
                    } else if matches!(tag, "td" | "th") {
                        cur.push(' ');
                    }
                }
            }
        }
    }
    flush(&mut cur, &mut paras);
    paras.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Council votes to close the old bridge | The Riverside Courier</title>
<meta property="og:title" content="Council votes to close the old bridge">
<meta property="og:site_name" content="The Riverside Courier">
<meta name="author" content="Maria Fenwick">
<meta property="article:published_time" content="2024-03-01T09:30:00+01:00">
<link rel="canonical" href="/news/bridge-closure">
<script>var tracking = "do not show";</script>
</head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<article>
<h1>Council votes to close the old bridge</h1>
<p>The town council voted on Thursday evening to close the old stone bridge over the river
to all motor traffic from the first of May, ending more than a century of car crossings.</p>
<p>Engineers told councillors that the bridge, built in 1887, could no longer carry the weight of
modern lorries and that repairs would cost more than the town's entire annual road budget.</p>
<h2>What happens next</h2>
<p>Residents will still be able to cross on foot and by bicycle. A temporary footbridge is planned
for the summer while the main span is strengthened, the council said in a statement.</p>
<ul><li>Buses will be diverted over the new bypass.</li><li>Parking on Bridge Street will be free until June.</li></ul>
<p>“This is a sad day, but safety must come first,” said the council leader, Tom Ashby, who added
that the decision had not been taken lightly and that the town would consult on the bridge's future.</p>
</article>
<footer><p>© 2024 The Riverside Courier. All rights reserved.</p></footer>
</body></html>"#;

    #[test]
    fn sniffs_html_and_not_text_or_feeds() {
        assert!(looks_like_html(PAGE.as_bytes()));
        assert!(looks_like_html(b"\xEF\xBB\xBF<html><body>x</body></html>"));
        assert!(looks_like_html(
            b"  <!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"
        ));
        assert!(!looks_like_html(
            b"Title line\n\nA plain text article < with a less-than."
        ));
        assert!(!looks_like_html(
            b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel></channel></rss>"
        ));
        assert!(!looks_like_html(b""));
        assert!(!looks_like_html(&[0xff, 0x00, 0x13, 0x80]));
    }

    #[test]
    fn extracts_article_paragraphs_and_metadata() {
        let ex = match extract(
            PAGE.as_bytes(),
            Some("https://www.riverside-courier.example/x?y=1"),
        ) {
            Ok(ex) => ex,
            Err(e) => panic!("extraction failed: {e}"),
        };
        assert_eq!(
            ex.title.as_deref(),
            Some("Council votes to close the old bridge")
        );
        assert!(ex.body.starts_with("The town council voted"), "{}", ex.body);
        assert!(
            !ex.body.contains("Council votes to close"),
            "title repeated: {}",
            ex.body
        );
        assert!(ex.body.contains("What happens next"));
        assert!(ex
            .body
            .contains("\n\nBuses will be diverted over the new bypass.\n\n"));
        assert!(!ex.body.contains("Home"));
        assert!(!ex.body.contains("tracking"));
        assert!(!ex.body.contains("All rights reserved"));
        assert!(!ex.body.contains("\n\n\n"));
        assert_eq!(ex.body.trim(), ex.body);
        for p in ex.body.split("\n\n") {
            assert!(!p.contains('\n') && !p.is_empty(), "paragraph {p:?}");
        }
        let m = &ex.metadata;
        assert_eq!(m.outlet.as_deref(), Some("The Riverside Courier"));
        assert_eq!(m.author.as_deref(), Some("Maria Fenwick"));
        assert_eq!(m.published.as_deref(), Some("2024-03-01T09:30:00+01:00"));
        assert_eq!(
            m.url.as_deref(),
            Some("https://www.riverside-courier.example/news/bridge-closure")
        );
        assert_eq!(m.language.as_deref(), Some("en"));
    }

    #[test]
    fn json_ld_and_time_metadata_and_domain_outlet() {
        let page = r#"<html><head><title>Storm damage | Site</title>
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
 {"@type":"WebSite","name":"ignored"},
 {"@type":"NewsArticle","headline":"Storm damages harbour","datePublished":"2023-11-05",
  "author":[{"@type":"Person","name":"Ann Lee"},{"@type":"Person","name":"Bo Chan"}]}]}</script>
</head><body><main><p>The storm that crossed the coast overnight tore boats from their moorings and
flooded the harbour road, the coastguard said on Sunday morning after a long night of rescues.</p>
<p>Nobody was hurt, but dozens of homes lost power and the ferry to the islands was cancelled until
the wind drops below gale force, which forecasters expect on Monday afternoon.</p></main></body></html>"#;
        let ex = match extract(
            page.as_bytes(),
            Some("https://www.harbour-news.example/a/1"),
        ) {
            Ok(ex) => ex,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(ex.title.as_deref(), Some("Storm damages harbour"));
        assert_eq!(ex.metadata.author.as_deref(), Some("Ann Lee, Bo Chan"));
        assert_eq!(ex.metadata.published.as_deref(), Some("2023-11-05"));
        assert_eq!(ex.metadata.outlet.as_deref(), Some("harbour-news.example"));
        assert_eq!(
            ex.metadata.url.as_deref(),
            Some("https://www.harbour-news.example/a/1")
        );
        assert_eq!(ex.metadata.language, None);
        assert_eq!(ex.metadata.section, None, "the page declares no section");
        assert!(ex.body.contains("tore boats from their moorings"));
    }

    #[test]
    fn declared_sections_from_meta_json_ld_and_opinion_type() {
        let body =
            "<main><p>The council should stop pretending the stadium deal is about jobs: the \
            city's own study found that most of the promised jobs would be seasonal and part-time, \
            and the contracts are still secret.</p></main>";
        let page = |head: &str| {
            format!("<html><head><title>Stadium</title>{head}</head><body>{body}</body></html>")
        };
        let section = |head: &str| match extract(page(head).as_bytes(), None) {
            Ok(ex) => ex.metadata.section,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            section(r#"<meta property="article:section" content=" Opinion ">"#).as_deref(),
            Some("Opinion")
        );
        assert_eq!(
            section(r#"<script type="application/ld+json">{"@type":"NewsArticle","articleSection":["Opinion","Sports"]}</script>"#).as_deref(),
            Some("Opinion")
        );
        assert_eq!(
            section(r#"<script type="application/ld+json">{"@type":"OpinionNewsArticle","headline":"Stadium"}</script>"#).as_deref(),
            Some("Opinion")
        );
        // The meta tag wins over JSON-LD.
        assert_eq!(
            section(r#"<meta property="article:section" content="Sport"><script type="application/ld+json">{"@type":"NewsArticle","articleSection":"Opinion"}</script>"#).as_deref(),
            Some("Sport")
        );
        assert_eq!(section(""), None);
    }

    #[test]
    fn fragment_paragraphs_lists_and_breaks() {
        let t = fragment_to_text(
            "<p>One\n  line\tpara.</p><ul><li>first</li><li>second <b>bold</b></li></ul>\
             <div>a<br>b<br><br>c</div><script>x()</script><table><tr><td>1</td><td>2</td></tr></table>",
        );
        assert_eq!(
            t,
            "One line para.\n\nfirst\n\nsecond bold\n\na b\n\nc\n\n1 2"
        );
        assert_eq!(fragment_to_text("plain &amp; simple"), "plain & simple");
        assert_eq!(fragment_to_text(""), "");
    }

    #[test]
    fn fragment_survives_deep_nesting() {
        let deep = "<div>".repeat(5_000) + "deep text" + &"</div>".repeat(5_000);
        assert_eq!(fragment_to_text(&deep), "deep text");
        // Beyond the parse limit: tags stripped, words kept, quickly.
        let deeper = "<div>".repeat(60_000) + "deeper <b>text</b>" + &"</div>".repeat(60_000);
        assert_eq!(fragment_to_text(&deeper), "deeper text");
        assert!(matches!(
            extract(deeper.as_bytes(), None),
            Err(IngestError::Html(_))
        ));
        assert_eq!(nesting_estimate("<div><p>a<p>b</div><div></div>"), 1);
        assert_eq!(nesting_estimate("<DIV><span><img></span></DIV>"), 2);
        assert_eq!(
            nesting_estimate("<div><script>for(;i<a.length;){}</script></div>"),
            1
        );
    }

    #[test]
    fn decodes_declared_and_undeclared_charsets() {
        let latin1 = b"<html><head><meta charset=\"iso-8859-1\"></head><body>caf\xe9</body></html>";
        assert!(decode(latin1, None).contains("café"));
        let undeclared = b"<p>na\xefve</p>";
        assert!(decode(undeclared, None).contains("naïve"));
        let utf8 = "<meta charset=\"windows-1252\"><p>déjà</p>";
        assert!(decode(utf8.as_bytes(), None).contains("déjà"));
        assert!(decode(b"<p>x</p>", Some("shift_jis")).contains("<p>x</p>"));
    }

    #[test]
    fn dates_become_iso_8601() {
        assert_eq!(iso_date("2024-03-01").as_deref(), Some("2024-03-01"));
        assert_eq!(
            iso_date("2024-03-01T10:00:00Z").as_deref(),
            Some("2024-03-01T10:00:00+00:00")
        );
        assert_eq!(
            iso_date("2024-03-01 10:00:00").as_deref(),
            Some("2024-03-01T10:00:00")
        );
        assert_eq!(
            iso_date("Fri, 01 Mar 2024 10:00:00 +0000").as_deref(),
            Some("2024-03-01T10:00:00+00:00")
        );
        assert_eq!(iso_date("yesterday"), None);
        assert_eq!(iso_date(""), None);
    }

    #[test]
    fn malformed_and_binary_input_gives_errors_not_panics() {
        let inputs: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"<html><body><p>unclosed <b><i>tags".to_vec(),
            b"<<<>>><!-- <p".to_vec(),
            vec![0u8; 1000],
            (0..=255u8).cycle().take(5000).collect(),
            b"<html><head><meta charset=\"utf-16\"></head><body><p>x</p></body></html>".to_vec(),
            format!("<html><body>{}</body></html>", "<div>".repeat(20_000)).into_bytes(),
        ];
        for input in inputs {
            // Ok or Err are both fine; what matters is returning.
            let _ = extract(&input, Some("not a url"));
            let _ = extract(&input, None);
        }
        assert!(matches!(
            extract(b"", None),
            Err(IngestError::NoContent) | Err(IngestError::Html(_))
        ));
    }
}
