//! Int8 linear layers for the inference encoder, with run-time CPU dispatch.
//!
//! Weights are quantized symmetrically **per output channel** when the model is loaded
//! (`w ≈ q · s_o`, `q ∈ [-127, 127]`); activations **per token** (row) just before each product
//! (`a ≈ p · s_t`). The product is accumulated exactly in `i32` and scaled back:
//! `y[t, o] += (Σ_k p[t, k] q[k, o]) · s_t · s_o`.
//!
//! Three kernels compute the *same integers*, so every path gives bit-identical results (the
//! float epilogue is one shared scalar function):
//! - **AVX-512 VNNI** (`vpdpbusd`: 64 u8×i8 products per instruction). `vpdpbusd` multiplies
//!   *unsigned* activations by signed weights, so activations are stored as `p + 128` and
//!   `128 · Σ_k q[k, o]` (precomputed per channel) is subtracted afterwards.
//! - **AVX2**: weights sign-extended to i16 and `vpmaddwd` (exact, no saturation; about the
//!   speed of the f32 path, so `auto` keeps f32 on CPUs without VNNI).
//! - **portable**: plain integer loops.
//!
//! `RHETOR_CPU=avx2|portable` forces a slower path (tests, bit-stable output across machines).
//!
//! Packed weight layout (shared by all kernels): output channels in blocks of 16, inputs in
//! groups of 4; for block `b` and group `g` the 64 bytes at `(b · kq + g) · 64` hold
//! `[o0: k0 k1 k2 k3, o1: k0..k3, …, o15: k0..k3]` (one `zmm` register, `vpdpbusd`'s layout).

use rayon::prelude::*;

/// Numeric precision of the encoder's linear layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Precision {
    /// The fastest precision measured within the accuracy bounds on this CPU (int8 where the
    /// CPU has VNNI, f32 otherwise).
    #[default]
    Auto,
    /// Full precision.
    F32,
    /// Int8 weights (per output channel) and activations (per token), i32 accumulation.
    Int8,
    /// Bf16 weights and activations, f32 accumulation (`crate::bf16`): AVX-512 BF16 where the
    /// CPU has it, the weights widened to f32 otherwise.
    Bf16,
}

impl Precision {
    /// The precision actually used on `cpu`.
    pub fn resolve(self, cpu: CpuPath) -> Precision {
        match self {
            Precision::Auto => match cpu {
                // Measured (docs/benchmarks.md): int8 beats f32 only with VNNI.
                CpuPath::Avx512Vnni => Precision::Int8,
                CpuPath::Avx2 | CpuPath::Portable => Precision::F32,
            },
            p => p,
        }
    }

    /// Name as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Auto => "auto",
            Precision::F32 => "f32",
            Precision::Int8 => "int8",
            Precision::Bf16 => "bf16",
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Precision::Auto),
            "f32" | "fp32" => Ok(Precision::F32),
            "int8" | "i8" => Ok(Precision::Int8),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            other => Err(format!(
                "unknown precision {other:?} (expected auto, f32, int8 or bf16)"
            )),
        }
    }
}

/// Which int8 kernel runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CpuPath {
    /// AVX-512 F/BW + VNNI.
    Avx512Vnni,
    /// AVX2 (i16 multiply-add).
    Avx2,
    /// No SIMD intrinsics.
    Portable,
}

impl CpuPath {
    /// The best path this CPU supports, ignoring `RHETOR_CPU`.
    pub fn best() -> CpuPath {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
                && std::arch::is_x86_feature_detected!("avx512vnni")
            {
                return CpuPath::Avx512Vnni;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return CpuPath::Avx2;
            }
        }
        CpuPath::Portable
    }

    /// The path to use: [`best`](Self::best), lowered by `RHETOR_CPU=avx2|portable` (a request
    /// for a path the CPU lacks falls back to the best one below it).
    pub fn detect() -> CpuPath {
        let best = Self::best();
        match std::env::var("RHETOR_CPU").ok().as_deref() {
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "portable" | "generic" | "scalar" => CpuPath::Portable,
                "avx2" => best.min_with(CpuPath::Avx2),
                _ => best,
            },
            None => best,
        }
    }

    fn rank(self) -> u8 {
        match self {
            CpuPath::Portable => 0,
            CpuPath::Avx2 => 1,
            CpuPath::Avx512Vnni => 2,
        }
    }

    fn min_with(self, other: CpuPath) -> CpuPath {
        if other.rank() < self.rank() {
            other
        } else {
            self
        }
    }

    /// Whether this CPU can run `self` (tests call kernels directly).
    pub fn available(self) -> bool {
        self.rank() <= Self::best().rank()
    }

    /// Short name (`avx512-vnni`, `avx2`, `portable`).
    pub fn name(self) -> &'static str {
        match self {
            CpuPath::Avx512Vnni => "avx512-vnni",
            CpuPath::Avx2 => "avx2",
            CpuPath::Portable => "portable",
        }
    }
}

