//! `rhetor`: see how the news persuades. This binary is thin: it parses arguments, calls the
//! library crates and formats what they return.

mod analyze;
mod bench;
mod bench_encoder;
mod bench_python;
mod bench_train;
mod corpus_cmd;
mod embed;
mod eval;
mod models_cmd;
mod queue_cmd;
mod serve;
mod techniques;
mod train;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "rhetor",
    version,
    about = "See how the news persuades: persuasion techniques, genre, frames and quotes in news articles",
    after_help = "\
Start here:
  rhetor analyze samples/                    readable summary of each article
  rhetor analyze --format jsonl feeds/*.xml  one JSON object per article (docs/schema.md)
  rhetor techniques                          what each persuasion technique means
  rhetor COMMAND --help                      options and examples of one command

Exit status: 0 success, 1 some inputs failed (the rest was still written), 2 usage error.
RHETOR_HOME overrides where models are cached."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read articles (text, HTML, feeds, WARC, JSONL, .gz, folders, `-`) and analyse them.
    Analyze(analyze::AnalyzeArgs),
    /// Sentence embeddings: one text per input line, one JSON object per output line.
    Embed(embed::EmbedArgs),
    /// Fetch, list and locate the model weights.
    Models(models_cmd::ModelsArgs),
    /// The taxonomy: 23 persuasion techniques in 6 categories, 14 frames, 3 genres.
    Techniques(techniques::TechniquesArgs),
    /// Score predictions against gold labels with the official SemEval-2023 Task 3 metrics.
    Eval(eval::EvalArgs),
    /// Throughput and memory figures.
    Bench(bench::BenchArgs),
    /// Analyse and store articles in a corpus (deduplicated, grouped into stories).
    Add(corpus_cmd::AddArgs),
    /// The corpus's stories: articles about one event across outlets.
    Stories(corpus_cmd::StoriesArgs),
    /// One story outlet by outlet, or outlets (and outlet groups) against the corpus.
    Compare(corpus_cmd::CompareArgs),
    /// Find articles in the corpus: full text, semantic or both, with filters.
    Search(corpus_cmd::SearchArgs),
    /// Corpus counts: articles, stories, outlets, disk use.
    Stats(corpus_cmd::StatsArgs),
    /// The corpus in a browser: web pages and a JSON API (loopback by default).
    Serve(serve::ServeArgs),
    /// One self-contained HTML file with the article, story and outlet views.
    Report(serve::ReportArgs),
    /// Reproduce the shipped models from the SemEval-2023 training data (resumable).
    Train(train::TrainArgs),
    /// Queue articles for `rhetor worker` processes on a NATS JetStream work queue.
    Submit(queue_cmd::SubmitArgs),
    /// Take jobs from the work queue: analyse, store (PostgreSQL or embedded), acknowledge.
    Worker(queue_cmd::WorkerArgs),
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap exits 0 for --help/--version and 2 for usage errors.
            e.exit();
        }
    };
    let result = match cli.command {
        Command::Analyze(a) => analyze::run(a),
        Command::Embed(a) => embed::run(a),
        Command::Models(a) => models_cmd::run(a),
        Command::Techniques(a) => techniques::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Train(a) => train::run(a),
        Command::Add(a) => corpus_cmd::add(a),
        Command::Stories(a) => corpus_cmd::stories(a),
        Command::Compare(a) => corpus_cmd::compare(a),
        Command::Search(a) => corpus_cmd::search_cmd(a),
        Command::Stats(a) => corpus_cmd::stats(a),
        Command::Serve(a) => serve::serve(a),
        Command::Report(a) => serve::report(a),
        Command::Submit(a) => queue_cmd::submit(a),
        Command::Worker(a) => queue_cmd::worker(a),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // A reader that closed the pipe (`rhetor stories | head`) is not an error.
            let broken_pipe = e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                std::process::exit(0);
            }
            eprintln!("rhetor: error: {}", error_text(&e));
            std::process::exit(1);
        }
    }
}

/// The error and its causes, joined by ": " as `{:#}` does, leaving out a cause whose text the
/// message already holds (library errors that print their source in their own message, such as
/// "cannot load the techniques model from DIR: {source}", would otherwise repeat it).
fn error_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if out.contains(&s) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&s);
    }
    out
}

#[cfg(test)]
mod error_text_tests {
    /// An error that prints its source in its own message and also gives it as its source.
    #[derive(Debug)]
    struct Outer {
        source: std::io::Error,
    }

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "cannot load the model from m: {}", self.source)
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no analyzer.json");
        let e = anyhow::Error::new(Outer { source: io }).context("analysing samples/");
        assert_eq!(
            super::error_text(&e),
            "analysing samples/: cannot load the model from m: no analyzer.json"
        );
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(super::error_text(&plain), "outer: inner");
    }
}
