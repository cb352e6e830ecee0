//! Checkpoints: everything needed to continue a run exactly where it stopped.
//!
//! Layout under the checkpoint folder:
//! ```text
//! step-00000120/params.safetensors     every variable of the VarMap (f32)
//! step-00000120/optimizer.safetensors  AdamW moments m.{name}, v.{name}
//! step-00000120/state.json             TrainState (step, epoch, batch position, seed, losses)
//! latest.json                          {"checkpoint": "step-00000120"}
//! ```
//! A checkpoint is written into a hidden temporary folder, synced, and renamed into place; only
//! then is `latest.json` replaced (write + rename). A crash at any point leaves the previous
//! checkpoint as the latest. The RNG state needs no saving: shuffling draws from
//! `seed` and the epoch, dropout from `seed` and the step, so `(seed, epoch, batch_in_epoch,
//! global_step)` reproduces the streams.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use candle_nn::VarMap;
use serde::{Deserialize, Serialize};

use crate::optim::AdamW;
use crate::{io_err, json_err, Result, TrainError};

/// Position of a run, saved with each checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Optimizer updates done.
    pub global_step: u64,
    /// Current epoch (0-based).
    pub epoch: u64,
    /// Batches of the current epoch already trained on.
    pub batch_in_epoch: u64,
    /// The run's seed.
    pub seed: u64,
    /// Planned number of updates.
    pub total_steps: u64,
    /// `(step, mean loss since the previous entry)`, one entry per log interval.
    #[serde(default)]
    pub loss_history: Vec<(u64, f32)>,
}

#[derive(Serialize, Deserialize)]
struct Latest {
    checkpoint: String,
}

const PARAMS: &str = "params.safetensors";
const OPTIM: &str = "optimizer.safetensors";
const STATE: &str = "state.json";
const LATEST: &str = "latest.json";

/// The variables of a map as named tensors.
pub fn varmap_tensors(varmap: &VarMap) -> Result<HashMap<String, Tensor>> {
    let data = varmap.data().lock().map_err(|_| TrainError::Poisoned)?;
    Ok(data
        .iter()
        .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
        .collect())
}

fn sync_file(p: &Path) -> Result<()> {
    fs::File::open(p)
        .and_then(|f| f.sync_all())
        .map_err(io_err(format!("syncing {}", p.display())))
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, sync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).map_err(io_err(format!("writing {}", tmp.display())))?;
    sync_file(&tmp)?;
    fs::rename(&tmp, path).map_err(io_err(format!("renaming to {}", path.display())))
}

/// Saves a checkpoint and makes it the latest; keeps the newest `keep` checkpoints (at least 1).
/// Returns the checkpoint's folder.
pub fn save_checkpoint(
    dir: &Path,
    varmap: &VarMap,
    opt: &AdamW,
    state: &TrainState,
    keep: usize,
) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(io_err(format!("creating {}", dir.display())))?;
    let name = format!("step-{:08}", state.global_step);
    let tmp = dir.join(format!(".tmp-{name}-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io_err(format!("clearing {}", tmp.display())))?;
    }
    fs::create_dir_all(&tmp).map_err(io_err(format!("creating {}", tmp.display())))?;
    candle_core::safetensors::save(&varmap_tensors(varmap)?, tmp.join(PARAMS))?;
    candle_core::safetensors::save(&opt.state_tensors(), tmp.join(OPTIM))?;
    let json = serde_json::to_vec_pretty(state).map_err(json_err("encoding train state"))?;
    fs::write(tmp.join(STATE), json).map_err(io_err("writing train state"))?;
    for f in [PARAMS, OPTIM, STATE] {
        sync_file(&tmp.join(f))?;
    }
    let dest = dir.join(&name);
    if dest.exists() {
        fs::remove_dir_all(&dest).map_err(io_err(format!("replacing {}", dest.display())))?;
    }
    fs::rename(&tmp, &dest).map_err(io_err(format!("renaming to {}", dest.display())))?;
    let latest = serde_json::to_vec(&Latest {
        checkpoint: name.clone(),
    })
    .map_err(json_err("encoding latest.json"))?;
    write_atomic(&dir.join(LATEST), &latest)?;
    prune(dir, &name, keep.max(1))?;
    Ok(dest)
}

fn prune(dir: &Path, current: &str, keep: usize) -> Result<()> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map_err(io_err(format!("listing {}", dir.display())))?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("step-"))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    for n in names.into_iter().take(excess) {
        if n != current {
            fs::remove_dir_all(dir.join(&n))
                .map_err(io_err(format!("removing old checkpoint {n}")))?;
        }
    }
    Ok(())
}

