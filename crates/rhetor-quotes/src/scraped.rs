//! Speaker gold for real scraped pages, stored without their text: per quote the page, the
//! SHA-256 of the article text extracted from it, the quote's code-point offsets and those of a
//! mention of the speaker's fullest name. Used by `examples/scraped_speakers.rs` and the test of
//! the same name.

use rhetor_doc::Article;
use sha2::{Digest, Sha256};

use crate::QuoteError;

/// One gold quote of a scraped page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldSpeaker {
    /// Page id (file stem in the benchmark's `html/`).
    pub page: String,
    /// SHA-256 (hex) of the extracted `Article::text`.
    pub sha256: String,
    pub start: usize,
    pub end: usize,
    /// The mention of the speaker's fullest name.
    pub speaker: (usize, usize),
    /// `tune` or `held`.
    pub split: String,
}

/// SHA-256 of a text, lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Parse the gold file: `#` comments, then `page sha256 start end speaker_start speaker_end split`
/// separated by tabs.
pub fn read_gold(src: &str) -> Result<Vec<GoldSpeaker>, QuoteError> {
    let mut out = Vec::new();
    for (n, line) in src.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || QuoteError::Model(format!("speaker gold line {}: {line:?}", n + 1));
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 7 {
            return Err(bad());
        }
        let num = |s: &str| s.parse::<usize>().map_err(|_| bad());
        out.push(GoldSpeaker {
            page: f[0].to_string(),
            sha256: f[1].to_string(),
            start: num(f[2])?,
            end: num(f[3])?,
            speaker: (num(f[4])?, num(f[5])?),
            split: f[6].to_string(),
        });
    }
    Ok(out)
}

/// Counts over gold quotes.
#[derive(Debug, Clone, Default)]
pub struct PageScore {
    pub pages: usize,
    pub gold: usize,
    /// Gold quotes with a predicted quote covering at least half of them.
    pub found: usize,
    /// Found quotes whose predicted speaker is the gold speaker.
    pub right: usize,
    /// One line per gold quote (offsets and verdict only).
    pub lines: Vec<String>,
}

impl PageScore {
    pub fn add(&mut self, o: &PageScore) {
        self.pages += o.pages;
        self.gold += o.gold;
        self.found += o.found;
        self.right += o.right;
    }

    pub fn summary(&self) -> String {
        let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
        format!(
            "{} pages, {} quotes: found {} ({:.1} %); speaker right {}/{} = {:.1} % of found, {:.1} % of all",
            self.pages,
            self.gold,
            self.found,
            pct(self.found, self.gold),
            self.right,
            self.found,
            pct(self.right, self.found),
            pct(self.right, self.gold)
        )
    }
}

fn norm(w: &str) -> String {
    let w = w.trim_matches(|c: char| !c.is_alphanumeric());
    let w = w
        .strip_suffix("'s")
        .or_else(|| w.strip_suffix("’s"))
        .unwrap_or(w);
    w.to_lowercase()
}

/// Score an annotated article against its gold quotes (all of the same page). The speaker is
/// right when the last word of the gold name is a word of the predicted `speaker`. Fails when the
/// text is not the one annotated (hash differs).
pub fn score_page(article: &Article, gold: &[GoldSpeaker]) -> Result<PageScore, QuoteError> {
    let mut s = PageScore {
        pages: 1,
        ..PageScore::default()
    };
    let hash = sha256_hex(&article.text);
    let chars: Vec<char> = article.text.chars().collect();
    for g in gold {
        if g.sha256 != hash {
            return Err(QuoteError::Model(format!(
                "page {}: extracted text differs from the annotated one (sha256 {hash})",
                g.page
            )));
        }
        s.gold += 1;
        let name: String = chars[g.speaker.0.min(chars.len())..g.speaker.1.min(chars.len())]
            .iter()
            .collect();
        let last = name.split_whitespace().last().map(norm).unwrap_or_default();
        let glen = g.end.saturating_sub(g.start).max(1);
        let pred = article
            .quotes
            .iter()
            .map(|q| (q, q.end.min(g.end).saturating_sub(q.start.max(g.start))))
            .filter(|(_, o)| 2 * o >= glen)
            .max_by_key(|(_, o)| *o)
            .map(|(q, _)| q);
        let verdict = match pred {
            None => "missed",
            Some(q) => {
                s.found += 1;
                let ok = q
                    .speaker
                    .as_deref()
                    .is_some_and(|sp| sp.split_whitespace().any(|w| norm(w) == last));
                if ok {
                    s.right += 1;
                    "right"
                } else {
                    "wrong"
                }
            }
        };
        s.lines.push(format!(
            "{}..{}\tgold {}..{}\tpred {:?}..{:?}\t{verdict}",
            g.start,
            g.end,
            g.speaker.0,
            g.speaker.1,
            pred.and_then(|q| q.speaker_start),
            pred.and_then(|q| q.speaker_end)
        ));
    }
    Ok(s)
}
