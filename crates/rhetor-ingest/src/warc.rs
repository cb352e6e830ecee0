//! WARC archives (already un-gzipped by the reader): the HTML pages among their `response`
//! records, each through [`crate::html::read_html`], the path HTML takes from every container.
//!
//! Records are framed with the `warc` crate's byte-slice parser (`warc::parser::record`), not its
//! streaming reader: the reader adds `Content-Length + 4` unchecked (an overflow panic on a forged
//! length) and cannot resynchronise after a bad record. Over a slice we can: after a malformed
//! record we look for the next line starting with `WARC/` and go on, so one bad record costs only
//! itself.

use std::io::Read;

use crate::{html, Extracted, IngestError};

/// Largest HTTP payload we inflate from a `Content-Encoding: gzip` response (64 MiB); beyond it the
/// record is reported as too large instead of exhausting memory.
const MAX_PAYLOAD: u64 = 64 << 20;

/// Whether the bytes look like an (un-gzipped) WARC file: they start with a `WARC/1.x` version line.
pub fn looks_like_warc(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let rest = bytes.get(start..).unwrap_or_default();
    rest.starts_with(b"WARC/1.") || rest.starts_with(b"WARC/0.")
}

/// Every HTML page in the archive, in archive order: one entry per `response` record whose HTTP
/// payload is HTML. The URL comes from `WARC-Target-URI`; `source_suffix` is `#record{N}` with `N`
/// the 1-based position of the record among all records of the file. Other records (requests,
/// metadata, images…) are skipped.
///
/// A malformed or truncated record, or an HTML page without article text, gives an `Err` entry and
/// the others still come. Errors for the whole file: [`IngestError::Warc`] when no WARC record can
/// be read at all, or when the archive holds no HTML response.
pub fn parse(bytes: &[u8]) -> Result<Vec<Result<Extracted, IngestError>>, IngestError> {
    let mut out = Vec::new();
    let mut rest = skip_ws(bytes);
    let mut records = 0usize;
    let mut good_records = 0usize;
    while !rest.is_empty() {
        records += 1;
        match warc::parser::record(rest) {
            Ok((after, (_version, headers, body))) => {
                good_records += 1;
                rest = skip_ws(after);
                if let Some(result) = record_to_doc(&headers, body, records) {
                    out.push(result);
                }
            }
            Err(e) => {
                let reason = if e.is_incomplete() {
                    "truncated record"
                } else {
                    "malformed record header"
                };
                out.push(Err(IngestError::Warc(format!(
                    "record {records}: {reason}"
                ))));
                match next_record_start(rest) {
                    Some(pos) => rest = rest.get(pos..).unwrap_or_default(),
                    None => break,
                }
            }
        }
    }
    if good_records == 0 {
        return Err(IngestError::Warc("no readable WARC record".into()));
    }
    if out.is_empty() {
        return Err(IngestError::Warc("no HTML response records".into()));
    }
    Ok(out)
}

fn skip_ws(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    b.get(start..).unwrap_or_default()
}

/// Offset of the next line (after the first byte) that starts a WARC record.
fn next_record_start(b: &[u8]) -> Option<usize> {
    let mut i = 1;
    while i < b.len() {
        let nl = b.get(i..)?.iter().position(|&c| c == b'\n')?;
        let line = i + nl + 1;
        if b.get(line..).is_some_and(|r| r.starts_with(b"WARC/")) {
            return Some(line);
        }
        i = line;
    }
    None
}

fn header<'a>(headers: &[(&str, &'a [u8])], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// The document of one record, `None` when the record is no HTML response.
fn record_to_doc(
    headers: &[(&str, &[u8])],
    body: &[u8],
    n: usize,
) -> Option<Result<Extracted, IngestError>> {
    let ty = header(headers, "WARC-Type")?;
    if !String::from_utf8_lossy(ty)
        .trim()
        .eq_ignore_ascii_case("response")
    {
        return None;
    }
    let url = header(headers, "WARC-Target-URI")
        .map(|u| {
            String::from_utf8_lossy(u)
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .filter(|u| !u.is_empty());
    let Some(http) = HttpResponse::parse(body) else {
        // A response record whose payload is not HTTP (e.g. a `dns:` lookup): nothing to read.
        return None;
    };
    if !(200..300).contains(&http.status) {
        return None;
    }
    let content_type = http.header("content-type").unwrap_or_default();
    let ct = content_type.to_ascii_lowercase();
    let is_html = ct.contains("text/html") || ct.contains("application/xhtml");
    if !ct.is_empty() && !is_html {
        return None;
    }
    let fail = |e: IngestError| {
        Some(Err(IngestError::Warc(format!(
            "record {n} ({}): {e}",
            url.as_deref().unwrap_or("no URL")
        ))))
    };
    let payload = match http.payload() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if ct.is_empty() && !html::looks_like_html(&payload) {
        return None;
    }
    let charset = ct
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("charset="))
        .map(|c| c.trim_matches(['"', '\'', ' ']).to_string())
        .next();
    let page = html::decode(&payload, charset.as_deref());
    match html::read_html(page, url.as_deref()) {
        Ok(mut ex) => {
            ex.source_suffix = Some(format!("#record{n}"));
            if ex.metadata.url.is_none() {
                ex.metadata.url = url;
            }
            Some(Ok(ex))
        }
        Err(e) => fail(e),
    }
}

/// The parts of an HTTP response we need.
struct HttpResponse<'a> {
    status: u16,
    headers: Vec<(String, String)>,
    body: &'a [u8],
}

