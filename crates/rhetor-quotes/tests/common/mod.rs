//! Code shared by the integration tests and examples.

pub mod hand;
