//! What a run cost the process: wall time, CPU time and peak memory.

use std::future::Future;
use std::time::Instant;

use anyhow::Result;
use serde_json::{Value, json};

/// Runs `work` (`calls` calls) and returns its figures as JSON.
pub async fn measure<F, Fut>(calls: u64, work: F) -> Result<Value>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    work().await?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    Ok(json!({
        "calls": calls,
        "seconds": seconds,
        "calls_per_second": calls as f64 / seconds,
        "cpu_us_per_call": cpu * 1e6 / calls as f64,
        "peak_rss_mb": peak_rss_mb(),
    }))
}

/// User and system CPU time of the whole process so far, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The process's peak resident memory (`VmHWM`), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
