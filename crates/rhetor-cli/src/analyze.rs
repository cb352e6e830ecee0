//! `rhetor analyze`: read inputs, run the pipeline, write one result per article.

use std::fs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rhetor_doc::{Article, ParagraphKind};
use rhetor_ingest::read::{self, Failure, Item};

/// Output formats of `rhetor analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Readable summary per article (default).
    Text,
    /// One JSON document: {"schema_version", "articles": [...], "errors": [...]}.
    Json,
    /// One JSON object per article per line (schema: docs/schema.md).
    Jsonl,
    /// SemEval-2023 subtask 1 submission lines: `ID<TAB>genre`.
    SemevalSt1,
    /// SemEval-2023 subtask 2 submission lines: `ID<TAB>Frame,Frame`.
    SemevalSt2,
    /// SemEval-2023 subtask 3 submission lines: `ID<TAB>paragraph<TAB>Tech,Tech` for every paragraph.
    SemevalSt3,
    /// Technique spans: `ID<TAB>Technique<TAB>start<TAB>end` (code points into the article file).
    SemevalSpans,
}

impl OutputFormat {
    fn is_semeval(self) -> bool {
        matches!(
            self,
            Self::SemevalSt1 | Self::SemevalSt2 | Self::SemevalSt3 | Self::SemevalSpans
        )
    }
}

#[derive(clap::Args)]
#[command(after_long_help = "\
Inputs are files, folders (read recursively), or - for standard input. Formats are recognised by
content and extension: plain text (title on the first line), .gz of anything, HTML pages (main
content extracted), RSS / Atom / JSON Feed files (one article per item), WARC archives (HTML
responses), JSONL (one article per line: title, text or html, url, outlet, published).

