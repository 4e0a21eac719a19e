//! Throttled is not failed: Authing answers throttling (and most failures)
//! with the status in the envelope, under HTTP 200 as often as not. Each
//! test runs a server on 127.0.0.1 in the test's own runtime, whose clock
//! is tokio's paused one: a server that throttles for ten seconds, or
//! admits a hundred requests a second, does so in virtual time, and no
//! test waits for it.

mod common;
#[path = "faults/server.rs"]
#[allow(dead_code)] // the fault suite uses the rest of it
mod server;

use std::future::IntoFuture as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authing::{Error, ManagementClient, RetryPolicy};
use common::{TOKEN_PATH, builder, jwt, user};
use serde_json::{Value, json};
use server::{FaultyServer, Received, Reply};
use tokio::time::Instant;

const GET_USER: &str = "/api/v3/get-user";
const CREATE_ROLE: &str = "/api/v3/create-role";

/// An HTTP 200 carrying `envelope`, as Authing answers.
fn answer(envelope: Value) -> Reply {
    Reply::Bytes(server::json(200, &envelope))
}

fn data(data: Value) -> Reply {
    answer(json!({"statusCode": 200, "message": "", "data": data}))
}

/// Authing's throttle, in the envelope under HTTP 200.
fn throttled() -> Reply {
    answer(json!({"statusCode": 429, "message": "您的请求已超过最大数量限制，请稍后重试"}))
}

fn token() -> Reply {
    data(json!({"access_token": jwt(1), "expires_in": 7200}))
}

fn role() -> Value {
    json!({"id": "r1", "code": "admin", "name": "admin", "description": "", "namespace": "default",
           "namespaceName": "默认"})
}

/// What `path` answers when it is not throttled.
fn served(path: &str) -> Reply {
    match path {
        TOKEN_PATH => token(),
        GET_USER => data(user("u1")),
        CREATE_ROLE => data(role()),
        _ => Reply::Bytes(server::response(404, &[], b"not here")),
    }
}

/// A server that answers every path as [`served`] does, but `on`, which
/// `reply` answers given the request and how many came to it before, plus one.
async fn serving(on: &'static str, reply: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> FaultyServer {
    FaultyServer::start(move |request: &Received, n| match request.path.as_str() {
        path if path == on => reply(request, n),
        path => served(path),
    })
    .await
}

/// A server admitting `rate` requests a second (a token bucket holding a
/// tenth of a second's worth), and throttling the rest in the envelope, on
/// every path but the token's; it counts what it admitted and refused.
struct Quota {
    bucket: Mutex<(f64, Instant)>,
    rate: f64,
    /// When each request came, and whether it was admitted.
    seen: Mutex<Vec<(Instant, bool)>>,
    /// The bodies of the requests admitted.
    done: Mutex<Vec<Value>>,
}

impl Quota {
    fn new(rate: f64) -> Arc<Self> {
        let bucket = Mutex::new((rate / 10.0, Instant::now()));
        Arc::new(Quota { bucket, rate, seen: Default::default(), done: Default::default() })
    }

    /// Whether the server admits `request` now; an admitted one's body is kept.
    fn admits(&self, request: &Received) -> bool {
        let admitted = self.take();
        if admitted {
            self.done.lock().unwrap().push(serde_json::from_slice(&request.body).unwrap_or_default());
        }
        admitted
    }

    fn take(&self) -> bool {
        let now = Instant::now();
        let mut bucket = self.bucket.lock().unwrap();
        let (tokens, at) = *bucket;
        let tokens = (tokens + now.duration_since(at).as_secs_f64() * self.rate).min(self.rate / 10.0);
        let admitted = tokens >= 1.0;
        *bucket = (if admitted { tokens - 1.0 } else { tokens }, now);
        self.seen.lock().unwrap().push((now, admitted));
        admitted
    }

    fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    fn admitted(&self) -> usize {
        self.seen.lock().unwrap().iter().filter(|(_, admitted)| *admitted).count()
    }

    async fn serve(self: &Arc<Self>) -> FaultyServer {
        let quota = self.clone();
        FaultyServer::start(move |request: &Received, _| match request.path.as_str() {
            TOKEN_PATH => token(),
            path if quota.admits(request) => served(path),
            _ => throttled(),
        })
        .await
    }
}

