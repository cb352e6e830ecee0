//! From attributions to quotes and speakers: names cleaned, pronouns and roles resolved to the
//! fullest name, and each quote's confidence.

use super::*;

/// How a quote's speaker was found, for its confidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SpeakerHow {
    /// A name in the article.
    Name,
    /// A description naming a person, group, body or document ("officials", "the report").
    Source,
    /// He/she resolved to a person; `true` when another person of that gender was named in the
    /// same paragraph before it (the pronoun may be theirs).
    Pronoun(bool),
    /// From context: the latest speaker (a quotation with no cue of its own).
    Context,
    /// The author's own first person ("I think", "we know") outside quotation marks.
    FirstPerson,
    /// A mention that names nobody: "they", "it", a stray capitalised word, a show title, a
    /// description of a thing ("the increase"), the content itself.
    Junk,
    /// No speaker at all.
    None,
}

/// The name words of a mention without what is no part of a name: a capitalised common word at a
/// sentence start ("Ever Putin", "Stop"), a show title before its host ("Night With Megyn
/// Kelly").
pub(crate) fn clean_name(d: &Doc, a: usize, b: usize, words: &[String]) -> Vec<String> {
    let mut words = words.to_vec();
    if let Some(k) = words.iter().rposition(|w| w == "With" || w == "with") {
        words.drain(..=k);
    }
    // The mention's first word opens its sentence and the article writes it in lower case
    // elsewhere: a common word, unless the same words also appear as a name mid-sentence.
    let first_tok = (a..b).find(|&i| {
        d.toks[i].is_word && d.toks[i].text == *words.first().map_or("", |w| w.as_str())
    });
    if let Some(i) = first_tok {
        let sentence_start = d.sents[d.sent[i]].0;
        let opens = (sentence_start..i).all(|k| !d.toks[k].is_word);
        let common = d.lower_words.contains(&d.toks[i].lower)
            || tokens::is_not_name(&d.toks[i].lower)
            || STRAY.contains(&d.toks[i].lower.as_str());
        let mid_sentence_name = d.names.mentions.iter().any(|m| {
            m.words == words
                && (d.sents[d.sent[m.tok_start]].0..m.tok_start).any(|k| d.toks[k].is_word)
        });
        if opens && common && !mid_sentence_name {
            words.remove(0);
        }
    }
    words
}

/// The latest person of gender `g` (other than `speaker`) named as the subject of a sentence
/// (its first words, titles and places before the name allowed) after position `since` and
/// before the sentence of the pronoun at token `at`, in that paragraph or the one before, outside
/// quotation marks. Objects and addressees ("told Mr. Dale", "vote for Doug") are not subjects,
/// which is why only sentence openings count.
pub(crate) fn subject_since(
    d: &Doc,
    since: usize,
    at: usize,
    g: Option<speakers::Gender>,
    speaker: &str,
) -> Option<String> {
    let sent = d.sent[at];
    let para = d.para[at];
    d.names
        .mentions
        .iter()
        .rev()
        .filter(|m| m.start > since && m.tok_start < at && m.tok_end <= d.toks.len())
        .filter(|m| d.sent[m.tok_start] < sent && d.para[m.tok_start] + 1 >= para)
        .filter(|m| !d.inq[m.tok_start])
        .filter(|m| {
            // The name opens its sentence and is not a possessive ("Tlaib’s comment").
            let (sa, _) = d.sents[d.sent[m.tok_start]];
            let opens =
                (sa..m.tok_start).all(|k| !d.inq[k] && (!d.toks[k].is_word || d.toks[k].is_cap()));
            let last = &d.toks[m.tok_end - 1].text;
            // A clause goes on after the name ("Governor Christie? “Strong,” he said": the
            // name alone is a question put to the speaker, not a subject).
            let (_, sb) = d.sents[d.sent[m.tok_start]];
            let clause = (m.tok_end..sb.min(d.toks.len()))
                .any(|k| d.toks[k].is_word && !d.toks[k].is_cap() && !d.inq[k]);
            opens && clause && !last.ends_with("'s") && !last.ends_with("’s")
        })
        .map(|m| d.names.fullest_at(&m.words, m.end))
        .find(|n| d.names.fits(n, g))
        .filter(|n| n != speaker)
}

/// The token of "the" right before a mention's name words ("The Hill", "the Shelton Weekly"),
/// when there is one inside the mention.
pub(crate) fn the_before_name(d: &Doc, a: usize, b: usize, words: &[String]) -> Option<usize> {
    let first = words.first()?;
    let i = (a..b).find(|&i| d.toks[i].is_word && strip_s(&d.toks[i].text) == first.as_str())?;
    // The mention may start after "the" ("The Shelton Weekly reported": np_before drops it).
    if i > 0 && d.toks[i - 1].lower == "the" {
        Some(i - 1)
    } else {
        None
    }
}

