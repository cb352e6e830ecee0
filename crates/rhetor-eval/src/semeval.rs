//! Loading a SemEval-2023 Task 3 language folder (the official layout) for training and
//! cross-validation: articles with their genre, frames, paragraph techniques and spans.
//!
//! ```text
//! en/train-articles-subtask-{1,2,3}/article{ID}.txt
//! en/train-labels-subtask-1.txt            ID<TAB>genre
//! en/train-labels-subtask-2.txt            ID<TAB>Frame,Frame
//! en/train-labels-subtask-3.txt            ID<TAB>paragraph<TAB>Tech,Tech
//! en/train-labels-subtask-3-spans/*.txt    ID<TAB>Tech<TAB>start<TAB>end
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rhetor_doc::taxonomy::{FRAMES, GENRES, TECHNIQUES};

use crate::{read_multilabel, read_paragraph_labels, read_single_label, read_spans};
use crate::{EvalError, GoldSpan};

/// One training article with whatever labels the folder has for it.
#[derive(Debug, Clone, PartialEq)]
pub struct SemevalArticle {
    pub id: String,
    /// Where the text was read from.
    pub path: PathBuf,
    /// The article file as read (UTF-8, nothing stripped).
    pub text: String,
    pub genre: Option<String>,
    pub frames: Option<Vec<String>>,
    /// Subtask 3 labels per listed paragraph (line number → techniques), if annotated.
    pub paragraph_labels: Option<BTreeMap<usize, Vec<String>>>,
    /// Technique spans (code-point offsets into `text`), if annotated.
    pub spans: Option<Vec<GoldSpan>>,
}

/// Which split of the folder to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Train,
}

/// Load every training article of a language folder (e.g. `../shared/data/semeval2023/en`),
/// sorted by id. Label files that are absent leave the matching fields `None`.
pub fn load_language(dir: &Path, _split: Split) -> Result<Vec<SemevalArticle>, EvalError> {
    let techniques: Vec<&str> = TECHNIQUES.iter().map(|t| t.label).collect();
    let frames: Vec<&str> = FRAMES.iter().map(|(f, _)| *f).collect();
    let genres: Vec<&str> = GENRES.iter().map(|(g, _)| *g).collect();

    let optional = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
    let genre = match optional("train-labels-subtask-1.txt") {
        Some(p) => Some(read_single_label(&p, &genres)?),
        None => None,
    };
    let frame = match optional("train-labels-subtask-2.txt") {
        Some(p) => Some(read_multilabel(&p, &frames)?),
        None => None,
    };
    let par = match optional("train-labels-subtask-3.txt") {
        Some(p) => Some(read_paragraph_labels(&p, &techniques)?),
        None => None,
    };
    let spans = match optional("train-labels-subtask-3-spans") {
        Some(p) => Some(read_spans(&p, &techniques)?),
        None => None,
    };

    // Every article file of the three subtask folders, first path wins (the texts are the same).
    let mut paths: BTreeMap<String, PathBuf> = BTreeMap::new();
    for sub in [
        "train-articles-subtask-3",
        "train-articles-subtask-1",
        "train-articles-subtask-2",
    ] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(id) = name
                .strip_prefix("article")
                .and_then(|s| s.strip_suffix(".txt"))
            {
                paths.entry(id.to_string()).or_insert_with(|| e.path());
            }
        }
    }

    let mut out = Vec::with_capacity(paths.len());
    for (id, path) in paths {
        let bytes = std::fs::read(&path).map_err(|source| EvalError::Io {
            path: path.clone(),
            source,
        })?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let paragraph_labels = par.as_ref().and_then(|m| {
            let rows: BTreeMap<usize, Vec<String>> = m
                .range((id.clone(), 0)..=(id.clone(), usize::MAX))
                .map(|((_, p), l)| (*p, l.clone()))
                .collect();
            (!rows.is_empty()).then_some(rows)
        });
        let article_spans = spans.as_ref().and_then(|all| {
            paragraph_labels.as_ref().map(|_| {
                all.iter()
                    .filter(|s| s.id == id)
                    .cloned()
                    .collect::<Vec<_>>()
            })
        });
        out.push(SemevalArticle {
            genre: genre.as_ref().and_then(|m| m.get(&id).cloned()),
            frames: frame.as_ref().and_then(|m| m.get(&id).cloned()),
            paragraph_labels,
            spans: article_spans,
            id,
            path,
            text,
        });
    }
    Ok(out)
}

/// The folder of a SemEval language under `../shared/data` next to the workspace, if present.
pub fn shared_language_dir(lang: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/semeval2023")
        .join(lang);
    dir.is_dir().then_some(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_training_data_loads_with_consistent_labels() {
        let Some(dir) = shared_language_dir("en") else {
            eprintln!("skipped: ../shared/data/semeval2023/en not found");
            return;
        };
        let arts = load_language(&dir, Split::Train).unwrap();
        assert!(arts.len() >= 446, "{} articles", arts.len());
        let with_genre = arts.iter().filter(|a| a.genre.is_some()).count();
        let with_par = arts.iter().filter(|a| a.paragraph_labels.is_some()).count();
        assert!(
            with_genre >= 400 && with_par >= 400,
            "{with_genre} {with_par}"
        );
        // Every span slices inside its article (offsets are code points).
        for a in &arts {
            let n = a.text.chars().count();
            for s in a.spans.iter().flatten() {
                assert!(
                    s.end <= n,
                    "{} span {}..{} beyond {n}",
                    a.id,
                    s.start,
                    s.end
                );
            }
        }
    }
}
