//! The inference-only encoder used for bulk work (embedding, analysis): same maths as
//! [`crate::Encoder`] in [`crate::Mode::Infer`], organised for speed on a few CPU cores.
//!
//! What makes it faster than a straightforward candle forward:
//! - **Packed tokens, no padding.** All sequences of a batch are laid end to end as one
//!   `[tokens, hidden]` matrix; every dense layer is one matrix product over real tokens only,
//!   and attention runs per sequence. Padding costs nothing, whatever the length mix.
//! - **Fused QKV.** Query, key and value weights are concatenated at load time: one product
//!   `[tokens, h] x [h, 3h]` instead of three.
//! - **Pre-transposed weights, in-place epilogues.** Weights are stored `[in, out]`; biases and
//!   residuals are written into the output buffer first and the product accumulates onto them,
//!   so no separate add passes or temporaries. GELU and layer norm run in place, vectorised
//!   (AVX2/FMA when the CPU has it), split across the thread pool.
//! - **Own thread pool.** Matrix products (the `gemm` crate, which candle uses too) and the
//!   element-wise passes run on a rayon pool of exactly the requested size.
//!
//! Weights are read from the memory-mapped safetensors file; the word-embedding table (half the
//! parameters) is read in place from the mapping, never copied.

use std::path::Path;

use rayon::prelude::*;

use crate::bf16::BMatrix;
use crate::encoder::{BertConfig, EncoderError};
use crate::quant::{CpuPath, Precision, QMatrix};
use crate::weights::ModelFiles;

