use super::*;
use rhetor_doc::{Article, ParagraphKind};

/// Build an article the way the pipeline does: paragraphs by line, line 1 is the title.
fn article(text: &str) -> Article {
    let mut a = Article::new("t", "-", text);
    a.paragraphs = rhetor_text::paragraphs(text);
    if let Some(p) = a.paragraphs.first_mut() {
        p.kind = ParagraphKind::Title;
    }
    clean(&mut a);
    a
}

/// (text, reason) of each paragraph after cleanup.
fn kinds(a: &Article) -> Vec<(String, Option<String>)> {
    a.paragraphs
        .iter()
        .map(|p| {
            let t = a.slice(p.start, p.end).unwrap_or("").trim().to_string();
            (
                t,
                if p.kind == ParagraphKind::Debris {
                    p.reason.clone()
                } else {
                    None
                },
            )
        })
        .collect()
}

fn reason_of(line: &str) -> Option<String> {
    let a = article(&format!(
        "Headline\n\nSome body text here, long enough to be real.\n\n{line}"
    ));
    a.paragraphs.get(2).and_then(|p| {
        (p.kind == ParagraphKind::Debris)
            .then(|| p.reason.clone())
            .flatten()
    })
}

fn assert_debris(reason: &str, lines: &[&str]) {
    for l in lines {
        assert_eq!(
            reason_of(l).as_deref(),
            Some(reason),
            "{l:?} should be {reason}"
        );
    }
}

fn assert_body(lines: &[&str]) {
    for l in lines {
        assert_eq!(reason_of(l), None, "{l:?} should stay in the body");
    }
}

#[test]
fn bylines_go_and_fill_author() {
    assert_debris(
        "byline",
        &[
            "By Jane Doe",
            "By JANE DOE",
            "By Jane Doe, CNN",
            "By Jane Doe and John Roe, Reuters",
            "Written by Jane Doe",
            "Posted by admin",
            "Posted by b on November 29, 2018 at 10:23 AM | Permalink",
            "Reporting by Jane Doe; Editing by John Roe",
            "Additional reporting by Max Muster in Berlin",
            "Jane Doe contributed to this report.",
        ],
    );
    let a = article("Headline\n\nBy Jane Doe, CNN\n\nBody paragraph that says something.");
    assert_eq!(a.metadata.author.as_deref(), Some("Jane Doe"));
    let a = article("Headline\n\nBy Jane Doe and John Roe | Staff Writers\n\nBody.");
    assert_eq!(a.metadata.author.as_deref(), Some("Jane Doe and John Roe"));
    let a = article("Headline\n\nWritten by Jane Doe\n\nBody.");
    assert_eq!(a.metadata.author.as_deref(), Some("Jane Doe"));
}

#[test]
fn author_already_known_is_kept() {
    let mut a = Article::new("t", "-", "Headline\n\nBy Jane Doe\n\nBody.");
    a.paragraphs = rhetor_text::paragraphs(&a.text);
    a.metadata.author = Some("From HTML".into());
    clean(&mut a);
    assert_eq!(a.metadata.author.as_deref(), Some("From HTML"));
    assert_eq!(a.paragraphs[1].kind, ParagraphKind::Debris);
}

#[test]
fn read_time_and_datelines_go_and_fill_published() {
    assert_debris(
        "read_time",
        &[
            "6 min read",
            "5 min. read",
            "Reading time: 4 minutes",
            "12 minute read",
        ],
    );
    assert_debris(
        "dateline",
        &[
            "Updated 3:45 PM EST, March 2, 2024",
            "Published 12 Jan 2023",
            "March 3, 2024",
            "Mon 4 Mar 2024 06.00 GMT",
            "Published 3 hours ago",
            "2024-03-01T12:30:00Z",
            "Posted on Tuesday, 5th of March 2024 at 10:30 am",
        ],
    );
    let a = article("Headline\n\nUpdated 3:45 PM EST, Sat March 2, 2024\n\nBody.");
    assert_eq!(
        a.metadata.published.as_deref(),
        Some("2024-03-02T15:45:00-05:00")
    );
    let a = article("Headline\n\nPublished 12 Jan 2023\n\nBody.");
    assert_eq!(a.metadata.published.as_deref(), Some("2023-01-12"));
    // A first-publication date wins over an update, whatever the order.
    let a = article("Headline\n\nUpdated 14 Jan 2023\n\nPublished 12 Jan 2023\n\nBody.");
    assert_eq!(a.metadata.published.as_deref(), Some("2023-01-12"));
}

#[test]
fn medium_style_header_and_footer() {
    let text = "How I Quit Social Media\n\nJane Doe\n\nFollow\n\n6 min read\n\n·\n\nMar 3, 2024\n\n--\n\n\
                Listen\n\nShare\n\nI deleted every app on a Tuesday.\n\nIt was hard at first.\n\n\
                Written by Jane Doe\n\n1.2K Followers\n\nNo responses yet\n\nHelp Status About Careers Press Blog Privacy Terms Text to speech Teams";
    let a = article(text);
    let k = kinds(&a);
    let body: Vec<&str> = k
        .iter()
        .filter(|(_, r)| r.is_none())
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(
        body,
        vec![
            "How I Quit Social Media",
            "I deleted every app on a Tuesday.",
            "It was hard at first."
        ]
    );
    assert_eq!(a.metadata.author.as_deref(), Some("Jane Doe"));
    assert_eq!(a.metadata.published.as_deref(), Some("2024-03-03"));
}

