//! Reader of BASIL (Fan et al. 2019; `../shared/data/basil`): 300 news articles, 100 events each
//! told by three outlets, one JSON file per article under `articles/YEAR/`. Used by the story,
//! genre, quote and highlight evaluations; each joins the sentences as its own figures were
//! measured (some trim them, some drop empty ones), so the reader keeps them as stored.

use std::path::{Path, PathBuf};

use crate::EvalError;

/// One BASIL article, fields as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct BasilArticle {
    /// The JSON file it came from.
    pub path: PathBuf,
    /// The file's name without `.json`.
    pub stem: String,
    pub uuid: String,
    /// The event (story) the article belongs to: the gold grouping.
    pub triplet_uuid: String,
    pub title: Option<String>,
    /// Outlet as stored (`fox`, `nyt`, `hpo`, in varying case).
    pub source: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// The article's address at its outlet.
    pub url: Option<String>,
    /// Body paragraphs, each a list of sentences, untrimmed.
    pub paragraphs: Vec<Vec<String>>,
}

impl BasilArticle {
    /// Paragraphs with their sentences joined by a space (`trim`: each sentence trimmed and
    /// empty ones dropped first).
    pub fn paragraph_texts(&self, trim: bool) -> Vec<String> {
        self.paragraphs
            .iter()
            .map(|ss| {
                ss.iter()
                    .map(|s| if trim { s.trim() } else { s.as_str() })
                    .filter(|s| !trim || !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
}

/// Every `*.json` under `dir/*/` (BASIL's `articles` folder), in path order.
pub fn read_articles(dir: &Path) -> Result<Vec<BasilArticle>, EvalError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| EvalError::Io { path, source }
    };
    let mut files = Vec::new();
    for year in std::fs::read_dir(dir).map_err(io(dir))? {
        let year = year.map_err(io(dir))?.path();
        if !year.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&year).map_err(io(&year))? {
            let f = f.map_err(io(&year))?.path();
            if f.extension().is_some_and(|e| e == "json") {
                files.push(f);
            }
        }
    }
    files.sort();
    files.into_iter().map(|f| read_article(&f)).collect()
}

fn read_article(path: &Path) -> Result<BasilArticle, EvalError> {
    let bytes = std::fs::read(path).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| EvalError::Format {
        path: path.to_path_buf(),
        line: e.line(),
        reason: e.to_string(),
    })?;
    let s = |k: &str| v[k].as_str().map(str::to_string);
    let paragraphs = v["body-paragraphs"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    p.as_array()
                        .map(|ss| {
                            ss.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(BasilArticle {
        path: path.to_path_buf(),
        stem: path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string(),
        uuid: s("uuid").unwrap_or_default(),
        triplet_uuid: s("triplet-uuid").unwrap_or_default(),
        title: s("title"),
        source: s("source"),
        date: s("date"),
        url: s("url"),
        paragraphs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_articles_in_path_order_and_joins_sentences() {
        let dir = tempfile_dir();
        let y = dir.join("2012");
        std::fs::create_dir_all(&y).unwrap();
        std::fs::write(
            y.join("b.json"),
            r#"{"uuid":"u2","triplet-uuid":"t1","title":"Second","source":"NYT","date":"2012-01-02",
               "body-paragraphs":[[" One. ","Two."],["",""]]}"#,
        )
        .unwrap();
        std::fs::write(y.join("a.json"), r#"{"uuid":"u1","body-paragraphs":[]}"#).unwrap();
        std::fs::write(y.join("notes.txt"), "not an article").unwrap();
        let arts = read_articles(&dir).unwrap();
        assert_eq!(arts.len(), 2);
        assert_eq!(arts[0].uuid, "u1");
        assert_eq!(arts[0].title, None);
        let b = &arts[1];
        assert_eq!((b.stem.as_str(), b.triplet_uuid.as_str()), ("b", "t1"));
        assert_eq!(b.paragraph_texts(false), vec![" One.  Two.", " "]);
        assert_eq!(b.paragraph_texts(true), vec!["One. Two.", ""]);
        std::fs::write(y.join("c.json"), "{ broken").unwrap();
        let err = read_articles(&dir).unwrap_err().to_string();
        assert!(err.contains("c.json"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("rhetor-basil-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }
}
