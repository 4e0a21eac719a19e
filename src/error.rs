//! The one error type of the crate.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling the Management API.
///
/// Each variant carries what is needed to debug it: the envelope's codes for
/// an [`Error::Api`], the HTTP status and the whole body of a response that
/// could not be read. The accessors ([`api_code`](Error::api_code),
/// [`request_id`](Error::request_id), [`is_retryable`](Error::is_retryable),
/// [`body`](Error::body), ...) read them whatever the variant.
///
/// Safe to log by reflex: its `Display` and `Debug` never show an answer's
/// body (for this API, users' emails, phones and names), only its length;
/// [`body`](Error::body) gives it. Credentials and tokens never appear in it.
/// Variants with fields may gain more: match them with `..`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured with a value it cannot use (an empty access
    /// key, a host that is not a URL, ...). Returned by the builder, before any
    /// request is sent.
    #[error("invalid configuration: {0}")]
    Config(String),

    /// Authing answered with an envelope whose `statusCode` is not 200,
    /// whatever the HTTP status. `api_code` names the exact error (see
    /// Authing's API code list); quote `request_id` when asking Authing for help.
    #[error("Authing API error {status_code}{}: {message}{}",
        api_code.map(|c| format!(" (apiCode {c})")).unwrap_or_default(),
        request_id.as_deref().map(|r| format!(" [requestId {r}]")).unwrap_or_default())]
    #[non_exhaustive]
    Api {
        /// The envelope's `statusCode` (for example 400, 403, 404, 500).
        status_code: i64,
        /// The envelope's `apiCode`, the precise error code, when present.
        api_code: Option<i64>,
        /// The envelope's `message`, in the client's [`Lang`](crate::Lang).
        message: String,
        /// The envelope's `requestId`, when present.
        request_id: Option<String>,
    },

    /// The request was not sent because a parameter is missing or could not be
    /// converted (for example a required parameter of a builder was never set).
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// The call ran into one of its time limits, which [`TimeLimit`] names:
    /// one request's `timeout`, or the whole call's `operation_timeout`.
    #[error("timed out: {limit}")]
    #[non_exhaustive]
    Timeout {
        /// The limit that was reached.
        limit: TimeLimit,
        /// The HTTP client's error, when a request was cut off by it.
        #[source]
        source: Option<TransportError>,
    },

    /// The request could not be sent or its response could not be read:
    /// DNS, connection refused or reset, TLS, a body cut short.
    #[error("transport error: {0}")]
    Transport(#[source] TransportError),

    /// The server answered 429 or 503 (in HTTP or in the envelope) asking
    /// to wait (`Retry-After`), and the request was not sent again: the
    /// wait would end past the call's `operation_timeout`, or the retries
    /// were used up, off, or not for this request (a write answered 503).
    /// Wait `retry_after` before calling again.
    #[error(
        "status {status_code} (HTTP {http_status}): the server asked to wait {retry_after:?} before the request is sent again, and it was not"
    )]
    #[non_exhaustive]
    RetryAfter {
        /// The status the answer stands for, 429 or 503: the envelope's
        /// `statusCode` under an HTTP 2xx, the HTTP status otherwise.
        status_code: i64,
        /// The HTTP status of the answer (429 or 503, or 200 with the status in the envelope).
        http_status: u16,
        /// How long the server asked to wait.
        retry_after: Duration,
        /// The whole body (the message shows its length only).
        body: ResponseBody,
    },

    /// The answer is larger than the client's
    /// [`max_response_bytes`](crate::ManagementClientBuilder::max_response_bytes);
    /// it was not read further.
    #[error("the answer is larger than the limit of {limit} bytes (max_response_bytes); it was not read further")]
    #[non_exhaustive]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },

    /// A list walk (`.pages()`, `.items()`) could not read the whole list:
    /// the server's latest total says there are more items than it gave, and
    /// the walk cannot go on without skipping or repeating some (an empty or
    /// a repeated page, a cursor that ended or stood still). The last item
    /// of the stream, after every page before it: a list is never cut short
    /// silently.
    #[error(
        "{operation}: the list ended after {seen} of its {total} items; the rest could not be read without skipping or repeating some"
    )]
    #[non_exhaustive]
    IncompleteList {
        /// The operation walked (`listUsers`).
        operation: String,
        /// Items read, those before a resumed walk's start included.
        seen: i64,
        /// The total the server gave last.
        total: i64,
    },

    /// An event subscription could not connect, or the server closed it:
    /// the event host is unreachable, refused the upgrade (HTTP 401 or 403:
    /// a wrong access key), or sent a close frame (`close_code` 4001, for
    /// example, for an event code it does not take). An item of the
    /// [`Subscription`](crate::Subscription), which goes on reconnecting
    /// after it, waiting longer after each refusal.
    #[error("event subscription to {event_code}: {reason}")]
    #[non_exhaustive]
    Subscription {
        /// The event code subscribed to.
        event_code: String,
        /// The HTTP status of a refused upgrade.
        http_status: Option<u16>,
        /// The code of the server's close frame, when it closed the connection with one.
        close_code: Option<u16>,
        /// What happened: for a close frame, its code and reason.
        reason: String,
    },

    /// The server answered an HTTP status other than 200 without Authing's
    /// envelope: a gateway's HTML error page, a proxy's own JSON error, a mock
    /// server's validation report.
    #[error("HTTP {http_status} without an Authing envelope ({body})")]
    #[non_exhaustive]
    UnexpectedStatus {
        /// The HTTP status of the response.
        http_status: u16,
        /// The whole body (the message shows its length only).
        body: ResponseBody,
    },

    /// An HTTP 200 response whose body is not JSON: empty, cut short, or of
    /// another format.
    #[error("HTTP {http_status}: the response is not JSON ({source}; {body})")]
    #[non_exhaustive]
    InvalidJson {
        /// The HTTP status of the response.
        http_status: u16,
        /// The whole body (the message shows its length only).
        body: ResponseBody,
        /// Where the JSON parser stopped.
        #[source]
        source: serde_json::Error,
    },

    /// The answer is JSON but does not fit the type the API document gives
    /// it, even read leniently (unknown enum values and `null`s are accepted):
    /// Authing's answer and this crate's document disagree. The whole body is
    /// here, so nothing is lost: read it with [`ResponseBody::json`], or call
    /// the operation untyped (`.send_untyped()` instead of `.await` on its
    /// builder; `.json_items()` instead of `.items()` for a list).
    #[error("{operation}: HTTP {http_status}: the answer does not fit its type at `{path}`: {reason} ({body})")]
    #[non_exhaustive]
    UnexpectedShape {
        /// The operation called (`getUser`), or the method and path of a raw request.
        operation: String,
        /// The HTTP status of the response.
        http_status: u16,
        /// Where in the answer it does not fit, such as `data.list[3].status`
        /// (`.` for the answer as a whole).
        path: String,
        /// The whole body (the message shows its length only).
        body: ResponseBody,
        /// What did not fit, as the JSON reader says it, without the value
        /// it found (``invalid type: string, expected i64``): the value is
        /// in the body.
        reason: String,
    },
}

