//! The deadline of a whole call (`operation_timeout`): waiting for the
//! token, for a place under the in-flight limit, every attempt and backoff,
//! and the renewal after a 401 all fit in it, as aws-sdk-rust's operation
//! timeout bounds its attempt timeouts.
//!
//! progenitor runs a call as two hooks, `pre` (the token) and `exec` (the
//! request); the deadline is set by the first and read by the second through
//! a task-local slot that `.await` and `.json()` open around the call.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::TimeLimit;
use crate::failure::Failure;

tokio::task_local! {
    /// The deadline of the call running in this task, once a hook has set it.
    static CALL_DEADLINE: Cell<Option<Instant>>;
}

/// Runs `call` (a generated builder's `send()`) with its own deadline slot.
pub(crate) fn scope<F: Future>(call: F) -> impl Future<Output = F::Output> {
    CALL_DEADLINE.scope(Cell::new(None), call)
}

/// The deadline of the call running in this task, `limit` from the first
/// time it is asked for; `limit` from now outside [`scope`].
pub(crate) fn of_call(limit: Duration) -> Instant {
    let fresh = || later(Instant::now(), limit);
    CALL_DEADLINE
        .try_with(|slot| {
            let deadline = slot.get().unwrap_or_else(fresh);
            slot.set(Some(deadline));
            deadline
        })
        .unwrap_or_else(|_| fresh())
}

/// Whether the running task is inside [`scope`]: a call through `.await`
/// or `.json()`, rather than progenitor's own `send()`.
pub(crate) fn in_scope() -> bool {
    CALL_DEADLINE.try_with(|_| ()).is_ok()
}

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

    #[tokio::test]
    async fn the_first_hook_sets_the_deadline_and_the_second_reads_it() {
        let (first, second) = scope(async {
            let first = of_call(Duration::from_secs(30));
            tokio::task::yield_now().await;
            (first, of_call(Duration::from_secs(60)))
        })
        .await;
        assert_eq!(first, second);
    }

    #[test]
    fn a_duration_past_what_an_instant_holds_does_not_panic() {
        let now = Instant::now();
        assert!(later(now, Duration::MAX) > now);
        assert_eq!(later(now, Duration::from_secs(1)), now + Duration::from_secs(1));
    }
}
