-- A link shown to the inviter for copying (create, resend) is a second token of the invite,
-- apart from the emailed one, so that an acceptance tells which of the two was used. Whoever
-- holds a copied link can accept as the invited address without owning that mailbox, so a
-- member who joined through one is shown as "address not confirmed" until they confirm it
-- from an email (SECURITY.md, "Copied links"). Both digests die together at a resend.
ALTER TABLE invites ADD COLUMN copy_digest TEXT;

-- How the member's invitation reached them: 'email' (the emailed link) or 'copied_link'.
-- NULL for the first admin (the operator vouched for the address) and for members who joined
-- before this migration, when the two could not be told apart.
ALTER TABLE users ADD COLUMN joined_via TEXT;
-- When the address was confirmed from an email, for members who joined through a copied
-- link; the keyed digest of the pending confirmation link (cleared once used) and when that
-- link stops working.
ALTER TABLE users ADD COLUMN email_confirmed_at BIGINT;
ALTER TABLE users ADD COLUMN confirm_digest TEXT;
ALTER TABLE users ADD COLUMN confirm_expires_at BIGINT;
