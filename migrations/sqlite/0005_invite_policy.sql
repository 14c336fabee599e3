-- The invite policy (one row) and the permission to change it (bit 64, given to Admin).
UPDATE roles SET permissions = permissions | 64 WHERE id = 'admin';
UPDATE roles SET description = 'Everything: invites, members, roles, teams, the audit log and the invite policy.'
    WHERE id = 'admin';

CREATE TABLE invite_policy (
    id                   BIGINT PRIMARY KEY CHECK (id = 1),
    default_expiry_hours BIGINT NOT NULL,
    max_expiry_hours     BIGINT NOT NULL,
    -- Domains one per line; empty allows every domain not blocked.
    allowed_domains      TEXT NOT NULL DEFAULT '',
    blocked_domains      TEXT NOT NULL DEFAULT '',
    -- Invites one person may create per 24 hours; 0 for no cap.
    daily_cap            BIGINT NOT NULL DEFAULT 0,
    updated_at           BIGINT,
    updated_by           TEXT
);
INSERT INTO invite_policy (id, default_expiry_hours, max_expiry_hours) VALUES (1, 168, 720);
