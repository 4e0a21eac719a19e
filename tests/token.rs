//! The management token: fetched once, shared, refreshed ahead of expiry,
//! replaced when the server rejects it.

mod common;

use std::future::IntoFuture as _;
use std::time::Duration;

use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server whose token endpoint answers after `delay`, and whose `get-user` answers at once.
async fn slow_token_server(delay: Duration) -> MockServer {
    let server = own_server().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ok(json!({"access_token": jwt(1), "expires_in": 7200})).set_delay(delay))
        .mount(&server)
        .await;
    mount_get_user(&server).await;
    server
}

async fn mount_get_user(server: &MockServer) {
    Mock::given(method("GET")).and(path("/api/v3/get-user")).respond_with(ok(user("u1"))).mount(server).await;
}

#[tokio::test]
async fn the_token_is_fetched_once_and_reused() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    mount_get_user(&server).await;
    let client = client(&server);

    for _ in 0..3 {
        client.get_user().user_id("u1").await.unwrap();
    }

    let token_requests = requests_to(&server, TOKEN_PATH).await;
    assert_eq!(token_requests.len(), 1);
    let credentials: serde_json::Value = token_requests[0].body_json().unwrap();
    assert_eq!(credentials, json!({"accessKeyId": ACCESS_KEY_ID, "accessKeySecret": ACCESS_KEY_SECRET}));
    for request in requests_to(&server, "/api/v3/get-user").await {
        assert_eq!(bearer(&request), format!("Bearer {}", jwt(1)));
    }
}

#[tokio::test]
async fn clones_share_the_token() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    mount_get_user(&server).await;
    let client = client(&server);

    client.get_user().user_id("u1").await.unwrap();
    client.clone().get_user().user_id("u1").await.unwrap();

    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_calls_share_one_token_request() {
    let server = own_server().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        // Slow enough that every call arrives while the fetch is in flight.
        .respond_with(ok(json!({"access_token": jwt(1), "expires_in": 7200})).set_delay(Duration::from_millis(200)))
        .mount(&server)
        .await;
    mount_get_user(&server).await;
    let client = client(&server);

    let calls = (0..100).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get_user().user_id("u1").await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }

    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1);
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 100);
}

#[tokio::test]
async fn the_token_is_replaced_before_it_expires() {
    let server = own_server().await;
    // A 2 s token is due for refresh after half to three quarters of its life (jittered).
    mount_tokens(&server, 2).await;
    mount_get_user(&server).await;
    let client = client(&server);

    client.get_user().user_id("u1").await.unwrap();
    travel(Duration::from_millis(1600)).await;
    // Due for refresh, still valid: the call goes on with it while the new one is fetched.
    client.get_user().user_id("u1").await.unwrap();
    let calls = requests_to(&server, "/api/v3/get-user").await;
    assert_eq!(bearer(&calls[1]), format!("Bearer {}", jwt(1)));
    token_requests_reach(&server, 2).await;

    // Calls take the new token as soon as it has arrived.
    let waiting = std::time::Instant::now();
    loop {
        client.get_user().user_id("u1").await.unwrap();
        let calls = requests_to(&server, "/api/v3/get-user").await;
        if bearer(calls.last().unwrap()) == format!("Bearer {}", jwt(2)) {
            break;
        }
        assert!(waiting.elapsed() < Duration::from_secs(10), "the new token was never used");
    }
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
}

#[tokio::test]
async fn an_http_401_fetches_a_new_token_and_retries_once() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"statusCode": 401, "message": "expired"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_get_user(&server).await;
    let client = client(&server);

    let user = client.get_user().user_id("u1").await.unwrap();

    assert_eq!(user.user_id, "u1");
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
    let calls = requests_to(&server, "/api/v3/get-user").await;
    assert_eq!(calls.len(), 2);
    assert_eq!(bearer(&calls[0]), format!("Bearer {}", jwt(1)));
    assert_eq!(bearer(&calls[1]), format!("Bearer {}", jwt(2)));
}

#[tokio::test]
async fn an_envelope_401_under_http_200_also_retries_once() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"statusCode": 401, "message": "expired"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_get_user(&server).await;
    let client = client(&server);

    client.get_user().user_id("u1").await.unwrap();

    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 2);
}

#[tokio::test]
async fn a_second_401_is_returned_without_another_retry() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"statusCode": 401, "message": "no access"})))
        .mount(&server)
        .await;
    let client = client(&server);

    let error = client.get_user().user_id("u1").await.unwrap_err();

    assert!(matches!(error, authing::Error::Api { status_code: 401, .. }), "{error:?}");
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 2);
}

