//! A scratch copy of the crate under `target/`, built from a document of
//! its own: how regen proves the crate builds from what it would write, and
//! how `cargo xtask test` proves it builds from Authing's 2023-11 document.
//! Checked by cargo with the workspace's target folder, so only the crate
//! itself is rebuilt.

use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result, bail};

use crate::regen::SPEC_PATH;

/// The crate's files that a build needs, relative to the workspace root.
const CRATE_FILES: &[&str] = &["Cargo.lock", "build.rs", "src"];

/// How many lines of cargo's errors a refusal quotes.
const QUOTED_LINES: usize = 40;

/// Checks that the crate at `root` builds with `spec_text` as its document,
/// in `target/<name>`; a failure quotes cargo's first errors.
pub async fn check_builds(root: &Path, name: &str, spec_text: &str) -> Result<()> {
    let scratch = root.join("target").join(name);
    if scratch.exists() {
        fs::remove_dir_all(&scratch).with_context(|| format!("cannot clear {}", scratch.display()))?;
    }
    for file in CRATE_FILES {
        copy(&root.join(file), &scratch.join(file))?;
    }
    fs::create_dir_all(scratch.join(SPEC_PATH).parent().context("the document is in a folder")?)?;
    fs::write(scratch.join(SPEC_PATH), spec_text)?;
    // The copy is a workspace of its own, under another name: cargo tells
    // workspace members apart by their path inside the workspace, so a copy
    // named `authing` would overwrite the crate's own generated code.
    let manifest = fs::read_to_string(root.join("Cargo.toml"))?;
    let codegen = root.join("codegen");
    let edits = [
        ("name = \"authing\"", format!("name = \"authing-{name}\"")),
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
    fs::write(scratch.join("Cargo.toml"), without_targets(&scratch_manifest))?;

    let output = crate::cargo(root)
        // With the mock, whose generated code is written only when it is on.
        .args(["check", "--lib", "--features", "mock", "--message-format", "short", "--manifest-path"])
        .arg(scratch.join("Cargo.toml"))
        // The build folder the workspace uses, so that only the crate is built again.
        .env("CARGO_TARGET_DIR", std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| root.join("target").into()))
        .output()
        .await?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        let errors: Vec<&str> = said.lines().filter(|line| line.contains("error")).take(QUOTED_LINES).collect();
        bail!(
            "the crate does not build from it: `cargo check` of the scratch copy {} exited with {}; its errors:\n{}",
            scratch.display(),
            output.status,
            errors.join("\n")
        );
    }
    Ok(())
}

/// `manifest` without its `[[test]]` and `[[example]]` tables: the copy has
/// the library only, and cargo refuses a target whose file is missing.
fn without_targets(manifest: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            skipping = line == "[[test]]" || line == "[[example]]";
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::regen;

    /// A small document with each of codegen's rewrites: an answer enum
    /// opened (with a value named as the fallback), a request enum kept
    /// closed, list and map fields that read `null` as empty, a paged list.
    fn every_rewrite() -> serde_json::Value {
        let envelope = |data: &str| {
            json!({"type": "object", "required": ["statusCode", "message"], "properties": {
                "statusCode": {"type": "integer"}, "message": {"type": "string"},
                "data": {"$ref": format!("#/components/schemas/{data}")}}})
        };
        let answer = |schema: &str| {
            json!({"200": {"description": "", "content": {"application/json": {"schema": {
                "$ref": format!("#/components/schemas/{schema}")}}}}})
        };
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/api/v3/get-thing": {"post": {"operationId": "getThing",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Query"}}}},
                    "responses": answer("ThingRespDto")}},
                "/api/v3/list-things": {"get": {"operationId": "listThings",
                    "parameters": [
                        {"name": "page", "in": "query", "schema": {"type": "integer"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                    "responses": answer("ThingPaginatedRespDto")}}},
            "components": {"schemas": {
                "ThingRespDto": envelope("Thing"),
                "ThingPaginatedRespDto": envelope("ThingPage"),
                "ThingPage": {"type": "object", "required": ["list", "totalCount"], "properties": {
                    "list": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                    "totalCount": {"type": "integer"}}},
                "Thing": {"type": "object", "required": ["status"], "properties": {
                    "status": {"type": "string", "enum": ["active", "unknown"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "extra": {"type": "object", "additionalProperties": {"type": "string"}}}},
                "Query": {"type": "object", "properties": {"order": {"type": "string", "enum": ["asc", "desc"]}}}}}})
    }

    #[tokio::test]
    async fn a_small_document_with_every_rewrite_of_the_generated_code_builds() {
        let text = serde_json::to_vec(&every_rewrite()).unwrap();
        let imported = regen::import(&text, "every rewrite", None, &[]).unwrap();
        let surface = imported.surface.to_string();
        // What the rewrites made of it, as users' code meets it.
        for fact in [
            "enum ThingStatus = open",
            "enum ThingStatus ::UnknownValue = \"unknown\"",
            "enum QueryOrder = closed",
            "fn list_things .items() = Thing, by Number",
        ] {
            assert!(surface.contains(fact), "{fact}:\n{surface}");
        }

        super::check_builds(&crate::workspace_root(), "every-rewrite", &imported.spec_text().unwrap()).await.unwrap();
    }
}
