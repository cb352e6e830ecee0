//! rhetor as a library: [`Pipeline`] takes bytes (a file, a page, a feed, a WARC archive, a JSONL
//! line) and returns analysed [`Article`]s, or one [`Failure`] per input or entry that could not be
//! read or analysed. The CLI (`rhetor analyze`, `rhetor add`), the HTTP server and the workers all
//! call it and only parse arguments and format results around it.
//!
//! What it does, in order, for every input:
//! 1. `rhetor_ingest`: format detection, decoding, main-content extraction, cleanup, segmentation.
//! 2. `rhetor_analyzers::Analyzer`: one encoder pass per paragraph window feeds techniques (spans
//!    and paragraphs), genre and frames.
//! 3. `rhetor_quotes::QuoteAnalyzer`: quotes and speakers, reading the same encoder states when the
//!    dense quote models were trained against these encoder weights (checked by SHA-256 at load).
//!
//! A [`Pipeline`] is `Send + Sync`: load it once and share it across threads (`&self` everywhere).

use std::path::{Path, PathBuf};

pub use rhetor_doc::Article;
pub use rhetor_ingest::read::{expand, Failure, Item, DEFAULT_MAX_SIZE};
use rhetor_ingest::IngestError;

/// Where the techniques model is looked for when no folder is given (see [`find_model_dir`]).
pub use rhetor_analyzers::pipeline::ENV_MODEL;
pub use rhetor_models::{CpuPath, Precision};

/// Errors of loading a pipeline.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// No model folder was given and none was found.
    #[error(
        "no techniques model found (looked at ${ENV_MODEL}, next to the rhetor binary and above the \
         current folder for models/techniques/analyzer.json): pass --models DIR, or set {ENV_MODEL}"
    )]
    NoModel,
    /// The techniques model could not be loaded.
    #[error("cannot load the techniques model from {dir}: {source}")]
    Analyzer {
        dir: PathBuf,
        source: rhetor_analyzers::AnalyzeError,
    },
    /// `Config::window_overlap` leaves no room in a window.
    #[error("a window overlap of {0} word pieces leaves no room: at most {MAX_WINDOW_OVERLAP}")]
    WindowOverlap(usize),
    /// The bundled quote models are malformed.
    #[error("cannot load the quote model: {0}")]
    Quotes(#[from] rhetor_quotes::QuoteError),
}

/// The most word pieces consecutive encoder windows may share (`Config::window_overlap`): a
/// window holds `MAX_LEN - 2` pieces and must move on by at least one.
pub const MAX_WINDOW_OVERLAP: usize = rhetor_analyzers::techniques::MAX_LEN - 3;

/// How a [`Pipeline`] is built.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder of the techniques model (`analyzer.json`, `model.safetensors`, …); `None`: found at
    /// run time by [`find_model_dir`].
    pub models: Option<PathBuf>,
    /// Encoder threads (0: all cores).
    pub threads: usize,
    /// `false`: only read and segment (no models are loaded).
    pub analyze: bool,
    /// Inputs larger than this many bytes (after decompression) are refused.
    pub max_size: u64,
    /// Show technique spans from this confidence on (`None`: the model's display settings,
    /// `models/techniques/display.json`); hidden spans stay in the article with `shown: false`.
    pub min_score: Option<f32>,
    /// Numeric precision of the techniques encoder (`Auto`: int8 where the CPU has VNNI, f32
    /// otherwise; `RHETOR_CPU=avx2|portable` forces a slower int8 kernel).
    pub precision: Precision,
    /// Tokens shared by consecutive encoder windows of a long paragraph (`None`: the training
    /// recipe's 32; see `rhetor_analyzers::techniques::TechniqueModel::overlap`).
    pub window_overlap: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            models: None,
            threads: 0,
            analyze: true,
            max_size: DEFAULT_MAX_SIZE,
            min_score: None,
            precision: Precision::Auto,
            window_overlap: None,
        }
    }
}

