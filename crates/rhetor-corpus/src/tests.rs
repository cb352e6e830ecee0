//! End-to-end tests of the corpus on small articles written for them, with a deterministic
//! bag-of-words embedder (the real encoder is exercised by the CLI tests).

use std::collections::HashSet;

use crate::compare::{self, Groups};
use crate::corpus::{AddOutcome, Corpus, Embed};
use crate::search::{self, Mode};
use crate::store::{Filter, Store};
use crate::testsuite::{article, quake_articles, Bag};

#[test]
fn add_dedupes_groups_searches_and_compares() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Corpus::open(dir.path(), Bag).unwrap();
    let arts = quake_articles();
    let mut stories = Vec::new();
    for a in &arts {
        match c.add(a).unwrap() {
            AddOutcome::Added { story, .. } => stories.push(story),
            o => panic!("{o:?}"),
        }
    }
    c.commit(true).unwrap();
    // The two Nepal pieces share a story; the Chile quake and the council vote do not.
    assert_eq!(stories[0], stories[1]);
    assert_ne!(stories[0], stories[2]);
    assert_ne!(stories[2], stories[3]);

    // The same article again (another file name, other spacing) is a duplicate.
    let mut again = arts[0].clone();
    again.id = "copy".into();
    again.source = "elsewhere/copy.txt".into();
    assert!(matches!(
        c.add(&again).unwrap(),
        AddOutcome::Duplicate { .. }
    ));
    c.commit(true).unwrap();
    let st = c.store().stats().unwrap();
    assert_eq!(st.articles, 4);
    assert_eq!(st.stories, 3);
    drop(c);

    let mut store = crate::SqliteStore::open(dir.path()).unwrap();
    // Headline search finds the article first, in every mode.
    for mode in [Mode::Text, Mode::Hybrid, Mode::Semantic] {
        let q = "City council approves new bicycle lanes on Main Street";
        let v = Bag.embed(q, "").unwrap();
        let hits = search::search(&mut store, q, Some(&v), mode, &Filter::default(), 3).unwrap();
        assert_eq!(hits[0].id, "b1", "{mode:?}");
    }
    // Filters return only what they name.
    let f = Filter {
        outlet: Some("alpha.com".into()),
        ..Filter::default()
    };
    let hits = search::search(&mut store, "earthquake", None, Mode::Text, &f, 10).unwrap();
    assert!(!hits.is_empty());
    assert!(hits
        .iter()
        .all(|h| h.outlet.as_deref() == Some("alpha.com")));
    let f = Filter {
        technique: Some("Loaded_Language".into()),
        ..Filter::default()
    };
    assert_eq!(store.list(&f, 10, 0).unwrap().len(), 1);
    let f = Filter {
        until: Some("2024-03-01".into()),
        ..Filter::default()
    };
    let ids: HashSet<String> = store
        .list(&f, 10, 0)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, HashSet::from(["q1".to_string(), "q2".to_string()]));

    // The Nepal story, outlet by outlet and by group.
    let groups = Groups([("west".to_string(), vec!["alpha.com".to_string()])].into());
    let cmp = compare::compare_story(&store, stories[0], Some(&groups)).unwrap();
    assert_eq!(cmp.outlets.len(), 2);
    let beta = cmp.outlets.iter().find(|s| s.name == "beta.org").unwrap();
    assert_eq!(beta.exclusive_speakers, vec!["Ram Thapa".to_string()]);
    assert_eq!(cmp.groups.len(), 1);
    let alpha = cmp.outlets.iter().find(|s| s.name == "alpha.com").unwrap();
    assert!(alpha.profile.techniques_per_1000_words["Loaded_Language"] > 0.0);

    let counts = store.counts(None).unwrap();
    let oc = compare::compare_outlets(&counts, None, Some(&groups));
    assert_eq!(oc.outlets.len(), 2);
    assert_eq!(oc.corpus[0].articles, 4);
    assert_eq!(oc.groups[0].articles, 2);
}

#[test]
fn an_interrupted_add_leaves_a_consistent_store_and_the_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let arts = quake_articles();
    {
        let mut c = Corpus::open(dir.path(), Bag).unwrap();
        c.add(&arts[0]).unwrap();
        c.commit(false).unwrap();
        // Two more added but never committed: the process "dies" here.
        c.add(&arts[1]).unwrap();
        c.add(&arts[2]).unwrap();
    }
    let reference_story_of_q2 = {
        let d2 = tempfile::tempdir().unwrap();
        let mut c = Corpus::open(d2.path(), Bag).unwrap();
        let mut last = 0;
        for a in &arts {
            if let AddOutcome::Added { story, .. } = c.add(a).unwrap() {
                last = story;
            }
        }
        c.commit(true).unwrap();
        let _ = last;
        c.store().article("q2").unwrap().unwrap().0.story
    };
    let mut c = Corpus::open(dir.path(), Bag).unwrap();
    assert_eq!(c.store().stats().unwrap().articles, 1);
    for a in &arts {
        c.add(a).unwrap();
    }
    c.commit(true).unwrap();
    let st = c.store().stats().unwrap();
    assert_eq!(st.articles, 4, "every article stored exactly once");
    // Stories come out as in a run that was never interrupted.
    assert_eq!(
        c.store().article("q2").unwrap().unwrap().0.story,
        reference_story_of_q2
    );
    drop(c);
    // A stale snapshot (articles committed after it) is replayed on open.
    std::fs::remove_file(dir.path().join(crate::corpus::STORY_INDEX_FILE)).unwrap();
    let mut c = Corpus::open(dir.path(), Bag).unwrap();
    let extra = article("n1", "gamma.net", "2024-03-01", "Nepal earthquake near Pokhara: rescuers search rubble",
        "Rescuers searched the rubble near Pokhara in Nepal on Friday after the 7.1 earthquake, Kathmandu officials said.");
    let AddOutcome::Added {
        story, new_story, ..
    } = c.add(&extra).unwrap()
    else {
        panic!("not added")
    };
    assert!(!new_story);
    assert_eq!(Some(story), reference_story_of_q2);
}

