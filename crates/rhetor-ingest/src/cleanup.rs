//! Debris cleanup: marks the paragraphs of a scraped article that are not part of its body
//! (bylines, datelines, captions, share prompts, related links, footers…) as
//! [`ParagraphKind::Debris`] with a `reason`, and takes the author and date out of them.
//!
//! # Conservative by design
//! A body paragraph lost is worse than a caption kept. So every rule matches a *whole* short line
//! ("Share this article", "Photo: Reuters", "6 min read"), never a word inside a sentence: "By the end
//! of the year…" stays, and so does a paragraph that talks about a photo or quotes "share". Rules that
//! need context (a list of headlines under "Related", a name next to a read-time line, an author bio)
//! only fire next to debris already found. `text` is never rewritten; the title paragraph is never
//! touched.
//!
//! Reasons used: `byline`, `read_time`, `dateline`, `caption`, `credit`, `share`, `player`,
//! `newsletter`, `comments`, `tags`, `related`, `promo`, `bio`, `footer`, `navigation`, `ad`,
//! `separator`.

use once_cell::sync::Lazy;
use regex::Regex;
use rhetor_doc::{Article, CharIndex, ParagraphKind};

/// What one paragraph is, when it is debris.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debris {
    /// Why it is debris (see the module docs for the list).
    pub reason: &'static str,
    /// Author named by a byline.
    pub author: Option<String>,
    /// Date (ISO 8601) given by a date line.
    pub published: Option<String>,
    /// Whether that date is an update rather than the first publication.
    pub updated: bool,
}

impl Debris {
    fn new(reason: &'static str) -> Self {
        Debris {
            reason,
            author: None,
            published: None,
            updated: false,
        }
    }
}

/// Mark debris paragraphs of `article` and fill `metadata.author` / `metadata.published` when they
/// are `None` and the debris carries them.
pub fn clean(article: &mut Article) {
    let index = CharIndex::new(&article.text);
    let texts: Vec<String> = article
        .paragraphs
        .iter()
        .map(|p| normalise(index.slice(&article.text, p.start, p.end).unwrap_or("")))
        .collect();
    let is_title: Vec<bool> = article
        .paragraphs
        .iter()
        .map(|p| p.kind == ParagraphKind::Title)
        .collect();

    let mut found: Vec<Option<Debris>> = texts
        .iter()
        .zip(&is_title)
        .map(|(t, &title)| if title { None } else { classify(t) })
        .collect();
    context_pass(&texts, &is_title, &mut found);

    // "4:14 p.m." or "Tuesday 28 June" down in an article heads an entry of a live blog or a
    // diary: part of the story. Only near the top, or with a lead word ("Published 3 days ago"),
    // or with a full date and year, is a date line page furniture.
    for (k, slot) in found.iter_mut().enumerate() {
        let is_dateline = slot.as_ref().is_some_and(|d| d.reason == "dateline");
        let heading = texts.get(k).is_some_and(|t| {
            LIVE_STAMP.is_match(t)
                || rhetor_text::parse_date_line(t).is_some_and(|d| !d.prefixed && d.iso.is_none())
        });
        if k > 5 && is_dateline && heading {
            *slot = None;
        }
    }

    // Metadata: first byline author; a first-publication date beats an update. A bare date deep
    // in the article (a letter's date, a timeline) is no publication date: dates count near the
    // top, or anywhere when a lead word says so ("Published 12 Jan 2023").
    let mut author = None;
    let mut published: Option<(String, bool)> = None;
    for (k, d) in found.iter().enumerate() {
        let Some(d) = d else { continue };
        if author.is_none() {
            author.clone_from(&d.author);
        }
        let announced = texts
            .get(k)
            .and_then(|t| rhetor_text::parse_date_line(t))
            .is_some_and(|dl| dl.prefixed);
        if k > 8 && !announced {
            continue;
        }
        if let Some(p) = &d.published {
            match &published {
                None => published = Some((p.clone(), d.updated)),
                Some((_, true)) if !d.updated => published = Some((p.clone(), false)),
                _ => {}
            }
        }
    }
    if article.metadata.author.is_none() {
        article.metadata.author = author;
    }
    if article.metadata.published.is_none() {
        article.metadata.published = published.map(|(p, _)| p);
    }

    // An author bio at the end names the author we now know.
    if let Some(name) = article.metadata.author.clone() {
        mark_bios(&texts, &is_title, &name, &mut found);
    }

    for (p, d) in article.paragraphs.iter_mut().zip(found) {
        if p.kind == ParagraphKind::Title {
            continue;
        }
        if let Some(d) = d {
            p.kind = ParagraphKind::Debris;
            p.reason = Some(d.reason.to_string());
        }
    }
}

/// The paragraph as a reader sees it: zero-width characters gone, every space one plain space,
/// trimmed.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars().filter_map(rhetor_text::normalise_char) {
        if c == ' ' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

/// Lines at most this long can be a prompt, a credit or a byline; a real paragraph is longer or
/// reads as a sentence.
const SHORT: usize = 120;

static READ_TIME: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:(?:estimated\s+)?reading\s+time\s*:?\s*)?(?:about\s+|~)?\d{1,3}\s*(?:-\s*\d{1,3}\s*)?(?:min(?:ute)?s?|m)\.?(?:\s+(?:read|listen|reading|read time))?$|^(?:estimated\s+)?reading\s+time\s*:?\s*(?:about\s+)?\d{1,3}\s*(?:min(?:ute)?s?)\.?$|^read\s+time\s*:?\s*\d{1,3}\s*min(?:ute)?s?$|^\d{1,3}\s*min(?:ute)?s?\s+read$|^(?:tempo\s+de\s+leitura|tiempo\s+de\s+lectura|temps\s+de\s+lecture|lesezeit|lesedauer|tempo\s+di\s+lettura|czas\s+czytania|время\s+чтения|leestijd)\s*:?\s*(?:ca\.\s*)?\d{1,3}\s*(?:min(?:uto|utos|utes?|uten|uti|ut|\.)?|минут[аы]?)\.?$",
    )
});

