//! The shipped model (models/techniques) on articles we wrote ourselves: it loads, every
//! annotation points at real words, and the heads react to what the texts are.

use rhetor_analyzers::pipeline::default_model_dir;
use rhetor_analyzers::Analyzer;
use rhetor_doc::taxonomy::{technique, FRAMES, GENRES};
use rhetor_doc::{Article, ParagraphKind};

const OPINION: &str = "This reckless council will bankrupt us all\n\n\
These so-called leaders are nothing but a gang of arrogant clowns who laugh at hard-working families.\n\n\
Wake up, people! If we do not stop this insane spending spree now, our children will inherit nothing but ruins.\n\n\
Either you stand with the taxpayers or you stand with the crooks. There is no middle ground.\n\n\
Everyone knows the truth. Enough is enough!\n";

const REPORT: &str = "Council approves budget for library repairs\n\n\
The city council on Tuesday approved a budget of 2.4 million euros for repairs to the central library, the mayor's office said in a statement.\n\n\
The vote passed seven to two. Two councillors said they wanted more time to review the engineering report.\n\n\
Work is scheduled to begin in March and to last about six months, according to the city's planning department.\n";

fn analyzer() -> Analyzer {
    let dir = default_model_dir();
    Analyzer::load(&dir, 2).unwrap_or_else(|e| {
        panic!(
            "the shipped model must load from {} (rebuild it with `rhetor train`): {e}",
            dir.display()
        )
    })
}

/// The technique labels of paragraph `index` (none when it has no row).
fn paragraph_labels(art: &Article, index: usize) -> Vec<String> {
    art.paragraph_techniques
        .iter()
        .find(|p| p.paragraph == index)
        .map(|p| p.techniques.iter().map(|t| t.label.clone()).collect())
        .unwrap_or_default()
}

fn article(id: &str, text: &str) -> Article {
    let mut out =
        rhetor_ingest::read_bytes(text.as_bytes(), &format!("{id}.txt"), &Default::default());
    out.remove(0).expect("the invented article reads")
}

#[test]
fn annotations_are_consistent_and_point_at_words() {
    let a = analyzer();
    for (id, text) in [("opinion", OPINION), ("report", REPORT)] {
        let mut art = article(id, text);
        a.annotate(&mut art).unwrap();
        let n = art.text.chars().count();
        let chars: Vec<char> = art.text.chars().collect();
        for t in &art.techniques {
            assert!(
                t.start < t.end && t.end <= n,
                "{id}: span {}..{} of {n}",
                t.start,
                t.end
            );
            assert!(
                technique(&t.technique).is_some(),
                "{id}: unknown {}",
                t.technique
            );
            assert!((0.0..=1.0).contains(&t.score));
            // Spans start and end on non-space characters inside one paragraph.
            assert!(!chars[t.start].is_whitespace() && !chars[t.end - 1].is_whitespace());
            assert!(art
                .paragraphs
                .iter()
                .any(|p| p.start <= t.start && t.end <= p.end));
        }
        let analysed = art
            .paragraphs
            .iter()
            .filter(|p| p.kind != ParagraphKind::Debris)
            .count();
        assert_eq!(art.paragraph_techniques.len(), analysed, "{id}");
        let g = art.genre.as_ref().expect("a genre");
        assert!(GENRES.iter().any(|(x, _)| *x == g.label));
        let total: f32 = g.scores.iter().map(|s| s.score).sum();
        assert!(
            (total - 1.0).abs() < 1e-3,
            "{id}: genre scores sum to {total}"
        );
        assert!(!art.frames.is_empty(), "{id}: at least one frame");
        assert!(art
            .frames
            .iter()
            .all(|f| FRAMES.iter().any(|(x, _)| *x == f.frame)));
    }
}