/// Errors from loading or running the fast encoder.
#[derive(Debug, thiserror::Error)]
pub enum FastError {
    /// The weights file could not be read.
    #[error("reading weights {path}: {message}")]
    Weights {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Config problems.
    #[error(transparent)]
    Config(#[from] EncoderError),
    /// The thread pool could not be built.
    #[error("building the thread pool: {0}")]
    Threads(String),
    /// Input ids out of range or sequences too long.
    #[error("invalid input: {0}")]
    Input(String),
}

/// A dense layer's weight, `[in, out]`: f32, int8 per output channel, or bf16 (the f32 copy
/// dropped in both).
enum Linear {
    F32(Vec<f32>),
    Int8(QMatrix),
    Bf16(BMatrix),
}

impl Linear {
    fn quantize(&mut self, k: usize, n: usize) {
        if let Linear::F32(w) = self {
            *self = Linear::Int8(QMatrix::quantize(w, k, n));
        }
    }

    fn round_bf16(&mut self, k: usize, n: usize) {
        if let Linear::F32(w) = self {
            *self = Linear::Bf16(BMatrix::from_f32(w, k, n));
        }
    }

    /// `dst[m, n] += a[m, k] * self`.
    #[allow(clippy::too_many_arguments)]
    fn matmul_acc(
        &self,
        cpu: CpuPath,
        dst: &mut [f32],
        a: &[f32],
        m: usize,
        k: usize,
        n: usize,
        threads: usize,
    ) {
        match self {
            Linear::F32(w) => matmul_acc(dst, a, w, m, k, n, threads),
            Linear::Int8(q) => q.matmul_acc(cpu, dst, a, m, threads),
            Linear::Bf16(b) => b.matmul_acc(cpu, dst, a, m, threads),
        }
    }

    /// `dst = a · self + bias` (through GELU when `gelu`) when `set`, else
    /// `dst = (dst + bias) + a · self`; at int8 in the product's epilogue (one pass over `dst`
    /// instead of two or three: `QMatrix::matmul_bias`), otherwise as separate passes. The same
    /// results either way.
    #[allow(clippy::too_many_arguments)] // all are needed; a struct would only rename them
    fn matmul_bias(
        &self,
        cpu: CpuPath,
        simd: Simd,
        dst: &mut [f32],
        a: &[f32],
        (m, k, n): (usize, usize, usize),
        threads: usize,
        bias: &[f32],
        (set, gelu): (bool, bool),
    ) {
        if let Linear::Int8(q) = self {
            return q.matmul_bias(cpu, dst, a, m, threads, bias, set, gelu);
        }
        let p = threads > 1;
        if set {
            fill_rows(dst, bias, p);
        } else {
            add_rows(dst, bias, p);
        }
        self.matmul_acc(cpu, dst, a, m, k, n, threads);
        if set && gelu {
            gelu_inplace(simd, dst, p);
        }
    }
}

struct FastLayer {
    wqkv: Linear,   // [h, 3h]
    bqkv: Vec<f32>, // [3h]
    wo: Linear,     // [h, h]
    bo: Vec<f32>,
    ln1_w: Vec<f32>,
    ln1_b: Vec<f32>,
    w1: Linear, // [h, i]
    b1: Vec<f32>,
    w2: Linear, // [i, h]
    b2: Vec<f32>,
    ln2_w: Vec<f32>,
    ln2_b: Vec<f32>,
}

impl FastLayer {
    /// Int8 for the dense layers `RHETOR_INT8_SKIP` does not name (`qkv`, `wo`, `w1`, `w2`:
    /// an experiment switch for measuring which layers quantization hurts).
    fn quantize(&mut self, c: &BertConfig) {
        let (h, i) = (c.hidden_size, c.intermediate_size);
        let skip = std::env::var("RHETOR_INT8_SKIP").unwrap_or_default();
        let skip = |name: &str| skip.split(',').any(|s| s.trim() == name);
        if !skip("qkv") {
            self.wqkv.quantize(h, 3 * h);
        }
        if !skip("wo") {
            self.wo.quantize(h, h);
        }
        if !skip("w1") {
            self.w1.quantize(h, i);
        }
        if !skip("w2") {
            self.w2.quantize(i, h);
        }
    }

    /// Bf16 for every dense layer.
    fn round_bf16(&mut self, c: &BertConfig) {
        let (h, i) = (c.hidden_size, c.intermediate_size);
        self.wqkv.round_bf16(h, 3 * h);
        self.wo.round_bf16(h, h);
        self.w1.round_bf16(h, i);
        self.w2.round_bf16(i, h);
    }

    /// The dense layers at `precision` (resolved; f32 leaves them).
    fn convert(&mut self, c: &BertConfig, precision: Precision) {
        match precision {
            Precision::Int8 => self.quantize(c),
            Precision::Bf16 => self.round_bf16(c),
            Precision::F32 | Precision::Auto => {}
        }
    }
}

/// Where the word-embedding table lives.
enum WordTable {
    /// Little-endian f32 (or f16, widened per row as it is read: exact) bytes inside the
    /// memory-mapped file (`offset` into the mapping). Only the rows of words that occur are
    /// ever paged in, and a shipped f16 model never holds a widened copy of the table.
    Mapped {
        map: memmap2::Mmap,
        offset: usize,
        f16: bool,
    },
    Owned(Vec<f32>),
}

/// Inference encoder over packed token sequences. `Send + Sync`; one instance can serve many
/// calls (each call uses the instance's thread pool).
pub struct FastEncoder {
    config: BertConfig,
    word: WordTable,
    position: Vec<f32>,
    token_type0: Vec<f32>,
    emb_ln_w: Vec<f32>,
    emb_ln_b: Vec<f32>,
    layers: Vec<FastLayer>,
    pool: rayon::ThreadPool,
    threads: usize,
    /// Precision of the dense layers (resolved: never `Auto`).
    precision: Precision,
    /// The int8 kernel (chosen at load time from the CPU and `RHETOR_CPU`).
    cpu: CpuPath,
}

/// Output of [`FastEncoder::forward`]: the last layer's states of all sequences, end to end.
#[derive(Debug, Clone, PartialEq)]
pub struct PackedStates {
    /// `[total_tokens, hidden]` row-major.
    pub data: Vec<f32>,
    /// Hidden width.
    pub hidden: usize,
    /// `offsets[i]..offsets[i+1]` are the rows of sequence `i` (length `n + 1`).
    pub offsets: Vec<usize>,
}

impl PackedStates {
    /// States of sequence `i`, `[len_i * hidden]`, or `None` when out of range.
    pub fn sequence(&self, i: usize) -> Option<&[f32]> {
        let s = *self.offsets.get(i)?;
        let e = *self.offsets.get(i + 1)?;
        self.data.get(s * self.hidden..e * self.hidden)
    }
    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
    /// True when there are no sequences.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Mean over each sequence's tokens, L2-normalised (the sentence-transformers recipe).
    pub fn mean_pooled_normalized(&self) -> Vec<Vec<f32>> {
        (0..self.len())
            .map(|i| {
                let seq = self.sequence(i).unwrap_or_default();
                let n = seq.len() / self.hidden.max(1);
                let mut v = vec![0f32; self.hidden];
                for row in seq.chunks_exact(self.hidden.max(1)) {
                    for (a, b) in v.iter_mut().zip(row) {
                        *a += *b;
                    }
                }
                let inv = 1.0 / (n.max(1) as f32);
                v.iter_mut().for_each(|a| *a *= inv);
                let norm = v.iter().map(|a| a * a).sum::<f32>().sqrt().max(1e-12);
                v.iter_mut().for_each(|a| *a /= norm);
                v
            })
            .collect()
    }
}

fn f32s_from_le(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Little-endian f16 bytes widened to f32 (exact: every f16 is an f32).
fn f32s_from_f16_le(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(2)
        .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
        .collect()
}

/// A tensor of a safetensors file as f32 (F32 read, F16 widened), checked against `shape`.
pub(crate) fn tensor_f32(
    st: &safetensors::SafeTensors<'_>,
    name: &str,
    shape: &[usize],
) -> Result<Vec<f32>, String> {
    let t = st.tensor(name).map_err(|e| format!("{name}: {e}"))?;
    if t.shape() != shape {
        return Err(format!(
            "{name}: expected shape {shape:?}, found {:?}",
            t.shape()
        ));
    }
    match t.dtype() {
        safetensors::Dtype::F32 => Ok(f32s_from_le(t.data())),
        safetensors::Dtype::F16 => Ok(f32s_from_f16_le(t.data())),
        d => Err(format!("{name}: expected F32 or F16, found {d:?}")),
    }
}

/// `[out, in]` row-major to `[in, out]` row-major.
fn transpose(w: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0f32; w.len()];
    for r in 0..rows {
        for c in 0..cols {
            if let (Some(d), Some(s)) = (t.get_mut(c * rows + r), w.get(r * cols + c)) {
                *d = *s;
            }
        }
    }
    t
}

impl FastEncoder {
    /// Loads the model with a pool of `threads` worker threads (0 = one per core).
    pub fn load(files: &ModelFiles, threads: usize) -> Result<Self, FastError> {
        let config = BertConfig::from_file(&files.config())?;
        Self::load_weights(&files.weights(), config, threads)
    }

    /// Loads from a safetensors file in Hugging Face BERT naming (no `bert.` prefix), F32.
    pub fn load_weights(
        path: &Path,
        config: BertConfig,
        threads: usize,
    ) -> Result<Self, FastError> {
        Self::load_weights_with(path, config, threads, Precision::F32)
    }

    /// [`load_weights`](Self::load_weights) for F32 or F16 files (F16 widened exactly, so the
    /// f32 encoder computes what a widened copy would), with the dense layers at `precision`
    /// (`Auto` resolved for this CPU). Quantizes layer by layer and leaves the word table in
    /// the mapping, so loading never holds more than one layer's f32 copy beyond the result:
    /// this is what keeps the analyzer's peak memory down (no candle copy of the model).
    pub fn load_weights_with(
        path: &Path,
        config: BertConfig,
        threads: usize,
        precision: Precision,
    ) -> Result<Self, FastError> {
        let cpu = CpuPath::detect();
        let precision = precision.resolve(cpu);
        let werr = |message: String| FastError::Weights {
            path: path.display().to_string(),
            message,
        };
        let file = std::fs::File::open(path).map_err(|e| werr(e.to_string()))?;
        // SAFETY: read-only mapping of a file rhetor never writes after installing it.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| werr(e.to_string()))?;
        let st = safetensors::SafeTensors::deserialize(&map).map_err(|e| werr(e.to_string()))?;
        let h = config.hidden_size;
        let inter = config.intermediate_size;
        let get = |name: &str, shape: &[usize]| tensor_f32(&st, name, shape).map_err(werr);
        let word_name = "embeddings.word_embeddings.weight";
        let wt = st
            .tensor(word_name)
            .map_err(|e| werr(format!("{word_name}: {e}")))?;
        let f16 = wt.dtype() == safetensors::Dtype::F16;
        if !(f16 || wt.dtype() == safetensors::Dtype::F32) || wt.shape() != [config.vocab_size, h] {
            return Err(werr(format!("{word_name}: unexpected dtype or shape")));
        }
        let offset = wt.data().as_ptr() as usize - map.as_ptr() as usize;
        let position = get(
            "embeddings.position_embeddings.weight",
            &[config.max_position_embeddings, h],
        )?;
        let tt = get(
            "embeddings.token_type_embeddings.weight",
            &[config.type_vocab_size, h],
        )?;
        let token_type0 = tt.get(..h).unwrap_or_default().to_vec();
        let emb_ln_w = get("embeddings.LayerNorm.weight", &[h])?;
        let emb_ln_b = get("embeddings.LayerNorm.bias", &[h])?;
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{i}.");
            let lin =
                |name: &str, o: usize, n_in: usize| -> Result<(Vec<f32>, Vec<f32>), FastError> {
                    let w = get(&format!("{p}{name}.weight"), &[o, n_in])?;
                    let b = get(&format!("{p}{name}.bias"), &[o])?;
                    Ok((transpose(&w, o, n_in), b))
                };
            let (wq, bq) = lin("attention.self.query", h, h)?;
            let (wk, bk) = lin("attention.self.key", h, h)?;
            let (wv, bv) = lin("attention.self.value", h, h)?;
            // Fused [h, 3h]: row r = [wq row r | wk row r | wv row r].
            let mut wqkv = Vec::with_capacity(3 * h * h);
            for r in 0..h {
                for w in [&wq, &wk, &wv] {
                    wqkv.extend_from_slice(w.get(r * h..(r + 1) * h).unwrap_or_default());
                }
            }
            let bqkv = [bq, bk, bv].concat();
            let (wo, bo) = lin("attention.output.dense", h, h)?;
            let (w1, b1) = lin("intermediate.dense", inter, h)?;
            let (w2, b2) = lin("output.dense", h, inter)?;
            let mut layer = FastLayer {
                wqkv: Linear::F32(wqkv),
                bqkv,
                wo: Linear::F32(wo),
                bo,
                ln1_w: get(&format!("{p}attention.output.LayerNorm.weight"), &[h])?,
                ln1_b: get(&format!("{p}attention.output.LayerNorm.bias"), &[h])?,
                w1: Linear::F32(w1),
                b1,
                w2: Linear::F32(w2),
                b2,
                ln2_w: get(&format!("{p}output.LayerNorm.weight"), &[h])?,
                ln2_b: get(&format!("{p}output.LayerNorm.bias"), &[h])?,
            };
            layer.convert(&config, precision);
            layers.push(layer);
        }
        drop(st);
        let threads = if threads == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        } else {
            threads
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("rhetor-enc-{i}"))
            .build()
            .map_err(|e| FastError::Threads(e.to_string()))?;
        // If the mapping is not 4-byte aligned for f32 reads we still read bytes, so alignment
        // does not matter; keep the mapping.
        Ok(Self {
            config,
            word: WordTable::Mapped { map, offset, f16 },
            position,
            token_type0,
            emb_ln_w,
            emb_ln_b,
            layers,
            pool,
            threads,
            precision,
            cpu,
        })
    }

