//! The fault suite: the SDK against a server on 127.0.0.1 that misbehaves at
//! the byte level (`faults/server.rs`). Every call must end, within its
//! deadline, with data or a typed error: no panic, no hang, no request sent
//! twice that could have changed something, no secret in an error or a log
//! line. Prints a tally, `faults: N scenarios, N held`. With
//! `FAULTS_DUMP_LOGS` set, the suite's log (every level, the HTTP stack's
//! included) is written to `target/faults.log`.

mod common;
#[path = "faults/server.rs"]
mod server;

use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authing::{DEFAULT_MAX_IN_FLIGHT, Error, ManagementClient};
use common::{ACCESS_KEY_SECRET, TOKEN_PATH, builder, jwt, user};
use serde_json::json;
use server::{FaultyServer, Received, Reply, head, json, response};

const GET_USER: &str = "/api/v3/get-user";
const CREATE_ROLE: &str = "/api/v3/create-role";
const IS_USER_EXISTS: &str = "/api/v3/is-user-exists";
/// A token no log line or error may show.
const SECRET_TOKEN: &str = "eyJ.never-shown.token";
/// The longest any one call of the suite may take before it counts as a hang.
const DEADLINE: Duration = Duration::from_secs(20);

type Outcome = Result<(), String>;

macro_rules! check {
    ($condition:expr, $($why:tt)+) => {
        if !$condition {
            return Err(format!($($why)+));
        }
    };
}

/// `call`, or a failure when it outlives the deadline.
async fn within<T>(call: impl Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(DEADLINE, call).await.map_err(|_| format!("no outcome within {DEADLINE:?}: a hang"))
}

/// The token endpoint's answer: `jwt(n)` for two hours.
fn token(n: usize) -> Reply {
    Reply::Bytes(json(200, &json!({"statusCode": 200, "data": {"access_token": jwt(n), "expires_in": 7200}})))
}

fn envelope(data: serde_json::Value) -> Reply {
    Reply::Bytes(json(200, &json!({"statusCode": 200, "message": "", "data": data})))
}

/// A server handing out tokens, answering `on` with `reply`.
async fn serving(on: &'static str, reply: impl Fn(usize) -> Reply + Send + Sync + 'static) -> FaultyServer {
    FaultyServer::start(move |request: &Received, n| match request.path.as_str() {
        TOKEN_PATH => token(n),
        path if path == on => reply(n),
        _ => Reply::Bytes(response(404, &[], b"not here")),
    })
    .await
}

fn client(server: &FaultyServer) -> ManagementClient {
    builder(&server.uri).timeout(Duration::from_millis(500)).build().unwrap()
}

async fn get_user(client: &ManagementClient) -> Result<authing::Result<authing::types::UserDto>, String> {
    within(client.get_user().user_id("u1").into_future()).await
}

async fn create_role(client: &ManagementClient) -> Result<authing::Result<authing::types::RoleDto>, String> {
    within(client.create_role().body_map(|body| body.code("role1")).into_future()).await
}

use std::future::IntoFuture as _;

/// How many POSTs `server` received on `path`.
fn posts_to(server: &FaultyServer, path: &str) -> usize {
    server.received_on(path).iter().filter(|r| r.method == "POST").count()
}

// --- the scenarios -------------------------------------------------------

