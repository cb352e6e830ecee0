//! Offset arithmetic of segmentation on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let n = text.chars().count();
    let paragraphs = rhetor_text::paragraphs(text);
    for p in &paragraphs {
        assert!(p.start <= p.end && p.end <= n);
    }
    for s in rhetor_text::sentences(text, &paragraphs) {
        assert!(s.start <= s.end && s.end <= n);
    }
    let refs: Vec<_> = paragraphs.iter().collect();
    let clean = rhetor_text::clean_text(text, &refs);
    assert_eq!(clean.map.len(), clean.text.chars().count());
    assert!(clean.map.iter().all(|&m| m <= n));
});
