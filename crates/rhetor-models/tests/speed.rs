//! Speed probe (ignored by default; run with
//! `cargo test --release -p rhetor-models --test speed -- --ignored --nocapture`):
//! ms per batch of 32 sentences of ~30 tokens for the fast encoder and the candle encoder.

use std::time::Instant;

use rhetor_models::{weights, Encoder, FastEncoder, Mode, Precision, TextTokenizer};

fn sentences() -> Vec<String> {
    let base = [
        "The minister said on Tuesday that the new budget would protect every family in the country from rising prices",
        "Critics called the plan a reckless gamble with taxpayers' money and demanded an independent inquiry into its costs",
        "Floods closed three bridges and forced hundreds of residents from their homes as the river burst its banks overnight",
        "Officials insist the program is now fully funded through the end of the decade and will not require new taxes",
    ];
    (0..32)
        .map(|i| format!("{} ({}).", base[i % base.len()], i))
        .collect()
}

/// CPU seconds (user + system) used by this process so far, all threads.
fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let rest = &s[s.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[test]
#[ignore]
fn speed_probe() {
    let root = weights::cache_root().unwrap();
    let Ok(files) = weights::ensure_model(&root) else {
        eprintln!("SKIPPED: no model");
        return;
    };
    let tok = TextTokenizer::from_file(&files.tokenizer()).unwrap();
    let seqs: Vec<Vec<u32>> = sentences()
        .iter()
        .map(|s| tok.encode_truncated(s, 256).unwrap())
        .collect();
    let ntok: usize = seqs.iter().map(Vec::len).sum();
    eprintln!("batch: 32 x {:.1} tokens", ntok as f64 / 32.0);
    let threads_list: Vec<usize> = std::env::var("PROBE_THREADS")
        .unwrap_or_else(|_| "1,2".into())
        .split(',')
        .filter_map(|t| t.parse().ok())
        .collect();
    let iters: usize = std::env::var("PROBE_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    for &threads in &threads_list {
        let t = Instant::now();
        let enc = FastEncoder::load(&files, threads).unwrap();
        let load = t.elapsed().as_secs_f64();
        enc.forward(&seqs).unwrap();
        let c0 = cpu_s();
        let ms: Vec<f64> = (0..iters)
            .map(|_| {
                let t = Instant::now();
                enc.forward(&seqs).unwrap();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        let cpu_ms = (cpu_s() - c0) / iters as f64 * 1e3;
        let m = median(ms);
        eprintln!(
            "fast   threads={threads}: load {load:.3}s, {m:.1} ms/batch, {:.0} tokens/s, {cpu_ms:.0} CPU-ms/batch",
            ntok as f64 / m * 1e3
        );
        let want = enc.forward(&seqs).unwrap();
        let t = Instant::now();
        let q = FastEncoder::load(&files, threads)
            .unwrap()
            .with_precision(Precision::Int8);
        let load = t.elapsed().as_secs_f64();
        let got = q.forward(&seqs).unwrap();
        let ms: Vec<f64> = (0..iters)
            .map(|_| {
                let t = Instant::now();
                q.forward(&seqs).unwrap();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        let mq = median(ms);
        let mut worst = 1f64;
        for (a, b) in want.data.chunks(384).zip(got.data.chunks(384)) {
            let dot: f64 = a
                .iter()
                .zip(b)
                .map(|(x, y)| (*x as f64) * (*y as f64))
                .sum();
            let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
            let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
            worst = worst.min(dot / (na * nb));
        }
        eprintln!(
            "int8 ({}) threads={threads}: load {load:.3}s, {mq:.1} ms/batch ({:.2}x f32), min token cosine {worst:.5}",
            q.cpu_path().name(),
            m / mq
        );
    }
    if std::env::var("PROBE_CANDLE").as_deref() == Ok("0") {
        return;
    }
    // candle path (uses RAYON_NUM_THREADS / all cores)
    let enc = Encoder::load(&files).unwrap();
    let maxlen = seqs.iter().map(Vec::len).max().unwrap();
    let mut ids = vec![];
    let mut mask = vec![];
    for s in &seqs {
        for p in 0..maxlen {
            ids.push(*s.get(p).unwrap_or(&0));
            mask.push(u32::from(p < s.len()));
        }
    }
    let ids = candle_core::Tensor::from_vec(ids, (32, maxlen), &candle_core::Device::Cpu).unwrap();
    let mask =
        candle_core::Tensor::from_vec(mask, (32, maxlen), &candle_core::Device::Cpu).unwrap();
    enc.forward(&ids, &mask, Mode::Infer).unwrap();
    let ms: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            enc.forward(&ids, &mask, Mode::Infer).unwrap();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    eprintln!("candle (all cores): {:.1} ms/batch", median(ms));
}