static DURATION: Lazy<Regex> =
    Lazy::new(|| re(r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s*/\s*\d{1,2}:\d{2}(?::\d{2})?)?$"));

static LIVE_STAMP: Lazy<Regex> =
    Lazy::new(|| re(r"(?i)^\d{1,2}[:.]\d{2}\s*[ap]\.?\s?m\.?\s*(?:[a-z]{2,4})?\s*:?$"));

static COUNTER: Lazy<Regex> = Lazy::new(|| re(r"(?i)^\d{1,3}(?:[.,]\d{1,3})?\s*[km]?$"));

static FOLLOWERS: Lazy<Regex> =
    Lazy::new(|| re(r"(?i)^\d[\d.,]*\s*[km]?\s+(?:followers|following)$"));

static SEPARATOR_LIKE: Lazy<Regex> = Lazy::new(|| re(r"^[^\p{L}\p{N}]*$"));

static SHARE: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:share(?:\s+(?:this|the))?(?:\s+(?:article|story|post|page|video))?(?:\s+on\s+\w+)?|share\s+via(?:\s+\w+)?|share\s+this\s+with|tweet(?:\s+this)?|e-?mail(?:\s+this)?(?:\s+(?:article|story))?|print(?:\s+this)?(?:\s+(?:article|page|story))?|copy(?:\s+the)?\s+link|link\s+copied!?|copied!?|get\s+short\s+url|short\s+url|save(?:\s+(?:article|story|for later))?|saved|bookmark|follow(?:\s+us)?(?:\s+on\s+\w+)?|follow\s+\S+\s+on\s+(?:telegram|twitter|x|facebook|instagram|google news)|(?:follow|subscribe(?:\s+to)?|like)\s+(?:us|\S+(?:\s+\S+)?)\s+on\s+(?:youtube|twitter|x|facebook|instagram|telegram|tiktok|gab|rumble|google\s+news)(?:(?:\s*,\s*|\s+and\s+)(?:youtube|twitter|x|facebook|instagram|telegram|tiktok))*(?:\s*:.{0,60})?|(?:follow|subscribe|like)\s+(?:us\s+)?on\s+(?:youtube|twitter|x|facebook|instagram|telegram|tiktok|gab|rumble|google\s+news)(?:\s*:.{0,60})?|like\s+this\s+(?:story|article|post)\?\s*share\s+it.{0,40}|share\s+this\s+(?:story|article|post)\s+(?:if|with|on|now|and)\b.{0,40}|click\s+to\s+(?:share|print|email)(?:\s+on\s+\S+)?|send\s+any\s+friend\s+a\s+story|gift\s+this\s+article|share\s+(?:it\s+)?with\s+(?:a\s+|your\s+)?friends?|(?:facebook|twitter|x|whatsapp|linkedin|reddit|pinterest|telegram|messenger|flipboard|vk|email|sms|mail|copy)|you\s+can\s+share\s+this\s+story\s+on\s+social\s+media:?|gift\s+(?:this\s+)?article|add\s+to\s+(?:favorites|reading list)|clap|claps|\d+\s+(?:shares?|claps?|likes?)|(?:show|hide)\s+(?:caption|more|less)|expand|close|open\s+in\s+app|read\s+in\s+app|member-only\s+story|sign\s+in|log\s+in|sign\s+up|register|subscribe(?:\s+now)?|like\s+this|like\s+loading\.\.\.|share\s+this\s+story|spread\s+the\s+word)[.:!]?$",
    )
});

static SHARE_WORD: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:share|tweet|email|e-mail|print|save|copy|link|facebook|twitter|x|whatsapp|linkedin|reddit|pinterest|telegram|messenger|flipboard|vk|sms|mail|comments?|follow|listen|pocket|bluesky|threads|mastodon)$",
    )
});

/// "Watch: Biden's speech in full": a player's title; not when it ends like a sentence.
static PLAYER_TITLE: Lazy<Regex> =
    Lazy::new(|| re(r"(?i)^(?:watch|video|listen|audio|podcast)\s*:\s*\S.{0,100}[^.]$"));

static PLAYER: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:listen(?:\s+live)?|listen\s+(?:to\s+)?(?:this\s+)?(?:article|story)(?:\s*[·•|-]?\s*\d+\s*min(?:ute)?s?)?|listen\s+now|listen\s+to\s+this\s+article\s*[·•|-]\s*.{0,30}|play|pause|replay|mute|unmute|play\s+(?:video|audio|now)|watch(?:\s+(?:live|now|video|the video|more))?|watch\s+live\s+tv|live\s+tv|now\s+playing|up\s+next|video\s+ad\s+feedback|ad\s+feedback|see\s+more\s+videos|more\s+videos|loading(?:\s+video)?(?:\.\.\.|…)?|audio|video|media\s+caption|this\s+slideshow\s+requires\s+javascript\.?|this\s+video\s+can\s+not\s+be\s+played|to\s+play\s+this\s+video\s+you\s+need\s+to\s+enable\s+javascript\s+in\s+your\s+browser\.?|your\s+browser\s+does\s+not\s+support\s+(?:the\s+)?(?:video|audio)(?:\s+(?:tag|element))?\.?|\d{1,2}:\d{2}(?:\s*/\s*\d{1,2}:\d{2})?)$",
    )
});

static NEWSLETTER: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:newsletter|sign\s+up\s+here\.?|(?:sign\s+up|subscribe|register)(?:\s+(?:now|today|here))?\s*(?:for|to)\s+(?:our|the|my|this|\S+(?:'s|’s))?\s*.{0,100}(?:newsletter|brief|briefing|alerts|digest|inbox|e-?mail\s+(?:updates|alerts|newsletter))s?.{0,100}|subscribe\s+to\s+\S+(?:\s+\S+)?\s+(?:and|to|for)\s+.{0,80}|sign\s+up\s+here\s+to\s+get\s+.{0,100}(?:inbox|email)\.?|get\s+(?:the\s+)?(?:latest|best|top|our|daily|weekly|breaking).{0,60}(?:in|to)\s+your\s+inbox.{0,40}|enter\s+your\s+e-?mail(?:\s+address)?\s*[:.]?|your\s+e-?mail\s+address\s*[:.]?|.{0,60}newsletter\s*(?:sign[\s-]?up|subscription)?\s*[:!]?|thank\s+you\s+for\s+(?:signing\s+up|subscribing).{0,60}|thanks\s+for\s+reading\b.{0,150}|type\s+your\s+e-?mail.{0,10}|ready\s+for\s+more\??|by\s+(?:signing\s+up|subscribing),?\s+you\s+agree.{0,200})$",
    )
});

static COMMENTS: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:comments?(?:\s*\(\d+\))?|\d+\s+comments?|(?:view|show|hide|read|see|load|open)\s+(?:all\s+)?(?:\d+\s+)?comments?|leave\s+a\s+(?:comment|reply)(?:\s+cancel\s+reply)?|add\s+(?:a\s+)?comment|post\s+a\s+comment|write\s+a\s+comment|join\s+the\s+(?:conversation|discussion|debate)|be\s+the\s+first\s+to\s+comment|comments\s+are\s+(?:closed|now closed|disabled)|no\s+(?:responses|comments)\s+yet|responses?\s*\(\d+\)|\d+\s+responses?|what\s+are\s+your\s+thoughts\??|discussion\s+about\s+this\s+post|tell\s+us\s+what\s+you\s+think(?:\.\.\.|…|[.!])?|\d+\s+post\s+comment(?:\s*\(\+\))?|post\s+comment|respond|reply|report|community\s+(?:standards|guidelines)|discussion|conversation|\d+\s+replies|you\s+must\s+be\s+logged\s+in\s+to\s+(?:post|leave)\s+a\s+comment\.?)$",
    )
});

static TAGS: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:tags?|topics?|related\s+topics|related\s+tags|filed\s+under|categor(?:y|ies)|keywords|posted\s+in|more\s+on|subjects?|themen|schlagworte|mots-clés|argomenti|tagi|теги|темы)\s*[:\-–]?\s*(.{0,300})$",
    )
});

