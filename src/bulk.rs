//! Bulk work: one operation over many inputs, a bounded number of calls at
//! once, every input ending with its own outcome.
//!
//! ```no_run
//! use futures_util::StreamExt as _;
//!
//! # async fn run(client: authing::ManagementClient) -> authing::Result<()> {
//! let user_ids = vec!["u1".to_string(), "u2".to_string(), "u3".to_string()];
//! let mut outcomes = authing::bulk::run(user_ids, 16, |user_id| {
//!     client.assign_role().body_map(|role| {
//!         role.code("admin").targets([authing::types::TargetDto::builder()
//!             .target_type(authing::types::TargetDtoTargetType::User)
//!             .target_identifier(user_id.clone())])
//!     })
//! });
//! while let Some(outcome) = outcomes.next().await {
//!     if let Err(error) = &outcome.result {
//!         eprintln!("{}: {error}", outcome.input);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! What it adds to `futures::stream::iter(..).buffer_unordered(n)`: each
//! outcome comes with its input and its place in the inputs, so a failed
//! one can be reported or fed back as it was; the closure may borrow the
//! client (each builder holds its own handle to it); each call runs in a
//! task of its own, so that a reader busy with one outcome (a database
//! write) does not hold up the calls in flight, which `buffer_unordered`
//! polls only while it is read; [`Bulk::stop_handle`] stops taking new
//! inputs while the calls in flight end and are reported; and
//! [`Bulk::report`] sorts the outcomes into what succeeded and what failed.
//! The client's runtime does the rest: throttling is waited out and the
//! client slows to the rate the server admits, so that a failed input is a
//! real failure, not a refusal to go faster.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use std::collections::HashMap;

use futures_util::stream::{Stream, StreamExt as _};
use tokio::task::JoinSet;

use crate::error::{Error, Result};

/// Runs `call` for every input, at most `concurrency` calls at once (at
/// least one); the stream yields each input's [`Outcome`] as its call ends,
/// in the order they end.
///
/// `call` makes the request from the input, usually a builder of
/// [`ManagementClient`](crate::ManagementClient), and may borrow the client;
/// each call runs in a task of its own (on the current tokio runtime), so
/// that it goes on while the stream's reader is busy with an outcome.
/// Inputs are taken from `inputs` only as places free up, so a lazy
/// iterator (the lines of a file) is read as the work goes.
///
/// Every input taken ends with exactly one outcome, once the stream is read
/// to its end. Dropping the stream before then aborts the calls in flight:
/// a write among them may or may not have been applied. To stop early and
/// know, use [`Bulk::stop_handle`] and read the stream to its end.
///
/// A `concurrency` past the client's
/// [`max_in_flight`](crate::ManagementClientBuilder::max_in_flight) makes the
/// calls past it wait for a place within their `operation_timeout`: keep it
/// at or below that.
pub fn run<'a, I, T, C, F>(
    inputs: impl IntoIterator<Item = I, IntoIter: Send + 'a>,
    concurrency: usize,
    mut call: F,
) -> Bulk<'a, I, T>
where
    I: Send + 'a,
    T: Send + 'static,
    F: FnMut(&I) -> C + Send + 'a,
    C: IntoFuture<Output = Result<T>>,
    C::IntoFuture: Send + 'static,
{
    Bulk {
        start: Box::new(move |input| Box::pin(call(input).into_future())),
        inputs: Box::new(inputs.into_iter()),
        running: JoinSet::new(),
        in_flight: HashMap::new(),
        concurrency: concurrency.max(1),
        taken: 0,
        exhausted: false,
        stopped: Arc::new(AtomicBool::new(false)),
    }
}

/// How one input ended.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome<I, T> {
    /// The input's place among the inputs, from 0.
    pub index: usize,
    /// The input, as it was given.
    pub input: I,
    /// What its call gave.
    pub result: Result<T>,
}

/// The outcomes of a whole run, sorted: what [`Bulk::report`] gives.
#[derive(Debug)]
#[non_exhaustive]
pub struct Report<I, T> {
    /// The inputs whose call succeeded, with what it gave, in the inputs' order.
    pub succeeded: Vec<(I, T)>,
    /// The inputs whose call failed, with its error, in the inputs' order.
    pub failed: Vec<(I, Error)>,
    /// How many inputs were taken: after a [`StopHandle::stop`], the inputs
    /// from this place on were never started.
    pub taken: usize,
    /// Whether the inputs ended and every one was taken: `false` after a
    /// stop, even when none was left (the inputs are not read past a stop,
    /// so that an iterator given `by_ref()` keeps the rest for another run).
    pub complete: bool,
}

