//! What `.await` on a generated request builder does: send it, then turn the
//! answer into `Result<data, Error>`.
//!
//! `build.rs` implements [`Operation`] and `IntoFuture` for every builder with
//! one line each. Everything that makes a future is generic, so it is compiled
//! only for the operations a program awaits, in the crate that awaits them:
//! a non-generic future per operation here would compile all 497 of them into
//! every build of this crate.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use progenitor_client::ResponseValue;

use crate::envelope::{Envelope, classify};
use crate::error::{Error, Result, from_reqwest};

/// A generated request builder: what its `send()` answers.
// Not generic over a lifetime: `Operation<'a>` would make a `Call` not `Send`
// to the compiler inside `tokio::spawn` (the higher-ranked auto-trait limitation).
pub trait Operation: Send + Sized {
    /// The envelope the operation answers.
    type Envelope: Envelope + Send;

    /// The generated `send()`: the raw progenitor response.
    fn send_raw(
        self,
    ) -> impl Future<Output = std::result::Result<ResponseValue<Self::Envelope>, progenitor_client::Error<()>>> + Send;
}

/// Implements [`Operation`] and `IntoFuture` for one generated builder.
macro_rules! awaitable {
    ($builder:ident => $envelope:ty) => {
        impl $crate::operation::Operation for builder::$builder<'_> {
            type Envelope = $envelope;

            fn send_raw(
                self,
            ) -> impl ::std::future::Future<
                Output = ::std::result::Result<ResponseValue<$envelope>, progenitor_client::Error<()>>,
            > + Send {
                self.send()
            }
        }

        impl<'a> ::std::future::IntoFuture for builder::$builder<'a> {
            type Output = $crate::Result<<$envelope as $crate::envelope::Envelope>::Data>;
            type IntoFuture = $crate::operation::Call<'a, Self>;

            fn into_future(self) -> Self::IntoFuture {
                $crate::operation::Call::new(self)
            }
        }
    };
}
pub(crate) use awaitable;

/// The future of an awaited request builder: the call's typed `data`, or an [`Error`].
#[must_use = "futures do nothing unless polled"]
pub struct Call<'a, O: Operation + 'a> {
    state: State<'a, O>,
}

type Running<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

enum State<'a, O: Operation + 'a> {
    Ready(O),
    Running(Running<'a, <O::Envelope as Envelope>::Data>),
    Done,
}

// The builder is moved out, never pinned; the running future is pinned in its box.
impl<'a, O: Operation + 'a> Unpin for Call<'a, O> {}

impl<'a, O: Operation + 'a> Call<'a, O> {
    pub(crate) fn new(operation: O) -> Self {
        Call { state: State::Ready(operation) }
    }
}

impl<'a, O: Operation + 'a> Future for Call<'a, O> {
    type Output = Result<<O::Envelope as Envelope>::Data>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Ready(operation) => self.state = State::Running(Box::pin(finish(operation.send_raw()))),
                State::Running(mut running) => {
                    return match running.as_mut().poll(cx) {
                        Poll::Ready(result) => Poll::Ready(result),
                        Poll::Pending => {
                            self.state = State::Running(running);
                            Poll::Pending
                        }
                    };
                }
                State::Done => panic!("`Call` polled after completion"),
            }
        }
    }
}

/// Awaits a generated `send()` and unwraps the envelope it answers.
async fn finish<E: Envelope>(
    sent: impl Future<Output = std::result::Result<ResponseValue<E>, progenitor_client::Error<()>>>,
) -> Result<E::Data> {
    match sent.await {
        Ok(value) => value.into_inner().into_data(),
        Err(error) => Err(from_progenitor(error).await),
    }
}

/// The [`Error`] for a failed generated call.
async fn from_progenitor(error: progenitor_client::Error<()>) -> Error {
    use progenitor_client::Error as P;
    match error {
        P::InvalidRequest(why) => Error::InvalidRequest(why),
        P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => from_reqwest(e),
        P::InvalidResponsePayload(body, e) => classify(200, &body, Some(e)),
        P::UnexpectedResponse(response) => {
            let http_status = response.status().as_u16();
            match response.bytes().await {
                Ok(body) => classify(http_status, &body, None),
                Err(e) => from_reqwest(e),
            }
        }
        P::ErrorResponse(value) => classify(value.status().as_u16(), b"", None),
        P::Custom(why) => Error::InvalidRequest(why),
    }
}
