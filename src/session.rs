//! What every request of one client shares: the token cache and the settings
//! the hooks need. Held behind an `Arc`, so clones of a client share it.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Lang;
use crate::retry::RetryPolicy;
use crate::token::TokenCache;

/// The state shared by a [`ManagementClient`](crate::ManagementClient) and its clones.
///
/// Opaque: it is public only because the generated client names it as its
/// inner type.
#[derive(Debug)]
pub struct Session {
    pub(crate) tokens: TokenCache,
    pub(crate) lang: Lang,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
}

/// The inner type of the generated client.
pub type SharedSession = Arc<Session>;
