//! `cargo xtask test`: everything CI checks, in order: formatting, lints,
//! documentation, every test (unit, integration, doc), then the contract
//! suite against the local mock.

use std::path::Path;

use anyhow::{Result, bail};

use crate::prism;

pub async fn run(root: &Path) -> Result<()> {
    step(root, "formatting", &["fmt", "--all", "--", "--check"], &[]).await?;
    step(root, "lints", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[]).await?;
    step(root, "documentation", &["doc", "--no-deps", "--workspace"], &[("RUSTDOCFLAGS", "-D warnings")]).await?;
    step(root, "tests", &["test", "--workspace"], &[]).await?;
    // The contract tests are the ignored ones: they need the mock, started only
    // for them. `--workspace` keeps the features of the step above, so nothing is rebuilt.
    let mock = prism::start(root).await?;
    let contract = step(
        root,
        "contract",
        &["test", "--workspace", "--test", "contract", "--", "--ignored", "--show-output"],
        &[("AUTHING_MOCK_URL", mock.url.as_str())],
    )
    .await;
    mock.stop().await;
    contract?;
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