#[tokio::test]
async fn a_rejected_token_request_is_an_api_error_with_its_codes() {
    let server = own_server().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "statusCode": 400, "apiCode": 1600, "message": "accessKeySecret is wrong", "requestId": "req-9"
        })))
        .mount(&server)
        .await;
    mount_get_user(&server).await;
    let client = client(&server);

    let error = client.get_user().user_id("u1").await.unwrap_err();

    match error {
        authing::Error::Api { status_code, api_code, message, request_id, .. } => {
            assert_eq!(status_code, 400);
            assert_eq!(api_code, Some(1600));
            assert_eq!(message, "accessKeySecret is wrong");
            assert_eq!(request_id.as_deref(), Some("req-9"));
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
    assert!(requests_to(&server, "/api/v3/get-user").await.is_empty());
}

#[tokio::test]
async fn a_token_that_is_not_a_jwt_works_without_the_userpool_header() {
    let server = own_server().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ok(json!({"access_token": "opaque-token", "expires_in": 7200})))
        .mount(&server)
        .await;
    mount_get_user(&server).await;

    client(&server).get_user().user_id("u1").await.unwrap();

    let call = &requests_to(&server, "/api/v3/get-user").await[0];
    assert_eq!(bearer(call), "Bearer opaque-token");
    assert!(call.headers.get("x-authing-userpool-id").is_none());
}

#[tokio::test]
async fn a_token_answer_of_the_wrong_shape_is_reported_without_the_token() {
    let server = own_server().await;
    let answer = json!({"statusCode": 200, "message": "", "data": {"access_token": "eyJ-the-secret-token", "expires_in": "in two hours"}});
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;
    mount_get_user(&server).await;
    let client = client(&server);

    for error in [
        client.get_user().user_id("u1").await.unwrap_err(),
        client.get_user().user_id("u1").send_untyped().await.unwrap_err(),
    ] {
        let (shown, debugged) = (error.to_string(), format!("{error:?}"));
        let authing::Error::UnexpectedShape { operation, path, body, .. } = &error else {
            panic!("expected Error::UnexpectedShape, got {error:?}")
        };
        assert_eq!(operation, "getManagementToken");
        assert_eq!(path, "data.expires_in");
        for text in [shown, debugged, body.text().into_owned()] {
            assert!(!text.contains("eyJ-the-secret-token"), "the token leaked: {text}");
            assert!(!text.contains("where a failure was expected"), "{text}");
        }
    }
}

#[tokio::test]
async fn a_token_endpoint_answering_503_is_asked_again() {
    let server = own_server().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_tokens(&server, 7200).await;
    mount_get_user(&server).await;

    client(&server).get_user().user_id("u1").await.unwrap();

    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
}

#[tokio::test]
async fn a_refused_first_connection_is_retried_for_the_token_too() {
    // Nothing listens on the port at first: the first token request is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let policy = authing::RetryPolicy::default()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_millis(400));
    let client = builder(format!("http://127.0.0.1:{port}")).retry(policy).build().unwrap();
    let call = tokio::spawn(async move { client.get_user().user_id("u1").await });

    // The host comes up while the client waits to send again.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let server = MockServer::builder().listener(listener).start().await;
    mount_tokens(&server, 7200).await;
    mount_get_user(&server).await;

    call.await.unwrap().unwrap();
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1);
}

#[tokio::test]
async fn redirects_are_not_followed_so_credentials_stay_with_the_host() {
    let elsewhere = own_server().await;
    mount_tokens(&elsewhere, 7200).await;
    let server = own_server().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(307).insert_header("location", format!("{}{TOKEN_PATH}", elsewhere.uri())))
        .mount(&server)
        .await;

    let error = client(&server).get_user().user_id("u1").await.unwrap_err();

    assert!(matches!(error, authing::Error::UnexpectedStatus { http_status: 307, .. }), "{error:?}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty(), "the credentials went to another host");
}

#[tokio::test]
async fn a_failing_token_endpoint_in_the_refresh_window_fails_no_call_while_the_token_is_valid() {
    let server = own_server().await;
    // The first token lasts 10 s; every later token request fails, slowly.
    mount_one_token_then(&server, 10, ResponseTemplate::new(500).set_delay(Duration::from_millis(200))).await;
    mount_get_user(&server).await;
    let client = builder(server.uri()).token_refresh_margin(Duration::from_secs(5)).build().unwrap();
    client.get_user().user_id("u1").await.unwrap();

    // 2.4 s before expiry: past any refresh point, the token still valid.
    travel(Duration::from_millis(7_600)).await;
    let calls = (0..8).map(|_| client.get_user().user_id("u1").into_future());
    let results = futures::future::join_all(calls).await;

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    for request in requests_to(&server, "/api/v3/get-user").await {
        assert_eq!(bearer(&request), format!("Bearer {}", jwt(1)));
    }
    // One refresh at most started for all eight, in the background.
    assert!(requests_to(&server, TOKEN_PATH).await.len() <= 2);

    // Once the token has expired, the failure is every call's, from one shared request at a time.
    travel(Duration::from_secs(3)).await;
    let before = requests_to(&server, TOKEN_PATH).await.len();
    let calls = (0..8).map(|_| client.get_user().user_id("u1").into_future());
    let results = futures::future::join_all(calls).await;
    for result in &results {
        assert!(matches!(result, Err(authing::Error::UnexpectedStatus { http_status: 500, .. })), "{result:?}");
    }
    assert!(requests_to(&server, TOKEN_PATH).await.len() - before <= 2, "each call fetched its own token");
}

