//! [`PgCorpus`]: what a worker (or `rhetor add --postgres`) does with each analysed article, on a
//! PostgreSQL store shared by any number of processes on any number of machines.
//!
//! Each [`put`](Sink::put) is one transaction:
//! 1. key the article; if it is already stored, stop (a redelivered job is harmless);
//! 2. embed its title and lead: the expensive part, done before taking any lock;
//! 3. `BEGIN`, then `pg_advisory_xact_lock(WRITE_LOCK)`: from here until `COMMIT` no other
//!    writer anywhere runs, so story assignment is serial across all workers;
//! 4. catch the in-memory story index up with the articles other workers stored since this one
//!    last looked (by seq), feeding each its stored int8 vector exactly as the embedded store's
//!    replay does: the index then is the one a single process would have after storing the same
//!    articles in the same order, so the same inputs in the same order give the same stories as
//!    the embedded store;
//! 5. check duplicates again (another worker may have stored it meanwhile), assign the story,
//!    insert the article with every annotation and its story's new summary, commit (which
//!    releases the lock).
//!
//! Why an advisory lock rather than a single story-assigner consumer or a later merge: story
//! assignment takes well under a millisecond per article while analysis takes tens to hundreds,
//! so serialising only the assignment and the insert costs little, keeps stories identical to
//! the embedded store's, and needs no extra service. The unique key constraint backs it up.

use chrono::{SubsecRound, Utc};
use rhetor_corpus::corpus::{rfc3339, stored_story, story_input, Embed};
use rhetor_corpus::sqlite::body_text;
use rhetor_corpus::store::{NewArticle, Store};
use rhetor_corpus::vectors::quantize;
use rhetor_corpus::{AddOutcome, ArticleKey, CorpusError, Result, Sink};
use rhetor_doc::Article;
use rhetor_stories::{StoryConfig, StoryIndex};

use crate::store::PgStore;

/// A PostgreSQL store with its story index, ready to store articles.
pub struct PgCorpus<E: Embed> {
    store: PgStore,
    embedder: E,
    index: StoryIndex,
    /// The last seq the index has seen.
    seen: i64,
    /// The index may hold an assignment that was never committed (a failed transaction): it is
    /// rebuilt from the stored articles before the next article.
    stale: bool,
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
        };
        c.catch_up()?;
        Ok(c)
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
            self.index = StoryIndex::new(StoryConfig::default());
            self.seen = 0;
            self.stale = false;
        }
        for row in self.store.rows_after(self.seen)? {
            let input = story_input(&row.article, &row.key, row.added_at, row.vector);
            self.index.assign(&input)?;
            self.seen = row.seq;
        }
        Ok(())
    }

    /// Steps 3–5 of [`put`](Sink::put), inside the transaction.
    fn put_locked(
        &mut self,
        article: &Article,
        key: &ArticleKey,
        v: Vec<f32>,
    ) -> Result<AddOutcome> {
        self.catch_up()?;
        if let Some(k) = self.store.duplicate_of(key)? {
            return Ok(AddOutcome::Duplicate { key: k });
        }
        // Whole seconds: the stored time, so a catch-up elsewhere sees the same input.
        let added_at = Utc::now().trunc_subsecs(0);
        let input = story_input(article, &key.key, added_at, v.clone());
        // From here the index holds this article: if anything fails before the commit it must
        // be rebuilt.
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
        if let Some(s) = self.index.summary(a.story_id) {
            self.store.save_stories(&[stored_story(s)])?;
        }
        self.store.commit()?;
        self.seen = seq;
        self.stale = false;
        Ok(AddOutcome::Added {
            key: key.key.clone(),
            story: a.story_id,
            new_story: a.new_story,
        })
    }
}

impl<E: Embed> Sink for PgCorpus<E> {
    fn put(&mut self, article: &Article) -> Result<AddOutcome> {
        let key = ArticleKey::of(article);
        // Cheap first look, without the lock: a redelivered job costs no embedding.
        if let Some(k) = self.store.duplicate_of(&key)? {
            return Ok(AddOutcome::Duplicate { key: k });
        }
        let title = article.title.as_deref().unwrap_or("");
        let raw = self.embedder.embed(title, &body_text(article))?;
        // The index sees the vector as stored (int8), so every worker's catch-up reproduces it.
        let v: Vec<f32> = quantize(&raw).iter().map(|x| *x as f32 / 127.0).collect();
        self.store.begin()?;
        match self.put_locked(article, &key, v) {
            Ok(AddOutcome::Duplicate { key }) => {
                self.store.rollback()?;
                Ok(AddOutcome::Duplicate { key })
            }
            Ok(added) => Ok(added),
            Err(e) => {
                let _ = self.store.rollback();
                // A writer that bypassed the lock may have stored it: the unique constraints
                // refused ours, and it is a duplicate, not a failure.
                if matches!(&e, CorpusError::Backend(m) if m.starts_with("23505")) {
                    if let Some(k) = self.store.duplicate_of(&key)? {
                        return Ok(AddOutcome::Duplicate { key: k });
                    }
                }
                Err(e)
            }
        }
    }
}
