//! Fits and cross-validates the article heads (genre, frames) from the article features that
//! `rhetor train` keeps in its work folder (`article-samples-*.json`), without the encoder pass:
//! seconds instead of minutes, for trying head options.
//!
//! ```sh
//! cargo run --release -p rhetor-analyzers --example article_heads -- \
//!     target/rhetor-train/article-samples-0123456789abcdef.json
//! ```

use rhetor_analyzers::article::{train_heads, Sample};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: article_heads SAMPLES.json [FOLDS] [HOLDOUT]");
        std::process::exit(2);
    };
    let folds: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5);
    let holdout: usize = std::env::args()
        .nth(3)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(0);
    let samples: Vec<Sample> = serde_json::from_slice(&std::fs::read(&path)?)?;
    let (genres, frames) = rhetor_analyzers::pipeline::official_labels();
    // Dense features: style, the opinion signal when the samples were made with one, the
    // technique profile (max and mean per technique), the mean encoder state (384).
    let without_opinion =
        rhetor_analyzers::style::N_STYLE + 2 * rhetor_doc::taxonomy::TECHNIQUES.len() + 384;
    let n_opinion = samples
        .first()
        .map_or(0, |s| s.dense.len().saturating_sub(without_opinion))
        .min(rhetor_analyzers::opinion::N_OPINION);
    let (_, scores) = train_heads(&samples, folds, holdout, &genres, &frames, n_opinion);
    println!("{}", serde_json::to_string_pretty(&scores)?);
    Ok(())
}
