//! The filter's features of a candidate attribution, and the rows the training example reads.

use super::*;

pub(crate) fn bucket(n: usize) -> &'static str {
    match n {
        0..=2 => "2",
        3..=4 => "4",
        5..=8 => "8",
        9..=16 => "16",
        17..=32 => "32",
        _ => "more",
    }
}

/// Features of an indirect/mixed candidate for the attribution filter: the cue (words, model
/// probability), the content (length, first and last words, side of the cue, quoted or not), the
/// speaker mention (kind) and the sentence.
pub(crate) fn candidate_features(
    d: &Doc,
    c: (usize, usize),
    content: (usize, usize),
    source: Option<(usize, usize)>,
    sentence: (usize, usize),
    p: f32,
) -> Vec<String> {
    let (a, b) = content;
    let cue: Vec<&str> = d.toks[c.0..c.1].iter().map(|t| t.lower.as_str()).collect();
    let cue = cue.join(" ");
    let last = d.toks[c.1 - 1].lower.as_str();
    let words = d.toks[a..b].iter().filter(|t| t.is_word).count();
    let side = if a >= c.1 { "after" } else { "before" };
    let src = match source {
        None => "none",
        Some((x, y)) => match mention_kind(&d.toks[x..y]).0 {
            MentionKind::Name => "name",
            MentionKind::Pronoun => "pronoun",
            MentionKind::Description => "desc",
        },
    };
    let at = |i: usize| d.toks.get(i).map_or("</s>", |t| t.lower.as_str());
    let before = if c.0 > sentence.0 { at(c.0 - 1) } else { "<s>" };
    let mut f = vec![
        format!("cue={cue}"),
        format!("cl={last}"),
        format!("p={}", (p * 10.0) as u32),
        format!("side={side}"),
        format!("len={}", bucket(words)),
        format!("src={src}"),
        format!("f={}", at(a)),
        format!("l={}", at(b - 1)),
        format!("prev={before}"),
        format!("next={}", at(c.1)),
        format!("cl|side={last}|{side}"),
        format!("cl|src={last}|{src}"),
        format!("cl|len={last}|{}", bucket(words)),
        format!("side|src={side}|{src}"),
        format!("slen={}", bucket(sentence.1 - sentence.0)),
    ];
    if d.inq[a..b].iter().any(|&q| q) {
        f.push("quoted".into());
    }
    if a > sentence.0 && at(a - 1) == "that" {
        f.push("that".into());
    }
    if a == sentence.0 {
        f.push("from_start".into());
    }
    if b + 1 >= sentence.1 {
        f.push("to_end".into());
    }
    let stop = if b < sentence.1 { at(b) } else { "</s>" };
    f.push(format!("stop={stop}"));
    f.push(format!("cl|stop={last}|{stop}"));
    f
}

/// Training rows for the cue model from one article: per sentence its tokens, whether each lies
/// inside quotation marks, and whether each overlaps one of `cue_spans` (code points), tokenised
/// exactly as [`QuoteAnalyzer::annotate`] sees them.
pub fn training_sentences(
    article: &Article,
    cue_spans: &[(usize, usize)],
) -> Vec<(Vec<Tok>, Vec<bool>, Vec<bool>)> {
    let d = Doc::new(article, None, None);
    d.sents
        .iter()
        .map(|&(a, b)| {
            let toks = d.toks[a..b].to_vec();
            let gold = toks
                .iter()
                .map(|t| cue_spans.iter().any(|&(s, e)| t.start < e && s < t.end))
                .collect();
            (toks, d.inq[a..b].to_vec(), gold)
        })
        .collect()
}

/// Training rows for a cue model with dense weights: per token its sparse features
/// ([`cue::features`]), its dense vector under `layout` ([`dense::CUE_LAYOUT`]…; empty where the
/// token has no state), and whether it overlaps one of `cue_spans`, tokenised exactly as
/// [`QuoteAnalyzer::annotate_with_states`] sees them.
pub fn training_rows(
    article: &Article,
    cue_spans: &[(usize, usize)],
    states: EncoderStates,
    layout: &str,
) -> Vec<(Vec<String>, Vec<f32>, bool)> {
    let d = Doc::new(article, None, Some(&states));
    let mut rows = Vec::with_capacity(d.toks.len());
    for &(a, b) in &d.sents {
        for i in a..b {
            let t = &d.toks[i];
            let x = d
                .words
                .as_ref()
                .and_then(|ws| ws.cue_vector(layout, (a, b), i))
                .unwrap_or_default();
            let gold = cue_spans.iter().any(|&(s, e)| t.start < e && s < t.end);
            rows.push((cue::features(&d.toks[a..b], &d.inq[a..b], i - a), x, gold));
        }
    }
    rows
}
