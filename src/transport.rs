//! One exchange with the server within the client's bounds: wait for the
//! request's turn under the client's rate ([`RateLimiter`]) and for a place
//! under the in-flight limit, send, read the whole answer up to the size
//! limit; sent again after a passing failure (see [`RetryPolicy`]), within
//! the call's deadline and the client's [`RetryBudget`].
//!
//! Every request goes through here, the token request included, so that the
//! bounds and the retries hold on every path.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use reqwest::header::HeaderMap;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use crate::error::{TimeLimit, TransportError};
use crate::failure::Failure;
use crate::rate_limit::{RateLimiter, Turn};
use crate::retry::{Decision, Effect, RetryBudget, RetryPolicy, retry_after};

/// An answer read whole: what the rest of the runtime looks at.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The envelope's `statusCode`, read once, when the body is an envelope.
    envelope_status: Option<i64>,
}

impl Answer {
    pub(crate) fn new(status: u16, headers: HeaderMap, body: Bytes) -> Self {
        let envelope_status = crate::envelope::status_code_of(&body);
        Answer { status, headers, body, envelope_status }
    }

    /// The status the answer stands for ([`stands_for`](crate::envelope::stands_for)):
    /// retries, throttling and the token's renewal are decided by it, so that
    /// an envelope `429` under HTTP 200 is treated as an HTTP 429 is.
    pub(crate) fn status_code(&self) -> i64 {
        crate::envelope::stands_for(self.status, self.envelope_status)
    }

    /// Whether the server refused the request unprocessed because too many were sent.
    pub(crate) fn is_throttled(&self) -> bool {
        self.status_code() == 429
    }

    /// Whether the answer is a success: a 2xx whose envelope says 200.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status) && self.envelope_status == Some(crate::envelope::SUCCESS)
    }
}

/// Why an answer was not read: it is larger than the client's
/// `max_response_bytes`. Found in the source chain of the `reqwest::Error`
/// reading it failed with (see [`Failure::from_reqwest`]).
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
    /// What retries of failures other than throttling may still be made.
    budget: RetryBudget,
    /// The rate requests are sent at: slowed while the server throttles.
    rate: RateLimiter,
    /// One permit per request on the wire: calls past the limit wait here
    /// instead of opening more connections.
    in_flight: Semaphore,
    max_response_bytes: usize,
    /// The HTTP client's limit on one request.
    timeout: Duration,
    /// The limit on a whole call, from which its deadline is set.
    operation_timeout: Duration,
}

impl Transport {
    /// `max_rate` is the fixed limit of requests per second, if any.
    pub(crate) fn new(
        http: reqwest::Client,
        retry: RetryPolicy,
        (max_in_flight, max_rate): (usize, Option<u32>),
        max_response_bytes: usize,
        (timeout, operation_timeout): (Duration, Duration),
    ) -> Self {
        Transport {
            http,
            budget: RetryBudget::new(retry.retry_budget),
            rate: RateLimiter::new(retry.adaptive_rate, max_rate),
            retry,
            in_flight: Semaphore::new(max_in_flight),
            max_response_bytes,
            timeout,
            operation_timeout,
        }
    }

    /// The limit on a whole call (`operation_timeout`).
    pub(crate) fn operation_timeout(&self) -> Duration {
        self.operation_timeout
    }

