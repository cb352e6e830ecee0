//! Lines that are only a date and/or a clock time ("Updated 3:45 PM EST, March 2, 2024"), as
//! scraped pages put them under headlines. Used to reject such a line as a headline and, in
//! cleanup, to mark it as debris and take the publication date from it.

use once_cell::sync::Lazy;
use regex::Regex;

/// A date line: what it says in ISO 8601 when that is certain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateLine {
    /// `2024-03-02`, `2024-03-02T15:45:00` or `2024-03-02T15:45:00-05:00`; `None` when the line has
    /// no full date (a clock time alone, "5 hours ago", a day without a year, an ambiguous `03/04/2024`).
    pub iso: Option<String>,
    /// Whether the line said it was an update ("Updated", "Last modified") rather than first
    /// publication.
    pub updated: bool,
    /// Whether a lead word ("Published", "Updated", "Posted") introduced it: such a line is page
    /// furniture wherever it stands, while a bare "Tuesday 28 June" down in an article heads a
    /// section of it.
    pub prefixed: bool,
}

const MONTHS: &str = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

static PREFIX: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)^(?:(last\s+updated|updated|last\s+modified|modified|edited|mis\s+à\s+jour|actualisé|aktualisiert|zuletzt\s+aktualisiert|aggiornato|actualizado|atualizado|zaktualizowano|aktualizacja|обновлено)|first\s+published|originally\s+published|published|posted|date|released|dated|publié|veröffentlicht|pubblicato|publicado|opublikowano|publikacja|опубликовано|дата\s+публикации)(?:\s*(?::|on|at|le|am|il|el|em|в|-|–))?\s*",
    )
    .expect("static regex")
});

static DATE_MDY: Lazy<Regex> = Lazy::new(|| {
    Regex::new(&format!(
        r"(?i)\b({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s*(\d{{4}}))?\b"
    ))
    .expect("static regex")
});

static DATE_DMY: Lazy<Regex> = Lazy::new(|| {
    Regex::new(&format!(
        r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTHS})\.?,?(?:\s+(\d{{4}}))?\b"
    ))
    .expect("static regex")
});

static DATE_ISO: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?\b")
        .expect("static regex")
});

static DATE_NUM: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b").expect("static regex"));

static TIME: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)\b(\d{1,2})(?:[:.h](\d{2}))(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?:\s*\(?\b(est|edt|cst|cdt|mst|mdt|pst|pdt|gmt|utc|bst|cet|cest|msk|ist|aest|aedt|et|ct|pt|mt)\b\)?)?(?:\s*([+-]\d{1,2}(?::?\d{2})?))?|(?i)\b(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.)(?:\s*(est|edt|cst|cdt|mst|mdt|pst|pdt|gmt|utc|bst|et|ct|pt))?\b",
    )
    .expect("static regex")
});

static RELATIVE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)\b(?:\d+|an?|one)\s+(?:sec(?:ond)?|min(?:ute)?|hour|hr|day|week|month|year)s?\s+ago\b|\b(?:today|yesterday|just now)\b")
        .expect("static regex")
});

