//! The contract suite: every operation of the document, called through its
//! generated method with spec-valid arguments, against a mock server built from
//! the same document (Stoplight Prism), which validates each request.
//!
//! `cargo xtask test` starts the mock and passes its address in
//! `AUTHING_MOCK_URL`; without it the tests that need it are ignored.

mod sample;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;

use authing::{Error, ManagementClient, Paginated, types};
use futures::{StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// What one contract call answers: only whether it succeeded matters.
type Call<'a> = Pin<Box<dyn Future<Output = authing::Result<()>> + Send + 'a>>;

/// A walk through an operation's pages: how many there were.
type Walk<'a> = Pin<Box<dyn Future<Output = authing::Result<usize>> + Send + 'a>>;

/// A call of one operation; `None` when build.rs could not fill its parameters.
pub struct Case {
    operation_id: &'static str,
    call: Option<for<'a> fn(&'a ManagementClient) -> Call<'a>>,
    /// For an operation that pages, a walk through its pages.
    walk: Option<for<'a> fn(&'a ManagementClient) -> Walk<'a>>,
}

/// The most pages a walk is let run: the mock answers every page with the
/// document's example, so a walk that goes on past the repeated page loops.
const MOST_PAGES: usize = 10;

/// Walks `request`'s pages twice, up to [`MOST_PAGES`] each time: of the
/// largest size and of one item, so that the mock checks both ends of the
/// page size against the document. The most pages of the two.
fn walk<'a, P: Paginated + 'a>(request: P) -> impl Future<Output = authing::Result<usize>> + Send + 'a
where
    P::Item: Send,
{
    let count = |pages: usize, _| async move { Ok(pages + 1) };
    async move {
        let largest = request.clone().pages().take(MOST_PAGES).try_fold(0, count).await?;
        let single = request.pages_of(1).take(MOST_PAGES).try_fold(0, count).await?;
        Ok(largest.max(single))
    }
}

include!(concat!(env!("OUT_DIR"), "/contract_cases.rs"));

const MOCK_URL: &str = "AUTHING_MOCK_URL";
/// How many calls are in flight at once.
const CONCURRENCY: usize = 8;

static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/authing-management-v3.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("the committed document")).expect("JSON")
});

/// The operations of the document by operationId.
fn operations() -> BTreeMap<&'static str, &'static Value> {
    let mut out = BTreeMap::new();
    for item in DOCUMENT["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("a path item").values() {
            out.insert(op["operationId"].as_str().expect("an operationId"), op);
        }
    }
    out
}

/// A body valid for the operation's schema, as the generated type `T`.
fn body<T: DeserializeOwned>(operation_id: &str) -> T {
    let op = operations()[operation_id];
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    let value = sample::sample(&DOCUMENT, schema);
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{operation_id}: the generated body type rejects the sample {value}: {e}"))
}

/// `tests/contract/allowlist.txt`: operations whose contract call is known not
/// to pass, each with the reason.
fn allow_list() -> BTreeMap<String, String> {
    include_str!("allowlist.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (id, reason) = line.split_once(char::is_whitespace).expect("`operationId reason`");
            (id.to_string(), reason.trim().to_string())
        })
        .collect()
}

fn mock_client() -> ManagementClient {
    let url = std::env::var(MOCK_URL).unwrap_or_else(|_| panic!("{MOCK_URL} is not set: run `cargo xtask test`"));
    ManagementClient::builder().access_key_id("contract").access_key_secret("contract").host(url).build().unwrap()
}

#[test]
fn there_is_a_case_for_every_operation() {
    let cases: BTreeSet<_> = CASES.iter().map(|case| case.operation_id).collect();
    let documented: BTreeSet<_> = operations().into_keys().collect();
    assert_eq!(cases, documented);
    for id in allow_list().keys() {
        assert!(documented.contains(id.as_str()), "allowlist.txt names {id}, which the document lacks");
    }
}

