//! The genre head for a reporting-heavy world: trains it on SemEval's articles plus real news
//! reports (samples from `examples/news_samples.rs`), and validates it the way users meet it.
//!
//! Validation, for every setting (features × L2 × weight of the news reports), each figure
//! from articles the head did not see:
//! - **SemEval 5-fold CV** (the news always in training): the naive macro-F1 (training mix,
//!   88 % opinion) and the macro-F1 with test articles weighted to the target mix
//!   (`GENRE_TARGET_PRIOR`);
//! - **leave one family out**: BASIL, PolNeAR, FNC-1 and the hand-labelled hyperpartisan web
//!   articles (`--labels`: opinion, reporting, satire, other) are each held out whole while the
//!   head trains on SemEval and the other families (the hyperpartisan family, when the head
//!   trains on it, by 5-fold within the family: its articles come from hundreds of sites); per
//!   family, the share of its reports called reporting, and for the hyperpartisan family the
//!   share of its opinion pieces called opinion;
//! - **news mix**: the macro-F1 of the expected confusion matrix at the target mix whose
//!   reporting row is the mean of the held-out families' reporting rows and the cross-validated
//!   SemEval reporting row, whose opinion row is the mean of the held-out hyperpartisan opinion
//!   row and the cross-validated SemEval opinion row, and whose satire row is cross-validated
//!   SemEval satire. The setting, the prior shift and satire's bar are chosen by this figure
//!   (SemEval's own reports are 41 articles and its opinion pieces come from the training
//!   sources; the held-out split's do not);
//! - **probe**: the held-out hyperpartisan articles that are not satire (labelled or `other`):
//!   how often satire is called on unfamiliar web sources; the news mix "with probe satire"
//!   assumes opinion and reporting are called satire at least that often.
//!
//! The hand-labelled hyperpartisan articles train the head with their own weight
//! (`ext_weight`; 0: the previous recipe, which never saw them), and SemEval's 41 reports may
//! weigh more than its other articles (`sem_report_weight`). The prior shift is tried with and
//! without satire's share (`alpha` with suffix `s`: satire's probability is not shifted). The
//! chosen setting maximises the news mix with probe satire among those with satire's bar at 0.8
//! or more, at least 85 % of held-out BASIL and PolNeAR reports called reporting and at least
//! 70 % of the hand-labelled opinion pieces called opinion.
//!
//! With `--write ANALYZER_JSON` the chosen head (refitted on everything) replaces the genre head
//! in that file; the frame head and the technique thresholds are left as they are.
//!
//! ```sh
//! cargo run --release -p rhetor-analyzers --example genre_head -- \
//!     SEMEVAL-SAMPLES.json NEWS.json... [--labels GENRE.tsv] [--write models/techniques/analyzer.json]
//! ```

use std::collections::BTreeMap;

use rhetor_analyzers::article::{
    apply_prior, choose_genre_at, featurizer_of, fit_genre, fit_genre_binary, genre_target_prior,
    genre_x, prior_multipliers, shifted_macro_f1, split_genre_probs, GenreInput, Sample,
    GENRE_LENGTH_FEATURES,
};
use rhetor_analyzers::linear::LinearModel;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Debug, Clone, Copy)]
struct Setting {
    input: GenreInput,
    l2: f32,
    /// Loss weight of each BASIL, PolNeAR and FNC-1 report.
    news_weight: f32,
    /// Loss weight of each hand-labelled hyperpartisan article (0: not trained on).
    ext_weight: f32,
    /// Loss weight of each SemEval report (its other articles weigh 1): the held-out split's
    /// reports come from SemEval's own kind of sources, and 41 of them are easily outweighed
    /// by hundreds of mainstream news reports.
    sem_report_weight: f32,
    /// Train on the short copies too ([`Augment`]).
    augment: bool,
    /// A split head: satire from the three-class head, opinion against reporting from a binary
    /// head that counts satire as opinion (`fit_genre_binary`).
    split: bool,
    /// Weight of the multilingual genre head in the blend (0: not used): probabilities
    /// `p_head^(1-w) · p_use^w`, renormalised (see [`UseData`]).
    use_w: f32,
    /// Loss weight of each article of the five other languages in the multilingual head.
    ml_w: f32,
}

/// The multilingual genre head's data (`GENRE_USE=FILE,...`, files from `news_samples` with
/// `USE_VECTORS=1`): each article's mean USE paragraph vector by sample id, and the
/// genre-labelled articles of the five other 2023 languages (ids `{lang}:{id}`), which are
/// always in its training data (the English articles and news it validates on are not among
/// them). The head is a three-class logistic regression over the vector, trained on the same
/// articles as the main head in every split (its own loss weights), plus those.
struct UseData {
    vecs: std::collections::HashMap<String, Vec<f32>>,
    ml: Vec<Sample>,
    l2: f32,
}

static USE_DATA: std::sync::OnceLock<UseData> = std::sync::OnceLock::new();

