//! One request and its answer, the same for every call: the token and its
//! headers, the transport's bounds and retries, and one more send with a
//! new token when the server rejects the token; all of it within the call's
//! deadline (`operation_timeout`).

use std::sync::Arc;

use tokio::time::Instant;

use crate::call::Prepared;
use crate::deadline::{later, within};
use crate::error::Result as CallResult;
use crate::failure::Failure;
use crate::retry::Effect;
use crate::session::Session;
use crate::token::Token;
use crate::transport::Answer;

/// The header progenitor adds to every request, parsed once.
static API_VERSION: reqwest::header::HeaderName = reqwest::header::HeaderName::from_static("api-version");

/// Sends a prepared request of `operation` and gives its answer, whatever its status.
pub(crate) async fn exchange(prepared: Prepared, operation: &str) -> CallResult<Answer> {
    let Prepared { session, mut request, function } = prepared;
    // progenitor sends the document's version with every request; Authing
    // takes no such header and the official SDKs do not send it.
    request.headers_mut().remove(&API_VERSION);
    crate::span::sending_to(request.url());
    let deadline = later(Instant::now(), session.operation_timeout());
    let effect = Effect::of(request.method(), function);
    authorize(&session, &mut request, deadline).await.map_err(Failure::into_error)?;
    let answer = execute(&session, request, operation, effect, deadline).await.map_err(Failure::into_error)?;
    crate::span::answered(&answer);
    Ok(answer)
}

/// Adds the token's headers to `request`, waiting for a token first if there
/// is no valid one, until `deadline`.
async fn authorize(session: &Session, request: &mut reqwest::Request, deadline: Instant) -> Result<(), Failure> {
    token(session, deadline).await?.apply(request.headers_mut());
    Ok(())
}

/// A token for a request now: the cached one, or the one being fetched,
/// waited for until `deadline`.
async fn token(session: &Session, deadline: Instant) -> Result<Arc<Token>, Failure> {
    match session.tokens.ready() {
        Some(token) => Ok(token),
        // Boxed: the wait is rare, and inline it would enlarge every call's future.
        None => {
            tracing::debug!("waiting for a management token");
            Box::pin(within(deadline, session.operation_timeout(), session.tokens.wait())).await
        }
    }
}

/// Sends an authorized request through the transport, and once more with a
/// new token when the answer is a 401 (HTTP, or an envelope `statusCode`
/// under HTTP 200); all of it ends by `deadline`, which the transport and
/// the token wait each keep (no timer of its own on the common path).
async fn execute(
    session: &Session,
    request: reqwest::Request,
    operation: &str,
    effect: Effect,
    deadline: Instant,
) -> Result<Answer, Failure> {
    let (answer, unsent) = session.transport.send(request, operation, effect, deadline).await;
    let answer = answer?;
    match unsent {
        Some(unsent) if rejects_token(&answer) => {
            Box::pin(renew_and_resend(session, unsent, answer, operation, effect, deadline)).await
        }
        _ => Ok(answer),
    }
}

/// The rare path, apart (and boxed) so that every call's future stays small.
async fn renew_and_resend(
    session: &Session,
    mut request: reqwest::Request,
    rejection: Answer,
    operation: &str,
    effect: Effect,
    deadline: Instant,
) -> Result<Answer, Failure> {
    session.tokens.invalidate(request.headers());
    let token = match token(session, deadline).await {
        Ok(token) => token,
        // The call ran out of time: that, not the rejection, is why it ends.
        Err(timeout @ Failure::Timeout(..)) => return Err(timeout),
        // The rejection explains the failure better than the failed refresh.
        Err(_) => return Ok(rejection),
    };
    tracing::debug!(operation, "token rejected; sending again with a new one");
    token.apply(request.headers_mut());
    session.transport.send(request, operation, effect, deadline).await.0
}

/// Whether `answer` rejects the token it was sent with: a 401, in HTTP or
/// in the envelope under HTTP 200.
fn rejects_token(answer: &Answer) -> bool {
    answer.status_code() == 401
}
