//! When a request that failed for a passing reason is sent again, and how long
//! to wait first: exponential backoff with full jitter, as AWS's SDKs do.
//!
//! Only failures that leave the request unprocessed are retried: no
//! connection could be made, or the server answered 429 or 503. A timeout or a
//! 5xx after the request arrived is not: most operations are `POST`s that
//! create or change something, and running them twice is worse than failing.

use std::time::Duration;

use crate::transport::Answer;

/// How many times a request may be sent, and how the waits between grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Sends in all, the first one included; 1 turns retrying off.
    pub max_attempts: u32,
    /// The longest first wait; each later one may be twice as long as the one before.
    pub initial_backoff: Duration,
    /// No wait is longer than this, whatever `Retry-After` says.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Three sends in all, waits of up to 200 ms, 400 ms, capped at 5 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// How long to wait before sending again after `attempt` (1 for the first
    /// send) ended in `outcome`, or `None` when it must not be sent again.
    pub(crate) fn delay_after(&self, attempt: u32, outcome: &reqwest::Result<Answer>) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let ceiling = self.initial_backoff.saturating_mul(1 << (attempt - 1).min(16)).min(self.max_backoff);
        let jittered = ceiling.mul_f64(fastrand::f64());
        match outcome {
            Err(error) if error.is_connect() => Some(jittered),
            Ok(answer) if matches!(answer.status, 429 | 503) => {
                Some(retry_after(answer).map_or(jittered, |asked| asked.min(self.max_backoff)))
            }
            _ => None,
        }
    }
}

/// The server's `Retry-After`, when given in seconds.
fn retry_after(answer: &Answer) -> Option<Duration> {
    let value = answer.headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, retry_after: Option<&str>) -> reqwest::Result<Answer> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert("retry-after", value.parse().unwrap());
        }
        Ok(Answer { status, headers, body: Default::default(), url: None })
    }

    #[test]
    fn throttling_and_unavailability_are_retried_within_the_backoff_ceiling() {
        let policy = RetryPolicy::default();
        for status in [429, 503] {
            let first = policy.delay_after(1, &answer(status, None)).unwrap();
            let second = policy.delay_after(2, &answer(status, None)).unwrap();
            assert!(first <= Duration::from_millis(200), "{first:?}");
            assert!(second <= Duration::from_millis(400), "{second:?}");
        }
    }

    #[test]
    fn the_last_attempt_is_not_retried() {
        assert_eq!(RetryPolicy::default().delay_after(3, &answer(503, None)), None);
        let off = RetryPolicy { max_attempts: 1, ..RetryPolicy::default() };
        assert_eq!(off.delay_after(1, &answer(503, None)), None);
    }

    #[test]
    fn answers_that_may_have_changed_something_are_not_retried() {
        for status in [200, 400, 401, 500, 502, 504] {
            assert_eq!(RetryPolicy::default().delay_after(1, &answer(status, None)), None, "HTTP {status}");
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay_after(1, &answer(429, Some("2"))), Some(Duration::from_secs(2)));
        assert_eq!(policy.delay_after(1, &answer(429, Some("3600"))), Some(Duration::from_secs(5)));
    }
}
