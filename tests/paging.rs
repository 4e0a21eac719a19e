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
        "paging: {} operations paginated, {} of them read as JSON; {} take paging input without a stream",
        PAGINATED.len(),
        AS_JSON.len(),
        NOT_STREAMED.len()
    );
    // How many, and which, are in `openapi/SURFACE.txt` (`.items()`), which regen's check compares.
    for (id, why) in AS_JSON.iter().chain(NOT_STREAMED) {
        println!("  {id}: {why}");
        assert!(!why.is_empty(), "{id} is not walked as typed, and no reason is given");
    }
    // One operation of each paging shape the classifier knows.
    for id in [
        "listRoles",
        "pendList",
        "postListBatch",
        "listUsers",
        "getUserActionLogs",
        "getWebhookLogs",
        "listDnef",
        "getAllMetadataRow",
        "searchDepartmentsList",
        "listRoleAssignments",
        "queryLdapLog",
    ] {
        assert!(PAGINATED.contains(&id), "{id} should be paginated");
    }
}

/// The item schema of an operation's list answer: of `data.list`, of
/// `data` when it is an array, or of its one array field; an object with an
/// `id` when the document leaves the items untyped.
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
    let list = match data["type"].as_str() {
        Some("array") => &data,
        _ => data["properties"]
            .as_object()
            .unwrap()
            .values()
            .find(|field| field["type"] == "array")
            .unwrap_or(&Value::Null),
    };
    match &list["items"] {
        Value::Null => json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}),
        items => items.clone(),
    }
}

/// A page's `data`: the items, and how many the whole list has.
type Answer = fn(Vec<Value>) -> Value;

/// `{totalCount, list}`, the answer of most lists.
const LIST_AND_TOTAL: Answer = |items| json!({"totalCount": TOTAL, "list": items});

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

/// A server whose list at `on` has `TOTAL` items, answered page by page as
/// `answer` puts them; `fail_page` is answered with a failure envelope instead.
async fn list_server(on: &str, method_name: &str, fail_page: Option<usize>, answer: Answer) -> MockServer {
    let server = own_server().await;
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
            ok(answer(items))
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
    walks_three_pages_of(on, method_name, LIST_AND_TOTAL, pages, filter).await;
}

/// [`walks_three_pages`], with pages answered as `answer` puts them.
async fn walks_three_pages_of<F, S>(
    on: &str,
    method_name: &str,
    answer: Answer,
    pages: F,
    filter: impl Fn(&Request) -> bool,
) where
    F: FnOnce(ManagementClient) -> S,
    S: std::future::Future<Output = Vec<usize>>,
{
    let server = list_server(on, method_name, None, answer).await;
    let sizes = pages(client(&server)).await;
    assert_eq!(sizes, [3, 3, 1], "{on}: page sizes");
    let sent = requests(&server, on).await;
    let mut asked: Vec<_> = sent.iter().map(asked).collect();
    // The first page alone, then the others at once: they may arrive in any order.
    asked[1..].sort();
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
        |client| async move { page_sizes!(client.list_users().body_map(|b| b.keywords("k"))) },
        |r| body_has(r, "/keywords", "k"),
    )
    .await;
}

#[tokio::test]
async fn body_pagination() {
    walks_three_pages(
        "/api/v3/get-user-action-logs",
        "POST",
        |client| async move { page_sizes!(client.get_user_action_logs().body_map(|b| b.user_id("u1"))) },
        |r| body_has(r, "/userId", "u1"),
    )
    .await;
}

#[tokio::test]
async fn data_that_is_the_list_without_a_total_ends_at_a_short_page() {
    walks_three_pages_of(
        "/api/v3/search-departments-list",
        "POST",
        |items| json!(items),
        |client| async move { page_sizes!(client.search_departments_list().body_map(|b| b.organization_code("o1"))) },
        |r| body_has(r, "/organizationCode", "o1"),
    )
    .await;
}

#[tokio::test]
async fn a_list_under_another_name() {
    walks_three_pages_of(
        "/api/v3/list-role-assignments",
        "GET",
        |items| json!({"totalCount": TOTAL, "data": items}),
        |client| async move { page_sizes!(client.list_role_assignments().role_code("admin")) },
        |r| query_has(r, "roleCode", "admin"),
    )
    .await;
}

#[tokio::test]
async fn a_list_the_document_leaves_untyped_gives_json_values() {
    walks_three_pages_of(
        "/api/v3/get-ldap-server-log",
        "GET",
        LIST_AND_TOTAL,
        |client| async move { page_sizes!(client.query_ldap_log().type_(2)) },
        |r| query_has(r, "type", "2"),
    )
    .await;
}