const BLOCK: usize = 16; // output channels per block
const PANEL: usize = 4; // blocks per VNNI tile (64 outputs)

/// A `[k, n]` weight matrix (inputs × outputs) quantized per output channel.
pub struct QMatrix {
    k: usize,
    n: usize,
    /// Groups of 4 inputs (`k` rounded up).
    kq: usize,
    /// Blocks of 16 outputs (`n` rounded up).
    nb: usize,
    data: Vec<i8>,
    /// Per output channel (padded to `nb · 16`).
    scale: Vec<f32>,
    /// `128 · Σ_k q[k, o]` (the VNNI path's correction for unsigned activations).
    shift: Vec<i32>,
}

impl QMatrix {
    /// Quantizes a row-major `[k, n]` f32 matrix (`w[i * n + o]`: input `i`, output `o`).
    pub fn quantize(w: &[f32], k: usize, n: usize) -> QMatrix {
        let kq = k.div_ceil(4);
        let nb = n.div_ceil(BLOCK);
        let mut scale = vec![0f32; nb * BLOCK];
        for row in w.chunks_exact(n.max(1)).take(k) {
            for (s, v) in scale.iter_mut().zip(row) {
                *s = s.max(v.abs());
            }
        }
        scale.iter_mut().for_each(|s| *s /= 127.0);
        let mut data = vec![0i8; nb * kq * 64];
        let mut shift = vec![0i32; nb * BLOCK];
        let inv: Vec<f32> = scale
            .iter()
            .map(|&s| if s > 0.0 { 1.0 / s } else { 0.0 })
            .collect();
        for (i, row) in w.chunks_exact(n.max(1)).take(k).enumerate() {
            let (g, kg) = (i / 4, i % 4);
            for (o, (&v, &r)) in row.iter().zip(&inv).enumerate() {
                let q = round_q(v * r) as i8;
                let (b, ob) = (o / BLOCK, o % BLOCK);
                if let Some(d) = data.get_mut((b * kq + g) * 64 + ob * 4 + kg) {
                    *d = q;
                }
                shift[o] += 128 * i32::from(q);
            }
        }
        QMatrix {
            k,
            n,
            kq,
            nb,
            data,
            scale,
            shift,
        }
    }

    /// Inputs.
    pub fn rows(&self) -> usize {
        self.k
    }

    /// Outputs.
    pub fn cols(&self) -> usize {
        self.n
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.data.len() + 8 * self.scale.len()
    }

    /// The dequantized weight `w[i, o]` (tests).
    pub fn dequantized(&self, i: usize, o: usize) -> f32 {
        let (b, ob) = (o / BLOCK, o % BLOCK);
        let (g, kg) = (i / 4, i % 4);
        let q = self
            .data
            .get((b * self.kq + g) * 64 + ob * 4 + kg)
            .copied()
            .unwrap_or(0);
        f32::from(q) * self.scale.get(o).copied().unwrap_or(0.0)
    }

    /// `dst[m, n] += a[m, k] · W`, activations quantized per row; rows split over the current
    /// rayon pool when `threads > 1`.
    pub fn matmul_acc(&self, path: CpuPath, dst: &mut [f32], a: &[f32], m: usize, threads: usize) {
        self.matmul_with(path, dst, a, m, threads, Epi::Acc(None));
    }

    /// `dst[m, n] = (dst + bias) + a[m, k] · W` row by row when `set` is false (a residual:
    /// the same rounding as adding `bias` first and then the product), or `dst = a · W + bias`,
    /// through GELU when `gelu`, when `set` is true (`dst` is not read). Fusing the bias and
    /// the activation into the product's epilogue spares whole passes over buffers larger than
    /// the cache (a bias fill, a bias add, a GELU pass per layer); the results are the same
    /// bits as the separate passes.
    #[allow(clippy::too_many_arguments)] // all are needed; a struct would only rename them
    pub fn matmul_bias(
        &self,
        path: CpuPath,
        dst: &mut [f32],
        a: &[f32],
        m: usize,
        threads: usize,
        bias: &[f32],
        set: bool,
        gelu: bool,
    ) {
        if bias.len() < self.n {
            return;
        }
        let epi = match (set, gelu) {
            (false, _) => Epi::Acc(Some(bias)),
            (true, false) => Epi::Set(bias),
            (true, true) => Epi::SetGelu(bias),
        };
        self.matmul_with(path, dst, a, m, threads, epi);
    }

