//! [`SqliteStore`]: the embedded store. One folder: `corpus.sqlite` (articles with their whole
//! annotated JSON, technique/frame/quote rows for aggregation, an FTS5 full-text index, stories)
//! and `vectors.i8` ([`VectorFile`]).
//!
//! Why FTS5 rather than a separate search engine: the full-text rows are written in the same
//! SQLite transaction as the article, so an interrupted `add` can never leave an article without
//! its index entry or an entry without its article, and there is one file to back up.
//!
//! Migrations are numbered with `PRAGMA user_version`; each runs once, in a transaction.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rhetor_doc::Article;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, ToSql};

use crate::compare::{Counts, Period};
use crate::key::ArticleKey;
use crate::store::{ArticleRow, Filter, NewArticle, Stats, Store, StoredStory, TextHit};
use crate::vectors::VectorFile;
use crate::{CorpusError, Result};

/// The database file in a store folder.
pub const DB_FILE: &str = "corpus.sqlite";
/// The vector file in a store folder.
pub const VECTOR_FILE: &str = "vectors.i8";
/// Width of the stored vectors (all-MiniLM-L6-v2).
pub const DIM: usize = 384;

const MIGRATIONS: &[&str] = &[
    // 1: articles, annotations, full text, stories.
    "CREATE TABLE articles(
        rowid INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        id TEXT NOT NULL,
        source TEXT NOT NULL,
        title TEXT,
        outlet TEXT,
        url TEXT,
        canonical_url TEXT UNIQUE,
        content_hash TEXT NOT NULL UNIQUE,
        published TEXT,
        time TEXT NOT NULL,
        added_at TEXT NOT NULL,
        genre TEXT,
        words INTEGER NOT NULL,
        story INTEGER,
        story_reasons TEXT NOT NULL DEFAULT '[]',
        vec_row INTEGER NOT NULL UNIQUE,
        doc TEXT NOT NULL
    );
    CREATE INDEX articles_id ON articles(id);
    CREATE INDEX articles_outlet_time ON articles(outlet, time);
    CREATE INDEX articles_time ON articles(time);
    CREATE INDEX articles_story ON articles(story);
    CREATE TABLE techniques(
        article INTEGER NOT NULL REFERENCES articles(rowid),
        technique TEXT NOT NULL,
        category TEXT NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        score REAL NOT NULL
    );
    CREATE INDEX techniques_article ON techniques(article);
    CREATE INDEX techniques_technique ON techniques(technique, article);
    CREATE TABLE frames(
        article INTEGER NOT NULL REFERENCES articles(rowid),
        frame TEXT NOT NULL,
        score REAL NOT NULL
    );
    CREATE INDEX frames_frame ON frames(frame, article);
    CREATE INDEX frames_article ON frames(article);
    CREATE TABLE quotes(
        article INTEGER NOT NULL REFERENCES articles(rowid),
        kind TEXT NOT NULL,
        speaker TEXT,
        content TEXT NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        score REAL NOT NULL
    );
    CREATE INDEX quotes_article ON quotes(article);
    CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2');
    CREATE TABLE stories(
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL,
        first_published TEXT NOT NULL,
        last_published TEXT NOT NULL,
        size INTEGER NOT NULL,
        outlets TEXT NOT NULL,
        reasons TEXT NOT NULL
    );
    CREATE INDEX stories_order ON stories(size, last_published);
    CREATE TABLE story_index(id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);",
];

/// The embedded store in one folder.
pub struct SqliteStore {
    dir: PathBuf,
    conn: Connection,
    vectors: VectorFile,
    in_batch: bool,
    /// The writer's exclusive lock on `writer.lock` (None for readers): held while this store is
    /// open, released by the kernel however the process ends (even on SIGKILL).
    _writer_lock: Option<std::fs::File>,
}

/// The file a writer locks, so that two processes never write one store at once (SQLite would
/// serialise their transactions, but the vector file and the story snapshot would not be).
pub const WRITER_LOCK_FILE: &str = "writer.lock";

