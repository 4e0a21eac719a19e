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
//! client (each builder holds its own handle to it); [`Bulk::stop_handle`] stops taking new
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

use futures_util::stream::{FuturesUnordered, Stream, StreamExt as _};

use crate::error::{Error, Result};

/// Runs `call` for every input, at most `concurrency` calls at once (at
/// least one); the stream yields each input's [`Outcome`] as its call ends,
/// in the order they end.
///
/// `call` makes the request from the input, usually a builder of
/// [`ManagementClient`](crate::ManagementClient): it is awaited in the
/// stream. Inputs are taken from `inputs` only as places free up, so a
/// lazy iterator (the lines of a file) is read as the work goes.
///
/// Every input taken ends with exactly one outcome, once the stream is read
/// to its end. Dropping the stream before then cancels the calls in
/// flight: a write among them may or may not have been applied. To stop
/// early and know, use [`Bulk::stop_handle`] and read the stream to its end.
pub fn run<'a, I, T, C, F>(
    inputs: impl IntoIterator<Item = I, IntoIter: Send + 'a>,
    concurrency: usize,
    mut call: F,
) -> Bulk<'a, I, T>
where
    I: Send + 'a,
    T: Send + 'a,
    F: FnMut(&I) -> C + Send + 'a,
    C: IntoFuture<Output = Result<T>>,
    C::IntoFuture: Send + 'a,
{
    Bulk {
        start: Box::new(move |index, input| {
            let call = call(&input).into_future();
            Box::pin(async move { Outcome { index, input, result: call.await } })
        }),
        inputs: Box::new(inputs.into_iter()),
        running: FuturesUnordered::new(),
        concurrency: concurrency.max(1),
        taken: 0,
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
    /// Whether every input was taken: `false` after a [`StopHandle::stop`]
    /// that left some, which are those past the last taken.
    pub complete: bool,
}

type Running<'a, I, T> = Pin<Box<dyn Future<Output = Outcome<I, T>> + Send + 'a>>;

/// The stream of a bulk run; see [`run`]. It borrows what `run`'s inputs
/// and closure borrow (the client, say), for `'a`.
#[must_use = "a bulk run does nothing until its stream is read"]
pub struct Bulk<'a, I, T> {
    start: Box<dyn FnMut(usize, I) -> Running<'a, I, T> + Send + 'a>,
    inputs: Box<dyn Iterator<Item = I> + Send + 'a>,
    running: FuturesUnordered<Running<'a, I, T>>,
    concurrency: usize,
    taken: usize,
    stopped: Arc<AtomicBool>,
}

impl<I, T> Bulk<'_, I, T> {
    /// A handle that stops the run from taking new inputs; the calls in
    /// flight go on, and the stream ends after their outcomes. For a job
    /// interrupted by Ctrl-C, or one that should stop at its first failure.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.stopped.clone())
    }

    /// How many inputs were taken so far: after a stop, the inputs from this
    /// place on were never started.
    pub fn taken(&self) -> usize {
        self.taken
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
        let complete = !self.stopped.load(Ordering::Relaxed) || self.inputs.next().is_none();
        Report { succeeded, failed, complete }
    }
}

impl<I, T> Stream for Bulk<'_, I, T> {
    type Item = Outcome<I, T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Outcome<I, T>>> {
        let this = &mut *self;
        while this.running.len() < this.concurrency && !this.stopped.load(Ordering::Relaxed) {
            let Some(input) = this.inputs.next() else { break };
            this.running.push((this.start)(this.taken, input));
            this.taken += 1;
        }
        // Empty, with no input left to take: the run is over.
        this.running.poll_next_unpin(cx)
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
