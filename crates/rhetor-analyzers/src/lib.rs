//! Analyzers that add annotations to an [`rhetor_doc::Article`]: persuasion techniques (per
//! paragraph and as character spans), genre and frames. The recipe that trains their shipped
//! model (`models/techniques/`) is the `rhetor-train` crate; only the article heads' small
//! linear fits stay here, beside the features they read, so the two cannot drift apart.
//!
//! - [`techniques`]: the fine-tuned encoder with a paragraph head and a B/I/O token head.
//! - [`article`]: article-level linear heads (genre, frames) over pooled paragraph states,
//!   technique profile, style features and hashed words.
//! - [`display`]: which technique spans `rhetor analyze` shows by default.
//! - [`pipeline`]: [`pipeline::Analyzer`], which loads everything once and annotates articles.

pub mod article;
pub mod display;
pub mod linear;
pub mod multilingual;
pub mod opinion;
pub mod outlet;
pub mod pipeline;
pub mod style;
pub mod techniques;

pub use pipeline::Analyzer;

/// Errors of the analyzers.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// A model folder is missing or inconsistent.
    #[error("model {path}: {message}")]
    Model { path: String, message: String },
    /// Training data missing or malformed.
    #[error("training data: {0}")]
    Data(String),
    #[error(transparent)]
    Eval(#[from] rhetor_eval::EvalError),
    #[error(transparent)]
    Weights(#[from] rhetor_models::WeightsError),
    #[error(transparent)]
    Encoder(#[from] rhetor_models::EncoderError),
    #[error(transparent)]
    Fast(#[from] rhetor_models::FastError),
    #[error(transparent)]
    Tokenize(#[from] rhetor_models::tokenize::TokenizeError),
    #[error(transparent)]
    Trained(#[from] rhetor_models::trained::ModelError),
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("{context}: {source}")]
    Json {
        context: String,
        source: serde_json::Error,
    },
}

/// Shorthand.
pub type Result<T> = std::result::Result<T, AnalyzeError>;
