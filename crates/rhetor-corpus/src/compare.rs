//! Comparison: one story outlet by outlet, and outlets (and outlet groups) over the corpus
//! against the corpus average, overall and per week or month.
//!
//! Rates are per 1,000 words of body text so long and short articles weigh by their length;
//! frames are the share of articles carrying the frame. Every figure names the articles behind
//! it (story comparison: their ids; corpus comparison: the article count, and `rhetor search
//! --outlet O --technique T` lists them).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rhetor_doc::{Article, QuoteKind};
use serde::{Deserialize, Serialize};

use crate::store::{ArticleRow, Store, StoredStory};
use crate::{CorpusError, Result};

/// Outlet groups: group name → outlets (e.g. left / centre / right, or countries).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Groups(pub BTreeMap<String, Vec<String>>);

impl Groups {
    /// Reads a groups file: TOML (`left = ["a.com", "b.org"]`) or JSON (`{"left": [...]}`).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| CorpusError::io(path, e))?;
        let map: BTreeMap<String, Vec<String>> = if text.trim_start().starts_with('{') {
            serde_json::from_str(&text).map_err(|e| {
                CorpusError::Invalid(format!("{}: not a JSON groups file: {e}", path.display()))
            })?
        } else {
            toml::from_str(&text).map_err(|e| {
                CorpusError::Invalid(format!(
                    "{}: not a TOML groups file (group = [\"outlet\", …]): {e}",
                    path.display()
                ))
            })?
        };
        Ok(Groups(map))
    }

    /// The groups an outlet belongs to.
    pub fn of(&self, outlet: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(_, os)| os.iter().any(|o| o.eq_ignore_ascii_case(outlet)))
            .map(|(g, _)| g.as_str())
            .collect()
    }
}

/// Techniques, frames, genres and quoting of a set of articles.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Ids of the articles (as `analyze` gives them).
    pub articles: Vec<String>,
    pub words: u64,
    /// Technique spans per 1,000 words, by technique.
    pub techniques_per_1000_words: BTreeMap<String, f64>,
    /// Technique spans per 1,000 words, by category.
    pub categories_per_1000_words: BTreeMap<String, f64>,
    /// Share of the articles with each frame.
    pub frames: BTreeMap<String, f64>,
    /// Articles per genre.
    pub genres: BTreeMap<String, u64>,
    /// Quotes per speaker, most quoted first: the attributions shown by default (`shown`), those
    /// without a speaker left out.
    pub speakers: Vec<SpeakerCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeakerCount {
    pub speaker: String,
    pub quotes: u64,
}

/// Builds the profile of some articles (with their stored rows, for the word counts).
pub fn profile(articles: &[(&ArticleRow, &Article)]) -> Profile {
    let mut p = Profile::default();
    let mut tech: BTreeMap<String, u64> = BTreeMap::new();
    let mut cat: BTreeMap<String, u64> = BTreeMap::new();
    let mut frames: BTreeMap<String, u64> = BTreeMap::new();
    let mut speakers: BTreeMap<String, u64> = BTreeMap::new();
    for (row, a) in articles {
        p.articles.push(row.id.clone());
        p.words += row.words;
        for t in &a.techniques {
            *tech.entry(t.technique.clone()).or_default() += 1;
            *cat.entry(t.category.clone()).or_default() += 1;
        }
        for f in &a.frames {
            *frames.entry(f.frame.clone()).or_default() += 1;
        }
        if let Some(g) = &a.genre {
            *p.genres.entry(g.label.clone()).or_default() += 1;
        }
        // Only the attributions shown by default: about 9 in 10 right (rhetor-quotes' card).
        for q in a.quotes.iter().filter(|q| q.shown) {
            if let Some(s) = &q.speaker {
                *speakers.entry(s.clone()).or_default() += 1;
            }
        }
    }
    let per_k = |n: u64| {
        if p.words == 0 {
            0.0
        } else {
            round3(n as f64 * 1000.0 / p.words as f64)
        }
    };
    p.techniques_per_1000_words = tech.into_iter().map(|(k, n)| (k, per_k(n))).collect();
    p.categories_per_1000_words = cat.into_iter().map(|(k, n)| (k, per_k(n))).collect();
    let n = articles.len().max(1) as f64;
    p.frames = frames
        .into_iter()
        .map(|(k, c)| (k, round3(c as f64 / n)))
        .collect();
    p.speakers = speakers
        .into_iter()
        .map(|(speaker, quotes)| SpeakerCount { speaker, quotes })
        .collect();
    p.speakers
        .sort_by(|a, b| b.quotes.cmp(&a.quotes).then(a.speaker.cmp(&b.speaker)));
    p
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One article of a story, as the comparison lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryArticle {
    pub id: String,
    pub key: String,
    pub source: String,
    pub title: Option<String>,
    pub published: Option<String>,
    pub genre: Option<String>,
    pub frames: Vec<String>,
}

/// A quote one outlet carries and no other outlet of the story does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExclusiveQuote {
    /// The article's id.
    pub article: String,
    pub speaker: Option<String>,
    pub text: String,
}

