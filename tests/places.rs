//! A client's places (`max_in_flight`) are held by requests on the wire, not
//! by answers waiting for their consumer: walks whose consumers stop polling
//! keep their pages in memory, and every other call of the client goes on.
//! A server on 127.0.0.1 in the test's own runtime, on tokio's paused clock.

mod common;
#[path = "faults/server.rs"]
#[allow(dead_code)] // the fault suite uses the rest of it
mod server;

use std::time::Duration;

use authing::Paginated as _;
use common::{TOKEN_PATH, builder, jwt, user};
use futures::TryStreamExt as _;
use serde_json::{Value, json};
use server::{FaultyServer, Received, Reply};

const LIST_USERS: &str = "/api/v3/list-users";
/// Items of the list: ten pages of 50.
const TOTAL: i64 = 500;
const PAGE: i64 = authing::MAX_PAGE_SIZE;

fn answer(data: Value) -> Reply {
    Reply::Bytes(server::json(200, &json!({"statusCode": 200, "message": "", "data": data})))
}

/// The page the request asks for, from `options.pagination` in its body.
fn page(request: &Received) -> Value {
    let body: Value = serde_json::from_slice(&request.body).expect("a JSON body");
    let pagination = &body["options"]["pagination"];
    let (page, limit) = (pagination["page"].as_i64().unwrap(), pagination["limit"].as_i64().unwrap());
    let list: Vec<Value> = ((page - 1) * limit..(page * limit).min(TOTAL)).map(|n| user(&format!("u{n}"))).collect();
    json!({"list": list, "totalCount": TOTAL})
}

#[tokio::test(start_paused = true)]
async fn twenty_paused_walks_leave_another_call_alone_and_fetch_each_page_once() {
    let server = FaultyServer::start(|request: &Received, n| match request.path.as_str() {
        TOKEN_PATH => answer(json!({"access_token": jwt(n), "expires_in": 7200})),
        LIST_USERS => answer(page(request)),
        _ => answer(user("u1")),
    })
    .await;
    // The defaults: 64 places, a call's operation_timeout 30 s.
    let client = builder(&server.uri).build().unwrap();

    // Each walk reads one item of page 2, with the pages after it asked for ahead, and stops.
    let mut walks = Vec::new();
    for _ in 0..20 {
        let mut items = Box::pin(client.list_users().items());
        for _ in 0..=PAGE {
            items.try_next().await.unwrap().expect("an item");
        }
        walks.push(items);
    }
    // 20 walks ask for 160 pages ahead: more than the client's places.
    assert_eq!(client.get_user().user_id("u1").await.unwrap().user_id, "u1", "a call while the walks are paused");

    // Away for twice the operation timeout, then every walk read to its end.
    tokio::time::sleep(Duration::from_secs(60)).await;
    for items in &mut walks {
        let rest: Vec<_> = items.as_mut().try_collect().await.unwrap();
        assert_eq!(rest.len() as i64, TOTAL - PAGE - 1);
    }
    let pages = TOTAL / PAGE;
    assert_eq!(server.received_on(LIST_USERS).len() as i64, 20 * pages, "each page of each walk fetched once");
}
