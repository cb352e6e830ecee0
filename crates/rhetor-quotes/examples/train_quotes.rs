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
//! quotes`), `--jobs N` (cross-validation folds run in parallel).
//!
//! Dense features (the techniques encoder's token states, see `rhetor_quotes::dense`):
//! `--states FILE` reads the states of the PolNeAR articles cached by
//! `cargo run --release -p rhetor-cli --example quote_states` and trains, cross-validates, scores
//! and benchmarks the models with dense weights (`--out` then writes `cue_model_dense.tsv` and
//! `filter_model_dense.tsv`); `--cue-layout token|token+neighbours`, `--no-dense-cue`,
//! `--no-dense-filter`, `--dense-scale S` (cue, 1), `--filter-dense-scale S` (1),
//! `--filter-epochs N` (10). `scripts/train-quotes-dense.sh` runs the whole recipe.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rhetor_doc::Article;
use rhetor_eval::quotes::{read_polnear, score_quotes, GoldQuoteArticle, PredQuote, QuoteScores};
use rhetor_ingest::pipeline::{finish, TitleRule};
use rhetor_quotes::cue::DenseFit;
use rhetor_quotes::dense::{ArticleStates, StatesCache, CUE_LAYOUT, FILTER_LAYOUT};
use rhetor_quotes::scraped::sha256_hex;
use rhetor_quotes::{training_rows, training_sentences, CueModel, EncoderStates, QuoteAnalyzer};

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
    /// Encoder states of the articles (dense features).
    states: Option<PathBuf>,
    cue_layout: String,
    dense_cue: bool,
    dense_filter: bool,
    dense_scale: f32,
    filter_dense_scale: f32,
    filter_epochs: usize,
    jobs: usize,
}

/// The encoder states of each article (aligned with the article list), and the encoder's SHA-256.
#[derive(Clone, Copy)]
struct Dense<'a> {
    sha: &'a str,
    args: &'a Args,
}

type St<'a> = Option<&'a ArticleStates>;
/// Predictions per article id.
type Preds = BTreeMap<String, Vec<PredQuote>>;

impl<'d> Dense<'d> {
    fn view<'a>(self, st: St<'a>) -> Option<EncoderStates<'a>>
    where
        'd: 'a,
    {
        st.map(|s| s.view(self.sha))
    }
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
        states: None,
        cue_layout: CUE_LAYOUT.to_string(),
        dense_cue: true,
        dense_filter: true,
        dense_scale: 1.0,
        filter_dense_scale: 1.0,
        filter_epochs: 10,
        jobs: 1,
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
            "--states" => a.states = Some(v()?.into()),
            "--cue-layout" => a.cue_layout = v()?,
            "--no-dense-cue" => a.dense_cue = false,
            "--no-dense-filter" => a.dense_filter = false,
            "--dense-scale" => a.dense_scale = v()?.parse()?,
            "--filter-dense-scale" => a.filter_dense_scale = v()?.parse()?,
            "--filter-epochs" => a.filter_epochs = v()?.parse()?,
            "--jobs" => a.jobs = v()?.parse()?,
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
    states: &[St],
    dense: Option<Dense>,
    args: &Args,
) -> CueModel {
    let cues_of = |g: &GoldQuoteArticle| -> Vec<(usize, usize)> {
        g.attributions
            .iter()
            .flat_map(|x| x.cue.iter().copied())
            .collect()
    };
    let mut m = match dense.filter(|d| d.args.dense_cue) {
        Some(d) => {
            let mut rows = Vec::new();
            for ((g, a), st) in golds.iter().zip(arts).zip(states) {
                if let Some(v) = d.view(*st) {
                    rows.extend(training_rows(a, &cues_of(g), v, &args.cue_layout));
                }
            }
            let fit = DenseFit {
                encoder_sha256: d.sha.to_string(),
                layout: args.cue_layout.clone(),
                scale: args.dense_scale,
            };
            CueModel::fit_dense(rows, args.epochs, args.min_count, &fit)
        }
        None => {
            let mut rows = Vec::new();
            for (g, a) in golds.iter().zip(arts) {
                rows.extend(training_sentences(a, &cues_of(g)));
            }
            CueModel::train(&rows, args.epochs, args.min_count)
        }
    };
    m.prune(args.prune);
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
    states: &[St],
    dense: Option<Dense>,
    args: &Args,
    with_filter: bool,
) -> QuoteAnalyzer {
    let cue = train(golds, arts, states, dense, args);
    if !with_filter {
        return QuoteAnalyzer::with_model(cue);
    }
    let mut rows: Vec<(Vec<String>, Vec<f32>, bool)> = Vec::new();
    for half in 0..2 {
        let idx: Vec<usize> = (0..golds.len()).filter(|i| i % 2 != half).collect();
        let tg: Vec<_> = idx.iter().map(|&i| golds[i]).collect();
        let ta: Vec<_> = idx.iter().map(|&i| arts[i]).collect();
        let ts: Vec<_> = idx.iter().map(|&i| states[i]).collect();
        let mut an = QuoteAnalyzer::with_model(train(&tg, &ta, &ts, dense, args));
        an.threshold = args.threshold.unwrap_or(rhetor_quotes::FILTERED_THRESHOLD);
        for i in (0..golds.len()).filter(|i| i % 2 == half) {
            let chars: Vec<char> = golds[i].text.chars().collect();
            let gold: Vec<HashSet<usize>> = golds[i]
                .attributions
                .iter()
                .map(|a| char_set(&chars, &a.content))
                .collect();
            let st = dense.and_then(|d| d.view(states[i]));
            for c in an.candidates_with_states(arts[i], st) {
                let p = char_set(&chars, &[(c.start, c.end)]);
                let hit = gold.iter().any(|g| {
                    let inter = p.intersection(g).count();
                    !p.is_empty() && 2 * inter >= p.len().max(g.len())
                });
                rows.push((c.features, c.dense, hit));
            }
        }
    }
    let filter = match dense.filter(|d| d.args.dense_filter) {
        Some(d) => {
            let fit = DenseFit {
                encoder_sha256: d.sha.to_string(),
                layout: FILTER_LAYOUT.to_string(),
                scale: args.filter_dense_scale,
            };
            CueModel::fit_dense(rows, args.filter_epochs, 2, &fit)
        }
        None => CueModel::fit(
            rows.into_iter().map(|(f, _, y)| (f, y)),
            args.filter_epochs,
            2,
        ),
    };
    QuoteAnalyzer::with_model(cue).with_filter(filter)
}

