//! Our paragraph numbering against every SemEval-2023 subtask-3 template in `../shared/data`.
//!
//! A template lists `ID<TAB>index<TAB>text` for every non-blank line of every article. Two quirks
//! of the released files, handled here and not in the library:
//! - when an article's last line has no newline, the template glues the next article's first row to
//!   it (`…last words.23100<TAB>1<TAB>Next title`); we cut such rows apart at a known article ID;
//! - two English articles start with a byte-order mark, which the template keeps in line 1's text;
//!   [`rhetor_text::paragraphs`] starts paragraph 1 after it, so the BOM is dropped from line 1
//!   before comparing (a line holding only U+FEFF later in a file is a paragraph in both).

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/semeval2023")
}

type Rows = BTreeMap<String, Vec<(usize, String)>>;

/// Split a template into rows per article, repairing glued rows.
fn parse_template(raw: &str, ids: &HashSet<String>) -> (Rows, usize) {
    let mut rows: Rows = BTreeMap::new();
    let mut glued = 0;
    for line in raw.split('\n').filter(|l| !l.is_empty()) {
        let mut line = line.to_string();
        loop {
            let mut parts = line.splitn(3, '\t');
            let (Some(id), Some(idx), Some(text)) = (parts.next(), parts.next(), parts.next())
            else {
                panic!("malformed template row: {line:?}");
            };
            let idx: usize = idx.parse().expect("numeric paragraph index");
            if let Some((own, next_row)) = split_glued(text, ids) {
                rows.entry(id.to_string()).or_default().push((idx, own));
                glued += 1;
                line = next_row;
                continue;
            }
            rows.entry(id.to_string())
                .or_default()
                .push((idx, text.to_string()));
            break;
        }
    }
    (rows, glued)
}

/// `"…words.23100\t1\tNext"` → `("…words.", "23100\t1\tNext")` when `23100` is a known article.
fn split_glued(text: &str, ids: &HashSet<String>) -> Option<(String, String)> {
    let tab = text.find('\t')?;
    let (head, tail) = text.split_at(tab);
    let after = tail.get(1..)?;
    let next_tab = after.find('\t')?;
    if !after.get(..next_tab)?.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits_start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i)?;
    // Prefer the longest ID that names an article.
    let mut k = digits_start;
    while k < head.len() {
        if ids.contains(head.get(k..)?) {
            return Some((
                head.get(..k)?.to_string(),
                format!("{}{}", head.get(k..)?, tail),
            ));
        }
        k += 1;
    }
    None
}

