//! `cargo xtask test`: everything CI checks, in order: formatting, lints,
//! documentation, every test (unit, integration, doc, the fault suite with
//! its tally), that `openapi/` is
//! what regen makes of the current document, that the crate builds from
//! Authing's own 2023-11 document, then the contract suite against the local mock.

use std::path::Path;

use anyhow::{Result, bail};

use crate::regen::{self, RegenArgs};
use crate::{prism, upstream_build};

/// The current document, as the SDK imports it: `openapi/` must be what regen makes of it.
const CURRENT_DOCUMENT: &str = "xtask/fixtures/authing-management-v3.json";

pub async fn run(root: &Path) -> Result<()> {
    step(root, "formatting", &["fmt", "--all", "--", "--check"], &[]).await?;
    step(root, "lints", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[]).await?;
    step(root, "documentation", &["doc", "--no-deps", "--workspace"], &[("RUSTDOCFLAGS", "-D warnings")]).await?;
    // The fault suite runs on its own, so that its tally is shown.
    step(root, "tests", &["test", "--workspace", "--", "--skip", "every_fault_is_held"], &[]).await?;
    step(root, "faults", &["test", "--workspace", "--test", "faults", "--", "--show-output"], &[]).await?;
    println!("xtask: regen check: openapi/ is what regen makes of {CURRENT_DOCUMENT}");
    let check = RegenArgs { from: root.join(CURRENT_DOCUMENT).display().to_string(), dry_run: false, check: true };
    regen::run(root, check).await?;
    println!("xtask: upstream: the crate builds from Authing's own 2023-11 document");
    upstream_build::run(root).await?;
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
