//! End-to-end tests of the trainer on a tiny randomly initialised encoder (2 layers × 32).

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

use crate::export;
use crate::trainer::{Batch, Target, Task, TrainConfig, Trainer, WORD_EMBEDDINGS};
use crate::Result;
use rhetor_models::encoder::{BertConfig, Encoder};
use rhetor_models::trained::{spans_to_bio, Head, HeadKind, HeadSpec, Pooling};
use rhetor_models::trained::{ModelConfig, StoreDType, TrainedModel};

fn tiny_config() -> BertConfig {
    BertConfig {
        vocab_size: 64,
        hidden_size: 32,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        intermediate_size: 64,
        max_position_embeddings: 32,
        ..BertConfig::minilm_l6()
    }
}

fn specs() -> Vec<HeadSpec> {
    vec![
        HeadSpec {
            name: "single".into(),
            kind: HeadKind::SingleLabel {
                pooling: Pooling::Mean,
            },
            labels: vec!["no".into(), "yes".into()],
            dropout: 0.1,
        },
        HeadSpec {
            name: "multi".into(),
            kind: HeadKind::MultiLabel {
                pooling: Pooling::Cls,
            },
            labels: vec!["a".into(), "b".into(), "c".into()],
            dropout: 0.1,
        },
        HeadSpec {
            name: "tokens".into(),
            kind: HeadKind::TokenBio,
            labels: vec!["x".into(), "y".into()],
            dropout: 0.0,
        },
    ]
}

/// Encoder + heads on one map. With `init`, the map is first loaded from those tensors so
/// several trainers start from identical weights.
fn build(init: Option<&HashMap<String, Tensor>>) -> (Encoder, VarMap, Vec<Task>) {
    let mut vm = VarMap::new();
    let enc = Encoder::new(
        VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu),
        tiny_config(),
    )
    .unwrap();
    let tasks: Vec<Task> = specs()
        .into_iter()
        .enumerate()
        .map(|(i, s)| Task {
            head: Head::init_seeded(&vm, s, 32, 100 + i as u64).unwrap(),
            weight: 1.0,
            class_weights: None,
        })
        .collect();
    if let Some(init) = init {
        let pairs: Vec<(String, Tensor)> =
            init.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        vm.set(pairs.iter().map(|(k, v)| (k, v))).unwrap();
    }
    (enc, vm, tasks)
}

/// A deterministic synthetic batch: label "yes" when token 7 occurs; multi-label a/b/c when
/// tokens 8/9/10 occur; token spans of "x" over runs of token 11.
fn batch(indices: &[usize]) -> Result<Batch> {
    let s = 10usize;
    let b = indices.len();
    let mut ids = vec![0u32; b * s];
    let mut mask = vec![0u32; b * s];
    let mut single = vec![0u32; b];
    let mut multi = vec![0f32; b * 3];
    let mut tags = vec![0u32; b * s * 2];
    let mut tmask = vec![0f32; b * s];
    for (r, &i) in indices.iter().enumerate() {
        let len = 4 + i % 6;
        for t in 0..len {
            let tok = if t == 0 {
                1
            } else if t == len - 1 {
                2
            } else {
                (3 + (i * 7 + t * 3) % 10) as u32
            };
            ids[r * s + t] = tok;
            mask[r * s + t] = 1;
            if t > 0 && t < len - 1 {
                tmask[r * s + t] = 1.0;
            }
        }
        let row = &ids[r * s..r * s + len];
        single[r] = u32::from(row.contains(&7));
        for (k, tok) in [8u32, 9, 10].iter().enumerate() {
            multi[r * 3 + k] = f32::from(u8::from(row.contains(tok)));
        }
        let offsets: Vec<(usize, usize)> = (0..s).map(|t| (t, t + 1)).collect();
        let spans: Vec<(usize, usize, usize)> = (0..len)
            .filter(|&t| row.get(t) == Some(&11))
            .map(|t| (0, t, t + 1))
            .collect();
        let bio = spans_to_bio(&offsets, &spans, 2)?;
        tags[r * s * 2..(r + 1) * s * 2].copy_from_slice(&bio);
    }
    let dev = Device::Cpu;
    Ok(Batch {
        input_ids: Tensor::from_vec(ids, (b, s), &dev)?,
        attention_mask: Tensor::from_vec(mask, (b, s), &dev)?,
        targets: vec![
            Some(Target::SingleLabel {
                labels: Tensor::from_vec(single, b, &dev)?,
                mask: None,
            }),
            Some(Target::MultiLabel {
                labels: Tensor::from_vec(multi, (b, 3), &dev)?,
                mask: None,
            }),
            Some(Target::TokenBio {
                tags: Tensor::from_vec(tags, (b, s, 2), &dev)?,
                mask: Tensor::from_vec(tmask, (b, s), &dev)?,
            }),
        ],
    })
}

fn snapshot(vm: &VarMap) -> HashMap<String, Tensor> {
    vm.data()
        .lock()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_tensor().copy().unwrap()))
        .collect()
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