/// What a JSON reader's error says, without the value it quotes: "invalid
/// type: string \"alice@example.com\", expected i64" becomes "invalid type:
/// string, expected i64". Field and variant names, which are the document's,
/// are kept.
pub(crate) fn without_values(error: &serde_json::Error) -> String {
    let said = error.to_string();
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = said.strip_prefix(prefix) {
            let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
            let kind = unexpected.split(['`', '"']).next().unwrap_or_default().trim_end();
            return match expected.is_empty() {
                true => format!("{prefix}{kind}"),
                false => format!("{prefix}{kind}, expected {expected}"),
            };
        }
    }
    said
}

impl Error {
    /// The variant's name (`Api`, `Timeout`, ...): a span's `error.type`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Error::Config(_) => "Config",
            Error::Api { .. } => "Api",
            Error::InvalidRequest(_) => "InvalidRequest",
            Error::Timeout { .. } => "Timeout",
            Error::Transport(_) => "Transport",
            Error::RetryAfter { .. } => "RetryAfter",
            Error::ResponseTooLarge { .. } => "ResponseTooLarge",
            Error::IncompleteList { .. } => "IncompleteList",
            Error::Subscription { .. } => "Subscription",
            Error::UnexpectedStatus { .. } => "UnexpectedStatus",
            Error::InvalidJson { .. } => "InvalidJson",
            Error::UnexpectedShape { .. } => "UnexpectedShape",
        }
    }

    /// The envelope's `statusCode` of an [`Error::Api`] (400, 403, 404, 500, ...),
    /// or the status an answer that asked to wait stood for
    /// ([`Error::RetryAfter`]: 429 or 503, in HTTP or in the envelope).
    pub fn status_code(&self) -> Option<i64> {
        match self {
            Error::Api { status_code, .. } | Error::RetryAfter { status_code, .. } => Some(*status_code),
            _ => None,
        }
    }

    /// The envelope's `apiCode`, the precise error of an [`Error::Api`], when Authing gave one.
    pub fn api_code(&self) -> Option<i64> {
        match self {
            Error::Api { api_code, .. } => *api_code,
            _ => None,
        }
    }

    /// The envelope's `requestId`: quote it when asking Authing for help.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of the answer, for the errors about one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::RetryAfter { http_status, .. }
            | Error::UnexpectedStatus { http_status, .. }
            | Error::InvalidJson { http_status, .. }
            | Error::UnexpectedShape { http_status, .. } => Some(*http_status),
            Error::Subscription { http_status, .. } => *http_status,
            _ => None,
        }
    }

    /// The whole body of an answer that could not be read as expected.
    pub fn body(&self) -> Option<&ResponseBody> {
        match self {
            Error::RetryAfter { body, .. }
            | Error::UnexpectedStatus { body, .. }
            | Error::InvalidJson { body, .. }
            | Error::UnexpectedShape { body, .. } => Some(body),
            _ => None,
        }
    }

    /// How long the server asked to wait before the call is made again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RetryAfter { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// Whether making the same call again later could succeed: no answer
    /// (connection, DNS, a body cut short), a time limit, a server asking to
    /// wait, a passing failure (HTTP or envelope status 429, 502, 503 or 504,
    /// as the [`RetryPolicy`](crate::RetryPolicy) counts them), or a list that
    /// changed while it was walked. Not for what would fail the same way
    /// again: a refusal of the request, a setting, an answer that does not
    /// fit its type. The client has already retried what its policy allows.
    ///
    /// For a write (a create, an update, a delete), a time limit or a
    /// connection lost may mean it was applied: the client does not send a
    /// write again then, and neither should a caller, unless the write is
    /// idempotent or its effect is checked first.
    pub fn is_retryable(&self) -> bool {
        const PASSING: [i64; 4] = [429, 502, 503, 504];
        match self {
            Error::Transport(_) | Error::Timeout { .. } | Error::RetryAfter { .. } | Error::IncompleteList { .. } => {
                true
            }
            Error::Api { status_code, .. } => PASSING.contains(status_code),
            Error::UnexpectedStatus { http_status, .. } => PASSING.contains(&i64::from(*http_status)),
            Error::Subscription { http_status, close_code, .. } => {
                http_status.is_none_or(|s| PASSING.contains(&i64::from(s))) && !close_code.is_some_and(close_refuses)
            }
            _ => false,
        }
    }
}

