//! One exchange with the server within the client's bounds: wait for a place
//! under the in-flight limit, send, read the whole answer up to the size
//! limit; sent again after a passing failure (see [`RetryPolicy`]).
//!
//! Every request goes through here, the token request included, so that the
//! bounds and the retries hold on every path.

use bytes::Bytes;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use reqwest::header::HeaderMap;
use tokio::sync::Semaphore;

use crate::retry::RetryPolicy;

/// An answer read whole: what the rest of the runtime looks at.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The answer as a response again, for progenitor.
    pub(crate) fn into_response(self) -> reqwest::Response {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = http::StatusCode::from_u16(self.status).unwrap_or(http::StatusCode::BAD_GATEWAY);
        *response.headers_mut() = self.headers;
        reqwest::Response::from(response)
    }
}

/// Why an answer was not read: it is larger than the client's
/// `max_response_bytes`. Found in the source chain of the `reqwest::Error`
/// reading it failed with (see [`crate::error::from_reqwest`]).
#[derive(Debug, thiserror::Error)]
#[error("the answer is larger than the limit of {limit} bytes")]
pub(crate) struct TooLarge {
    pub limit: usize,
}

/// How a client reaches the server: the HTTP client, the retry policy and the bounds.
#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    retry: RetryPolicy,
    /// One permit per request on the wire: calls past the limit wait here
    /// instead of opening more connections.
    in_flight: Semaphore,
    max_response_bytes: usize,
}

impl Transport {
    pub(crate) fn new(
        http: reqwest::Client,
        retry: RetryPolicy,
        max_in_flight: usize,
        max_response_bytes: usize,
    ) -> Self {
        Transport { http, retry, in_flight: Semaphore::new(max_in_flight), max_response_bytes }
    }

    /// Sends `request` and reads its answer; again after a passing failure.
    pub(crate) async fn send(&self, request: reqwest::Request, operation: &str) -> reqwest::Result<Answer> {
        // A body that cannot be cloned (a stream) is sent once, as it is.
        let template = if self.retry.max_attempts > 1 { request.try_clone() } else { None };
        let mut request = request;
        let mut attempt = 1;
        loop {
            let outcome = self.send_once(request, operation).await;
            let (Some(template), Some(delay)) = (&template, self.retry.delay_after(attempt, &outcome)) else {
                return outcome;
            };
            tracing::debug!(operation, attempt, ?delay, "transient failure; sending again");
            // The permit is given back while waiting: a wait holds no connection.
            tokio::time::sleep(delay).await;
            attempt += 1;
            request = template.try_clone().expect("cloned once already");
        }
    }

    async fn send_once(&self, request: reqwest::Request, operation: &str) -> reqwest::Result<Answer> {
        // Never closed, so acquiring cannot fail; without a permit the request would still be sent.
        let _permit = self.in_flight.acquire().await.ok();
        let started = std::time::Instant::now();
        let result = match self.http.execute(request).await {
            Ok(response) => read(response, self.max_response_bytes).await,
            Err(error) => Err(error),
        };
        // Lets the pool's task take the connection back before the permit lets
        // the next call in, which would otherwise open a connection of its own.
        tokio::task::yield_now().await;
        match &result {
            Ok(answer) => {
                tracing::debug!(operation, status = answer.status, bytes = answer.body.len(), elapsed = ?started.elapsed(), "response")
            }
            Err(error) => tracing::debug!(operation, %error, elapsed = ?started.elapsed(), "no response"),
        }
        result
    }
}

/// The whole answer, or an error past `limit` bytes without reading the rest
/// (at the first chunk when `content-length` already says so).
async fn read(response: reqwest::Response, limit: usize) -> reqwest::Result<Answer> {
    let status = response.status().as_u16();
    let declared_too_large = response.content_length().is_some_and(|length| length > limit as u64);
    let (parts, body) = http::Response::from(response).into_parts();
    let allowed = if declared_too_large { 0 } else { limit };
    let limited = Limited::new(body, allowed)
        .map_err(move |error| if error.is::<LengthLimitError>() { Box::new(TooLarge { limit }) } else { error });
    // Read back through reqwest so that every failure, this one included, is a `reqwest::Error`.
    let body = reqwest::Response::from(http::Response::new(reqwest::Body::wrap(limited))).bytes().await?;
    Ok(Answer { status, headers: parts.headers, body })
}
