//! The web pages. Each handler fetches what the API would (the same functions) and renders a
//! [`crate::views`] view inside [`layout`]. Styles and the one script are static files compiled
//! into the binary ([`crate::assets`]); nothing is loaded from anywhere else.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use rhetor_corpus::compare;
use rhetor_corpus::Filter;
use rhetor_doc::taxonomy::{FRAMES, GENRES, TECHNIQUES};
use serde::Deserialize;

use crate::api::{self, FilterParams, Page, PeriodParams, SearchParams};
use crate::error::ApiError;
use crate::state::AppState;
use crate::views::{self, Links};

type Shared = State<Arc<AppState>>;

/// An error shown as a page.
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = match self.0.status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "Bad request",
            _ => "Error",
        };
        let body = layout(
            title,
            html! { div.err { h1 { (title) } p { (self.0.message) } p { a href="/" { "Back to the overview" } } } },
        );
        (self.0.status, Html(body.into_string())).into_response()
    }
}

type PageResult = Result<Html<String>, PageError>;

/// The frame of every page.
pub fn layout(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                // No icon to fetch: browsers would otherwise ask for /favicon.ico.
                link rel="icon" href="data:,";
                title { (title) " · rhetor" }
                link rel="stylesheet" href="/static/app.css";
                script src="/static/app.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to the content" }
                header.top {
                    a.brand href="/" { "rhetor" }
                    nav aria-label="Main" {
                        a href="/articles" { "Articles" }
                        a href="/stories" { "Stories" }
                        a href="/search" { "Search" }
                        a href="/techniques" { "Techniques" }
                    }
                }
                main #main tabindex="-1" { (content) }
            }
        }
    }
}

fn page(title: &str, content: Markup) -> Html<String> {
    Html(layout(title, content).into_string())
}

/// `/`: counts, recent stories, outlets.
pub async fn overview(State(state): Shared) -> PageResult {
    let (stats, stories, outlets, recent) = state
        .read(|s| {
            Ok((
                s.stats()?,
                s.stories(10)?,
                s.outlets()?,
                s.list(&Filter::default(), 10, 0)?,
            ))
        })
        .await?;
    Ok(page(
        "Overview",
        html! {
            h1 { "Overview" }
            ul.stats {
                li { strong { (stats.articles) } "articles" }
                li { strong { (stats.stories) } "stories" }
                li { strong { (stats.outlets) } "outlets" }
                li { strong { (stats.technique_spans) } "technique spans" }
                li { strong { (stats.quotes) } "quotes" }
            }
            @if let (Some(a), Some(b)) = (&stats.first_published, &stats.last_published) {
                p.meta { "Published " (a.get(..10).unwrap_or(a)) " – " (b.get(..10).unwrap_or(b)) }
            }
            form.search action="/search" method="get" role="search" {
                label.q { "Search the corpus" input type="search" name="q" required; }
                button type="submit" { "Search" }
            }
            h2 { "Stories" }
            @if stories.is_empty() { p.small { "No stories yet: add articles with `rhetor add`." } }
            ul.list {
                @for s in &stories {
                    li { a href=(Links::Server.story(s.id)) { (s.label) } br;
                        span.small { (views::story_summary(s)) " · "
                            (s.last_published.get(..10).unwrap_or(&s.last_published)) } }
                }
            }
            p { a href="/stories" { "All stories" } }
            h2 { "Recent articles" }
            (views::article_list(Links::Server, &recent))
            p { a href="/articles" { "All articles" } }
            h2 { "Outlets" }
            ul {
                @for (o, n) in &outlets { li { a href=(Links::Server.outlet(o)) { (o) } " " span.small { (n) } } }
            }
        },
    ))
}

