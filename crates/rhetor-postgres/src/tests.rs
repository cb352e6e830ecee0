//! Tests on a throwaway PostgreSQL server (skipped when PostgreSQL is not installed, failed under
//! `CI=true`).

use std::collections::{BTreeMap, HashMap, HashSet};

use rhetor_corpus::compare::{self, Groups, Period};
use rhetor_corpus::corpus::{story_input, Embed};
use rhetor_corpus::search::{self, Mode};
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

/// The checks every backend passes (`rhetor_corpus::testsuite`), on PostgreSQL.
#[test]
fn the_shared_store_suite_passes_on_postgres() {
    let Some(pg) = TempPostgres::start_or_skip("the_shared_store_suite_passes_on_postgres") else {
        return;
    };
    let url = pg.fresh_database().unwrap();
    let stories = {
        let mut c = PgCorpus::connect(&url, Bag).unwrap();
        rhetor_corpus::testsuite::populate(&mut c)
    };
    let mut store = PgStore::connect(&url).unwrap();
    rhetor_corpus::testsuite::check_store(&mut store, &stories);
}

/// The same inputs added in the same order to both backends give the same answers to
/// `stories`, `search`, `compare` and `stats` (disk bytes aside).
#[test]
fn both_backends_give_the_same_answers() {
    let Some(pg) = TempPostgres::start_or_skip("both_backends_give_the_same_answers") else {
        return;
    };
    let url = pg.fresh_database().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut arts = quake_articles();
    arts.extend(many_articles(80));
    // One without a date: its time is the time of adding (not compared: it differs by run).
    {
        let mut sq = rhetor_corpus::Corpus::open(dir.path(), Bag).unwrap();
        let mut pc = PgCorpus::connect(&url, Bag).unwrap();
        for a in &arts {
            let x = sq.put(a).unwrap();
            let y = pc.put(a).unwrap();
            assert_eq!(x, y, "{}", a.id);
        }
    }
    let mut sq = rhetor_corpus::SqliteStore::open_read(dir.path()).unwrap();
    let mut pgs = PgStore::connect(&url).unwrap();

    let (mut a, mut b) = (sq.stats().unwrap(), pgs.stats().unwrap());
    a.disk_bytes = 0;
    b.disk_bytes = 0;
    assert_eq!(a, b);
    assert_eq!(sq.stories(1000).unwrap(), pgs.stories(1000).unwrap());
    assert_eq!(
        sq.list(&Filter::default(), 1000, 0).unwrap(),
        pgs.list(&Filter::default(), 1000, 0).unwrap()
    );
    assert_eq!(sq.outlets().unwrap(), pgs.outlets().unwrap());
    let groups = Groups(
        [
            (
                "left".to_string(),
                vec!["alpha.com".to_string(), "beta.org".to_string()],
            ),
            ("right".to_string(), vec!["gamma.net".to_string()]),
        ]
        .into(),
    );
    let (all_x, all_y) = (sq.counts(None).unwrap(), pgs.counts(None).unwrap());
    assert_eq!(all_x, all_y);
    for p in [Period::Day, Period::Week, Period::Month] {
        let (x, y) = (sq.counts(Some(p)).unwrap(), pgs.counts(Some(p)).unwrap());
        assert_eq!(x, y, "{p:?}");
        assert_eq!(
            serde_json::to_value(compare::compare_outlets(&all_x, Some(&x), Some(&groups)))
                .unwrap(),
            serde_json::to_value(compare::compare_outlets(&all_y, Some(&y), Some(&groups)))
                .unwrap()
        );
    }
    for s in sq.stories(1000).unwrap() {
        assert_eq!(
            sq.story_members(s.id).unwrap(),
            pgs.story_members(s.id).unwrap()
        );
        assert_eq!(
            serde_json::to_value(compare::compare_story(&sq, s.id, Some(&groups)).unwrap())
                .unwrap(),
            serde_json::to_value(compare::compare_story(&pgs, s.id, Some(&groups)).unwrap())
                .unwrap()
        );
    }
    // Semantic search: the same int8 vectors and the same exact scan; text search: the same
    // words and the same BM25: so the same hits, scores and snippets in the same order, in
    // every mode; and a headline finds its own article first in both.
    let filters = [
        Filter::default(),
        Filter {
            outlet: Some("beta.org".into()),
            ..Filter::default()
        },
        Filter {
            since: Some("2024-03-02".into()),
            ..Filter::default()
        },
    ];
    for q in [
        "earthquake Nepal",
        "Brazil election Brasilia",
        "flood",
        "strike pensions",
        "Kelowna wildfire Canada",
        "the",
    ] {
        let v = Bag.embed(q, "").unwrap();
        for f in &filters {
            let x = search::search(&mut sq, q, Some(&v), Mode::Semantic, f, 20).unwrap();
            let y = search::search(&mut pgs, q, Some(&v), Mode::Semantic, f, 20).unwrap();
            assert_eq!(x, y, "{q} {f:?}");
            let x = search::search(&mut sq, q, None, Mode::Text, f, 200).unwrap();
            let y = search::search(&mut pgs, q, None, Mode::Text, f, 200).unwrap();
            assert_eq!(x, y, "{q} {f:?}");
            // Among equal BM25 scores SQLite's sorter does not keep storage order, so a page cut
            // among them may keep different ones, and fusion (which reads ranks) may order them
            // differently: the scores of a short page, and the hybrid hits, are the same.
            let keys = |h: Vec<search::Hit>| {
                let mut k: Vec<String> = h.into_iter().map(|h| h.key).collect();
                k.sort();
                k
            };
            let x = search::search(&mut sq, q, Some(&v), Mode::Hybrid, f, 200).unwrap();
            let y = search::search(&mut pgs, q, Some(&v), Mode::Hybrid, f, 200).unwrap();
            assert_eq!(keys(x), keys(y), "{q} {f:?}");
            let scores = |h: Vec<search::Hit>| h.iter().map(|h| h.score).collect::<Vec<_>>();
            let x = search::search(&mut sq, q, None, Mode::Text, f, 3).unwrap();
            let y = search::search(&mut pgs, q, None, Mode::Text, f, 3).unwrap();
            assert_eq!(scores(x), scores(y), "{q} {f:?}");
        }
    }
    for a in arts.iter().take(12) {
        let q = a.title.clone().unwrap();
        for (name, store) in [
            ("sqlite", &mut sq as &mut dyn Store),
            ("postgres", &mut pgs),
        ] {
            let hits = search::search(store, &q, None, Mode::Text, &Filter::default(), 3).unwrap();
            assert_eq!(hits[0].id, a.id, "{name}: {q}: {hits:?}");
        }
    }
}

