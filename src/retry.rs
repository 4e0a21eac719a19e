//! When a request that failed for a passing reason is sent again, and how long
//! to wait first: exponential backoff with full jitter, as AWS's SDKs do.
//!
//! An answer is judged by the status it stands for
//! ([`Answer::status_code`]): the envelope's `statusCode` under HTTP 200,
//! how Authing answers most failures, counts as the same HTTP status would.
//! What may be sent again depends on what the operation does ([`Effect`],
//! decided per operation from the document by `authing-codegen`):
//!
//! - a **throttled** request (status 429) was refused unprocessed: it is sent
//!   again, whatever the operation does, until the call's deadline rather
//!   than up to `max_attempts`, while the client as a whole slows down
//!   ([`crate::rate_limit`]);
//! - a **read** (every `GET`, and the `POST`s that only read, such as
//!   `listUsers` or `checkPermission`) is sent again after a connection or
//!   transport failure other than a timeout, and on status 502, 503, 504;
//! - a **write** (everything else) only when it provably never reached a
//!   server (no connection could be made). A 503 or 502 does not prove that:
//!   a proxy may answer it after forwarding the request, and a write done
//!   twice is worse than one that fails. [`RetryPolicy::retry_writes`] opts
//!   writes into the reads' rules;
//! - the token request, which changes nothing however often it is sent, is
//!   sent again on a 500 too.
//!
//! A request that timed out after its connection was made is never sent
//! again: the server may still be working on it. (A connection that could
//! not be made in time never reached a server, and is sent again.)
//! Retries of failures other than throttling draw on a [`RetryBudget`]
//! shared by the client, so that an outage does not multiply the load.
//! A `Retry-After` that would end past the call's deadline ends the retries
//! with [`Error::RetryAfter`](crate::Error::RetryAfter).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::transport::Answer;

/// How many times a request may be sent, and how the waits between grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Sends in all after failures other than throttling, the first one
    /// included; a throttled request is sent again until the call's
    /// deadline whatever this says. 1 turns retrying off, throttled
    /// requests included.
    pub max_attempts: u32,
    /// The longest first wait; each later one may be twice as long as the one before.
    pub initial_backoff: Duration,
    /// No wait of the client's own is longer than this. A `Retry-After`
    /// the server sends is honoured while it ends before the call's
    /// deadline, even when it is longer.
    pub max_backoff: Duration,
    /// Send writes again on the answers reads are sent again on (status
    /// 502, 503, 504, a connection lost after the request was sent), not
    /// only when they never reached a server or were throttled. For
    /// services whose writes are safe to repeat; off by default.
    pub retry_writes: bool,
    /// How many retries of failures other than throttling the client and
    /// its clones may make with no success between them; each success
    /// earns back a fifth of one, up to this. During an outage, this is
    /// what stops every call from tripling the load. 0 allows none.
    pub retry_budget: u32,
    /// Slow the whole client down while the server throttles: the rate it
    /// sends at follows the rate the server admits (see
    /// [`ManagementClientBuilder::max_requests_per_second`](crate::ManagementClientBuilder::max_requests_per_second)
    /// for a fixed limit). On by default.
    pub adaptive_rate: bool,
}

impl Default for RetryPolicy {
    /// Three sends in all after passing failures, waits of up to 200 ms,
    /// 400 ms, capped at 5 s; throttled requests sent again until the
    /// deadline; writes sent again only when they never reached a server,
    /// or were throttled; a budget of 100 retries; the rate adapting to
    /// throttling.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            retry_writes: false,
            retry_budget: 100,
            adaptive_rate: true,
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

    /// The policy with no wait of its own longer than `max_backoff`.
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// The policy with writes sent again as reads are (see [`RetryPolicy::retry_writes`]).
    pub fn with_retry_writes(mut self, retry_writes: bool) -> Self {
        self.retry_writes = retry_writes;
        self
    }

    /// The policy with a budget of `retry_budget` retries (see [`RetryPolicy::retry_budget`]).
    pub fn with_retry_budget(mut self, retry_budget: u32) -> Self {
        self.retry_budget = retry_budget;
        self
    }

    /// The policy with the rate adapting to throttling, or not (see [`RetryPolicy::adaptive_rate`]).
    pub fn with_adaptive_rate(mut self, adaptive_rate: bool) -> Self {
        self.adaptive_rate = adaptive_rate;
        self
    }

