//! One request and its answer, the same for every call: the token and its
//! headers, the transport's bounds and retries, and one more send with a
//! new token when the server rejects the token; all of it within the call's
//! deadline (`operation_timeout`).

use std::sync::Arc;

use serde::Deserialize;
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

/// Whether `answer` rejects the token it was sent with.
fn rejects_token(answer: &Answer) -> bool {
    match answer.status {
        401 => true,
        200 => envelope_is_unauthorized(&answer.body),
        _ => false,
    }
}

fn envelope_is_unauthorized(body: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "statusCode")]
        status_code: Option<serde_json::Value>,
    }
    // Authing's answers begin with their `statusCode`: a success says so at once.
    if let Some(rest) = body.strip_prefix(br#"{"statusCode":200"#)
        && matches!(rest.first(), Some(b',' | b'}'))
    {
        return false;
    }
    // Parsing is only needed when the bytes `401` occur at all, which they
    // almost never do in a successful answer.
    memchr::memmem::find(body, b"401").is_some()
        && serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.status_code.and_then(|c| c.as_i64()) == Some(401))
}

#[cfg(test)]
mod tests {
    use super::envelope_is_unauthorized;

    #[test]
    fn only_an_envelope_status_of_401_rejects_the_token() {
        assert!(envelope_is_unauthorized(br#"{"statusCode": 401, "message": "token expired"}"#));
        assert!(!envelope_is_unauthorized(br#"{"statusCode":200,"data":{"phone":"401401"}}"#));
        assert!(!envelope_is_unauthorized(br#"{"statusCode":200,"data":{}}"#));
        assert!(!envelope_is_unauthorized(b"<html>401</html>"));
        // The quick answer for a success that says so first, and what it must not take for one.
        assert!(!envelope_is_unauthorized(br#"{"statusCode":200}"#));
        assert!(!envelope_is_unauthorized(br#"{"statusCode":200401}"#));
        assert!(envelope_is_unauthorized(br#"{"statusCode":401,"message":"expired","data":{"n":200}}"#));
    }
}