/// Whether a WebSocket close code refuses the subscription itself, rather
/// than ending one connection: 1008 (policy violation) and the application's
/// own 4000-4999 (Authing's event server closes with 4001 for an event code it
/// does not take). A subscription waits longer after each, as after a refused upgrade.
pub(crate) fn close_refuses(code: u16) -> bool {
    code == 1008 || (4000..5000).contains(&code)
}

/// The body of an answer that could not be read as expected, kept whole.
///
/// Its `Display` and `Debug` show its length, never its bytes: an answer of
/// this API holds users' emails, phones and names, and errors end up in logs.
/// The methods give all of it.
#[derive(Clone, PartialEq, Eq)]
pub struct ResponseBody(Bytes);

impl ResponseBody {
    pub(crate) fn new(bytes: impl Into<Bytes>) -> Self {
        ResponseBody(bytes.into())
    }

    /// The body as received.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The body as text (invalid UTF-8 replaced by U+FFFD).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_slice(&self.0)
    }
}

impl std::fmt::Display for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "body of {} bytes, not shown: read it with `.body()`", self.0.len())
    }
}

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResponseBody({} bytes)", self.0.len())
    }
}

/// Which time limit a call ran into (see [`Error::Timeout`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeLimit {
    /// One request, from connecting to the last byte of its answer: the
    /// client's [`timeout`](crate::ManagementClientBuilder::timeout).
    Request(Duration),
    /// The whole call (the token, the wait for a place under the in-flight
    /// limit, every attempt and backoff, the renewal after a 401): the
    /// client's [`operation_timeout`](crate::ManagementClientBuilder::operation_timeout).
    Operation(Duration),
}

impl std::fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeLimit::Request(limit) => write!(f, "no answer to a request within its timeout of {limit:?}"),
            TimeLimit::Operation(limit) => write!(f, "the call did not end within its operation_timeout of {limit:?}"),
        }
    }
}

/// Why a request got no answer: the HTTP client's error (connection, DNS,
/// TLS, a body cut short), shared so that every call waiting on the same
/// token request can report it.
#[derive(Clone)]
pub struct TransportError(Arc<reqwest::Error>);

impl TransportError {
    /// The HTTP client's error, with the query taken out of its URL: a
    /// query holds users' ids, emails and phones, and this error is shown.
    pub(crate) fn new(error: reqwest::Error) -> Self {
        let error = match error.url().cloned() {
            Some(mut url) => {
                url.set_query(None);
                error.with_url(url)
            }
            None => error,
        };
        TransportError(Arc::new(error))
    }

    /// Whether no connection could be made (refused, DNS, TLS handshake):
    /// the request never reached a server.
    pub fn is_connect(&self) -> bool {
        self.0.is_connect()
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::fmt::Debug for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

#[cfg(test)]
mod tests {
    use super::without_values;

    fn reading<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        without_values(&serde_json::from_str::<T>(json).unwrap_err())
    }

    #[test]
    fn a_readers_error_keeps_what_went_wrong_and_drops_the_value_it_found() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct User {
            #[serde(rename = "loginsCount")]
            logins_count: i64,
        }
        let said = reading::<User>(r#"{"loginsCount": "alice@example.com"}"#);
        assert!(said.starts_with("invalid type: string, expected i64"), "{said}");
        let said = reading::<User>(r#"{"loginsCount": 13800138000.5}"#);
        assert!(said.starts_with("invalid type: floating point, expected i64") && !said.contains("138"), "{said}");
        // The document's names are not users' data: kept.
        assert!(reading::<User>("{}").contains("missing field `loginsCount`"));
    }
}
