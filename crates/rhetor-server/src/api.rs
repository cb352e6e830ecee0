//! The JSON API under `/api`. Every answer is built from `rhetor_corpus` (the same calls and the
//! same shapes as `rhetor stories|compare|search|stats --format json`) and `rhetor::Pipeline`;
//! the OpenAPI document ([`ApiDoc`]) is derived from these handlers and types.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use rhetor_corpus::compare::{self, Period};
use rhetor_corpus::search::{self, Hit, Mode};
use rhetor_corpus::{ArticleRow, Filter, StoredStory, CORPUS_SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

type Shared = State<Arc<AppState>>;
type ApiResult<T> = Result<Json<T>, ApiError>;

/// The largest page of `/api/articles` and `/api/search`.
pub const MAX_LIMIT: usize = 200;

/// Filters shared by the article list and search (as in `rhetor search`).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilterParams {
    /// Only this outlet.
    pub outlet: Option<String>,
    /// From this date (YYYY-MM-DD or RFC 3339), by publication (else adding) time.
    pub since: Option<String>,
    /// Up to this date, inclusive.
    pub until: Option<String>,
    /// Only articles with a span of this technique (`/api/techniques`).
    pub technique: Option<String>,
    /// Only articles with this frame.
    pub frame: Option<String>,
    /// Only articles of this genre (opinion, reporting, satire).
    pub genre: Option<String>,
    /// Only articles of this story.
    pub story: Option<u64>,
}

fn blank(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl FilterParams {
    /// Checks the labels against the taxonomy and the dates, and builds the store's filter.
    pub fn filter(&self) -> Result<Filter, ApiError> {
        let technique = blank(&self.technique);
        let frame = blank(&self.frame);
        let genre = blank(&self.genre);
        if let Some(t) = &technique {
            if rhetor_doc::taxonomy::technique(t).is_none() {
                return Err(ApiError::bad_request(format!(
                    "unknown technique {t:?} (see /api/techniques)"
                )));
            }
        }
        if let Some(f) = &frame {
            if !rhetor_doc::taxonomy::is_frame(f) {
                return Err(ApiError::bad_request(format!("unknown frame {f:?}")));
            }
        }
        if let Some(g) = &genre {
            if !rhetor_doc::taxonomy::is_genre(g) {
                return Err(ApiError::bad_request(format!(
                    "unknown genre {g:?}: opinion, reporting or satire"
                )));
            }
        }
        for d in [&self.since, &self.until].into_iter().flatten() {
            if !d.trim().is_empty() && rhetor_corpus::corpus::parse_time(d).is_none() {
                return Err(ApiError::bad_request(format!(
                    "not a date: {d:?} (YYYY-MM-DD or RFC 3339)"
                )));
            }
        }
        Ok(Filter {
            outlet: blank(&self.outlet),
            since: blank(&self.since),
            until: blank(&self.until),
            technique,
            frame,
            genre,
            story: self.story,
        })
    }
}

/// Paging.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// At most this many (1–200, default 20).
    pub limit: Option<usize>,
    /// Skip this many.
    pub offset: Option<usize>,
}

impl Page {
    pub fn limit(&self) -> usize {
        self.limit.unwrap_or(20).clamp(1, MAX_LIMIT)
    }
    pub fn offset(&self) -> usize {
        self.offset.unwrap_or(0).min(10_000_000)
    }
}

/// `GET /api/articles`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    pub schema_version: &'static str,
    /// Articles matching the filters.
    pub total: u64,
    pub limit: usize,
    pub offset: usize,
    /// `{"key", "id", "source", "title", "outlet", "url", "published", "time", "genre", "words", "story"}`, most recent first.
    #[schema(value_type = Vec<Object>)]
    pub articles: Vec<ArticleRow>,
}

/// An article id in a path: a store key or an `analyze` id. Ids are looked up, never used as a
/// path, but still refused when they cannot be an id at all.
pub fn check_id(id: &str) -> Result<&str, ApiError> {
    if id.is_empty() || id.len() > 512 || id.chars().any(|c| c.is_control()) {
        return Err(ApiError::bad_request("not an article id"));
    }
    Ok(id)
}

