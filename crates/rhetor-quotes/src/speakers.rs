//! Names in an article and coreference of speaker mentions to the fullest name: "Putin", "he",
//! "the Russian president" and "Vladimir Putin" become one speaker.

use std::collections::HashMap;

use crate::tokens::{is_not_name, is_pronoun, is_title_word, Tok};

/// A person-like name mention: capitalised words, titles stripped.
#[derive(Debug, Clone)]
pub struct NameMention {
    pub start: usize,
    pub end: usize,
    /// The name words, e.g. `["Vladimir", "Putin"]`.
    pub words: Vec<String>,
    /// Lower-case words right before the name (its title or role: "russian president").
    pub before: Vec<String>,
    /// Lower-case words of an apposition right after it (", the Russian president,").
    pub after: Vec<String>,
    /// Token index of the mention's first word.
    pub tok_start: usize,
    /// Token index right after the mention.
    pub tok_end: usize,
}

/// A person's grammatical gender as the article shows it (pronouns after the name, Mr/Ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Male,
    Female,
}

/// The gender a pronoun asks for (`None`: any person).
pub fn pronoun_gender(lower: &str) -> Option<Gender> {
    match lower {
        "he" | "him" | "his" | "himself" => Some(Gender::Male),
        "she" | "her" | "hers" | "herself" => Some(Gender::Female),
        _ => None,
    }
}

/// Name suffixes that are not a surname ("James Kennedy Jr.").
fn is_suffix(lower: &str) -> bool {
    matches!(
        lower.trim_end_matches('.'),
        "jr" | "sr" | "ii" | "iii" | "iv"
    )
}

/// The key of a suffixed name in `Names::by_last`: surname and suffix ("trump jr").
fn suffix_key(surname: &str, suffix: &str) -> String {
    format!(
        "{} {}",
        strip_possessive(surname).to_lowercase(),
        strip_possessive(suffix)
            .to_lowercase()
            .trim_end_matches('.')
    )
}

/// The gender of a common English first name (`None`: unknown or used for both).
/// A capitalised gerund ("Hosting", "Following", "Asked") that is no first name: a verb when it
/// opens a sentence before a name.
fn gerund_not_name(word: &str) -> bool {
    let w = word.to_lowercase();
    w.len() > 5
        && w.ends_with("ing")
        && w.chars().all(|c| c.is_alphabetic())
        && first_name_gender(&w).is_none()
        && !matches!(
            w.as_str(),
            "sterling" | "irving" | "channing" | "fleming" | "browning" | "manning" | "harding"
        )
}

