//! Quote attribution scoring on PolNeAR-layout gold.
//!
//! # Gold
//! A folder with `text/NAME.txt` and `attributions/NAME_ANNOTATOR.ann` (brat stand-off: `T` lines
//! `Source`/`Cue`/`Content` with code-point offsets, possibly discontinuous `a b;c d`, and `E` lines
//! `Attribution:T.. Content:T.. Cue:T.. Source:T..`; `Attribution-no-source` events count too).
//! The article id is `NAME` (the file stem). An article annotated by several annotators has several
//! `.ann` files: their attributions are pooled and a content span that matches (see below) one
//! already kept is dropped, so each span counts once.
//!
//! # Predictions
//! JSON Lines, one article per line, as `rhetor analyze --format jsonl` writes them: only `id` and
//! `quotes` (`start`, `end`, `kind`, `cue_start`, `cue_end`, `speaker`, `speaker_start`,
//! `speaker_end`) are read. A whole-document JSON object `{"articles": [...]}` is accepted too.
//! Quotes of one article that share the same cue span (`cue_start`, `cue_end`) are one attribution
//! whose content is the union of their spans: the two halves of a quote split around "he said".
//!
//! # Matching
//! A predicted and a gold content *match* when their overlap covers at least half of each: `|P ∩ G|
//! ≥ 0.5 · max(|P|, |G|)` (code points, white space not counted).
//!
//! - **Direct quotes**: gold attributions whose content opens and closes with a quotation mark
//!   (`"“”«»„`, or the two-apostrophe `''` of NYT text) and has at least 4 words. Recall = gold direct quotes matched by a predicted `direct` quote; precision =
//!   predicted `direct` quotes that match *any* gold attribution.
//! - **Speaker accuracy**: over the gold direct quotes found that have an annotated source: right when
//!   the predicted speaker mention overlaps the source span, or the source's last word is one of the
//!   words of the predicted `speaker` (case-insensitive).
//! - **All attributions**: every gold content against every predicted quote (any kind).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::EvalError;

/// One gold attribution: code-point ranges into the article text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldAttribution {
    pub content: Vec<(usize, usize)>,
    pub cue: Vec<(usize, usize)>,
    pub source: Vec<(usize, usize)>,
}

/// One gold article: its text and pooled, de-duplicated attributions.
#[derive(Debug, Clone)]
pub struct GoldQuoteArticle {
    pub id: String,
    pub text: String,
    pub attributions: Vec<GoldAttribution>,
}

/// One predicted quote, as read from a prediction file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PredQuote {
    pub start: usize,
    pub end: usize,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub cue_start: Option<usize>,
    #[serde(default)]
    pub cue_end: Option<usize>,
    #[serde(default)]
    pub speaker: Option<String>,
    #[serde(default)]
    pub speaker_start: Option<usize>,
    #[serde(default)]
    pub speaker_end: Option<usize>,
}

/// Precision, recall and F1 with the counts behind them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub gold: usize,
    pub predicted: usize,
    pub gold_found: usize,
    pub predicted_correct: usize,
}

