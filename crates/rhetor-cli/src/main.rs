//! `rhetor`: see how the news persuades. This binary is thin: it parses arguments, calls the
//! library crates and formats what they return.

mod analyze;
mod bench;
mod bench_encoder;
mod embed;
mod models_cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "rhetor", version, about = "See how the news persuades", long_about = None)]
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
    /// Throughput and memory figures.
    Bench(bench::BenchArgs),
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
        Command::Bench(a) => bench::run(a),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("rhetor: error: {e:#}");
            std::process::exit(2);
        }
    }
}
