//! `cargo xtask test`'s proof that a refresh from Authing's own document
//! gives a crate that builds: Authing's November 2023 document
//! (`xtask/fixtures/management-openapi-2023-11.json`) is imported by regen
//! into a scratch copy of the crate under `target/`, which is then checked by
//! cargo with the workspace's target folder, so only the crate is rebuilt.

use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result, bail};

use crate::regen::{self, SPEC_PATH};

/// Authing's document as published in November 2023.
pub const FIXTURE: &str = "xtask/fixtures/management-openapi-2023-11.json";
/// The crate's files that a build needs, relative to the workspace root.
const CRATE_FILES: &[&str] = &["Cargo.lock", "build.rs", "src", "openapi"];

pub async fn run(root: &Path) -> Result<()> {
    let scratch = root.join("target/upstream-2023-11");
    if scratch.exists() {
        fs::remove_dir_all(&scratch).with_context(|| format!("cannot clear {}", scratch.display()))?;
    }
    for file in CRATE_FILES {
        copy(&root.join(file), &scratch.join(file))?;
    }
    // The copy is a workspace of its own, under another name: cargo tells
    // workspace members apart by their path inside the workspace, so a copy
    // named `authing` would overwrite the crate's own generated code.
    let manifest = fs::read_to_string(root.join("Cargo.toml"))?;
    let codegen = root.join("codegen");
    let edits = [
        ("name = \"authing\"", "name = \"authing-upstream-2023-11\"".to_string()),
        ("members = [\"bench\", \"codegen\", \"xtask\"]", "members = []".to_string()),
        ("path = \"codegen\"", format!("path = {:?}", codegen.display().to_string())),
    ];
    let mut scratch_manifest = manifest.clone();
    for (from, to) in &edits {
        if !manifest.contains(from) {
            bail!("Cargo.toml has no `{from}` to change in the scratch copy");
        }
        scratch_manifest = scratch_manifest.replacen(from, to, 1);
    }
    fs::write(scratch.join("Cargo.toml"), scratch_manifest)?;

    let corrections = regen::load_corrections(root)?;
    let previous = regen::committed(root)?;
    let raw = fs::read(root.join(FIXTURE)).with_context(|| format!("cannot read {FIXTURE}"))?;
    let imported = regen::import(&raw, FIXTURE, previous.as_ref(), &corrections)?;
    fs::write(scratch.join(SPEC_PATH), imported.spec_text()?)?;
    println!("upstream: {FIXTURE}: {}; checking that the crate builds from it", imported.summary);

    let status = crate::cargo(root)
        .args(["check", "--lib", "--manifest-path"])
        .arg(scratch.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root.join("target"))
        .status()
        .await?;
    if !status.success() {
        bail!("the crate does not build from {FIXTURE}: `cargo check` exited with {status}");
    }
    println!("upstream: the crate builds from {FIXTURE}");
    Ok(())
}

/// Copies a file or a folder, with everything in it.
fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to.parent().context("a path inside the scratch copy")?)?;
    if from.is_dir() {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            copy(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else {
        fs::copy(from, to).with_context(|| format!("cannot copy {}", from.display()))?;
    }
    Ok(())
}
