//! Multi-task training of heads over one shared encoder.
//!
//! Each step runs the encoder once in training mode, feeds its states to every task that has a
//! target in the batch, sums the tasks' weighted losses and updates all trainable variables
//! (encoder and heads) with AdamW. See the crate docs for the workflow.

use std::path::PathBuf;
use std::time::Instant;

use candle_core::{DType, Tensor};
use candle_nn::VarMap;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{self, TrainState};
use crate::loss::{bce_with_logits, cross_entropy};
use crate::optim::{clip_scale, global_grad_norm, AdamW, AdamWConfig, Decay, Schedule};
use crate::{Result, TrainError};
use rhetor_models::encoder::{Encoder, Mode};
use rhetor_models::trained::{Head, HeadKind};

/// Name of the word-embedding matrix in the encoder's variable map.
pub const WORD_EMBEDDINGS: &str = "embeddings.word_embeddings.weight";

/// One task: a head, the weight of its loss in the sum, and its class weighting.
#[derive(Debug, Clone)]
pub struct Task {
    /// The head (its variables must live in the trainer's `VarMap`).
    pub head: Head,
    /// Multiplier of this task's loss in the total.
    pub weight: f64,
    /// Class weighting. Single-label: weight per class `[classes]`. Multi-label: positive
    /// weight per label `[labels]` (negatives/positives balances a label). Token BIO: weight
    /// per tag `[3]` in O, B, I order (e.g. `[1, 5, 5]` when spans are rare).
    pub class_weights: Option<Tensor>,
}

/// The labels of one task for one batch.
#[derive(Debug, Clone)]
pub enum Target {
    /// For [`HeadKind::SingleLabel`]: class ids `[b]`; `mask` `[b]` (1 = this example has a
    /// label for this task).
    SingleLabel {
        /// Class ids.
        labels: Tensor,
        /// Which examples count.
        mask: Option<Tensor>,
    },
    /// For [`HeadKind::MultiLabel`]: 0/1 per label `[b, labels]`; `mask` `[b]`.
    MultiLabel {
        /// Label indicators.
        labels: Tensor,
        /// Which examples count.
        mask: Option<Tensor>,
    },
    /// For [`HeadKind::TokenBio`]: tags `[b, s, labels]` (see [`rhetor_models::trained::TAG_B`]); `mask`
    /// `[b, s]`, 1 for tokens that count (0 for padding and `[CLS]`/`[SEP]`).
    TokenBio {
        /// Tags.
        tags: Tensor,
        /// Which tokens count.
        mask: Tensor,
    },
}

/// One training batch: encoder inputs plus, per task (in the trainer's task order), a target or
/// `None` when the batch has no labels for that task.
#[derive(Debug, Clone)]
pub struct Batch {
    /// `[b, s]` token ids.
    pub input_ids: Tensor,
    /// `[b, s]`, 1 = token, 0 = padding.
    pub attention_mask: Tensor,
    /// One entry per task.
    pub targets: Vec<Option<Target>>,
}

/// Settings of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Seed for shuffling, head dropout and (via `Head::init_seeded`) head init.
    pub seed: u64,
    /// Passes over the data (ignored when `max_steps` is set).
    pub epochs: u64,
    /// Examples per batch (used by [`Trainer::fit`] to cut the shuffled order).
    pub batch_size: usize,
    /// Stop after this many updates instead of after `epochs`.
    pub max_steps: Option<u64>,
    /// Peak learning rate.
    pub lr: f64,
    /// Fraction of the updates spent warming up.
    pub warmup_ratio: f64,
    /// Decay after warmup.
    pub decay: Decay,
    /// AdamW settings.
    pub adamw: AdamWConfig,
    /// Clip the global gradient norm to this (0 disables).
    pub max_grad_norm: f64,
    /// Keep the word-embedding matrix fixed: it is half of MiniLM's parameters, and detaching it
    /// skips its gradient (a scatter into a 30522×384 matrix) and its AdamW update.
    pub freeze_word_embeddings: bool,
    /// Keep the encoder's dropout. Off makes runs reproducible bit for bit (candle's CPU dropout
    /// draws from an unseedable thread RNG); heads use seeded dropout either way.
    pub encoder_dropout: bool,
    /// Where checkpoints go; `None` disables checkpointing and resuming.
    pub checkpoint_dir: Option<PathBuf>,
    /// Save a checkpoint every this many updates (0: only at the end).
    pub checkpoint_every: u64,
    /// How many checkpoints to keep.
    pub keep_checkpoints: usize,
    /// Record the mean loss every this many updates.
    pub log_every: u64,
    /// Draw a progress bar on stderr (hidden automatically when stderr is not a terminal).
    pub progress: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            epochs: 1,
            batch_size: 16,
            max_steps: None,
            lr: 5e-5,
            warmup_ratio: 0.1,
            decay: Decay::Linear,
            adamw: AdamWConfig::default(),
            max_grad_norm: 1.0,
            freeze_word_embeddings: true,
            encoder_dropout: true,
            checkpoint_dir: None,
            checkpoint_every: 0,
            keep_checkpoints: 2,
            log_every: 10,
            progress: true,
        }
    }
}