#[test]
fn a_signature_far_down_is_debris_but_not_the_author() {
    let mut text = String::from("Readers respond\n\n");
    for i in 0..6 {
        text.push_str(&format!(
            "Reader letter number {i} says the candidate is wrong about taxes.\n\n"
        ));
    }
    text.push_str("Ken White.\n\nFACEBOOK.\n\nOne more letter about the economy and jobs.");
    let a = article(&text);
    let k = kinds(&a);
    assert!(k
        .iter()
        .any(|(t, r)| t == "Ken White." && r.as_deref() == Some("byline")));
    assert_eq!(a.metadata.author, None);
}

#[test]
fn compound_meta_lines() {
    assert_debris(
        "byline",
        &[
            "Jane Doe · 6 min read · Mar 3, 2024",
            "By Jane Doe | March 3, 2024",
        ],
    );
    let a = article("Headline\n\nBy Jane Doe | Updated March 3, 2024 10:00 am\n\nBody.");
    assert_eq!(a.metadata.author.as_deref(), Some("Jane Doe"));
    assert_eq!(a.metadata.published.as_deref(), Some("2024-03-03T10:00:00"));
}

#[test]
fn captions_and_credits_go() {
    assert_debris(
        "credit",
        &[
            "Photo: Reuters",
            "(Getty Images)",
            "Getty Images",
            "Image source, Getty Images",
            "AFP via Getty Images",
            "REUTERS/Kevin Lamarque",
            "Picture: PA",
            "Photo by Jane Doe/AP",
            "Image credit: NASA",
        ],
    );
    assert_debris(
        "caption",
        &[
            "Image caption, Firefighters battled the blaze for six hours",
            "Protesters gather outside parliament on Saturday. Photograph: Guy Smallman/Getty Images",
            "President Biden speaks in the Rose Garden (Photo: Reuters)",
            "Firefighters at the scene on Tuesday. (AP Photo/Jane Doe)",
        ],
    );
}

#[test]
fn share_and_player_prompts_go() {
    assert_debris(
        "share",
        &[
            "Share",
            "Share this article",
            "Copy link",
            "Link Copied!",
            "Get short URL",
            "Share Tweet Email",
            "Facebook | Twitter | WhatsApp",
            "Save",
            "Follow",
            "SUBSCRIBE on YouTube:",
            "Follow us on Twitter",
        ],
    );
    assert_debris(
        "player",
        &[
            "Listen Live",
            "Listen to this article",
            "Watch Live",
            "Video Ad Feedback",
            "02:31",
            "Watch: Biden's speech in full",
        ],
    );
    assert_debris(
        "ad",
        &["Advertisement", "Story continues below advertisement"],
    );
}

#[test]
fn newsletter_comment_tag_prompts_go() {
    assert_debris(
        "newsletter",
        &[
            "Sign up for our newsletter",
            "Sign up for our daily newsletter to get the latest news",
            "Subscribe to RT newsletter to get stories the mainstream media won’t tell you.",
            "Get the latest headlines delivered to your inbox",
            "Sign up here.",
            "Sign up for the Quartz Africa Weekly Brief — the most important and interesting news from across the continent, in your inbox.",
        ],
    );
    assert_debris(
        "comments",
        &[
            "Comments",
            "Leave a comment",
            "Leave a Reply",
            "12 comments",
            "No responses yet",
            "Community standards",
            "Join the conversation",
        ],
    );
    assert_debris(
        "tags",
        &[
            "Tags: Ukraine, Russia, NATO",
            "Topics",
            "Filed under: Politics, Elections",
            "Related Topics",
        ],
    );
}

#[test]
fn related_lists_and_footers_go() {
    assert_debris(
        "related",
        &[
            "Related:",
            "Read more:",
            "More from Politics",
            "Recommended",
            "READ MORE: Boris Johnson's secret plan revealed",
            "You may also like",
        ],
    );
    assert_debris(
        "footer",
        &[
            "© 2024 Example News Ltd",
            "All rights reserved.",
            "Copyright 2023 The Associated Press. All rights reserved.",
            "About the author",
            "This article was originally published on The Conversation.",
        ],
    );
    assert_debris("separator", &["***", "---", "• • •", "* * *", "—"]);

    let text = "Headline\n\nThe minister resigned on Friday after weeks of pressure.\n\nRelated\n\n\
                Minister under fire over expenses\n\nWhat the opposition wants now\n\nThree things to know about the inquiry\n\n\
                © 2024 Example News";
    let k = kinds(&article(text));
    assert_eq!(k[1].1, None);
    for (t, r) in &k[2..] {
        assert!(r.is_some(), "{t:?} should be debris");
    }
}

#[test]
fn a_subheading_after_a_related_line_stays() {
    let text = "Headline\n\nFirst paragraph of the story, with a full sentence.\n\nRecommended\n\n\
                What happens next\n\nThe committee will meet again in June, officials said, and a vote is expected before the summer recess begins.";
    let k = kinds(&article(text));
    assert_eq!(k[2].1.as_deref(), Some("related"));
    assert_eq!(k[3].1, None, "{:?}", k[3]);
    assert_eq!(k[4].1, None);
}

#[test]
fn the_one_link_under_read_more_goes() {
    let text = "Headline\n\nFirst paragraph of the story, with a full sentence.\n\nRead more\n\n\
                EU agrees on new sanctions package\n\nThe committee will meet again in June, officials said, and a vote is expected before the summer recess begins.";
    let k = kinds(&article(text));
    assert_eq!(k[3].1.as_deref(), Some("related"));
    assert_eq!(k[4].1, None);
}

