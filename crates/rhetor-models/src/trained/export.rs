//! Trained models on disk: our own files only, loadable without the original wheel.
//!
//! ```text
//! DIR/rhetor-model.json   ModelConfig: encoder hyper-parameters, max length, heads and labels
//! DIR/model.safetensors   every weight (encoder + heads), f32 or f16
//! DIR/tokenizer.json      the tokenizer the model was trained with
//! ```
//! The folder is written next to its destination under a temporary name and renamed into place,
//! so a reader never sees half a model.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};

use super::heads::{Head, HeadKind, HeadSpec};
use super::{io_err, json_err, ModelError, Result};
use crate::encoder::{BertConfig, Encoder, Mode};
use crate::tokenize::TextTokenizer;

/// File name of the JSON config.
pub const CONFIG_FILE: &str = "rhetor-model.json";
/// File name of the weights.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// File name of the tokenizer.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// Current format version.
pub const FORMAT_VERSION: u32 = 1;

/// Storage precision of saved weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreDType {
    /// 4 bytes per weight.
    F32,
    /// 2 bytes per weight; loaded back as f32 (half the disk size, rounding error ~1e-3 relative).
    F16,
}

/// What a trained model is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Format version of this file.
    pub format: u32,
    /// Encoder hyper-parameters.
    pub encoder: BertConfig,
    /// Maximum tokens per input (specials included) the model was trained with.
    pub max_len: usize,
    /// Heads, in output order.
    pub heads: Vec<HeadSpec>,
    /// Precision of `model.safetensors`.
    pub dtype: StoreDType,
    /// Free-form provenance (data, seed, scores).
    #[serde(default)]
    pub notes: serde_json::Value,
}

/// A trained model loaded for inference.
pub struct TrainedModel {
    /// Its config.
    pub config: ModelConfig,
    /// The fine-tuned encoder.
    pub encoder: Encoder,
    /// Heads, in config order.
    pub heads: Vec<Head>,
    /// The tokenizer (padding and truncation off).
    pub tokenizer: TextTokenizer,
}

impl ModelConfig {
    /// Reads `DIR/rhetor-model.json` and checks its format version.
    pub fn load(dir: &Path) -> Result<Self> {
        let cp = dir.join(CONFIG_FILE);
        let text = fs::read_to_string(&cp).map_err(io_err(format!("reading {}", cp.display())))?;
        let config: ModelConfig =
            serde_json::from_str(&text).map_err(json_err(format!("parsing {}", cp.display())))?;
        if config.format != FORMAT_VERSION {
            return Err(ModelError::Input(format!(
                "{} has format {}, this build reads {FORMAT_VERSION}",
                cp.display(),
                config.format
            )));
        }
        Ok(config)
    }
}

/// Weight `[outputs, hidden]` and bias `[outputs]` of a head, as f32 (f16 widened exactly), read
/// straight from `DIR/model.safetensors` (memory-mapped, nothing else loaded): for inference
/// code that runs its own encoder and needs no candle copy of the model.
pub fn head_weights(dir: &Path, name: &str, hidden: usize) -> Result<(Vec<f32>, Vec<f32>)> {
    let path = dir.join(WEIGHTS_FILE);
    let file = fs::File::open(&path).map_err(io_err(format!("opening {}", path.display())))?;
    // SAFETY: read-only mapping of an installed model file, which rhetor never writes in place
    // (models are written under a temporary name and renamed).
    let map = unsafe { memmap2::Mmap::map(&file) }
        .map_err(io_err(format!("mapping {}", path.display())))?;
    let st = safetensors::SafeTensors::deserialize(&map)
        .map_err(|e| ModelError::Input(format!("{}: {e}", path.display())))?;
    let wname = format!("heads.{name}.weight");
    let outputs = st
        .tensor(&wname)
        .map_err(|e| ModelError::Input(format!("{wname}: {e}")))?
        .shape()
        .first()
        .copied()
        .unwrap_or(0);
    let weight =
        crate::fast::tensor_f32(&st, &wname, &[outputs, hidden]).map_err(ModelError::Input)?;
    let bias = crate::fast::tensor_f32(&st, &format!("heads.{name}.bias"), &[outputs])
        .map_err(ModelError::Input)?;
    Ok((weight, bias))
}

