#[derive(clap::Args)]
pub struct EmbedArgs {}

pub fn run(_args: EmbedArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not implemented yet")
}
