//! `cargo xtask demo`: the quick-start example against the local mock, with no
//! credentials needed.

use std::path::Path;

use anyhow::{Result, bail};

use crate::prism;

pub async fn run(root: &Path) -> Result<()> {
    let mock = prism::start(root).await?;
    let status = crate::cargo(root)
        .args(["run", "--quiet", "--example", "quickstart"])
        .env("AUTHING_HOST", &mock.url)
        .env("AUTHING_ACCESS_KEY_ID", "demo-access-key-id")
        .env("AUTHING_ACCESS_KEY_SECRET", "demo-access-key-secret")
        .status()
        .await;
    mock.stop().await;
    if !status?.success() {
        bail!("the quick-start example failed");
    }
    Ok(())
}