/// Month names of the other languages rhetor meets (fr, de, it, es, pt, pl, ru), nominative and
/// genitive, for "12 janvier 2024", "12. Januar 2024", "12 de enero de 2024", "12 января 2024".
const INTL_MONTHS: &[(&str, u32)] = &[
    ("janvier", 1),
    ("février", 2),
    ("fevrier", 2),
    ("mars", 3),
    ("avril", 4),
    ("mai", 5),
    ("juin", 6),
    ("juillet", 7),
    ("août", 8),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("januar", 1),
    ("jänner", 1),
    ("februar", 2),
    ("märz", 3),
    ("juni", 6),
    ("juli", 7),
    ("oktober", 10),
    ("dezember", 12),
    ("gennaio", 1),
    ("febbraio", 2),
    ("marzo", 3),
    ("aprile", 4),
    ("maggio", 5),
    ("giugno", 6),
    ("luglio", 7),
    ("agosto", 8),
    ("settembre", 9),
    ("ottobre", 10),
    ("dicembre", 12),
    ("enero", 1),
    ("febrero", 2),
    ("abril", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
    ("janeiro", 1),
    ("fevereiro", 2),
    ("março", 3),
    ("maio", 5),
    ("junho", 6),
    ("julho", 7),
    ("setembro", 9),
    ("outubro", 10),
    ("dezembro", 12),
    ("stycznia", 1),
    ("lutego", 2),
    ("marca", 3),
    ("kwietnia", 4),
    ("maja", 5),
    ("czerwca", 6),
    ("lipca", 7),
    ("sierpnia", 8),
    ("września", 9),
    ("października", 10),
    ("listopada", 11),
    ("grudnia", 12),
    ("января", 1),
    ("февраля", 2),
    ("марта", 3),
    ("апреля", 4),
    ("мая", 5),
    ("июня", 6),
    ("июля", 7),
    ("августа", 8),
    ("сентября", 9),
    ("октября", 10),
    ("ноября", 11),
    ("декабря", 12),
];

static DATE_INTL: Lazy<Regex> = Lazy::new(|| {
    let names: Vec<&str> = INTL_MONTHS.iter().map(|(n, _)| *n).collect();
    Regex::new(&format!(
        r"(?i)(?:^|\s)(\d{{1,2}})(?:er|\.)?\s+(?:de\s+)?({})\.?,?(?:\s+(?:de\s+)?(\d{{4}})(?:\s*(?:г\.|года|r\.))?)?(?:\s|$|,)",
        names.join("|")
    ))
    .expect("static regex")
});

fn intl_month_number(m: &str) -> Option<u32> {
    let m = m.to_lowercase();
    INTL_MONTHS.iter().find(|(n, _)| *n == m).map(|(_, k)| *k)
}

static WEEKDAY: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\b\.?|(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica|lunes|martes|miércoles|jueves|viernes|sábado|domingo|segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira|poniedziałek|wtorek|środa|czwartek|piątek|sobota|niedziela|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье)")
        .expect("static regex")
});

static FILLER: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)^(?:[\s,|·•/\-–—:()\[\]]|\b(?:at|on|to|by|à|a|um|alle|às|las|le|am|il|el|de|в|o|godz|uhr|ore)\b\.?)*$")
        .expect("static regex")
});

fn month_number(m: &str) -> Option<u32> {
    let m = m.to_ascii_lowercase();
    let key = m.get(..3)?;
    let n = match key {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some(n)
}

fn tz_offset(tz: &str) -> Option<&'static str> {
    Some(match tz.to_ascii_lowercase().as_str() {
        "est" => "-05:00",
        "edt" => "-04:00",
        "cst" => "-06:00",
        "cdt" => "-05:00",
        "mst" => "-07:00",
        "mdt" => "-06:00",
        "pst" => "-08:00",
        "pdt" => "-07:00",
        "gmt" | "utc" => "+00:00",
        "bst" | "cet" => "+01:00",
        "cest" => "+02:00",
        "msk" => "+03:00",
        "ist" => "+05:30",
        "aest" => "+10:00",
        "aedt" => "+11:00",
        _ => return None,
    })
}

/// `(y, m, d)` when all three parsed and form a real date.
fn checked_ymd(y: Option<u32>, m: Option<u32>, d: Option<u32>) -> Option<(u32, u32, u32)> {
    let (y, m, d) = (y?, m?, d?);
    valid_ymd(y, m, d).then_some((y, m, d))
}

fn valid_ymd(y: u32, m: u32, d: u32) -> bool {
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2100).contains(&y) && (1..=days).contains(&d)
}

