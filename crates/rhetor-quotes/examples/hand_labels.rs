//! Precision of the attributions shown, by kind, on hand-labelled real articles outside PolNeAR
//! (BASIL news and the article-extraction benchmark's pages; see `tests/common/hand.rs`).
//!
//! ```sh
//! # precision per batch and kind of what is shown by default, and by confidence threshold
//! cargo run --release -p rhetor-quotes --example hand_labels
//! # what to label: the attributions of a batch's articles with their paragraphs (--all: the
//! # hidden ones too), and a TSV of the items (offsets only) for merging labels
//! cargo run --release -p rhetor-quotes --example hand_labels -- --dump fresh --items items.tsv
//! ```
//! Options: `--data DIR` (default `../shared/data`), `--labels FILE` (default
//! `crates/rhetor-quotes/tests/hand_labels.tsv`). The sparse models decide (no encoder states),
//! as in `QuoteAnalyzer::annotate`.

#[path = "../tests/common/hand.rs"]
mod hand;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use rhetor_doc::{CharIndex, QuoteKind};
use rhetor_quotes::scraped::sha256_hex;
use rhetor_quotes::QuoteAnalyzer;

fn main() -> Result<()> {
    let mut data = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    let mut labels_path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/hand_labels.tsv"
    ));
    let mut dump: Option<String> = None;
    let mut all = false;
    let mut items: Option<PathBuf> = None;
    let mut features: Option<PathBuf> = None;
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--data" => data = it.next().context("--data needs a value")?.into(),
            "--labels" => labels_path = it.next().context("--labels needs a value")?.into(),
            "--dump" => dump = Some(it.next().context("--dump needs a batch")?),
            "--all" => all = true,
            "--items" => items = Some(it.next().context("--items needs a file")?.into()),
            "--features" => features = Some(it.next().context("--features needs a file")?.into()),
            _ => bail!("unknown argument {k}"),
        }
    }
    let an = QuoteAnalyzer::load()?;
    let mut articles = hand::load(&data)?;
    if let Some(batch) = dump {
        let mut items_out = match &items {
            Some(p) => Some(std::fs::File::create(p)?),
            None => None,
        };
        let mut n = 0;
        for h in articles.iter_mut().filter(|h| h.batch == batch) {
            an.annotate(&mut h.article);
            let a = &h.article;
            let idx = CharIndex::new(&a.text);
            let sha = sha256_hex(&a.text);
            let slice = |s: usize, e: usize| -> String {
                idx.slice(&a.text, s, e)
                    .unwrap_or("")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            println!(
                "\n======== {}:{} ({} quotes)",
                h.source,
                h.id,
                a.quotes.len()
            );
            let mut last_para = usize::MAX;
            for q in a.quotes.iter().filter(|q| all || q.shown) {
                let pi = a
                    .paragraphs
                    .iter()
                    .position(|p| q.start >= p.start && q.start < p.end)
                    .unwrap_or(0);
                if pi != last_para {
                    let p = &a.paragraphs[pi];
                    println!("\n[P{pi}] {}", slice(p.start, p.end));
                    last_para = pi;
                }
                n += 1;
                let mention = match (q.speaker_start, q.speaker_end) {
                    (Some(s), Some(e)) => slice(s, e),
                    _ => "-".into(),
                };
                println!(
                    "  #{n} {} conf={:.2}{} | SPEAKER {:?} (mention {:?}) | CUE {:?}\n      CONTENT: {}",
                    hand::kind_name(q.kind),
                    q.confidence,
                    if q.shown { "" } else { " HIDDEN" },
                    q.speaker.as_deref().unwrap_or("-"),
                    mention,
                    q.cue.as_deref().unwrap_or("-"),
                    slice(q.start, q.end)
                );
                if let Some(f) = items_out.as_mut() {
                    let o = |x: Option<usize>| x.map_or("-".to_string(), |v| v.to_string());
                    writeln!(
                        f,
                        "{n}\t{}\t{}\t{sha}\t{}\t{}\t{}\t{}\t{}\t{}\t{:.3}\t{}\t{}",
                        h.source,
                        h.id,
                        h.batch,
                        hand::kind_name(q.kind),
                        q.start,
                        q.end,
                        o(q.speaker_start),
                        o(q.speaker_end),
                        q.confidence,
                        q.shown,
                        hand::speaker_hash(q)
                    )?;
                }
            }
        }
        return Ok(());
    }
    let labels = hand::read_labels(&std::fs::read_to_string(&labels_path)?)?;
    println!("{} labels in {}", labels.len(), labels_path.display());
    if let Some(path) = features {
        // One row per labelled attribution the analyser finds (shown or not): batch, kind,
        // labels, confidence, shown, then the speaker-confidence features (no text).
        let mut out = std::fs::File::create(&path)?;
        writeln!(
            out,
            "batch\tsource\tid\tkind\treal\tspeaker_right\tconfidence\tshown\t{}",
            rhetor_quotes::calibrate::FEATURE_NAMES.join("\t")
        )?;
        let o = |b: Option<bool>| match b {
            Some(true) => "1",
            Some(false) => "0",
            None => "-",
        };
        for h in &articles {
            let mine: Vec<hand::Label> = labels
                .iter()
                .filter(|l| l.source == h.source && l.id == h.id)
                .cloned()
                .collect();
            if mine.is_empty() {
                continue;
            }
            let (quotes, feats) = an.analyse_with_features(&h.article);
            for (q, x) in quotes.iter().zip(&feats) {
                if let Some(l) = hand::label_of(&mine, q) {
                    let xs: Vec<String> = x.iter().map(|v| format!("{v:.4}")).collect();
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}\t{}\t{:.4}\t{}\t{}",
                        l.batch,
                        h.source,
                        h.id,
                        l.kind,
                        o(l.real),
                        o(l.speaker_right),
                        q.confidence,
                        q.shown,
                        xs.join("\t")
                    )?;
                }
            }
        }
        println!("features written to {}", path.display());
        return Ok(());
    }
    // Precision of what is shown by default.
    let mut arts: Vec<hand::HandArticle> = Vec::new();
    for h in articles.drain(..) {
        arts.push(h);
    }
    let tallies = hand::score(&mut arts, &labels, |a| an.annotate(a))?;
    let mut keys: Vec<_> = tallies.keys().cloned().collect();
    keys.sort();
    for k in &keys {
        println!("{:6} {:15} {}", k.0, k.1, tallies[k].line());
    }
    // What the fitted speaker confidence hides: attributions the rules' gate passes (their score,
    // feature `rule_score`, ≥ SHOW_THRESHOLD) that are not shown, per batch of labelled articles.
    let mut hid: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for h in arts.iter().filter(|h| labels.iter().any(|l| l.id == h.id)) {
        let (quotes, feats) = an.analyse_with_features(&h.article);
        let e = hid.entry(h.batch.clone()).or_default();
        for (q, x) in quotes.iter().zip(&feats) {
            if x[12] >= rhetor_quotes::SHOW_THRESHOLD {
                e.0 += 1;
                e.1 += usize::from(!q.shown);
            }
        }
    }
    for (b, (gate, hidden)) in &hid {
        println!(
            "{b:6} hidden by the fitted confidence: {hidden} of the {gate} the rules' gate passes"
        );
    }
    // By confidence threshold, over every labelled quote (hidden ones included: batch `tune`
    // labels them all).
    let mut by: BTreeMap<(String, &str), Vec<(f32, bool)>> = BTreeMap::new();
    for h in &arts {
        for q in &h.article.quotes {
            let mine: Vec<hand::Label> = labels
                .iter()
                .filter(|l| l.source == h.source && l.id == h.id)
                .cloned()
                .collect();
            if let Some(l) = hand::label_of(&mine, q) {
                let group = if q.kind == QuoteKind::Direct {
                    "direct"
                } else {
                    "indirect+mixed"
                };
                let ok = l.real == Some(true) && l.speaker_right == Some(true);
                by.entry((l.batch.clone(), group))
                    .or_default()
                    .push((q.confidence, ok));
            }
        }
    }
    println!("\nreal with the right speaker, by confidence threshold (labelled quotes):");
    for ((batch, group), v) in &by {
        let line: Vec<String> = [0.0f32, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
            .iter()
            .map(|&t| {
                let kept: Vec<&(f32, bool)> = v.iter().filter(|(c, _)| *c >= t).collect();
                let ok = kept.iter().filter(|(_, o)| *o).count();
                format!("≥{t:.1}: {ok}/{}", kept.len())
            })
            .collect();
        println!("{batch:6} {group:15} {}", line.join("  "));
    }
    Ok(())
}
