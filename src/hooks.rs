//! Progenitor's hooks: what runs around every request of every operation,
//! written once. Before it: the token and the headers. Around it: the
//! transport's bounds and retries, and one more send with a new token when
//! the server rejects the token.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use serde::Deserialize;

use crate::generated::Client;
use crate::session::{Session, SharedSession};
use crate::token::TokenFailure;
use crate::transport::Answer;

impl ClientHooks<SharedSession> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // Handed on as the call's own response, so that it is reported like any
        // other answer of the API: `Error::Api` with the token endpoint's codes.
        authorize(self.inner(), request).await.map_err(|failure| match failure.into_response() {
            Ok(response) => progenitor_client::Error::UnexpectedResponse(response),
            Err(e) => progenitor_client::Error::CommunicationError(e),
        })
    }

    async fn exec(&self, request: reqwest::Request, info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
        let answer = execute(self.inner(), request, info.operation_id).await?;
        Ok(crate::untyped::capture(answer))
    }
}

/// Adds the token's headers to `request`, fetching a token first if needed.
pub(crate) async fn authorize(session: &Session, request: &mut reqwest::Request) -> Result<(), TokenFailure> {
    let token = session.tokens.get(&session.transport).await?;
    token.apply(request.headers_mut());
    Ok(())
}

/// Sends an authorized request through the transport, and once more with a
/// new token when the answer is a 401 (HTTP, or an envelope `statusCode`
/// under HTTP 200).
pub(crate) async fn execute(session: &Session, request: reqwest::Request, operation: &str) -> reqwest::Result<Answer> {
    let (answer, unsent) = session.transport.send(request, operation).await;
    let answer = answer?;
    match unsent {
        Some(unsent) if rejects_token(&answer) => Box::pin(renew_and_resend(session, unsent, answer, operation)).await,
        _ => Ok(answer),
    }
}

/// The rare path, apart (and boxed) so that every call's future stays small.
async fn renew_and_resend(
    session: &Session,
    mut request: reqwest::Request,
    rejection: Answer,
    operation: &str,
) -> reqwest::Result<Answer> {
    session.tokens.invalidate(request.headers());
    let Ok(token) = session.tokens.get(&session.transport).await else {
        // The rejection explains the failure better than the failed refresh.
        return Ok(rejection);
    };
    tracing::debug!(operation, "token rejected; sending again with a new one");
    token.apply(request.headers_mut());
    session.transport.send(request, operation).await.0
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
