//! JSONL: one article per line, as a JSON object with `title`, `text` or `html`, `url`, `outlet`,
//! `published`, and optionally `id`, `author` and `language`.

use serde_json::{Map, Value};

use crate::html::{iso_date, outlet_from_url, read_html};
use crate::{Extracted, IngestError};
use rhetor_doc::Metadata;

/// One entry per non-blank line, in file order. `source_suffix` is `:{line}` (1-based line number
/// in the file). A line that is not a JSON object, or has neither a non-empty `text` nor `html`,
/// gives `Err(IngestError::Jsonl { line, reason })`; the other lines still come.
///
/// `text` is taken as plain text: its blank-line-separated paragraphs are kept, single newlines
/// inside a paragraph become spaces. `html` takes the one path HTML takes from every container
/// ([`read_html`]): a page gets main-content extraction and the page's metadata (title, author,
/// date, site name, language, canonical URL), just as the same page saved as a `.html` file;
/// the line's own `title`, `outlet`, `author`, `published` and `language`, when given, win over
/// the page's. When both `text` and `html` are given, `text` wins. `published` is normalised to
/// ISO 8601 when it is a date we can read, and dropped otherwise; `outlet` defaults to the page's
/// site name, else the URL's domain.
pub fn parse(text: &str) -> Vec<Result<Extracted, IngestError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n')
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| parse_line(l.trim(), i + 1))
        .collect()
}

