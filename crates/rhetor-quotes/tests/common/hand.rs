//! Hand labels of attributions on real articles outside PolNeAR (shared by
//! `tests/hand_labels.rs` and `examples/hand_labels.rs`).
//!
//! The articles: BASIL's news (`basil/articles/*/*.json`: the title, a blank line, then the
//! body paragraphs, each its sentences joined by a space, one blank line between paragraphs) and
//! the article-extraction benchmark's pages (`ground-truth.json`'s `articleBody`: news, opinion
//! and blog pages). Both are built from the data as given, not through `rhetor-ingest`, so the
//! texts (and the SHA-256 the labels record) do not move when the HTML cleanup changes.
//! Articles are ordered by the SHA-256 of `source:id` (a fixed pseudo-random order); batch `tune`
//! is the first [`TUNE_BASIL`] BASIL and [`TUNE_AEB`] benchmark articles of that order, batch
//! `fresh` the next ones.
//!
//! The labels file holds no text: per attribution the article, the SHA-256 of its text, the
//! quote's kind and offsets, the speaker mention's offsets, a hash of the speaker shown, and the
//! labels of
//! `../shared/docs/JUDGING.md` (`real`, `speaker_right`, `content_right`: 1, 0, or `-`).

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use rhetor_doc::{Article, Paragraph, ParagraphKind, Quote, QuoteKind};
use rhetor_quotes::scraped::sha256_hex;

/// BASIL articles in batch `tune`.
pub const TUNE_BASIL: usize = 10;
/// Benchmark pages in batch `tune`.
pub const TUNE_AEB: usize = 8;
/// Articles of each source in batch `fresh` (after `tune`).
pub const FRESH: usize = 40;
/// Articles of each source in batch `fresh2` (after `fresh`): labelled after the speaker rules
/// were fixed on `tune` and `fresh`, to measure them on articles nobody had read.
pub const FRESH2: usize = 25;
/// Articles of each source in batch `fresh3` (after `fresh2`): labelled after the rules of
/// 2026-11-30 02:30 UTC (suffixed names, two-word roles, document authors) were frozen.
pub const FRESH3: usize = 20;
/// Articles of each source in batch `fresh4` (after `fresh3`): labelled after the second and
/// third rule rounds, read on `fresh3`, were frozen (2026-11-30 03:05 UTC).
pub const FRESH4: usize = 15;
/// Articles of each source in batch `fresh5` (after `fresh4`): labelled after the fitted speaker
/// confidence (`rhetor_quotes::calibrate`, 2026-11-30 06:30 UTC) was frozen, for the final check.
pub const FRESH5: usize = 13;

/// One real article.
pub struct HandArticle {
    /// `basil` or `aeb`.
    pub source: String,
    pub id: String,
    pub article: Article,
    /// `tune`, `fresh`, `fresh2`, `fresh3`, `fresh4`, `fresh5` or `rest`.
    pub batch: String,
    /// Rank in its source's fixed order.
    pub rank: usize,
}

fn build(source: &str, id: &str, title: Option<&str>, paragraphs: &[String]) -> Article {
    let mut text = String::new();
    let mut paras = Vec::new();
    let mut line = 1;
    let mut push = |text: &mut String, p: &str, kind: ParagraphKind| {
        if !text.is_empty() {
            text.push_str("\n\n");
            line += 2;
        }
        let start = text.chars().count();
        text.push_str(p);
        paras.push(Paragraph {
            index: line,
            start,
            end: start + p.chars().count(),
            kind,
            reason: None,
        });
    };
    if let Some(t) = title {
        push(&mut text, t, ParagraphKind::Title);
    }
    for p in paragraphs {
        let p = p.trim();
        if !p.is_empty() && !p.contains('\n') {
            push(&mut text, p, ParagraphKind::Body);
        }
    }
    let mut a = Article::new(id, format!("{source}:{id}"), text);
    a.title = title.map(str::to_string);
    a.paragraphs = paras;
    a
}

