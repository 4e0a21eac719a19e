//! Why a call got no usable answer, before it is an [`Error`]: what the
//! runtime's layers (transport, token, deadline) hand to each other.
//!
//! It is `Clone`, so that every call waiting on one token request gets the
//! same failure.

use std::time::Duration;

use bytes::Bytes;

use crate::error::{Error, ResponseBody, TimeLimit, TransportError};

#[derive(Clone, Debug)]
pub(crate) enum Failure {
    /// No answer: connection, DNS, TLS, a body cut short.
    Transport(TransportError),
    /// A time limit was reached.
    Timeout(TimeLimit, Option<TransportError>),
    /// The answer is larger than `max_response_bytes`.
    TooLarge { limit: usize },
    /// The token endpoint answered without a token; `status_code` is the
    /// status the answer stood for (the envelope's under HTTP 2xx); `body` is redacted.
    TokenRejected { http_status: u16, status_code: i64, body: Bytes },
    /// The server asked to wait past the call's deadline, or on an answer not sent again;
    /// `status_code` is the status the answer stood for.
    RetryAfter { http_status: u16, status_code: i64, retry_after: Duration, body: Bytes },
    /// The task fetching the token was stopped twice before it ended (its
    /// runtime shut down, or it panicked).
    Stopped(String),
}

impl Failure {
    /// A failure of the HTTP client; `timeout` is the per-request limit it enforces.
    pub(crate) fn from_reqwest(error: reqwest::Error, timeout: Duration) -> Failure {
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            if let Some(too_large) = cause.downcast_ref::<crate::transport::TooLarge>() {
                return Failure::TooLarge { limit: too_large.limit };
            }
            source = cause.source();
        }
        match error.is_timeout() {
            true => Failure::Timeout(TimeLimit::Request(timeout), Some(TransportError::new(error))),
            false => Failure::Transport(TransportError::new(error)),
        }
    }

    /// Whether asking again soon may succeed: no answer, a time limit, or
    /// the server throttling or failing for a while (status 429 or 5xx).
    /// A refusal of the request itself (a wrong access key) is not.
    pub(crate) fn may_pass(&self) -> bool {
        match self {
            Failure::Transport(_) | Failure::Timeout(..) | Failure::RetryAfter { .. } => true,
            Failure::TokenRejected { status_code, .. } => *status_code == 429 || (500..600).contains(status_code),
            Failure::TooLarge { .. } | Failure::Stopped(_) => false,
        }
    }

    /// The error the call reports.
    pub(crate) fn into_error(self) -> Error {
        match self {
            Failure::Transport(error) => Error::Transport(error),
            Failure::Timeout(limit, source) => Error::Timeout { limit, source },
            Failure::TooLarge { limit } => Error::ResponseTooLarge { limit },
            Failure::TokenRejected { http_status, body, .. } => crate::token::rejected(http_status, body),
            Failure::RetryAfter { http_status, status_code, retry_after, body } => {
                Error::RetryAfter { status_code, http_status, retry_after, body: ResponseBody::new(body) }
            }
            Failure::Stopped(why) => Error::InvalidRequest(format!(
                "the token request was stopped before it ended ({why}); nothing was sent"
            )),
        }
    }
}
