//! Readers for the SemEval-2023 label files. Every problem names the file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A label file could not be read or holds something unexpected.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {reason}")]
    Format {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{path}:{line}: unknown label {label:?} (expected one of the official labels)")]
    UnknownLabel {
        path: PathBuf,
        line: usize,
        label: String,
    },
}

fn read(path: &Path) -> Result<String, EvalError> {
    let bytes = std::fs::read(path).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn format_err(path: &Path, line: usize, reason: impl Into<String>) -> EvalError {
    EvalError::Format {
        path: path.to_path_buf(),
        line,
        reason: reason.into(),
    }
}

/// Normalise a label and check it against `known` (the known English misspelling of
/// `Appeal_to_Fear-Prejudice` is repaired).
fn check_label(raw: &str, known: &[&str], path: &Path, line: usize) -> Result<String, EvalError> {
    let label = match raw.trim() {
        "Appeal_to_Fear-Prejudi-čce" => "Appeal_to_Fear-Prejudice",
        l => l,
    };
    if known.contains(&label) {
        Ok(label.to_string())
    } else {
        Err(EvalError::UnknownLabel {
            path: path.to_path_buf(),
            line,
            label: label.to_string(),
        })
    }
}

fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty())
}

/// `ID<TAB>label` (subtask 1).
pub fn read_single_label(
    path: &Path,
    known: &[&str],
) -> Result<BTreeMap<String, String>, EvalError> {
    let text = read(path)?;
    let mut out = BTreeMap::new();
    for (n, line) in data_lines(&text) {
        let mut cols = line.split('\t');
        let (Some(id), Some(label)) = (cols.next(), cols.next()) else {
            return Err(format_err(path, n, "expected ID<TAB>label"));
        };
        let label = check_label(label, known, path, n)?;
        if out.insert(id.trim().to_string(), label).is_some() {
            return Err(format_err(path, n, format!("duplicate ID {id}")));
        }
    }
    Ok(out)
}

fn split_labels(
    field: Option<&str>,
    known: &[&str],
    path: &Path,
    n: usize,
) -> Result<Vec<String>, EvalError> {
    let mut labels = Vec::new();
    for l in field.unwrap_or("").split(',') {
        if !l.trim().is_empty() {
            labels.push(check_label(l, known, path, n)?);
        }
    }
    labels.sort();
    labels.dedup();
    Ok(labels)
}

/// `ID<TAB>Label1,Label2,…` (subtask 2); an empty list is allowed.
pub fn read_multilabel(
    path: &Path,
    known: &[&str],
) -> Result<BTreeMap<String, Vec<String>>, EvalError> {
    let text = read(path)?;
    let mut out = BTreeMap::new();
    for (n, line) in data_lines(&text) {
        let mut cols = line.split('\t');
        let Some(id) = cols.next().filter(|s| !s.trim().is_empty()) else {
            return Err(format_err(path, n, "expected ID<TAB>labels"));
        };
        let labels = split_labels(cols.next(), known, path, n)?;
        if out.insert(id.trim().to_string(), labels).is_some() {
            return Err(format_err(path, n, format!("duplicate ID {id}")));
        }
    }
    Ok(out)
}

/// `ID<TAB>paragraph<TAB>Tech1,Tech2,…` (subtask 3); an empty list is allowed.
pub fn read_paragraph_labels(
    path: &Path,
    known: &[&str],
) -> Result<BTreeMap<(String, usize), Vec<String>>, EvalError> {
    let text = read(path)?;
    let mut out = BTreeMap::new();
    for (n, line) in data_lines(&text) {
        let mut cols = line.split('\t');
        let (Some(id), Some(par)) = (cols.next(), cols.next()) else {
            return Err(format_err(path, n, "expected ID<TAB>paragraph<TAB>labels"));
        };
        let par: usize = par
            .trim()
            .parse()
            .map_err(|_| format_err(path, n, format!("paragraph {par:?} is not a number")))?;
        let labels = split_labels(cols.next(), known, path, n)?;
        if out.insert((id.trim().to_string(), par), labels).is_some() {
            return Err(format_err(
                path,
                n,
                format!("duplicate line for {id} {par}"),
            ));
        }
    }
    Ok(out)
}

/// One technique span of an article.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoldSpan {
    pub id: String,
    pub technique: String,
    pub start: usize,
    pub end: usize,
}

/// `ID<TAB>Technique<TAB>start<TAB>end` lines from a file, or from every `*.txt`/`*.labels` file of a
/// folder (the layout of `train-labels-subtask-3-spans/`).
pub fn read_spans(path: &Path, known: &[&str]) -> Result<Vec<GoldSpan>, EvalError> {
    let mut files = Vec::new();
    if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|source| EvalError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|f| f.to_string_lossy().starts_with('.'))
            {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut out = Vec::new();
    for f in files {
        let text = read(&f)?;
        for (n, line) in data_lines(&text) {
            let cols: Vec<&str> = line.split('\t').collect();
            let [id, tech, start, end] = cols[..] else {
                return Err(format_err(
                    &f,
                    n,
                    "expected ID<TAB>Technique<TAB>start<TAB>end",
                ));
            };
            let num = |s: &str| {
                s.trim()
                    .parse::<usize>()
                    .map_err(|_| format_err(&f, n, format!("{s:?} is not an offset")))
            };
            let (start, end) = (num(start)?, num(end)?);
            if end < start {
                return Err(format_err(&f, n, "end before start"));
            }
            out.push(GoldSpan {
                id: id.trim().to_string(),
                technique: check_label(tech, known, &f, n)?,
                start,
                end,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["Doubt", "Loaded_Language", "Appeal_to_Fear-Prejudice"];

    fn tmp(name: &str, content: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rhetor-eval-{}-{name}", std::process::id()));
        std::fs::write(&dir, content).unwrap();
        dir
    }

    #[test]
    fn paragraph_labels_with_empty_lists_and_misspelling() {
        let p = tmp(
            "st3",
            "1\t1\tDoubt,Loaded_Language\n1\t3\t\n2\t1\tAppeal_to_Fear-Prejudi-čce\n",
        );
        let m = read_paragraph_labels(&p, KNOWN).unwrap();
        assert_eq!(m.len(), 3);
        assert!(m[&("1".to_string(), 3)].is_empty());
        assert_eq!(m[&("2".to_string(), 1)], vec!["Appeal_to_Fear-Prejudice"]);
    }

    #[test]
    fn unknown_label_names_file_and_line() {
        let p = tmp("bad", "1\t1\tDoubt\n1\t2\tMade_Up\n");
        let e = read_paragraph_labels(&p, KNOWN).unwrap_err().to_string();
        assert!(e.contains(":2:") && e.contains("Made_Up"), "{e}");
        let p = tmp("bad2", "1\tDoubt\tx\t4\n");
        assert!(read_spans(&p, KNOWN).is_err());
    }
}
