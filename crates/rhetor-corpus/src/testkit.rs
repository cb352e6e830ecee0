//! Test helpers other crates share: [`Bag`], a deterministic embedder that needs no model
//! (the server's tests, the load example and the queue's tests store articles with it).

use crate::corpus::Embed;

/// Hashes lower-cased words into the store's dimensions: articles sharing words are near.
pub struct Bag;

impl Embed for Bag {
    fn embed(&self, title: &str, text: &str) -> crate::Result<Vec<f32>> {
        let mut v = vec![0f32; crate::sqlite::DIM];
        for w in format!("{title} {title} {text}")
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() > 3)
        {
            let h = w
                .to_lowercase()
                .bytes()
                .fold(1469598103934665603u64, |h, b| {
                    (h ^ b as u64).wrapping_mul(1099511628211)
                });
            let n = v.len() as u64;
            v[(h % n) as usize] += 1.0;
        }
        v[0] += 0.01;
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
        Ok(v.into_iter().map(|x| x / norm).collect())
    }
}