static RELATED_HEADER: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:related(?:\s+(?:articles?|stories|story|content|coverage|posts?|news|reading|links?|videos?))?|more\s+(?:on\s+this\s+(?:story|topic)|stories|news|coverage|articles|to\s+explore|like\s+this)|more\s+(?:great\s+)?\S+(?:\s+\S+)?\s+stories|more\s+from\s+.{1,60}|recommended(?:\s+(?:for\s+you|stories|articles|reading|from\s+.{1,40}))?|you\s+(?:may|might)\s+also\s+(?:like|be\s+interested\s+in|enjoy)|(?:most|top)\s+(?:read|popular|viewed|shared|stories)|trending(?:\s+(?:now|stories|news))?|top\s+stories|latest(?:\s+(?:news|stories|articles))?|editor'?s?\s+picks?|don't\s+miss|further\s+reading|see\s+(?:also|all\s+from\s+.{1,60})|also\s+read|read\s+(?:more|also|next|this\s+next)|what\s+to\s+read\s+next|in\s+other\s+news|around\s+the\s+web|from\s+around\s+the\s+web|sponsored\s+(?:content|stories|links)|promoted\s+stories|keep\s+reading|you\s+may\s+also\s+be\s+interested\s+in|explore\s+more\s+on\s+these\s+topics|related\s+internet\s+links|see\s+all\s+responses)\s*(?:\.\.\.|…)?\s*:?$",
    )
});

/// Headers that announce a single link on the next line ("Read more", RT's usual).
static ONE_LINK_HEADER: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:read\s+(?:more|also|next)|also\s+read|see\s+also|related|related\s+(?:article|story|post))\s*:?$",
    )
});

static RELATED_INLINE: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^[\[(]?(?:related(?:\s+(?:post|article|story|content|reading|video))?s?|see\s+more|read\s+more|read\s+also|also\s+read|read\s+next|see\s+also|more|more\s+on\s+this|watch|recommended|don't\s+miss|must\s+read|click\s+here|trending|also\s+on\s+\S+|lire\s+aussi|à\s+lire\s+aussi|lesen\s+sie\s+auch|mehr\s+zum\s+thema|leggi\s+anche|czytaj\s+(?:też|także|więcej)|zobacz\s+też|читайте\s+также|читать\s+также|по\s+теме)\s*[:>»|]\s*\S.{0,200}[\])]?$|(?i)^(?:mehr\s+zum\s+thema|read\s+more|lesen\s+sie\s+auch|читайте\s+также)\s*[—–-]\s*\S.{0,200}$",
    )
});

static AD: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:advertisement\s*[-–—:]\s*(?:scroll|continue)\s+.{0,40}|supported\s+by|advertisement|advertising|advert|sponsored(?:\s+content)?|ad|ads|skip\s+advertisement|story\s+continues\s+(?:below|after)(?:\s+(?:this\s+)?(?:advertisement|ad))?|article\s+continues\s+(?:below|after)(?:\s+(?:this\s+)?(?:advertisement|ad))?|continue\s+reading\s+(?:the\s+main\s+story|below)|scroll\s+to\s+continue(?:\s+with\s+content)?|content\s+continues\s+below|paid\s+(?:post|content|partner\s+content)|partner\s+content|anzeige|werbung|publicité|pubblicità|reklama|реклама)$",
    )
});

static NAVIGATION: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:skip\s+to\s+(?:main\s+)?(?:content|navigation|search)|back\s+to\s+top|go\s+to\s+top|jump\s+to|menu|main\s+menu|search|home|close\s+menu|open\s+menu|toggle\s+navigation|next\s+(?:article|story|post)|previous\s+(?:article|story|post)|prev|next|continue\s+reading|read\s+full\s+(?:article|story)|click\s+to\s+expand(?:\.\.\.)?|view\s+(?:full|original)\s+(?:article|story|image|gallery)|view\s+gallery|back\s+to\s+(?:gallery|article|story|home(?:page)?)|photo\s+gallery|(?:live\s+tv|videos|photos|video|photo|gallery)(?:\s+(?:live\s+tv|videos|photos|video|photo|gallery))+|(?:open|view)\s+image(?:\s+in\s+gallery)?|enlarge\s+(?:this\s+)?image|zoom|\d+\s*(?:of|/)\s*\d+|image\s+\d+\s+of\s+\d+|[0-9]+\s+photos?)$",
    )
});

static FOOTER: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:(?:©|ⓒ|\(c\)|℗)\s*.{0,150}|copyright\s*(?:©|ⓒ|\(c\))?\s*(?:\d{4}|by\b|of\b|©|ⓒ).{0,150}|copyright\s+(?-i:\p{Lu}\S*(?:\s+\p{Lu}\S*){0,3})\s+(?:19|20)\d{2}\b(?-i:[^\p{Ll}]){0,60}|.{0,150}\ball\s+rights\s+reserved\.?|about\s+(?:the\s+)?(?:author|writer|us)|terms\s+(?:of\s+(?:use|service)|and\s+conditions)|privacy\s+(?:policy|notice)|cookie\s+(?:policy|settings|preferences)|contact\s+us|about\s+us|help\s+status\s+about.{0,120}|our\s+standards\s*:.{0,120}|acquire\s+licensing\s+rights|(?:this\s+(?:article|story|post|piece)\s+(?:was|is)\s+)?(?:originally|first)\s+(?:published|appeared)\s+(?:on|in|at|by)\s+.{1,120}|this\s+(?:article|story)\s+(?:was\s+)?(?:republished|reproduced)\s+.{0,120}|(?:\d[\d.,]*\s*[km]?\s+)?followers|\d[\d.,]*\s*[km]?\s+following|(?:editor|writer|author|founder|contributor|columnist|journalist)\s+(?:at|of|for)\s+.{1,80}|see\s+all\s+from\s+.{1,80}|recommended\s+from\s+medium|more\s+from\s+medium|write\s+for\s+us|support\s+(?:our|independent)\s+journalism.{0,100}|(?:report|flag)\s+(?:an?\s+)?(?:error|typo|correction|story)|send\s+(?:us\s+)?(?:a\s+)?(?:news\s+)?tips?.{0,60}|(?:got|have)\s+a\s+(?:news\s+)?tip\?.{0,100}|print\s+edition.{0,80}|correction\s+policy|ethics\s+policy|reuse\s+this\s+content|the\s+bbc\s+is\s+not\s+responsible\s+for\s+the\s+content\s+of\s+external\s+sites\.?|published\s+in\s+(?-i:\p{Lu})[^.,]{1,60}|(?:e-?mail|contact)\s*:\s*\S+@\S+|\S+@\S+\.\w+|@\w{2,30}|(?:the\s+)?views?\s+expressed\s+(?:in\s+this\s+(?:article|piece|column|op-ed)\s+)?(?:are|is)\s+(?:those|that)\s+of\s+the\s+author.{0,120})$",
    )
});

/// "Photo: Reuters", "Image source, Getty Images", "(Getty Images)", "AFP via Getty Images",
/// "REUTERS/Kevin Lamarque", "Picture: PA".
/// Boilerplate whose opening words are unmistakable, however long the rest: checked on lines of
/// any length up to 500 characters, prose or not.
static BOILERPLATE: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:this\s+site\s+is\s+protected\s+by\s+recaptcha|do\s+you\s+have\s+an\s+opinion\s+on\s+the\s+issues\s+raised\s+in\s+this\s+article\?|we\s+use\s+cookies\b|this\s+(?:site|website)\s+uses\s+cookies\b|by\s+(?:signing\s+up|subscribing|clicking|continuing)\b.{0,60}\b(?:agree|accept)\b|this\s+(?:material|article|content)\s+may\s+not\s+be\s+(?:published|reproduced|republished),?\s+broadcast|comments\s+this\s+field\s+is\s+for\s+validation)",
    )
});

