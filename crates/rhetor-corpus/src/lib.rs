//! The corpus: many analysed articles from many outlets, stored once each, grouped into stories,
//! compared by outlet and outlet group, and searched.
//!
//! Layout:
//! - [`key`]: the stable store key (canonical URL or normalised content) that deduplicates.
//! - [`store`]: the [`Store`] trait, narrow enough for a PostgreSQL backend, and the records it
//!   reads and writes.
//! - [`sqlite`]: the embedded default, [`SqliteStore`]: one SQLite file (articles, annotations,
//!   FTS5 full-text index, stories; versioned migrations; one transaction per batch) plus
//!   [`vectors`], an int8 vector file searched by exact scan.
//! - [`corpus`]: [`Corpus`], what `rhetor add` runs: key, dedupe, embed, assign a story, store.
//! - [`compare`]: story and outlet comparisons, outlet groups.
//! - [`search`]: text, semantic and hybrid (reciprocal rank fusion) search with filters.

pub mod compare;
pub mod corpus;
pub mod key;
pub mod search;
pub mod sqlite;
pub mod store;
pub mod testkit;
pub mod vectors;

pub use corpus::{AddOutcome, Corpus, Sink};
pub use key::ArticleKey;
pub use sqlite::SqliteStore;
pub use store::{ArticleRow, Filter, Stats, Store, StoredStory};

/// Version of the JSON documents printed by `rhetor stories|compare|search|stats`
/// (docs/schema.md, "Corpus outputs").
pub const CORPUS_SCHEMA_VERSION: &str = "1.0";

/// Errors of the corpus.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the store at {path} was written by a newer rhetor (schema {found}, this build knows up to {known})")]
    TooNew {
        path: std::path::PathBuf,
        found: i64,
        known: i64,
    },
    #[error("no such {what}: {id}")]
    NotFound { what: &'static str, id: String },
    #[error("stories: {0}")]
    Stories(#[from] rhetor_stories::StoryError),
    /// An error of a database server backend (PostgreSQL), with the server's own message.
    #[error("database server: {0}")]
    Backend(String),
    #[error("encoder: {0}")]
    Embed(String),
    #[error("another process is writing to the store at {} (it holds writer.lock there): run one `rhetor add` at a time, or stop the server that stores articles, and try again", .0.display())]
    Busy(std::path::PathBuf),
}

impl CorpusError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        CorpusError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

pub type Result<T, E = CorpusError> = std::result::Result<T, E>;

/// The default store folder: `$RHETOR_HOME/corpus`, else the user's data dir
/// (`~/.local/share/rhetor/corpus` on Linux).
pub fn default_db_dir() -> std::path::PathBuf {
    if let Some(h) = std::env::var_os("RHETOR_HOME").filter(|h| !h.is_empty()) {
        return std::path::PathBuf::from(h).join("corpus");
    }
    dirs_data_dir().join("rhetor").join("corpus")
}

fn dirs_data_dir() -> std::path::PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share"))
        })
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}

#[cfg(test)]
mod tests;
#[cfg(any(test, feature = "testsuite"))]
pub mod testsuite;
