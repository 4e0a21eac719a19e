//! Authing's response envelope `{statusCode, message, apiCode, requestId, data}`
//! and how it becomes `Result<data, Error>`.

use serde::Deserialize;

use crate::error::{Error, Result, snippet};

/// A generated response type shaped like Authing's envelope.
///
/// Implemented by `build.rs` for every such type. [`Envelope::into_data`] is
/// what `.await` on a request builder returns: the typed `data` when
/// `statusCode` is 200, [`Error::Api`] otherwise.
pub trait Envelope: Sized {
    /// What a successful call returns: the type of the envelope's `data`
    /// field, or the envelope itself when it has none.
    type Data;

    /// The typed `data` when `statusCode` is 200, [`Error::Api`] otherwise.
    fn into_data(self) -> Result<Self::Data>;
}

/// The `statusCode` of a successful call.
pub const SUCCESS: i64 = 200;

/// A failure envelope as [`Error::Api`]; shared by every generated envelope.
#[cold]
pub(crate) fn failure(status_code: i64, message: String, api_code: Option<i64>, request_id: Option<String>) -> Error {
    Error::Api { status_code, api_code, message, request_id }
}

/// The envelope without its `data`: what every answer, success or failure, carries.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Status {
    pub status_code: i64,
    #[serde(default)]
    pub message: String,
    pub api_code: Option<i64>,
    pub request_id: Option<String>,
}

/// The error for a response that is not a success: it came with an HTTP
/// status other than 200, or it did not decode as its typed envelope (`typed`
/// says why).
///
/// | answer | error |
/// |---|---|
/// | an envelope whose `statusCode` is not 200, whatever the HTTP status | [`Error::Api`] |
/// | HTTP status other than 200, no envelope | [`Error::UnexpectedStatus`] |
/// | HTTP 200, not JSON | [`Error::InvalidJson`] |
/// | HTTP 200, JSON of another shape | [`Error::UnexpectedShape`] |
///
/// A failure envelope carries no `data`, so it fails the typed decoding of a
/// call whose success has one: reading just the envelope's status tells them apart.
#[cold]
pub(crate) fn classify(http_status: u16, body: &[u8], typed: Option<serde_json::Error>) -> Error {
    let status = serde_json::from_slice::<Status>(body);
    match status {
        Ok(status) if status.status_code != SUCCESS => Error::Api {
            status_code: status.status_code,
            api_code: status.api_code,
            message: status.message,
            request_id: status.request_id,
        },
        _ if http_status != 200 => Error::UnexpectedStatus { http_status, body: snippet(body) },
        Err(e) if e.is_syntax() || e.is_eof() => Error::InvalidJson { http_status, body: snippet(body), source: e },
        Err(e) => Error::UnexpectedShape { http_status, body: snippet(body), source: typed.unwrap_or(e) },
        Ok(_) => Error::UnexpectedShape {
            http_status,
            body: snippet(body),
            source: typed
                .unwrap_or_else(|| serde::de::Error::custom("a success envelope where a failure was expected")),
        },
    }
}