/// Takes the store's writer lock, or says who to wait for.
fn lock_writer(dir: &Path) -> Result<std::fs::File> {
    let path = dir.join(WRITER_LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| CorpusError::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(CorpusError::Busy(dir.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => Err(CorpusError::io(&path, e)),
    }
}

impl SqliteStore {
    /// Opens the store in `dir`, creating the folder and the files when missing and running the
    /// migrations this build knows.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| CorpusError::io(dir, e))?;
        Self::open_with(dir, true)
    }

    /// Opens an existing store to read it (search, stories, compare, stats, the server's
    /// readers). Unlike [`SqliteStore::open`] it never cuts vectors past the last commit, so it is
    /// safe while `rhetor add` writes to the same store from another process.
    pub fn open_read(dir: &Path) -> Result<Self> {
        Self::open_with(dir, false)
    }

    fn open_with(dir: &Path, writer: bool) -> Result<Self> {
        let writer_lock = if writer {
            Some(lock_writer(dir)?)
        } else {
            None
        };
        let db = dir.join(DB_FILE);
        let mut conn = if writer {
            Connection::open(&db)?
        } else {
            // A reader never creates the database: a missing one is an error naming it, not an
            // empty file another process's `add` would then find half made.
            use rusqlite::OpenFlags;
            Connection::open_with_flags(
                &db,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| CorpusError::Invalid(format!("no store at {}: {e}", db.display())))?
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        if writer {
            // WAL is a property of the file, kept once set: readers leave it to the writer, so a
            // reader opening while `add` creates the store never competes for the switch.
            set_wal(&conn)?;
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn, &db, writer)?;
        let rows: i64 = conn.query_row(
            "SELECT COALESCE(MAX(vec_row) + 1, 0) FROM articles",
            [],
            |r| r.get(0),
        )?;
        let path = dir.join(VECTOR_FILE);
        let vectors = if writer {
            VectorFile::open(&path, DIM, rows as u64)?
        } else if rows == 0 && !path.exists() {
            // A store with no article yet may have no vector file; the reader does not create
            // one (a writer may be about to).
            VectorFile::empty(&path, DIM)
        } else {
            VectorFile::open_read(&path, DIM, rows as u64)?
        };
        Ok(SqliteStore {
            dir: dir.to_path_buf(),
            conn,
            vectors,
            in_batch: false,
            _writer_lock: writer_lock,
        })
    }

    /// The store folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The connection, for read-only aggregate queries of [`crate::compare`].
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn row_of(&self, key: &str) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row("SELECT rowid FROM articles WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }
}

/// Switches a new store to WAL. The switch needs the file to itself, and SQLite answers "busy"
/// at once (without the busy timeout) while a reader has it open, e.g. `rhetor stories` or the
/// server polling a store `add` is creating: so it is retried for up to ten seconds.
fn set_wal(conn: &Connection) -> Result<()> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < std::time::Duration::from_secs(10) =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            r => return Ok(r?),
        }
    }
}

