//! Stories: articles about the same event, across outlets, grouped as they arrive.
//!
//! # Interface
//! The caller (the corpus store) embeds each article once ([`embed_for_story`], or its own
//! encoder run over [`story_text`]) and hands the index a [`StoryInput`] in arrival order;
//! [`StoryIndex::assign`] answers with an [`Assignment`] (the story, whether it is new, and why).
//! The index is plain serde-serialisable state: persist it next to the articles and load it back
//! to keep adding. Nothing is recomputed from scratch: one assignment touches only the stories in
//! its time window and updates one story's running sums.
//!
//! # Algorithm (and why each signal)
//! * **Embedding of title + lead** ([`story_text`]): stock all-MiniLM-L6-v2, normalised. Headline
//!   and lead state the event; two outlets' wordings of one event land close together. On its own
//!   it also puts two earthquakes, or two court rulings, close together: it knows the topic better
//!   than the particulars.
//! * **Shared specific features** ([`features::extract`]): capitalised names (people, places,
//!   organisations; each word and the whole name), numbers and month-day dates from the title and
//!   lead. Each is weighted by an IDF from the running collection (`ln(1 + N/df)`, updated as
//!   articles arrive), so "Nepal", "7.8" or "Michael Steele" weigh a lot and "President" or
//!   "Trump" during an election little; lower-case topic words ("earthquake", "tariffs") are not
//!   features at all. The article's IDF-weighted feature set is compared with the story's
//!   (each feature weighted by the share of members that carry it, so one odd member does not
//!   define the story) by cosine. This is what keeps look-alike events apart and pulls together
//!   an outlet's differently-worded piece on the same event.
//! * **Time window**: only stories whose span `[first − w, last + w]` contains the article's
//!   `published` time (falling back to `added_at`) are candidates. Events that repeat (a yearly
//!   summit, a second earthquake) are separated by dates far apart, and the window bounds the work
//!   per assignment.
//! * **Score** = embedding cosine with the story's centroid + `entity_weight` × feature cosine;
//!   the best candidate is joined when the score reaches `threshold`, else the article opens a new
//!   story. One pass in arrival order, like a newsroom desk: an article never moves later.
//! * **Label**: the headline closest to the story centroid among the first `max_exemplars`
//!   members (the most central headline), so it is a real headline, not a made-up one.
//!
//! Defaults were chosen by cross-validation on development sets (see the crate README and the
//! `basil_stories` example).

pub mod bcubed;
pub mod embed;
pub mod features;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use bcubed::{bcubed, BCubed};
pub use embed::{embed_for_stories, embed_for_story, story_text, EMBED_LEAD_CHARS};
use features::FeatureKind;

/// Errors from the story index.
#[derive(Debug, thiserror::Error)]
pub enum StoryError {
    /// The embedding is empty or not finite.
    #[error("article {key}: the embedding is empty or has non-finite values")]
    BadEmbedding {
        /// The article's key.
        key: String,
    },
    /// The embedding's width differs from the index's.
    #[error("article {key}: embedding has {got} dimensions, the index uses {expected}")]
    DimensionMismatch {
        /// The article's key.
        key: String,
        /// The index's width.
        expected: usize,
        /// The input's width.
        got: usize,
    },
    /// The encoder returned nothing.
    #[error("the encoder returned no embedding")]
    EmptyEmbedding,
    /// The encoder failed.
    #[error(transparent)]
    Embed(#[from] rhetor_models::EmbedError),
}

/// One article as the story index sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryInput {
    /// The store's stable key for the article (kept as the story's member).
    pub key: String,
    /// Headline (may be empty).
    pub title: String,
    /// Body text (the whole text is fine; only its first `lead_chars` are read).
    pub text: String,
    /// Outlet name, if known.
    pub outlet: Option<String>,
    /// Publication time, if known.
    pub published: Option<DateTime<Utc>>,
    /// When the article was added: the time used when `published` is missing.
    pub added_at: DateTime<Utc>,
    /// Embedding of [`story_text`]`(title, text)` by the stock encoder (normalised here anyway).
    pub embedding: Vec<f32>,
}

impl StoryInput {
    /// The time the index files the article under: `published`, else `added_at`.
    pub fn time(&self) -> DateTime<Utc> {
        self.published.unwrap_or(self.added_at)
    }
}

