//! Indirect and mixed speech: the reported clause of each cue (what follows, what precedes,
//! "according to X, …"), its content variants for the filter, and trimming.

use super::*;

impl QuoteAnalyzer {
    /// Indirect and mixed speech from the cue model.
    pub(crate) fn indirect(&self, d: &Doc, st: &mut State) {
        for &(sa, sb) in &d.sents {
            for c in self.cue_runs(d, sa, sb, self.threshold) {
                if st.used.iter().any(|u| u.0 < c.1 && c.0 < u.1) {
                    continue;
                }
                let cs = d.toks[c.0].start;
                if st.found.iter().any(|f| cs >= f.start && cs < f.end) {
                    continue;
                }
                let mut variants: Vec<((usize, usize), &str)> = Vec::new();
                if let Some(r) = self.content_for(d, c, sa, sb) {
                    variants.push((r, "primary"));
                }
                if self.filter.is_some() || self.variants {
                    let mut a = c.1;
                    while a < sb && matches!(d.toks[a].lower.as_str(), "that" | ":" | ",") {
                        a += 1;
                    }
                    if let Some(r) = trim_span(d, a, sb) {
                        variants.push((r, "after"));
                    }
                    let k = (sa..c.0)
                        .rev()
                        .take(8)
                        .find(|&i| d.toks[i].text == ",")
                        .unwrap_or(c.0);
                    if let Some(r) = trim_span(d, sa, k) {
                        variants.push((r, "before"));
                    }
                    // Shorter objects: what follows up to the first comma or adverbial
                    // ("criticized the plan during a stop", "mocked Romney for …, claiming").
                    if let Some(k) = cut_point(d, a, sb) {
                        if let Some(r) = trim_span(d, a, k) {
                            variants.push((r, "after_cut"));
                        }
                    }
                    if let Some(&((pa, pb), _)) = variants.first() {
                        if pa >= c.1 {
                            if let Some(r) = cut_point(d, pa, pb).and_then(|k| trim_span(d, pa, k))
                            {
                                variants.push((r, "primary_cut"));
                            }
                        }
                    }
                }
                let source = self.source_for(d, c);
                let p0 = d.prob[c.0..c.1].iter().cloned().fold(0.0f32, f32::max);
                let mut best: Option<((usize, usize), f32)> = None;
                let mut seen: Vec<(usize, usize)> = Vec::new();
                for ((a, b), name) in variants {
                    if seen.contains(&(a, b)) {
                        continue;
                    }
                    seen.push((a, b));
                    let (start, end) = (d.toks[a].start, d.toks[b - 1].end);
                    // Mostly a direct quote already found: not a new attribution.
                    let covered: usize = st
                        .found
                        .iter()
                        .filter(|f| f.kind == QuoteKind::Direct && f.start < end && start < f.end)
                        .map(|f| f.end.min(end) - f.start.max(start))
                        .sum();
                    if covered * 2 >= end - start {
                        continue;
                    }
                    let mut feats = candidate_features(d, c, (a, b), source, (sa, sb), p0);
                    feats.push(format!("var={name}"));
                    feats.push(format!("var|cl={name}|{}", d.toks[c.1 - 1].lower));
                    let stop = if b < sb {
                        d.toks[b].lower.as_str()
                    } else {
                        "</s>"
                    };
                    feats.push(format!("var|stop={name}|{stop}"));
                    let layout = match &self.filter {
                        Some(f) => f.dense().map(|w| w.layout.as_str()),
                        None if st.dense_candidates => Some(dense::FILTER_LAYOUT),
                        None => None,
                    };
                    let x = match (layout, &d.words) {
                        (Some(l), Some(ws)) => ws.filter_vector(l, (a, b), c),
                        _ => None,
                    };
                    let p = match &self.filter {
                        Some(filter) => filter.prob_of_with(&feats, x.as_deref()),
                        None if name == "primary" => p0,
                        None => -1.0,
                    };
                    if st.dense_candidates || self.filter.is_none() {
                        st.candidates.push(Candidate {
                            start,
                            end,
                            features: feats,
                            dense: x.unwrap_or_default(),
                        });
                    }
                    if best.is_none_or(|(_, bp)| p > bp) {
                        best = Some(((a, b), p));
                    }
                }
                let Some(((a, b), p)) = best else {
                    continue;
                };
                let threshold = if self.filter.is_some() {
                    self.filter_threshold
                } else {
                    0.0
                };
                if p < threshold {
                    continue;
                }
                let (a, b) = tighten(d, c, a, b);
                let (start, end) = (d.toks[a].start, d.toks[b - 1].end);
                st.found
                    .retain(|f| !(f.start >= start && f.end <= end && f.cue.is_none()));
                let mixed = d.inq[a..b].iter().any(|&q| q);
                st.used.push(c);
                st.found.push(Found {
                    start,
                    end,
                    kind: if mixed {
                        QuoteKind::Mixed
                    } else {
                        QuoteKind::Indirect
                    },
                    cue: Some(c),
                    source,
                    inherited: None,
                    score: p,
                });
            }
        }
    }

