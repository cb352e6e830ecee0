//! Dense features from the encoder that `rhetor analyze` already runs (the fine-tuned MiniLM of
//! `models/techniques`): its final state of every word piece, averaged onto this crate's word
//! tokens, feeds extra weights of the cue model (the token's state) and of the attribution filter
//! (mean states of the candidate content and of the cue).
//!
//! This crate runs no encoder: the caller passes the states of its own pass as
//! [`EncoderStates`] (plain offsets and numbers, with the SHA-256 of the encoder weights they came
//! from). Dense weights record the SHA-256 of the weights they were trained against, and are used
//! only with states of that encoder; otherwise the sparse models decide alone.
//!
//! [`StatesCache`] is the on-disk form used for training (`examples/train_quotes.rs --states`):
//! per article its id, the SHA-256 of its text and its pieces' offsets and states (bf16).

use std::io::Write;
use std::path::Path;

use crate::tokens::Tok;
use crate::QuoteError;

/// The final hidden states of the word pieces an encoder read in one article: piece `k` spans
/// code points `offsets[k]` of `Article::text` and has the state `states[k * hidden..(k + 1) *
/// hidden]`. Pieces are in text order and do not overlap.
#[derive(Debug, Clone, Copy)]
pub struct EncoderStates<'a> {
    /// SHA-256 (lower-case hex) of the encoder weights file that produced the states.
    pub encoder_sha256: &'a str,
    pub hidden: usize,
    pub offsets: &'a [(usize, usize)],
    pub states: &'a [f32],
}

/// Layout of the cue model's dense vector: the token's state.
pub const CUE_LAYOUT: &str = "token";
/// Layout of the cue model's dense vector: the token's state, then the mean of its neighbours'
/// states in the sentence (the token's own where it has none).
pub const CUE_LAYOUT_CTX: &str = "token+neighbours";
/// Layout of the filter's dense vector: the mean state of the content, then that of the cue.
pub const FILTER_LAYOUT: &str = "content+cue";

/// Word-level states of a document's tokens: per token the mean of the pieces overlapping it.
#[derive(Debug, Clone)]
pub(crate) struct WordStates {
    pub hidden: usize,
    data: Vec<f32>,
    has: Vec<bool>,
}

impl WordStates {
    /// Maps `st` onto `toks` (sorted by offset). `None` when the states are malformed.
    pub fn build(toks: &[Tok], st: &EncoderStates) -> Option<Self> {
        let h = st.hidden;
        if h == 0 || st.states.len() != st.offsets.len() * h {
            return None;
        }
        let mut data = vec![0f32; toks.len() * h];
        let mut has = vec![false; toks.len()];
        for (i, t) in toks.iter().enumerate() {
            let first = st.offsets.partition_point(|o| o.1 <= t.start);
            let mut n = 0usize;
            let row = &mut data[i * h..(i + 1) * h];
            for (k, &(a, b)) in st.offsets.iter().enumerate().skip(first) {
                if a >= t.end {
                    break;
                }
                if b <= t.start || a >= b {
                    continue;
                }
                for (x, y) in row.iter_mut().zip(&st.states[k * h..(k + 1) * h]) {
                    *x += y;
                }
                n += 1;
            }
            if n > 0 {
                let inv = 1.0 / n as f32;
                row.iter_mut().for_each(|x| *x *= inv);
                has[i] = true;
            }
        }
        Some(Self {
            hidden: h,
            data,
            has,
        })
    }

    /// The state of token `i`, if some piece covers it.
    pub fn get(&self, i: usize) -> Option<&[f32]> {
        (*self.has.get(i)?).then(|| &self.data[i * self.hidden..(i + 1) * self.hidden])
    }

    /// Mean state of the tokens `a..b` that have one.
    pub fn mean(&self, a: usize, b: usize) -> Option<Vec<f32>> {
        let mut out = vec![0f32; self.hidden];
        let mut n = 0usize;
        for i in a..b {
            if let Some(r) = self.get(i) {
                for (x, y) in out.iter_mut().zip(r) {
                    *x += y;
                }
                n += 1;
            }
        }
        (n > 0).then(|| {
            let inv = 1.0 / n as f32;
            out.iter_mut().for_each(|x| *x *= inv);
            out
        })
    }

