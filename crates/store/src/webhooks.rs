//! Webhooks (O3): the endpoints administrators register, and the durable queue of deliveries.
//!
//! An event becomes one delivery per enabled endpoint subscribed to its type
//! ([`Store::enqueue_webhook_event`]). The server's worker asks for due deliveries, claims
//! each with one conditional UPDATE (so two workers, even on two nodes, never post the same
//! attempt), posts it, and records the outcome. The body is fixed at creation: every attempt
//! posts the same bytes. The signing secret is stored in clear because signing needs it.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::ids::new_id;
use crate::row::{decode, flag, text_enum};
use crate::{Store, StoreError};

/// A registered endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// 32 hex digits.
    pub id: String,
    pub url: String,
    pub description: String,
    /// Event types it receives (`room.opened`, ...), in the order given.
    pub events: Vec<String>,
    /// The HMAC-SHA256 key of its signatures.
    pub secret: String,
    pub enabled: bool,
    pub created_at: i64,
}

/// What it takes to register an endpoint (validated by the caller); the store picks the id.
#[derive(Debug, Clone)]
pub struct NewWebhookEndpoint {
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub secret: String,
    pub created_at: i64,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Given up (no 2xx within the retry window).
    Failed,
}

text_enum!(DeliveryStatus { Pending => "pending", Delivered => "delivered", Failed => "failed" });

/// One event for one endpoint, and its attempts so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: String,
    pub endpoint_id: String,
    /// Shared by the deliveries of one event (the body's `id`).
    pub event_id: String,
    pub event_type: String,
    /// The JSON posted.
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// The HTTP status of the last attempt, if one answered.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// When it is due (while pending; a claimed delivery's lease end).
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
}

/// A due delivery with what posting it needs.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub delivery: WebhookDelivery,
    pub url: String,
    pub secret: String,
}

