//! Article vectors as one flat file of int8 rows, searched by an exact scan over a memory map.
//!
//! Why not an HNSW index: vectors are unit-normalised 384-d embeddings, quantised to int8
//! (`round(x · 127)`), so a million articles are 384 MB that the page cache holds and one scan
//! reads at memory speed; an exact scan needs no build step, no tuning, no recall loss, and an
//! append is one write (see docs/benchmarks.md for the measured latency: `examples/bench_vectors.rs`). Row `r` is bytes
//! `r·dim .. (r+1)·dim`; the SQLite row of the article records `r`, and rows beyond the last
//! committed one (an interrupted `add`) are cut off when the store opens.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::CorpusError;

/// An append-only file of int8 vectors of one width.
pub struct VectorFile {
    path: PathBuf,
    dim: usize,
    /// None for a reader's view of a store that has no vector file yet (no rows).
    file: Option<File>,
    rows: u64,
    map: Option<memmap2::Mmap>,
    /// Rows in `map` (the map is redone when rows were appended since).
    mapped_rows: u64,
    /// Opened by [`VectorFile::open`] (may append), not [`VectorFile::open_read`].
    writable: bool,
}

/// Quantises a vector (normalised first) to int8.
pub fn quantize(v: &[f32]) -> Vec<i8> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter()
        .map(|x| (x / norm * 127.0).round().clamp(-127.0, 127.0) as i8)
        .collect()
}

/// Cosine of two quantised unit vectors.
pub fn cosine_i8(a: &[i8], b: &[i8]) -> f32 {
    dot_portable(a, b) as f32 / (127.0 * 127.0)
}

/// Dot product of int8 vectors. The products are taken in i16 (127² fits) and summed in i32,
/// the shape LLVM turns into multiply-add instructions.
#[inline(always)]
fn dot_portable(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| i32::from(i16::from(*x) * i16::from(*y)))
        .sum()
}

/// The same loop compiled for AVX2 (the release build targets baseline x86-64, so without this
/// the scan would use 128-bit SSE2 only).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dot_avx2(a: &[i8], b: &[i8]) -> i32 {
    dot_portable(a, b)
}

/// The fastest dot product this CPU runs, chosen once per scan.
fn dot_fn() -> fn(&[i8], &[i8]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is present (checked just above), which is all `dot_avx2` requires.
        return |a, b| unsafe { dot_avx2(a, b) };
    }
    dot_portable
}

/// Rows per parallel slice of a scan: large enough that the top-k merge costs nothing.
const SCAN_SLICE: usize = 1 << 16;

/// The best `k` of `rows` (row number, bytes) by dot product with `q`, among rows `allow` accepts.
fn top_k(
    q: &[i8],
    data: &[u8],
    dim: usize,
    first_row: u64,
    k: usize,
    allow: &(impl Fn(u64) -> bool + Sync),
    dot: fn(&[i8], &[i8]) -> i32,
) -> Vec<(u64, i32)> {
    let mut best: Vec<(u64, i32)> = Vec::with_capacity(k + 1);
    for (i, v) in data.chunks_exact(dim).enumerate() {
        let row = first_row + i as u64;
        // SAFETY: i8 and u8 have the same size and alignment; any byte is a valid i8.
        let v: &[i8] = unsafe { std::slice::from_raw_parts(v.as_ptr() as *const i8, dim) };
        let s = dot(q, v);
        if best.len() == k && best.last().is_some_and(|(_, w)| s <= *w) {
            continue;
        }
        if !allow(row) {
            continue;
        }
        let pos = best.partition_point(|(_, w)| *w >= s);
        best.insert(pos, (row, s));
        best.truncate(k);
    }
    best
}

impl VectorFile {
    /// Opens `path` for reading only: the first `committed_rows` rows are seen, anything after
    /// them (rows a running `rhetor add` has written but not committed yet) is left alone. What
    /// every reader uses, so that a search while `add` runs never cuts the writer's rows.
    pub fn open_read(path: &Path, dim: usize, committed_rows: u64) -> Result<Self, CorpusError> {
        let io = |e| CorpusError::io(path, e);
        let file = OpenOptions::new().read(true).open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len < committed_rows * dim as u64 {
            return Err(CorpusError::Corrupt(format!(
                "{} has {} vectors, the database expects {committed_rows}",
                path.display(),
                len / dim.max(1) as u64
            )));
        }
        Ok(VectorFile {
            path: path.to_path_buf(),
            dim,
            file: Some(file),
            rows: committed_rows,
            map: None,
            mapped_rows: 0,
            writable: false,
        })
    }

