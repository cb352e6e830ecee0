//! `rhetor bench train`: seconds per training step of the full encoder plus a multi-label head.
//!
//! candle sizes its thread pool once per process (`RAYON_NUM_THREADS`), so each thread count is
//! measured in a child process of this same binary.

use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use rhetor_models::trained::{HeadKind, HeadSpec, Pooling};
use rhetor_models::{weights, Encoder};
use rhetor_train::{Batch, Target, Task, TrainConfig, Trainer};

/// Parent: run one child per thread count and print what they report.
pub fn run(threads: &[usize], steps: usize, batch: usize, seq: usize, freeze: bool) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find the rhetor binary")?;
    println!(
        "training benchmark: all-MiniLM-L6-v2 + multi-label head, batch {batch} x {seq} tokens, {steps} steps after 2 warm-up steps, word embeddings {}",
        if freeze { "frozen" } else { "trained" }
    );
    for &t in threads {
        let mut cmd = Command::new(&exe);
        cmd.args(["bench", "train", "--child", "--steps", &steps.to_string()])
            .args(["--batch", &batch.to_string(), "--seq", &seq.to_string()])
            .env("RAYON_NUM_THREADS", t.to_string());
        if !freeze {
            cmd.arg("--train-embeddings");
        }
        let out = cmd.output().context("cannot run the benchmark child")?;
        if !out.status.success() {
            bail!(
                "threads {t}: child failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        print!("threads {t}: {}", String::from_utf8_lossy(&out.stdout));
    }
    Ok(())
}

/// Child: measure in this process.
pub fn child(steps: usize, batch: usize, seq: usize, freeze: bool) -> Result<()> {
    let files = weights::ensure_model(&weights::cache_root()?)?;
    let (encoder, varmap) = Encoder::load_trainable(&files)?;
    let hidden = encoder.config.hidden_size;
    let spec = HeadSpec {
        name: "bench".into(),
        kind: HeadKind::MultiLabel {
            pooling: Pooling::Mean,
        },
        labels: (0..23).map(|i| format!("label{i}")).collect(),
        dropout: 0.1,
    };
    let head = rhetor_models::trained::Head::init_seeded(&varmap, spec, hidden, 7)?;
    let tasks = vec![Task {
        head,
        weight: 1.0,
        class_weights: None,
    }];
    let cfg = TrainConfig {
        max_steps: Some((steps + 2) as u64),
        batch_size: batch,
        freeze_word_embeddings: freeze,
        progress: false,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::new(encoder, varmap, tasks, cfg, (steps + 2) as u64)?;
    // Token ids drawn from the ordinary-word range of the vocabulary, deterministic.
    let dev = Device::Cpu;
    let ids: Vec<u32> = (0..batch * seq)
        .map(|i| {
            if i % seq == 0 {
                101
            } else if i % seq == seq - 1 {
                102
            } else {
                2000 + ((i as u32).wrapping_mul(2_654_435_761) % 20_000)
            }
        })
        .collect();
    let input_ids = Tensor::from_vec(ids, (batch, seq), &dev)?;
    let attention_mask = Tensor::ones((batch, seq), DType::U32, &dev)?;
    let labels: Vec<f32> = (0..batch * 23).map(|i| (i % 5 == 0) as u8 as f32).collect();
    let labels = Tensor::from_vec(labels, (batch, 23), &dev)?;
    let b = Batch {
        input_ids,
        attention_mask,
        targets: vec![Some(Target::MultiLabel { labels, mask: None })],
    };
    let mut times = Vec::new();
    for i in 0..steps + 2 {
        let t0 = Instant::now();
        trainer.step(&b)?;
        if i >= 2 {
            times.push(t0.elapsed().as_secs_f64());
        }
    }
    let med = crate::bench::median(&mut times);
    println!(
        "{:.3} s per step median ({:.2} steps/s, {:.0} tokens/s), peak RSS {:.0} MB",
        med,
        1.0 / med,
        (batch * seq) as f64 / med,
        crate::bench::peak_rss_mb().unwrap_or(f64::NAN)
    );
    Ok(())
}
