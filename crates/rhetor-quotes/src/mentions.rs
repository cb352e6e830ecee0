//! Speaker mentions next to a cue: the subject, the inverted "said X", appositions skipped,
//! noun phrases before and after.

use super::*;

impl QuoteAnalyzer {
    /// The speaker mention of a cue: "X said", "said X", "X, a …, said", "according to X".
    pub(crate) fn source_for(&self, d: &Doc, c: (usize, usize)) -> Option<(usize, usize)> {
        let s = d.sent[c.0];
        let (sa, sb) = d.sents[s];
        let first = d.toks[c.0].lower.as_str();
        if first == "according" {
            let mut a = c.1;
            if d.toks.get(a).is_some_and(|t| t.lower == "to") {
                a += 1;
            }
            let np = self.np_after(d, a, sb).or_else(|| self.np_loose(d, a, sb));
            if let Some(np) = np {
                let described = mention_kind(&d.toks[np.0..np.1]).0 == MentionKind::Description;
                if described {
                    if let Some(name) = self.apposition_name(d, np.1, sb) {
                        return Some(name);
                    }
                }
            }
            return np;
        }
        let inverted = c.0 == sa
            || d.inq[c.0 - 1]
            || d.is_punct(c.0 - 1, &[",", "—", "–", "-", "("])
            || d.toks[c.0 - 1].lower == "as";
        // "said Jane Doe." / "said the spokesman, adding…": a mention after the cue is the
        // speaker only when the clause ends there (not "said the increase was needed", "said
        // Tyvak would…"), never after "told" (the addressee) or a preposition ("said in a speech"),
        // and never a possessive or a thing ("the president’s", "a speech last week").
        let last_cue = d.toks[c.1 - 1].lower.as_str();
        let after_ok =
            !tells(last_cue) && (!STOPS.contains(&last_cue) || matches!(last_cue, "said" | "says"));
        let after = self.np_after(d, c.1, sb).filter(|np| {
            // "said the women's argument points in…": a description after the cue speaks only
            // when it names a source ("said the spokesman").
            let (kind, words) = mention_kind(&d.toks[np.0..np.1]);
            let thing = kind == MentionKind::Description
                && !words.last().is_some_and(|w| confidence::source_head(w));
            after_ok
                && !thing
                && !d.toks[np.1 - 1].lower.ends_with("'s")
                && !self.non_person(d, *np)
                && (d.toks.get(np.1).is_none_or(|t| {
                    !t.is_word
                        || matches!(
                            t.lower.as_str(),
                            "who"
                                | "on"
                                | "in"
                                | "at"
                                | "during"
                                | "after"
                                | "before"
                                | "from"
                                | "told"
                                | "of"
                                | "about"
                                | "to"
                                | "for"
                                | "with"
                                | "as"
                                | "while"
                                | "when"
                                | "and"
                        )
                }) || np.1 >= sb)
        });
        if inverted {
            if let Some(np) = after {
                return Some(np);
            }
        }
        let before = self
            .np_before(d, c.0, sa)
            .filter(|np| !self.non_person(d, *np));
        if before.is_none() && !inverted && d.toks[c.0 - 1].lower == "that" {
            // "a statement … that claimed Obama “…”": the cue's subject is what "that" stands
            // for; the name after the cue is its object. A name right before "that" ("the
            // Acme Group that said"), else nobody (a description there is often the class of
            // the names before it: "Pepsi and Costco are among retailers that said").
            let k = c.0 - 1;
            return self.np_before(d, k, sa).filter(|np| {
                np.1 == k && mention_kind(&d.toks[np.0..np.1]).0 == MentionKind::Name
            });
        }
        if before.is_none() && c.0 > sa && matches!(d.toks[c.0 - 1].lower.as_str(), "and" | "but") {
            // "She didn't give a date, but said …": the subject of the first clause.
            if let Some(np) = self.np_after(d, sa, c.0) {
                if !self.non_person(d, np) {
                    return Some(np);
                }
            }
        }
        if before.is_none() && after.is_none() && c.0 > sa && d.is_punct(c.0 - 1, &[","]) {
            // "…, saying …", "…, adding that …": the subject of the sentence speaks.
            let participle = d.toks[c.0].lower.ends_with("ing");
            if participle {
                if let Some(i) = (sa..c.0).find(|&i| d.toks[i].is_word && !d.inq[i]) {
                    if let Some(np) = self.np_after(d, i, c.0) {
                        if !self.non_person(d, np) {
                            return Some(np);
                        }
                    }
                }
            }
        }
        before.or(after)
    }

