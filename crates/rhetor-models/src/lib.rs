//! Encoder, tokenization, weights, heads and training.
