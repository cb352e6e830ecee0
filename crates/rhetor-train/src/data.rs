//! Training items from SemEval articles: one item per encoder window of a labelled paragraph,
//! with the paragraph's techniques (multi-hot) and per-token B/I/O tags for the spans.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rhetor_eval::semeval::SemevalArticle;
use rhetor_models::trained::spans_to_bio;
use rhetor_models::TextTokenizer;

use crate::Result;
use rhetor_analyzers::techniques::{MAX_LEN, STRIDE};

/// One encoder window of a labelled paragraph.
#[derive(Debug, Clone)]
pub struct Item {
    /// Article id.
    pub article: String,
    /// Ids with `[CLS]`/`[SEP]`.
    pub ids: Vec<u32>,
    /// Multi-hot techniques of the paragraph.
    pub labels: Vec<f32>,
    /// B/I/O tags, `ids.len() * n_labels`, token-major; `[CLS]`/`[SEP]` are O.
    pub tags: Vec<u32>,
}

/// Labelled paragraphs of an article as `(index, start, end)` in code points, in text order.
pub fn labelled_paragraphs(a: &SemevalArticle) -> Vec<(usize, usize, usize)> {
    let Some(labels) = &a.paragraph_labels else {
        return vec![];
    };
    rhetor_text::paragraphs(&a.text)
        .into_iter()
        .filter(|p| labels.contains_key(&p.index))
        .map(|p| (p.index, p.start, p.end))
        .collect()
}

/// Items of the articles (those with subtask-3 labels), techniques in `labels` order.
pub fn build_items(
    articles: &[&SemevalArticle],
    tok: &TextTokenizer,
    labels: &[&str],
) -> Result<Vec<Item>> {
    let n = labels.len();
    let mut out = vec![];
    for a in articles {
        let Some(par_labels) = &a.paragraph_labels else {
            continue;
        };
        let chars: Vec<char> = a.text.chars().collect();
        let spans = a.spans.clone().unwrap_or_default();
        for (index, start, end) in labelled_paragraphs(a) {
            let mut multi = vec![0f32; n];
            for l in par_labels.get(&index).into_iter().flatten() {
                let l = rhetor_doc::taxonomy::technique(l)
                    .map(|t| t.label)
                    .unwrap_or(l);
                if let Some(i) = labels.iter().position(|x| *x == l) {
                    multi[i] = 1.0;
                }
            }
            let slice: String = chars.get(start..end).unwrap_or_default().iter().collect();
            let tokens = tok.tokens(&slice)?;
            let local: Vec<(usize, usize, usize)> = spans
                .iter()
                .filter(|s| s.start < end && s.end > start)
                .filter_map(|s| {
                    let t = rhetor_doc::taxonomy::technique(&s.technique)
                        .map(|t| t.label)
                        .unwrap_or(&s.technique);
                    let li = labels.iter().position(|x| *x == t)?;
                    Some((li, s.start.max(start) - start, s.end.min(end) - start))
                })
                .collect();
            let tags = spans_to_bio(&tokens.offsets, &local, n)?;
            for w in tok.windows(&tokens, MAX_LEN, STRIDE)? {
                let mut wt = vec![0u32; w.ids.len() * n];
                for t in w.start..w.end {
                    let row = t - w.start + 1;
                    if let (Some(dst), Some(src)) = (
                        wt.get_mut(row * n..(row + 1) * n),
                        tags.get(t * n..(t + 1) * n),
                    ) {
                        dst.copy_from_slice(src);
                    }
                }
                out.push(Item {
                    article: a.id.clone(),
                    ids: w.ids,
                    labels: multi.clone(),
                    tags: wt,
                });
            }
        }
    }
    Ok(out)
}

/// Fold of each article id (sorted ids shuffled with `seed`, dealt round-robin into `k` folds).
pub fn assign_folds(
    ids: &[String],
    k: usize,
    seed: u64,
) -> std::collections::BTreeMap<String, usize> {
    let mut sorted: Vec<&String> = ids.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    sorted.shuffle(&mut rng);
    sorted
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), i % k.max(1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_balanced_and_deterministic() {
        let ids: Vec<String> = (0..10).map(|i| format!("a{i}")).collect();
        let f1 = assign_folds(&ids, 3, 7);
        let f2 = assign_folds(&ids, 3, 7);
        assert_eq!(f1, f2);
        let mut counts = [0; 3];
        for f in f1.values() {
            counts[*f] += 1;
        }
        assert_eq!(counts.iter().sum::<usize>(), 10);
        assert!(counts.iter().all(|&c| (3..=4).contains(&c)));
    }
}
