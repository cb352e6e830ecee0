//! Segmentation with exact character offsets. Every offset here counts Unicode code points into
//! the text given, end exclusive (see `rhetor_doc`).
//!
//! API (owned by the segmentation work; signatures are the contract other crates use):
//! - [`lines`]: every line with its 1-based number (blank lines counted), CRLF/CR aware.
//! - [`paragraphs`]: one [`rhetor_doc::Paragraph`] per non-blank line (SemEval subtask 3 numbering).
//! - [`sentences`]: sentence spans inside the given paragraphs.
//! - [`clean_text`]: the normalised text of chosen paragraphs plus a map back to `text` offsets.
//! - [`looks_like_headline`]: whether a first line is plausibly a headline.
//!
//! None of these functions panics or fails: any `&str` is valid input, and paragraphs whose offsets
//! fall outside the text are clamped to it.

use rhetor_doc::{Paragraph, ParagraphKind, Span};

mod clean;
mod date;
mod headline;
mod sentence;

pub use clean::{is_zero_width, normalise_char};
pub use date::{parse_date_line, DateLine};
pub use headline::{is_byline, is_dateline, is_url_line};

/// One line of a text: `start..end` excludes the line terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number, blank lines counted.
    pub number: usize,
    pub start: usize,
    pub end: usize,
}

/// Every line of `text`.
///
/// A line ends at `\n`, `\r\n` or a lone `\r` (old Mac files); the terminator is not part of the
/// line. Text after the last terminator is a line only when it is not empty, so `"a\n"` has one line
/// and `"a\n\n"` two (the second blank). Other Unicode separators (U+2028, U+0085) do not end a line:
/// the SemEval files, whose numbering we follow, split on `\n` only.
pub fn lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut number = 1;
    let mut start = 0;
    let mut pos = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                out.push(Line {
                    number,
                    start,
                    end: pos,
                });
                number += 1;
                pos += 1;
                start = pos;
            }
            '\r' => {
                out.push(Line {
                    number,
                    start,
                    end: pos,
                });
                number += 1;
                pos += 1;
                if chars.peek() == Some(&'\n') {
                    chars.next();
                    pos += 1;
                }
                start = pos;
            }
            _ => pos += 1,
        }
    }
    if pos > start {
        out.push(Line {
            number,
            start,
            end: pos,
        });
    }
    out
}

/// One paragraph per non-blank line, kind `Body`, `index` = line number.
///
/// A line is blank when every character is Unicode white space (`char::is_whitespace`, which
/// includes the non-breaking spaces): the SemEval templates skip such lines too. A paragraph spans
/// the whole line, leading and trailing spaces included, because that is what the SemEval templates
/// and span offsets count; [`clean_text`] trims. A byte-order mark at the very start of the text is
/// not content: the first paragraph starts after it (its `index` is still 1).
pub fn paragraphs(text: &str) -> Vec<Paragraph> {
    let chars: Vec<char> = text.chars().collect();
    lines(text)
        .into_iter()
        .filter_map(|l| {
            let mut start = l.start;
            if start == 0 && chars.first() == Some(&'\u{FEFF}') {
                start = 1;
            }
            let body = chars.get(start..l.end)?;
            if body.iter().all(|c| c.is_whitespace()) {
                return None;
            }
            Some(Paragraph {
                index: l.number,
                start,
                end: l.end,
                kind: ParagraphKind::Body,
                reason: None,
            })
        })
        .collect()
}

/// Sentence spans inside `paragraphs` (no sentence crosses a paragraph boundary).
///
/// Rule-based and tuned on news: a sentence ends at `.`, `!`, `?`, `…` (or a run of them, plus
/// closing quotes and brackets) followed by white space and a character that is not lower case.
/// Titles (`Mr.`, `Dr.`, `Sen.`) never end a sentence; other abbreviations (`U.S.`, `Inc.`,
/// initials, `a.m.`, `Jan.`) end one only when the next word is a usual sentence opener (`The`,
/// `He`, `But`…). Spans are trimmed of surrounding white space and listed in text order.
pub fn sentences(text: &str, paragraphs: &[Paragraph]) -> Vec<Span> {
    let chars: Vec<char> = text.chars().collect();
    let mut order: Vec<&Paragraph> = paragraphs.iter().collect();
    order.sort_by_key(|p| (p.start, p.end));
    let mut out = Vec::new();
    let mut last_end = 0;
    for p in order {
        let start = p.start.max(last_end).min(chars.len());
        let end = p.end.min(chars.len());
        if start >= end {
            continue;
        }
        if let Some(slice) = chars.get(start..end) {
            for (s, e) in sentence::split(slice) {
                out.push(Span::new(start + s, start + e));
            }
        }
        last_end = end;
    }
    out
}

/// Normalised text with a code-point map back into the source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanText {
    pub text: String,
    /// `map[i]` = offset in the source text of code point `i` of `self.text`.
    pub map: Vec<usize>,
}

/// The text of `paragraphs`, joined by `"\n\n"`, with whitespace normalised.
///
/// Non-breaking and other Unicode spaces (and tabs) become one plain space, runs collapse to one,
/// each paragraph is trimmed; zero-width characters (U+200B, U+200C, U+200D, U+2060, U+FEFF) and the
/// soft hyphen (U+00AD) vanish. Paragraphs left empty are skipped. `map[i]` is the source offset of
/// output code point `i`: a collapsed run maps to its first character, and both characters of a
/// joining `"\n\n"` map to the end of the previous paragraph. The map never decreases when the
/// paragraphs are given in text order.
pub fn clean_text(text: &str, paragraphs: &[&Paragraph]) -> CleanText {
    clean::clean_text(text, paragraphs)
}

/// Whether `line` reads like a headline rather than a body paragraph or a dateline.
///
/// False for: an empty line; a URL; a byline (`By Jane Doe`); a dateline (`WASHINGTON (Reuters) -`,
/// `March 3, 2024`, `Updated 10:32 AM EST`); and a whole paragraph (long, or several sentences).
/// Everything else is taken as a headline, because a first line that is neither of those in a news
/// text file almost always is one.
pub fn looks_like_headline(line: &str) -> bool {
    headline::looks_like_headline(line)
}

#[cfg(test)]
mod tests;