#[test]
fn medium_counters_and_follower_bios_go() {
    let text = "Title\n\nJane Roe\n\nFollow\n\n5 min read\n\n--\n\n12\n\nListen\n\nShare\n\n\
                The body starts here and goes on.\n\nShare this story if it matters to you.\n\n\
                The body ends here.\n\n--\n\n12\n\nWritten by Jane Roe\n\n340 Followers\n\n\
                Reporter covering media and democracy. Formerly at the Harlow Ledger.\n\nMore from Jane Roe";
    let k = kinds(&article(text));
    let body: Vec<&str> = k[1..]
        .iter()
        .filter(|(_, r)| r.is_none())
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(
        body,
        vec!["The body starts here and goes on.", "The body ends here."]
    );
    assert_body(&["12 people died.", "1,200"]);
}

#[test]
fn author_bio_at_the_end_goes() {
    let text = "Headline\n\nBy Jane Doe\n\nThe body of the article is here.\n\n\
                Jane Doe is a senior reporter at Example News covering climate policy.";
    let k = kinds(&article(text));
    assert_eq!(k[3].1.as_deref(), Some("bio"));
    assert_eq!(k[2].1, None);
}

#[test]
fn tricky_body_paragraphs_stay() {
    assert_body(&[
        "By the end of the year, prices had doubled.",
        "By Tuesday the troops had left the city.",
        "By contrast, the opposition wants lower taxes.",
        "\"Share the wealth,\" the senator said.",
        "Share prices fell sharply on Monday.",
        "She declined to share details of the deal.",
        "He refused.",
        "It worked.",
        "Why?",
        "The photo, taken in 1945, shows soldiers raising a flag.",
        "A photo of the meeting was posted on Twitter by the mayor's office.",
        "Comments made by the minister drew criticism from all sides.",
        "Listen to what the people are saying, she urged.",
        "Related to this, the council also cut spending on libraries.",
        "Read more about the plan on the ministry's website, officials said.",
        "Follow the money, as they say, and you will find the answer.",
        "The tags on the crates read \"Made in China\".",
        "Topics discussed included trade, security and migration.",
        "March 3, 2024 will be remembered as a dark day for democracy.",
        "Updated figures show unemployment rose to 5.1 per cent.",
        "Published in 1859, the book changed biology forever.",
        "Copyright law protects authors, the judge said.",
        "All rights reserved, the company insisted, was no excuse.",
        "Advertisement revenue fell by a third last year.",
        "Getty Images and Reuters both distributed the picture worldwide, which angered the family.",
        "He painted a vivid image: a country in ruins.",
        "Unemployment rose to 5 per cent (source: Eurostat)",
        "Watch the skies, the general warned.",
        "The film, which premiered in Cannes, was praised by critics. Photo opportunities abounded.",
        "Save the Children said the figures were alarming.",
        "Home is where the heart is.",
        "Next, the committee will vote.",
        "Jane Doe, a spokeswoman for the ministry, declined to comment.",
        "Conversation with the minister lasted an hour.",
        "Search and rescue teams worked through the night.",
        "1. Cut taxes",
        "Video footage showed police beating protesters.",
        "Tags were attached to every suitcase.",
        "Following the shooting, students lobbied politicians for gun control.",
        "Subscribers to the newsletter were told nothing, the lawsuit says.",
        "Sign up for the draft was compulsory for every man over 18, and thousands refused.",
        "Written by hand, the letter ran to four pages.",
        "Posted by mistake, the message was deleted within minutes.",
    ]);
}

#[test]
fn title_and_text_are_never_touched() {
    let text = "By Jane Doe\n\nShare\n\nBody.";
    let a = article(text);
    assert_eq!(a.paragraphs[0].kind, ParagraphKind::Title);
    assert_eq!(a.paragraphs[1].kind, ParagraphKind::Debris);
    assert_eq!(a.text, text);
}

#[test]
fn nbsp_and_zero_width_do_not_hide_debris() {
    assert_debris("share", &["Share\u{a0}this\u{200b} article"]);
    assert_debris("read_time", &["6\u{a0}min read"]);
    assert_debris("separator", &["\u{200b}", "\u{feff}"]);
}

#[test]
fn semeval_english_train_articles_have_no_debris() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/semeval2023/en/train-articles-subtask-3");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "SKIP: SemEval English training articles not found at {}",
            dir.display()
        );
        return;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    let (mut articles, mut paras, mut hits, mut invisible) = (0, 0, 0, 0);
    let mut examples = Vec::new();
    for p in &paths {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        let a = article(&text);
        articles += 1;
        for para in a.paragraphs.iter().skip(1) {
            paras += 1;
            if para.kind != ParagraphKind::Debris {
                continue;
            }
            let t = a.slice(para.start, para.end).unwrap_or("");
            // Lines holding only U+FEFF carry no text: debris by any measure, not a loss.
            if t.chars()
                .all(|c| c.is_whitespace() || rhetor_text::is_zero_width(c))
            {
                invisible += 1;
                continue;
            }
            hits += 1;
            examples.push(format!(
                "{} #{} [{}] {:?}",
                p.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
                para.index,
                para.reason.as_deref().unwrap_or(""),
                t.chars().take(140).collect::<String>()
            ));
        }
    }
    println!(
        "SemEval en train: {articles} articles, {paras} non-title paragraphs, {hits} marked debris \
         (+{invisible} lines of only zero-width characters)"
    );
    for e in &examples {
        println!("  {e}");
    }
    // These texts were called clean, but the PTC articles were scraped. Reviewed by hand
    // (2026-11-26): each of the 162 paragraphs marked is debris — Tribune syndication footers,
    // "Advertisement", "© …" photo captions, separator rules, Reuters bylines and "Our Standards",
    // a "READ MORE:" list, "Follow on Twitter", newsletter prompts, 27 copies of Freedom Outpost's
    // "Comments This field is for validation purposes…" poll text, "Click here to listen to this
    // interview.", "By Jesse Van Berkel, Star Tribune, September 26, 2018:". Two of them (both photo
    // captions) carry a technique label in the subtask-3 gold. This bound guards against new rules
    // eating body paragraphs: raise it only after reading the new hits.
    assert!(
        hits <= 165,
        "{hits} SemEval paragraphs marked as debris: review the list above"
    );
    assert!(paras > 0, "no paragraphs read from {}", dir.display());
}