/// Paths of the API, for the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "rhetor",
        description = "Persuasion techniques, genre, frames, quotes and stories of a news corpus. Offsets count Unicode code points into an article's `text` (docs/schema.md)."
    ),
    paths(
        articles, article, stories, story, outlets, outlet, search_api, techniques, analyze
    ),
    components(schemas(
        ErrorBody,
        ArticleList,
        SearchResult,
        OutletList,
        OutletResult,
        AnalyzeResult,
        StoryList
    ))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Articles, most recent first, paged, with the filters of `rhetor search`.
#[utoipa::path(get, path = "/api/articles", params(FilterParams, Page),
    responses((status = 200, body = ArticleList), (status = 400, body = ErrorBody)))]
pub async fn articles(
    State(state): Shared,
    Query(f): Query<FilterParams>,
    Query(page): Query<Page>,
) -> ApiResult<ArticleList> {
    let filter = f.filter()?;
    let (limit, offset) = (page.limit(), page.offset());
    let st = Arc::clone(&state);
    let (total, articles) = state
        .read(move |s| Ok((st.count(s, &filter)?, s.list(&filter, limit, offset)?)))
        .await?;
    Ok(Json(ArticleList {
        schema_version: CORPUS_SCHEMA_VERSION,
        total,
        limit,
        offset,
        articles,
    }))
}

/// Looks an article up (by key or id).
pub async fn load_article(
    state: &Arc<AppState>,
    id: &str,
) -> Result<(ArticleRow, rhetor_doc::Article), ApiError> {
    let id = check_id(id)?.to_string();
    let key = id.clone();
    state
        .read(move |s| Ok(s.article(&key)?))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no such article: {id}")))
}

/// One article as in docs/schema.md (text and every annotation), plus `store`: its key,
/// story, time and word count in the corpus.
#[utoipa::path(get, path = "/api/articles/{id}",
    params(("id" = String, Path, description = "store key (u… or c…) or the id `analyze` gave")),
    responses((status = 200, description = "ARTICLE of docs/schema.md with `store`", body = Object), (status = 404, body = ErrorBody)))]
pub async fn article(State(state): Shared, Path(id): Path<String>) -> ApiResult<Value> {
    let (row, a) = load_article(&state, &id).await?;
    let mut v = serde_json::to_value(&a).map_err(|e| ApiError::internal(e.to_string()))?;
    v["store"] = json!({"key": row.key, "story": row.story, "time": row.time, "words": row.words});
    Ok(Json(v))
}

/// Paging of stories.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StoryParams {
    /// At most this many stories (1–200, default 50).
    pub limit: Option<usize>,
}

/// `GET /api/stories`: as `rhetor stories --format json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoryList {
    pub schema_version: &'static str,
    /// `{"id", "label", "first_published", "last_published", "outlets", "articles": [{"id", "key", "source", "outlet", "title", "published"}], "reasons"}`
    #[schema(value_type = Vec<Object>)]
    pub stories: Vec<Value>,
}

/// Stories, the largest and most recent first, with their articles.
#[utoipa::path(get, path = "/api/stories", params(StoryParams),
    responses((status = 200, body = StoryList)))]
pub async fn stories(State(state): Shared, Query(p): Query<StoryParams>) -> ApiResult<StoryList> {
    let limit = p.limit.unwrap_or(50).clamp(1, MAX_LIMIT);
    let list = state
        .read(move |s| {
            let mut out = Vec::new();
            for st in s.stories(limit)? {
                let m = s.story_members(st.id)?;
                out.push((st, m));
            }
            Ok(out)
        })
        .await?;
    Ok(Json(StoryList {
        schema_version: CORPUS_SCHEMA_VERSION,
        stories: list.iter().map(|(s, m)| story_json(s, m)).collect(),
    }))
}

/// A story as `rhetor stories --format json` prints it.
pub fn story_json(s: &StoredStory, members: &[ArticleRow]) -> Value {
    json!({
        "id": s.id, "label": s.label,
        "first_published": s.first_published, "last_published": s.last_published,
        "outlets": s.outlets,
        "articles": members.iter().map(|a| json!({
            "id": a.id, "key": a.key, "source": a.source, "outlet": a.outlet,
            "title": a.title, "published": a.published,
        })).collect::<Vec<_>>(),
        "reasons": s.reasons,
    })
}

