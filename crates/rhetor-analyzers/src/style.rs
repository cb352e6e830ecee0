//! Style features of a whole article: what separates a news report from an opinion piece or
//! satire regardless of topic (attribution, quotation, person, questions, sentence shape).
//! They feed the genre head next to the encoder's states, because the English training set is 88%
//! opinion and a fine-tuned encoder alone learns little more than "say opinion".

/// How many style features there are.
pub const N_STYLE: usize = 16;

/// Names of [`style_features`]' values, in order (for the model card and debugging).
pub const STYLE_FEATURES: [&str; N_STYLE] = [
    "log_words",
    "mean_sentence_words",
    "questions_per_sentence",
    "exclamations_per_sentence",
    "first_person_singular",
    "first_person_plural",
    "second_person",
    "quote_marks_per_word",
    "attribution_per_sentence",
    "digits_per_word",
    "capitalised_inside_sentence",
    "paragraphs_with_quotes",
    "mean_paragraph_words",
    "opinion_markers_per_sentence",
    "title_question_or_exclamation",
    "brackets_and_dashes_per_word",
];

const ATTRIBUTION: [&str; 14] = [
    "said",
    "says",
    "told",
    "according",
    "stated",
    "announced",
    "reported",
    "added",
    "explained",
    "confirmed",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "statement",
];

const OPINION: [&str; 16] = [
    "should",
    "must",
    "clearly",
    "obviously",
    "think",
    "believe",
    "surely",
    "frankly",
    "ought",
    "shameful",
    "disgrace",
    "absurd",
    "ridiculous",
    "idiotic",
    "insane",
    "pathetic",
];

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„' | '«' | '»')
}

/// Style features of `text` whose paragraphs are `paragraphs` (code-point ranges) and whose first
/// paragraph is the title when `has_title`. Always [`STYLE_FEATURES`]`.len()` finite values.
pub fn style_features(text: &str, paragraphs: &[(usize, usize)], has_title: bool) -> Vec<f32> {
    let chars: Vec<char> = text.chars().collect();
    let par_texts: Vec<String> = paragraphs
        .iter()
        .map(|&(s, e)| chars.get(s..e).unwrap_or_default().iter().collect())
        .collect();
    let (title, body): (Option<&String>, &[String]) = match (has_title, par_texts.split_first()) {
        (true, Some((t, rest))) => (Some(t), rest),
        _ => (None, &par_texts[..]),
    };
    let mut words = 0f32;
    let mut sentences = 0f32;
    let mut questions = 0f32;
    let mut exclaims = 0f32;
    let (mut fps, mut fpp, mut sp) = (0f32, 0f32, 0f32);
    let mut quotes = 0f32;
    let mut attrib = 0f32;
    let mut digits = 0f32;
    let mut caps_inside = 0f32;
    let mut pars_quoted = 0f32;
    let mut opinion = 0f32;
    let mut brackets = 0f32;
    for p in body {
        let mut has_quote = false;
        let mut sentence_start = true;
        for c in p.chars() {
            if is_quote(c) {
                quotes += 1.0;
                has_quote = true;
            }
            match c {
                '?' => questions += 1.0,
                '!' => exclaims += 1.0,
                '(' | ')' | '—' | '–' => brackets += 1.0,
                _ => {}
            }
            if matches!(c, '.' | '?' | '!') {
                sentences += 1.0;
            }
        }
        if has_quote {
            pars_quoted += 1.0;
        }
        for raw in p.split_whitespace() {
            let w: String = raw
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_string();
            let ends_sentence = raw.ends_with(['.', '?', '!']);
            if w.is_empty() {
                continue;
            }
            words += 1.0;
            let lower = w.to_lowercase();
            match lower.as_str() {
                "i" | "me" | "my" | "mine" | "i'm" | "i've" | "i'd" | "myself" => fps += 1.0,
                "we" | "us" | "our" | "ours" | "we're" | "we've" | "ourselves" => fpp += 1.0,
                "you" | "your" | "yours" | "you're" | "yourself" => sp += 1.0,
                _ => {}
            }
            if ATTRIBUTION.contains(&lower.as_str()) {
                attrib += 1.0;
            }
            if OPINION.contains(&lower.as_str()) {
                opinion += 1.0;
            }
            if w.chars().any(|c| c.is_ascii_digit()) {
                digits += 1.0;
            }
            if !sentence_start && w.chars().next().is_some_and(|c| c.is_uppercase()) {
                caps_inside += 1.0;
            }
            sentence_start = ends_sentence;
        }
    }
    let n_pars = body.len().max(1) as f32;
    let s = sentences.max(1.0);
    let w = words.max(1.0);
    let title_mark = title.is_some_and(|t| t.contains('?') || t.contains('!'));
    let out = vec![
        (1.0 + words).ln() / 8.0,
        words / s / 30.0,
        questions / s,
        exclaims / s,
        fps / w * 100.0,
        fpp / w * 100.0,
        sp / w * 100.0,
        quotes / w * 100.0,
        attrib / s,
        digits / w * 100.0,
        caps_inside / w * 10.0,
        pars_quoted / n_pars,
        words / n_pars / 50.0,
        opinion / s,
        if title_mark { 1.0 } else { 0.0 },
        brackets / w * 100.0,
    ];
    out.into_iter()
        .map(|v| if v.is_finite() { v } else { 0.0 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pars(text: &str) -> Vec<(usize, usize)> {
        rhetor_text::paragraphs(text)
            .into_iter()
            .map(|p| (p.start, p.end))
            .collect()
    }

    #[test]
    fn report_and_opinion_differ_where_expected() {
        let report = "Council approves budget\n\nThe council approved the 2025 budget on Monday, the mayor's office said.\n\n\"We kept every library open,\" Mayor Ana Ruiz told reporters.\n";
        let opinion = "Why I am done with this council\n\nI think we should all be ashamed. You know it too!\n\nWhat were they thinking? Our town deserves better, and you must say so.\n";
        let r = style_features(report, &pars(report), true);
        let o = style_features(opinion, &pars(opinion), true);
        assert_eq!(r.len(), STYLE_FEATURES.len());
        let idx = |n: &str| STYLE_FEATURES.iter().position(|x| *x == n).unwrap();
        assert!(r[idx("attribution_per_sentence")] > o[idx("attribution_per_sentence")]);
        assert!(r[idx("quote_marks_per_word")] > o[idx("quote_marks_per_word")]);
        assert!(o[idx("first_person_singular")] > r[idx("first_person_singular")]);
        assert!(o[idx("second_person")] > 0.0);
        assert!(o[idx("questions_per_sentence")] > 0.0);
        assert_eq!(o[idx("title_question_or_exclamation")], 0.0);
    }

    #[test]
    fn empty_and_odd_inputs_are_finite() {
        for t in ["", "\n\n", "?!", "\u{FEFF}x", "“”"] {
            let f = style_features(t, &pars(t), true);
            assert_eq!(f.len(), STYLE_FEATURES.len());
            assert!(f.iter().all(|v| v.is_finite()), "{t:?}: {f:?}");
        }
    }
}
