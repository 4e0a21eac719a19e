//! Each kind of answer becomes the right `Result`: the typed `data`, or the
//! `Error` variant that says what went wrong.

mod common;

use authing::Error;
use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The error of `get_user` when the server answers it with `response`.
async fn get_user_answered_with(response: ResponseTemplate) -> Result<authing::types::UserDto, Error> {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET")).and(path("/api/v3/get-user")).respond_with(response).mount(&server).await;
    client(&server).get_user().user_id("u1").await
}

#[tokio::test]
async fn a_success_envelope_gives_the_typed_data() {
    let user = get_user_answered_with(ok(user("u1"))).await.unwrap();
    assert_eq!(user.user_id, "u1");
    assert_eq!(user.username.as_deref(), Some("alice"));
    assert_eq!(user.status, authing::types::UserDtoStatus::Activated);
}

#[tokio::test]
async fn a_failure_envelope_under_http_200_is_an_api_error() {
    let error = get_user_answered_with(ResponseTemplate::new(200).set_body_json(json!({
        "statusCode": 403, "apiCode": 2004, "message": "no permission", "requestId": "r-1"
    })))
    .await
    .unwrap_err();

    match error {
        Error::Api { status_code, api_code, message, request_id, .. } => {
            assert_eq!((status_code, api_code), (403, Some(2004)));
            assert_eq!(message, "no permission");
            assert_eq!(request_id.as_deref(), Some("r-1"));
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn a_failure_envelope_under_http_400_is_an_api_error() {
    let error = get_user_answered_with(
        ResponseTemplate::new(400).set_body_json(json!({"statusCode": 400, "apiCode": 1001, "message": "bad userId"})),
    )
    .await
    .unwrap_err();

    assert!(matches!(error, Error::Api { status_code: 400, api_code: Some(1001), .. }), "{error:?}");
}

#[tokio::test]
async fn an_html_error_page_is_an_unexpected_status_with_its_body() {
    let error = get_user_answered_with(
        ResponseTemplate::new(500).set_body_raw("<html><body>502 Bad Gateway</body></html>", "text/html"),
    )
    .await
    .unwrap_err();

    match &error {
        Error::UnexpectedStatus { http_status, body, .. } => {
            assert_eq!(*http_status, 500);
            assert!(body.text().starts_with("<html><body>502 Bad Gateway"), "{body}");
        }
        other => panic!("expected Error::UnexpectedStatus, got {other:?}"),
    }
    assert!(error.to_string().starts_with("HTTP 500 without an Authing envelope"), "{error}");
}

#[tokio::test]
async fn truncated_json_is_invalid_json() {
    let error = get_user_answered_with(
        ResponseTemplate::new(200)
            .set_body_raw(r#"{"statusCode": 200, "message": "", "data": {"userId": "u1", "#, "application/json"),
    )
    .await
    .unwrap_err();

    assert!(matches!(&error, Error::InvalidJson { http_status: 200, .. }), "{error:?}");
}

#[tokio::test]
async fn an_empty_body_is_invalid_json() {
    let error = get_user_answered_with(ResponseTemplate::new(200)).await.unwrap_err();

    assert!(matches!(&error, Error::InvalidJson { http_status: 200, .. }), "{error:?}");
}

#[tokio::test]
async fn json_of_another_shape_is_an_unexpected_shape_error() {
    let error = get_user_answered_with(ok(json!({"userId": 42}))).await.unwrap_err();

    match &error {
        Error::UnexpectedShape { operation, http_status, path, body, .. } => {
            assert_eq!(operation, "getUser");
            assert_eq!(*http_status, 200);
            assert_eq!(path, "data.userId");
            assert!(body.text().contains(r#""userId":42"#), "{body}");
        }
        other => panic!("expected Error::UnexpectedShape, got {other:?}"),
    }
}

#[tokio::test]
async fn a_body_is_never_shown_by_the_error_and_kept_whole_in_it() {
    // What this API's answers hold: users' emails, phones, names.
    let page = format!("<html>alice@example.com +8613800000000 {}</html>", "x".repeat(10_000));
    let error =
        get_user_answered_with(ResponseTemplate::new(502).set_body_raw(page.clone(), "text/html")).await.unwrap_err();

    for shown in [error.to_string(), format!("{error:?}"), format!("{error:#?}")] {
        assert!(!shown.contains("alice") && !shown.contains("138000"), "{shown}");
        assert!(shown.len() < 300, "{}", shown.len());
    }
    assert_eq!(error.http_status(), Some(502));
    assert!(error.is_retryable());
    assert_eq!(error.body().unwrap().as_bytes(), page.as_bytes());
}

#[tokio::test]
async fn an_answer_that_does_not_fit_is_explained_without_the_value_it_holds() {
    let mut data = user("u1");
    data["loginsCount"] = json!("alice@example.com");
    let error = get_user_answered_with(ok(data)).await.unwrap_err();

    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains("alice"), "{shown}");
        assert!(shown.contains("data.loginsCount") && shown.contains("invalid type: string"), "{shown}");
    }
    assert!(error.body().unwrap().text().contains("alice@example.com"), "the body keeps it");
}

/// A server whose `get_user` answers after 5 s: every call to it times out.
async fn slow_server() -> MockServer {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .respond_with(ok(user("u1")).set_delay(std::time::Duration::from_secs(5)))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_request_that_timed_out_is_shown_without_its_query() {
    let server = slow_server().await;
    let client = builder(server.uri()).timeout(std::time::Duration::from_millis(200)).build().unwrap();

    let error = client.get_user().user_id("alice@example.com").user_id_type("email").await.unwrap_err();

    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    for shown in [error.to_string(), format!("{error:?}"), format!("{:?}", std::error::Error::source(&error))] {
        assert!(!shown.contains("alice"), "{shown}");
    }
    assert!(format!("{error:?}").contains("/api/v3/get-user"), "where it went is still said: {error:?}");
}

#[tokio::test]
async fn the_accessors_read_the_envelopes_codes_and_say_whether_a_retry_could_help() {
    let refused = json!({"statusCode": 403, "message": "no", "apiCode": 2004, "requestId": "r9"});
    let error = get_user_answered_with(ResponseTemplate::new(200).set_body_json(refused)).await.unwrap_err();
    assert_eq!((error.status_code(), error.api_code(), error.request_id()), (Some(403), Some(2004), Some("r9")));
    assert!(!error.is_retryable());
    assert_eq!(error.body().map(|b| b.as_bytes().len()), None);

    let busy = json!({"statusCode": 503, "message": "busy"});
    let error = get_user_answered_with(ResponseTemplate::new(200).set_body_json(busy)).await.unwrap_err();
    assert!(error.is_retryable(), "{error}");

    let shape = get_user_answered_with(ok(json!({"userId": 42}))).await.unwrap_err();
    assert!(!shape.is_retryable());
    assert_eq!(shape.http_status(), Some(200));
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_a_timeout() {
    let server = slow_server().await;
    let client = builder(server.uri()).timeout(std::time::Duration::from_millis(200)).build().unwrap();

    let error = client.get_user().user_id("u1").await.unwrap_err();

    assert!(matches!(error, Error::Timeout { limit: authing::TimeLimit::Request(_), .. }), "{error:?}");
}

#[tokio::test]
async fn the_timeout_applies_to_the_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ok(json!({"access_token": jwt(1), "expires_in": 7200})).set_delay(std::time::Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = builder(server.uri()).timeout(std::time::Duration::from_millis(200)).build().unwrap();

    let error = client.get_user().user_id("u1").await.unwrap_err();

    assert!(matches!(error, Error::Timeout { limit: authing::TimeLimit::Request(_), .. }), "{error:?}");
}

#[tokio::test]
async fn an_unreachable_host_is_a_transport_error() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = builder(format!("http://127.0.0.1:{port}")).build().unwrap();

    let error = client.get_user().user_id("u1").await.unwrap_err();

    assert!(matches!(error, Error::Transport(_)), "{error:?}");
}

#[tokio::test]
async fn a_missing_required_parameter_is_an_invalid_request_and_sends_nothing() {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;

    let error = client(&server).get_user().await.unwrap_err();

    assert!(matches!(&error, Error::InvalidRequest(why) if why.contains("user_id")), "{error:?}");
    assert!(requests_to(&server, "/api/v3/get-user").await.is_empty());
}

#[tokio::test]
async fn an_envelope_without_data_is_returned_whole() {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("POST"))
        .and(path("/api/v3/remove-post"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"statusCode": 200, "message": "done"})))
        .mount(&server)
        .await;

    let envelope: authing::types::CommonResponseDto =
        client(&server).remove_post().body_map(|b| b.code("p1")).await.unwrap();

    assert_eq!((envelope.status_code, envelope.message.as_str()), (200, "done"));
}

#[tokio::test]
async fn the_raw_escape_hatch_handles_token_headers_and_envelope() {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("POST"))
        .and(path("/api/v3/not-in-the-document"))
        .respond_with(ok(json!({"answer": 42})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/failing"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"statusCode": 404, "message": "nope"})))
        .mount(&server)
        .await;
    let client = client(&server);

    let data = client.raw(reqwest::Method::POST, "/api/v3/not-in-the-document").body(&json!({"q": 1})).await.unwrap();
    let error = client.raw(reqwest::Method::GET, "api/v3/failing").query(&[("a", "b")]).await.unwrap_err();

    assert_eq!(data, json!({"answer": 42}));
    assert!(matches!(error, Error::Api { status_code: 404, .. }), "{error:?}");
    let request = &requests_to(&server, "/api/v3/not-in-the-document").await[0];
    assert_eq!(bearer(request), format!("Bearer {}", jwt(1)));
    assert_eq!(request.headers.get("x-authing-userpool-id").unwrap(), USERPOOL_ID);
    assert_eq!(request.body_json::<serde_json::Value>().unwrap(), json!({"q": 1}));
}

#[tokio::test]
async fn send_and_await_give_the_same_typed_data_and_the_same_errors() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET")).and(path("/api/v3/get-user")).respond_with(ok(user("u1"))).mount(&server).await;
    let client = builder(server.uri()).build().unwrap();

    // `?` turns both into this crate's error: no other error type to convert.
    async fn both(
        client: &authing::ManagementClient,
    ) -> authing::Result<(authing::types::UserDto, authing::types::UserDto)> {
        Ok((client.get_user().user_id("u1").send().await?, client.get_user().user_id("u1").await?))
    }
    let (sent, awaited) = both(&client).await.unwrap();
    assert_eq!(sent.user_id, "u1");
    assert_eq!(awaited.user_id, "u1");

    // A missing required parameter: the same error, naming the operation, before anything is sent.
    let sent = client.get_user().send().await.unwrap_err();
    let awaited = client.get_user().await.unwrap_err();
    assert!(matches!(&sent, Error::InvalidRequest(why) if why.starts_with("getUser: ")), "{sent}");
    assert_eq!(sent.to_string(), awaited.to_string());
}

#[tokio::test]
async fn send_reports_a_request_that_timed_out_as_the_calls_timeout() {
    let server = slow_server().await;
    let client = builder(server.uri()).operation_timeout(std::time::Duration::from_millis(300)).build().unwrap();

    let sent = client.get_user().user_id("u1").send().await;

    assert!(matches!(sent, Err(Error::Timeout { .. })), "{sent:?}");
}

#[tokio::test]
async fn send_with_response_gives_the_status_headers_and_whole_envelope() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    let answer = json!({"statusCode": 200, "message": "", "apiCode": 1234, "requestId": "r1", "data": user("u1")});
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .and(wiremock::matchers::query_param("userId", "u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer).insert_header("x-request-id", "r1"))
        .mount(&server)
        .await;
    let failure = json!({"statusCode": 404, "message": "no such user", "apiCode": 2004, "requestId": "r2"});
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .and(wiremock::matchers::query_param("userId", "u2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(failure))
        .mount(&server)
        .await;
    let client = builder(server.uri()).build().unwrap();

    let response = client.get_user().user_id("u1").send_with_response().await.unwrap();

    assert_eq!(response.status, 200);
    assert_eq!(response.headers["x-request-id"], "r1");
    assert_eq!(response.envelope.api_code, Some(1234));
    assert_eq!(response.envelope.request_id.as_deref(), Some("r1"));
    assert_eq!(response.envelope.data.user_id, "u1");
    // A refusal is the error it says, with `data` (as Authing sometimes sends) or without.
    let error = client.get_user().user_id("u2").send_with_response().await.unwrap_err();
    assert!(matches!(error, Error::Api { status_code: 404, api_code: Some(2004), .. }), "{error:?}");
    let refused = json!({"statusCode": 403, "message": "forbidden", "apiCode": 2001, "data": user("u3")});
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .and(wiremock::matchers::query_param("userId", "u3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(refused))
        .mount(&server)
        .await;
    let error = client.get_user().user_id("u3").send_with_response().await.unwrap_err();
    assert!(matches!(error, Error::Api { status_code: 403, api_code: Some(2001), .. }), "{error:?}");
}