    /// What to do after `attempt` (1 for the first send) of an operation
    /// with `effect` ended in `outcome`, `unthrottled` of the sends so far
    /// not throttled, with `time_left` before the call's deadline.
    pub(crate) fn decide(
        &self,
        (attempt, unthrottled): (u32, u32),
        outcome: &reqwest::Result<Answer>,
        effect: Effect,
        time_left: Duration,
    ) -> Decision {
        let as_read = effect != Effect::Writes || self.retry_writes;
        let throttled = matches!(outcome, Ok(answer) if answer.is_throttled());
        let retryable = match outcome {
            _ if throttled => true,
            // No connection: the request never reached a server.
            Err(error) if error.is_connect() => true,
            Err(error) => as_read && !error.is_timeout() && !error.is_body() && !error.is_decode(),
            Ok(answer) => match answer.status_code() {
                502..=504 => as_read,
                500 => effect == Effect::Repeatable,
                _ => false,
            },
        };
        // Throttling is waited out until the deadline: only turning retries off stops it.
        let out_of_attempts = if throttled { self.max_attempts <= 1 } else { unthrottled >= self.max_attempts };
        if !retryable || out_of_attempts {
            return Decision::Stop;
        }
        // `Retry-After: 0` asks for no wait, which many calls would take at once: the backoff's, then.
        let asked = outcome.as_ref().ok().and_then(retry_after).filter(|asked| !asked.is_zero());
        let delay = match asked {
            Some(asked) if asked >= time_left => return Decision::Refused(asked),
            Some(asked) => asked,
            None => {
                let ceiling = self.initial_backoff.saturating_mul(1 << (attempt - 1).min(16)).min(self.max_backoff);
                ceiling.mul_f64(fastrand::f64())
            }
        };
        // A wait that would end past the deadline is no retry at all.
        if delay >= time_left {
            return Decision::Stop;
        }
        Decision::Retry { delay, throttled }
    }
}

/// What an operation does to the user pool, as far as sending it again goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Only reads: sending it twice changes nothing.
    Reads,
    /// May create, change or delete something.
    Writes,
    /// Changes nothing however it is answered, so that even a 500 may be
    /// sent again: the token request (which takes no turn under the client's
    /// rate either: every call waits for it).
    Repeatable,
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
    /// Send again after `delay`; `throttled` when the server refused the
    /// request for being one too many (which the retry budget does not pay for).
    Retry { delay: Duration, throttled: bool },
    /// Return the outcome as it is.
    Stop,
    /// The server asked to wait this long, past the call's deadline: return that.
    Refused(Duration),
}

/// The server's `Retry-After` on a throttled or unavailable answer (status
/// 429 or 503, in HTTP or in the envelope): a number of seconds, or an
/// HTTP date (the wait until then; none when it has passed).
pub(crate) fn retry_after(answer: &Answer) -> Option<Duration> {
    if !matches!(answer.status_code(), 429 | 503) {
        return None;
    }
    let value = answer.headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    match value.parse::<u64>() {
        Ok(seconds) => Some(Duration::from_secs(seconds)),
        Err(_) => httpdate::parse_http_date(value).ok()?.duration_since(std::time::SystemTime::now()).ok(),
    }
}

/// The retries a client may still make of failures other than throttling,
/// as smithy-rs's standard retry mode keeps them: a retry costs
/// [`RETRY_COST`] tokens, a success gives one back, up to the capacity.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    tokens: AtomicU32,
    capacity: u32,
}

/// Tokens a retry costs; a success earns one.
const RETRY_COST: u32 = 5;

impl RetryBudget {
    /// A full budget of `retries` retries.
    pub(crate) fn new(retries: u32) -> Self {
        let capacity = retries.saturating_mul(RETRY_COST);
        RetryBudget { tokens: AtomicU32::new(capacity), capacity }
    }

