#[derive(clap::Args)]
pub struct ModelsArgs {}

pub fn run(_args: ModelsArgs) -> anyhow::Result<i32> {
    anyhow::bail!("not implemented yet")
}