/// The same scan over every SemEval language (train and test articles) and PolNeAR's US election
/// news: prints every hit for review; the bound guards against regressions.
#[test]
fn debris_scan_other_corpora() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let mut dirs = Vec::new();
    for lang in ["fr", "ge", "it", "po", "ru", "es", "gr", "ka", "en"] {
        for split in ["train", "test"] {
            if lang == "en" && split == "train" {
                continue;
            }
            dirs.push(root.join(format!("semeval2023/{lang}/{split}-articles-subtask-3")));
        }
    }
    dirs.push(root.join("polnear/data/train/text"));
    dirs.push(root.join("polnear/data/dev/text"));
    let mut total_hits = 0;
    let mut scanned = 0;
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("SKIP: {} not found", dir.display());
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        let (mut paras, mut hits) = (0, 0);
        for p in &paths {
            let Ok(text) = std::fs::read_to_string(p) else {
                continue;
            };
            let a = article(&text);
            for para in a.paragraphs.iter().skip(1) {
                paras += 1;
                if para.kind != ParagraphKind::Debris {
                    continue;
                }
                let t = a.slice(para.start, para.end).unwrap_or("");
                if t.chars().all(|c| !c.is_alphanumeric()) {
                    continue; // separators and invisible lines
                }
                hits += 1;
                println!(
                    "  {} #{} [{}] {:?}",
                    p.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
                    para.index,
                    para.reason.as_deref().unwrap_or(""),
                    t.chars().take(140).collect::<String>()
                );
            }
        }
        println!(
            "{}: {} articles, {paras} paragraphs, {hits} debris with words",
            dir.display(),
            paths.len()
        );
        total_hits += hits;
        scanned += paras;
    }
    println!("TOTAL other corpora: {scanned} paragraphs, {total_hits} debris with words");
    // Reviewed 2026-11-26 (302 hits): AP live-blog clock lines ("6:01 p.m."), HuffPost/USA Today
    // photo credits and share labels ("Getty.", "FACEBOOK."), reader-letter signatures, RT's "Mehr
    // zum Thema –" links, "contributed reporting" lines. Raise only after reading new hits.
    assert!(
        total_hits <= 320,
        "{total_hits} debris paragraphs: review the list above"
    );
}

/// Whole scraped articles in the shapes outlets produce (invented text). `B` marks body lines,
/// `D` debris; the first line is the title.
fn check_article(lines: &[(char, &str)]) -> Article {
    let text = lines
        .iter()
        .map(|(_, l)| *l)
        .collect::<Vec<_>>()
        .join("\n\n");
    let a = article(&text);
    let k = kinds(&a);
    assert_eq!(k.len(), lines.len(), "paragraph count");
    for ((want, line), (_, reason)) in lines.iter().zip(&k).skip(1) {
        match want {
            'B' => assert_eq!(reason, &None, "body line marked debris: {line:?}"),
            _ => assert!(reason.is_some(), "debris line kept: {line:?}"),
        }
    }
    a
}

#[test]
fn bbc_style_article() {
    let a = check_article(&[
        ('T', "Flooding: Hundreds evacuated as river bursts its banks"),
        ('D', "Published 12 January 2024"),
        ('D', "Share"),
        ('D', "Save"),
        ('D', "By Jane Doe"),
        ('D', "BBC News, Yorkshire"),
        ('D', "Image source, Getty Images"),
        ('D', "Image caption, Residents were moved to a leisure centre overnight"),
        ('B', "Hundreds of people have been evacuated from their homes after the River Ouse burst its banks."),
        ('B', "The Environment Agency issued three severe flood warnings, meaning there is a danger to life."),
        ('B', "\"We lost everything downstairs,\" said resident Tom Hill."),
        ('D', "Related Topics"),
        ('D', "Flooding"),
        ('D', "York"),
        ('D', "More on this story"),
        ('D', "Why is flooding getting worse?"),
        ('D', "Published 3 days ago"),
    ]);
    assert_eq!(a.metadata.published.as_deref(), Some("2024-01-12"));
    assert_eq!(a.metadata.author.as_deref(), Some("Jane Doe"));
}

#[test]
fn cnn_style_article() {
    let a = check_article(&[
        ('T', "Senate passes stopgap bill hours before shutdown deadline"),
        ('D', "By Jane Doe and John Roe, CNN"),
        ('D', "Updated 11:02 PM EST, Fri March 1, 2024"),
        ('D', "Link Copied!"),
        ('B', "Washington CNN — The Senate on Friday passed a short-term funding bill, averting a partial government shutdown."),
        ('D', "Video Ad Feedback"),
        ('D', "02:31"),
        ('B', "The vote was 77-13."),
        ('B', "Lawmakers now have until March 8 to pass full-year spending bills."),
        ('D', "CNN’s Manu Raju contributed to this report."),
    ]);
    assert_eq!(a.metadata.author.as_deref(), Some("Jane Doe and John Roe"));
    assert_eq!(
        a.metadata.published.as_deref(),
        Some("2024-03-01T23:02:00-05:00")
    );
}

