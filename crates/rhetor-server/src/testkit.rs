//! Building blocks for tests, the browser test and the load example: a deterministic
//! bag-of-words embedder (no model needed), articles written here with exact spans (hostile
//! titles and texts among them), and a server on a free loopback port.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use rhetor_corpus::Corpus;
use rhetor_doc::{
    Article, FrameScore, GenrePrediction, LabelScore, Paragraph, ParagraphKind, Quote, QuoteKind,
    TechniqueSpan,
};

use crate::state::{AppState, ServerConfig};

pub use rhetor_corpus::testkit::Bag;

/// An article: title, blank line, body paragraphs separated by blank lines (the layout of
/// HTML inputs), with paragraphs filled in.
pub fn article(id: &str, outlet: &str, date: &str, title: &str, body: &[&str]) -> Article {
    let text = format!("{title}\n\n{}", body.join("\n\n"));
    let mut a = Article::new(id, format!("{id}.html"), text);
    a.title = Some(title.to_string());
    let t = title.chars().count();
    a.paragraphs.push(Paragraph {
        index: 1,
        start: 0,
        end: t,
        kind: ParagraphKind::Title,
        reason: None,
    });
    let mut pos = t + 2;
    for (i, p) in body.iter().enumerate() {
        let n = p.chars().count();
        a.paragraphs.push(Paragraph {
            index: 3 + 2 * i,
            start: pos,
            end: pos + n,
            kind: ParagraphKind::Body,
            reason: None,
        });
        pos += n + 2;
    }
    a.metadata.outlet = Some(outlet.to_string());
    a.metadata.published = Some(date.to_string());
    a.metadata.language = Some("en".into());
    a.genre = Some(GenrePrediction {
        label: "reporting".into(),
        basis: None,
        scores: vec![
            LabelScore {
                label: "reporting".into(),
                score: 0.8,
            },
            LabelScore {
                label: "opinion".into(),
                score: 0.15,
            },
            LabelScore {
                label: "satire".into(),
                score: 0.05,
            },
        ],
    });
    a.frames = vec![
        FrameScore {
            frame: "Economic".into(),
            score: 0.7,
        },
        FrameScore {
            frame: "Political".into(),
            score: 0.4,
        },
    ];
    a
}

/// Code-point offset of `needle` in `a.text` (the `nth` occurrence, from 0).
pub fn find(a: &Article, needle: &str, nth: usize) -> (usize, usize) {
    let mut from = 0;
    let mut at = None;
    for _ in 0..=nth {
        let i = a.text[from..].find(needle).map(|i| i + from);
        at = i;
        from = i.map(|i| i + needle.len()).unwrap_or(a.text.len());
    }
    let b = at.unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let start = a.text[..b].chars().count();
    (start, start + needle.chars().count())
}

/// Adds a technique span over `needle`.
pub fn span(a: &mut Article, needle: &str, technique: &str, score: f32, shown: bool) {
    let (start, end) = find(a, needle, 0);
    let category = rhetor_doc::taxonomy::technique(technique)
        .map(|t| t.category.id().to_string())
        .unwrap_or_else(|| "manipulative_wording".into());
    a.techniques.push(TechniqueSpan {
        technique: technique.into(),
        category,
        start,
        end,
        score,
        confidence: score,
        shown,
        hidden: (!shown).then(|| "low_confidence".to_string()),
    });
}

/// Adds a direct quote over `needle` by `speaker`.
pub fn quote(a: &mut Article, needle: &str, speaker: &str, shown: bool) {
    let (start, end) = find(a, needle, 0);
    a.quotes.push(Quote {
        start,
        end,
        kind: QuoteKind::Direct,
        cue: Some("said".into()),
        cue_start: None,
        cue_end: None,
        speaker: Some(speaker.into()),
        speaker_start: None,
        speaker_end: None,
        score: 0.9,
        confidence: if shown { 0.9 } else { 0.4 },
        shown,
    });
    if shown && !a.speakers.iter().any(|s| s.name == speaker) {
        a.speakers.push(rhetor_doc::Speaker {
            name: speaker.into(),
            mentions: 1,
            quotes: 1,
        });
    }
}

/// Hostile strings: markup, event handlers, `javascript:` links, broken markup.
pub const HOSTILE_TITLE: &str =
    "<script>alert('t')</script> Bridge \"closed\" <img src=x onerror=alert(1)>";
pub const HOSTILE_OUTLET: &str = "\"><svg onload=alert(2)>.example";
pub const HOSTILE_BODY: &str = "Readers clicked <a href=\"javascript:alert(3)\">here</a> and </mark></div><b onmouseover=alert(4)>unclosed <!-- <style>body{display:none}</style> &amp; &lt;";

