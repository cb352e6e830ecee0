//! Print who said what for the given files or folders (any input `rhetor analyze` reads).
//!
//! ```sh
//! cargo run --release -p rhetor-quotes --example who_said_what -- samples/
//! ```

use std::path::PathBuf;

use anyhow::Result;
use rhetor_quotes::{format_who_said_what, QuoteAnalyzer};

fn main() -> Result<()> {
    let an = QuoteAnalyzer::load()?;
    let opts = rhetor_ingest::Options::default();
    for arg in std::env::args().skip(1) {
        for item in rhetor_ingest::read_path(&PathBuf::from(arg), &opts) {
            match item {
                Ok(mut a) => {
                    an.annotate(&mut a);
                    println!("== {} ({} quotes)", a.source, a.quotes.len());
                    print!("{}", format_who_said_what(&a));
                }
                Err(e) => eprintln!("{}: {}", e.source, e.error),
            }
        }
    }
    Ok(())
}