impl<'a> HttpResponse<'a> {
    fn parse(raw: &'a [u8]) -> Option<Self> {
        if !raw.starts_with(b"HTTP/") {
            return None;
        }
        // Header block ends at the first blank line (CRLF or bare LF).
        let (head_end, body_start) = find_blank_line(raw)?;
        let head = String::from_utf8_lossy(raw.get(..head_end)?);
        let mut lines = head.lines();
        let status_line = lines.next()?;
        let status = status_line.split_whitespace().nth(1)?.parse::<u16>().ok()?;
        let headers = lines
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
            })
            .collect();
        Some(HttpResponse {
            status,
            headers,
            body: raw.get(body_start..).unwrap_or_default(),
        })
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// The body with transfer and content encodings undone.
    fn payload(&self) -> Result<Vec<u8>, IngestError> {
        let te = self.header("transfer-encoding").unwrap_or_default();
        let mut body = if te.to_ascii_lowercase().contains("chunked") {
            dechunk(self.body)
        } else {
            self.body.to_vec()
        };
        let ce = self
            .header("content-encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if ce.contains("gzip") || ce.contains("deflate") {
            let mut out = Vec::new();
            let res = if ce.contains("gzip") {
                flate2::read::MultiGzDecoder::new(&body[..])
                    .take(MAX_PAYLOAD + 1)
                    .read_to_end(&mut out)
            } else {
                flate2::read::ZlibDecoder::new(&body[..])
                    .take(MAX_PAYLOAD + 1)
                    .read_to_end(&mut out)
            };
            match res {
                Ok(_) if out.len() as u64 > MAX_PAYLOAD => {
                    return Err(IngestError::TooLarge {
                        size: out.len() as u64,
                        limit: MAX_PAYLOAD,
                    })
                }
                Ok(_) => body = out,
                // Many archivers store the payload already decoded but keep the header: if it
                // does not inflate, use it as it is when it looks like a page.
                Err(_) if html::looks_like_html(&body) => {}
                Err(e) => return Err(IngestError::Gzip(e.to_string())),
            }
        }
        Ok(body)
    }
}

fn find_blank_line(raw: &[u8]) -> Option<(usize, usize)> {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = raw.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) if b < a => Some((b, b + 2)),
        (Some(a), _) => Some((a, a + 4)),
        (None, Some(b)) => Some((b, b + 2)),
        (None, None) => None,
    }
}

