//! What every request shares: a small pool of read connections to the store, and the models,
//! loaded on first need (a server that only browses never loads the analysis models).
//!
//! SQLite connections are not `Sync`, and every store call blocks, so each one runs on tokio's
//! blocking pool ([`AppState::read`]) with a connection of its own from the pool: the async
//! threads only route and write bytes. The same holds for PostgreSQL (`--postgres`): the
//! `postgres` client blocks on a runtime of its own and must never be called from an async task.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use rhetor_corpus::compare::{OutletsComparison, Period};
use rhetor_corpus::corpus::Embed;
use rhetor_corpus::{AddOutcome, Corpus, SqliteStore, Store};
use rhetor_postgres::{PgCorpus, PgStore};

use crate::cache::{Generation, ResponseCache};
use crate::error::ApiError;

/// How `rhetor serve` runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The store folder.
    pub db: PathBuf,
    /// A PostgreSQL store's URL: used instead of `db` when set.
    pub postgres: Option<String>,
    /// Loopback unless told otherwise.
    pub bind: IpAddr,
    pub port: u16,
    /// Model folder for `POST /api/analyze` (default: found at run time).
    pub models: Option<PathBuf>,
    /// Read connections to the store (requests beyond that wait for one).
    pub readers: usize,
    /// Largest request body of `POST /api/analyze`, in bytes.
    pub analyze_max_bytes: usize,
    /// Analyses running at once; more are refused with 429 rather than queued without end.
    pub analyze_concurrency: usize,
    /// Every request is cut off after this long (408).
    pub request_timeout: Duration,
    /// Analysis requests are cut off after this long.
    pub analyze_timeout: Duration,
    /// Load the sentence encoder for semantic and hybrid search (else text search only).
    pub semantic_search: bool,
    /// Answers of the JSON API kept until the store changes ([`crate::cache`]); 0 disables.
    pub cache_entries: usize,
    /// Bytes of answers kept at most.
    pub cache_bytes: usize,
}

