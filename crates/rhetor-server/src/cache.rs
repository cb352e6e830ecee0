//! A response cache for the read-only JSON API, keyed by the request's path and query and by the
//! store's generation.
//!
//! Why: every `GET /api/...` answer is a pure function of the URI and of the store's contents,
//! and the costly ones (full-text search of common words, counts under a technique filter) cost
//! milliseconds each; under many concurrent readers the two cores spend their time recomputing
//! the same answers. An answer computed once is kept until the store changes ([`Generation`]),
//! and concurrent requests for the same URI wait for the one computation in flight rather than
//! each running it ("single flight").
//!
//! Only `200` answers are kept; errors are recomputed. The cache is bounded in entries and
//! bytes: when either bound would be passed it is emptied (answers in flight finish normally).
//! We write this ourselves because the entries must be awaited while being computed (a
//! `tokio::sync::OnceCell` per key) and dropped on a generation change; it is a few dozen lines.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use tokio::sync::OnceCell;

/// The name of the header that says whether an answer came from the cache (`hit`) or was
/// computed for this request (`miss`).
pub const CACHE_HEADER: &str = "x-rhetor-cache";

/// Largest answer kept.
const MAX_ENTRY_BYTES: usize = 4 * 1024 * 1024;

/// A stored answer.
#[derive(Clone)]
pub struct Cached {
    content_type: Option<HeaderValue>,
    body: Bytes,
}

impl Cached {
    pub fn new(content_type: Option<HeaderValue>, body: Bytes) -> Self {
        Cached { content_type, body }
    }

    /// The answer as a response, marked `hit` or `miss`.
    pub fn response(&self, hit: bool) -> Response<Body> {
        let mut res = Response::new(Body::from(self.body.clone()));
        *res.status_mut() = StatusCode::OK;
        if let Some(ct) = &self.content_type {
            res.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
        }
        res.headers_mut().insert(
            CACHE_HEADER,
            HeaderValue::from_static(if hit { "hit" } else { "miss" }),
        );
        res
    }

    pub fn len(&self) -> usize {
        self.body.len()
    }

    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    /// Whether an answer of `len` bytes may be kept.
    pub fn fits(len: usize) -> bool {
        len <= MAX_ENTRY_BYTES
    }
}

type Cell = Arc<OnceCell<Cached>>;

struct Inner {
    generation: u64,
    entries: HashMap<String, Cell>,
    bytes: usize,
}

/// The cache: one cell per URI for the current generation.
pub struct ResponseCache {
    inner: Mutex<Inner>,
    max_entries: usize,
    max_bytes: usize,
}