    /// Builds from the weights of a candle [`crate::Encoder`] (e.g. after fine-tuning), snapshotting
    /// their current values.
    pub fn from_encoder(enc: &crate::Encoder, threads: usize) -> Result<Self, FastError> {
        Self::from_encoder_with(enc, threads, Precision::F32)
    }

    /// [`from_encoder`](Self::from_encoder) at `precision` (`Auto` resolved for this CPU).
    pub fn from_encoder_with(
        enc: &crate::Encoder,
        threads: usize,
        precision: Precision,
    ) -> Result<Self, FastError> {
        let cpu = CpuPath::detect();
        let precision = precision.resolve(cpu);
        let c = enc.config.clone();
        let v = |t: &candle_core::Tensor| -> Result<Vec<f32>, FastError> {
            t.flatten_all()
                .and_then(|t| t.to_vec1::<f32>())
                .map_err(|e| FastError::Config(EncoderError::Candle(e)))
        };
        let h = c.hidden_size;
        let inter = c.intermediate_size;
        let lin = |d: &crate::encoder::Dense,
                   o: usize,
                   i: usize|
         -> Result<(Vec<f32>, Vec<f32>), FastError> {
            Ok((transpose(&v(&d.weight)?, o, i), v(&d.bias)?))
        };
        let mut layers = vec![];
        for l in &enc.layers {
            let (wq, bq) = lin(&l.query, h, h)?;
            let (wk, bk) = lin(&l.key, h, h)?;
            let (wv, bv) = lin(&l.value, h, h)?;
            let mut wqkv = Vec::with_capacity(3 * h * h);
            for r in 0..h {
                for w in [&wq, &wk, &wv] {
                    wqkv.extend_from_slice(w.get(r * h..(r + 1) * h).unwrap_or_default());
                }
            }
            let (wo, bo) = lin(&l.attn_out, h, h)?;
            let (w1, b1) = lin(&l.ffn_in, inter, h)?;
            let (w2, b2) = lin(&l.ffn_out, h, inter)?;
            let mut layer = FastLayer {
                wqkv: Linear::F32(wqkv),
                bqkv: [bq, bk, bv].concat(),
                wo: Linear::F32(wo),
                bo,
                ln1_w: v(&l.attn_norm.weight)?,
                ln1_b: v(&l.attn_norm.bias)?,
                w1: Linear::F32(w1),
                b1,
                w2: Linear::F32(w2),
                b2,
                ln2_w: v(&l.ffn_norm.weight)?,
                ln2_b: v(&l.ffn_norm.bias)?,
            };
            // Quantize layer by layer so at most one layer's f32 copy is alive beside the
            // candle weights (peak memory at load does not grow).
            layer.convert(&c, precision);
            layers.push(layer);
        }
        let e = &enc.embeddings;
        let tt = v(&e.token_type)?;
        let threads = if threads == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        } else {
            threads
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| FastError::Threads(e.to_string()))?;
        Ok(Self {
            word: WordTable::Owned(v(&e.word)?),
            position: v(&e.position)?,
            token_type0: tt.get(..h).unwrap_or_default().to_vec(),
            emb_ln_w: v(&e.norm.weight)?,
            emb_ln_b: v(&e.norm.bias)?,
            layers,
            pool,
            threads,
            precision,
            cpu,
            config: c,
        })
    }

    /// Converts f32 dense layers to `precision` (`Auto` resolved for this CPU); int8 and bf16
    /// drop the f32 matrices. Converting back to f32, or between int8 and bf16, is not possible
    /// (load again).
    pub fn with_precision(mut self, precision: Precision) -> Self {
        let precision = precision.resolve(self.cpu);
        if self.precision == Precision::F32 && precision != Precision::F32 {
            for l in &mut self.layers {
                l.convert(&self.config, precision);
            }
            self.precision = precision;
        }
        self
    }

    /// Precision of the dense layers (never `Auto`).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The int8 kernel in use (`avx512-vnni`, `avx2`, `portable`), whatever the precision.
    pub fn cpu_path(&self) -> CpuPath {
        self.cpu
    }

    /// The kernel the dense layers run on, e.g. `int8 avx512-vnni`, `bf16 avx512-bf16`,
    /// `bf16 f32-widened`, `f32`.
    pub fn kernel(&self) -> String {
        match self.precision {
            Precision::Int8 => format!("int8 {}", self.cpu.name()),
            Precision::Bf16 => format!("bf16 {}", crate::bf16::kernel_name(self.cpu)),
            Precision::F32 | Precision::Auto => "f32".to_string(),
        }
    }

    /// Forces the int8 kernel (tests compare paths in one process; `RHETOR_CPU` sets it for
    /// a run). A path this CPU lacks falls back to the best one it has.
    pub fn set_cpu_path(&mut self, cpu: CpuPath) {
        self.cpu = if cpu.available() {
            cpu
        } else {
            CpuPath::best()
        };
    }

    /// Hyper-parameters.
    pub fn config(&self) -> &BertConfig {
        &self.config
    }

    /// Size of the thread pool.
    pub fn threads(&self) -> usize {
        self.threads
    }

    fn word_row(&self, id: usize, out: &mut [f32]) {
        let h = self.config.hidden_size;
        match &self.word {
            WordTable::Mapped { map, offset, f16 } => {
                let w = if *f16 { 2 } else { 4 };
                let start = offset + id * h * w;
                let Some(bytes) = map.get(start..start + h * w) else {
                    return;
                };
                if *f16 {
                    for (o, c) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                        *o = half::f16::from_le_bytes([c[0], c[1]]).to_f32();
                    }
                } else {
                    for (o, c) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                        *o = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                    }
                }
            }
            WordTable::Owned(v) => {
                if let Some(src) = v.get(id * h..(id + 1) * h) {
                    out.copy_from_slice(src);
                }
            }
        }
    }

    /// Runs the encoder over whole sequences (ids including `[CLS]`/`[SEP]`, no padding).
    /// Returns each token's last-layer state.
    pub fn forward<S: AsRef<[u32]> + Sync>(&self, seqs: &[S]) -> Result<PackedStates, FastError> {
        let h = self.config.hidden_size;
        let mut offsets = Vec::with_capacity(seqs.len() + 1);
        offsets.push(0usize);
        for s in seqs {
            let s = s.as_ref();
            if s.len() > self.config.max_position_embeddings {
                return Err(FastError::Input(format!(
                    "sequence of {} tokens exceeds the model's {} positions",
                    s.len(),
                    self.config.max_position_embeddings
                )));
            }
            if let Some(&bad) = s.iter().find(|&&id| id as usize >= self.config.vocab_size) {
                return Err(FastError::Input(format!(
                    "token id {bad} outside the vocabulary of {}",
                    self.config.vocab_size
                )));
            }
            offsets.push(offsets.last().copied().unwrap_or(0) + s.len());
        }
        let total = offsets.last().copied().unwrap_or(0);
        if total == 0 {
            return Ok(PackedStates {
                data: vec![],
                hidden: h,
                offsets,
            });
        }
        let data = self.pool.install(|| self.run_split(seqs, &offsets, total));
        Ok(PackedStates {
            data,
            hidden: h,
            offsets,
        })
    }

    /// Splits the sequences into groups balanced by token count, a multiple of the thread count
    /// of them and none over [`GROUP_TOKENS`] tokens, and encodes the groups independently, each
    /// single-threaded: no synchronisation inside the forward pass, which scales better on a
    /// few cores than splitting every matrix product. The cap bounds the working buffers
    /// (about 14 KB per token in flight for MiniLM) whatever the batch: many articles' windows
    /// can go in one call without raising peak memory. Falls back to splitting the products
    /// when there are fewer sequences than threads (or when `RHETOR_ENCODER_SPLIT=ops`).
    fn run_split<S: AsRef<[u32]> + Sync>(
        &self,
        seqs: &[S],
        offsets: &[usize],
        total: usize,
    ) -> Vec<f32> {
        let t = self.threads.max(1);
        let by_ops = std::env::var("RHETOR_ENCODER_SPLIT").as_deref() == Ok("ops");
        if (t > 1 && seqs.len() < t) || by_ops || (t == 1 && total <= GROUP_TOKENS) {
            return self.forward_packed(seqs, offsets, total, t);
        }
        let groups = token_groups(offsets, t * total.div_ceil(t * GROUP_TOKENS));
        let run = |&(a, b): &(usize, usize)| {
            let sub = seqs.get(a..b).unwrap_or_default();
            let base = offsets.get(a).copied().unwrap_or(0);
            let offs: Vec<usize> = offsets
                .get(a..=b)
                .unwrap_or_default()
                .iter()
                .map(|o| o - base)
                .collect();
            let n = offs.last().copied().unwrap_or(0);
            if n == 0 {
                vec![]
            } else {
                self.forward_packed(sub, &offs, n, 1)
            }
        };
        let parts: Vec<Vec<f32>> = if t == 1 {
            groups.iter().map(run).collect()
        } else {
            groups.par_iter().map(run).collect()
        };
        parts.concat()
    }

    fn forward_packed<S: AsRef<[u32]> + Sync>(
        &self,
        seqs: &[S],
        offsets: &[usize],
        total: usize,
        threads: usize,
    ) -> Vec<f32> {
        let c = &self.config;
        let h = c.hidden_size;
        let inter = c.intermediate_size;
        let eps = c.layer_norm_eps as f32;
        let simd = Simd::detect();
        let cpu = self.cpu;

        // Embeddings.
        let mut x = vec![0f32; total * h];
        {
            let mut rows = x.chunks_exact_mut(h);
            for s in seqs {
                for (p, &id) in s.as_ref().iter().enumerate() {
                    if let Some(row) = rows.next() {
                        self.word_row(id as usize, row);
                        let pos = self.position.get(p * h..(p + 1) * h).unwrap_or_default();
                        for ((r, a), b) in row.iter_mut().zip(pos).zip(&self.token_type0) {
                            *r += a + b;
                        }
                    }
                }
            }
        }
        layer_norm_rows(
            simd,
            &mut x,
            h,
            &self.emb_ln_w,
            &self.emb_ln_b,
            eps,
            threads > 1,
        );

        let mut qkv = vec![0f32; total * 3 * h];
        let mut ctx = vec![0f32; total * h];
        let mut ffn = vec![0f32; total * inter];
        let nh = c.num_attention_heads;
        let hd = c.head_dim();
        let scale = 1.0 / (hd as f32).sqrt();
        let par = threads;
        let p = threads > 1;
        for l in &self.layers {
            // qkv = x Wqkv + b
            let (set, acc) = ((true, false), (false, false));
            let wqkv = (total, h, 3 * h);
            l.wqkv
                .matmul_bias(cpu, simd, &mut qkv, &x, wqkv, par, &l.bqkv, set);
            attention(simd, &qkv, &mut ctx, offsets, nh, hd, scale, p);
            // x = LN(x + ctx Wo + bo): accumulate onto the residual.
            let wo = (total, h, h);
            l.wo.matmul_bias(cpu, simd, &mut x, &ctx, wo, par, &l.bo, acc);
            layer_norm_rows(simd, &mut x, h, &l.ln1_w, &l.ln1_b, eps, p);
            // x = LN(x + gelu(x W1 + b1) W2 + b2)
            let w1 = (total, h, inter);
            l.w1.matmul_bias(cpu, simd, &mut ffn, &x, w1, par, &l.b1, (true, true));
            let w2 = (total, inter, h);
            l.w2.matmul_bias(cpu, simd, &mut x, &ffn, w2, par, &l.b2, acc);
            layer_norm_rows(simd, &mut x, h, &l.ln2_w, &l.ln2_b, eps, p);
        }
        x
    }
}

