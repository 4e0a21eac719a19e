//! What `.await` on a generated request builder does: send it, then turn the
//! answer into `Result<data, Error>`.

use std::future::Future;
use std::pin::Pin;

use progenitor_client::ResponseValue;

use crate::envelope::{Envelope, classify};
use crate::error::{Error, Result, from_reqwest};

/// The future of an awaited request builder.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Makes a generated builder awaitable: `Builder => Envelope` implements
/// `IntoFuture` with the envelope's [`Envelope::Data`] as output.
macro_rules! impl_into_future {
    ($builder:ident => $envelope:ty) => {
        impl<'a> ::std::future::IntoFuture for builder::$builder<'a> {
            type Output = $crate::Result<<$envelope as $crate::envelope::Envelope>::Data>;
            type IntoFuture =
                $crate::operation::Pending<'a, <$envelope as $crate::envelope::Envelope>::Data>;

            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin($crate::operation::finish(self.send()))
            }
        }
    };
}
pub(crate) use impl_into_future;

/// Awaits a generated `send()` and unwraps the envelope it answers.
pub(crate) async fn finish<E: Envelope>(
    sent: impl Future<Output = std::result::Result<ResponseValue<E>, progenitor_client::Error<()>>>,
) -> Result<E::Data> {
    match sent.await {
        Ok(value) => value.into_inner().into_data(),
        Err(error) => Err(from_progenitor(error).await),
    }
}

/// The [`Error`] for a failed generated call.
#[cold]
pub(crate) async fn from_progenitor(error: progenitor_client::Error<()>) -> Error {
    use progenitor_client::Error as P;
    match error {
        P::InvalidRequest(why) => Error::InvalidRequest(why),
        P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
            from_reqwest(e)
        }
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