impl TrainedModel {
    /// Loads a folder written by `rhetor_train::export::save_trained`.
    pub fn load(dir: &Path) -> Result<Self> {
        let config = ModelConfig::load(dir)?;
        let dev = Device::Cpu;
        let tensors = candle_core::safetensors::load(dir.join(WEIGHTS_FILE), &dev)?
            .into_iter()
            .map(|(k, t)| Ok((k, t.to_dtype(DType::F32)?)))
            .collect::<Result<HashMap<String, Tensor>>>()?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &dev);
        let encoder = Encoder::new(vb.clone(), config.encoder.clone())?;
        let hidden = config.encoder.hidden_size;
        let heads = config
            .heads
            .iter()
            .map(|s| Head::new(vb.clone(), s.clone(), hidden))
            .collect::<Result<Vec<_>>>()?;
        let tokenizer = TextTokenizer::from_file(&dir.join(TOKENIZER_FILE))?;
        Ok(Self {
            config,
            encoder,
            heads,
            tokenizer,
        })
    }

    /// Logits of every head for a batch (inference path).
    pub fn forward(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Result<Vec<Tensor>> {
        let states = self
            .encoder
            .forward(input_ids, attention_mask, Mode::Infer)?;
        let mask = attention_mask.to_dtype(DType::F32)?;
        self.heads
            .iter()
            .map(|h| h.forward(&states, &mask, None))
            .collect()
    }

    /// Probabilities of the sequence heads for each text: `out[text][head]` (one value per label;
    /// token heads get an empty vector: use [`TrainedModel::forward`] for those). Texts are
    /// truncated to `max_len` tokens, as in training.
    pub fn classify(&self, texts: &[&str]) -> Result<Vec<Vec<Vec<f32>>>> {
        let (ids, mask) = encode_batch(&self.tokenizer, texts, self.config.max_len)?;
        if texts.is_empty() {
            return Ok(vec![]);
        }
        let logits = self.forward(&ids, &mask)?;
        let mut out = vec![vec![vec![]; self.heads.len()]; texts.len()];
        for (hi, (head, l)) in self.heads.iter().zip(&logits).enumerate() {
            if head.spec.kind == HeadKind::TokenBio {
                continue;
            }
            let p = head.probabilities(l)?.to_vec2::<f32>()?;
            for (ti, row) in p.into_iter().enumerate() {
                if let Some(slot) = out.get_mut(ti).and_then(|o| o.get_mut(hi)) {
                    *slot = row;
                }
            }
        }
        Ok(out)
    }
}

/// Tokenizes texts into a right-padded batch: ids `[n, s]` u32 and mask `[n, s]` u32, each
/// text as `[CLS] … [SEP]` truncated to `max_len`.
pub fn encode_batch(
    tok: &TextTokenizer,
    texts: &[&str],
    max_len: usize,
) -> Result<(Tensor, Tensor)> {
    let seqs = texts
        .iter()
        .map(|t| tok.encode_truncated(t, max_len))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(pad_batch(&seqs, tok.pad_id())?)
}

/// Right-pads id sequences to the longest: `(ids [n, s], mask [n, s])`, both u32.
pub fn pad_batch(seqs: &[Vec<u32>], pad: u32) -> candle_core::Result<(Tensor, Tensor)> {
    let n = seqs.len();
    let s = seqs.iter().map(|x| x.len()).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(n * s);
    let mut mask = Vec::with_capacity(n * s);
    for q in seqs {
        ids.extend_from_slice(q);
        mask.extend(std::iter::repeat_n(1u32, q.len()));
        ids.extend(std::iter::repeat_n(pad, s - q.len()));
        mask.extend(std::iter::repeat_n(0u32, s - q.len()));
    }
    let dev = Device::Cpu;
    Ok((
        Tensor::from_vec(ids, (n, s), &dev)?,
        Tensor::from_vec(mask, (n, s), &dev)?,
    ))
}
