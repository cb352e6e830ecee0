//! Print who said what for the given files or folders (any input `rhetor analyze` reads).
//!
//! ```sh
//! cargo run --release -p rhetor-quotes --example who_said_what -- samples/
//! # every attribution, hidden ones too, with its confidence
//! cargo run --release -p rhetor-quotes --example who_said_what -- --all samples/
//! ```

use std::path::PathBuf;

use anyhow::Result;
use rhetor_quotes::{format_who_said_what, QuoteAnalyzer};

fn main() -> Result<()> {
    let an = QuoteAnalyzer::load()?;
    let opts = rhetor_ingest::Options::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = args.iter().any(|a| a == "--all");
    for arg in args.iter().filter(|a| *a != "--all") {
        for item in rhetor_ingest::read_path(&PathBuf::from(arg), &opts) {
            match item {
                Ok(mut a) => {
                    an.annotate(&mut a);
                    println!("== {} ({} quotes)", a.source, a.quotes.len());
                    print!("{}", format_who_said_what(&a));
                    if all {
                        let idx = rhetor_doc::CharIndex::new(&a.text);
                        for q in &a.quotes {
                            let text = idx.slice(&a.text, q.start, q.end).unwrap_or("");
                            println!(
                                "  {} {:?} conf {:.2} score {:.2} | {:?} | {:?} | {}",
                                if q.shown { "SHOWN " } else { "hidden" },
                                q.kind,
                                q.confidence,
                                q.score,
                                q.speaker.as_deref().unwrap_or("-"),
                                q.cue.as_deref().unwrap_or("-"),
                                text.split_whitespace().collect::<Vec<_>>().join(" ")
                            );
                        }
                    }
                }
                Err(e) => eprintln!("{}: {}", e.source, e.error),
            }
        }
    }
    Ok(())
}
