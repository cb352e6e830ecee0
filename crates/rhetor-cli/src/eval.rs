//! `rhetor eval`: the official SemEval-2023 Task 3 metrics on gold and predicted label files, and
//! quote attribution scores on PolNeAR-layout gold.

use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;
use rhetor_doc::taxonomy::{FRAMES, GENRES, TECHNIQUES};
use rhetor_eval::LabelScore;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Task {
    /// Subtask 1, genre: macro-F1 (files `ID<TAB>genre`).
    St1,
    /// Subtask 2, frames: micro-F1 (files `ID<TAB>Frame,Frame`).
    St2,
    /// Subtask 3, paragraph techniques: micro-F1 (files `ID<TAB>paragraph<TAB>Tech,Tech`).
    St3,
    /// Technique spans: P/R/F1 with partial-overlap credit (files or folders of
    /// `ID<TAB>Technique<TAB>start<TAB>end`).
    Spans,
    /// Quotes: direct-quote P/R/F1, speaker accuracy and all-attribution P/R/F1 (gold: a
    /// PolNeAR-layout folder with text/ and attributions/; predictions: JSONL articles with
    /// `quotes`, as `rhetor analyze --format jsonl` writes them).
    Quotes,
}

#[derive(clap::Args)]
#[command(after_long_help = "\
Examples:
  rhetor eval --task st3 --gold gold/train-labels-subtask-3.txt --pred pred-st3.txt
  rhetor eval --task spans --gold gold/train-labels-subtask-3-spans/ --pred pred-spans.txt --json
  rhetor eval --task quotes --gold ../shared/data/polnear/data/dev --pred quotes.jsonl

Quotes: articles are matched by id = file stem of text/NAME.txt; a predicted and a gold content
match when their overlap covers at least half of each; quotes sharing a cue span count as one.

Labels must be official SemEval-2023 labels; an unknown label is an error naming the file and line.
Gold rows without a prediction count as empty predictions.")]
pub struct EvalArgs {
    #[arg(long, value_enum)]
    pub task: Task,
    /// Gold labels (file, or folder for spans).
    #[arg(long, value_name = "PATH")]
    pub gold: PathBuf,
    /// Predicted labels in the same format.
    #[arg(long, value_name = "PATH")]
    pub pred: PathBuf,
    /// Print the scores as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: EvalArgs) -> Result<i32> {
    if args.task == Task::Quotes {
        return quotes(&args);
    }
    let techniques: Vec<&str> = TECHNIQUES.iter().map(|t| t.label).collect();
    let frames: Vec<&str> = FRAMES.iter().map(|(f, _)| *f).collect();
    let genres: Vec<&str> = GENRES.iter().map(|(g, _)| *g).collect();
    let (headline, table, json) = match args.task {
        Task::St1 => {
            let g = rhetor_eval::read_single_label(&args.gold, &genres)?;
            let p = rhetor_eval::read_single_label(&args.pred, &genres)?;
            let s = rhetor_eval::score_single_label(&g, &p);
            (
                format!(
                    "subtask 1 (genre): macro-F1 {:.4}  micro-F1 {:.4}  ({} articles, {} without prediction)",
                    s.macro_f1, s.micro_f1, g.len(), s.missing
                ),
                s.per_label.clone(),
                serde_json::to_value(&s)?,
            )
        }
        Task::St2 => {
            let g = rhetor_eval::read_multilabel(&args.gold, &frames)?;
            let p = rhetor_eval::read_multilabel(&args.pred, &frames)?;
            let s = rhetor_eval::score_multilabel(&g, &p, &frames);
            (
                format!(
                    "subtask 2 (frames): micro-F1 {:.4}  P {:.4}  R {:.4}  macro-F1 {:.4}  ({} articles, {} without prediction)",
                    s.micro_f1, s.micro_precision, s.micro_recall, s.macro_f1, g.len(), s.missing
                ),
                s.per_label.clone(),
                serde_json::to_value(&s)?,
            )
        }
        Task::St3 => {
            let g = rhetor_eval::read_paragraph_labels(&args.gold, &techniques)?;
            let p = rhetor_eval::read_paragraph_labels(&args.pred, &techniques)?;
            let s = rhetor_eval::score_multilabel(&g, &p, &techniques);
            (
                format!(
                    "subtask 3 (paragraph techniques): micro-F1 {:.4}  P {:.4}  R {:.4}  macro-F1 {:.4}  ({} paragraphs, {} without prediction)",
                    s.micro_f1, s.micro_precision, s.micro_recall, s.macro_f1, g.len(), s.missing
                ),
                s.per_label.clone(),
                serde_json::to_value(&s)?,
            )
        }
        Task::Quotes => unreachable!("handled above"),
        Task::Spans => {
            let g = rhetor_eval::read_spans(&args.gold, &techniques)?;
            let p = rhetor_eval::read_spans(&args.pred, &techniques)?;
            let s = rhetor_eval::score_spans(&g, &p);
            (
                format!(
                    "spans (partial-overlap credit): F1 {:.4}  P {:.4}  R {:.4}  ({} gold, {} predicted)",
                    s.f1, s.precision, s.recall, s.gold_spans, s.predicted_spans
                ),
                s.per_technique.clone(),
                serde_json::to_value(&s)?,
            )
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!("{headline}\n");
        print_table(&table);
    }
    Ok(0)
}

fn quotes(args: &EvalArgs) -> Result<i32> {
    let gold = rhetor_eval::quotes::read_polnear(&args.gold)?;
    let pred = rhetor_eval::quotes::read_quote_predictions(&args.pred)?;
    let s = rhetor_eval::quotes::score_quotes(&gold, &pred);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(0);
    }
    println!(
        "quotes: {} articles ({} without prediction)\n",
        s.articles, s.articles_without_prediction
    );
    println!(
        "{:<44} {:>6} {:>6} {:>6} {:>7} {:>7}",
        "", "P", "R", "F1", "gold", "pred"
    );
    for (name, p) in [
        ("direct quotes (4+ words, >=50% overlap)", &s.direct),
        ("all attributions (>=50% overlap)", &s.all),
    ] {
        println!(
            "{:<44} {:>6.3} {:>6.3} {:>6.3} {:>7} {:>7}",
            name, p.precision, p.recall, p.f1, p.gold, p.predicted
        );
    }
    println!(
        "\nspeaker right for {:.1}% of the direct quotes found ({} of {} with an annotated source)",
        100.0 * s.speaker_accuracy,
        s.speaker_right,
        s.speaker_judged
    );
    Ok(0)
}

fn print_table(rows: &[LabelScore]) {
    println!(
        "{:<46} {:>6} {:>6} {:>6} {:>7} {:>7}",
        "label", "P", "R", "F1", "gold", "pred"
    );
    for r in rows {
        println!(
            "{:<46} {:>6.3} {:>6.3} {:>6.3} {:>7} {:>7}",
            r.label, r.precision, r.recall, r.f1, r.support, r.predicted
        );
    }
}
