//! What `.await` on a generated request builder does: send it, then turn the
//! answer into `Result<data, Error>`.
//!
//! `build.rs` implements [`Operation`] and `IntoFuture` for every builder with
//! one line each. Everything that makes a future is generic, so it is compiled
//! only for the operations a program awaits, in the crate that awaits them:
//! a non-generic future per operation here would compile all 497 of them into
//! every build of this crate.

use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;

use crate::envelope::{Envelope, Mismatch, classify};
use crate::error::{Error, Result, TransportError};
use crate::failure::Failure;

/// A generated request builder: what its `send()` answers.
// Not generic over a lifetime: `Operation<'a>` would make a `Call` not `Send`
// to the compiler inside `tokio::spawn` (the higher-ranked auto-trait limitation).
pub trait Operation: Send + Sized {
    /// The operationId, as errors name the operation.
    const ID: &'static str;

    /// The envelope the operation answers.
    type Envelope: Envelope + DeserializeOwned + Send;

    /// The generated `send()`: the raw progenitor response.
    fn send_raw(
        self,
    ) -> impl Future<Output = std::result::Result<ResponseValue<Self::Envelope>, progenitor_client::Error<()>>> + Send;
}

/// Implements [`Operation`] and `IntoFuture` for one generated builder, and
/// its untyped twin `.json()`.
macro_rules! awaitable {
    ($builder:ident => $envelope:ty, $id:literal) => {
        impl $crate::operation::Operation for builder::$builder<'_> {
            const ID: &'static str = $id;
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

        impl<'a> builder::$builder<'a> {
            /// The same call, untyped: `.await` it for the answer's `data` as
            /// JSON (the whole envelope when it has no `data`), with the same
            /// token, headers, retries and envelope check. For an answer that
            /// the typed call cannot read.
            pub fn json(self) -> $crate::untyped::Json<'a, Self> {
                $crate::untyped::Json::new(self)
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

type Sending<'a, E> =
    Pin<Box<dyn Future<Output = std::result::Result<ResponseValue<E>, progenitor_client::Error<()>>> + Send + 'a>>;

enum State<'a, O: Operation + 'a> {
    Ready(O),
    /// The generated `send()`, boxed: its future is large, and one box keeps
    /// `Call` small and moved cheaply whatever the operation.
    Sending(Sending<'a, O::Envelope>),
    /// A failure that needs the answer's body read to be explained (rare).
    Failing(Pin<Box<dyn Future<Output = Error> + Send + 'a>>),
    Done,
}

// The builder is moved out, never pinned; the running futures are pinned in their boxes.
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
            match &mut self.state {
                State::Ready(_) => {
                    let State::Ready(operation) = std::mem::replace(&mut self.state, State::Done) else {
                        unreachable!("matched just above")
                    };
                    self.state = State::Sending(Box::pin(crate::deadline::scope(operation.send_raw())));
                }
                State::Sending(sending) => {
                    let sent = std::task::ready!(sending.as_mut().poll(cx));
                    self.state = State::Done;
                    match answered(O::ID, sent) {
                        ControlFlow::Break(result) => return Poll::Ready(result),
                        ControlFlow::Continue(error) => {
                            self.state = State::Failing(Box::pin(from_progenitor(O::ID, error)))
                        }
                    }
                }
                State::Failing(failing) => {
                    let error = std::task::ready!(failing.as_mut().poll(cx));
                    self.state = State::Done;
                    return Poll::Ready(Err(error));
                }
                State::Done => panic!("`Call` polled after completion"),
            }
        }
    }
}

/// The result of a generated `send()` when it can be told without reading
/// more of the answer (`Break`); otherwise the error to explain (`Continue`).
fn answered<E: Envelope + DeserializeOwned>(
    operation: &'static str,
    sent: std::result::Result<ResponseValue<E>, progenitor_client::Error<()>>,
) -> ControlFlow<Result<E::Data>, progenitor_client::Error<()>> {
    match sent {
        Ok(value) => ControlFlow::Break(value.into_inner().into_data()),
        Err(progenitor_client::Error::InvalidResponsePayload(body, error)) => {
            let mismatch = Mismatch::find::<E>(&body).unwrap_or(Mismatch { path: ".".into(), error });
            ControlFlow::Break(Err(classify(operation, 200, body, Some(mismatch))))
        }
        Err(error) => ControlFlow::Continue(error),
    }
}

/// The [`Error`] for a failed generated call.
pub(crate) async fn from_progenitor(operation: &str, error: progenitor_client::Error<()>) -> Error {
    use progenitor_client::Error as P;
    match error {
        P::InvalidRequest(why) => Error::InvalidRequest(why),
        // Only progenitor's own steps (building the request) fail this way:
        // the hooks hand every failure of the runtime on as a `Failure`.
        P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
            Error::Transport(TransportError::new(e))
        }
        P::InvalidResponsePayload(body, error) => {
            classify(operation, 200, body, Some(Mismatch { path: ".".into(), error }))
        }
        P::UnexpectedResponse(response) => {
            if let Some(failure) = Failure::carried_by(&response) {
                return failure.into_error();
            }
            let http_status = response.status().as_u16();
            match response.bytes().await {
                Ok(body) => classify(operation, http_status, body, None),
                Err(e) => Error::Transport(TransportError::new(e)),
            }
        }
        P::ErrorResponse(value) => classify(operation, value.status().as_u16(), Default::default(), None),
        P::Custom(why) => Error::InvalidRequest(why),
    }
}
