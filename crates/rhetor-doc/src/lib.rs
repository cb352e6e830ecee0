//! The rhetor document model.
//!
//! One [`Article`] travels through every stage of rhetor. It holds the text exactly as it was read
//! (`text`) and *stand-off* annotations: spans given as `start..end` offsets into `text`. Stages add
//! annotations; none rewrites `text`.
//!
//! # Offsets
//! Every `start`/`end` in this crate counts **Unicode code points** (Rust `char`s) into
//! [`Article::text`], end exclusive. That is the convention of the SemEval-2023 Task 3 span files, so
//! a gold span and one of ours compare directly. Use [`CharIndex`] to turn them into byte ranges for
//! slicing a Rust `&str`.
//!
//! The JSON form of an article is the output schema documented in `docs/schema.md`; its version is
//! [`SCHEMA_VERSION`] and appears in every serialised article.

use serde::{Deserialize, Serialize};

mod offsets;
pub mod taxonomy;
pub use offsets::CharIndex;

/// Version of the JSON output schema (`docs/schema.md`). Bump the minor for additions, the major for
/// anything that changes or removes a field.
pub const SCHEMA_VERSION: &str = "1.6";

/// One news article with its stand-off annotations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Article {
    /// Version of the schema this object follows.
    #[serde(default = "schema_version")]
    pub schema_version: String,
    /// Stable identifier: the SemEval `ID` of `article{ID}.txt`, a feed item's id, or the file stem.
    pub id: String,
    /// Where the article came from: a path (with `#item` / `#record` / `:line` suffix for
    /// containers) or a URL, or `-` for standard input.
    pub source: String,
    /// The headline, if one was found.
    pub title: Option<String>,
    /// The whole text as read (decoded file, or text extracted from HTML). All offsets point here.
    pub text: String,
    /// The body without debris, whitespace normalised. Derived from `text`; never the other way.
    pub clean_text: String,
    /// Outlet, author, date, language, URL.
    pub metadata: Metadata,
    /// Paragraphs (for text files: one per non-empty line) with offsets into `text`.
    pub paragraphs: Vec<Paragraph>,
    /// Sentences with offsets into `text`.
    #[serde(default)]
    pub sentences: Vec<Span>,
    /// Persuasion-technique spans (added by the techniques analyzer).
    #[serde(default)]
    pub techniques: Vec<TechniqueSpan>,
    /// Persuasion techniques per paragraph (SemEval subtask 3 granularity).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paragraph_techniques: Vec<ParagraphLabels>,
    /// Genre of the article (SemEval subtask 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<GenrePrediction>,
    /// Frames of the article (SemEval subtask 2).
    #[serde(default)]
    pub frames: Vec<FrameScore>,
    /// Quotes: who said what.
    #[serde(default)]
    pub quotes: Vec<Quote>,
    /// The people and bodies quoted, with how often each is named and quoted (schema 1.1).
    #[serde(default)]
    pub speakers: Vec<Speaker>,
    /// Non-fatal problems met while reading this article (e.g. invalid UTF-8 replaced).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

fn schema_version() -> String {
    SCHEMA_VERSION.to_string()
}

