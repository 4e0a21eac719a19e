//! The local mock of the Authing API: Stoplight Prism serving the committed
//! document on 127.0.0.1, installed from the pinned `tools/prism` lockfile.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::process::{Child, Command};

use crate::regen::SPEC_PATH;

const TOOLS: &str = "tools/prism";
/// Prism starts in about 2 s; this leaves room for a loaded machine.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// A running Prism; stopped when dropped, whatever happened meanwhile.
pub struct Mock {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    log: PathBuf,
}

/// Installs Prism with `npm ci` unless the pinned version is already there.
pub async fn install(root: &Path) -> Result<PathBuf> {
    let dir = root.join(TOOLS);
    let bin = dir.join("node_modules/.bin/prism");
    let installed_lock = dir.join("node_modules/.package-lock.json");
    let fresh = std::fs::metadata(&installed_lock)
        .and_then(|m| m.modified())
        .ok()
        .zip(std::fs::metadata(dir.join("package-lock.json")).and_then(|m| m.modified()).ok())
        .is_some_and(|(installed, wanted)| installed >= wanted);
    if bin.exists() && fresh {
        return Ok(bin);
    }
    println!("xtask: installing the mock server (npm ci in {TOOLS})");
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .status()
        .await
        .context("cannot run npm: Node.js and npm are needed for the mock server")?;
    if !status.success() {
        bail!("npm ci in {TOOLS} failed ({status})");
    }
    Ok(bin)
}

/// Starts Prism on a free port and waits until it answers.
pub async fn start(root: &Path) -> Result<Mock> {
    let bin = install(root).await?;
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let log = root.join("target/prism.log");
    std::fs::create_dir_all(root.join("target"))?;
    let log_file = std::fs::File::create(&log)?;
    let child = Command::new(&bin)
        .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(root.join(SPEC_PATH))
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let mut mock = Mock { child, url: format!("http://127.0.0.1:{port}"), log };
    mock.wait_until_ready().await?;
    println!("xtask: mock server listening on {}", mock.url);
    Ok(mock)
}

impl Mock {
    async fn wait_until_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        let client = reqwest::Client::new();
        // Any HTTP answer means it is up; the token operation needs no credentials.
        let probe = format!("{}/api/v3/get-management-token", self.url);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the mock server exited ({status}) before answering:\n{}", self.log_tail());
            }
            if client.post(&probe).json(&serde_json::json!({})).send().await.is_ok() {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                bail!("the mock server did not answer within {START_TIMEOUT:?}:\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Stops the server and waits for it to exit.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
