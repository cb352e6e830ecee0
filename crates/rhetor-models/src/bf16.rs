//! Bf16 linear layers for the inference encoder, with run-time CPU dispatch.
//!
//! Weights are rounded to bf16 once, at load (from the shipped f16 weights: bf16 keeps f32's
//! exponent range and 8 significant bits). Activations are rounded to bf16 just before each
//! product; the products of two bf16 values are exact in f32 and are accumulated in f32.
//!
//! Two ways to compute it, chosen at run time:
//! - **AVX-512 BF16** (`vdpbf16ps`: 32 bf16 products per instruction, accumulated into 16 f32
//!   lanes, twice the multiply-adds of an f32 FMA), activations rounded by `vcvtne2ps2bf16`.
//! - **Fallback** (AVX2 or portable CPUs, or `RHETOR_CPU=avx2|portable`): the bf16 weights
//!   widened to f32 (exact) and the f32 product kernel, on activations rounded to bf16 the
//!   same way (round to nearest even, denormals flushed). Same operands, different summation
//!   order: the two paths agree to f32 rounding, not bit for bit.
//!
//! Packed weight layout (the AVX-512 kernel's): output channels in blocks of 16, inputs in pairs;
//! for block `b` and pair `g` the 32 values at `(b · kp + g) · 32` are
//! `[o0: k0 k1, o1: k0 k1, …, o15: k0 k1]` (one `zmm` register, `vdpbf16ps`'s layout).

use rayon::prelude::*;

use crate::quant::CpuPath;

const BLOCK: usize = 16; // output channels per block
const PANEL: usize = 4; // blocks per tile (64 outputs)

/// `x` rounded to bf16 (nearest, ties to even), as `vcvtne2ps2bf16` does it: denormal inputs
/// become a signed zero, NaNs stay (quiet) NaNs.
#[inline(always)]
pub fn to_bf16(x: f32) -> u16 {
    let b = x.to_bits();
    if b & 0x7f80_0000 == 0 {
        return ((b >> 16) & 0x8000) as u16;
    }
    if b & 0x7fff_ffff > 0x7f80_0000 {
        return ((b >> 16) | 0x0040) as u16;
    }
    (b.wrapping_add(0x7fff + ((b >> 16) & 1)) >> 16) as u16
}

/// A bf16 value widened to f32 (exact).
#[inline(always)]
pub fn from_bf16(v: u16) -> f32 {
    f32::from_bits(u32::from(v) << 16)
}

/// Whether this CPU runs the AVX-512 BF16 kernel when `path` is the chosen CPU path (the
/// fallbacks `RHETOR_CPU=avx2|portable` select never use it).
pub fn native(path: CpuPath) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        path == CpuPath::Avx512Vnni
            && path.available()
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bf16")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = path;
        false
    }
}

/// Name of the bf16 kernel `path` selects (`avx512-bf16` or `f32-widened`).
pub fn kernel_name(path: CpuPath) -> &'static str {
    if native(path) {
        "avx512-bf16"
    } else {
        "f32-widened"
    }
}

/// A `[k, n]` weight matrix (inputs × outputs) in bf16, packed for `vdpbf16ps`.
pub struct BMatrix {
    k: usize,
    n: usize,
    /// Pairs of inputs (`k` rounded up).
    kp: usize,
    /// Blocks of 16 outputs (`n` rounded up).
    nb: usize,
    data: Vec<u16>,
}

impl BMatrix {
    /// Rounds a row-major `[k, n]` f32 matrix (`w[i * n + o]`: input `i`, output `o`).
    pub fn from_f32(w: &[f32], k: usize, n: usize) -> BMatrix {
        let kp = k.div_ceil(2);
        let nb = n.div_ceil(BLOCK);
        let mut data = vec![0u16; nb * kp * 32];
        for (i, row) in w.chunks_exact(n.max(1)).take(k).enumerate() {
            let (g, kg) = (i / 2, i % 2);
            for (o, &v) in row.iter().enumerate() {
                let (b, ob) = (o / BLOCK, o % BLOCK);
                if let Some(d) = data.get_mut((b * kp + g) * 32 + ob * 2 + kg) {
                    *d = to_bf16(v);
                }
            }
        }
        BMatrix { k, n, kp, nb, data }
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
        2 * self.data.len()
    }

