-- Issue 15: contractor end dates. An invite may say when the access it grants ends; the
-- member who accepts it carries that moment, and loses access at it (read-time check on every
-- session, plus the scheduler's deactivation with its audit row and webhook event).
ALTER TABLE invites ADD COLUMN access_ends_at BIGINT;
ALTER TABLE users ADD COLUMN access_ends_at BIGINT;
-- When the inviter was warned that the end is near (once per end date; cleared when it moves).
ALTER TABLE users ADD COLUMN access_end_warned_at BIGINT;
CREATE INDEX users_access_ends ON users (access_ends_at) WHERE access_ends_at IS NOT NULL;
CREATE INDEX invites_access_ends ON invites (access_ends_at) WHERE access_ends_at IS NOT NULL;
