//! `rhetor serve` and `rhetor report` as a user runs them: the server answers on loopback and
//! stops cleanly on SIGTERM; the report is one file. The store is built from articles written in
//! code (no model needed: `rhetor_server::testkit`).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    rhetor_server::testkit::build_store(dir.path(), &rhetor_server::testkit::fixture()).unwrap();
    dir
}

fn http_get(addr: &str, path: &str) -> String {
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_answers_and_stops_on_sigterm() {
    let dir = store();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args([
            "serve",
            "--db",
            dir.path().to_str().unwrap(),
            "--port",
            "0",
            "--no-semantic",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("serve said where it listens").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let answer = http_get(&addr, "/api/articles");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"total\":4"), "{answer}");
    // Request logs go to stderr; drain them so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn report_from_a_store() {
    let dir = store();
    let out = dir.path().join("report.html");
    let st = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args([
            "report",
            "--db",
            dir.path().to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy"));
    assert!(!html.contains("<script"));
    // No store: an error naming the folder, exit 1.
    let st = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(["serve", "--db", dir.path().join("none").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&st.stderr).contains("no corpus at"));
}

/// From inputs: analysed with the real models on the way (as the corpus tests do), grouped into
/// stories in a temporary store, written as one file.
#[test]
fn report_from_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("samples.html");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let st = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args([
            "report",
            "samples/text",
            "--threads",
            "1",
            "-o",
            out.to_str().unwrap(),
        ])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(
        st.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let html = std::fs::read_to_string(&out).unwrap();
    let articles = std::fs::read_dir(root.join("samples/text"))
        .unwrap()
        .count();
    assert_eq!(html.matches("class=\"view\" id=\"a-").count(), articles);
    assert!(
        html.contains("<mark class=\"hl"),
        "highlights from the real model"
    );
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"));
}
