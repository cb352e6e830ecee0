//! A bounded load test of `rhetor serve` on loopback: starts the server in this process on a
//! free 127.0.0.1 port over an existing store, fires N requests across the API with up to C in
//! flight at once (default: 1,000 requests, all 1,000 in flight), and prints latency percentiles
//! per endpoint, errors, and the process's memory. It sends nothing anywhere but 127.0.0.1 and
//! stops by itself (every request has a 30 s limit, the whole run 300 s).
//!
//! ```sh
//! # a store of 10,000 synthetic articles (bench_corpus: real analysed articles, copied)
//! cargo run --release -p rhetor-corpus --example bench_corpus -- ANALYSED.jsonl 10000 /tmp/db-10k
//! cargo run --release -p rhetor-server --example load -- /tmp/db-10k --requests 2000 --concurrency 1000
//! ```
//!
//! `--search-mode text|hybrid|semantic` picks the search mode of `/api/search` (hybrid needs the
//! sentence encoder installed); `--only articles,search` limits the endpoints; `--no-cache` turns
//! the server's answer cache off; `--passes N` sends the same requests N times (pass 1 fills the
//! cache, later passes read it).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rhetor_corpus::{Filter, SqliteStore, Store};
use rhetor_server::{AppState, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WORDS: &[&str] = &[
    "president",
    "election",
    "border",
    "police",
    "court",
    "tax",
    "health",
    "climate",
    "war",
    "senate",
    "trade",
    "school",
    "vote",
    "budget",
    "immigration",
    "economy",
    "fire",
    "storm",
];

/// (endpoint, milliseconds, status and bytes or an error)
type Outcome = (&'static str, f64, Result<(u16, usize), String>);

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// One GET over a fresh connection; (status, bytes) or an error.
async fn fetch(addr: std::net::SocketAddr, path: &str) -> Result<(u16, usize), String> {
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)
        .await
        .map_err(|e| format!("read: {e}"))?;
    let head = String::from_utf8_lossy(&buf[..buf.len().min(64)]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head:?}"))?;
    Ok((status, buf.len()))
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(db) = args.first().filter(|a| !a.starts_with("--")) else {
        anyhow::bail!("usage: load DB_DIR [--requests N] [--concurrency C] [--search-mode text|hybrid|semantic] [--only articles,search,...] [--no-cache] [--passes N] [--readers N]");
    };
    let db = std::path::PathBuf::from(db);
    let n: usize = arg(&args, "--requests")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1000);
    let conc: usize = arg(&args, "--concurrency")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1000);
    let mode = arg(&args, "--search-mode").unwrap_or_else(|| "text".into());
    let only: Option<Vec<String>> =
        arg(&args, "--only").map(|s| s.split(',').map(str::to_string).collect());

    // What to ask for: real keys, stories and outlets of the store.
    let store = SqliteStore::open_read(&db)?;
    let stats = store.stats()?;
    let keys: Vec<String> = store
        .list(&Filter::default(), 200, 0)?
        .into_iter()
        .map(|r| r.key)
        .collect();
    let stories: Vec<u64> = store.stories(50)?.into_iter().map(|s| s.id).collect();
    let outlets: Vec<String> = store
        .outlets()?
        .into_iter()
        .map(|(o, _)| o)
        .take(20)
        .collect();
    drop(store);
    println!(
        "store {}: {} articles, {} stories, {} outlets",
        db.display(),
        stats.articles,
        stats.stories,
        stats.outlets
    );
    anyhow::ensure!(!keys.is_empty(), "the store is empty");

    let rss_start = rss_kb("VmRSS:");
    let mut config = ServerConfig::new(db.clone());
    config.port = 0;
    config.semantic_search = mode != "text";
    if let Some(r) = arg(&args, "--readers") {
        config.readers = r.parse()?;
    }
    if args.iter().any(|a| a == "--no-cache") {
        config.cache_entries = 0;
    }
    let state = Arc::new(AppState::open(config).map_err(|e| anyhow::anyhow!("{e}"))?);
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(64)
        .enable_all()
        .build()?;
    let listener = server_rt
        .block_on(async { rhetor_server::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0))) })?;
    let addr = listener.local_addr()?;
    assert!(addr.ip().is_loopback());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let st = Arc::clone(&state);
    let server = server_rt.spawn(async move {
        rhetor_server::serve(listener, st, async {
            let _ = stop_rx.await;
        })
        .await
    });
    println!("serving on http://{addr}/");

    // Requests, round robin over the endpoints.
    let mut plan: Vec<(&'static str, String)> = Vec::with_capacity(n);
    let mut i = 0usize;
    while plan.len() < n {
        let w = WORDS[i % WORDS.len()];
        let k = &keys[i % keys.len()];
        let o = &outlets[i % outlets.len().max(1)];
        let candidates: Vec<(&'static str, String)> = vec![
            (
                "articles",
                format!("/api/articles?limit=20&offset={}", (i * 7) % 2000),
            ),
            ("search", format!("/api/search?q={w}&mode={mode}")),
            ("articles", format!("/api/articles?limit=20&outlet={o}")),
            (
                "search",
                format!(
                    "/api/search?q={w}+{}&mode={mode}",
                    WORDS[(i + 3) % WORDS.len()]
                ),
            ),
            ("article", format!("/api/articles/{k}")),
            (
                "articles",
                format!(
                    "/api/articles?technique=Loaded_Language&limit=20&offset={}",
                    (i * 3) % 500
                ),
            ),
            ("stories", "/api/stories?limit=20".to_string()),
            (
                "story",
                format!(
                    "/api/stories/{}",
                    stories.get(i % stories.len().max(1)).copied().unwrap_or(1)
                ),
            ),
            ("outlets", "/api/outlets".to_string()),
            ("techniques", "/api/techniques".to_string()),
            ("page", format!("/articles/{k}")),
        ];
        let (name, path) = candidates[i % candidates.len()].clone();
        i += 1;
        if only.as_ref().is_some_and(|o| !o.iter().any(|x| x == name)) {
            continue;
        }
        plan.push((name, path));
    }

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let passes: usize = arg(&args, "--passes")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1);
    let mut failed = false;
    for pass in 1..=passes.max(1) {
        if passes > 1 {
            println!("pass {pass} of {passes} (the same requests again: answers the cache kept)");
        }
        let t0 = Instant::now();
        let results = fire(&client_rt, addr, &plan, conc);
        failed |= report(&results, t0.elapsed().as_secs_f64(), n, conc);
    }
    let hwm = rss_kb("VmHWM:");
    let rss_end = rss_kb("VmRSS:");
    let _ = stop_tx.send(());
    let _ = server_rt.block_on(server);
    println!(
        "memory of this process (server + client): RSS before serving {:.0} MB, after {:.0} MB, peak {:.0} MB",
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    if failed {
        std::process::exit(1);
    }
    Ok(())
}

