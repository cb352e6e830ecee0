//! Reading articles from what people have: text files and folders, `-`, `.gz`, HTML pages, RSS/Atom/JSON
//! feeds, WARC archives and JSONL. Every input goes through one pipeline ([`pipeline::finish`]):
//! paragraphs by line, title, debris cleanup, sentences, clean text, language, outlet.
//!
//! Layout:
//! - [`read`]: format detection, decoding, gzip, size limit, folder walk; one `Result` per article
//!   or per failing file.
//! - [`html`], [`feed`], [`warc`], [`jsonl`]: one module per container format; each yields
//!   [`Extracted`] documents.
//! - [`cleanup`]: debris classification (bylines, captions, share prompts…) and metadata found in it.
//! - [`pipeline`]: turns an [`Extracted`] or a decoded text file into a finished [`rhetor_doc::Article`].

pub mod cleanup;
pub mod error;
pub mod extraction_bench;
pub mod feed;
pub mod html;
pub mod jsonl;
pub mod pipeline;
pub mod read;
pub mod warc;

pub use error::IngestError;
pub use read::{read_bytes, read_path, Options};

use rhetor_doc::Metadata;

/// A document pulled out of a container (HTML page, feed item, WARC record, JSONL line) before the
/// common pipeline runs: a title, a body whose paragraphs are separated by blank lines, and whatever
/// metadata the container carried.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    /// Identifier given by the container (feed item id, JSONL `id`), if any.
    pub id: Option<String>,
    /// Suffix appended to the file path to name this document in `source` (e.g. `#item3`).
    pub source_suffix: Option<String>,
    pub title: Option<String>,
    /// Body text, paragraphs separated by one blank line (`"\n\n"`), no debris removed yet.
    pub body: String,
    pub metadata: Metadata,
}

impl Extracted {
    /// Lay the fields a container states about its document (a JSONL line's `title`, `author`,
    /// `published`…, a feed item's) over what the page itself says: each field given wins, the
    /// others keep the page's value. A given title also leaves the top of the body when the body
    /// opens with it, as [`html`] does for the page's own title.
    pub fn overlay(mut self, title: Option<String>, given: Metadata) -> Self {
        if let Some(t) = title.filter(|t| !t.trim().is_empty()) {
            self.body = html::drop_leading_title(&self.body, std::slice::from_ref(&t));
            self.title = Some(t);
        }
        let m = &mut self.metadata;
        let over = |slot: &mut Option<String>, v: Option<String>| {
            if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
                *slot = Some(v);
            }
        };
        over(&mut m.outlet, given.outlet);
        over(&mut m.author, given.author);
        over(&mut m.published, given.published);
        over(&mut m.language, given.language);
        over(&mut m.url, given.url);
        over(&mut m.section, given.section);
        self
    }
}
