-- Issue 15: an invitee may decline, and an invite may say where its new member lands.

-- Declined is a terminal state of its own. Declining also sets closed_at, so the address is
-- free for a new invite (the one-live-invite index) and nothing that works on live invites
-- (resend, bulk, roles in use) sees it again.
ALTER TABLE invites ADD COLUMN declined_at BIGINT;
-- What the invitee wrote, if anything: plain text, escaped wherever it is shown.
ALTER TABLE invites ADD COLUMN decline_reason TEXT;
-- A path inside the app (checked at create: relative, no scheme, no host) where the member
-- lands after accepting. NULL: the home page.
ALTER TABLE invites ADD COLUMN landing_path TEXT;

-- The generated state gains 3 (declined). SQLite cannot change a generated column's
-- expression, so it is dropped and added again, with what depends on it.
DROP TRIGGER invites_count_insert;
DROP TRIGGER invites_count_update;
DROP TRIGGER invites_count_delete;
DROP INDEX invites_state_created;
DROP INDEX invites_state_expires;
DROP INDEX invites_state_email;
ALTER TABLE invites DROP COLUMN state;
-- 0 open (pending or expired, told apart by expires_at), 1 accepted, 2 revoked, 3 declined.
ALTER TABLE invites ADD COLUMN state SMALLINT
    GENERATED ALWAYS AS (CASE WHEN accepted_at IS NOT NULL THEN 1
                              WHEN revoked_at IS NOT NULL THEN 2
                              WHEN declined_at IS NOT NULL THEN 3 ELSE 0 END) VIRTUAL;
CREATE INDEX invites_state_created ON invites (state, created_at, id);
CREATE INDEX invites_state_expires ON invites (state, expires_at, id);
CREATE INDEX invites_state_email ON invites (state, email, id);

-- No invite was declined before this migration: its counter starts at zero.
INSERT INTO invite_state_counts (state, shard, n) VALUES (3, 0, 0);
CREATE TRIGGER invites_count_insert AFTER INSERT ON invites
BEGIN
    UPDATE invite_state_counts SET n = n + 1 WHERE state = NEW.state AND shard = 0;
END;
CREATE TRIGGER invites_count_update AFTER UPDATE OF accepted_at, revoked_at, declined_at ON invites
    WHEN OLD.state <> NEW.state
BEGIN
    UPDATE invite_state_counts SET n = n - 1 WHERE state = OLD.state AND shard = 0;
    UPDATE invite_state_counts SET n = n + 1 WHERE state = NEW.state AND shard = 0;
END;
CREATE TRIGGER invites_count_delete AFTER DELETE ON invites
BEGIN
    UPDATE invite_state_counts SET n = n - 1 WHERE state = OLD.state AND shard = 0;
END;
