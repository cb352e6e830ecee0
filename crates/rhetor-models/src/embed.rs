//! Sentence embeddings the sentence-transformers way: tokens truncated at 256 (with `[CLS]` and
//! `[SEP]`), last-layer states mean-pooled over the real tokens, L2-normalised.

use crate::fast::{FastEncoder, FastError};
use crate::quant::Precision;
use crate::tokenize::{length_buckets, TextTokenizer, TokenizeError};
use crate::weights::ModelFiles;

/// all-MiniLM-L6-v2's `max_seq_length` in sentence-transformers.
pub const DEFAULT_MAX_SEQ_LEN: usize = 256;

/// Errors from embedding.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// Tokenizer trouble.
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    /// Encoder trouble.
    #[error(transparent)]
    Encoder(#[from] FastError),
}

/// Tokenizer + fast encoder + pooling.
pub struct Embedder {
    tokenizer: TextTokenizer,
    encoder: FastEncoder,
    max_len: usize,
}

impl Embedder {
    /// Loads tokenizer and weights from an installed model, with `threads` worker threads
    /// (0 = one per core).
    pub fn load(files: &ModelFiles, threads: usize) -> Result<Self, EmbedError> {
        Self::load_with(files, threads, Precision::F32)
    }

    /// [`load`](Self::load) at `precision`. `Auto` means f32 here: int8 has not been measured
    /// against the story and search figures that use these embeddings.
    pub fn load_with(
        files: &ModelFiles,
        threads: usize,
        precision: Precision,
    ) -> Result<Self, EmbedError> {
        let precision = match precision {
            Precision::Auto => Precision::F32,
            p => p,
        };
        let tokenizer = TextTokenizer::from_file(&files.tokenizer())?;
        let encoder = FastEncoder::load(files, threads)?.with_precision(precision);
        let max_len = DEFAULT_MAX_SEQ_LEN.min(encoder.config().max_position_embeddings);
        Ok(Self {
            tokenizer,
            encoder,
            max_len,
        })
    }

    /// Embedding width (384).
    pub fn dim(&self) -> usize {
        self.encoder.config().hidden_size
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// The encoder.
    pub fn encoder(&self) -> &FastEncoder {
        &self.encoder
    }

    /// Token ids as the embedder feeds them to the encoder (for parity checks).
    pub fn input_ids(&self, text: &str) -> Result<Vec<u32>, EmbedError> {
        Ok(self.tokenizer.encode_truncated(text, self.max_len)?)
    }

    /// Embeds texts in batches of at most `batch_size`, sorted by length; results are in input
    /// order. An empty text is embedded as `[CLS][SEP]` (what sentence-transformers does too).
    pub fn embed<S: AsRef<str>>(
        &self,
        texts: &[S],
        batch_size: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let ids = texts
            .iter()
            .map(|t| self.input_ids(t.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        self.embed_ids(&ids, batch_size)
    }

    /// Embeds pre-tokenized sequences (with `[CLS]`/`[SEP]`).
    pub fn embed_ids(
        &self,
        ids: &[Vec<u32>],
        batch_size: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let lens: Vec<usize> = ids.iter().map(Vec::len).collect();
        let mut out: Vec<Vec<f32>> = vec![vec![]; ids.len()];
        for bucket in length_buckets(&lens, batch_size) {
            let seqs: Vec<&[u32]> = bucket
                .iter()
                .filter_map(|&i| ids.get(i).map(Vec::as_slice))
                .collect();
            let states = self.encoder.forward(&seqs)?;
            for (&i, e) in bucket.iter().zip(states.mean_pooled_normalized()) {
                if let Some(slot) = out.get_mut(i) {
                    *slot = e;
                }
            }
        }
        Ok(out)
    }
}
