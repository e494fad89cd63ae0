-- Webhooks (O3): endpoints that administrators register, and the durable delivery queue.
-- An event becomes one delivery per subscribed, enabled endpoint; a worker posts due
-- deliveries and records each attempt's outcome here, so the queue survives a restart.

CREATE TABLE webhook_endpoints (
    id          TEXT    PRIMARY KEY NOT NULL,
    url         TEXT    NOT NULL,                   -- http(s), validated by the server
    description TEXT    NOT NULL,
    events      TEXT    NOT NULL,                   -- event types, one per line
    secret      TEXT    NOT NULL,                   -- in clear: needed to sign (HMAC key)
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              TEXT    PRIMARY KEY NOT NULL,
    endpoint_id     TEXT    NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL,               -- shared by the deliveries of one event
    event_type      TEXT    NOT NULL,
    body            TEXT    NOT NULL,               -- the JSON posted, the same at every attempt
    status          TEXT    NOT NULL,               -- 'pending' | 'delivered' | 'failed'
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER,                        -- HTTP status of the last attempt
    last_error      TEXT,
    next_attempt_at INTEGER,                        -- NULL once delivered or failed
    delivered_at    INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_created_at ON webhook_deliveries (created_at);