pub fn first_name_gender(first: &str) -> Option<Gender> {
    const FEMALE: &[&str] = &[
        "abigail",
        "alexandria",
        "alice",
        "alison",
        "amanda",
        "amy",
        "andrea",
        "angela",
        "ann",
        "anna",
        "anne",
        "barbara",
        "betsy",
        "betty",
        "carly",
        "carol",
        "caroline",
        "carolyn",
        "catherine",
        "cathy",
        "charlotte",
        "cheryl",
        "christine",
        "claire",
        "debbie",
        "deborah",
        "diane",
        "donna",
        "dianne",
        "elaine",
        "elizabeth",
        "ellen",
        "emily",
        "emma",
        "eva",
        "hillary",
        "ilhan",
        "ivanka",
        "jane",
        "janet",
        "jeanne",
        "jennifer",
        "jessica",
        "jill",
        "joan",
        "joni",
        "joyce",
        "judith",
        "judy",
        "julia",
        "julie",
        "karen",
        "kate",
        "katherine",
        "kathleen",
        "kathy",
        "kamala",
        "kellyanne",
        "kirsten",
        "kirstjen",
        "laura",
        "linda",
        "lisa",
        "liz",
        "loretta",
        "lucy",
        "margaret",
        "maria",
        "marie",
        "marsha",
        "martha",
        "mary",
        "maxine",
        "megan",
        "melania",
        "melissa",
        "michelle",
        "nancy",
        "nicola",
        "nikki",
        "patricia",
        "rachel",
        "rashida",
        "rebecca",
        "sally",
        "samantha",
        "sandra",
        "sarah",
        "sharon",
        "sheila",
        "sophie",
        "stephanie",
        "susan",
        "susana",
        "tammy",
        "theresa",
        "tulsi",
        "valerie",
        "victoria",
        "virginia",
        "wendy",
    ];
    const MALE: &[&str] = &[
        "adam",
        "alan",
        "andrew",
        "anthony",
        "barack",
        "ben",
        "benjamin",
        "bernie",
        "bill",
        "bob",
        "boris",
        "brian",
        "bruce",
        "carl",
        "charles",
        "chris",
        "christopher",
        "chuck",
        "cory",
        "dan",
        "daniel",
        "david",
        "dennis",
        "dick",
        "donald",
        "doug",
        "ed",
        "edward",
        "eric",
        "frank",
        "gary",
        "george",
        "greg",
        "harry",
        "henry",
        "jack",
        "jacob",
        "james",
        "jason",
        "jeb",
        "jeff",
        "jeffrey",
        "jerry",
        "jim",
        "joe",
        "john",
        "jon",
        "jonathan",
        "joseph",
        "josh",
        "kevin",
        "larry",
        "lindsey",
        "mark",
        "matt",
        "matthew",
        "michael",
        "mike",
        "mitch",
        "mitt",
        "nathan",
        "newt",
        "nick",
        "paul",
        "peter",
        "phil",
        "ralph",
        "richard",
        "rick",
        "rob",
        "robert",
        "roger",
        "ron",
        "roy",
        "rudy",
        "ryan",
        "scott",
        "sean",
        "stephen",
        "steve",
        "steven",
        "ted",
        "thomas",
        "tim",
        "timothy",
        "tom",
        "tony",
        "vladimir",
        "walter",
        "william",
        "xi",
    ];
    let f = first.to_lowercase();
    if FEMALE.contains(&f.as_str()) {
        Some(Gender::Female)
    } else if MALE.contains(&f.as_str()) {
        Some(Gender::Male)
    } else {
        None
    }
}

/// A party and state tag after a politician's name: "R-Wis", "D-N.Y.", "I-Vt".
fn is_party_tag(w: &str) -> bool {
    let mut c = w.chars();
    matches!(c.next(), Some('R' | 'D' | 'I'))
        && c.next() == Some('-')
        && c.next().is_some_and(|x| x.is_uppercase())
}

/// An acronym or all-capitals word ("EU", "NASA", "CBP"): an organisation, not a person.
fn is_acronym(w: &str) -> bool {
    let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
}

/// The names of one article.
#[derive(Debug, Default)]
pub struct Names {
    pub mentions: Vec<NameMention>,
    /// Lower-case last word → fullest name (most words; the first such in the text).
    by_last: HashMap<String, String>,
    /// Lower-case first word of a full name → that name ("Hillary" → "Hillary Clinton").
    by_first: HashMap<String, String>,
    /// Fullest name → (male, female) evidence: Mr/Ms before a mention, the first he/she after it.
    gender: HashMap<String, (u32, u32)>,
    /// Fullest names seen with a person's title before them ("Mr.", "Sen.", "coach").
    titled: std::collections::HashSet<String>,
}

fn strip_possessive(w: &str) -> &str {
    w.strip_suffix("'s")
        .or_else(|| w.strip_suffix("’s"))
        .unwrap_or(w)
}

/// Words that are capitalised but say "organisation or place", not "person", when they end a name.
fn is_org_word(lower: &str) -> bool {
    matches!(
        lower,
        "news"
            | "post"
            | "times"
            | "party"
            | "house"
            | "department"
            | "committee"
            | "campaign"
            | "foundation"
            | "university"
            | "association"
            | "institute"
            | "center"
            | "council"
            | "court"
            | "states"
            | "street"
            | "journal"
            | "network"
            | "daily"
            | "today"
            | "press"
            | "club"
            | "agency"
            | "bureau"
            | "office"
            | "county"
            | "city"
            | "republicans"
            | "democrats"
            | "america"
            | "congress"
            | "systems"
            | "group"
            | "inc"
            | "inc."
            | "corp"
            | "corp."
            | "llc"
            | "media"
            | "reporter"
            | "company"
            | "ministry"
            | "union"
            | "league"
            | "nations"
            | "administration"
            | "government"
            | "police"
            | "service"
            | "board"
            | "commission"
            | "tribune"
            | "herald"
            | "magazine"
            | "review"
            | "reports"
            | "weekly"
            | "prosecution"
            | "authority"
            | "poll"
            | "services"
    )
}