    /// The limit on one request (`timeout`).
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `request` and reads its answer; again after a passing failure
    /// that the operation's `effect` allows, while the wait ends before
    /// `deadline`. Nothing of it outlasts `deadline`: the wait for a place
    /// under the in-flight limit ends there, and an attempt that would run
    /// past it is given the time left as its timeout.
    ///
    /// Returns with the outcome a copy of the request that was never sent
    /// (`None` when its body is a stream, which is then sent once), for a
    /// caller that sends it again: the copy made for retries serves both.
    pub(crate) async fn send(
        &self,
        request: reqwest::Request,
        operation: &str,
        effect: Effect,
        deadline: Instant,
    ) -> (Result<Answer, Failure>, Option<reqwest::Request>) {
        let unsent = request.try_clone();
        let mut request = request;
        // Sends in all, and those not throttled: throttling does not use up the policy's attempts.
        let (mut attempt, mut unthrottled) = (1, 0);
        // The token request takes no turn: every call waits for it, and it must not queue behind them.
        let paced = effect != Effect::Repeatable;
        let outcome = loop {
            let (outcome, cut_short, turn) = match self.send_once(request, operation, paced, deadline).await {
                Ok(sent) => sent,
                Err(failure) => break Err(failure),
            };
            let throttled = outcome.as_ref().is_ok_and(Answer::is_throttled);
            if let Ok(answer) = &outcome {
                self.rate.record(turn, throttled);
                if answer.is_success() {
                    self.budget.succeeded();
                }
            }
            unthrottled += u32::from(!throttled);
            let time_left = deadline.saturating_duration_since(Instant::now());
            let delay = match self.retry.decide((attempt, unthrottled), &outcome, effect, time_left) {
                Decision::Retry { .. } if unsent.is_none() => {
                    tracing::debug!(operation, "not sent again: its body was a stream, sent once");
                    break self.give_up(outcome, cut_short);
                }
                Decision::Retry { delay, throttled: true } => {
                    tracing::debug!(operation, attempt, ?delay, "throttled; sending again");
                    delay
                }
                Decision::Retry { delay, throttled: false } if self.budget.withdraw() => {
                    tracing::debug!(operation, attempt, ?delay, "transient failure; sending again");
                    delay
                }
                Decision::Retry { .. } => {
                    tracing::debug!(operation, attempt, "transient failure; the client's retry budget is spent");
                    break self.give_up(outcome, cut_short);
                }
                Decision::Refused(wait) => {
                    tracing::debug!(operation, ?wait, "the server asked to wait past the call's deadline");
                    break Err(asked_to_wait(outcome, wait));
                }
                Decision::Stop => break self.give_up(outcome, cut_short),
            };
            let Some(next) = unsent.as_ref().and_then(reqwest::Request::try_clone) else {
                break self.give_up(outcome, cut_short);
            };
            // The permit is given back while waiting: a wait holds no connection.
            tokio::time::sleep(delay).await;
            attempt += 1;
            request = next;
        };
        crate::span::attempts(attempt);
        (outcome, unsent)
    }

    /// The outcome of the last attempt, as the call's: an answer that asked
    /// to wait says so, whatever ended the retries.
    fn give_up(&self, outcome: reqwest::Result<Answer>, cut_short: bool) -> Result<Answer, Failure> {
        let wait = outcome.as_ref().ok().and_then(retry_after).filter(|wait| !wait.is_zero());
        match wait {
            Some(wait) => Err(asked_to_wait(outcome, wait)),
            None => outcome.map_err(|error| self.failure(error, cut_short)),
        }
    }

