//! Every call in a span: `authing.call` with OpenTelemetry's HTTP client
//! fields and Authing's own, a list walk in `authing.pages` around its calls,
//! the token fetch in `authing.token`; no parameter value in any field.

// It uses the crate's mock: `cargo xtask test` turns the feature on.
#![cfg(feature = "mock")]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use authing::Paginated as _;
use authing::mock::{MockAuthing, sample};
use futures::TryStreamExt as _;
use serde_json::json;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// A span as the test saw it: its name, its parent's name, its fields.
#[derive(Clone, Debug)]
struct Seen {
    id: u64,
    name: &'static str,
    parent: Option<&'static str>,
    fields: BTreeMap<String, String>,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// A subscriber layer that keeps every span and what is recorded on it.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Seen>>>);

impl Spans {
    /// Installs it for the current thread (the test's runtime is current-thread).
    fn install() -> (Spans, tracing::subscriber::DefaultGuard) {
        let spans = Spans::default();
        let guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
        (spans, guard)
    }

    fn named(&self, name: &str) -> Vec<Seen> {
        self.0.lock().unwrap().iter().filter(|seen| seen.name == name).cloned().collect()
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_string(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx.span(id).and_then(|span| span.parent()).map(|parent| parent.name());
        let seen = Seen { id: id.into_u64(), name: attrs.metadata().name(), parent, fields };
        self.0.lock().unwrap().push(seen);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some(seen) = spans.iter_mut().rev().find(|seen| seen.id == id.into_u64()) {
            values.record(&mut Fields(&mut seen.fields));
        }
    }
}

#[tokio::test]
async fn a_call_runs_in_a_span_with_its_operation_route_and_answer() {
    let (spans, _guard) = Spans::install();
    let mock = MockAuthing::start().await;
    mock.on(mock.client().get_user()).data(sample(json!({"userId": "u-secret-id"})));

    mock.client().get_user().user_id("u-secret-id").await.unwrap();

    let [call] = spans.named("authing.call").try_into().unwrap();
    let expected = [
        ("otel.name", "authing.getUser"),
        ("otel.kind", "client"),
        ("authing.operation", "getUser"),
        ("http.request.method", "GET"),
        ("url.path", "/api/v3/get-user"),
        ("server.address", "127.0.0.1"),
        ("http.response.status_code", "200"),
        ("authing.status_code", "200"),
        ("authing.attempts", "1"),
    ];
    for (name, value) in expected {
        assert_eq!(call.field(name), Some(value), "{name} of {call:#?}");
    }
    assert!(call.field("authing.request_id").is_some_and(|id| id.starts_with("mock-")), "{call:#?}");
    assert_eq!(call.field("otel.status_code"), None, "a success leaves the status unset, as OpenTelemetry asks");
    assert!(!format!("{call:?}").contains("u-secret-id"), "no parameter value: {call:#?}");
    let [token] = spans.named("authing.token").try_into().unwrap();
    assert_eq!((token.parent, token.field("http.response.status_code")), (None, Some("200")));
}

#[tokio::test]
async fn a_failed_call_says_why_and_a_retried_one_how_many_times_it_was_sent() {
    let (spans, _guard) = Spans::install();
    let mock = MockAuthing::start().await;
    let client = mock.client();
    mock.on(client.get_user().user_id("gone")).api_error(404, 2004, "user not found");
    mock.on(client.get_user().user_id("busy")).limit(1).http_status(503);
    mock.on(client.get_user().user_id("busy")).data(sample(json!({"userId": "busy"})));

    client.get_user().user_id("gone").await.unwrap_err();
    client.get_user().user_id("busy").await.unwrap();

    let [gone, busy] = spans.named("authing.call").try_into().unwrap();
    for (name, value) in [
        ("otel.status_code", "ERROR"),
        ("error.type", "Api"),
        ("authing.status_code", "404"),
        ("authing.api_code", "2004"),
        ("authing.attempts", "1"),
    ] {
        assert_eq!(gone.field(name), Some(value), "{name} of {gone:#?}");
    }
    assert!(gone.field("authing.request_id").is_some(), "{gone:#?}");
    assert_eq!((busy.field("authing.attempts"), busy.field("otel.status_code")), (Some("2"), None), "{busy:#?}");
}

#[tokio::test]
async fn untyped_and_raw_calls_run_in_spans_and_a_raw_query_is_not_recorded() {
    let (spans, _guard) = Spans::install();
    let mock = MockAuthing::start().await;
    mock.on(mock.client().get_user()).data(sample(json!({"userId": "u1"})));
    // A raw call made and never sent has no span.
    drop(mock.client().raw(reqwest::Method::GET, "/api/v3/get-user"));

    mock.client().get_user().user_id("u1").send_untyped().await.unwrap();
    mock.client().raw(reqwest::Method::GET, "/api/v3/get-user?userId=u1").await.unwrap();

    let [untyped, raw] = spans.named("authing.call").try_into().unwrap();
    assert_eq!(untyped.field("authing.operation"), Some("getUser"));
    assert_eq!((raw.field("authing.operation"), raw.field("otel.name")), (Some("raw"), Some("authing.raw")));
    assert_eq!(raw.field("url.path"), Some("/api/v3/get-user"));
    assert_eq!(raw.field("http.response.status_code"), Some("200"));
    assert!(!format!("{raw:?}").contains("userId=u1"), "{raw:#?}");
}

#[tokio::test]
async fn a_walk_runs_in_a_span_around_the_calls_for_its_pages() {
    let (spans, _guard) = Spans::install();
    let mock = MockAuthing::start().await;
    let users: Vec<authing::types::UserDto> = (0..60).map(|n| sample(json!({"userId": format!("u{n}")}))).collect();
    mock.on(mock.client().list_users()).list(users);

    let walked: Vec<_> = mock.client().list_users().items().try_collect().await.unwrap();

    assert_eq!(walked.len(), 60);
    let [walk] = spans.named("authing.pages").try_into().unwrap();
    assert_eq!(walk.field("authing.operation"), Some("listUsers"));
    let calls = spans.named("authing.call");
    assert_eq!(calls.len(), 2, "two pages of 50");
    assert!(calls.iter().all(|call| call.parent == Some("authing.pages")), "{calls:#?}");
}