    /// A reader's view of a store with no vector file yet: no rows, and nothing created.
    pub fn empty(path: &Path, dim: usize) -> Self {
        VectorFile {
            path: path.to_path_buf(),
            dim,
            file: None,
            rows: 0,
            map: None,
            mapped_rows: 0,
            writable: false,
        }
    }

    /// Opens (or creates) `path` for vectors of width `dim`, keeping only the first
    /// `committed_rows` rows (the ones the database knows): the writer's open, which cuts what an
    /// interrupted `add` left uncommitted.
    pub fn open(path: &Path, dim: usize, committed_rows: u64) -> Result<Self, CorpusError> {
        let io = |e| CorpusError::io(path, e);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let want = committed_rows * dim as u64;
        if len < want {
            return Err(CorpusError::Corrupt(format!(
                "{} has {} vectors, the database expects {committed_rows}",
                path.display(),
                len / dim.max(1) as u64
            )));
        }
        if len > want {
            // An interrupted add wrote vectors whose rows were never committed.
            file.set_len(want).map_err(io)?;
        }
        Ok(VectorFile {
            path: path.to_path_buf(),
            dim,
            file: Some(file),
            rows: committed_rows,
            map: None,
            mapped_rows: 0,
            writable: true,
        })
    }

    /// Width of the vectors.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Rows in the file.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Appends one vector and returns its row. Call [`flush`](Self::flush) before committing the
    /// rows that name it.
    pub fn push(&mut self, v: &[f32]) -> Result<u64, CorpusError> {
        let Some(file) = self.file.as_mut().filter(|_| self.writable) else {
            return Err(CorpusError::Invalid(format!(
                "{} was opened for reading only",
                self.path.display()
            )));
        };
        if v.len() != self.dim {
            return Err(CorpusError::Invalid(format!(
                "vector of {} dimensions, the store uses {}",
                v.len(),
                self.dim
            )));
        }
        let q = quantize(v);
        let bytes: Vec<u8> = q.iter().map(|x| *x as u8).collect();
        file.write_all(&bytes)
            .map_err(|e| CorpusError::io(&self.path, e))?;
        self.rows += 1;
        Ok(self.rows - 1)
    }

    /// Writes buffered rows to the file.
    pub fn flush(&mut self) -> Result<(), CorpusError> {
        match self.file.as_mut() {
            Some(f) => f.flush().map_err(|e| CorpusError::io(&self.path, e)),
            None => Ok(()),
        }
    }

    fn mapped(&mut self) -> Result<&[u8], CorpusError> {
        let Some(file) = self.file.as_ref().filter(|_| self.rows > 0) else {
            return Ok(&[]);
        };
        if self.map.is_none() || self.mapped_rows != self.rows {
            // SAFETY: the file is only appended to by this process while the store is open, and
            // the mapped range (rows already written) is never changed afterwards.
            let map =
                unsafe { memmap2::Mmap::map(file) }.map_err(|e| CorpusError::io(&self.path, e))?;
            self.map = Some(map);
            self.mapped_rows = self.rows;
        }
        Ok(self
            .map
            .as_deref()
            .map(|m| &m[..(self.rows as usize * self.dim).min(m.len())])
            .unwrap_or(&[]))
    }

    /// The vector of one row (quantised).
    pub fn get(&mut self, row: u64) -> Result<Option<Vec<i8>>, CorpusError> {
        let dim = self.dim;
        let data = self.mapped()?;
        let start = row as usize * dim;
        Ok(data
            .get(start..start + dim)
            .map(|s| s.iter().map(|b| *b as i8).collect()))
    }

