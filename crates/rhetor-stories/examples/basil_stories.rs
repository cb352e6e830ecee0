//! Story grouping on development sets built from ../shared/data, scored by B-cubed F1.
//!
//! Sets:
//! * `basil`: BASIL's 300 articles (100 events × 3 outlets), dates as given, in date order.
//! * `basil-nodates`: the same with no dates at all (every article added at the same moment) in
//!   a shuffled order: look-alike events (BASIL has many on the same few US-politics topics)
//!   must be told apart by content alone.
//! * `basil-crowded`: each event moved to a random day of one week (about 14 events a day, the
//!   outlets' offsets within an event kept): many events in each window.
//! * `fnc`: FNC-1 bodies (1,683 articles about 191 claims, from many outlets; gold = the claim,
//!   from the related headline-body pairs), no titles, no dates, shuffled: look-alike rumours.
//!
//! Methods: `plain` (stock MiniLM of title + lead, cosine to the story centroid, one pass, no
//! features: entity weight 0) and `ours` (with shared names, numbers and dates). Thresholds are
//! chosen by 2-fold cross-validation over gold stories (tune on one half of the events, score the
//! other half, both ways); "naive" is the best threshold on the whole set.
//!
//! Embeddings are cached in `$RHETOR_STORIES_CACHE` (default: a temp folder).
//!
//! cargo run --release -p rhetor-stories --example basil_stories [-- --threads 1]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rhetor_models::{weights, Embedder};
use rhetor_stories::{bcubed, features, story_text, StoryConfig, StoryIndex, StoryInput};

#[derive(Clone)]
struct Art {
    key: String,
    title: String,
    text: String,
    outlet: Option<String>,
    date: Option<DateTime<Utc>>,
    gold: String,
}

fn data_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
}

fn read_basil(dir: &Path) -> Result<Vec<Art>> {
    Ok(rhetor_eval::basil::read_articles(&dir.join("articles"))?
        .into_iter()
        .map(|a| {
            let date = a
                .date
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|d| Utc.from_utc_datetime(&d));
            Art {
                text: a.paragraph_texts(false).join("\n"),
                key: a.uuid,
                title: a.title.unwrap_or_default(),
                outlet: a.source,
                date,
                gold: a.triplet_uuid,
            }
        })
        .collect())
}

fn read_fnc(dir: &Path) -> Result<Vec<Art>> {
    let mut parent: HashMap<String, String> = HashMap::new();
    fn find(p: &mut HashMap<String, String>, x: &str) -> String {
        let mut cur = x.to_string();
        loop {
            let next = p.entry(cur.clone()).or_insert_with(|| cur.clone()).clone();
            if next == cur {
                return cur;
            }
            cur = next;
        }
    }
    let mut rdr = csv::Reader::from_path(dir.join("train_stances.csv"))?;
    for r in rdr.records() {
        let r = r?;
        if &r[2] != "unrelated" {
            let a = find(&mut parent, &format!("H{}", &r[0]));
            let b = find(&mut parent, &format!("B{}", &r[1]));
            parent.insert(a, b);
        }
    }
    let mut out = Vec::new();
    let mut rdr = csv::Reader::from_path(dir.join("train_bodies.csv"))?;
    for r in rdr.records() {
        let r = r?;
        let id = format!("B{}", &r[0]);
        let gold = find(&mut parent, &id);
        out.push(Art {
            key: id,
            title: String::new(),
            text: r[1].to_string(),
            outlet: None,
            date: None,
            gold,
        });
    }
    Ok(out)
}

