//! The rate a client sends at, shared by the client and its clones:
//! unlimited until the server throttles; then the rate the server is seen
//! to admit, probed upward while it throttles no more, and dropped once past
//! [`UNLIMITED`] or after [`FORGET_AFTER`] without throttling; and never
//! above a fixed limit when one is set (`max_requests_per_second`).
//!
//! Each turn is labelled with the window it was taken in, and only the
//! answers to a window's own requests count towards it. The token request
//! takes no turn: every call waits for it.
//!
//! smithy-rs's adaptive retry mode slows a client down with a token bucket
//! whose rate follows CUBIC on throttling errors. Authing throttles a user
//! pool at a fixed quota, so the rate here is measured instead: over a short
//! window in which the server throttled, the requests it admitted are its
//! quota, and the client sends at that rate; every throttle does not cut the
//! rate again, so that a burst of refusals in flight at once does not
//! collapse it. The turns are spaced by GCRA (a request may go ahead of its
//! turn by a twentieth of a second's worth), and waiters take them one at
//! a time in the order they came, so that thousands of waiting calls do not
//! all wake for each turn.
//!
//! Not `governor`: its quota is fixed when the limiter is made, where this
//! rate changes with every window; and it waits on a clock of its own, not
//! tokio's, so a call's deadline and tests on tokio's paused clock could not
//! drive it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// The slowest a throttled client sends at, requests per second: it keeps
/// asking, so that it sees the throttling end.
const MIN_RATE: f64 = 1.0;
/// Past this rate (requests per second) a client is not limited at all.
const UNLIMITED: f64 = 10_000.0;
/// A window of answers ends after this long once it holds enough answers
/// (or at once when that many were throttled: a burst refused is not
/// waited out), and the rate it measured is over this long at least...
const WINDOW: Duration = Duration::from_millis(100);
const WINDOW_ANSWERS: u32 = 20;
/// ... and after this long whatever it holds.
const LONGEST_WINDOW: Duration = Duration::from_secs(1);
/// A window that began this long ago without throttling (the client idle
/// meanwhile: windows of steady traffic last a second at most): the rate is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(10);
/// How late a timer may wake a waiter: a turn taken that late still counts from when it was due.
const TIMER_SLACK: Duration = Duration::from_millis(1);
/// How far ahead of its turn a request may go, in seconds of the rate.
const BURST: f64 = 0.05;

/// The client's sending rate; see the module.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    /// Whether the rate follows throttling.
    adaptive: bool,
    /// The fixed limit, requests per second.
    fixed: Option<f64>,
    /// Whether sends wait for their turn and answers are counted: the one
    /// load on the path of a call while the server does not throttle.
    active: AtomicBool,
    state: Mutex<State>,
    /// The waiters for a turn, in the order they came (tokio's mutex is
    /// fair): only the first of them waits on a timer.
    line: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
struct State {
    /// The rate the server was last seen to admit, probed upward since;
    /// `None` while it has not throttled (or not for a while).
    adapted: Option<f64>,
    /// When the next request's turn is, GCRA's theoretical arrival time.
    next_turn: Instant,
    window: Window,
    /// The last cut of the rate: the rate before it, and the share of the
    /// answers throttled that made it. When the window after it is
    /// throttled as much, the throttling does not follow the rate (the
    /// server refuses a share of the requests whatever their rate), and the
    /// cut is undone rather than the rate cut again and again to nothing.
    cut: Option<(f64, f64)>,
}

/// The answers to the requests sent in the current window.
#[derive(Clone, Copy, Debug)]
struct Window {
    /// Which window it is: a request's [`Turn`] says the window it was sent in.
    number: u64,
    /// When it began.
    began: Instant,
    /// When its first request was sent: what its rates are measured from,
    /// so that a client idle before it does not seem slow.
    first_sent: Option<Instant>,
    admitted: u32,
    throttled: u32,
    /// Windows in a row without throttling, this one excluded.
    quiet: u32,
}

impl Window {
    fn new(began: Instant, number: u64, quiet: u32) -> Self {
        Window { number, began, first_sent: None, admitted: 0, throttled: 0, quiet }
    }
}

/// The window a request was sent in, for counting its answer; none for a
/// request sent while the limiter was not active, whose answer counts
/// towards no window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Turn(Option<u64>);

impl Turn {
    /// A request sent without a turn: while nothing limits the rate, or the
    /// token request, which every call waits for and which must not queue
    /// behind them.
    pub(crate) const UNPACED: Turn = Turn(None);
}