/// Brings the schema up to this build's version. Each step reads the version and migrates inside
/// one IMMEDIATE transaction, so two processes opening the same new store at once (`add`, and a
/// reader polling it) never both run a step: the second waits, then sees it done.
fn migrate(conn: &mut Connection, db: &Path, writer: bool) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
    let too_new = |found| CorpusError::TooNew {
        path: db.to_path_buf(),
        found,
        known,
    };
    // The common case, a store of this version, takes no write lock (read-only media stay
    // readable).
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > known {
        return Err(too_new(version));
    }
    if version == known {
        return Ok(());
    }
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > known {
            return Err(too_new(version));
        }
        if version == known {
            return Ok(());
        }
        if version == 0 && !writer {
            // Nothing made yet: a writer is creating it (or it is not a store at all). A reader
            // leaves that to the writer.
            return Err(CorpusError::Invalid(format!(
                "{} holds no rhetor store yet (if `rhetor add` is creating it, try again in a moment)",
                db.display()
            )));
        }
        tx.execute_batch(MIGRATIONS[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

const ROW_COLUMNS: &str =
    "a.key, a.id, a.source, a.title, a.outlet, a.url, a.published, a.time, a.genre, a.words, a.story";

fn read_row(r: &rusqlite::Row) -> rusqlite::Result<ArticleRow> {
    Ok(ArticleRow {
        key: r.get(0)?,
        id: r.get(1)?,
        source: r.get(2)?,
        title: r.get(3)?,
        outlet: r.get(4)?,
        url: r.get(5)?,
        published: r.get(6)?,
        time: r.get(7)?,
        genre: r.get(8)?,
        words: r.get::<_, i64>(9)? as u64,
        story: r.get::<_, Option<i64>>(10)?.map(|s| s as u64),
    })
}

/// `until` as an inclusive upper bound: a bare date covers its whole day.
fn until_bound(u: &str) -> String {
    if u.len() == 10 {
        format!("{u}T23:59:59.999Z~")
    } else {
        u.to_string()
    }
}

/// SQL conditions (over alias `a`) and their parameters for a filter.
pub(crate) fn filter_sql(f: &Filter) -> (String, Vec<Box<dyn ToSql>>) {
    let mut conds: Vec<&str> = Vec::new();
    let mut ps: Vec<Box<dyn ToSql>> = Vec::new();
    if let Some(o) = &f.outlet {
        conds.push("a.outlet = ?");
        ps.push(Box::new(o.clone()));
    }
    if let Some(s) = &f.since {
        conds.push("a.time >= ?");
        ps.push(Box::new(s.clone()));
    }
    if let Some(u) = &f.until {
        conds.push("a.time <= ?");
        ps.push(Box::new(until_bound(u)));
    }
    if let Some(g) = &f.genre {
        conds.push("a.genre = ?");
        ps.push(Box::new(g.clone()));
    }
    if let Some(s) = f.story {
        conds.push("a.story = ?");
        ps.push(Box::new(s as i64));
    }
    if let Some(t) = &f.technique {
        conds.push(
            "EXISTS (SELECT 1 FROM techniques t WHERE t.article = a.rowid AND t.technique = ?)",
        );
        ps.push(Box::new(t.clone()));
    }
    if let Some(fr) = &f.frame {
        conds.push("EXISTS (SELECT 1 FROM frames f WHERE f.article = a.rowid AND f.frame = ?)");
        ps.push(Box::new(fr.clone()));
    }
    let sql = if conds.is_empty() {
        "1".to_string()
    } else {
        conds.join(" AND ")
    };
    (sql, ps)
}

/// Words too common to rank by: matching them would score most of the corpus for nothing.
const STOP: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "he", "her",
    "his", "in", "is", "it", "its", "of", "on", "or", "she", "that", "the", "their", "they",
    "this", "to", "was", "were", "will", "with",
];

/// FTS5 queries from free text: each word quoted (so no user text is FTS syntax), common words
/// dropped (unless nothing else is left). First every word must match (few articles to rank, so
/// fast, and a headline finds its article), then, when that finds too little, any word may
/// (BM25 ranks articles with more and rarer matches first).
fn fts_queries(q: &str) -> Option<(String, String, Vec<String>)> {
    let terms = query_terms(q);
    if terms.is_empty() {
        return None;
    }
    let quoted: Vec<String> = terms.iter().map(|w| format!("\"{w}\"")).collect();
    Some((quoted.join(" AND "), quoted.join(" OR "), terms))
}

/// The words a text search looks for: letters and digits only (so no user text is query syntax),
/// lower-cased, at most 32, common words dropped unless nothing else is left. Every backend
/// searches for these same words.
pub fn query_terms(q: &str) -> Vec<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .take(32)
        .collect();
    let rare: Vec<String> = words
        .iter()
        .filter(|w| !STOP.contains(&w.as_str()))
        .cloned()
        .collect();
    if rare.is_empty() {
        words
    } else {
        rare
    }
}

/// Words of context a search snippet shows around the first matching word.
const SNIPPET_WORDS: usize = 16;

