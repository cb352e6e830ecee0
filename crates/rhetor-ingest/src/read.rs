//! From paths and bytes to articles: folder walk, `-`, gzip, format detection, decoding, limits.
//!
//! Every input yields one `Result` per article, or one `Err` for the whole file; a bad file never
//! costs the others their results.

use std::io::Read;
use std::path::{Path, PathBuf};

use rhetor_doc::Article;

use crate::pipeline::{self, TitleRule};
use crate::{feed, html, jsonl, warc, Extracted, IngestError};

/// Default limit on one input's size (after decompression): 50 MiB. A news article is a few KB;
/// a feed or WARC file can be many MB.
pub const DEFAULT_MAX_SIZE: u64 = 50 * 1024 * 1024;

/// How inputs are read.
#[derive(Debug, Clone)]
pub struct Options {
    /// Inputs (and decompressed gzip payloads) larger than this many bytes are refused.
    pub max_size: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_size: DEFAULT_MAX_SIZE,
        }
    }
}

/// An input that could not be read, or one article of it that could not be.
#[derive(Debug, thiserror::Error)]
#[error("{source}: {error}")]
pub struct Failure {
    /// The file (with `#item`/`#record`/`:line` for one entry of a container), or `-`.
    pub source: String,
    #[source]
    pub error: IngestError,
}

/// One article, or why it (or its whole file) could not be read.
pub type Item = Result<Article, Failure>;

/// The container formats rhetor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Html,
    Feed,
    Warc,
    Jsonl,
}

/// Expand paths into the list of files to read: files as given, folders recursively (sorted, hidden
/// entries skipped), `-` as standard input. Missing paths come back as failures.
pub fn expand(paths: &[PathBuf]) -> Vec<Result<PathBuf, Failure>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Ok(p.clone()));
        } else if p.is_dir() {
            let walker = walkdir::WalkDir::new(p)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => out.push(Ok(e.into_path())),
                    Ok(_) => {}
                    Err(e) => out.push(Err(Failure {
                        source: e
                            .path()
                            .map(|p| p.display().to_string())
                            .unwrap_or_else(|| p.display().to_string()),
                        error: IngestError::Io(e.into()),
                    })),
                }
            }
        } else if p.is_file() {
            out.push(Ok(p.clone()));
        } else {
            out.push(Err(Failure {
                source: p.display().to_string(),
                error: IngestError::NotFound(p.clone()),
            }));
        }
    }
    out
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|s| s.starts_with('.'))
}

/// Read every article of a file, a folder (recursively) or `-` (standard input).
pub fn read_path(path: &Path, opts: &Options) -> Vec<Item> {
    expand(&[path.to_path_buf()])
        .into_iter()
        .flat_map(|f| match f {
            Ok(file) => read_file(&file, opts),
            Err(e) => vec![Err(e)],
        })
        .collect()
}

/// Read every article of one file (or `-`).
pub fn read_file(path: &Path, opts: &Options) -> Vec<Item> {
    let source = path.display().to_string();
    match load(path, opts) {
        Ok(bytes) => read_bytes(&bytes, &source, opts),
        Err(error) => vec![Err(Failure { source, error })],
    }
}

fn load(path: &Path, opts: &Options) -> Result<Vec<u8>, IngestError> {
    let limit = opts.max_size;
    if path.as_os_str() == "-" {
        return read_limited(std::io::stdin().lock(), limit);
    }
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > limit {
        return Err(IngestError::TooLarge { size, limit });
    }
    read_limited(file, limit)
}