/// The fixture: two outlets covering a bridge closure (one story), a third article alone, one
/// with hostile title, outlet and text, and non-ASCII text with overlapping spans.
pub fn fixture() -> Vec<Article> {
    let mut a = article(
        "bridge-a",
        "northern-post.example",
        "2025-05-06",
        "Harbour bridge closed after crack found in main span",
        &[
            "The Harbour bridge in Port Elwin was closed on Tuesday after engineers found a crack in its main span, the city's transport office said.",
            "\u{201c}We will not take any risks with people's lives,\u{201d} said Mayor Ilse Brandt, adding that ferries would run every twenty minutes.",
            "Critics called the shameful neglect a disgrace that every commuter will pay for.",
        ],
    );
    a.metadata.url = Some("https://northern-post.example/news/bridge".into());
    span(
        &mut a,
        "shameful neglect a disgrace",
        "Loaded_Language",
        0.81,
        true,
    );
    span(
        &mut a,
        "a disgrace that every commuter will pay for",
        "Appeal_to_Fear-Prejudice",
        0.62,
        true,
    );
    span(
        &mut a,
        "every commuter",
        "Exaggeration-Minimisation",
        0.31,
        false,
    );
    quote(
        &mut a,
        "\u{201c}We will not take any risks with people's lives,\u{201d}",
        "Ilse Brandt",
        true,
    );

    let mut b = article(
        "bridge-b",
        "elwin-courier.example",
        "2025-05-07",
        "Harbour bridge in Port Elwin closed for weeks after crack found in main span",
        &[
            "The Harbour bridge in Port Elwin was closed on Tuesday after inspectors found a crack in the main span of the bridge, the transport office said.",
            "Transport chief Omar Said said the closure could last weeks. \"Commuters should plan for long delays on the Harbour bridge,\" he said.",
            "Opposition councillors called the city's maintenance record a total disgrace.",
        ],
    );
    span(
        &mut b,
        "a total disgrace",
        "Name_Calling-Labeling",
        0.7,
        true,
    );
    quote(
        &mut b,
        "\"Commuters should plan for long delays on the Harbour bridge,\"",
        "Omar Said",
        true,
    );

    let mut c = article(
        "choir",
        "elwin-courier.example",
        "2025-04-12",
        "Choir of Elwin Primary wins the national title — zum dritten Mal, ça alors",
        &[
            "The choir of Elwin Primary School won the national children's choir championship in Glasgow on Saturday, beating 31 other schools. Ünïcödé 😀 text stays exact.",
            "Their teacher, Ruth Hale, said the children had rehearsed every morning since January.",
        ],
    );
    span(&mut c, "Ünïcödé 😀 text", "Loaded_Language", 0.66, true);
    span(&mut c, "😀 text stays", "Doubt", 0.4, false);

    let mut h = article(
        "hostile",
        HOSTILE_OUTLET,
        "2025-05-08",
        HOSTILE_TITLE,
        &[HOSTILE_BODY, "Second <script>alert(5)</script> paragraph."],
    );
    h.metadata.url = Some("javascript:alert(6)".into());
    h.metadata.author = Some("<i>Mallory</i>".into());
    span(
        &mut h,
        "<a href=\"javascript:alert(3)\">here</a>",
        "Doubt",
        0.7,
        true,
    );
    span(
        &mut h,
        "</mark></div><b onmouseover=alert(4)>",
        "Loaded_Language",
        0.9,
        true,
    );
    quote(&mut h, "<script>alert(5)</script>", "<b>Eve</b>", true);
    vec![a, b, c, h]
}

/// Builds a store in `dir` from `articles` (bag-of-words vectors, stories as `rhetor add` forms them).
pub fn build_store(dir: &Path, articles: &[Article]) -> rhetor_corpus::Result<()> {
    let mut corpus = Corpus::open(dir, Bag)?;
    for a in articles {
        corpus.add(a)?;
    }
    corpus.commit(true)
}

/// A running server on a free loopback port, stopped when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Serves the store in `dir` (text search only: no encoder needed).
    pub fn start(dir: &Path) -> Self {
        let mut config = ServerConfig::new(dir.to_path_buf());
        config.port = 0;
        config.semantic_search = false;
        Self::with_config(config)
    }

    pub fn with_config(config: ServerConfig) -> Self {
        let state = Arc::new(AppState::open(config).expect("open the store"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener =
                    crate::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).expect("bind");
                let _ = ready_tx.send(listener.local_addr().expect("addr"));
                crate::serve(listener, state, async {
                    let _ = rx.await;
                })
                .await
                .expect("serve");
            });
        });
        let addr = ready_rx.recv().expect("server started");
        TestServer {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
