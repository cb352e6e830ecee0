//! Encodes real news reports (BASIL, PolNeAR, FNC-1 bodies) into article-head samples labelled
//! `reporting`, for the genre head's extra training data and for its leave-one-source-out
//! validation (`examples/genre_head.rs`). The encoder pass is the slow part, so the samples are
//! written to a JSON file (in the same layout as `rhetor train`'s `article-samples-*.json`) and
//! the head experiments reuse it.
//!
//! Sample ids say where each article comes from: `basil:{outlet}:{uuid}`,
//! `polnear:{outlet}:{file}`, `fnc1:body:{id}`. No article text is written.
//!
//! ```sh
//! cargo run --release -p rhetor-analyzers --example news_samples -- \
//!     models/techniques ../shared/data basil /work/cache/news-basil.json
//! # SOURCE: basil | polnear[:PER_OUTLET] | fnc1[:N] | hyper[:N][+OFFSET] | semeval
//! ```
//!
//! `semeval`: SemEval-2023's English training articles with their genre (ids as in `rhetor
//! train`'s samples), for short copies. `FIRST_PARAGRAPHS=K`: keep each article's title and its
//! first K paragraphs only, ids prefixed `short:` (short copies that teach the genre head what a
//! short opinion piece looks like: issue 14, short columns called reporting).
//!
//! `USE_VECTORS=1`: instead of the technique encoder's features, each sample's `dense` is the
//! mean of its paragraphs' Universal Sentence Encoder vectors (multilingual v3, as the
//! multilingual paragraph head reads them): the multilingual genre head's input. Source
//! `semeval-ml`: the genre-labelled training articles of the five other 2023 languages (ids
//! `{lang}:{id}`), for that head only.

use std::path::{Path, PathBuf};

use rhetor_analyzers::article::{dense_features, paragraph_word_counts, Sample};
use rhetor_analyzers::techniques::TechniqueModel;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// `(id, text, has_title)` of every article of one source.
fn basil(data: &Path) -> Res<Vec<(String, String, bool)>> {
    let mut out = vec![];
    for a in rhetor_eval::basil::read_articles(&data.join("basil/articles"))? {
        let title = a.title.as_deref().unwrap_or_default().replace('\n', " ");
        let pars: Vec<String> = a
            .paragraph_texts(true)
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        let source = a.source.as_deref().unwrap_or("unknown").to_lowercase();
        let uuid = if a.uuid.is_empty() { a.stem } else { a.uuid };
        // The SemEval layout: title, blank line, one paragraph a line.
        let text = format!("{}\n\n{}\n", title.trim(), pars.join("\n"));
        out.push((format!("basil:{source}:{uuid}"), text, true));
    }
    Ok(out)
}

fn polnear(data: &Path, per_outlet: usize) -> Res<Vec<(String, String, bool)>> {
    let mut files: Vec<PathBuf> = vec![];
    for split in ["train", "dev"] {
        for f in std::fs::read_dir(data.join("polnear/data").join(split).join("text"))? {
            let p = f?.path();
            if p.extension().is_some_and(|x| x == "txt") {
                files.push(p);
            }
        }
    }
    files.sort_by_key(|p| p.file_name().map(|n| n.to_os_string()));
    let outlet = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split('_').next())
            .unwrap_or("unknown")
            .to_string()
    };
    let mut by_outlet: std::collections::BTreeMap<String, Vec<PathBuf>> = Default::default();
    for p in files {
        by_outlet.entry(outlet(&p)).or_default().push(p);
    }
    let mut out = vec![];
    for (o, ps) in by_outlet {
        // Spread the picks over the outlet's dates.
        let step = (ps.len() / per_outlet.max(1)).max(1);
        for p in ps.iter().step_by(step).take(per_outlet) {
            let text = std::fs::read_to_string(p)?;
            let name = p.file_stem().map(|s| s.to_string_lossy().into_owned());
            out.push((
                format!("polnear:{o}:{}", name.unwrap_or_default()),
                text,
                true,
            ));
        }
    }
    Ok(out)
}

