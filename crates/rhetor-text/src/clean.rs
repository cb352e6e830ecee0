//! Whitespace normalisation with an offset map back to the source.

use crate::CleanText;
use rhetor_doc::Paragraph;

/// Characters that take no room on screen and only get in the way of matching words: zero-width
/// space, non-joiner, joiner, word joiner, byte-order mark (zero-width no-break space) and the soft
/// hyphen.
pub fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// How one source character appears in clean text: `None` when it vanishes (zero-width), `Some(' ')`
/// for any white space (tab, NBSP U+00A0, U+202F, U+2007, U+3000, the U+2000 block…), else itself.
pub fn normalise_char(c: char) -> Option<char> {
    if is_zero_width(c) {
        None
    } else if c.is_whitespace() {
        Some(' ')
    } else {
        Some(c)
    }
}

pub(crate) fn clean_text(text: &str, paragraphs: &[&Paragraph]) -> CleanText {
    let chars: Vec<char> = text.chars().collect();
    let mut out = CleanText::default();
    let mut prev_end: Option<usize> = None;
    for p in paragraphs {
        let end = p.end.min(chars.len());
        let start = p.start.min(end);
        let Some(slice) = chars.get(start..end) else {
            continue;
        };
        let mut para: Vec<(char, usize)> = Vec::new();
        let mut pending_space: Option<usize> = None;
        for (i, &c) in slice.iter().enumerate() {
            match normalise_char(c) {
                None => {}
                Some(' ') if pending_space.is_none() => pending_space = Some(start + i),
                Some(' ') => {}
                Some(n) => {
                    if let Some(sp) = pending_space.take() {
                        // Leading white space is dropped: nothing written yet in this paragraph.
                        if !para.is_empty() {
                            para.push((' ', sp));
                        }
                    }
                    para.push((n, start + i));
                }
            }
        }
        if para.is_empty() {
            continue;
        }
        if let Some(pe) = prev_end {
            out.text.push_str("\n\n");
            out.map.push(pe);
            out.map.push(pe);
        }
        for (c, src) in para {
            out.text.push(c);
            out.map.push(src);
        }
        prev_end = Some(end);
    }
    out
}
