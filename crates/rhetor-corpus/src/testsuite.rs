//! Articles, an embedder and checks that every store backend must pass: the embedded store's
//! tests use them, and so do other backends' (`rhetor-postgres` runs them on PostgreSQL).
//! Compiled for this crate's tests and with the `testsuite` feature.

use rhetor_doc::{Article, FrameScore, Paragraph, ParagraphKind, Quote, QuoteKind, TechniqueSpan};

use crate::compare::{self, Groups, Period};
use crate::corpus::{AddOutcome, Embed, Sink};
use crate::search::{self, Mode};
use crate::store::{ArticleRow, Filter, Store};
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

/// Stores [`quake_articles`] through `sink`, checks that each is added and that the first again
/// (another id and file name) is a duplicate; returns each article's story.
pub fn populate(sink: &mut dyn Sink) -> Vec<u64> {
    let arts = quake_articles();
    let mut stories = Vec::new();
    for a in &arts {
        match sink.put(a).expect("put") {
            AddOutcome::Added { story, .. } => stories.push(story),
            o => panic!("{}: {o:?}", a.id),
        }
    }
    // The two Nepal pieces share a story; the Chile quake and the council vote do not.
    assert_eq!(stories[0], stories[1]);
    assert_ne!(stories[0], stories[2]);
    assert_ne!(stories[2], stories[3]);
    let mut again = arts[0].clone();
    again.id = "copy".into();
    again.source = "elsewhere/copy.txt".into();
    assert!(matches!(
        sink.put(&again).expect("put"),
        AddOutcome::Duplicate { .. }
    ));
    stories
}

fn ids(rows: &[ArticleRow]) -> Vec<&str> {
    rows.iter().map(|r| r.id.as_str()).collect()
}