    /// The reported clause of cue `c` in sentence tokens `sa..sb`, as a token range.
    pub(crate) fn content_for(
        &self,
        d: &Doc,
        c: (usize, usize),
        sa: usize,
        sb: usize,
    ) -> Option<(usize, usize)> {
        let mut end = sb;
        while end > sa && !d.toks[end - 1].is_word && !d.inq[end - 1] {
            end -= 1;
        }
        let trim = |a: usize, b: usize| trim_span(d, a, b);
        let first = d.toks[c.0].lower.as_str();
        if first == "according" {
            let from = c.1 + usize::from(d.toks.get(c.1).is_some_and(|t| t.lower == "to"));
            let np = self
                .np_after(d, from, sb)
                .or_else(|| self.np_loose(d, from, sb));
            let mut np_end = np.map_or(c.1, |n| n.1);
            if let Some(name) = self.apposition_name(d, np_end, sb) {
                np_end = name.1;
            }
            if c.0 <= sa + 1 {
                let mut k = np_end;
                while k < end && d.toks[k].text != "," {
                    k += 1;
                }
                return trim(k + 1, end);
            }
            return trim(clause_start(d, sa, c.0), c.0);
        }
        // "…, X said." / "…, said X.": the content precedes.
        let tail_words = d.toks[c.1..end.max(c.1)]
            .iter()
            .filter(|t| t.is_word)
            .count();
        let comma_before = (sa..c.0).rev().take(7).find(|&i| d.toks[i].text == ",");
        if let Some(k) = comma_before {
            let inverted = k + 1 == c.0 && self.np_after(d, c.1, end).is_some();
            if (tail_words <= 6 || inverted) && k > sa {
                let after_cue = trim(c.1, end);
                if inverted || after_cue.is_none_or(|(a, b)| b - a <= 6) {
                    return trim(clause_start(d, sa, k), k);
                }
            }
        }
        // "X said (that) …": what follows, past the addressee of "told".
        let mut a = c.1;
        if self.addressee(d, c, end)
            || matches!(
                d.toks[c.1 - 1].lower.as_str(),
                "told"
                    | "tells"
                    | "telling"
                    | "asked"
                    | "warned"
                    | "urged"
                    | "reminded"
                    | "assured"
            )
        {
            let mut k = a;
            while k < end
                && k < a + 6
                && d.toks[k].is_word
                && d.toks[k].lower != "that"
                && !d.inq[k]
            {
                k += 1;
            }
            if k < end
                && (d.toks[k].lower == "that"
                    || d.toks[k].text == ":"
                    || d.toks[k].text == ","
                    || d.inq[k])
            {
                a = k;
            }
        }
        while a < end
            && (d.toks[a].lower == "that" || d.toks[a].text == ":" || d.toks[a].text == ",")
        {
            a += 1;
        }
        // The clause ends before ", saying …", ", which …", ", where …".
        let mut stop = end;
        for k in a + 2..end {
            if d.toks[k].text == "," && !d.inq[k] {
                if let Some(n) = d.toks.get(k + 1) {
                    if n.lower.ends_with("ing") && n.lower.len() > 5
                        || CLAUSE_BREAKS.contains(&n.lower.as_str())
                    {
                        stop = k;
                        break;
                    }
                }
            }
        }
        // …and before the next attribution in the sentence ("X denied A and said B"), unless
        // that leaves too little (a nested report: "X said Y wants Z").
        if let Some(n) = self
            .cue_runs(d, a + 1, stop, self.threshold)
            .first()
            .map(|r| r.0)
        {
            let mut k = self.np_before(d, n, a).map_or(n, |np| np.0);
            while k > a
                && (d.is_punct(k - 1, &[",", ";"])
                    || matches!(d.toks[k - 1].lower.as_str(), "and" | "but"))
            {
                k -= 1;
            }
            let words = d.toks[a..k].iter().filter(|t| t.is_word).count();
            if words >= 3 {
                stop = k;
            }
        }
        let end = stop;
        if let Some(r) = trim(a, end) {
            return Some(r);
        }
        trim(sa, c.0)
    }
}

