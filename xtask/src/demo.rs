//! `cargo xtask demo`: the quick-start example against the crate's own mock,
//! seeded with a small user pool (`examples/demo.rs`): no credentials, and
//! nothing to install but Rust.

use std::path::Path;

use anyhow::{Result, bail};

pub async fn run(root: &Path) -> Result<()> {
    let status = crate::cargo(root).args(["run", "--quiet", "--features=mock", "--example", "demo"]).status().await?;
    if !status.success() {
        bail!("the quick-start example failed against the mock");
    }
    Ok(())
}