fn filter_form(
    action: &str,
    q: Option<&str>,
    f: &FilterParams,
    outlets: &[(String, u64)],
) -> Markup {
    let sel = |v: &Option<String>, x: &str| v.as_deref() == Some(x);
    html! {
        form.search action=(action) method="get" role="search" {
            @if let Some(q) = q {
                label.q { "Words to look for" input type="search" name="q" value=(q) required; }
            }
            label { "Outlet" select name="outlet" {
                option value="" { "any" }
                @for (o, _) in outlets { option value=(o) selected[sel(&f.outlet, o)] { (o) } }
            } }
            label { "Since" input type="date" name="since" value=[f.since.as_deref()]; }
            label { "Until" input type="date" name="until" value=[f.until.as_deref()]; }
            label { "Technique" select name="technique" {
                option value="" { "any" }
                @for t in TECHNIQUES.iter() { option value=(t.label) selected[sel(&f.technique, t.label)] { (t.name) } }
            } }
            label { "Frame" select name="frame" {
                option value="" { "any" }
                @for (l, _) in FRAMES { option value=(l) selected[sel(&f.frame, l)] { (l) } }
            } }
            label { "Genre" select name="genre" {
                option value="" { "any" }
                @for (l, _) in GENRES { option value=(l) selected[sel(&f.genre, l)] { (l) } }
            } }
            button type="submit" { @if q.is_some() { "Search" } @else { "Filter" } }
        }
    }
}

/// A query string of the filters (for pager links).
fn filter_query(f: &FilterParams) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("outlet", &f.outlet),
        ("since", &f.since),
        ("until", &f.until),
        ("technique", &f.technique),
        ("frame", &f.frame),
        ("genre", &f.genre),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", views::encode_segment(v)));
        }
    }
    if let Some(s) = f.story {
        parts.push(format!("story={s}"));
    }
    parts.join("&")
}

/// `/articles`: the list with filters, paged.
pub async fn articles(
    State(state): Shared,
    Query(f): Query<FilterParams>,
    Query(p): Query<Page>,
) -> PageResult {
    let filter = f.filter()?;
    let (limit, offset) = (p.limit.unwrap_or(50).clamp(1, api::MAX_LIMIT), p.offset());
    let st = Arc::clone(&state);
    let (total, rows, outlets) = state
        .read(move |s| {
            Ok((
                st.count(s, &filter)?,
                s.list(&filter, limit, offset)?,
                s.outlets()?,
            ))
        })
        .await?;
    let q = filter_query(&f);
    let link = |off: usize| {
        format!(
            "/articles?{q}{}offset={off}&limit={limit}",
            if q.is_empty() { "" } else { "&" }
        )
    };
    Ok(page(
        "Articles",
        html! {
            h1 { "Articles" }
            (filter_form("/articles", None, &f, &outlets))
            p.meta { (total) " articles" @if total > 0 { ", " (offset + 1) "–" ((offset + rows.len()) as u64) } }
            (views::article_list(Links::Server, &rows))
            nav.pager aria-label="Pages" {
                @if offset > 0 { a href=(link(offset.saturating_sub(limit))) rel="prev" { "← newer" } }
                @if ((offset + limit) as u64) < total { a href=(link(offset + limit)) rel="next" { "older →" } }
            }
        },
    ))
}

/// `/articles/{id}`.
pub async fn article(State(state): Shared, Path(id): Path<String>) -> PageResult {
    let (row, a) = api::load_article(&state, &id).await?;
    let title = a.title.clone().unwrap_or_else(|| "(no title)".into());
    Ok(page(
        &title,
        views::article_view(Links::Server, Some(&row), &a, ""),
    ))
}

/// `/stories`.
pub async fn stories(State(state): Shared) -> PageResult {
    let list = state.read(|s| Ok(s.stories(200)?)).await?;
    Ok(page(
        "Stories",
        html! {
            h1 { "Stories" }
            p.meta { "Articles about the same event across outlets, the largest and most recent first." }
            @if list.is_empty() { p { "No stories yet." } }
            ul.list {
                @for s in &list {
                    li { a href=(Links::Server.story(s.id)) { "#" (s.id) " " (s.label) } br;
                        span.small { (views::story_summary(s)) " · "
                            (s.first_published.get(..10).unwrap_or("")) " – " (s.last_published.get(..10).unwrap_or("")) } }
                }
            }
        },
    ))
}

/// `/stories/{id}`.
pub async fn story(State(state): Shared, Path(id): Path<String>) -> PageResult {
    let id = api::story_id(&id)?;
    let (c, members) = state
        .read(move |s| Ok((compare::compare_story(&*s, id, None)?, s.story_members(id)?)))
        .await?;
    let times = story_times(&members);
    let title = format!("Story #{}", c.story.id);
    Ok(page(&title, views::story_view(Links::Server, &c, &times)))
}

