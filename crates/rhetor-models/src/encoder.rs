//! A BERT encoder (all-MiniLM-L6-v2 shape) on candle tensors, written for this project.
//!
//! One set of weights, two paths:
//! - [`Mode::Infer`]: candle's fused layer norm and softmax, no dropout, outputs detached from the
//!   autograd graph. (For bulk embedding, [`crate::fast::FastEncoder`] is quicker still.)
//! - [`Mode::Train`]: layer norm and softmax composed of differentiable ops (candle's fused
//!   `layer_norm` and `softmax_last_dim` are recorded without a backward pass, so gradients would
//!   silently stop there) plus dropout on attention probabilities and hidden states.
//!
//! Weights come through a [`VarBuilder`]: memory-mapped safetensors for inference, or a
//! [`VarMap`] (trainable [`candle_core::Var`]s) for fine-tuning; see [`Encoder::load_trainable`].

use candle_core::{DType, Device, Module, Tensor, D};
use candle_nn::{VarBuilder, VarMap};
use serde::{Deserialize, Serialize};

use crate::weights::ModelFiles;

/// Errors from building or running the encoder.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    /// A tensor operation failed (shape mismatch, missing weight, ...).
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
    /// The config file could not be read or parsed.
    #[error("reading model config {path}: {message}")]
    Config {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Inputs are inconsistent with the model.
    #[error("invalid input: {0}")]
    Input(String),
}

/// BERT hyper-parameters (the fields of Hugging Face's `config.json` that matter here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BertConfig {
    /// Vocabulary size.
    pub vocab_size: usize,
    /// Width of the hidden states (384 for MiniLM-L6).
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_hidden_layers: usize,
    /// Number of attention heads.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Number of learned positions.
    pub max_position_embeddings: usize,
    /// Number of token types (segments).
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: usize,
    /// Layer-norm epsilon.
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    /// Dropout on hidden states during training.
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f32,
    /// Dropout on attention probabilities during training.
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f32,
    /// Activation; only `gelu` (erf form) is supported.
    #[serde(default = "default_act")]
    pub hidden_act: String,
}

fn default_type_vocab() -> usize {
    2
}
fn default_eps() -> f64 {
    1e-12
}
fn default_dropout() -> f32 {
    0.1
}
fn default_act() -> String {
    "gelu".into()
}

impl BertConfig {
    /// all-MiniLM-L6-v2's configuration.
    pub fn minilm_l6() -> Self {
        Self {
            vocab_size: 30522,
            hidden_size: 384,
            num_hidden_layers: 6,
            num_attention_heads: 12,
            intermediate_size: 1536,
            max_position_embeddings: 512,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            hidden_dropout_prob: 0.1,
            attention_probs_dropout_prob: 0.1,
            hidden_act: "gelu".into(),
        }
    }

    /// Reads a Hugging Face `config.json`.
    pub fn from_file(path: &std::path::Path) -> Result<Self, EncoderError> {
        let err = |message: String| EncoderError::Config {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let c: Self = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        c.validate().map_err(err)?;
        Ok(c)
    }

    fn validate(&self) -> Result<(), String> {
        if self.hidden_act != "gelu" {
            return Err(format!("unsupported activation {:?}", self.hidden_act));
        }
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return Err("hidden_size must be a multiple of num_attention_heads".into());
        }
        Ok(())
    }

    /// Width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }
}

/// Which path a forward pass takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Fused ops, no dropout, result detached from autograd.
    Infer,
    /// Differentiable layer norm and dropout.
    Train,
}

/// A dense layer `y = x W^T + b` with Hugging Face's weight layout `[out, in]`.
#[derive(Debug, Clone)]
pub struct Dense {
    /// `[out, in]`.
    pub weight: Tensor,
    /// `[out]`.
    pub bias: Tensor,
}

impl Dense {
    fn new(vb: VarBuilder, d_in: usize, d_out: usize) -> candle_core::Result<Self> {
        let weight = vb.get_with_hints(
            (d_out, d_in),
            "weight",
            candle_nn::init::DEFAULT_KAIMING_NORMAL,
        )?;
        let bias = vb.get_with_hints(d_out, "bias", candle_nn::init::ZERO)?;
        Ok(Self { weight, bias })
    }

    /// Applies the layer to `[.., in]` (any leading dims).
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let dims = x.dims();
        let d_in = dims.last().copied().unwrap_or(0);
        let lead: usize = dims.iter().rev().skip(1).product();
        // Flatten leading dims into one: one 2-D matmul instead of a batched one.
        let x2 = x.reshape((lead, d_in))?;
        let y = x2.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)?;
        let mut out_dims = dims.to_vec();
        if let Some(last) = out_dims.last_mut() {
            *last = self.weight.dim(0)?;
        }
        y.reshape(out_dims)
    }
}