fn predict(
    an: &QuoteAnalyzer,
    arts: &[&Article],
    states: &[St],
    dense: Option<Dense>,
    out: &mut BTreeMap<String, Vec<PredQuote>>,
    jsonl: &mut String,
) -> Result<()> {
    for (k, a) in arts.iter().enumerate() {
        let mut a = (*a).clone();
        let st = dense.and_then(|d| d.view(states.get(k).copied().flatten()));
        an.annotate_with_states(&mut a, st);
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
    (states, dense): (&[St], Option<Dense>),
    pred_path: Option<&std::path::Path>,
    title: &str,
) -> Result<()> {
    let mut pred = BTreeMap::new();
    let mut jsonl = String::new();
    predict(an, dev_refs, states, dense, &mut pred, &mut jsonl)?;
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

/// The cached states of `arts` (by id and text hash), all of them or an error.
fn states_for<'a>(cache: &'a StatesCache, arts: &[Article]) -> Result<Vec<St<'a>>> {
    arts.iter()
        .map(|a| {
            cache
                .get(&a.id, &sha256_hex(&a.text))
                .map(Some)
                .with_context(|| {
                    format!(
                        "no cached states for article {} with this text: re-encode (quote_states)",
                        a.id
                    )
                })
        })
        .collect()
}