impl ServerConfig {
    pub fn new(db: PathBuf) -> Self {
        ServerConfig {
            db,
            postgres: None,
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            models: None,
            readers: 4,
            analyze_max_bytes: 2 * 1024 * 1024,
            analyze_concurrency: 1,
            request_timeout: Duration::from_secs(30),
            analyze_timeout: Duration::from_secs(300),
            semantic_search: true,
            cache_entries: 4096,
            cache_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The sentence encoder shared by search (query vectors) and `?store=true` (article vectors).
#[derive(Clone)]
pub struct SharedEmbedder(pub Arc<rhetor_models::Embedder>);

impl SharedEmbedder {
    /// The vector of a search query (as `rhetor search` embeds it).
    pub fn query(&self, q: &str) -> Result<Vec<f32>, ApiError> {
        let mut v = self
            .0
            .embed(&[q], 1)
            .map_err(|e| ApiError::internal(format!("encoder: {e}")))?;
        v.pop()
            .ok_or_else(|| ApiError::internal("encoder returned nothing".to_string()))
    }
}

impl Embed for SharedEmbedder {
    fn embed(&self, title: &str, text: &str) -> rhetor_corpus::Result<Vec<f32>> {
        <rhetor_models::Embedder as Embed>::embed(&self.0, title, text)
    }
}

/// A read connection to the store.
pub type Reader = Box<dyn Store + Send>;

/// The writer of `?store=true`: the embedded corpus or the PostgreSQL one.
pub enum Writer {
    Embedded(Corpus<SharedEmbedder>),
    Postgres(PgCorpus<SharedEmbedder>),
}

impl Writer {
    /// Adds one article in the current batch.
    pub fn add(&mut self, a: &rhetor_doc::Article) -> rhetor_corpus::Result<AddOutcome> {
        match self {
            Writer::Embedded(c) => c.add(a),
            Writer::Postgres(c) => c.add(a),
        }
    }

    /// Commits the batch.
    pub fn commit(&mut self, final_run: bool) -> rhetor_corpus::Result<()> {
        match self {
            Writer::Embedded(c) => c.commit(final_run),
            Writer::Postgres(c) => c.commit(),
        }
    }
}

/// Opens a read connection. PostgreSQL connections share one in-memory copy of the vectors.
fn open_reader(
    config: &ServerConfig,
    vectors: &rhetor_postgres::store::SharedVectors,
) -> rhetor_corpus::Result<Reader> {
    Ok(match &config.postgres {
        Some(url) => Box::new(PgStore::connect(url)?.with_vectors(vectors.clone())),
        None => Box::new(SqliteStore::open_read(&config.db)?),
    })
}

/// Shared state of the server.
pub struct AppState {
    pub config: ServerConfig,
    /// Read connections, each with the store generation it was opened at: a connection opened
    /// before a commit is reopened (its vector map ends at the rows committed then).
    readers: Vec<Mutex<(u64, Reader)>>,
    /// The vectors PostgreSQL readers search (one copy for all of them).
    vectors: rhetor_postgres::store::SharedVectors,
    generation: Generation,
    cache: ResponseCache,
    next: AtomicUsize,
    embedder: OnceLock<Option<SharedEmbedder>>,
    pipeline: OnceLock<Result<Arc<rhetor::Pipeline>, String>>,
    /// The writer for `?store=true`, opened on first use (it replays the story index).
    corpus: Mutex<Option<Writer>>,
    /// Permits for analyses.
    pub analyses: tokio::sync::Semaphore,
    /// Article counts per filter, with the generation they were counted at: paging through a
    /// filtered list asks for the same count on every page, and under a technique filter it
    /// checks every span row of that technique (13 ms at 10,000 articles).
    counts: Mutex<std::collections::HashMap<String, (u64, u64)>>,
    /// The outlet comparison per period, with the corpus size it was computed at.
    outlets: Mutex<Vec<(Period, u64, Arc<OutletsComparison>)>>,
}

impl AppState {
    /// Opens `config.readers` connections to the store (which must exist).
    pub fn open(config: ServerConfig) -> Result<Self, ApiError> {
        let generation = match &config.postgres {
            Some(url) => Generation::postgres(url)?,
            None => {
                if !config.db.join(rhetor_corpus::sqlite::DB_FILE).is_file() {
                    return Err(ApiError::internal(format!(
                        "no corpus at {} (build one with `rhetor add --db {} PATH...`)",
                        config.db.display(),
                        config.db.display()
                    )));
                }
                Generation::new(&config.db)
            }
        };
        let vectors = rhetor_postgres::store::SharedVectors::default();
        let mut readers = Vec::new();
        for _ in 0..config.readers.max(1) {
            let g = generation.current();
            readers.push(Mutex::new((g, open_reader(&config, &vectors)?)));
        }
        Ok(AppState {
            generation,
            cache: ResponseCache::new(config.cache_entries, config.cache_bytes),
            analyses: tokio::sync::Semaphore::new(config.analyze_concurrency.max(1)),
            config,
            readers,
            vectors,
            next: AtomicUsize::new(0),
            embedder: OnceLock::new(),
            pipeline: OnceLock::new(),
            corpus: Mutex::new(None),
            outlets: Mutex::new(Vec::new()),
            counts: Mutex::new(std::collections::HashMap::new()),
        })
    }

    /// The store's generation now (changes with every commit, here or by another process).
    pub fn generation(&self) -> u64 {
        self.generation.current()
    }

    /// Marks a commit made by this process.
    pub fn bump_generation(&self) {
        self.generation.bump();
    }

    /// The number of articles `filter` keeps, counted once per store generation.
    pub fn count(
        &self,
        store: &dyn Store,
        filter: &rhetor_corpus::Filter,
    ) -> Result<u64, ApiError> {
        let key = format!("{filter:?}");
        let generation = self.generation();
        {
            let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(&(g, n)) = counts.get(&key) {
                if g == generation {
                    return Ok(n);
                }
            }
        }
        let n = store.count(filter)?;
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() >= 4096 {
            counts.clear();
        }
        counts.insert(key, (generation, n));
        Ok(n)
    }

    /// The response cache of the JSON API.
    pub fn cache(&self) -> &ResponseCache {
        &self.cache
    }

    /// A free read connection, or the next one in turn when all are busy.
    fn reader(&self) -> MutexGuard<'_, (u64, Reader)> {
        let n = self.readers.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Ok(g) = self.readers[(start + i) % n].try_lock() {
                return g;
            }
        }
        // A panic while holding a connection leaves it usable: SQLite rolled the statement back.
        self.readers[start % n]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` with a read connection on the blocking pool.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Store) -> Result<T, ApiError> + Send + 'static,
    {
        let state = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut slot = state.reader();
            let now = state.generation();
            // A PostgreSQL connection always reads the latest commit (its vector cache catches
            // up by itself); an SQLite one sees the vector rows of its opening only.
            if slot.0 != now && state.config.postgres.is_none() {
                match open_reader(&state.config, &state.vectors) {
                    Ok(s) => *slot = (now, s),
                    Err(e) => {
                        tracing::warn!("cannot reopen the store ({e}): reading the older view")
                    }
                }
            }
            f(slot.1.as_mut())
        })
        .await
        .map_err(|e| ApiError::internal(format!("worker: {e}")))?
    }

    /// The sentence encoder, when it is installed (never downloaded by the server: a missing one
    /// means text search only). Call from the blocking pool.
    pub fn embedder(&self) -> Option<SharedEmbedder> {
        self.embedder
            .get_or_init(|| {
                if !self.config.semantic_search {
                    return None;
                }
                let root = rhetor_models::weights::cache_root().ok()?;
                let files = match rhetor_models::weights::locate(&root) {
                    Ok(Some(f)) => f,
                    _ => {
                        tracing::warn!("sentence encoder not installed: text search only (`rhetor models fetch` installs it)");
                        return None;
                    }
                };
                match rhetor_models::Embedder::load(&files, 1) {
                    Ok(e) => Some(SharedEmbedder(Arc::new(e))),
                    Err(e) => {
                        tracing::warn!("cannot load the sentence encoder ({e}): text search only");
                        None
                    }
                }
            })
            .clone()
    }

    /// The analysis pipeline, loaded on first use. Call from the blocking pool.
    pub fn pipeline(&self) -> Result<Arc<rhetor::Pipeline>, ApiError> {
        self.pipeline
            .get_or_init(|| {
                let config = rhetor::Config {
                    models: self.config.models.clone(),
                    threads: 0,
                    analyze: true,
                    max_size: self.config.analyze_max_bytes as u64,
                    min_score: None,
                    precision: rhetor::Precision::Auto,
                    window_overlap: None,
                };
                rhetor::Pipeline::load(&config)
                    .map(|p| {
                        for n in p.notices() {
                            tracing::warn!("{n}");
                        }
                        Arc::new(p)
                    })
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(|e| ApiError::unavailable(format!("analysis models: {e}")))
    }

    /// The outlet comparison of `period` if it was computed at this corpus size.
    pub fn cached_outlets(&self, period: Period, size: u64) -> Option<Arc<OutletsComparison>> {
        let cache = self.outlets.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .iter()
            .find(|(p, n, _)| *p == period && *n == size)
            .map(|(_, _, c)| Arc::clone(c))
    }

    pub fn cache_outlets(&self, period: Period, size: u64, c: Arc<OutletsComparison>) {
        let mut cache = self.outlets.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(p, _, _)| *p != period);
        cache.push((period, size, c));
    }

    /// Runs `f` with the corpus writer (opened on first use). Call from the blocking pool.
    pub fn with_corpus<T>(
        &self,
        f: impl FnOnce(&mut Writer) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut guard = self.corpus.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let embedder = self.embedder().ok_or_else(|| {
                ApiError::unavailable(
                    "storing needs the sentence encoder: run `rhetor models fetch`".to_string(),
                )
            })?;
            *guard = Some(match &self.config.postgres {
                Some(url) => Writer::Postgres(PgCorpus::connect(url, embedder)?),
                None => Writer::Embedded(Corpus::open(&self.config.db, embedder)?),
            });
        }
        match guard.as_mut() {
            Some(c) => f(c),
            None => Err(ApiError::internal("corpus writer missing".to_string())),
        }
    }
}
