//! Direct quotes: text between quotation marks attributed through a cue next to it, and the
//! cue runs both kinds of speech start from.

use super::*;

impl QuoteAnalyzer {
    /// Cue runs (maximal runs of tokens over `min`) in token range `a..b`, outside quotes.
    pub(crate) fn cue_runs(&self, d: &Doc, a: usize, b: usize, min: f32) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = a;
        while i < b {
            if d.prob[i] >= min && !d.inq[i] {
                let s = i;
                while i < b && d.prob[i] >= min && !d.inq[i] && d.sent[i] == d.sent[s] {
                    i += 1;
                }
                // Runs start and end on words (":" alone is a cue).
                let (mut rs, mut re) = (s, i);
                while rs < re && !d.toks[rs].is_word {
                    rs += 1;
                }
                while re > rs && !d.toks[re - 1].is_word {
                    re -= 1;
                }
                // "the Ridgeback project call it": a run holding a verb of speech or belief starts
                // there, not on the noun before it (which is the speaker's).
                let class = |k: usize| confidence::cue_class(&[d.toks[k].lower.as_str()]);
                if (rs..re).any(|k| class(k) != confidence::CueClass::Other) {
                    while rs + 1 < re
                        && class(rs) == confidence::CueClass::Other
                        && d.toks[rs].is_word
                        && !ADVERBS.contains(&d.toks[rs].lower.as_str())
                        && !AUXILIARIES.contains(&d.toks[rs].lower.as_str())
                        && d.toks[rs].lower != "according"
                    {
                        rs += 1;
                    }
                }
                if rs < re {
                    out.push((rs, re));
                } else if d.toks[s].text == ":" {
                    out.push((s, s + 1));
                }
            } else {
                i += 1;
            }
        }
        // "Consumer advocate Dana Whitfield said …": a run of only a source noun ("advocate",
        // "spokesman") followed by a name and then a verb of speech is the speaker's description,
        // not a cue: the verb's run is the cue. The noun's high score comes from "advocated".
        let class = |r: (usize, usize)| {
            let words: Vec<&str> = d.toks[r.0..r.1].iter().map(|t| t.lower.as_str()).collect();
            confidence::cue_class(&words)
        };
        let keep: Vec<bool> = (0..out.len())
            .map(|k| {
                let (rs, re) = out[k];
                let Some(&(ns, ne)) = out.get(k + 1) else {
                    return true;
                };
                let name = &d.toks[re..ns];
                !(class((rs, re)) == confidence::CueClass::Other
                    && confidence::source_head(&d.toks[re - 1].lower)
                    && class((ns, ne)) != confidence::CueClass::Other
                    && !name.is_empty()
                    && name.len() <= 4
                    && name.iter().all(|t| t.is_word && t.is_cap()))
            })
            .collect();
        let mut keep = keep.into_iter();
        out.retain(|_| keep.next().unwrap_or(true));
        out
    }

    pub(crate) fn best_run(&self, d: &Doc, runs: &[(usize, usize)]) -> Option<(usize, usize)> {
        runs.iter().copied().max_by(|x, y| {
            let px = d.prob[x.0..x.1].iter().cloned().fold(0.0f32, f32::max);
            let py = d.prob[y.0..y.1].iter().cloned().fold(0.0f32, f32::max);
            px.total_cmp(&py)
        })
    }

    /// Direct quotes and the cues and mentions next to them.
    pub(crate) fn direct(&self, d: &Doc, st: &mut State) {
        let mut pending: Vec<usize> = Vec::new();
        for (k, q) in d.quotes.iter().enumerate() {
            let (qa, qb) = d.tok_range(q.start, q.end);
            if qa >= qb {
                continue;
            }
            let words = d.toks[qa..qb].iter().filter(|t| t.is_word).count();
            let pq = d.para[qa];
            let pq_end = d.para[qb - 1];
            // Tail: after the closing mark, to the sentence end or the next quote.
            let mut tail_end = qb;
            while tail_end < d.toks.len()
                && tail_end < qb + 25
                && d.para[tail_end] == pq_end
                && !d.inq[tail_end]
                && !d.sentence_end(tail_end)
            {
                tail_end += 1;
            }
            // Head: from the sentence start (or the previous quote) to the opening mark.
            let mut head_start = qa;
            while head_start > 0
                && head_start + 14 > qa
                && d.para[head_start - 1] == pq
                && !d.inq[head_start - 1]
                && !d.sentence_end(head_start - 1)
            {
                head_start -= 1;
            }
            let inner_comma = d.toks[qb - 1].text == ","
                || d.toks
                    .get(qb.wrapping_sub(2))
                    .is_some_and(|t| t.text == ",");
            let adjacent_tail = d.is_punct(qb, &[","]) || inner_comma;
            // "“…” ― Jane Doe": a dash then the name (not a title in quotes before a dash:
            // "a reference to “The Godfather: Part II” — Mr. Stone was charged").
            if d.is_punct(qb, &["―", "—"])
                && d.toks.get(qb + 1).is_some_and(|t| t.is_cap())
                && !self.title_like(d, qa, qb, head_start)
            {
                if let Some(np) = self.np_after(d, qb + 1, tail_end.max(qb + 2)) {
                    if words >= 3 {
                        st.used.push((qb, qb + 1));
                        st.found.push(Found {
                            start: q.start,
                            end: q.end,
                            kind: QuoteKind::Direct,
                            cue: Some((qb, qb + 1)),
                            source: Some(np),
                            inherited: None,
                            score: 0.8,
                        });
                        continue;
                    }
                }
            }
            let tail_runs = self.cue_runs(d, qb, tail_end, self.quote_threshold);
            let reach = if adjacent_tail || d.toks[qb - 2.min(qb)].text == "." {
                20
            } else {
                6
            };
            // A quotation that ends its sentence ("….”) followed by a new sentence: a cue
            // there that is no verb of speech or belief ("A spokesman did not respond to…")
            // belongs to that sentence, not to this quote; nor does a denied one ("did not
            // respond", "declined to comment").
            let ends_sentence = qb >= 2
                && d.is_punct(qb - 2, &[".", "!", "?"])
                && d.toks.get(qb).is_some_and(|t| t.is_word && t.is_cap());
            let tail_cue = tail_runs
                .first()
                .copied()
                .filter(|r| r.0 <= qb + reach)
                .filter(|r| {
                    let words: Vec<&str> =
                        d.toks[r.0..r.1].iter().map(|t| t.lower.as_str()).collect();
                    let denied = words.iter().any(|w| {
                        w.ends_with("n't") || matches!(*w, "not" | "never" | "declined" | "refused")
                    });
                    !ends_sentence
                        || (confidence::cue_class(&words) != confidence::CueClass::Other && !denied)
                });
            let head_runs = self.cue_runs(d, head_start, qa, self.quote_threshold);
            let head_cue = self.best_run(d, &head_runs);
            let title_like = self.title_like(d, qa, qb, head_start);
            let (cue, head_side) = match (tail_cue, head_cue) {
                (Some(t), _) if adjacent_tail || head_cue.is_none() => (Some(t), false),
                (_, Some(h)) => (Some(h), true),
                (Some(t), None) => (Some(t), false),
                (None, None) => (None, false),
            };
            if let Some(c) = cue {
                if title_like && words < 8 {
                    continue;
                }
                // The cue of the first half of a split quote ("“…,” he said, pointing, “…”").
                if head_side {
                    if let Some(f) = st
                        .found
                        .iter()
                        .rev()
                        .find(|f| f.cue == Some(c) && f.kind == QuoteKind::Direct)
                        .cloned()
                    {
                        st.found.push(Found {
                            start: q.start,
                            end: q.end,
                            ..f
                        });
                        continue;
                    }
                }
                let lead_punct = qa > 0 && d.is_punct(qa - 1, &[",", ":"]);
                if head_side && !lead_punct {
                    // Words between the cue and the opening mark ("X said the plan was “…”")
                    // make it mixed speech, unless they are the addressee of "told".
                    let between: Vec<&Tok> = d.toks[c.1..qa].iter().filter(|t| t.is_word).collect();
                    let only_that = between.iter().all(|t| t.lower == "that");
                    if !only_that && between.len() >= 2 && !self.addressee(d, c, qa) {
                        continue; // left to the indirect pass, which makes it mixed
                    }
                }
                // Short quoted phrases are speech only as "“…,” she said" or "X said: “…”".
                let speech_like = if head_side { lead_punct } else { inner_comma };
                if words < 4 && !speech_like {
                    continue;
                }
                let source = self.source_for(d, c);
                let p = d.prob[c.0..c.1].iter().cloned().fold(0.0f32, f32::max);
                st.used.push(c);
                st.found.push(Found {
                    start: q.start,
                    end: q.end,
                    kind: QuoteKind::Direct,
                    cue: Some(c),
                    source,
                    inherited: None,
                    score: 0.5 + 0.5 * p,
                });
                continue;
            }
            if title_like || words < 4 {
                continue;
            }
            // A quote opening a paragraph after "X continued:" or "X said:".
            let para_start = d.paras.get(pq).map_or(0, |p| p.0);
            let opens_para = d
                .chars
                .get(para_start..q.start)
                .is_some_and(|s| s.iter().all(|c| c.is_whitespace()));
            if opens_para && qa > 0 && d.toks[qa - 1].text == ":" && d.para[qa - 1] + 1 == pq {
                let s = d.sent[qa - 1];
                let (sa, _) = d.sents[s];
                let runs = self.cue_runs(d, sa, qa, 0.1);
                let c = runs.last().copied().unwrap_or((qa - 1, qa));
                let source = self.source_for(d, c);
                st.used.push(c);
                st.found.push(Found {
                    start: q.start,
                    end: q.end,
                    kind: QuoteKind::Direct,
                    cue: Some(c),
                    source,
                    inherited: None,
                    score: 0.7,
                });
                continue;
            }
            // Otherwise: share the attribution of a neighbouring quote of the same paragraph.
            pending.push(k);
        }
        for k in pending {
            let q = d.quotes[k];
            let (qa, _) = d.tok_range(q.start, q.end);
            let pq = d.para[qa];
            let same_para = |f: &Found| {
                let (fa, _) = d.tok_range(f.start, f.end);
                fa < d.toks.len() && d.para[fa] == pq
            };
            let prev = st
                .found
                .iter()
                .enumerate()
                .filter(|(_, f)| f.kind == QuoteKind::Direct && f.end <= q.start)
                .filter(|(_, f)| same_para(f) && q.start - f.end <= 120)
                .max_by_key(|(_, f)| f.end)
                .map(|(i, _)| i);
            let next = st
                .found
                .iter()
                .enumerate()
                .filter(|(_, f)| f.kind == QuoteKind::Direct && f.start >= q.end)
                .filter(|(_, f)| same_para(f) && f.start - q.end <= 40)
                .min_by_key(|(_, f)| f.start)
                .map(|(i, _)| i);
            if let Some(i) = prev.or(next) {
                let f = st.found[i].clone();
                st.found.push(Found {
                    start: q.start,
                    end: q.end,
                    score: f.score * 0.9,
                    ..f
                });
                continue;
            }
            // A quote standing alone: the latest direct speaker, within two paragraphs.
            let earlier = st
                .found
                .iter()
                .enumerate()
                .filter(|(_, f)| f.end <= q.start)
                .filter(|(_, f)| {
                    let (fa, _) = d.tok_range(f.start, f.end);
                    fa < d.toks.len() && pq.saturating_sub(d.para[fa]) <= 2
                })
                .max_by_key(|(_, f)| f.end)
                .map(|(i, _)| i);
            st.found.push(Found {
                start: q.start,
                end: q.end,
                kind: QuoteKind::Direct,
                cue: None,
                source: None,
                inherited: earlier,
                score: 0.4,
            });
        }
    }

    /// Whether the words between a cue and `until` are the addressee of "told"/"asked" etc.
    pub(crate) fn addressee(&self, d: &Doc, c: (usize, usize), until: usize) -> bool {
        let tells = tells(d.toks[c.1 - 1].lower.as_str());
        let n = d.toks[c.1..until.max(c.1)]
            .iter()
            .filter(|t| t.is_word)
            .count();
        tells && n <= 6
    }

    /// A short Title Case phrase in quotes, or one after "series", "book", "titled"…
    pub(crate) fn title_like(&self, d: &Doc, qa: usize, qb: usize, head_start: usize) -> bool {
        let words: Vec<&Tok> = d.toks[qa..qb].iter().filter(|t| t.is_word).collect();
        let small = |w: &str| {
            matches!(
                w,
                "of" | "the"
                    | "a"
                    | "an"
                    | "and"
                    | "in"
                    | "on"
                    | "for"
                    | "to"
                    | "with"
                    | "at"
                    | "by"
                    | "or"
            )
        };
        let title_case = words.len() >= 2
            && words.len() <= 8
            && words.iter().all(|t| t.is_cap() || small(&t.lower));
        let named = d.toks[head_start.max(qa.saturating_sub(3))..qa]
            .iter()
            .any(|t| TITLE_CUES.contains(&t.lower.as_str()));
        title_case || named
    }
}
