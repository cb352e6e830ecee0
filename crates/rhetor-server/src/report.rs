//! `rhetor report`: one self-contained HTML file with the article, story and outlet views of a
//! store. The stylesheet is inlined and allowed by its hash in a Content-Security-Policy meta
//! tag; there is no script at all (tooltips on focus and the "show every span" toggle are CSS),
//! and every link is a fragment of the same file or a `data:` CSV, so the file opens from disk
//! and asks nothing of any server.
//!
//! Views are `<section class="view" id="…">` shown one at a time by `:target`; the index shows
//! when no view is chosen.

use base64::Engine as _;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use rhetor_corpus::compare::{self, Period};
use rhetor_corpus::{Filter, Store};
use sha2::{Digest, Sha256};

use crate::assets::CSS;
use crate::error::ApiError;
use crate::pages::story_times;
use crate::views::{self, Links};

/// How much of a store goes into a report.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub title: String,
    /// The most recent articles (default 500).
    pub max_articles: usize,
    /// The largest stories (default 100).
    pub max_stories: usize,
    /// Outlet charts by this period.
    pub period: Period,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            title: "rhetor report".into(),
            max_articles: 500,
            max_stories: 100,
            period: Period::Month,
        }
    }
}

/// The CSP of the report: nothing but the inline stylesheet (by hash) and `data:` images.
pub fn report_csp() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CSS.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src data:; script-src 'none'; base-uri 'none'; form-action 'none'"
    )
}

fn data_csv(csv: &str) -> String {
    format!("data:text/csv;charset=utf-8,{}", views::encode_segment(csv))
}

/// Renders the report of a store.
pub fn from_store(store: &mut dyn Store, opts: &ReportOptions) -> Result<String, ApiError> {
    let stats = store.stats()?;
    let rows = store.list(&Filter::default(), opts.max_articles, 0)?;
    let mut articles = Vec::new();
    for r in &rows {
        if let Some(pair) = store.article(&r.key)? {
            articles.push(pair);
        }
    }
    let stories = store.stories(opts.max_stories)?;
    let mut story_views = Vec::new();
    for s in &stories {
        let c = compare::compare_story(&*store, s.id, None)?;
        let times = story_times(&store.story_members(s.id)?);
        story_views.push((c, times));
    }
    let outlets = store.outlets()?;
    let overall = store.counts(None)?;
    let per = store.counts(Some(opts.period))?;
    let cmp = compare::compare_outlets(&overall, Some(&per), None);
    let pname = match opts.period {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
    };
    let links = Links::Report;
    let body = html! {
        section #index {
            h1 { (opts.title) }
            ul.stats {
                li { strong { (stats.articles) } "articles" }
                li { strong { (stats.stories) } "stories" }
                li { strong { (stats.outlets) } "outlets" }
                li { strong { (stats.technique_spans) } "technique spans" }
                li { strong { (stats.quotes) } "quotes" }
            }
            @if (rows.len() as u64) < stats.articles { p.small { "The " (rows.len()) " most recent articles are in this report." } }
            h2 { "Stories" }
            ul.list { @for s in &stories { li { a href=(links.story(s.id)) { "#" (s.id) " " (s.label) } " " span.small { (views::story_summary(s)) } } } }
            h2 { "Outlets" }
            ul { @for (o, n) in &outlets { li { a href=(links.outlet(o)) { (o) } " " span.small { (n) } } } }
            h2 { "Articles" }
            (views::article_list(links, &rows))
            p { a href="#techniques" { "The persuasion techniques" } }
        }
        @for (row, a) in &articles {
            section.view id={ "a-" (views::encode_segment(&row.key)) } {
                p { a href="#index" { "← index" } }
                (views::article_view(links, Some(row), a, &format!("{}-", row.key)))
            }
        }
        @for (c, times) in &story_views {
            section.view id={ "s-" (c.story.id) } {
                p { a href="#index" { "← index" } }
                (views::story_view(links, c, times))
            }
        }
        @for (o, n) in &outlets {
            @if let Some(charts) = views::OutletCharts::new(o, &cmp.outlets, &cmp.corpus) {
                section.view id={ "o-" (hex::encode(o)) } {
                    p { a href="#index" { "← index" } }
                    (views::outlet_view(links, o, *n, pname, &charts,
                        &|chart: &str| data_csv(&charts.csv(o, chart).unwrap_or_default()), &[]))
                }
            }
        }
        section.view #techniques {
            p { a href="#index" { "← index" } }
            (views::techniques_view(links))
        }
    };
    Ok(document(&opts.title, body).into_string())
}

fn document(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(report_csp());
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                // No icon to fetch: browsers would otherwise ask for /favicon.ico.
                link rel="icon" href="data:,";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body.report {
                main { (body) }
            }
        }
    }
}