    /// The weight `w[i, o]` widened to f32.
    pub fn get(&self, i: usize, o: usize) -> f32 {
        let (b, ob) = (o / BLOCK, o % BLOCK);
        let (g, kg) = (i / 2, i % 2);
        from_bf16(
            self.data
                .get((b * self.kp + g) * 32 + ob * 2 + kg)
                .copied()
                .unwrap_or(0),
        )
    }

    /// The whole matrix widened to f32, row-major `[k, n]` (the fallback's operand).
    fn widened(&self) -> Vec<f32> {
        let n = self.n;
        let mut w = vec![0f32; self.k * n];
        for (i, row) in w.chunks_exact_mut(n.max(1)).enumerate() {
            let (g, kg) = (i / 2, i % 2);
            for (o, v) in row.iter_mut().enumerate() {
                let (b, ob) = (o / BLOCK, o % BLOCK);
                *v = from_bf16(
                    self.data
                        .get((b * self.kp + g) * 32 + ob * 2 + kg)
                        .copied()
                        .unwrap_or(0),
                );
            }
        }
        w
    }

    /// `dst[m, n] += bf16(a[m, k]) · W`, f32 accumulation; rows split over the current rayon
    /// pool when `threads > 1`.
    pub fn matmul_acc(&self, path: CpuPath, dst: &mut [f32], a: &[f32], m: usize, threads: usize) {
        let (k, n) = (self.k, self.n);
        if m == 0 || dst.len() < m * n || a.len() < m * k {
            return;
        }
        if !native(path) {
            let w = self.widened();
            let a: Vec<f32> = a[..m * k].iter().map(|&x| from_bf16(to_bf16(x))).collect();
            crate::fast::matmul_acc(dst, &a, &w, m, k, n, threads);
            return;
        }
        #[cfg(target_arch = "x86_64")]
        {
            let lda = self.kp * 2;
            let mut acts = vec![0u16; m * lda];
            // SAFETY: `native` checked avx512f and avx512bf16.
            unsafe { round_rows_avx512(&a[..m * k], k, lda, &mut acts) };
            let rows_per = if threads > 1 {
                m.div_ceil(threads * 2).div_ceil(4).max(1) * 4
            } else {
                m
            };
            let run = |(ci, d): (usize, &mut [f32])| {
                let r0 = ci * rows_per;
                let rows = d.len() / n;
                // SAFETY: as above.
                unsafe { self.rows_into_avx512(&acts, lda, r0, rows, d) };
            };
            let dst = &mut dst[..m * n];
            if threads > 1 && m > rows_per {
                dst.par_chunks_mut(rows_per * n).enumerate().for_each(run);
            } else {
                run((0, dst));
            }
        }
    }

    /// Rows `r0..r0 + rows` of the product, accumulated into `d` (`rows × n`).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bf16")]
    unsafe fn rows_into_avx512(
        &self,
        acts: &[u16],
        lda: usize,
        r0: usize,
        rows: usize,
        d: &mut [f32],
    ) {
        let kp = self.kp;
        let mut tile = [[0f32; BLOCK * PANEL]; 4];
        let mut b0 = 0;
        while b0 < self.nb {
            let nblk = (self.nb - b0).min(PANEL);
            let w = &self.data[b0 * kp * 32..(b0 + nblk) * kp * 32];
            let mut r = 0;
            while r < rows {
                let mr = (rows - r).min(4);
                let a = &acts[(r0 + r) * lda..(r0 + r + mr) * lda];
                match (mr, nblk) {
                    (4, 4) => kernel::tile::<4, 4>(a, lda, w, kp, &mut tile),
                    (m, 4) => {
                        for t in 0..m {
                            kernel::tile::<1, 4>(&a[t * lda..], lda, w, kp, &mut tile[t..]);
                        }
                    }
                    (m, nb) => {
                        for t in 0..m {
                            for b in 0..nb {
                                // One block at a time into a scratch row, then to block b.
                                let mut one = [[0f32; BLOCK * PANEL]; 1];
                                kernel::tile::<1, 1>(
                                    &a[t * lda..],
                                    lda,
                                    &w[b * kp * 32..],
                                    kp,
                                    &mut one,
                                );
                                tile[t][b * BLOCK..(b + 1) * BLOCK]
                                    .copy_from_slice(&one[0][..BLOCK]);
                            }
                        }
                    }
                }
                let o0 = b0 * BLOCK;
                let o1 = (o0 + nblk * BLOCK).min(self.n);
                for (t, acc) in tile.iter().enumerate().take(mr) {
                    let out = &mut d[(r + t) * self.n + o0..(r + t) * self.n + o1];
                    for (o, v) in out.iter_mut().zip(acc) {
                        *o += *v;
                    }
                }
                r += mr;
            }
            b0 += nblk;
        }
    }
}

