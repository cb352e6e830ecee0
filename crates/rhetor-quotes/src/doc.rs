//! The article prepared for the rules: tokens, sentences, paragraphs, quotation marks and cue
//! probabilities, plus the attributions found so far.

use super::*;

/// The article prepared for the rules: tokens of every sentence of the kept paragraphs.
pub(crate) struct Doc {
    pub(crate) chars: Vec<char>,
    pub(crate) toks: Vec<Tok>,
    /// Sentence index of each token.
    pub(crate) sent: Vec<usize>,
    /// Paragraph index of each token.
    pub(crate) para: Vec<usize>,
    /// Whether each token is inside quotation marks (marks included).
    pub(crate) inq: Vec<bool>,
    /// Cue probability of each token.
    pub(crate) prob: Vec<f32>,
    /// Token range of each sentence.
    pub(crate) sents: Vec<(usize, usize)>,
    pub(crate) paras: Vec<(usize, usize)>,
    /// Whether each kept paragraph is the headline (never a quote of someone else).
    pub(crate) title_para: Vec<bool>,
    /// Words the article writes in lower case somewhere ("the", "stop", "clearly"): capitalised
    /// at a sentence start they are no name.
    pub(crate) lower_words: std::collections::HashSet<String>,
    pub(crate) quotes: Vec<Quoted>,
    pub(crate) names: Names,
    /// Encoder states per token (when the caller gave them).
    pub(crate) words: Option<dense::WordStates>,
}

impl Doc {
    pub(crate) fn new(
        article: &Article,
        model: Option<&CueModel>,
        states: Option<&EncoderStates>,
    ) -> Self {
        let text = &article.text;
        let chars: Vec<char> = text.chars().collect();
        let computed;
        let paragraphs = if article.paragraphs.is_empty() {
            computed = rhetor_text::paragraphs(text);
            &computed
        } else {
            &article.paragraphs
        };
        let kept: Vec<rhetor_doc::Paragraph> = paragraphs
            .iter()
            .filter(|p| p.kind != ParagraphKind::Debris)
            .cloned()
            .collect();
        let paras: Vec<(usize, usize)> = kept
            .iter()
            .map(|p| (p.start.min(chars.len()), p.end.min(chars.len())))
            .collect();
        // The headline: a title paragraph, or a paragraph that is the article's title.
        let title = article
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let title_para: Vec<bool> = kept
            .iter()
            .map(|p| {
                p.kind == ParagraphKind::Title
                    || title.is_some_and(|t| {
                        let s: String = chars[p.start.min(chars.len())..p.end.min(chars.len())]
                            .iter()
                            .collect();
                        s.trim() == t
                    })
            })
            .collect();
        let sentence_spans: Vec<(usize, usize)> = if article.sentences.is_empty() {
            rhetor_text::sentences(text, &kept)
                .iter()
                .map(|s| (s.start, s.end))
                .collect()
        } else {
            article
                .sentences
                .iter()
                .filter(|s| paras.iter().any(|&(a, b)| s.start >= a && s.end <= b))
                .map(|s| (s.start, s.end))
                .collect()
        };
        let quotes = find_quotes(&chars, &paras);
        let mut d = Doc {
            chars,
            toks: Vec::new(),
            sent: Vec::new(),
            para: Vec::new(),
            inq: Vec::new(),
            prob: Vec::new(),
            sents: Vec::new(),
            paras,
            title_para,
            lower_words: Default::default(),
            quotes,
            names: Names::default(),
            words: None,
        };
        let mut qi = 0;
        for (si, &(s, e)) in sentence_spans.iter().enumerate() {
            let toks = tokenize(&d.chars, s, e);
            let first = d.toks.len();
            let pi = d
                .paras
                .iter()
                .position(|&(a, b)| s >= a && s < b)
                .unwrap_or(0);
            for t in &toks {
                while qi < d.quotes.len() && d.quotes[qi].end <= t.start {
                    qi += 1;
                }
                let inside = d.quotes[qi..]
                    .iter()
                    .take_while(|q| q.start <= t.start)
                    .any(|q| t.start >= q.start && t.end <= q.end);
                d.inq.push(inside);
                d.sent.push(si);
                d.para.push(pi);
            }
            d.toks.extend(toks);
            d.sents.push((first, d.toks.len()));
        }
        d.lower_words = d
            .toks
            .iter()
            .filter(|t| t.is_word && !t.is_cap())
            .map(|t| t.lower.clone())
            .collect();
        d.prob = vec![0.0; d.toks.len()];
        d.words = states.and_then(|s| dense::WordStates::build(&d.toks, s));
        if let Some(model) = model {
            let layout = model.dense().map(|w| w.layout.as_str());
            for &(a, b) in &d.sents {
                for i in a..b {
                    let x = match (layout, &d.words) {
                        (Some(l), Some(ws)) => ws.cue_vector(l, (a, b), i),
                        _ => None,
                    };
                    d.prob[i] = model.prob_with(&d.toks[a..b], &d.inq[a..b], i - a, x.as_deref());
                }
            }
        }
        // Names from the body only: a Title Case headline ("White House Asked Bill Clinton to
        // Urge Sestak") runs words into false names.
        let mut body_toks = d.toks.clone();
        for (t, &p) in body_toks.iter_mut().zip(&d.para) {
            if d.title_para.get(p).copied().unwrap_or(false) {
                t.is_word = false;
            }
        }
        d.names = Names::build(&body_toks);
        d
    }

    /// Token range `[a, b)` covering the code points `start..end`.
    pub(crate) fn tok_range(&self, start: usize, end: usize) -> (usize, usize) {
        let a = self.toks.partition_point(|t| t.start < start);
        let b = self.toks.partition_point(|t| t.end <= end);
        (a, b.max(a))
    }

    pub(crate) fn is_punct(&self, i: usize, set: &[&str]) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| !t.is_word && set.contains(&t.text.as_str()))
    }

    /// A sentence-ending mark (not the period of "(D-Mo.)").
    pub(crate) fn sentence_end(&self, i: usize) -> bool {
        self.is_punct(i, &[".", "!", "?"]) && !self.is_punct(i + 1, &[")"])
    }
}

/// One attribution found, before speakers are resolved.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: QuoteKind,
    /// Cue token range.
    pub(crate) cue: Option<(usize, usize)>,
    /// Speaker mention token range.
    pub(crate) source: Option<(usize, usize)>,
    /// A speaker inherited from an earlier attribution (no mention of its own).
    pub(crate) inherited: Option<usize>,
    pub(crate) score: f32,
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) found: Vec<Found>,
    /// Indirect/mixed candidates with their filter features (for training the filter).
    pub(crate) candidates: Vec<Candidate>,
    /// Give the candidates their dense vectors.
    pub(crate) dense_candidates: bool,
    /// Cue tokens already used.
    pub(crate) used: Vec<(usize, usize)>,
}