impl Article {
    /// A new article with no annotations yet. Segmentation and cleanup fill in the rest.
    pub fn new(id: impl Into<String>, source: impl Into<String>, text: impl Into<String>) -> Self {
        Article {
            schema_version: schema_version(),
            id: id.into(),
            source: source.into(),
            title: None,
            text: text.into(),
            clean_text: String::new(),
            metadata: Metadata::default(),
            paragraphs: Vec::new(),
            sentences: Vec::new(),
            techniques: Vec::new(),
            paragraph_techniques: Vec::new(),
            genre: None,
            frames: Vec::new(),
            quotes: Vec::new(),
            speakers: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The text of `start..end` (code points), or `None` when the range is out of bounds.
    pub fn slice(&self, start: usize, end: usize) -> Option<&str> {
        CharIndex::new(&self.text).slice(&self.text, start, end)
    }

    /// Paragraphs that belong to the body (not title, not debris).
    pub fn body_paragraphs(&self) -> impl Iterator<Item = &Paragraph> {
        self.paragraphs
            .iter()
            .filter(|p| p.kind == ParagraphKind::Body)
    }
}

/// What is known about where and when an article was published.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Metadata {
    /// The outlet, e.g. `theguardian.com` or the site's own name.
    pub outlet: Option<String>,
    /// Author(s) as written by the outlet.
    pub author: Option<String>,
    /// ISO 8601 date (`2024-03-01`) or datetime (`2024-03-01T12:30:00+00:00`).
    pub published: Option<String>,
    /// ISO 639-1 code of the detected language, e.g. `en`.
    pub language: Option<String>,
    /// Canonical URL of the article.
    pub url: Option<String>,
    /// The outlet's section for the article, as its page declares it (`article:section`,
    /// JSON-LD `articleSection`; "Opinion" for a JSON-LD `OpinionNewsArticle`), e.g. `Opinion`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// Role of a paragraph in the article.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ParagraphKind {
    /// The headline.
    Title,
    /// Article body.
    Body,
    /// Scraping debris: bylines, captions, share prompts, related links…
    Debris,
}

/// A paragraph: a span of `text` with its role.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Paragraph {
    /// For text files, the 1-based line number in the file with blank lines counted (the SemEval
    /// subtask 3 numbering). For other inputs, the line number in `text`, computed the same way.
    pub index: usize,
    /// Start offset (code points into `text`).
    pub start: usize,
    /// End offset, exclusive (code points into `text`).
    pub end: usize,
    /// Role of the paragraph.
    pub kind: ParagraphKind,
    /// Why a paragraph was marked as debris (e.g. `byline`, `caption`), for people checking cleanup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A plain span of `text`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct Span {
    /// Start offset (code points into `text`).
    pub start: usize,
    /// End offset, exclusive.
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// A persuasion technique found in a span of `text`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TechniqueSpan {
    /// SemEval-2023 label, e.g. `Loaded_Language`.
    pub technique: String,
    /// One of the six categories, e.g. `manipulative_wording`.
    pub category: String,
    pub start: usize,
    pub end: usize,
    /// The model's score: the mean probability of the span's tokens (token rules), the
    /// paragraph head's probability (paragraph rule) or the sentence's (sentence rule).
    pub score: f32,
    /// (1.2) `score` on a scale shared by all techniques: 0.5 is the technique's display
    /// threshold, 0 and 1 stay 0 and 1 (piecewise linear in between). What `--min-score` compares.
    #[serde(default)]
    pub confidence: f32,
    /// (1.2) Whether `rhetor analyze` shows the span by default. Spans that are not shown stay in
    /// the JSON (and in the SemEval formats, which keep the F1-optimal thresholds).
    #[serde(default = "shown_default")]
    pub shown: bool,
    /// (1.2) Why a span is not shown: `low_confidence`, `technique` (not shown by default: too
    /// imprecise on real articles), `function_words`, `name`, `fragment`, `long`, `overlap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<String>,
}

/// Spans read from schema 1.0/1.1 JSON had no display decision: they were all shown.
fn shown_default() -> bool {
    true
}

/// Labels of one paragraph (SemEval subtask 3).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParagraphLabels {
    /// The paragraph's `index`.
    pub paragraph: usize,
    pub techniques: Vec<LabelScore>,
}

/// A label with its score.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LabelScore {
    pub label: String,
    pub score: f32,
}

/// Genre prediction (SemEval subtask 1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GenrePrediction {
    /// `opinion`, `reporting` or `satire`.
    pub label: String,
    /// Score of each genre (the model's, also when `basis` overrides its choice).
    pub scores: Vec<LabelScore>,
    /// (1.5) Why the label is not the model's choice: the outlet's own label, e.g. "the outlet
    /// files it under /opinion/". Absent when the model chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

/// Under this score the model's own genre choice is shown as unsure. Chosen on the first 262
/// hand-labelled hyperpartisan web articles (`hyperpartisan_genre.tsv`) and BASIL's 300 reports:
/// under 0.60 the genre was right 76 % of the time there, at or over it 94 % (BASIL: 6 of 7 and
/// 293 of 293). Checked on the 279 fresh ones (`hyperpartisan_genre_fresh.tsv`): 65 % under,
/// 92 % at or over, 28 % of the articles under.
pub const GENRE_UNSURE_BELOW: f32 = 0.6;

impl GenrePrediction {
    /// A genre with the model's score for each label, in the labels' order.
    pub fn from_scores<'a>(
        label: impl Into<String>,
        scores: impl IntoIterator<Item = (&'a str, f32)>,
        basis: Option<String>,
    ) -> Self {
        GenrePrediction {
            label: label.into(),
            scores: scores
                .into_iter()
                .map(|(l, score)| LabelScore {
                    label: l.to_string(),
                    score,
                })
                .collect(),
            basis,
        }
    }

    /// Whether the model chose this genre with a score under [`GENRE_UNSURE_BELOW`] (never when
    /// the outlet's own label decided).
    pub fn is_unsure(&self) -> bool {
        self.basis.is_none() && self.score() < GENRE_UNSURE_BELOW
    }

    /// The score of the chosen genre.
    pub fn score(&self) -> f32 {
        self.scores
            .iter()
            .find(|s| s.label == self.label)
            .map(|s| s.score)
            .unwrap_or(0.0)
    }

    /// The best-scoring genre when it is not the chosen one: satire is called only at a high
    /// probability (the model's `satire_min`), so a satire score below that bar can top the
    /// chosen genre's. Readers are told so instead of seeing a lower score win.
    pub fn outscored_by(&self) -> Option<&LabelScore> {
        if self.basis.is_some() {
            return None;
        }
        let chosen = self.score();
        self.scores
            .iter()
            .filter(|s| s.label != self.label && s.score > chosen)
            .max_by(|a, b| a.score.total_cmp(&b.score))
    }
}

