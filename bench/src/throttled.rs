//! `throttled`: a bulk job of writes against a server that admits a fixed
//! number of requests a second and throttles the rest as Authing does (the
//! envelope's `statusCode` 429 under HTTP 200): a wiremock server on
//! 127.0.0.1, started and stopped by the run. The client has the defaults.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Result;
use futures_util::StreamExt as _;
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, Request, ResponseTemplate};

/// Runs `writes` `create_role` calls, `concurrency` at once, against a
/// server admitting `rate` a second (a token bucket of a tenth of a
/// second's worth); prints the successes, the time against the ideal
/// (`writes / rate`) and the requests sent per success.
pub async fn run(writes: usize, rate: f64, concurrency: usize) -> Result<()> {
    let server = crate::token_server().await;
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    let capacity = (rate / 10.0).max(1.0);
    let bucket = Mutex::new((capacity, Instant::now()));
    let role = json!({"statusCode": 200, "message": "", "data": {"id": "r1", "code": "admin", "name": "admin",
                      "description": "", "namespace": "default", "namespaceName": "默认"}});
    let throttled = json!({"statusCode": 429, "message": "您的请求已超过最大数量限制，请稍后重试"});
    Mock::given(path("/api/v3/create-role"))
        .respond_with(move |_: &Request| {
            counted.fetch_add(1, Ordering::Relaxed);
            let mut bucket = bucket.lock().unwrap();
            let now = Instant::now();
            let tokens = (bucket.0 + now.duration_since(bucket.1).as_secs_f64() * rate).min(capacity);
            let admitted = tokens >= 1.0;
            *bucket = (if admitted { tokens - 1.0 } else { tokens }, now);
            ResponseTemplate::new(200).set_body_json(if admitted { &role } else { &throttled })
        })
        .mount(&server)
        .await;
    let client = crate::sdk(&server.uri())?;

    let started = Instant::now();
    let mut outcomes = authing::bulk::run(0..writes, concurrency, move |n| {
        client.create_role().body_map(|role| role.code(format!("role-{n}")))
    });
    let (mut succeeded, mut failed, mut first_error) = (0usize, 0usize, None);
    while let Some(outcome) = outcomes.next().await {
        match outcome.result {
            Ok(_) => succeeded += 1,
            Err(error) => {
                failed += 1;
                first_error.get_or_insert_with(|| error.to_string());
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let ideal = writes as f64 / rate;
    let requests = requests.load(Ordering::Relaxed);
    let measured = json!({
        "writes": writes, "rate": rate, "concurrency": concurrency, "succeeded": succeeded, "failed": failed,
        "first_error": first_error, "seconds": seconds, "ideal_seconds": ideal, "time_over_ideal": seconds / ideal,
        "requests": requests, "requests_per_success": requests as f64 / succeeded.max(1) as f64,
    });
    println!("{measured}");
    Ok(())
}