Examples:
  rhetor analyze samples/
  rhetor analyze --format jsonl feeds/*.xml > articles.jsonl
  curl -s https://example.org/story | rhetor analyze -
  rhetor analyze --format json --out results/ crawl.warc.gz
  rhetor analyze --format semeval-st3 dev-articles/ > pred-st3.txt
  rhetor eval --task st3 --gold gold-st3.txt --pred pred-st3.txt

Models: techniques, genre and frames come from models/techniques (override with --models or
RHETOR_TECHNIQUES_MODEL; rebuild it with `rhetor train`); --no-models only reads and segments.

Exit status: 0 when every input was analysed, 1 when some failed (the others are still written;
each failure is one line on stderr naming the input and the reason), 2 on usage errors.")]
pub struct AnalyzeArgs {
    /// Files, folders or - (standard input).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Write results into this folder instead of standard output: one `ID.json` / `ID.txt` per
    /// article, or `articles.jsonl` for --format jsonl.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Refuse inputs larger than this many bytes (after decompression).
    #[arg(long, value_name = "BYTES", default_value_t = read::DEFAULT_MAX_SIZE)]
    pub max_size: u64,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar and no warnings; errors are still printed.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Model folder for techniques, genre and frames (default: models/techniques of this build).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Only read and segment the articles: no techniques, genre or frames.
    #[arg(long)]
    pub no_models: bool,
    /// Show every technique span whose confidence (0-1; 0.5 is each technique's display
    /// threshold) reaches this, instead of the default display filter. Spans of only function
    /// words, bare names, fragments and repeats at one place stay hidden; the JSON keeps every
    /// span either way (`shown`), and the SemEval formats are not filtered.
    #[arg(long, value_name = "CONFIDENCE", alias = "min-confidence")]
    pub min_score: Option<f32>,
    /// Numeric precision of the encoder: auto (int8 where the CPU has AVX-512 VNNI, f32
    /// otherwise), f32, int8 or bf16 (AVX-512 BF16 where the CPU has it, else widened to f32).
    /// `RHETOR_CPU=avx2|portable` forces a slower int8/bf16 kernel.
    #[arg(long, value_name = "PRECISION", default_value = "auto")]
    pub precision: rhetor_models::Precision,
    /// Word pieces shared by consecutive encoder windows of a paragraph longer than one window
    /// (128 pieces). The default, 32, is what the models were trained with; fewer encode fewer
    /// pieces twice (docs/benchmarks.md measures speed and accuracy for 0 to 64).
    #[arg(long, value_name = "PIECES", hide_short_help = true, value_parser = parse_overlap)]
    pub window_overlap: Option<usize>,
}

/// `--window-overlap`: a number of word pieces that leaves room in a window.
pub(crate) fn parse_overlap(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of word pieces"))?;
    if n > rhetor::MAX_WINDOW_OVERLAP {
        return Err(format!(
            "{n} leaves no room in a window: at most {}",
            rhetor::MAX_WINDOW_OVERLAP
        ));
    }
    Ok(n)
}

/// Files handled per parallel batch: results are written in input order batch by batch, so memory
/// stays bounded on large folders.
pub(crate) const BATCH: usize = 64;

/// Articles analysed concurrently per worker thread by [`Grouping::Concurrent`] (the way
/// `analyze` ran before articles were batched into one encoder call; kept for
/// `rhetor bench analyze --compare-grouping`).
pub(crate) const IN_FLIGHT: usize = 1;

/// Text (bytes) of the articles whose windows go to the encoder in one call: about 1,700 word
/// pieces. Enough windows to keep both threads busy on short articles; few enough that the
/// group's kept states (several KB per piece until its articles are written) stay a small part
/// of the memory: on 300 BASIL articles (2 threads, int8) groups of 8,000 / 16,000 / 24,000 /
/// 48,000 bytes peaked at 192 / 199 / 230 / 263 MB for the same speed within noise. The
/// encoder's own working buffers are capped separately (`rhetor_models::fast::GROUP_TOKENS`).
pub(crate) const GROUP_CHARS: usize = 8_000;
/// Most articles in one group (many short feed items).
pub(crate) const GROUP_MAX: usize = 32;

/// How the read articles of a batch reach the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grouping {
    /// Groups of about [`GROUP_CHARS`]: one encoder call reads all their windows, then the rest
    /// of each article's analysis runs side by side (`Pipeline::finish_many`). The default.
    Batched,
    /// [`IN_FLIGHT`] articles per thread side by side, each with its own encoder call.
    Concurrent,
}

/// Consecutive ranges of `sizes` (each item's text length; 0 for a failure) holding about
/// [`GROUP_CHARS`] and at most [`GROUP_MAX`] items each ([`Grouping::Batched`]), or
/// `in_flight` items each ([`Grouping::Concurrent`]).
pub(crate) fn groups(
    sizes: &[usize],
    grouping: Grouping,
    in_flight: usize,
) -> Vec<std::ops::Range<usize>> {
    let mut out = vec![];
    let mut start = 0;
    let mut chars = 0;
    for (i, &n) in sizes.iter().enumerate() {
        chars += n;
        let len = i + 1 - start;
        let full = match grouping {
            Grouping::Batched => chars >= GROUP_CHARS || len >= GROUP_MAX,
            Grouping::Concurrent => len >= in_flight.max(1),
        };
        if full {
            out.push(start..i + 1);
            start = i + 1;
            chars = 0;
        }
    }
    if start < sizes.len() {
        out.push(start..sizes.len());
    }
    out
}

/// Analyses read items as `grouping` says, results in input order.
pub(crate) fn analyze_items(
    pipeline: &rhetor::Pipeline,
    items: Vec<Item>,
    grouping: Grouping,
) -> Vec<Item> {
    match grouping {
        Grouping::Batched => pipeline.finish_many(items),
        Grouping::Concurrent => items
            .into_par_iter()
            .map(|item| pipeline.finish(item))
            .collect(),
    }
}

/// The items read from each file, flattened, each with whether it is its file's last (where the
/// files progress bar moves).
pub(crate) fn with_last_flags(per_file: Vec<Vec<Item>>) -> Vec<(Item, bool)> {
    per_file
        .into_iter()
        .flat_map(|items| {
            let n = items.len();
            items
                .into_iter()
                .enumerate()
                .map(move |(i, it)| (it, i + 1 == n))
        })
        .collect()
}

/// Text length of a read item (0 for a failure), what [`groups`] sizes by.
pub(crate) fn item_chars(item: &Item) -> usize {
    item.as_ref().map(|a| a.text.len()).unwrap_or(0)
}

pub fn run(args: AnalyzeArgs) -> Result<i32> {
    if let Some(n) = args.threads {
        // Ignore the error of a second initialisation (tests); the first pool stands.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let pipeline = rhetor::Pipeline::load(&rhetor::Config {
        models: args.models.clone(),
        threads: args.threads.unwrap_or(0),
        analyze: !args.no_models,
        max_size: args.max_size,
        min_score: args.min_score,
        precision: args.precision,
        window_overlap: args.window_overlap,
    })
    .context("use --no-models to only read the articles")?;
    if !args.quiet {
        for n in pipeline.notices() {
            eprintln!("rhetor: warning: {n}");
        }
    }
    if args.format.is_semeval() && !pipeline.has_models() {
        anyhow::bail!(
            "--format {:?} needs the model: drop --no-models",
            args.format
        );
    }
    let mut sink = Sink::new(args.format, args.out.as_deref())?;
    let mut failures = 0usize;
    let mut files = Vec::new();
    for entry in read::expand(&args.paths) {
        match entry {
            Ok(path) => files.push(path),
            Err(f) => {
                failures += 1;
                eprintln!("rhetor: error: {}: {}", f.source, f.error);
                sink.failure(&f);
            }
        }
    }
    let progress = progress_bar(files.len(), args.quiet);
    for batch in files.chunks(BATCH) {
        let results: Vec<Vec<Item>> = batch
            .par_iter()
            .map(|path| read::read_file(path, pipeline.read_options()))
            .collect();
        let items = with_last_flags(results);
        // The read articles go to the models in groups of a few thousand word pieces: one
        // encoder call reads all the windows of a group (both cores busy even on short
        // articles), then each article's heads, spans, genre, frames and quotes run side by
        // side. A group, not the whole batch, so memory holds a few analysed articles, not 64
        // files' worth (one JSONL file can hold hundreds of articles). Each article's analysis
        // is the one it gets alone, so the output does not depend on the grouping.
        let sizes: Vec<usize> = items.iter().map(|(it, _)| item_chars(it)).collect();
        let mut items = items.into_iter();
        for range in groups(&sizes, Grouping::Batched, IN_FLIGHT) {
            let (chunk, lasts): (Vec<Item>, Vec<bool>) = items.by_ref().take(range.len()).unzip();
            let done: Vec<(Item, bool)> = analyze_items(&pipeline, chunk, Grouping::Batched)
                .into_iter()
                .zip(lasts)
                .collect();
            for (item, last) in done {
                if last {
                    progress.inc(1);
                }
                match item {
                    Ok(article) => {
                        if !args.quiet {
                            for w in &article.warnings {
                                progress.suspend(|| {
                                    eprintln!("rhetor: warning: {}: {w}", article.source)
                                });
                            }
                        }
                        sink.article(&article)?;
                    }
                    Err(f) => {
                        failures += 1;
                        progress.suspend(|| eprintln!("rhetor: error: {}: {}", f.source, f.error));
                        sink.failure(&f);
                    }
                }
            }
        }
    }
    progress.finish_and_clear();
    sink.finish()?;
    Ok(if failures > 0 { 1 } else { 0 })
}

/// The files progress bar on stderr (hidden when quiet, for few files, or off a terminal).
pub(crate) fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    if quiet || len < 5 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} files  {per_sec}  ETA {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// Where results go: stdout or a folder, in one of the formats.
struct Sink {
    format: OutputFormat,
    out: Option<PathBuf>,
    stdout: std::io::BufWriter<std::io::Stdout>,
    jsonl_file: Option<std::io::BufWriter<fs::File>>,
    json_articles: Vec<serde_json::Value>,
    json_errors: Vec<serde_json::Value>,
    used_names: std::collections::HashSet<String>,
    color: bool,
}

impl Sink {
    fn new(format: OutputFormat, out: Option<&Path>) -> Result<Self> {
        let mut jsonl_file = None;
        if let Some(dir) = out {
            fs::create_dir_all(dir)
                .with_context(|| format!("cannot create output folder {}", dir.display()))?;
            let file_name = match format {
                OutputFormat::Jsonl => Some("articles.jsonl"),
                OutputFormat::SemevalSt1 => Some("semeval-st1.txt"),
                OutputFormat::SemevalSt2 => Some("semeval-st2.txt"),
                OutputFormat::SemevalSt3 => Some("semeval-st3.txt"),
                OutputFormat::SemevalSpans => Some("semeval-spans.txt"),
                _ => None,
            };
            if let Some(name) = file_name {
                let path = dir.join(name);
                let f = fs::File::create(&path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                jsonl_file = Some(std::io::BufWriter::new(f));
            }
        }
        Ok(Sink {
            format,
            out: out.map(Path::to_path_buf),
            stdout: std::io::BufWriter::new(std::io::stdout()),
            jsonl_file,
            json_articles: Vec::new(),
            json_errors: Vec::new(),
            used_names: Default::default(),
            color: out.is_none() && std::io::stdout().is_terminal(),
        })
    }

    fn article(&mut self, a: &Article) -> Result<()> {
        match (self.format, self.out.clone()) {
            (OutputFormat::Jsonl, _) => {
                let line = serde_json::to_string(a)?;
                let w: &mut dyn Write = match &mut self.jsonl_file {
                    Some(f) => f,
                    None => &mut self.stdout,
                };
                writeln!(w, "{line}")?;
            }
            (OutputFormat::Json, None) => self.json_articles.push(serde_json::to_value(a)?),
            (OutputFormat::Json, Some(dir)) => {
                let path = dir.join(format!("{}.json", self.unique_name(&a.id)));
                fs::write(&path, serde_json::to_string_pretty(a)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            (OutputFormat::Text, None) => {
                let text = render_text(a, self.color);
                self.stdout.write_all(text.as_bytes())?;
            }
            (OutputFormat::Text, Some(dir)) => {
                let path = dir.join(format!("{}.txt", self.unique_name(&a.id)));
                fs::write(&path, render_text(a, false))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            (f, _) => {
                let lines = semeval_lines(a, f);
                let w: &mut dyn Write = match &mut self.jsonl_file {
                    Some(f) => f,
                    None => &mut self.stdout,
                };
                w.write_all(lines.as_bytes())?;
            }
        }
        Ok(())
    }

    fn failure(&mut self, f: &Failure) {
        if self.format == OutputFormat::Json && self.out.is_none() {
            self.json_errors.push(serde_json::json!({
                "source": f.source,
                "error": f.error.to_string(),
            }));
        }
    }

    /// A file name for an article id: safe characters only, unique within this run.
    fn unique_name(&mut self, id: &str) -> String {
        let base: String = id
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .take(100)
            .collect();
        let base = if base.is_empty() {
            "article".to_string()
        } else {
            base
        };
        let mut name = base.clone();
        let mut n = 2;
        while !self.used_names.insert(name.clone()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        name
    }

    fn finish(mut self) -> Result<()> {
        if self.format == OutputFormat::Json && self.out.is_none() {
            let doc = serde_json::json!({
                "schema_version": rhetor_doc::SCHEMA_VERSION,
                "articles": self.json_articles,
                "errors": self.json_errors,
            });
            serde_json::to_writer_pretty(&mut self.stdout, &doc)?;
            writeln!(self.stdout)?;
        }
        if let Some(f) = &mut self.jsonl_file {
            f.flush()?;
        }
        self.stdout.flush()?;
        Ok(())
    }
}

/// The official SemEval-2023 submission lines of one article.
pub fn semeval_lines(a: &Article, format: OutputFormat) -> String {
    let mut s = String::new();
    match format {
        OutputFormat::SemevalSt1 => {
            if let Some(g) = &a.genre {
                s.push_str(&format!("{}\t{}\n", a.id, g.label));
            }
        }
        OutputFormat::SemevalSt2 => {
            let frames: Vec<&str> = a.frames.iter().map(|f| f.frame.as_str()).collect();
            s.push_str(&format!("{}\t{}\n", a.id, frames.join(",")));
        }
        OutputFormat::SemevalSt3 => {
            let mut pars: Vec<&rhetor_doc::Paragraph> = a.paragraphs.iter().collect();
            pars.sort_by_key(|p| p.index);
            for p in pars {
                let techs: Vec<&str> = a
                    .paragraph_techniques
                    .iter()
                    .find(|x| x.paragraph == p.index)
                    .map(|x| x.techniques.iter().map(|t| t.label.as_str()).collect())
                    .unwrap_or_default();
                s.push_str(&format!("{}\t{}\t{}\n", a.id, p.index, techs.join(",")));
            }
        }
        OutputFormat::SemevalSpans => {
            for t in &a.techniques {
                s.push_str(&format!(
                    "{}\t{}\t{}\t{}\n",
                    a.id, t.technique, t.start, t.end
                ));
            }
        }
        _ => {}
    }
    s
}

/// The readable terminal summary of one article.
pub fn render_text(a: &Article, color: bool) -> String {
    let (bold, dim, reset) = if color {
        ("\x1b[1m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let mut s = String::new();
    let title = a.title.as_deref().unwrap_or("(no title)");
    s.push_str(&format!("{bold}{title}{reset}\n"));
    let m = &a.metadata;
    let facts: Vec<String> = [
        m.outlet.clone(),
        m.author.as_ref().map(|x| format!("by {x}")),
        m.published.clone(),
        m.language.as_ref().map(|x| format!("language {x}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    s.push_str(&format!("{dim}{} · id {}", a.source, a.id));
    if !facts.is_empty() {
        s.push_str(&format!(" · {}", facts.join(" · ")));
    }
    s.push_str(&format!("{reset}\n"));
    let body = a.body_paragraphs().count();
    let debris: Vec<String> = a
        .paragraphs
        .iter()
        .filter(|p| p.kind == ParagraphKind::Debris)
        .map(|p| p.reason.clone().unwrap_or_else(|| "debris".into()))
        .collect();
    let words = a.clean_text.split_whitespace().count();
    s.push_str(&format!(
        "{body} paragraphs, {} sentences, {words} words",
        a.sentences.len()
    ));
    if !debris.is_empty() {
        s.push_str(&format!(
            "; {} debris line(s) removed ({})",
            debris.len(),
            summarise(&debris)
        ));
    }
    s.push('\n');
    for w in &a.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s.push_str(&render_analysis(a, color));
    if !a.quotes.is_empty() {
        s.push_str(&format!(
            "{bold}Who said what{reset}\n{}",
            rhetor_quotes::format_who_said_what(a)
        ));
    }
    let preview: String = a.clean_text.chars().take(240).collect();
    if !preview.is_empty() && !a.techniques.iter().any(|t| t.shown) {
        let ellipsis = if a.clean_text.chars().count() > 240 {
            "…"
        } else {
            ""
        };
        s.push_str(&format!("\n{}{ellipsis}\n", preview.trim_end()));
    }
    s.push('\n');
    s
}

fn summarise(reasons: &[String]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for r in reasons {
        match counts.iter_mut().find(|(k, _)| k == r) {
            Some((_, n)) => *n += 1,
            None => counts.push((r.clone(), 1)),
        }
    }
    counts
        .into_iter()
        .map(|(k, n)| if n > 1 { format!("{k} ×{n}") } else { k })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Most spans listed per article in the text format.
const MAX_LISTED_SPANS: usize = 15;

/// Genre, frames and highlighted techniques for the text format.
fn render_analysis(a: &Article, color: bool) -> String {
    let (bold, hl, dim, reset) = if color {
        ("\x1b[1m", "\x1b[1;33m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let mut s = String::new();
    if let Some(g) = &a.genre {
        let line = match &g.basis {
            // The outlet's own label decided: say so, with every score of the model.
            Some(why) => {
                let all: Vec<String> = g
                    .scores
                    .iter()
                    .map(|x| format!("{} {:.2}", x.label, x.score))
                    .collect();
                format!(
                    "{}  {dim}({why}; the model: {}){reset}",
                    g.label,
                    all.join(", ")
                )
            }
            None => {
                let others: Vec<String> = g
                    .scores
                    .iter()
                    .filter(|x| x.label != g.label)
                    .map(|x| format!("{} {:.2}", x.label, x.score))
                    .collect();
                let note = g
                    .outscored_by()
                    .map(|x| {
                        format!(
                            "; {} scores higher but is called only when the model is sure of it",
                            x.label
                        )
                    })
                    .unwrap_or_default();
                let unsure = if g.is_unsure() {
                    format!(
                        "; unsure: under {:.2}, right about two times in three on hand-labelled web articles",
                        rhetor_doc::GENRE_UNSURE_BELOW
                    )
                } else {
                    String::new()
                };
                format!(
                    "{} {:.2}  {dim}({}{note}{unsure}){reset}",
                    g.label,
                    g.score(),
                    others.join(", ")
                )
            }
        };
        s.push_str(&format!("{bold}Genre{reset}   {line}\n"));
    }
    if !a.frames.is_empty() {
        let f: Vec<String> = a
            .frames
            .iter()
            .map(|f| format!("{} {:.2}", f.frame.replace('_', " "), f.score))
            .collect();
        s.push_str(&format!("{bold}Frames{reset}  {}\n", f.join(" · ")));
    }
    if a.genre.is_none() && a.frames.is_empty() && a.techniques.is_empty() {
        return s;
    }
    let with = a
        .paragraph_techniques
        .iter()
        .filter(|p| !p.techniques.is_empty())
        .count();
    let shown: Vec<&rhetor_doc::TechniqueSpan> = a.techniques.iter().filter(|t| t.shown).collect();
    let mut counts: Vec<(String, usize)> = vec![];
    for t in &shown {
        match counts.iter_mut().find(|(k, _)| *k == t.technique) {
            Some((_, n)) => *n += 1,
            None => counts.push((t.technique.clone(), 1)),
        }
    }
    counts.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let summary: Vec<String> = counts
        .iter()
        .map(|(k, n)| format!("{} ×{n}", k.replace('_', " ")))
        .collect();
    s.push_str(&format!(
        "{bold}Techniques{reset}  {} span(s) shown; {with} of {} paragraphs flagged{}{}\n",
        shown.len(),
        a.paragraph_techniques.len(),
        if summary.is_empty() { "" } else { ": " },
        summary.join(", ")
    ));
    // An article in another language than English has no highlights, only paragraph labels
    // from the multilingual head (see its warning): list those instead.
    let foreign = a.metadata.language.as_deref().is_some_and(|l| l != "en");
    if foreign && a.techniques.is_empty() {
        let flagged = a
            .paragraph_techniques
            .iter()
            .filter(|p| !p.techniques.is_empty());
        for p in flagged.take(MAX_LISTED_SPANS) {
            let labels: Vec<String> = p
                .techniques
                .iter()
                .map(|t| format!("{} {dim}{:.2}{reset}", t.label.replace('_', " "), t.score))
                .collect();
            s.push_str(&format!("  ¶{:<3} {}\n", p.paragraph, labels.join(" · ")));
        }
    }
    let chars: Vec<char> = a.text.chars().collect();
    let mut spans = shown.clone();
    spans.sort_by(|x, y| y.score.total_cmp(&x.score));
    spans.truncate(MAX_LISTED_SPANS);
    spans.sort_by_key(|t| (t.start, t.end));
    for t in &spans {
        let par = a
            .paragraphs
            .iter()
            .find(|p| p.start <= t.start && t.start < p.end.max(p.start + 1))
            .map(|p| p.index)
            .unwrap_or(0);
        let words: String = chars
            .get(t.start..t.end)
            .unwrap_or_default()
            .iter()
            .map(|c| if c.is_whitespace() { ' ' } else { *c })
            .collect();
        let words = if words.chars().count() > 90 {
            format!("{}…", words.chars().take(89).collect::<String>())
        } else {
            words
        };
        s.push_str(&format!(
            "  ¶{par:<3} {:<34} {hl}“{words}”{reset} {dim}{:.2} @{}..{}{reset}\n",
            t.technique.replace('_', " "),
            t.score,
            t.start,
            t.end
        ));
    }
    let more = shown.len() - spans.len();
    let hidden = a.techniques.len() - shown.len();
    if more > 0 || hidden > 0 {
        s.push_str(&format!(
            "  {dim}… {more} more shown, {hidden} below the display filter (all of them in --format json; --min-score to show more){reset}\n"
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsure_genre_says_so_and_a_sure_one_does_not() {
        let mut a = Article::new("x", "x.txt", "A title\n\nSome words.".to_string());
        let genre = |top: f32| {
            rhetor_doc::GenrePrediction::from_scores(
                "reporting",
                [("opinion", 1.0 - top), ("reporting", top)],
                None,
            )
        };
        a.genre = Some(genre(0.49));
        let t = render_text(&a, false);
        assert!(
            t.contains("reporting 0.49") && t.contains("unsure: under 0.60"),
            "{t}"
        );
        a.genre = Some(genre(0.81));
        assert!(!render_text(&a, false).contains("unsure"));
    }

    #[test]
    fn groups_cover_every_item_once_and_respect_the_limits() {
        let sizes = [3000, 3000, 3000, 100, 0, 20_000, 50, 50];
        let g = groups(&sizes, Grouping::Batched, 2);
        assert_eq!(g, vec![0..3, 3..6, 6..8]);
        let many = vec![10; GROUP_MAX * 2 + 1];
        let g = groups(&many, Grouping::Batched, 2);
        assert_eq!(g.len(), 3);
        assert!(g.iter().all(|r| r.len() <= GROUP_MAX));
        let g = groups(&sizes, Grouping::Concurrent, 3);
        assert_eq!(g, vec![0..3, 3..6, 6..8]);
        assert!(groups(&[], Grouping::Batched, 2).is_empty());
        for grouping in [Grouping::Batched, Grouping::Concurrent] {
            let g = groups(&sizes, grouping, 1);
            let covered: Vec<usize> = g.into_iter().flatten().collect();
            assert_eq!(covered, (0..sizes.len()).collect::<Vec<_>>());
        }
    }
}