/// Waits until `server` has had `n` token requests: refreshes run in a task
/// of their own, so no call's return says when one was sent.
async fn token_requests_reach(server: &MockServer, n: usize) {
    let waiting = std::time::Instant::now();
    while requests_to(server, TOKEN_PATH).await.len() < n {
        assert!(waiting.elapsed() < Duration::from_secs(10), "token request {n} was never sent");
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn after_a_failed_refresh_the_next_one_waits() {
    let server = own_server().await;
    mount_one_token_then(&server, 600, ResponseTemplate::new(500)).await;
    mount_get_user(&server).await;
    let client = builder(server.uri()).token_refresh_margin(Duration::from_secs(60)).build().unwrap();
    client.get_user().user_id("u1").await.unwrap();
    travel(Duration::from_secs(570)).await;

    // The first call starts a refresh, which fails; wait for it to end.
    client.get_user().user_id("u1").await.unwrap();
    token_requests_reach(&server, 2).await;
    for _ in 0..20 {
        client.get_user().user_id("u1").await.unwrap();
    }
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2, "a refresh was started during the backoff");

    // After the backoff (1 s for the first failure), calls start one more.
    travel(Duration::from_secs(2)).await;
    client.get_user().user_id("u1").await.unwrap();
    token_requests_reach(&server, 3).await;
}

#[tokio::test]
async fn callers_that_give_up_leave_the_token_request_running_for_the_others() {
    let server = slow_token_server(Duration::from_millis(600)).await;
    let client = client(&server);

    // Services give each request a deadline; the first caller's ends before the token arrives.
    let mut outcomes = Vec::new();
    for _ in 0..5 {
        let call = tokio::time::timeout(Duration::from_millis(400), client.get_user().user_id("u1").into_future());
        outcomes.push(call.await.map(|result| result.is_ok()));
    }

    assert!(outcomes[0].is_err(), "the first call should have run out of time: {outcomes:?}");
    assert!(outcomes[1..].iter().all(|o| *o == Ok(true)), "{outcomes:?}");
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1);
}

#[tokio::test]
async fn any_lifetime_the_server_gives_a_token_is_taken_without_a_panic() {
    for expires_in in [json!(1e20), json!(1e19), json!(u64::MAX), json!(f64::MAX), json!(1e-9)] {
        let server = own_server().await;
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(ok(json!({"access_token": jwt(1), "expires_in": expires_in})))
            .mount(&server)
            .await;
        mount_get_user(&server).await;

        let result = client(&server).get_user().user_id("u1").await;

        assert!(result.is_ok(), "expires_in {expires_in}: {result:?}");
    }
}

#[test]
fn a_token_request_stopped_with_its_runtime_is_made_again_by_the_next_one() {
    // One client used by two runtimes in turn, as a `static` client is by `#[tokio::test]`s.
    let setup = tokio::runtime::Runtime::new().unwrap();
    let server = setup.block_on(async {
        let server = own_server().await;
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(ok(json!({"access_token": jwt(1), "expires_in": 7200})).set_delay(Duration::from_millis(300)))
            .mount(&server)
            .await;
        mount_get_user(&server).await;
        server
    });
    let client = client(&server);
    let runtime = || tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();

    // The first runtime gives up on its call, then shuts down with the token request in flight.
    let first = runtime();
    let call = client.get_user().user_id("u1").into_future();
    let gave_up = first.block_on(async { tokio::time::timeout(Duration::from_millis(50), call).await });
    assert!(gave_up.is_err());
    drop(first);

    let result = runtime().block_on(client.get_user().user_id("u1").into_future());

    assert!(result.is_ok(), "{result:?}");
    drop(setup);
}

#[tokio::test]
async fn with_no_valid_token_a_failing_token_endpoint_is_not_asked_once_per_call() {
    let server = own_server().await;
    // A wrong or revoked key: every token request is refused.
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ok(json!({})).set_body_json(json!({"statusCode": 403, "message": "wrong key"})))
        .mount(&server)
        .await;
    let client = client(&server);

    for _ in 0..100 {
        let error = client.get_user().user_id("u1").await.unwrap_err();
        assert!(matches!(error, authing::Error::Api { status_code: 403, .. }), "{error:?}");
    }
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1, "the failure is given to calls for a while");

    // After a while, a call asks again.
    travel(Duration::from_secs(11)).await;
    client.get_user().user_id("u1").await.unwrap_err();
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 2);
}

#[tokio::test]
async fn a_short_operation_timeout_still_gets_a_token_from_a_slow_endpoint() {
    let server = slow_token_server(Duration::from_millis(600)).await;
    let client = builder(server.uri()).operation_timeout(Duration::from_millis(300)).build().unwrap();

    // The first calls run out of time; the token request goes on, bounded by `timeout`.
    let waiting = std::time::Instant::now();
    while client.get_user().user_id("u1").await.is_err() {
        assert!(waiting.elapsed() < Duration::from_secs(10), "no token was ever had");
    }
    assert_eq!(requests_to(&server, TOKEN_PATH).await.len(), 1);
}
