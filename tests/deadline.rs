//! A whole call ends by its `operation_timeout`, whichever phase it is in:
//! waiting for the token, for a place under the in-flight limit, or for the
//! answer. Once the call under test has nothing to wait for but a deadline,
//! tokio's clock is paused: it jumps to the next deadline whenever the client
//! waits, while the local servers keep real time, so a server slower than the
//! deadline is a deadline reached at once.

mod common;

use std::future::IntoFuture as _;
use std::time::Duration;

use authing::{Error, TimeLimit};
use common::*;
use serde_json::json;
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LIMIT: Duration = Duration::from_secs(5);
const AN_HOUR: Duration = Duration::from_secs(3600);

/// A server whose token endpoint answers after an hour.
async fn slow_token() -> MockServer {
    let server = own_server().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ok(json!({"access_token": jwt(1), "expires_in": 7200})).set_delay(AN_HOUR))
        .mount(&server)
        .await;
    server
}

/// A server that hands out tokens at once and answers `get-user` after an hour.
async fn slow_get_user() -> MockServer {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .respond_with(ok(user("u1")).set_delay(AN_HOUR))
        .mount(&server)
        .await;
    server
}

/// A client of `server` that has its token already, so that the call under
/// test waits for nothing but what it is about.
async fn warmed_up(server: &MockServer, client: authing::ManagementClientBuilder) -> authing::ManagementClient {
    Mock::given(method("GET")).and(path("/warm-up")).respond_with(ok(json!({}))).mount(server).await;
    let client = client.build().unwrap();
    client.raw(reqwest::Method::GET, "/warm-up").await.unwrap();
    client
}

/// tokio's timers round up to the millisecond.
fn ended_at_the_limit(started: Instant) {
    let took = started.elapsed();
    assert!(LIMIT <= took && took <= LIMIT + Duration::from_millis(10), "took {took:?}");
}

fn is_operation_timeout(result: &authing::Result<authing::types::UserDto>) -> bool {
    matches!(result, Err(Error::Timeout { limit: TimeLimit::Operation(limit), .. }) if *limit == LIMIT)
}

#[tokio::test(start_paused = true)]
async fn a_call_waiting_for_a_slow_token_ends_by_its_operation_timeout() {
    let server = slow_token().await;
    let client = builder(server.uri()).timeout(Duration::from_secs(10)).operation_timeout(LIMIT).build().unwrap();

    let started = Instant::now();
    let result = client.get_user().user_id("u1").await;

    assert!(is_operation_timeout(&result), "{result:?}");
    ended_at_the_limit(started);
    let message = result.unwrap_err().to_string();
    assert!(message.contains("operation_timeout of 5s"), "the error should name the limit: {message}");
}

#[tokio::test]
async fn a_call_waiting_for_a_place_under_the_in_flight_limit_ends_by_its_operation_timeout() {
    let server = slow_get_user().await;
    let settings = builder(server.uri()).max_in_flight(1).timeout(AN_HOUR).operation_timeout(LIMIT);
    let client = warmed_up(&server, settings).await;
    // A call that holds the one place, its request at the server.
    let holding = client.clone();
    let holder = tokio::spawn(async move { holding.get_user().user_id("u1").await });
    while requests_to(&server, "/api/v3/get-user").await.is_empty() {
        tokio::task::yield_now().await;
    }
    tokio::time::pause();

    let started = Instant::now();
    let result = client.get_user().user_id("u1").await;

    assert!(is_operation_timeout(&result), "{result:?}");
    ended_at_the_limit(started);
    assert!(is_operation_timeout(&holder.await.unwrap()), "the slow call itself ends by its deadline too");
}

#[tokio::test]
async fn an_answer_slower_than_the_operation_timeout_ends_the_call_at_it() {
    let server = slow_get_user().await;
    let client = warmed_up(&server, builder(server.uri()).timeout(AN_HOUR).operation_timeout(LIMIT)).await;
    tokio::time::pause();

    let result = client.get_user().user_id("u1").await;

    assert!(is_operation_timeout(&result), "{result:?}");
}

#[tokio::test]
async fn the_request_timeout_is_told_apart_from_the_operation_timeout() {
    let server = slow_get_user().await;
    let timeout = Duration::from_secs(2);
    let client = warmed_up(&server, builder(server.uri()).timeout(timeout).operation_timeout(LIMIT)).await;
    tokio::time::pause();

    let result = client.get_user().user_id("u1").await;

    assert!(
        matches!(result, Err(Error::Timeout { limit: TimeLimit::Request(t), source: Some(_), .. }) if t == timeout),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_ends_the_call_at_once_with_the_delay() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "20"))
        .mount(&server)
        .await;
    // The policy would wait 20 s; the call has 5.
    let policy = authing::RetryPolicy::default().with_max_backoff(Duration::from_secs(60));
    let client = builder(server.uri()).retry(policy).operation_timeout(LIMIT).build().unwrap();

    let result = client.get_user().user_id("u1").into_future().await;

    let Err(Error::RetryAfter { http_status: 503, retry_after, .. }) = result else { panic!("{result:?}") };
    assert_eq!(retry_after, Duration::from_secs(20));
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn raw_and_untyped_calls_have_the_same_deadline() {
    let server = slow_token().await;
    let client = builder(server.uri()).operation_timeout(LIMIT).build().unwrap();

    let untyped = client.get_user().user_id("u1").send_untyped().await;
    let raw = client.raw(reqwest::Method::GET, "/api/v3/get-user").await;

    for result in [untyped, raw] {
        assert!(
            matches!(result, Err(Error::Timeout { limit: TimeLimit::Operation(limit), .. }) if limit == LIMIT),
            "{result:?}"
        );
    }
}

/// A listener whose queue of connections to accept is full: the kernel
/// drops further connection attempts, which then hang unanswered. Keep both.
fn a_host_that_never_accepts() -> (tokio::net::TcpListener, Vec<std::net::TcpStream>) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let address = listener.local_addr().unwrap();
    let fillers: Vec<_> = (0..4)
        .filter_map(|_| std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)).ok())
        .collect();
    assert!(!fillers.is_empty(), "the listener's queue could not be filled");
    (listener, fillers)
}

#[tokio::test]
async fn a_host_that_never_accepts_the_connection_holds_a_call_no_longer_than_its_operation_timeout() {
    let host = a_host_that_never_accepts();
    let uri = format!("http://{}", host.0.local_addr().unwrap());
    // The token request and the call, each of 10 s a try: bounded by the call's 5 s.
    let client = builder(&uri).operation_timeout(LIMIT).build().unwrap();
    // With the defaults, a timeout of 10 s a request within 30 s a call.
    let defaults = builder(&uri).build().unwrap();
    tokio::time::pause();

    let started = Instant::now();
    let result = client.get_user().user_id("u1").await;
    assert!(is_operation_timeout(&result), "{result:?}");
    ended_at_the_limit(started);

    let started = Instant::now();
    let result = defaults.get_user().user_id("u1").await;
    assert!(matches!(result, Err(Error::Timeout { .. })), "{result:?}");
    assert!(started.elapsed() <= authing::DEFAULT_OPERATION_TIMEOUT, "{:?}", started.elapsed());
}