/// Parses a story id.
pub fn story_id(id: &str) -> Result<u64, ApiError> {
    id.parse::<u64>()
        .map_err(|_| ApiError::bad_request(format!("not a story id: {:?}", truncate(id, 40))))
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A story compared outlet by outlet: as `rhetor compare --story ID --format json`.
#[utoipa::path(get, path = "/api/stories/{id}",
    params(("id" = u64, Path, description = "story id")),
    responses((status = 200, description = "STORY comparison of docs/schema.md: story, outlets, shared, groups, plus members", body = Object),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn story(State(state): Shared, Path(id): Path<String>) -> ApiResult<Value> {
    let id = story_id(&id)?;
    let (c, members) = state
        .read(move |s| {
            let c = compare::compare_story(&*s, id, None)?;
            Ok((c, s.story_members(id)?))
        })
        .await?;
    let mut v = serde_json::to_value(&c).map_err(|e| ApiError::internal(e.to_string()))?;
    v["schema_version"] = json!(CORPUS_SCHEMA_VERSION);
    v["members"] = serde_json::to_value(&members).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(v))
}

/// `GET /api/outlets`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutletList {
    pub schema_version: &'static str,
    /// `{"outlet", "articles"}`, most articles first.
    #[schema(value_type = Vec<Object>)]
    pub outlets: Vec<Value>,
}

/// Every outlet with its article count.
#[utoipa::path(get, path = "/api/outlets", responses((status = 200, body = OutletList)))]
pub async fn outlets(State(state): Shared) -> ApiResult<OutletList> {
    let list = state.read(|s| Ok(s.outlets()?)).await?;
    Ok(Json(OutletList {
        schema_version: CORPUS_SCHEMA_VERSION,
        outlets: list
            .iter()
            .map(|(o, n)| json!({"outlet": o, "articles": n}))
            .collect(),
    }))
}

/// Time buckets.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// day, week or month (default month).
    pub period: Option<String>,
}

impl PeriodParams {
    pub fn period(&self) -> Result<(Period, &'static str), ApiError> {
        match self.period.as_deref().map(str::trim) {
            None | Some("") | Some("month") => Ok((Period::Month, "month")),
            Some("week") => Ok((Period::Week, "week")),
            Some("day") => Ok((Period::Day, "day")),
            Some(p) => Err(ApiError::bad_request(format!(
                "period must be day, week or month, not {:?}",
                truncate(p, 20)
            ))),
        }
    }
}

/// `GET /api/outlets/{name}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutletResult {
    pub schema_version: &'static str,
    pub name: String,
    pub period: &'static str,
    /// The outlet's profile: `all` first, then one per period (P of docs/schema.md's `compare --outlets`).
    #[schema(value_type = Vec<Object>)]
    pub profiles: Vec<compare::OutletProfile>,
    /// The corpus average, `all` first, then per period.
    #[schema(value_type = Vec<Object>)]
    pub corpus: Vec<compare::OutletProfile>,
}

/// Computes an outlet's profiles and the corpus's (all, then per period).
pub async fn outlet_profiles(
    state: &Arc<AppState>,
    name: &str,
    period: Period,
) -> Result<(u64, Arc<compare::OutletsComparison>), ApiError> {
    if name.is_empty() || name.len() > 512 || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request("not an outlet name"));
    }
    let name_owned = name.to_string();
    let st = Arc::clone(state);
    let (n, c) = state
        .read(move |s| {
            let outlets = s.outlets()?;
            let n = outlets
                .iter()
                .find(|(o, _)| *o == name_owned)
                .map(|(_, n)| *n);
            let Some(n) = n else { return Ok((None, None)) };
            // The comparison covers every outlet and the whole corpus, the same for every
            // outlet page: computed once per period while the corpus keeps its size.
            // (Articles are only ever added, so the count tells whether anything changed.)
            let size = s.count(&Filter::default())?;
            if let Some(c) = st.cached_outlets(period, size) {
                return Ok((Some(n), Some(c)));
            }
            let overall = s.counts(None)?;
            let per = s.counts(Some(period))?;
            let c = Arc::new(compare::compare_outlets(&overall, Some(&per), None));
            st.cache_outlets(period, size, Arc::clone(&c));
            Ok((Some(n), Some(c)))
        })
        .await?;
    match (n, c) {
        (Some(n), Some(c)) => Ok((n, c)),
        _ => Err(ApiError::not_found(format!("no such outlet: {name}"))),
    }
}