async fn cut_body() -> Outcome {
    let server = serving(GET_USER, |_| {
        let mut bytes = head(200, &[("content-length", "200")]);
        bytes.extend_from_slice(br#"{"statusCode":200,"da"#);
        Reply::Cut(bytes)
    })
    .await;
    let result = get_user(&client(&server)).await?;
    check!(matches!(result, Err(Error::Transport(_))), "a cut body should be a transport error: {result:?}");
    Ok(())
}

async fn stalled_body() -> Outcome {
    let server = serving(GET_USER, |_| {
        let mut bytes = head(200, &[("content-length", "200")]);
        bytes.extend_from_slice(br#"{"statusCode":200,"da"#);
        Reply::Stall(bytes)
    })
    .await;
    let result = get_user(&client(&server)).await?;
    check!(
        matches!(result, Err(Error::Timeout { limit: authing::TimeLimit::Request(_), .. })),
        "a stalled body should time out: {result:?}"
    );
    Ok(())
}

async fn silent_host() -> Outcome {
    let server = serving(CREATE_ROLE, |_| Reply::Stall(Vec::new())).await;
    let result = create_role(&client(&server)).await?;
    check!(
        matches!(result, Err(Error::Timeout { limit: authing::TimeLimit::Request(_), .. })),
        "a silent host should time out: {result:?}"
    );
    let posts = posts_to(&server, CREATE_ROLE);
    check!(posts == 1, "a POST that timed out may have been processed: sent {posts} times");
    Ok(())
}

async fn html_error_page() -> Outcome {
    let server =
        serving(GET_USER, |_| Reply::Bytes(response(502, &[], b"<html><h1>502 Bad Gateway</h1></html>"))).await;
    let result = get_user(&client(&server)).await?;
    check!(
        matches!(&result, Err(Error::UnexpectedStatus { http_status: 502, body, .. }) if body.text().contains("Bad Gateway")),
        "a gateway's page should be an unexpected status with its body: {result:?}"
    );
    Ok(())
}

async fn truncated_json() -> Outcome {
    let server =
        serving(GET_USER, |_| Reply::Bytes(response(200, &[], br#"{"statusCode":200,"data":{"userId":"#))).await;
    let result = get_user(&client(&server)).await?;
    check!(matches!(result, Err(Error::InvalidJson { http_status: 200, .. })), "truncated JSON: {result:?}");
    Ok(())
}

async fn not_json() -> Outcome {
    let server = serving(GET_USER, |n| match n {
        1 => Reply::Bytes(response(200, &[], b"<html>maintenance</html>")),
        2 => Reply::Bytes(response(200, &[], b"")),
        _ => Reply::Bytes(response(200, &[], &[0xff, 0xfe, 0x00, 0x7b])),
    })
    .await;
    let client = client(&server);
    for what in ["an HTML page", "an empty body", "binary bytes"] {
        let result = get_user(&client).await?;
        check!(matches!(result, Err(Error::InvalidJson { .. })), "{what} under HTTP 200: {result:?}");
    }
    Ok(())
}

async fn failure_envelope_under_500() -> Outcome {
    let server = serving(CREATE_ROLE, |_| {
        Reply::Bytes(json(500, &json!({"statusCode": 500, "apiCode": 1, "message": "internal", "requestId": "r9"})))
    })
    .await;
    let result = create_role(&client(&server)).await?;
    check!(matches!(&result, Err(Error::Api { status_code: 500, .. })), "a failure envelope: {result:?}");
    let posts = posts_to(&server, CREATE_ROLE);
    check!(posts == 1, "a POST answered 500 was sent {posts} times");
    Ok(())
}

async fn throttled_with_retry_after() -> Outcome {
    let server = serving(GET_USER, |n| match n {
        1 => Reply::Bytes(response(429, &[("retry-after", "1")], b"slow down")),
        _ => envelope(user("u1")),
    })
    .await;
    let started = std::time::Instant::now();
    let result = get_user(&client(&server)).await?;
    check!(result.is_ok(), "a 429 should be sent again: {result:?}");
    check!(started.elapsed() >= Duration::from_secs(1), "Retry-After was not honoured");
    check!(server.received_on(GET_USER).len() == 2, "expected 2 sends");
    Ok(())
}

async fn unavailable_write_sent_once() -> Outcome {
    let server = serving(CREATE_ROLE, |_| Reply::Bytes(response(503, &[], b"<html>503</html>"))).await;
    let result = create_role(&client(&server)).await?;
    check!(matches!(result, Err(Error::UnexpectedStatus { http_status: 503, .. })), "a 503: {result:?}");
    let posts = posts_to(&server, CREATE_ROLE);
    check!(posts == 1, "a write answered 503 may have been processed behind a proxy: sent {posts} times");
    Ok(())
}

async fn unavailable_read_then_up() -> Outcome {
    let server = serving(IS_USER_EXISTS, |n| match n {
        1 => Reply::Bytes(response(503, &[], b"<html>503</html>")),
        _ => envelope(json!({"exists": true})),
    })
    .await;
    let client = client(&server);
    let call = client.is_user_exists().body_map(|b| b.username("alice"));
    let result = within(call.into_future()).await?;
    check!(result.is_ok(), "a read answered 503 should be sent again: {result:?}");
    let bodies: Vec<_> = server.received_on(IS_USER_EXISTS).into_iter().map(|r| r.body).collect();
    check!(bodies.len() == 2 && bodies[0] == bodies[1], "expected the same body sent twice: {bodies:?}");
    Ok(())
}

async fn silent_host_ends_by_the_operation_timeout() -> Outcome {
    // Every request stalls: the token request, then (were there a token) the call.
    let server = FaultyServer::start(|_: &Received, _| Reply::Stall(Vec::new())).await;
    let limit = Duration::from_millis(800);
    let client = builder(&server.uri).timeout(Duration::from_secs(5)).operation_timeout(limit).build().unwrap();
    let started = std::time::Instant::now();
    let result = get_user(&client).await?;
    check!(
        matches!(result, Err(Error::Timeout { limit: authing::TimeLimit::Operation(l), .. }) if l == limit),
        "the whole call should end by its operation_timeout: {result:?}"
    );
    check!(started.elapsed() < Duration::from_secs(5), "the call outlived its operation_timeout");
    Ok(())
}

async fn reset_post_sent_once() -> Outcome {
    let server = serving(CREATE_ROLE, |_| Reply::Cut(Vec::new())).await;
    let result = create_role(&client(&server)).await?;
    check!(matches!(result, Err(Error::Transport(_))), "a reset: {result:?}");
    let posts = posts_to(&server, CREATE_ROLE);
    check!(posts == 1, "a POST reset after it arrived was sent {posts} times");
    Ok(())
}

async fn token_endpoint_down_then_back() -> Outcome {
    let server = FaultyServer::start(|request: &Received, n| match (request.path.as_str(), n) {
        (TOKEN_PATH, 1) => Reply::Bytes(response(503, &[], b"down")),
        (TOKEN_PATH, 2) => Reply::Bytes(response(429, &[("retry-after", "0")], b"busy")),
        (TOKEN_PATH, n) => token(n),
        _ => envelope(user("u1")),
    })
    .await;
    let result = get_user(&client(&server)).await?;
    check!(result.is_ok(), "the token request should be sent again: {result:?}");
    check!(server.received_on(TOKEN_PATH).len() == 3, "expected 3 token requests");
    Ok(())
}

async fn token_endpoint_redirects() -> Outcome {
    let elsewhere = FaultyServer::start(|_: &Received, n| token(n)).await;
    let location = format!("{}{TOKEN_PATH}", elsewhere.uri);
    let server =
        FaultyServer::start(move |_: &Received, _| Reply::Bytes(response(307, &[("location", &location)], b""))).await;
    let result = get_user(&client(&server)).await?;
    check!(result.is_err(), "a redirected token request should fail: {result:?}");
    check!(elsewhere.received().is_empty(), "the credentials went to another origin");
    Ok(())
}

async fn call_redirects() -> Outcome {
    let elsewhere = FaultyServer::start(|_: &Received, _| envelope(user("u1"))).await;
    let location = format!("{}{GET_USER}?userId=u1", elsewhere.uri);
    let server = serving(GET_USER, move |_| Reply::Bytes(response(302, &[("location", &location)], b""))).await;
    let result = get_user(&client(&server)).await?;
    check!(matches!(result, Err(Error::UnexpectedStatus { http_status: 302, .. })), "a redirect: {result:?}");
    check!(elsewhere.received().is_empty(), "the token or Authing's headers went to another origin");
    Ok(())
}

async fn token_of_the_wrong_shape() -> Outcome {
    let server = FaultyServer::start(|request: &Received, _| match request.path.as_str() {
        TOKEN_PATH => Reply::Bytes(json(
            200,
            &json!({"statusCode": 200, "data": {"access_token": SECRET_TOKEN, "expires_in": "in two hours"}}),
        )),
        _ => envelope(user("u1")),
    })
    .await;
    let result = get_user(&client(&server)).await?;
    let Err(error) = result else { return Err("a token that cannot be read was accepted".into()) };
    let shown = format!("{error} {error:?}");
    check!(!shown.contains(SECRET_TOKEN), "the token is in the error: {shown}");
    check!(
        matches!(&error, Error::UnexpectedShape { path, .. } if path == "data.expires_in"),
        "the error should name the field: {error}"
    );
    check!(!shown.contains("failure was expected"), "the error misdescribes what happened: {error}");
    check!(server.received_on(GET_USER).is_empty(), "the call was sent without a token");
    Ok(())
}

async fn token_expiring_between_calls() -> Outcome {
    let server = FaultyServer::start(|request: &Received, n| match request.path.as_str() {
        TOKEN_PATH => {
            Reply::Bytes(json(200, &json!({"statusCode": 200, "data": {"access_token": jwt(n), "expires_in": 1}})))
        }
        _ => envelope(user("u1")),
    })
    .await;
    let client = client(&server);
    get_user(&client).await?.map_err(|e| e.to_string())?;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    get_user(&client).await?.map_err(|e| e.to_string())?;
    let bearers: Vec<_> =
        server.received_on(GET_USER).iter().map(|r| r.header("authorization").map(str::to_owned)).collect();
    check!(server.received_on(TOKEN_PATH).len() == 2, "an expired token should be replaced");
    check!(bearers[1] == Some(format!("Bearer {}", jwt(2))), "the second call did not use the new token");
    Ok(())
}

async fn envelope_401_renews_the_token() -> Outcome {
    let server = serving(GET_USER, |n| match n {
        1 => Reply::Bytes(json(200, &json!({"statusCode": 401, "message": "token expired"}))),
        _ => envelope(user("u1")),
    })
    .await;
    let result = get_user(&client(&server)).await?;
    check!(result.is_ok(), "an envelope 401 should renew the token once: {result:?}");
    check!(server.received_on(TOKEN_PATH).len() == 2, "expected a second token");
    Ok(())
}

/// Runs `calls` concurrent `get_user` calls on clones of `client`; the failures.
async fn concurrent(client: &ManagementClient, calls: usize) -> Result<Vec<String>, String> {
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { within(client.get_user().user_id("u1").into_future()).await })
        })
        .collect();
    let mut failures = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(Ok(_))) => {}
            Ok(Ok(Err(error))) => failures.push(error.to_string()),
            Ok(Err(hang)) => failures.push(hang),
            Err(panic) => failures.push(format!("panicked: {panic}")),
        }
    }
    Ok(failures)
}