fn read_limited(r: impl Read, limit: u64) -> Result<Vec<u8>, IngestError> {
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(IngestError::TooLarge {
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}

/// Read every article in `bytes`, named `name` (a path or `-`; its extension helps detection).
pub fn read_bytes(bytes: &[u8], name: &str, opts: &Options) -> Vec<Item> {
    let fail = |error| {
        vec![Err(Failure {
            source: name.to_string(),
            error,
        })]
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return fail(IngestError::Empty);
    }
    let (bytes, inner_name) = if is_gzip(bytes, name) {
        match gunzip(bytes, opts.max_size) {
            Ok(b) => (std::borrow::Cow::Owned(b), strip_gz(name)),
            Err(e) => return fail(e),
        }
    } else {
        (std::borrow::Cow::Borrowed(bytes), name.to_string())
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return fail(IngestError::Empty);
    }
    let format = detect(&bytes, &inner_name);
    let stem = file_id(name);
    match format {
        Format::Text => match read_text(&bytes, name) {
            Ok(a) => vec![Ok(a)],
            Err(e) => fail(e),
        },
        Format::Html => {
            if looks_binary(&bytes) {
                return fail(IngestError::Binary);
            }
            // The one path HTML takes, whatever carries it (see `html::read_html`).
            match html::read_html(html::decode(&bytes, None), None) {
                Ok(ex) => vec![Ok(assemble(ex, &stem, name))],
                Err(e) => fail(e),
            }
        }
        Format::Feed => match feed::parse(&bytes) {
            Ok(items) => number_items(items, &stem, name),
            Err(e) => fail(e),
        },
        Format::Warc => match warc::parse(&bytes) {
            Ok(records) => collect_entries(records, &stem, name),
            Err(e) => fail(e),
        },
        Format::Jsonl => {
            if looks_binary(&bytes) {
                return fail(IngestError::Binary);
            }
            let (text, _) = decode(&bytes);
            collect_entries(jsonl::parse(&text), &stem, name)
        }
    }
}

fn number_items(items: Vec<Extracted>, stem: &str, name: &str) -> Vec<Item> {
    collect_entries(items.into_iter().map(Ok).collect(), stem, name)
}

fn collect_entries(
    entries: Vec<Result<Extracted, IngestError>>,
    stem: &str,
    name: &str,
) -> Vec<Item> {
    entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| match e {
            Ok(ex) => {
                // Name an entry without an id of its own after its place in the container, the
                // same place `source` names (`crawl-record3` for `crawl.warc.gz#record3`).
                let fallback = match ex.source_suffix.as_deref() {
                    Some(sfx) => format!("{stem}-{}", sfx.trim_start_matches(['#', ':'])),
                    None => format!("{stem}-{}", i + 1),
                };
                Ok(assemble(ex, &fallback, name))
            }
            Err(error) => {
                let suffix = match &error {
                    IngestError::Jsonl { line, .. } => format!(":{line}"),
                    _ => format!("#{}", i + 1),
                };
                Err(Failure {
                    source: format!("{name}{suffix}"),
                    error,
                })
            }
        })
        .collect()
}

fn assemble(ex: Extracted, fallback_id: &str, name: &str) -> Article {
    let id = ex.id.clone().unwrap_or_else(|| fallback_id.to_string());
    let source = format!("{name}{}", ex.source_suffix.as_deref().unwrap_or(""));
    pipeline::from_extracted(ex, id, source)
}

fn read_text(bytes: &[u8], name: &str) -> Result<Article, IngestError> {
    if looks_binary(bytes) {
        return Err(IngestError::Binary);
    }
    let (text, warning) = decode(bytes);
    if text.trim().is_empty() {
        return Err(IngestError::Empty);
    }
    let mut article = Article::new(file_id(name), name, text);
    if let Some(w) = warning {
        article.warnings.push(w);
    }
    pipeline::finish(&mut article, TitleRule::FirstLineIfHeadline);
    Ok(article)
}

/// Decode bytes to text: UTF-8, or UTF-16 with a BOM; invalid UTF-8 is decoded with U+FFFD
/// replacement characters and a warning, so one bad byte never loses an article.
///
/// A UTF-8 byte-order mark is *kept* as U+FEFF at offset 0: SemEval's span offsets count it (two
/// English training articles start with one), so stripping it would shift every gold span.
/// Segmentation skips it and `clean_text` drops it.
pub fn decode(bytes: &[u8]) -> (String, Option<String>) {
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes) {
        if enc != encoding_rs::UTF_8 {
            let (text, _, had_errors) = enc.decode(bytes);
            let warning =
                had_errors.then(|| format!("invalid {} replaced with U+FFFD", enc.name()));
            return (text.into_owned(), warning);
        }
    }
    decode_utf8(bytes)
}