/// A worker starts from the stored story index snapshot (written as the corpus grows) and still
/// assigns exactly as one process that stored everything would.
#[test]
fn workers_start_from_the_stored_index_snapshot_with_the_same_stories() {
    let Some(pg) = TempPostgres::start_or_skip(
        "workers_start_from_the_stored_index_snapshot_with_the_same_stories",
    ) else {
        return;
    };
    let url = pg.fresh_database().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let arts = many_articles(300);
    let mut sq = rhetor_corpus::Corpus::open(dir.path(), Bag).unwrap();
    {
        let mut first = PgCorpus::connect(&url, Bag).unwrap();
        for a in &arts[..280] {
            assert_eq!(first.put(a).unwrap(), sq.put(a).unwrap(), "{}", a.id);
        }
    }
    let store = PgStore::connect(&url).unwrap();
    let snap = store
        .story_index()
        .unwrap()
        .expect("a snapshot after 256 articles");
    assert!(
        snap.articles >= 256 && snap.articles < 280,
        "{}",
        snap.articles
    );
    let mut second = PgCorpus::connect(&url, Bag).unwrap();
    assert!(second.notices().is_empty());
    for a in &arts[280..290] {
        assert_eq!(second.put(a).unwrap(), sq.put(a).unwrap(), "{}", a.id);
    }
    // A damaged snapshot is only a cache: rebuilt from the articles, with a notice.
    store
        .client()
        .unwrap()
        .batch_execute("UPDATE story_index SET state = '\\x00'")
        .unwrap();
    let mut third = PgCorpus::connect(&url, Bag).unwrap();
    assert_eq!(third.notices().len(), 1);
    for a in &arts[290..] {
        assert_eq!(third.put(a).unwrap(), sq.put(a).unwrap(), "{}", a.id);
    }
    drop(sq);
    let sq = rhetor_corpus::SqliteStore::open_read(dir.path()).unwrap();
    assert_eq!(sq.stories(1000).unwrap(), store.stories(1000).unwrap());
}

/// Connections sharing one vector cache (the server's readers) keep one copy, each row once,
/// and all see rows added after the cache was filled.
#[test]
fn readers_share_one_vector_cache() {
    let Some(pg) = TempPostgres::start_or_skip("readers_share_one_vector_cache") else {
        return;
    };
    let url = pg.fresh_database().unwrap();
    let mut c = PgCorpus::connect(&url, Bag).unwrap();
    let arts = many_articles(30);
    for a in &arts[..20] {
        c.put(a).unwrap();
    }
    let shared = crate::store::SharedVectors::default();
    let mut r1 = PgStore::connect(&url).unwrap().with_vectors(shared.clone());
    let mut r2 = PgStore::connect(&url).unwrap().with_vectors(shared.clone());
    let v = Bag.embed("Brazil election Brasilia", "").unwrap();
    assert_eq!(r1.nearest(&v, &Filter::default(), 50).unwrap().len(), 20);
    for a in &arts[20..] {
        c.put(a).unwrap();
    }
    let a = r2.nearest(&v, &Filter::default(), 50).unwrap();
    let b = r1.nearest(&v, &Filter::default(), 50).unwrap();
    assert_eq!(a.len(), 30);
    assert_eq!(a, b);
    let cache = shared.0.read().unwrap();
    assert_eq!(cache.seqs.len(), 30);
    assert_eq!(cache.data.len(), 30 * crate::store::DIM);
}
