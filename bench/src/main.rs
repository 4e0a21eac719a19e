//! One measurement per run, printed as one line of JSON for `cargo xtask bench`,
//! which starts the server, alternates the runs and writes the report.
//!
//! Every call is `get_user` against canned answers: through this SDK
//! (`sdk`), or through a bare `reqwest::Client` sending the identical request
//! and decoding the answer into the same generated type (`raw`).

mod raw;
mod throttled;
mod usage;
mod walk;

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use authing::ManagementClient;
use authing::types::{UserDto, UserPaginatedRespDto};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;

use crate::raw::RawClient;

/// The user every call asks for.
const USER_ID: &str = "6426e0f8d5b3b1e0a8f3c001";

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    run: Run,
}

#[derive(Subcommand)]
enum Run {
    /// `calls` calls one after the other, on a single-threaded runtime.
    Sequential {
        client: Which,
        #[arg(long)]
        url: String,
        #[arg(long)]
        calls: u64,
    },
    /// `calls` calls with `in_flight` of them running at once, on a two-thread runtime.
    Concurrent {
        client: Which,
        #[arg(long)]
        url: String,
        #[arg(long)]
        calls: u64,
        #[arg(long)]
        in_flight: u64,
    },
    /// `calls` first calls of a new SDK client, all at once.
    ColdStart {
        #[arg(long)]
        url: String,
        #[arg(long)]
        calls: u64,
    },
    /// Walking a list of `items` users, from a server on 127.0.0.1 that
    /// answers each page after `page_ms`, with `concurrency` pages at once
    /// (the SDK's default when not given).
    Walk {
        #[arg(long)]
        items: usize,
        #[arg(long)]
        page_ms: u64,
        #[arg(long)]
        concurrency: Option<usize>,
    },
    /// A bulk job of `writes` writes, `concurrency` at once, against a server
    /// on 127.0.0.1 admitting `rate` requests a second and throttling the
    /// rest in the envelope, with the client's defaults.
    Throttled {
        #[arg(long)]
        writes: usize,
        #[arg(long)]
        rate: f64,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
    /// Decoding a canned list answer into the SDK's type, and into `serde_json::Value`.
    Decode {
        #[arg(long)]
        answer: std::path::PathBuf,
        #[arg(long)]
        times: u32,
    },
}

/// The client a run measures.
#[derive(Clone, Copy, ValueEnum)]
enum Which {
    Sdk,
    /// The SDK with a `tracing` subscriber installed that formats every
    /// event and span at INFO (to nowhere): what a call costs when its span is recorded.
    SdkTraced,
    Raw,
}

/// Either client, behind one call.
#[derive(Clone)]
enum Client {
    Sdk(ManagementClient),
    Raw(Arc<RawClient>),
}

impl Client {
    async fn new(which: Which, url: &str) -> Result<Self> {
        Ok(match which {
            Which::Sdk => Client::Sdk(sdk(url)?),
            Which::SdkTraced => {
                let subscriber =
                    tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_writer(std::io::sink);
                tracing::subscriber::set_global_default(subscriber.finish())?;
                Client::Sdk(sdk(url)?)
            }
            Which::Raw => Client::Raw(Arc::new(RawClient::new(url).await?)),
        })
    }

    async fn get_user(&self) -> Result<UserDto> {
        Ok(match self {
            Client::Sdk(client) => client.get_user().user_id(USER_ID).await?,
            Client::Raw(client) => client.get_user(USER_ID).await?,
        })
    }
}

/// A wiremock server on 127.0.0.1 that hands out a token, for the runs that
/// mount their own answers on it (`walk`, `throttled`).
async fn token_server() -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    let token = json!({"statusCode": 200, "data": {"access_token": "bench-token", "expires_in": 7200}});
    wiremock::Mock::given(wiremock::matchers::path("/api/v3/get-management-token"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(token))
        .mount(&server)
        .await;
    server
}

fn sdk(url: &str) -> Result<ManagementClient> {
    Ok(ManagementClient::builder().access_key_id("bench").access_key_secret("bench").host(url).build()?)
}

fn main() -> Result<()> {
    match Cli::parse().run {
        Run::Sequential { client, url, calls } => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let client = Client::new(client, &url).await?;
                client.get_user().await.context("the first call")?;
                let measured = usage::measure(calls, || async {
                    for _ in 0..calls {
                        client.get_user().await?;
                    }
                    Ok(())
                })
                .await?;
                println!("{measured}");
                Ok(())
            })
        }
        Run::Concurrent { client, url, calls, in_flight } => {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            runtime.block_on(async {
                let client = Client::new(client, &url).await?;
                client.get_user().await.context("the first call")?;
                let measured = usage::measure(calls, || async {
                    let workers: Vec<_> = (0..in_flight)
                        .map(|worker| {
                            let client = client.clone();
                            // The calls shared out evenly; the first workers take the remainder.
                            let share = calls / in_flight + u64::from(worker < calls % in_flight);
                            tokio::spawn(async move {
                                for _ in 0..share {
                                    client.get_user().await?;
                                }
                                anyhow::Ok(())
                            })
                        })
                        .collect();
                    for worker in workers {
                        worker.await??;
                    }
                    Ok(())
                })
                .await?;
                println!("{measured}");
                Ok(())
            })
        }
        Run::ColdStart { url, calls } => {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            runtime.block_on(async {
                let client = Client::Sdk(sdk(&url)?);
                let started = Instant::now();
                let calls: Vec<_> = (0..calls)
                    .map(|_| {
                        let client = client.clone();
                        tokio::spawn(async move { client.get_user().await })
                    })
                    .collect();
                let (mut succeeded, mut failed) = (0u64, 0u64);
                let mut first_error = None;
                for call in calls {
                    match call.await? {
                        Ok(_) => succeeded += 1,
                        Err(error) => {
                            failed += 1;
                            first_error.get_or_insert_with(|| format!("{error:#}"));
                        }
                    }
                }
                let seconds = started.elapsed().as_secs_f64();
                println!(
                    "{}",
                    json!({"succeeded": succeeded, "failed": failed, "seconds": seconds, "first_error": first_error})
                );
                Ok(())
            })
        }
        Run::Walk { items, page_ms, concurrency } => {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            runtime.block_on(walk::run(items, std::time::Duration::from_millis(page_ms), concurrency))
        }
        Run::Throttled { writes, rate, concurrency } => {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            runtime.block_on(throttled::run(writes, rate, concurrency))
        }
        Run::Decode { answer, times } => {
            let body = std::fs::read(&answer).with_context(|| format!("cannot read {}", answer.display()))?;
            let typed = per_decode(times, || {
                let page: UserPaginatedRespDto = serde_json::from_slice(&body)?;
                Ok(page.data.list.len())
            })?;
            let untyped = per_decode(times, || {
                let page: serde_json::Value = serde_json::from_slice(&body)?;
                Ok(page["data"]["list"].as_array().map_or(0, Vec::len))
            })?;
            println!("{}", json!({"bytes": body.len(), "typed_us": typed, "value_us": untyped}));
            Ok(())
        }
    }
}

/// Microseconds per decode, over `times` decodes after one to warm up.
fn per_decode(times: u32, decode: impl Fn() -> Result<usize>) -> Result<f64> {
    if decode()? != 50 {
        bail!("the canned list does not hold 50 users");
    }
    let started = Instant::now();
    for _ in 0..times {
        std::hint::black_box(decode()?);
    }
    Ok(started.elapsed().as_secs_f64() * 1e6 / f64::from(times))
}
