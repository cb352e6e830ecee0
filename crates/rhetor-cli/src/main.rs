//! `rhetor`: see how the news persuades. This binary is thin: it parses arguments, calls the
//! library crates and formats what they return.

mod analyze;
mod bench;
mod bench_encoder;
mod bench_train;
mod embed;
mod eval;
mod models_cmd;
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
    /// Reproduce the shipped models from the SemEval-2023 training data (resumable).
    Train(train::TrainArgs),
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
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("rhetor: error: {e:#}");
            std::process::exit(1);
        }
    }
}
