//! The PostgreSQL backend of the rhetor corpus: many workers on many machines writing one store.
//!
//! - [`PgStore`]: [`rhetor_corpus::Store`] on PostgreSQL (versioned migrations, `tsvector` full
//!   text, int8 vectors scanned exactly in memory, a change counter for caches).
//! - [`PgCorpus`]: [`rhetor_corpus::Sink`] on PostgreSQL: one transaction per article, story
//!   assignment serialised across all writers by an advisory lock.
//! - `testkit` (feature `testkit`): [`testkit::TempPostgres`], a throwaway server for tests.
//!
//! The client is the synchronous `postgres` crate, which runs its own small runtime: never call
//! it from inside an async task (run store calls on a blocking pool, as `rhetor-server` does).

pub mod corpus;
pub mod store;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;

pub use corpus::PgCorpus;
pub use store::PgStore;

/// The environment variable naming the store's URL when `--postgres` is not given.
pub const URL_ENV: &str = "RHETOR_POSTGRES";

#[cfg(test)]
mod tests;
