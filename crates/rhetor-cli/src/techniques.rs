//! `rhetor techniques`: the taxonomy, for people and for programs.

use rhetor_doc::taxonomy::{Category, FRAMES, GENRES, TECHNIQUES};

#[derive(clap::Args)]
#[command(after_long_help = "\
Examples:
  rhetor techniques                 # all 23 techniques by category
  rhetor techniques Loaded_Language # one technique
  rhetor techniques --json          # the whole taxonomy as JSON (techniques, frames, genres)")]
pub struct TechniquesArgs {
    /// Show only this technique (SemEval label, case-insensitive).
    pub label: Option<String>,
    /// Print the taxonomy as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: TechniquesArgs) -> anyhow::Result<i32> {
    if args.json {
        let doc = rhetor_doc::taxonomy::to_json();
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(0);
    }
    if let Some(label) = &args.label {
        let Some(t) = TECHNIQUES
            .iter()
            .find(|t| t.label.eq_ignore_ascii_case(label.trim()))
        else {
            eprintln!(
                "rhetor: error: unknown technique {label:?}; `rhetor techniques` lists them all"
            );
            return Ok(2);
        };
        println!(
            "{} ({})\ncategory: {}\n\n{}\n\nExample: {}",
            t.name,
            t.label,
            t.category.name(),
            t.definition,
            t.example
        );
        return Ok(0);
    }
    for c in Category::ALL {
        println!("{} — {}", c.name().to_uppercase(), c.description());
        for t in TECHNIQUES.iter().filter(|t| t.category == c) {
            println!("  {:<34} {}", t.label, t.definition);
            println!("  {:<34} e.g. \"{}\"", "", t.example);
        }
        println!();
    }
    println!(
        "FRAMES (article level): {}",
        FRAMES
            .iter()
            .map(|(f, _)| *f)
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "GENRES: {}",
        GENRES
            .iter()
            .map(|(g, _)| *g)
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(0)
}
