//! `cargo xtask bench`: the measurements of BENCHMARKS.md, in one command.
//!
//! Installs what it needs (nginx, wrk and valgrind from the distribution's
//! packages, the official Python SDK in a venv under `target/bench`), starts
//! nginx on 127.0.0.1 serving canned Authing answers (`bench/answers`), runs
//! `authing-bench` (release) for this SDK and for raw reqwest alternately,
//! and writes `target/bench/report.md`. Not part of `cargo xtask test`: its
//! figures are for people to read, not thresholds to assert.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use tokio::process::{Child, Command};

/// The official Python SDK release compared with, and what it needs to import.
const PYTHON_SDK: [&str; 2] = ["authing==5.1.0", "websockets"];

/// How much each measurement does; `--quick` makes a smoke run of the same steps.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Fewer calls and pairs: checks the command works, figures not for the report.
    #[arg(long)]
    quick: bool,
}

struct Sizes {
    /// Alternating SDK/raw pairs per comparison; the report shows medians.
    pairs: usize,
    sequential_calls: u64,
    concurrent_calls: u64,
    python_calls: u64,
    cold_calls: u64,
    memory_calls: u64,
    /// Sequential calls of the two callgrind runs: their difference is the marginal cost.
    callgrind_calls: [u64; 2],
    wrk_seconds: u32,
    /// Users in the list walked page by page, each page answered after 30 ms.
    walk_items: u64,
    /// Writes of the bulk job against a server admitting 200 a second.
    throttled_writes: u64,
}

impl Sizes {
    fn new(quick: bool) -> Self {
        if quick {
            Sizes {
                pairs: 2,
                sequential_calls: 300,
                concurrent_calls: 2_000,
                python_calls: 200,
                cold_calls: 1_000,
                memory_calls: 5_000,
                callgrind_calls: [100, 200],
                wrk_seconds: 1,
                walk_items: 1_000,
                throttled_writes: 1_000,
            }
        } else {
            Sizes {
                pairs: 10,
                sequential_calls: 3_000,
                concurrent_calls: 30_000,
                python_calls: 2_000,
                cold_calls: 10_000,
                memory_calls: 100_000,
                callgrind_calls: [2_000, 4_000],
                wrk_seconds: 5,
                walk_items: 10_000,
                throttled_writes: 10_000,
            }
        }
    }
}

