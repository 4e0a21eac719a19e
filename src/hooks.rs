//! Progenitor's hooks: what runs around every request of every operation,
//! written once. Before it: the token and the headers. Around it: retries of
//! passing failures, and one with a new token when the server rejects the token.

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use serde::Deserialize;

use crate::generated::Client;
use crate::session::{Session, SharedSession};
use crate::token::TokenFailure;

impl ClientHooks<SharedSession> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        // progenitor adds `api-version: 3` to every request; Authing takes none.
        request.headers_mut().remove("api-version");
        // Handed on as the call's own response, so that it is reported like any
        // other answer of the API: `Error::Api` with the token endpoint's codes.
        authorize(self.inner(), self.client(), request).await.map_err(|failure| match failure.into_response() {
            Ok(response) => progenitor_client::Error::UnexpectedResponse(response),
            Err(e) => progenitor_client::Error::CommunicationError(e),
        })
    }

    async fn exec(&self, request: reqwest::Request, info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
        let response = execute(self.inner(), self.client(), request, info.operation_id).await?;
        crate::untyped::capture(response).await
    }
}

/// Adds the token's headers to `request`, fetching a token first if needed.
pub(crate) async fn authorize(
    session: &Session,
    http: &reqwest::Client,
    request: &mut reqwest::Request,
) -> Result<(), TokenFailure> {
    let token = session.tokens.get(http).await?;
    token.apply(request.headers_mut());
    Ok(())
}

/// Sends an authorized request: again after a passing failure (see
/// [`crate::RetryPolicy`]), and once more with a new token when the answer is a 401
/// (HTTP, or an envelope `statusCode` under HTTP 200).
pub(crate) async fn execute(
    session: &Session,
    http: &reqwest::Client,
    request: reqwest::Request,
    operation: &str,
) -> reqwest::Result<reqwest::Response> {
    // A body that cannot be cloned (a stream) is sent once, as it is.
    let Some(mut template) = request.try_clone() else {
        return send(http, request, operation).await;
    };
    let mut request = request;
    let mut attempt = 1;
    let mut token_renewed = false;
    loop {
        let outcome = send(http, request, operation).await;
        if let Some(delay) = session.retry.delay_after(attempt, &outcome) {
            tracing::debug!(operation, attempt, ?delay, "transient failure; sending again");
            tokio::time::sleep(delay).await;
            attempt += 1;
            request = template.try_clone().expect("cloned once already");
            continue;
        }
        let (response, unauthorized) = check_unauthorized(outcome?).await?;
        if !unauthorized || token_renewed {
            return Ok(response);
        }
        session.tokens.invalidate(template.headers());
        let Ok(token) = session.tokens.get(http).await else {
            // The rejection explains the failure better than the failed refresh.
            return Ok(response);
        };
        tracing::debug!(operation, "token rejected; sending again with a new one");
        token.apply(template.headers_mut());
        token_renewed = true;
        request = template.try_clone().expect("cloned once already");
    }
}

async fn send(
    http: &reqwest::Client,
    request: reqwest::Request,
    operation: &str,
) -> reqwest::Result<reqwest::Response> {
    let started = std::time::Instant::now();
    let result = http.execute(request).await;
    match &result {
        Ok(response) => {
            tracing::debug!(operation, status = response.status().as_u16(), elapsed = ?started.elapsed(), "response")
        }
        Err(error) => {
            tracing::debug!(operation, %error, elapsed = ?started.elapsed(), "no response")
        }
    }
    result
}

/// Whether `response` rejects the token. An HTTP 200 body is read to look at
/// its envelope, and handed back rebuilt from the bytes read.
async fn check_unauthorized(response: reqwest::Response) -> reqwest::Result<(reqwest::Response, bool)> {
    match response.status().as_u16() {
        401 => Ok((response, true)),
        200 => {
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            let unauthorized = envelope_is_unauthorized(&body);
            Ok((rebuild(200, headers, body), unauthorized))
        }
        _ => Ok((response, false)),
    }
}

fn envelope_is_unauthorized(body: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "statusCode")]
        status_code: Option<serde_json::Value>,
    }
    // Parsing is only needed when the bytes `401` occur at all, which they
    // almost never do in a successful answer.
    memchr::memmem::find(body, b"401").is_some()
        && serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.status_code.and_then(|c| c.as_i64()) == Some(401))
}

/// A response made from parts already read.
pub(crate) fn rebuild(http_status: u16, headers: reqwest::header::HeaderMap, body: Bytes) -> reqwest::Response {
    let mut response = http::Response::new(body);
    *response.status_mut() = http::StatusCode::from_u16(http_status).unwrap_or(http::StatusCode::BAD_GATEWAY);
    *response.headers_mut() = headers;
    reqwest::Response::from(response)
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
    }
}
