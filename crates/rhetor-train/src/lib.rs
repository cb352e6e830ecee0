//! Training: everything that produces the shipped technique model and nothing that inference
//! needs, so the inference crates (`rhetor-models`, `rhetor-analyzers`) carry no optimiser,
//! checkpoint or training loop, and the recipe depends on the analyzers, never the reverse.
//!
//! - Fine-tuning infrastructure: [`loss`] (cross-entropy, BCE with logits), [`optim`] (AdamW
//!   with warmup/decay and clipping), [`trainer`] (multi-task training over one shared encoder),
//!   [`checkpoint`] (exact resume), [`export`] (saving a trained model).
//! - The recipe behind `rhetor train`: [`data`] (SemEval paragraphs to windows with B/I/O tags,
//!   article-grouped folds) and [`recipe`] (fine-tune, held-out predictions, thresholds, span
//!   rules, article heads, model card figures).
//!
//! How a head is trained on the shared encoder:
//!
//! 1. `let (encoder, varmap) = Encoder::load_trainable(&files)?;` (every weight is a `Var`).
//! 2. Build one [`Head`](rhetor_models::trained::Head) per task in the same map with
//!    `Head::init_seeded` (so the heads start from the same values on every run) and wrap each
//!    in a [`Task`] with its loss weight and class weights.
//! 3. `Trainer::new(encoder, varmap, tasks, TrainConfig { .. }, steps_per_epoch)`, then
//!    [`Trainer::fit`] with a closure that turns item indices into a [`Batch`] (token ids, mask,
//!    one optional [`Target`] per task). `fit` shuffles with a seeded RNG, resumes from the latest
//!    checkpoint in `TrainConfig::checkpoint_dir`, shows a progress bar and logs the loss.
//! 4. [`export::save_trained`] writes `model.safetensors` (f32 or f16) + `rhetor-model.json` +
//!    `tokenizer.json`; `rhetor_models::trained::TrainedModel::load` reads them back.

pub mod checkpoint;
pub mod data;
pub mod export;
pub mod loss;
pub mod optim;
pub mod recipe;
pub mod trainer;

pub use checkpoint::TrainState;
pub use loss::{bce_with_logits, cross_entropy};
pub use optim::{global_grad_norm, AdamW, AdamWConfig, Decay, Schedule};
pub use trainer::{Batch, FitReport, StepStats, Target, Task, TrainConfig, Trainer};

/// Errors from training, checkpointing, saving and the recipe.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A tensor operation failed.
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
    /// A head or the model format rejected its input.
    #[error(transparent)]
    Model(#[from] rhetor_models::trained::ModelError),
    /// The encoder rejected its input or config.
    #[error(transparent)]
    Encoder(#[from] rhetor_models::EncoderError),
    /// The fast encoder failed.
    #[error(transparent)]
    Fast(#[from] rhetor_models::FastError),
    /// Fetching or reading the stock weights failed.
    #[error(transparent)]
    Weights(#[from] rhetor_models::WeightsError),
    /// The tokenizer failed.
    #[error(transparent)]
    Tokenize(#[from] rhetor_models::tokenize::TokenizeError),
    /// An analyzer (the model being evaluated, an article head) failed.
    #[error(transparent)]
    Analyze(#[from] rhetor_analyzers::AnalyzeError),
    /// Scoring failed.
    #[error(transparent)]
    Eval(#[from] rhetor_eval::EvalError),
    /// Training data missing or malformed.
    #[error("training data: {0}")]
    Data(String),
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
    /// The inputs or settings are inconsistent (shapes, label counts, missing tasks).
    #[error("invalid input: {0}")]
    Input(String),
    /// The loss became NaN or infinite; training stops rather than corrupting the weights.
    #[error("loss is not finite at step {step}: {loss}")]
    NonFinite {
        /// Optimizer step.
        step: u64,
        /// The loss value.
        loss: f32,
    },
    /// A lock around the variable map was poisoned by a panic in another thread.
    #[error("variable map lock poisoned")]
    Poisoned,
}

/// Shorthand.
pub type Result<T> = std::result::Result<T, TrainError>;

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> TrainError {
    let context = context.into();
    move |source| TrainError::Io { context, source }
}

pub(crate) fn json_err(context: impl Into<String>) -> impl FnOnce(serde_json::Error) -> TrainError {
    let context = context.into();
    move |source| TrainError::Json { context, source }
}

#[cfg(test)]
mod tests;

/// Every variable of a map with its name (tests build optimizers and check gradients with it).
#[cfg(test)]
pub(crate) fn named_vars(vm: &candle_nn::VarMap) -> Vec<(String, candle_core::Var)> {
    vm.data()
        .lock()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
