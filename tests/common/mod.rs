//! A local Authing: a wiremock server on 127.0.0.1 that hands out tokens and
//! answers envelopes, and a client pointed at it.

#![allow(dead_code)] // each test file uses its own part of it

use authing::ManagementClient;
use base64::Engine as _;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const ACCESS_KEY_ID: &str = "test-key-id";
pub const ACCESS_KEY_SECRET: &str = "test-key-secret";
pub const USERPOOL_ID: &str = "pool-1234";
pub const TOKEN_PATH: &str = "/api/v3/get-management-token";

/// A JWT (unsigned: the client does not verify it) scoped to `USERPOOL_ID`;
/// `n` tells tokens apart.
pub fn jwt(n: usize) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = engine.encode(json!({"scoped_userpool_id": USERPOOL_ID, "n": n}).to_string());
    format!("{header}.{claims}.signature")
}

/// An envelope answering `data`.
pub fn ok(data: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"statusCode": 200, "message": "", "data": data}))
}

/// The token endpoint, handing out `jwt(1)`, `jwt(2)`, ... valid for `expires_in` seconds.
pub async fn mount_tokens(server: &MockServer, expires_in: u64) {
    let issued = std::sync::atomic::AtomicUsize::new(0);
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(move |_: &Request| {
            let n = issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            ok(json!({"access_token": jwt(n), "expires_in": expires_in}))
        })
        .mount(server)
        .await;
}

/// A server of its own: not one of wiremock's pool, which a later test may
/// get while requests a walk sent ahead and dropped are still arriving.
pub async fn own_server() -> MockServer {
    MockServer::builder().start().await
}

/// Moves tokio's clock `by` ahead at once, as if that much time had passed
/// (a token's life, a consumer busy elsewhere); the local servers keep real
/// time. The test's runtime must be the current-thread one.
pub async fn travel(by: std::time::Duration) {
    tokio::time::pause();
    tokio::time::advance(by).await;
    tokio::time::resume();
}

/// The token endpoint, handing out `jwt(1)` valid for `expires_in` seconds
/// once, then answering every later token request with `later`.
pub async fn mount_one_token_then(server: &MockServer, expires_in: u64, later: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ok(json!({"access_token": jwt(1), "expires_in": expires_in})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST")).and(path(TOKEN_PATH)).respond_with(later).mount(server).await;
}

/// A client builder for `host` with the test credentials.
pub fn builder(host: impl Into<String>) -> authing::ManagementClientBuilder {
    ManagementClient::builder().access_key_id(ACCESS_KEY_ID).access_key_secret(ACCESS_KEY_SECRET).host(host)
}

/// A client of `server` with the test credentials.
pub fn client(server: &MockServer) -> ManagementClient {
    builder(server.uri()).build().expect("a valid configuration")
}

/// The requests `server` received on `path`.
pub async fn requests_to(server: &MockServer, on: &str) -> Vec<Request> {
    let all = server.received_requests().await.expect("request recording is on");
    all.into_iter().filter(|r| r.url.path() == on).collect()
}

/// The `authorization` header of a request.
pub fn bearer(request: &Request) -> String {
    request.headers.get("authorization").expect("an authorization header").to_str().unwrap().to_string()
}

/// A user as `get-user` answers it, with its required fields.
pub fn user(user_id: &str) -> Value {
    json!({
        "userId": user_id, "createdAt": "2022-01-01T00:00:00Z", "updatedAt": "2022-01-01T00:00:00Z",
        "status": "Activated", "workStatus": "Active", "gender": "U", "emailVerified": false,
        "phoneVerified": false, "userSourceType": "adminCreated", "username": "alice"
    })
}