    /// Takes the price of one retry; `false`, taking nothing, when the budget cannot pay it.
    pub(crate) fn withdraw(&self) -> bool {
        self.tokens.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |tokens| tokens.checked_sub(RETRY_COST)).is_ok()
    }

    /// A success: one token back, up to the capacity.
    pub(crate) fn succeeded(&self) {
        // Full most of the time: a load, and no write.
        if self.tokens.load(Ordering::Relaxed) < self.capacity {
            let _ = self.tokens.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |tokens| {
                (tokens < self.capacity).then(|| tokens + 1)
            });
        }
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
        Ok(Answer::new(status, headers, Default::default()))
    }

    /// An HTTP 200 whose envelope says `status_code`, as Authing answers most failures.
    fn envelope(status_code: i64) -> reqwest::Result<Answer> {
        let body = format!(r#"{{"statusCode":{status_code},"message":"","apiCode":0}}"#);
        Ok(Answer::new(200, Default::default(), body.into()))
    }

    fn delay(decision: Decision) -> Duration {
        match decision {
            Decision::Retry { delay, .. } => delay,
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn reads_are_sent_again_on_throttling_and_gateway_failures_within_the_backoff_ceiling() {
        let policy = RetryPolicy::default();
        for outcome in
            [429, 502, 503, 504].into_iter().flat_map(|status| [answer(status, None), envelope(status.into())])
        {
            let first = delay(policy.decide((1, 1), &outcome, Effect::Reads, PLENTY));
            let second = delay(policy.decide((2, 2), &outcome, Effect::Reads, PLENTY));
            assert!(first <= Duration::from_millis(200), "{first:?}");
            assert!(second <= Duration::from_millis(400), "{second:?}");
        }
    }

    #[test]
    fn writes_are_sent_again_only_on_throttling_unless_the_policy_says_so() {
        let policy = RetryPolicy::default();
        for throttled in [answer(429, None), envelope(429)] {
            let decision = policy.decide((1, 1), &throttled, Effect::Writes, PLENTY);
            assert!(matches!(decision, Decision::Retry { throttled: true, .. }), "{decision:?}");
        }
        for status in [502, 503, 504] {
            for outcome in [answer(status, None), envelope(status.into())] {
                assert_eq!(policy.decide((1, 1), &outcome, Effect::Writes, PLENTY), Decision::Stop, "{status}");
                let opted_in = policy.with_retry_writes(true).decide((1, 1), &outcome, Effect::Writes, PLENTY);
                assert!(matches!(opted_in, Decision::Retry { throttled: false, .. }), "{status}: {opted_in:?}");
            }
        }
    }

    #[test]
    fn throttling_is_waited_out_past_the_attempt_count_unless_retrying_is_off() {
        let policy = RetryPolicy::default();
        for throttled in [answer(429, None), envelope(429)] {
            // Fifty sends, none of them answered otherwise: the attempts are not used up.
            assert!(policy.decide((50, 0), &throttled, Effect::Writes, PLENTY) != Decision::Stop);
            let ceiling = delay(policy.decide((50, 0), &throttled, Effect::Reads, PLENTY));
            assert!(ceiling <= policy.max_backoff, "{ceiling:?}");
            let off = policy.with_max_attempts(1);
            assert_eq!(off.decide((1, 1), &throttled, Effect::Reads, PLENTY), Decision::Stop);
        }
    }

    #[test]
    fn throttled_sends_do_not_use_up_the_attempts_of_other_failures() {
        // Two throttled sends, then a 503: the first failure of its kind, sent again.
        let decision = RetryPolicy::default().decide((3, 1), &answer(503, None), Effect::Reads, PLENTY);
        assert!(matches!(decision, Decision::Retry { throttled: false, .. }), "{decision:?}");
        assert_eq!(RetryPolicy::default().decide((5, 3), &answer(503, None), Effect::Reads, PLENTY), Decision::Stop);
    }

    #[test]
    fn a_retry_after_of_zero_is_waited_as_the_backoff() {
        for _ in 0..100 {
            let wait = delay(RetryPolicy::default().decide((1, 0), &answer(429, Some("0")), Effect::Reads, PLENTY));
            assert!(wait <= Duration::from_millis(200), "{wait:?}");
        }
    }

    #[test]
    fn the_last_attempt_is_not_retried() {
        for outcome in [answer(503, None), envelope(503)] {
            assert_eq!(RetryPolicy::default().decide((3, 3), &outcome, Effect::Reads, PLENTY), Decision::Stop);
            let off = RetryPolicy::default().with_max_attempts(1);
            assert_eq!(off.decide((1, 1), &outcome, Effect::Reads, PLENTY), Decision::Stop);
        }
    }

    #[test]
    fn answers_that_may_have_changed_something_are_not_retried() {
        for status in [200, 400, 401, 500] {
            for outcome in [answer(status, None), envelope(status.into())] {
                for effect in [Effect::Reads, Effect::Writes] {
                    let decision = RetryPolicy::default().decide((1, 1), &outcome, effect, PLENTY);
                    assert_eq!(decision, Decision::Stop, "status {status}");
                }
            }
        }
        // An envelope's status stands for the answer only under a 2xx.
        let refused = Ok(Answer::new(400, Default::default(), r#"{"statusCode":429}"#.into()));
        assert_eq!(RetryPolicy::default().decide((1, 1), &refused, Effect::Reads, PLENTY), Decision::Stop);
    }

    #[test]
    fn the_token_request_is_sent_again_on_any_server_failure() {
        for outcome in [answer(500, None), envelope(500), envelope(429), answer(503, None)] {
            assert!(matches!(
                RetryPolicy::default().decide((1, 1), &outcome, Effect::Repeatable, PLENTY),
                Decision::Retry { .. }
            ));
        }
        for refusal in [envelope(403), envelope(501), answer(505, None)] {
            assert_eq!(RetryPolicy::default().decide((1, 1), &refusal, Effect::Repeatable, PLENTY), Decision::Stop);
        }
    }

    #[test]
    fn retry_after_is_honoured_until_the_deadline() {
        let policy = RetryPolicy::default();
        let decide = |value, time_left| policy.decide((1, 1), &answer(429, Some(value)), Effect::Writes, time_left);
        let retry = |delay| Decision::Retry { delay, throttled: true };
        assert_eq!(decide("2", PLENTY), retry(Duration::from_secs(2)));
        // Longer than the client's own longest wait, and still within the call's deadline.
        assert_eq!(decide("30", PLENTY), retry(Duration::from_secs(30)));
        assert_eq!(decide("3600", PLENTY), Decision::Refused(Duration::from_secs(3600)));
        assert_eq!(decide("2", Duration::from_secs(1)), Decision::Refused(Duration::from_secs(2)));
        // An HTTP date: the wait until then; one passed already is no wait asked for.
        let Decision::Refused(wait) = decide("Wed, 21 Oct 2099 07:28:00 GMT", PLENTY) else { panic!() };
        assert!(wait > Duration::from_secs(365 * 24 * 3600), "{wait:?}");
        assert!(matches!(decide("Wed, 21 Oct 2015 07:28:00 GMT", PLENTY), Decision::Retry { .. }));
        assert!(matches!(decide("soon", PLENTY), Decision::Retry { .. }));
        // Under an envelope's 429 as under HTTP's.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "3".parse().unwrap());
        let throttled = Ok(Answer::new(200, headers, r#"{"statusCode":429}"#.into()));
        assert_eq!(policy.decide((1, 1), &throttled, Effect::Reads, PLENTY), retry(Duration::from_secs(3)));
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
            let decision = policy.decide((1, 1), &answer(503, None), Effect::Reads, Duration::from_nanos(1));
            assert!(matches!(decision, Decision::Stop | Decision::Retry { delay: Duration::ZERO, .. }), "{decision:?}");
        }
    }

    #[test]
    fn the_budget_pays_for_retries_until_successes_earn_it_back() {
        let budget = RetryBudget::new(3);
        assert!(budget.withdraw() && budget.withdraw() && budget.withdraw());
        assert!(!budget.withdraw(), "three retries in a row with no success between them");
        for _ in 0..RETRY_COST - 1 {
            budget.succeeded();
        }
        assert!(!budget.withdraw(), "four successes earn back less than a retry");
        budget.succeeded();
        assert!(budget.withdraw());
        // Never more than it holds when full.
        for _ in 0..1000 {
            budget.succeeded();
        }
        assert_eq!(budget.tokens.load(Ordering::Relaxed), 3 * RETRY_COST);
        assert!(!RetryBudget::new(0).withdraw());
        assert!(RetryBudget::new(u32::MAX).withdraw(), "a budget at the edge of its type");
    }
}