fn decode_utf8(bytes: &[u8]) -> (String, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(e) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let bad = text.matches('\u{FFFD}').count();
            let warning = format!(
                "not valid UTF-8 (first bad byte at offset {}): {bad} invalid sequence(s) replaced with U+FFFD",
                e.valid_up_to()
            );
            (text, Some(warning))
        }
    }
}

/// NUL bytes, or more than 10% control characters in the first 8 KB, mean this is no text.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        // UTF-16 text has NULs but starts with a BOM.
        return encoding_rs::Encoding::for_bom(bytes)
            .is_none_or(|(enc, _)| enc == encoding_rs::UTF_8);
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    control * 10 > head.len()
}

fn is_gzip(bytes: &[u8], name: &str) -> bool {
    bytes.starts_with(&[0x1f, 0x8b]) || name.to_ascii_lowercase().ends_with(".gz")
}

fn strip_gz(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".gz") {
        name[..name.len() - 3].to_string()
    } else {
        name.to_string()
    }
}

fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, IngestError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(IngestError::Gzip("not gzip data (bad magic number)".into()));
    }
    let decoder = flate2::read::MultiGzDecoder::new(bytes);
    let mut out = Vec::new();
    decoder
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| IngestError::Gzip(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(IngestError::TooLarge {
            size: out.len() as u64,
            limit,
        });
    }
    Ok(out)
}

/// Choose the format from the content first, the extension second.
pub fn detect(bytes: &[u8], name: &str) -> Format {
    let lower = name.to_ascii_lowercase();
    let ext = Path::new(&lower)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    if warc::looks_like_warc(bytes) || ext == "warc" {
        return Format::Warc;
    }
    match ext {
        "jsonl" | "ndjson" => return Format::Jsonl,
        "html" | "htm" | "xhtml" => return Format::Html,
        _ => {}
    }
    if feed::looks_like_feed(bytes) {
        return Format::Feed;
    }
    if matches!(ext, "rss" | "atom" | "xml") {
        return Format::Feed;
    }
    if html::looks_like_html(bytes) {
        return Format::Html;
    }
    if ext == "json" && bytes.iter().filter(|&&b| b == b'\n').count() > 0 {
        return Format::Jsonl;
    }
    Format::Text
}

