//! [`PgCorpus`]: what a worker (or `rhetor add --postgres`) does with each analysed article, on a
//! PostgreSQL store shared by any number of processes on any number of machines.
//!
//! Each [`put`](Sink::put) is one transaction:
//! 1. key the article; if it is already stored, stop (a redelivered job is harmless);
//! 2. embed its title and lead: the expensive part, done before taking any lock;
//! 3. catch the in-memory story index up with the articles other workers committed since this
//!    one last looked (by seq, still without the lock), feeding each its stored int8 vector
//!    exactly as the embedded store's replay does: the index then is the one a single process
//!    would have after storing the same articles in the same order, so the same inputs in the
//!    same order give the same stories as the embedded store;
//! 4. `BEGIN`, then `pg_advisory_xact_lock(WRITE_LOCK)`: from here until `COMMIT` no other
//!    writer anywhere runs, so story assignment is serial across all workers; catch up with the
//!    few articles committed between 3 and 4;
//! 5. check duplicates again (another worker may have stored it meanwhile), assign the story,
//!    insert the article with every annotation and its story's new summary, commit (which
//!    releases the lock).
//!
//! [`add`](PgCorpus::add) + [`commit`](PgCorpus::commit) do the same for a batch of articles in
//! one transaction (what `rhetor add --postgres` does, committing as often as the embedded
//! store does, so both store the same stories with the same summaries); the lock is then held
//! for the whole batch.
//!
//! Why an advisory lock rather than a single story-assigner consumer or a later merge: story
//! assignment takes well under a millisecond per article while analysis takes tens to hundreds,
//! so serialising only the assignment and the insert costs little, keeps stories identical to
//! the embedded store's, and needs no extra service. The unique key constraint backs it up.

use std::collections::BTreeSet;

use chrono::{SubsecRound, Utc};
use rhetor_corpus::corpus::{rfc3339, stored_stories, story_input, Embed};
use rhetor_corpus::sqlite::body_text;
use rhetor_corpus::store::{NewArticle, Store};
use rhetor_corpus::vectors::quantize;
use rhetor_corpus::{AddOutcome, ArticleKey, CorpusError, Result, Sink};
use rhetor_doc::Article;
use rhetor_stories::{StoryConfig, StoryIndex};

use crate::store::{IndexSnapshot, PgStore};

/// Layout version of the stored story index snapshot; another one is ignored (rebuilt).
const SNAPSHOT_FORMAT: i32 = 1;

/// A PostgreSQL store with its story index, ready to store articles.
pub struct PgCorpus<E: Embed> {
    store: PgStore,
    embedder: E,
    index: StoryIndex,
    /// The last seq the index has seen and that is committed.
    seen: i64,
    /// The index may hold assignments that were never committed (a batch in progress, or one
    /// that failed): until a commit succeeds it is rebuilt from the stored articles before the
    /// next batch.
    stale: bool,
    /// A transaction (holding the write lock) is open.
    in_batch: bool,
    /// Articles inserted in the open transaction, and the last seq among them.
    inserted: usize,
    pending_seq: i64,
    /// Stories changed in the open transaction.
    dirty: BTreeSet<u64>,
    /// Articles the index has seen (committed ones, plus the open batch's), and how many the
    /// stored snapshot has seen.
    fed: u64,
    snapshot_articles: u64,
    notices: Vec<String>,
}

impl<E: Embed> PgCorpus<E> {
    /// Connects (running migrations) and builds the story index from the stored articles.
    pub fn connect(url: &str, embedder: E) -> Result<Self> {
        let store = PgStore::connect(url)?;
        let mut c = PgCorpus {
            store,
            embedder,
            index: StoryIndex::new(StoryConfig::default()),
            seen: 0,
            stale: false,
            in_batch: false,
            inserted: 0,
            pending_seq: 0,
            dirty: BTreeSet::new(),
            fed: 0,
            snapshot_articles: 0,
            notices: Vec::new(),
        };
        c.load_snapshot()?;
        c.catch_up()?;
        Ok(c)
    }

