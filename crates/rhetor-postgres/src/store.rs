//! [`PgStore`]: the corpus store in a PostgreSQL database.
//!
//! - Migrations are numbered in `schema_version`; each runs once, in a transaction, under an
//!   advisory lock (several workers starting at once migrate once). A database migrated by a
//!   newer rhetor is refused, as `SqliteStore` refuses a newer file.
//! - `articles.seq` (bigserial) is the storage order. Every writer takes the transaction-level
//!   advisory lock [`WRITE_LOCK`] before it writes, so transactions that write commit one after
//!   another and seq order is commit order: a reader that has seen everything up to seq `n` only
//!   ever needs rows after `n` (the vector cache, a worker's story index catch-up).
//! - Text columns that are compared or sorted use the "C" collation, so ranges (`time <=
//!   '…Z~'`) and orders are by bytes, as in SQLite, whatever the cluster's locale.
//! - Full text: a `tsvector` (GIN index) over the title (weight A) and the body (weight B), of
//!   the same words the embedded store indexes (letters and digits, lower-cased). The index
//!   finds the matches; they are ranked by FTS5's own BM25 formula, computed here from the
//!   stored token counts and the index's document frequencies, so the order and the scores are
//!   the embedded store's (`ts_rank_cd` has no IDF: it ranked differently). The snippet is cut
//!   from the stored body by the same [`make_snippet`](rhetor_corpus::sqlite::make_snippet) as
//!   the embedded store's (`ts_headline` would mark words differently).
//! - Vectors: the int8 unit vector as `bytea` (384 bytes), scanned exactly in memory: the
//!   store caches every vector and reads only the rows added since (by seq) before each search.
//!   pgvector is not required (and not used).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use postgres::fallible_iterator::FallibleIterator;

use postgres::types::ToSql;
use postgres::{Client, NoTls, Row};
use rhetor_corpus::compare::{Counts, Period};
use rhetor_corpus::sqlite::{body_text, make_snippet, query_terms};
use rhetor_corpus::store::{ArticleRow, Filter, NewArticle, Stats, Store, StoredStory, TextHit};
use rhetor_corpus::vectors::{nearest_in, quantize};
use rhetor_corpus::{ArticleKey, CorpusError, Result};
use rhetor_doc::Article;

/// Width of the stored vectors.
pub use rhetor_corpus::sqlite::DIM;

/// The advisory lock every writing transaction holds (`pg_advisory_xact_lock`): one writer at a
/// time across all processes and machines, so story assignment is serial and seq order is
/// commit order. The number is arbitrary but fixed ("rhetor" in ASCII).
pub const WRITE_LOCK: i64 = 0x7268_6574_6f72;
/// The advisory lock migrations run under.
const MIGRATE_LOCK: i64 = 0x7268_6574_6f73;

