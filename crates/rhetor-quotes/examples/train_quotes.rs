//! Train the cue model on PolNeAR and measure the quote analyzer.
//!
//! ```sh
//! # train on PolNeAR train, write the bundled models (cue model and attribution filter), score on dev
//! cargo run --release -p rhetor-quotes --example train_quotes -- --out models/quotes
//! # 5-fold cross-validation over train+dev (nothing written)
//! cargo run --release -p rhetor-quotes --example train_quotes -- --folds 5
//! # speed of the analyzer alone on dev (bundled model), median of 3
//! cargo run --release -p rhetor-quotes --example train_quotes -- --bench
//! ```
//! Options: `--data DIR` (default `../shared/data/polnear/data`), `--epochs N` (5), `--min-count N`
//! (2), `--prune W` (0.05: drop smaller weights), `--threshold P` (cue), `--filter-threshold P`, `--no-filter`,
//! `--sweep CUE:FILTER,…` (cross-validation: also score these threshold pairs), `--bundled` (score the
//! bundled models on dev, no training), `--pred FILE` (write dev predictions as JSONL for `rhetor eval --task
//! quotes`).

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rhetor_doc::Article;
use rhetor_eval::quotes::{read_polnear, score_quotes, GoldQuoteArticle, PredQuote, QuoteScores};
use rhetor_ingest::pipeline::{finish, TitleRule};
use rhetor_quotes::{training_sentences, CueModel, QuoteAnalyzer};

struct Args {
    data: PathBuf,
    out: Option<PathBuf>,
    folds: usize,
    epochs: usize,
    min_count: usize,
    prune: f32,
    threshold: Option<f32>,
    filter_threshold: Option<f32>,
    no_filter: bool,
    pred: Option<PathBuf>,
    bench: bool,
    /// Score the bundled models on dev (no training).
    bundled: bool,
    /// Cross-validation: also score these (cue threshold, filter threshold) pairs.
    sweep: Vec<(f32, f32)>,
}

fn args() -> Result<Args> {
    let mut a = Args {
        data: PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/polnear/data"
        )),
        out: None,
        folds: 0,
        epochs: 5,
        min_count: 2,
        prune: 0.05,
        threshold: None,
        filter_threshold: None,
        no_filter: false,
        pred: None,
        bench: false,
        bundled: false,
        sweep: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().with_context(|| format!("{k} needs a value"));
        match k.as_str() {
            "--data" => a.data = v()?.into(),
            "--out" => a.out = Some(v()?.into()),
            "--folds" => a.folds = v()?.parse()?,
            "--epochs" => a.epochs = v()?.parse()?,
            "--min-count" => a.min_count = v()?.parse()?,
            "--prune" => a.prune = v()?.parse()?,
            "--threshold" => a.threshold = Some(v()?.parse()?),
            "--filter-threshold" => a.filter_threshold = Some(v()?.parse()?),
            "--no-filter" => a.no_filter = true,
            "--pred" => a.pred = Some(v()?.into()),
            "--bench" => a.bench = true,
            "--bundled" => a.bundled = true,
            "--sweep" => {
                for pair in v()?.split(',') {
                    let (c, f) = pair.split_once(':').context("--sweep CUE:FILTER,…")?;
                    a.sweep.push((c.parse()?, f.parse()?));
                }
            }
            _ => bail!("unknown argument {k}"),
        }
    }
    Ok(a)
}

fn article(g: &GoldQuoteArticle) -> Article {
    let mut a = Article::new(g.id.clone(), format!("{}.txt", g.id), g.text.clone());
    finish(&mut a, TitleRule::FirstLineIfHeadline);
    a
}

fn train(
    golds: &[&GoldQuoteArticle],
    arts: &[&Article],
    epochs: usize,
    min: usize,
    prune: f32,
) -> CueModel {
    let mut rows = Vec::new();
    for (g, a) in golds.iter().zip(arts) {
        let cues: Vec<(usize, usize)> = g
            .attributions
            .iter()
            .flat_map(|x| x.cue.iter().copied())
            .collect();
        rows.extend(training_sentences(a, &cues));
    }
    let mut m = CueModel::train(&rows, epochs, min);
    m.prune(prune);
    m
}

