//! Writing a trained model in the format `rhetor_models::trained::export` reads
//! (`rhetor-model.json`, `model.safetensors`, `tokenizer.json`). The folder is written next to
//! its destination under a temporary name and renamed into place, so a reader never sees half a
//! model.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use candle_core::{DType, Tensor};
use candle_nn::VarMap;
pub use rhetor_models::trained::export::{
    ModelConfig, StoreDType, CONFIG_FILE, FORMAT_VERSION, TOKENIZER_FILE, WEIGHTS_FILE,
};

use crate::checkpoint::{varmap_tensors, write_atomic};
use crate::{io_err, json_err, Result, TrainError};

/// Saves the variables of `varmap` (encoder + heads) with `config` and a copy of the tokenizer.
/// Replaces `dir` if it exists.
pub fn save_trained(
    dir: &Path,
    varmap: &VarMap,
    config: &ModelConfig,
    tokenizer_json: &Path,
) -> Result<()> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(parent).map_err(io_err(format!("creating {}", parent.display())))?;
    let base = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| TrainError::Input(format!("{} has no folder name", dir.display())))?;
    let tmp = parent.join(format!(".{base}.tmp-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io_err(format!("clearing {}", tmp.display())))?;
    }
    fs::create_dir_all(&tmp).map_err(io_err(format!("creating {}", tmp.display())))?;
    let target = match config.dtype {
        StoreDType::F32 => DType::F32,
        StoreDType::F16 => DType::F16,
    };
    let tensors = varmap_tensors(varmap)?
        .into_iter()
        .map(|(k, t)| Ok((k, t.to_dtype(target)?)))
        .collect::<Result<HashMap<String, Tensor>>>()?;
    candle_core::safetensors::save(&tensors, tmp.join(WEIGHTS_FILE))?;
    let json = serde_json::to_vec_pretty(config).map_err(json_err("encoding model config"))?;
    write_atomic(&tmp.join(CONFIG_FILE), &json)?;
    fs::copy(tokenizer_json, tmp.join(TOKENIZER_FILE))
        .map_err(io_err(format!("copying {}", tokenizer_json.display())))?;
    for f in [WEIGHTS_FILE, TOKENIZER_FILE] {
        fs::File::open(tmp.join(f))
            .and_then(|h| h.sync_all())
            .map_err(io_err(format!("syncing {f}")))?;
    }
    let old = parent.join(format!(".{base}.old-{}", std::process::id()));
    if dir.exists() {
        fs::rename(dir, &old).map_err(io_err(format!("moving aside {}", dir.display())))?;
    }
    fs::rename(&tmp, dir).map_err(io_err(format!("renaming to {}", dir.display())))?;
    if old.exists() {
        fs::remove_dir_all(&old).map_err(io_err(format!("removing {}", old.display())))?;
    }
    Ok(())
}