    /// What connecting had to say without failing (a snapshot that could not be used).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// Starts the index from the stored snapshot (else from nothing).
    fn load_snapshot(&mut self) -> Result<()> {
        self.index = StoryIndex::new(StoryConfig::default());
        self.seen = 0;
        self.fed = 0;
        self.snapshot_articles = 0;
        let Some(snap) = self.store.story_index()? else {
            return Ok(());
        };
        let index = (snap.format == SNAPSHOT_FORMAT)
            .then(|| bincode::deserialize::<StoryIndex>(&snap.state).ok())
            .flatten();
        match index {
            Some(index) => {
                self.index = index;
                self.seen = snap.seq;
                self.fed = snap.articles;
                self.snapshot_articles = snap.articles;
            }
            // A snapshot is only a cache: the stored articles are the truth.
            None => self.notices.push(
                "the stored story index was written by another version of rhetor: rebuilding it from the stored articles".into(),
            ),
        }
        Ok(())
    }

    /// The store.
    pub fn store(&self) -> &PgStore {
        &self.store
    }

    /// The store, to read from with `&mut` (nearest vectors).
    pub fn store_mut(&mut self) -> &mut PgStore {
        &mut self.store
    }

    /// Feeds the index the articles stored after the last one it saw, in storage order. Their
    /// stories were stored by whoever stored them (the same ones, by construction): nothing is
    /// written here.
    fn catch_up(&mut self) -> Result<()> {
        if self.stale {
            self.load_snapshot()?;
            self.stale = false;
        }
        for row in self.store.rows_after(self.seen)? {
            let input = story_input(&row.article, &row.key, row.added_at, row.vector);
            self.index.assign(&input)?;
            self.seen = row.seq;
            self.fed += 1;
        }
        Ok(())
    }

    /// Opens the transaction: takes the write lock, then catches the index up.
    fn begin(&mut self) -> Result<()> {
        if self.in_batch {
            return Ok(());
        }
        self.store.begin()?;
        self.in_batch = true;
        self.inserted = 0;
        self.dirty.clear();
        if let Err(e) = self.catch_up() {
            self.abort();
            return Err(e);
        }
        self.pending_seq = self.seen;
        Ok(())
    }

    /// Rolls the open transaction back; the index is rebuilt before the next batch.
    fn abort(&mut self) {
        if self.in_batch {
            let _ = self.store.rollback();
            self.in_batch = false;
            self.stale = true;
        }
    }

    /// Embeds an article's title and lead as the index and the store see it (int8), so every
    /// worker's catch-up reproduces the assignment.
    fn embed(&self, article: &Article) -> Result<Vec<f32>> {
        let title = article.title.as_deref().unwrap_or("");
        let raw = self.embedder.embed(title, &body_text(article))?;
        Ok(quantize(&raw).iter().map(|x| *x as f32 / 127.0).collect())
    }

    /// Adds one article in the open transaction (opening one if needed: the write lock is then
    /// held until [`commit`](Self::commit)). An already stored article (or one added earlier in
    /// this batch) is a duplicate and writes nothing.
    pub fn add(&mut self, article: &Article) -> Result<AddOutcome> {
        let key = ArticleKey::of(article);
        if !self.in_batch {
            // Cheap first look, without the lock: a redelivered job costs no embedding.
            if let Some(k) = self.store.duplicate_of(&key)? {
                return Ok(AddOutcome::Duplicate { key: k });
            }
        }
        // The expensive parts before taking the lock when no batch is open: the embedding, and
        // catching up with what others committed so far (commits come in seq order, so the
        // committed rows are always a prefix: inside the lock only the newest are left).
        let v = self.embed(article)?;
        if !self.in_batch {
            self.catch_up()?;
        }
        self.begin()?;
        match self.add_locked(article, &key, v) {
            Ok(o) => Ok(o),
            Err(e) => {
                // The transaction may be aborted: nothing of this batch can be committed.
                self.abort();
                Err(e)
            }
        }
    }

