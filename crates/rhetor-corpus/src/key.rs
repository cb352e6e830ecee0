//! The store key: one stable name per article, from its canonical URL or its normalised content,
//! never from the file name, so the same article read twice (another file, a feed and a page) is
//! stored once.

use rhetor_doc::{Article, ParagraphKind};
use sha2::{Digest, Sha256};

/// The identities an article is deduplicated by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleKey {
    /// The stable store key: `u` + 16 hex digits of the canonical URL's SHA-256 when the article
    /// has a URL, else `c` + 16 hex digits of the normalised content's.
    pub key: String,
    /// SHA-256 (hex) of the normalised content: title and body words, lower-cased, debris left out.
    pub content_hash: String,
    /// The canonical URL, when the article has one.
    pub canonical_url: Option<String>,
}

impl ArticleKey {
    /// The key of an analysed or read article.
    pub fn of(article: &Article) -> Self {
        let content_hash = hex::encode(Sha256::digest(normalised_content(article).as_bytes()));
        let canonical_url = article.metadata.url.as_deref().and_then(canonical_url);
        let key = match &canonical_url {
            Some(u) => format!("u{}", &hex::encode(Sha256::digest(u.as_bytes()))[..16]),
            None => format!("c{}", &content_hash[..16]),
        };
        ArticleKey {
            key,
            content_hash,
            canonical_url,
        }
    }
}

/// Title and non-debris paragraphs, words lower-cased and joined by single spaces: what stays the
/// same when one article comes as a page, a feed item or a text file.
pub fn normalised_content(article: &Article) -> String {
    let idx = rhetor_doc::CharIndex::new(&article.text);
    let mut out = String::new();
    // An article not segmented yet (a job before analysis) is keyed on its whole text, which
    // is what its paragraphs will cover: not on the empty string every such article shares.
    let whole = [(0, article.text.chars().count())];
    let spans: Vec<(usize, usize)> = if article.paragraphs.is_empty() {
        whole.to_vec()
    } else {
        article
            .paragraphs
            .iter()
            .filter(|p| p.kind != ParagraphKind::Debris)
            .map(|p| (p.start, p.end))
            .collect()
    };
    for (start, end) in spans {
        let Some(s) = idx.slice(&article.text, start, end) else {
            continue;
        };
        for w in s.split(|c: char| !c.is_alphanumeric()) {
            if w.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.extend(w.chars().flat_map(char::to_lowercase));
        }
    }
    out
}

/// Query parameters that only track a click and never change the page.
const TRACKING: &[&str] = &[
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "fbclid",
    "gclid",
    "ocid",
    "cmpid",
    "smid",
    "ref",
    "src",
];

/// The URL as one page: http and https alike, host lower-cased without `www.`, no fragment, no
/// tracking parameters, remaining parameters sorted, no trailing slash. `None` for what is not an
/// http(s) URL.
pub fn canonical_url(raw: &str) -> Option<String> {
    let u = url::Url::parse(raw.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let host = u.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mut params: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !TRACKING.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.sort();
    let path = u.path().trim_end_matches('/');
    let mut out = format!("{host}{path}");
    if !params.is_empty() {
        let q: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push('?');
        out.push_str(&q.join("&"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_urls_ignore_tracking_scheme_www_and_slash() {
        let a = canonical_url("https://www.Example.org/news/story/?utm_source=x&id=3#top");
        let b = canonical_url("http://example.org/news/story?id=3");
        assert_eq!(a, b);
        assert_eq!(a.as_deref(), Some("example.org/news/story?id=3"));
        assert_eq!(canonical_url("mailto:someone@example.org"), None);
        assert_eq!(canonical_url("not a url"), None);
    }

    fn article(text: &str, url: Option<&str>) -> Article {
        let mut a = Article::new("x", "x.txt", text.to_string());
        a.paragraphs = vec![rhetor_doc::Paragraph {
            index: 1,
            start: 0,
            end: text.chars().count(),
            kind: ParagraphKind::Body,
            reason: None,
        }];
        a.metadata.url = url.map(str::to_string);
        a
    }

    #[test]
    fn same_words_same_key_whatever_the_spacing_and_case() {
        let a = ArticleKey::of(&article("The Council met.  It voted!", None));
        let b = ArticleKey::of(&article("the council met\nit voted", None));
        assert_eq!(a.key, b.key);
        assert!(a.key.starts_with('c'));
        let c = ArticleKey::of(&article("The council met. It did not vote.", None));
        assert_ne!(a.key, c.key);
    }

    #[test]
    fn an_article_not_segmented_yet_is_keyed_on_its_whole_text() {
        let bare = |t: &str| ArticleKey::of(&Article::new("x", "x.txt", t.to_string())).key;
        assert_ne!(bare("The council met."), bare("The council voted."));
        assert_eq!(
            bare("The council met."),
            ArticleKey::of(&article("The council met.", None)).key
        );
    }

    #[test]
    fn url_wins_over_content_for_the_key() {
        let a = ArticleKey::of(&article("One text", Some("https://example.org/a")));
        let b = ArticleKey::of(&article("Another text", Some("https://www.example.org/a/")));
        assert_eq!(a.key, b.key);
        assert!(a.key.starts_with('u'));
        assert_ne!(a.content_hash, b.content_hash);
    }

    proptest::proptest! {
        #[test]
        fn canonical_url_is_idempotent(path in "[a-z0-9/]{0,20}", q in "[a-z]{0,5}") {
            let raw = format!("https://www.example.com/{path}?{q}=1");
            if let Some(c) = canonical_url(&raw) {
                let again = canonical_url(&format!("https://{c}"));
                proptest::prop_assert_eq!(again, Some(c));
            }
        }
    }
}
