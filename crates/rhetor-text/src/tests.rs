use super::*;
use proptest::prelude::*;
use rhetor_doc::CharIndex;

fn slice(text: &str, s: usize, e: usize) -> &str {
    CharIndex::new(text)
        .slice(text, s, e)
        .unwrap_or("<out of bounds>")
}

fn sents(text: &str) -> Vec<&str> {
    let ps = paragraphs(text);
    sentences(text, &ps)
        .into_iter()
        .map(|s| slice(text, s.start, s.end))
        .collect()
}

#[test]
fn lines_handle_every_terminator() {
    let t = "a\r\nb\rc\n\nd";
    let ls = lines(t);
    let got: Vec<(usize, &str)> = ls
        .iter()
        .map(|l| (l.number, slice(t, l.start, l.end)))
        .collect();
    assert_eq!(got, vec![(1, "a"), (2, "b"), (3, "c"), (4, ""), (5, "d")]);
    assert_eq!(lines("a\n").len(), 1);
    assert_eq!(lines("a\n\n").len(), 2);
    assert!(lines("").is_empty());
    assert_eq!(lines("\n").len(), 1);
}

#[test]
fn paragraphs_number_lines_like_semeval() {
    let t = "Title é\n\nFirst 😀 para.\n \t\u{a0}\nSecond\tpara.  \r\n\r\nThird";
    let ps = paragraphs(t);
    let got: Vec<(usize, &str)> = ps
        .iter()
        .map(|p| (p.index, slice(t, p.start, p.end)))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "Title é"),
            (3, "First 😀 para."),
            (5, "Second\tpara.  "),
            (7, "Third")
        ]
    );
    assert!(ps
        .iter()
        .all(|p| p.kind == ParagraphKind::Body && p.reason.is_none()));
}

#[test]
fn leading_bom_is_not_part_of_the_first_paragraph() {
    let t = "\u{feff}Headline\n\nBody.";
    let ps = paragraphs(t);
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].index, 1);
    assert_eq!(slice(t, ps[0].start, ps[0].end), "Headline");
    assert_eq!(paragraphs("\u{feff}").len(), 0);
    assert_eq!(paragraphs("\u{feff}\n\nx")[0].index, 3);
}

#[test]
fn sentences_respect_news_abbreviations() {
    assert_eq!(
        sents("Mr. Smith went to Washington. He met Dr. Jones at 3.5 p.m. sharp."),
        vec![
            "Mr. Smith went to Washington.",
            "He met Dr. Jones at 3.5 p.m. sharp."
        ]
    );
    assert_eq!(
        sents("The U.S. Senate voted. The bill now goes to the U.S. House."),
        vec![
            "The U.S. Senate voted.",
            "The bill now goes to the U.S. House."
        ]
    );
    assert_eq!(
        sents("Sanctions were imposed by the U.S. The EU followed."),
        vec!["Sanctions were imposed by the U.S.", "The EU followed."]
    );
    assert_eq!(
        sents("John F. Kennedy was shot in 1963. Nobody forgot."),
        vec!["John F. Kennedy was shot in 1963.", "Nobody forgot."]
    );
    assert_eq!(
        sents("\"We will win.\" The crowd cheered. Really?! Yes… And then?"),
        vec![
            "\"We will win.\"",
            "The crowd cheered.",
            "Really?!",
            "Yes…",
            "And then?"
        ]
    );
    assert_eq!(
        sents(
            "Growth was 2.5 per cent. Prices rose by $3.20 on Jan. 5 at Apple Inc. in Cupertino."
        ),
        vec![
            "Growth was 2.5 per cent.",
            "Prices rose by $3.20 on Jan. 5 at Apple Inc. in Cupertino."
        ]
    );
    assert_eq!(
        sents("He said “enough.” Then he left. (He was angry.) Later, calm."),
        vec![
            "He said “enough.”",
            "Then he left.",
            "(He was angry.)",
            "Later, calm."
        ]
    );
    assert_eq!(
        sents("Die Wahl findet am 3. Oktober statt. Alle sind bereit."),
        vec!["Die Wahl findet am 3. Oktober statt.", "Alle sind bereit."]
    );
    assert_eq!(
        sents("e.g. this one... and that one."),
        vec!["e.g. this one... and that one."]
    );
    assert_eq!(sents("No terminator at all"), vec!["No terminator at all"]);
    assert_eq!(
        sents("1. Cut taxes. Then spend."),
        vec!["1. Cut taxes.", "Then spend."]
    );
    assert_eq!(sents("IV. The war"), vec!["IV. The war"]);
    assert_eq!(
        sents("Sen. Elizabeth Warren (D-Mass.) said no. The vote failed in the U.K. Prime Minister Johnson said."),
        vec!["Sen. Elizabeth Warren (D-Mass.) said no.", "The vote failed in the U.K. Prime Minister Johnson said."]
    );
    assert_eq!(sents("   "), Vec::<&str>::new());
}

