//! Trains and validates the USE frame head (issue 14; `rhetor_analyzers::multilingual::
//! UseFrameHead`): SemEval subtask-2 frames from the mean of an article's paragraph vectors
//! (Universal Sentence Encoder multilingual v3), trained on the English training articles and
//! the five other 2023 languages' frame-labelled articles, and blended with the article heads'
//! frame model (`analyzer.json`, which reads the English technique encoder).
//!
//! Validation: the English articles' folds of `rhetor train`'s article samples (the ones the
//! article heads were cross-validated on). For each fold, both heads are trained on the other
//! folds (the other languages always in training, at loss weight `ml`); the blend
//! `α × USE + (1 − α) × article head` is scored by micro-F1 at each threshold, plain and with
//! the articles weighted so that their genres come in the target mix (mostly reporting). The
//! setting (L2, `ml`, α, threshold) is chosen by the weighted figure; the nested figure chooses
//! it for each fold on the other four folds' predictions only. The shipped head is trained on
//! every English article and the other languages at the chosen setting.
//!
//! Articles in the other languages: the pipeline gives them a second head, trained on English
//! and all five other languages (the article heads read English only). It is validated by
//! holding each language out (trained on English and the other four) against the English-only
//! head, its threshold chosen on the other four languages' held-out predictions (nested), and
//! shipped only when that beats the English-only head there.
//!
//! The article vectors are cached in the samples' folder (`use-frames-en.json`,
//! `use-frames-ml.json`) after the first run (about ten minutes of embedding on two cores).
//!
//! ```sh
//! cargo run --release -p rhetor-train --example frame_head -- \
//!     WORK/article-samples-0123456789abcdef.json [--write models/techniques/multilingual.json]
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;

use rhetor_analyzers::article::{choose_frames, frame_oof, genre_target_prior, Sample};
use rhetor_analyzers::multilingual::{
    article_mean, fit, sigmoid_rows, DenseFit, MultilingualHead, UseFrameHead, UseGenreHead,
};
use rhetor_eval::semeval::{load_language, shared_language_dir, Split};
use rhetor_models::use_m3::{UseEncoder, DIM};
use rhetor_models::weights::{cache_root, USE_M3};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const LANGUAGES: [&str; 5] = ["fr", "ge", "it", "po", "ru"];
/// The article heads' frame regularisation as `rhetor train` chose it (`frames_l2`).
const DENSE_L2: f32 = 1e-4;

/// `id → (mean vector, labels)`.
type Labelled = BTreeMap<String, (Vec<f32>, Vec<String>)>;

/// An article's vector with its frame labels and genre, when it has them.
type Read = (Vec<f32>, Option<Vec<String>>, Option<String>);