/// The article id a file name gives: `ID` for SemEval's `article{ID}.txt`, else the file stem.
pub fn file_id(name: &str) -> String {
    if name == "-" {
        return "stdin".to_string();
    }
    let file = Path::new(name)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or(name);
    let stem = file
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(file);
    match stem.strip_prefix("article") {
        Some(num) if !num.is_empty() && num.chars().all(|c| c.is_ascii_digit()) => num.to_string(),
        _ => stem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    const STORY: &str = "Council votes to close library branch\n\nThe city council voted 5-4 on Tuesday to close the Elm Street branch.\n\n\"This is a sad day,\" said librarian Ana Ruiz.\n";

    #[test]
    fn semeval_ids_and_stems() {
        assert_eq!(file_id("data/article111111112.txt"), "111111112");
        assert_eq!(file_id("x/story.txt.gz"), "story");
        assert_eq!(file_id("-"), "stdin");
        assert_eq!(file_id("articles.txt"), "articles");
    }

    #[test]
    fn text_file_gets_title_and_paragraph_numbers() {
        let items = read_bytes(STORY.as_bytes(), "article42.txt", &Options::default());
        let a = items[0].as_ref().unwrap();
        assert_eq!(a.id, "42");
        assert_eq!(
            a.title.as_deref(),
            Some("Council votes to close library branch")
        );
        let idx: Vec<usize> = a.paragraphs.iter().map(|p| p.index).collect();
        assert_eq!(idx, vec![1, 3, 5]);
    }

    #[test]
    fn gzip_is_transparent_and_truncation_is_an_error() {
        let packed = gz(STORY.as_bytes());
        let a = read_bytes(&packed, "s.txt.gz", &Options::default());
        assert!(a[0].is_ok());
        let cut = &packed[..packed.len() / 2];
        let err = read_bytes(cut, "s.txt.gz", &Options::default());
        assert!(matches!(
            err[0],
            Err(Failure {
                error: IngestError::Gzip(_),
                ..
            })
        ));
    }

    #[test]
    fn bad_inputs_are_named_errors() {
        let o = Options::default();
        let empty = read_bytes(b"  \n", "e.txt", &o);
        assert!(matches!(
            &empty[0],
            Err(Failure { source, error: IngestError::Empty }) if source == "e.txt"
        ));
        let bin = read_bytes(&[0u8, 1, 2, 3, 0, 0xff, 0x10], "b.txt", &o);
        assert!(matches!(
            bin[0],
            Err(Failure {
                error: IngestError::Binary,
                ..
            })
        ));
        let small = Options { max_size: 10 };
        let big = read_bytes(&gz(&[b'a'; 100]), "big.txt.gz", &small);
        assert!(matches!(
            big[0],
            Err(Failure {
                error: IngestError::TooLarge { .. },
                ..
            })
        ));
    }

    #[test]
    fn invalid_utf8_is_replaced_with_a_warning() {
        let mut bytes = b"Headline here\n\nCaf".to_vec();
        bytes.push(0xe9); // Latin-1 e-acute: invalid UTF-8
        bytes.extend_from_slice(b" society meets again on Monday evening.\n");
        let a = read_bytes(&bytes, "l.txt", &Options::default());
        let a = a[0].as_ref().unwrap();
        assert!(a.text.contains('\u{FFFD}'));
        assert_eq!(a.warnings.len(), 1);
    }

    #[test]
    fn bom_is_kept_for_offsets_and_utf16_decoded() {
        let mut b = vec![0xef, 0xbb, 0xbf];
        b.extend_from_slice(STORY.as_bytes());
        let a = read_bytes(&b, "bom.txt", &Options::default());
        let a0 = a[0].as_ref().unwrap();
        assert!(a0.text.starts_with("\u{feff}Council"));
        assert_eq!(
            a0.title.as_deref(),
            Some("Council votes to close library branch")
        );
        assert_eq!(a0.paragraphs[0].start, 1);
        let mut u16 = vec![0xff, 0xfe];
        for unit in STORY.encode_utf16() {
            u16.extend_from_slice(&unit.to_le_bytes());
        }
        let a = read_bytes(&u16, "u16.txt", &Options::default());
        assert_eq!(a[0].as_ref().unwrap().text, STORY);
    }

    #[test]
    fn folder_walk_is_sorted_and_skips_hidden() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("b.txt"), STORY).unwrap();
        std::fs::write(dir.path().join("sub/a.txt"), STORY).unwrap();
        std::fs::write(dir.path().join(".hidden.txt"), STORY).unwrap();
        std::fs::write(dir.path().join("empty.txt"), "").unwrap();
        let items = read_path(dir.path(), &Options::default());
        let ok: Vec<_> = items.iter().filter_map(|i| i.as_ref().ok()).collect();
        let bad: Vec<_> = items.iter().filter_map(|i| i.as_ref().err()).collect();
        assert_eq!(ok.len(), 2);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].source.ends_with("empty.txt"));
        let missing = read_path(Path::new("/no/such/path"), &Options::default());
        assert!(missing[0].is_err());
    }
}
