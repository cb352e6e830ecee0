//! What text of an article is embedded for story grouping, and a helper that embeds it with the
//! stock encoder (`rhetor_models::Embedder`: all-MiniLM-L6-v2, mean pooling, L2-normalised).
//!
//! The headline and the lead say what happened; later paragraphs drift into background,
//! reactions and quotes that look alike across different events. So the embedded text is the
//! title, a line break, and the first [`EMBED_LEAD_CHARS`] characters of the body (cut at a word
//! boundary). The encoder truncates at 256 tokens anyway; cutting first keeps tokenisation cheap
//! on long articles.

use rhetor_models::Embedder;

use crate::StoryError;

/// Characters of body text embedded after the title.
pub const EMBED_LEAD_CHARS: usize = 600;

/// The exact text embedded for an article: `title`, `\n`, then the body's first
/// [`EMBED_LEAD_CHARS`] characters, cut back to the last whitespace (whitespace runs collapsed).
/// An empty title gives just the lead.
pub fn story_text(title: &str, text: &str) -> String {
    let body: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let lead = match body.char_indices().nth(EMBED_LEAD_CHARS) {
        None => body.as_str(),
        Some((cut, _)) => {
            let head = &body[..cut];
            match head.rfind(' ') {
                Some(sp) if sp > 0 => &body[..sp],
                _ => head,
            }
        }
    };
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    match (title.is_empty(), lead.is_empty()) {
        (true, _) => lead.to_string(),
        (false, true) => title,
        (false, false) => format!("{title}\n{lead}"),
    }
}

/// Embeds one article's [`story_text`].
pub fn embed_for_story(
    embedder: &Embedder,
    title: &str,
    text: &str,
) -> Result<Vec<f32>, StoryError> {
    let mut v = embedder.embed(&[story_text(title, text)], 1)?;
    v.pop().ok_or(StoryError::EmptyEmbedding)
}

/// Embeds many articles' [`story_text`]s (`(title, text)` pairs), in batches of `batch_size`;
/// results in input order.
pub fn embed_for_stories<T: AsRef<str>, B: AsRef<str>>(
    embedder: &Embedder,
    articles: &[(T, B)],
    batch_size: usize,
) -> Result<Vec<Vec<f32>>, StoryError> {
    let texts: Vec<String> = articles
        .iter()
        .map(|(t, b)| story_text(t.as_ref(), b.as_ref()))
        .collect();
    Ok(embedder.embed(&texts, batch_size.max(1))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_title_and_lead() {
        assert_eq!(
            story_text(" A  title ", "Body\n\ntext."),
            "A title\nBody text."
        );
        assert_eq!(story_text("", "Body"), "Body");
        assert_eq!(story_text("T", ""), "T");
        let long = "word ".repeat(1000);
        let s = story_text("T", &long);
        assert!(s.chars().count() <= EMBED_LEAD_CHARS + 2);
        assert!(s.ends_with("word"));
    }
}