fn cfg() -> TrainConfig {
    TrainConfig {
        seed: 5,
        batch_size: 8,
        max_steps: Some(6),
        lr: 1e-3,
        warmup_ratio: 0.0,
        freeze_word_embeddings: false,
        encoder_dropout: false,
        progress: false,
        log_every: 2,
        ..Default::default()
    }
}

/// The key bias adds the same q·b_k to every score of a query row, which softmax cancels: its
/// exact gradient is zero (PyTorch too), so it is the one parameter allowed not to learn.
fn exempt(name: &str) -> bool {
    name.ends_with("attention.self.key.bias")
}

#[test]
fn every_parameter_gets_a_gradient_and_moves_after_one_step() {
    let (enc, vm, tasks) = build(None);
    let before = snapshot(&vm);
    let mut tr = Trainer::new(enc, vm.clone(), tasks, cfg(), 1).unwrap();
    let b = batch(&(0..8).collect::<Vec<_>>()).unwrap();

    // Gradients: every variable of the map appears in the GradStore with a non-zero gradient.
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0);
    let (loss, per_task) = tr.loss(&b, &mut rng).unwrap();
    assert!(per_task.iter().all(|l| l.is_some_and(f32::is_finite)));
    let grads = loss.backward().unwrap();
    let vars = crate::named_vars(&vm);
    assert_eq!(vars.len(), 3 + 2 + 2 * 16 + 6, "encoder + heads variables");
    let mut no_grad = vec![];
    for (name, v) in &vars {
        let g = grads.get(v.as_tensor()).map(|g| {
            g.abs()
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap()
        });
        if !g.is_some_and(|g| g > 0.0) && !exempt(name) {
            no_grad.push(name.clone());
        }
    }
    assert!(no_grad.is_empty(), "no gradient: {no_grad:?}");

    // One update moves every parameter.
    let stats = tr.step(&b).unwrap();
    assert_eq!(stats.step, 1);
    assert!(stats.grad_norm > 0.0 && stats.loss.is_finite());
    let after = snapshot(&vm);
    let unmoved: Vec<&String> = before
        .iter()
        .filter(|(k, t)| !exempt(k) && max_abs_diff(t, &after[*k]) == 0.0)
        .map(|(k, _)| k)
        .collect();
    assert!(unmoved.is_empty(), "did not move: {unmoved:?}");
}

#[test]
fn frozen_word_embeddings_get_no_update() {
    let (enc, vm, tasks) = build(None);
    let before = snapshot(&vm);
    let c = TrainConfig {
        freeze_word_embeddings: true,
        ..cfg()
    };
    let mut tr = Trainer::new(enc, vm.clone(), tasks, c, 1).unwrap();
    let all: usize = before.values().map(|t| t.elem_count()).sum();
    assert_eq!(tr.n_trainable(), all - 64 * 32);
    tr.step(&batch(&[0, 1, 2, 3]).unwrap()).unwrap();
    let after = snapshot(&vm);
    assert_eq!(
        max_abs_diff(&before[WORD_EMBEDDINGS], &after[WORD_EMBEDDINGS]),
        0.0
    );
    let pos = "embeddings.position_embeddings.weight";
    assert!(max_abs_diff(&before[pos], &after[pos]) > 0.0);
}

#[test]
fn loss_falls_on_a_learnable_task() {
    let (enc, vm, tasks) = build(None);
    let c = TrainConfig {
        max_steps: Some(40),
        lr: 3e-3,
        warmup_ratio: 0.1,
        log_every: 10,
        ..cfg()
    };
    let mut tr = Trainer::new(enc, vm, tasks, c, 1).unwrap();
    let report = tr.fit(64, None, batch, |_| {}).unwrap();
    assert_eq!(report.steps_run, 40);
    let h = &report.loss_history;
    assert_eq!(h.len(), 4);
    assert!(h[3].1 < 0.7 * h[0].1, "loss did not fall: {h:?}");
}

