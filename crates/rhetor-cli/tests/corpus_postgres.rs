//! The corpus commands on a PostgreSQL store (`--postgres URL`, `$RHETOR_POSTGRES`), with the
//! real models: the same inputs give the same answers as on the embedded store. Skipped without
//! PostgreSQL, failed under `CI=true`.

use std::path::Path;
use std::process::{Command, Output};

use rhetor_postgres::testkit::TempPostgres;

fn rhetor(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rhetor"));
    c.args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env_remove("RHETOR_POSTGRES");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run rhetor")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

const ARTICLES: &[(&str, &str)] = &[
    (
        "bridge-a.jsonl",
        r#"{"id": "a1", "outlet": "northern-post.example", "published": "2025-05-06", "url": "https://northern-post.example/news/bridge", "title": "Harbour bridge closed after crack found in main span", "text": "The Harbour bridge in Port Elwin was closed on Tuesday after engineers found a crack in its main span, the city's transport office said.\n\n\"We will not take any risks with people's lives,\" said Mayor Ilse Brandt, adding that ferries would run every twenty minutes until repairs are done.\n\nThe bridge carries about 40,000 vehicles a day."}"#,
    ),
    (
        "bridge-b.jsonl",
        r#"{"id": "b1", "outlet": "elwin-courier.example", "published": "2025-05-06", "title": "Crack shuts Port Elwin's Harbour bridge", "text": "Port Elwin's Harbour bridge was shut on Tuesday when inspectors discovered a crack in the main span.\n\nTransport chief Omar Said said the closure could last weeks. \"Commuters should plan for long delays,\" he said.\n\nOpposition councillors called the city's maintenance record a disgrace."}"#,
    ),
    (
        "school.jsonl",
        r#"{"id": "school", "outlet": "elwin-courier.example", "published": "2025-05-10", "title": "School choir wins national title in Glasgow", "text": "The choir of Elwin Primary School won the national children's choir championship in Glasgow on Saturday, beating 31 other schools.\n\nTheir teacher, Ruth Hale, said the children had rehearsed every morning since January."}"#,
    ),
];

#[test]
fn corpus_commands_on_postgres_answer_as_on_the_embedded_store() {
    let Some(pg) =
        TempPostgres::start_or_skip("corpus_commands_on_postgres_answer_as_on_the_embedded_store")
    else {
        return;
    };
    let url = pg.fresh_database().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for (name, body) in ARTICLES {
        std::fs::write(input.join(name), body).unwrap();
    }
    std::fs::write(input.join("empty.txt"), "").unwrap();
    let db = dir.path().join("db");
    let (i, d) = (input.to_str().unwrap(), db.to_str().unwrap());

    let add = |target: &[&str]| {
        let mut args = vec!["add", "--format", "json", "--threads", "1"];
        args.extend_from_slice(target);
        args.push(i);
        let out = rhetor(&args, &[]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "a bad input makes exit 1: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        json(&out)
    };
    let v = add(&["--postgres", &url]);
    assert_eq!(v["added"], 3, "{v}");
    assert_eq!(v["failed"], 1);
    assert!(!v["db"].as_str().unwrap().is_empty());
    let v = add(&["--postgres", &url]);
    assert_eq!(v["added"], 0);
    assert_eq!(v["duplicates"], 3);
    let v = add(&["--db", d]);
    assert_eq!(v["added"], 3);

    // Every read command, on both stores: --postgres, and $RHETOR_POSTGRES.
    let both = |args: &[&str]| {
        let mut e = args.to_vec();
        e.extend_from_slice(&["--db", d, "--format", "json"]);
        let mut p = args.to_vec();
        p.extend_from_slice(&["--postgres", &url, "--format", "json"]);
        let (x, y) = (rhetor(&e, &[]), rhetor(&p, &[]));
        assert!(
            x.status.success() && y.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&y.stderr)
        );
        (json(&x), json(&y))
    };
    let (mut a, mut b) = both(&["stats"]);
    a["disk_bytes"] = 0.into();
    b["disk_bytes"] = 0.into();
    assert_eq!(a, b);
    assert_eq!(b["articles"], 3);
    let (a, b) = both(&["stories"]);
    assert_eq!(a, b);
    assert_eq!(b["stories"].as_array().unwrap().len(), 2, "{b}");
    let sid = b["stories"][0]["id"].as_u64().unwrap().to_string();
    let (a, b) = both(&["compare", "--story", &sid]);
    assert_eq!(a, b);
    let (a, b) = both(&["compare", "--outlets", "--period", "week"]);
    assert_eq!(a, b);
    let (a, b) = both(&["search", "--mode", "semantic", "harbour bridge crack"]);
    assert_eq!(a, b);
    let (_, b) = both(&["search", "School choir wins national title in Glasgow"]);
    assert_eq!(b["hits"][0]["id"], "school");
    let (a, b) = both(&["search", "--mode", "text", "bridge crack Elwin"]);
    assert_eq!(a, b);
    assert_eq!(b["hits"].as_array().unwrap().len(), 3);
    let (_, b) = both(&[
        "search",
        "--mode",
        "text",
        "--outlet",
        "elwin-courier.example",
        "bridge",
    ]);
    let hits = b["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["id"], "b1");

    let out = rhetor(&["stats", "--format", "json"], &[("RHETOR_POSTGRES", &url)]);
    assert_eq!(json(&out)["articles"], 3);
    // --db and --postgres together is a usage error.
    let out = rhetor(&["stats", "--db", d, "--postgres", &url], &[]);
    assert_eq!(out.status.code(), Some(2));
    // A server that does not answer: a message naming it (without the password), exit 1.
    let out = rhetor(
        &["stats", "--postgres", "postgresql://u:secret@127.0.0.1:1/x"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("127.0.0.1:1") && !err.contains("secret"),
        "{err}"
    );
}