const MIGRATIONS: &[&str] = &[
    // 1: articles, annotations, full text, vectors, stories, the change counter.
    r#"CREATE TABLE articles(
        seq BIGSERIAL PRIMARY KEY,
        key TEXT COLLATE "C" NOT NULL UNIQUE,
        id TEXT COLLATE "C" NOT NULL,
        source TEXT NOT NULL,
        title TEXT,
        outlet TEXT COLLATE "C",
        url TEXT,
        canonical_url TEXT UNIQUE,
        content_hash TEXT NOT NULL UNIQUE,
        published TEXT COLLATE "C",
        time TEXT COLLATE "C" NOT NULL,
        added_at TEXT NOT NULL,
        genre TEXT,
        words BIGINT NOT NULL,
        story BIGINT,
        story_reasons TEXT NOT NULL DEFAULT '[]',
        vector BYTEA NOT NULL,
        body TEXT NOT NULL,
        tsv TSVECTOR NOT NULL,
        tokens BIGINT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX articles_id ON articles(id);
    CREATE INDEX articles_outlet_time ON articles(outlet, time);
    CREATE INDEX articles_time ON articles(time);
    CREATE INDEX articles_story ON articles(story);
    CREATE INDEX articles_tsv ON articles USING GIN (tsv);
    CREATE TABLE techniques(
        article BIGINT NOT NULL REFERENCES articles(seq),
        technique TEXT COLLATE "C" NOT NULL,
        category TEXT COLLATE "C" NOT NULL,
        start_char BIGINT NOT NULL,
        end_char BIGINT NOT NULL,
        score DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX techniques_article ON techniques(article);
    CREATE INDEX techniques_technique ON techniques(technique, article);
    CREATE TABLE frames(
        article BIGINT NOT NULL REFERENCES articles(seq),
        frame TEXT COLLATE "C" NOT NULL,
        score DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX frames_frame ON frames(frame, article);
    CREATE INDEX frames_article ON frames(article);
    CREATE TABLE quotes(
        article BIGINT NOT NULL REFERENCES articles(seq),
        kind TEXT NOT NULL,
        speaker TEXT,
        content TEXT NOT NULL,
        start_char BIGINT NOT NULL,
        end_char BIGINT NOT NULL,
        score DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX quotes_article ON quotes(article);
    CREATE TABLE stories(
        id BIGINT PRIMARY KEY,
        label TEXT NOT NULL,
        first_published TEXT COLLATE "C" NOT NULL,
        last_published TEXT COLLATE "C" NOT NULL,
        size BIGINT NOT NULL,
        outlets TEXT NOT NULL,
        reasons TEXT NOT NULL
    );
    CREATE INDEX stories_order ON stories(size, last_published);
    CREATE TABLE generation(id INT PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL,
        articles BIGINT NOT NULL, tokens BIGINT NOT NULL);
    INSERT INTO generation VALUES (1, 0, 0, 0);"#,
    // 2: a snapshot of the story index (bincode), so a worker starts from it instead of
    // replaying every article.
    r#"CREATE TABLE story_index(
        id INT PRIMARY KEY CHECK (id = 1),
        seq BIGINT NOT NULL,
        articles BIGINT NOT NULL,
        format INT NOT NULL,
        state BYTEA NOT NULL
    );"#,
];

/// A stored snapshot of the story index.
pub struct IndexSnapshot {
    /// The last seq it has seen.
    pub seq: i64,
    /// Articles it has seen.
    pub articles: u64,
    pub format: i32,
    pub state: Vec<u8>,
}

/// Longest normalised text put in one `tsvector` (PostgreSQL refuses vectors over 1 MB).
const MAX_TSV_BYTES: usize = 400_000;

/// A PostgreSQL error as a corpus error, with the server's message and detail when there is one.
pub(crate) fn pg_err(e: postgres::Error) -> CorpusError {
    match e.as_db_error() {
        Some(db) => {
            let mut m = format!("{}: {}", db.code().code(), db.message());
            if let Some(d) = db.detail() {
                m.push_str(&format!(" ({d})"));
            }
            CorpusError::Backend(m)
        }
        None => CorpusError::Backend(e.to_string()),
    }
}

pub(crate) trait PgResult<T> {
    fn pg(self) -> Result<T>;
}

impl<T> PgResult<T> for std::result::Result<T, postgres::Error> {
    fn pg(self) -> Result<T> {
        self.map_err(pg_err)
    }
}

/// `url` without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &userinfo[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The words of `text` as the embedded store's full-text index sees them (letters and digits,
/// lower-cased), joined by spaces: fed to `to_tsvector('simple', …)`, so both backends match the
/// same words, and no punctuation rule of PostgreSQL's parser (versions, hyphenated words, paths)
/// makes them differ.
pub(crate) fn words_for_index(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if out.len() + w.len() + 1 > MAX_TSV_BYTES {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w.to_lowercase());
    }
    out
}

/// The words of `text` as FTS5's tokenizer cuts them (letters and digits, lower-cased).
fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Corpus figures BM25 needs, for one query.
struct Bm25 {
    /// ln((N - n + 0.5) / (n + 0.5)) per term, 1e-6 where that is not positive (as FTS5).
    idf: Vec<f64>,
    avgdl: f64,
}

/// Column weights of the embedded store's `bm25(fts, 4.0, 1.0)`: title, body.
const TITLE_WEIGHT: f64 = 4.0;
/// How many matching articles a text search ranks by BM25 at most: up to this many matches the
/// ranking is exactly the embedded store's; beyond, those with the most query words, then the
/// shortest (BM25's length normalisation favours them), are the ones ranked. Measured: 2,000
/// candidates cost about 0.3 s on this machine (docs/scaling.md).
pub const BM25_CANDIDATES: i64 = 2000;

impl Bm25 {
    /// FTS5's `bm25()` (k1 = 1.2, b = 0.75), computed in the same order, so the same figures
    /// give the same score to the last bit.
    fn score(&self, terms: &[String], title: &str, body: &str, doc_tokens: i64) -> f64 {
        let (k1, b) = (1.2f64, 0.75f64);
        let mut freq = vec![0f64; terms.len()];
        for (text, w) in [(title, TITLE_WEIGHT), (body, 1.0)] {
            for t in tokens(text) {
                if let Some(i) = terms.iter().position(|q| *q == t) {
                    freq[i] += w;
                }
            }
        }
        let d = doc_tokens as f64;
        let mut score = 0f64;
        for (i, f) in freq.iter().enumerate() {
            score += self.idf[i] * (f * (k1 + 1.0)) / (f + k1 * (1.0 - b + b * d / self.avgdl));
        }
        score
    }
}

/// A full-text candidate: seq, key, title, body, tokens, whether the filter keeps it.
type Candidate = (i64, String, Option<String>, String, i64, bool);

/// The vectors of a store held in memory, shareable by several connections of one process
/// (the server's readers): one copy, 384 bytes per article, however many readers.
#[derive(Clone, Default)]
pub struct SharedVectors(pub(crate) Arc<RwLock<VectorCache>>);

/// Vectors of every stored article, in seq order, read incrementally.
#[derive(Default)]
pub(crate) struct VectorCache {
    /// The seq of each cached row.
    pub(crate) seqs: Vec<i64>,
    /// Row `i`'s vector at `i * DIM`.
    pub(crate) data: Vec<u8>,
}

impl VectorCache {
    fn last_seq(&self) -> i64 {
        self.seqs.last().copied().unwrap_or(0)
    }
}

impl SharedVectors {
    // A panic while appending can leave at most a row's bytes without its seq (data is pushed
    // first): cut back to whole rows rather than fail every later search.
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, VectorCache> {
        let mut g = self.0.write().unwrap_or_else(|p| p.into_inner());
        let rows = g.seqs.len();
        g.data.truncate(rows * DIM);
        g
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, VectorCache> {
        if self.0.is_poisoned() {
            drop(self.write());
            self.0.clear_poison();
        }
        self.0.read().unwrap_or_else(|p| p.into_inner())
    }
}

/// A client that is closed on a thread of its own when dropped. `postgres::Client` blocks on
/// its runtime when it closes, which panics inside an async task ("Cannot start a runtime from
/// within a runtime"): a server drops its stores on a runtime thread when it shuts down.
pub(crate) struct Conn(Option<Client>);

impl std::ops::Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        // Only `drop` takes the client out.
        self.0.as_ref().expect("client present until drop")
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        self.0.as_mut().expect("client present until drop")
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            // Closing only sends a terminate message; if the thread cannot start, the socket
            // closes with the process.
            let _ = std::thread::Builder::new()
                .name("rhetor-pg-close".into())
                .spawn(move || drop(c));
        }
    }
}