fn strip_s(w: &str) -> &str {
    w.strip_suffix("'s")
        .or_else(|| w.strip_suffix("’s"))
        .unwrap_or(w)
}

/// Whether a capitalised word is also a name elsewhere (in a longer name: "Critics" is no one,
/// "Baker" in "James Baker" is).
pub(crate) fn lone_name_elsewhere(d: &Doc, word: &str) -> bool {
    d.names.fullest(&[word.to_string()]).contains(' ')
}

/// Heads of a description of a document that speaks for its author.
fn is_document(head: &str) -> bool {
    matches!(
        head,
        "report" | "statement" | "letter" | "memo" | "release" | "filing" | "study" | "analysis"
    )
}

/// The capitalised name right after token `b` behind "from" or "by" ("a report from Kotak
/// Institutional Equities"), "of" and "and" allowed inside it.
fn author_after(d: &Doc, b: usize) -> Option<String> {
    if !d
        .toks
        .get(b)
        .is_some_and(|t| t.lower == "from" || t.lower == "by")
    {
        return None;
    }
    let mut k = b + 1;
    if d.toks.get(k).is_some_and(|t| t.lower == "the") {
        k += 1;
    }
    let start = k;
    let mut end = k;
    while let Some(t) = d.toks.get(k) {
        if d.sent[k] != d.sent[b] || d.inq[k] {
            break;
        }
        if t.is_word && t.is_cap() {
            k += 1;
            end = k;
        } else if t.is_word && matches!(t.lower.as_str(), "of" | "and" | "&") && k > start {
            k += 1;
        } else {
            break;
        }
    }
    (end > start).then(|| {
        d.chars[d.toks[start].start..d.toks[end - 1].end]
            .iter()
            .collect()
    })
}

/// Capitalised words that are never a name on their own (adverbs, quantifiers, answers).
pub(crate) const STRAY: &[&str] = &[
    "no",
    "yes",
    "ever",
    "clearly",
    "even",
    "only",
    "just",
    "perhaps",
    "maybe",
    "indeed",
    "instead",
    "today",
    "tonight",
    "yesterday",
    "last",
    "next",
    "every",
    "each",
    "such",
    "stop",
    "please",
    "obviously",
    "surely",
    "certainly",
    "of",
    "to",
    "with",
    "from",
    "by",
    "about",
];

