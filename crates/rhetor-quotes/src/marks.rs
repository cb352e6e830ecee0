//! Quotation marks: which open, which close, and the quoted stretches of text they delimit.

/// A stretch of text between quotation marks (marks included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quoted {
    /// Offset of the opening mark.
    pub start: usize,
    /// One past the closing mark (or the end of the last paragraph when the mark never closed).
    pub end: usize,
    /// Whether a closing mark was found.
    pub closed: bool,
    /// Whether the quote runs over several paragraphs.
    pub multi_paragraph: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Open,
    Close,
}

fn is_opening_context(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(c) => {
            c.is_whitespace()
                || matches!(
                    c,
                    '(' | '[' | '{' | '—' | '–' | '-' | '/' | '“' | '‘' | '«' | '„' | ':'
                )
        }
    }
}

/// Classify a double quotation mark at `i`.
fn double_mark(chars: &[char], i: usize, para_start: usize) -> Option<Mark> {
    let prev = if i > para_start {
        Some(chars[i - 1])
    } else {
        None
    };
    match chars[i] {
        '“' | '„' | '«' | '〝' => Some(Mark::Open),
        '”' | '»' | '〞' | '‟' => {
            // Some scraped text uses ” for both; a ” after a space and before a letter opens.
            let next = chars.get(i + 1).copied();
            if chars[i] == '”'
                && is_opening_context(prev)
                && next.is_some_and(|c| c.is_alphanumeric())
            {
                Some(Mark::Open)
            } else {
                Some(Mark::Close)
            }
        }
        // Two apostrophes: the straight double mark of some wire and NYT text.
        '"' | '\'' if chars[i] == '"' || chars.get(i + 1) == Some(&'\'') => {
            if is_opening_context(prev) {
                Some(Mark::Open)
            } else {
                Some(Mark::Close)
            }
        }
        _ => None,
    }
}

/// Whether a single mark at `i` opens (`‘` or `'` after a space and before a letter).
fn single_opens(chars: &[char], i: usize, para_start: usize) -> bool {
    let prev = if i > para_start {
        Some(chars[i - 1])
    } else {
        None
    };
    matches!(chars[i], '‘' | '\'')
        && is_opening_context(prev)
        && chars
            .get(i + 1)
            .is_some_and(|c| c.is_alphabetic() || *c == '…')
}

/// Whether a single mark at `i` closes (`’` or `'` not followed by a letter).
fn single_closes(chars: &[char], i: usize) -> bool {
    matches!(chars[i], '’' | '\'') && !chars.get(i + 1).is_some_and(|c| c.is_alphanumeric())
}

/// Quoted stretches inside one paragraph `start..end`. Single quotes count only outside double
/// quotes (quotes inside quotes stay part of the outer one).
fn in_paragraph(chars: &[char], start: usize, end: usize) -> Vec<Quoted> {
    let mut out = Vec::new();
    // Open double marks, outermost first: a mark of another style opened inside nests.
    let mut stack: Vec<usize> = Vec::new();
    let mut single: Option<usize> = None;
    let end = end.min(chars.len());
    let mut skip = false;
    for i in start..end {
        if skip {
            skip = false;
            continue;
        }
        if let Some(m) = double_mark(chars, i, start) {
            // The second apostrophe of a '' mark.
            skip = chars[i] == '\'';
            let outer = stack.first().copied();
            let top = stack.last().map(|&s| chars[s]);
            match (top, m) {
                (None, Mark::Open) => {
                    stack.push(i);
                    single = None;
                }
                (None, Mark::Close) => {}
                // Inside a straight-quoted stretch a straight mark closes.
                (Some('"' | '\''), _) if matches!(chars[i], '"' | '\'') => {
                    stack.pop();
                }
                (Some(_), Mark::Close) => {
                    stack.pop();
                }
                // The same opening style again at the outer level: the first never closed.
                (Some(t), Mark::Open) if t == chars[i] && stack.len() == 1 => {
                    let s0 = stack[0];
                    let mut e = i;
                    while e > s0 + 1 && chars[e - 1].is_whitespace() {
                        e -= 1;
                    }
                    out.push(Quoted {
                        start: s0,
                        end: e,
                        closed: false,
                        multi_paragraph: false,
                    });
                    stack[0] = i;
                }
                // Another style opening inside nests ("…“…”…").
                (Some(_), Mark::Open) => stack.push(i),
            }
            if let (Some(s0), true) = (outer, stack.is_empty()) {
                out.push(Quoted {
                    start: s0,
                    end: i + 1 + usize::from(skip),
                    closed: true,
                    multi_paragraph: false,
                });
            }
            continue;
        }
        if !stack.is_empty() {
            continue;
        }
        match single {
            None if single_opens(chars, i, start) => single = Some(i),
            Some(s) if single_closes(chars, i) && i > s + 1 => {
                out.push(Quoted {
                    start: s,
                    end: i + 1,
                    closed: true,
                    multi_paragraph: false,
                });
                single = None;
            }
            _ => {}
        }
    }
    if let Some(&s) = stack.first() {
        let mut e = end;
        while e > s + 1 && chars[e - 1].is_whitespace() {
            e -= 1;
        }
        out.push(Quoted {
            start: s,
            end: e,
            closed: false,
            multi_paragraph: false,
        });
    }
    out
}