fn hash64(s: &str) -> u64 {
    // FNV-1a: stable across runs and Rust versions (the cache key).
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

struct Cache {
    path: PathBuf,
    map: HashMap<String, Vec<f32>>,
}

impl Cache {
    fn open() -> Result<Self> {
        let dir = std::env::var_os("RHETOR_STORIES_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join("rhetor-stories-cache"));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("embeddings.json");
        let map = match std::fs::read_to_string(&path) {
            Ok(s) => serde_json::from_str(&s).unwrap_or_default(),
            Err(_) => HashMap::new(),
        };
        Ok(Self { path, map })
    }

    fn embed(
        &mut self,
        embedder: &mut Option<Embedder>,
        threads: usize,
        texts: &[String],
    ) -> Result<Vec<Vec<f32>>> {
        let missing: Vec<&String> = texts
            .iter()
            .filter(|t| !self.map.contains_key(&format!("{:016x}", hash64(t))))
            .collect();
        if !missing.is_empty() {
            if embedder.is_none() {
                let root = weights::cache_root()?;
                let files = weights::ensure_model(&root)?;
                *embedder = Some(Embedder::load(&files, threads)?);
            }
            let Some(emb) = embedder.as_ref() else {
                anyhow::bail!("no encoder");
            };
            eprintln!("embedding {} texts", missing.len());
            let t0 = std::time::Instant::now();
            for chunk in missing.chunks(64) {
                let vecs = emb.embed(chunk, 16)?;
                for (t, v) in chunk.iter().zip(vecs) {
                    self.map.insert(format!("{:016x}", hash64(t)), v);
                }
            }
            eprintln!(
                "  {:.1} ms per text",
                t0.elapsed().as_secs_f64() * 1000.0 / missing.len() as f64
            );
            std::fs::write(&self.path, serde_json::to_string(&self.map)?)?;
        }
        Ok(texts
            .iter()
            .map(|t| self.map[&format!("{:016x}", hash64(t))].clone())
            .collect())
    }
}

/// A look-alike twin of each BASIL event: every capitalised word that the articles of the event
/// use as a name is replaced, consistently across the event's three articles, by a name from
/// another event, and every digit d by (d + 3) mod 10. Same topic and wording, other particulars.
fn make_twins(basil: &[Art]) -> Vec<Art> {
    let mut by_event: HashMap<&str, Vec<&Art>> = HashMap::new();
    for a in basil {
        by_event.entry(a.gold.as_str()).or_default().push(a);
    }
    let mut pool: Vec<String> = basil
        .iter()
        .flat_map(|a| features::extract(&a.title, &a.text, 0))
        .filter(|f| f.key.starts_with("w:"))
        .map(|f| f.surface)
        .collect();
    pool.sort();
    pool.dedup();
    let mut out = Vec::new();
    let mut events: Vec<&str> = by_event.keys().copied().collect();
    events.sort();
    for ev in events {
        let arts = &by_event[ev];
        let mut names: Vec<String> = arts
            .iter()
            .flat_map(|a| features::extract(&a.title, &a.text, 0))
            .filter(|f| f.key.starts_with("w:"))
            .map(|f| f.surface)
            .collect();
        names.sort();
        names.dedup();
        let map: HashMap<String, String> = names
            .iter()
            .map(|n| {
                let mut k = hash64(&format!("{ev}{n}")) as usize;
                let mut sub = pool[k % pool.len()].clone();
                while names.contains(&sub) {
                    k = k.wrapping_add(7919);
                    sub = pool[k % pool.len()].clone();
                }
                (n.clone(), sub)
            })
            .collect();
        for a in arts {
            out.push(Art {
                key: format!("{}-twin", a.key),
                title: swap(&a.title, &map),
                text: swap(&a.text, &map),
                outlet: a.outlet.clone(),
                date: a.date,
                gold: format!("{}-twin", a.gold),
            });
        }
    }
    out
}

fn swap(text: &str, map: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if let Some(s) = map.get(word.as_str()) {
            out.push_str(s);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            if let Some(d) = c.to_digit(10) {
                word.push(char::from_digit((d + 3) % 10, 10).unwrap_or(c));
            } else {
                word.push(c);
            }
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A development set ready to run: inputs in arrival order, gold labels aligned.
struct DevSet {
    name: String,
    inputs: Vec<StoryInput>,
    gold: Vec<String>,
    /// Features per input (extracted once with the default `lead_chars`).
    feats: Vec<Vec<features::Feature>>,
}

impl DevSet {
    fn new(
        name: &str,
        arts: &[Art],
        embs: &HashMap<String, Vec<f32>>,
        base: DateTime<Utc>,
    ) -> Self {
        let inputs = to_inputs(arts, embs, base);
        let lead = StoryConfig::default().lead_chars;
        let feats = inputs
            .iter()
            .map(|i| features::extract(&i.title, &i.text, lead))
            .collect();
        Self {
            name: name.into(),
            inputs,
            gold: arts.iter().map(|a| a.gold.clone()).collect(),
            feats,
        }
    }
}

fn to_inputs(
    arts: &[Art],
    embs: &HashMap<String, Vec<f32>>,
    base: DateTime<Utc>,
) -> Vec<StoryInput> {
    arts.iter()
        .map(|a| StoryInput {
            key: a.key.clone(),
            title: a.title.clone(),
            text: a.text.clone(),
            outlet: a.outlet.clone(),
            published: a.date,
            added_at: base,
            embedding: embs[&a.key].clone(),
        })
        .collect()
}

fn make_sets(basil: &[Art], fnc: &[Art], embs: &HashMap<String, Vec<f32>>) -> Vec<DevSet> {
    let base = Utc
        .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let mut sets = Vec::new();

    let mut b = basil.to_vec();
    b.shuffle(&mut rng);
    b.sort_by_key(|a| a.date);
    sets.push(DevSet::new("basil", &b, embs, base));

    let mut nd: Vec<Art> = basil
        .iter()
        .cloned()
        .map(|mut a| {
            a.date = None;
            a
        })
        .collect();
    nd.shuffle(&mut rng);
    sets.push(DevSet::new("basil-nodates", &nd, embs, base));

    // Each event to a random day of one week; offsets within the event kept.
    let mut first: HashMap<String, DateTime<Utc>> = HashMap::new();
    for a in basil {
        if let Some(d) = a.date {
            let e = first.entry(a.gold.clone()).or_insert(d);
            if d < *e {
                *e = d;
            }
        }
    }
    let mut shift: HashMap<String, DateTime<Utc>> = HashMap::new();
    let mut golds: Vec<&String> = first.keys().collect();
    golds.sort();
    for g in golds {
        shift.insert(g.clone(), base + Duration::days(rng.gen_range(0..7)));
    }
    let mut cr: Vec<Art> = basil
        .iter()
        .cloned()
        .map(|mut a| {
            if let (Some(d), Some(f), Some(s)) = (a.date, first.get(&a.gold), shift.get(&a.gold)) {
                a.date = Some(*s + (d - *f));
            }
            a
        })
        .collect();
    cr.shuffle(&mut rng);
    cr.sort_by_key(|a| a.date);
    sets.push(DevSet::new("basil-crowded", &cr, embs, base));

    // Twins: BASIL plus a look-alike copy of every event whose names and numbers are swapped
    // for others, all without dates, shuffled.
    let twins = make_twins(basil);
    let mut tw: Vec<Art> = basil
        .iter()
        .cloned()
        .chain(twins)
        .map(|mut a| {
            a.date = None;
            a
        })
        .collect();
    tw.shuffle(&mut rng);
    sets.push(DevSet::new("basil-twins", &tw, embs, base));

    if !fnc.is_empty() {
        let mut f = fnc.to_vec();
        f.shuffle(&mut rng);
        sets.push(DevSet::new("fnc", &f, embs, base));
    }
    sets
}

/// Runs the index over the articles whose gold story is in `half` (None = all); B-cubed F1.
fn run(set: &DevSet, cfg: &StoryConfig, half: Option<u64>) -> (f64, f64, f64, f64) {
    let mut idx = StoryIndex::new(cfg.clone());
    let mut pred = Vec::new();
    let mut gold = Vec::new();
    let t0 = std::time::Instant::now();
    for ((inp, g), f) in set.inputs.iter().zip(&set.gold).zip(&set.feats) {
        if let Some(h) = half {
            if hash64(g.trim_end_matches("-twin")) % 2 != h {
                continue;
            }
        }
        let Ok(a) = idx.assign_with_features(inp, f) else {
            continue;
        };
        pred.push(a.story_id);
        gold.push(g.clone());
    }
    let us = t0.elapsed().as_secs_f64() * 1e6 / pred.len().max(1) as f64;
    let s = bcubed(&pred, &gold);
    (s.f1, s.precision, s.recall, us)
}

fn grid(plain: bool) -> Vec<StoryConfig> {
    let mut out = Vec::new();
    let betas: &[f32] = if plain { &[0.0] } else { &[0.35, 0.6, 1.0] };
    let times: &[f32] = if plain { &[0.0] } else { &[0.0, 0.2] };
    for &beta in betas {
        for &tw in times {
            for t in 0..=20 {
                out.push(StoryConfig {
                    threshold: 0.48 + t as f32 * 0.025 + if plain { 0.0 } else { beta * 0.2 },
                    entity_weight: beta,
                    time_weight: tw,
                    ..StoryConfig::default()
                });
            }
        }
    }
    out
}

/// Assignment time at scale: `n` articles made from the dev articles (embedding jittered, dates
/// spread evenly over a year, so about n/365 a day), assigned in date order with the defaults.
fn bench(sets: &[DevSet], n: usize) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let pool: Vec<(&StoryInput, &Vec<features::Feature>)> = sets
        .iter()
        .filter(|s| s.name == "basil" || s.name == "fnc")
        .flat_map(|s| s.inputs.iter().zip(&s.feats))
        .collect();
    let base = Utc
        .with_ymd_and_hms(2021, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut idx = StoryIndex::new(StoryConfig::default());
    let t0 = std::time::Instant::now();
    let mut last = std::time::Instant::now();
    let step = (n / 5).max(1);
    for i in 0..n {
        let (inp, f) = pool[rng.gen_range(0..pool.len())];
        let mut inp = inp.clone();
        inp.key = format!("{i}");
        for x in inp.embedding.iter_mut() {
            *x += rng.gen_range(-0.02..0.02);
        }
        let secs = (i as f64 / n as f64 * 365.0 * 86400.0) as i64;
        inp.published = Some(base + Duration::seconds(secs));
        let _ = idx.assign_with_features(&inp, f);
        if (i + 1) % step == 0 {
            println!(
                "bench: {} articles, {} stories; the last {step} took {:.0} µs per assignment",
                i + 1,
                idx.stories().len(),
                last.elapsed().as_secs_f64() * 1e6 / step as f64
            );
            last = std::time::Instant::now();
        }
    }
    let json = serde_json::to_string(&idx).unwrap_or_default();
    println!(
        "bench: {n} articles in {:.1} s; state {:.1} MB as JSON",
        t0.elapsed().as_secs_f64(),
        json.len() as f64 / 1e6
    );
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let threads = args
        .iter()
        .position(|a| a == "--threads")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let only_default = args.iter().any(|a| a == "--default");
    let data = data_dir();
    let basil = read_basil(&data.join("basil")).context("reading BASIL")?;
    let fnc = read_fnc(&data.join("fnc1")).unwrap_or_default();
    eprintln!("BASIL {} articles, FNC-1 {} bodies", basil.len(), fnc.len());
    let mut cache = Cache::open()?;
    let mut embedder = None;
    let twins = make_twins(&basil);
    let all: Vec<&Art> = basil.iter().chain(twins.iter()).chain(fnc.iter()).collect();
    let texts: Vec<String> = all.iter().map(|a| story_text(&a.title, &a.text)).collect();
    let vecs = cache.embed(&mut embedder, threads, &texts)?;
    let embs: HashMap<String, Vec<f32>> = all
        .iter()
        .zip(vecs)
        .map(|(a, v)| (a.key.clone(), v))
        .collect();
    let sets = make_sets(&basil, &fnc, &embs);
    // Feature extraction time on its own (it runs inside assign).
    let t0 = std::time::Instant::now();
    for s in &sets[..1] {
        for i in &s.inputs {
            let _ = features::extract(&i.title, &i.text, StoryConfig::default().lead_chars);
        }
    }
    eprintln!(
        "feature extraction {:.0} µs per article",
        t0.elapsed().as_secs_f64() * 1e6 / sets[0].inputs.len() as f64
    );

    let def = StoryConfig::default();
    println!("default config: {def:?}");
    for s in &sets {
        let (f, p, r, us) = run(s, &def, None);
        println!(
            "{:14} ours-default  F1 {f:.3} (P {p:.3} R {r:.3})  {us:.0} µs/assignment  [{} articles, {} stories]",
            s.name,
            s.inputs.len(),
            s.gold.iter().collect::<std::collections::HashSet<_>>().len()
        );
    }
    if let Some(n) = args
        .iter()
        .position(|a| a == "--bench")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse::<usize>().ok())
    {
        bench(&sets, n);
        return Ok(());
    }
    if only_default {
        return Ok(());
    }
    for plain in [true, false] {
        let name = if plain { "plain" } else { "ours" };
        let g = grid(plain);
        // scores[config][set][half]
        let scores: Vec<Vec<[f64; 3]>> = g
            .iter()
            .map(|c| {
                sets.iter()
                    .map(|s| {
                        [
                            run(s, c, Some(0)).0,
                            run(s, c, Some(1)).0,
                            run(s, c, None).0,
                        ]
                    })
                    .collect()
            })
            .collect();
        for (si, s) in sets.iter().enumerate() {
            // Naive: best on the whole set.
            let (bi, naive) = (0..g.len())
                .map(|ci| (ci, scores[ci][si][2]))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((0, 0.0));
            // Held-out: tune on one half of this set, score the other half.
            let mut held = 0.0;
            for h in 0..2 {
                let ci = (0..g.len())
                    .max_by(|&a, &b| scores[a][si][h].total_cmp(&scores[b][si][h]))
                    .unwrap_or(0);
                held += scores[ci][si][1 - h] / 2.0;
            }
            // Joint: one config tuned on the mean over all sets' half h, scored on half 1-h.
            let mut joint = 0.0;
            for h in 0..2 {
                let ci = (0..g.len())
                    .max_by(|&a, &b| {
                        let ma: f64 = scores[a].iter().map(|x| x[h]).sum();
                        let mb: f64 = scores[b].iter().map(|x| x[h]).sum();
                        ma.total_cmp(&mb)
                    })
                    .unwrap_or(0);
                joint += scores[ci][si][1 - h] / 2.0;
            }
            println!(
                "{:14} {name:5} naive F1 {naive:.3} (threshold {:.3}, entity weight {:.2}, time weight {:.2})  held-out-half F1 {held:.3}  joint-config held-out F1 {joint:.3}",
                s.name, g[bi].threshold, g[bi].entity_weight, g[bi].time_weight
            );
        }
        let (bi, best) = (0..g.len())
            .map(|ci| {
                (
                    ci,
                    scores[ci].iter().map(|x| x[2]).sum::<f64>() / sets.len() as f64,
                )
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        println!(
            "{name}: best joint config on all data: threshold {:.3} entity weight {:.2} time weight {:.2} (mean F1 {best:.3}); per set: {}",
            g[bi].threshold,
            g[bi].entity_weight,
            g[bi].time_weight,
            sets.iter()
                .enumerate()
                .map(|(si, s)| format!("{} {:.3}", s.name, scores[bi][si][2]))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}
