-- Rate limits shared by every server process on one database (issue 14). PostgreSQL
-- deployments run several stateless servers, and limits kept in each process's memory let a
-- client multiply its allowance by the process count. On SQLite, one process, the limits stay
-- in memory and this table stays empty. One row per limited key: a fixed window and its hits.
CREATE TABLE rate_limits (
    key           TEXT PRIMARY KEY,
    window_start  BIGINT NOT NULL,
    hits          BIGINT NOT NULL,
    -- Whether a refusal in this window was recorded already (one audit row per window).
    refusal_noted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