    /// One attempt, in its turn under the client's rate (when `paced`) and
    /// within a place under the in-flight limit: its outcome, whether its
    /// timeout was cut to the time left before `deadline`, and the turn it
    /// was sent in. `Err` when `deadline` passes before it can be sent.
    async fn send_once(
        &self,
        mut request: reqwest::Request,
        operation: &str,
        paced: bool,
        deadline: Instant,
    ) -> Result<(reqwest::Result<Answer>, bool, Turn), Failure> {
        // The turn first, so that a call waiting for one holds no place.
        let mut turn = match paced {
            true => self.rate.acquire(deadline).await.ok_or_else(|| self.past_deadline(None))?,
            false => Turn::UNPACED,
        };
        let _permit = match self.in_flight.try_acquire() {
            Ok(permit) => permit,
            // Boxed: waiting is rare, and its timer would enlarge every call's future.
            Err(_) => match Box::pin(tokio::time::timeout_at(deadline, self.in_flight.acquire())).await {
                // Never closed, so acquiring cannot fail otherwise.
                Ok(permit) => permit.expect("the in-flight semaphore is never closed"),
                Err(_) => return Err(self.past_deadline(None)),
            },
        };
        // A call that went past the rate before the server began to throttle,
        // and waited for its place since, takes its turn now.
        if paced && turn == Turn::UNPACED && self.rate.is_active() {
            turn = self.rate.acquire(deadline).await.ok_or_else(|| self.past_deadline(None))?;
        }
        let time_left = deadline.saturating_duration_since(Instant::now());
        if time_left.is_zero() {
            return Err(self.past_deadline(None));
        }
        // Only when the deadline is nearer than the usual timeout: setting it costs an allocation.
        let cut_short = time_left < self.timeout;
        if cut_short {
            *request.timeout_mut() = Some(time_left);
        }
        let started = tracing::enabled!(tracing::Level::DEBUG).then(std::time::Instant::now);
        let result = match self.http.execute(request).await {
            Ok(response) => read(response, self.max_response_bytes).await,
            Err(error) => Err(error),
        };
        if self.in_flight.available_permits() == 0 {
            // Every place is taken, so a call may be waiting for this one: let
            // the pool's task take the connection back first, or that call
            // would open one of its own.
            tokio::task::yield_now().await;
        }
        if let Some(started) = started {
            match &result {
                Ok(answer) => {
                    tracing::debug!(operation, status = answer.status, bytes = answer.body.len(), elapsed = ?started.elapsed(), "response")
                }
                Err(error) => tracing::debug!(operation, %error, elapsed = ?started.elapsed(), "no response"),
            }
        }
        Ok((result, cut_short, turn))
    }

    /// The failure of an attempt; a timeout is the call's when the attempt
    /// was `cut_short` to the time left.
    fn failure(&self, error: reqwest::Error, cut_short: bool) -> Failure {
        match cut_short && error.is_timeout() {
            true => self.past_deadline(Some(TransportError::new(error))),
            false => Failure::from_reqwest(error, self.timeout),
        }
    }

    fn past_deadline(&self, source: Option<TransportError>) -> Failure {
        Failure::Timeout(TimeLimit::Operation(self.operation_timeout), source)
    }
}

/// The failure of an answer that asked to wait `retry_after` before the request is sent again.
fn asked_to_wait(outcome: reqwest::Result<Answer>, retry_after: Duration) -> Failure {
    let answer = outcome.expect("only an answer asks to wait");
    Failure::RetryAfter {
        http_status: answer.status,
        status_code: answer.status_code(),
        retry_after,
        body: answer.body,
    }
}

/// The whole answer, or an error past `limit` bytes without reading the rest
/// (at the first chunk when `content-length` already says so).
async fn read(response: reqwest::Response, limit: usize) -> reqwest::Result<Answer> {
    let declared = response.content_length();
    let (parts, body) = http::Response::from(response).into_parts();
    let status = parts.status.as_u16();
    let body = match declared {
        // hyper never reads past a declared length, so no limit needs counting.
        Some(length) if length <= limit as u64 => body.collect().await?.to_bytes(),
        // Boxed: rarer, and its future is larger.
        _ => Box::pin(read_limited(body, declared.is_some(), limit)).await?,
    };
    Ok(Answer::new(status, parts.headers, body))
}

/// A body of unknown length, counted up to `limit`; none at all when its
/// declared length is already past it.
async fn read_limited(body: reqwest::Body, declared_too_large: bool, limit: usize) -> reqwest::Result<Bytes> {
    let allowed = if declared_too_large { 0 } else { limit };
    let limited = Limited::new(body, allowed)
        .map_err(move |error| if error.is::<LengthLimitError>() { Box::new(TooLarge { limit }) } else { error });
    // Read back through reqwest so that every failure, this one included, is a `reqwest::Error`.
    reqwest::Response::from(http::Response::new(reqwest::Body::wrap(limited))).bytes().await
}
