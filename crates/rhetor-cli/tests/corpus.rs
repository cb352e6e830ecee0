//! End-to-end tests of the corpus commands (`add`, `stories`, `compare`, `search`, `stats`) with
//! the real models, on articles written here, bad inputs among them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn rhetor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("run rhetor")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.code().is_some(),
        "killed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

const ARTICLES: &[(&str, &str)] = &[
    ("bridge-a.jsonl", r#"{"id": "a1", "outlet": "northern-post.example", "published": "2025-05-06", "url": "https://northern-post.example/news/bridge", "title": "Harbour bridge closed after crack found in main span", "text": "The Harbour bridge in Port Elwin was closed on Tuesday after engineers found a crack in its main span, the city's transport office said.\n\n\"We will not take any risks with people's lives,\" said Mayor Ilse Brandt, adding that ferries would run every twenty minutes until repairs are done.\n\nThe bridge carries about 40,000 vehicles a day."}"#),
    ("bridge-b.jsonl", r#"{"id": "b1", "outlet": "elwin-courier.example", "published": "2025-05-06", "title": "Crack shuts Port Elwin's Harbour bridge", "text": "Port Elwin's Harbour bridge was shut on Tuesday when inspectors discovered a crack in the main span.\n\nTransport chief Omar Said said the closure could last weeks. \"Commuters should plan for long delays,\" he said.\n\nOpposition councillors called the city's maintenance record a disgrace."}"#),
    ("school.txt", "School choir wins national title in Glasgow\n\nThe choir of Elwin Primary School won the national children's choir championship in Glasgow on Saturday, beating 31 other schools.\n\nTheir teacher, Ruth Hale, said the children had rehearsed every morning since January.\n"),
];

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for (name, body) in ARTICLES {
        std::fs::write(input.join(name), body).unwrap();
    }
    std::fs::write(input.join("empty.txt"), "").unwrap();
    std::fs::write(input.join("blob.html"), b"\x00\x01\x02\x03binary\x00").unwrap();
    let db = dir.path().join("db");
    (dir, input, db)
}

#[test]
fn add_stories_compare_search_stats_end_to_end() {
    let (_dir, input, db) = setup();
    let (i, d) = (input.to_str().unwrap(), db.to_str().unwrap());
    let out = rhetor(&["add", "--db", d, "--format", "json", "--threads", "1", i]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "bad inputs make exit 1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("empty.txt") && stderr.contains("blob.html"),
        "{stderr}"
    );
    let v = json(&out);
    assert_eq!(v["added"], 3);
    assert_eq!(v["failed"], 2);

    // Again: nothing new is stored.
    let out = rhetor(&["add", "--db", d, "--format", "json", "--threads", "1", i]);
    let v = json(&out);
    assert_eq!(v["added"], 0);
    assert_eq!(v["duplicates"], 3);
    assert_eq!(v["corpus"]["articles"], 3);

    let v = json(&rhetor(&["stats", "--db", d, "--format", "json"]));
    assert_eq!(v["articles"], 3);
    // The plain-text file names no outlet: two outlets known.
    assert_eq!(v["outlets"], 2);

    let v = json(&rhetor(&["stories", "--db", d, "--format", "json"]));
    let stories = v["stories"].as_array().unwrap();
    let bridge = &stories[0];
    let ids: Vec<&str> = bridge["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "the two bridge pieces form one story: {v}");
    assert!(ids.contains(&"a1") && ids.contains(&"b1"));
    assert_eq!(stories.len(), 2);

    let sid = bridge["id"].as_u64().unwrap().to_string();
    let v = json(&rhetor(&[
        "compare", "--db", d, "--story", &sid, "--format", "json",
    ]));
    assert_eq!(v["outlets"].as_array().unwrap().len(), 2);
    let out = rhetor(&["compare", "--db", d, "--story", &sid, "--format", "csv"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("story,side_kind,side,articles"));
    let out = rhetor(&["compare", "--db", d, "--story", "999", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such story"));
    let v = json(&rhetor(&[
        "compare",
        "--db",
        d,
        "--outlets",
        "--period",
        "month",
        "--format",
        "json",
    ]));
    assert_eq!(
        v["outlets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["period"] == "all")
            .count(),
        3
    );

    let v = json(&rhetor(&[
        "search",
        "--db",
        d,
        "--format",
        "json",
        "School choir wins national title in Glasgow",
    ]));
    assert_eq!(v["hits"][0]["id"], "school");
    let v = json(&rhetor(&[
        "search",
        "--db",
        d,
        "--format",
        "json",
        "--outlet",
        "elwin-courier.example",
        "bridge",
    ]));
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["outlet"] == "elwin-courier.example"));
    let out = rhetor(&["search", "--db", d, "--technique", "No_Such_Thing", "x"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn reading_a_missing_corpus_names_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("nothing-here");
    let out = rhetor(&["stories", "--db", d.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing-here"));
}

#[test]
// Every path waits for the child (try_wait, or kill then wait); clippy cannot see through the
// polling loop.
#[allow(clippy::zombie_processes)]
fn killing_add_mid_run_and_rerunning_stores_every_article_once() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // Large enough that `add` is still running after its first batch, even with the int8 encoder.
    let n = 160;
    for i in 0..n {
        let text = format!(
            "Council item {i}: the {} street works get a budget\n\nThe council of Tarnwick voted on item {i} on Monday, \
             giving {} thousand pounds to repairs on the {} street, the clerk said.\n",
            ["north", "south", "east", "west", "mill"][i % 5],
            10 + i,
            ["north", "south", "east", "west", "mill"][i % 5]
        );
        std::fs::write(input.join(format!("item-{i:02}.txt")), text).unwrap();
    }
    let db = dir.path().join("db");
    let (i, d) = (input.to_str().unwrap(), db.to_str().unwrap());
    let err_path = dir.path().join("add.stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        // f32: the slower encoder keeps `add` running long enough to be caught mid-run.
        .args([
            "add",
            "--db",
            d,
            "--threads",
            "1",
            "--precision",
            "f32",
            "-q",
            i,
        ])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL) as soon as a first batch is committed, before it could finish.
    let started = std::time::Instant::now();
    let mut killed_at = None;
    while started.elapsed().as_secs() < 600 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "add finished before it could be killed ({status}); make the input larger. Its stderr:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        let count = rhetor_corpus::SqliteStore::open_read(&db)
            .ok()
            .and_then(|s| rhetor_corpus::Store::stats(&s).ok())
            .map(|s| s.articles)
            .unwrap_or(0);
        if count > 0 {
            child.kill().unwrap();
            child.wait().unwrap();
            killed_at = Some(count);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    if killed_at.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let killed_at = killed_at.expect("no batch committed in time");
    assert!(killed_at < n as u64, "killed after {killed_at} of {n}");
    let out = rhetor(&["add", "--db", d, "--format", "json", "--threads", "1", i]);
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(
        v["corpus"]["articles"], n as u64,
        "every article stored exactly once: {v}"
    );
    assert_eq!(
        v["added"].as_u64().unwrap() + v["duplicates"].as_u64().unwrap(),
        n as u64
    );
    let stories = json(&rhetor(&[
        "stories", "--db", d, "--format", "json", "--limit", "1000",
    ]));
    let members: usize = stories["stories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["articles"].as_array().unwrap().len())
        .sum();
    assert_eq!(members, n, "every article in exactly one story");
}
