use std::path::PathBuf;

/// Why an input could not be read. Each variant names the reason in words a user can act on; the
/// file is named by the caller (see [`crate::read::Failure`]).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("empty file")]
    Empty,
    #[error("binary data, not text (NUL bytes or mostly control characters)")]
    Binary,
    #[error("larger than the size limit ({size} bytes > {limit} bytes; raise it with --max-size)")]
    TooLarge { size: u64, limit: u64 },
    #[error("truncated or corrupt gzip: {0}")]
    Gzip(String),
    #[error("malformed HTML: {0}")]
    Html(String),
    #[error("no article text found in the HTML page")]
    NoContent,
    #[error("malformed feed: {0}")]
    Feed(String),
    #[error("malformed WARC: {0}")]
    Warc(String),
    #[error("malformed JSONL at line {line}: {reason}")]
    Jsonl { line: usize, reason: String },
    #[error("not a file or folder: {0}")]
    NotFound(PathBuf),
    /// The article was read but an analyzer failed on it (the binary reports it per input).
    #[error("analysis failed: {0}")]
    Analysis(String),
}
