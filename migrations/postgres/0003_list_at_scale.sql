-- The invites list at 1,000,000 rows: a derived state column, one index per (filter, sort)
-- path the panel offers, and per-state counts kept by triggers (COUNT(*) over a million
-- rows is far too slow for every refresh of the panel).

-- 0 open (pending or expired, told apart by expires_at), 1 accepted, 2 revoked.
ALTER TABLE invites ADD COLUMN state SMALLINT
    GENERATED ALWAYS AS (CASE WHEN accepted_at IS NOT NULL THEN 1
                              WHEN revoked_at IS NOT NULL THEN 2 ELSE 0 END) STORED;

-- Byte order for email, as on SQLite: the same sort on both backends, and prefix search
-- can use a plain range on the index.
DROP INDEX invites_one_live_per_email;
ALTER TABLE invites ALTER COLUMN email TYPE TEXT COLLATE "C";
CREATE UNIQUE INDEX invites_one_live_per_email ON invites (email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL AND closed_at IS NULL;

DROP INDEX invites_created_at;
DROP INDEX invites_inviter_id;
CREATE INDEX invites_created ON invites (created_at, id);
CREATE INDEX invites_expires ON invites (expires_at, id);
CREATE INDEX invites_email ON invites (email, id);
CREATE INDEX invites_state_created ON invites (state, created_at, id);
CREATE INDEX invites_state_expires ON invites (state, expires_at, id);
CREATE INDEX invites_state_email ON invites (state, email, id);
CREATE INDEX invites_role_created ON invites (role_id, created_at, id);
CREATE INDEX invites_inviter_created ON invites (inviter_id, created_at, id);
CREATE INDEX invites_delivery_created ON invites (delivery, created_at, id);
DROP INDEX invite_teams_team_id;
CREATE INDEX invite_teams_team ON invite_teams (team_id, invite_id);

-- Invites per state, spread over 16 shards so concurrent transactions rarely wait on the
-- same row. A transaction always uses one shard (from its id), so two of them never lock
-- counter rows in opposite orders. Read with SUM over shards.
CREATE TABLE invite_state_counts (
    state SMALLINT NOT NULL,
    shard SMALLINT NOT NULL,
    n     BIGINT NOT NULL,
    PRIMARY KEY (state, shard)
);
INSERT INTO invite_state_counts (state, shard, n)
    SELECT s.state, 0, (SELECT COUNT(*) FROM invites i WHERE i.state = s.state)
    FROM (VALUES (0), (1), (2)) AS s (state);

CREATE FUNCTION invites_count_state() RETURNS trigger AS $$
DECLARE
    s SMALLINT := (txid_current() % 16)::SMALLINT;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO invite_state_counts (state, shard, n) VALUES (OLD.state, s, -1)
            ON CONFLICT (state, shard) DO UPDATE SET n = invite_state_counts.n - 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO invite_state_counts (state, shard, n) VALUES (NEW.state, s, 1)
            ON CONFLICT (state, shard) DO UPDATE SET n = invite_state_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER invites_count_insert_delete AFTER INSERT OR DELETE ON invites
    FOR EACH ROW EXECUTE FUNCTION invites_count_state();
CREATE TRIGGER invites_count_update AFTER UPDATE OF accepted_at, revoked_at ON invites
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION invites_count_state();
