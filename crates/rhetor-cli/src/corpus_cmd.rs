//! The corpus commands: `add`, `stories`, `compare`, `search`, `stats`. They parse arguments,
//! call `rhetor` (the pipeline) and `rhetor_corpus` (store, stories, comparison, search), and
//! format what comes back.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::ValueEnum;
use rayon::prelude::*;
use rhetor_corpus::compare::{self, Groups, Period};
use rhetor_corpus::search::{self, Mode};
use rhetor_corpus::{AddOutcome, Corpus, Filter, SqliteStore, Stats, Store, CORPUS_SCHEMA_VERSION};
use rhetor_ingest::read;
use rhetor_postgres::{PgCorpus, PgStore};
use serde_json::json;

pub(crate) const DB_HELP: &str = "Store folder (default: $RHETOR_HOME/corpus, else the user's data dir, e.g. ~/.local/share/rhetor/corpus)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Csv,
}

pub(crate) const PG_HELP: &str = "A PostgreSQL store instead of the embedded one (postgresql://user:password@host:port/db; default: $RHETOR_POSTGRES when --db is not given)";

/// The PostgreSQL URL to use: `--postgres`, else `$RHETOR_POSTGRES` unless `--db` names a
/// folder.
pub(crate) fn postgres_url(flag: &Option<String>, db: &Option<PathBuf>) -> Option<String> {
    flag.clone().or_else(|| {
        if db.is_some() {
            return None;
        }
        std::env::var(rhetor_postgres::URL_ENV)
            .ok()
            .filter(|u| !u.trim().is_empty())
    })
}

/// Opens the store to read: PostgreSQL when a URL is given (see [`postgres_url`]), else the
/// embedded store (which must exist). Also returns where it is, for messages.
pub(crate) fn open_store(
    db: &Option<PathBuf>,
    postgres: &Option<String>,
) -> Result<(Box<dyn Store>, String)> {
    match postgres_url(postgres, db) {
        Some(url) => {
            let place = rhetor_postgres::store::redact(&url);
            let store = PgStore::connect(&url)
                .with_context(|| format!("cannot open the corpus at {place}"))?;
            Ok((Box::new(store), place))
        }
        None => {
            let store = open_existing(db)?;
            let place = store.dir().display().to_string();
            Ok((Box::new(store), place))
        }
    }
}

pub(crate) fn db_dir(db: &Option<PathBuf>) -> PathBuf {
    db.clone().unwrap_or_else(rhetor_corpus::default_db_dir)
}

/// Opens an existing store for reading (a missing one is an error naming the folder).
pub(crate) fn open_existing(db: &Option<PathBuf>) -> Result<SqliteStore> {
    let dir = db_dir(db);
    if !dir.join(rhetor_corpus::sqlite::DB_FILE).is_file() {
        anyhow::bail!(
            "no corpus at {} (build one with `rhetor add --db {} PATH...`)",
            dir.display(),
            dir.display()
        );
    }
    SqliteStore::open_read(&dir)
        .with_context(|| format!("cannot open the corpus at {}", dir.display()))
}

pub(crate) fn embedder(
    threads: usize,
    precision: rhetor_models::Precision,
) -> Result<rhetor_models::Embedder> {
    let root = rhetor_models::weights::cache_root()?;
    let files = rhetor_models::weights::ensure_model(&root)?;
    rhetor_models::Embedder::load_with(&files, threads, precision)
        .context("loading the sentence encoder")
}

// ---------------------------------------------------------------------------------------------
// add

#[derive(clap::Args)]
#[command(after_long_help = "\
Reads inputs exactly like `rhetor analyze` (files, folders, -, HTML, feeds, WARC, JSONL, .gz),
analyses every article, and stores it with all its annotations, an embedding of its title and
lead, and its story. The same article twice (same canonical URL, or the same words) is stored
once: the second is reported as a duplicate. Writes are committed in batches; an interrupted
add leaves a consistent store, and running it again completes it.