/// `id → (vector, frames, genre)` of the articles of `langs` with frame or genre labels (ids
/// prefixed with `lang:` unless `bare`), from `cache` or embedded and written there.
fn vectors(
    cache: &Path,
    langs: &[&str],
    bare: bool,
    enc: &mut Option<UseEncoder>,
) -> Res<BTreeMap<String, Read>> {
    let mut labels = BTreeMap::new();
    let mut texts = vec![];
    for lang in langs {
        let dir = shared_language_dir(lang)
            .ok_or(format!("../shared/data/semeval2023/{lang} is missing"))?;
        for a in load_language(&dir, Split::Train)? {
            if a.frames.is_none() && a.genre.is_none() {
                continue;
            }
            let id = if bare {
                a.id.clone()
            } else {
                format!("{lang}:{}", a.id)
            };
            labels.insert(id.clone(), (a.frames.clone(), a.genre.clone()));
            texts.push((id, a.text));
        }
    }
    let cached: BTreeMap<String, Vec<f32>> = match std::fs::read(cache) {
        Ok(bytes) => serde_json::from_slice::<Vec<Sample>>(&bytes)?
            .into_iter()
            .map(|s| (s.id, s.dense))
            .collect(),
        Err(_) => BTreeMap::new(),
    };
    let missing: Vec<&(String, String)> = texts
        .iter()
        .filter(|(id, _)| !cached.contains_key(id))
        .collect();
    let mut all = cached;
    if !missing.is_empty() {
        if enc.is_none() {
            *enc = Some(UseEncoder::load(&USE_M3.ensure(&cache_root()?)?)?);
        }
        let e = enc.as_ref().ok_or("no encoder")?;
        let t0 = std::time::Instant::now();
        for (id, text) in missing {
            let idx = rhetor_doc::CharIndex::new(text);
            let pars: Vec<&str> = rhetor_text::paragraphs(text)
                .into_iter()
                .filter_map(|p| idx.slice(text, p.start, p.end))
                .collect();
            all.insert(id.clone(), article_mean(&e.embed(&pars)).to_vec());
        }
        eprintln!(
            "embedded {} articles in {:.0} s",
            texts.len(),
            t0.elapsed().as_secs_f64()
        );
        let samples: Vec<Sample> = all
            .iter()
            .map(|(id, v)| Sample {
                id: id.clone(),
                dense: v.clone(),
                words: vec![],
                genre: None,
                frames: None,
                fold: None,
                weight: 1.0,
            })
            .collect();
        std::fs::write(cache, serde_json::to_vec(&samples)?)?;
    }
    Ok(labels
        .into_iter()
        .filter_map(|(id, (f, g))| Some((id.clone(), (all.get(&id)?.clone(), f, g))))
        .collect())
}

/// The articles of `read` with a label `pick` gives, as `id → (vector, labels)`.
fn labelled(read: &BTreeMap<String, Read>, pick: fn(&Read) -> Option<Vec<String>>) -> Labelled {
    read.iter()
        .filter_map(|(id, r)| Some((id.clone(), (r.0.clone(), pick(r)?))))
        .collect()
}

/// Macro-F1 over the classes present in `gold` or `pred`.
fn macro_f1(gold: &[usize], pred: &[usize], k: usize) -> f64 {
    let mut f = vec![];
    for c in 0..k {
        let tp = gold
            .iter()
            .zip(pred)
            .filter(|(g, p)| **g == c && **p == c)
            .count() as f64;
        let fp = gold
            .iter()
            .zip(pred)
            .filter(|(g, p)| **g != c && **p == c)
            .count() as f64;
        let fn_ = gold
            .iter()
            .zip(pred)
            .filter(|(g, p)| **g == c && **p != c)
            .count() as f64;
        if tp + fp + fn_ > 0.0 {
            f.push(2.0 * tp / (2.0 * tp + fp + fn_));
        }
    }
    f.iter().sum::<f64>() / f.len().max(1) as f64
}

/// Weighted micro-F1 of the chosen frames (`choose_frames` at row `j`'s threshold `th(j)`)
/// against `gold`.
fn micro_f1(
    gold: &[Vec<bool>],
    probs: &[Vec<f32>],
    w: &[f64],
    labels: &[String],
    th: &dyn Fn(usize) -> f32,
) -> f64 {
    let (mut tp, mut fp, mut fn_) = (0f64, 0f64, 0f64);
    for (j, ((g, p), &wi)) in gold.iter().zip(probs).zip(w).enumerate() {
        let chosen = choose_frames(labels, p, th(j));
        let pred: Vec<bool> = labels
            .iter()
            .map(|l| chosen.iter().any(|(c, _)| c == l))
            .collect();
        for (a, b) in g.iter().zip(&pred) {
            match (a, b) {
                (true, true) => tp += wi,
                (false, true) => fp += wi,
                (true, false) => fn_ += wi,
                _ => {}
            }
        }
    }
    2.0 * tp / (2.0 * tp + fp + fn_).max(1e-12)
}

fn blend(a: &[f32], b: &[f32], alpha: f32) -> Vec<f32> {
    a.iter()
        .zip(b)
        .map(|(u, d)| alpha * u + (1.0 - alpha) * d)
        .collect()
}

fn probs(head: &(Vec<Vec<f32>>, Vec<f32>), x: &[f32]) -> Vec<f32> {
    sigmoid_rows(&head.0, &head.1, x)
}