/// (time, outlet, key, title) of a story's members, for the timeline.
pub fn story_times(members: &[rhetor_corpus::ArticleRow]) -> Vec<views::TimelineEntry> {
    members
        .iter()
        .map(|m| {
            (
                m.time.clone(),
                m.outlet.clone().unwrap_or_else(|| "(unknown)".into()),
                m.key.clone(),
                m.title.clone(),
            )
        })
        .collect()
}

/// `/outlets/{name}`.
pub async fn outlet(
    State(state): Shared,
    Path(name): Path<String>,
    Query(p): Query<PeriodParams>,
) -> PageResult {
    let (period, pname) = p.period()?;
    let (n, c) = api::outlet_profiles(&state, &name, period).await?;
    let charts = views::OutletCharts::new(&name, &c.outlets, &c.corpus)
        .ok_or_else(|| ApiError::not_found(format!("no such outlet: {name}")))?;
    let filter = Filter {
        outlet: Some(name.clone()),
        ..Filter::default()
    };
    let recent = state.read(move |s| Ok(s.list(&filter, 10, 0)?)).await?;
    let base = format!("/outlets/{}/data.csv", views::encode_segment(&name));
    let href = |chart: &str| format!("{base}?chart={chart}&period={pname}");
    Ok(page(
        &name,
        views::outlet_view(Links::Server, &name, n, pname, &charts, &href, &recent),
    ))
}

#[derive(Debug, Deserialize)]
pub struct CsvParams {
    chart: Option<String>,
    period: Option<String>,
}

/// `/outlets/{name}/data.csv?chart=…`: one chart's numbers.
pub async fn outlet_csv(
    State(state): Shared,
    Path(name): Path<String>,
    Query(p): Query<CsvParams>,
) -> Result<Response, PageError> {
    let (period, _) = PeriodParams { period: p.period }.period()?;
    let chart = p.chart.unwrap_or_else(|| "over_time".into());
    let (_, c) = api::outlet_profiles(&state, &name, period).await?;
    let charts = views::OutletCharts::new(&name, &c.outlets, &c.corpus)
        .ok_or_else(|| ApiError::not_found(format!("no such outlet: {name}")))?;
    let csv = charts.csv(&name, &chart).ok_or_else(|| {
        ApiError::bad_request("chart must be over_time, categories, frames or techniques")
    })?;
    let file = format!(
        "attachment; filename=\"{}-{}.csv\"",
        views::safe_file(&name),
        views::safe_file(&chart)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, file),
        ],
        csv,
    )
        .into_response())
}

/// `/search`.
pub async fn search(
    State(state): Shared,
    Query(p): Query<SearchParams>,
    Query(f): Query<FilterParams>,
) -> PageResult {
    let outlets = state.read(|s| Ok(s.outlets()?)).await?;
    let q = p.q.clone().unwrap_or_default();
    let result = if q.trim().is_empty() {
        None
    } else {
        Some(api::run_search(&state, &p, &f).await?)
    };
    Ok(page(
        "Search",
        html! {
            h1 { "Search" }
            (filter_form("/search", Some(&q), &f, &outlets))
            @if let Some(r) = &result {
                p.meta { (r.hits.len()) " result" @if r.hits.len() != 1 { "s" } " for “" (r.query) "” (" (r.mode) ")" }
                ol.list.results {
                    @for h in &r.hits {
                        li {
                            a href=(Links::Server.article(&h.key)) { (h.title.as_deref().unwrap_or("(no title)")) }
                            br;
                            span.small { (h.outlet.as_deref().unwrap_or("(unknown outlet)")) " · " (h.published.as_deref().map(|p| p.get(..10).unwrap_or(p)).unwrap_or("")) }
                            p.snippet { (h.snippet) }
                        }
                    }
                }
            }
        },
    ))
}

/// `/techniques`.
pub async fn techniques() -> Html<String> {
    page("Techniques", views::techniques_view(Links::Server))
}

/// Any other path.
pub async fn not_found() -> PageError {
    PageError(ApiError::not_found("There is no page here."))
}