/// Most tokens one single-threaded group of [`FastEncoder::forward`] encodes at once. Its
/// working buffers take about 14 KB per token for MiniLM (7 MB per thread at 512). Before this
/// cap one call encoded all its sequences at once, so a long article (3,000 pieces: 42 MB)
/// set the process's peak memory: this was most of `analyze`'s growth in resident memory over
/// a run. Measured on 300 BASIL articles (2 threads, int8, `analyze` groups of 8,000 bytes):
/// caps of 256 / 384 / 512 / 1,024 peaked at 187 / 191 / 192 / 206 MB (217 MB uncapped),
/// speed the same within noise; the products already have hundreds of rows at 512.
pub const GROUP_TOKENS: usize = 512;

/// Contiguous runs of whole sequences (`offsets` are the packed start of each sequence and the
/// total last) cut into `n` groups of about equal tokens: `(first, end)` sequence ranges,
/// empty ones dropped.
fn token_groups(offsets: &[usize], n: usize) -> Vec<(usize, usize)> {
    let seqs = offsets.len().saturating_sub(1);
    let total = offsets.last().copied().unwrap_or(0);
    let n = n.max(1);
    let mut cuts = vec![0usize];
    for g in 1..n {
        let target = total * g / n;
        let i = offsets.partition_point(|&o| o < target).min(seqs);
        let last = cuts.last().copied().unwrap_or(0);
        cuts.push(i.max(last));
    }
    cuts.push(seqs);
    cuts.windows(2)
        .map(|w| (w[0], w[1]))
        .filter(|(a, b)| b > a)
        .collect()
}