/// Rows (`n × DIM`), gold (`n × k`) and loss weights for a fit.
/// One training row: the article vector, its gold over the `k` labels, its loss weight.
type Row<'a> = (&'a Vec<f32>, Vec<bool>, f32);

/// A head over `k` labels fitted on `rows` (`multilingual::fit`, L2 `l2`).
fn fit_rows(rows: &[Row], k: usize, l2: f32) -> (Vec<Vec<f32>>, Vec<f32>) {
    let mut x = Vec::with_capacity(rows.len() * DIM);
    let mut y = vec![];
    let mut w = vec![];
    for (v, g, wi) in rows {
        x.extend_from_slice(v);
        y.extend(g.iter().copied());
        w.push(*wi);
    }
    let opts = DenseFit {
        l2,
        ..DenseFit::default()
    };
    fit(&x, &y, DIM, k, Some(&w), &opts)
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let write = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let samples_path = args
        .get(1)
        .filter(|a| !a.starts_with("--"))
        .ok_or("usage: frame_head ARTICLE_SAMPLES_JSON [--write MULTILINGUAL_JSON]")?;
    let samples: Vec<Sample> = serde_json::from_slice(&std::fs::read(samples_path)?)?;
    let work = Path::new(samples_path)
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let (genres, frames) = rhetor_analyzers::pipeline::official_labels();
    let k = frames.len();
    let mut enc = None;
    let en_read = vectors(&work.join("use-frames-en.json"), &["en"], true, &mut enc)?;
    let ml_read = vectors(
        &work.join("use-frames-ml.json"),
        &LANGUAGES,
        false,
        &mut enc,
    )?;
    let frames_of = |r: &Read| r.1.clone();
    let genre_of = |r: &Read| r.2.clone().map(|g| vec![g]);
    let (en, ml) = (labelled(&en_read, frames_of), labelled(&ml_read, frames_of));
    let to_gold = |f: &[String]| -> Vec<bool> { frames.iter().map(|l| f.contains(l)).collect() };

    // The English articles with a fold, frames and a vector, in the samples' order.
    let idx: Vec<usize> = (0..samples.len())
        .filter(|&i| {
            let s = &samples[i];
            s.fold.is_some() && s.frames.is_some() && en.contains_key(&s.id)
        })
        .collect();
    let folds = idx
        .iter()
        .filter_map(|&i| samples[i].fold)
        .max()
        .map_or(0, |m| m + 1);
    println!(
        "{} English articles in {folds} folds, {} from other languages",
        idx.len(),
        ml.len()
    );
    let gold: Vec<Vec<bool>> = idx
        .iter()
        .map(|&i| to_gold(&en[&samples[i].id].1))
        .collect();
    let target = genre_target_prior(&genres);
    let mut count = vec![0f64; genres.len()];
    for &i in &idx {
        if let Some(g) = samples[i].genre {
            count[g] += 1.0;
        }
    }
    let total: f64 = count.iter().sum();
    let weighted: Vec<f64> = idx
        .iter()
        .map(|&i| match samples[i].genre {
            Some(g) if count[g] > 0.0 => target[g] as f64 / (count[g] / total),
            _ => 1.0,
        })
        .collect();
    let plain = vec![1f64; idx.len()];
    let fold_of: Vec<usize> = idx.iter().map(|&i| samples[i].fold.unwrap_or(0)).collect();

    // The article heads' out-of-fold frame probabilities.
    let dense_oof = frame_oof(&samples, folds, &frames, DENSE_L2);
    let dense: Vec<Vec<f32>> = idx
        .iter()
        .map(|&i| dense_oof[i].clone().unwrap_or_else(|| vec![0.0; k]))
        .collect();

    let l2s = [1e-4f32, 3e-4, 1e-3, 3e-3];
    let mls = [0f32, 0.5, 1.0];
    let alphas = [0f32, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0];
    let ths: Vec<f32> = (4..13).map(|t| t as f32 * 0.05).collect();
    let ml_rows: Vec<(&Vec<f32>, Vec<bool>)> = ml.values().map(|(v, f)| (v, to_gold(f))).collect();
    // Out-of-fold USE probabilities per (l2, ml).
    let configs: Vec<(f32, f32)> = l2s
        .iter()
        .flat_map(|&l| mls.iter().map(move |&m| (l, m)))
        .collect();
    let t0 = std::time::Instant::now();
    let use_oof: Vec<Vec<Vec<f32>>> = configs
        .iter()
        .map(|&(l2, wml)| {
            let mut out = vec![vec![0f32; k]; idx.len()];
            let per_fold: Vec<Vec<(usize, Vec<f32>)>> = (0..folds)
                .into_par_iter()
                .map(|f| {
                    let mut rows: Vec<Row> = idx
                        .iter()
                        .zip(&fold_of)
                        .zip(&gold)
                        .filter(|((_, &fo), _)| fo != f)
                        .map(|((&i, _), g)| (&en[&samples[i].id].0, g.clone(), 1.0))
                        .collect();
                    if wml > 0.0 {
                        rows.extend(ml_rows.iter().map(|(v, g)| (*v, g.clone(), wml)));
                    }
                    let head = fit_rows(&rows, k, l2);
                    (0..idx.len())
                        .filter(|&j| fold_of[j] == f)
                        .map(|j| (j, probs(&head, &en[&samples[idx[j]].id].0)))
                        .collect()
                })
                .collect();
            for (j, p) in per_fold.into_iter().flatten() {
                out[j] = p;
            }
            eprintln!(
                "  l2 {l2:e}, other languages at {wml}: fitted ({:.0} s)",
                t0.elapsed().as_secs_f64()
            );
            out
        })
        .collect();

    // Every setting's blended probabilities: (config, alpha) → probs.
    let mut table = vec![];
    for (ci, &(l2, wml)) in configs.iter().enumerate() {
        for &a in &alphas {
            let p: Vec<Vec<f32>> = use_oof[ci]
                .iter()
                .zip(&dense)
                .map(|(u, d)| blend(u, d, a))
                .collect();
            table.push(((l2, wml, a), p));
        }
    }
    let score_on = |p: &[Vec<f32>], th: f32, w: &[f64], keep: &dyn Fn(usize) -> bool| {
        let (g, pp, ww): (Vec<Vec<bool>>, Vec<Vec<f32>>, Vec<f64>) = (0..idx.len())
            .filter(|&j| keep(j))
            .map(|j| (gold[j].clone(), p[j].clone(), w[j]))
            .fold((vec![], vec![], vec![]), |mut acc, (a, b, c)| {
                acc.0.push(a);
                acc.1.push(b);
                acc.2.push(c);
                acc
            });
        micro_f1(&g, &pp, &ww, &frames, &|_| th)
    };
    let all = |_: usize| true;
    println!("\n| L2 | other languages | α (USE share) | plain micro-F1 at 0.30 | weighted at 0.30 | best weighted (threshold) |");
    println!("|---|---|---|---|---|---|");
    let mut best = ((0f32, 0f32, 0f32), 0.3f32, -1f64, 0usize);
    for (ti, ((l2, wml, a), p)) in table.iter().enumerate() {
        let (bw, bt) = ths
            .iter()
            .map(|&t| (score_on(p, t, &weighted, &all), t))
            .fold((-1f64, 0.3f32), |m, x| if x.0 > m.0 { x } else { m });
        if bw > best.2 {
            best = ((*l2, *wml, *a), bt, bw, ti);
        }
        if *a == 0.0 && ti > 0 {
            continue; // the article head alone: once
        }
        println!(
            "| {l2:e} | {wml} | {a} | {:.4} | {:.4} | {bw:.4} ({bt:.2}) |",
            score_on(p, 0.3, &plain, &all),
            score_on(p, 0.3, &weighted, &all),
        );
    }
    let base_plain = score_on(&dense, 0.3, &plain, &all);
    let base_weighted = score_on(&dense, 0.3, &weighted, &all);
    // FRAME_SETTING=L2,ML,ALPHA,THRESHOLD: write that setting instead of the chosen one (to
    // read another setting's frames on real articles; the figures printed are its own).
    let forced: Option<(f32, f32, f32, f32)> = std::env::var("FRAME_SETTING").ok().and_then(|v| {
        let p: Vec<f32> = v.split(',').filter_map(|x| x.parse().ok()).collect();
        (p.len() == 4).then(|| (p[0], p[1], p[2], p[3]))
    });
    if let Some((l, m, a, t)) = forced {
        let ti = table
            .iter()
            .position(|((tl, tm, ta), _)| *tl == l && *tm == m && *ta == a)
            .ok_or("FRAME_SETTING is not on the grid")?;
        best = ((l, m, a), t, score_on(&table[ti].1, t, &weighted, &all), ti);
    }
    let ((l2, wml, alpha), th, bw, bi) = best;
    // Per frame: F1 of the article head alone and of the setting.
    println!("\n| frame | gold | article head F1 | setting F1 |\n|---|---|---|---|");
    for (c, name) in frames.iter().enumerate() {
        let f1 = |p: &[Vec<f32>], t: f32| {
            let (mut tp, mut fp, mut fn_) = (0f64, 0f64, 0f64);
            for j in 0..idx.len() {
                let chosen = choose_frames(&frames, &p[j], t);
                let pr = chosen.iter().any(|(x, _)| x == name);
                match (gold[j][c], pr) {
                    (true, true) => tp += 1.0,
                    (false, true) => fp += 1.0,
                    (true, false) => fn_ += 1.0,
                    _ => {}
                }
            }
            2.0 * tp / (2.0 * tp + fp + fn_).max(1e-12)
        };
        let n = gold.iter().filter(|g| g[c]).count();
        println!(
            "| {name} | {n} | {:.3} | {:.3} |",
            f1(&dense, 0.3),
            f1(&table[bi].1, th)
        );
    }
    let chosen_plain = score_on(&table[bi].1, th, &plain, &all);
    println!(
        "\narticle head alone (shipped, threshold 0.30): plain {base_plain:.4}, weighted {base_weighted:.4}"
    );
    println!("chosen: L2 {l2:e}, other languages at {wml}, α {alpha}, threshold {th:.2}: plain {chosen_plain:.4}, weighted {bw:.4} (chosen on it: optimistic)");

    // Nested: each fold's setting chosen on the other folds' predictions.
    let mut nested_probs = vec![vec![0f32; k]; idx.len()];
    let mut nested_th = vec![0.3f32; idx.len()];
    for f in 0..folds {
        let others = |j: usize| fold_of[j] != f;
        let mut b = (-1f64, 0usize, 0.3f32);
        for (ti, (_, p)) in table.iter().enumerate() {
            for &t in &ths {
                let s = score_on(p, t, &weighted, &others);
                if s > b.0 {
                    b = (s, ti, t);
                }
            }
        }
        let ((l, m, a), _) = &table[b.1];
        println!(
            "  fold {f}: chosen on the others L2 {l:e}, ml {m}, α {a}, threshold {:.2}",
            b.2
        );
        for j in (0..idx.len()).filter(|&j| fold_of[j] == f) {
            nested_probs[j] = table[b.1].1[j].clone();
            nested_th[j] = b.2;
        }
    }
    // Score the nested predictions, each at its own fold's threshold.
    let nested = |w: &[f64]| micro_f1(&gold, &nested_probs, w, &frames, &|j| nested_th[j]);
    let (nested_plain, nested_weighted) = (nested(&plain), nested(&weighted));
    println!("nested: plain {nested_plain:.4}, weighted {nested_weighted:.4}");

    // Articles in the other languages: the English-only head (as shipped for English) against
    // heads trained on English and the other four languages, each language held out in turn.
    let en_rows: Vec<Row> = idx
        .iter()
        .zip(&gold)
        .map(|(&i, g)| (&en[&samples[i].id].0, g.clone(), 1.0))
        .collect();
    let lang_of = |id: &str| id.split(':').next().unwrap_or("").to_string();
    let ml_ids: Vec<&String> = ml.keys().collect();
    let ml_gold: Vec<Vec<bool>> = ml.values().map(|(_, f)| to_gold(f)).collect();
    let ml_lang: Vec<String> = ml_ids.iter().map(|id| lang_of(id)).collect();
    let ones = vec![1f64; ml_ids.len()];
    let en_only = fit_rows(&en_rows, k, l2);
    let en_only_probs: Vec<Vec<f32>> = ml.values().map(|(v, _)| probs(&en_only, v)).collect();
    println!(
        "\nother languages (each held out; micro-F1 of its frame-labelled training articles):"
    );
    println!("| head | threshold | {} | pooled |", LANGUAGES.join(" | "));
    println!("|---|---|{}---|", "---|".repeat(LANGUAGES.len()));
    let per_lang = |p: &[Vec<f32>], th: &dyn Fn(&str) -> f32| -> (Vec<f64>, f64) {
        let per = LANGUAGES
            .iter()
            .map(|l| {
                let keep: Vec<usize> = (0..ml_ids.len()).filter(|&j| ml_lang[j] == *l).collect();
                let g: Vec<Vec<bool>> = keep.iter().map(|&j| ml_gold[j].clone()).collect();
                let pp: Vec<Vec<f32>> = keep.iter().map(|&j| p[j].clone()).collect();
                let t = th(l);
                micro_f1(&g, &pp, &ones[..keep.len()], &frames, &|_| t)
            })
            .collect();
        // Pooled, each language at its own threshold.
        let pooled = micro_f1(&ml_gold, p, &ones, &frames, &|j| th(&ml_lang[j]));
        (per, pooled)
    };
    let show = |name: &str, thl: &str, r: &(Vec<f64>, f64)| {
        let cells: Vec<String> = r.0.iter().map(|v| format!("{v:.3}")).collect();
        println!("| {name} | {thl} | {} | {:.3} |", cells.join(" | "), r.1);
    };
    let en_only_fig = per_lang(&en_only_probs, &|_| th);
    show(
        "English only (shipped for English)",
        &format!("{th:.2}"),
        &en_only_fig,
    );
    // (l2, other languages' weight) → held-out-language probabilities.
    let mut lolo_best: (f64, f32, f32, f32, Vec<Vec<f32>>) = (-1.0, 0.0, 0.0, 0.5, vec![]);
    for &ol2 in &[3e-4f32, 1e-3] {
        for &ow in &[0.5f32, 1.0] {
            let mut p = vec![vec![0f32; k]; ml_ids.len()];
            for l in LANGUAGES {
                let mut rows = en_rows.clone();
                rows.extend(
                    ml.values()
                        .zip(&ml_lang)
                        .zip(&ml_gold)
                        .filter(|((_, ll), _)| ll.as_str() != l)
                        .map(|(((v, _), _), g)| (v, g.clone(), ow)),
                );
                let head = fit_rows(&rows, k, ol2);
                for j in (0..ml_ids.len()).filter(|&j| ml_lang[j] == l) {
                    p[j] = probs(&head, &ml[ml_ids[j]].0);
                }
            }
            for &t in &ths {
                let r = per_lang(&p, &|_| t);
                if r.1 > lolo_best.0 {
                    lolo_best = (r.1, ol2, ow, t, p.clone());
                }
            }
            let (bt, br) = ths.iter().map(|&t| (t, per_lang(&p, &|_| t))).fold(
                (0.3f32, (vec![], -1f64)),
                |m, x| if x.1 .1 > m.1 .1 { x } else { m },
            );
            show(
                &format!("English + the other four at {ow}, L2 {ol2:e}"),
                &format!("{bt:.2} (best pooled)"),
                &br,
            );
        }
    }
    // Nested: each language's threshold chosen on the other four's held-out predictions.
    let (_, ol2, ow, ot, lp) = &lolo_best;
    let nested_th: BTreeMap<String, f32> = LANGUAGES
        .iter()
        .map(|l| {
            let keep: Vec<usize> = (0..ml_ids.len()).filter(|&j| ml_lang[j] != *l).collect();
            let g: Vec<Vec<bool>> = keep.iter().map(|&j| ml_gold[j].clone()).collect();
            let pp: Vec<Vec<f32>> = keep.iter().map(|&j| lp[j].clone()).collect();
            let t = ths
                .iter()
                .map(|&t| (micro_f1(&g, &pp, &ones[..keep.len()], &frames, &|_| t), t))
                .fold((-1f64, 0.5f32), |m, x| if x.0 > m.0 { x } else { m })
                .1;
            (l.to_string(), t)
        })
        .collect();
    let lolo_nested = per_lang(lp, &|l| nested_th.get(l).copied().unwrap_or(*ot));
    show(
        &format!("chosen: English + the other four at {ow}, L2 {ol2:e}, nested thresholds"),
        &format!("{nested_th:?}"),
        &lolo_nested,
    );

    // Genre of articles in other languages: the English genre head reads the English encoder,
    // so there it is noise. A head over the same article vectors, trained on English and the
    // other languages, each language held out in turn.
    let kg = genres.len();
    let (en_g, ml_g) = (labelled(&en_read, genre_of), labelled(&ml_read, genre_of));
    let g_index = |l: &[String]| {
        l.first()
            .and_then(|g| genres.iter().position(|x| x == g))
            .unwrap_or(0)
    };
    let one_hot = |c: usize| -> Vec<bool> { (0..kg).map(|j| j == c).collect() };
    let eng_rows: Vec<Row> = en_g
        .values()
        .map(|(v, l)| (v, one_hot(g_index(l)), 1.0))
        .collect();
    let mlg: Vec<(&String, &Vec<f32>, usize, String)> = ml_g
        .iter()
        .map(|(id, (v, l))| (id, v, g_index(l), lang_of(id)))
        .collect();
    let bars = [0.0f32, 0.5, 0.8];
    println!("\ngenre of other languages (each held out; macro-F1 of its genre-labelled training articles; {} English, {} others):", eng_rows.len(), mlg.len());
    println!("| head | satire bar | {} | mean |", LANGUAGES.join(" | "));
    println!("|---|---|{}---|", "---|".repeat(LANGUAGES.len()));
    let mut genre_best: (f64, f32, f32, f32) = (-1.0, 1e-3, 1.0, 0.8);
    for &gl2 in &[3e-4f32, 1e-3] {
        for &gw in &[0.5f32, 1.0] {
            let mut p = vec![vec![0f32; kg]; mlg.len()];
            for l in LANGUAGES {
                let mut rows = eng_rows.clone();
                rows.extend(
                    mlg.iter()
                        .filter(|(_, _, _, ll)| ll.as_str() != l)
                        .map(|(_, v, c, _)| (*v, one_hot(*c), gw)),
                );
                let head = fit_rows(&rows, kg, gl2);
                for (j, m) in mlg.iter().enumerate() {
                    if m.3 == l {
                        p[j] = probs(&head, m.1);
                    }
                }
            }
            for &bar in &bars {
                let per: Vec<f64> = LANGUAGES
                    .iter()
                    .map(|l| {
                        let (g, pr): (Vec<usize>, Vec<usize>) = mlg
                            .iter()
                            .zip(&p)
                            .filter(|(m, _)| m.3 == *l)
                            .map(|(m, pp)| {
                                let s: f32 = pp.iter().sum::<f32>().max(1e-12);
                                let norm: Vec<f32> = pp.iter().map(|x| x / s).collect();
                                (
                                    m.2,
                                    rhetor_analyzers::article::choose_genre_at(&genres, &norm, bar)
                                        .unwrap_or(0),
                                )
                            })
                            .unzip();
                        macro_f1(&g, &pr, kg)
                    })
                    .collect();
                let mean = per.iter().sum::<f64>() / per.len() as f64;
                if mean > genre_best.0 {
                    genre_best = (mean, gl2, gw, bar);
                }
                let cells: Vec<String> = per.iter().map(|v| format!("{v:.3}")).collect();
                println!(
                    "| English + the other four at {gw}, L2 {gl2:e} | {bar} | {} | {mean:.3} |",
                    cells.join(" | ")
                );
            }
        }
    }
    println!(
        "genre chosen: L2 {:e}, other languages at {}, satire bar {} (mean held-out-language macro-F1 {:.3}; chosen on it)",
        genre_best.1, genre_best.2, genre_best.3, genre_best.0
    );

    if let Some(path) = write {
        let mut rows: Vec<Row> = idx
            .iter()
            .zip(&gold)
            .map(|(&i, g)| (&en[&samples[i].id].0, g.clone(), 1.0))
            .collect();
        if wml > 0.0 {
            rows.extend(ml_rows.iter().map(|(v, g)| (*v, g.clone(), wml)));
        }
        let (weights, bias) = fit_rows(&rows, k, l2);
        let mut head: MultilingualHead = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        let scores: BTreeMap<String, f32> = [
            ("cv_plain_micro_f1", chosen_plain),
            ("cv_weighted_micro_f1", bw),
            ("nested_plain_micro_f1", nested_plain),
            ("nested_weighted_micro_f1", nested_weighted),
            ("article_head_plain_micro_f1", base_plain),
            ("article_head_weighted_micro_f1", base_weighted),
            ("l2", l2 as f64),
            ("other_languages_weight", wml as f64),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v as f32))
        .collect();
        // The head for articles in other languages: English and all five, at the chosen setting.
        let mut rows = en_rows.clone();
        rows.extend(
            ml.values()
                .zip(&ml_gold)
                .map(|((v, _), g)| (v, g.clone(), *ow)),
        );
        let (ow_weights, ow_bias) = fit_rows(&rows, k, *ol2);
        let other_scores: BTreeMap<String, f32> = [
            ("lolo_pooled_micro_f1", lolo_best.0),
            ("lolo_nested_micro_f1", lolo_nested.1),
            ("english_only_pooled_micro_f1", en_only_fig.1),
            ("l2", *ol2 as f64),
            ("other_languages_weight", *ow as f64),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v as f32))
        .collect();
        let round = |w: Vec<Vec<f32>>| -> Vec<Vec<f32>> {
            w.into_iter()
                .map(|w| w.into_iter().map(|v| (v * 1e5).round() / 1e5).collect())
                .collect()
        };
        let other = UseFrameHead {
            labels: frames.clone(),
            weights: round(ow_weights),
            bias: ow_bias,
            blend: 1.0,
            threshold: *ot,
            scores: other_scores,
            other_languages: None,
        };
        // The genre head for other languages: English and all five at the chosen setting.
        let (_, gl2, gw, gbar) = genre_best;
        let mut rows = eng_rows.clone();
        rows.extend(mlg.iter().map(|(_, v, c, _)| (*v, one_hot(*c), gw)));
        let (g_weights, g_bias) = fit_rows(&rows, kg, gl2);
        head.genre = Some(UseGenreHead {
            labels: genres.clone(),
            weights: round(g_weights),
            bias: g_bias,
            satire_min: gbar,
            scores: [
                ("lolo_mean_macro_f1", genre_best.0),
                ("l2", gl2 as f64),
                ("other_languages_weight", gw as f64),
            ]
            .into_iter()
            .map(|(n, v)| (n.to_string(), v as f32))
            .collect(),
        });
        head.frames = Some(UseFrameHead {
            labels: frames.clone(),
            weights: weights
                .into_iter()
                .map(|w| w.into_iter().map(|v| (v * 1e5).round() / 1e5).collect())
                .collect(),
            bias,
            blend: alpha,
            threshold: th,
            scores,
            other_languages: (lolo_nested.1 > en_only_fig.1).then(|| Box::new(other)),
        });
        std::fs::write(&path, serde_json::to_string(&head)? + "\n")?;
        println!("wrote the frame head into {path}");
    }
    Ok(())
}
