//! The public surface as a user's code meets it: calls and streams that own
//! what they need, and one error type for every way of sending.

mod common;

use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// Every user of the pool: a stream that outlives the borrow of the client it was made from.
#[cfg(feature = "mock")]
fn everyone(client: &authing::ManagementClient) -> authing::Items<authing::types::UserDto> {
    use authing::Paginated as _;

    client.list_users().items()
}

// It uses the crate's mock: `cargo xtask test` turns the feature on.
#[cfg(feature = "mock")]
#[tokio::test]
async fn a_call_can_be_spawned_and_a_stream_returned_from_a_function() {
    use authing::mock::{MockAuthing, sample};
    use futures::TryStreamExt as _;

    let mock = MockAuthing::start().await;
    let user = |id: &str| sample::<authing::types::UserDto>(json!({"userId": id}));
    mock.on(mock.client().get_user().user_id("u1")).data(user("u1"));
    mock.on(mock.client().list_users()).list([user("a"), user("b")]);
    let client = mock.client();

    let spawned = tokio::spawn(client.get_user().user_id("u1").send());
    let users = everyone(&client);
    drop(client);

    assert_eq!(spawned.await.unwrap().unwrap().user_id, "u1");
    let ids: Vec<String> = users.map_ok(|user| user.user_id).try_collect().await.unwrap();
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

#[tokio::test]
async fn body_setters_take_plain_values_and_a_body_missing_required_fields_names_every_one() {
    let server = own_server().await;
    let client = builder(server.uri()).build().unwrap();

    let error = client
        .create_department()
        .body_map(|department| department.name("Sales").description("the sales team").post_id_list(["p1", "p2"]))
        .await
        .unwrap_err();

    let authing::Error::InvalidRequest(why) = &error else { panic!("{error:?}") };
    assert!(why.starts_with("createDepartment: CreateDepartmentReqDto: "), "{why}");
    for field in ["metadata", "organization_code", "parent_department_id"] {
        assert!(why.contains(&format!("{field} (required) is not set")), "{field}: {why}");
    }
    assert!(!why.contains("name (required)"), "{why}");
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing is sent");
}

#[tokio::test]
async fn a_body_made_with_plain_values_is_sent_as_the_document_says() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("POST"))
        .and(path("/api/v3/add-group-members"))
        .and(wiremock::matchers::body_json(json!({"code": "admins", "userIds": ["a", "b"]})))
        .respond_with(ok(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(server.uri()).build().unwrap();

    let ids = vec!["a", "b"];
    client.add_group_members().body_map(|body| body.code("admins").user_ids(ids)).await.unwrap();
}

#[tokio::test]
async fn an_enum_value_it_does_not_take_is_named_with_the_values_it_takes() {
    let server = own_server().await;
    let client = builder(server.uri()).build().unwrap();

    let error = client.get_user().user_id("u1").user_id_type("Email").await.unwrap_err();

    let authing::Error::InvalidRequest(why) = &error else { panic!("{error:?}") };
    assert!(why.starts_with("getUser: "), "{why}");
    assert!(why.contains(r#""Email" is not a value of UserIdType"#), "{why}");
    assert!(why.contains(r#""email""#) && why.contains(r#""user_id""#), "{why}");
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing is sent");
}

#[tokio::test]
async fn a_request_missing_required_parameters_names_every_one() {
    let server = own_server().await;
    let client = builder(server.uri()).build().unwrap();

    let error = client.search_department_members().await.unwrap_err();

    let authing::Error::InvalidRequest(why) = &error else { panic!("{error:?}") };
    assert!(why.starts_with("searchDepartmentMembers: "), "{why}");
    for parameter in ["department_id", "keywords", "organization_code"] {
        assert!(why.contains(&format!("{parameter} was not initialized")), "{parameter}: {why}");
    }
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing is sent");
}
