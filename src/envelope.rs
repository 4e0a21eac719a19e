//! Authing's response envelope `{statusCode, message, apiCode, requestId, data}`
//! and how it becomes `Result<data, Error>`.

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ResponseBody, Result};

/// A generated response type shaped like Authing's envelope.
///
/// Implemented by `build.rs` for every such type, and sealed: the envelopes
/// are the document's. [`Envelope::into_data`] is what `.await` on a request
/// builder returns: the typed `data` when `statusCode` is 200, [`Error::Api`] otherwise.
pub trait Envelope: Sized + crate::call::sealed::Sealed {
    /// What a successful call returns: the type of the envelope's `data`
    /// field, or the envelope itself when it has none.
    type Data;

    /// Whether `Data` is the whole envelope (an answer with no `data` field).
    #[doc(hidden)]
    const WHOLE: bool;

    /// The typed `data` when `statusCode` is 200, [`Error::Api`] otherwise.
    fn into_data(self) -> Result<Self::Data>;

    /// Whether `statusCode` is 200.
    #[doc(hidden)]
    fn is_success(&self) -> bool;
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
    #[serde(deserialize_with = "crate::lenient::integer")]
    pub status_code: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default, deserialize_with = "crate::lenient::optional_integer")]
    pub api_code: Option<i64>,
    pub request_id: Option<String>,
}

/// The `statusCode` of the envelope `body`, read without decoding the rest:
/// what the runtime decides retries, throttling and token renewal by, since
/// Authing answers most failures under HTTP 200. `None` when `body` is not
/// an envelope. A number given as a string (`"429"`) is read as the number,
/// as the answers' other numbers are.
pub(crate) fn status_code_of(body: &[u8]) -> Option<i64> {
    // Authing's answers begin with their `statusCode`: read it in place.
    if let Some(rest) = body.strip_prefix(br#"{"statusCode":"#) {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if (1..=6).contains(&digits) && matches!(rest.get(digits), Some(b',' | b'}')) {
            return std::str::from_utf8(&rest[..digits]).ok()?.parse().ok();
        }
    }
    // Answers that are not envelopes (a gateway's page) are not parsed at all.
    memchr::memmem::find(body, b"\"statusCode\"")?;
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "statusCode", deserialize_with = "crate::lenient::integer")]
        status_code: i64,
    }
    serde_json::from_slice::<Probe>(body).ok().map(|probe| probe.status_code)
}

/// The status an answer with `http_status` and an envelope saying
/// `envelope_status` stands for: the envelope's under an HTTP 2xx (Authing
/// answers most failures under HTTP 200, throttling included), the HTTP
/// status otherwise.
pub(crate) fn stands_for(http_status: u16, envelope_status: Option<i64>) -> i64 {
    match (200..300).contains(&http_status) {
        true => envelope_status.unwrap_or(i64::from(http_status)),
        false => i64::from(http_status),
    }
}

/// Why an answer did not decode as its type: where, and what.
pub(crate) struct Mismatch {
    /// The JSON path, such as `data.list[3].status`.
    pub path: String,
    pub error: serde_json::Error,
}

impl Mismatch {
    /// Why `body` does not decode as `T`, with the path; `None` when it does.
    /// Decodes again, so it is for the path of an error, never the way to success.
    pub(crate) fn find<T: DeserializeOwned>(body: &[u8]) -> Option<Mismatch> {
        let json = &mut serde_json::Deserializer::from_slice(body);
        match serde_path_to_error::deserialize::<_, T>(json) {
            Ok(_) => None,
            Err(e) => Some(Mismatch { path: e.path().to_string(), error: e.into_inner() }),
        }
    }
}

/// The error for a response that is not a success: it came with an HTTP
/// status other than 200, or it did not decode as its typed envelope
/// (`typed` says where and why).
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
pub(crate) fn classify(operation: &str, http_status: u16, body: Bytes, typed: Option<Mismatch>) -> Error {
    let status = serde_json::from_slice::<Status>(&body);
    let shape = |mismatch: Mismatch, body: Bytes| Error::UnexpectedShape {
        operation: operation.to_string(),
        http_status,
        path: mismatch.path,
        body: ResponseBody::new(body),
        reason: crate::error::without_values(&mismatch.error),
    };
    match status {
        Ok(status) if status.status_code != SUCCESS => Error::Api {
            status_code: status.status_code,
            api_code: status.api_code,
            message: status.message,
            request_id: status.request_id,
        },
        _ if http_status != 200 => Error::UnexpectedStatus { http_status, body: ResponseBody::new(body) },
        Err(e) if e.is_syntax() || e.is_eof() => {
            Error::InvalidJson { http_status, body: ResponseBody::new(body), source: e }
        }
        Err(e) => shape(typed.unwrap_or(Mismatch { path: ".".into(), error: e }), body),
        Ok(_) => {
            let mismatch = typed.unwrap_or_else(|| Mismatch {
                path: ".".into(),
                error: serde::de::Error::custom("a success envelope, but not the answer this call expects"),
            });
            shape(mismatch, body)
        }
    }
}

/// The `data` of an answer as JSON (the whole envelope when it has no
/// `data`), or the error it reports: what untyped calls return.
pub(crate) fn untyped_data(operation: &str, http_status: u16, body: Bytes) -> Result<serde_json::Value> {
    let Ok(serde_json::Value::Object(mut envelope)) = serde_json::from_slice(&body) else {
        return Err(classify(operation, http_status, body, None));
    };
    let success = envelope.get("statusCode").and_then(|code| crate::lenient::integer(code).ok()) == Some(SUCCESS);
    if !(success && (200..300).contains(&http_status)) {
        return Err(classify(operation, http_status, body, None));
    }
    Ok(envelope.remove("data").unwrap_or(serde_json::Value::Object(envelope)))
}

#[cfg(test)]
mod tests {
    use super::status_code_of;

    #[test]
    fn the_status_code_is_read_wherever_it_stands_and_whatever_the_data_holds() {
        assert_eq!(status_code_of(br#"{"statusCode":200,"data":{"phone":"429429"}}"#), Some(200));
        assert_eq!(status_code_of(br#"{"statusCode":429,"message":"slow down"}"#), Some(429));
        assert_eq!(status_code_of(br#"{"statusCode":503}"#), Some(503));
        assert_eq!(status_code_of(br#"{"data":{"statusCode":200},"statusCode": 429}"#), Some(429));
        assert_eq!(status_code_of(br#"{ "message": "", "statusCode": "503" }"#), Some(503));
        assert_eq!(status_code_of(br#"{"statusCode":200429}"#), Some(200429));
        assert_eq!(status_code_of(b"<html>429 Too Many Requests</html>"), None);
        assert_eq!(status_code_of(br#"{"statusCode":"#), None);
        assert_eq!(status_code_of(br#"{"statusCode":null}"#), None);
        assert_eq!(status_code_of(br#"[{"statusCode":429}]"#), None);
        assert_eq!(status_code_of(b""), None);
    }
}
