//! Trains and validates the multilingual paragraph head (issue 14;
//! `rhetor_analyzers::multilingual`): SemEval subtask-3 techniques from the Universal Sentence
//! Encoder multilingual v3, learned from the 2023 annotation of French, German, Italian, Polish
//! and Russian.
//!
//! Validation (what predicts the held-out English split, annotated the same 2023 way): each
//! language is held out in turn, the head is trained on the other four, and its threshold is
//! chosen on those four alone (each of them held out in turn inside). Articles are weighted so
//! that their genres come in the target mix (mostly reporting, `GENRE_TARGET_PRIOR`), for the
//! choice and for the figure; the plain figure is printed beside it. The shipped threshold is
//! chosen on the pooled held-out-language predictions, the shipped head trained on all five.
//! English (PTC, labelled the older way) is not trained on.
//!
//! What the pipeline takes from it: the techniques the English training never uses (the 2023
//! annotation's Questioning_the_Reputation, Appeal_to_Values, …), which the fine-tuned English
//! model cannot predict. For each, the held-out-language precision and recall at each threshold
//! enter the label-shifted estimate of the shipped English model (`st3_shifted_precision` and
//! `_recall` in `analyzer.json`, from `examples/technique_shift.rs`): the technique's gold is
//! its share of the 2023 mix, so it adds `recall × share` true positives and
//! `recall × share × (1 − precision) / precision` false positives. A technique is taken, at the
//! threshold whose worst estimate over the precision as measured, 0.8 and 0.6 times it is best
//! (English is none of the five languages), only when that raises the estimate. The nested
//! figure chooses each held-out language's thresholds on the other four.
//!
//! With `--span-base P,R,N` (the English model's label-shifted span parts, as
//! `technique_shift` prints them), the labels it adds are also scored as spans over their
//! whole paragraph against the held-out languages' span gold and added to the span estimate;
//! `paragraph_spans` is written true when that raises it even at 0.6 times their precision.
//! (Tried at stop 22 and removed, see models/README: the best sentence instead of the
//! paragraph, and known techniques the English model finds no span of; code in `6f0cdd5`.)
//!
//! `HEAD_L2` sets the L2 penalty (default 1e-3; stop 23 measured 3e-4 and 3e-3 too: the
//! label-shifted estimate with the head 0.376 / 0.377 / 0.378, nested 0.375 / 0.374 / 0.373).
//!
//! ```sh
//! cargo run --release -p rhetor-train --example multilingual_head -- \
//!     models/techniques/analyzer.json [--span-base 0.2098,0.2888,1.4091] \
//!     [--write models/techniques/multilingual.json]
//! ```

use rayon::prelude::*;

use rhetor_analyzers::multilingual::{
    article_mean, fit, DenseFit, MultilingualHead, INPUT, MULTILINGUAL_FORMAT,
};
use rhetor_analyzers::pipeline::AnalyzerConfig;
use rhetor_doc::taxonomy::TECHNIQUES;
use rhetor_eval::semeval::{load_language, shared_language_dir, Split};
use rhetor_eval::shift::{
    label_mix, with_added_span_techniques, with_added_techniques, Prf, SpanParts, Unit,
};
use rhetor_eval::{score_spans, GoldSpan};
use rhetor_models::use_m3::{UseEncoder, DIM};
use rhetor_models::weights::{cache_root, USE_M3};
use rhetor_train::recipe::genre_target_weights;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const LANGUAGES: [&str; 5] = ["fr", "ge", "it", "po", "ru"];

/// One language's labelled paragraphs: inputs (`n × INPUT`), gold (`n × 23`), weights.
struct Lang {
    name: &'static str,
    x: Vec<f32>,
    y: Vec<bool>,
    w: Vec<f32>,
    /// Each row's paragraph: article id (prefixed with the language) and code points.
    pars: Vec<(String, usize, usize)>,
    /// The language's gold spans (ids prefixed likewise).
    spans: Vec<GoldSpan>,
}

impl Lang {
    fn n(&self) -> usize {
        self.w.len()
    }
}

/// One article's paragraph vectors and gold rows.
type ArticleRows = (Vec<[f32; DIM]>, Vec<Vec<bool>>);

