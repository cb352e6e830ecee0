#[derive(clap::Args)]
pub struct AnalyzeArgs {}

pub fn run(_args: AnalyzeArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not implemented yet")
}
