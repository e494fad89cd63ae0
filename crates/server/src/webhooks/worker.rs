//! The delivery worker: one task per server (spawned in `serve.rs`, stopped on shutdown).
//! It takes due deliveries from the store, posts at most [`CONCURRENCY`] at once, and records
//! each attempt. A 2xx answer delivers; anything else (another status, a refused connection,
//! no answer within [`TIMEOUT`]) is retried on the schedule. Redirects are not followed.

use std::time::Duration;

use amphi_store::{AttemptResult, DueDelivery, Store, WebhookAttempt, now_ms};
use futures::StreamExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Webhooks, schedule, sign};
use crate::metrics::{Counter, Metrics};
use crate::serve::stopped;

/// Deliveries posted at once.
pub const CONCURRENCY: usize = 4;
/// How long one attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// A claimed delivery is not due again for this long (longer than an attempt can take), so a
/// server that dies mid-attempt only delays it.
const LEASE: Duration = Duration::from_secs(60);
/// Due deliveries taken per round.
const BATCH: u32 = 32;
/// The longest wait between two looks at the store (deliveries queued by another process,
/// retries coming due).
const MAX_POLL: Duration = Duration::from_secs(5);
/// The longest error text kept per attempt.
const MAX_ERROR_LEN: usize = 300;

/// The worker's counters on `/metrics`.
#[derive(Debug, Clone)]
struct WorkerMetrics {
    delivered: Counter,
    attempt_failures: Counter,
    failed: Counter,
}

impl WorkerMetrics {
    fn register(m: &Metrics) -> WorkerMetrics {
        let attempts = |outcome: &str| {
            m.counter_with(
                "amphi_webhook_attempts_total",
                "Webhook delivery attempts, by outcome: delivered (a 2xx answer) or error \
                 (another status, no answer, a refused connection)",
                &[("outcome", outcome)],
            )
        };
        WorkerMetrics {
            delivered: attempts("delivered"),
            attempt_failures: attempts("error"),
            failed: m.counter(
                "amphi_webhook_deliveries_failed_total",
                "Webhook deliveries given up after their retry window (24 h by default)",
            ),
        }
    }
}

/// Starts the worker; it stops once `shutdown` turns true (attempts under way finish).
pub fn spawn(
    webhooks: Webhooks,
    retry_base: Duration,
    metrics: &Metrics,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let metrics = WorkerMetrics::register(metrics);
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Amphi-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build();
    let base_ms = i64::try_from(retry_base.as_millis()).unwrap_or(i64::MAX);
    let poll = retry_base.min(MAX_POLL);
    tokio::spawn(async move {
        let client = match client {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "webhooks: no HTTP client, nothing will be delivered");
                return;
            }
        };
        let wake = webhooks.wake();
        let worker = Worker {
            store: webhooks.store().clone(),
            client,
            base_ms,
            metrics,
        };
        loop {
            if *shutdown.borrow() {
                break;
            }
            let full = worker.round().await;
            if full {
                continue; // more may be due
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
                () = stopped(&mut shutdown) => break,
            }
        }
        tracing::debug!("webhook worker stopped");
    })
}

struct Worker {
    store: Store,
    client: reqwest::Client,
    base_ms: i64,
    metrics: WorkerMetrics,
}

impl Worker {
    /// Posts what is due; `true` if a full batch was taken (look again at once).
    async fn round(&self) -> bool {
        let now = now_ms();
        let due = match self.store.due_webhook_deliveries(now, BATCH).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "webhooks: reading due deliveries failed");
                return false;
            }
        };
        let full = due.len() == BATCH as usize;
        futures::stream::iter(due)
            .for_each_concurrent(CONCURRENCY, |d| self.attempt(d, now))
            .await;
        full
    }

    async fn attempt(&self, due: DueDelivery, now: i64) {
        let id = due.delivery.id.clone();
        let lease = now.saturating_add(i64::try_from(LEASE.as_millis()).unwrap_or(i64::MAX));
        match self.store.claim_webhook_delivery(&id, now, lease).await {
            Ok(true) => {}
            Ok(false) => return, // another worker took it
            Err(e) => {
                tracing::warn!(delivery = %id, error = %e, "webhooks: claiming failed");
                return;
            }
        }
        let (http_status, error) = self.post(&due).await;
        let attempts = due.delivery.attempts.saturating_add(1);
        let done = now_ms();
        let result = if error.is_none() {
            self.metrics.delivered.inc();
            AttemptResult::Delivered { at: done }
        } else {
            self.metrics.attempt_failures.inc();
            match schedule::next_attempt(due.delivery.created_at, attempts, done, self.base_ms) {
                Some(at) => AttemptResult::Retry { at },
                None => {
                    self.metrics.failed.inc();
                    tracing::warn!(
                        delivery = %id,
                        event = %due.delivery.event_type,
                        attempts,
                        error = error.as_deref().unwrap_or(""),
                        "webhook delivery failed for good"
                    );
                    AttemptResult::Failed
                }
            }
        };
        tracing::debug!(delivery = %id, ?http_status, ?error, ?result, "webhook attempt");
        let attempt = WebhookAttempt {
            http_status: http_status.map(i64::from),
            error,
            result,
        };
        if let Err(e) = self.store.record_webhook_attempt(&id, attempt).await {
            tracing::warn!(delivery = %id, error = %e, "webhooks: recording an attempt failed");
        }
    }

    /// One POST: the answer's status (if any) and, unless it was 2xx, what went wrong.
    async fn post(&self, due: &DueDelivery) -> (Option<u16>, Option<String>) {
        let t = now_ms().div_euclid(1000);
        let d = &due.delivery;
        let request = self
            .client
            .post(&due.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Amphi-Event", &d.event_type)
            .header("Amphi-Delivery", &d.id)
            .header(
                "Amphi-Signature",
                sign::signature_header(&due.secret, t, &d.body),
            )
            .body(d.body.clone());
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    (Some(status.as_u16()), None)
                } else {
                    (Some(status.as_u16()), Some(format!("HTTP {status}")))
                }
            }
            // Without the URL: it may carry a token in its query.
            Err(e) => (None, Some(shorten(&error_chain(&e.without_url())))),
        }
    }
}

/// An error and its sources, e.g. "error sending request: connection refused".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(MAX_ERROR_LEN) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}