/// The multilingual head trained on `train` (those with a vector) and the other languages.
fn fit_use(
    train: &[&Sample],
    setting: Setting,
    genres: &[String],
) -> Option<(LinearModel, rhetor_analyzers::article::Featurizer)> {
    let data = USE_DATA.get()?;
    let mut samples: Vec<Sample> = train
        .iter()
        .filter_map(|s| {
            let v = data.vecs.get(s.id.as_str())?;
            Some(Sample {
                dense: v.clone(),
                words: vec![],
                ..(*s).clone()
            })
        })
        .collect();
    samples.extend(data.ml.iter().map(|s| Sample {
        weight: setting.ml_w,
        ..s.clone()
    }));
    let refs: Vec<&Sample> = samples.iter().filter(|s| s.weight > 0.0).collect();
    let f = featurizer_of(&refs);
    let input = GenreInput {
        dense: None,
        words: false,
        skip: 0,
    };
    Some((fit_genre(&refs, &f, genres, data.l2, input), f))
}

/// `p_head^(1-w) · p_use^w`, renormalised.
fn blend(head: &[f32], use_p: &[f32], w: f32) -> Vec<f32> {
    let mut p: Vec<f32> = head
        .iter()
        .zip(use_p)
        .map(|(a, b)| a.max(1e-6).powf(1.0 - w) * b.max(1e-6).powf(w))
        .collect();
    let z: f32 = p.iter().sum();
    for x in &mut p {
        *x /= z.max(1e-12);
    }
    p
}

/// The SemEval articles with their loss weights under `setting`.
fn semeval_weighted(semeval: &[Sample], setting: Setting, genres: &[String]) -> Vec<Sample> {
    let reporting = genres.iter().position(|g| g == "reporting");
    semeval
        .iter()
        .map(|s| Sample {
            weight: if s.genre.is_some() && s.genre == reporting {
                s.weight * setting.sem_report_weight
            } else {
                s.weight
            },
            ..s.clone()
        })
        .collect()
}

/// The family of a news sample (`basil`, `polnear`, `fnc1`) and its outlet group; a short copy
/// (`short:` id) belongs to its article's family.
fn family(id: &str) -> &str {
    base_id(id).split(':').next().unwrap_or("")
}

/// The id of the article a short copy (`short:ID`, from `news_samples` with `FIRST_PARAGRAPHS`)
/// was cut from; any other id as it is.
fn base_id(id: &str) -> &str {
    id.strip_prefix("short:").unwrap_or(id)
}

/// Short copies of the articles (their title and first paragraphs): trained on with their
/// article's weight when `Setting::augment` is set, and always scored, each where its article is
/// held out, apart from the main figures.
#[derive(Default)]
struct Augment {
    /// Copies of SemEval articles, in their article's fold.
    semeval: Vec<Sample>,
    /// Copies of the news and hyperpartisan articles.
    news: Vec<Sample>,
}

/// Satire only at this probability or more in the chosen head.
const SATIRE_PLAIN: f32 = 0.8;

/// The family of hand-labelled web articles (opinion, reporting, satire, other); those not
/// labelled satire also measure false satire.
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
    /// Id, gold genre (`None`: unlabelled) and probabilities.
    news: Vec<(String, Option<usize>, Vec<f32>)>,
    /// The short copies of the held-out articles, scored by the same heads.
    short_semeval: Vec<(usize, Vec<f32>)>,
    short_news: Vec<(String, Option<usize>, Vec<f32>)>,
}

fn fit_predict(
    train: &[&Sample],
    test: &[&Sample],
    setting: Setting,
    genres: &[String],
) -> Vec<Vec<f32>> {
    let f = featurizer_of(train);
    let m: LinearModel = fit_genre(train, &f, genres, setting.l2, setting.input);
    let b = setting
        .split
        .then(|| fit_genre_binary(train, &f, genres, setting.l2, setting.input));
    let u = (setting.use_w > 0.0)
        .then(|| fit_use(train, setting, genres))
        .flatten();
    let plain = GenreInput {
        dense: None,
        words: false,
        skip: 0,
    };
    test.iter()
        .map(|s| {
            let x = genre_x(&f, setting.input, &s.dense, &s.words);
            let p = m.probs(&x);
            let p = match &b {
                Some(b) => split_genre_probs(genres, &p, &b.labels, &b.probs(&x)),
                None => p,
            };
            let v = USE_DATA.get().and_then(|d| d.vecs.get(s.id.as_str()));
            match (&u, v) {
                (Some((um, uf)), Some(v)) => {
                    let pu = um.probs(&genre_x(uf, plain, v, &[]));
                    blend(&p, &pu, setting.use_w)
                }
                _ => p,
            }
        })
        .collect()
}

/// The news samples with a genre, each with loss weight `news_weight` (`ext_weight` for the
/// hand-labelled hyperpartisan family); those of weight 0 are left out.
fn weighted(news: &[Sample], setting: Setting) -> Vec<Sample> {
    news.iter()
        .filter(|s| s.genre.is_some())
        .map(|s| Sample {
            weight: if family(&s.id) == PROBE {
                setting.ext_weight
            } else {
                setting.news_weight
            },
            ..s.clone()
        })
        .filter(|s| s.weight > 0.0)
        .collect()
}