/// One input as bytes, with what its carrier knows about it.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub bytes: &'a [u8],
    /// A path or name for messages and ids (its extension helps format detection).
    pub name: &'a str,
    /// Where the page came from (an HTTP request's URL): used for the outlet and for resolving
    /// the page's metadata when the bytes are HTML.
    pub url: Option<&'a str>,
    /// A MIME type (`text/html`, `application/json`, …) when the carrier says one.
    pub content_type: Option<&'a str>,
}

impl<'a> Input<'a> {
    /// Bytes known only by a name.
    pub fn new(bytes: &'a [u8], name: &'a str) -> Self {
        Input {
            bytes,
            name,
            url: None,
            content_type: None,
        }
    }
}

/// The loaded models and reading options: build once with [`Pipeline::load`], share by reference.
pub struct Pipeline {
    read: rhetor_ingest::Options,
    analyzer: Option<rhetor_analyzers::Analyzer>,
    quotes: Option<rhetor_quotes::QuoteAnalyzer>,
    /// SHA-256 of the encoder weights when the quote models read the encoder states.
    encoder_sha: Option<String>,
    model_dir: Option<PathBuf>,
    notices: Vec<String>,
    min_score: Option<f32>,
}

impl Pipeline {
    /// Loads the models `config` names (none with `analyze: false`).
    pub fn load(config: &Config) -> Result<Self, PipelineError> {
        let read = rhetor_ingest::Options {
            max_size: config.max_size,
        };
        if !config.analyze {
            return Ok(Pipeline {
                read,
                analyzer: None,
                quotes: None,
                encoder_sha: None,
                model_dir: None,
                notices: Vec::new(),
                min_score: None,
            });
        }
        let dir = match &config.models {
            Some(d) => d.clone(),
            None => find_model_dir().ok_or(PipelineError::NoModel)?,
        };
        let mut analyzer =
            rhetor_analyzers::Analyzer::load_with(&dir, config.threads, config.precision).map_err(
                |source| PipelineError::Analyzer {
                    dir: dir.clone(),
                    source,
                },
            )?;
        if let Some(n) = config.window_overlap {
            if n > MAX_WINDOW_OVERLAP {
                return Err(PipelineError::WindowOverlap(n));
            }
            analyzer.model.overlap = n;
        }
        let mut quotes = rhetor_quotes::QuoteAnalyzer::load()?;
        let mut notices = analyzer.notices.clone();
        let encoder_sha = tie_quotes_to_encoder(&mut quotes, &dir, &mut notices);
        Ok(Pipeline {
            read,
            analyzer: Some(analyzer),
            quotes: Some(quotes),
            encoder_sha,
            model_dir: Some(dir),
            notices,
            min_score: config.min_score,
        })
    }

    /// Whether models are loaded (`false`: articles are only read and segmented).
    pub fn has_models(&self) -> bool {
        self.analyzer.is_some()
    }

    /// The techniques model folder in use.
    pub fn model_dir(&self) -> Option<&Path> {
        self.model_dir.as_deref()
    }

    /// What loading had to say without failing (e.g. the dense quote models were dropped).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The loaded techniques analyzer (for callers that need its configuration or scores).
    pub fn analyzer(&self) -> Option<&rhetor_analyzers::Analyzer> {
        self.analyzer.as_ref()
    }

    /// Reading options (size limit).
    pub fn read_options(&self) -> &rhetor_ingest::Options {
        &self.read
    }

    /// Reads every article in `input` without analysing it.
    pub fn read(&self, input: &Input) -> Vec<Item> {
        read_input(input, &self.read)
    }

    /// Reads and analyses every article in `input`.
    pub fn process(&self, input: &Input) -> Vec<Item> {
        self.read(input)
            .into_iter()
            .map(|item| self.finish(item))
            .collect()
    }

    /// Reads (a file, a folder recursively, or `-`) and analyses every article.
    pub fn process_path(&self, path: &Path) -> Vec<Item> {
        rhetor_ingest::read_path(path, &self.read)
            .into_iter()
            .map(|item| self.finish(item))
            .collect()
    }

