//! When a request that failed for a passing reason is sent again, and how long
//! to wait first: exponential backoff with full jitter, as AWS's SDKs do.
//!
//! What may be sent again depends on what the operation does ([`Effect`],
//! decided per operation from the document by `authing-codegen`):
//!
//! - a **read** (every `GET`, and the `POST`s that only read, such as
//!   `listUsers` or `checkPermission`) is sent again after a connection or
//!   transport failure other than a timeout, and on HTTP 429, 502, 503, 504;
//! - a **write** (everything else) only when it provably never reached a
//!   server (no connection could be made) and on 429, which refuses the
//!   request unprocessed. A 503 or 502 does not prove that: a proxy may
//!   answer it after forwarding the request, and a write done twice is worse
//!   than one that fails. [`RetryPolicy::retry_writes`] opts writes into the
//!   reads' rules.
//!
//! A request that timed out after its connection was made is never sent
//! again: the server may still be working on it. (A connection that could
//! not be made in time never reached a server, and is sent again.)
//! A `Retry-After` longer than the policy's `max_backoff`, or than is left of
//! the call's deadline, ends the retries with [`Error::RetryAfter`](crate::Error::RetryAfter).

use std::time::Duration;

use crate::transport::Answer;

/// How many times a request may be sent, and how the waits between grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Sends in all, the first one included; 1 turns retrying off.
    pub max_attempts: u32,
    /// The longest first wait; each later one may be twice as long as the one before.
    pub initial_backoff: Duration,
    /// No wait is longer than this: a `Retry-After` asking for more ends
    /// the retries with [`Error::RetryAfter`](crate::Error::RetryAfter).
    pub max_backoff: Duration,
    /// Send writes again on the answers reads are sent again on (HTTP 502,
    /// 503, 504, a connection lost after the request was sent), not only
    /// when they never reached a server or on 429. For services whose
    /// writes are safe to repeat; off by default.
    pub retry_writes: bool,
}

impl Default for RetryPolicy {
    /// Three sends in all, waits of up to 200 ms, 400 ms, capped at 5 s;
    /// writes sent again only when they never reached a server, or on 429.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            retry_writes: false,
        }
    }
}

impl RetryPolicy {
    /// The policy with `max_attempts` sends in all (1 turns retrying off).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// The policy with a first wait of at most `initial_backoff`.
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// The policy with no wait longer than `max_backoff`.
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// The policy with writes sent again as reads are (see [`RetryPolicy::retry_writes`]).
    pub fn with_retry_writes(mut self, retry_writes: bool) -> Self {
        self.retry_writes = retry_writes;
        self
    }

    /// What to do after `attempt` (1 for the first send) of an operation
    /// with `effect` ended in `outcome`, with `time_left` before the call's deadline.
    pub(crate) fn decide(
        &self,
        attempt: u32,
        outcome: &reqwest::Result<Answer>,
        effect: Effect,
        time_left: Duration,
    ) -> Decision {
        let as_read = effect == Effect::Reads || self.retry_writes;
        let retryable = match outcome {
            // No connection: the request never reached a server.
            Err(error) if error.is_connect() => true,
            Err(error) => as_read && !error.is_timeout() && !error.is_body() && !error.is_decode(),
            Ok(answer) => match answer.status {
                429 => true,
                502..=504 => as_read,
                _ => false,
            },
        };
        if !retryable || attempt >= self.max_attempts {
            return Decision::Stop;
        }
        let asked = outcome.as_ref().ok().and_then(retry_after);
        match asked {
            Some(asked) if asked > self.max_backoff || asked >= time_left => Decision::Refused(asked),
            Some(asked) => Decision::Retry(asked),
            None => {
                let ceiling = self.initial_backoff.saturating_mul(1 << (attempt - 1).min(16)).min(self.max_backoff);
                let delay = ceiling.mul_f64(fastrand::f64());
                // A wait that would end past the deadline is no retry at all.
                if delay >= time_left { Decision::Stop } else { Decision::Retry(delay) }
            }
        }
    }
}

/// What an operation does to the user pool, as far as sending it again goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Only reads: sending it twice changes nothing.
    Reads,
    /// May create, change or delete something.
    Writes,
}

impl Effect {
    /// The effect of a request by `method` to the operation whose method is
    /// `function` (`list_users`, the method that made the request): every `GET`
    /// reads; a `POST` reads when it is one of
    /// [`READ_ONLY_POSTS`](crate::generated::READ_ONLY_POSTS).
    pub(crate) fn of(method: &reqwest::Method, function: &str) -> Effect {
        let reads = method == reqwest::Method::GET
            || method == reqwest::Method::HEAD
            || (method == reqwest::Method::POST && crate::generated::READ_ONLY_POSTS.binary_search(&function).is_ok());
        if reads { Effect::Reads } else { Effect::Writes }
    }
}

/// What [`RetryPolicy::decide`] tells the transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Send again after this wait.
    Retry(Duration),
    /// Return the outcome as it is.
    Stop,
    /// The server asked to wait this long, more than is allowed: return that.
    Refused(Duration),
}