#[test]
fn hostile_query_text_is_not_fts_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Corpus::open(dir.path(), Bag).unwrap();
    for a in quake_articles() {
        c.add(&a).unwrap();
    }
    c.commit(true).unwrap();
    drop(c);
    let mut store = crate::SqliteStore::open(dir.path()).unwrap();
    for q in [
        "\"",
        "NEAR(",
        "a OR",
        "title:*",
        "-",
        "'; DROP TABLE articles; --",
        "",
    ] {
        search::search(&mut store, q, None, Mode::Text, &Filter::default(), 5).unwrap();
    }
    assert_eq!(store.stats().unwrap().articles, 4);
}

#[test]
fn a_snapshot_of_another_version_is_rebuilt_from_the_articles() {
    let dir = tempfile::tempdir().unwrap();
    let arts = quake_articles();
    let story_of_q2 = {
        let mut c = Corpus::open(dir.path(), Bag).unwrap();
        for a in &arts {
            c.add(a).unwrap();
        }
        c.commit(true).unwrap();
        c.store().article("q2").unwrap().unwrap().0.story
    };
    std::fs::write(
        dir.path().join(crate::corpus::STORY_INDEX_FILE),
        b"not a snapshot",
    )
    .unwrap();
    let c = Corpus::open(dir.path(), Bag).unwrap();
    assert_eq!(c.notices().len(), 1);
    assert_eq!(c.store().stats().unwrap().stories, 3);
    assert_eq!(
        c.store().article("q2").unwrap().unwrap().0.story,
        story_of_q2
    );
}

/// One writer at a time: a second writer is refused with a message that says why, readers are
/// not, and the lock goes with the first writer.
#[test]
fn a_second_writer_is_refused_until_the_first_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let first = crate::SqliteStore::open(dir.path()).unwrap();
    let second = crate::SqliteStore::open(dir.path());
    match second {
        Err(e @ crate::CorpusError::Busy(_)) => {
            let m = e.to_string();
            assert!(m.contains("another process is writing"), "{m}");
            assert!(m.contains(&dir.path().display().to_string()), "{m}");
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("two writers were let in"),
    }
    assert!(crate::SqliteStore::open_read(dir.path()).is_ok());
    drop(first);
    assert!(crate::SqliteStore::open(dir.path()).is_ok());
}

/// A reader never creates a store, and one polling a folder while a writer creates the store
/// there never breaks the writer (the CI failure of stop 29: the reader ran the first migration
/// too, and `add` then met "table articles already exists").
#[test]
fn readers_polling_a_store_being_created_never_break_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let none = dir.path().join("none");
    std::fs::create_dir(&none).unwrap();
    let e = crate::SqliteStore::open_read(&none)
        .err()
        .expect("no store there");
    assert!(e.to_string().contains("none"), "{e}");
    assert_eq!(
        std::fs::read_dir(&none).unwrap().count(),
        0,
        "a reader created files"
    );
    for round in 0..30 {
        let d = dir.path().join(format!("s{round}"));
        std::fs::create_dir(&d).unwrap();
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        if let Ok(r) = crate::SqliteStore::open_read(&d) {
                            // Whatever it sees is a store of this version.
                            if let Err(e) = r.stats() {
                                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                                panic!("a reader failed: {e}");
                            }
                        }
                    }
                });
            }
            let written = (|| {
                let mut c = Corpus::open(&d, Bag)?;
                c.add(&article(
                    "a1",
                    "Reuters",
                    "2026-01-05",
                    "Quake shakes the coast",
                    "A quake shook the coast on Monday.",
                ))?;
                c.commit(true)
            })();
            // Stop the readers before any assertion, so that a failure ends the scope.
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            if let Err(e) = written {
                panic!("round {round}: the writer failed: {e}");
            }
        });
        let r = crate::SqliteStore::open_read(&d).unwrap();
        assert_eq!(r.stats().unwrap().articles, 1);
    }
}

/// The checks every backend passes (`testsuite`), on the embedded store.
#[test]
fn the_shared_store_suite_passes_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let stories = {
        let mut c = Corpus::open(dir.path(), Bag).unwrap();
        crate::testsuite::populate(&mut c)
    };
    let mut store = crate::SqliteStore::open_read(dir.path()).unwrap();
    crate::testsuite::check_store(&mut store, &stories);
}
