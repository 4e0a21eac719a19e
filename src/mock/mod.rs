//! A typed mock of the Management API for the tests of code that uses this
//! crate (cargo feature `mock`): a server on 127.0.0.1 in the test's own
//! process that hands out tokens by itself, a [`ManagementClient`] pointed at
//! it, and expectations written with the client's own request builders.
//!
//! ```
//! use authing::mock::{MockAuthing, sample};
//! use authing::{Paginated as _, types};
//! use futures_util::TryStreamExt as _;
//! use serde_json::json;
//!
//! /// The code under test: the emails of the pool's users, and one user's name.
//! async fn emails_and_name(client: &authing::ManagementClient) -> authing::Result<(Vec<String>, Option<String>)> {
//!     let users: Vec<types::UserDto> = client.list_users().items().try_collect().await?;
//!     let first = client.get_user().user_id("u1").await?;
//!     Ok((users.into_iter().filter_map(|user| user.email).collect(), first.name))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mock = MockAuthing::start().await;
//! let ann: types::UserDto = sample(json!({"userId": "u1", "name": "Ann", "email": "ann@example.com"}));
//! let bob: types::UserDto = sample(json!({"userId": "u2", "email": "bob@example.com"}));
//! mock.on(mock.client().list_users()).list([ann.clone(), bob]);
//! let get_ann = mock.on(mock.client().get_user().user_id("u1")).data(ann);
//!
//! let (emails, name) = emails_and_name(&mock.client()).await.unwrap();
//! assert_eq!(emails, ["ann@example.com", "bob@example.com"]);
//! assert_eq!(name.as_deref(), Some("Ann"));
//! assert_eq!(get_ann.hits(), 1);
//! # }
//! ```
//!
//! **Matching.** [`MockAuthing::on`] takes a request built as the code under
//! test builds it. It matches a call of that operation whose parameters and
//! body fields include the ones set on it; a parameter or field left unset
//! matches anything (`mock.on(client.get_user())` is any `getUser`). The
//! expectations are tried in the order they were made; the first that
//! matches answers.
//!
//! **Answers.** [`When::data`] answers the operation's typed `data` in
//! Authing's envelope; [`When::list`] answers a list page by page, as the
//! request asks for it; [`When::api_error`], [`When::http_status`] and
//! [`When::json`] answer the rest; [`When::delay`] holds the answer back.
//! [`sample`] makes answer data from the few fields a test cares about.
//!
//! **Verification.** A call that nothing expected is answered with an error
//! (status 500) whose message names the operation and shows the call and
//! what was expected, and it fails the test when the mock is dropped (or at
//! [`MockAuthing::verify`]), even if the code under test swallowed the error.
//! [`When::times`] says how many calls an expectation must see;
//! [`Expectation::hits`] counts them.

mod expectation;
mod matching;
mod sample;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
use serde_json::{Map, Value};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::call::Operation;
use crate::{ManagementClient, ManagementClientBuilder};
pub use expectation::{Expectation, When};
use expectation::{Rule, answer_failure};
pub use sample::sample;

/// The path of Authing's token endpoint, which the mock answers by itself.
const TOKEN_PATH: &str = "/api/v3/get-management-token";

/// A mock of the Management API: a local server, the expectations made on
/// it, and the calls that nothing expected. Dropping it stops the server
/// and fails the test if an expectation was not met (see the [module](self)).
pub struct MockAuthing {
    server: MockServer,
    state: Arc<Mutex<State>>,
    client: ManagementClient,
}

/// What the server knows: the expectations, in the order made, and the calls
/// nothing expected.
#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    unexpected: Vec<String>,
}

impl MockAuthing {
    /// Starts a mock server on 127.0.0.1, on a port of its own.
    pub async fn start() -> MockAuthing {
        let server = MockServer::builder().start().await;
        let state = Arc::new(Mutex::new(State::default()));
        let responder = Responder { state: Arc::clone(&state), answered: AtomicU64::new(0) };
        Mock::given(wiremock::matchers::any()).respond_with(responder).mount(&server).await;
        let client = Self::builder_for(&server.uri()).build().expect("the mock's client is configured");
        MockAuthing { server, state, client }
    }

    fn builder_for(uri: &str) -> ManagementClientBuilder {
        ManagementClient::builder()
            .access_key_id("mock-access-key-id")
            .access_key_secret("mock-access-key-secret")
            .host(uri)
    }

    /// A client pointed at the mock (a clone of one client: they share a
    /// token and a connection pool).
    pub fn client(&self) -> ManagementClient {
        self.client.clone()
    }

    /// A client builder pointed at the mock, for a client with other options
    /// (timeouts, retries) than [`client`](Self::client)'s.
    pub fn client_builder(&self) -> ManagementClientBuilder {
        Self::builder_for(&self.server.uri())
    }

    /// The mock's address (`http://127.0.0.1:port`), for code under test
    /// that builds its own client (for example with
    /// [`ManagementClient::from_env`] and `AUTHING_HOST`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// An expectation of calls like `request`: it matches a call of the same
    /// operation whose parameters and body include those set on `request`.
    /// Give it its answer with one of [`When`]'s methods.
    ///
    /// # Panics
    ///
    /// When `request` cannot be read as an expectation: a value a setter
    /// refused, or a path parameter left unset (every call has one).
    pub fn on<O: Operation>(&self, request: O) -> When<O> {
        match request.expected() {
            Ok(prepared) => When::new(Arc::clone(&self.state), O::ID, &prepared.request),
            Err(error) => panic!("authing mock: this expectation cannot be read: {error}"),
        }
    }

