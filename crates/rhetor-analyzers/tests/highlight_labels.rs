//! Precision of the technique highlights `rhetor analyze` shows by default, from hand labels of
//! real articles (`data/highlight_labels.tsv`: offsets, hashes and labels, no text; issue 14).
//!
//! Always: recomputes precision per batch, overall, per technique and by score band, and prints
//! it (`cargo test -p rhetor-analyzers --test highlight_labels -- --nocapture`), and checks the
//! figures of the fresh batch (labelled after the shipped settings were frozen) against issue
//! 14's bars. When `../shared/data` is present it also rebuilds the labelled articles, checks
//! their SHA-256 and re-applies the shipped display settings (`models/techniques/display.json`,
//! with its span classifier) to the labelled spans: the stored `shown` column must be what the
//! code decides. Without the data it skips that part with a message, and fails under `CI=true`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rhetor_analyzers::display::DisplayConfig;
use rhetor_analyzers::pipeline::AnalyzerConfig;
use rhetor_doc::{Article, TechniqueSpan};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone)]
struct Label {
    batch: String,
    source: String,
    sha256: String,
    start: usize,
    end: usize,
    technique: String,
    score: f32,
    shown: bool,
    genuine: bool,
    boundary_ok: bool,
}

fn read_labels(src: &str) -> Vec<Label> {
    src.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .enumerate()
        .map(|(n, line)| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 12, "label line {}: {line:?}", n + 1);
            let flag = |s: &str| match s {
                "1" => true,
                "0" => false,
                _ => panic!("label line {}: not 0/1: {s:?}", n + 1),
            };
            let num = |s: &str| s.parse::<usize>().expect("offset");
            Label {
                batch: f[0].into(),
                source: f[1].into(),
                sha256: f[2].into(),
                start: num(f[3]),
                end: num(f[4]),
                technique: f[5].into(),
                score: f[6].parse().expect("score"),
                shown: flag(f[7]),
                genuine: flag(f[9]),
                boundary_ok: flag(f[11]),
            }
        })
        .collect()
}

fn share(k: usize, n: usize) -> String {
    if n == 0 {
        "-".into()
    } else {
        format!("{k}/{n} = {:.2}", k as f64 / n as f64)
    }
}

/// `(genuine, boundary ok, n)` of `labels`.
fn counts<'a>(labels: impl Iterator<Item = &'a Label>) -> (usize, usize, usize) {
    labels.fold((0, 0, 0), |(g, b, n), l| {
        (g + l.genuine as usize, b + l.boundary_ok as usize, n + 1)
    })
}

fn report(name: &str, labels: &[&Label]) -> String {
    let mut s = String::new();
    let (g, b, n) = counts(labels.iter().copied());
    s.push_str(&format!(
        "{name}: genuine {}, boundary ok {}\n",
        share(g, n),
        share(b, n)
    ));
    let mut per: BTreeMap<&str, Vec<&Label>> = BTreeMap::new();
    for l in labels {
        per.entry(l.technique.as_str()).or_default().push(l);
    }
    for (t, ls) in &per {
        let (g, _, n) = counts(ls.iter().copied());
        s.push_str(&format!("  {t:<34} {}\n", share(g, n)));
    }
    for (lo, hi) in [(0.0, 0.3), (0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 1.01)] {
        let (g, _, n) = counts(
            labels
                .iter()
                .copied()
                .filter(|l| l.score >= lo && l.score < hi),
        );
        if n > 0 {
            s.push_str(&format!(
                "  score {lo:.1}-{:.1}  {}\n",
                hi.min(1.0),
                share(g, n)
            ));
        }
    }
    s
}