static CREDIT: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^\(?\s*(?:(?:photo|photograph|image|picture|pic|foto|video|illustration|graphic|credit|photo\s+credit|image\s+credit|image\s+source|source\s+image|cover\s+image|header\s+image|featured\s+image|top\s+image|lead\s+image|main\s+image|photo\s+illustration)s?\s*(?::|,|by|-|—|–|\.\.\.|…)\s*\S.{0,100}|source\s*:\s*[^.]{1,50}|(?:getty(?:\s+images)?|afp|ap|reuters|epa|epa-efe|shutterstock|istock(?:photo)?|alamy|pa(?:\s+media|\s+wire)?|dpa|anadolu(?:\s+agency)?|xinhua|tass|ria\s+novosti|sputnik|bloomberg|nurphoto|sopa\s+images|zuma(?:\s+press)?|imago|unsplash|pexels|pixabay|wikimedia\s+commons|wikipedia|ansa|lapresse|pap|east\s+news|afp\s+via\s+getty\s+images|ap\s+photo|reuters\s+pictures|file\s+photo|courtesy(?:\s+of)?\s+.{1,60})(?:\s*(?:/|via|\||,)\s*[^.]{1,80})?)\s*\)?\.?$",
    )
});

/// A caption: a short description that ends with a credit ("Protesters in Paris. Photograph:
/// Jane Doe/AFP", "… (Photo: Reuters)", "… REUTERS/Jane Doe"), or a BBC-style "Image caption, …".
static CAPTION: Lazy<[Regex; 5]> = Lazy::new(|| {
    [
        // "Titan in false colour, 2004. (NASA/JPL/Space Science Institute)": a short description
        // closed by a bracketed credit with a slash.
        re(r"^[^()]{3,140}[.!?]\s*\(\p{Lu}[^()]{0,80}/[^()]{1,80}\)$"),
        re(
            r"(?i)^(?:image\s+caption|media\s+caption|caption|photo\s+caption|bildunterschrift|légende)\s*[,:]\s*\S.*$",
        ),
        // Case-sensitive on purpose: the credit after "Photo:" starts with a capital.
        re(
            r"(?:^|[.!?]\s+|\(|\s[-–—|]\s)(?i:photo|photograph|picture|pic|foto|photo\s+credit|image\s+credit|image|credit)\s*(?::|(?i:by))\s*\p{Lu}[^()]{0,80}\)?\s*$",
        ),
        re(
            r"(?i)\s\(?(?:ap\s+photo|reuters|afp\s+photo|epa|getty\s+images|afp\s+via\s+getty\s+images)\s*/\s*[^()/.]{1,60}\)?\s*$",
        ),
        re(
            r"(?i)\((?:getty\s+images|afp|ap|reuters|epa|shutterstock|istock|alamy|pa|dpa|afp\s+via\s+getty\s+images|ap\s+photo)(?:\s*/\s*[^)]{1,60})?\)\s*$",
        ),
    ]
});

const PLATFORM: &str =
    r"(?:YouTube|Youtube|Twitter|X|Telegram|Facebook|Instagram|TikTok|Rumble|VK|Vimeo)";
const POSSESSIVE: &str = r"(?:'s|’s|s'|s’)";

/// A video's caption closed by the channel it came from: "Ukrainian artillery near Bakhmut. ©
/// Ukraine's Armed Forces' YouTube account", "Source: Ramzan Kadyrov's Telegram channel", "Video
/// posted on the governor's YouTube account", or the credit alone. The credit is a name in
/// capitals, or any short name after a credit word ("Video", "Footage from", "Source:", "©"); a
/// sentence that ends with one ("The clip was removed from the ministry's YouTube account.") has
/// lower-case words before the name and no credit word, and stays.
static VIDEO_CREDIT: Lazy<Regex> = Lazy::new(|| {
    // "Volodymyr Zelensky's", "the Russian Ministry of Defence's", "RT's".
    let capital_name = r"(?:the\s+)?\p{Lu}[\p{L}\p{N}.&'’-]*(?:\s+(?:\p{Lu}[\p{L}\p{N}.&'’-]*|of|the|and|for|de|al|von))*";
    let lead = r"(?i:©|\(c\)|video|videos|footage|source|credit|credits|screenshot|screengrab|screen\s+grab|still|clip|courtesy(?:\s+of)?)(?i:\s+(?:posted|published|released|uploaded|shared|taken|obtained))?\s*(?i:(?::|-|–|—|/|from|via|by|on|to)\s*)*";
    let any_name = r"(?:[\p{L}\p{N}.&'’-]+\s+){0,5}[\p{L}\p{N}.&'’-]+?";
    re(&format!(
        r"^(?:[^\n]{{0,200}}?(?:[.!?]\s+|\s[-–—|/]\s*|\s*©\s*|,\s+|:\s+|\s\())?\(?(?:{lead}{any_name}|{capital_name}){POSSESSIVE}\s+(?i:official\s+)?{PLATFORM}\s+(?i:account|channel|page|feed)\)?\.?$"
    ))
});

/// "A still from a video posted on Volodymyr Zelensky's YouTube account", "Screenshot of footage
/// shared on the governor's Telegram channel": a caption that is one noun phrase naming a picture
/// and the channel it came from. A finite verb in it ("Footage of the strike was posted on …")
/// makes it a sentence of the article, which stays.
static MEDIA_FROM_CHANNEL: Lazy<Regex> = Lazy::new(|| {
    re(&format!(
        r"(?i)^(?:(?:a|an|the)\s+)?(?:still|screenshot|screengrab|screen\s+grab|frame|grab|image|photo|picture|video|footage|clip)s?\s+(?:from|of|taken\s+from|posted|published|shared|released|uploaded)\b.{{0,120}}{POSSESSIVE}\s+(?:official\s+)?{PLATFORM}\s+(?:account|channel|page|feed)\)?\.?$"
    ))
});

/// A finite verb that makes a line a sentence rather than a caption's noun phrase.
static FINITE_VERB: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)\b(?:is|are|was|were|has|have|had|will|would|can|could|did|does|do|said|says|shows|showed|appears|appeared)\b",
    )
});

fn is_caption(t: &str) -> bool {
    let channel_caption =
        VIDEO_CREDIT.is_match(t) || (MEDIA_FROM_CHANNEL.is_match(t) && !FINITE_VERB.is_match(t));
    (CAPTION.iter().any(|r| r.is_match(t)) || channel_caption) && caption_ok(t)
}

/// "GET FOX BUSINESS ON THE GO BY CLICKING HERE", "Click here to get the app": a short line that
/// starts or ends with a click prompt.
static PROMO: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:click\s+here\b.{0,80}|.{0,80}\b(?:by\s+)?click(?:ing)?\s+here[.!]?|download\s+(?:the|our)\s+\S+(?:\s+\S+)?\s+app.{0,40}|get\s+(?:the|our)\s+\S+(?:\s+\S+)?\s+app.{0,40})$",
    )
});

