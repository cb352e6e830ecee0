//! [`Corpus`]: what `rhetor add` does with each analysed article: key it, skip it when it is
//! already stored, embed its title and lead, assign it to a story, store it with every annotation.
//!
//! Stories are assigned incrementally by `rhetor_stories::StoryIndex`. The index is kept in
//! `stories.bin` (bincode) next to the database, with the number of articles it has seen; it is
//! rewritten only when the corpus has grown by a quarter since the last snapshot (so the total
//! cost stays linear) and at the end of a run. Articles stored after the snapshot (a run that was
//! interrupted, or small runs) are replayed into the index when the corpus opens: the same inputs
//! in the same order give the same assignments, because the index is fed the stored (int8)
//! vector, not the encoder's f32 one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use rhetor_doc::Article;
use rhetor_stories::{StoryConfig, StoryIndex, StoryInput};
use serde::{Deserialize, Serialize};

use crate::key::ArticleKey;
use crate::sqlite::{body_text, SqliteStore};
use crate::store::{NewArticle, Store, StoredStory};
use crate::vectors::quantize;
use crate::{CorpusError, Result};

/// The story index snapshot in a store folder.
pub const STORY_INDEX_FILE: &str = "stories.bin";

/// What happened to one article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum AddOutcome {
    /// Stored, in this story.
    Added {
        key: String,
        story: u64,
        new_story: bool,
    },
    /// Already stored under `key`: not stored again.
    Duplicate { key: String },
}

/// Something that turns an article's title and lead into a story vector.
pub trait Embed {
    fn embed(&self, title: &str, text: &str) -> Result<Vec<f32>>;
}

impl Embed for rhetor_models::Embedder {
    fn embed(&self, title: &str, text: &str) -> Result<Vec<f32>> {
        rhetor_stories::embed_for_story(self, title, text).map_err(CorpusError::from)
    }
}

/// Where analysed articles are stored one at a time, durably: the embedded [`Corpus`] or the
/// PostgreSQL backend. `rhetor worker` writes through this, so a job is acknowledged only after
/// [`put`](Sink::put) returned. `put` is idempotent: an article already stored (same key,
/// canonical URL or content) comes back as [`AddOutcome::Duplicate`] and is not stored again,
/// which makes a redelivered job harmless.
pub trait Sink {
    /// Stores `article` with every annotation and its story, in one transaction.
    fn put(&mut self, article: &Article) -> Result<AddOutcome>;
}

impl<E: Embed> Sink for Corpus<E> {
    fn put(&mut self, article: &Article) -> Result<AddOutcome> {
        let outcome = self.add(article)?;
        self.commit(false)?;
        Ok(outcome)
    }
}

/// Layout version of `stories.bin`; a snapshot of another version is rebuilt, not read.
const SNAPSHOT_FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Snapshot {
    format: u32,
    /// Articles (vector rows) the index has seen.
    rows: u64,
    index: StoryIndex,
}

/// A store with its story index, ready to add articles.
pub struct Corpus<E: Embed> {
    store: SqliteStore,
    embedder: E,
    index: StoryIndex,
    /// Rows covered by the snapshot on disk.
    snapshot_rows: u64,
    /// Rows the index has seen.
    index_rows: u64,
    dirty: BTreeSet<u64>,
    in_batch: bool,
    notices: Vec<String>,
}