/// Layer norm with learned scale and shift.
#[derive(Debug, Clone)]
pub struct Norm {
    /// Scale (`gamma`), `[hidden]`.
    pub weight: Tensor,
    /// Shift (`beta`), `[hidden]`.
    pub bias: Tensor,
    eps: f64,
}

impl Norm {
    fn new(vb: VarBuilder, d: usize, eps: f64) -> candle_core::Result<Self> {
        let weight = vb.get_with_hints(d, "weight", candle_nn::init::ONE)?;
        let bias = vb.get_with_hints(d, "bias", candle_nn::init::ZERO)?;
        Ok(Self { weight, bias, eps })
    }

    /// Normalises over the last dimension.
    pub fn forward(&self, x: &Tensor, mode: Mode) -> candle_core::Result<Tensor> {
        match mode {
            Mode::Infer => candle_nn::ops::layer_norm(
                &x.contiguous()?,
                &self.weight,
                &self.bias,
                self.eps as f32,
            ),
            Mode::Train => {
                // Composed of differentiable ops so gradients flow through it.
                let mean = x.mean_keepdim(D::Minus1)?;
                let xc = x.broadcast_sub(&mean)?;
                let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
                let inv = (var + self.eps)?.sqrt()?.recip()?;
                xc.broadcast_mul(&inv)?
                    .broadcast_mul(&self.weight)?
                    .broadcast_add(&self.bias)
            }
        }
    }
}

/// Token, position and segment embeddings followed by a layer norm.
#[derive(Debug, Clone)]
pub struct Embeddings {
    /// `[vocab, hidden]`.
    pub word: Tensor,
    /// `[positions, hidden]`.
    pub position: Tensor,
    /// `[types, hidden]`.
    pub token_type: Tensor,
    /// The embedding layer norm.
    pub norm: Norm,
}

/// One transformer layer.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Query projection.
    pub query: Dense,
    /// Key projection.
    pub key: Dense,
    /// Value projection.
    pub value: Dense,
    /// Attention output projection.
    pub attn_out: Dense,
    /// Norm after attention.
    pub attn_norm: Norm,
    /// Feed-forward up-projection.
    pub ffn_in: Dense,
    /// Feed-forward down-projection.
    pub ffn_out: Dense,
    /// Norm after the feed-forward block.
    pub ffn_norm: Norm,
}

/// The encoder: embeddings and a stack of layers. Output: per-token states `[batch, seq, hidden]`.
#[derive(Debug, Clone)]
pub struct Encoder {
    /// Hyper-parameters.
    pub config: BertConfig,
    /// Embedding block.
    pub embeddings: Embeddings,
    /// Transformer layers.
    pub layers: Vec<Layer>,
    device: Device,
}

