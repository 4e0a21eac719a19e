//! The one path of every call, typed, untyped, paged or raw: the request as
//! the generated builder builds it, then the token, the transport (limits,
//! retries, the renewal after a 401) and the envelope, all here.
//!
//! `build.rs` implements [`Operation`], `IntoFuture` and the `send*` methods
//! for every builder with one line each. Everything that makes a future is
//! generic, and the per-operation methods that call it are `#[inline]`, so a
//! call is compiled only for the operations a program calls, in the crate
//! that calls them: without the `#[inline]`, rustc compiles every public
//! non-generic function into this crate, and with it all 497 calls and the
//! decoding of their answers.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::de::DeserializeOwned;

use crate::envelope::{Envelope, Mismatch, classify, untyped_data};
use crate::error::{Error, Result};
use crate::exchange::exchange;
use crate::generated::Client;
use crate::session::SharedSession;
use crate::transport::Answer;

/// A request builder of an operation: what it is called and what it answers.
///
/// Implemented for every builder in [`builder`](crate::builder), and sealed:
/// the set of operations is the document's.
pub trait Operation: Send + Sized + 'static + sealed::Sealed {
    /// The operationId, as errors name the operation.
    const ID: &'static str;

    /// The HTTP method and the document's path template, for the call's span.
    #[doc(hidden)]
    const ROUTE: (&'static str, &'static str);

    /// The envelope the operation answers, as the document types it.
    type Envelope: Envelope + DeserializeOwned + Send;

    /// The request as the builder makes it, with the session to send it with.
    #[doc(hidden)]
    fn prepare(self) -> Result<Prepared>;

    /// The request as an expectation of the mock reads it: a parameter left
    /// unset is left out, and the body holds only the fields set on it.
    #[cfg(feature = "mock")]
    #[doc(hidden)]
    fn expected(self) -> Result<Prepared>;
}

pub(crate) mod sealed {
    /// Only this crate's builders are operations.
    pub trait Sealed {}
}

/// A request made by a builder, not yet sent.
#[doc(hidden)]
pub struct Prepared {
    pub(crate) session: SharedSession,
    pub(crate) request: reqwest::Request,
    /// The method of the client that made it (`list_users`), which says whether it only reads.
    pub(crate) function: &'static str,
}

impl Prepared {
    /// The request of a builder, as the generated `into_request()` gives it, or
    /// the error naming the operation and what is wrong with its parameters.
    pub(crate) fn of(
        operation: &'static str,
        function: &'static str,
        built: std::result::Result<(Client, reqwest::Request), progenitor_client::Error<()>>,
    ) -> Result<Prepared> {
        match built {
            Ok((client, request)) => Ok(Prepared { session: client.inner, request, function }),
            Err(progenitor_client::Error::InvalidRequest(why)) => {
                Err(Error::InvalidRequest(format!("{operation}: {why}")))
            }
            Err(other) => Err(Error::InvalidRequest(format!("{operation}: the request cannot be built: {other}"))),
        }
    }
}

/// The future of a call: `.await` it. Returned by `.send()`, `.send_untyped()`
/// and `.send_with_response()` of every builder, and by `.await` on it.
///
/// `'static`, `Send` and `Unpin`: it owns what it needs, so it can be spawned,
/// stored, or returned from a function.
#[must_use = "a request does nothing until it is awaited"]
pub struct Call<T> {
    future: Pin<Box<dyn Future<Output = Result<T>> + Send>>,
}

impl<T> Call<T> {
    pub(crate) fn new(future: impl Future<Output = Result<T>> + Send + 'static) -> Self {
        // One box per call: the call's future is large, and the box keeps
        // `Call` small and cheap to move whatever the operation.
        Call { future: Box::pin(future) }
    }

    /// A call of the operation `O`, in its span.
    fn traced<O: Operation>(future: impl Future<Output = Result<T>> + Send + 'static) -> Self
    where
        T: 'static,
    {
        let (method, path) = O::ROUTE;
        Call::new(crate::span::traced(crate::span::call(O::ID, method, path), future))
    }
}

impl<T> Future for Call<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        self.future.as_mut().poll(cx)
    }
}

impl<T> std::fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call").finish_non_exhaustive()
    }
}

/// A successful answer as the server sent it: what `.send_with_response()`
/// gives, for the HTTP status and headers, and the envelope's `apiCode` and
/// `requestId` beside its `data`. Success is what it is for `.await`: an
/// answer whose envelope does not say 200, or that is not the typed
/// envelope, is the [`Error`] that explains it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response<E> {
    /// The HTTP status (2xx: other answers are errors).
    pub status: u16,
    /// The answer's headers.
    pub headers: reqwest::header::HeaderMap,
    /// The whole envelope, as the document types it.
    pub envelope: E,
}

