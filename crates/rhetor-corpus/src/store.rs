//! The store interface. Everything `rhetor add|stories|compare|search|stats` and the server need
//! goes through [`Store`], so a PostgreSQL backend implements these methods and nothing else.

use rhetor_doc::Article;
use serde::{Deserialize, Serialize};

use crate::key::ArticleKey;
use crate::Result;

/// One article as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleRow {
    /// The stable store key.
    pub key: String,
    /// The id `analyze` gives (the input's own id or the file stem).
    pub id: String,
    pub source: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    /// `published` as RFC 3339 UTC, else the time of adding: what dates and windows use.
    pub time: String,
    pub genre: Option<String>,
    pub words: u64,
    pub story: Option<u64>,
}

/// What lists and searches are narrowed to. Empty fields narrow nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    pub outlet: Option<String>,
    /// Inclusive, compared with the article's time (`YYYY-MM-DD` or RFC 3339).
    pub since: Option<String>,
    /// Inclusive: a bare date covers that whole day.
    pub until: Option<String>,
    /// Articles with at least one span of this technique.
    pub technique: Option<String>,
    /// Articles with this frame.
    pub frame: Option<String>,
    pub genre: Option<String>,
    pub story: Option<u64>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

/// A story as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredStory {
    pub id: u64,
    pub label: String,
    pub first_published: String,
    pub last_published: String,
    pub size: u64,
    pub outlets: Vec<String>,
    pub reasons: Vec<String>,
}

/// Corpus counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub articles: u64,
    pub stories: u64,
    pub outlets: u64,
    pub technique_spans: u64,
    pub quotes: u64,
    pub words: u64,
    pub first_published: Option<String>,
    pub last_published: Option<String>,
    /// Bytes on disk (database, vectors).
    pub disk_bytes: u64,
}

/// A full-text hit.
#[derive(Debug, Clone, PartialEq)]
pub struct TextHit {
    pub key: String,
    pub score: f32,
    pub snippet: String,
}

/// One article to store, with what `add` computed for it.
pub struct NewArticle<'a> {
    pub article: &'a Article,
    pub key: &'a ArticleKey,
    /// Stock-encoder embedding of title + lead (normalised).
    pub embedding: &'a [f32],
    /// RFC 3339 UTC time of adding.
    pub added_at: String,
    /// RFC 3339 UTC time used for windows and filters.
    pub time: String,
    pub story: Option<u64>,
    pub story_reasons: Vec<String>,
}

/// The storage a corpus needs. Writes happen in batches: [`begin`](Store::begin), any number of
/// [`insert`](Store::insert) and story updates, then [`commit`](Store::commit); a batch that is
/// never committed (a crash) leaves the store as it was before it.
pub trait Store {
    /// The key of the article already stored under the same key, canonical URL or content.
    fn duplicate_of(&self, key: &ArticleKey) -> Result<Option<String>>;
    fn begin(&mut self) -> Result<()>;
    fn insert(&mut self, new: &NewArticle) -> Result<()>;
    /// Replaces the stored stories that changed.
    fn save_stories(&mut self, stories: &[StoredStory]) -> Result<()>;
    fn commit(&mut self) -> Result<()>;

    /// An article by key or by `analyze` id (the first stored with that id).
    fn article(&self, key_or_id: &str) -> Result<Option<(ArticleRow, Article)>>;
    /// Articles matching `filter`, most recent first.
    fn list(&self, filter: &Filter, limit: usize, offset: usize) -> Result<Vec<ArticleRow>>;
    fn count(&self, filter: &Filter) -> Result<u64>;
    /// Full-text search (BM25), best first.
    fn text_search(&self, query: &str, filter: &Filter, limit: usize) -> Result<Vec<TextHit>>;
    /// Nearest articles to `vector` by cosine, best first.
    fn nearest(
        &mut self,
        vector: &[f32],
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<(String, f32)>>;
    /// Stories, the largest and most recent first.
    fn stories(&self, limit: usize) -> Result<Vec<StoredStory>>;
    /// A story's articles, oldest first.
    fn story_members(&self, id: u64) -> Result<Vec<ArticleRow>>;
    fn story(&self, id: u64) -> Result<Option<StoredStory>>;
    fn stats(&self) -> Result<Stats>;
    /// Articles, words, technique spans and frames per outlet, over everything (period `all`) or
    /// per period, for [`crate::compare::compare_outlets`].
    fn counts(&self, period: Option<crate::compare::Period>) -> Result<crate::compare::Counts>;
    /// Every outlet with its article count.
    fn outlets(&self) -> Result<Vec<(String, u64)>>;
}
