//! The whole ingest pipeline on arbitrary bytes, under each name that steers format detection.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = rhetor_ingest::Options::default();
    for name in ["a.txt", "a.html", "a.xml", "a.warc", "a.jsonl", "a.gz", "-"] {
        for item in rhetor_ingest::read_bytes(data, name, &opts).into_iter().flatten() {
            check(&item);
        }
    }
});

/// Every offset must slice `text`.
fn check(a: &rhetor_doc::Article) {
    let n = a.text.chars().count();
    for p in &a.paragraphs {
        assert!(p.start <= p.end && p.end <= n);
    }
    for s in &a.sentences {
        assert!(s.start <= s.end && s.end <= n);
    }
}