/// One outlet's technique and frame profile, overall and per period, with the corpus average.
#[utoipa::path(get, path = "/api/outlets/{name}",
    params(("name" = String, Path, description = "outlet as stored"), PeriodParams),
    responses((status = 200, body = OutletResult), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn outlet(
    State(state): Shared,
    Path(name): Path<String>,
    Query(p): Query<PeriodParams>,
) -> ApiResult<OutletResult> {
    let (period, pname) = p.period()?;
    let (_, c) = outlet_profiles(&state, &name, period).await?;
    let profiles = c
        .outlets
        .iter()
        .filter(|o| o.name == name)
        .cloned()
        .collect();
    Ok(Json(OutletResult {
        schema_version: CORPUS_SCHEMA_VERSION,
        name,
        period: pname,
        profiles,
        corpus: c.corpus.clone(),
    }))
}

/// Search parameters.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for.
    pub q: Option<String>,
    /// text, semantic or hybrid (default hybrid; text when the sentence encoder is not installed).
    pub mode: Option<String>,
    /// At most this many hits (1–200, default 10).
    pub limit: Option<usize>,
}

/// `GET /api/search`: as `rhetor search --format json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    pub schema_version: &'static str,
    pub query: String,
    /// The mode that ran.
    pub mode: String,
    /// `{"key", "id", "source", "title", "outlet", "published", "score", "snippet"}`, best first.
    #[schema(value_type = Vec<Object>)]
    pub hits: Vec<Hit>,
}

/// Runs a search (shared by the API and the search page).
pub async fn run_search(
    state: &Arc<AppState>,
    p: &SearchParams,
    f: &FilterParams,
) -> Result<SearchResult, ApiError> {
    let query = p.q.as_deref().unwrap_or("").trim().to_string();
    if query.is_empty() {
        return Err(ApiError::bad_request("q: nothing to search for"));
    }
    if query.len() > 1000 {
        return Err(ApiError::bad_request("q: longer than 1,000 bytes"));
    }
    let filter = f.filter()?;
    let mode = match p.mode.as_deref().map(str::trim) {
        None | Some("") | Some("hybrid") => Mode::Hybrid,
        Some("text") => Mode::Text,
        Some("semantic") => Mode::Semantic,
        Some(m) => {
            return Err(ApiError::bad_request(format!(
                "mode must be text, semantic or hybrid, not {:?}",
                truncate(m, 20)
            )))
        }
    };
    let limit = p.limit.unwrap_or(10).clamp(1, MAX_LIMIT);
    let st = Arc::clone(state);
    let q = query.clone();
    let (mode, hits) = state
        .read(move |s| {
            let (mode, vector) = match mode {
                Mode::Text => (Mode::Text, None),
                m => match st.embedder() {
                    Some(e) => (m, Some(e.query(&q)?)),
                    None => (Mode::Text, None),
                },
            };
            let hits = search::search(s, &q, vector.as_deref(), mode, &filter, limit)?;
            Ok((mode, hits))
        })
        .await?;
    Ok(SearchResult {
        schema_version: CORPUS_SCHEMA_VERSION,
        query,
        mode: match mode {
            Mode::Text => "text",
            Mode::Semantic => "semantic",
            Mode::Hybrid => "hybrid",
        }
        .to_string(),
        hits,
    })
}

/// Full-text, semantic or hybrid search with the filters of `/api/articles`.
#[utoipa::path(get, path = "/api/search", params(SearchParams, FilterParams),
    responses((status = 200, body = SearchResult), (status = 400, body = ErrorBody)))]
pub async fn search_api(
    State(state): Shared,
    Query(p): Query<SearchParams>,
    Query(f): Query<FilterParams>,
) -> ApiResult<SearchResult> {
    Ok(Json(run_search(&state, &p, &f).await?))
}

/// The taxonomy: categories, the 23 techniques with definitions and examples, frames, genres
/// (as `rhetor techniques --json`).
#[utoipa::path(get, path = "/api/techniques",
    responses((status = 200, description = "{categories, techniques, frames, genres}", body = Object)))]
pub async fn techniques() -> Json<Value> {
    Json(rhetor_doc::taxonomy::to_json())
}