/// What one update did.
#[derive(Debug, Clone, PartialEq)]
pub struct StepStats {
    /// Updates done, this one included.
    pub step: u64,
    /// Weighted total loss.
    pub loss: f32,
    /// Unweighted loss per task (`None` when the batch had no target for it).
    pub task_losses: Vec<Option<f32>>,
    /// Global gradient norm before clipping.
    pub grad_norm: f64,
    /// Learning rate used.
    pub lr: f64,
    /// Wall time of the step (forward, backward, update).
    pub seconds: f64,
}

/// Summary of a [`Trainer::fit`] call.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// The update the run resumed from (`None`: started fresh).
    pub resumed_from: Option<u64>,
    /// Updates done in this call.
    pub steps_run: u64,
    /// Updates done in total.
    pub global_step: u64,
    /// Loss of the first update of this call.
    pub first_loss: Option<f32>,
    /// `(step, mean loss)` per log interval over the whole run (resumed runs included).
    pub loss_history: Vec<(u64, f32)>,
    /// Wall time of this call.
    pub seconds: f64,
    /// Updates per second in this call (batch preparation included).
    pub steps_per_second: f64,
}

/// Trains tasks on one shared encoder.
pub struct Trainer {
    encoder: Encoder,
    varmap: VarMap,
    tasks: Vec<Task>,
    opt: AdamW,
    schedule: Schedule,
    cfg: TrainConfig,
    state: TrainState,
}

