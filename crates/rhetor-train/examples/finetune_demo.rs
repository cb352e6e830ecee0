//! Fine-tunes all-MiniLM-L6-v2 with a single-label head on "does this sentence contain a
//! persuasion technique?" (SemEval-2023 Task 3, English training articles), cross-validated by
//! article, and compares with the majority-class baseline.
//!
//! ```text
//! cargo run --release -p rhetor-train --example finetune_demo -- \
//!     [--data DIR] [--out DIR] [--folds 3] [--seed 13] [--max-len 64] [--batch 16] \
//!     [--steps 200] [--lr 1e-4] [--log-every 10] [--checkpoint-every 25] \
//!     [--level sentence|paragraph] [--eval-limit N]
//! ```
//! Rerunning the same command resumes: finished folds are read from `OUT/fold-K/result.json`,
//! an interrupted fold continues from its latest checkpoint in `OUT/fold-K/checkpoints`.
//!
//! Units and labels. A paragraph is a non-empty line of the article (the title is one too).
//! Sentences are cut inside paragraphs at `.`/`!`/`?` (plus closing quotes/brackets) followed by
//! whitespace and an upper-case letter, digit or opening quote, except after a single capital
//! (initials, "U.S.") or a common title abbreviation. A unit is positive when some technique
//! span overlaps it by at least 5 characters (or by the whole unit, if shorter): spans often
//! run a character or two into the next sentence, which should not make that sentence positive.
//! The data is read from `../shared/data` and never copied.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{Device, Tensor};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rhetor_models::trained::export::pad_batch;
use rhetor_models::trained::{Head, HeadKind, HeadSpec, Pooling, TrainedModel};
use rhetor_models::{weights, Encoder, TextTokenizer};
use rhetor_train::export::{self, ModelConfig, StoreDType};
use rhetor_train::{Batch, Decay, Target, Task, TrainConfig, TrainError, Trainer};

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

struct Args {
    data: PathBuf,
    out: PathBuf,
    folds: usize,
    seed: u64,
    max_len: usize,
    batch: usize,
    steps: u64,
    lr: f64,
    log_every: u64,
    checkpoint_every: u64,
    level: String,
    eval_limit: usize,
}

fn parse_args() -> AnyResult<Args> {
    let default_data =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/semeval2023/en");
    let mut a = Args {
        data: default_data,
        out: PathBuf::from("/tmp/rhetor-finetune"),
        folds: 3,
        seed: 13,
        max_len: 64,
        batch: 16,
        steps: 200,
        lr: 1e-4,
        log_every: 10,
        checkpoint_every: 25,
        level: "sentence".into(),
        eval_limit: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--data" => a.data = PathBuf::from(v()?),
            "--out" => a.out = PathBuf::from(v()?),
            "--folds" => a.folds = v()?.parse()?,
            "--seed" => a.seed = v()?.parse()?,
            "--max-len" => a.max_len = v()?.parse()?,
            "--batch" => a.batch = v()?.parse()?,
            "--steps" => a.steps = v()?.parse()?,
            "--lr" => a.lr = v()?.parse()?,
            "--log-every" => a.log_every = v()?.parse()?,
            "--checkpoint-every" => a.checkpoint_every = v()?.parse()?,
            "--level" => a.level = v()?,
            "--eval-limit" => a.eval_limit = v()?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if a.folds < 2 {
        return Err("--folds must be at least 2".into());
    }
    if a.level != "sentence" && a.level != "paragraph" {
        return Err("--level is sentence or paragraph".into());
    }
    Ok(a)
}

/// One text unit with its label and article.
struct Unit {
    article: String,
    text: String,
    positive: bool,
}

const ABBREV: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Gen", "Sen", "Rep", "Gov", "Lt", "Col", "Prof",
    "vs", "No", "Inc", "Co", "Corp", "Ltd", "Rev", "Capt", "Sgt", "Jan", "Feb", "Aug", "Sept",
    "Oct", "Nov", "Dec",
];