impl Encoder {
    /// Builds the encoder from a [`VarBuilder`] whose names follow Hugging Face's BERT without the
    /// `bert.` prefix (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`, ...).
    /// With `VarBuilder::from_varmap` the weights are created (randomly initialised) in the map.
    pub fn new(vb: VarBuilder, config: BertConfig) -> Result<Self, EncoderError> {
        config.validate().map_err(EncoderError::Input)?;
        let h = config.hidden_size;
        let eps = config.layer_norm_eps;
        let e = vb.pp("embeddings");
        let init_emb = candle_nn::init::Init::Randn {
            mean: 0.,
            stdev: 0.02,
        };
        let embeddings = Embeddings {
            word: e.get_with_hints((config.vocab_size, h), "word_embeddings.weight", init_emb)?,
            position: e.get_with_hints(
                (config.max_position_embeddings, h),
                "position_embeddings.weight",
                init_emb,
            )?,
            token_type: e.get_with_hints(
                (config.type_vocab_size, h),
                "token_type_embeddings.weight",
                init_emb,
            )?,
            norm: Norm::new(e.pp("LayerNorm"), h, eps)?,
        };
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let l = vb.pp(format!("encoder.layer.{i}"));
            let a = l.pp("attention");
            layers.push(Layer {
                query: Dense::new(a.pp("self.query"), h, h)?,
                key: Dense::new(a.pp("self.key"), h, h)?,
                value: Dense::new(a.pp("self.value"), h, h)?,
                attn_out: Dense::new(a.pp("output.dense"), h, h)?,
                attn_norm: Norm::new(a.pp("output.LayerNorm"), h, eps)?,
                ffn_in: Dense::new(l.pp("intermediate.dense"), h, config.intermediate_size)?,
                ffn_out: Dense::new(l.pp("output.dense"), config.intermediate_size, h)?,
                ffn_norm: Norm::new(l.pp("output.LayerNorm"), h, eps)?,
            });
        }
        Ok(Self {
            config,
            embeddings,
            layers,
            device: vb.device().clone(),
        })
    }

    /// Loads pretrained weights for inference (memory-mapped safetensors, CPU, f32).
    pub fn load(files: &ModelFiles) -> Result<Self, EncoderError> {
        let config = BertConfig::from_file(&files.config())?;
        // SAFETY: the file is memory-mapped read-only; rhetor never writes to installed models.
        let vb = unsafe {
            VarBuilder::from_mmaped_safetensors(&[files.weights()], DType::F32, &Device::Cpu)?
        };
        Self::new(vb, config)
    }

    /// Loads pretrained weights into a fresh [`VarMap`] so every weight is a trainable variable.
    /// Build heads with `VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu).pp("head")`
    /// on the same map to train everything together (or on a separate map to train only heads).
    pub fn load_trainable(files: &ModelFiles) -> Result<(Self, VarMap), EncoderError> {
        let config = BertConfig::from_file(&files.config())?;
        let mut varmap = VarMap::new();
        let enc = {
            let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
            Self::new(vb, config)?
        };
        varmap.load(files.weights())?;
        Ok((enc, varmap))
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Runs the encoder. `input_ids`: `[batch, seq]` u32; `attention_mask`: `[batch, seq]`
    /// (any dtype, 1 = token, 0 = padding). Returns the last layer's states `[batch, seq, hidden]`.
    /// Token types are all 0 (single segment). Positions are 0..seq.
    pub fn forward(
        &self,
        input_ids: &Tensor,
        attention_mask: &Tensor,
        mode: Mode,
    ) -> Result<Tensor, EncoderError> {
        let (b, s) = input_ids.dims2()?;
        if attention_mask.dims() != [b, s] {
            return Err(EncoderError::Input(format!(
                "attention mask shape {:?} differs from input ids {:?}",
                attention_mask.dims(),
                input_ids.dims()
            )));
        }
        if s > self.config.max_position_embeddings {
            return Err(EncoderError::Input(format!(
                "sequence of {s} tokens exceeds the model's {} positions",
                self.config.max_position_embeddings
            )));
        }
        let train = mode == Mode::Train;
        let h = self.config.hidden_size;
        let ids = input_ids.to_dtype(DType::U32)?;
        // Ids out of range would make index_select fail with a tensor error, not panic: check
        // first for a clearer message.
        let max_id = ids.flatten_all()?.max(0)?.to_scalar::<u32>().unwrap_or(0) as usize;
        if b * s > 0 && max_id >= self.config.vocab_size {
            return Err(EncoderError::Input(format!(
                "token id {max_id} outside the vocabulary of {}",
                self.config.vocab_size
            )));
        }
        let e = &self.embeddings;
        let word = e
            .word
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, s, h))?;
        let pos = e.position.narrow(0, 0, s)?;
        let tt = e.token_type.narrow(0, 0, 1)?;
        let x = word.broadcast_add(&pos)?.broadcast_add(&tt)?;
        let mut x = self.dropout(&e.norm.forward(&x, mode)?, train)?;

        // Additive mask: 0 for tokens, a large negative number for padding, [b, 1, 1, s].
        let mask = attention_mask.to_dtype(DType::F32)?;
        let bias = ((mask.ones_like()? - &mask)? * -1e9f64)?.reshape((b, 1, 1, s))?;

        for layer in &self.layers {
            x = self.layer_forward(layer, &x, &bias, mode)?;
        }
        Ok(if train { x } else { x.detach() })
    }

    fn dropout(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        let p = self.config.hidden_dropout_prob;
        if train && p > 0.0 {
            candle_nn::ops::dropout(x, p)
        } else {
            Ok(x.clone())
        }
    }

    fn layer_forward(
        &self,
        l: &Layer,
        x: &Tensor,
        mask_bias: &Tensor,
        mode: Mode,
    ) -> candle_core::Result<Tensor> {
        let train = mode == Mode::Train;
        let (b, s, h) = x.dims3()?;
        let nh = self.config.num_attention_heads;
        let hd = self.config.head_dim();
        let heads = |t: Tensor| -> candle_core::Result<Tensor> {
            t.reshape((b, s, nh, hd))?.transpose(1, 2)?.contiguous()
        };
        let q = heads(l.query.forward(x)?)?;
        let k = heads(l.key.forward(x)?)?;
        let v = heads(l.value.forward(x)?)?;
        let scale = 1.0 / (hd as f64).sqrt();
        let scores = (q.matmul(&k.t()?)? * scale)?.broadcast_add(mask_bias)?;
        // candle's fused `softmax_last_dim` has no backward either: compose it when training.
        let probs = if train {
            candle_nn::ops::softmax(&scores, D::Minus1)?
        } else {
            candle_nn::ops::softmax_last_dim(&scores)?
        };
        let probs = if train && self.config.attention_probs_dropout_prob > 0.0 {
            candle_nn::ops::dropout(&probs, self.config.attention_probs_dropout_prob)?
        } else {
            probs
        };
        let ctx = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, s, h))?;
        let a = self.dropout(&l.attn_out.forward(&ctx)?, train)?;
        let x = l.attn_norm.forward(&(a + x)?, mode)?;
        let f = l.ffn_in.forward(&x)?.gelu_erf()?;
        let f = self.dropout(&l.ffn_out.forward(&f)?, train)?;
        l.ffn_norm.forward(&(f + x)?, mode)
    }
}