/// Lower-case words before a name that show a person (roles not in `is_title_word`).
fn is_role_title(w: &str) -> bool {
    matches!(
        w,
        "coach" | "ceo" | "cfo" | "coo" | "founder" | "analyst" | "economist" | "officer" | "aide"
    ) || is_role(w)
}

impl Names {
    /// Collect name mentions from the tokens of the article (in text order).
    pub fn build(toks: &[Tok]) -> Self {
        let mut names = Names::default();
        let mut i = 0;
        while i < toks.len() {
            if !(toks[i].is_word && toks[i].is_cap()) {
                i += 1;
                continue;
            }
            let s = i;
            while i < toks.len()
                && toks[i].is_word
                && toks[i].is_cap()
                && (i == s
                    || (toks[i].start <= toks[i - 1].end + 1
                        && strip_possessive(&toks[i - 1].text) == toks[i - 1].text))
            {
                i += 1;
            }
            let mut a = s;
            while a < i && (is_not_name(&toks[a].lower) || is_title_word(&toks[a].lower)) {
                a += 1;
            }
            // "Russian President Vladimir Putin": the name starts after the last title word.
            if let Some(k) = (a..i).rev().find(|&k| is_title_word(&toks[k].lower)) {
                if k + 1 < i {
                    a = k + 1;
                }
            }
            // "Director of Public Prosecution Eva-Marie Persson": an organisation's name before
            // the person's is no part of it.
            if let Some(k) = (a..i.saturating_sub(1))
                .rev()
                .find(|&k| is_org_word(&toks[k].lower))
            {
                if k + 1 < i && a < k + 1 {
                    a = k + 1;
                }
            }
            if a >= i {
                continue;
            }
            // "The Hill", "the Hollywood Reporter": a determiner right before the name words
            // makes it a thing, not a person.
            if a > 0 && toks[a - 1].lower == "the" {
                continue;
            }
            let mut words: Vec<String> = toks[a..i]
                .iter()
                .map(|t| strip_possessive(&t.text).to_string())
                .collect();
            // "Donald Trump Jr.": the suffix is set aside for the checks below and put back
            // after them, so the son is a name of his own, never his father's.
            let mut suffix = None;
            while words.len() > 1 && words.last().is_some_and(|w| is_suffix(&w.to_lowercase())) {
                suffix = words.pop();
            }
            // "Singer-guitarists Tom Johnston", "Meet Melania Trump": a word opening the
            // sentence before a known first name is a common word there, no part of the name.
            // (A gap of more than one character before it is a line or paragraph break.)
            let opens_sentence = a == 0
                || toks[a - 1].end + 1 < toks[a].start
                || toks[..a]
                    .iter()
                    .rev()
                    .find(|t| t.is_word || matches!(t.text.as_str(), "." | "!" | "?"))
                    .is_none_or(|t| !t.is_word);
            // (Also a verb or label of a link, wherever it stands: "Meet Melania Trump".)
            let label = matches!(
                words[0].to_lowercase().as_str(),
                "meet" | "watch" | "read" | "see" | "related" | "video" | "photos"
            ) || words[0].contains('-');
            if words.len() >= 3
                && (opens_sentence || label)
                && first_name_gender(&words[1]).is_some()
                && first_name_gender(&words[0]).is_none()
                && !words[0].ends_with('.')
            {
                words.remove(0);
                a += 1;
            }
            // "Hosting Cook at the conference is our dream": a gerund opening the sentence
            // before a name is the verb, no part of the name (a few first names end in -ing).
            if words.len() >= 2 && opens_sentence && gerund_not_name(&words[0]) {
                words.remove(0);
                a += 1;
            }
            // "Director of National Intelligence James Clapper": words before a known first
            // name that is followed by a surname, none of them a first name or an initial, are
            // the rest of a title.
            if let Some(k) =
                (1..words.len().saturating_sub(1)).find(|&k| first_name_gender(&words[k]).is_some())
            {
                let title_rest = words[..k]
                    .iter()
                    .all(|w| first_name_gender(w).is_none() && !w.ends_with('.'));
                let after_of = s > 0 && toks[s - 1].lower == "of";
                if title_rest && (after_of || opens_sentence || label) {
                    words.drain(..k);
                    a += k;
                }
            }
            if words.last().is_some_and(|w| is_org_word(&w.to_lowercase())) {
                continue;
            }
            // "R-Wis.", "D-Calif.": a party and state tag is no person; as a mention it would
            // also end the window where a pronoun shows the gender of the name before it.
            if words.len() == 1 && is_party_tag(&words[0]) {
                continue;
            }
            if let Some(sfx) = suffix {
                words.push(sfx);
            }
            let before: Vec<String> = toks[s.saturating_sub(4)..a]
                .iter()
                .filter(|t| t.is_word)
                .map(|t| t.lower.clone())
                .collect();
            let mut after = Vec::new();
            if toks.get(i).is_some_and(|t| t.text == ",") {
                after = toks[i + 1..(i + 7).min(toks.len())]
                    .iter()
                    .take_while(|t| t.is_word)
                    .map(|t| t.lower.clone())
                    .collect();
            }
            names.mentions.push(NameMention {
                start: toks[a].start,
                end: toks[i - 1].end,
                words,
                before,
                after,
                tok_start: a,
                tok_end: i,
            });
        }
        for m in &names.mentions {
            if m.words.len() < 2 || m.words.len() > 4 {
                continue;
            }
            let full = m.words.join(" ");
            let n = m.words.len();
            // A name with a suffix is found by surname and suffix ("Trump Jr."), never by the
            // surname or first name alone (those are the father's).
            if is_suffix(&m.words[n - 1].to_lowercase()) {
                let key = suffix_key(&m.words[n - 2], &m.words[n - 1]);
                let better = names
                    .by_last
                    .get(&key)
                    .is_none_or(|old| old.split(' ').count() < n);
                if better {
                    names.by_last.insert(key, full);
                }
                continue;
            }
            for (key, map) in [
                (m.words[n - 1].to_lowercase(), &mut names.by_last),
                (m.words[0].to_lowercase(), &mut names.by_first),
            ] {
                let better = map.get(&key).is_none_or(|old| old.split(' ').count() < n);
                if better {
                    map.insert(key, full.clone());
                }
            }
        }
        // Gender evidence: a title, or the first he/she pronoun after the mention (before the
        // next name).
        for (k, m) in names.mentions.iter().enumerate() {
            let full = names.fullest(&m.words);
            let next = names
                .mentions
                .get(k + 1)
                .map_or(toks.len(), |n| n.tok_start)
                .max(m.tok_end);
            let mut g = match m.before.last().map(|w| w.trim_end_matches('.')) {
                Some("mr") => Some(Gender::Male),
                Some("ms" | "mrs" | "miss") => Some(Gender::Female),
                _ => None,
            };
            if g.is_none() {
                g = toks[m.tok_end..next.min(m.tok_end + 25).min(toks.len())]
                    .iter()
                    .find_map(|t| pronoun_gender(&t.lower));
            }
            if m.before
                .last()
                .is_some_and(|w| is_title_word(w) || is_role_title(w))
            {
                names.titled.insert(full.clone());
            }
            let e = names.gender.entry(full).or_insert((0, 0));
            match g {
                Some(Gender::Male) => e.0 += 1,
                Some(Gender::Female) => e.1 += 1,
                None => {}
            }
        }
        // A common first name is evidence too (worth two pronouns: the first he/she after a
        // name is often someone else's, and "R-Wis." or a paper's name can cut that window
        // short: "Nancy Pelosi, D-Calif., said the Axios interview didn't surprise her").
        for (full, e) in names.gender.iter_mut() {
            let mut w = full.split(' ');
            let (Some(first), Some(_)) = (w.next(), w.next()) else {
                continue;
            };
            match first_name_gender(first) {
                Some(Gender::Male) => e.0 += 2,
                Some(Gender::Female) => e.1 += 2,
                None => {}
            }
        }
        names
    }