async fn burst_during_token_refresh() -> Outcome {
    let server = FaultyServer::start(|request: &Received, n| match request.path.as_str() {
        // The first token lives 2 s; the one the burst refreshes lives long, so that a
        // burst slowed by a busy machine cannot reach the next refresh point.
        TOKEN_PATH => {
            let life = if n == 1 { 2 } else { 7200 };
            Reply::Bytes(json(200, &json!({"statusCode": 200, "data": {"access_token": jwt(n), "expires_in": life}})))
        }
        _ => slowly(envelope(user("u1"))),
    })
    .await;
    let client = builder(&server.uri).timeout(Duration::from_secs(10)).build().unwrap();
    get_user(&client).await?.map_err(|e| e.to_string())?;
    // Past the latest refresh point (three quarters of the life), before expiry.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let failures = concurrent(&client, 1000).await?;
    check!(failures.is_empty(), "{} of 1,000 calls failed, first: {:?}", failures.len(), failures.first());
    let fetched = server.received_on(TOKEN_PATH).len();
    check!(fetched == 2, "1,000 calls during a refresh made {} token requests", fetched - 1);
    within_the_in_flight_limit(&server)
}

/// `reply` after a pause, so that calls pile up at the server.
fn slowly(reply: Reply) -> Reply {
    let Reply::Bytes(bytes) = reply else { unreachable!("only whole replies are delayed") };
    Reply::Delayed(Duration::from_millis(5), bytes)
}

