-- Issue 15: scheduled sends. An invite with a send_at in the future is Scheduled: its email
-- (an outbox job due then) has not gone out, its link does not work yet, and its expiry
-- counts from the send (expires_at = send_at + lifetime). From send_at on it is an ordinary
-- pending invite; send_at stays as the record of when it went out as planned. NULL: sent
-- at creation, as before.
ALTER TABLE invites ADD COLUMN send_at BIGINT;
-- The scheduled count and the Scheduled filter read only the few rows that ever had one.
CREATE INDEX invites_send_at ON invites (send_at) WHERE send_at IS NOT NULL;
