//! Encoder benchmark (placeholder until the encoder lands).
pub fn run_encoder_bench(_threads: &[usize], _python: bool) -> anyhow::Result<()> {
    anyhow::bail!("the encoder benchmark is not built yet")
}