/// Trains on the other folds and predicts fold `f` (predictions per threshold pair: the
/// configured one first, then `args.sweep`).
fn run_fold(
    f: usize,
    golds: &[&GoldQuoteArticle],
    arts: &[&Article],
    states: &[St],
    dense: Option<Dense>,
    args: &Args,
) -> Result<Vec<Preds>> {
    let t = Instant::now();
    let train_idx: Vec<usize> = (0..golds.len()).filter(|i| i % args.folds != f).collect();
    let test_idx: Vec<usize> = (0..golds.len()).filter(|i| i % args.folds == f).collect();
    let tg: Vec<_> = train_idx.iter().map(|&i| golds[i]).collect();
    let ta: Vec<_> = train_idx.iter().map(|&i| arts[i]).collect();
    let ts: Vec<_> = train_idx.iter().map(|&i| states[i]).collect();
    let test: Vec<&Article> = test_idx.iter().map(|&i| arts[i]).collect();
    let test_st: Vec<St> = test_idx.iter().map(|&i| states[i]).collect();
    let mut an = train_full(&tg, &ta, &ts, dense, args, !args.no_filter);
    an.set_thresholds(args.threshold, args.filter_threshold);
    let mut out = vec![BTreeMap::new()];
    predict(&an, &test, &test_st, dense, &mut out[0], &mut String::new())?;
    for &(ct, ft) in &args.sweep {
        let mut an = an.clone();
        an.set_thresholds(Some(ct), Some(ft));
        let mut m = BTreeMap::new();
        predict(&an, &test, &test_st, dense, &mut m, &mut String::new())?;
        out.push(m);
    }
    eprintln!(
        "fold {f}: trained and predicted in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(out)
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
    let cache = match &args.states {
        Some(p) => {
            let t = Instant::now();
            let c = StatesCache::read(p).with_context(|| format!("{}", p.display()))?;
            eprintln!(
                "states of {} articles (encoder {:.12}…) read in {:.1} s",
                c.articles.len(),
                c.encoder_sha256,
                t.elapsed().as_secs_f64()
            );
            Some(c)
        }
        None => None,
    };
    let dense = cache.as_ref().map(|c| Dense {
        sha: &c.encoder_sha256,
        args: &args,
    });
    let dev_states: Vec<St> = match &cache {
        Some(c) => states_for(c, &dev_arts)?,
        None => vec![None; dev_arts.len()],
    };
    if args.bundled {
        let an = QuoteAnalyzer::load()?;
        let title = match (dense, an.dense_encoder()) {
            (Some(d), Some(e)) if d.sha == e => "dev (84 articles, bundled dense models)",
            (Some(_), Some(_)) => {
                "dev (84 articles, bundled models; states of another encoder: sparse)"
            }
            _ => "dev (84 articles, bundled sparse models)",
        };
        return score_dev(
            &an,
            &dev,
            &dev_refs,
            (&dev_states, dense),
            args.pred.as_deref(),
            title,
        );
    }
    if args.bench {
        let an = QuoteAnalyzer::load()?;
        let chars: usize = dev_arts.iter().map(|a| a.text.chars().count()).sum();
        let modes: &[(&str, bool)] = if dense.is_some() {
            &[("sparse (no states)", false), ("dense (with states)", true)]
        } else {
            &[("sparse (no states)", false)]
        };
        if let (Some(d), Some(e)) = (dense, an.dense_encoder()) {
            if d.sha != e {
                eprintln!("warning: the cached states are of another encoder than the bundled dense models: both runs are sparse");
            }
        }
        for &(name, with) in modes {
            let mut times = Vec::new();
            for _ in 0..3 {
                let t = Instant::now();
                for (k, a) in dev_arts.iter().enumerate() {
                    let mut a = a.clone();
                    let st = if with {
                        dense.and_then(|d| d.view(dev_states[k]))
                    } else {
                        None
                    };
                    an.annotate_with_states(&mut a, st);
                }
                times.push(t.elapsed().as_secs_f64());
            }
            times.sort_by(f64::total_cmp);
            println!(
                "quote analyzer, {name}, on {} dev articles ({} chars): median {:.3} s = {:.1} articles/s, {:.2} ms/article (runs {:?})",
                dev_arts.len(),
                chars,
                times[1],
                dev_arts.len() as f64 / times[1],
                times[1] * 1e3 / dev_arts.len() as f64,
                times
            );
        }
        return Ok(());
    }
    let train_gold = read_polnear(&args.data.join("train"))?;
    let train_arts: Vec<Article> = train_gold.iter().map(article).collect();
    let train_states: Vec<St> = match &cache {
        Some(c) => states_for(c, &train_arts)?,
        None => vec![None; train_arts.len()],
    };
    if args.folds >= 2 {
        let golds: Vec<&GoldQuoteArticle> = train_gold.iter().chain(&dev).collect();
        let arts: Vec<&Article> = train_arts.iter().chain(&dev_arts).collect();
        let states: Vec<St> = train_states.iter().chain(&dev_states).copied().collect();
        let mut preds: Vec<Preds> = vec![BTreeMap::new(); 1 + args.sweep.len()];
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: Vec<Result<Vec<Preds>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..args.jobs.clamp(1, args.folds))
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let f = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            if f >= args.folds {
                                break;
                            }
                            mine.push(run_fold(f, &golds, &arts, &states, dense, &args));
                        }
                        mine
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        if results.len() != args.folds {
            bail!("a fold failed to run");
        }
        for r in results {
            for (k, m) in r?.into_iter().enumerate() {
                preds[k].extend(m);
            }
        }
        let all: Vec<GoldQuoteArticle> = golds.into_iter().cloned().collect();
        report(
            &format!(
                "{}-fold CV on train+dev ({} articles{})",
                args.folds,
                all.len(),
                if dense.is_some() { ", dense" } else { "" }
            ),
            &score_quotes(&all, &preds[0]),
        );
        for (k, &(ct, ft)) in args.sweep.iter().enumerate() {
            report(
                &format!("  cue threshold {ct}, filter threshold {ft}"),
                &score_quotes(&all, &preds[k + 1]),
            );
        }
        return Ok(());
    }
    let t = Instant::now();
    let tg: Vec<&GoldQuoteArticle> = train_gold.iter().collect();
    let ta: Vec<&Article> = train_arts.iter().collect();
    let mut an = train_full(&tg, &ta, &train_states, dense, &args, !args.no_filter);
    eprintln!(
        "trained on {} articles in {:.1} s",
        tg.len(),
        t.elapsed().as_secs_f64()
    );
    if let Some(out) = &args.out {
        let (cue, filter) = an.models();
        let suffix = if dense.is_some() { "_dense" } else { "" };
        std::fs::write(out.join(format!("cue_model{suffix}.tsv")), cue.serialise())
            .with_context(|| format!("{}", out.display()))?;
        if let Some(f) = filter {
            std::fs::write(out.join(format!("filter_model{suffix}.tsv")), f.serialise())
                .with_context(|| format!("{}", out.display()))?;
        }
        eprintln!("wrote {}", out.display());
    }
    an.set_thresholds(args.threshold, args.filter_threshold);
    score_dev(
        &an,
        &dev,
        &dev_refs,
        (&dev_states, dense),
        args.pred.as_deref(),
        "dev (84 articles, model trained on train)",
    )
}