/// The corpus store in a PostgreSQL database.
pub struct PgStore {
    // A Mutex (not a RefCell) so the store is `Sync` like the embedded one: the trait's read
    // methods take `&self`, the client needs `&mut`.
    client: Mutex<Conn>,
    url: String,
    in_batch: bool,
    vectors: SharedVectors,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &redact(&self.url))
            .finish_non_exhaustive()
    }
}

const ROW_COLUMNS: &str =
    "a.key, a.id, a.source, a.title, a.outlet, a.url, a.published, a.time, a.genre, a.words, a.story";

fn read_row(r: &Row) -> Result<ArticleRow> {
    Ok(ArticleRow {
        key: r.try_get(0).pg()?,
        id: r.try_get(1).pg()?,
        source: r.try_get(2).pg()?,
        title: r.try_get(3).pg()?,
        outlet: r.try_get(4).pg()?,
        url: r.try_get(5).pg()?,
        published: r.try_get(6).pg()?,
        time: r.try_get(7).pg()?,
        genre: r.try_get(8).pg()?,
        words: r.try_get::<_, i64>(9).pg()? as u64,
        story: r.try_get::<_, Option<i64>>(10).pg()?.map(|s| s as u64),
    })
}

fn read_story(r: &Row) -> Result<StoredStory> {
    Ok(StoredStory {
        id: r.try_get::<_, i64>(0).pg()? as u64,
        label: r.try_get(1).pg()?,
        first_published: r.try_get(2).pg()?,
        last_published: r.try_get(3).pg()?,
        size: r.try_get::<_, i64>(4).pg()? as u64,
        outlets: serde_json::from_str(r.try_get::<_, &str>(5).pg()?)?,
        reasons: serde_json::from_str(r.try_get::<_, &str>(6).pg()?)?,
    })
}

/// `until` as an inclusive upper bound: a bare date covers its whole day (as in SQLite).
fn until_bound(u: &str) -> String {
    if u.len() == 10 {
        format!("{u}T23:59:59.999Z~")
    } else {
        u.to_string()
    }
}

type Params = Vec<Box<dyn ToSql + Sync>>;

/// SQL conditions (over alias `a`) for a filter, numbering parameters after `first - 1`.
fn filter_sql(f: &Filter, first: usize) -> (String, Params) {
    let mut conds: Vec<String> = Vec::new();
    let mut ps: Params = Vec::new();
    let mut next = |conds: &mut Vec<String>, sql: &str, p: Box<dyn ToSql + Sync>| {
        let n = first + ps.len();
        conds.push(sql.replace('?', &format!("${n}")));
        ps.push(p);
    };
    if let Some(o) = &f.outlet {
        next(&mut conds, "a.outlet = ?", Box::new(o.clone()));
    }
    if let Some(s) = &f.since {
        next(&mut conds, "a.time >= ?", Box::new(s.clone()));
    }
    if let Some(u) = &f.until {
        next(&mut conds, "a.time <= ?", Box::new(until_bound(u)));
    }
    if let Some(g) = &f.genre {
        next(&mut conds, "a.genre = ?", Box::new(g.clone()));
    }
    if let Some(s) = f.story {
        next(&mut conds, "a.story = ?", Box::new(s as i64));
    }
    if let Some(t) = &f.technique {
        next(
            &mut conds,
            "EXISTS (SELECT 1 FROM techniques t WHERE t.article = a.seq AND t.technique = ?)",
            Box::new(t.clone()),
        );
    }
    if let Some(fr) = &f.frame {
        next(
            &mut conds,
            "EXISTS (SELECT 1 FROM frames f WHERE f.article = a.seq AND f.frame = ?)",
            Box::new(fr.clone()),
        );
    }
    let sql = if conds.is_empty() {
        "TRUE".to_string()
    } else {
        conds.join(" AND ")
    };
    (sql, ps)
}

fn refs(ps: &Params) -> Vec<&(dyn ToSql + Sync)> {
    ps.iter().map(|p| p.as_ref()).collect()
}

/// PostgreSQL expression of a period bucket of `a.time`, the same strings as the embedded store
/// (`YYYY-MM-DD`, `YYYY-Www` with SQLite's Monday-based `%W` week 00–53, `YYYY-MM`).
fn period_sql(p: Option<Period>) -> &'static str {
    match p {
        None => "'all'",
        Some(Period::Day) => "substr(a.time, 1, 10)",
        // %W: (day of year (0-based) + 7 - days since Monday) / 7.
        Some(Period::Week) => {
            "substr(a.time, 1, 4) || '-W' || lpad(((extract(doy FROM substr(a.time, 1, 10)::date)::int + 7 - extract(isodow FROM substr(a.time, 1, 10)::date)::int) / 7)::text, 2, '0')"
        }
        Some(Period::Month) => "substr(a.time, 1, 7)",
    }
}