/// One outlet (or group) in a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    pub name: String,
    pub articles: Vec<StoryArticle>,
    pub profile: Profile,
    /// Speakers this side quotes and no other side does.
    pub exclusive_speakers: Vec<String>,
    /// Direct quotes this side carries that no other side's text contains.
    pub exclusive_quotes: Vec<ExclusiveQuote>,
}

/// What every outlet of the story has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Shared {
    pub speakers: Vec<String>,
    pub frames: Vec<String>,
    pub techniques: Vec<String>,
}

/// `rhetor compare --story ID`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryComparison {
    pub story: StoredStory,
    pub outlets: Vec<Side>,
    pub shared: Shared,
    /// The same comparison across outlet groups (empty without `--groups`).
    pub groups: Vec<Side>,
}

/// Compares the outlets (and groups) of one story.
pub fn compare_story<S: Store + ?Sized>(
    store: &S,
    id: u64,
    groups: Option<&Groups>,
) -> Result<StoryComparison> {
    let story = store.story(id)?.ok_or(CorpusError::NotFound {
        what: "story",
        id: id.to_string(),
    })?;
    let mut members: Vec<(ArticleRow, Article)> = Vec::new();
    for row in store.story_members(id)? {
        if let Some((row, a)) = store.article(&row.key)? {
            members.push((row, a));
        }
    }
    let by_outlet = split(&members, |r| {
        vec![r.outlet.clone().unwrap_or_else(|| "(unknown)".into())]
    });
    let outlets = sides(&by_outlet);
    let by_group = match groups {
        Some(g) => split(&members, |r| {
            g.of(r.outlet.as_deref().unwrap_or(""))
                .into_iter()
                .map(str::to_string)
                .collect()
        }),
        None => BTreeMap::new(),
    };
    let shared = shared(&outlets);
    Ok(StoryComparison {
        story,
        outlets,
        shared,
        groups: sides(&by_group),
    })
}

type Members<'a> = BTreeMap<String, Vec<&'a (ArticleRow, Article)>>;

fn split<'a>(
    members: &'a [(ArticleRow, Article)],
    names: impl Fn(&ArticleRow) -> Vec<String>,
) -> Members<'a> {
    let mut out: Members = BTreeMap::new();
    for m in members {
        for n in names(&m.0) {
            out.entry(n).or_default().push(m);
        }
    }
    out
}

