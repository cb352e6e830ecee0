//! Tests on a throwaway PostgreSQL server (skipped when PostgreSQL is not installed, failed under
//! `CI=true`).

use std::collections::{BTreeMap, HashMap, HashSet};

use rhetor_corpus::corpus::{story_input, Embed};
use rhetor_corpus::store::{Filter, Store};
use rhetor_corpus::testsuite::{article, quake_articles, Bag};
use rhetor_corpus::{AddOutcome, CorpusError, Sink};
use rhetor_doc::Article;
use rhetor_stories::{StoryConfig, StoryIndex};

use crate::testkit::TempPostgres;
use crate::{PgCorpus, PgStore};

/// Articles on a few topics, several per topic and outlet, so that stories form.
fn many_articles(n: usize) -> Vec<Article> {
    let topics = [
        (
            "earthquake",
            "Nepal",
            "Pokhara",
            "rescuers searched rubble after the magnitude 7.1 earthquake near Pokhara in Nepal",
        ),
        (
            "election",
            "Brazil",
            "Brasilia",
            "voters in Brazil queued in Brasilia to elect a president in a tight runoff election",
        ),
        (
            "flood",
            "Germany",
            "Cologne",
            "the Rhine flooded Cologne in Germany after days of heavy rain, forcing evacuations",
        ),
        (
            "strike",
            "France",
            "Marseille",
            "dockers in Marseille walked out in a national strike over pensions across France",
        ),
        (
            "wildfire",
            "Canada",
            "Kelowna",
            "a wildfire near Kelowna in British Columbia, Canada, forced thousands to flee",
        ),
    ];
    let outlets = ["alpha.com", "beta.org", "gamma.net", "delta.info"];
    (0..n)
        .map(|i| {
            let (what, country, city, lead) = topics[i % topics.len()];
            let outlet = outlets[(i / topics.len()) % outlets.len()];
            let day = 1 + (i / (topics.len() * outlets.len())) % 3;
            article(
                &format!("a{i}"),
                outlet,
                &format!("2024-03-0{day}"),
                &format!("{country} {what}: {city} report number {i}"),
                &format!("Report {i}: {lead}, officials in {city} said on the day; piece {i} of the coverage."),
            )
        })
        .collect()
}

#[test]
fn schema_newer_than_this_build_is_refused() {
    let Some(pg) = TempPostgres::start_or_skip("schema_newer_than_this_build_is_refused") else {
        return;
    };
    let url = pg.fresh_database().unwrap();
    let store = PgStore::connect(&url).unwrap();
    store
        .client()
        .unwrap()
        .batch_execute("UPDATE schema_version SET version = version + 1")
        .unwrap();
    drop(store);
    match PgStore::connect(&url) {
        Err(e @ CorpusError::TooNew { .. }) => {
            assert!(e.to_string().contains("newer rhetor"), "{e}")
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a newer schema was opened"),
    }
    // A second connect of an up-to-date database migrates nothing and works.
    let other = pg.fresh_database().unwrap();
    PgStore::connect(&other).unwrap();
    PgStore::connect(&other).unwrap();
}

#[test]
fn a_bad_url_is_a_typed_error_naming_the_server_without_its_password() {
    let e = PgStore::connect("postgresql://u:secret@127.0.0.1:1/db").unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, CorpusError::Backend(_)), "{m}");
    assert!(m.contains("127.0.0.1:1") && !m.contains("secret"), "{m}");
}

