//! The one pipeline every input goes through once it is text: paragraphs by line, title, debris
//! cleanup, sentences, clean text, language, outlet.

use rhetor_doc::{Article, ParagraphKind};

use crate::{cleanup, Extracted};

/// How to treat the first line of an article's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TitleRule {
    /// The first line is the title (HTML, feeds, JSONL: we put it there ourselves).
    FirstLine,
    /// The first line is the title unless it plainly is no headline (plain-text files).
    FirstLineIfHeadline,
    /// There is no title line.
    NoTitle,
}

/// How many furniture lines (date, byline, read time) may stand above a plain-text file's headline.
const MAX_LINES_ABOVE_TITLE: usize = 3;

/// Build an article from an extracted document: the text is the title, a blank line, then the body,
/// the same layout as SemEval article files, so paragraph numbering works the same everywhere.
pub fn from_extracted(ex: Extracted, id: String, source: String) -> Article {
    let title = ex
        .title
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty());
    let (text, rule) = match &title {
        Some(t) if ex.body.trim().is_empty() => (t.clone(), TitleRule::FirstLine),
        Some(t) => (format!("{t}\n\n{}", ex.body.trim()), TitleRule::FirstLine),
        None => (ex.body.trim().to_string(), TitleRule::NoTitle),
    };
    let mut article = Article::new(id, source, text);
    article.metadata = ex.metadata;
    finish(&mut article, rule);
    article
}

/// Segment, clean and describe an article whose `text` is set. Idempotent on `text`.
pub fn finish(article: &mut Article, rule: TitleRule) {
    article.paragraphs = rhetor_text::paragraphs(&article.text);
    article.title = None;
    if rule != TitleRule::NoTitle {
        // A text dump of a page may open with the page's furniture above the headline: a date
        // line ("11:46 GMT12 April 2021"), a byline, a read time. Those lines are no title; the
        // headline is the first line after them (cleanup marks them and reads their date).
        let skip = if rule == TitleRule::FirstLineIfHeadline {
            article
                .paragraphs
                .iter()
                .take(MAX_LINES_ABOVE_TITLE)
                .take_while(|p| cleanup::is_meta_line(article_slice(&article.text, p.start, p.end)))
                .count()
        } else {
            0
        };
        let first_index = article.paragraphs.first().map(|p| p.index);
        if let Some(first) = article.paragraphs.get_mut(skip) {
            let line = article_slice(&article.text, first.start, first.end);
            let is_title = first_index == Some(1)
                && (rule == TitleRule::FirstLine || rhetor_text::looks_like_headline(line));
            if is_title {
                first.kind = ParagraphKind::Title;
                article.title = Some(line.trim().to_string());
            }
        }
    }
    cleanup::clean(article);
    article.sentences = rhetor_text::sentences(&article.text, &article.paragraphs);
    let body: Vec<_> = article.body_paragraphs().collect();
    article.clean_text = rhetor_text::clean_text(&article.text, &body).text;
    if article.metadata.language.is_none() {
        article.metadata.language = detect_language(&article.clean_text);
    }
    if article.metadata.outlet.is_none() {
        article.metadata.outlet = article.metadata.url.as_deref().and_then(outlet_from_url);
    }
}

fn article_slice(text: &str, start: usize, end: usize) -> &str {
    rhetor_doc::CharIndex::new(text)
        .slice(text, start, end)
        .unwrap_or("")
}

pub use crate::html::outlet_from_url;

/// ISO 639-1 code of the text's language, when whatlang is reasonably sure.
pub fn detect_language(text: &str) -> Option<String> {
    // whatlang is tiny and fast; on very short text it guesses, so require a little text and a
    // reliable verdict before writing a language into the metadata.
    let sample: String = text.chars().take(4000).collect();
    if sample.split_whitespace().count() < 3 {
        return None;
    }
    let info = whatlang::detect(&sample)?;
    if !info.is_reliable() && info.confidence() < 0.5 {
        return None;
    }
    iso639_1(info.lang().code()).map(str::to_string)
}

/// ISO 639-3 (whatlang's codes) to ISO 639-1. Languages without a two-letter code give `None`.
fn iso639_1(code3: &str) -> Option<&'static str> {
    Some(match code3 {
        "epo" => "eo",
        "eng" => "en",
        "rus" => "ru",
        "cmn" => "zh",
        "spa" => "es",
        "por" => "pt",
        "ita" => "it",
        "ben" => "bn",
        "fra" => "fr",
        "deu" => "de",
        "ukr" => "uk",
        "kat" => "ka",
        "ara" => "ar",
        "hin" => "hi",
        "jpn" => "ja",
        "heb" => "he",
        "yid" => "yi",
        "pol" => "pl",
        "amh" => "am",
        "jav" => "jv",
        "kor" => "ko",
        "nob" => "nb",
        "dan" => "da",
        "swe" => "sv",
        "fin" => "fi",
        "tur" => "tr",
        "nld" => "nl",
        "hun" => "hu",
        "ces" => "cs",
        "ell" => "el",
        "bul" => "bg",
        "bel" => "be",
        "mar" => "mr",
        "kan" => "kn",
        "ron" => "ro",
        "slv" => "sl",
        "hrv" => "hr",
        "srp" => "sr",
        "mkd" => "mk",
        "lit" => "lt",
        "lav" => "lv",
        "est" => "et",
        "tam" => "ta",
        "vie" => "vi",
        "urd" => "ur",
        "tha" => "th",
        "guj" => "gu",
        "uzb" => "uz",
        "pan" => "pa",
        "aze" => "az",
        "ind" => "id",
        "tel" => "te",
        "pes" => "fa",
        "mal" => "ml",
        "ori" => "or",
        "mya" => "my",
        "nep" => "ne",
        "sin" => "si",
        "khm" => "km",
        "tuk" => "tk",
        "aka" => "ak",
        "zul" => "zu",
        "sna" => "sn",
        "afr" => "af",
        "lat" => "la",
        "slk" => "sk",
        "cat" => "ca",
        "tgl" => "tl",
        "hye" => "hy",
        "cym" => "cy",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outlet_strips_www() {
        assert_eq!(
            outlet_from_url("https://www.Example.com/news/a?x=1").as_deref(),
            Some("example.com")
        );
        assert_eq!(outlet_from_url("not a url"), None);
    }

    #[test]
    fn language_of_english_and_french() {
        let en = "The minister said on Tuesday that the new budget would protect every family.";
        let fr = "Le ministre a déclaré mardi que le nouveau budget protégerait chaque famille.";
        assert_eq!(detect_language(en).as_deref(), Some("en"));
        assert_eq!(detect_language(fr).as_deref(), Some("fr"));
        assert_eq!(detect_language("ok"), None);
    }
}
