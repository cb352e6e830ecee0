//! The views a person sees, shared by the server's pages and the self-contained report: an
//! article with its highlights, a story outlet by outlet, an outlet against the corpus, the
//! taxonomy. Everything goes through maud, which escapes every string it interpolates: article
//! text and titles are hostile input and never reach the page as markup.
//!
//! Links differ between the two (`/articles/KEY` on the server, `#a-KEY` in the report): a
//! [`Links`] value decides them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use maud::{html, Markup, PreEscaped};
use rhetor_corpus::compare::{OutletProfile, Side, StoryComparison};
use rhetor_corpus::ArticleRow;
use rhetor_doc::taxonomy::{self, Category, FRAMES, GENRES, TECHNIQUES};
use rhetor_doc::{Article, CharIndex, Quote, TechniqueSpan};

/// Where links point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// The server's routes.
    Server,
    /// Fragments inside one report file.
    Report,
}

/// Percent-encodes a path segment (everything but unreserved characters).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

impl Links {
    pub fn article(self, key: &str) -> String {
        match self {
            Links::Server => format!("/articles/{}", encode_segment(key)),
            Links::Report => format!("#a-{}", encode_segment(key)),
        }
    }
    pub fn story(self, id: u64) -> String {
        match self {
            Links::Server => format!("/stories/{id}"),
            Links::Report => format!("#s-{id}"),
        }
    }
    pub fn outlet(self, name: &str) -> String {
        match self {
            Links::Server => format!("/outlets/{}", encode_segment(name)),
            Links::Report => format!("#o-{}", hex::encode(name)),
        }
    }
    pub fn technique(self, label: &str) -> String {
        match self {
            Links::Server => format!("/techniques#{}", encode_segment(label)),
            Links::Report => format!("#techniques-{}", encode_segment(label)),
        }
    }
}

/// The CSS class of a category (colour and line style both come from it).
pub fn category_class(category: &str) -> &'static str {
    match category {
        "attack_on_reputation" => "c-att",
        "justification" => "c-jus",
        "simplification" => "c-sim",
        "distraction" => "c-dis",
        "call" => "c-cal",
        "manipulative_wording" => "c-man",
        _ => "c-unk",
    }
}

/// How the line under a category's highlights looks (the cue that does not rely on hue).
fn category_line(category: &str) -> &'static str {
    match category {
        "attack_on_reputation" => "solid",
        "justification" => "double",
        "simplification" => "dotted",
        "distraction" => "dashed",
        "call" => "wavy",
        "manipulative_wording" => "thick",
        _ => "none",
    }
}

fn category_name(id: &str) -> &str {
    Category::ALL
        .iter()
        .find(|c| c.id() == id)
        .map(|c| c.name())
        .unwrap_or(id)
}

fn technique_name(label: &str) -> &str {
    taxonomy::technique(label).map(|t| t.name).unwrap_or(label)
}

/// "1 article", "3 articles".
pub fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// A story's size and outlets, for lists.
pub fn story_summary(s: &rhetor_corpus::StoredStory) -> String {
    let mut out = count(s.size, "article");
    if !s.outlets.is_empty() {
        out.push_str(" · ");
        out.push_str(&s.outlets.join(", "));
    }
    out
}

fn day(t: &str) -> &str {
    t.get(..10).unwrap_or(t)
}

// ---------------------------------------------------------------------------------------------
// Highlights

/// A run of characters covered by the same technique spans and quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Code points into the article's text, end exclusive.
    pub start: usize,
    pub end: usize,
    /// Indices into `Article::techniques` of the spans covering the run.
    pub techniques: Vec<usize>,
    /// Indices into `Article::quotes`.
    pub quotes: Vec<usize>,
}

/// Cuts `0..n_chars` at every start and end of a valid span, so each technique span is exactly
/// the union of the segments that list it, however the spans overlap. Spans outside the text
/// or empty are left out (they have no characters to show).
pub fn segments(n_chars: usize, techniques: &[TechniqueSpan], quotes: &[Quote]) -> Vec<Segment> {
    let valid = |s: usize, e: usize| s < e && e <= n_chars;
    let mut cuts: BTreeSet<usize> = BTreeSet::from([0, n_chars]);
    for t in techniques.iter().filter(|t| valid(t.start, t.end)) {
        cuts.insert(t.start);
        cuts.insert(t.end);
    }
    for q in quotes.iter().filter(|q| valid(q.start, q.end)) {
        cuts.insert(q.start);
        cuts.insert(q.end);
    }
    let cuts: Vec<usize> = cuts.into_iter().collect();
    cuts.windows(2)
        .map(|w| {
            let (s, e) = (w[0], w[1]);
            Segment {
                start: s,
                end: e,
                techniques: techniques
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| valid(t.start, t.end) && t.start <= s && t.end >= e)
                    .map(|(i, _)| i)
                    .collect(),
                quotes: quotes
                    .iter()
                    .enumerate()
                    .filter(|(_, q)| valid(q.start, q.end) && q.start <= s && q.end >= e)
                    .map(|(i, _)| i)
                    .collect(),
            }
        })
        .filter(|s| s.end > s.start)
        .collect()
}

