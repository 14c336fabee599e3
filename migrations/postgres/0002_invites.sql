-- Invites, teams and the mail outbox.

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX teams_name_key ON teams (lower(name));

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_id ON team_members (user_id);

-- Status is derived, never stored: accepted if accepted_at, revoked if revoked_at, expired
-- if expires_at has passed, else pending (domain/src/invite.rs holds the one definition).
CREATE TABLE invites (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL,
    role_id         TEXT NOT NULL REFERENCES roles (id),
    inviter_id      TEXT NOT NULL REFERENCES users (id),
    message         TEXT NOT NULL DEFAULT '',
    token_digest    TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    accepted_at     BIGINT,
    accepted_by     TEXT,
    revoked_at      BIGINT,
    revoked_by      TEXT,
    -- Set when a newer invite for the same address replaces an expired one, so the
    -- one-live-invite index below lets the new one in. Changes no status.
    closed_at       BIGINT,
    first_opened_at BIGINT,
    open_count      BIGINT NOT NULL DEFAULT 0,
    delivery        TEXT NOT NULL DEFAULT 'queued',
    delivery_error  TEXT,
    sent_at         BIGINT
);
CREATE UNIQUE INDEX invites_one_live_per_email ON invites (email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL AND closed_at IS NULL;
CREATE INDEX invites_created_at ON invites (created_at);
CREATE INDEX invites_inviter_id ON invites (inviter_id);

CREATE TABLE invite_teams (
    invite_id TEXT NOT NULL REFERENCES invites (id) ON DELETE CASCADE,
    team_id   TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    PRIMARY KEY (invite_id, team_id)
);
CREATE INDEX invite_teams_team_id ON invite_teams (team_id);

-- Transactional outbox: a job commits with the invite it belongs to; the mail worker sends it.
-- link_seed derives the link's secret under the server key (a dump alone cannot rebuild the
-- link) and is erased once the email is out.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    invite_id       TEXT REFERENCES invites (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    link_seed       TEXT,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    last_error      TEXT,
    sent_at         BIGINT,
    failed_at       BIGINT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_invite_id ON outbox (invite_id);

CREATE INDEX audit_log_subject ON audit_log (subject);

-- The invite an event belongs to, for each invite's own timeline.
ALTER TABLE audit_log ADD COLUMN invite_id TEXT;
CREATE INDEX audit_log_invite_id ON audit_log (invite_id, at);
