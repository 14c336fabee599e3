-- Issue 15: reminders before expiry, and a cooldown between resends of one invite.

-- Hours before expiry at which a pending invite's invitee is reminded, comma-separated
-- ("48,24"); empty for none (the default). At most three.
ALTER TABLE invite_policy ADD COLUMN reminder_hours TEXT NOT NULL DEFAULT '';
-- Minutes a resend of one invite must wait after its last send; 0 for none.
ALTER TABLE invite_policy ADD COLUMN resend_cooldown_minutes BIGINT NOT NULL DEFAULT 10;
-- When the invite's current link was issued (create or resend); NULL on older rows, which
-- read created_at instead.
ALTER TABLE invites ADD COLUMN issued_at BIGINT;