/// The latest complete checkpoint under `dir`: its folder and state. `Ok(None)` when there is none.
pub fn latest_checkpoint(dir: &Path) -> Result<Option<(PathBuf, TrainState)>> {
    let lp = dir.join(LATEST);
    if !lp.is_file() {
        return Ok(None);
    }
    let text = fs::read_to_string(&lp).map_err(io_err(format!("reading {}", lp.display())))?;
    let latest: Latest =
        serde_json::from_str(&text).map_err(json_err(format!("parsing {}", lp.display())))?;
    if latest.checkpoint.contains(['/', '\\']) || latest.checkpoint.starts_with('.') {
        return Err(TrainError::Input(format!(
            "{} names an invalid checkpoint {:?}",
            lp.display(),
            latest.checkpoint
        )));
    }
    let path = dir.join(&latest.checkpoint);
    let sp = path.join(STATE);
    let text = fs::read_to_string(&sp).map_err(io_err(format!("reading {}", sp.display())))?;
    let state: TrainState =
        serde_json::from_str(&text).map_err(json_err(format!("parsing {}", sp.display())))?;
    Ok(Some((path, state)))
}

/// Loads a checkpoint's parameters into `varmap` (every variable must be present) and the
/// optimizer's moments into `opt`.
pub fn restore(
    path: &Path,
    state: &TrainState,
    varmap: &mut VarMap,
    opt: &mut AdamW,
) -> Result<()> {
    varmap.load(path.join(PARAMS))?;
    let optim = candle_core::safetensors::load(path.join(OPTIM), &Device::Cpu)?;
    opt.load_state(&optim, state.global_step)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::DType;

    #[test]
    fn save_load_prune() {
        let dir = tempfile::tempdir().unwrap();
        let ck = dir.path().join("ck");
        assert!(latest_checkpoint(&ck).unwrap().is_none());
        let vm = VarMap::new();
        let w = vm
            .get(
                (2, 3),
                "a.weight",
                candle_nn::init::ONE,
                DType::F32,
                &Device::Cpu,
            )
            .unwrap();
        let vars = crate::named_vars(&vm);
        let mut opt = AdamW::new(vars.clone(), Default::default()).unwrap();
        let loss = w.sqr().unwrap().sum_all().unwrap();
        let g = loss.backward().unwrap();
        opt.step(&g, 0.1, 1.0).unwrap();
        let mut st = TrainState {
            global_step: 1,
            epoch: 0,
            batch_in_epoch: 1,
            seed: 7,
            total_steps: 10,
            loss_history: vec![(1, 6.0)],
        };
        for step in 1..=3 {
            st.global_step = step;
            save_checkpoint(&ck, &vm, &opt, &st, 2).unwrap();
        }
        let names: Vec<String> = {
            let mut v: Vec<String> = fs::read_dir(&ck)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().into_string().unwrap())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names, vec!["latest.json", "step-00000002", "step-00000003"]);
        let (path, loaded) = latest_checkpoint(&ck).unwrap().unwrap();
        assert_eq!(loaded, st);
        // Restore into a fresh map/optimizer with different values.
        let mut vm2 = VarMap::new();
        vm2.get(
            (2, 3),
            "a.weight",
            candle_nn::init::ZERO,
            DType::F32,
            &Device::Cpu,
        )
        .unwrap();
        let vars2 = crate::named_vars(&vm2);
        let mut opt2 = AdamW::new(vars2, Default::default()).unwrap();
        restore(&path, &loaded, &mut vm2, &mut opt2).unwrap();
        assert_eq!(opt2.step_count(), 3);
        let a = varmap_tensors(&vm).unwrap()["a.weight"]
            .to_vec2::<f32>()
            .unwrap();
        let b = varmap_tensors(&vm2).unwrap()["a.weight"]
            .to_vec2::<f32>()
            .unwrap();
        assert_eq!(a, b);
        let m1 = opt.state_tensors()["m.a.weight"].to_vec2::<f32>().unwrap();
        let m2 = opt2.state_tensors()["m.a.weight"].to_vec2::<f32>().unwrap();
        assert_eq!(m1, m2);
        // A map with a variable the checkpoint lacks cannot be restored.
        let mut vm3 = VarMap::new();
        vm3.get(2, "other", candle_nn::init::ZERO, DType::F32, &Device::Cpu)
            .unwrap();
        assert!(restore(&path, &loaded, &mut vm3, &mut opt2).is_err());
        // A corrupt latest.json is an error, not a panic.
        fs::write(ck.join(LATEST), b"{\"checkpoint\": \"../x\"}").unwrap();
        assert!(latest_checkpoint(&ck).is_err());
    }
}