#[test]
fn sentences_never_cross_paragraphs() {
    let t = "One sentence without end\nSecond line. Two sentences.";
    assert_eq!(
        sents(t),
        vec!["One sentence without end", "Second line.", "Two sentences."]
    );
}

#[test]
fn sentences_tolerate_bad_paragraphs() {
    let t = "Short.";
    let bad = vec![Paragraph {
        index: 1,
        start: 3,
        end: 100,
        kind: ParagraphKind::Body,
        reason: None,
    }];
    let s = sentences(t, &bad);
    assert_eq!(s, vec![Span::new(3, 6)]);
    let inverted = vec![Paragraph {
        start: 5,
        end: 2,
        ..bad[0].clone()
    }];
    assert!(sentences(t, &inverted).is_empty());
    assert!(clean_text(t, &[&inverted[0]]).text.is_empty());
}

#[test]
fn clean_text_normalises_spaces_and_maps_back() {
    let t =
        "Title\n\n\u{a0} Hello\u{a0}\u{a0}wor\u{200b}ld\t!\u{202f}\n\u{2007}\nNext\u{feff} one ";
    let ps = paragraphs(t);
    let refs: Vec<&Paragraph> = ps.iter().skip(1).collect();
    let c = clean_text(t, &refs);
    assert_eq!(c.text, "Hello world !\n\nNext one");
    assert_eq!(c.map.len(), c.text.chars().count());
    let src: Vec<char> = t.chars().collect();
    for (i, ch) in c.text.chars().enumerate() {
        let s = src[c.map[i]];
        match ch {
            '\n' => assert_eq!(c.map[i], refs[0].end),
            ' ' => assert!(s.is_whitespace()),
            _ => assert_eq!(s, ch),
        }
    }
}

#[test]
fn headline_detection() {
    for h in [
        "Next plague outbreak in Madagascar could be 'stronger': WHO",
        "Trump: 'We will win.' Democrats say no",
        "BREAKING: Senate passes $1.2 trillion infrastructure bill",
        "Why the Fed won't cut rates in 2024",
        "By the numbers: the war in Ukraine",
    ] {
        assert!(looks_like_headline(h), "{h}");
    }
    for n in [
        "",
        "   ",
        "WASHINGTON (Reuters) - The U.S. Senate on Tuesday passed a bill.",
        "WASHINGTON (Reuters) -",
        "KYIV, Ukraine (AP) — Russian forces shelled the city overnight.",
        "NEW YORK — The city council voted on Tuesday to ban gas stoves in new buildings.",
        "March 3, 2024",
        "Updated 10:32 AM EST, Sun March 3, 2024",
        "By Jane Doe",
        "BY JANE DOE AND JOHN ROE, Reuters",
        "https://example.com/news/2024/03/03/story.html",
        "www.example.org",
        "The council met on Tuesday. It decided to raise taxes by two per cent. Residents were not \
         amused, and several of them said so at length during the public comment period that \
         followed the vote, which lasted well into the night.",
    ] {
        assert!(!looks_like_headline(n), "{n}");
    }
}

#[test]
fn bylines() {
    assert!(is_byline("By Jane Doe"));
    assert!(is_byline("By JANE DOE and John van der Berg"));
    assert!(is_byline("Written by Jane Doe, Staff Writer"));
    assert!(!is_byline("By the end of the year, prices had doubled."));
    assert!(!is_byline(
        "By Tuesday the troops had left the city and the mayor returned."
    ));
    assert!(!is_byline("by"));
}

