//! What an operator sees of the client through `tracing`: every call, typed,
//! untyped or raw, runs in one span, `authing.call`, with fields following
//! OpenTelemetry's HTTP client conventions and Authing's own; a list walk
//! runs in `authing.pages` (its calls inside it), a subscription in
//! `authing.subscription`, a token fetch in `authing.token`. Retries and
//! the 401 renewal are events inside the call's span. No field holds a
//! secret or a parameter's value: the path is the document's template (a raw
//! call's, the path given, which is the caller's to keep clean), and the
//! query is never recorded.
//!
//! With no subscriber interested, a span costs a few atomic loads; the
//! fields read from an answer are read only for a span that is recorded.

use std::future::Future;

use tracing::field::Empty;
use tracing::{Instrument as _, Span};

use crate::error::{Error, Result};
use crate::transport::Answer;

/// The span of one call of `operation` (an operationId, or `raw` for a raw
/// call), sent as `method` to the path template `path` (a raw call's path as given).
///
/// `otel.name` makes OpenTelemetry exporters show the operation as the
/// span's name (`authing.getUser`), where `tracing` needs one name for all.
pub(crate) fn call(operation: &str, method: &str, path: &str) -> Span {
    tracing::info_span!(
        "authing.call",
        otel.name = %OtelName(operation),
        otel.kind = "client",
        otel.status_code = Empty,
        authing.operation = operation,
        http.request.method = method,
        url.path = path,
        server.address = Empty,
        http.response.status_code = Empty,
        authing.status_code = Empty,
        authing.api_code = Empty,
        authing.request_id = Empty,
        authing.attempts = Empty,
        error.type = Empty,
    )
}

/// `future` run in `span`, whose fields say how it ended.
pub(crate) fn traced<T>(span: Span, future: impl Future<Output = Result<T>>) -> impl Future<Output = Result<T>> {
    let outcome = span.clone();
    async move {
        let result = future.await;
        if let Err(error) = &result {
            failed(&outcome, error);
        }
        result
    }
    .instrument(span)
}

/// The host a call is sent to, on the current call's span.
pub(crate) fn sending_to(url: &reqwest::Url) {
    let span = Span::current();
    if !span.is_disabled() {
        span.record("server.address", url.host_str());
    }
}

/// What an answer says, on the current call's span: its HTTP status, and
/// the envelope's `statusCode`, `apiCode` and `requestId` when it has one.
pub(crate) fn answered(answer: &Answer) {
    let span = Span::current();
    if span.is_disabled() {
        return;
    }
    span.record("http.response.status_code", answer.status);
    if let Ok(status) = serde_json::from_slice::<crate::envelope::Status>(&answer.body) {
        span.record("authing.status_code", status.status_code);
        if let Some(api_code) = status.api_code {
            span.record("authing.api_code", api_code);
        }
        if let Some(request_id) = status.request_id.as_deref() {
            span.record("authing.request_id", request_id);
        }
    }
}

/// How many times the current call's request was sent.
pub(crate) fn attempts(attempts: u32) {
    Span::current().record("authing.attempts", attempts);
}

/// A call that ended in `error`, on its span. What an answer said is
/// there already ([`answered`]); an answer that asked to wait longer than
/// allowed ends the call before it is read, so its status is added here.
fn failed(span: &Span, error: &Error) {
    if span.is_disabled() {
        return;
    }
    span.record("otel.status_code", "ERROR");
    span.record("error.type", error.kind());
    if let Error::RetryAfter { http_status, status_code, .. } = error {
        span.record("http.response.status_code", http_status);
        span.record("authing.status_code", status_code);
    }
}

/// `authing.<operation>`, written only when a subscriber records it.
struct OtelName<'a>(&'a str);

impl std::fmt::Display for OtelName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "authing.{}", self.0)
    }
}