/// At most `DEFAULT_MAX_IN_FLIGHT` requests were at the server at once, and
/// connections of the same order, not one per call: the pool may open more
/// while a finished connection is on its way back to it, and the server counts
/// a connection the client dropped until it reads the close (a busy machine
/// once showed 83 for a limit of 64).
fn within_the_in_flight_limit(server: &FaultyServer) -> Outcome {
    let (waiting, connections) = (server.peak_waiting(), server.peak_connections());
    println!("    at most {waiting} requests and {connections} connections at once (limit {DEFAULT_MAX_IN_FLIGHT})");
    check!(waiting <= DEFAULT_MAX_IN_FLIGHT, "{waiting} requests were at the server at once");
    check!(waiting >= DEFAULT_MAX_IN_FLIGHT / 2, "only {waiting} requests at once: the burst did not test the limit");
    check!(connections <= DEFAULT_MAX_IN_FLIGHT * 2, "{connections} connections were open at once");
    Ok(())
}

async fn burst_of_first_calls_queues() -> Outcome {
    let server = serving(GET_USER, |_| slowly(envelope(user("u1")))).await;
    let client = builder(&server.uri).timeout(Duration::from_secs(10)).build().unwrap();
    let failures = concurrent(&client, 5000).await?;
    check!(failures.is_empty(), "{} of 5,000 calls failed, first: {:?}", failures.len(), failures.first());
    check!(server.received_on(TOKEN_PATH).len() == 1, "5,000 first calls should share one token request");
    within_the_in_flight_limit(&server)
}