const BOM: char = '\u{feff}';
const NBSP: char = '\u{a0}';

fn text_strategy() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a", "b", "Z", " ", "  ", "\t", "\n", "\r\n", "\r", "\n\n", "\u{feff}", "\u{a0}",
        "\u{202f}", "\u{2007}", "\u{200b}", "\u{200d}", "\u{2060}", "é", "€", "😀", "Ж", "中", ".",
        ". ", "? ", "!", "\"", "”", "Mr. ", "U.S. ", "3.5", "The ", "\u{2028}", "\u{85}",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn spans_slice_back_to_their_text(t in text_strategy()) {
        let n = t.chars().count();
        let chars: Vec<char> = t.chars().collect();
        let ls = lines(&t);
        let mut prev_end = 0;
        for (k, l) in ls.iter().enumerate() {
            prop_assert_eq!(l.number, k + 1);
            prop_assert!(l.start <= l.end && l.end <= n);
            prop_assert!(l.start >= prev_end);
            let body = slice(&t, l.start, l.end);
            prop_assert!(!body.contains('\n') && !body.contains('\r'));
            // What separates two lines is exactly one terminator.
            if k > 0 {
                let gap = slice(&t, prev_end, l.start);
                prop_assert!(gap == "\n" || gap == "\r" || gap == "\r\n", "gap {:?}", gap);
            }
            prev_end = l.end;
        }
        // Lines plus terminators cover the whole text.
        let rest = slice(&t, prev_end, n);
        prop_assert!(rest.is_empty() || rest == "\n" || rest == "\r" || rest == "\r\n");

        let ps = paragraphs(&t);
        let mut last = 0;
        for p in &ps {
            prop_assert!(p.start < p.end && p.end <= n && p.start >= last);
            let line = ls.iter().find(|l| l.number == p.index);
            prop_assert!(line.is_some());
            if let Some(l) = line {
                prop_assert_eq!(p.end, l.end);
                let bom_skip = l.start == 0 && p.start == 1 && chars.first() == Some(&BOM);
                prop_assert!(p.start == l.start || bom_skip);
            }
            prop_assert!(!slice(&t, p.start, p.end).chars().all(char::is_whitespace));
            last = p.end;
        }
        // Every non-blank line is a paragraph.
        let non_blank = ls.iter().filter(|l| {
            let s = if l.start == 0 && chars.first() == Some(&'\u{feff}') { 1 } else { l.start };
            chars.get(s..l.end).is_some_and(|b| !b.iter().all(|c| c.is_whitespace()))
        }).count();
        prop_assert_eq!(non_blank, ps.len());

        let ss = sentences(&t, &ps);
        let mut last = 0;
        for s in &ss {
            prop_assert!(s.start < s.end && s.end <= n && s.start >= last);
            prop_assert!(ps.iter().any(|p| p.start <= s.start && s.end <= p.end));
            let st = slice(&t, s.start, s.end);
            prop_assert!(!st.starts_with(char::is_whitespace) && !st.ends_with(char::is_whitespace));
            last = s.end;
        }

        let refs: Vec<&Paragraph> = ps.iter().collect();
        let c = clean_text(&t, &refs);
        prop_assert_eq!(c.map.len(), c.text.chars().count());
        prop_assert!(c.map.windows(2).all(|w| w[0] <= w[1]));
        let no_raw_space = !c.text.contains("  ") && !c.text.contains('\t') && !c.text.contains(NBSP);
        prop_assert!(no_raw_space);
        for z in ['\u{200b}', '\u{200d}', '\u{2060}', '\u{feff}'] {
            prop_assert!(!c.text.contains(z));
        }
        for (i, ch) in c.text.chars().enumerate() {
            let m = c.map[i];
            prop_assert!(m <= n);
            match ch {
                '\n' => prop_assert!(ps.iter().any(|p| p.end == m)),
                ' ' => prop_assert!(chars.get(m).is_some_and(|c| c.is_whitespace())),
                _ => prop_assert_eq!(chars.get(m).copied(), Some(ch)),
            }
        }
        let _ = looks_like_headline(&t);
        let _ = parse_date_line(&t);
    }
}