/// All articles of both sources, with their batch (`tune`, `fresh`, `fresh2`, `fresh3`, `fresh4`,
/// `fresh5` or `rest`).
pub fn load(data: &Path) -> Result<Vec<HandArticle>> {
    let mut out = Vec::new();
    // BASIL
    let mut basil = Vec::new();
    let dir = data.join("basil/articles");
    for a in
        rhetor_eval::basil::read_articles(&dir).with_context(|| format!("{}", dir.display()))?
    {
        // Sentences trimmed and joined by a space, empty ones kept: the text the hand labels'
        // hashes were taken on.
        let paras: Vec<String> = a
            .paragraphs
            .iter()
            .map(|ss| ss.iter().map(|s| s.trim()).collect::<Vec<_>>().join(" "))
            .collect();
        basil.push((
            sha256_hex(&format!("basil:{}", a.stem)),
            a.stem,
            a.title,
            paras,
        ));
    }
    basil.sort();
    for (rank, (_, id, title, paras)) in basil.into_iter().enumerate() {
        let batch = batch_of(rank, TUNE_BASIL);
        out.push(HandArticle {
            article: build("basil", &id, title.as_deref(), &paras),
            source: "basil".into(),
            id,
            batch,
            rank,
        });
    }
    // The extraction benchmark's pages
    let gt = data.join("article-extraction-benchmark/ground-truth.json");
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&gt).with_context(|| format!("{}", gt.display()))?,
    )?;
    let mut aeb = Vec::new();
    if let Some(m) = v.as_object() {
        for (id, page) in m {
            let body = page["articleBody"].as_str().unwrap_or("");
            let paras: Vec<String> = body.split('\n').map(str::to_string).collect();
            aeb.push((sha256_hex(&format!("aeb:{id}")), id.clone(), paras));
        }
    }
    aeb.sort();
    for (rank, (_, id, paras)) in aeb.into_iter().enumerate() {
        let batch = batch_of(rank, TUNE_AEB);
        out.push(HandArticle {
            article: build("aeb", &id, None, &paras),
            source: "aeb".into(),
            id,
            batch,
            rank,
        });
    }
    Ok(out)
}

fn batch_of(rank: usize, tune: usize) -> String {
    if rank < tune {
        "tune".into()
    } else if rank < tune + FRESH {
        "fresh".into()
    } else if rank < tune + FRESH + FRESH2 {
        "fresh2".into()
    } else if rank < tune + FRESH + FRESH2 + FRESH3 {
        "fresh3".into()
    } else if rank < tune + FRESH + FRESH2 + FRESH3 + FRESH4 {
        "fresh4".into()
    } else if rank < tune + FRESH + FRESH2 + FRESH3 + FRESH4 + FRESH5 {
        "fresh5".into()
    } else {
        "rest".into()
    }
}

/// One labelled attribution.
#[derive(Debug, Clone)]
pub struct Label {
    pub source: String,
    pub id: String,
    pub sha256: String,
    pub batch: String,
    pub kind: String,
    pub start: usize,
    pub end: usize,
    pub speaker: Option<(usize, usize)>,
    /// First 12 hex digits of the SHA-256 of the resolved speaker (`-`: none): a label holds
    /// only while the same speaker is shown.
    pub speaker_hash: String,
    pub real: Option<bool>,
    pub speaker_right: Option<bool>,
    pub content_right: Option<bool>,
}

fn flag(s: &str) -> Result<Option<bool>> {
    Ok(match s {
        "1" => Some(true),
        "0" => Some(false),
        "-" => None,
        _ => bail!("bad label {s:?}"),
    })
}