    /// The cue model's dense vector of token `i` in sentence tokens `sent` (see the layouts).
    pub fn cue_vector(&self, layout: &str, sent: (usize, usize), i: usize) -> Option<Vec<f32>> {
        let own = self.get(i)?;
        match layout {
            CUE_LAYOUT => Some(own.to_vec()),
            CUE_LAYOUT_CTX => {
                let mut v = own.to_vec();
                let prev = (i > sent.0).then(|| self.get(i - 1)).flatten();
                let next = (i + 1 < sent.1).then(|| self.get(i + 1)).flatten();
                match (prev, next) {
                    (Some(p), Some(n)) => v.extend(p.iter().zip(n).map(|(a, b)| 0.5 * (a + b))),
                    (Some(x), None) | (None, Some(x)) => v.extend_from_slice(x),
                    (None, None) => v.extend_from_slice(own),
                }
                Some(v)
            }
            _ => None,
        }
    }

    /// The filter's dense vector of a candidate with content tokens `content` and cue `cue`.
    pub fn filter_vector(
        &self,
        layout: &str,
        content: (usize, usize),
        cue: (usize, usize),
    ) -> Option<Vec<f32>> {
        match layout {
            FILTER_LAYOUT => {
                let mut v = self.mean(content.0, content.1)?;
                v.extend(self.mean(cue.0, cue.1)?);
                Some(v)
            }
            _ => None,
        }
    }
}

/// The dense part of a [`crate::CueModel`]: weights over a dense vector, applied to its
/// difference from the training mean (standardisation folded into the weights).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DenseWeights {
    /// SHA-256 of the encoder weights the states came from when training.
    pub encoder_sha256: String,
    /// How the vector is made ([`CUE_LAYOUT`], [`CUE_LAYOUT_CTX`], [`FILTER_LAYOUT`]).
    pub layout: String,
    pub mean: Vec<f32>,
    pub weight: Vec<f32>,
}

impl DenseWeights {
    /// The logit contribution of `x` (0 when its length does not fit).
    pub fn logit(&self, x: &[f32]) -> f32 {
        if x.len() != self.weight.len() || x.len() != self.mean.len() {
            return 0.0;
        }
        x.iter()
            .zip(&self.mean)
            .zip(&self.weight)
            .map(|((x, m), w)| (x - m) * w)
            .sum()
    }
}

/// One article's piece states as stored in a [`StatesCache`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticleStates {
    pub id: String,
    /// SHA-256 of the article text the states were computed on (hex).
    pub text_sha256: String,
    pub hidden: usize,
    pub offsets: Vec<(usize, usize)>,
    pub states: Vec<f32>,
}

impl ArticleStates {
    /// The states as the analyzer takes them.
    pub fn view<'a>(&'a self, encoder_sha256: &'a str) -> EncoderStates<'a> {
        EncoderStates {
            encoder_sha256,
            hidden: self.hidden,
            offsets: &self.offsets,
            states: &self.states,
        }
    }
}

/// Encoder states of a set of articles, keyed by id, with the SHA-256 of the encoder weights.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatesCache {
    pub encoder_sha256: String,
    pub articles: Vec<ArticleStates>,
}

const CACHE_MAGIC: &[u8; 8] = b"RQSTATE1";

fn bf16(x: f32) -> u16 {
    let b = x.to_bits();
    if x.is_nan() {
        return 0x7fc0;
    }
    // Round to nearest even.
    let r = b.wrapping_add(0x7fff + ((b >> 16) & 1));
    (r >> 16) as u16
}

fn from_bf16(h: u16) -> f32 {
    f32::from_bits((h as u32) << 16)
}

impl StatesCache {
    /// The states of article `id`, if its text still has `text_sha256`.
    pub fn get(&self, id: &str, text_sha256: &str) -> Option<&ArticleStates> {
        self.articles
            .iter()
            .find(|a| a.id == id && a.text_sha256 == text_sha256)
    }