    /// A description whose head is a thing ("a speech last week"), a number, or a lone
    /// lower-case word that is no mention at all.
    pub(crate) fn non_person(&self, d: &Doc, np: (usize, usize)) -> bool {
        let words: Vec<&Tok> = d.toks[np.0..np.1].iter().filter(|t| t.is_word).collect();
        if words
            .iter()
            .all(|t| t.text.chars().all(|c| c.is_ascii_digit()))
        {
            return true;
        }
        let kind = mention_kind(&d.toks[np.0..np.1]).0;
        kind == MentionKind::Description
            && words.iter().any(|t| NON_PERSON.contains(&t.lower.as_str()))
    }

    pub(crate) fn np_after(&self, d: &Doc, from: usize, limit: usize) -> Option<(usize, usize)> {
        let t = d.toks.get(from)?;
        if from >= limit || !t.is_word || d.inq[from] {
            return None;
        }
        if is_pronoun(&t.lower) {
            let subject = matches!(t.lower.as_str(), "he" | "she" | "they" | "i" | "we");
            return subject.then_some((from, from + 1));
        }
        // A name, a description opening with a determiner ("the spokesman"), or a lower-case
        // role before a name ("councillor Maria Okafor"), the role itself qualified by up to
        // two lower-case words ("board director Felipe Arce", "deputy campaign manager Jo Li").
        let role_name = (0..3).any(|n| {
            let k = from + n;
            d.toks.get(k + 1).is_some_and(|w| w.is_word && w.is_cap())
                && d.toks[from..=k].iter().all(|w| {
                    w.is_word
                        && !w.is_cap()
                        && !STOPS.contains(&w.lower.as_str())
                        && !AUXILIARIES.contains(&w.lower.as_str())
                })
                && (speakers::is_role(&d.toks[k].lower) || tokens::is_title_word(&d.toks[k].lower))
        });
        if !(t.is_cap() || DETERMINERS.contains(&t.lower.as_str()) || role_name)
            || STOPS.contains(&t.lower.as_str())
        {
            return None;
        }
        let mut j = from;
        let mut seen_cap = false;
        while j < limit && j < from + 7 && d.toks[j].is_word && !d.inq[j] {
            let w = &d.toks[j];
            // "of" continues a title ("Secretary of State Mike Pompeo") but ends a name before
            // its place ("Representative Carolyn B. Maloney of New York").
            let title_of =
                seen_cap && w.lower == "of" && tokens::is_title_word(&d.toks[j - 1].lower);
            if j > from && STOPS.contains(&w.lower.as_str()) && !title_of {
                break;
            }
            // "said the increase was needed": a verb ends the mention (and makes it a clause).
            if j > from && AUXILIARIES.contains(&w.lower.as_str()) {
                break;
            }
            // "MSNBC host Chris Matthews": a role between capitalised words continues the mention.
            let role = speakers::is_role(&w.lower) || tokens::is_title_word(&w.lower);
            if seen_cap && !w.is_cap() && !role {
                break;
            }
            seen_cap |= w.is_cap();
            j += 1;
        }
        (j > from).then_some((from, j))
    }

    /// "the city engineer, Helen Brandt, …": the name in commas right after a description that
    /// ends at `np_end`.
    pub(crate) fn apposition_name(
        &self,
        d: &Doc,
        np_end: usize,
        limit: usize,
    ) -> Option<(usize, usize)> {
        if !d.is_punct(np_end, &[","]) {
            return None;
        }
        let a = np_end + 1;
        let mut m = a;
        while m < limit && m < a + 5 && d.toks[m].is_word && d.toks[m].is_cap() && !d.inq[m] {
            m += 1;
        }
        (m > a && d.is_punct(m, &[","])).then_some((a, m))
    }

    /// Words up to the next comma or stop word ("according to local officials, …").
    pub(crate) fn np_loose(&self, d: &Doc, from: usize, limit: usize) -> Option<(usize, usize)> {
        let mut j = from;
        while j < limit && j < from + 6 && d.toks[j].is_word && !d.inq[j] {
            if j > from && STOPS.contains(&d.toks[j].lower.as_str()) {
                break;
            }
            j += 1;
        }
        (j > from).then_some((from, j))
    }

    /// [`QuoteAnalyzer::np_before`] without an analyzer (it reads no model).
    pub(crate) fn np_before_static(d: &Doc, before: usize, floor: usize) -> Option<(usize, usize)> {
        let floor = floor.max(d.sents[d.sent[before.min(d.toks.len() - 1)]].0);
        QuoteAnalyzer::with_model(CueModel::default()).np_before(d, before, floor)
    }