    /// Analyses an article that was read (`Err` passes through): the second half of
    /// [`process`](Self::process), for callers that read in parallel and analyse in order.
    pub fn finish(&self, item: Item) -> Item {
        let mut article = item?;
        match self.annotate(&mut article) {
            Ok(()) => Ok(article),
            Err(e) => Err(Failure {
                source: article.source.clone(),
                error: IngestError::Analysis(e.to_string()),
            }),
        }
    }

    /// [`finish`](Self::finish) for several read articles at once, with one encoder call over
    /// all their windows ([`annotate_many`](Self::annotate_many)); results in input order, each
    /// the same as [`finish`](Self::finish) gives it alone.
    pub fn finish_many(&self, items: Vec<Item>) -> Vec<Item> {
        let mut slots: Vec<Result<Article, Failure>> = items;
        let mut articles: Vec<&mut Article> =
            slots.iter_mut().filter_map(|i| i.as_mut().ok()).collect();
        let results = self.annotate_many(&mut articles);
        let mut errors = results.into_iter();
        slots
            .into_iter()
            .map(|item| {
                let article = item?;
                match errors.next() {
                    Some(Err(e)) => Err(Failure {
                        source: article.source.clone(),
                        error: IngestError::Analysis(e.to_string()),
                    }),
                    _ => Ok(article),
                }
            })
            .collect()
    }

    /// Techniques, genre and frames, then quotes (on the same encoder states when the dense quote
    /// models fit the encoder). Does nothing without models.
    pub fn annotate(&self, article: &mut Article) -> Result<(), rhetor_analyzers::AnalyzeError> {
        self.annotate_many(&mut [article]).pop().unwrap_or(Ok(()))
    }

    /// [`annotate`](Self::annotate) for several articles: ONE encoder call reads the windows of
    /// all of them (both cores busy even on short articles, larger matrix products), then the
    /// heads, spans, genre, frames and quotes of each article run side by side on the caller's
    /// rayon pool. One result per article, in order; each article's analysis is the one it
    /// gets alone.
    pub fn annotate_many(
        &self,
        articles: &mut [&mut Article],
    ) -> Vec<Result<(), rhetor_analyzers::AnalyzeError>> {
        use rayon::prelude::*;
        let Some(a) = &self.analyzer else {
            return articles.iter().map(|_| Ok(())).collect();
        };
        let dense = self.quotes.is_some() && self.encoder_sha.is_some();
        let states = a.annotate_many(articles, dense);
        articles
            .par_iter_mut()
            .zip(states)
            .map(|(article, st)| {
                let st = st?;
                if let Some(q) = &self.quotes {
                    match (st, self.encoder_sha.as_deref()) {
                        (Some(st), Some(sha)) => {
                            let view = rhetor_quotes::EncoderStates {
                                encoder_sha256: sha,
                                hidden: st.hidden,
                                offsets: &st.offsets,
                                states: &st.states,
                            };
                            q.annotate_with_states(article, Some(view));
                        }
                        _ => q.annotate(article),
                    }
                }
                if self.min_score.is_some() {
                    a.display
                        .apply(article, Some(&a.config.thresholds.lexicon), self.min_score);
                }
                Ok(())
            })
            .collect()
    }
}

