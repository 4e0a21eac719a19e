//! `cargo xtask test`: everything CI checks, in order: formatting, lints,
//! documentation, every test (unit, integration, doc, the fault suite with
//! its tally), that `openapi/` is
//! what regen makes of the current document, that the crate builds from
//! Authing's own 2023-11 document, the contract suite against the local mock,
//! then the packaging of both crates.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::regen::{self, RegenArgs, SOURCE_COPY_PATH};
use crate::{prism, upstream_build};

/// Every step but the areas' builds the crate with its mock (whose tests need
/// it) and the default features, so that it is compiled once for all of them.
const FEATURES: &str = "--features=authing/mock";

/// The test that counts and prints the paginated operations.
const PAGING_COUNT: &str = "every_operation_that_takes_paging_input_is_accounted_for";

pub async fn run(root: &Path) -> Result<()> {
    let mut clock = Clock::default();
    clock.time("formatting", step(root, "formatting", &["fmt", "--all", "--", "--check"], &[])).await?;
    let lints = ["clippy", "--workspace", FEATURES, "--all-targets", "--", "-D", "warnings"];
    clock.time("lints", step(root, "lints", &lints, &[])).await?;
    // Only some areas: codegen's tests generate each alone; two sets are compiled, one with
    // the mock and aws-lc-rs, one with ring, whose TLS tests run (the other tests need every area).
    let areas =
        ["check", "-p", "authing", "--lib", "--no-default-features", "--features", "users,roles,mock,aws-lc-rs"];
    clock.time("areas", step(root, "areas", &areas, &[])).await?;
    let ring = ["test", "-p", "authing", "--no-default-features", "--features", "users,ring", "--test", "tls"];
    clock.time("areas", step(root, "areas", &ring, &[])).await?;
    // The published crates: xtask and bench are documented by their sources.
    let docs = ["doc", "--no-deps", "-p", "authing", "-p", "authing-codegen", FEATURES];
    clock.time("documentation", step(root, "documentation", &docs, &[("RUSTDOCFLAGS", "-D warnings")])).await?;
    // The fault suite and the paging count run on their own, so that their tallies are shown.
    // The examples are not linked again: the lints compiled them, and the demo runs one.
    let tests = [
        "test",
        "--workspace",
        FEATURES,
        "--lib",
        "--bins",
        "--tests",
        "--",
        "--skip",
        "every_fault_is_held",
        "--skip",
        PAGING_COUNT,
    ];
    clock.time("tests", step(root, "tests", &tests, &[])).await?;
    let doc_tests = ["test", "--workspace", FEATURES, "--doc"];
    clock.time("doc tests", step(root, "doc tests", &doc_tests, &[])).await?;
    let faults = ["test", "--workspace", FEATURES, "--test", "faults", "--", "--show-output"];
    clock.time("faults", step(root, "faults", &faults, &[])).await?;
    let paging = ["test", "--workspace", FEATURES, "--test", "paging", PAGING_COUNT, "--", "--exact", "--show-output"];
    clock.time("paging count", step(root, "paging count", &paging, &[])).await?;
    println!("xtask: regen check: openapi/ is what regen makes of {SOURCE_COPY_PATH}");
    let check = RegenArgs {
        from: root.join(SOURCE_COPY_PATH).display().to_string(),
        dry_run: false,
        check: true,
        build_check: false,
    };
    clock.time("regen check", regen::run(root, check)).await?;
    println!("xtask: upstream: the crate builds from Authing's own 2023-11 document");
    clock.time("upstream build", upstream_build::run(root)).await?;
    // The contract tests are the ignored ones: they need the mock, started only
    // for them. `--workspace` keeps the features of the step above, so nothing is rebuilt.
    let mock = clock.time("mock server", prism::start(root)).await?;
    let contract = ["test", "--workspace", FEATURES, "--test", "contract", "--", "--ignored", "--show-output"];
    let passed =
        clock.time("contract", step(root, "contract", &contract, &[("AUTHING_MOCK_URL", mock.url.as_str())])).await;
    mock.stop().await;
    passed?;
    println!("xtask: packaging: each crate builds from its packaged .crate, as the registry would");
    clock.time("packaging", packaging(root.to_path_buf())).await?;
    clock.report();
    println!("xtask: all checks passed");
    Ok(())
}