impl ResponseCache {
    /// A cache of at most `max_entries` answers and `max_bytes` bytes (0 entries: disabled).
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        ResponseCache {
            inner: Mutex::new(Inner {
                generation: 0,
                entries: HashMap::new(),
                bytes: 0,
            }),
            max_entries,
            max_bytes,
        }
    }

    pub fn enabled(&self) -> bool {
        self.max_entries > 0
    }

    /// The cell for `key` at `generation` (a fresh one when the store changed since).
    pub fn cell(&self, key: &str, generation: u64) -> Cell {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.generation != generation {
            inner.generation = generation;
            inner.entries.clear();
            inner.bytes = 0;
        }
        if let Some(c) = inner.entries.get(key) {
            return Arc::clone(c);
        }
        if inner.entries.len() >= self.max_entries {
            inner.entries.clear();
            inner.bytes = 0;
        }
        let c: Cell = Arc::new(OnceCell::new());
        inner.entries.insert(key.to_string(), Arc::clone(&c));
        c
    }

    /// Counts `len` more bytes kept at `generation`; empties the cache when past its bound.
    pub fn account(&self, generation: u64, len: usize) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.generation != generation {
            return;
        }
        inner.bytes += len;
        if inner.bytes > self.max_bytes {
            inner.entries.clear();
            inner.bytes = 0;
        }
    }

    /// Answers kept now (for tests and stats).
    pub fn len(&self) -> usize {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.entries.values().filter(|c| c.initialized()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether `GET path` is answered through the cache: the read-only JSON API.
pub fn cacheable(path: &str) -> bool {
    path.starts_with("/api/") && path != "/api/analyze"
}

/// The middleware: answers cacheable `GET`s from the cache, computing each URI once per store
/// generation however many requests for it arrive at once.
pub async fn layer(
    axum::extract::State(state): axum::extract::State<Arc<crate::state::AppState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response<Body> {
    let cache = state.cache();
    if req.method() != axum::http::Method::GET || !cache.enabled() || !cacheable(req.uri().path()) {
        return next.run(req).await;
    }
    let key = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let generation = state.generation();
    let cell = cache.cell(&key, generation);
    if let Some(c) = cell.get() {
        return c.response(true);
    }
    // The first request computes; the others wait for it. An answer that is not kept (not 200,
    // too large, unreadable) goes back to its own request, and the waiters compute their own.
    let computed = std::sync::atomic::AtomicBool::new(false);
    let flag = &computed;
    let outcome = cell
        .get_or_try_init(|| async move {
            flag.store(true, Ordering::Relaxed);
            let res = next.run(req).await;
            if res.status() != StatusCode::OK {
                return Err(res);
            }
            let (parts, body) = res.into_parts();
            match axum::body::to_bytes(body, usize::MAX).await {
                Ok(bytes) if Cached::fits(bytes.len()) => Ok(Cached::new(
                    parts.headers.get(header::CONTENT_TYPE).cloned(),
                    bytes,
                )),
                Ok(bytes) => Err(Response::from_parts(parts, Body::from(bytes))),
                Err(e) => {
                    Err(crate::error::ApiError::internal(format!("answer: {e}")).into_response())
                }
            }
        })
        .await;
    match outcome {
        Ok(c) => {
            let computed = computed.load(Ordering::Relaxed);
            if computed {
                cache.account(generation, c.len());
            }
            c.response(!computed)
        }
        Err(res) => res,
    }
}

/// The store's generation: changes whenever anything is committed to it, by this process (see
/// [`Generation::bump`]) or by another one (`rhetor add` beside the server): the sizes and
/// modification times of the SQLite file, its write-ahead log and the vector file, read with
/// three `stat` calls (a few microseconds).
pub struct Generation {
    files: Vec<PathBuf>,
    local: AtomicU64,
    /// A PostgreSQL store's change counter, as last read by a polling thread.
    remote: Option<Arc<AtomicU64>>,
}

/// How often the PostgreSQL change counter is read: answers cached by the server may lag a
/// commit by another process by this much.
pub const POSTGRES_POLL: Duration = Duration::from_millis(200);

impl Generation {
    pub fn new(dir: &Path) -> Self {
        Generation {
            files: vec![
                dir.join(rhetor_corpus::sqlite::DB_FILE),
                dir.join(format!("{}-wal", rhetor_corpus::sqlite::DB_FILE)),
                dir.join(rhetor_corpus::sqlite::VECTOR_FILE),
            ],
            local: AtomicU64::new(0),
            remote: None,
        }
    }

    /// The generation of a PostgreSQL store: its change counter (bumped by every commit, by any
    /// process on any machine), read every [`POSTGRES_POLL`] by a thread with a connection of
    /// its own, so [`current`](Self::current) never blocks an async task on the database. The
    /// thread ends when the generation is dropped.
    pub fn postgres(url: &str) -> Result<Self, rhetor_corpus::CorpusError> {
        let store = rhetor_postgres::PgStore::connect(url)?;
        let value = Arc::new(AtomicU64::new(store.generation()?));
        let weak = Arc::downgrade(&value);
        std::thread::Builder::new()
            .name("rhetor-pg-generation".into())
            .spawn(move || loop {
                std::thread::sleep(POSTGRES_POLL);
                let Some(v) = weak.upgrade() else { return };
                match store.generation() {
                    Ok(g) => v.store(g, Ordering::SeqCst),
                    Err(e) => tracing::warn!("reading the store's generation: {e}"),
                }
            })
            .map_err(|e| rhetor_corpus::CorpusError::Backend(format!("thread: {e}")))?;
        Ok(Generation {
            files: Vec::new(),
            local: AtomicU64::new(0),
            remote: Some(value),
        })
    }

    /// Marks a change made by this process.
    pub fn bump(&self) {
        self.local.fetch_add(1, Ordering::SeqCst);
    }

    /// The current generation (FNV-1a over the files' size and time and the local counter).
    pub fn current(&self) -> u64 {
        let mut h: u64 = 0xcbf29ce484222325;
        let mut mix = |x: u64| {
            for b in x.to_le_bytes() {
                h = (h ^ b as u64).wrapping_mul(0x100000001b3);
            }
        };
        mix(self.local.load(Ordering::SeqCst));
        if let Some(r) = &self.remote {
            mix(r.load(Ordering::SeqCst));
        }
        for f in &self.files {
            match std::fs::metadata(f) {
                Ok(m) => {
                    mix(m.len());
                    let t = m
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                        .map(|d| d.as_nanos() as u64)
                        .unwrap_or(0);
                    mix(t);
                }
                Err(_) => mix(u64::MAX),
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_generation_empties_the_cache() {
        let c = ResponseCache::new(10, 1 << 20);
        let a = c.cell("/api/a", 1);
        a.set(Cached::new(None, Bytes::from_static(b"x"))).ok();
        assert!(Arc::ptr_eq(&a, &c.cell("/api/a", 1)));
        assert_eq!(c.len(), 1);
        let b = c.cell("/api/a", 2);
        assert!(!Arc::ptr_eq(&a, &b));
        assert!(!b.initialized());
    }

    #[test]
    fn bounds_empty_the_cache() {
        let c = ResponseCache::new(2, 10);
        for k in ["a", "b"] {
            c.cell(k, 1)
                .set(Cached::new(None, Bytes::from_static(b"x")))
                .ok();
        }
        assert_eq!(c.len(), 2);
        let _ = c.cell("c", 1);
        assert_eq!(
            c.len(),
            0,
            "a third entry past max_entries empties the cache"
        );
        c.cell("d", 1)
            .set(Cached::new(None, Bytes::from_static(b"x")))
            .ok();
        c.account(1, 11);
        assert_eq!(c.len(), 0, "past max_bytes the cache is emptied");
    }

    #[test]
    fn generation_follows_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let g = Generation::new(dir.path());
        let g0 = g.current();
        assert_eq!(g0, g.current());
        std::fs::write(dir.path().join(rhetor_corpus::sqlite::DB_FILE), b"abc").unwrap();
        let g1 = g.current();
        assert_ne!(g0, g1);
        g.bump();
        assert_ne!(g1, g.current());
    }
}
