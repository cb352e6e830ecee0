//! Trained models as inference reads them: task heads on the shared encoder ([`heads`]) and the
//! on-disk format of a fine-tuned model ([`export`]: `rhetor-model.json`, `model.safetensors`,
//! `tokenizer.json`). Training itself (losses, AdamW, the trainer, checkpoints, saving) lives in
//! the `rhetor-train` crate, so no inference crate carries it.

pub mod export;
pub mod heads;

pub use export::{ModelConfig, StoreDType, TrainedModel};
pub use heads::{
    decode_bio, pool, spans_to_bio, Head, HeadKind, HeadSpec, Pooling, TAG_B, TAG_I, TAG_O,
};

/// Errors from heads and from reading a trained model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A tensor operation failed.
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
    /// The encoder rejected its input or config.
    #[error(transparent)]
    Encoder(#[from] crate::encoder::EncoderError),
    /// The tokenizer failed.
    #[error(transparent)]
    Tokenize(#[from] crate::tokenize::TokenizeError),
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A JSON file could not be parsed or written.
    #[error("{context}: {source}")]
    Json {
        /// What was being done.
        context: String,
        /// The cause.
        source: serde_json::Error,
    },
    /// The inputs or settings are inconsistent (shapes, label counts, missing heads).
    #[error("invalid input: {0}")]
    Input(String),
    /// A lock around a variable map was poisoned by a panic in another thread.
    #[error("variable map lock poisoned")]
    Poisoned,
}

/// Shorthand.
pub type Result<T> = std::result::Result<T, ModelError>;

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ModelError {
    let context = context.into();
    move |source| ModelError::Io { context, source }
}

pub(crate) fn json_err(context: impl Into<String>) -> impl FnOnce(serde_json::Error) -> ModelError {
    let context = context.into();
    move |source| ModelError::Json { context, source }
}