#[tokio::test]
async fn an_answer_the_document_gets_wrong_is_walked_as_json() {
    // The document says one role; the list is read wherever the answer has it.
    walks_three_pages_of(
        "/api/v3/list-namespace-roles",
        "GET",
        LIST_AND_TOTAL,
        |client| async move { page_sizes!(client.list_namespace_roles().code("ns")) },
        |r| query_has(r, "code", "ns"),
    )
    .await;
}

#[tokio::test]
async fn every_typed_list_has_an_untyped_twin() {
    let server = list_server("/api/v3/list-roles", "GET", None, LIST_AND_TOTAL).await;
    let client = client(&server);
    let typed: Vec<_> = client.list_roles().namespace("default").pages_of(3).try_collect().await.unwrap();
    let untyped: Vec<_> = client.list_roles().namespace("default").json_pages_of(3).try_collect().await.unwrap();

    let as_json = |items: &[authing::types::RoleDto]| serde_json::to_value(items).unwrap();
    assert_eq!((typed.len(), untyped.len()), (3, 3));
    for (typed, untyped) in typed.iter().zip(&untyped) {
        assert_eq!((typed.number, typed.total_count), (untyped.number, untyped.total_count));
        assert_eq!(as_json(&typed.items), json!(untyped.items));
    }
    let mut asked: Vec<_> = requests(&server, "/api/v3/list-roles").await.iter().map(asked).collect();
    asked.sort();
    assert_eq!(asked, [(1, 3), (1, 3), (2, 3), (2, 3), (3, 3), (3, 3)]);
}

/// A server whose `listDnef` list has `TOTAL` items, answered from the
/// `startIndex` asked for (from 0 when none), with the next one, or -1 after
/// the last page.
async fn cursor_server() -> MockServer {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    let schema = item_schema("/api/v3/list-dnef", "get");
    Mock::given(path("/api/v3/list-dnef"))
        .respond_with(move |request: &Request| {
            let query =
                |name: &str| request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.parse().unwrap());
            let (start, size): (usize, usize) = (query("startIndex").unwrap_or(0), query("maxSize").unwrap());
            let end = (start + size).min(TOTAL);
            let items: Vec<Value> = (start..end).map(|n| item(&schema, n)).collect();
            let next = if end < TOTAL { end as i64 } else { -1 };
            ok(json!({"list": items, "nextStartIndex": next, "truncated": end < TOTAL}))
        })
        .mount(&server)
        .await;
    server
}

fn start_indexes(requests: &[Request]) -> Vec<Option<String>> {
    let start = |r: &Request| r.url.query_pairs().find(|(k, _)| k == "startIndex").map(|(_, v)| v.into_owned());
    requests.iter().map(start).collect()
}

#[tokio::test]
async fn query_start_index_cursor() {
    let server = cursor_server().await;
    let sizes = page_sizes!(client(&server).list_dnef().namespace_code("ns").resource_code("rc"));
    assert_eq!(sizes, [3, 3, 1]);
    let sent = requests(&server, "/api/v3/list-dnef").await;
    // The first page is the request as built; the next ones start where the server said.
    assert_eq!(start_indexes(&sent), [None, Some("3".into()), Some("6".into())]);
    assert!(sent.iter().all(|r| query_has(r, "maxSize", "3") && query_has(r, "namespaceCode", "ns")));
}

#[tokio::test]
async fn a_cursor_set_on_the_request_is_where_the_walk_begins() {
    let server = cursor_server().await;
    let client = client(&server);
    let sizes = page_sizes!(client.list_dnef().namespace_code("ns").resource_code("rc").start_index(5));
    assert_eq!(sizes, [2]);
    assert_eq!(start_indexes(&requests(&server, "/api/v3/list-dnef").await), [Some("5".into())]);
}

#[tokio::test]
async fn a_cursor_that_does_not_move_on_ends_the_walk() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    let schema = item_schema("/api/v3/list-dnef", "get");
    let answered = std::sync::atomic::AtomicUsize::new(0);
    // New items every time, but always the same next index.
    Mock::given(path("/api/v3/list-dnef"))
        .respond_with(move |_: &Request| {
            let n = answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let items: Vec<Value> = (n * 3..n * 3 + 3).map(|n| item(&schema, n)).collect();
            ok(json!({"list": items, "nextStartIndex": 3, "truncated": true}))
        })
        .mount(&server)
        .await;

    let sizes = page_sizes!(client(&server).list_dnef().namespace_code("ns").resource_code("rc"));

    assert_eq!(sizes, [3, 3]);
    assert_eq!(requests(&server, "/api/v3/list-dnef").await.len(), 2);
}

