//! Pagination: what the document pages (counted and printed), and for one
//! operation of each paging shape, a walk through three pages against a
//! local server: the exact requests, the filters kept, the edges.

mod common;
#[path = "contract/sample.rs"]
mod sample;

use std::sync::LazyLock;

use authing::{Error, ManagementClient, Paginated as _};
use common::*;
use futures::{StreamExt as _, TryStreamExt as _};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

include!(concat!(env!("OUT_DIR"), "/paging.rs"));

/// The document the crate is generated from, for sample items.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/authing-management-v3.json"));
    serde_json::from_str(&text.expect("the committed document")).expect("JSON")
});

/// The number of items the server's list has in every test.
const TOTAL: usize = 7;

#[test]
fn every_operation_that_takes_paging_input_is_accounted_for() {
    println!(
        "paging: {} operations paginated, {} take paging input without a stream:",
        PAGINATED.len(),
        NOT_STREAMED.len()
    );
    for (id, why) in NOT_STREAMED {
        println!("  {id}: {why}");
    }
    // From the current document; a new document that changes these says so here.
    assert_eq!(PAGINATED.len(), 72);
    assert_eq!(PAGINATED.len() + NOT_STREAMED.len(), 84);
    for id in ["listRoles", "pendList", "postListBatch", "listUsers", "getUserActionLogs", "getWebhookLogs"] {
        assert!(PAGINATED.contains(&id), "{id} should be paginated");
    }
    for id in ["listDnef", "getAllMetadataRow"] {
        assert!(NOT_STREAMED.iter().any(|(n, _)| *n == id), "{id} should be reported");
    }
}

/// The item schema of an operation's list answer.
fn item_schema(path: &str, method: &str) -> Value {
    let doc = &*DOCUMENT;
    // A `$ref`, or an `allOf` of one.
    let resolve = |schema: &Value| {
        let single = schema.pointer("/allOf/0").unwrap_or(schema);
        match single.get("$ref").and_then(Value::as_str) {
            Some(reference) => doc.pointer(reference.trim_start_matches('#')).unwrap().clone(),
            None => schema.clone(),
        }
    };
    let operation = &doc["paths"][path][method];
    let envelope = resolve(&operation["responses"]["200"]["content"]["application/json"]["schema"]);
    let data = resolve(&envelope["properties"]["data"]);
    data["properties"]["list"]["items"].clone()
}

/// Item `n` of the list: a sample of the item schema, told apart from the
/// others by its first string field.
fn item(schema: &Value, n: usize) -> Value {
    let mut item = sample::sample(&DOCUMENT, schema);
    if let Value::Object(fields) = &mut item
        && let Some(text) = fields.values_mut().find(|v| v.is_string())
    {
        *text = json!(format!("item-{n}"));
    }
    item
}

/// The page number and size a request asks for, wherever its shape puts them.
fn asked(request: &Request) -> (usize, usize) {
    let query = |name: &str| request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.parse().unwrap());
    if let (Some(page), Some(size)) = (query("page").or(query("pageNo")), query("limit").or(query("pageSize"))) {
        return (page, size);
    }
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    for at in ["", "/pagination", "/options/pagination"] {
        let number = |field: &str| body.pointer(&format!("{at}/{field}")).and_then(Value::as_u64).map(|n| n as usize);
        if let (Some(page), Some(size)) = (number("page"), number("limit")) {
            return (page, size);
        }
    }
    panic!("no page in {request:?}");
}

/// A server whose list at `on` has `TOTAL` items, answered page by page;
/// `fail_page` is answered with a failure envelope instead.
async fn list_server(on: &str, method_name: &str, fail_page: Option<usize>) -> MockServer {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    let schema = item_schema(on, &method_name.to_lowercase());
    Mock::given(method(method_name))
        .and(path(on))
        .respond_with(move |request: &Request| {
            let (page, size) = asked(request);
            if fail_page == Some(page) {
                return ResponseTemplate::new(200).set_body_json(json!({"statusCode": 500, "message": "busy"}));
            }
            let items: Vec<Value> = ((page - 1) * size..(page * size).min(TOTAL)).map(|n| item(&schema, n)).collect();
            ok(json!({"totalCount": TOTAL, "list": items}))
        })
        .mount(&server)
        .await;
    server
}

async fn requests(server: &MockServer, on: &str) -> Vec<Request> {
    requests_to(server, on).await
}