/// A frame with its score (SemEval subtask 2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FrameScore {
    pub frame: String,
    pub score: f32,
}

/// Kind of reported speech.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum QuoteKind {
    Direct,
    Indirect,
    Mixed,
}

/// Who said what: one attribution.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Quote {
    /// The quoted content.
    pub start: usize,
    pub end: usize,
    pub kind: QuoteKind,
    /// The reporting verb or phrase.
    pub cue: Option<String>,
    pub cue_start: Option<usize>,
    pub cue_end: Option<usize>,
    /// Fullest name of the speaker found in the article.
    pub speaker: Option<String>,
    pub speaker_start: Option<usize>,
    pub speaker_end: Option<usize>,
    pub score: f32,
    /// (1.2) How likely the attribution is right as a reader judges it (a real report, the right
    /// speaker): the model's score moderated by the cue, speaker and context checks.
    #[serde(default = "full_confidence")]
    pub confidence: f32,
    /// (1.2) Whether `confidence` is high enough to show the quote by default (about 9 in 10 of the
    /// quotes shown are right); the others stay in the output as low-confidence extras.
    #[serde(default = "shown_default")]
    pub shown: bool,
}

fn full_confidence() -> f32 {
    1.0
}

/// A speaker of an article: one entry per resolved name (the fullest name found in the article).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Speaker {
    /// Fullest name found in the article ("Vladimir Putin"), or the description when no name was
    /// found ("officials").
    pub name: String,
    /// How many times the article names the speaker (full name or surname).
    pub mentions: usize,
    /// How many entries of `quotes` are attributed to the speaker.
    pub quotes: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn genre(label: &str, scores: [f32; 3], basis: Option<&str>) -> GenrePrediction {
        GenrePrediction::from_scores(
            label,
            ["opinion", "reporting", "satire"].into_iter().zip(scores),
            basis.map(str::to_string),
        )
    }

    #[test]
    fn a_genre_under_the_bar_is_unsure_unless_the_outlet_decided() {
        assert!(genre("reporting", [0.16, 0.49, 0.35], None).is_unsure());
        assert!(genre("reporting", [0.3, 0.59, 0.11], None).is_unsure());
        assert!(!genre("reporting", [0.3, 0.6, 0.1], None).is_unsure());
        assert!(!genre("opinion", [0.16, 0.49, 0.35], Some("the page declares it")).is_unsure());
    }

    #[test]
    fn a_satire_score_under_its_bar_is_named_when_it_tops_the_chosen_genre() {
        let g = |label: &str, sc: [f32; 3]| genre(label, sc, None);
        let below_bar = g("reporting", [0.08, 0.36, 0.56]);
        assert!((below_bar.score() - 0.36).abs() < 1e-6);
        assert_eq!(
            below_bar.outscored_by().map(|x| x.label.as_str()),
            Some("satire")
        );
        assert!(g("reporting", [0.1, 0.6, 0.3]).outscored_by().is_none());
        assert!(g("satire", [0.05, 0.1, 0.85]).outscored_by().is_none());
    }

    #[test]
    fn json_roundtrip_keeps_every_field() {
        let mut a = Article::new("111", "samples/a.txt", "Title\n\nBody é.");
        a.title = Some("Title".into());
        a.paragraphs.push(Paragraph {
            index: 1,
            start: 0,
            end: 5,
            kind: ParagraphKind::Title,
            reason: None,
        });
        a.metadata.language = Some("en".into());
        a.speakers.push(Speaker {
            name: "Jane Doe".into(),
            mentions: 2,
            quotes: 1,
        });
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains("\"schema_version\":\"1.6\""));
        assert!(json.contains("\"kind\":\"title\""));
        let back: Article = serde_json::from_str(&json).unwrap();
        assert_eq!(a, back);
    }

    #[test]
    fn schema_1_0_articles_without_speakers_still_read() {
        let a = Article::new("1", "-", "x");
        let mut v = serde_json::to_value(&a).unwrap();
        v.as_object_mut().unwrap().remove("speakers");
        let back: Article = serde_json::from_value(v).unwrap();
        assert!(back.speakers.is_empty());
    }

    #[test]
    fn schema_1_1_technique_spans_read_as_shown() {
        let v = serde_json::json!({"technique": "Doubt", "category": "attack_on_reputation",
            "start": 0, "end": 4, "score": 0.5});
        let t: TechniqueSpan = serde_json::from_value(v).unwrap();
        assert!(t.shown);
        assert_eq!(t.hidden, None);
        assert_eq!(t.confidence, 0.0);
    }

    #[test]
    fn slice_counts_code_points() {
        let a = Article::new("x", "-", "héllo wörld");
        assert_eq!(a.slice(6, 11), Some("wörld"));
        assert_eq!(a.slice(6, 12), None);
    }
}
