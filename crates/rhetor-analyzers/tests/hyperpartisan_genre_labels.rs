//! The hand-labelled genre of hyperpartisan web articles (`data/hyperpartisan_genre.tsv`, trained
//! on, and `data/hyperpartisan_genre_fresh.tsv`, the fresh check; see
//! `data/hyperpartisan_genre.README.md`): the files are well formed, label no article twice and,
//! when `../shared/data` is present, every label still points at the article it was made for
//! (SHA-256 of the article element). Without the data the hash check is skipped, saying why (a
//! failure under `CI=true`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

const LABELS: &str = include_str!("data/hyperpartisan_genre.tsv");
const FRESH: &str = include_str!("data/hyperpartisan_genre_fresh.tsv");

/// `id → (genre, sha256)` of both files (an id in both is labelled twice).
fn labels() -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for line in LABELS
        .lines()
        .chain(FRESH.lines())
        .filter(|l| !l.starts_with('#'))
    {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "three columns: {line:?}");
        let prev = out.insert(f[0].to_string(), (f[1].to_string(), f[2].to_string()));
        assert!(prev.is_none(), "id {} labelled twice", f[0]);
    }
    out
}

#[test]
fn labels_are_well_formed() {
    let l = labels();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, (g, h)) in &l {
        assert!(
            id.len() == 7 && id.chars().all(|c| c.is_ascii_digit()),
            "{id}"
        );
        assert!(
            ["opinion", "reporting", "satire", "other"].contains(&g.as_str()),
            "{id}: {g}"
        );
        assert!(h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()));
        *count.entry(g).or_default() += 1;
    }
    // The brief: at least 150 articles with a genre, opinion among them (each file: 260 and
    // 279 labelled, 93 and 82 opinion).
    let labelled = l.len() - count.get("other").copied().unwrap_or(0);
    assert!(labelled >= 300, "{count:?}");
    assert!(
        count.get("opinion").copied().unwrap_or(0) >= 150,
        "{count:?}"
    );
}

fn data_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
}

#[test]
fn labels_match_the_articles() {
    let path = data_dir().join("hyperpartisan/articles-training-byarticle-20181122.xml");
    let Ok(xml) = std::fs::read(&path) else {
        // Outside CI the data may be absent; in CI a missing dataset is a failure, never a skip.
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but {} is missing",
            path.display()
        );
        eprintln!("skipping: {} not found", path.display());
        return;
    };
    let labels = labels();
    let (open, close) = (b"<article ".as_slice(), b"</article>".as_slice());
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let mut checked = 0;
    let mut at = 0;
    while let Some(start) = find(&xml, open, at) {
        let Some(end) = find(&xml, close, start).map(|e| e + close.len()) else {
            break;
        };
        let element = &xml[start..end];
        let head = String::from_utf8_lossy(&element[..element.len().min(300)]);
        let id = head
            .split("id=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
            .to_string();
        if let Some((_, hash)) = labels.get(&id) {
            let got: String = Sha256::digest(element)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(&got, hash, "article {id} changed since it was labelled");
            checked += 1;
        }
        at = end;
    }
    assert_eq!(checked, labels.len(), "every labelled article found");
}