/// Walks pages of 3 with `pages`, and checks the pages, the requests, and that `filter` was in each.
async fn walks_three_pages<F, S>(on: &str, method_name: &str, pages: F, filter: impl Fn(&Request) -> bool)
where
    F: FnOnce(ManagementClient) -> S,
    S: std::future::Future<Output = Vec<usize>>,
{
    let server = list_server(on, method_name, None).await;
    let sizes = pages(client(&server)).await;
    assert_eq!(sizes, [3, 3, 1], "{on}: page sizes");
    let sent = requests(&server, on).await;
    let asked: Vec<_> = sent.iter().map(asked).collect();
    assert_eq!(asked, [(1, 3), (2, 3), (3, 3)], "{on}: pages asked for");
    assert!(sent.iter().all(&filter), "{on}: a filter was lost");
}

macro_rules! page_sizes {
    ($request:expr) => {
        $request.pages_of(3).map_ok(|page| page.items.len()).try_collect::<Vec<_>>().await.unwrap()
    };
}

fn query_has(request: &Request, name: &str, value: &str) -> bool {
    request.url.query_pairs().any(|(k, v)| k == name && v == value)
}

fn body_has(request: &Request, pointer: &str, value: &str) -> bool {
    serde_json::from_slice::<Value>(&request.body).unwrap().pointer(pointer) == Some(&json!(value))
}

#[tokio::test]
async fn query_page_and_limit() {
    walks_three_pages(
        "/api/v3/list-roles",
        "GET",
        |client| async move { page_sizes!(client.list_roles().namespace("default")) },
        |r| query_has(r, "namespace", "default"),
    )
    .await;
}

#[tokio::test]
async fn query_page_no_and_page_size() {
    walks_three_pages(
        "/api/v3/approval-pending-list",
        "GET",
        |client| async move { page_sizes!(client.pend_list().keyword("k")) },
        |r| query_has(r, "keyword", "k"),
    )
    .await;
}

#[tokio::test]
async fn body_page_and_limit() {
    walks_three_pages(
        "/api/v3/get-webhook-logs",
        "POST",
        |client| async move { page_sizes!(client.get_webhook_logs().body_map(|b| b.webhook_id("w1"))) },
        |r| body_has(r, "/webhookId", "w1"),
    )
    .await;
}

#[tokio::test]
async fn body_options_pagination() {
    walks_three_pages(
        "/api/v3/list-users",
        "POST",
        |client| async move { page_sizes!(client.list_users().body_map(|b| b.keywords(Some("k".to_string())))) },
        |r| body_has(r, "/keywords", "k"),
    )
    .await;
}

#[tokio::test]
async fn body_pagination() {
    walks_three_pages(
        "/api/v3/get-user-action-logs",
        "POST",
        |client| async move { page_sizes!(client.get_user_action_logs().body_map(|b| b.user_id(Some("u1".to_string())))) },
        |r| body_has(r, "/userId", "u1"),
    )
    .await;
}

#[tokio::test]
async fn items_come_in_order_from_pages_of_fifty_by_default() {
    let server = list_server("/api/v3/list-roles", "GET", None).await;
    let roles: Vec<_> = client(&server).list_roles().items().try_collect().await.unwrap();
    assert_eq!(roles.len(), TOTAL);
    let sent = requests(&server, "/api/v3/list-roles").await;
    assert_eq!(sent.iter().map(asked).collect::<Vec<_>>(), [(1, 50)]);
    let first: Value = serde_json::to_value(&roles[0]).unwrap();
    assert!(first.as_object().unwrap().values().any(|v| v == "item-0"), "{first}");
}

#[tokio::test]
async fn an_error_on_page_two_is_an_item_and_ends_the_stream() {
    let server = list_server("/api/v3/list-roles", "GET", Some(2)).await;
    let pages: Vec<_> = client(&server).list_roles().pages_of(3).collect().await;
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].as_ref().unwrap().items.len(), 3);
    assert!(matches!(pages[1], Err(Error::Api { status_code: 500, .. })), "{:?}", pages[1]);
}

#[tokio::test]
async fn a_server_that_repeats_a_page_does_not_loop() {
    let server = MockServer::start().await;
    mount_tokens(&server, 7200).await;
    let schema = item_schema("/api/v3/list-roles", "get");
    // Whatever page is asked for, the first one, with a total never reached.
    let first: Vec<Value> = (0..3).map(|n| item(&schema, n)).collect();
    Mock::given(path("/api/v3/list-roles"))
        .respond_with(ok(json!({"totalCount": 1000, "list": first})))
        .mount(&server)
        .await;

    let pages: Vec<_> = client(&server).list_roles().pages_of(3).try_collect().await.unwrap();

    assert_eq!(pages.len(), 1);
    assert_eq!(requests(&server, "/api/v3/list-roles").await.len(), 2);
}