/// Reads `input` as `rhetor_ingest` does for files, with the carrier's URL and content type: an
/// HTML page with a URL takes the one HTML path (`html::read_html`) with the URL known, so the
/// page's canonical link, outlet and metadata resolve as they do for a WARC record.
fn read_input(input: &Input, opts: &rhetor_ingest::Options) -> Vec<Item> {
    let is_html = input
        .content_type
        .is_some_and(|c| c.to_ascii_lowercase().contains("html"));
    let name = if is_html && Path::new(input.name).extension().is_none() {
        format!("{}.html", input.name)
    } else {
        input.name.to_string()
    };
    let html_page = input.url.is_some()
        && input.bytes.len() as u64 <= opts.max_size
        && !input.bytes.contains(&0)
        && rhetor_ingest::read::detect(input.bytes, &name) == rhetor_ingest::read::Format::Html;
    if let (true, Some(url)) = (html_page, input.url) {
        let html = rhetor_ingest::html::decode(input.bytes, None);
        let item = rhetor_ingest::html::read_html(html, Some(url))
            .map(|ex| {
                let id = ex
                    .id
                    .clone()
                    .unwrap_or_else(|| rhetor_ingest::read::file_id(&name));
                rhetor_ingest::pipeline::from_extracted(ex, id, name.clone())
            })
            .map_err(|error| Failure {
                source: name.clone(),
                error,
            });
        return vec![item];
    }
    let mut items = rhetor_ingest::read_bytes(input.bytes, &name, opts);
    if let Some(url) = input.url {
        for a in items.iter_mut().flatten() {
            if a.metadata.url.is_none() {
                a.metadata.url = Some(url.to_string());
            }
            if a.metadata.outlet.is_none() {
                a.metadata.outlet = rhetor_ingest::pipeline::outlet_from_url(url);
            }
        }
    }
    items
}

/// Ties the dense quote models to the encoder weights in `dir` by SHA-256; on a mismatch or an
/// unreadable file the quotes fall back to their sparse models and a notice says why.
fn tie_quotes_to_encoder(
    quotes: &mut rhetor_quotes::QuoteAnalyzer,
    dir: &Path,
    notices: &mut Vec<String>,
) -> Option<String> {
    quotes.dense_encoder()?;
    let sha = match rhetor_models::weights::sha256_file(&dir.join("model.safetensors")) {
        Ok(s) => s,
        Err(e) => {
            notices.push(format!("{e}: the quotes use their sparse models"));
            let _ = quotes.check_encoder("");
            return None;
        }
    };
    match quotes.check_encoder(&sha) {
        Ok(()) => Some(sha),
        Err(e) => {
            notices.push(e.to_string());
            None
        }
    }
}