#[test]
fn highlight_precision_from_hand_labels() {
    let labels = read_labels(include_str!("data/highlight_labels.tsv"));
    let mut out = String::new();
    for batch in [
        "choice", "fresh1", "fresh2", "choice2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7",
    ] {
        let all: Vec<&Label> = labels.iter().filter(|l| l.batch == batch).collect();
        let shown: Vec<&Label> = all.iter().copied().filter(|l| l.shown).collect();
        out.push_str(&report(&format!("{batch}: every labelled span"), &all));
        out.push_str(&report(
            &format!("{batch}: shown by the shipped settings"),
            &shown,
        ));
    }
    eprintln!("{out}");
    // fresh3 is the sample of what a reader sees by default, labelled after the display
    // classifier was frozen: at least 300 spans, and the figures the model card reports (a change
    // to the labels or settings shows up here). Issue 14's bar: at least 0.65 genuine overall and
    // 0.50 for each technique shown at least ten times.
    // Every fresh3 label was shown by the classifier as frozen then (later settings hide some of
    // them: see "shown by the shipped settings" above).
    let fresh: Vec<&Label> = labels.iter().filter(|l| l.batch == "fresh3").collect();
    assert!(fresh.len() >= 300, "{} fresh shown spans", fresh.len());
    let (g, _, n) = counts(fresh.iter().copied());
    assert_eq!((g, n), (218, 330), "fresh3 precision changed:\n{out}");
    meets_the_bars("fresh3", &fresh, &out);

    // fresh4: what the settings with `reporting_raise` 0.20 show on straight news (FNC-1 bodies and
    // PolNeAR train articles never labelled before), labelled after they were frozen. The model
    // card's figures; name calling on straight news stays under 0.50 (21/44), reported, not hidden.
    let fresh4: Vec<&Label> = labels.iter().filter(|l| l.batch == "fresh4").collect();
    let (g, _, n) = counts(fresh4.iter().copied());
    assert_eq!((g, n), (78, 117), "fresh4 precision changed:\n{out}");
    assert!(g as f64 >= 0.65 * n as f64, "fresh4 below the bar:\n{out}");
    // fresh5 and fresh6: what the settings with `reporting_raise` 0.20 and `min_score` 0.35 showed
    // on further straight news (fresh5) and on web pages and hyperpartisan articles (fresh6),
    // labelled after those were frozen; name calling's threshold was then raised with them read.
    // fresh7: what the shipped settings show, labelled after they were frozen: issue 14's bars,
    // 0.65 overall and 0.50 for each technique shown ten times or more.
    for (batch, want) in [
        ("fresh5", (50, 74)),
        ("fresh6", (9, 21)),
        ("fresh7", (60, 86)),
    ] {
        let b: Vec<&Label> = labels.iter().filter(|l| l.batch == batch).collect();
        let (g, _, n) = counts(b.iter().copied());
        assert_eq!((g, n), want, "{batch} precision changed:\n{out}");
    }
    let fresh7: Vec<&Label> = labels.iter().filter(|l| l.batch == "fresh7").collect();
    assert!(fresh7.iter().all(|l| l.shown));
    meets_the_bars("fresh7", &fresh7, &out);

    check_against_data(&labels);
}

/// Issue 14's bars on a batch: at least 0.65 genuine overall and 0.50 for each technique shown
/// at least ten times (`out`: the report, for the failure message).
fn meets_the_bars(batch: &str, labels: &[&Label], out: &str) {
    let (g, _, n) = counts(labels.iter().copied());
    assert!(g as f64 >= 0.65 * n as f64, "{batch} below the bar:\n{out}");
    let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for l in labels {
        let e = per.entry(l.technique.as_str()).or_default();
        e.0 += l.genuine as usize;
        e.1 += 1;
    }
    for (t, (g, n)) in per {
        assert!(
            n < 10 || g as f64 >= 0.5 * n as f64,
            "{batch} {t}: {g}/{n} below 0.50:\n{out}"
        );
    }
}

fn data_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
}