pub async fn run(root: &Path, args: BenchArgs) -> Result<()> {
    let sizes = Sizes::new(args.quick);
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir)?;
    install_tools().await?;
    let python = python_sdk(&dir).await?;
    println!("bench: building authing-bench (release)");
    let status = crate::cargo(root).args(["build", "--release", "--quiet", "-p", "authing-bench"]).status().await?;
    if !status.success() {
        bail!("cannot build authing-bench ({status})");
    }
    let bench = Runner { bin: root.join("target/release/authing-bench") };
    let server = Nginx::start(root, &dir).await?;
    let url = server.url.clone();
    let mut report = Report::new(machine().await);

    println!("bench: sequential get_user, {} alternating pairs", sizes.pairs);
    let calls = sizes.sequential_calls.to_string();
    let sequential = bench.pairs(sizes.pairs, &["sequential", "--url", &url, "--calls", &calls]).await?;
    report.pairs("`get_user`, sequential", &sequential);

    let mut at_64 = None;
    for in_flight in [16, 64, 256] {
        println!("bench: {in_flight} in flight, {} alternating pairs", sizes.pairs);
        let (calls, in_flight_arg) = (sizes.concurrent_calls.to_string(), in_flight.to_string());
        let args = ["concurrent", "--url", &url, "--calls", &calls, "--in-flight", &in_flight_arg];
        let measured = bench.pairs(sizes.pairs, &args).await?;
        report.pairs(&format!("`get_user`, {in_flight} in flight"), &measured);
        if in_flight == 64 {
            at_64 = Some(measured);
        }
    }

    println!("bench: wrk");
    let at_64 = at_64.context("64 in flight was measured")?;
    for (connections, sdk) in [(1, &sequential), (64, &at_64)] {
        let per_second = wrk(&url, connections, sizes.wrk_seconds).await?;
        report.wrk(connections, per_second, sdk);
    }

    println!("bench: the official Python SDK, sequential");
    let python_per_second = python_sequential(&python, root, &url, sizes.python_calls).await?;
    report.python(python_per_second, &sequential);

    println!("bench: instructions per call (callgrind)");
    let [few, many] = sizes.callgrind_calls;
    let sdk = bench.instructions_per_call(&dir, "sdk", &url, few, many).await?;
    let raw = bench.instructions_per_call(&dir, "raw", &url, few, many).await?;
    report.instructions(sdk, raw, few, many);
    let traced = bench.instructions_per_call(&dir, "sdk-traced", &url, few, many).await?;
    report.traced(traced, sdk);

    println!("bench: cold start, {} concurrent first calls", sizes.cold_calls);
    let tokens_before = server.token_requests()?;
    let cold = bench.run(&["cold-start", "--url", &url, "--calls", &sizes.cold_calls.to_string()]).await?;
    let token_requests = server.token_requests()? - tokens_before;
    report.cold_start(sizes.cold_calls, &cold, token_requests);

    println!("bench: peak memory over {} calls", sizes.memory_calls);
    let calls = sizes.memory_calls.to_string();
    let memory = bench.run(&["concurrent", "sdk", "--url", &url, "--calls", &calls, "--in-flight", "64"]).await?;
    report.memory(sizes.memory_calls, &memory);

    println!("bench: decoding a 50-user list");
    let answer = root.join("bench/answers/list-users.json").display().to_string();
    let decode = bench.run(&["decode", "--answer", &answer, "--times", "2000"]).await?;
    report.decode(&decode);

    println!("bench: walking a list of {} users, pages answered after 30 ms", sizes.walk_items);
    let items = sizes.walk_items.to_string();
    let mut sequential_walk = None;
    // One page at a time first: the baseline of the others. No number is the SDK's default.
    for concurrency in [Some("1"), Some("4"), None, Some("16")] {
        let mut args = vec!["walk", "--items", &items, "--page-ms", "30"];
        args.extend(concurrency.iter().flat_map(|n| ["--concurrency", n]));
        let walk = bench.run(&args).await?;
        let seconds = walk["seconds"].as_f64().unwrap_or(f64::NAN);
        let baseline = *sequential_walk.get_or_insert(seconds);
        report.walk(&walk, baseline);
    }

    println!("bench: a bulk job of {} writes against a server admitting 200 a second", sizes.throttled_writes);
    let writes = sizes.throttled_writes.to_string();
    let throttled = bench.run(&["throttled", "--writes", &writes, "--rate", "200"]).await?;
    report.throttled(&throttled);

    server.stop().await;
    let text = report.finish();
    std::fs::write(dir.join("report.md"), &text)?;
    println!("\n{text}\nbench: written to target/bench/report.md");
    Ok(())
}