    /// Writes the cache (states as bf16).
    pub fn write(&self, path: &Path) -> Result<(), QuoteError> {
        let io = |source| QuoteError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut out = Vec::new();
        out.extend_from_slice(CACHE_MAGIC);
        let put_str = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        put_str(&mut out, &self.encoder_sha256);
        out.extend_from_slice(&(self.articles.len() as u32).to_le_bytes());
        for a in &self.articles {
            put_str(&mut out, &a.id);
            put_str(&mut out, &a.text_sha256);
            out.extend_from_slice(&(a.hidden as u32).to_le_bytes());
            out.extend_from_slice(&(a.offsets.len() as u32).to_le_bytes());
            for &(s, e) in &a.offsets {
                out.extend_from_slice(&(s as u32).to_le_bytes());
                out.extend_from_slice(&(e as u32).to_le_bytes());
            }
            for &x in &a.states {
                out.extend_from_slice(&bf16(x).to_le_bytes());
            }
        }
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&out).map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Reads a cache written by [`StatesCache::write`].
    pub fn read(path: &Path) -> Result<Self, QuoteError> {
        let bytes = std::fs::read(path).map_err(|source| QuoteError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut c = Cursor {
            bytes: &bytes,
            pos: 0,
            path,
        };
        if c.take(8)? != CACHE_MAGIC {
            return Err(c.bad());
        }
        let encoder_sha256 = c.string()?;
        let n = c.u32()?;
        let mut articles = Vec::with_capacity(n.min(1 << 16));
        for _ in 0..n {
            let id = c.string()?;
            let text_sha256 = c.string()?;
            let hidden = c.u32()?;
            let pieces = c.u32()?;
            let raw = c.take(pieces.checked_mul(8).ok_or_else(|| c.bad())?)?;
            let offsets = raw
                .chunks_exact(8)
                .map(|b| (u32_of(&b[..4]), u32_of(&b[4..])))
                .collect();
            let len = pieces.checked_mul(hidden).ok_or_else(|| c.bad())?;
            let raw = c.take(len.checked_mul(2).ok_or_else(|| c.bad())?)?;
            let states = raw
                .chunks_exact(2)
                .map(|b| from_bf16(u16::from_le_bytes([b[0], b[1]])))
                .collect();
            articles.push(ArticleStates {
                id,
                text_sha256,
                hidden,
                offsets,
                states,
            });
        }
        Ok(Self {
            encoder_sha256,
            articles,
        })
    }
}

fn u32_of(b: &[u8]) -> usize {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    path: &'a Path,
}

impl<'a> Cursor<'a> {
    fn bad(&self) -> QuoteError {
        QuoteError::Model(format!("{}: not a states cache", self.path.display()))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], QuoteError> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.bad())?;
        let s = self.bytes.get(self.pos..end).ok_or_else(|| self.bad())?;
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<usize, QuoteError> {
        self.take(4).map(u32_of)
    }

    fn string(&mut self) -> Result<String, QuoteError> {
        let n = self.u32()?;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| self.bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::tokenize;

    #[test]
    fn pieces_average_onto_words_and_cache_round_trips() {
        let text = "He said yes.";
        let chars: Vec<char> = text.chars().collect();
        let toks = tokenize(&chars, 0, chars.len());
        // Pieces: "he", "sa", "##id", "yes", "." (hidden 2).
        let offsets = vec![(0, 2), (3, 5), (5, 7), (8, 11), (11, 12)];
        let states = vec![1.0, 0.0, 2.0, 2.0, 4.0, 0.0, 0.0, 1.0, 5.0, 5.0];
        let st = EncoderStates {
            encoder_sha256: "x",
            hidden: 2,
            offsets: &offsets,
            states: &states,
        };
        let ws = WordStates::build(&toks, &st).unwrap();
        assert_eq!(ws.get(1), Some(&[3.0, 1.0][..]));
        assert_eq!(ws.mean(0, 2), Some(vec![2.0, 0.5]));
        assert_eq!(
            ws.filter_vector(FILTER_LAYOUT, (2, 4), (1, 2)).unwrap(),
            vec![2.5, 3.0, 3.0, 1.0]
        );
        assert_eq!(ws.cue_vector(CUE_LAYOUT_CTX, (0, 4), 1).unwrap().len(), 4);
        let bad = EncoderStates {
            states: &states[..3],
            ..st
        };
        assert!(WordStates::build(&toks, &bad).is_none());

        let cache = StatesCache {
            encoder_sha256: "abc".into(),
            articles: vec![ArticleStates {
                id: "a1".into(),
                text_sha256: "t".into(),
                hidden: 2,
                offsets: offsets.clone(),
                states: states.clone(),
            }],
        };
        let dir = std::env::temp_dir().join(format!("rq-states-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("c.bin");
        cache.write(&p).unwrap();
        let back = StatesCache::read(&p).unwrap();
        assert_eq!(back, cache); // small integers are exact in bf16
        std::fs::write(&p, b"RQSTATE1\x05").unwrap();
        assert!(StatesCache::read(&p).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