#[tokio::test]
async fn body_scroll_id() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    // The scroll id says where the next page starts; an empty page ends the list.
    Mock::given(path("/api/v3/metadata/get-all-row-by-scrollid"))
        .respond_with(|request: &Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap();
            let start: usize =
                body["scrollId"].as_str().map_or(0, |id| id.trim_start_matches("after-").parse().unwrap());
            let end = (start + body["size"].as_u64().unwrap() as usize).min(TOTAL);
            let rows: Vec<String> = (start..end).map(|n| format!("row-{n}")).collect();
            ok(json!({"list": rows, "scrollId": format!("after-{end}")}))
        })
        .mount(&server)
        .await;

    let rows: Vec<Vec<String>> = client(&server)
        .get_all_metadata_row()
        .body_map(|b| b.model_id("m1"))
        .pages_of(3)
        .map_ok(|page| page.items)
        .try_collect()
        .await
        .unwrap();

    assert_eq!(rows.concat(), (0..TOTAL).map(|n| format!("row-{n}")).collect::<Vec<_>>());
    assert_eq!(rows.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    let sent: Vec<Value> = requests(&server, "/api/v3/metadata/get-all-row-by-scrollid")
        .await
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let scroll_ids: Vec<&Value> = sent.iter().map(|body| &body["scrollId"]).collect();
    assert_eq!(scroll_ids, [&Value::Null, &json!("after-3"), &json!("after-6"), &json!("after-7")]);
    assert!(sent.iter().all(|body| body["size"] == 3 && body["modelId"] == "m1"), "{sent:?}");
}

#[tokio::test]
async fn items_come_in_order_from_pages_of_fifty_by_default() {
    let server = list_server("/api/v3/list-roles", "GET", None, LIST_AND_TOTAL).await;
    let roles: Vec<_> = client(&server).list_roles().items().try_collect().await.unwrap();
    assert_eq!(roles.len(), TOTAL);
    let sent = requests(&server, "/api/v3/list-roles").await;
    assert_eq!(sent.iter().map(asked).collect::<Vec<_>>(), [(1, 50)]);
    let first: Value = serde_json::to_value(&roles[0]).unwrap();
    assert!(first.as_object().unwrap().values().any(|v| v == "item-0"), "{first}");
}

#[tokio::test]
async fn a_page_size_above_the_maximum_is_the_maximum() {
    let server = list_server("/api/v3/list-roles", "GET", None, LIST_AND_TOTAL).await;
    let pages: Vec<_> = client(&server).list_roles().pages_of(500).try_collect().await.unwrap();
    assert_eq!(pages.len(), 1);
    let sent = requests(&server, "/api/v3/list-roles").await;
    assert_eq!(sent.iter().map(asked).collect::<Vec<_>>(), [(1, 50)]);
}

#[tokio::test]
async fn an_error_on_page_two_is_an_item_and_ends_the_stream() {
    let server = list_server("/api/v3/list-roles", "GET", Some(2), LIST_AND_TOTAL).await;
    let pages: Vec<_> = client(&server).list_roles().pages_of(3).collect().await;
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].as_ref().unwrap().items.len(), 3);
    assert!(matches!(pages[1], Err(Error::Api { status_code: 500, .. })), "{:?}", pages[1]);
}

#[tokio::test]
async fn a_server_that_repeats_a_page_does_not_loop_and_says_the_list_is_incomplete() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    let schema = item_schema("/api/v3/list-roles", "get");
    // Whatever page is asked for, the first one, with a total never reached.
    let first: Vec<Value> = (0..3).map(|n| item(&schema, n)).collect();
    Mock::given(path("/api/v3/list-roles"))
        .respond_with(ok(json!({"totalCount": 1000, "list": first})))
        .mount(&server)
        .await;

    let pages: Vec<_> = client(&server).list_roles().pages_of(3).concurrency(1).collect().await;

    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].as_ref().unwrap().items.len(), 3);
    assert!(matches!(&pages[1], Err(Error::IncompleteList { seen: 3, total: 1000, .. })), "{:?}", pages[1]);
    assert_eq!(requests(&server, "/api/v3/list-roles").await.len(), 2);
}