/// Mean of the states over the attention mask, then L2-normalised: the sentence-transformers
/// recipe for all-MiniLM-L6-v2. `states`: `[b, s, h]`, `mask`: `[b, s]`. Returns `[b, h]`.
pub fn mean_pool_normalize(states: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let sum = states.broadcast_mul(&m)?.sum(1)?;
    let count = m.sum(1)?.clamp(1e-9, f64::MAX)?;
    let mean = sum.broadcast_div(&count)?;
    let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
    mean.broadcast_div(&norm)
}

impl Module for Dense {
    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        Dense::forward(self, xs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> BertConfig {
        BertConfig {
            vocab_size: 50,
            hidden_size: 16,
            num_hidden_layers: 2,
            num_attention_heads: 4,
            intermediate_size: 32,
            max_position_embeddings: 20,
            ..BertConfig::minilm_l6()
        }
    }

    #[test]
    fn train_and_infer_agree_without_dropout() {
        let vm = VarMap::new();
        let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
        let mut cfg = tiny();
        cfg.hidden_dropout_prob = 0.0;
        cfg.attention_probs_dropout_prob = 0.0;
        let enc = Encoder::new(vb, cfg).unwrap();
        let ids = Tensor::new(&[[1u32, 5, 7, 2, 0], [1, 9, 2, 0, 0]], &Device::Cpu).unwrap();
        let mask = Tensor::new(&[[1u32, 1, 1, 1, 0], [1, 1, 1, 0, 0]], &Device::Cpu).unwrap();
        let a = enc.forward(&ids, &mask, Mode::Infer).unwrap();
        let b = enc.forward(&ids, &mask, Mode::Train).unwrap();
        assert_eq!(a.dims(), &[2, 5, 16]);
        let d = (a - b)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(d < 1e-4, "max diff {d}");
    }

    #[test]
    fn every_parameter_gets_a_gradient() {
        let vm = VarMap::new();
        let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
        let enc = Encoder::new(vb, tiny()).unwrap();
        let ids = Tensor::new(&[[1u32, 5, 7, 2], [1, 1, 2, 0]], &Device::Cpu).unwrap();
        let mask = Tensor::new(&[[1u32, 1, 1, 1], [1, 1, 1, 0]], &Device::Cpu).unwrap();
        let out = enc.forward(&ids, &mask, Mode::Train).unwrap();
        // A loss that touches every output dimension non-trivially.
        let loss = out.sqr().unwrap().sum_all().unwrap();
        let grads = loss.backward().unwrap();
        let mut missing = vec![];
        for (name, var) in vm.data().lock().unwrap().iter() {
            let g = grads.get(var.as_tensor());
            let nonzero = g
                .map(|g| {
                    g.abs()
                        .unwrap()
                        .sum_all()
                        .unwrap()
                        .to_scalar::<f32>()
                        .unwrap()
                        > 0.0
                })
                .unwrap_or(false);
            // Unused vocabulary/position rows have zero gradient, but each tensor as a whole must
            // receive one. The key bias is the exception: it adds the same q·b to every score of
            // a query, which softmax cancels, so its true gradient is zero (in PyTorch too).
            if !nonzero && !name.ends_with("key.bias") {
                missing.push(name.clone());
            }
        }
        assert!(missing.is_empty(), "no gradient for {missing:?}");
    }

    #[test]
    fn bad_inputs_are_errors() {
        let vm = VarMap::new();
        let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
        let enc = Encoder::new(vb, tiny()).unwrap();
        let ids = Tensor::new(&[[1u32, 500]], &Device::Cpu).unwrap();
        let mask = Tensor::new(&[[1u32, 1]], &Device::Cpu).unwrap();
        assert!(enc.forward(&ids, &mask, Mode::Infer).is_err());
        let mask3 = Tensor::new(&[[1u32, 1, 1]], &Device::Cpu).unwrap();
        let ids2 = Tensor::new(&[[1u32, 5]], &Device::Cpu).unwrap();
        assert!(enc.forward(&ids2, &mask3, Mode::Infer).is_err());
    }
}
