#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = rhetor_ingest::html::extract(data, Some("https://example.org/a"));
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = rhetor_ingest::html::fragment_to_text(s);
    }
});
