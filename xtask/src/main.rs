//! Project tasks: `cargo xtask <command>`.

mod bench;
mod corrections;
mod demo;
mod normalize;
mod operation_names;
mod prism;
mod regen;
mod scratch;
mod spec_diff;
mod test;
mod upstream_build;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Tasks of the authing SDK")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Refresh openapi/ from a new version of the Management API document.
    Regen(regen::RegenArgs),
    /// Run the quick-start example against a local mock of the API.
    Demo,
    /// Run every check: formatting, lints, docs, and all tests with the contract suite.
    Test,
    /// Check that the crate builds from Authing's own 2023-11 document (a step of `test`).
    UpstreamBuild,
    /// Measure this SDK against raw reqwest, wrk and the official Python SDK (BENCHMARKS.md).
    Bench(bench::BenchArgs),
}

/// `cargo`, as the one running this task, in the workspace root.
fn cargo(root: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root).kill_on_drop(true);
    command
}

/// The workspace root, whatever the current directory.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives inside the workspace").to_path_buf()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let root = workspace_root();
    let result = match cli.command {
        Command::Regen(args) => regen::run(&root, args).await,
        Command::Demo => demo::run(&root).await,
        Command::Test => test::run(&root).await,
        Command::UpstreamBuild => upstream_build::run(&root).await,
        Command::Bench(args) => bench::run(&root, args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