fn load(name: &'static str, enc: &UseEncoder) -> Res<Lang> {
    let dir =
        shared_language_dir(name).ok_or(format!("../shared/data/semeval2023/{name} is missing"))?;
    let articles = load_language(&dir, Split::Train)?;
    let labelled: Vec<_> = articles
        .iter()
        .filter(|a| a.paragraph_labels.is_some())
        .collect();
    let ids: Vec<String> = labelled.iter().map(|a| a.id.clone()).collect();
    let aw = genre_target_weights(&articles, &ids);
    let k = TECHNIQUES.len();
    let per_article: Vec<ArticleRows> = labelled
        .par_iter()
        .map(|a| {
            let lines: Vec<&str> = a.text.split('\n').collect();
            let mut embs = vec![];
            let mut golds = vec![];
            for (line, labels) in a.paragraph_labels.iter().flatten() {
                let text = lines.get(line.saturating_sub(1)).copied().unwrap_or("");
                embs.push(enc.embed_ids(&enc.tokenize(text)));
                golds.push(
                    TECHNIQUES
                        .iter()
                        .map(|t| labels.iter().any(|l| l == t.label))
                        .collect(),
                );
            }
            (embs, golds)
        })
        .collect();
    let (mut x, mut y, mut w) = (vec![], vec![], vec![]);
    let (mut pars, mut spans) = (vec![], vec![]);
    for (((embs, golds), weight), a) in per_article.iter().zip(&aw).zip(&labelled) {
        let mean = article_mean(embs);
        for (e, g) in embs.iter().zip(golds) {
            x.extend_from_slice(e);
            x.extend_from_slice(&mean);
            y.extend(g.iter().copied());
            w.push(*weight as f32);
        }
        // Code-point ranges of the article's lines (paragraph `line` is line number `line`).
        let mut ranges = vec![];
        let mut at = 0;
        for line in a.text.split('\n') {
            let n = line.chars().count();
            let trimmed = line.trim_end().chars().count();
            ranges.push((at, at + trimmed));
            at += n + 1;
        }
        let id = format!("{name}:{}", a.id);
        for line in a.paragraph_labels.iter().flat_map(|m| m.keys()) {
            let (s, e) = ranges
                .get(line.saturating_sub(1))
                .copied()
                .unwrap_or((0, 0));
            pars.push((id.clone(), s, e));
        }
        for g in a.spans.iter().flatten() {
            spans.push(GoldSpan {
                id: id.clone(),
                ..g.clone()
            });
        }
    }
    debug_assert_eq!(y.len(), w.len() * k);
    debug_assert_eq!(pars.len(), w.len());
    Ok(Lang {
        name,
        x,
        y,
        w,
        pars,
        spans,
    })
}

fn train(langs: &[&Lang]) -> (Vec<Vec<f32>>, Vec<f32>) {
    let x: Vec<f32> = langs.iter().flat_map(|l| l.x.iter().copied()).collect();
    let y: Vec<bool> = langs.iter().flat_map(|l| l.y.iter().copied()).collect();
    // HEAD_L2 (default 1e-3): the L2 penalty, to compare settings under the same validation.
    let l2 = std::env::var("HEAD_L2")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1e-3);
    fit(
        &x,
        &y,
        INPUT,
        TECHNIQUES.len(),
        None,
        &DenseFit {
            l2,
            ..DenseFit::default()
        },
    )
}

fn probs(head: &(Vec<Vec<f32>>, Vec<f32>), lang: &Lang) -> Vec<f32> {
    let (w, b) = head;
    let k = b.len();
    let mut out = vec![0f32; lang.n() * k];
    for i in 0..lang.n() {
        let x = &lang.x[i * INPUT..(i + 1) * INPUT];
        for c in 0..k {
            let z = b[c] + w[c].iter().zip(x).map(|(a, v)| a * v).sum::<f32>();
            out[i * k + c] = 1.0 / (1.0 + (-z).exp());
        }
    }
    out
}

/// Weighted true positives, false positives and misses of `p >= th` against a language's gold.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    tp: f64,
    fp: f64,
    fneg: f64,
}