/// The server's `Retry-After` on a 429 or 503: a number of seconds, or an
/// HTTP date (the wait until then; none when it has passed).
pub(crate) fn retry_after(answer: &Answer) -> Option<Duration> {
    if !matches!(answer.status, 429 | 503) {
        return None;
    }
    let value = answer.headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    match value.parse::<u64>() {
        Ok(seconds) => Some(Duration::from_secs(seconds)),
        Err(_) => httpdate::parse_http_date(value).ok()?.duration_since(std::time::SystemTime::now()).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLENTY: Duration = Duration::from_secs(3600);

    fn answer(status: u16, retry_after: Option<&str>) -> reqwest::Result<Answer> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert("retry-after", value.parse().unwrap());
        }
        Ok(Answer { status, headers, body: Default::default() })
    }

    fn delay(decision: Decision) -> Duration {
        match decision {
            Decision::Retry(delay) => delay,
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn reads_are_sent_again_on_throttling_and_gateway_failures_within_the_backoff_ceiling() {
        let policy = RetryPolicy::default();
        for status in [429, 502, 503, 504] {
            let first = delay(policy.decide(1, &answer(status, None), Effect::Reads, PLENTY));
            let second = delay(policy.decide(2, &answer(status, None), Effect::Reads, PLENTY));
            assert!(first <= Duration::from_millis(200), "{first:?}");
            assert!(second <= Duration::from_millis(400), "{second:?}");
        }
    }

    #[test]
    fn writes_are_sent_again_only_on_throttling_unless_the_policy_says_so() {
        let policy = RetryPolicy::default();
        assert!(matches!(policy.decide(1, &answer(429, None), Effect::Writes, PLENTY), Decision::Retry(_)));
        for status in [502, 503, 504] {
            assert_eq!(policy.decide(1, &answer(status, None), Effect::Writes, PLENTY), Decision::Stop, "{status}");
            let opted_in = policy.with_retry_writes(true).decide(1, &answer(status, None), Effect::Writes, PLENTY);
            assert!(matches!(opted_in, Decision::Retry(_)), "{status}: {opted_in:?}");
        }
    }

    #[test]
    fn the_last_attempt_is_not_retried() {
        assert_eq!(RetryPolicy::default().decide(3, &answer(503, None), Effect::Reads, PLENTY), Decision::Stop);
        let off = RetryPolicy::default().with_max_attempts(1);
        assert_eq!(off.decide(1, &answer(503, None), Effect::Reads, PLENTY), Decision::Stop);
    }

    #[test]
    fn answers_that_may_have_changed_something_are_not_retried() {
        for status in [200, 400, 401, 500] {
            for effect in [Effect::Reads, Effect::Writes] {
                let decision = RetryPolicy::default().decide(1, &answer(status, None), effect, PLENTY);
                assert_eq!(decision, Decision::Stop, "HTTP {status}");
            }
        }
    }

    #[test]
    fn retry_after_is_honoured_and_one_past_the_cap_or_the_deadline_ends_the_retries() {
        let policy = RetryPolicy::default();
        let decide = |value, time_left| policy.decide(1, &answer(429, Some(value)), Effect::Writes, time_left);
        assert_eq!(decide("2", PLENTY), Decision::Retry(Duration::from_secs(2)));
        assert_eq!(decide("3600", PLENTY), Decision::Refused(Duration::from_secs(3600)));
        assert_eq!(decide("2", Duration::from_secs(1)), Decision::Refused(Duration::from_secs(2)));
        // An HTTP date: the wait until then; one passed already is no wait asked for.
        let Decision::Refused(wait) = decide("Wed, 21 Oct 2099 07:28:00 GMT", PLENTY) else { panic!() };
        assert!(wait > Duration::from_secs(365 * 24 * 3600), "{wait:?}");
        assert!(matches!(decide("Wed, 21 Oct 2015 07:28:00 GMT", PLENTY), Decision::Retry(_)));
        assert!(matches!(decide("soon", PLENTY), Decision::Retry(_)));
    }

    #[test]
    fn the_effect_of_an_operation_is_found_by_its_method_name() {
        let table = crate::generated::READ_ONLY_POSTS;
        assert!(table.windows(2).all(|pair| pair[0] < pair[1]), "sorted, for the binary search");
        let post = reqwest::Method::POST;
        assert_eq!(Effect::of(&post, "list_users"), Effect::Reads);
        assert_eq!(Effect::of(&post, "check_permission"), Effect::Reads);
        assert_eq!(Effect::of(&post, "create_role"), Effect::Writes);
        assert_eq!(Effect::of(&post, "get_public_account_of_groups"), Effect::Writes);
        assert_eq!(Effect::of(&reqwest::Method::GET, "get_user"), Effect::Reads);
        assert_eq!(Effect::of(&reqwest::Method::DELETE, "delete_by_id"), Effect::Writes);
        // A path the document lacks, sent raw.
        assert_eq!(Effect::of(&post, ""), Effect::Writes);
    }

    #[test]
    fn no_wait_is_started_that_would_end_past_the_deadline() {
        let policy = RetryPolicy::default()
            .with_initial_backoff(Duration::from_secs(10))
            .with_max_backoff(Duration::from_secs(10));
        // A jittered wait of up to 10 s with a nanosecond left: never waited.
        for _ in 0..100 {
            let decision = policy.decide(1, &answer(503, None), Effect::Reads, Duration::from_nanos(1));
            assert!(matches!(decision, Decision::Stop | Decision::Retry(Duration::ZERO)), "{decision:?}");
        }
    }
}