/// nginx, wrk and valgrind, from the distribution's packages when missing.
async fn install_tools() -> Result<()> {
    let missing: Vec<&str> = [("nginx", "/usr/sbin/nginx"), ("wrk", "/usr/bin/wrk"), ("valgrind", "/usr/bin/valgrind")]
        .into_iter()
        .filter(|(_, path)| !Path::new(path).exists())
        .map(|(package, _)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("bench: installing {} (apt-get)", missing.join(", "));
    let mut command = Command::new("apt-get");
    command.args(["install", "-y", "--no-install-recommends"]).args(&missing).env("DEBIAN_FRONTEND", "noninteractive");
    let mut status = command.status().await.context("cannot run apt-get: install nginx, wrk and valgrind")?;
    if !status.success() {
        // The package lists of a fresh machine may be missing or stale.
        Command::new("apt-get").arg("update").status().await?;
        status = command.status().await?;
    }
    if !status.success() {
        bail!("apt-get could not install {} ({status}); install them and run again", missing.join(", "));
    }
    Ok(())
}

/// The venv's Python, with the official SDK installed.
async fn python_sdk(dir: &Path) -> Result<PathBuf> {
    let venv = dir.join("venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        println!("bench: creating a venv with {}", PYTHON_SDK.join(" "));
        run_checked(Command::new("python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv").await?;
    }
    let installed = Command::new(&python).args(["-c", "import authing"]).stderr(Stdio::null()).status().await?;
    if !installed.success() {
        run_checked(Command::new(&python).args(["-m", "pip", "install", "--quiet"]).args(PYTHON_SDK), "pip install")
            .await?;
    }
    Ok(python)
}

async fn run_checked(command: &mut Command, what: &str) -> Result<()> {
    let status = command.status().await.with_context(|| format!("cannot run {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// nginx on 127.0.0.1 serving the canned answers; stopped when dropped,
/// workers included (killing the master alone would leave them serving).
struct Nginx {
    child: Child,
    url: String,
    token_log: PathBuf,
    config: PathBuf,
    prefix: PathBuf,
}

impl Nginx {
    async fn start(root: &Path, dir: &Path) -> Result<Self> {
        let prefix = dir.join("nginx");
        std::fs::create_dir_all(prefix.join("logs"))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let answer = |name: &str| -> Result<String> {
            let path = root.join("bench/answers").join(name);
            let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            if text.contains('\'') || text.contains('\n') {
                bail!("{} must be one line without single quotes to be inlined", path.display());
            }
            Ok(text)
        };
        let token_log = prefix.join("logs/token.log");
        let config = format!(
            "daemon off;\nworker_processes auto;\nworker_rlimit_nofile 65536;\npid {prefix}/nginx.pid;\n\
             error_log {prefix}/logs/error.log warn;\nevents {{ worker_connections 16384; }}\n\
             http {{\n  access_log off;\n  keepalive_requests 10000000;\n  default_type application/json;\n  \
             server {{\n    listen 127.0.0.1:{port} backlog=4096;\n    \
             location = /api/v3/get-management-token {{ access_log {token_log}; return 200 '{token}'; }}\n    \
             location = /api/v3/get-user {{ return 200 '{user}'; }}\n  }}\n}}\n",
            prefix = prefix.display(),
            token_log = token_log.display(),
            token = answer("token.json")?,
            user = answer("get-user.json")?,
        );
        let config_path = prefix.join("nginx.conf");
        std::fs::write(&config_path, config)?;
        std::fs::write(&token_log, "")?;
        let child = Command::new("/usr/sbin/nginx")
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&config_path)
            .stdin(Stdio::null())
            .spawn()
            .context("cannot start nginx")?;
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                println!("bench: nginx listening on {url}");
                return Ok(Nginx { child, url, token_log, config: config_path, prefix });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("nginx did not start; see {}/logs/error.log", prefix.display())
    }

    /// Token requests answered so far.
    fn token_requests(&self) -> Result<u64> {
        Ok(std::fs::read_to_string(&self.token_log)?.lines().count() as u64)
    }

    async fn stop(mut self) {
        self.signal_stop();
        let _ = self.child.wait().await;
    }

    fn signal_stop(&self) {
        let _ = std::process::Command::new("/usr/sbin/nginx")
            .arg("-p")
            .arg(&self.prefix)
            .arg("-c")
            .arg(&self.config)
            .args(["-s", "stop"])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.signal_stop();
        }
    }
}

/// Runs of the `authing-bench` binary.
struct Runner {
    bin: PathBuf,
}

/// The SDK's and raw reqwest's figures of alternating runs.
struct Pairs {
    sdk: Vec<Value>,
    raw: Vec<Value>,
}

impl Runner {
    async fn run(&self, args: &[&str]) -> Result<Value> {
        let output = Command::new(&self.bin).args(args).stderr(Stdio::inherit()).output().await?;
        if !output.status.success() {
            bail!("authing-bench {} failed ({})", args.join(" "), output.status);
        }
        serde_json::from_slice(&output.stdout)
            .with_context(|| format!("authing-bench {} printed no figures", args.join(" ")))
    }

    /// `pairs` runs of each client, alternating, so that a slow moment of the
    /// machine touches both.
    async fn pairs(&self, pairs: usize, args: &[&str]) -> Result<Pairs> {
        let (mut sdk, mut raw) = (Vec::new(), Vec::new());
        for _ in 0..pairs {
            for (client, into) in [("sdk", &mut sdk), ("raw", &mut raw)] {
                let mut with_client = vec![args[0], client];
                with_client.extend_from_slice(&args[1..]);
                into.push(self.run(&with_client).await?);
            }
        }
        Ok(Pairs { sdk, raw })
    }

    /// Instructions of one sequential call: the difference between two
    /// callgrind runs of `few` and `many` calls, divided by the calls between.
    async fn instructions_per_call(&self, dir: &Path, client: &str, url: &str, few: u64, many: u64) -> Result<f64> {
        let mut totals = Vec::new();
        for calls in [few, many] {
            let out = dir.join(format!("callgrind.{client}.{calls}"));
            let status = Command::new("valgrind")
                .args(["--tool=callgrind", "--quiet"])
                .arg(format!("--callgrind-out-file={}", out.display()))
                .arg(&self.bin)
                .args(["sequential", client, "--url", url, "--calls", &calls.to_string()])
                .stdout(Stdio::null())
                .status()
                .await
                .context("cannot run valgrind")?;
            if !status.success() {
                bail!("callgrind of {client} with {calls} calls failed ({status})");
            }
            totals.push(callgrind_total(&out)?);
        }
        Ok((totals[1] - totals[0]) / (many - few) as f64)
    }
}

/// The instruction count a callgrind output file ends with.
fn callgrind_total(path: &Path) -> Result<f64> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .find_map(|line| line.strip_prefix("totals: ").or_else(|| line.strip_prefix("summary: ")))
        .and_then(|n| n.trim().parse().ok())
        .with_context(|| format!("{} holds no total", path.display()))
}

/// Requests per second wrk reaches on the get-user answer with `connections`.
async fn wrk(url: &str, connections: u32, seconds: u32) -> Result<f64> {
    let threads = connections.min(2).to_string();
    let output = Command::new("wrk")
        .args(["-t", &threads, "-c", &connections.to_string(), "-d", &format!("{seconds}s")])
        .args(["-H", "authorization: Bearer bench-token", "-H", "accept: application/json"])
        .arg(format!("{url}/api/v3/get-user?userId=6426e0f8d5b3b1e0a8f3c001"))
        .output()
        .await
        .context("cannot run wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|n| n.trim().parse().ok())
        .with_context(|| format!("wrk printed no rate: {text}"))
}

/// Calls per second of the official Python SDK's `get_user`, median of three runs.
async fn python_sequential(python: &Path, root: &Path, url: &str, calls: u64) -> Result<f64> {
    let mut rates = Vec::new();
    for _ in 0..3 {
        let output = Command::new(python)
            .arg(root.join("bench/python_sequential.py"))
            .args([url, &calls.to_string()])
            .stderr(Stdio::inherit())
            .output()
            .await?;
        if !output.status.success() {
            bail!("the Python SDK run failed ({})", output.status);
        }
        let figures: Value = serde_json::from_slice(&output.stdout).context("the Python SDK run printed no figures")?;
        rates.push(figures["calls_per_second"].as_f64().context("no calls_per_second")?);
    }
    Ok(median(rates))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) { (values[middle - 1] + values[middle]) / 2.0 } else { values[middle] }
}

fn field(values: &[Value], name: &str) -> Vec<f64> {
    values.iter().filter_map(|v| v[name].as_f64()).collect()
}

/// The machine, as the report's heading gives it.
async fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .await
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    format!("{cores} cores ({cpu}), {}", rustc.unwrap_or_default())
}

/// The report's table, filled as the measurements come in.
struct Report {
    machine: String,
    rows: String,
}

impl Report {
    fn new(machine: String) -> Self {
        Report { machine, rows: String::new() }
    }

    fn row(&mut self, what: &str, figure: &str, ratio: &str) {
        writeln!(self.rows, "| {what} | {figure} | {ratio} |").expect("writing to a String");
    }

    fn pairs(&mut self, what: &str, pairs: &Pairs) {
        let ratios: Vec<f64> = pairs
            .sdk
            .iter()
            .zip(&pairs.raw)
            .filter_map(|(s, r)| Some(s["calls_per_second"].as_f64()? / r["calls_per_second"].as_f64()?))
            .collect();
        let (low, high) =
            (ratios.iter().copied().fold(f64::INFINITY, f64::min), ratios.iter().copied().fold(0.0, f64::max));
        let sdk_rate = median(field(&pairs.sdk, "calls_per_second"));
        let raw_rate = median(field(&pairs.raw, "calls_per_second"));
        let sdk_cpu = median(field(&pairs.sdk, "cpu_us_per_call"));
        let raw_cpu = median(field(&pairs.raw, "cpu_us_per_call"));
        self.row(
            what,
            &format!(
                "SDK {sdk_rate:.0} calls/s, raw reqwest {raw_rate:.0}; CPU per call {sdk_cpu:.1} us vs {raw_cpu:.1} us"
            ),
            &format!(
                "**{:.2}** of raw (median of {} pairs, range {low:.2}-{high:.2}); CPU per call {:.2}x",
                median(ratios.clone()),
                ratios.len(),
                sdk_cpu / raw_cpu
            ),
        );
    }

    fn wrk(&mut self, connections: u32, per_second: f64, sdk: &Pairs) {
        let ratio = format!("SDK {:.2} of it", median(field(&sdk.sdk, "calls_per_second")) / per_second);
        let label = if connections == 1 { "sequential" } else { "64 in flight" };
        self.row(
            &format!("`wrk -c{connections}` (the loopback ceiling)"),
            &format!("{per_second:.0} calls/s"),
            &format!("{ratio} ({label})"),
        );
    }

    fn python(&mut self, per_second: f64, sequential: &Pairs) {
        let sdk_rate = median(field(&sequential.sdk, "calls_per_second"));
        self.row(
            "official Python SDK 5.1.0, sequential",
            &format!("{per_second:.0} calls/s (median of 3 runs)"),
            &format!("SDK **{:.1}x** as fast", sdk_rate / per_second),
        );
    }

    fn instructions(&mut self, sdk: f64, raw: f64, few: u64, many: u64) {
        self.row(
            "instructions per sequential call (callgrind)",
            &format!("SDK {sdk:.0}, raw reqwest {raw:.0} (runs of {few} and {many} calls)"),
            &format!("**{:.3}x** raw", sdk / raw),
        );
    }

    fn traced(&mut self, traced: f64, sdk: f64) {
        self.row(
            "instructions per sequential call with a `tracing` subscriber (fmt at INFO, to nowhere)",
            &format!("SDK {traced:.0}, without a subscriber {sdk:.0}"),
            &format!("**{:.2}x** without", traced / sdk),
        );
    }

    fn cold_start(&mut self, calls: u64, cold: &Value, token_requests: u64) {
        self.row(
            &format!("{calls} concurrent first calls of a new client"),
            &format!(
                "{} succeeded, {} failed in {:.2} s",
                cold["succeeded"],
                cold["failed"],
                cold["seconds"].as_f64().unwrap_or(f64::NAN)
            ),
            &format!("**{token_requests}** token request(s)"),
        );
    }

    fn memory(&mut self, calls: u64, memory: &Value) {
        let peak = memory["peak_rss_mb"].as_f64().unwrap_or(f64::NAN);
        self.row(&format!("peak memory over {calls} calls (64 in flight)"), &format!("{peak:.1} MB"), "-");
    }

    fn decode(&mut self, decode: &Value) {
        let (typed, value) =
            (decode["typed_us"].as_f64().unwrap_or(f64::NAN), decode["value_us"].as_f64().unwrap_or(f64::NAN));
        self.row(
            &format!("decoding a 50-user list ({} KB)", decode["bytes"].as_u64().unwrap_or(0) / 1024),
            &format!("{typed:.0} us into the SDK's type, {value:.0} us into `serde_json::Value`"),
            &format!("{:.2}x untyped", typed / value),
        );
    }

    fn walk(&mut self, walk: &Value, sequential_seconds: f64) {
        let (seconds, concurrency) = (walk["seconds"].as_f64().unwrap_or(f64::NAN), &walk["concurrency"]);
        let default = if walk["default"] == true { " (the default)" } else { "" };
        self.row(
            &format!("`.items()` of {} users, 30 ms a page, {concurrency} page(s) at once{default}", walk["items"]),
            &format!("{seconds:.2} s, {} requests", walk["requests"]),
            &format!("{:.1}x as fast as one page at a time", sequential_seconds / seconds),
        );
    }

    fn throttled(&mut self, throttled: &Value) {
        let number = |name: &str| throttled[name].as_f64().unwrap_or(f64::NAN);
        self.row(
            &format!(
                "bulk job of {} writes ({} at once) against a server admitting {} a second, throttling the rest in the envelope",
                throttled["writes"], throttled["concurrency"], throttled["rate"]
            ),
            &format!(
                "{} succeeded, {} failed, in {:.1} s (ideal {:.1} s); {:.2} requests per success",
                throttled["succeeded"],
                throttled["failed"],
                number("seconds"),
                number("ideal_seconds"),
                number("requests_per_success")
            ),
            &format!("**{:.3}x** the ideal time", number("time_over_ideal")),
        );
    }

    fn finish(self) -> String {
        format!("Machine: {}\n\n| | figure | ratio |\n|---|---|---|\n{}", self.machine, self.rows)
    }
}