/// The reported clause inside the span `a..b` chosen for cue `c`: it starts after a "that" a few
/// words after the cue ("told Mr. Dale that […]", "said at the news conference that […]") and
/// stops before ", noting …", ", adding …" or "and echoed …" (a second report or action).
pub(crate) fn tighten(d: &Doc, c: (usize, usize), a: usize, b: usize) -> (usize, usize) {
    let (mut a, mut b) = (a, b);
    if a >= c.1 && a < b {
        if let Some(k) = (a..b.min(a + 11)).find(|&k| d.toks[k].lower == "that" && !d.inq[k]) {
            let words_before = (a..k).filter(|&i| d.toks[i].is_word).count();
            let clause_before = (a..k).any(|i| AUXILIARIES.contains(&d.toks[i].lower.as_str()));
            // Only an addressee or an adverbial comes first ("told X that", "said at/on … that",
            // "said Tuesday that"), not the subject of the reported clause ("said that he favors
            // partnerships that …").
            let first = d.toks[a].lower.as_str();
            let lead = tells(d.toks[c.1 - 1].lower.as_str())
                || matches!(
                    first,
                    "at" | "on"
                        | "in"
                        | "during"
                        | "after"
                        | "before"
                        | "to"
                        | "from"
                        | "via"
                        | "through"
                        | "last"
                        | "this"
                        | "earlier"
                        | "later"
                        | "today"
                        | "yesterday"
                        | "monday"
                        | "tuesday"
                        | "wednesday"
                        | "thursday"
                        | "friday"
                        | "saturday"
                        | "sunday"
                );
            if lead
                && k > a
                && !clause_before
                && words_before <= 8
                && trim_span(d, k + 1, b).is_some()
            {
                a = k + 1;
            }
        }
    }
    for k in a + 2..b {
        if d.inq[k] {
            continue;
        }
        let next = d.toks.get(k + 1).map_or("", |t| t.lower.as_str());
        let comma_break = d.toks[k].text == ","
            && (matches!(
                next,
                "noting" | "adding" | "saying" | "according" | "arguing"
            ) || CLAUSE_BREAKS.contains(&next));
        let and_report = d.toks[k].lower == "and"
            && !next.is_empty()
            && confidence::cue_class(&[next]) != confidence::CueClass::Other
            && (next.ends_with("ed") || matches!(next, "said" | "told" | "wrote" | "thought"));
        if (comma_break || and_report) && trim_span(d, a, k).is_some() {
            b = k;
            break;
        }
    }
    trim_span(d, a, b).unwrap_or((a, b))
}

/// The first place after `a` (at least one word in) where an object phrase ends: an unquoted comma,
/// semicolon or dash, or one of [`OBJECT_BREAKS`]; `None` when that is the end `b` anyway.
pub(crate) fn cut_point(d: &Doc, a: usize, b: usize) -> Option<usize> {
    let b = b.min(d.toks.len());
    (a + 1..b).find(|&k| {
        let t = &d.toks[k];
        !d.inq[k]
            && if t.is_word {
                OBJECT_BREAKS.contains(&t.lower.as_str())
            } else {
                matches!(t.text.as_str(), "," | ";" | "—" | "–" | "(")
            }
    })
}

/// Where a reported clause that precedes its cue starts in `sa..k`: after the sentence's last
/// colon outside quotation marks ("But the numbers tell another story: reading scores fell …,
/// according to …" reports "reading scores fell …"), else at the sentence start.
pub(crate) fn clause_start(d: &Doc, sa: usize, k: usize) -> usize {
    (sa..k)
        .rev()
        .find(|&i| d.toks[i].text == ":" && !d.inq[i])
        .filter(|&i| d.toks[i + 1..k].iter().filter(|t| t.is_word).count() >= 3)
        .map_or(sa, |i| i + 1)
}

/// `a..b` without punctuation at either end (quotation marks kept); `None` under 2 words.
pub(crate) fn trim_span(d: &Doc, mut a: usize, mut b: usize) -> Option<(usize, usize)> {
    b = b.min(d.toks.len());
    if a >= b {
        return None;
    }
    while a < b && !d.toks[a].is_word && !d.inq[a] {
        a += 1;
    }
    while b > a && !d.toks[b - 1].is_word && !d.inq[b - 1] {
        b -= 1;
    }
    let words = d.toks[a..b].iter().filter(|t| t.is_word).count();
    (words >= 2).then_some((a, b))
}