/// Sends every request of `plan` with at most `conc` in flight.
fn fire(
    rt: &tokio::runtime::Runtime,
    addr: std::net::SocketAddr,
    plan: &[(&'static str, String)],
    conc: usize,
) -> Vec<Outcome> {
    rt.block_on(async {
        let sem = Arc::new(tokio::sync::Semaphore::new(conc.max(1)));
        let mut tasks = Vec::with_capacity(plan.len());
        for (name, path) in plan.iter().cloned() {
            let sem = Arc::clone(&sem);
            tasks.push(tokio::spawn(async move {
                let _p = sem.acquire_owned().await;
                let t = Instant::now();
                let r =
                    match tokio::time::timeout(Duration::from_secs(30), fetch(addr, &path)).await {
                        Ok(r) => r,
                        Err(_) => Err("timeout".into()),
                    };
                (name, t.elapsed().as_secs_f64() * 1e3, r)
            }));
        }
        let mut out = Vec::new();
        let all = async {
            for t in tasks {
                if let Ok(r) = t.await {
                    out.push(r);
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(300), all).await;
        out
    })
}

/// Prints throughput and percentiles per endpoint; true when a request failed or went missing.
fn report(results: &[Outcome], wall: f64, n: usize, conc: usize) -> bool {
    let mut by: BTreeMap<&str, (Vec<f64>, usize, Vec<String>)> = BTreeMap::new();
    let mut errors = 0usize;
    for (name, ms, r) in results {
        let e = by.entry(name).or_default();
        e.0.push(*ms);
        match r {
            Ok((200, _)) => {}
            Ok((s, _)) => {
                e.1 += 1;
                errors += 1;
                e.2.push(format!("status {s}"));
            }
            Err(m) => {
                e.1 += 1;
                errors += 1;
                e.2.push(m.clone());
            }
        }
    }
    println!(
        "{} requests ({} answered), up to {conc} in flight, in {wall:.2} s = {:.0} requests/s; errors {errors}",
        n,
        results.len(),
        results.len() as f64 / wall
    );
    println!(
        "{:<11} {:>6} {:>6} {:>9} {:>9} {:>9}",
        "endpoint", "n", "errors", "p50 ms", "p99 ms", "max ms"
    );
    for (name, (ms, err, msgs)) in &mut by {
        let max = ms.iter().copied().fold(0.0, f64::max);
        println!(
            "{name:<11} {:>6} {err:>6} {:>9.1} {:>9.1} {max:>9.1}",
            ms.len(),
            percentile(ms, 0.5),
            percentile(ms, 0.99)
        );
        for m in msgs.iter().take(3) {
            println!("    {m}");
        }
    }
    errors > 0 || results.len() < n
}