/// Code points of `ranges` that are not white space (as the scorer counts them).
fn char_set(chars: &[char], ranges: &[(usize, usize)]) -> HashSet<usize> {
    ranges
        .iter()
        .flat_map(|&(a, b)| a..b.min(chars.len()))
        .filter(|&i| !chars[i].is_whitespace())
        .collect()
}

/// The cue model and the attribution filter. The filter learns from candidates that cue models
/// trained on the other half of the articles produce (cross-fitting, so its inputs look like
/// unseen text), labelled by whether they match a gold content (the scorer's rule).
fn train_full(
    golds: &[&GoldQuoteArticle],
    arts: &[&Article],
    args: &Args,
    with_filter: bool,
) -> QuoteAnalyzer {
    let cue = train(golds, arts, args.epochs, args.min_count, args.prune);
    if !with_filter {
        return QuoteAnalyzer::with_model(cue);
    }
    let mut rows: Vec<(Vec<String>, bool)> = Vec::new();
    for half in 0..2 {
        let (tg, ta): (Vec<_>, Vec<_>) = (0..golds.len())
            .filter(|i| i % 2 != half)
            .map(|i| (golds[i], arts[i]))
            .unzip();
        let mut an =
            QuoteAnalyzer::with_model(train(&tg, &ta, args.epochs, args.min_count, args.prune));
        an.threshold = args.threshold.unwrap_or(rhetor_quotes::FILTERED_THRESHOLD);
        for i in (0..golds.len()).filter(|i| i % 2 == half) {
            let chars: Vec<char> = golds[i].text.chars().collect();
            let gold: Vec<HashSet<usize>> = golds[i]
                .attributions
                .iter()
                .map(|a| char_set(&chars, &a.content))
                .collect();
            for (s, e, feats) in an.candidates(arts[i]) {
                let p = char_set(&chars, &[(s, e)]);
                let hit = gold.iter().any(|g| {
                    let inter = p.intersection(g).count();
                    !p.is_empty() && 2 * inter >= p.len().max(g.len())
                });
                rows.push((feats, hit));
            }
        }
    }
    let filter = CueModel::fit(rows, 10, 2);
    QuoteAnalyzer::with_model(cue).with_filter(filter)
}

fn predict(
    an: &QuoteAnalyzer,
    arts: &[&Article],
    out: &mut BTreeMap<String, Vec<PredQuote>>,
    jsonl: &mut String,
) -> Result<()> {
    for a in arts {
        let mut a = (*a).clone();
        an.annotate(&mut a);
        let line = serde_json::json!({"id": a.id, "quotes": a.quotes, "speakers": a.speakers});
        jsonl.push_str(&line.to_string());
        jsonl.push('\n');
        let qs = serde_json::from_value(line["quotes"].clone())?;
        out.insert(a.id.clone(), qs);
    }
    Ok(())
}

/// Predicts the dev articles, writes the predictions to `pred_path` (JSONL) if given, and prints
/// the scores under `title`.
fn score_dev(
    an: &QuoteAnalyzer,
    dev: &[GoldQuoteArticle],
    dev_refs: &[&Article],
    pred_path: Option<&std::path::Path>,
    title: &str,
) -> Result<()> {
    let mut pred = BTreeMap::new();
    let mut jsonl = String::new();
    predict(an, dev_refs, &mut pred, &mut jsonl)?;
    if let Some(p) = pred_path {
        std::fs::write(p, &jsonl).with_context(|| format!("{}", p.display()))?;
    }
    report(title, &score_quotes(dev, &pred));
    Ok(())
}

fn report(name: &str, s: &QuoteScores) {
    println!(
        "{name}: direct F1 {:.3} (P {:.3} R {:.3}, {} gold, {} pred) | speaker {:.3} ({}/{}) | all F1 {:.3} (P {:.3} R {:.3}, {} gold, {} pred)",
        s.direct.f1, s.direct.precision, s.direct.recall, s.direct.gold, s.direct.predicted,
        s.speaker_accuracy, s.speaker_right, s.speaker_judged,
        s.all.f1, s.all.precision, s.all.recall, s.all.gold, s.all.predicted
    );
}

