//! End-to-end tests of the `rhetor` binary on the bundled samples and on bad inputs we make here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn rhetor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run rhetor")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn jsonl(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

/// Every offset in an article slices its text (code points), and paragraphs are ordered.
fn check_offsets(a: &serde_json::Value) {
    let text: Vec<char> = a["text"].as_str().unwrap().chars().collect();
    let mut last_end = 0;
    for p in a["paragraphs"].as_array().unwrap() {
        let (s, e) = (
            p["start"].as_u64().unwrap() as usize,
            p["end"].as_u64().unwrap() as usize,
        );
        assert!(
            s >= last_end && s < e && e <= text.len(),
            "bad paragraph {p}"
        );
        let slice: String = text[s..e].iter().collect();
        assert_eq!(
            slice.trim(),
            slice,
            "paragraph has outer whitespace: {slice:?}"
        );
        assert!(!slice.contains('\n'));
        last_end = e;
    }
    for s in a["sentences"].as_array().unwrap() {
        let (b, e) = (
            s["start"].as_u64().unwrap() as usize,
            s["end"].as_u64().unwrap() as usize,
        );
        assert!(b < e && e <= text.len(), "bad sentence {s}");
    }
}

#[test]
fn analyzes_every_sample_format() {
    let out = rhetor(&["analyze", "--format", "jsonl", "samples/"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let arts = jsonl(&out);
    // 3 text files, 2 HTML pages, 2 + 1 feed items, 2 JSONL lines, 2 WARC HTML responses.
    assert_eq!(arts.len(), 12, "{arts:#?}");
    for a in &arts {
        assert_eq!(a["schema_version"], rhetor_doc::SCHEMA_VERSION);
        check_offsets(a);
        assert!(
            !a["clean_text"].as_str().unwrap().is_empty(),
            "{}",
            a["source"]
        );
        assert_eq!(a["metadata"]["language"], "en", "{}", a["source"]);
    }
    let by_source = |s: &str| {
        arts.iter()
            .find(|a| a["source"].as_str().unwrap().ends_with(s))
            .unwrap_or_else(|| panic!("no article from {s}"))
    };
    let semeval = by_source("article900000001.txt");
    assert_eq!(semeval["id"], "900000001");
    assert_eq!(
        semeval["title"],
        "Port Alden council approves harbour bridge repairs after heated debate"
    );
    let idx: Vec<u64> = semeval["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["index"].as_u64().unwrap())
        .collect();
    assert_eq!(idx, vec![1, 3, 5, 7, 9, 11, 13]);

    let flood = by_source("river-flood.html");
    assert_eq!(flood["metadata"]["author"], "Sam Ketteridge");
    assert!(flood["metadata"]["published"]
        .as_str()
        .unwrap()
        .starts_with("2025-02-14"));
    let clean = flood["clean_text"].as_str().unwrap();
    assert!(clean.contains("Hundreds of homes"));
    assert!(
        clean.contains("amber warning"),
        "last paragraph lost: {clean}"
    );
    assert!(!clean.contains("Sign up for our morning briefing"));
    assert!(!clean.contains("All rights reserved"));

    let crlf = by_source("tax-plan-crlf.txt");
    let clean = crlf["clean_text"].as_str().unwrap();
    assert!(!clean.contains('\u{a0}'), "non-breaking space kept");
    assert!(
        !clean.contains("Getty Images"),
        "photo credit kept: {clean}"
    );

    let wind = by_source("opinion-wind-farms.txt");
    let clean = wind["clean_text"].as_str().unwrap();
    assert!(!clean.contains("6 min read") && !clean.contains("No responses yet"));
    assert!(clean.contains("Write to your representative today."));
    assert_eq!(wind["metadata"]["author"], "Gregory Hale");
}

#[test]
fn bad_inputs_fail_alone_with_named_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("empty.txt"), "").unwrap();
    std::fs::write(d.join("binary.txt"), [0u8, 159, 146, 150, 0, 1, 2, 3]).unwrap();
    std::fs::write(
        d.join("trunc.txt.gz"),
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2],
    )
    .unwrap();
    std::fs::write(
        d.join("bad.jsonl"),
        "{\"title\": \"A\", \"text\": \"Body text here.\"}\n{not json\n",
    )
    .unwrap();
    std::fs::write(d.join("feed.xml"), "<rss><channel><item><title>x</ti").unwrap();
    std::fs::write(
        d.join("good.txt"),
        "A perfectly normal headline\n\nThe body of the story has one sentence.\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(["analyze", "--format", "jsonl"])
        .arg(d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for (file, reason) in [
        ("empty.txt", "empty"),
        ("binary.txt", "binary"),
        ("trunc.txt.gz", "gzip"),
        ("bad.jsonl:2", "JSONL"),
        ("feed.xml", "feed"),
    ] {
        let line = stderr
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("no error line for {file}: {stderr}"));
        assert!(
            line.to_lowercase().contains(&reason.to_lowercase()),
            "{line}"
        );
    }
    let arts = jsonl(&out);
    let sources: Vec<&str> = arts.iter().map(|a| a["source"].as_str().unwrap()).collect();
    assert!(
        sources.iter().any(|s| s.ends_with("good.txt")),
        "{sources:?}"
    );
    assert!(
        sources.iter().any(|s| s.ends_with("bad.jsonl:1")),
        "{sources:?}"
    );
}

#[test]
fn usage_errors_exit_2_and_missing_files_exit_1() {
    assert_eq!(rhetor(&["analyze"]).status.code(), Some(2));
    let out = rhetor(&["analyze", "--window-overlap", "200", "samples/text"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("leaves no room in a window"));
    assert_eq!(
        rhetor(&["analyze", "--format", "yaml", "x"]).status.code(),
        Some(2)
    );
    let out = rhetor(&["analyze", "no/such/file.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.txt"));
}

#[test]
fn stdin_and_json_document() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(["analyze", "--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("Mayor resigns after audit\n\nThe mayor resigned on Friday.\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["articles"][0]["id"], "stdin");
    assert_eq!(doc["articles"][0]["source"], "-");
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn out_dir_gets_one_file_per_article() {
    let dir = tempfile::tempdir().unwrap();
    let out = rhetor(&[
        "analyze",
        "--format",
        "json",
        "--out",
        dir.path().to_str().unwrap(),
        "samples/text",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let n = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(n, 3);
    assert!(dir.path().join("900000001.json").exists());
}

#[test]
fn text_format_is_readable() {
    let out = rhetor(&["analyze", "samples/text/article900000001.txt"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.starts_with("Port Alden council approves harbour bridge repairs"));
    assert!(s.contains("6 paragraphs"), "{s}");
}

#[test]
fn techniques_lists_the_taxonomy() {
    let out = rhetor(&["techniques", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["techniques"].as_array().unwrap().len(), 23);
    assert_eq!(v["frames"].as_array().unwrap().len(), 14);
    assert_eq!(rhetor(&["techniques", "No_Such"]).status.code(), Some(2));
}

/// The scorer gives 1.0 for gold against itself and less for a trivial prediction, on the real
/// English training labels when present.
#[test]
fn eval_gold_against_itself() {
    let gold = root().join("../shared/data/semeval2023/en/train-labels-subtask-3.txt");
    if !gold.exists() {
        eprintln!("skipped: {} not found", gold.display());
        return;
    }
    let g = gold.to_str().unwrap();
    let out = rhetor(&["eval", "--task", "st3", "--gold", g, "--pred", g, "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((v["micro_f1"].as_f64().unwrap() - 1.0).abs() < 1e-12);
}
