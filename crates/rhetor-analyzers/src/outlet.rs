//! The outlet's own genre label: many outlets file opinion under a section of their site
//! (`/opinion/`, the Guardian's `/commentisfree/`, `/columnists/`) or mark the headline
//! ("Opinion | …", "Column: …", "… | Editorial"). When an article carries such a label, a reader
//! takes it as opinion whatever the text looks like, and so does [`crate::pipeline`]: the genre
//! head misses most mainstream columns (4 of 11 opinion pages of the extraction benchmark
//! called opinion, issue 14), because its opinion examples come from partisan sites.
//!
//! Measured on hand-labelled articles (issue 14; the labels were made from the text, before this
//! rule): the 181 extraction-benchmark pages, 7 of 11 opinion pages marked and none of 108
//! reports or 54 other pages; the hyperpartisan articles' URLs, 13 of 93 opinion pieces and none
//! of 167 reports or 57 others; BASIL's 300 news reports, none. Blogs (`/blog/`) are not a
//! label: company blogs and news blogs use it for everything.

/// URL path segments that file a page under opinion.
const OPINION_SECTIONS: [&str; 13] = [
    "opinion",
    "opinions",
    "commentisfree",
    "editorial",
    "editorials",
    "columnist",
    "columnists",
    "column",
    "columns",
    "op-ed",
    "op-eds",
    "oped",
    "commentary",
];

/// Headline kickers that mark opinion, before `:` or `|` at the start ("Opinion | …",
/// "Column: …").
const OPINION_KICKERS: [&str; 5] = ["opinion", "column", "editorial", "commentary", "op-ed"];

/// Why the outlet's own label says the article is opinion, or `None`. `url`: the article's
/// canonical URL; `title`: its headline.
pub fn opinion_label(url: Option<&str>, title: Option<&str>) -> Option<String> {
    if let Some(url) = url {
        let lower = url.to_lowercase();
        let rest = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
        // The path: after the host, before any query or fragment.
        let path = rest.split_once('/').map_or("", |(_, p)| p);
        let path = path.split(['?', '#']).next().unwrap_or("");
        if let Some(seg) = path.split('/').find(|seg| OPINION_SECTIONS.contains(seg)) {
            return Some(format!("the outlet files it under /{seg}/"));
        }
    }
    let title = title?.trim();
    let lower = title.to_lowercase();
    let kicker = |s: &str| -> Option<String> {
        let (head, _) = s.split_once([':', '|'])?;
        let head = head.trim();
        OPINION_KICKERS.contains(&head).then(|| head.to_string())
    };
    if let Some(k) = kicker(&lower) {
        return Some(format!("the headline is marked \u{201c}{k}\u{201d}"));
    }
    // "… | Opinion" or "… | Editorial" as a section after the headline.
    lower
        .split('|')
        .skip(1)
        .map(str::trim)
        .find(|part| *part == "opinion" || *part == "editorial")
        .map(|part| format!("the headline is marked \u{201c}{part}\u{201d}"))
}

/// Sections a page may declare (`article:section`, JSON-LD `articleSection`) that file it under
/// opinion, lower-case.
const OPINION_PAGE_SECTIONS: [&str; 14] = [
    "opinion",
    "opinions",
    "editorial",
    "editorials",
    "commentary",
    "comment",
    "comment is free",
    "op-ed",
    "op-eds",
    "oped",
    "column",
    "columns",
    "columnist",
    "columnists",
];

/// Why the section the page declares (`Metadata::section`) says the article is opinion, or
/// `None`. The whole section, or its first part before `/`, `|`, `>`, `:`, `,` or a spaced
/// dash ("Opinion - Columnists"), must be one of the opinion sections: "Opinion polls" is not.
///
/// Measured on the extraction benchmark's hand-labelled pages (stop 23): 5 of the 11 opinion
/// pages declare "Opinion", 4 of them already labelled by their URL or called opinion by the
/// model, one (a WSJ column) only by this; none of the 108 reports declares an opinion section.
pub fn opinion_section(section: Option<&str>) -> Option<String> {
    let declared = section?.trim();
    let s = declared.to_lowercase();
    let first = s
        .split(['/', '|', '>', ':', ','])
        .next()
        .unwrap_or("")
        .split(" - ")
        .next()
        .unwrap_or("")
        .split(" \u{2013} ")
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    [s.as_str(), first.as_str()]
        .iter()
        .any(|c| OPINION_PAGE_SECTIONS.contains(c))
        .then(|| format!("the page declares its section \u{201c}{}\u{201d}", declared))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_kickers_mark_opinion() {
        let url = |u: &str| opinion_label(Some(u), None);
        assert!(url("https://www.nytimes.com/2019/11/19/opinion/republicans.html").is_some());
        assert!(url("https://www.theguardian.com/commentisfree/2019/nov/18/x").is_some());
        assert!(url("https://example.com/columnists/2019-royal").is_some());
        let title = |t: &str| opinion_label(None, Some(t));
        assert!(title("Opinion | Republicans Are Following Trump to Nowhere").is_some());
        assert!(title("Column: Gannett/GateHouse merger bodes ill").is_some());
        assert!(title("The Guardian view on Hong Kong: a city on the brink | Editorial").is_some());
        assert_eq!(
            url("https://ex.com/opinion/x").as_deref(),
            Some("the outlet files it under /opinion/")
        );
    }

    #[test]
    fn declared_sections_mark_opinion_and_lookalikes_do_not() {
        for s in [
            "Opinion",
            " opinion ",
            "Opinion - Columnists",
            "Opinion/Editorials",
            "Commentary",
        ] {
            assert!(opinion_section(Some(s)).is_some(), "{s}");
        }
        assert_eq!(
            opinion_section(Some("Opinion")).as_deref(),
            Some("the page declares its section \u{201c}Opinion\u{201d}")
        );
        for s in [
            "Opinion polls",
            "News",
            "Politics",
            "Business",
            "Life and Culture",
            "",
        ] {
            assert_eq!(opinion_section(Some(s)), None, "{s}");
        }
        assert_eq!(opinion_section(None), None);
    }

    #[test]
    fn news_blogs_and_lookalikes_are_not_labels() {
        let none = |u: Option<&str>, t: Option<&str>| assert_eq!(opinion_label(u, t), None);
        none(
            Some("https://thehill.com/blogs/blog-briefing-room/news/471031-x"),
            None,
        );
        none(Some("https://ex.com/news/opinion-poll-shows-lead"), None);
        none(Some("https://opinion.example.com/news/x"), None);
        none(Some("https://ex.com/world?section=opinion"), None);
        none(None, Some("Opinion polls tighten as the vote nears"));
        none(None, Some("Columnist wins award: the ceremony in pictures"));
        none(None, Some("Analysis: what the deal means"));
        none(None, None);
    }
}