#[test]
fn rt_style_article() {
    check_article(&[
        ('T', "Moscow warns of ‘consequences’ over new sanctions"),
        ('D', "Get short URL"),
        ('D', "12 Jan, 2024 14:05"),
        ('B', "Moscow will respond to the new package of sanctions, the Foreign Ministry said on Friday."),
        ('B', "The spokeswoman called the measures “illegitimate” and “doomed to fail”."),
        ('D', "READ MORE: EU unveils new sanctions package"),
        ('B', "The bloc has adopted twelve packages since February 2022."),
        ('D', "You can share this story on social media:"),
        ('D', "Follow RT on Telegram"),
        ('D', "Subscribe to RT newsletter to get stories the mainstream media won’t tell you."),
    ]);
}

#[test]
fn reuters_style_article() {
    let a = check_article(&[
        ('T', "Oil prices rise as supply worries mount"),
        ('D', "By Jane Doe"),
        ('D', "March 3, 2024 10:15 AM UTC"),
        ('D', "Updated 2 hours ago"),
        ('B', "LONDON, March 3 (Reuters) - Oil prices rose on Monday as concerns about supply from the Middle East outweighed worries over demand."),
        ('B', "Brent crude futures were up 62 cents, or 0.8%, at $83.17 a barrel by 1010 GMT."),
        ('D', "Reporting by Jane Doe; Editing by John Roe"),
        ('D', "Our Standards: The Thomson Reuters Trust Principles."),
        ('D', "Acquire Licensing Rights"),
    ]);
    assert_eq!(
        a.metadata.published.as_deref(),
        Some("2024-03-03T10:15:00+00:00")
    );
}

#[test]
fn local_news_and_blog_style_articles() {
    check_article(&[
        ('T', "Council approves new bike lanes on Main Street"),
        ('D', "Posted on March 5, 2024 by Jane Doe"),
        ('D', "5 Comments"),
        (
            'B',
            "The city council voted 5-2 on Monday to add protected bike lanes along Main Street.",
        ),
        ('B', "Construction is expected to begin in June."),
        ('D', "Advertisement"),
        (
            'B',
            "Some business owners worry about losing parking spaces.",
        ),
        ('D', "Tags: bike lanes, city council, Main Street"),
        ('D', "Share this:"),
        ('D', "Facebook"),
        ('D', "Twitter"),
        ('D', "Like this:"),
        ('D', "Related"),
        ('D', "Leave a Reply Cancel reply"),
        ('D', "© 2024 Springfield Gazette. All rights reserved."),
    ]);
}

#[test]
fn guardian_style_article() {
    check_article(&[
        ('T', "The government’s housing plan is a fantasy"),
        ('D', "Jane Doe"),
        ('D', "Mon 4 Mar 2024 06.00 GMT"),
        ('B', "Ministers keep promising 300,000 homes a year. They have never delivered them."),
        ('D', "Protesters outside parliament last week. Photograph: Guy Smallman/Getty Images"),
        ('B', "The reasons are no mystery: land is expensive, builders are few, and councils are broke."),
        ('D', "Jane Doe is a Guardian columnist"),
        ('D', "Do you have an opinion on the issues raised in this article? If you would like to submit a response of up to 300 words by email to be considered for publication in our letters section, please click here."),
    ]);
}

