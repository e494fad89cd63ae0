//! Webhooks (O3): signed HTTP posts to the endpoints administrators register, for the events
//! they choose.
//!
//! - [`Webhooks::emit`] never blocks: it queues the event in the store (one delivery per
//!   subscribed, enabled endpoint) from a task of its own and wakes the worker.
//! - [`enqueue`] does the same and waits (the command line, which has no worker).
//! - [`worker`] posts due deliveries, a few at a time, signs them ([`sign`]), and retries
//!   failures on the [`schedule`] until 24 h after the event. The queue is in the store, so
//!   it survives a restart, and a claim is one conditional UPDATE, so several servers on one
//!   PostgreSQL never post the same attempt.
//! - `pages/admin_webhooks.rs` is the back office (endpoints, test event, delivery log).

pub mod event;
pub mod recording;
pub mod schedule;
pub mod sign;
pub mod url;
pub mod worker;

use std::sync::Arc;

use amphi_store::{NewWebhookEvent, Store, now_ms};
use tokio::sync::Notify;

pub use event::{EVENT_TYPES, RecordingData, RegistrationData, TEST_EVENT_TYPE, WebhookEvent};

use crate::Error;

/// The handle the server's parts emit events through. Cheap to clone.
#[derive(Clone)]
pub struct Webhooks {
    store: Store,
    /// Wakes the worker when something was queued (it also polls the store, for other
    /// processes' events and for retries).
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Webhooks")
    }
}

impl Webhooks {
    pub fn new(store: Store) -> Webhooks {
        Webhooks {
            store,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Queues `event` for delivery. Never blocks: the store write runs in a task of its own;
    /// a failure is logged (the event is lost, the caller's action is not undone). The event
    /// time is taken now, so the order of the `created_at`s is the order of the calls.
    pub fn emit(&self, event: WebhookEvent) {
        let new = new_event(&event, now_ms());
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                event = new.event_type,
                "webhook event outside a runtime: dropped"
            );
            return;
        };
        let this = self.clone();
        runtime.spawn(async move {
            match this.store.enqueue_webhook_event(&new).await {
                Ok(0) => {}
                Ok(_) => this.wake.notify_one(),
                Err(e) => tracing::warn!(
                    event = new.event_type,
                    error = %e,
                    "queueing a webhook event failed"
                ),
            }
        });
    }

    /// Queues a test event for one endpoint (its subscriptions aside); returns the delivery id.
    pub async fn send_test(&self, endpoint_id: &str) -> Result<String, Error> {
        let now = now_ms();
        let event_id = new_event_id();
        let data = serde_json::json!({ "message": "A test event sent from Amphi's back office." });
        let delivery = self
            .store
            .enqueue_webhook_delivery(
                endpoint_id,
                &NewWebhookEvent {
                    body: event::body(&event_id, TEST_EVENT_TYPE, now, data),
                    event_id,
                    event_type: TEST_EVENT_TYPE.to_owned(),
                    created_at: now,
                },
            )
            .await?;
        self.wake.notify_one();
        Ok(delivery.id)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}

/// Queues `event` and waits for the store (the command line uses it; a running server's
/// worker finds the deliveries at its next poll).
pub async fn enqueue(store: &Store, event: &WebhookEvent) -> Result<(), Error> {
    store
        .enqueue_webhook_event(&new_event(event, now_ms()))
        .await?;
    Ok(())
}

fn new_event(event: &WebhookEvent, now: i64) -> NewWebhookEvent {
    let event_id = new_event_id();
    NewWebhookEvent {
        body: event::body(&event_id, event.event_type(), now, event.data()),
        event_id,
        event_type: event.event_type().to_owned(),
        created_at: now,
    }
}

/// `evt_` and 16 random bytes in hex.
fn new_event_id() -> String {
    format!("evt_{}", hex::encode(rand::random::<[u8; 16]>()))
}
