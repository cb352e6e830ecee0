//! Search over a store: full text (BM25), semantic (nearest vectors of the query's embedding),
//! or hybrid (the default): both rankings fused by reciprocal rank fusion, which needs no score
//! calibration between BM25 and cosine.

use serde::{Deserialize, Serialize};

use crate::store::{ArticleRow, Filter, Store};
use crate::Result;

/// How to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Text,
    Semantic,
    #[default]
    Hybrid,
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub key: String,
    pub id: String,
    pub source: String,
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub score: f32,
    pub snippet: String,
}

/// The constant of reciprocal rank fusion (Cormack et al. 2009).
const RRF_K: f32 = 60.0;

/// Runs a search. `query_vector` is the query's embedding (needed for semantic and hybrid).
pub fn search<S: Store + ?Sized>(
    store: &mut S,
    query: &str,
    query_vector: Option<&[f32]>,
    mode: Mode,
    filter: &Filter,
    limit: usize,
) -> Result<Vec<Hit>> {
    // Fusion needs both rankings deeper than the page; text alone is already in its final
    // order, so it asks for the page only (each extra hit costs a snippet).
    let depth = match mode {
        Mode::Text => limit,
        _ => (limit * 4).max(50),
    };
    let text = match mode {
        Mode::Semantic => Vec::new(),
        _ => store.text_search(query, filter, depth)?,
    };
    let semantic = match (mode, query_vector) {
        (Mode::Text, _) | (_, None) => Vec::new(),
        (_, Some(v)) => store.nearest(v, filter, depth)?,
    };
    let mut scores: Vec<(String, f32, String)> = Vec::new();
    let mut add = |key: &str, s: f32, snippet: Option<&str>| {
        if let Some(e) = scores.iter_mut().find(|e| e.0 == key) {
            e.1 += s;
            if e.2.is_empty() {
                e.2 = snippet.unwrap_or("").to_string();
            }
        } else {
            scores.push((key.to_string(), s, snippet.unwrap_or("").to_string()));
        }
    };
    match mode {
        Mode::Text => text
            .iter()
            .for_each(|h| add(&h.key, h.score, Some(&h.snippet))),
        Mode::Semantic => semantic.iter().for_each(|(k, s)| add(k, *s, None)),
        Mode::Hybrid => {
            for (r, h) in text.iter().enumerate() {
                add(&h.key, 1.0 / (RRF_K + r as f32 + 1.0), Some(&h.snippet));
            }
            for (r, (k, _)) in semantic.iter().enumerate() {
                add(k, 1.0 / (RRF_K + r as f32 + 1.0), None);
            }
        }
    }
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    scores.truncate(limit);
    let mut hits = Vec::with_capacity(scores.len());
    for (key, score, snippet) in scores {
        let Some((row, article)) = store.article(&key)? else {
            continue;
        };
        let snippet = if snippet.is_empty() {
            lead(&crate::sqlite::body_text(&article), 200)
        } else {
            snippet
        };
        hits.push(hit(row, score, snippet));
    }
    Ok(hits)
}

fn hit(row: ArticleRow, score: f32, snippet: String) -> Hit {
    Hit {
        key: row.key,
        id: row.id,
        source: row.source,
        title: row.title,
        outlet: row.outlet,
        published: row.published,
        score,
        snippet,
    }
}

/// The first `n` characters, cut at a word boundary.
pub fn lead(text: &str, n: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= n {
        return flat;
    }
    let cut: String = flat.chars().take(n).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => format!("{cut}…"),
    }
}