/// Sentence boundaries (char offsets, end exclusive) inside one paragraph given as chars.
fn split_sentences(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut start = 0;
    let mut i = 0;
    let n = chars.len();
    while i < n {
        let c = chars[i];
        if matches!(c, '.' | '!' | '?') {
            let mut j = i + 1;
            while j < n
                && matches!(
                    chars[j],
                    '.' | '!' | '?' | '"' | '\'' | '”' | '’' | ')' | ']'
                )
            {
                j += 1;
            }
            let mut k = j;
            while k < n && chars[k].is_whitespace() {
                k += 1;
            }
            let next_ok = k < n
                && k > j
                && (chars[k].is_uppercase()
                    || chars[k].is_ascii_digit()
                    || matches!(chars[k], '"' | '“' | '‘' | '\'' | '(' | '['));
            // The word before the period: a single capital or a known abbreviation is no end.
            let mut w = i;
            while w > start && chars[w - 1].is_alphabetic() {
                w -= 1;
            }
            let word: String = chars[w..i].iter().collect();
            let abbrev = c == '.'
                && ((word.chars().count() == 1 && word.chars().all(char::is_uppercase))
                    || ABBREV.contains(&word.as_str()));
            if next_ok && !abbrev {
                out.push((start, j));
                start = k;
                i = k;
                continue;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    if start < n {
        out.push((start, n));
    }
    out.retain(|&(s, e)| chars[s..e].iter().any(|c| !c.is_whitespace()));
    out
}

fn load_units(args: &Args) -> AnyResult<Vec<Unit>> {
    let art_dir = args.data.join("train-articles-subtask-3");
    let span_dir = args.data.join("train-labels-subtask-3-spans");
    if !art_dir.is_dir() || !span_dir.is_dir() {
        return Err(format!(
            "SemEval-2023 English data not found under {} (expects train-articles-subtask-3/ and train-labels-subtask-3-spans/)",
            args.data.display()
        )
        .into());
    }
    let mut names: Vec<String> = fs::read_dir(&art_dir)?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("article") && n.ends_with(".txt"))
        .collect();
    names.sort();
    let mut units = vec![];
    for name in names {
        let id = name
            .trim_start_matches("article")
            .trim_end_matches(".txt")
            .to_string();
        let text = fs::read_to_string(art_dir.join(&name))?;
        let spans_text =
            fs::read_to_string(span_dir.join(format!("article{id}-labels-subtask-3.txt")))
                .unwrap_or_default();
        let spans: Vec<(usize, usize)> = spans_text
            .lines()
            .filter_map(|l| {
                let p: Vec<&str> = l.split('\t').collect();
                Some((
                    p.get(2)?.trim().parse().ok()?,
                    p.get(3)?.trim().parse().ok()?,
                ))
            })
            .collect();
        let chars: Vec<char> = text.chars().collect();
        let mut line_start = 0usize;
        for (i, &c) in chars.iter().chain(std::iter::once(&'\n')).enumerate() {
            if c != '\n' {
                continue;
            }
            let line = &chars[line_start..i.min(chars.len())];
            let pieces = if args.level == "sentence" {
                split_sentences(line)
            } else if line.iter().any(|c| !c.is_whitespace()) {
                vec![(0, line.len())]
            } else {
                vec![]
            };
            for (s, e) in pieces {
                let (a, b) = (line_start + s, line_start + e);
                let need = 5.min(b - a);
                let positive = spans
                    .iter()
                    .any(|&(ss, se)| se.min(b).saturating_sub(ss.max(a)) >= need && need > 0);
                units.push(Unit {
                    article: id.clone(),
                    text: chars[a..b].iter().collect::<String>().trim().to_string(),
                    positive,
                });
            }
            line_start = i + 1;
        }
    }
    Ok(units)
}

#[derive(serde::Serialize, serde::Deserialize, Clone, Debug)]
struct FoldResult {
    fold: usize,
    train_units: usize,
    test_units: usize,
    test_positive_rate: f64,
    f1_positive: f64,
    precision: f64,
    recall: f64,
    accuracy: f64,
    /// Accuracy and F1 when the decision threshold undoes the class weighting (predict
    /// positive when logit margin > ln(n_neg / n_pos)): the accuracy-oriented operating point.
    accuracy_prior: f64,
    f1_positive_prior: f64,
    /// Area under the ROC curve of the logit margin (threshold-free; 0.5 = chance).
    auc: f64,
    majority_accuracy: f64,
    majority_f1_positive: f64,
    first_loss_window: f32,
    last_loss_window: f32,
    steps: u64,
    train_seconds: f64,
    steps_per_second: f64,
    eval_seconds: f64,
    loss_history: Vec<(u64, f32)>,
}

fn scores(pred: &[bool], gold: &[bool]) -> (f64, f64, f64, f64) {
    let mut tp = 0f64;
    let mut fp = 0f64;
    let mut fn_ = 0f64;
    let mut correct = 0f64;
    for (&p, &g) in pred.iter().zip(gold) {
        match (p, g) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fn_ += 1.0,
            _ => {}
        }
        if p == g {
            correct += 1.0;
        }
    }
    let prec = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let rec = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
    let f1 = if prec + rec > 0.0 {
        2.0 * prec * rec / (prec + rec)
    } else {
        0.0
    };
    (f1, prec, rec, correct / gold.len().max(1) as f64)
}

fn main() -> AnyResult<()> {
    let args = parse_args()?;
    let t_all = Instant::now();
    let root = weights::cache_root()?;
    let files = weights::ensure_model(&root)?;
    let tok = TextTokenizer::from_file(&files.tokenizer())?;
    let units = load_units(&args)?;
    let n_pos = units.iter().filter(|u| u.positive).count();
    println!(
        "data: {} {}s from {}, {} positive ({:.1}%)",
        units.len(),
        args.level,
        args.data.display(),
        n_pos,
        100.0 * n_pos as f64 / units.len().max(1) as f64
    );
    // Tokenize once.
    let ids: Vec<Vec<u32>> = units
        .iter()
        .map(|u| tok.encode_truncated(&u.text, args.max_len))
        .collect::<Result<_, _>>()?;
    let lengths: Vec<usize> = ids.iter().map(Vec::len).collect();
    let truncated = ids.iter().filter(|x| x.len() >= args.max_len).count();
    println!(
        "tokens: max_len {} ({} units truncated)",
        args.max_len, truncated
    );

    // Folds by article, seeded.
    let mut articles: Vec<String> = units.iter().map(|u| u.article.clone()).collect();
    articles.sort();
    articles.dedup();
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);
    articles.shuffle(&mut rng);
    let fold_of: HashMap<&str, usize> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str(), i % args.folds))
        .collect();

    fs::create_dir_all(&args.out)?;
    let mut results: BTreeMap<usize, FoldResult> = BTreeMap::new();
    for fold in 0..args.folds {
        let fdir = args.out.join(format!("fold-{fold}"));
        let rpath = fdir.join("result.json");
        if let Ok(text) = fs::read_to_string(&rpath) {
            if let Ok(r) = serde_json::from_str::<FoldResult>(&text) {
                println!("fold {fold}: already done ({}), skipping", rpath.display());
                results.insert(fold, r);
                continue;
            }
        }
        let train_idx: Vec<usize> = (0..units.len())
            .filter(|&i| fold_of.get(units[i].article.as_str()) != Some(&fold))
            .collect();
        let mut test_idx: Vec<usize> = (0..units.len())
            .filter(|&i| fold_of.get(units[i].article.as_str()) == Some(&fold))
            .collect();
        if args.eval_limit > 0 && test_idx.len() > args.eval_limit {
            test_idx.shuffle(&mut rand::rngs::StdRng::seed_from_u64(
                args.seed ^ fold as u64,
            ));
            test_idx.truncate(args.eval_limit);
        }
        let train_pos = train_idx.iter().filter(|&&i| units[i].positive).count();
        let train_neg = train_idx.len() - train_pos;
        println!(
            "fold {fold}: train {} units ({} articles), test {} units, train positives {:.1}%",
            train_idx.len(),
            articles.len()
                - articles
                    .iter()
                    .filter(|a| fold_of[a.as_str()] == fold)
                    .count(),
            test_idx.len(),
            100.0 * train_pos as f64 / train_idx.len().max(1) as f64
        );

        // Model: pretrained encoder + a fresh seeded head on one VarMap.
        let (encoder, varmap) = Encoder::load_trainable(&files)?;
        let spec = HeadSpec {
            name: "persuasion".into(),
            kind: HeadKind::SingleLabel {
                pooling: Pooling::Mean,
            },
            labels: vec!["none".into(), "technique".into()],
            dropout: 0.1,
        };
        let hidden = encoder.config.hidden_size;
        let head = Head::init_seeded(&varmap, spec.clone(), hidden, args.seed + fold as u64)?;
        // Class weights n / (2 n_c): the rarer positive class counts more.
        let n = train_idx.len() as f32;
        let cw = Tensor::new(
            &[
                n / (2.0 * train_neg.max(1) as f32),
                n / (2.0 * train_pos.max(1) as f32),
            ],
            &Device::Cpu,
        )?;
        let task = Task {
            head,
            weight: 1.0,
            class_weights: Some(cw),
        };
        let cfg = TrainConfig {
            seed: args.seed + fold as u64,
            batch_size: args.batch,
            max_steps: Some(args.steps),
            lr: args.lr,
            warmup_ratio: 0.1,
            decay: Decay::Linear,
            max_grad_norm: 1.0,
            freeze_word_embeddings: true,
            encoder_dropout: true,
            checkpoint_dir: Some(fdir.join("checkpoints")),
            checkpoint_every: args.checkpoint_every,
            keep_checkpoints: 1,
            log_every: args.log_every,
            progress: true,
            ..Default::default()
        };
        let steps_per_epoch = train_idx.len().div_ceil(args.batch) as u64;
        let mut trainer = Trainer::new(encoder, varmap, vec![task], cfg, steps_per_epoch)?;
        println!(
            "fold {fold}: {} trainable parameters (word embeddings frozen), {} steps of batch {}",
            trainer.n_trainable(),
            args.steps,
            args.batch
        );
        let train_lengths: Vec<usize> = train_idx.iter().map(|&i| lengths[i]).collect();
        let pad = tok.pad_id();
        let make_batch = |items: &[usize]| -> Result<Batch, TrainError> {
            let seqs: Vec<Vec<u32>> = items.iter().map(|&k| ids[train_idx[k]].clone()).collect();
            let labels: Vec<u32> = items
                .iter()
                .map(|&k| u32::from(units[train_idx[k]].positive))
                .collect();
            let (input_ids, attention_mask) = pad_batch(&seqs, pad)?;
            let n = labels.len();
            Ok(Batch {
                input_ids,
                attention_mask,
                targets: vec![Some(Target::SingleLabel {
                    labels: Tensor::from_vec(labels, n, &Device::Cpu)?,
                    mask: None,
                })],
            })
        };
        let mut window = (0f64, 0u64, 0f64);
        let log_every = args.log_every.max(1);
        let report = trainer.fit(train_idx.len(), Some(&train_lengths), make_batch, |s| {
            window.0 += s.loss as f64;
            window.1 += 1;
            window.2 += s.seconds;
            if s.step % log_every == 0 {
                println!(
                    "fold {fold} step {:>4}/{}: loss {:.4} (mean of last {}), lr {:.2e}, grad norm {:.2}, {:.2} s/step",
                    s.step,
                    args.steps,
                    window.0 / window.1 as f64,
                    window.1,
                    s.lr,
                    s.grad_norm,
                    window.2 / window.1 as f64
                );
                let _ = std::io::stdout().flush();
                window = (0.0, 0, 0.0);
            }
        })?;
        if let Some(from) = report.resumed_from {
            println!("fold {fold}: resumed from checkpoint at step {from}");
        }
        println!(
            "fold {fold}: trained {} steps in {:.0} s ({:.2} steps/s)",
            report.steps_run, report.seconds, report.steps_per_second
        );

        // Evaluate on held-out articles (inference path), length-bucketed batches.
        let t_eval = Instant::now();
        let mut order = test_idx.clone();
        order.sort_by_key(|&i| lengths[i]);
        let mut margin: HashMap<usize, f32> = HashMap::new();
        for chunk in order.chunks(64) {
            let seqs: Vec<Vec<u32>> = chunk.iter().map(|&i| ids[i].clone()).collect();
            let (x, m) = pad_batch(&seqs, pad)?;
            let logits = trainer.predict(&x, &m)?;
            let l = logits.first().ok_or("no logits")?.to_vec2::<f32>()?;
            for (&i, row) in chunk.iter().zip(l) {
                margin.insert(
                    i,
                    row.get(1).copied().unwrap_or(0.0) - row.first().copied().unwrap_or(0.0),
                );
            }
        }
        let eval_seconds = t_eval.elapsed().as_secs_f64();
        let gold: Vec<bool> = test_idx.iter().map(|&i| units[i].positive).collect();
        let m: Vec<f32> = test_idx
            .iter()
            .map(|i| margin.get(i).copied().unwrap_or(0.0))
            .collect();
        let p: Vec<bool> = m.iter().map(|&x| x > 0.0).collect();
        let (f1, prec, rec, acc) = scores(&p, &gold);
        let shift = (train_neg.max(1) as f32 / train_pos.max(1) as f32).ln();
        let pp: Vec<bool> = m.iter().map(|&x| x > shift).collect();
        let (f1_prior, _, _, acc_prior) = scores(&pp, &gold);
        let auc = roc_auc(&m, &gold);
        let majority_positive = train_pos > train_neg;
        let maj: Vec<bool> = vec![majority_positive; gold.len()];
        let (mf1, _, _, macc) = scores(&maj, &gold);
        let hist = report.loss_history.clone();
        let r = FoldResult {
            fold,
            train_units: train_idx.len(),
            test_units: test_idx.len(),
            test_positive_rate: gold.iter().filter(|&&g| g).count() as f64
                / gold.len().max(1) as f64,
            f1_positive: f1,
            precision: prec,
            recall: rec,
            accuracy: acc,
            accuracy_prior: acc_prior,
            f1_positive_prior: f1_prior,
            auc,
            majority_accuracy: macc,
            majority_f1_positive: mf1,
            first_loss_window: hist.first().map(|x| x.1).unwrap_or(f32::NAN),
            last_loss_window: hist.last().map(|x| x.1).unwrap_or(f32::NAN),
            steps: report.global_step,
            train_seconds: report.seconds,
            steps_per_second: report.steps_per_second,
            eval_seconds,
            loss_history: hist,
        };
        println!(
            "fold {fold}: F1(pos) {:.3} (P {:.3} R {:.3}), accuracy {:.3}; prior-corrected threshold: accuracy {:.3}, F1(pos) {:.3}; AUC {:.3} | majority baseline: accuracy {:.3}, F1(pos) {:.3} | eval {:.0} s",
            f1, prec, rec, acc, acc_prior, f1_prior, auc, macc, mf1, eval_seconds
        );

        // Save the fold's model in our own format (f16) and check it loads without the wheel.
        let (_, varmap, _) = trainer.into_parts();
        let mdir = fdir.join("model");
        let mc = ModelConfig {
            format: export::FORMAT_VERSION,
            encoder: files_config(&files)?,
            max_len: args.max_len,
            heads: vec![spec],
            dtype: StoreDType::F16,
            notes: serde_json::json!({
                "task": format!("{}-level contains a persuasion technique (SemEval-2023 T3 en, train split)", args.level),
                "fold": fold, "folds": args.folds, "seed": args.seed, "f1_positive": f1,
            }),
        };
        export::save_trained(&mdir, &varmap, &mc, &files.tokenizer())?;
        let loaded = TrainedModel::load(&mdir)?;
        let sample: Vec<&str> = test_idx
            .iter()
            .take(4)
            .map(|&i| units[i].text.as_str())
            .collect();
        let probs = loaded.classify(&sample)?;
        println!(
            "fold {fold}: saved {} ({:.1} MB); reloaded, P(technique) on 4 held-out units: {:?}",
            mdir.display(),
            dir_mb(&mdir),
            probs
                .iter()
                .map(|p| p
                    .first()
                    .and_then(|h| h.get(1))
                    .copied()
                    .unwrap_or(f32::NAN))
                .collect::<Vec<_>>()
        );
        let tmp = rpath.with_extension("json.tmp");
        fs::write(&tmp, serde_json::to_vec_pretty(&r)?)?;
        fs::rename(&tmp, &rpath)?;
        results.insert(fold, r);
    }

    let k = results.len() as f64;
    let mean = |f: &dyn Fn(&FoldResult) -> f64| results.values().map(f).sum::<f64>() / k;
    println!(
        "\n== {}-fold cross-validation by article ({}-level) ==",
        args.folds, args.level
    );
    println!("fold  test  F1(pos)  P      R      acc    | prior: acc  F1(pos) |  AUC  | majority acc  F1(pos) | loss first→last window  steps/s");
    for r in results.values() {
        println!(
            "{:>4} {:>5}  {:.3}   {:.3}  {:.3}  {:.3}  |   {:.3}     {:.3}  | {:.3} | {:.3}         {:.3}   | {:.4} → {:.4}         {:.2}",
            r.fold, r.test_units, r.f1_positive, r.precision, r.recall, r.accuracy, r.accuracy_prior,
            r.f1_positive_prior, r.auc, r.majority_accuracy, r.majority_f1_positive,
            r.first_loss_window, r.last_loss_window, r.steps_per_second
        );
    }
    println!(
        "mean        {:.3}   {:.3}  {:.3}  {:.3}  |   {:.3}     {:.3}  | {:.3} | {:.3}         {:.3}",
        mean(&|r| r.f1_positive),
        mean(&|r| r.precision),
        mean(&|r| r.recall),
        mean(&|r| r.accuracy),
        mean(&|r| r.accuracy_prior),
        mean(&|r| r.f1_positive_prior),
        mean(&|r| r.auc),
        mean(&|r| r.majority_accuracy),
        mean(&|r| r.majority_f1_positive)
    );
    println!(
        "wall time of this invocation: {:.0} s",
        t_all.elapsed().as_secs_f64()
    );
    Ok(())
}