/// Bylines with a lead word. After "Written by" (and "Posted by"…) comes a capitalised name, or a
/// few bare words ("posted by admin", "Posted by b on November 29, 2018 | Permalink"): "Written by
/// hand, the letter ran to four pages." is body.
static BYLINE_EXTRA: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)^(?:(?:additional\s+)?reporting\s+by\s+.{1,150}|(?:writing|editing|edited|compiled|translated|produced|research|graphics|design)\s+by\s+.{1,150}|(?:written|reported|posted|story|words|text)\s+by\s*:?\s+(?:(?-i:\p{Lu}).{0,79}|[^\s.,;!?]+(?:\s+[^\s.,;!?]+){0,2}(?:\s+(?:on|at|[|·•-])\s+.{1,60})?)|author\s*:\s*.{1,80}|by\s+(?:admin|administrator|editor|staff|guest|webmaster|the\s+editors)|(?:\S+\s+){0,4}contributed\s+(?:to\s+)?(?:this\s+)?(?:report|reporting|article|story)(?:\s+(?:from|in)\s+[\p{L} .,]{1,40})?\.?)$",
    )
});

/// Words that qualify a name in a byline without being part of it.
static ROLE_TAIL: Lazy<Regex> = Lazy::new(|| {
    re(
        r"(?i)\s*(?:[,|·•–—-]\s*|\s+(?:for|at|of)\s+)(?:staff\s+writer|senior\s+\w+|\w+\s+correspondent|correspondent|reporter|editor|contributor|columnist|cnn|bbc(?:\s+news)?|reuters|ap|afp|the\s+\w+(?:\s+\w+)?|\w+\s+news|\w+\s+times|\w+\.com).*$",
    )
});

/// " (opens in new window)" and the like, which share buttons carry in their text.
static NEW_WINDOW: Lazy<Regex> =
    Lazy::new(|| re(r"(?i)\s*\(\s*opens\s+(?:in\s+)?(?:a\s+)?new\s+(?:window|tab)\s*\)\s*$"));

fn classify(t: &str) -> Option<Debris> {
    if NEW_WINDOW.is_match(t) {
        let bare = NEW_WINDOW.replace(t, "");
        if !bare.trim().is_empty() {
            return classify_line(bare.trim());
        }
    }
    classify_line(t)
}

fn classify_line(t: &str) -> Option<Debris> {
    if t.is_empty() || SEPARATOR_LIKE.is_match(t) {
        return Some(Debris::new("separator"));
    }
    let chars = t.chars().count();
    if chars <= SHORT {
        if let Some(d) = classify_short(t) {
            return Some(d);
        }
    }
    if chars <= 500 && BOILERPLATE.is_match(t) {
        return Some(Debris::new("footer"));
    }
    // Longer lines: only patterns that are unmistakable whatever the length.
    if chars <= 400 && is_caption(t) {
        return Some(Debris::new("caption"));
    }
    if chars <= 300 && RELATED_INLINE.is_match(t) && !looks_like_prose(t) {
        return Some(Debris::new("related"));
    }
    if chars <= 400 && (FOOTER.is_match(t) || NEWSLETTER.is_match(t)) && !looks_like_prose(t) {
        let reason = if FOOTER.is_match(t) {
            "footer"
        } else {
            "newsletter"
        };
        return Some(Debris::new(reason));
    }
    if chars <= 300 {
        if let Some(d) = byline(t) {
            return Some(d);
        }
    }
    if chars <= 400 {
        if let Some(d) = tags(t) {
            return Some(d);
        }
    }
    None
}

/// A caption rule must not eat a paragraph that happens to end with "source: the ministry".
fn caption_ok(t: &str) -> bool {
    let lower = t.to_lowercase();
    if lower.starts_with("image caption") || lower.starts_with("media caption") {
        return true;
    }
    // Ends with a credit: the sentences before it describe a picture, so at most two of them.
    let sentences = rhetor_text::sentences(t, &rhetor_text::paragraphs(t)).len();
    sentences <= 3 && !lower.contains("\"") && !lower.contains('“')
}

/// A line that reads as running prose: several sentences, or a long clause with a verb-ish shape.
/// Used to veto the looser debris rules.
fn looks_like_prose(t: &str) -> bool {
    let sentences = rhetor_text::sentences(t, &rhetor_text::paragraphs(t)).len();
    sentences >= 3 || (t.chars().count() > 200 && sentences >= 2)
}

fn classify_short(t: &str) -> Option<Debris> {
    if let Some(d) = byline(t) {
        return Some(d);
    }
    if READ_TIME.is_match(t) {
        return Some(Debris::new("read_time"));
    }
    if let Some(d) = read_time_and_date(t).or_else(|| glued_meta(t)) {
        return Some(d);
    }
    // A bare "2:31" or "0:00 / 3:24" is a media player's clock, not a time of day.
    if DURATION.is_match(t) {
        return Some(Debris::new("player"));
    }
    if let Some(d) = date_line(t) {
        return Some(d);
    }
    if SHARE.is_match(t) || share_row(t) {
        return Some(Debris::new("share"));
    }
    if let Some(d) = compound_meta_line(t)
        .or_else(|| date_by_name(t))
        .or_else(|| byline_comma_date(t))
    {
        return Some(d);
    }
    if AD.is_match(t) {
        return Some(Debris::new("ad"));
    }
    if PLAYER.is_match(t) || PLAYER_TITLE.is_match(t) {
        return Some(Debris::new("player"));
    }
    if COMMENTS.is_match(t) {
        return Some(Debris::new("comments"));
    }
    if NEWSLETTER.is_match(t) {
        return Some(Debris::new("newsletter"));
    }
    if CREDIT.is_match(t) {
        return Some(Debris::new("credit"));
    }
    if is_caption(t) {
        return Some(Debris::new("caption"));
    }
    if RELATED_HEADER.is_match(t) || RELATED_INLINE.is_match(t) {
        return Some(Debris::new("related"));
    }
    if PROMO.is_match(t) && t.chars().count() <= 100 {
        return Some(Debris::new("promo"));
    }
    if let Some(d) = tags(t) {
        return Some(d);
    }
    if NAVIGATION.is_match(t) {
        return Some(Debris::new("navigation"));
    }
    if FOOTER.is_match(t) {
        return Some(Debris::new("footer"));
    }
    None
}

/// "Share Tweet Email", "Facebook | Twitter | WhatsApp": a row of share-button labels.
fn share_row(t: &str) -> bool {
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || matches!(c, '|' | '·' | '•' | ',' | '/'))
        .filter(|w| !w.is_empty())
        .collect();
    words.len() >= 2 && words.iter().all(|w| SHARE_WORD.is_match(w))
}

fn date_line(t: &str) -> Option<Debris> {
    let d = rhetor_text::parse_date_line(t)?;
    Some(Debris {
        reason: "dateline",
        author: None,
        published: d.iso,
        updated: d.updated,
    })
}

/// "6 min read Mar 1, 2020", "Mar 1, 2020 6 min read": a read time and a date side by side with no
/// separator between them (with one, [`compound_meta_line`] reads the line). The date is the
/// publication date.
fn read_time_and_date(t: &str) -> Option<Debris> {
    static HEAD: Lazy<Regex> = Lazy::new(|| {
        re(r"(?i)^(\d{1,3}\s*min(?:ute)?s?\.?\s+(?:read|listen))\s*[·•|,]?\s*(\S.*)$")
    });
    static TAIL: Lazy<Regex> = Lazy::new(|| {
        re(r"(?i)^(.*\S)\s*[·•|,]?\s*(\d{1,3}\s*min(?:ute)?s?\.?\s+(?:read|listen))$")
    });
    let date = HEAD
        .captures(t)
        .and_then(|c| c.get(2))
        .or_else(|| TAIL.captures(t).and_then(|c| c.get(1)))
        .and_then(|m| date_line(m.as_str()))?;
    Some(Debris {
        reason: "read_time",
        ..date
    })
}

