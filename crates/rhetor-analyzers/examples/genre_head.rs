//! The genre head for a reporting-heavy world: trains it on SemEval's articles plus real news
//! reports (samples from `examples/news_samples.rs`), and validates it the way users meet it.
//!
//! Validation, for every setting (features × L2 × weight of the news reports), each figure
//! from articles the head did not see:
//! - **SemEval 5-fold CV** (the news always in training): the naive macro-F1 (training mix,
//!   88 % opinion) and the macro-F1 with test articles weighted to the target mix
//!   (`GENRE_TARGET_PRIOR`);
//! - **leave one news family out**: BASIL, PolNeAR and FNC-1 are each held out whole while the
//!   head trains on SemEval and the other families; per outlet, the share called reporting (and
//!   satire);
//! - **news mix**: the macro-F1 of the expected confusion matrix at the target mix whose
//!   reporting row is the mean of the held-out news rows and the cross-validated SemEval
//!   reporting row, and whose opinion and satire rows are cross-validated SemEval articles. The
//!   setting, the prior shift and satire's bar are chosen by this figure (SemEval's own reports
//!   are 41 articles from the training sources; the held-out reports are not);
//! - **probe**: SemEval-2019 hyperpartisan articles (none satire, never trained on): how often
//!   satire is called on unfamiliar web sources; the news mix "with probe satire" assumes opinion
//!   and reporting are called satire at least that often.
//!
//! The chosen setting maximises the news mix with probe satire among those with satire's bar at
//! 0.8 or more and at least 85 % of held-out BASIL and PolNeAR reports called reporting.
//!
//! With `--write ANALYZER_JSON` the chosen head (refitted on everything) replaces the genre head
//! in that file; the frame head and the technique thresholds are left as they are.
//!
//! ```sh
//! cargo run --release -p rhetor-analyzers --example genre_head -- \
//!     SEMEVAL-SAMPLES.json NEWS.json... [--write models/techniques/analyzer.json]
//! ```

use std::collections::BTreeMap;

use rhetor_analyzers::article::{
    apply_prior, choose_genre_at, featurizer_of, fit_genre, genre_target_prior, genre_x,
    prior_multipliers, shifted_macro_f1, GenreInput, Sample,
};
use rhetor_analyzers::linear::LinearModel;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Debug, Clone, Copy)]
struct Setting {
    input: GenreInput,
    l2: f32,
    news_weight: f32,
}

/// The family of a news sample (`basil`, `polnear`, `fnc1`) and its outlet group.
fn family(id: &str) -> &str {
    id.split(':').next().unwrap_or("")
}

/// Satire only at this probability or more in the chosen head.
const SATIRE_PLAIN: f32 = 0.8;

/// The family of unlabelled web articles used only to measure false satire.
const PROBE: &str = "hyper";

fn group(id: &str) -> String {
    id.split(':')
        .take(2)
        .collect::<Vec<_>>()
        .join(":")
        .to_lowercase()
}

/// Probabilities before any prior shift: out-of-fold for SemEval, leave-one-family-out for news.
struct Validation {
    semeval: Vec<(usize, Vec<f32>)>,
    news: Vec<(String, Vec<f32>)>,
}

fn fit_predict(
    train: &[&Sample],
    test: &[&Sample],
    setting: Setting,
    genres: &[String],
) -> Vec<Vec<f32>> {
    let f = featurizer_of(train);
    let m: LinearModel = fit_genre(train, &f, genres, setting.l2, setting.input);
    test.iter()
        .map(|s| m.probs(&genre_x(&f, setting.input, &s.dense, &s.words)))
        .collect()
}

/// The news samples with a genre (reports), each with loss weight `w`.
fn weighted(news: &[Sample], w: f32) -> Vec<Sample> {
    news.iter()
        .filter(|s| s.genre.is_some())
        .map(|s| Sample {
            weight: w,
            ..s.clone()
        })
        .collect()
}