const HUGE: u64 = 200 * 1024 * 1024;

async fn huge_body_declared() -> Outcome {
    let server =
        serving(GET_USER, |_| Reply::Flood { head: head(200, &[("content-length", &HUGE.to_string())]), total: HUGE })
            .await;
    let client = builder(&server.uri).timeout(Duration::from_secs(10)).build().unwrap();
    let result = get_user(&client).await?;
    check!(matches!(result, Err(Error::ResponseTooLarge { .. })), "a 200 MiB answer: {result:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let taken = server.flood_written();
    check!(taken < 16 * 1024 * 1024, "the client took {taken} bytes of an answer declared too large");
    Ok(())
}

async fn huge_body_undeclared() -> Outcome {
    let server = serving(GET_USER, |_| Reply::Flood { head: head(200, &[("connection", "close")]), total: HUGE }).await;
    let limit = 1024 * 1024;
    let client = builder(&server.uri).timeout(Duration::from_secs(10)).max_response_bytes(limit).build().unwrap();
    let result = get_user(&client).await?;
    check!(
        matches!(result, Err(Error::ResponseTooLarge { limit: l, .. }) if l == limit),
        "an answer of unknown length past the limit: {result:?}"
    );
    let untyped = within(client.get_user().user_id("u1").send_untyped().into_future()).await?;
    check!(matches!(untyped, Err(Error::ResponseTooLarge { .. })), "the untyped call too: {untyped:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let taken = server.flood_written();
    check!(taken < 2 * 8 * 1024 * 1024, "the client took {taken} bytes of two answers past a 1 MiB limit");
    Ok(())
}

async fn slow_body_within_the_timeout() -> Outcome {
    let server = serving(GET_USER, |_| {
        let body = json!({"statusCode": 200, "message": "", "data": user("u1")}).to_string().into_bytes();
        let mut first = head(200, &[("content-length", &body.len().to_string())]);
        first.extend_from_slice(&body[..10]);
        Reply::Trickle(first, Duration::from_millis(200), body[10..].to_vec())
    })
    .await;
    let result = get_user(&client(&server)).await?;
    check!(result.is_ok(), "a slow answer within the timeout is no fault: {result:?}");
    Ok(())
}

async fn self_signed_certificate_refused() -> Outcome {
    let server = FaultyServer::start_tls(|request: &Received, n| match request.path.as_str() {
        TOKEN_PATH => token(n),
        _ => envelope(user("u1")),
    })
    .await;
    let result = get_user(&client(&server)).await?;
    check!(matches!(result, Err(Error::Transport(_))), "a self-signed certificate must be refused: {result:?}");
    check!(server.received().is_empty(), "a request crossed an unverified connection");
    check!(server.connections_accepted() >= 1, "the client never tried");
    Ok(())
}

async fn self_signed_certificate_accepted_when_asked(logs: &Logs) -> Outcome {
    let server = FaultyServer::start_tls(|request: &Received, n| match request.path.as_str() {
        TOKEN_PATH => token(n),
        _ => envelope(user("u1")),
    })
    .await;
    let warnings_before = logs.count("TLS certificates are not verified");
    let client = builder(&server.uri).timeout(Duration::from_secs(2)).use_unverified_ssl(true).build().unwrap();
    let result = get_user(&client).await?;
    check!(result.is_ok(), "use_unverified_ssl(true) should accept the certificate: {result:?}");
    get_user(&client).await?.map_err(|e| e.to_string())?;
    let warnings = logs.count("TLS certificates are not verified") - warnings_before;
    check!(warnings == 1, "expected one warning for the client, saw {warnings}");
    Ok(())
}

fn no_secret_in_the_logs(logs: &Logs) -> Outcome {
    let text = logs.text();
    check!(!text.is_empty(), "nothing was logged: the check would prove nothing");
    check!(!text.contains(ACCESS_KEY_SECRET), "the access key secret is in the logs");
    check!(!text.contains(SECRET_TOKEN), "a token is in the logs");
    for n in 1..=3 {
        check!(!text.contains(&jwt(n)), "token {n} is in the logs");
    }
    Ok(())
}

// --- the harness ----------------------------------------------------------

/// Every line the SDK and its HTTP stack log, at every level.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    fn count(&self, needle: &str) -> usize {
        self.text().matches(needle).count()
    }
}

