-- Bulk imports started from the web run as jobs; their progress lives here, so the page can
-- poll any server process, and an import cut short by a crash shows as interrupted (the
-- invites it made are whole: each batch commits with its teams, email jobs and audit rows).
CREATE TABLE bulk_jobs (
    id           TEXT PRIMARY KEY,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    total        BIGINT NOT NULL,
    done         BIGINT NOT NULL DEFAULT 0,
    created      BIGINT NOT NULL DEFAULT 0,
    -- JSON list of the rows not created and why, written when the job finishes.
    skipped      TEXT NOT NULL DEFAULT '[]',
    error        TEXT,
    heartbeat_at BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX bulk_jobs_created_by ON bulk_jobs (created_by, created_at);