/// Analysis options.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyzeParams {
    /// Also store the articles in the corpus.
    pub store: Option<bool>,
    /// A name for the input (its extension helps detect the format).
    pub name: Option<String>,
    /// The page's URL (gives the outlet).
    pub url: Option<String>,
}

/// `POST /api/analyze`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalyzeResult {
    pub schema_version: &'static str,
    /// ARTICLE objects of docs/schema.md.
    #[schema(value_type = Vec<Object>)]
    pub articles: Vec<rhetor_doc::Article>,
    /// `{"source", "error"}` per input that could not be read.
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<Value>,
    /// With `store=true`: the outcome per article (`{"status": "added", "key", "story", "new_story"}` or `{"status": "duplicate", "key"}`).
    #[schema(value_type = Vec<Object>)]
    pub stored: Vec<Value>,
}

/// Analyses an article sent as the body (plain text, HTML, JSON/JSONL, feed), returns it; stores
/// it only with `store=true`. One analysis runs at a time; others get 429.
#[utoipa::path(post, path = "/api/analyze", params(AnalyzeParams),
    request_body(content = String, description = "the article: text, HTML, JSON(L) or a feed", content_type = "text/plain"),
    responses((status = 200, body = AnalyzeResult), (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn analyze(
    State(state): Shared,
    Query(p): Query<AnalyzeParams>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<AnalyzeResult> {
    if body.is_empty() {
        return Err(ApiError::bad_request("empty body: send the article"));
    }
    let _permit = state.analyses.try_acquire().map_err(|_| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "an analysis is already running: try again shortly",
        )
    })?;
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.split(';').next().unwrap_or("").trim().to_string());
    let name = p
        .name
        .clone()
        .filter(|n| !n.is_empty() && n.len() < 256)
        .unwrap_or_else(|| default_name(content_type.as_deref()).to_string());
    let url = p.url.clone().filter(|u| u.len() < 2048);
    let store = p.store.unwrap_or(false);
    // A JSON object spread over lines is one article: JSONL wants it on one line.
    let body = match serde_json::from_slice::<Value>(&body) {
        Ok(v @ Value::Object(_)) => Bytes::from(v.to_string()),
        _ => body,
    };
    let name = if name.ends_with(".json") {
        format!("{name}l")
    } else {
        name
    };
    let st = Arc::clone(&state);
    let result = tokio::task::spawn_blocking(move || -> Result<AnalyzeResult, ApiError> {
        let pipeline = st.pipeline()?;
        let items = pipeline.process(&rhetor::Input {
            bytes: &body,
            name: &name,
            url: url.as_deref(),
            content_type: content_type.as_deref(),
        });
        let mut articles = Vec::new();
        let mut errors = Vec::new();
        for item in items {
            match item {
                Ok(a) => articles.push(a),
                Err(f) => errors.push(json!({"source": f.source, "error": f.error.to_string()})),
            }
        }
        let mut stored = Vec::new();
        if store && !articles.is_empty() {
            st.with_corpus(|c| {
                for a in &articles {
                    let o = c.add(a)?;
                    stored.push(serde_json::to_value(&o).unwrap_or(Value::Null));
                }
                c.commit(true)?;
                Ok(())
            })?;
            // Readers reopen and cached answers are dropped (the files changed too; this makes
            // it certain even within one tick of the file clock).
            st.bump_generation();
        }
        Ok(AnalyzeResult {
            schema_version: rhetor_doc::SCHEMA_VERSION,
            articles,
            errors,
            stored,
        })
    })
    .await
    .map_err(|e| ApiError::internal(format!("worker: {e}")))??;
    if result.articles.is_empty() {
        let why = result
            .errors
            .first()
            .and_then(|e| e["error"].as_str())
            .unwrap_or("no article found")
            .to_string();
        return Err(ApiError::bad_request(why));
    }
    Ok(Json(result))
}

fn default_name(content_type: Option<&str>) -> &'static str {
    match content_type {
        Some("text/html") | Some("application/xhtml+xml") => "input.html",
        Some("application/json") => "input.json",
        Some("application/x-ndjson") | Some("application/jsonl") => "input.jsonl",
        Some("application/rss+xml") | Some("application/atom+xml") | Some("application/xml") => {
            "input.xml"
        }
        _ => "input.txt",
    }
}

/// Everything under `/api` that is not a route.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such API route (see /api/openapi.json)")
}