fn client(server: &FaultyServer) -> ManagementClient {
    builder(&server.uri).build().unwrap()
}

async fn create_role(client: &ManagementClient) -> authing::Result<authing::types::RoleDto> {
    client.create_role().body_map(|body| body.code("admin")).await
}

#[tokio::test(start_paused = true)]
async fn a_read_throttled_in_the_envelope_is_sent_again() {
    let server = serving(GET_USER, |_, n| if n == 1 { throttled() } else { data(user("u1")) }).await;

    let user = client(&server).get_user().user_id("u1").await.unwrap();

    assert_eq!(user.user_id, "u1");
    assert_eq!(server.received_on(GET_USER).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_write_throttled_in_the_envelope_is_sent_again_with_the_same_body() {
    // Throttled is refused unprocessed: the one failure that is always safe to send again.
    let server = serving(CREATE_ROLE, |_, n| if n == 1 { throttled() } else { data(role()) }).await;

    create_role(&client(&server)).await.unwrap();

    let bodies: Vec<Value> =
        server.received_on(CREATE_ROLE).iter().map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
    assert_eq!(bodies, vec![json!({"code": "admin"}); 2]);
}

#[tokio::test(start_paused = true)]
async fn throttling_is_waited_out_past_the_attempt_count_until_the_server_admits_the_call() {
    let server = serving(GET_USER, |_, n| if n <= 12 { throttled() } else { data(user("u1")) }).await;

    let user = client(&server).get_user().user_id("u1").await.unwrap();

    assert_eq!(user.user_id, "u1");
    assert_eq!(server.received_on(GET_USER).len(), 13);
}

#[tokio::test(start_paused = true)]
async fn an_envelope_503_is_sent_again_for_a_read_and_not_for_a_write() {
    let unavailable = || answer(json!({"statusCode": 503, "message": "维护中"}));
    let reads = serving(GET_USER, move |_, n| if n == 1 { unavailable() } else { data(user("u1")) }).await;
    client(&reads).get_user().user_id("u1").await.unwrap();
    assert_eq!(reads.received_on(GET_USER).len(), 2);

    let writes = serving(CREATE_ROLE, move |_, n| if n == 1 { unavailable() } else { data(role()) }).await;
    let error = create_role(&client(&writes)).await.unwrap_err();
    assert_eq!(error.status_code(), Some(503), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(writes.received_on(CREATE_ROLE).len(), 1, "a 503 does not prove the write was not done");
}

#[tokio::test(start_paused = true)]
async fn a_call_the_server_never_admits_ends_with_the_throttle_by_its_deadline() {
    let server = serving(GET_USER, |_, _| throttled()).await;
    let client = builder(&server.uri).operation_timeout(Duration::from_secs(5)).build().unwrap();
    let started = Instant::now();

    let error = client.get_user().user_id("u1").await.unwrap_err();

    assert!(started.elapsed() <= Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(error.is_retryable(), "{error:?}");
    assert!(
        error.status_code() == Some(429) || matches!(error, Error::Timeout { .. }),
        "the throttle, or the deadline it ran into: {error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_thousand_writes_with_a_third_of_the_answers_throttled_at_random_all_succeed() {
    // Every tenth request in three, spread by a multiplicative hash: throttling that does not follow the rate.
    let server = serving(CREATE_ROLE, |_, n| if (n * 7919) % 10 < 3 { throttled() } else { data(role()) }).await;
    let client = client(&server);

    let calls: Vec<_> =
        (0..1000).map(|_| tokio::spawn(client.create_role().body_map(|b| b.code("admin")).into_future())).collect();
    let mut failed = 0;
    for call in calls {
        failed += usize::from(call.await.unwrap().is_err());
    }

    let sent = server.received_on(CREATE_ROLE).len();
    println!("1,000 writes, 3 in 10 throttled at random: {sent} requests, {failed} failed");
    assert_eq!(failed, 0);
    assert!(sent < 2000, "{sent} requests for 1,000 writes");
}

#[tokio::test(start_paused = true)]
async fn a_token_endpoint_throttled_or_failing_once_in_the_envelope_fails_no_call() {
    for failure in [json!({"statusCode": 429, "message": "slow down"}), json!({"statusCode": 500, "message": "oops"})] {
        let server = FaultyServer::start(move |request: &Received, n| match request.path.as_str() {
            TOKEN_PATH if n == 1 => answer(failure.clone()),
            path => served(path),
        })
        .await;
        let client = client(&server);

        let mut failed = 0;
        for _ in 0..30 {
            failed += usize::from(client.get_user().user_id("u1").await.is_err());
            tokio::time::sleep(Duration::from_millis(33)).await;
        }

        assert_eq!(failed, 0);
        assert_eq!(server.received_on(TOKEN_PATH).len(), 2);
    }
}

#[tokio::test(start_paused = true)]
async fn five_thousand_reads_during_a_ten_second_throttle_all_end_ok_without_hammering_the_server() {
    let started = Instant::now();
    let throttle_ends = started + Duration::from_secs(10);
    let during = Arc::new(Mutex::new(0usize));
    let counted = during.clone();
    let server = serving(GET_USER, move |_, _| match Instant::now() < throttle_ends {
        true => {
            *counted.lock().unwrap() += 1;
            throttled()
        }
        false => data(user("u1")),
    })
    .await;
    let client = client(&server);

    let calls: Vec<_> = (0..5000).map(|_| tokio::spawn(client.get_user().user_id("u1").into_future())).collect();
    let mut failed = Vec::new();
    for call in calls {
        if let Err(error) = call.await.unwrap() {
            failed.push(error);
        }
    }

    assert!(failed.is_empty(), "{} failed, the first: {:?}", failed.len(), failed.first());
    assert!(started.elapsed() < authing::DEFAULT_OPERATION_TIMEOUT, "{:?}", started.elapsed());
    let during = *during.lock().unwrap();
    let sent = server.received_on(GET_USER).len();
    println!(
        "5,000 reads, 10 s throttled: {sent} requests, {during} of them during the throttle, done at {:?}",
        started.elapsed()
    );
    assert!(during < 2000, "{during} requests during the 10 s throttle");
    assert!(sent < 5000 + 2000, "{sent} requests for 5,000 reads");
}

#[tokio::test(start_paused = true)]
async fn five_hundred_concurrent_writes_against_a_hundred_a_second_all_succeed_with_the_defaults() {
    let quota = Quota::new(100.0);
    let server = quota.serve().await;
    let client = client(&server);
    let started = Instant::now();

    let calls: Vec<_> =
        (0..500).map(|_| tokio::spawn(client.create_role().body_map(|b| b.code("admin")).into_future())).collect();
    let mut failed = 0;
    for call in calls {
        failed += usize::from(call.await.unwrap().is_err());
    }

    println!("500 writes at 100 a second: {} requests, done at {:?}", quota.requests(), started.elapsed());
    assert_eq!(failed, 0);
    assert_eq!(quota.admitted(), 500);
    assert!(started.elapsed() < authing::DEFAULT_OPERATION_TIMEOUT, "{:?}", started.elapsed());
    assert!(quota.requests() < 3 * 500, "{} requests for 500 writes", quota.requests());
}

#[tokio::test(start_paused = true)]
async fn a_bulk_job_of_five_hundred_writes_ends_with_five_hundred_successes() {
    let quota = Quota::new(100.0);
    let server = quota.serve().await;
    let client = client(&server);
    let codes: Vec<String> = (0..500).map(|n| format!("role-{n}")).collect();

    let report = authing::bulk::run(codes.clone(), 16, |code| client.create_role().body_map(|b| b.code(code.clone())))
        .report()
        .await;

    assert!(report.failed.is_empty(), "{:?}", report.failed.first());
    let done: Vec<String> = report.succeeded.into_iter().map(|(code, _)| code).collect();
    assert_eq!(done, codes, "every input once, in order");
    assert_eq!(report.taken, 500);
    assert!(report.complete);
    assert!(quota.requests() < 2 * 500, "{} requests for 500 writes", quota.requests());
    // Each role was created once: the server admitted each code's request once, and no other.
    let mut created: Vec<String> =
        quota.done.lock().unwrap().iter().map(|body| body["code"].as_str().unwrap().to_string()).collect();
    created.sort();
    let mut expected = codes;
    expected.sort();
    assert_eq!(created, expected);
}

#[tokio::test(start_paused = true)]
async fn a_fixed_limit_holds_across_clones() {
    let times = Arc::new(Mutex::new(Vec::new()));
    let seen = times.clone();
    let server = serving(GET_USER, move |_, _| {
        seen.lock().unwrap().push(Instant::now());
        data(user("u1"))
    })
    .await;
    let client = builder(&server.uri).max_requests_per_second(10).build().unwrap();

    let calls: Vec<_> = (0..40).map(|_| tokio::spawn(client.clone().get_user().user_id("u1").into_future())).collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }

    let times = times.lock().unwrap();
    assert_eq!(times.len(), 40);
    // In any second, at most ten, and the one request a turn may go ahead by.
    let most =
        times.iter().map(|&at| times.iter().filter(|&&t| t >= at && t < at + Duration::from_secs(1)).count()).max();
    assert!(most <= Some(11), "{most:?} requests within a second");
}

#[tokio::test(start_paused = true)]
async fn during_an_outage_retries_stop_when_the_budget_is_spent() {
    let server = serving(GET_USER, |_, _| answer(json!({"statusCode": 503, "message": "维护中"}))).await;
    let client = builder(&server.uri).retry(RetryPolicy::default().with_retry_budget(10)).build().unwrap();

    for _ in 0..100 {
        let error = client.get_user().user_id("u1").await.unwrap_err();
        assert_eq!(error.status_code(), Some(503));
    }

    // A hundred calls, and ten retries between them all, where three sends each would be 300.
    assert_eq!(server.received_on(GET_USER).len(), 110);
}

#[tokio::test(start_paused = true)]
async fn a_bulk_run_stopped_takes_no_new_input_and_reports_the_calls_in_flight() {
    let server = serving(CREATE_ROLE, |_, _| {
        Reply::Delayed(
            Duration::from_millis(100),
            server::json(200, &json!({"statusCode": 200, "message": "", "data": role()})),
        )
    })
    .await;
    let client = client(&server);

    let mut run =
        authing::bulk::run(0..100, 4, move |n| client.create_role().body_map(|b| b.code(format!("role-{n}"))));
    let stop = run.stop_handle();
    let first = futures::StreamExt::next(&mut run).await.unwrap();
    stop.stop();
    let mut rest = Vec::new();
    while let Some(outcome) = futures::StreamExt::next(&mut run).await {
        rest.push(outcome);
    }

    assert!(first.result.is_ok());
    // Four taken at once; the stop after the first ended: the other three end, and nothing more is sent.
    assert_eq!(run.taken(), 4);
    assert_eq!(rest.len(), 3);
    assert!(rest.iter().all(|outcome| outcome.result.is_ok()));
    assert_eq!(server.received_on(CREATE_ROLE).len(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_bulk_reader_busy_between_outcomes_does_not_hold_up_the_calls_in_flight() {
    let answer = || {
        Reply::Delayed(
            Duration::from_millis(100),
            server::json(200, &json!({"statusCode": 200, "message": "", "data": role()})),
        )
    };
    let server = serving(CREATE_ROLE, move |_, _| answer()).await;
    let client = builder(&server.uri).operation_timeout(Duration::from_secs(1)).build().unwrap();

    let mut run = authing::bulk::run(0..8, 4, |n| client.create_role().body_map(|b| b.code(format!("role-{n}"))));
    let mut results = Vec::new();
    while let Some(outcome) = futures::StreamExt::next(&mut run).await {
        results.push(outcome.result);
        // A database write, say, far longer than the calls' deadline.
        tokio::time::sleep(Duration::from_secs(5)).await;
    }

    assert_eq!(results.len(), 8);
    assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|r| r.is_err()));
}

#[tokio::test(start_paused = true)]
async fn a_bulk_report_after_a_stop_leaves_the_inputs_not_taken_in_the_iterator() {
    let server = serving(CREATE_ROLE, |_, _| data(role())).await;
    let client = client(&server);
    let mut inputs = 0..10;

    let run =
        authing::bulk::run(inputs.by_ref(), 2, |n| client.create_role().body_map(|b| b.code(format!("role-{n}"))));
    run.stop_handle().stop();
    let report = run.report().await;

    assert_eq!((report.taken, report.complete), (0, false));
    assert_eq!(inputs.next(), Some(0), "nothing was taken, nothing lost");
}
