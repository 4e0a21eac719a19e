//! The escape hatch: a request to any path, with the same token, headers,
//! retry and envelope handling as the generated operations.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::envelope::untyped_data;
use crate::error::{Error, ResponseBody, Result};
use crate::failure::Failure;
use crate::generated::Client;
use crate::hooks::{authorize, execute};
use crate::retry::Effect;

/// A request built by [`ManagementClient::raw`](crate::ManagementClient::raw).
///
/// `.await` it for the answer's `data` as JSON, or call [`send`](Self::send)
/// to decode `data` into a type of your own.
#[must_use = "a request does nothing until it is awaited"]
pub struct RawRequest<'a> {
    api: &'a Client,
    request: Result<reqwest::RequestBuilder>,
}

impl<'a> RawRequest<'a> {
    pub(crate) fn new(api: &'a Client, method: reqwest::Method, path: &str) -> Self {
        let separator = if path.starts_with('/') { "" } else { "/" };
        let url = format!("{}{separator}{path}", api.baseurl);
        let request = reqwest::Url::parse(&url)
            .map(|url| api.client.request(method, url))
            .map_err(|e| Error::InvalidRequest(format!("{url:?} is not a valid URL: {e}")));
        RawRequest { api, request }
    }

    /// Adds query parameters, such as `&[("userId", "u1")]` or a struct.
    pub fn query<Q: Serialize + ?Sized>(mut self, query: &Q) -> Self {
        self.request = self.request.map(|r| r.query(query));
        self
    }

    /// Sends `body` as the JSON body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.request = self.request.map(|r| r.json(body));
        self
    }

    /// Sends the request and decodes the answer's `data` as `T` (the whole
    /// envelope when it has no `data`).
    pub async fn send<T: DeserializeOwned>(self) -> Result<T> {
        let api = self.api;
        let mut request = self.request?.build().map_err(|e| Error::InvalidRequest(e.to_string()))?;
        let operation = format!("{} {}", request.method(), request.url().path());
        let session = &api.inner;
        let deadline = crate::deadline::later(tokio::time::Instant::now(), session.operation_timeout());
        // A path the document lacks: only a `GET` (or `HEAD`) is known to read.
        let effect = Effect::of(request.method(), "");
        authorize(session, &mut request, deadline).await.map_err(Failure::into_error)?;
        let answer = execute(session, request, &operation, effect, deadline).await.map_err(Failure::into_error)?;
        let (http_status, body) = (answer.status, answer.body);
        let data = untyped_data(&operation, http_status, body.clone())?;
        serde_path_to_error::deserialize(data).map_err(|e| Error::UnexpectedShape {
            operation,
            http_status,
            path: format!("data.{}", e.path()),
            body: ResponseBody::new(body),
            source: e.into_inner(),
        })
    }
}

impl<'a> IntoFuture for RawRequest<'a> {
    type Output = Result<serde_json::Value>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