/// Page furniture scraped with the spaces between its parts lost, as text dumps of real pages
/// carry it: "6 min readMar 1, 2020" (a read time and a date), "11:46 GMT12 April 2021" (a clock
/// time and a date), "2 hours agoMarch 3, 2024". The spaces put back, the line must read as a
/// read time and a date, or as a date line with a full date: a glued line that only looks like one
/// stays what it was.
fn glued_meta(t: &str) -> Option<Debris> {
    let u = unglue(t)?;
    read_time_and_date(&u).or_else(|| date_line(&u).filter(|d| d.published.is_some()))
}

/// `t` with a space put back where a scrape glued a clock time's zone or am/pm to a day number
/// ("GMT12 April"), a lower-case word to a month ("readMar 1"), or a year to a clock time or read
/// time ("202111:46", "20206 min read"); `None` when there is no such place.
fn unglue(t: &str) -> Option<String> {
    static CLOCK_DAY: Lazy<Regex> = Lazy::new(|| {
        re(
            r"(?i)(\b\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?|gmt|utc|bst|cet|cest|eet|eest|msk|est|edt|cst|cdt|mst|mdt|pst|pdt|ist|aest|aedt))(\d)",
        )
    });
    static WORD_MONTH: Lazy<Regex> = Lazy::new(|| {
        re(r"(\p{Ll})((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\p{Ll}*\.?\s+\d)")
    });
    // "12 April 202111:46 GMT", "Mar 1, 20206 min read": a four-digit year, then the next number.
    static YEAR_NEXT: Lazy<Regex> = Lazy::new(|| {
        re(
            r"(?i)(\b(?:19|20)\d{2})(\d{1,2}[:.]\d{2}\b|\d{1,3}\s*min(?:ute)?s?\.?\s+(?:read|listen)\b)",
        )
    });
    let a = CLOCK_DAY.replace_all(t, "$1 $2");
    let b = WORD_MONTH.replace_all(&a, "$1 $2");
    let c = YEAR_NEXT.replace_all(&b, "$1 $2");
    (c != t).then(|| c.into_owned())
}

/// Whether a line is page furniture that can open a text dump above its headline: a date line
/// (glued or not), a byline or a read time. A plain-text file whose first lines are such is
/// titled by the first line after them (see `pipeline::finish`).
pub(crate) fn is_meta_line(line: &str) -> bool {
    let t = normalise(line);
    if t.chars().count() > SHORT {
        return false;
    }
    classify_short(&t).is_some_and(|d| matches!(d.reason, "dateline" | "byline" | "read_time"))
}

/// "By Jane Doe, CNN", "Written by Jane Doe", "Reporting by Jane Doe; Editing by John Roe".
fn byline(t: &str) -> Option<Debris> {
    // "By Jane Doe | March 3, 2024" and friends are handled by `compound_meta_line`.
    if rhetor_text::is_byline(t) {
        return Some(Debris {
            author: author_from_byline(t),
            ..Debris::new("byline")
        });
    }
    if BYLINE_EXTRA.is_match(t) && !looks_like_prose(t) {
        let lower = t.to_lowercase();
        let author = if lower.starts_with("reporting by")
            || lower.starts_with("written by")
            || lower.starts_with("reported by")
            || lower.starts_with("posted by")
            || lower.starts_with("story by")
            || lower.starts_with("words by")
            || lower.starts_with("text by")
            || lower.starts_with("author")
        {
            author_from_byline(t)
        } else {
            None
        };
        return Some(Debris {
            author,
            ..Debris::new("byline")
        });
    }
    None
}

/// The name(s) in a byline, without the lead word and the outlet or role after them.
fn author_from_byline(t: &str) -> Option<String> {
    static LEAD: Lazy<Regex> = Lazy::new(|| {
        re(
            r"(?i)^(?:(?:written|posted|reported|story|text|words|reporting)\s+by|by|von|par|di|por|автор|author|autor)\s*:?\s+",
        )
    });
    let rest = LEAD.find(t).map_or(t, |m| t.get(m.end()..).unwrap_or(""));
    let rest = rest.split([';', '|', '·', '•']).next().unwrap_or("");
    let rest = ROLE_TAIL.replace(rest, "");
    let rest = rest.split(',').next().unwrap_or("").trim();
    let rest = rest.trim_end_matches(['.', ':']).trim();
    if rest.is_empty() || rest.chars().count() > 80 {
        return None;
    }
    Some(rest.to_string())
}

/// "Jane Doe · 6 min read · Mar 3, 2024", "By Jane Doe | Updated March 3, 2024", "Published 3 hours
/// ago | 5 min read": a line whose every part is a byline, a name, a read time, a date or a share
/// word — and at least one part is not a bare name.
fn compound_meta_line(t: &str) -> Option<Debris> {
    let parts: Vec<&str> = t
        .split(['|', '·', '•', '—', '–'])
        .flat_map(|p| p.split(" - "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() < 2 {
        return None;
    }
    let mut out = Debris::new("byline");
    let mut meta_parts = 0;
    let mut strong_parts = 0;
    let mut affiliation = false;
    let mut has_byline = false;
    let mut credit = false;
    let mut name: Option<String> = None;
    for p in &parts {
        if let Some(d) = byline(p) {
            out.author = out.author.or(d.author);
            has_byline = true;
            meta_parts += 1;
            strong_parts += 1;
        } else if let Some(d) = date_line(p) {
            if out.published.is_none() {
                out.published = d.published;
                out.updated = d.updated;
            }
            meta_parts += 1;
            strong_parts += 1;
        } else if READ_TIME.is_match(p) {
            meta_parts += 1;
            strong_parts += 1;
        } else if SHARE.is_match(p) || share_row(p) || PLAYER.is_match(p) {
            meta_parts += 1;
        } else if p.split_whitespace().count() <= 4 && looks_like_name(p) {
            if name.is_none() {
                name = Some(p.to_string());
            }
        } else if CREDIT.is_match(p) {
            credit = true;
        } else if looks_like_affiliation(p) {
            // "New Delhi, News Nation Bureau | Updated : 19 November 2019": only with a date or
            // byline beside it (checked below).
            affiliation = true;
        } else {
            return None;
        }
    }
    if credit && meta_parts == 0 {
        // "Natalie Naccache | Bloomberg | Getty Images": a photo credit.
        return Some(Debris::new("credit"));
    }
    if meta_parts == 0
        || (strong_parts == 0 && name.is_none())
        || (affiliation && strong_parts == 0)
    {
        return None;
    }
    if out.author.is_none() {
        out.author = name;
    }
    if out.author.is_none() && !has_byline && out.published.is_some() {
        out.reason = "dateline";
    }
    Some(out)
}

/// "By Sherif Saed, Wednesday, 20 November 2019 08:05 GMT": a byline, a comma, a date line.
fn byline_comma_date(t: &str) -> Option<Debris> {
    let lower = t.to_lowercase();
    if !lower.starts_with("by ") {
        return None;
    }
    for (i, _) in t.match_indices(',') {
        let (Some(head), Some(tail)) = (t.get(..i), t.get(i + 1..)) else {
            continue;
        };
        let (Some(by), Some(date)) = (byline(head), date_line(tail)) else {
            continue;
        };
        return Some(Debris {
            reason: "byline",
            author: by.author,
            published: date.published,
            updated: date.updated,
        });
    }
    None
}

/// "Posted on March 5, 2024 by Jane Doe": a date line, then "by" and a byline's names.
fn date_by_name(t: &str) -> Option<Debris> {
    let lower = t.to_lowercase();
    let at = lower.rfind(" by ")?;
    let head = t.get(..at)?;
    let tail = t.get(at + 4..)?;
    let date = date_line(head)?;
    let by = byline(&format!("By {tail}"))?;
    Some(Debris {
        reason: "byline",
        author: by.author,
        published: date.published,
        updated: date.updated,
    })
}

/// "BBC News, Yorkshire", "Senior Political Correspondent": a short line of capitalised words
/// with no sentence punctuation, as printed under a byline.
fn looks_like_affiliation(t: &str) -> bool {
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    (1..=6).contains(&words.len())
        && !t.contains(['.', '!', '?', ':', ';', '"', '“'])
        && !t.chars().any(|c| c.is_ascii_digit())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(|c| c.is_uppercase())
                || matches!(*w, "and" | "of" | "for" | "the" | "at" | "in" | "&")
        })
}