/// Parses an ISO date or date-time as UTC (a bare date is midnight UTC).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Some(t.and_utc());
    }
    let day = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl<E: Embed> Corpus<E> {
    /// Opens the store in `dir` and brings its story index up to date.
    pub fn open(dir: &Path, embedder: E) -> Result<Self> {
        let store = SqliteStore::open(dir)?;
        let snap_path = dir.join(STORY_INDEX_FILE);
        let fresh = || (StoryIndex::new(StoryConfig::default()), 0);
        let mut notices = Vec::new();
        let (index, rows) = match std::fs::read(&snap_path) {
            Ok(bytes) => match bincode::deserialize::<Snapshot>(&bytes) {
                Ok(s) if s.format == SNAPSHOT_FORMAT => (s.index, s.rows),
                // A snapshot of another build (or a damaged one) is only a cache: the stored
                // articles are the truth, so the index is rebuilt from them.
                _ => {
                    notices.push(format!(
                        "{} was written by another version of rhetor: rebuilding the story index from the stored articles",
                        snap_path.display()
                    ));
                    fresh()
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => fresh(),
            Err(e) => return Err(CorpusError::io(&snap_path, e)),
        };
        let mut corpus = Corpus {
            store,
            embedder,
            index,
            snapshot_rows: rows,
            index_rows: rows,
            dirty: BTreeSet::new(),
            in_batch: false,
            notices,
        };
        corpus.replay()?;
        Ok(corpus)
    }

    /// What opening had to say without failing (a story index rebuilt).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The store.
    pub fn store(&self) -> &SqliteStore {
        &self.store
    }

    /// Feeds the index the articles stored after its snapshot, in storage order, and records
    /// the stories they get (the same as when they were added, unless the index was rebuilt by
    /// another version, whose stories then replace the stored ones).
    fn replay(&mut self) -> Result<()> {
        let pending = self.store.rows_from(self.index_rows)?;
        if pending.is_empty() {
            return Ok(());
        }
        self.store.begin()?;
        self.in_batch = true;
        if self.index_rows == 0 {
            self.store.clear_stories()?;
        }
        for (row, article, added_at) in pending {
            let Some(v) = self.store.vector(row)? else {
                return Err(CorpusError::Corrupt(format!("no vector for row {row}")));
            };
            let key = ArticleKey::of(&article);
            let input = story_input(&article, &key.key, added_at, v);
            let a = self.index.assign(&input)?;
            self.store.set_story(row, a.story_id, &a.reasons)?;
            self.dirty.insert(a.story_id);
            self.index_rows = row + 1;
        }
        self.commit(false)
    }

    /// Adds one analysed article (in the current batch; see [`commit`](Self::commit)).
    pub fn add(&mut self, article: &Article) -> Result<AddOutcome> {
        let key = ArticleKey::of(article);
        if let Some(k) = self.store.duplicate_of(&key)? {
            return Ok(AddOutcome::Duplicate { key: k });
        }
        if !self.in_batch {
            self.store.begin()?;
            self.in_batch = true;
        }
        let title = article.title.as_deref().unwrap_or("");
        let raw = self.embedder.embed(title, &body_text(article))?;
        // The index sees the vector as stored, so a replay reproduces this assignment.
        let v: Vec<f32> = quantize(&raw).iter().map(|x| *x as f32 / 127.0).collect();
        // Whole seconds: the stored time, so a replay sees the same input.
        let added_at = Utc::now().trunc_subsecs(0);
        let input = story_input(article, &key.key, added_at, v.clone());
        let a = self.index.assign(&input)?;
        self.dirty.insert(a.story_id);
        self.store.insert(&NewArticle {
            article,
            key: &key,
            embedding: &v,
            added_at: rfc3339(added_at),
            time: rfc3339(input.time()),
            story: Some(a.story_id),
            story_reasons: a.reasons.clone(),
        })?;
        self.index_rows += 1;
        Ok(AddOutcome::Added {
            key: key.key,
            story: a.story_id,
            new_story: a.new_story,
        })
    }

    /// Commits the batch: articles, the stories they changed, atomically; then, when the corpus
    /// has grown enough (or `final_run`), a new index snapshot.
    pub fn commit(&mut self, final_run: bool) -> Result<()> {
        if !self.dirty.is_empty() {
            if !self.in_batch {
                self.store.begin()?;
                self.in_batch = true;
            }
            self.store
                .save_stories(&stored_stories(&self.index, &self.dirty))?;
        }
        if self.in_batch {
            self.store.commit()?;
            self.in_batch = false;
        }
        self.dirty.clear();
        let grown = self.index_rows.saturating_sub(self.snapshot_rows);
        if grown > 0 && (final_run || grown * 4 >= self.snapshot_rows.max(256)) {
            self.write_snapshot()?;
        }
        Ok(())
    }

    fn write_snapshot(&mut self) -> Result<()> {
        let path: PathBuf = self.store.dir().join(STORY_INDEX_FILE);
        let tmp = path.with_extension("bin.tmp");
        let snap = Snapshot {
            format: SNAPSHOT_FORMAT,
            rows: self.index_rows,
            index: std::mem::take(&mut self.index),
        };
        let bytes = bincode::serialize(&snap);
        self.index = snap.index;
        let bytes = bytes.map_err(|e| CorpusError::Invalid(format!("story index: {e}")))?;
        std::fs::write(&tmp, bytes).map_err(|e| CorpusError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| CorpusError::io(&path, e))?;
        self.snapshot_rows = self.index_rows;
        Ok(())
    }
}

pub fn story_input(
    article: &Article,
    key: &str,
    added_at: DateTime<Utc>,
    v: Vec<f32>,
) -> StoryInput {
    StoryInput {
        key: key.to_string(),
        title: article.title.clone().unwrap_or_default(),
        text: body_text(article),
        outlet: article.metadata.outlet.clone(),
        published: article.metadata.published.as_deref().and_then(parse_time),
        added_at,
        embedding: v,
    }
}

/// The stored rows of the stories `ids` of `index` (those it still has), for a commit: one
/// code for every backend.
pub fn stored_stories(index: &StoryIndex, ids: &BTreeSet<u64>) -> Vec<StoredStory> {
    ids.iter()
        .filter_map(|id| index.summary(*id))
        .map(stored_story)
        .collect()
}

pub fn stored_story(s: rhetor_stories::StorySummary) -> StoredStory {
    StoredStory {
        id: s.id,
        label: s.label,
        first_published: rfc3339(s.first_published),
        last_published: rfc3339(s.last_published),
        size: s.size as u64,
        outlets: s.outlets,
        reasons: s.reasons,
    }
}
