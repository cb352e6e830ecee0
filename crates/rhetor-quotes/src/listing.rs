//! The text listing of who said what (`rhetor analyze` and the `who_said_what` example).

use super::*;

/// "Who said what" as text, one line per speaker then their quotes (for `--format text`).
pub fn format_who_said_what(article: &Article) -> String {
    let idx = rhetor_doc::CharIndex::new(&article.text);
    let mut out = String::new();
    for s in &article.speakers {
        out.push_str(&format!(
            "{} ({} quote{}, {} mention{})\n",
            s.name,
            s.quotes,
            if s.quotes == 1 { "" } else { "s" },
            s.mentions,
            if s.mentions == 1 { "" } else { "s" }
        ));
        for q in article
            .quotes
            .iter()
            .filter(|q| q.shown && q.speaker.as_deref() == Some(&s.name))
        {
            let text = idx.slice(&article.text, q.start, q.end).unwrap_or("");
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let short: String = if text.chars().count() > 160 {
                format!("{}…", text.chars().take(159).collect::<String>())
            } else {
                text
            };
            let kind = match q.kind {
                QuoteKind::Direct => "direct",
                QuoteKind::Indirect => "indirect",
                QuoteKind::Mixed => "mixed",
            };
            out.push_str(&format!(
                "  [{kind}{}] {short}\n",
                q.cue
                    .as_deref()
                    .map(|c| format!(", {c}"))
                    .unwrap_or_default()
            ));
        }
    }
    let unattributed = article
        .quotes
        .iter()
        .filter(|q| q.shown && q.speaker.is_none())
        .count();
    if unattributed > 0 {
        out.push_str(&format!("(no speaker: {unattributed} quote(s))\n"));
    }
    let hidden = article.quotes.iter().filter(|q| !q.shown).count();
    if hidden > 0 {
        out.push_str(&format!(
            "({hidden} low-confidence attribution(s) not shown; in the JSON output with \"shown\": false)\n"
        ));
    }
    out
}