impl Tally {
    /// Adds `lang`'s rows (`p`: its probabilities), weighted by its genre weights or 1 each,
    /// over every technique or only technique `only`.
    fn add(mut self, lang: &Lang, p: &[f32], th: f32, weighted: bool, only: Option<usize>) -> Self {
        let k = TECHNIQUES.len();
        for i in 0..lang.n() {
            let wi = if weighted { lang.w[i] as f64 } else { 1.0 };
            for c in (0..k).filter(|c| only.is_none_or(|o| o == *c)) {
                match (p[i * k + c] >= th, lang.y[i * k + c]) {
                    (true, true) => self.tp += wi,
                    (true, false) => self.fp += wi,
                    (false, true) => self.fneg += wi,
                    _ => {}
                }
            }
        }
        self
    }

    fn precision(&self) -> f64 {
        self.tp / (self.tp + self.fp).max(1e-12)
    }

    fn recall(&self) -> f64 {
        self.tp / (self.tp + self.fneg).max(1e-12)
    }

    /// (F1, precision, recall).
    fn prf(&self) -> (f32, f32, f32) {
        let (p, r) = (self.precision(), self.recall());
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        (f as f32, p as f32, r as f32)
    }
}

fn grid() -> Vec<f32> {
    (0..32).map(|i| 0.1 + 0.025 * i as f32).collect()
}