fn validate(
    semeval: &[Sample],
    news: &[Sample],
    folds: usize,
    setting: Setting,
    genres: &[String],
) -> Validation {
    let news_w = weighted(news, setting.news_weight);
    let use_news = setting.news_weight > 0.0;
    let mut out_sem = vec![];
    for f in 0..folds {
        let mut train: Vec<&Sample> = semeval
            .iter()
            .filter(|s| s.fold != Some(f) && s.genre.is_some())
            .collect();
        if use_news {
            train.extend(news_w.iter());
        }
        let test: Vec<&Sample> = semeval
            .iter()
            .filter(|s| s.fold == Some(f) && s.genre.is_some())
            .collect();
        let p = fit_predict(&train, &test, setting, genres);
        for (s, p) in test.iter().zip(p) {
            if let Some(g) = s.genre {
                out_sem.push((g, p));
            }
        }
    }
    let families: Vec<String> = {
        let mut v: Vec<String> = news.iter().map(|s| family(&s.id).to_string()).collect();
        v.sort();
        v.dedup();
        v
    };
    let mut out_news = vec![];
    let base: Vec<&Sample> = semeval.iter().filter(|s| s.genre.is_some()).collect();
    if use_news {
        for fam in &families {
            let mut train = base.clone();
            train.extend(news_w.iter().filter(|s| family(&s.id) != fam));
            let test: Vec<&Sample> = news.iter().filter(|s| family(&s.id) == fam).collect();
            let p = fit_predict(&train, &test, setting, genres);
            out_news.extend(test.iter().map(|s| s.id.clone()).zip(p));
        }
    } else {
        let test: Vec<&Sample> = news.iter().collect();
        let p = fit_predict(&base, &test, setting, genres);
        out_news.extend(test.iter().map(|s| s.id.clone()).zip(p));
    }
    Validation {
        semeval: out_sem,
        news: out_news,
    }
}

#[derive(Debug, Clone, Default)]
struct Figures {
    naive: f64,
    shifted: f64,
    news_mix: f64,
    /// [`Figures::news_mix`] with satire called on opinion and reporting at least as often as on
    /// the probe articles.
    news_mix_probe: f64,
    /// Share of the probe articles (not satire) called satire.
    probe_satire: f64,
    /// Share of the held-out news called reporting, mean over families.
    news_reporting: f64,
    /// Per outlet group: (called reporting, called satire, articles).
    per_group: BTreeMap<String, (f64, f64, usize)>,
    /// Per family: share called reporting.
    per_family: BTreeMap<String, f64>,
    /// Rows of the expected confusion matrix (gold → predicted shares).
    rows: Vec<Vec<f64>>,
    /// Rows of the SemEval cross-validation alone.
    sem_rows: Vec<Vec<f64>>,
}

/// Macro-F1 of an expected confusion matrix `rows[gold][pred]` with `mix[gold]` articles.
fn matrix_macro_f1(rows: &[Vec<f64>], mix: &[f32]) -> f64 {
    let k = mix.len();
    let c: Vec<Vec<f64>> = (0..k)
        .map(|g| (0..k).map(|p| rows[g][p] * mix[g] as f64).collect())
        .collect();
    let mut sum = 0.0;
    for (j, row) in c.iter().enumerate() {
        let tp = row[j];
        let fp: f64 = (0..k).filter(|&g| g != j).map(|g| c[g][j]).sum();
        let fn_: f64 = (0..k).filter(|&p| p != j).map(|p| row[p]).sum();
        let d = 2.0 * tp + fp + fn_;
        sum += if d > 0.0 { 2.0 * tp / d } else { 0.0 };
    }
    sum / k as f64
}

