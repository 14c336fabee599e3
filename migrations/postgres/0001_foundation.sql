-- Vestibule foundation: roles, users, sessions, set-password tokens, audit log.
-- Times are BIGINT milliseconds since the Unix epoch and ids are TEXT (uuid), on both
-- backends, so the domain's SQL is the same text for SQLite and PostgreSQL.

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    permissions BIGINT NOT NULL,
    built_in    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX roles_name_key ON roles (lower(name));

-- Permission bits: 1 view invites, 2 send, 4 revoke, 8 manage members,
-- 16 manage roles and teams, 32 view audit log (model/src/permissions.rs).
INSERT INTO roles (id, name, description, permissions, built_in, created_at) VALUES
    ('admin',   'Admin',   'Everything: invites, members, roles, teams and the audit log.', 63, TRUE, 0),
    ('editor',  'Editor',  'Sends, views and revokes invites.',                              7, TRUE, 0),
    ('analyst', 'Analyst', 'Reads invites and the audit log.',                              33, TRUE, 0);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    password_hash   TEXT,
    role_id         TEXT NOT NULL REFERENCES roles (id),
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      BIGINT NOT NULL,
    last_sign_in_at BIGINT,
    invite_id       TEXT
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_role_id ON users (role_id);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE password_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_digest TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX password_tokens_user_id ON password_tokens (user_id);

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    TEXT,
    actor_email TEXT,
    ip          TEXT,
    user_agent  TEXT,
    action      TEXT NOT NULL,
    subject     TEXT,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action_at ON audit_log (action, at);