/// The hover and focus text of one technique span.
pub fn span_tip(t: &TechniqueSpan) -> String {
    let def = taxonomy::technique(&t.technique)
        .map(|x| x.definition)
        .unwrap_or("");
    let mut s = format!(
        "{} ({}), score {:.2}",
        technique_name(&t.technique),
        category_name(&t.category),
        t.score
    );
    if !t.shown {
        let why = t.hidden.as_deref().unwrap_or("low_confidence");
        let _ = write!(s, ", not shown by default ({why})");
    }
    if !def.is_empty() {
        let _ = write!(s, ": {def}");
    }
    s
}

/// The text with every technique span highlighted and every quote marked.
pub fn highlighted_text(a: &Article, prefix: &str) -> Markup {
    let idx = CharIndex::new(&a.text);
    let n = idx.char_len();
    let segs = segments(n, &a.techniques, &a.quotes);
    let mut quote_anchor_done: BTreeSet<usize> = BTreeSet::new();
    html! {
        @for seg in &segs {
            @let text = idx.slice(&a.text, seg.start, seg.end).unwrap_or("");
            @let starts_quote: Vec<usize> = seg.quotes.iter().copied().filter(|&q| a.quotes[q].start == seg.start).collect();
            @let anchor = starts_quote.iter().copied().find(|q| quote_anchor_done.insert(*q));
            @let low = !seg.quotes.is_empty() && seg.quotes.iter().all(|&q| !a.quotes[q].shown);
            @let quote_classes = format!("{}{}", if seg.quotes.is_empty() { "" } else if starts_quote.is_empty() { " qt" } else { " qt qs" }, if low { " qlow" } else { "" });
            @let quote_title: Vec<String> = seg.quotes.iter().map(|&q| quote_tip(&a.quotes[q])).collect();
            @if seg.techniques.is_empty() && seg.quotes.is_empty() {
                (text)
            } @else if seg.techniques.is_empty() {
                span class={ "q" (quote_classes) } id=[anchor.map(|q| format!("{prefix}q{}", q + 1))]
                    data-q=[anchor.map(|q| (q + 1).to_string())] title=(quote_title.join("\n")) { (text) }
            } @else {
                @let spans: Vec<&TechniqueSpan> = seg.techniques.iter().map(|&i| &a.techniques[i]).collect();
                @let any_shown = spans.iter().any(|t| t.shown);
                @let best = spans.iter().filter(|t| t.shown || !any_shown).max_by(|x, y| x.score.total_cmp(&y.score)).copied().unwrap_or(spans[0]);
                @let focusable = spans.iter().any(|t| t.start == seg.start);
                @let tip: Vec<String> = spans.iter().map(|t| span_tip(t)).chain(quote_title.iter().cloned()).collect();
                @let classes = format!("hl {}{}{}{}", category_class(&best.category),
                    if any_shown { "" } else { " hid" },
                    if spans.len() > 1 { " ov" } else { "" },
                    quote_classes);
                mark class=(classes)
                    data-t=(seg.techniques.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(" "))
                    data-tip=(tip.join("\n"))
                    data-labels=(spans.iter().map(|t| t.technique.as_str()).collect::<Vec<_>>().join(" "))
                    title=(tip.join("\n"))
                    tabindex=[focusable.then_some("0")]
                    id=[anchor.map(|q| format!("{prefix}q{}", q + 1))]
                    data-q=[anchor.map(|q| (q + 1).to_string())] { (text) }
            }
        }
    }
}

fn quote_tip(q: &Quote) -> String {
    format!(
        "Quote ({}) by {}{}",
        quote_kind(q),
        q.speaker.as_deref().unwrap_or("an unnamed speaker"),
        if q.shown {
            String::new()
        } else {
            format!(", low confidence {:.2}", q.confidence)
        }
    )
}

fn quote_kind(q: &Quote) -> &'static str {
    match q.kind {
        rhetor_doc::QuoteKind::Direct => "direct",
        rhetor_doc::QuoteKind::Indirect => "indirect",
        rhetor_doc::QuoteKind::Mixed => "mixed",
    }
}

/// The legend of categories: colour, line style and name.
pub fn legend() -> Markup {
    html! {
        ul.legend aria-label="Technique categories" {
            @for c in Category::ALL {
                li { mark class={ "hl sw " (category_class(c.id())) } { (c.name()) } " "
                     span.small { "(" (category_line(c.id())) " line)" } }
            }
            li { mark.hl.sw.ov { "overlap" } " " span.small { "(two or more techniques)" } }
            li { span.q.qt.sw { "quoted words" } }
            li { span.q.qt.qlow.sw { "low-confidence attribution" } }
        }
    }
}