/// Undo `Transfer-Encoding: chunked`. Lenient: a bad or missing chunk size ends the body there, and
/// a body that is not chunked after all (archivers often store it decoded) is returned as it is.
fn dechunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
            if out.is_empty() {
                return body.to_vec();
            }
            break;
        };
        let size_line = String::from_utf8_lossy(rest.get(..nl).unwrap_or_default());
        let size_hex = size_line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_hex, 16) else {
            if out.is_empty() {
                return body.to_vec();
            }
            break;
        };
        rest = rest.get(nl + 1..).unwrap_or_default();
        if size == 0 {
            break;
        }
        let take = size.min(rest.len());
        out.extend_from_slice(rest.get(..take).unwrap_or_default());
        rest = rest.get(take..).unwrap_or_default();
        // chunk terminator
        if rest.starts_with(b"\r\n") {
            rest = rest.get(2..).unwrap_or_default();
        } else if rest.starts_with(b"\n") {
            rest = rest.get(1..).unwrap_or_default();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ty: &str, uri: &str, body: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "WARC/1.0\r\nWARC-Type: {ty}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-03-01T10:00:00Z\r\n\
             WARC-Record-ID: <urn:uuid:{}>\r\nContent-Type: application/http; msgtype=response\r\n\
             Content-Length: {}\r\n\r\n",
            uri.len(),
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r.extend_from_slice(b"\r\n\r\n");
        r
    }

    fn page(title: &str, para: &str) -> String {
        format!(
            "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>\
             <p>{para} {para}</p><p>A second paragraph that keeps the article long enough to be \
             taken as content by the extractor, with several more words in it.</p></article></body></html>"
        )
    }

    fn http(ct: &str, extra: &str, body: &[u8]) -> Vec<u8> {
        let mut r = format!("HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\n{extra}\r\n").into_bytes();
        r.extend_from_slice(body);
        r
    }

    fn archive() -> Vec<u8> {
        let mut w = Vec::new();
        w.extend(record("warcinfo", "", b"software: test\r\n"));
        w.extend(record(
            "request",
            "https://news.example/a",
            b"GET /a HTTP/1.1\r\nHost: news.example\r\n\r\n",
        ));
        let p1 = page(
            "Bridge reopens",
            "The old bridge reopened to traffic on Monday after a year of repairs.",
        );
        w.extend(record(
            "response",
            "https://www.news.example/a",
            &http("text/html; charset=utf-8", "", p1.as_bytes()),
        ));
        w.extend(record(
            "response",
            "https://www.news.example/logo.png",
            &http("image/png", "", b"\x89PNG\r\n"),
        ));
        // Chunked, Latin-1 declared in the HTTP header.
        let p2 = page(
            "Caf\u{e9} closes",
            "The caf\u{e9} on the square closed its doors for good.",
        );
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(&p2);
        let mut chunked = Vec::new();
        let half = latin1.len() / 2;
        for part in [&latin1[..half], &latin1[half..]] {
            chunked.extend(format!("{:x}\r\n", part.len()).into_bytes());
            chunked.extend_from_slice(part);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        w.extend(record(
            "response",
            "https://www.news.example/b",
            &http(
                "text/html; charset=ISO-8859-1",
                "Transfer-Encoding: chunked\r\n",
                &chunked,
            ),
        ));
        w
    }

    #[test]
    fn sniffs_warc() {
        assert!(looks_like_warc(&archive()));
        assert!(looks_like_warc(b"\r\nWARC/1.1\r\n"));
        assert!(!looks_like_warc(b"<html>"));
        assert!(!looks_like_warc(b""));
    }

    #[test]
    fn html_responses_become_documents() {
        let docs = match parse(&archive()) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(docs.len(), 2, "{docs:?}");
        let a = match &docs[0] {
            Ok(a) => a,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(a.source_suffix.as_deref(), Some("#record3"));
        assert_eq!(a.title.as_deref(), Some("Bridge reopens"));
        assert!(a.body.contains("reopened to traffic"));
        assert_eq!(
            a.metadata.url.as_deref(),
            Some("https://www.news.example/a")
        );
        assert_eq!(a.metadata.outlet.as_deref(), Some("news.example"));
        let b = match &docs[1] {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(b.source_suffix.as_deref(), Some("#record5"));
        assert!(b.body.contains("The café on the square"), "{}", b.body);
    }

    #[test]
    fn a_bad_record_costs_only_itself() {
        let mut w = archive();
        // A truncated record in the middle: its Content-Length runs past the next record's start.
        let good = record(
            "response",
            "https://www.news.example/c",
            &http(
                "text/html",
                "",
                page(
                    "Late news",
                    "A late paragraph about the council budget vote.",
                )
                .as_bytes(),
            ),
        );
        let mut bad =
            b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 999999\r\n\r\nHTTP/1.1 200 OK\r\n"
                .to_vec();
        bad.extend_from_slice(b"\r\n");
        w.extend(bad);
        w.extend(good);
        let docs = match parse(&w) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(docs.iter().filter(|d| d.is_ok()).count(), 3, "{docs:?}");
        assert_eq!(docs.iter().filter(|d| d.is_err()).count(), 1);
        // Truncated at the end.
        let a = archive();
        let cut = &a[..a.len() - 40];
        let docs = match parse(cut) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert!(docs.iter().any(|d| d.is_ok()));
        assert!(docs.last().is_some_and(|d| d.is_err()));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"").is_err());
        assert!(parse(b"this is not a warc file").is_err());
        assert!(parse(&[0xffu8; 300]).is_err());
        let forged =
            b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 18446744073709551615\r\n\r\nx";
        assert!(parse(forged).is_err());
        // Valid WARC without any HTML response.
        let only_info = record("warcinfo", "", b"software: test\r\n");
        assert!(parse(&only_info).is_err());
    }

    #[test]
    fn dechunk_is_lenient() {
        assert_eq!(dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), b"abcde");
        assert_eq!(
            dechunk(b"<html>not chunked</html>"),
            b"<html>not chunked</html>"
        );
        assert_eq!(dechunk(b"ff\r\nshort"), b"short");
        assert_eq!(dechunk(b""), b"");
    }
}
