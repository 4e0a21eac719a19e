//! A typed async client for the [Authing](https://www.authing.cn) Management API (v3): users,
//! roles, groups, organizations, applications, permissions and everything else a backend does
//! to administer a user pool.
//!
//! Every one of the API's 497 operations is a method of [`ManagementClient`], named after its
//! operationId in snake_case (`list_users`, `create_role`, `get_user`), as in Authing's Python,
//! Node and Go SDKs. The client fetches and caches the management token, sends Authing's
//! headers, retries what is safe to retry, and turns each answer's envelope
//! `{statusCode, message, apiCode, requestId, data}` into `Result<data, Error>`.
//!
//! # Quick start
//!
//! ```no_run
//! use authing::{ManagementClient, Paginated as _};
//! use futures_util::TryStreamExt as _;
//!
//! # async fn run() -> authing::Result<()> {
//! // AUTHING_ACCESS_KEY_ID and AUTHING_ACCESS_KEY_SECRET: the user pool's access key.
//! let client = ManagementClient::from_env()?;
//!
//! // A list is a stream of its items, fetched page by page as it is read.
//! let mut users = client.list_users().items();
//! while let Some(user) = users.try_next().await? {
//!     println!("{} {:?}", user.user_id, user.email);
//! }
//!
//! // A body is set field by field.
//! let role = client.create_role().body_map(|role| role.code("admin").description("Administrators")).await?;
//!
//! // Required parameters, and the optional ones you need.
//! let user = client.get_user().user_id("6229ba8b1f5e3c2a2bd86e0c").with_custom_data(true).await?;
//! # let _ = (role, user);
//! # Ok(())
//! # }
//! ```
//!
//! # Finding the call for a task
//!
//! [`operations`] lists every operation by the area of Authing it works on (users, roles,
//! organizations, applications, permissions, ...), with what `.await` gives and whether it
//! pages. [`cookbook`] shows the tasks people do every week, each a compiled example. Each
//! method's own page says what `.await` gives and shows the call with its required
//! parameters; [`types`] has every request and answer type.
//!
//! # Calling operations
//!
//! A method returns a request builder ([`builder`]) with a setter per parameter. `.await` sends
//! it and gives the envelope's typed `data`; `.send_untyped()` gives it as JSON, for an answer
//! the type cannot read; `.send_with_response()` gives the HTTP status, headers and the whole
//! envelope ([`Response`]). A required parameter or body field left unset is refused before
//! anything is sent, naming every one. [`ManagementClient::raw`] calls a path the document does
//! not have, with the same token, retries and envelope. Every call is a [`Call`]: `Send`,
//! `'static`, so it can be spawned.
//!
//! # Errors
//!
//! Every failure is an [`Error`]: [`Error::Api`] for Authing's refusals (read
//! [`Error::api_code`] and quote [`Error::request_id`] to Authing's support), and one variant
//! for each other way a call fails (a time limit, the transport, an answer that does not fit
//! its type, ...). No error shows a body, a token or the access key.
//!
//! # Lists
//!
//! The 84 operations that page implement [`Paginated`]: `.items()` and `.pages()` are streams
//! that fetch pages lazily, 8 at a time once the total is known, in order, and never end `Ok`
//! with less than the whole list ([`Error::IncompleteList`]). `.items()` yields the typed
//! items, which keep only the fields the document lists: for an export that must keep every
//! field Authing sends, use `.json_items()`.
//!
//! # Throttling and bulk work
//!
//! Authing throttles a user pool (status 429, in HTTP or in the envelope under HTTP 200). A
//! throttled call is sent again until its `operation_timeout`, and the client as a whole slows
//! to the rate the server admits; [`ManagementClientBuilder::max_requests_per_second`] sets a
//! fixed limit. [`bulk::run`] runs one operation over many inputs with bounded concurrency,
//! each input ending with its own outcome.
//!
//! # Events
//!
//! [`ManagementClient::subscribe`] (the feature `subscriptions`) is a [`Subscription`]: a stream of
//! [`Event`]s that reconnects by itself; [`ManagementClient::publish_event`] publishes one.
//!
//! # Features
//!
//! The default features compile everything: `full` (every area of the API's operations),
//! `subscriptions` (event subscriptions) and `aws-lc-rs`. With `default-features = false`,
//! name the areas whose operations you call (`users`, `roles`, ...: [`operations`] names each
//! operation's), rustls's cryptography (`ring`, which needs no cmake and builds faster, or
//! `aws-lc-rs`), and `subscriptions` to subscribe. A method whose area is off cannot be
//! called, and the compiler names the feature to add. `mock` adds [`mock::MockAuthing`] and
//! `schemars` a `JsonSchema` derive on every type.
//!
//! # Testing code that uses it
//!
//! With the feature `mock`, [`mock::MockAuthing`] is a typed mock of the API in the test's own
//! process: expectations written with the client's request builders, typed answers, and a call
//! nothing expected named in a failing test.
//!
//! # Options, tracing, secrets
//!
//! [`ManagementClientBuilder`] has the options: host (a private deployment), language, time
//! limits, [`RetryPolicy`], in-flight and size bounds. Every call runs in a `tracing` span,
//! `authing.call`, with OpenTelemetry's HTTP client fields and Authing's `requestId`. The
//! `Debug` of a type shows `<redacted>` for a field that holds a secret (a password, a token, a
//! client secret).
//!
//! How the crate is built (generation, the runtime's parts, regen) is in the repository's
//! `DESIGN.md`.

#![forbid(unsafe_code)]
// The crate's docs link to what `subscriptions` and `mock` add: with either off, those links
// have nothing to point to, and the text still reads.
#![cfg_attr(not(all(feature = "subscriptions", feature = "mock")), allow(rustdoc::broken_intra_doc_links))]
#![warn(missing_docs)]

mod body;
pub mod bulk;
mod call;
mod client;
mod config;
mod deadline;
mod envelope;
mod error;
mod events;
mod exchange;
mod failure;
mod generated;
mod lenient;
#[cfg(feature = "mock")]
pub mod mock;
mod paging;
#[cfg(test)]
mod properties;
mod rate_limit;
mod raw;
mod redact;
mod retry;
mod session;
mod span;
mod tls;
mod token;
mod transport;

pub use call::{Call, Operation, Response};
pub use client::ManagementClient;
pub use config::{
    DEFAULT_HOST, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_OPERATION_TIMEOUT, DEFAULT_TIMEOUT,
    DEFAULT_TOKEN_REFRESH_MARGIN, Lang, MAX_DURATION, ManagementClientBuilder, SDK_VERSION,
};
pub use envelope::Envelope;
pub use error::{Error, ResponseBody, Result, TimeLimit, TransportError};
#[cfg(feature = "subscriptions")]
pub use events::{DEFAULT_EVENT_HOST, Event, EventMessage, Subscription, SubscriptionPolicy};
pub use generated::{builder, types};

/// Every operation, by the area of Authing it works on: find the call for a task here.
///
#[doc = include_str!(concat!(env!("OUT_DIR"), "/operations.md"))]
pub mod operations {}

/// Tasks people do every week with Authing, each a compiled example.
///
#[doc = include_str!("cookbook.md")]
pub mod cookbook {}
pub use lenient::Unrecognized;
pub use paging::{DEFAULT_PAGE_CONCURRENCY, Items, MAX_PAGE_SIZE, Page, Pages, Paginated, Resume};
pub use raw::RawRequest;
pub use retry::RetryPolicy;

/// The README's examples, compiled as doc tests so that they stay true (its
/// test of the mock needs the feature, which `cargo xtask test` turns on).
#[cfg(all(doctest, feature = "mock"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