/// One article: the text with highlights, and beside it genre, frames, techniques, speakers,
/// quotes.
/// `prefix` goes before every id inside the view (quote anchors), so that several articles can
/// share one page (the report).
pub fn article_view(links: Links, row: Option<&ArticleRow>, a: &Article, prefix: &str) -> Markup {
    let hidden = a.techniques.iter().filter(|t| !t.shown).count();
    let shown = a.techniques.len() - hidden;
    let mut per_tech: BTreeMap<&str, (usize, usize, &str)> = BTreeMap::new();
    for t in &a.techniques {
        let e = per_tech
            .entry(t.technique.as_str())
            .or_insert((0, 0, t.category.as_str()));
        if t.shown {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    let shown_quotes: Vec<(usize, &Quote)> = a
        .quotes
        .iter()
        .enumerate()
        .filter(|(_, q)| q.shown)
        .collect();
    let other_quotes: Vec<(usize, &Quote)> = a
        .quotes
        .iter()
        .enumerate()
        .filter(|(_, q)| !q.shown)
        .collect();
    // Paragraph labels by technique, for an article without spans (one in another language than
    // English: its labels come from the multilingual head, which cannot say where; see its
    // warning).
    let mut per_par: BTreeMap<&str, usize> = BTreeMap::new();
    if a.techniques.is_empty() {
        for t in a.paragraph_techniques.iter().flat_map(|p| &p.techniques) {
            *per_par.entry(t.label.as_str()).or_default() += 1;
        }
    }
    let toggle_id = format!("all-{}", row.map(|r| r.key.as_str()).unwrap_or("x"));
    let mut meta: Vec<Markup> = Vec::new();
    if let Some(o) = &a.metadata.outlet {
        meta.push(html! { a href=(links.outlet(o)) { (o) } });
    }
    if let Some(p) = &a.metadata.published {
        meta.push(html! { time datetime=(p) { (day(p)) } });
    }
    if let Some(au) = &a.metadata.author {
        meta.push(html! { "by " (au) });
    }
    if let Some(s) = row.and_then(|r| r.story) {
        meta.push(html! { a href=(links.story(s)) { "story #" (s) } });
    }
    // Only http(s) URLs become links, and only on the server: the report asks nothing of any
    // other address, not even on a click.
    if let (Some(u), Links::Server) = (&a.metadata.url, links) {
        if u.starts_with("https://") || u.starts_with("http://") {
            meta.push(html! { a href=(u) rel="noopener noreferrer nofollow" { "original" } });
        } else {
            meta.push(html! { span.small { (u) } });
        }
    }
    html! {
        article.doc data-key=[row.map(|r| r.key.as_str())] {
            h1 { (a.title.as_deref().unwrap_or("(no title)")) }
            p.meta { @for (i, m) in meta.iter().enumerate() { @if i > 0 { " · " } (m) } }
            div.cols {
                div.main {
                    @for w in &a.warnings { p.small.warn { "Note: " (w) } }
                    p.small {
                        (shown) " highlighted span" @if shown != 1 { "s" } ", "
                        (hidden) " more the model marked but does not show by default. "
                        "Hover or focus (Tab) a highlight for the technique, its definition and score."
                    }
                    input.toggle type="checkbox" id=(toggle_id);
                    label for=(toggle_id) { "Show every span the model marked (" (hidden) " not shown by default, dotted)" }
                    (legend())
                    div.text lang=[a.metadata.language.as_deref()] { (highlighted_text(a, prefix)) }
                    div.detail aria-live="polite" hidden {}
                }
                aside.side {
                    h2 { "Genre" }
                    @if let Some(g) = &a.genre {
                        p { strong { (g.label) } }
                        ul.small { @for s in &g.scores { li { (s.label) " " (format!("{:.2}", s.score)) } } }
                        @if let Some(why) = &g.basis {
                            p.small { (why) ", so opinion (the scores are the model's)" }
                        }
                        @if let Some(x) = g.outscored_by() {
                            p.small { (x.label) " scores higher but is called only when the model is sure of it" }
                        }
                        @if g.is_unsure() {
                            p.small.warn { "Unsure: under " (format!("{:.2}", rhetor_doc::GENRE_UNSURE_BELOW)) " the model's genre was right about two times in three on hand-labelled web articles, nine in ten above." }
                        }
                    } @else { p.small { "not analysed" } }
                    h2 { "Frames" }
                    @if a.frames.is_empty() { p.small { "none" } }
                    ul { @for f in a.frames.iter().take(5) { li { (f.frame) " " span.small { (format!("{:.2}", f.score)) } } } }
                    h2 { "Techniques" }
                    @if per_tech.is_empty() && per_par.is_empty() { p.small { "none found" } }
                    @if !per_par.is_empty() {
                        p.small { "Paragraph labels (no highlights):" }
                        ul.techs {
                            @for (label, n) in &per_par {
                                li { a href=(links.technique(label)) { (technique_name(label)) }
                                     " " span.small { (n) " paragraph" @if *n != 1 { "s" } } }
                            }
                        }
                    }
                    ul.techs {
                        @for (label, (s, h, cat)) in &per_tech {
                            li { mark class={ "hl sw " (category_class(cat)) @if *s == 0 { " hid" } } { a href=(links.technique(label)) { (technique_name(label)) } }
                                 " " (s) @if *h > 0 { span.small { " (+" (h) " hidden)" } } }
                        }
                    }
                    h2 { "Who said what" }
                    @if !a.speakers.is_empty() {
                        ul { @for s in &a.speakers { li { strong { (s.name) } " " span.small { (s.quotes) " quote" @if s.quotes != 1 { "s" } ", named " (s.mentions) "×" } } } }
                    }
                    @if shown_quotes.is_empty() { p.small { "no quotes shown" } }
                    ol.quotes { @for (i, q) in &shown_quotes { (quote_item(a, *i, q, prefix)) } }
                    @if !other_quotes.is_empty() {
                        details { summary { (other_quotes.len()) " low-confidence attribution" @if other_quotes.len() != 1 { "s" } }
                            ol.quotes { @for (i, q) in &other_quotes { (quote_item(a, *i, q, prefix)) } } }
                    }
                }
            }
        }
    }
}

fn quote_item(a: &Article, i: usize, q: &Quote, prefix: &str) -> Markup {
    let text = a.slice(q.start, q.end).unwrap_or("");
    html! {
        li value=(i + 1) {
            strong { (q.speaker.as_deref().unwrap_or("(no speaker)")) }
            " " span.small { (quote_kind(q)) @if let Some(c) = &q.cue { ", “" (c) "”" } ", confidence " (format!("{:.2}", q.confidence)) }
            br;
            a href={ "#" (prefix) "q" (i + 1) } { (rhetor_corpus::search::lead(text, 160)) }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lists

/// A list of articles.
pub fn article_list(links: Links, rows: &[ArticleRow]) -> Markup {
    html! {
        ul.list {
            @for r in rows {
                li {
                    a href=(links.article(&r.key)) { (r.title.as_deref().unwrap_or("(no title)")) }
                    br;
                    span.small {
                        @if let Some(o) = &r.outlet { (o) " · " }
                        (day(r.published.as_deref().unwrap_or(&r.time)))
                        @if let Some(g) = &r.genre { " · " (g) }
                        " · " (r.words) " words"
                        @if let Some(s) = r.story { " · " a href=(links.story(s)) { "story #" (s) } }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Charts (inline SVG: no script, no external asset; a table with the same numbers beside each)

/// Grouped horizontal bars: for each label, the outlet's value and the corpus's.
pub fn bars(
    title: &str,
    unit: &str,
    rows: &[(String, f64, Option<f64>)],
    csv_href: &str,
    csv_name: &str,
) -> Markup {
    let max = rows
        .iter()
        .flat_map(|(_, a, b)| [*a, b.unwrap_or(0.0)])
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let row_h = 26.0;
    let height = (rows.len() as f64 * row_h + 30.0).max(50.0);
    let (left, width) = (190.0, 640.0);
    let scale = |v: f64| (v / max) * (width - left - 60.0);
    html! {
        figure.chart {
            figcaption { (title) " " a.small href=(csv_href) download=(csv_name) { "CSV" } }
            svg viewBox={ "0 0 " (width) " " (height) } role="img" aria-label=(title) {
                @for (i, (label, v, c)) in rows.iter().enumerate() {
                    @let y = 10.0 + i as f64 * row_h;
                    text x=(left - 6.0) y=(y + 14.0) text-anchor="end" class="lbl" { (label) }
                    rect class="s-out" x=(left) y=(y) width=(format!("{:.1}", scale(*v))) height="10" { title { (label) ": " (fmt(*v)) " " (unit) } }
                    text x=(left + scale(*v) + 4.0) y=(y + 9.0) class="val" { (fmt(*v)) }
                    @if let Some(c) = c {
                        rect class="s-avg" x=(left) y=(y + 11.0) width=(format!("{:.1}", scale(*c))) height="8" { title { (label) ", corpus average: " (fmt(*c)) } }
                    }
                }
            }
            p.small { span.key.s-out {} " this outlet (solid)  " span.key.s-avg {} " corpus average (striped)" " — " (unit) }
        }
    }
}

/// Lines over periods: the outlet's total technique rate against the corpus's.
pub fn over_time(
    title: &str,
    points: &[(String, f64, f64)],
    csv_href: &str,
    csv_name: &str,
) -> Markup {
    let (width, height, left, bottom) = (640.0, 220.0, 40.0, 40.0);
    let max = points
        .iter()
        .flat_map(|(_, a, b)| [*a, *b])
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let n = points.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            left + (width - left - 20.0) / 2.0
        } else {
            left + i as f64 * (width - left - 20.0) / (n - 1) as f64
        }
    };
    let y = |v: f64| (height - bottom) - v / max * (height - bottom - 10.0);
    let path = |sel: fn(&(String, f64, f64)) -> f64| {
        points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(sel(p))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let step = n.div_ceil(8).max(1);
    html! {
        figure.chart {
            figcaption { (title) " " a.small href=(csv_href) download=(csv_name) { "CSV" } }
            svg viewBox={ "0 0 " (width) " " (height) } role="img" aria-label=(title) {
                line class="axis" x1=(left) y1=(height - bottom) x2=(width - 10.0) y2=(height - bottom) {}
                text class="val" x="2" y="14" { (fmt(max)) }
                polyline class="l-avg" points=(path(|p| p.2)) {}
                polyline class="l-out" points=(path(|p| p.1)) {}
                @for (i, (label, v, c)) in points.iter().enumerate() {
                    circle class="p-out" cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(*v))) r="4" { title { (label) ": " (fmt(*v)) " (corpus " (fmt(*c)) ")" } }
                    rect class="p-avg" x=(format!("{:.1}", x(i) - 3.0)) y=(format!("{:.1}", y(*c) - 3.0)) width="6" height="6" {}
                    @if i % step == 0 || i + 1 == n {
                        @let anchor = if i == 0 && n > 1 { "start" } else if i + 1 == n && n > 1 { "end" } else { "middle" };
                        text class="lbl" x=(format!("{:.1}", x(i))) y=(height - bottom + 16.0) text-anchor=(anchor) { (label) }
                    }
                }
            }
            p.small { span.key.s-out {} " this outlet (solid line, circles)  " span.key.s-avg {} " corpus average (dashed line, squares)" }
        }
    }
}

fn fmt(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A CSV field, quoted when it needs to be. A leading `=`, `+`, `-` or `@` is defused so a
/// spreadsheet does not run an outlet name as a formula.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The three charts of an outlet page, as figures and as CSV.
pub struct OutletCharts {
    /// (period, outlet total technique rate, corpus total technique rate)
    pub over_time: Vec<(String, f64, f64)>,
    pub categories: Vec<(String, f64, Option<f64>)>,
    pub frames: Vec<(String, f64, Option<f64>)>,
    pub techniques: Vec<(String, f64, Option<f64>)>,
}

impl OutletCharts {
    /// From the outlet's profiles (overall and per period) and the corpus's.
    pub fn new(name: &str, outlets: &[OutletProfile], corpus: &[OutletProfile]) -> Option<Self> {
        let mine: Vec<&OutletProfile> = outlets.iter().filter(|p| p.name == name).collect();
        let all = mine.iter().find(|p| p.period == "all")?;
        let avg_all = corpus.iter().find(|p| p.period == "all");
        let total = |p: &OutletProfile| p.techniques_per_1000_words.values().sum::<f64>();
        let over_time = mine
            .iter()
            .filter(|p| p.period != "all")
            .map(|p| {
                let c = corpus
                    .iter()
                    .find(|c| c.period == p.period)
                    .map(total)
                    .unwrap_or(0.0);
                (p.period.clone(), round3(total(p)), round3(c))
            })
            .collect();
        let cmp = |m: &BTreeMap<String, f64>, a: Option<&BTreeMap<String, f64>>| {
            let mut keys: BTreeSet<&String> = m.keys().collect();
            if let Some(a) = a {
                keys.extend(a.keys());
            }
            keys.into_iter()
                .map(|k| {
                    (
                        k.clone(),
                        m.get(k).copied().unwrap_or(0.0),
                        a.map(|a| a.get(k).copied().unwrap_or(0.0)),
                    )
                })
                .collect::<Vec<_>>()
        };
        let mut categories = cmp(
            &all.categories_per_1000_words,
            avg_all.map(|a| &a.categories_per_1000_words),
        );
        for c in &mut categories {
            c.0 = category_name(&c.0).to_string();
        }
        let mut techniques = cmp(
            &all.techniques_per_1000_words,
            avg_all.map(|a| &a.techniques_per_1000_words),
        );
        techniques.sort_by(|a, b| b.1.total_cmp(&a.1));
        Some(OutletCharts {
            over_time,
            categories,
            frames: cmp(&all.frames, avg_all.map(|a| &a.frames)),
            techniques,
        })
    }

    /// One chart's numbers as CSV (`over_time`, `categories`, `frames`, `techniques`).
    pub fn csv(&self, name: &str, chart: &str) -> Option<String> {
        let mut out = String::new();
        match chart {
            "over_time" => {
                out.push_str("outlet,period,technique_spans_per_1000_words,corpus_average\n");
                for (p, v, c) in &self.over_time {
                    let _ = writeln!(out, "{},{},{v},{c}", csv_field(name), csv_field(p));
                }
            }
            "categories" | "frames" | "techniques" => {
                let (rows, measure) = match chart {
                    "categories" => (&self.categories, "category_per_1000_words"),
                    "frames" => (&self.frames, "frame_share_of_articles"),
                    _ => (&self.techniques, "technique_per_1000_words"),
                };
                let _ = writeln!(out, "outlet,label,{measure},corpus_average");
                for (l, v, c) in rows {
                    let c = c.map(|c| c.to_string()).unwrap_or_default();
                    let _ = writeln!(out, "{},{},{v},{c}", csv_field(name), csv_field(l));
                }
            }
            _ => return None,
        }
        Some(out)
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The charts of one outlet. `csv_href(chart)` gives each chart's download link.
pub fn outlet_view(
    links: Links,
    name: &str,
    articles: u64,
    period: &str,
    charts: &OutletCharts,
    csv_href: &dyn Fn(&str) -> String,
    recent: &[ArticleRow],
) -> Markup {
    let file = |chart: &str| format!("{}-{chart}.csv", safe_file(name));
    html! {
        section.outlet {
            h1 { (name) }
            p.meta { (articles) " articles. Technique spans per 1,000 words of body text and frame shares, against the corpus average." }
            @if links == Links::Server {
                nav.periods aria-label="Period" { "Over time by: "
                    @for p in ["day", "week", "month"] {
                        @if p == period { strong { (p) } } @else { a href={ "?period=" (p) } { (p) } } " "
                    }
                }
            }
            div.charts {
                (over_time(&format!("Technique spans per 1,000 words by {period}"), &charts.over_time, &csv_href("over_time"), &file("over_time")))
                (bars("Technique categories", "spans per 1,000 words", &charts.categories, &csv_href("categories"), &file("categories")))
                (bars("Frames", "share of articles", &charts.frames, &csv_href("frames"), &file("frames")))
                (bars("Techniques", "spans per 1,000 words", &charts.techniques, &csv_href("techniques"), &file("techniques")))
            }
            @if !recent.is_empty() {
                h2 { "Recent articles" }
                (article_list(links, recent))
            }
        }
    }
}

/// A file name from an outlet name: letters, digits, `.`, `-`, `_` only.
pub fn safe_file(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    s.trim_start_matches('.').to_string()
}

// ---------------------------------------------------------------------------------------------
// Stories

/// One story: the outlets in columns and a timeline.
pub fn story_view(links: Links, c: &StoryComparison, times: &[TimelineEntry]) -> Markup {
    let all_speakers: BTreeSet<&str> = c
        .outlets
        .iter()
        .flat_map(|s| s.profile.speakers.iter().map(|x| x.speaker.as_str()))
        .collect();
    html! {
        section.story {
            h1 { "Story #" (c.story.id) ": " (c.story.label) }
            p.meta { (day(&c.story.first_published)) " – " (day(&c.story.last_published)) ", "
                (c.story.size) " articles from " (c.outlets.len()) " outlet" @if c.outlets.len() != 1 { "s" } }
            (timeline(links, times))
            div.sides {
                @for s in &c.outlets { (side(links, s, &all_speakers)) }
            }
            h2 { "What every outlet has" }
            @if c.outlets.len() < 2 { p.small { "One outlet only: nothing to compare." } } @else {
                ul {
                    li { "Speakers: " (or_none(&c.shared.speakers.join(", "))) }
                    li { "Frames: " (or_none(&c.shared.frames.join(", "))) }
                    li { "Techniques: " (or_none(&c.shared.techniques.iter().map(|t| technique_name(t)).collect::<Vec<_>>().join(", "))) }
                }
            }
            @if !c.story.reasons.is_empty() {
                details { summary { "Why these articles are one story" } ul.small { @for r in &c.story.reasons { li { (r) } } } }
            }
        }
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "none"
    } else {
        s
    }
}

fn side(links: Links, s: &Side, all_speakers: &BTreeSet<&str>) -> Markup {
    let mine: BTreeSet<&str> = s
        .profile
        .speakers
        .iter()
        .map(|x| x.speaker.as_str())
        .collect();
    let left_out: Vec<&str> = all_speakers.difference(&mine).copied().collect();
    let mut cats: Vec<(&String, &f64)> = s.profile.categories_per_1000_words.iter().collect();
    cats.sort_by(|a, b| b.1.total_cmp(a.1));
    let max = cats.first().map(|c| *c.1).unwrap_or(0.0).max(1e-9);
    html! {
        div.side-col {
            h2 { a href=(links.outlet(&s.name)) { (s.name) } }
            @for a in &s.articles {
                h3 { a href=(links.article(&a.key)) { (a.title.as_deref().unwrap_or("(no title)")) } }
                p.small { (day(a.published.as_deref().unwrap_or(""))) " · genre " (a.genre.as_deref().unwrap_or("-"))
                    " · frames " (or_none(&a.frames.join(", "))) }
            }
            h4 { "Technique profile" }
            @if cats.is_empty() { p.small { "no techniques" } }
            ul.profile {
                @for (cat, v) in &cats {
                    li { mark class={ "hl sw " (category_class(cat)) } { (category_name(cat)) } " " (fmt(**v))
                        meter min="0" max=(format!("{max:.3}")) value=(format!("{:.3}", v)) { (fmt(**v)) } }
                }
            }
            p.small { "spans per 1,000 words; " (s.profile.words) " words" }
            h4 { "Quoted" }
            @if s.profile.speakers.is_empty() { p.small { "nobody" } }
            ul { @for sp in &s.profile.speakers { li { (sp.speaker) " (" (sp.quotes) ")"
                @if s.exclusive_speakers.contains(&sp.speaker) { " " span.badge { "only here" } } } } }
            @if !s.exclusive_quotes.is_empty() {
                h4 { "Quotes only this outlet carries" }
                ul { @for q in &s.exclusive_quotes { li { (q.speaker.as_deref().unwrap_or("(unattributed)")) ": " q { (rhetor_corpus::search::lead(&q.text, 200)) } } } }
            }
            h4 { "Left out" }
            @if left_out.is_empty() { p.small { "quotes everyone the others quote" } } @else {
                p { "Quoted elsewhere, not here: " (left_out.join(", ")) }
            }
        }
    }
}

/// One article on a timeline: (time RFC 3339, outlet, store key, title).
pub type TimelineEntry = (String, String, String, Option<String>);

/// A timeline of publication: one row per outlet, one dot per article, and the same as a list.
/// `times`: (time RFC 3339, outlet, key, title).
pub fn timeline(links: Links, times: &[TimelineEntry]) -> Markup {
    let parse = |t: &str| rhetor_corpus::corpus::parse_time(t).map(|t| t.timestamp());
    let points: Vec<(i64, &TimelineEntry)> = times
        .iter()
        .filter_map(|t| parse(&t.0).map(|s| (s, t)))
        .collect();
    let outlets: Vec<&str> = {
        let mut seen: Vec<&str> = Vec::new();
        for (_, t) in &points {
            if !seen.contains(&t.1.as_str()) {
                seen.push(t.1.as_str());
            }
        }
        seen
    };
    let lo = points.iter().map(|p| p.0).min().unwrap_or(0);
    let hi = points.iter().map(|p| p.0).max().unwrap_or(0);
    let (width, left, row_h) = (640.0, 150.0, 24.0);
    let height = outlets.len() as f64 * row_h + 30.0;
    let x = |s: i64| {
        if hi == lo {
            left + (width - left - 20.0) / 2.0
        } else {
            left + (s - lo) as f64 / (hi - lo) as f64 * (width - left - 20.0)
        }
    };
    html! {
        figure.chart.timeline {
            figcaption { "Timeline of publication" }
            svg viewBox={ "0 0 " (width) " " (height) } role="img" aria-label="Timeline of publication" {
                @for (i, o) in outlets.iter().enumerate() {
                    @let y = 14.0 + i as f64 * row_h;
                    text class="lbl" x=(left - 8.0) y=(y + 4.0) text-anchor="end" { (o) }
                    line class="axis" x1=(left) y1=(y) x2=(width - 10.0) y2=(y) {}
                    @for (s, t) in points.iter().filter(|p| p.1 .1 == *o) {
                        a href=(links.article(&t.2)) {
                            circle class="p-out" cx=(format!("{:.1}", x(*s))) cy=(y) r="5" { title { (day(&t.0)) " " (o) ": " (t.3.as_deref().unwrap_or("(no title)")) } }
                        }
                    }
                }
                text class="val" x=(left) y=(height - 4.0) { (points.iter().map(|p| p.1 .0.as_str()).min().map(day).unwrap_or("")) }
                text class="val" x=(width - 10.0) y=(height - 4.0) text-anchor="end" { (points.iter().map(|p| p.1 .0.as_str()).max().map(day).unwrap_or("")) }
            }
            ol.small.timeline-list {
                @for (_, t) in &points { li { time datetime=(t.0) { (day(&t.0)) } " " (t.1) ": " a href=(links.article(&t.2)) { (t.3.as_deref().unwrap_or("(no title)")) } } }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Taxonomy

/// The taxonomy: categories with their techniques (definition and example), frames, genres.
pub fn techniques_view(links: Links) -> Markup {
    let anchor = |label: &str| match links {
        Links::Server => encode_segment(label),
        Links::Report => format!("techniques-{}", encode_segment(label)),
    };
    html! {
        section.taxonomy {
            h1 { "Persuasion techniques" }
            p { "The 23 techniques of SemEval-2023 Task 3 in six categories. Highlights use the category's colour "
                "and line style (so colour alone never carries the meaning)." }
            (legend())
            @for c in Category::ALL {
                h2 { mark class={ "hl sw " (category_class(c.id())) } { (c.name()) } }
                p { (c.description()) }
                dl {
                    @for t in TECHNIQUES.iter().filter(|t| t.category == c) {
                        dt id=(anchor(t.label)) { (t.name) " " code.small { (t.label) } }
                        dd { (t.definition) br; span.small { "Example: " q { (t.example) } } }
                    }
                }
            }
            h2 { "Frames" }
            dl { @for (l, d) in FRAMES { dt { (l) } dd { (d) } } }
            h2 { "Genres" }
            dl { @for (l, d) in GENRES { dt { (l) } dd { (d) } } }
        }
    }
}

/// Renders markup to a string.
pub fn render(m: Markup) -> String {
    m.into_string()
}

/// For callers that have trusted, pre-built markup (the stylesheet in the report).
pub fn trusted(s: &str) -> PreEscaped<&str> {
    PreEscaped(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use scraper::{ElementRef, Html, Selector};

    fn spans_from(n: usize, raw: &[(usize, usize, u8, bool)]) -> Vec<TechniqueSpan> {
        raw.iter()
            .map(|&(a, b, t, shown)| {
                let tech = &TECHNIQUES[t as usize % TECHNIQUES.len()];
                // Some spans run past the end on purpose: they must be left out, not crash.
                let (s, e) = (a % (n + 2), b % (n + 3));
                TechniqueSpan {
                    technique: tech.label.into(),
                    category: tech.category.id().into(),
                    start: s.min(e),
                    end: s.max(e),
                    score: 0.5,
                    confidence: 0.5,
                    shown,
                    hidden: None,
                }
            })
            .collect()
    }

    /// Elements the article view may contain; anything else came from the input.
    const ALLOWED: &[&str] = &[
        "html", "head", "body", "article", "h1", "h2", "p", "a", "time", "span", "div", "input",
        "label", "ul", "li", "mark", "aside", "strong", "ol", "details", "summary", "br",
    ];

    #[test]
    fn the_page_says_when_the_genre_is_unsure() {
        let mut a = Article::new("x", "x.txt", "A title\n\nSome words.".to_string());
        let genre = |top: f32| {
            rhetor_doc::GenrePrediction::from_scores(
                "reporting",
                [("opinion", 1.0 - top), ("reporting", top)],
                None,
            )
        };
        a.genre = Some(genre(0.49));
        let html = article_view(Links::Server, None, &a, "").into_string();
        assert!(html.contains("Unsure: under 0.60"), "{html}");
        a.genre = Some(genre(0.9));
        let html = article_view(Links::Server, None, &a, "").into_string();
        assert!(!html.contains("Unsure"), "{html}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Every span is exactly the union of the segments that list it, whatever the overlaps.
        #[test]
        fn segments_cover_each_span_exactly(n in 0usize..60, raw in proptest::collection::vec((0usize..80, 0usize..80, 0u8..23, any::<bool>()), 0..8)) {
            let spans = spans_from(n, &raw);
            let segs = segments(n, &spans, &[]);
            let mut pos = 0;
            for s in &segs { prop_assert_eq!(s.start, pos); pos = s.end; }
            prop_assert_eq!(pos, n);
            for (i, t) in spans.iter().enumerate() {
                let covered: Vec<&Segment> = segs.iter().filter(|s| s.techniques.contains(&i)).collect();
                if t.start < t.end && t.end <= n {
                    prop_assert_eq!(covered.first().map(|s| s.start), Some(t.start));
                    prop_assert_eq!(covered.last().map(|s| s.end), Some(t.end));
                    for w in covered.windows(2) { prop_assert_eq!(w[0].end, w[1].start); }
                } else {
                    prop_assert!(covered.is_empty());
                }
            }
        }

        /// Random titles, texts and metadata never produce markup: the page parses to the same
        /// title and text, and to no element or attribute the view does not write itself.
        #[test]
        fn random_input_never_reaches_the_page_as_markup(
            title in "[a-z<>&\"'/= !-]{0,30}|<script>[a-z()]{0,8}</script>|<img src=x onerror=[a-z]{1,5}>",
            body in "([a-z<>&\"'/= \n;:-]|javascript:|<b onmouseover=x>|</mark>|<!--){0,60}",
            outlet in "[a-z<>\"'= .]{1,20}",
            raw in proptest::collection::vec((0usize..80, 0usize..80, 0u8..23, any::<bool>()), 0..6),
        ) {
            let text = format!("{title}\n\n{body}");
            let mut a = Article::new("x", "x.html", text.clone());
            a.title = Some(title.clone());
            a.metadata.outlet = Some(outlet.clone());
            a.metadata.url = Some(format!("javascript:{body}"));
            a.metadata.author = Some(body.clone());
            let n = text.chars().count();
            a.techniques = spans_from(n, &raw);
            let html = article_view(Links::Server, None, &a, "").into_string();
            let doc = Html::parse_document(&format!("<!DOCTYPE html><html><body>{html}</body></html>"));
            for el in doc.root_element().descendants().filter_map(ElementRef::wrap) {
                let name = el.value().name();
                prop_assert!(ALLOWED.contains(&name), "element <{}> in {}", name, html);
                for (k, v) in el.value().attrs() {
                    prop_assert!(!k.starts_with("on"), "attribute {}", k);
                    if k == "href" { prop_assert!(!v.trim_start().to_ascii_lowercase().starts_with("javascript:"), "href {}", v); }
                }
            }
            let h1: String = doc.select(&Selector::parse("h1").unwrap()).next().unwrap().text().collect();
            prop_assert_eq!(h1, title);
            let shown: String = doc.select(&Selector::parse("div.text").unwrap()).next().unwrap().text().collect();
            prop_assert_eq!(shown, text);
        }
    }
}