    fn add_locked(
        &mut self,
        article: &Article,
        key: &ArticleKey,
        v: Vec<f32>,
    ) -> Result<AddOutcome> {
        if let Some(k) = self.store.duplicate_of(key)? {
            return Ok(AddOutcome::Duplicate { key: k });
        }
        // Whole seconds: the stored time, so a catch-up elsewhere sees the same input.
        let added_at = Utc::now().trunc_subsecs(0);
        let input = story_input(article, &key.key, added_at, v.clone());
        // From here the index holds an article that is not committed yet.
        self.stale = true;
        let a = self.index.assign(&input)?;
        let seq = self.store.insert_returning(&NewArticle {
            article,
            key,
            embedding: &v,
            added_at: rfc3339(added_at),
            time: rfc3339(input.time()),
            story: Some(a.story_id),
            story_reasons: a.reasons.clone(),
        })?;
        self.dirty.insert(a.story_id);
        self.inserted += 1;
        self.fed += 1;
        self.pending_seq = seq;
        Ok(AddOutcome::Added {
            key: key.key.clone(),
            story: a.story_id,
            new_story: a.new_story,
        })
    }

    /// Commits the open transaction: its articles and the summaries of the stories they
    /// changed, atomically; releases the write lock. A batch that stored nothing is rolled back
    /// (nothing changes, not even the store's generation).
    pub fn commit(&mut self) -> Result<()> {
        if !self.in_batch {
            return Ok(());
        }
        if self.inserted == 0 {
            self.in_batch = false;
            return self.store.rollback();
        }
        let stories = stored_stories(&self.index, &self.dirty);
        let done = self
            .store
            .save_stories(&stories)
            .and_then(|_| self.maybe_snapshot())
            .and_then(|_| self.store.commit());
        match done {
            Ok(()) => {
                self.in_batch = false;
                self.seen = self.pending_seq;
                self.stale = false;
                self.dirty.clear();
                Ok(())
            }
            Err(e) => {
                self.abort();
                Err(e)
            }
        }
    }
}

impl<E: Embed> PgCorpus<E> {
    /// Stores a new snapshot of the index in the open transaction when the corpus has grown by
    /// a quarter since the last one (at least 256 articles): the cost stays linear in all, and
    /// a worker that starts replays at most a fifth of the corpus.
    fn maybe_snapshot(&mut self) -> Result<()> {
        let due = |fed: u64, snap: u64| {
            let grown = fed.saturating_sub(snap);
            grown > 0 && grown * 4 >= snap.max(256)
        };
        if !due(self.fed, self.snapshot_articles) {
            return Ok(());
        }
        // Another worker may have stored a newer one meanwhile (we hold the lock: it is final).
        self.snapshot_articles = self
            .snapshot_articles
            .max(self.store.story_index_articles()?.unwrap_or(0));
        if !due(self.fed, self.snapshot_articles) {
            return Ok(());
        }
        let state = bincode::serialize(&self.index)
            .map_err(|e| CorpusError::Invalid(format!("story index: {e}")))?;
        self.store.save_story_index(&IndexSnapshot {
            seq: self.pending_seq,
            articles: self.fed,
            format: SNAPSHOT_FORMAT,
            state,
        })?;
        // Counted as saved only once committed: a failed commit rebuilds from the stored one.
        self.snapshot_articles = self.fed;
        Ok(())
    }
}

impl<E: Embed> Sink for PgCorpus<E> {
    /// One article in one transaction of its own (see the module docs).
    fn put(&mut self, article: &Article) -> Result<AddOutcome> {
        // A batch left open by `add` is committed first: `put` never mixes into it.
        self.commit()?;
        let outcome = match self.add(article) {
            Ok(o) => o,
            Err(e) => {
                // A writer that bypassed the lock may have stored it: the unique constraints
                // refused ours, and it is a duplicate, not a failure.
                if matches!(&e, CorpusError::Backend(m) if m.starts_with("23505")) {
                    if let Some(k) = self.store.duplicate_of(&ArticleKey::of(article))? {
                        return Ok(AddOutcome::Duplicate { key: k });
                    }
                }
                return Err(e);
            }
        };
        self.commit()?;
        Ok(outcome)
    }
}

impl<E: Embed> Drop for PgCorpus<E> {
    fn drop(&mut self) {
        // An open batch is not committed implicitly (as with the embedded store, whose batch
        // is lost when not committed): roll it back so the lock is released at once.
        self.abort();
    }
}