Examples:
  rhetor add --db newsroom/ crawl/*.warc.gz feeds/
  rhetor add --db newsroom/ --format json today.jsonl > added.json
  rhetor add --postgres postgresql://rhetor@db.internal/newsroom crawl/

With --postgres (or $RHETOR_POSTGRES) articles go to a PostgreSQL store, in the same batches,
beside any number of `rhetor worker`s writing to it at once.

Exit status: 0 all inputs stored (or already there), 1 some inputs failed (named on stderr, the
others are stored), 2 usage error.")]
pub struct AddArgs {
    /// Files, folders or - (standard input).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_name = "DIR", help = DB_HELP)]
    pub db: Option<PathBuf>,
    #[arg(long, value_name = "URL", conflicts_with = "db", help = PG_HELP)]
    pub postgres: Option<String>,
    /// Summary format: text, or json (one object with every article's outcome).
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Model folder for techniques, genre and frames (default: found at run time).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Refuse inputs larger than this many bytes (after decompression).
    #[arg(long, value_name = "BYTES", default_value_t = read::DEFAULT_MAX_SIZE)]
    pub max_size: u64,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar and no warnings.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Numeric precision of the techniques encoder: auto (int8 where the CPU has AVX-512 VNNI,
    /// f32 otherwise), f32, int8 or bf16. The sentence encoder for stories stays f32 unless
    /// int8 or bf16 is asked for explicitly.
    #[arg(long, value_name = "PRECISION", default_value = "auto")]
    pub precision: rhetor_models::Precision,
}

/// Files read and analysed per batch; the store commits once per batch.
const BATCH: usize = 16;

pub fn add(args: AddArgs) -> Result<i32> {
    if let Some(n) = args.threads {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let threads = args.threads.unwrap_or(0);
    let pipeline = rhetor::Pipeline::load(&rhetor::Config {
        models: args.models.clone(),
        threads,
        analyze: true,
        max_size: args.max_size,
        min_score: None,
        precision: args.precision,
        window_overlap: None,
    })?;
    if !args.quiet {
        for n in pipeline.notices() {
            eprintln!("rhetor: warning: {n}");
        }
    }
    let dir = db_dir(&args.db);
    let mut corpus = match postgres_url(&args.postgres, &args.db) {
        Some(url) => {
            let place = rhetor_postgres::store::redact(&url);
            let c = PgCorpus::connect(&url, embedder(threads, args.precision)?)
                .with_context(|| format!("cannot open the corpus at {place}"))?;
            Target::Postgres(c, place)
        }
        None => {
            let c = Corpus::open(&dir, embedder(threads, args.precision)?)
                .with_context(|| format!("cannot open the corpus at {}", dir.display()))?;
            if !args.quiet {
                for n in c.notices() {
                    eprintln!("rhetor: warning: {n}");
                }
            }
            Target::Embedded(c, dir.display().to_string())
        }
    };
    let mut files = Vec::new();
    let mut failed = 0usize;
    let mut outcomes = Vec::new();
    let mut errors = Vec::new();
    for entry in read::expand(&args.paths) {
        match entry {
            Ok(p) => files.push(p),
            Err(f) => {
                failed += 1;
                eprintln!("rhetor: error: {}: {}", f.source, f.error);
                errors.push(json!({"source": f.source, "error": f.error.to_string()}));
            }
        }
    }
    let bar = crate::analyze::progress_bar(files.len(), args.quiet);
    let (mut added, mut dupes, mut new_stories) = (0usize, 0usize, 0usize);
    for batch in files.chunks(BATCH) {
        let read: Vec<Vec<read::Item>> = batch
            .par_iter()
            .map(|p| read::read_file(p, pipeline.read_options()))
            .collect();
        // Analysed in groups as `rhetor analyze` does (one encoder call over a group's
        // windows, the rest side by side), stored one by one in input order.
        let items = crate::analyze::with_last_flags(read);
        let sizes: Vec<usize> = items
            .iter()
            .map(|(it, _)| crate::analyze::item_chars(it))
            .collect();
        let mut items = items.into_iter();
        let grouping = crate::analyze::Grouping::Batched;
        for range in crate::analyze::groups(&sizes, grouping, crate::analyze::IN_FLIGHT) {
            let (chunk, lasts): (Vec<read::Item>, Vec<bool>) =
                items.by_ref().take(range.len()).unzip();
            let done = crate::analyze::analyze_items(&pipeline, chunk, grouping);
            for (item, last) in done.into_iter().zip(lasts) {
                if last {
                    bar.inc(1);
                }
                let article = match item {
                    Ok(a) => a,
                    Err(f) => {
                        failed += 1;
                        bar.suspend(|| eprintln!("rhetor: error: {}: {}", f.source, f.error));
                        errors.push(json!({"source": f.source, "error": f.error.to_string()}));
                        continue;
                    }
                };
                match corpus.add(&article) {
                    Ok(o) => {
                        match &o {
                            AddOutcome::Added { new_story, .. } => {
                                added += 1;
                                new_stories += usize::from(*new_story);
                            }
                            AddOutcome::Duplicate { .. } => dupes += 1,
                        }
                        outcomes.push(
                            json!({"id": article.id, "source": article.source, "outcome": o}),
                        );
                    }
                    Err(e) => {
                        failed += 1;
                        bar.suspend(|| eprintln!("rhetor: error: {}: {e}", article.source));
                        errors.push(json!({"source": article.source, "error": e.to_string()}));
                    }
                }
            }
        }
        corpus.commit(false).context("committing to the corpus")?;
    }
    corpus.commit(true).context("committing to the corpus")?;
    bar.finish_and_clear();
    let stats = corpus.stats()?;
    let place = corpus.place().to_string();
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &json!({
                    "schema_version": CORPUS_SCHEMA_VERSION,
                    "db": place,
                    "added": added, "duplicates": dupes, "failed": failed, "new_stories": new_stories,
                    "articles": outcomes, "errors": errors,
                    "corpus": stats,
                }),
            )?;
            writeln!(out)?;
        }
        _ => writeln!(
            out,
            "added {added}, already stored {dupes}, failed {failed}; {new_stories} new stories\n\
             corpus {}: {} articles, {} stories, {} outlets",
            place, stats.articles, stats.stories, stats.outlets
        )?,
    }
    Ok(i32::from(failed > 0))
}

/// Where `add` stores: the embedded corpus or PostgreSQL, both committed per batch (so both
/// store the same stories with the same summaries), with where it is for messages.
enum Target {
    Embedded(Corpus<rhetor_models::Embedder>, String),
    Postgres(PgCorpus<rhetor_models::Embedder>, String),
}

impl Target {
    fn add(&mut self, a: &rhetor_doc::Article) -> rhetor_corpus::Result<AddOutcome> {
        match self {
            Target::Embedded(c, _) => c.add(a),
            Target::Postgres(c, _) => c.add(a),
        }
    }

    fn commit(&mut self, final_run: bool) -> rhetor_corpus::Result<()> {
        match self {
            Target::Embedded(c, _) => c.commit(final_run),
            Target::Postgres(c, _) => c.commit(),
        }
    }

    fn stats(&self) -> rhetor_corpus::Result<Stats> {
        match self {
            Target::Embedded(c, _) => c.store().stats(),
            Target::Postgres(c, _) => c.store().stats(),
        }
    }

    fn place(&self) -> &str {
        match self {
            Target::Embedded(_, p) | Target::Postgres(_, p) => p,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// stories

#[derive(clap::Args)]
#[command(after_long_help = "\
Stories are groups of articles about the same event, across outlets, formed as articles are
added (embeddings of title and lead, plus the names, places, numbers and dates they share, within
a time window). The largest and most recent come first.

Examples:
  rhetor stories --db newsroom/
  rhetor stories --db newsroom/ --format json --limit 20
  RHETOR_POSTGRES=postgresql://rhetor@db.internal/newsroom rhetor stories")]
pub struct StoriesArgs {
    #[arg(long, value_name = "DIR", help = DB_HELP)]
    pub db: Option<PathBuf>,
    #[arg(long, value_name = "URL", conflicts_with = "db", help = PG_HELP)]
    pub postgres: Option<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// At most this many stories.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

pub fn stories(args: StoriesArgs) -> Result<i32> {
    let (store, _) = open_store(&args.db, &args.postgres)?;
    let mut list = Vec::new();
    for s in store.stories(args.limit)? {
        let members = store.story_members(s.id)?;
        list.push((s, members));
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json | Format::Csv => {
            // The same shape as the HTTP API's `/api/stories`: one function builds both.
            let stories: Vec<_> = list
                .iter()
                .map(|(s, m)| rhetor_server::api::story_json(s, m))
                .collect();
            serde_json::to_writer_pretty(
                &mut out,
                &json!({"schema_version": CORPUS_SCHEMA_VERSION, "stories": stories}),
            )?;
            writeln!(out)?;
        }
        Format::Text => {
            if list.is_empty() {
                writeln!(out, "No stories yet: add articles with `rhetor add`.")?;
            }
            for (s, m) in &list {
                let outlets = match s.outlets.len() {
                    0 => "outlet unknown".to_string(),
                    1 => format!("1 outlet: {}", s.outlets[0]),
                    n => format!("{n} outlets: {}", s.outlets.join(", ")),
                };
                writeln!(
                    out,
                    "#{}  {}\n    {} article{}, {outlets}; {} – {}",
                    s.id,
                    s.label,
                    s.size,
                    if s.size == 1 { "" } else { "s" },
                    day(&s.first_published),
                    day(&s.last_published)
                )?;
                for a in m {
                    writeln!(
                        out,
                        "    {}  {:<20} {}  [{}]",
                        day(a.published.as_deref().unwrap_or(&a.time)),
                        a.outlet.as_deref().unwrap_or("(unknown)"),
                        a.title.as_deref().unwrap_or("(no title)"),
                        a.id
                    )?;
                }
                for r in s.reasons.iter().take(3) {
                    writeln!(out, "    · {r}")?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(0)
}

fn day(t: &str) -> &str {
    t.get(..10).unwrap_or(t)
}

// ---------------------------------------------------------------------------------------------
// compare

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodArg {
    Day,
    Week,
    Month,
}

#[derive(clap::Args)]
#[command(after_long_help = "\
Compare one story outlet by outlet (--story ID: articles, genre, frames, techniques per 1,000
words, who each quotes, the speakers and quotes only one outlet carries, what all share), or every
outlet against the corpus average (--outlets, overall and per --period). --groups FILE adds the
same comparison across outlet groups: a TOML file such as

  left = [\"huffpost.com\", \"nytimes.com\"]
  right = [\"foxnews.com\"]

(or the same as JSON). Every figure lists or counts the articles behind it.

Examples:
  rhetor compare --db newsroom/ --story 12
  rhetor compare --db newsroom/ --outlets --period month --groups groups.toml --format csv > outlets.csv")]
pub struct CompareArgs {
    #[arg(long, value_name = "DIR", help = DB_HELP)]
    pub db: Option<PathBuf>,
    #[arg(long, value_name = "URL", conflicts_with = "db", help = PG_HELP)]
    pub postgres: Option<String>,
    /// The story to compare (ids from `rhetor stories`).
    #[arg(
        long,
        value_name = "ID",
        conflicts_with = "outlets",
        required_unless_present = "outlets"
    )]
    pub story: Option<u64>,
    /// Compare every outlet against the corpus average.
    #[arg(long)]
    pub outlets: bool,
    /// Time buckets for --outlets (besides the overall profile).
    #[arg(long, value_enum)]
    pub period: Option<PeriodArg>,
    /// Outlet groups file (TOML or JSON: group name = [outlets]).
    #[arg(long, value_name = "FILE")]
    pub groups: Option<PathBuf>,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn compare(args: CompareArgs) -> Result<i32> {
    let (store, _) = open_store(&args.db, &args.postgres)?;
    let groups = args.groups.as_deref().map(Groups::load).transpose()?;
    let mut out = std::io::stdout().lock();
    if let Some(id) = args.story {
        let c = compare::compare_story(&*store, id, groups.as_ref())?;
        match args.format {
            Format::Json => {
                let mut v = serde_json::to_value(&c)?;
                v["schema_version"] = json!(CORPUS_SCHEMA_VERSION);
                serde_json::to_writer_pretty(&mut out, &v)?;
                writeln!(out)?;
            }
            Format::Csv => story_csv(&mut out, &c)?,
            Format::Text => story_text(&mut out, &c)?,
        }
        return Ok(0);
    }
    let overall = store.counts(None)?;
    let period = args.period.map(|p| match p {
        PeriodArg::Day => Period::Day,
        PeriodArg::Week => Period::Week,
        PeriodArg::Month => Period::Month,
    });
    let per = period.map(|p| store.counts(Some(p))).transpose()?;
    let c = compare::compare_outlets(&overall, per.as_ref(), groups.as_ref());
    match args.format {
        Format::Json => {
            let mut v = serde_json::to_value(&c)?;
            v["schema_version"] = json!(CORPUS_SCHEMA_VERSION);
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        Format::Csv => {
            writeln!(
                out,
                "kind,name,period,articles,words,measure,label,value,ratio_to_corpus"
            )?;
            let rows = c
                .corpus
                .iter()
                .map(|p| ("corpus", p))
                .chain(c.outlets.iter().map(|p| ("outlet", p)))
                .chain(c.groups.iter().map(|p| ("group", p)));
            for (kind, p) in rows {
                for (label, v) in &p.techniques_per_1000_words {
                    let r = p.technique_ratio.get(label).map(|r| r.to_string());
                    csv_row(&mut out, kind, p, "technique_per_1000_words", label, *v, r)?;
                }
                for (label, v) in &p.categories_per_1000_words {
                    csv_row(
                        &mut out,
                        kind,
                        p,
                        "category_per_1000_words",
                        label,
                        *v,
                        None,
                    )?;
                }
                for (label, v) in &p.frames {
                    let r = p.frame_ratio.get(label).map(|r| r.to_string());
                    csv_row(&mut out, kind, p, "frame_share", label, *v, r)?;
                }
            }
        }
        Format::Text => outlets_text(&mut out, &c)?,
    }
    Ok(0)
}

/// A CSV field, quoted when it needs to be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_row(
    out: &mut impl Write,
    kind: &str,
    p: &compare::OutletProfile,
    measure: &str,
    label: &str,
    v: f64,
    ratio: Option<String>,
) -> Result<()> {
    writeln!(
        out,
        "{kind},{},{},{},{},{measure},{},{v},{}",
        field(&p.name),
        field(&p.period),
        p.articles,
        p.words,
        field(label),
        ratio.unwrap_or_default()
    )?;
    Ok(())
}

fn story_csv(out: &mut impl Write, c: &compare::StoryComparison) -> Result<()> {
    writeln!(out, "story,side_kind,side,articles,measure,label,value")?;
    let sides = c
        .outlets
        .iter()
        .map(|s| ("outlet", s))
        .chain(c.groups.iter().map(|s| ("group", s)));
    for (kind, s) in sides {
        let ids = field(&s.profile.articles.join(" "));
        let mut row = |m: &str, l: &str, v: String| {
            writeln!(
                out,
                "{},{kind},{},{ids},{m},{},{v}",
                c.story.id,
                field(&s.name),
                field(l)
            )
        };
        for (l, v) in &s.profile.techniques_per_1000_words {
            row("technique_per_1000_words", l, v.to_string())?;
        }
        for (l, v) in &s.profile.categories_per_1000_words {
            row("category_per_1000_words", l, v.to_string())?;
        }
        for (l, v) in &s.profile.frames {
            row("frame_share", l, v.to_string())?;
        }
        for (l, v) in &s.profile.genres {
            row("genre_articles", l, v.to_string())?;
        }
        for sp in &s.profile.speakers {
            row("speaker_quotes", &sp.speaker, sp.quotes.to_string())?;
        }
        for sp in &s.exclusive_speakers {
            row("exclusive_speaker", sp, "1".into())?;
        }
    }
    Ok(())
}

fn top(map: &std::collections::BTreeMap<String, f64>, n: usize) -> String {
    let mut v: Vec<(&String, &f64)> = map.iter().collect();
    v.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .take(n)
        .map(|(k, x)| format!("{k} {x}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn story_text(out: &mut impl Write, c: &compare::StoryComparison) -> Result<()> {
    writeln!(
        out,
        "Story #{}: {}\n{} – {}, {} articles from {} outlets\n",
        c.story.id,
        c.story.label,
        day(&c.story.first_published),
        day(&c.story.last_published),
        c.story.size,
        c.outlets.len()
    )?;
    for (kind, sides) in [("Outlet", &c.outlets), ("Group", &c.groups)] {
        for s in sides {
            writeln!(out, "{kind}: {} ({} words)", s.name, s.profile.words)?;
            for a in &s.articles {
                writeln!(
                    out,
                    "  {}  {}  [{}; genre {}; frames {}]",
                    day(a.published.as_deref().unwrap_or("")),
                    a.title.as_deref().unwrap_or("(no title)"),
                    a.id,
                    a.genre.as_deref().unwrap_or("-"),
                    if a.frames.is_empty() {
                        "-".to_string()
                    } else {
                        a.frames.join(", ")
                    }
                )?;
            }
            writeln!(
                out,
                "  techniques per 1,000 words: {}",
                or_none(top(&s.profile.techniques_per_1000_words, 5))
            )?;
            let quoted: Vec<String> = s
                .profile
                .speakers
                .iter()
                .take(6)
                .map(|x| format!("{} ({})", x.speaker, x.quotes))
                .collect();
            writeln!(out, "  quotes: {}", or_none(quoted.join(", ")))?;
            if !s.exclusive_speakers.is_empty() {
                writeln!(out, "  only here: {}", s.exclusive_speakers.join(", "))?;
            }
            for q in s.exclusive_quotes.iter().take(3) {
                writeln!(
                    out,
                    "  only here: {} — {}",
                    q.speaker.as_deref().unwrap_or("(unattributed)"),
                    search::lead(&q.text, 120)
                )?;
            }
            writeln!(out)?;
        }
    }
    writeln!(
        out,
        "Shared by all outlets: speakers {}; frames {}; techniques {}",
        or_none(c.shared.speakers.join(", ")),
        or_none(c.shared.frames.join(", ")),
        or_none(c.shared.techniques.join(", "))
    )?;
    Ok(())
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        s
    }
}

fn outlets_text(out: &mut impl Write, c: &compare::OutletsComparison) -> Result<()> {
    let sides = c
        .corpus
        .iter()
        .chain(c.outlets.iter())
        .chain(c.groups.iter())
        .filter(|p| p.period == "all");
    for p in sides {
        writeln!(
            out,
            "{} ({} articles, {} words)",
            p.name, p.articles, p.words
        )?;
        writeln!(
            out,
            "  techniques per 1,000 words: {}",
            or_none(top(&p.techniques_per_1000_words, 5))
        )?;
        if !p.technique_ratio.is_empty() {
            writeln!(
                out,
                "  × corpus average: {}",
                or_none(top(&p.technique_ratio, 5))
            )?;
        }
        writeln!(
            out,
            "  frames (share of articles): {}",
            or_none(top(&p.frames, 4))
        )?;
    }
    let periods: std::collections::BTreeSet<&str> = c
        .corpus
        .iter()
        .map(|p| p.period.as_str())
        .filter(|p| *p != "all")
        .collect();
    if !periods.is_empty() {
        writeln!(out, "\nTechnique spans per 1,000 words by period:")?;
        for p in c
            .outlets
            .iter()
            .chain(c.corpus.iter())
            .filter(|p| p.period != "all")
        {
            let total: f64 = p.techniques_per_1000_words.values().sum();
            writeln!(
                out,
                "  {:<10} {:<24} {:>7.2}  ({} articles)",
                p.period, p.name, total, p.articles
            )?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// search

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Text,
    Semantic,
    Hybrid,
}

#[derive(clap::Args)]
#[command(after_long_help = "\
Full-text (BM25, titles weigh more), semantic (nearest embeddings of the query), or hybrid (the
default: both rankings fused). Filters narrow every mode; a bare --until date covers that day.

Examples:
  rhetor search --db newsroom/ \"border wall funding\"
  rhetor search --db newsroom/ --technique Loaded_Language --outlet foxnews.com --since 2024-01-01 tariffs
  rhetor search --db newsroom/ --mode text --format csv --limit 100 earthquake > hits.csv")]
pub struct SearchArgs {
    /// What to look for.
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    #[arg(long, value_name = "DIR", help = DB_HELP)]
    pub db: Option<PathBuf>,
    #[arg(long, value_name = "URL", conflicts_with = "db", help = PG_HELP)]
    pub postgres: Option<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[arg(long, value_enum, default_value_t = ModeArg::Hybrid)]
    pub mode: ModeArg,
    #[arg(long)]
    pub outlet: Option<String>,
    /// From this date (YYYY-MM-DD or RFC 3339), by publication (else adding) time.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Up to this date, inclusive.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only articles with this technique (see `rhetor techniques`).
    #[arg(long)]
    pub technique: Option<String>,
    /// Only articles with this frame.
    #[arg(long)]
    pub frame: Option<String>,
    /// Only articles of this genre (opinion, reporting, satire).
    #[arg(long)]
    pub genre: Option<String>,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

pub fn search_cmd(args: SearchArgs) -> Result<i32> {
    if let Some(t) = &args.technique {
        if rhetor_doc::taxonomy::technique(t).is_none() {
            anyhow::bail!("unknown technique {t:?} (see `rhetor techniques`)");
        }
    }
    if let Some(f) = &args.frame {
        if !rhetor_doc::taxonomy::is_frame(f) {
            anyhow::bail!("unknown frame {f:?} (see `rhetor techniques`)");
        }
    }
    if let Some(g) = &args.genre {
        if !rhetor_doc::taxonomy::is_genre(g) {
            anyhow::bail!("unknown genre {g:?}: opinion, reporting or satire");
        }
    }
    let (mut store, _) = open_store(&args.db, &args.postgres)?;
    let query = args.query.join(" ");
    let mode = match args.mode {
        ModeArg::Text => Mode::Text,
        ModeArg::Semantic => Mode::Semantic,
        ModeArg::Hybrid => Mode::Hybrid,
    };
    let vector = if mode == Mode::Text {
        None
    } else {
        Some(
            embedder(1, rhetor_models::Precision::F32)?
                .embed(&[query.as_str()], 1)?
                .remove(0),
        )
    };
    let filter = Filter {
        outlet: args.outlet.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        technique: args.technique.clone(),
        frame: args.frame.clone(),
        genre: args.genre.clone(),
        story: None,
    };
    let hits = search::search(
        &mut *store,
        &query,
        vector.as_deref(),
        mode,
        &filter,
        args.limit,
    )?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &json!({"schema_version": CORPUS_SCHEMA_VERSION, "query": query, "hits": hits}),
            )?;
            writeln!(out)?;
        }
        Format::Csv => {
            writeln!(
                out,
                "rank,id,key,source,title,outlet,published,score,snippet"
            )?;
            for (i, h) in hits.iter().enumerate() {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{}",
                    i + 1,
                    field(&h.id),
                    h.key,
                    field(&h.source),
                    field(h.title.as_deref().unwrap_or("")),
                    field(h.outlet.as_deref().unwrap_or("")),
                    field(h.published.as_deref().unwrap_or("")),
                    h.score,
                    field(&h.snippet)
                )?;
            }
        }
        Format::Text => {
            if hits.is_empty() {
                writeln!(out, "No articles match.")?;
            }
            for (i, h) in hits.iter().enumerate() {
                writeln!(
                    out,
                    "{:>2}. {}\n    {} · {} · {}\n    {}\n",
                    i + 1,
                    h.title.as_deref().unwrap_or("(no title)"),
                    h.outlet.as_deref().unwrap_or("(unknown outlet)"),
                    day(h.published.as_deref().unwrap_or("")),
                    h.id,
                    h.snippet
                )?;
            }
        }
    }
    Ok(0)
}

// ---------------------------------------------------------------------------------------------
// stats

#[derive(clap::Args)]
pub struct StatsArgs {
    #[arg(long, value_name = "DIR", help = DB_HELP)]
    pub db: Option<PathBuf>,
    #[arg(long, value_name = "URL", conflicts_with = "db", help = PG_HELP)]
    pub postgres: Option<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn stats(args: StatsArgs) -> Result<i32> {
    let (store, place) = open_store(&args.db, &args.postgres)?;
    let s = store.stats()?;
    let outlets = store.outlets()?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Text => {
            writeln!(
                out,
                "{} articles, {} stories, {} outlets, {} words\n{} technique spans, {} quotes\npublished {} – {}\n{:.1} MB on disk ({})",
                s.articles,
                s.stories,
                s.outlets,
                s.words,
                s.technique_spans,
                s.quotes,
                s.first_published.as_deref().map(day).unwrap_or("?"),
                s.last_published.as_deref().map(day).unwrap_or("?"),
                s.disk_bytes as f64 / 1e6,
                place
            )?;
            for (o, n) in outlets.iter().take(20) {
                writeln!(out, "  {n:>7}  {o}")?;
            }
        }
        _ => {
            let mut v = serde_json::to_value(&s)?;
            v["schema_version"] = json!(CORPUS_SCHEMA_VERSION);
            v["by_outlet"] = outlets
                .iter()
                .map(|(o, n)| json!({"outlet": o, "articles": n}))
                .collect();
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
    }
    Ok(0)
}