/// The threshold with the best genre-weighted micro-F1 over pooled predictions.
fn choose(pooled: &[(Vec<f32>, &Lang)]) -> f32 {
    let f1 = |th: f32| {
        pooled
            .iter()
            .fold(Tally::default(), |t, (p, l)| t.add(l, p, th, true, None))
            .prf()
            .0
    };
    grid()
        .into_iter()
        .max_by(|a, b| f1(*a).total_cmp(&f1(*b)))
        .unwrap_or(0.5)
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let write = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let analyzer = args
        .get(1)
        .filter(|a| !a.starts_with("--"))
        .ok_or("usage: multilingual_head ANALYZER_JSON [--write MULTILINGUAL_JSON]")?;
    let cfg: AnalyzerConfig = serde_json::from_str(&std::fs::read_to_string(analyzer)?)?;
    let base = (
        cfg.technique_scores.st3_shifted_precision,
        cfg.technique_scores.st3_shifted_recall,
    );
    if base.0 <= 0.0 || base.1 <= 0.0 {
        return Err(format!("{analyzer} has no st3_shifted_precision/_recall: run examples/technique_shift.rs with --write first").into());
    }
    let dir = USE_M3.ensure(&cache_root()?)?;
    let enc = UseEncoder::load(&dir)?;
    let t0 = std::time::Instant::now();
    let langs: Vec<Lang> = LANGUAGES
        .iter()
        .map(|l| load(l, &enc))
        .collect::<Res<_>>()?;
    for l in &langs {
        println!("{}: {} paragraphs", l.name, l.n());
    }
    println!("embedded in {:.1}s", t0.elapsed().as_secs_f32());

    // Leave one language out, threshold chosen inside the other four.
    let mut outer: Vec<(Vec<f32>, &Lang)> = vec![];
    let mut rows = vec![];
    for (t, target) in langs.iter().enumerate() {
        let others: Vec<&Lang> = langs
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != t)
            .map(|(_, l)| l)
            .collect();
        let inner: Vec<(Vec<f32>, &Lang)> = others
            .iter()
            .map(|m| {
                let rest: Vec<&Lang> = others
                    .iter()
                    .copied()
                    .filter(|o| o.name != m.name)
                    .collect();
                (probs(&train(&rest), m), *m)
            })
            .collect();
        let th = choose(&inner);
        let p = probs(&train(&others), target);
        let (fw, pw, rw) = Tally::default().add(target, &p, th, true, None).prf();
        let (fnv, _, _) = Tally::default().add(target, &p, th, false, None).prf();
        println!(
            "held out {}: threshold {th:.3}  weighted F1 {fw:.3} (P {pw:.3} R {rw:.3})  plain F1 {fnv:.3}",
            target.name
        );
        rows.push((target.name, fw, fnv, th));
        outer.push((p, target));
    }
    // Pooled over the five held-out languages (each at its own nested threshold).
    let pooled = |weighted: bool| {
        outer
            .iter()
            .zip(&rows)
            .fold(Tally::default(), |t, ((p, l), (_, _, _, th))| {
                t.add(l, p, *th, weighted, None)
            })
            .prf()
    };
    let (fw, pw, rw) = pooled(true);
    let (fnv, pn, rn) = pooled(false);
    println!("pooled: weighted F1 {fw:.3} (P {pw:.3} R {rw:.3}); plain F1 {fnv:.3} (P {pn:.3} R {rn:.3})");

    // The techniques English training never uses, and their share of the 2023 mix.
    let en = load_language(
        &shared_language_dir("en").ok_or("../shared/data/semeval2023/en is missing")?,
        Split::Train,
    )?;
    let used: std::collections::BTreeSet<&str> = en
        .iter()
        .flat_map(|a| a.paragraph_labels.iter().flat_map(|m| m.values().flatten()))
        .map(String::as_str)
        .collect();
    let known: Vec<&str> = TECHNIQUES.iter().map(|t| t.label).collect();
    let dirs: Vec<std::path::PathBuf> = LANGUAGES
        .iter()
        .filter_map(|l| shared_language_dir(l))
        .collect();
    let dir_refs: Vec<&std::path::Path> = dirs.iter().map(|d| d.as_path()).collect();
    let mix = label_mix(&dir_refs, &known, Unit::Paragraphs)?;
    let missing: Vec<usize> = (0..TECHNIQUES.len())
        .filter(|&c| !used.contains(known[c]))
        .collect();
    let share = |c: usize| mix.get(known[c]).copied().unwrap_or(0.0);
    println!(
        "never used in English training: {}",
        missing
            .iter()
            .map(|&c| format!("{} ({:.3} of the 2023 labels)", known[c], share(c)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Genre-weighted (precision, recall) of technique c at threshold th over some held-out
    // languages.
    let rates = |langs: &[usize], c: usize, th: f32| {
        let t = langs.iter().fold(Tally::default(), |t, &li| {
            let (p, l) = &outer[li];
            t.add(l, p, th, true, Some(c))
        });
        (t.precision(), t.recall())
    };
    // The label-shifted estimate of the English model plus techniques at (precision × d, recall).
    let estimate_at = |added: &[(usize, f64, f64)], d: f64| {
        let added: Vec<(f64, f64, f64)> = added
            .iter()
            .map(|&(c, p, r)| (share(c), p * d, r))
            .collect();
        let e = with_added_techniques(Prf::new(base.0, base.1), &added);
        (e.f1, e.precision, e.recall)
    };
    let estimate = |added: &[(usize, f64, f64)]| estimate_at(added, 1.0);
    // English is none of the five languages, and its news may carry fewer of these techniques
    // than they do: on BASIL's news, 7 of 25 paragraphs labelled Questioning_the_Reputation at
    // 0.35 or more were, read by hand, against 0.34 on the held-out languages. So each threshold
    // is judged by its worst estimate with the precision as measured, 0.8 and 0.6 times it
    // (recall as measured): the choice that holds up if English precision is lower.
    let robust = |added: &[(usize, f64, f64)]| {
        [1.0, 0.8, 0.6]
            .iter()
            .map(|&d| estimate_at(added, d).0)
            .fold(f64::INFINITY, f64::min)
    };
    // Greedy, technique by technique (largest share first): the threshold that raises the
    // robust estimate most, or none.
    let pick = |langs: &[usize]| -> Vec<(usize, f32, f64, f64)> {
        let mut order = missing.clone();
        order.sort_by(|a, b| share(*b).total_cmp(&share(*a)));
        let mut chosen: Vec<(usize, f32, f64, f64)> = vec![];
        for c in order {
            let now: Vec<(usize, f64, f64)> =
                chosen.iter().map(|&(c, _, p, r)| (c, p, r)).collect();
            let mut best = (robust(&now), None);
            for th in grid() {
                let (p, r) = rates(langs, c, th);
                let mut with = now.clone();
                with.push((c, p, r));
                let f = robust(&with);
                if f > best.0 + 1e-9 {
                    best = (f, Some((th, p, r)));
                }
            }
            if let Some((th, p, r)) = best.1 {
                chosen.push((c, th, p, r));
            }
        }
        chosen
    };
    let all_langs: Vec<usize> = (0..langs.len()).collect();
    let chosen = pick(&all_langs);
    let (f0, p0, r0) = estimate(&[]);
    let added: Vec<(usize, f64, f64)> = chosen.iter().map(|&(c, _, p, r)| (c, p, r)).collect();
    let (f1, p1, r1) = estimate(&added);
    for &(c, th, p, r) in &chosen {
        println!(
            "take {} at {th:.3}: held-out-language P {p:.3} R {r:.3}",
            known[c]
        );
    }
    println!("label-shifted subtask 3: English model {f0:.3} (P {p0:.3} R {r0:.3}) -> with these {f1:.3} (P {p1:.3} R {r1:.3})");
    let (f08, f06) = (estimate_at(&added, 0.8).0, estimate_at(&added, 0.6).0);
    println!("  with their precision 0.8x: {f08:.3}; 0.6x: {f06:.3}");
    // Nested: each language's thresholds chosen on the other four, its counts pooled.
    let mut nested: std::collections::BTreeMap<usize, Tally> = Default::default();
    for (t, (p, l)) in outer.iter().enumerate() {
        let others: Vec<usize> = all_langs.iter().copied().filter(|&i| i != t).collect();
        let chosen_t = pick(&others);
        for &c in &missing {
            // Not taken: nothing is predicted, its gold still counts.
            let th = chosen_t
                .iter()
                .find(|x| x.0 == c)
                .map_or(f32::INFINITY, |x| x.1);
            let e = nested.entry(c).or_default();
            *e = e.add(l, p, th, true, Some(c));
        }
    }
    let nested_added: Vec<(usize, f64, f64)> = nested
        .iter()
        .map(|(&c, t)| (c, t.precision(), t.recall()))
        .collect();
    let (fn1, pn1, rn1) = estimate(&nested_added);
    println!(
        "nested (thresholds chosen without the language scored): {fn1:.3} (P {pn1:.3} R {rn1:.3})"
    );

    // Spans (issue 14): the head's paragraph labels as spans over the whole paragraph, for
    // the span output (`--format semeval-spans`). The head cannot say where in the paragraph
    // the technique is; the partial-overlap scorer credits a paragraph-long span with the
    // fraction the gold covers, and the gold spans inside it as found. Scored on the other
    // languages' gold spans (each language held out), then added to the English model's
    // label-shifted span estimate (`--span-base`: what `technique_shift` prints as "span
    // parts"), as the paragraph labels are above.
    let span_base = args
        .iter()
        .position(|a| a == "--span-base")
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            let n: Vec<f64> = v.split(',').filter_map(|x| x.parse().ok()).collect();
            match n[..] {
                [precision, recall, predicted_per_gold] => Ok(SpanParts {
                    precision,
                    recall,
                    predicted_per_gold,
                }),
                _ => Err(format!(
                    "--span-base wants PRECISION,RECALL,PREDICTED_PER_GOLD, not {v}"
                )),
            }
        })
        .transpose()?;
    let mut paragraph_spans = false;
    let mut span_scores: Vec<(String, f64)> = vec![];
    if let Some(base) = span_base {
        let span_mix = label_mix(&dir_refs, &known, Unit::Spans)?;
        let sshare = |c: usize| span_mix.get(known[c]).copied().unwrap_or(0.0);
        let k = TECHNIQUES.len();
        // Gold and predicted spans of technique c over held-out languages, each at its threshold.
        let spans_of = |ls: &[(usize, f32)], c: usize| {
            let (mut gold, mut pred) = (vec![], vec![]);
            for &(li, th) in ls {
                let (p, l) = &outer[li];
                gold.extend(l.spans.iter().filter(|g| g.technique == known[c]).cloned());
                for (i, (id, s, e)) in l.pars.iter().enumerate() {
                    if p[i * k + c] >= th && e > s {
                        pred.push(GoldSpan {
                            id: id.clone(),
                            technique: known[c].to_string(),
                            start: *s,
                            end: *e,
                        });
                    }
                }
            }
            (gold, pred)
        };
        // (precision, recall, predicted spans per gold span).
        let rates_of = |ls: &[(usize, f32)], c: usize| {
            let (gold, pred) = spans_of(ls, c);
            let sc = score_spans(&gold, &pred);
            let per = if sc.gold_spans > 0 {
                sc.predicted_spans as f64 / sc.gold_spans as f64
            } else {
                0.0
            };
            (sc.precision, sc.recall, per)
        };
        let est = |added: &[(usize, f64, f64, f64)], d: f64| {
            let a: Vec<(f64, f64, f64, f64)> = added
                .iter()
                .map(|&(c, p, r, n)| (sshare(c), p * d, r, n))
                .collect();
            with_added_span_techniques(base, &a)
        };
        let robust = |added: &[(usize, f64, f64, f64)]| {
            [1.0, 0.8, 0.6]
                .iter()
                .map(|&d| est(added, d).f1)
                .fold(f64::INFINITY, f64::min)
        };
        let span_pick = |ls: &[usize]| -> Vec<(usize, f32, f64, f64, f64)> {
            let mut order = missing.clone();
            order.sort_by(|a, b| sshare(*b).total_cmp(&sshare(*a)));
            let mut chosen: Vec<(usize, f32, f64, f64, f64)> = vec![];
            for c in order {
                let now: Vec<(usize, f64, f64, f64)> =
                    chosen.iter().map(|&(c, _, p, r, n)| (c, p, r, n)).collect();
                let mut best = (robust(&now), None);
                for th in grid() {
                    let at: Vec<(usize, f32)> = ls.iter().map(|&l| (l, th)).collect();
                    let (p, r, n) = rates_of(&at, c);
                    let mut with = now.clone();
                    with.push((c, p, r, n));
                    let f = robust(&with);
                    if f > best.0 + 1e-9 {
                        best = (f, Some((th, p, r, n)));
                    }
                }
                if let Some((th, p, r, n)) = best.1 {
                    chosen.push((c, th, p, r, n));
                }
            }
            chosen
        };
        let b0 = est(&[], 1.0);
        println!(
            "spans: English model label-shifted {:.3} (P {:.3} R {:.3}, {:.3} predicted per gold span)",
            b0.f1, b0.precision, b0.recall, base.predicted_per_gold
        );
        // At the paragraph thresholds chosen above.
        let at_par: Vec<(usize, f64, f64, f64)> = chosen
            .iter()
            .map(|&(c, th, _, _)| {
                let at: Vec<(usize, f32)> = all_langs.iter().map(|&l| (l, th)).collect();
                let (p, r, n) = rates_of(&at, c);
                println!(
                    "  {} as paragraph spans at the paragraph threshold {th:.3}: P {p:.3} R {r:.3}, {n:.2} per gold span (span share {:.3})",
                    known[c],
                    sshare(c)
                );
                (c, p, r, n)
            })
            .collect();
        let e = est(&at_par, 1.0);
        println!(
            "  with them: {:.3} (P {:.3} R {:.3}); precision 0.8x {:.3}, 0.6x {:.3}",
            e.f1,
            e.precision,
            e.recall,
            est(&at_par, 0.8).f1,
            est(&at_par, 0.6).f1
        );
        // Thresholds chosen for spans, and the nested figure (each language's thresholds
        // chosen on the other four).
        let sp = span_pick(&all_langs);
        let added: Vec<(usize, f64, f64, f64)> =
            sp.iter().map(|&(c, _, p, r, n)| (c, p, r, n)).collect();
        for &(c, th, p, r, n) in &sp {
            println!(
                "  span choice: {} at {th:.3}: P {p:.3} R {r:.3}, {n:.2} per gold span",
                known[c]
            );
        }
        let e = est(&added, 1.0);
        println!(
            "  with the span choice: {:.3} (P {:.3} R {:.3}); precision 0.8x {:.3}, 0.6x {:.3}",
            e.f1,
            e.precision,
            e.recall,
            est(&added, 0.8).f1,
            est(&added, 0.6).f1
        );
        let mut nested_at: std::collections::BTreeMap<usize, Vec<(usize, f32)>> =
            Default::default();
        for t in 0..outer.len() {
            let others: Vec<usize> = all_langs.iter().copied().filter(|&i| i != t).collect();
            let chosen_t = span_pick(&others);
            for &c in &missing {
                let th = chosen_t
                    .iter()
                    .find(|x| x.0 == c)
                    .map_or(f32::INFINITY, |x| x.1);
                nested_at.entry(c).or_default().push((t, th));
            }
        }
        let nested_added: Vec<(usize, f64, f64, f64)> = nested_at
            .iter()
            .map(|(&c, at)| {
                let (p, r, n) = rates_of(at, c);
                (c, p, r, n)
            })
            .collect();
        let en = est(&nested_added, 1.0);
        println!(
            "  nested (span thresholds chosen without the language scored): {:.3} (P {:.3} R {:.3})",
            en.f1, en.precision, en.recall
        );
        // Shipped: the paragraph labels' own thresholds (chosen for subtask 3, never on span
        // gold), when their spans raise the estimate even at 0.6 times their precision. The
        // thresholds chosen for spans (and their nested figure) are printed for comparison.
        let e_par = est(&at_par, 1.0);
        paragraph_spans = robust(&at_par) > b0.f1;
        span_scores = vec![
            ("spans_shifted_f1_english_model".into(), b0.f1),
            ("spans_shifted_f1_with_head".into(), e_par.f1),
            ("spans_shifted_precision_with_head".into(), e_par.precision),
            ("spans_shifted_recall_with_head".into(), e_par.recall),
            (
                "spans_shifted_f1_with_head_precision_0_6".into(),
                est(&at_par, 0.6).f1,
            ),
            ("spans_shifted_f1_span_thresholds_nested".into(), en.f1),
        ];
        for &(c, p, r, n) in &at_par {
            span_scores.push((format!("lolo_span_precision_{}", known[c]), p));
            span_scores.push((format!("lolo_span_recall_{}", known[c]), r));
            span_scores.push((format!("lolo_span_predicted_per_gold_{}", known[c]), n));
        }
    }

    let threshold = choose(&outer);
    let all: Vec<&Lang> = langs.iter().collect();
    let (weights, bias) = train(&all);
    println!(
        "shipped threshold {threshold:.3}; total {:.0}s",
        t0.elapsed().as_secs_f32()
    );
    if let Some(path) = write {
        let mut scores = std::collections::BTreeMap::new();
        scores.insert("lolo_weighted_f1".to_string(), fw);
        scores.insert("lolo_weighted_precision".to_string(), pw);
        scores.insert("lolo_weighted_recall".to_string(), rw);
        scores.insert("lolo_plain_f1".to_string(), fnv);
        scores.insert("st3_shifted_f1_english_model".to_string(), f0 as f32);
        scores.insert("st3_shifted_f1_with_head".to_string(), f1 as f32);
        scores.insert("st3_shifted_precision_with_head".to_string(), p1 as f32);
        scores.insert("st3_shifted_recall_with_head".to_string(), r1 as f32);
        scores.insert("st3_shifted_f1_with_head_nested".to_string(), fn1 as f32);
        scores.insert(
            "st3_shifted_f1_with_head_precision_0_8".to_string(),
            f08 as f32,
        );
        scores.insert(
            "st3_shifted_f1_with_head_precision_0_6".to_string(),
            f06 as f32,
        );
        for &(c, _, p, r) in &chosen {
            scores.insert(format!("lolo_precision_{}", known[c]), p as f32);
            scores.insert(format!("lolo_recall_{}", known[c]), r as f32);
        }
        for (name, v) in &span_scores {
            scores.insert(name.clone(), *v as f32);
        }
        for (name, f, fp, _) in &rows {
            scores.insert(format!("lolo_weighted_f1_{name}"), *f);
            scores.insert(format!("lolo_plain_f1_{name}"), *fp);
        }
        // The frame and genre heads are trained by `examples/frame_head.rs`: kept as they are.
        let previous = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<MultilingualHead>(&t).ok());
        let head = MultilingualHead {
            format: MULTILINGUAL_FORMAT,
            encoder: format!("{}=={}", USE_M3.project, USE_M3.version),
            labels: TECHNIQUES.iter().map(|t| t.label.to_string()).collect(),
            weights: weights
                .into_iter()
                .map(|w| w.into_iter().map(|v| (v * 1e5).round() / 1e5).collect())
                .collect(),
            bias,
            threshold,
            adds: chosen
                .iter()
                .map(|&(c, th, _, _)| (known[c].to_string(), th))
                .collect(),
            paragraph_spans,
            frames: previous.as_ref().and_then(|h| h.frames.clone()),
            genre: previous.as_ref().and_then(|h| h.genre.clone()),
            trained_on: format!(
                "SemEval-2023 Task 3 subtask-3 training labels of {} ({} paragraphs); logistic regression, L2 1e-3, 300 Adam steps, positives weighted sqrt(neg/pos)",
                LANGUAGES.join(", "),
                langs.iter().map(Lang::n).sum::<usize>()
            ),
            scores,
        };
        std::fs::write(&path, serde_json::to_string(&head)? + "\n")?;
        println!("wrote {path}");
    }
    Ok(())
}
