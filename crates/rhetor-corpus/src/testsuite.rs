//! Articles, an embedder and checks that every store backend must pass: the embedded store's
//! tests use them, and so do other backends' (`rhetor-postgres` runs them on PostgreSQL).
//! Compiled for this crate's tests and with the `testsuite` feature.

use rhetor_doc::{Article, FrameScore, Paragraph, ParagraphKind, Quote, QuoteKind, TechniqueSpan};

use crate::corpus::Embed;
use crate::Result;

/// Hashes lower-cased words into 384 buckets: articles sharing words are near.
pub struct Bag;

impl Embed for Bag {
    fn embed(&self, title: &str, text: &str) -> Result<Vec<f32>> {
        let mut v = vec![0f32; crate::sqlite::DIM];
        for w in format!("{title} {text}")
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 3)
        {
            let h = w
                .to_lowercase()
                .bytes()
                .fold(1469598103934665603u64, |h, b| {
                    (h ^ b as u64).wrapping_mul(1099511628211)
                });
            let n = v.len() as u64;
            v[(h % n) as usize] += 1.0;
        }
        v[0] += 0.01;
        Ok(v)
    }
}

pub fn article(id: &str, outlet: &str, date: &str, title: &str, body: &str) -> Article {
    let text = format!("{title}\n\n{body}");
    let mut a = Article::new(id, format!("{id}.txt"), text.clone());
    let t = title.chars().count();
    a.title = Some(title.to_string());
    a.paragraphs = vec![
        Paragraph {
            index: 1,
            start: 0,
            end: t,
            kind: ParagraphKind::Title,
            reason: None,
        },
        Paragraph {
            index: 3,
            start: t + 2,
            end: text.chars().count(),
            kind: ParagraphKind::Body,
            reason: None,
        },
    ];
    a.metadata.outlet = Some(outlet.to_string());
    a.metadata.published = Some(date.to_string());
    a
}

pub fn quake_articles() -> Vec<Article> {
    let mut v = vec![
        article("q1", "alpha.com", "2024-03-01", "Earthquake of magnitude 7.1 strikes Nepal near Pokhara",
            "A magnitude 7.1 earthquake struck western Nepal near Pokhara on Friday, killing at least 40 people, officials in Kathmandu said."),
        article("q2", "beta.org", "2024-03-01", "Nepal quake near Pokhara kills dozens",
            "At least 40 people died when a 7.1 earthquake hit the hills near Pokhara in Nepal, the Kathmandu government said on Friday."),
        article("q3", "alpha.com", "2024-03-02", "Chile earthquake: magnitude 6.8 tremor shakes Valparaiso",
            "A 6.8 magnitude earthquake shook Valparaiso in Chile on Saturday, damaging buildings along the coast, Santiago officials said."),
        article("b1", "beta.org", "2024-03-02", "City council approves new bicycle lanes on Main Street",
            "The council of Harlow voted 7 to 2 on Saturday to build protected bicycle lanes along Main Street by next spring."),
    ];
    v[0].techniques.push(TechniqueSpan {
        technique: "Loaded_Language".into(),
        category: "manipulative_wording".into(),
        start: 0,
        end: 10,
        score: 0.9,
        confidence: 0.9,
        shown: true,
        hidden: None,
    });
    v[0].frames.push(FrameScore {
        frame: "Health_and_safety".into(),
        score: 0.8,
    });
    v[1].quotes.push(Quote {
        start: 30,
        end: 60,
        kind: QuoteKind::Direct,
        cue: Some("said".into()),
        cue_start: None,
        cue_end: None,
        speaker: Some("Ram Thapa".into()),
        speaker_start: None,
        speaker_end: None,
        score: 0.9,
        confidence: 0.9,
        shown: true,
    });
    v
}
