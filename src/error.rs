//! The one error type of the crate.

/// How many bytes of an unexpected response body an [`Error`] keeps.
pub const BODY_SNIPPET_LIMIT: usize = 512;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling the Management API.
///
/// Each variant carries what is needed to debug it: the envelope's codes for
/// an [`Error::Api`], the HTTP status and the start of the body for a response
/// that could not be read. Credentials and tokens never appear in it.
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

    /// No response arrived within the configured timeout (the token request
    /// included).
    #[error("timed out: {0}")]
    Timeout(#[source] reqwest::Error),

    /// The request could not be sent or its response could not be read:
    /// DNS, connection refused or reset, TLS, a body cut short.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),

    /// The server answered an HTTP status other than 200 without Authing's
    /// envelope: a gateway's HTML error page, a proxy's own JSON error, a mock
    /// server's validation report.
    #[error("HTTP {http_status} without an Authing envelope; body starts with {body:?}")]
    UnexpectedStatus {
        /// The HTTP status of the response.
        http_status: u16,
        /// The start of the body, at most [`BODY_SNIPPET_LIMIT`] bytes.
        body: String,
    },

    /// An HTTP 200 response whose body is not JSON: empty, cut short, or of
    /// another format.
    #[error("HTTP {http_status}: the response is not JSON ({source}); body starts with {body:?}")]
    InvalidJson {
        /// The HTTP status of the response.
        http_status: u16,
        /// The start of the body, at most [`BODY_SNIPPET_LIMIT`] bytes.
        body: String,
        /// Where the JSON parser stopped.
        #[source]
        source: serde_json::Error,
    },

    /// The response is JSON but does not have the shape the API document
    /// gives for it: Authing's answer and this crate's document disagree.
    #[error("HTTP {http_status}: the response does not match its schema ({source}); body starts with {body:?}")]
    UnexpectedShape {
        /// The HTTP status of the response.
        http_status: u16,
        /// The start of the body, at most [`BODY_SNIPPET_LIMIT`] bytes.
        body: String,
        /// What did not match.
        #[source]
        source: serde_json::Error,
    },
}

/// The start of `body`, cut at a character boundary, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(BODY_SNIPPET_LIMIT)]);
    let mut text = text.into_owned();
    if body.len() > BODY_SNIPPET_LIMIT {
        // A multi-byte character cut in half decodes as U+FFFD; drop it.
        if text.ends_with('\u{FFFD}') {
            text.pop();
        }
        text.push('…');
    }
    text
}

/// A failure to send a request or read its response, as [`Error::Timeout`]
/// or [`Error::Transport`].
pub(crate) fn from_reqwest(e: reqwest::Error) -> Error {
    if e.is_timeout() { Error::Timeout(e) } else { Error::Transport(e) }
}