/// Lower-case words of `s` joined by one space: the unit for "is this paragraph in the gold body".
fn words_of(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cleanup after real main-content extraction: on the 181 pages of the article-extraction
/// benchmark, a debris paragraph whose words occur in the page's gold `articleBody` is a body
/// paragraph lost (false positive); one whose words do not occur there is debris removed. Body
/// paragraphs left that are not in the gold body are debris we missed (or extraction noise).
#[test]
fn cleanup_on_extraction_benchmark_pages() {
    use std::io::Read;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/article-extraction-benchmark");
    let Ok(gt_raw) = std::fs::read_to_string(root.join("ground-truth.json")) else {
        eprintln!("SKIP: extraction benchmark not found at {}", root.display());
        return;
    };
    let gt: serde_json::Value = serde_json::from_str(&gt_raw).expect("ground truth JSON");
    let Some(gt) = gt.as_object() else {
        panic!("ground truth is not an object")
    };
    let (mut pages, mut removed_ok, mut lost, mut kept_body, mut kept_not_gold) = (0, 0, 0, 0, 0);
    let mut lost_examples = Vec::new();
    let mut missed_examples = Vec::new();
    let mut reasons = std::collections::BTreeMap::new();
    for (id, entry) in gt {
        let gold = words_of(entry["articleBody"].as_str().unwrap_or(""));
        let url = entry["url"].as_str();
        let Ok(file) = std::fs::File::open(root.join(format!("html/{id}.html.gz"))) else {
            continue;
        };
        let mut bytes = Vec::new();
        if flate2::read::GzDecoder::new(file)
            .read_to_end(&mut bytes)
            .is_err()
        {
            continue;
        }
        let Ok(ex) = crate::html::extract(&bytes, url) else {
            continue;
        };
        let a = crate::pipeline::from_extracted(ex, id.clone(), id.clone());
        pages += 1;
        for p in &a.paragraphs {
            let t = a.slice(p.start, p.end).unwrap_or("");
            let w = words_of(t);
            if w.is_empty() || p.kind == ParagraphKind::Title {
                continue;
            }
            // Words of a short line ("China", "Video") occur somewhere in most gold bodies by
            // chance; only lines of four words or more are judged against the gold.
            if w.split(' ').count() < 4 {
                continue;
            }
            let in_gold = gold.contains(&w);
            match (p.kind, in_gold) {
                (ParagraphKind::Debris, true) => {
                    lost += 1;
                    lost_examples.push(format!(
                        "{id} [{}] {t:?}",
                        p.reason.as_deref().unwrap_or("")
                    ));
                }
                (ParagraphKind::Debris, false) => {
                    removed_ok += 1;
                    *reasons
                        .entry(p.reason.clone().unwrap_or_default())
                        .or_insert(0) += 1;
                }
                (_, true) => kept_body += 1,
                (_, false) => {
                    kept_not_gold += 1;
                    if t.chars().count() < 90 {
                        missed_examples.push(format!("{id} {t:?}"));
                    }
                }
            }
        }
    }
    println!(
        "extraction benchmark: {pages} pages, lines of 4+ words: debris removed {removed_ok} (not in \
         gold), body lost {lost} (debris in gold); kept {kept_body} gold paragraphs and \
         {kept_not_gold} not in gold"
    );
    println!("removed by reason: {reasons:?}");
    for e in &lost_examples {
        println!("  LOST {e}");
    }
    for e in missed_examples.iter().take(400) {
        println!("  kept, not in gold: {e}");
    }
    assert!(pages > 150);
    // Reviewed 2026-11-26 (17 with the extractor of that morning, 10 with the afternoon's): the
    // "lost" lines are ones the gold keeps but a reader would not
    // call body: "Originally published on Live Science.", "Copyright 2019 Hawaii News Now. All
    // rights reserved.", three Reuters "(Graphic: … - here)" links, "Follow NBC Latino on
    // Facebook, Twitter and Instagram.", two "Click here to get more information or download this
    // game." and a product feature list under "Don't Miss:". Raise only after reading new ones.
    assert!(lost <= 18, "{lost} gold body paragraphs marked as debris");
}

#[test]
fn more_prompts_go() {
    assert_debris(
        "navigation",
        &["Back to Gallery", "Photo Gallery", "LIVE TV Videos Photos"],
    );
    assert_debris("ad", &["Advert"]);
    assert_debris("player", &["This slideshow requires JavaScript."]);
    assert_debris(
        "comments",
        &["Tell us what YOU think...", "0 Post Comment (+)"],
    );
    assert_debris(
        "related",
        &[
            "[Related: Salesforce keynote draws protesters]",
            "More Great WIRED Stories",
        ],
    );
    assert_debris(
        "newsletter",
        &["Subscribe to WIRED and stay smart with more of your favorite writers."],
    );
    assert_debris(
        "read_time",
        &["Tempo de leitura: 1 minuto", "Lesezeit: 4 Min."],
    );
    assert_debris("byline", &["By admin - 2018-09-16"]);
    assert_debris(
        "dateline",
        &["New Delhi, News Nation Bureau | Updated : 19 November 2019, 09:01 AM"],
    );
    assert_debris("tags", &["Related Tags:"]);
    assert_debris(
        "footer",
        &[
            "copyright Inexhibit 2019 - ISSN: 2283-5474",
            "Copyright ⓒ Entermedia.co.kr.",
        ],
    );
    assert_body(&[
        "Sign up for the Disney+ bundle using the same email as your Hulu account",
        "Your email list will begin to grow",
        "Copyright law changed in 2019, the judge said.",
        "Copyright Office Director 2019 report praised",
        "Subscribe to the idea that less is more, and you will be happier.",
    ]);
}

#[test]
fn live_blog_stamps_stay_below_the_top() {
    let text = "The latest on the vote\n\nBy Jane Doe\n\nOne.\n\nTwo.\n\nThree.\n\nFour.\n\n4:14 p.m.\n\nThe polls have closed.";
    let k = kinds(&article(text));
    assert_eq!(k[6], ("4:14 p.m.".to_string(), None));
}

#[test]
fn credits_promos_and_lists_seen_after_extraction() {
    assert_debris("credit", &["Natalie Naccache | Bloomberg | Getty Images"]);
    assert_debris(
        "caption",
        &["Titan in false colour, 2004. (NASA/JPL/Space Science Institute)"],
    );
    assert_debris(
        "related",
        &[
            "You may also like...",
            "Related post: Pickled Brussels Sprouts Recipe",
            "SEE MORE: Hong Kong protests: 800 students under siege",
        ],
    );
    assert_debris(
        "tags",
        &[
            "Filed under china , illnesses , plague",
            "Tags Kristi Noem South Dakota",
        ],
    );
    assert_debris(
        "promo",
        &[
            "GET FOX BUSINESS ON THE GO BY CLICKING HERE",
            "CLICK HERE TO GET THE FOX NEWS APP",
        ],
    );
    assert_debris(
        "share",
        &[
            "Like this story? Share it with a friend!",
            "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.",
            "Subscribe to AppleInsider on YouTube",
        ],
    );
    assert_debris(
        "byline",
        &[
            "By Sherif Saed, Wednesday, 20 November 2019 08:05 GMT",
            "Keith Bradsher contributed reporting from Hong Kong.",
        ],
    );
    assert_debris("dateline", &["5:45 AM PST 11/19/2019 by"]);
    assert_debris(
        "footer",
        &["This site is protected by recaptcha Privacy Policy | Terms of Service"],
    );
    let a = article("Headline\n\nBy Sherif Saed, Wednesday, 20 November 2019 08:05 GMT\n\nBody.");
    assert_eq!(a.metadata.author.as_deref(), Some("Sherif Saed"));
    assert_eq!(
        a.metadata.published.as_deref(),
        Some("2019-11-20T08:05:00+00:00")
    );
    assert_body(&[
        "Tags were attached to every suitcase",
        "The approval rating fell to 38 percent. (Reuters reported the poll on Monday.)",
        "If you click here, the report says, you will be tracked.",
        "Follow the money, the detective said.",
    ]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn line() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "By Jane Doe",
            "Share",
            "6 min read",
            "March 3, 2024",
            "Related",
            "Photo: AP",
            "***",
            "© 2024 X",
            "Tags: a, b",
            "The council voted on Tuesday.",
            "He said \"share\" twice.",
            "",
            " ",
            "\u{a0}",
            "\u{200b}",
            "é😀",
            "Jane Doe",
            "Read more:",
            "Comments",
            "Follow",
            "Updated 3:45 PM EST, March 2, 2024",
            "4:14 p.m.",
            "Image caption, x",
            "By",
        ])
        .prop_map(str::to_string)
    }

    proptest! {
        #[test]
        fn cleanup_only_marks_and_never_panics(lines in prop::collection::vec(line(), 0..25),
                                               sep in prop::sample::select(vec!["\n", "\r\n", "\n\n", "\r"])) {
            let text = lines.join(sep);
            let mut a = Article::new("p", "-", text.clone());
            a.paragraphs = rhetor_text::paragraphs(&text);
            if let Some(p) = a.paragraphs.first_mut() {
                p.kind = ParagraphKind::Title;
            }
            let before = a.paragraphs.clone();
            clean(&mut a);
            prop_assert_eq!(&a.text, &text);
            prop_assert_eq!(a.paragraphs.len(), before.len());
            for (p, b) in a.paragraphs.iter().zip(&before) {
                prop_assert_eq!((p.index, p.start, p.end), (b.index, b.start, b.end));
                if b.kind == ParagraphKind::Title {
                    prop_assert_eq!(p.kind, ParagraphKind::Title);
                }
                prop_assert_eq!(p.kind == ParagraphKind::Debris, p.reason.is_some());
            }
            if let Some(d) = &a.metadata.published {
                prop_assert!(d.len() >= 10 && d.as_bytes().get(4) == Some(&b'-'));
            }
        }
    }
}

