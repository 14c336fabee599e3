-- Issue 16: the bulk page renders on the server, so the rows being checked are kept between
-- the dry run and the send: the dry-run page has an address of its own (and works without
-- WASM). A draft belongs to the person who checked it, is removed when it is sent, and any
-- draft older than a day is removed when another is saved.
CREATE TABLE bulk_drafts (
    id         TEXT PRIMARY KEY,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    csv        TEXT NOT NULL
);
CREATE INDEX bulk_drafts_created_at ON bulk_drafts (created_at);