/// A short extract of `body` around the first word of `terms` (lower-case), matched words in
/// brackets and cuts marked with `…`, as FTS5's `snippet()` wrote them. Made here from the stored
/// body rather than by `snippet()`, which needs a second full-text match of the query per hit
/// (measured: most of the text-search time on a large corpus).
pub fn make_snippet(body: &str, terms: &[String]) -> String {
    let words: Vec<(usize, usize)> = {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in body.char_indices() {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    out.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            out.push((s, body.len()));
        }
        out
    };
    if words.is_empty() {
        return String::new();
    }
    let is_term = |&(a, b): &(usize, usize)| {
        let w = body[a..b].to_lowercase();
        terms.contains(&w)
    };
    let first = words.iter().position(is_term).unwrap_or(0);
    let from = first.saturating_sub(SNIPPET_WORDS / 4);
    let to = (from + SNIPPET_WORDS).min(words.len());
    let from = to.saturating_sub(SNIPPET_WORDS).min(from);
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut pos = words[from].0;
    for w in &words[from..to] {
        out.push_str(&body[pos..w.0]);
        if is_term(w) {
            out.push('[');
            out.push_str(&body[w.0..w.1]);
            out.push(']');
        } else {
            out.push_str(&body[w.0..w.1]);
        }
        pos = w.1;
    }
    if to < words.len() {
        out.push('…');
    } else {
        out.push_str(&body[pos..]);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The body as plain text: non-debris paragraphs after the title.
pub fn body_text(a: &Article) -> String {
    let idx = rhetor_doc::CharIndex::new(&a.text);
    a.paragraphs
        .iter()
        .filter(|p| p.kind == rhetor_doc::ParagraphKind::Body)
        .filter_map(|p| idx.slice(&a.text, p.start, p.end))
        .collect::<Vec<_>>()
        .join("\n\n")
}

impl Store for SqliteStore {
    fn duplicate_of(&self, key: &ArticleKey) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT key FROM articles WHERE key = ?1 OR content_hash = ?2 OR canonical_url = ?3",
                params![key.key, key.content_hash, key.canonical_url],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn begin(&mut self) -> Result<()> {
        if !self.in_batch {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.in_batch = true;
        }
        Ok(())
    }

    fn insert(&mut self, new: &NewArticle) -> Result<()> {
        let a = new.article;
        let row = self.vectors.push(new.embedding)?;
        let words = body_text(a).split_whitespace().count() as i64;
        let doc = serde_json::to_string(a)?;
        let reasons = serde_json::to_string(&new.story_reasons)?;
        self.conn.execute(
            "INSERT INTO articles(key, id, source, title, outlet, url, canonical_url, content_hash,
                published, time, added_at, genre, words, story, story_reasons, vec_row, doc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                new.key.key,
                a.id,
                a.source,
                a.title,
                a.metadata.outlet,
                a.metadata.url,
                new.key.canonical_url,
                new.key.content_hash,
                a.metadata.published,
                new.time,
                new.added_at,
                a.genre.as_ref().map(|g| g.label.clone()),
                words,
                new.story.map(|s| s as i64),
                reasons,
                row as i64,
                doc
            ],
        )?;
        let rowid = self.conn.last_insert_rowid();
        let mut st = self.conn.prepare_cached(
            "INSERT INTO techniques(article, technique, category, start, end, score) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for t in &a.techniques {
            st.execute(params![
                rowid,
                t.technique,
                t.category,
                t.start as i64,
                t.end as i64,
                t.score
            ])?;
        }
        let mut st = self
            .conn
            .prepare_cached("INSERT INTO frames(article, frame, score) VALUES (?1, ?2, ?3)")?;
        for f in &a.frames {
            st.execute(params![rowid, f.frame, f.score])?;
        }
        let mut st = self.conn.prepare_cached(
            "INSERT INTO quotes(article, kind, speaker, content, start, end, score) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for q in &a.quotes {
            let kind = serde_json::to_value(q.kind)?;
            st.execute(params![
                rowid,
                kind.as_str().unwrap_or("direct"),
                q.speaker,
                a.slice(q.start, q.end).unwrap_or(""),
                q.start as i64,
                q.end as i64,
                q.score
            ])?;
        }
        self.conn.execute(
            "INSERT INTO fts(rowid, title, body) VALUES (?1, ?2, ?3)",
            params![rowid, a.title.as_deref().unwrap_or(""), body_text(a)],
        )?;
        Ok(())
    }

    fn save_stories(&mut self, stories: &[StoredStory]) -> Result<()> {
        let mut st = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO stories(id, label, first_published, last_published, size, outlets, reasons)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for s in stories {
            st.execute(params![
                s.id as i64,
                s.label,
                s.first_published,
                s.last_published,
                s.size as i64,
                serde_json::to_string(&s.outlets)?,
                serde_json::to_string(&s.reasons)?
            ])?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        if self.in_batch {
            // Vectors first: a committed row must always find its vector in the file.
            self.vectors.flush()?;
            self.conn.execute_batch("COMMIT")?;
            self.in_batch = false;
        }
        Ok(())
    }

    fn article(&self, key_or_id: &str) -> Result<Option<(ArticleRow, Article)>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS}, a.doc FROM articles a WHERE a.key = ?1
             UNION ALL SELECT * FROM (SELECT {ROW_COLUMNS}, a.doc FROM articles a WHERE a.id = ?1 ORDER BY a.rowid LIMIT 1)
             LIMIT 1"
        );
        let got = self
            .conn
            .query_row(&sql, [key_or_id], |r| {
                Ok((read_row(r)?, r.get::<_, String>(11)?))
            })
            .optional()?;
        match got {
            None => Ok(None),
            Some((row, doc)) => Ok(Some((row, serde_json::from_str(&doc)?))),
        }
    }

    fn list(&self, filter: &Filter, limit: usize, offset: usize) -> Result<Vec<ArticleRow>> {
        let (cond, mut ps) = filter_sql(filter);
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM articles a WHERE {cond} ORDER BY a.time DESC, a.rowid DESC LIMIT ? OFFSET ?"
        );
        ps.push(Box::new(limit as i64));
        ps.push(Box::new(offset as i64));
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map(params_from_iter(ps.iter()), read_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn count(&self, filter: &Filter) -> Result<u64> {
        let (cond, ps) = filter_sql(filter);
        let sql = format!("SELECT COUNT(*) FROM articles a WHERE {cond}");
        let n: i64 = self
            .conn
            .query_row(&sql, params_from_iter(ps.iter()), |r| r.get(0))?;
        Ok(n as u64)
    }

    fn text_search(&self, query: &str, filter: &Filter, limit: usize) -> Result<Vec<TextHit>> {
        let Some((all, any, terms)) = fts_queries(query) else {
            return Ok(Vec::new());
        };
        let mut hits = self.fts_ranked(&all, &terms, filter, limit, -1)?;
        if hits.len() < limit {
            let depth = if filter.is_empty() {
                limit
            } else {
                (limit * 50).max(2000)
            };
            let mut more = self.fts_ranked(&any, &terms, filter, limit, depth as i64)?;
            if more.len() < limit && !filter.is_empty() {
                // A selective filter may keep few of the best matches: rank them all.
                more = self.fts_ranked(&any, &terms, filter, limit, -1)?;
            }
            for h in more {
                if hits.len() >= limit {
                    break;
                }
                if !hits.iter().any(|x| x.key == h.key) {
                    hits.push(h);
                }
            }
        }
        Ok(hits)
    }

    fn nearest(
        &mut self,
        vector: &[f32],
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<(String, f32)>> {
        let allowed: Option<std::collections::HashSet<u64>> = if filter.is_empty() {
            None
        } else {
            let (cond, ps) = filter_sql(filter);
            let sql = format!("SELECT a.vec_row FROM articles a WHERE {cond}");
            let mut st = self.conn.prepare(&sql)?;
            let rows = st.query_map(params_from_iter(ps.iter()), |r| r.get::<_, i64>(0))?;
            Some(
                rows.map(|r| r.map(|x| x as u64))
                    .collect::<rusqlite::Result<_>>()?,
            )
        };
        let hits = self.vectors.nearest(vector, limit, |row| {
            allowed.as_ref().is_none_or(|s| s.contains(&row))
        })?;
        let mut st = self
            .conn
            .prepare_cached("SELECT key FROM articles WHERE vec_row = ?1")?;
        let mut out = Vec::with_capacity(hits.len());
        for (row, score) in hits {
            let key: Option<String> = st.query_row([row as i64], |r| r.get(0)).optional()?;
            if let Some(k) = key {
                out.push((k, score));
            }
        }
        Ok(out)
    }

    fn stories(&self, limit: usize) -> Result<Vec<StoredStory>> {
        let mut st = self.conn.prepare(
            "SELECT id, label, first_published, last_published, size, outlets, reasons FROM stories
             ORDER BY size DESC, last_published DESC, id LIMIT ?1",
        )?;
        let rows = st.query_map([limit as i64], read_story)?;
        let rows: Vec<_> = rows.collect::<rusqlite::Result<_>>()?;
        rows.into_iter().map(finish_story).collect()
    }

    fn story(&self, id: u64) -> Result<Option<StoredStory>> {
        let got = self
            .conn
            .query_row(
                "SELECT id, label, first_published, last_published, size, outlets, reasons FROM stories WHERE id = ?1",
                [id as i64],
                read_story,
            )
            .optional()?;
        got.map(finish_story).transpose()
    }

    fn story_members(&self, id: u64) -> Result<Vec<ArticleRow>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM articles a WHERE a.story = ?1 ORDER BY a.time, a.rowid"
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map([id as i64], read_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn stats(&self) -> Result<Stats> {
        let one = |sql: &str| -> Result<i64> { Ok(self.conn.query_row(sql, [], |r| r.get(0))?) };
        let (first, last): (Option<String>, Option<String>) = self.conn.query_row(
            "SELECT MIN(published), MAX(published) FROM articles WHERE published IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let disk = [DB_FILE, VECTOR_FILE, "corpus.sqlite-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(self.dir.join(f)).ok())
            .map(|m| m.len())
            .sum();
        Ok(Stats {
            articles: one("SELECT COUNT(*) FROM articles")? as u64,
            stories: one("SELECT COUNT(*) FROM stories")? as u64,
            outlets: one("SELECT COUNT(DISTINCT outlet) FROM articles")? as u64,
            technique_spans: one("SELECT COUNT(*) FROM techniques")? as u64,
            quotes: one("SELECT COUNT(*) FROM quotes")? as u64,
            words: one("SELECT COALESCE(SUM(words), 0) FROM articles")? as u64,
            first_published: first,
            last_published: last,
            disk_bytes: disk,
        })
    }

    fn counts(&self, period: Option<Period>) -> Result<Counts> {
        let p = period.map(Period::sql).unwrap_or("'all'");
        let o = "COALESCE(a.outlet, '(unknown)')";
        let mut c = Counts::default();
        let mut st = self.conn.prepare(&format!(
            "SELECT {o}, {p}, COUNT(*), SUM(a.words) FROM articles a GROUP BY 1, 2"
        ))?;
        let rows = st.query_map([], |r| {
            Ok((
                (r.get(0)?, r.get(1)?),
                (r.get::<_, i64>(2)? as u64, r.get::<_, i64>(3)? as u64),
            ))
        })?;
        for r in rows {
            let (k, v) = r?;
            c.size.insert(k, v);
        }
        let mut st = self.conn.prepare(&format!(
            "SELECT {o}, {p}, t.technique, t.category, COUNT(*) FROM techniques t
             JOIN articles a ON a.rowid = t.article GROUP BY 1, 2, 3, 4"
        ))?;
        let rows = st.query_map([], |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
                r.get::<_, i64>(4)? as u64,
            ))
        })?;
        for r in rows {
            let (k, v) = r?;
            c.techniques.insert(k, v);
        }
        let mut st = self.conn.prepare(&format!(
            "SELECT {o}, {p}, f.frame, COUNT(DISTINCT a.rowid) FROM frames f
             JOIN articles a ON a.rowid = f.article GROUP BY 1, 2, 3"
        ))?;
        let rows = st.query_map([], |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?),
                r.get::<_, i64>(3)? as u64,
            ))
        })?;
        for r in rows {
            let (k, v) = r?;
            c.frames.insert(k, v);
        }
        Ok(c)
    }

    fn outlets(&self) -> Result<Vec<(String, u64)>> {
        let mut st = self.conn.prepare(
            "SELECT COALESCE(outlet, '(unknown)'), COUNT(*) FROM articles GROUP BY 1 ORDER BY 2 DESC, 1",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

type StoryRow = (i64, String, String, String, i64, String, String);

fn read_story(r: &rusqlite::Row) -> rusqlite::Result<StoryRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn finish_story(s: StoryRow) -> Result<StoredStory> {
    Ok(StoredStory {
        id: s.0 as u64,
        label: s.1,
        first_published: s.2,
        last_published: s.3,
        size: s.4 as u64,
        outlets: serde_json::from_str(&s.5)?,
        reasons: serde_json::from_str(&s.6)?,
    })
}

impl SqliteStore {
    /// Full-text matches ranked by BM25 inside the index (title matches weigh more: column
    /// weights), the best `depth` of them (-1: all) joined to the articles and narrowed by
    /// `filter`.
    fn fts_ranked(
        &self,
        q: &str,
        terms: &[String],
        filter: &Filter,
        limit: usize,
        depth: i64,
    ) -> Result<Vec<TextHit>> {
        let (cond, fps) = filter_sql(filter);
        let sql = format!(
            "SELECT a.key, m.s, m.rowid
             FROM (SELECT rowid, bm25(fts, 4.0, 1.0) AS s FROM fts WHERE fts MATCH ?
                   ORDER BY s LIMIT ?) m
             JOIN articles a ON a.rowid = m.rowid
             WHERE {cond}
             ORDER BY m.s LIMIT ?"
        );
        let mut ps: Vec<Box<dyn ToSql>> = vec![Box::new(q.to_string()), Box::new(depth)];
        ps.extend(fps);
        ps.push(Box::new(limit as i64));
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map(params_from_iter(ps.iter()), |r| {
            Ok((
                r.get::<_, String>(0)?,
                // bm25() is lower-is-better and negative: flip it.
                -(r.get::<_, f64>(1)? as f32),
                r.get::<_, i64>(2)?,
            ))
        })?;
        let rows: Vec<(String, f32, i64)> = rows.collect::<rusqlite::Result<_>>()?;
        let mut body = self
            .conn
            .prepare_cached("SELECT body FROM fts WHERE rowid = ?1")?;
        let mut out = Vec::with_capacity(rows.len());
        for (key, score, rowid) in rows {
            let text: Option<String> = body.query_row([rowid], |r| r.get(0)).optional()?;
            out.push(TextHit {
                key,
                score,
                snippet: make_snippet(text.as_deref().unwrap_or(""), terms),
            });
        }
        Ok(out)
    }

    /// Articles from vector row `from` on, in storage order, with their time of adding (for
    /// replaying them into the story index).
    pub fn rows_from(&self, from: u64) -> Result<Vec<(u64, Article, DateTime<Utc>)>> {
        let mut st = self.conn.prepare(
            "SELECT vec_row, doc, added_at FROM articles WHERE vec_row >= ?1 ORDER BY vec_row",
        )?;
        let rows = st.query_map([from as i64], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (vr, doc, added) = row?;
            let added = crate::corpus::parse_time(&added)
                .ok_or_else(|| CorpusError::Corrupt(format!("bad added_at {added:?}")))?;
            out.push((vr, serde_json::from_str(&doc)?, added));
        }
        Ok(out)
    }

    /// Sets the story of the article at vector row `row` (a replayed assignment).
    pub fn set_story(&mut self, row: u64, story: u64, reasons: &[String]) -> Result<()> {
        self.conn.execute(
            "UPDATE articles SET story = ?1, story_reasons = ?2 WHERE vec_row = ?3",
            params![story as i64, serde_json::to_string(reasons)?, row as i64],
        )?;
        Ok(())
    }

    /// Forgets every story (before the story index is rebuilt from the articles).
    pub fn clear_stories(&mut self) -> Result<()> {
        self.conn.execute("DELETE FROM stories", [])?;
        Ok(())
    }

    /// The stored vector of a row, as floats.
    pub fn vector(&mut self, row: u64) -> Result<Option<Vec<f32>>> {
        Ok(self
            .vectors
            .get(row)?
            .map(|v| v.iter().map(|x| *x as f32 / 127.0).collect()))
    }

    /// The store's rowid for a key (for tests and aggregate queries).
    pub fn rowid(&self, key: &str) -> Result<Option<i64>> {
        self.row_of(key)
    }
}

#[cfg(test)]
mod snippet_tests {
    use super::make_snippet;
    use proptest::prelude::*;

    fn terms(ws: &[&str]) -> Vec<String> {
        ws.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn snippets_bracket_the_query_words_and_mark_cuts() {
        let body = "One two three four five six seven eight nine ten. The Earthquake struck \
                    at dawn, and the earthquake's toll rose all day across eleven twelve \
                    thirteen fourteen fifteen sixteen seventeen.";
        let s = make_snippet(body, &terms(&["earthquake"]));
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("The [Earthquake] struck"), "{s}");
        assert!(s.contains("[earthquake]'s"), "{s}");
        assert_eq!(make_snippet("", &terms(&["x"])), "");
        // No match: the opening words.
        assert_eq!(
            make_snippet("Just a few words.", &terms(&["zzz"])),
            "Just a few words."
        );
    }

    proptest! {
        #[test]
        fn snippets_are_extracts_of_the_body(body in "\\PC{0,400}", w in "[a-zé]{1,6}") {
            let s = make_snippet(&body, &[w]);
            // Without the brackets and cut marks, and with spaces normalised, the snippet is a
            // piece of the body.
            let plain = |t: &str| {
                t.replace(['[', ']', '…'], "").split_whitespace().collect::<Vec<_>>().join(" ")
            };
            prop_assert!(plain(&body).contains(&plain(&s)), "{:?} not in {:?}", s, body);
        }
    }
}