#[test]
fn resume_continues_exactly() {
    let (_, vm0, _) = build(None);
    let init = snapshot(&vm0);
    let dir = tempfile::tempdir().unwrap();
    let c = TrainConfig {
        checkpoint_every: 3,
        batch_size: 8,
        ..cfg()
    };
    // 20 items, batch 8 → 3 batches per epoch: 6 steps cross an epoch boundary.
    let (enc, vm, tasks) = build(Some(&init));
    let mut full = Trainer::new(enc, vm.clone(), tasks, c.clone(), 3).unwrap();
    full.fit(20, None, batch, |_| {}).unwrap();
    let want = snapshot(&vm);

    // Interrupted run: the 5th batch fails after the checkpoint at step 3.
    let c2 = TrainConfig {
        checkpoint_dir: Some(dir.path().join("ck")),
        ..c
    };
    let (enc, vm, tasks) = build(Some(&init));
    let mut first = Trainer::new(enc, vm, tasks, c2.clone(), 3).unwrap();
    let mut calls = 0;
    let err = first.fit(
        20,
        None,
        |i| {
            calls += 1;
            if calls == 5 {
                Err(crate::TrainError::Input("simulated crash".into()))
            } else {
                batch(i)
            }
        },
        |_| {},
    );
    assert!(err.is_err());
    let (enc, vm, tasks) = build(Some(&init));
    let mut second = Trainer::new(enc, vm.clone(), tasks, c2, 3).unwrap();
    let rep = second.fit(20, None, batch, |_| {}).unwrap();
    assert_eq!(rep.resumed_from, Some(3));
    assert_eq!(rep.steps_run, 3);
    assert_eq!(rep.global_step, 6);
    let got = snapshot(&vm);
    for (k, t) in &want {
        let d = max_abs_diff(t, &got[k]);
        assert!(d < 1e-6, "{k} differs by {d}");
    }
    // A checkpoint from another configuration is refused.
    let (enc, vm, tasks) = build(Some(&init));
    let other = TrainConfig {
        seed: 6,
        checkpoint_dir: Some(dir.path().join("ck")),
        ..cfg()
    };
    let mut t3 = Trainer::new(enc, vm, tasks, other, 3).unwrap();
    assert!(t3.resume().is_err());
}

#[test]
fn bad_batches_and_setups_are_errors() {
    let (enc, vm, tasks) = build(None);
    let mut tr = Trainer::new(enc.clone(), vm.clone(), tasks.clone(), cfg(), 1).unwrap();
    let mut b = batch(&[0, 1]).unwrap();
    b.targets.pop();
    assert!(tr.step(&b).is_err());
    let mut b = batch(&[0, 1]).unwrap();
    b.targets.swap(0, 1);
    assert!(tr.step(&b).is_err());
    let mut b = batch(&[0, 1]).unwrap();
    b.targets = vec![None, None, None];
    assert!(tr.step(&b).is_err());
    assert!(tr.fit(0, None, batch, |_| {}).is_err());
    // A head on another map would silently not train: refused.
    let other = VarMap::new();
    let stray = Task {
        head: Head::init_seeded(&other, specs().remove(0), 32, 1).unwrap(),
        weight: 1.0,
        class_weights: None,
    };
    assert!(Trainer::new(enc.clone(), vm.clone(), vec![stray], cfg(), 1).is_err());
    assert!(Trainer::new(enc, vm, vec![], cfg(), 1).is_err());
}

fn tiny_tokenizer(path: &std::path::Path) {
    use tokenizers::models::wordpiece::WordPiece;
    use tokenizers::normalizers::BertNormalizer;
    use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
    let words = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "sat", "on", "mat", "dog", ".",
    ];
    let vocab: [(String, u32); 11] = std::array::from_fn(|i| (words[i].to_string(), i as u32));
    let wp = WordPiece::builder()
        .vocab(vocab)
        .unk_token("[UNK]".into())
        .build()
        .unwrap();
    let mut tok = tokenizers::Tokenizer::new(wp);
    tok.with_normalizer(Some(BertNormalizer::default()))
        .unwrap();
    tok.with_pre_tokenizer(Some(BertPreTokenizer));
    tok.save(path, false).unwrap();
}

#[test]
fn export_round_trip_f32_and_f16() {
    let (enc, vm, tasks) = build(None);
    let tr = Trainer::new(enc, vm.clone(), tasks, cfg(), 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tokp = dir.path().join("tok.json");
    tiny_tokenizer(&tokp);
    let b = batch(&[0, 1, 2]).unwrap();
    let want = tr.predict(&b.input_ids, &b.attention_mask).unwrap();
    for (dtype, tol) in [(StoreDType::F32, 1e-5), (StoreDType::F16, 5e-2)] {
        let out = dir.path().join(format!("model-{dtype:?}"));
        let mc = ModelConfig {
            format: export::FORMAT_VERSION,
            encoder: tiny_config(),
            max_len: 16,
            heads: specs(),
            dtype,
            notes: serde_json::json!({"test": true}),
        };
        export::save_trained(&out, &vm, &mc, &tokp).unwrap();
        // Saving again replaces the folder atomically.
        export::save_trained(&out, &vm, &mc, &tokp).unwrap();
        let m = TrainedModel::load(&out).unwrap();
        assert_eq!(m.config, mc);
        let got = m.forward(&b.input_ids, &b.attention_mask).unwrap();
        for (w, g) in want.iter().zip(&got) {
            let d = max_abs_diff(w, g);
            assert!(d < tol, "{dtype:?}: logits differ by {d}");
        }
        let probs = m.classify(&["the cat sat on the mat.", "dog"]).unwrap();
        assert_eq!(probs.len(), 2);
        assert_eq!(probs[0][0].len(), 2);
        assert!((probs[0][0].iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert_eq!(probs[1][1].len(), 3);
        assert!(probs[1][2].is_empty());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty());
    }
    assert!(TrainedModel::load(dir.path()).is_err());
}