type Started<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// What makes a call from an input: `run`'s closure.
type Start<'a, I, T> = Box<dyn FnMut(&I) -> Started<T> + Send + 'a>;

/// The stream of a bulk run; see [`run`]. It borrows what `run`'s inputs
/// and closure borrow (the client, say), for `'a`.
#[must_use = "a bulk run does nothing until its stream is read"]
pub struct Bulk<'a, I, T> {
    start: Start<'a, I, T>,
    inputs: Box<dyn Iterator<Item = I> + Send + 'a>,
    /// The calls in flight, each a task, answering with its input's place.
    running: JoinSet<(usize, Result<T>)>,
    /// The inputs of the calls in flight, by their task.
    in_flight: HashMap<tokio::task::Id, (usize, I)>,
    concurrency: usize,
    taken: usize,
    /// The inputs have ended: they are not asked again.
    exhausted: bool,
    stopped: Arc<AtomicBool>,
}

// No field is pinned: the inputs are moved in and out, the tasks live in the `JoinSet`.
impl<I, T> Unpin for Bulk<'_, I, T> {}

impl<I, T: Send + 'static> Bulk<'_, I, T> {
    /// A handle that stops the run from taking new inputs; the calls in
    /// flight go on (a throttled one until its deadline), and the stream
    /// ends after their outcomes. For a job interrupted by Ctrl-C, or one
    /// that should stop at its first failure.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.stopped.clone())
    }

    /// How many inputs were taken so far: after a stop, the inputs from this
    /// place on were never started.
    pub fn taken(&self) -> usize {
        self.taken
    }

    /// The calls in flight: their inputs' places.
    pub fn in_flight(&self) -> Vec<usize> {
        let mut places: Vec<usize> = self.in_flight.values().map(|(index, _)| *index).collect();
        places.sort_unstable();
        places
    }

    /// Reads the whole run and sorts its outcomes.
    pub async fn report(mut self) -> Report<I, T> {
        let mut outcomes = Vec::new();
        while let Some(outcome) = self.next().await {
            outcomes.push(outcome);
        }
        outcomes.sort_by_key(|outcome| outcome.index);
        let (mut succeeded, mut failed) = (Vec::new(), Vec::new());
        for Outcome { input, result, .. } in outcomes {
            match result {
                Ok(data) => succeeded.push((input, data)),
                Err(error) => failed.push((input, error)),
            }
        }
        // Past a stop the iterator is not read, not even to see whether it had more.
        Report { succeeded, failed, taken: self.taken, complete: self.exhausted }
    }
}

impl<I, T: Send + 'static> Stream for Bulk<'_, I, T> {
    type Item = Outcome<I, T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Outcome<I, T>>> {
        let this = &mut *self;
        while this.running.len() < this.concurrency && !this.exhausted && !this.stopped.load(Ordering::Relaxed) {
            let Some(input) = this.inputs.next() else {
                this.exhausted = true;
                break;
            };
            let (index, call) = (this.taken, (this.start)(&input));
            let task = this.running.spawn(async move { (index, call.await) });
            this.in_flight.insert(task.id(), (index, input));
            this.taken += 1;
        }
        // Empty, with no input left to take: the run is over.
        let Some(ended) = std::task::ready!(this.running.poll_join_next_with_id(cx)) else {
            return Poll::Ready(None);
        };
        let (id, result) = match ended {
            Ok((id, (_, result))) => (id, result),
            Err(stopped) if stopped.is_panic() => std::panic::resume_unwind(stopped.into_panic()),
            Err(stopped) => (
                stopped.id(),
                Err(Error::InvalidRequest(format!(
                    "the call's task was stopped before it ended ({stopped}): it may or may not have been applied"
                ))),
            ),
        };
        let (index, input) = this.in_flight.remove(&id).expect("every task's input is kept until it ends");
        Poll::Ready(Some(Outcome { index, input, result }))
    }
}

impl<I, T> std::fmt::Debug for Bulk<'_, I, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bulk")
            .field("concurrency", &self.concurrency)
            .field("taken", &self.taken)
            .field("running", &self.running.len())
            .field("stopped", &self.stopped.load(Ordering::Relaxed))
            .finish()
    }
}

/// Stops a bulk run from taking new inputs; see [`Bulk::stop_handle`].
#[derive(Clone, Debug)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Takes no new input: the run ends once the calls in flight have.
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
