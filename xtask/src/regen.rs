//! `cargo xtask regen`: refreshes `openapi/` from a new version of the document.
//!
//! Reads the document, checks it is OpenAPI 3.0 that the generator can take,
//! applies the named normalizations, reports what changed against the
//! committed copy and only then replaces the committed files, each through a
//! temporary file and a rename, so a failure at any step leaves them as they were.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::normalize::{self, Applied};
use crate::spec_diff::SpecDiff;

/// Where Authing serves the live document.
pub const DEFAULT_SOURCE: &str = "https://api.authing.cn/openapi-json";
/// The committed document, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/authing-management-v3.json";
/// The committed record of what the normalizations changed.
pub const RECORD_PATH: &str = "openapi/NORMALIZATIONS.md";

/// Options of `cargo xtask regen`.
#[derive(clap::Args)]
pub struct RegenArgs {
    /// URL or file of the OpenAPI document to import.
    #[arg(long, default_value = DEFAULT_SOURCE)]
    from: String,
    /// Report what would change without writing anything.
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(root: &Path, args: RegenArgs) -> Result<()> {
    let raw = read_source(&args.from).await?;
    let mut doc: Value = serde_json::from_slice(&raw).with_context(|| format!("{} is not JSON", args.from))?;
    check_version(&doc).with_context(|| format!("{} is not an OpenAPI 3.0 document", args.from))?;
    let applied = normalize::apply_all(&mut doc)?;
    let summary = check_generator_can_take(&doc)
        .with_context(|| format!("{} cannot be used to generate the client", args.from))?;
    println!("read {}: {summary}", args.from);
    for n in &applied {
        println!("normalization {}: {} place(s)", n.name, n.places.len());
        for place in &n.places {
            println!("  {place}");
        }
    }

    let spec_path = root.join(SPEC_PATH);
    let previous = match fs::read(&spec_path) {
        Ok(bytes) => Some(
            serde_json::from_slice::<Value>(&bytes)
                .with_context(|| format!("the committed {SPEC_PATH} is not JSON"))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).context(format!("cannot read {SPEC_PATH}")),
    };
    match &previous {
        Some(previous) => match SpecDiff::between(previous, &doc) {
            diff if diff.is_empty() => println!("no changes against the committed spec"),
            diff => println!("changes against the committed spec:\n{diff}"),
        },
        None => println!("no committed spec yet: everything is new"),
    }

    if args.dry_run {
        println!("dry run: nothing written");
        return Ok(());
    }
    let mut spec_text = serde_json::to_string_pretty(&doc)?;
    spec_text.push('\n');
    // Both files are prepared before either is replaced.
    let spec_file = stage(&spec_path, spec_text.as_bytes())?;
    let record_path = root.join(RECORD_PATH);
    let record_file = stage(&record_path, record(&applied).as_bytes())?;
    spec_file.persist(&spec_path).with_context(|| format!("cannot replace {SPEC_PATH}"))?;
    record_file.persist(&record_path).with_context(|| format!("cannot replace {RECORD_PATH}"))?;
    println!("wrote {SPEC_PATH} and {RECORD_PATH}");
    Ok(())
}

async fn read_source(source: &str) -> Result<Vec<u8>> {
    if !(source.starts_with("http://") || source.starts_with("https://")) {
        return fs::read(source).with_context(|| format!("cannot read {source}"));
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let response = client.get(source).send().await.with_context(|| format!("cannot fetch {source}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!("cannot fetch {source}: HTTP {status}");
    }
    let body = response.bytes().await.with_context(|| format!("cannot read the body of {source}"))?;
    Ok(body.to_vec())
}

fn check_version(doc: &Value) -> Result<()> {
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => Ok(()),
        Some(v) => bail!("its `openapi` field is {v:?}; the generator takes 3.0.x only"),
        None if doc.get("swagger").is_some() => bail!("it is Swagger 2.0"),
        None => bail!("it has no `openapi` field"),
    }
}

/// Checks what the generator requires beyond the document being valid OpenAPI 3.0.
fn check_generator_can_take(doc: &Value) -> Result<String> {
    let mut track = serde_path_to_error::Track::new();
    let parsed: openapiv3::OpenAPI =
        serde::Deserialize::deserialize(serde_path_to_error::Deserializer::new(doc, &mut track))
            .map_err(|e| anyhow::anyhow!("at {}: {e}", track.path()))?;
    let mut ids = std::collections::BTreeSet::new();
    let mut count = 0;
    for (path, method, op) in parsed.operations() {
        count += 1;
        let Some(id) = &op.operation_id else {
            bail!("{} {path} has no operationId", method.to_uppercase());
        };
        if !ids.insert(id.as_str()) {
            bail!("operationId {id} is used twice");
        }
    }
    let schemas = parsed.components.as_ref().map_or(0, |c| c.schemas.len());
    Ok(format!("OpenAPI {}, {count} operations, {schemas} schemas", parsed.openapi))
}

fn stage(target: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let dir: PathBuf = target.parent().context("target has no folder")?.to_path_buf();
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(&dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    Ok(file)
}

fn record(applied: &[Applied]) -> String {
    let mut out = String::from(
        "# Normalizations\n\n\
         Written by `cargo xtask regen`; do not edit. These are the only differences between\n\
         `authing-management-v3.json` and the upstream document it was imported from.\n",
    );
    for n in applied {
        out.push_str(&format!("\n## {}\n\n{}\n\n", n.name, n.why));
        if n.places.is_empty() {
            out.push_str("Nothing to change in this version of the document.\n");
        }
        for place in &n.places {
            out.push_str(&format!("- `{place}`\n"));
        }
    }
    out
}
