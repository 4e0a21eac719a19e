//! `cargo xtask test`: everything CI checks, in order: formatting, lints,
//! documentation, and every test (unit, integration, doc, and the contract
//! suite against the local mock).

use std::path::Path;

use anyhow::{Result, bail};

use crate::prism;

pub async fn run(root: &Path) -> Result<()> {
    step(root, "formatting", &["fmt", "--all", "--", "--check"], &[]).await?;
    step(root, "lints", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[]).await?;
    step(root, "documentation", &["doc", "--no-deps", "--workspace"], &[("RUSTDOCFLAGS", "-D warnings")]).await?;
    let mock = prism::start(root).await?;
    let tests = step(
        root,
        "tests",
        &["test", "--workspace", "--", "--include-ignored", "--show-output"],
        &[("AUTHING_MOCK_URL", mock.url.as_str())],
    )
    .await;
    mock.stop().await;
    tests?;
    println!("xtask: all checks passed");
    Ok(())
}

async fn step(root: &Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    println!("xtask: {name}: cargo {}", args.join(" "));
    let status = crate::cargo(root).args(args).envs(env.iter().copied()).status().await?;
    if !status.success() {
        bail!("{name} failed: `cargo {}` exited with {status}", args.join(" "));
    }
    Ok(())
}