/// `cargo publish --dry-run --workspace`: both crates packaged, and each
/// built from its `.crate` (the other from a local overlay), with no warning
/// but the dry run's own.
async fn packaging(root: std::path::PathBuf) -> Result<()> {
    // The workspace's target folder: the dependencies the steps before built are built again
    // only where the packaged crate asks for other features.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), std::path::PathBuf::from);
    // Cargo takes a registry crate of the same version as unchanged: a copy of
    // authing-codegen 0.1.0 unpacked or built by an earlier run would stand in
    // for today's. The unpacked copies are under the local overlay's folders of
    // cargo's registry sources (not crates.io's); the built one is cleaned.
    forget_unpacked_codegen()?;
    let clean = crate::cargo(&root)
        .args(["clean", "--quiet", "-p", "authing-codegen"])
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .await?;
    if !clean.success() {
        bail!("packaging: `cargo clean -p authing-codegen` exited with {clean}");
    }
    let _ = std::fs::remove_dir_all(target.join("package"));
    let args = ["publish", "--dry-run", "--workspace", "--allow-dirty"];
    let output = crate::cargo(&root).args(args).env("CARGO_TARGET_DIR", &target).kill_on_drop(true).output().await?;
    let said = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("packaging failed: `cargo {}` exited with {}:\n{said}", args.join(" "), output.status);
    }
    let warnings: Vec<&str> = said
        .lines()
        .filter(|line| line.starts_with("warning") && !line.contains("aborting upload due to dry run"))
        .collect();
    if !warnings.is_empty() {
        bail!("packaging warned:\n{}", warnings.join("\n"));
    }
    for line in said.lines().filter(|line| line.trim_start().starts_with("Packaged")) {
        println!("  {}", line.trim());
    }
    Ok(())
}

/// Removes `authing-codegen-*` from the folders of cargo's registry sources
/// that are not crates.io's: what a dry run of the workspace unpacked.
fn forget_unpacked_codegen() -> Result<()> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let Ok(registries) = std::fs::read_dir(home.join("registry/src")) else { return Ok(()) };
    for registry in registries.flatten() {
        if registry.file_name().to_string_lossy().starts_with("index.crates.io-") {
            continue;
        }
        for unpacked in std::fs::read_dir(registry.path())?.flatten() {
            if unpacked.file_name().to_string_lossy().starts_with("authing-codegen-") {
                std::fs::remove_dir_all(unpacked.path())
                    .with_context(|| format!("cannot remove {}", unpacked.path().display()))?;
            }
        }
    }
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

/// How long each step took, printed as it ends and once more at the end,
/// so that a slow CI run says where its time went.
#[derive(Default)]
struct Clock {
    steps: Vec<(&'static str, Duration)>,
}

impl Clock {
    async fn time<T>(&mut self, name: &'static str, step: impl Future<Output = Result<T>>) -> Result<T> {
        let started = Instant::now();
        let result = step.await;
        let took = started.elapsed();
        println!("xtask: {name}: {}", minutes(took));
        self.steps.push((name, took));
        result
    }

    fn report(&self) {
        let total: Duration = self.steps.iter().map(|(_, took)| *took).sum();
        println!("xtask: time per step");
        for (name, took) in &self.steps {
            println!("  {name:<16} {:>8}", minutes(*took));
        }
        println!("  {:<16} {:>8}", "total", minutes(total));
    }
}

fn minutes(took: Duration) -> String {
    let seconds = took.as_secs();
    format!("{}m {:02}s", seconds / 60, seconds % 60)
}
