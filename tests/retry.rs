//! Requests that failed without being processed are sent again; others are not.

mod common;

use std::time::Duration;

use authing::{Error, RetryPolicy};
use common::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server whose `get-user` answers `status` `failures` times, then succeeds.
async fn failing_then_ok(status: u16, failures: u64) -> MockServer {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .respond_with(ResponseTemplate::new(status).insert_header("retry-after", "0"))
        .up_to_n_times(failures)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/api/v3/get-user")).respond_with(ok(user("u1"))).mount(&server).await;
    server
}

#[tokio::test]
async fn a_503_is_sent_again_and_succeeds() {
    let server = failing_then_ok(503, 2).await;

    let user = client(&server).get_user().user_id("u1").await.unwrap();

    assert_eq!(user.user_id, "u1");
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 3);
}

#[tokio::test]
async fn throttling_past_the_last_attempt_is_returned() {
    let server = failing_then_ok(429, 10).await;

    let error = client(&server).get_user().user_id("u1").await.unwrap_err();

    assert!(matches!(error, Error::UnexpectedStatus { http_status: 429, .. }), "{error:?}");
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 3);
}

#[tokio::test]
async fn a_500_is_not_sent_again() {
    let server = failing_then_ok(500, 1).await;

    let error = client(&server).get_user().user_id("u1").await.unwrap_err();

    assert!(matches!(error, Error::UnexpectedStatus { http_status: 500, .. }), "{error:?}");
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 1);
}

#[tokio::test]
async fn retrying_can_be_turned_off() {
    let server = failing_then_ok(503, 1).await;
    let policy = RetryPolicy { max_attempts: 1, ..RetryPolicy::default() };
    let client = builder(server.uri()).retry(policy).build().unwrap();

    let error = client.get_user().user_id("u1").await.unwrap_err();

    assert!(matches!(error, Error::UnexpectedStatus { http_status: 503, .. }), "{error:?}");
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 1);
}

#[tokio::test]
async fn a_retried_post_sends_the_same_body() {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("POST"))
        .and(path("/api/v3/remove-post"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v3/remove-post"))
        .respond_with(ok(serde_json::Value::Null))
        .mount(&server)
        .await;
    let policy = RetryPolicy { initial_backoff: Duration::from_millis(1), ..RetryPolicy::default() };
    let client = builder(server.uri()).retry(policy).build().unwrap();

    client.remove_post().body_map(|b| b.code("p1")).await.unwrap();

    let bodies: Vec<serde_json::Value> =
        requests_to(&server, "/api/v3/remove-post").await.iter().map(|r| r.body_json().unwrap()).collect();
    assert_eq!(bodies, vec![serde_json::json!({"code": "p1"}); 2]);
}