fn main() -> Result<()> {
    let args = args()?;
    if !args.data.join("train").is_dir() {
        eprintln!(
            "PolNeAR not found at {} (pass --data DIR); nothing to do",
            args.data.display()
        );
        return Ok(());
    }
    let dev = read_polnear(&args.data.join("dev"))?;
    let dev_arts: Vec<Article> = dev.iter().map(article).collect();
    let dev_refs: Vec<&Article> = dev_arts.iter().collect();
    if args.bundled {
        let an = QuoteAnalyzer::load()?;
        return score_dev(
            &an,
            &dev,
            &dev_refs,
            args.pred.as_deref(),
            "dev (84 articles, bundled models)",
        );
    }
    if args.bench {
        let an = QuoteAnalyzer::load()?;
        let mut times = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            for a in &dev_arts {
                let mut a = a.clone();
                an.annotate(&mut a);
            }
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let chars: usize = dev_arts.iter().map(|a| a.text.chars().count()).sum();
        println!(
            "quote analyzer on {} dev articles ({} chars): median {:.3} s = {:.1} articles/s (runs {:?})",
            dev_arts.len(),
            chars,
            times[1],
            dev_arts.len() as f64 / times[1],
            times
        );
        return Ok(());
    }
    let train_gold = read_polnear(&args.data.join("train"))?;
    let train_arts: Vec<Article> = train_gold.iter().map(article).collect();
    let set_threshold = |an: &mut QuoteAnalyzer| {
        if let Some(t) = args.threshold {
            an.threshold = t;
        }
        if let Some(t) = args.filter_threshold {
            an.filter_threshold = t;
        }
    };
    if args.folds >= 2 {
        let golds: Vec<&GoldQuoteArticle> = train_gold.iter().chain(&dev).collect();
        let arts: Vec<&Article> = train_arts.iter().chain(&dev_arts).collect();
        let mut pred = BTreeMap::new();
        let mut jsonl = String::new();
        let mut swept: Vec<BTreeMap<String, Vec<PredQuote>>> =
            vec![BTreeMap::new(); args.sweep.len()];
        for f in 0..args.folds {
            let t = Instant::now();
            let (tg, ta): (Vec<_>, Vec<_>) = (0..golds.len())
                .filter(|i| i % args.folds != f)
                .map(|i| (golds[i], arts[i]))
                .unzip();
            let test: Vec<&Article> = (0..arts.len())
                .filter(|i| i % args.folds == f)
                .map(|i| arts[i])
                .collect();
            let mut an = train_full(&tg, &ta, &args, !args.no_filter);
            set_threshold(&mut an);
            predict(&an, &test, &mut pred, &mut jsonl)?;
            for (k, &(ct, ft)) in args.sweep.iter().enumerate() {
                let mut an = an.clone();
                an.threshold = ct;
                an.filter_threshold = ft;
                predict(&an, &test, &mut swept[k], &mut String::new())?;
            }
            eprintln!(
                "fold {f}: trained and predicted in {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
        let all: Vec<GoldQuoteArticle> = golds.into_iter().cloned().collect();
        report(
            &format!(
                "{}-fold CV on train+dev ({} articles)",
                args.folds,
                all.len()
            ),
            &score_quotes(&all, &pred),
        );
        for (k, &(ct, ft)) in args.sweep.iter().enumerate() {
            report(
                &format!("  cue threshold {ct}, filter threshold {ft}"),
                &score_quotes(&all, &swept[k]),
            );
        }
        return Ok(());
    }
    let t = Instant::now();
    let tg: Vec<&GoldQuoteArticle> = train_gold.iter().collect();
    let ta: Vec<&Article> = train_arts.iter().collect();
    let mut an = train_full(&tg, &ta, &args, !args.no_filter);
    eprintln!(
        "trained on {} articles in {:.1} s",
        tg.len(),
        t.elapsed().as_secs_f64()
    );
    if let Some(out) = &args.out {
        let (cue, filter) = an.models();
        std::fs::write(out.join("cue_model.tsv"), cue.serialise())
            .with_context(|| format!("{}", out.display()))?;
        if let Some(f) = filter {
            std::fs::write(out.join("filter_model.tsv"), f.serialise())
                .with_context(|| format!("{}", out.display()))?;
        }
        eprintln!("wrote {}", out.display());
    }
    set_threshold(&mut an);
    score_dev(
        &an,
        &dev,
        &dev_refs,
        args.pred.as_deref(),
        "dev (84 articles, model trained on train)",
    )
}