/// Turn what was found into quotes with resolved speakers and confidences, and the speaker list
/// (of the quotes shown).
/// With each quote's speaker-confidence features ([`calibrate::speaker_features`]).
pub(crate) fn finish_full(
    d: &Doc,
    found: Vec<Found>,
) -> (Vec<Quote>, Vec<Speaker>, Vec<[f32; calibrate::N_FEATURES]>) {
    let mut feats = Vec::with_capacity(found.len());
    let mut names: Vec<Option<String>> = Vec::with_capacity(found.len());
    let mut quotes = Vec::with_capacity(found.len());
    // Latest resolved speaker (name, position) for pronouns and roles.
    let mut latest: Vec<(usize, String)> = Vec::new();
    // `found` is sorted by start; inherited indices point into the pre-sort order, so resolve
    // them by position: the latest speaker before the quote.
    for f in &found {
        let (mut speaker, mut span) = (None, None);
        let mut how = SpeakerHow::None;
        if let Some((a, b)) = f.source {
            let toks = &d.toks[a..b];
            span = Some((d.toks[a].start, d.toks[b - 1].end));
            let pos = d.toks[a].start;
            let (kind, words) = mention_kind(toks);
            let recent = latest
                .iter()
                .rev()
                .find(|(p, _)| *p <= pos && pos - p <= 1500)
                .map(|(_, n)| n.clone());
            let inside_quote = d.inq[a];
            speaker = match kind {
                MentionKind::Name => {
                    let words = clean_name(d, a, b, &words);
                    let show = words
                        .last()
                        .is_some_and(|w| confidence::show_word(&w.to_lowercase()));
                    // A lone capitalised word opening its sentence that the article names nowhere
                    // else ("Work is expected to…"): a common noun, not a name.
                    let lone = words.len() == 1
                        && (d.sents[d.sent[a]].0..a).all(|k| !d.toks[k].is_word)
                        && d.names.count_last(&words[0]) <= 1
                        && d.names.fullest(&words).split(' ').count() == 1;
                    let group = words.len() == 1
                        && confidence::source_head(&words[0].to_lowercase())
                        && !lone_name_elsewhere(d, &words[0]);
                    if group {
                        // "Critics said", "Officials say": a group, not a name.
                        how = SpeakerHow::Source;
                        Some(words[0].clone())
                    } else if words.is_empty() || show || lone {
                        how = SpeakerHow::Junk;
                        None
                    } else if let Some(the) = the_before_name(d, a, b, &words) {
                        // "The Shelton Weekly reported", "according to The Hill": a title with
                        // its article is a paper, show or body, never a person a later "he" or
                        // "she" can refer to.
                        how = SpeakerHow::Source;
                        Some(
                            d.chars[d.toks[the].start..d.toks[b - 1].end]
                                .iter()
                                .collect(),
                        )
                    } else {
                        how = SpeakerHow::Name;
                        // "Mrs. Clinton": the title's gender.
                        let g = toks.iter().find(|t| t.is_word).and_then(|t| {
                            match t.lower.trim_end_matches('.') {
                                "mr" => Some(speakers::Gender::Male),
                                "mrs" | "ms" | "miss" => Some(speakers::Gender::Female),
                                _ => None,
                            }
                        });
                        Some(d.names.fullest_at_gender(&words, pos, g))
                    }
                }
                MentionKind::Pronoun => match words[0].as_str() {
                    "i" | "we" if !inside_quote => {
                        how = SpeakerHow::FirstPerson;
                        None
                    }
                    "his" | "her"
                        if a > 0 && matches!(d.toks[a - 1].lower.as_str(), "for" | "of") =>
                    {
                        // "a spokesman for her said": she is whom the speaker speaks for.
                        how = SpeakerHow::Junk;
                        None
                    }
                    "he" | "she" | "his" | "her" | "i" => {
                        // The latest speaker, else the latest person named, that the pronoun can
                        // refer to (a person, of the pronoun's gender where the article shows it).
                        let g = speakers::pronoun_gender(&words[0]);
                        // (Tried: the person named since the latest speaker in the same
                        // paragraph. On real articles that is often an addressee or a name
                        // inside the quote, "told Mr. Dale", "vote for Doug", so no.)
                        let speaker = latest
                            .iter()
                            .rev()
                            .filter(|(p, _)| *p <= pos && pos - p <= 1500)
                            .find(|(_, n)| d.names.fits(n, g))
                            .cloned();
                        // A person of that gender made the subject of a sentence since that
                        // speaker spoke ("Tlaib … dropped the expletive. … she said") is who
                        // the pronoun now refers to.
                        let subject = speaker
                            .as_ref()
                            .and_then(|(p, n)| subject_since(d, *p, a, g, n));
                        let found = subject
                            .or(speaker.map(|(_, n)| n))
                            .or_else(|| d.names.last_person_before(pos, 3000, g))
                            .or(recent);
                        let para_start = d.paras.get(d.para[a]).map_or(0, |p| p.0);
                        // Another person of that gender named in the paragraph before the pronoun.
                        let mut others: Vec<String> = d
                            .names
                            .mentions
                            .iter()
                            .filter(|m| m.start >= para_start && m.end <= pos)
                            .filter(|m| !d.inq[m.tok_start])
                            .map(|m| d.names.fullest(&m.words))
                            .filter(|n| d.names.fits(n, g))
                            .collect();
                        others.sort();
                        others.dedup();
                        let ambiguous = others.iter().any(|n| Some(n) != found.as_ref());
                        how = if found.is_some() {
                            SpeakerHow::Pronoun(ambiguous)
                        } else {
                            SpeakerHow::Junk
                        };
                        found
                    }
                    "who" if a > 0 && d.toks[a - 1].is_word && !d.toks[a - 1].is_cap() => {
                        // "three other women who said": the description before "who".
                        let described = QuoteAnalyzer::np_before_static(d, a, 0);
                        match described {
                            Some((x, y)) => {
                                let head = d.toks[y - 1].lower.clone();
                                how = if confidence::source_head(&head) {
                                    SpeakerHow::Source
                                } else {
                                    SpeakerHow::Junk
                                };
                                Some(d.chars[d.toks[x].start..d.toks[y - 1].end].iter().collect())
                            }
                            None => {
                                how = SpeakerHow::Junk;
                                None
                            }
                        }
                    }
                    "who" => {
                        // "Brian Vicente, who said": the name right before "who" (its comma
                        // allowed). "liberals and labor unions, who have said", "Republicans
                        // who accused": a group is no one named earlier; nobody then.
                        let end = if a > 0 && d.toks[a - 1].text == "," {
                            a - 1
                        } else {
                            a
                        };
                        let ending = |e: usize| d.names.mentions.iter().find(|m| m.tok_end == e);
                        // "Sen. Amy Klobuchar of Minnesota, who tweeted": the person before
                        // "of" and a place.
                        let named = ending(end)
                            .map(|m| {
                                if m.tok_start > 0 && d.toks[m.tok_start - 1].lower == "of" {
                                    ending(m.tok_start - 1).unwrap_or(m)
                                } else {
                                    m
                                }
                            })
                            .map(|m| d.names.fullest_at(&m.words, m.end))
                            .filter(|n| d.names.is_person(n));
                        let word_before = end > 0 && d.toks[end - 1].is_word;
                        match named {
                            Some(n) => {
                                how = SpeakerHow::Pronoun(false);
                                Some(n)
                            }
                            None if word_before => {
                                how = SpeakerHow::Junk;
                                None
                            }
                            None => {
                                how = SpeakerHow::Pronoun(false);
                                d.names.last_before(pos, 200).or(recent)
                            }
                        }
                    }
                    _ => {
                        // "they", "it", "you": names nobody.
                        how = SpeakerHow::Junk;
                        Some(
                            d.chars[span.map_or(0, |s| s.0)..span.map_or(0, |s| s.1)]
                                .iter()
                                .collect(),
                        )
                    }
                },
                MentionKind::Description => {
                    let head = words.last().cloned().unwrap_or_default();
                    let text: String = d.chars[d.toks[a].start..d.toks[b - 1].end].iter().collect();
                    let generic = (a.saturating_sub(3).max(d.sents[d.sent[a]].0)..b).any(|k| {
                        matches!(
                            d.toks[k].lower.as_str(),
                            "every" | "any" | "no" | "each" | "anyone" | "everyone" | "nobody"
                        )
                    });
                    how = if confidence::source_head(&head) && !generic {
                        SpeakerHow::Source
                    } else {
                        SpeakerHow::Junk
                    };
                    // "the chief justice": the word before the role must come with it.
                    let modifier = words
                        .len()
                        .checked_sub(2)
                        .map(|k| words[k].as_str())
                        .filter(|w| speakers::is_role_modifier(w));
                    // "a report from Kotak Institutional Equities said", "a statement by the
                    // Mayor's Office": the document's author is the source.
                    let author = (is_document(&head) && !generic)
                        .then(|| author_after(d, b))
                        .flatten();
                    match (words.len() >= 2 && is_role(&head))
                        .then(|| d.names.with_role_of(&head, modifier, pos))
                        .flatten()
                    {
                        _ if author.is_some() => {
                            how = SpeakerHow::Source;
                            author
                        }
                        // "the attorney" resolved to "Aitan Goelman": a named person now, whom
                        // a later "he added" can refer to.
                        Some(name) if how == SpeakerHow::Source => {
                            how = SpeakerHow::Name;
                            Some(name)
                        }
                        Some(name) => Some(name),
                        None => Some(text),
                    }
                }
            };
            // The speaker inside the content it is said to say is the content, not its source.
            if span.is_some_and(|(s, e)| s < f.end && f.start < e) {
                how = SpeakerHow::Junk;
            }
        } else if f.inherited.is_some() || f.cue.is_none() {
            speaker = latest
                .iter()
                .rev()
                .find(|(p, _)| *p <= f.start && f.start - p <= 2500)
                .map(|(_, n)| n.clone());
            if speaker.is_some() {
                how = SpeakerHow::Context;
            }
        }
        if let Some(s) = &speaker {
            let pos = span.map_or(f.start, |s| s.0);
            let is_person = matches!(
                how,
                SpeakerHow::Name | SpeakerHow::Pronoun(_) | SpeakerHow::Context
            );
            if is_person {
                latest.push((pos, s.clone()));
                latest.sort_by_key(|(p, _)| *p);
            }
        }
        let (rule, class) = judge(d, f, how);
        let x = calibrate::speaker_features(d, f, how, class, rule, speaker.as_deref());
        let (confidence, shown) = calibrate::decide(rule, &x);
        feats.push(x);
        let (cue, cue_start, cue_end) = match f.cue {
            Some((a, b)) => {
                let (s, e) = (d.toks[a].start, d.toks[b - 1].end);
                (
                    Some(d.chars[s..e].iter().collect::<String>()),
                    Some(s),
                    Some(e),
                )
            }
            None => (None, None, None),
        };
        names.push(speaker.clone());
        quotes.push(Quote {
            start: f.start,
            end: f.end,
            kind: f.kind,
            cue,
            cue_start,
            cue_end,
            speaker,
            speaker_start: span.map(|s| s.0),
            speaker_end: span.map(|s| s.1),
            score: f.score.clamp(0.0, 1.0),
            confidence,
            shown,
        });
    }
    let mut speakers: Vec<Speaker> = Vec::new();
    let shown_names = names
        .into_iter()
        .zip(&quotes)
        .filter(|(_, q)| q.shown)
        .filter_map(|(n, _)| n);
    for n in shown_names {
        match speakers.iter_mut().find(|s| s.name == n) {
            Some(s) => s.quotes += 1,
            None => speakers.push(Speaker {
                mentions: count_mentions(d, &n),
                name: n,
                quotes: 1,
            }),
        }
    }
    speakers.sort_by(|a, b| b.quotes.cmp(&a.quotes).then(b.mentions.cmp(&a.mentions)));
    (quotes, speakers, feats)
}