    fn matmul_with(
        &self,
        path: CpuPath,
        dst: &mut [f32],
        a: &[f32],
        m: usize,
        threads: usize,
        epi: Epi<'_>,
    ) {
        let (k, n) = (self.k, self.n);
        if m == 0 || dst.len() < m * n || a.len() < m * k {
            return;
        }
        let path = if path.available() {
            path
        } else {
            CpuPath::best()
        };
        let lda = self.kq * 4;
        let acts = quantize_rows(path, a, m, k, lda);
        let rows_per = if threads > 1 {
            m.div_ceil(threads * 2).div_ceil(4).max(1) * 4
        } else {
            m
        };
        let run = |(ci, d): (usize, &mut [f32])| {
            let r0 = ci * rows_per;
            let rows = d.len() / n;
            self.rows_into(path, &acts, r0, rows, d, epi);
        };
        let dst = &mut dst[..m * n];
        if threads > 1 && m > rows_per {
            dst.par_chunks_mut(rows_per * n).enumerate().for_each(run);
        } else {
            run((0, dst));
        }
    }

    /// Rows `r0..r0 + rows` of the product, accumulated into `d` (`rows × n`). The epilogue is
    /// compiled for the path's vector width (same IEEE operations, so the same results).
    fn rows_into(
        &self,
        path: CpuPath,
        acts: &Acts,
        r0: usize,
        rows: usize,
        d: &mut [f32],
        epi: Epi<'_>,
    ) {
        match path {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `path` is available on this CPU (checked in `matmul_acc`).
            CpuPath::Avx512Vnni => unsafe { self.rows_into_avx512(path, acts, r0, rows, d, epi) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            CpuPath::Avx2 => unsafe { self.rows_into_avx2(path, acts, r0, rows, d, epi) },
            _ => self.rows_into_body(path, acts, r0, rows, d, epi),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn rows_into_avx512(
        &self,
        path: CpuPath,
        acts: &Acts,
        r0: usize,
        rows: usize,
        d: &mut [f32],
        epi: Epi<'_>,
    ) {
        self.rows_into_body(path, acts, r0, rows, d, epi)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn rows_into_avx2(
        &self,
        path: CpuPath,
        acts: &Acts,
        r0: usize,
        rows: usize,
        d: &mut [f32],
        epi: Epi<'_>,
    ) {
        self.rows_into_body(path, acts, r0, rows, d, epi)
    }

    #[inline(always)]
    fn rows_into_body(
        &self,
        path: CpuPath,
        acts: &Acts,
        r0: usize,
        rows: usize,
        d: &mut [f32],
        epi: Epi<'_>,
    ) {
        let mut tile = [[0i32; BLOCK * PANEL]; 4];
        let mut b0 = 0;
        while b0 < self.nb {
            let nblk = (self.nb - b0).min(PANEL);
            let mut r = 0;
            while r < rows {
                let mr = match path {
                    CpuPath::Avx2 => (rows - r).min(2),
                    _ => (rows - r).min(4),
                };
                self.tile(path, acts, r0 + r, mr, b0, nblk, &mut tile);
                let comp = matches!(acts, Acts::U8 { .. });
                for (t, row_acc) in tile.iter().enumerate().take(mr) {
                    let sa = acts.scale(r0 + r + t);
                    let o0 = b0 * BLOCK;
                    let o1 = (o0 + nblk * BLOCK).min(self.n);
                    let out = &mut d[(r + t) * self.n + o0..(r + t) * self.n + o1];
                    let acc = &row_acc[..o1 - o0];
                    let (scale, shift) = (&self.scale[o0..o1], comp.then(|| &self.shift[o0..o1]));
                    match epi {
                        Epi::Acc(None) => epilogue(out, acc, scale, shift, sa),
                        Epi::Acc(Some(b)) => {
                            for (o, &bv) in out.iter_mut().zip(&b[o0..o1]) {
                                *o += bv;
                            }
                            epilogue(out, acc, scale, shift, sa);
                        }
                        Epi::Set(b) | Epi::SetGelu(b) => {
                            out.copy_from_slice(&b[o0..o1]);
                            epilogue(out, acc, scale, shift, sa);
                            if matches!(epi, Epi::SetGelu(_)) {
                                crate::fast::gelu_generic(out);
                            }
                        }
                    }
                }
                r += mr;
            }
            b0 += nblk;
        }
    }

    /// Integer accumulators of rows `row..row + mr` × blocks `b0..b0 + nblk` into `tile`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn tile(
        &self,
        path: CpuPath,
        acts: &Acts,
        row: usize,
        mr: usize,
        b0: usize,
        nblk: usize,
        tile: &mut [[i32; BLOCK * PANEL]; 4],
    ) {
        let kq = self.kq;
        let w = &self.data[b0 * kq * 64..(b0 + nblk) * kq * 64];
        match (path, acts) {
            #[cfg(target_arch = "x86_64")]
            (CpuPath::Avx512Vnni, Acts::U8 { q, lda, .. }) => {
                let a = &q[row * lda..(row + mr) * lda];
                // SAFETY: the path is only used when the CPU reports avx512f/bw/vnni
                // (`available`); slices hold `mr` rows of `kq * 4` bytes and `nblk` blocks of
                // `kq * 64` bytes, as the kernel reads.
                unsafe {
                    match (mr, nblk) {
                        (4, 4) => vnni::tile::<4, 4>(a, *lda, w, kq, tile),
                        (m, 4) => {
                            for t in 0..m {
                                vnni::tile::<1, 4>(&a[t * lda..], *lda, w, kq, &mut tile[t..]);
                            }
                        }
                        (m, nb) => {
                            for t in 0..m {
                                for b in 0..nb {
                                    vnni::tile_one(
                                        &a[t * lda..],
                                        &w[b * kq * 64..],
                                        kq,
                                        &mut tile[t][b * BLOCK..(b + 1) * BLOCK],
                                    );
                                }
                            }
                        }
                    }
                }
            }
            #[cfg(target_arch = "x86_64")]
            (CpuPath::Avx2, Acts::I16 { q, lda, .. }) => {
                for b in 0..nblk {
                    let wb = &w[b * kq * 64..(b + 1) * kq * 64];
                    let a = &q[row * lda..(row + mr) * lda];
                    // SAFETY: only used when the CPU reports avx2; slice lengths as read.
                    unsafe {
                        if mr == 2 {
                            avx2::tile::<2>(a, *lda, wb, kq, tile, b);
                        } else {
                            for t in 0..mr {
                                avx2::tile::<1>(&a[t * lda..], *lda, wb, kq, &mut tile[t..], b);
                            }
                        }
                    }
                }
            }
            (_, Acts::I16 { q, lda, .. }) => {
                for t in 0..mr {
                    let a = &q[(row + t) * lda..(row + t + 1) * lda];
                    for b in 0..nblk {
                        let wb = &w[b * kq * 64..(b + 1) * kq * 64];
                        portable_block(a, wb, &mut tile[t][b * BLOCK..(b + 1) * BLOCK]);
                    }
                }
            }
            (_, Acts::U8 { q, lda, .. }) => {
                // Only reachable if a VNNI layout meets a non-VNNI path: compute it portably.
                for t in 0..mr {
                    let a = &q[(row + t) * lda..(row + t + 1) * lda];
                    for b in 0..nblk {
                        let wb = &w[b * kq * 64..(b + 1) * kq * 64];
                        let acc = &mut tile[t][b * BLOCK..(b + 1) * BLOCK];
                        acc.iter_mut().for_each(|v| *v = 0);
                        for (g, ag) in a.chunks_exact(4).enumerate() {
                            let wg = &wb[g * 64..(g + 1) * 64];
                            for (o, v) in acc.iter_mut().enumerate() {
                                for j in 0..4 {
                                    *v += i32::from(ag[j]) * i32::from(wg[o * 4 + j]);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a product's epilogue does with the destination (see [`QMatrix::matmul_bias`]).
#[derive(Clone, Copy)]
enum Epi<'a> {
    /// `dst (+ bias) += product`.
    Acc(Option<&'a [f32]>),
    /// `dst = bias + product`.
    Set(&'a [f32]),
    /// `dst = gelu(bias + product)`.
    SetGelu(&'a [f32]),
}

/// `out[o] += (acc[o] - shift[o]) · s_a · s_o`. One scalar function for every path, so the
/// floating-point rounding (and so the result) is the same whichever kernel ran.
#[inline(always)]
fn epilogue(out: &mut [f32], acc: &[i32], scale: &[f32], shift: Option<&[i32]>, sa: f32) {
    match shift {
        Some(sh) => {
            for (((o, &a), &s), &c) in out.iter_mut().zip(acc).zip(scale).zip(sh) {
                *o += (a - c) as f32 * (sa * s);
            }
        }
        None => {
            for ((o, &a), &s) in out.iter_mut().zip(acc).zip(scale) {
                *o += a as f32 * (sa * s);
            }
        }
    }
}

fn portable_block(a: &[i16], w: &[i8], acc: &mut [i32]) {
    acc.iter_mut().for_each(|v| *v = 0);
    for (ag, wg) in a.chunks_exact(4).zip(w.chunks_exact(64)) {
        for (o, v) in acc.iter_mut().enumerate() {
            let wo = &wg[o * 4..o * 4 + 4];
            *v += i32::from(ag[0]) * i32::from(wo[0])
                + i32::from(ag[1]) * i32::from(wo[1])
                + i32::from(ag[2]) * i32::from(wo[2])
                + i32::from(ag[3]) * i32::from(wo[3]);
        }
    }
}

/// Quantized activations in the layout the path's kernel reads.
enum Acts {
    /// `p + 128` as bytes (VNNI).
    U8 {
        q: Vec<u8>,
        lda: usize,
        scale: Vec<f32>,
    },
    /// `p` widened to i16 (AVX2, portable).
    I16 {
        q: Vec<i16>,
        lda: usize,
        scale: Vec<f32>,
    },
}

impl Acts {
    fn scale(&self, row: usize) -> f32 {
        match self {
            Acts::U8 { scale, .. } | Acts::I16 { scale, .. } => {
                scale.get(row).copied().unwrap_or(0.0)
            }
        }
    }
}

/// Rounds half to even and clamps to `[-127, 127]` with plain IEEE arithmetic (adding and
/// subtracting 1.5 · 2^23), so it vectorises and gives the same integer on every path.
#[inline(always)]
fn round_q(x: f32) -> i32 {
    const MAGIC: f32 = 12_582_912.0;
    let x = x.clamp(-127.0, 127.0);
    ((x + MAGIC) - MAGIC) as i32
}

/// `max |a|` of a row through the bit patterns (an integer max vectorises; a float one does not
/// without reassociation): for non-negative floats the bit order is the value order.
#[inline(always)]
fn row_amax(row: &[f32]) -> f32 {
    f32::from_bits(
        row.iter()
            .fold(0u32, |m, v| m.max(v.to_bits() & 0x7fff_ffff)),
    )
}

#[cfg_attr(target_arch = "x86_64", allow(dead_code))] // x86_64 runs the AVX-512 version
#[inline(always)]
fn quantize_u8_body(a: &[f32], k: usize, lda: usize, q: &mut [u8], scale: &mut [f32]) {
    for ((row, qr), s) in a.chunks_exact(k).zip(q.chunks_exact_mut(lda)).zip(scale) {
        let amax = row_amax(row);
        if amax == 0.0 || !amax.is_finite() {
            *s = 0.0;
            qr.iter_mut().for_each(|v| *v = 128);
            continue;
        }
        let inv = 127.0 / amax;
        for (d, v) in qr.iter_mut().zip(row) {
            *d = (round_q(v * inv) + 128) as u8;
        }
        *s = amax / 127.0;
    }
}

#[inline(always)]
fn quantize_i16_body(a: &[f32], k: usize, lda: usize, q: &mut [i16], scale: &mut [f32]) {
    for ((row, qr), s) in a.chunks_exact(k).zip(q.chunks_exact_mut(lda)).zip(scale) {
        let amax = row_amax(row);
        if amax == 0.0 || !amax.is_finite() {
            *s = 0.0;
            qr.iter_mut().for_each(|v| *v = 0);
            continue;
        }
        let inv = 127.0 / amax;
        for (d, v) in qr.iter_mut().zip(row) {
            *d = round_q(v * inv) as i16;
        }
        *s = amax / 127.0;
    }
}

/// [`quantize_u8_body`] with explicit AVX-512: the same operations (max is exact in any order;
/// `roundscale` to nearest even equals [`round_q`]'s rounding on `[-127, 127]`), so the same bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn quantize_u8_avx512(a: &[f32], k: usize, lda: usize, q: &mut [u8], scale: &mut [f32]) {
    use std::arch::x86_64::*;
    let k16 = k / 16 * 16;
    for ((row, qr), s) in a.chunks_exact(k).zip(q.chunks_exact_mut(lda)).zip(scale) {
        let p = row.as_ptr();
        let mut mx = _mm512_setzero_ps();
        let mut i = 0;
        while i < k16 {
            mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_loadu_ps(p.add(i))));
            i += 16;
        }
        let mut amax = _mm512_reduce_max_ps(mx);
        for v in &row[k16..] {
            amax = amax.max(v.abs());
        }
        if amax == 0.0 || !amax.is_finite() {
            *s = 0.0;
            qr.iter_mut().for_each(|v| *v = 128);
            continue;
        }
        let inv = 127.0 / amax;
        let vinv = _mm512_set1_ps(inv);
        let (lo, hi) = (_mm512_set1_ps(-127.0), _mm512_set1_ps(127.0));
        let off = _mm512_set1_epi32(128);
        let d = qr.as_mut_ptr();
        let mut i = 0;
        while i < k16 {
            let x = _mm512_mul_ps(_mm512_loadu_ps(p.add(i)), vinv);
            let x = _mm512_min_ps(_mm512_max_ps(x, lo), hi);
            let r = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(x);
            let n = _mm512_add_epi32(_mm512_cvtps_epi32(r), off);
            _mm_storeu_si128(d.add(i) as *mut __m128i, _mm512_cvtepi32_epi8(n));
            i += 16;
        }
        for (dq, v) in qr[k16..k].iter_mut().zip(&row[k16..]) {
            *dq = (round_q(v * inv) + 128) as u8;
        }
        *s = amax / 127.0;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantize_i16_avx2(a: &[f32], k: usize, lda: usize, q: &mut [i16], scale: &mut [f32]) {
    quantize_i16_body(a, k, lda, q, scale)
}

fn quantize_rows(path: CpuPath, a: &[f32], m: usize, k: usize, lda: usize) -> Acts {
    let mut scale = vec![0f32; m];
    let a = &a[..m * k];
    match path {
        CpuPath::Avx512Vnni => {
            // Padding bytes are 128 (= 0); padded weights are 0 anyway.
            let mut q = vec![128u8; m * lda];
            #[cfg(target_arch = "x86_64")]
            // SAFETY: this path is only chosen when the CPU reports avx512f/bw.
            unsafe {
                quantize_u8_avx512(a, k, lda, &mut q, &mut scale)
            };
            #[cfg(not(target_arch = "x86_64"))]
            quantize_u8_body(a, k, lda, &mut q, &mut scale);
            Acts::U8 { q, lda, scale }
        }
        CpuPath::Avx2 => {
            let mut q = vec![0i16; m * lda];
            #[cfg(target_arch = "x86_64")]
            // SAFETY: this path is only chosen when the CPU reports avx2.
            unsafe {
                quantize_i16_avx2(a, k, lda, &mut q, &mut scale)
            };
            #[cfg(not(target_arch = "x86_64"))]
            quantize_i16_body(a, k, lda, &mut q, &mut scale);
            Acts::I16 { q, lda, scale }
        }
        CpuPath::Portable => {
            let mut q = vec![0i16; m * lda];
            quantize_i16_body(a, k, lda, &mut q, &mut scale);
            Acts::I16 { q, lda, scale }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use super::BLOCK;
    use std::arch::x86_64::*;

    /// `MR` rows × `NB` blocks of 16 outputs: `MR · NB` zmm accumulators, each group of 4
    /// inputs one broadcast per row and one load per block.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn tile<const MR: usize, const NB: usize>(
        a: &[u8],
        lda: usize,
        w: &[i8],
        kq: usize,
        out: &mut [[i32; 64]],
    ) {
        debug_assert!(a.len() >= (MR - 1) * lda + kq * 4 && w.len() >= NB * kq * 64);
        let ap = a.as_ptr();
        let wp = w.as_ptr();
        let mut acc = [[_mm512_setzero_si512(); NB]; MR];
        for g in 0..kq {
            let mut wv = [_mm512_setzero_si512(); NB];
            for (b, v) in wv.iter_mut().enumerate() {
                *v = _mm512_loadu_si512(wp.add((b * kq + g) * 64) as *const _);
            }
            for (r, accr) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_epi32(std::ptr::read_unaligned(
                    ap.add(r * lda + g * 4) as *const i32
                ));
                for (c, v) in accr.iter_mut().zip(&wv) {
                    *c = _mm512_dpbusd_epi32(*c, av, *v);
                }
            }
        }
        for (r, accr) in acc.iter().enumerate() {
            for (b, c) in accr.iter().enumerate() {
                _mm512_storeu_si512(out[r][b * BLOCK..].as_mut_ptr() as *mut _, *c);
            }
        }
    }

    /// One row × one block.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn tile_one(a: &[u8], w: &[i8], kq: usize, out: &mut [i32]) {
        debug_assert!(a.len() >= kq * 4 && w.len() >= kq * 64 && out.len() >= BLOCK);
        let mut c = _mm512_setzero_si512();
        for g in 0..kq {
            let v = _mm512_loadu_si512(w.as_ptr().add(g * 64) as *const _);
            let av =
                _mm512_set1_epi32(std::ptr::read_unaligned(a.as_ptr().add(g * 4) as *const i32));
            c = _mm512_dpbusd_epi32(c, av, v);
        }
        _mm512_storeu_si512(out.as_mut_ptr() as *mut _, c);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::BLOCK;
    use std::arch::x86_64::*;

    /// `MR` rows × one block of 16 outputs (block `b` of the tile). Each ymm accumulator holds
    /// 4 outputs × 2 partial sums (pairs of inputs), added at the end.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn tile<const MR: usize>(
        a: &[i16],
        lda: usize,
        w: &[i8],
        kq: usize,
        out: &mut [[i32; 64]],
        b: usize,
    ) {
        debug_assert!(a.len() >= (MR - 1) * lda + kq * 4 && w.len() >= kq * 64);
        let ap = a.as_ptr();
        let wp = w.as_ptr();
        let mut acc = [[_mm256_setzero_si256(); 4]; MR];
        for g in 0..kq {
            let mut wv = [_mm256_setzero_si256(); 4];
            for (j, v) in wv.iter_mut().enumerate() {
                *v = _mm256_cvtepi8_epi16(_mm_loadu_si128(
                    wp.add(g * 64 + j * 16) as *const __m128i
                ));
            }
            for (r, accr) in acc.iter_mut().enumerate() {
                let av = _mm256_set1_epi64x(std::ptr::read_unaligned(
                    ap.add(r * lda + g * 4) as *const i64
                ));
                for (c, v) in accr.iter_mut().zip(&wv) {
                    *c = _mm256_add_epi32(*c, _mm256_madd_epi16(av, *v));
                }
            }
        }
        for (r, accr) in acc.iter().enumerate() {
            for (j, c) in accr.iter().enumerate() {
                let mut lanes = [0i32; 8];
                _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, *c);
                for t in 0..4 {
                    out[r][b * BLOCK + j * 4 + t] = lanes[2 * t] + lanes[2 * t + 1];
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Deterministic activations and weights for kernel tests (the bf16 tests use them too).
    pub(crate) fn data(m: usize, k: usize, n: usize) -> (Vec<f32>, Vec<f32>) {
        let a: Vec<f32> = (0..m * k)
            .map(|i| ((i as f32) * 0.731).sin() * 2.0)
            .collect();
        let w: Vec<f32> = (0..k * n)
            .map(|i| ((i as f32) * 0.377).cos() * 0.1)
            .collect();
        (a, w)
    }

    #[test]
    fn paths_agree_bit_for_bit_and_approximate_f32() {
        // Odd sizes exercise every tail: rows not a multiple of 4, k not a multiple of 4,
        // outputs not a multiple of 16 or 64.
        for &(m, k, n) in &[(1, 4, 16), (7, 13, 37), (9, 64, 80), (17, 96, 130)] {
            let (a, w) = data(m, k, n);
            let q = QMatrix::quantize(&w, k, n);
            let mut want = vec![0f32; m * n];
            for i in 0..m {
                for o in 0..n {
                    want[i * n + o] =
                        0.5 + (0..k).map(|t| a[i * k + t] * w[t * n + o]).sum::<f32>();
                }
            }
            let mut outs = vec![];
            for path in [CpuPath::Portable, CpuPath::Avx2, CpuPath::Avx512Vnni] {
                if !path.available() {
                    eprintln!("skipping {} (CPU lacks it)", path.name());
                    continue;
                }
                for threads in [1, 3] {
                    let mut d = vec![0.5f32; m * n];
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .unwrap()
                        .install(|| q.matmul_acc(path, &mut d, &a, m, threads));
                    outs.push((path, d));
                }
            }
            let base = &outs[0].1;
            for (path, d) in &outs {
                assert_eq!(
                    d,
                    base,
                    "{} differs from portable at {m}x{k}x{n}",
                    path.name()
                );
            }
            let scale = want.iter().fold(0f32, |s, v| s.max(v.abs()));
            for (g, e) in base.iter().zip(&want) {
                assert!((g - e).abs() < 0.05 * scale, "{g} vs {e} ({m}x{k}x{n})");
            }
        }
    }

    #[test]
    fn fused_bias_and_gelu_give_the_separate_passes_bits() {
        for &(m, k, n) in &[(1, 4, 16), (7, 13, 37), (17, 96, 130)] {
            let (a, w) = data(m, k, n);
            let q = QMatrix::quantize(&w, k, n);
            let bias: Vec<f32> = (0..n).map(|o| (o as f32 * 0.13).sin()).collect();
            let resid: Vec<f32> = (0..m * n).map(|i| (i as f32 * 0.07).cos()).collect();
            for path in [CpuPath::Portable, CpuPath::Avx2, CpuPath::Avx512Vnni] {
                if !path.available() {
                    continue;
                }
                // Separate passes: fill / add the bias, accumulate the product, GELU.
                let mut set = vec![0f32; m * n];
                for r in set.chunks_exact_mut(n) {
                    r.copy_from_slice(&bias);
                }
                q.matmul_acc(path, &mut set, &a, m, 1);
                let mut gelu = set.clone();
                crate::fast::gelu_generic(&mut gelu);
                let mut acc = resid.clone();
                for r in acc.chunks_exact_mut(n) {
                    for (x, b) in r.iter_mut().zip(&bias) {
                        *x += b;
                    }
                }
                q.matmul_acc(path, &mut acc, &a, m, 1);
                // Fused (the destination's old values must not matter when setting).
                let mut got = vec![f32::NAN; m * n];
                q.matmul_bias(path, &mut got, &a, m, 1, &bias, true, false);
                assert_eq!(got, set, "{} set {m}x{k}x{n}", path.name());
                let mut got = vec![f32::NAN; m * n];
                q.matmul_bias(path, &mut got, &a, m, 1, &bias, true, true);
                assert_eq!(got, gelu, "{} gelu {m}x{k}x{n}", path.name());
                let mut got = resid.clone();
                q.matmul_bias(path, &mut got, &a, m, 1, &bias, false, false);
                assert_eq!(got, acc, "{} residual {m}x{k}x{n}", path.name());
            }
        }
    }

    #[test]
    fn avx512_activation_quantizer_matches_the_scalar_one() {
        if !CpuPath::Avx512Vnni.available() {
            eprintln!("skipping: no AVX-512 VNNI");
            return;
        }
        let (a, _) = data(5, 37, 1);
        let mut a = a;
        a[40..77].iter_mut().for_each(|v| *v = 0.0); // an all-zero row
        a[3] = 1e-3 * 127.5; // values near rounding ties
        let lda = 40;
        let (mut q1, mut q2) = (vec![128u8; 5 * lda], vec![128u8; 5 * lda]);
        let (mut s1, mut s2) = (vec![0f32; 5], vec![0f32; 5]);
        quantize_u8_body(&a, 37, lda, &mut q1, &mut s1);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: checked above that the CPU has AVX-512.
        unsafe {
            quantize_u8_avx512(&a, 37, lda, &mut q2, &mut s2)
        };
        assert_eq!(q1, q2);
        assert_eq!(s1, s2);
    }

    #[test]
    fn weights_roundtrip_per_channel() {
        let (_, w) = data(1, 10, 20);
        let q = QMatrix::quantize(&w, 10, 20);
        for i in 0..10 {
            for o in 0..20 {
                let amax = (0..10).map(|t| w[t * 20 + o].abs()).fold(0f32, f32::max);
                assert!((q.dequantized(i, o) - w[i * 20 + o]).abs() <= amax / 127.0 * 0.5001);
            }
        }
    }

    #[test]
    fn zero_rows_and_parse() {
        let q = QMatrix::quantize(&[0.0; 8], 2, 4);
        let mut d = vec![1f32; 4];
        q.matmul_acc(CpuPath::detect(), &mut d, &[0.0, 0.0], 1, 1);
        assert_eq!(d, vec![1.0; 4]);
        assert_eq!("INT8".parse::<Precision>(), Ok(Precision::Int8));
        assert!("bf17".parse::<Precision>().is_err());
        assert_eq!("BF16".parse::<Precision>(), Ok(Precision::Bf16));
        assert_eq!(Precision::Bf16.resolve(CpuPath::Portable), Precision::Bf16);
        assert_eq!(Precision::F32.resolve(CpuPath::Avx512Vnni), Precision::F32);
        assert_eq!(Precision::Auto.resolve(CpuPath::Portable), Precision::F32);
    }
}