impl Prf {
    fn new(gold: usize, gold_found: usize, predicted: usize, predicted_correct: usize) -> Self {
        let precision = ratio(predicted_correct, predicted);
        let recall = ratio(gold_found, gold);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Prf {
            precision,
            recall,
            f1,
            gold,
            predicted,
            gold_found,
            predicted_correct,
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The quote scores (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QuoteScores {
    pub articles: usize,
    pub articles_without_prediction: usize,
    pub direct: Prf,
    /// Share of the gold direct quotes found (with a source) whose speaker is right.
    pub speaker_accuracy: f64,
    pub speaker_right: usize,
    pub speaker_judged: usize,
    pub all: Prf,
}

fn io_err(path: &Path, source: std::io::Error) -> EvalError {
    EvalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn format_err(path: &Path, line: usize, reason: impl Into<String>) -> EvalError {
    EvalError::Format {
        path: path.to_path_buf(),
        line,
        reason: reason.into(),
    }
}

fn read_text(path: &Path) -> Result<String, EvalError> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn parse_ranges(s: &str) -> Option<Vec<(usize, usize)>> {
    s.split(';')
        .map(|r| {
            let mut it = r.split_whitespace();
            let a = it.next()?.parse().ok()?;
            let b = it.next()?.parse().ok()?;
            (it.next().is_none() && a <= b).then_some((a, b))
        })
        .collect()
}

/// Parse one brat `.ann` file into attributions. Lines that are not `T`/`E` records (annotator
/// notes, the continuation of a span text that held a line break) are skipped.
pub fn parse_ann(src: &str, path: &Path) -> Result<Vec<GoldAttribution>, EvalError> {
    let mut spans: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    let mut events: Vec<(usize, Vec<(&str, &str)>)> = Vec::new();
    for (i, line) in src.lines().enumerate() {
        let mut fields = line.split('\t');
        let (Some(id), Some(body)) = (fields.next(), fields.next()) else {
            continue;
        };
        let numbered = id.len() > 1 && id[1..].bytes().all(|b| b.is_ascii_digit());
        if !numbered {
            continue;
        }
        if id.starts_with('T') {
            let Some((_, ranges)) = body.split_once(' ') else {
                continue;
            };
            let Some(r) = parse_ranges(ranges) else {
                return Err(format_err(path, i + 1, format!("bad offsets {ranges:?}")));
            };
            spans.insert(id, r);
        } else if id.starts_with('E') {
            let args: Vec<(&str, &str)> = body
                .split_whitespace()
                .filter_map(|a| a.split_once(':'))
                .collect();
            events.push((i + 1, args));
        }
    }
    let mut out = Vec::new();
    for (line, args) in events {
        let Some((kind, _)) = args.first() else {
            continue;
        };
        if !kind.starts_with("Attribution") {
            continue;
        }
        let mut a = GoldAttribution {
            content: Vec::new(),
            cue: Vec::new(),
            source: Vec::new(),
        };
        for (role, t) in &args[1..] {
            let Some(r) = spans.get(t) else {
                return Err(format_err(path, line, format!("unknown span {t}")));
            };
            match *role {
                "Content" => a.content.clone_from(r),
                "Cue" => a.cue.clone_from(r),
                "Source" => a.source.clone_from(r),
                _ => {}
            }
        }
        if !a.content.is_empty() {
            out.push(a);
        }
    }
    Ok(out)
}

/// Read a PolNeAR-layout folder (`text/`, `attributions/`).
pub fn read_polnear(dir: &Path) -> Result<Vec<GoldQuoteArticle>, EvalError> {
    let text_dir = dir.join("text");
    let ann_dir = dir.join("attributions");
    let mut anns: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(&ann_dir).map_err(|e| io_err(&ann_dir, e))? {
        let path = entry.map_err(|e| io_err(&ann_dir, e))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("ann") {
            continue;
        }
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        // NAME_ANNOTATOR.ann; a stem without annotator suffix is the name itself.
        let name = match stem.rsplit_once('_') {
            Some((n, _)) if text_dir.join(format!("{n}.txt")).exists() => n.to_string(),
            _ => stem.to_string(),
        };
        anns.entry(name).or_default().push(path);
    }
    let mut out = Vec::new();
    for (id, paths) in anns {
        let text_path = text_dir.join(format!("{id}.txt"));
        let text = read_text(&text_path)?;
        let mut attributions: Vec<GoldAttribution> = Vec::new();
        for p in paths {
            for a in parse_ann(&read_text(&p)?, &p)? {
                let set = char_set(&text, &a.content);
                let dup = attributions
                    .iter()
                    .any(|b| matches(&set, &char_set(&text, &b.content)));
                if !dup {
                    attributions.push(a);
                }
            }
        }
        out.push(GoldQuoteArticle {
            id,
            text,
            attributions,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct PredArticle {
    id: String,
    #[serde(default)]
    quotes: Vec<PredQuote>,
}

#[derive(Deserialize)]
struct PredDocument {
    articles: Vec<PredArticle>,
}

/// Read predictions: JSON Lines of articles, or one `{"articles": [...]}` document.
pub fn read_quote_predictions(path: &Path) -> Result<BTreeMap<String, Vec<PredQuote>>, EvalError> {
    let src = read_text(path)?;
    let mut out: BTreeMap<String, Vec<PredQuote>> = BTreeMap::new();
    if let Ok(doc) = serde_json::from_str::<PredDocument>(&src) {
        for a in doc.articles {
            out.entry(a.id).or_default().extend(a.quotes);
        }
        return Ok(out);
    }
    for (i, line) in src.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let a: PredArticle =
            serde_json::from_str(line).map_err(|e| format_err(path, i + 1, e.to_string()))?;
        out.entry(a.id).or_default().extend(a.quotes);
    }
    Ok(out)
}

/// Code points of `ranges` that are not white space.
fn char_set(text: &str, ranges: &[(usize, usize)]) -> BTreeSet<usize> {
    let chars: Vec<char> = text.chars().collect();
    ranges
        .iter()
        .flat_map(|&(a, b)| a..b.min(chars.len()))
        .filter(|&i| !chars[i].is_whitespace())
        .collect()
}

fn matches(p: &BTreeSet<usize>, g: &BTreeSet<usize>) -> bool {
    if p.is_empty() || g.is_empty() {
        return false;
    }
    let inter = p.intersection(g).count();
    2 * inter >= p.len().max(g.len())
}

const QUOTE_MARKS: &[char] = &['"', '“', '”', '«', '»', '„', '‟', '〝', '〞'];

/// Whether a gold content is a direct quote: opens and closes with a quotation mark (closing
/// punctuation after the mark allowed) and has at least 4 words.
pub fn is_direct(text: &str, ranges: &[(usize, usize)]) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let s: String = ranges
        .iter()
        .map(|&(a, b)| {
            chars
                .get(a.min(chars.len())..b.min(chars.len()))
                .unwrap_or(&[])
                .iter()
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let t = s.trim();
    let body = t.trim_end_matches(['.', ',', '!', '?', ';', ':', ')']);
    // `''` is the straight double mark of some wire and NYT text.
    let opens = t.chars().next().is_some_and(|c| QUOTE_MARKS.contains(&c)) || t.starts_with("''");
    let closes = body
        .chars()
        .last()
        .is_some_and(|c| QUOTE_MARKS.contains(&c))
        || body.ends_with("''");
    opens && closes && t.split_whitespace().count() >= 4
}

struct PredAttr {
    set: BTreeSet<usize>,
    direct: bool,
    speaker: Option<String>,
    speaker_span: Option<(usize, usize)>,
}

fn group_predictions(text: &str, quotes: &[PredQuote]) -> Vec<PredAttr> {
    let mut out: Vec<PredAttr> = Vec::new();
    let mut by_cue: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for q in quotes {
        let set = char_set(text, &[(q.start, q.end)]);
        let direct = q.kind.as_deref() == Some("direct");
        let speaker_span = q.speaker_start.zip(q.speaker_end);
        if let Some(cue) = q.cue_start.zip(q.cue_end) {
            if let Some(&i) = by_cue.get(&cue) {
                let a = &mut out[i];
                a.set.extend(set);
                a.direct &= direct;
                continue;
            }
            by_cue.insert(cue, out.len());
        }
        out.push(PredAttr {
            set,
            direct,
            speaker: q.speaker.clone(),
            speaker_span,
        });
    }
    out
}

fn speaker_right(text: &str, gold: &GoldAttribution, pred: &PredAttr) -> bool {
    if let Some((a, b)) = pred.speaker_span {
        if gold.source.iter().any(|&(s, e)| a < e && s < b) {
            return true;
        }
    }
    let chars: Vec<char> = text.chars().collect();
    let source: String = gold
        .source
        .iter()
        .map(|&(a, b)| {
            chars
                .get(a.min(chars.len())..b.min(chars.len()))
                .unwrap_or(&[])
                .iter()
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let Some(last) = source
        .split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
        .rfind(|w| !w.is_empty())
    else {
        return false;
    };
    let last = last.to_lowercase();
    pred.speaker.as_deref().is_some_and(|s| {
        s.split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
            .any(|w| w.to_lowercase() == last)
    })
}

/// Score predictions against gold (see the module docs).
pub fn score_quotes(
    gold: &[GoldQuoteArticle],
    pred: &BTreeMap<String, Vec<PredQuote>>,
) -> QuoteScores {
    let mut s = QuoteScores {
        articles: gold.len(),
        ..QuoteScores::default()
    };
    let (mut dg, mut df, mut dp, mut dc) = (0, 0, 0, 0);
    let (mut ag, mut af, mut ap, mut ac) = (0, 0, 0, 0);
    for g in gold {
        let quotes = match pred.get(&g.id) {
            Some(q) => q.as_slice(),
            None => {
                s.articles_without_prediction += 1;
                &[]
            }
        };
        let preds = group_predictions(&g.text, quotes);
        let golds: Vec<(BTreeSet<usize>, bool)> = g
            .attributions
            .iter()
            .map(|a| {
                (
                    char_set(&g.text, &a.content),
                    is_direct(&g.text, &a.content),
                )
            })
            .collect();
        for (ga, (gset, direct)) in g.attributions.iter().zip(&golds) {
            ag += 1;
            if preds.iter().any(|p| matches(&p.set, gset)) {
                af += 1;
            }
            if *direct {
                dg += 1;
                if let Some(p) = preds.iter().find(|p| p.direct && matches(&p.set, gset)) {
                    df += 1;
                    if !ga.source.is_empty() {
                        s.speaker_judged += 1;
                        if speaker_right(&g.text, ga, p) {
                            s.speaker_right += 1;
                        }
                    }
                }
            }
        }
        for p in &preds {
            let hit = golds.iter().any(|(gset, _)| matches(&p.set, gset));
            ap += 1;
            ac += usize::from(hit);
            if p.direct {
                dp += 1;
                dc += usize::from(hit);
            }
        }
    }
    s.direct = Prf::new(dg, df, dp, dc);
    s.all = Prf::new(ag, af, ap, ac);
    s.speaker_accuracy = ratio(s.speaker_right, s.speaker_judged);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Headline here\n\n“We will win this race easily,” said Jane Doe. Officials said that taxes would rise.";

    fn gold() -> GoldQuoteArticle {
        let ann = "T1\tContent 15 46\t“We will win this race easily,”\nT2\tCue 47 51\tsaid\nT3\tSource 52 60\tJane Doe\nE1\tAttribution:T4 Content:T1 Cue:T2 Source:T3\nT4\tAttribution 47 51\tsaid\nT5\tSource 62 71\tOfficials\nT6\tCue 72 76\tsaid\nT7\tContent 77 98\tthat taxes would rise\nE2\tAttribution-no-source:T8 Content:T7 Cue:T6\n#1\tAnnotatorNotes T1\tnote\nT8\tAttribution-no-source 72 76\tsaid\n";
        GoldQuoteArticle {
            id: "a".into(),
            text: TEXT.into(),
            attributions: parse_ann(ann, Path::new("a.ann")).unwrap(),
        }
    }

    #[test]
    fn parses_brat_and_classifies_direct() {
        let g = gold();
        assert_eq!(g.attributions.len(), 2);
        assert_eq!(g.attributions[0].source, vec![(52, 60)]);
        assert!(is_direct(TEXT, &g.attributions[0].content));
        assert!(!is_direct(TEXT, &g.attributions[1].content));
    }

    #[test]
    fn scores_direct_speaker_and_all() {
        let g = vec![gold()];
        let mut pred = BTreeMap::new();
        pred.insert(
            "a".to_string(),
            vec![
                PredQuote {
                    start: 15,
                    end: 45,
                    kind: Some("direct".into()),
                    speaker: Some("Jane Doe".into()),
                    ..PredQuote::default()
                },
                PredQuote {
                    start: 0,
                    end: 8,
                    kind: Some("direct".into()),
                    ..PredQuote::default()
                },
            ],
        );
        let s = score_quotes(&g, &pred);
        assert_eq!(s.direct.gold, 1);
        assert_eq!(s.direct.gold_found, 1);
        assert_eq!(s.direct.predicted, 2);
        assert_eq!(s.direct.predicted_correct, 1);
        assert_eq!(s.speaker_right, 1);
        assert_eq!(s.all.gold, 2);
        assert_eq!(s.all.gold_found, 1);
        assert!((s.all.recall - 0.5).abs() < 1e-9);
    }

    #[test]
    fn quotes_sharing_a_cue_are_one_attribution() {
        let text = "“Alpha beta gamma,” he said, “delta epsilon zeta.”";
        let ann = "T1\tContent 0 19;29 50\tx\nT2\tCue 23 27\tsaid\nE1\tAttribution:T3 Content:T1 Cue:T2\nT3\tAttribution 23 27\tsaid\n";
        let g = vec![GoldQuoteArticle {
            id: "b".into(),
            text: text.into(),
            attributions: parse_ann(ann, Path::new("b.ann")).unwrap(),
        }];
        let half = |start, end| PredQuote {
            start,
            end,
            kind: Some("direct".into()),
            cue_start: Some(23),
            cue_end: Some(27),
            ..PredQuote::default()
        };
        let mut pred = BTreeMap::new();
        pred.insert("b".to_string(), vec![half(0, 19), half(29, 50)]);
        let s = score_quotes(&g, &pred);
        assert_eq!(s.all.predicted, 1);
        assert_eq!(s.all.gold_found, 1);
    }

    #[test]
    fn reads_jsonl_predictions() {
        let dir = std::env::temp_dir().join(format!("rhetor-quotes-eval-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("p.jsonl");
        std::fs::write(
            &p,
            "{\"id\":\"a\",\"quotes\":[{\"start\":1,\"end\":5,\"kind\":\"indirect\",\"score\":0.5}]}\n\n{\"id\":\"b\"}\n",
        )
        .unwrap();
        let m = read_quote_predictions(&p).unwrap();
        assert_eq!(m["a"].len(), 1);
        assert!(m["b"].is_empty());
        std::fs::write(&p, "{not json\n").unwrap();
        assert!(read_quote_predictions(&p).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