impl PgStore {
    /// Connects to the database at `url` (`postgresql://user:password@host:port/db`) and runs
    /// the migrations this build knows. Must not be called from an async task: the `postgres`
    /// client blocks (the server calls stores on its blocking pool).
    pub fn connect(url: &str) -> Result<Self> {
        let client = Client::connect(url, NoTls).map_err(|e| {
            CorpusError::Backend(format!(
                "connecting to {}: {}",
                redact(url),
                pg_err(e)
                    .to_string()
                    .trim_start_matches("database server: ")
            ))
        })?;
        let mut store = PgStore {
            client: Mutex::new(Conn(Some(client))),
            url: url.to_string(),
            in_batch: false,
            vectors: SharedVectors::default(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The URL it was connected with (for messages: see [`redact`]).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn client(&self) -> Result<MutexGuard<'_, Conn>> {
        self.client
            .lock()
            .map_err(|_| CorpusError::Backend("the connection was poisoned by a panic".into()))
    }

    fn migrate(&mut self) -> Result<()> {
        let url = redact(&self.url);
        let mut c = self.client()?;
        let mut tx = c.transaction().pg()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])
            .pg()?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version(version INT NOT NULL)")
            .pg()?;
        let version: i32 = tx
            .query_opt("SELECT version FROM schema_version", &[])
            .pg()?
            .map(|r| r.get(0))
            .unwrap_or(0);
        let known = MIGRATIONS.len() as i32;
        if version > known {
            return Err(CorpusError::TooNew {
                path: url.into(),
                found: version as i64,
                known: known as i64,
            });
        }
        for sql in MIGRATIONS.iter().skip(version as usize) {
            tx.batch_execute(sql).pg()?;
        }
        if version < known {
            tx.execute("DELETE FROM schema_version", &[]).pg()?;
            tx.execute("INSERT INTO schema_version VALUES ($1)", &[&known])
                .pg()?;
        }
        tx.commit().pg()
    }

    /// The store's change counter: bumped by every committed write, so a cache keyed by it is
    /// emptied whenever any process (any worker, any machine) stores something.
    pub fn generation(&self) -> Result<u64> {
        let n: i64 = self
            .client()?
            .query_one("SELECT n FROM generation WHERE id = 1", &[])
            .pg()?
            .get(0);
        Ok(n as u64)
    }

    /// The highest seq stored (0 when empty).
    pub fn last_seq(&self) -> Result<i64> {
        Ok(self
            .client()?
            .query_one("SELECT COALESCE(MAX(seq), 0) FROM articles", &[])
            .pg()?
            .get(0))
    }

