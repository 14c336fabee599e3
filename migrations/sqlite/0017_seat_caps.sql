-- Issue 15: seat caps. Members in the workspace, members in each team, and pending
-- invitations per inviter, each 0 for no cap. A workspace or team seat is taken by an active
-- member or a live (pending or scheduled) invitation; the caps are counted at create and
-- counted again, members only, at accept.
ALTER TABLE invite_policy ADD COLUMN workspace_seats BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invite_policy ADD COLUMN team_seats BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invite_policy ADD COLUMN pending_per_inviter BIGINT NOT NULL DEFAULT 0;