/// Rows of `a` (`k` wide) rounded to bf16 into `q` (`lda` wide, padding left at 0) with
/// `vcvtne2ps2bf16`; the tail of each row through [`to_bf16`] (the same rounding).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bf16")]
unsafe fn round_rows_avx512(a: &[f32], k: usize, lda: usize, q: &mut [u16]) {
    use std::arch::x86_64::*;
    let k32 = k / 32 * 32;
    for (row, qr) in a.chunks_exact(k).zip(q.chunks_exact_mut(lda)) {
        let p = row.as_ptr();
        let d = qr.as_mut_ptr();
        let mut i = 0;
        while i < k32 {
            let lo = _mm512_loadu_ps(p.add(i));
            let hi = _mm512_loadu_ps(p.add(i + 16));
            // Elements 0..16 of the result come from the second operand.
            let b: __m512bh = _mm512_cvtne2ps_pbh(hi, lo);
            _mm512_storeu_si512(
                d.add(i) as *mut _,
                std::mem::transmute::<__m512bh, __m512i>(b),
            );
            i += 32;
        }
        for (dq, v) in qr[k32..k].iter_mut().zip(&row[k32..]) {
            *dq = to_bf16(*v);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod kernel {
    use super::BLOCK;
    use std::arch::x86_64::*;

    /// `MR` rows × `NB` blocks of 16 outputs: `MR · NB` zmm accumulators; per pair of inputs one
    /// broadcast per row and one load per block.
    #[target_feature(enable = "avx512f,avx512bf16")]
    pub(super) unsafe fn tile<const MR: usize, const NB: usize>(
        a: &[u16],
        lda: usize,
        w: &[u16],
        kp: usize,
        out: &mut [[f32; 64]],
    ) {
        debug_assert!(a.len() >= (MR - 1) * lda + kp * 2 && w.len() >= NB * kp * 32);
        debug_assert!(out.len() >= MR);
        let ap = a.as_ptr();
        let wp = w.as_ptr();
        let mut acc = [[_mm512_setzero_ps(); NB]; MR];
        for g in 0..kp {
            let mut wv = [_mm512_setzero_si512(); NB];
            for (b, v) in wv.iter_mut().enumerate() {
                *v = _mm512_loadu_si512(wp.add((b * kp + g) * 32) as *const _);
            }
            for (r, accr) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_epi32(std::ptr::read_unaligned(
                    ap.add(r * lda + g * 2) as *const i32
                ));
                let av: __m512bh = std::mem::transmute(av);
                for (c, v) in accr.iter_mut().zip(&wv) {
                    *c = _mm512_dpbf16_ps(*c, av, std::mem::transmute::<__m512i, __m512bh>(*v));
                }
            }
        }
        for (r, accr) in acc.iter().enumerate() {
            for (b, c) in accr.iter().enumerate() {
                _mm512_storeu_ps(out[r][b * BLOCK..].as_mut_ptr(), *c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::tests::data;

    #[test]
    fn rounding_is_nearest_even_with_flushed_denormals() {
        assert_eq!(to_bf16(1.0), 0x3f80);
        assert_eq!(from_bf16(to_bf16(-2.5)), -2.5);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1).
        assert_eq!(to_bf16(1.0 + 1.0 / 256.0), 0x3f80);
        // 1 + 3 · 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even (1 + 2^-6).
        assert_eq!(from_bf16(to_bf16(1.0 + 3.0 / 256.0)), 1.0 + 1.0 / 64.0);
        assert_eq!(to_bf16(1e-40), 0);
        assert_eq!(to_bf16(-1e-40), 0x8000);
        assert!(from_bf16(to_bf16(f32::NAN)).is_nan());
        assert_eq!(from_bf16(to_bf16(f32::INFINITY)), f32::INFINITY);
        for i in 0..10_000 {
            let x = ((i as f32) * 0.917).sin() * 1e3_f32.powf((i % 13) as f32 / 6.0 - 1.0);
            let r = from_bf16(to_bf16(x));
            assert!((r - x).abs() <= x.abs() / 256.0 * 1.0001, "{x} -> {r}");
        }
    }

    #[test]
    fn avx512_rounding_matches_the_scalar_one() {
        if !native(CpuPath::detect()) {
            eprintln!("skipping: no AVX-512 BF16 (or a fallback forced)");
            return;
        }
        let k = 70;
        let mut a: Vec<f32> = (0..3 * k)
            .map(|i| ((i as f32) * 0.613).sin() * 7.0)
            .collect();
        a[1] = 1e-40; // denormal
        a[2] = -1e-41;
        a[3] = 1.0 + 1.0 / 256.0; // tie
        a[4] = f32::MAX;
        let lda = 72;
        let mut q = vec![0u16; 3 * lda];
        #[cfg(target_arch = "x86_64")]
        // SAFETY: checked above.
        unsafe {
            round_rows_avx512(&a, k, lda, &mut q)
        };
        for r in 0..3 {
            for i in 0..k {
                assert_eq!(q[r * lda + i], to_bf16(a[r * k + i]), "row {r} col {i}");
            }
        }
    }

    #[test]
    fn kernels_agree_and_approximate_f32() {
        // Odd sizes exercise every tail: rows not a multiple of 4, k odd, outputs not a
        // multiple of 16 or 64.
        for &(m, k, n) in &[
            (1, 2, 16),
            (7, 13, 37),
            (9, 64, 80),
            (17, 96, 130),
            (6, 384, 256),
        ] {
            let (a, w) = data(m, k, n);
            let b = BMatrix::from_f32(&w, k, n);
            // Exact reference in f64 over the bf16-rounded operands.
            let mut want = vec![0f64; m * n];
            for i in 0..m {
                for o in 0..n {
                    want[i * n + o] = 0.5
                        + (0..k)
                            .map(|t| {
                                f64::from(from_bf16(to_bf16(a[i * k + t]))) * f64::from(b.get(t, o))
                            })
                            .sum::<f64>();
                }
            }
            for path in [CpuPath::Portable, CpuPath::Avx2, CpuPath::Avx512Vnni] {
                if !path.available() {
                    continue;
                }
                for threads in [1, 3] {
                    let mut d = vec![0.5f32; m * n];
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .unwrap()
                        .install(|| b.matmul_acc(path, &mut d, &a, m, threads));
                    for (g, e) in d.iter().zip(&want) {
                        // Only the f32 summation differs from the exact sum.
                        assert!(
                            (f64::from(*g) - e).abs() < 1e-5 * (1.0 + e.abs()) * (k as f64).sqrt(),
                            "{}: {g} vs {e} ({m}x{k}x{n})",
                            kernel_name(path)
                        );
                    }
                }
            }
            // And the bf16 product is close to the f32 one: each operand is off by at most a
            // relative 2^-8, so each product by about 2^-7.
            for i in 0..m {
                for o in 0..n {
                    let f: f64 = 0.5
                        + (0..k)
                            .map(|t| f64::from(a[i * k + t]) * f64::from(w[t * n + o]))
                            .sum::<f64>();
                    let bound: f64 = (0..k)
                        .map(|t| f64::from((a[i * k + t] * w[t * n + o]).abs()))
                        .sum::<f64>()
                        / 128.0;
                    assert!((f - want[i * n + o]).abs() <= bound * 1.01 + 1e-9);
                }
            }
        }
    }

    #[test]
    fn weights_roundtrip() {
        let (_, w) = data(1, 11, 20);
        let b = BMatrix::from_f32(&w, 11, 20);
        assert_eq!((b.rows(), b.cols()), (11, 20));
        for i in 0..11 {
            for o in 0..20 {
                assert_eq!(b.get(i, o), from_bf16(to_bf16(w[i * 20 + o])));
            }
        }
        assert_eq!(b.widened()[3 * 20 + 7], b.get(3, 7));
    }
}
