//! Every operation's untyped twin: `.json()` on a request builder sends the
//! same request through the same runtime (token, headers, retries, the 401
//! renewal) and returns the answer's `data` as JSON, for when the typed
//! answer cannot be read.
//!
//! progenitor's builders decode their typed answer themselves, so the raw
//! answer is taken before they see it: while an untyped call runs, the `exec`
//! hook keeps the body in a task-local slot and hands progenitor an empty
//! `204`, which it returns undecoded.

use std::cell::RefCell;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use bytes::Bytes;

use crate::envelope::untyped_data;
use crate::error::{Error, Result};
use crate::operation::{Operation, from_progenitor};
use crate::transport::Answer;

tokio::task_local! {
    /// The answer of the untyped call running in this task: HTTP status and body.
    static CAPTURED: RefCell<Option<(u16, Bytes)>>;
}

/// An untyped call, made by `.json()` on a request builder: `.await` it.
#[must_use = "a request does nothing until it is awaited"]
pub struct Json<'a, O> {
    operation: O,
    lifetime: PhantomData<&'a ()>,
}

impl<'a, O: Operation + 'a> Json<'a, O> {
    pub(crate) fn new(operation: O) -> Self {
        Json { operation, lifetime: PhantomData }
    }
}

impl<'a, O: Operation + 'a> IntoFuture for Json<'a, O> {
    type Output = Result<serde_json::Value>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(call(self.operation))
    }
}

async fn call<O: Operation>(operation: O) -> Result<serde_json::Value> {
    let (sent, captured) = CAPTURED
        .scope(RefCell::new(None), async {
            let sent = crate::deadline::scope(operation.send_raw()).await;
            (sent, CAPTURED.with(RefCell::take))
        })
        .await;
    match (captured, sent) {
        (Some((http_status, body)), _) => untyped_data(O::ID, http_status, body),
        (None, Err(error)) => Err(from_progenitor(O::ID, error).await),
        (None, Ok(_)) => {
            Err(Error::InvalidRequest(format!("{}: the answer was decoded before it could be kept", O::ID)))
        }
    }
}

/// Called by the `exec` hook with every answer: during an untyped call, keeps
/// it and returns an empty `204` instead; otherwise returns it as it is.
pub(crate) fn capture(answer: Answer) -> reqwest::Response {
    let kept = CAPTURED.try_with(|slot| *slot.borrow_mut() = Some((answer.status, answer.body.clone())));
    match kept {
        Ok(()) => Answer { status: 204, headers: Default::default(), body: Bytes::new(), ..answer }.into_response(),
        Err(_) => answer.into_response(),
    }
}