fn mix(a: u64, b: u64) -> u64 {
    // SplitMix64 finaliser over a combination: distinct streams for (seed, epoch) and (seed, step).
    let mut z = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Trainer {
    /// Sets up a run. `varmap` must hold the encoder's and the heads' variables (build both on
    /// it). `steps_per_epoch` (batches per epoch) sizes the schedule when `max_steps` is unset.
    pub fn new(
        mut encoder: Encoder,
        varmap: VarMap,
        tasks: Vec<Task>,
        cfg: TrainConfig,
        steps_per_epoch: u64,
    ) -> Result<Self> {
        if tasks.is_empty() {
            return Err(TrainError::Input("no tasks to train".into()));
        }
        if cfg.batch_size == 0 {
            return Err(TrainError::Input("batch size 0".into()));
        }
        let mut names = std::collections::HashSet::new();
        for t in &tasks {
            if !names.insert(t.head.spec.name.clone()) {
                return Err(TrainError::Input(format!(
                    "two tasks share the head name {:?}",
                    t.head.spec.name
                )));
            }
        }
        if cfg.freeze_word_embeddings {
            // Same storage, no autograd tracking: backward stops here.
            encoder.embeddings.word = encoder.embeddings.word.detach();
        }
        if !cfg.encoder_dropout {
            encoder.config.hidden_dropout_prob = 0.0;
            encoder.config.attention_probs_dropout_prob = 0.0;
        }
        let vars: Vec<(String, candle_core::Var)> = {
            let data = varmap.data().lock().map_err(|_| TrainError::Poisoned)?;
            let mut ids = std::collections::HashSet::new();
            for v in data.values() {
                ids.insert(v.as_tensor().id());
            }
            for t in &tasks {
                if !ids.contains(&t.head.weight.id()) || !ids.contains(&t.head.bias.id()) {
                    return Err(TrainError::Input(format!(
                        "head {:?} was not built on the trainer's VarMap: it would be neither trained nor saved",
                        t.head.spec.name
                    )));
                }
            }
            data.iter()
                .filter(|(k, _)| !(cfg.freeze_word_embeddings && k.as_str() == WORD_EMBEDDINGS))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let opt = AdamW::new(vars, cfg.adamw)?;
        let total = cfg
            .max_steps
            .unwrap_or(cfg.epochs.saturating_mul(steps_per_epoch));
        if total == 0 {
            return Err(TrainError::Input("the run has 0 updates".into()));
        }
        let warmup = ((total as f64) * cfg.warmup_ratio.clamp(0.0, 1.0)).ceil() as u64;
        let schedule = Schedule {
            peak: cfg.lr,
            warmup,
            total,
            decay: cfg.decay,
        };
        let state = TrainState {
            seed: cfg.seed,
            total_steps: total,
            ..Default::default()
        };
        Ok(Self {
            encoder,
            varmap,
            tasks,
            opt,
            schedule,
            cfg,
            state,
        })
    }

    /// The run's position.
    pub fn state(&self) -> &TrainState {
        &self.state
    }
    /// The encoder (sharing its weights with the variable map).
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }
    /// The variable map (encoder and heads).
    pub fn varmap(&self) -> &VarMap {
        &self.varmap
    }
    /// The tasks, in order.
    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }
    /// The learning-rate schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }
    /// Number of scalars the optimizer updates.
    pub fn n_trainable(&self) -> usize {
        self.opt.n_parameters()
    }

    /// Loads the latest checkpoint from `checkpoint_dir`, if any; returns its step.
    pub fn resume(&mut self) -> Result<Option<u64>> {
        let Some(dir) = self.cfg.checkpoint_dir.clone() else {
            return Ok(None);
        };
        let Some((path, state)) = checkpoint::latest_checkpoint(&dir)? else {
            return Ok(None);
        };
        if state.seed != self.cfg.seed || state.total_steps != self.state.total_steps {
            return Err(TrainError::Input(format!(
                "checkpoint {} was made with seed {} and {} steps, this run has seed {} and {} steps: use another checkpoint folder",
                path.display(),
                state.seed,
                state.total_steps,
                self.cfg.seed,
                self.state.total_steps
            )));
        }
        checkpoint::restore(&path, &state, &mut self.varmap, &mut self.opt)?;
        let step = state.global_step;
        self.state = state;
        Ok(Some(step))
    }

    /// Writes a checkpoint now (no-op without `checkpoint_dir`).
    pub fn save_checkpoint(&self) -> Result<Option<PathBuf>> {
        match &self.cfg.checkpoint_dir {
            Some(dir) => checkpoint::save_checkpoint(
                dir,
                &self.varmap,
                &self.opt,
                &self.state,
                self.cfg.keep_checkpoints,
            )
            .map(Some),
            None => Ok(None),
        }
    }

    /// The weighted loss of a batch in training mode, and each task's unweighted loss.
    /// `rng` draws the heads' dropout masks.
    pub fn loss(&self, batch: &Batch, rng: &mut StdRng) -> Result<(Tensor, Vec<Option<f32>>)> {
        if batch.targets.len() != self.tasks.len() {
            return Err(TrainError::Input(format!(
                "batch has {} targets for {} tasks",
                batch.targets.len(),
                self.tasks.len()
            )));
        }
        let states = self
            .encoder
            .forward(&batch.input_ids, &batch.attention_mask, Mode::Train)?;
        let mask = batch.attention_mask.to_dtype(DType::F32)?;
        let mut total: Option<Tensor> = None;
        let mut per_task = Vec::with_capacity(self.tasks.len());
        for (task, target) in self.tasks.iter().zip(&batch.targets) {
            let Some(target) = target else {
                per_task.push(None);
                continue;
            };
            let logits = task.head.forward(&states, &mask, Some(rng))?;
            let cw = task.class_weights.as_ref();
            let loss = match (task.head.spec.kind, target) {
                (HeadKind::SingleLabel { .. }, Target::SingleLabel { labels, mask }) => {
                    cross_entropy(&logits, labels, cw, mask.as_ref())?
                }
                (HeadKind::MultiLabel { .. }, Target::MultiLabel { labels, mask }) => {
                    bce_with_logits(&logits, labels, cw, mask.as_ref())?
                }
                (HeadKind::TokenBio, Target::TokenBio { tags, mask }) => {
                    let (b, s, l, _) = logits.dims4()?;
                    if tags.dims() != [b, s, l] || mask.dims() != [b, s] {
                        return Err(TrainError::Input(format!(
                            "task {:?}: tags {:?} / mask {:?} for logits {:?}",
                            task.head.spec.name,
                            tags.dims(),
                            mask.dims(),
                            logits.dims()
                        )));
                    }
                    let m = mask
                        .to_dtype(DType::F32)?
                        .unsqueeze(2)?
                        .broadcast_as((b, s, l))?
                        .flatten_all()?;
                    cross_entropy(
                        &logits.reshape((b * s * l, 3))?,
                        &tags.flatten_all()?,
                        cw,
                        Some(&m),
                    )?
                }
                _ => {
                    return Err(TrainError::Input(format!(
                        "task {:?}: target kind does not match the head",
                        task.head.spec.name
                    )))
                }
            };
            per_task.push(Some(loss.to_dtype(DType::F32)?.to_scalar::<f32>()?));
            let weighted = (loss * task.weight)?;
            total = Some(match total {
                None => weighted,
                Some(t) => (t + weighted)?,
            });
        }
        let total =
            total.ok_or_else(|| TrainError::Input("batch has no target for any task".into()))?;
        Ok((total, per_task))
    }

    /// One update on `batch`: forward, backward, clip, AdamW step.
    pub fn step(&mut self, batch: &Batch) -> Result<StepStats> {
        let t0 = Instant::now();
        let step = self.state.global_step;
        let mut rng = StdRng::seed_from_u64(mix(self.cfg.seed, step.wrapping_add(1 << 40)));
        let (loss, task_losses) = self.loss(batch, &mut rng)?;
        let loss_v = loss.to_dtype(DType::F32)?.to_scalar::<f32>()?;
        if !loss_v.is_finite() {
            return Err(TrainError::NonFinite { step, loss: loss_v });
        }
        let grads = loss.backward()?;
        let norm = global_grad_norm(&grads, self.opt.vars().map(|(_, v)| v))?;
        let lr = self.schedule.lr(step);
        self.opt
            .step(&grads, lr, clip_scale(norm, self.cfg.max_grad_norm))?;
        self.state.global_step += 1;
        Ok(StepStats {
            step: self.state.global_step,
            loss: loss_v,
            task_losses,
            grad_norm: norm,
            lr,
            seconds: t0.elapsed().as_secs_f64(),
        })
    }

    /// The batches of `epoch`: a seeded shuffle of `0..n_items`, cut into `batch_size` pieces.
    /// With `lengths`, items are sorted by length inside windows of 50 batches before cutting
    /// (little padding) and the batches are shuffled again, so order stays random.
    pub fn epoch_batches(
        &self,
        n_items: usize,
        lengths: Option<&[usize]>,
        epoch: u64,
    ) -> Vec<Vec<usize>> {
        let mut rng = StdRng::seed_from_u64(mix(self.cfg.seed, epoch));
        let mut order: Vec<usize> = (0..n_items).collect();
        order.shuffle(&mut rng);
        let bs = self.cfg.batch_size.max(1);
        let mut batches: Vec<Vec<usize>> = match lengths {
            Some(len) => {
                let mut out = vec![];
                for window in order.chunks(bs * 50) {
                    let mut w = window.to_vec();
                    w.sort_by_key(|&i| len.get(i).copied().unwrap_or(0));
                    out.extend(w.chunks(bs).map(|c| c.to_vec()));
                }
                out.shuffle(&mut rng);
                out
            }
            None => order.chunks(bs).map(|c| c.to_vec()).collect(),
        };
        batches.retain(|b| !b.is_empty());
        batches
    }

    /// Trains until the planned number of updates, resuming from the latest checkpoint first.
    /// `make_batch` turns item indices into a [`Batch`]; `lengths` (token counts per item)
    /// enables length bucketing; `on_step` sees every update (print the loss from there).
    pub fn fit(
        &mut self,
        n_items: usize,
        lengths: Option<&[usize]>,
        mut make_batch: impl FnMut(&[usize]) -> Result<Batch>,
        mut on_step: impl FnMut(&StepStats),
    ) -> Result<FitReport> {
        if n_items == 0 {
            return Err(TrainError::Input("no training items".into()));
        }
        if let Some(l) = lengths {
            if l.len() != n_items {
                return Err(TrainError::Input(format!(
                    "{} lengths for {n_items} items",
                    l.len()
                )));
            }
        }
        let t0 = Instant::now();
        let resumed_from = self.resume()?;
        let total = self.state.total_steps;
        let pb = if self.cfg.progress {
            ProgressBar::new(total)
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg} ETA {eta_precise}",
        ) {
            pb.set_style(style);
        }
        pb.set_position(self.state.global_step);
        let mut first_loss = None;
        let mut steps_run = 0u64;
        let mut window = (0f64, 0u64);
        let log_every = self.cfg.log_every.max(1);
        'outer: while self.state.global_step < total {
            let batches = self.epoch_batches(n_items, lengths, self.state.epoch);
            let skip = self.state.batch_in_epoch as usize;
            for (bi, idx) in batches.iter().enumerate().skip(skip) {
                if self.state.global_step >= total {
                    break 'outer;
                }
                let batch = make_batch(idx)?;
                let stats = self.step(&batch)?;
                self.state.batch_in_epoch = bi as u64 + 1;
                steps_run += 1;
                first_loss.get_or_insert(stats.loss);
                window.0 += stats.loss as f64;
                window.1 += 1;
                if stats.step % log_every == 0 {
                    let mean = (window.0 / window.1 as f64) as f32;
                    self.state.loss_history.push((stats.step, mean));
                    tracing::info!(step = stats.step, loss = mean, lr = stats.lr, "training");
                    window = (0.0, 0);
                }
                pb.set_position(stats.step);
                pb.set_message(format!("loss {:.4} lr {:.2e}", stats.loss, stats.lr));
                on_step(&stats);
                let every = self.cfg.checkpoint_every;
                if every > 0 && stats.step % every == 0 && stats.step < total {
                    self.save_checkpoint()?;
                }
            }
            // The epoch ran to its end (a stop at `total` leaves through 'outer above).
            self.state.epoch += 1;
            self.state.batch_in_epoch = 0;
        }
        if window.1 > 0 {
            let mean = (window.0 / window.1 as f64) as f32;
            self.state.loss_history.push((self.state.global_step, mean));
        }
        if steps_run > 0 || resumed_from.is_none() {
            self.save_checkpoint()?;
        }
        pb.finish_and_clear();
        let seconds = t0.elapsed().as_secs_f64();
        Ok(FitReport {
            resumed_from,
            steps_run,
            global_step: self.state.global_step,
            first_loss,
            loss_history: self.state.loss_history.clone(),
            seconds,
            steps_per_second: if seconds > 0.0 {
                steps_run as f64 / seconds
            } else {
                0.0
            },
        })
    }

    /// Logits of every task for a batch, inference path (fused ops, no dropout, no autograd).
    pub fn predict(&self, input_ids: &Tensor, attention_mask: &Tensor) -> Result<Vec<Tensor>> {
        let states = self
            .encoder
            .forward(input_ids, attention_mask, Mode::Infer)?;
        let mask = attention_mask.to_dtype(DType::F32)?;
        self.tasks
            .iter()
            .map(|t| Ok(t.head.forward(&states, &mask, None)?))
            .collect()
    }

    /// Gives back the encoder, the variable map and the tasks.
    pub fn into_parts(self) -> (Encoder, VarMap, Vec<Task>) {
        (self.encoder, self.varmap, self.tasks)
    }
}