fn parse_line(line: &str, n: usize) -> Result<Extracted, IngestError> {
    let err = |reason: String| IngestError::Jsonl { line: n, reason };
    let value: Value = serde_json::from_str(line).map_err(|e| err(e.to_string()))?;
    let Value::Object(obj) = value else {
        return Err(err("not a JSON object".into()));
    };
    let url = string(&obj, "url")
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let author = match obj.get("author") {
        Some(Value::Array(items)) => {
            let names: Vec<String> = items
                .iter()
                .filter_map(|v| v.as_str().map(collapse))
                .filter(|s| !s.is_empty())
                .collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        _ => string(&obj, "author")
            .map(|a| collapse(&a))
            .filter(|a| !a.is_empty()),
    };
    let language = string(&obj, "language").and_then(|l| {
        let primary = l.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        (primary.len() == 2 && primary.chars().all(|c| c.is_ascii_alphabetic())).then_some(primary)
    });
    let title = string(&obj, "title")
        .map(|t| collapse(&t))
        .filter(|t| !t.is_empty());
    let outlet = string(&obj, "outlet")
        .map(|o| collapse(&o))
        .filter(|o| !o.is_empty());
    let published = string(&obj, "published").and_then(|d| iso_date(&d));

    let doc = match (string(&obj, "text"), string(&obj, "html")) {
        (Some(t), _) if !t.trim().is_empty() => Extracted {
            body: plain_paragraphs(&t),
            metadata: Metadata {
                outlet: url.as_deref().and_then(outlet_from_url),
                url: url.clone(),
                ..Metadata::default()
            },
            ..Extracted::default()
        },
        // The one path for HTML: a page gets main-content extraction and its metadata, exactly as
        // the same page saved as a `.html` file.
        (_, Some(h)) if !h.trim().is_empty() => match read_html(h, url.as_deref()) {
            Ok(doc) => doc,
            Err(IngestError::NoContent) => return Err(err("`html` holds no text".into())),
            Err(e) => return Err(err(format!("`html`: {e}"))),
        },
        _ => return Err(err("no `text` or `html` field with content".into())),
    };
    if doc.body.is_empty() {
        return Err(err("`text`/`html` holds no text".into()));
    }
    // The line's own fields win over what the page says. Its `url` is where the page was fetched
    // (a WARC record's target URI, in effect): it resolves the page's links and names the outlet
    // when nothing else does, but a canonical link on the page names the article.
    let mut doc = doc.overlay(
        title,
        Metadata {
            outlet,
            author,
            published,
            language,
            url: None,
            section: None,
        },
    );
    if doc.metadata.url.is_none() {
        doc.metadata.url = url;
    }
    doc.id = id;
    doc.source_suffix = Some(format!(":{n}"));
    Ok(doc)
}

fn string(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(|v| v.as_str()).map(str::to_string)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Blank-line-separated paragraphs, each on one line.
fn plain_paragraphs(s: &str) -> String {
    let s = s.replace("\r\n", "\n");
    let mut paras = Vec::new();
    let mut cur = String::new();
    for line in s.split('\n') {
        if line.trim().is_empty() {
            if !cur.trim().is_empty() {
                paras.push(collapse(&cur));
            }
            cur.clear();
        } else {
            cur.push(' ');
            cur.push_str(line);
        }
    }
    if !cur.trim().is_empty() {
        paras.push(collapse(&cur));
    }
    paras.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = concat!(
        r#"{"id": "w1", "title": "Port strike ends", "text": "Dock workers returned on Monday.\n\nShips queued\noffshore.", "url": "https://www.wire.example/port", "published": "2024-04-02T06:00:00Z", "author": "Kim Ode"}"#,
        "\n\n",
        r#"{"title": "Markets calm", "html": "<p>Shares rose.</p><p>Bonds fell.</p>", "outlet": "Wire Service", "published": "2024-04-03", "id": 7}"#,
        "\n"
    );

    #[test]
    fn reads_lines_with_text_or_html() {
        let docs = parse(GOOD);
        assert_eq!(docs.len(), 2);
        let a = match &docs[0] {
            Ok(a) => a,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(a.id.as_deref(), Some("w1"));
        assert_eq!(a.source_suffix.as_deref(), Some(":1"));
        assert_eq!(a.title.as_deref(), Some("Port strike ends"));
        assert_eq!(
            a.body,
            "Dock workers returned on Monday.\n\nShips queued offshore."
        );
        assert_eq!(a.metadata.outlet.as_deref(), Some("wire.example"));
        assert_eq!(a.metadata.author.as_deref(), Some("Kim Ode"));
        assert_eq!(
            a.metadata.published.as_deref(),
            Some("2024-04-02T06:00:00+00:00")
        );
        let b = match &docs[1] {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(b.source_suffix.as_deref(), Some(":3"));
        assert_eq!(b.id.as_deref(), Some("7"));
        assert_eq!(b.body, "Shares rose.\n\nBonds fell.");
        assert_eq!(b.metadata.outlet.as_deref(), Some("Wire Service"));
        assert_eq!(b.metadata.published.as_deref(), Some("2024-04-03"));
    }

    #[test]
    fn bad_lines_are_errors_and_the_rest_still_come() {
        let input = format!(
            "{}\n{{\"title\": \"broken\", \"text\": \n[1,2]\n{{\"title\": \"no body\"}}\n{}\n\u{0}\u{1}binary\n",
            r#"{"title": "ok", "text": "Body."}"#, r#"{"title": "ok2", "text": "Body two.", "published": "sometime"}"#
        );
        let docs = parse(&input);
        assert_eq!(docs.len(), 6);
        let lines: Vec<Option<usize>> = docs
            .iter()
            .map(|d| match d {
                Err(IngestError::Jsonl { line, .. }) => Some(*line),
                _ => None,
            })
            .collect();
        assert_eq!(lines, vec![None, Some(2), Some(3), Some(4), None, Some(6)]);
        match &docs[4] {
            Ok(d) => {
                assert_eq!(d.source_suffix.as_deref(), Some(":5"));
                assert_eq!(d.metadata.published, None);
            }
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn empty_and_bom_input() {
        assert!(parse("").is_empty());
        assert!(parse("\n \n\t\n").is_empty());
        let docs = parse("\u{feff}{\"text\": \"x y\"}\r\n");
        assert_eq!(docs.len(), 1);
        assert!(docs[0].is_ok());
    }
}