/// "Jane Doe", "Jean-Luc O'Neill": two to four capitalised words, no digits.
fn looks_like_name(t: &str) -> bool {
    let words: Vec<&str> = t.split_whitespace().collect();
    (2..=4).contains(&words.len())
        && words.iter().all(|w| {
            let mut cs = w.chars();
            cs.next().is_some_and(|c| c.is_uppercase())
                && cs.all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'))
        })
}

/// "Tags: Ukraine, Russia, NATO", "Topics", "Filed under: Politics": the label alone, or the label
/// and a list of short items (no sentence).
fn tags(t: &str) -> Option<Debris> {
    let c = TAGS.captures(t)?;
    let list = c.get(1).map_or("", |m| m.as_str()).trim();
    if list.is_empty() {
        // A bare label: "Tags", "Topics:". Only when the line is nothing else.
        return Some(Debris::new("tags"));
    }
    // Require an explicit separator after the label so that "Topics we discussed were …" stays;
    // "Filed under …" needs none, and "Tags Kristi Noem South Dakota" (a capital right after,
    // no punctuation at all) is a list too.
    let label_end = c.get(1).map_or(0, |m| m.start());
    let label = t.get(..label_end).unwrap_or("");
    let unmarked_list = (label.trim().eq_ignore_ascii_case("filed under")
        || label.trim().eq_ignore_ascii_case("posted in")
        || (label.trim().eq_ignore_ascii_case("tags")
            && list.chars().next().is_some_and(char::is_uppercase)))
        && !list.contains(['.', '!', '?', ';', ':']);
    if unmarked_list {
        return Some(Debris::new("tags"));
    }
    if !label.contains([':', '-', '–']) {
        return None;
    }
    let items: Vec<&str> = list
        .split([',', ';', '|', '·', '•', '#'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let listy = items
        .iter()
        .all(|i| i.split_whitespace().count() <= 5 && !i.ends_with('.'));
    listy.then(|| Debris::new("tags"))
}

/// Whether `t` reads like a headline in a list of links: short, no closing full stop.
fn headline_like(t: &str) -> bool {
    let n = t.chars().count();
    let words = t.split_whitespace().count();
    (2..=160).contains(&n) && (1..=22).contains(&words) && !t.ends_with(['.', ':', ';', ','])
}

/// Debris that needs neighbours:
/// - the headlines listed under a "Related"/"More from …"/"Read more" header (up to eight, while
///   they read like headlines);
/// - a bare name line next to a read-time or date line (Medium: "Jane Doe", "Follow", "6 min read").
fn context_pass(texts: &[String], is_title: &[bool], found: &mut [Option<Debris>]) {
    let n = texts.len();
    let mut i = 0;
    while i < n {
        let header = found
            .get(i)
            .and_then(|d| d.as_ref())
            .is_some_and(|d| d.reason == "related" || d.reason == "tags")
            && texts
                .get(i)
                .is_some_and(|t| RELATED_HEADER.is_match(t) || is_bare_tags_label(t));
        if header {
            let mut j = i + 1;
            let mut marked = 0;
            while j < n && marked < 8 {
                let t = texts.get(j).map_or("", String::as_str);
                if is_title.get(j).copied().unwrap_or(true) {
                    break;
                }
                if found.get(j).is_some_and(|d| d.is_some()) {
                    // Dates and share buttons inside a list of links do not end it.
                    j += 1;
                    continue;
                }
                if !headline_like(t) {
                    break;
                }
                // The list must be followed by more debris or the end, not by body text: a
                // subheading right after a "Related" line is body.
                if let Some(slot) = found.get_mut(j) {
                    *slot = Some(Debris::new(
                        if RELATED_HEADER.is_match(texts.get(i).map_or("", String::as_str)) {
                            "related"
                        } else {
                            "tags"
                        },
                    ));
                }
                marked += 1;
                j += 1;
            }
            // Undo when the run ends in a long body paragraph right away and the list had a
            // single item: under "Recommended" or "More from …" that item was most likely a
            // subheading. "Read more" / "Related" / "See also" announce one link, so there a
            // single headline is the link.
            let next_is_body = texts
                .get(j)
                .is_some_and(|t| !headline_like(t) && found.get(j).is_some_and(|d| d.is_none()));
            let one_link_header = texts.get(i).is_some_and(|t| ONE_LINK_HEADER.is_match(t));
            if marked == 1 && next_is_body && !one_link_header {
                if let Some(slot) = found.get_mut(i + 1) {
                    *slot = None;
                }
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }

    // A bare count ("12", "1.2K") next to debris is a clap, like or comment counter.
    for k in 0..n {
        let is_count = texts.get(k).is_some_and(|t| COUNTER.is_match(t));
        if !is_count
            || found.get(k).is_some_and(|d| d.is_some())
            || is_title.get(k).copied().unwrap_or(true)
        {
            continue;
        }
        let debris_at =
            |j: Option<usize>| j.and_then(|j| found.get(j)).is_some_and(|d| d.is_some());
        if debris_at(k.checked_sub(1)) || debris_at(Some(k + 1)) {
            if let Some(slot) = found.get_mut(k) {
                *slot = Some(Debris::new("share"));
            }
        }
    }

    // Medium: "Written by Jane Roe" / "340 Followers" / a one-line bio.
    for k in 1..n {
        let after_followers = texts.get(k - 1).is_some_and(|t| FOLLOWERS.is_match(t))
            && found.get(k - 1).is_some_and(|d| d.is_some());
        let free =
            found.get(k).is_some_and(|d| d.is_none()) && !is_title.get(k).copied().unwrap_or(true);
        let short = texts.get(k).is_some_and(|t| t.chars().count() <= 200);
        if after_followers && free && short {
            if let Some(slot) = found.get_mut(k) {
                *slot = Some(Debris::new("bio"));
            }
        }
    }

    bios_after_written_by(texts, is_title, found);

    // An affiliation printed right under a byline ("By Jane Doe" / "BBC News, Yorkshire").
    for k in 1..n {
        let after_byline = found
            .get(k - 1)
            .and_then(|d| d.as_ref())
            .is_some_and(|d| d.reason == "byline" && d.author.is_some());
        let free =
            found.get(k).is_some_and(|d| d.is_none()) && !is_title.get(k).copied().unwrap_or(true);
        if after_byline && free && texts.get(k).is_some_and(|t| looks_like_affiliation(t)) {
            if let Some(slot) = found.get_mut(k) {
                *slot = Some(Debris::new("byline"));
            }
        }
    }

    // Name lines next to bylines, read times or dates, near the top or the bottom.
    for k in 0..n {
        if found.get(k).is_some_and(|d| d.is_some()) || is_title.get(k).copied().unwrap_or(true) {
            continue;
        }
        let t = texts.get(k).map_or("", String::as_str);
        if !looks_like_name(t) {
            continue;
        }
        let neighbour_meta = [k.checked_sub(1), Some(k + 1), Some(k + 2)]
            .into_iter()
            .flatten()
            .filter_map(|j| found.get(j).and_then(|d| d.as_ref()))
            .any(|d| matches!(d.reason, "read_time" | "dateline" | "byline" | "share"));
        if neighbour_meta {
            // Near the top it is the article's author; further down it signs a letter or a
            // reader comment ("Ken White." over "FACEBOOK."), which names no author of ours.
            let author = (k <= 6).then(|| t.trim_end_matches('.').to_string());
            if let Some(slot) = found.get_mut(k) {
                *slot = Some(Debris {
                    author,
                    ..Debris::new("byline")
                });
            }
        }
    }
}

/// The author box after an article: "Written by Jane Roe" (or "About the author"), then a bio of a
/// sentence or two ("Reporter covering media and democracy.", "Jane is a freelance writer…"),
/// perhaps with follower counts between them. The bio is debris only where the box closes the
/// article: there is body before the "Written by" line (two paragraphs, or 300 characters) and
/// nothing after the bio but debris and short link lines. A "Written by" line at the top, with the
/// article under it, keeps its article.
fn bios_after_written_by(texts: &[String], is_title: &[bool], found: &mut [Option<Debris>]) {
    static LEAD: Lazy<Regex> = Lazy::new(|| {
        re(r"(?i)^(?:written\s+by\s*:?\s+\S.{0,80}|about\s+the\s+(?:author|writer))$")
    });
    let n = texts.len();
    let free = |found: &[Option<Debris>], j: usize| {
        found.get(j).is_some_and(|d| d.is_none()) && !is_title.get(j).copied().unwrap_or(true)
    };
    for k in 0..n {
        let is_lead = texts.get(k).is_some_and(|t| LEAD.is_match(t))
            && found.get(k).is_some_and(|d| d.is_some());
        if !is_lead {
            continue;
        }
        let before: Vec<&String> = (0..k)
            .filter(|&j| free(found, j))
            .filter_map(|j| texts.get(j))
            .collect();
        let body_chars: usize = before.iter().map(|t| t.chars().count()).sum();
        if before.len() < 2 && body_chars < 300 {
            continue;
        }
        // The bio: up to two free paragraphs right after the lead (debris between them is fine),
        // each short and reading as a bio: it names the author, or a writer's trade.
        let name = texts
            .get(k)
            .and_then(|t| author_from_byline(t))
            .unwrap_or_default();
        let mut bio = Vec::new();
        let mut j = k + 1;
        while j < n && bio.len() < 2 {
            if free(found, j) {
                let t = texts.get(j).map_or("", String::as_str);
                if t.chars().count() > 400 || !reads_as_bio(t, &name) {
                    break;
                }
                bio.push(j);
            }
            j += 1;
        }
        // Whatever follows the bio is no article text: debris, or short link lines, up to the
        // end or to a furniture section's header (related links, comments, the footer), under
        // which anything goes (readers' comments are long).
        let mut rest_is_furniture = true;
        for i in j..n {
            let section = found.get(i).and_then(|d| d.as_ref()).is_some_and(|d| {
                matches!(
                    d.reason,
                    "related" | "comments" | "footer" | "newsletter" | "tags" | "navigation"
                )
            });
            if section {
                break;
            }
            let short_line = texts.get(i).is_some_and(|t| {
                headline_like(t) && t.chars().count() <= 100 || t.chars().count() <= 40
            });
            if free(found, i) && !short_line {
                rest_is_furniture = false;
                break;
            }
        }
        if bio.is_empty() || !rest_is_furniture {
            continue;
        }
        for b in bio {
            if let Some(slot) = found.get_mut(b) {
                *slot = Some(Debris::new("bio"));
            }
        }
    }
}

/// "Jane Roe is a freelance journalist…", "Reporter covering media and democracy.", "Writer,
/// runner, recovering editor": a line that names the author (any part of `name`) at its start, or
/// a writer's trade.
fn reads_as_bio(t: &str, name: &str) -> bool {
    static TRADE: Lazy<Regex> = Lazy::new(|| {
        re(
            r"(?i)\b(?:writer|journalist|reporter|correspondent|editor|author|columnist|contributor|blogger|analyst|researcher|producer|founder|co-founder|professor|lecturer|fellow|freelance|freelancer|novelist|poet|essayist|commentator|podcaster|covering|covers|writes\s+about|based\s+in|formerly|previously)\b",
        )
    });
    let first_word = t
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_end_matches([',', '.', ':']);
    let first_word = first_word
        .strip_suffix("'s")
        .or_else(|| first_word.strip_suffix("’s"))
        .unwrap_or(first_word);
    let names_author = name
        .split_whitespace()
        .any(|w| w.chars().count() >= 2 && w == first_word);
    names_author || TRADE.is_match(t)
}

fn is_bare_tags_label(t: &str) -> bool {
    TAGS.captures(t)
        .is_some_and(|c| c.get(1).is_none_or(|m| m.as_str().trim().is_empty()))
}

/// "Jane Doe is a senior reporter at …" in the last paragraphs, once we know Jane Doe wrote it.
fn mark_bios(texts: &[String], is_title: &[bool], author: &str, found: &mut [Option<Debris>]) {
    let n = texts.len();
    let start = n.saturating_sub(3);
    for k in start..n {
        if is_title.get(k).copied().unwrap_or(true) || found.get(k).is_some_and(|d| d.is_some()) {
            continue;
        }
        let t = texts.get(k).map_or("", String::as_str);
        let Some(rest) = t.strip_prefix(author) else {
            continue;
        };
        static BIO: Lazy<Regex> = Lazy::new(|| {
            re(
                r"(?i)^\s+(?:is|was|has\s+been|writes|covers|reports)\b.{0,300}\b(?:writer|journalist|reporter|correspondent|editor|author|fellow|professor|columnist|contributor|analyst|researcher|producer|covers|writes)\b",
            )
        });
        if BIO.is_match(rest) && t.chars().count() <= 400 {
            if let Some(slot) = found.get_mut(k) {
                *slot = Some(Debris::new("bio"));
            }
        }
    }
}

#[cfg(test)]
mod tests;