#[test]
fn diary_day_headings_stay_below_the_top() {
    let text = "Tydzień w polityce\n\nPiątek 13 maja\n\nPierwszy.\n\nDrugi.\n\nTrzeci.\n\nCzwarty.\n\nWtorek 17 maja\n\nPiąty.";
    let k = kinds(&article(text));
    assert_eq!(k[1].1.as_deref(), Some("dateline"));
    assert_eq!(k[6], ("Wtorek 17 maja".to_string(), None));
}

#[test]
fn a_bare_date_deep_in_the_article_is_not_the_publication_date() {
    let mut text = String::from("Headline\n\n");
    for i in 0..9 {
        text.push_str(&format!("Body paragraph number {i} of the story.\n\n"));
    }
    text.push_str("August 18, 2018\n\nDear editor, I write to complain.");
    let a = article(&text);
    assert_eq!(a.metadata.published, None);
    let a = article(&format!("{text}\n\nPublished 12 Jan 2023"));
    assert_eq!(a.metadata.published.as_deref(), Some("2023-01-12"));
}

#[test]
fn nyt_guardian_medium_substack_furniture_goes() {
    assert_debris(
        "share",
        &[
            "Share on Facebook (opens in new window)",
            "Click to share on Twitter (Opens in new window)",
            "Send any friend a story",
        ],
    );
    assert_debris(
        "ad",
        &["Supported by", "Advertisement - Continue Reading Below"],
    );
    assert_debris(
        "credit",
        &[
            "Credit...Doug Mills/The New York Times",
            "Source: CNN",
            "Photo by Jane Doe on Unsplash",
        ],
    );
    assert_debris(
        "related",
        &["Explore more on these topics", "Related internet links"],
    );
    assert_debris(
        "footer",
        &[
            "Reuse this content",
            "Published in Towards Data Science",
            "jane.doe@example.com",
            "Email: jane@example.com",
            "@janedoe",
        ],
    );
    assert_debris("newsletter", &["Thanks for reading The Weekly! Subscribe for free to receive new posts and support my work.", "Type your email…"]);
    assert_debris("comments", &["Discussion about this post"]);
    assert_debris("tags", &["Posted in Politics"]);
    assert_body(&[
        "Published in 1859, the book changed biology.",
        "Posted in 2019, the video went viral.",
        "More — much more — is needed to fix the roads",
        "Watch - the experts say - for falling prices",
    ]);
    assert_debris(
        "related",
        &["Mehr zum Thema – Gasversorgung: Städtebund sieht Stadtwerke vor Existenzkrise"],
    );
}

/// Body kinds (text of every paragraph that is not debris, title included).
fn kept(a: &Article) -> Vec<String> {
    kinds(a)
        .into_iter()
        .filter(|(_, r)| r.is_none())
        .map(|(t, _)| t)
        .collect()
}

