-- Webhooks (issue 14): endpoints, and one delivery row per (event, endpoint), written in the
-- same transaction as the change that caused the event (the outbox again).

-- The signing secret is never stored: it is derived from `secret_seed` under the server key
-- (as the emailed link is), so a database dump yields no secret. During a rotation the
-- previous seed keeps signing too, until `previous_until`.
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    -- Comma-separated event types, or '*' for all.
    event_types     TEXT NOT NULL,
    secret_seed     TEXT NOT NULL,
    previous_seed   TEXT,
    previous_until  BIGINT,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    -- Why it was disabled, when the system did it (a 410 Gone answer).
    disabled_reason TEXT,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      BIGINT NOT NULL
);

-- `msg_id` is the webhook-id: the same on every attempt and replay. `subject_key` (an invite
-- or member id) orders deliveries: one is not sent before the earlier ones of the same
-- subject to the same endpoint are done.
CREATE TABLE webhook_deliveries (
    msg_id          TEXT NOT NULL,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    subject_key     TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    delivered_at    BIGINT,
    failed_at       BIGINT,
    last_status     BIGINT,
    last_error      TEXT,
    PRIMARY KEY (msg_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (endpoint_id, subject_key, msg_id)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);

-- Every attempt, for the endpoint's page.
CREATE TABLE webhook_attempts (
    msg_id      TEXT NOT NULL,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    status      BIGINT,
    error       TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (endpoint_id, msg_id, at);

-- `invitation.expired` fires once per expiry: the scheduler marks the invite when it emits.
-- Invites that expired before this migration are marked already, so history does not fire.
ALTER TABLE invites ADD COLUMN expiry_notified_at BIGINT;
UPDATE invites SET expiry_notified_at = expires_at
    WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= CAST(extract(epoch FROM now()) * 1000 AS BIGINT);
CREATE INDEX invites_expiry_due ON invites (expires_at)
    WHERE accepted_at IS NULL AND revoked_at IS NULL AND expiry_notified_at IS NULL;