#[test]
fn paragraph_numbering_matches_every_semeval_template() {
    let root = data_dir();
    if !root.is_dir() {
        eprintln!("SKIP: SemEval data not found at {}", root.display());
        return;
    }
    let mut templates: Vec<PathBuf> = fs::read_dir(&root)
        .expect("read semeval dir")
        .flatten()
        .filter(|e| e.path().is_dir())
        .flat_map(|e| fs::read_dir(e.path()).into_iter().flatten().flatten())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "template"))
        .collect();
    templates.sort();
    assert!(
        !templates.is_empty(),
        "no *.template under {}",
        root.display()
    );

    let (mut articles, mut paras, mut glued_total, mut boms) = (0usize, 0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for t in &templates {
        let name = t.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let split = if name.starts_with("train") {
            "train"
        } else {
            "test"
        };
        let dir = t
            .parent()
            .expect("lang dir")
            .join(format!("{split}-articles-subtask-3"));
        let ids: HashSet<String> = fs::read_dir(&dir)
            .expect("articles dir")
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().into_string().ok()?;
                Some(n.strip_prefix("article")?.strip_suffix(".txt")?.to_string())
            })
            .collect();
        let raw = fs::read_to_string(t).expect("template is UTF-8");
        let (rows, glued) = parse_template(&raw, &ids);
        glued_total += glued;
        assert_eq!(
            rows.len(),
            ids.len(),
            "{}: template and article folder disagree",
            t.display()
        );
        let (mut t_articles, mut t_paras) = (0, 0);
        for (id, expected) in &rows {
            let bytes = fs::read(dir.join(format!("article{id}.txt"))).expect("article file");
            let text = String::from_utf8(bytes).expect("article is UTF-8");
            if text.starts_with('\u{feff}') {
                boms += 1;
            }
            let chars: Vec<char> = text.chars().collect();
            let ours: Vec<(usize, String)> = rhetor_text::paragraphs(&text)
                .iter()
                .map(|p| (p.index, chars[p.start..p.end].iter().collect()))
                .collect();
            let expected: Vec<(usize, String)> = expected
                .iter()
                .map(|(i, s)| match (*i, s.strip_prefix('\u{feff}')) {
                    (1, Some(rest)) => (1, rest.to_string()),
                    _ => (*i, s.clone()),
                })
                .collect();
            if ours == expected {
                t_articles += 1;
                t_paras += ours.len();
            } else {
                let first = ours
                    .iter()
                    .zip(expected.iter())
                    .find(|(a, b)| a != b)
                    .map(|(a, b)| format!("ours {a:?} vs template {b:?}"))
                    .unwrap_or_else(|| format!("{} vs {} rows", ours.len(), expected.len()));
                failures.push(format!("{} article{id}: {first}", t.display()));
            }
        }
        println!(
            "{name} {}: {t_articles}/{} articles, {t_paras} paragraphs match",
            dir.display(),
            rows.len()
        );
        articles += t_articles;
        paras += t_paras;
    }
    println!(
        "TOTAL: {articles} articles and {paras} paragraphs match across {} templates \
         ({glued_total} glued template rows repaired, {boms} articles with a BOM)",
        templates.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Line 1 of a SemEval article is its headline: how many of them [`rhetor_text::looks_like_headline`]
/// accepts (recall), and how many body paragraphs it would also accept (it is only asked about line
/// 1, so the second number is context, not an error rate).
#[test]
fn semeval_first_lines_read_as_headlines() {
    let root = data_dir();
    if !root.is_dir() {
        eprintln!("SKIP: SemEval data not found at {}", root.display());
        return;
    }
    let (mut titles, mut accepted, mut bodies, mut body_accepted) =
        (0usize, 0usize, 0usize, 0usize);
    let mut rejected = Vec::new();
    let mut langs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("semeval dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    langs.sort();
    for lang in langs.iter().filter(|p| p.is_dir()) {
        for split in ["train-articles-subtask-3", "test-articles-subtask-3"] {
            let Ok(entries) = fs::read_dir(lang.join(split)) else {
                continue;
            };
            for e in entries.flatten() {
                let Ok(text) = fs::read_to_string(e.path()) else {
                    continue;
                };
                let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
                let chars: Vec<char> = text.chars().collect();
                let ps = rhetor_text::paragraphs(&text);
                for p in &ps {
                    let line: String = chars[p.start..p.end].iter().collect();
                    let yes = rhetor_text::looks_like_headline(&line);
                    if p.index == 1 {
                        titles += 1;
                        if yes {
                            accepted += 1;
                        } else {
                            rejected.push(format!(
                                "{}: {}",
                                e.path().display(),
                                line.chars().take(120).collect::<String>()
                            ));
                        }
                    } else if p.index >= 3 {
                        bodies += 1;
                        body_accepted += usize::from(yes);
                    }
                }
            }
        }
    }
    println!(
        "SemEval line 1 accepted as headline: {accepted}/{titles}; body paragraphs that would also pass: \
         {body_accepted}/{bodies}"
    );
    for r in &rejected {
        println!("  rejected: {r}");
    }
    assert!(titles > 1000);
    assert!(
        accepted * 100 >= titles * 97,
        "too many SemEval headlines rejected"
    );
}