/// Tuning of the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryConfig {
    /// Half-width of the time window in days around a story's first and last article.
    pub window_days: f64,
    /// Minimum score (embedding cosine + `entity_weight` × feature cosine) to join a story.
    pub threshold: f32,
    /// Weight of the shared-feature cosine.
    pub entity_weight: f32,
    /// Characters of body text read for features (after the title); 0 = all.
    pub lead_chars: usize,
    /// Headlines (and embeddings) kept per story to choose its label from.
    pub max_exemplars: usize,
    /// Bonus for closeness in time, `time_weight × (1 − gap / window)`, given only when the
    /// article has a real `published` time (an `added_at` fallback says nothing about the event).
    #[serde(default)]
    pub time_weight: f32,
}

impl Default for StoryConfig {
    fn default() -> Self {
        Self {
            window_days: 3.0,
            threshold: 0.675,
            entity_weight: 0.35,
            lead_chars: 1500,
            max_exemplars: 8,
            time_weight: 0.0,
        }
    }
}

/// Where an article went and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// The story's id (stable; ids are never reused).
    pub story_id: u64,
    /// Whether the article opened the story.
    pub new_story: bool,
    /// The winning score (for a new story: the best candidate's score, or 0 with none).
    pub score: f32,
    /// Plain-language reasons, for the user.
    pub reasons: Vec<String>,
}

/// A headline kept for choosing the label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Exemplar {
    key: String,
    title: String,
    embedding: Vec<f32>,
}

/// One story: running sums over its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    /// Stable id.
    pub id: u64,
    /// The most central headline among the first members.
    pub label: String,
    /// Earliest member time (`published`, else `added_at`).
    pub first_published: DateTime<Utc>,
    /// Latest member time.
    pub last_published: DateTime<Utc>,
    /// Member keys in arrival order.
    pub members: Vec<String>,
    /// Articles per outlet.
    pub outlets: BTreeMap<String, u32>,
    /// Sum of member embeddings (its direction is the centroid).
    centroid: Vec<f32>,
    /// Feature id -> number of members carrying it.
    features: HashMap<u32, u32>,
    /// Norm of the story's feature vector at its last update.
    feature_norm: f32,
    exemplars: Vec<Exemplar>,
}

impl Story {
    /// Number of member articles.
    pub fn size(&self) -> usize {
        self.members.len()
    }
}

/// A story as shown to users: label, span, outlets, top shared features and reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorySummary {
    /// Story id.
    pub id: u64,
    /// Label.
    pub label: String,
    /// Earliest member time.
    pub first_published: DateTime<Utc>,
    /// Latest member time.
    pub last_published: DateTime<Utc>,
    /// Member count.
    pub size: usize,
    /// Outlets, most articles first.
    pub outlets: Vec<String>,
    /// The names, numbers and dates most members share, most telling first.
    pub top_features: Vec<String>,
    /// Why the members belong together.
    pub reasons: Vec<String>,
}

/// The incremental story index. Serialise it to persist it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoryIndex {
    config: StoryConfig,
    dim: Option<usize>,
    vocab: HashMap<String, u32>,
    /// First-seen surface form per feature id.
    surface: Vec<String>,
    /// Kind per feature id (the key's prefix character).
    kinds: Vec<char>,
    /// Document frequency per feature id.
    df: Vec<u32>,
    n_docs: u64,
    stories: Vec<Story>,
    /// (last time in seconds, story id): the candidates of a time window are a range of it.
    by_last: BTreeSet<(i64, u64)>,
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f32]) -> f32 {
    dot(a, a).sqrt()
}

/// Per-candidate scoring detail, kept for the reasons.
struct Scored {
    story: usize,
    score: f32,
    cosine: f32,
    feature_cosine: f32,
}