/// The event a delivery carries (the same for every subscribed endpoint).
#[derive(Debug, Clone)]
pub struct NewWebhookEvent {
    pub event_id: String,
    pub event_type: String,
    pub body: String,
    pub created_at: i64,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptResult {
    /// 2xx at this time.
    Delivered { at: i64 },
    /// Try again at this time.
    Retry { at: i64 },
    /// Give up.
    Failed,
}

/// One attempt's outcome, recorded with [`Store::record_webhook_attempt`].
#[derive(Debug, Clone)]
pub struct WebhookAttempt {
    /// The answer's status, `None` if no answer came (connection refused, timeout).
    pub http_status: Option<i64>,
    pub error: Option<String>,
    pub result: AttemptResult,
}

const ENDPOINT_COLUMNS: &str = "id, url, description, events, secret, enabled, created_at";
const DELIVERY_COLUMNS: &str = "d.id, d.endpoint_id, d.event_id, d.event_type, d.body, d.status, \
     d.attempts, d.last_status, d.last_error, d.next_attempt_at, d.delivered_at, d.created_at";

fn endpoint_from_row(row: &AnyRow) -> Result<WebhookEndpoint, sqlx::Error> {
    let events: String = row.try_get("events")?;
    Ok(WebhookEndpoint {
        id: row.try_get("id")?,
        url: row.try_get("url")?,
        description: row.try_get("description")?,
        events: split_events(&events),
        secret: row.try_get("secret")?,
        enabled: flag(row, "enabled")?,
        created_at: row.try_get("created_at")?,
    })
}

fn delivery_from_row(row: &AnyRow) -> Result<WebhookDelivery, sqlx::Error> {
    Ok(WebhookDelivery {
        id: row.try_get("id")?,
        endpoint_id: row.try_get("endpoint_id")?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        body: row.try_get("body")?,
        status: decode(row, "status", DeliveryStatus::parse)?,
        attempts: row.try_get("attempts")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        delivered_at: row.try_get("delivered_at")?,
        created_at: row.try_get("created_at")?,
    })
}

fn split_events(events: &str) -> Vec<String> {
    events
        .lines()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Store {
    /// Registers an endpoint, enabled.
    pub async fn create_webhook_endpoint(
        &self,
        new: NewWebhookEndpoint,
    ) -> Result<WebhookEndpoint, StoreError> {
        let events: Vec<String> = new
            .events
            .iter()
            .map(|e| e.replace(['\n', '\r'], ""))
            .filter(|e| !e.is_empty())
            .collect();
        let sql = format!(
            "INSERT INTO webhook_endpoints ({ENDPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             RETURNING {ENDPOINT_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(new_id())
            .bind(new.url)
            .bind(new.description)
            .bind(events.join("\n"))
            .bind(new.secret)
            .bind(true)
            .bind(new.created_at)
            .fetch_one(&self.pool)
            .await?;
        Ok(endpoint_from_row(&row)?)
    }

    /// Every endpoint, oldest first.
    pub async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>, StoreError> {
        let sql =
            format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        Ok(rows
            .iter()
            .map(endpoint_from_row)
            .collect::<Result<_, _>>()?)
    }

    pub async fn webhook_endpoint(&self, id: &str) -> Result<Option<WebhookEndpoint>, StoreError> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(endpoint_from_row).transpose()?)
    }

    /// Enables or disables an endpoint. A disabled endpoint gets no new deliveries and its
    /// pending ones wait (they fail when their retry window ends).
    pub async fn set_webhook_endpoint_enabled(
        &self,
        id: &str,
        enabled: bool,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE webhook_endpoints SET enabled = $1 WHERE id = $2")
            .bind(enabled)
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Deletes an endpoint and its deliveries.
    pub async fn delete_webhook_endpoint(&self, id: &str) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Queues `event` for every enabled endpoint subscribed to its type, due at once; returns
    /// how many deliveries were queued.
    pub async fn enqueue_webhook_event(&self, event: &NewWebhookEvent) -> Result<u64, StoreError> {
        let endpoints = self.webhook_endpoints().await?;
        let targets: Vec<&WebhookEndpoint> = endpoints
            .iter()
            .filter(|e| e.enabled && e.events.contains(&event.event_type))
            .collect();
        if targets.is_empty() {
            return Ok(0);
        }
        // One transaction: an event reaches all its endpoints or none. It starts with a write.
        let mut tx = self.pool.begin().await?;
        for endpoint in &targets {
            insert_delivery(&mut tx, &endpoint.id, event).await?;
        }
        tx.commit().await?;
        Ok(targets.len() as u64)
    }

    /// Queues `event` for one endpoint, whatever its subscriptions ("send a test event").
    pub async fn enqueue_webhook_delivery(
        &self,
        endpoint_id: &str,
        event: &NewWebhookEvent,
    ) -> Result<WebhookDelivery, StoreError> {
        let mut tx = self.pool.begin().await?;
        let id = insert_delivery(&mut tx, endpoint_id, event).await?;
        tx.commit().await?;
        self.webhook_delivery(&id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn webhook_delivery(&self, id: &str) -> Result<Option<WebhookDelivery>, StoreError> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(delivery_from_row).transpose()?)
    }

    /// Pending deliveries due at `now` for enabled endpoints, the longest waiting first.
    pub async fn due_webhook_deliveries(
        &self,
        now: i64,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS}, e.url AS endpoint_url, e.secret AS endpoint_secret \
             FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND e.enabled = $2 \
             ORDER BY d.next_attempt_at, d.created_at, d.id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(true)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(DueDelivery {
                    delivery: delivery_from_row(row)?,
                    url: row.try_get("endpoint_url")?,
                    secret: row.try_get("endpoint_secret")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Takes a due delivery for one attempt: moves its due time to `lease_until` (so nobody
    /// else posts it meanwhile, and a crash mid-attempt only delays it). `false`: someone
    /// else took it, or it is no longer due.
    pub async fn claim_webhook_delivery(
        &self,
        id: &str,
        now: i64,
        lease_until: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $1 \
             WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3",
        )
        .bind(lease_until)
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records one attempt: counts it, keeps its status and error, and moves the delivery on.
    pub async fn record_webhook_attempt(
        &self,
        id: &str,
        attempt: WebhookAttempt,
    ) -> Result<(), StoreError> {
        let (status, next, delivered_at) = match attempt.result {
            AttemptResult::Delivered { at } => (DeliveryStatus::Delivered, None, Some(at)),
            AttemptResult::Retry { at } => (DeliveryStatus::Pending, Some(at), None),
            AttemptResult::Failed => (DeliveryStatus::Failed, None, None),
        };
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, \
             last_status = $2, last_error = $3, next_attempt_at = $4, delivered_at = $5 \
             WHERE id = $6 AND status = 'pending'",
        )
        .bind(status.as_str())
        .bind(attempt.http_status)
        .bind(attempt.error)
        .bind(next)
        .bind(delivered_at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// One page of an endpoint's deliveries, newest first.
    pub async fn webhook_deliveries_of(
        &self,
        endpoint_id: &str,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.endpoint_id = $1 \
             ORDER BY d.created_at DESC, d.id DESC LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query(&sql)
            .bind(endpoint_id)
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(delivery_from_row)
            .collect::<Result<_, _>>()?)
    }

    pub async fn count_webhook_deliveries_of(&self, endpoint_id: &str) -> Result<u64, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = $1")
                .bind(endpoint_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Deliveries waiting for an attempt (the queue's length).
    pub async fn count_pending_webhook_deliveries(&self) -> Result<u64, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'")
                .fetch_one(&self.pool)
                .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Deletes deliveries created before `before` (Unix ms), whatever their status; returns
    /// how many.
    pub async fn delete_webhook_deliveries_before(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM webhook_deliveries WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

async fn insert_delivery(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    endpoint_id: &str,
    event: &NewWebhookEvent,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, body, status, \
         attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7)",
    )
    .bind(&id)
    .bind(endpoint_id)
    .bind(&event.event_id)
    .bind(&event.event_type)
    .bind(&event.body)
    .bind(event.created_at)
    .bind(event.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}
