//! The requests the seed SDK's quick-start calls put on the wire: method,
//! path, query, JSON body and headers, as the official Python SDK sends them
//! (plus `x-authing-sdk-version` naming this crate, and lowercase booleans).

mod common;

use authing::types;
use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request};

async fn server_answering(data: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    Mock::given(method("POST"))
        .and(path("/api/v3/list-users"))
        .respond_with(ok(json!({"totalCount": 0, "list": []})))
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/api/v3/create-role")).respond_with(ok(data.clone())).mount(&server).await;
    Mock::given(method("GET")).and(path("/api/v3/get-user")).respond_with(ok(data)).mount(&server).await;
    server
}

/// The one request `server` got on `on`, besides the token request.
async fn only_request(server: &MockServer, on: &str) -> Request {
    let mut requests = requests_to(server, on).await;
    assert_eq!(requests.len(), 1, "requests to {on}");
    requests.remove(0)
}

fn assert_authing_headers(request: &Request) {
    let header = |name: &str| request.headers.get(name).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(header("authorization"), Some(format!("Bearer {}", jwt(1))));
    assert_eq!(header("x-authing-lang").as_deref(), Some("zh-CN"));
    assert_eq!(header("x-authing-userpool-id").as_deref(), Some(USERPOOL_ID));
    assert_eq!(header("x-authing-sdk-version"), Some(format!("authing-rust-sdk:{}", env!("CARGO_PKG_VERSION"))));
    assert_eq!(header("api-version"), None, "progenitor's own header is not sent");
}

#[tokio::test]
async fn list_users_posts_the_pagination_options() {
    let server = server_answering(json!({})).await;

    let page = client(&server)
        .list_users()
        .body_map(|body| {
            body.options(
                types::ListUsersOptionsDto::builder().pagination(types::PaginationDto::builder().page(1).limit(10)),
            )
        })
        .await
        .unwrap();

    assert_eq!(page.total_count, 0);
    let request = only_request(&server, "/api/v3/list-users").await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.query(), None);
    assert_eq!(request.headers.get("content-type").unwrap(), "application/json");
    assert_eq!(
        request.body_json::<serde_json::Value>().unwrap(),
        json!({"options": {"pagination": {"page": 1, "limit": 10}}})
    );
    assert_authing_headers(&request);
}

#[tokio::test]
async fn create_role_posts_only_the_fields_given() {
    let role = json!({"id": "r1", "code": "role1", "name": "role1", "description": "desc",
                      "namespace": "default", "namespaceName": "默认"});
    let server = server_answering(role).await;

    let created = client(&server)
        .create_role()
        .body_map(|body| body.code("role1").description("desc").namespace("default"))
        .await
        .unwrap();

    assert_eq!(created.code, "role1");
    let request = only_request(&server, "/api/v3/create-role").await;
    assert_eq!(request.method.as_str(), "POST");
    // Absent optionals (name, disableTime) are left out, not sent as null.
    assert_eq!(
        request.body_json::<serde_json::Value>().unwrap(),
        json!({"code": "role1", "namespace": "default", "description": "desc"})
    );
    assert_authing_headers(&request);
}

#[tokio::test]
async fn get_user_sends_the_user_id_in_the_query_and_no_body() {
    let server = server_answering(user("u1")).await;

    let found = client(&server).get_user().user_id("u1").await.unwrap();

    assert_eq!(found.user_id, "u1");
    let request = only_request(&server, "/api/v3/get-user").await;
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.url.query(), Some("userId=u1"));
    assert!(request.body.is_empty());
    assert!(request.headers.get("content-type").is_none());
    assert_authing_headers(&request);
}

#[tokio::test]
async fn query_values_are_url_encoded_and_booleans_lowercase() {
    let server = server_answering(user("u 1/ä")).await;

    client(&server).get_user().user_id("u 1/ä").with_custom_data(true).flat_custom_data(false).await.unwrap();

    let request = only_request(&server, "/api/v3/get-user").await;
    let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    assert!(query.contains(&("userId".into(), "u 1/ä".into())), "{query:?}");
    assert!(query.contains(&("withCustomData".into(), "true".into())), "{query:?}");
    assert!(query.contains(&("flatCustomData".into(), "false".into())), "{query:?}");
}

#[tokio::test]
async fn lang_en_us_is_sent_when_chosen() {
    let server = server_answering(user("u1")).await;
    let client = builder(format!("{}/", server.uri())).lang(authing::Lang::EnUs).build().unwrap();

    client.get_user().user_id("u1").await.unwrap();

    let request = only_request(&server, "/api/v3/get-user").await;
    assert_eq!(request.headers.get("x-authing-lang").unwrap(), "en-US");
}

/// The three calls the document made impossible, each requiring a field that
/// the official SDK has no parameter for (`xtask/corrections.json`), sent as
/// the official SDK sends them.
#[tokio::test]
async fn calls_the_official_sdk_makes_without_a_field_the_document_requires() {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    Mock::given(wiremock::matchers::any()).respond_with(ok(json!({}))).mount(&server).await;
    let client = client(&server);

    client.list_field().model_id("m1").send_untyped().await.unwrap();
    client
        .update_department()
        .body_map(|body| body.organization_code("org1").department_id("d1").name("Sales"))
        .send_untyped()
        .await
        .unwrap();
    client
        .update_model()
        .body_map(|body| {
            body.id("f1")
                .name("Orders")
                .description("Orders of a user")
                .type_(types::UpdateFunctionModelDtoType::Custom)
                .parent_key("p1")
                .field_order("a,b")
                .enable(true)
                .config(json!({}))
        })
        .send_untyped()
        .await
        .unwrap();

    let list = only_request(&server, "/api/v3/metadata/list-field").await;
    assert_eq!((list.method.as_str(), list.url.query()), ("GET", Some("modelId=m1")));
    let department = only_request(&server, "/api/v3/update-department").await;
    assert_eq!(
        department.body_json::<serde_json::Value>().unwrap(),
        json!({"organizationCode": "org1", "departmentId": "d1", "name": "Sales"})
    );
    let model = only_request(&server, "/api/v3/metadata/update-model").await;
    assert_eq!(
        model.body_json::<serde_json::Value>().unwrap(),
        json!({"id": "f1", "name": "Orders", "description": "Orders of a user", "type": "custom",
               "parentKey": "p1", "fieldOrder": "a,b", "enable": true, "config": {}})
    );
}