/// Parse a line that consists only of a date and/or time (with an optional "Updated"/"Published"
/// lead word, a weekday, and separators). `None` when anything else is on the line, so a sentence
/// that mentions a date is never taken for a date line.
pub fn parse_date_line(line: &str) -> Option<DateLine> {
    let line = line.trim();
    if line.is_empty() || line.chars().count() > 90 {
        return None;
    }
    let (rest, updated, prefixed) = match PREFIX.captures(line) {
        Some(c) => {
            let end = c.get(0).map_or(0, |m| m.end());
            (line.get(end..).unwrap_or(""), c.get(1).is_some(), true)
        }
        None => (line, false, false),
    };
    let mut rest = rest.to_string();
    let mut date: Option<(u32, u32, u32)> = None;
    let mut time: Option<(u32, u32, u32, Option<String>)> = None;
    let mut found = false;

    if let Some(c) = DATE_ISO.captures(&rest) {
        let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        if let (Some(y), Some(m), Some(d)) = (num(1), num(2), num(3)) {
            if valid_ymd(y, m, d) {
                date = Some((y, m, d));
            }
        }
        if let (Some(h), Some(mi)) = (num(4), num(5)) {
            let off = c.get(7).map(|m| {
                let s = m.as_str();
                if s == "Z" {
                    "+00:00".to_string()
                } else if s.len() == 5 {
                    format!("{}:{}", s.get(..3).unwrap_or(""), s.get(3..).unwrap_or(""))
                } else {
                    s.to_string()
                }
            });
            time = Some((h, mi, num(6).unwrap_or(0), off));
        }
        found = true;
        rest = remove(&rest, c.get(0).map(|m| (m.start(), m.end())));
    } else if let Some(c) = DATE_MDY.captures(&rest) {
        let m = c.get(1).and_then(|m| month_number(m.as_str()));
        let d = c.get(2).and_then(|m| m.as_str().parse::<u32>().ok());
        let y = c.get(3).and_then(|m| m.as_str().parse::<u32>().ok());
        if let Some(ymd) = checked_ymd(y, m, d) {
            date = Some(ymd);
        }
        found = true;
        rest = remove(&rest, c.get(0).map(|m| (m.start(), m.end())));
    } else if let Some(c) = DATE_INTL.captures(&rest) {
        let d = c.get(1).and_then(|m| m.as_str().parse::<u32>().ok());
        let m = c.get(2).and_then(|m| intl_month_number(m.as_str()));
        let y = c.get(3).and_then(|m| m.as_str().parse::<u32>().ok());
        if let Some(ymd) = checked_ymd(y, m, d) {
            date = Some(ymd);
        }
        found = true;
        rest = remove(&rest, c.get(0).map(|m| (m.start(), m.end())));
    } else if let Some(c) = DATE_DMY.captures(&rest) {
        let d = c.get(1).and_then(|m| m.as_str().parse::<u32>().ok());
        let m = c.get(2).and_then(|m| month_number(m.as_str()));
        let y = c.get(3).and_then(|m| m.as_str().parse::<u32>().ok());
        if let Some(ymd) = checked_ymd(y, m, d) {
            date = Some(ymd);
        }
        found = true;
        rest = remove(&rest, c.get(0).map(|m| (m.start(), m.end())));
    } else if let Some(c) = DATE_NUM.captures(&rest) {
        let a = c.get(1).and_then(|m| m.as_str().parse::<u32>().ok());
        let b = c.get(2).and_then(|m| m.as_str().parse::<u32>().ok());
        let y = c.get(3).and_then(|m| m.as_str().parse::<u32>().ok());
        if let (Some(a), Some(b), Some(y)) = (a, b, y) {
            // Only certain when one of the two cannot be a month.
            let dm = if a > 12 && b <= 12 {
                Some((b, a))
            } else if (b > 12 && a <= 12) || a == b {
                Some((a, b))
            } else {
                None
            };
            if let Some((m, d)) = dm {
                if valid_ymd(y, m, d) {
                    date = Some((y, m, d));
                }
            }
        }
        found = true;
        rest = remove(&rest, c.get(0).map(|m| (m.start(), m.end())));
    }

    if time.is_none() {
        if let Some(c) = TIME.captures(&rest) {
            let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
            let (h, mi, s, ampm, tz, off) = if c.get(1).is_some() {
                (num(1), num(2), num(3), c.get(4), c.get(5), c.get(6))
            } else {
                (num(7), Some(0), None, c.get(8), c.get(9), None)
            };
            if let (Some(mut h), Some(mi)) = (h, mi) {
                let ampm = ampm.map(|m| m.as_str().to_ascii_lowercase());
                match ampm.as_deref() {
                    Some("pm") | Some("p.m.") if h < 12 => h += 12,
                    Some("am") | Some("a.m.") if h == 12 => h = 0,
                    _ => {}
                }
                let offset = tz
                    .and_then(|t| tz_offset(t.as_str()))
                    .map(str::to_string)
                    .or_else(|| off.map(|o| normalise_offset(o.as_str())));
                if h < 24 && mi < 60 {
                    time = Some((h, mi, s.unwrap_or(0), offset));
                }
            }
            found = true;
            rest = remove(&rest, c.get(0).map(|m| (m.start(), m.end())));
        }
    }
    while let Some(m) = RELATIVE.find(&rest) {
        found = true;
        rest = remove(&rest, Some((m.start(), m.end())));
    }
    if !found {
        return None;
    }
    while let Some(m) = WEEKDAY.find(&rest) {
        rest = remove(&rest, Some((m.start(), m.end())));
    }
    if !FILLER.is_match(&rest) {
        return None;
    }
    let iso = date.map(|(y, m, d)| match &time {
        Some((h, mi, s, off)) => format!(
            "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}{}",
            off.as_deref().unwrap_or("")
        ),
        None => format!("{y:04}-{m:02}-{d:02}"),
    });
    Some(DateLine {
        iso,
        updated,
        prefixed,
    })
}