impl StoryIndex {
    /// An empty index with the given tuning.
    pub fn new(config: StoryConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// The tuning.
    pub fn config(&self) -> &StoryConfig {
        &self.config
    }

    /// All stories, by id.
    pub fn stories(&self) -> &[Story] {
        &self.stories
    }

    /// One story.
    pub fn story(&self, id: u64) -> Option<&Story> {
        usize::try_from(id).ok().and_then(|i| self.stories.get(i))
    }

    /// Articles assigned so far.
    pub fn articles(&self) -> u64 {
        self.n_docs
    }

    fn idf(&self, f: u32) -> f32 {
        let df = self.df.get(f as usize).copied().unwrap_or(0).max(1) as f32;
        (1.0 + self.n_docs as f32 / df).ln()
    }

    fn feature_id(&mut self, key: &str, surface: &str) -> u32 {
        if let Some(&id) = self.vocab.get(key) {
            return id;
        }
        let id = self.surface.len() as u32;
        self.vocab.insert(key.to_string(), id);
        self.surface.push(surface.to_string());
        self.kinds.push(key.chars().next().unwrap_or('?'));
        self.df.push(0);
        id
    }

    fn story_feature_norm(&self, s: &Story) -> f32 {
        let n = s.members.len().max(1) as f32;
        s.features
            .iter()
            .map(|(&f, &c)| {
                let w = self.idf(f) * c as f32 / n;
                w * w
            })
            .sum::<f32>()
            .sqrt()
    }

    /// Assigns one article to a story (an existing one in its time window, or a new one) and
    /// updates that story. Articles should come in arrival order; a late, older article is fine
    /// (the window is checked against each story's whole span).
    pub fn assign(&mut self, input: &StoryInput) -> Result<Assignment, StoryError> {
        let feats = features::extract(&input.title, &input.text, self.config.lead_chars);
        self.assign_with_features(input, &feats)
    }

    /// [`assign`](Self::assign) with the article's features already extracted (by
    /// [`features::extract`] with this index's `lead_chars`), for callers that keep them.
    pub fn assign_with_features(
        &mut self,
        input: &StoryInput,
        feats: &[features::Feature],
    ) -> Result<Assignment, StoryError> {
        let n = norm(&input.embedding);
        if input.embedding.is_empty() || !n.is_finite() || n == 0.0 {
            return Err(StoryError::BadEmbedding {
                key: input.key.clone(),
            });
        }
        if let Some(d) = self.dim {
            if d != input.embedding.len() {
                return Err(StoryError::DimensionMismatch {
                    key: input.key.clone(),
                    expected: d,
                    got: input.embedding.len(),
                });
            }
        }
        self.dim = Some(input.embedding.len());
        let e: Vec<f32> = input.embedding.iter().map(|x| x / n).collect();

        // Features: counted in the collection before scoring, so the article's own features have
        // a defined IDF and the weights reflect everything seen so far.
        let mut ids: Vec<u32> = feats
            .iter()
            .map(|f| self.feature_id(&f.key, &f.surface))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        self.n_docs += 1;
        for &f in &ids {
            if let Some(d) = self.df.get_mut(f as usize) {
                *d += 1;
            }
        }
        let weights: Vec<(u32, f32)> = ids.iter().map(|&f| (f, self.idf(f))).collect();
        let a_norm = weights.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();

        let t = input.time();
        let ts = t.timestamp();
        let w_secs = (self.config.window_days * 86_400.0) as i64;
        let mut best: Option<Scored> = None;
        let lo = (ts.saturating_sub(w_secs), 0u64);
        for &(_, sid) in self.by_last.range(lo..) {
            let Some(s) = usize::try_from(sid).ok().and_then(|i| self.stories.get(i)) else {
                continue;
            };
            if s.first_published.timestamp() > ts.saturating_add(w_secs) {
                continue;
            }
            let c_norm = norm(&s.centroid);
            let cosine = if c_norm > 0.0 {
                dot(&e, &s.centroid) / c_norm
            } else {
                0.0
            };
            let mut bonus = 0.0;
            if input.published.is_some() && self.config.time_weight != 0.0 && w_secs > 0 {
                let gap = if ts < s.first_published.timestamp() {
                    s.first_published.timestamp() - ts
                } else {
                    ts.saturating_sub(s.last_published.timestamp()).max(0)
                };
                let close = 1.0 - (gap as f32 / w_secs as f32).min(1.0);
                bonus = self.config.time_weight * close;
            }
            // The feature cosine is at most 1: a candidate that cannot reach the threshold even
            // so, or cannot beat the best so far, is not worth the feature lookups.
            let upper = cosine + bonus + self.config.entity_weight.max(0.0);
            if upper < self.config.threshold || best.as_ref().is_some_and(|b| upper <= b.score) {
                let lower = cosine + bonus;
                if best.as_ref().is_none_or(|b| lower > b.score) {
                    best = Some(Scored {
                        story: sid as usize,
                        score: lower,
                        cosine,
                        feature_cosine: 0.0,
                    });
                }
                continue;
            }
            let size = s.members.len().max(1) as f32;
            let mut num = 0.0;
            for &(f, w) in &weights {
                if let Some(&c) = s.features.get(&f) {
                    num += w * w * c as f32 / size;
                }
            }
            let feature_cosine = if a_norm > 0.0 && s.feature_norm > 0.0 {
                (num / (a_norm * s.feature_norm)).min(1.0)
            } else {
                0.0
            };
            let score = cosine + self.config.entity_weight * feature_cosine + bonus;
            if best.as_ref().is_none_or(|b| score > b.score) {
                best = Some(Scored {
                    story: sid as usize,
                    score,
                    cosine,
                    feature_cosine,
                });
            }
        }

        let window = self.config.window_days;
        match best {
            Some(b) if b.score >= self.config.threshold => {
                let reasons = self.join_reasons(&b, t, &weights);
                let sid = b.story;
                self.add_member(sid, input, e, &ids);
                Ok(Assignment {
                    story_id: sid as u64,
                    new_story: false,
                    score: b.score,
                    reasons,
                })
            }
            other => {
                let reasons = vec![match &other {
                    None => format!("no story within {window} days of {}", t.date_naive()),
                    Some(b) => format!(
                        "no story within {window} days reached the threshold {:.2} (closest {:.2}: “{}”)",
                        self.config.threshold, b.score, self.stories[b.story].label
                    ),
                }];
                let score = other.map_or(0.0, |b| b.score);
                let sid = self.stories.len();
                self.stories.push(Story {
                    id: sid as u64,
                    label: String::new(),
                    first_published: t,
                    last_published: t,
                    members: Vec::new(),
                    outlets: BTreeMap::new(),
                    centroid: vec![0.0; e.len()],
                    features: HashMap::new(),
                    feature_norm: 0.0,
                    exemplars: Vec::new(),
                });
                self.by_last.insert((ts, sid as u64));
                self.add_member(sid, input, e, &ids);
                Ok(Assignment {
                    story_id: sid as u64,
                    new_story: true,
                    score,
                    reasons,
                })
            }
        }
    }

    fn join_reasons(&self, b: &Scored, t: DateTime<Utc>, weights: &[(u32, f32)]) -> Vec<String> {
        let s = &self.stories[b.story];
        let size = s.members.len().max(1) as f32;
        let mut shared: Vec<(u32, f32)> = weights
            .iter()
            .filter_map(|&(f, w)| s.features.get(&f).map(|&c| (f, w * w * c as f32 / size)))
            .collect();
        let mut reasons = vec![format!(
            "headline and lead close to the story's (cosine {:.2}); shared names, numbers and dates {:.2}; score {:.2} ≥ {:.2}",
            b.cosine, b.feature_cosine, b.score, self.config.threshold
        )];
        shared.sort_by(|x, y| y.1.total_cmp(&x.1));
        let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (f, _) in shared.iter() {
            let kind = match self.feature_kind(*f) {
                Some(FeatureKind::Word | FeatureKind::Name) => "names",
                Some(FeatureKind::Number) => "numbers",
                Some(FeatureKind::Date) => "dates",
                None => continue,
            };
            let list = by_kind.entry(kind).or_default();
            if list.len() < 5 {
                list.push(self.surface[*f as usize].as_str());
            }
        }
        for (kind, list) in by_kind {
            reasons.push(format!("shares {kind}: {}", list.join(", ")));
        }
        let gap = if t < s.first_published {
            (s.first_published - t).num_hours()
        } else if t > s.last_published {
            (t - s.last_published).num_hours()
        } else {
            0
        };
        reasons.push(if gap == 0 {
            "published within the story's span".to_string()
        } else {
            format!(
                "published {:.1} days from the story's span",
                gap as f64 / 24.0
            )
        });
        reasons
    }

    fn feature_kind(&self, f: u32) -> Option<FeatureKind> {
        self.kinds
            .get(f as usize)
            .and_then(|&c| FeatureKind::of_key(&format!("{c}:")))
    }

    fn add_member(&mut self, sid: usize, input: &StoryInput, e: Vec<f32>, ids: &[u32]) {
        let t = input.time();
        let max_ex = self.config.max_exemplars;
        let Some(s) = self.stories.get_mut(sid) else {
            return;
        };
        let old_last = s.last_published.timestamp();
        for (c, x) in s.centroid.iter_mut().zip(&e) {
            *c += x;
        }
        for &f in ids {
            *s.features.entry(f).or_default() += 1;
        }
        s.members.push(input.key.clone());
        if let Some(o) = &input.outlet {
            *s.outlets.entry(o.clone()).or_default() += 1;
        }
        if t < s.first_published {
            s.first_published = t;
        }
        if t > s.last_published {
            s.last_published = t;
        }
        let new_last = s.last_published.timestamp();
        if s.exemplars.len() < max_ex {
            let title = if input.title.trim().is_empty() {
                story_text("", &input.text).chars().take(100).collect()
            } else {
                input.title.trim().to_string()
            };
            s.exemplars.push(Exemplar {
                key: input.key.clone(),
                title,
                embedding: e,
            });
        }
        // The label: the exemplar headline closest to the centroid.
        let label = s
            .exemplars
            .iter()
            .map(|x| (dot(&x.embedding, &s.centroid), &x.title))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        s.label = label;
        if new_last != old_last {
            self.by_last.remove(&(old_last, sid as u64));
            self.by_last.insert((new_last, sid as u64));
        }
        let fnorm = self.story_feature_norm(&self.stories[sid]);
        self.stories[sid].feature_norm = fnorm;
    }

    /// The story as shown to users.
    pub fn summary(&self, id: u64) -> Option<StorySummary> {
        let s = self.story(id)?;
        let mut outlets: Vec<(&String, &u32)> = s.outlets.iter().collect();
        outlets.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let n = s.members.len();
        // Features carried by at least two members (all of a one-article story), most telling
        // first; a word already shown inside a listed name is skipped.
        let min_count = if n >= 2 { 2 } else { 1 };
        let mut feats: Vec<(u32, u32, f32)> = s
            .features
            .iter()
            .filter(|(_, &c)| c >= min_count)
            .map(|(&f, &c)| (f, c, c as f32 * self.idf(f)))
            .collect();
        feats.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        let mut top: Vec<String> = Vec::new();
        for (f, _, _) in &feats {
            let surface = &self.surface[*f as usize];
            if top
                .iter()
                .any(|t| t.split(' ').any(|w| w == surface.as_str()) || t == surface)
            {
                continue;
            }
            top.push(surface.clone());
            if top.len() >= 8 {
                break;
            }
        }
        let days = (s.last_published - s.first_published).num_hours() as f64 / 24.0;
        let mut reasons = vec![format!(
            "{n} article{} from {} outlet{} within {:.1} days",
            if n == 1 { "" } else { "s" },
            outlets.len(),
            if outlets.len() == 1 { "" } else { "s" },
            days
        )];
        if n >= 2 && !top.is_empty() {
            reasons.push(format!(
                "names, numbers and dates shared by two or more articles: {}",
                top.join(", ")
            ));
        }
        if n >= 2 {
            let c_norm = norm(&s.centroid);
            if c_norm > 0.0 {
                let mean: f32 = s
                    .exemplars
                    .iter()
                    .map(|x| dot(&x.embedding, &s.centroid) / c_norm)
                    .sum::<f32>()
                    / s.exemplars.len().max(1) as f32;
                reasons.push(format!(
                    "headlines and leads close in meaning (mean cosine to the story {mean:.2})"
                ));
            }
        }
        Some(StorySummary {
            id: s.id,
            label: s.label.clone(),
            first_published: s.first_published,
            last_published: s.last_published,
            size: n,
            outlets: outlets.into_iter().map(|(o, _)| o.clone()).collect(),
            top_features: top,
            reasons,
        })
    }
}

#[cfg(test)]
mod tests;