    /// The gender the article shows for a fullest name, if any.
    pub fn gender_of(&self, name: &str) -> Option<Gender> {
        let &(m, f) = self.gender.get(name)?;
        match m.cmp(&f) {
            std::cmp::Ordering::Greater => Some(Gender::Male),
            std::cmp::Ordering::Less => Some(Gender::Female),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// Whether a fullest name looks like a person: not an acronym or organisation, and either
    /// two words or more, or a single word seen with a title ("Mr. Obama", "coach Vogel").
    pub fn is_person(&self, name: &str) -> bool {
        let words: Vec<&str> = name.split(' ').collect();
        let Some(last) = words.last() else {
            return false;
        };
        if is_org_word(&last.to_lowercase()) || words.iter().all(|w| is_acronym(w)) {
            return false;
        }
        // "Representatives", "Senators": a plural title names a body, not a person.
        if let [one] = words[..] {
            let lower = one.to_lowercase();
            if lower
                .strip_suffix('s')
                .is_some_and(|s| is_title_word(s) || is_role(s))
            {
                return false;
            }
        }
        words.len() >= 2 || self.titled.contains(name)
    }

    /// Whether `name` may be what a pronoun of gender `g` refers to.
    pub fn fits(&self, name: &str, g: Option<Gender>) -> bool {
        self.is_person(name)
            && match (g, self.gender_of(name)) {
                (Some(want), Some(has)) => want == has,
                _ => true,
            }
    }

    /// The most recent person before `pos` (within `within` code points) that a pronoun of
    /// gender `g` can refer to, as its fullest name.
    pub fn last_person_before(
        &self,
        pos: usize,
        within: usize,
        g: Option<Gender>,
    ) -> Option<String> {
        self.last_person_at(pos, within, g).map(|(_, n)| n)
    }

    /// [`Names::last_person_before`] with the position where that mention ends.
    pub fn last_person_at(
        &self,
        pos: usize,
        within: usize,
        g: Option<Gender>,
    ) -> Option<(usize, String)> {
        self.mentions
            .iter()
            .rev()
            .filter(|m| m.end <= pos && pos - m.end <= within)
            .map(|m| (m.end, self.fullest_at(&m.words, m.end)))
            .find(|(_, n)| self.fits(n, g))
    }

    /// The fullest name for a name written `words` (titles already stripped).
    pub fn fullest(&self, words: &[String]) -> String {
        let Some(last) = words.last() else {
            return String::new();
        };
        let key = strip_possessive(last).to_lowercase();
        if words.len() > 1 && is_suffix(&key) {
            // "Trump Jr.": the full name with that suffix, else the words as written (the
            // father's full name is someone else).
            let n = words.len();
            let key = suffix_key(&words[n - 2], &words[n - 1]);
            if let Some(full) = self.by_last.get(&key) {
                if full.split(' ').count() >= n {
                    return full.clone();
                }
            }
            return words
                .iter()
                .map(|w| strip_possessive(w))
                .collect::<Vec<_>>()
                .join(" ");
        }
        let Some(last) = words.last() else {
            return String::new();
        };
        let key = strip_possessive(last).to_lowercase();
        if let Some(full) = self.by_last.get(&key) {
            // "Liz Cheney" is not "Mary Cheney": a name with its own first word stays itself.
            let other_first = words.len() >= 2
                && full.split(' ').next().map(str::to_lowercase)
                    != words.first().map(|w| w.to_lowercase());
            if full.split(' ').count() >= words.len() && !other_first {
                return full.clone();
            }
        }
        if words.len() == 1 {
            // "Hillary" is "Hillary Clinton", but "Google" is not "Google Stadia": a first
            // word leads to a full name only when the article shows that name is a person's.
            if let Some(full) = self.by_first.get(&key) {
                if self.gender.get(full).is_some_and(|&(m, f)| m + f > 0) {
                    return full.clone();
                }
            }
            // "Mr. Stone" where the article names only "Roger J. Stone Jr.": his name without
            // the suffix, since a bare surname is as often the father's ("Mr. Trump" in an
            // article that names "Donald Trump Jr." is mostly the president).
            if !self.by_last.contains_key(&key) {
                let mut with_suffix = ["jr", "sr", "ii", "iii"]
                    .iter()
                    .filter_map(|s| self.by_last.get(&format!("{key} {s}")));
                if let (Some(full), None) = (with_suffix.next(), with_suffix.next()) {
                    if let Some((base, _)) = full.rsplit_once(' ') {
                        return base.to_string();
                    }
                }
            }
        }
        words
            .iter()
            .map(|w| strip_possessive(w))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// [`Names::fullest`] for a mention at `pos`: a lone surname that several full names share
    /// ("Dick Cheney" and "Liz Cheney") is the one named last before it.
    pub fn fullest_at(&self, words: &[String], pos: usize) -> String {
        self.fullest_at_gender(words, pos, None)
    }

    /// [`Names::fullest_at`] for a mention whose title shows a gender ("Mrs. Clinton" is never
    /// "Bill Clinton", however recently he was named).
    pub fn fullest_at_gender(&self, words: &[String], pos: usize, g: Option<Gender>) -> String {
        if let [one] = words {
            let key = strip_possessive(one).to_lowercase();
            let same_last = |m: &&NameMention| {
                m.words.len() >= 2
                    && m.words
                        .last()
                        .is_some_and(|w| strip_possessive(w).to_lowercase() == key)
            };
            let mut fulls: Vec<String> = self
                .mentions
                .iter()
                .filter(same_last)
                .map(|m| m.words.join(" "))
                .collect();
            fulls.sort();
            fulls.dedup();
            if fulls.len() >= 2 {
                // The latest named before the mention whose gender the article shows to be
                // the title's, else the latest that may have it.
                let latest = |exact: bool| {
                    self.mentions
                        .iter()
                        .rev()
                        .filter(same_last)
                        .filter(|m| m.end <= pos)
                        .map(|m| self.fullest(&m.words))
                        .find(|n| {
                            if exact {
                                g.is_some() && self.gender_of(n) == g
                            } else {
                                self.fits(n, g)
                            }
                        })
                };
                if let Some(n) = latest(true).or_else(|| latest(false)) {
                    return n;
                }
            }
        }
        self.fullest(words)
    }

    /// How many name mentions end with the word `last` (possessive stripped, any case).
    pub fn count_last(&self, last: &str) -> usize {
        let key = strip_possessive(last).to_lowercase();
        self.mentions
            .iter()
            .filter(|m| {
                m.words
                    .last()
                    .is_some_and(|w| strip_possessive(w).to_lowercase() == key)
            })
            .count()
    }

    /// The most recent person name mentioned before `pos`, as its fullest form.
    pub fn last_before(&self, pos: usize, within: usize) -> Option<String> {
        self.mentions
            .iter()
            .rev()
            .filter(|m| m.end <= pos && pos - m.end <= within)
            .find(|m| m.words.len() >= 2 || self.by_last.contains_key(&m.words[0].to_lowercase()))
            .map(|m| self.fullest(&m.words))
    }

    /// A name introduced with the role `head` ("spokesman Jason Miller", "Jason Miller, the
    /// campaign's spokesman") before `pos`: the latest such.
    ///
    /// Only a person counts, and the role must stand right before the name (titles between
    /// allowed): in "the man's case was published in BMJ Case Reports" the journal is not "the
    /// man". When nobody with that role is named before `pos`, the first named after it ("China's
    /// ambassador warned … Ambassador Liu Xiaoming said"): the article names the person later.
    pub fn with_role(&self, head: &str, pos: usize) -> Option<String> {
        self.with_role_of(head, None, pos)
    }

    /// [`Names::with_role`] for a role of two words ("the chief justice", "the inspector
    /// general"): `modifier` must stand before the role word at the name too, so "the chief
    /// justice" is never the latest "Justice Kagan".
    pub fn with_role_of(&self, head: &str, modifier: Option<&str>, pos: usize) -> Option<String> {
        let has_role = |m: &&NameMention| {
            // "Vice President Joe Biden" is not "the president".
            // "Gov. Deval Patrick" is "the governor"; "Rep. Joe Doe" is "the congressman".
            let role = |w: &str| {
                let w = match w.trim_end_matches('.') {
                    "gov" => "governor",
                    "sen" => "senator",
                    "rep" => "representative",
                    "gen" => "general",
                    w => w,
                };
                w == head
                    || (w == "representative"
                        && matches!(head, "congressman" | "congresswoman" | "lawmaker"))
            };
            let k = m.before.iter().rposition(|w| !is_title_word(w) || role(w));
            let before = k.is_some_and(|k| {
                role(&m.before[k])
                    && match modifier {
                        Some(md) => k > 0 && m.before[k - 1] == md,
                        None => {
                            k == 0
                                || !matches!(
                                    m.before[k - 1].trim_end_matches('.'),
                                    "vice"
                                        | "deputy"
                                        | "assistant"
                                        | "former"
                                        | "ex"
                                        | "lt"
                                        | "associate"
                                )
                        }
                    }
            });
            (before || m.after.iter().any(|w| w == head)) && self.is_person(&self.fullest(&m.words))
        };
        self.mentions
            .iter()
            .rev()
            .filter(|m| m.start < pos)
            .find(has_role)
            .or_else(|| {
                self.mentions
                    .iter()
                    .filter(|m| m.start >= pos)
                    .find(has_role)
            })
            .map(|m| self.fullest(&m.words))
    }
}

/// How a speaker mention refers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionKind {
    Pronoun,
    Name,
    /// A description: "the spokesman", "officials".
    Description,
}

/// Classify a mention and give the words that matter (titles stripped for names).
pub fn mention_kind(toks: &[Tok]) -> (MentionKind, Vec<String>) {
    let words: Vec<&Tok> = toks.iter().filter(|t| t.is_word).collect();
    if words.len() == 1 && is_pronoun(&words[0].lower) {
        return (MentionKind::Pronoun, vec![words[0].lower.clone()]);
    }
    // A name: the capitalised tail after titles ("Sen. Ted Cruz", "longtime pollster Pat Caddell").
    let mut tail: Vec<String> = Vec::new();
    for t in words.iter().rev() {
        if t.is_cap() && !is_title_word(&t.lower) && !is_not_name(&t.lower) {
            tail.push(strip_possessive(&t.text).to_string());
        } else {
            break;
        }
    }
    tail.reverse();
    let possessive_org = words
        .last()
        .is_some_and(|t| !t.is_cap() && words.iter().any(|w| w.lower.ends_with("'s")));
    if !tail.is_empty() && !possessive_org {
        if tail.last().is_some_and(|w| is_org_word(&w.to_lowercase())) {
            return (MentionKind::Description, tail);
        }
        return (MentionKind::Name, tail);
    }
    (
        MentionKind::Description,
        words.iter().map(|t| t.lower.clone()).collect(),
    )
}

/// Roles a description can refer to a named person by.
pub fn is_role(head: &str) -> bool {
    matches!(
        head,
        "spokesman"
            | "spokeswoman"
            | "spokesperson"
            | "president"
            | "candidate"
            | "nominee"
            | "senator"
            | "governor"
            | "chairman"
            | "chairwoman"
            | "secretary"
            | "mogul"
            | "billionaire"
            | "businessman"
            | "frontrunner"
            | "front-runner"
            | "congressman"
            | "congresswoman"
            | "mayor"
            | "leader"
            | "director"
            | "ceo"
            | "chief"
            | "manager"
            | "pollster"
            | "host"
            | "author"
            | "lawyer"
            | "attorney"
            | "aide"
            | "adviser"
            | "advisor"
            | "strategist"
            | "minister"
            | "speaker"
            | "official"
            | "judge"
            | "sheriff"
            | "founder"
            | "analyst"
            | "economist"
            | "professor"
            | "woman"
            | "man"
            | "democrat"
            | "republican"
            | "veteran"
            | "activist"
            | "councillor"
            | "councilor"
            | "councilman"
            | "councilwoman"
            | "commissioner"
            | "representative"
            | "ambassador"
            | "envoy"
            | "prosecutor"
            | "justice"
            | "general"
    )
}

/// A word that makes one role of two with the role after it ("chief justice", "inspector
/// general", "attorney general"): the name must carry both.
pub fn is_role_modifier(w: &str) -> bool {
    matches!(
        w,
        "chief"
            | "inspector"
            | "attorney"
            | "surgeon"
            | "solicitor"
            | "deputy"
            | "vice"
            | "prime"
            | "press"
            | "lieutenant"
            | "majority"
            | "minority"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::tokenize;

    fn toks(s: &str) -> Vec<Tok> {
        let c: Vec<char> = s.chars().collect();
        tokenize(&c, 0, c.len())
    }

    #[test]
    fn surnames_map_to_the_fullest_name() {
        let t =
            toks("Russian President Vladimir Putin spoke. Later Putin left. The Kremlin agreed.");
        let n = Names::build(&t);
        assert_eq!(n.fullest(&["Putin".to_string()]), "Vladimir Putin");
        assert_eq!(n.fullest(&["Vladimir".to_string()]), "Vladimir Putin");
        assert_eq!(
            n.with_role("president", 100).as_deref(),
            Some("Vladimir Putin")
        );
        assert_eq!(n.last_before(60, 1000).as_deref(), Some("Vladimir Putin"));
    }

    #[test]
    fn a_shared_surname_is_the_one_named_last() {
        let text = "Dick Cheney spoke first. Then Liz Cheney answered. Cheney said no.";
        let t = toks(text);
        let n = Names::build(&t);
        let pos = text.find("Cheney said").unwrap_or(0);
        assert_eq!(n.fullest_at(&["Cheney".to_string()], pos), "Liz Cheney");
        assert_eq!(n.fullest_at(&["Cheney".to_string()], 20), "Dick Cheney");
    }

    #[test]
    fn party_tags_are_no_names_and_first_names_show_gender() {
        let t = toks("Sen. Lindsey Graham, R-S.C., spoke. Rep. Nancy Pelosi, D-Calif., left.");
        let n = Names::build(&t);
        assert!(n.mentions.iter().all(|m| !m.words[0].starts_with("R-")));
        assert_eq!(n.gender_of("Lindsey Graham"), Some(Gender::Male));
        assert_eq!(n.gender_of("Nancy Pelosi"), Some(Gender::Female));
        assert!(!n.fits("Lindsey Graham", Some(Gender::Female)));
    }

    #[test]
    fn a_role_is_found_before_the_name_or_later_in_the_article() {
        let text = "The man was described in BMJ Case Reports. Later, campaign spokesman Jason Miller spoke.";
        let t = toks(text);
        let n = Names::build(&t);
        // Named after the description: found; the journal is no man.
        assert_eq!(n.with_role("spokesman", 0).as_deref(), Some("Jason Miller"));
        assert_eq!(n.with_role("man", text.len()), None);
    }

    #[test]
    fn mention_kinds() {
        assert_eq!(mention_kind(&toks("he")).0, MentionKind::Pronoun);
        let (k, w) = mention_kind(&toks("Sen. Ted Cruz"));
        assert_eq!(k, MentionKind::Name);
        assert_eq!(w, ["Ted", "Cruz"]);
        assert_eq!(
            mention_kind(&toks("the spokesman")).0,
            MentionKind::Description
        );
        assert_eq!(
            mention_kind(&toks("Clinton's campaign")).0,
            MentionKind::Description
        );
    }
}
