//! Conversion between code-point offsets (our contract) and byte offsets (what Rust slices take).

/// Byte position of every code point of a string, built once and queried many times.
///
/// `CharIndex::new(s).byte(i)` is the byte offset of the `i`-th code point; `byte(char_len)` is
/// `s.len()`. Lookups are O(1); building is O(n).
#[derive(Debug, Clone)]
pub struct CharIndex {
    /// `bytes[i]` = byte offset of code point `i`; one extra entry for the end.
    bytes: Vec<usize>,
}

impl CharIndex {
    pub fn new(s: &str) -> Self {
        let mut bytes: Vec<usize> = s.char_indices().map(|(b, _)| b).collect();
        bytes.push(s.len());
        CharIndex { bytes }
    }

    /// Number of code points.
    pub fn char_len(&self) -> usize {
        self.bytes.len() - 1
    }

    /// Byte offset of code point `char_pos`, or `None` past the end.
    pub fn byte(&self, char_pos: usize) -> Option<usize> {
        self.bytes.get(char_pos).copied()
    }

    /// Code-point offset of byte `byte_pos`, which must sit on a character boundary.
    pub fn char_of_byte(&self, byte_pos: usize) -> Option<usize> {
        self.bytes.binary_search(&byte_pos).ok()
    }

    /// Slice `s` (the string this index was built from) by code points.
    pub fn slice<'a>(&self, s: &'a str, start: usize, end: usize) -> Option<&'a str> {
        if start > end {
            return None;
        }
        let (b0, b1) = (self.byte(start)?, self.byte(end)?);
        s.get(b0..b1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multibyte_roundtrip() {
        let s = "a€b😀c";
        let ix = CharIndex::new(s);
        assert_eq!(ix.char_len(), 5);
        for (ci, (bi, _)) in s.char_indices().enumerate() {
            assert_eq!(ix.byte(ci), Some(bi));
            assert_eq!(ix.char_of_byte(bi), Some(ci));
        }
        assert_eq!(ix.byte(5), Some(s.len()));
        assert_eq!(ix.slice(s, 3, 4), Some("😀"));
        assert_eq!(ix.char_of_byte(2), None);
    }
}