fn normalise(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn sides(by: &Members) -> Vec<Side> {
    let mut out = Vec::new();
    for (name, ms) in by {
        let pairs: Vec<(&ArticleRow, &Article)> = ms.iter().map(|(r, a)| (r, a)).collect();
        let profile = profile(&pairs);
        let others: Vec<&(ArticleRow, Article)> = by
            .iter()
            .filter(|(n, _)| *n != name)
            .flat_map(|(_, v)| v.iter().copied())
            .collect();
        let other_speakers: BTreeSet<String> = others
            .iter()
            .flat_map(|(_, a)| {
                a.quotes
                    .iter()
                    .filter(|q| q.shown)
                    .filter_map(|q| q.speaker.clone())
            })
            .collect();
        let other_text: String = others
            .iter()
            .map(|(_, a)| normalise(&a.text))
            .collect::<Vec<_>>()
            .join(" | ");
        let exclusive_speakers = profile
            .speakers
            .iter()
            .filter(|s| !other_speakers.contains(&s.speaker))
            .map(|s| s.speaker.clone())
            .collect();
        let mut exclusive_quotes = Vec::new();
        for (r, a) in ms.iter().map(|(r, a)| (r, a)) {
            for q in a
                .quotes
                .iter()
                .filter(|q| q.shown && q.kind == QuoteKind::Direct)
            {
                let text = a.slice(q.start, q.end).unwrap_or("").to_string();
                let norm = normalise(&text);
                if norm.split(' ').count() >= 4 && !other_text.contains(&norm) {
                    exclusive_quotes.push(ExclusiveQuote {
                        article: r.id.clone(),
                        speaker: q.speaker.clone(),
                        text,
                    });
                }
            }
        }
        let articles = ms
            .iter()
            .map(|(r, a)| StoryArticle {
                id: r.id.clone(),
                key: r.key.clone(),
                source: r.source.clone(),
                title: r.title.clone(),
                published: r.published.clone(),
                genre: r.genre.clone(),
                frames: a.frames.iter().map(|f| f.frame.clone()).collect(),
            })
            .collect();
        out.push(Side {
            name: name.clone(),
            articles,
            profile,
            exclusive_speakers,
            exclusive_quotes,
        });
    }
    out
}

fn shared(sides: &[Side]) -> Shared {
    let all = |f: &dyn Fn(&Side) -> BTreeSet<String>| -> Vec<String> {
        let mut it = sides.iter().map(f);
        let Some(first) = it.next() else {
            return Vec::new();
        };
        it.fold(first, |acc, s| acc.intersection(&s).cloned().collect())
            .into_iter()
            .collect()
    };
    if sides.len() < 2 {
        return Shared::default();
    }
    Shared {
        speakers: all(&|s| {
            s.profile
                .speakers
                .iter()
                .map(|x| x.speaker.clone())
                .collect()
        }),
        frames: all(&|s| s.profile.frames.keys().cloned().collect()),
        techniques: all(&|s| {
            s.profile
                .techniques_per_1000_words
                .keys()
                .cloned()
                .collect()
        }),
    }
}

/// Time buckets for `compare --outlets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    /// SQLite expression of the bucket of `a.time`.
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Period::Day => "substr(a.time, 1, 10)",
            // Monday-based week of the year, as SQLite's %W counts it (00–53).
            Period::Week => "strftime('%Y-W%W', a.time)",
            Period::Month => "substr(a.time, 1, 7)",
        }
    }
}

/// Raw counts per outlet (and period) that a store aggregates for [`compare_outlets`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// (outlet, period) → (articles, words)
    pub size: BTreeMap<(String, String), (u64, u64)>,
    /// (outlet, period, technique, category) → spans
    pub techniques: BTreeMap<(String, String, String, String), u64>,
    /// (outlet, period, frame) → articles
    pub frames: BTreeMap<(String, String, String), u64>,
}

/// One outlet or group, over the corpus or one period, against the corpus average.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutletProfile {
    pub name: String,
    /// `all`, or the period (`2024-03`, `2024-W09`, `2024-03-01`).
    pub period: String,
    pub articles: u64,
    pub words: u64,
    pub techniques_per_1000_words: BTreeMap<String, f64>,
    pub categories_per_1000_words: BTreeMap<String, f64>,
    pub frames: BTreeMap<String, f64>,
    /// This profile's rate divided by the corpus average of the same period, per technique
    /// (`> 1`: leans on it more than the corpus does).
    pub technique_ratio: BTreeMap<String, f64>,
    pub frame_ratio: BTreeMap<String, f64>,
}

/// `rhetor compare --outlets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutletsComparison {
    /// The corpus average, per period (`all` first).
    pub corpus: Vec<OutletProfile>,
    pub outlets: Vec<OutletProfile>,
    pub groups: Vec<OutletProfile>,
}