/// How far a reader can trust an attribution (0–1), from the models' score, the kind of cue,
/// how the speaker was found, and where the quote stands (see [`confidence`]); with the cue's
/// class (a passive cue counted as weak).
pub(crate) fn judge(d: &Doc, f: &Found, how: SpeakerHow) -> (f32, confidence::CueClass) {
    let (qa, qb) = d.tok_range(f.start, f.end);
    if qa < d.toks.len() && d.title_para.get(d.para[qa]).copied().unwrap_or(false) {
        return (0.0, confidence::CueClass::Other); // the headline is the article's own
    }
    let cue_words: Vec<&str> = f.cue.map_or(Vec::new(), |(a, b)| {
        d.toks[a..b].iter().map(|t| t.lower.as_str()).collect()
    });
    let mut class = confidence::cue_class(&cue_words);
    // "is expected to", "was reported": a passive cue names no one who says it.
    // ("was said to", "were told": irregular participles too; the subject is then the one
    // spoken of or to, not the speaker.)
    let passive = cue_words
        .iter()
        .any(|w| matches!(*w, "is" | "are" | "was" | "were" | "be" | "been" | "being"))
        && cue_words.iter().skip(1).any(|w| {
            w.ends_with("ed")
                || w.ends_with("en")
                || matches!(*w, "said" | "told" | "thought" | "known" | "understood")
        });
    if passive && class != confidence::CueClass::Other {
        class = confidence::CueClass::Weak;
    }
    let speaker = match how {
        SpeakerHow::Name => 1.0,
        SpeakerHow::Source => 0.95,
        SpeakerHow::Pronoun(false) => 0.9,
        SpeakerHow::Pronoun(true) => 0.75,
        SpeakerHow::Context => 0.85,
        SpeakerHow::FirstPerson => 0.1,
        SpeakerHow::Junk => 0.2,
        SpeakerHow::None => 0.0,
    };
    use confidence::CueClass;
    let score = match f.kind {
        QuoteKind::Direct => {
            // One or two quoted words ("“exacerbates”", "“your day,”") are mostly the
            // writer's borrowed phrase inside their own sentence, not a quote to list.
            let words = d.toks[qa..qb.max(qa)].iter().filter(|t| t.is_word).count();
            let fragment = if words <= 2 { 0.75 } else { 1.0 };
            let cue = match (f.cue, class) {
                (None, _) => 0.85,
                (Some(_), CueClass::Speech | CueClass::Belief) => 1.0,
                (Some((a, b)), _) if b == a + 1 && !d.toks[a].is_word => 0.95,
                (Some(_), CueClass::Weak) => 0.9,
                (Some(_), CueClass::Other) => 0.8,
            };
            0.95 * cue * speaker * fragment
        }
        QuoteKind::Indirect | QuoteKind::Mixed => {
            let cue = match class {
                CueClass::Speech => 1.0,
                CueClass::Belief => 0.9,
                CueClass::Weak => 0.6,
                CueClass::Other => 0.3,
            };
            let words = d.toks[qa..qb.max(qa)].iter().filter(|t| t.is_word).count();
            let content = if words < 3 { 0.7 } else { 1.0 };
            (0.4 + 0.6 * f.score) * cue * speaker * content
        }
    };
    (score, class)
}

/// How often the article names a speaker: mentions of the full name or its last word.
pub(crate) fn count_mentions(d: &Doc, name: &str) -> usize {
    let last = name.split(' ').next_back().unwrap_or(name).to_lowercase();
    let n = d
        .names
        .mentions
        .iter()
        .filter(|m| m.words.last().is_some_and(|w| w.to_lowercase() == last))
        .count();
    n.max(1)
}