fn normalise_offset(o: &str) -> String {
    let sign = o.get(..1).unwrap_or("+");
    let digits: String = o.chars().filter(|c| c.is_ascii_digit()).collect();
    let (h, m) = match digits.len() {
        1 | 2 => (digits.as_str(), "00"),
        3 => (
            digits.get(..1).unwrap_or("0"),
            digits.get(1..).unwrap_or("00"),
        ),
        _ => (
            digits.get(..2).unwrap_or("00"),
            digits.get(2..4).unwrap_or("00"),
        ),
    };
    format!("{sign}{:0>2}:{m}", h)
}

fn remove(s: &str, range: Option<(usize, usize)>) -> String {
    match range {
        Some((a, b)) => format!("{} {}", s.get(..a).unwrap_or(""), s.get(b..).unwrap_or("")),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> Option<String> {
        parse_date_line(s).and_then(|d| d.iso)
    }

    #[test]
    fn regexes_compile() {
        for r in [
            &*PREFIX,
            &*DATE_MDY,
            &*DATE_DMY,
            &*DATE_INTL,
            &*DATE_ISO,
            &*DATE_NUM,
            &*TIME,
            &*RELATIVE,
            &*WEEKDAY,
            &*FILLER,
        ] {
            assert!(!r.as_str().is_empty());
        }
    }

    #[test]
    fn common_date_lines() {
        assert_eq!(
            iso("Updated 3:45 PM EST, March 2, 2024").as_deref(),
            Some("2024-03-02T15:45:00-05:00")
        );
        assert!(parse_date_line("Updated 3:45 PM EST, March 2, 2024").is_some_and(|d| d.updated));
        assert_eq!(iso("Published 12 Jan 2023").as_deref(), Some("2023-01-12"));
        assert_eq!(iso("March 3, 2024").as_deref(), Some("2024-03-03"));
        assert_eq!(
            iso("Mon 4 Mar 2024 06.00 GMT").as_deref(),
            Some("2024-03-04T06:00:00+00:00")
        );
        assert_eq!(
            iso("2024-03-01T12:30:00Z").as_deref(),
            Some("2024-03-01T12:30:00+00:00")
        );
        assert_eq!(
            iso("Posted on: Tuesday, 5th of March 2024").as_deref(),
            Some("2024-03-05")
        );
        assert_eq!(
            iso("Sept. 14, 2023 at 5:02 p.m. ET").as_deref(),
            Some("2023-09-14T17:02:00")
        );
        assert_eq!(iso("25/12/2023").as_deref(), Some("2023-12-25"));
        assert_eq!(iso("03/04/2023"), None);
        assert!(parse_date_line("03/04/2023").is_some());
        assert!(parse_date_line("10:32 AM EST").is_some());
        assert!(parse_date_line("5 hours ago").is_some());
        assert!(parse_date_line("Feb 29, 2023").is_some_and(|d| d.iso.is_none()));
        assert_eq!(
            iso("Publié le 12 janvier 2024 à 14h30").as_deref(),
            Some("2024-01-12T14:30:00")
        );
        assert_eq!(
            iso("Veröffentlicht am 3. März 2024, 10:15 Uhr").as_deref(),
            Some("2024-03-03T10:15:00")
        );
        assert_eq!(iso("12 de enero de 2024").as_deref(), Some("2024-01-12"));
        assert_eq!(
            iso("sexta-feira, 22 de outubro de 2010 às 20:13").as_deref(),
            Some("2010-10-22T20:13:00")
        );
        assert_eq!(
            iso("Опубликовано 5 марта 2024").as_deref(),
            Some("2024-03-05")
        );
        assert_eq!(iso("12 stycznia 2024").as_deref(), Some("2024-01-12"));
        assert_eq!(
            iso("Aggiornato il 1 maggio 2023").as_deref(),
            Some("2023-05-01")
        );
    }

    #[test]
    fn sentences_with_dates_are_not_date_lines() {
        for s in [
            "The vote was held on March 3, 2024.",
            "March 3, 2024 will be remembered as a dark day",
            "By March 2024 the army had retreated",
            "Updated guidance for travellers",
            "May",
            "Published",
            "At 3:45 PM the police arrived",
            "Le 12 janvier 2024, le président a parlé.",
            "Am 3. März 2024 wurde gewählt",
            "Mai",
        ] {
            assert!(parse_date_line(s).is_none(), "{s}");
        }
    }
}
