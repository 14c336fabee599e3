-- How long a link of this invite lives, in milliseconds. A resend gives the new link this
-- lifetime again. Before, a resend took `expires_at - created_at`, which grows with every
-- resend (created_at stays, expires_at moves on). NULL on older rows: their lifetime is
-- `expires_at - created_at`, which the first resend after this migration records.
ALTER TABLE invites ADD COLUMN lifetime BIGINT;