/// Parse `tests/hand_labels.tsv`.
pub fn read_labels(src: &str) -> Result<Vec<Label>> {
    let mut out = Vec::new();
    for (n, line) in src.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 13 {
            bail!("hand labels line {}: {} fields", n + 1, f.len());
        }
        let num = |s: &str| {
            s.parse::<usize>()
                .with_context(|| format!("line {}", n + 1))
        };
        let speaker = match (f[7], f[8]) {
            ("-", _) | (_, "-") => None,
            (a, b) => Some((num(a)?, num(b)?)),
        };
        out.push(Label {
            source: f[0].into(),
            id: f[1].into(),
            sha256: f[2].into(),
            batch: f[3].into(),
            kind: f[4].into(),
            start: num(f[5])?,
            end: num(f[6])?,
            speaker,
            speaker_hash: f[9].into(),
            real: flag(f[10])?,
            speaker_right: flag(f[11])?,
            content_right: flag(f[12])?,
        });
    }
    Ok(out)
}

pub fn kind_name(k: QuoteKind) -> &'static str {
    match k {
        QuoteKind::Direct => "direct",
        QuoteKind::Indirect => "indirect",
        QuoteKind::Mixed => "mixed",
    }
}

/// The speaker column of a quote: first 12 hex digits of the SHA-256 of its speaker, `-` for none.
pub fn speaker_hash(q: &Quote) -> String {
    q.speaker
        .as_deref()
        .map_or("-".to_string(), |s| sha256_hex(s)[..12].to_string())
}

/// The label of a predicted quote: same kind, offsets, speaker mention and speaker.
pub fn label_of<'a>(labels: &'a [Label], q: &Quote) -> Option<&'a Label> {
    labels.iter().find(|l| {
        l.kind == kind_name(q.kind)
            && l.start == q.start
            && l.end == q.end
            && l.speaker == q.speaker_start.zip(q.speaker_end)
            && l.speaker_hash == speaker_hash(q)
    })
}

/// Counts for one group of shown attributions.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub shown: usize,
    pub labelled: usize,
    pub real: usize,
    pub speaker: usize,
    pub content: usize,
    /// Labelled with a content judgement (indirect and mixed).
    pub content_judged: usize,
}

impl Tally {
    pub fn add(&mut self, l: &Label) {
        self.labelled += 1;
        self.real += usize::from(l.real == Some(true));
        self.speaker += usize::from(l.speaker_right == Some(true));
        if l.content_right.is_some() {
            self.content_judged += 1;
            self.content += usize::from(l.content_right == Some(true));
        }
    }

    pub fn line(&self) -> String {
        let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
        format!(
            "shown {:4}, labelled {:4}: real {:5.1} % ({}/{}), speaker right {:5.1} % ({}/{}), content right {:5.1} % ({}/{})",
            self.shown,
            self.labelled,
            pct(self.real, self.labelled),
            self.real,
            self.labelled,
            pct(self.speaker, self.labelled),
            self.speaker,
            self.labelled,
            pct(self.content, self.content_judged),
            self.content,
            self.content_judged
        )
    }
}

/// Per (batch, kind group) tallies of the shown quotes of the labelled articles, annotated by
/// `annotate`. Fails when an article's text is not the one labelled.
pub fn score(
    articles: &mut [HandArticle],
    labels: &[Label],
    annotate: impl Fn(&mut Article),
) -> Result<HashMap<(String, &'static str), Tally>> {
    let mut out: HashMap<(String, &'static str), Tally> = HashMap::new();
    for h in articles.iter_mut() {
        let mine: Vec<Label> = labels
            .iter()
            .filter(|l| l.source == h.source && l.id == h.id)
            .cloned()
            .collect();
        let Some(first) = mine.first() else {
            continue;
        };
        let sha = sha256_hex(&h.article.text);
        if first.sha256 != sha {
            bail!(
                "{}:{}: text differs from the one labelled (sha256 {sha})",
                h.source,
                h.id
            );
        }
        annotate(&mut h.article);
        for q in h.article.quotes.iter().filter(|q| q.shown) {
            let group = if q.kind == QuoteKind::Direct {
                "direct"
            } else {
                "indirect+mixed"
            };
            let t = out.entry((first.batch.clone(), group)).or_default();
            t.shown += 1;
            if let Some(l) = label_of(&mine, q) {
                t.add(l);
            }
        }
    }
    Ok(out)
}
