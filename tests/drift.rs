//! The drift suite: answers as Authing's servers really send them, which the
//! document does not describe, read through the public API. An untyped SDK
//! hands such data back; so must we, typed.

mod common;

use authing::types::{UserDto, UserDtoGender, UserDtoStatus, UserDtoUserSourceType};
use authing::{Error, types};
use common::{client, mount_tokens, ok, user};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A local Authing whose `get-user` answers `data`.
async fn server_answering_user(data: Value) -> MockServer {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("GET")).and(path("/api/v3/get-user")).respond_with(ok(data)).mount(&server).await;
    server
}

async fn get_user(data: Value) -> authing::Result<UserDto> {
    let server = server_answering_user(data).await;
    client(&server).get_user().user_id("u1").await
}

/// A user as `get-user` answers it, with `changes` merged in.
fn user_with(changes: Value) -> Value {
    let mut user = user("u1");
    for (key, value) in changes.as_object().unwrap() {
        user[key] = value.clone();
    }
    user
}

#[tokio::test]
async fn an_unknown_user_status_is_kept_and_visible() {
    // `Deleted`: listed by older Authing documentation, not by the document.
    let user = get_user(user_with(json!({"status": "Deleted"}))).await.unwrap();

    // Compared as the enum made from the string: still true once a version knows `Deleted`.
    assert_eq!(user.status, UserDtoStatus::from("Deleted"));
    assert!(matches!(&user.status, UserDtoStatus::Unknown(value) if value.as_str() == "Deleted"));
    assert!(user.status.is_unknown());
    assert_eq!(user.status.to_string(), "Deleted");
    assert_eq!(format!("{:?}", user.status), r#"Unknown("Deleted")"#);
}

#[tokio::test]
async fn known_values_are_still_their_variants() {
    let user = get_user(user_with(json!({"status": "Suspended", "gender": "F"}))).await.unwrap();

    assert_eq!(user.status, UserDtoStatus::Suspended);
    assert!(matches!(user.gender, UserDtoGender::F));
    assert!(!user.status.is_unknown());
}

#[tokio::test]
async fn an_unknown_gender_is_kept() {
    let user = get_user(user_with(json!({"gender": "W"}))).await.unwrap();

    assert_eq!(user.gender.as_str(), "W");
    assert!(user.gender.is_unknown());
}

#[tokio::test]
async fn both_spellings_of_the_user_source_type_are_read() {
    let sync = get_user(user_with(json!({"userSourceType": "sync"}))).await.unwrap();
    let sync_task = get_user(user_with(json!({"userSourceType": "syncTask"}))).await.unwrap();

    assert_eq!(sync.user_source_type, UserDtoUserSourceType::Sync);
    assert_eq!(sync_task.user_source_type, UserDtoUserSourceType::from("syncTask"));
    assert_eq!(sync_task.user_source_type.as_str(), "syncTask");
}

#[tokio::test]
async fn an_unknown_value_is_sent_back_as_it_came() {
    let user = get_user(user_with(json!({"status": "Deleted", "gender": "W"}))).await.unwrap();

    let written = serde_json::to_value(&user).unwrap();

    assert_eq!(written["status"], "Deleted");
    assert_eq!(written["gender"], "W");
    let parsed: UserDtoStatus = "Deleted".parse().unwrap();
    assert_eq!(parsed, user.status);
}

#[tokio::test]
async fn null_lists_read_as_empty() {
    let user =
        get_user(user_with(json!({"departmentIds": null, "identities": null, "postIdList": null}))).await.unwrap();

    assert!(user.department_ids.is_empty());
    assert!(user.identities.is_empty());
    assert!(user.post_id_list.is_empty());
}

#[tokio::test]
async fn null_optional_fields_read_as_absent() {
    // A new user, as Authing's own Node SDK tests show it.
    let user = get_user(user_with(json!({"lastLogin": null, "lastIp": null, "phone": null}))).await.unwrap();

    assert_eq!(user.last_login, None);
    assert_eq!(user.last_ip, None);
    assert_eq!(user.phone, None);
}

#[tokio::test]
async fn fields_the_document_lacks_are_ignored() {
    let user = get_user(user_with(json!({"aFieldFrom2026": {"nested": [1, 2]}, "anotherOne": "x"}))).await.unwrap();

    assert_eq!(user.user_id, "u1");
}

#[tokio::test]
async fn a_list_field_that_is_null_inside_a_list_answer_reads_as_empty() {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    let users = json!({"totalCount": 2, "list": [user_with(json!({"identities": null})), user("u2")]});
    Mock::given(method("POST")).and(path("/api/v3/list-users")).respond_with(ok(users)).mount(&server).await;

    let page = client(&server).list_users().body(types::ListUsersRequestDto::default()).await.unwrap();

    assert_eq!(page.list.len(), 2);
    assert!(page.list[0].identities.is_empty());
}

#[tokio::test]
async fn an_answer_that_does_not_fit_names_the_operation_and_path_and_keeps_the_whole_body() {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    let mut list: Vec<Value> = (0..6).map(|i| user(&format!("u{i}"))).collect();
    list[3]["status"] = json!(7);
    let padding = "x".repeat(4_000);
    let answer = json!({"statusCode": 200, "message": padding, "data": {"totalCount": 6, "list": list}});
    Mock::given(method("POST"))
        .and(path("/api/v3/list-users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
        .mount(&server)
        .await;

    let error = client(&server).list_users().body(types::ListUsersRequestDto::default()).await.unwrap_err();

    let Error::UnexpectedShape { operation, path, body, .. } = &error else {
        panic!("expected Error::UnexpectedShape, got {error:?}")
    };
    assert_eq!(operation, "listUsers");
    assert_eq!(path, "data.list[3].status");
    assert_eq!(body.json().unwrap(), answer);
    assert!(error.to_string().contains("listUsers") && error.to_string().contains("data.list[3].status"), "{error}");
}

#[tokio::test]
async fn the_untyped_call_returns_the_same_data_as_the_typed_one() {
    let data = user_with(json!({"status": "Deleted", "departmentIds": ["d1"]}));
    let server = server_answering_user(data.clone()).await;
    let client = client(&server);

    let typed = client.get_user().user_id("u1").await.unwrap();
    let untyped = client.get_user().user_id("u1").send_untyped().await.unwrap();

    assert_eq!(untyped, data);
    let typed_again: UserDto = serde_json::from_value(untyped).unwrap();
    assert_eq!(serde_json::to_value(typed_again).unwrap(), serde_json::to_value(typed).unwrap());
}

#[tokio::test]
async fn the_untyped_call_reads_what_the_typed_one_cannot() {
    let server = server_answering_user(user_with(json!({"userId": 42}))).await;
    let client = client(&server);

    let typed = client.get_user().user_id("u1").await;
    let untyped = client.get_user().user_id("u1").send_untyped().await.unwrap();

    assert!(matches!(typed, Err(Error::UnexpectedShape { .. })), "{typed:?}");
    assert_eq!(untyped["userId"], 42);
}

#[tokio::test]
async fn the_untyped_call_sends_the_same_request_with_the_token() {
    let server = server_answering_user(user("u1")).await;

    client(&server).get_user().user_id("u1").with_custom_data(true).send_untyped().await.unwrap();

    let requests = common::requests_to(&server, "/api/v3/get-user").await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.query(), Some("userId=u1&withCustomData=true"));
    assert!(common::bearer(&requests[0]).starts_with("Bearer "));
}

#[tokio::test]
async fn the_untyped_call_reports_failures_as_the_typed_one_does() {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    let failure = json!({"statusCode": 404, "message": "user not found", "apiCode": 2004});
    Mock::given(method("GET"))
        .and(path("/api/v3/get-user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(failure))
        .mount(&server)
        .await;

    let error = client(&server).get_user().user_id("u1").send_untyped().await.unwrap_err();
    let missing = client(&server).get_user().send_untyped().await.unwrap_err();

    assert!(matches!(error, Error::Api { status_code: 404, api_code: Some(2004), .. }), "{error:?}");
    assert!(matches!(missing, Error::InvalidRequest(_)), "{missing:?}");
}
