//! `rhetor analyze --format semeval-*` with the shipped model: the official submission layouts,
//! checked line by line, and accepted by `rhetor eval`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rhetor_doc::taxonomy::{technique, FRAMES, GENRES};

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

fn lines(out: &Output) -> Vec<Vec<String>> {
    assert!(
        out.status.success(),
        "rhetor failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

const SAMPLE: &str = "samples/text/article900000001.txt";

#[test]
fn subtask_formats_follow_the_official_layout() {
    let text = std::fs::read_to_string(root().join(SAMPLE)).unwrap();
    let non_blank: Vec<usize> = text
        .split('\n')
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, _)| i + 1)
        .collect();

    let st1 = lines(&rhetor(&[
        "analyze",
        "-q",
        "--format",
        "semeval-st1",
        SAMPLE,
    ]));
    assert_eq!(st1.len(), 1);
    assert_eq!(st1[0][0], "900000001");
    assert!(GENRES.iter().any(|(g, _)| *g == st1[0][1]), "{:?}", st1[0]);

    let st2 = lines(&rhetor(&[
        "analyze",
        "-q",
        "--format",
        "semeval-st2",
        SAMPLE,
    ]));
    assert_eq!(st2.len(), 1);
    let frames: Vec<&str> = st2[0][1].split(',').collect();
    assert!(!frames.is_empty());
    assert!(
        frames.iter().all(|f| FRAMES.iter().any(|(x, _)| x == f)),
        "{frames:?}"
    );

    // Subtask 3: one line per non-blank line of the file, numbered like the templates.
    let st3 = lines(&rhetor(&[
        "analyze",
        "-q",
        "--format",
        "semeval-st3",
        SAMPLE,
    ]));
    let numbers: Vec<usize> = st3.iter().map(|l| l[1].parse().unwrap()).collect();
    assert_eq!(numbers, non_blank);
    for l in &st3 {
        assert_eq!(l.len(), 3, "{l:?}");
        for t in l[2].split(',').filter(|t| !t.is_empty()) {
            assert!(technique(t).is_some(), "unknown technique {t}");
        }
    }

    // Spans: offsets into the file, on the words they name.
    let chars: Vec<char> = text.chars().collect();
    let spans = lines(&rhetor(&[
        "analyze",
        "-q",
        "--format",
        "semeval-spans",
        SAMPLE,
    ]));
    for l in &spans {
        let (s, e): (usize, usize) = (l[2].parse().unwrap(), l[3].parse().unwrap());
        assert!(s < e && e <= chars.len(), "{l:?}");
        assert!(technique(&l[1]).is_some());
        assert!(
            !chars[s].is_whitespace() && !chars[e - 1].is_whitespace(),
            "{l:?}"
        );
    }
}

#[test]
fn predictions_score_against_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let out = rhetor(&[
        "analyze",
        "-q",
        "--format",
        "semeval-st3",
        "--out",
        dir.path().to_str().unwrap(),
        SAMPLE,
    ]);
    assert!(out.status.success());
    let pred = dir.path().join("semeval-st3.txt");
    let p = pred.to_str().unwrap();
    let eval = rhetor(&["eval", "--task", "st3", "--gold", p, "--pred", p, "--json"]);
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(v["micro_f1"].as_f64(), Some(1.0), "{v}");
}

#[test]
fn training_articles_get_every_template_paragraph() {
    let dir = root().join("../shared/data/semeval2023/en");
    if !dir.is_dir() {
        eprintln!("skipped: ../shared/data/semeval2023/en not found");
        return;
    }
    let gold = std::fs::read_to_string(dir.join("train-labels-subtask-3.txt")).unwrap();
    let ids = ["111111111", "111111112", "111111113"];
    let files: Vec<String> = ids
        .iter()
        .map(|i| {
            dir.join("train-articles-subtask-3")
                .join(format!("article{i}.txt"))
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["analyze", "-q", "--format", "semeval-st3"];
    args.extend(files.iter().map(|s| s.as_str()));
    let pred = lines(&rhetor(&args));
    let gold_rows: Vec<(String, String)> = gold
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| ids.contains(&f[0]))
        .map(|f| (f[0].to_string(), f[1].to_string()))
        .collect();
    let pred_rows: Vec<(String, String)> =
        pred.iter().map(|l| (l[0].clone(), l[1].clone())).collect();
    assert_eq!(pred_rows, gold_rows);
}
