-- The REST API's doors (issue 14): API keys, the answers kept for Idempotency-Key retries,
-- the key's name on every audit row it causes, and a small JSON object kept with an invite.
-- The permission to manage keys (and, later, webhook endpoints) is bit 128, given to Admin.
UPDATE roles SET permissions = permissions | 128 WHERE id = 'admin';
UPDATE roles SET description = 'Everything: invites, members, roles, teams, the audit log, the invite policy and API keys.'
    WHERE id = 'admin';

-- A key acts for its creator; what it may do is its scopes within the creator's current
-- permissions, worked out on every request. Only a keyed digest of the key is stored.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    -- 'vsk_' and the key's first characters: shown in lists to tell keys apart.
    prefix       TEXT NOT NULL,
    digest       TEXT NOT NULL UNIQUE,
    scopes       BIGINT NOT NULL,
    creator_id   TEXT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    revoked_by   TEXT,
    last_used_at BIGINT
);
CREATE INDEX api_keys_created ON api_keys (created_at);

-- An Idempotency-Key's first answer, per API key, kept 24 hours. The row is written before
-- the request's work starts (status NULL while it runs), so a concurrent retry finds it and
-- waits for the answer instead of doing the work again.
CREATE TABLE idempotency_keys (
    api_key_id  TEXT NOT NULL,
    idem_key    TEXT NOT NULL,
    -- SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint TEXT NOT NULL,
    status      BIGINT,
    body        TEXT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (api_key_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

ALTER TABLE audit_log ADD COLUMN api_key TEXT;
ALTER TABLE invites ADD COLUMN metadata TEXT;