fn validate(
    semeval: &[Sample],
    news: &[Sample],
    aug: &Augment,
    folds: usize,
    setting: Setting,
    genres: &[String],
) -> Validation {
    let news_w = weighted(news, setting);
    let use_news = !news_w.is_empty();
    let semeval = &semeval_weighted(semeval, setting, genres)[..];
    // The short copies, weighted as their articles; trained on only with `setting.augment`.
    let aug_sem: Vec<Sample> = semeval_weighted(&aug.semeval, setting, genres);
    let aug_news: Vec<Sample> = if use_news {
        weighted(&aug.news, setting)
    } else {
        vec![]
    };
    let train_aug = setting.augment;
    let mut out_sem = vec![];
    let mut short_sem = vec![];
    for f in 0..folds {
        let mut train: Vec<&Sample> = semeval
            .iter()
            .filter(|s| s.fold != Some(f) && s.genre.is_some())
            .collect();
        if use_news {
            train.extend(news_w.iter());
        }
        if train_aug {
            train.extend(
                aug_sem
                    .iter()
                    .filter(|s| s.fold != Some(f) && s.genre.is_some()),
            );
            train.extend(aug_news.iter());
        }
        let mut test: Vec<&Sample> = semeval
            .iter()
            .filter(|s| s.fold == Some(f) && s.genre.is_some())
            .collect();
        let n_full = test.len();
        test.extend(
            aug_sem
                .iter()
                .filter(|s| s.fold == Some(f) && s.genre.is_some()),
        );
        let p = fit_predict(&train, &test, setting, genres);
        for (i, (s, p)) in test.iter().zip(p).enumerate() {
            if let Some(g) = s.genre {
                if i < n_full {
                    out_sem.push((g, p));
                } else {
                    short_sem.push((g, p));
                }
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
    let mut short_news = vec![];
    let mut base: Vec<&Sample> = semeval.iter().filter(|s| s.genre.is_some()).collect();
    if train_aug {
        base.extend(aug_sem.iter().filter(|s| s.genre.is_some()));
    }
    if use_news {
        for fam in &families {
            let members: Vec<&Sample> = news.iter().filter(|s| family(&s.id) == fam).collect();
            // The hand-labelled web articles come from hundreds of sites: when the head trains
            // on them, they are scored by k-fold within the family (the head has seen other
            // sites' opinion pieces, never these); otherwise the family is held out whole.
            let folds_in = if fam == PROBE && setting.ext_weight > 0.0 {
                folds
            } else {
                1
            };
            for f in 0..folds_in {
                let test: Vec<&Sample> = members
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % folds_in == f)
                    .map(|(_, s)| *s)
                    .collect();
                let test_ids: std::collections::HashSet<&str> =
                    test.iter().map(|s| s.id.as_str()).collect();
                let mut train = base.clone();
                let outside = |s: &&Sample| {
                    family(&s.id) != fam || (folds_in > 1 && !test_ids.contains(base_id(&s.id)))
                };
                train.extend(news_w.iter().filter(outside));
                if train_aug {
                    train.extend(aug_news.iter().filter(outside));
                }
                let mut test = test.clone();
                let n_full = test.len();
                test.extend(
                    aug.news
                        .iter()
                        .filter(|s| test_ids.contains(base_id(&s.id))),
                );
                let p = fit_predict(&train, &test, setting, genres);
                for (i, (s, p)) in test.iter().zip(p).enumerate() {
                    let row = (s.id.clone(), s.genre, p);
                    if i < n_full {
                        out_news.push(row);
                    } else {
                        short_news.push(row);
                    }
                }
            }
        }
    } else {
        let test: Vec<&Sample> = news.iter().collect();
        let p = fit_predict(&base, &test, setting, genres);
        out_news.extend(test.iter().zip(p).map(|(s, p)| (s.id.clone(), s.genre, p)));
    }
    Validation {
        semeval: out_sem,
        news: out_news,
        short_semeval: short_sem,
        short_news,
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
    /// Share of the probe articles (held-out hyperpartisan, not satire) called satire.
    probe_satire: f64,
    /// Share of the held-out reports called reporting, mean over families.
    news_reporting: f64,
    /// Share of the held-out hyperpartisan opinion pieces called opinion (NaN: none labelled).
    ext_opinion: f64,
    /// Per outlet group: (called reporting, called satire, articles).
    per_group: BTreeMap<String, (f64, f64, usize)>,
    /// Per family: share of its reports called reporting.
    per_family: BTreeMap<String, f64>,
    /// Rows of the expected confusion matrix (gold → predicted shares).
    rows: Vec<Vec<f64>>,
    /// Rows of the SemEval cross-validation alone.
    sem_rows: Vec<Vec<f64>>,
    /// Short copies of the held-out articles (title and first paragraphs): SemEval opinion
    /// called opinion, SemEval reports called reporting, news reports called reporting (mean
    /// over families), hand-labelled web opinion called opinion, web reports called reporting
    /// (NaN: no copies).
    short: [f64; 5],
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

/// The prior-shift multipliers: `alpha` of the way to the target mix; satire's own multiplier
/// stays 1 unless `shift_satire` (its bar then reads the head's own satire probability, up to
/// the renormalisation, instead of one the rare-class shift has already pushed down).
fn multipliers(genres: &[String], target: &[f32], alpha: f32, shift_satire: bool) -> Vec<f32> {
    let mut m = prior_multipliers(target, alpha);
    if !shift_satire {
        if let Some(i) = genres.iter().position(|g| g == "satire") {
            m[i] = 1.0;
        }
    }
    m
}

fn figures(
    v: &Validation,
    genres: &[String],
    (alpha, shift_satire): (f32, bool),
    satire_min: f32,
    target: &[f32],
) -> Figures {
    let k = genres.len();
    let mult = multipliers(genres, target, alpha, shift_satire);
    let decide = |p: &Vec<f32>| {
        let mut p = p.clone();
        apply_prior(&mut p, &mult);
        choose_genre_at(genres, &p, satire_min).unwrap_or(0)
    };
    let opinion = genres.iter().position(|g| g == "opinion").unwrap_or(0);
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
    // (family, gold) → (predicted counts, articles)
    let mut fam_rows: BTreeMap<(String, usize), (Vec<f64>, usize)> = BTreeMap::new();
    let (mut probe_satire, mut probe_n) = (0f64, 0usize);
    for (id, g, p) in &v.news {
        let d = decide(p);
        let e = per_group.entry(group(id)).or_default();
        e.0 += (d == reporting) as u8 as f64;
        e.1 += (d == satire) as u8 as f64;
        e.2 += 1;
        if family(id) == PROBE && *g != Some(satire) {
            probe_satire += (d == satire) as u8 as f64;
            probe_n += 1;
        }
        let Some(g) = *g else { continue };
        let f = fam_rows
            .entry((family(id).to_string(), g))
            .or_insert_with(|| (vec![0f64; k], 0));
        f.0[d] += 1.0;
        f.1 += 1;
    }
    for e in per_group.values_mut() {
        e.0 /= e.2.max(1) as f64;
        e.1 /= e.2.max(1) as f64;
    }
    let share =
        |row: &[f64], n: usize| -> Vec<f64> { row.iter().map(|x| x / n.max(1) as f64).collect() };
    let mut news_row = vec![0f64; k];
    let mut per_family = BTreeMap::new();
    let rep_fams: Vec<_> = fam_rows
        .iter()
        .filter(|((_, g), _)| *g == reporting)
        .collect();
    for ((fam, _), (row, n)) in &rep_fams {
        let r = share(row, *n);
        for (a, b) in news_row.iter_mut().zip(&r) {
            *a += b / rep_fams.len() as f64;
        }
        per_family.insert(fam.clone(), r[reporting]);
    }
    let ext_op = fam_rows
        .get(&(PROBE.to_string(), opinion))
        .map(|(row, n)| share(row, *n));
    let mut rows = sem_rows.clone();
    if !rep_fams.is_empty() {
        rows[reporting] = (0..k)
            .map(|j| 0.5 * news_row[j] + 0.5 * sem_rows[reporting][j])
            .collect();
    }
    if let Some(op) = &ext_op {
        rows[opinion] = (0..k)
            .map(|j| 0.5 * op[j] + 0.5 * sem_rows[opinion][j])
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
    // The short copies.
    // Share of the (gold, decided) pairs of genre `gold` decided `gold` (NaN: none).
    let share_called = |rows: &[(usize, usize)], gold: usize| {
        let (mut hit, mut n) = (0f64, 0f64);
        for &(g, d) in rows {
            if g == gold {
                hit += (d == gold) as u8 as f64;
                n += 1.0;
            }
        }
        if n > 0.0 {
            hit / n
        } else {
            f64::NAN
        }
    };
    let sem_short: Vec<(usize, usize)> = v
        .short_semeval
        .iter()
        .map(|(g, p)| (*g, decide(p)))
        .collect();
    let mut fam_short: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for (id, g, p) in &v.short_news {
        if let Some(g) = g {
            fam_short
                .entry(family(id).to_string())
                .or_default()
                .push((*g, decide(p)));
        }
    }
    let news_fams: Vec<f64> = fam_short
        .iter()
        .filter(|(f, _)| f.as_str() != PROBE)
        .map(|(_, r)| share_called(r, reporting))
        .collect();
    let web: &[(usize, usize)] = fam_short.get(PROBE).map_or(&[], |v| v);
    let short = [
        share_called(&sem_short, opinion),
        share_called(&sem_short, reporting),
        if news_fams.is_empty() {
            f64::NAN
        } else {
            news_fams.iter().sum::<f64>() / news_fams.len() as f64
        },
        share_called(web, opinion),
        share_called(web, reporting),
    ];
    Figures {
        short,
        naive,
        shifted,
        news_mix: matrix_macro_f1(&rows, target),
        news_mix_probe: matrix_macro_f1(&rows_probe, target),
        probe_satire: probe,
        news_reporting: news_row[reporting],
        ext_opinion: ext_op.map(|r| r[opinion]).unwrap_or(f64::NAN),
        per_group,
        per_family,
        rows,
        sem_rows,
    }
}

/// Hand labels `id<TAB>genre<TAB>sha256` (`#` comments); genre `other` (not a news article,
/// or too short or mixed to say) leaves the article unlabelled.
fn read_labels(path: &str, genres: &[String]) -> Res<BTreeMap<String, Option<usize>>> {
    let mut out = BTreeMap::new();
    for line in std::fs::read_to_string(path)?.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut f = line.split('\t');
        let (Some(id), Some(g)) = (f.next(), f.next()) else {
            return Err(format!("{path}: bad line {line:?}").into());
        };
        let g = match g {
            "other" => None,
            g => Some(
                genres
                    .iter()
                    .position(|x| x == g)
                    .ok_or_else(|| format!("{path}: unknown genre {g:?}"))?,
            ),
        };
        out.insert(id.to_string(), g);
    }
    Ok(out)
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let write = opt("--write");
    let labels_path = opt("--labels");
    let files: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            !a.starts_with("--")
                && (*i == 0 || !args.get(i - 1).is_some_and(|s| s.starts_with("--")))
        })
        .map(|(_, a)| a)
        .collect();
    let Some((sem_path, news_paths)) = files.split_first() else {
        eprintln!(
            "usage: genre_head SEMEVAL-SAMPLES.json NEWS.json... [--labels GENRE.tsv] [--write ANALYZER_JSON]"
        );
        std::process::exit(2);
    };
    let (genres, _) = rhetor_analyzers::pipeline::official_labels();
    let semeval: Vec<Sample> = serde_json::from_slice(&std::fs::read(sem_path)?)?;
    let mut news: Vec<Sample> = vec![];
    for p in news_paths {
        let v: Vec<Sample> = serde_json::from_slice(&std::fs::read(p)?)?;
        news.extend(v);
    }
    // GENRE_AUGMENT=FILE,...: short copies of the articles (`news_samples` with
    // FIRST_PARAGRAPHS), scored apart and, in settings with augment 1, trained on.
    let mut aug = Augment::default();
    if let Ok(list) = std::env::var("GENRE_AUGMENT") {
        let fold_of: BTreeMap<&str, Option<usize>> =
            semeval.iter().map(|s| (s.id.as_str(), s.fold)).collect();
        for p in list.split(',').filter(|p| !p.is_empty()) {
            let v: Vec<Sample> = serde_json::from_slice(&std::fs::read(p)?)?;
            for mut s in v {
                if let Some(fold) = fold_of.get(base_id(&s.id)) {
                    // A copy of a SemEval article is held out with it.
                    s.fold = *fold;
                    aug.semeval.push(s);
                } else {
                    aug.news.push(s);
                }
            }
        }
        eprintln!(
            "short copies: {} SemEval, {} news and web",
            aug.semeval.len(),
            aug.news.len()
        );
    }
    if let Some(path) = &labels_path {
        let labels = read_labels(path, &genres)?;
        for s in aug.news.iter_mut().filter(|s| family(&s.id) == PROBE) {
            let key = s.id.rsplit(':').next().unwrap_or_default();
            if let Some(g) = labels.get(key) {
                s.genre = *g;
            }
        }
        let mut found = 0;
        for s in news.iter_mut().filter(|s| family(&s.id) == PROBE) {
            // Hand labels are keyed by the article id alone (`hyper:{true|false}:{id}` → id).
            let key = s.id.rsplit(':').next().unwrap_or_default();
            if let Some(g) = labels.get(key) {
                s.genre = *g;
                found += 1;
            }
        }
        let mut by: BTreeMap<String, usize> = BTreeMap::new();
        for s in news.iter().filter(|s| family(&s.id) == PROBE) {
            let g = s.genre.and_then(|g| genres.get(g)).map(|g| g.as_str());
            *by.entry(g.unwrap_or("other").to_string()).or_default() += 1;
        }
        eprintln!(
            "{found} of {} labels matched a hyperpartisan sample: {by:?}",
            labels.len()
        );
    }
    let target = genre_target_prior(&genres);
    let folds = 5;
    let style = rhetor_analyzers::style::N_STYLE;
    let n_tech = rhetor_doc::taxonomy::TECHNIQUES.len();
    let length = GenreInput::skip_mask(&GENRE_LENGTH_FEATURES);
    // Length with the sentence length too (`mean_sentence_words`, style feature 1).
    let length3 = length | GenreInput::skip_mask(&[1]);
    let all_inputs = [
        ("style", Some(style), false, 0, false),
        (
            "style+techniques",
            Some(style + 2 * n_tech),
            false,
            0,
            false,
        ),
        ("dense", None, false, 0, false),
        ("dense+words", None, true, 0, false),
        // All dense features but the article's and paragraphs' length (issue 14: short columns
        // called reporting).
        ("dense-length", None, false, length, false),
        ("dense-length3", None, false, length3, false),
        // Split heads: satire apart from opinion against reporting (`fit_genre_binary`).
        ("dense-split", None, false, 0, true),
        ("dense-length-split", None, false, length, true),
    ];
    // GENRE_INPUTS="dense,style+techniques": the feature sets to try (default: all dense
    // features, as one head and split, with and without the length features; style and
    // techniques alone, and the word block, never came close: see the model card).
    let wanted = std::env::var("GENRE_INPUTS")
        .unwrap_or_else(|_| "dense,dense-split,dense-length-split".into());
    let inputs: Vec<_> = all_inputs
        .iter()
        .filter(|(n, ..)| wanted.split(',').any(|w| w == *n))
        .copied()
        .collect();
    let alphas = [0.0f32, 0.25, 0.5, 0.75, 1.0];
    let satire_bars = [0.5f32, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01];
    // GENRE_L2S, GENRE_NEWS_WEIGHTS, GENRE_EXT_WEIGHTS: comma-separated grids (defaults below).
    let grid = |var: &str, default: &[f32]| -> Vec<f32> {
        std::env::var(var)
            .ok()
            .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
            .unwrap_or_else(|| default.to_vec())
    };
    let l2s = grid("GENRE_L2S", &[3e-4, 1e-3]);
    let news_weights = grid("GENRE_NEWS_WEIGHTS", &[0.1, 0.25]);
    let ext_weights = grid("GENRE_EXT_WEIGHTS", &[0.0, 1.0, 2.0, 3.0]);
    let sem_report_weights = grid("GENRE_SEM_REPORT_WEIGHTS", &[1.0, 3.0]);
    // GENRE_AUGMENT_TRAIN="0,1": settings without and with the short copies in training.
    // GENRE_USE=FILE,...: the multilingual genre head's vectors (see `UseData`);
    // GENRE_USE_WEIGHTS, GENRE_ML_WEIGHTS: its blend weights and the other languages' loss
    // weights to try; GENRE_USE_L2 its L2.
    let use_ws = if let Ok(list) = std::env::var("GENRE_USE") {
        let mut vecs = std::collections::HashMap::new();
        let mut ml = vec![];
        for p in list.split(',').filter(|p| !p.is_empty()) {
            let v: Vec<Sample> = serde_json::from_slice(&std::fs::read(p)?)?;
            for s in v {
                let lang = s.id.split(':').next().unwrap_or("");
                if ["fr", "ge", "it", "po", "ru"].contains(&lang) {
                    if s.genre.is_some() {
                        ml.push(s);
                    }
                } else {
                    vecs.insert(s.id.clone(), s.dense);
                }
            }
        }
        let l2 = grid("GENRE_USE_L2", &[1e-3])[0];
        let missing = semeval
            .iter()
            .chain(&news)
            .filter(|s| !vecs.contains_key(s.id.as_str()))
            .count();
        eprintln!(
            "multilingual genre head: {} vectors ({missing} samples without one), {} articles of other languages, L2 {l2}",
            vecs.len(),
            ml.len()
        );
        let _ = USE_DATA.set(UseData { vecs, ml, l2 });
        grid("GENRE_USE_WEIGHTS", &[0.0, 0.3, 0.5])
    } else {
        vec![0.0]
    };
    let ml_ws = grid("GENRE_ML_WEIGHTS", &[1.0]);
    let augments: Vec<bool> = grid("GENRE_AUGMENT_TRAIN", &[0.0])
        .into_iter()
        .map(|x| x > 0.0)
        .collect();
    // GENRE_ONLY="dense,0.001,0.25,1,3": validate (and write) that one setting only (input,
    // l2, news weight, hyperpartisan weight, SemEval report weight).
    let only: Option<Vec<String>> = std::env::var("GENRE_ONLY")
        .ok()
        .map(|v| v.split(',').map(String::from).collect());
    let triples: Vec<(bool, f32, f32)> = augments
        .iter()
        .flat_map(|&a| {
            use_ws
                .iter()
                .flat_map(|&u| ml_ws.iter().map(move |&m| (a, u, m)))
                .collect::<Vec<_>>()
        })
        // The other languages' weight matters only when the multilingual head is blended in.
        .filter(|&(_, u, m)| u > 0.0 || m == ml_ws[0])
        .collect();
    let mut settings: Vec<(&str, Setting)> = vec![];
    for &(name, dense, words, skip, split) in &inputs {
        for &l2 in &l2s {
            for &news_weight in &news_weights {
                for &ext_weight in &ext_weights {
                    for &sem_report_weight in &sem_report_weights {
                        for &(augment, use_w, ml_w) in &triples {
                            let key = [
                                name.to_string(),
                                l2.to_string(),
                                news_weight.to_string(),
                                ext_weight.to_string(),
                                sem_report_weight.to_string(),
                                (augment as u8).to_string(),
                            ];
                            if only
                                .as_ref()
                                .is_some_and(|o| o[..] != key[..o.len().min(6)])
                            {
                                continue;
                            }
                            settings.push((
                                name,
                                Setting {
                                    input: GenreInput { dense, words, skip },
                                    l2,
                                    news_weight,
                                    ext_weight,
                                    sem_report_weight,
                                    augment,
                                    split,
                                    use_w,
                                    ml_w,
                                },
                            ));
                        }
                    }
                }
            }
        }
    }
    type Shift = (f32, bool);
    let mut results: Vec<(Setting, &str, Shift, f32, Figures)> = vec![];
    for &(name, setting) in &settings {
        let t0 = std::time::Instant::now();
        let v = validate(&semeval, &news, &aug, folds, setting, &genres);
        let Setting {
            l2,
            news_weight,
            ext_weight,
            sem_report_weight,
            ..
        } = setting;
        for shift in alphas
            .iter()
            .flat_map(|&a| [(a, true), (a, false)])
            .filter(|&(a, sh)| a > 0.0 || sh)
        {
            let (alpha, shift_satire) = shift;
            for &sat in &satire_bars {
                let f = figures(&v, &genres, shift, sat, &target);
                // One line per setting for tables (stderr).
                eprintln!(
                    "ROW\t{name}\t{l2}\t{news_weight}\t{ext_weight}\t{sem_report_weight}\tuse={}/{}\t{alpha}{}\t{sat}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{}\t{}\tshort={}",
                    setting.use_w,
                    setting.ml_w,
                    if shift_satire { "" } else { "s" },
                    f.naive,
                    f.shifted,
                    f.news_mix,
                    f.news_mix_probe,
                    f.news_reporting,
                    f.ext_opinion,
                    f.probe_satire,
                    f.per_family
                        .iter()
                        .map(|(k, v)| format!("{k}={v:.3}"))
                        .collect::<Vec<_>>()
                        .join(","),
                    f.sem_rows
                        .iter()
                        .map(|r| r.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(" "))
                        .collect::<Vec<_>>()
                        .join("|"),
                    f.short.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(",")
                );
                results.push((setting, name, shift, sat, f));
            }
        }
        eprintln!(
            "validated {name} l2 {l2} news {news_weight} ext {ext_weight} semeval reports {sem_report_weight} in {:.0} s",
            t0.elapsed().as_secs_f64()
        );
    }
    let print = |label: &str, r: &(Setting, &str, Shift, f32, Figures)| {
        let f = &r.4;
        println!(
            "{label}: {} l2 {} news weight {} hyperpartisan weight {} SemEval report weight {} multilingual head weight {} (other languages' loss weight {}) short copies trained on {} alpha {} (satire shifted: {}) satire bar {}: SemEval CV macro-F1 naive {:.4}, target-weighted {:.4}; news mix {:.4}, with probe satire {:.4}; held-out reports called reporting {:.3}; held-out hyperpartisan opinion called opinion {:.3}; hyperpartisan called satire {:.3}",
            r.1, r.0.l2, r.0.news_weight, r.0.ext_weight, r.0.sem_report_weight, r.0.use_w, r.0.ml_w, r.0.augment, r.2.0, r.2.1, r.3, f.naive, f.shifted, f.news_mix, f.news_mix_probe, f.news_reporting, f.ext_opinion, f.probe_satire
        );
        for (fam, s) in &f.per_family {
            println!("    {fam:<10} reports called reporting {s:.3}");
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
            "    short copies (title + first paragraphs), held out: SemEval opinion called opinion {:.3}, SemEval reports called reporting {:.3}, news reports called reporting {:.3}, web opinion called opinion {:.3}, web reports called reporting {:.3}",
            f.short[0], f.short[1], f.short[2], f.short[3], f.short[4]
        );
        println!(
            "    expected rows (gold opinion/reporting/satire → predicted): {}",
            table(&f.rows)
        );
    };
    // Straight news must stay reporting: at least 85 % of held-out BASIL and PolNeAR reports
    // (issue 14's bar; FNC-1's bodies have no titles and include rumours and blog posts, so
    // they are reported, not required).
    // Opinion pieces from outside SemEval must be called opinion at least 70 % of the time
    // (issue 14's regression: columns called reporting).
    let eligible = |r: &(Setting, &str, Shift, f32, Figures)| {
        r.3 >= SATIRE_PLAIN
            && ["basil", "polnear"]
                .iter()
                .all(|fam| r.4.per_family.get(*fam).is_none_or(|&v| v >= 0.85))
            && (r.4.ext_opinion.is_nan() || r.4.ext_opinion >= 0.70)
    };
    // Every candidate setting at its best prior shift and satire bar, side by side.
    println!("candidates (each at its best eligible prior shift and satire bar; '-' none eligible; alpha 's': satire not shifted):");
    println!("input\tl2\tnews_w\thyper_w\tsem_rep_w\taugment\tuse_w/ml_w\talpha\tsatire\tnaive\tweighted\tbasil\tpolnear\tfnc1\thyper_rep\thyper_op\thyper_sat\tmix\tmix_probe\tshort(sem_op sem_rep news_rep web_op web_rep)");
    // (input, l2, news weight, hyperpartisan weight, SemEval report weight, augment,
    // multilingual weight, other languages' weight)
    type Key = (String, f32, f32, f32, f32, bool, f32, f32);
    let mut seen: Vec<Key> = vec![];
    for r in &results {
        let key = (
            r.1.to_string(),
            r.0.l2,
            r.0.news_weight,
            r.0.ext_weight,
            r.0.sem_report_weight,
            r.0.augment,
            r.0.use_w,
            r.0.ml_w,
        );
        if seen.contains(&key) {
            continue;
        }
        seen.push(key.clone());
        let best = results
            .iter()
            .filter(|x| {
                (
                    x.1.to_string(),
                    x.0.l2,
                    x.0.news_weight,
                    x.0.ext_weight,
                    x.0.sem_report_weight,
                    x.0.augment,
                    x.0.use_w,
                    x.0.ml_w,
                ) == key
            })
            .filter(|x| eligible(x))
            .max_by(|a, b| a.4.news_mix_probe.total_cmp(&b.4.news_mix_probe));
        let Some(b) = best else {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}/{}\t-",
                key.0, key.1, key.2, key.3, key.4, key.5 as u8, key.6, key.7
            );
            continue;
        };
        let f = &b.4;
        let fam = |n: &str| f.per_family.get(n).copied().unwrap_or(f64::NAN);
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}/{}\t{}{}\t{}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\t{:.3}\t{}",
            key.0, key.1, key.2, key.3, key.4, key.5 as u8, key.6, key.7, b.2.0, if b.2.1 { "" } else { "s" }, b.3, f.naive, f.shifted, fam("basil"), fam("polnear"),
            fam("fnc1"), fam(PROBE), f.ext_opinion, f.probe_satire, f.news_mix, f.news_mix_probe,
            f.short.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(" ")
        );
    }
    // The recipe shipped before this head (issue 14, stop 13), under the same validation.
    if let Some(r) = results.iter().find(|r| {
        r.1 == "dense"
            && r.0.l2 == 1e-3
            && r.0.news_weight == 0.25
            && r.0.ext_weight == 0.0
            && r.0.sem_report_weight == 1.0
            && r.2 == (0.5, true)
            && r.3 == 0.8
    }) {
        print("shipped before (stop 13)", r);
    }
    // The head shipped in stop 14, under the same validation.
    if let Some(r) = results.iter().find(|r| {
        r.1 == "dense"
            && r.0.l2 == 3e-4
            && r.0.news_weight == 0.25
            && r.0.ext_weight == 2.0
            && r.0.sem_report_weight == 3.0
            && r.2 == (1.0, false)
            && r.3 == 0.8
    }) {
        print("shipped before (stop 14)", r);
    }
    // The best eligible setting of each input, for comparing inputs whole.
    for &(name, ..) in &inputs {
        if let Some(r) = results
            .iter()
            .filter(|r| r.1 == name && eligible(r))
            .max_by(|a, b| a.4.news_mix_probe.total_cmp(&b.4.news_mix_probe))
        {
            print(&format!("best eligible {name}"), r);
        }
    }
    if let Some(r) = results
        .iter()
        .max_by(|a, b| a.4.shifted.total_cmp(&b.4.shifted))
    {
        print("best by SemEval target-weighted CV", r);
    }
    // The choice: the best news mix with probe satire among the eligible settings.
    let best = results
        .iter()
        .filter(|r| eligible(r))
        .max_by(|a, b| a.4.news_mix_probe.total_cmp(&b.4.news_mix_probe))
        .ok_or("no setting meets the constraints")?;
    print(
        "chosen (best news mix with probe satire, plain satire, BASIL and PolNeAR >= 0.85, outside opinion >= 0.70)",
        best,
    );
    let Some(path) = write else { return Ok(()) };
    let (setting, _, (alpha, shift_satire), sat, fig) = best;
    let mut cfg: rhetor_analyzers::pipeline::AnalyzerConfig =
        serde_json::from_slice(&std::fs::read(&path)?)?;
    let mut train: Vec<Sample> = semeval_weighted(&semeval, *setting, &genres)
        .into_iter()
        .filter(|s| s.genre.is_some())
        .collect();
    train.extend(weighted(&news, *setting));
    if setting.augment {
        train.extend(
            semeval_weighted(&aug.semeval, *setting, &genres)
                .into_iter()
                .filter(|s| s.genre.is_some()),
        );
        train.extend(weighted(&aug.news, *setting));
    }
    let refs: Vec<&Sample> = train.iter().collect();
    let f = featurizer_of(&refs);
    let heads = &mut cfg.article_heads;
    heads.genre = fit_genre(&refs, &f, &genres, setting.l2, setting.input);
    heads.genre_binary = setting
        .split
        .then(|| fit_genre_binary(&refs, &f, &genres, setting.l2, setting.input));
    heads.genre_featurizer = Some(f);
    heads.genre_words = setting.input.words;
    heads.genre_dense = setting.input.dense;
    heads.genre_skip = setting.input.skipped();
    heads.genre_prior = multipliers(&genres, &target, *alpha, *shift_satire);
    heads.satire_min = Some(*sat);
    let s = &mut cfg.article_scores;
    s.genre_macro_f1 = fig.naive;
    s.genre_shifted_macro_f1 = fig.shifted;
    s.genre_l2 = setting.l2;
    s.genre_prior_alpha = *alpha;
    s.genre_target_prior = target.clone();
    s.genre_news_mix_macro_f1 = fig.news_mix_probe;
    s.genre_news_weight = setting.news_weight;
    s.genre_external_weight = setting.ext_weight;
    s.genre_external_opinion = if fig.ext_opinion.is_nan() {
        0.0
    } else {
        fig.ext_opinion
    };
    s.genre_external_satire = fig.probe_satire;
    s.genre_news_reporting = fig
        .per_group
        .iter()
        .map(|(g, (rep, _, n))| (g.clone(), *rep, *n))
        .collect();
    // The per-label and held-out-fold genre figures belonged to an older head.
    s.genre_per_label.clear();
    s.holdout_genre_macro_f1 = 0.0;
    s.holdout_genre_shifted_macro_f1 = 0.0;
    std::fs::write(&path, serde_json::to_string(&cfg)?)?;
    eprintln!("genre head written to {path}");
    Ok(())
}
