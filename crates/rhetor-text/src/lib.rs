//! Segmentation with exact character offsets. Every offset here counts Unicode code points into
//! the text given, end exclusive (see `rhetor_doc`).
//!
//! API (owned by the segmentation work; signatures are the contract other crates use):
//! - [`lines`]: every line with its 1-based number (blank lines counted), CRLF/CR aware.
//! - [`paragraphs`]: one [`rhetor_doc::Paragraph`] per non-blank line (SemEval subtask 3 numbering).
//! - [`sentences`]: sentence spans inside the given paragraphs.
//! - [`clean_text`]: the normalised text of chosen paragraphs plus a map back to `text` offsets.
//! - [`looks_like_headline`]: whether a first line is plausibly a headline.

use rhetor_doc::{Paragraph, ParagraphKind, Span};

/// One line of a text: `start..end` excludes the line terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number, blank lines counted.
    pub number: usize,
    pub start: usize,
    pub end: usize,
}

/// Every line of `text`.
pub fn lines(text: &str) -> Vec<Line> {
    let _ = text;
    Vec::new()
}

/// One paragraph per non-blank line, kind `Body`, `index` = line number.
pub fn paragraphs(text: &str) -> Vec<Paragraph> {
    lines(text)
        .into_iter()
        .map(|l| Paragraph {
            index: l.number,
            start: l.start,
            end: l.end,
            kind: ParagraphKind::Body,
            reason: None,
        })
        .collect()
}

/// Sentence spans inside `paragraphs` (no sentence crosses a paragraph boundary).
pub fn sentences(text: &str, paragraphs: &[Paragraph]) -> Vec<Span> {
    let _ = (text, paragraphs);
    Vec::new()
}

/// Normalised text with a code-point map back into the source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanText {
    pub text: String,
    /// `map[i]` = offset in the source text of code point `i` of `self.text`.
    pub map: Vec<usize>,
}

/// The text of `paragraphs`, joined by `"\n\n"`, with whitespace normalised.
pub fn clean_text(text: &str, paragraphs: &[&Paragraph]) -> CleanText {
    let _ = (text, paragraphs);
    CleanText::default()
}

/// Whether `line` reads like a headline rather than a body paragraph or a dateline.
pub fn looks_like_headline(line: &str) -> bool {
    !line.trim().is_empty()
}