    /// The `k` rows nearest to `query` by cosine, best first, among rows `allow` accepts.
    /// An exact scan, split over the rayon pool's threads.
    pub fn nearest(
        &mut self,
        query: &[f32],
        k: usize,
        allow: impl Fn(u64) -> bool + Sync,
    ) -> Result<Vec<(u64, f32)>, CorpusError> {
        let dim = self.dim;
        let data = self.mapped()?;
        Ok(nearest_in(data, dim, query, k, allow))
    }
}

/// The `k` rows of `data` (int8 unit vectors of `dim` bytes each, row `i` at `i * dim`) nearest
/// to `query` by cosine, best first (ties in storage order), among rows `allow` accepts: the exact
/// scan of [`VectorFile::nearest`], also used by backends that keep their vectors in memory.
pub fn nearest_in(
    data: &[u8],
    dim: usize,
    query: &[f32],
    k: usize,
    allow: impl Fn(u64) -> bool + Sync,
) -> Vec<(u64, f32)> {
    use rayon::prelude::*;
    if k == 0 || dim == 0 {
        return Vec::new();
    }
    let q = quantize(query);
    let dot = dot_fn();
    let slice = SCAN_SLICE * dim;
    let mut best: Vec<(u64, i32)> = data
        .par_chunks(slice)
        .enumerate()
        .flat_map_iter(|(i, part)| top_k(&q, part, dim, (i * SCAN_SLICE) as u64, k, &allow, dot))
        .collect();
    // Ties keep storage order, as a single scan would.
    best.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    best.truncate(k);
    best.into_iter()
        .map(|(row, d)| (row, d as f32 / (127.0 * 127.0)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_the_same_vector_first_and_uncommitted_rows_are_cut() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.i8");
        let mut f = VectorFile::open(&p, 4, 0).unwrap();
        f.push(&[1.0, 0.0, 0.0, 0.0]).unwrap();
        f.push(&[0.0, 1.0, 0.0, 0.0]).unwrap();
        f.push(&[0.7, 0.7, 0.0, 0.0]).unwrap();
        f.flush().unwrap();
        let hits = f.nearest(&[0.0, 2.0, 0.1, 0.0], 2, |_| true).unwrap();
        assert_eq!(hits[0].0, 1);
        assert_eq!(hits[1].0, 2);
        assert!(hits[0].1 > 0.95);
        let only_even = f.nearest(&[0.0, 1.0, 0.0, 0.0], 3, |r| r % 2 == 0).unwrap();
        assert!(only_even.iter().all(|(r, _)| r % 2 == 0));
        drop(f);
        // The database committed two rows only: the third is cut.
        let f = VectorFile::open(&p, 4, 2).unwrap();
        assert_eq!(f.rows(), 2);
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 8);
        assert!(VectorFile::open(&p, 4, 5).is_err());
    }

    #[test]
    fn parallel_scan_matches_a_plain_scan_across_slices() {
        // More rows than one scan slice, so the per-slice top-k and the merge are exercised.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.i8");
        let dim = 8;
        let mut f = VectorFile::open(&p, dim, 0).unwrap();
        let mut x: u64 = 12345;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 2001) as f32 / 1000.0 - 1.0
        };
        let n = SCAN_SLICE * 2 + 777;
        let mut rows = Vec::new();
        for _ in 0..n {
            let v: Vec<f32> = (0..dim).map(|_| next()).collect();
            rows.push(quantize(&v));
            f.push(&v).unwrap();
        }
        f.flush().unwrap();
        let query: Vec<f32> = (0..dim).map(|_| next()).collect();
        let q = quantize(&query);
        let allow = |r: u64| r % 3 != 1;
        let got = f.nearest(&query, 25, allow).unwrap();
        let mut want: Vec<(u64, f32)> = rows
            .iter()
            .enumerate()
            .filter(|(r, _)| allow(*r as u64))
            .map(|(r, v)| (r as u64, cosine_i8(&q, v)))
            .collect();
        want.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        want.truncate(25);
        assert_eq!(got, want);
        assert_eq!(dot_fn()(&q, &rows[0]), dot_portable(&q, &rows[0]));
        assert!(f.nearest(&query, 0, |_| true).unwrap().is_empty());
    }
}
