//! TLS through the crate's own rustls configuration, with the cryptography
//! its features choose (`aws-lc-rs` by default; `cargo xtask test` runs this
//! file with `ring` alone too), which a server taking only post-quantum key
//! exchange tells apart: a self-signed certificate is refused, and
//! accepted only with `use_unverified_ssl(true)`, the handshake still
//! checked with the provider's algorithms. Against a TLS server on
//! 127.0.0.1 in the test's own runtime.

mod common;
#[path = "faults/server.rs"]
#[allow(dead_code)] // the fault suite uses the rest of it
mod server;

use std::time::Duration;

use authing::Error;
use common::{TOKEN_PATH, builder, jwt, user};
use serde_json::json;
use server::{FaultyServer, Received, Reply};

fn answer(request: &Received, n: usize) -> Reply {
    let data = match request.path.as_str() {
        TOKEN_PATH => json!({"access_token": jwt(n), "expires_in": 7200}),
        _ => user("u1"),
    };
    Reply::Bytes(server::json(200, &json!({"statusCode": 200, "message": "", "data": data})))
}

async fn tls_server() -> FaultyServer {
    FaultyServer::start_tls(answer).await
}

#[tokio::test]
async fn the_cryptography_is_the_one_the_features_choose() {
    // A server that takes only post-quantum key exchange: aws-lc-rs offers it, ring has none.
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    provider.kx_groups = vec![rustls::crypto::aws_lc_rs::kx_group::X25519MLKEM768];
    let server = FaultyServer::start_tls_with(provider, answer).await;
    let client = builder(&server.uri).timeout(Duration::from_secs(5)).use_unverified_ssl(true).build().unwrap();
    let result = client.get_user().user_id("u1").await;
    if cfg!(feature = "aws-lc-rs") {
        assert_eq!(result.unwrap().user_id, "u1");
    } else {
        assert!(matches!(result, Err(Error::Transport(_))), "ring negotiated post-quantum key exchange: {result:?}");
    }
}

#[tokio::test]
async fn a_self_signed_certificate_is_refused_before_anything_is_sent() {
    let server = tls_server().await;
    let client = builder(&server.uri).timeout(Duration::from_secs(5)).build().unwrap();
    let result = client.get_user().user_id("u1").await;
    assert!(matches!(result, Err(Error::Transport(_))), "{result:?}");
    assert!(server.connections_accepted() >= 1, "the client never tried");
    assert!(server.received().is_empty(), "a request crossed an unverified connection");
}

#[tokio::test]
async fn an_unverified_certificate_is_accepted_when_asked_and_the_call_goes_through() {
    let server = tls_server().await;
    let client = builder(&server.uri).timeout(Duration::from_secs(5)).use_unverified_ssl(true).build().unwrap();
    let user = client.get_user().user_id("u1").await.unwrap();
    assert_eq!(user.user_id, "u1");
    let paths: Vec<String> = server.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, [TOKEN_PATH, "/api/v3/get-user"]);
}