/// What every backend must answer about a store that [`populate`] filled (`stories`: what it
/// returned): dedupe, list and count filters, text search, nearest vectors, stories, stats,
/// comparisons, hostile query text.
pub fn check_store(store: &mut dyn Store, stories: &[u64]) {
    // Stats.
    let st = store.stats().unwrap();
    assert_eq!(st.articles, 4);
    assert_eq!(st.stories, 3);
    assert_eq!(st.outlets, 2);
    assert_eq!(st.technique_spans, 1);
    assert_eq!(st.quotes, 1);
    assert!(st.words > 60, "{}", st.words);
    assert_eq!(st.first_published.as_deref(), Some("2024-03-01"));
    assert_eq!(st.last_published.as_deref(), Some("2024-03-02"));

    // Lists: most recent first, pages, filters; count agrees with list.
    let all = store.list(&Filter::default(), 10, 0).unwrap();
    assert_eq!(ids(&all), ["b1", "q3", "q2", "q1"]);
    assert_eq!(
        ids(&store.list(&Filter::default(), 2, 1).unwrap()),
        ["q3", "q2"]
    );
    let day = |s: &str| Some(s.to_string());
    let cases: Vec<(Filter, Vec<&str>)> = vec![
        (Filter::default(), vec!["b1", "q3", "q2", "q1"]),
        (
            Filter {
                outlet: day("alpha.com"),
                ..Filter::default()
            },
            vec!["q3", "q1"],
        ),
        (
            Filter {
                until: day("2024-03-01"),
                ..Filter::default()
            },
            vec!["q2", "q1"],
        ),
        (
            Filter {
                since: day("2024-03-02"),
                ..Filter::default()
            },
            vec!["b1", "q3"],
        ),
        (
            Filter {
                since: day("2024-03-02"),
                outlet: day("beta.org"),
                ..Filter::default()
            },
            vec!["b1"],
        ),
        (
            Filter {
                technique: day("Loaded_Language"),
                ..Filter::default()
            },
            vec!["q1"],
        ),
        (
            Filter {
                frame: day("Health_and_safety"),
                ..Filter::default()
            },
            vec!["q1"],
        ),
        (
            Filter {
                genre: day("opinion"),
                ..Filter::default()
            },
            vec![],
        ),
        (
            Filter {
                story: Some(stories[0]),
                ..Filter::default()
            },
            vec!["q2", "q1"],
        ),
        (
            Filter {
                outlet: day("nowhere.net"),
                ..Filter::default()
            },
            vec![],
        ),
    ];
    for (f, want) in &cases {
        let got = store.list(f, 10, 0).unwrap();
        assert_eq!(ids(&got), *want, "{f:?}");
        assert_eq!(store.count(f).unwrap(), want.len() as u64, "{f:?}");
    }

    // Articles by id and by key.
    let (row, doc) = store.article("q2").unwrap().expect("q2");
    assert_eq!(doc, quake_articles()[1]);
    assert_eq!(row.story, Some(stories[1]));
    assert_eq!(store.article(&row.key).unwrap().expect("by key").0, row);
    assert!(store.article("nothing").unwrap().is_none());

    // Search: a headline finds its article first in every mode; filters hold.
    for mode in [Mode::Text, Mode::Hybrid, Mode::Semantic] {
        let q = "City council approves new bicycle lanes on Main Street";
        let v = Bag.embed(q, "").unwrap();
        let hits = search::search(store, q, Some(&v), mode, &Filter::default(), 3).unwrap();
        assert_eq!(hits[0].id, "b1", "{mode:?}");
    }
    let alpha = Filter {
        outlet: day("alpha.com"),
        ..Filter::default()
    };
    let hits = search::search(store, "earthquake", None, Mode::Text, &alpha, 10).unwrap();
    assert_eq!(hits.len(), 2);
    assert!(hits
        .iter()
        .all(|h| h.outlet.as_deref() == Some("alpha.com")));
    assert!(
        hits.iter()
            .all(|h| h.snippet.to_lowercase().contains("[earthquake]")),
        "{hits:?}"
    );
    let hits = search::search(
        store,
        "Pokhara Valparaiso",
        None,
        Mode::Text,
        &Filter::default(),
        10,
    )
    .unwrap();
    let mut found: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
    found.sort();
    assert_eq!(found, ["q1", "q2", "q3"], "any word fills the page");
    assert!(
        search::search(store, "zebra", None, Mode::Text, &Filter::default(), 10)
            .unwrap()
            .is_empty()
    );
    for q in [
        "\"",
        "NEAR(",
        "a OR",
        "title:*",
        "-",
        "'; DROP TABLE articles; --",
        "",
        "!&|:*",
    ] {
        search::search(store, q, None, Mode::Text, &Filter::default(), 5).unwrap();
    }

    // Nearest vectors: an article's own vector finds it; filters hold.
    let arts = quake_articles();
    let v = Bag
        .embed(
            arts[2].title.as_deref().unwrap(),
            &crate::sqlite::body_text(&arts[2]),
        )
        .unwrap();
    let near = store.nearest(&v, &Filter::default(), 4).unwrap();
    assert_eq!(near.len(), 4);
    assert_eq!(store.article(&near[0].0).unwrap().unwrap().0.id, "q3");
    assert!(near[0].1 > 0.95, "{}", near[0].1);
    let beta = Filter {
        outlet: day("beta.org"),
        ..Filter::default()
    };
    let near = store.nearest(&v, &beta, 4).unwrap();
    assert_eq!(near.len(), 2);

    // Stories.
    let list = store.stories(10).unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].id, stories[0]);
    assert_eq!(list[0].size, 2);
    assert_eq!(list[0].outlets.len(), 2);
    assert_eq!(store.story(stories[0]).unwrap().as_ref(), Some(&list[0]));
    assert!(store.story(999_999).unwrap().is_none());
    assert_eq!(ids(&store.story_members(stories[0]).unwrap()), ["q1", "q2"]);
    assert_eq!(store.stories(1).unwrap().len(), 1);

    // Comparisons.
    let groups = Groups([("west".to_string(), vec!["alpha.com".to_string()])].into());
    let cmp = compare::compare_story(store, stories[0], Some(&groups)).unwrap();
    assert_eq!(cmp.outlets.len(), 2);
    let b = cmp.outlets.iter().find(|s| s.name == "beta.org").unwrap();
    assert_eq!(b.exclusive_speakers, vec!["Ram Thapa".to_string()]);
    let a = cmp.outlets.iter().find(|s| s.name == "alpha.com").unwrap();
    assert!(a.profile.techniques_per_1000_words["Loaded_Language"] > 0.0);
    let counts = store.counts(None).unwrap();
    let oc = compare::compare_outlets(&counts, None, Some(&groups));
    assert_eq!(oc.outlets.len(), 2);
    assert_eq!(oc.corpus[0].articles, 4);
    assert_eq!(oc.groups[0].articles, 2);
    let week: Vec<String> = store
        .counts(Some(Period::Week))
        .unwrap()
        .size
        .keys()
        .map(|(o, p)| format!("{o} {p}"))
        .collect();
    assert_eq!(week, ["alpha.com 2024-W09", "beta.org 2024-W09"]);
    let days = store.counts(Some(Period::Day)).unwrap();
    assert_eq!(
        days.size[&("alpha.com".to_string(), "2024-03-02".to_string())].0,
        1
    );
    let months = store.counts(Some(Period::Month)).unwrap();
    assert_eq!(
        months.size[&("beta.org".to_string(), "2024-03".to_string())].0,
        2
    );
    assert_eq!(
        months.techniques[&(
            "alpha.com".to_string(),
            "2024-03".to_string(),
            "Loaded_Language".to_string(),
            "manipulative_wording".to_string()
        )],
        1
    );
    assert_eq!(
        store.outlets().unwrap(),
        [("alpha.com".to_string(), 2), ("beta.org".to_string(), 2)]
    );
}
