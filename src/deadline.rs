//! The deadline of a whole call (`operation_timeout`): waiting for the
//! token, for a place under the in-flight limit, every attempt and backoff,
//! and the renewal after a 401 all fit in it, as aws-sdk-rust's operation
//! timeout bounds its attempt timeouts.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::TimeLimit;
use crate::failure::Failure;

/// `work`, or [`TimeLimit::Operation`] when it has not ended by `deadline`.
pub(crate) async fn within<T>(
    deadline: Instant,
    limit: Duration,
    work: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    match tokio::time::timeout_at(deadline, work).await {
        Ok(outcome) => outcome,
        Err(_) => Err(Failure::Timeout(TimeLimit::Operation(limit), None)),
    }
}

/// `by` after `at`; a year after it when that is past what an `Instant`
/// holds (settings are bounded far below, so this never waits that long).
pub(crate) fn later(at: Instant, by: Duration) -> Instant {
    const YEAR: Duration = Duration::from_secs(365 * 24 * 60 * 60);
    at.checked_add(by).or_else(|| at.checked_add(YEAR)).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_past_what_an_instant_holds_does_not_panic() {
        let now = Instant::now();
        assert!(later(now, Duration::MAX) > now);
        assert_eq!(later(now, Duration::from_secs(1)), now + Duration::from_secs(1));
    }
}