impl Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fault_is_held() {
    let logs = Logs::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("the only subscriber of this test binary");

    type Scenario = std::pin::Pin<Box<dyn Future<Output = Outcome> + Send>>;
    let with_logs = |f: fn(Logs) -> Scenario| f(logs.clone());
    let scenarios: Vec<(&str, Scenario)> = vec![
        ("cut body", Box::pin(cut_body())),
        ("stalled body", Box::pin(stalled_body())),
        ("silent host, POST sent once", Box::pin(silent_host())),
        ("5xx HTML page", Box::pin(html_error_page())),
        ("truncated JSON", Box::pin(truncated_json())),
        ("HTML, empty and binary bodies under 200", Box::pin(not_json())),
        ("failure envelope under HTTP 500, POST sent once", Box::pin(failure_envelope_under_500())),
        ("429 with Retry-After", Box::pin(throttled_with_retry_after())),
        ("503 to a write, sent once", Box::pin(unavailable_write_sent_once())),
        ("503 to a read, then up, same body again", Box::pin(unavailable_read_then_up())),
        ("silent host, the call ends by its operation_timeout", Box::pin(silent_host_ends_by_the_operation_timeout())),
        ("reset POST sent once", Box::pin(reset_post_sent_once())),
        ("token endpoint down then back", Box::pin(token_endpoint_down_then_back())),
        ("token request redirected elsewhere", Box::pin(token_endpoint_redirects())),
        ("call redirected elsewhere", Box::pin(call_redirects())),
        ("token answer of the wrong shape", Box::pin(token_of_the_wrong_shape())),
        ("token expiring between calls", Box::pin(token_expiring_between_calls())),
        ("envelope 401 renews the token", Box::pin(envelope_401_renews_the_token())),
        ("1,000 calls during a token refresh", Box::pin(burst_during_token_refresh())),
        ("5,000 concurrent first calls queue", Box::pin(burst_of_first_calls_queues())),
        ("huge body, length declared", Box::pin(huge_body_declared())),
        ("huge body, length unknown", Box::pin(huge_body_undeclared())),
        ("slow body within the timeout", Box::pin(slow_body_within_the_timeout())),
        ("self-signed certificate refused", Box::pin(self_signed_certificate_refused())),
        (
            "self-signed certificate accepted when asked, one warning",
            with_logs(|logs| Box::pin(async move { self_signed_certificate_accepted_when_asked(&logs).await })),
        ),
    ];

    let total = scenarios.len() + 1;
    let mut failed = Vec::new();
    for (name, scenario) in scenarios {
        // Spawned, so that a panic is a scenario that did not hold, not the end of the suite.
        let outcome = tokio::spawn(scenario).await.unwrap_or_else(|panic| Err(format!("panicked: {panic}")));
        report(name, outcome, &mut failed);
    }
    report("no secret or token in any log line", no_secret_in_the_logs(&logs), &mut failed);
    if std::env::var_os("FAULTS_DUMP_LOGS").is_some() {
        std::fs::write("target/faults.log", logs.text()).unwrap();
    }

    println!("faults: {total} scenarios, {} held", total - failed.len());
    assert!(failed.is_empty(), "scenarios that did not hold: {failed:?}");
}

fn report(name: &str, outcome: Outcome, failed: &mut Vec<String>) {
    match outcome {
        Ok(()) => println!("held: {name}"),
        Err(why) => {
            println!("NOT HELD: {name}: {why}");
            failed.push(name.to_string());
        }
    }
}