    pub(crate) fn np_before(&self, d: &Doc, before: usize, floor: usize) -> Option<(usize, usize)> {
        let mut j = before;
        // Adverbs, auxiliaries, "on Tuesday".
        loop {
            if j > floor && ADVERBS.contains(&d.toks[j - 1].lower.as_str()) {
                j -= 1;
            } else if j >= floor + 2
                && d.toks[j - 2].lower == "on"
                && d.toks[j - 1].is_cap()
                && d.toks[j - 1].lower.ends_with("day")
            {
                j -= 2;
            } else {
                break;
            }
        }
        if j <= floor || d.inq[j - 1] {
            return None;
        }
        // Apposition: "X, a longtime pollster, said".
        if d.toks[j - 1].text == "," {
            let mut k = j - 1;
            loop {
                while k > floor && k + 25 > j && d.toks[k - 1].text != "," && !d.inq[k - 1] {
                    k -= 1;
                }
                // "X, vice president of sales for Acme, Inc., says": a company suffix between
                // commas belongs to the apposition; the speaker is before the comma before it.
                let suffix = (k + 2 == j || (k + 3 == j && d.toks[k + 1].text == "."))
                    && matches!(
                        d.toks[k].lower.trim_end_matches('.'),
                        "inc" | "ltd" | "llc" | "corp" | "co" | "plc" | "gmbh" | "ag" | "sa"
                    );
                if suffix && k > floor + 1 && d.toks[k - 1].text == "," {
                    k -= 1;
                    continue;
                }
                break;
            }
            if k > floor && d.toks[k - 1].text == "," {
                // "And on MSNBC, he pointed to …, saying": a clause with its own subject
                // pronoun between the commas, not an apposition; the pronoun speaks.
                if d.toks.get(k).is_some_and(|t| {
                    matches!(t.lower.as_str(), "he" | "she" | "they" | "i" | "we") && !d.inq[k]
                }) && j - 1 > k + 2
                {
                    return Some((k, k + 1));
                }
                let outer = self.np_before(d, k - 1, floor);
                // "Alabama's state auditor, Jim Ziegler, told": the name in the apposition.
                let inner = &d.toks[k..j - 1];
                let name = !inner.is_empty()
                    && inner.len() <= 5
                    && inner.iter().all(|t| t.is_word && t.is_cap());
                let described = outer.is_some_and(|(x, y)| {
                    mention_kind(&d.toks[x..y]).0 == MentionKind::Description
                });
                if name && described {
                    return Some((k, j - 1));
                }
                return outer;
            }
            return None;
        }
        let t = &d.toks[j - 1];
        if !t.is_word {
            return None;
        }
        if is_pronoun(&t.lower) {
            return Some((j - 1, j));
        }
        let mut a = j - 1;
        if t.is_cap() {
            while a > floor {
                let p = &d.toks[a - 1];
                // "of" joins titles ("Secretary of State Mike Pompeo") but not a name and its
                // place ("Sen. Kamala Harris of California": the person, handled below).
                let place_of = p.lower == "of"
                    && a >= 2
                    && d.toks[a - 2].is_cap()
                    && !tokens::is_title_word(&d.toks[a - 2].lower);
                let joins =
                    p.is_word && !place_of && (p.is_cap() || tokens::is_title_word(&p.lower));
                if !joins || d.inq[a - 1] {
                    break;
                }
                a -= 1;
            }
            while a < j - 1 && tokens::is_not_name(&d.toks[a].lower) {
                a += 1;
            }
            // "Sen. Kamala Harris of California said": the person, not the place.
            if a >= floor + 2 && d.toks[a - 1].lower == "of" && d.toks[a - 2].is_cap() {
                if let Some(np) = self.np_before(d, a - 1, floor) {
                    if mention_kind(&d.toks[np.0..np.1]).0 == MentionKind::Name {
                        return Some(np);
                    }
                }
            }
            return Some((a, j));
        }
        if STOPS.contains(&t.lower.as_str()) {
            return None;
        }
        // A description: back to its determiner, at most 5 words.
        let mut k = j - 1;
        while k > floor && k + 5 > j {
            let p = &d.toks[k - 1];
            if !p.is_word || d.inq[k - 1] || STOPS.contains(&p.lower.as_str()) {
                break;
            }
            k -= 1;
            if DETERMINERS.contains(&p.lower.as_str()) || p.lower.ends_with("'s") {
                a = k;
                // Possessor: "Clinton's campaign", "the Trump campaign".
                break;
            }
        }
        if a == j - 1 && k < j - 1 {
            // No determiner: a bare plural ("officials", "Republican leaders").
            let mut b = j - 1;
            while b > k && d.toks[b - 1].is_cap() {
                b -= 1;
            }
            a = b;
        }
        Some((a, j))
    }
}