/// A local Authing whose user list answers page `n` (of 3) with `page(n)`, as
/// raw bytes so that a page can be whatever the real service sends.
async fn users_server(page: fn(usize) -> String) -> MockServer {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(path("/api/v3/list-users"))
        .respond_with(move |request: &Request| {
            ResponseTemplate::new(200).set_body_raw(page(asked(request).0), "application/json")
        })
        .mount(&server)
        .await;
    server
}

/// The envelope of a page of users `ids`, as Authing sends it: an unknown
/// status, `null`s and fields the document lacks on the way.
fn real_page(ids: std::ops::Range<usize>, total: usize) -> String {
    let users: Vec<Value> = ids
        .map(|n| {
            let mut user = user(&format!("u{n}"));
            user["status"] = json!(if n == 4 { "Deleted" } else { "Activated" });
            user["phone"] = Value::Null;
            user["identities"] = Value::Null;
            user["lastLoginApp"] = json!("new field");
            user
        })
        .collect();
    json!({"statusCode": 200, "message": "", "data": {"totalCount": total, "list": users}}).to_string()
}

#[tokio::test]
async fn pages_as_the_real_service_sends_them_are_read_whole() {
    let server = users_server(|page| real_page((page - 1) * 3..(page * 3).min(TOTAL), TOTAL)).await;

    let users: Vec<_> = client(&server).list_users().pages_of(3).try_collect::<Vec<_>>().await.unwrap();

    let users: Vec<_> = users.into_iter().flat_map(|page| page.items).collect();
    assert_eq!(
        users.iter().map(|u| u.user_id.as_str()).collect::<Vec<_>>(),
        ["u0", "u1", "u2", "u3", "u4", "u5", "u6"]
    );
    assert_eq!(users[4].status, authing::types::UserDtoStatus::from("Deleted"));
    assert!(users[0].phone.is_none());
}

#[tokio::test]
async fn a_null_list_before_the_total_ends_the_walk_as_incomplete() {
    let server = users_server(|page| match page {
        1 => real_page(0..3, TOTAL),
        _ => json!({"statusCode": 200, "message": "", "data": {"totalCount": TOTAL, "list": null}}).to_string(),
    })
    .await;

    let pages: Vec<_> = client(&server).list_users().pages_of(3).concurrency(1).collect().await;

    assert_eq!(pages.len(), 2);
    assert!(pages[0].is_ok());
    assert!(matches!(&pages[1], Err(Error::IncompleteList { seen: 3, total: 7, .. })), "{:?}", pages[1]);
    assert_eq!(requests(&server, "/api/v3/list-users").await.len(), 2);
}

#[tokio::test]
async fn a_page_cut_short_is_an_error_item_that_ends_the_stream() {
    let server = users_server(|page| {
        let whole = real_page((page - 1) * 3..(page * 3).min(TOTAL), TOTAL);
        if page == 2 { whole[..whole.len() / 2].to_string() } else { whole }
    })
    .await;

    let items: Vec<_> = client(&server).list_users().pages_of(3).collect().await;

    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap().items.len(), 3);
    assert!(matches!(items[1], Err(Error::InvalidJson { http_status: 200, .. })), "{:?}", items[1]);
}

// Lists at scale: pages fetched at once, a server giving fewer items than
// asked, lists changing during the walk, resuming; never a partial `Ok`.

/// How a local user list answers: how many users it has and how many it
/// gives per page at most, both by the index of the request (from 0), the
/// page that fails, and how long a page takes.
#[derive(Clone, Copy)]
struct UserList {
    total: fn(usize) -> usize,
    cap: fn(usize) -> usize,
    fail: Option<usize>,
    delay: fn(usize) -> std::time::Duration,
}

impl Default for UserList {
    fn default() -> Self {
        UserList { total: |_| 237, cap: |_| 50, fail: None, delay: |_| std::time::Duration::ZERO }
    }
}

async fn user_list(list: UserList) -> MockServer {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    let answered = std::sync::atomic::AtomicUsize::new(0);
    Mock::given(path("/api/v3/list-users"))
        .respond_with(move |request: &Request| {
            let n = answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let (page, asked_size) = asked(request);
            if list.fail == Some(page) {
                return ResponseTemplate::new(200).set_body_json(json!({"statusCode": 500, "message": "busy"}));
            }
            let (total, size) = ((list.total)(n), asked_size.min((list.cap)(n)));
            let users: Vec<Value> =
                ((page - 1) * size..(page * size).min(total)).map(|n| user(&format!("u{n}"))).collect();
            ok(json!({"totalCount": total, "list": users})).set_delay((list.delay)(page))
        })
        .mount(&server)
        .await;
    server
}