#[test]
fn heads_react_to_the_text() {
    let a = analyzer();
    let mut op = article("opinion", OPINION);
    let mut rep = article("report", REPORT);
    a.annotate(&mut op).unwrap();
    a.annotate(&mut rep).unwrap();
    // The insult-laden opinion piece has technique spans, more than the dry report.
    assert!(
        !op.techniques.is_empty(),
        "no technique found in the opinion text"
    );
    assert!(op.techniques.len() > rep.techniques.len());
    let labels: Vec<&str> = op.techniques.iter().map(|t| t.technique.as_str()).collect();
    assert!(
        labels
            .iter()
            .any(|l| ["Loaded_Language", "Name_Calling-Labeling"].contains(l)),
        "{labels:?}"
    );
    // The report is more "reporting" than the opinion piece.
    let p = |art: &Article| {
        art.genre
            .as_ref()
            .and_then(|g| g.scores.iter().find(|s| s.label == "reporting"))
            .map(|s| s.score)
            .unwrap_or(0.0)
    };
    assert!(
        p(&rep) > p(&op),
        "reporting: report {} vs opinion {}",
        p(&rep),
        p(&op)
    );
}

#[test]
fn the_outlets_opinion_label_decides_and_the_model_scores_stay() {
    let a = analyzer();
    let mut plain = article("report", REPORT);
    a.annotate(&mut plain).unwrap();
    let mut filed = article("filed", REPORT);
    filed.metadata.url = Some("https://news.example/opinion/2025/library-budget".into());
    a.annotate(&mut filed).unwrap();
    let (p, f) = (plain.genre.unwrap(), filed.genre.unwrap());
    assert_eq!(p.label, "reporting");
    assert_eq!(p.basis, None);
    assert_eq!(f.label, "opinion");
    assert_eq!(
        f.basis.as_deref(),
        Some("the outlet files it under /opinion/")
    );
    assert_eq!(f.scores, p.scores, "the model's scores are kept");
}

const REPUTATION: &str = "Senator Blake wants your trust on the new tax bill\n\n\
Senator Blake has lied to voters for twenty years, and his record of broken promises shows he cannot be trusted with anyone's money. Why would anyone believe a word from a man who takes cash from the very banks he claims to regulate?\n\n\
The bill will be debated on Tuesday, and the committee expects a vote before the end of the month.\n";

/// The multilingual head (`multilingual.json`) adds a technique the English model never
/// predicts, on the paragraph that attacks a man's character and not on the schedule.
#[test]
fn the_multilingual_head_adds_questioning_the_reputation() {
    let a = analyzer();
    let m = a
        .multilingual
        .as_ref()
        .expect("models/techniques ships multilingual.json with techniques to add");
    assert!(m.head.adds.contains_key("Questioning_the_Reputation"));
    let mut art = article("reputation", REPUTATION);
    a.annotate(&mut art).unwrap();
    let labels = |index: usize| paragraph_labels(&art, index);
    assert!(
        labels(3).contains(&"Questioning_the_Reputation".to_string()),
        "{:?}",
        art.paragraph_techniques
    );
    assert!(labels(5).is_empty(), "{:?}", art.paragraph_techniques);
}

const FRENCH: &str = "Le maire Dupont ment aux habitants depuis vingt ans\n\n\
Le maire Dupont ment aux habitants depuis vingt ans, et son bilan de promesses trahies prouve qu'on ne peut lui confier l'argent de personne. Ce menteur arrogant se moque des familles qui travaillent dur. Comment croire un seul mot d'un homme qui empoche l'argent des banques qu'il prétend contrôler ?\n\n\
Le conseil municipal examinera le budget mardi, et un vote est prévu avant la fin du mois.\n";

/// An article in another language: paragraph labels from the multilingual head alone (on the
/// attack, not on the schedule), no highlights from the English span model, frames, and a
/// warning that says so.
#[test]
fn an_article_in_french_gets_the_multilingual_labels_and_a_warning() {
    let a = analyzer();
    let mut art = article("francais", FRENCH);
    assert_eq!(art.metadata.language.as_deref(), Some("fr"));
    a.annotate(&mut art).unwrap();
    assert!(
        art.warnings.iter().any(|w| w.starts_with("language fr:")),
        "{:?}",
        art.warnings
    );
    assert!(art.techniques.is_empty(), "{:?}", art.techniques);
    let labels = |index: usize| paragraph_labels(&art, index);
    let attack = labels(3);
    assert!(
        attack.contains(&"Questioning_the_Reputation".to_string())
            || attack.contains(&"Name_Calling-Labeling".to_string()),
        "{:?}",
        art.paragraph_techniques
    );
    assert!(labels(5).is_empty(), "{:?}", art.paragraph_techniques);
    assert!(!art.frames.is_empty());
}
