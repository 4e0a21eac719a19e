//! `cargo xtask test`'s proof that a refresh from Authing's own document
//! gives a crate that builds: Authing's November 2023 document
//! (`xtask/fixtures/management-openapi-2023-11.json`) is imported as regen
//! imports it, and a scratch copy of the crate is built from the result
//! (`scratch.rs`, as regen's own check before it writes).

use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result};

use crate::{regen, scratch};

/// Authing's document as published in November 2023.
pub const FIXTURE: &str = "xtask/fixtures/management-openapi-2023-11.json";

pub async fn run(root: &Path) -> Result<()> {
    let corrections = regen::load_corrections(root)?;
    let previous = regen::committed(root)?;
    let raw = fs::read(root.join(FIXTURE)).with_context(|| format!("cannot read {FIXTURE}"))?;
    let imported = regen::import(&raw, FIXTURE, previous.as_ref(), &corrections)?;
    println!("upstream: {FIXTURE}: {}; checking that the crate builds from it", imported.summary);
    scratch::check_builds(root, "upstream-2023-11", &imported.spec_text()?).await.context(FIXTURE)?;
    println!("upstream: the crate builds from {FIXTURE}");
    Ok(())
}