fn user_ids(users: &[authing::types::UserDto]) -> Vec<String> {
    users.iter().map(|user| user.user_id.clone()).collect()
}

fn expected_ids(total: usize) -> Vec<String> {
    (0..total).map(|n| format!("u{n}")).collect()
}

#[tokio::test]
async fn a_server_giving_fewer_items_per_page_than_asked_is_followed_at_its_page_size() {
    let server = user_list(UserList { cap: |_| 20, ..UserList::default() }).await;

    let users: Vec<_> = client(&server).list_users().items().try_collect().await.unwrap();

    assert_eq!(user_ids(&users), expected_ids(237), "every user exactly once, in order");
    let mut sent: Vec<_> = requests(&server, "/api/v3/list-users").await.iter().map(asked).collect();
    sent[1..].sort();
    let pages_of_twenty: Vec<_> = (2..=12).map(|page| (page, 20)).collect();
    assert_eq!(sent, [vec![(1, 50)], pages_of_twenty].concat());
}

#[tokio::test]
async fn a_cap_that_begins_mid_walk_is_followed_without_skipping_or_repeating() {
    // Page 1 whole, then 20 at most, counted in pages of 20: page 2 gives
    // items 20 to 39 again. It is asked for again, with the walk going on
    // from item 50 in pages of 10, the largest that begin there.
    let server = user_list(UserList { cap: |n| if n == 0 { 50 } else { 20 }, ..UserList::default() }).await;

    let users: Vec<_> = client(&server).list_users().items().concurrency(1).try_collect().await.unwrap();

    assert_eq!(user_ids(&users), expected_ids(237));
    let sent: Vec<_> = requests(&server, "/api/v3/list-users").await.iter().map(asked).collect();
    let pages_of_ten: Vec<_> = (6..=24).map(|page| (page, 10)).collect();
    assert_eq!(sent, [vec![(1, 50), (2, 50)], pages_of_ten].concat());
}

#[tokio::test]
async fn a_list_that_shrinks_during_the_walk_ends_ok_at_its_latest_total() {
    let server = user_list(UserList { total: |n| if n == 0 { 100 } else { 80 }, ..UserList::default() }).await;

    let users: Vec<_> = client(&server).list_users().items().try_collect().await.unwrap();

    assert_eq!(user_ids(&users), expected_ids(80));
}

#[tokio::test]
async fn a_list_that_grows_during_the_walk_is_read_to_its_latest_total() {
    let server = user_list(UserList { total: |n| if n == 0 { 100 } else { 130 }, ..UserList::default() }).await;

    let users: Vec<_> = client(&server).list_users().items().try_collect().await.unwrap();

    assert_eq!(user_ids(&users), expected_ids(130));
}

#[tokio::test]
async fn a_concurrent_walk_whose_third_page_fails_gives_the_two_before_it_then_the_error() {
    // Page 3 fails at once, while page 2 is still on its way.
    let server = user_list(UserList {
        fail: Some(3),
        delay: |page| std::time::Duration::from_millis(if page == 2 { 200 } else { 0 }),
        ..UserList::default()
    })
    .await;

    let pages: Vec<_> = client(&server).list_users().pages().collect().await;

    assert_eq!(pages.len(), 3, "{pages:?}");
    let numbers: Vec<i64> = pages[..2].iter().map(|page| page.as_ref().unwrap().number).collect();
    assert_eq!(numbers, [1, 2]);
    assert!(matches!(pages[2], Err(Error::Api { status_code: 500, .. })), "{:?}", pages[2]);
}

#[tokio::test]
async fn a_concurrent_walk_asks_for_every_page_once_with_the_filters() {
    let server = user_list(UserList::default()).await;

    let client = client(&server);
    let request = client.list_users().body_map(|b| b.keywords("k"));
    let users: Vec<_> = request.items().try_collect().await.unwrap();

    assert_eq!(users.len(), 237);
    let sent = requests(&server, "/api/v3/list-users").await;
    let mut pages: Vec<_> = sent.iter().map(asked).collect();
    pages.sort();
    assert_eq!(pages, (1..=5).map(|page| (page, 50)).collect::<Vec<_>>());
    assert!(sent.iter().all(|r| body_has(r, "/keywords", "k")), "a filter was lost");
}