#[tokio::test]
#[ignore = "needs the mock server: run `cargo xtask test`"]
async fn every_operation_is_accepted_by_the_mock_and_decoded() {
    let client = mock_client();
    let outcomes: Vec<(&str, Result<(), String>)> = futures::stream::iter(CASES)
        .map(|case| {
            let client = &client;
            async move {
                let outcome = match case.call {
                    Some(call) => call(client).await.map_err(|e| e.to_string()),
                    None => Err("build.rs could not fill its required parameters".to_string()),
                };
                (case.operation_id, outcome)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;

    let allowed = allow_list();
    let mut unexpected = Vec::new();
    let (mut passed, mut skipped) = (0, 0);
    for (id, outcome) in &outcomes {
        match (outcome, allowed.get(*id)) {
            (Ok(()), None) => passed += 1,
            (Err(_), Some(_)) => skipped += 1,
            (Ok(()), Some(reason)) => unexpected.push(format!("{id} passes: remove it from allowlist.txt ({reason})")),
            (Err(error), None) => unexpected.push(format!("{id}: {error}")),
        }
    }
    println!("contract: {} operations, {passed} passed, {skipped} allow-listed", outcomes.len());
    println!("contract: {passed} passed, {} failed, {skipped} skipped", unexpected.len());
    assert!(unexpected.is_empty(), "{} unexpected outcomes:\n{}", unexpected.len(), unexpected.join("\n"));
    assert_eq!(outcomes.len(), operations().len());
}

#[tokio::test]
#[ignore = "needs the mock server: run `cargo xtask test`"]
async fn every_paginated_operation_walks_its_pages_against_the_mock() {
    let client = mock_client();
    let allowed = allow_list();
    let walks: Vec<_> = CASES.iter().filter(|case| !allowed.contains_key(case.operation_id)).collect();
    let outcomes: Vec<(&str, authing::Result<usize>)> = futures::stream::iter(&walks)
        .filter_map(|case| async move { case.walk.map(|walk| (case.operation_id, walk)) })
        .map(|(id, walk)| {
            let client = &client;
            async move { (id, walk(client).await) }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;

    let mut unexpected = Vec::new();
    let mut pages = BTreeMap::<usize, usize>::new();
    for (id, outcome) in &outcomes {
        match outcome {
            Ok(n) if *n < MOST_PAGES => *pages.entry(*n).or_default() += 1,
            Ok(n) => unexpected.push(format!("{id}: still going after {n} pages of the same example")),
            Err(error) => unexpected.push(format!("{id}: {error}")),
        }
    }
    println!("contract: {} paginated operations walked; walks by pages: {pages:?}", outcomes.len());
    assert!(unexpected.is_empty(), "{} walks failed:\n{}", unexpected.len(), unexpected.join("\n"));
    // Every paginated operation of the document, none allow-listed today.
    assert_eq!(outcomes.len(), 84);
}

#[tokio::test]
#[ignore = "needs the mock server: run `cargo xtask test`"]
async fn a_request_missing_a_required_field_is_rejected_with_the_mocks_reason() {
    let client = mock_client();

    let error = client.raw(reqwest::Method::POST, "/api/v3/create-role").body(&json!({})).await.unwrap_err();

    match &error {
        Error::UnexpectedStatus { http_status: 422, body, .. } => {
            assert!(body.text().contains("must have required property 'code'"), "{body}");
        }
        other => panic!("expected Error::UnexpectedStatus with HTTP 422, got {other:?}"),
    }
}

#[tokio::test]
#[ignore = "needs the mock server: run `cargo xtask test`"]
async fn a_typed_call_gets_typed_data_from_the_mock() {
    let client = mock_client();

    let user = client.get_user().user_id("u1").with_custom_data(true).await.unwrap();
    let role =
        client.create_role().body(types::CreateRoleDto::builder().code("role1").description("desc")).await.unwrap();

    // Prism answers the document's examples, or a value of each field's type.
    assert_eq!(user.status, types::UserDtoStatus::Suspended);
    assert_eq!(role.code, "string");
}
