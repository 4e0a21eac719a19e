//! Requests that failed without being processed are sent again; others are not.

mod common;

use std::time::Duration;

use authing::{Error, RetryPolicy};
use common::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server whose `get-user` answers `status` `failures` times, then succeeds.
async fn failing_then_ok(status: u16, failures: u64) -> MockServer {
    let server = own_server().await;
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
async fn throttling_is_waited_out_past_the_attempt_count() {
    let server = failing_then_ok(429, 10).await;

    let user = client(&server).get_user().user_id("u1").await.unwrap();

    assert_eq!(user.user_id, "u1");
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 11);
}

#[tokio::test]
async fn throttling_is_returned_when_retrying_is_off() {
    let server = failing_then_ok(429, 10).await;
    let client = builder(server.uri()).retry(RetryPolicy::default().with_max_attempts(1)).build().unwrap();

    let error = client.get_user().user_id("u1").await.unwrap_err();

    assert!(matches!(error, Error::UnexpectedStatus { http_status: 429, .. }), "{error:?}");
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 1);
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
    let client = builder(server.uri()).retry(RetryPolicy::default().with_max_attempts(1)).build().unwrap();

    let error = client.get_user().user_id("u1").await.unwrap_err();

    assert!(matches!(error, Error::UnexpectedStatus { http_status: 503, .. }), "{error:?}");
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 1);
}

/// A server whose `POST on` answers `status` once, then an envelope.
async fn post_failing_once(on: &str, failure: ResponseTemplate) -> MockServer {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("POST")).and(path(on)).respond_with(failure).up_to_n_times(1).mount(&server).await;
    Mock::given(method("POST"))
        .and(path(on))
        .respond_with(ok(serde_json::json!({"id": "r1", "code": "admin", "name": "admin", "description": "",
                                "namespace": "default", "namespaceName": "默认"})))
        .mount(&server)
        .await;
    server
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default().with_initial_backoff(Duration::from_millis(1))
}

#[tokio::test]
async fn a_write_answered_503_is_sent_once() {
    // A 503 does not prove the role was not created: a proxy may answer it after forwarding.
    let server = post_failing_once("/api/v3/create-role", ResponseTemplate::new(503)).await;
    let client = builder(server.uri()).retry(quick_retries()).build().unwrap();

    let error = client.create_role().body_map(|b| b.code("admin")).await.unwrap_err();

    assert!(matches!(error, Error::UnexpectedStatus { http_status: 503, .. }), "{error:?}");
    assert_eq!(requests_to(&server, "/api/v3/create-role").await.len(), 1);
}

#[tokio::test]
async fn a_write_answered_503_is_sent_again_when_the_policy_says_writes_may_be() {
    let server = post_failing_once("/api/v3/create-role", ResponseTemplate::new(503)).await;
    let client = builder(server.uri()).retry(quick_retries().with_retry_writes(true)).build().unwrap();

    client.create_role().body_map(|b| b.code("admin")).await.unwrap();

    assert_eq!(requests_to(&server, "/api/v3/create-role").await.len(), 2);
}

#[tokio::test]
async fn a_post_that_only_reads_answered_503_is_sent_again() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    let on = "/api/v3/is-user-exists";
    Mock::given(method("POST"))
        .and(path(on))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(on))
        .respond_with(ok(serde_json::json!({"exists": true})))
        .mount(&server)
        .await;
    let client = builder(server.uri()).retry(quick_retries()).build().unwrap();

    let answer = client.is_user_exists().body_map(|b| b.username("alice")).await.unwrap();

    assert!(answer.exists);
    assert_eq!(requests_to(&server, on).await.len(), 2);
}

#[tokio::test]
async fn a_throttled_write_is_sent_again_with_the_same_body() {
    // A 429 refuses the request unprocessed: safe to send again, even a write.
    let server = post_failing_once("/api/v3/create-role", ResponseTemplate::new(429)).await;
    let client = builder(server.uri()).retry(quick_retries()).build().unwrap();

    client.create_role().body_map(|b| b.code("admin")).await.unwrap();

    let bodies: Vec<serde_json::Value> =
        requests_to(&server, "/api/v3/create-role").await.iter().map(|r| r.body_json().unwrap()).collect();
    assert_eq!(bodies, vec![serde_json::json!({"code": "admin"}); 2]);
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_ends_the_retries_with_the_delay() {
    let server = failing_then_ok(429, 10).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .with_priority(1)
        .mount(&server)
        .await;

    let error = client(&server).get_user().user_id("u1").await.unwrap_err();

    let Error::RetryAfter { http_status: 429, retry_after, .. } = error else { panic!("{error:?}") };
    assert_eq!(retry_after, Duration::from_secs(3600));
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 1, "no wait of an hour, no second send");
}

#[tokio::test]
async fn a_retry_after_on_the_last_answer_is_given_to_the_caller() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
        .mount(&server)
        .await;
    let client = builder(server.uri()).retry(RetryPolicy::default().with_max_attempts(1)).build().unwrap();

    let error = client.get_user().user_id("u1").await.unwrap_err();

    assert!(
        matches!(error, Error::RetryAfter { http_status: 429, retry_after, .. } if retry_after == Duration::from_secs(2))
    );
}

#[tokio::test]
async fn a_retry_after_given_as_a_date_is_a_wait_until_then() {
    let server = failing_then_ok(503, 10).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "Wed, 21 Oct 2099 07:28:00 GMT"))
        .with_priority(1)
        .mount(&server)
        .await;

    let error = client(&server).get_user().user_id("u1").await.unwrap_err();

    let Error::RetryAfter { retry_after, .. } = error else { panic!("{error:?}") };
    assert!(retry_after > Duration::from_secs(60 * 60 * 24 * 365), "{retry_after:?}");
    assert_eq!(requests_to(&server, "/api/v3/get-user").await.len(), 1);
}