/// Finds the techniques model folder at run time, first match wins:
/// 1. `$RHETOR_TECHNIQUES_MODEL`;
/// 2. an installed layout next to the binary: `BIN_DIR/models/techniques`,
///    `BIN_DIR/../share/rhetor/models/techniques`;
/// 3. `models/techniques` in the current folder or any folder above it (a checkout);
/// 4. `models/techniques` in a folder above the running binary (`target/release/rhetor` in a
///    checkout);
/// 5. `$RHETOR_HOME/models/techniques` or the user's data dir.
///
/// A folder counts when it holds `analyzer.json`.
pub fn find_model_dir() -> Option<PathBuf> {
    rhetor_analyzers::pipeline::find_model_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn pipeline_is_shareable_across_threads() {
        assert_send_sync::<Pipeline>();
    }

    #[test]
    fn reading_only_needs_no_model() {
        let p = Pipeline::load(&Config {
            analyze: false,
            ..Config::default()
        })
        .unwrap();
        assert!(!p.has_models());
        let items = p.process(&Input::new(
            b"A headline for a test\n\nThe council met on Monday and said the road will reopen.\n",
            "note.txt",
        ));
        let a = items[0].as_ref().unwrap();
        assert_eq!(a.title.as_deref(), Some("A headline for a test"));
        assert!(a.techniques.is_empty());
    }

    #[test]
    fn html_by_content_type_and_url_gets_extraction_and_outlet() {
        let p = Pipeline::load(&Config {
            analyze: false,
            ..Config::default()
        })
        .unwrap();
        let html = b"<html><head><title>Bridge reopens after repairs</title></head><body>\
            <nav>Home | News | Sport</nav><article><h1>Bridge reopens after repairs</h1>\
            <p>The old bridge over the river reopened on Tuesday after six months of repairs, \
            the county said in a statement.</p><p>Engineers replaced the deck and two of the \
            supports, and traffic is expected to return to normal within a week.</p></article></body></html>";
        let input = Input {
            bytes: html,
            name: "request",
            url: Some("https://www.example-news.org/2024/bridge"),
            content_type: Some("text/html; charset=utf-8"),
        };
        let items = p.process(&input);
        let a = items[0].as_ref().unwrap();
        assert_eq!(a.title.as_deref(), Some("Bridge reopens after repairs"));
        assert!(a.text.contains("Engineers replaced the deck"));
        assert!(!a.text.contains("Home | News"));
        assert_eq!(a.metadata.outlet.as_deref(), Some("example-news.org"));
    }

    /// Articles analysed together (one encoder call over all their windows) get exactly what
    /// each gets alone, at every precision, with a failure among them costing only itself;
    /// includes a paragraph long enough for several windows.
    #[test]
    fn articles_batched_are_analysed_as_alone() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/text");
        let mut inputs: Vec<(String, Vec<u8>)> = ["article900000001.txt", "opinion-wind-farms.txt"]
            .iter()
            .filter_map(|n| Some((n.to_string(), std::fs::read(dir.join(n)).ok()?)))
            .collect();
        assert_eq!(inputs.len(), 2, "samples missing under {}", dir.display());
        let long_paragraph = "The committee heard from residents, engineers and the mayor, \
            who each described the state of the old bridge in some detail. "
            .repeat(30);
        inputs.push((
            "long.txt".into(),
            format!("A long hearing on the bridge\n\n{long_paragraph}\n\nShort end.\n")
                .into_bytes(),
        ));
        inputs.insert(1, ("blob.bin".into(), b"\0\x01binary\0".to_vec()));
        for precision in [Precision::F32, Precision::Auto] {
            let p = Pipeline::load(&Config {
                threads: 2,
                precision,
                ..Config::default()
            })
            .expect("the shipped model loads");
            let read = || -> Vec<Item> {
                inputs
                    .iter()
                    .flat_map(|(n, b)| p.read(&Input::new(b, n)))
                    .collect()
            };
            let alone: Vec<Item> = read().into_iter().map(|i| p.finish(i)).collect();
            let together = p.finish_many(read());
            assert_eq!(together.len(), alone.len());
            for (a, b) in alone.iter().zip(&together) {
                match (a, b) {
                    (Ok(a), Ok(b)) => assert_eq!(
                        serde_json::to_string(a).unwrap(),
                        serde_json::to_string(b).unwrap(),
                        "{precision}: {} differs when batched",
                        a.source
                    ),
                    (Err(a), Err(b)) => assert_eq!(a.source, b.source),
                    _ => panic!("{precision}: batched and alone disagree on failure"),
                }
            }
            let long = together
                .iter()
                .flatten()
                .find(|a| a.source.contains("long"))
                .expect("the long article");
            assert!(long.genre.is_some() && !long.paragraph_techniques.is_empty());
        }
    }

    #[test]
    fn window_overlap_is_checked_and_changes_only_long_paragraphs() {
        let too_big = Pipeline::load(&Config {
            window_overlap: Some(126),
            ..Config::default()
        });
        assert!(too_big.is_err(), "126 shared pieces leave no room");
        let text =
            b"A short note\n\nThe council met on Monday and said the road will reopen soon.\n";
        let mut outs = vec![];
        for w in [Some(0), None, Some(64)] {
            let p = Pipeline::load(&Config {
                threads: 1,
                window_overlap: w,
                ..Config::default()
            })
            .expect("the shipped model loads");
            let a = p.process(&Input::new(text, "note.txt")).remove(0).unwrap();
            outs.push(serde_json::to_string(&a).unwrap());
        }
        // Paragraphs of one window do not depend on the overlap.
        assert_eq!(outs[0], outs[1]);
        assert_eq!(outs[1], outs[2]);
    }

    #[test]
    fn bad_input_is_a_failure_naming_it() {
        let p = Pipeline::load(&Config {
            analyze: false,
            ..Config::default()
        })
        .unwrap();
        let items = p.process(&Input::new(b"\0\x01\x02binary\0\0", "blob.bin"));
        let err = items[0].as_ref().unwrap_err();
        assert_eq!(err.source, "blob.bin");
    }
}