/// ROC AUC by the rank-sum (Mann–Whitney) formula, ties counted half.
fn roc_auc(score: &[f32], gold: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let mut ranks = vec![0f64; score.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && score[idx[j + 1]] == score[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            ranks[k] = r;
        }
        i = j + 1;
    }
    let n_pos = gold.iter().filter(|&&g| g).count() as f64;
    let n_neg = gold.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return f64::NAN;
    }
    let sum_pos: f64 = ranks
        .iter()
        .zip(gold)
        .filter(|(_, &g)| g)
        .map(|(r, _)| r)
        .sum();
    (sum_pos - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

fn files_config(files: &rhetor_models::ModelFiles) -> AnyResult<rhetor_models::BertConfig> {
    Ok(rhetor_models::BertConfig::from_file(&files.config())?)
}

fn dir_mb(p: &Path) -> f64 {
    fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum::<u64>()
        })
        .unwrap_or(0) as f64
        / 1e6
}

#[cfg(test)]
mod tests {
    use super::split_sentences;

    fn split(s: &str) -> Vec<String> {
        let c: Vec<char> = s.chars().collect();
        split_sentences(&c)
            .into_iter()
            .map(|(a, b)| c[a..b].iter().collect())
            .collect()
    }

    #[test]
    fn sentences() {
        assert_eq!(
            split(
                "Mr. Smith went to Washington. He said \"No!\" Then U.S. officials left. 3 stayed."
            ),
            vec![
                "Mr. Smith went to Washington.",
                "He said \"No!\"",
                "Then U.S. officials left.",
                "3 stayed."
            ]
        );
        assert_eq!(split("no end here"), vec!["no end here"]);
        assert!(split("   ").is_empty());
    }

    #[test]
    fn auc() {
        assert_eq!(
            super::roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]),
            0.75
        );
        assert_eq!(super::roc_auc(&[1.0, 1.0], &[false, true]), 0.5);
        assert!(super::roc_auc(&[1.0], &[true]).is_nan());
    }
}