#[tokio::test]
async fn concurrency_one_asks_for_one_page_after_the_other() {
    let server = user_list(UserList::default()).await;

    let users: Vec<_> = client(&server).list_users().items().concurrency(1).try_collect().await.unwrap();

    assert_eq!(users.len(), 237);
    let pages: Vec<_> = requests(&server, "/api/v3/list-users").await.iter().map(asked).collect();
    assert_eq!(pages, (1..=5).map(|page| (page, 50)).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_walk_stopped_after_a_page_is_resumed_from_it() {
    let server = user_list(UserList::default()).await;
    let client = client(&server);

    let first: Vec<_> = client.list_users().pages().take(2).try_collect().await.unwrap();
    let resume = first[1].next.clone().expect("more pages after the second");
    assert_eq!((resume.page_number(), resume.page_size(), resume.items_read()), (Some(3), 50, 100));
    // It can be kept anywhere in between.
    let resume: authing::Resume = serde_json::from_str(&serde_json::to_string(&resume).unwrap()).unwrap();
    let rest: Vec<_> = client.list_users().pages_from(resume).try_collect().await.unwrap();

    let users: Vec<_> = first.into_iter().chain(rest).flat_map(|page| page.items).collect();
    assert_eq!(user_ids(&users), expected_ids(237));
}

#[tokio::test]
async fn a_resume_at_the_edge_of_its_numbers_ends_the_walk_without_a_panic() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(path("/api/v3/list-users")).respond_with(ok(json!({"list": [], "totalCount": 0}))).mount(&server).await;
    let client = client(&server);

    // A stored resume point, edited or corrupted: the last page an `i64` numbers, or every item read.
    for stored in [
        json!({"operation": "listUsers", "at": {"Number": i64::MAX}, "size": 50, "seen": 0}),
        json!({"operation": "listUsers", "at": {"Number": 2}, "size": 1, "seen": i64::MAX}),
    ] {
        let resume: authing::Resume = serde_json::from_value(stored.clone()).unwrap();
        let pages: Vec<_> = client.list_users().pages_from(resume).collect().await;
        assert!(pages.len() <= 2, "{stored}: {} pages", pages.len());
    }
}

#[tokio::test]
async fn a_cursor_walk_that_ends_before_its_total_says_so() {
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    // Seven items, but a total of ten.
    Mock::given(path("/api/v3/list-dnef"))
        .respond_with(|request: &Request| {
            let start: usize =
                request.url.query_pairs().find(|(k, _)| k == "startIndex").map_or(0, |(_, v)| v.parse().unwrap());
            let end = (start + 3).min(TOTAL);
            let next = if end < TOTAL { end as i64 } else { -1 };
            ok(json!({"list": (start..end).collect::<Vec<_>>(), "totalCount": 10, "nextStartIndex": next}))
        })
        .mount(&server)
        .await;

    let pages: Vec<_> =
        client(&server).list_dnef().namespace_code("ns").resource_code("rc").json_pages_of(3).collect().await;

    assert_eq!(pages.len(), 4, "{pages:?}");
    assert!(pages[..3].iter().all(Result::is_ok));
    assert!(matches!(&pages[3], Err(Error::IncompleteList { seen: 7, total: 10, .. })), "{:?}", pages[3]);
}

#[tokio::test]
async fn a_place_in_another_list_is_refused_by_a_resumed_walk() {
    let server = user_list(UserList::default()).await;
    let client = client(&server);
    let first: Vec<_> = client.list_users().pages().take(1).try_collect().await.unwrap();
    let users_place = first[0].next.clone().unwrap();

    let roles: Vec<_> = client.list_roles().json_pages_from(users_place).collect().await;

    assert_eq!(roles.len(), 1);
    assert!(matches!(&roles[0], Err(Error::InvalidRequest(why)) if why.contains("listUsers")), "{roles:?}");
}

#[tokio::test]
async fn a_total_the_pages_prove_wrong_is_not_where_the_walk_ends() {
    // 237 users, but the server counts 60.
    const USERS: usize = 237;
    let server = own_server().await;
    mount_tokens(&server, 7200).await;
    Mock::given(path("/api/v3/list-users"))
        .respond_with(|request: &Request| {
            let (page, size) = asked(request);
            let users: Vec<Value> =
                ((page - 1) * size..(page * size).min(USERS)).map(|n| user(&format!("u{n}"))).collect();
            ok(json!({"totalCount": 60, "list": users}))
        })
        .mount(&server)
        .await;

    let users: Vec<_> = client(&server).list_users().items().try_collect().await.unwrap();

    assert_eq!(user_ids(&users), expected_ids(237));
}
