//! Compares our sentence rules with UAX #29 sentence bounds (`unicode-segmentation`) on the BABE
//! news sentences in `../shared/data/babe` (skipped when absent). There is no gold segmentation
//! there, so this counts the classic error — a break right after a title, an initial or an
//! initialism followed by a capitalised name (`Sen. Kamala`, `J.K. Rowling`, `U.S. Representative`)
//! — and prints the disagreements for a person to judge.

use std::path::Path;
use unicode_segmentation::UnicodeSegmentation;

/// Fields of a `;`-separated CSV line with `"` quoting (BABE's format), first field only.
fn first_field(line: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    if chars.peek() == Some(&'"') {
        chars.next();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    out.push('"');
                } else {
                    return Some(out);
                }
            } else {
                out.push(c);
            }
        }
        None
    } else {
        Some(line.split(';').next()?.to_string())
    }
}

fn ours(text: &str) -> Vec<usize> {
    let ps = rhetor_text::paragraphs(text);
    let ss = rhetor_text::sentences(text, &ps);
    // Boundaries between sentences: the end of each sentence but the last, in code points.
    ss.iter()
        .rev()
        .skip(1)
        .map(|s| s.end)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

fn uax(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut chars = 0;
    let bounds: Vec<&str> = text.split_sentence_bounds().collect();
    let n = bounds.len();
    for (i, s) in bounds.iter().enumerate() {
        chars += s.chars().count();
        if i + 1 < n {
            // Trim the white space UAX #29 keeps at the end of a sentence.
            let trailing = s.chars().rev().take_while(|c| c.is_whitespace()).count();
            out.push(chars - trailing);
        }
    }
    out
}

/// A break right after a title, a capital initial or an initialism, followed by a capitalised word
/// that is not a usual sentence opener: almost always wrong in news.
fn suspicious(text: &str, at: usize) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let before: String = chars[..at].iter().collect();
    let token = before.split_whitespace().last().unwrap_or("");
    let after: String = chars[at..].iter().collect();
    let next = after.split_whitespace().next().unwrap_or("");
    let next = next.trim_start_matches(['"', '“', '(']);
    let titles = [
        "Mr.", "Mrs.", "Ms.", "Dr.", "Sen.", "Rep.", "Gov.", "Gen.", "Lt.", "Prof.", "St.", "Col.",
        "Sgt.", "Capt.", "Rev.", "Adm.",
    ];
    let initial = {
        let t = token.trim_start_matches(['"', '“', '(']);
        let groups: Vec<&str> = t.trim_end_matches('.').split('.').collect();
        t.ends_with('.')
            && groups
                .iter()
                .all(|g| g.chars().count() == 1 && g.chars().all(char::is_uppercase))
    };
    let openers = [
        "The", "He", "She", "It", "They", "We", "I", "But", "And", "In", "A", "This",
    ];
    (titles.contains(&token) || initial)
        && next.chars().next().is_some_and(char::is_uppercase)
        && !openers.contains(&next)
}

#[test]
fn sentence_rules_against_uax29_on_babe() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/babe/data/final_labels_SG2.csv");
    let Ok(raw) = std::fs::read_to_string(&path) else {
        eprintln!("SKIP: BABE data not found at {}", path.display());
        return;
    };
    let texts: Vec<String> = raw
        .lines()
        .skip(1)
        .filter_map(first_field)
        .filter(|t| !t.trim().is_empty())
        .collect();
    let (mut ours_n, mut uax_n, mut ours_bad, mut uax_bad, mut differ) = (0, 0, 0, 0, 0);
    let mut examples = Vec::new();
    for t in &texts {
        let t = t.replace('\n', " ");
        let (o, u) = (ours(&t), uax(&t));
        ours_n += o.len() + 1;
        uax_n += u.len() + 1;
        for &b in o.iter().filter(|&&b| suspicious(&t, b)) {
            ours_bad += 1;
            let chars: Vec<char> = t.chars().collect();
            let from = b.saturating_sub(60);
            let to = (b + 40).min(chars.len());
            println!(
                "  suspicious (ours): …{} ‖{}…",
                chars[from..b].iter().collect::<String>(),
                chars[b..to].iter().collect::<String>()
            );
        }
        uax_bad += u.iter().filter(|&&b| suspicious(&t, b)).count();
        if o != u {
            differ += 1;
            if examples.len() < 25 {
                let chars: Vec<char> = t.chars().collect();
                let show = |bs: &[usize]| {
                    let mut s = String::new();
                    let mut last = 0;
                    for &b in bs {
                        s.extend(&chars[last..b]);
                        s.push_str(" ‖");
                        last = b;
                    }
                    s.extend(&chars[last..]);
                    s
                };
                examples.push(format!("  ours: {}\n  uax:  {}", show(&o), show(&u)));
            }
        }
    }
    println!(
        "BABE SG2: {} texts; ours {} sentences ({} suspicious breaks), UAX #29 {} sentences ({} \
         suspicious breaks); {} texts segmented differently",
        texts.len(),
        ours_n,
        ours_bad,
        uax_n,
        uax_bad,
        differ
    );
    for e in &examples {
        println!("{e}");
    }
    assert!(texts.len() > 1000);
    assert!(
        ours_bad <= uax_bad,
        "our rules should not break after titles and initials more than UAX #29"
    );
}