/// The answer's typed `data`: what `.await` and `.send()` give.
pub(crate) fn typed<O: Operation>(operation: O) -> Call<<O::Envelope as Envelope>::Data> {
    Call::traced::<O>(async move {
        let answer = exchange(operation.prepare()?, O::ID).await?;
        decode::<O::Envelope>(O::ID, answer)?.into_data()
    })
}

/// The answer's `data` as JSON: what `.send_untyped()` gives.
pub(crate) fn untyped<O: Operation>(operation: O) -> Call<serde_json::Value> {
    Call::traced::<O>(async move {
        let answer = exchange(operation.prepare()?, O::ID).await?;
        untyped_data(O::ID, answer.status, answer.body)
    })
}

/// The whole answer: what `.send_with_response()` gives.
pub(crate) fn with_response<O: Operation>(operation: O) -> Call<Response<O::Envelope>> {
    Call::traced::<O>(async move {
        let answer = exchange(operation.prepare()?, O::ID).await?;
        let (status, headers) = (answer.status, answer.headers.clone());
        let envelope = decode::<O::Envelope>(O::ID, answer)?;
        // The same success rule as `.await`: a refusal is its error, whether it came with `data` or not.
        if !envelope.is_success() {
            return Err(envelope.into_data().err().unwrap_or_else(|| {
                Error::InvalidRequest(format!("{}: an envelope both refused and accepted", O::ID))
            }));
        }
        Ok(Response { status, headers, envelope })
    })
}

/// The envelope of a 2xx answer; any other answer, or one that is not the
/// envelope the document says, is the error that explains it.
pub(crate) fn decode<E: DeserializeOwned>(operation: &str, answer: Answer) -> Result<E> {
    let Answer { status, body, .. } = answer;
    if !(200..300).contains(&status) {
        return Err(classify(operation, status, body, None));
    }
    match serde_json::from_slice::<E>(&body) {
        Ok(envelope) => Ok(envelope),
        Err(error) => {
            let mismatch = Mismatch::find::<E>(&body).unwrap_or(Mismatch { path: ".".into(), error });
            Err(classify(operation, status, body, Some(mismatch)))
        }
    }
}

/// Implements [`Operation`], `IntoFuture` and the `send*` methods for one
/// generated builder.
macro_rules! awaitable {
    ($builder:ident => $envelope:ty, $id:literal, $function:literal, $method:literal, $path:literal) => {
        impl $crate::call::sealed::Sealed for builder::$builder {}

        impl $crate::call::Operation for builder::$builder {
            const ID: &'static str = $id;
            const ROUTE: (&'static str, &'static str) = ($method, $path);
            type Envelope = $envelope;

            #[inline]
            fn prepare(self) -> $crate::Result<$crate::call::Prepared> {
                $crate::call::Prepared::of($id, $function, self.into_request())
            }

            #[cfg(feature = "mock")]
            #[inline]
            fn expected(self) -> $crate::Result<$crate::call::Prepared> {
                $crate::call::Prepared::of($id, $function, self.into_expected())
            }
        }

        impl ::std::future::IntoFuture for builder::$builder {
            type Output = $crate::Result<<$envelope as $crate::envelope::Envelope>::Data>;
            type IntoFuture = $crate::call::Call<<$envelope as $crate::envelope::Envelope>::Data>;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                $crate::call::typed(self)
            }
        }

        impl builder::$builder {
            /// Sends the request: the answer's typed `data`, as `.await` on the builder gives it.
            #[inline]
            pub fn send(self) -> $crate::call::Call<<$envelope as $crate::envelope::Envelope>::Data> {
                $crate::call::typed(self)
            }

            /// Sends the request, and gives the answer's `data` untyped, as
            /// JSON (the whole envelope when it has no `data`), with the same
            /// token, retries and envelope check: for an answer the typed call cannot read.
            #[inline]
            pub fn send_untyped(self) -> $crate::call::Call<::serde_json::Value> {
                $crate::call::untyped(self)
            }

            /// Sends the request, and gives the whole answer: HTTP status,
            /// headers and the typed envelope (see [`Response`]($crate::Response)).
            #[inline]
            pub fn send_with_response(self) -> $crate::call::Call<$crate::call::Response<$envelope>> {
                $crate::call::with_response(self)
            }
        }
    };
}
pub(crate) use awaitable;