/// Runs `f` over `chunk`-sized blocks of `dst`, on the rayon pool when `par`.
fn blocks<F: Fn(&mut [f32]) + Sync + Send>(dst: &mut [f32], chunk: usize, par: bool, f: F) {
    let chunk = chunk.max(1);
    if par {
        dst.par_chunks_mut(chunk).for_each(f);
    } else {
        dst.chunks_mut(chunk).for_each(f);
    }
}

/// Every row of `dst` (row width = `row.len()`) set to `row`.
fn fill_rows(dst: &mut [f32], row: &[f32], par: bool) {
    blocks(dst, row.len().max(1) * 64, par, |block| {
        for r in block.chunks_exact_mut(row.len().max(1)) {
            r.copy_from_slice(row);
        }
    });
}

/// Adds `row` to every row of `dst`.
fn add_rows(dst: &mut [f32], row: &[f32], par: bool) {
    blocks(dst, row.len().max(1) * 64, par, |block| {
        for r in block.chunks_exact_mut(row.len().max(1)) {
            for (a, b) in r.iter_mut().zip(row) {
                *a += *b;
            }
        }
    });
}

/// `dst[m, n] += a[m, k] * b[k, n]`, all row-major, on the current rayon pool.
pub fn matmul_acc(
    dst: &mut [f32],
    a: &[f32],
    b: &[f32],
    m: usize,
    k: usize,
    n: usize,
    threads: usize,
) {
    if dst.len() < m * n || a.len() < m * k || b.len() < k * n || m == 0 {
        return;
    }
    let par = if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the lengths were checked above; strides describe contiguous row-major matrices
    // within those lengths; dst does not alias a or b (distinct borrows).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            true,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            par,
        );
    }
}