#[test]
fn put_stores_once_and_the_store_answers() {
    let Some(pg) = TempPostgres::start_or_skip("put_stores_once_and_the_store_answers") else {
        return;
    };
    let url = pg.fresh_database().unwrap();
    let mut c = PgCorpus::connect(&url, Bag).unwrap();
    let arts = quake_articles();
    let mut stories = Vec::new();
    for a in &arts {
        match c.put(a).unwrap() {
            AddOutcome::Added { story, .. } => stories.push(story),
            o => panic!("{o:?}"),
        }
    }
    assert_eq!(stories[0], stories[1]);
    assert_ne!(stories[0], stories[2]);
    let g = c.store().generation().unwrap();
    let mut again = arts[0].clone();
    again.id = "copy".into();
    assert!(matches!(
        c.put(&again).unwrap(),
        AddOutcome::Duplicate { .. }
    ));
    assert_eq!(
        c.store().generation().unwrap(),
        g,
        "a duplicate writes nothing"
    );
    let mut s = PgStore::connect(&url).unwrap();
    assert_eq!(s.stats().unwrap().articles, 4);
    assert_eq!(s.stats().unwrap().stories, 3);
    let (row, doc) = s.article("q2").unwrap().unwrap();
    assert_eq!(doc, arts[1]);
    assert_eq!(row.story, Some(stories[1]));
    let v = Bag
        .embed("City council approves new bicycle lanes on Main Street", "")
        .unwrap();
    let near = s.nearest(&v, &Filter::default(), 2).unwrap();
    assert_eq!(near[0].0, s.article("b1").unwrap().unwrap().0.key);
    // Articles added after the vector cache was filled are found too.
    let extra = article(
        "n1",
        "gamma.net",
        "2024-03-03",
        "Harlow bicycle lanes: Main Street works start",
        "Builders began the protected bicycle lanes on Main Street in Harlow.",
    );
    c.put(&extra).unwrap();
    let near = s.nearest(&v, &Filter::default(), 5).unwrap();
    assert_eq!(near.len(), 5);
    let f = Filter {
        outlet: Some("gamma.net".into()),
        ..Filter::default()
    };
    let near = s.nearest(&v, &f, 5).unwrap();
    assert_eq!(near.len(), 1);
    assert!(s.generation().unwrap() > g);
}

/// Several workers, each with its own connection and story index, store overlapping articles at
/// once: every article is stored exactly once, and the stories are the ones one process gets by
/// storing the same articles in the same (storage) order.
#[test]
fn concurrent_workers_store_each_article_once_with_consistent_stories() {
    let Some(pg) = TempPostgres::start_or_skip(
        "concurrent_workers_store_each_article_once_with_consistent_stories",
    ) else {
        return;
    };
    let url = pg.fresh_database().unwrap();
    let arts = many_articles(60);
    let workers = 4;
    let outcomes: Vec<Vec<AddOutcome>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let url = url.clone();
                let arts = &arts;
                s.spawn(move || {
                    let mut c = PgCorpus::connect(&url, Bag).unwrap();
                    // Each worker takes every article but in its own rotated order: each
                    // article is offered 4 times, at different moments.
                    let n = arts.len();
                    (0..n)
                        .map(|i| c.put(&arts[(i + w * n / workers) % n]).unwrap())
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let added: Vec<&AddOutcome> = outcomes
        .iter()
        .flatten()
        .filter(|o| matches!(o, AddOutcome::Added { .. }))
        .collect();
    assert_eq!(added.len(), arts.len(), "each article added exactly once");
    let store = PgStore::connect(&url).unwrap();
    assert_eq!(store.stats().unwrap().articles, arts.len() as u64);
    let keys: HashSet<String> = store
        .list(&Filter::default(), 1000, 0)
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(keys.len(), arts.len());

    // Replay the stored articles in storage order through one fresh index: the same stories.
    let mut index = StoryIndex::new(StoryConfig::default());
    let mut sizes: BTreeMap<u64, u64> = BTreeMap::new();
    for row in store.rows_after(0).unwrap() {
        let a = index
            .assign(&story_input(
                &row.article,
                &row.key,
                row.added_at,
                row.vector,
            ))
            .unwrap();
        let stored = store.article(&row.key).unwrap().unwrap().0.story;
        assert_eq!(stored, Some(a.story_id), "{}", row.key);
        *sizes.entry(a.story_id).or_default() += 1;
    }
    // Every story's stored size is its member count.
    let stored: HashMap<u64, u64> = store
        .stories(1000)
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s.size))
        .collect();
    assert_eq!(stored, sizes.into_iter().collect::<HashMap<_, _>>());
    assert!(stored.len() < arts.len(), "stories group articles");
}