    /// Articles stored after seq `after`, in storage order, with their seq, key, time of adding
    /// and stored vector (as the floats the story index was fed): what a worker's story index
    /// catches up with. The article is rebuilt from the columns a story input reads (title,
    /// outlet, published, and the stored body as its one body paragraph), not from the whole
    /// JSON: the same input, at a fraction of the transfer and parsing.
    pub fn rows_after(&self, after: i64) -> Result<Vec<StoredRow>> {
        let rows = self
            .client()?
            .query(
                "SELECT seq, key, added_at, vector, id, source, title, outlet, published, body
                 FROM articles WHERE seq > $1 ORDER BY seq",
                &[&after],
            )
            .pg()?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let added: String = r.try_get(2).pg()?;
            let added_at = rhetor_corpus::corpus::parse_time(&added)
                .ok_or_else(|| CorpusError::Corrupt(format!("bad added_at {added:?}")))?;
            let v: &[u8] = r.try_get(3).pg()?;
            let body: String = r.try_get(9).pg()?;
            let end = body.chars().count();
            let mut article = Article::new(
                r.try_get::<_, String>(4).pg()?,
                r.try_get::<_, String>(5).pg()?,
                body,
            );
            article.title = r.try_get(6).pg()?;
            article.metadata.outlet = r.try_get(7).pg()?;
            article.metadata.published = r.try_get(8).pg()?;
            article.paragraphs.push(rhetor_doc::Paragraph {
                index: 1,
                start: 0,
                end,
                kind: rhetor_doc::ParagraphKind::Body,
                reason: None,
            });
            out.push(StoredRow {
                seq: r.try_get(0).pg()?,
                key: r.try_get(1).pg()?,
                added_at,
                vector: v.iter().map(|b| *b as i8 as f32 / 127.0).collect(),
                article,
            });
        }
        Ok(out)
    }

    /// The stored story index snapshot, if any.
    pub fn story_index(&self) -> Result<Option<IndexSnapshot>> {
        let row = self
            .client()?
            .query_opt(
                "SELECT seq, articles, format, state FROM story_index WHERE id = 1",
                &[],
            )
            .pg()?;
        row.map(|r| {
            Ok(IndexSnapshot {
                seq: r.try_get(0).pg()?,
                articles: r.try_get::<_, i64>(1).pg()? as u64,
                format: r.try_get(2).pg()?,
                state: r.try_get(3).pg()?,
            })
        })
        .transpose()
    }

    /// Articles the stored story index snapshot has seen, if there is one.
    pub fn story_index_articles(&self) -> Result<Option<u64>> {
        Ok(self
            .client()?
            .query_opt("SELECT articles FROM story_index WHERE id = 1", &[])
            .pg()?
            .map(|r| r.get::<_, i64>(0) as u64))
    }

    /// Replaces the story index snapshot (in a batch, so it commits with the articles it has
    /// seen).
    pub(crate) fn save_story_index(&mut self, snap: &IndexSnapshot) -> Result<()> {
        self.client()?
            .execute(
                "INSERT INTO story_index(id, seq, articles, format, state) VALUES (1, $1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, articles = EXCLUDED.articles,
                    format = EXCLUDED.format, state = EXCLUDED.state",
                &[&snap.seq, &(snap.articles as i64), &snap.format, &snap.state],
            )
            .pg()?;
        Ok(())
    }

    /// Inserts an article; returns its seq. In a batch (after [`Store::begin`]).
    pub(crate) fn insert_returning(&mut self, new: &NewArticle) -> Result<i64> {
        if !self.in_batch {
            return Err(CorpusError::Invalid(
                "insert outside a batch (call begin first)".into(),
            ));
        }
        let a = new.article;
        let body = body_text(a);
        let words = body.split_whitespace().count() as i64;
        let doc = serde_json::to_string(a)?;
        let reasons = serde_json::to_string(&new.story_reasons)?;
        let vector: Vec<u8> = quantize(new.embedding).iter().map(|x| *x as u8).collect();
        let title = a.title.as_deref().unwrap_or("");
        let genre = a.genre.as_ref().map(|g| g.label.clone());
        let story = new.story.map(|s| s as i64);
        let ntokens = (tokens(title).count() + tokens(&body).count()) as i64;
        let mut c = self.client()?;
        let seq: i64 = c
            .query_one(
                "INSERT INTO articles(key, id, source, title, outlet, url, canonical_url, content_hash,
                    published, time, added_at, genre, words, story, story_reasons, vector, body, tsv, doc, tokens)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                    setweight(to_tsvector('simple', $18), 'A') || setweight(to_tsvector('simple', $19), 'B'),
                    $20, $21)
                 RETURNING seq",
                &[
                    &new.key.key,
                    &a.id,
                    &a.source,
                    &a.title,
                    &a.metadata.outlet,
                    &a.metadata.url,
                    &new.key.canonical_url,
                    &new.key.content_hash,
                    &a.metadata.published,
                    &new.time,
                    &new.added_at,
                    &genre,
                    &words,
                    &story,
                    &reasons,
                    &vector,
                    &body,
                    &words_for_index(title),
                    &words_for_index(&body),
                    &doc,
                    &ntokens,
                ],
            )
            .pg()?
            .get(0);
        c.execute(
            "UPDATE generation SET articles = articles + 1, tokens = tokens + $1 WHERE id = 1",
            &[&ntokens],
        )
        .pg()?;
        if !a.techniques.is_empty() {
            let st = c
                .prepare(
                    "INSERT INTO techniques(article, technique, category, start_char, end_char, score)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .pg()?;
            for t in &a.techniques {
                c.execute(
                    &st,
                    &[
                        &seq,
                        &t.technique,
                        &t.category,
                        &(t.start as i64),
                        &(t.end as i64),
                        &(t.score as f64),
                    ],
                )
                .pg()?;
            }
        }
        if !a.frames.is_empty() {
            let st = c
                .prepare("INSERT INTO frames(article, frame, score) VALUES ($1, $2, $3)")
                .pg()?;
            for f in &a.frames {
                c.execute(&st, &[&seq, &f.frame, &(f.score as f64)]).pg()?;
            }
        }
        if !a.quotes.is_empty() {
            let st = c
                .prepare(
                    "INSERT INTO quotes(article, kind, speaker, content, start_char, end_char, score)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .pg()?;
            for q in &a.quotes {
                let kind = serde_json::to_value(q.kind)?;
                c.execute(
                    &st,
                    &[
                        &seq,
                        &kind.as_str().unwrap_or("direct"),
                        &q.speaker,
                        &a.slice(q.start, q.end).unwrap_or(""),
                        &(q.start as i64),
                        &(q.end as i64),
                        &(q.score as f64),
                    ],
                )
                .pg()?;
            }
        }
        Ok(seq)
    }

    /// Ends a batch without writing anything of it.
    pub fn rollback(&mut self) -> Result<()> {
        if self.in_batch {
            self.in_batch = false;
            self.client()?.batch_execute("ROLLBACK").pg()?;
        }
        Ok(())
    }

    /// Uses `vectors` as this connection's vector cache (shared with other connections to
    /// the same store in this process).
    pub fn with_vectors(mut self, vectors: SharedVectors) -> Self {
        self.vectors = vectors;
        self
    }

    /// Reads the vectors stored since the cache was last refreshed (by any connection sharing
    /// it) into the cache, streaming them (a first load of a large store never holds the rows
    /// and the cache at once).
    fn refresh_vectors(&self) -> Result<()> {
        let after = self.vectors.read().last_seq();
        let mut c = self.client()?;
        let mut rows = c
            .query_raw(
                "SELECT seq, vector FROM articles WHERE seq > $1 ORDER BY seq",
                [&after as &(dyn ToSql + Sync)],
            )
            .pg()?;
        let mut cache: Option<std::sync::RwLockWriteGuard<'_, VectorCache>> = None;
        while let Some(r) = rows.next().pg()? {
            let seq: i64 = r.try_get(0).pg()?;
            let v: &[u8] = r.try_get(1).pg()?;
            if v.len() != DIM {
                return Err(CorpusError::Corrupt(format!(
                    "article seq {seq}: vector of {} bytes, expected {DIM}",
                    v.len()
                )));
            }
            let cache = cache.get_or_insert_with(|| self.vectors.write());
            // Another connection may have read these rows meanwhile.
            if seq > cache.last_seq() {
                cache.data.extend_from_slice(v);
                cache.seqs.push(seq);
            }
        }
        Ok(())
    }

    /// BM25's corpus figures for `terms`: the article and token totals, and each term's
    /// document frequency (from the GIN index).
    fn bm25(&self, terms: &[String]) -> Result<Bm25> {
        let mut c = self.client()?;
        let r = c
            .query_one("SELECT articles, tokens FROM generation WHERE id = 1", &[])
            .pg()?;
        let n_row = (r.try_get::<_, i64>(0).pg()?).max(1) as f64;
        let n_tok = r.try_get::<_, i64>(1).pg()? as f64;
        let mut idf = Vec::with_capacity(terms.len());
        for t in terms {
            let hits: i64 = c
                .query_one(
                    "SELECT COUNT(*) FROM articles WHERE tsv @@ plainto_tsquery('simple', $1)",
                    &[t],
                )
                .pg()?
                .get(0);
            let x = ((n_row - hits as f64 + 0.5) / (hits as f64 + 0.5)).ln();
            idf.push(if x <= 0.0 { 1e-6 } else { x });
        }
        Ok(Bm25 {
            idf,
            avgdl: n_tok / n_row,
        })
    }

    /// Articles matching every term (`all`) or any term, narrowed by `filter` when `narrow`,
    /// else with whether `filter` keeps each. At most [`BM25_CANDIDATES`]: those with the most
    /// query words, then the shortest. (Ordering by `ts_rank_cd` instead read every match's
    /// `tsvector`: 1.5 s for a word in 64,000 of 100,000 articles.)
    ///
    /// The queries are built from parameters: each term through plainto_tsquery (which cannot
    /// fail on any text), combined with && or ||.
    fn candidates(
        &self,
        terms: &[String],
        all: bool,
        filter: &Filter,
        narrow: bool,
    ) -> Result<Vec<Candidate>> {
        let mut ps: Params = Vec::new();
        let mut parts = Vec::new();
        for t in terms {
            ps.push(Box::new(t.clone()));
            parts.push(format!("plainto_tsquery('simple', ${})", ps.len()));
        }
        let q = parts.join(if all { " && " } else { " || " });
        // Every match has every word (all), or there is one word: nothing to count.
        let matched = if all || parts.len() == 1 {
            String::new()
        } else {
            let n = parts
                .iter()
                .map(|p| format!("(a.tsv @@ {p})::int"))
                .collect::<Vec<_>>()
                .join(" + ");
            format!("({n}) DESC, ")
        };
        let (cond, fps) = filter_sql(filter, ps.len() + 1);
        ps.extend(fps);
        let (where_filter, keep) = if narrow {
            (format!("AND {cond}"), "TRUE".to_string())
        } else {
            (String::new(), cond)
        };
        let sql = format!(
            "SELECT a.seq, a.key, a.title, a.body, a.tokens, {keep}
             FROM articles a, (SELECT {q} AS q) q
             WHERE a.tsv @@ q.q {where_filter}
             ORDER BY {matched}a.tokens, a.seq
             LIMIT {BM25_CANDIDATES}"
        );
        let rows = self.client()?.query(&sql, &refs(&ps)).pg()?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0).pg()?,
                    r.try_get(1).pg()?,
                    r.try_get(2).pg()?,
                    r.try_get(3).pg()?,
                    r.try_get(4).pg()?,
                    r.try_get(5).pg()?,
                ))
            })
            .collect()
    }

    /// A count query with no parameters.
    fn one(&self, sql: &str) -> Result<i64> {
        Ok(self.client()?.query_one(sql, &[]).pg()?.get(0))
    }
}

