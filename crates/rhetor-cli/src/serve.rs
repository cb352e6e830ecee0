//! `rhetor serve` and `rhetor report`: the corpus in a browser, and as one HTML file. Both are
//! thin: `rhetor_server` holds the API, the pages, the views and the report.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use rhetor_corpus::Corpus;

use crate::corpus_cmd::{db_dir, embedder, open_existing, postgres_url, DB_HELP, PG_HELP};

#[derive(clap::Args)]
#[command(after_long_help = "\
Serves the corpus in a browser and as a JSON API (described at /api/openapi.json):
  /                   overview: counts, recent stories, outlets
  /articles/ID        the text with every technique highlighted, genre, frames, who said what
  /stories/ID         one story, outlet by outlet, with a timeline
  /outlets/NAME       technique and frame profile over time against the corpus average (CSV too)
  /search             full-text and semantic search with filters
  /techniques         the taxonomy
  POST /api/analyze   analyse an article sent as the body (?store=true also stores it)

Answers of the JSON API are kept in memory until the store changes (--cache-mb; the header
x-rhetor-cache says hit or miss). Listens on 127.0.0.1 unless --bind says otherwise. Ctrl-C or SIGTERM stop it after the requests
in flight. Request logs go to stderr (RUST_LOG=debug for more).

Examples:
  rhetor serve --db newsroom/
  rhetor serve --db newsroom/ --port 9000
  rhetor serve --postgres postgresql://rhetor@db.internal/newsroom
  curl -s localhost:8080/api/search?q=bridge
  curl -s --data-binary @story.html -H 'content-type: text/html' 'localhost:8080/api/analyze?store=true'")]
pub struct ServeArgs {
    #[arg(long, value_name = "DIR", help = DB_HELP)]
    pub db: Option<PathBuf>,
    #[arg(long, value_name = "URL", conflicts_with = "db", help = PG_HELP)]
    pub postgres: Option<String>,
    /// Address to listen on (loopback by default: the server has no authentication).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Model folder for POST /api/analyze (default: found at run time).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Largest body of POST /api/analyze, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_analyze_bytes: usize,
    /// Text search only (do not load the sentence encoder).
    #[arg(long)]
    pub no_semantic: bool,
    /// Memory for API answers kept until the store changes (the same question is then answered
    /// without asking the store again; `rhetor add` beside the server empties it); 0 turns the
    /// cache off.
    #[arg(long, value_name = "MB", default_value_t = 64)]
    pub cache_mb: usize,
}

fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub fn serve(args: ServeArgs) -> Result<i32> {
    init_logs();
    let postgres = postgres_url(&args.postgres, &args.db);
    if postgres.is_none() {
        // Fails with the same message as the other corpus commands when there is no store.
        drop(open_existing(&args.db)?);
    }
    let place = match &postgres {
        Some(url) => rhetor_postgres::store::redact(url),
        None => db_dir(&args.db).display().to_string(),
    };
    let mut config = rhetor_server::ServerConfig::new(db_dir(&args.db));
    config.postgres = postgres;
    config.bind = args.bind;
    config.port = args.port;
    config.models = args.models;
    config.analyze_max_bytes = args.max_analyze_bytes;
    config.semantic_search = !args.no_semantic;
    config.cache_bytes = args.cache_mb * 1024 * 1024;
    if args.cache_mb == 0 {
        config.cache_entries = 0;
    }
    rhetor_server::run(config, |addr| {
        eprintln!("rhetor: serving {place} on http://{addr}/ (Ctrl-C stops)");
    })?;
    Ok(0)
}

#[derive(clap::Args)]
#[command(after_long_help = "\
Writes one self-contained HTML file: every article with its highlights, every story outlet by
outlet, every outlet against the corpus average, the taxonomy. Styles are inline, there is no
script, and nothing is fetched from anywhere: it opens from disk and can be sent as it is.

From a store (--db) or from inputs (PATH...: analysed like `rhetor analyze`, grouped into stories
in a temporary store).

Examples:
  rhetor report --db newsroom/ -o newsroom.html
  rhetor report samples/ -o report.html")]
pub struct ReportArgs {
    /// Inputs to analyse (instead of --db).
    #[arg(
        value_name = "PATH",
        conflicts_with = "db",
        required_unless_present = "db"
    )]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_name = "DIR", help = DB_HELP)]
    pub db: Option<PathBuf>,
    /// The HTML file to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,
    /// At most this many articles (the most recent).
    #[arg(long, default_value_t = 500)]
    pub max_articles: usize,
    /// Title of the report.
    #[arg(long, default_value = "rhetor report")]
    pub title: String,
    /// Model folder for techniques, genre and frames (default: found at run time).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

pub fn report(args: ReportArgs) -> Result<i32> {
    let opts = rhetor_server::report::ReportOptions {
        title: args.title.clone(),
        max_articles: args.max_articles,
        ..Default::default()
    };
    let mut failed = 0usize;
    let (html, _tmp) = if args.db.is_some() {
        let mut store = open_existing(&args.db)?;
        (rhetor_server::report::from_store(&mut store, &opts)?, None)
    } else {
        let tmp = tempfile::tempdir().context("a temporary store")?;
        let threads = args.threads.unwrap_or(0);
        let pipeline = rhetor::Pipeline::load(&rhetor::Config {
            models: args.models.clone(),
            threads,
            analyze: true,
            max_size: rhetor_ingest::read::DEFAULT_MAX_SIZE,
            min_score: None,
            precision: rhetor::Precision::Auto,
            window_overlap: None,
        })?;
        for n in pipeline.notices() {
            eprintln!("rhetor: warning: {n}");
        }
        let mut corpus = Corpus::open(
            tmp.path(),
            embedder(threads, rhetor_models::Precision::F32)?,
        )?;
        for entry in rhetor_ingest::read::expand(&args.paths) {
            let path = match entry {
                Ok(p) => p,
                Err(f) => {
                    failed += 1;
                    eprintln!("rhetor: error: {}: {}", f.source, f.error);
                    continue;
                }
            };
            for item in pipeline.process_path(&path) {
                match item {
                    Ok(a) => {
                        corpus.add(&a)?;
                    }
                    Err(f) => {
                        failed += 1;
                        eprintln!("rhetor: error: {}: {}", f.source, f.error);
                    }
                }
            }
        }
        corpus.commit(true)?;
        drop(corpus);
        let mut store = rhetor_corpus::SqliteStore::open(tmp.path())?;
        (
            rhetor_server::report::from_store(&mut store, &opts)?,
            Some(tmp),
        )
    };
    std::fs::write(&args.out, html)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!("rhetor: wrote {}", args.out.display());
    Ok(i32::from(failed > 0))
}