#[derive(Default, Clone)]
struct Acc {
    articles: u64,
    words: u64,
    tech: BTreeMap<String, u64>,
    cat: BTreeMap<String, u64>,
    frames: BTreeMap<String, u64>,
}

impl Acc {
    fn finish(&self, name: &str, period: &str, avg: Option<&OutletProfile>) -> OutletProfile {
        let per_k = |n: u64| {
            if self.words == 0 {
                0.0
            } else {
                round3(n as f64 * 1000.0 / self.words as f64)
            }
        };
        let share = |n: u64| round3(n as f64 / self.articles.max(1) as f64);
        let techniques: BTreeMap<String, f64> = self
            .tech
            .iter()
            .map(|(k, n)| (k.clone(), per_k(*n)))
            .collect();
        let frames: BTreeMap<String, f64> = self
            .frames
            .iter()
            .map(|(k, n)| (k.clone(), share(*n)))
            .collect();
        let ratio = |mine: &BTreeMap<String, f64>, theirs: Option<&BTreeMap<String, f64>>| {
            mine.iter()
                .filter_map(|(k, v)| {
                    let t = theirs?.get(k).copied().unwrap_or(0.0);
                    (t > 0.0).then(|| (k.clone(), round3(v / t)))
                })
                .collect()
        };
        OutletProfile {
            name: name.to_string(),
            period: period.to_string(),
            articles: self.articles,
            words: self.words,
            technique_ratio: ratio(&techniques, avg.map(|a| &a.techniques_per_1000_words)),
            frame_ratio: ratio(&frames, avg.map(|a| &a.frames)),
            techniques_per_1000_words: techniques,
            categories_per_1000_words: self
                .cat
                .iter()
                .map(|(k, n)| (k.clone(), per_k(*n)))
                .collect(),
            frames,
        }
    }
}

/// Profiles of every outlet (and group) against the corpus, over everything (`period: all`) and,
/// when `by_period` holds, per period.
pub fn compare_outlets(
    overall: &Counts,
    by_period: Option<&Counts>,
    groups: Option<&Groups>,
) -> OutletsComparison {
    let mut out = OutletsComparison {
        corpus: Vec::new(),
        outlets: Vec::new(),
        groups: Vec::new(),
    };
    for counts in std::iter::once(overall).chain(by_period) {
        // name -> period -> acc, for outlets, groups and the corpus ("" name).
        let mut outlets: BTreeMap<(String, String), Acc> = BTreeMap::new();
        let mut grouped: BTreeMap<(String, String), Acc> = BTreeMap::new();
        let mut corpus: BTreeMap<String, Acc> = BTreeMap::new();
        let mut each = |o: &str, p: &str, f: &mut dyn FnMut(&mut Acc)| {
            f(outlets.entry((o.to_string(), p.to_string())).or_default());
            f(corpus.entry(p.to_string()).or_default());
            if let Some(g) = groups {
                for name in g.of(o) {
                    f(grouped
                        .entry((name.to_string(), p.to_string()))
                        .or_default());
                }
            }
        };
        for ((o, p), (n, w)) in &counts.size {
            each(o, p, &mut |a| {
                a.articles += n;
                a.words += w;
            });
        }
        for ((o, p, t, c), n) in &counts.techniques {
            each(o, p, &mut |a| {
                *a.tech.entry(t.clone()).or_default() += n;
                *a.cat.entry(c.clone()).or_default() += n;
            });
        }
        for ((o, p, f), n) in &counts.frames {
            each(o, p, &mut |a| *a.frames.entry(f.clone()).or_default() += n);
        }
        let avgs: BTreeMap<String, OutletProfile> = corpus
            .iter()
            .map(|(p, a)| (p.clone(), a.finish("corpus", p, None)))
            .collect();
        for ((o, p), a) in &outlets {
            out.outlets.push(a.finish(o, p, avgs.get(p)));
        }
        for ((g, p), a) in &grouped {
            out.groups.push(a.finish(g, p, avgs.get(p)));
        }
        out.corpus.extend(avgs.into_values());
    }
    out
}