/// One stored article as a story index catches up with it.
pub struct StoredRow {
    pub seq: i64,
    pub key: String,
    pub added_at: chrono::DateTime<chrono::Utc>,
    /// The stored int8 vector as floats (`x / 127`), exactly what the index was fed on adding.
    pub vector: Vec<f32>,
    /// What a story input reads of the article (title, outlet, published, body), not all of it.
    pub article: Article,
}

impl Store for PgStore {
    fn duplicate_of(&self, key: &ArticleKey) -> Result<Option<String>> {
        Ok(self
            .client()?
            .query_opt(
                "SELECT key FROM articles WHERE key = $1 OR content_hash = $2 OR canonical_url = $3 LIMIT 1",
                &[&key.key, &key.content_hash, &key.canonical_url],
            )
            .pg()?
            .map(|r| r.get(0)))
    }

    /// Starts a write transaction and waits for the store-wide write lock.
    fn begin(&mut self) -> Result<()> {
        if !self.in_batch {
            let mut c = self.client()?;
            c.batch_execute("BEGIN").pg()?;
            if let Err(e) = c.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]) {
                let _ = c.batch_execute("ROLLBACK");
                return Err(pg_err(e));
            }
            drop(c);
            self.in_batch = true;
        }
        Ok(())
    }

    fn insert(&mut self, new: &NewArticle) -> Result<()> {
        self.insert_returning(new).map(|_| ())
    }

    fn save_stories(&mut self, stories: &[StoredStory]) -> Result<()> {
        let mut c = self.client()?;
        let st = c
            .prepare(
                "INSERT INTO stories(id, label, first_published, last_published, size, outlets, reasons)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label,
                    first_published = EXCLUDED.first_published, last_published = EXCLUDED.last_published,
                    size = EXCLUDED.size, outlets = EXCLUDED.outlets, reasons = EXCLUDED.reasons",
            )
            .pg()?;
        for s in stories {
            c.execute(
                &st,
                &[
                    &(s.id as i64),
                    &s.label,
                    &s.first_published,
                    &s.last_published,
                    &(s.size as i64),
                    &serde_json::to_string(&s.outlets)?,
                    &serde_json::to_string(&s.reasons)?,
                ],
            )
            .pg()?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        if self.in_batch {
            self.in_batch = false;
            let mut c = self.client()?;
            let done = c
                .batch_execute("UPDATE generation SET n = n + 1 WHERE id = 1; COMMIT")
                .pg();
            if done.is_err() {
                let _ = c.batch_execute("ROLLBACK");
            }
            done?;
        }
        Ok(())
    }

    fn article(&self, key_or_id: &str) -> Result<Option<(ArticleRow, Article)>> {
        let sql = format!(
            "(SELECT {ROW_COLUMNS}, a.doc FROM articles a WHERE a.key = $1)
             UNION ALL (SELECT {ROW_COLUMNS}, a.doc FROM articles a WHERE a.id = $1 ORDER BY a.seq LIMIT 1)
             LIMIT 1"
        );
        let got = self.client()?.query_opt(&sql, &[&key_or_id]).pg()?;
        match got {
            None => Ok(None),
            Some(r) => {
                let row = read_row(&r)?;
                let doc: &str = r.try_get(11).pg()?;
                Ok(Some((row, serde_json::from_str(doc)?)))
            }
        }
    }

    fn list(&self, filter: &Filter, limit: usize, offset: usize) -> Result<Vec<ArticleRow>> {
        let (cond, mut ps) = filter_sql(filter, 1);
        let n = ps.len();
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM articles a WHERE {cond} ORDER BY a.time DESC, a.seq DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        ps.push(Box::new(limit as i64));
        ps.push(Box::new(offset as i64));
        let rows = self.client()?.query(&sql, &refs(&ps)).pg()?;
        rows.iter().map(read_row).collect()
    }

    fn count(&self, filter: &Filter) -> Result<u64> {
        let (cond, ps) = filter_sql(filter, 1);
        let sql = format!("SELECT COUNT(*) FROM articles a WHERE {cond}");
        let n: i64 = self.client()?.query_one(&sql, &refs(&ps)).pg()?.get(0);
        Ok(n as u64)
    }

    /// The embedded store's search, on the same words and with the same ranking (FTS5's BM25,
    /// title words weighing 4): every word first (a headline finds its article), then any word
    /// to fill the page, the best `depth` of those before the filter. Candidates come from the
    /// GIN index; BM25 is computed here over at most [`BM25_CANDIDATES`] of them.
    fn text_search(&self, query: &str, filter: &Filter, limit: usize) -> Result<Vec<TextHit>> {
        let terms = query_terms(query);
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let bm25 = self.bm25(&terms)?;
        let rank = |cands: Vec<Candidate>| -> Vec<(f32, Candidate)> {
            let mut v: Vec<(f32, Candidate)> = cands
                .into_iter()
                .map(|c| {
                    let s = bm25.score(&terms, c.2.as_deref().unwrap_or(""), &c.3, c.4);
                    (s as f32, c)
                })
                .collect();
            // Ties in storage order, as SQLite's scan of the index.
            v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1 .0.cmp(&b.1 .0)));
            v
        };
        let hit = |(score, c): &(f32, Candidate)| TextHit {
            key: c.1.clone(),
            score: *score,
            snippet: make_snippet(&c.3, &terms),
        };
        let mut hits: Vec<TextHit> = rank(self.candidates(&terms, true, filter, true)?)
            .iter()
            .take(limit)
            .map(hit)
            .collect();
        if hits.len() < limit {
            let depth = if filter.is_empty() {
                limit
            } else {
                (limit * 50).max(2000)
            };
            let ranked = rank(self.candidates(&terms, false, filter, false)?);
            let mut more: Vec<&(f32, Candidate)> = ranked
                .iter()
                .take(depth)
                .filter(|c| c.1 .5)
                .take(limit)
                .collect();
            if more.len() < limit && !filter.is_empty() {
                // A selective filter may keep few of the best matches: rank them all.
                more = ranked.iter().filter(|c| c.1 .5).take(limit).collect();
            }
            for h in more {
                if hits.len() >= limit {
                    break;
                }
                if !hits.iter().any(|x| x.key == h.1 .1) {
                    hits.push(hit(h));
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
        self.refresh_vectors()?;
        let allowed: Option<HashSet<i64>> = if filter.is_empty() {
            None
        } else {
            let (cond, ps) = filter_sql(filter, 1);
            let sql = format!("SELECT a.seq FROM articles a WHERE {cond}");
            let rows = self.client()?.query(&sql, &refs(&ps)).pg()?;
            Some(rows.iter().map(|r| r.get::<_, i64>(0)).collect())
        };
        let cache = self.vectors.read();
        let seqs = &cache.seqs;
        let hits = nearest_in(&cache.data, DIM, vector, limit, |row| {
            allowed
                .as_ref()
                .is_none_or(|s| seqs.get(row as usize).is_some_and(|q| s.contains(q)))
        });
        let wanted: Vec<i64> = hits
            .iter()
            .filter_map(|(row, _)| seqs.get(*row as usize).copied())
            .collect();
        let rows = self
            .client()?
            .query(
                "SELECT seq, key FROM articles WHERE seq = ANY($1)",
                &[&wanted],
            )
            .pg()?;
        let keys: std::collections::HashMap<i64, String> =
            rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        Ok(hits
            .into_iter()
            .filter_map(|(row, score)| {
                let seq = seqs.get(row as usize)?;
                Some((keys.get(seq)?.clone(), score))
            })
            .collect())
    }

    fn stories(&self, limit: usize) -> Result<Vec<StoredStory>> {
        let rows = self
            .client()?
            .query(
                "SELECT id, label, first_published, last_published, size, outlets, reasons FROM stories
                 ORDER BY size DESC, last_published DESC, id LIMIT $1",
                &[&(limit as i64)],
            )
            .pg()?;
        rows.iter().map(read_story).collect()
    }

    fn story_members(&self, id: u64) -> Result<Vec<ArticleRow>> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM articles a WHERE a.story = $1 ORDER BY a.time, a.seq"
        );
        let rows = self.client()?.query(&sql, &[&(id as i64)]).pg()?;
        rows.iter().map(read_row).collect()
    }

    fn story(&self, id: u64) -> Result<Option<StoredStory>> {
        let got = self
            .client()?
            .query_opt(
                "SELECT id, label, first_published, last_published, size, outlets, reasons FROM stories WHERE id = $1",
                &[&(id as i64)],
            )
            .pg()?;
        got.as_ref().map(read_story).transpose()
    }

    fn stats(&self) -> Result<Stats> {
        let (first, last): (Option<String>, Option<String>) = {
            let r = self
                .client()?
                .query_one(
                    "SELECT MIN(published), MAX(published) FROM articles WHERE published IS NOT NULL",
                    &[],
                )
                .pg()?;
            (r.get(0), r.get(1))
        };
        let disk = self.one(
            "SELECT (pg_total_relation_size('articles') + pg_total_relation_size('techniques')
                + pg_total_relation_size('frames') + pg_total_relation_size('quotes')
                + pg_total_relation_size('stories'))::bigint",
        )?;
        Ok(Stats {
            articles: self.one("SELECT COUNT(*) FROM articles")? as u64,
            stories: self.one("SELECT COUNT(*) FROM stories")? as u64,
            outlets: self.one("SELECT COUNT(DISTINCT outlet) FROM articles")? as u64,
            technique_spans: self.one("SELECT COUNT(*) FROM techniques")? as u64,
            quotes: self.one("SELECT COUNT(*) FROM quotes")? as u64,
            words: self.one("SELECT COALESCE(SUM(words), 0)::bigint FROM articles")? as u64,
            first_published: first,
            last_published: last,
            disk_bytes: disk.max(0) as u64,
        })
    }

    fn counts(&self, period: Option<Period>) -> Result<Counts> {
        let p = period_sql(period);
        let o = "COALESCE(a.outlet, '(unknown)')";
        let mut c = Counts::default();
        let mut client = self.client()?;
        let rows = client
            .query(
                &format!(
                    "SELECT {o}, {p}, COUNT(*), SUM(a.words)::bigint FROM articles a GROUP BY 1, 2"
                ),
                &[],
            )
            .pg()?;
        for r in rows {
            c.size.insert(
                (r.try_get(0).pg()?, r.try_get(1).pg()?),
                (
                    r.try_get::<_, i64>(2).pg()? as u64,
                    r.try_get::<_, i64>(3).pg()? as u64,
                ),
            );
        }
        let rows = client
            .query(
                &format!(
                    "SELECT {o}, {p}, t.technique, t.category, COUNT(*) FROM techniques t
                     JOIN articles a ON a.seq = t.article GROUP BY 1, 2, 3, 4"
                ),
                &[],
            )
            .pg()?;
        for r in rows {
            c.techniques.insert(
                (
                    r.try_get(0).pg()?,
                    r.try_get(1).pg()?,
                    r.try_get(2).pg()?,
                    r.try_get(3).pg()?,
                ),
                r.try_get::<_, i64>(4).pg()? as u64,
            );
        }
        let rows = client
            .query(
                &format!(
                    "SELECT {o}, {p}, f.frame, COUNT(DISTINCT a.seq) FROM frames f
                     JOIN articles a ON a.seq = f.article GROUP BY 1, 2, 3"
                ),
                &[],
            )
            .pg()?;
        for r in rows {
            c.frames.insert(
                (r.try_get(0).pg()?, r.try_get(1).pg()?, r.try_get(2).pg()?),
                r.try_get::<_, i64>(3).pg()? as u64,
            );
        }
        Ok(c)
    }

    fn outlets(&self) -> Result<Vec<(String, u64)>> {
        let rows = self
            .client()?
            .query(
                "SELECT COALESCE(outlet, '(unknown)') AS o, COUNT(*) FROM articles GROUP BY 1 ORDER BY 2 DESC, 1",
                &[],
            )
            .pg()?;
        rows.iter()
            .map(|r| Ok((r.try_get(0).pg()?, r.try_get::<_, i64>(1).pg()? as u64)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_left_out_of_messages() {
        assert_eq!(
            redact("postgresql://u:secret@h:5432/db"),
            "postgresql://u:***@h:5432/db"
        );
        assert_eq!(redact("postgresql://u@h/db"), "postgresql://u@h/db");
        assert_eq!(redact("host=h user=u"), "host=h user=u");
    }

    #[test]
    fn index_words_are_the_embedded_stores_words() {
        assert_eq!(
            words_for_index("A 7.1 quake's toll — Kathmandu/Pokhara"),
            "a 7 1 quake s toll kathmandu pokhara"
        );
    }
}