/// Which vector instructions the element-wise kernels may use.
#[derive(Clone, Copy)]
enum Simd {
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Plain,
}

impl Simd {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if CpuPath::detect() != CpuPath::Portable
                && std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Simd::Avx2;
            }
        }
        Simd::Plain
    }
}

fn layer_norm_rows(simd: Simd, x: &mut [f32], h: usize, w: &[f32], b: &[f32], eps: f32, par: bool) {
    blocks(x, h * 32, par, |block| match simd {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: only chosen when the CPU reports avx2 and fma.
        Simd::Avx2 => unsafe { layer_norm_avx2(block, h, w, b, eps) },
        Simd::Plain => layer_norm_generic(block, h, w, b, eps),
    });
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn layer_norm_avx2(x: &mut [f32], h: usize, w: &[f32], b: &[f32], eps: f32) {
    layer_norm_generic(x, h, w, b, eps)
}

/// The largest value of `v` (`-inf` when empty), in 8 lanes: a plain `fold(f32::max)` compares
/// one value at a time, and it was the slowest part of the attention's softmax.
#[inline(always)]
fn max8(v: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 8];
    let mut it = v.chunks_exact(8);
    for c in &mut it {
        for l in 0..8 {
            acc[l] = if c[l] > acc[l] { c[l] } else { acc[l] };
        }
    }
    let mut m = f32::NEG_INFINITY;
    for &x in acc.iter().chain(it.remainder()) {
        if x > m {
            m = x;
        }
    }
    m
}

