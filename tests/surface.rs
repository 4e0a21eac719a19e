//! The public surface as a user's code meets it: calls and streams that own
//! what they need, and one error type for every way of sending.

mod common;

use authing::{Items, ManagementClient, Paginated as _};
use common::*;
use futures::TryStreamExt as _;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// Every user of the pool: a stream that outlives the borrow of the client it was made from.
fn everyone(client: &ManagementClient) -> Items<authing::types::UserDto> {
    client.list_users().items()
}

#[tokio::test]
async fn a_call_can_be_spawned_and_a_stream_returned_from_a_function() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET")).and(path("/api/v3/get-user")).respond_with(ok(user("u1"))).mount(&server).await;
    let page = json!({"list": [user("a"), user("b")], "totalCount": 2});
    Mock::given(method("POST")).and(path("/api/v3/list-users")).respond_with(ok(page)).mount(&server).await;
    let client = builder(server.uri()).build().unwrap();

    let spawned = tokio::spawn(client.get_user().user_id("u1").send());
    let mut users = everyone(&client);
    drop(client);

    assert_eq!(spawned.await.unwrap().unwrap().user_id, "u1");
    let mut ids = Vec::new();
    while let Some(user) = users.try_next().await.unwrap() {
        ids.push(user.user_id);
    }
    assert_eq!(ids, ["a", "b"]);
}

#[tokio::test]
async fn an_untyped_call_and_a_raw_one_take_the_same_words() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET")).and(path("/api/v3/get-user")).respond_with(ok(user("u1"))).mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/v3/not-in-the-document"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"statusCode": 200, "message": "", "data": {"n": 1}})),
        )
        .mount(&server)
        .await;
    let client = builder(server.uri()).build().unwrap();

    let untyped = client.get_user().user_id("u1").send_untyped().await.unwrap();
    #[derive(serde::Deserialize)]
    struct N {
        n: i64,
    }
    let typed: N =
        client.raw(reqwest::Method::POST, "/api/v3/not-in-the-document").body(&json!({})).send().await.unwrap();
    let raw = client.raw(reqwest::Method::POST, "/api/v3/not-in-the-document").send_untyped().await.unwrap();

    assert_eq!(untyped["userId"], "u1");
    assert_eq!(typed.n, 1);
    assert_eq!(raw, json!({"n": 1}));
}