/// One SemEval-2023 language's genre-labelled training articles (subtask 1), ids prefixed with
/// `prefix`.
fn semeval_language(
    data: &Path,
    lang: &str,
    prefix: &str,
) -> Res<Vec<(String, String, bool, String)>> {
    let dir = data.join("semeval2023").join(lang);
    let labels = std::fs::read_to_string(dir.join("train-labels-subtask-1.txt"))?;
    let mut out = vec![];
    for line in labels.lines() {
        let mut f = line.split('\t');
        let (Some(id), Some(genre)) = (f.next(), f.next()) else {
            continue;
        };
        let path = dir
            .join("train-articles-subtask-1")
            .join(format!("article{id}.txt"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        out.push((
            format!("{prefix}{id}"),
            text,
            true,
            genre.trim().to_string(),
        ));
    }
    Ok(out)
}

/// SemEval-2023 English training articles with their genre label (ids as in `rhetor train`).
fn semeval(data: &Path) -> Res<Vec<(String, String, bool, String)>> {
    semeval_language(data, "en", "")
}

/// SemEval-2023's genre-labelled training articles in French, German, Italian, Polish and
/// Russian (ids `{lang}:{id}`): the multilingual genre head's extra training data (only with
/// `USE_VECTORS=1`: the technique encoder reads English only).
fn semeval_ml(data: &Path) -> Res<Vec<(String, String, bool, String)>> {
    let mut out = vec![];
    for lang in ["fr", "ge", "it", "po", "ru"] {
        out.extend(semeval_language(data, lang, &format!("{lang}:"))?);
    }
    Ok(out)
}

/// `text` cut after its title (when it has one) and the next `k` paragraphs.
fn first_paragraphs(text: &str, has_title: bool, k: usize) -> String {
    let pars = rhetor_text::paragraphs(text);
    let keep = k + has_title as usize;
    let Some(last) = pars.get(keep.min(pars.len()).saturating_sub(1)) else {
        return text.to_string();
    };
    let mut out: String = text.chars().take(last.end).collect();
    out.push('\n');
    out
}

fn fnc1(data: &Path, n: usize) -> Res<Vec<(String, String, bool)>> {
    let mut rdr = csv::Reader::from_path(data.join("fnc1/train_bodies.csv"))?;
    let rows: Vec<(String, String)> = rdr
        .records()
        .filter_map(|r| r.ok())
        .filter_map(|r| Some((r.get(0)?.to_string(), r.get(1)?.to_string())))
        // Very short bodies are fragments, not articles.
        .filter(|(_, b)| b.split_whitespace().count() >= 150)
        .collect();
    let step = (rows.len() / n.max(1)).max(1);
    Ok(rows
        .into_iter()
        .step_by(step)
        .take(n)
        .map(|(id, body)| (format!("fnc1:body:{id}"), body, false))
        .collect())
}

/// Removes XML tags and decodes the few entities the hyperpartisan files use.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// SemEval-2019 hyperpartisan articles (every `step`-th, from the `offset`-th on): web articles
/// from many sites, opinion and blog posts as well as news. They carry no genre here: the genre
/// head reads hand labels for them (`crates/rhetor-analyzers/tests/data/hyperpartisan_genre.tsv`)
/// and uses the rest to measure how often satire is called on unfamiliar sources. Ids:
/// `hyper:{true|false}:{id}`.
fn hyperpartisan(data: &Path, n: usize, offset: usize) -> Res<Vec<(String, String, bool)>> {
    let dir = data.join("hyperpartisan");
    let truth = std::fs::read_to_string(dir.join("ground-truth-training-byarticle-20181122.xml"))?;
    let attr = |tag: &str, name: &str| -> Option<String> {
        let k = format!("{name}=\"");
        let i = tag.find(&k)? + k.len();
        Some(tag[i..].split('"').next()?.to_string())
    };
    let labels: std::collections::BTreeMap<String, String> = truth
        .split("<article ")
        .skip(1)
        .filter_map(|t| Some((attr(t, "id")?, attr(t, "hyperpartisan")?)))
        .collect();
    let xml = std::fs::read_to_string(dir.join("articles-training-byarticle-20181122.xml"))?;
    let all: Vec<&str> = xml.split("<article ").skip(1).collect();
    let step = (all.len() / n.max(1)).max(1);
    let mut out = vec![];
    for a in all.into_iter().skip(offset).step_by(step).take(n) {
        let head_end = a.find('>').unwrap_or(0);
        let head = &a[..head_end];
        let id = attr(head, "id").unwrap_or_default();
        let title = strip_tags(&attr(head, "title").unwrap_or_default());
        let pars: Vec<String> = a
            .split("<p>")
            .skip(1)
            .map(|p| strip_tags(p.split("</p>").next().unwrap_or_default()))
            .filter(|p| p.split_whitespace().count() >= 3)
            .collect();
        if pars.is_empty() {
            continue;
        }
        let hp = labels.get(&id).cloned().unwrap_or_else(|| "unknown".into());
        out.push((
            format!("hyper:{hp}:{id}"),
            format!("{title}\n\n{}\n", pars.join("\n")),
            true,
        ));
    }
    Ok(out)
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(model_dir), Some(data), Some(source), Some(out)) =
        (args.first(), args.get(1), args.get(2), args.get(3))
    else {
        eprintln!(
            "usage: news_samples MODEL_DIR DATA_DIR basil|polnear[:N]|fnc1[:N]|hyper[:N][+OFF] OUT.json"
        );
        std::process::exit(2);
    };
    let data = Path::new(data);
    // `hyper:160+2`: 160 articles, every 4th from the third on.
    let (source, offset) = match source.split_once('+') {
        Some((a, b)) => (a, b.parse::<usize>()?),
        None => (source.as_str(), 0),
    };
    let (name, n) = match source.split_once(':') {
        Some((a, b)) => (a, Some(b.parse::<usize>()?)),
        None => (source, None),
    };
    let (genres, _) = rhetor_analyzers::pipeline::official_labels();
    let reporting = genres.iter().position(|g| g == "reporting");
    // News reports are `reporting`; the hyperpartisan articles' genre comes from hand labels.
    let news = |v: Vec<(String, String, bool)>, genre: Option<usize>| {
        v.into_iter()
            .map(|(id, t, h)| (id, t, h, genre))
            .collect::<Vec<_>>()
    };
    // (id, text, has title, genre)
    let mut articles: Vec<(String, String, bool, Option<usize>)> = match name {
        "basil" => news(basil(data)?, reporting),
        "polnear" => news(polnear(data, n.unwrap_or(40))?, reporting),
        "fnc1" => news(fnc1(data, n.unwrap_or(150))?, reporting),
        "hyper" => news(hyperpartisan(data, n.unwrap_or(160), offset)?, None),
        "semeval" => semeval(data)?
            .into_iter()
            .map(|(id, t, h, g)| (id, t, h, genres.iter().position(|x| *x == g)))
            .collect(),
        "semeval-ml" => semeval_ml(data)?
            .into_iter()
            .map(|(id, t, h, g)| (id, t, h, genres.iter().position(|x| *x == g)))
            .collect(),
        other => return Err(format!("unknown source {other}").into()),
    };
    if let Some(k) = std::env::var("FIRST_PARAGRAPHS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        for a in &mut articles {
            a.0 = format!("short:{}", a.0);
            a.1 = first_paragraphs(&a.1, a.2, k);
        }
    }
    if std::env::var("USE_VECTORS").is_ok_and(|v| v == "1") {
        return use_vectors(&articles, out);
    }
    let threads: usize = std::env::var("THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let model = TechniqueModel::load(Path::new(model_dir), threads)?;
    let hidden = model.encoder.config().hidden_size;
    let t0 = std::time::Instant::now();
    let mut samples = vec![];
    for (i, (id, text, has_title, genre)) in articles.iter().enumerate() {
        let pars: Vec<(usize, usize, usize)> = rhetor_text::paragraphs(text)
            .into_iter()
            .map(|p| (p.index, p.start, p.end))
            .collect();
        let outputs = model.run(text, &pars)?;
        let ranges: Vec<(usize, usize)> = pars.iter().map(|&(_, s, e)| (s, e)).collect();
        let dense = dense_features(
            text,
            &ranges,
            *has_title,
            &outputs,
            model.labels.len(),
            hidden,
            None,
        );
        samples.push(Sample {
            id: id.clone(),
            dense,
            words: paragraph_word_counts(text, &ranges),
            genre: *genre,
            frames: None,
            fold: None,
            weight: 1.0,
        });
        if i % 25 == 0 {
            eprintln!(
                "{i}/{} articles, {:.0} s",
                articles.len(),
                t0.elapsed().as_secs_f64()
            );
        }
    }
    std::fs::write(out, serde_json::to_vec(&samples)?)?;
    eprintln!(
        "{} samples written to {out} in {:.0} s",
        samples.len(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `USE_VECTORS=1`: samples whose `dense` is the article's mean USE paragraph vector (the
/// paragraphs as `rhetor_text::paragraphs` cuts them, the title among them, as the pipeline
/// reads an article).
fn use_vectors(articles: &[(String, String, bool, Option<usize>)], out: &str) -> Res<()> {
    let root = rhetor_models::weights::cache_root()?;
    let dir = rhetor_models::weights::USE_M3.ensure(&root)?;
    let enc = rhetor_models::use_m3::UseEncoder::load_with(&dir, rhetor_models::Precision::Auto)?;
    let t0 = std::time::Instant::now();
    let mut samples = vec![];
    for (id, text, _, genre) in articles {
        let idx = rhetor_doc::CharIndex::new(text);
        let pars: Vec<&str> = rhetor_text::paragraphs(text)
            .into_iter()
            .filter_map(|p| idx.slice(text, p.start, p.end))
            .collect();
        let vecs = enc.embed(&pars);
        let mean = rhetor_analyzers::multilingual::article_mean(&vecs);
        samples.push(Sample {
            id: id.clone(),
            dense: mean.to_vec(),
            words: vec![],
            genre: *genre,
            frames: None,
            fold: None,
            weight: 1.0,
        });
    }
    std::fs::write(out, serde_json::to_vec(&samples)?)?;
    eprintln!(
        "{} USE samples written to {out} in {:.0} s",
        samples.len(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