#[inline(always)]
fn sum8(v: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let mut it = v.chunks_exact(8);
    for c in &mut it {
        for l in 0..8 {
            acc[l] += c[l];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for r in it.remainder() {
        s += r;
    }
    s
}

#[inline(always)]
fn layer_norm_generic(x: &mut [f32], h: usize, w: &[f32], b: &[f32], eps: f32) {
    let inv_h = 1.0 / h as f32;
    for row in x.chunks_exact_mut(h) {
        let mean = sum8(row) * inv_h;
        let mut acc = [0f32; 8];
        let mut it = row.chunks_exact(8);
        for c in &mut it {
            for l in 0..8 {
                let d = c[l] - mean;
                acc[l] += d * d;
            }
        }
        let mut var: f32 = acc.iter().sum();
        for r in it.remainder() {
            var += (r - mean) * (r - mean);
        }
        let inv = 1.0 / (var * inv_h + eps).sqrt();
        for ((v, g), bb) in row.iter_mut().zip(w).zip(b) {
            *v = (*v - mean) * inv * g + bb;
        }
    }
}

fn gelu_inplace(simd: Simd, x: &mut [f32], par: bool) {
    blocks(x, 16 * 1024, par, |block| match simd {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: only chosen when the CPU reports avx2 and fma.
        Simd::Avx2 => unsafe { gelu_avx2(block) },
        Simd::Plain => gelu_generic(block),
    });
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gelu_avx2(x: &mut [f32]) {
    gelu_generic(x)
}

#[inline(always)]
pub(crate) fn gelu_generic(x: &mut [f32]) {
    for v in x.iter_mut() {
        let a = *v;
        *v = 0.5 * a * (1.0 + erf(a * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// Single-precision erf as a rational polynomial (branch-free, so it vectorises); max error a
/// few ulp on `[-4, 4]`, outside which erf is ±1 in f32. Coefficients: Eigen's
/// `generic_fast_erf_float`.
#[inline(always)]
pub(crate) fn erf(a: f32) -> f32 {
    let x = a.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_3e-10 + 2.770_681_4e-8;
    p = x2 * p + -2.101_024e-6;
    p = x2 * p + -5.692_506_4e-5;
    p = x2 * p + -7.349_906_3e-4;
    p = x2 * p + -2.954_6e-3;
    p = x2 * p + -1.609_603_3e-2;
    p *= x;
    let mut q = x2 * -1.456_607_2e-5 + -2.133_740_6e-4;
    q = x2 * q + -1.682_827e-3;
    q = x2 * q + -7.373_329e-3;
    q = x2 * q + -1.426_474e-2;
    p / q
}

/// `e^x` for `x <= 0` (softmax after subtracting the maximum), branch-free so it vectorises:
/// `2^n * p(r)` with `x = n ln2 + r`, `|r| <= ln2/2`, `p` a degree-6 Taylor polynomial
/// (relative error below 2e-7). Inputs below -87 give about 0.
#[inline(always)]
pub(crate) fn exp_nonpos(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let x = x.clamp(-87.0, 0.0);
    let n = (x * LOG2E + 0.5).floor();
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // n is in [-126, 0]: a valid normal exponent. Its biased value n + 127 is read from the
    // mantissa of 2^23 + n + 127 (exact: an integer below 2^23), not through `as i32`, whose
    // saturating conversion is scalar: the softmax's exponentials ran one at a time
    // (`perf annotate` of the attention). Same bits as the conversion.
    let biased = (n + (127.0 + 8_388_608.0)).to_bits() & 0x7f_ffff;
    p * f32::from_bits(biased << 23)
}

/// Self-attention per sequence and head over packed `qkv` rows `[q | k | v]`, writing `ctx`.
#[allow(clippy::too_many_arguments)] // all are needed; a struct would only rename them
fn attention(
    simd: Simd,
    qkv: &[f32],
    ctx: &mut [f32],
    offsets: &[usize],
    nh: usize,
    hd: usize,
    scale: f32,
    par: bool,
) {
    let h = nh * hd;
    // Split ctx into one mutable block per sequence.
    let mut seq_blocks: Vec<(usize, &mut [f32])> = Vec::with_capacity(offsets.len());
    let mut rest = ctx;
    for w in offsets.windows(2) {
        let n = w[1] - w[0];
        let (a, b) = rest.split_at_mut(n * h);
        seq_blocks.push((w[0], a));
        rest = b;
    }
    let run = |(start, out): (usize, &mut [f32])| {
        let len = out.len() / h.max(1);
        let rows = qkv
            .get(start * 3 * h..(start + len) * 3 * h)
            .unwrap_or_default();
        if len >= ATTENTION_GEMM_MIN {
            return match simd {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: only chosen when the CPU reports avx2 and fma.
                Simd::Avx2 => unsafe { attend_gemm_avx2(rows, out, len, nh, hd, scale) },
                Simd::Plain => attend_gemm(rows, out, len, nh, hd, scale),
            };
        }
        match simd {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: only chosen when the CPU reports avx2 and fma.
            Simd::Avx2 => unsafe { attend_avx2(rows, out, len, nh, hd, scale) },
            Simd::Plain => attend_generic(rows, out, len, nh, hd, scale),
        }
    };
    if par {
        seq_blocks.into_par_iter().for_each(run);
    } else {
        seq_blocks.into_iter().for_each(run);
    }
}

/// Sequences from this length on run attention as matrix products ([`attend_gemm`]); below it
/// the loops of [`attend_generic`] cost less than the products' set-up.
const ATTENTION_GEMM_MIN: usize = 24;

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn attend_gemm_avx2(
    rows: &[f32],
    out: &mut [f32],
    len: usize,
    nh: usize,
    hd: usize,
    scale: f32,
) {
    attend_gemm(rows, out, len, nh, hd, scale)
}

/// Attention of one sequence as blocked matrix products, per head: `S = scale · Q Kᵀ` (the
/// `gemm` crate reads Q, K and V in place inside the packed `[q | k | v]` rows through strides),
/// a row-wise softmax, `ctx = P V` written straight into the head's columns of `out`.
#[inline(always)]
fn attend_gemm(rows: &[f32], out: &mut [f32], len: usize, nh: usize, hd: usize, scale: f32) {
    let h = nh * hd;
    let w3 = 3 * h;
    if rows.len() < len * w3 || out.len() < len * h || len == 0 {
        return;
    }
    let mut scores = vec![0f32; len * len];
    for head in 0..nh {
        let q = rows[head * hd..].as_ptr();
        let k = rows[h + head * hd..].as_ptr();
        let v = rows[2 * h + head * hd..].as_ptr();
        // SAFETY: every index the strides describe lies inside `rows` (len rows of w3 values,
        // columns head*hd.. + hd within each third) and `scores` (len x len); `out`'s head
        // columns likewise; no aliasing between the destination and the operands.
        unsafe {
            gemm::gemm(
                len,
                len,
                hd,
                scores.as_mut_ptr(),
                1,
                len as isize,
                false,
                q,
                1,
                w3 as isize,
                k,
                w3 as isize,
                1,
                0.0f32,
                scale,
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
        for row in scores.chunks_exact_mut(len) {
            let max = max8(row);
            for s in row.iter_mut() {
                *s = exp_nonpos(*s - max);
            }
            let inv = 1.0 / sum8(row);
            for s in row.iter_mut() {
                *s *= inv;
            }
        }
        // SAFETY: as above; `out` rows have stride h, the head's hd columns start at head*hd.
        unsafe {
            gemm::gemm(
                len,
                hd,
                len,
                out[head * hd..].as_mut_ptr(),
                1,
                h as isize,
                false,
                scores.as_ptr(),
                1,
                len as isize,
                v,
                1,
                w3 as isize,
                0.0f32,
                1.0f32,
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn attend_avx2(rows: &[f32], out: &mut [f32], len: usize, nh: usize, hd: usize, scale: f32) {
    attend_generic(rows, out, len, nh, hd, scale)
}

#[inline(always)]
fn dot8(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let mut ia = a.chunks_exact(8);
    let mut ib = b.chunks_exact(8);
    for (ca, cb) in (&mut ia).zip(&mut ib) {
        for l in 0..8 {
            acc[l] += ca[l] * cb[l];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ia.remainder().iter().zip(ib.remainder()) {
        s += x * y;
    }
    s
}

#[inline(always)]
fn attend_generic(rows: &[f32], out: &mut [f32], len: usize, nh: usize, hd: usize, scale: f32) {
    let h = nh * hd;
    let w3 = 3 * h;
    let mut scores = vec![0f32; len];
    out.iter_mut().for_each(|v| *v = 0.0);
    for head in 0..nh {
        let qo = head * hd;
        let ko = h + head * hd;
        let vo = 2 * h + head * hd;
        for i in 0..len {
            let q = rows.get(i * w3 + qo..i * w3 + qo + hd).unwrap_or_default();
            for (j, s) in scores.iter_mut().enumerate() {
                let k = rows.get(j * w3 + ko..j * w3 + ko + hd).unwrap_or_default();
                *s = dot8(q, k) * scale;
            }
            let max = max8(&scores);
            for s in scores.iter_mut() {
                *s = exp_nonpos(*s - max);
            }
            let sum = sum8(&scores);
            let inv = 1.0 / sum;
            let o = out.get_mut(i * h + qo..i * h + qo + hd).unwrap_or_default();
            for (j, &p) in scores.iter().enumerate() {
                let v = rows.get(j * w3 + vo..j * w3 + vo + hd).unwrap_or_default();
                let p = p * inv;
                for (a, b) in o.iter_mut().zip(v) {
                    *a += p * b;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// erf by its Taylor series in f64 (converges well for |x| <= 4).
    fn erf_ref(x: f64) -> f64 {
        let mut sum = 0.0;
        let mut term = x;
        let mut n = 0.0;
        while term.abs() > 1e-17 || n < 5.0 {
            sum += term / (2.0 * n + 1.0);
            n += 1.0;
            term *= -x * x / n;
            if n > 200.0 {
                break;
            }
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }

    #[test]
    fn token_groups_cover_every_sequence_once_in_order() {
        // Sequence lengths with one long one among short ones, and edge cases.
        for lens in [
            vec![5usize, 7, 3, 128, 2, 2, 9, 40, 1, 1],
            vec![128; 9],
            vec![3],
            vec![],
        ] {
            let mut offsets = vec![0usize];
            for l in &lens {
                offsets.push(offsets.last().unwrap() + l);
            }
            for n in 1..=12 {
                let g = token_groups(&offsets, n);
                let mut next = 0;
                for &(a, b) in &g {
                    assert_eq!(a, next, "{lens:?} n={n}: groups are contiguous");
                    assert!(b > a, "no empty group");
                    next = b;
                }
                assert_eq!(next, lens.len(), "{lens:?} n={n}: every sequence once");
                assert!(g.len() <= n.max(1));
            }
        }
        // Balanced by tokens: 8 equal sequences in 2 groups are 4 + 4.
        let offsets: Vec<usize> = (0..=8).map(|i| i * 100).collect();
        assert_eq!(token_groups(&offsets, 2), vec![(0, 4), (4, 8)]);
    }

    #[test]
    fn erf_is_accurate() {
        let mut worst = 0f64;
        for i in -4000..=4000 {
            let x = i as f64 / 1000.0;
            let d = (erf(x as f32) as f64 - erf_ref(x)).abs();
            worst = worst.max(d);
        }
        assert!(worst < 1e-6, "worst erf error {worst}");
        assert_eq!(erf(10.0), erf(4.0));
        assert!((erf(4.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn exp_is_accurate() {
        let mut worst = 0f64;
        for i in 0..=87_000 {
            let x = -(i as f32) / 1000.0;
            let want = (x as f64).exp();
            let got = exp_nonpos(x) as f64;
            worst = worst.max((got - want).abs() / want);
        }
        assert!(worst < 1e-6, "worst relative exp error {worst}");
        assert!(exp_nonpos(-1000.0) < 1e-37);
        assert_eq!(exp_nonpos(0.0), 1.0);
        assert_eq!(max8(&[]), f32::NEG_INFINITY);
        let v: Vec<f32> = (0..21).map(|i| ((i * 7) % 13) as f32 - 6.5).collect();
        assert_eq!(
            max8(&v),
            v.iter().copied().fold(f32::NEG_INFINITY, f32::max)
        );
    }

    #[test]
    fn attention_products_match_loops() {
        let (nh, hd) = (3, 8);
        for len in [1, 5, 24, 41] {
            let rows: Vec<f32> = (0..len * 3 * nh * hd)
                .map(|i| (i as f32 * 0.173).sin() * 1.5)
                .collect();
            let mut a = vec![0f32; len * nh * hd];
            let mut b = vec![7f32; len * nh * hd];
            attend_generic(&rows, &mut a, len, nh, hd, 0.35);
            attend_gemm(&rows, &mut b, len, nh, hd, 0.35);
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 1e-5, "len {len}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn matmul_matches_naive() {
        let (m, k, n) = (7, 5, 3);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        let mut d = vec![1f32; m * n];
        matmul_acc(&mut d, &a, &b, m, k, n, 1);
        for i in 0..m {
            for j in 0..n {
                let want: f32 = 1.0 + (0..k).map(|t| a[i * k + t] * b[t * n + j]).sum::<f32>();
                assert!((d[i * n + j] - want).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn matches_candle_encoder_on_random_weights() {
        use candle_core::{DType, Device, Tensor};
        use candle_nn::{VarBuilder, VarMap};
        let vm = VarMap::new();
        let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
        let cfg = BertConfig {
            vocab_size: 50,
            hidden_size: 16,
            num_hidden_layers: 2,
            num_attention_heads: 4,
            intermediate_size: 32,
            max_position_embeddings: 20,
            ..BertConfig::minilm_l6()
        };
        let enc = crate::Encoder::new(vb, cfg).unwrap();
        let fast = FastEncoder::from_encoder(&enc, 2).unwrap();
        let seqs = vec![vec![1u32, 5, 7, 2], vec![1, 9, 11, 13, 17, 2], vec![1, 2]];
        let packed = fast.forward(&seqs).unwrap();
        // Padded candle forward for comparison.
        let s = 6;
        let mut ids = vec![];
        let mut mask = vec![];
        for q in &seqs {
            for p in 0..s {
                ids.push(*q.get(p).unwrap_or(&0));
                mask.push(u32::from(p < q.len()));
            }
        }
        let ids = Tensor::from_vec(ids, (3, s), &Device::Cpu).unwrap();
        let mask = Tensor::from_vec(mask, (3, s), &Device::Cpu).unwrap();
        let out = enc.forward(&ids, &mask, crate::Mode::Infer).unwrap();
        let out: Vec<Vec<Vec<f32>>> = out.to_vec3().unwrap();
        for (i, q) in seqs.iter().enumerate() {
            let got = packed.sequence(i).unwrap();
            for p in 0..q.len() {
                for d in 0..16 {
                    let a = got[p * 16 + d];
                    let b = out[i][p][d];
                    assert!((a - b).abs() < 1e-4, "seq {i} pos {p} dim {d}: {a} vs {b}");
                }
            }
        }
        // Splitting the products instead of the sequences gives the same states.
        let by_ops = fast.pool.install(|| {
            fast.forward_packed(&seqs, &packed.offsets, *packed.offsets.last().unwrap(), 2)
        });
        for (a, b) in by_ops.iter().zip(&packed.data) {
            assert!((a - b).abs() < 1e-5);
        }
        assert_eq!(by_ops.len(), packed.data.len());
        assert!(fast.forward(&[vec![1u32, 99]]).is_err());
        assert!(fast.forward::<Vec<u32>>(&[]).unwrap().is_empty());
    }
}