fn figures(
    v: &Validation,
    genres: &[String],
    alpha: f32,
    satire_min: f32,
    target: &[f32],
) -> Figures {
    let k = genres.len();
    let mult = prior_multipliers(target, alpha);
    let decide = |p: &Vec<f32>| {
        let mut p = p.clone();
        apply_prior(&mut p, &mult);
        choose_genre_at(genres, &p, satire_min).unwrap_or(0)
    };
    let reporting = genres.iter().position(|g| g == "reporting").unwrap_or(1);
    let satire = genres.iter().position(|g| g == "satire").unwrap_or(2);
    let (gold, pred): (Vec<usize>, Vec<usize>) =
        v.semeval.iter().map(|(g, p)| (*g, decide(p))).unzip();
    let mut counts = vec![0f32; k];
    for &g in &gold {
        counts[g] += 1.0;
    }
    let n: f32 = counts.iter().sum();
    let train_mix: Vec<f32> = counts.iter().map(|c| c / n.max(1.0)).collect();
    let (naive, _) = shifted_macro_f1(&gold, &pred, &train_mix);
    let (shifted, _) = shifted_macro_f1(&gold, &pred, target);
    let mut sem_rows = vec![vec![0f64; k]; k];
    for (&g, &p) in gold.iter().zip(&pred) {
        sem_rows[g][p] += 1.0 / counts[g].max(1.0) as f64;
    }
    let mut per_group: BTreeMap<String, (f64, f64, usize)> = BTreeMap::new();
    let mut fam_rows: BTreeMap<String, (Vec<f64>, usize)> = BTreeMap::new();
    let (mut probe_satire, mut probe_n) = (0f64, 0usize);
    for (id, p) in &v.news {
        let d = decide(p);
        let e = per_group.entry(group(id)).or_default();
        e.0 += (d == reporting) as u8 as f64;
        e.1 += (d == satire) as u8 as f64;
        e.2 += 1;
        if family(id) == PROBE {
            probe_satire += (d == satire) as u8 as f64;
            probe_n += 1;
            continue;
        }
        let f = fam_rows
            .entry(family(id).to_string())
            .or_insert_with(|| (vec![0f64; k], 0));
        f.0[d] += 1.0;
        f.1 += 1;
    }
    for e in per_group.values_mut() {
        e.0 /= e.2.max(1) as f64;
        e.1 /= e.2.max(1) as f64;
    }
    let mut news_row = vec![0f64; k];
    let mut per_family = BTreeMap::new();
    for (fam, (row, n)) in &fam_rows {
        for (a, b) in news_row.iter_mut().zip(row) {
            *a += b / (*n).max(1) as f64 / fam_rows.len() as f64;
        }
        per_family.insert(fam.clone(), row[reporting] / (*n).max(1) as f64);
    }
    let mut rows = sem_rows.clone();
    if !fam_rows.is_empty() {
        rows[reporting] = (0..k)
            .map(|j| 0.5 * news_row[j] + 0.5 * sem_rows[reporting][j])
            .collect();
    }
    // Unfamiliar web sources: satire called on the probe articles (none of them satire) stands
    // for the satire the head would call on the held-out split's sources.
    let probe = probe_satire / probe_n.max(1) as f64;
    let mut rows_probe = rows.clone();
    for g in (0..k).filter(|&g| g != satire) {
        let extra = (probe - rows[g][satire]).max(0.0);
        if extra > 0.0 {
            let rest: f64 = 1.0 - rows[g][satire];
            for j in (0..k).filter(|&j| j != satire) {
                rows_probe[g][j] = rows[g][j] * (1.0 - extra / rest.max(1e-9));
            }
            rows_probe[g][satire] = probe;
        }
    }
    Figures {
        naive,
        shifted,
        news_mix: matrix_macro_f1(&rows, target),
        news_mix_probe: matrix_macro_f1(&rows_probe, target),
        probe_satire: probe,
        news_reporting: news_row[reporting],
        per_group,
        per_family,
        rows,
        sem_rows,
    }
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1).cloned());
    let files: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            *a != "--write" && (*i == 0 || args.get(i - 1).map(|s| s.as_str()) != Some("--write"))
        })
        .map(|(_, a)| a)
        .collect();
    let Some((sem_path, news_paths)) = files.split_first() else {
        eprintln!("usage: genre_head SEMEVAL-SAMPLES.json NEWS.json... [--write ANALYZER_JSON]");
        std::process::exit(2);
    };
    let semeval: Vec<Sample> = serde_json::from_slice(&std::fs::read(sem_path)?)?;
    let mut news: Vec<Sample> = vec![];
    for p in news_paths {
        let v: Vec<Sample> = serde_json::from_slice(&std::fs::read(p)?)?;
        news.extend(v);
    }
    let (genres, _) = rhetor_analyzers::pipeline::official_labels();
    let target = genre_target_prior(&genres);
    let folds = 5;
    let style = rhetor_analyzers::style::N_STYLE;
    let n_tech = rhetor_doc::taxonomy::TECHNIQUES.len();
    let inputs = [
        ("style", Some(style), false),
        ("style+techniques", Some(style + 2 * n_tech), false),
        ("dense", None, false),
        ("dense+words", None, true),
    ];
    let alphas = [0.0f32, 0.5, 1.0];
    let satire_bars = [0.5f32, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01];
    // GENRE_ONLY="dense,0.001,0.25": validate (and write) that one setting only.
    let only: Option<(String, f32, f32)> = std::env::var("GENRE_ONLY").ok().and_then(|v| {
        let p: Vec<&str> = v.split(',').collect();
        Some((
            p.first()?.to_string(),
            p.get(1)?.parse().ok()?,
            p.get(2)?.parse().ok()?,
        ))
    });
    let mut results: Vec<(Setting, &str, f32, f32, Figures)> = vec![];
    let mut keep: BTreeMap<String, Validation> = BTreeMap::new();
    for &(name, dense, words) in &inputs {
        for l2 in [1e-3f32, 1e-2] {
            for news_weight in [0.0f32, 0.1, 0.25, 0.5, 1.0, 2.0] {
                if news.is_empty() && news_weight > 0.0 {
                    continue;
                }
                if let Some((n, l, w)) = &only {
                    if n != name || *l != l2 || *w != news_weight {
                        continue;
                    }
                }
                let setting = Setting {
                    input: GenreInput { dense, words },
                    l2,
                    news_weight,
                };
                let v = validate(&semeval, &news, folds, setting, &genres);
                for &alpha in &alphas {
                    for &sat in &satire_bars {
                        let f = figures(&v, &genres, alpha, sat, &target);
                        // One line per setting for tables (stderr).
                        eprintln!(
                            "ROW\t{name}\t{l2}\t{news_weight}\t{alpha}\t{sat}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{}",
                            f.naive,
                            f.shifted,
                            f.news_mix,
                            f.news_mix_probe,
                            f.news_reporting,
                            f.probe_satire,
                            f.per_family
                                .iter()
                                .map(|(k, v)| format!("{k}={v:.3}"))
                                .collect::<Vec<_>>()
                                .join(",")
                        );
                        results.push((setting, name, alpha, sat, f));
                    }
                }
                let f = figures(&v, &genres, 0.5, 0.5, &target);
                eprintln!(
                    "{name:<17} l2 {l2:<6} news {news_weight:<4}: naive {:.3} shifted {:.3} news-mix {:.3} (probe {:.3}) news reporting {:.3} probe satire {:.3} (alpha 0.5, satire 0.5)",
                    f.naive, f.shifted, f.news_mix, f.news_mix_probe, f.news_reporting, f.probe_satire
                );
                keep.insert(format!("{name}/{l2}/{news_weight}"), v);
            }
        }
    }
    // The shipped recipe's setting, for the side-by-side.
    let print = |label: &str, r: &(Setting, &str, f32, f32, Figures)| {
        let f = &r.4;
        println!(
            "{label}: {} l2 {} news weight {} alpha {} satire bar {}: SemEval CV macro-F1 naive {:.4}, target-weighted {:.4}; news mix {:.4}, with probe satire {:.4}; held-out news called reporting {:.3}; probe called satire {:.3}",
            r.1, r.0.l2, r.0.news_weight, r.2, r.3, f.naive, f.shifted, f.news_mix, f.news_mix_probe, f.news_reporting, f.probe_satire
        );
        for (fam, s) in &f.per_family {
            println!("    {fam:<10} called reporting {s:.3}");
        }
        for (g, (rep, sat, n)) in &f.per_group {
            println!("    {g:<22} reporting {rep:.3} satire {sat:.3} ({n})");
        }
        let table = |rows: &[Vec<f64>]| {
            rows.iter()
                .map(|r| {
                    r.iter()
                        .map(|x| format!("{x:.2}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join(" | ")
        };
        println!(
            "    SemEval CV rows (gold opinion/reporting/satire → predicted): {}",
            table(&f.sem_rows)
        );
        println!(
            "    expected rows (gold opinion/reporting/satire → predicted): {}",
            f.rows
                .iter()
                .map(|r| r
                    .iter()
                    .map(|x| format!("{x:.2}"))
                    .collect::<Vec<_>>()
                    .join(" "))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    };
    if let Some(r) = results.iter().find(|r| {
        r.1 == "dense" && r.0.l2 == 1e-3 && r.0.news_weight == 0.0 && r.2 == 0.5 && r.3 == 0.5
    }) {
        print("shipped before (issue 14)", r);
    }
    if let Some(r) = results
        .iter()
        .max_by(|a, b| a.4.shifted.total_cmp(&b.4.shifted))
    {
        print("best by SemEval target-weighted CV", r);
    }
    if let Some(r) = results
        .iter()
        .max_by(|a, b| a.4.news_mix.total_cmp(&b.4.news_mix))
    {
        print("best by news mix", r);
    }
    // The choice: the best news mix (with probe satire) among the settings that call satire
    // only when it is plain (bar >= SATIRE_PLAIN: the held-out split showed far more false
    // satire than any of our sources do, so the validation cannot guard it alone) and that call
    // at least 85 % of held-out BASIL and PolNeAR reports reporting (issue 14's bar for straight
    // news; FNC-1's bodies have no titles and include rumours and blog posts, so they are
    // reported, not required).
    let eligible = |f: &Figures| {
        ["basil", "polnear"]
            .iter()
            .all(|fam| f.per_family.get(*fam).is_none_or(|&v| v >= 0.85))
    };
    let best = results
        .iter()
        .filter(|r| r.3 >= SATIRE_PLAIN && eligible(&r.4))
        .max_by(|a, b| a.4.news_mix_probe.total_cmp(&b.4.news_mix_probe))
        .ok_or("no setting meets the constraints")?;
    print(
        "chosen (best news mix with probe satire, plain satire, news >= 0.85)",
        best,
    );
    let Some(path) = write else { return Ok(()) };
    let (setting, _, alpha, sat, fig) = best;
    let mut cfg: rhetor_analyzers::pipeline::AnalyzerConfig =
        serde_json::from_slice(&std::fs::read(&path)?)?;
    let mut train: Vec<Sample> = semeval
        .iter()
        .filter(|s| s.genre.is_some())
        .cloned()
        .collect();
    if setting.news_weight > 0.0 {
        train.extend(weighted(&news, setting.news_weight));
    }
    let refs: Vec<&Sample> = train.iter().collect();
    let f = featurizer_of(&refs);
    let heads = &mut cfg.article_heads;
    heads.genre = fit_genre(&refs, &f, &genres, setting.l2, setting.input);
    heads.genre_featurizer = Some(f);
    heads.genre_words = setting.input.words;
    heads.genre_dense = setting.input.dense;
    heads.genre_prior = prior_multipliers(&target, *alpha);
    heads.satire_min = Some(*sat);
    let s = &mut cfg.article_scores;
    s.genre_macro_f1 = fig.naive;
    s.genre_shifted_macro_f1 = fig.shifted;
    s.genre_l2 = setting.l2;
    s.genre_prior_alpha = *alpha;
    s.genre_target_prior = target.clone();
    s.genre_news_mix_macro_f1 = fig.news_mix_probe;
    s.genre_news_weight = setting.news_weight;
    s.genre_news_reporting = fig
        .per_group
        .iter()
        .map(|(g, (rep, _, n))| (g.clone(), *rep, *n))
        .collect();
    // The per-label and held-out-fold genre figures belonged to the old head.
    s.genre_per_label.clear();
    s.holdout_genre_macro_f1 = 0.0;
    s.holdout_genre_shifted_macro_f1 = 0.0;
    std::fs::write(&path, serde_json::to_string(&cfg)?)?;
    eprintln!("genre head written to {path}");
    Ok(())
}
