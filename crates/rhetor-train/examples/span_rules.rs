//! Chooses the technique thresholds and span rules (stage 2 of `rhetor train`) from the held-out
//! outputs that `rhetor train` keeps in its work folder (`holdout-outputs-*.json`), without the
//! encoder: seconds instead of minutes, for trying span decoding options.
//!
//! ```sh
//! cargo run --release -p rhetor-train --example span_rules -- \
//!     target/rhetor-train/holdout-outputs-0123456789abcdef.json models/techniques/rhetor-model.json
//! ```

use rhetor_train::recipe::{
    choose_thresholds, load_articles, predict_holdout, token_head_labels, TrainOptions,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cache), Some(config)) = (args.first(), args.get(1)) else {
        eprintln!("usage: span_rules HOLDOUT-OUTPUTS.json RHETOR-MODEL.json");
        std::process::exit(2);
    };
    // The label order of the model that made the outputs: its token head's labels.
    let labels = token_head_labels(std::path::Path::new(config))?;
    let opts = TrainOptions::default();
    let articles = load_articles(&opts)?;
    let held = predict_holdout(None, &opts, &articles, Some(std::path::Path::new(cache)))?;
    let (th, scores) = choose_thresholds(&held, &labels);
    println!(
        "spans F1 {:.4} (P {:.4} R {:.4}) in-sample, {:.4} cross-fitted, {:.4} global; st3 micro-F1 {:.4} at {:.3}",
        scores.spans_f1,
        scores.spans_precision,
        scores.spans_recall,
        scores.spans_f1_crossfit,
        scores.spans_f1_global,
        scores.st3_micro_f1,
        th.paragraph
    );
    for (l, f, n, sf, sn) in &scores.per_technique {
        println!("  {l:<40} st3 F1 {f:.3} ({n:>3})  spans F1 {sf:.3} ({sn:>3})");
    }
    Ok(())
}