#[test]
fn a_read_time_glued_to_a_date_goes_and_dates_the_article() {
    assert_debris(
        "read_time",
        &[
            "6 min readMar 1, 2020",
            "12 min readDec 24, 2023",
            "3 min listenJan 5, 2024",
            "6 min read Mar 1, 2020",
            "Mar 1, 2020 6 min read",
            "Mar 1, 20206 min read",
        ],
    );
    let a = article(
        "How I Quit Social Media\n\nJane Doe\n\nFollow\n\n6 min readMar 1, 2020\n\n\
         I deleted every app on a Tuesday.\n\nIt was hard at first.",
    );
    assert_eq!(a.metadata.published.as_deref(), Some("2020-03-01"));
    assert_eq!(a.metadata.author.as_deref(), Some("Jane Doe"));
    assert_eq!(
        kept(&a),
        vec![
            "How I Quit Social Media",
            "I deleted every app on a Tuesday.",
            "It was hard at first."
        ]
    );
    // Look-alikes in the body: a read time and a date inside a sentence.
    assert_body(&[
        "A 6 min read of the report, published Mar 1, 2020, shows the cuts.",
        "Readers spent 6 min reading on Mar 1, 2020, the figures show.",
        "The 6 min readMar 1 column was the most read story of the year.",
    ]);
}

#[test]
fn a_clock_time_glued_to_a_date_is_a_dateline() {
    assert_debris(
        "dateline",
        &[
            "11:46 GMT12 April 2021",
            "9:05 am12 March 2024",
            "2 hours agoMarch 3, 2024",
            "12 April 202111:46 GMT",
        ],
    );
    let a = article(
        "Headline\n\n11:46 GMT12 April 2021\n\nMoscow has warned that the sanctions will backfire.",
    );
    assert_eq!(
        a.metadata.published.as_deref(),
        Some("2021-04-12T11:46:00+00:00")
    );
    assert_body(&[
        "At 11:46 GMT12 April 2021 the first shots were fired, the report says.",
        "The 11:46 train on 12 April 2021 never left the station.",
    ]);
    assert!(is_meta_line("11:46 GMT12 April 2021"));
    assert!(!is_meta_line("Kremlin says new sanctions will backfire"));
}

#[test]
fn an_author_bio_after_written_by_goes() {
    let body =
        "I worked at the Harlow Ledger for twelve years, and for most of them I loved it.\n\n\
                Last month I handed in my notice, and this is why.\n\n";
    for (bio, between) in [
        (
            "Reporter covering media and democracy. Formerly at the Harlow Ledger.",
            "",
        ),
        (
            "Jane Roe is a freelance journalist based in Leeds who writes about energy and climate.",
            "",
        ),
        (
            "Writer, runner, recovering editor. I write about newsrooms and the people in them",
            "1.2K Followers\n\n·\n\n12 Following\n\n",
        ),
    ] {
        let text = format!(
            "Why I left the newsroom\n\n{body}Written by Jane Roe\n\n{between}{bio}\n\n\
             More from Jane Roe\n\nWhy local news matters\n\nHelp\n\nStatus"
        );
        let a = article(&text);
        let k = kinds(&a);
        let reason = k.iter().find(|(t, _)| t == bio).and_then(|(_, r)| r.clone());
        assert_eq!(reason.as_deref(), Some("bio"), "{bio:?} in {k:#?}");
        assert_eq!(
            kept(&a),
            vec![
                "Why I left the newsroom",
                "I worked at the Harlow Ledger for twelve years, and for most of them I loved it.",
                "Last month I handed in my notice, and this is why."
            ]
        );
    }
    // Look-alike: "Written by" at the top, the article under it.
    let a = article(
        "Council closes library\n\nWritten by Jane Roe\n\n\
         The council voted on Tuesday to close the Elm Street library.\n\n\
         Jane Roe, who has used the library for forty years, said she was heartbroken.",
    );
    assert_eq!(
        kept(&a),
        vec![
            "Council closes library",
            "The council voted on Tuesday to close the Elm Street library.",
            "Jane Roe, who has used the library for forty years, said she was heartbroken."
        ]
    );
    // Look-alike: a "Written by" line in the middle of an article, with more article after it.
    let a = article(&format!(
        "Why I left the newsroom\n\n{body}Written by Jane Roe\n\n\
         The first piece I wrote there was about a bridge.\n\n\
         The last one, years later, was about the same bridge, and nobody read it, which told me \
         everything I needed to know about where the town's attention had gone."
    ));
    assert!(
        kinds(&a).iter().all(|(_, r)| r.as_deref() != Some("bio")),
        "{:#?}",
        kinds(&a)
    );
}

#[test]
fn a_video_caption_with_a_channel_credit_goes() {
    assert_debris(
        "caption",
        &[
            "Ukrainian artillery fires near Bakhmut. © Ukraine's Armed Forces' YouTube account",
            "Volodymyr Zelensky's YouTube account",
            "Footage of the blast, filmed by a resident. Source: Governor Vyacheslav Gladkov's Telegram channel",
            "Video posted on the governor's YouTube account",
            "Screenshot from the Russian Defence Ministry's YouTube account",
            "Rescuers search the rubble in Dnipro (Ukrainian Emergency Service's YouTube account)",
            "The president addresses the nation on Friday evening - the President's Office's YouTube account",
            "A still from a video posted on Volodymyr Zelensky's YouTube account",
            "Screenshot of footage shared on the governor's Telegram channel",
        ],
    );
    assert_body(&[
        "The clip was later removed from the ministry's YouTube account.",
        "He said he had subscribed to Lin's YouTube channel.",
        "Footage of the strike was posted on the ministry's YouTube account.",
        "Within hours the video had a million views on the Kremlin's YouTube account.",
        "\"It is fake,\" he said of the clip on Zelensky's YouTube account.",
        "Santilli started his YouTube channel in 2009, and his first videos were about guns.",
        "A video of the strike was posted on the ministry's YouTube account.",
        "Footage from the scene appeared hours later on the governor's Telegram channel.",
    ]);
}
