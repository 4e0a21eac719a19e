//! A typed async client for the [Authing](https://www.authing.cn) Management API (v3).
//!
//! Every one of the API's operations is a method of [`ManagementClient`],
//! named after its operationId in snake_case, generated from the API's
//! OpenAPI document. The client fetches and caches the management token,
//! sends Authing's headers, and turns each answer's envelope
//! `{statusCode, message, apiCode, requestId, data}` into
//! `Result<data, Error>`.
//!
//! ```no_run
//! use authing::{ManagementClient, types};
//!
//! # async fn run() -> authing::Result<()> {
//! let client = ManagementClient::builder()
//!     .access_key_id("AUTHING_USERPOOL_ID")
//!     .access_key_secret("AUTHING_USERPOOL_SECRET")
//!     .build()?;
//!
//! let page = client
//!     .list_users()
//!     .body_map(|body| {
//!         body.options(types::ListUsersOptionsDto::builder().pagination(types::PaginationDto::builder().page(1).limit(10)))
//!     })
//!     .await?;
//! println!("{} users", page.total_count);
//! # Ok(())
//! # }
//! ```
//!
//! Modules, by what they do: the generated surface is [`types`] and
//! [`builder`] (the operations are methods of [`ManagementClient`]); the
//! hand-written runtime is `config` (the builder), `token` (the token cache,
//! refreshed in the background), `call` (the one path of every call, and its
//! future), `exchange` (one request: the token, the 401 renewal), `deadline` (a whole call's
//! `operation_timeout`), `transport` (in-flight and size limits, retries),
//! `retry` (what is sent again: reads and writes apart), `failure` (what goes
//! wrong inside a call before it is an [`Error`]), `envelope`, `error`,
//! `lenient` (open enums, `null` lists), `body` (what the types' builders
//! report when a body is refused), `paging` (lists walked as streams,
//! pages fetched at once), `events` (subscriptions that heal themselves,
//! publishing) and `raw` (calls to paths the document lacks).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
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
mod raw;
mod redact;
mod retry;
mod session;
mod span;
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
pub use events::{DEFAULT_EVENT_HOST, Event, EventMessage, Subscription, SubscriptionPolicy};
pub use generated::{builder, types};
pub use lenient::Unrecognized;
pub use paging::{DEFAULT_PAGE_CONCURRENCY, Items, MAX_PAGE_SIZE, Page, Pages, Paginated, Resume};
pub use raw::RawRequest;
pub use retry::RetryPolicy;

/// The README's examples, compiled as doc tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
