//! What every request of one client shares: the token cache and the settings
//! every call needs. Held behind an `Arc`, so clones of a client share it.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Lang;
#[cfg(feature = "subscriptions")]
use crate::events::EventSettings;
use crate::token::TokenCache;
use crate::transport::Transport;

/// The state shared by a [`ManagementClient`](crate::ManagementClient) and its clones.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) tokens: TokenCache,
    pub(crate) transport: Arc<Transport>,
    #[cfg(feature = "subscriptions")]
    pub(crate) events: EventSettings,
    pub(crate) lang: Lang,
    pub(crate) timeout: Duration,
}

impl Session {
    /// The longest a whole call may take (see [`crate::deadline`]).
    pub(crate) fn operation_timeout(&self) -> Duration {
        self.transport.operation_timeout()
    }
}

/// The inner type of the generated client.
pub(crate) type SharedSession = Arc<Session>;
