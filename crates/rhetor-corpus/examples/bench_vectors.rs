//! Nearest-neighbour latency of the store's vector file at a million articles (or N):
//! N random unit vectors of 384 dimensions written as int8 rows, then queries that are noisy
//! copies of stored rows (the row must come back first: the exact scan has no recall loss to
//! tune) timed cold-cache-free (the file is scanned once before timing), with no filter and with
//! a filter that admits 1% of the rows.
//!
//! cargo run --release -p rhetor-corpus --example bench_vectors -- 1000000 /tmp/vec-bench

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rhetor_corpus::vectors::VectorFile;
use rhetor_eval::measure::percentile;

const DIM: usize = 384;

fn unit(rng: &mut rand::rngs::StdRng) -> Vec<f32> {
    let v: Vec<f32> = (0..DIM).map(|_| rng.gen::<f32>() - 0.5).collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

/// The scan as it was before (one thread, i32 products, baseline x86-64 code): the side-by-side
/// reference for the store's scan.
fn plain_scan(data: &[u8], q: &[i8], k: usize) -> Vec<(u64, i32)> {
    let mut best: Vec<(u64, i32)> = Vec::with_capacity(k + 1);
    for (row, v) in data.chunks_exact(DIM).enumerate() {
        let s: i32 = q
            .iter()
            .zip(v)
            .map(|(x, y)| *x as i32 * (*y as i8) as i32)
            .sum();
        if best.len() == k && best.last().is_some_and(|(_, w)| s <= *w) {
            continue;
        }
        let pos = best.partition_point(|(_, w)| *w >= s);
        best.insert(pos, (row as u64, s));
        best.truncate(k);
    }
    best
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let dir = std::path::PathBuf::from(args.get(2).map_or("/tmp/rhetor-vec-bench", |s| s));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("vectors.i8");
    let _ = std::fs::remove_file(&path);
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut file = VectorFile::open(&path, DIM, 0)?;
    let t = Instant::now();
    let probes: Vec<u64> = (0..50).map(|i| i * (n / 50)).collect();
    let mut kept = Vec::new();
    for row in 0..n {
        let v = unit(&mut rng);
        if probes.contains(&row) {
            kept.push(v.clone());
        }
        file.push(&v)?;
    }
    file.flush()?;
    let write_s = t.elapsed().as_secs_f64();
    // Warm the page cache and the map.
    let _ = file.nearest(&kept[0], 10, |_| true)?;
    let bytes = std::fs::read(&path)?;
    let mut all = Vec::new();
    let mut plain = Vec::new();
    let mut filtered = Vec::new();
    let mut found_first = 0;
    for (i, v) in kept.iter().enumerate() {
        // A noisy copy: cosine about 0.95 with the stored row.
        let noise = unit(&mut rng);
        let q: Vec<f32> = v.iter().zip(&noise).map(|(a, b)| a + 0.3 * b).collect();
        let t = Instant::now();
        let hits = file.nearest(&q, 10, |_| true)?;
        all.push(t.elapsed().as_secs_f64() * 1e3);
        if hits.first().map(|h| h.0) == Some(probes[i]) {
            found_first += 1;
        }
        let t = Instant::now();
        let reference = plain_scan(&bytes, &rhetor_corpus::vectors::quantize(&q), 10);
        plain.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(
            reference.iter().map(|h| h.0).eq(hits.iter().map(|h| h.0)),
            "the store's scan and the plain scan disagree"
        );
        let t = Instant::now();
        let _ = file.nearest(&q, 10, |row| row % 100 == 0)?;
        filtered.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "{n} vectors ({:.0} MB) written in {write_s:.1} s; nearest 10 over all rows: median {:.1} ms, p99 {:.1} ms; \
         with a 1% filter: median {:.1} ms, p99 {:.1} ms; stored row first for {found_first}/{} noisy copies; \
         the plain one-thread scan (before), same queries: median {:.1} ms, p99 {:.1} ms; threads {}",
        (n as f64 * DIM as f64) / 1e6,
        percentile(&mut all.clone(), 0.5),
        percentile(&mut all, 0.99),
        percentile(&mut filtered.clone(), 0.5),
        percentile(&mut filtered, 0.99),
        kept.len(),
        percentile(&mut plain.clone(), 0.5),
        percentile(&mut plain, 0.99),
        rayon::current_num_threads()
    );
    let _ = std::fs::remove_file(&path);
    Ok(())
}