    /// Panics, saying why, if a call was not expected or an expectation
    /// given [`When::times`] saw another number of calls.
    pub fn verify(&self) {
        if let Some(failures) = self.failures() {
            panic!("{failures}");
        }
    }

    fn failures(&self) -> Option<String> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = Vec::new();
        for call in &state.unexpected {
            out.push(format!("- unexpected call: {call}"));
        }
        for rule in &state.rules {
            if let Some(why) = rule.unmet() {
                out.push(format!("- {why}"));
            }
        }
        (!out.is_empty()).then(|| format!("authing mock: not as expected:\n{}", out.join("\n")))
    }
}

impl Drop for MockAuthing {
    fn drop(&mut self) {
        // A test already failing says why on its own; a second panic would abort.
        if std::thread::panicking() {
            return;
        }
        self.verify();
    }
}

impl std::fmt::Debug for MockAuthing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockAuthing").field("uri", &self.server.uri()).finish_non_exhaustive()
    }
}

/// Answers every request the server gets: the token endpoint, then the
/// first expectation that matches, then the error of an unexpected call.
/// Each answer has a `requestId` of its own, as Authing's do.
struct Responder {
    state: Arc<Mutex<State>>,
    answered: AtomicU64,
}

impl wiremock::Respond for Responder {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let request_id = format!("mock-{}", self.answered.fetch_add(1, Ordering::Relaxed) + 1);
        if request.method == http::Method::POST && request.url.path() == TOKEN_PATH {
            let token = Map::from_iter([
                ("access_token".to_string(), Value::from("mock-token")),
                ("expires_in".to_string(), Value::from(7200)),
            ]);
            return envelope(Value::from(token), &request_id);
        }
        let call = matching::Request::read(request);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(rule) = state.rules.iter().find(|rule| rule.matches(&call)) {
            return rule.answer(&call, &request_id);
        }
        let expected: Vec<String> =
            state.rules.iter().filter(|rule| Some(rule.operation) == call.operation).map(Rule::describe).collect();
        let why = match (call.operation, expected.is_empty()) {
            (None, _) => format!("{} is no operation of the Management API", call.describe()),
            (Some(operation), true) => format!("{}: nothing expects a call of {operation}", call.describe()),
            (Some(operation), false) => {
                format!("{}: no expectation of {operation} matches; expected: {}", call.describe(), expected.join("; "))
            }
        };
        state.unexpected.push(why.clone());
        answer_failure(500, None, &format!("authing mock: {why}"), &request_id)
    }
}

/// A success in Authing's envelope, with HTTP status 200.
fn envelope(data: Value, request_id: &str) -> ResponseTemplate {
    let body = Map::from_iter([
        ("statusCode".to_string(), Value::from(200)),
        ("message".to_string(), Value::from("success")),
        ("requestId".to_string(), Value::from(request_id)),
        ("data".to_string(), data),
    ]);
    ResponseTemplate::new(200).set_body_json(Value::Object(body))
}

/// A body's builder, as the generated code gives it to an expectation: the
/// fields set on it (see `authing-codegen`'s `mock.rs`).
pub(crate) trait SetFields {
    /// Puts each field set on the builder into `fields`.
    fn set_fields(&self, fields: &mut Fields);
}

/// The fields of a body that an expectation names, by wire name.
#[derive(Default)]
pub(crate) struct Fields(Map<String, Value>);

impl Fields {
    /// Puts `field` under `name` when it is set (not an unset required
    /// field, not `None`).
    pub(crate) fn put<T: Serialize>(&mut self, name: &str, field: &std::result::Result<T, String>) {
        if let Ok(value) = field
            && let Ok(json) = serde_json::to_value(value)
            && !json.is_null()
        {
            self.0.insert(name.to_string(), json);
        }
    }
}

impl Fields {
    /// Puts every field of `body`, a body that is no struct (a free-form map).
    // Called by the generated code of the operations that take such a body, which not every set of areas has.
    #[allow(dead_code)]
    pub(crate) fn put_all(&mut self, body: &impl Serialize) {
        if let Ok(Value::Object(all)) = serde_json::to_value(body) {
            self.0.extend(all);
        }
    }
}

/// The whole answer of an operation whose answer has no `data`, as a
/// success: `statusCode` 200 (a failure is `.api_error`), a `requestId`
/// unless it has its own, with HTTP status 200.
fn whole(answer: Value, request_id: &str) -> ResponseTemplate {
    let mut body = match answer {
        Value::Object(fields) => fields,
        other => Map::from_iter([("data".to_string(), other)]),
    };
    body.insert("statusCode".to_string(), Value::from(200));
    body.entry("message").or_insert(Value::from("success"));
    if body.get("requestId").and_then(Value::as_str).is_none_or(str::is_empty) {
        body.insert("requestId".to_string(), Value::from(request_id));
    }
    ResponseTemplate::new(200).set_body_json(Value::Object(body))
}

/// The fields set on a body's builder, as JSON.
pub(crate) fn set_fields(body: &impl SetFields) -> Map<String, Value> {
    let mut fields = Fields::default();
    body.set_fields(&mut fields);
    fields.0
}