/// Rebuilds the labelled articles from `../shared/data`, checks their hashes and the stored
/// display decisions.
fn check_against_data(labels: &[Label]) {
    let data = data_dir();
    if !data.join("basil").is_dir() {
        let msg = format!(
            "highlight labels: {} not found, hashes and display decisions not checked",
            data.display()
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        eprintln!("skipping: {msg}");
        return;
    }
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/techniques");
    let display = DisplayConfig::load(&models).expect("display.json");
    let cfg: AnalyzerConfig = serde_json::from_str(
        &std::fs::read_to_string(models.join("analyzer.json")).expect("analyzer.json"),
    )
    .expect("analyzer.json parses");
    let lexicon = &cfg.thresholds.lexicon;
    let mut by_source: HashMap<&str, Vec<&Label>> = HashMap::new();
    for l in labels {
        by_source.entry(l.source.as_str()).or_default().push(l);
    }
    let (mut checked, mut skipped, mut mismatches) = (0usize, 0usize, vec![]);
    // Time of the display decision per article (all its labelled spans at once): what the
    // classifier adds to `analyze`.
    let mut timing = (std::time::Duration::ZERO, 0usize);
    for (source, ls) in by_source {
        let Some(text) = rebuild(&data, source) else {
            skipped += 1;
            continue;
        };
        let sha: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if source.starts_with("hyperpartisan/") && sha != ls[0].sha256 {
            // The XML is read by a plain scan here, not the XML parser the batch was built with:
            // an article it rebuilds differently is counted, not failed.
            skipped += 1;
            continue;
        }
        assert_eq!(sha, ls[0].sha256, "{source}: the rebuilt text differs");
        let mut a = Article::new(source, source, text);
        a.techniques = ls
            .iter()
            .map(|l| TechniqueSpan {
                technique: l.technique.clone(),
                category: String::new(),
                start: l.start,
                end: l.end,
                score: l.score,
                confidence: 0.0,
                shown: true,
                hidden: None,
            })
            .collect();
        let mut all = a.clone();
        let t0 = std::time::Instant::now();
        display.apply(&mut all, Some(lexicon), None);
        timing.0 += t0.elapsed();
        timing.1 += 1;
        // Each labelled span alone: overlap with the article's other spans is not stored.
        for (i, l) in ls.iter().enumerate() {
            let mut one = a.clone();
            one.techniques = vec![a.techniques[i].clone()];
            display.apply(&mut one, Some(lexicon), None);
            if one.techniques[0].shown != l.shown {
                mismatches.push(format!(
                    "{source} {}..{} {} {:.4}: stored shown={}, code says {:?}",
                    l.start, l.end, l.technique, l.score, l.shown, one.techniques[0].hidden
                ));
            }
            checked += 1;
        }
    }
    eprintln!(
        "highlight labels: {checked} spans re-decided, {skipped} hyperpartisan articles not \
         rebuilt by the plain XML scan; display decision {:.3} ms per article (this build's \
         profile)",
        timing.0.as_secs_f64() * 1000.0 / timing.1.max(1) as f64
    );
    assert!(
        checked * 10 >= labels.len() * 9,
        "only {checked} of {} labelled spans re-decided",
        labels.len()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The text that was analysed for `source` (see the header of the labels file), or `None` for
/// sources this test does not rebuild.
fn rebuild(data: &Path, source: &str) -> Option<String> {
    let (kind, id) = source.split_once('/')?;
    match kind {
        "basil" => {
            // Files are named by year and a file id; the article's `uuid` field is the source id.
            static BASIL: std::sync::OnceLock<HashMap<String, rhetor_eval::basil::BasilArticle>> =
                std::sync::OnceLock::new();
            let all = BASIL.get_or_init(|| {
                rhetor_eval::basil::read_articles(&data.join("basil/articles"))
                    .expect("basil/articles")
                    .into_iter()
                    .map(|a| (a.uuid.clone(), a))
                    .collect()
            });
            let a = all
                .get(id)
                .unwrap_or_else(|| panic!("{source}: no BASIL article with this uuid"));
            let title = a.title.as_deref().unwrap_or("").trim().replace('\n', " ");
            let pars: Vec<String> = a
                .paragraph_texts(true)
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect();
            Some(format!("{title}\n\n{}\n", pars.join("\n\n")))
        }
        "bench" => {
            let path = data.join(format!("article-extraction-benchmark/html/{id}.html.gz"));
            let mut items = rhetor_ingest::read_path(&path, &rhetor_ingest::Options::default());
            Some(items.pop()?.ok()?.text)
        }
        "polnear" => {
            let (split, file) = id.split_once('/')?;
            std::fs::read_to_string(
                data.join("polnear/data")
                    .join(split)
                    .join("text")
                    .join(file),
            )
            .ok()
        }
        "fnc1" => {
            static BODIES: std::sync::OnceLock<HashMap<String, String>> =
                std::sync::OnceLock::new();
            BODIES
                .get_or_init(|| {
                    let mut r = csv::Reader::from_path(data.join("fnc1/train_bodies.csv"))
                        .expect("fnc1/train_bodies.csv");
                    r.records()
                        .flatten()
                        .filter_map(|rec| Some((rec.get(0)?.to_string(), rec.get(1)?.to_string())))
                        .collect()
                })
                .get(id)
                .map(|b| format!("{}\n", b.trim()))
        }
        "hyperpartisan" => {
            static XML: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let xml = XML.get_or_init(|| {
                std::fs::read_to_string(
                    data.join("hyperpartisan/articles-training-byarticle-20181122.xml"),
                )
                .expect("hyperpartisan XML")
            });
            hyperpartisan_text(xml, id)
        }
        _ => None,
    }
}

/// The text of hyperpartisan article `id` as the batches were built (header of the labels
/// file), by a plain scan of the XML: `None` when it is not found.
fn hyperpartisan_text(xml: &str, id: &str) -> Option<String> {
    let key = format!("<article id=\"{id}\"");
    let start = xml.find(&key)?;
    let body = &xml[start..];
    let body = &body[..body.find("</article>")?];
    let head = &body[..body.find('>')?];
    let title = head
        .find("title=\"")
        .and_then(|i| head[i + 7..].split('"').next())
        .map(unescape)
        .unwrap_or_default();
    let pars: Vec<String> = body
        .split("<p>")
        .skip(1)
        .map(|p| {
            let p = p.split("</p>").next().unwrap_or_default();
            let mut text = String::new();
            let mut inside = false;
            for c in p.chars() {
                match c {
                    '<' => inside = true,
                    '>' => inside = false,
                    _ if !inside => text.push(c),
                    _ => {}
                }
            }
            unescape(&text)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| p.chars().count() > 40)
        .collect();
    Some(format!("{}\n\n{}\n", title.trim(), pars.join("\n\n")))
}

/// Decodes XML entities (named and numeric).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(j) = tail.find(';').filter(|&j| j <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let ent = &tail[1..j];
        let c = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => ent
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &tail[j + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