fn opens_with_quote(chars: &[char], start: usize, end: usize) -> bool {
    let first = (start..end.min(chars.len())).find(|&i| !chars[i].is_whitespace());
    first.is_some_and(|i| double_mark(chars, i, i) == Some(Mark::Open))
}

/// Quoted stretches in the given paragraphs (`(start, end)` in text order). A quote left open at
/// the end of a paragraph continues when the next paragraph opens with a quotation mark (the
/// newspaper convention for quotes over several paragraphs): the pieces become one [`Quoted`].
/// A quote that never closes ends with its paragraph.
pub fn find_quotes(chars: &[char], paragraphs: &[(usize, usize)]) -> Vec<Quoted> {
    let mut out: Vec<Quoted> = Vec::new();
    let mut carry: Option<Quoted> = None;
    for (k, &(ps, pe)) in paragraphs.iter().enumerate() {
        let mut qs = in_paragraph(chars, ps, pe);
        if let Some(c) = carry.take() {
            if let Some(first) = qs.first_mut() {
                first.start = c.start;
                first.multi_paragraph = true;
            }
        }
        let continues = qs.last().is_some_and(|q| !q.closed)
            && paragraphs
                .get(k + 1)
                .is_some_and(|&(ns, ne)| opens_with_quote(chars, ns, ne));
        if continues {
            carry = qs.pop();
        }
        out.extend(qs);
    }
    if let Some(c) = carry {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quotes(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        let paras: Vec<(usize, usize)> = rhetor_text::paragraphs(text)
            .iter()
            .map(|p| (p.start, p.end))
            .collect();
        find_quotes(&chars, &paras)
            .iter()
            .map(|q| chars[q.start..q.end].iter().collect())
            .collect()
    }

    #[test]
    fn straight_curly_guillemets_and_nested() {
        assert_eq!(
            quotes("''We will win,'' he said. It's ''done.''"),
            ["''We will win,''", "''done.''"]
        );
        assert_eq!(quotes("He said \"we go now\" and left."), ["\"we go now\""]);
        assert_eq!(
            quotes("“It’s ‘fine’ by me,” she said."),
            ["“It’s ‘fine’ by me,”"]
        );
        assert_eq!(quotes("Il a dit « non merci » hier."), ["« non merci »"]);
        assert_eq!(
            quotes("\"Read it: “Is this fine?” Yes, no.\" he said"),
            ["\"Read it: “Is this fine?” Yes, no.\""]
        );
        assert_eq!(
            quotes("Headline: It’s ‘in their heads’ now"),
            ["‘in their heads’"]
        );
    }

    #[test]
    fn split_and_multi_paragraph_and_unbalanced() {
        assert_eq!(
            quotes("“One thing,” he said, “and another.”"),
            ["“One thing,”", "“and another.”"]
        );
        let multi = "“First paragraph goes on\n\n“and the second ends here,” he said.";
        assert_eq!(quotes(multi).len(), 1);
        assert!(quotes(multi)[0].ends_with("here,”"));
        assert_eq!(
            quotes("“This never closes and runs on\n\nNew paragraph."),
            ["“This never closes and runs on"]
        );
    }

    #[test]
    fn apostrophes_are_not_quotes() {
        assert!(quotes("Clinton’s team won’t say. It's the ’90s.").is_empty());
    }
}
