//! `walk`: how long `.items()` takes through a list of users from a server
//! that answers each page after a delay, as a remote server does: a wiremock
//! server on 127.0.0.1, started and stopped by the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use authing::Paginated as _;
use futures_util::TryStreamExt as _;
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, Request, ResponseTemplate};

/// Walks a list of `items` users answered after `delay` per page, `concurrency`
/// pages at once (the SDK's default when `None`); prints the time, the items
/// read and the list requests sent.
pub async fn run(items: usize, delay: Duration, concurrency: Option<usize>) -> Result<()> {
    let default = concurrency.is_none();
    let concurrency = concurrency.unwrap_or(authing::DEFAULT_PAGE_CONCURRENCY);
    let server = crate::token_server().await;
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    Mock::given(path("/api/v3/list-users"))
        .respond_with(move |request: &Request| {
            counted.fetch_add(1, Ordering::Relaxed);
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let pagination = &body["options"]["pagination"];
            let (page, limit) = (pagination["page"].as_u64().unwrap_or(1), pagination["limit"].as_u64().unwrap_or(10));
            let start = ((page - 1) * limit) as usize;
            let users: Vec<Value> = (start..(start + limit as usize).min(items)).map(user).collect();
            let answer = json!({"statusCode": 200, "message": "", "data": {"totalCount": items, "list": users}});
            ResponseTemplate::new(200).set_body_json(answer).set_delay(delay)
        })
        .mount(&server)
        .await;
    let client = crate::sdk(&server.uri())?;

    let started = Instant::now();
    let users: Vec<_> = client.list_users().items().concurrency(concurrency).try_collect().await?;
    let seconds = started.elapsed().as_secs_f64();
    if users.len() != items {
        bail!("the walk read {} users of {items}", users.len());
    }
    let requests = requests.load(Ordering::Relaxed);
    let measured = json!({"seconds": seconds, "items": users.len(), "requests": requests, "concurrency": concurrency,
                          "default": default});
    println!("{measured}");
    Ok(())
}

fn user(n: usize) -> Value {
    json!({
        "userId": format!("u{n}"), "createdAt": "2022-01-01T00:00:00Z", "updatedAt": "2022-01-01T00:00:00Z",
        "status": "Activated", "workStatus": "Active", "gender": "U", "emailVerified": false,
        "phoneVerified": false, "userSourceType": "adminCreated", "username": format!("user{n}")
    })
}