impl RateLimiter {
    /// A limiter adapting to throttling or not, with a fixed limit of
    /// `fixed` requests per second or none.
    pub(crate) fn new(adaptive: bool, fixed: Option<u32>) -> Self {
        let now = Instant::now();
        RateLimiter {
            adaptive,
            fixed: fixed.map(f64::from),
            active: AtomicBool::new(fixed.is_some()),
            state: Mutex::new(State { adapted: None, next_turn: now, window: Window::new(now, 0, 0), cut: None }),
            line: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether sends wait for their turn.
    pub(crate) fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Waits for the next request's turn; `None` when `deadline` comes
    /// first, at once when the turn is known to come after it.
    pub(crate) async fn acquire(&self, deadline: Instant) -> Option<Turn> {
        if !self.is_active() {
            return Some(Turn::UNPACED);
        }
        // Boxed: waiting is rare, and its timers would enlarge every call's future.
        Box::pin(tokio::time::timeout_at(deadline, self.take_turn(deadline))).await.ok().flatten()
    }

    async fn take_turn(&self, deadline: Instant) -> Option<Turn> {
        let _first_in_line = self.line.lock().await;
        // The rate may change while the first in line waits: its turn is worked out again.
        loop {
            let turn = self.lock().take(Instant::now(), self.fixed);
            match turn {
                Ok(turn) => return Some(turn),
                // Waiting for a turn past the deadline would only hold the line.
                Err(at) if at > deadline => return None,
                Err(at) => tokio::time::sleep_until(at).await,
            }
        }
    }

    /// Counts the answer to a request sent in `turn`: `throttled` when the
    /// server refused it for being one too many. Only the answers to the
    /// requests sent in the current window count towards it: the others
    /// were sent at another rate, and say nothing of this one.
    pub(crate) fn record(&self, turn: Turn, throttled: bool) {
        if !self.adaptive || (!throttled && !self.is_active()) {
            return;
        }
        let now = Instant::now();
        let mut state = self.lock();
        if !self.is_active() {
            tracing::debug!("the server throttles: the client follows the rate it admits");
            state.begin(now, 0);
            self.active.store(true, Ordering::Relaxed);
            return;
        }
        if turn.0 != Some(state.window.number) {
            return;
        }
        match throttled {
            true => state.window.throttled = state.window.throttled.saturating_add(1),
            false => state.window.admitted = state.window.admitted.saturating_add(1),
        }
        if let Some((kept, quiet)) = state.end_window(now) {
            state.begin(now, quiet);
            if !kept && self.fixed.is_none() {
                self.active.store(false, Ordering::Relaxed);
            }
        }
    }

    /// The rate requests are sent at now, per second; `None` when unlimited.
    #[cfg(test)]
    fn rate(&self) -> Option<f64> {
        self.lock().rate(self.fixed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn rate(&self, fixed: Option<f64>) -> Option<f64> {
        match (self.adapted, fixed) {
            (Some(adapted), Some(fixed)) => Some(adapted.min(fixed)),
            (rate, None) | (None, rate) => rate,
        }
    }

    /// Starts the next window at `now`, after `quiet` windows without throttling.
    fn begin(&mut self, now: Instant, quiet: u32) {
        self.window = Window::new(now, self.window.number.wrapping_add(1), quiet);
    }

    /// Takes the turn at `now`, or says when it comes.
    fn take(&mut self, now: Instant, fixed: Option<f64>) -> Result<Turn, Instant> {
        let turn = Turn(Some(self.window.number));
        let Some(rate) = self.rate(fixed) else {
            self.window.first_sent.get_or_insert(now);
            return Ok(turn);
        };
        let interval = Duration::from_secs_f64(1.0 / rate);
        // A fixed limit is a promise of at most so many a second: no request goes ahead of its turn.
        let ahead = match fixed.is_some_and(|fixed| rate >= fixed) {
            true => Duration::ZERO,
            false => interval.mul_f64((rate * BURST).max(1.0) - 1.0),
        };
        // A waiter woken late by the timer's millisecond is not held to it: the
        // turns keep their spacing, and the rate its value, on average.
        let at = self.next_turn.max(now.checked_sub(TIMER_SLACK).unwrap_or(now));
        if at > now + ahead {
            return Err(at - ahead);
        }
        self.next_turn = at + interval;
        self.window.first_sent.get_or_insert(now);
        Ok(turn)
    }

    /// Ends the window when it is long enough, and sets the rate by what it
    /// held: `None` while it goes on, else whether a rate is still kept and
    /// how many windows in a row were quiet.
    fn end_window(&mut self, now: Instant) -> Option<(bool, u32)> {
        let Window { began, first_sent, admitted, throttled, quiet, .. } = self.window;
        let elapsed = now.saturating_duration_since(first_sent.unwrap_or(began));
        let enough = throttled >= WINDOW_ANSWERS || (elapsed >= WINDOW && admitted + throttled >= WINDOW_ANSWERS);
        let stale = now.saturating_duration_since(began) >= FORGET_AFTER;
        if !enough && elapsed < LONGEST_WINDOW && !stale {
            return None;
        }
        // Over a tenth of a second at least, and a second at most: a window
        // that waited long for its last answer does not make the rate seem low.
        let seconds = elapsed.clamp(WINDOW, LONGEST_WINDOW).as_secs_f64();
        let bounded = |rate: f64| rate.clamp(MIN_RATE, UNLIMITED);
        if throttled > 0 {
            let share = f64::from(throttled) / f64::from(admitted + throttled);
            let sent_at = self.adapted.unwrap_or(f64::from(admitted + throttled) / seconds);
            self.adapted = Some(match self.cut.take() {
                // Refused as much at the lower rate, and some still admitted: not a quota.
                Some((before, share_then)) if admitted > 0 && share >= 0.8 * share_then => {
                    tracing::debug!(rate = before, share, "throttled as much at a lower rate: the rate is restored");
                    bounded(before)
                }
                _ => {
                    // What the server admitted while it refused the rest: its quota
                    // for this client, when the client sent at its limit. When
                    // it sent less (calls waiting out their backoff), the rate
                    // loses the share refused, no more. A window cut short by a
                    // burst of refusals has seen too little of the server's time
                    // to say either: it halves the rate at most.
                    let admitted_rate = (f64::from(admitted) / seconds).max(sent_at * (1.0 - share));
                    let rate = bounded(match elapsed < WINDOW {
                        true => admitted_rate.max(sent_at / 2.0),
                        false => admitted_rate,
                    });
                    tracing::debug!(rate, admitted, throttled, "throttled: the client sends at the rate admitted");
                    self.cut = Some((sent_at, share));
                    rate
                }
            });
            return Some((true, 0));
        }
        self.cut = None;
        let quiet = quiet.saturating_add(1);
        // Probing gently at first, then doubling: the quota may have been
        // another client's share, or the throttling may have ended. A window
        // longer than the shortest (a slow rate) grows as much as the
        // windows it spans would have, eightfold at most.
        let step = (1.0 + 0.05 * f64::from(1u32 << (quiet - 1).min(5))).min(2.0);
        let growth = step.powf(seconds / WINDOW.as_secs_f64()).clamp(step, 8.0);
        self.adapted = match self.adapted {
            // A quiet stretch this long: the throttling is over, whatever the rate was.
            Some(_) if stale => None,
            Some(rate) => Some(rate * growth).filter(|&rate| rate < UNLIMITED),
            None => None,
        };
        Some((self.adapted.is_some(), quiet))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);
    const FAR: Duration = Duration::from_secs(3600);

    /// Sends a request when its turn comes and counts its answer.
    async fn send(limiter: &RateLimiter, throttled: bool) {
        let turn = limiter.acquire(Instant::now() + FAR).await.expect("a turn within the hour");
        limiter.record(turn, throttled);
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_waits_before_the_server_throttles() {
        let limiter = RateLimiter::new(true, None);
        let started = Instant::now();
        for _ in 0..1000 {
            send(&limiter, false).await;
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert_eq!(limiter.rate(), None);
        assert!(!limiter.active.load(Ordering::Relaxed));
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_follows_what_the_server_admits_while_it_throttles() {
        let limiter = RateLimiter::new(true, None);
        send(&limiter, true).await;
        // Every 4 ms, two in five refused: 150 admitted a second.
        for n in 0..50 {
            send(&limiter, n % 5 < 2).await;
            if limiter.rate().is_some() {
                break;
            }
            tokio::time::advance(4 * MS).await;
        }
        let rate = limiter.rate().expect("limited");
        assert!((140.0..=160.0).contains(&rate), "{rate}");
    }

    #[tokio::test(start_paused = true)]
    async fn answers_to_requests_sent_at_another_rate_do_not_count() {
        let limiter = RateLimiter::new(true, None);
        let early: Vec<Turn> = futures_util::future::join_all((0..50).map(|_| limiter.acquire(Instant::now() + FAR)))
            .await
            .into_iter()
            .map(Option::unwrap)
            .collect();
        // The first refusal: what was sent before it says nothing of the rate from now on.
        limiter.record(early[0], true);
        for &turn in &early[1..] {
            limiter.record(turn, true);
        }
        assert_eq!(limiter.rate(), None, "no window of its own yet");
    }

    #[tokio::test(start_paused = true)]
    async fn turns_are_spaced_by_the_rate() {
        let limiter = RateLimiter::new(false, Some(50));
        let started = Instant::now();
        for _ in 0..101 {
            send(&limiter, false).await;
        }
        // 50 a second, and a twentieth of a second's worth ahead of time at most.
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(1950) && took <= Duration::from_millis(2000), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_turn_past_the_deadline_is_not_waited_for() {
        let limiter = RateLimiter::new(false, Some(1));
        assert!(limiter.acquire(Instant::now() + MS).await.is_some());
        let started = Instant::now();
        // The next turn is a second away: a call with 10 ms left gives up at once.
        assert!(limiter.acquire(started + 10 * MS).await.is_none());
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_fixed_limit_lets_no_request_go_ahead_of_its_turn() {
        let limiter = RateLimiter::new(true, Some(300));
        let started = Instant::now();
        let mut in_the_first_second = 0;
        for _ in 0..600 {
            send(&limiter, false).await;
            in_the_first_second += usize::from(started.elapsed() < Duration::from_secs(1));
        }
        assert_eq!(in_the_first_second, 300);
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_measured_after_an_idle_hour_is_not_an_hour_slow() {
        let limiter = RateLimiter::new(true, Some(100));
        tokio::time::advance(Duration::from_secs(3600)).await;
        for n in 0..40 {
            send(&limiter, n % 2 == 0).await;
        }
        let rate = limiter.rate().expect("limited");
        assert!(rate >= MIN_RATE, "{rate}");
        let started = Instant::now();
        assert!(limiter.acquire(started + Duration::from_secs(30)).await.is_some(), "a turn within the deadline");
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_that_throttles_everything_is_asked_slowly_and_its_recovery_is_seen() {
        let limiter = RateLimiter::new(true, None);
        // Every request refused: the rate comes down to the slowest, in a bounded number of them.
        let (started, mut sent) = (Instant::now(), 0);
        while limiter.rate() != Some(MIN_RATE) {
            send(&limiter, true).await;
            sent += 1;
            assert!(sent < 300, "{sent} requests, at {:?} a second", limiter.rate());
        }
        assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
        // And stays there while the server refuses everything.
        for _ in 0..50 {
            send(&limiter, true).await;
            assert_eq!(limiter.rate(), Some(MIN_RATE));
        }
        // The throttling ends: the rate grows back to unlimited within seconds.
        let started = Instant::now();
        while limiter.rate().is_some() {
            send(&limiter, false).await;
            assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
        }
        assert!(!limiter.active.load(Ordering::Relaxed));
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_that_does_not_follow_the_rate_does_not_cut_it_to_nothing() {
        // A server refusing three requests in ten whatever their rate.
        let limiter = RateLimiter::new(true, None);
        let started = Instant::now();
        for n in 0..2000u32 {
            send(&limiter, (n * 7919) % 10 < 3).await;
            tokio::time::advance(MS).await;
        }
        let rate = limiter.rate().unwrap_or(f64::INFINITY);
        assert!(rate > 100.0, "{rate} requests a second");
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn the_fixed_limit_holds_even_when_the_adapted_rate_is_higher() {
        let limiter = RateLimiter::new(true, Some(10));
        for n in 0..60 {
            send(&limiter, n < 20).await;
        }
        assert_eq!(limiter.rate(), Some(10.0));
        assert!(limiter.active.load(Ordering::Relaxed));
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_kept_through_a_long_quiet_is_forgotten() {
        let limiter = RateLimiter::new(true, None);
        for _ in 0..=WINDOW_ANSWERS {
            send(&limiter, true).await;
        }
        assert!(limiter.rate().is_some());
        tokio::time::advance(FORGET_AFTER).await;
        send(&limiter, false).await;
        assert_eq!(limiter.rate(), None);
    }
}
